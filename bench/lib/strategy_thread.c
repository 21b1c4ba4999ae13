/*
 * strategy_thread.c - the ALLOC and FREE steps of strategy_thread.h.
 */
#include "bench/lib/strategy_thread.h"

int strategy_thread_alloc(struct sync_domain *dom, struct watchdog *wd, unsigned tid, void *user,
			  struct sync_thread **slot, char *err, size_t errlen)
{
	if (dom->ops->thread_alloc(dom, tid, slot, err, errlen))
		return -1;
	(*slot)->user = user;
	if (wd)
		watchdog_watch(wd, tid, *slot);
	return 0;
}

void strategy_thread_free(struct watchdog *wd, unsigned tid, struct sync_thread **slot)
{
	/* Unwatched first: the scan may read the handle until unwatch returns. */
	if (wd)
		watchdog_unwatch(wd, tid);
	(*slot)->dom->ops->thread_free(*slot);
	*slot = NULL;
}
