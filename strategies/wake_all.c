/*
 * wake_all.c - HAProxy 1.8's sync point: a thread that needs the shared state
 * alone raises its bit in want_sync; the first raise writes one byte to an
 * eventfd that every thread's epoll set watches, so every sleeping thread
 * wakes (N-1 wakeups per sync); every thread then meets the others at two
 * barriers, and the requesters run their updates between them one at a time
 * under a lock.
 *
 * Origin: HAProxy 1.8, commit 339fff8a1 (the sync point), 81991d328 (only the
 * 0 -> non-zero transition writes, so the pipe never holds more than one
 * byte), 3ea2490b4 (waiting yields instead of spinning). Replaced in 1.9 by
 * the rendez-vous (harmless_mask). Re-implemented from the semantics, not
 * copied; the membership rules for threads that start or exit while a sync is
 * pending are this project's (1.8 started all threads before any sync).
 *
 * State: all (members: threads between thread_init and thread_deinit),
 * want_sync (requesters), barrier words b1 and b2, lock (the requester
 * running its update), inround (threads inside a sync round), joining (a
 * thread waiting to become a member), the eventfd.
 *
 * Barrier(b): if (b & all) == all (the previous round left it full), CAS it to
 * 0; OR own bit into b; wait (yielding) until (b & all) == all. A round's b1
 * can be reset by its first arrival because nobody still reads the previous
 * round's b1: everyone has passed the b2 in between, which needed everyone.
 *
 * Steps:
 *  1. isolate: inround++ (backing off, serving rounds, while a thread is
 *     joining); want_sync |= me, and if it was 0, write one byte; barrier b1;
 *     take the lock: isolated.
 *  2. release: want_sync &= ~me, and if it became 0, drain the byte; unlock;
 *     barrier b2; inround--.
 *  3. loop_iter (every thread, every loop, outside any event): if want_sync
 *     is non-zero: inround++; barrier b1; barrier b2; inround--.
 *  4. A woken thread finds the byte (level-triggered; it stays until drained)
 *     and reaches step 3 at the end of its iteration; wake_event does nothing.
 * Why the byte is never written twice: the only write is by the thread that
 * turns want_sync from 0 to non-zero; the only clear to 0 is the last
 * requester's, which happens after b1 completed, when every member is inside
 * the round (waiting at a barrier or at the lock) and none can request until
 * b2, which the drainer reaches only after draining.
 *
 * Membership (threads not started or exited are not in all, so never waited
 * for):
 *  - thread_deinit: all &= ~me. Safe at any time: an exiting thread is not in
 *    a round (it left its last loop_iter), and barrier waiters re-read all on
 *    every check, so a round waiting for it completes. A word left full with
 *    the exited bit still counts as full ((b & all) == all) for the reset.
 *  - thread_init: joining = 1 (one joiner at a time); wait until inround is 0;
 *    reset b1 = b2 = 0; all |= me; joining = 0. Joining in the middle of a
 *    round would let the new thread run while someone is isolated, and stale
 *    full barrier words (full for the old all, not for the new one) could
 *    never be reset; so a joiner waits for the end of every round in
 *    progress, and requesters do not start new rounds while it waits (their
 *    inround++ and its read of inround, and its joining = 1 and their read of
 *    joining, form a Dekker pair: one side always sees the other).
 *
 * Memory order: sequentially consistent everywhere except where noted (the
 * barrier words carry the isolation's writes from the releaser to everyone
 * past b2; the Dekker pairs above need the total order).
 * Limit: 64 participants including the outside updater (bits in one word).
 *
 * Deliberate breaks for the tests (mutants.bzl): WAKE_ALL_BREAK_WAKE_EVERY_REQUEST
 * (every request writes a byte), WAKE_ALL_BREAK_NO_EXIT_BARRIER (release skips
 * b2), WAKE_ALL_BREAK_NO_ENTRY_BARRIER (isolate skips b1),
 * WAKE_ALL_BREAK_NO_LOCK (requesters do not take the lock).
 */
