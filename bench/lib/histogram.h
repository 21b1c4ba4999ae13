/*
 * histogram.h - a log-linear latency histogram (the HdrHistogram idea).
 *
 * Values are unsigned 64-bit (nanoseconds). Values below 2^HIST_SUB_BITS are
 * recorded exactly; above, each power-of-two range [2^e, 2^(e+1)) is split in
 * 2^(HIST_SUB_BITS-1) equal buckets, so a bucket is at most 1/64 of its lower
 * bound wide, and reporting a bucket's midpoint is within 0.8% of any value in
 * it (at most 1% relative error, as promised). Fixed size, no allocation after
 * hist_init: recording is a few instructions on the hot path. Histograms with
 * the same layout merge by adding counts (per-thread histograms, merged at the
 * end of a run).
 */
#ifndef HISTOGRAM_H
#define HISTOGRAM_H

#include <stdint.h>

#define HIST_SUB_BITS 7                       /* 128 exact values, then 64 per octave */
#define HIST_SUB_COUNT (1u << HIST_SUB_BITS)
#define HIST_HALF (HIST_SUB_COUNT / 2)
#define HIST_BUCKETS (HIST_SUB_COUNT + (64 - HIST_SUB_BITS) * HIST_HALF)

struct hist {
	uint64_t count;
	uint64_t min, max;
	uint64_t sum;                         /* saturating */
	uint64_t buckets[HIST_BUCKETS];
};

void hist_init(struct hist *h);
void hist_record(struct hist *h, uint64_t v);
/* into += from */
void hist_merge(struct hist *into, const struct hist *from);
/*
 * The value at quantile q in [0,1]: the midpoint of the bucket holding the
 * ceil(q*count)-th smallest value (exact for q=0 and q=1: min and max).
 * 0 when empty.
 */
uint64_t hist_quantile(const struct hist *h, double q);
double hist_mean(const struct hist *h);

#endif /* HISTOGRAM_H */
