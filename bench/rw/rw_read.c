/*
 * rw_read.c - the readers' side of the readers/writers microbenchmark (see
 * rw.c's design note): the read loop, instantiated per family of read side,
 * and the quiescent point every thread passes once per batch.
 */
#include "bench/rw/rw_internal.h"

#include "strategies/loop.h"

#include <poll.h>

/*
 * A quiescent point: the poll loop of bench/pollsim.c with a zero timeout, so
 * HAProxy-family strategies get their harmless (and idle) window, qsbr its
 * quiescent state and offline period, wake_all its sync point. The poll
 * syscall is made only when the strategy has a wake fd to look at.
 */
static int poll_wake_fd(void *arg)
{
	struct rw_run *run = arg;
	struct pollfd pfd = { .fd = run->wake_fd, .events = POLLIN };

	if (run->wake_fd < 0)
		return 0;
	return poll(&pfd, 1, 0) > 0 && (pfd.revents & POLLIN);
}

__attribute__((noinline)) void rw_quiesce(struct rw_run *run, struct sync_thread *t)
{
	int woken;

	sync_set_doing(t, SYNC_DOING_POLLING);
	woken = sync_loop_poll(t, poll_wake_fd, run) > 0;
	if (woken)
		sync_loop_woken(t);
	sync_set_doing(t, SYNC_DOING_LOOP);
	sync_loop_end(t);
}

/* sync_read()'s body: the shared pointer through the strategy, then the fields. */
struct read_args {
	void *_Atomic *slot;
	uint64_t delay;
	uint64_t v0, v1;
};

static inline __attribute__((always_inline)) void read_body(struct sync_thread *t, void *arg)
{
	struct read_args *a = arg;
	const struct rw_obj *o = sync_deref(t, a->slot);

	read_fields(o, a->delay, &a->v0, &a->v1);
}

/*
 * One batch of n reads through loop.h's read sequence (sync_read, with
 * read_body inlined as a known function). The counters stay local: the
 * acquire loads would otherwise force them back to memory on every read.
 */
static inline __attribute__((always_inline)) void read_batch(struct sync_thread *t, void *_Atomic *slot, uint64_t delay, unsigned n,
			      struct rw_tally *c)
{
	struct read_args a = { .slot = slot, .delay = delay };
	struct rw_tally l = { 0 };

	for (unsigned i = 0; i < n; i++) {
#ifdef RW_BREAK_NO_RETRY
		/* Broken on purpose: the section is not redone when read_retry asks. */
		sync_read_begin(t);
		read_body(t, &a);
		sync_read_end(t);
		(void)sync_read_retry(t);
#else
		l.retries += sync_read(t, read_body, &a);
#endif
		tally(&l, a.v0, a.v1);
	}
	c->reads += n;
	c->retries += l.retries;
	c->torn += l.torn;
	c->poisoned += l.poisoned;
}

/*
 * The read loop instantiated per family of read side, as Concurrency Kit's
 * regression adapters instantiate one benchmark loop per primitive.
 *
 * With hooks (ebr, rwlock, urcu_memb, ck_epoch, ...): loop.h's wrappers on
 * the real thread. Each wrapper reloads t->dom->ops and its hook after every
 * acquire load or call (the compiler may not keep them across), so a read
 * costs the strategy's calls plus those reloads.
 *
 * Without any read hook (none, qsbr, urcu_qsbr, the HAProxy family): the same
 * loop.h sequence, run against a constant thread head (hookless_thread,
 * whose domain's table hookless_reads has no hook). The compiler folds loads
 * from those constants, so every hook test disappears and only the read body
 * is left: the loop calls nothing and reloads nothing. It is loop.h's own
 * code (a change to the sequence, e.g. to how sync_deref loads without a
 * hook, applies here too), and it is used only when the real table has no
 * read hook, so no hook is skipped; the constant head is never passed to a
 * strategy. The whole reader loop is instantiated twice (reader_loop_hooks,
 * reader_loop_hookless: noinline, one symbol each for `objdump -d`); in the
 * hookless one the only call left is rw_quiesce(), once per batch.
 */
static const struct sync_ops hookless_reads = { .name = "hookless_reads" };
static const struct sync_domain hookless_dom = { .ops = &hookless_reads };
static const struct sync_thread hookless_thread = { .dom = (struct sync_domain *)&hookless_dom };

static int has_read_hooks(const struct sync_ops *o)
{
	return o->read_begin || o->read_end || o->read_retry || o->read_deref;
}

static inline void publish(struct rw_worker *w, const struct rw_tally *c);

/* The reader's loop, for thread t, read through rt (t itself, or hookless_thread). */
static inline __attribute__((always_inline)) void reader_loop_on(struct rw_worker *w, struct sync_thread *t,
								  struct sync_thread *rt)
{
	struct rw_run *run = w->run;
	const unsigned every = run->cfg->quiesce_every;
	const uint64_t delay = run->cfg->read_delay;
	struct rw_tally c = { 0 };

	while (!stopped(run)) {
		sync_set_doing(t, SYNC_DOING_EVENT);
		read_batch(rt, &run->shared, delay, every, &c);
		publish(w, &c);
		rw_quiesce(run, t);
	}
}

static __attribute__((noinline)) void reader_loop_hooks(struct rw_worker *w, struct sync_thread *t)
{
	reader_loop_on(w, t, t);
}

static __attribute__((noinline)) void reader_loop_hookless(struct rw_worker *w, struct sync_thread *t)
{
	/* Never written: with every hook NULL, loop.h only reads t->dom->ops. */
	reader_loop_on(w, t, (struct sync_thread *)&hookless_thread);
}

/* Release: the counts are read at the close by the main thread (acquire). */
static inline void publish(struct rw_worker *w, const struct rw_tally *c)
{
	atomic_store_explicit(&w->pub_reads, c->reads, memory_order_release);
	atomic_store_explicit(&w->pub_retries, c->retries, memory_order_release);
	atomic_store_explicit(&w->pub_torn, c->torn, memory_order_release);
	atomic_store_explicit(&w->pub_poisoned, c->poisoned, memory_order_release);
}

void rw_reader_loop(struct rw_worker *w, struct sync_thread *t)
{
	if (has_read_hooks(sync_ops_of(t)))
		reader_loop_hooks(w, t);
	else
		reader_loop_hookless(w, t);
}

