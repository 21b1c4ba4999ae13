/*
 * watchdog.c - the scan and the report of watchdog.h.
 *
 * The scan runs every bound / 20 (between 1 ms and 50 ms), holding the lock
 * that watchdog_watch/unwatch take, and reads each watched thread's wait and
 * doing fields with relaxed loads: they are a description for a human, and a
 * wait that began just now is caught by the next scan.
 *
 * Deliberate break for the tests: WATCHDOG_BREAK_BLIND, no wait is ever seen
 * (pollsim_watchdog_test must fail).
 */
#include "bench/lib/watchdog.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NS 1000000000.0

struct watchdog {
	struct watchdog_config cfg;
	pthread_t th;
	/* Under lock: the watched threads (NULL: not watched), stop, the deadline. */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct sync_thread **threads;
	int stop;
	uint64_t deadline_ns, stop_bound_ns;  /* 0: running */
	char stop_how[160];
};

static void label(const struct watchdog *w, unsigned tid, char *buf, size_t len)
{
	buf[0] = '\0';
	if (w->cfg.label)
		w->cfg.label(w->cfg.arg, tid, buf, len);
}

static double since_s(uint64_t since, uint64_t now)
{
	return since && since < now ? (double)(now - since) / NS : 0.0;
}

/* Prints the report (lock held) and exits with status 3. */
static _Noreturn void fire(struct watchdog *w, const char *why)
{
	const char *prog = w->cfg.prog;
	uint64_t now = sync_now_ns();
	unsigned *holders = calloc(w->cfg.nthreads ? w->cfg.nthreads : 1, sizeof(*holders)), nh = 0;
	char role[64];

	fprintf(stderr, "%s: watchdog: %s\n", prog, why);
	for (unsigned i = 0; holders && i < w->cfg.nthreads; i++) {
		struct sync_thread *t = w->threads[i];
		int d;

		if (!t)
			continue;
		d = atomic_load_explicit(&t->doing, memory_order_relaxed);
		if (atomic_load_explicit(&t->wait_since_ns, memory_order_relaxed) == 0 &&
		    (d == SYNC_DOING_EVENT || d == SYNC_DOING_UPDATE || d == SYNC_DOING_LOOP ||
		     d == SYNC_DOING_STARTING))
			holders[nh++] = i;
	}
	/* longest first */
	for (unsigned a = 1; a < nh; a++)
		for (unsigned b = a; b > 0; b--) {
			uint64_t x = atomic_load_explicit(&w->threads[holders[b - 1]]->doing_since_ns,
							  memory_order_relaxed);
			uint64_t y = atomic_load_explicit(&w->threads[holders[b]]->doing_since_ns,
							  memory_order_relaxed);
			unsigned tmp;

			if (x <= y)
				break;
			tmp = holders[b];
			holders[b] = holders[b - 1];
			holders[b - 1] = tmp;
		}
	fprintf(stderr, "%s: watchdog: holding it up (running, not waiting, not in the poller), longest first:",
		prog);
	if (!nh)
		fprintf(stderr, " none found (every thread waits or polls)");
	for (unsigned k = 0; k < nh; k++) {
		struct sync_thread *t = w->threads[holders[k]];

		fprintf(stderr, "%s thread %u (%s for %.3f s)", k ? "," : "", holders[k],
			sync_doing_name(atomic_load_explicit(&t->doing, memory_order_relaxed)),
			since_s(atomic_load_explicit(&t->doing_since_ns, memory_order_relaxed), now));
	}
	fprintf(stderr, "\n");
	for (unsigned i = 0; i < w->cfg.nthreads; i++) {
		struct sync_thread *t = w->threads[i];
		uint64_t ws;

		label(w, i, role, sizeof(role));
		if (!t) {
			fprintf(stderr, "%s: watchdog: thread %u (%s): not running\n", prog, i, role);
			continue;
		}
		ws = atomic_load_explicit(&t->wait_since_ns, memory_order_relaxed);
		fprintf(stderr, "%s: watchdog: thread %u (%s): doing %s for %.3f s; ", prog, i, role,
			sync_doing_name(atomic_load_explicit(&t->doing, memory_order_relaxed)),
			since_s(atomic_load_explicit(&t->doing_since_ns, memory_order_relaxed), now));
		if (ws)
			fprintf(stderr, "waiting (%s) for %.3f s\n",
				sync_wait_kind_name(atomic_load_explicit(&t->wait_kind, memory_order_relaxed)),
				ws < now ? (double)(now - ws) / NS : 0.0);
		else
			fprintf(stderr, "not waiting\n");
	}
	fprintf(stderr, "%s: watchdog: the strategy's view (%s dump):\n", prog, w->cfg.dom->ops->name);
	w->cfg.dom->ops->dump(w->cfg.dom, stderr);
	fprintf(stderr, "%s: watchdog: giving up: the run is stuck (exit status 3)\n", prog);
	fflush(stderr);
	fflush(stdout);
	_exit(3);
}

