/*
 * isolate_full.c - harmless_mask's rendez-vous plus an idle mask: the isolator
 * waits until every other thread is idle (inside the poller, outside any
 * task) AND harmless. "Harmless" alone can be promised around any slow call
 * in the middle of a task; an isolator freeing an object such a task still
 * references would pull it out from under it. "Idle" says no task is running.
 *
 * Origin: HAProxy 2.5, commit 88d1c5d3f (thread_isolate_full, first used by
 * "del server"), on top of the rendez-vous of 1.9 (60b639ccb, seed 002).
 * Re-implemented from the semantics, not copied.
 *
 * Per thread, bits (want_rdv, idle, harmless):
 *
 *	want_rdv | idle | harmless | meaning
 *	---------+------+----------+-----------------------------------------
 *	    0    |  0   |    0     | running a task
 *	    0    |  1   |    0     | in the poller, outside the syscall
 *	    0    |  1   |    1     | in the poll syscall; not started; exited
 *	    1    |  1   |    1     | waiting for a full isolation
 *	    1    |  0   |    0     | isolated
 *
 * Nesting on each loop: idle_now, harmless_now, poll, harmless_end, idle_end
 * (poll_enter is steps 1 and 2, poll_leave steps 3 and 4). Inside a task, a
 * slow call may be bracketed by harmless_begin/harmless_end (step 2, then
 * step 3 without its wait, see if_task_harmless_end): harmless but not idle,
 * so a full isolation still waits for it.
 * Steps:
 *  1. idle_now: set own idle bit.
 *  2. harmless_now: set own harmless bit.
 *  3. harmless_end: loop { clear own harmless bit; if no other
 *     thread wants a rendez-vous, done; else set it again and wait while one
 *     does } (as harmless_mask; the wait is harmless and idle).
 *  4. idle_end: clear own idle bit. It needs no wait: the thread
 *     got here through step 3 with its harmless bit clear, and a full
 *     isolation needs that bit set (step 5), so no isolation can be claimed
 *     while the thread is between step 3 and its next step 2, which comes
 *     after step 1. The non-idle window is therefore always inside the
 *     harmful one, which isolations already exclude.
 *  5. isolate = isolate_full: set own idle and harmless bits; set own
 *     want_rdv bit; loop { h = harmless; if every thread is harmless and
 *     every thread is idle, CAS harmless from h to h without own bit:
 *     success = isolated; else relax }; clear own idle bit.
 *  6. release: clear own want_rdv bit, no wait (race to idle, f519cfaa6).
 * Threads not started or exited count as idle and harmless (both masks start
 * full; thread_init is steps 3 then 4; thread_deinit is steps 1 then 2).
 *
 * Memory order: sequentially consistent everywhere (the Dekker pair of steps
 * 3 and 5, as in harmless_mask; the idle bits are read in the same loop).
 * Limit: 64 participants including the outside updater.
 *
 * Deliberate breaks for the tests (mutants.bzl): ISOLATE_FULL_BREAK_HARMLESS_END
 * (step 3 does not re-park), ISOLATE_FULL_BREAK_NO_IDLE (step 5 ignores the
 * idle mask: a thread harmless inside a task is taken for idle).
 */
#include "strategies/masks.h"
#include "strategies/sync.h"

#include <sched.h>
#include <stdlib.h>

struct if_domain {
	struct sync_domain base;
	uint64_t all;	/* one bit per participant; constant after create */
	/* Written by every thread around its poll, read by isolators. */
	_Atomic uint64_t harmless SYNC_ALIGNED;
	/* Written by every thread around its poller, read by isolators. */
	_Atomic uint64_t idle SYNC_ALIGNED;
	/* Written by isolators, read by every thread in poll_leave. */
	_Atomic uint64_t want_rdv SYNC_ALIGNED;
};

SYNC_DEFINE_DOMAIN_OF(if_dom, struct if_domain)

static void if_idle_now(struct sync_thread *t)
{
	sync_mask_set(t, &if_dom(t)->idle, sync_bit(t));
}

static void if_idle_end(struct sync_thread *t)
{
	sync_mask_clear(t, &if_dom(t)->idle, sync_bit(t));
}

static void if_harmless_now(struct sync_thread *t)
{
	sync_mask_set(t, &if_dom(t)->harmless, sync_bit(t));
}

static void if_harmless_end(struct sync_thread *t)
{
#ifdef ISOLATE_FULL_BREAK_HARMLESS_END
	sync_mask_clear(t, &if_dom(t)->harmless, sync_bit(t)); /* broken on purpose: no re-park */
#else
	sync_mask_harmless_end(t, &if_dom(t)->harmless, &if_dom(t)->want_rdv);
#endif
}

