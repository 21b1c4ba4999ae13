/*
 * sync.h - the one interface every synchronization strategy implements.
 *
 * A strategy is a table of functions (struct sync_ops) grouped by role. The
 * poll-loop simulator (bench/pollsim.c) and the readers/writers benchmark reach
 * strategies only through this table; they never name a strategy.
 *
 * Two families share the table:
 *  - exclusive access (HAProxy family, rwlock, none): an update runs in place
 *    between isolate() and release();
 *  - grace periods (RCU family): an update copies the shared object, publishes
 *    the copy, then either waits in synchronize() and frees the old version
 *    (SYNC_RECLAIM_SYNC) or hands it to defer_free() (SYNC_RECLAIM_DEFER).
 * A strategy says which it supports through ops->caps.
 *
 * Objects:
 *  - struct sync_domain: one per run, created by ops->domain_create(); every
 *    strategy's own domain struct embeds it as its FIRST member.
 *  - struct sync_thread: one per participating thread (loop threads, plus the
 *    outside updater when there is one), created through the four-phase
 *    lifecycle (alloc, init, deinit, free; see bench/lifecycle.h); every
 *    strategy's own per-thread struct embeds it as its FIRST member.
 *
 * The loop of a participating thread is written once, in
 * strategies/loop.h (sync_loop_poll, sync_read, sync_loop_end); the simulator,
 * the readers/writers benchmark and both validation harnesses call it:
 *
 *	for (;;) {
 *		poll_enter(t);              -- idle + harmless / offline; never blocks
 *		epoll_wait(...);            -- really sleeps
 *		poll_leave(t);              -- may block while an isolation runs
 *		if (the wake_fd fired) wake_event(t);
 *		for each event:
 *			read_begin(t); ...read...; read_end(t);  -- redone while read_retry(t)
 *			(a slow call inside a task: harmless_begin(t); call; harmless_end(t))
 *		if (an update is due on this thread)
 *			isolate/release, or copy/publish/synchronize, or copy/publish/defer_free
 *		loop_iter(t);               -- quiescent state / sync point; may block
 *	}
 *
 * Hooks a strategy does not need are NULL and cost the caller one predictable
 * branch, no call. The update hooks follow the capabilities: a strategy has
 * isolate/release exactly when SYNC_CAP_ISOLATE, synchronize exactly when
 * SYNC_CAP_SYNCHRONIZE, defer_free/barrier exactly when SYNC_CAP_DEFER
 * (sync_ops_check() verifies a table; the registry test runs it on every
 * strategy). Calling an update hook a strategy lacks aborts with a message
 * naming it: a harness bug never silently turns into "no protection".
 *
 * Watchdog: every wait a strategy does that can last (isolate, barrier, grace
 * period, epoch advance, re-parking in poll_leave) is bracketed with
 * sync_wait_begin()/sync_wait_end(). The simulator's watchdog thread scans
 * dom->threads[] and, when one has waited longer than the bound, calls
 * ops->dump() and ends the run with an error.
 */
#ifndef SYNC_H
#define SYNC_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "strategies/count.h"

#define SYNC_CACHELINE 64
#define SYNC_ALIGNED __attribute__((aligned(SYNC_CACHELINE)))

/* Capabilities, in sync_ops.caps. */
#define SYNC_CAP_ISOLATE     0x01u /* isolate()/release(): updates in place */
#define SYNC_CAP_SYNCHRONIZE 0x02u /* synchronize(): copy, publish, wait, free */
#define SYNC_CAP_DEFER       0x04u /* defer_free()/barrier(): copy, publish, defer */
#define SYNC_CAP_UNSAFE      0x08u /* gives no protection at all (the `none` baseline) */
#define SYNC_CAP_WAKES_SLEEPERS 0x10u /* an update wakes sleeping threads (wake_all) */
/*
 * An update interrupts sleeping threads with a signal (urcu_signal): their
 * poll returns EINTR, and those returns are caused by the strategy, not by
 * the harness (count them as sync wakeups). Not through the wake_fd.
 */
#define SYNC_CAP_INTERRUPTS_SLEEPERS 0x20u

