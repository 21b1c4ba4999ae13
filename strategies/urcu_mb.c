/*
 * urcu_mb.c - the poll loop through Debian's liburcu 0.13, mb flavor
 * (//system:urcu_mb). Origin: Desnoyers et al., "User-Level Implementations
 * of Read-Copy Update" (IEEE TPDS 2012), section "general-purpose RCU": the
 * flavor that needs neither signals nor membarrier, because every read-side
 * entry and exit carries a full memory barrier.
 *
 * Mapping of the interface onto the library (all calls on the owning thread):
 *   thread_init   urcu_mb_register_thread()
 *   thread_deinit urcu_mb_unregister_thread()
 *   read_begin    urcu_mb_read_lock()     TLS counter store + cmm_smp_mb()
 *   read_end      urcu_mb_read_unlock()   cmm_smp_mb() + TLS counter store
 *   poll hooks, loop_iter: none (outside a read section a thread is quiescent)
 *   synchronize   urcu_mb_synchronize_rcu()  two-phase parity flip, the
 *                 writer's own fences pair with the readers' fences
 *   defer_free    urcu_mb_call_rcu()          run by liburcu's call_rcu thread
 *   barrier       urcu_mb_barrier()           (rcu_barrier)
 *
 * Invariant (liburcu's, restated): a reader's counter snapshot is ordered
 * before its section's loads by the fence in read_lock, and its section's
 * loads before the counter reset by the fence in read_unlock; the writer
 * fences before and after each parity flip. So a grace period that sees a
 * reader inactive or in the new parity knows that reader cannot hold the old
 * pointer. The read side pays two full fences per section; the update side
 * sends nothing to anybody: sleeping threads are never disturbed.
 *
 * Deliberate break (urcu_mb_broken_no_read_lock_test, must fail):
 * URCU_MB_BREAK_NO_READ_LOCK leaves read sections unmarked, so grace periods
 * end under open sections.
 *
 * Built with _LGPL_SOURCE: read_lock/read_unlock are inlined from the
 * library's headers. Deferred frees: one small node {rcu_head, p, fn} per
 * defer_free, counted by the strategy, as in urcu_memb.c. liburcu's state is
 * process-wide: one domain at a time per process. Tests are no_tsan (TSAN
 * cannot see liburcu's atomics).
 *
 * The code of the mapping is urcu_flavor.h, one for the five flavors: this
 * file gives the flavor, its switches and its deliberate break.
 */
#define _LGPL_SOURCE
#include <urcu/urcu-mb.h>

#define URCU_FLAVOR mb
#define URCU_FLAVOR_ORIGIN \
	"liburcu 0.13 mb flavor (Debian liburcu-dev): full fences on the read side, Desnoyers et al. TPDS 2012"
#ifdef URCU_MB_BREAK_NO_READ_LOCK
#define URCU_FLAVOR_BREAK_NO_READ_LOCK /* broken on purpose: sections are not announced */
#endif

#include "strategies/urcu_flavor.h"
