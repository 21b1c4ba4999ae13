/*
 * urcu_memb.c - the poll loop through Debian's liburcu 0.13, memb flavor (the
 * library's default flavor, //system:urcu_memb). Origin: Desnoyers et al.,
 * "User-Level Implementations of Read-Copy Update" (IEEE TPDS 2012), with the
 * membarrier system call (Linux 4.3; private expedited mode, Linux 4.14).
 *
 * Mapping of the interface onto the library (all calls on the owning thread):
 *   thread_init   urcu_memb_register_thread()
 *   thread_deinit urcu_memb_unregister_thread()
 *   read_begin    urcu_memb_read_lock()     a TLS counter store, compiler barrier only
 *   read_end      urcu_memb_read_unlock()
 *   poll hooks, loop_iter: no-ops (outside a read section a thread is quiescent)
 *   synchronize   urcu_memb_synchronize_rcu()  membarrier() orders the readers
 *   defer_free    urcu_memb_call_rcu()         run by liburcu's call_rcu thread
 *   barrier       urcu_memb_barrier()          (rcu_barrier)
 * Built with _LGPL_SOURCE (as liburcu's own benchmarks are): read_lock and
 * read_unlock are inlined from the library's headers.
 *
 * Which membarrier mode? liburcu decides once, at init: if the kernel offers
 * MEMBARRIER_CMD_PRIVATE_EXPEDITED it registers the process for it and uses
 * it (interrupts only CPUs running this process's threads); else if it offers
 * MEMBARRIER_CMD_SHARED (= GLOBAL) it uses that (waits for every CPU of the
 * machine to schedule: milliseconds); else it falls back to full fences on
 * the read side. 0.13 exports only urcu_memb_has_sys_membarrier (1 in both
 * membarrier cases), so domain_create tells them apart itself:
 * has_sys_membarrier, the kernel's MEMBARRIER_CMD_QUERY mask, and a
 * MEMBARRIER_CMD_PRIVATE_EXPEDITED call (which fails with EPERM unless the
 * process registered). summary() says "membarrier private_expedited",
 * "membarrier shared_fallback" or "membarrier fence_fallback"; the two
 * fallbacks are also announced once on stderr, never measured silently.
 *
 * Deferred frees: as in urcu_qsbr.c, one small node {rcu_head, p, fn} per
 * defer_free (the interface gives a bare pointer); pending objects and their
 * peak are counted by the strategy. liburcu's state is process-wide: one domain at a
 * time per process. Tests are no_tsan (TSAN cannot see liburcu's atomics).
 *
 * The code of the mapping is urcu_flavor.h, one for the five flavors: this
 * file gives the flavor, its switches and its deliberate break.
 */
#define _LGPL_SOURCE
#include <urcu/urcu-memb.h>

#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

#define URCU_FLAVOR memb
#define URCU_FLAVOR_ORIGIN \
	"liburcu 0.13 memb flavor (Debian liburcu-dev), membarrier(2), Desnoyers et al. TPDS 2012"
#define URCU_FLAVOR_MEMBARRIER
#ifdef URCU_MEMB_BREAK_NO_SECTION
#define URCU_FLAVOR_BREAK_NO_READ_LOCK /* broken on purpose: sections are not announced */
#endif

/* Which mode liburcu chose at init (see the note above). */
static const char *urcu_flavor_membarrier_mode(void)
{
	long mask;

	urcu_memb_init(); /* idempotent; the library's constructor already ran it */
	if (!urcu_memb_has_sys_membarrier)
		return "fence_fallback";
	mask = syscall(__NR_membarrier, MEMBARRIER_CMD_QUERY, 0);
	if (mask >= 0 && (mask & MEMBARRIER_CMD_PRIVATE_EXPEDITED) &&
	    syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0) == 0)
		return "private_expedited";
	return "shared_fallback";
}

#include "strategies/urcu_flavor.h"
