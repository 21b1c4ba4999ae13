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
 * for a strategy without read hooks it calls nothing (see read_batch_hookless).
 * Everything else (the stop check, publishing, the watchdog's `doing`)
 * happens once per batch of quiesce_every reads.
 *
 * The watchdog (bench/lib/watchdog.h, its own thread) bounds every
 * synchronization wait by --watchdog, the start-up (every thread at the gate)
 * by --watchdog + RW_START_BOUND_S and the stop by --watchdog +
 * RW_STOP_BOUND_S; when one is exceeded it reports and exits with status 3.
 *
 * Deliberate breaks for the tests (never in a real build), -D flags, each with
 * a must-fail *_catches_* target in BUILD:
 *   RW_BREAK_WINDOW_START  threads skip the start gate: they read while the
 *                          others start and the floor is measured;
 *   RW_BREAK_WINDOW_END    counts taken when each thread notices the stop,
 *                          not at the close;
 *   RW_BREAK_DEFER_BOUND   writers never wait for pending deferred frees;
 *   RW_BREAK_NO_RETRY      a read section is not redone when read_retry asks;
 *   RW_BREAK_STDOUT        (readers_writers_main.c) the SUMMARY line is not
 *                          checked for a failed write.
 */
#include "bench/rw/rw.h"

#include "bench/lib/lifecycle.h"
#include "bench/lib/strategy_thread.h"
#include "bench/lib/watchdog.h"
#include "strategies/loop.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define RW_FIELDS 8
#define RW_POISON 0xdeaddeaddeaddeadull
/* main thread's sleep between two looks at the clock */
#define RW_TICK_NS 10000000ull
/* main thread's sleep while waiting for the threads to reach the gate */
#define RW_GATE_TICK_NS 1000000ull
#define NS_PER_S 1e9
/* the harness floor: repetitions of RW_FLOOR_READS reads each */
#ifdef RW_BREAK_WINDOW_END
#define RW_COUNT_AT_CLOSE 0 /* broken on purpose: see collect() */
#else
#define RW_COUNT_AT_CLOSE 1
#endif
#define RW_FLOOR_REPS 9
#define RW_FLOOR_READS (1u << 18)

struct rw_run;

/* The shared object: one cache line of generation numbers. */
struct rw_obj {
	_Atomic uint64_t f[RW_FIELDS];
	struct rw_run *run;       /* for the deferred reclaim callback's counters */
} SYNC_ALIGNED;

/* A reader's counters, in registers during a batch. */
struct rw_tally {
	uint64_t reads, retries, torn, poisoned;
};

/* One per thread. */
struct rw_worker {
	struct rw_run *run;
	unsigned tid;
	int writer;
	pthread_t pthread;
	int created;
	clockid_t cpu_clock;      /* main only: the thread's CPU clock */
	int has_cpu_clock;
	struct sync_thread *st;   /* set by the ALLOC callback, cleared by FREE */

	/*
	 * Written by the reader at the end of each batch (release), read by
	 * the main thread at the close (acquire). Own cache line: the main
	 * thread's loads never share a line with another reader's stores.
	 */
	_Atomic uint64_t pub_reads SYNC_ALIGNED, pub_retries, pub_torn, pub_poisoned;

	/* Main thread only: the snapshot at the close, CPU clock at open and close. */
	struct rw_tally at_close SYNC_ALIGNED;
	uint64_t cpu_open_ns, cpu_close_ns;

	/* Writer only; read by main after the join. */
	uint64_t writes, throttles, throttle_ns;
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
	int oversubscribed;
	int wake_fd;

	/* Written by writers (exchange) or nobody (in place); read by readers. */
	void *_Atomic shared SYNC_ALIGNED;
	/* Written by the main thread once; read by every worker once per batch. */
	atomic_int stop SYNC_ALIGNED;
	/* Written by the main thread at the close; read by writers after each write. */
	atomic_int closing SYNC_ALIGNED;
	_Atomic uint64_t close_ns;
	/* Written by writers (generation counter) and the defer callbacks. */
	_Atomic uint64_t gen SYNC_ALIGNED;
	_Atomic uint64_t pending;      /* deferred objects not yet freed */
	_Atomic uint64_t pending_peak;
	/* Incremented by each worker at the gate / as it ends; read by main. */
	atomic_uint arrived SYNC_ALIGNED;
	atomic_uint exited;
	/* The start gate: 0 closed, 1 open; a futex word. Written by main once. */
	atomic_int gate SYNC_ALIGNED;

	/* Watches every thread's handle from its ALLOC to its FREE. */
	struct watchdog *wd;

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
	c->defer_bound = RW_DEFER_BOUND;
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
	/*
	 * Relaxed: a statistic for the peak; the writers' bound reads it
	 * too, where a stale value only makes a writer wait a little early
	 * or late.
	 */
	atomic_fetch_sub_explicit(&run->pending, 1, memory_order_relaxed);
}

/* ---- the read body, shared by the harness and its reference loops ---- */

static inline void spin(uint64_t loops)
{
	for (uint64_t i = 0; i < loops; i++)
		sync_relax();
}

/*
 * Inside a read section, o already dereferenced: the first field, the
 * section held open, the last field. Relaxed: see the design note.
 */
static inline void read_fields(const struct rw_obj *o, uint64_t delay, uint64_t *v0, uint64_t *v1)
{
	*v0 = atomic_load_explicit(&o->f[0], memory_order_relaxed);
	/* Held open between the two loads (liburcu's -c). */
	spin(delay);
	*v1 = atomic_load_explicit(&o->f[RW_FIELDS - 1], memory_order_relaxed);
}

/* The checks of one final read, branch-free: poison first, else a tear. */
static inline void tally(struct rw_tally *c, uint64_t v0, uint64_t v1)
{
	uint64_t poison = (v0 == RW_POISON) | (v1 == RW_POISON);

	c->poisoned += poison;
	c->torn += (v0 != v1) & !poison;
}

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

/*
 * A quiescent point: the poll loop of bench/pollsim.c with a zero timeout, so
 * HAProxy-family strategies get their harmless (and idle) window, qsbr its
 * quiescent state and offline period, wake_all its sync point. The poll
 * syscall is made only when the strategy has a wake fd to look at.
 */
static int poll_wake_fd(void *arg)
{
	struct rw_run *run = arg;
	struct pollfd pfd = { .fd = run->wake_fd, .events = POLLIN };

	if (run->wake_fd < 0)
		return 0;
	return poll(&pfd, 1, 0) > 0 && (pfd.revents & POLLIN);
}

static __attribute__((noinline)) void quiesce(struct rw_run *run, struct sync_thread *t)
{
	int woken;

	sync_set_doing(t, SYNC_DOING_POLLING);
	woken = sync_loop_poll(t, poll_wake_fd, run) > 0;
	if (woken)
		sync_loop_woken(t);
	sync_set_doing(t, SYNC_DOING_LOOP);
	sync_loop_end(t);
}

static inline int stopped(struct rw_run *run)
{
	/* Relaxed: stopping a little late is harmless; the join orders the rest. */
	return atomic_load_explicit(&run->stop, memory_order_relaxed);
}

/* sync_read()'s body: the shared pointer through the strategy, then the fields. */
struct read_args {
	void *_Atomic *slot;
	uint64_t delay;
	uint64_t v0, v1;
};

static inline __attribute__((always_inline)) void read_body(struct sync_thread *t, void *arg)
{
	struct read_args *a = arg;
	const struct rw_obj *o = sync_deref(t, a->slot);

	read_fields(o, a->delay, &a->v0, &a->v1);
}

/*
 * One batch of n reads through loop.h's read sequence (sync_read, with
 * read_body inlined as a known function). The counters stay local: the
 * acquire loads would otherwise force them back to memory on every read.
 */
static inline __attribute__((always_inline)) void read_batch(struct sync_thread *t, void *_Atomic *slot, uint64_t delay, unsigned n,
			      struct rw_tally *c)
{
	struct read_args a = { .slot = slot, .delay = delay };
	struct rw_tally l = { 0 };

	for (unsigned i = 0; i < n; i++) {
#ifdef RW_BREAK_NO_RETRY
		/* Broken on purpose: the section is not redone when read_retry asks. */
		sync_read_begin(t);
		read_body(t, &a);
		sync_read_end(t);
		(void)sync_read_retry(t);
#else
		l.retries += sync_read(t, read_body, &a);
#endif
		tally(&l, a.v0, a.v1);
	}
	c->reads += n;
	c->retries += l.retries;
	c->torn += l.torn;
	c->poisoned += l.poisoned;
}

/*
 * The read loop instantiated per family of read side, as Concurrency Kit's
 * regression adapters instantiate one benchmark loop per primitive.
 *
 * With hooks (ebr, rwlock, urcu_memb, ck_epoch, ...): loop.h's wrappers on
 * the real thread. Each wrapper reloads t->dom->ops and its hook after every
 * acquire load or call (the compiler may not keep them across), so a read
 * costs the strategy's calls plus those reloads.
 *
 * Without any read hook (none, qsbr, urcu_qsbr, the HAProxy family): the same
 * loop.h sequence, run against a constant thread head (hookless_thread,
 * whose domain's table hookless_reads has no hook). The compiler folds loads
 * from those constants, so every hook test disappears and only the read body
 * is left: the loop calls nothing and reloads nothing. It is loop.h's own
 * code (a change to the sequence, e.g. to how sync_deref loads without a
 * hook, applies here too), and it is used only when the real table has no
 * read hook, so no hook is skipped; the constant head is never passed to a
 * strategy. The whole reader loop is instantiated twice (reader_loop_hooks,
 * reader_loop_hookless: noinline, one symbol each for `objdump -d`); in the
 * hookless one the only call left is quiesce(), once per batch.
 */
static const struct sync_ops hookless_reads = { .name = "hookless_reads" };
static const struct sync_domain hookless_dom = { .ops = &hookless_reads };
static const struct sync_thread hookless_thread = { .dom = (struct sync_domain *)&hookless_dom };

static int has_read_hooks(const struct sync_ops *o)
{
	return o->read_begin || o->read_end || o->read_retry || o->read_deref;
}

static inline void publish(struct rw_worker *w, const struct rw_tally *c);
static void quiesce(struct rw_run *run, struct sync_thread *t);
static inline int stopped(struct rw_run *run);

/* The reader's loop, for thread t, read through rt (t itself, or hookless_thread). */
static inline __attribute__((always_inline)) void reader_loop_on(struct rw_worker *w, struct sync_thread *t,
								  struct sync_thread *rt)
{
	struct rw_run *run = w->run;
	const unsigned every = run->cfg->quiesce_every;
	const uint64_t delay = run->cfg->read_delay;
	struct rw_tally c = { 0 };

	while (!stopped(run)) {
		sync_set_doing(t, SYNC_DOING_EVENT);
		read_batch(rt, &run->shared, delay, every, &c);
		publish(w, &c);
		quiesce(run, t);
	}
}

static __attribute__((noinline)) void reader_loop_hooks(struct rw_worker *w, struct sync_thread *t)
{
	reader_loop_on(w, t, t);
}

static __attribute__((noinline)) void reader_loop_hookless(struct rw_worker *w, struct sync_thread *t)
{
	/* Never written: with every hook NULL, loop.h only reads t->dom->ops. */
	reader_loop_on(w, t, (struct sync_thread *)&hookless_thread);
}

/* Release: the counts are read at the close by the main thread (acquire). */
static inline void publish(struct rw_worker *w, const struct rw_tally *c)
{
	atomic_store_explicit(&w->pub_reads, c->reads, memory_order_release);
	atomic_store_explicit(&w->pub_retries, c->retries, memory_order_release);
	atomic_store_explicit(&w->pub_torn, c->torn, memory_order_release);
	atomic_store_explicit(&w->pub_poisoned, c->poisoned, memory_order_release);
}

static void reader_loop(struct rw_worker *w, struct sync_thread *t)
{
	if (has_read_hooks(sync_ops_of(t)))
		reader_loop_hooks(w, t);
	else
		reader_loop_hookless(w, t);
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

/*
 * Deferred mode: before handing one more object to defer_free, a writer that
 * finds defer_bound objects pending waits in barrier() for the deferred
 * frees to run. Reclamation that cannot keep up (liburcu's call_rcu thread
 * against a thousand readers on 2 CPUs) then slows the writers instead of
 * growing the heap without bound; the waits are counted and reported.
 */
static void defer_throttle(struct rw_worker *w, struct sync_thread *t)
{
	struct rw_run *run = w->run;
	uint64_t t0;

#ifdef RW_BREAK_DEFER_BOUND
	return; /* broken on purpose: pending grows without bound */
#endif
	/* Relaxed: see obj_reclaim_deferred(). */
	if (atomic_load_explicit(&run->pending, memory_order_relaxed) < run->cfg->defer_bound)
		return;
	t0 = sync_now_ns();
	sync_barrier(t);
	w->throttle_ns += sync_now_ns() - t0;
	w->throttles++;
}

/*
 * Whether a write that ended at `end` lies inside the window (see the design
 * note for why the fence and the order of the loads make this exact).
 */
static int ended_in_window(struct rw_run *run, uint64_t end)
{
	uint64_t c;

	sync_full_fence();
	if (!atomic_load(&run->closing))
		return 1;
	while (!(c = atomic_load(&run->close_ns)))
		sync_relax();
	return end <= c;
}

/* One update: the time it ended, or 0 when out of memory (the writer then stops). */
static uint64_t write_one(struct rw_worker *w, struct sync_thread *t, uint64_t *wait_ns)
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
		*wait_ns = t1 - t0;
	} else {
		struct rw_obj *n = obj_new(run, gen), *old;

		if (!n)
			return 0;
		/* acq_rel: publishes n's fields; acquires old's, which we poison. */
		old = atomic_exchange_explicit(&run->shared, n, memory_order_acq_rel);
		spin(run->cfg->write_hold);
		if (run->cfg->reclaim == SYNC_RECLAIM_SYNC) {
			t1 = sync_now_ns();
			sync_synchronize(t);
			t2 = sync_now_ns();
			*wait_ns = t2 - t1;
			obj_poison_free(old);
		} else {
			pending_add(run);
			sync_defer_free(t, old, obj_reclaim_deferred);
			*wait_ns = UINT64_MAX; /* no wait to record */
		}
	}
	return sync_now_ns();
}

