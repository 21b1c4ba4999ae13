/*
 * readers_writers_window_test.c - the harness itself: every figure rw_run()
 * reports comes from inside its measured window, start-up holds no spinning
 * reader, and deferred frees pending stay within their bound.
 *
 * A test-only strategy, `clocked`, makes the harness's counts checkable:
 * a writer-preferring rwlock gives it real exclusion (read sections, isolate,
 * synchronize, barrier), and it timestamps the end of every read section and
 * every update on the thread that ran it (sync_now_ns, the clock the window
 * is reported in). defer_free hoards the object until barrier(), so pending
 * frees grow until the harness's bound makes a writer wait. After a run:
 *  1. no read section ended before window_start_ns: no reader ran before
 *     the gate opened;
 *  2. reads counted <= read sections that ended by window_end_ns: nothing
 *     counted after the close;
 *  3. reads counted >= that - readers * quiesce_every: the close loses at
 *     most the batch in progress per reader;
 *  4. the same two bounds for writes against the updates' timestamps (the
 *     loss at most one per writer);
 *  5. defer mode: the peak of pending objects <= defer_bound + writers, and
 *     writers did wait (defer_throttles > 0);
 *  6. start-up with 64 readers of a real strategy (qsbr) completes promptly;
 *  7. with `retrying`, a second test-only strategy whose read_deref hands out
 *     a poisoned object on every first attempt and whose read_retry then
 *     asks for the section again: every read went through read_deref twice,
 *     read_retries == reads, and no poisoned read was counted (only the
 *     final attempt of a section is checked).
 * Deterministic: read sections held open by read_delay keep every reader
 * inside one at the close, and the harness floor, measured while the threads
 * wait at the gate, lasts milliseconds.
 *
 * Built with -DEXPECT_BROKEN and one RW_BREAK_* (the *_catches_* targets),
 * the test passes only if one of the checks failed.
 */
#include "bench/rw/rw.h"

#include "bench/lib/check.h"
#include "bench/lib/test_strategy.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define TS_CAP (1u << 19)

struct clk_domain {
	struct sync_domain base;
	pthread_rwlock_t lock;
	/* The hoard of deferred frees; guarded by hoard_lock. */
	pthread_mutex_t hoard_lock;
	struct { void *p; void (*fn)(void *); } *hoard;
	size_t nhoard, caphoard;
};

/* Owner only, read by the test after the run (the join orders it). */
struct clk_thread {
	struct sync_thread base;
	uint64_t *ts;
	size_t n;
	int overflow;
};

/* The last run's threads, kept past thread_free for the checks. */
static struct clk_thread *kept[RW_MAX_THREADS];

static struct clk_domain *c_dom(struct sync_domain *d)
{
	return (struct clk_domain *)d;
}

static void stamp(struct sync_thread *t)
{
	struct clk_thread *ct = (struct clk_thread *)t;

	if (ct->n < TS_CAP)
		ct->ts[ct->n++] = sync_now_ns();
	else
		ct->overflow = 1;
}

static void clk_read_begin(struct sync_thread *t)
{
	pthread_rwlock_rdlock(&c_dom(t->dom)->lock);
}

static void clk_read_end(struct sync_thread *t)
{
	pthread_rwlock_unlock(&c_dom(t->dom)->lock);
	stamp(t);
}

static void clk_isolate(struct sync_thread *t)
{
	pthread_rwlock_wrlock(&c_dom(t->dom)->lock);
}

static void clk_release(struct sync_thread *t)
{
	pthread_rwlock_unlock(&c_dom(t->dom)->lock);
	stamp(t);
}

static void clk_synchronize(struct sync_thread *t)
{
	pthread_rwlock_wrlock(&c_dom(t->dom)->lock);
	pthread_rwlock_unlock(&c_dom(t->dom)->lock);
	stamp(t);
}

