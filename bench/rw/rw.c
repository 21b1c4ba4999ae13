/*
 * rw.c - the readers/writers microbenchmark (see rw.h): liburcu's benchmark
 * workload (readers loading a shared pointer in a tight loop, writers
 * replacing the object) for every strategy, through struct sync_ops only.
 *
 * What one run does:
 *  1. domain_create for readers + writers threads; one shared object, every
 *     field = generation 0.
 *  2. Threads 0..R-1 read, R..R+W-1 write. Each goes through the lifecycle
 *     (bench/lib/lifecycle.h), its strategy handle through
 *     bench/lib/strategy_thread.h (watched by the watchdog from ALLOC to
 *     FREE): ALLOC = thread_alloc, INIT = thread_init, DEINIT = [writers in
 *     defer mode: barrier()] + thread_deinit, FREE = thread_free.
 *  3. Each thread then waits at the start gate, blocked in FUTEX_WAIT: a
 *     thread that arrived early must not spin while the others still need
 *     the CPU to start (on 2 CPUs, hundreds of spinning readers starve the
 *     rest of a start-up for minutes). The main thread waits, bounded, until
 *     all are there, measures the harness floor on the quiet machine, reads
 *     every reader's CPU clock, then opens the gate: the window opens.
 *  4. The main thread sleeps the duration in short ticks, then closes the
 *     window: it raises `closing`, reads the clock
 *     (close_ns), snapshots what every reader has published and its CPU
 *     clock, reads the clock again (the window's end), and only then sets
 *     `stop`, waits for every thread and frees the last object.
 *
 * The window, and why every counted figure lies inside it:
 *  - no thread runs its loop before the gate opens (window_start_ns is read
 *    before the gate is opened);
 *  - a reader publishes its counters after each batch of quiesce_every reads,
 *    with release stores; the main thread reads them at the close with
 *    acquire loads, so each counted read ended before the snapshot, hence
 *    before window_end_ns. The close loses at most the batch in progress per
 *    reader; no clock is read per read;
 *  - a writer counts (and records the latency of) a write only when the write
 *    ended before close_ns: after reading its end time it fences and loads
 *    `closing`; 0 means the main thread's store of `closing` (followed by a
 *    fence, then its clock read) comes later, so close_ns is later than the
 *    write's end; 1 means it waits for close_ns and compares.
 *
 * The checks, and why they catch what they catch:
 *  - the first and the last field of an object hold the same generation; an
 *    update in place writes the fields in order with the update's hold
 *    between the halves, so a reader that runs during an unprotected update
 *    sees two generations (torn read: `none` does this);
 *  - a reclaimed object is first overwritten with RW_POISON, then freed: a
 *    reader still inside a read section that a grace period should have
 *    waited for sees poison (poisoned read), or, once freed, ASAN reports a
 *    heap-use-after-free.
 * Only the final attempt of a read section counts (a seqlock reader that saw
 * a concurrent write redoes the section: read_retries). Fields are atomics
 * written and read relaxed: the unsafe `none` races by design, and relaxed
 * atomics keep that race defined (and TSAN quiet) while leaving the tearing
 * observable. Ordering between an update and the reads is the strategy's job
 * (isolate/release, grace periods), plus the pointer's release/acquire pair
 * for copies.
 *
 * The read loop is the hot path: per read it does the strategy's read hooks
 * through loop.h, the two field loads, the checks and register counters;
 * for a strategy without read hooks it calls nothing (see reader_loop_hookless).
 * Everything else (the stop check, publishing, the watchdog's `doing`)
 * happens once per batch of quiesce_every reads.
 *
 * The watchdog (bench/lib/watchdog.h, its own thread) bounds every
 * synchronization wait by --watchdog, the start-up (every thread at the gate)
 * by --watchdog + RW_START_BOUND_S and the stop by --watchdog +
 * RW_STOP_BOUND_S; when one is exceeded it reports and exits with status 3.
 *
 * The files (rw_internal.h between them): this one, the run; rw_read.c, the
 * readers' loops and the quiescent point; rw_write.c, the writers' loop;
 * rw_floor.c, the harness floor and its benchmark; rw_summary.c, the
 * SUMMARY line.
 *
 * Deliberate breaks for the tests (never in a real build), -D flags, each with
 * a must-fail *_catches_* target in BUILD:
 *   RW_BREAK_WINDOW_START  (rw.c) threads skip the start gate: they read
 *                          while the others start and the floor is measured;
 *   RW_BREAK_WINDOW_END    (rw.c, rw_write.c) counts taken when each thread
 *                          notices the stop, not at the close;
 *   RW_BREAK_DEFER_BOUND   (rw_write.c) writers never wait for pending
 *                          deferred frees;
 *   RW_BREAK_NO_RETRY      (rw_read.c) a read section is not redone when
 *                          read_retry asks;
 *   RW_BREAK_NO_START_WATCHDOG (rw.c) the wait at the start gate is not
 *                          watched: a stuck start-up hangs;
 *   RW_BREAK_STDOUT        (readers_writers_main.c) the SUMMARY line is not
 *                          checked for a failed write.
 */