enum sync_reclaim {
	SYNC_RECLAIM_SYNC = 0,  /* wait for the grace period, then free */
	SYNC_RECLAIM_DEFER = 1, /* hand the old version to deferred reclamation */
};

/* What a thread is waiting for, for the watchdog's report. */
enum sync_wait_kind {
	SYNC_WAIT_NONE = 0,
	SYNC_WAIT_ISOLATE,      /* isolate(): waiting for the others to be harmless */
	SYNC_WAIT_BARRIER,      /* wake_all: waiting at a barrier */
	SYNC_WAIT_REPARK,       /* poll_leave()/idle_leave(): waiting for a release */
	SYNC_WAIT_GRACE,        /* synchronize(): waiting for a grace period */
	SYNC_WAIT_EPOCH,        /* waiting for an epoch to advance */
	SYNC_WAIT_LOCK,         /* waiting for a lock (rwlock) */
	SYNC_WAIT_DEFER,        /* barrier(): waiting for deferred frees */
};

/* What a thread was last doing, set by the simulator, read by the watchdog. */
enum sync_doing {
	SYNC_DOING_STARTING = 0,
	SYNC_DOING_POLLING,     /* inside the poller */
	SYNC_DOING_EVENT,       /* handling an event (reading shared state) */
	SYNC_DOING_UPDATE,      /* running an update */
	SYNC_DOING_LOOP,        /* loop bookkeeping, loop_iter() */
	SYNC_DOING_EXITING,
	SYNC_DOING_EXITED,
};

struct sync_domain;

/*
 * Common head of every per-thread state. Embedded first in the strategy's own
 * per-thread struct, so a strategy casts `struct sync_thread *` to its type.
 */
struct sync_thread {
	unsigned tid;                 /* 0..dom->nthreads-1; set by the strategy's alloc */
	struct sync_domain *dom;      /* set by the strategy's alloc */
	/* Written by the owning thread, read by the watchdog thread. */
	_Atomic uint64_t wait_since_ns;  /* 0 when not waiting */
	_Atomic int wait_kind;           /* enum sync_wait_kind */
	/* Written by the simulator on the owning thread, read by the watchdog. */
	_Atomic int doing;               /* enum sync_doing */
	_Atomic uint64_t doing_since_ns;
	/* Owned by the simulator: user data (its per-thread loop state). */
	void *user;
	/* Owning thread only: inside isolate()..release() (sync_isolate()). */
	int isolating;
#ifdef SYNC_COUNTING
	/* Owning thread only, read after the run: strategies/count.h. */
	uint64_t counts[SYNC_COUNT_KINDS];
#endif
};

/* Parameters of a run that a strategy needs at domain creation. */
struct sync_params {
	unsigned nthreads;            /* participating threads, outside updater included */
	enum sync_reclaim reclaim;
};

/* Per-thread arrays one domain may own (sync_domain_array). */
#define SYNC_DOMAIN_ARRAYS 2

/*
 * Common head of every domain. Embedded first in the strategy's own domain.
 * threads[] is filled by the strategy's thread_alloc (threads[tid] = t) and
 * cleared by its thread_free; the watchdog reads it.
 */
struct sync_domain {
	const struct sync_ops *ops;
	unsigned nthreads;
	enum sync_reclaim reclaim;
	struct sync_thread *_Atomic *threads; /* nthreads entries */
	/* The strategy's per-thread arrays (sync_domain_array), freed by sync_domain_fini. */
	void *arrays[SYNC_DOMAIN_ARRAYS];
};

struct sync_ops {
	/* ---- identity ---- */
	const char *name;     /* one word, used everywhere: file stem, registry, plots */
	const char *family;   /* "baseline", "exclusive" or "grace" */
	const char *origin;   /* paper, library or HAProxy version and commit */
	unsigned max_threads; /* participating threads supported; 0: no limit */
	unsigned caps;        /* SYNC_CAP_* */
	unsigned counted;     /* SYNC_COUNTED() bits: the kinds its SYNC_COUNT lines cover */

	/* ---- domain: once per run, from the main thread ---- */

