/*
 * urcu_bp.c - the poll loop through Debian's liburcu 0.13, bp ("bulletproof")
 * flavor (//system:urcu_bp). Origin: Desnoyers et al., "User-Level
 * Implementations of Read-Copy Update" (IEEE TPDS 2012); the flavor meant for
 * libraries that cannot control their callers' threads: a thread registers
 * itself lazily on its first read_lock and is unregistered when it exits.
 *
 * Mapping of the interface onto the library (all calls on the owning thread):
 *   thread_init   urcu_bp_register_thread()  forces the registration the first
 *                 read_lock would do, so that its cost (a slot from a shared,
 *                 mmap'd arena, under a lock) is not measured as a read
 *   thread_deinit nothing: urcu_bp_unregister_thread() is a no-op; the slot is
 *                 returned by a thread-exit destructor
 *   read_begin    urcu_bp_read_lock()     registration check + TLS counter store
 *                 + a compiler barrier (a full fence without membarrier)
 *   read_end      urcu_bp_read_unlock()
 *   poll hooks, loop_iter: none (outside a read section a thread is quiescent)
 *   synchronize   urcu_bp_synchronize_rcu()  membarrier(PRIVATE_EXPEDITED)
 *                 orders the readers, as in urcu_memb; it blocks every
 *                 signal while it holds the registry lock (a reader may
 *                 register from a signal handler)
 *   defer_free    urcu_bp_call_rcu()          run by liburcu's call_rcu thread
 *   barrier       urcu_bp_barrier()           (rcu_barrier)
 *
 * Invariant: the memb flavor's (see urcu_memb.c): the readers' compiler
 * barriers become full fences because the writer's membarrier() interrupts
 * every CPU running one of this process's threads at that moment; a sleeping
 * thread runs on no CPU and is not interrupted, and it is outside any read
 * section. Without membarrier liburcu falls back to full fences on the read
 * side (urcu_bp_has_sys_membarrier == 0): summary() says which ("membarrier
 * private_expedited" or "membarrier fence_fallback") and the fallback is
 * announced once on stderr.
 *
 * Deliberate break (urcu_bp_broken_no_read_lock_test, must fail):
 * URCU_BP_BREAK_NO_READ_LOCK leaves read sections unmarked.
 *
 * Built with _LGPL_SOURCE (inlined read side). Deferred frees: one small node
 * per defer_free, counted by the strategy, as in urcu_memb.c. liburcu's state is
 * process-wide: one domain at a time per process. Tests are no_tsan.
 *
 * The code of the mapping is urcu_flavor.h, one for the five flavors: this
 * file gives the flavor, its switches and its deliberate break.
 */
#define _LGPL_SOURCE
#include <urcu/urcu-bp.h>

#define URCU_FLAVOR bp
#define URCU_FLAVOR_ORIGIN \
	"liburcu 0.13 bp flavor (Debian liburcu-dev): lazily registered readers, membarrier(2), " \
	"Desnoyers et al. TPDS 2012"
#define URCU_FLAVOR_LAZY_REGISTRATION
#define URCU_FLAVOR_MEMBARRIER
#ifdef URCU_BP_BREAK_NO_READ_LOCK
#define URCU_FLAVOR_BREAK_NO_READ_LOCK /* broken on purpose: sections are not announced */
#endif

/*
 * bp decides in its constructor: private expedited membarrier when the
 * kernel registers the process for it, else fences on the read side (it has
 * no MEMBARRIER_CMD_SHARED mode).
 */
static const char *urcu_flavor_membarrier_mode(void)
{
	return urcu_bp_has_sys_membarrier ? "private_expedited" : "fence_fallback";
}

#include "strategies/urcu_flavor.h"
