/*
 * rw_floor.c - the harness floor of the readers/writers microbenchmark (see
 * rw.h): the reference read loops (the read body with no strategy, and with
 * an inlined QSBR quiescent state), the floor rw_run measures before each
 * window, and the harness-floor benchmark that compares rw_run with them.
 */
#include "bench/rw/rw_internal.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define RW_FLOOR_REPS 9
#define RW_FLOOR_READS (1u << 18)

/*
 * The harness floor: the reader's read body with no strategy, inlined (an
 * acquire load of the shared pointer, the two field loads, the checks,
 * register counters), n reads on the calling thread. With qs, also an
 * inlined QSBR quiescent state every `every` reads: liburcu's
 * rcu_quiescent_state() fast path, a load of the grace-period counter
 * compared with the thread's own, announcing it (release store, full fence)
 * only when it moved. Returns ns per read. noinline: each variant is one
 * loop, compiled alone, like the harness's.
 */
struct ref_qsbr {
	_Atomic uint64_t gp SYNC_ALIGNED;   /* the grace-period counter: nobody advances it here */
	_Atomic uint64_t ctr SYNC_ALIGNED;  /* the reader's announcement */
};

static inline double ref_loop(void *_Atomic *slot, uint64_t delay, uint64_t n, unsigned every,
			      struct ref_qsbr *qs, struct rw_tally *c)
{
	/* CPU time, like the readers' (a preempted loop is not charged the wait). */
	uint64_t t0 = cpu_clock_ns(CLOCK_THREAD_CPUTIME_ID), t1;
	/* Local, as in read_batch(). */
	struct rw_tally l = { 0 };

	for (uint64_t done = 0; done < n; done += every) {
		for (unsigned i = 0; i < every; i++) {
			/* Acquire: as sync_deref() without a read_deref hook. */
			const struct rw_obj *o = atomic_load_explicit(slot, memory_order_acquire);
			uint64_t v0, v1;

			read_fields(o, delay, &v0, &v1);
			tally(&l, v0, v1);
		}
		l.reads += every;
		if (qs) {
			uint64_t g = atomic_load_explicit(&qs->gp, memory_order_acquire);

			if (g != atomic_load_explicit(&qs->ctr, memory_order_relaxed)) {
				atomic_store_explicit(&qs->ctr, g, memory_order_release);
				sync_full_fence();
			}
		}
	}
	t1 = cpu_clock_ns(CLOCK_THREAD_CPUTIME_ID);
	c->reads += l.reads;
	c->torn += l.torn;
	c->poisoned += l.poisoned;
	return (double)(t1 - t0) / (double)n;
}

static __attribute__((noinline)) double ref_floor(void *_Atomic *slot, uint64_t delay, uint64_t n,
						   unsigned every, struct rw_tally *c)
{
	return ref_loop(slot, delay, n, every, NULL, c);
}

