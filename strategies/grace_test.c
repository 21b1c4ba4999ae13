/*
 * grace_test.c - one correctness harness for every strategy that protects
 * readers from reclamation (rwlock, qsbr, ebr, urcu_qsbr, urcu_memb,
 * ck_epoch). The strategy under test is the table named by the TEST_OPS macro
 * (set per Bazel target, so a deliberately broken build of a strategy links
 * here just like the real one); the first argument picks the reclaim mode.
 *
 *   grace_test sync|defer [--phase=all|stress|offline|batch|piggyback|litmus|barrier|orphan] [--expect-fail]
 *
 * What it proves (each phase on a fresh domain):
 *  stress  R readers and W writers run the poll loop's calls for 1.5 s (up to
 *          4 s until 1000 read sections overlapped an update). Writers replace
 *          a shared object (copy, publish, then synchronize+free, or
 *          defer_free; rwlock: in place between isolate and release).
 *          Freed objects are poisoned first, and readers check the object
 *          they hold at the end of each section: a poisoned or changed object
 *          is a reader touching freed memory (ASAN sees the same as a
 *          use-after-free). Sequence numbers from one global counter order
 *          events: a reader takes b after entering its section; a writer
 *          takes s after unpublishing the old object; when that object is
 *          freed, reclaimed_upto = max(reclaimed_upto, s). A reader that,
 *          still inside its section, sees reclaimed_upto > b saw a grace
 *          period that started after its section began end before it.
 *          Defer mode: every defer_free's callback ran once by the end
 *          (frees == defers; LeakSanitizer checks the rest).
 *  offline One thread goes offline (poll_enter) and blocks reading an eventfd
 *          nobody writes; another updates 50 times. Every update must finish
 *          within a generous bound (10 s), else the test fails (no hang).
 *  batch   (grace-period strategies in sync mode) for 1 s, 4 threads call
 *          synchronize concurrently while 2 readers hold long sections. Each
 *          caller must still get a full grace period (the order check), and
 *          when the strategy's summary reports "grace_periods N" and
 *          "synchronize_calls M", N < M (callers were batched).
 *  piggyback (sync mode) a scripted run: a synchronize that arrives while
 *          another caller's grace period runs must not return with it when
 *          a reader section that began before the call (but after that grace
 *          period started) is still open (grace_phase_piggyback in
 *          grace_test_script.c has the steps).
 *  litmus  (sync mode) store buffering at the entry of a read section, in
 *          lock step, until the first violation (grace_test_litmus.c):
 *          catches a missing store-load fence on the reader's side.
 *  barrier (defer mode) barrier() returns only once every defer_free made
 *          so far by any thread ran, a sleeping thread's included.
 *  orphan  (defer mode) barrier() frees nothing its grace period does not
 *          cover: not an object deferred by a thread that exits during it
 *          while a section that began before that unpublish holds it.
 * Sequence numbers are taken with plain loads and stores, never a
 * read-modify-write inside a section (which on x86 would be a full fence
 * standing in for one the strategy must have). The stress phase also fails
 * when no section overlapped an update (grace periods) or one did
 * (exclusive locks).
 * With --expect-fail the harness runs itself in a child process and succeeds
 * only if the child fails (the permanent "broken variant must fail" targets).
 *
 * This file holds what every phase shares and the driver; the phases live in
 * grace_test_stress.c, grace_test_script.c and grace_test_litmus.c
 * (grace_test.h between them).
 */
#include "strategies/grace_test.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct grace_state grace;
int grace_failures;
bool grace_expecting_failure;

struct obj *grace_obj_new(void)
{
	struct obj *o = malloc(sizeof(*o));

	if (!o) {
		fprintf(stderr, "grace_test: out of memory\n");
		exit(1);
	}
	o->magic = MAGIC_LIVE;
	o->gen = atomic_fetch_add(&grace.gen, 1);
	for (int i = 0; i < 4; i++)
		o->payload[i] = o->gen + (uint64_t)i;
	atomic_init(&o->retire_seq, 0);
	return o;
}

