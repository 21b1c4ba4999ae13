/*
 * urcu_mb.c - the poll loop through Debian's liburcu 0.13, mb flavor
 * (//system:urcu_mb). Origin: Desnoyers et al., "User-Level Implementations
 * of Read-Copy Update" (IEEE TPDS 2012), section "general-purpose RCU": the
 * flavor that needs neither signals nor membarrier, because every read-side
 * entry and exit carries a full memory barrier.
 *
 * Mapping of the interface onto the library (all calls on the owning thread):
 *   thread_init   urcu_mb_register_thread()
 *   thread_deinit urcu_mb_unregister_thread()
 *   read_begin    urcu_mb_read_lock()     TLS counter store + cmm_smp_mb()
 *   read_end      urcu_mb_read_unlock()   cmm_smp_mb() + TLS counter store
 *   poll hooks, loop_iter: none (outside a read section a thread is quiescent)
 *   synchronize   urcu_mb_synchronize_rcu()  two-phase parity flip, the
 *                 writer's own fences pair with the readers' fences
 *   defer_free    urcu_mb_call_rcu()          run by liburcu's call_rcu thread
 *   barrier       urcu_mb_barrier()           (rcu_barrier)
 *
 * Invariant (liburcu's, restated): a reader's counter snapshot is ordered
 * before its section's loads by the fence in read_lock, and its section's
 * loads before the counter reset by the fence in read_unlock; the writer
 * fences before and after each parity flip. So a grace period that sees a
 * reader inactive or in the new parity knows that reader cannot hold the old
 * pointer. The read side pays two full fences per section; the update side
 * sends nothing to anybody: sleeping threads are never disturbed.
 *
 * Deliberate break (urcu_mb_broken_no_read_lock_test, must fail):
 * URCU_MB_BREAK_NO_READ_LOCK leaves read sections unmarked, so grace periods
 * end under open sections.
 *
 * Built with _LGPL_SOURCE: read_lock/read_unlock are inlined from the
 * library's headers. Deferred frees: one small node {rcu_head, p, fn} per
 * defer_free, counted here, as in urcu_memb.c. liburcu's state is
 * process-wide: one domain at a time per process. Tests are no_tsan (TSAN
 * cannot see liburcu's atomics).
 */
#define _LGPL_SOURCE
#include <urcu/urcu-mb.h>

#include "strategies/sync.h"

#include <stdlib.h>
#include <string.h>

struct urcu_mb_domain {
	struct sync_domain base;
	/* Statistics; relaxed, they order nothing (callbacks run on liburcu's thread). */
	struct sync_reclaim_stats stats SYNC_ALIGNED;
};

struct urcu_mb_thread {
	struct sync_thread base;
	/* Owner only: a defer_free was made since the last barrier. */
	int deferred;
	/* Written by the owner, read by dump(): enum below. */
	_Atomic int state;
};

struct urcu_mb_node {
	struct rcu_head head;
	void *p;
	void (*fn)(void *);
	struct urcu_mb_domain *d;
};

enum { UMB_UNREGISTERED = 0, UMB_REGISTERED, UMB_READING };

static int umb_domain_create(const struct sync_params *p, struct sync_domain **out,
			     char *err, size_t errlen);

static struct urcu_mb_domain *umb_dom(struct sync_domain *d)
{
	return (struct urcu_mb_domain *)d;
}

static void umb_domain_destroy(struct sync_domain *d)
{
	/* No callback may still point at d (every updater ran barrier()). */
	sync_domain_fini(d);
	free(d);
}

static int umb_thread_alloc(struct sync_domain *d, unsigned tid, struct sync_thread **out,
			    char *err, size_t errlen)
{
	struct urcu_mb_thread *t = sync_thread_new(d, tid, sizeof(*t), err, errlen);

	if (!t)
		return -1;
	atomic_init(&t->state, UMB_UNREGISTERED);
	*out = &t->base;
	return 0;
}

static void umb_set_state(struct sync_thread *t, int s)
{
	/* Relaxed: only dump() reads it. */
	atomic_store_explicit(&((struct urcu_mb_thread *)t)->state, s, memory_order_relaxed);
}

static int umb_thread_init(struct sync_thread *t, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	urcu_mb_register_thread();
	umb_set_state(t, UMB_REGISTERED);
	return 0;
}

static void umb_barrier(struct sync_thread *t);

static void umb_thread_deinit(struct sync_thread *t)
{
	/*
	 * Nothing a thread deferred may outlive it: domain_destroy, which
	 * may follow at once, does not wait for the call_rcu thread.
	 */
	if (((struct urcu_mb_thread *)t)->deferred)
		umb_barrier(t);
	urcu_mb_unregister_thread();
	umb_set_state(t, UMB_UNREGISTERED);
}

