/*
 * harmless_membarrier.c - the rendez-vous with no shared read-modify-write on
 * the poll path: each thread owns a harmless flag on its own cache line and
 * writes it with plain release stores around its poll syscall; the rare
 * isolator pays instead, with membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED), an
 * asymmetric fence that makes every running thread of the process execute a
 * full memory barrier.
 *
 * Origin: this project's own variant of HAProxy's rendez-vous (1.9, commit
 * 60b639ccb, seed 002), in none of HAProxy's versions; the asymmetric fence is
 * the one liburcu's "memb" flavor uses (sys_membarrier, Linux 4.14+).
 *
 * State: flag[t] (1 = harmless) per thread, padded; want_rdv, a mask of
 * threads asking to be alone (as in harmless_mask); owner, the thread holding
 * the right to isolate (NONE when free).
 *
 * Steps:
 *  R1. poll_enter, thread_deinit: flag[me] = 1 (release store).
 *  R2. poll_leave, thread_init: loop { flag[me] = 0 (release store); compiler
 *      barrier; if (want_rdv & ~me) == 0 (acquire load): done; else
 *      flag[me] = 1 (release) and wait while want_rdv & ~me (acquire) }.
 *      Reader-side order: after clearing its flag the reader must not read
 *      the shared state before it has checked want_rdv. The acquire load
 *      keeps every later access (the shared state) after the check; the
 *      compiler barrier keeps the check after the store in the emitted
 *      code; neither stops the CPU from performing the load before the
 *      store is visible (no C11 order short of a seq_cst fence does, and
 *      that fence is the cost we avoid): that last gap is closed by I3.
 *  I1. isolate: flag[me] = 1 (release; waiting isolators are harmless);
 *      want_rdv |= me (seq_cst RMW).
 *  I2. take owner with a CAS NONE -> me, relaxing while another isolator
 *      holds it (that one scans flags only, and our flag is 1, so it never
 *      waits for us: several isolators never deadlock).
 *  I3. membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED).
 *  I4. wait until flag[t] == 1 (acquire loads) for every other thread t.
 *  I5. flag[me] = 0: isolated.
 *  I6. release: owner = NONE (release store); want_rdv &= ~me (seq_cst RMW).
 *      No wait (race to idle).
 *
 * Why R2 against I1..I4 still excludes a harmful reader (the Dekker pair,
 * with a store-load pair on each side and only one side fenced by hardware):
 * membarrier(2) guarantees that when it returns, every other thread of the
 * process has, at some point P of its execution between the call and the
 * return, executed a full memory barrier (an IPI running smp_mb() on every
 * CPU that runs one of our threads; a thread not running passes through the
 * scheduler, which implies one). Take a reader R in R2, with its store
 * (a) flag[R] = 0 followed in program order by its load (b) of want_rdv. The
 * compiler barrier keeps (b) after (a) in the instruction stream; only the
 * hardware could still let (b) pass (a) (the store-buffer reordering x86
 * allows). Consider where P falls in R's instruction stream:
 *  - P after (a): the barrier at P drains (a); the membarrier call returns
 *    after P, and I4 runs after the return, so I4 reads flag[R] == 0 (or a
 *    later value, which R writes only when harmless again). The isolator
 *    waits: it never takes R for harmless while R runs on.
 *  - P before (a), hence before (b): everything before the membarrier call on
 *    the isolator's side, including I1's set of want_rdv, is visible to R's
 *    accesses after P, so (b) sees our bit and R re-parks with flag 1 and
 *    waits: R does no harmful work until I6.
 * Either way "R proceeds" and "isolator sees R harmless" cannot both happen.
 * Once membarrier has returned, every later R2 of every thread falls in the
 * second case, so the re-reads of I4 need no further membarrier. The reader
 * needs no hardware fence, only the compiler barrier; that is the whole
 * saving.
 *
 * Other orders: R1's release store orders R's harmful accesses before the
 * flag the isolator reads with acquire in I4, so they happen before the
 * isolation. R2's acquire load of want_rdv (or of its re-park wait) that
 * reads I6's clear makes the isolation's writes visible before R's next
 * harmful access. Isolators among themselves are ordered by owner: I2's
 * acquire CAS reads the previous owner's release store of I6. want_rdv is
 * seq_cst RMW so that every thread's R2 sees a consistent mask.
 *
 * Thread count: flags are per thread, so the flag side has no limit; the
 * want_rdv mask is one 64-bit word, so 64 participants (outside updater
 * included), like harmless_mask. domain_create refuses more.
 *
 * Safety: domain_create registers MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED
 * and fails, naming membarrier, if the kernel refuses (too old, seccomp,
 * not built in). The strategy never runs without its fence.
 *
 * Deliberate breaks for the tests (mutants.bzl): HARMLESS_MEMBARRIER_BREAK_HARMLESS_END
 * (R2 does not re-park), HARMLESS_MEMBARRIER_BREAK_CLAIM (I2 skipped, so two
 * isolators can scan at once, and a 1 ms sleep after the scan to make that
 * likely), HARMLESS_MEMBARRIER_BREAK_NO_MEMBARRIER (I3 skipped: the store
 * buffering litmus sees a reader run during an isolation),
 * HARMLESS_MEMBARRIER_BREAK_NO_SCAN (I4 skipped).
 */
