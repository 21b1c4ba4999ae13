/*
 * rw.h - the readers/writers microbenchmark: the workload of liburcu's own
 * benchmark programs (tests/benchmark/test_urcu*.c), run for every strategy of
 * the suite through struct sync_ops.
 *
 * R reader threads load a shared pointer and read the object behind it in a
 * tight loop (a read section: load, first field, read_delay loops, the other
 * fields, so that the section really stays open), checking every read (all fields equal: no torn read; no poison:
 * no freed object). W writer threads replace the object's contents:
 *  - RW_UPDATE_INPLACE (strategies with SYNC_CAP_ISOLATE, reclaim sync):
 *    isolate(), write every field, release();
 *  - RW_UPDATE_COPY (grace-period strategies): allocate, fill, publish with an
 *    atomic exchange, then synchronize() + poison + free the old version
 *    (SYNC_RECLAIM_SYNC) or defer_free(poison + free) (SYNC_RECLAIM_DEFER).
 * Every thread passes a quiescent point (a non-blocking poll: idle_enter,
 * poll_enter, poll, poll_leave, idle_leave, loop_iter) every quiesce_every
 * reads, or after every write.
 *
 * Used by //bench:readers_writers (flags -> rw_config -> SUMMARY line) and by
 * readers_writers_test (every strategy of the registry, short runs).
 */
#ifndef RW_H
#define RW_H

#include <stdint.h>
#include <stdio.h>

#include "bench/histogram.h"
#include "strategies/sync.h"

/* readers + writers, like POLLSIM_MAX_THREADS */
#define RW_MAX_THREADS 1024

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
	int quiet;                   /* no progress on stderr */
};

/* Sets every field to its default (strategy NULL, 1 reader, 1 writer, 1 s). */
void rw_config_default(struct rw_config *c);

struct rw_result {
	enum rw_update update;
	unsigned online_cpus;
	int oversubscribed;          /* readers + writers > online CPUs */
	double wall_s;               /* measured length of the run */

	uint64_t reads;              /* all readers */
	uint64_t reader_ns;          /* sum of every reader's time in its loop */
	uint64_t torn_reads;         /* fields of one object disagreed */
	uint64_t poisoned_reads;     /* a reclaimed object was read */

	uint64_t writes;
	struct hist write_latency;   /* one update, start to done (freed/deferred/released), ns */
	struct hist wait_latency;    /* time inside isolate() or synchronize(), ns */

	/* deferred reclamation: objects handed to defer_free not yet freed */
	uint64_t defer_peak_objects, defer_peak_bytes;

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
 * when a synchronization wait exceeds cfg->watchdog_s: a stuck thread cannot be
 * recovered.
 */
int rw_run(const struct rw_config *cfg, struct rw_result *res, char *err, size_t errlen);

/* Prints "SUMMARY key value ...\n": every setting and every figure. */
void rw_print_summary(FILE *out, const struct rw_config *cfg, const struct rw_result *res);

const char *rw_update_name(enum rw_update u);
const char *rw_reclaim_name(enum sync_reclaim r);

#endif /* RW_H */
