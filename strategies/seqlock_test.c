/*
 * seqlock_test.c - the validate test of seqlock: readers that go through
 * loop.h's sync_read() never ACCEPT a torn read of state that a writer
 * updates in place, and they do retry when a writer overlaps them.
 *
 *   seqlock_test [--expect-fail]
 *
 * The shared state is SQT_FIELDS relaxed-atomic words; a writer sets all of
 * them to the next generation between isolate() and release(), spinning
 * between two stores, so that a reader has time to see half a write. Two
 * readers run sync_read() sections that load every word (spinning between
 * loads) and report whether the words agreed ("torn" when they did not). A
 * torn section is fine as long as the strategy makes sync_read() redo it;
 * sync_read() returning with a torn copy is an accepted torn read.
 *
 * What it proves (one run of up to SQT_MAX_NS, ended early once
 * SQT_ENOUGH_TORN torn sections were seen):
 *  1. torn sections were seen at all (else the run overlapped nothing and
 *     proves nothing: the test fails rather than passing vacuously);
 *  2. no torn section was accepted;
 *  3. the retries sync_read() returned add up to the strategy's own
 *     "read_retries N" in summary(), and there are at least as many retries
 *     as torn sections;
 *  4. the table passes sync_ops_check().
 * With --expect-fail (a deliberately broken build) the test passes only if
 * check 2 failed: the harness caught the accepted torn read itself.
 *
 * The strategy is the table named by TEST_OPS (set per Bazel target), so a
 * broken build links here like the real one.
 */
#include "strategies/loop.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#ifndef TEST_OPS
#define TEST_OPS sync_seqlock
#endif
extern const struct sync_ops TEST_OPS;
static const struct sync_ops *ops = &TEST_OPS;

#define SQT_FIELDS 8
#define SQT_READERS 2
#define SQT_MAX_NS (4000ull * 1000000ull)
#define SQT_ENOUGH_TORN 500
#define SQT_WRITE_SPIN 64
#define SQT_READ_SPIN 64
#define SQT_WRITER_PAUSE 1024

static struct {
	struct sync_domain *dom;
	_Atomic uint64_t field[SQT_FIELDS];
	_Atomic int stop;
	/* Totals, added by each thread at its end. */
	_Atomic uint64_t sections, torn_seen, torn_accepted, retries, writes;
	pthread_barrier_t start;
} g;

struct worker {
	pthread_t th;
	unsigned tid;
	bool writer;
	struct sync_thread *t;
};

/* What one read section saw. */
struct section {
	uint64_t first;
	bool torn;
	uint64_t *torn_seen;
};

static void spin(unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		sync_relax();
}

/* The body of a read section: relaxed loads, never trusted before the verdict. */
static void read_body(struct sync_thread *t, void *arg)
{
	struct section *s = arg;

	(void)t;
	s->torn = false;
	s->first = atomic_load_explicit(&g.field[0], memory_order_relaxed);
	for (unsigned i = 1; i < SQT_FIELDS; i++) {
		spin(SQT_READ_SPIN);
		if (atomic_load_explicit(&g.field[i], memory_order_relaxed) != s->first)
			s->torn = true;
	}
	if (s->torn)
		(*s->torn_seen)++;
}

static void reader(struct worker *w)
{
	uint64_t sections = 0, torn_seen = 0, accepted = 0, retries = 0;

	while (!atomic_load_explicit(&g.stop, memory_order_relaxed)) {
		struct section s = { .torn_seen = &torn_seen };

		retries += sync_read(w->t, read_body, &s);
		sections++;
		if (s.torn && accepted++ == 0)
			printf("FAIL %s: reader %u accepted a torn read (field 0 = %llu, the others differ)\n",
			       ops->name, w->tid, (unsigned long long)s.first);
		sync_loop_end(w->t);
		if (atomic_load_explicit(&g.torn_seen, memory_order_relaxed) + torn_seen >= SQT_ENOUGH_TORN)
			atomic_store(&g.stop, 1);
	}
	atomic_fetch_add(&g.sections, sections);
	atomic_fetch_add(&g.torn_seen, torn_seen);
	atomic_fetch_add(&g.torn_accepted, accepted);
	atomic_fetch_add(&g.retries, retries);
}

