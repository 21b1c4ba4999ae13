/*
 * pollsim.c - the poll-loop simulator (see pollsim.h for the API).
 *
 * What it is for: measuring what each synchronization strategy costs a
 * poll-loop server whose threads really sleep in epoll_wait and really wake.
 * The simulator knows no strategy by name: it only calls the sync_ops table.
 *
 * Participants. `threads` loop threads (tid 0..threads-1), plus, with
 * --updater=outside, one "CLI" thread (tid = threads) that runs its own small
 * epoll loop with the same hooks and sleeps until the next scheduled update.
 * Each participant has its own epoll set holding:
 *   - its event source: a timerfd armed (absolute, CLOCK_MONOTONIC) at its
 *     next deadline (next event, next update, the injected stall), or, for a
 *     saturated thread, an eventfd written once and never drained, so an
 *     event is always ready;
 *   - the strategy's wake_fd, when it has one (wake_all);
 *   - two simulator control eventfds (stop, and end-of-updates for the
 *     updater), owned by pollsim_run so that nobody writes to a closed fd.
 * Every participant sets PR_SET_TIMERSLACK to 1 ns: the default 50 us slack
 * would otherwise dominate every wake-up latency measured here.
 *
 * The loop (the comment at the top of strategies/sync.h):
 *   sync_loop_epoll (poll_enter, epoll_wait, poll_leave: strategies/loop.h);
 *   classify the return: sync (the wake_fd is among the ready fds; then
 *   wake_event), else event (own event source), else control (the simulator's
 *   stop), timeout (0 fds: a saturated thread's poll found nothing), EINTR;
 *   events, each inside read_begin/read_end; an update if one is due on this
 *   thread; loop_iter.
 * t->doing / doing_since_ns follow the thread (polling, event, update, loop)
 * for the watchdog.
 *
 * Scenarios (exact parameters; also in --help):
 *   idle       every loop thread gets events on an open-loop schedule at
 *              --event-rate per second (default POLLSIM_IDLE_EVENT_RATE = 100),
 *              fixed (period 1/rate, thread i phase-shifted by i/threads of a
 *              period) or Poisson (exponential gaps); each event costs
 *              --event-cost-us of CPU (default 2): asleep ~99.98% of the time.
 *   saturated  every loop thread always has a ready event: it polls with
 *              timeout 0 between events and handles one event per loop
 *              iteration; event delay = start of an event - end of the
 *              previous one (the loop's own overhead plus any stall).
 *   mixed      even tids saturated, odd tids idle.
 *   bursty     idle, plus every POLLSIM_BURST_PERIOD_S (100 ms) from the start,
 *              POLLSIM_BURST_EVENTS (32) events scheduled at the same instant
 *              on every loop thread at once.
 *   Idle threads handle at most 64 due events per loop iteration (then go
 *   around the loop, as a real server bounds its batch). Event delay =
 *   handling start - scheduled time (open loop: no coordinated omission).
 *   no_events (--no-events): no events at all, whatever the scenario; loop
 *   threads only wake for the strategy, the updater's schedule and the stop.
 *
 * The CPU cost of an event is a calibrated loop (iterations per microsecond of
 * thread CPU time, measured once per process) run inside the read section, as
 * a handler works on the server it looked up.
 *
 * Shared state: a "table of servers" reached through one
 * _Atomic(struct table *). A read walks every entry and checks that all
 * carry the table's generation (else a torn read) and that the table was not
 * poisoned (handed to free: a poisoned read). Fields are relaxed atomics, so
 * the unsafe `none` baseline races without undefined behaviour under TSAN.
 * An update, scheduled at --update-rate (fixed or Poisson, first one a period
 * after the start), by loop thread 0 or the outside thread:
 *   reclaim=defer:              copy, modify, publish (exchange),
 *                               defer_free(old, poison_and_free); pending
 *                               objects/bytes tracked (peak reported);
 *   else caps & SYNC_CAP_ISOLATE: isolate; modify in place; release;
 *   else (SYNC_CAP_SYNCHRONIZE): copy, modify, publish, synchronize, poison
 *                               and free the old version.
 * update latency = done - SCHEDULED time (open loop); time_to_safe = the time
 * spent inside isolate() or synchronize(). The updater calls barrier() when
 * updates end (reclaim=defer), long before its thread_deinit.
 *
 * Start and stop. Per-thread resources come and go through the lifecycle
 * (bench/lib/lifecycle.h), callbacks named:
 *   ALLOC pollsim_placement (bind to the CPU hwloc chose), pollsim_resources
 *         (epoll set, event source, histograms), strategy_thread
 *         (thread_alloc);
 *   INIT  strategy_thread (thread_init), pollsim_loop (fill the epoll set,
 *         become visible to the watchdog);
 *   DEINIT strategy_thread; FREE pollsim_unwatch, strategy_thread,
 *         pollsim_resources.
 * --fail=alloc:T fails strategy_thread's ALLOC on thread T (so
 * pollsim_resources is unwound), --fail=init:T fails pollsim_loop's INIT (so
 * the strategy's init and alloc are unwound), --fail=spawn:T refuses
 * participant T's pthread_create with EAGAIN before it is called (we run as
 * root: RLIMIT_NPROC cannot provoke it); like a real refusal it goes through
 * lc_fail, which releases the participants already waiting in
 * lc_thread_start (each unwinds its own start), and the run fails with
 * "alloc phase: pthread_create failed for thread T: ...". Resource exhaustion
 * (a low RLIMIT_NOFILE) fails pollsim_resources' ALLOC with the call named
 * ("epoll_create1: Too many open files"), or, before any thread, the setup
 * phase's control eventfds. After the lifecycle's start
 * barrier a second gate gives every participant the same start time t0.
 * Stopping has two phases so that no update is in flight when threads leave:
 * (1) stop_updates: the updater finishes (barrier() for defer) and says so;
 * (2) stop: every participant leaves its loop and runs DEINIT then FREE.
 *
 * Watchdog: a thread scans dom->threads[] (only threads between the end of
 * their INIT and their FREE, under wd_lock, so it never reads freed memory);
 * when a wait exceeds --watchdog seconds, or the stop takes far too long
 * (over 2 x --watchdog + 5 s + POLLSIM_STOP_NS_PER_PARTICIPANT (50 ms) per
 * participant after the end: a hang guard that scales with the threads to
 * stop, so a loaded 64-thread run is not mistaken for a stuck one), it
 * prints which threads hold the run up and what each was doing, then the
 * strategy's dump(), and exits the process with status 3.
 *
 * Deliberate breaks for the tests (never in a real build), -D flags:
 *   POLLSIM_BREAK_CLASSIFY  every epoll return with a ready fd counts as a
 *                           sync wakeup (pollsim_wakeups_test must fail);
 *   POLLSIM_BREAK_WATCHDOG  the watchdog never fires (pollsim_watchdog_test
 *                           must fail);
 *   POLLSIM_BREAK_SPAWN_NO_FAIL  a refused pthread_create is not reported
 *                           with lc_fail: the participants already started
 *                           wait for the missing one forever
 *                           (pollsim_exhaustion_test must fail: a hang).
 *
 * Fault injection: --stall=T:MS makes loop thread T, POLLSIM_STALL_AT_S (20 ms)
 * after the start, enter a read section and stay there MS milliseconds (inf:
 * until updates end), doing "event".
 */
#include "bench/sim/pollsim.h"
#include "strategies/loop.h"

#include <errno.h>
#include <hwloc.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "bench/lib/floors.h"
#include "bench/lib/lifecycle.h"

#define TAG_WAKE 1u
#define TAG_SRC 2u
#define TAG_CTL 3u
#define MAX_BATCH 64
#define POISON 0xdeadbeefdeadbeefull
#define NS 1000000000.0

const char *const pollsim_scenario_names[] = { "idle", "saturated", "mixed", "bursty", NULL };
const char *const pollsim_updater_names[] = { "loop", "outside", NULL };
const char *const pollsim_placement_names[] = { "none", "compact", "scatter", NULL };
const char *const pollsim_arrival_names[] = { "fixed", "poisson", NULL };
const char *const pollsim_reclaim_names[] = { "sync", "defer", NULL };

enum role { ROLE_IDLE = 0, ROLE_SATURATED, ROLE_OUTSIDE };
static const char *const role_names[] = { "idle", "saturated", "outside" };

struct table_entry {
	_Atomic uint64_t gen;
	_Atomic uint64_t weight;
};

/*
 * The shared state. Written by the updater only (in place while isolated, or
 * before publication); read by every event handler.
 */
struct table {
	_Atomic uint64_t gen;
	_Atomic uint64_t poison;          /* POISON once handed to free */
	struct sim *sim;
	int deferred;                     /* went through defer_free: pending counted */
	unsigned size;
	struct table_entry e[];
};

struct sim;

/* Per participant. Padded: each is written by its own thread in the loop. */
struct pt {
	/* set by pollsim_run before the threads start; read-only afterwards */
	struct sim *sim;
	unsigned tid;
	enum role role;
	int is_updater;
	int stalls;                       /* this thread has the --stall */
	int cpu;                          /* -1: not bound */
	pthread_t th;

