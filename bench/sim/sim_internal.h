/*
 * sim_internal.h - what the simulator's files share: one participant's state
 * (struct pt), the run's (struct sim), the shared table, and the functions
 * each file offers the others. Private to bench/sim.
 *
 * Participants: `threads` loop threads (tid 0..threads-1), plus, with the
 * outside updater, one "CLI" thread (tid = threads) that runs its own small
 * epoll loop with the same hooks. Each has its own epoll set holding its event
 * source (a timerfd armed at its next deadline, or for a saturated thread an
 * eventfd written once and never drained, so an event is always ready), the
 * strategy's wake_fd when it has one, and the simulator's control eventfds
 * (stop, end of updates), owned by pollsim_run so that nobody writes to a
 * closed fd.
 */
#ifndef SIM_INTERNAL_H
#define SIM_INTERNAL_H

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench/lib/histogram.h"
#include "bench/lib/lifecycle.h"
#include "bench/lib/strategy_thread.h"
#include "bench/lib/watchdog.h"
#include "bench/sim/pollsim.h"
#include "strategies/sync.h"

/* epoll tags: the strategy's wake_fd, the event source, simulator control */
#define TAG_WAKE 1u
#define TAG_SRC 2u
#define TAG_CTL 3u
#define TAG_START 4u                      /* the window's opening: edge-triggered, once per loop */
#define MAX_BATCH 64                      /* due events an idle thread handles per iteration */
#define POISON 0xdeadbeefdeadbeefull
#define NS 1000000000.0
#define SAT_CALIB 64                      /* iterations a saturated thread times to learn its own pace */
#define WINDOW_MARGIN_NS 5000000ull       /* the window opens this long after every thread is in its loop */

enum role { ROLE_IDLE = 0, ROLE_SATURATED, ROLE_OUTSIDE };
extern const char *const sim_role_names[]; /* indexed by enum role */

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
	uint64_t retired_sched;           /* scheduled time of the update that replaced it; 0: current */
	unsigned size;
	struct table_entry e[];
};

struct sim;

/*
 * What a participant counts. Zeroed when its window opens; copied to
 * pt.at_close when it closes, and every figure comes from that copy, so that
 * nothing done before the window or after it (the stop) is counted.
 */
struct pt_counts {
	uint64_t events, reads, updates, updates_skipped, updates_unstarted, noop_updates;
	uint64_t w_event, w_sync, w_timeout, w_eintr, w_ctl;
	uint64_t cpu_ns, vcsw, ivcsw;     /* filled at the close: deltas from the opening */
};

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
	_Atomic long os_tid;              /* its kernel task id, set as it starts (0 before) */

	/* owned by the thread (ALLOC pollsim_resources / strategy_thread) */
	int epfd, srcfd;
	struct hist *hists;               /* [0] event delay, [1] update latency, [2] time to safe */
	struct sync_thread *st;

	/* loop state, thread-local */
	int in_window;                    /* 0 before the window, 1 inside, 2 after its close */
	int scheduled;                    /* its schedule is set from the window's t0 */
	uint64_t cpu0, vcsw0, ivcsw0;     /* at the window's opening */
	uint64_t sat_iter_ns;             /* saturated: its own iteration time; 0 until timed */
	uint64_t sat_gap[SAT_CALIB], prev_start;
	unsigned sat_ngap;
	uint64_t rng;
	uint64_t next_ev, next_burst, burst_at, next_upd, stall_at, armed, prev_end;
	unsigned burst_left;
	int upd_finished;

	/* results: written by the thread, read by pollsim_run after join */
	struct pt_counts n, at_close;
	uint64_t torn, poisoned, checksum; /* read-side checks: the whole run, not only the window */
	uint64_t read_retries;             /* sections redone (seqlock): the whole run */
	uint64_t stop_wakeups;            /* epoll returns after the window: the stop's, a few each */
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

	/*
	 * Reclaim latency (scheduled -> old version freed): recorded by the
	 * free itself, which in defer mode runs on whatever thread the
	 * strategy reclaims on (a loop thread, liburcu's call_rcu thread).
	 */
	pthread_mutex_t reclaim_lock;
	struct hist *reclaim_hist;

	/* simulator control fds, owned here (closed after every join) */
	int stopfd, updfd, startfd;
	/* Written by pollsim_run, read by every loop: seq_cst, read once per iteration. */
	atomic_int stop SYNC_ALIGNED;
	atomic_int stop_updates;

	/*
	 * Start gate, futex words (no mutex: a broadcast that every thread
	 * must then re-acquire a lock after is a convoy, one scheduling delay
	 * per thread, seconds on an oversubscribed machine). gate_arrived:
	 * participants past lc_thread_start; gate: 0 wait, 1 go, 2 abort.
	 */
	atomic_uint gate_arrived;
	atomic_int gate;
	int gate_go;                      /* main thread's copy of gate == 1 */

	/*
	 * The measured window [win_t0, win_end). in_loop counts participants
	 * that reached their loop; once all have, the main thread sets
	 * win_end, then publishes win_t0 (release; loops load it acquire).
	 */
	atomic_uint in_loop;
	_Atomic uint64_t win_t0;
	uint64_t win_end;

	/* end of updates: under upd_lock */
	pthread_mutex_t upd_lock;
	pthread_cond_t upd_cond;
	int updates_done;

	/* the injected stall waits here for its deadline or the end of updates */
	pthread_mutex_t stall_lock;
	pthread_cond_t stall_cond;

	/* watches each participant from the end of its INIT to its FREE */
	struct watchdog *wd;
	struct strategy_threads threads; /* the strategy's lifecycle steps */
};

