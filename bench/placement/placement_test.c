/*
 * placement_test.c - compact and scatter on hwloc synthetic topologies of
 * machines this project does not have, asserting the CPU each thread gets:
 *  - compact fills the hardware threads of a core, then the cores of a
 *    package, then the next package, and wraps when oversubscribed;
 *  - scatter spreads a point's n threads over packages, then NUMA nodes,
 *    then cores, never two on one core while a core is free, every PU once
 *    before any twice;
 *  - the default thread counts follow the topology (powers of two up to the
 *    cores, the cores, one package's cores, twice the cores).
 * Built with -DPLACEMENT_BREAK_SCATTER -DEXPECT_BROKEN it must fail
 * (placement_test_catches_scatter).
 */
#include "bench/lib/check.h"
#include "bench/placement/placement.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The ancestor of type `type` of the PU with OS index cpu (NULL: none). */
static hwloc_obj_t ancestor(hwloc_topology_t topo, int cpu, hwloc_obj_type_t type)
{
	hwloc_obj_t pu = hwloc_get_pu_obj_by_os_index(topo, (unsigned)cpu);

	return pu ? hwloc_get_ancestor_obj_by_type(topo, type, pu) : NULL;
}

/* The NUMA node whose cpuset holds cpu (hwloc 2: NUMA nodes are memory children). */
static int numa_of(hwloc_topology_t topo, int cpu)
{
	int n = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_NUMANODE);

	for (int i = 0; i < n; i++)
		if (hwloc_bitmap_isset(hwloc_get_obj_by_type(topo, HWLOC_OBJ_NUMANODE, (unsigned)i)->cpuset,
				       (unsigned)cpu))
			return i;
	return -1;
}

static int *plan(hwloc_topology_t topo, enum placement_mode m, unsigned n)
{
	char err[200];
	int *cpus = calloc(n, sizeof(*cpus));

	if (!cpus || placement_plan(topo, m, n, cpus, err, sizeof(err))) {
		fprintf(stderr, "placement_plan(%s, %u): %s\n", placement_mode_name(m), n, cpus ? err : "oom");
		exit(1);
	}
	return cpus;
}

/* No two of the first n threads share an object of `type`. */
static int distinct(hwloc_topology_t topo, const int *cpus, unsigned n, hwloc_obj_type_t type)
{
	for (unsigned i = 0; i < n; i++)
		for (unsigned j = 0; j < i; j++)
			if (type == HWLOC_OBJ_PU ? cpus[i] == cpus[j]
						 : ancestor(topo, cpus[i], type) == ancestor(topo, cpus[j], type))
				return 0;
	return 1;
}

static void expect_counts(hwloc_topology_t topo, const char *desc, const unsigned *want, unsigned nwant)
{
	unsigned got[64];
	unsigned n = placement_thread_counts(topo, got, 64);
	int same = n == nwant;

	for (unsigned i = 0; same && i < n; i++)
		same = got[i] == want[i];
	CHECK(same, "%s: default thread counts differ (got %u entries, first %u, last %u)", desc, n,
	      n ? got[0] : 0, n ? got[n - 1] : 0);
}

/* Loads the synthetic topology desc: 0, or -1 after a FAIL line. */
static int load(const char *desc, hwloc_topology_t *topo)
{
	char err[200];

	if (placement_topology_load(desc, topo, err, sizeof(err))) {
		CHECK(0, "%s: %s", desc, err);
		return -1;
	}
	return 0;
}

