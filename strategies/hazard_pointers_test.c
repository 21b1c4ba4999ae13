/*
 * hazard_pointers_test.c - the validate test of hazard_pointers: readers that
 * load the shared pointer through loop.h's sync_deref() never use an object
 * that an updater has reclaimed, in both reclaim modes.
 *
 *   hazard_pointers_test sync|defer [--expect-fail]
 *
 * HPT_READERS readers run read sections: sync_deref() the shared pointer,
 * check the object is live, hold the section (spinning, sometimes long),
 * check it again and that its contents did not change. HPT_WRITERS writers
 * replace the object (copy, exchange, then synchronize() and reclaim, or
 * defer_free()). Reclaiming POISONS the object and keeps it in a graveyard
 * freed only at the end, so a reader that the strategy failed to protect
 * deterministically sees the poison (no allocator reuse can hide it). One
 * more thread sleeps in the poller for the whole run: no update may wait for
 * it.
 *
 * What it proves (one run of HPT_NS, extended up to HPT_MAX_NS until
 * HPT_OVERLAPS read sections overlapped an update):
 *  1. no reader saw a poisoned or changed object;
 *  2. read sections overlapped updates (else the run proves nothing);
 *  3. defer mode: every deferred object was reclaimed by the end (barrier
 *     and thread_deinit), exactly once;
 *  4. the table passes sync_ops_check().
 * With --expect-fail (a deliberately broken build) the test passes only if
 * check 1 failed.
 *
 * The strategy is the table named by TEST_OPS (set per Bazel target).
 */
#include "strategies/loop.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef TEST_OPS
#define TEST_OPS sync_hazard_pointers
#endif
extern const struct sync_ops TEST_OPS;
static const struct sync_ops *ops = &TEST_OPS;

#define HPT_READERS 2
#define HPT_WRITERS 2
#define HPT_THREADS (HPT_READERS + HPT_WRITERS + 1) /* + one sleeper */
#define HPT_NS (1500ull * 1000000ull)
#define HPT_MAX_NS (4000ull * 1000000ull)
#define HPT_OVERLAPS 1000
#define MAGIC_LIVE 0x11FE11FE11FE11FEull
#define MAGIC_DEAD 0xDEADDEADDEADDEADull

struct obj {
	_Atomic uint64_t magic;
	_Atomic uint64_t payload[4];
	struct obj *grave_next; /* reclaimer only */
};

static struct {
	struct sync_domain *dom;
	enum sync_reclaim reclaim;
	void *_Atomic shared;
	_Atomic(struct obj *) graveyard;
	_Atomic int stop;
	_Atomic uint64_t gen, updates, reads, poisoned, overlaps, defers, reclaimed;
	pthread_barrier_t start;
} g;

enum { ROLE_READER, ROLE_WRITER, ROLE_SLEEPER };

struct worker {
	pthread_t th;
	unsigned tid;
	int role;
	struct sync_thread *t;
};

static void spin(unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		sync_relax();
}

static struct obj *obj_new(void)
{
	struct obj *o = malloc(sizeof(*o));
	uint64_t gen = atomic_fetch_add(&g.gen, 1);

	if (!o) {
		fprintf(stderr, "hazard_pointers_test: out of memory\n");
		exit(1);
	}
	atomic_init(&o->magic, MAGIC_LIVE);
	for (int i = 0; i < 4; i++)
		atomic_init(&o->payload[i], gen + (uint64_t)i);
	o->grave_next = NULL;
	return o;
}

/* Poison, then keep it until the end: readers of it keep seeing the poison. */
static void obj_reclaim(void *p)
{
	struct obj *o = p;

	atomic_store_explicit(&o->magic, MAGIC_DEAD, memory_order_relaxed);
	for (int i = 0; i < 4; i++)
		atomic_store_explicit(&o->payload[i], MAGIC_DEAD, memory_order_relaxed);
	o->grave_next = atomic_load(&g.graveyard);
	while (!atomic_compare_exchange_weak(&g.graveyard, &o->grave_next, o))
		;
	atomic_fetch_add(&g.reclaimed, 1);
}

static bool obj_ok(struct obj *o, uint64_t first)
{
	if (atomic_load_explicit(&o->magic, memory_order_relaxed) != MAGIC_LIVE)
		return false;
	for (int i = 0; i < 4; i++)
		if (atomic_load_explicit(&o->payload[i], memory_order_relaxed) != first + (uint64_t)i)
			return false;
	return true;
}

static void reader(struct worker *w)
{
	uint64_t n = 0;

	while (!atomic_load_explicit(&g.stop, memory_order_relaxed)) {
		struct obj *o;
		uint64_t first, u0;
		bool ok;

		sync_read_begin(w->t);
		u0 = atomic_load(&g.updates);
		o = sync_deref(w->t, &g.shared);
		first = atomic_load_explicit(&o->payload[0], memory_order_relaxed);
		ok = obj_ok(o, first);
		/* Held open: short mostly, sometimes long. */
		spin((n & 15) == 0 ? 4096 : 256);
		ok = ok && obj_ok(o, first);
		if (atomic_load(&g.updates) != u0)
			atomic_fetch_add_explicit(&g.overlaps, 1, memory_order_relaxed);
		sync_read_end(w->t);
		if (!ok && atomic_fetch_add(&g.poisoned, 1) == 0)
			printf("FAIL %s: reader %u used a reclaimed object (magic %#" PRIx64 ")\n", ops->name,
			       w->tid, atomic_load(&o->magic));
		sync_loop_end(w->t);
		n++;
	}
	atomic_fetch_add(&g.reads, n);
}