#include "strategies/masks.h"
#include "strategies/sync.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define WA_NONE (~0u)

struct wa_domain {
	struct sync_domain base;
	int efd;
	/* Written by thread_init/deinit, read by every barrier waiter. */
	_Atomic uint64_t all SYNC_ALIGNED;
	/* Written by requesters, read by every thread in loop_iter. */
	_Atomic uint64_t want_sync SYNC_ALIGNED;
	/* Written and read by every member at each round. */
	_Atomic uint64_t b1 SYNC_ALIGNED;
	_Atomic uint64_t b2 SYNC_ALIGNED;
	/* Written and read by requesters. */
	_Atomic unsigned lock SYNC_ALIGNED;
	/* Written by round participants, read by joiners. */
	_Atomic unsigned inround SYNC_ALIGNED;
	/* Written by joiners, read by requesters. */
	_Atomic int joining SYNC_ALIGNED;
	/* Statistics for tests and SUMMARY (relaxed: counts, read at the end). */
	_Atomic uint64_t writes SYNC_ALIGNED;
	_Atomic uint64_t drains;
	_Atomic int64_t pending;
	_Atomic int64_t max_pending;
};

SYNC_DEFINE_DOMAIN_OF(wa_dom, struct wa_domain)

static void wa_barrier(struct sync_thread *t, _Atomic uint64_t *b)
{
	struct wa_domain *d = wa_dom(t);
	uint64_t all = atomic_load(&d->all), old = atomic_load(b);

	/* Left full by the previous round: clear it (one arrival wins). */
	SYNC_COUNT(t, SYNC_COUNT_CONTENDED_WRITE, (old & all) == all);
	if ((old & all) == all)
		atomic_compare_exchange_strong(b, &old, 0);
	SYNC_COUNT(t, SYNC_COUNT_CONTENDED_WRITE, 1);
	atomic_fetch_or(b, sync_bit(t));
	SYNC_COUNT(t, SYNC_COUNT_SCANNED, 1);
	sync_wait_begin(t, SYNC_WAIT_BARRIER);
	for (;;) {
		all = atomic_load(&d->all);
		if ((atomic_load(b) & all) == all)
			break;
		sched_yield();
	}
	sync_wait_end(t);
}

static void wa_round(struct sync_thread *t)
{
	struct wa_domain *d = wa_dom(t);

	SYNC_COUNT(t, SYNC_COUNT_CONTENDED_WRITE, 1);
	atomic_fetch_add(&d->inround, 1);
	wa_barrier(t, &d->b1);
	wa_barrier(t, &d->b2);
	SYNC_COUNT(t, SYNC_COUNT_CONTENDED_WRITE, 1);
	atomic_fetch_sub(&d->inround, 1);
}

static void wa_loop_iter(struct sync_thread *t)
{
	/*
	 * Relaxed: a stale 0 only sends us to poll, where the byte (written
	 * after the bit and drained only once the round, which needs us, is
	 * over) wakes us at once.
	 */
	if (atomic_load_explicit(&wa_dom(t)->want_sync, memory_order_relaxed))
		wa_round(t);
}

static void wa_write_byte(struct wa_domain *d)
{
	uint64_t one = 1;
	int64_t p, m;

	if (write(d->efd, &one, sizeof(one)) != (ssize_t)sizeof(one))
		return; /* eventfd counter overflow only: cannot happen with 1-byte writes */
	atomic_fetch_add_explicit(&d->writes, 1, memory_order_relaxed);
	p = atomic_fetch_add_explicit(&d->pending, 1, memory_order_relaxed) + 1;
	m = atomic_load_explicit(&d->max_pending, memory_order_relaxed);
	while (p > m && !atomic_compare_exchange_weak_explicit(&d->max_pending, &m, p,
							       memory_order_relaxed, memory_order_relaxed))
		;
}