	/* owned by the thread (ALLOC pollsim_resources / strategy_thread) */
	int epfd, srcfd;
	struct hist *hists;               /* [0] event delay, [1] update latency, [2] time to safe */
	struct sync_thread *st;

	int watched;                      /* under sim->wd_lock: the watchdog may read st */

	/* loop state, thread-local */
	uint64_t rng;
	uint64_t next_ev, next_burst, burst_at, next_upd, stall_at, armed, prev_end;
	unsigned burst_left;
	int upd_finished;

	/* results: written by the thread, read by pollsim_run after join */
	uint64_t events, reads, torn, poisoned, checksum, updates;
	uint64_t w_event, w_sync, w_timeout, w_eintr, w_ctl;
	uint64_t cpu_ns, vcsw, ivcsw;
	uint64_t defer_peak_objs, defer_peak_bytes;

	/* progress, read by the main thread while running: relaxed, only a display */
	_Atomic uint64_t prog_events, prog_updates;
} SYNC_ALIGNED;

struct sim {
	const struct pollsim_config *cfg;
	const struct sync_ops *ops;
	struct sync_domain *dom;
	int wake_fd;
	unsigned P, nloop;
	int isolate_path;                 /* updates in place under isolate() */
	struct lifecycle *lc;
	struct pt *pts;
	int *cpus;
	double ev_rate;                   /* per idle thread; 0: no events */
	uint64_t ev_period_ns, upd_period_ns, burst_period_ns;
	uint64_t iters_per_us_x1000;      /* calibrated CPU loop */

	/* The one pointer to the shared table (see struct table). */
	_Atomic(struct table *) table SYNC_ALIGNED;

	/* deferred reclamation: incremented by the updater, decremented by the callbacks */
	_Atomic int64_t pending_objs SYNC_ALIGNED;
	_Atomic int64_t pending_bytes;

	/* simulator control fds, owned here (closed after every join) */
	int stopfd, updfd;
	/* Written by pollsim_run, read by every loop: seq_cst, read once per iteration. */
	atomic_int stop SYNC_ALIGNED;
	atomic_int stop_updates;

	/* start gate: under gate_lock */
	pthread_mutex_t gate_lock;
	pthread_cond_t gate_cond;
	unsigned gate_arrived;
	int gate_go, gate_abort;
	uint64_t t0;                      /* written under gate_lock before gate_go */

	/* end of updates: under upd_lock */
	pthread_mutex_t upd_lock;
	pthread_cond_t upd_cond;
	int updates_done;

	/* the injected stall waits here for its deadline or the end of updates */
	pthread_mutex_t stall_lock;
	pthread_cond_t stall_cond;

	/* watchdog: wd_stop and every pt.watched under wd_lock */
	pthread_mutex_t wd_lock;
	pthread_cond_t wd_cond;
	int wd_stop;
	_Atomic uint64_t shutdown_deadline_ns; /* 0: running; else the stop must end by then */
	pthread_t wd_th;
};

/* ---- small helpers ---- */

static uint64_t now_ns(void)
{
	return sync_now_ns();
}

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t process_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* An exponential gap of mean period_ns (Poisson arrivals). */
static uint64_t exp_gap(uint64_t *rng, uint64_t period_ns)
{
	double u = ((double)(splitmix64(rng) >> 11) + 1.0) * (1.0 / 9007199254740992.0);

	return (uint64_t)(-log(u) * (double)period_ns) + 1;
}

static uint64_t gap(struct pt *p, uint64_t period_ns)
{
	if (p->sim->cfg->arrival == POLLSIM_ARRIVAL_POISSON)
		return exp_gap(&p->rng, period_ns);
	return period_ns;
}

static void set_doing(struct sync_thread *t, enum sync_doing d)
{
	/* Relaxed: only the watchdog reads these, to describe a stuck run. */
	if (atomic_load_explicit(&t->doing, memory_order_relaxed) != (int)d) {
		atomic_store_explicit(&t->doing_since_ns, now_ns(), memory_order_relaxed);
		atomic_store_explicit(&t->doing, d, memory_order_relaxed);
	}
}

/* ---- the calibrated CPU loop ---- */

static uint64_t spin_iters(uint64_t n)
{
	uint64_t x = 88172645463325252ull;

	for (uint64_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		__asm__ volatile("" : "+r"(x));
	}
	return x;
}

static uint64_t calibrated_x1000;
static pthread_once_t calibrate_once = PTHREAD_ONCE_INIT;

/* Iterations per microsecond of thread CPU (x1000), best of a few tries. */
static void calibrate(void)
{
	double best = 0;

	for (int k = 0; k < 5; k++) {
		uint64_t n = 1u << 16, c0, c1;

		for (;;) {
			c0 = thread_cpu_ns();
			spin_iters(n);
			c1 = thread_cpu_ns();
			if (c1 - c0 >= 2000000 || n >= (1ull << 34))
				break;
			n *= 2;
		}
		double per_us = (double)n * 1000.0 / (double)(c1 - c0 ? c1 - c0 : 1);

		if (per_us > best)
			best = per_us;
	}
	calibrated_x1000 = (uint64_t)(best * 1000.0);
	if (!calibrated_x1000)
		calibrated_x1000 = 1;
}

/* ---- the shared table ---- */

static size_t table_bytes(unsigned size)
{
	return sizeof(struct table) + (size_t)size * sizeof(struct table_entry);
}

static struct table *table_new(struct sim *s, unsigned size, uint64_t gen)
{
	struct table *t = malloc(table_bytes(size));

	if (!t)
		return NULL;
	atomic_init(&t->gen, gen);
	atomic_init(&t->poison, 0);
	t->sim = s;
	t->deferred = 0;
	t->size = size;
	for (unsigned i = 0; i < size; i++) {
		atomic_init(&t->e[i].gen, gen);
		atomic_init(&t->e[i].weight, gen * 31 + i);
	}
	return t;
}

/* Poisons then frees a table: a reader that still sees it counts a poisoned read. */
static void table_poison_free(void *arg)
{
	struct table *t = arg;
	struct sim *s = t->sim;

	atomic_store_explicit(&t->poison, POISON, memory_order_relaxed);
	for (unsigned i = 0; i < t->size; i++)
		atomic_store_explicit(&t->e[i].gen, POISON, memory_order_relaxed);
	if (t->deferred) {
		/* Relaxed: counters for the report, read after barrier()/join. */
		atomic_fetch_sub_explicit(&s->pending_objs, 1, memory_order_relaxed);
		atomic_fetch_sub_explicit(&s->pending_bytes, (int64_t)table_bytes(t->size),
					  memory_order_relaxed);
	}
	free(t);
}

/* Inside a read section: walk every entry, check the generation and poison. */
static void read_table(struct pt *p)
{
	/* Acquire: pairs with the updater's publishing exchange. */
	struct table *t = atomic_load_explicit(&p->sim->table, memory_order_acquire);
	uint64_t g = atomic_load_explicit(&t->gen, memory_order_relaxed), sum = 0;
	int torn = 0;

	if (atomic_load_explicit(&t->poison, memory_order_relaxed) == POISON)
		p->poisoned++;
	for (unsigned i = 0; i < t->size; i++) {
		if (atomic_load_explicit(&t->e[i].gen, memory_order_relaxed) != g)
			torn = 1;
		sum += atomic_load_explicit(&t->e[i].weight, memory_order_relaxed);
	}
	if (atomic_load_explicit(&t->poison, memory_order_relaxed) == POISON)
		p->poisoned++;
	p->torn += (uint64_t)torn;
	p->checksum += sum;
	p->reads++;
}

/* Sets every entry, then the header, to generation g (in place or on a copy). */
static void table_set_gen(struct table *t, uint64_t g)
{
	for (unsigned i = 0; i < t->size; i++) {
		atomic_store_explicit(&t->e[i].gen, g, memory_order_relaxed);
		atomic_store_explicit(&t->e[i].weight, g * 31 + i, memory_order_relaxed);
	}
	atomic_store_explicit(&t->gen, g, memory_order_relaxed);
}

