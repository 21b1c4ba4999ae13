/*
 * stats_test.c - the comparison's statistics against values worked out by
 * hand: the order-statistic interval indices and their coverage (n = 6:
 * [x(1), x(6)] at 96.9%; n = 10: [x(2), x(9)] at 97.9%; none below 6), the
 * median of odd and even counts, an interval that holds the median, and the
 * paired verdicts (every round below: lower; one round the other way at
 * n = 6: no measurable difference; fewer than 6 rounds: too few).
 *
 * Built with -DEXPECT_BROKEN against a deliberately broken stats.c
 * (COMPARE_BREAK_CI: the interval shrunk to the middle values), it exits 0
 * only if some check failed.
 */
#include "bench/compare/stats.h"

#include <math.h>
#include <stdio.h>

static int failures;

static void check(int ok, const char *what)
{
	if (!ok) {
		printf("FAIL: %s\n", what);
		failures++;
	}
}

int main(void)
{
	double v6[] = { 5, 1, 4, 2, 6, 3 };
	double v10[] = { 10, 9, 8, 7, 6, 5, 4, 3, 2, 1 };
	double v5[] = { 1, 2, 3, 4, 5 };
	double d_all[] = { -1, -2, -0.5, -3, -1, -2 };
	double d_one[] = { -1, -2, -0.5, -3, -1, 0.1 };
	double d_few[] = { -1, -2, -3 };
	double d_up[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	struct stats_ci c;

	check(stats_ci_k(5) == 0, "no 95% interval from 5 values");
	check(stats_ci_k(6) == 1, "n = 6: [x(1), x(6)]");
	check(stats_ci_k(10) == 2, "n = 10: [x(2), x(9)]");
	check(stats_ci_k(20) == 6, "n = 20: [x(6), x(15)]");
	check(fabs(stats_ci_coverage(6, 1) - 0.96875) < 1e-9, "n = 6 coverage 96.9%");
	check(fabs(stats_ci_coverage(10, 2) - 0.978515625) < 1e-9, "n = 10 coverage 97.9%");
	for (size_t n = 6; n <= 60; n++)
		check(stats_ci_coverage(n, stats_ci_k(n)) >= 0.95 &&
		      stats_ci_coverage(n, stats_ci_k(n) + 1) < 0.95, "k is the largest with coverage >= 95%");

	c = stats_median_ci(v6, 6);
	check(c.median == 3.5 && c.has_ci && c.lo == 1 && c.hi == 6, "median and interval of 6 values");
	c = stats_median_ci(v10, 10);
	check(c.median == 5.5 && c.has_ci && c.lo == 2 && c.hi == 9, "median and interval of 10 values");
	c = stats_median_ci(v5, 5);
	check(c.median == 3 && !c.has_ci && isnan(c.lo), "5 values: a median, no interval");
	c = stats_median_ci(v5, 0);
	check(isnan(c.median) && c.n == 0, "no value: no median (never 0)");

	check(stats_paired_verdict(d_all, 6) == STATS_LOWER, "lower in all 6 rounds: lower");
	check(stats_paired_verdict(d_one, 6) == STATS_NO_DIFFERENCE, "one round of 6 the other way: no difference");
	check(stats_paired_verdict(d_few, 3) == STATS_TOO_FEW, "3 rounds: too few");
	check(stats_paired_verdict(d_up, 10) == STATS_HIGHER, "higher in all 10 rounds: higher");

#ifdef EXPECT_BROKEN
	if (failures == 0) {
		printf("stats_test: the deliberately broken statistics passed every check\n");
		return 1;
	}
	printf("stats_test: the broken statistics were caught (%d failed checks, as expected)\n", failures);
	return 0;
#else
	printf("stats_test: %s\n", failures ? "FAILED" : "all checks passed");
	return failures != 0;
#endif
}
