/*
 * grace_test_litmus.c - the grace harness's litmus phase (see grace_test.c's
 * design note): store buffering at the entry of a read section, two threads
 * in lock step.
 */
#include "strategies/grace_test.h"

#include <inttypes.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * ---- litmus: store buffering at the entry of a read section ----
 *
 * The Dekker pair every grace-period strategy rests on: a reader entering a
 * section stores "I am reading" (qsbr: its ctr in poll_leave; ebr, ck_epoch:
 * active in read_begin) and then loads the shared pointer; an updater
 * publishes a new pointer and then scans the readers' words. Without a
 * store-load fence on each side both loads may miss both stores (x86's store
 * buffer does exactly this), and the updater frees what the reader just
 * loaded. Two threads, in lock step, race once per round:
 *   reader:  [offline: arrive, wait for the updater, LITMUS_PAD stores to
 *            lines the updater just wrote] poll_leave; read_begin;
 *            p = deref(shared); if p is the old object, stay in the section
 *            until the updater says its synchronize returned (or
 *            LITMUS_HOLD_NS); read_end; loop_iter
 *   updater: [offline: write the pad lines, arrive, wait] poll_leave;
 *            store(shared, new, release); synchronize; done = round
 * The pad stores fill the reader's store buffer with misses, so its own
 * store commits late while its loads run on: they make the reordering a
 * hardware without the fence does likely in every round, not rare. A reader
 * that holds the old object and sees done == round saw a synchronize return
 * during a section that loaded the unpublished version: a violation, which
 * a correct strategy never shows (its synchronize waits for that section,
 * and the reader sees done only after leaving it).
 */
#define LITMUS_ROUNDS 100000000ull
#define LITMUS_NS (3000ull * 1000000ull)
#define LITMUS_MAX_NS (8000ull * 1000000ull)
#define LITMUS_XFAIL_NS (30000ull * 1000000ull) /* a broken build: until its first violation */
#define LITMUS_MIN_OLD 10000 /* rounds in which the reader loaded the old object */
#define LITMUS_HOLD_NS 20000
#define LITMUS_PAD 48

struct litmus_line {
	_Atomic uint64_t v;
} SYNC_ALIGNED;

static struct {
	/* Arrivals: written by their thread, read by the other one. */
	_Atomic uint64_t round_r SYNC_ALIGNED;
	_Atomic uint64_t round_u SYNC_ALIGNED;
	_Atomic uint64_t ready_r SYNC_ALIGNED; /* the reader saw the updater arrive */
	/* Last round whose synchronize returned: updater writes, reader reads. */
	_Atomic uint64_t done SYNC_ALIGNED;
	_Atomic int stop SYNC_ALIGNED;
	void *_Atomic shared SYNC_ALIGNED;
	struct litmus_line pad[LITMUS_PAD];
	int objs[2];
	/* Written by the reader, read by main (relaxed: progress counts). */
	_Atomic uint64_t rounds, old_seen, hits;
	unsigned pad_n;
} L;

struct litmus_arg {
	uint64_t round;
	bool updater;
};

static void litmus_wait_for(_Atomic uint64_t *other, uint64_t round)
{
	unsigned spins = 0;

	while (atomic_load(other) < round && !atomic_load_explicit(&L.stop, memory_order_relaxed))
		if (++spins < 2000)
			sync_relax();
		else
			sched_yield(); /* the other thread is not running: let it */
}

/* The poller of both threads: the rendez-vous of a round, offline. */
static int litmus_poll(void *arg)
{
	struct litmus_arg *a = arg;

	if (a->updater) {
		for (unsigned k = 0; k < L.pad_n; k++)
			atomic_store_explicit(&L.pad[k].v, a->round, memory_order_relaxed);
		atomic_store(&L.round_u, a->round);
		litmus_wait_for(&L.round_r, a->round);
		/*
		 * Every other round, also until the reader saw us arrive: the
		 * reader is then running, not waking from a yield, and loads
		 * before our publish even when our synchronize is slow (which
		 * otherwise makes it arrive late, then sleep through our
		 * publish). The other rounds keep the tighter start that lets
		 * the updater scan while the reader's store is still buffered.
		 */
		if (a->round & 1)
			litmus_wait_for(&L.ready_r, a->round);
	} else {
		atomic_store(&L.round_r, a->round);
		litmus_wait_for(&L.round_u, a->round);
		atomic_store(&L.ready_r, a->round);
		for (unsigned k = 0; k < L.pad_n; k++)
			atomic_store_explicit(&L.pad[k].v, a->round, memory_order_relaxed);
	}
	return 0;
}