void grace_obj_reclaim(struct obj *o)
{
	atomic_max(&grace.reclaimed_upto, atomic_load_explicit(&o->retire_seq, memory_order_relaxed));
	o->magic = MAGIC_DEAD;
	o->gen = ~0ull;
	for (int i = 0; i < 4; i++)
		o->payload[i] = MAGIC_DEAD;
	free(o);
}

void grace_obj_free_cb(void *p)
{
	grace_obj_reclaim(p);
	atomic_fetch_add(&grace.frees, 1);
}

void grace_start_thread(struct worker *w)
{
	w->t = sync_thread_start_or_exit(grace.dom, w->tid, "grace_test");
}

void grace_stop_thread(struct worker *w)
{
	sync_thread_deinit(w->t);
	ops->thread_free(w->t);
}

void grace_domain_up(unsigned nthreads)
{
	struct sync_params p = { .nthreads = nthreads, .reclaim = grace.reclaim };
	char err[256];

	atomic_store(&grace.stop, 0);
	atomic_store(&grace.reads, 0);
	atomic_store(&grace.poisoned, 0);
	atomic_store(&grace.order_violations, 0);
	atomic_store(&grace.overlaps, 0);
	atomic_store(&grace.defers, 0);
	atomic_store(&grace.frees, 0);
	atomic_store(&grace.updates, 0);
	atomic_store(&grace.sync_calls, 0);
	atomic_store(&grace.reclaimed_upto, 0);
	for (unsigned i = 0; i < SEQ_SLOTS; i++)
		atomic_store(&grace.seq[i].v, 1);
	grace.long_section_us = 0;
	if (ops->domain_create(&p, &grace.dom, err, sizeof(err))) {
		fprintf(stderr, "grace_test: %s: domain_create: %s\n", ops->name, err);
		exit(1);
	}
	atomic_store(&grace.shared, grace_obj_new());
	pthread_barrier_init(&grace.start, NULL, nthreads + 1);
}

void grace_domain_down(void)
{
	grace_obj_reclaim(atomic_exchange(&grace.shared, NULL));
	ops->domain_destroy(grace.dom);
	grace.dom = NULL;
	pthread_barrier_destroy(&grace.start);
}

bool grace_summary_value(const char *key, uint64_t *val)
{
	char buf[1024] = "";
	FILE *f;
	char *p;
	size_t kl = strlen(key);

	if (!ops->summary)
		return false;
	f = fmemopen(buf, sizeof(buf) - 1, "w");
	if (!f)
		return false;
	ops->summary(grace.dom, f);
	fclose(f);
	for (p = buf; (p = strstr(p, key)); p += kl) {
		if ((p == buf || p[-1] == ' ') && p[kl] == ' ') {
			*val = strtoull(p + kl + 1, NULL, 10);
			return true;
		}
	}
	return false;
}

void grace_join_all(struct worker *w, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		pthread_join(w[i].th, NULL);
}

void grace_check_frees(const char *phase, const char *when)
{
	if (atomic_load(&grace.frees) != atomic_load(&grace.defers))
		FAIL("%s: %" PRIu64 " deferred frees made but %" PRIu64 " ran%s", phase,
		     atomic_load(&grace.defers), atomic_load(&grace.frees), when);
}

/* Which runs a phase applies to (see applies()). */
enum { ANY_MODE, GRACE_SYNC, GRACE_DEFER };

/* Every phase, in the order --phase=all runs them. */
static const struct phase {
	const char *name;
	void (*run)(void);
	int modes;
} phases[] = {
	{ "stress", grace_phase_stress, ANY_MODE },
	{ "offline", grace_phase_offline, ANY_MODE },
	{ "batch", grace_phase_batch, GRACE_SYNC },
	{ "piggyback", grace_phase_piggyback, GRACE_SYNC },
	{ "litmus", grace_phase_litmus, GRACE_SYNC },
	{ "barrier", grace_phase_barrier, GRACE_DEFER },
	{ "orphan", grace_phase_orphan, GRACE_DEFER },
};

#define NPHASES (sizeof(phases) / sizeof(phases[0]))

