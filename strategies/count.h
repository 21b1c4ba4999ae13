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

/*
 * What one unit of each kind is. Only the strategy's own protocol counts: the
 * suite's statistics counters (wake_writes, reclaim stats) and the watchdog's
 * fields (wait_kind, doing) are bookkeeping a real server would not carry.
 *
 *  CONTENDED_WRITE  one atomic store or read-modify-write instruction executed
 *                   on a cache line that more than one thread writes (the
 *                   harmless and want_rdv masks, wake_all's barrier words and
 *                   counters, tgroups' rdv/iso, qsbr's gp, ebr's epoch, a lock
 *                   word). A CAS counts whether it succeeds or not: a failed
 *                   one also takes the line exclusive. A pthread lock or
 *                   unlock counts one (the RMW it makes when uncontended; its
 *                   retries and futex calls happen inside glibc, uncounted).
 *  OWN_WRITE        one store to a line that only its owner writes and other
 *                   threads read (qsbr's ctr, ebr's active/epoch slot,
 *                   harmless_membarrier's flag). A store skipped because the
 *                   value is already there counts nothing.
 *  FUTEX_WAIT/WAKE  one futex(2) call made by the strategy itself.
 *  EVENTFD_WRITE    one write(2) to an eventfd: a wakeup sent.
 *  MEMBARRIER       one membarrier(2) call (it interrupts every CPU running a
 *                   thread of the process).
 *  SIGNAL           one signal sent, per target thread.
 *  SCANNED          one per line a grace-period, isolation or barrier scan
 *                   reads: a per-thread state line (slot, flag), or a shared
 *                   word that holds many threads' state (a mask counts 1).
 *                   A wait that re-reads the lines until they change counts
 *                   them once; a scan the algorithm runs again counts again
 *                   (tgroups' re-verification, each of ebr's epoch advances,
 *                   each of qsbr's non-blocking checks). A non-blocking walk
 *                   that may stop early is counted whole: exact when it
 *                   passes, an upper bound when it stops.
 * Counts over sleeping threads are exact; spin retries under contention are
 * timing-dependent, so exact assertions belong to the quiet cases.
 */
enum sync_count_kind {
	SYNC_COUNT_CONTENDED_WRITE = 0, /* store or RMW to a line several threads write */
	SYNC_COUNT_OWN_WRITE,           /* store to the thread's own line, read by others */
	SYNC_COUNT_FUTEX_WAIT,          /* futex(FUTEX_WAIT) calls */
	SYNC_COUNT_FUTEX_WAKE,          /* futex(FUTEX_WAKE) calls */
	SYNC_COUNT_EVENTFD_WRITE,       /* write() to an eventfd (a wakeup sent) */
	SYNC_COUNT_MEMBARRIER,          /* membarrier() calls */
	SYNC_COUNT_SIGNAL,              /* signals sent to other threads */
	SYNC_COUNT_SCANNED,             /* other threads' state lines read by a scan pass */
	SYNC_COUNT_KINDS
};

/*
 * Instrumenting a strategy: one SYNC_COUNT line just before each operation
 * counted, never inside the operation's own statement (a condition the
 * operation depends on goes into n: SYNC_COUNT(t, kind, old == 0) before
 * "if (old == 0) write(...)"), and its table names the kinds it covers in
 * .counted. What a library does inside its calls stays out: n/a.
 *
 * sync_ops.counted: the kinds a strategy's SYNC_COUNT lines cover, so that a
 * report prints n/a, never 0, for what it could not see (what happens inside
 * liburcu or Concurrency Kit). A strategy that leaves it 0 counts nothing.
 */
#define SYNC_COUNTED(kind) (1u << (kind))
#define SYNC_COUNTED_ALL ((1u << SYNC_COUNT_KINDS) - 1)

/* Names in the SUMMARY line and the JSON: count_<name>. */
#define SYNC_COUNT_NAMES                                                                      \
	{ "contended_writes", "own_writes", "futex_waits", "futex_wakes", "eventfd_writes", \
	  "membarriers", "signals", "threads_scanned" }

struct sync_thread;

/*
 * SYNC_COUNT_SELF(kind, n) counts for the calling thread, in helpers that are
 * handed a slot or a domain but not the thread: sync_thread_attach (called by
 * thread_alloc, on the thread itself) binds the thread, sync_thread_detach
 * unbinds it. A thread with none bound (a library's worker) counts nothing.
 * n is evaluated only when counting is compiled in, so it may be a test
 * ("1 when the CAS below runs") that costs nothing otherwise.
 */
#ifdef SYNC_COUNTING
extern _Thread_local struct sync_thread *sync_count_self;
#define SYNC_COUNT(t, kind, n) ((t)->counts[(kind)] += (uint64_t)(n))
#define SYNC_COUNT_SELF(kind, n) \
	(sync_count_self ? (void)(sync_count_self->counts[(kind)] += (uint64_t)(n)) : (void)0)
#else
#define SYNC_COUNT(t, kind, n) ((void)(t), (void)0)
#define SYNC_COUNT_SELF(kind, n) ((void)0)
#endif

#endif /* SYNC_COUNT_H */
