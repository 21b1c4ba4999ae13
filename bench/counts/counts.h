/*
 * counts.h - a deterministic driver that makes every strategy show what it
 * costs in counts that mean the same on any machine (strategies/count.h):
 * cache-line writes, system calls, signals, lines scanned, and the sync
 * wakeups the harness sees.
 *
 * One run: nloop loop threads plus one outside updater (participant nloop),
 * each in a real poll loop through strategies/loop.h: epoll_wait on its own
 * eventfd and the strategy's wake fd, a read section (sync_read/sync_deref)
 * on a shared object for each event, sync_loop_end. The driver (the calling
 * thread, not a participant) never sleeps and hopes: it waits on conditions
 * the threads signal under one mutex, so every phase starts with every
 * participant parked in its poller.
 *
 *  start    every participant allocated, initialized, parked: snapshot S0;
 *  phase A  rounds x: the driver writes every loop thread's eventfd once,
 *           each handles its one event and parks again: snapshot S1;
 *  phase B  rounds x: the same, then, with every loop thread parked, one
 *           update by the updater (woken through its own eventfd): isolate,
 *           modify, release; or copy, publish, synchronize, free; or copy,
 *           publish, defer_free; then every participant parked: snapshot S2;
 *  barrier  defer mode only: the updater runs sync_barrier: snapshot S3;
 *  stop     every participant leaves its loop, deinit, and adds its counters
 *           to the totals before thread_free.
 * A snapshot sums counts[] over every participant, updater included, while
 * all are parked (the mutex orders the owners' plain writes before the
 * driver's reads).
 *
 *  per loop iteration = (S1 - S0) / (nloop x rounds)
 *  per update         = ((S2 - S1) - (S1 - S0)) / rounds
 * An update's figure includes the updater's own trip through its loop (its
 * poll_leave, loop_end and poll_enter), as pollsim's outside updater pays.
 *
 * Built only with SYNC_COUNTING (bench/counts/BUILD compiles the strategies
 * with it), so struct sync_thread has its counts[] everywhere in the binary.
 */
#ifndef COUNTS_H
#define COUNTS_H

#include "strategies/sync.h"

#include <stddef.h>
#include <stdint.h>

#ifndef SYNC_COUNTING
#error "bench/counts needs SYNC_COUNTING (see bench/counts/BUILD)"
#endif

enum counts_mode {
	COUNTS_ISOLATE = 0, /* isolate, modify in place, release */
	COUNTS_SYNC,        /* copy, publish, synchronize, free */
	COUNTS_DEFER,       /* copy, publish, defer_free; barrier at the end */
	COUNTS_MODES
};

extern const char *const counts_mode_names[]; /* "isolate", "sync", "defer" */

/* The modes a strategy supports, from its capabilities. */
int counts_mode_supported(const struct sync_ops *ops, enum counts_mode m);

struct counts_config {
	unsigned nloop;         /* loop threads (>= 1); participants: nloop + 1 */
	unsigned rounds;        /* rounds of each phase (>= 1) */
	enum counts_mode mode;
};

struct counts_result {
	/* Sums over every participant, at S0..S3 and before thread_free. */
	uint64_t snap[4][SYNC_COUNT_KINDS];
	uint64_t total[SYNC_COUNT_KINDS];
	/* Seen by the harness: polls that returned with the wake fd ready. */
	uint64_t sync_wakeups[4];
	/* Loop iterations of every participant (polls that returned, not stop). */
	uint64_t iterations[4];
	/* The derived figures (above); sync wakeups per update likewise. */
	double per_iter[SYNC_COUNT_KINDS];
	double per_update[SYNC_COUNT_KINDS];
	double barrier[SYNC_COUNT_KINDS];   /* defer mode: S3 - S2 */
	double wakeups_per_update;
	unsigned counted;                   /* ops->counted */
};

/*
 * One run. 0, or -1 with a one-line reason in err (domain refused, thread or
 * fd creation failed, a loop thread saw an unexpected wakeup). Blocking.
 */
int counts_run(const struct sync_ops *ops, const struct counts_config *c, struct counts_result *r,
	       char *err, size_t errlen);

/* What counts_saturated measured, means over the loop threads. */
struct counts_rate {
	double per_cpu_s;   /* loop iterations per second of the thread's own CPU time */
	double per_wall_s;  /* loop iterations per second of wall time */
	double cpu_share;   /* CPU time / wall time: how much of the window it ran */
	/*
	 * Over the chunks every loop thread ran at once (2 or more threads):
	 * their wall seconds, and iterations per second in them (0: none).
	 */
	double together_s, together_per_s;
};

/*
 * The saturated loop through the same threads: nloop loop threads whose own
 * eventfd stays readable, polling with timeout 0, each iteration one read
 * section and sync_loop_end, for about seconds; no updates (the updater
 * stays parked). Per CPU second is the loop's speed while it runs, which a
 * machine shared with other work does not dilute; cpu_share says how much
 * the threads ran; together_* is the speed while all of them ran at once,
 * the only time they contend for a shared line. 0, or -1 with err.
 */
int counts_saturated(const struct sync_ops *ops, unsigned nloop, double seconds, struct counts_rate *out,
		     char *err, size_t errlen);

#endif /* COUNTS_H */