static __attribute__((noinline)) double ref_qsbr_loop(void *_Atomic *slot, uint64_t delay, uint64_t n,
						  unsigned every, struct ref_qsbr *qs, struct rw_tally *c)
{
	return ref_loop(slot, delay, n, every, qs, c);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * Median, and the spread of the middle half (3rd to 7th of 9) as the noise,
 * of RW_FLOOR_REPS short repetitions (short: on a shared machine a long one
 * is more likely to be preempted); NAN when
 * read_delay is so long that even 16 reads take too long (the floor is then
 * irrelevant: the delay is the read).
 */
void rw_measure_floor(void *_Atomic *slot, uint64_t delay, unsigned every, double *median, double *noise)
{
	double x[RW_FLOOR_REPS];
	struct rw_tally c = { 0 };
	uint64_t n = RW_FLOOR_READS;

	*median = *noise = NAN;
	/* At most ~2^20 relax loops per repetition (a few ms). */
	while (delay && n > 16 && n * delay > (1u << 20))
		n /= 2;
	if (delay && n * delay > (1u << 22))
		return;
	if (every > n)
		every = (unsigned)n;
	n = n / every * every;
	ref_floor(slot, delay, n, every, &c); /* warm-up: caches, branch predictors, clock */
	for (unsigned i = 0; i < RW_FLOOR_REPS; i++)
		x[i] = ref_floor(slot, delay, n, every, &c);
	qsort(x, RW_FLOOR_REPS, sizeof(x[0]), cmp_double);
	*median = x[RW_FLOOR_REPS / 2];
	*noise = x[RW_FLOOR_REPS * 3 / 4] - x[RW_FLOOR_REPS / 4];
}

/* ---- the harness-floor benchmark ---- */

/*
 * P(X <= k) for X ~ Binomial(n, 1/2): the order-statistic interval [x(k+1),
 * x(n-k)] misses the median with probability 2 * P(X <= k).
 */
static double binom_half_cdf(unsigned n, unsigned k)
{
	double p = 0, c = 1; /* c = C(n, i) */

	for (unsigned i = 0; i <= k && i <= n; i++) {
		p += c;
		c = c * (double)(n - i) / (double)(i + 1);
	}
	return p / pow(2.0, (double)n);
}

struct rw_stat rw_median_interval(double *x, unsigned n)
{
	struct rw_stat st = { NAN, NAN, NAN, 0 };
	unsigned k = 0;

	if (!n)
		return st;
	qsort(x, n, sizeof(x[0]), cmp_double);
	st.median = n % 2 ? x[n / 2] : (x[n / 2 - 1] + x[n / 2]) / 2;
	/* the largest k with 2 * P(X <= k - 1) <= 0.05: [x(k), x(n + 1 - k)], 1-based */
	while (k + 1 <= n / 2 && 2 * binom_half_cdf(n, k) <= 0.05)
		k++;
	if (k) {
		st.lo = x[k - 1];
		st.hi = x[n - k];
		st.conf = 1 - 2 * binom_half_cdf(n, k - 1);
	}
	return st;
}

/* One rw_run of ops, 1 reader, 0 writers: its ns per read (CPU time), or -1. */
static double floor_rw(const struct rw_floor_config *cfg, const struct sync_ops *ops, char *err, size_t errlen)
{
	struct rw_config c;
	struct rw_result *res = malloc(sizeof(*res));
	double ns;

	if (!res) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rw_config_quiet(&c, ops, 1, 0, cfg->rep_s);
	c.quiesce_every = cfg->quiesce_every;
	if (rw_run(&c, res, err, errlen)) {
		free(res);
		return -1;
	}
	ns = rw_ns_per_read(res);
	free(res);
	return ns;
}

/* ref_qsbr_loop on qs (qs set), else ref_floor; no read delay. */
static double ref_variant(int qs, void *_Atomic *slot, uint64_t n, unsigned every, struct ref_qsbr *q,
			  struct rw_tally *c)
{
	return qs ? ref_qsbr_loop(slot, 0, n, every, q, c) : ref_floor(slot, 0, n, every, c);
}

/* A reference loop, about rep_s long: ns per read. */
static double floor_ref_here(const struct rw_floor_config *cfg, int qs)
{
	static struct ref_qsbr q; /* gp == ctr == 0: the fast path, as with no writer */
	struct rw_obj *o = rw_obj_new(NULL, 0);
	void *_Atomic slot;
	struct rw_tally c = { 0 };
	uint64_t n = 1u << 16, t0, ns;
	double r;

	if (!o)
		return -1;
	atomic_init(&slot, o);
	/* Calibrate: grow n until one loop takes 1/16 of rep_s, then scale. */
	for (;;) {
		t0 = cpu_clock_ns(CLOCK_THREAD_CPUTIME_ID);
		ref_variant(qs, &slot, n, cfg->quiesce_every, &q, &c);
		ns = cpu_clock_ns(CLOCK_THREAD_CPUTIME_ID) - t0;
		if (ns * 16 >= (uint64_t)(cfg->rep_s * 1e9) || n >= (1ull << 40))
			break;
		n *= 2;
	}
	n = (uint64_t)((double)n * cfg->rep_s * 1e9 / (double)(ns ? ns : 1));
	n = (n / cfg->quiesce_every + 1) * cfg->quiesce_every;
	r = ref_variant(qs, &slot, n, cfg->quiesce_every, &q, &c);
	free(o);
	return r;
}

struct floor_ref_args {
	const struct rw_floor_config *cfg;
	int qs;
	double ns;
};

static void *floor_ref_main(void *arg)
{
	struct floor_ref_args *a = arg;

	a->ns = floor_ref_here(a->cfg, a->qs);
	return NULL;
}

/*
 * On a fresh thread, as rw_run's reader is: the two sides of each ratio then
 * differ only by the harness, not by which thread ran them.
 */
static double floor_ref(const struct rw_floor_config *cfg, int qs)
{
	struct floor_ref_args a = { .cfg = cfg, .qs = qs, .ns = -1 };
	pthread_t th;

	if (pthread_create(&th, NULL, floor_ref_main, &a))
		return floor_ref_here(cfg, qs);
	pthread_join(th, NULL);
	return a.ns;
}

/* rw_median_interval of a copy: x keeps its order (the per-round rows). */
static struct rw_stat median_interval_of(const double *x, unsigned n)
{
	double tmp[RW_FLOOR_MAX_REPS];

	memcpy(tmp, x, sizeof(double) * n);
	return rw_median_interval(tmp, n);
}

int rw_floor_run(const struct rw_floor_config *cfg, struct rw_floor_result *res, char *err, size_t errlen)
{
	memset(res, 0, sizeof(*res));
	if (!cfg->none || !cfg->qsbr || cfg->reps < 1 || cfg->reps > RW_FLOOR_MAX_REPS || !(cfg->rep_s > 0) ||
	    cfg->quiesce_every < 1) {
		snprintf(err, errlen, "harness floor: need none and qsbr, 1..%d repetitions, rep_s > 0, quiesce_every >= 1",
			 RW_FLOOR_MAX_REPS);
		return -1;
	}
	res->reps = cfg->reps;
	for (unsigned r = 0; r < cfg->reps; r++) {
		/* Rotated order: round r starts with variant r mod 4. */
		for (unsigned k = 0; k < RW_FLOOR_NVARIANTS; k++) {
			unsigned v = (r + k) % RW_FLOOR_NVARIANTS;
			double ns;

			switch (v) {
			case RW_FLOOR_BARE:
				ns = floor_ref(cfg, 0);
				break;
			case RW_FLOOR_REF_QSBR:
				ns = floor_ref(cfg, 1);
				break;
			case RW_FLOOR_NONE:
				ns = floor_rw(cfg, cfg->none, err, errlen);
				break;
			default:
				ns = floor_rw(cfg, cfg->qsbr, err, errlen);
				break;
			}
			if (ns < 0) {
				if (v <= RW_FLOOR_REF_QSBR)
					snprintf(err, errlen, "harness floor: out of memory");
				return -1;
			}
			res->ns[v][r] = ns;
		}
		res->ratio_qsbr[r] = res->ns[RW_FLOOR_QSBR][r] / res->ns[RW_FLOOR_REF_QSBR][r];
		res->ratio_none[r] = res->ns[RW_FLOOR_NONE][r] / res->ns[RW_FLOOR_BARE][r];
	}
	for (unsigned v = 0; v < RW_FLOOR_NVARIANTS; v++)
		res->stat[v] = median_interval_of(res->ns[v], cfg->reps);
	res->qsbr_ratio = median_interval_of(res->ratio_qsbr, cfg->reps);
	res->none_ratio = median_interval_of(res->ratio_none, cfg->reps);
	return 0;
}

static void print_stat(FILE *out, const char *key, const struct rw_stat *s)
{
	fprintf(out, " %s %.4f", key, s->median);
	if (isnan(s->lo))
		fprintf(out, " %s_lo n/a %s_hi n/a", key, key);
	else
		fprintf(out, " %s_lo %.4f %s_hi %.4f", key, s->lo, key, s->hi);
}

static const char *const floor_names[RW_FLOOR_NVARIANTS] = { "floor", "ref_qsbr", "none", "qsbr" };

void rw_floor_print(FILE *out, const struct rw_floor_config *cfg, const struct rw_floor_result *res)
{
	const struct rw_stat *q = &res->qsbr_ratio;

	fprintf(out, "# harness floor: %u interleaved rounds of %.3f s per variant, quiesce every %u reads\n",
		res->reps, cfg->rep_s, cfg->quiesce_every);
	fprintf(out, "# CPU ns per read; floor and ref_qsbr inlined on a fresh thread, none and qsbr through rw_run (1 reader)\n");
	fprintf(out, "# round floor_ns ref_qsbr_ns none_ns qsbr_ns qsbr/ref_qsbr none/floor\n");
	for (unsigned r = 0; r < res->reps; r++)
		fprintf(out, "%u %.4f %.4f %.4f %.4f %.4f %.4f\n", r + 1, res->ns[RW_FLOOR_BARE][r],
			res->ns[RW_FLOOR_REF_QSBR][r], res->ns[RW_FLOOR_NONE][r], res->ns[RW_FLOOR_QSBR][r],
			res->ratio_qsbr[r], res->ratio_none[r]);
	if (isnan(q->lo))
		fprintf(out, "# qsbr through the harness / bare QSBR: median %.3f (too few rounds for a 95%% interval)\n",
			q->median);
	else
		fprintf(out, "# qsbr through the harness / bare QSBR: median %.3f, %.1f%% interval [%.3f, %.3f]: goal <= 1.10 %s\n",
			q->median, 100 * q->conf, q->lo, q->hi,
			q->hi <= 1.10 ? "MET" : q->lo > 1.10 ? "MISSED" : "not separable from noise");
	fprintf(out, "SUMMARY harness_floor rounds %u rep_s %.3f quiesce_every %u", res->reps, cfg->rep_s,
		cfg->quiesce_every);
	for (unsigned v = 0; v < RW_FLOOR_NVARIANTS; v++) {
		char key[32];

		snprintf(key, sizeof(key), "%s_ns", floor_names[v]);
		print_stat(out, key, &res->stat[v]);
	}
	print_stat(out, "ratio_qsbr", &res->qsbr_ratio);
	print_stat(out, "ratio_none", &res->none_ratio);
	fputc('\n', out);
}