static void do_update(struct pt *p, uint64_t sched)
{
	struct sim *s = p->sim;
	struct sync_thread *st = p->st;
	struct table *old, *n;
	uint64_t t1, g;

	set_doing(st, SYNC_DOING_UPDATE);
	/* Relaxed: the updater is the only writer of the pointer. */
	old = atomic_load_explicit(&s->table, memory_order_relaxed);
	g = atomic_load_explicit(&old->gen, memory_order_relaxed) + 1;

	if (s->isolate_path) {
		t1 = now_ns();
		sync_isolate(st);
		hist_record(&p->hists[2], now_ns() - t1);
		table_set_gen(old, g);
		sync_release(st);
	} else {
		n = malloc(table_bytes(old->size));
		if (!n) {
			fprintf(stderr, "pollsim: out of memory for a table copy; update skipped\n");
			return;
		}
		memcpy(n, old, table_bytes(old->size)); /* updater-private until published */
		atomic_store_explicit(&n->poison, 0, memory_order_relaxed);
		n->deferred = 0;
		table_set_gen(n, g);
		/* Release (in acq_rel): readers that load n see it complete. */
		old = atomic_exchange_explicit(&s->table, n, memory_order_acq_rel);
		if (s->cfg->reclaim == SYNC_RECLAIM_DEFER) {
			int64_t objs, bytes;

			old->deferred = 1;
			objs = atomic_fetch_add_explicit(&s->pending_objs, 1, memory_order_relaxed) + 1;
			bytes = atomic_fetch_add_explicit(&s->pending_bytes, (int64_t)table_bytes(old->size),
							  memory_order_relaxed) +
				(int64_t)table_bytes(old->size);
			if (objs > 0 && (uint64_t)objs > p->defer_peak_objs)
				p->defer_peak_objs = (uint64_t)objs;
			if (bytes > 0 && (uint64_t)bytes > p->defer_peak_bytes)
				p->defer_peak_bytes = (uint64_t)bytes;
			sync_defer_free(st, old, table_poison_free);
		} else {
			t1 = now_ns();
			sync_synchronize(st);
			hist_record(&p->hists[2], now_ns() - t1);
			table_poison_free(old);
		}
	}
	hist_record(&p->hists[1], now_ns() - sched);
	p->updates++;
	atomic_store_explicit(&p->prog_updates, p->updates, memory_order_relaxed);
}

/* ---- events ---- */

/* delay UINT64_MAX: none to record (a saturated thread's first event). */
static void handle_event(struct pt *p, uint64_t delay)
{
	if (delay != UINT64_MAX)
		hist_record(&p->hists[0], delay);
	sync_read_begin(p->st);
	read_table(p);
	if (p->sim->iters_per_us_x1000)
		p->checksum += spin_iters(p->sim->iters_per_us_x1000);
	sync_read_end(p->st);
	p->events++;
	atomic_store_explicit(&p->prog_events, p->events, memory_order_relaxed);
}

/* Earliest scheduled event of an idle-role thread (UINT64_MAX: none). */
static uint64_t next_event_time(const struct pt *p)
{
	uint64_t t = p->next_ev;

	if (p->burst_left) {
		if (p->burst_at < t)
			t = p->burst_at;
	} else if (p->next_burst < t) {
		t = p->next_burst;
	}
	return t;
}

/* Takes the earliest scheduled event; returns its scheduled time. */
static uint64_t take_event(struct pt *p)
{
	uint64_t sched;

	if (!p->burst_left && p->next_burst <= p->next_ev) {
		p->burst_at = p->next_burst;
		p->burst_left = POLLSIM_BURST_EVENTS;
		p->next_burst += p->sim->burst_period_ns;
	}
	if (p->burst_left && p->burst_at <= p->next_ev) {
		p->burst_left--;
		return p->burst_at;
	}
	sched = p->next_ev;
	p->next_ev += gap(p, p->sim->ev_period_ns);
	return sched;
}

static void do_stall(struct pt *p)
{
	struct sim *s = p->sim;
	double ms = s->cfg->stall_ms;
	uint64_t until = isinf(ms) ? UINT64_MAX : now_ns() + (uint64_t)(ms * 1e6);
	struct timespec ts;

	if (isinf(ms))
		fprintf(stderr, "pollsim: thread %u stalls inside a read section for inf ms (--stall)\n",
			p->tid);
	else
		fprintf(stderr, "pollsim: thread %u stalls inside a read section for %g ms (--stall)\n",
			p->tid, ms);
	set_doing(p->st, SYNC_DOING_EVENT);
	sync_read_begin(p->st);
	pthread_mutex_lock(&s->stall_lock);
	while (!atomic_load(&s->stop_updates)) {
		if (until == UINT64_MAX) {
			pthread_cond_wait(&s->stall_cond, &s->stall_lock);
			continue;
		}
		if (now_ns() >= until)
			break;
		ts.tv_sec = (time_t)(until / 1000000000u);
		ts.tv_nsec = (long)(until % 1000000000u);
		pthread_cond_timedwait(&s->stall_cond, &s->stall_lock, &ts);
	}
	pthread_mutex_unlock(&s->stall_lock);
	sync_read_end(p->st);
	p->stalls = 0;
}

/* ---- the loop ---- */

static void arm_timer(struct pt *p)
{
	uint64_t d = UINT64_MAX;
	struct itimerspec its;

	if (p->role == ROLE_SATURATED)
		return; /* polls with timeout 0: no timer */
	if (p->role == ROLE_IDLE && p->sim->ev_rate > 0)
		d = next_event_time(p);
	if (p->is_updater && !p->upd_finished && p->next_upd < d)
		d = p->next_upd;
	if (p->stalls && p->stall_at < d)
		d = p->stall_at;
	if (d == p->armed)
		return;
	memset(&its, 0, sizeof(its));
	if (d != UINT64_MAX) {
		its.it_value.tv_sec = (time_t)(d / 1000000000u);
		its.it_value.tv_nsec = (long)(d % 1000000000u);
		if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
			its.it_value.tv_nsec = 1;
	}
	if (timerfd_settime(p->srcfd, TFD_TIMER_ABSTIME, &its, NULL)) {
		fprintf(stderr, "pollsim: thread %u: timerfd_settime: %s\n", p->tid, strerror(errno));
		abort();
	}
	p->armed = d;
}

static void drain(int fd)
{
	uint64_t v;

	while (read(fd, &v, sizeof(v)) == (ssize_t)sizeof(v))
		;
}

static void finish_updates(struct pt *p)
{
	struct sim *s = p->sim;

	set_doing(p->st, SYNC_DOING_UPDATE);
	if (s->cfg->reclaim == SYNC_RECLAIM_DEFER)
		sync_barrier(p->st);
	p->upd_finished = 1;
	pthread_mutex_lock(&s->upd_lock);
	s->updates_done = 1;
	pthread_cond_broadcast(&s->upd_cond);
	pthread_mutex_unlock(&s->upd_lock);
}

static void run_loop(struct pt *p, uint64_t t0)
{
	struct sim *s = p->sim;
	const struct pollsim_config *c = s->cfg;
	struct sync_thread *st = p->st;
	struct epoll_event evs[8];
	struct rusage ru0, ru1;
	uint64_t cpu0 = thread_cpu_ns();
	int events_on = s->ev_rate > 0 && p->role != ROLE_OUTSIDE;

	getrusage(RUSAGE_THREAD, &ru0);
	p->rng = c->seed ^ (0x100000001b3ull * (p->tid + 1));
	splitmix64(&p->rng);
	p->next_ev = p->next_burst = p->next_upd = p->stall_at = UINT64_MAX;
	p->armed = 0;
	if (events_on && p->role == ROLE_IDLE) {
		if (c->arrival == POLLSIM_ARRIVAL_POISSON)
			p->next_ev = t0 + exp_gap(&p->rng, s->ev_period_ns);
		else
			p->next_ev = t0 + s->ev_period_ns + s->ev_period_ns * p->tid / s->nloop;
		if (c->scenario == POLLSIM_BURSTY)
			p->next_burst = t0 + s->burst_period_ns;
	}
	if (p->is_updater && c->update_rate > 0)
		p->next_upd = t0 + gap(p, s->upd_period_ns);
	if (p->stalls)
		p->stall_at = t0 + (uint64_t)(POLLSIM_STALL_AT_S * NS);

	for (;;) {
		int n, err, sync = 0, src = 0, ctl = 0;
		uint64_t now;

		arm_timer(p);
		set_doing(st, SYNC_DOING_POLLING);
		n = sync_loop_epoll(st, p->epfd, evs, 8, p->role == ROLE_SATURATED ? 0 : -1);
		err = n < 0 ? -n : 0;
		if (atomic_load(&s->stop))
			break;

		for (int i = 0; i < n; i++) {
			if (evs[i].data.u32 == TAG_WAKE)
				sync = 1;
			else if (evs[i].data.u32 == TAG_SRC)
				src = 1;
			else
				ctl = 1;
		}
#ifdef POLLSIM_BREAK_CLASSIFY
		/* deliberate break (pollsim_wakeups_test_catches_*): blame every ready fd on the strategy */
		int blame_sync = n > 0;
#else
		int blame_sync = sync;
#endif
		if (n < 0) {
			if (err != EINTR) {
				fprintf(stderr, "pollsim: thread %u: epoll_wait: %s\n", p->tid, strerror(err));
				abort();
			}
			p->w_eintr++;
		} else if (n == 0) {
			p->w_timeout++;
		} else if (blame_sync) {
			p->w_sync++;
		} else if (src) {
			p->w_event++;
		} else {
			p->w_ctl++;
		}
		if (sync)
			sync_loop_woken(st);
		if (ctl)
			drain(s->updfd); /* only the updater has it; stopfd is never drained */
		if (src && p->role != ROLE_SATURATED) {
			drain(p->srcfd);
			p->armed = 0; /* expired: re-arm even at the same deadline */
		}

		now = now_ns();
		if (events_on && p->role == ROLE_SATURATED && src) {
			set_doing(st, SYNC_DOING_EVENT);
			handle_event(p, p->prev_end ? now - p->prev_end : UINT64_MAX);
			p->prev_end = now_ns();
		} else if (events_on && p->role == ROLE_IDLE && next_event_time(p) <= now) {
			set_doing(st, SYNC_DOING_EVENT);
			for (int k = 0; k < MAX_BATCH && next_event_time(p) <= now; k++) {
				uint64_t sched = take_event(p);

				handle_event(p, now - sched);
				now = now_ns();
			}
		}
		if (p->stalls && now >= p->stall_at)
			do_stall(p);

		if (p->is_updater && !p->upd_finished) {
			if (atomic_load(&s->stop_updates)) {
				finish_updates(p);
			} else if (now >= p->next_upd) {
				uint64_t sched = p->next_upd;

				p->next_upd += gap(p, s->upd_period_ns);
				do_update(p, sched);
			}
		}
		set_doing(st, SYNC_DOING_LOOP);
		sync_loop_end(st);
	}
	set_doing(st, SYNC_DOING_EXITING);
	getrusage(RUSAGE_THREAD, &ru1);
	p->cpu_ns = thread_cpu_ns() - cpu0;
	p->vcsw = (uint64_t)(ru1.ru_nvcsw - ru0.ru_nvcsw);
	p->ivcsw = (uint64_t)(ru1.ru_nivcsw - ru0.ru_nivcsw);
}

