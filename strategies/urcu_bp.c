/*
 * urcu_bp.c - the poll loop through Debian's liburcu 0.13, bp ("bulletproof")
 * flavor (//system:urcu_bp). Origin: Desnoyers et al., "User-Level
 * Implementations of Read-Copy Update" (IEEE TPDS 2012); the flavor meant for
 * libraries that cannot control their callers' threads: a thread registers
 * itself lazily on its first read_lock and is unregistered when it exits.
 *
 * Mapping of the interface onto the library (all calls on the owning thread):
 *   thread_init   urcu_bp_register_thread()  forces the registration the first
 *                 read_lock would do, so that its cost (a slot from a shared,
 *                 mmap'd arena, under a lock) is not measured as a read
 *   thread_deinit nothing: urcu_bp_unregister_thread() is a no-op; the slot is
 *                 returned by a thread-exit destructor
 *   read_begin    urcu_bp_read_lock()     registration check + TLS counter store
 *                 + a compiler barrier (a full fence without membarrier)
 *   read_end      urcu_bp_read_unlock()
 *   poll hooks, loop_iter: none (outside a read section a thread is quiescent)
 *   synchronize   urcu_bp_synchronize_rcu()  membarrier(PRIVATE_EXPEDITED)
 *                 orders the readers, as in urcu_memb; it blocks every
 *                 signal while it holds the registry lock (a reader may
 *                 register from a signal handler)
 *   defer_free    urcu_bp_call_rcu()          run by liburcu's call_rcu thread
 *   barrier       urcu_bp_barrier()           (rcu_barrier)
 *
 * Invariant: the memb flavor's (see urcu_memb.c): the readers' compiler
 * barriers become full fences because the writer's membarrier() interrupts
 * every CPU running one of this process's threads at that moment; a sleeping
 * thread runs on no CPU and is not interrupted, and it is outside any read
 * section. Without membarrier liburcu falls back to full fences on the read
 * side (urcu_bp_has_sys_membarrier == 0): summary() says which ("membarrier
 * private_expedited" or "membarrier fence_fallback") and the fallback is
 * announced once on stderr.
 *
 * Deliberate break (urcu_bp_broken_no_read_lock_test, must fail):
 * URCU_BP_BREAK_NO_READ_LOCK leaves read sections unmarked.
 *
 * Built with _LGPL_SOURCE (inlined read side). Deferred frees: one small node
 * per defer_free, counted here, as in urcu_memb.c. liburcu's state is
 * process-wide: one domain at a time per process. Tests are no_tsan.
 */
#define _LGPL_SOURCE
#include <urcu/urcu-bp.h>

#include "strategies/sync.h"

#include <stdlib.h>
#include <string.h>

struct urcu_bp_domain {
	struct sync_domain base;
	const char *membarrier_mode; /* set once by domain_create */
	/* Statistics; relaxed, they order nothing (callbacks run on liburcu's thread). */
	struct sync_reclaim_stats stats SYNC_ALIGNED;
};

struct urcu_bp_thread {
	struct sync_thread base;
	/* Owner only: a defer_free was made since the last barrier. */
	int deferred;
	/* Written by the owner, read by dump(): enum below. */
	_Atomic int state;
};

struct urcu_bp_node {
	struct rcu_head head;
	void *p;
	void (*fn)(void *);
	struct urcu_bp_domain *d;
};

enum { UBP_UNREGISTERED = 0, UBP_REGISTERED };

static int ubp_domain_create(const struct sync_params *p, struct sync_domain **out,
			     char *err, size_t errlen);

static struct urcu_bp_domain *ubp_dom(struct sync_domain *d)
{
	return (struct urcu_bp_domain *)d;
}

static void ubp_domain_destroy(struct sync_domain *d)
{
	/* No callback may still point at d (every updater ran barrier()). */
	sync_domain_fini(d);
	free(d);
}

static int ubp_thread_alloc(struct sync_domain *d, unsigned tid, struct sync_thread **out,
			    char *err, size_t errlen)
{
	struct urcu_bp_thread *t = sync_thread_new(d, tid, sizeof(*t), err, errlen);

	if (!t)
		return -1;
	atomic_init(&t->state, UBP_UNREGISTERED);
	*out = &t->base;
	return 0;
}

static void ubp_set_state(struct sync_thread *t, int s)
{
	/* Relaxed: only dump() reads it. */
	atomic_store_explicit(&((struct urcu_bp_thread *)t)->state, s, memory_order_relaxed);
}

static int ubp_thread_init(struct sync_thread *t, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	urcu_bp_register_thread();
	ubp_set_state(t, UBP_REGISTERED);
	return 0;
}

static void ubp_barrier(struct sync_thread *t);

static void ubp_thread_deinit(struct sync_thread *t)
{
	/*
	 * Nothing a thread deferred may outlive it: domain_destroy, which
	 * may follow at once, does not wait for the call_rcu thread.
	 */
	if (((struct urcu_bp_thread *)t)->deferred)
		ubp_barrier(t);
	/* The library keeps the slot until the thread exits; dump() says so. */
	ubp_set_state(t, UBP_UNREGISTERED);
}

static void ubp_read_begin(struct sync_thread *t)
{
	(void)t;
#ifndef URCU_BP_BREAK_NO_READ_LOCK
	urcu_bp_read_lock();
#endif
}

