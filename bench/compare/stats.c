/*
 * stats.c - medians, order-statistic intervals and paired verdicts (see
 * stats.h for the method and why).
 */
#include "bench/compare/stats.h"

#include <math.h>
#include <stdlib.h>

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* P(Bin(n, 1/2) <= j), in doubles: exact enough for n up to a few hundred. */
static double binom_cdf_half(size_t n, size_t j)
{
	double c = 1, sum = 0;

	for (size_t i = 0; i <= j && i <= n; i++) {
		sum += c;
		c = c * (double)(n - i) / (double)(i + 1);
	}
	return sum * pow(0.5, (double)n);
}

double stats_ci_coverage(size_t n, size_t k)
{
	if (k == 0 || 2 * k > n + 1)
		return 0;
	return 1 - 2 * binom_cdf_half(n, k - 1);
}

size_t stats_ci_k(size_t n)
{
	size_t k = 0;

	while (k + 1 <= (n + 1) / 2 && stats_ci_coverage(n, k + 1) >= 0.95)
		k++;
#ifdef COMPARE_BREAK_CI
	/* deliberate break: the interval is the middle two values, never 95% */
	if (k && n >= 2)
		k = n / 2;
#endif
	return k;
}

struct stats_ci stats_median_ci(double *v, size_t n)
{
	struct stats_ci r = { .n = n, .median = NAN, .lo = NAN, .hi = NAN };
	size_t k;

	if (n == 0)
		return r;
	qsort(v, n, sizeof(*v), cmp_double);
	r.median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	k = stats_ci_k(n);
	if (k) {
		r.lo = v[k - 1];
		r.hi = v[n - k];
		r.has_ci = 1;
	}
	return r;
}

enum stats_verdict stats_paired_verdict(double *d, size_t n)
{
	struct stats_ci c = stats_median_ci(d, n);

	if (!c.has_ci)
		return STATS_TOO_FEW;
	if (c.hi < 0)
		return STATS_LOWER;
	if (c.lo > 0)
		return STATS_HIGHER;
	return STATS_NO_DIFFERENCE;
}
