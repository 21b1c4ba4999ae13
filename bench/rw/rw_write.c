/*
 * rw_write.c - the writers' side of the readers/writers microbenchmark (see
 * rw.c's design note): one update in place or by copy, the bound on pending
 * deferred frees, and which writes ended inside the window.
 */
#include "bench/rw/rw_internal.h"

#include "strategies/loop.h"

#include <stdlib.h>

#ifdef RW_BREAK_WINDOW_END
#define RW_COUNT_AT_CLOSE 0 /* broken on purpose: see collect() in rw.c */
#else
#define RW_COUNT_AT_CLOSE 1
#endif

static void obj_reclaim_deferred(void *p)
{
	struct rw_obj *o = p;
	struct rw_run *run = o->run;

	rw_obj_poison_free(o);
	/*
	 * Relaxed: a statistic for the peak; the writers' bound reads it
	 * too, where a stale value only makes a writer wait a little early
	 * or late.
	 */
	atomic_fetch_sub_explicit(&run->pending, 1, memory_order_relaxed);
}

static void pending_add(struct rw_run *run)
{
	/* Relaxed: statistics only (the peak is approximate by one in races). */
	uint64_t now = atomic_fetch_add_explicit(&run->pending, 1, memory_order_relaxed) + 1;
	uint64_t peak = atomic_load_explicit(&run->pending_peak, memory_order_relaxed);

	while (now > peak &&
	       !atomic_compare_exchange_weak_explicit(&run->pending_peak, &peak, now,
						      memory_order_relaxed, memory_order_relaxed))
		;
}

/*
 * Deferred mode: before handing one more object to defer_free, a writer that
 * finds defer_bound objects pending waits in barrier() for the deferred
 * frees to run. Reclamation that cannot keep up (liburcu's call_rcu thread
 * against a thousand readers on 2 CPUs) then slows the writers instead of
 * growing the heap without bound; the waits are counted and reported.
 */
static void defer_throttle(struct rw_worker *w, struct sync_thread *t)
{
	struct rw_run *run = w->run;
	uint64_t t0;

#ifdef RW_BREAK_DEFER_BOUND
	return; /* broken on purpose: pending grows without bound */
#endif
	/* Relaxed: see obj_reclaim_deferred(). */
	if (atomic_load_explicit(&run->pending, memory_order_relaxed) < run->cfg->defer_bound)
		return;
	t0 = sync_now_ns();
	sync_barrier(t);
	w->throttle_ns += sync_now_ns() - t0;
	w->throttles++;
}

/*
 * Whether a write that ended at `end` lies inside the window (see rw.c's design
 * note for why the fence and the order of the loads make this exact).
 */
static int ended_in_window(struct rw_run *run, uint64_t end)
{
	uint64_t c;

	sync_full_fence();
	if (!atomic_load(&run->closing))
		return 1;
	while (!(c = atomic_load(&run->close_ns)))
		sync_relax();
	return end <= c;
}

/* One update: the time it ended, or 0 when out of memory (the writer then stops). */
static uint64_t write_one(struct rw_worker *w, struct sync_thread *t, uint64_t *wait_ns)
{
	struct rw_run *run = w->run;
	/* Relaxed: the counter only makes generations distinct. */
	uint64_t gen = atomic_fetch_add_explicit(&run->gen, 1, memory_order_relaxed) + 1;
	uint64_t t0 = sync_now_ns(), t1, t2;

	if (run->update == RW_UPDATE_INPLACE) {
		struct rw_obj *o;

		sync_isolate(t);
		t1 = sync_now_ns();
		/* Relaxed: in place, the pointer never changes after rw_run set it. */
		o = atomic_load_explicit(&run->shared, memory_order_relaxed);
		/* Held between the halves: a reader let in during it sees a tear. */
		obj_write_range(o, gen, 0, RW_FIELDS / 2);
		spin(run->cfg->write_hold);
		obj_write_range(o, gen, RW_FIELDS / 2, RW_FIELDS);
		sync_release(t);
		*wait_ns = t1 - t0;
	} else {
		struct rw_obj *n = rw_obj_new(run, gen), *old;

		if (!n)
			return 0;
		/* acq_rel: publishes n's fields; acquires old's, which we poison. */
		old = atomic_exchange_explicit(&run->shared, n, memory_order_acq_rel);
		spin(run->cfg->write_hold);
		if (run->cfg->reclaim == SYNC_RECLAIM_SYNC) {
			t1 = sync_now_ns();
			sync_synchronize(t);
			t2 = sync_now_ns();
			*wait_ns = t2 - t1;
			rw_obj_poison_free(old);
		} else {
			pending_add(run);
			sync_defer_free(t, old, obj_reclaim_deferred);
			*wait_ns = UINT64_MAX; /* no wait to record */
		}
	}
	return sync_now_ns();
}

void rw_writer_loop(struct rw_worker *w, struct sync_thread *t)
{
	struct rw_run *run = w->run;
	const uint64_t delay = run->cfg->write_delay;

	while (!stopped(run)) {
		uint64_t t0, end, wait_ns;

		if (run->update == RW_UPDATE_COPY && run->cfg->reclaim == SYNC_RECLAIM_DEFER)
			defer_throttle(w, t);
		sync_set_doing(t, SYNC_DOING_UPDATE);
		t0 = sync_now_ns();
		end = write_one(w, t, &wait_ns);
		if (!end)
			break;
		if (RW_COUNT_AT_CLOSE && !ended_in_window(run, end))
			break;
		hist_record(&w->write_latency, end - t0);
		if (wait_ns != UINT64_MAX)
			hist_record(&w->wait_latency, wait_ns);
		w->writes++;
		rw_quiesce(run, t);
		spin(delay);
	}
}