	/*
	 * Creates the shared state for p->nthreads threads. Returns 0, or -1
	 * with a one-line reason in err (e.g. too many threads, membarrier
	 * refused, reclaim mode unsupported). Never exits.
	 */
	int (*domain_create)(const struct sync_params *p, struct sync_domain **out,
			     char *err, size_t errlen);
	/* After every thread ran thread_free. Frees everything. */
	void (*domain_destroy)(struct sync_domain *d);
	/*
	 * An fd the simulator adds to every thread's epoll set (EPOLLIN), or
	 * -1. When it fires the simulator counts a sync wakeup and calls
	 * wake_event(). Optional (NULL: none); only wake_all has one.
	 */
	int (*wake_fd)(struct sync_domain *d);

	/* ---- per thread: the lifecycle, each on the thread itself ---- */

	/* ALLOC phase: allocate the per-thread state for tid; 0 or -1 + err. */
	int (*thread_alloc)(struct sync_domain *d, unsigned tid,
			    struct sync_thread **out, char *err, size_t errlen);
	/*
	 * INIT phase: register (e.g. with liburcu); from here on the thread is
	 * running (harmful / online). Before it, and after thread_deinit, the
	 * thread counts as harmless, idle and offline. 0 or -1 + err.
	 * Optional (NULL: nothing to register), as is thread_deinit.
	 */
	int (*thread_init)(struct sync_thread *t, char *err, size_t errlen);
	/* DEINIT phase: unregister; the thread counts as exited. */
	void (*thread_deinit)(struct sync_thread *t);
	/* FREE phase: release the per-thread state (after every deinit). */
	void (*thread_free)(struct sync_thread *t);

	/*
	 * ---- poll loop: once per iteration each, owning thread only ----
	 * All optional (NULL: nothing to do).
	 */

	/*
	 * Just before the poll syscall: the thread is idle (in the poller,
	 * outside any task) and harmless / offline. Never blocks.
	 */
	void (*poll_enter)(struct sync_thread *t);
	/*
	 * Just after it: harmful / online and no longer idle. May block while
	 * an isolation runs.
	 */
	void (*poll_leave)(struct sync_thread *t);
	/* The wake_fd fired on this thread (before loop_iter). Never blocks. */
	void (*wake_event)(struct sync_thread *t);
	/*
	 * End of each loop iteration, outside any read section: a quiescent
	 * state (qsbr), the sync point (wake_all). May block.
	 */
	void (*loop_iter)(struct sync_thread *t);
	/*
	 * Inside a task, around a slow call that touches no shared state
	 * (HAProxy's thread_harmless_now/thread_harmless_end): the thread is
	 * harmless but NOT idle, and may still hold references it took in the
	 * task. harmless_end may block while an isolation runs. NULL: the
	 * strategy has no such state (the thread simply stays harmful).
	 */
	void (*harmless_begin)(struct sync_thread *t);
	void (*harmless_end)(struct sync_thread *t);

	/*
	 * ---- read side: around every read of the shared state ----
	 * All optional (NULL: nothing to do). Hot path: must not block except
	 * a lock's read side (rwlock, brlock). Nestable: no.
	 */
	void (*read_begin)(struct sync_thread *t);
	void (*read_end)(struct sync_thread *t);
	/*
	 * After read_end: nonzero when the section may have seen a concurrent
	 * in-place write and must be redone (seqlock). NULL: never.
	 */
	int (*read_retry)(struct sync_thread *t);
	/*
	 * Inside a read section: loads the shared pointer *slot. NULL: an
	 * acquire load. A strategy that must publish what it reads (hazard
	 * pointers) does so here, validated against *slot.
	 */
	void *(*read_deref)(struct sync_thread *t, void *_Atomic *slot);

	/* ---- update side (never called inside a read section) ---- */

