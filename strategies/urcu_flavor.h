/*
 * urcu_flavor.h - the one mapping of the interface onto a liburcu 0.13
 * flavor, instantiated once per flavor (urcu_qsbr.c, urcu_memb.c, urcu_mb.c,
 * urcu_bp.c, urcu_signal.c), as liburcu's own urcu/map/urcu-<flavor>.h and
 * DEFINE_RCU_FLAVOR build every flavor from one list, so that the five
 * wrappers cannot drift apart.
 *
 * A flavor's file defines, then includes this header after its liburcu
 * header (urcu/urcu-<flavor>.h, with _LGPL_SOURCE: the read side inlined):
 *   URCU_FLAVOR          the flavor's word: qsbr, memb, mb, bp or signal; the
 *                        strategy is urcu_<flavor>, its table sync_urcu_<flavor>,
 *                        every library call urcu_<flavor>_<call>
 *   URCU_FLAVOR_ORIGIN   the table's origin string
 * and, where the flavor needs them:
 *   URCU_FLAVOR_QSBR     quiescent-state flavor: no read hooks; poll_enter and
 *                        poll_leave take the thread offline and online,
 *                        loop_iter reports a quiescent state, barrier waits
 *                        offline
 *   URCU_FLAVOR_LAZY_REGISTRATION  the library unregisters a thread at its
 *                        exit, not on request (bp): thread_deinit only says so
 *   URCU_FLAVOR_MEMBARRIER  the file defines
 *                        `static const char *urcu_flavor_membarrier_mode(void)`
 *                        ("private_expedited", "shared_fallback",
 *                        "fence_fallback"); domain_create records it, dump and
 *                        summary report it ("membarrier <mode>"), a fallback
 *                        is announced once on stderr, never measured silently
 *   URCU_FLAVOR_CAPS     capabilities beyond synchronize and defer
 *                        (SYNC_CAP_INTERRUPTS_SLEEPERS for signal)
 *   URCU_FLAVOR_BREAK_NO_READ_LOCK, URCU_FLAVOR_BREAK_NO_WAIT  deliberate
 *                        breaks, defined by the flavor's file from its own
 *                        URCU_<FLAVOR>_BREAK_<WHAT> macro: read sections
 *                        unmarked; synchronize returns without a grace period
 *
 * Mapping (all calls on the owning thread):
 *   thread_init   urcu_<f>_register_thread()
 *   thread_deinit barrier() if the thread deferred since its last one, then
 *                 urcu_<f>_unregister_thread() (not with lazy registration)
 *   read_begin/end  urcu_<f>_read_lock()/read_unlock() (none for QSBR)
 *   poll_enter/leave, loop_iter  QSBR only: thread_offline()/thread_online(),
 *                 quiescent_state()
 *   synchronize   urcu_<f>_synchronize_rcu()
 *   defer_free    urcu_<f>_call_rcu() of a node {rcu_head, p, fn} (the
 *                 interface hands a bare pointer, call_rcu wants a head in
 *                 the object): one malloc per deferred object, counted
 *                 against the strategy; without memory for the node, a
 *                 synchronous grace period instead
 *   barrier       urcu_<f>_barrier() (rcu_barrier)
 *
 * Invariant kept here for every flavor: nothing a thread deferred outlives
 * it, because domain_destroy, which may follow at once, does not wait for
 * liburcu's call_rcu thread. liburcu's state is process-wide: one domain at
 * a time per process. synchronize and barrier are bracketed (SYNC_WAIT_GRACE,
 * SYNC_WAIT_DEFER) for the watchdog; the library's internal waits are not
 * otherwise visible.
 */
#ifndef URCU_FLAVOR_H
#define URCU_FLAVOR_H

#ifndef URCU_FLAVOR
#error "define URCU_FLAVOR (qsbr, memb, mb, bp or signal) before including urcu_flavor.h"
#endif
#ifndef URCU_FLAVOR_ORIGIN
#error "define URCU_FLAVOR_ORIGIN before including urcu_flavor.h"
#endif
#ifndef URCU_FLAVOR_CAPS
#define URCU_FLAVOR_CAPS 0u
#endif

#include "strategies/sync.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define URCU_PASTE_(a, b) a##b
#define URCU_PASTE(a, b) URCU_PASTE_(a, b)
#define URCU_STR_(x) #x
#define URCU_STR(x) URCU_STR_(x)
/* urcu_<flavor>_<call>: the library's name for a call. */
#define URCU_CALL(call) URCU_PASTE(URCU_PASTE(urcu_, URCU_FLAVOR), URCU_PASTE(_, call))
#define URCU_NAME "urcu_" URCU_STR(URCU_FLAVOR)
#define URCU_OPS URCU_PASTE(sync_urcu_, URCU_FLAVOR)

struct urcu_flavor_domain {
	struct sync_domain base;
#ifdef URCU_FLAVOR_MEMBARRIER
	const char *membarrier_mode; /* set once by domain_create */
#endif
	/* Statistics; relaxed, they order nothing (callbacks run on liburcu's thread). */
	struct sync_reclaim_stats stats SYNC_ALIGNED;
};

