/*
 * matrix.h - the comparison's matrix: which points exist (--matrix and the
 * selections), their names and groups, and the interleaved run order. Shared
 * by compare_bench.c (which runs a point) and matrix.c (which chooses them).
 */
#ifndef COMPARE_MATRIX_H
#define COMPARE_MATRIX_H

#include "bench/pollsim.h"
#include "strategies/sync.h"

#define PROG "compare_bench"

enum point_kind { POINT_POLL, POINT_RW };
enum matrix { MATRIX_QUICK, MATRIX_DEFAULT, MATRIX_FULL };

/* One registered benchmark; read-only once gb_main() runs. */
struct point {
	enum point_kind kind;
	const struct sync_ops *ops;
	enum sync_reclaim reclaim;
	/* POINT_POLL */
	enum pollsim_scenario scenario;
	unsigned threads;
	enum pollsim_updater updater;
	double rate;
	/* POINT_RW */
	unsigned readers, writers;
	char name[256];
	char group[160];
};

#define MAX_LIST 32

/* Settings from the flags; written by main() before gb_main() only. */
struct compare_opt {
	enum matrix matrix;
	double duration;
	double baseline_duration;
	double rate;
	double rates[16];
	unsigned nrates;
	enum pollsim_placement placement;
	double floors_budget;
	const char *summary_path;
	const char *records_path;
	unsigned repetition;
	unsigned online_cpus;
	int list_points;
	unsigned plan;
	int no_rw, no_rates;
	/* selections: empty means the matrix's own choice */
	const struct sync_ops *strategies[MAX_LIST];
	unsigned nstrategies;
	int scenarios[MAX_LIST];
	unsigned nscenarios;
	unsigned threads[MAX_LIST];
	unsigned nthreads;
	int updaters[2];
	unsigned nupdaters;
};
extern struct compare_opt opt;

/* The registered points (register_all()), read-only afterwards. */
extern struct point *points;
extern unsigned npoints;

/* Flag values: one line and exit status 2 when bad (flags.h). */
double parse_seconds(const char *flag, const char *v);
double parse_rate(const char *flag, const char *v);
void parse_rates(const char *val);
/* --strategies, --scenarios, --threads or --updaters (flag without "="). */
void parse_selection(const char *flag, const char *v);
/* The thread counts of the full matrix: 1, 2, 4, ... 2 x CPUs, 64, 128, 256. */
unsigned thread_counts(unsigned *out);

const char *reclaim_name(enum sync_reclaim r);
void register_all(void);
/* One "<repetition>\t<name>" line per process to run, in run order. */
void print_plan(unsigned reps);

#endif /* COMPARE_MATRIX_H */