static void writer(struct worker *w)
{
	uint64_t gen = 0, end = sync_now_ns() + SQT_MAX_NS;

	while (!atomic_load_explicit(&g.stop, memory_order_relaxed)) {
		gen++;
		sync_isolate(w->t);
		for (unsigned i = 0; i < SQT_FIELDS; i++) {
			atomic_store_explicit(&g.field[i], gen, memory_order_relaxed);
			spin(SQT_WRITE_SPIN);
		}
		sync_release(w->t);
		sync_loop_end(w->t);
		/* A gap between writes: readers must also get to begin sections. */
		spin(SQT_WRITER_PAUSE);
		if (sync_now_ns() > end)
			atomic_store(&g.stop, 1);
	}
	atomic_fetch_add(&g.writes, gen);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	w->t = sync_thread_start_or_exit(g.dom, w->tid, "seqlock_test");
	pthread_barrier_wait(&g.start);
	if (w->writer)
		writer(w);
	else
		reader(w);
	sync_thread_deinit(w->t);
	pthread_barrier_wait(&g.start); /* every deinit before any free */
	ops->thread_free(w->t);
	return NULL;
}

/* "read_retries N" from the strategy's summary, or -1. */
static long long summary_retries(void)
{
	char buf[512] = "";
	FILE *f = fmemopen(buf, sizeof(buf) - 1, "w");
	const char *p;
	long long n = -1;

	if (!f || !ops->summary)
		return -1;
	ops->summary(g.dom, f);
	fclose(f);
	p = strstr(buf, "read_retries ");
	if (p)
		n = atoll(p + strlen("read_retries "));
	return n;
}

int main(int argc, char **argv)
{
	struct sync_params p = { .nthreads = SQT_READERS + 1, .reclaim = SYNC_RECLAIM_SYNC };
	struct worker w[SQT_READERS + 1];
	bool expect_fail = argc > 1 && strcmp(argv[1], "--expect-fail") == 0;
	int failures = 0, accepted_failed;
	long long sum;
	char err[256];

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (sync_ops_check(ops, err, sizeof(err))) {
		printf("FAIL %s: sync_ops_check: %s\n", ops->name, err);
		return 1;
	}
	if (ops->domain_create(&p, &g.dom, err, sizeof(err))) {
		printf("FAIL %s: domain_create: %s\n", ops->name, err);
		return 1;
	}
	pthread_barrier_init(&g.start, NULL, SQT_READERS + 1);
	for (unsigned i = 0; i <= SQT_READERS; i++) {
		w[i] = (struct worker){ .tid = i, .writer = i == SQT_READERS };
		if (pthread_create(&w[i].th, NULL, worker_main, &w[i])) {
			fprintf(stderr, "seqlock_test: pthread_create failed\n");
			return 1;
		}
	}
	for (unsigned i = 0; i <= SQT_READERS; i++)
		pthread_join(w[i].th, NULL);
	sum = summary_retries();
	printf("%s: %llu sections, %llu writes, %llu torn sections seen, %llu accepted, %llu retries "
	       "(summary: read_retries %lld)\n",
	       ops->name, (unsigned long long)g.sections, (unsigned long long)g.writes,
	       (unsigned long long)g.torn_seen, (unsigned long long)g.torn_accepted,
	       (unsigned long long)g.retries, sum);
	if (g.torn_seen == 0) {
		printf("FAIL %s: no read section overlapped a write: the run proves nothing\n", ops->name);
		failures++;
	}
	accepted_failed = g.torn_accepted != 0;
	if (accepted_failed) {
		printf("FAIL %s: %llu torn reads accepted\n", ops->name, (unsigned long long)g.torn_accepted);
		failures++;
	}
	if (sum != (long long)g.retries || g.retries < g.torn_seen) {
		printf("FAIL %s: %llu retries returned by sync_read, summary says %lld, %llu torn sections\n",
		       ops->name, (unsigned long long)g.retries, sum, (unsigned long long)g.torn_seen);
		failures++;
	}
	ops->domain_destroy(g.dom);
	pthread_barrier_destroy(&g.start);
	if (expect_fail) {
		if (accepted_failed) {
			printf("expect-fail: the broken %s variant accepted torn reads, as it must\n", ops->name);
			return 0;
		}
		printf("expect-fail: the broken %s variant accepted no torn read: the test does not catch it\n",
		       ops->name);
		return 1;
	}
	if (failures)
		return 1;
	printf("%s: all checks passed\n", ops->name);
	return 0;
}
