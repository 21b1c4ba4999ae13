/*
 * readers_writers_startup_test.c - a start-up that never finishes is ended
 * by the watchdog, within its bound: a test strategy whose thread_init never
 * returns for reader 1 (as 758 threads waiting for a start mutex once hung a
 * 1024-reader run), in a child process (the watchdog ends the process).
 * Checks: the child exits with status 3, no earlier than the start-up bound
 * (--watchdog + RW_START_BOUND_S) and no later than 15 s after it; its
 * report names the start gate and the thread that never arrived. A child
 * still running 15 s past the bound is killed and the test fails: nothing
 * bounded the start-up.
 *
 * Built with -DEXPECT_BROKEN -DRW_BREAK_NO_START_WATCHDOG (the start gate's
 * wait is not watched), it passes only if it caught that.
 */
#include "bench/rw/rw.h"

#include "bench/lib/check.h"
#include "bench/lib/test_strategy.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define WATCHDOG_S 0.5
#define LATE_S 15.0

/* thread_init never returns for thread 1: a start-up stuck outside any strategy wait. */
static int stuck_thread_init(struct sync_thread *t, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	while (t->tid == 1)
		pause();
	return 0;
}

static void stuck_dump(struct sync_domain *d, FILE *out)
{
	fprintf(out, "stuck_start: %u threads, thread 1 inside thread_init\n", d->nthreads);
}

TEST_STRATEGY_DEFINE_PLAIN(stuck_start, "exclusive", SYNC_CAP_ISOLATE, stuck, (thread_init, dump),
			  .origin = "test only: thread 1's thread_init never returns", TEST_STRATEGY_UNGUARDED);

static _Noreturn void child(int errfd)
{
	struct rw_config cfg;
	struct rw_result *res = calloc(1, sizeof(*res));
	char err[512];

	dup2(errfd, STDERR_FILENO);
	rw_config_quiet(&cfg, &sync_stuck_start, 2, 0, 0.1);
	cfg.watchdog_s = WATCHDOG_S;
	if (!res || rw_run(&cfg, res, err, sizeof(err)))
		_exit(4);
	_exit(0); /* the run "finished": the stuck thread was never waited for */
}

int main(void)
{
	const double bound_s = WATCHDOG_S + RW_START_BOUND_S;
	int fds[2], status = 0, killed = 0;
	char out[16384];
	size_t n = 0;
	uint64_t t0 = sync_now_ns(), deadline = t0 + (uint64_t)((bound_s + LATE_S) * 1e9);
	double took;
	pid_t pid;

	if (pipe(fds) || (pid = fork()) < 0) {
		printf("FAIL: pipe/fork: %s\n", strerror(errno));
		return 1;
	}
	if (pid == 0) {
		close(fds[0]);
		child(fds[1]);
	}
	close(fds[1]);
	for (;;) {
		uint64_t now = sync_now_ns();
		struct pollfd pf = { .fd = fds[0], .events = POLLIN };
		ssize_t r;

		if (now >= deadline) {
			kill(pid, SIGKILL);
			killed = 1;
			break;
		}
		if (poll(&pf, 1, (int)((deadline - now) / 1000000 + 1)) <= 0)
			continue;
		r = read(fds[0], out + n, sizeof(out) - 1 - n);
		if (r <= 0)
			break; /* EOF: the child ended */
		n += (size_t)r;
		if (n == sizeof(out) - 1)
			n = 0; /* keep the tail only */
	}
	out[n] = '\0';
	waitpid(pid, &status, 0);
	took = (double)(sync_now_ns() - t0) / 1e9;
	printf("child: %s %d after %.1f s (bound %.1f s); stderr: %s\n",
	       killed ? "killed" : WIFEXITED(status) ? "exit" : "signal",
	       WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), took, bound_s, out);
	CHECK(!killed, "a stuck start-up still ran %.0f s past its %.1f s bound: nothing bounded it", LATE_S, bound_s);
	CHECK(!killed && WIFEXITED(status) && WEXITSTATUS(status) == 3,
	      "the child did not end with the watchdog's exit status 3");
	CHECK(killed || took >= bound_s - 0.05, "the watchdog ended the start-up after %.2f s, before its %.1f s bound",
	      took, bound_s);
	CHECK(strstr(out, "watchdog") && strstr(out, "start gate"), "the report does not name the start gate");
	CHECK(strstr(out, "thread 1"), "the report does not name thread 1, the one that never arrived");
	return check_exit("readers_writers_startup_test");
}