/* ANY_MODE: every run; GRACE_*: a grace-period strategy in that reclaim mode only. */
static bool applies(const struct phase *ph)
{
	if (ph->modes == ANY_MODE)
		return true;
	return !grace.isolate_mode &&
	       grace.reclaim == (ph->modes == GRACE_SYNC ? SYNC_RECLAIM_SYNC : SYNC_RECLAIM_DEFER);
}

static bool phase_known(const char *name)
{
	if (strcmp(name, "all") == 0)
		return true;
	for (unsigned i = 0; i < NPHASES; i++)
		if (strcmp(name, phases[i].name) == 0)
			return true;
	return false;
}

static int run(const char *phase)
{
	bool all = strcmp(phase, "all") == 0;

	for (unsigned i = 0; i < NPHASES; i++)
		if ((all || strcmp(phase, phases[i].name) == 0) && applies(&phases[i]))
			phases[i].run();
	if (grace_failures) {
		printf("%s: %d check(s) FAILED\n", ops->name, grace_failures);
		return 1;
	}
	printf("%s: all checks passed\n", ops->name);
	return 0;
}

/* Runs the test in a child and succeeds only if it fails (crash included). */
static int expect_fail(const char *phase)
{
	pid_t pid;
	int st;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		perror("grace_test: fork");
		return 1;
	}
	if (pid == 0)
		_exit(run(phase));
	if (waitpid(pid, &st, 0) < 0) {
		perror("grace_test: waitpid");
		return 1;
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		printf("expect-fail: the broken %s variant PASSED the %s checks: the test does not catch it\n",
		       ops->name, phase);
		return 1;
	}
	printf("expect-fail: the broken %s variant failed as it must (%s %d)\n", ops->name,
	       WIFEXITED(st) ? "exit status" : "signal", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	return 0;
}

int main(int argc, char **argv)
{
	const char *phase = "all";
	bool xfail = false;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2 || (strcmp(argv[1], "sync") && strcmp(argv[1], "defer"))) {
		fprintf(stderr, "grace_test: first argument: reclaim mode '%s', allowed: sync, defer\n",
			argc < 2 ? "" : argv[1]);
		return 2;
	}
	grace.reclaim = strcmp(argv[1], "defer") == 0 ? SYNC_RECLAIM_DEFER : SYNC_RECLAIM_SYNC;
	for (int i = 2; i < argc; i++) {
		if (strncmp(argv[i], "--phase=", 8) == 0 && phase_known(argv[i] + 8)) {
			phase = argv[i] + 8;
		} else if (strcmp(argv[i], "--expect-fail") == 0) {
			xfail = true;
			grace_expecting_failure = true;
		} else {
			fprintf(stderr, "grace_test: unknown argument '%s', allowed: --phase=all|stress|offline|batch|piggyback|litmus|barrier|orphan, "
				"--expect-fail\n", argv[i]);
			return 2;
		}
	}
	grace.isolate_mode = !(ops->caps & (SYNC_CAP_SYNCHRONIZE | SYNC_CAP_DEFER));
	if (grace.isolate_mode && grace.reclaim == SYNC_RECLAIM_DEFER) {
		fprintf(stderr, "grace_test: %s has no deferred reclamation\n", ops->name);
		return 2;
	}
	printf("grace_test: strategy %s, mode %s%s, phase %s%s\n", ops->name,
	       grace.isolate_mode ? "isolate" : argv[1], "", phase, xfail ? ", expecting failure" : "");
#ifdef SYNC_SANITIZER
	/*
	 * A sanitizer's instrumentation around every access changes the timing
	 * the store-buffering litmus needs (under ASAN it catches a missing
	 * fence only now and then): there the must-fail litmus is left to the
	 * plain build (its target, and strategies/mutation.sh). The litmus of a
	 * correct build still runs, and must still pass.
	 */
	if (xfail && strcmp(phase, "litmus") == 0) {
		printf("expect-fail: litmus not run under a sanitizer (see the plain build's run)\n");
		return 0;
	}
#endif
	return xfail ? expect_fail(phase) : run(phase);
}
