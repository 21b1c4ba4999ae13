/*
 * tgroups_script_test.c - the race tgroups' re-verification exists for,
 * scripted step by step through the test hook of tgroups.c (built with
 * -DTGROUPS_TEST_HOOKS), so that it happens in every run:
 *
 *  1. A (thread 0, group 0) and B (thread 64, group 1) both call isolate;
 *     once A's scan succeeds (B harmless, isolating too) the hook holds A,
 *     harmless, between the scan and the claim until step 2 is done;
 *  2. B's scan sees A harmless and succeeds; the hook holds B there,
 *     harmless, until step 4;
 *  3. A claims, re-verifies (B is harmless), is isolated, releases, and runs
 *     harmful code at once (its harmless bit stays clear until it polls);
 *  4. B is let go: its scan is stale (A was harmless then, it no longer is),
 *     and the claim succeeds because A released. B must NOT be isolated
 *     while A runs on: it has to scan again after its claim. A keeps running
 *     for up to SCRIPT_HOLD_NS (or until B is isolated), then polls.
 * The 63 other threads of the 65-thread domain never start: they count as
 * harmless, so each scan reads two groups.
 *
 *   tgroups_script_test [--expect-failure]
 * With --expect-failure (TGROUPS_BREAK_REVERIFY, or TGROUPS_BREAK_CLAIM: no
 * claim at all) it succeeds only if B was
 * isolated while A ran harmful code.
 */
#include "strategies/loop.h"
#include "strategies/sync.h"
#include "strategies/tgroups_test_hooks.h"

#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern const struct sync_ops sync_tgroups;

#define NTHREADS 65
#define A_TID 0
#define B_TID 64
#define SCRIPT_HOLD_NS (200ull * 1000000ull)
#define SCRIPT_TIMEOUT_NS (20ull * 1000000000ull)

static struct {
	struct sync_domain *dom;
	_Atomic int a_held_once, b_held_once; /* the hook holds each thread once */
	_Atomic int b_scanned;                /* step 2 done */
	_Atomic int go_b;                     /* step 4 */
	_Atomic int a_harmful;                /* A runs harmful code after its release */
	_Atomic int b_isolated;
	_Atomic int violation;
	_Atomic int done[2];
	pthread_barrier_t started; /* both threads past thread_init */
} S;

static void wait_flag(_Atomic int *f)
{
	while (!atomic_load(f))
		usleep(100);
}

static void hook(struct sync_thread *t, enum tgroups_test_point point)
{
	if (point != TGROUPS_HOOK_SCANNED)
		return;
	if (t->tid == A_TID && !atomic_exchange(&S.a_held_once, 1)) {
		wait_flag(&S.b_scanned); /* step 1 -> 2 */
	} else if (t->tid == B_TID && !atomic_exchange(&S.b_held_once, 1)) {
		atomic_store(&S.b_scanned, 1);
		wait_flag(&S.go_b); /* step 2 -> 4 */
	}
}

static int noop_poll(void *arg)
{
	(void)arg;
	return 0;
}

static struct sync_thread *start(unsigned tid)
{
	struct sync_thread *t;
	char err[256];

	if (sync_tgroups.thread_alloc(S.dom, tid, &t, err, sizeof(err)) || sync_thread_init(t, err, sizeof(err))) {
		fprintf(stderr, "tgroups_script_test: thread %u: %s\n", tid, err);
		exit(2);
	}
	/* Both running before either isolates: a joiner would wait for the rdv. */
	pthread_barrier_wait(&S.started);
	return t;
}

static void stop(struct sync_thread *t)
{
	sync_thread_deinit(t);
	sync_tgroups.thread_free(t);
}

static void *thread_a(void *arg)
{
	struct sync_thread *t = start(A_TID);
	uint64_t end;

	(void)arg;
	sync_isolate(t);           /* steps 1 and 3 */
	sync_release(t);
	atomic_store(&S.a_harmful, 1);
	atomic_store(&S.go_b, 1);  /* step 4 */
	end = sync_now_ns() + SCRIPT_HOLD_NS;
	while (sync_now_ns() < end && !atomic_load(&S.b_isolated))
		sched_yield();     /* harmful work */
	atomic_store(&S.a_harmful, 0);
	while (!atomic_load(&S.done[1])) {
		sync_loop_poll(t, noop_poll, NULL);
		usleep(100);
	}
	stop(t);
	atomic_store(&S.done[0], 1);
	return NULL;
}

static void *thread_b(void *arg)
{
	struct sync_thread *t = start(B_TID);

	(void)arg;
	sync_isolate(t);           /* steps 2 and 4 */
	atomic_store(&S.b_isolated, 1);
	if (atomic_load(&S.a_harmful))
		atomic_store(&S.violation, 1);
	sync_release(t);
	stop(t);
	atomic_store(&S.done[1], 1);
	return NULL;
}

int main(int argc, char **argv)
{
	struct sync_params p = { .nthreads = NTHREADS, .reclaim = SYNC_RECLAIM_SYNC };
	bool xfail = argc == 2 && strcmp(argv[1], "--expect-failure") == 0;
	pthread_t a, b;
	char err[256];
	uint64_t end;

	if (argc > 2 || (argc == 2 && !xfail)) {
		fprintf(stderr, "usage: %s [--expect-failure]\n", argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	tgroups_test_hook = hook;
	pthread_barrier_init(&S.started, NULL, 2);
	if (sync_tgroups.domain_create(&p, &S.dom, err, sizeof(err))) {
		fprintf(stderr, "tgroups_script_test: %s\n", err);
		return 2;
	}
	pthread_create(&a, NULL, thread_a, NULL);
	pthread_create(&b, NULL, thread_b, NULL);
	end = sync_now_ns() + SCRIPT_TIMEOUT_NS;
	while (!atomic_load(&S.done[0]) || !atomic_load(&S.done[1])) {
		if (sync_now_ns() > end) {
			printf("FAIL tgroups script: stuck; strategy's view:\n");
			sync_tgroups.dump(S.dom, stdout);
			fflush(stdout);
			_exit(1);
		}
		usleep(1000);
	}
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	sync_tgroups.domain_destroy(S.dom);
	if (atomic_load(&S.violation)) {
		printf("FAIL tgroups script: B was isolated while A, released after B's scan, ran harmful code "
		       "(the claim was not re-verified)\n");
		if (xfail)
			printf("broken variant detected as expected\n");
		return xfail ? 0 : 1;
	}
	printf("ok   tgroups script: B's stale scan was re-verified after its claim; B isolated only once A polled\n");
	if (xfail) {
		printf("FAIL: the broken variant passed the script\n");
		return 1;
	}
	return 0;
}
