/*
 * floors.c - measures the machine's two floors (see floors.h): the
 * cache-line round trip and the sleep->wake round trip through eventfds.
 *
 * Method, for each floor:
 *  1. start a "pong" and a "ping" thread, pinned to two distinct CPUs of the
 *     process's affinity mask when there are two (else left to the OS);
 *  2. ping warms up for a quarter of a batch (not counted);
 *  3. ping runs batches of 1/20 of the floor's share of the budget each (a
 *     batch is a time slice: it ends at the first round trip finishing after
 *     its slice, so a busy machine does not stretch the run), until the share
 *     is spent (at least 3, at most MAX_BATCHES batches), timing each with
 *     CLOCK_MONOTONIC;
 *  4. the figure is the median over batches of ns per round trip.
 * A partner that does not answer within STALL_NS ends the measurement with an
 * error instead of a hang.
 *
 * Deliberate break for floors_test (never in a real build):
 * -DFLOORS_BREAK_NO_STOP: ping never tells pong to stop (a hang at join).
 */
#include "bench/lib/floors.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#define CACHE_LINE 64
#define MAX_BATCHES 64
#define MIN_BATCHES 3
#define TARGET_BATCHES 20
#define STALL_NS 1000000000ull            /* partner silent this long: error */
#define SPINS_BEFORE_YIELD 4096           /* then let an oversubscribed CPU run the partner */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* One measurement: shared by its ping and pong threads. */
struct bench {
	/*
	 * The ball: ping writes odd values, pong answers with value + 1.
	 * Alone in its cache line so that the round trip moves this line only.
	 */
	_Alignas(CACHE_LINE) atomic_uint_fast64_t ball;
	char pad_ball[CACHE_LINE - sizeof(atomic_uint_fast64_t)];

	/*
	 * Written once by ping (stop, failed) and read by pong: on their own
	 * line so that pong's polling of stop does not disturb the ball's.
	 */
	_Alignas(CACHE_LINE) atomic_int stop;
	int ping_efd, pong_efd;           /* wake floor: each thread's eventfd */
	int ping_ep, pong_ep;             /* and its epoll set */
	int cpu[2];                       /* -1: not pinned */
	int pinned[2];                    /* each written by its own thread, read after join */

	/* Written by ping, read by the caller after join. */
	uint64_t budget_ns;
	double per_batch[MAX_BATCHES];
	unsigned batches;
	uint64_t rounds;
	int failed;
	char err[160];
};

/* Pins the calling thread to cpu (best effort); 1 if pinned. */
static int pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return 0;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(pthread_self(), sizeof(set), &set) == 0;
}

/* ---- cache-line round trip ---- */

static void *cl_pong(void *p)
{
	struct bench *b = p;
	uint_fast64_t answered = 0, v;
	unsigned spins = 0;

	b->pinned[1] = pin(b->cpu[1]);
	for (;;) {
		/*
		 * acquire/release: the ball's value is the whole message (no
		 * other data rides on it), so these orders only keep the
		 * compiler from hoisting the load; a seq_cst store would add a
		 * full fence that is no part of the floor being measured.
		 */
		v = atomic_load_explicit(&b->ball, memory_order_acquire);
		if ((v & 1) && v != answered) {
			answered = v + 1;
			atomic_store_explicit(&b->ball, answered, memory_order_release);
			spins = 0;
			continue;
		}
		if (atomic_load_explicit(&b->stop, memory_order_relaxed)) /* only ends the loop */
			return NULL;
		if (++spins >= SPINS_BEFORE_YIELD) {
			spins = 0;
			sched_yield();
		} else {
			cpu_relax();
		}
	}
}

/*
 * Runs round trips until the clock passes until; returns how many were done,
 * or -1 when the partner stalled.
 */
static long cl_batch(struct bench *b, uint64_t until)
{
	uint_fast64_t v = atomic_load_explicit(&b->ball, memory_order_relaxed);
	long i;

	for (i = 0;; i++) {
		unsigned spins = 0;
		uint64_t since = 0;

		/* the clock costs tens of ns on a VM: look at it every 64 round trips */
		if ((i & 63) == 0 && i > 0 && now_ns() >= until)
			return i;
		v++;                              /* odd: a serve */
		atomic_store_explicit(&b->ball, v, memory_order_release);
		while (atomic_load_explicit(&b->ball, memory_order_acquire) != v + 1) {
			if (++spins < SPINS_BEFORE_YIELD) {
				cpu_relax();
				continue;
			}
			spins = 0;
			if (!since)
				since = now_ns();
			else if (now_ns() - since > STALL_NS)
				return -1;
			sched_yield();
		}
		v++;
	}
}

