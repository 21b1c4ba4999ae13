/*
 * resources.c - what each participant owns, set up and torn down on its own
 * thread through the lifecycle (bench/lib/lifecycle.h), callbacks named:
 *   ALLOC  pollsim_placement (bind to the CPU hwloc chose), pollsim_resources
 *          (epoll set, event source, histograms), strategy_thread
 *          (thread_alloc, watched from here on: bench/lib/strategy_thread.h);
 *   INIT   strategy_thread (thread_init), pollsim_loop (fill the epoll set);
 *   DEINIT strategy_thread;
 *   FREE   strategy_thread (unwatched, then thread_free), pollsim_resources.
 * --fail=alloc:T fails strategy_thread's ALLOC on thread T (so
 * pollsim_resources is unwound), --fail=init:T fails pollsim_loop's INIT (so
 * the strategy's init and alloc are unwound). The epoll set holds the event
 * source, the stop and start fds, the updater's end-of-updates fd and the
 * strategy's wake_fd. Resource exhaustion (a low
 * RLIMIT_NOFILE) fails pollsim_resources' ALLOC with the call named.
 */
#include "bench/sim/sim_internal.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "bench/lib/strategy_thread.h"
#include "strategies/loop.h"

static int cb_placement_alloc(void *arg, unsigned tid, char *err, size_t errlen)
{
	struct sim *s = arg;
	cpu_set_t set;
	int cpu = s->pts[tid].cpu;

	if (cpu < 0)
		return 0;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		snprintf(err, errlen, "binding to cpu %d: %s", cpu, strerror(errno));
		return -1;
	}
	return 0;
}

static int cb_resources_alloc(void *arg, unsigned tid, char *err, size_t errlen)
{
	struct sim *s = arg;
	struct pt *p = &s->pts[tid];
	const char *what;

	p->epfd = p->srcfd = -1;
	p->hists = NULL;
	what = "epoll_create1";
	p->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (p->epfd < 0)
		goto fail;
	if (p->role == ROLE_SATURATED) {
		what = "eventfd";
		p->srcfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	} else {
		what = "timerfd_create";
		p->srcfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	}
	if (p->srcfd < 0)
		goto fail;
	what = "malloc (histograms)";
	p->hists = malloc(3 * sizeof(*p->hists));
	if (!p->hists) {
		errno = ENOMEM;
		goto fail;
	}
	for (int i = 0; i < 3; i++)
		hist_init(&p->hists[i]);
	return 0;
fail:
	snprintf(err, errlen, "%s: %s", what, strerror(errno));
	if (p->srcfd >= 0)
		close(p->srcfd);
	if (p->epfd >= 0)
		close(p->epfd);
	p->epfd = p->srcfd = -1;
	return -1;
}

static int cb_resources_free(void *arg, unsigned tid, char *err, size_t errlen)
{
	struct sim *s = arg;
	struct pt *p = &s->pts[tid];

	(void)err;
	(void)errlen;
	close(p->srcfd);
	close(p->epfd);
	p->epfd = p->srcfd = -1;
	/* the histograms are merged by pollsim_run after join, then freed there */
	return 0;
}

/* The strategy's four steps (bench/lib/strategy_thread.h): thread tid's handle, and a failure injected into ALLOC. */
static struct sync_thread **pt_slot(void *arg, unsigned tid, void **user)
{
	struct sim *s = arg;

	*user = &s->pts[tid];
	return &s->pts[tid].st;
}

static int fail_alloc(void *arg, unsigned tid, char *err, size_t errlen)
{
	struct sim *s = arg;

	if (s->cfg->fail_phase == LC_ALLOC && s->cfg->fail_thread == (int)tid) {
		snprintf(err, errlen, "injected failure (--fail=alloc:%u)", tid);
		return -1;
	}
	return 0;
}

static int add_fd(int epfd, int fd, uint32_t tag, char *err, size_t errlen, const char *what)
{
	/*
	 * The start fd is written once and never drained: edge-triggered, it
	 * wakes each loop once; the others are level-triggered.
	 */
	struct epoll_event ev = { .events = EPOLLIN | (tag == TAG_START ? EPOLLET : 0), .data.u32 = tag };

	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev)) {
		snprintf(err, errlen, "epoll_ctl(add %s): %s", what, strerror(errno));
		return -1;
	}
	return 0;
}

static int cb_loop_init(void *arg, unsigned tid, char *err, size_t errlen)
{
	struct sim *s = arg;
	struct pt *p = &s->pts[tid];
	uint64_t one = 1;

	if (s->cfg->fail_phase == LC_INIT && s->cfg->fail_thread == (int)tid) {
		snprintf(err, errlen, "injected failure (--fail=init:%u)", tid);
		return -1;
	}
	if (add_fd(p->epfd, p->srcfd, TAG_SRC, err, errlen, "event source") ||
	    add_fd(p->epfd, s->stopfd, TAG_CTL, err, errlen, "stop fd") ||
	    add_fd(p->epfd, s->startfd, TAG_START, err, errlen, "start fd") ||
	    (p->is_updater && add_fd(p->epfd, s->updfd, TAG_CTL, err, errlen, "updates fd")) ||
	    (s->wake_fd >= 0 && add_fd(p->epfd, s->wake_fd, TAG_WAKE, err, errlen, "strategy wake_fd")))
		return -1; /* the fds themselves go in FREE pollsim_resources */
	if (p->role == ROLE_SATURATED && s->ev_rate > 0 &&
	    write(p->srcfd, &one, sizeof(one)) != (ssize_t)sizeof(one)) {
		snprintf(err, errlen, "eventfd write: %s", strerror(errno));
		return -1;
	}
	return 0;
}

void sim_register_callbacks(struct sim *s)
{
	lc_register(s->lc, LC_ALLOC, "pollsim_placement", cb_placement_alloc, s);
	lc_register(s->lc, LC_ALLOC, "pollsim_resources", cb_resources_alloc, s);
	s->threads = (struct strategy_threads){ .dom = &s->dom, .wd = &s->wd, .harness = s, .slot = pt_slot,
						.before_alloc = fail_alloc };
	strategy_threads_register(s->lc, "strategy_thread", &s->threads);
	lc_register(s->lc, LC_INIT, "pollsim_loop", cb_loop_init, s);
	lc_register(s->lc, LC_FREE, "pollsim_resources", cb_resources_free, s);
}