/* ---- lifecycle callbacks ---- */

static int cb_placement_alloc(void *arg, unsigned tid, char *err, size_t errlen)
{
	struct sim *s = arg;
	cpu_set_t set;
	int cpu = s->pts[tid].cpu;

	if (cpu < 0)
		return 0;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		snprintf(err, errlen, "binding to cpu %d: %s", cpu, strerror(errno));
		return -1;
	}
	return 0;
}

static int cb_resources_alloc(void *arg, unsigned tid, char *err, size_t errlen)
{
	struct sim *s = arg;
	struct pt *p = &s->pts[tid];
	const char *what;

	p->epfd = p->srcfd = -1;
	p->hists = NULL;
	what = "epoll_create1";
	p->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (p->epfd < 0)
		goto fail;
	if (p->role == ROLE_SATURATED) {
		what = "eventfd";
		p->srcfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	} else {
		what = "timerfd_create";
		p->srcfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	}
	if (p->srcfd < 0)
		goto fail;
	what = "malloc (histograms)";
	p->hists = malloc(3 * sizeof(*p->hists));
	if (!p->hists) {
		errno = ENOMEM;
		goto fail;
	}
	for (int i = 0; i < 3; i++)
		hist_init(&p->hists[i]);
	return 0;
fail:
	snprintf(err, errlen, "%s: %s", what, strerror(errno));
	if (p->srcfd >= 0)
		close(p->srcfd);
	if (p->epfd >= 0)
		close(p->epfd);
	p->epfd = p->srcfd = -1;
	return -1;
}

static int cb_resources_free(void *arg, unsigned tid, char *err, size_t errlen)
{
	struct sim *s = arg;
	struct pt *p = &s->pts[tid];

	(void)err;
	(void)errlen;
	close(p->srcfd);
	close(p->epfd);
	p->epfd = p->srcfd = -1;
	/* the histograms are merged by pollsim_run after join, then freed there */
	return 0;
}

static int cb_strategy_alloc(void *arg, unsigned tid, char *err, size_t errlen)
{
	struct sim *s = arg;

	if (s->cfg->fail_phase == LC_ALLOC && s->cfg->fail_thread == (int)tid) {
		snprintf(err, errlen, "injected failure (--fail=alloc:%u)", tid);
		return -1;
	}
	if (s->ops->thread_alloc(s->dom, tid, &s->pts[tid].st, err, errlen))
		return -1;
	s->pts[tid].st->user = &s->pts[tid];
	return 0;
}

static int cb_strategy_free(void *arg, unsigned tid, char *err, size_t errlen)
{
	struct sim *s = arg;

	(void)err;
	(void)errlen;
	s->ops->thread_free(s->pts[tid].st);
	s->pts[tid].st = NULL;
	return 0;
}

static int cb_strategy_init(void *arg, unsigned tid, char *err, size_t errlen)
{
	struct sim *s = arg;

	return sync_thread_init(s->pts[tid].st, err, errlen) ? -1 : 0;
}

static int cb_strategy_deinit(void *arg, unsigned tid, char *err, size_t errlen)
{
	struct sim *s = arg;

	(void)err;
	(void)errlen;
	sync_thread_deinit(s->pts[tid].st);
	return 0;
}

static int add_fd(int epfd, int fd, uint32_t tag, char *err, size_t errlen, const char *what)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = tag };

	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev)) {
		snprintf(err, errlen, "epoll_ctl(add %s): %s", what, strerror(errno));
		return -1;
	}
	return 0;
}

static int cb_loop_init(void *arg, unsigned tid, char *err, size_t errlen)
{
	struct sim *s = arg;
	struct pt *p = &s->pts[tid];
	uint64_t one = 1;

	if (s->cfg->fail_phase == LC_INIT && s->cfg->fail_thread == (int)tid) {
		snprintf(err, errlen, "injected failure (--fail=init:%u)", tid);
		return -1;
	}
	if (add_fd(p->epfd, p->srcfd, TAG_SRC, err, errlen, "event source") ||
	    add_fd(p->epfd, s->stopfd, TAG_CTL, err, errlen, "stop fd") ||
	    (p->is_updater && add_fd(p->epfd, s->updfd, TAG_CTL, err, errlen, "updates fd")) ||
	    (s->wake_fd >= 0 && add_fd(p->epfd, s->wake_fd, TAG_WAKE, err, errlen, "strategy wake_fd")))
		return -1; /* the fds themselves go in FREE pollsim_resources */
	if (p->role == ROLE_SATURATED && s->ev_rate > 0 &&
	    write(p->srcfd, &one, sizeof(one)) != (ssize_t)sizeof(one)) {
		snprintf(err, errlen, "eventfd write: %s", strerror(errno));
		return -1;
	}
	pthread_mutex_lock(&s->wd_lock);
	p->watched = 1;
	pthread_mutex_unlock(&s->wd_lock);
	return 0;
}

static int cb_unwatch_free(void *arg, unsigned tid, char *err, size_t errlen)
{
	struct sim *s = arg;

	(void)err;
	(void)errlen;
	pthread_mutex_lock(&s->wd_lock);
	s->pts[tid].watched = 0;
	pthread_mutex_unlock(&s->wd_lock);
	return 0;
}

/* ---- participant threads ---- */

static void *participant_main(void *arg)
{
	struct pt *p = arg;
	struct sim *s = p->sim;
	char name[16];
	int rc, go;
	uint64_t t0;

	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	snprintf(name, sizeof(name), "pollsim-%u", p->tid);
	pthread_setname_np(pthread_self(), name);

	rc = lc_thread_start(s->lc, p->tid);
	pthread_mutex_lock(&s->gate_lock);
	s->gate_arrived++;
	pthread_cond_broadcast(&s->gate_cond);
	while (rc == 0 && !s->gate_go && !s->gate_abort)
		pthread_cond_wait(&s->gate_cond, &s->gate_lock);
	go = s->gate_go;
	t0 = s->t0;
	pthread_mutex_unlock(&s->gate_lock);
	if (rc != 0)
		return NULL; /* the lifecycle unwound this thread already */
	if (go)
		run_loop(p, t0);
	set_doing(p->st, SYNC_DOING_EXITED);
	lc_thread_stop(s->lc, p->tid);
	return NULL;
}

/* ---- watchdog ---- */

