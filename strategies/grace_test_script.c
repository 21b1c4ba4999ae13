/*
 * grace_test_script.c - the grace harness's scripted phases (see
 * grace_test.c's design note): piggyback, barrier and orphan. Each thread
 * plays one part (struct worker's script), in steps main commands through
 * w->step; main checks what must (not) have happened between the steps.
 */
#include "strategies/grace_test.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PIGGYBACK_NS (200ull * 1000000ull)

/*
 * w->step only grows: main raises it to give a command, the thread to report
 * progress; raising never lowers a command main already gave.
 */
static void raise_step(struct worker *w, int v)
{
	int cur = atomic_load(&w->step);

	while (cur < v && !atomic_compare_exchange_weak(&w->step, &cur, v))
		;
}

/* Waits (sleeping: the thread may be inside a section) until main says v. */
static void wait_step(struct worker *w, int v)
{
	while (atomic_load(&w->step) < v)
		usleep(200);
}

/* Waits until cond(w) holds, at most OFFLINE_BOUND_NS; false on timeout. */
static bool wait_for(struct worker *w, bool (*cond)(struct worker *))
{
	uint64_t end = now_ns() + OFFLINE_BOUND_NS;

	while (!cond(w))
		if (now_ns() > end)
			return false;
		else
			usleep(200);
	return true;
}

static bool is_waiting(struct worker *w)
{
	return atomic_load(&w->t->wait_since_ns) != 0 || atomic_load(&w->step) >= 2;
}

static bool step_is_2(struct worker *w)
{
	return atomic_load(&w->step) >= 2;
}

static bool step_is_4(struct worker *w)
{
	return atomic_load(&w->step) >= 4;
}

/*
 * Main's side of one step of a script: gives w the command cmd, then, unless
 * an earlier step already failed (ok false), waits until until(w) holds.
 * Returns ok, or false once the wait timed out (a FAIL: phase, then what).
 */
static bool command(bool ok, const char *phase, struct worker *w, int cmd, bool (*until)(struct worker *),
		    const char *what)
{
	raise_step(w, cmd);
	if (ok && !wait_for(w, until)) {
		FAIL("%s: %s", phase, what);
		return false;
	}
	return ok;
}

/* A step the rest of the script cannot go on without: a timeout exits. */
static void command_or_exit(const char *phase, struct worker *w, int cmd, bool (*until)(struct worker *),
			    const char *what)
{
	if (!command(true, phase, w, cmd, until, what))
		_exit(1);
}

/* Pollers for sync_loop_poll: what a part does while offline / harmless. */
static int poll_asleep_until_3(void *arg)
{
	struct worker *w = arg;

	raise_step(w, 2); /* asleep */
	wait_step(w, 3);
	return 0;
}

static int poll_until_5(void *arg)
{
	wait_step(arg, 5);
	return 0;
}

static void *script_main(void *arg)
{
	struct worker *w = arg;

	grace_start_thread(w);
	pthread_barrier_wait(&grace.start);
	w->script(w);
	grace_stop_thread(w);
	atomic_store(&w->done, 1);
	return NULL;
}

/* Starts w[0..n-1], each playing its w->script; returns once all are past the start barrier. */
static void script_run(struct worker *w, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		w[i].tid = i;
		w[i].role = ROLE_SCRIPT;
		pthread_create(&w[i].th, NULL, script_main, &w[i]);
	}
	pthread_barrier_wait(&grace.start);
}

/* Step 5 for every part: each one ends. */
static void script_join(struct worker *w, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		raise_step(&w[i], 5);
	grace_join_all(w, n);
}

/* ---- the parts ---- */

/* Opens a section at step 1 (says 2), closes it at step 3 (says 4). */
static void held_reader(struct worker *w)
{
	wait_step(w, 1);
	sync_loop_end(w->t);
	sync_read_begin(w->t);
	raise_step(w, 2); /* open */
	wait_step(w, 3);
	sync_read_end(w->t);
	raise_step(w, 4); /* closed */
	sync_loop_end(w->t);
	sync_loop_poll(w->t, poll_until_5, w);
}

/*
 * Makes one waiting call at step 1 (after a quiescent state when quiesce is
 * set), says 2 once it returned, then waits offline for the end.
 */
static void one_call(struct worker *w, void (*call)(struct sync_thread *), bool quiesce)
{
	wait_step(w, 1);
	if (quiesce)
		sync_loop_end(w->t);
	call(w->t);
	raise_step(w, 2); /* returned */
	sync_loop_end(w->t);
	sync_loop_poll(w->t, poll_until_5, w);
}

/* Calls synchronize at step 1, straight from the script's start. */
static void sync_caller(struct worker *w)
{
	one_call(w, sync_synchronize, false);
}

