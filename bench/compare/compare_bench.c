/*
 * compare_bench.c - the comparison's matrix and its benchmark points, every
 * strategy of the registry on every scenario, through Google Benchmark's C
 * API (gbench.h).
 *
 * The matrix is chosen here and nowhere else (--matrix=quick|default|full,
 * narrowed by --strategies, --scenarios, --threads, --updaters, --no-rw,
 * --no-rates). --list-points prints every selected point as one JSON object
 * per line with its parameters as fields (the results schema: nothing
 * downstream parses a benchmark name), --plan=R prints the order in which
 * compare.sh runs them: point group by point group, and inside a group R
 * rounds of every strategy (round 1: s1 s2 s3 ..., round 2: s1 s2 s3 ...),
 * so that a slow spell of the machine hits every strategy of a comparison.
 * A group is one setting (scenario, threads, updater, rate; or readers and
 * writers) across strategies and reclaim modes: `none` at that setting is
 * the reference of every ratio.
 *
 * What a point is. One benchmark = one pollsim_run() (or one rw_run()) of
 * `duration` seconds: Iterations(1), UseManualTime with the run's wall time.
 * A poll-loop run is not a repeatable micro-operation that Google Benchmark
 * could size by itself: its figures come from the simulator's own histograms
 * and counters, reported as counters. Repetitions are separate processes
 * (compare.sh), each tagged --repetition=N.
 *
 * Names (an identifier only; the parameters are fields of --list-points and
 * of the records):
 *   <scenario>/<strategy>/threads:N/updater:U/reclaim:R/rate:X
 *   rw/<strategy>/readers:R/writers:W/reclaim:R
 * Every point is registered for every strategy: a point a strategy cannot
 * run (thread limit, reclaim mode, membarrier refused) is reported through
 * gb_skip_with_error() with the strategy's own one-line reason.
 *
 * --records=FILE appends one line per finished point, "RECORD key value
 * ...": the parameters, every figure that was measured (a figure that was not
 * is absent, never 0) and the histograms (h.<name> count,min,max,sum;idx:n,...)
 * so that analyze can pool them across repetitions. The last pair of a
 * skipped point is "error <reason to the end of the line>".
 *
 * Figures that need a reference measured in the same process:
 *  - CPU and voluntary context switches per update subtract a no-update run
 *    of the same point (update_rate 0) of --baseline-duration seconds, scaled
 *    to the measured run's wall time.
 *  - latencies as ratios to the floors measured at the run's start.
 *  - reader overhead against `none` needs none's point of the same round:
 *    analyze computes it from event_cpu_ns.
 *
 * Bad values: one line on stderr naming the flag, exit status 2; Google
 * Benchmark's --benchmark_repetitions and --benchmark_filter are checked here
 * first, since the library aborts on some values. A record or summary that
 * cannot be written completely is exit status 1.
 */
#include "bench/flags.h"
#include "bench/floors.h"
#include "bench/gbench.h"
#include "bench/pollsim.h"
#include "bench/rw.h"
#include "strategies/sync.h"

#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* Settings from our own flags; written by main() before gb_main() only. */
static struct {
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
} opt = {
	.matrix = MATRIX_DEFAULT,
	.duration = -1,
	.baseline_duration = -1,
	.rate = 200,
	.rates = { 2000, 20000 },
	.nrates = 2,
	.placement = POLLSIM_PLACE_NONE,
	.floors_budget = -1,
	.repetition = 1,
};

static unsigned npoints_done;

/* ---- flags ---- */

#define PROG "compare_bench"
#define OWN_FLAGS "--matrix= --strategies= --scenarios= --threads= --updaters= --no-rw --no-rates " \
	"--duration= --baseline-duration= --rate= --rates= --placement= --floors-budget= " \
	"--summary= --records= --repetition= --list-points --plan=, " \
	"plus Google Benchmark's --benchmark_*"

static double parse_seconds(const char *flag, const char *v)
{
	double d;

	if (flags_parse_double(v, 0.001, 3600, 0, &d))
		flags_die(PROG, flag, v, "seconds in [0.001, 3600]");
	return d;
}

static double parse_rate(const char *flag, const char *v)
{
	double d;

	if (flags_parse_double(v, 0.001, 1e6, 0, &d))
		flags_die(PROG, flag, v, "updates per second in [0.001, 1000000]");
	return d;
}

/*
 * Splits a comma-separated list into at most max items (copied into buf);
 * empty items ("1,,2", ",1", "1,") and an empty list are refused.
 */
static unsigned split_list(const char *flag, const char *val, char *buf, size_t len, char **items,
			   unsigned max, const char *allowed)
{
	char *save = NULL, *tok;
	unsigned n = 0;

	if (strlen(val) >= len || !*val || *val == ',' || val[strlen(val) - 1] == ',' ||
	    strstr(val, ",,"))
		flags_die(PROG, flag, val, "a comma-separated list of %s", allowed);
	strcpy(buf, val);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (n == max)
			flags_die(PROG, flag, val, "at most %u comma-separated items of %s", max, allowed);
		items[n++] = tok;
	}
	return n;
}

