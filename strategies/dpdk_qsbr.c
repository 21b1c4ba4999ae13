/*
 * dpdk_qsbr.c - the poll loop through DPDK 22.11's rte_rcu_qsbr (Debian
 * librte-rcu23, headers in libdpdk-dev; //system:dpdk_rcu). Origin: DPDK's
 * RCU library (Honnappa Nagarahalli, DPDK 19.05), QSBR made for poll-mode
 * loops: threads register, report a quiescent state once per loop, go
 * offline around blocking; the writer takes a token and checks it.
 *
 * Mapping of the interface onto the library (thread id = our tid):
 *   domain_create  rte_rcu_qsbr_get_memsize(N) bytes from aligned_alloc,
 *                  rte_rcu_qsbr_init(v, N): no EAL, no rte_malloc
 *   thread_init    rte_rcu_qsbr_thread_register + _thread_online
 *   thread_deinit  rte_rcu_qsbr_thread_offline + _thread_unregister
 *   poll_enter     rte_rcu_qsbr_thread_offline   (a sleeper is never waited for)
 *   poll_leave     rte_rcu_qsbr_thread_online    (store the token, then a
 *                  full fence before any read: the library's own order)
 *   loop_iter      rte_rcu_qsbr_quiescent        (a release store of the token)
 *   read_begin/end none (rte_rcu_qsbr_lock/unlock exist only in DPDK's
 *                  debug builds)
 *   synchronize    offline, rte_rcu_qsbr_synchronize(v, RTE_QSBR_THRID_INVALID),
 *                  online. The library's rule: of several threads calling
 *                  synchronize on one variable, at most one may report
 *                  quiescent states on it (two registered callers that are
 *                  online each wait for the other's next report: a
 *                  deadlock). Going offline first (as our qsbr's callers do)
 *                  makes every caller a non-reporting one, so any number may
 *                  call it at once.
 *
 * Invariant (the library's): rte_rcu_qsbr_start bumps the token (a seq_cst
 * fetch-add after the caller's unpublish); rte_rcu_qsbr_check waits until
 * every online thread's counter reached it; an offline thread's counter is 0
 * and skipped; going online stores the current token and issues a full
 * fence before the thread reads. The writer spins (rte_pause) in check: it
 * never sleeps and wakes nobody.
 *
 * Deferred reclamation: DPDK's defer queue (rte_rcu_qsbr_dq_create) takes
 * its memory from rte_zmalloc and its ring from rte_ring_create, both of
 * which need the EAL: without rte_eal_init it fails with ENOMEM (checked on
 * this machine; with rte_eal_init("--no-huge --no-pci -m 64 -l 0") it works).
 * The suite does not initialise DPDK's EAL (it would claim memory and a core
 * list for the whole process), so this strategy offers synchronous
 * reclamation only.
 *
 * Deliberate break (dpdk_qsbr_broken_no_online_test, must fail):
 * DPDK_QSBR_BREAK_NO_ONLINE makes poll_leave leave the thread offline, so
 * its reads after the first poll are not waited for.
 */
#include <rte_rcu_qsbr.h>

#include "strategies/sync.h"

#include <stdlib.h>
#include <string.h>

struct dpdk_qsbr_domain {
	struct sync_domain base;
	struct rte_rcu_qsbr *v; /* the library's variable, sized for nthreads */
	struct sync_reclaim_stats stats SYNC_ALIGNED;
};

SYNC_DEFINE_DOMAIN_CAST(dq_dom, struct dpdk_qsbr_domain)

static struct rte_rcu_qsbr *dq_v(struct sync_thread *t)
{
	return dq_dom(t->dom)->v;
}

static void dq_domain_destroy(struct sync_domain *d)
{
	free(dq_dom(d)->v);
	sync_domain_delete(d);
}

SYNC_DEFINE_THREAD_ALLOC(dq_thread_alloc, struct sync_thread)

static int dq_thread_init(struct sync_thread *t, char *err, size_t errlen)
{
	if (rte_rcu_qsbr_thread_register(dq_v(t), t->tid)) {
		snprintf(err, errlen, "dpdk_qsbr: rte_rcu_qsbr_thread_register(%u) failed", t->tid);
		return -1;
	}
	rte_rcu_qsbr_thread_online(dq_v(t), t->tid);
	return 0;
}

