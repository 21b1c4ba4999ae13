/*
 * compare_bench.c - the comparison's benchmark points, every strategy of the
 * registry on every scenario, through Google Benchmark's C API (gbench.h).
 *
 * What a point is. One benchmark = one pollsim_run() (or one rw_run()) of
 * `duration` seconds: Iterations(1), UseManualTime with the run's wall time.
 * A poll-loop run is not a repeatable micro-operation that Google Benchmark
 * could size by itself: its figures (percentiles of update latency, wakeups,
 * CPU) come from the simulator's own histograms and counters, reported as
 * counters. Repetitions (--benchmark_repetitions) still work: each repetition
 * is one more independent run, and //bench:compare_runs uses their spread as
 * the noise.
 *
 * Names (one word per strategy everywhere; parsed by plots/, summary.sh and
 * merge.jq by position; Google Benchmark appends /iterations:1/manual_time):
 *   <scenario>/<strategy>/threads:N/updater:U/reclaim:R/rate:X
 *     the thread sweep (every scenario, both updaters, rate = --rate) and the
 *     update-rate sweep (idle and saturated at threads = online CPUs, updater
 *     in a loop, rates --rates; the point at --rate is the sweep's own);
 *   rw/<strategy>/readers:R/writers:W/reclaim:R
 *     readers/writers: 1 reader and no writer (the read side alone), then
 *     1 writer against 1, 2, 4 ... 2x CPUs readers (rw_run()).
 * Reclaim modes: sync for every strategy, defer too for those with
 * SYNC_CAP_DEFER; "reclaim:sync" on an exclusive strategy means in place.
 * Thread counts: 1, 2, 4, ... up to twice the online CPUs, then 64, 128, 256.
 * Every point is registered for every strategy: a point a strategy cannot
 * run (thread limit, reclaim mode, membarrier refused) is reported through
 * gb_skip_with_error() with the strategy's own one-line reason, so that it
 * shows in the JSON instead of silently missing.
 *
 * Figures that need a reference measured in the same run:
 *  - CPU and voluntary context switches per update subtract a no-update run
 *    of the same point (same strategy, scenario, threads, updater, reclaim;
 *    update_rate 0) of --baseline-duration seconds, scaled to the measured
 *    run's wall time: the strategy's cost without updates (e.g. qsbr's
 *    quiescent states) is not a cost of the updates.
 *  - latencies as ratios to the floors (cache-line round trip, sleep->wake
 *    round trip) that pollsim_run() measured at its start.
 *  - reader overhead (per event, against `none`) is NOT computed here: the
 *    same point of `none` is another benchmark (another process, even).
 *    Each point reports event_cpu_ns, the participants' CPU per event of
 *    its no-update baseline (the loop with the strategy's read-side and
 *    per-iteration hooks, without updates); bench/merge.jq adds
 *    reader_overhead_ns = event_cpu_ns - none's at the same scenario,
 *    threads, updater and rate of the same run.
 *
 * Own flags (removed from argv before Google Benchmark sees the rest):
 *   --duration=S           seconds per measured run (default 0.4)
 *   --baseline-duration=S  seconds of the no-update run (default duration/2)
 *   --rate=N               updates per second of the thread sweep (default 200)
 *   --rates=A,B,...        rates of the update-rate sweep (default 20,200,2000,20000)
 *   --placement=P          none|compact|scatter (default none)
 *   --floors-budget=S      seconds for the floors at each run's start (0: skip
 *                          them, ratios then 0; default: the simulator's)
 *   --summary=FILE         append every run's SUMMARY line to FILE
 * Bad values: one line on stderr naming the flag, exit status 2.
 * Progress: one line per point on stderr.
 */
#include "bench/flags.h"
#include "bench/gbench.h"
#include "bench/pollsim.h"
#include "bench/rw.h"
#include "strategies/sync.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum point_kind { POINT_POLL, POINT_RW };

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
};

/* Settings from our own flags; written by main() before gb_main() only. */
static struct {
	double duration;
	double baseline_duration;
	double rate;
	double rates[16];
	unsigned nrates;
	enum pollsim_placement placement;
	double floors_budget;
	const char *summary_path;
	unsigned online_cpus;
} opt = {
	.duration = 0.4,
	.baseline_duration = -1,
	.rate = 200,
	.rates = { 20, 200, 2000, 20000 },
	.nrates = 4,
	.placement = POLLSIM_PLACE_NONE,
	.floors_budget = -1,
};

/* Points run so far by this process; only the benchmark thread touches it. */
static unsigned npoints_done;

/* ---- flags ---- */

