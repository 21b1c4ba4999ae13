/*
 * config.c - the configuration: defaults, the names flags and SUMMARY use, the
 * checks that refuse a configuration with one line naming its flag, and the
 * baseline a run's cost to others is measured against: the same run, same
 * length, whose updater wakes on the same schedule but applies nothing.
 *
 * Deliberate break for the tests: POLLSIM_BREAK_BASELINE_NO_UPDATER, the
 * baseline has no updater wakeups (pollsim_figures_test must fail).
 */
#include "bench/sim/sim_internal.h"

#include <stdio.h>
#include <string.h>

#include "bench/lib/floors.h"

const char *const pollsim_scenario_names[] = { "idle", "saturated", "mixed", "bursty", "slowcall", NULL };
const char *const pollsim_updater_names[] = { "loop", "outside", NULL };
const char *const pollsim_placement_names[] = { "none", "compact", "scatter", NULL };
const char *const pollsim_arrival_names[] = { "fixed", "poisson", NULL };
const char *const pollsim_reclaim_names[] = { "sync", "defer", NULL };
const char *const sim_role_names[] = { "idle", "saturated", "outside" };

/* No stall, no injected failure. */
static void no_faults(struct pollsim_config *c)
{
	c->stall_thread = -1;
	c->stall_ms = 0;
	c->fail_phase = -1;
	c->fail_thread = -1;
}

void pollsim_config_default(struct pollsim_config *c)
{
	memset(c, 0, sizeof(*c));
	c->strategy = NULL;
	c->threads = 2;
	c->scenario = POLLSIM_IDLE;
	c->duration_s = 1.0;
	c->update_rate = 10.0;
	c->updater = POLLSIM_UPDATER_OUTSIDE;
	c->placement = POLLSIM_PLACE_NONE;
	c->arrival = POLLSIM_ARRIVAL_FIXED;
	c->reclaim = SYNC_RECLAIM_SYNC;
	c->event_cost_us = 2.0;
	c->event_rate = 0;
	c->table_size = 16;
	c->watchdog_s = 2.0;
	no_faults(c);
	c->seed = 1;
	c->floors_budget_s = FLOORS_DEFAULT_BUDGET_S;
}

void pollsim_config_quiet(struct pollsim_config *c, const struct sync_ops *ops, unsigned threads,
			  enum pollsim_scenario scenario, double duration_s)
{
	pollsim_config_default(c);
	c->strategy = ops;
	c->threads = threads;
	c->scenario = scenario;
	c->duration_s = duration_s;
	c->quiet = 1;
	c->floors_budget_s = 0;
}

const char *pollsim_scenario_name(enum pollsim_scenario s)
{
	if ((unsigned)s >= POLLSIM_NSCENARIOS)
		return "?";
	return pollsim_scenario_names[s];
}

unsigned sim_participants(const struct pollsim_config *c)
{
	return c->threads + (c->updater == POLLSIM_UPDATER_OUTSIDE);
}

#define BAD(f, ...)                                           \
	do {                                                  \
		if (flag)                                     \
			*flag = (f);                          \
		snprintf(err, errlen, __VA_ARGS__);           \
		return -1;                                    \
	} while (0)

