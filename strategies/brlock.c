/*
 * brlock.c - per-thread reader locks ("big reader lock") through Debian's
 * Concurrency Kit 0.7.1, ck_brlock (//system:ck). Origin: the Linux kernel's
 * brlock (Ingo Molnar and David S. Miller, around 2000), the design that
 * liburcu's benchmark test_perthreadlock measures against RCU. Exclusive
 * family: updates run in place between isolate() and release().
 *
 * Each participating thread owns one ck_brlock_reader (a counter on its own
 * cache line); a reader takes only its own, the writer takes all of them:
 *
 *   hook          call                          who waits for whom
 *   thread_init   ck_brlock_read_register()     takes the write side briefly
 *   read_begin    ck_brlock_read_lock(own)      waits while a writer holds it
 *   read_end      ck_brlock_read_unlock(own)
 *   isolate       writer mutex, ck_brlock_write_lock()  sets the writer flag,
 *                                               then waits for every reader
 *                                               counter to be 0
 *   release       ck_brlock_write_unlock(), writer mutex
 *   thread_deinit ck_brlock_read_unregister()
 *   poll hooks    none: a sleeping thread holds no reader lock, so nobody is
 *                 woken and no writer waits for a sleeper
 *
 * Invariant (ck's, restated): a reader sets its counter, then (store-load
 * fence: a locked exchange on x86) re-reads the writer flag and backs off if
 * it is set; the writer sets the flag (atomic exchange), then reads every
 * counter. Whichever of the two stores comes first in the total order, the
 * other side sees it: never both a reader and a writer inside. The cost is
 * the writer's O(N) scan, and readers spinning while a writer holds the lock
 * (ck_brlock spins; it never sleeps).
 *
 * The writer mutex (ours, not ck's): writers queue on a pthread mutex before
 * they take the brlock, so a waiting writer sleeps instead of spinning on the
 * writer flag (on 2 cores a spinning writer can hold up the one that holds
 * it), and the reader list, which ck changes and walks only under its writer
 * flag, is also changed (register/unregister) only under the mutex, where
 * ThreadSanitizer can see the ordering. ck's atomics are inline assembly
 * that TSAN cannot see: under -fsanitize=thread the hooks add TSAN
 * acquire/release annotations on the same edges (writer unlock -> reader
 * lock, reader unlock -> writer lock), so the generic tests can run brlock
 * under TSAN; its own tests are no_tsan like every ck-based strategy's.
 *
 * Deliberate break (brlock_broken_no_read_lock_test, must fail):
 * BRLOCK_BREAK_NO_READ_LOCK makes read_begin/read_end do nothing.
 */
#include <ck_brlock.h>

#include "strategies/sync.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#define BR_TSAN_ACQUIRE(a) __tsan_acquire((void *)(a))
#define BR_TSAN_RELEASE(a) __tsan_release((void *)(a))
#else
#define BR_TSAN_ACQUIRE(a) ((void)0)
#define BR_TSAN_RELEASE(a) ((void)0)
#endif

struct brlock_domain {
	struct sync_domain base;
	/* Writers and (un)registering threads, one at a time. */
	pthread_mutex_t writer_mutex;
	/* The ck lock: writer flag written by the writer, read by readers. */
	ck_brlock_t br SYNC_ALIGNED;
	/* Statistics, relaxed: it orders nothing. */
	_Atomic uint64_t isolations SYNC_ALIGNED;
};

struct brlock_thread {
	struct sync_thread base;
	/*
	 * The thread's reader lock: n_readers written by the owner (ck_pr
	 * stores), read by writers; the links written under writer_mutex.
	 * Its own cache line, so a reader's lock touches nothing shared.
	 */
	ck_brlock_reader_t reader SYNC_ALIGNED;
	/* Written by the owner, read by dump(): registered with the lock. */
	_Atomic int registered;
};

SYNC_DEFINE_DOMAIN_CAST(br_dom, struct brlock_domain)
SYNC_DEFINE_THREAD_CAST(br_thr, struct brlock_thread)

static void br_domain_destroy(struct sync_domain *d)
{
	pthread_mutex_destroy(&br_dom(d)->writer_mutex);
	sync_domain_delete(d);
}

SYNC_DEFINE_THREAD_ALLOC(br_thread_alloc, struct brlock_thread)

