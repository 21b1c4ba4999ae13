/*
 * pollsim.h - the poll-loop simulator: N event-loop threads that really sleep
 * in epoll_wait and really wake, reading shared state through a strategy's
 * read side while updates are applied the strategy's way.
 *
 * Used by the //bench:pollsim binary (flags -> pollsim_config -> SUMMARY line)
 * and by the Google Benchmark targets (bench/*_bench.c), which call
 * pollsim_run() once per benchmark point and turn pollsim_result into counters.
 */
#ifndef POLLSIM_H
#define POLLSIM_H

#include <stdint.h>
#include <stdio.h>

#include "bench/histogram.h"
#include "strategies/sync.h"

enum pollsim_scenario {
	POLLSIM_IDLE = 0,  /* threads asleep nearly always: rare events */
	POLLSIM_SATURATED, /* every thread always has a ready event */
	POLLSIM_MIXED,     /* half the threads saturated, half idle */
	POLLSIM_BURSTY,    /* idle, with bursts of events on every thread at once */
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

struct pollsim_config {
	const struct sync_ops *strategy;
	unsigned threads;                 /* loop threads, 1..POLLSIM_MAX_THREADS */
	enum pollsim_scenario scenario;
	double duration_s;                /* > 0 */
	double update_rate;               /* updates per second; 0: none (the baseline) */
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
	int fail_phase;                   /* -1: none; else enum lc_phase (ALLOC or INIT) */
	int fail_thread;
	uint64_t seed;
	int quiet;                        /* no progress on stderr */
};

/* Sets every field to its default (strategy NULL). */
void pollsim_config_default(struct pollsim_config *c);

struct pollsim_result {
	/* echo of what actually ran */
	unsigned participants;            /* threads + outside updater */
	int oversubscribed;               /* participants > online CPUs */
	unsigned online_cpus;
	char placement_desc[256];         /* e.g. "none" or "compact:0,1,0,1" */
	double wall_s;

	/* updates */
	uint64_t updates;
	struct hist update_latency;       /* scheduled time -> done, ns */
	struct hist time_to_safe;         /* request -> alone / grace period over, ns */

	/* wakeups */
	uint64_t sync_wakeups;            /* epoll returns caused by the strategy (wake_fd) */
	uint64_t event_wakeups, timeout_wakeups, eintr_wakeups;
	uint64_t voluntary_ctx_switches;  /* getrusage(RUSAGE_THREAD), all participants */
	uint64_t involuntary_ctx_switches;

	/* CPU */
	uint64_t process_cpu_ns;          /* CLOCK_PROCESS_CPUTIME_ID over the run */
	uint64_t thread_cpu_ns_total;     /* sum of participants' CLOCK_THREAD_CPUTIME_ID */

	/* events */
	uint64_t events;
	struct hist event_delay;          /* handling start - scheduled time, ns */
	uint64_t read_ns_total;           /* time inside read_begin..read_end, sampled */
	uint64_t reads;

	/* deferred reclamation */
	uint64_t defer_peak_objects, defer_peak_bytes;

	/* floors measured at start */
	double floor_cacheline_rtt_ns;
	double floor_wake_rtt_ns;

	/* strategy's extra "key value" pairs for SUMMARY */
	char strategy_extra[512];
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

/* Prints "SUMMARY key value key value ...\n" with every setting and figure. */
void pollsim_print_summary(FILE *out, const struct pollsim_config *cfg,
			   const struct pollsim_result *res);

const char *pollsim_scenario_name(enum pollsim_scenario s);
int pollsim_scenario_parse(const char *s, enum pollsim_scenario *out);

#endif /* POLLSIM_H */
