/*
 * pollsim_summary_test.c - //bench:pollsim ends its output with ONE line
 * "SUMMARY key value ..." holding every setting and every figure.
 *
 * Runs the binary (path in argv[1]) twice with every setting changed from its
 * default (two runs, because some settings exclude each other: --no-events,
 * --update-rate 0, --baseline=off), and checks for each run:
 *  - stdout's last line starts with "SUMMARY ", and it is the only such line;
 *  - it is made of key/value pairs, no key twice;
 *  - every required key is there (the list, every setting, the
 *    read-side checks, the floor ratios);
 *  - each setting's value echoes what the flag asked for.
 * A third run with --fail=init:1 must exit 1 with ONE line on stderr naming
 * the phase, the callback and the thread, and print no SUMMARY (under
 * --config=asan a leak would change the exit status: LeakSanitizer-clean).
 */
#include "bench/lib/check.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const required[] = {
	/* settings */
	"strategy", "family", "threads", "participants", "scenario", "duration_s", "update_rate",
	"updater", "placement", "placement_cpus", "arrival", "reclaim", "event_cost_us", "event_rate",
	"events_enabled", "table_size", "watchdog_s", "stall_thread", "stall_ms", "fail", "fail_thread",
	"seed", "baseline", "online_cpus", "oversubscribed",
	/* figures */
	"wall_s", "updates", "update_p50_ns", "update_p90_ns", "update_p99_ns", "update_p999_ns",
	"update_max_ns", "time_to_safe_p50_ns", "time_to_safe_p99_ns", "sync_wakeups",
	"sync_wakeups_per_update", "event_wakeups", "timeout_wakeups", "eintr_wakeups",
	"voluntary_ctx_switches", "involuntary_ctx_switches", "process_cpu_ns", "thread_cpu_ns",
	"cpu_ns_per_update", "events", "events_per_s", "event_delay_p50_ns", "event_delay_p99_ns",
	"reads", "torn_reads", "poisoned_reads", "defer_peak_objects", "defer_peak_bytes",
	"floor_cacheline_rtt_ns", "floor_wake_rtt_ns", "update_p50_over_cacheline_rtt",
	"update_p99_over_wake_rtt", NULL,
};

