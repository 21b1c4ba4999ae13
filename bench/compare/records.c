/*
 * records.c - a run's records.txt read into points (one per benchmark point,
 * its repetitions by round), the figures' single definitions, and the
 * statistics of one point (median and interval over its repetitions) and of
 * two points round by round (see analyze.c for the definitions).
 */
#include "bench/compare/analyze.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the figures: one definition each ---- */

const struct figdef figs[] = {
	{ "update_p50_ns", "update p50", "ns", 0, F_HEAD | F_RATIO },
	{ "time_to_safe_p50_ns", "time to safe p50", "ns", 0, F_RATIO },
	{ "reclaim_p50_ns", "reclaim latency p50", "ns", 0, F_RATIO },
	{ "sync_wakeups_per_update", "sync wakeups/update", "", 0, F_HEAD },
	{ "vcsw_per_update", "vol. ctx switches/update", "", 0, F_NET | F_HEAD },
	{ "cpu_ns_per_update", "CPU/update", "ns", 0, F_NET | F_HEAD },
	{ "reader_overhead_ns", "reader overhead/event", "ns", 0, F_NET },
	{ "events_per_s", "events/s", "", 0, F_HIGHER | F_HEAD | F_RATIO },
	{ "event_delay_p50_ns", "event delay p50", "ns", 0, F_HEAD | F_RATIO },
	{ "floor_cacheline_rtt_ns", "cache-line rtt", "ns", 0, F_RATIO },
	{ "floor_wake_rtt_ns", "sleep->wake rtt", "ns", 0, F_RATIO },
	{ "ns_per_read", "ns per read", "ns", 1, F_HEAD | F_RATIO | F_READERS },
	{ "ns_per_read_net", "ns per read net of the harness", "ns", 1, F_RATIO | F_READERS },
	{ "reads_per_s", "reads/s", "", 1, F_HIGHER | F_HEAD | F_RATIO | F_READERS | F_WRITERS },
	{ "writes_per_s", "writes/s", "", 1, F_HIGHER | F_HEAD | F_RATIO | F_WRITERS },
	{ "wait_p50_ns", "isolate/synchronize p50", "ns", 1, F_RATIO | F_WRITERS },
};
const size_t nfigs = sizeof(figs) / sizeof(figs[0]);

/* Pooled percentiles: histogram, quantile, samples needed. */
const struct pooldef pooled[] = {
	{ "update_p99_ns", "h.update_latency", 0.99, 0 },
	{ "update_p999_ns", "h.update_latency", 0.999, 0 },
	{ "reclaim_p99_ns", "h.reclaim_latency", 0.99, 0 },
	{ "event_delay_p99_ns", "h.event_delay", 0.99, 0 },
	{ "event_delay_p999_ns", "h.event_delay", 0.999, 0 },
	{ "write_p99_ns", "h.write_latency", 0.99, 1 },
};
const size_t npooled = sizeof(pooled) / sizeof(pooled[0]);

/* ---- records ---- */


_Noreturn void die(int status, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PROG ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status);
}

void *xmalloc(size_t n)
{
	void *p = calloc(1, n);

	if (!p)
		die(1, "out of memory");
	return p;
}

const char *rec_get(const struct rec *r, const char *k)
{
	for (unsigned i = 0; r && i < r->n; i++)
		if (strcmp(r->key[i], k) == 0)
			return r->val[i];
	return NULL;
}

/* A figure of one repetition: NAN when absent (never 0). */
double rec_num(const struct rec *r, const char *k)
{
	const char *v = rec_get(r, k);
	char *end;
	double d;

	if (!v)
		return NAN;
	d = strtod(v, &end);
	return *end ? NAN : d;
}

/* Splits one RECORD line in place; "error" takes the rest of the line. */
static int parse_line(char *line, struct rec *r)
{
	char *save = NULL, *tok = strtok_r(line, " \n", &save);

	if (!tok || strcmp(tok, "RECORD") != 0)
		return -1;
	while ((tok = strtok_r(NULL, " \n", &save))) {
		if (strcmp(tok, "error") == 0) {
			r->error = save ? save : "";
			r->error[strcspn(r->error, "\n")] = 0;
			break;
		}
		if (r->n == MAX_KV)
			return -1;
		r->key[r->n] = tok;
		r->val[r->n] = strtok_r(NULL, " \n", &save);
		if (!r->val[r->n])
			return -1;
		r->n++;
	}
	return rec_get(r, "name") && rec_get(r, "group") && rec_get(r, "strategy") ? 0 : -1;
}

