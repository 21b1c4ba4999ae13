/*
 * rw.c - the readers/writers microbenchmark (see rw.h): liburcu's benchmark
 * workload (readers loading a shared pointer in a tight loop, writers
 * replacing the object) for every strategy, through struct sync_ops only.
 *
 * What one run does:
 *  1. domain_create for readers + writers threads; one shared object, every
 *     field = generation 0.
 *  2. Threads 0..R-1 read, R..R+W-1 write. Each goes through the lifecycle
 *     (bench/lifecycle.h): ALLOC = thread_alloc, INIT = thread_init, DEINIT =
 *     [writers in defer mode: barrier()] + thread_deinit, FREE = thread_free.
 *  3. The main thread sleeps the duration in short ticks (watching for stuck
 *     waits), sets `stop`, waits for every thread, frees the last object.
 *
 * The checks, and why they catch what they catch:
 *  - every field of an object holds the same generation; an update in place
 *    writes them one by one, so a reader that runs during an unprotected
 *    update sees two generations (torn read: `none` does this);
 *  - a reclaimed object is first overwritten with RW_POISON, then freed: a
 *    reader still inside a read section that a grace period should have
 *    waited for sees poison (poisoned read), or, once freed, ASAN reports a
 *    heap-use-after-free.
 * Fields are atomics written and read relaxed: the unsafe `none` races by
 * design, and relaxed atomics keep that race defined (and TSAN quiet) while
 * leaving the tearing observable. Ordering between an update and the reads is
 * the strategy's job (isolate/release, grace periods), plus the pointer's
 * release/acquire pair for copies.
 */
#include "bench/rw.h"

#include "bench/lifecycle.h"
#include "strategies/loop.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RW_FIELDS 8
#define RW_POISON 0xdeaddeaddeaddeadull
/* main thread's sleep between two looks at the clock and the waits */
#define RW_TICK_NS 10000000ull
/* bound on the shutdown itself: threads must all end within it after `stop` */
#define RW_STOP_BOUND_S 10.0

struct rw_run;

/* The shared object: one cache line of generation numbers. */
struct rw_obj {
	_Atomic uint64_t f[RW_FIELDS];
	struct rw_run *run;       /* for the deferred reclaim callback's counters */
} SYNC_ALIGNED;

/* One per thread; written by its owner only, read by main after the join. */
struct rw_worker {
	struct rw_run *run;
	unsigned tid;
	int writer;
	pthread_t pthread;
	int created;
	struct sync_thread *st;   /* set by the ALLOC callback, cleared by FREE */

	uint64_t reads, torn, poisoned, active_ns;
	uint64_t writes;
	struct hist write_latency;
	struct hist wait_latency;
} SYNC_ALIGNED;

struct rw_run {
	const struct rw_config *cfg;
	const struct sync_ops *ops;
	struct sync_domain *dom;
	struct lifecycle *lc;
	enum rw_update update;
	unsigned nthreads;
	int wake_fd;

	/* Written by writers (exchange) or nobody (in place); read by readers. */
	struct rw_obj *_Atomic shared SYNC_ALIGNED;
	/* Written by the main thread once; read by every worker in its loop. */
	atomic_int stop SYNC_ALIGNED;
	/* Written by writers (generation counter) and the defer callbacks. */
	_Atomic uint64_t gen SYNC_ALIGNED;
	_Atomic uint64_t pending;      /* deferred objects not yet freed */
	_Atomic uint64_t pending_peak;
	/* Incremented by each worker as it starts its loop / ends; read by main. */
	atomic_uint started SYNC_ALIGNED;
	atomic_uint exited;

	/*
	 * The watchdog's view of the threads: watch[tid] is the thread's
	 * sync_thread between its ALLOC and FREE callbacks. Guarded by
	 * watch_lock so that the main thread never reads a freed one.
	 */
	pthread_mutex_t watch_lock;
	struct sync_thread **watch;

	struct rw_worker *workers;
};

void rw_config_default(struct rw_config *c)
{
	memset(c, 0, sizeof(*c));
	c->strategy = NULL;
	c->readers = 1;
	c->writers = 1;
	c->duration_s = 1.0;
	c->reclaim = SYNC_RECLAIM_SYNC;
	c->read_delay = 0;
	c->write_hold = 0;
	c->write_delay = 0;
	c->quiesce_every = 1024;
	c->watchdog_s = 2.0;
	c->quiet = 0;
}