/* ---- clocks and random gaps ---- */

/* Waits while *w == v (a futex word; spurious returns are the caller's loop). */
static inline void sim_futex_wait(void *w, int v)
{
	syscall(SYS_futex, w, FUTEX_WAIT_PRIVATE, v, NULL, NULL, 0);
}

static inline void sim_futex_wake_all(void *w)
{
	syscall(SYS_futex, w, FUTEX_WAKE_PRIVATE, INT32_MAX, NULL, NULL, 0);
}

static inline uint64_t now_ns(void)
{
	return sync_now_ns();
}

static inline uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline uint64_t process_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* An exponential gap of mean period_ns (Poisson arrivals). */
static inline uint64_t exp_gap(uint64_t *rng, uint64_t period_ns)
{
	double u = ((double)(splitmix64(rng) >> 11) + 1.0) * (1.0 / 9007199254740992.0);

	return (uint64_t)(-log(u) * (double)period_ns) + 1;
}

static inline uint64_t gap(struct pt *p, uint64_t period_ns)
{
	if (p->sim->cfg->arrival == POLLSIM_ARRIVAL_POISSON)
		return exp_gap(&p->rng, period_ns);
	return period_ns;
}

/* n iterations of a xorshift the compiler cannot drop: the CPU an event costs. */
static inline uint64_t spin_iters(uint64_t n)
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

/* calibrate.c: spin_iters per microsecond of thread CPU x 1000, measured once. */
uint64_t sim_calibrated_x1000(void);

/* workload.c: the shared table, an event's read section, an update. */
struct table *sim_table_new(struct sim *s, unsigned size, uint64_t gen);
void sim_handle_event(struct pt *p, uint64_t delay);
void sim_update(struct pt *p, uint64_t sched);

/* events.c: each participant's schedule and the timer that wakes it. */
void sim_schedule_start(struct pt *p, uint64_t t0);
uint64_t sim_next_event_time(const struct pt *p);
uint64_t sim_take_event(struct pt *p);
void sim_arm_timer(struct pt *p); /* not for a saturated thread: it polls with timeout 0 */
void sim_stall(struct pt *p);

/* loop.c: a participant thread's body. */
void *sim_participant_main(void *arg);

/*
 * Whether p counts now: opens its window at the first look at or after
 * win_t0, closes it (snapshot to at_close) at the first at or after win_end.
 * Inline for the case of nearly every iteration (open, not yet at its end:
 * one compare); sim_window_edge does the rest (loop.c).
 */
int sim_window_edge(struct pt *p, uint64_t now);

static inline int sim_window(struct pt *p, uint64_t now)
{
	/* win_end was published before win_t0, which p loaded (acquire) to open */
	if (p->in_window == 1 && now < p->sim->win_end)
		return 1;
	return sim_window_edge(p, now);
}

/* resources.c: the lifecycle callbacks of every participant. */
void sim_register_callbacks(struct sim *s);

/* placement.c */
int sim_placement_compute(struct sim *s, char *desc, size_t desclen, char *err, size_t errlen);
unsigned sim_usable_cpus(void);

/* config.c */
unsigned sim_participants(const struct pollsim_config *c);
int sim_check_fields(const struct pollsim_config *c, const char **flag, char *err, size_t errlen);

/* summary.c: per-thread counters merged into res after every join. */
void sim_collect(struct sim *s, struct pollsim_result *res);

#endif /* SIM_INTERNAL_H */
