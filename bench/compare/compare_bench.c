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
 * (compare.sh runs one process per round of a group), each tagged
 * --repetition=N.
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
 *    of the same point (update_rate 0) of --baseline-duration seconds (by
 *    default as long as the measured run), scaled to its exact wall time.
 *  - latencies as ratios to the floors measured at the run's start.
 *  - reader overhead against `none` needs none's point of the same round:
 *    analyze computes it from event_cpu_ns.
 *
 * Bad values: one line on stderr naming the flag, exit status 2; Google
 * Benchmark's --benchmark_repetitions and --benchmark_filter are checked here
 * first, since the library aborts on some values. A record or summary that
 * cannot be written completely is exit status 1.
 */
#include "bench/compare/matrix.h"
#include "bench/compare/orchestrator.h"
#include "bench/lib/flags.h"
#include "bench/lib/floors.h"
#include "bench/gbench/gbench.h"
#include "bench/sim/pollsim.h"
#include "bench/rw/rw.h"
#include "strategies/sync.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The flags' values, with their defaults (matrix.h). */
struct compare_opt opt = {
	.matrix = MATRIX_DEFAULT,
	.duration = -1,
	.baseline_duration = -1,
	.rate = 200,

	.placement = POLLSIM_PLACE_NONE,
	.floors_budget = -1,
	.repetition = 1,
};

static unsigned npoints_done;

/* A point not run because a stop was asked (compare.sh drops it). */
#define STOP_MSG "not run: interrupted"

/* ---- flags ---- */

#define OWN_FLAGS "--matrix= --strategies= --scenarios= --threads= --updaters= --no-rw --no-rates " \
	"--duration= --baseline-duration= --rate= --rates= --placement= --floors-budget= " \
	"--summary= --records= --repetition= --list-points --plan= " \
	"--progress-fd= --progress-done= --progress-total= --progress-elapsed=, " \
	"plus Google Benchmark's --benchmark_*"
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
		} else if (strncmp(a, "--progress-fd=", 14) == 0) {
			unsigned fd;

			if (flags_parse_unsigned(v, 3, 1000, &fd) || fcntl((int)fd, F_GETFD) < 0)
				flags_die(PROG, "--progress-fd", v, "an open file descriptor, an integer in [3, 1000]");
			orch_progress.fd = (int)fd;
		} else if (strncmp(a, "--progress-done=", 16) == 0) {
			if (flags_parse_unsigned(v, 0, 100000000, &orch_progress.done))
				flags_die(PROG, "--progress-done", v, "an integer in [0, 100000000]");
		} else if (strncmp(a, "--progress-total=", 17) == 0) {
			if (flags_parse_unsigned(v, 1, 100000000, &orch_progress.total))
				flags_die(PROG, "--progress-total", v, "an integer in [1, 100000000]");
		} else if (strncmp(a, "--progress-elapsed=", 19) == 0) {
			if (flags_parse_double(v, 0, 1e7, 0, &orch_progress.elapsed_s))
				flags_die(PROG, "--progress-elapsed", v, "seconds in [0, 10000000]");
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
	 * The estimated seconds of one run of this point (its share of the
	 * process start-up and orchestration, about 0.05 s on a 2-CPU VM; floors,
	 * baseline, run, thread start-up): for the plan's estimate.
	 */
	if (json)
		fprintf(f, ", \"est_s\": %.3f}\n", 0.05 + (opt.floors_budget > 0 ? opt.floors_budget :
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

/*
 * The start of every point: after a stop was asked, reports the point as
 * not run (no record) and returns 0; else prints its progress line and
 * returns 1.
 */
static int point_begin(struct gb_state *st, const struct point *p)
{
	/*
	 * A process that dies in the middle of its points, for the test of
	 * compare.sh's recovery (compare_robustness_test): COMPARE_BENCH_ABORT_AT=N
	 * aborts as the Nth point of this process starts.
	 */
	const char *abort_at = getenv("COMPARE_BENCH_ABORT_AT");

	if (abort_at && strtoul(abort_at, NULL, 10) == npoints_done + 1)
		abort();
	if (orch_stopped()) {
		gb_skip_with_error(st, STOP_MSG);
		while (gb_keep_running(st))
			;
		return 0;
	}
	orch_progress_line(npoints_done + 1, p->name, opt.repetition);
	return 1;
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

	if (!point_begin(st, p))
		return;
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
	/* participants only; vcsw_per_update is the simulator's (the whole process) */
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
			{ "updates_skipped", (double)res->updates_skipped },
			{ "time_to_safe_p50_ns", res->time_to_safe_measured ? up * q(ts, 0.50) : NAN },
			{ "time_to_safe_p99_ns", res->time_to_safe_measured ? up * q(ts, 0.99) : NAN },
			{ "reclaim_p50_ns", up * q(&res->reclaim_latency, 0.50) },
			{ "sync_wakeups_per_update", per_update((double)res->sync_wakeups, res->updates) },
			{ "vcsw_per_update", up * res->vcsw_per_update },
			{ "vcsw_per_update_participants", per_update(vcsw, res->updates) },
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
		if (res->time_to_safe_measured)
			rec_hist(rec, "time_to_safe", ts);
		rec_hist(rec, "reclaim_latency", &res->reclaim_latency);
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

	if (!point_begin(st, p))
		return;
	rw_config_quiet(&cfg, p->ops, p->readers, p->writers, opt.duration);
	cfg.reclaim = p->reclaim;
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
			{ "ns_per_read", res.reads ? rw_ns_per_read(&res) : NAN },
			/* net of the harness's own reference loop; absent when within its noise */
			{ "ns_per_read_net", rw_ns_per_read_net(&res) },
			{ "floor_ns_per_read", res.floor_ns_per_read },
			{ "read_retries", (double)res.read_retries },
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
int main(int argc, char **argv)
{
	static const double durations[] = { 0.04, 0.1, 0.2 };
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	char buf[64];

	opt.online_cpus = n > 0 ? (unsigned)n : 1;
	argc = parse_own_flags(argc, argv);
	if (opt.duration < 0)
		opt.duration = durations[opt.matrix];
	/*
	 * The baseline as long as the measured run: a run has terms fixed per
	 * run (each participant's stop wakeup, the first event period) that a
	 * shorter baseline scaled up would count twice or half.
	 */
	if (opt.baseline_duration < 0)
		opt.baseline_duration = opt.duration;
	/*
	 * Sized for the registry's 20-odd series: quick measures no floors
	 * (its figures are not shown as ratios to them), default a short one.
	 */
	if (opt.floors_budget < 0 && opt.matrix != MATRIX_FULL)
		opt.floors_budget = opt.matrix == MATRIX_QUICK ? 0 : 0.02;
	/* the update-rate sweep besides --rate: default 20000/s, full 20, 2000, 20000 */
	if (!opt.nrates) {
		static const double full[] = { 20, 2000, 20000 };

		opt.nrates = opt.matrix == MATRIX_FULL ? 3 : 1;
		memcpy(opt.rates, opt.matrix == MATRIX_FULL ? full : full + 2, opt.nrates * sizeof(double));
	}
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
	if (orch_progress.fd >= 0 && !orch_progress.total)
		flags_die(PROG, "--progress-fd", "", "goes with --progress-total=N");
	orch_start(PROG);
	{
		int st = gb_main(argc, argv);

		return orch_stopped() ? 128 + orch_stopped() : st;
	}
}