static void wa_drain(struct wa_domain *d)
{
	uint64_t v = 0;

	if (read(d->efd, &v, sizeof(v)) == (ssize_t)sizeof(v)) {
		atomic_fetch_add_explicit(&d->drains, 1, memory_order_relaxed);
		atomic_fetch_sub_explicit(&d->pending, (int64_t)v, memory_order_relaxed);
	}
}

static void wa_isolate(struct sync_thread *t)
{
	struct wa_domain *d = wa_dom(t);
	uint64_t me = sync_bit(t), old;
	unsigned none;

	for (;;) {
		int waiting = 0;

		SYNC_COUNT(t, SYNC_COUNT_CONTENDED_WRITE, 1);
		atomic_fetch_add(&d->inround, 1);
		if (!atomic_load(&d->joining))
			break;
		/* A thread is joining: let it in first, serving rounds meanwhile. */
		SYNC_COUNT(t, SYNC_COUNT_CONTENDED_WRITE, 1);
		atomic_fetch_sub(&d->inround, 1);
		while (atomic_load(&d->joining)) {
			if (atomic_load(&d->want_sync)) {
				if (waiting)
					sync_wait_end(t);
				waiting = 0;
				wa_round(t);
			} else {
				if (!waiting)
					sync_wait_begin(t, SYNC_WAIT_BARRIER);
				waiting = 1;
				sched_yield();
			}
		}
		if (waiting)
			sync_wait_end(t);
	}
	SYNC_COUNT(t, SYNC_COUNT_CONTENDED_WRITE, 1);
	old = atomic_fetch_or(&d->want_sync, me);
#ifdef WAKE_ALL_BREAK_WAKE_EVERY_REQUEST
	old = 0;
#endif
	SYNC_COUNT(t, SYNC_COUNT_EVENTFD_WRITE, old == 0);
	if (old == 0)
		wa_write_byte(d);
#ifndef WAKE_ALL_BREAK_NO_ENTRY_BARRIER
	wa_barrier(t, &d->b1);
#endif
	sync_wait_begin(t, SYNC_WAIT_LOCK);
	for (;;) {
		none = WA_NONE;
#ifdef WAKE_ALL_BREAK_NO_LOCK
		break; /* broken on purpose: requesters of one round run together */
#endif
		SYNC_COUNT(t, SYNC_COUNT_CONTENDED_WRITE, 1);
		if (atomic_compare_exchange_weak(&d->lock, &none, t->tid))
			break;
		sched_yield();
	}
	sync_wait_end(t);
}

static void wa_release(struct sync_thread *t)
{
	struct wa_domain *d = wa_dom(t);
	uint64_t me = sync_bit(t);

	SYNC_COUNT(t, SYNC_COUNT_CONTENDED_WRITE, 1);
	if ((atomic_fetch_and(&d->want_sync, ~me) & ~me) == 0)
		wa_drain(d);
	SYNC_COUNT(t, SYNC_COUNT_CONTENDED_WRITE, 1);
	atomic_store(&d->lock, WA_NONE);
#ifndef WAKE_ALL_BREAK_NO_EXIT_BARRIER
	wa_barrier(t, &d->b2);
#endif
	SYNC_COUNT(t, SYNC_COUNT_CONTENDED_WRITE, 1);
	atomic_fetch_sub(&d->inround, 1);
}

static int wa_thread_init(struct sync_thread *t, char *err, size_t errlen)
{
	struct wa_domain *d = wa_dom(t);

	(void)err;
	(void)errlen;
	sync_wait_begin(t, SYNC_WAIT_BARRIER);
	SYNC_COUNT(t, SYNC_COUNT_CONTENDED_WRITE, 1);
	while (atomic_exchange(&d->joining, 1))
		sched_yield();
	while (atomic_load(&d->inround))
		sched_yield();
	sync_wait_end(t);
	/* No round in progress and none can start: nobody reads the words. */
	SYNC_COUNT(t, SYNC_COUNT_CONTENDED_WRITE, 1);
	atomic_store(&d->b1, 0);
	SYNC_COUNT(t, SYNC_COUNT_CONTENDED_WRITE, 1);
	atomic_store(&d->b2, 0);
	SYNC_COUNT(t, SYNC_COUNT_CONTENDED_WRITE, 1);
	atomic_fetch_or(&d->all, sync_bit(t));
	SYNC_COUNT(t, SYNC_COUNT_CONTENDED_WRITE, 1);
	atomic_store(&d->joining, 0);
	return 0;
}

