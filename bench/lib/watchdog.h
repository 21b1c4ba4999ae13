/*
 * watchdog.h - ends a stuck run instead of letting it hang.
 *
 * A thread of its own scans the threads it was told to watch. When one has
 * waited (sync_wait_begin .. sync_wait_end, bracketed by the strategy) longer
 * than the bound, or the run's stop overruns the deadline set by
 * watchdog_stop_by(), it prints on stderr which threads hold the run up
 * (running, neither waiting nor polling: longest first), what every thread is
 * doing and since when, then the strategy's dump(), and exits the process with
 * status 3: a stuck thread cannot be recovered.
 *
 * Contract: watchdog_watch(tid, t) once t is initialized, watchdog_unwatch(tid)
 * before t is freed; both take the watchdog's lock, which the scan holds, so
 * the scan never reads freed memory. What each thread is doing comes from
 * sync_set_doing(), which the harness calls on that thread.
 */
#ifndef WATCHDOG_H
#define WATCHDOG_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "strategies/sync.h"

struct watchdog;

struct watchdog_config {
	const char *prog;                 /* starts every line: "<prog>: watchdog: ..." */
	double bound_s;                   /* longest wait allowed, > 0 */
	unsigned nthreads;                /* tids 0..nthreads-1 */
	struct sync_domain *dom;          /* its ops->dump() closes the report */
	/* The thread's role for the report ("idle, updater"); NULL: none. */
	void (*label)(void *arg, unsigned tid, char *buf, size_t len);
	void *arg;
};

/* Starts the scanning thread. 0, or -1 with a one-line reason in err. */
int watchdog_start(struct watchdog **out, const struct watchdog_config *cfg, char *err, size_t errlen);

/* t (thread tid) may be read by the scan from now on / no longer. */
void watchdog_watch(struct watchdog *w, unsigned tid, struct sync_thread *t);
void watchdog_unwatch(struct watchdog *w, unsigned tid);

/*
 * The run must have stopped by deadline_ns (sync_now_ns() time); bound_ns is
 * how long the stop was given and how_s says how that bound was computed, for
 * the report. Called once, when the run ends.
 */
void watchdog_stop_by(struct watchdog *w, uint64_t deadline_ns, uint64_t bound_ns, const char *how);

/* Stops the scanning thread and frees w (NULL: nothing). */
void watchdog_stop(struct watchdog *w);

/*
 * The watchdog thread's CPU-time clock, so that a caller measuring the whole
 * process can leave the harness's own thread out. 0, or -1.
 */
int watchdog_cpu_clock(struct watchdog *w, clockid_t *cid);

/*
 * What thread t is doing now, for the report; called by t itself. Relaxed:
 * only the watchdog reads these, to describe a stuck run; since is written
 * only when the activity changes, so a tight loop costs one load per call.
 */
static inline void sync_set_doing(struct sync_thread *t, enum sync_doing d)
{
	if (atomic_load_explicit(&t->doing, memory_order_relaxed) != (int)d) {
		atomic_store_explicit(&t->doing_since_ns, sync_now_ns(), memory_order_relaxed);
		atomic_store_explicit(&t->doing, d, memory_order_relaxed);
	}
}

#endif /* WATCHDOG_H */