struct urcu_flavor_thread {
	struct sync_thread base;
	/* Owner only: a defer_free was made since the last barrier. */
	int deferred;
	/* Written by the owner, read by dump(): enum below. */
	_Atomic int state;
};

struct urcu_flavor_node {
	struct rcu_head head;
	struct sync_deferred obj;
};

#if defined(URCU_FLAVOR_QSBR)
enum { URCU_UNREGISTERED = 0, URCU_REGISTERED, URCU_OFFLINE };
static const char *const urcu_state_names[] = { "unregistered", "online", "offline" };
#elif defined(URCU_FLAVOR_LAZY_REGISTRATION)
enum { URCU_UNREGISTERED = 0, URCU_REGISTERED };
static const char *const urcu_state_names[] = { "deinit (slot kept until exit)", "registered" };
#else
enum { URCU_UNREGISTERED = 0, URCU_REGISTERED };
static const char *const urcu_state_names[] = { "unregistered", "registered" };
#endif

extern const struct sync_ops URCU_OPS;

SYNC_DEFINE_DOMAIN_CAST(urcu_dom, struct urcu_flavor_domain)
SYNC_DEFINE_THREAD_CAST(urcu_thr, struct urcu_flavor_thread)

static void urcu_set_state(struct sync_thread *t, int s)
{
	/* Relaxed: only dump() reads it. */
	atomic_store_explicit(&urcu_thr(t)->state, s, memory_order_relaxed);
}

static void *urcu_probe_thread(void *arg)
{
	return arg;
}

/* The process's threads, from /proc/self/status (0: unknown). */
static unsigned urcu_thread_count(void)
{
	char line[128];
	unsigned n = 0;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Threads: %u", &n) == 1)
			break;
	fclose(f);
	return n;
}

/*
 * Deferred frees run on liburcu's call_rcu worker thread, which the library
 * creates on first use and, when pthread_create fails there, ends the whole
 * process (urcu_die: "Unrecoverable error"). So a defer-mode domain first
 * checks that a thread can be created at all, refusing with one line if
 * not, then has the worker created now, before the participants take what
 * is left of the process limit.
 */
static int urcu_start_call_rcu_worker(char *err, size_t errlen)
{
	unsigned before = urcu_thread_count();
	struct timespec pause = { 0, 100000 };
	pthread_t th;
	int rc = pthread_create(&th, NULL, urcu_probe_thread, NULL);

	if (rc) {
		snprintf(err, errlen, "%s: cannot create liburcu's call_rcu worker thread for --reclaim=defer: %s",
			 URCU_NAME, strerror(rc));
		return -1;
	}
	pthread_join(th, NULL);
	/*
	 * pthread_join returns before the kernel has released the probe's task,
	 * which still counts against the process limit: wait (at most 1 s)
	 * until it is gone, so the worker gets the slot the probe proved free.
	 */
	for (int i = 0; before && i < 10000 && urcu_thread_count() > before; i++)
		nanosleep(&pause, NULL);
	(void)URCU_CALL(get_default_call_rcu_data)();
	return 0;
}

static int urcu_domain_create(const struct sync_params *p, struct sync_domain **out,
			      char *err, size_t errlen)
{
	struct urcu_flavor_domain *d;

	if (p->reclaim == SYNC_RECLAIM_DEFER && urcu_start_call_rcu_worker(err, errlen))
		return -1;
	d = sync_domain_new(&URCU_OPS, p, sizeof(*d), err, errlen);
	if (!d)
		return -1;
#ifdef URCU_FLAVOR_MEMBARRIER
	static _Atomic int warned;

	d->membarrier_mode = urcu_flavor_membarrier_mode();
	if (strcmp(d->membarrier_mode, "private_expedited") != 0 && !atomic_exchange(&warned, 1))
		fprintf(stderr, "%s: liburcu is NOT using membarrier private expedited mode here (%s): "
			"these results measure a fallback\n", URCU_NAME, d->membarrier_mode);
#endif
	*out = &d->base;
	return 0;
}

SYNC_DEFINE_THREAD_ALLOC(urcu_thread_alloc, struct urcu_flavor_thread) /* state 0: URCU_UNREGISTERED */

static int urcu_thread_init(struct sync_thread *t, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	URCU_CALL(register_thread)();
	urcu_set_state(t, URCU_REGISTERED);
	return 0;
}

static void urcu_barrier(struct sync_thread *t);

static void urcu_thread_deinit(struct sync_thread *t)
{
	if (urcu_thr(t)->deferred)
		urcu_barrier(t);
#ifndef URCU_FLAVOR_LAZY_REGISTRATION
	URCU_CALL(unregister_thread)();
#endif /* else the library keeps the slot until the thread exits; dump() says so */
	urcu_set_state(t, URCU_UNREGISTERED);
}

#ifdef URCU_FLAVOR_QSBR
static void urcu_poll_enter(struct sync_thread *t)
{
	URCU_CALL(thread_offline)();
	urcu_set_state(t, URCU_OFFLINE);
}

static void urcu_poll_leave(struct sync_thread *t)
{
	URCU_CALL(thread_online)();
	urcu_set_state(t, URCU_REGISTERED);
}