const char *rw_update_name(enum rw_update u)
{
	return u == RW_UPDATE_INPLACE ? "inplace" : "copy";
}

const char *rw_reclaim_name(enum sync_reclaim r)
{
	return r == SYNC_RECLAIM_DEFER ? "defer" : "sync";
}

int rw_update_mode(const struct sync_ops *ops, enum sync_reclaim reclaim, enum rw_update *out,
		   char *err, size_t errlen)
{
	if (reclaim == SYNC_RECLAIM_DEFER) {
		if (!(ops->caps & SYNC_CAP_DEFER)) {
			snprintf(err, errlen, "strategy %s has no deferred reclamation (reclaim=defer needs a grace-period strategy)",
				 ops->name);
			return -1;
		}
		*out = RW_UPDATE_COPY;
		return 0;
	}
	if (reclaim != SYNC_RECLAIM_SYNC) {
		snprintf(err, errlen, "unknown reclaim mode %d", (int)reclaim);
		return -1;
	}
	/* Exclusive access first: the brief's in-place update for the HAProxy family. */
	if (ops->caps & SYNC_CAP_ISOLATE) {
		*out = RW_UPDATE_INPLACE;
		return 0;
	}
	if (ops->caps & SYNC_CAP_SYNCHRONIZE) {
		*out = RW_UPDATE_COPY;
		return 0;
	}
	snprintf(err, errlen, "strategy %s offers neither isolate nor synchronize (try reclaim=defer)", ops->name);
	return -1;
}

/* ---- the object ---- */

static struct rw_obj *obj_new(struct rw_run *run, uint64_t gen)
{
	struct rw_obj *o = aligned_alloc(SYNC_CACHELINE, sizeof(*o));

	if (!o)
		return NULL;
	for (unsigned i = 0; i < RW_FIELDS; i++)
		atomic_init(&o->f[i], gen);
	o->run = run;
	return o;
}

/* Relaxed: see the design note; visibility comes from the strategy. */
static void obj_write_range(struct rw_obj *o, uint64_t gen, unsigned from, unsigned to)
{
	for (unsigned i = from; i < to; i++)
		atomic_store_explicit(&o->f[i], gen, memory_order_relaxed);
}

static void obj_write(struct rw_obj *o, uint64_t gen)
{
	obj_write_range(o, gen, 0, RW_FIELDS);
}

static void obj_poison_free(struct rw_obj *o)
{
	obj_write(o, RW_POISON);
	free(o);
}

/* defer_free's callback: runs after a grace period, on whatever thread. */
static void obj_reclaim_deferred(void *p)
{
	struct rw_obj *o = p;
	struct rw_run *run = o->run;

	obj_poison_free(o);
	/* Relaxed: a statistic, read by the main thread after every join. */
	atomic_fetch_sub_explicit(&run->pending, 1, memory_order_relaxed);
}

/* ---- the threads ---- */

static void spin(uint64_t loops)
{
	for (uint64_t i = 0; i < loops; i++)
		sync_relax();
}

static void set_doing(struct sync_thread *t, enum sync_doing d)
{
	/* Relaxed: read by the watchdog only, for its report. */
	atomic_store_explicit(&t->doing, d, memory_order_relaxed);
	atomic_store_explicit(&t->doing_since_ns, sync_now_ns(), memory_order_relaxed);
}

/*
 * A quiescent point: the poll loop of bench/pollsim.c with a zero timeout, so
 * HAProxy-family strategies get their harmless (and idle) window, qsbr its
 * quiescent state and offline period, wake_all its sync point.
 */
static int poll_wake_fd(void *arg)
{
	struct rw_run *run = arg;
	struct pollfd pfd = { .fd = run->wake_fd, .events = POLLIN };

	if (run->wake_fd < 0)
		return 0;
	return poll(&pfd, 1, 0) > 0 && (pfd.revents & POLLIN);
}

static void quiesce(struct rw_run *run, struct sync_thread *t)
{
	int woken;

	set_doing(t, SYNC_DOING_POLLING);
	woken = sync_loop_poll(t, poll_wake_fd, run) > 0;
	if (woken)
		sync_loop_woken(t);
	set_doing(t, SYNC_DOING_LOOP);
	sync_loop_end(t);
}