static void wa_thread_deinit(struct sync_thread *t)
{
	SYNC_COUNT(t, SYNC_COUNT_CONTENDED_WRITE, 1);
	atomic_fetch_and(&wa_dom(t)->all, ~sync_bit(t));
}

static void wa_domain_destroy(struct sync_domain *sd)
{
	struct wa_domain *d = (struct wa_domain *)sd;

	close(d->efd);
	sync_domain_delete(sd);
}

static int wa_wake_fd(struct sync_domain *sd)
{
	return ((struct wa_domain *)sd)->efd;
}

static void wa_dump(struct sync_domain *sd, FILE *out)
{
	struct wa_domain *d = (struct wa_domain *)sd;
	uint64_t all = atomic_load(&d->all), w = atomic_load(&d->want_sync);
	uint64_t b1 = atomic_load(&d->b1), b2 = atomic_load(&d->b2);
	unsigned lock = atomic_load(&d->lock);

	fprintf(out,
		"wake_all: all %#llx want_sync %#llx b1 %#llx b2 %#llx lock %s%u inround %u joining %d "
		"writes %llu drains %llu pending %lld\n",
		(unsigned long long)all, (unsigned long long)w, (unsigned long long)b1,
		(unsigned long long)b2, lock == WA_NONE ? "none " : "", lock == WA_NONE ? 0 : lock,
		atomic_load(&d->inround), atomic_load(&d->joining),
		(unsigned long long)atomic_load(&d->writes), (unsigned long long)atomic_load(&d->drains),
		(long long)atomic_load(&d->pending));
	for (unsigned k = 0; k < sd->nthreads; k++)
		fprintf(out, "  thread %u: member %d want_sync %d at_b1 %d at_b2 %d%s\n", k,
			(int)(all >> k & 1), (int)(w >> k & 1), (int)(b1 >> k & 1), (int)(b2 >> k & 1),
			lock == k ? " isolated" : "");
}

static void wa_summary(struct sync_domain *sd, FILE *out)
{
	struct wa_domain *d = (struct wa_domain *)sd;

	fprintf(out, "wake_writes %llu wake_drains %llu wake_max_pending %lld want_sync %llx",
		(unsigned long long)atomic_load(&d->writes), (unsigned long long)atomic_load(&d->drains),
		(long long)atomic_load(&d->max_pending),
		(unsigned long long)atomic_load(&d->want_sync));
}

static int wa_domain_init(struct wa_domain *d, char *err, size_t errlen)
{
	d->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (d->efd < 0) {
		snprintf(err, errlen, "wake_all: eventfd: %s", strerror(errno));
		return -1;
	}
	/* The rest starts zeroed (sync_domain_new): no thread, no round, no statistics. */
	atomic_init(&d->lock, WA_NONE);
	return 0;
}

SYNC_DEFINE_DOMAIN_CREATE_CHECKED(wa_domain_create, wake_all, struct wa_domain, wa_domain_init)

SYNC_DEFINE_OPS(wake_all, "exclusive", SYNC_CAP_ISOLATE | SYNC_CAP_WAKES_SLEEPERS, wa,
	(domain_create, domain_destroy, wake_fd, thread_init, thread_deinit, loop_iter, isolate,
	 release, dump, summary),
	.origin = "HAProxy 1.8 sync point, commits 339fff8a1, 81991d328, 3ea2490b4",
	.max_threads = 64,
	.counted = SYNC_COUNTED_ALL,
	.thread_alloc = sync_bit_thread_alloc);
