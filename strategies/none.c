/*
 * none.c - no synchronization at all: the baseline that measures the poll loop
 * itself. UNSAFE by design: updates run in place while readers read, so a
 * reader can see a half-applied update (the readers/writers benchmark counts
 * such torn reads). No hook but isolate()/release(), which return at once.
 */
#include "strategies/sync.h"

#include <stdlib.h>

struct none_thread {
	struct sync_thread base;
};

static int none_domain_create(const struct sync_params *p, struct sync_domain **out,
			      char *err, size_t errlen);

static void none_domain_destroy(struct sync_domain *d)
{
	sync_domain_fini(d);
	free(d);
}

static int none_thread_alloc(struct sync_domain *d, unsigned tid, struct sync_thread **out,
			     char *err, size_t errlen)
{
	struct none_thread *t = sync_thread_new(d, tid, sizeof(*t), err, errlen);

	if (!t)
		return -1;
	*out = &t->base;
	return 0;
}

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

const struct sync_ops sync_none = {
	.name = "none",
	.family = "baseline",
	.origin = "no synchronization (unsafe): measures the loop itself",
	.max_threads = 0,
	.caps = SYNC_CAP_ISOLATE | SYNC_CAP_UNSAFE,
	.counted = SYNC_COUNTED_ALL, /* it does nothing, so every count is a true 0 */
	.domain_create = none_domain_create,
	.domain_destroy = none_domain_destroy,
	.thread_alloc = none_thread_alloc,
	.thread_free = sync_thread_delete,
	.isolate = none_isolate,
	.release = none_release,
	.dump = none_dump,
};

static int none_domain_create(const struct sync_params *p, struct sync_domain **out,
			      char *err, size_t errlen)
{
	struct sync_domain *d;

	if (sync_check_params(&sync_none, p, err, errlen))
		return -1;
	d = calloc(1, sizeof(*d));
	if (!d || sync_domain_init(d, &sync_none, p)) {
		free(d);
		snprintf(err, errlen, "none: out of memory");
		return -1;
	}
	*out = d;
	return 0;
}
