/*
 * pollsim_watchdog_test.c - the simulator never hangs on a stuck thread:
 * for every strategy that makes updates wait (isolate or
 * synchronize; the unsafe `none` never waits), generic over the registry,
 * plus a test-only strategy ("testgate") so the test proves something even
 * before the real ones land:
 *  1. --stall=1:inf with the watchdog at BOUND: loop thread 1 stays in a read
 *     section forever while the outside updater needs it out: the run ends
 *     with exit status 3 within BOUND + 1 s of the stall's start, and the
 *     report names thread 1, doing "event", as the one holding it up;
 *  2. a stall shorter than the bound (200 ms, bound 2 s) does not fire: the
 *     run ends normally (status 0) and the stall shows in the latency of the
 *     updater's wait (the first update is due at 100 ms, the stall ends at
 *     >= 220 ms, so the worst is >= 120 ms; 100 ms is checked): update_max_ns
 *     where an update ends at release() (exclusive), reclaim_max_ns where it
 *     ends at publication and the updater then waits to free (grace).
 * Each run is a child process (the watchdog ends its process with _exit(3)),
 * the two runs of a strategy side by side;
 * the parent reads the child's stderr as it comes, and times the exit from
 * the moment the child printed that the stall began.
 *
 * Built with -DEXPECT_BROKEN and the watchdog built with -DWATCHDOG_BREAK_BLIND
 * (the watchdog never sees a wait), check 1 must fail: that target passes
 * only if it did.
 */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/lib/check.h"
#include "bench/sim/pollsim.h"
#include "bench/sim/sim_test.h"
#include "strategies/sync.h"

#define BOUND_S 0.3

#if defined(__SANITIZE_THREAD__)
/*
 * TSAN sleeps atexit_sleep_ms (1 s) in every exit: each child would take a
 * second longer to end, for nothing this test needs.
 */
const char *__tsan_default_options(void);
const char *__tsan_default_options(void)
{
	return "atexit_sleep_ms=0";
}
#endif

/*
 * ---- testgate: a minimal correct exclusive strategy ----
 * Readers publish in_read then check want; the isolator publishes want then
 * waits for every in_read to be 0 (a Dekker pair: both sides seq_cst).
 */
struct tg_thread {
	struct sync_thread base;
	atomic_int in_read;
};

struct tg_domain {
	struct sync_domain base;
	atomic_int want;
};

static SYNC_THREAD_ALLOC_WITH(tg_thread_alloc, struct tg_thread, atomic_init(&t->in_read, 0))

static void tg_read_begin(struct sync_thread *st)
{
	struct tg_thread *t = (struct tg_thread *)st;
	struct tg_domain *d = (struct tg_domain *)st->dom;

	for (;;) {
		atomic_store(&t->in_read, 1);
		if (!atomic_load(&d->want))
			return;
		atomic_store(&t->in_read, 0);
		while (atomic_load(&d->want))
			sync_relax();
	}
}

static void tg_read_end(struct sync_thread *st)
{
	atomic_store(&((struct tg_thread *)st)->in_read, 0);
}

static void tg_isolate(struct sync_thread *st)
{
	struct tg_domain *d = (struct tg_domain *)st->dom;

	sync_wait_begin(st, SYNC_WAIT_ISOLATE);
	atomic_store(&d->want, 1);
	for (unsigned i = 0; i < d->base.nthreads; i++) {
		struct tg_thread *o = (struct tg_thread *)atomic_load(&d->base.threads[i]);

		while (o && o != (struct tg_thread *)st && atomic_load(&o->in_read))
			sched_yield();
	}
	sync_wait_end(st);
}

static void tg_release(struct sync_thread *st)
{
	atomic_store(&((struct tg_domain *)st->dom)->want, 0);
}

static void tg_dump(struct sync_domain *dd, FILE *out)
{
	struct tg_domain *d = (struct tg_domain *)dd;

	fprintf(out, "testgate: want %d\n", atomic_load(&d->want));
	for (unsigned i = 0; i < dd->nthreads; i++) {
		struct tg_thread *t = (struct tg_thread *)atomic_load(&dd->threads[i]);

		if (t)
			fprintf(out, "  thread %u: in_read %d\n", i, atomic_load(&t->in_read));
	}
}

