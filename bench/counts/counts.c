/*
 * counts.c - the count harness's driver (counts.h): one run of every
 * participant through the loop of strategies/loop.h, phases separated by
 * conditions, never by sleeps.
 *
 * Synchronization of the harness itself: one mutex and one condition
 * variable per run. A participant takes the mutex to say it is parked (in its
 * poller, after poll_enter) and to say it left the poller, handled an event
 * or finished a command; the driver waits on the condition for the state it
 * needs. The harness's own lock and syscalls are not the strategy's and are
 * not counted.
 *
 * Deliberate break for the tests (never in a real build):
 *  COUNTS_BREAK_SKIP_UPDATER  the snapshots and totals leave out the
 *                             updater's counters.
 */
#include "bench/counts/counts.h"

#include "strategies/loop.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

/* Longest a phase may take before the driver calls the run stuck. */
#define COUNTS_STUCK_S 60

#define TAG_OWN 0u
#define TAG_WAKE 1u

const char *const counts_mode_names[] = { "isolate", "sync", "defer", NULL };

/* The updater's commands, set by the driver under the run's mutex. */
enum cmd { CMD_NONE = 0, CMD_UPDATE, CMD_BARRIER };

/* The shared object the read sections read and the updates replace. */
struct obj {
	uint64_t v[8];
};

struct run;

/* Written by its loop thread every SAT_CHUNK iterations, read by the others. */
struct sat_progress {
	_Atomic uint64_t iters;
} SYNC_ALIGNED;

/*
 * Iterations between two looks at the clock and the other threads' progress.
 * A chunk ran "together" when every other loop thread made between 3/4 and
 * 4/3 of a chunk meanwhile: all were running, at about the same speed.
 */
#define SAT_CHUNK 256

/* One participant. Fields under "run->lock" are written and read under it. */
struct ct {
	struct run *run;
	unsigned tid;
	int efd, epfd;
	int saturated;           /* loop thread of counts_saturated: timeout 0, no lock */
	pthread_t th;
	struct sync_thread *st;  /* set by the thread itself, before it counts as started */
	uint64_t sink;           /* what the read sections read: keeps them real */
	/* run->lock */
	int in_poll;             /* parked: after poll_enter, before epoll_wait returned */
	uint64_t events;         /* own-eventfd events handled (loop threads) */
	uint64_t done;           /* commands finished (updater) */
	uint64_t sync_wakeups, iterations;
	uint64_t interrupted;    /* EINTR returns of epoll_wait: written by the thread, folded in under the lock */
	/* Saturated mode: written by the thread, read after the join. */
	uint64_t sat_iters, sat_together_iters;
	double sat_wall, sat_cpu, sat_together_s;
};

struct run {
	const struct sync_ops *ops;
	struct sync_domain *dom;
	unsigned nloop, n;
	enum counts_mode mode;
	struct ct *cts;
	void *_Atomic shared;    /* struct obj *: written by the updater only */
	pthread_mutex_t start_lock; /* one thread at a time in alloc + init, as bench/lifecycle */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	/* lock */
	unsigned started, finished;
	int failed, stop;
	enum cmd cmd;
	char err[256];
	uint64_t total[SYNC_COUNT_KINDS];
	/* Saturated mode: read by the loop threads every iteration. */
	_Atomic int sat_stop;
	/* Saturated mode: each loop thread's iterations, published once a chunk. */
	struct sat_progress *progress;
};

int counts_mode_supported(const struct sync_ops *ops, enum counts_mode m)
{
	static const unsigned cap[COUNTS_MODES] = { SYNC_CAP_ISOLATE, SYNC_CAP_SYNCHRONIZE, SYNC_CAP_DEFER };

	return m < COUNTS_MODES && (ops->caps & cap[m]);
}

static double clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int is_updater(const struct ct *c)
{
	return c->tid == c->run->nloop;
}

/* Whether a participant's counters enter the sums. */
static int summed(const struct ct *c)
{
#ifdef COUNTS_BREAK_SKIP_UPDATER
	return !is_updater(c); /* broken on purpose: the updater's counts are lost */
#else
	(void)c;
	return 1;
#endif
}

