/*
 * readers_writers_main.c - //bench:readers_writers: flags -> struct rw_config
 * -> rw_run() -> one SUMMARY line on stdout (progress on stderr).
 *
 * The flags mirror liburcu's benchmark programs (nr_readers, nr_writers,
 * duration, -c read loops, -d write delay) so results can be set beside
 * theirs. Every value is checked strictly before anything runs: bad input
 * gives ONE line on stderr naming the flag, the value and what is allowed,
 * and exit status 2. Exit 1: the run failed (resource, lifecycle) or its
 * output could not be written (every write to stdout is checked: a full disk
 * must not pass for a result); exit 3: the watchdog fired (see rw.h).
 */
#include "bench/rw/rw.h"

#include "bench/flags.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DURATION_S 86400.0   /* a day: anything longer is a typo */
#define MAX_WATCHDOG_S 3600.0
#define MAX_LOOPS 10000000ull    /* relax loops: ~0.1-1 s per operation, already absurd */
#define MAX_DEFER_BOUND (1ull << 32) /* 512 GiB of pending objects: no bound at all */

static const char *prog = "readers_writers";

static void usage(FILE *out)
{
	fprintf(out,
		"usage: %s --strategy=NAME [options]\n"
		"  R readers load a shared pointer and read the object in a tight loop; W writers\n"
		"  replace it the strategy's way (isolate + write in place, or copy + publish +\n"
		"  synchronize/defer the old one). Ends with one SUMMARY line on stdout.\n"
		"options (--flag=value or --flag value):\n"
		"  --strategy=NAME       one of: %s\n"
		"  --readers=N           reader threads, 1..%u (default 1)\n"
		"  --writers=N           writer threads, 0..%u (default 1); readers + writers <= %u\n"
		"                        and <= the strategy's own limit\n"
		"  --duration=S          seconds, > 0 and <= %.0f (default 1)\n"
		"  --reclaim=sync|defer  grace-period strategies: wait then free, or defer_free (default sync)\n"
		"  --read-delay=N        relax loops inside each read section, 0..%llu (default 0; liburcu -c)\n"
		"  --write-hold=N        relax loops inside each update, 0..%llu (default 0; liburcu -e)\n"
		"  --write-delay=N       relax loops after each write, 0..%llu (default 0; liburcu -d)\n"
		"  --quiesce-every=N     reads between quiescent points, 1..%llu (default 1024)\n"
		"  --watchdog=S          bound on any synchronization wait, > 0 and <= %.0f (default 2)\n"
		"  --defer-bound=N       reclaim=defer: pending deferred frees above which a writer\n"
		"                        waits in barrier(), 1..%llu (default %u)\n"
		"  --quiet               no progress on stderr\n"
		"  --list                list the strategies and the modes each runs\n"
		"  --help                this text\n"
		"exit status: 0 ok, 1 run failed, 2 bad input, 3 watchdog fired\n",
		prog, sync_names(), RW_MAX_THREADS, RW_MAX_THREADS - 1, RW_MAX_THREADS, MAX_DURATION_S,
		MAX_LOOPS, MAX_LOOPS, MAX_LOOPS, MAX_LOOPS, MAX_WATCHDOG_S, MAX_DEFER_BOUND, RW_DEFER_BOUND);
}

/*
 * Bad input: one line naming the flag, the value and what is allowed, exit 2
 * (flags_die shows control characters as '?', so the line stays one line).
 */
static uint64_t parse_u64(const char *flag, const char *s, uint64_t min, uint64_t max)
{
	uint64_t v;

	if (flags_parse_u64(s, min, max, &v))
		flags_die(prog, flag, s, "a whole number %llu..%llu", (unsigned long long)min,
			  (unsigned long long)max);
	return v;
}

static double parse_seconds(const char *flag, const char *s, double max)
{
	double v;

	if (flags_parse_double(s, 0, max, FLAGS_MIN_EXCLUSIVE, &v))
		flags_die(prog, flag, s, "seconds, a decimal number > 0 and <= %g", max);
	return v;
}

