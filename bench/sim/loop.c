/*
 * loop.c - a participant's thread: the start gate, then the loop.
 *
 * One iteration: sync_loop_epoll (poll_enter, epoll_wait, poll_leave:
 * strategies/loop.h); the window check (sim_window); classify the return:
 * sync (the wake_fd is among the ready fds; then loop_woken), else event (own
 * event source), else control (the simulator's start and stop), timeout (0
 * fds: a saturated thread's poll found nothing), EINTR; the due events, each
 * inside read_begin/read_end (an idle thread handles at most MAX_BATCH per
 * iteration, as a real server bounds its batch); an update if one is due on
 * this thread; loop_end. Event delay is handling start - scheduled time (open
 * loop); a saturated thread's event is due when its previous one ends, and a
 * gap longer than its own pace counts the events it delayed (see
 * sim_record_delay). t->doing / doing_since_ns follow the thread (polling,
 * event, update, loop) for the watchdog. Every participant sets
 * PR_SET_TIMERSLACK to 1 ns: the default 50 us slack would otherwise dominate
 * every wake-up latency measured here.
 *
 * The measured window: a thread enters its loop with nothing scheduled and
 * says so (in_loop); once every participant has, the main thread publishes
 * the window [win_t0, win_end), win_t0 a margin ahead, and writes the start
 * fd, which wakes each sleeping loop once. Each thread then schedules its
 * events and updates from win_t0, zeroes its counts as it first looks at the
 * clock at or after win_t0, and copies them to at_close as it first looks at
 * or after win_end: an event counts if its handling started inside the
 * window, an update if it was scheduled there and begun before it closed
 * (the ones still due then are counted as updates_unstarted). A saturated
 * thread handles (uncounted) events before the window, so that every loop is
 * busy when it opens; after it, no loop handles events any more and each
 * sleeps until the stop (a saturated one drains its event source), so that
 * the updater's last update and the stop are not starved by loops whose work
 * no longer counts.
 *
 * Deliberate breaks for the tests: POLLSIM_BREAK_CLASSIFY, every epoll return
 * with a ready fd counts as a sync wakeup (pollsim_wakeups_test must fail);
 * POLLSIM_BREAK_COUNT_AFTER_WINDOW, the window never closes before the loop
 * ends, so the stop's events are counted (pollsim_window_test must fail).
 */
#include "bench/sim/sim_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "strategies/loop.h"

#ifdef POLLSIM_STUB_POLL
/*
 * loop_floor_stub_bench only: a saturated thread's poll before and inside the
 * window is this call, which reports the thread's event source ready (what
 * its epoll_wait(0) returns) without entering the kernel, so that the loop's
 * own cost per iteration is measured without the syscall's noise. Not
 * inlined, as the libc call it stands for is not.
 */
__attribute__((noinline)) int sim_stub_poll(void *arg)
{
	struct sync_epoll_args *a = arg;

	__asm__ volatile("" ::: "memory");
	a->evs[0].events = EPOLLIN;
	a->evs[0].data.u32 = TAG_SRC;
	return 1;
}
#endif

static void drain(int fd)
{
	uint64_t v;

	while (read(fd, &v, sizeof(v)) == (ssize_t)sizeof(v))
		;
}

static void usage_now(uint64_t *cpu, uint64_t *vcsw, uint64_t *ivcsw)
{
	struct rusage ru;

	getrusage(RUSAGE_THREAD, &ru);
	*cpu = thread_cpu_ns();
	*vcsw = (uint64_t)ru.ru_nvcsw;
	*ivcsw = (uint64_t)ru.ru_nivcsw;
}

static void window_close(struct pt *p)
{
	uint64_t cpu, vcsw, ivcsw;

	usage_now(&cpu, &vcsw, &ivcsw);
	p->n.cpu_ns = cpu - p->cpu0;
	p->n.vcsw = vcsw - p->vcsw0;
	p->n.ivcsw = ivcsw - p->ivcsw0;
	p->at_close = p->n;
	p->in_window = 2;
}

int sim_window_edge(struct pt *p, uint64_t now)
{
	struct sim *s = p->sim;

	if (p->in_window == 0) {
		/* Acquire: pairs with the main thread's release store; win_end is set before. */
		uint64_t t0 = atomic_load_explicit(&s->win_t0, memory_order_acquire);

		if (!t0)
			return 0;
		if (!p->scheduled) {
			sim_schedule_start(p, t0);
			p->scheduled = 1;
		}
		if (now < t0)
			return 0;
		memset(&p->n, 0, sizeof(p->n));
		for (int i = 0; i < 3; i++)
			hist_init(&p->hists[i]);
		usage_now(&p->cpu0, &p->vcsw0, &p->ivcsw0);
		p->in_window = 1;
	}
#ifndef POLLSIM_BREAK_COUNT_AFTER_WINDOW
	if (p->in_window == 1 && now >= s->win_end)
		window_close(p);
#endif
	return p->in_window == 1;
}