/* Field checks only (no strategy call). */
int sim_check_fields(const struct pollsim_config *c, const char **flag, char *err, size_t errlen)
{
	const struct sync_ops *ops = c->strategy;
	unsigned P;

	if (!ops)
		BAD("--strategy", "no strategy given");
	if (c->threads < 1 || c->threads > POLLSIM_MAX_THREADS)
		BAD("--threads", "loop threads from 1 to %u", POLLSIM_MAX_THREADS);
	P = sim_participants(c);
	if ((unsigned)c->scenario >= POLLSIM_NSCENARIOS)
		BAD("--scenario", "one of idle|saturated|mixed|bursty|slowcall");
	if (!(c->duration_s > 0) || !(c->duration_s <= 3600))
		BAD("--duration", "seconds, more than 0 and at most 3600");
	if (!(c->update_rate >= 0) || !(c->update_rate <= 1e6))
		BAD("--update-rate", "updates per second from 0 (none) to 1000000");
	if (c->updater != POLLSIM_UPDATER_LOOP && c->updater != POLLSIM_UPDATER_OUTSIDE)
		BAD("--updater", "loop|outside");
	if ((unsigned)c->placement > POLLSIM_PLACE_SCATTER)
		BAD("--placement", "none|compact|scatter");
	if ((unsigned)c->arrival > POLLSIM_ARRIVAL_POISSON)
		BAD("--arrival", "fixed|poisson");
	if (!(c->event_cost_us >= 0) || !(c->event_cost_us <= 1e6))
		BAD("--event-cost-us", "microseconds of CPU per event, from 0 to 1000000");
	if (!(c->event_rate >= 0) || !(c->event_rate <= 1e6))
		BAD("--event-rate", "events per second per thread, more than 0 and at most 1000000");
	if (c->table_size < 1 || c->table_size > 1000000)
		BAD("--table-size", "entries from 1 to 1000000");
	/* the watchdog looks every millisecond at best: a shorter bound cannot be kept */
	if (!(c->watchdog_s >= 0.001) || !(c->watchdog_s <= 3600))
		BAD("--watchdog", "seconds, from 0.001 to 3600");
	if (c->stall_thread >= (int)c->threads || c->stall_thread < -1)
		BAD("--stall", "THREAD:MS with THREAD a loop thread from 0 to %u", c->threads - 1);
	if (c->stall_thread >= 0 && !(c->stall_ms > 0))
		BAD("--stall", "THREAD:MS with MS more than 0 (or inf)");
	if (c->stall_thread >= 0 && !(c->duration_s > POLLSIM_STALL_AT_S))
		BAD("--stall", "the stall begins %g ms after the start, after the end of a %g s run (--duration)",
		    POLLSIM_STALL_AT_S * 1000, c->duration_s);
	if (c->stall_thread >= 0 && !isinf(c->stall_ms) &&
	    POLLSIM_STALL_AT_S + c->stall_ms / 1000 > c->duration_s)
		BAD("--stall", "%g ms from %g ms after the start outlasts a %g s run (--duration): it would be "
		    "cut at the end; shorter, or inf to stall until the end", c->stall_ms,
		    POLLSIM_STALL_AT_S * 1000, c->duration_s);
	if (c->stall_thread == 0 && isinf(c->stall_ms) && c->updater == POLLSIM_UPDATER_LOOP &&
	    c->update_rate > 0)
		BAD("--stall", "thread 0 runs the updates (--updater=loop): stalled for good it applies none; "
		    "stall another thread, a finite time, or use --updater=outside");
	if (c->fail_phase != -1 && c->fail_phase != LC_ALLOC && c->fail_phase != LC_INIT &&
	    c->fail_phase != POLLSIM_FAIL_SPAWN)
		BAD("--fail", "PHASE:THREAD with PHASE alloc, init or spawn");
	if (c->fail_phase != -1 && (c->fail_thread < 0 || c->fail_thread >= (int)P))
		BAD("--fail", "PHASE:THREAD with THREAD a participant from 0 to %u", P - 1);
	if (!(c->stop_delay_s >= 0) || !(c->stop_delay_s <= 60))
		BAD("stop_delay_s", "seconds from 0 to 60");
	if (!(c->floors_budget_s >= 0) || !(c->floors_budget_s <= FLOORS_MAX_BUDGET_S))
		BAD("floors_budget_s", "seconds from 0 (skip) to %g", FLOORS_MAX_BUDGET_S);
	if (ops->max_threads && P > ops->max_threads)
		BAD("--threads", "strategy %s supports at most %u participating threads (%s), %u asked",
		    ops->name, ops->max_threads,
		    c->updater == POLLSIM_UPDATER_OUTSIDE ? "the outside updater counts as one" : "loop threads",
		    P);
	if (c->reclaim == SYNC_RECLAIM_DEFER && !(ops->caps & SYNC_CAP_DEFER))
		BAD("--reclaim", "strategy %s has no deferred reclamation; allowed: sync", ops->name);
	if (c->reclaim != SYNC_RECLAIM_DEFER && c->reclaim != SYNC_RECLAIM_SYNC)
		BAD("--reclaim", "sync|defer");
	if (c->reclaim == SYNC_RECLAIM_SYNC && !(ops->caps & (SYNC_CAP_ISOLATE | SYNC_CAP_SYNCHRONIZE)))
		BAD("--reclaim", "strategy %s can only defer reclamation; allowed: defer", ops->name);
	return 0;
}

int pollsim_check(const struct pollsim_config *c, const char **flag, char *err, size_t errlen)
{
	struct sync_params sp;
	struct sync_domain *d = NULL;

	if (sim_check_fields(c, flag, err, errlen))
		return -1;
	sp.nthreads = sim_participants(c);
	sp.reclaim = c->reclaim;
	if (c->strategy->domain_create(&sp, &d, err, errlen)) {
		if (flag)
			*flag = "--strategy";
		return -1;
	}
	c->strategy->domain_destroy(d);
	return 0;
}

void pollsim_baseline_config(const struct pollsim_config *cfg, struct pollsim_config *out)
{
	*out = *cfg;
#ifdef POLLSIM_BREAK_BASELINE_NO_UPDATER
	out->update_rate = 0; /* deliberate break: the updater's own wakeups charged to the strategy */
#else
	out->updates_noop = 1;
#endif
	no_faults(out);
	out->floors_budget_s = 0;
	out->quiet = 1;
	out->stop_delay_s = 0;
	out->on_window_open = NULL;
}

void pollsim_apply_baseline(struct pollsim_result *res, const struct pollsim_result *base)
{
	double scale = base->wall_s > 0 ? res->wall_s / base->wall_s : 0;

	res->baseline_process_cpu_ns = base->process_cpu_ns;
	res->baseline_process_vcsw = base->process_vcsw;
	res->baseline_wall_s = base->wall_s;
	if (res->updates) {
		res->cpu_ns_per_update =
			((double)res->process_cpu_ns - scale * (double)base->process_cpu_ns) /
			(double)res->updates;
		res->vcsw_per_update =
			((double)res->process_vcsw - scale * (double)base->process_vcsw) / (double)res->updates;
	} else {
		res->cpu_ns_per_update = NAN;
		res->vcsw_per_update = NAN;
	}
}
