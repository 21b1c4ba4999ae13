/*
 * summary.c - the results: each participant's counters and histograms merged
 * into pollsim_result once every thread has been joined, and the one
 * "SUMMARY key value ..." line that echoes every setting and figure.
 */
#include "bench/sim/sim_internal.h"

#include <stdio.h>

/* After every join: nothing writes the participants' fields any more. */
void sim_collect(struct sim *s, struct pollsim_result *res)
{
	for (unsigned i = 0; i < s->P; i++) {
		struct pt *p = &s->pts[i];
		struct pollsim_thread_stats *ts = &res->per_thread[i];

		hist_merge(&res->event_delay, &p->hists[0]);
		hist_merge(&res->update_latency, &p->hists[1]);
		hist_merge(&res->time_to_safe, &p->hists[2]);
		res->updates += p->updates;
		res->events += p->events;
		res->reads += p->reads;
		res->torn_reads += p->torn;
		res->poisoned_reads += p->poisoned;
		res->checksum += p->checksum;
		res->sync_wakeups += p->w_sync;
		res->event_wakeups += p->w_event;
		res->timeout_wakeups += p->w_timeout;
		res->eintr_wakeups += p->w_eintr;
		res->control_wakeups += p->w_ctl;
		res->voluntary_ctx_switches += p->vcsw;
		res->involuntary_ctx_switches += p->ivcsw;
		res->thread_cpu_ns_total += p->cpu_ns;
		if (p->defer_peak_objs > res->defer_peak_objects)
			res->defer_peak_objects = p->defer_peak_objs;
		if (p->defer_peak_bytes > res->defer_peak_bytes)
			res->defer_peak_bytes = p->defer_peak_bytes;
		ts->cpu = p->cpu;
		snprintf(ts->role, sizeof(ts->role), "%s", sim_role_names[p->role]);
		ts->cpu_ns = p->cpu_ns;
		ts->events = p->events;
		ts->updates = p->updates;
		ts->event_wakeups = p->w_event;
		ts->sync_wakeups = p->w_sync;
		ts->timeout_wakeups = p->w_timeout;
		ts->eintr_wakeups = p->w_eintr;
		ts->voluntary_ctx_switches = p->vcsw;
		ts->involuntary_ctx_switches = p->ivcsw;
	}
	sync_summary_string(s->dom, res->strategy_extra, sizeof(res->strategy_extra));
}

static void kv_s(FILE *o, const char *k, const char *v)
{
	fprintf(o, " %s %s", k, v && *v ? v : "-");
}

static void kv_u(FILE *o, const char *k, uint64_t v)
{
	fprintf(o, " %s %llu", k, (unsigned long long)v);
}

static void kv_d(FILE *o, const char *k, double v)
{
	if (isnan(v))
		fprintf(o, " %s nan", k);
	else if (isinf(v))
		fprintf(o, " %s inf", k);
	else
		fprintf(o, " %s %.6g", k, v);
}

/* <name>_p50_ns, _p90_ns, _p99_ns, (_p999_ns,) _max_ns of h. */
static void kv_hist(FILE *o, const char *name, const struct hist *h, int with_p999)
{
	static const struct {
		const char *key;
		double q;
	} qs[] = { { "p50", 0.5 }, { "p90", 0.9 }, { "p99", 0.99 }, { "p999", 0.999 } };
	char k[64];

	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		if (qs[i].q == 0.999 && !with_p999)
			continue;
		snprintf(k, sizeof(k), "%s_%s_ns", name, qs[i].key);
		kv_u(o, k, hist_quantile(h, qs[i].q));
	}
	snprintf(k, sizeof(k), "%s_max_ns", name);
	kv_u(o, k, h->max);
}

static double ratio(double a, double b)
{
	return b > 0 ? a / b : NAN;
}