static void parse_rates(const char *val)
{
	char buf[256], *it[16];
	unsigned n = split_list("--rates", val, buf, sizeof(buf), it, 16, "rates in [0.001, 1000000]");

	for (unsigned i = 0; i < n; i++)
		opt.rates[i] = parse_rate("--rates", it[i]);
	opt.nrates = n;
}

/* The thread counts of the full matrix: 1, 2, 4, ... 2 x CPUs, 64, 128, 256. */
static unsigned thread_counts(unsigned *out)
{
	unsigned n = 0;

	for (unsigned t = 1; t <= 2 * opt.online_cpus && n < 24; t *= 2)
		out[n++] = t;
	if (out[n - 1] != 2 * opt.online_cpus)
		out[n++] = 2 * opt.online_cpus;
	for (unsigned big = 64; big <= 256; big *= 2) {
		int seen = 0;

		for (unsigned i = 0; i < n; i++)
			seen |= out[i] == big;
		if (!seen)
			out[n++] = big;
	}
	return n;
}

static void parse_selection(const char *flag, const char *v)
{
	char buf[1024], *it[MAX_LIST], allowed[512];
	unsigned n;
	int idx;

	if (strcmp(flag, "--strategies") == 0) {
		size_t o = 0;

		for (size_t s = 0; sync_registry[s] && o + 40 < sizeof(allowed); s++)
			o += (size_t)snprintf(allowed + o, sizeof(allowed) - o, "%s%s", s ? "," : "",
					      sync_registry[s]->name);
		n = split_list(flag, v, buf, sizeof(buf), it, MAX_LIST, allowed);
		for (unsigned i = 0; i < n; i++) {
			const struct sync_ops *ops = sync_find(it[i]);

			if (!ops)
				flags_die(PROG, flag, v, "a comma-separated list of %s", allowed);
			opt.strategies[i] = ops;
		}
		opt.nstrategies = n;
	} else if (strcmp(flag, "--scenarios") == 0) {
		flags_choices(pollsim_scenario_names, allowed, sizeof(allowed));
		n = split_list(flag, v, buf, sizeof(buf), it, MAX_LIST, allowed);
		for (unsigned i = 0; i < n; i++) {
			if (flags_parse_choice(it[i], pollsim_scenario_names, &idx))
				flags_die(PROG, flag, v, "a comma-separated list of %s", allowed);
			opt.scenarios[i] = idx;
		}
		opt.nscenarios = n;
	} else if (strcmp(flag, "--updaters") == 0) {
		n = split_list(flag, v, buf, sizeof(buf), it, 2, "loop,outside");
		for (unsigned i = 0; i < n; i++) {
			if (flags_parse_choice(it[i], pollsim_updater_names, &idx))
				flags_die(PROG, flag, v, "a comma-separated list of loop,outside");
			opt.updaters[i] = idx;
		}
		opt.nupdaters = n;
	} else {
		unsigned tc[32], ntc = thread_counts(tc);
		size_t o = 0;

		for (unsigned i = 0; i < ntc; i++)
			o += (size_t)snprintf(allowed + o, sizeof(allowed) - o, "%s%u", i ? "," : "", tc[i]);
		n = split_list(flag, v, buf, sizeof(buf), it, MAX_LIST, allowed);
		for (unsigned i = 0; i < n; i++) {
			unsigned t, ok = 0;

			if (flags_parse_unsigned(it[i], 1, POLLSIM_MAX_THREADS, &t) == 0)
				for (unsigned k = 0; k < ntc; k++)
					ok |= tc[k] == t;
			if (!ok)
				flags_die(PROG, flag, v, "a comma-separated list of %s", allowed);
			opt.threads[i] = t;
		}
		opt.nthreads = n;
	}
}

/* Google Benchmark aborts on some values of its own flags: refuse them first. */
static void check_gbench_flag(const char *a)
{
	const char *v = strchr(a, '=');
	unsigned n;

	if (!v)
		return;
	v++;
	if (strncmp(a, "--benchmark_repetitions=", 24) == 0) {
		if (flags_parse_unsigned(v, 1, 1000, &n))
			flags_die(PROG, "--benchmark_repetitions", v, "an integer in [1, 1000]");
	} else if (strncmp(a, "--benchmark_min_time=", 21) == 0) {
		double d;

		if (flags_parse_double(v, 0, 3600, 0, &d))
			flags_die(PROG, "--benchmark_min_time", v, "seconds in [0, 3600]");
	} else if (strncmp(a, "--benchmark_filter=", 19) == 0) {
		regex_t re;

		/* POSIX ERE accepts what std::regex's default grammar refuses less often. */
		if (regcomp(&re, *v == '-' ? v + 1 : v, REG_EXTENDED | REG_NOSUB))
			flags_die(PROG, "--benchmark_filter", v, "a valid regular expression");
		regfree(&re);
	}
}

/*
 * Consumes our flags from argv, leaving the rest (Google Benchmark's, which
 * gb_main() validates) in place; returns the new argc.
 */
