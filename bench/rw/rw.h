/*
 * rw.h - the readers/writers microbenchmark: the workload of liburcu's own
 * benchmark programs (tests/benchmark/test_urcu*.c), run for every strategy of
 * the suite through struct sync_ops.
 *
 * R reader threads load a shared pointer and read the object behind it in a
 * tight loop. A read section (strategies/loop.h's sync_read: read_begin,
 * body, read_end, redone while read_retry says so) dereferences the pointer
 * with sync_deref, loads the first field, spins read_delay loops (so that
 * the section really stays open) and loads the last field. Only the final
 * attempt of a read is checked: both fields equal (no torn read), neither
 * poison (no freed object). W writer threads replace the object's contents:
 *  - RW_UPDATE_INPLACE (strategies with SYNC_CAP_ISOLATE, reclaim sync):
 *    isolate(), write every field, release();
 *  - RW_UPDATE_COPY (grace-period strategies): allocate, fill, publish with an
 *    atomic exchange, then synchronize() + poison + free the old version
 *    (SYNC_RECLAIM_SYNC) or defer_free(poison + free) (SYNC_RECLAIM_DEFER).
 * Every thread passes a quiescent point (a non-blocking poll: poll_enter,
 * poll, poll_leave, loop_iter) every quiesce_every reads, or after every
 * write.
 *
 * The measured window: every thread waits at a start gate (blocking, no
 * spinning) until all of them are there; the window opens when the gate does
 * and closes when the main thread says so. Reads count only when published
 * by their reader (once per quiesce_every reads) before the close; a write
 * counts only when it ended before the close. So every figure comes from
 * inside [window_start_ns, window_end_ns].
 *
 * Used by //bench/rw:readers_writers (flags -> rw_config -> SUMMARY line), by
 * readers_writers_test (every strategy of the registry, short runs), by
 * compare_bench, and by harness_floor_bench (rw_floor_run).
 */
#ifndef RW_H
#define RW_H

#include <stdint.h>
#include <stdio.h>

#include "bench/lib/histogram.h"
#include "strategies/sync.h"

/* readers + writers, like POLLSIM_MAX_THREADS */
#define RW_MAX_THREADS 1024
/* start-up and shutdown bounds, on top of the watchdog's */
#define RW_START_BOUND_S 10.0
#define RW_STOP_BOUND_S 10.0
/* default defer_bound: 65536 objects of 128 bytes, 8 MiB pending at most */
#define RW_DEFER_BOUND 65536u

enum rw_update {
	RW_UPDATE_INPLACE = 0, /* isolate, write in place, release */
	RW_UPDATE_COPY,        /* copy, publish, synchronize or defer the old one */
};

struct rw_config {
	const struct sync_ops *strategy;
	unsigned readers;            /* >= 1 */
	unsigned writers;            /* >= 0 (0: read-side cost alone) */
	double duration_s;           /* > 0 */
	enum sync_reclaim reclaim;
	uint64_t read_delay;         /* relax loops INSIDE each read section (liburcu -c) */
	uint64_t write_hold;         /* relax loops inside each update (liburcu -e): between
				      * the two halves of an in-place write, or between
				      * publish and synchronize/defer */
	uint64_t write_delay;        /* relax loops after every write (liburcu -d) */
	unsigned quiesce_every;      /* reads between quiescent points, >= 1 */
	double watchdog_s;           /* bound on any synchronization wait, > 0 */
	/*
	 * reclaim defer: objects handed to defer_free and not yet freed above
	 * which a writer first waits in barrier() (>= 1)
	 */
	uint64_t defer_bound;
	int quiet;                   /* no progress on stderr */
};

/* Sets every field to its default (strategy NULL, 1 reader, 1 writer, 1 s). */
void rw_config_default(struct rw_config *c);

/*
 * The defaults for a run a program makes itself rather than from flags
 * (a floor, a test): strategy ops, readers and writers for duration_s,
 * quiet.
 */
void rw_config_quiet(struct rw_config *c, const struct sync_ops *ops, unsigned readers, unsigned writers,
		     double duration_s);

struct rw_result {
	enum rw_update update;
	unsigned online_cpus;
	int oversubscribed;          /* readers + writers > online CPUs */
	double wall_s;               /* length of the measured window */
	int timekeeper_rt;           /* the main thread ran SCHED_FIFO (see rw.c) */
	uint64_t window_start_ns, window_end_ns; /* the window, sync_now_ns() clock */

	uint64_t reads;              /* all readers, inside the window */
	uint64_t reader_ns;          /* CPU time of every reader inside the window, summed */
	uint64_t read_retries;       /* read sections redone (read_retry said so) */
	uint64_t torn_reads;         /* the two fields of one object disagreed */
	uint64_t poisoned_reads;     /* a reclaimed object was read */
	/*
	 * The harness's own cost per read: the same read body with no strategy,
	 * inlined, on the main thread before the window opened (median of
	 * RW_FLOOR_REPS), and the spread of those repetitions.
	 */
	double floor_ns_per_read, floor_noise_ns;

