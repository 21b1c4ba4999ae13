/*
 * tgroups.c - the rendez-vous beyond 64 threads: threads are split into groups
 * of at most 64, each group with its own 64-bit harmless mask on its own cache
 * line; a global counter of pending rendez-vous requests replaces the want_rdv
 * mask, and a global word names the one isolated thread (~0: none).
 *
 * Origin: HAProxy 2.7, commit 598cf3f22 (thread groups for isolation), with
 * the 2023 fix 8fc707390 (re-verify every group after winning the claim).
 * Re-implemented from the semantics, not copied.
 *
 * Per thread: harmless bit h (in its group's mask); globals: rdv (pending
 * requests), iso (isolated thread id or ~0).
 *
 *	h | rdv > 0 | iso     | meaning
 *	--+---------+---------+-----------------------------------------------
 *	0 |   no    | ~0      | running, possibly harmful
 *	1 |   any   | not me  | harmless (polling, not started, exited, or an
 *	  |         |         | isolator waiting for its turn)
 *	0 |   yes   | me      | isolated
 *
 * Steps:
 *  1. poll_enter (harmless_now), thread_deinit: set own bit in the group mask.
 *  2. poll_leave (harmless_end), thread_init: loop { clear own bit; if rdv is
 *     0, done; else set the bit again and wait while rdv > 0 and iso is not
 *     me (an isolated thread never waits on itself) }.
 *  3. isolate: set own bit; rdv++; loop {
 *       a. wait until every group's mask is full (scanned one group after the
 *          other: the scan is not a snapshot);
 *       b. if iso == me: done (the scan of a. ran entirely after our claim);
 *       c. if iso == ~0 and CAS(iso, ~0 -> me) succeeds: go back to a. once
 *          more (8fc707390: the scan that led to the claim may have seen a
 *          group harmless before a thread of it finished an isolation of its
 *          own, released it and went back to harmful work; once iso is ours
 *          no one else can be isolated, and rdv > 0 keeps every thread seen
 *          harmless from then on harmless, so a full scan after the claim
 *          is a proof);
 *       d. else relax }; clear own bit.
 *  4. release: iso = ~0; rdv--. No wait (the thread runs on; waiting
 *     isolators see its bit clear until it polls).
 * Waiting isolators are harmless: several isolators never deadlock.
 *
 * Memory order: sequentially consistent everywhere: 2 and 3 form the Dekker
 * pair (clear own bit then read rdv, against rdv++ then read the masks).
 * No idle masks: HAProxy 2.7 keeps per-group idle masks too, but only for
 * thread_isolate_full; this strategy's isolate is thread_isolate, which never
 * reads them, so maintaining them would add two shared RMWs per loop that
 * nothing uses (isolate_full.c shows the idle variant, up to 64 threads).
 * Limit: 1024 participants including the outside updater (16 groups).
 *
 * Deliberate breaks for the tests (mutants.bzl): TGROUPS_BREAK_HARMLESS_END
 * (step 2 does not re-park), TGROUPS_BREAK_REVERIFY (step 3c returns at once
 * after the CAS), TGROUPS_BREAK_CLAIM (step 3 returns after the scan, with
 * no claim). Built with TGROUPS_TEST_HOOKS (tests only), isolate calls
 * tgroups_test_hook between the scan and the claim, so that a test can
 * script the interleaving the re-verification exists for
 * (tgroups_script_test.c).
 */
#include "strategies/sync.h"

#include <sched.h>
#include <stdlib.h>

#ifdef TGROUPS_TEST_HOOKS
#include "strategies/tgroups_test_hooks.h"

void (*tgroups_test_hook)(struct sync_thread *t, enum tgroups_test_point point);
#define TG_HOOK(t, point)                                  \
	do {                                               \
		if (tgroups_test_hook)                     \
			tgroups_test_hook((t), (point));   \
	} while (0)
#else
#define TG_HOOK(t, point) do { } while (0)
#endif