static int parse_own_flags(int argc, char **argv)
{
	static const char *const matrices[] = { "quick", "default", "full", NULL };
	int out = 1;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = strchr(a, '=');
		char buf[64];
		int idx;

		if (strncmp(a, "--benchmark_", 12) == 0 || strcmp(a, "--help") == 0) {
			check_gbench_flag(a);
			argv[out++] = argv[i];
			continue;
		}
		if (strcmp(a, "--list-points") == 0) {
			opt.list_points = 1;
			continue;
		}
		if (strcmp(a, "--no-rw") == 0) {
			opt.no_rw = 1;
			continue;
		}
		if (strcmp(a, "--no-rates") == 0) {
			opt.no_rates = 1;
			continue;
		}
		if (!v || strncmp(a, "--", 2) != 0)
			flags_die_usage(PROG, "%s: unknown argument (flags: %s)", a, OWN_FLAGS);
		v++;
		if (strncmp(a, "--matrix=", 9) == 0) {
			if (flags_parse_choice(v, matrices, &idx))
				flags_die(PROG, "--matrix", v, "one of %s", flags_choices(matrices, buf, sizeof(buf)));
			opt.matrix = (enum matrix)idx;
		} else if (strncmp(a, "--strategies=", 13) == 0) {
			parse_selection("--strategies", v);
		} else if (strncmp(a, "--scenarios=", 12) == 0) {
			parse_selection("--scenarios", v);
		} else if (strncmp(a, "--threads=", 10) == 0) {
			parse_selection("--threads", v);
		} else if (strncmp(a, "--updaters=", 11) == 0) {
			parse_selection("--updaters", v);
		} else if (strncmp(a, "--duration=", 11) == 0) {
			opt.duration = parse_seconds("--duration", v);
		} else if (strncmp(a, "--baseline-duration=", 20) == 0) {
			opt.baseline_duration = parse_seconds("--baseline-duration", v);
		} else if (strncmp(a, "--rate=", 7) == 0) {
			opt.rate = parse_rate("--rate", v);
		} else if (strncmp(a, "--rates=", 8) == 0) {
			parse_rates(v);
		} else if (strncmp(a, "--placement=", 12) == 0) {
			if (flags_parse_choice(v, pollsim_placement_names, &idx))
				flags_die(PROG, "--placement", v, "one of %s",
					  flags_choices(pollsim_placement_names, buf, sizeof(buf)));
			opt.placement = idx == 1 ? POLLSIM_PLACE_COMPACT :
					idx == 2 ? POLLSIM_PLACE_SCATTER : POLLSIM_PLACE_NONE;
		} else if (strncmp(a, "--floors-budget=", 16) == 0) {
			if (flags_parse_double(v, 0, 10, 0, &opt.floors_budget))
				flags_die(PROG, "--floors-budget", v, "seconds in [0, 10] (0: no floors)");
		} else if (strncmp(a, "--summary=", 10) == 0) {
			if (!*v)
				flags_die(PROG, "--summary", v, "a file path");
			opt.summary_path = v;
		} else if (strncmp(a, "--records=", 10) == 0) {
			if (!*v)
				flags_die(PROG, "--records", v, "a file path");
			opt.records_path = v;
		} else if (strncmp(a, "--repetition=", 13) == 0) {
			if (flags_parse_unsigned(v, 1, 1000, &opt.repetition))
				flags_die(PROG, "--repetition", v, "an integer in [1, 1000]");
		} else if (strncmp(a, "--plan=", 7) == 0) {
			if (flags_parse_unsigned(v, 1, 1000, &opt.plan))
				flags_die(PROG, "--plan", v, "repetitions, an integer in [1, 1000]");
		} else {
			flags_die_usage(PROG, "%s: unknown flag (flags: %s)", a, OWN_FLAGS);
		}
	}
	argv[out] = NULL;
	return out;
}

/* ---- output files ---- */

/* Closes f; a write that failed (a full disk) is exit status 1, one line. */
static void close_or_die(FILE *f, const char *path)
{
	int bad = ferror(f);

	if (fclose(f) || bad) {
		fprintf(stderr, "%s: cannot write %s: %s\n", PROG, path, strerror(errno ? errno : EIO));
		exit(1);
	}
}

static FILE *open_append(const char *path)
{
	FILE *f = fopen(path, "a");

	if (!f) {
		fprintf(stderr, "%s: cannot append to %s: %s\n", PROG, path, strerror(errno));
		exit(1);
	}
	return f;
}

static const char *reclaim_name(enum sync_reclaim r)
{
	return r == SYNC_RECLAIM_DEFER ? "defer" : "sync";
}

/*
 * The point's parameters, one definition for --list-points (JSON) and the
 * records (key value). Numbers are written bare, words quoted in JSON.
 */
