/*
 * pollsim.h - the poll-loop simulator: N event-loop threads that really sleep
 * in epoll_wait and really wake, reading shared state through a strategy's
 * read side while updates are applied the strategy's way.
 *
 * Used by the //bench:pollsim binary (flags -> pollsim_config -> SUMMARY line)
 * and by the Google Benchmark targets (the bench/ benchmark sources), which call
 * pollsim_run() once per benchmark point and turn pollsim_result into counters.
 */
#ifndef POLLSIM_H
#define POLLSIM_H

#include <stdint.h>
#include <stdio.h>

#include "bench/lib/histogram.h"
#include "strategies/sync.h"

enum pollsim_scenario {
	POLLSIM_IDLE = 0,  /* threads asleep nearly always: rare events */
	POLLSIM_SATURATED, /* every thread always has a ready event */
	POLLSIM_MIXED,     /* half the threads saturated, half idle */
	POLLSIM_BURSTY,    /* idle, with bursts of events on every thread at once */
	POLLSIM_SLOWCALL,  /* idle, each event ending in a slow call made harmless inside the task */
	POLLSIM_NSCENARIOS
};

enum pollsim_updater {
	POLLSIM_UPDATER_LOOP = 0, /* loop thread 0 runs the updates between its events */
	POLLSIM_UPDATER_OUTSIDE,  /* an extra "CLI" thread (tid = threads) runs them */
};

enum pollsim_placement {
	POLLSIM_PLACE_NONE = 0, /* the OS decides */
	POLLSIM_PLACE_COMPACT,  /* hwloc: fill cores in order (siblings first) */
	POLLSIM_PLACE_SCATTER,  /* hwloc: spread across packages/cores */
};

enum pollsim_arrival {
	POLLSIM_ARRIVAL_FIXED = 0,
	POLLSIM_ARRIVAL_POISSON,
};

#define POLLSIM_MAX_THREADS 1024

/*
 * fail_phase value (not an lc_phase): pthread_create for participant
 * fail_thread is refused with EAGAIN (fault injection, --fail=spawn:T), the
 * way RLIMIT_NPROC would refuse it; the run unwinds as after a real refusal.
 */
#define POLLSIM_FAIL_SPAWN 100

/*
 * Hang guard on the stop: the stop must end within 2 x --watchdog + 5 s plus
 * this much per participant (a loaded machine needs longer to run every
 * thread's DEINIT/FREE and join it; still bounded).
 */
#define POLLSIM_STOP_NS_PER_PARTICIPANT 50000000ull

struct pollsim_config {
	const struct sync_ops *strategy;
	unsigned threads;                 /* loop threads, 1..POLLSIM_MAX_THREADS */
	enum pollsim_scenario scenario;
	double duration_s;                /* > 0 */
	double update_rate;               /* updates per second; 0: none */
	enum pollsim_updater updater;
	enum pollsim_placement placement;
	enum pollsim_arrival arrival;     /* events and updates */
	enum sync_reclaim reclaim;
	double event_cost_us;             /* CPU spent per event (default 2) */
	double event_rate;                /* per thread per second for open-loop scenarios; 0: scenario default */
	unsigned table_size;              /* "servers" in the shared table walked per event (default 16) */
	double watchdog_s;                /* bound on any synchronization wait (default 2) */
	int stall_thread;                 /* -1: none; else stall inside a read section */
	double stall_ms;                  /* how long; INFINITY: forever */
	int fail_phase;                   /* -1: none; else enum lc_phase (ALLOC or INIT) or POLLSIM_FAIL_SPAWN */
	int fail_thread;
	uint64_t seed;
	int quiet;                        /* no progress on stderr */
	/* added by the simulator's author (defaults keep the fields above working) */
	int no_events;                    /* 1: no events at all (deterministic tests, --no-events) */
	double floors_budget_s;           /* time for floors_measure at start; 0: skip (floors 0) */
	/*
	 * 1: the updater keeps its schedule and wakes for every update, but
	 * applies none (counted in noop_updates, not updates): the baseline,
	 * which then differs from the measured run only by the updates' work.
	 */
	int updates_noop;
	/* tests: the stop begins this long after the window closes (a slow stop, as oversubscribed) */
	double stop_delay_s;
	/* tests: called on pollsim_run's thread as the measured window opens (NULL: none) */
	void (*on_window_open)(void *arg);
	void *on_window_open_arg;
};

/* Sets every field to its default (strategy NULL). */
void pollsim_config_default(struct pollsim_config *c);