#include "bench/rw/rw_internal.h"

#include "bench/lib/strategy_thread.h"
#include "strategies/loop.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* main thread's sleep between two looks at the clock */
#define RW_TICK_NS 10000000ull
/* main thread's sleep while waiting for the threads to reach the gate */
#define RW_GATE_TICK_NS 1000000ull
#define NS_PER_S 1e9

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
	c->defer_bound = RW_DEFER_BOUND;
	c->quiet = 0;
}

void rw_config_quiet(struct rw_config *c, const struct sync_ops *ops, unsigned readers, unsigned writers,
		     double duration_s)
{
	rw_config_default(c);
	c->strategy = ops;
	c->readers = readers;
	c->writers = writers;
	c->duration_s = duration_s;
	c->quiet = 1;
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
	if (!(cfg->duration_s > 0) || !(cfg->watchdog_s > 0) || cfg->quiesce_every < 1 || cfg->defer_bound < 1) {
		snprintf(err, errlen, "duration, watchdog, quiesce_every and defer_bound must be > 0");
		return -1;
	}
	return 0;
}


/* ---- the object ---- */

struct rw_obj *rw_obj_new(struct rw_run *run, uint64_t gen)
{
	struct rw_obj *o = aligned_alloc(SYNC_CACHELINE, sizeof(*o));

	if (!o)
		return NULL;
	for (unsigned i = 0; i < RW_FIELDS; i++)
		atomic_init(&o->f[i], gen);
	o->run = run;
	return o;
}


static void obj_write(struct rw_obj *o, uint64_t gen)
{
	obj_write_range(o, gen, 0, RW_FIELDS);
}

void rw_obj_poison_free(struct rw_obj *o)
{
	obj_write(o, RW_POISON);
	free(o);
}

/* defer_free's callback: runs after a grace period, on whatever thread. */
/* ---- the threads ---- */

static long futex(atomic_int *word, int op, int val)
{
	return syscall(SYS_futex, (int *)word, op, val, NULL, NULL, 0);
}

/* Blocks until the main thread opens the gate. */
static void gate_wait(struct rw_run *run)
{
	/* Release: orders this thread's start-up before main's count. */
	atomic_fetch_add_explicit(&run->arrived, 1, memory_order_release);
#ifndef RW_BREAK_WINDOW_START
	/* Acquire: pairs with main's release store opening the gate. */
	while (!atomic_load_explicit(&run->gate, memory_order_acquire))
		futex(&run->gate, FUTEX_WAIT_PRIVATE, 0);
#endif /* else broken on purpose: the loop starts before the window opens */
}

static void *worker_main(void *arg)
{
	struct rw_worker *w = arg;
	struct rw_run *run = w->run;

	if (lc_thread_start(run->lc, w->tid) == 0) {
		struct sync_thread *t = w->st;

		sync_set_doing(t, SYNC_DOING_STARTING);
		gate_wait(run);
		if (w->writer)
			rw_writer_loop(w, t);
		else
			rw_reader_loop(w, t);
		sync_set_doing(t, SYNC_DOING_EXITING);
		lc_thread_stop(run->lc, w->tid);
	}
	/* Release: main reads the worker's figures after seeing the count. */
	atomic_fetch_add_explicit(&run->exited, 1, memory_order_release);
	return NULL;
}

/* ---- lifecycle callbacks: the strategy's four steps (bench/lib/strategy_thread.h) and one more ---- */

static struct sync_thread **worker_slot(void *arg, unsigned tid, void **user)
{
	struct rw_run *run = arg;

