/*
 * rwlock.c - the textbook baseline: one POSIX reader-writer lock around the
 * shared state. Every read section holds it shared, every update holds it
 * exclusive. Origin: POSIX.1c pthread_rwlock (glibc's implementation).
 *
 * Invariant:
 *  1. read_begin() = rdlock, read_end() = unlock: a reader holds the lock for
 *     exactly its read section, never across the poller.
 *  2. isolate() = wrlock, release() = unlock: while an updater holds it, no
 *     read section is open anywhere.
 *  3. The lock is writer-preferring (PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP):
 *     once an updater waits, new rdlock calls queue behind it. glibc's default
 *     kind prefers readers, and a loop whose readers overlap without pause (a
 *     saturated server) would then never let an update in. The price: read
 *     sections must not nest (sync.h already forbids it), or a reader holding
 *     the lock shared would deadlock behind the waiting writer.
 * Sleeping threads hold nothing, so an update never wakes them.
 *
 * Memory ordering comes from the lock itself (acquire on lock, release on
 * unlock); the strategy adds no atomics of its own beyond the watchdog's.
 * Waits are bracketed for the watchdog only when the try-lock fails, so the
 * uncontended read path costs one rdlock/unlock pair and no clock reads.
 *
 * Deliberate break for the tests (-DRWLOCK_BREAK_NOLOCK, never in a real
 * build; rwlock_broken_nolock_test must fail): readers take no lock.
 */
#include "strategies/sync.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct rwlock_domain {
	struct sync_domain base;
	/* Taken by every thread: shared by readers, exclusive by updaters. */
	pthread_rwlock_t lock SYNC_ALIGNED;
	/* Written by updaters (inside the lock), read by dump(): diagnostics. */
	_Atomic uint64_t updates SYNC_ALIGNED;
};

struct rwlock_thread {
	struct sync_thread base;
	/*
	 * Written by the owner, read by dump(): 0 free, 1 reading, 2 writing.
	 * Relaxed: a diagnostic snapshot, ordered by nothing.
	 */
	_Atomic int holding;
} SYNC_ALIGNED;

SYNC_DEFINE_DOMAIN_CAST(rw_dom, struct rwlock_domain)

static void rwlock_domain_destroy(struct sync_domain *d)
{
	pthread_rwlock_destroy(&rw_dom(d)->lock);
	sync_domain_delete(d);
}

SYNC_DEFINE_THREAD_ALLOC(rwlock_thread_alloc, struct rwlock_thread)

/*
 * Takes the lock for reading or (write) writing, trying first: a wait is
 * shown to the watchdog and counted once more (the count is a lower bound:
 * see count.h). Inlined with a constant `write`: the read side keeps its
 * two direct calls.
 */
static inline void rwlock_take(struct sync_thread *t, pthread_rwlock_t *l, int write)
{
	SYNC_COUNT(t, SYNC_COUNT_CONTENDED_WRITE, 1);
	if ((write ? pthread_rwlock_trywrlock(l) : pthread_rwlock_tryrdlock(l)) != 0) {
		sync_wait_begin(t, SYNC_WAIT_LOCK);
		SYNC_COUNT(t, SYNC_COUNT_CONTENDED_WRITE, 1);
		if (write)
			pthread_rwlock_wrlock(l);
		else
			pthread_rwlock_rdlock(l);
		sync_wait_end(t);
	}
}

static void rwlock_read_begin(struct sync_thread *t)
{
	struct rwlock_domain *d = rw_dom(t->dom);
	struct rwlock_thread *rt = (struct rwlock_thread *)t;

#ifndef RWLOCK_BREAK_NOLOCK
	rwlock_take(t, &d->lock, 0);
#else
	(void)d; /* deliberately broken variant for the tests: no protection */
#endif
	atomic_store_explicit(&rt->holding, 1, memory_order_relaxed);
}

static void rwlock_read_end(struct sync_thread *t)
{
	struct rwlock_thread *rt = (struct rwlock_thread *)t;

	atomic_store_explicit(&rt->holding, 0, memory_order_relaxed);
#ifndef RWLOCK_BREAK_NOLOCK
	SYNC_COUNT(t, SYNC_COUNT_CONTENDED_WRITE, 1);
	pthread_rwlock_unlock(&rw_dom(t->dom)->lock);
#endif
}

/* Blocks until no read section is open; must be completed by release(). */
static void rwlock_isolate(struct sync_thread *t)
{
	struct rwlock_domain *d = rw_dom(t->dom);
	struct rwlock_thread *rt = (struct rwlock_thread *)t;

	rwlock_take(t, &d->lock, 1);
	atomic_store_explicit(&rt->holding, 2, memory_order_relaxed);
	/* Relaxed: a counter for dump(), updated under the lock. */
	atomic_fetch_add_explicit(&d->updates, 1, memory_order_relaxed);
}

static void rwlock_release(struct sync_thread *t)
{
	struct rwlock_thread *rt = (struct rwlock_thread *)t;

	atomic_store_explicit(&rt->holding, 0, memory_order_relaxed);
	SYNC_COUNT(t, SYNC_COUNT_CONTENDED_WRITE, 1);
	pthread_rwlock_unlock(&rw_dom(t->dom)->lock);
}

static void rwlock_dump_thread(struct sync_thread *t, FILE *out)
{
	static const char *const what[] = { "free", "reading", "writing" };
	int h = atomic_load_explicit(&((struct rwlock_thread *)t)->holding, memory_order_relaxed);

	fputs((h >= 0 && h <= 2) ? what[h] : "?", out);
}

static void rwlock_dump(struct sync_domain *d, FILE *out)
{
	fprintf(out, "rwlock: %u threads, %llu updates, writer-preferring\n", d->nthreads,
		(unsigned long long)atomic_load_explicit(&rw_dom(d)->updates, memory_order_relaxed));
	sync_dump_threads(d, out, rwlock_dump_thread);
}

static int rwlock_domain_init(struct rwlock_domain *d, char *err, size_t errlen)
{
	pthread_rwlockattr_t attr;
	int rc;

	pthread_rwlockattr_init(&attr);
	rc = pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	if (rc == 0)
		rc = pthread_rwlock_init(&d->lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	if (rc) {
		snprintf(err, errlen, "rwlock: cannot create a writer-preferring rwlock: %s", strerror(rc));
		return -1;
	}
	atomic_init(&d->updates, 0);
	return 0;
}

SYNC_DEFINE_DOMAIN_CREATE_CHECKED(rwlock_domain_create, rwlock, struct rwlock_domain,
				  rwlock_domain_init)

SYNC_DEFINE_OPS(rwlock, "baseline", SYNC_CAP_ISOLATE, rwlock,
	(domain_create, domain_destroy, thread_alloc, read_begin, read_end, isolate, release, dump),
	.origin = "POSIX pthread_rwlock, glibc, writer-preferring kind",
	.max_threads = 0,
	/* A lower bound: see count.h. */
	.counted = SYNC_COUNTED(SYNC_COUNT_CONTENDED_WRITE));
