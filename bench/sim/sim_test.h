/*
 * sim_test.h - what the simulator's in-process tests share: one checked
 * run (they start from pollsim_config_quiet: a NULL strategy, no such
 * strategy, fails the run). Included by the test files only, after
 * bench/lib/check.h (failures, CHECK).
 */
#ifndef SIM_TEST_H
#define SIM_TEST_H

#include <stdio.h>
#include <stdlib.h>

#include "bench/sim/pollsim.h"
#include "strategies/sync.h"

/* One run of c into r: 0, or -1 after a FAIL line (no such strategy, or pollsim_run's reason). */
static inline int sim_test_run_into(const struct pollsim_config *c, struct pollsim_result *r)
{
	char err[512];

	if (!c->strategy) {
		printf("FAIL: no such strategy\n");
		failures++;
		return -1;
	}
	if (pollsim_run(c, r, err, sizeof(err))) {
		printf("FAIL: %s: pollsim_run: %s\n", c->strategy->name, err);
		failures++;
		return -1;
	}
	return 0;
}

/* One run of c into a new result (the caller frees it), or NULL after a FAIL line. */
static inline struct pollsim_result *sim_test_run(const struct pollsim_config *c)
{
	struct pollsim_result *r = calloc(1, sizeof(*r));

	if (!r) {
		printf("FAIL: out of memory\n");
		exit(1);
	}
	if (sim_test_run_into(c, r)) {
		free(r);
		return NULL;
	}
	return r;
}

#endif /* SIM_TEST_H */