	/*
	 * SYNC_CAP_ISOLATE: returns once the caller is the only thread that
	 * may touch the shared state. Blocks. Must be completed by release().
	 * Never called while holding a lock other threads may wait on, and
	 * never nested (sync_isolate() aborts on a second isolate before the
	 * release).
	 */
	void (*isolate)(struct sync_thread *t);
	void (*release)(struct sync_thread *t);
	/*
	 * SYNC_CAP_SYNCHRONIZE: returns once every read section that began
	 * before the call has ended. The caller may be an online loop thread.
	 */
	void (*synchronize)(struct sync_thread *t);
	/*
	 * SYNC_CAP_DEFER: fn(p) will run after a grace period, on some thread.
	 * barrier() waits until every defer_free() made so far, by any thread,
	 * has run (liburcu's rcu_barrier); the simulator calls it before
	 * thread_deinit of the updater.
	 */
	void (*defer_free)(struct sync_thread *t, void *p, void (*fn)(void *));
	void (*barrier)(struct sync_thread *t);

	/* ---- diagnostics ---- */

	/*
	 * Prints, one line per thread, the strategy's view of every thread
	 * (masks and bits, online/offline, epoch). Called by the watchdog from
	 * another thread while the run is stuck: reads only, never blocks.
	 */
	void (*dump)(struct sync_domain *d, FILE *out);
	/*
	 * Optional (may be NULL): extra "key value" pairs for the SUMMARY line
	 * (e.g. "membarrier private_expedited", "defer_peak_objects 12").
	 */
	void (*summary)(struct sync_domain *d, FILE *out);
};

/* ---- shared helpers for strategies ---- */

static inline uint64_t sync_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * Marks the start and end of a wait the watchdog must see. Relaxed: the
 * watchdog only needs the values eventually, and it reads them from a stuck
 * run, where they stopped changing long ago.
 */
static inline void sync_wait_begin(struct sync_thread *t, enum sync_wait_kind k)
{
	atomic_store_explicit(&t->wait_kind, k, memory_order_relaxed);
	atomic_store_explicit(&t->wait_since_ns, sync_now_ns(), memory_order_relaxed);
}

static inline void sync_wait_end(struct sync_thread *t)
{
	atomic_store_explicit(&t->wait_since_ns, 0, memory_order_relaxed);
	atomic_store_explicit(&t->wait_kind, SYNC_WAIT_NONE, memory_order_relaxed);
}

/*
 * Full store-load fence, for the Dekker-style pairs of the grace-period
 * strategies. ThreadSanitizer does not model atomic_thread_fence (gcc warns
 * under -fsanitize=thread); there a seq_cst RMW on a thread-local dummy stands
 * in (a locked instruction, also a full fence on x86).
 */
static inline void sync_full_fence(void)
{
#if defined(__SANITIZE_THREAD__)
	static _Thread_local _Atomic int dummy;

	atomic_fetch_add(&dummy, 0);
#else
	atomic_thread_fence(memory_order_seq_cst);
#endif
}

/* CPU relax in spin-wait loops. */
static inline void sync_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#else
	atomic_signal_fence(memory_order_seq_cst);
#endif
}

/*
 * Fills the common heads; strategies call these from domain_create and
 * thread_alloc. sync_domain_init allocates d->threads (returns -1 on ENOMEM).
 */
int sync_domain_init(struct sync_domain *d, const struct sync_ops *ops,
		     const struct sync_params *p);
void sync_domain_fini(struct sync_domain *d);
void sync_thread_attach(struct sync_domain *d, struct sync_thread *t, unsigned tid);
void sync_thread_detach(struct sync_thread *t);

/*
 * The usual thread_alloc and thread_free: sync_thread_new allocates a zeroed,
 * cache-line aligned per-thread state of `size` bytes (the strategy's struct,
 * whose first member is struct sync_thread) and attaches it as thread tid;
 * NULL with "<strategy>: out of memory for thread N" in err. The strategy
 * then fills its own fields. sync_thread_delete detaches and frees it.
 */
void *sync_thread_new(struct sync_domain *d, unsigned tid, size_t size, char *err, size_t errlen);
void sync_thread_delete(struct sync_thread *t);

/*
 * Defines `int fn(...)`, the thread_alloc of a strategy whose per-thread
 * state, `type` (first member struct sync_thread), starts zeroed: after
 * sync_thread_new, the statements given after `type` (they see the domain d,
 * tid and the new state t) fill the strategy's own fields. The caller writes
 * the linkage: `static SYNC_THREAD_ALLOC_WITH(...)`.
 */
