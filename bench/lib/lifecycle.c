/*
 * lifecycle.c - the four-phase per-thread lifecycle (HAProxy 2.0, commit
 * 082b62828, GitHub issue #104; seed 000).
 *
 * Origin: HAProxy used to have only per-thread INIT and DEINIT lists. An init
 * function that used a resource another module's init function allocated
 * (the mworker registering an fd while the pollers reallocate fd_updt[])
 * worked or crashed depending on the linking order alone. The fix split
 * allocation out: every ALLOC runs before any INIT, every DEINIT before any
 * FREE, so a module may use another's per-thread resources in INIT and DEINIT
 * whatever the registration order.
 *
 * Invariants kept here, per thread:
 *   1. ALLOC[0..n) all done before INIT[0] starts (the lists are run whole,
 *      one after the other, never interleaved by registration order);
 *   2. no thread returns 0 from lc_thread_start before every thread finished
 *      its INIT list (counter + condition variable under one mutex);
 *   3. DEINIT[0..n) all done before FREE[0] starts;
 *   4. a failing ALLOC/INIT undoes exactly what ran on that thread, in
 *      reverse: the DEINIT namesakes of the INITs that succeeded, then the
 *      FREE namesakes of the ALLOCs that succeeded (undo pairs by name, see
 *      lifecycle.h); the failing callback cleans up after itself;
 *   5. after the first failure no thread starts its callbacks, and every
 *      thread waiting in step 2 is released with the failure; a released
 *      thread whose own start succeeded runs its full stop (every DEINIT,
 *      every FREE) before lc_thread_start returns -1.
 *
 * Deliberate breaks for the tests (never in a real build), -D flags:
 *   LIFECYCLE_BREAK_MERGED      run ALLOC and INIT interleaved in registration
 *                               order (HAProxy before the fix: one list);
 *   LIFECYCLE_BREAK_FREE_FIRST  lc_thread_stop runs FREE before DEINIT;
 *   LIFECYCLE_BREAK_NO_UNWIND   a failing thread unwinds nothing;
 *   LIFECYCLE_BREAK_NO_WAIT     lc_thread_start does not wait for the others;
 *   LIFECYCLE_BREAK_NO_LOCK     ALLOC/INIT run without the mutex (threads
 *                               interleave).
 */
#include "bench/lib/lifecycle.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LC_ERRLEN 512

struct lifecycle {
	/*
	 * Written only at registration, before any thread starts; read by
	 * every thread afterwards (pthread_create orders the two).
	 */
	struct lc_callback cb[LC_NPHASES][LC_MAX_CALLBACKS];
	unsigned seq[LC_NPHASES][LC_MAX_CALLBACKS]; /* registration order across lists */
	unsigned ncb[LC_NPHASES];
	unsigned nreg;
	unsigned nthreads;

	/* Guarded by lock: written and read by every starting thread. */
	pthread_mutex_t lock;
	pthread_cond_t all_started;
	unsigned started;                 /* threads that finished INIT */
	int failed;                       /* a failure was recorded (under lock) */

	/*
	 * The first failure's message: written once, under lock, by the thread
	 * that records the failure, then published through error_set (release)
	 * so lc_error() may read it without the lock (acquire).
	 */
	char error[LC_ERRLEN];
	atomic_int error_set;
};

const char *lc_phase_name(enum lc_phase phase)
{
	static const char *const names[LC_NPHASES] = { "alloc", "init", "deinit", "free" };

	if ((unsigned)phase >= LC_NPHASES)
		return "unknown";
	return names[phase];
}

struct lifecycle *lc_create(unsigned nthreads)
{
	struct lifecycle *lc;

	if (nthreads == 0)
		return NULL;
	lc = calloc(1, sizeof(*lc));
	if (!lc)
		return NULL;
	lc->nthreads = nthreads;
	if (pthread_mutex_init(&lc->lock, NULL) != 0) {
		free(lc);
		return NULL;
	}
	if (pthread_cond_init(&lc->all_started, NULL) != 0) {
		pthread_mutex_destroy(&lc->lock);
		free(lc);
		return NULL;
	}
	atomic_init(&lc->error_set, 0);
	return lc;
}

void lc_destroy(struct lifecycle *lc)
{
	if (!lc)
		return;
	pthread_cond_destroy(&lc->all_started);
	pthread_mutex_destroy(&lc->lock);
	free(lc);
}