static int stopped(struct rw_run *run)
{
	/* Relaxed: stopping a little late is harmless; the join orders the rest. */
	return atomic_load_explicit(&run->stop, memory_order_relaxed);
}

static void reader_loop(struct rw_worker *w, struct sync_thread *t)
{
	struct rw_run *run = w->run;
	const unsigned every = run->cfg->quiesce_every;
	const uint64_t delay = run->cfg->read_delay;
	uint64_t reads = 0, torn = 0, poisoned = 0;
	uint64_t t0 = sync_now_ns();

	while (!stopped(run)) {
		set_doing(t, SYNC_DOING_EVENT);
		for (unsigned n = 0; n < every && !stopped(run); n++) {
			struct rw_obj *o;
			uint64_t v0, bad_poison = 0, bad_tear = 0;

			sync_read_begin(t);
			/* Acquire: pairs with the writer's publishing exchange. */
			o = atomic_load_explicit(&run->shared, memory_order_acquire);
			v0 = atomic_load_explicit(&o->f[0], memory_order_relaxed);
			bad_poison |= v0 == RW_POISON;
			/* Held open between the first field and the others (liburcu's -c). */
			spin(delay);
			for (unsigned i = 1; i < RW_FIELDS; i++) {
				uint64_t v = atomic_load_explicit(&o->f[i], memory_order_relaxed);

				bad_poison |= v == RW_POISON;
				bad_tear |= v != v0;
			}
			sync_read_end(t);
			reads++;
			if (bad_poison)
				poisoned++;
			else if (bad_tear)
				torn++;
		}
		quiesce(run, t);
	}
	w->active_ns = sync_now_ns() - t0;
	w->reads = reads;
	w->torn = torn;
	w->poisoned = poisoned;
}

static void pending_add(struct rw_run *run)
{
	/* Relaxed: statistics only (the peak is approximate by one in races). */
	uint64_t now = atomic_fetch_add_explicit(&run->pending, 1, memory_order_relaxed) + 1;
	uint64_t peak = atomic_load_explicit(&run->pending_peak, memory_order_relaxed);

	while (now > peak &&
	       !atomic_compare_exchange_weak_explicit(&run->pending_peak, &peak, now,
						      memory_order_relaxed, memory_order_relaxed))
		;
}

/* One update; returns 0, or -1 when out of memory (the writer then stops). */
static int write_one(struct rw_worker *w, struct sync_thread *t)
{
	struct rw_run *run = w->run;
	/* Relaxed: the counter only makes generations distinct. */
	uint64_t gen = atomic_fetch_add_explicit(&run->gen, 1, memory_order_relaxed) + 1;
	uint64_t t0 = sync_now_ns(), t1, t2;

	if (run->update == RW_UPDATE_INPLACE) {
		struct rw_obj *o;

		sync_isolate(t);
		t1 = sync_now_ns();
		/* Relaxed: in place, the pointer never changes after rw_run set it. */
		o = atomic_load_explicit(&run->shared, memory_order_relaxed);
		/* Held between the halves: a reader let in during it sees a tear. */
		obj_write_range(o, gen, 0, RW_FIELDS / 2);
		spin(run->cfg->write_hold);
		obj_write_range(o, gen, RW_FIELDS / 2, RW_FIELDS);
		sync_release(t);
		hist_record(&w->wait_latency, t1 - t0);
	} else {
		struct rw_obj *n = obj_new(run, gen), *old;

		if (!n)
			return -1;
		/* acq_rel: publishes n's fields; acquires old's, which we poison. */
		old = atomic_exchange_explicit(&run->shared, n, memory_order_acq_rel);
		spin(run->cfg->write_hold);
		if (run->cfg->reclaim == SYNC_RECLAIM_SYNC) {
			t1 = sync_now_ns();
			sync_synchronize(t);
			t2 = sync_now_ns();
			hist_record(&w->wait_latency, t2 - t1);
			obj_poison_free(old);
		} else {
			pending_add(run);
			sync_defer_free(t, old, obj_reclaim_deferred);
		}
	}
	hist_record(&w->write_latency, sync_now_ns() - t0);
	w->writes++;
	return 0;
}

