/*
 * ebr.c - epoch-based reclamation with three epochs, our own. Origin: Fraser,
 * "Practical lock-freedom" (Cambridge PhD thesis, 2004), section 5.2.3; the
 * same scheme as Concurrency Kit's ck_epoch and crossbeam-epoch, written from
 * the paper's semantics.
 *
 * Unlike QSBR, a thread is quiescent whenever it is outside a read section:
 * read_begin/read_end bracket every read, and the poller hooks are no-ops (a
 * thread asleep in epoll_wait is outside any section, so it is never waited
 * for and never woken).
 *
 * State: a global epoch E (64-bit, only grows); per thread, in a domain-owned
 * cache-line padded slot, {active, epoch}: active is 1 inside a read section,
 * epoch the value of E the thread observed when it entered it. Per thread,
 * three limbo lists, one per epoch residue (E mod 3), each tagged with the
 * epoch whose objects it holds.
 *
 * Invariant: E may advance from e to e + 1 only when every active thread has
 * epoch == e. Hence while E == e, active threads observed e - 1 or e, and a
 * section that observed e - 2 or earlier has ended. An object unpublished
 * while E == e (tag e) can only be held by sections that began before the
 * unpublish, which observed <= e; when E reaches e + 2 they have all ended:
 * the limbo list tagged e is freed once E >= e + 2.
 *
 *  1. read_begin: store(active, 1); FULL FENCE; e = load(E);
 *     store(epoch, e, release). The fence is the store-load barrier of the
 *     scheme: without it the loads of E and of the shared state could be
 *     satisfied before active = 1 is visible; an advancer would then see the
 *     thread inactive, advance twice, and free what the thread has just
 *     loaded. (x86 reorders exactly this: a store followed by a load.)
 *     Release on epoch: the thread's earlier sections happen-before an
 *     advancer that reads the new epoch with acquire (see 3).
 *  2. read_end: store(active, 0, release): every read of the section is
 *     ordered before the store an advancer observes with acquire.
 *  3. advance (try_advance): FULL FENCE; e = load(E); for each slot: active
 *     (acquire) and epoch (acquire) != e -> give up; else CAS(E, e, e + 1),
 *     seq_cst. The fence is the advancer's half of step 1's pair. A stale
 *     epoch of a thread between its store of active and of epoch only makes
 *     the advancer give up (safe direction).
 *  4. defer_free: FULL FENCE (after the caller's unpublish); e = load(E); the
 *     list at e mod 3 holds either tag e (append) or an older tag <= e - 3,
 *     already reclaimable (E >= tag + 2): free it, retag e, append. Then
 *     collect: try one advance and free every own list whose tag + 2 <= E.
 *     loop_iter does the same collect while the thread has objects pending,
 *     so reclamation needs no other thread's help and never blocks. The
 *     lists live in a domain-owned bin per thread, under a mutex the owner
 *     takes (uncontended but for a barrier) so that barrier() can empty it.
 *  5. synchronize: FULL FENCE; s = load(E); advance until E >= s + 2, waiting
 *     (spin, then sched_yield) while an active reader lags: sections that
 *     began before the call observed <= s, and by the invariant have all
 *     ended. Concurrent callers share advances (the CAS of one serves all).
 *  6. barrier: s = load(E) (after a fence); advance until E >= s + 2; then
 *     free, in every thread's bin, each list whose tag + 2 <= E: every
 *     defer_free made before the call, by any thread, is tagged <= s.
 *     thread_deinit drains the thread's own bin, so no object outlives its
 *     thread.
 *
 * Why two epochs (Concurrency Kit 0.7.1 frees at tag + 2; later versions
 * wait for tag + 3): with the three fences (reader: store active, fence,
 * load E; updater: unpublish, fence, load E as the tag; advancer: fence,
 * scan), a reader R that loaded the old version of an object tagged e has
 * its fence before the updater's (else its load would see the unpublish),
 * so it observed E <= e (it read E after a fence that precedes, in real
 * time on every multi-copy-atomic machine, the updater's read of e), and
 * any scan whose fence follows the updater's sees R active. The advance
 * e + 1 -> e + 2 scans after the tag was read, sees R active with an epoch
 * <= e, and waits for its read_end: once E >= e + 2 every section that
 * loaded the object has ended. The argument rests on the fences' order
 * being real time (x86-TSO, ARMv8, POWER's cumulative sync all give that);
 * the C11 axioms alone do not promise it, and an extra epoch would not help
 * there either (a reader that can read E "from the future" past one advance
 * can past two). What the third epoch buys is slack for orderings weaker
 * than these three fences; each is here, and each has its mutant or its
 * reason in a comment. So: tag + 2, the least
 * memory held back; EBR_BREAK_ONE_EPOCH (tag + 1) shows the bound is tight,
 * and EBR_BREAK_READ_FENCE that the reader's fence is what it rests on.
 *
 * Deliberate breaks for the tests (never in a real build), -D flags, each with
 * a *_broken_*_test target (mutants.bzl) that must fail:
 *   EBR_BREAK_ACTIVE        advance without looking at active readers;
 *   EBR_BREAK_ONE_EPOCH     free a limbo list one epoch early (E >= tag + 1);
 *   EBR_BREAK_READ_FENCE    step 1 without its fence (the litmus phase);
 *   EBR_BREAK_BARRIER_LOCAL barrier() empties the caller's bin only.
 */