static void fail_locked(struct run *r, const char *fmt, unsigned tid, const char *why)
{
	if (!r->failed)
		snprintf(r->err, sizeof(r->err), fmt, tid, why);
	r->failed = 1;
}

/* ---- the participant ---- */

static void read_body(struct sync_thread *t, void *arg)
{
	struct ct *c = arg;
	struct obj *o = sync_deref(t, &c->run->shared);

	c->sink += o->v[0];
}

static void update(struct ct *c)
{
	struct run *r = c->run;
	/* Relaxed: the updater is the only writer of the pointer. */
	struct obj *old = atomic_load_explicit(&r->shared, memory_order_relaxed), *n;

	if (r->mode == COUNTS_ISOLATE) {
		sync_isolate(c->st);
		old->v[0]++;
		sync_release(c->st);
		return;
	}
	n = malloc(sizeof(*n));
	if (!n)
		abort();
	*n = *old;
	n->v[0]++;
	/* Release: the copy is complete before a reader can load it. */
	atomic_store_explicit(&r->shared, n, memory_order_release);
	if (r->mode == COUNTS_SYNC) {
		sync_synchronize(c->st);
		free(old);
	} else {
		sync_defer_free(c->st, old, free);
	}
}

/* The poller of a parked loop: says so under the lock, then really sleeps. */
static int ct_poll(void *arg)
{
	struct ct *c = arg;
	struct run *r = c->run;
	struct epoll_event evs[4];
	int n, e;

	pthread_mutex_lock(&r->lock);
	c->in_poll = 1;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
	/*
	 * A strategy that interrupts sleepers (urcu_signal's grace-period
	 * signals) makes epoll_wait return EINTR: each such return is one of
	 * its sync wakeups, as in the simulator; the thread polls again.
	 */
	for (;;) {
		n = epoll_wait(c->epfd, evs, 4, -1);
		if (n >= 0 || errno != EINTR)
			break;
		c->interrupted++;
	}
	e = n < 0 ? -errno : 0;
	for (int i = 0; i < n; i++)
		e |= 1 << evs[i].data.u32; /* bit TAG_OWN, bit TAG_WAKE */
	pthread_mutex_lock(&r->lock);
	c->in_poll = 0;
	pthread_mutex_unlock(&r->lock);
	return e;
}

static void drain(int fd)
{
	uint64_t v;

	if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		abort();
}

static void parked_loop(struct ct *c)
{
	struct run *r = c->run;

	for (;;) {
		int got = sync_loop_poll(c->st, ct_poll, c);
		int own = got > 0 && (got & 1 << TAG_OWN), wake = got > 0 && (got & 1 << TAG_WAKE);
		enum cmd cmd;

		if (got < 0) {
			pthread_mutex_lock(&r->lock);
			fail_locked(r, "thread %u: epoll_wait: %s", c->tid, strerror(-got));
			pthread_mutex_unlock(&r->lock);
			return;
		}
		pthread_mutex_lock(&r->lock);
		if (r->stop) {
			pthread_mutex_unlock(&r->lock);
			return;
		}
		c->iterations++;
		c->sync_wakeups += (uint64_t)wake;
		if (r->ops->caps & SYNC_CAP_INTERRUPTS_SLEEPERS)
			c->sync_wakeups += c->interrupted;
		c->interrupted = 0;
		cmd = r->cmd;
		pthread_mutex_unlock(&r->lock);

		if (wake)
			sync_loop_woken(c->st);
		if (own) {
			drain(c->efd);
			if (!is_updater(c))
				sync_read(c->st, read_body, c);
			else if (cmd == CMD_UPDATE)
				update(c);
			else if (cmd == CMD_BARRIER)
				sync_barrier(c->st);
		}
		sync_loop_end(c->st);
		if (own) {
			pthread_mutex_lock(&r->lock);
			if (is_updater(c))
				c->done++;
			else
				c->events++;
			pthread_cond_broadcast(&r->cond);
			pthread_mutex_unlock(&r->lock);
		}
	}
}