struct point *find_point(struct run *run, const char *name)
{
	for (unsigned i = 0; i < run->npts; i++)
		if (strcmp(run->pts[i].name, name) == 0)
			return &run->pts[i];
	return NULL;
}

/* Reads DIR/records.txt (or the folder of a benchmarks.json given instead). */
void free_run(struct run *run)
{
	for (unsigned i = 0; i < run->npts; i++)
		for (unsigned k = 0; k <= MAX_REPS; k++)
			if (run->pts[i].rep[k]) {
				free(run->pts[i].rep[k]->buf);
				free(run->pts[i].rep[k]);
			}
	free(run->pts);
	memset(run, 0, sizeof(*run));
}

void load_run(struct run *run, const char *arg)
{
	char path[4096], *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0;
	FILE *f;
	size_t l = strlen(arg);

	if (l > 15 && strcmp(arg + l - 15, "benchmarks.json") == 0)
		snprintf(path, sizeof(path), "%.*srecords.txt", (int)(l - 15), arg);
	else
		snprintf(path, sizeof(path), "%s/records.txt", arg);
	run->dir = arg;
	f = fopen(path, "r");
	if (!f)
		die(2, "'%s': not a results folder of //:compare (no records.txt: %s)", arg, strerror(errno));
	while (getline(&line, &cap, f) > 0) {
		struct rec *r = xmalloc(sizeof(*r));
		char *copy = strdup(line);
		struct point *p;
		unsigned rep;

		lineno++;
		if (!copy || parse_line(copy, r))
			die(2, "'%s': line %u of records.txt is not a RECORD line", arg, lineno);
		r->buf = copy;
		rep = (unsigned)rec_num(r, "repetition");
		if (rep < 1 || rep > MAX_REPS)
			die(2, "'%s': line %u of records.txt: repetition not in [1, %d]", arg, lineno, MAX_REPS);
		p = find_point(run, rec_get(r, "name"));
		if (!p) {
			if (run->npts == run->cap) {
				run->cap = run->cap ? 2 * run->cap : 256;
				run->pts = realloc(run->pts, run->cap * sizeof(*run->pts));
				if (!run->pts)
					die(1, "out of memory");
			}
			p = &run->pts[run->npts++];
			memset(p, 0, sizeof(*p));
			p->name = rec_get(r, "name");
			p->group = rec_get(r, "group");
			p->strategy = rec_get(r, "strategy");
			p->reclaim = rec_get(r, "reclaim") ? rec_get(r, "reclaim") : "sync";
			p->kind = rec_get(r, "kind") ? rec_get(r, "kind") : "poll";
			p->family = rec_get(r, "family") ? rec_get(r, "family") : "-";
			p->scenario = rec_get(r, "scenario");
			p->updater = rec_get(r, "updater");
			p->threads = (unsigned)rec_num(r, "threads");
			p->readers = (unsigned)rec_num(r, "readers");
			p->writers = (unsigned)rec_num(r, "writers");
			p->rate = rec_num(r, "rate");
			p->oversubscribed = rec_num(r, "oversubscribed") == 1;
		}
		if (r->error)
			p->error = r->error;
		p->rep[rep] = r;
		if (rep > p->nrep)
			p->nrep = rep;
	}
	free(line);
	if (ferror(f))
		die(2, "'%s': cannot read records.txt", arg);
	fclose(f);
	if (run->npts == 0)
		die(2, "'%s': records.txt holds no record", arg);
	for (unsigned i = 0; i < run->npts; i++) {
		struct point *p = &run->pts[i];

		for (unsigned j = 0; j < run->npts; j++) {
			struct point *o = &run->pts[j];

			if (strcmp(o->strategy, "none") == 0 && strcmp(o->reclaim, "sync") == 0 &&
			    strcmp(o->group, p->group) == 0 && o != p)
				p->none = o;
		}
	}
}

int is_rw(const struct point *p)
{
	return strcmp(p->kind, "rw") == 0;
}

int fig_applies(const struct figdef *f, const struct point *p)
{
	if (f->rw != is_rw(p))
		return 0;
	if ((f->flags & F_WRITERS) && p->writers == 0)
		return 0;
	if ((f->flags & F_READERS) && p->readers == 0)
		return 0;
	return 1;
}

/* One repetition's value of a figure; reader overhead needs none's round. */
double value(const struct point *p, unsigned rep, const struct figdef *f)
{
	const struct rec *r = p->rep[rep];

	if (!r || r->error)
		return NAN;
	if (strcmp(f->key, "reader_overhead_ns") == 0) {
		if (!p->none || !p->none->rep[rep] || p->none->rep[rep]->error)
			return NAN;
		return rec_num(r, "event_cpu_ns") - rec_num(p->none->rep[rep], "event_cpu_ns");
	}
	return rec_num(r, f->key);
}