static void list(void)
{
	for (size_t i = 0; sync_registry[i]; i++) {
		const struct sync_ops *ops = sync_registry[i];
		enum rw_update u;
		char err[256];
		int s = rw_update_mode(ops, SYNC_RECLAIM_SYNC, &u, err, sizeof(err)) == 0;
		int d = rw_update_mode(ops, SYNC_RECLAIM_DEFER, &u, err, sizeof(err)) == 0;

		printf("%-16s %-10s reclaim:%s%s%s max_threads:%u%s\n", ops->name, ops->family,
		       s ? "sync" : "", s && d ? "," : "", d ? "defer" : "", ops->max_threads,
		       (ops->caps & SYNC_CAP_UNSAFE) ? " unsafe" : "");
	}
}

/*
 * Everything written to stdout reached it: 0, or 1 after one line on stderr
 * (a full disk, a closed pipe). fclose too: a buffered write can fail there.
 */
static int finish_stdout(void)
{
	int bad = fflush(stdout) != 0 || ferror(stdout);
	int e = errno;

#ifdef RW_BREAK_STDOUT
	bad = 0; /* broken on purpose: a lost SUMMARY line exits 0 */
	e = 0;
#endif
	if (fclose(stdout) != 0 && !bad) {
		bad = 1;
		e = errno;
	}
#ifdef RW_BREAK_STDOUT
	bad = 0;
#endif
	if (!bad)
		return 0;
	fprintf(stderr, "%s: cannot write to stdout: %s\n", prog, e ? strerror(e) : "write error");
	return 1;
}

enum flag_id {
	F_STRATEGY, F_READERS, F_WRITERS, F_DURATION, F_RECLAIM, F_READ_DELAY, F_WRITE_HOLD, F_WRITE_DELAY,
	F_QUIESCE, F_WATCHDOG, F_DEFER_BOUND, F_QUIET, F_LIST, F_HELP,
};

static const struct {
	const char *name;
	enum flag_id id;
	int takes_value;
	const char *allowed; /* for "missing value" */
} flags[] = {
	{ "strategy", F_STRATEGY, 1, "a strategy name (see --list)" },
	{ "readers", F_READERS, 1, "a whole number 1..1024" },
	{ "writers", F_WRITERS, 1, "a whole number 0..1023" },
	{ "duration", F_DURATION, 1, "seconds > 0" },
	{ "reclaim", F_RECLAIM, 1, "sync or defer" },
	{ "read-delay", F_READ_DELAY, 1, "a whole number of loops" },
	{ "write-hold", F_WRITE_HOLD, 1, "a whole number of loops" },
	{ "write-delay", F_WRITE_DELAY, 1, "a whole number of loops" },
	{ "quiesce-every", F_QUIESCE, 1, "a whole number of reads >= 1" },
	{ "watchdog", F_WATCHDOG, 1, "seconds > 0" },
	{ "defer-bound", F_DEFER_BOUND, 1, "a whole number of objects >= 1" },
	{ "quiet", F_QUIET, 0, NULL },
	{ "list", F_LIST, 0, NULL },
	{ "help", F_HELP, 0, NULL },
};

