/*
 * stress.h - one stress harness for the isolate/release strategies: N threads
 * run the lifecycle (alloc, init, loop, deinit, free) and call the hooks in
 * the simulator's order around a real epoll_wait, while some of them isolate
 * for a bounded number of rounds. The harness flags every thread's active
 * section (outside idle_enter..idle_leave and outside loop_iter: where a loop
 * thread may touch the shared state) and checks, with sequentially consistent
 * counters on both sides:
 *  - at most one thread is isolated at any moment;
 *  - while one is, no other thread is active (so also none is outside idle);
 *  - a peer the isolator wakes through its event fd during the isolation
 *    stays out of its active section until the release;
 *  - the shared table written by isolated threads is never seen torn, and
 *    every isolation's update is applied exactly once;
 *  - every isolate returns: no isolation finishing for timeout_s is reported
 *    as stuck, with the strategy's dump.
 */
#ifndef STRESS_H
#define STRESS_H

#include <stddef.h>
#include <stdint.h>

#include "strategies/sync.h"

#define STRESS_STAGGER_START 0x1u /* upper half inits after a quarter of the isolations */
#define STRESS_STAGGER_EXIT  0x2u /* upper half exits after three quarters */
#define STRESS_WAKE_PEER     0x4u /* isolator wakes a peer and watches it stay out */

struct stress_cfg {
	const struct sync_ops *ops;
	unsigned nthreads;    /* participants */
	unsigned nisolators;  /* threads 0..nisolators-1 isolate */
	unsigned rounds;      /* isolations per isolator */
	unsigned flags;       /* STRESS_* */
	int poll_timeout_ms;  /* epoll_wait timeout of every loop */
	double timeout_s;     /* no isolation and no exit for this long: stuck */
	/*
	 * Optional: the strategy's own isolated() view; checked true after
	 * isolate() and false after release(), on the isolating thread.
	 */
	int (*isolated)(struct sync_thread *t);
};

struct stress_result {
	uint64_t isolations;      /* isolate() returns */
	uint64_t updates;         /* updates applied inside isolations */
	uint64_t violations;
	uint64_t peer_wakes;      /* wakes sent to peers during isolations */
	uint64_t loops;           /* loop iterations, all threads */
	char summary[512];        /* ops->summary() output, if any */
	char first_violation[256];
};

/*
 * Runs one configuration. Returns 0 when every check held; -1 with a
 * one-line reason in err otherwise (setup failure, violation, stuck run).
 * A stuck run leaves its threads spinning: the caller must exit soon.
 */
int stress_run(const struct stress_cfg *c, struct stress_result *r, char *err, size_t errlen);

#endif /* STRESS_H */
