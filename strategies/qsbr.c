/*
 * qsbr.c - quiescent-state-based reclamation, our own. Origin: McKenney and
 * Slingwine's RCU (1998) as user-space QSBR in Desnoyers et al., "User-Level
 * Implementations of Read-Copy Update" (IEEE TPDS 2012), 64-bit counter
 * variant; written from those semantics, not from liburcu's code.
 *
 * A poll-loop thread reads the shared state only while handling events, so the
 * end of each loop iteration is a quiescent state (no reference held), and a
 * thread asleep in the poller is offline (the RCU twin of HAProxy's
 * "harmless"). Read sections cost nothing: read_begin/read_end are no-ops.
 *
 * State: one 64-bit grace-period counter gp (starts at 1, only grows, never
 * wraps in practice), and per thread a counter ctr in a domain-owned,
 * cache-line padded slot: 0 = offline, otherwise the last gp value the thread
 * observed at a quiescent state or when going online.
 *
 * Invariant: a grace period G is over when every slot has ctr == 0 or
 * ctr >= G, observed AFTER gp was advanced to G. Then every read section that
 * began before the advance has ended, because:
 *  1. Updater: unpublish the old version (seq_cst), then advance gp to G
 *     (seq_cst RMW, so the unpublish is ordered before it).
 *  2. Quiescent state (loop_iter): g = load(gp, acquire); if ctr != g:
 *     store(ctr, g, release). Release: every read of the section that just
 *     ended is ordered before the store the updater will observe (with its
 *     acquire load), so those reads happen-before the free. Acquire on gp:
 *     reads after the store see at least the unpublish that preceded g.
 *     When ctr already equals g the thread already announced g: nothing to do
 *     (the fast path is two loads and a compare).
 *  3. Offline (poll_enter, thread_deinit): store(ctr, 0, release), same reason
 *     as 2. A thread that stays offline is never waited for, never woken.
 *  4. Online (poll_leave, thread_init): store(ctr, gp), then a seq_cst fence
 *     before any read of the shared state. Without the store-load fence the
 *     thread's first loads could be satisfied before its ctr is visible; an
 *     updater would still see 0, skip it, and free what it just loaded.
 *     Updater side pairs: unpublish (seq_cst) and gp advance precede its
 *     seq_cst/acquire loads of ctr. Either the updater sees the new ctr (and
 *     waits) or the thread's loads see the new version.
 *
 * Waiting (synchronize): spin QSBR_SPINS rounds in total, then sleep on a
 * futex word. Sleeping writer / waking reader is a Dekker pair:
 *   writer: store(futex, 1) seq_cst; re-load the lagging ctr (seq_cst);
 *           still lagging -> FUTEX_WAIT(futex, 1)
 *   reader: (2 or 3) store ctr; seq_cst fence; if load(futex) -> exchange it
 *           to 0 and FUTEX_WAKE
 * so either the writer's re-load sees the reader's store or the reader sees
 * the flag. Readers pay the fence only on the slow path of step 2 (ctr
 * changes, once per grace period) and in step 3 (once per poll, next to a
 * syscall). Any lagging thread that reaches a quiescent state or goes offline
 * wakes the writer, which re-scans and sleeps again if another still lags: at
 * most one wakeup per lagging thread per grace period. Sleeping (offline)
 * threads are never woken.
 *
 * Batching: callers serialize on gp_lock; `completed` is the largest G whose
 * grace period is over. A caller first goes offline (it may be an online loop
 * thread; a leader waiting for it would deadlock), reads S = gp, then takes
 * the lock. If completed >= S + 1, a grace period that STARTED after its read
 * of S (hence after its unpublish) is over: it returns without starting one.
 * A grace period that was already running when it arrived (G = S) does not
 * cover it. Otherwise it advances gp itself and waits. N callers that arrive
 * during one grace period are served by one more.
 *
 * Deferred mode (defer_free): each thread fills its own open batch of up to
 * QSBR_BATCH objects; the batch is sealed when full, at the owner's next
 * loop_iter or poll_enter, in synchronize and at exit, by advancing gp to a
 * target G (no wait) and appending it to the domain's batch list. Any thread
 * that defers reclaims, at loop_iter and when a batch fills, every listed
 * batch whose G is over (every slot 0 or >= G: a non-blocking check of the
 * same invariant), whoever sealed it: batches of exited threads need no
 * orphan list. barrier() waits for every other thread's made objects to be
 * sealed, runs one grace period and frees the batches whose target that
 * grace period covers, no others (see qsbr_barrier). Pending objects and
 * their peak are counted and reported by summary().
 *
 * Deliberate breaks for the tests (never in a real build), -D flags, each with
 * a *_broken_*_test target in BUILD that must fail:
 *   QSBR_BREAK_NOWAIT   grace periods end at once (sync and defer modes);
 *   QSBR_BREAK_OFFLINE  poll_enter/poll_leave do nothing: asleep but online;
 *   QSBR_BREAK_BATCH    a caller shares the grace period running at its
 *                       arrival (which started before its call);
 *   QSBR_BREAK_NOBATCH  every caller runs its own grace period;
 *   QSBR_BREAK_ONLINE_FENCE  step 4 without its fence;
 *   QSBR_BREAK_BARRIER_ALL   barrier() frees every listed batch, also those
 *                       sealed after its grace period started.
 */
