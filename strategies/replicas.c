/*
 * replicas.c - per-thread replicas, our own: the protocol of replicas_lazy
 * and replicas_eager. Origin: the "share nothing, message every core" design
 * of per-core replicated state (the multikernel, Baumann et al. SOSP 2009;
 * per-thread config copies in event-driven servers): every thread keeps its
 * own copy of the shared state, an update posts a new version to every
 * thread, each thread applies it at its next loop iteration and acknowledges,
 * and the updater is done when every participant acknowledged.
 *
 * What is modeled, and what is not. The interface's harnesses keep ONE
 * shared object and read it through a pointer; here that object stands in
 * for every thread's replica, and "applying version V" is the thread's
 * promise that every read it makes from now on sees version V or later. What
 * is measured is the protocol: the posting, the acknowledgements, the waits,
 * and (eager) the wakeups. Not measured: the memory of N copies (N times the
 * state, one per thread, plus the version in flight) and the copy each thread
 * makes when it applies; a real replica design pays both, on top of what is
 * measured here. Seen from the updater, the lazy protocol is QSBR's (an
 * acknowledgement is a quiescent state, a sleeper is offline), which is what
 * the figures should show.
 *
 * State: one version counter (written by the updater, read by everyone) and
 * per participant, in a domain-owned cache-line slot: ack (the last version
 * the thread applied; written by the owner, read by updaters), asleep (set
 * around the poll; owner writes, updaters read) and registered.
 *
 * Invariant: an update of version V is done when every registered
 * participant has ack >= V, or (lazy only) is asleep. Either way none of them
 * can still read a version older than V:
 *  1. Updater (synchronize): the harness unpublished the old version first;
 *     store version = V (seq_cst), then read every slot (seq_cst loads).
 *  2. Apply (loop_iter, poll_enter, poll_leave, outside any read section):
 *     v = load(version, acquire); if ack < v: store(ack, v, release). The
 *     release orders the thread's earlier reads before the ack the updater
 *     observes; the acquire makes its later reads see the new version.
 *  3. Falling asleep (poll_enter): store asleep = 1 (seq_cst), full fence,
 *     then apply (2). Dekker pair with 1: either the updater sees asleep
 *     (lazy: skips the thread; eager: wakes it), or the thread sees V and
 *     acknowledges it before it sleeps. No update is lost by a thread that
 *     fell asleep while the updater looked at it.
 *  4. Waking (poll_leave): store asleep = 0 (seq_cst), full fence, apply
 *     (2) before any read. An updater that saw the thread asleep posted its
 *     version before the thread's fence: the thread applies it now, so a
 *     lazy sleeper, skipped while it slept, never reads the old version.
 *  5. thread_init/thread_deinit: registered = 1 (after ack = current version)
 *     / 0; a thread outside its lifecycle reads nothing.
 *  6. An updater inside synchronize (queued behind another round) reads
 *     nothing: updating = 1 exempts it from the round in progress, as
 *     offline does in QSBR. It leaves with ack = its own version, newer than
 *     any it waited behind.
 *
 * The two modes differ only in what the updater does about sleepers:
 *  - lazy: nothing. It does not wait for them and never wakes them; they
 *    apply what was posted while they slept when they wake (4), and their
 *    first read after the wake-up is of the new version. Waiting for every
 *    sleeper's next wake-up instead would make an update's end depend on the
 *    traffic of the idlest thread (unbounded: a thread with no events sleeps
 *    forever) and would protect nothing more, since a sleeper cannot read
 *    before (4); so "a sleeper acknowledges when it wakes" is kept as "a
 *    sleeper applies when it wakes", and asleep stands for its promise to.
 *  - eager: every replica must have applied V before the update is done (the
 *    promise a replica design makes when applying has effects, e.g. closing
 *    the connections of a deleted server). If any registered thread is asleep
 *    and behind, the updater writes the domain's eventfd once (the simulator
 *    watches it in every thread's epoll set), waits for every ack, then
 *    drains the eventfd and publishes drained = V. A thread woken by it
 *    applies in poll_leave (4), and in loop_iter waits, still applying any
 *    newer version, until the round it applied is drained: otherwise the
 *    still-readable (level-triggered) eventfd would wake it again at its next
 *    poll. So a round wakes each sleeper once: N-1 wakeups per update for N
 *    sleeping loop threads and an updater in a loop thread, as wake_all. A
 *    thread that was awake at the write and polls before the drain is woken
 *    too. A round starts only once the threads the previous round woke are
 *    back in the poller (woken, set by wake_event, cleared by poll_enter):
 *    with back-to-back updates a thread still on its way back would apply
 *    the next version before sleeping and not be woken for it, and the
 *    count would depend on the updater's timing. A thread asleep somewhere
 *    other than a poller that watches the wake_fd holds an eager update up
 *    (the watchdog names it).
 *
 * Updaters serialize on update_lock: one round at a time, so one drain never
 * eats the write of another round. The updater acknowledges for itself (it
 * is outside any read section). Waits spin REPLICAS_SPINS rounds, then sleep
 * on a futex (the thread waited for may need this CPU: on 2 cores a yielding
 * spinner was seen to wait for whole time slices): the updater on ack_futex,
 * woken by a thread that acknowledges, falls asleep or leaves while the flag
 * is set (a full fence and a load on those paths: once per version per
 * thread, and once per poll); a woken eager thread on drain_futex, woken by
 * the drain. Every futex wait is bounded (REPLICAS_SLEEP_NS).
 *
 * Deliberate break (replicas_*_broken_no_wait_test, must fail):
 * REPLICAS_BREAK_NO_WAIT makes synchronize post the version and return
 * without waiting for the acknowledgements.
 */