/*
 * Step 3 inside a task (harmless_end after harmless_begin): clear own
 * harmless bit, no wait. A full isolation needs every other thread idle,
 * and this thread has not been idle since its idle_end (step 4): none was
 * running when it cleared its idle bit (it came through step 3, which
 * waited), and none can be granted before its next idle_now. Waiting here
 * for a pending request, as the poller's step 3 does, would deadlock: the
 * requester waits for this thread to be idle, which it only becomes by
 * finishing its task.
 */
static void if_task_harmless_end(struct sync_thread *t)
{
	atomic_fetch_and(&if_dom(t)->harmless, ~sync_bit(t));
}

/* Entering the poller: idle (step 1), then harmless (step 2). */
static void if_poll_enter(struct sync_thread *t)
{
	if_idle_now(t);
	if_harmless_now(t);
}

/* Leaving it: harmless_end (step 3, may wait), then idle_end (step 4). */
static void if_poll_leave(struct sync_thread *t)
{
	if_harmless_end(t);
	if_idle_end(t);
}

static void if_isolate(struct sync_thread *t)
{
	struct if_domain *d = if_dom(t);
	uint64_t me = sync_bit(t);
	uint64_t h;

	/* Idle and harmless while waiting, so other isolators can go first. */
	sync_mask_set(t, &d->idle, me);
	sync_mask_set(t, &d->harmless, me);
	sync_mask_set(t, &d->want_rdv, me);
	sync_wait_begin(t, SYNC_WAIT_ISOLATE);
	SYNC_COUNT(t, SYNC_COUNT_SCANNED, 2);
	for (;;) {
		h = atomic_load(&d->harmless);
		SYNC_COUNT(t, SYNC_COUNT_CONTENDED_WRITE, (h & d->all) == d->all && (atomic_load(&d->idle) & d->all) == d->all);
		if ((h & d->all) == d->all &&
#ifndef ISOLATE_FULL_BREAK_NO_IDLE
		    (atomic_load(&d->idle) & d->all) == d->all &&
#endif
		    atomic_compare_exchange_strong(&d->harmless, &h, h & ~me))
			break;
		sched_yield();
	}
	sync_wait_end(t);
	/* Running alone now; others waiting for us see us busy until we poll. */
	sync_mask_clear(t, &d->idle, me);
}

static void if_release(struct sync_thread *t)
{
	sync_mask_clear(t, &if_dom(t)->want_rdv, sync_bit(t));
}

static int if_thread_init(struct sync_thread *t, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	if_harmless_end(t);
	if_idle_end(t);
	return 0;
}

static void if_thread_deinit(struct sync_thread *t)
{
	if_idle_now(t);
	if_harmless_now(t);
}

static void if_dump(struct sync_domain *sd, FILE *out)
{
	struct if_domain *d = (struct if_domain *)sd;
	uint64_t h = atomic_load(&d->harmless), i = atomic_load(&d->idle);
	uint64_t w = atomic_load(&d->want_rdv);

	fprintf(out, "isolate_full: all %#llx harmless %#llx idle %#llx want_rdv %#llx\n",
		(unsigned long long)d->all, (unsigned long long)h, (unsigned long long)i,
		(unsigned long long)w);
	for (unsigned k = 0; k < sd->nthreads; k++)
		fprintf(out, "  thread %u: want_rdv %d idle %d harmless %d\n", k, (int)(w >> k & 1),
			(int)(i >> k & 1), (int)(h >> k & 1));
}

static void if_domain_init(struct if_domain *d)
{
	d->all = sync_mask_of(d->base.nthreads);
	/* Threads not started yet count as idle and harmless (739281b3d). */
	atomic_init(&d->harmless, d->all);
	atomic_init(&d->idle, d->all);
	atomic_init(&d->want_rdv, 0);
}

SYNC_DEFINE_DOMAIN_CREATE(if_domain_create, isolate_full, struct if_domain, if_domain_init)

SYNC_DEFINE_OPS(isolate_full, "exclusive", SYNC_CAP_ISOLATE, if,
	(domain_create, thread_init, thread_deinit, poll_enter, poll_leave, isolate, release, dump),
	.origin = "HAProxy 2.5 thread_isolate_full, commit 88d1c5d3f",
	.max_threads = 64,
	.counted = SYNC_COUNTED_ALL,
	.domain_destroy = sync_domain_delete,
	.thread_alloc = sync_bit_thread_alloc,
	.harmless_begin = if_harmless_now,
	.harmless_end = if_task_harmless_end);