/* "--strategy, --readers, ..." for the unknown-flag line. */
static const char *flag_names(void)
{
	static char buf[512];
	size_t n = 0;

	for (size_t k = 0; k < sizeof(flags) / sizeof(flags[0]) && n < sizeof(buf); k++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s--%s", k ? ", " : "", flags[k].name);
	return buf;
}

int main(int argc, char **argv)
{
	struct rw_config cfg;
	struct rw_result *res;
	const char *strategy = NULL;
	char err[512];
	enum rw_update u;
	uint64_t total;

	rw_config_default(&cfg);
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *name, *eq, *val = NULL;
		size_t nlen, k;

		if (strncmp(arg, "--", 2) != 0 || !arg[2])
			flags_die_usage(prog, "unexpected argument '%s' (flags are --name=value; see --help)", arg);
		name = arg + 2;
		eq = strchr(name, '=');
		nlen = eq ? (size_t)(eq - name) : strlen(name);
		for (k = 0; k < sizeof(flags) / sizeof(flags[0]); k++)
			if (strlen(flags[k].name) == nlen && strncmp(flags[k].name, name, nlen) == 0)
				break;
		if (k == sizeof(flags) / sizeof(flags[0]))
			flags_die_usage(prog, "unknown flag '--%.*s' (exact names only; allowed: %s)", (int)nlen, name,
					flag_names());
		if (flags[k].takes_value) {
			if (eq)
				val = eq + 1;
			else if (i + 1 < argc)
				val = argv[++i];
			else
				flags_die_usage(prog, "--%s: missing value (allowed: %s)", flags[k].name, flags[k].allowed);
		} else if (eq) {
			flags_die_usage(prog, "--%s takes no value ('%s' given)", flags[k].name, eq + 1);
		}

		switch (flags[k].id) {
		case F_STRATEGY:
			if (!sync_find(val))
				flags_die(prog, "--strategy", val, "unknown strategy (allowed: %s)", sync_names());
			strategy = val;
			break;
		case F_READERS:
			cfg.readers = (unsigned)parse_u64("--readers", val, 1, RW_MAX_THREADS);
			break;
		case F_WRITERS:
			cfg.writers = (unsigned)parse_u64("--writers", val, 0, RW_MAX_THREADS - 1);
			break;
		case F_DURATION:
			cfg.duration_s = parse_seconds("--duration", val, MAX_DURATION_S);
			break;
		case F_RECLAIM:
			if (strcmp(val, "sync") == 0)
				cfg.reclaim = SYNC_RECLAIM_SYNC;
			else if (strcmp(val, "defer") == 0)
				cfg.reclaim = SYNC_RECLAIM_DEFER;
			else
				flags_die(prog, "--reclaim", val, "unknown mode (allowed: sync, defer)");
			break;
		case F_READ_DELAY:
			cfg.read_delay = parse_u64("--read-delay", val, 0, MAX_LOOPS);
			break;
		case F_WRITE_HOLD:
			cfg.write_hold = parse_u64("--write-hold", val, 0, MAX_LOOPS);
			break;
		case F_WRITE_DELAY:
			cfg.write_delay = parse_u64("--write-delay", val, 0, MAX_LOOPS);
			break;
		case F_QUIESCE:
			cfg.quiesce_every = (unsigned)parse_u64("--quiesce-every", val, 1, MAX_LOOPS);
			break;
		case F_WATCHDOG:
			cfg.watchdog_s = parse_seconds("--watchdog", val, MAX_WATCHDOG_S);
			break;
		case F_DEFER_BOUND:
			cfg.defer_bound = parse_u64("--defer-bound", val, 1, MAX_DEFER_BOUND);
			break;
		case F_QUIET:
			cfg.quiet = 1;
			break;
		case F_LIST:
			list();
			return finish_stdout();
		case F_HELP:
			usage(stdout);
			return finish_stdout();
		}
	}

	/* Checks across flags, still before anything runs. */
	if (!strategy)
		flags_die_usage(prog, "--strategy: missing (allowed: %s)", sync_names());
	cfg.strategy = sync_find(strategy);
	total = (uint64_t)cfg.readers + cfg.writers;
	if (total > RW_MAX_THREADS) {
		snprintf(err, sizeof(err), "%u", cfg.writers);
		flags_die(prog, "--writers", err, "with --readers=%u that is %llu threads (allowed: readers + writers <= %u)",
			  cfg.readers, (unsigned long long)total, RW_MAX_THREADS);
	}
	if (cfg.strategy->max_threads && total > cfg.strategy->max_threads) {
		snprintf(err, sizeof(err), "%u", cfg.readers);
		flags_die(prog, "--readers", err,
			  "with --writers=%u that is %llu threads; strategy %s supports at most %u (readers + writers)",
			  cfg.writers, (unsigned long long)total, strategy, cfg.strategy->max_threads);
	}
	if (rw_update_mode(cfg.strategy, cfg.reclaim, &u, err, sizeof(err)))
		flags_die(prog, "--reclaim", rw_reclaim_name(cfg.reclaim), "%s", err);

	res = malloc(sizeof(*res));
	if (!res) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return 1;
	}
	if (rw_run(&cfg, res, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", prog, err);
		free(res);
		return 1;
	}
	if (!cfg.quiet)
		fprintf(stderr, "%s: done: %llu reads, %llu writes in %.3f s\n", prog,
			(unsigned long long)res->reads, (unsigned long long)res->writes, res->wall_s);
	rw_print_summary(stdout, &cfg, res);
	free(res);
	return finish_stdout();
}