static void dq_thread_deinit(struct sync_thread *t)
{
	rte_rcu_qsbr_thread_offline(dq_v(t), t->tid);
	rte_rcu_qsbr_thread_unregister(dq_v(t), t->tid);
}

static void dq_poll_enter(struct sync_thread *t)
{
	rte_rcu_qsbr_thread_offline(dq_v(t), t->tid);
}

static void dq_poll_leave(struct sync_thread *t)
{
#ifndef DPDK_QSBR_BREAK_NO_ONLINE
	rte_rcu_qsbr_thread_online(dq_v(t), t->tid);
#else
	(void)t;
#endif
}

static void dq_loop_iter(struct sync_thread *t)
{
	rte_rcu_qsbr_quiescent(dq_v(t), t->tid);
}

static void dq_synchronize(struct sync_thread *t)
{
	struct rte_rcu_qsbr *v = dq_v(t);

	sync_stats_synchronize(&dq_dom(t->dom)->stats);
	/* Offline: see the note (concurrent callers; a caller holds no reference). */
	rte_rcu_qsbr_thread_offline(v, t->tid);
	sync_wait_begin(t, SYNC_WAIT_GRACE);
	rte_rcu_qsbr_synchronize(v, RTE_QSBR_THRID_INVALID);
	sync_wait_end(t);
	rte_rcu_qsbr_thread_online(v, t->tid);
}

static void dq_dump(struct sync_domain *dd, FILE *out)
{
	struct dpdk_qsbr_domain *d = dq_dom(dd);

	fprintf(out, "dpdk_qsbr: %llu synchronize calls; the library's view:\n",
		(unsigned long long)atomic_load_explicit(&d->stats.sync_calls, memory_order_relaxed));
	/* Reads only; the library calls it not thread safe against (un)registering. */
	rte_rcu_qsbr_dump(out, d->v);
	for (unsigned i = 0; i < dd->nthreads; i++) {
		struct sync_thread *t = atomic_load_explicit(&dd->threads[i], memory_order_acquire);

		fprintf(out, "  thread %u: %s, waiting for %s\n", i, t ? "attached" : "not attached",
			t ? sync_wait_kind_name(atomic_load_explicit(&t->wait_kind, memory_order_relaxed)) : "-");
	}
}

static void dq_summary(struct sync_domain *dd, FILE *out)
{
	fprintf(out, "eal none ");
	sync_stats_summary(&dq_dom(dd)->stats, dd->reclaim, out);
}

static int dq_domain_init(struct dpdk_qsbr_domain *d, char *err, size_t errlen)
{
	size_t bytes = rte_rcu_qsbr_get_memsize(d->base.nthreads);

	bytes = (bytes + RTE_CACHE_LINE_SIZE - 1) / RTE_CACHE_LINE_SIZE * RTE_CACHE_LINE_SIZE;
	d->v = aligned_alloc(RTE_CACHE_LINE_SIZE, bytes);
	if (!d->v || rte_rcu_qsbr_init(d->v, d->base.nthreads)) {
		free(d->v);
		snprintf(err, errlen, "dpdk_qsbr: rte_rcu_qsbr_init for %u threads failed",
			 d->base.nthreads);
		return -1;
	}
	return 0;
}

SYNC_DEFINE_DOMAIN_CREATE_CHECKED(dq_domain_create, dpdk_qsbr, struct dpdk_qsbr_domain,
				  dq_domain_init)

SYNC_DEFINE_OPS(dpdk_qsbr, "grace", SYNC_CAP_SYNCHRONIZE, dq,
	(domain_create, domain_destroy, thread_alloc, thread_init, thread_deinit, poll_enter,
	 poll_leave, loop_iter, synchronize, dump, summary),
	.origin = "DPDK 22.11 rte_rcu_qsbr (Debian librte-rcu23, libdpdk-dev), without the EAL: sync mode "
		  "only (the defer queue needs the EAL)",
	.max_threads = 0);