#include "strategies/sync.h"

#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define EBR_EPOCHS 3
#ifdef EBR_BREAK_ONE_EPOCH
#define EBR_GRACE 1 /* broken on purpose: frees one epoch too early */
#else
#define EBR_GRACE 2 /* epochs between retirement and free */
#endif
#define EBR_CHUNK 62
#define EBR_SPINS 100

struct ebr_slot {
	/* Written by the owning thread, read by advancers and dump(). */
	_Atomic uint64_t active;
	_Atomic uint64_t epoch;
} SYNC_ALIGNED;

struct ebr_chunk {
	struct ebr_chunk *next;
	unsigned n;
	struct {
		void *p;
		void (*fn)(void *);
	} e[EBR_CHUNK];
};

/* One limbo list, in its thread's bin. */
struct ebr_limbo {
	struct ebr_chunk *head;
	uint64_t tag; /* epoch of everything in it */
	uint64_t n;
};

/*
 * A thread's deferred objects, domain-owned (they may outlive the thread's
 * struct until its deinit drained them). Under lock: the owner in
 * defer_free and collect, a barrier() caller of any thread.
 */
struct ebr_bin {
	pthread_mutex_t lock;
	struct ebr_limbo limbo[EBR_EPOCHS];
	uint64_t npending;
} SYNC_ALIGNED;

struct ebr_domain {
	struct sync_domain base;
	struct ebr_slot *slots; /* nthreads, domain-owned so scans never see freed memory */
	struct ebr_bin *bins;   /* nthreads, domain-owned */
	/* The global epoch: advanced by any thread (CAS), read by all. */
	_Atomic uint64_t epoch SYNC_ALIGNED;
	/* Statistics; relaxed, they order nothing. */
	_Atomic uint64_t advances SYNC_ALIGNED;
	struct sync_reclaim_stats stats;
};

struct ebr_thread {
	struct sync_thread base;
	struct ebr_bin *bin;
	/* Owner only: a cheap "anything pending" for loop_iter (under bin->lock it is exact). */
	uint64_t npending_hint;
};

SYNC_DEFINE_DOMAIN_CAST(e_dom, struct ebr_domain)

static struct ebr_slot *e_slot(struct sync_thread *t)
{
	return &e_dom(t->dom)->slots[t->tid];
}

