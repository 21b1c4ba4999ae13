/*
 * urcu_qsbr.c - the poll loop through Debian's liburcu 0.13, QSBR flavor (the
 * real library, //system:urcu_qsbr): the reference our own qsbr.c is measured
 * against. Origin: Desnoyers et al., "User-Level Implementations of
 * Read-Copy Update" (IEEE TPDS 2012); liburcu 0.13.2.
 *
 * Mapping of the interface onto the library (all calls on the owning thread):
 *   thread_init   urcu_qsbr_register_thread()   registers, online
 *   thread_deinit urcu_qsbr_unregister_thread() offline, unregisters
 *   poll_enter    urcu_qsbr_thread_offline()    asleep: never waited for
 *   poll_leave    urcu_qsbr_thread_online()
 *   loop_iter     urcu_qsbr_quiescent_state()   end of every loop iteration
 *   read_begin/end  no-ops (urcu_qsbr_read_lock/unlock are empty)
 *   synchronize   urcu_qsbr_synchronize_rcu()   liburcu takes an online caller
 *                                               offline for the wait itself
 *   defer_free    urcu_qsbr_call_rcu()          run by liburcu's call_rcu thread
 *   barrier       urcu_qsbr_barrier()           (rcu_barrier), called offline
 * Built with _LGPL_SOURCE, as liburcu's own benchmarks are: the fast paths
 * (quiescent_state, online/offline) are inlined from the library's headers,
 * which is what a real user of the library gets.
 *
 * Deferred frees: the interface hands defer_free a bare pointer, while
 * call_rcu needs a struct rcu_head embedded in the object. Each defer_free
 * allocates a small node {rcu_head, p, fn} (one malloc per deferred object,
 * counted against this strategy; the simulator's objects stay unchanged for
 * every strategy). The callback runs fn(p) on the call_rcu thread, then frees
 * the node. Pending objects and their peak are counted here.
 *
 * liburcu's state is process-wide: one domain at a time per process (the
 * simulator and the tests create them one after the other).
 *
 * Waits: synchronize and barrier are bracketed (SYNC_WAIT_GRACE,
 * SYNC_WAIT_DEFER) for the watchdog; the library's internal waits are not
 * otherwise visible. Tests of this strategy are no_tsan: TSAN cannot see
 * liburcu's hand-written atomics and fences.
 */
#define _LGPL_SOURCE
#include <urcu/urcu-qsbr.h>

#include "strategies/sync.h"

#include <stdlib.h>
#include <string.h>

struct urcu_qsbr_domain {
	struct sync_domain base;
	/* Statistics; relaxed, they order nothing (callbacks run on liburcu's thread). */
	struct sync_reclaim_stats stats SYNC_ALIGNED;
};

struct urcu_qsbr_thread {
	struct sync_thread base;
	/* Owner only: a defer_free was made since the last barrier. */
	int deferred;
	/* Written by the owner, read by dump(): 0 unregistered, 1 online, 2 offline. */
	_Atomic int state;
};

struct urcu_qsbr_node {
	struct rcu_head head;
	void *p;
	void (*fn)(void *);
	struct urcu_qsbr_domain *d;
};

enum { UQ_UNREGISTERED = 0, UQ_ONLINE, UQ_OFFLINE };

static int uq_domain_create(const struct sync_params *p, struct sync_domain **out,
			    char *err, size_t errlen);

static struct urcu_qsbr_domain *uq_dom(struct sync_domain *d)
{
	return (struct urcu_qsbr_domain *)d;
}

static void uq_set_state(struct sync_thread *t, int s)
{
	/* Relaxed: only dump() reads it. */
	atomic_store_explicit(&((struct urcu_qsbr_thread *)t)->state, s, memory_order_relaxed);
}

static void uq_domain_destroy(struct sync_domain *d)
{
	/* No callback may still point at d (every updater ran barrier()). */
	sync_domain_fini(d);
	free(d);
}

static int uq_thread_alloc(struct sync_domain *d, unsigned tid, struct sync_thread **out,
			   char *err, size_t errlen)
{
	struct urcu_qsbr_thread *t = sync_thread_new(d, tid, sizeof(*t), err, errlen);

	if (!t)
		return -1;
	atomic_init(&t->state, UQ_UNREGISTERED);
	*out = &t->base;
	return 0;
}

static int uq_thread_init(struct sync_thread *t, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	urcu_qsbr_register_thread();
	uq_set_state(t, UQ_ONLINE);
	return 0;
}

static void uq_barrier(struct sync_thread *t);

static void uq_thread_deinit(struct sync_thread *t)
{
	/*
	 * Nothing a thread deferred may outlive it: domain_destroy, which
	 * may follow at once, does not wait for the call_rcu thread.
	 */
	if (((struct urcu_qsbr_thread *)t)->deferred)
		uq_barrier(t);
	urcu_qsbr_unregister_thread();
	uq_set_state(t, UQ_UNREGISTERED);
}

static void uq_poll_enter(struct sync_thread *t)
{
	urcu_qsbr_thread_offline();
	uq_set_state(t, UQ_OFFLINE);
}

