/*
 * lifecycle_test.c - proves the per-thread lifecycle's orders and its unwind
 * (bench/lib/lifecycle.h, seed 000):
 *   1. seed 000: an INIT callback using a resource another module's ALLOC
 *      callback allocates works in both registration orders, and a DEINIT
 *      using it still finds it (FREE comes after every DEINIT);
 *   2. per thread the exact sequence ALLOC*, INIT*, DEINIT*, FREE*; each
 *      thread's ALLOC+INIT block is contiguous in a global sequence (one
 *      thread at a time); no DEINIT anywhere before the last INIT anywhere;
 *      every thread sees all threads' INITs done right after start returns;
 *   3. an injected ALLOC or INIT failure (callback k, thread t; 16 and 64
 *      threads) unwinds exactly what ran on each thread, in reverse, every
 *      start returns -1, lc_error names phase, callback and thread, no hang;
 *   4. lc_fail (thread creation refused) releases the others, no hang.
 * Built with -DEXPECT_BROKEN against a deliberately broken lifecycle.c
 * (LIFECYCLE_BREAK_*), it exits 0 only if some check failed.
 */
#include "bench/lib/lifecycle.h"
#include "bench/lib/check.h"

#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_THREADS 64
#define MAX_EVENTS 64
#define NCB 3                             /* callbacks per phase in the generic tests */