static void clk_defer_free(struct sync_thread *t, void *p, void (*fn)(void *))
{
	struct clk_domain *d = c_dom(t->dom);

	pthread_mutex_lock(&d->hoard_lock);
	if (d->nhoard == d->caphoard) {
		size_t cap = d->caphoard ? 2 * d->caphoard : 64;
		void *h = realloc(d->hoard, cap * sizeof(d->hoard[0]));

		if (!h) {
			pthread_mutex_unlock(&d->hoard_lock);
			clk_synchronize(t);
			fn(p);
			return;
		}
		d->hoard = h;
		d->caphoard = cap;
	}
	d->hoard[d->nhoard].p = p;
	d->hoard[d->nhoard].fn = fn;
	d->nhoard++;
	pthread_mutex_unlock(&d->hoard_lock);
	stamp(t);
}

/* Every hoarded object freed, with no reader inside a section. */
static void clk_barrier(struct sync_thread *t)
{
	struct clk_domain *d = c_dom(t->dom);

	pthread_rwlock_wrlock(&d->lock);
	pthread_mutex_lock(&d->hoard_lock);
	for (size_t i = 0; i < d->nhoard; i++)
		d->hoard[i].fn(d->hoard[i].p);
	d->nhoard = 0;
	pthread_mutex_unlock(&d->hoard_lock);
	pthread_rwlock_unlock(&d->lock);
}

static int clk_thread_alloc(struct sync_domain *d, unsigned tid, struct sync_thread **out, char *err,
			    size_t errlen)
{
	struct clk_thread *t = sync_thread_new(d, tid, sizeof(*t), err, errlen);

	if (!t)
		return -1;
	t->ts = malloc(TS_CAP * sizeof(t->ts[0]));
	if (!t->ts) {
		sync_thread_delete(&t->base);
		snprintf(err, errlen, "clocked: out of memory");
		return -1;
	}
	*out = &t->base;
	return 0;
}

/* Detached but kept: the test reads the timestamps after the run. */
static void clk_thread_free(struct sync_thread *t)
{
	kept[t->tid] = (struct clk_thread *)t;
	sync_thread_detach(t);
}

static void clk_domain_destroy(struct sync_domain *dd)
{
	struct clk_domain *d = c_dom(dd);

	for (size_t i = 0; i < d->nhoard; i++)
		d->hoard[i].fn(d->hoard[i].p);
	free(d->hoard);
	pthread_rwlock_destroy(&d->lock);
	pthread_mutex_destroy(&d->hoard_lock);
	sync_domain_delete(dd);
}

static void clk_dump(struct sync_domain *d, FILE *out)
{
	fprintf(out, "clocked: %u threads, %zu hoarded\n", d->nthreads, c_dom(d)->nhoard);
}

static void clk_domain_init(struct clk_domain *d)
{
	pthread_rwlockattr_t a;

	pthread_rwlockattr_init(&a);
	/* Writer-preferring: readers back to back must not starve the writers. */
	pthread_rwlockattr_setkind_np(&a, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&d->lock, &a);
	pthread_rwlockattr_destroy(&a);
	pthread_mutex_init(&d->hoard_lock, NULL);
}

SYNC_DEFINE_DOMAIN_CREATE(clk_domain_create, clocked, struct clk_domain, clk_domain_init)

const struct sync_ops sync_clocked = {
	.name = "clocked",
	.family = "exclusive",
	.origin = "test only: a writer-preferring rwlock that timestamps every read section and update",
	.caps = SYNC_CAP_ISOLATE | SYNC_CAP_SYNCHRONIZE | SYNC_CAP_DEFER,
	/* Its own thread_free: the threads are kept for the checks. */
	SYNC_HOOKS(clk, domain_create, domain_destroy, thread_alloc, thread_free, read_begin, read_end, isolate,
		   release, synchronize, defer_free, barrier, dump)
};

/* ---- retrying: every read section is redone once ---- */

/* Looks like a reclaimed object to the harness: every field poison. */
static const _Alignas(64) uint64_t poisoned_obj[16] = {
	0xdeaddeaddeaddeadull, 0xdeaddeaddeaddeadull, 0xdeaddeaddeaddeadull, 0xdeaddeaddeaddeadull,
	0xdeaddeaddeaddeadull, 0xdeaddeaddeaddeadull, 0xdeaddeaddeaddeadull, 0xdeaddeaddeaddeadull,
};

