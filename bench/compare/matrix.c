/*
 * matrix.c - the comparison's matrix, chosen here and nowhere else: the
 * points of --matrix=quick|default|full narrowed by the selections, their
 * names and groups, and the interleaved run order (see compare_bench.c).
 */
#include "bench/compare/matrix.h"
#include "bench/lib/flags.h"
#include "bench/placement/placement.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

double parse_seconds(const char *flag, const char *v)
{
	double d;

	if (flags_parse_double(v, 0.001, 3600, 0, &d))
		flags_die(PROG, flag, v, "seconds in [0.001, 3600]");
	return d;
}

double parse_rate(const char *flag, const char *v)
{
	double d;

	if (flags_parse_double(v, 0.001, 1e6, 0, &d))
		flags_die(PROG, flag, v, "updates per second in [0.001, 1000000]");
	return d;
}

/*
 * Splits a comma-separated list into at most max items (copied into buf);
 * empty items ("1,,2", ",1", "1,") and an empty list are refused.
 */
static unsigned split_list(const char *flag, const char *val, char *buf, size_t len, char **items,
			   unsigned max, const char *allowed)
{
	char *save = NULL, *tok;
	unsigned n = 0;

	if (strlen(val) >= len || !*val || *val == ',' || val[strlen(val) - 1] == ',' ||
	    strstr(val, ",,"))
		flags_die(PROG, flag, val, "a comma-separated list of %s", allowed);
	strcpy(buf, val);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (n == max)
			flags_die(PROG, flag, val, "at most %u comma-separated items of %s", max, allowed);
		items[n++] = tok;
	}
	return n;
}

void parse_rates(const char *val)
{
	char buf[256], *it[16];
	unsigned n = split_list("--rates", val, buf, sizeof(buf), it, 16, "rates in [0.001, 1000000]");

	for (unsigned i = 0; i < n; i++)
		opt.rates[i] = parse_rate("--rates", it[i]);
	opt.nrates = n;
}

/*
 * The thread counts of the full matrix: the ones this machine's topology
 * makes worth measuring (bench/placement: powers of two up to the cores, the
 * cores, one package's cores, twice the cores), then 64, 128 and 256, where
 * the HAProxy family's masks run out. Without a topology (hwloc failed):
 * 1, 2, 4, ... 2 x CPUs.
 */
unsigned thread_counts(unsigned *out)
{
	char err[200];
	hwloc_topology_t topo;
	unsigned n = 0;

	if (placement_topology_load(NULL, &topo, err, sizeof(err)) == 0) {
		n = placement_thread_counts(topo, out, 24);
		hwloc_topology_destroy(topo);
	}
	if (!n) {
		for (unsigned t = 1; t <= 2 * opt.online_cpus && n < 24; t *= 2)
			out[n++] = t;
		if (out[n - 1] != 2 * opt.online_cpus)
			out[n++] = 2 * opt.online_cpus;
	}
	for (unsigned big = 64; big <= 256; big *= 2) {
		int seen = 0;

		for (unsigned i = 0; i < n; i++)
			seen |= out[i] == big;
		if (!seen && big > out[n - 1])
			out[n++] = big;
	}
	return n;
}

void parse_selection(const char *flag, const char *v)
{
	char buf[1024], *it[MAX_LIST], allowed[512];
	unsigned n;
	int idx;

	if (strcmp(flag, "--strategies") == 0) {
		size_t o = 0;

		for (size_t s = 0; sync_registry[s] && o + 40 < sizeof(allowed); s++)
			o += (size_t)snprintf(allowed + o, sizeof(allowed) - o, "%s%s", s ? "," : "",
					      sync_registry[s]->name);
		n = split_list(flag, v, buf, sizeof(buf), it, MAX_LIST, allowed);
		for (unsigned i = 0; i < n; i++) {
			const struct sync_ops *ops = sync_find(it[i]);

			if (!ops)
				flags_die(PROG, flag, v, "a comma-separated list of %s", allowed);
			opt.strategies[i] = ops;
		}
		opt.nstrategies = n;
	} else if (strcmp(flag, "--scenarios") == 0) {
		flags_choices(pollsim_scenario_names, allowed, sizeof(allowed));
		n = split_list(flag, v, buf, sizeof(buf), it, MAX_LIST, allowed);
		for (unsigned i = 0; i < n; i++) {
			if (flags_parse_choice(it[i], pollsim_scenario_names, &idx))
				flags_die(PROG, flag, v, "a comma-separated list of %s", allowed);
			opt.scenarios[i] = idx;
		}
		opt.nscenarios = n;
	} else if (strcmp(flag, "--updaters") == 0) {
		n = split_list(flag, v, buf, sizeof(buf), it, 2, "loop,outside");
		for (unsigned i = 0; i < n; i++) {
			if (flags_parse_choice(it[i], pollsim_updater_names, &idx))
				flags_die(PROG, flag, v, "a comma-separated list of loop,outside");
			opt.updaters[i] = idx;
		}
		opt.nupdaters = n;
	} else {
		unsigned tc[32], ntc = thread_counts(tc);
		size_t o = 0;

		for (unsigned i = 0; i < ntc; i++)
			o += (size_t)snprintf(allowed + o, sizeof(allowed) - o, "%s%u", i ? "," : "", tc[i]);
		n = split_list(flag, v, buf, sizeof(buf), it, MAX_LIST, allowed);
		for (unsigned i = 0; i < n; i++) {
			unsigned t, ok = 0;

			if (flags_parse_unsigned(it[i], 1, POLLSIM_MAX_THREADS, &t) == 0)
				for (unsigned k = 0; k < ntc; k++)
					ok |= tc[k] == t;
			if (!ok)
				flags_die(PROG, flag, v, "a comma-separated list of %s", allowed);
			opt.threads[i] = t;
		}
		opt.nthreads = n;
	}
}

