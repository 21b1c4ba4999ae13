/*
 * analyze_checks.c - analyze's two answers against a bound (see analyze.c's
 * usage): "settled" (are a group's headline intervals narrow enough, for
 * compare.sh --until-ci) and "goal" (a per-round ratio's interval against a
 * goal, for //bench:goals).
 */
#include "bench/compare/analyze.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- settled ---- */

void analyze_settled(const char *dir, const char *group, const char *pct_s)
{
	struct run run = { 0 };
	char *end;
	double pct = strtod(pct_s, &end);
	unsigned seen = 0;

	if (*end || !(pct > 0 && pct <= 100))
		die(2, "settled: PCT '%s': a percentage in (0, 100]", pct_s);
	load_run(&run, dir);
	for (unsigned i = 0; i < run.npts; i++) {
		const struct point *p = &run.pts[i];

		if (strcmp(p->group, group) != 0 || p->error)
			continue;
		seen++;
		for (size_t k = 0; k < nfigs; k++) {
			const struct figdef *f = &figs[k];
			struct stats_ci c;
			double half;

			if ((f->flags & (F_HEAD | F_RATIO)) != (F_HEAD | F_RATIO) || !fig_applies(f, p))
				continue;
			c = figure_ci(p, f);
			if (!c.n)
				continue; /* not measured at this point: nothing to settle */
			half = c.has_ci ? (c.hi - c.lo) / 2 : INFINITY;
			if (!(half <= pct / 100 * fabs(c.median))) {
				printf("unsettled %s %s +-%.3g%%\n", p->name, f->key,
				       c.median != 0 ? 100 * half / fabs(c.median) : INFINITY);
				free_run(&run);
				return;
			}
		}
	}
	if (!seen)
		die(2, "settled: '%s' has no point of group '%s'", dir, group);
	printf("settled\n");
	free_run(&run);
}

/* ---- goal ---- */

void analyze_goal(const char *op, const char *bound_s)
{
	double a[MAX_REPS], b[MAX_REPS], q[MAX_REPS], bound;
	size_t n = 0;
	char *end, line[256];
	int le = strcmp(op, "<=") == 0, eq = strcmp(op, "==") == 0, show = strcmp(op, "-") == 0;
	struct stats_ci ca, cb, cq;

	if (!le && !eq && !show && strcmp(op, ">") != 0)
		die(2, "goal: OP '%s': one of <=, >, == (within 5%%), - (figures only)", op);
	bound = strtod(bound_s, &end);
	if (*end || !isfinite(bound))
		die(2, "goal: BOUND '%s': a number", bound_s);
	size_t lineno = 0, missing = 0;

	while (fgets(line, sizeof(line), stdin)) {
		double x, y;

		lineno++;
		if (sscanf(line, "%lf %lf", &x, &y) != 2)
			die(2, "goal: stdin line %zu: two numbers \"a b\" expected", lineno);
		/* a round without the figure (nan: nothing measured) is left out, and counted */
		if (!isfinite(x) || !isfinite(y) || !(y > 0)) {
			missing++;
			continue;
		}
		/* more rounds than fit: an error, never a median of the first MAX_REPS */
		if (n == MAX_REPS)
			die(2, "goal: more than %d rounds with both figures on stdin: at most %d allowed", MAX_REPS,
			    MAX_REPS);
		a[n] = x;
		b[n] = y;
		q[n] = x / y;
		n++;
	}
	if (!n)
		die(2, "goal: no round with both figures on stdin (%zu without)", missing);
	if (missing)
		printf("(%zu rounds without the figure left out) ", missing);
	ca = stats_median_ci(a, n);
	cb = stats_median_ci(b, n);
	cq = stats_median_ci(q, n);
	printf("%.4g [%.4g, %.4g] vs %.4g [%.4g, %.4g]; ratio per round %.3f [%.3f, %.3f] (%zu rounds): ",
	       ca.median, ca.lo, ca.hi, cb.median, cb.lo, cb.hi, cq.median, cq.lo, cq.hi, n);
	if (show)
		printf("(no goal)\n");
	else if (!cq.has_ci)
		printf("not separable from noise (fewer than 6 rounds)\n");
	else if (eq)
		printf("%s\n", cq.lo >= 0.95 * bound && cq.hi <= 1.05 * bound ? "MET" :
		       cq.hi < 0.95 * bound || cq.lo > 1.05 * bound ? "MISSED" : "not separable from noise");
	else if (le ? cq.hi <= bound : cq.lo > bound)
		printf("MET\n");
	else if (le ? cq.lo > bound : cq.hi <= bound)
		printf("MISSED\n");
	else
		printf("not separable from noise\n");
}