static void writer_loop(struct rw_worker *w, struct sync_thread *t)
{
	struct rw_run *run = w->run;
	const uint64_t delay = run->cfg->write_delay;

	while (!stopped(run)) {
		uint64_t t0, end, wait_ns;

		if (run->update == RW_UPDATE_COPY && run->cfg->reclaim == SYNC_RECLAIM_DEFER)
			defer_throttle(w, t);
		sync_set_doing(t, SYNC_DOING_UPDATE);
		t0 = sync_now_ns();
		end = write_one(w, t, &wait_ns);
		if (!end)
			break;
		if (RW_COUNT_AT_CLOSE && !ended_in_window(run, end))
			break;
		hist_record(&w->write_latency, end - t0);
		if (wait_ns != UINT64_MAX)
			hist_record(&w->wait_latency, wait_ns);
		w->writes++;
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

		sync_set_doing(t, SYNC_DOING_STARTING);
		gate_wait(run);
		if (w->writer)
			writer_loop(w, t);
		else
			reader_loop(w, t);
		sync_set_doing(t, SYNC_DOING_EXITING);
		lc_thread_stop(run->lc, w->tid);
	}
	/* Release: main reads the worker's figures after seeing the count. */
	atomic_fetch_add_explicit(&run->exited, 1, memory_order_release);
	return NULL;
}

