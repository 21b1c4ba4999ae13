/*
 * pollsim_exhaustion_test.c - //bench/sim:pollsim under resource exhaustion:
 * thread creation refused, epoll/eventfd/timerfd creation
 * failing under a low open-files limit, an alloc or init callback failing.
 *
 * Runs the binary (path in argv[1]) once per case and checks, for each:
 *  1. it ends within BOUND_S seconds (else it is killed: a hang);
 *  2. it exits with status 1 (not 0, not 2, not a signal: under
 *     --config=asan, ASAN_OPTIONS has abort_on_error=1, so a LeakSanitizer
 *     report ends the child with SIGABRT, and the stderr check below catches
 *     it even where the exit status would not change);
 *  3. stderr (--quiet) is exactly ONE line, with no sanitizer text, holding
 *     the expected phase / call / thread;
 *  4. stdout has no SUMMARY line (a failed run reports no figures).
 * Cases:
 *  (a) --fail=spawn:T: pthread_create of participant T is refused (EAGAIN)
 *      for the first, a middle and the last participant (the outside
 *      updater), and the last loop thread with --updater=loop: the threads
 *      already started are released and unwind themselves, no hang;
 *  (b) RLIMIT_NOFILE set in the child before exec to the open fds + K, for a
 *      range of K: the setup phase's control eventfds or a thread's
 *      pollsim_resources ALLOC fail with "Too many open files", naming the
 *      call (at least one K must reach a thread's ALLOC);
 *  (c) --fail=alloc:T and --fail=init:T for strategies with real per-thread
 *      state (qsbr, harmless_mask, tgroups): what ran is unwound
 *      (LeakSanitizer-clean under --config=asan).
 * Built with -DEXPECT_BROKEN (pollsim_exhaustion_test_catches_spawn_no_fail,
 * against a binary whose refused pthread_create is not reported), it runs the
 * spawn cases until one fails and passes only if one did.
 */
#include "bench/lib/check.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BOUND_S 20.0
#define MAXFD 1024

static const char *bin;

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void slurp(int fd, char *buf, size_t len)
{
	ssize_t n;

	lseek(fd, 0, SEEK_SET);
	n = read(fd, buf, len - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
}

/*
 * Runs bin with args (NULL-terminated); nofile_extra >= 0 limits open files
 * to the fds open at exec plus nofile_extra. Returns the exit status, 128 +
 * signal, or -1 when it had to be killed after BOUND_S.
 */
static int run(const char *const *args, int nofile_extra, char *out, size_t outlen, char *err, size_t errlen,
	       double *took)
{
	char tmpo[] = "/tmp/pollsim_exhaustion_outXXXXXX", tmpe[] = "/tmp/pollsim_exhaustion_errXXXXXX";
	char *argv[32];
	int fo = mkostemp(tmpo, O_CLOEXEC), fe = mkostemp(tmpe, O_CLOEXEC), status = 0, n = 0;
	double t0;
	pid_t pid;

	if (fo < 0 || fe < 0) {
		perror("mkostemp");
		exit(1);
	}
	unlink(tmpo);
	unlink(tmpe);
	argv[n++] = (char *)bin;
	for (; *args && n < 31; args++)
		argv[n++] = (char *)*args;
	argv[n] = NULL;
	fflush(stdout);
	t0 = mono_s();
	pid = fork();
	if (pid == 0) {
		dup2(fo, 1);
		dup2(fe, 2);
		/* only 0, 1, 2 go through exec: the limit is then exact */
		for (int fd = 3; fd < MAXFD; fd++)
			close(fd);
		if (nofile_extra >= 0) {
			struct rlimit rl = { .rlim_cur = 3 + (rlim_t)nofile_extra, .rlim_max = 3 + (rlim_t)nofile_extra };

			if (setrlimit(RLIMIT_NOFILE, &rl)) {
				perror("setrlimit");
				_exit(126);
			}
		}
		execv(argv[0], argv);
		perror("execv");
		_exit(127);
	}
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			perror("waitpid");
			exit(1);
		}
		if (mono_s() - t0 > BOUND_S) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			status = -1;
			break;
		}
		usleep(10000); /* polling a child's exit, not a timing assumption */
	}
	*took = mono_s() - t0;
	slurp(fo, out, outlen);
	slurp(fe, err, errlen);
	if (status == -1)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		if (*s == '\n')
			n++;
	return n;
}

/*
 * One case: exit 1 within the bound, one stderr line, no sanitizer text, no
 * SUMMARY, and every string of want[] in the line. Returns 1 when every
 * check passed, the line in line[].
 */
static int expect_failure(const char *what, const char *const *args, int nofile_extra,
			  const char *const *want, char *line, size_t linelen)
{
	static char out[1 << 16], err[1 << 16];
	double took;
	int rc, before = failures;

	rc = run(args, nofile_extra, out, sizeof(out), err, sizeof(err), &took);
	printf("%s: exit %d after %.2f s, stderr: %s%s", what, rc, took, err,
	       err[0] && err[strlen(err) - 1] == '\n' ? "" : "\n");
	CHECK(rc != -1, "%s: still running after %.0f s: killed (a hang)", what, BOUND_S);
	CHECK(rc == -1 || rc == 1, "%s: exit %d, expected 1 (the run failed cleanly)%s", what, rc,
	      rc >= 128 ? " (killed by a signal: crash or sanitizer abort)" : "");
	CHECK(count_lines(err) == 1, "%s: stderr has %d lines, expected exactly one", what, count_lines(err));
	CHECK(!strstr(err, "Sanitizer") && !strstr(err, "runtime error"), "%s: sanitizer report on stderr", what);
	CHECK(!strstr(out, "SUMMARY"), "%s: a failed run printed a SUMMARY", what);
	for (; want && *want; want++)
		CHECK(strstr(err, *want) != NULL, "%s: stderr does not contain \"%s\"", what, *want);
	snprintf(line, linelen, "%s", err);
	return failures == before;
}

