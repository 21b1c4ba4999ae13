/*
 * hazard_pointers.c - hazard pointers through Debian's Concurrency Kit 0.7.1,
 * ck_hp (//system:ck). Origin: Michael, "Hazard Pointers: Safe Memory
 * Reclamation for Lock-Free Objects" (IEEE TPDS 2004). Grace family: the
 * updater copies, publishes, then frees the old version once no reader
 * publishes it.
 *
 * Each participating thread owns one ck_hp record with HP_SLOTS hazard slots.
 * The reader protocol (read_deref, called by loop.h's sync_deref()):
 *
 *   1. p = *slot (acquire)
 *   2. publish p in the thread's next free hazard slot (ck_hp_set_fence: an
 *      atomic exchange, a full fence, so that step 3 cannot be satisfied
 *      from before the publication)
 *   3. q = *slot again; if q != p the updater may already have scanned
 *      without seeing p: p = q, back to 2
 *   4. p is safe to use until read_end clears the slots (a release fence
 *      first: the section's loads stay before the clearing store)
 *
 * The updater's side, for an old pointer unpublished from *slot by an
 * exchange (sequentially consistent) followed by a full fence: a reader whose
 * step 3 did not see the exchange published p before that load, so the
 * updater's scan, after its own exchange and fence, sees p in the slot (the
 * Dekker pair: each side stores, fences, then loads the other's location).
 * A reader whose step 3 saw the exchange returns the new pointer. So once a
 * scan finds the old pointer in no slot, no reader holds it or will get it.
 *
 *   synchronize  the interface gives no pointer, so it is conservative: it
 *                snapshots every thread's slots and waits until each thread
 *                that had any slot set has ended that section (its section
 *                counter moved, or its slots are all clear again). This waits
 *                also for sections that hold the NEW pointer or another one:
 *                it is a grace period over the sections with a published
 *                pointer, not the per-pointer wait hazard pointers allow.
 *                Sections that had published nothing at the snapshot need no
 *                wait (steps 2-3 keep them off the old pointer).
 *   defer_free   ck_hp_retire() of {p, fn} on the caller's own retire list;
 *                when it holds HP_RECLAIM_THRESHOLD entries, ck_hp_reclaim()
 *                scans every record once (sorted snapshot of all slots) and
 *                frees exactly the pointers no slot holds: per pointer, not
 *                conservative. Only the owner reclaims its list: barrier()
 *                purges the CALLER's list (ck_hp_purge, spinning until every
 *                entry is free), and thread_deinit purges the leaving
 *                thread's; a list of another thread is purged when that
 *                thread leaves (in the harnesses only updaters defer, and
 *                each runs barrier before its deinit).
 *
 * Sleeping threads hold no slot (read_end cleared them): nobody is woken and
 * no wait depends on a sleeper. A section may deref at most HP_SLOTS shared
 * pointers (one per slot); one more aborts with a message (never a silent
 * unprotected read). Records stay in ck's subscriber list for the life of
 * the domain (ck_hp_unregister marks them free, it does not unlink them), so
 * they live in the domain, not in the per-thread state.
 *
 * Safe only for harnesses that load shared pointers through sync_deref():
 * a reader that loads the pointer itself publishes nothing and is not
 * protected at all.
 *
 * Deliberate break (must fail, hazard_pointers_broken_no_scan_test and
 * _defer_test): HAZARD_POINTERS_BREAK_NO_SCAN makes synchronize return
 * without scanning and defer_free free at once. (Leaving out step 3 is a real
 * bug too, but its window is the few instructions between a reader's load
 * and its publication, which a test cannot hit on demand.)
 * ck's atomics are inline assembly TSAN cannot see: tests are no_tsan.
 */
#include <ck_hp.h>
#include <ck_pr.h>

#include "strategies/sync.h"

#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define HP_SLOTS 4
#define HP_RECLAIM_THRESHOLD 64

/* One per participating thread, in the domain (see the note above). */
struct hp_rec {
	ck_hp_record_t rec;                 /* ck: cache-line aligned */
	void *slots[HP_SLOTS] SYNC_ALIGNED; /* written by the owner, scanned by updaters */
	/*
	 * Written by the owner (release, after clearing its slots), read by
	 * synchronize (acquire): sections ended.
	 */
	_Atomic uint64_t sections;
	int registered; /* owner only, lifecycle */
};

struct hp_domain {
	struct sync_domain base;
	ck_hp_t hp;
	struct hp_rec *recs; /* nthreads entries, domain-owned (sync_domain_array) */
	/* Statistics; relaxed, they order nothing. */
	struct sync_reclaim_stats stats SYNC_ALIGNED;
	_Atomic uint64_t scans, waits;
};

