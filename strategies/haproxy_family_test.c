/*
 * haproxy_family_test.c - the validate test of the HAProxy family (wake_all,
 * harmless_mask, isolate_full, tgroups, harmless_membarrier), one binary per
 * strategy: `haproxy_family_test <strategy> [--expect-failure]`.
 *
 * Scenarios, each through the one stress harness (stress.h):
 *  - every thread isolating at once, many rounds, none ever sleeping;
 *  - two isolators among sleepers, each isolation waking a peer that must stay
 *    out of its active section until the release;
 *  - isolation during start-up and exit (half the threads init late and exit
 *    early);
 *  - a single thread isolating (it must never wait on itself);
 *  - tgroups: 65, 130 and 256 threads across groups;
 *  - a strategy asked for one thread more than it supports refuses with a
 *    message, never silently capped;
 *  - wake_all: one eventfd write per sync round, never more than one byte
 *    pending, want_sync empty at the end (from its summary);
 *  - harmless_membarrier: refuses to run when membarrier is refused;
 *  - harmless_mask: its own isolated() agrees, after isolate() and release().
 *
 * With --expect-failure (the deliberately broken builds) the binary succeeds
 * only when some check fails (trying the scenarios up to 8 times): a broken
 * strategy that passes is itself a test failure.
 *
 * The strategies are weak references: each test target links only the
 * strategy it tests (or its broken build).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "strategies/harmless_mask.h"
#include "strategies/harmless_membarrier.h"
#include "strategies/stress.h"
#include "strategies/sync.h"

extern const struct sync_ops sync_wake_all __attribute__((weak));
extern const struct sync_ops sync_harmless_mask __attribute__((weak));
extern const struct sync_ops sync_isolate_full __attribute__((weak));
extern const struct sync_ops sync_tgroups __attribute__((weak));
extern const struct sync_ops sync_harmless_membarrier __attribute__((weak));
/* Defined only when harmless_membarrier is linked; used only then. */
#pragma weak sync_membarrier_call
/* Defined only when harmless_mask is linked. */
#pragma weak sync_harmless_mask_isolated

static int expect_failure;
static unsigned failures;

#ifdef SYNC_SANITIZER
#define TIMEOUT_S 20.0
#else
#define TIMEOUT_S 8.0
#endif

static const struct sync_ops *find(const char *name)
{
	const struct sync_ops *all[] = {
		&sync_wake_all, &sync_harmless_mask, &sync_isolate_full, &sync_tgroups,
		&sync_harmless_membarrier,
	};

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (all[i] && strcmp(all[i]->name, name) == 0)
			return all[i];
	return NULL;
}

