/*
 * run.c - one run: set up, start every participant, let the run last its
 * duration, stop, collect.
 *
 * Start: the floors first, while this process runs nothing else; then the
 * domain, the table, the control fds, the lifecycle and the watchdog; then one
 * thread per participant. --fail=spawn:T refuses participant T's
 * pthread_create with EAGAIN before it is called (we run as root:
 * RLIMIT_NPROC cannot provoke it); like a real refusal it goes through
 * lc_fail, which releases the participants already waiting in
 * lc_thread_start (each unwinds its own start). After the lifecycle's start
 * barrier a second gate (a futex word, no lock to re-acquire) lets every
 * participant into its loop at once.
 *
 * The measured window: once every participant is in its loop (in_loop), the
 * window [t0, t0 + duration) is published with t0 WINDOW_MARGIN_NS ahead, so
 * that a sleeping loop's start wakeup (the start fd) falls before it. Nothing
 * is scheduled before t0, so a slow, oversubscribed start waits for no
 * synchronization; every count and histogram is cut at the window's edges
 * (loop.c). The process's CPU and context switches over the window: every
 * participant's own at its edges, plus the other threads' (library workers:
 * liburcu's call_rcu thread) read by this thread from /proc at t0 and at the
 * end; not this thread's nor the watchdog's, the harness's own.
 *
 * The watchdog (bench/lib/watchdog.h) watches each participant from the end
 * of its INIT to its FREE, and bounds the stop: over 2 x --watchdog + 5 s +
 * POLLSIM_STOP_NS_PER_PARTICIPANT per participant after the end (a bound that
 * scales with the threads to stop, so a loaded 64-thread run is not mistaken
 * for a stuck one) it reports and exits with status 3.
 *
 * Stop, in two phases so that no update is in flight when threads leave:
 * (1) stop_updates: the updater finishes (barrier() for defer) and says so;
 * (2) stop: every participant leaves its loop and runs DEINIT then FREE.
 *
 * Deliberate break for the tests: POLLSIM_BREAK_SPAWN_NO_FAIL, a refused
 * pthread_create is not reported with lc_fail, so the participants already
 * started wait for the missing one forever.
 */
#include "bench/sim/sim_internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "bench/lib/floors.h"
#include "strategies/loop.h"

static void sim_free(struct sim *s)
{
	watchdog_stop(s->wd);
	if (s->lc)
		lc_destroy(s->lc);
	if (s->dom)
		s->ops->domain_destroy(s->dom);
	if (s->pts) {
		for (unsigned i = 0; i < s->P; i++)
			free(s->pts[i].hists);
		free(s->pts);
	}
	struct table *t = atomic_load_explicit(&s->table, memory_order_relaxed);

	if (t)
		free(t);
	if (s->stopfd >= 0)
		close(s->stopfd);
	if (s->updfd >= 0)
		close(s->updfd);
	if (s->startfd >= 0)
		close(s->startfd);
	free(s->cpus);
	free(s->reclaim_hist);
	pthread_mutex_destroy(&s->reclaim_lock);
	pthread_mutex_destroy(&s->upd_lock);
	pthread_cond_destroy(&s->upd_cond);
	pthread_mutex_destroy(&s->stall_lock);
	pthread_cond_destroy(&s->stall_cond);
	free(s);
}

/* How long after its end a run may take to stop (see POLLSIM_STOP_NS_PER_PARTICIPANT). */
static uint64_t stop_bound_ns(const struct sim *s)
{
	return (uint64_t)((2 * s->cfg->watchdog_s + 5) * NS) + (uint64_t)s->P * POLLSIM_STOP_NS_PER_PARTICIPANT;
}

/* The watchdog's name for participant tid: its role, and whether it updates. */
static void watchdog_label(void *arg, unsigned tid, char *buf, size_t len)
{
	const struct sim *s = arg;
	const struct pt *p = &s->pts[tid];

	snprintf(buf, len, "%s%s", sim_role_names[p->role], p->is_updater ? ", updater" : "");
}