struct hp_thread {
	struct sync_thread base;
	struct hp_rec *r;
	unsigned used; /* owner only: slots taken in the current section */
};

/* A deferred object: ck's hazard entry, and what to free. */
struct hp_node {
	ck_hp_hazard_t hazard;
	struct sync_deferred obj;
};

SYNC_DEFINE_DOMAIN_CAST(hp_dom, struct hp_domain)
SYNC_DEFINE_THREAD_CAST(hp_thr, struct hp_thread)

/* ck's destructor: runs on the reclaiming thread once no slot holds node->p. */
static void hp_destroy(void *data)
{
	struct hp_node *n = data;

	sync_deferred_run(&n->obj);
	free(n);
}

static SYNC_THREAD_ALLOC_WITH(hp_thread_alloc, struct hp_thread, t->r = &hp_dom(d)->recs[tid])

static int hp_thread_init(struct sync_thread *t, char *err, size_t errlen)
{
	struct hp_rec *r = hp_thr(t)->r;

	if (r->registered) {
		snprintf(err, errlen, "hazard_pointers: thread %u registered twice in one domain", t->tid);
		return -1;
	}
	/* Pushes the record on ck's subscriber stack (lock-free, for good). */
	ck_hp_register(&hp_dom(t->dom)->hp, &r->rec, r->slots);
	r->registered = 1;
	return 0;
}

static void hp_thread_deinit(struct sync_thread *t)
{
	struct hp_rec *r = hp_thr(t)->r;

	/* ck_hp_unregister forgets the retire list: empty it first. */
	sync_full_fence();
	ck_hp_purge(&r->rec);
	ck_hp_unregister(&r->rec);
}

static void hp_read_begin(struct sync_thread *t)
{
	hp_thr(t)->used = 0;
}

static void hp_read_end(struct sync_thread *t)
{
	struct hp_thread *ht = hp_thr(t);

	/* Release: the section's loads of the protected objects come first. */
	ck_pr_fence_release();
	for (unsigned i = 0; i < ht->used; i++)
		ck_hp_set(&ht->r->rec, i, NULL);
	ht->used = 0;
	/* Release: synchronize, seeing the count move, sees the slots clear. */
	atomic_fetch_add_explicit(&ht->r->sections, 1, memory_order_release);
}

static void *hp_read_deref(struct sync_thread *t, void *_Atomic *slot)
{
	struct hp_thread *ht = hp_thr(t);
	unsigned i = ht->used;
	void *p, *q;

	if (i >= HP_SLOTS) {
		fprintf(stderr, "hazard_pointers: thread %u dereferenced more than %d shared pointers in one "
			"read section\n", t->tid, HP_SLOTS);
		abort();
	}
	ht->used = i + 1;
	/* Acquire: pairs with the updater's publishing store or exchange. */
	p = atomic_load_explicit(slot, memory_order_acquire);
	for (;;) {
		ck_hp_set_fence(&ht->r->rec, i, p);
		q = atomic_load_explicit(slot, memory_order_acquire);
		if (q == p)
			break;
		p = q;
	}
	return p;
}

static bool hp_slots_clear(struct hp_rec *r)
{
	for (unsigned i = 0; i < HP_SLOTS; i++)
		if (ck_pr_load_ptr(&r->slots[i]))
			return false;
	return true;
}

/*
 * Waits for r's section to end: spinning first, then yielding (on a machine
 * with fewer cores than threads, the reader waited for may need this CPU).
 */
static void hp_wait_section(struct hp_rec *r, uint64_t c0)
{
	for (unsigned n = 0;
	     atomic_load_explicit(&r->sections, memory_order_acquire) == c0 && !hp_slots_clear(r); n++) {
		if (n < 128)
			sync_relax();
		else
			sched_yield();
	}
}

static void hp_synchronize(struct sync_thread *t)
{
	struct hp_domain *d = hp_dom(t->dom);

	sync_stats_synchronize(&d->stats);
#ifdef HAZARD_POINTERS_BREAK_NO_SCAN
	return;
#endif
	/* Store-load: the caller's unpublishing exchange before the scan's loads. */
	sync_full_fence();
	atomic_fetch_add_explicit(&d->scans, 1, memory_order_relaxed);
	for (unsigned i = 0; i < t->dom->nthreads; i++) {
		struct hp_rec *r = &d->recs[i];
		uint64_t c0;

		if (r == hp_thr(t)->r || hp_slots_clear(r))
			continue;
		/* Acquire: pairs with read_end's release increment. */
		c0 = atomic_load_explicit(&r->sections, memory_order_acquire);
		if (hp_slots_clear(r))
			continue;
		atomic_fetch_add_explicit(&d->waits, 1, memory_order_relaxed);
		sync_wait_begin(t, SYNC_WAIT_GRACE);
		hp_wait_section(r, c0);
		sync_wait_end(t);
	}
	/* The readers' last loads of the old version before the caller frees it. */
	sync_full_fence();
}