#define PROG "compare_bench"
#define OWN_FLAGS "--duration= --baseline-duration= --rate= --rates= --placement= --floors-budget= " \
	"--summary=, " \
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

static void parse_rates(const char *val)
{
	const unsigned max = sizeof(opt.rates) / sizeof(opt.rates[0]);
	char buf[256], *save = NULL, *tok;

	/* strtok_r skips empty items: refuse them here ("1,,2", ",1", "1,") */
	if (strlen(val) >= sizeof(buf) || !*val || *val == ',' || val[strlen(val) - 1] == ',' ||
	    strstr(val, ",,"))
		flags_die(PROG, "--rates", val, "1 to %u comma-separated rates in [0.001, 1000000]", max);
	strcpy(buf, val);
	opt.nrates = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (opt.nrates == max)
			flags_die(PROG, "--rates", val, "1 to %u comma-separated rates in [0.001, 1000000]", max);
		opt.rates[opt.nrates++] = parse_rate("--rates", tok);
	}
	if (opt.nrates == 0)
		flags_die(PROG, "--rates", val, "1 to %u comma-separated rates in [0.001, 1000000]", max);
}

/*
 * Consumes our flags from argv, leaving the rest (Google Benchmark's, which
 * gb_main() validates) in place; returns the new argc.
 */
static int parse_own_flags(int argc, char **argv)
{
	static const char *const placements[] = { "none", "compact", "scatter", NULL };
	int out = 1;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = strchr(a, '=');
		char buf[64];
		int idx;

		if (strncmp(a, "--benchmark_", 12) == 0 || strcmp(a, "--help") == 0) {
			argv[out++] = argv[i];
			continue;
		}
		if (!v || strncmp(a, "--", 2) != 0)
			flags_die_usage(PROG, "%s: unknown argument (flags: %s)", a, OWN_FLAGS);
		v++;
		if (strncmp(a, "--duration=", 11) == 0) {
			opt.duration = parse_seconds("--duration", v);
		} else if (strncmp(a, "--baseline-duration=", 20) == 0) {
			opt.baseline_duration = parse_seconds("--baseline-duration", v);
		} else if (strncmp(a, "--rate=", 7) == 0) {
			opt.rate = parse_rate("--rate", v);
		} else if (strncmp(a, "--rates=", 8) == 0) {
			parse_rates(v);
		} else if (strncmp(a, "--placement=", 12) == 0) {
			if (flags_parse_choice(v, placements, &idx))
				flags_die(PROG, "--placement", v, "one of %s",
					  flags_choices(placements, buf, sizeof(buf)));
			opt.placement = idx == 1 ? POLLSIM_PLACE_COMPACT :
					idx == 2 ? POLLSIM_PLACE_SCATTER : POLLSIM_PLACE_NONE;
		} else if (strncmp(a, "--floors-budget=", 16) == 0) {
			if (flags_parse_double(v, 0, 10, 0, &opt.floors_budget))
				flags_die(PROG, "--floors-budget", v, "seconds in [0, 10] (0: no floors)");
		} else if (strncmp(a, "--summary=", 10) == 0) {
			if (!*v)
				flags_die(PROG, "--summary", v, "a file path");
			opt.summary_path = v;
		} else {
			flags_die_usage(PROG, "%s: unknown flag (flags: %s)", a, OWN_FLAGS);
		}
	}
	argv[out] = NULL;
	return out;
}

/* ---- helpers ---- */

static const char *reclaim_name(enum sync_reclaim r)
{
	return r == SYNC_RECLAIM_DEFER ? "defer" : "sync";
}

static void append_summary_poll(const struct pollsim_config *c, const struct pollsim_result *r)
{
	FILE *f;

	if (!opt.summary_path)
		return;
	f = fopen(opt.summary_path, "a");
	if (!f) {
		fprintf(stderr, "compare_bench: cannot append to %s: %s\n", opt.summary_path,
			strerror(errno));
		return;
	}
	pollsim_print_summary(f, c, r);
	fclose(f);
}

/* One line per point on stderr: stdout belongs to Google Benchmark's report. */
static void progress(const struct point *p, const char *what, uint64_t t0)
{
	fprintf(stderr, "compare_bench: [%u] %s: %s (%.2f s)\n", ++npoints_done, p->name, what,
		(double)(sync_now_ns() - t0) / 1e9);
}

static void progress_skipped(const struct point *p, const char *msg, uint64_t t0)
{
	char what[600];

	snprintf(what, sizeof(what), "skipped: %s", msg);
	progress(p, what, t0);
}

