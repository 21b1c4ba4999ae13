/*
 * replicas_lazy.c - per-thread replicas, lazy mode (the protocol and its
 * invariant are in replicas.c): an update is done when every AWAKE
 * participant has applied its version; sleepers are never woken and apply
 * what was posted while they slept when they wake, before any read. Sleeping
 * threads cost an update nothing; a woken thread's first event pays its
 * apply. Not measured: the N copies of the state and the copy at each apply.
 */
#include "strategies/replicas.h"

REPLICAS_DEFINE_OPS(lazy, REPLICAS_LAZY,
	.origin = "ours: per-thread replicas, version posted to every thread, applied and acknowledged at its "
		  "next loop iteration; sleepers apply at wake-up (copies not modeled)",
	.caps = SYNC_CAP_SYNCHRONIZE);