static void init_cond_monotonic(pthread_cond_t *c)
{
	pthread_condattr_t a;

	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(c, &a);
	pthread_condattr_destroy(&a);
}

static void ctl_write(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) != (ssize_t)sizeof(one))
		fprintf(stderr, "pollsim: control eventfd write: %s\n", strerror(errno));
}

static void sleep_until(uint64_t t)
{
	struct timespec ts = { .tv_sec = (time_t)(t / 1000000000u), .tv_nsec = (long)(t % 1000000000u) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/*
 * The process's other threads (library workers: liburcu's call_rcu thread),
 * neither participants nor the harness's own (this thread, the watchdog):
 * their CPU and context switches from /proc at the window's edges. The
 * participants' own come from their snapshots at their edges, exact even
 * when a thread looks late (a thread that does not run spends nothing).
 */
#define MAX_OTHERS 64

struct others {
	unsigned n;
	long tid[MAX_OTHERS];
	int64_t cpu_ns[MAX_OTHERS], vcsw[MAX_OTHERS], ivcsw[MAX_OTHERS];
};

static int read_line_u64(const char *path, const char *fmt, unsigned long long *v)
{
	char line[160];
	int found = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, fmt, v) == 1;
	fclose(f);
	return found;
}

static int is_known_task(const struct sim *s, long tid, long self)
{
	if (tid == self)
		return 1;
	for (unsigned i = 0; i < s->P; i++)
		if (s->pts[i].os_tid == tid)
			return 1;
	return 0;
}

/* The name the watchdog gives itself. */
static int is_watchdog(long tid)
{
	char path[64], comm[32] = "";
	FILE *f;
	int yes;

	snprintf(path, sizeof(path), "/proc/self/task/%ld/comm", tid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	yes = fgets(comm, sizeof(comm), f) && strcmp(comm, "pollsim-wdog\n") == 0;
	fclose(f);
	return yes;
}

static void others_sample(const struct sim *s, struct others *o)
{
	long self = (long)syscall(SYS_gettid);
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;

	o->n = 0;
	if (!d)
		return;
	while (o->n < MAX_OTHERS && (e = readdir(d))) {
		long tid = strtol(e->d_name, NULL, 10);
		unsigned long long cpu = 0, v = 0, iv = 0;
		char path[300];

		if (tid <= 0 || is_known_task(s, tid, self) || is_watchdog(tid))
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%ld/schedstat", tid);
		read_line_u64(path, "%llu", &cpu);
		snprintf(path, sizeof(path), "/proc/self/task/%ld/status", tid);
		read_line_u64(path, "voluntary_ctxt_switches: %llu", &v);
		read_line_u64(path, "nonvoluntary_ctxt_switches: %llu", &iv);
		o->tid[o->n] = tid;
		o->cpu_ns[o->n] = (int64_t)cpu;
		o->vcsw[o->n] = (int64_t)v;
		o->ivcsw[o->n] = (int64_t)iv;
		o->n++;
	}
	closedir(d);
}

/* What the others spent between two samples; a thread born in between counts whole. */
static void others_delta(const struct others *a, const struct others *b, struct pollsim_result *res)
{
	for (unsigned j = 0; j < b->n; j++) {
		int64_t c = b->cpu_ns[j], v = b->vcsw[j], iv = b->ivcsw[j];

		for (unsigned i = 0; i < a->n; i++)
			if (a->tid[i] == b->tid[j]) {
				c -= a->cpu_ns[i];
				v -= a->vcsw[i];
				iv -= a->ivcsw[i];
			}
		res->process_cpu_ns += c > 0 ? (uint64_t)c : 0;
		res->process_vcsw += v > 0 ? (uint64_t)v : 0;
		res->process_ivcsw += iv > 0 ? (uint64_t)iv : 0;
	}
}

static void progress(struct sim *s, uint64_t now, uint64_t t0)
{
	uint64_t ev = 0, up = 0;

	for (unsigned i = 0; i < s->P; i++) {
		ev += atomic_load_explicit(&s->pts[i].prog_events, memory_order_relaxed);
		up += atomic_load_explicit(&s->pts[i].prog_updates, memory_order_relaxed);
	}
	fprintf(stderr, "pollsim: %s %s threads %u: %.1f/%.1f s, %llu updates, %llu events\n",
		s->ops->name, pollsim_scenario_name(s->cfg->scenario), s->cfg->threads,
		(double)(now - t0) / NS, s->cfg->duration_s, (unsigned long long)up,
		(unsigned long long)ev);
}

int pollsim_run(const struct pollsim_config *cfg, struct pollsim_result *res, char *err, size_t errlen)
{
	struct sim *s;
	unsigned created = 0;
	uint64_t t0, t_end;
	struct others *o0 = NULL, *o1 = NULL;
	const char *lerr;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	hist_init(&res->update_latency);
	hist_init(&res->time_to_safe);
	hist_init(&res->event_delay);
	hist_init(&res->reclaim_latency);
	res->cpu_ns_per_update = NAN;
	res->vcsw_per_update = NAN;
	if (sim_check_fields(cfg, NULL, err, errlen))
		return -1;

	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	s->cfg = cfg;
	s->ops = cfg->strategy;
	s->nloop = cfg->threads;
	s->P = sim_participants(cfg);
	s->stopfd = s->updfd = s->startfd = -1;
	s->wake_fd = -1;
	atomic_init(&s->gate_arrived, 0);
	atomic_init(&s->gate, 0);
	atomic_init(&s->in_loop, 0);
	atomic_init(&s->win_t0, 0);
	pthread_mutex_init(&s->reclaim_lock, NULL);
	pthread_mutex_init(&s->upd_lock, NULL);
	pthread_cond_init(&s->upd_cond, NULL);
	pthread_mutex_init(&s->stall_lock, NULL);
	init_cond_monotonic(&s->stall_cond);
	atomic_init(&s->stop, 0);
	atomic_init(&s->stop_updates, 0);
	atomic_init(&s->pending_objs, 0);
	atomic_init(&s->pending_bytes, 0);
	atomic_init(&s->table, NULL);

	/* the floors first, while this process runs nothing else */
	if (cfg->floors_budget_s > 0) {
		struct floors f;
		char ferr[256];

		if (floors_measure(&f, cfg->floors_budget_s, ferr, sizeof(ferr)) == 0) {
			res->floor_cacheline_rtt_ns = f.cacheline_rtt_ns;
			res->floor_wake_rtt_ns = f.wake_rtt_ns;
		} else {
			fprintf(stderr, "pollsim: floors not measured: %s\n", ferr);
		}
	}
	s->iters_per_us_x1000 = (uint64_t)((double)sim_calibrated_x1000() * cfg->event_cost_us / 1000.0);

	s->ev_rate = cfg->no_events		      ? 0
		     : cfg->event_rate > 0		      ? cfg->event_rate
		     : cfg->scenario == POLLSIM_SLOWCALL ? POLLSIM_SLOWCALL_EVENT_RATE
							      : POLLSIM_IDLE_EVENT_RATE;
	s->ev_period_ns = s->ev_rate > 0 ? (uint64_t)(NS / s->ev_rate) : 0;
	if (s->ev_rate > 0 && !s->ev_period_ns)
		s->ev_period_ns = 1;
	s->upd_period_ns = cfg->update_rate > 0 ? (uint64_t)(NS / cfg->update_rate) : 0;
	if (cfg->update_rate > 0 && !s->upd_period_ns)
		s->upd_period_ns = 1;
	s->burst_period_ns = (uint64_t)(POLLSIM_BURST_PERIOD_S * NS);
	res->event_rate_used = s->ev_rate;
	s->isolate_path = cfg->reclaim != SYNC_RECLAIM_DEFER && (s->ops->caps & SYNC_CAP_ISOLATE);

	res->participants = s->P;
	res->online_cpus = sim_usable_cpus();
	res->oversubscribed = s->P > res->online_cpus;

	s->cpus = calloc(s->P, sizeof(*s->cpus));
	s->pts = aligned_alloc(SYNC_CACHELINE, s->P * sizeof(*s->pts));
	s->reclaim_hist = malloc(sizeof(*s->reclaim_hist));
	o0 = calloc(2, sizeof(*o0));
	o1 = o0 + 1;
	if (!s->cpus || !s->pts || !s->reclaim_hist || !o0) {
		snprintf(err, errlen, "out of memory for %u threads", s->P);
		goto out;
	}
	memset(s->pts, 0, s->P * sizeof(*s->pts));
	hist_init(s->reclaim_hist);
	if (sim_placement_compute(s, res->placement_desc, sizeof(res->placement_desc), err, errlen))
		goto out;
	for (unsigned i = 0; i < s->P; i++) {
		struct pt *p = &s->pts[i];

		p->sim = s;
		p->tid = i;
		p->cpu = s->cpus[i];
		p->epfd = p->srcfd = -1;
		if (i >= s->nloop)
			p->role = ROLE_OUTSIDE;
		else if (s->ev_rate > 0 &&
			 (cfg->scenario == POLLSIM_SATURATED || (cfg->scenario == POLLSIM_MIXED && i % 2 == 0)))
			p->role = ROLE_SATURATED;
		else
			p->role = ROLE_IDLE;
		p->is_updater = cfg->updater == POLLSIM_UPDATER_OUTSIDE ? i == s->nloop : i == 0;
		p->stalls = cfg->stall_thread == (int)i;
		atomic_init(&p->prog_events, 0);
		atomic_init(&p->prog_updates, 0);
	}

	{
		struct sync_params sp = { .nthreads = s->P, .reclaim = cfg->reclaim };

		if (s->ops->domain_create(&sp, &s->dom, err, errlen)) {
			s->dom = NULL;
			goto out;
		}
	}
	s->wake_fd = sync_wake_fd(s->dom);
	{
		struct table *t = sim_table_new(s, cfg->table_size, 1);

		if (!t) {
			snprintf(err, errlen, "out of memory for the table");
			goto out;
		}
		atomic_store(&s->table, t);
	}
	s->stopfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	s->updfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	s->startfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (s->stopfd < 0 || s->updfd < 0 || s->startfd < 0) {
		snprintf(err, errlen, "setup phase: eventfd (simulator control) failed: %s", strerror(errno));
		goto out;
	}

	s->lc = lc_create(s->P);
	if (!s->lc) {
		snprintf(err, errlen, "out of memory for the lifecycle");
		goto out;
	}
	sim_register_callbacks(s);

	{
		struct watchdog_config wc = {
			.prog = "pollsim", .bound_s = cfg->watchdog_s, .nthreads = s->P, .dom = s->dom,
			.label = watchdog_label, .arg = s,
		};

		if (watchdog_start(&s->wd, &wc, err, errlen))
			goto out;
	}
	for (; created < s->P; created++) {
		int e;

		if (cfg->fail_phase == POLLSIM_FAIL_SPAWN && cfg->fail_thread == (int)created) {
			/* injected: refused before the call, as RLIMIT_NPROC would */
			char msg[128];

			snprintf(msg, sizeof(msg), "%s (injected, --fail=spawn:%u)", strerror(EAGAIN), created);
#ifndef POLLSIM_BREAK_SPAWN_NO_FAIL
			lc_fail(s->lc, LC_ALLOC, "pthread_create", created, msg);
#endif
			break;
		}
		e = pthread_create(&s->pts[created].th, NULL, sim_participant_main, &s->pts[created]);
		if (e) {
			/*
			 * This participant never reaches lc_thread_start: lc_fail
			 * releases the ones already waiting there (they unwind
			 * themselves), and the gate below waits only for them.
			 */
			lc_fail(s->lc, LC_ALLOC, "pthread_create", created, strerror(e));
			break;
		}
	}

	/* the gate: every created thread arrives, then all go at once (or none) */
	for (unsigned v; (v = atomic_load(&s->gate_arrived)) < created;)
		sim_futex_wait(&s->gate_arrived, (int)v);
	lerr = lc_error(s->lc);
	s->gate_go = !lerr && created == s->P;
	atomic_store(&s->gate, s->gate_go ? 1 : 2);
	sim_futex_wake_all(&s->gate);

	if (s->gate_go) {
		uint64_t next;

		/* every participant in its loop, then the window */
		for (unsigned v; (v = atomic_load(&s->in_loop)) < s->P;)
			sim_futex_wait(&s->in_loop, (int)v);
		t0 = now_ns() + WINDOW_MARGIN_NS;
		s->win_end = t0 + (uint64_t)(cfg->duration_s * NS);
		/* Release: a loop that sees t0 sees win_end. */
		atomic_store_explicit(&s->win_t0, t0, memory_order_release);
		ctl_write(s->startfd);
		sleep_until(t0);
		others_sample(s, o0);
		if (cfg->on_window_open)
			cfg->on_window_open(cfg->on_window_open_arg);
		for (next = t0 + 1000000000u; next < s->win_end; next += 1000000000u) {
			sleep_until(next);
			if (!cfg->quiet)
				progress(s, next, t0);
		}
		sleep_until(s->win_end);
		others_sample(s, o1);
		t_end = now_ns();
		res->wall_s = (double)(s->win_end - t0) / NS;
		if (cfg->stop_delay_s > 0)
			sleep_until(t_end + (uint64_t)(cfg->stop_delay_s * NS));
		/*
		 * Bounds the stop: a stop that never ends is reported, not
		 * waited for. The bound grows with the participants (each must
		 * be scheduled to leave its loop and run DEINIT/FREE, slow on a
		 * loaded, oversubscribed machine) but stays finite.
		 */
		{
			uint64_t bound = stop_bound_ns(s);
			char how[128];

			snprintf(how, sizeof(how), "2 x --watchdog + 5 s + %.3f s per participant x %u",
				 POLLSIM_STOP_NS_PER_PARTICIPANT / NS, s->P);
			watchdog_stop_by(s->wd, t_end + bound, bound, how);
		}

		/* phase 1: no more updates; the updater finishes and says so */
		atomic_store(&s->stop_updates, 1);
		pthread_mutex_lock(&s->stall_lock);
		pthread_cond_broadcast(&s->stall_cond);
		pthread_mutex_unlock(&s->stall_lock);
		ctl_write(s->updfd);
		pthread_mutex_lock(&s->upd_lock);
		while (!s->updates_done)
			pthread_cond_wait(&s->upd_cond, &s->upd_lock);
		pthread_mutex_unlock(&s->upd_lock);

		/* phase 2: everybody leaves the loop */
		atomic_store(&s->stop, 1);
		ctl_write(s->stopfd);
	}
	for (unsigned i = 0; i < created; i++)
		pthread_join(s->pts[i].th, NULL);

	watchdog_stop(s->wd);
	s->wd = NULL;

	lerr = lc_error(s->lc);
	if (lerr) {
		snprintf(err, errlen, "%s", lerr);
		goto out;
	}
	if (!s->gate_go) {
		snprintf(err, errlen, "the run did not start");
		goto out;
	}

	sim_collect(s, res);
	others_delta(o0, o1, res);
	if (res->updates_skipped)
		fprintf(stderr, "pollsim: warning: %llu of %llu updates skipped: out of memory for a table copy "
			"(updates_skipped in SUMMARY)\n", (unsigned long long)res->updates_skipped,
			(unsigned long long)(res->updates + res->updates_skipped));
	rc = 0;
out:
	free(o0);
	sim_free(s);
	return rc;
}
