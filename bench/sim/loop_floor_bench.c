/*
 * loop_floor_bench.c - //bench/sim:loop_floor_bench: what does the poll-loop
 * simulator add to each iteration of a busy loop, beyond the poll itself?
 *
 * Each round measures, side by side in one process:
 *  - bare: a thread that calls epoll_wait(timeout 0) on an epoll set holding
 *    one eventfd that is always readable (what a saturated loop's poll
 *    returns), nothing else, for --rep seconds: ns per poll. It runs in a
 *    thread of its own while the main thread waits, as the simulator's loop
 *    does: in a single-threaded process the kernel takes a file without its
 *    reference count and RCU, and glibc skips the cancellation points, which
 *    made a bare poll on the main thread about 40 ns cheaper than the same
 *    poll in any loop thread;
 *  - timed: the same poll plus what timing each event the simulator's way
 *    needs and nothing else: a clock read as the event starts, its delay
 *    from the previous event's end into a histogram, one load of a one-entry
 *    table, a clock read as it ends: ns per iteration;
 *  - sim: pollsim_run() of one saturated loop thread, strategy none, no
 *    updates, events of 0 us on a one-entry table, for --rep seconds: ns per
 *    iteration (wall / events; one event per iteration).
 * sim - bare is all the simulator adds to a poll: an upper bound of its
 * bookkeeping. sim - timed is its bookkeeping beyond the event's own timing
 * (the measured window's checks, the classification of the poll's return,
 * the thread's state for the watchdog, the strategy's hooks, the counters).
 * The order rotates from round to round so that a slow spell of the machine
 * hits every side.
 *
 * Built with -DPOLLSIM_STUB_POLL (//bench/sim:loop_floor_stub_bench, with a
 * simulator built the same way), every side's poll is sim_stub_poll, a call
 * that reports the event source ready without entering the kernel: the same
 * three sides without the syscall, whose cost drifts by more than the
 * differences measured here (a bare epoll_wait(0) read 515 to 660 ns from
 * minute to minute on this VM), so that sim - bare and sim - timed are
 * resolved to a few ns. What the syscall does to the loop's own code (caches
 * and branch predictors disturbed by the kernel) is only in the first build.
 *
 * Output: one "ROUND r bare_ns B sim_ns S timed_ns T" line per round on
 * stdout, for //bench:goals (which takes S - B, and S - T, against the
 * smallest event cost of the matrix, 0.2 us: goal at most 5%).
 *
 *   loop_floor_bench [--rounds=N] [--rep=S]
 * Exit status: 0 ok, 1 a run failed, 2 bad input.
 */
#include "bench/sim/pollsim.h"

#include "bench/lib/flags.h"
#include "bench/lib/histogram.h"
#include "strategies/sync.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#ifdef POLLSIM_STUB_POLL
#include "strategies/loop.h"

static const char *prog = "loop_floor_stub_bench";
#define POLL_NAME "the stub poll"
#else
static const char *prog = "loop_floor_bench";
#define POLL_NAME "epoll_wait"
#endif

enum flag_id { F_ROUNDS, F_REP, F_HELP };

static const struct flags_spec flags[] = {
	[F_ROUNDS] = { "rounds", 1, "a whole number of rounds" },
	[F_REP] = { "rep", 1, "seconds per side and round" },
	[F_HELP] = { "help", 0, NULL },
};

/*
 * ns per epoll_wait(0) returning the one ready eventfd (timed: with each
 * event's timing, see above); -1 on a failure. Runs on its own thread.
 */
static double poll_loop_ns(double rep_s, int timed)
{
	struct epoll_event ev = { .events = EPOLLIN }, evs[8];
	int ep = epoll_create1(EPOLL_CLOEXEC), fd = eventfd(1, EFD_CLOEXEC | EFD_NONBLOCK);
	static volatile uint64_t table[1] = { 1 };
	uint64_t t0, t1, n = 0, end, prev_end, sum = 0;
	struct hist *h = malloc(sizeof(*h));

	if (!h || ep < 0 || fd < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev)) {
		fprintf(stderr, "%s: epoll/eventfd: %s\n", prog, h ? strerror(errno) : "out of memory");
		free(h);
		return -1;
	}
	hist_init(h);
#ifdef POLLSIM_STUB_POLL
	struct sync_epoll_args a = { .epfd = ep, .max = 8, .timeout_ms = 0, .evs = evs };
