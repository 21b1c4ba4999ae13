/*
 * haproxy_family_test.c - the validate test of the HAProxy family (wake_all,
 * harmless_mask, isolate_full, tgroups, harmless_membarrier), one binary per
 * strategy: `haproxy_family_test <strategy> [--expect-failure]`.
 *
 * Scenarios, each through the one stress harness (stress.h):
 *  - every thread isolating at once, many rounds, none ever sleeping;
 *  - two isolators among sleepers, each isolation waking a peer that must stay
 *    out of its active section until the release;
 *  - isolation during start-up and exit (half the threads init late and exit
 *    early);
 *  - a single thread isolating (it must never wait on itself);
 *  - tgroups: 65, 130 and 256 threads across groups;
 *  - a strategy asked for one thread more than it supports refuses with a
 *    message, never silently capped;
 *  - wake_all: one eventfd write per sync round, never more than one byte
 *    pending, want_sync empty at the end (from its summary);
 *  - harmless_membarrier: refuses to run when membarrier is refused;
 *  - harmless_mask: its own isolated() agrees, after isolate() and release().
 *
 * With --expect-failure (the deliberately broken builds) the binary succeeds
 * only when some check fails (trying the scenarios up to 8 times): a broken
 * strategy that passes is itself a test failure.
 *
 * The strategies are weak references: each test target links only the
 * strategy it tests (or its broken build).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "strategies/harmless_mask.h"
#include "strategies/harmless_membarrier.h"
#include "strategies/loop.h"
#include "strategies/stress.h"
#include "strategies/sync.h"

extern const struct sync_ops sync_wake_all __attribute__((weak));
extern const struct sync_ops sync_harmless_mask __attribute__((weak));
extern const struct sync_ops sync_isolate_full __attribute__((weak));
extern const struct sync_ops sync_tgroups __attribute__((weak));
extern const struct sync_ops sync_harmless_membarrier __attribute__((weak));
/* Defined only when harmless_membarrier is linked; used only then. */
#pragma weak sync_membarrier_call
/* Defined only when harmless_mask is linked. */
#pragma weak sync_harmless_mask_isolated

static int expect_failure;
static unsigned failures;
/* --only=<scenario>: run that scenario alone (the must-fail targets). */
static const char *only;

#define WANT(name) (!only || strcmp(only, name) == 0)

#ifdef SYNC_SANITIZER
#define TIMEOUT_S 20.0
#else
#define TIMEOUT_S 8.0
#endif

static const struct sync_ops *find(const char *name)
{
	const struct sync_ops *all[] = {
		&sync_wake_all, &sync_harmless_mask, &sync_isolate_full, &sync_tgroups,
		&sync_harmless_membarrier,
	};

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (all[i] && strcmp(all[i]->name, name) == 0)
			return all[i];
	return NULL;
}

