/*
 * probe.c - one process-wide mutex held between isolate and release: the
 * smallest exclusive strategy, readers take the same mutex.
 */
#include "strategies/sync.h"

#include <pthread.h>

static pthread_mutex_t probe_lock = PTHREAD_MUTEX_INITIALIZER;

static int probe_domain_create(const struct sync_params *p, struct sync_domain **out, char *err, size_t errlen)
{
	extern const struct sync_ops sync_probe;
	struct sync_domain *d = sync_domain_new(&sync_probe, p, sizeof(*d), err, errlen);

	if (!d)
		return -1;
	*out = d;
	return 0;
}

static int probe_thread_alloc(struct sync_domain *d, unsigned tid, struct sync_thread **out, char *err, size_t errlen)
{
	struct sync_thread *t = sync_thread_new(d, tid, sizeof(*t), err, errlen);

	*out = t;
	return t ? 0 : -1;
}

static void probe_lock_take(struct sync_thread *t)
{
	(void)t;
	pthread_mutex_lock(&probe_lock);
}

static void probe_lock_drop(struct sync_thread *t)
{
	(void)t;
	pthread_mutex_unlock(&probe_lock);
}

static void probe_dump(struct sync_domain *d, FILE *out)
{
	fprintf(out, "probe: %u threads\n", d->nthreads);
}

const struct sync_ops sync_probe = {
	.name = "probe",
	.family = "exclusive",
	.origin = "a test strategy: one mutex",
	.caps = SYNC_CAP_ISOLATE,
	.domain_create = probe_domain_create,
	.domain_destroy = sync_domain_delete,
	.thread_alloc = probe_thread_alloc,
	.thread_free = sync_thread_delete,
	.read_begin = probe_lock_take,
	.read_end = probe_lock_drop,
	.isolate = probe_lock_take,
	.release = probe_lock_drop,
	.dump = probe_dump,
};
