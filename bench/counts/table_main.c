/*
 * table_main.c - //bench/counts:table: for every strategy and update mode at
 * every thread count, the counts per loop iteration and per update
 * (counts.h), then where each strategy's hottest shared line saturates, and
 * the check of that model against the loop measured at 1 and 2 threads.
 *
 * Output: TSV blocks on stdout, each opened by `#` comment lines and a `#`
 * column header (counts, saturation, check); a readable table on stderr
 * (--format=table prints it on stdout instead of the TSV); --json=FILE
 * writes everything to FILE (through a temporary name, then rename; a failed
 * write is exit status 1). A kind a strategy does not count (ops->counted)
 * is n/a, never 0.
 *
 * Saturation model (one cache line accepts about one write per cache-line
 * round trip, the floor bench/floors.h measures): with c contended writes per loop
 * iteration and p polls per second per thread, N threads send N x c x p
 * writes per second to shared lines; taking them all on one line (exact for
 * harmless_mask, rwlock, tgroups within a group; isolate_full spreads its 4
 * over two masks, so its true N* is twice the figure), the line runs out at
 * N* = 1 / (c x p x round trip). p per scenario: pollsim's idle rate (100/s),
 * bursty (100/s plus 32 events per 100 ms: 420/s at most), saturated (the
 * strategy's loop measured here at 1 thread plus pollsim's default 2 us of
 * CPU per event), mixed (half idle, half saturated), saturated_empty (the
 * loop alone: the fastest a thread can poll, so the smallest N*).
 *
 * The round trip is the fastest of --floors-repeat short measurements (other
 * work only lengthens one: it needs both threads running, as does the line
 * bouncing it stands for; the median is printed too), or --rtt-ns for
 * another machine's.
 *
 * Check: the model predicts the 2-thread saturated loop at
 * min(rate_1, 1 / (2 x c x round trip)) per thread. rate_1 is per CPU second
 * of the loop thread (its speed while it runs, which other work on a shared
 * machine does not dilute); rate_2 is measured over the chunks in which both
 * threads ran at once (counts_saturated), the only time a line bounces. The
 * table gives it against the prediction, how long the threads ran together,
 * and `none`'s own 2-thread/1-thread ratio: what this machine does to two
 * threads with no shared line at all.
 */
#include "bench/counts/counts.h"
#include "bench/flags.h"
#include "bench/lib/floors.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PROG "table"
#define MAX_POINTS 32
#define MAX_ROWS 512
/* The check needs the two threads to have run at once for this long. */
#define CHECK_MIN_TOGETHER_S 0.02

/* pollsim's scenario rates (bench/pollsim.h), polls per second per thread. */
#define IDLE_RATE 100.0
#define BURSTY_RATE (100.0 + 32 / 0.1)
#define EVENT_COST_S 2e-6 /* pollsim's default --event-cost-us */

static const char *const kind_names[] = SYNC_COUNT_NAMES;
static const char *const formats[] = { "tsv", "table", NULL };
static const char *const scenarios[] = { "idle", "bursty", "mixed", "saturated", "saturated_empty" };
#define NSCEN 5

struct row {
	const struct sync_ops *ops;
	enum counts_mode mode;
	unsigned nloop;
	struct counts_result r;
};

struct check {
	const struct sync_ops *ops;
	double c;            /* contended writes per iteration (NAN: not counted) */
	struct counts_rate r1, r2; /* the saturated loop at 1 and 2 loop threads */
	double rate1, rate2; /* r1, r2 per CPU second: iterations/s per loop thread */
	double pred2;        /* the line-capacity model's 2-thread figure */
	double pred2_lat;    /* the latency model's: every contended write waits one round trip */
};

static struct row rows[MAX_ROWS];
static unsigned nrows;
static struct check checks[64];
static unsigned nchecks;
static char rtt_source[128];