/* Reads fd (a temporary file at path) from its start into buf, then closes and removes it. */
static void slurp(int fd, const char *path, char *buf, size_t len)
{
	FILE *f = fdopen(fd, "r");
	size_t n;

	rewind(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
	unlink(path);
}

/*
 * Runs argv, capturing stderr into err and stdout into out, or with out NULL,
 * stdout on /dev/full (every write fails: ENOSPC); returns the exit status
 * (or 128+signal).
 */
static int run(char *const argv[], char *out, size_t outlen, char *err, size_t errlen)
{
	char tmpo[] = "/tmp/pollsim_summary_test_outXXXXXX", tmpe[] = "/tmp/pollsim_summary_test_errXXXXXX";
	int fo = out ? mkstemp(tmpo) : open("/dev/full", O_WRONLY), fe = mkstemp(tmpe), status;
	pid_t pid;

	if (fo < 0 || fe < 0) {
		perror(out ? "mkstemp" : "/dev/full");
		exit(1);
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		dup2(fo, 1);
		dup2(fe, 2);
		execv(argv[0], argv);
		perror("execv");
		_exit(127);
	}
	waitpid(pid, &status, 0);
	if (out)
		slurp(fo, tmpo, out, outlen);
	else
		close(fo);
	slurp(fe, tmpe, err, errlen);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

#define MAXTOK 512

struct summary {
	char buf[16384];
	char *key[MAXTOK], *val[MAXTOK];
	int n;
};

/* Parses the last line of out into pairs; -1 when it is not a SUMMARY line. */
static int parse(const char *out, struct summary *s, const char *what)
{
	const char *last, *first;
	size_t len = strlen(out);
	char *tok, *save;
	int ntok = 0;

	while (len && out[len - 1] == '\n')
		len--;
	last = out + len;
	while (last > out && last[-1] != '\n')
		last--;
	first = strstr(out, "SUMMARY");
	CHECK(strncmp(last, "SUMMARY ", 8) == 0, "%s: the last line of stdout is not a SUMMARY line", what);
	if (strncmp(last, "SUMMARY ", 8) != 0)
		return -1;
	CHECK(first == last, "%s: more than one SUMMARY line", what);
	snprintf(s->buf, sizeof(s->buf), "%.*s", (int)(out + len - last - 8), last + 8);
	s->n = 0;
	for (tok = strtok_r(s->buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		if (ntok % 2 == 0) {
			if (s->n >= MAXTOK)
				break;
			s->key[s->n] = tok;
		} else {
			s->val[s->n++] = tok;
		}
		ntok++;
	}
	CHECK(ntok % 2 == 0, "%s: an odd number of tokens: not key/value pairs", what);
	for (int i = 0; i < s->n; i++)
		for (int j = i + 1; j < s->n; j++)
			CHECK(strcmp(s->key[i], s->key[j]) != 0, "%s: key %s twice", what, s->key[i]);
	return 0;
}

static const char *get(const struct summary *s, const char *key)
{
	for (int i = 0; i < s->n; i++)
		if (strcmp(s->key[i], key) == 0)
			return s->val[i];
	return NULL;
}

static void check_keys(const struct summary *s, const char *what)
{
	for (int i = 0; required[i]; i++)
		CHECK(get(s, required[i]) != NULL, "%s: key %s missing from SUMMARY", what, required[i]);
}

/* expect: "key=value" pairs; value compared as text, or as numbers when both parse. */
static void check_echo(const struct summary *s, const char *what, const char *const *expect)
{
	for (int i = 0; expect[i]; i++) {
		char key[64];
		const char *eq = strchr(expect[i], '='), *v;

		snprintf(key, sizeof(key), "%.*s", (int)(eq - expect[i]), expect[i]);
		v = get(s, key);
		if (!v) {
			CHECK(0, "%s: key %s missing", what, key);
			continue;
		}
		if (strcmp(v, eq + 1) != 0) {
			char *e1, *e2;
			double a = strtod(v, &e1), b = strtod(eq + 1, &e2);

			CHECK(!*e1 && !*e2 && a == b, "%s: %s is '%s', the flag asked for '%s'", what, key, v,
			      eq + 1);
		}
	}
}

/*
 * Runs a (what: its label; how: what it changes), which must exit 0 with a
 * SUMMARY holding every key and echoing expect: 0 with s parsed, -1 when
 * there is no SUMMARY to read.
 */
static int run_echoing(char *const a[], const char *what, const char *how, const char *const *expect,
		       struct summary *s, char *out, size_t outlen, char *err, size_t errlen)
{
	int rc = run(a, out, outlen, err, errlen);

	printf("%s (%s): exit %d\n", what, how, rc);
	CHECK(rc == 0, "%s: exit %d; stderr: %s", what, rc, err);
	if (parse(out, s, what))
		return -1;
	check_keys(s, what);
	check_echo(s, what, expect);
	return 0;
}

int main(int argc, char **argv)
{
	static char out[65536], err[65536];
	static struct summary s;
	int rc;

	if (argc < 2) {
		printf("usage: pollsim_summary_test PATH_TO_POLLSIM\n");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	{
		char *const a[] = { argv[1], "--strategy=none", "--threads=3", "--scenario=mixed",
				    "--duration=0.3", "--update-rate=20", "--updater=loop",
				    "--placement=compact", "--arrival=poisson", "--reclaim=sync",
				    "--event-cost-us=1", "--event-rate=200", "--table-size=8",
				    "--watchdog=5", "--stall=1:5", "--seed=42", "--baseline=auto",
				    "--quiet", NULL };
		static const char *const expect[] = {
			"strategy=none", "family=baseline", "threads=3", "participants=3",
			"scenario=mixed", "duration_s=0.3", "update_rate=20", "updater=loop",
			"placement=compact", "arrival=poisson", "reclaim=sync", "event_cost_us=1",
			"event_rate=200", "events_enabled=yes", "table_size=8", "watchdog_s=5",
			"stall_thread=1", "stall_ms=5", "fail=none", "fail_thread=-1", "seed=42",
			"baseline=yes", NULL,
		};

		if (run_echoing(a, "run 1", "every setting changed, baseline on", expect, &s, out, sizeof(out), err,
				sizeof(err)) == 0) {
			CHECK(get(&s, "placement_cpus") && strncmp(get(&s, "placement_cpus"), "compact:", 8) == 0,
			      "run 1: placement_cpus does not list the compact placement");
			CHECK(get(&s, "cpu_ns_per_update") && strcmp(get(&s, "cpu_ns_per_update"), "nan") != 0,
			      "run 1: no cpu_ns_per_update although the baseline ran");
		}
		CHECK(strstr(err, "stalls inside a read section") != NULL, "run 1: --stall=1:5 did not stall");
	}
	{
		char *const a[] = { argv[1], "--strategy=none", "--threads=1", "--scenario=bursty",
				    "--duration=0.2", "--update-rate=0", "--updater=outside",
				    "--placement=scatter", "--arrival=fixed", "--no-events",
				    "--baseline=off", "--quiet", NULL };
		static const char *const expect[] = {
			"threads=1", "participants=2", "scenario=bursty", "duration_s=0.2",
			"update_rate=0", "updater=outside", "placement=scatter", "arrival=fixed",
			"events_enabled=no", "event_rate=0", "baseline=no", "stall_thread=-1",
			"updates=0", "events=0", "cpu_ns_per_update=nan", "sync_wakeups=0", NULL,
		};

		run_echoing(a, "run 2", "no events, no updates, outside updater, scatter", expect, &s, out,
			    sizeof(out), err, sizeof(err));
	}
	{
		char *const a[] = { argv[1], "--threads=2", "--fail=init:1", "--duration=0.2", "--quiet", NULL };
		const char *nl;

		rc = run(a, out, sizeof(out), err, sizeof(err));
		nl = strchr(err, '\n');
		printf("run 3 (--fail=init:1): exit %d, stderr: %s", rc, err);
		CHECK(rc == 1, "run 3: exit %d, expected 1 (run failed)", rc);
		CHECK(strstr(err, "init callback 'pollsim_loop' failed on thread 1") != NULL,
		      "run 3: the error does not name the phase, the callback and the thread");
		CHECK(nl && nl[1] == '\0', "run 3: the error is not ONE line");
		CHECK(strstr(out, "SUMMARY") == NULL, "run 3: a failed run printed a SUMMARY");
	}
	{
		/* Results that cannot be written are an error, never exit 0. */
		char *const a[] = { argv[1], "--strategy=none", "--duration=0.05", "--quiet", NULL };
		char *nl;

		rc = run(a, NULL, 0, err, sizeof(err));
		nl = strchr(err, '\n');
		printf("stdout on /dev/full: exit %d\n", rc);
		CHECK(rc == 1, "stdout on /dev/full: exit %d, expected 1; stderr: %s", rc, err);
		CHECK(nl && !nl[1] && strstr(err, "stdout"), "stdout on /dev/full: not one line naming stdout: %s",
		      err);
	}
	return check_exit("pollsim_summary_test");
}
