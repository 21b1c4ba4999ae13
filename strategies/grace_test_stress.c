/*
 * grace_test_stress.c - the grace harness's free-running phases (see
 * grace_test.c's design note): stress, offline and batch. Readers and
 * updaters run the poll loop's calls on their own, each in its role, until
 * main stops them or they are done.
 */
#include "strategies/grace_test.h"

#include <inttypes.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define STRESS_NS (1500ull * 1000000ull)
#define STRESS_MAX_NS (4000ull * 1000000ull)
#define STRESS_OVERLAPS 1000
#define BATCH_NS (1000ull * 1000000ull)

/* sync_loop_poll poller: a 1 us trip offline. */
static int poll_spin_1us(void *arg)
{
	(void)arg;
	spin_us(1);
	return 0;
}

#ifdef GRACE_TEST_BREAK_SERIALIZE
/*
 * Deliberate break of the harness itself (the must-fail target
 * grace_test_broken_serialize_test): readers and writers take turns, so that
 * no section can overlap an update and the stress phase's overlap check must
 * fail. A Dekker pair on two seq_cst counters; readers wait offline.
 */
static int poll_wait_no_writer(void *arg)
{
	(void)arg;
	while (atomic_load(&grace.ser_writers))
		sched_yield();
	return 0;
}

static void serialize_reader_enter(struct sync_thread *t)
{
	for (;;) {
		atomic_fetch_add(&grace.ser_readers, 1);
		if (!atomic_load(&grace.ser_writers))
			return;
		atomic_fetch_sub(&grace.ser_readers, 1);
		sync_loop_poll(t, poll_wait_no_writer, NULL);
	}
}

static void serialize_reader_leave(void)
{
	atomic_fetch_sub(&grace.ser_readers, 1);
}

static void serialize_writer_enter(void)
{
	atomic_fetch_add(&grace.ser_writers, 1);
	while (atomic_load(&grace.ser_readers))
		sched_yield();
}

static void serialize_writer_leave(void)
{
	atomic_fetch_sub(&grace.ser_writers, 1);
}
#else
static void serialize_reader_enter(struct sync_thread *t)
{
	(void)t;
}

static void serialize_reader_leave(void)
{
}

static void serialize_writer_enter(void)
{
}

static void serialize_writer_leave(void)
{
}
#endif

static void reader_loop(struct worker *w)
{
	struct sync_thread *t = w->t;
	uint64_t n = 0;

	while (!atomic_load_explicit(&grace.stop, memory_order_relaxed)) {
		struct obj *o;
		uint64_t b, gen, sum = 0, u0;

		serialize_reader_enter(t);
		sync_read_begin(t);
		/*
		 * A plain load, no read-modify-write: a locked instruction here
		 * would be a full fence on x86 and hide a strategy whose
		 * read_begin lacks its own store-load fence.
		 */
		b = seq_now();
		u0 = atomic_load_explicit(&grace.updates, memory_order_relaxed);
		o = atomic_load_explicit(&grace.shared, memory_order_acquire);
		gen = o->gen;
		for (int i = 0; i < 4; i++)
			sum += o->payload[i] - (uint64_t)i;
		if (grace.long_section_us)
			for (unsigned k = 0; k < grace.long_section_us / 20; k++) {
				/* Long but yielding: updaters share the 2 cores. */
				spin_us(20);
				sched_yield();
			}
		else if ((n & 63) == 0)
			spin_us(20);
		else
			for (int i = 0; i < 64; i++)
				sync_relax();
		if (o->magic != MAGIC_LIVE || o->gen != gen || sum != 4 * gen) {
			if (atomic_fetch_add(&grace.poisoned, 1) == 0)
				FAIL("reader %u read a reclaimed object (magic %#" PRIx64 ", gen %" PRIu64
				     " then %" PRIu64 ")", w->tid, o->magic, gen, o->gen);
		}
		if (atomic_load(&grace.reclaimed_upto) > b) {
			if (atomic_fetch_add(&grace.order_violations, 1) == 0)
				FAIL("reader %u: a grace period that started after its section began (seq %" PRIu64
				     ") ended before it did (reclaimed up to seq %" PRIu64 ")",
				     w->tid, b, atomic_load(&grace.reclaimed_upto));
		}
		if (atomic_load_explicit(&grace.updates, memory_order_relaxed) != u0)
			atomic_fetch_add_explicit(&grace.overlaps, 1, memory_order_relaxed);
		sync_read_end(t);
		serialize_reader_leave();
		sync_loop_end(t);
		n++;
		/* Batch phase: stay online, so that every grace period waits for us. */
		if ((n & 15) == 0 && !grace.long_section_us) {
			/* A short trip through the poller: offline, then online again. */
			/*
			 * No sched_yield here: yielding hands the CPU to a writer
			 * for a whole time slice, and readers and writers then
			 * take turns instead of overlapping.
			 */
			sync_loop_poll(t, poll_spin_1us, NULL);
		}
	}
	atomic_fetch_add(&grace.reads, n);
}