static void spawn_cases(void)
{
	static const struct {
		const char *updater;
		unsigned threads, t;
	} c[] = {
		{ "outside", 4, 0 }, /* first: nothing started yet */
		{ "outside", 4, 2 }, /* middle: 0 and 1 wait in lc_thread_start */
		{ "outside", 4, 4 }, /* last: the outside updater */
		{ "loop", 4, 3 },    /* last loop thread, loop thread 0 updates */
	};
	static const char *const strategies[] = { "harmless_mask", "qsbr" };
	char line[1024];

	for (size_t s = 0; s < sizeof(strategies) / sizeof(*strategies); s++)
		for (size_t i = 0; i < sizeof(c) / sizeof(*c); i++) {
			char what[128], strat[64], threads[32], updater[32], fail[32], want[128];
			const char *args[] = { strat, threads, updater, fail, "--duration=0.5", "--baseline=off",
					       "--quiet", NULL };
			const char *w[] = { "alloc phase: pthread_create failed for", want,
					    "Resource temporarily unavailable", NULL };

			snprintf(strat, sizeof(strat), "--strategy=%s", strategies[s]);
			snprintf(threads, sizeof(threads), "--threads=%u", c[i].threads);
			snprintf(updater, sizeof(updater), "--updater=%s", c[i].updater);
			snprintf(fail, sizeof(fail), "--fail=spawn:%u", c[i].t);
			snprintf(want, sizeof(want), "thread %u:", c[i].t);
			snprintf(what, sizeof(what), "spawn %s %s %s", strategies[s], updater, fail);
			expect_failure(what, args, -1, w, line, sizeof(line));
#ifdef EXPECT_BROKEN
			if (failures)
				return; /* caught; the other cases would each hang until BOUND_S */
#endif
		}
}

/*
 * 3 loop threads + the outside updater, mixed (saturated threads take an
 * eventfd, idle ones and the updater a timerfd): 2 control eventfds, then
 * 2 fds per participant; the floors take 4 at once before that and close
 * them. K from 4 (floors fit, every participant's ALLOC fails on its first
 * or second fd) to 9 (all but the last fd fit).
 */
static void nofile_cases(void)
{
	int per_thread = 0;
	char line[1024];

	for (int k = 4; k <= 9; k++) {
		const char *args[] = { "--strategy=harmless_mask", "--threads=3", "--updater=outside",
				       "--scenario=mixed", "--duration=0.5", "--baseline=off", "--quiet", NULL };
		const char *w[] = { "Too many open files", NULL };
		char what[64];

		snprintf(what, sizeof(what), "RLIMIT_NOFILE open+%d", k);
		if (!expect_failure(what, args, k, w, line, sizeof(line)))
			continue;
		if (strstr(line, "alloc callback 'pollsim_resources' failed on thread ")) {
			CHECK(strstr(line, "epoll_create1: ") || strstr(line, "eventfd: ") ||
				      strstr(line, "timerfd_create: "),
			      "%s: the error does not name the failing call", what);
			per_thread++;
		} else {
			CHECK(strstr(line, "setup phase: eventfd (simulator control) failed") != NULL,
			      "%s: the error names neither a thread's alloc callback nor the setup phase", what);
		}
	}
	CHECK(per_thread > 0, "no open-files limit made a thread's pollsim_resources ALLOC fail");
}

static void callback_cases(void)
{
	static const char *const strategies[] = { "qsbr", "harmless_mask", "tgroups" };
	static const struct {
		const char *phase, *callback;
		unsigned t;
	} c[] = {
		{ "alloc", "strategy_thread", 0 },
		{ "alloc", "strategy_thread", 2 },
		{ "alloc", "strategy_thread", 4 },
		{ "init", "pollsim_loop", 3 },
	};
	char line[1024];

	for (size_t s = 0; s < sizeof(strategies) / sizeof(*strategies); s++)
		for (size_t i = 0; i < sizeof(c) / sizeof(*c); i++) {
			char what[128], strat[64], fail[32], want[128];
			const char *args[] = { strat, "--threads=4", "--updater=outside", fail, "--duration=0.5",
					       "--baseline=off", "--quiet", NULL };
			const char *w[] = { want, NULL };

			snprintf(strat, sizeof(strat), "--strategy=%s", strategies[s]);
			snprintf(fail, sizeof(fail), "--fail=%s:%u", c[i].phase, c[i].t);
			snprintf(want, sizeof(want), "%s callback '%s' failed on thread %u: injected failure",
				 c[i].phase, c[i].callback, c[i].t);
			snprintf(what, sizeof(what), "callback %s %s", strategies[s], fail);
			expect_failure(what, args, -1, w, line, sizeof(line));
		}
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: pollsim_exhaustion_test PATH_TO_POLLSIM\n");
		return 2;
	}
	bin = argv[1];
	spawn_cases();
#ifdef EXPECT_BROKEN
	return check_exit("pollsim_exhaustion_test");
#endif
	nofile_cases();
	callback_cases();
	return check_exit("pollsim_exhaustion_test");
}