static int br_thread_init(struct sync_thread *t, char *err, size_t errlen)
{
	struct brlock_domain *d = br_dom(t->dom);

	(void)err;
	(void)errlen;
	pthread_mutex_lock(&d->writer_mutex);
	ck_brlock_read_register(&d->br, &br_thr(t)->reader);
	pthread_mutex_unlock(&d->writer_mutex);
	/* Relaxed: only dump() reads it. */
	atomic_store_explicit(&br_thr(t)->registered, 1, memory_order_relaxed);
	return 0;
}

static void br_thread_deinit(struct sync_thread *t)
{
	struct brlock_domain *d = br_dom(t->dom);

	pthread_mutex_lock(&d->writer_mutex);
	ck_brlock_read_unregister(&d->br, &br_thr(t)->reader);
	pthread_mutex_unlock(&d->writer_mutex);
	atomic_store_explicit(&br_thr(t)->registered, 0, memory_order_relaxed);
}

static void br_read_begin(struct sync_thread *t)
{
#ifndef BRLOCK_BREAK_NO_READ_LOCK
	struct brlock_domain *d = br_dom(t->dom);

	ck_brlock_read_lock(&d->br, &br_thr(t)->reader);
	BR_TSAN_ACQUIRE(&d->br.writer);
#else
	(void)t;
#endif
}

static void br_read_end(struct sync_thread *t)
{
#ifndef BRLOCK_BREAK_NO_READ_LOCK
	BR_TSAN_RELEASE(&br_thr(t)->reader.n_readers);
	ck_brlock_read_unlock(&br_thr(t)->reader);
#else
	(void)t;
#endif
}

static void br_isolate(struct sync_thread *t)
{
	struct brlock_domain *d = br_dom(t->dom);

	sync_wait_begin(t, SYNC_WAIT_ISOLATE);
	pthread_mutex_lock(&d->writer_mutex);
	/* Spins until every registered reader's counter is 0. */
	ck_brlock_write_lock(&d->br);
	sync_wait_end(t);
	BR_TSAN_ACQUIRE(&d->br.writer);
	for (ck_brlock_reader_t *r = d->br.readers; r; r = r->next)
		BR_TSAN_ACQUIRE(&r->n_readers);
	atomic_fetch_add_explicit(&d->isolations, 1, memory_order_relaxed);
}

static void br_release(struct sync_thread *t)
{
	struct brlock_domain *d = br_dom(t->dom);

	BR_TSAN_RELEASE(&d->br.writer);
	ck_brlock_write_unlock(&d->br);
	pthread_mutex_unlock(&d->writer_mutex);
}

static void br_dump_thread(struct sync_thread *t, FILE *out)
{
	fprintf(out, "%s, reader count %u",
		atomic_load_explicit(&br_thr(t)->registered, memory_order_relaxed) ? "registered" : "unregistered",
		ck_pr_load_uint(&br_thr(t)->reader.n_readers));
}

static void br_dump(struct sync_domain *dd, FILE *out)
{
	struct brlock_domain *d = br_dom(dd);

	/* Racy reads through ck_pr loads: a stuck run's values stopped changing. */
	fprintf(out, "brlock: writer flag %u, %llu isolations\n", ck_pr_load_uint(&d->br.writer),
		(unsigned long long)atomic_load_explicit(&d->isolations, memory_order_relaxed));
	sync_dump_threads(dd, out, br_dump_thread);
}

static void br_summary(struct sync_domain *dd, FILE *out)
{
	fprintf(out, "isolations %llu",
		(unsigned long long)atomic_load_explicit(&br_dom(dd)->isolations, memory_order_relaxed));
}

static void br_domain_init(struct brlock_domain *d)
{
	pthread_mutex_init(&d->writer_mutex, NULL);
	ck_brlock_init(&d->br);
}

SYNC_DEFINE_DOMAIN_CREATE(br_domain_create, brlock, struct brlock_domain, br_domain_init)

SYNC_DEFINE_OPS(brlock, "exclusive", SYNC_CAP_ISOLATE, br,
	(domain_create, domain_destroy, thread_alloc, thread_init, thread_deinit, read_begin,
	 read_end, isolate, release, dump, summary),
	.origin = "Concurrency Kit 0.7.1 ck_brlock (Debian libck-dev): per-thread reader locks, the writer "
		  "takes all; Linux brlock (Molnar, Miller 2000), liburcu's test_perthreadlock",
	.max_threads = 0);