struct stats_ci figure_ci(const struct point *p, const struct figdef *f)
{
	double v[MAX_REPS];
	size_t n = 0;

	for (unsigned r = 1; r <= p->nrep; r++) {
		double x = value(p, r, f);

		if (isfinite(x))
			v[n++] = x;
	}
	return stats_median_ci(v, n);
}



/*
 * Whether a separated effect reaches VERDICT_MARGIN: by its ratio where one
 * is defined in every round; for a figure net of a baseline, against 25% of
 * b's whole figure (its _raw key); else (no scale: e.g. sync wakeups, where
 * none's is 0) any separated effect is material.
 */
static int material(const struct cmp *c, const struct point *b, const struct figdef *f)
{
	double m = 1 + VERDICT_MARGIN;

#ifdef COMPARE_BREAK_NO_MARGIN /* deliberate break: every separated effect is a winner */
	return 1;
#endif
	if (c->ratio.n)
		return c->ratio.median >= m || c->ratio.median <= 1 / m;
	if (f->flags & F_NET) {
		char raw[64];
		double v[MAX_REPS];
		size_t n = 0;

		snprintf(raw, sizeof(raw), "%s_raw", f->key);
		for (unsigned r = 1; r <= b->nrep; r++) {
			double x = b->rep[r] && !b->rep[r]->error ? rec_num(b->rep[r], raw) : NAN;

			if (isfinite(x))
				v[n++] = x;
		}
		if (n)
			return fabs(c->diff.median) >= VERDICT_MARGIN * fabs(stats_median_ci(v, n).median);
	}
	return 1;
}

/* a against b over the rounds where both have the figure. */
struct cmp compare_points(const struct point *a, const struct point *b, const struct figdef *f)
{
	double d[MAX_REPS], q[MAX_REPS], d2[MAX_REPS];
	size_t n = 0, nq = 0;
	struct cmp c = { 0 };
	unsigned maxr = a->nrep > b->nrep ? a->nrep : b->nrep;

	for (unsigned r = 1; r <= maxr; r++) {
		double x = value(a, r, f), y = value(b, r, f);

		if (!isfinite(x) || !isfinite(y))
			continue;
		d[n] = x - y;
		d2[n] = d[n];
		n++;
		if ((f->flags & F_RATIO) && x > 0 && y > 0)
			q[nq++] = x / y;
	}
	c.rounds = n;
	c.separated = stats_paired_verdict(d, n);
	c.diff = stats_median_ci(d2, n);
	if (nq == n && n > 0)
		c.ratio = stats_median_ci(q, nq);
	c.verdict = c.separated;
	if ((c.separated == STATS_LOWER || c.separated == STATS_HIGHER) && !material(&c, b, f))
		c.verdict = STATS_BELOW_MARGIN;
	return c;
}

const char *verdict_name(enum stats_verdict v, const struct figdef *f)
{
	switch (v) {
	case STATS_TOO_FEW:
		return "too few rounds";
	case STATS_NO_DIFFERENCE:
		return "no measurable difference";
	case STATS_BELOW_MARGIN:
		_Static_assert((int)(VERDICT_MARGIN * 100 + 0.5) == 25, "the name says 25%");
		return "difference below 25%";
	case STATS_LOWER:
		return f->flags & F_HIGHER ? "worse" : "better";
	default:
		return f->flags & F_HIGHER ? "better" : "worse";
	}
}

/* The pooled histogram of a point's repetitions; 0 when none recorded it. */
int pool_hist(const struct point *p, const char *key, struct hist *h)
{
	int any = 0;

	hist_init(h);
	for (unsigned r = 1; r <= p->nrep; r++) {
		const char *v = p->rep[r] && !p->rep[r]->error ? rec_get(p->rep[r], key) : NULL;
		unsigned long long cnt, mn, mx, sum;
		struct hist one;
		const char *c;

		if (!v || sscanf(v, "%llu,%llu,%llu,%llu;", &cnt, &mn, &mx, &sum) != 4)
			continue;
		hist_init(&one);
		one.count = cnt;
		one.min = mn;
		one.max = mx;
		one.sum = sum;
		for (c = strchr(v, ';') + 1; *c;) {
			unsigned idx;
			unsigned long long k;
			int used;

			if (sscanf(c, "%u:%llu%n", &idx, &k, &used) != 2 || idx >= HIST_BUCKETS)
				break;
			one.buckets[idx] = k;
			c += used;
			if (*c == ',')
				c++;
		}
		hist_merge(h, &one);
		any = 1;
	}
	return any;
}