static void put_params(FILE *f, const struct point *p, int json)
{
	unsigned participants = p->kind == POINT_POLL ?
		p->threads + (p->updater == POLLSIM_UPDATER_OUTSIDE) : p->readers + p->writers;
#define PS(k, v) fprintf(f, json ? "%s\"%s\": \"%s\"" : " %s%s %s", json ? ", " : "", k, v)
#define PN(k, fmt, v) fprintf(f, json ? "%s\"%s\": " fmt : " %s%s " fmt, json ? ", " : "", k, v)

	if (json)
		fprintf(f, "{\"name\": \"%s\"", p->name);
	else
		fprintf(f, " name %s", p->name);
	PS("group", p->group);
	PS("kind", p->kind == POINT_POLL ? "poll" : "rw");
	PS("strategy", p->ops->name);
	PS("family", p->ops->family);
	PS("reclaim", reclaim_name(p->reclaim));
	if (p->kind == POINT_POLL) {
		PS("scenario", pollsim_scenario_name(p->scenario));
		PN("threads", "%u", p->threads);
		PS("updater", pollsim_updater_names[p->updater & 1]);
		PN("rate", "%g", p->rate);
	} else {
		PN("readers", "%u", p->readers);
		PN("writers", "%u", p->writers);
	}
	PN("participants", "%u", participants);
	if (json)
		fprintf(f, ", \"oversubscribed\": %s", participants > opt.online_cpus ? "true" : "false");
	else
		fprintf(f, " oversubscribed %d", participants > opt.online_cpus);
	PN("duration_s", "%g", opt.duration);
	/*
	 * The estimated seconds of one process of this point (start-up and
	 * orchestration,
	 * floors, baseline, run, thread start-up): for the plan's estimate.
	 */
	if (json)
		fprintf(f, ", \"est_s\": %.3f}\n", 0.08 + (opt.floors_budget > 0 ? opt.floors_budget :
				opt.floors_budget < 0 ? FLOORS_DEFAULT_BUDGET_S : 0) + opt.duration +
			(p->kind == POINT_POLL ? opt.baseline_duration : 0) + 0.0005 * participants);
#undef PS
#undef PN
}

/* The record of one finished point: its parameters, then its figures. */
static FILE *record_begin(const struct point *p)
{
	FILE *f;

	if (!opt.records_path)
		return NULL;
	f = open_append(opt.records_path);
	fputs("RECORD", f);
	put_params(f, p, 0);
	fprintf(f, " repetition %u", opt.repetition);
	return f;
}

/* Counters that repeat a parameter: in the JSON only, the record has the parameter. */
static int is_param(const char *k)
{
	static const char *const dup[] = { "loop_threads", "participants", "oversubscribed", "update_rate",
					   "repetition", "readers", "writers", NULL };

	for (int i = 0; dup[i]; i++)
		if (strcmp(k, dup[i]) == 0)
			return 1;
	return 0;
}

static void rec_d(FILE *f, const char *k, double v)
{
	if (f && isfinite(v) && !is_param(k))
		fprintf(f, " %s %.17g", k, v);
}

/* A histogram, sparse: "h.<k> count,min,max,sum;idx:n,idx:n,...". */
static void rec_hist(FILE *f, const char *k, const struct hist *h)
{
	int first = 1;

	if (!f || !h->count)
		return;
	fprintf(f, " h.%s %llu,%llu,%llu,%llu;", k, (unsigned long long)h->count,
		(unsigned long long)h->min, (unsigned long long)h->max, (unsigned long long)h->sum);
	for (unsigned i = 0; i < HIST_BUCKETS; i++)
		if (h->buckets[i]) {
			fprintf(f, "%s%u:%llu", first ? "" : ",", i, (unsigned long long)h->buckets[i]);
			first = 0;
		}
}

static void record_end(FILE *f, const char *error)
{
	if (!f)
		return;
	if (error) {
		fputs(" error ", f);
		for (const char *c = error; *c; c++)
			fputc(*c == '\n' || *c == '\r' ? ' ' : *c, f);
	}
	fputc('\n', f);
	close_or_die(f, opt.records_path);
}

/* One line per point on stderr: stdout belongs to Google Benchmark's report. */
static void progress(const struct point *p, const char *what, uint64_t t0)
{
	fprintf(stderr, "compare_bench: [%u] %s: %s (%.2f s)\n", ++npoints_done, p->name, what,
		(double)(sync_now_ns() - t0) / 1e9);
}

/*
 * Reports the point as skipped with msg (the strategy's one-line reason),
 * before the state loop: the loop must still run to its end.
 */
static void skip_point(struct gb_state *st, const struct point *p, const char *msg, uint64_t t0)
{
	char what[600];

	gb_skip_with_error(st, msg);
	while (gb_keep_running(st))
		;
	record_end(record_begin(p), msg);
	snprintf(what, sizeof(what), "skipped: %s", msg);
	progress(p, what, t0);
}

static double per_update(double v, uint64_t updates)
{
	return updates ? v / (double)updates : NAN;
}

static double ratio(double a, double b)
{
	return b > 0 ? a / b : NAN;
}

/* A counter only when measured: an absent counter is never read as 0. */
static void counter(struct gb_state *st, const char *k, double v)
{
	if (isfinite(v))
		gb_counter(st, k, v, 0);
}

static double q(const struct hist *h, double quant)
{
	return h->count ? (double)hist_quantile(h, quant) : NAN;
}

/* ---- the poll-loop benchmark ---- */

