/*
 * urcu_signal.c - the poll loop through Debian's liburcu 0.13, signal flavor
 * (//system:urcu_signal). Origin: Desnoyers et al., "User-Level
 * Implementations of Read-Copy Update" (IEEE TPDS 2012), section "signal-based
 * RCU": readers carry compiler barriers only, and the writer turns them into
 * full fences by making every registered thread run a signal handler that
 * executes one.
 *
 * Mapping of the interface onto the library (all calls on the owning thread):
 *   thread_init   urcu_signal_register_thread()
 *   thread_deinit urcu_signal_unregister_thread()
 *   read_begin    urcu_signal_read_lock()     TLS counter store, compiler barrier
 *   read_end      urcu_signal_read_unlock()
 *   poll hooks, loop_iter: none (outside a read section a thread is quiescent)
 *   synchronize   urcu_signal_synchronize_rcu()
 *   defer_free    urcu_signal_call_rcu()      run by liburcu's call_rcu thread
 *   barrier       urcu_signal_barrier()       (rcu_barrier)
 *
 * What a grace period costs the other threads (liburcu 0.13.2, src/urcu.c,
 * built with RCU_SIGNAL): every "master barrier" (smp_mb_master ->
 * force_mb_all_readers) sets need_mb in every registered thread's reader
 * record and sends it SIGRCU (SIGUSR1) with pthread_kill, the writer itself
 * and sleeping threads included, then waits for each handler to clear need_mb,
 * re-sending the signal and sleeping 1 ms while it has not (standard signals
 * do not queue: a re-send to a thread whose signal is still pending adds
 * nothing). synchronize_rcu runs two master barriers when no reader is late:
 *   1. before the first wait_for_readers (readers must see the new pointer
 *      before they see the parity flip),
 *   2. after the second one (the readers' last loads of the old version are
 *      ordered before the caller frees it),
 * plus two more per round (one before sleeping on the futex, one when the
 * round ends) once a late reader kept it waiting past 100 active attempts.
 * So each other registered thread takes at least 2 signals per grace period.
 * A thread sleeping in epoll_wait is woken by each one: epoll_wait is never
 * restarted after a signal handler (SA_RESTART does not apply to it) and
 * returns EINTR; the thread then loops and sleeps again. Towards sleepers this
 * flavor behaves like wake_all, with about twice the wakeups. The strategy
 * says so with SYNC_CAP_INTERRUPTS_SLEEPERS: the interruptions are not
 * wake_fd wakeups (no SYNC_CAP_WAKES_SLEEPERS), they arrive as EINTR, which a
 * harness must count as caused by the strategy. Other blocking calls of the
 * loop restart (liburcu installs the handler with SA_RESTART) or, like
 * clock_nanosleep, must retry on EINTR.
 *
 * Invariant (liburcu's): a reader that the master barrier found outside a
 * section, or in the current parity, cannot hold the old pointer, because the
 * handler's fence orders its counter store against its section's loads.
 *
 * Deliberate break (urcu_signal_broken_no_wait_test, must fail):
 * URCU_SIGNAL_BREAK_NO_WAIT returns from synchronize without a grace period.
 * (Unmarked read sections are not caught reliably here: a grace period's
 * signal round trips take milliseconds, far longer than a harness section,
 * so the old object is almost never still in use when it is freed.)
 *
 * Built with _LGPL_SOURCE (inlined read side). Deferred frees: one small node
 * per defer_free, counted here, as in urcu_memb.c. liburcu's state is
 * process-wide (one domain at a time per process), and so is its SIGUSR1
 * handler, installed by the library's constructor in every binary that links
 * this file. Tests are no_tsan (TSAN cannot see liburcu's atomics).
 */
#define _LGPL_SOURCE
#include <urcu/urcu-signal.h>

#include "strategies/sync.h"

#include <stdlib.h>
#include <string.h>

struct urcu_signal_domain {
	struct sync_domain base;
	/* Statistics; relaxed, they order nothing (callbacks run on liburcu's thread). */
	struct sync_reclaim_stats stats SYNC_ALIGNED;
};

struct urcu_signal_thread {
	struct sync_thread base;
	/* Owner only: a defer_free was made since the last barrier. */
	int deferred;
	/* Written by the owner, read by dump(): enum below. */
	_Atomic int state;
};

struct urcu_signal_node {
	struct rcu_head head;
	void *p;
	void (*fn)(void *);
	struct urcu_signal_domain *d;
};

enum { USIG_UNREGISTERED = 0, USIG_REGISTERED, USIG_READING };

static int usig_domain_create(const struct sync_params *p, struct sync_domain **out,
			     char *err, size_t errlen);

static struct urcu_signal_domain *usig_dom(struct sync_domain *d)
{
	return (struct urcu_signal_domain *)d;
}

static void usig_domain_destroy(struct sync_domain *d)
{
	/* No callback may still point at d (every updater ran barrier()). */
	sync_domain_fini(d);
	free(d);
}

static int usig_thread_alloc(struct sync_domain *d, unsigned tid, struct sync_thread **out,
			    char *err, size_t errlen)
{
	struct urcu_signal_thread *t = sync_thread_new(d, tid, sizeof(*t), err, errlen);

	if (!t)
		return -1;
	atomic_init(&t->state, USIG_UNREGISTERED);
	*out = &t->base;
	return 0;
}

static void usig_set_state(struct sync_thread *t, int s)
{
	/* Relaxed: only dump() reads it. */
	atomic_store_explicit(&((struct urcu_signal_thread *)t)->state, s, memory_order_relaxed);
}

