/*
 * urcu_memb.c - the poll loop through Debian's liburcu 0.13, memb flavor (the
 * library's default flavor, //system:urcu_memb). Origin: Desnoyers et al.,
 * "User-Level Implementations of Read-Copy Update" (IEEE TPDS 2012), with the
 * membarrier system call (Linux 4.3; private expedited mode, Linux 4.14).
 *
 * Mapping of the interface onto the library (all calls on the owning thread):
 *   thread_init   urcu_memb_register_thread()
 *   thread_deinit urcu_memb_unregister_thread()
 *   read_begin    urcu_memb_read_lock()     a TLS counter store, compiler barrier only
 *   read_end      urcu_memb_read_unlock()
 *   poll hooks, loop_iter: no-ops (outside a read section a thread is quiescent)
 *   synchronize   urcu_memb_synchronize_rcu()  membarrier() orders the readers
 *   defer_free    urcu_memb_call_rcu()         run by liburcu's call_rcu thread
 *   barrier       urcu_memb_barrier()          (rcu_barrier)
 * Built with _LGPL_SOURCE (as liburcu's own benchmarks are): read_lock and
 * read_unlock are inlined from the library's headers.
 *
 * Which membarrier mode? liburcu decides once, at init: if the kernel offers
 * MEMBARRIER_CMD_PRIVATE_EXPEDITED it registers the process for it and uses
 * it (interrupts only CPUs running this process's threads); else if it offers
 * MEMBARRIER_CMD_SHARED (= GLOBAL) it uses that (waits for every CPU of the
 * machine to schedule: milliseconds); else it falls back to full fences on
 * the read side. 0.13 exports only urcu_memb_has_sys_membarrier (1 in both
 * membarrier cases), so domain_create tells them apart itself:
 * has_sys_membarrier, the kernel's MEMBARRIER_CMD_QUERY mask, and a
 * MEMBARRIER_CMD_PRIVATE_EXPEDITED call (which fails with EPERM unless the
 * process registered). summary() says "membarrier private_expedited",
 * "membarrier shared_fallback" or "membarrier fence_fallback"; the two
 * fallbacks are also announced once on stderr, never measured silently.
 *
 * Deferred frees: as in urcu_qsbr.c, one small node {rcu_head, p, fn} per
 * defer_free (the interface gives a bare pointer); pending objects and their
 * peak are counted here. liburcu's state is process-wide: one domain at a
 * time per process. Tests are no_tsan (TSAN cannot see liburcu's atomics).
 */
#define _LGPL_SOURCE
#include <urcu/urcu-memb.h>

#include "strategies/sync.h"

#include <errno.h>
#include <linux/membarrier.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

struct urcu_memb_domain {
	struct sync_domain base;
	const char *membarrier_mode; /* set once by domain_create */
	/* Statistics; relaxed, they order nothing (callbacks run on liburcu's thread). */
	struct sync_reclaim_stats stats SYNC_ALIGNED;
};

struct urcu_memb_thread {
	struct sync_thread base;
	/* Owner only: a defer_free was made since the last barrier. */
	int deferred;
	/* Written by the owner, read by dump(): 0 unregistered, 1 registered, 2 reading. */
	_Atomic int state;
};

struct urcu_memb_node {
	struct rcu_head head;
	void *p;
	void (*fn)(void *);
	struct urcu_memb_domain *d;
};

enum { UM_UNREGISTERED = 0, UM_REGISTERED, UM_READING };

static int um_domain_create(const struct sync_params *p, struct sync_domain **out,
			    char *err, size_t errlen);

static struct urcu_memb_domain *um_dom(struct sync_domain *d)
{
	return (struct urcu_memb_domain *)d;
}

/* Which mode liburcu chose at init (see the note above). */
static const char *um_membarrier_mode(void)
{
	long mask;

	urcu_memb_init(); /* idempotent; the library's constructor already ran it */
	if (!urcu_memb_has_sys_membarrier)
		return "fence_fallback";
	mask = syscall(__NR_membarrier, MEMBARRIER_CMD_QUERY, 0);
	if (mask >= 0 && (mask & MEMBARRIER_CMD_PRIVATE_EXPEDITED) &&
	    syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0) == 0)
		return "private_expedited";
	return "shared_fallback";
}

static void um_domain_destroy(struct sync_domain *d)
{
	/* No callback may still point at d (every updater ran barrier()). */
	sync_domain_fini(d);
	free(d);
}

static int um_thread_alloc(struct sync_domain *d, unsigned tid, struct sync_thread **out,
			   char *err, size_t errlen)
{
	struct urcu_memb_thread *t = sync_thread_new(d, tid, sizeof(*t), err, errlen);

	if (!t)
		return -1;
	atomic_init(&t->state, UM_UNREGISTERED);
	*out = &t->base;
	return 0;
}

static void um_set_state(struct sync_thread *t, int s)
{
	/* Relaxed: only dump() reads it. */
	atomic_store_explicit(&((struct urcu_memb_thread *)t)->state, s, memory_order_relaxed);
}

static int um_thread_init(struct sync_thread *t, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	urcu_memb_register_thread();
	um_set_state(t, UM_REGISTERED);
	return 0;
}

static void um_barrier(struct sync_thread *t);

static void um_thread_deinit(struct sync_thread *t)
{
	/*
	 * Nothing a thread deferred may outlive it: domain_destroy, which
	 * may follow at once, does not wait for the call_rcu thread.
	 */
	if (((struct urcu_memb_thread *)t)->deferred)
		um_barrier(t);
	urcu_memb_unregister_thread();
	um_set_state(t, UM_UNREGISTERED);
}