/* Prints the report (wd_lock held) and exits with status 3. */
static _Noreturn void watchdog_fire(struct sim *s, const char *why)
{
	uint64_t now = now_ns();
	unsigned holders[POLLSIM_MAX_THREADS + 1], nh = 0;

	fprintf(stderr, "pollsim: watchdog: %s\n", why);
	for (unsigned i = 0; i < s->P; i++) {
		struct pt *p = &s->pts[i];
		int d;

		if (!p->watched)
			continue;
		d = atomic_load_explicit(&p->st->doing, memory_order_relaxed);
		if (atomic_load_explicit(&p->st->wait_since_ns, memory_order_relaxed) == 0 &&
		    (d == SYNC_DOING_EVENT || d == SYNC_DOING_UPDATE || d == SYNC_DOING_LOOP ||
		     d == SYNC_DOING_STARTING))
			holders[nh++] = i;
	}
	/* longest first */
	for (unsigned a = 1; a < nh; a++)
		for (unsigned b = a; b > 0; b--) {
			uint64_t x = atomic_load_explicit(&s->pts[holders[b - 1]].st->doing_since_ns,
							  memory_order_relaxed);
			uint64_t y = atomic_load_explicit(&s->pts[holders[b]].st->doing_since_ns,
							  memory_order_relaxed);
			unsigned tmp;

			if (x <= y)
				break;
			tmp = holders[b];
			holders[b] = holders[b - 1];
			holders[b - 1] = tmp;
		}
	fprintf(stderr, "pollsim: watchdog: holding it up (running, not waiting, not in the poller), longest first:");
	if (!nh)
		fprintf(stderr, " none found (every thread waits or polls)");
	for (unsigned k = 0; k < nh; k++) {
		struct sync_thread *t = s->pts[holders[k]].st;
		uint64_t since = atomic_load_explicit(&t->doing_since_ns, memory_order_relaxed);

		fprintf(stderr, "%s thread %u (%s for %.3f s)", k ? "," : "", holders[k],
			sync_doing_name(atomic_load_explicit(&t->doing, memory_order_relaxed)),
			since && since < now ? (double)(now - since) / NS : 0.0);
	}
	fprintf(stderr, "\n");
	for (unsigned i = 0; i < s->P; i++) {
		struct pt *p = &s->pts[i];
		struct sync_thread *t;
		uint64_t since, ws;

		if (!p->watched) {
			fprintf(stderr, "pollsim: watchdog: thread %u (%s): not running\n", i, role_names[p->role]);
			continue;
		}
		t = p->st;
		since = atomic_load_explicit(&t->doing_since_ns, memory_order_relaxed);
		ws = atomic_load_explicit(&t->wait_since_ns, memory_order_relaxed);
		fprintf(stderr, "pollsim: watchdog: thread %u (%s%s): doing %s for %.3f s; ", i,
			role_names[p->role], p->is_updater ? ", updater" : "",
			sync_doing_name(atomic_load_explicit(&t->doing, memory_order_relaxed)),
			since && since < now ? (double)(now - since) / NS : 0.0);
		if (ws)
			fprintf(stderr, "waiting (%s) for %.3f s\n",
				sync_wait_kind_name(atomic_load_explicit(&t->wait_kind, memory_order_relaxed)),
				ws < now ? (double)(now - ws) / NS : 0.0);
		else
			fprintf(stderr, "not waiting\n");
	}
	fprintf(stderr, "pollsim: watchdog: the strategy's view (%s dump):\n", s->ops->name);
	s->ops->dump(s->dom, stderr);
	fprintf(stderr, "pollsim: watchdog: giving up: the run is stuck (exit status 3)\n");
	fflush(stderr);
	fflush(stdout);
	_exit(3);
}

/* How long after its end a run may take to stop (see POLLSIM_STOP_NS_PER_PARTICIPANT). */
static uint64_t stop_bound_ns(const struct sim *s)
{
	return (uint64_t)((2 * s->cfg->watchdog_s + 5) * NS) + (uint64_t)s->P * POLLSIM_STOP_NS_PER_PARTICIPANT;
}

static void *watchdog_main(void *arg)
{
	struct sim *s = arg;
	uint64_t bound = (uint64_t)(s->cfg->watchdog_s * NS);
	uint64_t period = bound / 20;
	char why[256];

	if (period > 50000000u)
		period = 50000000u;
	if (period < 1000000u)
		period = 1000000u;
	pthread_setname_np(pthread_self(), "pollsim-wdog");
	pthread_mutex_lock(&s->wd_lock);
	while (!s->wd_stop) {
		uint64_t now = now_ns(), next = now + period, dl;
		struct timespec ts;

		for (unsigned i = 0; i < s->P; i++) {
			struct pt *p = &s->pts[i];
			uint64_t ws;

			if (!p->watched)
				continue;
			ws = atomic_load_explicit(&p->st->wait_since_ns, memory_order_relaxed);
#ifdef POLLSIM_BREAK_WATCHDOG
			ws = 0; /* deliberate break: no wait is ever seen */
#endif
			if (ws && now > ws && now - ws > bound) {
				snprintf(why, sizeof(why),
					 "thread %u has waited (%s) for %.3f s, more than the %.3f s bound (--watchdog)",
					 i,
					 sync_wait_kind_name(atomic_load_explicit(&p->st->wait_kind,
										  memory_order_relaxed)),
					 (double)(now - ws) / NS, s->cfg->watchdog_s);
				watchdog_fire(s, why);
			}
		}
		dl = atomic_load_explicit(&s->shutdown_deadline_ns, memory_order_relaxed);
		if (dl && now > dl) {
			snprintf(why, sizeof(why),
				 "the run did not stop within %.3f s of its end (bound %.3f s: 2 x --watchdog + 5 s "
				 "+ %.3f s per participant x %u; no strategy wait over the bound)",
				 (double)(now - dl + stop_bound_ns(s)) / NS, (double)stop_bound_ns(s) / NS,
				 POLLSIM_STOP_NS_PER_PARTICIPANT / NS, s->P);
			watchdog_fire(s, why);
		}
		ts.tv_sec = (time_t)(next / 1000000000u);
		ts.tv_nsec = (long)(next % 1000000000u);
		pthread_cond_timedwait(&s->wd_cond, &s->wd_lock, &ts);
	}
	pthread_mutex_unlock(&s->wd_lock);
	return NULL;
}

/* ---- placement ---- */

static int placement_compute(struct sim *s, char *desc, size_t desclen, char *err, size_t errlen)
{
	enum pollsim_placement pl = s->cfg->placement;
	hwloc_topology_t topo;
	int npu, rc = -1;
	size_t used;

	for (unsigned i = 0; i < s->P; i++)
		s->cpus[i] = -1;
	if (pl == POLLSIM_PLACE_NONE) {
		snprintf(desc, desclen, "none");
		return 0;
	}
	if (hwloc_topology_init(&topo)) {
		snprintf(err, errlen, "--placement: hwloc_topology_init failed");
		return -1;
	}
	if (hwloc_topology_load(topo)) {
		snprintf(err, errlen, "--placement: hwloc_topology_load failed");
		goto out;
	}
	npu = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);
	if (npu <= 0) {
		snprintf(err, errlen, "--placement: hwloc found no processing units");
		goto out;
	}
	if (pl == POLLSIM_PLACE_COMPACT) {
		/* logical order: hyperthread siblings, then cores, then packages */
		for (unsigned i = 0; i < s->P; i++) {
			hwloc_obj_t o = hwloc_get_obj_by_type(topo, HWLOC_OBJ_PU, i % (unsigned)npu);

			s->cpus[i] = (int)o->os_index;
		}
	} else {
		unsigned n = s->P < (unsigned)npu ? s->P : (unsigned)npu;
		hwloc_bitmap_t *sets = calloc(n, sizeof(*sets));
		hwloc_obj_t root = hwloc_get_root_obj(topo);

		if (!sets) {
			snprintf(err, errlen, "--placement: out of memory");
			goto out;
		}
		/*
		 * As far apart as the topology allows: packages, then cores.
		 * hwloc_distrib allocates the n sets itself (freed below).
		 */
		if (hwloc_distrib(topo, &root, 1, sets, n, INT_MAX, 0)) {
			free(sets);
			snprintf(err, errlen, "--placement: hwloc_distrib failed");
			goto out;
		}
		for (unsigned i = 0; i < s->P; i++) {
			hwloc_bitmap_singlify(sets[i % n]);
			s->cpus[i] = hwloc_bitmap_first(sets[i % n]);
		}
		for (unsigned i = 0; i < n; i++)
			hwloc_bitmap_free(sets[i]);
		free(sets);
	}
	used = (size_t)snprintf(desc, desclen, "%s:", pollsim_placement_names[pl]);
	for (unsigned i = 0; i < s->P && used < desclen; i++)
		used += (size_t)snprintf(desc + used, desclen - used, "%s%d", i ? "," : "", s->cpus[i]);
	if (used >= desclen && desclen > 4)
		strcpy(desc + desclen - 4, "...");
	rc = 0;
out:
	hwloc_topology_destroy(topo);
	return rc;
}

static unsigned usable_cpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		return (unsigned)CPU_COUNT(&set);
	return (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
}

/* ---- configuration ---- */

void pollsim_config_default(struct pollsim_config *c)
{
	memset(c, 0, sizeof(*c));
	c->strategy = NULL;
	c->threads = 2;
	c->scenario = POLLSIM_IDLE;
	c->duration_s = 1.0;
	c->update_rate = 10.0;
	c->updater = POLLSIM_UPDATER_OUTSIDE;
	c->placement = POLLSIM_PLACE_NONE;
	c->arrival = POLLSIM_ARRIVAL_FIXED;
	c->reclaim = SYNC_RECLAIM_SYNC;
	c->event_cost_us = 2.0;
	c->event_rate = 0;
	c->table_size = 16;
	c->watchdog_s = 2.0;
	c->stall_thread = -1;
	c->stall_ms = 0;
	c->fail_phase = -1;
	c->fail_thread = -1;
	c->seed = 1;
	c->quiet = 0;
	c->no_events = 0;
	c->floors_budget_s = FLOORS_DEFAULT_BUDGET_S;
}

const char *pollsim_scenario_name(enum pollsim_scenario s)
{
	if ((unsigned)s >= POLLSIM_NSCENARIOS)
		return "?";
	return pollsim_scenario_names[s];
}

int pollsim_scenario_parse(const char *s, enum pollsim_scenario *out)
{
	for (int i = 0; pollsim_scenario_names[i]; i++) {
		if (strcmp(s, pollsim_scenario_names[i]) == 0) {
			*out = (enum pollsim_scenario)i;
			return 0;
		}
	}
	return -1;
}

static unsigned participants_of(const struct pollsim_config *c)
{
	return c->threads + (c->updater == POLLSIM_UPDATER_OUTSIDE);
}

