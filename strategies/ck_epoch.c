/*
 * ck_epoch.c - the poll loop through Debian's Concurrency Kit 0.7.1 ck_epoch
 * (the real library, //system:ck). Origin: Fraser, "Practical lock-freedom"
 * (2004) epoch-based reclamation, as implemented by Samy Al Bahra in CK.
 *
 * Mapping of the interface onto the library:
 *   domain        one ck_epoch_t, and one ck_epoch_record_t per thread in a
 *                 domain-owned array: ck_epoch_unregister only marks a record
 *                 free, it stays linked in the epoch's record list that
 *                 every scan walks, so records live until domain_destroy.
 *   thread_init   ck_epoch_register(epoch, record, thread) (0.7.1: three
 *                 arguments, the last an opaque context), on the thread
 *   thread_deinit ck_epoch_barrier() if callbacks are pending, then
 *                 ck_epoch_unregister()
 *   read_begin    ck_epoch_begin(record, NULL): active = 1, a store-load
 *                 fence, then observe the global epoch
 *   read_end      ck_epoch_end(record, NULL)
 *   poll hooks    no-ops: a thread outside a section is inactive, never
 *                 waited for and never woken
 *   synchronize   ck_epoch_synchronize(): busy-waits (never sleeps) until
 *                 every active record has moved past the epoch, twice
 *   defer_free    ck_epoch_call() on the caller's own record: the callback
 *                 runs from ck_epoch_poll() (at every defer_free and every
 *                 loop_iter while some are pending), ck_epoch_barrier() or
 *                 another thread's barrier()
 *   barrier       every thread's callbacks, not only the caller's (CK's
 *                 ck_epoch_barrier dispatches one record): see cke_barrier
 * ck_epoch_call needs a ck_epoch_entry_t embedded in the object; the
 * interface gives a bare pointer, so each defer_free allocates a small node
 * {entry, p, fn} (one malloc per deferred object, counted against this
 * strategy). Pending objects and their peak are counted here (CK's own
 * n_peak is never updated in 0.7.1).
 *
 * Waits: synchronize and barrier are bracketed (SYNC_WAIT_GRACE,
 * SYNC_WAIT_DEFER) for the watchdog. Tests are no_tsan: TSAN cannot see CK's
 * inline-assembly atomics and fences.
 */
#include <ck_epoch.h>

#include "strategies/sync.h"

#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/*
 * Per thread, domain-owned: a mutex around every use of the thread's record
 * by the library's reclamation (ck_epoch_call, ck_epoch_poll, reclaim),
 * taken by the owner (uncontended but for a barrier) and by barrier()
 * callers of other threads; and counts of the callbacks made and run.
 */
struct ck_epoch_bin {
	pthread_mutex_t lock;
	/* made: owner, release; done: whoever runs a callback, under lock. */
	_Atomic uint64_t made, done;
} SYNC_ALIGNED;

struct ck_epoch_domain {
	struct sync_domain base;
	ck_epoch_t epoch;
	ck_epoch_record_t *records; /* nthreads, cache-line aligned, domain-owned */
	struct ck_epoch_bin *bins;  /* nthreads, domain-owned */
	/* Statistics; relaxed, they order nothing. */
	struct sync_reclaim_stats stats SYNC_ALIGNED;
};

struct ck_epoch_thread {
	struct sync_thread base;
	ck_epoch_record_t *rec;
	struct ck_epoch_bin *bin;
};

struct ck_epoch_node {
	ck_epoch_entry_t entry; /* first: the callback gets &entry */
	struct sync_deferred obj;
	struct ck_epoch_bin *bin; /* its thread's: counts the run */
};

SYNC_DEFINE_DOMAIN_CAST(cke_dom, struct ck_epoch_domain)
SYNC_DEFINE_THREAD_CAST(cke_thr, struct ck_epoch_thread)

static void cke_domain_destroy(struct sync_domain *dd)
{
	struct ck_epoch_domain *d = cke_dom(dd);

	for (unsigned i = 0; i < dd->nthreads; i++)
		pthread_mutex_destroy(&d->bins[i].lock);
	sync_domain_delete(dd);
}

static SYNC_THREAD_ALLOC_WITH(cke_thread_alloc, struct ck_epoch_thread,
			      t->rec = &cke_dom(d)->records[tid];
			      t->bin = &cke_dom(d)->bins[tid])