/* Step 1. */
static void ebr_read_begin(struct sync_thread *t)
{
	struct ebr_slot *s = e_slot(t);

	/* Relaxed: the fence below orders it before every later load. */
	SYNC_COUNT(t, SYNC_COUNT_OWN_WRITE, 1);
	atomic_store_explicit(&s->active, 1, memory_order_relaxed);
#ifndef EBR_BREAK_READ_FENCE
	sync_full_fence();
#endif
	SYNC_COUNT(t, SYNC_COUNT_OWN_WRITE, 1);
	atomic_store_explicit(&s->epoch, atomic_load_explicit(&e_dom(t->dom)->epoch, memory_order_acquire),
			      memory_order_release);
}

/* Step 2. */
static void ebr_read_end(struct sync_thread *t)
{
	SYNC_COUNT(t, SYNC_COUNT_OWN_WRITE, 1);
	atomic_store_explicit(&e_slot(t)->active, 0, memory_order_release);
}

/* Step 3: one non-blocking attempt. True when E moved past the value read. */
static bool ebr_try_advance(struct ebr_domain *d)
{
	uint64_t e;

	/*
	 * The advancer's half of the Dekker pair with step 1 (a seq_cst fence
	 * on each side): the caller's unpublish, or the CAS that made the
	 * current epoch, before every load of active and epoch below. Acquire
	 * loads alone let C11 read a stale inactive slot for a reader whose
	 * fenced store of active came before.
	 */
	sync_full_fence();
	e = atomic_load(&d->epoch);

#ifndef EBR_BREAK_ACTIVE
	for (unsigned i = 0; i < d->base.nthreads; i++) {
		struct ebr_slot *s = &d->slots[i];

		SYNC_COUNT_SELF(SYNC_COUNT_SCANNED, 1);
		if (atomic_load_explicit(&s->active, memory_order_acquire) &&
		    atomic_load_explicit(&s->epoch, memory_order_acquire) != e)
			return false;
	}
#endif /* else broken on purpose: advances past active readers */
	SYNC_COUNT_SELF(SYNC_COUNT_CONTENDED_WRITE, 1);
	if (atomic_compare_exchange_strong(&d->epoch, &e, e + 1))
		atomic_fetch_add_explicit(&d->advances, 1, memory_order_relaxed);
	return true; /* we advanced, or another thread did */
}

/* Advances E to at least target, waiting for lagging readers. */
static void ebr_advance_to(struct sync_thread *t, uint64_t target, enum sync_wait_kind why)
{
	struct ebr_domain *d = e_dom(t->dom);
	unsigned spins = 0;
	bool waiting = false;

	while (atomic_load(&d->epoch) < target) {
		if (ebr_try_advance(d))
			continue;
		if (!waiting) {
			sync_wait_begin(t, why);
			waiting = true;
		}
		/* A reader lags: spin briefly, then let it run (2 cores, oversubscribed). */
		if (spins++ < EBR_SPINS)
			sync_relax();
		else
			sched_yield();
	}
	if (waiting)
		sync_wait_end(t);
}

/* With b->lock held. */
static void ebr_free_list(struct ebr_domain *d, struct ebr_bin *b, struct ebr_limbo *l)
{
	struct ebr_chunk *c;

	while ((c = l->head)) {
		l->head = c->next;
		for (unsigned i = 0; i < c->n; i++)
			c->e[i].fn(c->e[i].p);
		free(c);
	}
	sync_stats_freed(&d->stats, l->n);
	b->npending -= l->n;
	l->n = 0;
}

/* Frees every list of b whose epoch is EBR_GRACE behind E. With b->lock held. */
static void ebr_collect_bin(struct ebr_domain *d, struct ebr_bin *b)
{
	uint64_t e = atomic_load(&d->epoch);

	for (unsigned i = 0; i < EBR_EPOCHS; i++)
		if (b->limbo[i].n && b->limbo[i].tag + EBR_GRACE <= e)
			ebr_free_list(d, b, &b->limbo[i]);
}

static void ebr_collect(struct ebr_thread *et, bool advance)
{
	struct ebr_domain *d = e_dom(et->base.dom);

	if (advance)
		ebr_try_advance(d);
	pthread_mutex_lock(&et->bin->lock);
	ebr_collect_bin(d, et->bin);
	et->npending_hint = et->bin->npending;
	pthread_mutex_unlock(&et->bin->lock);
}

