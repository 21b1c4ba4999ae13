/*
 * none.c - no synchronization at all: the baseline that measures the poll loop
 * itself. UNSAFE by design: updates run in place while readers read, so a
 * reader can see a half-applied update (the readers/writers benchmark counts
 * such torn reads). No hook but isolate()/release(), which return at once.
 */
#include "strategies/sync.h"


struct none_thread {
	struct sync_thread base;
};

SYNC_DEFINE_THREAD_ALLOC(none_thread_alloc, struct none_thread)

/* No exclusion at all: the update runs while everybody reads (unsafe). */
static void none_isolate(struct sync_thread *t)
{
	(void)t;
}

static void none_release(struct sync_thread *t)
{
	(void)t;
}

static void none_dump(struct sync_domain *d, FILE *out)
{
	fprintf(out, "none: %u threads, no synchronization state\n", d->nthreads);
}

SYNC_DEFINE_DOMAIN_CREATE(none_domain_create, none, struct sync_domain, SYNC_NO_DOMAIN_INIT)

SYNC_DEFINE_OPS(none, "baseline", SYNC_CAP_ISOLATE | SYNC_CAP_UNSAFE, none,
	(domain_create, thread_alloc, isolate, release, dump),
	.origin = "no synchronization (unsafe): measures the loop itself",
	.max_threads = 0,
	.counted = SYNC_COUNTED_ALL, /* it does nothing, so every count is a true 0 */
	.domain_destroy = sync_domain_delete);