static void tg_domain_init(struct tg_domain *d)
{
	atomic_init(&d->want, 0);
}

SYNC_DEFINE_DOMAIN_CREATE(tg_domain_create, testgate, struct tg_domain, tg_domain_init)

SYNC_DEFINE_OPS(testgate, "exclusive", SYNC_CAP_ISOLATE, tg,
		(domain_create, thread_alloc, read_begin, read_end, isolate, release, dump),
		.origin = "pollsim_watchdog_test only", .domain_destroy = sync_domain_delete);

/* ---- running a configuration in a child ---- */

struct child {
	/* while running */
	pid_t pid;
	int fo, fe;           /* read ends of its stdout and stderr; -1 once at EOF */
	uint64_t start, deadline, stall_at, report_at;
	/* results */
	int status;           /* waitpid status */
	int killed;           /* the parent had to kill it */
	double stall_to_exit; /* s from the "stalls" line to EOF/exit; -1 when no stall line */
	double stall_to_report; /* s from the "stalls" line to the watchdog's last line; -1: none */
	char out[16384], err[16384];
	size_t nout, nerr;
};

static void child_body(const struct pollsim_config *c)
{
	struct pollsim_result *r = calloc(1, sizeof(*r));
	char err[512];

	if (!r)
		exit(1);
	if (pollsim_run(c, r, err, sizeof(err))) {
		fprintf(stderr, "child: pollsim_run: %s\n", err);
		free(r);
		exit(1);
	}
	pollsim_print_summary(stdout, c, r);
	fflush(stdout);
	free(r);
	exit(0);
}

static void append(char *buf, size_t *n, size_t cap, const char *src, size_t len)
{
	if (*n + len >= cap)
		len = cap - 1 - *n;
	memcpy(buf + *n, src, len);
	*n += len;
	buf[*n] = '\0';
}

/* Starts c in a child, to be killed kill_after_s after its start. */
static void child_start(const struct pollsim_config *c, double kill_after_s, struct child *ch)
{
	int po[2], pe[2];

	memset(ch, 0, sizeof(*ch));
	ch->stall_to_exit = -1;
	ch->stall_to_report = -1;
	fflush(stdout);
	if (pipe(po) || pipe(pe)) {
		perror("pipe");
		exit(1);
	}
	ch->start = sync_now_ns();
	ch->deadline = ch->start + (uint64_t)(kill_after_s * 1e9);
	ch->pid = fork();
	if (ch->pid < 0) {
		perror("fork");
		exit(1);
	}
	if (ch->pid == 0) {
		dup2(po[1], 1);
		dup2(pe[1], 2);
		close(po[0]);
		close(pe[0]);
		close(po[1]);
		close(pe[1]);
		child_body(c);
	}
	close(po[1]);
	close(pe[1]);
	ch->fo = po[0];
	ch->fe = pe[0];
}

static void child_reap(struct child *ch, uint64_t end)
{
	if (ch->fo >= 0)
		close(ch->fo);
	if (ch->fe >= 0)
		close(ch->fe);
	ch->fo = ch->fe = -1;
	waitpid(ch->pid, &ch->status, 0);
	if (ch->stall_at)
		ch->stall_to_exit = (double)(end - ch->stall_at) / 1e9;
	if (ch->stall_at && ch->report_at)
		ch->stall_to_report = (double)(ch->report_at - ch->stall_at) / 1e9;
}

/*
 * Reads the children's output as it comes (timing the stall and the
 * watchdog's verdict) until each closed its pipes or passed its deadline.
 */