static void ubp_read_end(struct sync_thread *t)
{
	(void)t;
#ifndef URCU_BP_BREAK_NO_READ_LOCK
	urcu_bp_read_unlock();
#endif
}

static void ubp_synchronize(struct sync_thread *t)
{
	sync_stats_synchronize(&ubp_dom(t->dom)->stats);
	sync_wait_begin(t, SYNC_WAIT_GRACE);
	urcu_bp_synchronize_rcu();
	sync_wait_end(t);
}

static void ubp_free_node(struct rcu_head *head)
{
	struct urcu_bp_node *n = caa_container_of(head, struct urcu_bp_node, head);

	n->fn(n->p);
	sync_stats_freed(&n->d->stats, 1);
	free(n);
}

static void ubp_defer_free(struct sync_thread *t, void *p, void (*fn)(void *))
{
	struct urcu_bp_domain *d = ubp_dom(t->dom);
	struct urcu_bp_node *n = malloc(sizeof(*n));

	if (!n) {
		/* No memory for the node: reclaim synchronously instead. */
		ubp_synchronize(t);
		fn(p);
		return;
	}
	n->p = p;
	n->fn = fn;
	n->d = d;
	sync_stats_deferred(&d->stats);
	urcu_bp_call_rcu(&n->head, ubp_free_node);
	((struct urcu_bp_thread *)t)->deferred = 1;
}

static void ubp_barrier(struct sync_thread *t)
{
	sync_wait_begin(t, SYNC_WAIT_DEFER);
	urcu_bp_barrier();
	sync_wait_end(t);
	((struct urcu_bp_thread *)t)->deferred = 0;
}

static void ubp_dump(struct sync_domain *dd, FILE *out)
{
	static const char *const what[] = { "deinit (slot kept until exit)", "registered" };
	struct urcu_bp_domain *d = ubp_dom(dd);

	fprintf(out, "urcu_bp: membarrier %s, liburcu gp ctr %#lx, %llu synchronize calls, %llu pending\n",
		d->membarrier_mode, (unsigned long)CMM_LOAD_SHARED(urcu_bp_gp.ctr),
		(unsigned long long)atomic_load_explicit(&d->stats.sync_calls, memory_order_relaxed),
		(unsigned long long)atomic_load_explicit(&d->stats.pending, memory_order_relaxed));
	for (unsigned i = 0; i < dd->nthreads; i++) {
		struct sync_thread *t = atomic_load_explicit(&dd->threads[i], memory_order_acquire);
		int s;

		if (!t) {
			fprintf(out, "  thread %u: not attached\n", i);
			continue;
		}
		s = atomic_load_explicit(&((struct urcu_bp_thread *)t)->state, memory_order_relaxed);
		fprintf(out, "  thread %u: %s, waiting for %s\n", i, (s >= 0 && s <= 1) ? what[s] : "?",
			sync_wait_kind_name(atomic_load_explicit(&t->wait_kind, memory_order_relaxed)));
	}
}

static void ubp_summary(struct sync_domain *dd, FILE *out)
{
	struct urcu_bp_domain *d = ubp_dom(dd);

	fprintf(out, "membarrier %s ", d->membarrier_mode);
	sync_stats_summary(&d->stats, dd->reclaim, out);
}

const struct sync_ops sync_urcu_bp = {
	.name = "urcu_bp",
	.family = "grace",
	.origin = "liburcu 0.13 bp flavor (Debian liburcu-dev): lazily registered readers, membarrier(2), "
		  "Desnoyers et al. TPDS 2012",
	.max_threads = 0,
	.caps = SYNC_CAP_SYNCHRONIZE | SYNC_CAP_DEFER,
	.domain_create = ubp_domain_create,
	.domain_destroy = ubp_domain_destroy,
	.thread_alloc = ubp_thread_alloc,
	.thread_init = ubp_thread_init,
	.thread_deinit = ubp_thread_deinit,
	.thread_free = sync_thread_delete,
	.read_begin = ubp_read_begin,
	.read_end = ubp_read_end,
	.synchronize = ubp_synchronize,
	.defer_free = ubp_defer_free,
	.barrier = ubp_barrier,
	.dump = ubp_dump,
	.summary = ubp_summary,
};

static int ubp_domain_create(const struct sync_params *p, struct sync_domain **out,
			     char *err, size_t errlen)
{
	static _Atomic int warned;
	struct urcu_bp_domain *d;

	if (sync_check_params(&sync_urcu_bp, p, err, errlen))
		return -1;
	d = aligned_alloc(SYNC_CACHELINE, sizeof(*d));
	if (d)
		memset(d, 0, sizeof(*d));
	if (!d || sync_domain_init(&d->base, &sync_urcu_bp, p)) {
		free(d);
		snprintf(err, errlen, "urcu_bp: out of memory");
		return -1;
	}
	/*
	 * bp decides in its constructor: private expedited membarrier when the
	 * kernel registers the process for it, else fences on the read side
	 * (it has no MEMBARRIER_CMD_SHARED mode).
	 */
	d->membarrier_mode = urcu_bp_has_sys_membarrier ? "private_expedited" : "fence_fallback";
	if (!urcu_bp_has_sys_membarrier && !atomic_exchange(&warned, 1))
		fprintf(stderr, "urcu_bp: liburcu is NOT using membarrier here (fence_fallback): "
			"these results measure a fallback\n");
	*out = &d->base;
	return 0;
}