/* ---- sleep->wake round trip ---- */

/* Blocks in epoll_wait on ep until its eventfd fires; 0, or -1 on stall/error. */
static int wait_efd(int ep, int efd)
{
	struct epoll_event ev;
	uint64_t val;
	int n;

	do
		n = epoll_wait(ep, &ev, 1, (int)(STALL_NS / 1000000));
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return -1;
	/* the eventfd is non-blocking: reset it for the next wait */
	if (read(efd, &val, sizeof(val)) != (ssize_t)sizeof(val))
		return -1;
	return 0;
}

static int kick(int efd)
{
	uint64_t one = 1;

	return write(efd, &one, sizeof(one)) == (ssize_t)sizeof(one) ? 0 : -1;
}

static void *wake_pong(void *p)
{
	struct bench *b = p;

	b->pinned[1] = pin(b->cpu[1]);
	for (;;) {
		if (wait_efd(b->pong_ep, b->pong_efd) != 0) {
			/* ping gone silent or broken: it reports; just check stop */
			if (atomic_load_explicit(&b->stop, memory_order_acquire))
				return NULL;
			continue;
		}
		/* acquire: pairs with ping's release store before its last kick */
		if (atomic_load_explicit(&b->stop, memory_order_acquire))
			return NULL;
		if (kick(b->ping_efd) != 0)
			return NULL;
	}
}

static long wake_batch(struct bench *b, uint64_t until)
{
	long i;

	for (i = 0;; i++) {
		/* a round trip costs microseconds: the clock is cheap next to it */
		if (i > 0 && now_ns() >= until)
			return i;
		if (kick(b->pong_efd) != 0 || wait_efd(b->ping_ep, b->ping_efd) != 0)
			return -1;
	}
}

/* ---- the common driver ---- */

struct driver {
	struct bench *b;
	long (*batch)(struct bench *b, uint64_t until);
	const char *what;
};

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, c = *(const double *)y;

	return a < c ? -1 : a > c;
}

static void *ping_main(void *p)
{
	struct driver *d = p;
	struct bench *b = d->b;
	uint64_t end, slice, t0, t1;
	long done;

	b->pinned[0] = pin(b->cpu[0]);
	slice = b->budget_ns / TARGET_BATCHES;
	/* warm-up (not counted): the partner's start-up and cold caches */
	if (d->batch(b, now_ns() + slice / 4) < 0)
		goto stalled;
	end = now_ns() + b->budget_ns;
	while (b->batches < MAX_BATCHES && (b->batches < MIN_BATCHES || now_ns() < end)) {
		t0 = now_ns();
		done = d->batch(b, t0 + slice);
		t1 = now_ns();
		if (done < 0)
			goto stalled;
		b->per_batch[b->batches++] = (double)(t1 - t0) / (double)done;
		b->rounds += (uint64_t)done;
	}
	goto out;
stalled:
	b->failed = 1;
	snprintf(b->err, sizeof(b->err), "floors: %s: partner thread silent for over %llu ms", d->what,
		 (unsigned long long)(STALL_NS / 1000000));
out:
#ifndef FLOORS_BREAK_NO_STOP
	/* release: pong sees stop after it sees our last message */
	atomic_store_explicit(&b->stop, 1, memory_order_release);
#endif
	if (b->pong_efd >= 0)
		(void)kick(b->pong_efd);
	return NULL;
}

/* Runs one floor; its median ns per round trip in *median. */
static int run_floor(struct bench *b, void *(*pong)(void *), struct driver *d, double *median,
		     char *err, size_t errlen)
{
	pthread_t tping, tpong;
	int rc;

	rc = pthread_create(&tpong, NULL, pong, b);
	if (rc != 0) {
		snprintf(err, errlen, "floors: %s: cannot create a thread: %s", d->what, strerror(rc));
		return -1;
	}
	rc = pthread_create(&tping, NULL, ping_main, d);
	if (rc != 0) {
		atomic_store(&b->stop, 1);
		if (b->pong_efd >= 0)
			(void)kick(b->pong_efd);
		pthread_join(tpong, NULL);
		snprintf(err, errlen, "floors: %s: cannot create a thread: %s", d->what, strerror(rc));
		return -1;
	}
	pthread_join(tping, NULL);
	pthread_join(tpong, NULL);
	if (b->failed) {
		snprintf(err, errlen, "%s", b->err);
		return -1;
	}
	if (b->batches == 0) {
		snprintf(err, errlen, "floors: %s: no batch completed", d->what);
		return -1;
	}
	qsort(b->per_batch, b->batches, sizeof(double), cmp_double);
	if (b->batches & 1)
		*median = b->per_batch[b->batches / 2];
	else
		*median = (b->per_batch[b->batches / 2 - 1] + b->per_batch[b->batches / 2]) / 2.0;
	return 0;
}

