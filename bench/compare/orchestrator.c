/*
 * orchestrator.c - compare_bench's side of compare.sh's process per round:
 * progress lines and the stop on a signal (orchestrator.h).
 */
#include "bench/compare/orchestrator.h"

#include "strategies/sync.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

struct orch_progress orch_progress = { .fd = -1 };

static _Atomic int stop_signal; /* written by stop_thread, read between points */

/* The thread that takes the stop signals (blocked in every other thread). */
static void *stop_thread(void *arg)
{
	sigset_t *set = arg;
	int sig;

	for (;;)
		if (sigwait(set, &sig) == 0 && !atomic_load(&stop_signal))
			atomic_store(&stop_signal, sig);
	return NULL;
}

void orch_start(const char *prog)
{
	static sigset_t set;
	pthread_t t;

	orch_progress.t0 = sync_now_ns();
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) || pthread_create(&t, NULL, stop_thread, &set) ||
	    pthread_detach(t)) {
		fprintf(stderr, "%s: cannot set up the stop signals' thread\n", prog);
		exit(1);
	}
}

int orch_stopped(void)
{
	return atomic_load(&stop_signal);
}

void orch_progress_line(unsigned k, const char *name, unsigned round)
{
	const struct orch_progress *o = &orch_progress;
	unsigned i = o->done + k;
	double e = o->elapsed_s + (double)(sync_now_ns() - o->t0) / 1e9;
	char line[1024];
	int n;

	if (o->fd < 0)
		return;
	if (i > 1 && i <= o->total)
		n = snprintf(line, sizeof(line), "compare: [%u/%u] %s round %u (elapsed %.0fs, ~%.0fs left)\n", i,
			     o->total, name, round, e, e * (double)(o->total - i + 1) / (double)(i - 1));
	else
		n = snprintf(line, sizeof(line), "compare: [%u/%u] %s round %u (elapsed %.0fs)\n", i, o->total,
			     name, round, e);
	if (n > 0 && write(o->fd, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1) < 0)
		orch_progress.fd = -1;
}