/* Calls barrier at step 1, once past a quiescent state. */
static void barrier_caller(struct worker *w)
{
	one_call(w, sync_barrier, true);
}

/* Replaces the shared object and hands the old one to defer_free. */
static void defer_replace(struct worker *w)
{
	struct obj *n = grace_obj_new(), *old = atomic_exchange(&grace.shared, n);

	atomic_fetch_add(&grace.defers, 1);
	sync_defer_free(w->t, old, grace_obj_free_cb);
}

/*
 * A caller may share a grace period only if that period STARTED after the
 * call. Scripted, with four participants:
 *  1. reader A opens a section; caller L calls synchronize (waits for A);
 *  2. reader B passes a quiescent state and opens a section: it began after
 *     L's grace period started, so that period need not wait for it;
 *  3. caller C calls synchronize while L's grace period still runs;
 *  4. A closes its section: L may return. C must not: B's section began
 *     before C's call and is still open. Checked for PIGGYBACK_NS;
 *  5. B closes its section: L and C return (bounded).
 * The waits between steps only give a broken strategy time to show itself;
 * a correct one passes whatever the timing.
 */
void grace_phase_piggyback(void)
{
	enum { A, B, L, C, N };
	struct worker w[N];
	bool ok = true;

	grace_domain_up(N);
	memset(w, 0, sizeof(w));
	for (unsigned i = 0; i < N; i++)
		w[i].script = i == A || i == B ? held_reader : sync_caller;
	script_run(w, N);
	ok = command(ok, "piggyback", &w[A], 1, step_is_2, "reader A never opened its section");
	ok = command(ok, "piggyback", &w[L], 1, is_waiting, "caller L never started waiting");
	usleep(50000); /* let L's grace period start */
	ok = command(ok, "piggyback", &w[B], 1, step_is_2, "reader B never opened its section");
	ok = command(ok, "piggyback", &w[C], 1, is_waiting, "caller C never started waiting");
	usleep(50000); /* let C find L's grace period running */
	if (ok && (atomic_load(&w[L].step) >= 2 || atomic_load(&w[C].step) >= 2)) {
		FAIL("piggyback: synchronize returned while reader A's section, open before the call, "
		     "was still open");
		ok = false;
	}
	raise_step(&w[A], 3);
	/*
	 * L may return now (it need not: an implementation may also wait for
	 * sections that began after its call, as ck_epoch's does for B).
	 */
	usleep(PIGGYBACK_NS / 1000);
	if (ok && atomic_load(&w[C].step) >= 2) {
		FAIL("piggyback: caller C returned while reader B's section, which began before C's call, "
		     "was still open (it shared a grace period that started before the call)");
		ok = false;
	}
	raise_step(&w[B], 3);
	if (!wait_for(&w[C], step_is_2) || !wait_for(&w[L], step_is_2))
		FAIL_STUCK("piggyback: callers did not return within %llu s after both sections closed; "
			   "strategy state:", OFFLINE_BOUND_NS / 1000000000ull);
	printf("%s piggyback: %s\n", ops->name,
	       ok ? "no caller returned while a section that began before its call was open" : "FAILED (above)");
	script_join(w, N);
	grace_domain_down();
}

/*
 * ---- barrier: every defer_free made so far, by any thread ----
 *
 * Scripted, in defer mode: thread D replaces the shared object BARRIER_N
 * times with defer_free, passes a quiescent state and goes to sleep offline;
 * thread B, once D sleeps, calls barrier(). When barrier returns, every one
 * of D's deferred frees must have run (barrier's contract is global, as
 * liburcu's rcu_barrier: whoever tears down must not wait for the deferring
 * threads to wake up, nor leave their objects behind).
 */
#define BARRIER_N 10

static void barrier_deferrer(struct worker *w)
{
	wait_step(w, 1);
	for (int i = 0; i < BARRIER_N; i++)
		defer_replace(w);
	sync_loop_end(w->t);
	sync_loop_poll(w->t, poll_asleep_until_3, w); /* steps 2 and 3 */
	sync_loop_end(w->t);
	sync_loop_poll(w->t, poll_until_5, w);
}