static void uq_poll_leave(struct sync_thread *t)
{
	urcu_qsbr_thread_online();
	uq_set_state(t, UQ_ONLINE);
}

static void uq_loop_iter(struct sync_thread *t)
{
	(void)t;
	urcu_qsbr_quiescent_state();
}

static void uq_synchronize(struct sync_thread *t)
{
	sync_stats_synchronize(&uq_dom(t->dom)->stats);
	sync_wait_begin(t, SYNC_WAIT_GRACE);
#ifndef URCU_QSBR_BREAK_NO_SYNC
	urcu_qsbr_synchronize_rcu();
#endif /* else broken on purpose: no grace period */
	sync_wait_end(t);
}

static void uq_free_node(struct rcu_head *head)
{
	struct urcu_qsbr_node *n = caa_container_of(head, struct urcu_qsbr_node, head);

	n->fn(n->p);
	sync_stats_freed(&n->d->stats, 1);
	free(n);
}

static void uq_defer_free(struct sync_thread *t, void *p, void (*fn)(void *))
{
	struct urcu_qsbr_domain *d = uq_dom(t->dom);
	struct urcu_qsbr_node *n = malloc(sizeof(*n));

	if (!n) {
		/* No memory for the node: reclaim synchronously instead. */
		uq_synchronize(t);
		fn(p);
		return;
	}
	n->p = p;
	n->fn = fn;
	n->d = d;
	sync_stats_deferred(&d->stats);
	urcu_qsbr_call_rcu(&n->head, uq_free_node);
	((struct urcu_qsbr_thread *)t)->deferred = 1;
}

static void uq_barrier(struct sync_thread *t)
{
	/* Offline: a registered online caller would hold up the grace periods it waits for. */
	urcu_qsbr_thread_offline();
	sync_wait_begin(t, SYNC_WAIT_DEFER);
	urcu_qsbr_barrier();
	sync_wait_end(t);
	urcu_qsbr_thread_online();
	((struct urcu_qsbr_thread *)t)->deferred = 0;
}

static void uq_dump(struct sync_domain *dd, FILE *out)
{
	static const char *const what[] = { "unregistered", "online", "offline" };
	struct urcu_qsbr_domain *d = uq_dom(dd);

	fprintf(out, "urcu_qsbr: liburcu gp ctr %lu, %llu synchronize calls, %llu pending\n",
		(unsigned long)CMM_LOAD_SHARED(urcu_qsbr_gp.ctr),
		(unsigned long long)atomic_load_explicit(&d->stats.sync_calls, memory_order_relaxed),
		(unsigned long long)atomic_load_explicit(&d->stats.pending, memory_order_relaxed));
	for (unsigned i = 0; i < dd->nthreads; i++) {
		struct sync_thread *t = atomic_load_explicit(&dd->threads[i], memory_order_acquire);
		int s;

		if (!t) {
			fprintf(out, "  thread %u: not attached\n", i);
			continue;
		}
		s = atomic_load_explicit(&((struct urcu_qsbr_thread *)t)->state, memory_order_relaxed);
		fprintf(out, "  thread %u: %s, waiting for %s\n", i, (s >= 0 && s <= 2) ? what[s] : "?",
			sync_wait_kind_name(atomic_load_explicit(&t->wait_kind, memory_order_relaxed)));
	}
}

static void uq_summary(struct sync_domain *dd, FILE *out)
{
	struct urcu_qsbr_domain *d = uq_dom(dd);

	sync_stats_summary(&d->stats, dd->reclaim, out);
}

const struct sync_ops sync_urcu_qsbr = {
	.name = "urcu_qsbr",
	.family = "grace",
	.origin = "liburcu 0.13 QSBR flavor (Debian liburcu-dev), Desnoyers et al. TPDS 2012",
	.max_threads = 0,
	.caps = SYNC_CAP_SYNCHRONIZE | SYNC_CAP_DEFER,
	.counted = 0, /* everything happens inside liburcu: not counted */
	.domain_create = uq_domain_create,
	.domain_destroy = uq_domain_destroy,
	.thread_alloc = uq_thread_alloc,
	.thread_init = uq_thread_init,
	.thread_deinit = uq_thread_deinit,
	.thread_free = sync_thread_delete,
	.poll_enter = uq_poll_enter,
	.poll_leave = uq_poll_leave,
	.loop_iter = uq_loop_iter,
	.synchronize = uq_synchronize,
	.defer_free = uq_defer_free,
	.barrier = uq_barrier,
	.dump = uq_dump,
	.summary = uq_summary,
};

static int uq_domain_create(const struct sync_params *p, struct sync_domain **out,
			    char *err, size_t errlen)
{
	struct urcu_qsbr_domain *d;

	if (sync_check_params(&sync_urcu_qsbr, p, err, errlen))
		return -1;
	d = aligned_alloc(SYNC_CACHELINE, sizeof(*d));
	if (d)
		memset(d, 0, sizeof(*d));
	if (!d || sync_domain_init(&d->base, &sync_urcu_qsbr, p)) {
		free(d);
		snprintf(err, errlen, "urcu_qsbr: out of memory");
		return -1;
	}
	*out = &d->base;
	return 0;
}