/* Owner only, read by the test after the run. */
struct retry_thread {
	struct sync_thread base;
	uint64_t derefs;
	int second;   /* the next deref is the section's second attempt */
};

static _Atomic uint64_t retry_derefs;

static void *retry_read_deref(struct sync_thread *t, void *_Atomic *slot)
{
	struct retry_thread *rt = (struct retry_thread *)t;

	rt->derefs++;
	rt->second = !rt->second;
	if (rt->second)
		return (void *)poisoned_obj;
	return atomic_load_explicit(slot, memory_order_acquire);
}

/* The first attempt must be redone: it read the poisoned decoy. */
static int retry_read_retry(struct sync_thread *t)
{
	return ((struct retry_thread *)t)->second;
}

SYNC_DEFINE_THREAD_ALLOC(retry_thread_alloc, struct retry_thread)

static void retry_thread_free(struct sync_thread *t)
{
	/* Relaxed: threads end concurrently; the test reads the sum after every join. */
	atomic_fetch_add_explicit(&retry_derefs, ((struct retry_thread *)t)->derefs, memory_order_relaxed);
	sync_thread_delete(t);
}

SYNC_DEFINE_DOMAIN_CREATE(retry_domain_create, retrying, struct sync_domain, SYNC_NO_DOMAIN_INIT)

/* No writer runs against it: readers only, so isolate/release guard nothing. */
const struct sync_ops sync_retrying = {
	.name = "retrying",
	.family = "exclusive",
	.origin = "test only: every read section's first attempt reads a decoy and is redone",
	.caps = SYNC_CAP_ISOLATE,
	.domain_destroy = sync_domain_delete,
	/* Its own thread_free: a leaving thread's derefs are summed. */
	SYNC_HOOKS(retry, domain_create, thread_alloc, thread_free, read_retry, read_deref)
	TEST_STRATEGY_UNGUARDED,
	.dump = test_strategy_dump,
};

/* ---- the checks ---- */

/* A check that also says what held: "ok  " lines beside check.h's FAIL count. */
static void expect(int ok, const char *what, const char *fmt, unsigned long long a, unsigned long long b)
{
	printf("%s %s: ", ok ? "ok  " : "FAIL", what);
	printf(fmt, a, b);
	printf("\n");
	fflush(stdout);
	if (!ok)
		failures++;
}

/* Timestamps of threads [from, to) before start, and within [start, end]. */
static void count_ts(unsigned from, unsigned to, uint64_t start, uint64_t end, uint64_t *before,
		     uint64_t *inside, int *overflow)
{
	*before = *inside = 0;
	for (unsigned i = from; i < to; i++) {
		struct clk_thread *t = kept[i];

		if (!t)
			continue;
		*overflow |= t->overflow;
		for (size_t k = 0; k < t->n; k++) {
			*before += t->ts[k] < start;
			*inside += t->ts[k] >= start && t->ts[k] <= end;
		}
	}
}

static void free_kept(void)
{
	for (unsigned i = 0; i < RW_MAX_THREADS; i++) {
		if (kept[i]) {
			free(kept[i]->ts);
			free(kept[i]);
			kept[i] = NULL;
		}
	}
}