#define SYNC_THREAD_ALLOC_WITH(fn, type, ...)                                                   \
	int fn(struct sync_domain *d, unsigned tid, struct sync_thread **out, char *err,         \
	       size_t errlen)                                                                    \
	{                                                                                        \
		type *t = sync_thread_new(d, tid, sizeof(*t), err, errlen);                      \
                                                                                                 \
		if (!t)                                                                          \
			return -1;                                                               \
		__VA_ARGS__;                                                                     \
		*out = (struct sync_thread *)t;                                                  \
		return 0;                                                                        \
	}

/* The static thread_alloc of a strategy whose zeroed state needs nothing else. */
#define SYNC_DEFINE_THREAD_ALLOC(fn, type) static SYNC_THREAD_ALLOC_WITH(fn, type, (void)t)

/*
 * Casts from the common heads to a strategy's own domain or per-thread type
 * (each embeds its head as its first member): define
 * `static inline type *fn(struct sync_domain *)` and
 * `static inline type *fn(struct sync_thread *)`.
 */
#define SYNC_DEFINE_DOMAIN_CAST(fn, type) \
	static inline type *fn(struct sync_domain *d) { return (type *)d; }
#define SYNC_DEFINE_THREAD_CAST(fn, type) \
	static inline type *fn(struct sync_thread *t) { return (type *)t; }
/* And `static inline type *fn(struct sync_thread *t)`: the domain of thread t. */
#define SYNC_DEFINE_DOMAIN_OF(fn, type) \
	static inline type *fn(struct sync_thread *t) { return (type *)t->dom; }

/*
 * The lifecycle and loop hooks of a strategy whose threads are harmless
 * (HAProxy's thread_harmless_now) whenever they cannot touch the shared
 * state: before thread_init and after thread_deinit, in the poller, in a slow
 * call. now enters that state and never blocks; end leaves it and may wait
 * for a running isolation. Their thread_init is sync_harmless_thread_init:
 * leaving the not-started state is the strategy's harmless_end, so it
 * respects a pending isolation; it never fails.
 */
#define SYNC_HARMLESS_HOOKS(now, end)                                               \
	.thread_init = sync_harmless_thread_init, .thread_deinit = (now),           \
	.poll_enter = (now), .poll_leave = (end), .harmless_begin = (now), .harmless_end = (end)
int sync_harmless_thread_init(struct sync_thread *t, char *err, size_t errlen);

/*
 * Designated initializers for the hooks a strategy names <prefix>_<hook>:
 * SYNC_HOOKS(br, isolate, release) is `.isolate = br_isolate, .release =
 * br_release,` (at most 16 hooks).
 */
