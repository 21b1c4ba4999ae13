/*
 * seqlock.c - a sequence lock through Debian's Concurrency Kit 0.7.1,
 * ck_sequence (//system:ck). Origin: Lameter's seqlock in the Linux kernel
 * (2.5.60, 2003, for the time of day); ck_sequence is the same protocol in
 * user space. Exclusive family: the writer updates the shared state in place
 * between isolate() and release(); readers never block the writer and nobody
 * is woken, but a reader that overlapped a write must redo its section.
 *
 * The protocol (one sequence counter, even = stable, odd = write under way):
 *
 *   step  writer (isolate .. release)        reader (sync_read)
 *   1     lock the writer mutex              read_begin: v = sequence, spinning
 *                                            while it is odd; load fence
 *   2     sequence++ (odd); store fence      ... reads the state ...
 *   3     ... writes the state in place ...  read_end: load fence; torn =
 *                                            (sequence != v)
 *   4     store fence; sequence++ (even)     read_retry: torn? count it, redo
 *   5     unlock the writer mutex            the section from step 1
 *
 * A section is accepted only when the sequence was the same even value
 * before and after it: no write began or ended in between, so every load in
 * it saw one stable version. The fences (ck_pr_fence_load/store: compiler
 * barriers on x86, whose loads and stores keep their order) order the
 * section's loads between the two sequence loads and the writes between the
 * two sequence stores.
 *
 * What the interface's isolate() promises here: the caller is the only
 * WRITER; readers keep reading (and retry), so a read section must tolerate
 * a torn state until read_retry has accepted it: its loads must be relaxed
 * atomics (a plain load racing a write is undefined behaviour in C11) and it
 * must not follow a pointer read inside it (the target may be gone). Safe
 * only for harnesses that read through loop.h's sync_read(), which redoes the
 * section while read_retry() says so; a harness that calls read_begin/read_end
 * once and keeps what it read accepts torn reads. Retries are counted per
 * thread (owner only) and reported by summary() as "read_retries N".
 *
 * Writers queue on a pthread mutex (ck_sequence leaves writer exclusion to
 * the caller, "must be called after a successful mutex acquisition"): a
 * waiting writer sleeps; readers spin (ck_pr_stall) while a write is under
 * way, so a writer preempted in the middle holds them for its time slice.
 * Sleepers hold nothing: no poll hooks, nobody is woken.
 *
 * Deliberate break (seqlock_broken_no_retry_test, must fail):
 * SEQLOCK_BREAK_NO_RETRY makes read_retry() always accept.
 */
#include <ck_sequence.h>

#include "strategies/sync.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct seqlock_domain {
	struct sync_domain base;
	/* Writers, one at a time. */
	pthread_mutex_t writer_mutex;
	/* Written by the writer under writer_mutex (ck_pr stores), read by every reader. */
	ck_sequence_t seq SYNC_ALIGNED;
	/* Retries of threads that already left (thread_deinit), and writes. Relaxed: statistics. */
	_Atomic uint64_t retries_done SYNC_ALIGNED;
	_Atomic uint64_t writes;
};

struct seqlock_thread {
	struct sync_thread base;
	/* Owner only: the version read_begin saw, and whether read_end found it changed. */
	unsigned version;
	int torn;
	/* Written by the owner, read by summary() and dump(): relaxed, statistics. */
	_Atomic uint64_t retries;
};

SYNC_DEFINE_DOMAIN_CAST(sq_dom, struct seqlock_domain)
SYNC_DEFINE_THREAD_CAST(sq_thr, struct seqlock_thread)

static void sq_domain_destroy(struct sync_domain *d)
{
	pthread_mutex_destroy(&sq_dom(d)->writer_mutex);
	sync_domain_delete(d);
}

SYNC_DEFINE_THREAD_ALLOC(sq_thread_alloc, struct seqlock_thread)

static void sq_thread_free(struct sync_thread *t)
{
	struct seqlock_domain *d = sq_dom(t->dom);

	/* summary() runs after the threads are gone: keep their counts. */
	atomic_fetch_add_explicit(&d->retries_done,
				  atomic_load_explicit(&sq_thr(t)->retries, memory_order_relaxed),
				  memory_order_relaxed);
	sync_thread_delete(t);
}

