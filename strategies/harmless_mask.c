/*
 * harmless_mask.c - HAProxy's rendez-vous point: a thread that wants to touch
 * the shared state alone waits until every other thread has promised, through
 * a bit in the harmless mask, not to touch it. Sleeping threads are never
 * woken: they marked themselves harmless before entering the poller.
 *
 * Origin: HAProxy 1.9, commit 60b639ccb (seed 002, backported to 1.8.14);
 * release in the non-waiting "race to idle" form of 2021 (f519cfaa6); threads
 * not started yet or exited count as harmless (739281b3d); an isolated thread
 * never waits on its own request (a9a9e9aac, f63a18550). Re-implemented from
 * the semantics, not copied.
 *
 * Per thread, its bits in (want_rdv, harmless):
 *
 *	want_rdv | harmless | meaning
 *	---------+----------+--------------------------------------------------
 *	    0    |    0     | running, possibly touching the shared state
 *	    0    |    1     | harmless (polling; not started; exited)
 *	    1    |    1     | asked to be alone, waiting for its turn
 *	    1    |    0     | isolated: the only thread touching the state
 *
 * Steps:
 *  1. harmless_now (poll_enter, thread_deinit): set own harmless bit.
 *  2. harmless_end (poll_leave, thread_init): loop { clear own harmless bit;
 *     if no other thread wants a rendez-vous, done; else set the bit again
 *     and wait while another thread wants one }.
 *  3. isolate: set own harmless bit; set own want_rdv bit; loop { h = harmless;
 *     if every thread is harmless, CAS harmless from h to h without own bit:
 *     success = isolated (the CAS both checks and claims, so two isolators
 *     cannot both win); else relax }. Waiting isolators are harmless, so
 *     several isolators never deadlock: each in turn finds all harmless.
 *  4. release: clear own want_rdv bit; do not wait (the thread is now
 *     running; a waiting isolator takes its turn when it next polls).
 *  5. isolated(): want_rdv & ~harmless & own bit (sync_harmless_mask_isolated,
 *     for tests).
 *
 * Memory order: steps 2 and 3 form a Dekker pair (clear harmless then read
 * want_rdv, against set want_rdv then read harmless). Every access of the
 * pair is sequentially consistent, so the total order forbids both sides
 * missing each other (HAProxy 1.8 relied on x86's locked instructions; C11
 * does not promise that for weaker orders). Both masks are shared
 * read-modify-write words: every poll costs two RMWs on one cache line that
 * every thread writes (what harmless_membarrier avoids).
 *
 * Limit: one bit per thread in a 64-bit word, 64 participants including the
 * outside updater; domain_create refuses more.
 *
 * Deliberate breaks for the tests (never defined in a normal build):
 *  HARMLESS_MASK_BREAK_HARMLESS_END  harmless_end does not re-park;
 *  HARMLESS_MASK_BREAK_CAS           isolate checks, sleeps 1 ms, then claims with a
 *                           plain store;
 *  HARMLESS_MASK_BREAK_NO_WANT_RDV    isolate does not raise its want_rdv bit.
 */
#include "strategies/harmless_mask.h"
#include "strategies/masks.h"
#include "strategies/sync.h"

#include <sched.h>
#include <stdlib.h>
#include <time.h>

struct hm_domain {
	struct sync_domain base;
	uint64_t all;	/* one bit per participant; constant after create */
	/* Written by every thread (poll_enter/leave, isolate), read by isolators. */
	_Atomic uint64_t harmless SYNC_ALIGNED;
	/* Written by isolators, read by every thread in poll_leave. */
	_Atomic uint64_t want_rdv SYNC_ALIGNED;
};

SYNC_DEFINE_DOMAIN_OF(hm_dom, struct hm_domain)

static void hm_harmless_now(struct sync_thread *t)
{
	sync_mask_set(t, &hm_dom(t)->harmless, sync_bit(t));
}

