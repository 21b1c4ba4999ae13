/*
 * urcu_qsbr.c - the poll loop through Debian's liburcu 0.13, QSBR flavor (the
 * real library, //system:urcu_qsbr): the reference our own qsbr.c is measured
 * against. Origin: Desnoyers et al., "User-Level Implementations of
 * Read-Copy Update" (IEEE TPDS 2012); liburcu 0.13.2.
 *
 * Mapping of the interface onto the library (all calls on the owning thread):
 *   thread_init   urcu_qsbr_register_thread()   registers, online
 *   thread_deinit urcu_qsbr_unregister_thread() offline, unregisters
 *   poll_enter    urcu_qsbr_thread_offline()    asleep: never waited for
 *   poll_leave    urcu_qsbr_thread_online()
 *   loop_iter     urcu_qsbr_quiescent_state()   end of every loop iteration
 *   read_begin/end  no-ops (urcu_qsbr_read_lock/unlock are empty)
 *   synchronize   urcu_qsbr_synchronize_rcu()   liburcu takes an online caller
 *                                               offline for the wait itself
 *   defer_free    urcu_qsbr_call_rcu()          run by liburcu's call_rcu thread
 *   barrier       urcu_qsbr_barrier()           (rcu_barrier), called offline
 * Built with _LGPL_SOURCE, as liburcu's own benchmarks are: the fast paths
 * (quiescent_state, online/offline) are inlined from the library's headers,
 * which is what a real user of the library gets.
 *
 * Deferred frees: the interface hands defer_free a bare pointer, while
 * call_rcu needs a struct rcu_head embedded in the object. Each defer_free
 * allocates a small node {rcu_head, p, fn} (one malloc per deferred object,
 * counted against this strategy; the simulator's objects stay unchanged for
 * every strategy). The callback runs fn(p) on the call_rcu thread, then frees
 * the node. Pending objects and their peak are counted by the strategy.
 *
 * liburcu's state is process-wide: one domain at a time per process (the
 * simulator and the tests create them one after the other).
 *
 * Waits: synchronize and barrier are bracketed (SYNC_WAIT_GRACE,
 * SYNC_WAIT_DEFER) for the watchdog; the library's internal waits are not
 * otherwise visible. Tests of this strategy are no_tsan: TSAN cannot see
 * liburcu's hand-written atomics and fences.
 *
 * Deliberate break (urcu_qsbr_broken_no_sync_test, must fail):
 * URCU_QSBR_BREAK_NO_SYNC returns from synchronize without a grace period.
 *
 * The code of the mapping is urcu_flavor.h, one for the five flavors: this
 * file gives the flavor, its switches and its deliberate break.
 */
#define _LGPL_SOURCE
#include <urcu/urcu-qsbr.h>

#define URCU_FLAVOR qsbr
#define URCU_FLAVOR_ORIGIN "liburcu 0.13 QSBR flavor (Debian liburcu-dev), Desnoyers et al. TPDS 2012"
#define URCU_FLAVOR_QSBR
#ifdef URCU_QSBR_BREAK_NO_SYNC
#define URCU_FLAVOR_BREAK_NO_WAIT /* broken on purpose: no grace period */
#endif

#include "strategies/urcu_flavor.h"