	uint64_t writes;             /* ended inside the window */
	struct hist write_latency;   /* one update, start to done (freed/deferred/released), ns */
	struct hist wait_latency;    /* time inside isolate() or synchronize(), ns */

	/* deferred reclamation: objects handed to defer_free not yet freed */
	uint64_t defer_peak_objects, defer_peak_bytes;
	/* times a writer waited in barrier() because defer_bound was reached, and how long */
	uint64_t defer_throttles, defer_throttle_ns;

	char strategy_extra[512];    /* the strategy's summary() pairs, one line */
};

/*
 * Which update path a strategy takes under a reclaim mode: 0, or -1 with a
 * one-line reason (the strategy cannot run that mode).
 */
int rw_update_mode(const struct sync_ops *ops, enum sync_reclaim reclaim, enum rw_update *out,
		   char *err, size_t errlen);

/*
 * Runs one configuration. Returns 0; or -1 with a one-line reason in err
 * (configuration refused by the strategy, thread creation failed, a lifecycle
 * callback failed). Never exits the process, except the watchdog, which prints
 * a report (every thread's wait, the strategy's dump) and exits with status 3
 * when a synchronization wait exceeds cfg->watchdog_s, when the threads have
 * not all reached the start gate within watchdog_s + RW_START_BOUND_S, or
 * when they do not all end within watchdog_s + RW_STOP_BOUND_S of the stop:
 * a stuck thread cannot be recovered.
 */
int rw_run(const struct rw_config *cfg, struct rw_result *res, char *err, size_t errlen);

/* Prints "SUMMARY key value ...\n": every setting and every figure. */
void rw_print_summary(FILE *out, const struct rw_config *cfg, const struct rw_result *res);

/*
 * ns_per_read net of the harness floor; NAN when the difference is within
 * the floor's noise ("below noise": never printed as a negative figure).
 */
double rw_ns_per_read(const struct rw_result *res);
double rw_ns_per_read_net(const struct rw_result *res);

/*
 * The harness-floor benchmark: does the harness dominate a cheap read side?
 * reps rounds, each running, in an order rotated every round (interleaved,
 * so a slow spell of the machine hits every variant alike):
 *  - floor:    the read body alone, inlined, no strategy (rw_result's floor);
 *  - ref_qsbr: the same plus an inlined QSBR quiescent state (liburcu's
 *              rcu_quiescent_state fast path: load the grace-period counter,
 *              compare with the thread's own) every quiesce_every reads;
 *  - none, qsbr: rw_run with 1 reader, 0 writers, rep_s seconds.
 * Per round: the ratios qsbr / ref_qsbr and none / floor; then the median of
 * every figure with its distribution-free 95% interval (order statistics).
 */
#define RW_FLOOR_MAX_REPS 64

enum rw_floor_variant { RW_FLOOR_BARE, RW_FLOOR_REF_QSBR, RW_FLOOR_NONE, RW_FLOOR_QSBR, RW_FLOOR_NVARIANTS };

struct rw_floor_config {
	const struct sync_ops *none, *qsbr;
	unsigned reps;               /* 1..RW_FLOOR_MAX_REPS */
	double rep_s;                /* each variant, each round, > 0 */
	unsigned quiesce_every;      /* >= 1 */
};

struct rw_stat {
	double median, lo, hi;       /* lo/hi NAN when reps are too few for a 95% interval */
	double conf;                 /* the interval's coverage, e.g. 0.979 for 10 reps */
};

struct rw_floor_result {
	unsigned reps;
	double ns[RW_FLOOR_NVARIANTS][RW_FLOOR_MAX_REPS]; /* ns per read, per round */
	double ratio_qsbr[RW_FLOOR_MAX_REPS];             /* qsbr / ref_qsbr, per round */
	double ratio_none[RW_FLOOR_MAX_REPS];             /* none / floor, per round */
	struct rw_stat stat[RW_FLOOR_NVARIANTS], qsbr_ratio, none_ratio;
};

/* 0, or -1 with a one-line reason. */
int rw_floor_run(const struct rw_floor_config *cfg, struct rw_floor_result *res, char *err, size_t errlen);
/* "# ..." comment lines, one plottable row per round, then "SUMMARY ..." with the medians and intervals. */
void rw_floor_print(FILE *out, const struct rw_floor_config *cfg, const struct rw_floor_result *res);
/* Median and distribution-free 95% interval of x[0..n-1] (sorted in place). */
struct rw_stat rw_median_interval(double *x, unsigned n);

const char *rw_update_name(enum rw_update u);
const char *rw_reclaim_name(enum sync_reclaim r);

#endif /* RW_H */
