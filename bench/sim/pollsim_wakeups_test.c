/*
 * pollsim_wakeups_test.c - the simulator counts wakeups caused by
 * synchronization exactly.
 *
 * What it proves:
 *  1. `none`, no updates, idle with events: 0 sync wakeups (every return is an
 *     event, a timeout or the stop; none is blamed on the strategy).
 *  2. K explicit strategy wakes are counted as exactly K. A test-only strategy
 *     ("testwake") has an eventfd as its wake_fd and drains it in
 *     wake_event(). One loop thread, no events, no updates; a writer thread
 *     writes the eventfd, waits until wake_event() has drained it, and only
 *     then writes again, K times: each write makes exactly one epoll return
 *     that includes the wake fd, whatever the timing. The writer starts once
 *     the measured window is open (on_window_open): only wakeups inside it
 *     are counted.
 *  3. For every strategy in the registry (generic: strategies that land later
 *     are picked up): idle, events off, outside updater, N loop threads:
 *     sync_wakeups == 0 unless the strategy has SYNC_CAP_WAKES_SLEEPERS, then
 *     each update wakes each sleeping loop thread exactly once: every loop
 *     thread counts one sync wakeup per update, and the updater none. The
 *     one exception is the window's edge, and it is exact too: an update
 *     counts if it began before the window closed, a wakeup if the woken
 *     thread read the clock before it closed, so the last update, begun just
 *     before the close (a slow or oversubscribed run), may wake a thread
 *     after it. A waker's update ends only once every loop thread has woken
 *     (wake_all's barriers, replicas_eager's acknowledgements), so no earlier
 *     update can straddle the close: each loop thread counts u or u - 1 for u
 *     updates, never fewer, and the total is the threads' sum. (Seen with a
 *     loop thread held 60 ms after each sync wakeup: wake_all's counted 7 of
 *     8, the last update's after the close, where a check of exactly N per
 *     update in all reads 15 for 16, as it did on CI's slowest runs.) "Each
 *     sleeping thread": a thread still awake when an update is posted is not
 *     woken by it; with updates 50 ms apart and no events, a thread is back
 *     in its poll within microseconds of each update.
 *
 * Built with -DEXPECT_BROKEN and pollsim.c compiled with
 * -DPOLLSIM_BREAK_CLASSIFY (every epoll return with a ready fd is counted as a
 * sync wakeup), the test must fail; that target passes only if it did.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "bench/lib/check.h"
#include "bench/lib/test_strategy.h"
#include "bench/sim/pollsim.h"
#include "bench/sim/sim_test.h"
#include "strategies/sync.h"

#define K_WAKES 5

/* ---- the test-only strategy: a wake_fd and nothing else ---- */

static pthread_mutex_t wake_lock = PTHREAD_MUTEX_INITIALIZER;
static int wake_efd = -1;            /* under wake_lock: the writer must not write a closed fd */
static atomic_int wake_events;       /* wake_event() calls that drained something */
static atomic_int window_open;       /* set by pollsim_run as its measured window opens */

static void on_window_open(void *arg)
{
	(void)arg;
	atomic_store(&window_open, 1);
}

static void tw_domain_destroy(struct sync_domain *d)
{
	pthread_mutex_lock(&wake_lock);
	close(wake_efd);
	wake_efd = -1;
	pthread_mutex_unlock(&wake_lock);
	sync_domain_delete(d);
}

static int tw_wake_fd(struct sync_domain *d)
{
	(void)d;
	return wake_efd;
}

static void tw_wake_event(struct sync_thread *t)
{
	uint64_t v;

	(void)t;
	/* the loop thread's own read; the writer only writes under wake_lock */
	if (read(wake_efd, &v, sizeof(v)) == (ssize_t)sizeof(v))
		atomic_fetch_add(&wake_events, 1);
}

static int tw_domain_init(struct sync_domain *d, char *err, size_t errlen)
{
	(void)d;
	pthread_mutex_lock(&wake_lock);
	wake_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	pthread_mutex_unlock(&wake_lock);
	if (wake_efd < 0) {
		snprintf(err, errlen, "testwake: eventfd: %s", strerror(errno));
		return -1;
	}
	return 0;
}

SYNC_DEFINE_DOMAIN_CREATE_CHECKED(tw_domain_create, testwake, struct sync_domain, tw_domain_init)