#include "strategies/replicas.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#define REPLICAS_SPINS 256
#define REPLICAS_SLEEP_NS 1000000 /* a futex wait's bound: a lost wake-up costs 1 ms */

#ifdef REPLICAS_BREAK_NO_WAIT
#define RP_WAITS 0
#else
#define RP_WAITS 1
#endif

/* One participant's slot, domain-owned (an updater may scan it at any time). */
struct replicas_slot {
	_Atomic uint64_t ack;   /* owner writes (release), updaters read (acquire) */
	_Atomic int asleep;     /* owner writes, updaters read; seq_cst (Dekker) */
	_Atomic int registered; /* owner writes, updaters read; seq_cst */
	_Atomic int updating;   /* owner writes, updaters read; seq_cst: inside synchronize */
	_Atomic int woken;      /* eager: owner writes, updaters read; seq_cst: woken, not back in poll */
} SYNC_ALIGNED;

struct replicas_domain {
	struct sync_domain base;
	enum replicas_mode mode;
	int efd;                    /* eager: the wake fd; lazy: -1 */
	pthread_mutex_t update_lock; /* one update round at a time */
	struct replicas_slot *slots; /* nthreads entries, domain-owned (sync_domain_array) */
	/* Written by the updater under update_lock, read by everyone. */
	_Atomic uint64_t version SYNC_ALIGNED;
	/* Eager: the last round whose eventfd write was drained; updater writes. */
	_Atomic uint64_t drained SYNC_ALIGNED;
	/* Low 32 bits of drained, the futex word woken threads sleep on. */
	_Atomic uint32_t drain_futex;
	/* 1 while an updater sleeps on it waiting for an ack (seq_cst: Dekker). */
	_Atomic uint32_t ack_futex SYNC_ALIGNED;
	/* Statistics; relaxed, they order nothing. */
	struct sync_reclaim_stats stats SYNC_ALIGNED;
	_Atomic uint64_t fd_writes, applied_loop, applied_sleep, applied_wake;
};

struct replicas_thread {
	struct sync_thread base;
	struct replicas_slot *slot;
	uint64_t woken_round; /* owner only: eager, applied round to wait the drain of */
};

SYNC_DEFINE_DOMAIN_CAST(rp_dom, struct replicas_domain)
SYNC_DEFINE_THREAD_CAST(rp_thr, struct replicas_thread)

static void rp_wake_updater(struct sync_thread *t, struct replicas_domain *d);

/* Step 2: apply what was posted; true when there was something to apply. */
static bool rp_apply(struct sync_thread *t)
{
	struct replicas_domain *d = rp_dom(t->dom);
	struct replicas_slot *s = rp_thr(t)->slot;
	uint64_t v = atomic_load_explicit(&d->version, memory_order_acquire);

	if (atomic_load_explicit(&s->ack, memory_order_relaxed) >= v)
		return false;
	SYNC_COUNT(t, SYNC_COUNT_OWN_WRITE, 1);
	atomic_store_explicit(&s->ack, v, memory_order_release);
	rp_wake_updater(t, d);
	return true;
}