/* Publishes n; the old object, stamped with the sequence number of its retirement. */
static struct obj *replace(struct obj *n, unsigned tid)
{
	struct obj *old = atomic_exchange(&grace.shared, n);

	atomic_store_explicit(&old->retire_seq, seq_next(tid), memory_order_relaxed);
	return old;
}

/* One update the strategy's way; the caller is an online loop thread. */
static void update_once(struct sync_thread *t)
{
	struct obj *n = grace_obj_new(), *old;

	if (grace.isolate_mode) {
		sync_isolate(t);
		old = replace(n, t->tid);
		grace_obj_reclaim(old);
		/* Inside the isolation: no section may see the count change. */
		atomic_fetch_add(&grace.updates, 1);
		sync_release(t);
		return;
	} else if (grace.reclaim == SYNC_RECLAIM_SYNC) {
		old = replace(n, t->tid);
		sync_synchronize(t);
		atomic_fetch_add(&grace.sync_calls, 1);
		grace_obj_reclaim(old);
	} else {
		old = replace(n, t->tid);
		atomic_fetch_add(&grace.defers, 1);
		sync_defer_free(t, old, grace_obj_free_cb);
	}
	atomic_fetch_add(&grace.updates, 1);
}

static int poll_sleep_on_efd(void *arg)
{
	struct worker *w = arg;
	uint64_t x;

	if (read(w->efd, &x, sizeof(x)) != sizeof(x))
		perror("grace_test: eventfd read");
	return 0;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	unsigned seed = w->tid * 2654435761u + 1;

	grace_start_thread(w);
	pthread_barrier_wait(&grace.start);
	switch (w->role) {
	case ROLE_READER:
		reader_loop(w);
		break;
	case ROLE_WRITER:
	case ROLE_SYNCER:
		for (unsigned i = 0; (!w->updates || i < w->updates) && !atomic_load(&grace.stop); i++) {
			if (w->role == ROLE_WRITER) {
				serialize_writer_enter();
				update_once(w->t);
				serialize_writer_leave();
				/* Leave the readers some CPU: 2 cores, 4 threads. */
				spin_us(2);
			} else {
				/* Retire nothing: only the grace period's length is checked. */
				uint64_t s = seq_next(w->tid);

				sync_synchronize(w->t);
				atomic_fetch_add(&grace.sync_calls, 1);
				atomic_max(&grace.reclaimed_upto, s);
				/*
				 * Spread arrivals over the reader's section, so that
				 * some land while a grace period that cannot cover
				 * them is finishing.
				 */
				sync_loop_end(w->t);
				spin_us((unsigned)(rand_r(&seed) % 100));
			}
			atomic_store(&w->progress_ns, now_ns());
			sync_loop_end(w->t);
		}
		if (grace.reclaim == SYNC_RECLAIM_DEFER && !grace.isolate_mode)
			sync_barrier(w->t);
		break;
	case ROLE_SLEEPER:
		/* Blocks until the test ends: nobody writes this eventfd before. */
		sync_loop_poll(w->t, poll_sleep_on_efd, w);
		break;
	}
	grace_stop_thread(w);
	atomic_store(&w->done, 1);
	return NULL;
}

/*
 * n workers in their roles, the first r readers, the others in role, each
 * until stopped; returns once every one is past the start barrier.
 */
static void start_workers(struct worker *w, unsigned n, unsigned r, int role)
{
	memset(w, 0, sizeof(*w) * n);
	for (unsigned i = 0; i < n; i++) {
		w[i].tid = i;
		w[i].role = i < r ? ROLE_READER : role;
		w[i].updates = 0; /* until stopped */
		pthread_create(&w[i].th, NULL, worker_main, &w[i]);
	}
	pthread_barrier_wait(&grace.start);
}

static void stop_workers(struct worker *w, unsigned n)
{
	atomic_store(&grace.stop, 1);
	grace_join_all(w, n);
}

