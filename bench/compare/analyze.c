/*
 * analyze.c - every derived figure of a comparison run, computed once: from
 * the run's records.txt (one "RECORD key value ..." line per point and
 * repetition, written by compare_bench) to stats.json and summary.md, and the
 * comparisons between runs.
 *
 *   analyze summarize DIR [--context=FILE] [--incomplete=TEXT]
 *       DIR/stats.json (every point: each figure's median and 95% interval
 *       over its repetitions, pooled percentiles, the per-round ratio to
 *       `none` with its interval and verdict) and DIR/summary.md
 *   analyze compare-runs OLD NEW [--metric=NAME]
 *       each point's figure in both runs, with intervals; "higher"/"lower"
 *       only where the two intervals do not overlap
 *   analyze reproduce A B
 *       each headline comparison's verdict in both runs (better, worse, or
 *       no winner: below the margin or no measurable difference), the share
 *       that agree (and without the margin) and the share of ratios that
 *       stay within 1.25x
 *   analyze settled DIR GROUP PCT
 *       "settled" when every point of GROUP has, for each headline figure
 *       with a ratio (update and event delay p50, events/s; ns per read,
 *       reads/s, writes/s), a 95% interval within +-PCT% of its median;
 *       else "unsettled POINT FIGURE +-X%" (the first one that is not):
 *       compare.sh --until-ci runs more rounds of the group until settled
 *   analyze goal OP BOUND       (stdin: one "a b" pair per round)
 *       the per-round ratio a/b, its median and interval, and MET, MISSED
 *       or "not separable from noise" against "ratio OP BOUND" (OP <=, >,
 *       or == within 5%): MET only when the whole interval meets it, MISSED
 *       only when the whole interval misses it; OP "-": the figures only
 *
 * Definitions (the README's figures table says the same):
 *  - a figure of a point: the median over its repetitions (separate
 *    processes), with the order-statistic 95% interval (stats.h); none below
 *    6 repetitions;
 *  - a percentile (p99, p999): taken once from the histograms of every
 *    repetition merged, and only when the pooled samples are enough (10
 *    beyond it: p99 needs 1000, p999 10000), else "n/a (n=...)";
 *  - against `none`: per round, strategy minus none (and strategy / none when
 *    both are positive) at the same setting; verdict from the differences'
 *    interval and the size of the effect (better, worse: separated and at
 *    least VERDICT_MARGIN; difference below the margin; no measurable
 *    difference);
 *  - reader overhead: per round, event_cpu_ns minus none's;
 *  - a figure net of a baseline (CPU, context switches per update) whose
 *    interval reaches 0 or below is "below noise", never a negative cost.
 * Oversubscribed points are measured and shown, never headline comparisons.
 *
 * Files are written to temporary names and renamed when complete; a failed
 * write is exit status 1. Bad input is one line and exit status 2.
 */
#include "bench/compare/analyze.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- formatting ---- */

static void fmt_num(char *b, size_t len, double v, const char *unit)
{
	double a = fabs(v);

	if (!isfinite(v))
		snprintf(b, len, "-");
	else if (strcmp(unit, "ns") == 0 && a < 999.5)
		snprintf(b, len, "%.3g ns", v); /* 3 digits: a read costs 1.78 ns, not "2 ns" */
	else if (strcmp(unit, "ns") == 0)
		snprintf(b, len, a < 1e6 ? "%.1f us" : a < 1e9 ? "%.2f ms" : "%.2f s",
			 a < 1e6 ? v / 1e3 : a < 1e9 ? v / 1e6 : v / 1e9);
	else if (a >= 1e6)
		snprintf(b, len, "%.2f M", v / 1e6);
	else if (a >= 1e4)
		snprintf(b, len, "%.1f k", v / 1e3);
	else
		snprintf(b, len, a >= 100 || v == (long)v ? "%.0f" : "%.2f", v);
}