static void usage(FILE *o)
{
	fprintf(o,
		"Usage: table [--strategies=a,b] [--threads=1,2,4] [--rounds=N] [--format=tsv|table]\n"
		"             [--json=FILE] [--check-seconds=S] [--floors-budget=S] [--floors-repeat=K]\n"
		"             [--rtt-ns=NS]\n"
		"  --strategies     registry names (default: every strategy)\n"
		"  --threads        loop threads (default 1,2,4,8,16,32,64 and 128,256 where the\n"
		"                   strategy allows; 64 becomes 63 where 64 participants is the limit:\n"
		"                   the outside updater is one of them)\n"
		"  --rounds         rounds of each phase, 1..10000 (default 8)\n"
		"  --format         stdout: tsv (default; readable table on stderr) or table\n"
		"  --json           also write every figure to FILE\n"
		"  --check-seconds  length of each saturated-loop measurement at 1 and 2 threads,\n"
		"                   0..10 (default 0.3; 0 skips the check and the saturated rates)\n"
		"  --floors-budget  seconds for each cache-line round trip measurement (default 0.04)\n"
		"  --floors-repeat  measurements, 1..100, of which the fastest is used (default 25):\n"
		"                   other work only lengthens a round trip (both threads must run)\n"
		"  --rtt-ns         use this round trip (ns) instead of measuring one: another\n"
		"                   machine's, e.g. across the sockets of a server\n");
}

static int counted(const struct sync_ops *ops, int k)
{
	return !!(ops->counted & SYNC_COUNTED(k));
}

