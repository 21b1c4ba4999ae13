/*
 * loop.h - the one sequence of strategy hooks around a poll-loop iteration,
 * a read section and an update, called by the simulator (bench/pollsim.c),
 * the readers/writers benchmark (bench/rw.c) and both validation harnesses
 * (strategies/stress.c, strategies/grace_test.c). Nothing else calls a
 * per-iteration or read-side hook directly, so the order cannot drift.
 *
 * Every wrapper is static inline: a hook the strategy left NULL costs one
 * predictable branch and no call. The update wrappers abort when the
 * strategy lacks the hook (sync_missing_hook), never silently do nothing.
 */
#ifndef SYNC_LOOP_H
#define SYNC_LOOP_H

#include "strategies/sync.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>

static inline const struct sync_ops *sync_ops_of(const struct sync_thread *t)
{
	return t->dom->ops;
}

/* Defines `static inline void fn(t)`: calls the optional hook when the strategy has one. */
#define SYNC_DEFINE_OPTIONAL_HOOK(fn, hook)                  \
	static inline void fn(struct sync_thread *t)         \
	{                                                    \
		const struct sync_ops *o = sync_ops_of(t);   \
                                                             \
		if (o->hook)                                 \
			o->hook(t);                          \
	}

/* Defines `static inline void fn(t)`: calls the update hook, or aborts naming it. */
#define SYNC_DEFINE_UPDATE_HOOK(fn, hook)                    \
	static inline void fn(struct sync_thread *t)         \
	{                                                    \
		const struct sync_ops *o = sync_ops_of(t);   \
                                                             \
		if (!o->hook)                                \
			sync_missing_hook(o, #hook);         \
		o->hook(t);                                  \
	}

/* ---- the poller ---- */

/*
 * poll_enter; poll(arg); poll_leave. poll returns what the poll syscall
 * returned, with -errno for an error (so that poll_leave cannot clobber it).
 * Returns poll's value.
 */
static inline int sync_loop_poll(struct sync_thread *t, int (*poll)(void *arg), void *arg)
{
	const struct sync_ops *o = sync_ops_of(t);
	int n;

	if (o->poll_enter)
		o->poll_enter(t);
	n = poll(arg);
	if (o->poll_leave)
		o->poll_leave(t);
	return n;
}

struct sync_epoll_args {
	int epfd, max, timeout_ms;
	struct epoll_event *evs;
};

static inline int sync_epoll_call(void *arg)
{
	struct sync_epoll_args *a = arg;
	int n = epoll_wait(a->epfd, a->evs, a->max, a->timeout_ms);

	return n < 0 ? -errno : n;
}

/* The usual poller: epoll_wait inside sync_loop_poll; n, or -errno. */
static inline int sync_loop_epoll(struct sync_thread *t, int epfd, struct epoll_event *evs, int max,
				  int timeout_ms)
{
	struct sync_epoll_args a = { .epfd = epfd, .max = max, .timeout_ms = timeout_ms, .evs = evs };

	return sync_loop_poll(t, sync_epoll_call, &a);
}

/* The poll saw the strategy's wake_fd fire. */
SYNC_DEFINE_OPTIONAL_HOOK(sync_loop_woken, wake_event)

/* End of an iteration, outside any read section. */
SYNC_DEFINE_OPTIONAL_HOOK(sync_loop_end, loop_iter)

/* The strategy's wake fd, or -1. */
static inline int sync_wake_fd(struct sync_domain *d)
{
	return d->ops->wake_fd ? d->ops->wake_fd(d) : -1;
}

/* ---- lifecycle ---- */

static inline int sync_thread_init(struct sync_thread *t, char *err, size_t errlen)
{
	const struct sync_ops *o = sync_ops_of(t);

	return o->thread_init ? o->thread_init(t, err, errlen) : 0;
}

SYNC_DEFINE_OPTIONAL_HOOK(sync_thread_deinit, thread_deinit)

/*
 * For a validation harness's thread: the ALLOC and INIT phases of thread tid
 * of d, or exit(1) with "<who>: <strategy>: thread <tid>: <reason>" on stderr.
 */
static inline struct sync_thread *sync_thread_start_or_exit(struct sync_domain *d, unsigned tid,
							    const char *who)
{
	struct sync_thread *t = NULL;
	char err[256] = "";

	if (d->ops->thread_alloc(d, tid, &t, err, sizeof(err)) || sync_thread_init(t, err, sizeof(err))) {
		fprintf(stderr, "%s: %s: thread %u: %s\n", who, d->ops->name, tid, err);
		exit(1);
	}
	return t;
}

/* ---- read side ---- */

SYNC_DEFINE_OPTIONAL_HOOK(sync_read_begin, read_begin)
SYNC_DEFINE_OPTIONAL_HOOK(sync_read_end, read_end)

/* After sync_read_end: the section must be redone (seqlock). */
static inline int sync_read_retry(struct sync_thread *t)
{
	const struct sync_ops *o = sync_ops_of(t);

	return o->read_retry ? o->read_retry(t) : 0;
}

/* Inside a read section: the shared pointer, as the strategy must load it. */
static inline void *sync_deref(struct sync_thread *t, void *_Atomic *slot)
{
	const struct sync_ops *o = sync_ops_of(t);

	if (o->read_deref)
		return o->read_deref(t, slot);
	/* Acquire: pairs with the updater's publishing store or exchange. */
	return atomic_load_explicit(slot, memory_order_acquire);
}

/*
 * One read section around body(t, arg), redone while the strategy says it
 * may have seen a concurrent write. Returns the number of retries.
 */
static inline unsigned sync_read(struct sync_thread *t, void (*body)(struct sync_thread *t, void *arg),
				 void *arg)
{
	unsigned retries = 0;

	for (;;) {
		sync_read_begin(t);
		body(t, arg);
		sync_read_end(t);
		if (!sync_read_retry(t))
			return retries;
		retries++;
	}
}

/* Around a slow call inside a task: harmless but not idle. */
SYNC_DEFINE_OPTIONAL_HOOK(sync_harmless_begin, harmless_begin)
SYNC_DEFINE_OPTIONAL_HOOK(sync_harmless_end, harmless_end)

/* ---- update side ---- */

static inline void sync_isolate(struct sync_thread *t)
{
	const struct sync_ops *o = sync_ops_of(t);

	if (!o->isolate)
		sync_missing_hook(o, "isolate");
	if (t->isolating) {
		fprintf(stderr, "%s: thread %u called isolate() while isolated (nested isolation is forbidden)\n",
			o->name, t->tid);
		abort();
	}
	o->isolate(t);
	t->isolating = 1;
}

static inline void sync_release(struct sync_thread *t)
{
	const struct sync_ops *o = sync_ops_of(t);

	if (!o->release)
		sync_missing_hook(o, "release");
	if (!t->isolating) {
		fprintf(stderr, "%s: thread %u called release() without isolate()\n", o->name, t->tid);
		abort();
	}
	t->isolating = 0;
	o->release(t);
}

SYNC_DEFINE_UPDATE_HOOK(sync_synchronize, synchronize)

static inline void sync_defer_free(struct sync_thread *t, void *p, void (*fn)(void *))
{
	const struct sync_ops *o = sync_ops_of(t);

	if (!o->defer_free)
		sync_missing_hook(o, "defer_free");
	o->defer_free(t, p, fn);
}

SYNC_DEFINE_UPDATE_HOOK(sync_barrier, barrier)

#endif /* SYNC_LOOP_H */