/*
 * The defaults for a run a program makes itself rather than from flags
 * (a floor, a test): strategy ops, threads loops of scenario for
 * duration_s, quiet, no floors measured.
 */
void pollsim_config_quiet(struct pollsim_config *c, const struct sync_ops *ops, unsigned threads,
			  enum pollsim_scenario scenario, double duration_s);

/* Where update_latency ends: the update's effect is what every later reader sees. */
enum pollsim_update_end {
	POLLSIM_ENDS_RELEASE = 0,         /* exclusive (in place): release() returned */
	POLLSIM_ENDS_PUBLISH,             /* grace (copy): the new version published */
};

/*
 * Every figure comes from the measured window: it opens once every
 * participant is in its loop and lasts duration_s (wall_s); an event counts
 * if its handling started inside it, an update if it was scheduled inside it,
 * and CPU and context switches are read at its edges.
 */
struct pollsim_result {
	/* echo of what actually ran */
	unsigned participants;            /* threads + outside updater */
	int oversubscribed;               /* participants > online CPUs */
	unsigned online_cpus;
	char placement_desc[256];         /* e.g. "none" or "compact:0,1,0,1" */
	double wall_s;

	/* updates */
	uint64_t updates;
	uint64_t updates_skipped;         /* scheduled, not applied: out of memory for a table copy */
	uint64_t updates_unstarted;       /* scheduled inside the window, not begun before it closed */
	uint64_t noop_updates;            /* updates_noop: the updater's wakeups that applied nothing */
	enum pollsim_update_end update_ends;
	struct hist update_latency;       /* scheduled time -> visible: release() returned / published, ns */
	struct hist reclaim_latency;      /* grace: scheduled time -> old version freed (defer: when the
					   * deferred free ran), ns; empty for in-place updates */
	struct hist time_to_safe;         /* request -> alone (isolate) / grace period over (synchronize), ns */
	int time_to_safe_measured;        /* 0 in defer mode: time_to_safe is empty, not 0 */

	/* wakeups */
	uint64_t sync_wakeups;            /* epoll returns caused by the strategy (wake_fd) */
	uint64_t event_wakeups, timeout_wakeups, eintr_wakeups;
	uint64_t voluntary_ctx_switches;  /* getrusage(RUSAGE_THREAD), participants only */
	uint64_t involuntary_ctx_switches;
	/*
	 * Every thread of the process but the harness's own (pollsim_run's
	 * caller, the watchdog), over the window: each participant's
	 * RUSAGE_THREAD / CLOCK_THREAD_CPUTIME_ID at its own window edges, plus
	 * the other threads' (library workers: liburcu's call_rcu thread) from
	 * /proc/self/task at the window's edges.
	 */
	uint64_t process_vcsw, process_ivcsw;

	/* CPU */
	uint64_t process_cpu_ns;          /* the same threads and window, CPU time */
	uint64_t thread_cpu_ns_total;     /* sum of participants' CLOCK_THREAD_CPUTIME_ID */

	/* events */
	uint64_t events;
	/*
	 * Handling start - scheduled time, ns (open loop). A saturated
	 * thread's event is due as its previous one ends; a gap longer than the
	 * thread's own pace also records the events it delayed (gap - pace,
	 * gap - 2 pace, ...), so the count can exceed events.
	 */
	struct hist event_delay;
	uint64_t reads;

	/* deferred reclamation */
	uint64_t defer_peak_objects, defer_peak_bytes;

	/* floors measured at start */
	double floor_cacheline_rtt_ns;
	double floor_wake_rtt_ns;

	/* strategy's extra "key value" pairs for SUMMARY */
	char strategy_extra[512];

	/* read-side checks: expected 0 for every safe strategy */
	uint64_t torn_reads;              /* a read saw entries of two generations */
	uint64_t poisoned_reads;          /* a read saw a table already handed to free */
	uint64_t read_retries;            /* read sections redone because they saw a write (seqlock) */
	uint64_t control_wakeups;         /* epoll returns caused by the simulator itself (start, end of updates) */
	uint64_t stop_wakeups;            /* epoll returns after the window (loops sleep there: a few each) */
	uint64_t checksum;                /* of every table walk, so no walk is optimized away */

	/* effective load, after scenario defaults */
	double event_rate_used;           /* per idle thread per second; 0 when no events */

	/*
	 * Cost to others, net of the baseline: filled by
	 * pollsim_apply_baseline(), NAN until then. Signed: at or below 0 is
	 * noise (SUMMARY prints below_noise).
	 */
	double cpu_ns_per_update;         /* (process_cpu_ns - baseline's) / updates */
	double vcsw_per_update;           /* (process_vcsw - baseline's) / updates */
	uint64_t baseline_process_cpu_ns; /* 0 when no baseline was applied */
	uint64_t baseline_process_vcsw;
	double baseline_wall_s;