static void fail(const char *scenario, const char *fmt, ...)
{
	va_list ap;

	failures++;
	printf("FAIL %s: ", scenario);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static void finish_stuck(void)
{
	/* Spinning threads cannot be joined: leave without exit handlers. */
	fflush(stdout);
	fflush(stderr);
	if (expect_failure) {
		printf("broken variant detected as expected (stuck)\n");
		fflush(stdout);
		_exit(0);
	}
	_exit(1);
}

/* Runs one stress configuration; returns 0 when it passed. */
static int stress_poll(const char *scenario, const struct sync_ops *ops, unsigned n,
		       unsigned nisolators, unsigned rounds, unsigned flags, int poll_ms,
		       struct stress_result *r)
{
	struct stress_cfg cfg = {
		.ops = ops, .nthreads = n, .nisolators = nisolators, .rounds = rounds,
		.flags = flags, .poll_timeout_ms = poll_ms,
		/* A broken build is expected to hang: no need to wait long. */
		.timeout_s = expect_failure ? 5.0 : TIMEOUT_S,
		.isolated = ops == &sync_harmless_mask ? sync_harmless_mask_isolated : NULL,
	};
	char err[512] = "";

	if (stress_run(&cfg, r, err, sizeof(err))) {
		fail(scenario, "%s", err);
		if (strncmp(err, "stuck", 5) == 0)
			finish_stuck();
		return -1;
	}
	printf("ok   %s: %u threads, %llu isolations, %llu peer wakes, %llu loops\n", scenario, n,
	       (unsigned long long)r->isolations, (unsigned long long)r->peer_wakes,
	       (unsigned long long)r->loops);
	fflush(stdout);
	return 0;
}

/* Sleepers wake every 2 ms at most: most threads are asleep most of the time. */
static int stress(const char *scenario, const struct sync_ops *ops, unsigned n, unsigned nisolators,
		  unsigned rounds, unsigned flags, struct stress_result *r)
{
	return stress_poll(scenario, ops, n, nisolators, rounds, flags, 2, r);
}

static unsigned cap(const struct sync_ops *ops, unsigned n)
{
	return ops->max_threads && n > ops->max_threads ? ops->max_threads : n;
}

static void check_wake_all(const char *scenario, const struct stress_result *r, bool batched)
{
	unsigned long long writes = 0, drains = 0, max_pending = 0, want = 1;
	const char *s;

	s = strstr(r->summary, "wake_writes");
	if (!s || sscanf(s, "wake_writes %llu wake_drains %llu wake_max_pending %llu want_sync %llx",
			 &writes, &drains, &max_pending, &want) != 4) {
		fail(scenario, "wake_all summary unreadable: '%s'", r->summary);
		return;
	}
	if (max_pending > 1)
		fail(scenario, "%llu bytes were pending on the wake eventfd at once (at most 1 allowed)",
		     max_pending);
	else if (writes != drains)
		fail(scenario, "%llu wake writes but %llu drains (one write per sync round)", writes, drains);
	else if (writes == 0 || writes > r->isolations)
		fail(scenario, "%llu wake writes for %llu isolations (1 per round, rounds <= isolations)",
		     writes, (unsigned long long)r->isolations);
	else if (batched && writes >= r->isolations)
		fail(scenario, "%llu wake writes for %llu isolations by threads all requesting at once: "
		     "requests that meet in one round must share its one write", writes,
		     (unsigned long long)r->isolations);
	else if (want != 0)
		fail(scenario, "want_sync is %#llx after every thread left (must be empty)", want);
	else
		printf("ok   %s: wake_all wrote %llu bytes for %llu isolations, max 1 pending\n", scenario,
		       writes, (unsigned long long)r->isolations);
}

static void check_limit(const struct sync_ops *ops)
{
	struct sync_params p = { .nthreads = ops->max_threads + 1, .reclaim = SYNC_RECLAIM_SYNC };
	struct sync_domain *d = NULL;
	char err[256] = "";

	if (!ops->max_threads) {
		fail("limit", "%s declares no thread limit", ops->name);
		return;
	}
	if (ops->domain_create(&p, &d, err, sizeof(err)) == 0) {
		ops->domain_destroy(d);
		fail("limit", "%s accepted %u threads, above its max_threads %u", ops->name, p.nthreads,
		     ops->max_threads);
		return;
	}
	if (!err[0] || !strstr(err, "at most")) {
		fail("limit", "%s refused %u threads without a clear reason: '%s'", ops->name, p.nthreads, err);
		return;
	}
	p.nthreads = ops->max_threads;
	if (ops->domain_create(&p, &d, err, sizeof(err))) {
		fail("limit", "%s refused its own max_threads %u: %s", ops->name, p.nthreads, err);
		return;
	}
	ops->domain_destroy(d);
	printf("ok   limit: %s takes %u threads and refuses %u: %s\n", ops->name, ops->max_threads,
	       ops->max_threads + 1, err);
}

static int refused_membarrier(int cmd, unsigned flags, int cpu_id)
{
	(void)cmd;
	(void)flags;
	(void)cpu_id;
	errno = EPERM; /* as a seccomp filter would say */
	return -1;
}

static void check_membarrier_refusal(const struct sync_ops *ops)
{
	struct sync_params p = { .nthreads = 2, .reclaim = SYNC_RECLAIM_SYNC };
	struct sync_domain *d = NULL;
	char err[256] = "";
	int (*saved)(int, unsigned, int) = sync_membarrier_call;

	sync_membarrier_call = refused_membarrier;
	if (ops->domain_create(&p, &d, err, sizeof(err)) == 0) {
		ops->domain_destroy(d);
		fail("membarrier refused", "domain_create succeeded although membarrier was refused");
	} else if (!strstr(err, "membarrier")) {
		fail("membarrier refused", "the reason does not name membarrier: '%s'", err);
	} else {
		printf("ok   membarrier refused: %s\n", err);
	}
	sync_membarrier_call = saved;
}

/*
 * ---- scripted scenarios: a few threads, each running a fixed script ----
 *
 * Each scenario runs sc_threads threads through the lifecycle; the checks
 * use sequentially consistent counters on both sides (as stress.c), and
 * main reports a scenario that does not finish within sc_timeout_s as stuck.
 */
#define SC_MAX 4
#define SC_PAD 48

struct sc_line {
	_Atomic uint64_t v;
} SYNC_ALIGNED;

static struct {
	const struct sync_ops *ops;
	struct sync_domain *dom;
	unsigned n;
	void (*fn)(struct sync_thread *t, unsigned tid);
	pthread_barrier_t start;
	_Atomic int done[SC_MAX];
	_Atomic int stop;
	/* The checked state. */
	_Atomic int active SYNC_ALIGNED;   /* threads in a harmful window */
	_Atomic int isolated SYNC_ALIGNED; /* threads between isolate and release */
	_Atomic uint64_t violations;
	char first[256];
	_Atomic int first_taken;
	/* Rendez-vous of rounds: arrive[tid] = round. */
	_Atomic uint64_t arrive[SC_MAX] SYNC_ALIGNED;
	_Atomic uint64_t released SYNC_ALIGNED; /* litmus: last round released */
	struct sc_line pad[SC_PAD];
	/* Progress: rounds done. */
	_Atomic uint64_t rounds;
	/* Harmless in a task. */
	_Atomic int in_window SYNC_ALIGNED;
	_Atomic int iso_returned;
	_Atomic int window_at_return; /* in_window seen when isolate returned */
} S;

/* Litmus: when to stop; set before sc_run, which does not clear it. */
static uint64_t sc_deadline_ns;

struct sc_worker {
	unsigned tid;
	pthread_t th;
};

static void sc_violation(const char *fmt, ...)
{
	va_list ap;

	atomic_fetch_add(&S.violations, 1);
	if (atomic_exchange(&S.first_taken, 1))
		return;
	va_start(ap, fmt);
	vsnprintf(S.first, sizeof(S.first), fmt, ap);
	va_end(ap);
}

static uint64_t sc_now(void)
{
	return sync_now_ns();
}

static void *sc_main(void *arg)
{
	struct sc_worker *w = arg;
	struct sync_thread *t = sync_thread_start_or_exit(S.dom, w->tid, "haproxy_family_test");

	pthread_barrier_wait(&S.start);
	S.fn(t, w->tid);
	sync_thread_deinit(t);
	S.ops->thread_free(t);
	atomic_store(&S.done[w->tid], 1);
	return NULL;
}

/* Runs fn on n threads; 0 when every check held. Stuck: exits (finish_stuck). */
static int sc_run(const char *scenario, const struct sync_ops *ops, unsigned n,
		  void (*fn)(struct sync_thread *t, unsigned tid), double timeout_s)
{
	struct sync_params p = { .nthreads = n, .reclaim = SYNC_RECLAIM_SYNC };
	struct sc_worker w[SC_MAX];
	char err[256] = "";
	uint64_t end;

	memset(&S, 0, sizeof(S));
	S.ops = ops;
	S.n = n;
	S.fn = fn;
	if (ops->domain_create(&p, &S.dom, err, sizeof(err))) {
		fail(scenario, "domain_create: %s", err);
		return -1;
	}
	pthread_barrier_init(&S.start, NULL, n);
	end = sc_now() + (uint64_t)(timeout_s * 1e9);
	for (unsigned i = 0; i < n; i++) {
		w[i].tid = i;
		pthread_create(&w[i].th, NULL, sc_main, &w[i]);
	}
	for (unsigned i = 0; i < n; i++) {
		while (!atomic_load(&S.done[i])) {
			/* A violation stops the script; threads a broken build holds get 1 s more. */
			if (atomic_load(&S.violations) && end > sc_now() + 1000000000ull)
				end = sc_now() + 1000000000ull;
			if (sc_now() > end && atomic_load(&S.violations)) {
				fail(scenario, "%llu violation(s); first: %s (and the threads are stuck)",
				     (unsigned long long)atomic_load(&S.violations), S.first);
				finish_stuck();
			}
			if (sc_now() > end) {
				fail(scenario, "stuck: not finished after %.0f s (%llu rounds done); strategy's view:",
				     timeout_s, (unsigned long long)atomic_load(&S.rounds));
				ops->dump(S.dom, stdout);
				finish_stuck();
			}
			usleep(1000);
		}
		pthread_join(w[i].th, NULL);
	}
	ops->domain_destroy(S.dom);
	pthread_barrier_destroy(&S.start);
	if (atomic_load(&S.violations)) {
		fail(scenario, "%llu violation(s); first: %s", (unsigned long long)atomic_load(&S.violations),
		     S.first);
		return -1;
	}
	return 0;
}

static int sc_noop_poll(void *arg)
{
	(void)arg;
	return 0;
}

/*
 * Waits until every thread arrived at round r, polling (harmless in each
 * poll, so that an isolation by a thread already past the rendez-vous can
 * proceed). No loop_iter: the round's isolations start only once everyone
 * arrived, and a wake_all thread that served one from here would join it as
 * a bystander instead of as the second requester the scenario needs.
 */
static void sc_rendezvous(struct sync_thread *t, unsigned tid, uint64_t r)
{
	atomic_store(&S.arrive[tid], r);
	for (unsigned k = 0; k < S.n; k++)
		while (atomic_load(&S.arrive[k]) < r && !atomic_load(&S.stop)) {
			sync_loop_poll(t, sc_noop_poll, NULL);
			sched_yield();
		}
}

/* Inside an isolation: alone, for hold_ns. */
static void sc_isolated_window(unsigned tid, uint64_t hold_ns)
{
	uint64_t end = sc_now() + hold_ns;
	int was = atomic_fetch_add(&S.isolated, 1);

	if (was)
		sc_violation("thread %u isolated while %d other thread(s) were", tid, was);
	do {
		int a = atomic_load(&S.active);

		if (a) {
			sc_violation("thread %u isolated while %d other thread(s) ran harmful code", tid, a);
			break;
		}
	} while (sc_now() < end);
	atomic_fetch_sub(&S.isolated, 1);
}

/* Harmful work for hold_ns (or until *until >= r); an isolation meanwhile is a violation. */
static void sc_harmful_window(unsigned tid, uint64_t hold_ns, const char *what, _Atomic uint64_t *until,
			      uint64_t r)
{
	uint64_t end = sc_now() + hold_ns;

	atomic_fetch_add(&S.active, 1);
	do {
		int i = atomic_load(&S.isolated);

		if (i) {
			sc_violation("thread %u ran harmful code (%s) while a thread was isolated", tid, what);
			break;
		}
	} while (sc_now() < end && !(until && atomic_load(until) >= r));
	atomic_fetch_sub(&S.active, 1);
}

/*
 * Two requesters at once: every round both threads isolate at the same
 * moment, then run harmful code for a while right after their release. The
 * second requester must not be isolated while the first already runs on:
 * wake_all's exit barrier is what holds the first requester back until the
 * last one released (the others hold it back with their harmless masks).
 */
#define SC_PAIR_ROUNDS 60
#define SC_PAIR_HOLD_NS (5ull * 1000000ull)
/*
 * wake_all releases everyone together at its exit barrier, so a correct
 * build never waits here; a broken one must wait long enough for the other
 * requester to be scheduled and isolated, however loaded the machine.
 */
#define SC_PAIR_HOLD_SYNC_NS (300ull * 1000000ull)

static void sc_two_requesters(struct sync_thread *t, unsigned tid)
{
	for (uint64_t r = 1; r <= SC_PAIR_ROUNDS && !atomic_load(&S.violations); r++) {
		sc_rendezvous(t, tid, r);
		sync_isolate(t);
		sc_isolated_window(tid, 20000);
		sync_release(t);
		/*
		 * Harmful until the other requester released too (at most
		 * SC_PAIR_HOLD_NS: under the harmless masks it waits for us),
		 * so that a second isolation granted meanwhile overlaps it even
		 * when the scheduler delays that requester.
		 */
		atomic_fetch_add(&S.released, 1);
		sc_harmful_window(tid, S.ops->caps & SYNC_CAP_WAKES_SLEEPERS ? SC_PAIR_HOLD_SYNC_NS : SC_PAIR_HOLD_NS,
				  "right after its release", &S.released, 2 * r);
		sync_loop_poll(t, sc_noop_poll, NULL);
		sync_loop_end(t);
		if (tid == 0)
			atomic_fetch_add(&S.rounds, 1);
	}
	atomic_store(&S.stop, 1);
}

/*
 * Store buffering between leaving the poller and isolating (the Dekker pair
 * of the family: clear harmless then read the rendez-vous requests, against
 * request then read harmless). Thread 0 leaves its poller and runs harmful
 * code at once; thread 1 isolates at the same moment. Before leaving the
 * poller thread 0 makes SC_PAD stores to lines thread 1 just wrote, so its
 * harmless-clearing store commits late while its loads run on: without the
 * fence that pair needs (a locked RMW, membarrier) both sides miss each
 * other in some rounds, and thread 0 runs while thread 1 is isolated.
 */
#define SC_LITMUS_NS (2000ull * 1000000ull)
#define SC_LITMUS_XFAIL_NS (30000ull * 1000000ull)

struct sc_litmus_arg {
	unsigned tid;
	uint64_t r;
};

static int sc_litmus_poll(void *arg)
{
	struct sc_litmus_arg *a = arg;
	unsigned spins = 0;

	if (a->tid == 1)
		for (unsigned k = 0; k < SC_PAD; k++)
			atomic_store_explicit(&S.pad[k].v, a->r, memory_order_relaxed);
	atomic_store(&S.arrive[a->tid], a->r);
	while (atomic_load(&S.arrive[!a->tid]) < a->r && !atomic_load(&S.stop))
		if (++spins < 2000)
			sync_relax();
		else
			sched_yield();
	if (a->tid == 0)
		for (unsigned k = 0; k < SC_PAD; k++)
			atomic_store_explicit(&S.pad[k].v, a->r, memory_order_relaxed);
	return 0;
}

static void sc_litmus(struct sync_thread *t, unsigned tid)
{
	struct sc_litmus_arg a = { .tid = tid };

	for (uint64_t r = 1; !atomic_load(&S.stop); r++) {
		a.r = r;
		sync_loop_poll(t, sc_litmus_poll, &a);
		if (atomic_load(&S.stop))
			break;
		if (tid == 0) {
			sc_harmful_window(0, 20000, "right after leaving its poller", &S.released, r);
		} else {
			sync_isolate(t);
			sc_isolated_window(1, 2000);
			sync_release(t);
			atomic_store(&S.released, r);
			atomic_fetch_add(&S.rounds, 1);
		}
		sync_loop_end(t);
		if (atomic_load(&S.violations) || sc_now() > sc_deadline_ns)
			atomic_store(&S.stop, 1);
	}
	atomic_store(&S.stop, 1);
}

/*
 * Harmless inside a task: thread 1 takes a reference in a task, then makes a
 * slow call bracketed by harmless_begin/harmless_end (harmless, not idle);
 * thread 0 isolates meanwhile. isolate_full must not return while thread 1
 * is in that window (it still holds the reference); the others, whose
 * isolation needs only harmless threads, must return inside it (by design:
 * that is the difference isolate_full exists for).
 */
#define SC_WINDOW_NS (300ull * 1000000ull)

static void sc_task_harmless(struct sync_thread *t, unsigned tid)
{
	if (tid == 1) {
		uint64_t end;

		sync_harmless_begin(t);
		atomic_store(&S.in_window, 1);
		end = sc_now() + SC_WINDOW_NS;
		while (sc_now() < end && !atomic_load(&S.iso_returned))
			usleep(100); /* the slow call */
		atomic_store(&S.in_window, 0);
		sync_harmless_end(t);
		/* Back in the loop: idle and harmless in every poll. */
		while (!atomic_load(&S.stop)) {
			sync_loop_poll(t, sc_noop_poll, NULL);
			sync_loop_end(t);
			usleep(100);
		}
	} else {
		while (!atomic_load(&S.in_window))
			usleep(100);
		sync_isolate(t);
		atomic_store(&S.window_at_return, atomic_load(&S.in_window));
		atomic_store(&S.iso_returned, 1);
		sync_release(t);
		atomic_store(&S.stop, 1);
	}
}

static void check_task_harmless(const struct sync_ops *ops)
{
	bool full = ops == &sync_isolate_full;

	if (sc_run("harmless in a task", ops, 2, sc_task_harmless, TIMEOUT_S) != 0)
		return;
	if (full && atomic_load(&S.window_at_return))
		fail("harmless in a task", "isolate_full returned while a thread was harmless but not idle, "
		     "inside a task that still holds a reference");
	else if (!full && !atomic_load(&S.window_at_return))
		fail("harmless in a task", "%s did not return while the other thread was harmless in a task "
		     "(%.0f ms window): harmless must be enough for it", ops->name, SC_WINDOW_NS / 1e6);
	else
		printf("ok   harmless in a task: isolate %s the harmless-but-busy window\n",
		       full ? "waited past" : "returned inside");
}

static void check_two_requesters(const struct sync_ops *ops)
{
	if (sc_run("two requesters at once", ops, 2, sc_two_requesters, TIMEOUT_S) == 0)
		printf("ok   two requesters at once: %llu rounds, no isolation overlapped harmful code\n",
		       (unsigned long long)atomic_load(&S.rounds));
}

static void check_litmus(const struct sync_ops *ops)
{
	uint64_t ns = expect_failure ? SC_LITMUS_XFAIL_NS : SC_LITMUS_NS;

	/* A broken build runs until its first violation, at most ns. */
	sc_deadline_ns = sc_now() + ns;
	if (sc_run("store-buffering litmus", ops, 2, sc_litmus, TIMEOUT_S + ns / 1e9) == 0)
		printf("ok   store-buffering litmus: %llu rounds, none let a thread run during an isolation\n",
		       (unsigned long long)atomic_load(&S.rounds));
}

/* Nested isolation is forbidden: sync_isolate aborts (a death test, in a child). */
static void check_nested_isolate(const struct sync_ops *ops)
{
	pid_t pid;
	int st;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		fail("nested isolate", "fork: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		struct sync_params p = { .nthreads = 1, .reclaim = SYNC_RECLAIM_SYNC };
		struct sync_domain *d;
		struct sync_thread *t;
		char err[256];

		if (ops->domain_create(&p, &d, err, sizeof(err)) || ops->thread_alloc(d, 0, &t, err, sizeof(err)) ||
		    sync_thread_init(t, err, sizeof(err)))
			_exit(3);
		sync_isolate(t);
		sync_isolate(t); /* must abort */
		_exit(0);
	}
	if (waitpid(pid, &st, 0) < 0) {
		fail("nested isolate", "waitpid: %s", strerror(errno));
		return;
	}
	if (WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT)
		printf("ok   nested isolate: a second isolate() before release() aborted, as it must\n");
	else
		fail("nested isolate", "a second isolate() before release() did not abort (%s %d)",
		     WIFEXITED(st) ? "exit status" : "signal", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
}

/* Every scenario, in order. */
static void run_all(const struct sync_ops *ops)
{
	struct stress_result r;
	unsigned n8 = cap(ops, 8);

	/*
	 * Each step runs unless a broken variant was already caught (then
	 * the rest would only cost time).
	 */
#define STEP(x) do { if (!(expect_failure && failures)) { x; } } while (0)
	/* Nobody sleeps: every thread is always about to isolate again. */
	if (WANT("stress")) {
	STEP(if (stress_poll("all isolating at once", ops, n8, n8, 300, 0, 0, &r) == 0 &&
		 ops == &sync_wake_all)
		     check_wake_all("all isolating at once", &r, true));
	STEP(if (stress("peers woken during isolations", ops, n8, 2, 300, STRESS_WAKE_PEER, &r) == 0 &&
		 ops == &sync_wake_all)
		     check_wake_all("peers woken during isolations", &r, false));
	STEP(if (stress("start-up and exit", ops, n8, 2, 200,
			STRESS_STAGGER_START | STRESS_STAGGER_EXIT | STRESS_WAKE_PEER, &r) == 0 &&
		 ops == &sync_wake_all)
		     check_wake_all("start-up and exit", &r, false));
	STEP(stress("one thread", ops, 1, 1, 100, 0, &r));
	if (ops == &sync_tgroups) {
		STEP(stress("65 threads in 2 groups", ops, 65, 4, 40,
			    STRESS_STAGGER_START | STRESS_STAGGER_EXIT | STRESS_WAKE_PEER, &r));
		STEP(stress("130 threads in 3 groups", ops, 130, 6, 15, STRESS_WAKE_PEER, &r));
		STEP(stress("256 threads in 4 groups", ops, 256, 8, 8,
			    STRESS_STAGGER_START | STRESS_STAGGER_EXIT | STRESS_WAKE_PEER, &r));
	}
	}
	if (WANT("two_requesters"))
		STEP(check_two_requesters(ops));
	if (ops->poll_enter && WANT("litmus"))
		STEP(check_litmus(ops));
	if (ops->harmless_begin && WANT("task_harmless"))
		STEP(check_task_harmless(ops));
	if (WANT("nested_isolate"))
		STEP(check_nested_isolate(ops));
	if (WANT("limit"))
		STEP(check_limit(ops));
	if (ops == &sync_harmless_membarrier && WANT("membarrier_refusal"))
		STEP(check_membarrier_refusal(ops));
#undef STEP
}

int main(int argc, char **argv)
{
	static const char *const scenarios[] = {
		"stress", "two_requesters", "litmus", "task_harmless", "nested_isolate", "limit",
		"membarrier_refusal",
	};
	const struct sync_ops *ops;
	int attempts;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 2; i < argc; i++) {
		bool known = false;

		if (strcmp(argv[i], "--expect-failure") == 0) {
			expect_failure = 1;
			continue;
		}
		if (strncmp(argv[i], "--only=", 7) == 0)
			for (size_t k = 0; k < sizeof(scenarios) / sizeof(scenarios[0]); k++)
				if (strcmp(argv[i] + 7, scenarios[k]) == 0) {
					only = scenarios[k];
					known = true;
				}
		if (!known) {
			fprintf(stderr, "%s: unknown argument '%s'\n", argv[0], argv[i]);
			argc = 0;
		}
	}
	if (argc < 2) {
		fprintf(stderr, "usage: %s <strategy> [--expect-failure] [--only=stress|two_requesters|litmus|"
			"task_harmless|nested_isolate|limit|membarrier_refusal]\n", argv[0]);
		return 2;
	}
#ifdef SYNC_SANITIZER
	/* As grace_test: the must-fail litmus is left to the plain build. */
	if (expect_failure && only && strcmp(only, "litmus") == 0) {
		printf("expect-failure: litmus not run under a sanitizer (see the plain build's run)\n");
		return 0;
	}
#endif
	ops = find(argv[1]);
	if (!ops) {
		fprintf(stderr, "%s: strategy '%s' is not linked into this test\n", argv[0], argv[1]);
		return 2;
	}
	/*
	 * A broken build is tried until it is caught, up to 8 times: some
	 * breaks (harmless_mask's CAS, harmless_membarrier's CLAIM) open a race
	 * window that one run may miss, however wide the break makes it; up to
	 * 64 times for two requesters alone (about 0.1 s a try), which need both
	 * to be inside at once (wake_all's NO_LOCK escaped 8 tries once under
	 * load). The litmus runs once: it already loops until its first
	 * violation.
	 */
	attempts = !expect_failure ? 1 : only && strcmp(only, "litmus") == 0 ? 1 :
		   only && strcmp(only, "two_requesters") == 0 ? 64 : 8;
	for (int attempt = 0; attempt < attempts && !failures; attempt++)
		run_all(ops);

	if (expect_failure) {
		if (failures) {
			printf("broken variant detected as expected (%u failing check(s))\n", failures);
			return 0;
		}
		printf("FAIL: the broken variant of %s passed every check\n", ops->name);
		return 1;
	}
	if (failures) {
		printf("%u check(s) failed for %s\n", failures, ops->name);
		return 1;
	}
	printf("all checks passed for %s\n", ops->name);
	return 0;
}
