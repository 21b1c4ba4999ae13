/*
 * replicas_eager.c - per-thread replicas, eager mode (the protocol and its
 * invariant are in replicas.c): an update is done when EVERY participant has
 * applied its version; sleepers behind it are woken through the wake_fd (one
 * eventfd write per update, drained by the updater once every thread
 * acknowledged), like wake_all's sync point but without its barriers. Not
 * measured: the N copies of the state and the copy at each apply.
 */
#include "strategies/replicas.h"

static int re_domain_create(const struct sync_params *p, struct sync_domain **out, char *err,
			    size_t errlen);

const struct sync_ops sync_replicas_eager = {
	.name = "replicas_eager",
	.family = "grace",
	.origin = "ours: per-thread replicas, version posted to every thread, sleepers woken (eventfd) to "
		  "apply and acknowledge; done when all applied (copies not modeled)",
	.max_threads = 0,
	.caps = SYNC_CAP_SYNCHRONIZE | SYNC_CAP_WAKES_SLEEPERS,
	.domain_create = re_domain_create,
	.domain_destroy = replicas_domain_destroy,
	.wake_fd = replicas_wake_fd,
	.thread_alloc = replicas_thread_alloc,
	.thread_init = replicas_thread_init,
	.thread_deinit = replicas_thread_deinit,
	.thread_free = sync_thread_delete,
	.poll_enter = replicas_poll_enter,
	.poll_leave = replicas_poll_leave,
	.wake_event = replicas_wake_event,
	.loop_iter = replicas_loop_iter,
	.synchronize = replicas_synchronize,
	.dump = replicas_dump,
	.summary = replicas_summary,
};

static int re_domain_create(const struct sync_params *p, struct sync_domain **out, char *err,
			    size_t errlen)
{
	return replicas_domain_create(&sync_replicas_eager, REPLICAS_EAGER, p, out, err, errlen);
}
