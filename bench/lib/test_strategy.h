/*
 * test_strategy.h - the plain parts of a test-only strategy, so that a test's
 * strategy is only what it breaks or observes: a domain with no state of its
 * own, a thread handle of a given size, an update hook that does nothing, a
 * dump of the thread count.
 * Header only, for tests (the strategies themselves fill their own tables).
 */
#ifndef TEST_STRATEGY_H
#define TEST_STRATEGY_H

#include <stdio.h>

#include "strategies/sync.h"

/* domain_create's body for a strategy with no domain state: ops's own (domain_destroy: sync_domain_delete). */
static inline int test_strategy_domain_create(const struct sync_ops *ops, const struct sync_params *p,
					      struct sync_domain **out, char *err, size_t errlen)
{
	struct sync_domain *d = sync_domain_new(ops, p, sizeof(*d), err, errlen);

	if (!d)
		return -1;
	*out = d;
	return 0;
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

/* The dump of a strategy with nothing to show but its threads. */
static inline void test_strategy_dump(struct sync_domain *d, FILE *out)
{
	fprintf(out, "%s: %u threads\n", d->ops->name, d->nthreads);
}

/*
 * The lifecycle entries of a table whose domain and threads are the plain
 * ones above; create is its domain_create (test_strategy_domain_create with
 * the table itself).
 */
#define TEST_STRATEGY_PLAIN_LIFECYCLE(create)                                                        \
	.domain_create = (create), .domain_destroy = sync_domain_delete,                             \
	.thread_alloc = test_strategy_thread_alloc, .thread_free = sync_thread_delete

#endif /* TEST_STRATEGY_H */
