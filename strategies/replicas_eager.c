/*
 * replicas_eager.c - per-thread replicas, eager mode (the protocol and its
 * invariant are in replicas.c): an update is done when EVERY participant has
 * applied its version; sleepers behind it are woken through the wake_fd (one
 * eventfd write per update, drained by the updater once every thread
 * acknowledged), like wake_all's sync point but without its barriers. Not
 * measured: the N copies of the state and the copy at each apply.
 */
#include "strategies/replicas.h"

REPLICAS_DEFINE_OPS(eager, REPLICAS_EAGER,
	.origin = "ours: per-thread replicas, version posted to every thread, sleepers woken (eventfd) to "
		  "apply and acknowledge; done when all applied (copies not modeled)",
	.caps = SYNC_CAP_SYNCHRONIZE | SYNC_CAP_WAKES_SLEEPERS,
	.wake_fd = replicas_wake_fd,
	.wake_event = replicas_wake_event);