/* Iterations of every other loop thread so far. */
static uint64_t others_progress(struct ct *c)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < c->run->nloop; i++)
		if (i != c->tid)
			sum += atomic_load_explicit(&c->run->progress[i].iters, memory_order_relaxed);
	return sum;
}

/*
 * The saturated loop: its own eventfd stays readable, timeout 0, no lock.
 * Besides the totals, it sums the chunks that ran together with every other
 * loop thread (SAT_CHUNK): on a machine with other work, two threads share
 * their cache lines only while both run, and only those chunks can show it.
 */
static void saturated_loop(struct ct *c)
{
	struct epoll_event evs[4];
	uint64_t iters = 0, others = 0, lo, hi;
	double w0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_THREAD_CPUTIME_ID), t = w0, now;
	unsigned peers = c->run->nloop - 1;

	lo = (uint64_t)peers * SAT_CHUNK * 3 / 4;
	hi = (uint64_t)peers * SAT_CHUNK * 4 / 3;
	while (!atomic_load_explicit(&c->run->sat_stop, memory_order_relaxed)) {
		int n = sync_loop_epoll(c->st, c->epfd, evs, 4, 0);

		for (int i = 0; i < n; i++)
			if (evs[i].data.u32 == TAG_OWN)
				sync_read(c->st, read_body, c);
		sync_loop_end(c->st);
		if (++iters % SAT_CHUNK == 0) {
			uint64_t o = others_progress(c);

			now = clock_s(CLOCK_MONOTONIC);
			if (peers && iters > SAT_CHUNK && o - others >= lo && o - others <= hi) {
				c->sat_together_iters += SAT_CHUNK;
				c->sat_together_s += now - t;
			}
			/* Relaxed: a progress count, it orders nothing. */
			atomic_store_explicit(&c->run->progress[c->tid].iters, iters, memory_order_relaxed);
			others = o;
			t = now;
		}
	}
	c->sat_wall = clock_s(CLOCK_MONOTONIC) - w0;
	c->sat_cpu = clock_s(CLOCK_THREAD_CPUTIME_ID) - c0;
	c->sat_iters = iters;
}

static int add_fd(int epfd, int fd, uint32_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = tag };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

static void *ct_main(void *arg)
{
	struct ct *c = arg;
	struct run *r = c->run;
	char err[200] = "";
	int allocated = 0, inited = 0, ok, failed;
	int wfd = sync_wake_fd(r->dom);

	pthread_mutex_lock(&r->start_lock);
	allocated = r->ops->thread_alloc(r->dom, c->tid, &c->st, err, sizeof(err)) == 0;
	inited = allocated && sync_thread_init(c->st, err, sizeof(err)) == 0;
	pthread_mutex_unlock(&r->start_lock);
	ok = inited;
	if (ok && (add_fd(c->epfd, c->efd, TAG_OWN) || (wfd >= 0 && add_fd(c->epfd, wfd, TAG_WAKE)))) {
		snprintf(err, sizeof(err), "epoll_ctl: %s", strerror(errno));
		ok = 0;
	}

	pthread_mutex_lock(&r->lock);
	if (!ok)
		fail_locked(r, "thread %u: %s", c->tid, err);
	r->started++;
	pthread_cond_broadcast(&r->cond);
	while (r->started < r->n)
		pthread_cond_wait(&r->cond, &r->lock);
	failed = r->failed;
	pthread_mutex_unlock(&r->lock);

	if (!failed) {
		if (c->saturated)
			saturated_loop(c);
		else
			parked_loop(c);
	}
	if (inited)
		sync_thread_deinit(c->st);

	/* Every DEINIT before any FREE (strategies/sync.h); counts summed before FREE. */
	pthread_mutex_lock(&r->lock);
	if (allocated && summed(c))
		for (int k = 0; k < SYNC_COUNT_KINDS; k++)
			r->total[k] += c->st->counts[k];
	r->finished++;
	pthread_cond_broadcast(&r->cond);
	while (r->finished < r->n)
		pthread_cond_wait(&r->cond, &r->lock);
	pthread_mutex_unlock(&r->lock);
	if (allocated)
		r->ops->thread_free(c->st);
	return NULL;
}