static void bm_poll(struct gb_state *st, void *user)
{
	const struct point *p = user;
	struct pollsim_config cfg, base_cfg;
	struct pollsim_result *res, *base;
	char err[512], label[1024];
	double cl, wk, base_scale, vcsw, ecpu;
	uint64_t t0 = sync_now_ns();
	FILE *rec;

	pollsim_config_default(&cfg);
	cfg.strategy = p->ops;
	cfg.threads = p->threads;
	cfg.scenario = p->scenario;
	cfg.duration_s = opt.duration;
	cfg.update_rate = p->rate;
	cfg.updater = p->updater;
	cfg.placement = opt.placement;
	cfg.reclaim = p->reclaim;
	cfg.quiet = 1;
	if (opt.floors_budget >= 0)
		cfg.floors_budget_s = opt.floors_budget;

	if (pollsim_check(&cfg, NULL, err, sizeof(err))) {
		skip_point(st, p, err, t0);
		return;
	}
	res = calloc(2, sizeof(*res));
	if (!res) {
		skip_point(st, p, "out of memory for the results", t0);
		return;
	}
	base = res + 1;

	/* The no-update baseline of this very point, before the measured run. */
	pollsim_baseline_config(&cfg, &base_cfg);
	base_cfg.duration_s = opt.baseline_duration;
	if (pollsim_run(&base_cfg, base, err, sizeof(err))) {
		free(res);
		skip_point(st, p, err, t0);
		return;
	}
	while (gb_keep_running(st)) {
		if (pollsim_run(&cfg, res, err, sizeof(err))) {
			gb_skip_with_error(st, err);
			continue;
		}
		gb_set_iteration_time(st, res->wall_s);
	}
	if (gb_error_occurred(st)) {
		free(res);
		record_end(record_begin(p), err);
		progress(p, "skipped", t0);
		return;
	}
	pollsim_apply_baseline(res, base);
	if (opt.summary_path) {
		FILE *f = open_append(opt.summary_path);

		pollsim_print_summary(f, &base_cfg, base);
		pollsim_print_summary(f, &cfg, res);
		close_or_die(f, opt.summary_path);
	}

	cl = res->floor_cacheline_rtt_ns > 0 ? res->floor_cacheline_rtt_ns : NAN;
	wk = res->floor_wake_rtt_ns > 0 ? res->floor_wake_rtt_ns : NAN;
	base_scale = base->wall_s > 0 ? res->wall_s / base->wall_s : NAN;
	vcsw = (double)res->voluntary_ctx_switches - base_scale * (double)base->voluntary_ctx_switches;
	ecpu = base->events ? (double)base->thread_cpu_ns_total / (double)base->events : NAN;

	/*
	 * One list of figures for the JSON counters and the record. No
	 * update completed: the update figures are absent (not 0); a figure
	 * over an empty histogram (e.g. time to safe in defer mode, which has
	 * no "safe" moment) is absent too.
	 */
	{
		const struct hist *ul = &res->update_latency, *ts = &res->time_to_safe;
		const struct hist *ed = &res->event_delay;
		const double up = res->updates ? 1 : NAN;
		const struct { const char *k; double v; } fig[] = {
			{ "loop_threads", p->threads },
			{ "participants", res->participants },
			{ "online_cpus", res->online_cpus },
			{ "oversubscribed", res->oversubscribed ? 1 : 0 },
			{ "update_rate", p->rate },
			{ "repetition", opt.repetition },
			{ "wall_s", res->wall_s },
			{ "updates", (double)res->updates },
			{ "update_p50_ns", up * q(ul, 0.50) },
			{ "update_p90_ns", up * q(ul, 0.90) },
			{ "update_p99_ns", up * q(ul, 0.99) },
			{ "update_p999_ns", up * q(ul, 0.999) },
			{ "update_max_ns", up * (double)ul->max },
			{ "time_to_safe_p50_ns", up * q(ts, 0.50) },
			{ "time_to_safe_p99_ns", up * q(ts, 0.99) },
			{ "sync_wakeups_per_update", per_update((double)res->sync_wakeups, res->updates) },
			{ "vcsw_per_update", per_update(vcsw, res->updates) },
			{ "vcsw_per_update_raw", per_update((double)res->voluntary_ctx_switches, res->updates) },
			{ "cpu_ns_per_update", up * res->cpu_ns_per_update },
			{ "cpu_ns_per_update_raw", per_update((double)res->process_cpu_ns, res->updates) },
			{ "update_p50_over_cacheline_rtt", up * ratio(q(ul, 0.50), cl) },
			{ "update_p99_over_cacheline_rtt", up * ratio(q(ul, 0.99), cl) },
			{ "update_p50_over_wake_rtt", up * ratio(q(ul, 0.50), wk) },
			{ "update_p99_over_wake_rtt", up * ratio(q(ul, 0.99), wk) },
			{ "sync_wakeups", (double)res->sync_wakeups },
			{ "baseline_cpu_ns_per_s", base->wall_s > 0 ?
			  (double)base->process_cpu_ns / base->wall_s : NAN },
			{ "event_cpu_ns", ecpu },
			{ "events", (double)res->events },
			{ "events_per_s", res->wall_s > 0 ? (double)res->events / res->wall_s : NAN },
			{ "event_delay_p50_ns", q(ed, 0.50) },
			{ "event_delay_p99_ns", q(ed, 0.99) },
			{ "event_delay_p99_over_wake_rtt", ratio(q(ed, 0.99), wk) },
			{ "reads", (double)res->reads },
			{ "torn_reads", (double)res->torn_reads },
			{ "poisoned_reads", (double)res->poisoned_reads },
			{ "defer_peak_objects", (double)res->defer_peak_objects },
			{ "defer_peak_bytes", (double)res->defer_peak_bytes },
			{ "floor_cacheline_rtt_ns", cl },
			{ "floor_wake_rtt_ns", wk },
		};

		rec = record_begin(p);
		for (size_t i = 0; i < sizeof(fig) / sizeof(fig[0]); i++) {
			counter(st, fig[i].k, fig[i].v);
			rec_d(rec, fig[i].k, fig[i].v);
		}
		rec_hist(rec, "update_latency", ul);
		rec_hist(rec, "time_to_safe", ts);
		rec_hist(rec, "event_delay", ed);
		record_end(rec, NULL);
	}

	snprintf(label, sizeof(label), "%s%s%s%s%s%s%s",
		 res->oversubscribed ? "oversubscribed" : "",
		 res->oversubscribed && !res->updates ? "; " : "",
		 res->updates ? "" : "no update completed",
		 (res->oversubscribed || !res->updates) && res->strategy_extra[0] ? "; " : "",
		 res->strategy_extra,
		 opt.placement != POLLSIM_PLACE_NONE ? "; placement " : "",
		 opt.placement != POLLSIM_PLACE_NONE ? res->placement_desc : "");
	gb_set_label(st, label);
	free(res);
	progress(p, "done", t0);
}