static void rp_count(_Atomic uint64_t *c)
{
	atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

static void rp_futex_wait(struct sync_thread *t, _Atomic uint32_t *word, uint32_t val)
{
	struct timespec ts = { 0, REPLICAS_SLEEP_NS };

	SYNC_COUNT(t, SYNC_COUNT_FUTEX_WAIT, 1);
	syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT_PRIVATE, val, &ts, NULL, 0);
}

static void rp_futex_wake(struct sync_thread *t, _Atomic uint32_t *word)
{
	SYNC_COUNT(t, SYNC_COUNT_FUTEX_WAKE, 1);
	syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

/*
 * After a store an updater may be waiting for (ack, asleep, registered):
 * full fence (the store before the flag's load; Dekker with rp_wait_slot),
 * then wake a sleeping updater. Once per version per thread, or per poll.
 */
static void rp_wake_updater(struct sync_thread *t, struct replicas_domain *d)
{
	sync_full_fence();
	if (atomic_load_explicit(&d->ack_futex, memory_order_relaxed)) {
		SYNC_COUNT(t, SYNC_COUNT_CONTENDED_WRITE, 1);
		if (atomic_exchange(&d->ack_futex, 0))
			rp_futex_wake(t, &d->ack_futex);
	}
}

int replicas_domain_create(const struct sync_ops *ops, enum replicas_mode mode,
			   const struct sync_params *p, struct sync_domain **out, char *err,
			   size_t errlen)
{
	struct replicas_domain *d = SYNC_DOMAIN_NEW_WITH(ops, p, sizeof(*d), err, errlen,
							 SYNC_PER_THREAD(struct replicas_domain, slots));

	if (!d)
		return -1;
	d->mode = mode;
	d->efd = -1;
	if (mode == REPLICAS_EAGER) {
		d->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (d->efd < 0) {
			snprintf(err, errlen, "%s: eventfd: %s", ops->name, strerror(errno));
			sync_domain_delete(&d->base);
			return -1;
		}
	}
	pthread_mutex_init(&d->update_lock, NULL);
	*out = &d->base;
	return 0;
}

void replicas_domain_destroy(struct sync_domain *dd)
{
	struct replicas_domain *d = rp_dom(dd);

	if (d->efd >= 0)
		close(d->efd);
	pthread_mutex_destroy(&d->update_lock);
	sync_domain_delete(dd);
}

int replicas_wake_fd(struct sync_domain *d)
{
	return rp_dom(d)->efd;
}

SYNC_THREAD_ALLOC_WITH(replicas_thread_alloc, struct replicas_thread,
		       t->slot = &rp_dom(d)->slots[tid])

int replicas_thread_init(struct sync_thread *t, char *err, size_t errlen)
{
	struct replicas_slot *s = rp_thr(t)->slot;

	(void)err;
	(void)errlen;
	/* Step 5: starts with the current version; nothing read yet. */
	SYNC_COUNT(t, SYNC_COUNT_OWN_WRITE, 3);
	atomic_store_explicit(&s->ack, atomic_load(&rp_dom(t->dom)->version), memory_order_relaxed);
	atomic_store(&s->asleep, 0);
	atomic_store(&s->registered, 1);
	sync_full_fence();
	rp_apply(t);
	return 0;
}

void replicas_thread_deinit(struct sync_thread *t)
{
	SYNC_COUNT(t, SYNC_COUNT_OWN_WRITE, 1);
	atomic_store(&rp_thr(t)->slot->registered, 0);
	rp_wake_updater(t, rp_dom(t->dom));
}

void replicas_poll_enter(struct sync_thread *t)
{
	/* Step 3 (the fence is rp_wake_updater's: an updater may wait for this). */
	SYNC_COUNT(t, SYNC_COUNT_OWN_WRITE, 2);
	atomic_store(&rp_thr(t)->slot->asleep, 1);
	atomic_store(&rp_thr(t)->slot->woken, 0);
	rp_wake_updater(t, rp_dom(t->dom));
	if (rp_apply(t))
		rp_count(&rp_dom(t->dom)->applied_sleep);
}

void replicas_poll_leave(struct sync_thread *t)
{
	/* Step 4. */
	SYNC_COUNT(t, SYNC_COUNT_OWN_WRITE, 1);
	atomic_store(&rp_thr(t)->slot->asleep, 0);
	sync_full_fence();
	if (rp_apply(t))
		rp_count(&rp_dom(t->dom)->applied_wake);
}

void replicas_wake_event(struct sync_thread *t)
{
	/* Eager: poll_leave applied the round that woke us; wait its drain in loop_iter. */
	rp_thr(t)->woken_round = atomic_load_explicit(&rp_thr(t)->slot->ack, memory_order_relaxed);
	SYNC_COUNT(t, SYNC_COUNT_OWN_WRITE, 1);
	atomic_store(&rp_thr(t)->slot->woken, 1);
}

void replicas_loop_iter(struct sync_thread *t)
{
	struct replicas_domain *d = rp_dom(t->dom);
	struct replicas_thread *rt = rp_thr(t);
	unsigned n = 0;

	if (rp_apply(t))
		rp_count(&d->applied_loop);
	if (!rt->woken_round)
		return;
	/* Acquire: pairs with the updater's release of drained, after its read. */
	if (atomic_load_explicit(&d->drained, memory_order_acquire) < rt->woken_round) {
		sync_wait_begin(t, SYNC_WAIT_BARRIER);
		for (;;) {
			uint32_t f = atomic_load(&d->drain_futex);

			if (atomic_load_explicit(&d->drained, memory_order_acquire) >= rt->woken_round)
				break;
			/* A newer round may need our ack before the drain we wait for. */
			if (rp_apply(t))
				rp_count(&d->applied_loop);
			if (++n < REPLICAS_SPINS)
				sync_relax();
			else
				rp_futex_wait(t, &d->drain_futex, f); /* returns once drain_futex moved */
		}
		sync_wait_end(t);
	}
	rt->woken_round = 0;
}

/* A slot that cannot hold up a round: not registered, or queued to update. */
static bool rp_exempt(struct replicas_slot *s)
{
	return !atomic_load(&s->registered) || atomic_load(&s->updating);
}

/* True once slot s no longer holds up version v. */
static bool rp_acked(const struct replicas_domain *d, struct replicas_slot *s, uint64_t v)
{
	if (rp_exempt(s))
		return true;
	/* Acquire: the thread's reads before its ack happen before the free. */
	if (atomic_load_explicit(&s->ack, memory_order_acquire) >= v)
		return true;
	return d->mode == REPLICAS_LAZY && atomic_load(&s->asleep);
}

/* Eager, before a round: true once slot s is back in the poller (or exempt). */
static bool rp_settled(const struct replicas_domain *d, struct replicas_slot *s, uint64_t v)
{
	(void)d;
	(void)v;
	return rp_exempt(s) || !atomic_load(&s->woken);
}

/*
 * Waits until done(d, s, v): spins, then sleeps on ack_futex. Dekker with
 * rp_wake_updater: store the flag (seq_cst), re-check (seq_cst loads); a
 * thread that stored after the re-check sees the flag and wakes us. The
 * bounded futex wait covers anything else.
 */
static void rp_wait_slot(struct sync_thread *t, struct replicas_domain *d, struct replicas_slot *s, uint64_t v,
			 bool (*done)(const struct replicas_domain *, struct replicas_slot *, uint64_t))
{
	SYNC_COUNT(t, SYNC_COUNT_SCANNED, 1);
	for (unsigned n = 0; !done(d, s, v); n++) {
		if (n < REPLICAS_SPINS) {
			sync_relax();
			continue;
		}
		SYNC_COUNT(t, SYNC_COUNT_CONTENDED_WRITE, 1);
		atomic_store(&d->ack_futex, 1);
		if (done(d, s, v))
			break;
		rp_futex_wait(t, &d->ack_futex, 1);
	}
}

void replicas_synchronize(struct sync_thread *t)
{
	struct replicas_domain *d = rp_dom(t->dom);
	struct replicas_slot *self = rp_thr(t)->slot;
	bool wrote = false;
	uint64_t v;

	sync_stats_synchronize(&d->stats);
	sync_wait_begin(t, SYNC_WAIT_GRACE);
	/*
	 * Step 6: an updater queued on update_lock reads nothing and cannot
	 * acknowledge; the round in progress must not wait for it.
	 */
	SYNC_COUNT(t, SYNC_COUNT_OWN_WRITE, 2);
	atomic_store(&self->updating, 1);
	atomic_store(&self->woken, 0);
	SYNC_COUNT(t, SYNC_COUNT_CONTENDED_WRITE, 1);
	pthread_mutex_lock(&d->update_lock);
	/*
	 * Eager: a round starts once the threads the previous round woke are
	 * back in the poller; one still on its way would apply the new version
	 * before sleeping and not be woken, and the wakeups per update would
	 * depend on the updater's timing (back-to-back updates).
	 */
	for (unsigned i = 0; RP_WAITS && d->mode == REPLICAS_EAGER && i < t->dom->nthreads; i++)
		if (&d->slots[i] != self)
			rp_wait_slot(t, d, &d->slots[i], 0, rp_settled);
	/* Step 1: seq_cst, after the harness's unpublish, before the slot loads. */
	v = atomic_load_explicit(&d->version, memory_order_relaxed) + 1;
	SYNC_COUNT(t, SYNC_COUNT_CONTENDED_WRITE, 1);
	atomic_store(&d->version, v);
	SYNC_COUNT(t, SYNC_COUNT_OWN_WRITE, 1);
	atomic_store_explicit(&self->ack, v, memory_order_release);
	if (RP_WAITS && d->mode == REPLICAS_EAGER) {
		for (unsigned i = 0; i < t->dom->nthreads && !wrote; i++) {
			struct replicas_slot *s = &d->slots[i];

			if (s != self && atomic_load(&s->registered) && !atomic_load(&s->updating) &&
			    atomic_load(&s->asleep) &&
			    atomic_load_explicit(&s->ack, memory_order_acquire) < v) {
				uint64_t one = 1;

				/* Only this round's updater writes it: never overflows. */
				SYNC_COUNT(t, SYNC_COUNT_EVENTFD_WRITE, 1);
				if (write(d->efd, &one, sizeof(one)) == (ssize_t)sizeof(one)) {
					wrote = true;
					rp_count(&d->fd_writes);
				}
			}
		}
	}
	for (unsigned i = 0; RP_WAITS && i < t->dom->nthreads; i++) {
		struct replicas_slot *s = &d->slots[i];

		if (s != self)
			rp_wait_slot(t, d, s, v, rp_acked);
	}
	if (wrote) {
		uint64_t x;

		if (read(d->efd, &x, sizeof(x)) != (ssize_t)sizeof(x))
			fprintf(stderr, "%s: draining the wake fd failed\n", t->dom->ops->name);
	}
	/* Release: a woken thread that sees the drain no longer sees the fd readable. */
	SYNC_COUNT(t, SYNC_COUNT_CONTENDED_WRITE, 2);
	atomic_store_explicit(&d->drained, v, memory_order_release);
	atomic_store(&d->drain_futex, (uint32_t)v);
	/* Always: a thread woken by an earlier round's write may wait for this one. */
	if (d->mode == REPLICAS_EAGER)
		rp_futex_wake(t, &d->drain_futex);
	SYNC_COUNT(t, SYNC_COUNT_CONTENDED_WRITE, 1);
	pthread_mutex_unlock(&d->update_lock);
	/* Its own round posted the newest version it has seen: nothing to apply. */
	SYNC_COUNT(t, SYNC_COUNT_OWN_WRITE, 1);
	atomic_store(&self->updating, 0);
	sync_wait_end(t);
}

void replicas_dump(struct sync_domain *dd, FILE *out)
{
	struct replicas_domain *d = rp_dom(dd);

	fprintf(out, "%s: version %llu, drained %llu, %llu wake fd writes\n", dd->ops->name,
		(unsigned long long)atomic_load(&d->version), (unsigned long long)atomic_load(&d->drained),
		(unsigned long long)atomic_load(&d->fd_writes));
	for (unsigned i = 0; i < dd->nthreads; i++) {
		struct replicas_slot *s = &d->slots[i];
		struct sync_thread *t = atomic_load_explicit(&dd->threads[i], memory_order_acquire);

		fprintf(out, "  thread %u: %s, %s, ack %llu, waiting for %s\n", i,
			atomic_load(&s->registered) ? "registered" : "unregistered",
			atomic_load(&s->asleep) ? "asleep" : "awake", (unsigned long long)atomic_load(&s->ack),
			t ? sync_wait_kind_name(atomic_load_explicit(&t->wait_kind, memory_order_relaxed)) : "-");
	}
}

void replicas_summary(struct sync_domain *dd, FILE *out)
{
	struct replicas_domain *d = rp_dom(dd);

	fprintf(out, "versions %llu wake_writes %llu applied_in_loop %llu applied_before_sleep %llu "
		"applied_at_wake %llu ",
		(unsigned long long)atomic_load(&d->version), (unsigned long long)atomic_load(&d->fd_writes),
		(unsigned long long)atomic_load(&d->applied_loop),
		(unsigned long long)atomic_load(&d->applied_sleep),
		(unsigned long long)atomic_load(&d->applied_wake));
	sync_stats_summary(&d->stats, dd->reclaim, out);
}
