/*
 * workload.c - the shared state every event reads and every update changes.
 *
 * A "table of servers" reached through one _Atomic(struct table *). A read
 * walks every entry and checks that all carry the table's generation (else a
 * torn read) and that the table was not poisoned (handed to free: a poisoned
 * read). Fields are relaxed atomics, so the unsafe `none` baseline races
 * without undefined behaviour under TSAN. An event is one read section
 * around the walk plus its calibrated CPU, as a handler works on the server it
 * looked up. An update, by loop thread 0 or the outside thread:
 *   reclaim=defer:               copy, modify, publish (exchange),
 *                                defer_free(old, poison and free); pending
 *                                objects/bytes tracked (peak reported);
 *   else caps & SYNC_CAP_ISOLATE: isolate; modify in place; release;
 *   else (SYNC_CAP_SYNCHRONIZE): copy, modify, publish, synchronize, poison
 *                                and free the old version.
 * The figures, every one from the update's SCHEDULED time (open loop):
 *   update latency  -> the new state is what every later reader sees and the
 *                      updater's thread goes on: release() returned
 *                      (exclusive) or the new version published (grace);
 *   reclaim latency -> the old version freed (grace only: after
 *                      synchronize() in sync mode; in defer mode when the
 *                      deferred free really runs, on whatever thread);
 * and time to safe, the time spent inside isolate() or synchronize() (request
 * -> alone, or -> grace period over; not measured in defer mode).
 * With updates_noop (the baseline) the updater wakes on the same schedule but
 * applies nothing: the run differs from a real one only by the updates' work.
 *
 * Deliberate breaks for the tests (pollsim_figures_test must fail):
 * POLLSIM_BREAK_DEFER_RECLAIM_AT_CALL, defer's reclaim latency taken when
 * defer_free() returns; POLLSIM_BREAK_SATURATED_CLOSED_LOOP, a saturated
 * thread's gap recorded once, not as every event it delayed.
 */
#include "bench/sim/sim_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strategies/loop.h"

static size_t table_bytes(unsigned size)
{
	return sizeof(struct table) + (size_t)size * sizeof(struct table_entry);
}

struct table *sim_table_new(struct sim *s, unsigned size, uint64_t gen)
{
	struct table *t = malloc(table_bytes(size));

	if (!t)
		return NULL;
	atomic_init(&t->gen, gen);
	atomic_init(&t->poison, 0);
	t->sim = s;
	t->deferred = 0;
	t->retired_sched = 0;
	t->size = size;
	for (unsigned i = 0; i < size; i++) {
		atomic_init(&t->e[i].gen, gen);
		atomic_init(&t->e[i].weight, gen * 31 + i);
	}
	return t;
}

/* Poisons then frees a table: a reader that still sees it counts a poisoned read. */
static void table_poison_free(void *arg)
{
	struct table *t = arg;
	struct sim *s = t->sim;

	atomic_store_explicit(&t->poison, POISON, memory_order_relaxed);
	for (unsigned i = 0; i < t->size; i++)
		atomic_store_explicit(&t->e[i].gen, POISON, memory_order_relaxed);
	if (t->deferred) {
		/* Relaxed: counters for the report, read after barrier()/join. */
		atomic_fetch_sub_explicit(&s->pending_objs, 1, memory_order_relaxed);
		atomic_fetch_sub_explicit(&s->pending_bytes, (int64_t)table_bytes(t->size),
					  memory_order_relaxed);
	}
	if (t->retired_sched) {
		/* any thread may free (liburcu's call_rcu thread too): one lock */
		uint64_t lat = now_ns() - t->retired_sched;

		pthread_mutex_lock(&s->reclaim_lock);
		hist_record(s->reclaim_hist, lat);
		pthread_mutex_unlock(&s->reclaim_lock);
	}
	free(t);
}

/* One read section's verdict, rewritten by every attempt sync_read() makes. */
struct read_section {
	struct pt *p;
	int torn, poisoned;
	uint64_t sum;
};

/*
 * sync_read()'s body: the table through the strategy's load (hazard
 * pointers publish it; an acquire load otherwise, pairing with the
 * updater's publishing exchange), every entry's generation and poison
 * checked, then the event's CPU cost, spent on what it looked up.
 */
static void read_table(struct sync_thread *st, void *arg)
{
	struct read_section *r = arg;
	struct table *t = sync_deref(st, (void *_Atomic *)&r->p->sim->table);
	uint64_t g = atomic_load_explicit(&t->gen, memory_order_relaxed);

	r->torn = 0;
	r->poisoned = atomic_load_explicit(&t->poison, memory_order_relaxed) == POISON;
	r->sum = 0;
	for (unsigned i = 0; i < t->size; i++) {
		if (atomic_load_explicit(&t->e[i].gen, memory_order_relaxed) != g)
			r->torn = 1;
		r->sum += atomic_load_explicit(&t->e[i].weight, memory_order_relaxed);
	}
	if (atomic_load_explicit(&t->poison, memory_order_relaxed) == POISON)
		r->poisoned++;
	if (r->p->sim->iters_per_us_x1000)
		r->sum += spin_iters(r->p->sim->iters_per_us_x1000);
}

/* Sets every entry, then the header, to generation g (in place or on a copy). */
static void table_set_gen(struct table *t, uint64_t g)
{
	for (unsigned i = 0; i < t->size; i++) {
		atomic_store_explicit(&t->e[i].gen, g, memory_order_relaxed);
		atomic_store_explicit(&t->e[i].weight, g * 31 + i, memory_order_relaxed);
	}
	atomic_store_explicit(&t->gen, g, memory_order_relaxed);
}