/* A saturated thread's pace: the median of its first SAT_CALIB iterations (called until it is known). */
static void sat_time(struct pt *p, uint64_t start)
{
	if (!p->prev_start) {
		p->prev_start = start;
		return;
	}
	p->sat_gap[p->sat_ngap++] = start - p->prev_start;
	p->prev_start = start;
	if (p->sat_ngap < SAT_CALIB)
		return;
	for (unsigned a = 1; a < SAT_CALIB; a++)
		for (unsigned b = a; b > 0 && p->sat_gap[b - 1] > p->sat_gap[b]; b--) {
			uint64_t t = p->sat_gap[b];

			p->sat_gap[b] = p->sat_gap[b - 1];
			p->sat_gap[b - 1] = t;
		}
	p->sat_iter_ns = p->sat_gap[SAT_CALIB / 2] ? p->sat_gap[SAT_CALIB / 2] : 1;
}

static void finish_updates(struct pt *p)
{
	struct sim *s = p->sim;

	sync_set_doing(p->st, SYNC_DOING_UPDATE);
	/*
	 * Due inside the window but not begun before it closed (an updater
	 * that fell behind): counted, not applied, so that the stop does not
	 * grow with the backlog and no latency is taken past the window.
	 */
	for (; p->next_upd < s->win_end; p->next_upd += gap(p, s->upd_period_ns))
		p->at_close.updates_unstarted++;
	if (s->cfg->reclaim == SYNC_RECLAIM_DEFER)
		sync_barrier(p->st);
	p->upd_finished = 1;
	pthread_mutex_lock(&s->upd_lock);
	s->updates_done = 1;
	pthread_cond_broadcast(&s->upd_cond);
	pthread_mutex_unlock(&s->upd_lock);
}

