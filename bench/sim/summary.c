/*
 * summary.c - the results: each participant's counters and histograms merged
 * into pollsim_result once every thread has been joined, and the one
 * "SUMMARY key value ..." line that echoes every setting and figure.
 *
 * A figure that was not measured is "n/a", never 0: a percentile of an empty
 * histogram, time to safe in defer mode, reclaim latency of an in-place
 * update. A net cost (run minus baseline) at or below zero is "below_noise",
 * never a negative cost; its signed value stays in the *_net key for
 * statistics across repetitions.
 */
#include "bench/sim/sim_internal.h"

#include <errno.h>
#include <stdio.h>

/* After every join: nothing writes the participants' fields any more. */
void sim_collect(struct sim *s, struct pollsim_result *res)
{
	for (unsigned i = 0; i < s->P; i++) {
		struct pt *p = &s->pts[i];
		struct pollsim_thread_stats *ts = &res->per_thread[i];

		const struct pt_counts *c = &p->at_close;

		hist_merge(&res->event_delay, &p->hists[0]);
		hist_merge(&res->update_latency, &p->hists[1]);
		hist_merge(&res->time_to_safe, &p->hists[2]);
		res->updates += c->updates;
		res->updates_skipped += c->updates_skipped;
		res->updates_unstarted += c->updates_unstarted;
		res->noop_updates += c->noop_updates;
		res->events += c->events;
		res->reads += c->reads;
		res->torn_reads += p->torn;
		res->poisoned_reads += p->poisoned;
		res->read_retries += p->read_retries;
		res->checksum += p->checksum;
		res->sync_wakeups += c->w_sync;
		res->event_wakeups += c->w_event;
		res->timeout_wakeups += c->w_timeout;
		res->eintr_wakeups += c->w_eintr;
		res->control_wakeups += c->w_ctl;
		res->stop_wakeups += p->stop_wakeups;
		res->voluntary_ctx_switches += c->vcsw;
		res->involuntary_ctx_switches += c->ivcsw;
		res->thread_cpu_ns_total += c->cpu_ns;
		res->process_cpu_ns += c->cpu_ns;
		res->process_vcsw += c->vcsw;
		res->process_ivcsw += c->ivcsw;
		if (p->defer_peak_objs > res->defer_peak_objects)
			res->defer_peak_objects = p->defer_peak_objs;
		if (p->defer_peak_bytes > res->defer_peak_bytes)
			res->defer_peak_bytes = p->defer_peak_bytes;
		ts->cpu = p->cpu;
		snprintf(ts->role, sizeof(ts->role), "%s", sim_role_names[p->role]);
		ts->cpu_ns = c->cpu_ns;
		ts->events = c->events;
		ts->updates = c->updates;
		ts->event_wakeups = c->w_event;
		ts->sync_wakeups = c->w_sync;
		ts->timeout_wakeups = c->w_timeout;
		ts->eintr_wakeups = c->w_eintr;
		ts->voluntary_ctx_switches = c->vcsw;
		ts->involuntary_ctx_switches = c->ivcsw;
		ts->sat_iter_ns = p->sat_iter_ns;
	}
	pthread_mutex_lock(&s->reclaim_lock);
	hist_merge(&res->reclaim_latency, s->reclaim_hist);
	pthread_mutex_unlock(&s->reclaim_lock);
	res->update_ends = s->isolate_path ? POLLSIM_ENDS_RELEASE : POLLSIM_ENDS_PUBLISH;
	res->time_to_safe_measured = s->isolate_path || s->cfg->reclaim == SYNC_RECLAIM_SYNC;
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

/* A percentile, or n/a when nothing was recorded. */
static void kv_q(FILE *o, const char *k, const struct hist *h, double q)
{
	if (!h->count)
		fprintf(o, " %s n/a", k);
	else
		fprintf(o, " %s %llu", k, (unsigned long long)(q >= 1 ? h->max : hist_quantile(h, q)));
}

/* The percentiles p50 p90 p99 p999 max and the mean of one histogram, as PREFIX_p50_ns ... */
static void kv_hist(FILE *o, const char *prefix, const struct hist *h)
{
	static const double qs[] = { 0.5, 0.9, 0.99, 0.999, 1 };
	static const char *const names[] = { "p50", "p90", "p99", "p999", "max" };
	char k[64];

	for (int i = 0; i < 5; i++) {
		snprintf(k, sizeof(k), "%s_%s_ns", prefix, names[i]);
		kv_q(o, k, h, qs[i]);
	}
	snprintf(k, sizeof(k), "%s_mean_ns", prefix);
	if (h->count)
		kv_d(o, k, hist_mean(h));
	else
		fprintf(o, " %s n/a", k);
}

/* A net cost: nan when not computed, below_noise at or below 0. */
static void kv_net(FILE *o, const char *k, double v)
{
	if (!isnan(v) && v <= 0)
		fprintf(o, " %s below_noise", k);
	else
		kv_d(o, k, v);
}

static double ratio(double a, double b)
{
	return b > 0 ? a / b : NAN;
}

int pollsim_print_summary(FILE *o, const struct pollsim_config *c, const struct pollsim_result *r)
{
	static const struct hist empty; /* count 0: every percentile n/a */
	int grace = r->update_ends == POLLSIM_ENDS_PUBLISH;
	const struct hist *ul = &r->update_latency, *ts = &r->time_to_safe, *ed = &r->event_delay;
	double cl = r->floor_cacheline_rtt_ns, wk = r->floor_wake_rtt_ns;
	double up50 = ul->count ? (double)hist_quantile(ul, 0.5) : NAN;
	double up99 = ul->count ? (double)hist_quantile(ul, 0.99) : NAN;

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
	kv_u(o, "updates_skipped", r->updates_skipped);
	kv_u(o, "updates_unstarted", r->updates_unstarted);
	kv_u(o, "noop_updates", r->noop_updates);
	kv_s(o, "update_ends", grace ? "publish" : "release");
	kv_hist(o, "update", ul);
	kv_hist(o, "publish", grace ? ul : &empty);
	kv_hist(o, "release", grace ? &empty : ul);
	kv_hist(o, "reclaim", grace ? &r->reclaim_latency : &empty);
	if (!r->time_to_safe_measured)
		ts = &empty;
	kv_q(o, "time_to_safe_p50_ns", ts, 0.5);
	kv_q(o, "time_to_safe_p90_ns", ts, 0.9);
	kv_q(o, "time_to_safe_p99_ns", ts, 0.99);
	kv_q(o, "time_to_safe_max_ns", ts, 1);
	kv_u(o, "sync_wakeups", r->sync_wakeups);
	kv_d(o, "sync_wakeups_per_update", r->updates ? (double)r->sync_wakeups / (double)r->updates : NAN);
	kv_u(o, "event_wakeups", r->event_wakeups);
	kv_u(o, "timeout_wakeups", r->timeout_wakeups);
	kv_u(o, "eintr_wakeups", r->eintr_wakeups);
	kv_u(o, "control_wakeups", r->control_wakeups);
	kv_u(o, "stop_wakeups", r->stop_wakeups);
	kv_u(o, "voluntary_ctx_switches", r->voluntary_ctx_switches);
	kv_u(o, "involuntary_ctx_switches", r->involuntary_ctx_switches);
	kv_u(o, "process_cpu_ns", r->process_cpu_ns);
	kv_u(o, "thread_cpu_ns", r->thread_cpu_ns_total);
	kv_u(o, "process_vcsw", r->process_vcsw);
	kv_u(o, "process_ivcsw", r->process_ivcsw);
	kv_u(o, "baseline_process_cpu_ns", r->baseline_process_cpu_ns);
	kv_u(o, "baseline_process_vcsw", r->baseline_process_vcsw);
	kv_d(o, "baseline_wall_s", r->baseline_wall_s);
	kv_net(o, "cpu_ns_per_update", r->cpu_ns_per_update);
	kv_d(o, "cpu_ns_per_update_net", r->cpu_ns_per_update);
	kv_net(o, "vcsw_per_update", r->vcsw_per_update);
	kv_d(o, "vcsw_per_update_net", r->vcsw_per_update);
	kv_u(o, "events", r->events);
	kv_d(o, "events_per_s", r->wall_s > 0 ? (double)r->events / r->wall_s : 0);
	kv_q(o, "event_delay_p50_ns", ed, 0.5);
	kv_q(o, "event_delay_p90_ns", ed, 0.9);
	kv_q(o, "event_delay_p99_ns", ed, 0.99);
	kv_q(o, "event_delay_p999_ns", ed, 0.999);
	kv_q(o, "event_delay_max_ns", ed, 1);
	kv_u(o, "event_delay_samples", ed->count);
	kv_u(o, "reads", r->reads);
	kv_u(o, "torn_reads", r->torn_reads);
	kv_u(o, "poisoned_reads", r->poisoned_reads);
	kv_u(o, "read_retries", r->read_retries);
	kv_u(o, "defer_peak_objects", r->defer_peak_objects);
	kv_u(o, "defer_peak_bytes", r->defer_peak_bytes);
	kv_d(o, "floor_cacheline_rtt_ns", cl);
	kv_d(o, "floor_wake_rtt_ns", wk);
	kv_d(o, "update_p50_over_cacheline_rtt", ratio(up50, cl));
	kv_d(o, "update_p99_over_cacheline_rtt", ratio(up99, cl));
	kv_d(o, "update_p50_over_wake_rtt", ratio(up50, wk));
	kv_d(o, "update_p99_over_wake_rtt", ratio(up99, wk));
	kv_d(o, "time_to_safe_p50_over_cacheline_rtt", ts->count ? ratio((double)hist_quantile(ts, 0.5), cl) : NAN);
	kv_d(o, "event_delay_p99_over_wake_rtt", ed->count ? ratio((double)hist_quantile(ed, 0.99), wk) : NAN);
	if (r->strategy_extra[0])
		fprintf(o, " %s", r->strategy_extra);
	fprintf(o, "\n");
	/* a full disk or a closed pipe must not pass for a result */
	if (fflush(o) || ferror(o)) {
		if (!errno)
			errno = EIO;
		return -1;
	}
	return 0;
}
