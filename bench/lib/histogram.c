/*
 * histogram.c - a log-linear latency histogram (the HdrHistogram idea,
 * re-implemented from its description; see histogram.h for the layout).
 *
 * Bucket index of a value v:
 *   v < 2^7 (HIST_SUB_COUNT):  index v (exact);
 *   v >= 2^7, e = floor(log2 v) (7..63):
 *       index = 128 + (e - 7) * 64 + ((v >> (e - 6)) & 63)
 *   i.e. the 7 leading bits of v: the top bit selects the octave, the next 6
 *   the sub-bucket. The bucket holds [lo, lo + 2^(e-6)) with lo >= 2^e, so its
 *   midpoint is within 2^(e-7) / 2^e = 1/128 (0.78%) of any value in it.
 * A quantile is clamped into [min, max], which can only move it closer to the
 * true value (the true value lies in [min, max] too).
 *
 * Deliberate break for the tests (never in a real build): -DHIST_BREAK_INDEX
 * takes the sub-bucket from the wrong bits.
 */
#include "bench/lib/histogram.h"

#include <string.h>

_Static_assert(HIST_BUCKETS == 128 + 57 * 64, "bucket layout");

static inline unsigned bucket_of(uint64_t v)
{
	unsigned e;

	if (v < HIST_SUB_COUNT)
		return (unsigned)v;
	e = 63u - (unsigned)__builtin_clzll(v);
#ifdef HISTOGRAM_BREAK_INDEX
	/* deliberate break for histogram_test: sub-bucket from the wrong bits */
	return HIST_SUB_COUNT + (e - HIST_SUB_BITS) * HIST_HALF +
	       (unsigned)((v >> (e - HIST_SUB_BITS)) & (HIST_HALF - 1));
#endif
	return HIST_SUB_COUNT + (e - HIST_SUB_BITS) * HIST_HALF +
	       (unsigned)((v >> (e - (HIST_SUB_BITS - 1))) & (HIST_HALF - 1));
}

/* The value reported for bucket b: its midpoint (exact below 2^7). */
static uint64_t bucket_mid(unsigned b)
{
	unsigned e, sub, shift;
	uint64_t lo;

	if (b < HIST_SUB_COUNT)
		return b;
	e = HIST_SUB_BITS + (b - HIST_SUB_COUNT) / HIST_HALF;
	sub = (b - HIST_SUB_COUNT) % HIST_HALF;
	shift = e - (HIST_SUB_BITS - 1);
	lo = ((uint64_t)(HIST_HALF + sub)) << shift;
	/* no overflow: for e = 63 the top bucket's midpoint is 2^64 - 2^56 */
	return lo + (((uint64_t)1 << shift) >> 1);
}

void hist_init(struct hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

void hist_record(struct hist *h, uint64_t v)
{
	h->buckets[bucket_of(v)]++;
	h->count++;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	if (__builtin_add_overflow(h->sum, v, &h->sum))
		h->sum = UINT64_MAX;
}

void hist_merge(struct hist *into, const struct hist *from)
{
	unsigned b;

	if (from->count == 0)
		return;
	for (b = 0; b < HIST_BUCKETS; b++)
		into->buckets[b] += from->buckets[b];
	into->count += from->count;
	if (from->min < into->min)
		into->min = from->min;
	if (from->max > into->max)
		into->max = from->max;
	if (__builtin_add_overflow(into->sum, from->sum, &into->sum))
		into->sum = UINT64_MAX;
}

uint64_t hist_quantile(const struct hist *h, double q)
{
	uint64_t rank, seen = 0, v;
	double x;
	unsigned b;

	if (h->count == 0)
		return 0;
	if (!(q > 0.0))                   /* also NaN */
		return h->min;
	if (q >= 1.0)
		return h->max;
	/*
	 * rank = ceil(q * count), with a hair of slack so that 0.999 * 100000
	 * (99900.00000000001 in binary) is rank 99900, not 99901.
	 */
	x = q * (double)h->count;
	x -= x * 1e-12;
	if (x >= 18446744073709551616.0) /* 2^64: the cast would overflow */
		return h->max;
	rank = (uint64_t)x;               /* ceil without libm */
	if ((double)rank < x)
		rank++;
	if (rank < 1)
		rank = 1;
	if (rank > h->count)
		rank = h->count;
	for (b = 0; b < HIST_BUCKETS; b++) {
		seen += h->buckets[b];
		if (seen >= rank)
			break;
	}
	if (b == HIST_BUCKETS)            /* counts inconsistent: should not happen */
		return h->max;
	v = bucket_mid(b);
	if (v < h->min)
		v = h->min;
	if (v > h->max)
		v = h->max;
	return v;
}

double hist_mean(const struct hist *h)
{
	if (h->count == 0)
		return 0.0;
	return (double)h->sum / (double)h->count;
}