#define TG_MAX_THREADS 1024
#define TG_GROUP 64
#define TG_MAX_GROUPS (TG_MAX_THREADS / TG_GROUP)
#define TG_NONE (~0u)

struct tg_group {
	/* Written by the group's threads around their poll, read by isolators. */
	_Atomic uint64_t harmless;
	uint64_t enabled;	/* the group's threads; constant after create */
} SYNC_ALIGNED;

struct tg_domain {
	struct sync_domain base;
	unsigned ngroups;
	/* Written by isolators (++ then -- on release), read in every poll_leave. */
	_Atomic unsigned rdv SYNC_ALIGNED;
	/* Written by isolators (claim, release), read by waiting isolators. */
	_Atomic unsigned iso SYNC_ALIGNED;
	struct tg_group group[TG_MAX_GROUPS];
};

struct tg_thread {
	struct sync_thread base;
	struct tg_group *grp;
	uint64_t bit;	/* within its group */
};

SYNC_DEFINE_DOMAIN_OF(tg_dom, struct tg_domain)

SYNC_DEFINE_THREAD_CAST(tg_thr, struct tg_thread)

static void tg_harmless_now(struct sync_thread *t)
{
	SYNC_COUNT(t, SYNC_COUNT_CONTENDED_WRITE, 1);
	atomic_fetch_or(&tg_thr(t)->grp->harmless, tg_thr(t)->bit);
}

static void tg_harmless_end(struct sync_thread *t)
{
	struct tg_domain *d = tg_dom(t);
	struct tg_thread *me = tg_thr(t);

	for (;;) {
		SYNC_COUNT(t, SYNC_COUNT_CONTENDED_WRITE, 1);
		atomic_fetch_and(&me->grp->harmless, ~me->bit);
#ifdef TGROUPS_BREAK_HARMLESS_END
		return;
#endif
		if (atomic_load(&d->rdv) == 0)
			return;
		SYNC_COUNT(t, SYNC_COUNT_CONTENDED_WRITE, 1);
		atomic_fetch_or(&me->grp->harmless, me->bit);
		sync_wait_begin(t, SYNC_WAIT_REPARK);
		while (atomic_load(&d->rdv) != 0 && atomic_load(&d->iso) != t->tid)
			sched_yield();
		sync_wait_end(t);
		if (atomic_load(&d->iso) == t->tid) {
			/* Isolated and harmless_end'ing: leave the bit clear, no wait. */
			SYNC_COUNT(t, SYNC_COUNT_CONTENDED_WRITE, 1);
			atomic_fetch_and(&me->grp->harmless, ~me->bit);
			return;
		}
	}
}

/* True when every group's enabled threads are all harmless, scanned in turn. */
static int tg_all_harmless(struct tg_domain *d)
{
	for (unsigned g = 0; g < d->ngroups; g++) {
		struct tg_group *grp = &d->group[g];

		if ((atomic_load(&grp->harmless) & grp->enabled) != grp->enabled)
			return 0;
	}
	return 1;
}

static void tg_isolate(struct sync_thread *t)
{
	struct tg_domain *d = tg_dom(t);
	struct tg_thread *me = tg_thr(t);

	SYNC_COUNT(t, SYNC_COUNT_CONTENDED_WRITE, 1);
	atomic_fetch_or(&me->grp->harmless, me->bit);
	SYNC_COUNT(t, SYNC_COUNT_CONTENDED_WRITE, 1);
	atomic_fetch_add(&d->rdv, 1);
	sync_wait_begin(t, SYNC_WAIT_ISOLATE);
	SYNC_COUNT(t, SYNC_COUNT_SCANNED, d->ngroups);
	for (;;) {
		unsigned cur;

		if (!tg_all_harmless(d)) {
			sched_yield();
			continue;
		}
		/* Between the scan and the claim: where a preemption hurts. */
		TG_HOOK(t, TGROUPS_HOOK_SCANNED);
		cur = atomic_load(&d->iso);
		if (cur == t->tid)
			break;
#ifdef TGROUPS_BREAK_CLAIM
		break; /* broken on purpose: the scan alone isolates */
#endif
		SYNC_COUNT(t, SYNC_COUNT_CONTENDED_WRITE, cur == TG_NONE);
		if (cur == TG_NONE && atomic_compare_exchange_strong(&d->iso, &cur, t->tid)) {
			SYNC_COUNT(t, SYNC_COUNT_SCANNED, d->ngroups);
#ifdef TGROUPS_BREAK_REVERIFY
			break; /* broken on purpose: trusts the scan made before the claim */
#endif
			continue;	/* re-verify every group (8fc707390) */
		}
		sched_yield();
	}
	sync_wait_end(t);
	SYNC_COUNT(t, SYNC_COUNT_CONTENDED_WRITE, 1);
	atomic_fetch_and(&me->grp->harmless, ~me->bit);
}