static void writer_loop(struct rw_worker *w, struct sync_thread *t)
{
	struct rw_run *run = w->run;
	const uint64_t delay = run->cfg->write_delay;

	while (!stopped(run)) {
		set_doing(t, SYNC_DOING_UPDATE);
		if (write_one(w, t))
			break;
		quiesce(run, t);
		spin(delay);
	}
}

static void *worker_main(void *arg)
{
	struct rw_worker *w = arg;
	struct rw_run *run = w->run;

	if (lc_thread_start(run->lc, w->tid) == 0) {
		struct sync_thread *t = w->st;

		t->user = w;
		/* Relaxed: only starts main's clock. */
		atomic_fetch_add_explicit(&run->started, 1, memory_order_relaxed);
		if (w->writer)
			writer_loop(w, t);
		else
			reader_loop(w, t);
		set_doing(t, SYNC_DOING_EXITING);
		lc_thread_stop(run->lc, w->tid);
	}
	/* Release: main reads the worker's figures after seeing the count. */
	atomic_fetch_add_explicit(&run->exited, 1, memory_order_release);
	return NULL;
}

/* ---- lifecycle callbacks: the strategy's four hooks, plus the watch list ---- */

static int cb_alloc(void *arg, unsigned tid, char *err, size_t errlen)
{
	struct rw_run *run = arg;

	return run->ops->thread_alloc(run->dom, tid, &run->workers[tid].st, err, errlen);
}

static int cb_init(void *arg, unsigned tid, char *err, size_t errlen)
{
	struct rw_run *run = arg;

	return sync_thread_init(run->workers[tid].st, err, errlen);
}

/* Before the writer's deinit in defer mode: every defer_free made has run. */
static int cb_barrier(void *arg, unsigned tid, char *err, size_t errlen)
{
	struct rw_run *run = arg;

	(void)err;
	(void)errlen;
	if (run->workers[tid].writer && run->cfg->reclaim == SYNC_RECLAIM_DEFER)
		sync_barrier(run->workers[tid].st);
	return 0;
}

static int cb_deinit(void *arg, unsigned tid, char *err, size_t errlen)
{
	struct rw_run *run = arg;

	(void)err;
	(void)errlen;
	sync_thread_deinit(run->workers[tid].st);
	return 0;
}

static int cb_free(void *arg, unsigned tid, char *err, size_t errlen)
{
	struct rw_run *run = arg;

	(void)err;
	(void)errlen;
	run->ops->thread_free(run->workers[tid].st);
	run->workers[tid].st = NULL;
	return 0;
}

static int cb_watch(void *arg, unsigned tid, char *err, size_t errlen)
{
	struct rw_run *run = arg;

	(void)err;
	(void)errlen;
	pthread_mutex_lock(&run->watch_lock);
	run->watch[tid] = run->workers[tid].st;
	pthread_mutex_unlock(&run->watch_lock);
	return 0;
}

static int cb_unwatch(void *arg, unsigned tid, char *err, size_t errlen)
{
	struct rw_run *run = arg;

	(void)err;
	(void)errlen;
	pthread_mutex_lock(&run->watch_lock);
	run->watch[tid] = NULL;
	pthread_mutex_unlock(&run->watch_lock);
	return 0;
}

/* ---- the main thread: timing, watchdog, teardown ---- */

/*
 * Exits with status 3 when a thread has waited longer than the bound: prints
 * every thread's wait and doing, then the strategy's own view.
 */
