/*
 * stress.c - the stress harness of stress.h. One loop for every strategy,
 * calling the hooks in the order the simulator does (see sync.h); the checks
 * use sequentially consistent counters on both sides (thread: mark active,
 * then read `isolated`; isolator: mark isolated, then read `active`), so an
 * overlap is seen by at least one side whatever the interleaving.
 */
#include "strategies/stress.h"
#include "strategies/loop.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#define STRESS_TABLE 8

struct stress_ctx {
	const struct stress_cfg *cfg;
	struct sync_domain *dom;
	int *efd;                 /* per-thread event fd (the "connections") */
	uint64_t total;           /* isolations expected */

	/* The checked counters: written by every thread, seq_cst. */
	_Atomic int active SYNC_ALIGNED;
	_Atomic int isolated SYNC_ALIGNED;

	/* Progress and results. */
	_Atomic uint64_t isolations SYNC_ALIGNED;
	_Atomic uint64_t exited;
	_Atomic uint64_t violations;
	_Atomic uint64_t peer_wakes;
	_Atomic uint64_t loops;
	_Atomic int stop;
	_Atomic int first_taken;
	char first_violation[256];
	char setup_error[256];
	_Atomic int setup_failed;

	/*
	 * The shared state: written only by an isolated thread, read by
	 * active ones. Plain on purpose: under TSAN a missing happens-before
	 * between an isolation and a reader is reported as a race.
	 */
	uint64_t table[STRESS_TABLE] SYNC_ALIGNED;
	uint64_t updates;
};

struct stress_worker {
	struct stress_ctx *ctx;
	unsigned tid;
	pthread_t th;
};

static void violation(struct stress_ctx *c, const char *fmt, ...)
{
	va_list ap;

	atomic_fetch_add(&c->violations, 1);
	if (atomic_exchange(&c->first_taken, 1))
		return;
	va_start(ap, fmt);
	vsnprintf(c->first_violation, sizeof(c->first_violation), fmt, ap);
	va_end(ap);
}

static void active_enter(struct stress_ctx *c, unsigned tid, const char *where)
{
	int iso;

	atomic_fetch_add(&c->active, 1);
	iso = atomic_load(&c->isolated);
	if (iso)
		violation(c, "thread %u became active (%s) while a thread was isolated", tid, where);
}

static void active_leave(struct stress_ctx *c)
{
	atomic_fetch_sub(&c->active, 1);
}

/* An event's work: walk the shared table; a torn table is a violation. */
static void work(struct stress_ctx *c, unsigned tid)
{
	uint64_t v0 = c->table[0];

	for (unsigned i = 1; i < STRESS_TABLE; i++)
		if (c->table[i] != v0) {
			violation(c, "thread %u saw a torn table (entry 0 = %llu, entry %u = %llu)",
				  tid, (unsigned long long)v0, i, (unsigned long long)c->table[i]);
			return;
		}
}

static void check_alone(struct stress_ctx *c, unsigned tid, const char *when)
{
	int a = atomic_load(&c->active);

	if (a)
		violation(c, "%d other thread(s) active %s thread %u's isolation", a, when, tid);
}

static void isolate_once(struct stress_ctx *c, struct sync_thread *t, unsigned tid)
{
	unsigned n = c->cfg->nthreads;
	int was;

	active_leave(c);
	sync_isolate(t);
	was = atomic_fetch_add(&c->isolated, 1);
	if (was)
		violation(c, "thread %u isolated while %d other thread(s) were isolated", tid, was);
	check_alone(c, tid, "at the start of");
	if (c->cfg->isolated && !c->cfg->isolated(t))
		violation(c, "thread %u: the strategy's isolated() says no after isolate()", tid);

	/* The update, written in two halves with a yield between: torn if not alone. */
	uint64_t v = c->table[0] + 1;

	for (unsigned i = 0; i < STRESS_TABLE / 2; i++)
		c->table[i] = v;
	sched_yield();
	for (unsigned i = STRESS_TABLE / 2; i < STRESS_TABLE; i++)
		c->table[i] = v;
	c->updates++;

	if ((c->cfg->flags & STRESS_WAKE_PEER) && n > 1) {
		unsigned peer = (tid + 1 + (unsigned)(v % (n - 1))) % n;
		uint64_t one = 1;

		if (peer == tid)
			peer = (peer + 1) % n;
		if (write(c->efd[peer], &one, sizeof(one)) == (ssize_t)sizeof(one))
			atomic_fetch_add(&c->peer_wakes, 1);
		/*
		 * Give the woken peer chances to (wrongly) run. Few: under load
		 * each yield can cost a scheduler time slice.
		 */
		for (int i = 0; i < 4; i++) {
			sched_yield();
			check_alone(c, tid, "during");
		}
	} else {
		sched_yield();
	}
	check_alone(c, tid, "at the end of");
	atomic_fetch_sub(&c->isolated, 1);
	sync_release(t);
	if (c->cfg->isolated && c->cfg->isolated(t))
		violation(c, "thread %u: the strategy's isolated() still says yes after release()", tid);
	atomic_fetch_add(&c->isolations, 1);
	/*
	 * "Release, then immediately work", for a while: a strategy that
	 * lets another isolator in on a stale view of this thread (one taken
	 * before our isolation) is caught here.
	 */
	active_enter(c, tid, "right after its release");
	work(c, tid);
	sched_yield();
	work(c, tid);
}

