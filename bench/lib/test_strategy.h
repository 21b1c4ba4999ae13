/*
 * test_strategy.h - the plain parts of a test-only strategy, so that a test's
 * strategy is only what it breaks or observes: a domain with no state of its
 * own, a thread handle of a given size, an update hook that does nothing.
 * Header only, for tests (the strategies themselves fill their own tables).
 */
#ifndef TEST_STRATEGY_H
#define TEST_STRATEGY_H

#include <stdio.h>
#include <stdlib.h>

#include "strategies/sync.h"

/* domain_create's body for a strategy with no domain state: ops's own. */
static inline int test_strategy_domain_create(const struct sync_ops *ops, const struct sync_params *p,
					      struct sync_domain **out, char *err, size_t errlen)
{
	struct sync_domain *d;

	if (sync_check_params(ops, p, err, errlen))
		return -1;
	d = calloc(1, sizeof(*d));
	if (!d || sync_domain_init(d, ops, p)) {
		free(d);
		snprintf(err, errlen, "%s: out of memory", ops->name);
		return -1;
	}
	*out = d;
	return 0;
}

/* domain_destroy of a domain made by test_strategy_domain_create. */
static inline void test_strategy_domain_destroy(struct sync_domain *d)
{
	sync_domain_fini(d);
	free(d);
}

/* thread_alloc's body: a zeroed handle of size bytes (its struct sync_thread first). */
static inline int test_strategy_thread_new(struct sync_domain *d, unsigned tid, size_t size,
					   struct sync_thread **out, char *err, size_t errlen)
{
	struct sync_thread *t = sync_thread_new(d, tid, size, err, errlen);

	if (!t)
		return -1;
	*out = t;
	return 0;
}

/* thread_alloc for a strategy with no per-thread state (thread_free: sync_thread_delete). */
static inline int test_strategy_thread_alloc(struct sync_domain *d, unsigned tid, struct sync_thread **out,
					     char *err, size_t errlen)
{
	return test_strategy_thread_new(d, tid, sizeof(**out), out, err, errlen);
}

/* An update hook that does nothing: a test's deliberate lack of protection. */
static inline void test_strategy_nothing(struct sync_thread *t)
{
	(void)t;
}

#endif /* TEST_STRATEGY_H */