const char *reclaim_name(enum sync_reclaim r)
{
	return r == SYNC_RECLAIM_DEFER ? "defer" : "sync";
}

/* ---- the matrix ---- */

struct point *points;
unsigned npoints;
static unsigned cap_points;

/* Appends a copy of p to the matrix (its name and group are filled later). */
static void add_point(const struct point *p)
{
	if (npoints == cap_points) {
		cap_points = cap_points ? 2 * cap_points : 256;
		points = realloc(points, cap_points * sizeof(*points));
		if (!points) {
			fprintf(stderr, "compare_bench: out of memory\n");
			exit(1);
		}
	}
	points[npoints++] = *p;
}

static int selected_strategy(const struct sync_ops *ops)
{
	for (unsigned i = 0; i < opt.nstrategies; i++)
		if (opt.strategies[i] == ops)
			return 1;
	return opt.nstrategies == 0;
}

static int selected_scenario(int sc)
{
	for (unsigned i = 0; i < opt.nscenarios; i++)
		if (opt.scenarios[i] == sc)
			return 1;
	return opt.nscenarios == 0;
}

/* Registers one poll-loop point unless an identical one already exists. */
static void add_poll(const struct sync_ops *ops, enum pollsim_scenario sc, unsigned threads,
		     enum pollsim_updater upd, enum sync_reclaim rec, double rate)
{
	const struct point *p;

	if (!selected_scenario(sc))
		return;
	for (unsigned i = 0; i < npoints; i++) {
		p = &points[i];
		if (p->kind == POINT_POLL && p->ops == ops && p->scenario == sc &&
		    p->threads == threads && p->updater == upd && p->reclaim == rec && p->rate == rate)
			return;
	}
	add_point(&(struct point){ .kind = POINT_POLL, .ops = ops, .reclaim = rec, .scenario = sc,
				   .threads = threads, .updater = upd, .rate = rate });
}

static void add_rw(const struct sync_ops *ops, unsigned readers, unsigned writers, enum sync_reclaim rec)
{
	if (opt.no_rw)
		return;
	add_point(&(struct point){ .kind = POINT_RW, .ops = ops, .reclaim = rec, .readers = readers,
				   .writers = writers });
}

/*
 * The thread sweep of one scenario in a matrix. quick: idle and saturated
 * (unless --scenarios says otherwise) at threads = CPUs. default (sized for
 * 6 repetitions in 10 minutes on 2 cores): idle at 1, CPUs and 2 x CPUs (the
 * first oversubscribed count: a sleeping thread's cost, a wakeup, is a count
 * that means the same on any machine), saturated at CPUs and 2 x CPUs, mixed
 * and bursty at CPUs only, slowcall at CPUs with the outside updater for the
 * strategies with a harmless state inside a task (and none). full: every count.
 */
static unsigned sweep_threads(int sc, unsigned *out)
{
	unsigned tc[32], ntc = thread_counts(tc), n = 0, c = opt.online_cpus;

	if (opt.nthreads) {
		memcpy(out, opt.threads, opt.nthreads * sizeof(*out));
		return opt.nthreads;
	}
	if (opt.matrix == MATRIX_FULL) {
		memcpy(out, tc, ntc * sizeof(*out));
		return ntc;
	}
	if (opt.matrix == MATRIX_QUICK && !opt.nscenarios && sc != POLLSIM_IDLE && sc != POLLSIM_SATURATED)
		return 0;
	out[n++] = c;
	if (opt.matrix == MATRIX_QUICK || sc == POLLSIM_MIXED || sc == POLLSIM_BURSTY || sc == POLLSIM_SLOWCALL)
		return n;
	if (c > 1 && sc == POLLSIM_IDLE)
		out[n++] = 1;
	out[n++] = 2 * c;
	return n;
}

