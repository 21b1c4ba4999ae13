/*
 * grace_test.h - what the grace harness's files share (see grace_test.c's
 * design note for what each phase proves): the strategy under test, the
 * run's shared state, the objects readers hold, the sequence clock, the
 * participating threads and the steps main gives them. Private to the
 * harness: every file of it is compiled again for each strategy (TEST_OPS).
 *
 *   grace_test.c         the shared state, objects, clock, threads, domain;
 *                        the phase table, --expect-fail, main
 *   grace_test_stress.c  the free-running phases: stress, offline, batch
 *   grace_test_script.c  the scripted phases: piggyback, barrier, orphan
 *   grace_test_litmus.c  the store-buffering litmus
 */
#ifndef GRACE_TEST_H
#define GRACE_TEST_H

#include "strategies/loop.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#ifndef TEST_OPS
#error "build with -DTEST_OPS=sync_<strategy>"
#endif
extern const struct sync_ops TEST_OPS;
static const struct sync_ops *const ops = &TEST_OPS;

#define MAGIC_LIVE 0x11FE11FE11FE11FEull
#define MAGIC_DEAD 0xDEADDEADDEADDEADull
/* bound on every wait for a thread's progress (no hang) */
#define OFFLINE_BOUND_NS (10ull * 1000000000ull)
#define SEQ_SLOTS 16

struct obj {
	uint64_t magic;
	uint64_t gen;
	uint64_t payload[4];
	/* Written by the retiring writer, read by the free callback only. */
	_Atomic uint64_t retire_seq;
};

/* One test run's shared state (a fresh one per phase, grace_domain_up()). */
struct grace_state {
	struct sync_domain *dom;
	enum sync_reclaim reclaim;
	bool isolate_mode;
	_Atomic(struct obj *) shared;
	struct {
		_Atomic uint64_t v;
	} seq[SEQ_SLOTS];                /* orders section begins and retirements (seq_now) */
	_Atomic uint64_t reclaimed_upto; /* max retire seq whose object was freed */
	_Atomic uint64_t gen;
	_Atomic int stop;
	_Atomic uint64_t reads, poisoned, order_violations;
	_Atomic uint64_t overlaps; /* read sections during which an update finished */
	_Atomic uint64_t defers, frees, updates, sync_calls;
	unsigned long_section_us;        /* readers' section length in batch phase */
	_Atomic int ser_readers, ser_writers; /* GRACE_TEST_BREAK_SERIALIZE only */
	pthread_barrier_t start;
};

extern struct grace_state grace;
extern int grace_failures;
extern bool grace_expecting_failure; /* --expect-fail: a broken build, run until caught */

#define FAIL(...)                                             \
	do {                                                  \
		fprintf(stdout, "FAIL %s: ", ops->name);      \
		fprintf(stdout, __VA_ARGS__);                 \
		fputc('\n', stdout);                          \
		fflush(stdout);                               \
		grace_failures++;                             \
	} while (0)

/*
 * A failed wait for a thread that is stuck for good: FAIL, the strategy's
 * state, then _exit(1) (the thread cannot be joined, so the test must not hang).
 */
#define FAIL_STUCK(...)                                       \
	do {                                                  \
		FAIL(__VA_ARGS__);                            \
		ops->dump(grace.dom, stdout);                 \
		fflush(stdout);                               \
		_exit(1);                                     \
	} while (0)

static inline void atomic_max(_Atomic uint64_t *a, uint64_t v)
{
	uint64_t cur = atomic_load(a);

	while (cur < v && !atomic_compare_exchange_weak(a, &cur, v))
		;
}

/*
 * Sequence numbers, taken with plain loads and stores only (no locked
 * instruction, which would be a full fence on x86 and stand in for a fence
 * the strategy must have itself): each updater owns a slot and writes there
 * one more than the largest value it sees in all slots (a Lamport clock);
 * a reader's number is the largest it sees. Every slot only grows, so the
 * clock never runs backwards (a shared counter updated by load and store
 * would: an updater preempted between the two writes an old value back, and
 * a reader taking it would see later retirements as "after" its section).
 * Two updaters may take the same number: that only weakens the order check
 * by one step.
 */
static inline uint64_t seq_now(void)
{
	uint64_t m = 0;

	for (unsigned i = 0; i < SEQ_SLOTS; i++) {
		uint64_t v = atomic_load_explicit(&grace.seq[i].v, memory_order_relaxed);

		if (v > m)
			m = v;
	}
	return m;
}

static inline uint64_t seq_next(unsigned tid)
{
	uint64_t s = seq_now() + 1;

	atomic_store_explicit(&grace.seq[tid % SEQ_SLOTS].v, s, memory_order_relaxed);
	return s;
}

static inline uint64_t now_ns(void)
{
	return sync_now_ns();
}

static inline void spin_us(unsigned us)
{
	uint64_t end = now_ns() + (uint64_t)us * 1000u;

	while (now_ns() < end)
		sync_relax();
}

struct obj *grace_obj_new(void);
/* Poisons then frees: a reader still holding o sees MAGIC_DEAD (or ASAN fires). */
void grace_obj_reclaim(struct obj *o);
/* defer_free's callback: grace_obj_reclaim, counted in grace.frees. */
void grace_obj_free_cb(void *p);

/* ---- participating threads ---- */

struct worker {
	pthread_t th;
	unsigned tid;
	int role; /* ROLE_* */
	unsigned updates;
	int efd;
	_Atomic int done;
	_Atomic uint64_t progress_ns; /* offline phase: last update finished */
	_Atomic int step;             /* scripted phases: main's command, thread's progress */
	struct sync_thread *t;
	void (*script)(struct worker *w); /* scripted phases: the thread's part */
};

enum { ROLE_READER, ROLE_WRITER, ROLE_SYNCER, ROLE_SLEEPER, ROLE_SCRIPT };

/* thread_alloc + thread_init for w->tid in grace.dom; exits on failure. */
void grace_start_thread(struct worker *w);
void grace_stop_thread(struct worker *w);

/* A fresh domain (and shared state) for nthreads workers plus main at grace.start. */
void grace_domain_up(unsigned nthreads);
void grace_domain_down(void);
/* Reads the value of key from the strategy's summary, or returns false. */
bool grace_summary_value(const char *key, uint64_t *val);
/* Every worker of w[0..n-1] ended by pthread_join. */
void grace_join_all(struct worker *w, unsigned n);
/* "frees != defers" after the domain's destruction: a deferred free lost. */
void grace_check_frees(const char *phase, const char *when);

/* ---- the phases, each on a fresh domain ---- */

void grace_phase_stress(void);
void grace_phase_offline(void);
void grace_phase_batch(void);
void grace_phase_piggyback(void);
void grace_phase_barrier(void);
void grace_phase_orphan(void);
void grace_phase_litmus(void);

#endif /* GRACE_TEST_H */