/* "median [lo, hi]", "below noise", or "median (n=3, no interval)". */
static void fmt_ci(char *b, size_t len, const struct stats_ci *c, const struct figdef *f)
{
	char m[32], lo[32], hi[32];

	if (c->n == 0) {
		snprintf(b, len, "-");
		return;
	}
#ifndef COMPARE_BREAK_PRINT_NEGATIVE /* deliberate break: a negative cost printed as a figure */
	if ((f->flags & F_NET) && (c->has_ci ? c->lo <= 0 : c->median <= 0)) {
#else
	if (0) {
#endif
		snprintf(b, len, "below noise");
		return;
	}
	fmt_num(m, sizeof(m), c->median, f->unit);
	if (!c->has_ci) {
		snprintf(b, len, "%s (n=%zu, no interval)", m, c->n);
		return;
	}
	fmt_num(lo, sizeof(lo), c->lo, f->unit);
	fmt_num(hi, sizeof(hi), c->hi, f->unit);
	snprintf(b, len, "%s [%s, %s]", m, lo, hi);
}

static void series_name(char *b, size_t len, const struct point *p)
{
	snprintf(b, len, "%s%s", p->strategy, strcmp(p->reclaim, "defer") == 0 ? " (defer)" : "");
}

static void json_num(FILE *o, const char *k, double v)
{
	if (isfinite(v))
		fprintf(o, ", \"%s\": %.6g", k, v);
	else
		fprintf(o, ", \"%s\": null", k);
}

static void json_ci(FILE *o, const struct stats_ci *c)
{
	fprintf(o, "{\"n\": %zu", c->n);
	json_num(o, "median", c->median);
	json_num(o, "lo", c->lo);
	json_num(o, "hi", c->hi);
	fputc('}', o);
}

/* JSON string of s (quotes and control characters escaped). */
static void json_str(FILE *o, const char *s)
{
	fputc('"', o);
	for (; s && *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(o, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(o, "\\u%04x", *s);
		else
			fputc(*s, o);
	}
	fputc('"', o);
}

/* ---- output files: temporary name, renamed when complete ---- */

struct out {
	FILE *f;
	char tmp[4200], path[4200];
};

static void out_open(struct out *o, const char *dir, const char *name)
{
	snprintf(o->path, sizeof(o->path), "%s/%s", dir, name);
	snprintf(o->tmp, sizeof(o->tmp), "%s/.%s.tmp", dir, name);
	o->f = fopen(o->tmp, "w");
	if (!o->f)
		die(1, "cannot write %s: %s", o->tmp, strerror(errno));
}

static void out_close(struct out *o)
{
	int bad = ferror(o->f);

	if (fclose(o->f) || bad || rename(o->tmp, o->path)) {
		int e = errno ? errno : EIO;

		remove(o->tmp);
		die(1, "cannot write %s: %s", o->path, strerror(e));
	}
}

/* ---- summarize ---- */

static void write_stats_json(const struct run *run, FILE *o)
{
	unsigned cpus = 0;

	for (unsigned i = 0; i < run->npts && !cpus; i++)
		for (unsigned r = 1; r <= run->pts[i].nrep && !cpus; r++)
			if (run->pts[i].rep[r] && isfinite(rec_num(run->pts[i].rep[r], "online_cpus")))
				cpus = (unsigned)rec_num(run->pts[i].rep[r], "online_cpus");
	fprintf(o, "{\"online_cpus\": %u, \"points\": [\n", cpus);
	for (unsigned i = 0; i < run->npts; i++) {
		const struct point *p = &run->pts[i];
		char s[96];

		series_name(s, sizeof(s), p);
		fprintf(o, "%s{\"name\": ", i ? ",\n" : "");
		json_str(o, p->name);
		fprintf(o, ", \"group\": ");
		json_str(o, p->group);
		fprintf(o, ", \"kind\": \"%s\", \"strategy\": \"%s\", \"family\": \"%s\", \"reclaim\": \"%s\", "
			"\"series\": \"%s\"", p->kind, p->strategy, p->family, p->reclaim, s);
		if (is_rw(p))
			fprintf(o, ", \"readers\": %u, \"writers\": %u", p->readers, p->writers);
		else
			fprintf(o, ", \"scenario\": \"%s\", \"threads\": %u, \"updater\": \"%s\", \"rate\": %g",
				p->scenario ? p->scenario : "-", p->threads, p->updater ? p->updater : "-", p->rate);
		fprintf(o, ", \"oversubscribed\": %s, \"repetitions\": %u", p->oversubscribed ? "true" : "false",
			p->nrep);
		if (p->error) {
			fprintf(o, ", \"error\": ");
			json_str(o, p->error);
		}
		fprintf(o, ", \"figures\": {");
		for (size_t k = 0, first = 1; k < nfigs; k++) {
			struct stats_ci c;

			if (!fig_applies(&figs[k], p))
				continue;
			c = figure_ci(p, &figs[k]);
			if (c.n == 0)
				continue;
			fprintf(o, "%s\"%s\": ", first ? "" : ", ", figs[k].key);
			json_ci(o, &c);
			first = 0;
		}
		fprintf(o, "}, \"pooled\": {");
		for (size_t k = 0, first = 1; k < npooled; k++) {
			struct hist h;

			if (pooled[k].rw != is_rw(p) || !pool_hist(p, pooled[k].hist, &h))
				continue;
			fprintf(o, "%s\"%s\": {\"samples\": %llu", first ? "" : ", ", pooled[k].key,
				(unsigned long long)h.count);
			if ((double)h.count * (1 - pooled[k].q) >= 10 - 1e-9)
				fprintf(o, ", \"value\": %llu}", (unsigned long long)hist_quantile(&h, pooled[k].q));
			else
				fprintf(o, ", \"value\": null}");
			first = 0;
		}
		fprintf(o, "}, \"vs_none\": {");
		if (p->none && strcmp(p->strategy, "none") != 0) {
			for (size_t k = 0, first = 1; k < nfigs; k++) {
				struct cmp c;

				if (!fig_applies(&figs[k], p) || strcmp(figs[k].key, "reader_overhead_ns") == 0)
					continue;
				c = compare_points(p, p->none, &figs[k]);
				if (c.rounds == 0)
					continue;
				fprintf(o, "%s\"%s\": {\"rounds\": %zu, \"verdict\": \"%s\", \"headline\": %s, \"ratio\": ",
					first ? "" : ", ", figs[k].key, c.rounds, verdict_name(c.verdict, &figs[k]),
					(figs[k].flags & F_HEAD) && !p->oversubscribed ? "true" : "false");
				if (c.ratio.n)
					json_ci(o, &c.ratio);
				else
					fputs("null", o);
				fputs(", \"difference\": ", o);
				json_ci(o, &c.diff);
				fputc('}', o);
				first = 0;
			}
		}
		fputs("}}", o);
	}
	fputs("\n]}\n", o);
}

/* The points of one table, in run order. */
static int in_table(const struct point *p, const char *kind, const char *scenario, unsigned threads,
		    unsigned readers, unsigned writers, double rate)
{
	if (strcmp(p->kind, kind) != 0)
		return 0;
	if (is_rw(p))
		return p->readers == readers && p->writers == writers;
	return p->scenario && strcmp(p->scenario, scenario) == 0 && p->threads == threads &&
	       p->updater && strcmp(p->updater, "loop") == 0 && p->rate == rate;
}

/*
 * The winner of a column: the best median among the safe series, and only
 * if it beats every other safe series of the column round by round (their
 * paired interval separates) and by the margin (VERDICT_MARGIN); else NULL.
 */
static const struct point *winner(struct point **row, unsigned n, const struct figdef *f)
{
	const struct point *best = NULL;
	double bm = NAN;

	for (unsigned i = 0; i < n; i++) {
		struct stats_ci c = figure_ci(row[i], f);

		if (strcmp(row[i]->strategy, "none") == 0 || c.n == 0)
			continue;
		if (!best || ((f->flags & F_HIGHER) ? c.median > bm : c.median < bm)) {
			best = row[i];
			bm = c.median;
		}
	}
	if (!best)
		return NULL;
	for (unsigned i = 0; i < n; i++) {
		struct cmp c;

		if (row[i] == best || strcmp(row[i]->strategy, "none") == 0 || figure_ci(row[i], f).n == 0)
			continue;
		c = compare_points(best, row[i], f);
		if (c.verdict != ((f->flags & F_HIGHER) ? STATS_HIGHER : STATS_LOWER))
			return NULL;
	}
	return best;
}

static void table(FILE *o, struct run *run, const char *kind, const char *scenario, unsigned threads,
		  unsigned readers, unsigned writers, double rate)
{
	struct point *row[256];
	unsigned n = 0;
	int rw = strcmp(kind, "rw") == 0;
	char b[128], s[96];

	for (unsigned i = 0; i < run->npts && n < 256; i++)
		if (in_table(&run->pts[i], kind, scenario, threads, readers, writers, rate))
			row[n++] = &run->pts[i];
	if (n == 0)
		return;
	fprintf(o, "| strategy |");
	for (size_t k = 0; k < nfigs; k++)
		if (figs[k].rw == rw && fig_applies(&figs[k], row[0]) && strncmp(figs[k].key, "floor_", 6))
			fprintf(o, " %s |", figs[k].title);
	for (size_t k = 0; k < npooled; k++)
		if (pooled[k].rw == rw)
			fprintf(o, " %s (pooled) |", pooled[k].key);
	fprintf(o, "\n|---|");
	for (size_t k = 0; k < nfigs; k++)
		if (figs[k].rw == rw && fig_applies(&figs[k], row[0]) && strncmp(figs[k].key, "floor_", 6))
			fprintf(o, "---:|");
	for (size_t k = 0; k < npooled; k++)
		if (pooled[k].rw == rw)
			fprintf(o, "---:|");
	fputc('\n', o);
	for (unsigned i = 0; i < n; i++) {
		struct point *p = row[i];

		series_name(s, sizeof(s), p);
		fprintf(o, "| %s%s |", s, strcmp(p->strategy, "none") == 0 ? " (unsafe floor)" : "");
		if (p->error && !p->rep[1]) {
			fprintf(o, " skipped: %s |\n", p->error);
			continue;
		}
		for (size_t k = 0; k < nfigs; k++) {
			struct stats_ci c;

			if (figs[k].rw != rw || !fig_applies(&figs[k], row[0]) || !strncmp(figs[k].key, "floor_", 6))
				continue;
			c = figure_ci(p, &figs[k]);
			fmt_ci(b, sizeof(b), &c, &figs[k]);
			if (c.n == 0 && p->error)
				snprintf(b, sizeof(b), "skipped");
			fprintf(o, " %s |", b);
		}
		for (size_t k = 0; k < npooled; k++) {
			struct hist h;

			if (pooled[k].rw != rw)
				continue;
			if (!pool_hist(p, pooled[k].hist, &h))
				fprintf(o, " - |");
			else if ((double)h.count * (1 - pooled[k].q) < 10 - 1e-9)
				fprintf(o, " n/a (n=%llu) |", (unsigned long long)h.count);
			else {
				fmt_num(b, sizeof(b), (double)hist_quantile(&h, pooled[k].q), "ns");
				fprintf(o, " %s (n=%llu) |", b, (unsigned long long)h.count);
			}
		}
		fputc('\n', o);
	}
	fprintf(o, "\nBest per column (only where its intervals separate from every other safe strategy's, "
		   "round by round):");
	for (size_t k = 0, first = 1; k < nfigs; k++) {
		const struct point *w;

		if (figs[k].rw != rw || !fig_applies(&figs[k], row[0]) || !(figs[k].flags & F_HEAD))
			continue;
		w = winner(row, n, &figs[k]);
		if (w)
			series_name(s, sizeof(s), w);
		fprintf(o, "%s %s: %s", first ? "" : ";", figs[k].title, w ? s : "no winner by 25% or more");
		first = 0;
	}
	fprintf(o, ".\n\n");
}

/* Headline verdicts against none, one line per strategy. */
static void verdicts(FILE *o, struct run *run)
{
	unsigned better = 0, worse = 0, same = 0, small = 0, few = 0;
	char s[96];

	fprintf(o, "## Against `none`, round by round (headline figures, points not oversubscribed)\n\n");
	fprintf(o, "Per round: strategy / none (or minus, where none is 0) at the same setting; the median "
		   "and 95%% interval of those. Better or worse only where the interval excludes no change "
		   "and the median effect is at least %.0f%% (a ratio beyond %.2fx, or for a figure net of a "
		   "baseline %.0f%% of none's whole figure); a smaller effect that the interval separates is "
		   "\"difference below %.0f%%\": it is real in this run but, at this size, does not reliably "
		   "reproduce in the next.\n\n", 100 * VERDICT_MARGIN, 1 + VERDICT_MARGIN,
		   100 * VERDICT_MARGIN, 100 * VERDICT_MARGIN);
	fprintf(o, "| point | strategy | figure | against none | verdict |\n|---|---|---|---:|---|\n");
	for (unsigned i = 0; i < run->npts; i++) {
		struct point *p = &run->pts[i];

		if (!p->none || strcmp(p->strategy, "none") == 0 || p->oversubscribed)
			continue;
		series_name(s, sizeof(s), p);
		for (size_t k = 0; k < nfigs; k++) {
			struct cmp c;
			char b[160];

			if (!(figs[k].flags & F_HEAD) || !fig_applies(&figs[k], p))
				continue;
			c = compare_points(p, p->none, &figs[k]);
			if (c.rounds == 0)
				continue;
			if (c.ratio.n && c.ratio.has_ci)
				snprintf(b, sizeof(b), "%.3g [%.3g, %.3g]", c.ratio.median, c.ratio.lo, c.ratio.hi);
			else if (c.ratio.n)
				snprintf(b, sizeof(b), "%.3g (no interval)", c.ratio.median);
			else {
				char m[32], lo[32], hi[32];

				fmt_num(m, sizeof(m), c.diff.median, figs[k].unit);
				fmt_num(lo, sizeof(lo), c.diff.lo, figs[k].unit);
				fmt_num(hi, sizeof(hi), c.diff.hi, figs[k].unit);
				if (c.diff.has_ci)
					snprintf(b, sizeof(b), "minus none: %s [%s, %s]", m, lo, hi);
				else
					snprintf(b, sizeof(b), "minus none: %s (no interval)", m);
			}
			fprintf(o, "| %s | %s | %s | %s | %s |\n", p->group, s, figs[k].title, b,
				verdict_name(c.verdict, &figs[k]));
			switch (c.verdict) {
			case STATS_TOO_FEW: few++; break;
			case STATS_NO_DIFFERENCE: same++; break;
			case STATS_BELOW_MARGIN: small++; break;
			case STATS_LOWER: (figs[k].flags & F_HIGHER) ? worse++ : better++; break;
			default: (figs[k].flags & F_HIGHER) ? better++ : worse++; break;
			}
		}
	}
	fprintf(o, "\n%u comparisons: %u better than none, %u worse, %u with a difference below %.0f%%, %u "
		   "no measurable difference, %u with too few rounds for an interval.\n\n",
		   better + worse + small + same + few, better, worse, small, 100 * VERDICT_MARGIN, same, few);
}

static void summarize(const char *dir, const char *context, const char *incomplete)
{
	struct run run = { 0 };
	struct out js, md;
	FILE *o;
	unsigned cpus = 0, skipped = 0, over = 0;
	double sweep = NAN;
	char s[96], *line = NULL;
	size_t cap = 0;

	load_run(&run, dir);
	out_open(&js, dir, "stats.json");
	write_stats_json(&run, js.f);
	out_close(&js);

	/* The headline setting: threads = online CPUs, the rate most points have. */
	for (unsigned i = 0; i < run.npts; i++) {
		const char *c = run.pts[i].rep[run.pts[i].nrep] ? rec_get(run.pts[i].rep[run.pts[i].nrep],
									     "online_cpus") : NULL;

		if (c && !cpus)
			cpus = (unsigned)atoi(c);
		if (!is_rw(&run.pts[i]) && !isfinite(sweep))
			sweep = run.pts[i].rate;
		skipped += run.pts[i].error != NULL;
		over += run.pts[i].oversubscribed;
	}
	out_open(&md, dir, "summary.md");
	o = md.f;
	fprintf(o, "# Comparison run %s\n\n", strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir);
	if (context) {
		FILE *c = fopen(context, "r");

		while (c && getline(&line, &cap, c) > 0)
			fputs(line, o);
		if (c)
			fclose(c);
		fputc('\n', o);
	}
	if (incomplete && *incomplete)
		fprintf(o, "**INCOMPLETE**: %s; the figures below cover the finished runs only.\n\n", incomplete);
	fprintf(o, "Every figure is the median over the repetitions of its point (separate processes, "
		   "interleaved round by round across the strategies of the same setting) with its "
		   "distribution-free 95%% interval in brackets (order statistics; none below 6 repetitions). "
		   "Percentiles (pooled) come from the histograms of every repetition merged, and only with "
		   "enough samples (p99: 1000, p999: 10000), else n/a. A figure net of its no-update baseline "
		   "whose interval reaches 0 is \"below noise\". `none` is the unsafe floor: shown, never a "
		   "winner. Definitions: README, \"What is measured\".\n\n");
	if (cpus)
		for (unsigned si = 0; si < 4; si++) {
			static const char *const sc[] = { "idle", "saturated", "mixed", "bursty", "slowcall" };
			int any = 0;

			for (unsigned i = 0; i < run.npts; i++)
				any |= in_table(&run.pts[i], "poll", sc[si], cpus, 0, 0, sweep);
			if (!any)
				continue;
			fprintf(o, "## Scenario %s (%u loop threads = online CPUs, %g updates/s from a loop thread)\n\n",
				sc[si], cpus, sweep);
			table(o, &run, "poll", sc[si], cpus, 0, 0, sweep);
		}
	{
		int any1 = 0, anyc = 0;

		for (unsigned i = 0; i < run.npts; i++) {
			any1 |= in_table(&run.pts[i], "rw", NULL, 0, 1, 0, 0);
			anyc |= in_table(&run.pts[i], "rw", NULL, 0, cpus, 1, 0);
		}
		if (any1) {
			fprintf(o, "## Readers/writers: the read side alone (1 reader, no writer)\n\n");
			table(o, &run, "rw", NULL, 0, 1, 0, 0);
		}
		if (anyc) {
			fprintf(o, "## Readers/writers: %u readers + 1 writer\n\n", cpus);
			table(o, &run, "rw", NULL, 0, cpus, 1, 0);
		}
	}
	verdicts(o, &run);
	fprintf(o, "## Skipped or failed points\n\n");
	if (!skipped)
		fprintf(o, "None.\n");
	for (unsigned i = 0; i < run.npts; i++)
		if (run.pts[i].error) {
			series_name(s, sizeof(s), &run.pts[i]);
			fprintf(o, "- `%s`: %s\n", run.pts[i].name, run.pts[i].error);
		}
	fprintf(o, "\n## Oversubscribed points\n\n%u points had more participants than online CPUs: measured "
		   "and in stats.json, shaded in the plots, never a headline comparison (latency there "
		   "includes preemption).\n", over);
	free(line);
	out_close(&md);
	free_run(&run);
}

/* ---- compare-runs ---- */

static const struct figdef *find_fig(const char *key)
{
	for (size_t k = 0; k < nfigs; k++)
		if (strcmp(figs[k].key, key) == 0)
			return &figs[k];
	return NULL;
}

static void compare_runs(const char *a, const char *b, const char *metric)
{
	struct run ra = { 0 }, rb = { 0 };
	unsigned both = 0, changed = 0;
	const struct figdef *only = NULL;

	if (metric && !(only = find_fig(metric))) {
		char list[1024];
		size_t o = 0;

		for (size_t k = 0; k < nfigs; k++)
			o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s", k ? "," : "", figs[k].key);
		die(2, "--metric '%s': one of %s", metric, list);
	}
	load_run(&ra, a);
	load_run(&rb, b);
	printf("# old: %s   new: %s\n# per point and figure: median [95%% interval] in each run; "
	       "\"higher\"/\"lower\" only where the intervals do not overlap\n", a, b);
	for (unsigned i = 0; i < ra.npts; i++) {
		struct point *p = &ra.pts[i], *q = find_point(&rb, p->name);

		if (!q)
			continue;
		both++;
		if (p->error || q->error) {
			printf("%s\tskipped in %s: %s\n", p->name, p->error && q->error ? "both" :
			       p->error ? "old" : "new", p->error ? p->error : q->error);
			continue;
		}
		for (size_t k = 0; k < nfigs; k++) {
			const struct figdef *f = &figs[k];
			struct stats_ci x, y;
			char bx[96], by[96];
			const char *v;

			if (only ? f != only : !(f->flags & F_HEAD))
				continue;
			if (!fig_applies(f, p))
				continue;
			x = figure_ci(p, f);
			y = figure_ci(q, f);
			if (!x.n || !y.n)
				continue;
			fmt_ci(bx, sizeof(bx), &x, &(struct figdef){ f->key, f->title, f->unit, f->rw, 0 });
			fmt_ci(by, sizeof(by), &y, &(struct figdef){ f->key, f->title, f->unit, f->rw, 0 });
			if (!x.has_ci || !y.has_ci)
				v = "no interval (fewer than 6 repetitions)";
			else if (y.lo > x.hi)
				v = "higher";
			else if (y.hi < x.lo)
				v = "lower";
			else
				v = "no measurable difference";
			changed += v[0] == 'h' || v[0] == 'l';
			printf("%s\t%s\t%s\t%s\tnew/old %.3g\t%s\n", p->name, f->key, bx, by,
			       x.median != 0 ? y.median / x.median : NAN, v);
		}
	}
	printf("# %u points in both runs; %u figures changed beyond their intervals\n", both, changed);
	if (both == 0)
		die(2, "'%s' and '%s' have no point in common", a, b);
	free_run(&ra);
	free_run(&rb);
}

/* ---- reproduce ---- */

/* The three verdicts compared: better, worse, or no winner named. */
static int no_winner(enum stats_verdict v)
{
	return v == STATS_NO_DIFFERENCE || v == STATS_BELOW_MARGIN;
}

static void reproduce(const char *a, const char *b)
{
	struct run ra = { 0 }, rb = { 0 };
	unsigned cmp = 0, agree = 0, agree_sep = 0, nratio = 0, within = 0, few = 0;
	unsigned fcmp[64] = { 0 }, fagree[64] = { 0 }, fratio[64] = { 0 }, fwithin[64] = { 0 };

	load_run(&ra, a);
	load_run(&rb, b);
	printf("# headline comparisons (each strategy against none, each headline figure, each point not "
	       "oversubscribed) in run A and run B\n");
	for (unsigned i = 0; i < ra.npts; i++) {
		struct point *p = &ra.pts[i], *q = find_point(&rb, p->name);
		char s[96];

		if (!q || !p->none || !q->none || strcmp(p->strategy, "none") == 0 || p->oversubscribed)
			continue;
		series_name(s, sizeof(s), p);
		for (size_t k = 0; k < nfigs; k++) {
			const struct figdef *f = &figs[k];
			struct cmp x, y;
			int same;

			if (!(f->flags & F_HEAD) || !fig_applies(f, p))
				continue;
			x = compare_points(p, p->none, f);
			y = compare_points(q, q->none, f);
			if (!x.rounds || !y.rounds)
				continue;
			/*
			 * A run without 6 paired rounds here (an update that never
			 * completed in some repetition) gives no verdict to agree
			 * or disagree with: counted apart.
			 */
			if (x.verdict == STATS_TOO_FEW || y.verdict == STATS_TOO_FEW) {
				few++;
				printf("UNDECIDED %s %s %s: fewer than 6 paired rounds in run %s\n", p->group, s,
				       f->key, x.verdict == STATS_TOO_FEW ? "A" : "B");
				continue;
			}
			cmp++;
			same = no_winner(x.verdict) ? no_winner(y.verdict) : x.verdict == y.verdict;
			agree += same;
			agree_sep += x.separated == y.separated;
			if (k < 64) {
				fcmp[k]++;
				fagree[k] += same;
			}
			if (x.ratio.n && y.ratio.n && x.ratio.median > 0 && y.ratio.median > 0) {
				double r = x.ratio.median / y.ratio.median;

				nratio++;
				within += r <= 1.25 && r >= 1 / 1.25;
				if (k < 64) {
					fratio[k]++;
					fwithin[k] += r <= 1.25 && r >= 1 / 1.25;
				}
			}
			if (!same)
				printf("DIFFERS %s %s %s: A %s (ratio %.3g), B %s (ratio %.3g)\n", p->group, s,
				       f->key, verdict_name(x.verdict, f), x.ratio.n ? x.ratio.median : NAN,
				       verdict_name(y.verdict, f), y.ratio.n ? y.ratio.median : NAN);
		}
	}
	if (!cmp && !few)
		die(2, "'%s' and '%s' have no headline comparison in common", a, b);
	for (size_t k = 0; k < nfigs && k < 64; k++)
		if (fcmp[k]) {
			printf("figure %s: %u of %u agree (%.1f%%)", figs[k].key, fagree[k], fcmp[k],
			       100.0 * fagree[k] / fcmp[k]);
			if (fratio[k])
				printf("; ratio to none within 1.25x: %u of %u (%.1f%%)", fwithin[k], fratio[k],
				       100.0 * fwithin[k] / fratio[k]);
			putchar('\n');
		}
	if (cmp)
		printf("verdicts: %u of %u headline comparisons agree: %.1f%% (goal >= 95%%: %s); %u more "
		       "undecided (fewer than 6 paired rounds in a run)\n", agree, cmp, 100.0 * agree / cmp,
		       agree >= 0.95 * cmp ? "MET" : "MISSED", few);
	if (cmp)
		printf("verdicts without the %.0f%% margin (the interval alone: lower, higher, no measurable "
		       "difference): %u of %u agree: %.1f%%\n", 100 * VERDICT_MARGIN, agree_sep, cmp,
		       100.0 * agree_sep / cmp);
	else
		printf("verdicts: no headline comparison decided in both runs (%u undecided)\n", few);
	if (nratio)
		printf("ratios to none within 1.25x across the two runs: %u of %u: %.1f%% (goal >= 90%%: %s)\n",
		       within, nratio, 100.0 * within / nratio, within >= 0.9 * nratio ? "MET" : "MISSED");
	else
		printf("ratios to none within 1.25x across the two runs: no ratio defined in both runs\n");
	free_run(&ra);
	free_run(&rb);
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	const char *usage = "usage: analyze summarize DIR [--context=FILE] [--incomplete=TEXT] | "
			    "compare-runs OLD NEW [--metric=NAME] | reproduce A B | settled DIR GROUP PCT | "
			    "goal OP BOUND";
	const char *pos[3] = { 0 }, *context = NULL, *incomplete = NULL, *metric = NULL;
	int npos = 0;

	for (int i = 2; i < argc; i++) {
		if (strncmp(argv[i], "--context=", 10) == 0)
			context = argv[i] + 10;
		else if (strncmp(argv[i], "--incomplete=", 13) == 0)
			incomplete = argv[i] + 13;
		else if (strncmp(argv[i], "--metric=", 9) == 0)
			metric = argv[i] + 9;
		else if (strncmp(argv[i], "--", 2) == 0 && argv[i][2])
			die(2, "'%s': unknown option (%s)", argv[i], usage);
		else if (npos == 3)
			die(2, "'%s': one argument too many (%s)", argv[i], usage);
		else
			pos[npos++] = argv[i];
	}
	if (strcmp(cmd, "settled") == 0 && npos == 3)
		analyze_settled(pos[0], pos[1], pos[2]);
	else if (strcmp(cmd, "summarize") == 0 && npos == 1)
		summarize(pos[0], context, incomplete);
	else if (strcmp(cmd, "compare-runs") == 0 && npos == 2)
		compare_runs(pos[0], pos[1], metric);
	else if (strcmp(cmd, "reproduce") == 0 && npos == 2)
		reproduce(pos[0], pos[1]);
	else if (strcmp(cmd, "goal") == 0 && npos == 2)
		analyze_goal(pos[0], pos[1]);
	else
		die(2, "%s", usage);
	if (fflush(stdout) || ferror(stdout))
		die(1, "cannot write the output: %s", strerror(errno));
	return 0;
}