	/* per participant (participants entries) */
	struct pollsim_thread_stats {
		int cpu;                  /* bound CPU (OS index), -1: not bound */
		char role[12];            /* "idle", "saturated", "outside" */
		uint64_t cpu_ns;          /* CLOCK_THREAD_CPUTIME_ID over its loop */
		uint64_t events, updates;
		uint64_t event_wakeups, sync_wakeups, timeout_wakeups, eintr_wakeups;
		uint64_t voluntary_ctx_switches, involuntary_ctx_switches;
		uint64_t sat_iter_ns;     /* saturated: its own pace (median iteration), 0 otherwise */
	} per_thread[POLLSIM_MAX_THREADS + 1];
};

/*
 * Runs one configuration. Returns 0; or -1 with a one-line reason in err
 * (strategy refused the configuration, a resource could not be had, a
 * lifecycle callback failed, the watchdog fired). Never exits the process,
 * except the watchdog, which prints its report and exits with status 3 when
 * a wait has exceeded the bound (a stuck thread cannot be recovered).
 */
int pollsim_run(const struct pollsim_config *cfg, struct pollsim_result *res,
		char *err, size_t errlen);

/*
 * Checks cfg without running it: field ranges, and whether the strategy
 * accepts the thread count and reclaim mode (through a domain_create that is
 * destroyed at once). 0, or -1 with a one-line reason in err; *flag (may be
 * NULL) is set to the command-line flag the reason is about ("--threads").
 */
int pollsim_check(const struct pollsim_config *cfg, const char **flag, char *err, size_t errlen);

/*
 * The "minus baseline" figures. A baseline is the same configuration, the
 * same duration, with updates_noop: the updater wakes on the same schedule
 * but applies nothing (pollsim_baseline_config() makes it: no stall, no
 * fault, no floors, quiet), so that neither the updater's own timer wakeups
 * nor any fixed per-run term is charged to the strategy. cpu_ns_per_update =
 * (process CPU of res - process CPU of base) / res->updates, and
 * vcsw_per_update likewise with process_vcsw; a baseline of another length is
 * scaled to res's window (fixed per-run terms then do not cancel: keep the
 * lengths equal). NAN when res has no updates. One baseline may serve several
 * runs of the same strategy/threads/scenario/updater.
 */
void pollsim_baseline_config(const struct pollsim_config *cfg, struct pollsim_config *out);
void pollsim_apply_baseline(struct pollsim_result *res, const struct pollsim_result *base);

/*
 * Prints "SUMMARY key value key value ...\n" with every setting and figure
 * and flushes out. 0; or -1 with errno set when out could not take it (a full
 * disk, a closed pipe: earlier failed writes to out count too).
 */
int pollsim_print_summary(FILE *out, const struct pollsim_config *cfg,
			  const struct pollsim_result *res);

const char *pollsim_scenario_name(enum pollsim_scenario s);

/* Names used by flags and SUMMARY; NULL-terminated lists for flags_parse_choice. */
extern const char *const pollsim_scenario_names[];  /* idle saturated mixed bursty slowcall */
extern const char *const pollsim_updater_names[];   /* loop outside */
extern const char *const pollsim_placement_names[]; /* none compact scatter */
extern const char *const pollsim_arrival_names[];   /* fixed poisson */
extern const char *const pollsim_reclaim_names[];   /* sync defer */

/* Scenario parameters (documented in --help and the README). */
#define POLLSIM_IDLE_EVENT_RATE 100.0     /* events/s per idle thread by default */
#define POLLSIM_BURST_PERIOD_S 0.1        /* bursty: a burst on every thread every 100 ms */
#define POLLSIM_BURST_EVENTS 32           /* bursty: events per thread per burst */
#define POLLSIM_SLOWCALL_US 500           /* slowcall: the blocking call inside each event */
#define POLLSIM_SLOWCALL_EVENT_RATE 500.0 /* slowcall: events/s per thread: a quarter of the time in calls */
#define POLLSIM_STALL_AT_S 0.02           /* --stall begins 20 ms after the start */

#ifdef POLLSIM_STUB_POLL
/* loop_floor_stub_bench's build only (loop.c): the poll without the syscall; arg: struct sync_epoll_args */
int sim_stub_poll(void *arg);
#endif

#endif /* POLLSIM_H */
