/*
 * test_strategy.h - the plain parts of a test-only strategy, so that a test's
 * strategy is only what it breaks or observes: a domain with no state of its
 * own, a thread handle with no state of its own, an update hook that does
 * nothing, a dump of the thread count, and the table of such a strategy.
 * Header only, for tests (the strategies themselves fill their own tables).
 */
#ifndef TEST_STRATEGY_H
#define TEST_STRATEGY_H

#include <stdio.h>

#include "strategies/sync.h"

/* thread_alloc for a strategy with no per-thread state (thread_free: sync_thread_delete). */
static inline SYNC_THREAD_ALLOC_WITH(test_strategy_thread_alloc, struct sync_thread, (void)t)

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

/* The isolate and release of a strategy that guards nothing: a break, or no writer runs against it. */
#define TEST_STRATEGY_UNGUARDED .isolate = test_strategy_nothing, .release = test_strategy_nothing

/*
 * Defines sync_<name>, a test table (SYNC_DEFINE_OPS, same arguments) whose
 * domain and threads are the plain ones: no domain state (domain_destroy:
 * sync_domain_delete), threads from test_strategy_thread_alloc. Its name
 * must be none of the registry's.
 */
#define TEST_STRATEGY_DEFINE_PLAIN(name, family, caps, prefix, hooks, ...)                                 \
	SYNC_DEFINE_DOMAIN_CREATE(test_strategy_##name##_create, name, struct sync_domain,                 \
				  SYNC_NO_DOMAIN_INIT)                                                     \
	SYNC_DEFINE_OPS(name, family, caps, prefix, hooks, .domain_create = test_strategy_##name##_create, \
			.domain_destroy = sync_domain_delete, .thread_alloc = test_strategy_thread_alloc,  \
			__VA_ARGS__)

#endif /* TEST_STRATEGY_H */