static void *worker_main(void *arg)
{
	struct stress_worker *w = arg;
	struct stress_ctx *c = w->ctx;
	const struct stress_cfg *cfg = c->cfg;
	const struct sync_ops *ops = cfg->ops;
	unsigned tid = w->tid, n = cfg->nthreads, done_rounds = 0;
	int upper = tid >= n / 2 && tid >= cfg->nisolators;
	int late = upper && (cfg->flags & STRESS_STAGGER_START);
	int early_exit = upper && (cfg->flags & STRESS_STAGGER_EXIT);
	int wfd = sync_wake_fd(c->dom), epfd = -1;
	struct sync_thread *t = NULL;
	struct epoll_event ev, evs[4];
	char err[256] = "";

	if (ops->thread_alloc(c->dom, tid, &t, err, sizeof(err))) {
		snprintf(c->setup_error, sizeof(c->setup_error), "thread_alloc(%u): %s", tid, err);
		atomic_store(&c->setup_failed, 1);
		atomic_fetch_add(&c->exited, 1);
		return NULL;
	}
	epfd = epoll_create1(EPOLL_CLOEXEC);
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u32 = 0;
	if (epfd < 0 || epoll_ctl(epfd, EPOLL_CTL_ADD, c->efd[tid], &ev) < 0)
		goto setup_fail;
	ev.data.u32 = 1;
	if (wfd >= 0 && epoll_ctl(epfd, EPOLL_CTL_ADD, wfd, &ev) < 0)
		goto setup_fail;

	if (late) {
		struct timespec ts = { 0, 200000 };

		while (atomic_load(&c->isolations) < c->total / 4 && !atomic_load(&c->stop))
			nanosleep(&ts, NULL);
	}
	if (sync_thread_init(t, err, sizeof(err))) {
		snprintf(c->setup_error, sizeof(c->setup_error), "thread_init(%u): %s", tid, err);
		atomic_store(&c->setup_failed, 1);
		ops->thread_free(t);
		close(epfd);
		atomic_fetch_add(&c->exited, 1);
		return NULL;
	}
	active_enter(c, tid, "after thread_init");
	for (;;) {
		int nev, sync_fired = 0;

		work(c, tid);
		if (tid < cfg->nisolators && done_rounds < cfg->rounds) {
			isolate_once(c, t, tid);
			done_rounds++;
		}
		active_leave(c);
		sync_loop_end(t);
		active_enter(c, tid, "after loop_iter");
		if (atomic_load(&c->stop) ||
		    (early_exit && atomic_load(&c->isolations) >= c->total * 3 / 4))
			break;

		active_leave(c);
		nev = sync_loop_epoll(t, epfd, evs, 4, cfg->poll_timeout_ms);
		active_enter(c, tid, "after poll_leave");
		for (int i = 0; i < nev; i++) {
			uint64_t cnt;

			if (evs[i].data.u32 == 1)
				sync_fired = 1;
			else if (read(c->efd[tid], &cnt, sizeof(cnt)) < 0 && errno != EAGAIN)
				violation(c, "thread %u: read of its event fd failed", tid);
		}
		if (sync_fired)
			sync_loop_woken(t);
		atomic_fetch_add_explicit(&c->loops, 1, memory_order_relaxed);
	}
	active_leave(c);
	sync_thread_deinit(t);
	ops->thread_free(t);
	close(epfd);
	atomic_fetch_add(&c->exited, 1);
	return NULL;

setup_fail:
	snprintf(c->setup_error, sizeof(c->setup_error), "thread %u: epoll set-up: %s", tid, strerror(errno));
	atomic_store(&c->setup_failed, 1);
	ops->thread_free(t);
	if (epfd >= 0)
		close(epfd);
	atomic_fetch_add(&c->exited, 1);
	return NULL;
}