#include "strategies/sync.h"

#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifdef QSBR_BREAK_NOWAIT
#define QSBR_WAITS 0 /* broken on purpose: grace periods end at once */
#else
#define QSBR_WAITS 1
#endif

#define QSBR_SPINS 100
#define QSBR_BATCH 64

struct qsbr_slot {
	/* Written by the owning thread, read by synchronizers and reclaimers. */
	_Atomic uint64_t ctr;
	/*
	 * The thread's deferred objects: made (defer_free) and sealed (handed
	 * to the domain's batch list). Written by the owner (release on
	 * sealed), read by barrier(). On their own line: every scan reads ctr.
	 */
	_Atomic uint64_t made SYNC_ALIGNED;
	_Atomic uint64_t sealed;
} SYNC_ALIGNED;

struct qsbr_batch {
	struct qsbr_batch *next;
	uint64_t target; /* gp value this batch waits for, set when sealed */
	unsigned n;
	struct {
		void *p;
		void (*fn)(void *);
	} e[QSBR_BATCH];
};

struct qsbr_domain {
	struct sync_domain base;
	struct qsbr_slot *slots; /* nthreads, domain-owned so scans never see freed memory */
	/* Advanced by synchronize leaders and batch seals, read by everyone. */
	_Atomic uint64_t gp SYNC_ALIGNED;
	/* 1 while a leader sleeps (or is about to): set by it, cleared by the waker. */
	_Atomic uint32_t futex SYNC_ALIGNED;
	/* Serializes grace periods started by synchronize. */
	pthread_mutex_t gp_lock SYNC_ALIGNED;
	/* Written by leaders under gp_lock, read under gp_lock and by dump(). */
	_Atomic uint64_t completed;
	/* Statistics; relaxed, they order nothing. */
	_Atomic uint64_t grace_periods, defer_seals, futex_waits, futex_wakes SYNC_ALIGNED;
	struct sync_reclaim_stats stats;
	/*
	 * Every thread's sealed batches, in sealing order (targets roughly
	 * increasing). Under reclaim_lock, held also while a reclaimer runs
	 * the callbacks of what it unlinked: a barrier that took the lock
	 * after its grace period knows every batch unlinked before has run.
	 * nbatches (relaxed) tells loop_iter whether to try.
	 */
	pthread_mutex_t reclaim_lock SYNC_ALIGNED;
	struct qsbr_batch *batches, **batches_tail;
	_Atomic uint64_t nbatches;
};

struct qsbr_thread {
	struct sync_thread base;
	/* Owner only. */
	struct qsbr_batch *open;
	uint64_t made;  /* objects deferred, mirrored in the slot */
	bool deferrer;  /* made a defer_free: helps reclaim at loop_iter */
};

