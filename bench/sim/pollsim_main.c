/*
 * pollsim_main.c - the //bench:pollsim binary: flags -> pollsim_config ->
 * pollsim_run() -> one data line per participant and ONE final line
 * "SUMMARY key value ..." on stdout; progress (at most one line a second) on
 * stderr unless --quiet.
 *
 * Every flag is validated strictly (bench/lib/flags.h), names exactly: a bad value is ONE line
 * "pollsim: --flag 'value': what is allowed" on stderr and exit status 2.
 * Exit status: 0 done; 1 the run failed (lifecycle callback, resource, thread
 * creation refused); 2 bad flag; 3 the watchdog fired (the run was stuck, or
 * its stop overran the hang guard, see POLLSIM_STOP_NS_PER_PARTICIPANT).
 *
 * --baseline=auto (default): when --update-rate > 0, the same configuration
 * is also run with --update-rate 0 for the same duration (after the measured
 * run, without stall, fault or floors), and cpu_ns_per_update is (process CPU
 * of the run - baseline's process CPU scaled to the run's wall time) /
 * updates. --baseline=off skips it: cpu_ns_per_update is then nan.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/lib/flags.h"
#include "bench/lib/lifecycle.h"
#include "bench/sim/pollsim.h"
#include "strategies/sync.h"

#define PROG "pollsim"

static const char *const baseline_names[] = { "auto", "off", NULL };
static const char *const fail_phase_names[] = { "alloc", "init", "spawn", NULL };

static void usage(FILE *o)
{
	fprintf(o,
		"usage: pollsim [flags]\n"
		"Simulates a poll-loop server: loop threads sleep in epoll_wait, handle events that\n"
		"read a shared table of servers through a strategy's read side, and updates are\n"
		"applied through the strategy. Data on stdout, ending with one SUMMARY line.\n"
		"\n"
		"  --strategy=NAME        one of: %s (default none; --list)\n"
		"  --threads=N            loop threads, 1..%u and the strategy's limit (default 2)\n"
		"  --scenario=S           idle|saturated|mixed|bursty|slowcall (default idle):\n"
		"                           idle: %g events/s per thread (--event-rate), each\n"
		"                             costing --event-cost-us of CPU; asleep almost always;\n"
		"                           saturated: every thread always has a ready event, polls\n"
		"                             with timeout 0, one event per loop iteration; event\n"
		"                             delay = gap between the end of an event and the next;\n"
		"                           mixed: even threads saturated, odd threads idle;\n"
		"                           bursty: idle plus, every %g ms, %d events at once on\n"
		"                             every thread\n"
		"                           slowcall: idle at %g events/s, each event ending in a\n"
		"                             %d us blocking call inside its task, harmless but\n"
		"                             not idle (harmless_begin/harmless_end around it)\n"
		"  --duration=S           seconds, (0, 3600] (default 1)\n"
		"  --update-rate=R        updates per second, [0, 1000000]; 0: no updates (default 10)\n"
		"  --updater=loop|outside who updates: loop thread 0, or an extra thread (default outside)\n"
		"  --placement=P          none|compact|scatter: hwloc thread binding (default none)\n"
		"  --arrival=A            fixed|poisson: events and updates schedule (default fixed;\n"
		"                           fixed: period 1/rate, thread i shifted by i/threads of it)\n"
		"  --reclaim=R            sync|defer, for grace-period strategies (default sync)\n"
		"  --event-cost-us=US     CPU per event in microseconds, [0, 1000000] (default 2)\n"
		"  --event-rate=R         events/s per idle thread, (0, 1000000] (default %g)\n"
		"  --no-events            no events at all, whatever the scenario (deterministic tests)\n"
		"  --table-size=N         entries walked per event, 1..1000000 (default 16)\n"
		"  --watchdog=S           bound on any synchronization wait, 0.001 to 3600 s (default 2);\n"
		"                           over it: a report of who holds the run up, exit status 3\n"
		"  --stall=T:MS           loop thread T stalls once, %g ms after the start, inside a\n"
		"                           read section for MS ms, (0, 3600000] or inf\n"
		"  --fail=PHASE:T         fault injection on participant T: alloc|init, its callback\n"
		"                           fails; spawn, its pthread_create is refused (EAGAIN)\n"
		"  --seed=N               random seed, 0..2^64-1 (default 1)\n"
		"  --baseline=auto|off    auto: also run without updates to get cpu_ns_per_update\n"
		"  --quiet                no progress on stderr\n"
		"  --list                 the strategies: name family thread-limit origin\n"
		"  --help                 this text\n"
		"Exit status: 0 ok, 1 run failed, 2 bad flag, 3 watchdog fired.\n",
		sync_names(), POLLSIM_MAX_THREADS, POLLSIM_IDLE_EVENT_RATE, POLLSIM_BURST_PERIOD_S * 1000,
		POLLSIM_BURST_EVENTS, POLLSIM_SLOWCALL_EVENT_RATE, POLLSIM_SLOWCALL_US, POLLSIM_IDLE_EVENT_RATE, POLLSIM_STALL_AT_S * 1000);
}

static void list_strategies(void)
{
	for (size_t i = 0; sync_registry[i]; i++) {
		const struct sync_ops *o = sync_registry[i];
		char lim[32];

		if (o->max_threads)
			snprintf(lim, sizeof(lim), "max_threads:%u", o->max_threads);
		else
			snprintf(lim, sizeof(lim), "max_threads:none");
		printf("%-16s %-10s %-16s %s\n", o->name, o->family, lim, o->origin);
	}
}

static int choice(const char *flag, const char *v, const char *const *names)
{
	char buf[256];
	int idx;

	if (flags_parse_choice(v, names, &idx))
		flags_die(PROG, flag, v, "one of %s", flags_choices(names, buf, sizeof(buf)));
	return idx;
}

static double number(const char *flag, const char *v, double min, double max, unsigned opts,
		     const char *what)
{
	double d;

	if (flags_parse_double(v, min, max, opts, &d))
		flags_die(PROG, flag, v, "%s", what);
	return d;
}

int main(int argc, char **argv)
{
	enum {
		O_STRATEGY, O_THREADS, O_SCENARIO, O_DURATION, O_UPDATE_RATE, O_UPDATER, O_PLACEMENT,
		O_ARRIVAL, O_RECLAIM, O_EVENT_COST, O_EVENT_RATE, O_NO_EVENTS, O_TABLE_SIZE, O_WATCHDOG,
		O_STALL, O_FAIL, O_SEED, O_BASELINE, O_QUIET, O_LIST, O_HELP,
	};
	/* In the order of the enum above. */
	static const struct flags_spec specs[] = {
		{ "strategy", 1, "a strategy name, see --list" },
		{ "threads", 1, "loop threads" },
		{ "scenario", 1, "idle|saturated|mixed|bursty|slowcall" },
		{ "duration", 1, "seconds" },
		{ "update-rate", 1, "updates per second" },
		{ "updater", 1, "loop|outside" },
		{ "placement", 1, "none|compact|scatter" },
		{ "arrival", 1, "fixed|poisson" },
		{ "reclaim", 1, "sync|defer" },
		{ "event-cost-us", 1, "microseconds" },
		{ "event-rate", 1, "events per second" },
		{ "no-events", 0, NULL },
		{ "table-size", 1, "entries" },
		{ "watchdog", 1, "seconds" },
		{ "stall", 1, "THREAD:MS" },
		{ "fail", 1, "PHASE:THREAD" },
		{ "seed", 1, "an integer" },
		{ "baseline", 1, "auto|off" },
		{ "quiet", 0, NULL },
		{ "list", 0, NULL },
		{ "help", 0, NULL },
	};
	struct pollsim_config cfg;
	struct pollsim_result *res;
	const char *stall_arg = NULL, *fail_arg = NULL, *threads_arg = NULL;
	const char *strategy_arg = "none", *reclaim_arg = "sync";
	int baseline = 0, argi = 1, k, idx;
	char err[512], a[64], b[64];
	const char *flag, *v;
	unsigned u;
	uint64_t u64;

	pollsim_config_default(&cfg);
	while ((k = flags_next(PROG, argc, argv, &argi, specs, sizeof(specs) / sizeof(specs[0]), &v)) >= 0) {
		switch (k) {
		case O_STRATEGY:
			strategy_arg = v;
			cfg.strategy = sync_find(v);
			if (!cfg.strategy)
				flags_die(PROG, "--strategy", v, "one of %s", sync_names());
			break;
		case O_THREADS:
			threads_arg = v;
			if (flags_parse_unsigned(v, 1, POLLSIM_MAX_THREADS, &u))
				flags_die(PROG, "--threads", v, "loop threads, an integer from 1 to %u",
					  POLLSIM_MAX_THREADS);
			cfg.threads = u;
			break;
		case O_SCENARIO:
			cfg.scenario = (enum pollsim_scenario)choice("--scenario", v, pollsim_scenario_names);
			break;
		case O_DURATION:
			cfg.duration_s = number("--duration", v, 0, 3600, FLAGS_MIN_EXCLUSIVE,
						"seconds, more than 0 and at most 3600");
			break;
		case O_UPDATE_RATE:
			cfg.update_rate = number("--update-rate", v, 0, 1e6, 0,
						 "updates per second from 0 (none) to 1000000");
			break;
		case O_UPDATER:
			cfg.updater = (enum pollsim_updater)choice("--updater", v, pollsim_updater_names);
			break;
		case O_PLACEMENT:
			cfg.placement = (enum pollsim_placement)choice("--placement", v,
								       pollsim_placement_names);
			break;
		case O_ARRIVAL:
			cfg.arrival = (enum pollsim_arrival)choice("--arrival", v, pollsim_arrival_names);
			break;
		case O_RECLAIM:
			reclaim_arg = v;
			cfg.reclaim = (enum sync_reclaim)choice("--reclaim", v, pollsim_reclaim_names);
			break;
		case O_EVENT_COST:
			cfg.event_cost_us = number("--event-cost-us", v, 0, 1e6, 0,
						   "microseconds of CPU per event, from 0 to 1000000");
			break;
		case O_EVENT_RATE:
			cfg.event_rate = number("--event-rate", v, 0, 1e6, FLAGS_MIN_EXCLUSIVE,
						"events per second per thread, more than 0 and at most 1000000 "
						"(--no-events for none)");
			break;
		case O_NO_EVENTS:
			cfg.no_events = 1;
			break;
		case O_TABLE_SIZE:
			if (flags_parse_unsigned(v, 1, 1000000, &u))
				flags_die(PROG, "--table-size", v, "entries, an integer from 1 to 1000000");
			cfg.table_size = u;
			break;
		case O_WATCHDOG:
			cfg.watchdog_s = number("--watchdog", v, 0.001, 3600, 0, "seconds, from 0.001 to 3600");
			break;
		case O_STALL:
			stall_arg = v;
			if (flags_split_pair(v, a, sizeof(a), b, sizeof(b)) ||
			    flags_parse_unsigned(a, 0, POLLSIM_MAX_THREADS - 1, &u) ||
			    flags_parse_double(b, 0, 3600000, FLAGS_MIN_EXCLUSIVE | FLAGS_ALLOW_INF, &cfg.stall_ms))
				flags_die(PROG, "--stall", v,
					  "THREAD:MS, a loop thread and milliseconds in (0, 3600000] or inf");
			cfg.stall_thread = (int)u;
			break;
		case O_FAIL:
			fail_arg = v;
			if (flags_split_pair(v, a, sizeof(a), b, sizeof(b)) ||
			    flags_parse_choice(a, fail_phase_names, &idx) ||
			    flags_parse_unsigned(b, 0, POLLSIM_MAX_THREADS, &u))
				flags_die(PROG, "--fail", v, "PHASE:THREAD, PHASE alloc, init or spawn, THREAD a participant");
			cfg.fail_phase = idx == 0 ? LC_ALLOC : idx == 1 ? LC_INIT : POLLSIM_FAIL_SPAWN;
			cfg.fail_thread = (int)u;
			break;
		case O_SEED:
			if (flags_parse_u64(v, 0, UINT64_MAX, &u64))
				flags_die(PROG, "--seed", v, "an integer from 0 to 18446744073709551615");
			cfg.seed = u64;
			break;
		case O_BASELINE:
			baseline = choice("--baseline", v, baseline_names);
			break;
		case O_QUIET:
			cfg.quiet = 1;
			break;
		case O_LIST:
			list_strategies();
			return 0;
		case O_HELP:
			usage(stdout);
			return 0;
		}
	}
	if (!cfg.strategy)
		cfg.strategy = sync_find("none");
	if (!cfg.strategy)
		flags_die(PROG, "--strategy", strategy_arg, "one of %s", sync_names());

	/* cross-flag checks, each naming the flag and the value at fault */
	if (pollsim_check(&cfg, &flag, err, sizeof(err))) {
		const char *val = "";

		if (strcmp(flag, "--threads") == 0)
			val = threads_arg ? threads_arg : "2";
		else if (strcmp(flag, "--stall") == 0)
			val = stall_arg;
		else if (strcmp(flag, "--fail") == 0)
			val = fail_arg;
		else if (strcmp(flag, "--reclaim") == 0)
			val = reclaim_arg;
		else if (strcmp(flag, "--strategy") == 0)
			val = strategy_arg;
		flags_die(PROG, flag, val ? val : "", "%s", err);
	}

	res = calloc(2, sizeof(*res));
	if (!res) {
		fprintf(stderr, "pollsim: out of memory\n");
		return 1;
	}
	if (pollsim_run(&cfg, res, err, sizeof(err))) {
		fprintf(stderr, "pollsim: %s\n", err);
		free(res);
		return 1;
	}
	if (baseline == 0 && cfg.update_rate > 0) {
		struct pollsim_config bc;

		pollsim_baseline_config(&cfg, &bc);
		if (!cfg.quiet)
			fprintf(stderr, "pollsim: baseline run (same schedule, updates not applied, %g s)\n",
				bc.duration_s);
		if (pollsim_run(&bc, &res[1], err, sizeof(err))) {
			fprintf(stderr, "pollsim: baseline run: %s\n", err);
			free(res);
			return 1;
		}
		pollsim_apply_baseline(&res[0], &res[1]);
	}

	printf("# pollsim: strategy %s, %u loop threads + %s updater, scenario %s, %u usable cpus%s\n",
	       cfg.strategy->name, cfg.threads,
	       cfg.updater == POLLSIM_UPDATER_OUTSIDE ? "outside" : "loop",
	       pollsim_scenario_name(cfg.scenario), res->online_cpus,
	       res->oversubscribed ? " (OVERSUBSCRIBED)" : "");
	printf("# tid role cpu thread_cpu_ns events updates event_wakeups sync_wakeups timeout_wakeups "
	       "eintr_wakeups voluntary_ctx_switches involuntary_ctx_switches\n");
	for (unsigned i = 0; i < res->participants; i++) {
		const struct pollsim_thread_stats *t = &res->per_thread[i];

		printf("thread %u %s %d %llu %llu %llu %llu %llu %llu %llu %llu %llu\n", i, t->role, t->cpu,
		       (unsigned long long)t->cpu_ns, (unsigned long long)t->events,
		       (unsigned long long)t->updates, (unsigned long long)t->event_wakeups,
		       (unsigned long long)t->sync_wakeups, (unsigned long long)t->timeout_wakeups,
		       (unsigned long long)t->eintr_wakeups,
		       (unsigned long long)t->voluntary_ctx_switches,
		       (unsigned long long)t->involuntary_ctx_switches);
	}
	if (pollsim_print_summary(stdout, &cfg, res) || fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "pollsim: writing the results to stdout failed: %s\n", strerror(errno));
		free(res);
		return 1;
	}
	if (res->updates_skipped) {
		fprintf(stderr, "pollsim: %llu updates skipped (no memory for a copy): the figures are incomplete\n",
			(unsigned long long)res->updates_skipped);
		free(res);
		return 1;
	}
	free(res);
	return 0;
}