/* Step 4. */
static void ebr_defer_free(struct sync_thread *t, void *p, void (*fn)(void *))
{
	struct ebr_thread *et = (struct ebr_thread *)t;
	struct ebr_domain *d = e_dom(t->dom);
	struct ebr_bin *b = et->bin;
	struct ebr_limbo *l;
	struct ebr_chunk *c;
	uint64_t e;

	pthread_mutex_lock(&b->lock);
	/* After the caller's unpublish, before the epoch that tags it (see ebr_try_advance). */
	sync_full_fence();
	e = atomic_load(&d->epoch);
	l = &b->limbo[e % EBR_EPOCHS];
	if (l->n && l->tag != e)
		ebr_free_list(d, b, l); /* tag <= e - 3: reclaimable since E >= tag + 2 */
	l->tag = e;
	c = l->head;
	if (!c || c->n == EBR_CHUNK) {
		c = malloc(sizeof(*c));
		if (!c) {
			/* No memory for the list: reclaim synchronously instead. */
			pthread_mutex_unlock(&b->lock);
			ebr_advance_to(t, e + EBR_GRACE, SYNC_WAIT_EPOCH);
			fn(p);
			return;
		}
		c->n = 0;
		c->next = l->head;
		l->head = c;
	}
	c->e[c->n].p = p;
	c->e[c->n].fn = fn;
	c->n++;
	l->n++;
	b->npending++;
	sync_stats_deferred(&d->stats);
	pthread_mutex_unlock(&b->lock);
	ebr_collect(et, true);
}

static void ebr_loop_iter(struct sync_thread *t)
{
	struct ebr_thread *et = (struct ebr_thread *)t;

	if (et->npending_hint)
		ebr_collect(et, true);
}

/* Step 5. */
static void ebr_synchronize(struct sync_thread *t)
{
	struct ebr_domain *d = e_dom(t->dom);
	uint64_t s;

	sync_stats_synchronize(&d->stats);
	/* The caller's unpublish before the epoch it waits from (see ebr_try_advance). */
	sync_full_fence();
	s = atomic_load(&d->epoch);
	ebr_advance_to(t, s + EBR_GRACE, SYNC_WAIT_EPOCH);
}

/*
 * Step 6: every defer_free made so far, by any thread, has run on return.
 * Each was tagged with an epoch <= the one read here (the tag is read after
 * the call, the call happens before ours); once E is EBR_GRACE past it,
 * every such list is reclaimable, and the bins are emptied of them under
 * their locks (the owner's lists of later epochs stay).
 */