static void children_wait(struct child **chs, int n)
{
	for (;;) {
		struct pollfd fds[8];
		struct child *owner[8];
		int nf = 0, timeout = -1;
		uint64_t now = sync_now_ns();

		for (int i = 0; i < n; i++) {
			struct child *ch = chs[i];

			if (ch->fo < 0 && ch->fe < 0)
				continue;
			if (now >= ch->deadline) {
				kill(ch->pid, SIGKILL);
				ch->killed = 1;
				child_reap(ch, now);
				continue;
			}
			int left = (int)((ch->deadline - now) / 1000000) + 1;

			if (timeout < 0 || left < timeout)
				timeout = left;
			if (ch->fo >= 0) {
				fds[nf] = (struct pollfd){ .fd = ch->fo, .events = POLLIN };
				owner[nf++] = ch;
			}
			if (ch->fe >= 0) {
				fds[nf] = (struct pollfd){ .fd = ch->fe, .events = POLLIN };
				owner[nf++] = ch;
			}
		}
		if (!nf)
			return;
		if (poll(fds, (nfds_t)nf, timeout) < 0 && errno != EINTR) {
			perror("poll");
			exit(1);
		}
		for (int k = 0; k < nf; k++) {
			struct child *ch = owner[k];
			char buf[4096];
			ssize_t r;

			if (!fds[k].revents)
				continue;
			r = read(fds[k].fd, buf, sizeof(buf));
			if (fds[k].fd == ch->fo) {
				if (r <= 0) {
					close(ch->fo);
					ch->fo = -1;
				} else {
					append(ch->out, &ch->nout, sizeof(ch->out), buf, (size_t)r);
				}
			} else {
				if (r <= 0) {
					close(ch->fe);
					ch->fe = -1;
				} else {
					append(ch->err, &ch->nerr, sizeof(ch->err), buf, (size_t)r);
				}
				if (!ch->stall_at && strstr(ch->err, "stalls inside a read section"))
					ch->stall_at = sync_now_ns();
				if (!ch->report_at && strstr(ch->err, "watchdog: giving up"))
					ch->report_at = sync_now_ns();
			}
			if (ch->fo < 0 && ch->fe < 0)
				child_reap(ch, sync_now_ns());
		}
	}
}

static int exit_code(const struct child *ch)
{
	return WIFEXITED(ch->status) ? WEXITSTATUS(ch->status) : 128 + WTERMSIG(ch->status);
}

/* The value of key in the SUMMARY line of s, or NAN. */
static double summary_value(const char *s, const char *key)
{
	const char *line = strstr(s, "SUMMARY ");
	char pat[128];
	const char *p;

	if (!line)
		return NAN;
	snprintf(pat, sizeof(pat), " %s ", key);
	p = strstr(line, pat);
	return p ? strtod(p + strlen(pat), NULL) : NAN;
}

static void config_for(struct pollsim_config *c, const struct sync_ops *ops)
{
	pollsim_config_quiet(c, ops, 2, POLLSIM_IDLE, 1.0);
	c->no_events = 1;           /* only the stall reads: nothing else moves */
	c->updater = POLLSIM_UPDATER_OUTSIDE;
	c->update_rate = 10;        /* first update due 100 ms after the start */
	c->stall_thread = 1;
	if (!(ops->caps & SYNC_CAP_ISOLATE))
		c->reclaim = SYNC_RECLAIM_SYNC;
}

static void start_long_stall(const struct sync_ops *ops, struct child *ch)
{
	struct pollsim_config c;

	config_for(&c, ops);
	c.stall_ms = INFINITY;
	c.watchdog_s = BOUND_S;
	c.duration_s = 30; /* never reached: the watchdog must end it */
	child_start(&c, BOUND_S + 6, ch);
}

static void check_long_stall(const struct sync_ops *ops, const struct child *ch)
{
	const char *line = strstr(ch->err, "pollsim: watchdog: holding it up");
	int before = failures;

	printf("%s long stall: exit %d%s, %.3f s from the stall to the watchdog's verdict, %.3f s to the "
	       "process exit (bound %.1f s + 1 s)\n",
	       ops->name, exit_code(ch), ch->killed ? " (killed: hung)" : "", ch->stall_to_report,
	       ch->stall_to_exit, BOUND_S);
	CHECK(!ch->killed, "%s: the run with a stuck thread hung (killed after %.1f s)", ops->name,
	      BOUND_S + 6);
	CHECK(exit_code(ch) == 3, "%s: exit status %d, expected 3 (watchdog)", ops->name, exit_code(ch));
	CHECK(ch->stall_to_exit >= 0, "%s: the stall never began", ops->name);
	/*
	 * The run ends with the watchdog's verdict; the process exit that
	 * follows is not timed (TSAN sleeps atexit_sleep_ms, 1 s, in _exit).
	 */
	CHECK(ch->stall_to_report >= 0 && ch->stall_to_report <= BOUND_S + 1.0,
	      "%s: the watchdog gave its verdict %.3f s after the stall began (-1: never), more than %.1f s",
	      ops->name, ch->stall_to_report, BOUND_S + 1.0);
	CHECK(line && strstr(line, " thread 1 (event for") && strchr(line, '\n') &&
		      strstr(line, " thread 1 (event for") < strchr(line, '\n'),
	      "%s: the report does not name thread 1 doing 'event' as holding the run up", ops->name);
	if (failures > before)
		printf("---- child stderr ----\n%s---- end ----\n", ch->err);
}