static int cke_thread_init(struct sync_thread *t, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	ck_epoch_register(&cke_dom(t->dom)->epoch, cke_thr(t)->rec, t);
	return 0;
}

static uint64_t cke_pending(struct ck_epoch_bin *b)
{
	return atomic_load_explicit(&b->made, memory_order_acquire) -
	       atomic_load_explicit(&b->done, memory_order_relaxed);
}

/*
 * Every defer_free made so far, by any thread, has run on return. CK's own
 * ck_epoch_barrier dispatches only the caller's record; for the others:
 *  1. note each thread's callbacks made (made[i]);
 *  2. ck_epoch_synchronize: every section that began before has ended;
 *  3. for each thread still short of its made[i]: under its lock, if it made
 *     nothing since step 1, everything pending on its record was deferred
 *     before step 2 began, hence is safe to run: ck_epoch_reclaim runs it
 *     all. If it did make more, it is running, and its own polls free them;
 *     go round again (from a fresh step 1 for that thread).
 * A thread that keeps deferring is polled by itself; one that stopped is
 * reclaimed here on the next round.
 */
static void cke_barrier(struct sync_thread *t)
{
	struct ck_epoch_domain *d = cke_dom(t->dom);
	unsigned n = t->dom->nthreads;
	uint64_t *want = calloc(n, sizeof(*want)), *seen = calloc(n, sizeof(*seen));
	bool done;

	sync_wait_begin(t, SYNC_WAIT_DEFER);
	if (!want || !seen) {
		/* No memory for the bookkeeping: the caller's own record at least. */
		pthread_mutex_lock(&cke_thr(t)->bin->lock);
		ck_epoch_barrier(cke_thr(t)->rec);
		pthread_mutex_unlock(&cke_thr(t)->bin->lock);
		free(want);
		free(seen);
		sync_wait_end(t);
		return;
	}
	for (unsigned i = 0; i < n; i++)
		want[i] = atomic_load_explicit(&d->bins[i].made, memory_order_acquire);
	do {
		for (unsigned i = 0; i < n; i++)
			seen[i] = atomic_load_explicit(&d->bins[i].made, memory_order_acquire);
		ck_epoch_synchronize(cke_thr(t)->rec);
		done = true;
		for (unsigned i = 0; i < n; i++) {
			struct ck_epoch_bin *b = &d->bins[i];

			if (atomic_load_explicit(&b->done, memory_order_acquire) >= want[i])
				continue;
#ifdef CK_EPOCH_BREAK_BARRIER_LOCAL
			if (b != cke_thr(t)->bin)
				continue; /* broken on purpose: the caller's own only */
#endif
			pthread_mutex_lock(&b->lock);
			if (atomic_load_explicit(&b->made, memory_order_relaxed) == seen[i])
				ck_epoch_reclaim(&d->records[i]);
			pthread_mutex_unlock(&b->lock);
			if (atomic_load_explicit(&b->done, memory_order_acquire) < want[i])
				done = false;
		}
		if (!done)
			sched_yield();
	} while (!done);
	sync_wait_end(t);
	free(want);
	free(seen);
}

static void cke_thread_deinit(struct sync_thread *t)
{
	/* No callback may outlive its thread's registration: run them all. */
	if (cke_pending(cke_thr(t)->bin)) {
		sync_wait_begin(t, SYNC_WAIT_DEFER);
		pthread_mutex_lock(&cke_thr(t)->bin->lock);
		ck_epoch_barrier(cke_thr(t)->rec);
		pthread_mutex_unlock(&cke_thr(t)->bin->lock);
		sync_wait_end(t);
	}
	ck_epoch_unregister(cke_thr(t)->rec);
}

static void cke_read_begin(struct sync_thread *t)
{
#ifndef CK_EPOCH_BREAK_NO_SECTION
	ck_epoch_begin(cke_thr(t)->rec, NULL);
#else
	(void)t; /* broken on purpose: sections are not announced */
#endif
}

static void cke_read_end(struct sync_thread *t)
{
#ifndef CK_EPOCH_BREAK_NO_SECTION
	ck_epoch_end(cke_thr(t)->rec, NULL);
#else
	(void)t;
#endif
}

static void cke_synchronize(struct sync_thread *t)
{
	sync_stats_synchronize(&cke_dom(t->dom)->stats);
	sync_wait_begin(t, SYNC_WAIT_GRACE);
	ck_epoch_synchronize(cke_thr(t)->rec);
	sync_wait_end(t);
}

