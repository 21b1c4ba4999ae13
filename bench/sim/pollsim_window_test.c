/*
 * pollsim_window_test.c - every figure comes from inside the measured window:
 * nothing handled before it opens or after it closes (the stop) is counted,
 * however long the stop takes, and an oversubscribed start is neither
 * counted nor mistaken for a stuck synchronization.
 *
 * What it proves:
 *  1. Idle loops, fixed arrivals, and a stop held back 0.3 s after the end of
 *     a 0.2 s window (stop_delay_s, as a slow oversubscribed stop would):
 *     each loop thread's events are at most the schedule's events inside the
 *     window (thread i's first event at t0 + period (1 + i/threads), one a
 *     period after), and at least half of them (it measured); the updates at
 *     most those scheduled inside it; one delay sample per event; and past
 *     the window the loops sleep until the stop: at most 3 epoll returns per
 *     participant there (end of updates, stop), not one per due deadline.
 *  2. Saturated loops, 50 us events, a stop held back 0.6 s: half the CPU
 *     of the events counted is no more than the process spent inside the
 *     window (half: the event cost is calibrated once, and a busy VM's
 *     stolen time can make it cheaper than asked; counting the stop's
 *     events would need four times the window's CPU).
 *  3. Oversubscribed: 64 saturated qsbr loops and an outside updater on
 *     this machine's CPUs, 0.5 s: the run ends (no watchdog), applies
 *     updates, and its events fit the window's CPU as in 2.
 *
 * Built with -DEXPECT_BROKEN and the simulator compiled with
 * -DPOLLSIM_BREAK_COUNT_AFTER_WINDOW (a loop's window closes only when it
 * leaves its loop) or -DPOLLSIM_BREAK_TIMER_AFTER_WINDOW (deadlines stay
 * armed past the window), the test must fail; those targets pass only if it
 * did.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/lib/check.h"
#include "bench/sim/pollsim.h"
#include "bench/sim/sim_test.h"
#include "strategies/sync.h"

/* A 0.2 s window, the stop held back 0.3 s after it. */
static void base_config(struct pollsim_config *c, const char *strategy, unsigned threads,
			enum pollsim_scenario scenario)
{
	pollsim_config_quiet(c, sync_find(strategy), threads, scenario, 0.2);
	c->stop_delay_s = 0.3;
}

/* Schedule times t0 + first + k period (k >= 0) before t0 + window. */
static uint64_t in_window(uint64_t first, uint64_t period, uint64_t window)
{
	return first < window ? (window - first + period - 1) / period : 0;
}

static void test_idle_schedule(void)
{
	struct pollsim_config c;
	struct pollsim_result *r;
	uint64_t period, window = (uint64_t)(0.2 * 1e9), upd_max, total = 0;

	base_config(&c, "none", 2, POLLSIM_IDLE);
	c.event_rate = 2000;
	c.event_cost_us = 0;
	c.update_rate = 100;
	c.updater = POLLSIM_UPDATER_OUTSIDE;
	r = sim_test_run(&c);
	if (!r)
		return;
	period = (uint64_t)(1e9 / c.event_rate);
	upd_max = in_window((uint64_t)(1e9 / c.update_rate), (uint64_t)(1e9 / c.update_rate), window);
	for (unsigned i = 0; i < c.threads; i++) {
		uint64_t max = in_window(period + period * i / c.threads, period, window);
		uint64_t got = r->per_thread[i].events;

		printf("idle thread %u: %llu events, the window's schedule holds %llu\n", i,
		       (unsigned long long)got, (unsigned long long)max);
		CHECK(got <= max, "idle thread %u: %llu events counted, only %llu scheduled inside the window: "
		      "events after its end were counted", i, (unsigned long long)got, (unsigned long long)max);
		CHECK(got >= max / 2, "idle thread %u: %llu of %llu events: the run measured nothing", i,
		      (unsigned long long)got, (unsigned long long)max);
		total += got;
	}
	printf("idle: %llu updates (at most %llu scheduled inside), %llu delay samples for %llu events\n",
	       (unsigned long long)r->updates, (unsigned long long)upd_max,
	       (unsigned long long)r->event_delay.count, (unsigned long long)r->events);
	CHECK(r->updates <= upd_max && r->updates >= 1, "idle: %llu updates, expected 1..%llu",
	      (unsigned long long)r->updates, (unsigned long long)upd_max);
	CHECK(r->events == total, "idle: %llu events in total, %llu summed over the threads",
	      (unsigned long long)r->events, (unsigned long long)total);
	CHECK(r->event_delay.count == r->events, "idle: %llu delay samples for %llu events",
	      (unsigned long long)r->event_delay.count, (unsigned long long)r->events);
	printf("idle: %llu epoll returns past the window for %u participants\n",
	       (unsigned long long)r->stop_wakeups, r->participants);
	CHECK(r->stop_wakeups <= 3ull * r->participants, "idle: %llu epoll returns past the window: the loops "
	      "do not sleep through the stop", (unsigned long long)r->stop_wakeups);
	free(r);
}

/*
 * Runs c: the events counted x their CPU cost must fit the CPU the process
 * spent in the window. Returns the result (the caller frees it), or NULL.
 */
static struct pollsim_result *run_cpu_fit(const char *what, const struct pollsim_config *c)
{
	struct pollsim_result *r = sim_test_run(c);
	double need;

	if (!r)
		return NULL;
	need = (double)r->events * c->event_cost_us * 1000.0 * 0.5;

	printf("%s: %llu events x %g us (x 0.5) = %.0f ns of CPU, the window's process CPU %llu ns; "
	       "%llu updates, window %.3f s\n", what, (unsigned long long)r->events, c->event_cost_us, need,
	       (unsigned long long)r->process_cpu_ns, (unsigned long long)r->updates, r->wall_s);
	CHECK(r->events > 0, "%s: no events: the run measured nothing", what);
	CHECK(need <= (double)r->process_cpu_ns, "%s: the events counted need %.0f ns of CPU, more than the "
	      "%llu ns spent inside the window: events after its end were counted", what, need,
	      (unsigned long long)r->process_cpu_ns);
	return r;
}

static void test_saturated_cpu(void)
{
	struct pollsim_config c;

	base_config(&c, "none", 2, POLLSIM_SATURATED);
	c.event_cost_us = 50;
	c.update_rate = 100;
	c.stop_delay_s = 0.6;
	free(run_cpu_fit("saturated", &c));
}

static void test_oversubscribed(void)
{
	struct pollsim_config c;
	struct pollsim_result *r;

	base_config(&c, "qsbr", 64, POLLSIM_SATURATED);
	c.event_cost_us = 20;
	c.update_rate = 200;
	c.duration_s = 0.5;
	c.stop_delay_s = 0;
	r = run_cpu_fit("oversubscribed qsbr, 64 saturated threads", &c);
	if (!r)
		return;
	CHECK(r->updates >= 1, "oversubscribed: no update applied in the window");
	free(r);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_idle_schedule();
	test_saturated_cpu();
	test_oversubscribed();
	return check_exit("pollsim_window_test");
}
