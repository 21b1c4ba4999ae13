/*
 * readers_writers_test.c - every safe strategy of the registry, in every
 * update mode it supports, keeps its readers safe: short readers/writers runs
 * (rw_run) complete with reads and writes done, no torn read (an update in
 * place was seen half done) and no poisoned read (a reclaimed object was
 * read). Freed objects are poisoned first, so a reader that a grace period
 * failed to wait for sees poison, or (--config=asan) ASAN reports the
 * heap-use-after-free. The unsafe `none` must only complete: it may tear.
 *
 * Generic over the registry: strategies are picked up as they land.
 * Under ThreadSanitizer, strategies going through liburcu or Concurrency Kit
 * (names "urcu_*", "ck_*") are skipped and named: TSAN cannot see their
 * hand-written atomics and fences and reports races that are not there.
 *
 * Built with -DEXPECT_BROKEN (readers_writers_test_catches_no_wait), the test
 * instead proves it can fail: it re-runs itself as a child with each of two
 * test-only strategies and passes (check.h's inverted verdict: its one check
 * "not both caught" failed) only if both children failed:
 *  - broken_grace: synchronize() does not wait, defer_free() frees at once
 *    (caught as poisoned reads, or ASAN's use-after-free, or TSAN's race);
 *  - broken_isolate: isolate() does not wait (caught as torn reads).
 * A child process, because under ASAN/TSAN the catch is the sanitizer
 * aborting the process.
 */
#include "bench/rw/rw.h"

#include "bench/lib/check.h"
#include "bench/lib/test_strategy.h"

#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

extern char **environ;

#define RUN_S 0.2
#define BROKEN_TRIES 20

/* ---- broken strategies (test only): waits that do not wait ---- */

/* THE BREAK: the "grace period" does not wait for anyone. */
static void broken_defer_free(struct sync_thread *t, void *p, void (*fn)(void *))
{
	(void)t;
	fn(p);
}

TEST_STRATEGY_DEFINE_PLAIN(broken_grace, "grace", SYNC_CAP_SYNCHRONIZE | SYNC_CAP_DEFER, broken, (defer_free),
			  .origin = "test only: synchronize() returns at once", .synchronize = test_strategy_nothing,
			  .barrier = test_strategy_nothing, .dump = test_strategy_dump);

/* THE BREAK for updates in place: isolate() returns at once (none, not flagged unsafe). */
TEST_STRATEGY_DEFINE_PLAIN(broken_isolate, "exclusive", SYNC_CAP_ISOLATE, test_strategy, (dump),
			  .origin = "test only: isolate() returns at once", TEST_STRATEGY_UNGUARDED);

/* ---- the checks ---- */

/* One run; 0 when it holds, 1 (after a FAIL line saying why) when it does not. */
static int check(const struct sync_ops *ops, enum sync_reclaim reclaim, unsigned readers,
		 unsigned writers, uint64_t hold)
{
	struct rw_config cfg;
	struct rw_result *res = malloc(sizeof(*res));
	char err[512];
	int unsafe = (ops->caps & SYNC_CAP_UNSAFE) != 0, before = failures;

	CHECK(res, "%s: out of memory", ops->name);
	if (!res)
		return 1;
	rw_config_quiet(&cfg, ops, readers, writers, RUN_S);
	cfg.reclaim = reclaim;
	/* Read sections held open and updates held long: a wider window to be caught in. */
	cfg.read_delay = hold;
	cfg.write_hold = hold;
	/*
	 * A reader that retries while a write overlaps (seqlock), or that waits
	 * for the writers (rwlock, brlock), gets in only between writes: under
	 * back-to-back writes on 2 busy CPUs it can starve for the whole run
	 * (seen: 0 reads, seqlock plain, rwlock under TSAN), which is the
	 * design's price, not a bug; a pause after each write lets its reads
	 * through to be checked.
	 */
	if (writers && (ops->read_retry || (ops->read_begin && (ops->caps & SYNC_CAP_ISOLATE))))
		cfg.write_delay = 1000;
	if (rw_run(&cfg, res, err, sizeof(err))) {
		CHECK(0, "%s reclaim=%s %ur/%uw: run failed: %s", ops->name, rw_reclaim_name(reclaim), readers,
		      writers, err);
		free(res);
		return 1;
	}
	CHECK(res->reads && res->writes, "%s reclaim=%s %ur/%uw: %llu reads, %llu writes: both must be done",
	      ops->name, rw_reclaim_name(reclaim), readers, writers, (unsigned long long)res->reads,
	      (unsigned long long)res->writes);
	CHECK(unsafe || (!res->torn_reads && !res->poisoned_reads),
	      "%s reclaim=%s %ur/%uw: %llu torn, %llu poisoned reads", ops->name, rw_reclaim_name(reclaim),
	      readers, writers, (unsigned long long)res->torn_reads, (unsigned long long)res->poisoned_reads);
	printf("%s %-14s reclaim=%-5s update=%-7s %ur/%uw hold %llu: reads %llu writes %llu torn %llu poisoned %llu%s\n",
	       failures != before ? "FAIL" : "ok  ", ops->name, rw_reclaim_name(reclaim),
	       rw_update_name(res->update), readers, writers, (unsigned long long)hold,
	       (unsigned long long)res->reads, (unsigned long long)res->writes,
	       (unsigned long long)res->torn_reads, (unsigned long long)res->poisoned_reads,
	       unsafe ? " (unsafe: tearing allowed)" : "");
	fflush(stdout);
	free(res);
	return failures != before;
}

