/*
 * rw_internal.h - what the readers/writers microbenchmark's files share (see
 * rw.c's design note): the shared object, a reader's counters, one thread's
 * state (struct rw_worker), the run's (struct rw_run), the read body the
 * harness and its reference loops both inline, and the functions each file
 * offers the others. Private to bench/rw.
 *
 *   rw.c          the run: configuration, the object, the threads' start and
 *                 lifecycle, the gate, the window's close, the results
 *   rw_read.c     the readers' loops and the quiescent point
 *   rw_write.c    the writers' loop: updates, deferred-free bound, window end
 *   rw_floor.c    the harness floor and the harness-floor benchmark
 *   rw_summary.c  the figures derived from a result, the SUMMARY line
 */
#ifndef RW_INTERNAL_H
#define RW_INTERNAL_H

#include "bench/rw/rw.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include "bench/lib/histogram.h"
#include "bench/lib/lifecycle.h"
#include "bench/lib/strategy_thread.h"
#include "bench/lib/watchdog.h"
#include "strategies/sync.h"

#define RW_FIELDS 8
#define RW_POISON 0xdeaddeaddeaddeadull

struct rw_run;

/* The shared object: one cache line of generation numbers. */
struct rw_obj {
	_Atomic uint64_t f[RW_FIELDS];
	struct rw_run *run;       /* for the deferred reclaim callback's counters */
} SYNC_ALIGNED;

/* A reader's counters, in registers during a batch. */
struct rw_tally {
	uint64_t reads, retries, torn, poisoned;
};

/* One per thread. */
struct rw_worker {
	struct rw_run *run;
	unsigned tid;
	int writer;
	pthread_t pthread;
	int created;
	clockid_t cpu_clock;      /* main only: the thread's CPU clock */
	int has_cpu_clock;
	struct sync_thread *st;   /* set by the ALLOC callback, cleared by FREE */

	/*
	 * Written by the reader at the end of each batch (release), read by
	 * the main thread at the close (acquire). Own cache line: the main
	 * thread's loads never share a line with another reader's stores.
	 */
	_Atomic uint64_t pub_reads SYNC_ALIGNED, pub_retries, pub_torn, pub_poisoned;

	/* Main thread only: the snapshot at the close, CPU clock at open and close. */
	struct rw_tally at_close SYNC_ALIGNED;
	uint64_t cpu_open_ns, cpu_close_ns;

	/* Writer only; read by main after the join. */
	uint64_t writes, throttles, throttle_ns;
	struct hist write_latency;
	struct hist wait_latency;
} SYNC_ALIGNED;

struct rw_run {
	const struct rw_config *cfg;
	const struct sync_ops *ops;
	struct sync_domain *dom;
	struct lifecycle *lc;
	enum rw_update update;
	unsigned nthreads;
	int oversubscribed;
	int wake_fd;

	/* Written by writers (exchange) or nobody (in place); read by readers. */
	void *_Atomic shared SYNC_ALIGNED;
	/* Written by the main thread once; read by every worker once per batch. */
	atomic_int stop SYNC_ALIGNED;
	/* Written by the main thread at the close; read by writers after each write. */
	atomic_int closing SYNC_ALIGNED;
	_Atomic uint64_t close_ns;
	/* Written by writers (generation counter) and the defer callbacks. */
	_Atomic uint64_t gen SYNC_ALIGNED;
	_Atomic uint64_t pending;      /* deferred objects not yet freed */
	_Atomic uint64_t pending_peak;
	/* Incremented by each worker at the gate / as it ends; read by main. */
	atomic_uint arrived SYNC_ALIGNED;
	atomic_uint exited;
	/* The start gate: 0 closed, 1 open; a futex word. Written by main once. */
	atomic_int gate SYNC_ALIGNED;

	/* Watches every thread's handle from its ALLOC to its FREE. */
	struct watchdog *wd;
	struct strategy_threads threads; /* the strategy's lifecycle steps */

	struct rw_worker *workers;
};

/* ---- the object ---- */

/* A fresh object, every field = gen; NULL when out of memory. */
struct rw_obj *rw_obj_new(struct rw_run *run, uint64_t gen);
/* Overwrites every field with RW_POISON, then frees o. */
void rw_obj_poison_free(struct rw_obj *o);

/* Relaxed: see rw.c's design note; visibility comes from the strategy. */
static inline void obj_write_range(struct rw_obj *o, uint64_t gen, unsigned from, unsigned to)
{
	for (unsigned i = from; i < to; i++)
		atomic_store_explicit(&o->f[i], gen, memory_order_relaxed);
}

/* ---- the read body, shared by the harness and its reference loops ---- */

static inline void spin(uint64_t loops)
{
	for (uint64_t i = 0; i < loops; i++)
		sync_relax();
}

/*
 * Inside a read section, o already dereferenced: the first field, the
 * section held open, the last field. Relaxed: see rw.c's design note.
 */
static inline void read_fields(const struct rw_obj *o, uint64_t delay, uint64_t *v0, uint64_t *v1)
{
	*v0 = atomic_load_explicit(&o->f[0], memory_order_relaxed);
	/* Held open between the two loads (liburcu's -c). */
	spin(delay);
	*v1 = atomic_load_explicit(&o->f[RW_FIELDS - 1], memory_order_relaxed);
}

/* The checks of one final read, branch-free: poison first, else a tear. */
static inline void tally(struct rw_tally *c, uint64_t v0, uint64_t v1)
{
	uint64_t poison = (v0 == RW_POISON) | (v1 == RW_POISON);

	c->poisoned += poison;
	c->torn += (v0 != v1) & !poison;
}

/* ---- clocks and the stop ---- */

static inline int stopped(struct rw_run *run)
{
	/* Relaxed: stopping a little late is harmless; the join orders the rest. */
	return atomic_load_explicit(&run->stop, memory_order_relaxed);
}

static inline uint64_t cpu_clock_ns(clockid_t c)
{
	struct timespec ts;

	if (clock_gettime(c, &ts))
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- what each file offers the others ---- */

/* rw_read.c: one quiescent point of thread t (once per batch or write). */
void rw_quiesce(struct rw_run *run, struct sync_thread *t);
/* rw_read.c: reader w's loop, until the stop. */
void rw_reader_loop(struct rw_worker *w, struct sync_thread *t);
/* rw_write.c: writer w's loop, until the stop (or out of memory). */
void rw_writer_loop(struct rw_worker *w, struct sync_thread *t);
/*
 * rw_floor.c: the harness floor on *slot, on the calling thread: the median
 * ns per read and its noise, NAN when read_delay makes it irrelevant.
 */
void rw_measure_floor(void *_Atomic *slot, uint64_t delay, unsigned every, double *median, double *noise);

#endif /* RW_INTERNAL_H */
