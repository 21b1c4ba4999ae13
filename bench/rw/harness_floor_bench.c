/*
 * harness_floor_bench.c - //bench/rw:harness_floor_bench: does the
 * readers/writers harness dominate a cheap read side? qsbr through the
 * harness (1 reader, no writer) against a bare, inlined QSBR reader loop,
 * and none against the bare read body, in interleaved rounds (rw_floor_run);
 * plottable rows and one SUMMARY line on stdout, the goal's verdict in a
 * comment line. Goal: the harness adds at most 10% to a bare QSBR read.
 *
 *   harness_floor_bench [--rounds=N] [--rep=S] [--quiesce-every=N]
 * Exit status: 0 ok (whatever the verdict), 1 run failed, 2 bad input.
 */
#include "bench/rw/rw.h"

#include "bench/flags.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *prog = "harness_floor_bench";

int main(int argc, char **argv)
{
	struct rw_floor_config cfg = { .reps = 10, .rep_s = 0.2, .quiesce_every = 1024 };
	struct rw_floor_result *res;
	char err[512];

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		unsigned u;
		double d;

		if (strncmp(a, "--rounds=", 9) == 0) {
			if (flags_parse_unsigned(a + 9, 1, RW_FLOOR_MAX_REPS, &u))
				flags_die(prog, "--rounds", a + 9, "a whole number 1..%d", RW_FLOOR_MAX_REPS);
			cfg.reps = u;
		} else if (strncmp(a, "--rep=", 6) == 0) {
			if (flags_parse_double(a + 6, 0, 60, FLAGS_MIN_EXCLUSIVE, &d))
				flags_die(prog, "--rep", a + 6, "seconds, a decimal number > 0 and <= 60");
			cfg.rep_s = d;
		} else if (strncmp(a, "--quiesce-every=", 16) == 0) {
			if (flags_parse_unsigned(a + 16, 1, 1u << 24, &u))
				flags_die(prog, "--quiesce-every", a + 16, "a whole number 1..%u", 1u << 24);
			cfg.quiesce_every = u;
		} else if (strcmp(a, "--help") == 0) {
			printf("usage: %s [--rounds=N (1..%d, default 10)] [--rep=S (default 0.2)] [--quiesce-every=N (default 1024)]\n",
			       prog, RW_FLOOR_MAX_REPS);
			return fflush(stdout) || ferror(stdout) ? 1 : 0;
		} else {
			flags_die_usage(prog, "unknown argument '%s' (allowed: --rounds=N, --rep=S, --quiesce-every=N, --help)", a);
		}
	}
	cfg.none = sync_find("none");
	cfg.qsbr = sync_find("qsbr");
	res = malloc(sizeof(*res));
	if (!res) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return 1;
	}
	if (rw_floor_run(&cfg, res, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", prog, err);
		free(res);
		return 1;
	}
	rw_floor_print(stdout, &cfg, res);
	free(res);
	if (fflush(stdout) || ferror(stdout) || fclose(stdout)) {
		fprintf(stderr, "%s: cannot write the results to stdout: %s\n", prog, strerror(errno));
		return 1;
	}
	return 0;
}