#include "strategies/masks.h"
#include "strategies/sync.h"

#include "strategies/harmless_membarrier.h"

#include <errno.h>
#include <linux/membarrier.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/syscall.h>
#include <unistd.h>

#define HB_MAX_THREADS 64
#define HB_NONE (~0u)

static int hb_sys_membarrier(int cmd, unsigned flags, int cpu_id)
{
	return (int)syscall(__NR_membarrier, cmd, flags, cpu_id);
}

int (*sync_membarrier_call)(int cmd, unsigned flags, int cpu_id) = hb_sys_membarrier;

struct hb_flag {
	/* Written by its own thread only (plain stores), read by isolators. */
	_Atomic int harmless;
} SYNC_ALIGNED;

struct hb_domain {
	struct sync_domain base;
	/* Written by isolators (seq_cst RMW), read by every thread in poll_leave. */
	_Atomic uint64_t want_rdv SYNC_ALIGNED;
	/* Written and read by isolators only. */
	_Atomic unsigned owner SYNC_ALIGNED;
	/* Counted by isolators (relaxed: a statistic), read by summary(). */
	_Atomic uint64_t membarriers SYNC_ALIGNED;
	struct hb_flag *flag;	/* nthreads entries, each on its own line; domain-owned */
};

SYNC_DEFINE_DOMAIN_OF(hb_dom, struct hb_domain)

static void hb_harmless_now(struct sync_thread *t)
{
	/* Release: our harmful accesses happen before an isolator's acquire. */
	SYNC_COUNT(t, SYNC_COUNT_OWN_WRITE, 1);
	atomic_store_explicit(&hb_dom(t)->flag[t->tid].harmless, 1, memory_order_release);
}

static void hb_harmless_end(struct sync_thread *t)
{
	struct hb_domain *d = hb_dom(t);
	_Atomic int *flag = &d->flag[t->tid].harmless;
	uint64_t me = sync_bit(t);

	for (;;) {
		/*
		 * A plain (release) store, then a compiler-only barrier before
		 * the load: the hardware may still let the load pass the store;
		 * the isolator's membarrier closes that gap (see the proof
		 * above). Release is free on x86 and orders nothing we need
		 * here; it keeps the two flag stores alike.
		 */
		SYNC_COUNT(t, SYNC_COUNT_OWN_WRITE, 1);
		atomic_store_explicit(flag, 0, memory_order_release);
		atomic_signal_fence(memory_order_seq_cst);
#ifdef HARMLESS_MEMBARRIER_BREAK_HARMLESS_END
		return;
#endif
		/* Acquire: a release seen as 0 publishes the isolation's writes. */
		if (!(atomic_load_explicit(&d->want_rdv, memory_order_acquire) & ~me))
			return;
		SYNC_COUNT(t, SYNC_COUNT_OWN_WRITE, 1);
		atomic_store_explicit(flag, 1, memory_order_release);
		sync_wait_begin(t, SYNC_WAIT_REPARK);
		while (atomic_load_explicit(&d->want_rdv, memory_order_acquire) & ~me)
			sched_yield();
		sync_wait_end(t);
	}
}

static void hb_isolate(struct sync_thread *t)
{
	struct hb_domain *d = hb_dom(t);
	unsigned n = t->dom->nthreads, k, none;

	hb_harmless_now(t);
	SYNC_COUNT(t, SYNC_COUNT_CONTENDED_WRITE, 1);
	atomic_fetch_or(&d->want_rdv, sync_bit(t));
	sync_wait_begin(t, SYNC_WAIT_ISOLATE);
#ifndef HARMLESS_MEMBARRIER_BREAK_CLAIM
	for (;;) {
		none = HB_NONE;
		SYNC_COUNT(t, SYNC_COUNT_CONTENDED_WRITE, 1);
		/* Acquire: the previous owner's isolation happens before ours. */
		if (atomic_compare_exchange_weak_explicit(&d->owner, &none, t->tid,
							  memory_order_acquire, memory_order_relaxed))
			break;
		sched_yield();
	}
#else
	(void)none;
#endif
	SYNC_COUNT(t, SYNC_COUNT_MEMBARRIER, 1);
	/*
	 * Registered in domain_create, so the kernel accepts it; should it
	 * ever refuse, going on would be unsafe: stop loudly instead.
	 */
#ifndef HARMLESS_MEMBARRIER_BREAK_NO_MEMBARRIER
	if (sync_membarrier_call(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) != 0) {
		fprintf(stderr, "harmless_membarrier: membarrier(PRIVATE_EXPEDITED) failed after registration: %s\n",
			strerror(errno));
		abort();
	}
#endif
	atomic_fetch_add_explicit(&d->membarriers, 1, memory_order_relaxed);
	for (k = 0; k < n; k++) {
#ifdef HARMLESS_MEMBARRIER_BREAK_NO_SCAN
		break; /* broken on purpose: nobody is waited for */
#endif
		if (k == t->tid)
			continue;
		SYNC_COUNT(t, SYNC_COUNT_SCANNED, 1);
		while (!atomic_load_explicit(&d->flag[k].harmless, memory_order_acquire))
			sched_yield();
	}
	sync_wait_end(t);
#ifdef HARMLESS_MEMBARRIER_BREAK_CLAIM
	/* A preemption after the scan, made likely. */
	nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
#endif
	SYNC_COUNT(t, SYNC_COUNT_OWN_WRITE, 1);
	atomic_store_explicit(&d->flag[t->tid].harmless, 0, memory_order_relaxed);
}