/* ---- the readers/writers benchmark ---- */

static void bm_rw(struct gb_state *st, void *user)
{
	const struct point *p = user;
	struct rw_config cfg;
	struct rw_result res;
	char err[512], label[768];
	uint64_t t0 = sync_now_ns();
	FILE *rec;

	rw_config_default(&cfg);
	cfg.strategy = p->ops;
	cfg.readers = p->readers;
	cfg.writers = p->writers;
	cfg.duration_s = opt.duration;
	cfg.reclaim = p->reclaim;
	cfg.quiet = 1;
	memset(&res, 0, sizeof(res));
	while (gb_keep_running(st)) {
		if (rw_run(&cfg, &res, err, sizeof(err))) {
			gb_skip_with_error(st, err);
			continue;
		}
		gb_set_iteration_time(st, res.wall_s);
	}
	if (gb_error_occurred(st)) {
		record_end(record_begin(p), err);
		progress(p, "skipped", t0);
		return;
	}
	if (opt.summary_path) {
		FILE *f = open_append(opt.summary_path);

		rw_print_summary(f, &cfg, &res);
		close_or_die(f, opt.summary_path);
	}
	{
		const double w = res.writes ? 1 : NAN;
		const struct { const char *k; double v; } fig[] = {
			{ "readers", p->readers },
			{ "writers", p->writers },
			{ "oversubscribed", res.oversubscribed ? 1 : 0 },
			{ "online_cpus", res.online_cpus },
			{ "repetition", opt.repetition },
			{ "wall_s", res.wall_s },
			{ "reads", (double)res.reads },
			{ "writes", (double)res.writes },
			{ "reads_per_s", res.wall_s > 0 && p->readers ? (double)res.reads / res.wall_s : NAN },
			{ "writes_per_s", res.wall_s > 0 && p->writers ? (double)res.writes / res.wall_s : NAN },
			/* Read-side cost: the readers' time in their loop per read. */
			{ "ns_per_read", res.reads ? (double)res.reader_ns / (double)res.reads : NAN },
			{ "write_p50_ns", w * q(&res.write_latency, 0.50) },
			{ "write_p99_ns", w * q(&res.write_latency, 0.99) },
			{ "wait_p50_ns", w * q(&res.wait_latency, 0.50) },
			{ "torn_reads", (double)res.torn_reads },
			{ "poisoned_reads", (double)res.poisoned_reads },
			{ "defer_peak_objects", (double)res.defer_peak_objects },
			{ "defer_peak_bytes", (double)res.defer_peak_bytes },
		};

		rec = record_begin(p);
		for (size_t i = 0; i < sizeof(fig) / sizeof(fig[0]); i++) {
			counter(st, fig[i].k, fig[i].v);
			rec_d(rec, fig[i].k, fig[i].v);
		}
		rec_hist(rec, "write_latency", &res.write_latency);
		rec_hist(rec, "wait_latency", &res.wait_latency);
		record_end(rec, NULL);
	}
	snprintf(label, sizeof(label), "%s%s%s%s", rw_update_name(res.update),
		 res.oversubscribed ? "; oversubscribed" : "",
		 res.strategy_extra[0] ? "; " : "", res.strategy_extra);
	gb_set_label(st, label);
	progress(p, "done", t0);
}