/* "%.4g", or n/a for a kind the strategy does not count. */
static const char *fmt_kind(char *buf, size_t len, const struct sync_ops *ops, int k, double v)
{
	if (!counted(ops, k))
		snprintf(buf, len, "n/a");
	else
		snprintf(buf, len, "%.4g", v);
	return buf;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int parse_list(const char *s, unsigned *out, unsigned max, unsigned lo, unsigned hi)
{
	char tmp[256], *save, *tok;
	unsigned n = 0;

	if (strlen(s) >= sizeof(tmp))
		return -1;
	strcpy(tmp, s);
	for (tok = strtok_r(tmp, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (n == max || flags_parse_unsigned(tok, lo, hi, &out[n]))
			return -1;
		n++;
	}
	return (int)n;
}

/* The loop threads of point n for ops: n, or the largest the limit allows. */
static unsigned point_nloop(const struct sync_ops *ops, unsigned n)
{
	if (ops->max_threads && n + 1 > ops->max_threads)
		return n == ops->max_threads ? n - 1 : 0;
	return n;
}

static double c_iter(const struct sync_ops *ops)
{
	for (unsigned i = 0; i < nrows; i++)
		if (rows[i].ops == ops && counted(ops, SYNC_COUNT_CONTENDED_WRITE))
			return rows[i].r.per_iter[SYNC_COUNT_CONTENDED_WRITE];
	return NAN;
}

/*
 * Polls per second per thread in scenario s, from the empty loop's measured
 * rate: saturated adds pollsim's default event cost to each iteration;
 * saturated_empty is the loop alone, the fastest any thread can poll.
 */
static double scenario_rate(int s, double empty)
{
	double sat = empty > 0 ? 1 / (1 / empty + EVENT_COST_S) : NAN;

	switch (s) {
	case 0:
		return IDLE_RATE;
	case 1:
		return BURSTY_RATE;
	case 2:
		return (IDLE_RATE + sat) / 2;
	case 3:
		return sat;
	default:
		return empty;
	}
}

/* N*: threads at which the hottest line runs out; INFINITY when none is written. */
static double saturates_at(double c, double rate, double rtt_ns)
{
	if (!(c > 0) || !(rate > 0))
		return INFINITY;
	return 1e9 / (c * rate * rtt_ns);
}

static void print_tsv(FILE *o, const struct floors *f)
{
	char b[32];

	fprintf(o, "# counts per loop iteration ((S1-S0)/(nloop*rounds)) and per update ((B-A)/rounds),\n"
		   "# strategies/count.h for what one unit is; n/a: not counted (inside a library)\n#");
	fprintf(o, "strategy\tfamily\tmode\tloop_threads\tparticipants");
	for (int k = 0; k < SYNC_COUNT_KINDS; k++)
		fprintf(o, "\titer_%s", kind_names[k]);
	for (int k = 0; k < SYNC_COUNT_KINDS; k++)
		fprintf(o, "\tupdate_%s", kind_names[k]);
	fprintf(o, "\tsync_wakeups_per_update\n");
	for (unsigned i = 0; i < nrows; i++) {
		struct row *w = &rows[i];

		fprintf(o, "%s\t%s\t%s\t%u\t%u", w->ops->name, w->ops->family, counts_mode_names[w->mode],
			w->nloop, w->nloop + 1);
		for (int k = 0; k < SYNC_COUNT_KINDS; k++)
			fprintf(o, "\t%s", fmt_kind(b, sizeof(b), w->ops, k, w->r.per_iter[k]));
		for (int k = 0; k < SYNC_COUNT_KINDS; k++)
			fprintf(o, "\t%s", fmt_kind(b, sizeof(b), w->ops, k, w->r.per_update[k]));
		fprintf(o, "\t%.4g\n", w->r.wakeups_per_update);
	}

	fprintf(o, "\n# saturation: cache-line round trip %.1f ns (%s); capacity of one line\n"
		   "# %.3g writes/s; saturates_at_threads = 1 / (c * polls_per_s * round trip), all of an\n"
		   "# iteration's contended writes taken on one line (inf: no shared line written per poll)\n",
		f->cacheline_rtt_ns, rtt_source, 1e9 / f->cacheline_rtt_ns);
	fprintf(o, "#strategy\tscenario\tcontended_writes_per_iter\tpolls_per_s_per_thread\tsaturates_at_threads\n");
	for (unsigned i = 0; i < nchecks; i++) {
		struct check *c = &checks[i];

		for (int s = 0; s < NSCEN; s++) {
			double p = scenario_rate(s, c->rate1);

			if (isnan(c->c))
				fprintf(o, "%s\t%s\tn/a\t%.4g\tn/a\n", c->ops->name, scenarios[s], p);
			else
				fprintf(o, "%s\t%s\t%.4g\t%.4g\t%.4g\n", c->ops->name, scenarios[s], c->c, p,
					saturates_at(c->c, p, f->cacheline_rtt_ns));
		}
	}

	fprintf(o, "\n# check: saturated loop through the harness, iterations/s per loop thread: rate_1 per\n"
		   "# CPU second alone, rate_2 over the chunks both threads ran at once (together_s of\n"
		   "# them, per thread); predicted_2 = min(rate_1, 1 / (2 * c * round trip)) (a line takes\n"
		   "# one write per round trip); latency_2 = 1 / (1 / rate_1 + c * round trip) (each\n"
		   "# contended write waits one round trip, the line always elsewhere); line_load_2 =\n"
		   "# share of one line's capacity the 2 threads used; cpu_share_2 = CPU time / wall time\n"
		   "# of each; none_ratio_2 = none's rate_2 / rate_1 (this machine, no shared line);\n"
		   "# verdict: conclusive when the threads ran together >= %.0f ms\n",
		CHECK_MIN_TOGETHER_S * 1000);
	fprintf(o, "#strategy\trate_1\trate_2\tpredicted_2\tmeasured_over_predicted_2\tlatency_2\tmeasured_over_latency_2\tline_load_2\tcpu_share_2\ttogether_s\tverdict\n");
	for (unsigned i = 0; i < nchecks; i++) {
		struct check *c = &checks[i];

		if (!(c->rate1 > 0))
			continue;
		fprintf(o, "%s\t%.4g\t%.4g\t%.4g\t%.3f\t%.4g\t%.3f\t", c->ops->name, c->rate1, c->rate2, c->pred2,
			c->rate2 / c->pred2, c->pred2_lat, c->rate2 / c->pred2_lat);
		if (isnan(c->c))
			fprintf(o, "n/a");
		else
			fprintf(o, "%.3f", 2 * c->c * c->rate2 * f->cacheline_rtt_ns * 1e-9);
		fprintf(o, "\t%.3f\t%.4f\t%s\n", c->r2.cpu_share, c->r2.together_s,
			c->r2.together_s >= CHECK_MIN_TOGETHER_S ? "conclusive" : "inconclusive");
	}
	for (unsigned i = 0; i < nchecks; i++)
		if (!strcmp(checks[i].ops->name, "none") && checks[i].rate1 > 0)
			fprintf(o, "# none_ratio_2 %.3f\n",
				checks[i].rate2 / checks[i].rate1);
}

static void print_table(FILE *o, const struct floors *f)
{
	char b[32];

	fprintf(o, "%-20s %-7s %4s | per iteration: %-27s | per update: %-48s wake\n", "strategy", "mode",
		"N", "cw own scan", "cw own fxw fxk efd mb sig scan");
	for (unsigned i = 0; i < nrows; i++) {
		struct row *w = &rows[i];

		fprintf(o, "%-20s %-7s %4u |", w->ops->name, counts_mode_names[w->mode], w->nloop);
		fprintf(o, " %6s", fmt_kind(b, sizeof(b), w->ops, SYNC_COUNT_CONTENDED_WRITE,
					    w->r.per_iter[SYNC_COUNT_CONTENDED_WRITE]));
		fprintf(o, " %6s", fmt_kind(b, sizeof(b), w->ops, SYNC_COUNT_OWN_WRITE,
					    w->r.per_iter[SYNC_COUNT_OWN_WRITE]));
		fprintf(o, " %6s %20s|", fmt_kind(b, sizeof(b), w->ops, SYNC_COUNT_SCANNED,
						   w->r.per_iter[SYNC_COUNT_SCANNED]), "");
		for (int k = 0; k < SYNC_COUNT_KINDS; k++)
			fprintf(o, " %5s", fmt_kind(b, sizeof(b), w->ops, k, w->r.per_update[k]));
		fprintf(o, " %7.4g\n", w->r.wakeups_per_update);
	}
	fprintf(o, "(%s)\n\ncache-line round trip %.1f ns: one line takes %.3g writes/s\n",
		"cw contended writes, own own-line writes, fxw/fxk futex waits/wakes, efd eventfd writes, "
		"mb membarriers, sig signals, scan lines scanned, wake sync wakeups",
		f->cacheline_rtt_ns, 1e9 / f->cacheline_rtt_ns);
	fprintf(o, "%-20s %8s | saturates at threads: %9s %9s %9s %9s %9s | 1 thread   2 threads  predicted  ratio  latency   ratio together\n",
		"strategy", "cw/iter", "idle", "bursty", "mixed", "saturated", "sat_empty");
	for (unsigned i = 0; i < nchecks; i++) {
		struct check *c = &checks[i];

		fprintf(o, "%-20s %8s |                       ", c->ops->name,
			isnan(c->c) ? "n/a" : (snprintf(b, sizeof(b), "%.3g", c->c), b));
		for (int s = 0; s < NSCEN; s++) {
			if (isnan(c->c))
				fprintf(o, " %9s", "n/a");
			else
				fprintf(o, " %9.3g", saturates_at(c->c, scenario_rate(s, c->rate1), f->cacheline_rtt_ns));
		}
		if (c->rate1 > 0)
			fprintf(o, " | %9.4g %9.4g %9.4g  %6.3f %9.4g %6.3f  %5.3f s%s\n", c->rate1, c->rate2, c->pred2,
				c->rate2 / c->pred2, c->pred2_lat, c->rate2 / c->pred2_lat, c->r2.together_s,
				c->r2.together_s >= CHECK_MIN_TOGETHER_S ? "" : " inconclusive");
		else
			fprintf(o, " |\n");
	}
	fprintf(o, "(1 thread: saturated loop, iterations per CPU second; 2 threads: per second while both\n"
		   " ran at once; predicted: line-capacity model, latency: one round trip per contended\n"
		   " write; ratio: measured / model; then how long the 2 ran at once)\n");
}

static void json_num(FILE *o, double v)
{
	if (isfinite(v))
		fprintf(o, "%.6g", v);
	else
		fprintf(o, "null");
}

static void json_kinds(FILE *o, const struct sync_ops *ops, const double *v)
{
	fprintf(o, "{");
	for (int k = 0; k < SYNC_COUNT_KINDS; k++) {
		fprintf(o, "%s\"%s\": ", k ? ", " : "", kind_names[k]);
		if (counted(ops, k))
			json_num(o, v[k]);
		else
			fprintf(o, "\"n/a\"");
	}
	fprintf(o, "}");
}

static void print_json(FILE *o, const struct floors *f, unsigned rounds)
{
	fprintf(o, "{\n  \"rounds\": %u,\n  \"floors\": {\"cacheline_rtt_ns\": ", rounds);
	json_num(o, f->cacheline_rtt_ns);
	fprintf(o, ", \"source\": \"%s\", \"pinned\": %d, \"cpus\": %u},\n  \"counts\": [\n", rtt_source,
		f->pinned, f->cpus);
	for (unsigned i = 0; i < nrows; i++) {
		struct row *w = &rows[i];

		fprintf(o, "    {\"strategy\": \"%s\", \"family\": \"%s\", \"mode\": \"%s\", \"loop_threads\": %u, "
			   "\"participants\": %u,\n     \"per_iteration\": ", w->ops->name, w->ops->family,
			counts_mode_names[w->mode], w->nloop, w->nloop + 1);
		json_kinds(o, w->ops, w->r.per_iter);
		fprintf(o, ",\n     \"per_update\": ");
		json_kinds(o, w->ops, w->r.per_update);
		if (w->mode == COUNTS_DEFER) {
			fprintf(o, ",\n     \"barrier\": ");
			json_kinds(o, w->ops, w->r.barrier);
		}
		fprintf(o, ",\n     \"sync_wakeups_per_update\": ");
		json_num(o, w->r.wakeups_per_update);
		fprintf(o, "}%s\n", i + 1 < nrows ? "," : "");
	}
	fprintf(o, "  ],\n  \"saturation\": [\n");
	for (unsigned i = 0; i < nchecks; i++) {
		struct check *c = &checks[i];

		fprintf(o, "    {\"strategy\": \"%s\", \"contended_writes_per_iteration\": ", c->ops->name);
		if (isnan(c->c))
			fprintf(o, "\"n/a\"");
		else
			json_num(o, c->c);
		for (int s = 0; s < NSCEN; s++) {
			double p = scenario_rate(s, c->rate1);

			fprintf(o, ", \"%s\": {\"polls_per_s_per_thread\": ", scenarios[s]);
			json_num(o, p);
			fprintf(o, ", \"saturates_at_threads\": ");
			if (isnan(c->c))
				fprintf(o, "\"n/a\"");
			else
				json_num(o, saturates_at(c->c, p, f->cacheline_rtt_ns));
			fprintf(o, "}");
		}
		fprintf(o, ",\n     \"check\": {\"rate_1\": ");
		json_num(o, c->rate1);
		fprintf(o, ", \"rate_2\": ");
		json_num(o, c->rate2);
		fprintf(o, ", \"predicted_2\": ");
		json_num(o, c->pred2);
		fprintf(o, ", \"measured_over_predicted_2\": ");
		json_num(o, c->pred2 > 0 ? c->rate2 / c->pred2 : NAN);
		fprintf(o, ", \"latency_2\": ");
		json_num(o, c->pred2_lat);
		fprintf(o, ", \"measured_over_latency_2\": ");
		json_num(o, c->pred2_lat > 0 ? c->rate2 / c->pred2_lat : NAN);
		fprintf(o, ", \"cpu_share_1\": ");
		json_num(o, c->r1.cpu_share);
		fprintf(o, ", \"cpu_share_2\": ");
		json_num(o, c->r2.cpu_share);
		fprintf(o, ", \"together_s\": ");
		json_num(o, c->r2.together_s);
		fprintf(o, ", \"conclusive\": %s", c->r2.together_s >= CHECK_MIN_TOGETHER_S ? "true" : "false");
		fprintf(o, "}}%s\n", i + 1 < nchecks ? "," : "");
	}
	fprintf(o, "  ]\n}\n");
}

/* Through FILE.tmp.PID, then rename: a reader never sees half a file. 0 or -1. */
static int write_json(const char *path, const struct floors *f, unsigned rounds)
{
	char tmp[4096];
	FILE *o;
	int bad;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof(tmp)) {
		fprintf(stderr, PROG ": --json: path too long\n");
		return -1;
	}
	o = fopen(tmp, "w");
	if (!o) {
		fprintf(stderr, PROG ": --json: %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	print_json(o, f, rounds);
	bad = ferror(o);
	if (fclose(o) || bad) {
		fprintf(stderr, PROG ": --json: writing %s failed\n", tmp);
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path)) {
		fprintf(stderr, PROG ": --json: rename to %s: %s\n", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const unsigned default_points[] = { 1, 2, 4, 8, 16, 32, 64, 128, 256 };
	const struct sync_ops *sel[64];
	unsigned nsel = 0, points[MAX_POINTS], npoints = 0, rounds = 8;
	double check_s = 0.3, floors_s = 0.04, rtt_ns = 0;
	unsigned repeat = 25;
	const char *json = NULL;
	int format = 0;
	struct floors f;
	char err[300];

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strncmp(a, "--strategies=", 13)) {
			char tmp[512], *save, *tok;

			if (strlen(a + 13) >= sizeof(tmp) || !a[13])
				flags_die(PROG, "--strategies", a + 13, "a comma-separated list of: %s", sync_names());
			strcpy(tmp, a + 13);
			for (tok = strtok_r(tmp, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
				if (!sync_find(tok) || nsel == 64)
					flags_die(PROG, "--strategies", a + 13, "a comma-separated list of: %s",
						  sync_names());
				sel[nsel++] = sync_find(tok);
			}
		} else if (!strncmp(a, "--threads=", 10)) {
			int n = parse_list(a + 10, points, MAX_POINTS, 1, 1023);

			if (n <= 0)
				flags_die(PROG, "--threads", a + 10, "a comma-separated list of integers in 1..1023");
			npoints = (unsigned)n;
		} else if (!strncmp(a, "--rounds=", 9)) {
			if (flags_parse_unsigned(a + 9, 1, 10000, &rounds))
				flags_die(PROG, "--rounds", a + 9, "an integer in 1..10000");
		} else if (!strncmp(a, "--format=", 9)) {
			if (flags_parse_choice(a + 9, formats, &format))
				flags_die(PROG, "--format", a + 9, "tsv|table");
		} else if (!strncmp(a, "--json=", 7)) {
			json = a + 7;
			if (!*json)
				flags_die(PROG, "--json", "", "a file name");
		} else if (!strncmp(a, "--check-seconds=", 16)) {
			if (flags_parse_double(a + 16, 0, 10, 0, &check_s))
				flags_die(PROG, "--check-seconds", a + 16, "a number of seconds in 0..10");
		} else if (!strncmp(a, "--floors-budget=", 16)) {
			if (flags_parse_double(a + 16, 0, FLOORS_MAX_BUDGET_S, FLAGS_MIN_EXCLUSIVE, &floors_s))
				flags_die(PROG, "--floors-budget", a + 16, "a number of seconds in (0, %g]",
					  FLOORS_MAX_BUDGET_S);
		} else if (!strncmp(a, "--floors-repeat=", 16)) {
			if (flags_parse_unsigned(a + 16, 1, 100, &repeat))
				flags_die(PROG, "--floors-repeat", a + 16, "an integer in 1..100");
		} else if (!strncmp(a, "--rtt-ns=", 9)) {
			if (flags_parse_double(a + 9, 0, 1e6, FLAGS_MIN_EXCLUSIVE, &rtt_ns))
				flags_die(PROG, "--rtt-ns", a + 9, "a round trip in ns in (0, 1e6]");
		} else if (!strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else {
			flags_die_usage(PROG, "unknown argument '%s' (see --help)", a);
		}
	}
	if (!nsel)
		for (size_t i = 0; sync_registry[i] && nsel < 64; i++)
			sel[nsel++] = sync_registry[i];
	if (!npoints) {
		npoints = sizeof(default_points) / sizeof(default_points[0]);
		memcpy(points, default_points, sizeof(default_points));
	}

	if (rtt_ns > 0) {
		memset(&f, 0, sizeof(f));
		f.cacheline_rtt_ns = rtt_ns;
		snprintf(rtt_source, sizeof(rtt_source), "given by --rtt-ns");
	} else {
		double rtts[100];

		for (unsigned i = 0; i < repeat; i++) {
			if (floors_measure(&f, floors_s, err, sizeof(err))) {
				fprintf(stderr, PROG ": floors: %s\n", err);
				return 1;
			}
			rtts[i] = f.cacheline_rtt_ns;
		}
		qsort(rtts, repeat, sizeof(double), cmp_double);
		f.cacheline_rtt_ns = rtts[0];
		snprintf(rtt_source, sizeof(rtt_source), "fastest of %u floors measurements, median %.1f ns, %s",
			 repeat, repeat & 1 ? rtts[repeat / 2] : (rtts[repeat / 2 - 1] + rtts[repeat / 2]) / 2,
			 f.pinned ? "pinned" : "not pinned");
		fprintf(stderr, PROG ": cache-line round trip: %s\n", rtt_source);
	}

	for (unsigned s = 0; s < nsel; s++) {
		const struct sync_ops *ops = sel[s];

		for (int m = 0; m < COUNTS_MODES; m++) {
			if (!counts_mode_supported(ops, (enum counts_mode)m))
				continue;
			for (unsigned p = 0; p < npoints; p++) {
				unsigned n = point_nloop(ops, points[p]);
				struct counts_config c = { .nloop = n, .rounds = rounds, .mode = (enum counts_mode)m };
				struct row *w;

				if (!n) {
					fprintf(stderr, PROG ": %s: %u loop threads: beyond its limit of %u, skipped\n",
						ops->name, points[p], ops->max_threads);
					continue;
				}
				if (nrows == MAX_ROWS) {
					fprintf(stderr, PROG ": more than %d rows\n", MAX_ROWS);
					return 1;
				}
				w = &rows[nrows];
				w->ops = ops;
				w->mode = (enum counts_mode)m;
				w->nloop = n;
				fprintf(stderr, PROG ": %s/%s/%u loop threads\n", ops->name, counts_mode_names[m], n);
				if (counts_run(ops, &c, &w->r, err, sizeof(err))) {
					fprintf(stderr, PROG ": %s\n", err);
					return 1;
				}
				nrows++;
			}
		}
	}

	for (unsigned s = 0; s < nsel; s++) {
		struct check *c = &checks[nchecks++];

		c->ops = sel[s];
		c->c = c_iter(sel[s]);
		c->rate1 = c->rate2 = c->pred2 = c->pred2_lat = NAN;
		if (check_s > 0) {
			fprintf(stderr, PROG ": %s: saturated loop, 1 and 2 threads\n", sel[s]->name);
			if (counts_saturated(sel[s], 1, check_s, &c->r1, err, sizeof(err)) ||
			    counts_saturated(sel[s], 2, check_s, &c->r2, err, sizeof(err))) {
				fprintf(stderr, PROG ": %s\n", err);
				return 1;
			}
			c->rate1 = c->r1.per_cpu_s;
			c->rate2 = c->r2.together_per_s > 0 ? c->r2.together_per_s : c->r2.per_cpu_s;
			c->pred2 = c->rate1;
			if (c->c > 0 && 1e9 / (2 * c->c * f.cacheline_rtt_ns) < c->pred2)
				c->pred2 = 1e9 / (2 * c->c * f.cacheline_rtt_ns);
			c->pred2_lat = c->c > 0 ? 1 / (1 / c->rate1 + c->c * f.cacheline_rtt_ns * 1e-9) : c->rate1;
		}
	}

	if (format == 0) {
		print_tsv(stdout, &f);
		print_table(stderr, &f);
	} else {
		print_table(stdout, &f);
	}
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, PROG ": writing stdout failed\n");
		return 1;
	}
	if (json && write_json(json, &f, rounds))
		return 1;
	return 0;
}
