/*
 * placement.c - which CPU each participant is bound to (--placement): the
 * plan of the suite's one placement library (bench/placement: compact fills
 * hardware threads of a core, then cores, then packages; scatter spreads as
 * far apart as the topology allows), and its description for SUMMARY.
 */
#include "bench/sim/sim_internal.h"

#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bench/placement/placement.h"

int sim_placement_compute(struct sim *s, char *desc, size_t desclen, char *err, size_t errlen)
{
	enum pollsim_placement pl = s->cfg->placement;
	hwloc_topology_t topo;
	char perr[256];
	size_t used;
	int rc;

	for (unsigned i = 0; i < s->P; i++)
		s->cpus[i] = -1;
	if (pl == POLLSIM_PLACE_NONE) {
		snprintf(desc, desclen, "none");
		return 0;
	}
	if (placement_topology_load(NULL, &topo, perr, sizeof(perr))) {
		snprintf(err, errlen, "--placement: %s", perr);
		return -1;
	}
	rc = placement_plan(topo, pl == POLLSIM_PLACE_COMPACT ? PLACEMENT_COMPACT : PLACEMENT_SCATTER, s->P,
			    s->cpus, perr, sizeof(perr));
	hwloc_topology_destroy(topo);
	if (rc) {
		snprintf(err, errlen, "--placement: %s", perr);
		return -1;
	}
	used = (size_t)snprintf(desc, desclen, "%s:", pollsim_placement_names[pl]);
	for (unsigned i = 0; i < s->P && used < desclen; i++)
		used += (size_t)snprintf(desc + used, desclen - used, "%s%d", i ? "," : "", s->cpus[i]);
	if (used >= desclen && desclen > 4)
		strcpy(desc + desclen - 4, "...");
	return 0;
}

unsigned sim_usable_cpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		return (unsigned)CPU_COUNT(&set);
	return (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
}