#define BAD(f, ...)                                           \
	do {                                                  \
		if (flag)                                     \
			*flag = (f);                          \
		snprintf(err, errlen, __VA_ARGS__);           \
		return -1;                                    \
	} while (0)

/* Field checks only (no strategy call). */
static int check_fields(const struct pollsim_config *c, const char **flag, char *err, size_t errlen)
{
	const struct sync_ops *ops = c->strategy;
	unsigned P;

	if (!ops)
		BAD("--strategy", "no strategy given");
	if (c->threads < 1 || c->threads > POLLSIM_MAX_THREADS)
		BAD("--threads", "loop threads from 1 to %u", POLLSIM_MAX_THREADS);
	P = participants_of(c);
	if ((unsigned)c->scenario >= POLLSIM_NSCENARIOS)
		BAD("--scenario", "one of idle|saturated|mixed|bursty");
	if (!(c->duration_s > 0) || !(c->duration_s <= 3600))
		BAD("--duration", "seconds, more than 0 and at most 3600");
	if (!(c->update_rate >= 0) || !(c->update_rate <= 1e6))
		BAD("--update-rate", "updates per second from 0 (none) to 1000000");
	if (c->updater != POLLSIM_UPDATER_LOOP && c->updater != POLLSIM_UPDATER_OUTSIDE)
		BAD("--updater", "loop|outside");
	if ((unsigned)c->placement > POLLSIM_PLACE_SCATTER)
		BAD("--placement", "none|compact|scatter");
	if ((unsigned)c->arrival > POLLSIM_ARRIVAL_POISSON)
		BAD("--arrival", "fixed|poisson");
	if (!(c->event_cost_us >= 0) || !(c->event_cost_us <= 1e6))
		BAD("--event-cost-us", "microseconds of CPU per event, from 0 to 1000000");
	if (!(c->event_rate >= 0) || !(c->event_rate <= 1e6))
		BAD("--event-rate", "events per second per thread, more than 0 and at most 1000000");
	if (c->table_size < 1 || c->table_size > 1000000)
		BAD("--table-size", "entries from 1 to 1000000");
	if (!(c->watchdog_s > 0) || !(c->watchdog_s <= 3600))
		BAD("--watchdog", "seconds, more than 0 and at most 3600");
	if (c->stall_thread >= (int)c->threads || c->stall_thread < -1)
		BAD("--stall", "THREAD:MS with THREAD a loop thread from 0 to %u", c->threads - 1);
	if (c->stall_thread >= 0 && !(c->stall_ms > 0))
		BAD("--stall", "THREAD:MS with MS more than 0 (or inf)");
	if (c->fail_phase != -1 && c->fail_phase != LC_ALLOC && c->fail_phase != LC_INIT &&
	    c->fail_phase != POLLSIM_FAIL_SPAWN)
		BAD("--fail", "PHASE:THREAD with PHASE alloc, init or spawn");
	if (c->fail_phase != -1 && (c->fail_thread < 0 || c->fail_thread >= (int)P))
		BAD("--fail", "PHASE:THREAD with THREAD a participant from 0 to %u", P - 1);
	if (!(c->floors_budget_s >= 0) || !(c->floors_budget_s <= FLOORS_MAX_BUDGET_S))
		BAD("floors_budget_s", "seconds from 0 (skip) to %g", FLOORS_MAX_BUDGET_S);
	if (ops->max_threads && P > ops->max_threads)
		BAD("--threads", "strategy %s supports at most %u participating threads (%s), %u asked",
		    ops->name, ops->max_threads,
		    c->updater == POLLSIM_UPDATER_OUTSIDE ? "the outside updater counts as one" : "loop threads",
		    P);
	if (c->reclaim == SYNC_RECLAIM_DEFER && !(ops->caps & SYNC_CAP_DEFER))
		BAD("--reclaim", "strategy %s has no deferred reclamation; allowed: sync", ops->name);
	if (c->reclaim != SYNC_RECLAIM_DEFER && c->reclaim != SYNC_RECLAIM_SYNC)
		BAD("--reclaim", "sync|defer");
	if (c->reclaim == SYNC_RECLAIM_SYNC && !(ops->caps & (SYNC_CAP_ISOLATE | SYNC_CAP_SYNCHRONIZE)))
		BAD("--reclaim", "strategy %s can only defer reclamation; allowed: defer", ops->name);
	return 0;
}

int pollsim_check(const struct pollsim_config *c, const char **flag, char *err, size_t errlen)
{
	struct sync_params sp;
	struct sync_domain *d = NULL;

	if (check_fields(c, flag, err, errlen))
		return -1;
	sp.nthreads = participants_of(c);
	sp.reclaim = c->reclaim;
	if (c->strategy->domain_create(&sp, &d, err, errlen)) {
		if (flag)
			*flag = "--strategy";
		return -1;
	}
	c->strategy->domain_destroy(d);
	return 0;
}

void pollsim_baseline_config(const struct pollsim_config *cfg, struct pollsim_config *out)
{
	*out = *cfg;
	out->update_rate = 0;
	out->stall_thread = -1;
	out->stall_ms = 0;
	out->fail_phase = -1;
	out->fail_thread = -1;
	out->floors_budget_s = 0;
	out->quiet = 1;
}

void pollsim_apply_baseline(struct pollsim_result *res, const struct pollsim_result *base)
{
	double scale = base->wall_s > 0 ? res->wall_s / base->wall_s : 0;

	res->baseline_process_cpu_ns = base->process_cpu_ns;
	res->baseline_wall_s = base->wall_s;
	if (res->updates)
		res->cpu_ns_per_update =
			((double)res->process_cpu_ns - scale * (double)base->process_cpu_ns) /
			(double)res->updates;
	else
		res->cpu_ns_per_update = NAN;
}

/* ---- the run ---- */

static void sim_free(struct sim *s)
{
	if (s->lc)
		lc_destroy(s->lc);
	if (s->dom)
		s->ops->domain_destroy(s->dom);
	if (s->pts) {
		for (unsigned i = 0; i < s->P; i++)
			free(s->pts[i].hists);
		free(s->pts);
	}
	struct table *t = atomic_load_explicit(&s->table, memory_order_relaxed);

	if (t)
		free(t);
	if (s->stopfd >= 0)
		close(s->stopfd);
	if (s->updfd >= 0)
		close(s->updfd);
	free(s->cpus);
	pthread_mutex_destroy(&s->gate_lock);
	pthread_cond_destroy(&s->gate_cond);
	pthread_mutex_destroy(&s->upd_lock);
	pthread_cond_destroy(&s->upd_cond);
	pthread_mutex_destroy(&s->stall_lock);
	pthread_cond_destroy(&s->stall_cond);
	pthread_mutex_destroy(&s->wd_lock);
	pthread_cond_destroy(&s->wd_cond);
	free(s);
}

static void init_cond_monotonic(pthread_cond_t *c)
{
	pthread_condattr_t a;

	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(c, &a);
	pthread_condattr_destroy(&a);
}

static void ctl_write(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) != (ssize_t)sizeof(one))
		fprintf(stderr, "pollsim: control eventfd write: %s\n", strerror(errno));
}