static void umb_read_begin(struct sync_thread *t)
{
	(void)t;
#ifndef URCU_MB_BREAK_NO_READ_LOCK
	urcu_mb_read_lock();
#endif
}

static void umb_read_end(struct sync_thread *t)
{
	(void)t;
#ifndef URCU_MB_BREAK_NO_READ_LOCK
	urcu_mb_read_unlock();
#endif
}

static void umb_synchronize(struct sync_thread *t)
{
	sync_stats_synchronize(&umb_dom(t->dom)->stats);
	sync_wait_begin(t, SYNC_WAIT_GRACE);
	urcu_mb_synchronize_rcu();
	sync_wait_end(t);
}

static void umb_free_node(struct rcu_head *head)
{
	struct urcu_mb_node *n = caa_container_of(head, struct urcu_mb_node, head);

	n->fn(n->p);
	sync_stats_freed(&n->d->stats, 1);
	free(n);
}

static void umb_defer_free(struct sync_thread *t, void *p, void (*fn)(void *))
{
	struct urcu_mb_domain *d = umb_dom(t->dom);
	struct urcu_mb_node *n = malloc(sizeof(*n));

	if (!n) {
		/* No memory for the node: reclaim synchronously instead. */
		umb_synchronize(t);
		fn(p);
		return;
	}
	n->p = p;
	n->fn = fn;
	n->d = d;
	sync_stats_deferred(&d->stats);
	urcu_mb_call_rcu(&n->head, umb_free_node);
	((struct urcu_mb_thread *)t)->deferred = 1;
}

static void umb_barrier(struct sync_thread *t)
{
	sync_wait_begin(t, SYNC_WAIT_DEFER);
	urcu_mb_barrier();
	sync_wait_end(t);
	((struct urcu_mb_thread *)t)->deferred = 0;
}

static void umb_dump(struct sync_domain *dd, FILE *out)
{
	static const char *const what[] = { "unregistered", "registered", "reading" };
	struct urcu_mb_domain *d = umb_dom(dd);

	fprintf(out, "urcu_mb: liburcu gp ctr %#lx, %llu synchronize calls, %llu pending\n",
		(unsigned long)CMM_LOAD_SHARED(urcu_mb_gp.ctr),
		(unsigned long long)atomic_load_explicit(&d->stats.sync_calls, memory_order_relaxed),
		(unsigned long long)atomic_load_explicit(&d->stats.pending, memory_order_relaxed));
	for (unsigned i = 0; i < dd->nthreads; i++) {
		struct sync_thread *t = atomic_load_explicit(&dd->threads[i], memory_order_acquire);
		int s;

		if (!t) {
			fprintf(out, "  thread %u: not attached\n", i);
			continue;
		}
		s = atomic_load_explicit(&((struct urcu_mb_thread *)t)->state, memory_order_relaxed);
		fprintf(out, "  thread %u: %s, waiting for %s\n", i, (s >= 0 && s <= 2) ? what[s] : "?",
			sync_wait_kind_name(atomic_load_explicit(&t->wait_kind, memory_order_relaxed)));
	}
}

static void umb_summary(struct sync_domain *dd, FILE *out)
{
	sync_stats_summary(&umb_dom(dd)->stats, dd->reclaim, out);
}

const struct sync_ops sync_urcu_mb = {
	.name = "urcu_mb",
	.family = "grace",
	.origin = "liburcu 0.13 mb flavor (Debian liburcu-dev): full fences on the read side, "
		  "Desnoyers et al. TPDS 2012",
	.max_threads = 0,
	.caps = SYNC_CAP_SYNCHRONIZE | SYNC_CAP_DEFER,
	.domain_create = umb_domain_create,
	.domain_destroy = umb_domain_destroy,
	.thread_alloc = umb_thread_alloc,
	.thread_init = umb_thread_init,
	.thread_deinit = umb_thread_deinit,
	.thread_free = sync_thread_delete,
	.read_begin = umb_read_begin,
	.read_end = umb_read_end,
	.synchronize = umb_synchronize,
	.defer_free = umb_defer_free,
	.barrier = umb_barrier,
	.dump = umb_dump,
	.summary = umb_summary,
};

static int umb_domain_create(const struct sync_params *p, struct sync_domain **out,
			     char *err, size_t errlen)
{
	struct urcu_mb_domain *d;

	if (sync_check_params(&sync_urcu_mb, p, err, errlen))
		return -1;
	d = aligned_alloc(SYNC_CACHELINE, sizeof(*d));
	if (d)
		memset(d, 0, sizeof(*d));
	if (!d || sync_domain_init(&d->base, &sync_urcu_mb, p)) {
		free(d);
		snprintf(err, errlen, "urcu_mb: out of memory");
		return -1;
	}
	*out = &d->base;
	return 0;
}
