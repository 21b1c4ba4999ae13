/*
 * strategy_thread.h - a strategy's per-thread handle under the lifecycle
 * (bench/lib/lifecycle.h), for every harness that runs strategy threads.
 *
 * The handle lives from its thread's ALLOC to its FREE, and the watchdog
 * (bench/lib/watchdog.h) watches it for exactly that long, so that a wait in
 * thread_init, in a DEINIT barrier or in thread_deinit is caught too:
 *   ALLOC   thread_alloc, t->user, watchdog_watch;
 *   INIT    sync_thread_init;
 *   DEINIT  sync_thread_deinit;
 *   FREE    watchdog_unwatch, then thread_free (the scan holds the lock
 *           that unwatch takes, so it never reads a freed handle).
 * strategy_threads_register registers the four under one name, so that a
 * failed start undoes exactly what ran (lifecycle pairs undo callbacks by
 * name).
 */
#ifndef STRATEGY_THREAD_H
#define STRATEGY_THREAD_H

#include <stddef.h>

#include "bench/lib/lifecycle.h"
#include "bench/lib/watchdog.h"
#include "strategies/sync.h"

/*
 * A harness's strategy threads, for strategy_threads_register. dom and wd
 * point at the harness's own fields, read at each call (the watchdog may
 * start after the registration; *wd NULL: none).
 */
struct strategy_threads {
	struct sync_domain *const *dom;
	struct watchdog *const *wd;
	void *harness;
	/* thread tid's handle slot; *user: the pointer its handle carries */
	struct sync_thread **(*slot)(void *harness, unsigned tid, void **user);
	/* optional, first in ALLOC: nonzero fails the phase (an injected failure) */
	int (*before_alloc)(void *harness, unsigned tid, char *err, size_t errlen);
};

/*
 * Registers the four steps above on lc under one name, after whatever the
 * harness registered before (so a DEINIT step of its own registered first
 * runs before the strategy's). st must outlive lc. 0, or -1 (out of memory).
 */
int strategy_threads_register(struct lifecycle *lc, const char *name, struct strategy_threads *st);

#endif /* STRATEGY_THREAD_H */