void sim_update(struct pt *p, uint64_t sched)
{
	struct sim *s = p->sim;
	struct sync_thread *st = p->st;
	struct table *old, *n;
	uint64_t t1, g;

	if (s->cfg->updates_noop) {
		p->n.noop_updates++;
		return;
	}
	sync_set_doing(st, SYNC_DOING_UPDATE);
	/* Relaxed: the updater is the only writer of the pointer. */
	old = atomic_load_explicit(&s->table, memory_order_relaxed);
	g = atomic_load_explicit(&old->gen, memory_order_relaxed) + 1;

	if (s->isolate_path) {
		t1 = now_ns();
		sync_isolate(st);
		hist_record(&p->hists[2], now_ns() - t1);
		table_set_gen(old, g);
		sync_release(st);
		hist_record(&p->hists[1], now_ns() - sched);
	} else {
		n = malloc(table_bytes(old->size));
		if (!n) {
			/* counted, reported once at the end of the run (updates_skipped) */
			p->n.updates_skipped++;
			return;
		}
		memcpy(n, old, table_bytes(old->size)); /* updater-private until published */
		atomic_store_explicit(&n->poison, 0, memory_order_relaxed);
		n->deferred = 0;
		table_set_gen(n, g);
		/* Release (in acq_rel): readers that load n see it complete. */
		old = atomic_exchange_explicit(&s->table, n, memory_order_acq_rel);
		hist_record(&p->hists[1], now_ns() - sched);
		old->retired_sched = sched ? sched : 1;
		if (s->cfg->reclaim == SYNC_RECLAIM_DEFER) {
			int64_t objs, bytes;

			old->deferred = 1;
			objs = atomic_fetch_add_explicit(&s->pending_objs, 1, memory_order_relaxed) + 1;
			bytes = atomic_fetch_add_explicit(&s->pending_bytes, (int64_t)table_bytes(old->size),
							  memory_order_relaxed) +
				(int64_t)table_bytes(old->size);
			if (objs > 0 && (uint64_t)objs > p->defer_peak_objs)
				p->defer_peak_objs = (uint64_t)objs;
			if (bytes > 0 && (uint64_t)bytes > p->defer_peak_bytes)
				p->defer_peak_bytes = (uint64_t)bytes;
#ifdef POLLSIM_BREAK_DEFER_RECLAIM_AT_CALL
			old->retired_sched = 0;
			sync_defer_free(st, old, table_poison_free);
			pthread_mutex_lock(&s->reclaim_lock);
			hist_record(s->reclaim_hist, now_ns() - sched);
			pthread_mutex_unlock(&s->reclaim_lock);
#else
			sync_defer_free(st, old, table_poison_free);
#endif
		} else {
			t1 = now_ns();
			sync_synchronize(st);
			hist_record(&p->hists[2], now_ns() - t1);
			table_poison_free(old);
		}
	}
	p->n.updates++;
	atomic_store_explicit(&p->prog_updates, p->n.updates, memory_order_relaxed);
}

/*
 * An event's delay beyond its schedule, recorded while p's window is open.
 * A saturated thread's next event is due as its previous one ends; once the
 * thread knows its own pace (sat_iter_ns: the median of its first SAT_CALIB
 * iterations), a gap d longer than that pace also records d - pace,
 * d - 2 pace, ...: the events that would have been handled during the gap,
 * each late by what was left of it (the open-loop view of a closed loop, as
 * HdrHistogram's recordValueWithExpectedInterval), so that a stall counts as
 * every event it delayed, not once.
 */
static void sim_record_delay(struct pt *p, uint64_t delay)
{
	uint64_t pace = p->role == ROLE_SATURATED ? p->sat_iter_ns : 0;

#ifdef POLLSIM_BREAK_SATURATED_CLOSED_LOOP
	pace = 0;
#endif
	if (delay == UINT64_MAX || p->in_window != 1)
		return;
	hist_record(&p->hists[0], delay);
	if (!pace)
		return;
	for (uint64_t missed = delay > pace ? delay - pace : 0; missed >= pace; missed -= pace)
		hist_record(&p->hists[0], missed);
}

/*
 * The slowcall scenario's blocking call at the end of a task (a DNS lookup,
 * a disk read): the thread touches no shared state during it and says so
 * (harmless_begin/harmless_end, HAProxy's thread_harmless_now/end), but it
 * is not idle: it is still inside its task and may hold references. A
 * strategy that can tell the two apart (isolate_full) waits for it; one
 * that cannot (harmless_mask) isolates past it.
 */
static void slow_call(struct sync_thread *st)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = POLLSIM_SLOWCALL_US * 1000L };

	sync_harmless_begin(st);
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
	sync_harmless_end(st);
}

/* delay UINT64_MAX: none to record (a saturated thread's first event). */
void sim_handle_event(struct pt *p, uint64_t delay)
{
	struct read_section r = { .p = p };

	sim_record_delay(p, delay);
	/* Redone while the strategy says the section saw a write (seqlock): only the accepted one counts. */
	p->read_retries += sync_read(p->st, read_table, &r);
	p->poisoned += (uint64_t)r.poisoned;
	p->torn += (uint64_t)r.torn;
	p->checksum += r.sum;
	if (p->sim->cfg->scenario == POLLSIM_SLOWCALL)
		slow_call(p->st);
	p->n.reads++;
	p->n.events++;
	atomic_store_explicit(&p->prog_events, p->n.events, memory_order_relaxed);
}
