/*
 * pollsim_figures_test.c - each figure means one thing for every strategy.
 *
 * What it proves:
 *  1. Cost to others is net of the updater's own wakeups: `none` (which
 *     synchronizes nothing), no events, 50 updates/s for 0.4 s, loop and
 *     outside updater: the process's voluntary context switches of the run
 *     and of its baseline (pollsim_baseline_config: same length, the updater
 *     on the same schedule applying nothing) differ by at most 3 (of 19
 *     updates, each a sleep of the updater: counted, then netted out). A
 *     loaded machine makes a late updater skip sleeps at random, so the pair
 *     gets 3 tries; a baseline without the updater's wakeups is 19 off in
 *     every one.
 *  2. Defer's reclaim latency is taken when the deferred free really runs:
 *     qsbr, reclaim=defer, loop thread 1 stalled 60 ms inside a read section
 *     from 20 ms on: the dozen versions retired meanwhile are freed only
 *     after it, so the worst reclaim latency is >= 20 ms and the mean reclaim
 *     latency exceeds the mean publication latency by >= 3 ms (about 9 ms
 *     expected; taken as defer_free() returns, microseconds, whatever the
 *     machine's load); every retired version's free is recorded once
 *     (reclaim samples == updates); time to safe is not measured (empty) and
 *     update latency ends at publication.
 *  3. A saturated loop's event delay counts every event a gap delayed: one
 *     saturated thread stalled 20 ms inside a read section in a 0.2 s run:
 *     the stall is about a tenth of the run, so the p95 event delay is at
 *     least 5 ms (closed loop, the stall would be one sample of many
 *     thousands and the p95 a few microseconds).
 *  4. A SUMMARY that cannot be written is an error: pollsim_print_summary to
 *     /dev/full returns -1.
 *
 * Built with -DEXPECT_BROKEN and the simulator compiled with one of
 * -DPOLLSIM_BREAK_BASELINE_NO_UPDATER (the baseline without updater wakeups),
 * -DPOLLSIM_BREAK_DEFER_RECLAIM_AT_CALL (reclaim taken as defer_free returns)
 * or -DPOLLSIM_BREAK_SATURATED_CLOSED_LOOP (a gap counted once), the test
 * must fail; those targets pass only if it did.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/lib/check.h"
#include "bench/sim/pollsim.h"
#include "bench/sim/sim_test.h"
#include "strategies/sync.h"

static void test_none_net_zero(struct pollsim_result *r, enum pollsim_updater u)
{
	struct pollsim_config c, bc;
	const char *name = u == POLLSIM_UPDATER_LOOP ? "loop" : "outside";
	double d = NAN;

	pollsim_config_quiet(&c, sync_find("none"), 2, POLLSIM_IDLE, 0.4);
	c.no_events = 1;
	c.updater = u;
	c.update_rate = 50;
	pollsim_baseline_config(&c, &bc);
	for (int try = 1; try <= 3 && !(fabs(d) <= 3); try++) {
		if (sim_test_run_into(&c, &r[0]) || sim_test_run_into(&bc, &r[1]))
			return;
		pollsim_apply_baseline(&r[0], &r[1]);
		d = (double)r[0].process_vcsw - (double)r[1].process_vcsw;
		printf("none, %s updater, try %d: %llu updates, process vcsw %llu, baseline's %llu (difference "
		       "%.0f, %.3f per update), cpu/update %.0f ns net\n", name, try,
		       (unsigned long long)r[0].updates, (unsigned long long)r[0].process_vcsw,
		       (unsigned long long)r[1].process_vcsw, d, r[0].vcsw_per_update, r[0].cpu_ns_per_update);
	}
	CHECK(r[0].updates >= 15, "none, %s updater: %llu updates: the run measured nothing", name,
	      (unsigned long long)r[0].updates);
	CHECK(r[0].process_vcsw >= 1, "none, %s updater: no voluntary switch: the updater's sleeps are not "
	      "counted", name);
	CHECK(fabs(d) <= 3, "none, %s updater: %.0f voluntary switches more than its baseline: the updater's "
	      "own wakeups are charged to a strategy that synchronizes nothing", name, d);
}

static void test_defer_reclaim(struct pollsim_result *r)
{
	struct pollsim_config c;
	uint64_t pub_max, rec_max;

	pollsim_config_quiet(&c, sync_find("qsbr"), 2, POLLSIM_IDLE, 0.2);
	c.event_rate = 1000;
	c.reclaim = SYNC_RECLAIM_DEFER;
	c.updater = POLLSIM_UPDATER_OUTSIDE;
	c.update_rate = 200;
	c.stall_thread = 1;
	c.stall_ms = 60;
	if (sim_test_run_into(&c, r))
		return;
	pub_max = r->update_latency.max;
	rec_max = r->reclaim_latency.max;
	printf("qsbr defer, 60 ms stall: %llu updates, %llu reclaim samples, worst publication %llu ns, worst "
	       "reclaim %llu ns, %llu time-to-safe samples\n", (unsigned long long)r->updates,
	       (unsigned long long)r->reclaim_latency.count, (unsigned long long)pub_max,
	       (unsigned long long)rec_max, (unsigned long long)r->time_to_safe.count);
	CHECK(r->update_ends == POLLSIM_ENDS_PUBLISH, "qsbr defer: update latency does not end at publication");
	CHECK(r->updates >= 10, "qsbr defer: %llu updates: the run measured nothing",
	      (unsigned long long)r->updates);
	CHECK(r->reclaim_latency.count == r->updates, "qsbr defer: %llu reclaim samples for %llu updates",
	      (unsigned long long)r->reclaim_latency.count, (unsigned long long)r->updates);
	CHECK(rec_max >= 20000000, "qsbr defer: worst reclaim %llu ns although versions retired during a 60 ms "
	      "stall wait for its end: reclaim is not taken when the free runs", (unsigned long long)rec_max);
	CHECK(hist_mean(&r->reclaim_latency) - hist_mean(&r->update_latency) >= 3e6,
	      "qsbr defer: mean reclaim %.0f ns, mean publication %.0f ns: the frees held back by the stall "
	      "do not show", hist_mean(&r->reclaim_latency), hist_mean(&r->update_latency));
	CHECK(!r->time_to_safe_measured && r->time_to_safe.count == 0,
	      "qsbr defer: time to safe reported (%llu samples) where it is not measured",
	      (unsigned long long)r->time_to_safe.count);
}

static void test_saturated_open_loop(struct pollsim_result *r)
{
	struct pollsim_config c;
	uint64_t p95;

	pollsim_config_quiet(&c, sync_find("none"), 1, POLLSIM_SATURATED, 0.2);
	c.update_rate = 0;
	c.stall_thread = 0;
	c.stall_ms = 20;
	if (sim_test_run_into(&c, r))
		return;
	p95 = hist_quantile(&r->event_delay, 0.95);
	printf("saturated, 20 ms stall: %llu events, %llu delay samples, pace %llu ns, p95 %llu ns, max %llu ns\n",
	       (unsigned long long)r->events, (unsigned long long)r->event_delay.count,
	       (unsigned long long)r->per_thread[0].sat_iter_ns, (unsigned long long)p95,
	       (unsigned long long)r->event_delay.max);
	CHECK(r->events > 1000, "saturated: %llu events: the run measured nothing", (unsigned long long)r->events);
	CHECK(r->event_delay.max >= 20000000, "saturated: worst event delay %llu ns under a 20 ms stall",
	      (unsigned long long)r->event_delay.max);
	CHECK(p95 >= 5000000, "saturated: p95 event delay %llu ns: a 20 ms stall (a tenth of the run) counts "
	      "once instead of as every event it delayed", (unsigned long long)p95);
}

static void test_summary_full(struct pollsim_result *r)
{
	struct pollsim_config c;
	FILE *f = fopen("/dev/full", "w");

	if (!f) {
		printf("skip: no /dev/full\n");
		return;
	}
	pollsim_config_quiet(&c, sync_find("none"), 2, POLLSIM_IDLE, 0.2);
	CHECK(pollsim_print_summary(f, &c, r) == -1, "a SUMMARY written to /dev/full was reported as written");
	fclose(f);
	printf("SUMMARY to /dev/full: refused\n");
}

int main(void)
{
	struct pollsim_result *r = calloc(2, sizeof(*r));

	if (!r)
		return 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_none_net_zero(r, POLLSIM_UPDATER_OUTSIDE);
	test_none_net_zero(r, POLLSIM_UPDATER_LOOP);
	test_defer_reclaim(r);
	test_saturated_open_loop(r);
	test_summary_full(r);
	free(r);
	return check_exit("pollsim_figures_test");
}