/* ---- the driver ---- */

typedef int (*pred_fn)(struct run *r, uint64_t arg);

/* Every participant parked. */
static int all_parked(struct run *r, uint64_t arg)
{
	(void)arg;
	for (unsigned i = 0; i < r->n; i++)
		if (!r->cts[i].in_poll)
			return 0;
	return 1;
}

/* Every loop thread handled arg events, and every participant is parked. */
static int events_done(struct run *r, uint64_t arg)
{
	for (unsigned i = 0; i < r->nloop; i++)
		if (r->cts[i].events < arg)
			return 0;
	return all_parked(r, 0);
}

/* The updater finished arg commands, and every participant is parked. */
static int cmds_done(struct run *r, uint64_t arg)
{
	return r->cts[r->nloop].done >= arg && all_parked(r, 0);
}

/* Under r->lock: waits for pred; a run stuck past the bound is a bug: loud. */
static void wait_for(struct run *r, pred_fn pred, uint64_t arg, const char *what)
{
	struct timespec dl;

	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += COUNTS_STUCK_S;
	while (!pred(r, arg) && !r->failed) {
		if (pthread_cond_timedwait(&r->cond, &r->lock, &dl) == ETIMEDOUT && !pred(r, arg)) {
			fprintf(stderr, "counts: %s, %u loop threads, %s: stuck for %d s waiting for %s\n",
				r->ops->name, r->nloop, counts_mode_names[r->mode], COUNTS_STUCK_S, what);
			if (r->ops->dump)
				r->ops->dump(r->dom, stderr);
			abort();
		}
	}
}

static void kick(struct ct *c)
{
	uint64_t one = 1;

	if (write(c->efd, &one, sizeof(one)) != (ssize_t)sizeof(one))
		abort();
}

/* Under r->lock, every participant parked: sums counts and harness counters. */
static void snapshot(struct run *r, struct counts_result *res, int s)
{
	memset(res->snap[s], 0, sizeof(res->snap[s]));
	res->sync_wakeups[s] = res->iterations[s] = 0;
	for (unsigned i = 0; i < r->n; i++) {
		struct ct *c = &r->cts[i];

		if (summed(c))
			for (int k = 0; k < SYNC_COUNT_KINDS; k++)
				res->snap[s][k] += c->st->counts[k];
		res->sync_wakeups[s] += c->sync_wakeups;
		res->iterations[s] += c->iterations;
	}
}

/* Sets up r with n participants; 0 or -1 with err. */
static int run_open(struct run *r, const struct sync_ops *ops, unsigned nloop, enum counts_mode mode,
		    char *err, size_t errlen)
{
	struct sync_params p = { .nthreads = nloop + 1,
				 .reclaim = mode == COUNTS_DEFER ? SYNC_RECLAIM_DEFER : SYNC_RECLAIM_SYNC };
	struct obj *o;

	memset(r, 0, sizeof(*r));
	r->ops = ops;
	r->nloop = nloop;
	r->n = nloop + 1;
	r->mode = mode;
	if (ops->domain_create(&p, &r->dom, err, errlen))
		return -1;
	r->cts = calloc(r->n, sizeof(*r->cts));
	o = calloc(1, sizeof(*o));
	if (!r->cts || !o) {
		free(r->cts);
		free(o);
		ops->domain_destroy(r->dom);
		snprintf(err, errlen, "counts: out of memory");
		return -1;
	}
	atomic_init(&r->shared, o);
	atomic_init(&r->sat_stop, 0);
	pthread_mutex_init(&r->start_lock, NULL);
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	for (unsigned i = 0; i < r->n; i++) {
		r->cts[i].run = r;
		r->cts[i].tid = i;
		r->cts[i].efd = r->cts[i].epfd = -1;
	}
	return 0;
}

