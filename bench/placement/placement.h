/*
 * placement.h - which CPU each participant thread runs on, and which thread
 * counts a machine's topology makes worth measuring, from an hwloc topology:
 * this machine's, or a synthetic one (e.g. "pack:2 numa:2 core:16 pu:2")
 * so that placement can be proven for machines we do not have.
 */
#ifndef BENCH_PLACEMENT_H
#define BENCH_PLACEMENT_H

#include <hwloc.h>
#include <stddef.h>

enum placement_mode {
	PLACEMENT_NONE = 0, /* the scheduler decides: no binding */
	PLACEMENT_COMPACT,  /* fill hardware threads of a core, then cores, then packages */
	PLACEMENT_SCATTER,  /* as far apart as possible: packages, NUMA nodes, cores, then siblings */
};

/* "none", "compact", "scatter". */
const char *placement_mode_name(enum placement_mode m);

/*
 * Loads this machine's topology (synthetic == NULL) or the synthetic one
 * described by hwloc's synthetic syntax. 0, or -1 with a one-line reason.
 */
int placement_topology_load(const char *synthetic, hwloc_topology_t *out, char *err, size_t errlen);

/*
 * cpus[i] = the OS index of the processing unit thread i is bound to, for
 * i < n (threads beyond the machine's PUs wrap around, as oversubscribed
 * threads share); -1 for every thread under PLACEMENT_NONE. 0, or -1 with a
 * one-line reason.
 */
int placement_plan(hwloc_topology_t topo, enum placement_mode mode, unsigned n, int *cpus,
		   char *err, size_t errlen);

/*
 * The thread counts worth measuring on this topology, ascending and without
 * repeats: powers of two up to the core count, the core count itself, the
 * cores of one package (where a point crosses to a second package) and
 * twice the core count (every core oversubscribed two to one). Writes at
 * most max entries; returns how many it wrote.
 */
unsigned placement_thread_counts(hwloc_topology_t topo, unsigned *out, unsigned max);

/* Cores (PUs when hwloc reports no cores) and packages (at least 1). */
unsigned placement_cores(hwloc_topology_t topo);
unsigned placement_packages(hwloc_topology_t topo);

#endif /* BENCH_PLACEMENT_H */
