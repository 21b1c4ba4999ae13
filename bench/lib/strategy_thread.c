/*
 * strategy_thread.c - the four steps of strategy_thread.h, registered
 * together.
 */
#include "bench/lib/strategy_thread.h"

#include "strategies/loop.h"

static int cb_alloc(void *arg, unsigned tid, char *err, size_t errlen)
{
	struct strategy_threads *st = arg;
	struct sync_thread **slot;
	void *user;

	if (st->before_alloc && st->before_alloc(st->harness, tid, err, errlen))
		return -1;
	slot = st->slot(st->harness, tid, &user);
	if ((*st->dom)->ops->thread_alloc(*st->dom, tid, slot, err, errlen))
		return -1;
	(*slot)->user = user;
	if (*st->wd)
		watchdog_watch(*st->wd, tid, *slot);
	return 0;
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
	struct sync_thread **slot = st->slot(st->harness, tid, &user);

	(void)err;
	(void)errlen;
	/* Unwatched first: the scan may read the handle until unwatch returns. */
	if (*st->wd)
		watchdog_unwatch(*st->wd, tid);
	(*slot)->dom->ops->thread_free(*slot);
	*slot = NULL;
	return 0;
}

int strategy_threads_register(struct lifecycle *lc, const char *name, struct strategy_threads *st)
{
	return lc_register(lc, LC_ALLOC, name, cb_alloc, st) || lc_register(lc, LC_INIT, name, cb_init, st) ||
	       lc_register(lc, LC_DEINIT, name, cb_deinit, st) || lc_register(lc, LC_FREE, name, cb_free, st)
		       ? -1
		       : 0;
}
