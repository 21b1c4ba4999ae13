/*
 * analyze.h - what analyze.c and records.c share: the figures (one
 * definition each), the records of a run and the points they make, and the
 * per-point statistics over repetitions and rounds (see analyze.c).
 */
#ifndef COMPARE_ANALYZE_H
#define COMPARE_ANALYZE_H

#include "bench/compare/stats.h"
#include "bench/lib/histogram.h"

#include <stddef.h>

#define PROG "analyze"
#define MAX_KV 96
#define MAX_REPS 64

/*
 * The smallest effect named a winner: a ratio beyond 1.25x either way (for a
 * figure net of a baseline, a difference of 25% of none's whole figure at
 * the point: its _raw key). 1.25x is also the tolerance within which a ratio
 * to none counts as reproduced between two runs (analyze reproduce).
 */
#define VERDICT_MARGIN 0.25

enum fig_flags {
	F_HIGHER = 1,   /* higher is better (else lower) */
	F_NET = 2,      /* net of a baseline: may come out <= 0 (noise) */
	F_HEAD = 4,     /* a headline comparison against none */
	F_RATIO = 8,    /* ratios to none mean something (a positive quantity) */
	F_WRITERS = 16, /* rw only: only with writers */
	F_READERS = 32, /* rw only: only with readers */
};

struct figdef {
	const char *key, *title, *unit;
	int rw;
	unsigned flags;
};

/* The figures of the tables and comparisons, in table order. */
extern const struct figdef figs[];
extern const size_t nfigs;

/* Pooled percentiles: histogram, quantile, and which kind of point. */
struct pooldef {
	const char *key, *hist;
	double q;
	int rw;
};
extern const struct pooldef pooled[];
extern const size_t npooled;

struct rec {
	char *key[MAX_KV], *val[MAX_KV]; /* into buf */
	unsigned n;
	char *error;
	char *buf; /* the line, split in place */
};

struct point {
	const char *name, *group, *strategy, *reclaim, *kind, *scenario, *updater, *family;
	unsigned threads, readers, writers;
	double rate;
	int oversubscribed;
	struct rec *rep[MAX_REPS + 1]; /* by repetition (round) number */
	unsigned nrep;
	const char *error;
	struct point *none;            /* none at the same setting, or NULL */
};

struct run {
	const char *dir;
	struct point *pts;
	unsigned npts, cap;
};

/* a against b, round by round */
struct cmp {
	size_t rounds;
	enum stats_verdict verdict;      /* with the margin: what the summary says */
	enum stats_verdict separated;    /* the interval alone (lower, higher, none) */
	struct stats_ci ratio; /* ratio.n == 0: not defined */
	struct stats_ci diff;
};

_Noreturn void die(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void *xmalloc(size_t n);
const char *rec_get(const struct rec *r, const char *k);
/* A figure of one repetition: NAN when absent (never 0). */
double rec_num(const struct rec *r, const char *k);
struct point *find_point(struct run *run, const char *name);
/* Reads DIR/records.txt (or the folder of a benchmarks.json given instead); bad input: exit 2. */
void load_run(struct run *run, const char *arg);
/* Frees what load_run allocated. */
void free_run(struct run *run);
int is_rw(const struct point *p);
int fig_applies(const struct figdef *f, const struct point *p);
/* One repetition's value of a figure; reader overhead needs none's round. */
double value(const struct point *p, unsigned rep, const struct figdef *f);
struct stats_ci figure_ci(const struct point *p, const struct figdef *f);
struct cmp compare_points(const struct point *a, const struct point *b, const struct figdef *f);
const char *verdict_name(enum stats_verdict v, const struct figdef *f);
/* The pooled histogram of a point's repetitions; 0 when none recorded it. */
int pool_hist(const struct point *p, const char *key, struct hist *h);

/* analyze_checks.c: the "settled" and "goal" commands (see analyze.c). */
void analyze_settled(const char *dir, const char *group, const char *pct_s);
void analyze_goal(const char *op, const char *bound_s);

#endif /* COMPARE_ANALYZE_H */