static void register_strategy(const struct sync_ops *ops, enum sync_reclaim rec)
{
	const int all_upd = opt.matrix == MATRIX_FULL;
	unsigned tc[MAX_LIST + 32];

	for (int sc = 0; sc < POLLSIM_NSCENARIOS; sc++) {
		unsigned ntc;

		/*
		 * slowcall tells apart the strategies that have a harmless state
		 * inside a task (harmless_begin): only they, and the unsafe
		 * baseline their ratios need, outside the full matrix.
		 */
		if (sc == POLLSIM_SLOWCALL && opt.matrix != MATRIX_FULL && !ops->harmless_begin &&
		    !(ops->caps & SYNC_CAP_UNSAFE))
			continue;
		ntc = sweep_threads(sc, tc);

		for (unsigned i = 0; i < ntc; i++) {
			for (int u = 0; u < 2; u++) {
				/*
				 * slowcall: the outside updater, so that the update
				 * waits for the others' calls, never for its own.
				 */
				int want = opt.nupdaters ? 0
					   : sc == POLLSIM_SLOWCALL ? u == POLLSIM_UPDATER_OUTSIDE
								    : u == POLLSIM_UPDATER_LOOP;

				for (unsigned k = 0; k < opt.nupdaters; k++)
					want |= opt.updaters[k] == u;
				/* default: the outside updater at threads = CPUs in idle */
				if (!opt.nupdaters && u == POLLSIM_UPDATER_OUTSIDE &&
				    (all_upd || (opt.matrix == MATRIX_DEFAULT && tc[i] == opt.online_cpus &&
						 sc == POLLSIM_IDLE)))
					want = 1;
				if (want)
					add_poll(ops, sc, tc[i], u, rec, opt.rate);
			}
		}
	}
	/*
	 * update-rate sweep, threads = online CPUs, updater in a loop:
	 * saturated (where updates stall busy loops); full: idle too.
	 */
	if (!opt.no_rates && opt.matrix != MATRIX_QUICK && !opt.nthreads)
		for (unsigned r = 0; r < opt.nrates; r++) {
			add_poll(ops, POLLSIM_SATURATED, opt.online_cpus, POLLSIM_UPDATER_LOOP, rec, opt.rates[r]);
			if (opt.matrix == MATRIX_FULL)
				add_poll(ops, POLLSIM_IDLE, opt.online_cpus, POLLSIM_UPDATER_LOOP, rec, opt.rates[r]);
		}
	/*
	 * readers/writers (not in quick): the read side alone (1 reader, no
	 * writer), then 1 writer against CPUs readers (full: 1 .. 2 x CPUs
	 * readers).
	 */
	if (rec == SYNC_RECLAIM_SYNC && opt.matrix != MATRIX_QUICK)
		add_rw(ops, 1, 0, rec);
	if (opt.matrix == MATRIX_FULL) {
		for (unsigned r = 1; r <= 2 * opt.online_cpus; r *= 2)
			add_rw(ops, r, 1, rec);
	} else if (opt.matrix == MATRIX_DEFAULT) {
		add_rw(ops, opt.online_cpus, 1, rec);
	}
}

static void name_point(struct point *p)
{
	if (p->kind == POINT_POLL) {
		snprintf(p->name, sizeof(p->name), "%s/%s/threads:%u/updater:%s/reclaim:%s/rate:%g",
			 pollsim_scenario_name(p->scenario), p->ops->name, p->threads,
			 pollsim_updater_names[p->updater & 1], reclaim_name(p->reclaim), p->rate);
		snprintf(p->group, sizeof(p->group), "%s/threads:%u/updater:%s/rate:%g",
			 pollsim_scenario_name(p->scenario), p->threads,
			 pollsim_updater_names[p->updater & 1], p->rate);
	} else {
		snprintf(p->name, sizeof(p->name), "rw/%s/readers:%u/writers:%u/reclaim:%s",
			 p->ops->name, p->readers, p->writers, reclaim_name(p->reclaim));
		snprintf(p->group, sizeof(p->group), "rw/readers:%u/writers:%u", p->readers, p->writers);
	}
}

void register_all(void)
{
	for (size_t s = 0; sync_registry[s]; s++) {
		const struct sync_ops *ops = sync_registry[s];

		if (!selected_strategy(ops))
			continue;
		register_strategy(ops, SYNC_RECLAIM_SYNC);
		if (ops->caps & SYNC_CAP_DEFER)
			register_strategy(ops, SYNC_RECLAIM_DEFER);
	}
	for (unsigned i = 0; i < npoints; i++)
		name_point(&points[i]);
}

/*
 * The run order for R repetitions: groups in order of first appearance, and
 * in each group R rounds over its points. One "<repetition>\t<group>\t<name>"
 * line per run; compare.sh runs each round of a group in one process.
 */
void print_plan(unsigned reps)
{
	char *done = calloc(npoints ? npoints : 1, 1);

	if (!done)
		exit(1);
	for (unsigned g = 0; g < npoints; g++) {
		if (done[g])
			continue;
		for (unsigned r = 1; r <= reps; r++)
			for (unsigned i = g; i < npoints; i++)
				if (strcmp(points[i].group, points[g].group) == 0) {
					printf("%u\t%s\t%s\n", r, points[i].group, points[i].name);
					done[i] = 1;
				}
	}
	free(done);
}