static void watchdog_check(struct rw_run *run, double bound_s, const char *when)
{
	uint64_t now = sync_now_ns(), bound_ns = (uint64_t)(bound_s * 1e9);
	int stuck = -1;

	pthread_mutex_lock(&run->watch_lock);
	for (unsigned i = 0; i < run->nthreads && stuck < 0; i++) {
		struct sync_thread *t = run->watch[i];
		uint64_t since;

		if (!t)
			continue;
		/* Relaxed: see sync_wait_begin(). */
		since = atomic_load_explicit(&t->wait_since_ns, memory_order_relaxed);
		if (since && now > since && now - since > bound_ns)
			stuck = (int)i;
	}
	if (stuck < 0) {
		pthread_mutex_unlock(&run->watch_lock);
		return;
	}
	fprintf(stderr, "readers_writers: watchdog: thread %d waited longer than %.3f s (%s); threads:\n",
		stuck, bound_s, when);
	for (unsigned i = 0; i < run->nthreads; i++) {
		struct sync_thread *t = run->watch[i];
		uint64_t since;

		if (!t) {
			fprintf(stderr, "  thread %u (%s): not running\n", i,
				run->workers[i].writer ? "writer" : "reader");
			continue;
		}
		since = atomic_load_explicit(&t->wait_since_ns, memory_order_relaxed);
		fprintf(stderr, "  thread %u (%s): waiting %s for %.3f s, doing %s\n", i,
			run->workers[i].writer ? "writer" : "reader",
			sync_wait_kind_name(atomic_load_explicit(&t->wait_kind, memory_order_relaxed)),
			since ? (double)(now - since) / 1e9 : 0.0,
			sync_doing_name(atomic_load_explicit(&t->doing, memory_order_relaxed)));
	}
	run->ops->dump(run->dom, stderr);
	fflush(stderr);
	exit(3);
}

/* ns < 1 s */
static void sleep_ns(uint64_t ns)
{
	struct timespec ts = { 0, (long)ns };

	nanosleep(&ts, NULL);
}