void pollsim_print_summary(FILE *o, const struct pollsim_config *c, const struct pollsim_result *r)
{
	const struct hist *ul = &r->update_latency, *ts = &r->time_to_safe, *ed = &r->event_delay;
	double cl = r->floor_cacheline_rtt_ns, wk = r->floor_wake_rtt_ns;
	double up50 = (double)hist_quantile(ul, 0.5), up99 = (double)hist_quantile(ul, 0.99);

	fprintf(o, "SUMMARY");
	/* settings */
	kv_s(o, "strategy", c->strategy ? c->strategy->name : "-");
	kv_s(o, "family", c->strategy ? c->strategy->family : "-");
	kv_u(o, "threads", c->threads);
	kv_u(o, "participants", r->participants);
	kv_s(o, "scenario", pollsim_scenario_name(c->scenario));
	kv_d(o, "duration_s", c->duration_s);
	kv_d(o, "update_rate", c->update_rate);
	kv_s(o, "updater", pollsim_updater_names[c->updater & 1]);
	kv_s(o, "placement", pollsim_placement_names[c->placement % 3]);
	kv_s(o, "placement_cpus", r->placement_desc);
	kv_s(o, "arrival", pollsim_arrival_names[c->arrival & 1]);
	kv_s(o, "reclaim", pollsim_reclaim_names[c->reclaim & 1]);
	kv_d(o, "event_cost_us", c->event_cost_us);
	kv_d(o, "event_rate", r->event_rate_used);
	kv_s(o, "events_enabled", c->no_events ? "no" : "yes");
	kv_u(o, "table_size", c->table_size);
	kv_d(o, "watchdog_s", c->watchdog_s);
	fprintf(o, " stall_thread %d", c->stall_thread);
	kv_d(o, "stall_ms", c->stall_thread >= 0 ? c->stall_ms : 0);
	kv_s(o, "fail", c->fail_phase == LC_ALLOC ? "alloc" : c->fail_phase == LC_INIT ? "init" :
			c->fail_phase == POLLSIM_FAIL_SPAWN ? "spawn" : "none");
	fprintf(o, " fail_thread %d", c->fail_phase >= 0 ? c->fail_thread : -1);
	kv_u(o, "seed", c->seed);
	kv_s(o, "baseline", r->baseline_process_cpu_ns ? "yes" : "no");
	kv_u(o, "online_cpus", r->online_cpus);
	kv_u(o, "oversubscribed", (uint64_t)r->oversubscribed);
	/* figures */
	kv_d(o, "wall_s", r->wall_s);
	kv_u(o, "updates", r->updates);
	kv_hist(o, "update", ul, 1);
	kv_d(o, "update_mean_ns", hist_mean(ul));
	kv_hist(o, "time_to_safe", ts, 0);
	kv_u(o, "sync_wakeups", r->sync_wakeups);
	kv_d(o, "sync_wakeups_per_update", r->updates ? (double)r->sync_wakeups / (double)r->updates : NAN);
	kv_u(o, "event_wakeups", r->event_wakeups);
	kv_u(o, "timeout_wakeups", r->timeout_wakeups);
	kv_u(o, "eintr_wakeups", r->eintr_wakeups);
	kv_u(o, "control_wakeups", r->control_wakeups);
	kv_u(o, "voluntary_ctx_switches", r->voluntary_ctx_switches);
	kv_u(o, "involuntary_ctx_switches", r->involuntary_ctx_switches);
	kv_u(o, "process_cpu_ns", r->process_cpu_ns);
	kv_u(o, "thread_cpu_ns", r->thread_cpu_ns_total);
	kv_u(o, "baseline_process_cpu_ns", r->baseline_process_cpu_ns);
	kv_d(o, "baseline_wall_s", r->baseline_wall_s);
	kv_d(o, "cpu_ns_per_update", r->cpu_ns_per_update);
	kv_u(o, "events", r->events);
	kv_d(o, "events_per_s", r->wall_s > 0 ? (double)r->events / r->wall_s : 0);
	kv_hist(o, "event_delay", ed, 1);
	kv_u(o, "reads", r->reads);
	kv_u(o, "torn_reads", r->torn_reads);
	kv_u(o, "poisoned_reads", r->poisoned_reads);
	kv_u(o, "defer_peak_objects", r->defer_peak_objects);
	kv_u(o, "defer_peak_bytes", r->defer_peak_bytes);
	kv_d(o, "floor_cacheline_rtt_ns", cl);
	kv_d(o, "floor_wake_rtt_ns", wk);
	kv_d(o, "update_p50_over_cacheline_rtt", ratio(up50, cl));
	kv_d(o, "update_p99_over_cacheline_rtt", ratio(up99, cl));
	kv_d(o, "update_p50_over_wake_rtt", ratio(up50, wk));
	kv_d(o, "update_p99_over_wake_rtt", ratio(up99, wk));
	kv_d(o, "time_to_safe_p50_over_cacheline_rtt", ratio((double)hist_quantile(ts, 0.5), cl));
	kv_d(o, "event_delay_p99_over_wake_rtt", ratio((double)hist_quantile(ed, 0.99), wk));
	if (r->strategy_extra[0])
		fprintf(o, " %s", r->strategy_extra);
	fprintf(o, "\n");
}