/* ---- the matrix ---- */

static struct point *points;
static unsigned npoints, cap_points;

static struct point *new_point(void)
{
	if (npoints == cap_points) {
		cap_points = cap_points ? 2 * cap_points : 256;
		points = realloc(points, cap_points * sizeof(*points));
		if (!points) {
			fprintf(stderr, "compare_bench: out of memory\n");
			exit(1);
		}
	}
	memset(&points[npoints], 0, sizeof(points[npoints]));
	return &points[npoints++];
}

static int selected_strategy(const struct sync_ops *ops)
{
	for (unsigned i = 0; i < opt.nstrategies; i++)
		if (opt.strategies[i] == ops)
			return 1;
	return opt.nstrategies == 0;
}

static int selected_scenario(int sc)
{
	for (unsigned i = 0; i < opt.nscenarios; i++)
		if (opt.scenarios[i] == sc)
			return 1;
	return opt.nscenarios == 0;
}

/* Registers one poll-loop point unless an identical one already exists. */
static void add_poll(const struct sync_ops *ops, enum pollsim_scenario sc, unsigned threads,
		     enum pollsim_updater upd, enum sync_reclaim rec, double rate)
{
	struct point *p;

	if (!selected_scenario(sc))
		return;
	for (unsigned i = 0; i < npoints; i++) {
		p = &points[i];
		if (p->kind == POINT_POLL && p->ops == ops && p->scenario == sc &&
		    p->threads == threads && p->updater == upd && p->reclaim == rec && p->rate == rate)
			return;
	}
	p = new_point();
	p->kind = POINT_POLL;
	p->ops = ops;
	p->scenario = sc;
	p->threads = threads;
	p->updater = upd;
	p->reclaim = rec;
	p->rate = rate;
}

static void add_rw(const struct sync_ops *ops, unsigned readers, unsigned writers, enum sync_reclaim rec)
{
	struct point *p;

	if (opt.no_rw)
		return;
	p = new_point();
	p->kind = POINT_RW;
	p->ops = ops;
	p->readers = readers;
	p->writers = writers;
	p->reclaim = rec;
}

/*
 * The thread sweep of one scenario in a matrix. quick: idle and saturated
 * (unless --scenarios says otherwise) at threads = CPUs. default (sized for
 * 6 repetitions in 10 minutes on 2 cores): idle at 1, CPUs and 2 x CPUs (the
 * first oversubscribed count: a sleeping thread's cost, a wakeup, is a count
 * that means the same on any machine), saturated at CPUs and 2 x CPUs, mixed
 * and bursty at CPUs only. full: every count.
 */
static unsigned sweep_threads(int sc, unsigned *out)
{
	unsigned tc[32], ntc = thread_counts(tc), n = 0, c = opt.online_cpus;

	if (opt.nthreads) {
		memcpy(out, opt.threads, opt.nthreads * sizeof(*out));
		return opt.nthreads;
	}
	if (opt.matrix == MATRIX_FULL) {
		memcpy(out, tc, ntc * sizeof(*out));
		return ntc;
	}
	if (opt.matrix == MATRIX_QUICK && !opt.nscenarios && sc != POLLSIM_IDLE && sc != POLLSIM_SATURATED)
		return 0;
	out[n++] = c;
	if (opt.matrix == MATRIX_QUICK || sc == POLLSIM_MIXED || sc == POLLSIM_BURSTY)
		return n;
	if (c > 1 && sc == POLLSIM_IDLE)
		out[n++] = 1;
	out[n++] = 2 * c;
	return n;
}

static void register_strategy(const struct sync_ops *ops, enum sync_reclaim rec)
{
	const int all_upd = opt.matrix == MATRIX_FULL;
	unsigned tc[MAX_LIST + 32];

	for (int sc = 0; sc < POLLSIM_NSCENARIOS; sc++) {
		unsigned ntc = sweep_threads(sc, tc);

		for (unsigned i = 0; i < ntc; i++) {
			for (int u = 0; u < 2; u++) {
				int want = opt.nupdaters ? 0 : u == POLLSIM_UPDATER_LOOP;

				for (unsigned k = 0; k < opt.nupdaters; k++)
					want |= opt.updaters[k] == u;
				/* default: the outside updater at threads = CPUs, idle and saturated */
				if (!opt.nupdaters && u == POLLSIM_UPDATER_OUTSIDE &&
				    (all_upd || (opt.matrix == MATRIX_DEFAULT && tc[i] == opt.online_cpus &&
						 (sc == POLLSIM_IDLE || sc == POLLSIM_SATURATED))))
					want = 1;
				if (want)
					add_poll(ops, sc, tc[i], u, rec, opt.rate);
			}
		}
	}
	/*
	 * update-rate sweep, threads = online CPUs, updater in a loop:
	 * saturated (where updates stall busy loops); full: idle too.
	 */
	if (!opt.no_rates && opt.matrix != MATRIX_QUICK && !opt.nthreads)
		for (unsigned r = 0; r < opt.nrates; r++) {
			add_poll(ops, POLLSIM_SATURATED, opt.online_cpus, POLLSIM_UPDATER_LOOP, rec, opt.rates[r]);
			if (opt.matrix == MATRIX_FULL)
				add_poll(ops, POLLSIM_IDLE, opt.online_cpus, POLLSIM_UPDATER_LOOP, rec, opt.rates[r]);
		}
	/*
	 * readers/writers (not in quick): the read side alone (1 reader, no
	 * writer), then 1 writer against CPUs readers (full: 1 .. 2 x CPUs
	 * readers).
	 */
	if (rec == SYNC_RECLAIM_SYNC && opt.matrix != MATRIX_QUICK)
		add_rw(ops, 1, 0, rec);
	if (opt.matrix == MATRIX_FULL) {
		for (unsigned r = 1; r <= 2 * opt.online_cpus; r *= 2)
			add_rw(ops, r, 1, rec);
	} else if (opt.matrix == MATRIX_DEFAULT) {
		add_rw(ops, opt.online_cpus, 1, rec);
	}
}