void grace_phase_barrier(void)
{
	enum { R, D, B, NW };
	struct worker w[NW];
	uint64_t defers, frees;

	grace_domain_up(NW);
	memset(w, 0, sizeof(w));
	w[R].script = held_reader;
	w[D].script = barrier_deferrer;
	w[B].script = barrier_caller;
	script_run(w, NW);
	/* R's section keeps D from reclaiming its own objects before it sleeps. */
	command_or_exit("barrier", &w[R], 1, step_is_2, "reader R never opened its section");
	command_or_exit("barrier", &w[D], 1, step_is_2, "the deferring thread never went to sleep");
	command_or_exit("barrier", &w[R], 3, step_is_4, "reader R did not close its section");
	raise_step(&w[B], 1);
	if (!wait_for(&w[B], step_is_2))
		FAIL_STUCK("barrier: barrier() did not return within %llu s while the deferring thread slept; "
			   "strategy state:", OFFLINE_BOUND_NS / 1000000000ull);
	defers = atomic_load(&grace.defers);
	frees = atomic_load(&grace.frees);
	if (frees != defers)
		FAIL("barrier: returned with %" PRIu64 " of the %" PRIu64 " objects another thread deferred "
		     "still pending (barrier must wait for every defer_free made so far, by any thread)",
		     defers - frees, defers);
	else
		printf("%s barrier: returned after all %" PRIu64 " objects another (sleeping) thread deferred ran\n",
		       ops->name, defers);
	raise_step(&w[D], 3);
	script_join(w, NW);
	grace_domain_down();
}

/*
 * ---- orphan: barrier() frees only what its grace period covers ----
 *
 * Scripted, in defer mode, four threads:
 *  1. R opens a read section and keeps it open;
 *  2. B calls barrier(): its grace period waits for R;
 *  3. N passes a quiescent state (so B's grace period need not wait for it),
 *     opens a section and loads the shared object O;
 *  4. X unpublishes O, defer_frees it, passes a quiescent state and exits
 *     (its pending objects outlive it);
 *  5. R closes its section: B's grace period ends and barrier may return
 *     (or wait for N as well, which the contract allows);
 *  6. N, still in its section, checks O: it began before O's unpublish, so
 *     no grace period may end under it, and barrier must not have freed O.
 */
static void orphan_new_reader(struct worker *w)
{
	struct obj *o;

	wait_step(w, 1);
	sync_loop_end(w->t);
	sync_read_begin(w->t);
	o = sync_deref(w->t, (void *_Atomic *)&grace.shared);
	raise_step(w, 2); /* holds o */
	wait_step(w, 3);
	if (o->magic != MAGIC_LIVE)
		FAIL("orphan: barrier() freed an object a section that began before its unpublish still held "
		     "(a batch sealed after the barrier's grace period started)");
	else
		printf("%s orphan: the object deferred by an exiting thread during a barrier outlived the "
		       "section that held it\n", ops->name);
	sync_read_end(w->t);
	raise_step(w, 4);
	sync_loop_end(w->t);
	sync_loop_poll(w->t, poll_until_5, w);
}

static void orphan_exiter(struct worker *w)
{
	wait_step(w, 1);
	defer_replace(w);
	sync_loop_end(w->t);
	raise_step(w, 2); /* deferred */
	/* Exits: thread_deinit with the object possibly still pending. */
}

void grace_phase_orphan(void)
{
	enum { R, B, N, X, NW };
	struct worker w[NW];

	grace_domain_up(NW);
	memset(w, 0, sizeof(w));
	w[R].script = held_reader;
	w[B].script = barrier_caller;
	w[N].script = orphan_new_reader;
	w[X].script = orphan_exiter;
	script_run(w, NW);
	command_or_exit("orphan", &w[R], 1, step_is_2, "reader R never opened its section");
	command_or_exit("orphan", &w[B], 1, is_waiting,
			"barrier() returned while a section was open (or never started waiting)");
	usleep(20000); /* let B's grace period start */
	command_or_exit("orphan", &w[N], 1, step_is_2, "reader N never opened its section");
	command_or_exit("orphan", &w[X], 1, step_is_2, "the exiting thread did not defer");
	/*
	 * Let X leave its objects behind before B's grace period can end. A
	 * strategy whose thread_deinit waits for them (ebr) keeps X until R
	 * closes: then go on without it.
	 */
	for (int i = 0; i < 200 && !atomic_load(&w[X].done); i++)
		usleep(1000);
	raise_step(&w[R], 3);
	/*
	 * B may return now (qsbr does: N's section began after its grace
	 * period started) or wait for N too (ck_epoch's synchronize may wait
	 * for sections that began after the call): give it a while, then let
	 * N check and close either way. What must not happen is O freed while
	 * N holds it.
	 */
	for (int i = 0; i < 1000 && atomic_load(&w[B].step) < 2; i++)
		usleep(1000);
	command_or_exit("orphan", &w[N], 3, step_is_4, "reader N did not close its section");
	if (!wait_for(&w[B], step_is_2))
		FAIL_STUCK("orphan: barrier() did not return within %llu s once every section closed; "
			   "strategy state:", OFFLINE_BOUND_NS / 1000000000ull);
	script_join(w, NW);
	grace_domain_down();
	grace_check_frees("orphan", " by domain_destroy");
}