#define SYNC_HOOKS(prefix, ...) SYNC_HOOKS_N_(SYNC_NARGS_(__VA_ARGS__), prefix, __VA_ARGS__)
#define SYNC_NARGS_(...) SYNC_NARGS_PICK_(__VA_ARGS__, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0)
#define SYNC_NARGS_PICK_(a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, n, ...) n
#define SYNC_HOOKS_N_(n, prefix, ...) SYNC_HOOKS_N2_(n, prefix, __VA_ARGS__)
#define SYNC_HOOKS_N2_(n, prefix, ...) SYNC_HOOKS_##n##_(prefix, __VA_ARGS__)
#define SYNC_HOOK_(p, h) .h = p##_##h,
#define SYNC_HOOKS_1_(p, h) SYNC_HOOK_(p, h)
#define SYNC_HOOKS_2_(p, h, ...) SYNC_HOOK_(p, h) SYNC_HOOKS_1_(p, __VA_ARGS__)
#define SYNC_HOOKS_3_(p, h, ...) SYNC_HOOK_(p, h) SYNC_HOOKS_2_(p, __VA_ARGS__)
#define SYNC_HOOKS_4_(p, h, ...) SYNC_HOOK_(p, h) SYNC_HOOKS_3_(p, __VA_ARGS__)
#define SYNC_HOOKS_5_(p, h, ...) SYNC_HOOK_(p, h) SYNC_HOOKS_4_(p, __VA_ARGS__)
#define SYNC_HOOKS_6_(p, h, ...) SYNC_HOOK_(p, h) SYNC_HOOKS_5_(p, __VA_ARGS__)
#define SYNC_HOOKS_7_(p, h, ...) SYNC_HOOK_(p, h) SYNC_HOOKS_6_(p, __VA_ARGS__)
#define SYNC_HOOKS_8_(p, h, ...) SYNC_HOOK_(p, h) SYNC_HOOKS_7_(p, __VA_ARGS__)
#define SYNC_HOOKS_9_(p, h, ...) SYNC_HOOK_(p, h) SYNC_HOOKS_8_(p, __VA_ARGS__)
#define SYNC_HOOKS_10_(p, h, ...) SYNC_HOOK_(p, h) SYNC_HOOKS_9_(p, __VA_ARGS__)
#define SYNC_HOOKS_11_(p, h, ...) SYNC_HOOK_(p, h) SYNC_HOOKS_10_(p, __VA_ARGS__)
#define SYNC_HOOKS_12_(p, h, ...) SYNC_HOOK_(p, h) SYNC_HOOKS_11_(p, __VA_ARGS__)
#define SYNC_HOOKS_13_(p, h, ...) SYNC_HOOK_(p, h) SYNC_HOOKS_12_(p, __VA_ARGS__)
#define SYNC_HOOKS_14_(p, h, ...) SYNC_HOOK_(p, h) SYNC_HOOKS_13_(p, __VA_ARGS__)
#define SYNC_HOOKS_15_(p, h, ...) SYNC_HOOK_(p, h) SYNC_HOOKS_14_(p, __VA_ARGS__)
#define SYNC_HOOKS_16_(p, h, ...) SYNC_HOOK_(p, h) SYNC_HOOKS_15_(p, __VA_ARGS__)

/*
 * Defines sync_<name>, a strategy's table: SYNC_DEFINE_OPS(name, family,
 * caps, prefix, (hook, ...), members...) names it "<name>" in `family` with
 * capabilities `caps`, takes the listed hooks from the functions
 * <prefix>_<hook> (SYNC_HOOKS), frees its threads with sync_thread_delete
 * (their state comes from sync_thread_new), and adds the members given
 * last: the origin, the limits, the hooks named otherwise.
 */
#define SYNC_DEFINE_OPS(name_, family_, caps_, prefix, hooks, ...)                       \
	const struct sync_ops sync_##name_ = { .name = #name_, .family = family_,          \
					       .caps = caps_,                              \
					       .thread_free = sync_thread_delete,          \
					       SYNC_HOOKS(prefix, SYNC_UNPAREN_ hooks)     \
					       __VA_ARGS__ }
#define SYNC_UNPAREN_(...) __VA_ARGS__

/* Common checks for domain_create: thread limit and reclaim mode. */
int sync_check_params(const struct sync_ops *ops, const struct sync_params *p,
		      char *err, size_t errlen);

/*
 * The usual start of domain_create and the usual domain_destroy:
 * sync_domain_new checks p (sync_check_params), allocates a zeroed,
 * cache-line aligned domain of `size` bytes (the strategy's struct, whose
 * first member is struct sync_domain) and fills its head; NULL with the
 * reason in err ("<strategy>: out of memory" or the failed check). The
 * strategy then fills its own fields. sync_domain_delete releases the head
 * and frees the domain: the domain_destroy of a strategy that owns nothing
 * else.
 */
void *sync_domain_new(const struct sync_ops *ops, const struct sync_params *p, size_t size,
		      char *err, size_t errlen);
void sync_domain_delete(struct sync_domain *d);

/*
 * sync_domain_new for a domain with per-thread arrays: SYNC_DOMAIN_NEW_WITH(
 * ops, p, size, err, errlen, SYNC_PER_THREAD(type, member), ...) also points
 * each named member (at most SYNC_DOMAIN_ARRAYS) at a zeroed, cache-line
 * aligned array of p->nthreads elements, owned by the domain:
 * sync_domain_fini (so sync_domain_delete) frees them. NULL with the reason
 * in err ("<strategy>: out of memory for N per-thread entries" when an array
 * is missing).
 */