SYNC_DEFINE_OPS(testwake, "baseline", SYNC_CAP_ISOLATE | SYNC_CAP_UNSAFE, tw,
		(domain_create, domain_destroy, wake_fd, wake_event), .origin = "pollsim_wakeups_test only",
		.thread_alloc = test_strategy_thread_alloc, TEST_STRATEGY_UNGUARDED, .dump = test_strategy_dump);

/* ---- 1. none, no updates: zero ---- */

static void test_none_idle(void)
{
	struct pollsim_config c;
	struct pollsim_result *r;

	pollsim_config_quiet(&c, sync_find("none"), 2, POLLSIM_IDLE, 0.3);
	c.update_rate = 0;
	c.event_rate = 200;
	r = sim_test_run(&c);
	if (!r)
		return;
	printf("none idle, no updates: %llu events, %llu event wakeups, %llu sync wakeups\n",
	       (unsigned long long)r->events, (unsigned long long)r->event_wakeups,
	       (unsigned long long)r->sync_wakeups);
	CHECK(r->events > 0, "none idle: no events handled: the run measured nothing");
	CHECK(r->event_wakeups > 0, "none idle: no event wakeups counted");
	CHECK(r->sync_wakeups == 0, "none idle, no updates: %llu sync wakeups, expected 0",
	      (unsigned long long)r->sync_wakeups);
	free(r);
}

/* ---- 2. K explicit wakes: exactly K ---- */

struct writer_result {
	int written;
	int timed_out;
};

static void *writer_main(void *arg)
{
	struct writer_result *w = arg;
	uint64_t one = 1, deadline = sync_now_ns() + 10ull * 1000000000u;

	/* the domain (and its eventfd) exists once pollsim_run created it */
	for (;;) {
		int fd;

		pthread_mutex_lock(&wake_lock);
		fd = wake_efd;
		pthread_mutex_unlock(&wake_lock);
		if (fd >= 0 && atomic_load(&window_open))
			break;
		if (sync_now_ns() > deadline) {
			w->timed_out = 1;
			return NULL;
		}
		usleep(1000);
	}
	for (int i = 1; i <= K_WAKES; i++) {
		int ok = 0;

		pthread_mutex_lock(&wake_lock);
		if (wake_efd >= 0)
			ok = write(wake_efd, &one, sizeof(one)) == (ssize_t)sizeof(one);
		pthread_mutex_unlock(&wake_lock);
		if (!ok) {
			w->timed_out = 1;
			return NULL;
		}
		w->written = i;
		/* next write only once this one was drained: one epoll return each */
		while (atomic_load(&wake_events) < i) {
			if (sync_now_ns() > deadline) {
				w->timed_out = 1;
				return NULL;
			}
			usleep(200);
		}
	}
	return NULL;
}

static void test_k_wakes(void)
{
	struct pollsim_config c;
	struct pollsim_result *r;
	struct writer_result w = { 0, 0 };
	pthread_t th;

	pollsim_config_quiet(&c, &sync_testwake, 1, POLLSIM_IDLE, 1.5);
	c.updater = POLLSIM_UPDATER_LOOP; /* one participant: the thread that is woken */
	c.update_rate = 0;
	c.no_events = 1;
	c.on_window_open = on_window_open;
	atomic_store(&wake_events, 0);
	atomic_store(&window_open, 0);
	if (pthread_create(&th, NULL, writer_main, &w)) {
		printf("FAIL: pthread_create\n");
		failures++;
		return;
	}
	r = sim_test_run(&c);
	pthread_join(th, NULL);
	if (!r)
		return;
	printf("testwake: %d writes, %d drained, %llu sync wakeups, %llu event wakeups\n", w.written,
	       atomic_load(&wake_events), (unsigned long long)r->sync_wakeups,
	       (unsigned long long)r->event_wakeups);
	CHECK(!w.timed_out && w.written == K_WAKES,
	      "testwake: the writer did not complete its %d writes within the run (%d done)", K_WAKES,
	      w.written);
	CHECK(atomic_load(&wake_events) == K_WAKES, "testwake: wake_event drained %d times, expected %d",
	      atomic_load(&wake_events), K_WAKES);
	CHECK(r->sync_wakeups == K_WAKES, "testwake: %llu sync wakeups counted for %d wakes",
	      (unsigned long long)r->sync_wakeups, K_WAKES);
	CHECK(r->event_wakeups == 0 && r->timeout_wakeups == 0,
	      "testwake: no events, yet %llu event and %llu timeout wakeups",
	      (unsigned long long)r->event_wakeups, (unsigned long long)r->timeout_wakeups);
	free(r);
}