int lc_register(struct lifecycle *lc, enum lc_phase phase, const char *name, lc_fn fn, void *arg)
{
	unsigned i;

	if (!lc || !fn || (unsigned)phase >= LC_NPHASES || lc->ncb[phase] >= LC_MAX_CALLBACKS)
		return -1;
	i = lc->ncb[phase]++;
	lc->cb[phase][i].name = name ? name : "?";
	lc->cb[phase][i].fn = fn;
	lc->cb[phase][i].arg = arg;
	lc->seq[phase][i] = lc->nreg++;
	return 0;
}

/* Records the first failure; later ones are dropped. Called with lock held. */
static void record_failure_locked(struct lifecycle *lc, const char *line)
{
	if (!lc->failed) {
		lc->failed = 1;
		size_t n = strlen(line);

		if (n >= sizeof(lc->error))
			n = sizeof(lc->error) - 1;  /* truncate: one line is enough */
		memcpy(lc->error, line, n);
		lc->error[n] = '\0';
		/* release: the message is complete before a reader sees the flag */
		atomic_store_explicit(&lc->error_set, 1, memory_order_release);
	}
	pthread_cond_broadcast(&lc->all_started);
}

void lc_fail(struct lifecycle *lc, enum lc_phase phase, const char *what, unsigned tid, const char *msg)
{
	char line[LC_ERRLEN];

	snprintf(line, sizeof(line), "%s phase: %s failed for thread %u: %s", lc_phase_name(phase),
		 what ? what : "?", tid, msg ? msg : "");
	pthread_mutex_lock(&lc->lock);
	record_failure_locked(lc, line);
	pthread_mutex_unlock(&lc->lock);
}

const char *lc_error(const struct lifecycle *lc)
{
	if (!atomic_load_explicit(&lc->error_set, memory_order_acquire))
		return NULL;
	return lc->error;
}

#ifndef LIFECYCLE_BREAK_NO_UNWIND
/* The undo of callback i of phase 'done' (ALLOC or INIT) in phase 'undo', or -1. */
static int namesake(const struct lifecycle *lc, enum lc_phase done, unsigned i, enum lc_phase undo)
{
	const char *name = lc->cb[done][i].name;
	unsigned j;

	for (j = 0; j < lc->ncb[undo]; j++)
		if (strcmp(lc->cb[undo][j].name, name) == 0)
			return (int)j;
	return -1;
}
#endif

static void run_void(const struct lifecycle *lc, enum lc_phase phase, unsigned j, unsigned tid)
{
	char err[LC_ERRLEN];
	const struct lc_callback *c = &lc->cb[phase][j];

	err[0] = '\0';
	(void)c->fn(c->arg, tid, err, sizeof(err)); /* DEINIT and FREE cannot fail */
}

#ifndef LIFECYCLE_BREAK_NO_UNWIND
/* Runs, last first, the namesake in phase `to` of every `from` callback that ran. */
static void undo_phase(const struct lifecycle *lc, unsigned tid, enum lc_phase from, const unsigned char *ran,
		       enum lc_phase to)
{
	for (unsigned i = lc->ncb[from]; i-- > 0;) {
		int j;

		if (!ran[i])
			continue;
		j = namesake(lc, from, i, to);
		if (j >= 0)
			run_void(lc, to, (unsigned)j, tid);
	}
}
#endif

/* Undoes, in reverse, INIT[0..ninit) then ALLOC[0..nalloc) of thread tid. */
static void unwind(const struct lifecycle *lc, unsigned tid, const unsigned char *alloc_ran,
		   const unsigned char *init_ran)
{
#ifdef LIFECYCLE_BREAK_NO_UNWIND
	(void)lc;
	(void)tid;
	(void)alloc_ran;
	(void)init_ran;
	return;
#else
	undo_phase(lc, tid, LC_INIT, init_ran, LC_DEINIT);
	undo_phase(lc, tid, LC_ALLOC, alloc_ran, LC_FREE);
#endif
}

static void run_stop(const struct lifecycle *lc, unsigned tid)
{
	unsigned j;

#ifdef LIFECYCLE_BREAK_FREE_FIRST
	for (j = 0; j < lc->ncb[LC_FREE]; j++)
		run_void(lc, LC_FREE, j, tid);
	for (j = 0; j < lc->ncb[LC_DEINIT]; j++)
		run_void(lc, LC_DEINIT, j, tid);
#else
	for (j = 0; j < lc->ncb[LC_DEINIT]; j++)
		run_void(lc, LC_DEINIT, j, tid);
	for (j = 0; j < lc->ncb[LC_FREE]; j++)
		run_void(lc, LC_FREE, j, tid);
#endif
}