static void urcu_loop_iter(struct sync_thread *t)
{
	(void)t;
	URCU_CALL(quiescent_state)();
}
#else
static void urcu_read_begin(struct sync_thread *t)
{
	(void)t;
#ifndef URCU_FLAVOR_BREAK_NO_READ_LOCK
	URCU_CALL(read_lock)();
#endif /* else broken on purpose: sections are not announced */
}

static void urcu_read_end(struct sync_thread *t)
{
	(void)t;
#ifndef URCU_FLAVOR_BREAK_NO_READ_LOCK
	URCU_CALL(read_unlock)();
#endif
}
#endif

static void urcu_synchronize(struct sync_thread *t)
{
	sync_stats_synchronize(&urcu_dom(t->dom)->stats);
	sync_wait_begin(t, SYNC_WAIT_GRACE);
#ifndef URCU_FLAVOR_BREAK_NO_WAIT
	URCU_CALL(synchronize_rcu)();
#endif /* else broken on purpose: no grace period */
	sync_wait_end(t);
}

static void urcu_free_node(struct rcu_head *head)
{
	struct urcu_flavor_node *n = caa_container_of(head, struct urcu_flavor_node, head);

	sync_deferred_run(&n->obj);
	free(n);
}

static void urcu_defer_free(struct sync_thread *t, void *p, void (*fn)(void *))
{
	struct urcu_flavor_node *n = SYNC_DEFERRED_NODE_NEW(t, struct urcu_flavor_node, obj, p, fn,
							    &urcu_dom(t->dom)->stats);

	if (!n)
		return;
	URCU_CALL(call_rcu)(&n->head, urcu_free_node);
	urcu_thr(t)->deferred = 1;
}

static void urcu_barrier(struct sync_thread *t)
{
#ifdef URCU_FLAVOR_QSBR
	/* Offline: a registered online caller would hold up the grace periods it waits for. */
	URCU_CALL(thread_offline)();
#endif
	sync_wait_begin(t, SYNC_WAIT_DEFER);
	URCU_CALL(barrier)();
	sync_wait_end(t);
#ifdef URCU_FLAVOR_QSBR
	URCU_CALL(thread_online)();
#endif
	urcu_thr(t)->deferred = 0;
}

static void urcu_dump_thread(struct sync_thread *t, FILE *out)
{
	const unsigned nstates = sizeof(urcu_state_names) / sizeof(urcu_state_names[0]);
	int s = atomic_load_explicit(&urcu_thr(t)->state, memory_order_relaxed);

	fputs((s >= 0 && (unsigned)s < nstates) ? urcu_state_names[s] : "?", out);
}

static void urcu_dump(struct sync_domain *dd, FILE *out)
{
	struct urcu_flavor_domain *d = urcu_dom(dd);

	fprintf(out, "%s: ", URCU_NAME);
#ifdef URCU_FLAVOR_MEMBARRIER
	fprintf(out, "membarrier %s, ", d->membarrier_mode);
#endif
	fprintf(out, "liburcu gp ctr %#lx, %llu synchronize calls, %llu pending\n",
		(unsigned long)CMM_LOAD_SHARED(URCU_CALL(gp).ctr),
		(unsigned long long)atomic_load_explicit(&d->stats.sync_calls, memory_order_relaxed),
		(unsigned long long)atomic_load_explicit(&d->stats.pending, memory_order_relaxed));
	sync_dump_threads(dd, out, urcu_dump_thread);
}

static void urcu_summary(struct sync_domain *dd, FILE *out)
{
	struct urcu_flavor_domain *d = urcu_dom(dd);

#ifdef URCU_FLAVOR_MEMBARRIER
	fprintf(out, "membarrier %s ", d->membarrier_mode);
#endif
	sync_stats_summary(&d->stats, dd->reclaim, out);
}

const struct sync_ops URCU_OPS = {
	.name = URCU_NAME,
	.family = "grace",
	.origin = URCU_FLAVOR_ORIGIN,
	.max_threads = 0,
	.caps = SYNC_CAP_SYNCHRONIZE | SYNC_CAP_DEFER | URCU_FLAVOR_CAPS,
	.counted = 0, /* everything happens inside liburcu: not counted */
	.domain_create = urcu_domain_create,
	.domain_destroy = sync_domain_delete, /* no callback still points at it: every updater ran barrier() */
	.thread_alloc = urcu_thread_alloc,
	.thread_init = urcu_thread_init,
	.thread_deinit = urcu_thread_deinit,
	.thread_free = sync_thread_delete,
#ifdef URCU_FLAVOR_QSBR
	.poll_enter = urcu_poll_enter,
	.poll_leave = urcu_poll_leave,
	.loop_iter = urcu_loop_iter,
#else
	.read_begin = urcu_read_begin,
	.read_end = urcu_read_end,
#endif
	.synchronize = urcu_synchronize,
	.defer_free = urcu_defer_free,
	.barrier = urcu_barrier,
	.dump = urcu_dump,
	.summary = urcu_summary,
};

#endif /* URCU_FLAVOR_H */
