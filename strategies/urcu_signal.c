/*
 * urcu_signal.c - the poll loop through Debian's liburcu 0.13, signal flavor
 * (//system:urcu_signal). Origin: Desnoyers et al., "User-Level
 * Implementations of Read-Copy Update" (IEEE TPDS 2012), section "signal-based
 * RCU": readers carry compiler barriers only, and the writer turns them into
 * full fences by making every registered thread run a signal handler that
 * executes one.
 *
 * Mapping of the interface onto the library (all calls on the owning thread):
 *   thread_init   urcu_signal_register_thread()
 *   thread_deinit urcu_signal_unregister_thread()
 *   read_begin    urcu_signal_read_lock()     TLS counter store, compiler barrier
 *   read_end      urcu_signal_read_unlock()
 *   poll hooks, loop_iter: none (outside a read section a thread is quiescent)
 *   synchronize   urcu_signal_synchronize_rcu()
 *   defer_free    urcu_signal_call_rcu()      run by liburcu's call_rcu thread
 *   barrier       urcu_signal_barrier()       (rcu_barrier)
 *
 * What a grace period costs the other threads (liburcu 0.13.2, src/urcu.c,
 * built with RCU_SIGNAL): every "master barrier" (smp_mb_master ->
 * force_mb_all_readers) sets need_mb in every registered thread's reader
 * record and sends it SIGRCU (SIGUSR1) with pthread_kill, the writer itself
 * and sleeping threads included, then waits for each handler to clear need_mb,
 * re-sending the signal and sleeping 1 ms while it has not (standard signals
 * do not queue: a re-send to a thread whose signal is still pending adds
 * nothing). synchronize_rcu runs two master barriers when no reader is late:
 *   1. before the first wait_for_readers (readers must see the new pointer
 *      before they see the parity flip),
 *   2. after the second one (the readers' last loads of the old version are
 *      ordered before the caller frees it),
 * plus two more per round (one before sleeping on the futex, one when the
 * round ends) once a late reader kept it waiting past 100 active attempts.
 * So each other registered thread takes at least 2 signals per grace period.
 * A thread sleeping in epoll_wait is woken by each one: epoll_wait is never
 * restarted after a signal handler (SA_RESTART does not apply to it) and
 * returns EINTR; the thread then loops and sleeps again. Towards sleepers this
 * flavor behaves like wake_all, with about twice the wakeups. The strategy
 * says so with SYNC_CAP_INTERRUPTS_SLEEPERS: the interruptions are not
 * wake_fd wakeups (no SYNC_CAP_WAKES_SLEEPERS), they arrive as EINTR, which a
 * harness must count as caused by the strategy. Other blocking calls of the
 * loop restart (liburcu installs the handler with SA_RESTART) or, like
 * clock_nanosleep, must retry on EINTR.
 *
 * Invariant (liburcu's): a reader that the master barrier found outside a
 * section, or in the current parity, cannot hold the old pointer, because the
 * handler's fence orders its counter store against its section's loads.
 *
 * Deliberate break (urcu_signal_broken_no_wait_test, must fail):
 * URCU_SIGNAL_BREAK_NO_WAIT returns from synchronize without a grace period.
 * (Unmarked read sections are not caught reliably here: a grace period's
 * signal round trips take milliseconds, far longer than a harness section,
 * so the old object is almost never still in use when it is freed.)
 *
 * Built with _LGPL_SOURCE (inlined read side). Deferred frees: one small node
 * per defer_free, counted by the strategy, as in urcu_memb.c. liburcu's state is
 * process-wide (one domain at a time per process), and so is its SIGUSR1
 * handler, installed by the library's constructor in every binary that links
 * this file. Tests are no_tsan (TSAN cannot see liburcu's atomics).
 *
 * The code of the mapping is urcu_flavor.h, one for the five flavors: this
 * file gives the flavor, its switches and its deliberate break.
 */
#define _LGPL_SOURCE
#include <urcu/urcu-signal.h>

#define URCU_FLAVOR signal
#define URCU_FLAVOR_ORIGIN \
	"liburcu 0.13 signal flavor (Debian liburcu-dev): SIGUSR1 to every registered thread, " \
	"sleepers included (EINTR), at least twice per grace period; Desnoyers et al. TPDS 2012"
#define URCU_FLAVOR_CAPS SYNC_CAP_INTERRUPTS_SLEEPERS
#ifdef URCU_SIGNAL_BREAK_NO_WAIT
#define URCU_FLAVOR_BREAK_NO_WAIT /* broken on purpose: no grace period */
#endif

#include "strategies/urcu_flavor.h"
