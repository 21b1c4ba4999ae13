/*
 * loop.c - a participant's thread: the start gate, then the loop.
 *
 * One iteration: sync_loop_epoll (poll_enter, epoll_wait, poll_leave:
 * strategies/loop.h); classify the return: sync (the wake_fd is among the
 * ready fds; then loop_woken), else event (own event source), else control
 * (the simulator's stop), timeout (0 fds: a saturated thread's poll found
 * nothing), EINTR; the due events, each inside read_begin/read_end (an idle
 * thread handles at most MAX_BATCH per iteration, as a real server bounds its
 * batch); an update if one is due on this thread; loop_end. Event delay is
 * handling start - scheduled time (open loop), and for a saturated thread the
 * gap since the end of its previous event. t->doing / doing_since_ns follow
 * the thread (polling, event, update, loop) for the watchdog. Every
 * participant sets PR_SET_TIMERSLACK to 1 ns: the default 50 us slack would
 * otherwise dominate every wake-up latency measured here.
 *
 * Deliberate break for the tests: POLLSIM_BREAK_CLASSIFY, every epoll return
 * with a ready fd counts as a sync wakeup (pollsim_wakeups_test must fail).
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

static void drain(int fd)
{
	uint64_t v;

	while (read(fd, &v, sizeof(v)) == (ssize_t)sizeof(v))
		;
}

static void finish_updates(struct pt *p)
{
	struct sim *s = p->sim;

	sync_set_doing(p->st, SYNC_DOING_UPDATE);
	if (s->cfg->reclaim == SYNC_RECLAIM_DEFER)
		sync_barrier(p->st);
	p->upd_finished = 1;
	pthread_mutex_lock(&s->upd_lock);
	s->updates_done = 1;
	pthread_cond_broadcast(&s->upd_cond);
	pthread_mutex_unlock(&s->upd_lock);
}

static void run_loop(struct pt *p, uint64_t t0)
{
	struct sim *s = p->sim;
	struct sync_thread *st = p->st;
	struct epoll_event evs[8];
	struct rusage ru0, ru1;
	uint64_t cpu0 = thread_cpu_ns();
	int events_on = s->ev_rate > 0 && p->role != ROLE_OUTSIDE;

	getrusage(RUSAGE_THREAD, &ru0);
	sim_schedule_start(p, t0);

	for (;;) {
		int n, err, sync = 0, src = 0, ctl = 0;
		uint64_t now;

		sim_arm_timer(p);
		sync_set_doing(st, SYNC_DOING_POLLING);
		n = sync_loop_epoll(st, p->epfd, evs, 8, p->role == ROLE_SATURATED ? 0 : -1);
		err = n < 0 ? -n : 0;
		if (atomic_load(&s->stop))
			break;

		for (int i = 0; i < n; i++) {
			if (evs[i].data.u32 == TAG_WAKE)
				sync = 1;
			else if (evs[i].data.u32 == TAG_SRC)
				src = 1;
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
			p->w_eintr++;
		} else if (n == 0) {
			p->w_timeout++;
		} else if (blame_sync) {
			p->w_sync++;
		} else if (src) {
			p->w_event++;
		} else {
			p->w_ctl++;
		}
		if (sync)
			sync_loop_woken(st);
		if (ctl)
			drain(s->updfd); /* only the updater has it; stopfd is never drained */
		if (src && p->role != ROLE_SATURATED) {
			drain(p->srcfd);
			p->armed = 0; /* expired: re-arm even at the same deadline */
		}

		now = now_ns();
		if (events_on && p->role == ROLE_SATURATED && src) {
			sync_set_doing(st, SYNC_DOING_EVENT);
			sim_handle_event(p, p->prev_end ? now - p->prev_end : UINT64_MAX);
			p->prev_end = now_ns();
		} else if (events_on && p->role == ROLE_IDLE && sim_next_event_time(p) <= now) {
			sync_set_doing(st, SYNC_DOING_EVENT);
			for (int k = 0; k < MAX_BATCH && sim_next_event_time(p) <= now; k++) {
				uint64_t sched = sim_take_event(p);

				sim_handle_event(p, now - sched);
				now = now_ns();
			}
		}
		if (p->stalls && now >= p->stall_at)
			sim_stall(p);

		if (p->is_updater && !p->upd_finished) {
			if (atomic_load(&s->stop_updates)) {
				finish_updates(p);
			} else if (now >= p->next_upd) {
				uint64_t sched = p->next_upd;

				p->next_upd += gap(p, s->upd_period_ns);
				sim_update(p, sched);
			}
		}
		sync_set_doing(st, SYNC_DOING_LOOP);
		sync_loop_end(st);
	}
	sync_set_doing(st, SYNC_DOING_EXITING);
	getrusage(RUSAGE_THREAD, &ru1);
	p->cpu_ns = thread_cpu_ns() - cpu0;
	p->vcsw = (uint64_t)(ru1.ru_nvcsw - ru0.ru_nvcsw);
	p->ivcsw = (uint64_t)(ru1.ru_nivcsw - ru0.ru_nivcsw);
}

void *sim_participant_main(void *arg)
{
	struct pt *p = arg;
	struct sim *s = p->sim;
	char name[16];
	int rc, go;
	uint64_t t0;

	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	snprintf(name, sizeof(name), "pollsim-%u", p->tid);
	pthread_setname_np(pthread_self(), name);

	rc = lc_thread_start(s->lc, p->tid);
	pthread_mutex_lock(&s->gate_lock);
	s->gate_arrived++;
	pthread_cond_broadcast(&s->gate_cond);
	while (rc == 0 && !s->gate_go && !s->gate_abort)
		pthread_cond_wait(&s->gate_cond, &s->gate_lock);
	go = s->gate_go;
	t0 = s->t0;
	pthread_mutex_unlock(&s->gate_lock);
	if (rc != 0)
		return NULL; /* the lifecycle unwound this thread already */
	if (go)
		run_loop(p, t0);
	sync_set_doing(p->st, SYNC_DOING_EXITED);
	lc_thread_stop(s->lc, p->tid);
	return NULL;
}