static void hm_harmless_end(struct sync_thread *t)
{
#ifdef HARMLESS_MASK_BREAK_HARMLESS_END
	sync_mask_clear(t, &hm_dom(t)->harmless, sync_bit(t)); /* broken on purpose: no re-park */
#else
	sync_mask_harmless_end(t, &hm_dom(t)->harmless, &hm_dom(t)->want_rdv);
#endif
}

static void hm_isolate(struct sync_thread *t)
{
	struct hm_domain *d = hm_dom(t);
	uint64_t me = sync_bit(t);
	uint64_t h;

	/* Harmless first, so other waiting isolators can go before us. */
	sync_mask_set(t, &d->harmless, me);
#ifndef HARMLESS_MASK_BREAK_NO_WANT_RDV
	sync_mask_set(t, &d->want_rdv, me);
#endif /* else broken on purpose: waking threads do not see the request */
	sync_wait_begin(t, SYNC_WAIT_ISOLATE);
	SYNC_COUNT(t, SYNC_COUNT_SCANNED, 1);
	for (;;) {
		h = atomic_load(&d->harmless);
		if ((h & d->all) == d->all) {
#ifdef HARMLESS_MASK_BREAK_CAS
			/* A preemption between check and claim, made likely. */
			nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
			SYNC_COUNT(t, SYNC_COUNT_CONTENDED_WRITE, 1);
			atomic_store(&d->harmless, h & ~me);
			break;
#else
			SYNC_COUNT(t, SYNC_COUNT_CONTENDED_WRITE, 1);
			if (atomic_compare_exchange_strong(&d->harmless, &h, h & ~me))
				break;
			continue;
#endif
		}
		sched_yield();
	}
	sync_wait_end(t);
}

static void hm_release(struct sync_thread *t)
{
	/* Race to idle: running again (0,0) at once, no waiting. */
	sync_mask_clear(t, &hm_dom(t)->want_rdv, sync_bit(t));
}

/*
 * isolated(): want_rdv & ~harmless & own bit: the strategy's own view of
 * "this thread is isolated". For tests (declared in harmless_mask.h); reads
 * only, from the thread itself.
 */
int sync_harmless_mask_isolated(struct sync_thread *t)
{
	struct hm_domain *d = hm_dom(t);

	return !!(atomic_load(&d->want_rdv) & ~atomic_load(&d->harmless) & sync_bit(t));
}

static void hm_dump(struct sync_domain *sd, FILE *out)
{
	struct hm_domain *d = (struct hm_domain *)sd;
	uint64_t h = atomic_load(&d->harmless), w = atomic_load(&d->want_rdv);

	fprintf(out, "harmless_mask: all %#llx harmless %#llx want_rdv %#llx\n",
		(unsigned long long)d->all, (unsigned long long)h, (unsigned long long)w);
	for (unsigned i = 0; i < sd->nthreads; i++) {
		int hb = (int)(h >> i & 1), wb = (int)(w >> i & 1);

		fprintf(out, "  thread %u: want_rdv %d harmless %d (%s)\n", i, wb, hb,
			wb ? (hb ? "waiting for its turn" : "isolated") :
			     (hb ? "harmless" : "running"));
	}
}

static void hm_domain_init(struct hm_domain *d)
{
	d->all = sync_mask_of(d->base.nthreads);
	/* Threads not started yet count as harmless (739281b3d). */
	atomic_init(&d->harmless, d->all);
	atomic_init(&d->want_rdv, 0);
}

SYNC_DEFINE_DOMAIN_CREATE(hm_domain_create, harmless_mask, struct hm_domain, hm_domain_init)

SYNC_DEFINE_OPS(harmless_mask, "exclusive", SYNC_CAP_ISOLATE, hm,
	(domain_create, isolate, release, dump),
	.origin = "HAProxy 1.9 rendez-vous, commit 60b639ccb (release: f519cfaa6)",
	.max_threads = 64,
	.counted = SYNC_COUNTED_ALL,
	.domain_destroy = sync_domain_delete,
	.thread_alloc = sync_bit_thread_alloc,
	SYNC_HARMLESS_HOOKS(hm_harmless_now, hm_harmless_end));