/* Creates fds and threads; on failure stops what started. 0 or -1 with err. */
static int run_start(struct run *r, char *err, size_t errlen)
{
	unsigned i, created = 0;

	for (i = 0; i < r->n; i++) {
		struct ct *c = &r->cts[i];

		c->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		c->epfd = epoll_create1(EPOLL_CLOEXEC);
		if (c->efd < 0 || c->epfd < 0) {
			snprintf(err, errlen, "counts: eventfd/epoll: %s", strerror(errno));
			return -1;
		}
		if (c->saturated)
			kick(c); /* stays readable: the saturated loop never drains it */
	}
	for (; created < r->n; created++)
		if (pthread_create(&r->cts[created].th, NULL, ct_main, &r->cts[created])) {
			snprintf(err, errlen, "counts: pthread_create: thread %u of %u", created, r->n);
			break;
		}
	pthread_mutex_lock(&r->lock);
	if (created < r->n) {
		/* The threads created wait for all to start: release them, failed. */
		r->failed = 1;
		r->started += r->n - created;
		r->finished += r->n - created;
		pthread_cond_broadcast(&r->cond);
	}
	while (r->started < r->n)
		pthread_cond_wait(&r->cond, &r->lock);
	if (r->failed && created == r->n)
		snprintf(err, errlen, "%s: %s", r->ops->name, r->err);
	pthread_mutex_unlock(&r->lock);
	if (r->failed) {
		for (i = 0; i < created; i++)
			pthread_join(r->cts[i].th, NULL);
		return -1;
	}
	return 0;
}

/* Stops every loop and joins every thread. */
static void run_stop(struct run *r)
{
	pthread_mutex_lock(&r->lock);
	r->stop = 1;
	pthread_mutex_unlock(&r->lock);
	atomic_store_explicit(&r->sat_stop, 1, memory_order_relaxed);
	for (unsigned i = 0; i < r->n; i++)
		kick(&r->cts[i]);
	for (unsigned i = 0; i < r->n; i++)
		pthread_join(r->cts[i].th, NULL);
}

/* Frees everything (threads joined or never started). */
static void run_free(struct run *r)
{
	for (unsigned i = 0; i < r->n; i++) {
		if (r->cts[i].efd >= 0)
			close(r->cts[i].efd);
		if (r->cts[i].epfd >= 0)
			close(r->cts[i].epfd);
	}
	r->ops->domain_destroy(r->dom);
	free(atomic_load_explicit(&r->shared, memory_order_relaxed));
	free(r->cts);
	free(r->progress);
	pthread_cond_destroy(&r->cond);
	pthread_mutex_destroy(&r->lock);
	pthread_mutex_destroy(&r->start_lock);
}

/* Under r->lock: one command to the updater, then every participant parked. */
static void command(struct run *r, enum cmd cmd, uint64_t *ncmds, const char *what)
{
	r->cmd = cmd;
	kick(&r->cts[r->nloop]);
	++*ncmds;
	wait_for(r, cmds_done, *ncmds, what);
}

/* Under r->lock: wakes every loop thread once and waits until all handled it. */
static void event_round(struct run *r, uint64_t *nevents)
{
	for (unsigned i = 0; i < r->nloop; i++)
		kick(&r->cts[i]);
	++*nevents;
	wait_for(r, events_done, *nevents, "every loop thread's event");
}