/* ---- 3. every registry strategy: 0, or N per update for wakers ---- */

static void test_registry(void)
{
	const unsigned n = 2;

	for (size_t i = 0; sync_registry[i]; i++) {
		const struct sync_ops *ops = sync_registry[i];
		struct pollsim_config c;
		struct pollsim_result *r;
		const char *flag;
		char err[512];
		uint64_t loop_sum;

		if (check_tsan_blind(ops->name)) {
			printf("skip %s: goes through liburcu/ck, whose atomics TSAN cannot see\n", ops->name);
			continue;
		}
		pollsim_config_quiet(&c, ops, n, POLLSIM_IDLE, 0.5);
		c.no_events = 1;
		c.updater = POLLSIM_UPDATER_OUTSIDE;
		c.update_rate = 20;
		if (!(ops->caps & (SYNC_CAP_ISOLATE | SYNC_CAP_SYNCHRONIZE)))
			c.reclaim = SYNC_RECLAIM_DEFER;
		if (pollsim_check(&c, &flag, err, sizeof(err))) {
			printf("skip %s: refuses the configuration (%s: %s)\n", ops->name, flag, err);
			continue;
		}
		r = sim_test_run(&c);
		if (!r)
			continue;
		if (ops->caps & SYNC_CAP_INTERRUPTS_SLEEPERS) {
			/* A signal per sleeper per grace-period barrier: at least one each. */
			printf("%s: %llu updates, %llu sync wakeups (EINTR; expected >= %llu)\n", ops->name,
			       (unsigned long long)r->updates, (unsigned long long)r->sync_wakeups,
			       (unsigned long long)(n * r->updates));
			CHECK(r->updates >= 2 && r->sync_wakeups >= n * r->updates,
			      "%s: %llu sync wakeups for %llu updates, expected at least %llu", ops->name,
			      (unsigned long long)r->sync_wakeups, (unsigned long long)r->updates,
			      (unsigned long long)(n * r->updates));
			free(r);
			continue;
		}
		CHECK(r->updates >= 2, "%s: only %llu updates: the run measured nothing", ops->name,
		      (unsigned long long)r->updates);
		if (!(ops->caps & SYNC_CAP_WAKES_SLEEPERS)) {
			printf("%s: %llu updates, %llu sync wakeups (expected 0)\n", ops->name,
			       (unsigned long long)r->updates, (unsigned long long)r->sync_wakeups);
			CHECK(r->sync_wakeups == 0, "%s: %llu sync wakeups for %llu updates, expected 0 (it wakes no sleeper)",
			      ops->name, (unsigned long long)r->sync_wakeups, (unsigned long long)r->updates);
			free(r);
			continue;
		}
		loop_sum = 0;
		for (unsigned k = 0; k < n; k++) {
			uint64_t w = r->per_thread[k].sync_wakeups;

			loop_sum += w;
			printf("%s: loop thread %u: %llu sync wakeups for %llu updates%s\n", ops->name, k,
			       (unsigned long long)w, (unsigned long long)r->updates,
			       w + 1 == r->updates ? " (the last update woke it after the window closed)" : "");
			CHECK(w == r->updates || w + 1 == r->updates,
			      "%s: loop thread %u: %llu sync wakeups for %llu updates, expected one per update "
			      "(or one fewer: the last update's, after the close)",
			      ops->name, k, (unsigned long long)w, (unsigned long long)r->updates);
		}
		CHECK(r->sync_wakeups == loop_sum,
		      "%s: %llu sync wakeups in all, the loop threads' sum is %llu: the updater (or another "
		      "participant) was counted as woken",
		      ops->name, (unsigned long long)r->sync_wakeups, (unsigned long long)loop_sum);
		free(r);
	}
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_none_idle();
	test_k_wakes();
	test_registry();
	return check_exit("pollsim_wakeups_test");
}