static void start_short_stall(const struct sync_ops *ops, struct child *ch)
{
	struct pollsim_config c;

	config_for(&c, ops);
	c.stall_ms = 200;
	c.watchdog_s = 2;
	/*
	 * An update every 20 ms for 0.6 s: whenever the stall really begins
	 * (a loaded machine wakes the stalling thread late), the updates due
	 * in its first 100 ms wait at least 100 ms for its end, unless the
	 * stall starts more than 480 ms late.
	 */
	c.update_rate = 50;
	c.duration_s = 0.6;
	child_start(&c, 20, ch);
}

static void check_short_stall(const struct sync_ops *ops, const struct child *ch)
{
	const char *key = strstr(ch->out, " update_ends publish ") ? "reclaim_max_ns" : "update_max_ns";
	double max_ns = summary_value(ch->out, key);
	int before = failures;

	printf("%s short stall: exit %d, %s %.0f\n", ops->name, exit_code(ch), key, max_ns);
	CHECK(exit_code(ch) == 0, "%s: a 200 ms stall under a 2 s bound ended the run (exit %d)", ops->name,
	      exit_code(ch));
	CHECK(!strstr(ch->err, "watchdog"), "%s: the watchdog spoke about a stall shorter than its bound",
	      ops->name);
	CHECK(max_ns >= 100e6, "%s: worst update latency %.0f ns: the 200 ms stall does not show", ops->name,
	      max_ns);
	if (failures > before)
		printf("---- child stderr ----\n%s---- end ----\n", ch->err);
}

/* Both checks of one strategy, their two children running side by side. */
static void test_strategy(const struct sync_ops *ops, int with_short)
{
	struct child *ch = malloc(2 * sizeof(*ch));
	struct child *both[2] = { &ch[0], &ch[1] };

	if (!ch)
		exit(1);
	start_long_stall(ops, &ch[0]);
	if (with_short)
		start_short_stall(ops, &ch[1]);
	children_wait(both, with_short ? 2 : 1);
	check_long_stall(ops, &ch[0]);
	if (with_short)
		check_short_stall(ops, &ch[1]);
	free(ch);
}

/* Strategies whose updates wait for readers: every one must be covered. */
static int waits(const struct sync_ops *ops)
{
	/* A seqlock's writer never waits for readers: they retry instead. */
	return (ops->caps & (SYNC_CAP_ISOLATE | SYNC_CAP_SYNCHRONIZE)) && !(ops->caps & SYNC_CAP_UNSAFE) &&
	       !ops->read_retry;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
#ifdef EXPECT_BROKEN
	(void)waits;
	test_strategy(&sync_testgate, 0);
	return check_exit("pollsim_watchdog_test");
#else
	test_strategy(&sync_testgate, 1);
	for (size_t i = 0; sync_registry[i]; i++) {
		const struct sync_ops *ops = sync_registry[i];
		struct pollsim_config c;
		const char *flag;
		char err[512];

		if (!waits(ops)) {
			printf("skip %s: its updates never wait (unsafe or defer-only)\n", ops->name);
			continue;
		}
		if (check_tsan_blind(ops->name)) {
			printf("skip %s: goes through liburcu/ck, whose atomics TSAN cannot see\n", ops->name);
			continue;
		}
		config_for(&c, ops);
		c.stall_ms = 1;
		if (pollsim_check(&c, &flag, err, sizeof(err))) {
			printf("skip %s: refuses the configuration (%s: %s)\n", ops->name, flag, err);
			continue;
		}
		test_strategy(ops, 1);
	}
	return check_exit("pollsim_watchdog_test");
#endif
}