static void writer(struct worker *w)
{
	while (!atomic_load_explicit(&g.stop, memory_order_relaxed)) {
		struct obj *n = obj_new(), *old;

		old = atomic_exchange(&g.shared, n);
		if (g.reclaim == SYNC_RECLAIM_SYNC) {
			sync_synchronize(w->t);
			obj_reclaim(old);
		} else {
			atomic_fetch_add(&g.defers, 1);
			sync_defer_free(w->t, old, obj_reclaim);
		}
		atomic_fetch_add(&g.updates, 1);
		sync_loop_end(w->t);
	}
	if (g.reclaim == SYNC_RECLAIM_DEFER)
		sync_barrier(w->t);
}

/* The sleeper's poller: asleep (harmless, no slot held) until the stop. */
static int poll_until_stop(void *arg)
{
	(void)arg;
	while (!atomic_load(&g.stop))
		usleep(1000);
	return 0;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	w->t = sync_thread_start_or_exit(g.dom, w->tid, "hazard_pointers_test");
	pthread_barrier_wait(&g.start);
	if (w->role == ROLE_READER)
		reader(w);
	else if (w->role == ROLE_WRITER)
		writer(w);
	else
		sync_loop_poll(w->t, poll_until_stop, NULL);
	sync_thread_deinit(w->t);
	pthread_barrier_wait(&g.start); /* every deinit before any free */
	ops->thread_free(w->t);
	return NULL;
}

int main(int argc, char **argv)
{
	struct worker w[HPT_THREADS];
	bool expect_fail = false;
	struct sync_params p;
	int failures = 0;
	uint64_t t0;
	char err[256];

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2 || (strcmp(argv[1], "sync") && strcmp(argv[1], "defer"))) {
		fprintf(stderr, "usage: hazard_pointers_test sync|defer [--expect-fail]\n");
		return 2;
	}
	g.reclaim = strcmp(argv[1], "defer") == 0 ? SYNC_RECLAIM_DEFER : SYNC_RECLAIM_SYNC;
	expect_fail = argc > 2 && strcmp(argv[2], "--expect-fail") == 0;
	if (sync_ops_check(ops, err, sizeof(err))) {
		printf("FAIL %s: sync_ops_check: %s\n", ops->name, err);
		return 1;
	}
	p = (struct sync_params){ .nthreads = HPT_THREADS, .reclaim = g.reclaim };
	if (ops->domain_create(&p, &g.dom, err, sizeof(err))) {
		printf("FAIL %s: domain_create: %s\n", ops->name, err);
		return 1;
	}
	atomic_store(&g.shared, obj_new());
	pthread_barrier_init(&g.start, NULL, HPT_THREADS + 1);
	for (unsigned i = 0; i < HPT_THREADS; i++) {
		w[i] = (struct worker){ .tid = i,
					.role = i < HPT_READERS		      ? ROLE_READER
						: i < HPT_READERS + HPT_WRITERS ? ROLE_WRITER
										: ROLE_SLEEPER };
		if (pthread_create(&w[i].th, NULL, worker_main, &w[i])) {
			fprintf(stderr, "hazard_pointers_test: pthread_create failed\n");
			return 1;
		}
	}
	pthread_barrier_wait(&g.start);
	t0 = sync_now_ns();
	while (sync_now_ns() - t0 < HPT_NS ||
	       (atomic_load(&g.overlaps) < HPT_OVERLAPS && sync_now_ns() - t0 < HPT_MAX_NS))
		usleep(10000);
	atomic_store(&g.stop, 1);
	pthread_barrier_wait(&g.start);
	for (unsigned i = 0; i < HPT_THREADS; i++)
		pthread_join(w[i].th, NULL);

	printf("%s %s: %.1f s, %llu reads (%llu overlapping an update), %llu updates, %llu defers, "
	       "%llu reclaimed, %llu poisoned reads\n",
	       ops->name, argv[1], (double)(sync_now_ns() - t0) / 1e9, (unsigned long long)g.reads,
	       (unsigned long long)g.overlaps, (unsigned long long)g.updates, (unsigned long long)g.defers,
	       (unsigned long long)g.reclaimed, (unsigned long long)g.poisoned);
	if (ops->summary) {
		printf("%s summary: ", ops->name);
		ops->summary(g.dom, stdout);
		printf("\n");
	}
	if (g.poisoned) {
		printf("FAIL %s: %llu reads of a reclaimed object\n", ops->name, (unsigned long long)g.poisoned);
		failures++;
	}
	if (g.overlaps == 0) {
		printf("FAIL %s: no read section overlapped an update: the run proves nothing\n", ops->name);
		failures++;
	}
	if (g.reclaim == SYNC_RECLAIM_DEFER && g.reclaimed != g.defers) {
		printf("FAIL %s: %llu objects deferred, %llu reclaimed by the end\n", ops->name,
		       (unsigned long long)g.defers, (unsigned long long)g.reclaimed);
		failures++;
	}
	ops->domain_destroy(g.dom);
	obj_reclaim(atomic_load(&g.shared));
	for (struct obj *o = atomic_load(&g.graveyard), *next; o; o = next) {
		next = o->grave_next;
		free(o);
	}
	pthread_barrier_destroy(&g.start);
	if (expect_fail) {
		if (g.poisoned) {
			printf("expect-fail: the broken %s variant let readers use reclaimed objects, as it must\n",
			       ops->name);
			return 0;
		}
		printf("expect-fail: the broken %s variant was NOT caught\n", ops->name);
		return 1;
	}
	if (failures)
		return 1;
	printf("%s: all checks passed\n", ops->name);
	return 0;
}