static void cke_free_node(ck_epoch_entry_t *e)
{
	struct ck_epoch_node *n = (struct ck_epoch_node *)e;

	sync_deferred_run(&n->obj);
	/* Under the bin's lock (every dispatch is): relaxed RMW, release for barrier(). */
	atomic_fetch_add_explicit(&n->bin->done, 1, memory_order_release);
	free(n);
}

static void cke_defer_free(struct sync_thread *t, void *p, void (*fn)(void *))
{
	struct ck_epoch_bin *b = cke_thr(t)->bin;
	struct ck_epoch_node *n = SYNC_DEFERRED_NODE_NEW(t, struct ck_epoch_node, obj, p, fn,
							 &cke_dom(t->dom)->stats);

	if (!n)
		return;
	n->bin = b;
	pthread_mutex_lock(&b->lock);
	ck_epoch_call(cke_thr(t)->rec, &n->entry, cke_free_node);
	/* Release: barrier() that reads it sees the call on the record. */
	atomic_store_explicit(&b->made, atomic_load_explicit(&b->made, memory_order_relaxed) + 1,
			      memory_order_release);
	/* May run n's callback and free n: b, not n->bin, from here on. */
	ck_epoch_poll(cke_thr(t)->rec);
	pthread_mutex_unlock(&b->lock);
}

static void cke_loop_iter(struct sync_thread *t)
{
	struct ck_epoch_bin *b = cke_thr(t)->bin;

	if (cke_pending(b)) {
		pthread_mutex_lock(&b->lock);
		ck_epoch_poll(cke_thr(t)->rec);
		pthread_mutex_unlock(&b->lock);
	}
}

static void cke_dump(struct sync_domain *dd, FILE *out)
{
	struct ck_epoch_domain *d = cke_dom(dd);

	fprintf(out, "ck_epoch: global epoch %u, %llu synchronize calls, %llu pending\n",
		ck_pr_load_uint(&d->epoch.epoch),
		(unsigned long long)atomic_load_explicit(&d->stats.sync_calls, memory_order_relaxed),
		(unsigned long long)atomic_load_explicit(&d->stats.pending, memory_order_relaxed));
	for (unsigned i = 0; i < dd->nthreads; i++) {
		ck_epoch_record_t *r = &d->records[i];
		struct sync_thread *t = atomic_load_explicit(&dd->threads[i], memory_order_acquire);

		fprintf(out, "  thread %u: record %s, %s, epoch %u, waiting for %s\n", i,
			ck_pr_load_uint(&r->state) ? "free" : "in use",
			ck_pr_load_uint(&r->active) ? "active" : "inactive", ck_pr_load_uint(&r->epoch),
			t ? sync_wait_kind_name(atomic_load_explicit(&t->wait_kind, memory_order_relaxed))
			  : "- (not attached)");
	}
}

static void cke_summary(struct sync_domain *dd, FILE *out)
{
	struct ck_epoch_domain *d = cke_dom(dd);

	sync_stats_summary(&d->stats, dd->reclaim, out);
}

static void cke_domain_init(struct ck_epoch_domain *d)
{
	for (unsigned i = 0; i < d->base.nthreads; i++) {
		pthread_mutex_init(&d->bins[i].lock, NULL);
		atomic_init(&d->bins[i].made, 0);
		atomic_init(&d->bins[i].done, 0);
	}
	ck_epoch_init(&d->epoch);
}

SYNC_DEFINE_DOMAIN_CREATE_ARRAYS(cke_domain_create, ck_epoch, struct ck_epoch_domain,
				 cke_domain_init,
				 /* ck_epoch_record_t is CK_CC_CACHELINE: each on its own lines. */
				 SYNC_PER_THREAD(struct ck_epoch_domain, records),
				 SYNC_PER_THREAD(struct ck_epoch_domain, bins))

SYNC_DEFINE_OPS(ck_epoch, "grace", SYNC_CAP_SYNCHRONIZE | SYNC_CAP_DEFER, cke,
	(domain_create, domain_destroy, thread_alloc, thread_init, thread_deinit, loop_iter,
	 read_begin, read_end, synchronize, defer_free, barrier, dump, summary),
	.origin = "Concurrency Kit 0.7.1 ck_epoch (Debian libck-dev), after Fraser 2004",
	.max_threads = 0,
	/* Everything happens inside Concurrency Kit: not counted. */
	.counted = 0);
