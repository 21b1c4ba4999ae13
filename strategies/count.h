/*
 * count.h - counts of what a strategy does that mean the same on any machine:
 * cache-line writes (to lines several threads write, and to a thread's own
 * line that others only read), the system calls it makes, the signals it
 * sends and the threads it scans. Unlike times, they do not depend on how
 * many CPUs ran the threads, so a 2-CPU machine can tell what a 64-core one
 * will pay: e.g. harmless_mask makes 2 contended writes per poll (set and
 * clear its bit in the shared mask), qsbr none (it writes its own counter).
 *
 * SYNC_COUNT(t, kind, n) adds n to thread t's counter. It compiles to
 * nothing unless SYNC_COUNTING is defined (Bazel: --config=count, or a test
 * target's copts), so the measured builds carry no bookkeeping. Counters are
 * plain: each is written only by its own thread and read after the run.
 */
#ifndef SYNC_COUNT_H
#define SYNC_COUNT_H

enum sync_count_kind {
	SYNC_COUNT_CONTENDED_WRITE = 0, /* store or RMW to a line several threads write */
	SYNC_COUNT_OWN_WRITE,           /* store to the thread's own line, read by others */
	SYNC_COUNT_FUTEX_WAIT,          /* futex(FUTEX_WAIT) calls */
	SYNC_COUNT_FUTEX_WAKE,          /* futex(FUTEX_WAKE) calls */
	SYNC_COUNT_EVENTFD_WRITE,       /* write() to an eventfd (a wakeup sent) */
	SYNC_COUNT_MEMBARRIER,          /* membarrier() calls */
	SYNC_COUNT_SIGNAL,              /* signals sent to other threads */
	SYNC_COUNT_SCANNED,             /* other threads' state read by a grace period or isolation */
	SYNC_COUNT_KINDS
};

/* Names in the SUMMARY line and the JSON: count_<name>. */
#define SYNC_COUNT_NAMES                                                                      \
	{ "contended_writes", "own_writes", "futex_waits", "futex_wakes", "eventfd_writes", \
	  "membarriers", "signals", "threads_scanned" }

#ifdef SYNC_COUNTING
#define SYNC_COUNT(t, kind, n) ((t)->counts[(kind)] += (uint64_t)(n))
#else
#define SYNC_COUNT(t, kind, n) ((void)(t), (void)0)
#endif

#endif /* SYNC_COUNT_H */