static void tg_release(struct sync_thread *t)
{
	struct tg_domain *d = tg_dom(t);

	SYNC_COUNT(t, SYNC_COUNT_CONTENDED_WRITE, 1);
	atomic_store(&d->iso, TG_NONE);
	SYNC_COUNT(t, SYNC_COUNT_CONTENDED_WRITE, 1);
	atomic_fetch_sub(&d->rdv, 1);
}

static SYNC_THREAD_ALLOC_WITH(tg_thread_alloc, struct tg_thread,
			      t->grp = &((struct tg_domain *)d)->group[tid / TG_GROUP];
			      t->bit = 1ull << (tid % TG_GROUP))

static void tg_dump(struct sync_domain *sd, FILE *out)
{
	struct tg_domain *d = (struct tg_domain *)sd;
	unsigned iso = atomic_load(&d->iso);

	fprintf(out, "tgroups: %u groups, rdv requests %u, isolated thread %s%u\n", d->ngroups,
		atomic_load(&d->rdv), iso == TG_NONE ? "none " : "", iso == TG_NONE ? 0 : iso);
	for (unsigned g = 0; g < d->ngroups; g++) {
		uint64_t h = atomic_load(&d->group[g].harmless);

		fprintf(out, "  group %u: enabled %#llx harmless %#llx\n", g,
			(unsigned long long)d->group[g].enabled, (unsigned long long)h);
		for (unsigned k = 0; k < TG_GROUP && g * TG_GROUP + k < sd->nthreads; k++)
			fprintf(out, "    thread %u: harmless %d%s\n", g * TG_GROUP + k, (int)(h >> k & 1),
				iso == g * TG_GROUP + k ? " isolated" : "");
	}
}

static void tg_domain_init(struct tg_domain *d)
{
	d->ngroups = (d->base.nthreads + TG_GROUP - 1) / TG_GROUP;
	for (unsigned g = 0; g < TG_MAX_GROUPS; g++) {
		unsigned first = g * TG_GROUP, n = 0;

		if (first < d->base.nthreads)
			n = d->base.nthreads - first > TG_GROUP ? TG_GROUP : d->base.nthreads - first;
		d->group[g].enabled = n == TG_GROUP ? ~0ull : (1ull << n) - 1;
		/* Threads not started yet count as harmless (739281b3d). */
		atomic_init(&d->group[g].harmless, d->group[g].enabled);
	}
	atomic_init(&d->rdv, 0);
	atomic_init(&d->iso, TG_NONE);
}

SYNC_DEFINE_DOMAIN_CREATE(tg_domain_create, tgroups, struct tg_domain, tg_domain_init)

SYNC_DEFINE_OPS(tgroups, "exclusive", SYNC_CAP_ISOLATE, tg,
	(domain_create, thread_alloc, isolate, release, dump),
	.origin = "HAProxy 2.7 thread groups, commit 598cf3f22 + re-verification 8fc707390",
	.max_threads = TG_MAX_THREADS,
	.counted = SYNC_COUNTED_ALL,
	.domain_destroy = sync_domain_delete,
	SYNC_HARMLESS_HOOKS(tg_harmless_now, tg_harmless_end));