SYNC_DEFINE_DOMAIN_CAST(q_dom, struct qsbr_domain)

static struct qsbr_slot *q_slot(struct sync_thread *t)
{
	return &q_dom(t->dom)->slots[t->tid];
}

static void atomic_max_relaxed(_Atomic uint64_t *a, uint64_t v)
{
	uint64_t cur = atomic_load_explicit(a, memory_order_relaxed);

	while (cur < v && !atomic_compare_exchange_weak_explicit(a, &cur, v, memory_order_relaxed,
								 memory_order_relaxed))
		;
}

/* Wakes a sleeping leader, if any. Called after the caller's seq_cst fence. */
static void qsbr_wake(struct qsbr_domain *d)
{
	if (atomic_load_explicit(&d->futex, memory_order_relaxed) &&
	    atomic_exchange(&d->futex, 0)) {
		SYNC_COUNT_SELF(SYNC_COUNT_CONTENDED_WRITE, 1);
		SYNC_COUNT_SELF(SYNC_COUNT_FUTEX_WAKE, 1);
		syscall(SYS_futex, (uint32_t *)&d->futex, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
		atomic_fetch_add_explicit(&d->futex_wakes, 1, memory_order_relaxed);
	}
}

/* Step 2: a quiescent state of an online thread. */
static void qsbr_quiescent(struct qsbr_domain *d, struct qsbr_slot *s)
{
	uint64_t g = atomic_load_explicit(&d->gp, memory_order_acquire);

	/* Relaxed: the slot is written only by this thread. */
	if (atomic_load_explicit(&s->ctr, memory_order_relaxed) == g)
		return;
	SYNC_COUNT_SELF(SYNC_COUNT_OWN_WRITE, 1);
	atomic_store_explicit(&s->ctr, g, memory_order_release);
	sync_full_fence(); /* ctr store before the futex load */
	qsbr_wake(d);
}

/* Step 3. */
static void qsbr_offline(struct qsbr_domain *d, struct qsbr_slot *s)
{
	SYNC_COUNT_SELF(SYNC_COUNT_OWN_WRITE, 1);
	atomic_store_explicit(&s->ctr, 0, memory_order_release);
	sync_full_fence(); /* ctr store before the futex load */
	qsbr_wake(d);
}

/* Step 4. */
static void qsbr_online(struct qsbr_domain *d, struct qsbr_slot *s)
{
	SYNC_COUNT_SELF(SYNC_COUNT_OWN_WRITE, 1);
	atomic_store_explicit(&s->ctr, atomic_load_explicit(&d->gp, memory_order_acquire),
			      memory_order_relaxed);
#ifndef QSBR_BREAK_ONLINE_FENCE
	sync_full_fence(); /* ctr visible before any shared read */
#endif
}

static bool qsbr_slot_done(struct qsbr_slot *s, uint64_t target)
{
	/* Acquire: pairs with the release stores of steps 2 and 3. */
	uint64_t c = atomic_load_explicit(&s->ctr, memory_order_acquire);

	return c == 0 || c >= target;
}

/* Waits until every slot is offline or has observed target. Caller is offline. */
static void qsbr_wait_for(struct qsbr_domain *d, uint64_t target)
{
	unsigned spins = 0;

	for (unsigned i = 0; i < d->base.nthreads; i++) {
		struct qsbr_slot *s = &d->slots[i];

		SYNC_COUNT_SELF(SYNC_COUNT_SCANNED, 1);
		while (!qsbr_slot_done(s, target)) {
			uint64_t c;

			if (spins < QSBR_SPINS) {
				spins++;
				sync_relax();
				continue;
			}
			SYNC_COUNT_SELF(SYNC_COUNT_CONTENDED_WRITE, 1);
			atomic_store(&d->futex, 1);
			/* seq_cst re-load: the other half of the Dekker pair. */
			c = atomic_load(&s->ctr);
			if (c == 0 || c >= target) {
				SYNC_COUNT_SELF(SYNC_COUNT_CONTENDED_WRITE, 1);
				atomic_store_explicit(&d->futex, 0, memory_order_relaxed);
				break;
			}
			SYNC_COUNT_SELF(SYNC_COUNT_FUTEX_WAIT, 1);
			syscall(SYS_futex, (uint32_t *)&d->futex, FUTEX_WAIT_PRIVATE, 1, NULL, NULL, 0);
			atomic_fetch_add_explicit(&d->futex_waits, 1, memory_order_relaxed);
		}
	}
}

/* One full grace period that starts after the call; the caller is offline. */
static void qsbr_grace(struct qsbr_domain *d)
{
	uint64_t s;

	/*
	 * The updater's half of the Dekker pair with step 4: the caller's
	 * unpublish (a store, possibly only release) before the loads of gp
	 * and of every ctr. A caller that was online got this fence from
	 * qsbr_offline; one already offline (an outside updater, barrier)
	 * gets it here. Without it C11 lets the scan read a stale 0 for a
	 * thread that just went online and loaded the old version.
	 */
	sync_full_fence();
	s = atomic_load(&d->gp); /* seq_cst: after the caller's unpublish */
#ifdef QSBR_BREAK_BATCH
	/* Broken on purpose: piggybacks on the grace period running at arrival. */
	bool running = atomic_load(&d->completed) < s;
#endif

	SYNC_COUNT_SELF(SYNC_COUNT_CONTENDED_WRITE, 1);
	pthread_mutex_lock(&d->gp_lock);
#ifdef QSBR_BREAK_BATCH
	if (!running || atomic_load_explicit(&d->completed, memory_order_relaxed) < s) {
#elif defined(QSBR_BREAK_NOBATCH)
	/* Broken on purpose: every caller runs its own grace period. */
	(void)s;
	if (1) {
#else
	/* Relaxed: completed is written under gp_lock, which we hold. */
	if (atomic_load_explicit(&d->completed, memory_order_relaxed) < s + 1) {
#endif
		SYNC_COUNT_SELF(SYNC_COUNT_CONTENDED_WRITE, 1);
		uint64_t g = atomic_fetch_add(&d->gp, 1) + 1;

		atomic_fetch_add_explicit(&d->grace_periods, 1, memory_order_relaxed);
		if (QSBR_WAITS)
			qsbr_wait_for(d, g);
		SYNC_COUNT_SELF(SYNC_COUNT_CONTENDED_WRITE, 1);
		atomic_max_relaxed(&d->completed, g);
	}
	SYNC_COUNT_SELF(SYNC_COUNT_CONTENDED_WRITE, 1);
	pthread_mutex_unlock(&d->gp_lock);
}

static void qsbr_seal(struct qsbr_thread *qt);

static void qsbr_synchronize(struct sync_thread *t)
{
	struct qsbr_domain *d = q_dom(t->dom);
	struct qsbr_slot *s = q_slot(t);
	bool was_online = atomic_load_explicit(&s->ctr, memory_order_relaxed) != 0;
	struct qsbr_thread *qt = (struct qsbr_thread *)t;

	sync_stats_synchronize(&d->stats);
	/* Waiting with an open batch would hold up barrier() callers for as long. */
	if (qt->open)
		qsbr_seal(qt);
	if (was_online)
		qsbr_offline(d, s);
	sync_wait_begin(t, SYNC_WAIT_GRACE);
	qsbr_grace(d);
	sync_wait_end(t);
	if (was_online)
		qsbr_online(d, s);
}

/* ---- deferred reclamation ---- */

static void qsbr_run_batch(struct qsbr_domain *d, struct qsbr_batch *b)
{
	for (unsigned i = 0; i < b->n; i++)
		b->e[i].fn(b->e[i].p);
	sync_stats_freed(&d->stats, b->n);
	free(b);
}

/*
 * Seals the caller's open batch: its target is a new grace period (gp
 * advanced, no wait); the batch joins the domain's list, and the slot says
 * every object made so far is sealed (release: barrier() reads it with
 * acquire, after which the target is <= the gp it reads).
 */
static void qsbr_seal(struct qsbr_thread *qt)
{
	struct qsbr_domain *d = q_dom(qt->base.dom);
	struct qsbr_batch *b = qt->open;

	/* seq_cst RMW: ordered after the unpublishes of everything in the batch. */
	SYNC_COUNT(&qt->base, SYNC_COUNT_CONTENDED_WRITE, 1);
	b->target = atomic_fetch_add(&d->gp, 1) + 1;
	atomic_fetch_add_explicit(&d->defer_seals, 1, memory_order_relaxed);
	b->next = NULL;
	pthread_mutex_lock(&d->reclaim_lock);
	*d->batches_tail = b;
	d->batches_tail = &b->next;
	atomic_fetch_add_explicit(&d->nbatches, 1, memory_order_relaxed);
	pthread_mutex_unlock(&d->reclaim_lock);
	qt->open = NULL;
	atomic_store_explicit(&q_slot(&qt->base)->sealed, qt->made, memory_order_release);
}

/*
 * The largest grace period known over: every slot is 0 or has observed it.
 * With reclaim_lock held (so the gp advances of the listed batches' seals
 * happen before it).
 */
static uint64_t qsbr_passed_upto(struct qsbr_domain *d)
{
	uint64_t m;

	if (!QSBR_WAITS)
		return UINT64_MAX; /* broken on purpose */
	/* The updater-side fence of the Dekker pair, as in qsbr_grace. */
	sync_full_fence();
	m = atomic_load(&d->gp);
	for (unsigned i = 0; i < d->base.nthreads; i++) {
		/* Acquire: pairs with the release stores of steps 2 and 3. */
		uint64_t c = atomic_load_explicit(&d->slots[i].ctr, memory_order_acquire);

		if (c && c < m)
			m = c;
	}
	return m;
}

/*
 * Runs every listed batch whose target is <= upto (a grace period known
 * over), or, with upto 0, <= what a scan shows over now. Callbacks run under
 * the lock (see qsbr_domain). try: give up if another thread reclaims.
 */
static void qsbr_reclaim(struct qsbr_domain *d, uint64_t upto, bool try)
{
	struct qsbr_batch **pp, *b;

	if (try) {
		if (pthread_mutex_trylock(&d->reclaim_lock))
			return;
	} else {
		pthread_mutex_lock(&d->reclaim_lock);
	}
	if (!upto && d->batches)
		upto = qsbr_passed_upto(d);
	for (pp = &d->batches; (b = *pp);) {
		if (b->target > upto) {
			pp = &b->next;
			continue;
		}
		*pp = b->next;
		if (d->batches_tail == &b->next)
			d->batches_tail = pp;
		atomic_fetch_sub_explicit(&d->nbatches, 1, memory_order_relaxed);
		qsbr_run_batch(d, b);
	}
	pthread_mutex_unlock(&d->reclaim_lock);
}

static void qsbr_defer_free(struct sync_thread *t, void *p, void (*fn)(void *))
{
	struct qsbr_thread *qt = (struct qsbr_thread *)t;
	struct qsbr_domain *d = q_dom(t->dom);

	if (!qt->open) {
		qt->open = malloc(sizeof(*qt->open));
		if (!qt->open) {
			/* No memory for a batch: reclaim synchronously instead. */
			qsbr_synchronize(t);
			fn(p);
			return;
		}
		qt->open->n = 0;
	}
	qt->open->e[qt->open->n].p = p;
	qt->open->e[qt->open->n].fn = fn;
	qt->open->n++;
	qt->deferrer = true;
	/* Relaxed: barrier() reads it after a happens-before with this call. */
	atomic_store_explicit(&q_slot(t)->made, ++qt->made, memory_order_relaxed);
	sync_stats_deferred(&d->stats);
	if (qt->open->n == QSBR_BATCH) {
		qsbr_seal(qt);
		qsbr_reclaim(d, 0, true);
	}
}

static void qsbr_loop_iter(struct sync_thread *t)
{
	struct qsbr_thread *qt = (struct qsbr_thread *)t;
	struct qsbr_domain *d = q_dom(t->dom);

	qsbr_quiescent(d, q_slot(t));
	if (qt->open)
		qsbr_seal(qt);
	/* Only threads that defer help: the others' loops stay as cheap as before. */
	if (qt->deferrer && atomic_load_explicit(&d->nbatches, memory_order_relaxed))
		qsbr_reclaim(d, 0, true);
}

/*
 * Waits until every defer_free made so far, by any thread, has run:
 *  1. seal the caller's open batch; go offline;
 *  2. for every other thread, wait until what it had made when we looked is
 *     sealed (a thread holds an open batch only while running between a
 *     defer_free and its next loop_iter, poll_enter, synchronize or exit,
 *     so this wait is short);
 *  3. one grace period that starts after all those seals (their targets
 *     are <= the gp it starts from, so completed is past every one);
 *  4. run every batch whose target is <= completed, and no other: a batch
 *     sealed after step 3 began (by a thread exiting meanwhile, say) may
 *     hold an object a section that began after our grace period started
 *     still uses.
 */
static void qsbr_barrier(struct sync_thread *t)
{
	struct qsbr_thread *qt = (struct qsbr_thread *)t;
	struct qsbr_domain *d = q_dom(t->dom);
	struct qsbr_slot *s = q_slot(t);
	bool was_online = atomic_load_explicit(&s->ctr, memory_order_relaxed) != 0;

	if (qt->open)
		qsbr_seal(qt);
	if (was_online)
		qsbr_offline(d, s);
	sync_wait_begin(t, SYNC_WAIT_DEFER);
	for (unsigned i = 0; i < d->base.nthreads; i++) {
		struct qsbr_slot *o = &d->slots[i];
		uint64_t made = atomic_load_explicit(&o->made, memory_order_relaxed);

		while (atomic_load_explicit(&o->sealed, memory_order_acquire) < made)
			sched_yield();
	}
	qsbr_grace(d);
	sync_wait_end(t);
#ifdef QSBR_BREAK_BARRIER_ALL
	qsbr_reclaim(d, UINT64_MAX, false); /* broken on purpose: frees what it did not wait for */
#else
	qsbr_reclaim(d, atomic_load(&d->completed), false);
#endif
	if (was_online)
		qsbr_online(d, s);
}

/* ---- lifecycle ---- */

static void qsbr_domain_destroy(struct sync_domain *dd)
{
	struct qsbr_domain *d = q_dom(dd);
	struct qsbr_batch *b;

	/* No thread is left: nothing can hold a reference any more. */
	while ((b = d->batches)) {
		d->batches = b->next;
		qsbr_run_batch(d, b);
	}
	pthread_mutex_destroy(&d->gp_lock);
	pthread_mutex_destroy(&d->reclaim_lock);
	sync_domain_delete(dd);
}

SYNC_DEFINE_THREAD_ALLOC(qsbr_thread_alloc, struct qsbr_thread)

static int qsbr_thread_init(struct sync_thread *t, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	qsbr_online(q_dom(t->dom), q_slot(t));
	return 0;
}

static void qsbr_thread_deinit(struct sync_thread *t)
{
	struct qsbr_thread *qt = (struct qsbr_thread *)t;
	struct qsbr_domain *d = q_dom(t->dom);

	/* Its sealed batches stay on the domain's list, freed by others or domain_destroy. */
	if (qt->open)
		qsbr_seal(qt);
	qsbr_offline(d, q_slot(t));
}

static void qsbr_poll_enter(struct sync_thread *t)
{
	struct qsbr_thread *qt = (struct qsbr_thread *)t;

	/* A sleeping thread holds no open batch: barrier() never waits for a sleeper. */
	if (qt->open)
		qsbr_seal(qt);
#ifndef QSBR_BREAK_OFFLINE
	qsbr_offline(q_dom(t->dom), q_slot(t));
#else
	(void)t; /* broken on purpose: stays online while asleep */
#endif
}

static void qsbr_poll_leave(struct sync_thread *t)
{
#ifndef QSBR_BREAK_OFFLINE
	qsbr_online(q_dom(t->dom), q_slot(t));
#else
	(void)t;
#endif
}

static void qsbr_dump(struct sync_domain *dd, FILE *out)
{
	struct qsbr_domain *d = q_dom(dd);
	uint64_t gp = atomic_load_explicit(&d->gp, memory_order_relaxed);

	fprintf(out, "qsbr: gp %llu, completed %llu, futex %u, %llu grace periods, %llu pending\n",
		(unsigned long long)gp,
		(unsigned long long)atomic_load_explicit(&d->completed, memory_order_relaxed),
		(unsigned)atomic_load_explicit(&d->futex, memory_order_relaxed),
		(unsigned long long)atomic_load_explicit(&d->grace_periods, memory_order_relaxed),
		(unsigned long long)atomic_load_explicit(&d->stats.pending, memory_order_relaxed));
	for (unsigned i = 0; i < dd->nthreads; i++) {
		uint64_t c = atomic_load_explicit(&d->slots[i].ctr, memory_order_relaxed);
		struct sync_thread *t = atomic_load_explicit(&dd->threads[i], memory_order_acquire);

		if (c == 0)
			fprintf(out, "  thread %u: offline", i);
		else
			fprintf(out, "  thread %u: online, ctr %llu (%s)", i, (unsigned long long)c,
				c >= gp ? "current" : "lagging");
		if (t)
			fprintf(out, ", waiting for %s\n",
				sync_wait_kind_name(atomic_load_explicit(&t->wait_kind, memory_order_relaxed)));
		else
			fprintf(out, ", not attached\n");
	}
}

static void qsbr_summary(struct sync_domain *dd, FILE *out)
{
	struct qsbr_domain *d = q_dom(dd);

	fprintf(out, "grace_periods %llu futex_waits %llu futex_wakes %llu ",
		(unsigned long long)atomic_load_explicit(&d->grace_periods, memory_order_relaxed),
		(unsigned long long)atomic_load_explicit(&d->futex_waits, memory_order_relaxed),
		(unsigned long long)atomic_load_explicit(&d->futex_wakes, memory_order_relaxed));
	sync_stats_summary(&d->stats, dd->reclaim, out);
	if (dd->reclaim == SYNC_RECLAIM_DEFER)
		fprintf(out, " defer_batches %llu",
			(unsigned long long)atomic_load_explicit(&d->defer_seals, memory_order_relaxed));
}

static void qsbr_domain_init(struct qsbr_domain *d)
{
	for (unsigned i = 0; i < d->base.nthreads; i++) {
		atomic_init(&d->slots[i].ctr, 0);
		atomic_init(&d->slots[i].made, 0);
		atomic_init(&d->slots[i].sealed, 0);
	}
	atomic_init(&d->gp, 1);
	atomic_init(&d->futex, 0);
	atomic_init(&d->completed, 1);
	pthread_mutex_init(&d->gp_lock, NULL);
	pthread_mutex_init(&d->reclaim_lock, NULL);
	d->batches = NULL;
	d->batches_tail = &d->batches;
	atomic_init(&d->nbatches, 0);
}

SYNC_DEFINE_DOMAIN_CREATE_ARRAYS(qsbr_domain_create, qsbr, struct qsbr_domain, qsbr_domain_init,
				 SYNC_PER_THREAD(struct qsbr_domain, slots))

SYNC_DEFINE_OPS(qsbr, "grace", SYNC_CAP_SYNCHRONIZE | SYNC_CAP_DEFER, qsbr,
	(domain_create, domain_destroy, thread_alloc, thread_init, thread_deinit, poll_enter,
	 poll_leave, loop_iter, synchronize, defer_free, barrier, dump, summary),
	.origin = "QSBR (McKenney & Slingwine 1998; Desnoyers et al. TPDS 2012), 64-bit counter, our own",
	.max_threads = 0,
	.counted = SYNC_COUNTED_ALL);