static void hp_defer_free(struct sync_thread *t, void *p, void (*fn)(void *))
{
	struct hp_domain *d = hp_dom(t->dom);
	struct hp_rec *r = hp_thr(t)->r;
	struct hp_node *n = SYNC_DEFERRED_NODE_NEW(t, struct hp_node, obj, p, fn, &d->stats);

	if (!n)
		return;
#ifdef HAZARD_POINTERS_BREAK_NO_SCAN
	(void)r;
	hp_destroy(n);
#else
	ck_hp_retire(&r->rec, &n->hazard, n, p);
	if (r->rec.n_pending >= HP_RECLAIM_THRESHOLD) {
		/* Store-load: the unpublishing exchange before the scan. */
		sync_full_fence();
		atomic_fetch_add_explicit(&d->scans, 1, memory_order_relaxed);
		ck_hp_reclaim(&r->rec);
	}
#endif
}

static void hp_barrier(struct sync_thread *t)
{
	sync_wait_begin(t, SYNC_WAIT_DEFER);
	sync_full_fence();
	ck_hp_purge(&hp_thr(t)->r->rec);
	sync_wait_end(t);
}

static void hp_dump(struct sync_domain *dd, FILE *out)
{
	struct hp_domain *d = hp_dom(dd);

	fprintf(out, "hazard_pointers: %u slots per thread, %llu scans, %llu waits, %llu pending\n", HP_SLOTS,
		(unsigned long long)atomic_load_explicit(&d->scans, memory_order_relaxed),
		(unsigned long long)atomic_load_explicit(&d->waits, memory_order_relaxed),
		(unsigned long long)atomic_load_explicit(&d->stats.pending, memory_order_relaxed));
	for (unsigned i = 0; i < dd->nthreads; i++) {
		struct sync_thread *t = atomic_load_explicit(&dd->threads[i], memory_order_acquire);
		struct hp_rec *r = &d->recs[i];

		fprintf(out, "  thread %u: %s, slots", i, t ? "attached" : "not attached");
		for (unsigned k = 0; k < HP_SLOTS; k++)
			fprintf(out, " %p", ck_pr_load_ptr(&r->slots[k]));
		fprintf(out, ", %llu sections, waiting for %s\n",
			(unsigned long long)atomic_load_explicit(&r->sections, memory_order_relaxed),
			t ? sync_wait_kind_name(atomic_load_explicit(&t->wait_kind, memory_order_relaxed)) : "-");
	}
}

static void hp_summary(struct sync_domain *dd, FILE *out)
{
	struct hp_domain *d = hp_dom(dd);

	fprintf(out, "scans %llu slot_waits %llu ",
		(unsigned long long)atomic_load_explicit(&d->scans, memory_order_relaxed),
		(unsigned long long)atomic_load_explicit(&d->waits, memory_order_relaxed));
	sync_stats_summary(&d->stats, dd->reclaim, out);
}

static void hp_domain_init(struct hp_domain *d)
{
	ck_hp_init(&d->hp, HP_SLOTS, HP_RECLAIM_THRESHOLD, hp_destroy);
}

SYNC_DEFINE_DOMAIN_CREATE_ARRAYS(hp_domain_create, hazard_pointers, struct hp_domain,
				 hp_domain_init,
				 SYNC_PER_THREAD(struct hp_domain, recs))

SYNC_DEFINE_OPS(hazard_pointers, "grace", SYNC_CAP_SYNCHRONIZE | SYNC_CAP_DEFER, hp,
	(domain_create, thread_alloc, thread_init, thread_deinit, read_begin, read_end, read_deref,
	 synchronize, defer_free, barrier, dump, summary),
	.origin = "Concurrency Kit 0.7.1 ck_hp (Debian libck-dev); Michael, TPDS 2004; needs readers "
		  "that load through sync_deref; synchronize is conservative (no pointer given)",
	.max_threads = 0,
	/* Every thread purged its retire list at deinit: nothing else to free. */
	.domain_destroy = sync_domain_delete);
