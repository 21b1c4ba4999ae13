/*
 * stats.h - the comparison's statistics, distribution-free: medians with
 * order-statistic confidence intervals, and verdicts from paired rounds.
 *
 * Why order statistics: the figures of a poll-loop run on a shared VM are not
 * normal (a slow spell gives a long right tail), and a median's interval from
 * order statistics needs no assumption but independent repetitions. With n
 * values sorted x(1) <= ... <= x(n), [x(k), x(n+1-k)] covers the median with
 * probability 1 - 2 P(Bin(n, 1/2) <= k - 1); stats_ci_k() picks the largest
 * k with coverage >= 95% (n = 6: k = 1, 96.9%; n = 10: k = 2, 97.9%). Below
 * n = 6 no such interval exists and none is reported.
 *
 * Paired rounds: two strategies measured in the same rounds are compared
 * through their per-round differences (or ratios). The interval of the
 * per-round differences excludes 0 exactly when the ratio's excludes 1 (the
 * same rounds sit on the same side), so one sign rule gives both verdicts.
 *
 * A winner also needs a material effect: the paired interval excludes no
 * change AND the median effect is at least the margin (analyze.h). A smaller
 * effect that the interval does separate is its own verdict ("a difference
 * below the margin"), shown with its ratio but never named a winner: across
 * two runs of this suite, effects of a few percent that one run separates and
 * the other does not are what kept verdicts from reproducing.
 */
#ifndef COMPARE_STATS_H
#define COMPARE_STATS_H

#include <stddef.h>

/* A median with its 95% interval; has_ci 0 when n < 6 (lo, hi then NAN). */
struct stats_ci {
	size_t n;
	double median, lo, hi;
	int has_ci;
};

/* The order-statistic index k (1-based) of the 95% interval; 0 when n < 6. */
size_t stats_ci_k(size_t n);

/* Coverage of [x(k), x(n+1-k)] for n values. */
double stats_ci_coverage(size_t n, size_t k);

/* Median and interval of v[0..n) (sorted in place). n == 0: median NAN. */
struct stats_ci stats_median_ci(double *v, size_t n);

enum stats_verdict {
	STATS_TOO_FEW,        /* fewer than 6 paired rounds: no interval */
	STATS_NO_DIFFERENCE,  /* the interval of the differences holds 0 */
	STATS_LOWER,          /* a below b in enough rounds */
	STATS_HIGHER,         /* a above b in enough rounds */
	STATS_BELOW_MARGIN,   /* separated, but the median effect is below the margin */
};

/* The verdict of a - b from per-round differences d[0..n) (sorted in place). */
enum stats_verdict stats_paired_verdict(double *d, size_t n);

#endif /* COMPARE_STATS_H */