static void name_point(struct point *p)
{
	if (p->kind == POINT_POLL) {
		snprintf(p->name, sizeof(p->name), "%s/%s/threads:%u/updater:%s/reclaim:%s/rate:%g",
			 pollsim_scenario_name(p->scenario), p->ops->name, p->threads,
			 pollsim_updater_names[p->updater & 1], reclaim_name(p->reclaim), p->rate);
		snprintf(p->group, sizeof(p->group), "%s/threads:%u/updater:%s/rate:%g",
			 pollsim_scenario_name(p->scenario), p->threads,
			 pollsim_updater_names[p->updater & 1], p->rate);
	} else {
		snprintf(p->name, sizeof(p->name), "rw/%s/readers:%u/writers:%u/reclaim:%s",
			 p->ops->name, p->readers, p->writers, reclaim_name(p->reclaim));
		snprintf(p->group, sizeof(p->group), "rw/readers:%u/writers:%u", p->readers, p->writers);
	}
}

static void register_all(void)
{
	for (size_t s = 0; sync_registry[s]; s++) {
		const struct sync_ops *ops = sync_registry[s];

		if (!selected_strategy(ops))
			continue;
		register_strategy(ops, SYNC_RECLAIM_SYNC);
		if (ops->caps & SYNC_CAP_DEFER)
			register_strategy(ops, SYNC_RECLAIM_DEFER);
	}
	for (unsigned i = 0; i < npoints; i++)
		name_point(&points[i]);
}

/*
 * The run order for R repetitions: groups in order of first appearance, and
 * in each group R rounds over its points. One "<repetition>\t<name>" line
 * per process to run.
 */
static void print_plan(unsigned reps)
{
	char *done = calloc(npoints ? npoints : 1, 1);

	if (!done)
		exit(1);
	for (unsigned g = 0; g < npoints; g++) {
		if (done[g])
			continue;
		for (unsigned r = 1; r <= reps; r++)
			for (unsigned i = g; i < npoints; i++)
				if (strcmp(points[i].group, points[g].group) == 0) {
					printf("%u\t%s\n", r, points[i].name);
					done[i] = 1;
				}
	}
	free(done);
}

int main(int argc, char **argv)
{
	static const double durations[] = { 0.04, 0.1, 0.2 };
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	char buf[64];

	opt.online_cpus = n > 0 ? (unsigned)n : 1;
	argc = parse_own_flags(argc, argv);
	if (opt.duration < 0)
		opt.duration = durations[opt.matrix];
	if (opt.baseline_duration < 0)
		opt.baseline_duration = opt.duration / 2;
	if (opt.floors_budget < 0 && opt.matrix != MATRIX_FULL)
		opt.floors_budget = 0.02;
	register_all();
	if (npoints == 0) {
		fprintf(stderr, "%s: the options select no benchmark point\n", PROG);
		return 2;
	}
	if (opt.list_points || opt.plan) {
		for (unsigned i = 0; opt.list_points && i < npoints; i++)
			put_params(stdout, &points[i], 1);
		if (opt.plan)
			print_plan(opt.plan);
		return fflush(stdout) || ferror(stdout) ? 1 : 0;
	}
	for (unsigned i = 0; i < npoints; i++) {
		struct point *p = &points[i];
		struct gb_bench *b = gb_register(p->name, p->kind == POINT_POLL ? bm_poll : bm_rw, p);

		gb_bench_iterations(b, 1);
		gb_bench_use_manual_time(b);
		gb_bench_unit(b, GB_MILLISECOND);
	}
	snprintf(buf, sizeof(buf), "%u", opt.online_cpus);
	gb_add_custom_context("online_cpus", buf);
	snprintf(buf, sizeof(buf), "%g", opt.duration);
	gb_add_custom_context("duration_s", buf);
	snprintf(buf, sizeof(buf), "%g", opt.baseline_duration);
	gb_add_custom_context("baseline_duration_s", buf);
	snprintf(buf, sizeof(buf), "%g", opt.rate);
	gb_add_custom_context("update_rate", buf);
	gb_add_custom_context("placement", pollsim_placement_names[opt.placement % 3]);
	return gb_main(argc, argv);
}