	*user = &run->workers[tid];
	return &run->workers[tid].st;
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

/* ---- the main thread: timing, teardown ---- */

/* The watchdog's name for thread tid. */
static void watchdog_label(void *arg, unsigned tid, char *buf, size_t len)
{
	const struct rw_run *run = arg;

	snprintf(buf, len, "%s", run->workers[tid].writer ? "writer" : "reader");
}

/* ns < 1 s */
static void sleep_ns(uint64_t ns)
{
	struct timespec ts = { 0, (long)ns };

	nanosleep(&ts, NULL);
}


/*
 * Waits until every thread has reached the gate or ended (a failed start).
 * The watchdog bounds the wait (watchdog_start_by: a start-up that long is
 * stuck, and its report says who never arrived).
 */
static void gate_wait_all(struct rw_run *run)
{
	uint64_t bound_ns = (uint64_t)((run->cfg->watchdog_s + RW_START_BOUND_S) * NS_PER_S);
	char how[96];

	snprintf(how, sizeof(how), "--watchdog + %.0f s for every thread to reach the start gate",
		 RW_START_BOUND_S);
#ifndef RW_BREAK_NO_START_WATCHDOG
	watchdog_start_by(run->wd, sync_now_ns() + bound_ns, bound_ns, how);
#else
	(void)bound_ns; /* broken on purpose: the start-up is not watched */
#endif
	/* Acquire: pairs with the workers' release increments. */
	while (atomic_load_explicit(&run->arrived, memory_order_acquire) +
		       atomic_load_explicit(&run->exited, memory_order_acquire) < run->nthreads)
		sleep_ns(RW_GATE_TICK_NS);
	watchdog_start_by(run->wd, 0, 0, NULL);
}

static void gate_open(struct rw_run *run)
{
	/* Release: pairs with gate_wait()'s acquire. */
	atomic_store_explicit(&run->gate, 1, memory_order_release);
	futex(&run->gate, FUTEX_WAKE_PRIVATE, INT_MAX);
}

/* What reader w has published so far (see rw_read.c's publish()). */
static struct rw_tally published(struct rw_worker *w, memory_order mo)
{
	struct rw_tally c = {
		.reads = atomic_load_explicit(&w->pub_reads, mo),
		.retries = atomic_load_explicit(&w->pub_retries, mo),
		.torn = atomic_load_explicit(&w->pub_torn, mo),
		.poisoned = atomic_load_explicit(&w->pub_poisoned, mo),
	};