/* 2 packages x 2 NUMA nodes x 16 cores x 2 hardware threads = 128 PUs. */
static void big_machine(void)
{
	const char *desc = "pack:2 numa:2 core:16 pu:2";
	hwloc_topology_t topo;
	int *c;

	if (load(desc, &topo))
		return;
	CHECK(hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU) == 128, "%s: not 128 PUs", desc);
	CHECK(placement_cores(topo) == 64 && placement_packages(topo) == 2, "%s: not 64 cores in 2 packages", desc);

	/* compact: siblings first, then cores, then the second package. */
	c = plan(topo, PLACEMENT_COMPACT, 130);
	CHECK(ancestor(topo, c[0], HWLOC_OBJ_CORE) == ancestor(topo, c[1], HWLOC_OBJ_CORE),
	      "compact: threads 0 and 1 are not hardware-thread siblings");
	CHECK(ancestor(topo, c[1], HWLOC_OBJ_CORE) != ancestor(topo, c[2], HWLOC_OBJ_CORE),
	      "compact: thread 2 is not on the next core");
	CHECK(ancestor(topo, c[0], HWLOC_OBJ_PACKAGE) == ancestor(topo, c[63], HWLOC_OBJ_PACKAGE),
	      "compact: the first 64 threads leave the first package");
	CHECK(ancestor(topo, c[63], HWLOC_OBJ_PACKAGE) != ancestor(topo, c[64], HWLOC_OBJ_PACKAGE),
	      "compact: thread 64 is not on the second package");
	CHECK(numa_of(topo, c[0]) == numa_of(topo, c[31]) && numa_of(topo, c[31]) != numa_of(topo, c[32]),
	      "compact: threads 0-31 are not one NUMA node, or 32 is not the next (%d %d %d)",
	      numa_of(topo, c[0]), numa_of(topo, c[31]), numa_of(topo, c[32]));
	CHECK(c[128] == c[0] && c[129] == c[1], "compact: oversubscribed threads do not wrap around");
	free(c);

	/*
	 * scatter: a point of n threads spreads them over packages first, then
	 * NUMA nodes, then cores, then siblings (each point is planned for its
	 * own n).
	 */
	c = plan(topo, PLACEMENT_SCATTER, 2);
	CHECK(ancestor(topo, c[0], HWLOC_OBJ_PACKAGE) != ancestor(topo, c[1], HWLOC_OBJ_PACKAGE),
	      "scatter 2: the two threads share a package");
	free(c);
	c = plan(topo, PLACEMENT_SCATTER, 4);
	{
		int seen[4] = { 0 }, ok = 1;

		for (unsigned i = 0; i < 4; i++) {
			int nn = numa_of(topo, c[i]);

			ok = ok && nn >= 0 && nn < 4 && !seen[nn];
			if (nn >= 0 && nn < 4)
				seen[nn] = 1;
		}
		CHECK(ok, "scatter 4: the threads are not on 4 different NUMA nodes");
	}
	free(c);
	c = plan(topo, PLACEMENT_SCATTER, 64);
	CHECK(distinct(topo, c, 64, HWLOC_OBJ_CORE), "scatter 64: two threads share a core");
	free(c);
	c = plan(topo, PLACEMENT_SCATTER, 128);
	CHECK(distinct(topo, c, 128, HWLOC_OBJ_PU), "scatter 128: two threads share a PU");
	free(c);
	c = plan(topo, PLACEMENT_SCATTER, 130);
	CHECK(distinct(topo, c, 128, HWLOC_OBJ_PU) && c[128] == c[0] && c[129] == c[1],
	      "scatter 130: the first 128 threads do not cover every PU once, or the rest do not wrap");
	free(c);

	{
		const unsigned want[] = { 1, 2, 4, 8, 16, 32, 64, 128 };

		expect_counts(topo, desc, want, sizeof(want) / sizeof(want[0]));
	}
	hwloc_topology_destroy(topo);
}

/* One package of 12 cores without SMT: the counts include 12 and 24. */
static void small_machine(void)
{
	const char *desc = "pack:1 core:12 pu:1";
	hwloc_topology_t topo;
	int *c;

	if (load(desc, &topo))
		return;
	c = plan(topo, PLACEMENT_SCATTER, 12);
	CHECK(distinct(topo, c, 12, HWLOC_OBJ_CORE), "%s scatter: two of 12 threads share a core", desc);
	free(c);
	c = plan(topo, PLACEMENT_NONE, 3);
	CHECK(c[0] == -1 && c[1] == -1 && c[2] == -1, "none: a thread is bound");
	free(c);
	{
		const unsigned want[] = { 1, 2, 4, 8, 12, 24 };

		expect_counts(topo, desc, want, sizeof(want) / sizeof(want[0]));
	}
	hwloc_topology_destroy(topo);
}

static void bad_topology(void)
{
	char err[200] = "";
	hwloc_topology_t topo;

	CHECK(placement_topology_load("pack:two", &topo, err, sizeof(err)) == -1 && strstr(err, "pack:two"),
	      "a malformed synthetic topology is accepted or not named (%s)", err);
}

int main(void)
{
	big_machine();
	small_machine();
	bad_topology();
	return check_exit("placement_test");
}
