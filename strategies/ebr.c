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
 *  3. advance (try_advance): e = load(E); for each slot: active (acquire) and
 *     epoch (acquire) != e -> give up; else CAS(E, e, e + 1), seq_cst. A stale
 *     epoch of a thread between its store of active and of epoch only makes
 *     the advancer give up (safe direction).
 *  4. defer_free: e = load(E) (seq_cst, after the caller's unpublish); the list
 *     at e mod 3 holds either tag e (append) or an older tag <= e - 3, already
 *     reclaimable (E >= tag + 2): free it, retag e, append. Then collect: try
 *     one advance and free every own list whose tag + 2 <= E. loop_iter does
 *     the same collect while the thread has objects pending, so reclamation
 *     needs no other thread's help and never blocks.
 *  5. synchronize: s = load(E); advance until E >= s + 2, waiting (spin, then
 *     sched_yield) while an active reader lags: sections that began before the
 *     call observed <= s, and by the invariant have all ended. Concurrent
 *     callers share advances (the CAS of one serves all).
 *  6. barrier: advance and collect until the caller's three lists are empty;
 *     thread_deinit runs it, so no object outlives its thread.
 *
 * Deliberate breaks for the tests (never in a real build), -D flags, each with
 * a *_broken_*_test target in BUILD that must fail:
 *   EBR_BREAK_ACTIVE     advance without looking at active readers;
 *   EBR_BREAK_ONE_EPOCH  free a limbo list one epoch early (E >= tag + 1).
 */
#include "strategies/sync.h"

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

/* One limbo list: owner only. */
struct ebr_limbo {
	struct ebr_chunk *head;
	uint64_t tag; /* epoch of everything in it */
	uint64_t n;
};

struct ebr_domain {
	struct sync_domain base;
	struct ebr_slot *slots; /* nthreads, domain-owned so scans never see freed memory */
	/* The global epoch: advanced by any thread (CAS), read by all. */
	_Atomic uint64_t epoch SYNC_ALIGNED;
	/* Statistics; relaxed, they order nothing. */
	_Atomic uint64_t advances SYNC_ALIGNED;
	struct sync_reclaim_stats stats;
};

struct ebr_thread {
	struct sync_thread base;
	/* Owner only. */
	struct ebr_limbo limbo[EBR_EPOCHS];
	uint64_t npending;
};

static int ebr_domain_create(const struct sync_params *p, struct sync_domain **out,
			     char *err, size_t errlen);

static struct ebr_domain *e_dom(struct sync_domain *d)
{
	return (struct ebr_domain *)d;
}

static struct ebr_slot *e_slot(struct sync_thread *t)
{
	return &e_dom(t->dom)->slots[t->tid];
}

/* Step 1. */
static void ebr_read_begin(struct sync_thread *t)
{
	struct ebr_slot *s = e_slot(t);

	/* Relaxed: the fence below orders it before every later load. */
	atomic_store_explicit(&s->active, 1, memory_order_relaxed);
#ifndef EBR_BREAK_READ_FENCE
	sync_full_fence();
#endif
	atomic_store_explicit(&s->epoch, atomic_load_explicit(&e_dom(t->dom)->epoch, memory_order_acquire),
			      memory_order_release);
}

/* Step 2. */
static void ebr_read_end(struct sync_thread *t)
{
	atomic_store_explicit(&e_slot(t)->active, 0, memory_order_release);
}

/* Step 3: one non-blocking attempt. True when E moved past the value read. */
static bool ebr_try_advance(struct ebr_domain *d)
{
	uint64_t e = atomic_load(&d->epoch);

#ifndef EBR_BREAK_ACTIVE
	for (unsigned i = 0; i < d->base.nthreads; i++) {
		struct ebr_slot *s = &d->slots[i];

		if (atomic_load_explicit(&s->active, memory_order_acquire) &&
		    atomic_load_explicit(&s->epoch, memory_order_acquire) != e)
			return false;
	}
#endif /* else broken on purpose: advances past active readers */
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

static void ebr_free_list(struct ebr_domain *d, struct ebr_thread *et, struct ebr_limbo *l)
{
	struct ebr_chunk *c;

	while ((c = l->head)) {
		l->head = c->next;
		for (unsigned i = 0; i < c->n; i++)
			c->e[i].fn(c->e[i].p);
		free(c);
	}
	sync_stats_freed(&d->stats, l->n);
	et->npending -= l->n;
	l->n = 0;
}

/* Frees every own list whose epoch is two behind E. */
static void ebr_collect(struct ebr_thread *et, bool advance)
{
	struct ebr_domain *d = e_dom(et->base.dom);
	uint64_t e;

	if (advance)
		ebr_try_advance(d);
	e = atomic_load(&d->epoch);
	for (unsigned i = 0; i < EBR_EPOCHS; i++)
		if (et->limbo[i].n && et->limbo[i].tag + EBR_GRACE <= e)
			ebr_free_list(d, et, &et->limbo[i]);
}

/* Step 4. */
static void ebr_defer_free(struct sync_thread *t, void *p, void (*fn)(void *))
{
	struct ebr_thread *et = (struct ebr_thread *)t;
	struct ebr_domain *d = e_dom(t->dom);
	uint64_t e = atomic_load(&d->epoch);
	struct ebr_limbo *l = &et->limbo[e % EBR_EPOCHS];
	struct ebr_chunk *c;

	if (l->n && l->tag != e)
		ebr_free_list(d, et, l); /* tag <= e - 3: reclaimable since E >= tag + 2 */
	l->tag = e;
	c = l->head;
	if (!c || c->n == EBR_CHUNK) {
		c = malloc(sizeof(*c));
		if (!c) {
			/* No memory for the list: reclaim synchronously instead. */
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
	et->npending++;
	sync_stats_deferred(&d->stats);
	ebr_collect(et, true);
}

static void ebr_loop_iter(struct sync_thread *t)
{
	struct ebr_thread *et = (struct ebr_thread *)t;

	if (et->npending)
		ebr_collect(et, true);
}

/* Step 5. */
static void ebr_synchronize(struct sync_thread *t)
{
	struct ebr_domain *d = e_dom(t->dom);
	uint64_t s = atomic_load(&d->epoch); /* seq_cst: after the caller's unpublish */

	sync_stats_synchronize(&d->stats);
	ebr_advance_to(t, s + EBR_GRACE, SYNC_WAIT_EPOCH);
}

/* Step 6: every defer_free of the caller has run on return. */
static void ebr_barrier(struct sync_thread *t)
{
	struct ebr_thread *et = (struct ebr_thread *)t;
	struct ebr_domain *d = e_dom(t->dom);

	while (et->npending) {
		ebr_advance_to(t, atomic_load(&d->epoch) + 1, SYNC_WAIT_DEFER);
		ebr_collect(et, false);
	}
}

/* ---- lifecycle ---- */

static void ebr_domain_destroy(struct sync_domain *dd)
{
	struct ebr_domain *d = e_dom(dd);

	free(d->slots);
	sync_domain_fini(dd);
	free(d);
}

static int ebr_thread_alloc(struct sync_domain *d, unsigned tid, struct sync_thread **out,
			    char *err, size_t errlen)
{
	struct ebr_thread *t = sync_thread_new(d, tid, sizeof(*t), err, errlen);

	if (!t)
		return -1;
	*out = &t->base;
	return 0;
}

static void ebr_thread_deinit(struct sync_thread *t)
{
	ebr_barrier(t);
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

const struct sync_ops sync_ebr = {
	.name = "ebr",
	.family = "grace",
	.origin = "epoch-based reclamation, 3 epochs (Fraser 2004), our own",
	.max_threads = 0,
	.caps = SYNC_CAP_SYNCHRONIZE | SYNC_CAP_DEFER,
	.domain_create = ebr_domain_create,
	.domain_destroy = ebr_domain_destroy,
	.thread_alloc = ebr_thread_alloc,
	.thread_deinit = ebr_thread_deinit,
	.thread_free = sync_thread_delete,
	.loop_iter = ebr_loop_iter,
	.read_begin = ebr_read_begin,
	.read_end = ebr_read_end,
	.synchronize = ebr_synchronize,
	.defer_free = ebr_defer_free,
	.barrier = ebr_barrier,
	.dump = ebr_dump,
	.summary = ebr_summary,
};

static int ebr_domain_create(const struct sync_params *p, struct sync_domain **out,
			     char *err, size_t errlen)
{
	struct ebr_domain *d;

	if (sync_check_params(&sync_ebr, p, err, errlen))
		return -1;
	d = aligned_alloc(SYNC_CACHELINE, sizeof(*d));
	if (d) {
		memset(d, 0, sizeof(*d));
		d->slots = aligned_alloc(SYNC_CACHELINE, p->nthreads * sizeof(*d->slots));
	}
	if (!d || !d->slots || sync_domain_init(&d->base, &sync_ebr, p)) {
		if (d)
			free(d->slots);
		free(d);
		snprintf(err, errlen, "ebr: out of memory");
		return -1;
	}
	for (unsigned i = 0; i < p->nthreads; i++) {
		atomic_init(&d->slots[i].active, 0);
		atomic_init(&d->slots[i].epoch, 0);
	}
	/* Starts at 3 so that tag + 2 and e - 3 never wrap. */
	atomic_init(&d->epoch, EBR_EPOCHS);
	*out = &d->base;
	return 0;
}