static void sq_read_begin(struct sync_thread *t)
{
	/* Spins while a write is under way; returns an even version. */
	sq_thr(t)->version = ck_sequence_read_begin(&sq_dom(t->dom)->seq);
}

static void sq_read_end(struct sync_thread *t)
{
	struct seqlock_thread *st = sq_thr(t);

	st->torn = ck_sequence_read_retry(&sq_dom(t->dom)->seq, st->version);
}

static int sq_read_retry(struct sync_thread *t)
{
	struct seqlock_thread *st = sq_thr(t);

#ifdef SEQLOCK_BREAK_NO_RETRY
	st->torn = 0;
#endif
	if (!st->torn)
		return 0;
	atomic_store_explicit(&st->retries, atomic_load_explicit(&st->retries, memory_order_relaxed) + 1,
			      memory_order_relaxed);
	return 1;
}

static void sq_isolate(struct sync_thread *t)
{
	struct seqlock_domain *d = sq_dom(t->dom);

	sync_wait_begin(t, SYNC_WAIT_LOCK);
	pthread_mutex_lock(&d->writer_mutex);
	sync_wait_end(t);
	ck_sequence_write_begin(&d->seq);
}

static void sq_release(struct sync_thread *t)
{
	struct seqlock_domain *d = sq_dom(t->dom);

	ck_sequence_write_end(&d->seq);
	atomic_fetch_add_explicit(&d->writes, 1, memory_order_relaxed);
	pthread_mutex_unlock(&d->writer_mutex);
}

/* Retries of the threads that left plus those still attached. */
static uint64_t sq_retries(struct sync_domain *dd)
{
	uint64_t n = atomic_load_explicit(&sq_dom(dd)->retries_done, memory_order_relaxed);

	for (unsigned i = 0; i < dd->nthreads; i++) {
		struct sync_thread *t = atomic_load_explicit(&dd->threads[i], memory_order_acquire);

		if (t)
			n += atomic_load_explicit(&sq_thr(t)->retries, memory_order_relaxed);
	}
	return n;
}

static void sq_dump_thread(struct sync_thread *t, FILE *out)
{
	fprintf(out, "%llu retries",
		(unsigned long long)atomic_load_explicit(&sq_thr(t)->retries, memory_order_relaxed));
}

static void sq_dump(struct sync_domain *dd, FILE *out)
{
	struct seqlock_domain *d = sq_dom(dd);
	unsigned s = ck_pr_load_uint(&d->seq.sequence);

	fprintf(out, "seqlock: sequence %u (%s), %llu writes, %llu read retries\n", s,
		(s & 1) ? "write under way" : "stable",
		(unsigned long long)atomic_load_explicit(&d->writes, memory_order_relaxed),
		(unsigned long long)sq_retries(dd));
	sync_dump_threads(dd, out, sq_dump_thread);
}

static void sq_summary(struct sync_domain *dd, FILE *out)
{
	fprintf(out, "read_retries %llu writes %llu", (unsigned long long)sq_retries(dd),
		(unsigned long long)atomic_load_explicit(&sq_dom(dd)->writes, memory_order_relaxed));
}

static void sq_domain_init(struct seqlock_domain *d)
{
	pthread_mutex_init(&d->writer_mutex, NULL);
	ck_sequence_init(&d->seq);
}

SYNC_DEFINE_DOMAIN_CREATE(sq_domain_create, seqlock, struct seqlock_domain, sq_domain_init)

const struct sync_ops sync_seqlock = {
	.name = "seqlock",
	.family = "exclusive",
	.origin = "Concurrency Kit 0.7.1 ck_sequence (Debian libck-dev); Linux seqlock (Lameter 2003): "
		  "writer in place, readers retry; needs readers that go through sync_read",
	.max_threads = 0,
	.caps = SYNC_CAP_ISOLATE,
	/* Its own thread_free: the retries of a leaving thread stay counted. */
	SYNC_HOOKS(sq, domain_create, domain_destroy, thread_alloc, thread_free, read_begin, read_end,
		   read_retry, isolate, release, dump, summary)
};