static void sleep_until(uint64_t t)
{
	struct timespec ts = { .tv_sec = (time_t)(t / 1000000000u), .tv_nsec = (long)(t % 1000000000u) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static void progress(struct sim *s, uint64_t now, uint64_t t0)
{
	uint64_t ev = 0, up = 0;

	for (unsigned i = 0; i < s->P; i++) {
		ev += atomic_load_explicit(&s->pts[i].prog_events, memory_order_relaxed);
		up += atomic_load_explicit(&s->pts[i].prog_updates, memory_order_relaxed);
	}
	fprintf(stderr, "pollsim: %s %s threads %u: %.1f/%.1f s, %llu updates, %llu events\n",
		s->ops->name, pollsim_scenario_name(s->cfg->scenario), s->cfg->threads,
		(double)(now - t0) / NS, s->cfg->duration_s, (unsigned long long)up,
		(unsigned long long)ev);
}

int pollsim_run(const struct pollsim_config *cfg, struct pollsim_result *res, char *err, size_t errlen)
{
	struct sim *s;
	unsigned created = 0;
	uint64_t t0, t_end, pcpu0, pcpu1;
	const char *lerr;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	hist_init(&res->update_latency);
	hist_init(&res->time_to_safe);
	hist_init(&res->event_delay);
	res->cpu_ns_per_update = NAN;
	if (check_fields(cfg, NULL, err, errlen))
		return -1;

	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	s->cfg = cfg;
	s->ops = cfg->strategy;
	s->nloop = cfg->threads;
	s->P = participants_of(cfg);
	s->stopfd = s->updfd = -1;
	s->wake_fd = -1;
	pthread_mutex_init(&s->gate_lock, NULL);
	pthread_cond_init(&s->gate_cond, NULL);
	pthread_mutex_init(&s->upd_lock, NULL);
	pthread_cond_init(&s->upd_cond, NULL);
	pthread_mutex_init(&s->stall_lock, NULL);
	init_cond_monotonic(&s->stall_cond);
	pthread_mutex_init(&s->wd_lock, NULL);
	init_cond_monotonic(&s->wd_cond);
	atomic_init(&s->stop, 0);
	atomic_init(&s->stop_updates, 0);
	atomic_init(&s->pending_objs, 0);
	atomic_init(&s->pending_bytes, 0);
	atomic_init(&s->shutdown_deadline_ns, 0);
	atomic_init(&s->table, NULL);

	/* the floors first, while this process runs nothing else */
	if (cfg->floors_budget_s > 0) {
		struct floors f;
		char ferr[256];

		if (floors_measure(&f, cfg->floors_budget_s, ferr, sizeof(ferr)) == 0) {
			res->floor_cacheline_rtt_ns = f.cacheline_rtt_ns;
			res->floor_wake_rtt_ns = f.wake_rtt_ns;
		} else {
			fprintf(stderr, "pollsim: floors not measured: %s\n", ferr);
		}
	}
	pthread_once(&calibrate_once, calibrate);
	s->iters_per_us_x1000 = (uint64_t)((double)calibrated_x1000 * cfg->event_cost_us / 1000.0);

	s->ev_rate = cfg->no_events ? 0 : cfg->event_rate > 0 ? cfg->event_rate : POLLSIM_IDLE_EVENT_RATE;
	s->ev_period_ns = s->ev_rate > 0 ? (uint64_t)(NS / s->ev_rate) : 0;
	if (s->ev_rate > 0 && !s->ev_period_ns)
		s->ev_period_ns = 1;
	s->upd_period_ns = cfg->update_rate > 0 ? (uint64_t)(NS / cfg->update_rate) : 0;
	if (cfg->update_rate > 0 && !s->upd_period_ns)
		s->upd_period_ns = 1;
	s->burst_period_ns = (uint64_t)(POLLSIM_BURST_PERIOD_S * NS);
	res->event_rate_used = s->ev_rate;
	s->isolate_path = cfg->reclaim != SYNC_RECLAIM_DEFER && (s->ops->caps & SYNC_CAP_ISOLATE);

	res->participants = s->P;
	res->online_cpus = usable_cpus();
	res->oversubscribed = s->P > res->online_cpus;

	s->cpus = calloc(s->P, sizeof(*s->cpus));
	s->pts = aligned_alloc(SYNC_CACHELINE, s->P * sizeof(*s->pts));
	if (!s->cpus || !s->pts) {
		snprintf(err, errlen, "out of memory for %u threads", s->P);
		goto out;
	}
	memset(s->pts, 0, s->P * sizeof(*s->pts));
	if (placement_compute(s, res->placement_desc, sizeof(res->placement_desc), err, errlen))
		goto out;
	for (unsigned i = 0; i < s->P; i++) {
		struct pt *p = &s->pts[i];

		p->sim = s;
		p->tid = i;
		p->cpu = s->cpus[i];
		p->epfd = p->srcfd = -1;
		if (i >= s->nloop)
			p->role = ROLE_OUTSIDE;
		else if (s->ev_rate > 0 &&
			 (cfg->scenario == POLLSIM_SATURATED || (cfg->scenario == POLLSIM_MIXED && i % 2 == 0)))
			p->role = ROLE_SATURATED;
		else
			p->role = ROLE_IDLE;
		p->is_updater = cfg->updater == POLLSIM_UPDATER_OUTSIDE ? i == s->nloop : i == 0;
		p->stalls = cfg->stall_thread == (int)i;
		atomic_init(&p->prog_events, 0);
		atomic_init(&p->prog_updates, 0);
	}

	{
		struct sync_params sp = { .nthreads = s->P, .reclaim = cfg->reclaim };

		if (s->ops->domain_create(&sp, &s->dom, err, errlen)) {
			s->dom = NULL;
			goto out;
		}
	}
	s->wake_fd = sync_wake_fd(s->dom);
	{
		struct table *t = table_new(s, cfg->table_size, 1);

		if (!t) {
			snprintf(err, errlen, "out of memory for the table");
			goto out;
		}
		atomic_store(&s->table, t);
	}
	s->stopfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	s->updfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (s->stopfd < 0 || s->updfd < 0) {
		snprintf(err, errlen, "setup phase: eventfd (simulator control) failed: %s", strerror(errno));
		goto out;
	}

	s->lc = lc_create(s->P);
	if (!s->lc) {
		snprintf(err, errlen, "out of memory for the lifecycle");
		goto out;
	}
	lc_register(s->lc, LC_ALLOC, "pollsim_placement", cb_placement_alloc, s);
	lc_register(s->lc, LC_ALLOC, "pollsim_resources", cb_resources_alloc, s);
	lc_register(s->lc, LC_ALLOC, "strategy_thread", cb_strategy_alloc, s);
	lc_register(s->lc, LC_INIT, "strategy_thread", cb_strategy_init, s);
	lc_register(s->lc, LC_INIT, "pollsim_loop", cb_loop_init, s);
	lc_register(s->lc, LC_DEINIT, "strategy_thread", cb_strategy_deinit, s);
	lc_register(s->lc, LC_FREE, "pollsim_unwatch", cb_unwatch_free, s);
	lc_register(s->lc, LC_FREE, "strategy_thread", cb_strategy_free, s);
	lc_register(s->lc, LC_FREE, "pollsim_resources", cb_resources_free, s);

	{
		int e = pthread_create(&s->wd_th, NULL, watchdog_main, s);

		if (e) {
			snprintf(err, errlen, "setup phase: pthread_create (watchdog) failed: %s", strerror(e));
			goto out;
		}
	}
	for (; created < s->P; created++) {
		int e;

		if (cfg->fail_phase == POLLSIM_FAIL_SPAWN && cfg->fail_thread == (int)created) {
			/* injected: refused before the call, as RLIMIT_NPROC would */
			char msg[128];

			snprintf(msg, sizeof(msg), "%s (injected, --fail=spawn:%u)", strerror(EAGAIN), created);
#ifndef POLLSIM_BREAK_SPAWN_NO_FAIL
			lc_fail(s->lc, LC_ALLOC, "pthread_create", created, msg);
#endif
			break;
		}
		e = pthread_create(&s->pts[created].th, NULL, participant_main, &s->pts[created]);
		if (e) {
			/*
			 * This participant never reaches lc_thread_start: lc_fail
			 * releases the ones already waiting there (they unwind
			 * themselves), and the gate below waits only for them.
			 */
			lc_fail(s->lc, LC_ALLOC, "pthread_create", created, strerror(e));
			break;
		}
	}

	/* the gate: every created thread arrives, then one common t0 */
	pthread_mutex_lock(&s->gate_lock);
	while (s->gate_arrived < created)
		pthread_cond_wait(&s->gate_cond, &s->gate_lock);
	lerr = lc_error(s->lc);
	if (lerr || created < s->P) {
		s->gate_abort = 1;
	} else {
		s->t0 = now_ns();
		s->gate_go = 1;
	}
	t0 = s->t0;
	pthread_cond_broadcast(&s->gate_cond);
	pthread_mutex_unlock(&s->gate_lock);

	if (s->gate_go) {
		uint64_t end = t0 + (uint64_t)(cfg->duration_s * NS), next = t0 + 1000000000u;

		pcpu0 = process_cpu_ns();
		while (next < end) {
			sleep_until(next);
			if (!cfg->quiet)
				progress(s, next, t0);
			next += 1000000000u;
		}
		sleep_until(end);
		t_end = now_ns();
		pcpu1 = process_cpu_ns();
		res->wall_s = (double)(t_end - t0) / NS;
		res->process_cpu_ns = pcpu1 - pcpu0;
		/*
		 * Bounds the stop: a stop that never ends is reported, not
		 * waited for. The bound grows with the participants (each must
		 * be scheduled to leave its loop and run DEINIT/FREE, slow on a
		 * loaded, oversubscribed machine) but stays finite.
		 */
		atomic_store_explicit(&s->shutdown_deadline_ns, t_end + stop_bound_ns(s), memory_order_relaxed);

		/* phase 1: no more updates; the updater finishes and says so */
		atomic_store(&s->stop_updates, 1);
		pthread_mutex_lock(&s->stall_lock);
		pthread_cond_broadcast(&s->stall_cond);
		pthread_mutex_unlock(&s->stall_lock);
		ctl_write(s->updfd);
		pthread_mutex_lock(&s->upd_lock);
		while (!s->updates_done)
			pthread_cond_wait(&s->upd_cond, &s->upd_lock);
		pthread_mutex_unlock(&s->upd_lock);

		/* phase 2: everybody leaves the loop */
		atomic_store(&s->stop, 1);
		ctl_write(s->stopfd);
	}
	for (unsigned i = 0; i < created; i++)
		pthread_join(s->pts[i].th, NULL);

	pthread_mutex_lock(&s->wd_lock);
	s->wd_stop = 1;
	pthread_cond_broadcast(&s->wd_cond);
	pthread_mutex_unlock(&s->wd_lock);
	pthread_join(s->wd_th, NULL);

	lerr = lc_error(s->lc);
	if (lerr) {
		snprintf(err, errlen, "%s", lerr);
		goto out;
	}
	if (!s->gate_go) {
		snprintf(err, errlen, "the run did not start");
		goto out;
	}

	for (unsigned i = 0; i < s->P; i++) {
		struct pt *p = &s->pts[i];
		struct pollsim_thread_stats *ts = &res->per_thread[i];

		hist_merge(&res->event_delay, &p->hists[0]);
		hist_merge(&res->update_latency, &p->hists[1]);
		hist_merge(&res->time_to_safe, &p->hists[2]);
		res->updates += p->updates;
		res->events += p->events;
		res->reads += p->reads;
		res->torn_reads += p->torn;
		res->poisoned_reads += p->poisoned;
		res->checksum += p->checksum;
		res->sync_wakeups += p->w_sync;
		res->event_wakeups += p->w_event;
		res->timeout_wakeups += p->w_timeout;
		res->eintr_wakeups += p->w_eintr;
		res->control_wakeups += p->w_ctl;
		res->voluntary_ctx_switches += p->vcsw;
		res->involuntary_ctx_switches += p->ivcsw;
		res->thread_cpu_ns_total += p->cpu_ns;
		if (p->defer_peak_objs > res->defer_peak_objects)
			res->defer_peak_objects = p->defer_peak_objs;
		if (p->defer_peak_bytes > res->defer_peak_bytes)
			res->defer_peak_bytes = p->defer_peak_bytes;
		ts->cpu = p->cpu;
		snprintf(ts->role, sizeof(ts->role), "%s", role_names[p->role]);
		ts->cpu_ns = p->cpu_ns;
		ts->events = p->events;
		ts->updates = p->updates;
		ts->event_wakeups = p->w_event;
		ts->sync_wakeups = p->w_sync;
		ts->timeout_wakeups = p->w_timeout;
		ts->eintr_wakeups = p->w_eintr;
		ts->voluntary_ctx_switches = p->vcsw;
		ts->involuntary_ctx_switches = p->ivcsw;
	}
	if (s->ops->summary) {
		FILE *m = fmemopen(res->strategy_extra, sizeof(res->strategy_extra) - 1, "w");

		if (m) {
			s->ops->summary(s->dom, m);
			fclose(m);
		}
		for (char *q = res->strategy_extra; *q; q++)
			if (*q == '\n')
				*q = ' ';
	}
	rc = 0;
out:
	sim_free(s);
	return rc;
}

/* ---- SUMMARY ---- */

static void kv_s(FILE *o, const char *k, const char *v)
{
	fprintf(o, " %s %s", k, v && *v ? v : "-");
}

static void kv_u(FILE *o, const char *k, uint64_t v)
{
	fprintf(o, " %s %llu", k, (unsigned long long)v);
}

static void kv_d(FILE *o, const char *k, double v)
{
	if (isnan(v))
		fprintf(o, " %s nan", k);
	else if (isinf(v))
		fprintf(o, " %s inf", k);
	else
		fprintf(o, " %s %.6g", k, v);
}

static double ratio(double a, double b)
{
	return b > 0 ? a / b : NAN;
}

void pollsim_print_summary(FILE *o, const struct pollsim_config *c, const struct pollsim_result *r)
{
	const struct hist *ul = &r->update_latency, *ts = &r->time_to_safe, *ed = &r->event_delay;
	double cl = r->floor_cacheline_rtt_ns, wk = r->floor_wake_rtt_ns;
	double up50 = (double)hist_quantile(ul, 0.5), up99 = (double)hist_quantile(ul, 0.99);

	fprintf(o, "SUMMARY");
	/* settings */
	kv_s(o, "strategy", c->strategy ? c->strategy->name : "-");
	kv_s(o, "family", c->strategy ? c->strategy->family : "-");
	kv_u(o, "threads", c->threads);
	kv_u(o, "participants", r->participants);
	kv_s(o, "scenario", pollsim_scenario_name(c->scenario));
	kv_d(o, "duration_s", c->duration_s);
	kv_d(o, "update_rate", c->update_rate);
	kv_s(o, "updater", pollsim_updater_names[c->updater & 1]);
	kv_s(o, "placement", pollsim_placement_names[c->placement % 3]);
	kv_s(o, "placement_cpus", r->placement_desc);
	kv_s(o, "arrival", pollsim_arrival_names[c->arrival & 1]);
	kv_s(o, "reclaim", pollsim_reclaim_names[c->reclaim & 1]);
	kv_d(o, "event_cost_us", c->event_cost_us);
	kv_d(o, "event_rate", r->event_rate_used);
	kv_s(o, "events_enabled", c->no_events ? "no" : "yes");
	kv_u(o, "table_size", c->table_size);
	kv_d(o, "watchdog_s", c->watchdog_s);
	fprintf(o, " stall_thread %d", c->stall_thread);
	kv_d(o, "stall_ms", c->stall_thread >= 0 ? c->stall_ms : 0);
	kv_s(o, "fail", c->fail_phase == LC_ALLOC ? "alloc" : c->fail_phase == LC_INIT ? "init" :
			c->fail_phase == POLLSIM_FAIL_SPAWN ? "spawn" : "none");
	fprintf(o, " fail_thread %d", c->fail_phase >= 0 ? c->fail_thread : -1);
	kv_u(o, "seed", c->seed);
	kv_s(o, "baseline", r->baseline_process_cpu_ns ? "yes" : "no");
	kv_u(o, "online_cpus", r->online_cpus);
	kv_u(o, "oversubscribed", (uint64_t)r->oversubscribed);
	/* figures */
	kv_d(o, "wall_s", r->wall_s);
	kv_u(o, "updates", r->updates);
	kv_u(o, "update_p50_ns", (uint64_t)up50);
	kv_u(o, "update_p90_ns", hist_quantile(ul, 0.9));
	kv_u(o, "update_p99_ns", (uint64_t)up99);
	kv_u(o, "update_p999_ns", hist_quantile(ul, 0.999));
	kv_u(o, "update_max_ns", ul->max);
	kv_d(o, "update_mean_ns", hist_mean(ul));
	kv_u(o, "time_to_safe_p50_ns", hist_quantile(ts, 0.5));
	kv_u(o, "time_to_safe_p90_ns", hist_quantile(ts, 0.9));
	kv_u(o, "time_to_safe_p99_ns", hist_quantile(ts, 0.99));
	kv_u(o, "time_to_safe_max_ns", ts->max);
	kv_u(o, "sync_wakeups", r->sync_wakeups);
	kv_d(o, "sync_wakeups_per_update", r->updates ? (double)r->sync_wakeups / (double)r->updates : NAN);
	kv_u(o, "event_wakeups", r->event_wakeups);
	kv_u(o, "timeout_wakeups", r->timeout_wakeups);
	kv_u(o, "eintr_wakeups", r->eintr_wakeups);
	kv_u(o, "control_wakeups", r->control_wakeups);
	kv_u(o, "voluntary_ctx_switches", r->voluntary_ctx_switches);
	kv_u(o, "involuntary_ctx_switches", r->involuntary_ctx_switches);
	kv_u(o, "process_cpu_ns", r->process_cpu_ns);
	kv_u(o, "thread_cpu_ns", r->thread_cpu_ns_total);
	kv_u(o, "baseline_process_cpu_ns", r->baseline_process_cpu_ns);
	kv_d(o, "baseline_wall_s", r->baseline_wall_s);
	kv_d(o, "cpu_ns_per_update", r->cpu_ns_per_update);
	kv_u(o, "events", r->events);
	kv_d(o, "events_per_s", r->wall_s > 0 ? (double)r->events / r->wall_s : 0);
	kv_u(o, "event_delay_p50_ns", hist_quantile(ed, 0.5));
	kv_u(o, "event_delay_p90_ns", hist_quantile(ed, 0.9));
	kv_u(o, "event_delay_p99_ns", hist_quantile(ed, 0.99));
	kv_u(o, "event_delay_p999_ns", hist_quantile(ed, 0.999));
	kv_u(o, "event_delay_max_ns", ed->max);
	kv_u(o, "reads", r->reads);
	kv_u(o, "torn_reads", r->torn_reads);
	kv_u(o, "poisoned_reads", r->poisoned_reads);
	kv_u(o, "defer_peak_objects", r->defer_peak_objects);
	kv_u(o, "defer_peak_bytes", r->defer_peak_bytes);
	kv_d(o, "floor_cacheline_rtt_ns", cl);
	kv_d(o, "floor_wake_rtt_ns", wk);
	kv_d(o, "update_p50_over_cacheline_rtt", ratio(up50, cl));
	kv_d(o, "update_p99_over_cacheline_rtt", ratio(up99, cl));
	kv_d(o, "update_p50_over_wake_rtt", ratio(up50, wk));
	kv_d(o, "update_p99_over_wake_rtt", ratio(up99, wk));
	kv_d(o, "time_to_safe_p50_over_cacheline_rtt", ratio((double)hist_quantile(ts, 0.5), cl));
	kv_d(o, "event_delay_p99_over_wake_rtt", ratio((double)hist_quantile(ed, 0.99), wk));
	if (r->strategy_extra[0])
		fprintf(o, " %s", r->strategy_extra);
	fprintf(o, "\n");
}