static int usig_thread_init(struct sync_thread *t, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	urcu_signal_register_thread();
	usig_set_state(t, USIG_REGISTERED);
	return 0;
}

static void usig_barrier(struct sync_thread *t);

static void usig_thread_deinit(struct sync_thread *t)
{
	/*
	 * Nothing a thread deferred may outlive it: domain_destroy, which
	 * may follow at once, does not wait for the call_rcu thread.
	 */
	if (((struct urcu_signal_thread *)t)->deferred)
		usig_barrier(t);
	urcu_signal_unregister_thread();
	usig_set_state(t, USIG_UNREGISTERED);
}

static void usig_read_begin(struct sync_thread *t)
{
	(void)t;
	urcu_signal_read_lock();
}

static void usig_read_end(struct sync_thread *t)
{
	(void)t;
	urcu_signal_read_unlock();
}

static void usig_synchronize(struct sync_thread *t)
{
	sync_stats_synchronize(&usig_dom(t->dom)->stats);
	sync_wait_begin(t, SYNC_WAIT_GRACE);
#ifndef URCU_SIGNAL_BREAK_NO_WAIT
	urcu_signal_synchronize_rcu();
#endif
	sync_wait_end(t);
}

static void usig_free_node(struct rcu_head *head)
{
	struct urcu_signal_node *n = caa_container_of(head, struct urcu_signal_node, head);

	n->fn(n->p);
	sync_stats_freed(&n->d->stats, 1);
	free(n);
}

static void usig_defer_free(struct sync_thread *t, void *p, void (*fn)(void *))
{
	struct urcu_signal_domain *d = usig_dom(t->dom);
	struct urcu_signal_node *n = malloc(sizeof(*n));

	if (!n) {
		/* No memory for the node: reclaim synchronously instead. */
		usig_synchronize(t);
		fn(p);
		return;
	}
	n->p = p;
	n->fn = fn;
	n->d = d;
	sync_stats_deferred(&d->stats);
	urcu_signal_call_rcu(&n->head, usig_free_node);
	((struct urcu_signal_thread *)t)->deferred = 1;
}

static void usig_barrier(struct sync_thread *t)
{
	sync_wait_begin(t, SYNC_WAIT_DEFER);
	urcu_signal_barrier();
	sync_wait_end(t);
	((struct urcu_signal_thread *)t)->deferred = 0;
}

static void usig_dump(struct sync_domain *dd, FILE *out)
{
	static const char *const what[] = { "unregistered", "registered", "reading" };
	struct urcu_signal_domain *d = usig_dom(dd);

	fprintf(out, "urcu_signal: liburcu gp ctr %#lx, %llu synchronize calls, %llu pending\n",
		(unsigned long)CMM_LOAD_SHARED(urcu_signal_gp.ctr),
		(unsigned long long)atomic_load_explicit(&d->stats.sync_calls, memory_order_relaxed),
		(unsigned long long)atomic_load_explicit(&d->stats.pending, memory_order_relaxed));
	for (unsigned i = 0; i < dd->nthreads; i++) {
		struct sync_thread *t = atomic_load_explicit(&dd->threads[i], memory_order_acquire);
		int s;

		if (!t) {
			fprintf(out, "  thread %u: not attached\n", i);
			continue;
		}
		s = atomic_load_explicit(&((struct urcu_signal_thread *)t)->state, memory_order_relaxed);
		fprintf(out, "  thread %u: %s, waiting for %s\n", i, (s >= 0 && s <= 2) ? what[s] : "?",
			sync_wait_kind_name(atomic_load_explicit(&t->wait_kind, memory_order_relaxed)));
	}
}

static void usig_summary(struct sync_domain *dd, FILE *out)
{
	sync_stats_summary(&usig_dom(dd)->stats, dd->reclaim, out);
}

const struct sync_ops sync_urcu_signal = {
	.name = "urcu_signal",
	.family = "grace",
	.origin = "liburcu 0.13 signal flavor (Debian liburcu-dev): SIGUSR1 to every registered thread, "
		  "sleepers included (EINTR), at least twice per grace period; Desnoyers et al. TPDS 2012",
	.max_threads = 0,
	.caps = SYNC_CAP_SYNCHRONIZE | SYNC_CAP_DEFER | SYNC_CAP_INTERRUPTS_SLEEPERS,
	.domain_create = usig_domain_create,
	.domain_destroy = usig_domain_destroy,
	.thread_alloc = usig_thread_alloc,
	.thread_init = usig_thread_init,
	.thread_deinit = usig_thread_deinit,
	.thread_free = sync_thread_delete,
	.read_begin = usig_read_begin,
	.read_end = usig_read_end,
	.synchronize = usig_synchronize,
	.defer_free = usig_defer_free,
	.barrier = usig_barrier,
	.dump = usig_dump,
	.summary = usig_summary,
};

static int usig_domain_create(const struct sync_params *p, struct sync_domain **out,
			     char *err, size_t errlen)
{
	struct urcu_signal_domain *d;

	if (sync_check_params(&sync_urcu_signal, p, err, errlen))
		return -1;
	d = aligned_alloc(SYNC_CACHELINE, sizeof(*d));
	if (d)
		memset(d, 0, sizeof(*d));
	if (!d || sync_domain_init(&d->base, &sync_urcu_signal, p)) {
		free(d);
		snprintf(err, errlen, "urcu_signal: out of memory");
		return -1;
	}
	*out = &d->base;
	return 0;
}