struct sync_domain_array {
	size_t offset; /* of the member, a pointer, in the strategy's domain */
	size_t size;   /* of one element; 0 ends the list */
};
#define SYNC_PER_THREAD(type, member) { offsetof(type, member), sizeof(*((type *)0)->member) }
#define SYNC_DOMAIN_NEW_WITH(ops, p, size, err, errlen, ...)                                  \
	sync_domain_new_with((ops), (p), (size), (const struct sync_domain_array[]){ __VA_ARGS__, \
										       { 0, 0 } }, \
			     (err), (errlen))
void *sync_domain_new_with(const struct sync_ops *ops, const struct sync_params *p, size_t size,
			   const struct sync_domain_array *arrays, char *err, size_t errlen);

/*
 * The usual domain_create, for the strategy whose table is sync_<name>:
 * SYNC_DEFINE_DOMAIN_CREATE(fn, name, type, init) declares sync_<name> and
 * defines `static int fn(p, out, err, errlen)`, which allocates the domain
 * `type` with sync_domain_new, runs init(d) (type *d: the head is filled,
 * the rest zeroed; it fills the strategy's own fields and cannot fail) and
 * stores it in *out. _ARRAYS(fn, name, type, init, SYNC_PER_THREAD(...), ...)
 * allocates with SYNC_DOMAIN_NEW_WITH instead, so init finds the arrays.
 * _CHECKED(fn, name, type, init): init(d, err, errlen) may fail, returning
 * -1 with the reason in err, after undoing what it did; the domain is then
 * deleted.
 */