static void run_loop(struct pt *p)
{
	struct sim *s = p->sim;
	struct sync_thread *st = p->st;
	struct epoll_event evs[8];
	int events_on = s->ev_rate > 0 && p->role != ROLE_OUTSIDE;

	/* nothing is due before the window's schedule is known */
	p->next_ev = p->next_burst = p->next_upd = p->stall_at = UINT64_MAX;
	p->armed = 0;
	atomic_fetch_add(&s->in_loop, 1);
	sim_futex_wake_all(&s->in_loop);

	for (;;) {
		int n, err, sync = 0, src = 0, ctl = 0, start = 0, counting;
		/* a saturated thread before and inside the window: polls without sleeping */
		int busy = p->role == ROLE_SATURATED && p->in_window != 2;
		uint64_t now;

		if (p->role != ROLE_SATURATED)
			sim_arm_timer(p); /* a saturated thread polls with timeout 0: no timer */
		sync_set_doing(st, SYNC_DOING_POLLING);
#ifdef POLLSIM_STUB_POLL
		if (busy) {
			struct sync_epoll_args a = { .epfd = p->epfd, .max = 8, .timeout_ms = 0, .evs = evs };

			n = sync_loop_poll(st, sim_stub_poll, &a);
		} else
#endif
			n = sync_loop_epoll(st, p->epfd, evs, 8, busy ? 0 : -1);
		err = n < 0 ? -n : 0;
		if (atomic_load(&s->stop))
			break;
		now = now_ns();
		counting = sim_window(p, now);
		p->stop_wakeups += p->in_window == 2;
		if (p->in_window == 2 && events_on) {
			/* past the window: no more events, sleep until the stop */
			events_on = 0;
			if (p->role == ROLE_SATURATED)
				drain(p->srcfd);
		}

		for (int i = 0; i < n; i++) {
			if (evs[i].data.u32 == TAG_WAKE)
				sync = 1;
			else if (evs[i].data.u32 == TAG_SRC)
				src = 1;
			else if (evs[i].data.u32 == TAG_START)
				start = 1; /* counted as control; nothing to drain */
			else
				ctl = 1;
		}
#ifdef POLLSIM_BREAK_CLASSIFY
		/* deliberate break (pollsim_wakeups_test_catches_*): blame every ready fd on the strategy */
		int blame_sync = n > 0;
#else
		int blame_sync = sync;
#endif
		if (n < 0) {
			if (err != EINTR) {
				fprintf(stderr, "pollsim: thread %u: epoll_wait: %s\n", p->tid, strerror(err));
				abort();
			}
			/* A strategy that signals sleepers (urcu_signal) caused this return. */
			if (p->sim->ops->caps & SYNC_CAP_INTERRUPTS_SLEEPERS)
				p->n.w_sync += (uint64_t)counting;
			else
				p->n.w_eintr += (uint64_t)counting;
		} else if (n == 0) {
			p->n.w_timeout += (uint64_t)counting;
		} else if (blame_sync) {
			p->n.w_sync += (uint64_t)counting;
		} else if (src) {
			p->n.w_event += (uint64_t)counting;
		} else {
			/* the simulator's own: the window's start, the end of updates, the stop */
			p->n.w_ctl += (uint64_t)(counting && (ctl || start));
		}
		if (sync)
			sync_loop_woken(st);
		/*
		 * Only the updater has updfd; stopfd is never drained. Another
		 * thread draining updfd would steal the updater's end-of-updates
		 * wakeup and hang the stop.
		 */
		if (ctl && p->is_updater)
			drain(s->updfd);
		if (src && p->role != ROLE_SATURATED) {
			drain(p->srcfd);
			p->armed = 0; /* expired: re-arm even at the same deadline */
		}

		/*
		 * A saturated thread that only classified its poll's return
		 * keeps the clock read after the poll (a clock read is about
		 * 30 ns on a VM, against 0.2 us events); after a drain or the
		 * strategy's woken hook, the time is read again (and the
		 * window checked at it).
		 */
		int reread = p->role != ROLE_SATURATED || sync || ctl;

		if (reread)
			now = now_ns();
		if (events_on && p->role == ROLE_SATURATED && src) {
			sync_set_doing(st, SYNC_DOING_EVENT);
			/* the window was checked at this very time after the poll */
			if (reread)
				sim_window(p, now);
			if (!p->sat_iter_ns)
				sat_time(p, now); /* until it knows its pace */
			sim_handle_event(p, p->prev_end ? now - p->prev_end : UINT64_MAX);
			p->prev_end = now_ns();
		} else if (events_on && p->role == ROLE_IDLE && sim_next_event_time(p) <= now) {
			sync_set_doing(st, SYNC_DOING_EVENT);
			for (int k = 0; k < MAX_BATCH && sim_next_event_time(p) <= now; k++) {
				uint64_t sched = sim_take_event(p);

				sim_window(p, now);
				sim_handle_event(p, now - sched);
				now = now_ns();
			}
		}
		if (p->stalls && now >= p->stall_at)
			sim_stall(p);

		if (p->is_updater && !p->upd_finished) {
			if (atomic_load(&s->stop_updates)) {
				finish_updates(p);
			} else if (now >= p->next_upd && sim_window(p, now)) {
				uint64_t sched = p->next_upd;

				p->next_upd += gap(p, s->upd_period_ns);
				/* only updates scheduled inside the window */
				if (p->next_upd >= s->win_end)
					p->next_upd = UINT64_MAX;
				sim_update(p, sched);
			}
		}
		sync_set_doing(st, SYNC_DOING_LOOP);
		sync_loop_end(st);
	}
	sync_set_doing(st, SYNC_DOING_EXITING);
	/* asleep across the end (or, broken, never closed): close now */
	sim_window(p, now_ns());
	if (p->in_window == 1)
		window_close(p);
}

void *sim_participant_main(void *arg)
{
	struct pt *p = arg;
	struct sim *s = p->sim;
	char name[16];
	int rc, go;

	atomic_store(&p->os_tid, (long)syscall(SYS_gettid));
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	snprintf(name, sizeof(name), "pollsim-%u", p->tid);
	pthread_setname_np(pthread_self(), name);

	rc = lc_thread_start(s->lc, p->tid);
	atomic_fetch_add(&s->gate_arrived, 1);
	sim_futex_wake_all(&s->gate_arrived);
	if (rc != 0)
		return NULL; /* the lifecycle unwound this thread already */
	while ((go = atomic_load(&s->gate)) == 0)
		sim_futex_wait(&s->gate, 0);
	if (go == 1)
		run_loop(p);
	sync_set_doing(p->st, SYNC_DOING_EXITED);
	lc_thread_stop(s->lc, p->tid);
	return NULL;
}
