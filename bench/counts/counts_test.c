/*
 * counts_test.c - the counts that do not depend on the machine, asserted
 * exactly where the protocol fixes them (every loop thread parked while the
 * update runs, so no spin retries), and by bounds where a race between
 * arrivals decides (wake_all's barrier resets):
 *  - every strategy, every mode: phase A makes exactly nloop x rounds loop
 *    iterations and no sync wakeup; a strategy that counts nothing
 *    (liburcu, CK) says so through ops->counted and its sums stay 0;
 *  - wake_all: exactly nloop sync wakeups and 1 eventfd write per update
 *    (every sleeper woken, the byte written once), no contended write per
 *    iteration, and per update 4 per loop thread (inround twice, both
 *    barriers) plus the updater's 8, plus at most one reset CAS per
 *    participant and barrier;
 *  - harmless_mask: 2 contended writes per iteration (set and clear its
 *    bit), 6 per update, 1 mask scanned; isolate_full 4 and 10, 2 masks;
 *    tgroups 2 and 8, every group scanned twice (the re-verification);
 *  - harmless_membarrier: no contended write per iteration, 2 own writes
 *    (its flag), per update 1 membarrier and nloop flags scanned;
 *  - qsbr: no contended write per iteration, 2 own writes (offline,
 *    online); per update (sync) 4 contended writes (lock, gp, completed,
 *    unlock) and every slot scanned once; (defer) 1 contended write (the
 *    seal) and 2 own writes;
 *  - ebr: 3 own writes per iteration (active, epoch, inactive), 0
 *    contended; per update 2 epoch advances, each scanning every slot;
 *  - rwlock: 2 lock-word writes per read section and per update; none: 0.
 * Built with -DCOUNTS_BREAK_SKIP_UPDATER -DEXPECT_BROKEN it must fail
 * (counts_test_catches_break_skip_updater).
 */
#include "bench/counts/counts.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROUNDS 4

static int failures;

static void check(const char *s, const char *mode, unsigned n, const char *what, double got, double lo,
		  double hi)
{
	if (got >= lo - 1e-9 && got <= hi + 1e-9)
		return;
	failures++;
	if (lo == hi)
		fprintf(stderr, "FAIL %s/%s/%u loop threads: %s = %g, expected %g\n", s, mode, n, what, got, lo);
	else
		fprintf(stderr, "FAIL %s/%s/%u loop threads: %s = %g, expected [%g, %g]\n", s, mode, n, what,
			got, lo, hi);
}

#define EQ(what, got, want) check(name, mode, n, what, got, want, want)
#define IN(what, got, lo, hi) check(name, mode, n, what, got, lo, hi)

