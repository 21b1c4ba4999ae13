/*
 * watchdog.c - a thread that scans dom->threads[] (only threads between the
 * end of their INIT and their FREE, under wd_lock, so it never reads freed
 * memory). When a wait exceeds --watchdog seconds, or the stop takes far too
 * long (over 2 x --watchdog + 5 s + POLLSIM_STOP_NS_PER_PARTICIPANT per
 * participant after the end: a hang guard that scales with the threads to
 * stop, so a loaded 64-thread run is not mistaken for a stuck one), it prints
 * which threads hold the run up and what each was doing, then the strategy's
 * dump(), and exits the process with status 3.
 *
 * Deliberate break for the tests: POLLSIM_BREAK_WATCHDOG, no wait is ever
 * seen (pollsim_watchdog_test must fail).
 */
#include "bench/sim/sim_internal.h"

#include <stdio.h>
#include <unistd.h>

/* Prints the report (wd_lock held) and exits with status 3. */
static _Noreturn void watchdog_fire(struct sim *s, const char *why)
{
	uint64_t now = now_ns();
	unsigned holders[POLLSIM_MAX_THREADS + 1], nh = 0;

	fprintf(stderr, "pollsim: watchdog: %s\n", why);
	for (unsigned i = 0; i < s->P; i++) {
		struct pt *p = &s->pts[i];
		int d;

		if (!p->watched)
			continue;
		d = atomic_load_explicit(&p->st->doing, memory_order_relaxed);
		if (atomic_load_explicit(&p->st->wait_since_ns, memory_order_relaxed) == 0 &&
		    (d == SYNC_DOING_EVENT || d == SYNC_DOING_UPDATE || d == SYNC_DOING_LOOP ||
		     d == SYNC_DOING_STARTING))
			holders[nh++] = i;
	}
	/* longest first */
	for (unsigned a = 1; a < nh; a++)
		for (unsigned b = a; b > 0; b--) {
			uint64_t x = atomic_load_explicit(&s->pts[holders[b - 1]].st->doing_since_ns,
							  memory_order_relaxed);
			uint64_t y = atomic_load_explicit(&s->pts[holders[b]].st->doing_since_ns,
							  memory_order_relaxed);
			unsigned tmp;

			if (x <= y)
				break;
			tmp = holders[b];
			holders[b] = holders[b - 1];
			holders[b - 1] = tmp;
		}
	fprintf(stderr, "pollsim: watchdog: holding it up (running, not waiting, not in the poller), longest first:");
	if (!nh)
		fprintf(stderr, " none found (every thread waits or polls)");
	for (unsigned k = 0; k < nh; k++) {
		struct sync_thread *t = s->pts[holders[k]].st;
		uint64_t since = atomic_load_explicit(&t->doing_since_ns, memory_order_relaxed);

		fprintf(stderr, "%s thread %u (%s for %.3f s)", k ? "," : "", holders[k],
			sync_doing_name(atomic_load_explicit(&t->doing, memory_order_relaxed)),
			since && since < now ? (double)(now - since) / NS : 0.0);
	}
	fprintf(stderr, "\n");
	for (unsigned i = 0; i < s->P; i++) {
		struct pt *p = &s->pts[i];
		struct sync_thread *t;
		uint64_t since, ws;

		if (!p->watched) {
			fprintf(stderr, "pollsim: watchdog: thread %u (%s): not running\n", i, sim_role_names[p->role]);
			continue;
		}
		t = p->st;
		since = atomic_load_explicit(&t->doing_since_ns, memory_order_relaxed);
		ws = atomic_load_explicit(&t->wait_since_ns, memory_order_relaxed);
		fprintf(stderr, "pollsim: watchdog: thread %u (%s%s): doing %s for %.3f s; ", i,
			sim_role_names[p->role], p->is_updater ? ", updater" : "",
			sync_doing_name(atomic_load_explicit(&t->doing, memory_order_relaxed)),
			since && since < now ? (double)(now - since) / NS : 0.0);
		if (ws)
			fprintf(stderr, "waiting (%s) for %.3f s\n",
				sync_wait_kind_name(atomic_load_explicit(&t->wait_kind, memory_order_relaxed)),
				ws < now ? (double)(now - ws) / NS : 0.0);
		else
			fprintf(stderr, "not waiting\n");
	}
	fprintf(stderr, "pollsim: watchdog: the strategy's view (%s dump):\n", s->ops->name);
	s->ops->dump(s->dom, stderr);
	fprintf(stderr, "pollsim: watchdog: giving up: the run is stuck (exit status 3)\n");
	fflush(stderr);
	fflush(stdout);
	_exit(3);
}

/* How long after its end a run may take to stop (see POLLSIM_STOP_NS_PER_PARTICIPANT). */
uint64_t sim_stop_bound_ns(const struct sim *s)
{
	return (uint64_t)((2 * s->cfg->watchdog_s + 5) * NS) + (uint64_t)s->P * POLLSIM_STOP_NS_PER_PARTICIPANT;
}

void *sim_watchdog_main(void *arg)
{
	struct sim *s = arg;
	uint64_t bound = (uint64_t)(s->cfg->watchdog_s * NS);
	uint64_t period = bound / 20;
	char why[256];

	if (period > 50000000u)
		period = 50000000u;
	if (period < 1000000u)
		period = 1000000u;
	pthread_setname_np(pthread_self(), "pollsim-wdog");
	pthread_mutex_lock(&s->wd_lock);
	while (!s->wd_stop) {
		uint64_t now = now_ns(), next = now + period, dl;
		struct timespec ts;

		for (unsigned i = 0; i < s->P; i++) {
			struct pt *p = &s->pts[i];
			uint64_t ws;

			if (!p->watched)
				continue;
			ws = atomic_load_explicit(&p->st->wait_since_ns, memory_order_relaxed);
#ifdef POLLSIM_BREAK_WATCHDOG
			ws = 0; /* deliberate break: no wait is ever seen */
#endif
			if (ws && now > ws && now - ws > bound) {
				snprintf(why, sizeof(why),
					 "thread %u has waited (%s) for %.3f s, more than the %.3f s bound (--watchdog)",
					 i,
					 sync_wait_kind_name(atomic_load_explicit(&p->st->wait_kind,
										  memory_order_relaxed)),
					 (double)(now - ws) / NS, s->cfg->watchdog_s);
				watchdog_fire(s, why);
			}
		}
		dl = atomic_load_explicit(&s->shutdown_deadline_ns, memory_order_relaxed);
		if (dl && now > dl) {
			snprintf(why, sizeof(why),
				 "the run did not stop within %.3f s of its end (bound %.3f s: 2 x --watchdog + 5 s "
				 "+ %.3f s per participant x %u; no strategy wait over the bound)",
				 (double)(now - dl + sim_stop_bound_ns(s)) / NS, (double)sim_stop_bound_ns(s) / NS,
				 POLLSIM_STOP_NS_PER_PARTICIPANT / NS, s->P);
			watchdog_fire(s, why);
		}
		ts.tv_sec = (time_t)(next / 1000000000u);
		ts.tv_nsec = (long)(next % 1000000000u);
		pthread_cond_timedwait(&s->wd_cond, &s->wd_lock, &ts);
	}
	pthread_mutex_unlock(&s->wd_lock);
	return NULL;
}
