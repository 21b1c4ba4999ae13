/*
 * rw_summary.c - what the readers/writers microbenchmark reports of one run
 * (see rw.h): ns per read, net of the harness floor, and the SUMMARY line.
 */
#include "bench/rw/rw_internal.h"

#include <math.h>

static double per_s(uint64_t n, double s)
{
	return s > 0 ? (double)n / s : 0.0;
}

double rw_ns_per_read(const struct rw_result *res)
{
	return res->reads ? (double)res->reader_ns / (double)res->reads : 0.0;
}

double rw_ns_per_read_net(const struct rw_result *res)
{
	double net = rw_ns_per_read(res) - res->floor_ns_per_read;
	/* at least 2% of the floor: five repetitions can agree by chance */
	double noise = fmax(res->floor_noise_ns, 0.02 * res->floor_ns_per_read);

	return !res->reads || isnan(res->floor_ns_per_read) || net <= noise ? NAN : net;
}

/*
 * A histogram's percentiles (p50, p90 with_p90, p99, max) and mean, as
 * "<name>_p50_ns ..."; "n/a" for each when it holds no sample (0 writes):
 * absent, never 0.
 */
static void put_hist(FILE *out, const char *name, const struct hist *h, int with_p90)
{
	static const struct { const char *k; double q; int p90; } qs[] = {
		{ "p50", 0.50, 0 }, { "p90", 0.90, 1 }, { "p99", 0.99, 0 }, { "max", 1.0, 0 },
	};

	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		if (qs[i].p90 && !with_p90)
			continue;
		if (h->count)
			fprintf(out, " %s_%s_ns %llu", name, qs[i].k, (unsigned long long)hist_quantile(h, qs[i].q));
		else
			fprintf(out, " %s_%s_ns n/a", name, qs[i].k);
	}
	if (h->count)
		fprintf(out, " %s_mean_ns %.0f", name, hist_mean(h));
	else
		fprintf(out, " %s_mean_ns n/a", name);
}

void rw_print_summary(FILE *out, const struct rw_config *cfg, const struct rw_result *res)
{
	const struct sync_ops *ops = cfg->strategy;
	double net = rw_ns_per_read_net(res);

	fprintf(out, "SUMMARY strategy %s family %s update %s reclaim %s readers %u writers %u threads %u",
		ops->name, ops->family, rw_update_name(res->update), rw_reclaim_name(cfg->reclaim),
		cfg->readers, cfg->writers, cfg->readers + cfg->writers);
	fprintf(out, " online_cpus %u oversubscribed %d duration_s %.3f wall_s %.3f",
		res->online_cpus, res->oversubscribed, cfg->duration_s, res->wall_s);
	fprintf(out, " read_delay %llu write_hold %llu write_delay %llu quiesce_every %u",
		(unsigned long long)cfg->read_delay, (unsigned long long)cfg->write_hold,
		(unsigned long long)cfg->write_delay, cfg->quiesce_every);
	fprintf(out, " reads %llu writes %llu reads_per_s %.0f writes_per_s %.1f",
		(unsigned long long)res->reads, (unsigned long long)res->writes,
		per_s(res->reads, res->wall_s), per_s(res->writes, res->wall_s));
	if (res->reads)
		fprintf(out, " ns_per_read %.3f", rw_ns_per_read(res));
	else
		fprintf(out, " ns_per_read n/a");
	if (isnan(res->floor_ns_per_read))
		fprintf(out, " ns_per_read_floor n/a ns_per_read_floor_noise n/a ns_per_read_net n/a");
	else
		fprintf(out, " ns_per_read_floor %.3f ns_per_read_floor_noise %.3f", res->floor_ns_per_read,
			res->floor_noise_ns);
	if (isnan(res->floor_ns_per_read))
		;
	else if (isnan(net))
		fprintf(out, " ns_per_read_net below_noise");
	else
		fprintf(out, " ns_per_read_net %.3f", net);
	fprintf(out, " read_retries %llu", (unsigned long long)res->read_retries);
	put_hist(out, "write", &res->write_latency, 1);
	put_hist(out, "wait", &res->wait_latency, 0);
	fprintf(out, " torn_reads %llu poisoned_reads %llu defer_peak_objects %llu defer_peak_bytes %llu",
		(unsigned long long)res->torn_reads, (unsigned long long)res->poisoned_reads,
		(unsigned long long)res->defer_peak_objects, (unsigned long long)res->defer_peak_bytes);
	fprintf(out, " defer_bound %llu defer_throttles %llu defer_throttle_ns %llu",
		(unsigned long long)cfg->defer_bound, (unsigned long long)res->defer_throttles,
		(unsigned long long)res->defer_throttle_ns);
	fprintf(out, " timekeeper_rt %d", res->timekeeper_rt);
	if (res->strategy_extra[0])
		fprintf(out, " %s", res->strategy_extra);
	fputc('\n', out);
}