/*
 * Reports the point as skipped with msg (the strategy's one-line reason),
 * before the state loop: the loop must still run to its end.
 */
static void skip_point(struct gb_state *st, const struct point *p, const char *msg, uint64_t t0)
{
	gb_skip_with_error(st, msg);
	while (gb_keep_running(st))
		;
	progress_skipped(p, msg, t0);
}

/* ns per update (callers only ask when there were updates). */
static double per_update(double v, uint64_t updates)
{
	return updates ? v / (double)updates : 0;
}

static double ratio(double a, double b)
{
	return b > 0 ? a / b : 0;
}

/* ---- the poll-loop benchmark ---- */

static void bm_poll(struct gb_state *st, void *user)
{
	const struct point *p = user;
	struct pollsim_config cfg, base_cfg;
	struct pollsim_result *res, *base;
	char err[512], label[1024];
	double p50, p99, p999, cl, wk, base_scale, vcsw;
	uint64_t t0 = sync_now_ns();

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

	/*
	 * The simulator's own check first (field ranges, and the strategy's
	 * domain_create: thread limit, reclaim mode, membarrier refused): a
	 * point the strategy cannot run is reported with its reason at once.
	 */
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

	/*
	 * The no-update baseline of this very point, before the measured run
	 * (the simulator's definition: same configuration, update_rate 0, no
	 * floors), shorter: only its rates are used.
	 */
	pollsim_baseline_config(&cfg, &base_cfg);
	base_cfg.duration_s = opt.baseline_duration;
	if (pollsim_run(&base_cfg, base, err, sizeof(err))) {
		free(res);
		skip_point(st, p, err, t0);
		return;
	}
	append_summary_poll(&base_cfg, base);

	while (gb_keep_running(st)) {
		if (pollsim_run(&cfg, res, err, sizeof(err))) {
			gb_skip_with_error(st, err);
			continue;
		}
		gb_set_iteration_time(st, res->wall_s);
	}
	if (gb_error_occurred(st)) {
		free(res);
		progress_skipped(p, err, t0);
		return;
	}
	pollsim_apply_baseline(res, base);
	append_summary_poll(&cfg, res);

	p50 = (double)hist_quantile(&res->update_latency, 0.50);
	p99 = (double)hist_quantile(&res->update_latency, 0.99);
	p999 = (double)hist_quantile(&res->update_latency, 0.999);
	cl = res->floor_cacheline_rtt_ns;
	wk = res->floor_wake_rtt_ns;
	/* The baseline's context switches, scaled to this run's length. */
	base_scale = base->wall_s > 0 ? res->wall_s / base->wall_s : 0;
	vcsw = (double)res->voluntary_ctx_switches - base_scale * (double)base->voluntary_ctx_switches;

	gb_counter(st, "loop_threads", p->threads, 0);
	gb_counter(st, "participants", res->participants, 0);
	gb_counter(st, "online_cpus", res->online_cpus, 0);
	gb_counter(st, "oversubscribed", res->oversubscribed ? 1 : 0, 0);
	gb_counter(st, "update_rate", p->rate, 0);
	gb_counter(st, "updates", (double)res->updates, 0);
	/*
	 * No update completed (a loop thread too busy or too preempted to
	 * run one in time): the update figures are left out, not reported as
	 * 0, so that no plot or table shows a latency that was never measured;
	 * the label says why.
	 */
	if (res->updates) {
		gb_counter(st, "update_p50_ns", p50, 0);
		gb_counter(st, "update_p90_ns", (double)hist_quantile(&res->update_latency, 0.90), 0);
		gb_counter(st, "update_p99_ns", p99, 0);
		gb_counter(st, "update_p999_ns", p999, 0);
		gb_counter(st, "update_max_ns", (double)res->update_latency.max, 0);
		gb_counter(st, "safe_p50_ns", (double)hist_quantile(&res->time_to_safe, 0.50), 0);
		gb_counter(st, "safe_p99_ns", (double)hist_quantile(&res->time_to_safe, 0.99), 0);
		gb_counter(st, "sync_wakeups_per_update", per_update((double)res->sync_wakeups, res->updates), 0);
		gb_counter(st, "vcsw_per_update", per_update(vcsw, res->updates), 0);
		gb_counter(st, "vcsw_per_update_raw", per_update((double)res->voluntary_ctx_switches,
								 res->updates), 0);
		gb_counter(st, "cpu_ns_per_update", res->cpu_ns_per_update, 0);
		gb_counter(st, "cpu_ns_per_update_raw", per_update((double)res->process_cpu_ns, res->updates), 0);
		gb_counter(st, "update_p50_x_cacheline", ratio(p50, cl), 0);
		gb_counter(st, "update_p99_x_cacheline", ratio(p99, cl), 0);
		gb_counter(st, "update_p50_x_wake", ratio(p50, wk), 0);
		gb_counter(st, "update_p99_x_wake", ratio(p99, wk), 0);
	}
	gb_counter(st, "sync_wakeups", (double)res->sync_wakeups, 0);
	gb_counter(st, "baseline_cpu_ns_per_s", base->wall_s > 0 ?
		   (double)base->process_cpu_ns / base->wall_s : 0, 0);
	/*
	 * The loop's cost per event without updates: participants' CPU per
	 * event in the baseline run. merge.jq subtracts none's (same point,
	 * same run) to give reader_overhead_ns: what the strategy's read-side
	 * and per-iteration hooks cost per event handled.
	 */
	gb_counter(st, "event_cpu_ns", base->events ?
		   (double)base->thread_cpu_ns_total / (double)base->events : 0, 0);
	gb_counter(st, "events", (double)res->events, 0);
	gb_counter(st, "events_per_s", res->wall_s > 0 ? (double)res->events / res->wall_s : 0, 0);
	gb_counter(st, "event_delay_p50_ns", (double)hist_quantile(&res->event_delay, 0.50), 0);
	gb_counter(st, "event_delay_p99_ns", (double)hist_quantile(&res->event_delay, 0.99), 0);
	gb_counter(st, "reads", (double)res->reads, 0);
	gb_counter(st, "torn_reads", (double)res->torn_reads, 0);
	gb_counter(st, "poisoned_reads", (double)res->poisoned_reads, 0);
	gb_counter(st, "defer_peak_objects", (double)res->defer_peak_objects, 0);
	gb_counter(st, "defer_peak_bytes", (double)res->defer_peak_bytes, 0);
	gb_counter(st, "floor_cacheline_rtt_ns", cl, 0);
	gb_counter(st, "floor_wake_rtt_ns", wk, 0);
	gb_counter(st, "event_delay_p99_x_wake",
		   ratio((double)hist_quantile(&res->event_delay, 0.99), wk), 0);

	/* The placement used (e.g. "compact:0,1,0,1") when threads were pinned. */
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
		progress_skipped(p, err, t0);
		return;
	}
	if (opt.summary_path) {
		FILE *f = fopen(opt.summary_path, "a");

		if (f) {
			rw_print_summary(f, &cfg, &res);
			fclose(f);
		}
	}
	gb_counter(st, "readers", p->readers, 0);
	gb_counter(st, "writers", p->writers, 0);
	gb_counter(st, "oversubscribed", res.oversubscribed ? 1 : 0, 0);
	gb_counter(st, "online_cpus", res.online_cpus, 0);
	gb_counter(st, "reads", (double)res.reads, 0);
	gb_counter(st, "writes", (double)res.writes, 0);
	gb_counter(st, "reads_per_s", res.wall_s > 0 ? (double)res.reads / res.wall_s : 0, 0);
	gb_counter(st, "writes_per_s", res.wall_s > 0 ? (double)res.writes / res.wall_s : 0, 0);
	/* Read-side cost: the readers' time in their loop per read. */
	gb_counter(st, "ns_per_read", res.reads ? (double)res.reader_ns / (double)res.reads : 0, 0);
	gb_counter(st, "write_p50_ns", (double)hist_quantile(&res.write_latency, 0.50), 0);
	gb_counter(st, "write_p99_ns", (double)hist_quantile(&res.write_latency, 0.99), 0);
	gb_counter(st, "torn_reads", (double)res.torn_reads, 0);
	gb_counter(st, "poisoned_reads", (double)res.poisoned_reads, 0);
	gb_counter(st, "defer_peak_objects", (double)res.defer_peak_objects, 0);
	gb_counter(st, "defer_peak_bytes", (double)res.defer_peak_bytes, 0);
	snprintf(label, sizeof(label), "%s%s%s%s", rw_update_name(res.update),
		 res.oversubscribed ? "; oversubscribed" : "",
		 res.strategy_extra[0] ? "; " : "", res.strategy_extra);
	gb_set_label(st, label);
	progress(p, "done", t0);
}