static void *litmus_thread(void *arg)
{
	struct worker *w = arg;
	struct sync_thread *t;
	struct litmus_arg a = { .updater = w->role == ROLE_WRITER };

	grace_start_thread(w);
	t = w->t;
	pthread_barrier_wait(&grace.start);
	for (uint64_t i = 1; i <= LITMUS_ROUNDS; i++) {
		a.round = i;
		sync_loop_poll(t, litmus_poll, &a);
		if (atomic_load_explicit(&L.stop, memory_order_relaxed))
			break;
		if (a.updater) {
			/* A plain release store, as rcu_assign_pointer: no fence of its own. */
			atomic_store_explicit(&L.shared, &L.objs[i & 1], memory_order_release);
			sync_synchronize(t);
			atomic_store_explicit(&L.done, i, memory_order_release);
		} else {
			void *p;
			bool saw_done = false;

			sync_read_begin(t);
			p = sync_deref(t, &L.shared);
			if (p == &L.objs[(i - 1) & 1]) {
				uint64_t end = now_ns() + LITMUS_HOLD_NS;

				atomic_fetch_add_explicit(&L.old_seen, 1, memory_order_relaxed);
				while (!(saw_done = atomic_load_explicit(&L.done, memory_order_acquire) >= i) &&
				       now_ns() < end)
					sync_relax();
			}
			sync_read_end(t);
			if (saw_done && atomic_fetch_add(&L.hits, 1) == 0)
				FAIL("litmus: round %" PRIu64 ": synchronize returned while a section that loaded the "
				     "unpublished object was still open (a store-load fence is missing)", i);
			atomic_store_explicit(&L.rounds, i, memory_order_relaxed);
		}
		sync_loop_end(t);
	}
	/* Stopped (or done) on one side: release the other from its wait. */
	atomic_store(&L.stop, 1);
	grace_stop_thread(w);
	return NULL;
}

void grace_phase_litmus(void)
{
	struct worker w[2];
	uint64_t start, now;
	const char *env = getenv("GRACE_TEST_LITMUS_PAD");

	grace_domain_up(2);
	memset(&L, 0, sizeof(L));
	L.pad_n = env ? (unsigned)atoi(env) : LITMUS_PAD;
	if (L.pad_n > LITMUS_PAD)
		L.pad_n = LITMUS_PAD;
	atomic_store(&L.shared, &L.objs[0]);
	memset(w, 0, sizeof(w));
	for (unsigned i = 0; i < 2; i++) {
		w[i].tid = i;
		w[i].role = i == 0 ? ROLE_READER : ROLE_WRITER;
		pthread_create(&w[i].th, NULL, litmus_thread, &w[i]);
	}
	pthread_barrier_wait(&grace.start);
	/*
	 * LITMUS_NS, longer (up to LITMUS_MAX_NS) until the reader loaded the
	 * old object in LITMUS_MIN_OLD rounds; a broken build (--expect-fail)
	 * runs until its first violation, at most LITMUS_XFAIL_NS: on a loaded
	 * machine the two threads may share one CPU for a while, and the race
	 * needs both running at once.
	 */
	start = now_ns();
	for (;;) {
		usleep(5000);
		now = now_ns();
		if (atomic_load(&L.hits) || atomic_load(&L.stop))
			break;
		if (grace_expecting_failure ? now - start > LITMUS_XFAIL_NS :
		    now - start > LITMUS_NS &&
		    (atomic_load(&L.old_seen) >= LITMUS_MIN_OLD || now - start > LITMUS_MAX_NS))
			break;
	}
	atomic_store(&L.stop, 1);
	pthread_join(w[0].th, NULL);
	pthread_join(w[1].th, NULL);
	printf("%s litmus: %" PRIu64 " rounds in %.1f s, %" PRIu64 " with the old object loaded, %" PRIu64
	       " violations (pad %u)\n", ops->name, atomic_load(&L.rounds), (double)(now_ns() - start) / 1e9,
	       atomic_load(&L.old_seen), atomic_load(&L.hits), L.pad_n);
	if (!atomic_load(&L.hits) && atomic_load(&L.old_seen) == 0)
		FAIL("litmus: the reader never loaded the old object: the race was never run");
	grace_domain_down();
}