#endif
	t0 = prev_end = sync_now_ns();
	end = t0 + (uint64_t)(rep_s * 1e9);
	do {
		/* a batch between clock reads, as the simulator's loop reads it per iteration */
		for (int k = 0; k < 64; k++) {
#ifdef POLLSIM_STUB_POLL
			if (sim_stub_poll(&a) != 1) {
#else
			if (epoll_wait(ep, evs, 8, 0) != 1) {
#endif
				fprintf(stderr, "%s: " POLL_NAME " did not return the ready eventfd\n", prog);
				free(h);
				return -1;
			}
			if (timed) {
				uint64_t start = sync_now_ns();

				hist_record(h, start - prev_end);
				sum += table[0];
				prev_end = sync_now_ns();
			}
		}
		n += 64;
		t1 = sync_now_ns();
	} while (t1 < end);
	close(fd);
	close(ep);
	if (timed && (h->count != n || sum != n)) {
		fprintf(stderr, "%s: the timed loop recorded %llu of %llu events\n", prog,
			(unsigned long long)h->count, (unsigned long long)n);
		free(h);
		return -1;
	}
	free(h);
	return (double)(t1 - t0) / (double)n;
}

struct poll_job {
	double rep_s, ns;
	int timed;
};

static void *poll_thread(void *arg)
{
	struct poll_job *j = arg;

	j->ns = poll_loop_ns(j->rep_s, j->timed);
	return NULL;
}

/* poll_loop_ns on a thread of its own (see the note at the top); -1 on a failure. */
static double poll_ns(double rep_s, int timed)
{
	struct poll_job j = { .rep_s = rep_s, .ns = -1, .timed = timed };
	pthread_t t;
	int e = pthread_create(&t, NULL, poll_thread, &j);

	if (e) {
		fprintf(stderr, "%s: pthread_create: %s\n", prog, strerror(e));
		return -1;
	}
	pthread_join(t, NULL);
	return j.ns;
}

/* ns per iteration of one saturated simulator loop; -1 on a failure. */
static double sim_iter_ns(double rep_s)
{
	struct pollsim_config c;
	struct pollsim_result *r = calloc(1, sizeof(*r));
	char err[512];
	double ns;

	if (!r)
		return -1;
	pollsim_config_quiet(&c, sync_find("none"), 1, POLLSIM_SATURATED, rep_s);
	c.update_rate = 0;
	c.event_cost_us = 0;
	c.table_size = 1;
	if (pollsim_run(&c, r, err, sizeof(err))) {
		fprintf(stderr, "%s: pollsim: %s\n", prog, err);
		free(r);
		return -1;
	}
	ns = r->events ? r->wall_s * 1e9 / (double)r->events : -1;
	if (ns < 0)
		fprintf(stderr, "%s: the saturated loop handled no event\n", prog);
	free(r);
	return ns;
}

int main(int argc, char **argv)
{
	unsigned rounds = 6;
	double rep_s = 0.2;
	const char *v;

	for (int i = 1, k; (k = flags_next(prog, argc, argv, &i, flags, sizeof(flags) / sizeof(flags[0]), &v)) >= 0;) {
		switch ((enum flag_id)k) {
		case F_ROUNDS:
			if (flags_parse_unsigned(v, 1, 50, &rounds))
				flags_die(prog, "--rounds", v, "a whole number 1..50");
			break;
		case F_REP:
			if (flags_parse_double(v, 0, 60, FLAGS_MIN_EXCLUSIVE, &rep_s))
				flags_die(prog, "--rep", v, "seconds, a decimal number > 0 and <= 60");
			break;
		case F_HELP:
			printf("usage: %s [--rounds=N (1..50, default 6)] [--rep=S (default 0.2)]\n", prog);
			return fflush(stdout) || ferror(stdout) ? 1 : 0;
		}
	}
	if (!sync_find("none")) {
		fprintf(stderr, "%s: strategy none is not in the registry\n", prog);
		return 1;
	}
	for (unsigned r = 1; r <= rounds; r++) {
		double ns[3];

		/* rotate: bare, timed, sim in round 1; timed, sim, bare in round 2; ... */
		for (unsigned k = 0; k < 3; k++) {
			unsigned side = (r - 1 + k) % 3;

			ns[side] = side == 2 ? sim_iter_ns(rep_s) : poll_ns(rep_s, side);
			if (ns[side] < 0)
				return 1;
		}
		printf("ROUND %u bare_ns %.2f sim_ns %.2f timed_ns %.2f\n", r, ns[0], ns[2], ns[1]);
		fflush(stdout);
	}
	return fflush(stdout) || ferror(stdout) ? 1 : 0;
}
