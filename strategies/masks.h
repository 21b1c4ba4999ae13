/*
 * masks.h - one bit per thread in a shared 64-bit word: the per-thread state
 * of the strategies that keep their protocol in such masks (wake_all,
 * harmless_mask, isolate_full, harmless_membarrier), its allocation, the
 * counted updates of a mask, and the re-parking harmless_end that
 * harmless_mask and isolate_full share.
 */
#ifndef MASKS_H
#define MASKS_H

#include "strategies/sync.h"

#include <sched.h>

/* A thread known by one bit, 1 << tid: at most 64 threads (max_threads). */
struct sync_bit_thread {
	struct sync_thread base;
	uint64_t bit;	/* set by sync_bit_thread_alloc; constant after */
};

static inline uint64_t sync_bit(struct sync_thread *t)
{
	return ((struct sync_bit_thread *)t)->bit;
}

/* thread_alloc of a strategy whose threads are struct sync_bit_thread. */
static inline SYNC_THREAD_ALLOC_WITH(sync_bit_thread_alloc, struct sync_bit_thread,
				     t->bit = 1ull << tid)

/* Every bit of n threads, 1 <= n <= 64 (1 << 64 is undefined in C). */
static inline uint64_t sync_mask_of(unsigned n)
{
	return n == 64 ? ~0ull : (1ull << n) - 1;
}

/*
 * Sets or clears bits of a shared mask: one contended read-modify-write,
 * counted. Sequentially consistent: the masks' users pair these RMWs with
 * loads of another mask (Dekker), which a weaker order would not keep.
 */
static inline void sync_mask_set(struct sync_thread *t, _Atomic uint64_t *mask, uint64_t bits)
{
	SYNC_COUNT(t, SYNC_COUNT_CONTENDED_WRITE, 1);
	atomic_fetch_or(mask, bits);
}

static inline void sync_mask_clear(struct sync_thread *t, _Atomic uint64_t *mask, uint64_t bits)
{
	SYNC_COUNT(t, SYNC_COUNT_CONTENDED_WRITE, 1);
	atomic_fetch_and(mask, ~bits);
}

/*
 * HAProxy's thread_harmless_end() for t's bit: loop { clear it in harmless;
 * if no other thread wants a rendez-vous, done; else set it again (harmless
 * while the rendez-vous runs) and wait while another thread wants one }. Own
 * bit excluded from want_rdv: an isolated thread never waits on itself. The
 * clear, then the load of want_rdv, is one side of the Dekker pair whose other
 * side is isolate's set of want_rdv, then its load of harmless. May block.
 */
static inline void sync_mask_harmless_end(struct sync_thread *t, _Atomic uint64_t *harmless,
					  _Atomic uint64_t *want_rdv)
{
	uint64_t me = sync_bit(t);

	for (;;) {
		sync_mask_clear(t, harmless, me);
		if (!(atomic_load(want_rdv) & ~me))
			return;
		sync_mask_set(t, harmless, me);
		sync_wait_begin(t, SYNC_WAIT_REPARK);
		while (atomic_load(want_rdv) & ~me)
			sched_yield();
		sync_wait_end(t);
	}
}

#endif /* MASKS_H */
