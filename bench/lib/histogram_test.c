/*
 * histogram_test.c - proves the histogram's promise (bench/lib/histogram.h):
 * p50, p90, p99, p999 within 1% of the exact order statistic (the
 * ceil(q*n)-th smallest value of a sorted copy), min and max exact, on random
 * data from several distributions (uniform over wide ranges, exponential,
 * values near 0, huge values near 2^63 and up to 2^64-1, all equal); merging
 * two halves gives exactly the histogram of the whole; an empty histogram
 * answers 0. Deterministic: a fixed-seed xorshift generator.
 * Built with -DEXPECT_BROKEN against a deliberately broken histogram.c
 * (HISTOGRAM_BREAK_INDEX), it exits 0 only if some check failed.
 */
#include "bench/lib/histogram.h"
#include "bench/lib/check.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 200000

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	/* xorshift64*: good enough to spread values, and reproducible */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static double rnd_unit(void)              /* (0, 1] */
{
	return ((double)(rnd() >> 11) + 1.0) / 9007199254740992.0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* |got - want| <= 1% of want (exact for small values, where buckets are exact) */
static int within(uint64_t got, uint64_t want)
{
	long double d = (long double)got - (long double)want;

	if (d < 0)
		d = -d;
	return d <= (long double)want * 0.01L;
}

static void check_dist(const char *name, uint64_t *v, size_t n)
{
	static const unsigned permille[] = { 500, 900, 990, 999 };
	struct hist *whole = malloc(sizeof(*whole)), *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	size_t i;
	unsigned k;

	hist_init(whole);
	hist_init(a);
	hist_init(b);
	for (i = 0; i < n; i++) {
		hist_record(whole, v[i]);
		hist_record(i < n / 2 ? a : b, v[i]);
	}
	qsort(v, n, sizeof(*v), cmp_u64);

	if (whole->count != n)
		printf("FAIL: %s: count %llu, expected %zu\n", name, (unsigned long long)whole->count, n),
			failures++;
	if (hist_quantile(whole, 0.0) != v[0] || whole->min != v[0])
		printf("FAIL: %s: min %llu, expected %llu\n", name,
		       (unsigned long long)hist_quantile(whole, 0.0), (unsigned long long)v[0]),
			failures++;
	if (hist_quantile(whole, 1.0) != v[n - 1] || whole->max != v[n - 1])
		printf("FAIL: %s: max %llu, expected %llu\n", name,
		       (unsigned long long)hist_quantile(whole, 1.0), (unsigned long long)v[n - 1]),
			failures++;
	for (k = 0; k < sizeof(permille) / sizeof(permille[0]); k++) {
		/* rank = ceil(permille * n / 1000), in integers */
		size_t rank = (permille[k] * n + 999) / 1000;
		uint64_t want = v[rank - 1];
		uint64_t got = hist_quantile(whole, permille[k] / 1000.0);

		if (!within(got, want)) {
			printf("FAIL: %s: p%g = %llu, exact %llu (error %.3f%%, allowed 1%%)\n", name,
			       permille[k] / 10.0, (unsigned long long)got, (unsigned long long)want,
			       100.0 * fabs((double)got - (double)want) / (double)want);
			failures++;
		}
	}

	hist_merge(a, b);
	if (memcmp(a, whole, sizeof(*a)) != 0) {
		printf("FAIL: %s: merge of the two halves differs from the whole "
		       "(count %llu/%llu min %llu/%llu max %llu/%llu sum %llu/%llu)\n",
		       name, (unsigned long long)a->count, (unsigned long long)whole->count,
		       (unsigned long long)a->min, (unsigned long long)whole->min, (unsigned long long)a->max,
		       (unsigned long long)whole->max, (unsigned long long)a->sum,
		       (unsigned long long)whole->sum);
		failures++;
	}
	free(whole);
	free(a);
	free(b);
}

/* Every single value's bucket midpoint is within 1%: scan octave edges exhaustively. */
static void check_edges(void)
{
	struct hist *h = malloc(sizeof(*h));
	unsigned e;
	int d;

	for (e = 0; e < 64; e++)
		for (d = -3; d <= 3; d++) {
			uint64_t base = (uint64_t)1 << e, v = base + (uint64_t)(int64_t)d;

			if (d < 0 && base < (uint64_t)-d)
				continue;
			hist_init(h);
			hist_record(h, v);
			hist_record(h, 0);
			hist_record(h, UINT64_MAX);
			/* the median of {0, v, max} is v's bucket, not clamped away */
			if (!within(hist_quantile(h, 0.5), v)) {
				printf("FAIL: edges: single value %llu reported as %llu\n", (unsigned long long)v,
				       (unsigned long long)hist_quantile(h, 0.5));
				failures++;
			}
		}
	free(h);
}

static void check_empty(void)
{
	struct hist h, e;

	hist_init(&h);
	if (hist_quantile(&h, 0.5) != 0 || hist_quantile(&h, 0.0) != 0 || hist_quantile(&h, 1.0) != 0 ||
	    hist_mean(&h) != 0.0 || h.count != 0)
		printf("FAIL: empty histogram does not answer 0\n"), failures++;
	hist_init(&e);
	hist_record(&h, 1000);
	hist_merge(&h, &e);
	if (h.count != 1 || h.min != 1000 || h.max != 1000 || hist_quantile(&h, 0.5) != 1000)
		printf("FAIL: merging an empty histogram changed the other\n"), failures++;
	hist_merge(&e, &h);
	if (e.count != 1 || e.min != 1000 || e.max != 1000)
		printf("FAIL: merging into an empty histogram: count %llu min %llu max %llu\n",
		       (unsigned long long)e.count, (unsigned long long)e.min, (unsigned long long)e.max),
			failures++;
	if (hist_mean(&e) != 1000.0)
		printf("FAIL: mean of {1000} is %g\n", hist_mean(&e)), failures++;
}

int main(void)
{
	uint64_t *v = malloc(N * sizeof(*v));
	size_t i;

	for (i = 0; i < N; i++)
		v[i] = rnd() % 1000000000ull;          /* uniform 0..1 s */
	check_dist("uniform [0, 1e9)", v, N);
	for (i = 0; i < N; i++)
		v[i] = rnd() >> (rnd() % 64);          /* log-uniform over 64 octaves */
	check_dist("log-uniform [0, 2^64)", v, N);
	for (i = 0; i < N; i++)
		v[i] = (uint64_t)(-log(rnd_unit()) * 20000.0); /* exponential, mean 20 us */
	check_dist("exponential mean 20000", v, N);
	for (i = 0; i < N; i++)
		v[i] = rnd() % 300;                    /* near 0: exact region and first octaves */
	check_dist("uniform [0, 300)", v, N);
	for (i = 0; i < N; i++)
		v[i] = ((uint64_t)1 << 63) + (rnd() >> 1); /* [2^63, 2^64) */
	check_dist("huge [2^63, 2^64)", v, N);
	for (i = 0; i < N; i++)
		v[i] = ((uint64_t)1 << 63) - 1 - rnd() % 1000000; /* just below 2^63 */
	check_dist("just below 2^63", v, N);
	for (i = 0; i < N; i++)
		v[i] = 123457;
	check_dist("all equal", v, N);
	v[0] = 42;
	check_dist("single value", v, 1);
	free(v);
	check_edges();
	check_empty();

	return check_exit("histogram_test");
}