/* Captures the strategy's summary() pairs as one line. */
static void strategy_extra(struct rw_run *run, char *buf, size_t len)
{
	FILE *f;

	buf[0] = '\0';
	if (!run->ops->summary)
		return;
	f = fmemopen(buf, len, "w");
	if (!f)
		return;
	run->ops->summary(run->dom, f);
	fclose(f);
	buf[len - 1] = '\0';
	for (char *p = buf; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	/* trim the ends so that the SUMMARY line has single separators */
	for (size_t n = strlen(buf); n && buf[n - 1] == ' '; n--)
		buf[n - 1] = '\0';
}

static void collect(struct rw_run *run, struct rw_result *res)
{
	hist_init(&res->write_latency);
	hist_init(&res->wait_latency);
	for (unsigned i = 0; i < run->nthreads; i++) {
		struct rw_worker *w = &run->workers[i];

		res->reads += w->reads;
		res->torn_reads += w->torn;
		res->poisoned_reads += w->poisoned;
		res->reader_ns += w->active_ns;
		res->writes += w->writes;
		hist_merge(&res->write_latency, &w->write_latency);
		hist_merge(&res->wait_latency, &w->wait_latency);
	}
	res->defer_peak_objects = atomic_load(&run->pending_peak);
	res->defer_peak_bytes = res->defer_peak_objects * sizeof(struct rw_obj);
}

static int check_config(const struct rw_config *cfg, char *err, size_t errlen)
{
	if (!cfg->strategy) {
		snprintf(err, errlen, "no strategy given");
		return -1;
	}
	if (cfg->readers < 1 || cfg->readers + (uint64_t)cfg->writers > RW_MAX_THREADS) {
		snprintf(err, errlen, "readers + writers must be 1..%u with at least 1 reader (%u + %u)",
			 RW_MAX_THREADS, cfg->readers, cfg->writers);
		return -1;
	}
	if (!(cfg->duration_s > 0) || !(cfg->watchdog_s > 0) || cfg->quiesce_every < 1) {
		snprintf(err, errlen, "duration, watchdog and quiesce_every must be > 0");
		return -1;
	}
	return 0;
}

int rw_run(const struct rw_config *cfg, struct rw_result *res, char *err, size_t errlen)
{
	struct rw_run *run;
	struct sync_params p;
	struct rw_obj *last;
	uint64_t t0, end;
	long cpus;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	if (check_config(cfg, err, errlen) ||
	    rw_update_mode(cfg->strategy, cfg->reclaim, &res->update, err, errlen))
		return -1;

	/* aligned: struct rw_run has cache-line aligned members */
	run = aligned_alloc(SYNC_CACHELINE, sizeof(*run));
	if (!run) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memset(run, 0, sizeof(*run));
	run->cfg = cfg;
	run->ops = cfg->strategy;
	run->update = res->update;
	run->nthreads = cfg->readers + cfg->writers;
	run->wake_fd = -1;
	pthread_mutex_init(&run->watch_lock, NULL);
	atomic_init(&run->stop, 0);
	atomic_init(&run->gen, 0);
	atomic_init(&run->pending, 0);
	atomic_init(&run->pending_peak, 0);
	atomic_init(&run->started, 0);
	atomic_init(&run->exited, 0);

	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	res->online_cpus = cpus > 0 ? (unsigned)cpus : 1;
	res->oversubscribed = run->nthreads > res->online_cpus;

	run->workers = aligned_alloc(SYNC_CACHELINE, sizeof(*run->workers) * run->nthreads);
	run->watch = calloc(run->nthreads, sizeof(*run->watch));
	atomic_init(&run->shared, obj_new(run, 0));
	if (!run->workers || !run->watch || !atomic_load(&run->shared)) {
		snprintf(err, errlen, "out of memory");
		goto out_free;
	}
	memset(run->workers, 0, sizeof(*run->workers) * run->nthreads);
	for (unsigned i = 0; i < run->nthreads; i++) {
		struct rw_worker *w = &run->workers[i];

		w->run = run;
		w->tid = i;
		w->writer = i >= cfg->readers;
		hist_init(&w->write_latency);
		hist_init(&w->wait_latency);
	}

	p.nthreads = run->nthreads;
	p.reclaim = cfg->reclaim;
	if (run->ops->domain_create(&p, &run->dom, err, errlen))
		goto out_free;
	run->wake_fd = sync_wake_fd(run->dom);

	run->lc = lc_create(run->nthreads);
	if (!run->lc) {
		snprintf(err, errlen, "out of memory");
		goto out_domain;
	}
	/* Undo pairs by name: "sync" FREE undoes "sync" ALLOC, and so on. */
	if (lc_register(run->lc, LC_ALLOC, "sync", cb_alloc, run) ||
	    lc_register(run->lc, LC_ALLOC, "watch", cb_watch, run) ||
	    lc_register(run->lc, LC_INIT, "sync", cb_init, run) ||
	    lc_register(run->lc, LC_DEINIT, "barrier", cb_barrier, run) ||
	    lc_register(run->lc, LC_DEINIT, "sync", cb_deinit, run) ||
	    lc_register(run->lc, LC_FREE, "watch", cb_unwatch, run) ||
	    lc_register(run->lc, LC_FREE, "sync", cb_free, run)) {
		snprintf(err, errlen, "lifecycle: cannot register callbacks");
		goto out_lc;
	}

	if (!cfg->quiet)
		fprintf(stderr, "readers_writers: %s, %u readers, %u writers, %.3f s, update %s, reclaim %s%s\n",
			run->ops->name, cfg->readers, cfg->writers, cfg->duration_s,
			rw_update_name(run->update), rw_reclaim_name(cfg->reclaim),
			res->oversubscribed ? " (oversubscribed: more threads than online CPUs)" : "");

	for (unsigned i = 0; i < run->nthreads; i++) {
		struct rw_worker *w = &run->workers[i];
		int e = pthread_create(&w->pthread, NULL, worker_main, w);

		if (e) {
			/* This one and every later one never starts: release the others. */
			lc_fail(run->lc, LC_ALLOC, "pthread_create", i, strerror(e));
			atomic_fetch_add(&run->exited, run->nthreads - i);
			break;
		}
		w->created = 1;
	}

	/*
	 * The duration starts once every thread is in its loop: a slow start
	 * (sanitizers, many threads) must not eat the run. Relaxed: counts
	 * only, nothing is read through them.
	 */
	while (atomic_load_explicit(&run->started, memory_order_relaxed) +
		       atomic_load_explicit(&run->exited, memory_order_relaxed) < run->nthreads) {
		watchdog_check(run, cfg->watchdog_s, "while starting");
		sleep_ns(100000);
	}
	t0 = sync_now_ns();
	end = t0 + (uint64_t)(cfg->duration_s * 1e9);
	for (uint64_t now = t0; now < end && atomic_load(&run->exited) < run->nthreads;
	     now = sync_now_ns()) {
		watchdog_check(run, cfg->watchdog_s, "during the run");
		sleep_ns(end - now < RW_TICK_NS ? end - now : RW_TICK_NS);
	}
	/* Relaxed: see stopped(); the workers' figures come back through the join. */
	atomic_store_explicit(&run->stop, 1, memory_order_relaxed);
	res->wall_s = (double)(sync_now_ns() - t0) / 1e9;
	/* Shutdown: every thread must end; a stuck barrier or grace period must not hang us. */
	end = sync_now_ns() + (uint64_t)((cfg->watchdog_s + RW_STOP_BOUND_S) * 1e9);
	while (atomic_load_explicit(&run->exited, memory_order_acquire) < run->nthreads) {
		watchdog_check(run, cfg->watchdog_s, "while stopping");
		if (sync_now_ns() > end) {
			fprintf(stderr, "readers_writers: threads did not end within %.1f s of the stop\n",
				cfg->watchdog_s + RW_STOP_BOUND_S);
			run->ops->dump(run->dom, stderr);
			exit(3);
		}
		sleep_ns(RW_TICK_NS);
	}
	for (unsigned i = 0; i < run->nthreads; i++)
		if (run->workers[i].created)
			pthread_join(run->workers[i].pthread, NULL);

	if (lc_error(run->lc)) {
		snprintf(err, errlen, "%s", lc_error(run->lc));
		goto out_lc;
	}
	collect(run, res);
	strategy_extra(run, res->strategy_extra, sizeof(res->strategy_extra));
	rc = 0;

out_lc:
	lc_destroy(run->lc);
out_domain:
	run->ops->domain_destroy(run->dom);
out_free:
	last = atomic_load(&run->shared);
	if (last)
		obj_poison_free(last);
	free(run->watch);
	free(run->workers);
	pthread_mutex_destroy(&run->watch_lock);
	free(run);
	return rc;
}

/* ---- output ---- */

static double per_s(uint64_t n, double s)
{
	return s > 0 ? (double)n / s : 0.0;
}

void rw_print_summary(FILE *out, const struct rw_config *cfg, const struct rw_result *res)
{
	const struct sync_ops *ops = cfg->strategy;

	fprintf(out, "SUMMARY strategy %s family %s update %s reclaim %s readers %u writers %u threads %u",
		ops->name, ops->family, rw_update_name(res->update), rw_reclaim_name(cfg->reclaim),
		cfg->readers, cfg->writers, cfg->readers + cfg->writers);
	fprintf(out, " online_cpus %u oversubscribed %d duration_s %.3f wall_s %.3f",
		res->online_cpus, res->oversubscribed, cfg->duration_s, res->wall_s);
	fprintf(out, " read_delay %llu write_hold %llu write_delay %llu quiesce_every %u",
		(unsigned long long)cfg->read_delay, (unsigned long long)cfg->write_hold,
		(unsigned long long)cfg->write_delay, cfg->quiesce_every);
	fprintf(out, " reads %llu writes %llu reads_per_s %.0f writes_per_s %.1f ns_per_read %.3f",
		(unsigned long long)res->reads, (unsigned long long)res->writes,
		per_s(res->reads, res->wall_s), per_s(res->writes, res->wall_s),
		res->reads ? (double)res->reader_ns / (double)res->reads : 0.0);
	fprintf(out, " write_p50_ns %llu write_p90_ns %llu write_p99_ns %llu write_max_ns %llu write_mean_ns %.0f",
		(unsigned long long)hist_quantile(&res->write_latency, 0.50),
		(unsigned long long)hist_quantile(&res->write_latency, 0.90),
		(unsigned long long)hist_quantile(&res->write_latency, 0.99),
		(unsigned long long)hist_quantile(&res->write_latency, 1.0),
		hist_mean(&res->write_latency));
	fprintf(out, " wait_p50_ns %llu wait_p99_ns %llu wait_max_ns %llu wait_mean_ns %.0f",
		(unsigned long long)hist_quantile(&res->wait_latency, 0.50),
		(unsigned long long)hist_quantile(&res->wait_latency, 0.99),
		(unsigned long long)hist_quantile(&res->wait_latency, 1.0),
		hist_mean(&res->wait_latency));
	fprintf(out, " torn_reads %llu poisoned_reads %llu defer_peak_objects %llu defer_peak_bytes %llu",
		(unsigned long long)res->torn_reads, (unsigned long long)res->poisoned_reads,
		(unsigned long long)res->defer_peak_objects, (unsigned long long)res->defer_peak_bytes);
	if (res->strategy_extra[0])
		fprintf(out, " %s", res->strategy_extra);
	fputc('\n', out);
}