#define SYNC_DEFINE_DOMAIN_CREATE(fn, name, type, init) \
	SYNC_DOMAIN_CREATE_(fn, name, type, init(d), sync_domain_new(&sync_##name, p, sizeof(type), err, errlen))
#define SYNC_DEFINE_DOMAIN_CREATE_ARRAYS(fn, name, type, init, ...)       \
	SYNC_DOMAIN_CREATE_(fn, name, type, init(d),                      \
			    SYNC_DOMAIN_NEW_WITH(&sync_##name, p, sizeof(type), err, errlen, __VA_ARGS__))
#define SYNC_DEFINE_DOMAIN_CREATE_CHECKED(fn, name, type, init)                               \
	SYNC_DOMAIN_CREATE_(fn, name, type,                                                   \
			    if (init(d, err, errlen)) {                                       \
				    sync_domain_delete((struct sync_domain *)d);              \
				    return -1;                                                \
			    },                                                                \
			    sync_domain_new(&sync_##name, p, sizeof(type), err, errlen))
#define SYNC_DOMAIN_CREATE_(fn, name, type, setup, ...)                                         \
	extern const struct sync_ops sync_##name;                                              \
	static int fn(const struct sync_params *p, struct sync_domain **out, char *err,         \
		      size_t errlen)                                                           \
	{                                                                                       \
		type *d = __VA_ARGS__;                                                          \
                                                                                                \
		if (!d)                                                                         \
			return -1;                                                              \
		setup;                                                                          \
		*out = (struct sync_domain *)d;                                                 \
		return 0;                                                                       \
	}
/* The init of SYNC_DEFINE_DOMAIN_CREATE for a domain with nothing of its own to fill. */
#define SYNC_NO_DOMAIN_INIT(d) ((void)(d))

/*
 * Checks that a table is consistent: identity filled, the required hooks
 * present, the update hooks matching the capabilities. 0, or -1 with a
 * one-line reason in err.
 */
int sync_ops_check(const struct sync_ops *ops, char *err, size_t errlen);

/* Aborts with "<strategy> has no <hook>": an update hook called on a strategy without it. */
_Noreturn void sync_missing_hook(const struct sync_ops *ops, const char *hook);

/* Names for the watchdog's report. */
const char *sync_wait_kind_name(int k);
const char *sync_doing_name(int d);

/*
 * The per-thread lines of a dump(), one per thread slot: "  thread N: ",
 * then state(t, out) (the strategy's view of that thread, no newline), then
 * ", waiting for <kind>"; "  thread N: not attached" for an empty slot.
 * Racy reads by design: called by the watchdog while the run is stuck.
 */
void sync_dump_threads(struct sync_domain *d, FILE *out,
		       void (*state)(struct sync_thread *t, FILE *out));

/*
 * Counters every grace-period strategy keeps for its summary(): synchronize
 * calls, deferred frees made, and the objects pending reclamation with their
 * peak. Relaxed: statistics, read after the run or by the watchdog's report.
 */
struct sync_reclaim_stats {
	_Atomic uint64_t sync_calls, deferred, pending, peak_pending;
};

static inline void sync_stats_synchronize(struct sync_reclaim_stats *s)
{
	atomic_fetch_add_explicit(&s->sync_calls, 1, memory_order_relaxed);
}

/* One more object handed to deferred reclamation. */
static inline void sync_stats_deferred(struct sync_reclaim_stats *s)
{
	uint64_t n, peak;

	atomic_fetch_add_explicit(&s->deferred, 1, memory_order_relaxed);
	n = atomic_fetch_add_explicit(&s->pending, 1, memory_order_relaxed) + 1;
	peak = atomic_load_explicit(&s->peak_pending, memory_order_relaxed);
	while (peak < n && !atomic_compare_exchange_weak_explicit(&s->peak_pending, &peak, n,
								  memory_order_relaxed,
								  memory_order_relaxed))
		;
}

/* n deferred objects were freed. */
static inline void sync_stats_freed(struct sync_reclaim_stats *s, uint64_t n)
{
	atomic_fetch_sub_explicit(&s->pending, n, memory_order_relaxed);
}

/*
 * One deferred object as a library's callback finds it. The interface hands
 * defer_free a bare pointer, while call_rcu, ck_epoch_call and ck_hp_retire
 * want their own head inside the object: such a strategy allocates one node
 * {the library's head, struct sync_deferred} per deferred object.
 */
struct sync_deferred {
	void *p;
	void (*fn)(void *);
	struct sync_reclaim_stats *stats; /* the domain's: counts the run */
};

/* Before the node goes to the library: what to free, and one more deferred object. */
static inline void sync_deferred_init(struct sync_deferred *x, void *p, void (*fn)(void *),
				      struct sync_reclaim_stats *stats)
{
	x->p = p;
	x->fn = fn;
	x->stats = stats;
	sync_stats_deferred(stats);
}

/*
 * The start of such a defer_free: SYNC_DEFERRED_NODE_NEW(t, type, member, p,
 * fn, stats) allocates the node `type`, whose struct sync_deferred is
 * `member`, and fills that member (sync_deferred_init). With no memory for a
 * node it reclaims the object at once (the strategy's synchronize, then
 * fn(p)) and returns NULL: the defer_free has nothing left to do.
 */
#define SYNC_DEFERRED_NODE_NEW(t, type, member, p, fn, stats) \
	((type *)sync_deferred_node_new((t), sizeof(type), offsetof(type, member), (p), (fn), (stats)))
void *sync_deferred_node_new(struct sync_thread *t, size_t size, size_t offset, void *p,
			     void (*fn)(void *), struct sync_reclaim_stats *stats);

/* From the library's callback: frees the object and counts it (the node is the caller's). */
static inline void sync_deferred_run(struct sync_deferred *x)
{
	x->fn(x->p);
	sync_stats_freed(x->stats, 1);
}

/* "synchronize_calls N" and, in defer mode, " deferred_total N deferred_peak_pending N". */
void sync_stats_summary(const struct sync_reclaim_stats *s, enum sync_reclaim reclaim, FILE *out);

/*
 * The strategy's summary() pairs as one line in buf (len bytes, always
 * NUL-terminated): line breaks and tabs become spaces, the ends are trimmed.
 * Empty when the strategy has no summary(). Returns buf.
 */
char *sync_summary_string(struct sync_domain *d, char *buf, size_t len);

/* ---- the registry (strategies/registry.c) ---- */

/* Every strategy, in a fixed order; NULL-terminated. */
extern const struct sync_ops *const sync_registry[];
/* The strategy called name, or NULL. */
const struct sync_ops *sync_find(const char *name);
/* "none, rwlock, ..." for error messages. */
const char *sync_names(void);

#endif /* SYNC_H */