#ifndef EXPECT_BROKEN
static int check_registry(void)
{
	/* hold: relax loops inside each read section and each update */
	static const struct { unsigned readers, writers; uint64_t hold; } shapes[] = {
		{ 2, 1, 0 },
		{ 1, 2, 20 },
	};
	static const enum sync_reclaim modes[] = { SYNC_RECLAIM_SYNC, SYNC_RECLAIM_DEFER };
	int failed = 0, runs = 0;

	for (size_t i = 0; sync_registry[i]; i++) {
		const struct sync_ops *ops = sync_registry[i];

		if (check_tsan_blind(ops->name)) {
			printf("skip %s: goes through liburcu/ck, whose atomics TSAN cannot see\n", ops->name);
			continue;
		}
		for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
			enum rw_update u;
			char err[256];

			if (rw_update_mode(ops, modes[m], &u, err, sizeof(err)))
				continue; /* a mode the strategy does not offer */
			for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
				unsigned n = shapes[s].readers + shapes[s].writers;

				if (ops->max_threads && n > ops->max_threads)
					continue;
				failed += check(ops, modes[m], shapes[s].readers, shapes[s].writers,
						shapes[s].hold);
				runs++;
			}
		}
	}
	CHECK(runs > 0, "no strategy was run");
	printf("%d runs, %d failed\n", runs, failed);
	return check_exit("readers_writers_test");
}
#endif

/*
 * The child of the EXPECT_BROKEN test: fails as soon as a run is caught.
 * "grace": broken_grace in both reclaim modes; "isolate": broken_isolate.
 */
static int broken_child(const char *which)
{
	int grace = strcmp(which, "grace") == 0;

	for (int i = 0; i < BROKEN_TRIES; i++) {
		enum sync_reclaim r = (grace && (i & 1)) ? SYNC_RECLAIM_DEFER : SYNC_RECLAIM_SYNC;

		if (check(grace ? &sync_broken_grace : &sync_broken_isolate, r, 2, 1, (uint64_t)(i & 2) * 10))
			return 1;
	}
	printf("broken_%s was never caught in %d runs\n", grace ? "grace" : "isolate", BROKEN_TRIES);
	return 0;
}

#ifdef EXPECT_BROKEN
/* Runs one broken child: whether the test caught it (the child failed). */
static int caught(const char *self, const char *which)
{
	char *argv[] = { (char *)self, (char *)"--broken-child", (char *)which, NULL };
	pid_t pid;
	int st;

	fflush(stdout);
	if (posix_spawn(&pid, self, NULL, NULL, argv, environ) != 0) {
		printf("cannot run %s: broken_%s counts as not caught\n", self, which);
		return 0;
	}
	if (waitpid(pid, &st, 0) != pid) {
		printf("waitpid failed: broken_%s counts as not caught\n", which);
		return 0;
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		printf("broken_%s was not caught\n", which);
		return 0;
	}
	if (WIFEXITED(st))
		printf("broken_%s caught (child exit status %d)\n", which, WEXITSTATUS(st));
	else
		printf("broken_%s caught (child killed by signal %d: a sanitizer's abort)\n", which, WTERMSIG(st));
	return 1;
}
#endif

int main(int argc, char **argv)
{
	if (argc > 2 && strcmp(argv[1], "--broken-child") == 0)
		return broken_child(argv[2]);
#ifdef EXPECT_BROKEN
	/* /proc/self/exe: argv[0] is relative to a directory the test may not be in. */
	int grace = caught("/proc/self/exe", "grace"), isolate = caught("/proc/self/exe", "isolate");

	CHECK(!(grace && isolate), "both broken strategies were caught");
	return check_exit("readers_writers_test");
#else
	return check_registry();
#endif
}