void grace_phase_stress(void)
{
	enum { R = 2, W = 2 };
	struct worker w[R + W];
	uint64_t deadline, start;

	grace_domain_up(R + W);
	start_workers(w, R + W, R, ROLE_WRITER);
	/*
	 * The checks hold at every instant; the run lasts STRESS_NS, longer (up
	 * to STRESS_MAX_NS) until STRESS_OVERLAPS read sections saw an update
	 * finish while they were open (a scheduler that keeps readers and
	 * writers apart would otherwise prove nothing). With an exclusive lock
	 * no section can see that: rwlock runs to the bound.
	 */
	start = now_ns();
	deadline = start + STRESS_NS;
	while (now_ns() < deadline ||
	       (atomic_load(&grace.overlaps) < STRESS_OVERLAPS && now_ns() < start + STRESS_MAX_NS))
		usleep(10000);
	stop_workers(w, R + W);
	printf("%s stress: %.1f s, %" PRIu64 " reads (%" PRIu64 " overlapping an update), %" PRIu64
	       " updates, %" PRIu64 " defers, %" PRIu64 " frees, %" PRIu64 " poisoned reads, %" PRIu64
	       " order violations\n", ops->name, (double)(now_ns() - start) / 1e9, atomic_load(&grace.reads),
	       atomic_load(&grace.overlaps), atomic_load(&grace.updates), atomic_load(&grace.defers),
	       atomic_load(&grace.frees), atomic_load(&grace.poisoned), atomic_load(&grace.order_violations));
	if (ops->summary) {
		printf("%s summary: ", ops->name);
		fflush(stdout);
		ops->summary(grace.dom, stdout);
		printf("\n");
	}
	if (atomic_load(&grace.updates) == 0)
		FAIL("stress: no update finished");
	/*
	 * A grace-period strategy lets readers run through updates: a run in
	 * which no section saw one finish tested nothing. An exclusive lock
	 * must show none: its updates are counted inside the isolation.
	 */
	if (!grace.isolate_mode && atomic_load(&grace.overlaps) == 0)
		FAIL("stress: no read section overlapped an update: the run proved nothing");
	if (grace.isolate_mode && atomic_load(&grace.overlaps) != 0)
		FAIL("stress: %" PRIu64 " read sections saw an update finish although updates are exclusive",
		     atomic_load(&grace.overlaps));
	if (atomic_load(&grace.reads) == 0)
		FAIL("stress: no read finished");
	grace_domain_down();
	grace_check_frees("stress", " by domain_destroy");
}

void grace_phase_offline(void)
{
	struct worker w[2];
	uint64_t one = 1, start;

	grace_domain_up(2);
	memset(w, 0, sizeof(w));
	w[0].tid = 0;
	w[0].role = ROLE_SLEEPER;
	w[0].efd = eventfd(0, EFD_CLOEXEC);
	w[1].tid = 1;
	w[1].role = ROLE_WRITER;
	w[1].updates = 50;
	if (w[0].efd < 0) {
		perror("grace_test: eventfd");
		exit(1);
	}
	pthread_create(&w[0].th, NULL, worker_main, &w[0]);
	pthread_create(&w[1].th, NULL, worker_main, &w[1]);
	pthread_barrier_wait(&grace.start);
	start = now_ns();
	while (!atomic_load(&w[1].done)) {
		uint64_t last = atomic_load(&w[1].progress_ns);

		/* The updater is stuck for good: do not hang. */
		if (now_ns() - (last ? last : start) > OFFLINE_BOUND_NS)
			FAIL_STUCK("offline: an update did not finish within %llu s while thread 0 was offline "
				   "in a blocking read (%" PRIu64 " of 50 done); strategy state:",
				   OFFLINE_BOUND_NS / 1000000000ull, atomic_load(&grace.updates));
		usleep(1000);
	}
	printf("%s offline: 50 updates done in %.3f ms with one thread asleep offline\n", ops->name,
	       (double)(now_ns() - start) / 1e6);
	if (write(w[0].efd, &one, sizeof(one)) != sizeof(one))
		perror("grace_test: eventfd write");
	grace_join_all(w, 2);
	close(w[0].efd);
	grace_domain_down();
	grace_check_frees("offline", "");
}

void grace_phase_batch(void)
{
	enum { R = 2, S = 4 }; /* two readers, out of phase: a grace period waits for one
				 while the other has already started a new section */
	struct worker w[R + S];
	uint64_t gps, calls, deadline;

	grace_domain_up(R + S);
	grace.long_section_us = 200;
	start_workers(w, R + S, R, ROLE_SYNCER);
	deadline = now_ns() + BATCH_NS;
	while (now_ns() < deadline)
		usleep(10000);
	stop_workers(w, R + S);
	printf("%s batch: %" PRIu64 " reads, %" PRIu64 " synchronize calls by %d threads, %" PRIu64
	       " order violations\n", ops->name, atomic_load(&grace.reads), atomic_load(&grace.sync_calls), S,
	       atomic_load(&grace.order_violations));
	if (atomic_load(&grace.reads) == 0)
		FAIL("batch: the readers finished no section");
	if (grace_summary_value("grace_periods", &gps) && grace_summary_value("synchronize_calls", &calls)) {
		printf("%s batch: %" PRIu64 " grace periods for %" PRIu64 " synchronize calls\n", ops->name,
		       gps, calls);
		if (calls != atomic_load(&grace.sync_calls))
			FAIL("batch: strategy counted %" PRIu64 " synchronize calls, test made %" PRIu64, calls,
			     atomic_load(&grace.sync_calls));
		if (gps >= calls)
			FAIL("batch: %" PRIu64 " grace periods for %" PRIu64
			     " concurrent synchronize calls: callers were not batched", gps, calls);
	}
	grace_domain_down();
}
