/*
 * placement.c - thread placement from an hwloc topology (see placement.h).
 *
 * compact: processing units in hwloc's logical order, which walks hardware
 * threads of a core first, then the cores of a package, then packages: the
 * threads of a point share caches as much as they can.
 * scatter: hwloc_distrib over the whole machine, which splits the threads
 * between packages, then NUMA nodes, then cores, before it puts two on
 * sibling hardware threads: the threads of a point share as little as they
 * can, and every cache-line transfer crosses the farthest link first.
 *
 * Deliberate break for the tests: PLACEMENT_BREAK_SCATTER makes scatter
 * place as compact does (placement_test must fail).
 */
#include "bench/placement/placement.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

const char *placement_mode_name(enum placement_mode m)
{
	switch (m) {
	case PLACEMENT_NONE:
		return "none";
	case PLACEMENT_COMPACT:
		return "compact";
	case PLACEMENT_SCATTER:
		return "scatter";
	}
	return "?";
}

int placement_topology_load(const char *synthetic, hwloc_topology_t *out, char *err, size_t errlen)
{
	hwloc_topology_t topo;

	if (hwloc_topology_init(&topo)) {
		snprintf(err, errlen, "hwloc_topology_init failed");
		return -1;
	}
	if (synthetic && hwloc_topology_set_synthetic(topo, synthetic)) {
		snprintf(err, errlen, "hwloc refused the synthetic topology '%s' (e.g. \"pack:2 core:8 pu:2\")",
			 synthetic);
		hwloc_topology_destroy(topo);
		return -1;
	}
	if (hwloc_topology_load(topo)) {
		snprintf(err, errlen, "hwloc_topology_load failed");
		hwloc_topology_destroy(topo);
		return -1;
	}
	if (hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU) <= 0) {
		snprintf(err, errlen, "hwloc found no processing units");
		hwloc_topology_destroy(topo);
		return -1;
	}
	*out = topo;
	return 0;
}

static void plan_compact(hwloc_topology_t topo, unsigned npu, unsigned n, int *cpus)
{
	for (unsigned i = 0; i < n; i++)
		cpus[i] = (int)hwloc_get_obj_by_type(topo, HWLOC_OBJ_PU, i % npu)->os_index;
}

static int plan_scatter(hwloc_topology_t topo, unsigned npu, unsigned n, int *cpus, char *err,
			size_t errlen)
{
	unsigned k = n < npu ? n : npu;
	hwloc_bitmap_t *sets = calloc(k, sizeof(*sets));
	hwloc_obj_t root = hwloc_get_root_obj(topo);

	if (!sets) {
		snprintf(err, errlen, "out of memory for %u placement sets", k);
		return -1;
	}
	/* hwloc_distrib allocates the k sets itself; each is then one PU. */
	if (hwloc_distrib(topo, &root, 1, sets, k, INT_MAX, 0)) {
		free(sets);
		snprintf(err, errlen, "hwloc_distrib failed for %u threads", k);
		return -1;
	}
	for (unsigned i = 0; i < n; i++) {
		hwloc_bitmap_singlify(sets[i % k]);
		cpus[i] = hwloc_bitmap_first(sets[i % k]);
	}
	for (unsigned i = 0; i < k; i++)
		hwloc_bitmap_free(sets[i]);
	free(sets);
	return 0;
}

int placement_plan(hwloc_topology_t topo, enum placement_mode mode, unsigned n, int *cpus,
		   char *err, size_t errlen)
{
	unsigned npu = (unsigned)hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);

	switch (mode) {
	case PLACEMENT_NONE:
		for (unsigned i = 0; i < n; i++)
			cpus[i] = -1;
		return 0;
	case PLACEMENT_COMPACT:
		plan_compact(topo, npu, n, cpus);
		return 0;
	case PLACEMENT_SCATTER:
#ifdef PLACEMENT_BREAK_SCATTER
		(void)plan_scatter;
		plan_compact(topo, npu, n, cpus);
		return 0;
#else
		return plan_scatter(topo, npu, n, cpus, err, errlen);
#endif
	}
	snprintf(err, errlen, "unknown placement mode %d (none, compact or scatter)", (int)mode);
	return -1;
}

unsigned placement_cores(hwloc_topology_t topo)
{
	int c = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);

	if (c <= 0)
		c = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);
	return c > 0 ? (unsigned)c : 1;
}

unsigned placement_packages(hwloc_topology_t topo)
{
	int p = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PACKAGE);

	return p > 0 ? (unsigned)p : 1;
}

static int cmp_unsigned(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? -1 : x > y;
}

unsigned placement_thread_counts(hwloc_topology_t topo, unsigned *out, unsigned max)
{
	unsigned cores = placement_cores(topo), pkgs = placement_packages(topo);
	unsigned cand[40], nc = 0, n = 0;

	for (unsigned p = 1; p <= cores && nc < 32; p *= 2)
		cand[nc++] = p;
	cand[nc++] = cores;
	if (pkgs > 1)
		cand[nc++] = cores / pkgs;
	cand[nc++] = 2 * cores;
	qsort(cand, nc, sizeof(cand[0]), cmp_unsigned);
	for (unsigned i = 0; i < nc && n < max; i++)
		if (cand[i] && (n == 0 || out[n - 1] != cand[i]))
			out[n++] = cand[i];
	return n;
}