static void ebr_barrier(struct sync_thread *t)
{
	struct ebr_domain *d = e_dom(t->dom);
	uint64_t e;

	sync_full_fence();
	e = atomic_load(&d->epoch);
	ebr_advance_to(t, e + EBR_GRACE, SYNC_WAIT_DEFER);
#ifndef EBR_BREAK_BARRIER_LOCAL
	for (unsigned i = 0; i < d->base.nthreads; i++) {
#else
	for (unsigned i = t->tid; i == t->tid; i++) { /* broken on purpose: the caller's own only */
#endif
		struct ebr_bin *b = &d->bins[i];

		pthread_mutex_lock(&b->lock);
		ebr_collect_bin(d, b);
		pthread_mutex_unlock(&b->lock);
	}
	((struct ebr_thread *)t)->npending_hint = 0;
}

/* thread_deinit: no object outlives its thread. */
static void ebr_drain(struct sync_thread *t)
{
	struct ebr_thread *et = (struct ebr_thread *)t;
	struct ebr_domain *d = e_dom(t->dom);

	for (;;) {
		pthread_mutex_lock(&et->bin->lock);
		ebr_collect_bin(d, et->bin);
		if (!et->bin->npending) {
			pthread_mutex_unlock(&et->bin->lock);
			break;
		}
		pthread_mutex_unlock(&et->bin->lock);
		ebr_advance_to(t, atomic_load(&d->epoch) + 1, SYNC_WAIT_DEFER);
	}
	et->npending_hint = 0;
}

/* ---- lifecycle ---- */

static void ebr_domain_destroy(struct sync_domain *dd)
{
	struct ebr_domain *d = e_dom(dd);

	for (unsigned i = 0; i < dd->nthreads; i++) {
		/* Every thread drained its bin at deinit; free what a failed start left. */
		for (unsigned k = 0; k < EBR_EPOCHS; k++)
			if (d->bins[i].limbo[k].n)
				ebr_free_list(d, &d->bins[i], &d->bins[i].limbo[k]);
		pthread_mutex_destroy(&d->bins[i].lock);
	}
	sync_domain_delete(dd);
}

static SYNC_THREAD_ALLOC_WITH(ebr_thread_alloc, struct ebr_thread, t->bin = &e_dom(d)->bins[tid])

static void ebr_thread_deinit(struct sync_thread *t)
{
	ebr_drain(t);
}

static void ebr_dump(struct sync_domain *dd, FILE *out)
{
	struct ebr_domain *d = e_dom(dd);
	uint64_t e = atomic_load_explicit(&d->epoch, memory_order_relaxed);

	fprintf(out, "ebr: epoch %llu, %llu advances, %llu pending\n", (unsigned long long)e,
		(unsigned long long)atomic_load_explicit(&d->advances, memory_order_relaxed),
		(unsigned long long)atomic_load_explicit(&d->stats.pending, memory_order_relaxed));
	for (unsigned i = 0; i < dd->nthreads; i++) {
		struct ebr_slot *s = &d->slots[i];
		uint64_t a = atomic_load_explicit(&s->active, memory_order_relaxed);
		uint64_t le = atomic_load_explicit(&s->epoch, memory_order_relaxed);
		struct sync_thread *t = atomic_load_explicit(&dd->threads[i], memory_order_acquire);

		fprintf(out, "  thread %u: %s, epoch %llu%s, waiting for %s\n", i, a ? "active" : "inactive",
			(unsigned long long)le, a && le != e ? " (lagging)" : "",
			t ? sync_wait_kind_name(atomic_load_explicit(&t->wait_kind, memory_order_relaxed))
			  : "- (not attached)");
	}
}

static void ebr_summary(struct sync_domain *dd, FILE *out)
{
	struct ebr_domain *d = e_dom(dd);

	fprintf(out, "epoch_advances %llu ",
		(unsigned long long)atomic_load_explicit(&d->advances, memory_order_relaxed));
	sync_stats_summary(&d->stats, dd->reclaim, out);
}

static void ebr_domain_init(struct ebr_domain *d)
{
	for (unsigned i = 0; i < d->base.nthreads; i++) {
		atomic_init(&d->slots[i].active, 0);
		atomic_init(&d->slots[i].epoch, 0);
		pthread_mutex_init(&d->bins[i].lock, NULL);
	}
	/* Starts at 3 so that tag + 2 and e - 3 never wrap. */
	atomic_init(&d->epoch, EBR_EPOCHS);
}

SYNC_DEFINE_DOMAIN_CREATE_ARRAYS(ebr_domain_create, ebr, struct ebr_domain, ebr_domain_init,
				 SYNC_PER_THREAD(struct ebr_domain, slots),
				 SYNC_PER_THREAD(struct ebr_domain, bins))

SYNC_DEFINE_OPS(ebr, "grace", SYNC_CAP_SYNCHRONIZE | SYNC_CAP_DEFER, ebr,
	(domain_create, domain_destroy, thread_alloc, thread_deinit, loop_iter, read_begin,
	 read_end, synchronize, defer_free, barrier, dump, summary),
	.origin = "epoch-based reclamation, 3 epochs (Fraser 2004), our own",
	.max_threads = 0,
	.counted = SYNC_COUNTED_ALL);