	return c;
}

/*
 * Closes the window (see the design note): closing, fence, close_ns; the
 * readers' published counts and CPU clocks; the window's end; then stop.
 */
static void window_close(struct rw_run *run, struct rw_result *res)
{
	uint64_t c;

	atomic_store(&run->closing, 1);
	/* Full fence: `closing` is visible to every writer before the clock is read. */
	sync_full_fence();
	c = sync_now_ns();
	atomic_store(&run->close_ns, c);
	for (unsigned i = 0; i < run->nthreads; i++) {
		struct rw_worker *w = &run->workers[i];

		if (w->writer)
			continue;
		/* Acquire: pairs with publish(); every counted read has ended. */
		w->at_close = published(w, memory_order_acquire);
		if (w->has_cpu_clock)
			w->cpu_close_ns = cpu_clock_ns(w->cpu_clock);
	}
	res->window_end_ns = sync_now_ns();
	/* Relaxed: see stopped(); the workers' figures come back through the join. */
	atomic_store_explicit(&run->stop, 1, memory_order_relaxed);
}

static void collect(struct rw_run *run, struct rw_result *res)
{
	hist_init(&res->write_latency);
	hist_init(&res->wait_latency);
	for (unsigned i = 0; i < run->nthreads; i++) {
		struct rw_worker *w = &run->workers[i];
		struct rw_tally c = w->at_close;

#ifdef RW_BREAK_WINDOW_END
		/* Broken on purpose: the counts as of when the reader noticed the stop. */
		c = published(w, memory_order_seq_cst);
#endif
		res->reads += c.reads;
		res->read_retries += c.retries;
		res->torn_reads += c.torn;
		res->poisoned_reads += c.poisoned;
		if (!w->writer && w->has_cpu_clock && w->cpu_close_ns > w->cpu_open_ns)
			res->reader_ns += w->cpu_close_ns - w->cpu_open_ns;
		res->writes += w->writes;
		res->defer_throttles += w->throttles;
		res->defer_throttle_ns += w->throttle_ns;
		hist_merge(&res->write_latency, &w->write_latency);
		hist_merge(&res->wait_latency, &w->wait_latency);
	}
	res->defer_peak_objects = atomic_load(&run->pending_peak);
	res->defer_peak_bytes = res->defer_peak_objects * sizeof(struct rw_obj);
}

/*
 * The main thread keeps the time, and the watchdog's thread scans, while up
 * to 1024 workers spin on 2 CPUs. Under the fair scheduler a thread that
 * wakes every tick then waits seconds for a CPU (measured: a 1 s window
 * closed 3.4 s late and the watchdog saw a 2 s bound only at 5.4 s with ebr,
 * 1023 readers and a writer). So, where the system allows it (root,
 * CAP_SYS_NICE or RLIMIT_RTPRIO), the main thread runs SCHED_FIFO at the
 * lowest real-time priority for the run, and the watchdog, started from it,
 * inherits that: both sleep nearly all the time, so they take nothing
 * measurable from the workers, but they wake on time. Where it is refused the
 * run goes on (the window is then only longer, never wrong: every figure is
 * taken at the real close) and the SUMMARY says `timekeeper_rt 0`.
 */
struct timekeeper {
	int policy, changed;
	struct sched_param param;
};

static void timekeeper_begin(struct timekeeper *tk, struct rw_result *res)
{
	struct sched_param rt = { .sched_priority = sched_get_priority_min(SCHED_FIFO) };

	tk->changed = 0;
	if (pthread_getschedparam(pthread_self(), &tk->policy, &tk->param) == 0 &&
	    pthread_setschedparam(pthread_self(), SCHED_FIFO, &rt) == 0)
		tk->changed = 1;
	res->timekeeper_rt = tk->changed;
}

static void timekeeper_end(struct timekeeper *tk)
{
	if (tk->changed)
		pthread_setschedparam(pthread_self(), tk->policy, &tk->param);
}

int rw_run(const struct rw_config *cfg, struct rw_result *res, char *err, size_t errlen)
{
	struct timekeeper tk;
	pthread_attr_t attr;
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
	atomic_init(&run->stop, 0);
	atomic_init(&run->closing, 0);
	atomic_init(&run->close_ns, 0);
	atomic_init(&run->gen, 0);
	atomic_init(&run->pending, 0);
	atomic_init(&run->pending_peak, 0);
	atomic_init(&run->arrived, 0);
	atomic_init(&run->exited, 0);
	atomic_init(&run->gate, 0);

	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	res->online_cpus = cpus > 0 ? (unsigned)cpus : 1;
	res->oversubscribed = run->nthreads > res->online_cpus;
	run->oversubscribed = res->oversubscribed;

	run->workers = aligned_alloc(SYNC_CACHELINE, sizeof(*run->workers) * run->nthreads);
	atomic_init(&run->shared, rw_obj_new(run, 0));
	if (!run->workers || !atomic_load(&run->shared)) {
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
	/*
	 * Undo pairs by name: "sync" FREE undoes "sync" ALLOC, and so on; the
	 * barrier is registered first so that it runs before the deinit.
	 */
	run->threads = (struct strategy_threads){ .dom = &run->dom, .wd = &run->wd, .harness = run,
						  .slot = worker_slot };
	if (lc_register(run->lc, LC_DEINIT, "barrier", cb_barrier, run) ||
	    strategy_threads_register(run->lc, "sync", &run->threads)) {
		snprintf(err, errlen, "lifecycle: cannot register callbacks");
		goto out_lc;
	}

	if (!cfg->quiet)
		fprintf(stderr, "readers_writers: %s, %u readers, %u writers, %.3f s, update %s, reclaim %s%s\n",
			run->ops->name, cfg->readers, cfg->writers, cfg->duration_s,
			rw_update_name(run->update), rw_reclaim_name(cfg->reclaim),
			res->oversubscribed ? " (oversubscribed: more threads than online CPUs)" : "");

	/*
	 * The timekeeper first, then the watchdog, which inherits its
	 * real-time priority and so looks on time; the workers get the
	 * calling thread's own policy back explicitly.
	 */
	timekeeper_begin(&tk, res);
	{
		struct watchdog_config wc = {
			.prog = "readers_writers", .bound_s = cfg->watchdog_s, .nthreads = run->nthreads,
			.dom = run->dom, .label = watchdog_label, .arg = run,
			.note = run->oversubscribed ? "oversubscribed: a wait for other threads lasts until each "
						      "preempted one runs again, seconds with hundreds of threads "
						      "per CPU; --watchdog can be raised" : NULL,
		};

		if (watchdog_start(&run->wd, &wc, err, errlen)) {
			timekeeper_end(&tk);
			goto out_lc;
		}
	}
	pthread_attr_init(&attr);
	if (tk.changed) {
		pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
		pthread_attr_setschedpolicy(&attr, tk.policy);
		pthread_attr_setschedparam(&attr, &tk.param);
	}
	for (unsigned i = 0; i < run->nthreads; i++) {
		struct rw_worker *w = &run->workers[i];
		int e = pthread_create(&w->pthread, &attr, worker_main, w);

		if (e) {
			/* This one and every later one never starts: release the others. */
			lc_fail(run->lc, LC_ALLOC, "pthread_create", i, strerror(e));
			atomic_fetch_add(&run->exited, run->nthreads - i);
			break;
		}
		w->created = 1;
		w->has_cpu_clock = pthread_getcpuclockid(w->pthread, &w->cpu_clock) == 0;
	}
	pthread_attr_destroy(&attr);
	/*
	 * Every thread at the gate (or failed): the machine is quiet, so the
	 * floor is measured now, on the object the readers will read; then the
	 * readers' CPU clocks, which stay still until the gate opens.
	 */
	gate_wait_all(run);
	if (lc_error(run->lc))
		atomic_store(&run->stop, 1); /* a failed start: let the arrived ones leave */
	{
		/*
		 * On a private copy of the object: the same layout and reads,
		 * and nothing a writer could free under the floor's loop.
		 */
		struct rw_obj *fo = rw_obj_new(run, 0);
		void *_Atomic slot;

		atomic_init(&slot, fo);
		if (fo) {
			rw_measure_floor(&slot, cfg->read_delay, cfg->quiesce_every, &res->floor_ns_per_read,
				      &res->floor_noise_ns);
			free(fo);
		}
	}
	for (unsigned i = 0; i < run->nthreads; i++) {
		struct rw_worker *w = &run->workers[i];

		if (!w->writer && w->has_cpu_clock)
			w->cpu_open_ns = cpu_clock_ns(w->cpu_clock);
	}
	t0 = sync_now_ns();
	res->window_start_ns = t0;
	gate_open(run);
	end = t0 + (uint64_t)(cfg->duration_s * 1e9);
	for (uint64_t now = t0; now < end && atomic_load(&run->exited) < run->nthreads;
	     now = sync_now_ns())
		sleep_ns(end - now < RW_TICK_NS ? end - now : RW_TICK_NS);
	window_close(run, res);
	res->wall_s = (double)(res->window_end_ns - t0) / 1e9;
	/* Shutdown: every thread must end; a stuck barrier or grace period must not hang us. */
	{
		uint64_t bound_ns = (uint64_t)((cfg->watchdog_s + RW_STOP_BOUND_S) * NS_PER_S);
		char how[64];

		snprintf(how, sizeof(how), "--watchdog + %.0f s", RW_STOP_BOUND_S);
		watchdog_stop_by(run->wd, sync_now_ns() + bound_ns, bound_ns, how);
	}
	for (unsigned i = 0; i < run->nthreads; i++)
		if (run->workers[i].created)
			pthread_join(run->workers[i].pthread, NULL);
	watchdog_stop(run->wd);
	run->wd = NULL;
	timekeeper_end(&tk);

	if (lc_error(run->lc)) {
		snprintf(err, errlen, "%s", lc_error(run->lc));
		goto out_lc;
	}
	collect(run, res);
	sync_summary_string(run->dom, res->strategy_extra, sizeof(res->strategy_extra));
	rc = 0;

out_lc:
	lc_destroy(run->lc);
out_domain:
	run->ops->domain_destroy(run->dom);
out_free:
	last = atomic_load(&run->shared);
	if (last)
		rw_obj_poison_free(last);
	free(run->workers);
	free(run);
	return rc;
}