static void dump_stuck(struct stress_ctx *c)
{
	struct sync_domain *d = c->dom;
	uint64_t now = sync_now_ns();

	fprintf(stderr, "stress: stuck; strategy's view:\n");
	c->cfg->ops->dump(d, stderr);
	for (unsigned i = 0; i < d->nthreads; i++) {
		struct sync_thread *t = atomic_load(&d->threads[i]);
		uint64_t since;

		if (!t)
			continue;
		since = atomic_load(&t->wait_since_ns);
		if (since)
			fprintf(stderr, "  thread %u waiting (%s) for %.3f s\n", i,
				sync_wait_kind_name(atomic_load(&t->wait_kind)), (double)(now - since) / 1e9);
	}
}

int stress_run(const struct stress_cfg *cfg, struct stress_result *r, char *err, size_t errlen)
{
	struct sync_params p = { .nthreads = cfg->nthreads, .reclaim = SYNC_RECLAIM_SYNC };
	struct stress_ctx *c;
	struct stress_worker *w;
	uint64_t last_progress = ~0ull, last_change;
	unsigned started = 0;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	c = aligned_alloc(SYNC_CACHELINE, sizeof(*c));
	w = calloc(cfg->nthreads, sizeof(*w));
	if (!c || !w) {
		snprintf(err, errlen, "stress: out of memory");
		free(c);
		free(w);
		return -1;
	}
	memset(c, 0, sizeof(*c));
	c->cfg = cfg;
	c->total = (uint64_t)cfg->nisolators * cfg->rounds;
	c->efd = calloc(cfg->nthreads, sizeof(int));
	if (cfg->ops->domain_create(&p, &c->dom, err, errlen))
		goto out_free;
	for (unsigned i = 0; i < cfg->nthreads; i++) {
		c->efd[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (c->efd[i] < 0) {
			snprintf(err, errlen, "stress: eventfd: %s", strerror(errno));
			for (unsigned j = 0; j < i; j++)
				close(c->efd[j]);
			cfg->ops->domain_destroy(c->dom);
			goto out_free;
		}
	}
	for (unsigned i = 0; i < cfg->nthreads; i++) {
		w[i].ctx = c;
		w[i].tid = i;
		if (pthread_create(&w[i].th, NULL, worker_main, &w[i])) {
			/* Those started will stop; the rest count as exited. */
			snprintf(c->setup_error, sizeof(c->setup_error), "pthread_create(%u) failed", i);
			atomic_store(&c->setup_failed, 1);
			atomic_store(&c->stop, 1);
			atomic_fetch_add(&c->exited, cfg->nthreads - i);
			break;
		}
		started++;
	}

	last_change = sync_now_ns();
	while (atomic_load(&c->exited) < cfg->nthreads) {
		struct timespec ts = { 0, 2000000 };
		uint64_t iso = atomic_load(&c->isolations), prog = iso + atomic_load(&c->exited);

		/* Done, or already failed: more rounds would prove nothing more. */
		if (iso >= c->total || atomic_load(&c->violations))
			atomic_store(&c->stop, 1);
		if (prog != last_progress) {
			last_progress = prog;
			last_change = sync_now_ns();
		} else if (sync_now_ns() - last_change > (uint64_t)(cfg->timeout_s * 1e9)) {
			dump_stuck(c);
			snprintf(err, errlen,
				 "stuck: no isolation finished and no thread exited for %.1f s (%llu of %llu isolations done)",
				 cfg->timeout_s, (unsigned long long)iso, (unsigned long long)c->total);
			/* Threads may be spinning forever: leave them; the caller exits. */
			return -1;
		}
		nanosleep(&ts, NULL);
	}
	for (unsigned i = 0; i < started; i++)
		pthread_join(w[i].th, NULL);

	r->isolations = atomic_load(&c->isolations);
	r->updates = c->updates;
	r->violations = atomic_load(&c->violations);
	r->peer_wakes = atomic_load(&c->peer_wakes);
	r->loops = atomic_load(&c->loops);
	snprintf(r->first_violation, sizeof(r->first_violation), "%s", c->first_violation);
	if (cfg->ops->summary) {
		FILE *m = fmemopen(r->summary, sizeof(r->summary) - 1, "w");

		if (m) {
			cfg->ops->summary(c->dom, m);
			fclose(m);
		}
	}
	cfg->ops->domain_destroy(c->dom);
	for (unsigned i = 0; i < cfg->nthreads; i++)
		close(c->efd[i]);

	if (atomic_load(&c->setup_failed))
		snprintf(err, errlen, "set-up failed: %s", c->setup_error);
	else if (r->violations)
		snprintf(err, errlen, "%llu violation(s); first: %s",
			 (unsigned long long)r->violations, r->first_violation);
	else if (r->isolations != c->total || r->updates != c->total)
		snprintf(err, errlen, "%llu isolations and %llu updates applied, %llu expected",
			 (unsigned long long)r->isolations, (unsigned long long)r->updates,
			 (unsigned long long)c->total);
	else
		rc = 0;
out_free:
	free(c->efd);
	free(c);
	free(w);
	return rc;
}