int counts_run(const struct sync_ops *ops, const struct counts_config *c, struct counts_result *res,
	       char *err, size_t errlen)
{
	struct run r;
	uint64_t nevents = 0, ncmds = 0;
	double a, b;

	memset(res, 0, sizeof(*res));
	res->counted = ops->counted;
	if (!c->nloop || !c->rounds || !counts_mode_supported(ops, c->mode)) {
		snprintf(err, errlen, "counts: %s: no %s updates, or no loop thread or round", ops->name,
			 c->mode < COUNTS_MODES ? counts_mode_names[c->mode] : "?");
		return -1;
	}
	if (run_open(&r, ops, c->nloop, c->mode, err, errlen))
		return -1;
	if (run_start(&r, err, errlen)) {
		run_free(&r);
		return -1;
	}

	pthread_mutex_lock(&r.lock);
	wait_for(&r, all_parked, 0, "every participant parked at the start");
	snapshot(&r, res, 0);
	for (unsigned i = 0; i < c->rounds; i++)
		event_round(&r, &nevents);
	snapshot(&r, res, 1);
	for (unsigned i = 0; i < c->rounds; i++) {
		event_round(&r, &nevents);
		command(&r, CMD_UPDATE, &ncmds, "the update and every participant parked");
	}
	snapshot(&r, res, 2);
	if (c->mode == COUNTS_DEFER)
		command(&r, CMD_BARRIER, &ncmds, "the barrier and every participant parked");
	snapshot(&r, res, 3);
	pthread_mutex_unlock(&r.lock);
	run_stop(&r);
	memcpy(res->total, r.total, sizeof(res->total));
	run_free(&r);

	if (res->iterations[1] - res->iterations[0] != (uint64_t)c->nloop * c->rounds) {
		snprintf(err, errlen,
			 "counts: %s: phase A made %llu loop iterations, expected %llu (a thread woke without an event)",
			 ops->name, (unsigned long long)(res->iterations[1] - res->iterations[0]),
			 (unsigned long long)c->nloop * c->rounds);
		return -1;
	}
	for (int k = 0; k < SYNC_COUNT_KINDS; k++) {
		a = (double)(res->snap[1][k] - res->snap[0][k]);
		b = (double)(res->snap[2][k] - res->snap[1][k]);
		res->per_iter[k] = a / ((double)c->nloop * c->rounds);
		res->per_update[k] = (b - a) / c->rounds;
		res->barrier[k] = (double)(res->snap[3][k] - res->snap[2][k]);
	}
	a = (double)(res->sync_wakeups[1] - res->sync_wakeups[0]);
	b = (double)(res->sync_wakeups[2] - res->sync_wakeups[1]);
	res->wakeups_per_update = (b - a) / c->rounds;
	return 0;
}

int counts_saturated(const struct sync_ops *ops, unsigned nloop, double seconds, struct counts_rate *out,
		     char *err, size_t errlen)
{
	struct run r;
	struct timespec ts = { .tv_sec = (time_t)seconds,
			       .tv_nsec = (long)((seconds - (double)(time_t)seconds) * 1e9) };

	memset(out, 0, sizeof(*out));
	if (!nloop || !(seconds > 0)) {
		snprintf(err, errlen, "counts: saturated run needs loop threads and a duration");
		return -1;
	}
	if (run_open(&r, ops, nloop, COUNTS_ISOLATE, err, errlen))
		return -1;
	r.progress = aligned_alloc(SYNC_CACHELINE, nloop * sizeof(*r.progress));
	if (!r.progress) {
		run_free(&r);
		snprintf(err, errlen, "counts: out of memory");
		return -1;
	}
	for (unsigned i = 0; i < nloop; i++) {
		atomic_init(&r.progress[i].iters, 0);
		r.cts[i].saturated = 1;
	}
	if (run_start(&r, err, errlen)) {
		run_free(&r);
		return -1;
	}
	/* The measurement window itself: a duration, not a wait for a state. */
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
	run_stop(&r);
	for (unsigned i = 0; i < nloop; i++) {
		struct ct *c = &r.cts[i];

		if (c->sat_cpu > 0 && c->sat_wall > 0) {
			out->per_cpu_s += (double)c->sat_iters / c->sat_cpu / nloop;
			out->per_wall_s += (double)c->sat_iters / c->sat_wall / nloop;
			out->cpu_share += c->sat_cpu / c->sat_wall / nloop;
		}
		out->together_s += c->sat_together_s / nloop;
		if (c->sat_together_s > 0)
			out->together_per_s += (double)c->sat_together_iters / c->sat_together_s / nloop;
	}
	run_free(&r);
	return 0;
}