/* ---- lifecycle callbacks: the strategy's four hooks (bench/lib/strategy_thread.h) ---- */

static int cb_alloc(void *arg, unsigned tid, char *err, size_t errlen)
{
	struct rw_run *run = arg;

	return strategy_thread_alloc(run->dom, run->wd, tid, &run->workers[tid], &run->workers[tid].st, err,
				     errlen);
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
	strategy_thread_free(run->wd, tid, &run->workers[tid].st);
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

static uint64_t cpu_clock_ns(clockid_t c)
{
	struct timespec ts;

	if (clock_gettime(c, &ts))
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
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
	watchdog_start_by(run->wd, sync_now_ns() + bound_ns, bound_ns, how);
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

/*
 * The harness floor: the reader's read body with no strategy, inlined (an
 * acquire load of the shared pointer, the two field loads, the checks,
 * register counters), n reads on the calling thread. With qs, also an
 * inlined QSBR quiescent state every `every` reads: liburcu's
 * rcu_quiescent_state() fast path, a load of the grace-period counter
 * compared with the thread's own, announcing it (release store, full fence)
 * only when it moved. Returns ns per read. noinline: each variant is one
 * loop, compiled alone, like the harness's.
 */
struct ref_qsbr {
	_Atomic uint64_t gp SYNC_ALIGNED;   /* the grace-period counter: nobody advances it here */
	_Atomic uint64_t ctr SYNC_ALIGNED;  /* the reader's announcement */
};

static inline double ref_loop(void *_Atomic *slot, uint64_t delay, uint64_t n, unsigned every,
			      struct ref_qsbr *qs, struct rw_tally *c)
{
	/* CPU time, like the readers' (a preempted loop is not charged the wait). */
	uint64_t t0 = cpu_clock_ns(CLOCK_THREAD_CPUTIME_ID), t1;
	/* Local, as in read_batch(). */
	struct rw_tally l = { 0 };

	for (uint64_t done = 0; done < n; done += every) {
		for (unsigned i = 0; i < every; i++) {
			/* Acquire: as sync_deref() without a read_deref hook. */
			const struct rw_obj *o = atomic_load_explicit(slot, memory_order_acquire);
			uint64_t v0, v1;

			read_fields(o, delay, &v0, &v1);
			tally(&l, v0, v1);
		}
		l.reads += every;
		if (qs) {
			uint64_t g = atomic_load_explicit(&qs->gp, memory_order_acquire);

			if (g != atomic_load_explicit(&qs->ctr, memory_order_relaxed)) {
				atomic_store_explicit(&qs->ctr, g, memory_order_release);
				sync_full_fence();
			}
		}
	}
	t1 = cpu_clock_ns(CLOCK_THREAD_CPUTIME_ID);
	c->reads += l.reads;
	c->torn += l.torn;
	c->poisoned += l.poisoned;
	return (double)(t1 - t0) / (double)n;
}

static __attribute__((noinline)) double ref_floor(void *_Atomic *slot, uint64_t delay, uint64_t n,
						   unsigned every, struct rw_tally *c)
{
	return ref_loop(slot, delay, n, every, NULL, c);
}

static __attribute__((noinline)) double ref_qsbr_loop(void *_Atomic *slot, uint64_t delay, uint64_t n,
						  unsigned every, struct ref_qsbr *qs, struct rw_tally *c)
{
	return ref_loop(slot, delay, n, every, qs, c);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * Median, and the spread of the middle half (3rd to 7th of 9) as the noise,
 * of RW_FLOOR_REPS short repetitions (short: on a shared machine a long one
 * is more likely to be preempted); NAN when
 * read_delay is so long that even 16 reads take too long (the floor is then
 * irrelevant: the delay is the read).
 */
static void measure_floor(void *_Atomic *slot, uint64_t delay, unsigned every, double *median, double *noise)
{
	double x[RW_FLOOR_REPS];
	struct rw_tally c = { 0 };
	uint64_t n = RW_FLOOR_READS;

	*median = *noise = NAN;
	/* At most ~2^20 relax loops per repetition (a few ms). */
	while (delay && n > 16 && n * delay > (1u << 20))
		n /= 2;
	if (delay && n * delay > (1u << 22))
		return;
	if (every > n)
		every = (unsigned)n;
	n = n / every * every;
	ref_floor(slot, delay, n, every, &c); /* warm-up: caches, branch predictors, clock */
	for (unsigned i = 0; i < RW_FLOOR_REPS; i++)
		x[i] = ref_floor(slot, delay, n, every, &c);
	qsort(x, RW_FLOOR_REPS, sizeof(x[0]), cmp_double);
	*median = x[RW_FLOOR_REPS / 2];
	*noise = x[RW_FLOOR_REPS * 3 / 4] - x[RW_FLOOR_REPS / 4];
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
		w->at_close.reads = atomic_load_explicit(&w->pub_reads, memory_order_acquire);
		w->at_close.retries = atomic_load_explicit(&w->pub_retries, memory_order_acquire);
		w->at_close.torn = atomic_load_explicit(&w->pub_torn, memory_order_acquire);
		w->at_close.poisoned = atomic_load_explicit(&w->pub_poisoned, memory_order_acquire);
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
		c.reads = atomic_load(&w->pub_reads);
		c.retries = atomic_load(&w->pub_retries);
		c.torn = atomic_load(&w->pub_torn);
		c.poisoned = atomic_load(&w->pub_poisoned);
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
	atomic_init(&run->shared, obj_new(run, 0));
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
	/* Undo pairs by name: "sync" FREE undoes "sync" ALLOC, and so on. */
	if (lc_register(run->lc, LC_ALLOC, "sync", cb_alloc, run) ||
	    lc_register(run->lc, LC_INIT, "sync", cb_init, run) ||
	    lc_register(run->lc, LC_DEINIT, "barrier", cb_barrier, run) ||
	    lc_register(run->lc, LC_DEINIT, "sync", cb_deinit, run) ||
	    lc_register(run->lc, LC_FREE, "sync", cb_free, run)) {
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
		struct rw_obj *fo = obj_new(run, 0);
		void *_Atomic slot;

		atomic_init(&slot, fo);
		if (fo) {
			measure_floor(&slot, cfg->read_delay, cfg->quiesce_every, &res->floor_ns_per_read,
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
		obj_poison_free(last);
	free(run->workers);
	free(run);
	return rc;
}

/* ---- output ---- */

static double per_s(uint64_t n, double s)
{
	return s > 0 ? (double)n / s : 0.0;
}

double rw_ns_per_read(const struct rw_result *res)
{
	return res->reads ? (double)res->reader_ns / (double)res->reads : 0.0;
}

double rw_ns_per_read_net(const struct rw_result *res)
{
	double net = rw_ns_per_read(res) - res->floor_ns_per_read;
	/* at least 2% of the floor: five repetitions can agree by chance */
	double noise = fmax(res->floor_noise_ns, 0.02 * res->floor_ns_per_read);

	return !res->reads || isnan(res->floor_ns_per_read) || net <= noise ? NAN : net;
}

void rw_print_summary(FILE *out, const struct rw_config *cfg, const struct rw_result *res)
{
	const struct sync_ops *ops = cfg->strategy;
	double net = rw_ns_per_read_net(res);

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
		per_s(res->reads, res->wall_s), per_s(res->writes, res->wall_s), rw_ns_per_read(res));
	if (isnan(res->floor_ns_per_read))
		fprintf(out, " ns_per_read_floor n/a ns_per_read_floor_noise n/a ns_per_read_net n/a");
	else
		fprintf(out, " ns_per_read_floor %.3f ns_per_read_floor_noise %.3f", res->floor_ns_per_read,
			res->floor_noise_ns);
	if (isnan(res->floor_ns_per_read))
		;
	else if (isnan(net))
		fprintf(out, " ns_per_read_net below_noise");
	else
		fprintf(out, " ns_per_read_net %.3f", net);
	fprintf(out, " read_retries %llu", (unsigned long long)res->read_retries);
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
	fprintf(out, " defer_bound %llu defer_throttles %llu defer_throttle_ns %llu",
		(unsigned long long)cfg->defer_bound, (unsigned long long)res->defer_throttles,
		(unsigned long long)res->defer_throttle_ns);
	fprintf(out, " timekeeper_rt %d", res->timekeeper_rt);
	if (res->strategy_extra[0])
		fprintf(out, " %s", res->strategy_extra);
	fputc('\n', out);
}

/* ---- the harness-floor benchmark ---- */

/*
 * P(X <= k) for X ~ Binomial(n, 1/2): the order-statistic interval [x(k+1),
 * x(n-k)] misses the median with probability 2 * P(X <= k).
 */
static double binom_half_cdf(unsigned n, unsigned k)
{
	double p = 0, c = 1; /* c = C(n, i) */

	for (unsigned i = 0; i <= k && i <= n; i++) {
		p += c;
		c = c * (double)(n - i) / (double)(i + 1);
	}
	return p / pow(2.0, (double)n);
}

struct rw_stat rw_median_interval(double *x, unsigned n)
{
	struct rw_stat st = { NAN, NAN, NAN, 0 };
	unsigned k = 0;

	if (!n)
		return st;
	qsort(x, n, sizeof(x[0]), cmp_double);
	st.median = n % 2 ? x[n / 2] : (x[n / 2 - 1] + x[n / 2]) / 2;
	/* the largest k with 2 * P(X <= k - 1) <= 0.05: [x(k), x(n + 1 - k)], 1-based */
	while (k + 1 <= n / 2 && 2 * binom_half_cdf(n, k) <= 0.05)
		k++;
	if (k) {
		st.lo = x[k - 1];
		st.hi = x[n - k];
		st.conf = 1 - 2 * binom_half_cdf(n, k - 1);
	}
	return st;
}

/* One rw_run of ops, 1 reader, 0 writers: its ns per read (CPU time), or -1. */
static double floor_rw(const struct rw_floor_config *cfg, const struct sync_ops *ops, char *err, size_t errlen)
{
	struct rw_config c;
	struct rw_result *res = malloc(sizeof(*res));
	double ns;

	if (!res) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rw_config_default(&c);
	c.strategy = ops;
	c.readers = 1;
	c.writers = 0;
	c.duration_s = cfg->rep_s;
	c.quiesce_every = cfg->quiesce_every;
	c.quiet = 1;
	if (rw_run(&c, res, err, errlen)) {
		free(res);
		return -1;
	}
	ns = rw_ns_per_read(res);
	free(res);
	return ns;
}

/* A reference loop, about rep_s long: ns per read. */
static double floor_ref_here(const struct rw_floor_config *cfg, int qs)
{
	static struct ref_qsbr q; /* gp == ctr == 0: the fast path, as with no writer */
	struct rw_obj *o = obj_new(NULL, 0);
	void *_Atomic slot;
	struct rw_tally c = { 0 };
	uint64_t n = 1u << 16, t0, ns;
	double r;

	if (!o)
		return -1;
	atomic_init(&slot, o);
	/* Calibrate: grow n until one loop takes 1/16 of rep_s, then scale. */
	for (;;) {
		t0 = cpu_clock_ns(CLOCK_THREAD_CPUTIME_ID);
		qs ? ref_qsbr_loop(&slot, 0, n, cfg->quiesce_every, &q, &c)
		   : ref_floor(&slot, 0, n, cfg->quiesce_every, &c);
		ns = cpu_clock_ns(CLOCK_THREAD_CPUTIME_ID) - t0;
		if (ns * 16 >= (uint64_t)(cfg->rep_s * 1e9) || n >= (1ull << 40))
			break;
		n *= 2;
	}
	n = (uint64_t)((double)n * cfg->rep_s * 1e9 / (double)(ns ? ns : 1));
	n = (n / cfg->quiesce_every + 1) * cfg->quiesce_every;
	r = qs ? ref_qsbr_loop(&slot, 0, n, cfg->quiesce_every, &q, &c)
	       : ref_floor(&slot, 0, n, cfg->quiesce_every, &c);
	free(o);
	return r;
}

struct floor_ref_args {
	const struct rw_floor_config *cfg;
	int qs;
	double ns;
};

static void *floor_ref_main(void *arg)
{
	struct floor_ref_args *a = arg;

	a->ns = floor_ref_here(a->cfg, a->qs);
	return NULL;
}

/*
 * On a fresh thread, as rw_run's reader is: the two sides of each ratio then
 * differ only by the harness, not by which thread ran them.
 */
static double floor_ref(const struct rw_floor_config *cfg, int qs)
{
	struct floor_ref_args a = { .cfg = cfg, .qs = qs, .ns = -1 };
	pthread_t th;

	if (pthread_create(&th, NULL, floor_ref_main, &a))
		return floor_ref_here(cfg, qs);
	pthread_join(th, NULL);
	return a.ns;
}

int rw_floor_run(const struct rw_floor_config *cfg, struct rw_floor_result *res, char *err, size_t errlen)
{
	double tmp[RW_FLOOR_MAX_REPS];

	memset(res, 0, sizeof(*res));
	if (!cfg->none || !cfg->qsbr || cfg->reps < 1 || cfg->reps > RW_FLOOR_MAX_REPS || !(cfg->rep_s > 0) ||
	    cfg->quiesce_every < 1) {
		snprintf(err, errlen, "harness floor: need none and qsbr, 1..%d repetitions, rep_s > 0, quiesce_every >= 1",
			 RW_FLOOR_MAX_REPS);
		return -1;
	}
	res->reps = cfg->reps;
	for (unsigned r = 0; r < cfg->reps; r++) {
		/* Rotated order: round r starts with variant r mod 4. */
		for (unsigned k = 0; k < RW_FLOOR_NVARIANTS; k++) {
			unsigned v = (r + k) % RW_FLOOR_NVARIANTS;
			double ns;

			switch (v) {
			case RW_FLOOR_BARE:
				ns = floor_ref(cfg, 0);
				break;
			case RW_FLOOR_REF_QSBR:
				ns = floor_ref(cfg, 1);
				break;
			case RW_FLOOR_NONE:
				ns = floor_rw(cfg, cfg->none, err, errlen);
				break;
			default:
				ns = floor_rw(cfg, cfg->qsbr, err, errlen);
				break;
			}
			if (ns < 0) {
				if (v <= RW_FLOOR_REF_QSBR)
					snprintf(err, errlen, "harness floor: out of memory");
				return -1;
			}
			res->ns[v][r] = ns;
		}
		res->ratio_qsbr[r] = res->ns[RW_FLOOR_QSBR][r] / res->ns[RW_FLOOR_REF_QSBR][r];
		res->ratio_none[r] = res->ns[RW_FLOOR_NONE][r] / res->ns[RW_FLOOR_BARE][r];
	}
	for (unsigned v = 0; v < RW_FLOOR_NVARIANTS; v++) {
		memcpy(tmp, res->ns[v], sizeof(double) * cfg->reps);
		res->stat[v] = rw_median_interval(tmp, cfg->reps);
	}
	memcpy(tmp, res->ratio_qsbr, sizeof(double) * cfg->reps);
	res->qsbr_ratio = rw_median_interval(tmp, cfg->reps);
	memcpy(tmp, res->ratio_none, sizeof(double) * cfg->reps);
	res->none_ratio = rw_median_interval(tmp, cfg->reps);
	return 0;
}

static void print_stat(FILE *out, const char *key, const struct rw_stat *s)
{
	fprintf(out, " %s %.4f", key, s->median);
	if (isnan(s->lo))
		fprintf(out, " %s_lo n/a %s_hi n/a", key, key);
	else
		fprintf(out, " %s_lo %.4f %s_hi %.4f", key, s->lo, key, s->hi);
}

static const char *const floor_names[RW_FLOOR_NVARIANTS] = { "floor", "ref_qsbr", "none", "qsbr" };

void rw_floor_print(FILE *out, const struct rw_floor_config *cfg, const struct rw_floor_result *res)
{
	const struct rw_stat *q = &res->qsbr_ratio;

	fprintf(out, "# harness floor: %u interleaved rounds of %.3f s per variant, quiesce every %u reads\n",
		res->reps, cfg->rep_s, cfg->quiesce_every);
	fprintf(out, "# CPU ns per read; floor and ref_qsbr inlined on a fresh thread, none and qsbr through rw_run (1 reader)\n");
	fprintf(out, "# round floor_ns ref_qsbr_ns none_ns qsbr_ns qsbr/ref_qsbr none/floor\n");
	for (unsigned r = 0; r < res->reps; r++)
		fprintf(out, "%u %.4f %.4f %.4f %.4f %.4f %.4f\n", r + 1, res->ns[RW_FLOOR_BARE][r],
			res->ns[RW_FLOOR_REF_QSBR][r], res->ns[RW_FLOOR_NONE][r], res->ns[RW_FLOOR_QSBR][r],
			res->ratio_qsbr[r], res->ratio_none[r]);
	if (isnan(q->lo))
		fprintf(out, "# qsbr through the harness / bare QSBR: median %.3f (too few rounds for a 95%% interval)\n",
			q->median);
	else
		fprintf(out, "# qsbr through the harness / bare QSBR: median %.3f, %.1f%% interval [%.3f, %.3f]: goal <= 1.10 %s\n",
			q->median, 100 * q->conf, q->lo, q->hi,
			q->hi <= 1.10 ? "MET" : q->lo > 1.10 ? "MISSED" : "not separable from noise");
	fprintf(out, "SUMMARY harness_floor rounds %u rep_s %.3f quiesce_every %u", res->reps, cfg->rep_s,
		cfg->quiesce_every);
	for (unsigned v = 0; v < RW_FLOOR_NVARIANTS; v++) {
		char key[32];

		snprintf(key, sizeof(key), "%s_ns", floor_names[v]);
		print_stat(out, key, &res->stat[v]);
	}
	print_stat(out, "ratio_qsbr", &res->qsbr_ratio);
	print_stat(out, "ratio_none", &res->none_ratio);
	fputc('\n', out);
}