static void fail(const char *fmt, ...)
{
	va_list ap;

	if (failures++ >= 20)
		return;               /* one mistake tends to repeat: keep the output readable */
	fputs("FAIL: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
}

/* ---- event log ---- */

struct event {
	unsigned seq;
	unsigned char phase, idx;
};

/* Each thread writes only its own log; the main thread reads it after join. */
struct tlog {
	struct event ev[MAX_EVENTS];
	unsigned n;
};

struct ctx {
	struct lifecycle *lc;
	unsigned nthreads;
	struct tlog log[MAX_THREADS];
	atomic_uint seq;          /* global order of every callback, all threads */
	atomic_uint inits_done;   /* threads whose last INIT ran */
	atomic_uint early;        /* threads that passed start before all INITs were done */
	int start_rc[MAX_THREADS];
	/* failure injection: -1 phase for none */
	int fail_phase;
	unsigned fail_idx, fail_tid;
};

struct cbarg {
	struct ctx *c;
	enum lc_phase phase;
	unsigned idx;
};

static void log_event(struct ctx *c, unsigned tid, enum lc_phase phase, unsigned idx)
{
	struct tlog *l = &c->log[tid];

	if (l->n < MAX_EVENTS) {
		l->ev[l->n].seq = atomic_fetch_add(&c->seq, 1);
		l->ev[l->n].phase = (unsigned char)phase;
		l->ev[l->n].idx = (unsigned char)idx;
	}
	l->n++;
}

static int generic_cb(void *arg, unsigned tid, char *err, size_t errlen)
{
	struct cbarg *a = arg;
	struct ctx *c = a->c;

	log_event(c, tid, a->phase, a->idx);
	/* give other threads every chance to interleave, should the mutex be missing */
	sched_yield();
	if (c->fail_phase == (int)a->phase && c->fail_idx == a->idx && c->fail_tid == tid) {
		snprintf(err, errlen, "injected failure");
		return -1;
	}
	if (a->phase == LC_INIT && a->idx == NCB - 1)
		atomic_fetch_add(&c->inits_done, 1);
	return 0;
}

static const char *const names[NCB] = { "m0", "m1", "m2" };

static void *thread_main(void *p)
{
	struct ctx *c = ((void **)p)[0];
	unsigned tid = (unsigned)(uintptr_t)((void **)p)[1];

	c->start_rc[tid] = lc_thread_start(c->lc, tid);
	if (c->start_rc[tid] == 0) {
		if (atomic_load(&c->inits_done) != c->nthreads)
			atomic_fetch_add(&c->early, 1);
		lc_thread_stop(c->lc, tid);
	}
	return NULL;
}

/* Runs nthreads threads (only the first ncreate created; the rest reported with lc_fail). */
static void run_threads(struct ctx *c, unsigned ncreate)
{
	pthread_t th[MAX_THREADS];
	void *args[MAX_THREADS][2];
	unsigned t;

	for (t = 0; t < ncreate; t++) {
		args[t][0] = c;
		args[t][1] = (void *)(uintptr_t)t;
		if (pthread_create(&th[t], NULL, thread_main, args[t]) != 0) {
			fprintf(stderr, "pthread_create failed\n");
			exit(1);
		}
	}
	if (ncreate < c->nthreads)
		lc_fail(c->lc, LC_ALLOC, "pthread_create", ncreate, "refused (simulated)");
	for (t = 0; t < ncreate; t++)
		pthread_join(th[t], NULL);
}

static struct ctx *ctx_new(unsigned nthreads, struct cbarg args[LC_NPHASES][NCB])
{
	struct ctx *c = calloc(1, sizeof(*c));
	unsigned p, i;

	c->nthreads = nthreads;
	c->lc = lc_create(nthreads);
	c->fail_phase = -1;
	if (!c->lc) {
		fprintf(stderr, "lc_create failed\n");
		exit(1);
	}
	for (p = 0; p < LC_NPHASES; p++)
		for (i = 0; i < NCB; i++) {
			args[p][i].c = c;
			args[p][i].phase = (enum lc_phase)p;
			args[p][i].idx = i;
			if (lc_register(c->lc, (enum lc_phase)p, names[i], generic_cb, &args[p][i]) != 0)
				fail("lc_register %s %s refused", lc_phase_name((enum lc_phase)p), names[i]);
		}
	return c;
}

static void ctx_free(struct ctx *c)
{
	lc_destroy(c->lc);
	free(c);
}

/* Compares thread tid's log with the expected (phase, idx) list. */
static int expect_log(const char *what, struct ctx *c, unsigned tid, const struct event *want, unsigned nwant)
{
	const struct tlog *l = &c->log[tid];
	unsigned i;

	if (l->n != nwant) {
		fail("%s: thread %u ran %u callbacks, expected %u", what, tid, l->n, nwant);
		return -1;
	}
	for (i = 0; i < nwant; i++)
		if (l->ev[i].phase != want[i].phase || l->ev[i].idx != want[i].idx) {
			fail("%s: thread %u step %u was %s %s, expected %s %s", what, tid, i,
			     lc_phase_name((enum lc_phase)l->ev[i].phase), names[l->ev[i].idx],
			     lc_phase_name((enum lc_phase)want[i].phase), names[want[i].idx]);
			return -1;
		}
	return 0;
}

static unsigned push(struct event *w, unsigned n, enum lc_phase phase, unsigned idx)
{
	w[n].phase = (unsigned char)phase;
	w[n].idx = (unsigned char)idx;
	return n + 1;
}

/* The full life of a thread: every ALLOC, INIT, then (stop) every DEINIT, FREE, in list order. */
static unsigned full_life(struct event *w)
{
	unsigned n = 0, p, i;

	for (p = 0; p < LC_NPHASES; p++)
		for (i = 0; i < NCB; i++)
			n = push(w, n, (enum lc_phase)p, i);
	return n;
}

/* ---- 1. seed 000 ---- */

struct seed {
	int *fd_updt[MAX_THREADS];        /* "pollers" module: allocated per thread in ALLOC */
	atomic_uint bad;
};

static int pollers_alloc(void *arg, unsigned tid, char *err, size_t errlen)
{
	struct seed *s = arg;

	s->fd_updt[tid] = calloc(16, sizeof(int));
	if (!s->fd_updt[tid]) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static int pollers_init(void *arg, unsigned tid, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	((struct seed *)arg)->fd_updt[tid][0] = -1;
	return 0;
}

/* A callback that does nothing. */
static int dummy_cb(void *arg, unsigned tid, char *err, size_t errlen)
{
	(void)arg;
	(void)tid;
	(void)err;
	(void)errlen;
	return 0;
}

static int pollers_free(void *arg, unsigned tid, char *err, size_t errlen)
{
	struct seed *s = arg;

	(void)err;
	(void)errlen;
	free(s->fd_updt[tid]);
	s->fd_updt[tid] = NULL;
	return 0;
}

/* The "mworker": registers an fd in the pollers' per-thread array. */
static int mworker_init(void *arg, unsigned tid, char *err, size_t errlen)
{
	struct seed *s = arg;

	if (!s->fd_updt[tid]) {
		snprintf(err, errlen, "fd_updt not allocated yet");
		return -1;
	}
	s->fd_updt[tid][1] = (int)tid;
	return 0;
}

static int mworker_deinit(void *arg, unsigned tid, char *err, size_t errlen)
{
	struct seed *s = arg;

	(void)err;
	(void)errlen;
	if (!s->fd_updt[tid] || s->fd_updt[tid][1] != (int)tid)
		atomic_fetch_add(&s->bad, 1);   /* FREE ran before this DEINIT */
	else
		s->fd_updt[tid][1] = 0;
	return 0;
}

struct seed_thread {
	struct lifecycle *lc;
	unsigned tid;
	int rc;
};

static void *seed_main(void *p)
{
	struct seed_thread *st = p;

	st->rc = lc_thread_start(st->lc, st->tid);
	if (st->rc == 0)
		lc_thread_stop(st->lc, st->tid);
	return NULL;
}

static void test_seed000(int mworker_first)
{
	const unsigned n = 4;
	struct seed s;
	struct lifecycle *lc = lc_create(n);
	struct seed_thread st[4];
	pthread_t th[4];
	unsigned t;

	memset(&s, 0, sizeof(s));
	if (mworker_first) {
		lc_register(lc, LC_INIT, "mworker", mworker_init, &s);
		lc_register(lc, LC_DEINIT, "mworker", mworker_deinit, &s);
	}
	lc_register(lc, LC_ALLOC, "pollers", pollers_alloc, &s);
	lc_register(lc, LC_INIT, "pollers", pollers_init, &s);
	lc_register(lc, LC_DEINIT, "pollers", dummy_cb, &s);
	lc_register(lc, LC_FREE, "pollers", pollers_free, &s);
	if (!mworker_first) {
		lc_register(lc, LC_INIT, "mworker", mworker_init, &s);
		lc_register(lc, LC_DEINIT, "mworker", mworker_deinit, &s);
	}
	for (t = 0; t < n; t++) {
		st[t].lc = lc;
		st[t].tid = t;
		pthread_create(&th[t], NULL, seed_main, &st[t]);
	}
	for (t = 0; t < n; t++) {
		pthread_join(th[t], NULL);
		if (st[t].rc != 0)
			fail("seed000 (mworker registered %s pollers): thread %u start failed: %s",
			     mworker_first ? "before" : "after", t, lc_error(lc) ? lc_error(lc) : "?");
	}
	if (atomic_load(&s.bad))
		fail("seed000 (mworker registered %s pollers): %u DEINITs found the pollers' array freed",
		     mworker_first ? "before" : "after", atomic_load(&s.bad));
	for (t = 0; t < n; t++)
		if (s.fd_updt[t]) {
			fail("seed000: thread %u's array never freed", t);
			free(s.fd_updt[t]);
		}
	lc_destroy(lc);
}

/* ---- 2. orders on success ---- */

static void test_orders(unsigned nthreads)
{
	struct cbarg args[LC_NPHASES][NCB];
	struct ctx *c = ctx_new(nthreads, args);
	struct event want[4 * NCB];
	unsigned nwant = full_life(want), t, i, max_init = 0, min_deinit = ~0u;
	char what[64];

	snprintf(what, sizeof(what), "orders, %u threads", nthreads);
	run_threads(c, nthreads);
	if (lc_error(c->lc))
		fail("%s: unexpected error: %s", what, lc_error(c->lc));
	if (atomic_load(&c->early))
		fail("%s: %u threads passed lc_thread_start before every thread finished INIT", what,
		     atomic_load(&c->early));
	for (t = 0; t < nthreads; t++) {
		const struct tlog *l = &c->log[t];

		if (c->start_rc[t] != 0)
			fail("%s: thread %u start returned %d", what, t, c->start_rc[t]);
		if (expect_log(what, c, t, want, nwant) != 0)
			continue;
		/* ALLOC+INIT block: contiguous global sequence (one thread at a time under the mutex) */
		for (i = 1; i < 2 * NCB; i++)
			if (l->ev[i].seq != l->ev[0].seq + i) {
				fail("%s: thread %u's ALLOC/INIT interleaved with another thread's", what, t);
				break;
			}
		if (l->ev[2 * NCB - 1].seq > max_init)
			max_init = l->ev[2 * NCB - 1].seq;
		if (l->ev[2 * NCB].seq < min_deinit)
			min_deinit = l->ev[2 * NCB].seq;
	}
	if (min_deinit < max_init)
		fail("%s: a DEINIT (seq %u) ran before the last INIT (seq %u)", what, min_deinit, max_init);
	ctx_free(c);
}

/* ---- 3. injected failure ---- */

static void test_failure(unsigned nthreads, enum lc_phase phase, unsigned k, unsigned ftid)
{
	struct cbarg args[LC_NPHASES][NCB];
	struct ctx *c = ctx_new(nthreads, args);
	struct event full[4 * NCB], want[4 * NCB];
	unsigned nfull = full_life(full), nwant = 0, t, i;
	char what[96], msg[160];
	const char *e;

	snprintf(what, sizeof(what), "%s callback %u fails on thread %u of %u", lc_phase_name(phase), k,
		 ftid, nthreads);
	c->fail_phase = (int)phase;
	c->fail_idx = k;
	c->fail_tid = ftid;

	/* the failing thread: what ran (the failing one included), then its undo in reverse */
	if (phase == LC_ALLOC) {
		for (i = 0; i <= k; i++)
			nwant = push(want, nwant, LC_ALLOC, i);
		for (i = k; i-- > 0;)
			nwant = push(want, nwant, LC_FREE, i);
	} else {
		for (i = 0; i < NCB; i++)
			nwant = push(want, nwant, LC_ALLOC, i);
		for (i = 0; i <= k; i++)
			nwant = push(want, nwant, LC_INIT, i);
		for (i = k; i-- > 0;)
			nwant = push(want, nwant, LC_DEINIT, i);
		for (i = NCB; i-- > 0;)
			nwant = push(want, nwant, LC_FREE, i);
	}

	run_threads(c, nthreads);

	for (t = 0; t < nthreads; t++) {
		if (c->start_rc[t] != -1)
			fail("%s: thread %u start returned %d, expected -1", what, t, c->start_rc[t]);
		if (t == ftid)
			expect_log(what, c, t, want, nwant);
		else if (c->log[t].n != 0)         /* started before the failure: full start + stop */
			expect_log(what, c, t, full, nfull);
	}
	snprintf(msg, sizeof(msg), "%s callback '%s' failed on thread %u: injected failure",
		 lc_phase_name(phase), names[k], ftid);
	e = lc_error(c->lc);
	if (!e || strcmp(e, msg) != 0)
		fail("%s: lc_error() is \"%s\", expected \"%s\"", what, e ? e : "(null)", msg);
	ctx_free(c);
}

/* ---- 4. lc_fail from outside ---- */

static void test_lc_fail(void)
{
	struct cbarg args[LC_NPHASES][NCB];
	struct ctx *c = ctx_new(8, args);
	struct event full[4 * NCB];
	unsigned nfull = full_life(full), t;
	const char *e;

	run_threads(c, 5);      /* threads 5..7 "could not be created" */
	for (t = 0; t < 5; t++) {
		if (c->start_rc[t] != -1)
			fail("lc_fail: thread %u start returned %d, expected -1", t, c->start_rc[t]);
		if (c->log[t].n != 0)
			expect_log("lc_fail", c, t, full, nfull);
	}
	e = lc_error(c->lc);
	if (!e || strcmp(e, "alloc phase: pthread_create failed for thread 5: refused (simulated)") != 0)
		fail("lc_fail: lc_error() is \"%s\"", e ? e : "(null)");
	ctx_free(c);
}

static void test_register_limits(void)
{
	struct lifecycle *lc = lc_create(1);
	unsigned i;

	if (lc_create(0) != NULL)
		fail("lc_create(0) accepted");
	if (lc_register(lc, LC_INIT, "x", NULL, NULL) != -1)
		fail("lc_register accepted a NULL callback");
	for (i = 0; i < LC_MAX_CALLBACKS; i++)
		if (lc_register(lc, LC_FREE, "x", dummy_cb, NULL) != 0)
			fail("lc_register refused callback %u of %u", i, LC_MAX_CALLBACKS);
	if (lc_register(lc, LC_FREE, "x", dummy_cb, NULL) != -1)
		fail("lc_register accepted more than LC_MAX_CALLBACKS");
	if (lc_error(lc) != NULL)
		fail("lc_error not NULL before any failure");
	lc_destroy(lc);
}

int main(void)
{
	static const unsigned sizes[] = { 16, MAX_THREADS };
	unsigned s, k, ph;

	alarm(120);             /* a hang is a failure, not a stuck CI job */

	test_register_limits();
	test_seed000(0);
	test_seed000(1);
	for (s = 0; s < 2; s++) {
		unsigned n = sizes[s];
		unsigned tids[3] = { 0, n / 2, n - 1 };

		test_orders(n);
		for (ph = LC_ALLOC; ph <= LC_INIT; ph++)
			for (k = 0; k < NCB; k++) {
				unsigned j;

				/* every position at 16 threads; one (varied) at 64: TSAN time */
				for (j = 0; j < 3; j++)
					if (n <= 16 || j == (k + ph) % 3)
						test_failure(n, (enum lc_phase)ph, k, tids[j]);
			}
	}
	test_lc_fail();

	return check_exit("lifecycle_test");
}
