/*
 * lifecycle.h - the four-phase per-thread lifecycle (HAProxy 2.0, commit
 * 082b62828, GitHub issue #104; seed 000).
 *
 * Modules register callbacks in four lists: ALLOC, INIT (run when a thread
 * starts) and DEINIT, FREE (run when it ends), each list in registration order.
 *
 * Start, on each thread (lc_thread_start):
 *  1. under the lifecycle mutex, one thread at a time: every ALLOC callback,
 *     then every INIT callback;
 *  2. the thread counts itself done; the last one broadcasts a condition
 *     variable; every thread waits on it (mutex + cond, no spinning) so that
 *     no thread enters its loop before every thread finished INIT.
 * End, on each thread (lc_thread_stop): every DEINIT callback, then every FREE
 * callback (so no FREE runs before every DEINIT of that thread).
 *
 * Failure: when an ALLOC or INIT callback returns non-zero, what already ran
 * on that thread is unwound in reverse (the INITs that succeeded get their
 * DEINIT, in reverse order, then the ALLOCs that succeeded get their FREE, in
 * reverse order), the failure is recorded (phase, callback name, thread,
 * message) and every waiting thread is released with the failure, so the run
 * ends with a clear error instead of hanging.
 *
 * Undo pairs are by name: the DEINIT (FREE) callback registered under the same
 * name as an INIT (ALLOC) callback is the one that undoes it; a callback with
 * no namesake has nothing to undo. The failing callback cleans up after itself
 * (it gets no DEINIT/FREE of its own).
 *
 * Who unwinds what after a failure: every thread unwinds only its own work.
 *  - the failing thread unwinds its partial start (above) before its
 *    lc_thread_start returns -1;
 *  - a thread whose own start succeeded but is released by the failure runs
 *    its full stop (every DEINIT, then every FREE, as lc_thread_stop) before
 *    its lc_thread_start returns -1;
 *  - a thread reaching lc_thread_start after the failure runs nothing.
 * So after -1 the caller has nothing to clean up. lc_thread_stop and the stop
 * after a failure run without the mutex (threads end concurrently); ALLOC/INIT
 * and a failing thread's unwind run under it.
 * A thread that will never call lc_thread_start (pthread_create refused) must
 * be reported with lc_fail, or the others wait for it forever.
 */
#ifndef LIFECYCLE_H
#define LIFECYCLE_H

#include <stddef.h>

enum lc_phase { LC_ALLOC = 0, LC_INIT, LC_DEINIT, LC_FREE, LC_NPHASES };

/*
 * A callback: 0 on success; non-zero on failure with a one-line reason written
 * to err (ALLOC and INIT only; DEINIT and FREE cannot fail). arg is the
 * pointer given at registration, tid the thread's index.
 */
typedef int (*lc_fn)(void *arg, unsigned tid, char *err, size_t errlen);

#define LC_MAX_CALLBACKS 32

struct lc_callback {
	const char *name;
	lc_fn fn;
	void *arg;
};

struct lifecycle;

/* A lifecycle for nthreads threads. NULL on ENOMEM. */
struct lifecycle *lc_create(unsigned nthreads);
void lc_destroy(struct lifecycle *lc);

/* Registers fn in a phase's list; -1 when the list is full or fn NULL. */
int lc_register(struct lifecycle *lc, enum lc_phase phase, const char *name, lc_fn fn, void *arg);

/*
 * On thread tid: runs ALLOC then INIT under the mutex, then waits until every
 * thread finished INIT (or one failed). Returns 0 when all started; -1 when
 * any thread failed (this thread's successful steps are already unwound; the
 * caller must not enter its loop nor call lc_thread_stop).
 */
int lc_thread_start(struct lifecycle *lc, unsigned tid);

/* On thread tid, after a successful start: every DEINIT, then every FREE. */
void lc_thread_stop(struct lifecycle *lc, unsigned tid);

/*
 * Marks the run as failed from outside any callback (e.g. pthread_create
 * refused for thread tid): waiting threads are released with the failure.
 */
void lc_fail(struct lifecycle *lc, enum lc_phase phase, const char *what, unsigned tid, const char *msg);

/* The first failure as one line: "init callback 'X' failed on thread N: msg", or NULL. */
const char *lc_error(const struct lifecycle *lc);

const char *lc_phase_name(enum lc_phase phase);

#endif /* LIFECYCLE_H */