static void hb_release(struct sync_thread *t)
{
	struct hb_domain *d = hb_dom(t);

#ifndef HARMLESS_MEMBARRIER_BREAK_CLAIM
	/* Release: the next owner's acquire CAS sees our isolation's writes. */
	SYNC_COUNT(t, SYNC_COUNT_CONTENDED_WRITE, 1);
	atomic_store_explicit(&d->owner, HB_NONE, memory_order_release);
#endif
	SYNC_COUNT(t, SYNC_COUNT_CONTENDED_WRITE, 1);
	atomic_fetch_and(&d->want_rdv, ~sync_bit(t));
}

static int hb_domain_create(const struct sync_params *p, struct sync_domain **out,
			    char *err, size_t errlen);

static void hb_dump(struct sync_domain *sd, FILE *out)
{
	struct hb_domain *d = (struct hb_domain *)sd;
	uint64_t w = atomic_load(&d->want_rdv);
	unsigned owner = atomic_load(&d->owner);

	fprintf(out, "harmless_membarrier: want_rdv %#llx owner %s%u membarriers %llu\n",
		(unsigned long long)w, owner == HB_NONE ? "none " : "", owner == HB_NONE ? 0 : owner,
		(unsigned long long)atomic_load(&d->membarriers));
	for (unsigned k = 0; k < sd->nthreads; k++)
		fprintf(out, "  thread %u: harmless %d want_rdv %d%s\n", k,
			atomic_load_explicit(&d->flag[k].harmless, memory_order_relaxed),
			(int)(w >> k & 1), owner == k ? " owner" : "");
}

static void hb_summary(struct sync_domain *sd, FILE *out)
{
	struct hb_domain *d = (struct hb_domain *)sd;

	fprintf(out, "membarrier private_expedited membarrier_calls %llu",
		(unsigned long long)atomic_load(&d->membarriers));
}

SYNC_DEFINE_OPS(harmless_membarrier, "exclusive", SYNC_CAP_ISOLATE, hb,
	(domain_create, isolate, release, dump, summary),
	.origin = "this project: HAProxy 1.9 rendez-vous (60b639ccb) with per-thread flags and membarrier",
	.max_threads = HB_MAX_THREADS,
	.counted = SYNC_COUNTED_ALL,
	.domain_destroy = sync_domain_delete,
	.thread_alloc = sync_bit_thread_alloc,
	SYNC_HARMLESS_HOOKS(hb_harmless_now, hb_harmless_end));

static int hb_domain_create(const struct sync_params *p, struct sync_domain **out,
			    char *err, size_t errlen)
{
	struct hb_domain *d;
	int q;

	if (sync_check_params(&sync_harmless_membarrier, p, err, errlen))
		return -1;
	q = sync_membarrier_call(MEMBARRIER_CMD_QUERY, 0, 0);
	if (q < 0 || !(q & MEMBARRIER_CMD_PRIVATE_EXPEDITED)) {
		snprintf(err, errlen,
			 "harmless_membarrier: the kernel does not offer membarrier(PRIVATE_EXPEDITED)%s%s; refusing to run without its fence",
			 q < 0 ? ": " : "", q < 0 ? strerror(errno) : "");
		return -1;
	}
	if (sync_membarrier_call(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) != 0) {
		snprintf(err, errlen,
			 "harmless_membarrier: membarrier(REGISTER_PRIVATE_EXPEDITED) refused: %s; refusing to run without its fence",
			 strerror(errno));
		return -1;
	}
	d = SYNC_DOMAIN_NEW_WITH(&sync_harmless_membarrier, p, sizeof(*d), err, errlen,
				 SYNC_PER_THREAD(struct hb_domain, flag));
	if (!d)
		return -1;
	/* Threads not started yet count as harmless. */
	for (unsigned k = 0; k < p->nthreads; k++)
		atomic_init(&d->flag[k].harmless, 1);
	atomic_init(&d->want_rdv, 0);
	atomic_init(&d->owner, HB_NONE);
	atomic_init(&d->membarriers, 0);
	*out = &d->base;
	return 0;
}