/* The first two CPUs the process may run on, or -1s; returns how many it may run on. */
static unsigned pick_cpus(int cpu[2])
{
	cpu_set_t set;
	unsigned count = 0;
	int c;

	cpu[0] = cpu[1] = -1;
	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return 0;
	for (c = 0; c < CPU_SETSIZE; c++) {
		if (!CPU_ISSET(c, &set))
			continue;
		if (count < 2)
			cpu[count] = c;
		count++;
	}
	if (count < 2)
		cpu[0] = cpu[1] = -1;     /* one CPU: pinning both there would only hurt */
	return count;
}

static void bench_init(struct bench *b, const int cpu[2], uint64_t budget_ns)
{
	memset(b, 0, sizeof(*b));
	atomic_init(&b->ball, 0);
	atomic_init(&b->stop, 0);
	b->ping_efd = b->pong_efd = b->ping_ep = b->pong_ep = -1;
	b->cpu[0] = cpu[0];
	b->cpu[1] = cpu[1];
	b->budget_ns = budget_ns;
}

static int make_waiter(int *efd, int *ep)
{
	struct epoll_event ev = { .events = EPOLLIN };

	*efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (*efd < 0)
		return -1;
	*ep = epoll_create1(EPOLL_CLOEXEC);
	if (*ep < 0)
		return -1;
	ev.data.fd = *efd;
	return epoll_ctl(*ep, EPOLL_CTL_ADD, *efd, &ev);
}

static void close_waiters(struct bench *b)
{
	int *fds[4] = { &b->ping_efd, &b->pong_efd, &b->ping_ep, &b->pong_ep };
	unsigned i;

	for (i = 0; i < 4; i++)
		if (*fds[i] >= 0) {
			close(*fds[i]);
			*fds[i] = -1;
		}
}

int floors_measure(struct floors *out, double budget_s, char *err, size_t errlen)
{
	static struct bench b;            /* large and cache-line aligned: not on the stack */
	static pthread_mutex_t one_at_a_time = PTHREAD_MUTEX_INITIALIZER;
	struct driver d;
	uint64_t share_ns;
	int cpu[2], rc = -1;
	unsigned cpus;

	if (budget_s == 0.0)
		budget_s = FLOORS_DEFAULT_BUDGET_S;
	if (!(budget_s > 0.0 && budget_s <= FLOORS_MAX_BUDGET_S)) { /* also NaN */
		snprintf(err, errlen, "floors: budget %g s: allowed (0, %g] seconds (0: default %g)", budget_s,
			 FLOORS_MAX_BUDGET_S, FLOORS_DEFAULT_BUDGET_S);
		return -1;
	}
	memset(out, 0, sizeof(*out));
	share_ns = (uint64_t)(budget_s * 1e9 / 2.0);
	if (share_ns < 1000000)
		share_ns = 1000000;
	cpus = pick_cpus(cpu);

	pthread_mutex_lock(&one_at_a_time);

	bench_init(&b, cpu, share_ns);
	d.b = &b;
	d.batch = cl_batch;
	d.what = "cache-line round trip";
	if (run_floor(&b, cl_pong, &d, &out->cacheline_rtt_ns, err, errlen) != 0)
		goto unlock;
	out->cacheline_batches = b.batches;
	out->cacheline_rounds = b.rounds;
	out->pinned = b.pinned[0] && b.pinned[1];

	bench_init(&b, cpu, share_ns);
	if (make_waiter(&b.ping_efd, &b.ping_ep) != 0 || make_waiter(&b.pong_efd, &b.pong_ep) != 0) {
		snprintf(err, errlen, "floors: sleep->wake round trip: eventfd/epoll: %s", strerror(errno));
		close_waiters(&b);
		goto unlock;
	}
	d.batch = wake_batch;
	d.what = "sleep->wake round trip";
	rc = run_floor(&b, wake_pong, &d, &out->wake_rtt_ns, err, errlen);
	close_waiters(&b);
	if (rc != 0)
		goto unlock;
	out->wake_batches = b.batches;
	out->wake_rounds = b.rounds;
	out->pinned = out->pinned && b.pinned[0] && b.pinned[1];
	out->cpus = cpus;
	rc = 0;
unlock:
	pthread_mutex_unlock(&one_at_a_time);
	return rc;
}