/* ---- registration ---- */

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

/* The reclaim modes a strategy is measured in: sync always, defer when it has it. */
static unsigned reclaim_modes(const struct sync_ops *ops, enum sync_reclaim *out)
{
	unsigned n = 0;

	out[n++] = SYNC_RECLAIM_SYNC;
	if (ops->caps & SYNC_CAP_DEFER)
		out[n++] = SYNC_RECLAIM_DEFER;
	return n;
}

static void fmt_rate(char *buf, size_t len, double rate)
{
	snprintf(buf, len, "%g", rate);
}

/* Registers one poll-loop point unless an identical one already exists. */
static void add_poll(const struct sync_ops *ops, enum pollsim_scenario sc, unsigned threads,
		     enum pollsim_updater upd, enum sync_reclaim rec, double rate)
{
	struct point *p;

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
	struct point *p = new_point();

	p->kind = POINT_RW;
	p->ops = ops;
	p->readers = readers;
	p->writers = writers;
	p->reclaim = rec;
}

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

static void register_all(void)
{
	unsigned tc[32], ntc = thread_counts(tc);
	enum sync_reclaim modes[2];

	for (size_t s = 0; sync_registry[s]; s++) {
		const struct sync_ops *ops = sync_registry[s];
		unsigned nm = reclaim_modes(ops, modes);

		for (unsigned m = 0; m < nm; m++) {
			/* thread sweep: every scenario, updater inside a loop thread and outside */
			for (int sc = 0; sc < POLLSIM_NSCENARIOS; sc++)
				for (unsigned i = 0; i < ntc; i++) {
					add_poll(ops, sc, tc[i], POLLSIM_UPDATER_LOOP, modes[m], opt.rate);
					add_poll(ops, sc, tc[i], POLLSIM_UPDATER_OUTSIDE, modes[m], opt.rate);
				}
			/* update-rate sweep: saturated and idle, threads = online CPUs */
			for (unsigned r = 0; r < opt.nrates; r++) {
				add_poll(ops, POLLSIM_SATURATED, opt.online_cpus, POLLSIM_UPDATER_LOOP,
					 modes[m], opt.rates[r]);
				add_poll(ops, POLLSIM_IDLE, opt.online_cpus, POLLSIM_UPDATER_LOOP,
					 modes[m], opt.rates[r]);
			}
			/*
			 * readers/writers: the read side alone (1 reader, no
			 * writer), then 1 writer against 1 .. 2x CPUs readers.
			 */
			if (modes[m] == SYNC_RECLAIM_SYNC)
				add_rw(ops, 1, 0, modes[m]);
			for (unsigned r = 1; r <= 2 * opt.online_cpus; r *= 2)
				add_rw(ops, r, 1, modes[m]);
		}
	}
	/* points[] is final now: hand out pointers into it. */
	for (unsigned i = 0; i < npoints; i++) {
		struct point *p = &points[i];
		struct gb_bench *b;

		if (p->kind == POINT_POLL) {
			char rbuf[32];

			fmt_rate(rbuf, sizeof(rbuf), p->rate);
			snprintf(p->name, sizeof(p->name), "%s/%s/threads:%u/updater:%s/reclaim:%s/rate:%s",
				 pollsim_scenario_name(p->scenario), p->ops->name, p->threads,
				 p->updater == POLLSIM_UPDATER_OUTSIDE ? "outside" : "loop",
				 reclaim_name(p->reclaim), rbuf);
			b = gb_register(p->name, bm_poll, p);
		} else {
			snprintf(p->name, sizeof(p->name), "rw/%s/readers:%u/writers:%u/reclaim:%s",
				 p->ops->name, p->readers, p->writers, reclaim_name(p->reclaim));
			b = gb_register(p->name, bm_rw, p);
		}
		gb_bench_iterations(b, 1);
		gb_bench_use_manual_time(b);
		gb_bench_unit(b, GB_MILLISECOND);
	}
}

int main(int argc, char **argv)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	char buf[64];

	argc = parse_own_flags(argc, argv);
	if (opt.baseline_duration < 0)
		opt.baseline_duration = opt.duration / 2;
	opt.online_cpus = n > 0 ? (unsigned)n : 1;
	register_all();
	snprintf(buf, sizeof(buf), "%u", opt.online_cpus);
	gb_add_custom_context("online_cpus", buf);
	snprintf(buf, sizeof(buf), "%g", opt.duration);
	gb_add_custom_context("duration_s", buf);
	snprintf(buf, sizeof(buf), "%g", opt.baseline_duration);
	gb_add_custom_context("baseline_duration_s", buf);
	snprintf(buf, sizeof(buf), "%g", opt.rate);
	gb_add_custom_context("update_rate", buf);
	gb_add_custom_context("placement", opt.placement == POLLSIM_PLACE_COMPACT ? "compact" :
			      opt.placement == POLLSIM_PLACE_SCATTER ? "scatter" : "none");
	return gb_main(argc, argv);
}
