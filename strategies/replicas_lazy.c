/*
 * replicas_lazy.c - per-thread replicas, lazy mode (the protocol and its
 * invariant are in replicas.c): an update is done when every AWAKE
 * participant has applied its version; sleepers are never woken and apply
 * what was posted while they slept when they wake, before any read. Sleeping
 * threads cost an update nothing; a woken thread's first event pays its
 * apply. Not measured: the N copies of the state and the copy at each apply.
 */
#include "strategies/replicas.h"

static int rl_domain_create(const struct sync_params *p, struct sync_domain **out, char *err,
			    size_t errlen);

const struct sync_ops sync_replicas_lazy = {
	.name = "replicas_lazy",
	.family = "grace",
	.origin = "ours: per-thread replicas, version posted to every thread, applied and acknowledged at its "
		  "next loop iteration; sleepers apply at wake-up (copies not modeled)",
	.max_threads = 0,
	.caps = SYNC_CAP_SYNCHRONIZE,
	.domain_create = rl_domain_create,
	.domain_destroy = replicas_domain_destroy,
	.thread_alloc = replicas_thread_alloc,
	.thread_init = replicas_thread_init,
	.thread_deinit = replicas_thread_deinit,
	.thread_free = sync_thread_delete,
	.poll_enter = replicas_poll_enter,
	.poll_leave = replicas_poll_leave,
	.loop_iter = replicas_loop_iter,
	.synchronize = replicas_synchronize,
	.dump = replicas_dump,
	.summary = replicas_summary,
};

static int rl_domain_create(const struct sync_params *p, struct sync_domain **out, char *err,
			    size_t errlen)
{
	return replicas_domain_create(&sync_replicas_lazy, REPLICAS_LAZY, p, out, err, errlen);
}
