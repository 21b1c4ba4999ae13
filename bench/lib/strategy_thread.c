/*
 * strategy_thread.c - the four steps of strategy_thread.h, and their
 * registration.
 */
#include "bench/lib/strategy_thread.h"

#include "strategies/loop.h"

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

static int cb_alloc(void *arg, unsigned tid, char *err, size_t errlen)
{
	struct strategy_threads *st = arg;
	struct sync_thread **slot;
	void *user;

	if (st->before_alloc && st->before_alloc(st->harness, tid, err, errlen))
		return -1;
	slot = st->slot(st->harness, tid, &user);
	return strategy_thread_alloc(*st->dom, *st->wd, tid, user, slot, err, errlen);
}

static int cb_init(void *arg, unsigned tid, char *err, size_t errlen)
{
	struct strategy_threads *st = arg;
	void *user;

	return sync_thread_init(*st->slot(st->harness, tid, &user), err, errlen) ? -1 : 0;
}

static int cb_deinit(void *arg, unsigned tid, char *err, size_t errlen)
{
	struct strategy_threads *st = arg;
	void *user;

	(void)err;
	(void)errlen;
	sync_thread_deinit(*st->slot(st->harness, tid, &user));
	return 0;
}

static int cb_free(void *arg, unsigned tid, char *err, size_t errlen)
{
	struct strategy_threads *st = arg;
	void *user;

	(void)err;
	(void)errlen;
	strategy_thread_free(*st->wd, tid, st->slot(st->harness, tid, &user));
	return 0;
}

int strategy_threads_register(struct lifecycle *lc, const char *name, struct strategy_threads *st)
{
	return lc_register(lc, LC_ALLOC, name, cb_alloc, st) || lc_register(lc, LC_INIT, name, cb_init, st) ||
	       lc_register(lc, LC_DEINIT, name, cb_deinit, st) || lc_register(lc, LC_FREE, name, cb_free, st)
		       ? -1
		       : 0;
}
