/*
 * plan_main.c - //bench/placement:plan: prints where each thread of a point
 * would run, and the thread counts the comparison would measure, on this
 * machine or on a synthetic one (so a user can check a placement for a
 * machine before they have it).
 *
 *   plan [--topology="pack:2 numa:2 core:16 pu:2"] [--placement=scatter] [--threads=N]
 */
#include "bench/flags.h"
#include "bench/placement/placement.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const modes[] = { "none", "compact", "scatter", NULL };

static void usage(FILE *o)
{
	fprintf(o, "Usage: plan [--topology=SYNTHETIC] [--placement=compact|scatter] [--threads=N]\n"
		   "  --topology   hwloc synthetic description, e.g. \"pack:2 numa:2 core:16 pu:2\"\n"
		   "               (default: this machine)\n"
		   "  --placement  compact (default) or scatter\n"
		   "  --threads    threads to place, 1..4096 (default: the largest default thread count)\n");
}

int main(int argc, char **argv)
{
	const char *synthetic = NULL;
	int mode = PLACEMENT_COMPACT;
	unsigned threads = 0, counts[64], nc;
	char err[256];
	hwloc_topology_t topo;
	int *cpus;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strncmp(a, "--topology=", 11)) {
			synthetic = a + 11;
			if (!*synthetic)
				flags_die("plan", "--topology", "", "an hwloc synthetic description");
		} else if (!strncmp(a, "--placement=", 12)) {
			if (flags_parse_choice(a + 12, modes, &mode) || mode == PLACEMENT_NONE)
				flags_die("plan", "--placement", a + 12, "compact|scatter");
		} else if (!strncmp(a, "--threads=", 10)) {
			if (flags_parse_unsigned(a + 10, 1, 4096, &threads))
				flags_die("plan", "--threads", a + 10, "an integer in 1..4096");
		} else if (!strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else {
			flags_die_usage("plan", "unknown argument '%s' (see --help)", a);
		}
	}
	if (placement_topology_load(synthetic, &topo, err, sizeof(err))) {
		fprintf(stderr, "plan: --topology: %s\n", err);
		return 2;
	}
	nc = placement_thread_counts(topo, counts, 64);
	if (!threads)
		threads = counts[nc - 1];
	cpus = calloc(threads, sizeof(*cpus));
	if (!cpus || placement_plan(topo, (enum placement_mode)mode, threads, cpus, err, sizeof(err))) {
		fprintf(stderr, "plan: %s\n", cpus ? err : "out of memory");
		return 1;
	}
	printf("# topology: %s: %u packages, %u cores, %d PUs\n", synthetic ? synthetic : "this machine",
	       placement_packages(topo), placement_cores(topo), hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU));
	printf("# default thread counts:");
	for (unsigned i = 0; i < nc; i++)
		printf(" %u", counts[i]);
	printf("\n# placement %s, %u threads: thread cpu package core\n",
	       placement_mode_name((enum placement_mode)mode), threads);
	for (unsigned i = 0; i < threads; i++) {
		hwloc_obj_t pu = hwloc_get_pu_obj_by_os_index(topo, (unsigned)cpus[i]);
		hwloc_obj_t pk = pu ? hwloc_get_ancestor_obj_by_type(topo, HWLOC_OBJ_PACKAGE, pu) : NULL;
		hwloc_obj_t co = pu ? hwloc_get_ancestor_obj_by_type(topo, HWLOC_OBJ_CORE, pu) : NULL;

		printf("%u %d %d %d\n", i, cpus[i], pk ? (int)pk->logical_index : -1,
		       co ? (int)co->logical_index : -1);
	}
	free(cpus);
	hwloc_topology_destroy(topo);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "plan: writing the plan failed\n");
		return 1;
	}
	return 0;
}
