/*
 * placement.c - which CPU each participant is bound to (--placement, hwloc):
 * compact fills in logical order (hyperthread siblings, then cores, then
 * packages), scatter spreads as far apart as the topology allows.
 */
#include "bench/sim/sim_internal.h"

#include <hwloc.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int sim_placement_compute(struct sim *s, char *desc, size_t desclen, char *err, size_t errlen)
{
	enum pollsim_placement pl = s->cfg->placement;
	hwloc_topology_t topo;
	int npu, rc = -1;
	size_t used;

	for (unsigned i = 0; i < s->P; i++)
		s->cpus[i] = -1;
	if (pl == POLLSIM_PLACE_NONE) {
		snprintf(desc, desclen, "none");
		return 0;
	}
	if (hwloc_topology_init(&topo)) {
		snprintf(err, errlen, "--placement: hwloc_topology_init failed");
		return -1;
	}
	if (hwloc_topology_load(topo)) {
		snprintf(err, errlen, "--placement: hwloc_topology_load failed");
		goto out;
	}
	npu = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);
	if (npu <= 0) {
		snprintf(err, errlen, "--placement: hwloc found no processing units");
		goto out;
	}
	if (pl == POLLSIM_PLACE_COMPACT) {
		/* logical order: hyperthread siblings, then cores, then packages */
		for (unsigned i = 0; i < s->P; i++) {
			hwloc_obj_t o = hwloc_get_obj_by_type(topo, HWLOC_OBJ_PU, i % (unsigned)npu);

			s->cpus[i] = (int)o->os_index;
		}
	} else {
		unsigned n = s->P < (unsigned)npu ? s->P : (unsigned)npu;
		hwloc_bitmap_t *sets = calloc(n, sizeof(*sets));
		hwloc_obj_t root = hwloc_get_root_obj(topo);

		if (!sets) {
			snprintf(err, errlen, "--placement: out of memory");
			goto out;
		}
		/*
		 * As far apart as the topology allows: packages, then cores.
		 * hwloc_distrib allocates the n sets itself (freed below).
		 */
		if (hwloc_distrib(topo, &root, 1, sets, n, INT_MAX, 0)) {
			free(sets);
			snprintf(err, errlen, "--placement: hwloc_distrib failed");
			goto out;
		}
		for (unsigned i = 0; i < s->P; i++) {
			hwloc_bitmap_singlify(sets[i % n]);
			s->cpus[i] = hwloc_bitmap_first(sets[i % n]);
		}
		for (unsigned i = 0; i < n; i++)
			hwloc_bitmap_free(sets[i]);
		free(sets);
	}
	used = (size_t)snprintf(desc, desclen, "%s:", pollsim_placement_names[pl]);
	for (unsigned i = 0; i < s->P && used < desclen; i++)
		used += (size_t)snprintf(desc + used, desclen - used, "%s%d", i ? "," : "", s->cpus[i]);
	if (used >= desclen && desclen > 4)
		strcpy(desc + desclen - 4, "...");
	rc = 0;
out:
	hwloc_topology_destroy(topo);
	return rc;
}

unsigned sim_usable_cpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		return (unsigned)CPU_COUNT(&set);
	return (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
}