/*
 * Runs one ALLOC or INIT callback; on failure records it (lock held).
 * Returns the callback's status.
 */
static int run_checked(struct lifecycle *lc, enum lc_phase phase, unsigned i, unsigned tid)
{
	char err[LC_ERRLEN / 2], line[LC_ERRLEN];
	const struct lc_callback *c = &lc->cb[phase][i];

	err[0] = '\0';
	if (c->fn(c->arg, tid, err, sizeof(err)) == 0)
		return 0;
	snprintf(line, sizeof(line), "%s callback '%s' failed on thread %u: %s", lc_phase_name(phase),
		 c->name, tid, err[0] ? err : "(no reason given)");
	record_failure_locked(lc, line);
	return -1;
}

/*
 * Runs the ALLOC and INIT lists of thread tid (lock held). On failure
 * unwinds what ran and returns -1.
 */
static int start_locked(struct lifecycle *lc, unsigned tid)
{
	unsigned char alloc_ran[LC_MAX_CALLBACKS] = { 0 }, init_ran[LC_MAX_CALLBACKS] = { 0 };
	unsigned i;

#ifdef LIFECYCLE_BREAK_MERGED
	unsigned a = 0, n = 0;

	/* one list in registration order, as before the fix */
	for (i = 0; a < lc->ncb[LC_ALLOC] || n < lc->ncb[LC_INIT];) {
		int take_alloc = n >= lc->ncb[LC_INIT] ||
				 (a < lc->ncb[LC_ALLOC] && lc->seq[LC_ALLOC][a] < lc->seq[LC_INIT][n]);

		if (take_alloc) {
			if (run_checked(lc, LC_ALLOC, a, tid) != 0)
				goto fail;
			alloc_ran[a++] = 1;
		} else {
			if (run_checked(lc, LC_INIT, n, tid) != 0)
				goto fail;
			init_ran[n++] = 1;
		}
	}
	(void)i;
	return 0;
#else
	for (i = 0; i < lc->ncb[LC_ALLOC]; i++) {
		if (run_checked(lc, LC_ALLOC, i, tid) != 0)
			goto fail;
		alloc_ran[i] = 1;
	}
	for (i = 0; i < lc->ncb[LC_INIT]; i++) {
		if (run_checked(lc, LC_INIT, i, tid) != 0)
			goto fail;
		init_ran[i] = 1;
	}
	return 0;
#endif
fail:
	unwind(lc, tid, alloc_ran, init_ran);
	return -1;
}

int lc_thread_start(struct lifecycle *lc, unsigned tid)
{
	int failed;

	if (tid >= lc->nthreads) {
		char msg[64];

		snprintf(msg, sizeof(msg), "thread index out of range (threads: %u)", lc->nthreads);
		lc_fail(lc, LC_ALLOC, "lc_thread_start", tid, msg);
		return -1;
	}

	pthread_mutex_lock(&lc->lock);
	if (lc->failed) {
		/* another thread failed first: run nothing, so nothing to undo */
		pthread_mutex_unlock(&lc->lock);
		return -1;
	}
#ifdef LIFECYCLE_BREAK_NO_LOCK
	pthread_mutex_unlock(&lc->lock);
	if (start_locked(lc, tid) != 0)
		return -1;
	pthread_mutex_lock(&lc->lock);
#else
	if (start_locked(lc, tid) != 0) {
		pthread_mutex_unlock(&lc->lock);
		return -1;
	}
#endif
	if (++lc->started == lc->nthreads)
		pthread_cond_broadcast(&lc->all_started);
#ifndef LIFECYCLE_BREAK_NO_WAIT
	while (!lc->failed && lc->started < lc->nthreads)
		pthread_cond_wait(&lc->all_started, &lc->lock);
#endif
	failed = lc->failed;
	pthread_mutex_unlock(&lc->lock);

	if (failed) {
		/*
		 * This thread started, another did not: undo our full start
		 * here, outside the lock, exactly as lc_thread_stop would.
		 */
		run_stop(lc, tid);
		return -1;
	}
	return 0;
}

void lc_thread_stop(struct lifecycle *lc, unsigned tid)
{
	run_stop(lc, tid);
}
