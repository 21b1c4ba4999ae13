/*
 * events.c - when each participant has something to do: its events (fixed
 * period, thread i phase-shifted by i/threads of it, or Poisson gaps), the
 * bursts of the bursty scenario (POLLSIM_BURST_EVENTS on every thread at once),
 * its updates (first one a period after the window opens, the last one
 * scheduled before it closes) and the injected stall;
 * and the absolute timerfd that wakes it at the earliest of them.
 *
 * Deliberate break for the tests: POLLSIM_BREAK_TIMER_AFTER_WINDOW, deadlines
 * stay armed past the window, where nothing consumes them, so the loops spin
 * through the stop (pollsim_window_test must fail).
 *
 * The injected stall (--stall=T:MS): POLLSIM_STALL_AT_S after the start, loop
 * thread T enters a read section and stays there MS milliseconds (inf: until
 * updates end), doing "event", so that a strategy's updates wait for it.
 */
#include "bench/sim/sim_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>

#include "strategies/loop.h"

/* The first deadlines, from the window's opening t0. */
void sim_schedule_start(struct pt *p, uint64_t t0)
{
	struct sim *s = p->sim;
	const struct pollsim_config *c = s->cfg;
	int events_on = s->ev_rate > 0 && p->role != ROLE_OUTSIDE;

	p->rng = c->seed ^ (0x100000001b3ull * (p->tid + 1));
	splitmix64(&p->rng);
	p->next_ev = p->next_burst = p->next_upd = p->stall_at = UINT64_MAX;
	p->armed = 0;
	if (events_on && p->role == ROLE_IDLE) {
		if (c->arrival == POLLSIM_ARRIVAL_POISSON)
			p->next_ev = t0 + exp_gap(&p->rng, s->ev_period_ns);
		else
			p->next_ev = t0 + s->ev_period_ns + s->ev_period_ns * p->tid / s->nloop;
		if (c->scenario == POLLSIM_BURSTY)
			p->next_burst = t0 + s->burst_period_ns;
	}
	if (p->is_updater && c->update_rate > 0)
		p->next_upd = t0 + gap(p, s->upd_period_ns);
	if (p->next_upd >= s->win_end)
		p->next_upd = UINT64_MAX; /* only updates scheduled inside the window */
	if (p->stalls)
		p->stall_at = t0 + (uint64_t)(POLLSIM_STALL_AT_S * NS);
}

/* Earliest scheduled event of an idle-role thread (UINT64_MAX: none). */
uint64_t sim_next_event_time(const struct pt *p)
{
	uint64_t t = p->next_ev;

	if (p->burst_left) {
		if (p->burst_at < t)
			t = p->burst_at;
	} else if (p->next_burst < t) {
		t = p->next_burst;
	}
	return t;
}

/* Takes the earliest scheduled event; returns its scheduled time. */
uint64_t sim_take_event(struct pt *p)
{
	uint64_t sched;

	if (!p->burst_left && p->next_burst <= p->next_ev) {
		p->burst_at = p->next_burst;
		p->burst_left = POLLSIM_BURST_EVENTS;
		p->next_burst += p->sim->burst_period_ns;
	}
	if (p->burst_left && p->burst_at <= p->next_ev) {
		p->burst_left--;
		return p->burst_at;
	}
	sched = p->next_ev;
	p->next_ev += gap(p, p->sim->ev_period_ns);
	return sched;
}

void sim_stall(struct pt *p)
{
	struct sim *s = p->sim;
	double ms = s->cfg->stall_ms;
	uint64_t until = isinf(ms) ? UINT64_MAX : now_ns() + (uint64_t)(ms * 1e6);
	struct timespec ts;

	if (isinf(ms))
		fprintf(stderr, "pollsim: thread %u stalls inside a read section for inf ms (--stall)\n",
			p->tid);
	else
		fprintf(stderr, "pollsim: thread %u stalls inside a read section for %g ms (--stall)\n",
			p->tid, ms);
	sync_set_doing(p->st, SYNC_DOING_EVENT);
	sync_read_begin(p->st);
	/* Holds a reference, as a real stuck reader does (hazard pointers publish it). */
	(void)sync_deref(p->st, (void *_Atomic *)&s->table);
	pthread_mutex_lock(&s->stall_lock);
	while (!atomic_load(&s->stop_updates)) {
		if (until == UINT64_MAX) {
			pthread_cond_wait(&s->stall_cond, &s->stall_lock);
			continue;
		}
		if (now_ns() >= until)
			break;
		ts.tv_sec = (time_t)(until / 1000000000u);
		ts.tv_nsec = (long)(until % 1000000000u);
		pthread_cond_timedwait(&s->stall_cond, &s->stall_lock, &ts);
	}
	pthread_mutex_unlock(&s->stall_lock);
	sync_read_end(p->st);
	p->stalls = 0;
}

void sim_arm_timer(struct pt *p)
{
	uint64_t d = UINT64_MAX;
	struct itimerspec its;

	/*
	 * Past the window nothing more is handled (loop.c): a deadline left
	 * armed there would fire at once, again and again.
	 */
	int open = p->in_window != 2;

#ifdef POLLSIM_BREAK_TIMER_AFTER_WINDOW
	open = 1; /* deliberate break: deadlines stay armed past the window */
#endif
	if (p->role == ROLE_IDLE && p->sim->ev_rate > 0 && open)
		d = sim_next_event_time(p);
	if (p->is_updater && !p->upd_finished && open && p->next_upd < d)
		d = p->next_upd;
	if (p->stalls && p->stall_at < d)
		d = p->stall_at;
	if (d == p->armed)
		return;
	memset(&its, 0, sizeof(its));
	if (d != UINT64_MAX) {
		its.it_value.tv_sec = (time_t)(d / 1000000000u);
		its.it_value.tv_nsec = (long)(d % 1000000000u);
		if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
			its.it_value.tv_nsec = 1;
	}
	if (timerfd_settime(p->srcfd, TFD_TIMER_ABSTIME, &its, NULL)) {
		fprintf(stderr, "pollsim: thread %u: timerfd_settime: %s\n", p->tid, strerror(errno));
		abort();
	}
	p->armed = d;
}