static void *watchdog_main(void *arg)
{
	struct watchdog *w = arg;
	uint64_t bound = (uint64_t)(w->cfg.bound_s * NS);
	uint64_t period = bound / 20;
	char why[384], name[16];

	if (period > 50000000u)
		period = 50000000u;
	if (period < 1000000u)
		period = 1000000u;
	snprintf(name, sizeof(name), "%.10s-wdog", w->cfg.prog);
	pthread_setname_np(pthread_self(), name);
	pthread_mutex_lock(&w->lock);
	while (!w->stop) {
		uint64_t now = sync_now_ns(), next = now + period;
		struct timespec ts;

		for (unsigned i = 0; i < w->cfg.nthreads; i++) {
			struct sync_thread *t = w->threads[i];
			uint64_t ws;

			if (!t)
				continue;
			ws = atomic_load_explicit(&t->wait_since_ns, memory_order_relaxed);
#ifdef WATCHDOG_BREAK_BLIND
			ws = 0; /* deliberate break: no wait is ever seen */
#endif
			if (ws && now > ws && now - ws > bound) {
				snprintf(why, sizeof(why),
					 "thread %u has waited (%s) for %.3f s, more than the %.3f s bound (--watchdog)",
					 i, sync_wait_kind_name(atomic_load_explicit(&t->wait_kind, memory_order_relaxed)),
					 (double)(now - ws) / NS, w->cfg.bound_s);
				fire(w, why);
			}
		}
		if (w->deadline_ns && now > w->deadline_ns) {
			snprintf(why, sizeof(why),
				 "the run did not stop within %.3f s of its end (bound %.3f s: %s; no strategy wait "
				 "over the bound)",
				 (double)(now - w->deadline_ns + w->stop_bound_ns) / NS,
				 (double)w->stop_bound_ns / NS, w->stop_how);
			fire(w, why);
		}
		ts.tv_sec = (time_t)(next / 1000000000u);
		ts.tv_nsec = (long)(next % 1000000000u);
		pthread_cond_timedwait(&w->cond, &w->lock, &ts);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

int watchdog_start(struct watchdog **out, const struct watchdog_config *cfg, char *err, size_t errlen)
{
	struct watchdog *w = calloc(1, sizeof(*w));
	pthread_condattr_t a;
	int e;

	*out = NULL;
	if (!w || !(w->threads = calloc(cfg->nthreads ? cfg->nthreads : 1, sizeof(*w->threads)))) {
		free(w);
		snprintf(err, errlen, "setup phase: out of memory for the watchdog");
		return -1;
	}
	w->cfg = *cfg;
	pthread_mutex_init(&w->lock, NULL);
	/* CLOCK_MONOTONIC: the scan's deadlines are sync_now_ns() times. */
	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cond, &a);
	pthread_condattr_destroy(&a);
	e = pthread_create(&w->th, NULL, watchdog_main, w);
	if (e) {
		snprintf(err, errlen, "setup phase: pthread_create (watchdog) failed: %s", strerror(e));
		pthread_cond_destroy(&w->cond);
		pthread_mutex_destroy(&w->lock);
		free(w->threads);
		free(w);
		return -1;
	}
	*out = w;
	return 0;
}

void watchdog_watch(struct watchdog *w, unsigned tid, struct sync_thread *t)
{
	pthread_mutex_lock(&w->lock);
	w->threads[tid] = t;
	pthread_mutex_unlock(&w->lock);
}

void watchdog_unwatch(struct watchdog *w, unsigned tid)
{
	pthread_mutex_lock(&w->lock);
	w->threads[tid] = NULL;
	pthread_mutex_unlock(&w->lock);
}

void watchdog_stop_by(struct watchdog *w, uint64_t deadline_ns, uint64_t bound_ns, const char *how)
{
	pthread_mutex_lock(&w->lock);
	w->deadline_ns = deadline_ns;
	w->stop_bound_ns = bound_ns;
	snprintf(w->stop_how, sizeof(w->stop_how), "%s", how);
	pthread_mutex_unlock(&w->lock);
}

void watchdog_stop(struct watchdog *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = 1;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->th, NULL);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	free(w->threads);
	free(w);
}

int watchdog_cpu_clock(struct watchdog *w, clockid_t *cid)
{
	return w && pthread_getcpuclockid(w->th, cid) == 0 ? 0 : -1;
}