static void um_read_begin(struct sync_thread *t)
{
	(void)t;
#ifndef URCU_MEMB_BREAK_NO_SECTION
	urcu_memb_read_lock();
#endif /* else broken on purpose: sections are not announced */
}

static void um_read_end(struct sync_thread *t)
{
	(void)t;
#ifndef URCU_MEMB_BREAK_NO_SECTION
	urcu_memb_read_unlock();
#endif
}

static void um_synchronize(struct sync_thread *t)
{
	sync_stats_synchronize(&um_dom(t->dom)->stats);
	sync_wait_begin(t, SYNC_WAIT_GRACE);
	urcu_memb_synchronize_rcu();
	sync_wait_end(t);
}

static void um_free_node(struct rcu_head *head)
{
	struct urcu_memb_node *n = caa_container_of(head, struct urcu_memb_node, head);

	n->fn(n->p);
	sync_stats_freed(&n->d->stats, 1);
	free(n);
}

static void um_defer_free(struct sync_thread *t, void *p, void (*fn)(void *))
{
	struct urcu_memb_domain *d = um_dom(t->dom);
	struct urcu_memb_node *n = malloc(sizeof(*n));

	if (!n) {
		/* No memory for the node: reclaim synchronously instead. */
		um_synchronize(t);
		fn(p);
		return;
	}
	n->p = p;
	n->fn = fn;
	n->d = d;
	sync_stats_deferred(&d->stats);
	urcu_memb_call_rcu(&n->head, um_free_node);
	((struct urcu_memb_thread *)t)->deferred = 1;
}

static void um_barrier(struct sync_thread *t)
{
	sync_wait_begin(t, SYNC_WAIT_DEFER);
	urcu_memb_barrier();
	sync_wait_end(t);
	((struct urcu_memb_thread *)t)->deferred = 0;
}

static void um_dump(struct sync_domain *dd, FILE *out)
{
	static const char *const what[] = { "unregistered", "registered", "reading" };
	struct urcu_memb_domain *d = um_dom(dd);

	fprintf(out, "urcu_memb: membarrier %s, liburcu gp ctr %#lx, %llu synchronize calls, %llu pending\n",
		d->membarrier_mode, (unsigned long)CMM_LOAD_SHARED(urcu_memb_gp.ctr),
		(unsigned long long)atomic_load_explicit(&d->stats.sync_calls, memory_order_relaxed),
		(unsigned long long)atomic_load_explicit(&d->stats.pending, memory_order_relaxed));
	for (unsigned i = 0; i < dd->nthreads; i++) {
		struct sync_thread *t = atomic_load_explicit(&dd->threads[i], memory_order_acquire);
		int s;

		if (!t) {
			fprintf(out, "  thread %u: not attached\n", i);
			continue;
		}
		s = atomic_load_explicit(&((struct urcu_memb_thread *)t)->state, memory_order_relaxed);
		fprintf(out, "  thread %u: %s, waiting for %s\n", i, (s >= 0 && s <= 2) ? what[s] : "?",
			sync_wait_kind_name(atomic_load_explicit(&t->wait_kind, memory_order_relaxed)));
	}
}

static void um_summary(struct sync_domain *dd, FILE *out)
{
	struct urcu_memb_domain *d = um_dom(dd);

	fprintf(out, "membarrier %s ", d->membarrier_mode);
	sync_stats_summary(&d->stats, dd->reclaim, out);
}

const struct sync_ops sync_urcu_memb = {
	.name = "urcu_memb",
	.family = "grace",
	.origin = "liburcu 0.13 memb flavor (Debian liburcu-dev), membarrier(2), Desnoyers et al. TPDS 2012",
	.max_threads = 0,
	.caps = SYNC_CAP_SYNCHRONIZE | SYNC_CAP_DEFER,
	.counted = 0, /* everything happens inside liburcu: not counted */
	.domain_create = um_domain_create,
	.domain_destroy = um_domain_destroy,
	.thread_alloc = um_thread_alloc,
	.thread_init = um_thread_init,
	.thread_deinit = um_thread_deinit,
	.thread_free = sync_thread_delete,
	.read_begin = um_read_begin,
	.read_end = um_read_end,
	.synchronize = um_synchronize,
	.defer_free = um_defer_free,
	.barrier = um_barrier,
	.dump = um_dump,
	.summary = um_summary,
};

static int um_domain_create(const struct sync_params *p, struct sync_domain **out,
			    char *err, size_t errlen)
{
	static _Atomic int warned;
	struct urcu_memb_domain *d;

	if (sync_check_params(&sync_urcu_memb, p, err, errlen))
		return -1;
	d = aligned_alloc(SYNC_CACHELINE, sizeof(*d));
	if (d)
		memset(d, 0, sizeof(*d));
	if (!d || sync_domain_init(&d->base, &sync_urcu_memb, p)) {
		free(d);
		snprintf(err, errlen, "urcu_memb: out of memory");
		return -1;
	}
	d->membarrier_mode = um_membarrier_mode();
	if (strcmp(d->membarrier_mode, "private_expedited") != 0 && !atomic_exchange(&warned, 1))
		fprintf(stderr, "urcu_memb: liburcu is NOT using membarrier private expedited mode here (%s): "
			"these results measure a fallback\n", d->membarrier_mode);
	*out = &d->base;
	return 0;
}