static void expect(const struct sync_ops *ops, enum counts_mode m, unsigned n, const struct counts_result *r)
{
	const char *name = ops->name, *mode = counts_mode_names[m];
	const double *it = r->per_iter, *up = r->per_update;
	double groups = ceil((n + 1) / 64.0);

	EQ("sync wakeups in phase A", (double)(r->sync_wakeups[1] - r->sync_wakeups[0]), 0);
	if (!ops->counted) {
		for (int k = 0; k < SYNC_COUNT_KINDS; k++)
			EQ("a count of a strategy that counts nothing", (double)r->total[k], 0);
	}
	if (!strcmp(name, "wake_all")) {
		EQ("sync wakeups per update", r->wakeups_per_update, n);
		EQ("eventfd writes per update", up[SYNC_COUNT_EVENTFD_WRITE], 1);
		EQ("contended writes per iteration", it[SYNC_COUNT_CONTENDED_WRITE], 0);
		IN("contended writes per update", up[SYNC_COUNT_CONTENDED_WRITE], 4.0 * n + 8,
		   4.0 * n + 8 + 2.0 * (n + 1));
		return;
	}
	/*
	 * A strategy that wakes sleepers for an update wakes every loop thread
	 * asleep; one that signals them (urcu_signal) interrupts each one at
	 * least once per grace period, in sync mode within the update.
	 */
	if ((ops->caps & SYNC_CAP_INTERRUPTS_SLEEPERS) && m == COUNTS_SYNC)
		IN("sync wakeups (EINTR) per update", r->wakeups_per_update, n, 4.0 * n);
	else if (ops->caps & SYNC_CAP_INTERRUPTS_SLEEPERS)
		/* defer: the library's worker runs the grace periods when it likes (the barrier, here) */
		IN("sync wakeups (EINTR) per update", r->wakeups_per_update, 0, 4.0 * n);
	else
		EQ("sync wakeups per update", r->wakeups_per_update, (ops->caps & SYNC_CAP_WAKES_SLEEPERS) ? n : 0);
	if (!strcmp(name, "harmless_mask")) {
		EQ("contended writes per iteration", it[SYNC_COUNT_CONTENDED_WRITE], 2);
		EQ("own writes per iteration", it[SYNC_COUNT_OWN_WRITE], 0);
		EQ("contended writes per update", up[SYNC_COUNT_CONTENDED_WRITE], 6);
		EQ("lines scanned per update", up[SYNC_COUNT_SCANNED], 1);
	} else if (!strcmp(name, "isolate_full")) {
		EQ("contended writes per iteration", it[SYNC_COUNT_CONTENDED_WRITE], 4);
		EQ("contended writes per update", up[SYNC_COUNT_CONTENDED_WRITE], 10);
		EQ("lines scanned per update", up[SYNC_COUNT_SCANNED], 2);
	} else if (!strcmp(name, "tgroups")) {
		EQ("contended writes per iteration", it[SYNC_COUNT_CONTENDED_WRITE], 2);
		EQ("contended writes per update", up[SYNC_COUNT_CONTENDED_WRITE], 8);
		EQ("lines scanned per update", up[SYNC_COUNT_SCANNED], 2 * groups);
	} else if (!strcmp(name, "harmless_membarrier")) {
		EQ("contended writes per iteration", it[SYNC_COUNT_CONTENDED_WRITE], 0);
		EQ("own writes per iteration", it[SYNC_COUNT_OWN_WRITE], 2);
		EQ("own writes per update", up[SYNC_COUNT_OWN_WRITE], 4);
		IN("contended writes per update", up[SYNC_COUNT_CONTENDED_WRITE], 4, 5);
		EQ("membarriers per update", up[SYNC_COUNT_MEMBARRIER], 1);
		EQ("lines scanned per update", up[SYNC_COUNT_SCANNED], n);
	} else if (!strcmp(name, "replicas_lazy") || !strcmp(name, "replicas_eager")) {
		int eager = !strcmp(name, "replicas_eager");

		/* poll_enter stores asleep and woken, poll_leave asleep: 3 own-line writes, nothing shared */
		EQ("contended writes per iteration", it[SYNC_COUNT_CONTENDED_WRITE], 0);
		EQ("own writes per iteration", it[SYNC_COUNT_OWN_WRITE], 3);
		if (eager) {
			/* one wake write per round; every other slot read to settle, then for its ack */
			EQ("eventfd writes per update", up[SYNC_COUNT_EVENTFD_WRITE], 1);
			EQ("lines scanned per update", up[SYNC_COUNT_SCANNED], 2.0 * n);
		} else {
			/* lock, version, drained and its futex word, unlock; every other slot read once */
			EQ("contended writes per update", up[SYNC_COUNT_CONTENDED_WRITE], 5);
			EQ("lines scanned per update", up[SYNC_COUNT_SCANNED], n);
			/* the updater's 4 and 3 of its poll; each loop thread's ack, at its next event */
			IN("own writes per update", up[SYNC_COUNT_OWN_WRITE], 7, 7.0 + n);
			EQ("eventfd writes per update", up[SYNC_COUNT_EVENTFD_WRITE], 0);
		}
	} else if (!strcmp(name, "qsbr")) {
		EQ("contended writes per iteration", it[SYNC_COUNT_CONTENDED_WRITE], 0);
		EQ("own writes per iteration", it[SYNC_COUNT_OWN_WRITE], 2);
		EQ("futex wakes per iteration", it[SYNC_COUNT_FUTEX_WAKE], 0);
		if (m == COUNTS_SYNC) {
			EQ("contended writes per update", up[SYNC_COUNT_CONTENDED_WRITE], 4);
			EQ("own writes per update", up[SYNC_COUNT_OWN_WRITE], 4);
			EQ("lines scanned per update", up[SYNC_COUNT_SCANNED], n + 1);
			EQ("futex waits per update", up[SYNC_COUNT_FUTEX_WAIT], 0);
		} else {
			EQ("contended writes per update", up[SYNC_COUNT_CONTENDED_WRITE], 1);
			EQ("own writes per update", up[SYNC_COUNT_OWN_WRITE], 2);
		}
	} else if (!strcmp(name, "ebr")) {
		EQ("contended writes per iteration", it[SYNC_COUNT_CONTENDED_WRITE], 0);
		EQ("own writes per iteration", it[SYNC_COUNT_OWN_WRITE], 3);
		if (m == COUNTS_SYNC) {
			EQ("contended writes per update", up[SYNC_COUNT_CONTENDED_WRITE], 2);
			EQ("lines scanned per update", up[SYNC_COUNT_SCANNED], 2.0 * (n + 1));
		}
	} else if (!strcmp(name, "rwlock")) {
		EQ("contended writes per iteration", it[SYNC_COUNT_CONTENDED_WRITE], 2);
		EQ("contended writes per update", up[SYNC_COUNT_CONTENDED_WRITE], 2);
	} else if (!strcmp(name, "none")) {
		for (int k = 0; k < SYNC_COUNT_KINDS; k++) {
			EQ("a count per iteration", it[k], 0);
			EQ("a count per update", up[k], 0);
		}
	}
}

int main(void)
{
	static const unsigned ns[] = { 1, 2, 4, 8, 63 };
	char err[300];
	int runs = 0;

	for (size_t i = 0; sync_registry[i]; i++) {
		const struct sync_ops *ops = sync_registry[i];

		for (int m = 0; m < COUNTS_MODES; m++) {
			if (!counts_mode_supported(ops, (enum counts_mode)m))
				continue;
			for (size_t j = 0; j < sizeof(ns) / sizeof(ns[0]); j++) {
				struct counts_config c = { .nloop = ns[j], .rounds = ROUNDS,
							   .mode = (enum counts_mode)m };
				struct counts_result r;

				/* 63 loop threads: only where the strategy's 64 allow. */
				if (ops->max_threads && ns[j] + 1 > ops->max_threads)
					continue;
				if (counts_run(ops, &c, &r, err, sizeof(err))) {
					fprintf(stderr, "FAIL %s\n", err);
					failures++;
					continue;
				}
				runs++;
				expect(ops, (enum counts_mode)m, ns[j], &r);
			}
		}
	}
#ifdef EXPECT_BROKEN
	if (!failures) {
		fprintf(stderr, "counts_test: the deliberately broken harness passed every check\n");
		return 1;
	}
	printf("counts_test: the broken harness failed %d checks, as it must\n", failures);
	return 0;
#else
	if (failures) {
		fprintf(stderr, "counts_test: %d failures in %d runs\n", failures, runs);
		return 1;
	}
	printf("counts_test: %d runs, every count as expected\n", runs);
	return 0;
#endif
}