static void check_window(enum sync_reclaim reclaim)
{
	struct rw_config cfg;
	struct rw_result *res = malloc(sizeof(*res));
	char err[512], what[64];
	uint64_t before, inside, wbefore, winside;
	int overflow = 0;

	rw_config_quiet(&cfg, &sync_clocked, 4, 2, 0.1);
	cfg.reclaim = reclaim;
	cfg.read_delay = 200;
	cfg.quiesce_every = 16;
	cfg.defer_bound = 8;
	cfg.watchdog_s = 10;
	snprintf(what, sizeof(what), "window reclaim=%s", rw_reclaim_name(reclaim));
	if (!res || rw_run(&cfg, res, err, sizeof(err))) {
		CHECK(0, "%s: run failed: %s", what, res ? err : "out of memory");
		free(res);
		free_kept();
		return;
	}
	count_ts(0, cfg.readers, res->window_start_ns, res->window_end_ns, &before, &inside, &overflow);
	count_ts(cfg.readers, cfg.readers + cfg.writers, res->window_start_ns, res->window_end_ns, &wbefore,
		 &winside, &overflow);
	expect(!overflow, what, "timestamp arrays large enough (%llu, %llu)", TS_CAP, 0);
	expect(before == 0, what, "read sections ended before the window opened: %llu (allowed %llu)", before, 0);
	expect(res->reads <= inside, what, "reads counted %llu <= read sections inside the window %llu",
	       res->reads, inside);
	expect(res->reads + (uint64_t)cfg.readers * cfg.quiesce_every >= inside, what,
	       "reads counted %llu >= read sections inside the window %llu - one batch per reader",
	       res->reads, inside);
	expect(wbefore == 0, what, "updates ended before the window opened: %llu (allowed %llu)", wbefore, 0);
	expect(res->writes <= winside, what, "writes counted %llu <= updates inside the window %llu",
	       res->writes, winside);
	expect(res->writes + cfg.writers >= winside, what,
	       "writes counted %llu >= updates inside the window %llu - one per writer", res->writes, winside);
	expect(res->reads > 0 && res->writes > 0, what, "reads %llu and writes %llu done", res->reads, res->writes);
	if (reclaim == SYNC_RECLAIM_DEFER) {
		expect(res->defer_peak_objects <= cfg.defer_bound + cfg.writers, what,
		       "pending deferred frees peaked at %llu <= defer_bound + writers %llu",
		       res->defer_peak_objects, cfg.defer_bound + cfg.writers);
		expect(res->defer_throttles > 0, what, "writers waited for pending frees %llu times (> %llu)",
		       res->defer_throttles, 0);
	}
	free(res);
	free_kept();
}

static void check_retry(void)
{
	struct rw_config cfg;
	struct rw_result *res = malloc(sizeof(*res));
	char err[512];
	const char *what = "retry";

	rw_config_quiet(&cfg, &sync_retrying, 2, 0, 0.05);
	atomic_store(&retry_derefs, 0);
	if (!res || rw_run(&cfg, res, err, sizeof(err))) {
		CHECK(0, "%s: run failed: %s", what, res ? err : "out of memory");
		free(res);
		return;
	}
	expect(res->reads > 0 && res->read_retries == res->reads, what, "read_retries %llu == reads %llu",
	       res->read_retries, res->reads);
	expect(res->poisoned_reads == 0, what, "poisoned reads counted %llu (allowed %llu: only the final attempt counts)",
	       res->poisoned_reads, 0);
	expect(atomic_load(&retry_derefs) >= 2 * res->reads, what, "read_deref calls %llu >= 2 x reads (%llu)",
	       (unsigned long long)atomic_load(&retry_derefs),
	       2 * res->reads);
	free(res);
}

static void check_startup(void)
{
	struct rw_config cfg;
	struct rw_result *res = malloc(sizeof(*res));
	char err[512];
	uint64_t t0 = sync_now_ns(), took;

	rw_config_quiet(&cfg, sync_find("qsbr"), 64, 1, 0.05);
	if (!cfg.strategy || !res || rw_run(&cfg, res, err, sizeof(err))) {
		CHECK(0, "startup: run failed: %s", cfg.strategy && res ? err : "no qsbr / out of memory");
		free(res);
		return;
	}
	took = sync_now_ns() - t0;
	expect(took < 10000000000ull, "startup qsbr 64r/1w", "whole run %llu ms < %llu ms", took / 1000000,
	       10000);
	expect(res->reads > 0 && res->torn_reads == 0 && res->poisoned_reads == 0, "startup qsbr 64r/1w",
	       "reads %llu, torn+poisoned %llu", res->reads, res->torn_reads + res->poisoned_reads);
	free(res);
}

int main(void)
{
	check_window(SYNC_RECLAIM_SYNC);
	check_window(SYNC_RECLAIM_DEFER);
	check_retry();
#ifdef EXPECT_BROKEN
	/* Already caught: a broken start-up would also end in the watchdog's exit 3. */
	if (!failures)
#endif
		check_startup();
	return check_exit("readers_writers_window_test");
}