static void fail(const char *scenario, const char *fmt, ...)
{
	va_list ap;

	failures++;
	printf("FAIL %s: ", scenario);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static void finish_stuck(void)
{
	/* Spinning threads cannot be joined: leave without exit handlers. */
	fflush(stdout);
	fflush(stderr);
	if (expect_failure) {
		printf("broken variant detected as expected (stuck)\n");
		fflush(stdout);
		_exit(0);
	}
	_exit(1);
}

/* Runs one stress configuration; returns 0 when it passed. */
static int stress_poll(const char *scenario, const struct sync_ops *ops, unsigned n,
		       unsigned nisolators, unsigned rounds, unsigned flags, int poll_ms,
		       struct stress_result *r)
{
	struct stress_cfg cfg = {
		.ops = ops, .nthreads = n, .nisolators = nisolators, .rounds = rounds,
		.flags = flags, .poll_timeout_ms = poll_ms,
		/* A broken build is expected to hang: no need to wait long. */
		.timeout_s = expect_failure ? 5.0 : TIMEOUT_S,
		.isolated = ops == &sync_harmless_mask ? sync_harmless_mask_isolated : NULL,
	};
	char err[512] = "";

	if (stress_run(&cfg, r, err, sizeof(err))) {
		fail(scenario, "%s", err);
		if (strncmp(err, "stuck", 5) == 0)
			finish_stuck();
		return -1;
	}
	printf("ok   %s: %u threads, %llu isolations, %llu peer wakes, %llu loops\n", scenario, n,
	       (unsigned long long)r->isolations, (unsigned long long)r->peer_wakes,
	       (unsigned long long)r->loops);
	fflush(stdout);
	return 0;
}

/* Sleepers wake every 2 ms at most: most threads are asleep most of the time. */
static int stress(const char *scenario, const struct sync_ops *ops, unsigned n, unsigned nisolators,
		  unsigned rounds, unsigned flags, struct stress_result *r)
{
	return stress_poll(scenario, ops, n, nisolators, rounds, flags, 2, r);
}

static unsigned cap(const struct sync_ops *ops, unsigned n)
{
	return ops->max_threads && n > ops->max_threads ? ops->max_threads : n;
}

static void check_wake_all(const char *scenario, const struct stress_result *r)
{
	unsigned long long writes = 0, drains = 0, max_pending = 0, want = 1;
	const char *s;

	s = strstr(r->summary, "wake_writes");
	if (!s || sscanf(s, "wake_writes %llu wake_drains %llu wake_max_pending %llu want_sync %llx",
			 &writes, &drains, &max_pending, &want) != 4) {
		fail(scenario, "wake_all summary unreadable: '%s'", r->summary);
		return;
	}
	if (max_pending > 1)
		fail(scenario, "%llu bytes were pending on the wake eventfd at once (at most 1 allowed)",
		     max_pending);
	else if (writes != drains)
		fail(scenario, "%llu wake writes but %llu drains (one write per sync round)", writes, drains);
	else if (writes == 0 || writes > r->isolations)
		fail(scenario, "%llu wake writes for %llu isolations (1 per round, rounds <= isolations)",
		     writes, (unsigned long long)r->isolations);
	else if (want != 0)
		fail(scenario, "want_sync is %#llx after every thread left (must be empty)", want);
	else
		printf("ok   %s: wake_all wrote %llu bytes for %llu isolations, max 1 pending\n", scenario,
		       writes, (unsigned long long)r->isolations);
}

static void check_limit(const struct sync_ops *ops)
{
	struct sync_params p = { .nthreads = ops->max_threads + 1, .reclaim = SYNC_RECLAIM_SYNC };
	struct sync_domain *d = NULL;
	char err[256] = "";

	if (!ops->max_threads) {
		fail("limit", "%s declares no thread limit", ops->name);
		return;
	}
	if (ops->domain_create(&p, &d, err, sizeof(err)) == 0) {
		ops->domain_destroy(d);
		fail("limit", "%s accepted %u threads, above its max_threads %u", ops->name, p.nthreads,
		     ops->max_threads);
		return;
	}
	if (!err[0] || !strstr(err, "at most")) {
		fail("limit", "%s refused %u threads without a clear reason: '%s'", ops->name, p.nthreads, err);
		return;
	}
	p.nthreads = ops->max_threads;
	if (ops->domain_create(&p, &d, err, sizeof(err))) {
		fail("limit", "%s refused its own max_threads %u: %s", ops->name, p.nthreads, err);
		return;
	}
	ops->domain_destroy(d);
	printf("ok   limit: %s takes %u threads and refuses %u: %s\n", ops->name, ops->max_threads,
	       ops->max_threads + 1, err);
}

static int refused_membarrier(int cmd, unsigned flags, int cpu_id)
{
	(void)cmd;
	(void)flags;
	(void)cpu_id;
	errno = EPERM; /* as a seccomp filter would say */
	return -1;
}

static void check_membarrier_refusal(const struct sync_ops *ops)
{
	struct sync_params p = { .nthreads = 2, .reclaim = SYNC_RECLAIM_SYNC };
	struct sync_domain *d = NULL;
	char err[256] = "";
	int (*saved)(int, unsigned, int) = sync_membarrier_call;

	sync_membarrier_call = refused_membarrier;
	if (ops->domain_create(&p, &d, err, sizeof(err)) == 0) {
		ops->domain_destroy(d);
		fail("membarrier refused", "domain_create succeeded although membarrier was refused");
	} else if (!strstr(err, "membarrier")) {
		fail("membarrier refused", "the reason does not name membarrier: '%s'", err);
	} else {
		printf("ok   membarrier refused: %s\n", err);
	}
	sync_membarrier_call = saved;
}

/* Every scenario, in order. */
static void run_all(const struct sync_ops *ops)
{
	struct stress_result r;
	unsigned n8 = cap(ops, 8);

	/*
	 * Each step runs unless a broken variant was already caught (then
	 * the rest would only cost time).
	 */
#define STEP(x) do { if (!(expect_failure && failures)) { x; } } while (0)
	/* Nobody sleeps: every thread is always about to isolate again. */
	STEP(if (stress_poll("all isolating at once", ops, n8, n8, 300, 0, 0, &r) == 0 &&
		 ops == &sync_wake_all)
		     check_wake_all("all isolating at once", &r));
	STEP(if (stress("peers woken during isolations", ops, n8, 2, 300, STRESS_WAKE_PEER, &r) == 0 &&
		 ops == &sync_wake_all)
		     check_wake_all("peers woken during isolations", &r));
	STEP(if (stress("start-up and exit", ops, n8, 2, 200,
			STRESS_STAGGER_START | STRESS_STAGGER_EXIT | STRESS_WAKE_PEER, &r) == 0 &&
		 ops == &sync_wake_all)
		     check_wake_all("start-up and exit", &r));
	STEP(stress("one thread", ops, 1, 1, 100, 0, &r));
	if (ops == &sync_tgroups) {
		STEP(stress("65 threads in 2 groups", ops, 65, 4, 40,
			    STRESS_STAGGER_START | STRESS_STAGGER_EXIT | STRESS_WAKE_PEER, &r));
		STEP(stress("130 threads in 3 groups", ops, 130, 6, 15, STRESS_WAKE_PEER, &r));
		STEP(stress("256 threads in 4 groups", ops, 256, 8, 8,
			    STRESS_STAGGER_START | STRESS_STAGGER_EXIT | STRESS_WAKE_PEER, &r));
	}
	STEP(check_limit(ops));
	if (ops == &sync_harmless_membarrier)
		STEP(check_membarrier_refusal(ops));
#undef STEP
}

int main(int argc, char **argv)
{
	const struct sync_ops *ops;

	if (argc < 2 || argc > 3 || (argc == 3 && strcmp(argv[2], "--expect-failure"))) {
		fprintf(stderr, "usage: %s <strategy> [--expect-failure]\n", argv[0]);
		return 2;
	}
	expect_failure = argc == 3;
	ops = find(argv[1]);
	if (!ops) {
		fprintf(stderr, "%s: strategy '%s' is not linked into this test\n", argv[0], argv[1]);
		return 2;
	}
	/*
	 * A broken build is tried up to 8 times: some breaks (harmless_mask's
	 * CAS, harmless_membarrier's CLAIM) open a race window that one run
	 * may miss, however wide the break makes it.
	 */
	for (int attempt = 0; attempt < (expect_failure ? 8 : 1) && !failures; attempt++)
		run_all(ops);

	if (expect_failure) {
		if (failures) {
			printf("broken variant detected as expected (%u failing check(s))\n", failures);
			return 0;
		}
		printf("FAIL: the broken variant of %s passed every check\n", ops->name);
		return 1;
	}
	if (failures) {
		printf("%u check(s) failed for %s\n", failures, ops->name);
		return 1;
	}
	printf("all checks passed for %s\n", ops->name);
	return 0;
}
