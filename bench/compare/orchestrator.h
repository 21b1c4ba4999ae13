/*
 * orchestrator.h - what compare_bench does for compare.sh, which runs one
 * process per round of a setting: the progress line of each point on a
 * descriptor, and a stop on SIGINT, SIGTERM or SIGHUP that lets the running
 * point finish (a run is at most about a second; the watchdog bounds a hung
 * one), so that every finished point of the process is kept.
 */
#ifndef ORCHESTRATOR_H
#define ORCHESTRATOR_H

#include <stdint.h>

/* --progress-fd, --progress-done, --progress-total, --progress-elapsed */
struct orch_progress {
	int fd;              /* -1: no progress lines */
	unsigned done;       /* runs finished before this process */
	unsigned total;      /* runs of the whole comparison */
	double elapsed_s;    /* the comparison's time before this process */
	uint64_t t0;         /* set by orch_start */
};
extern struct orch_progress orch_progress;

/*
 * Blocks the stop signals before any other thread exists (they inherit the
 * mask: no epoll_wait of a run is interrupted) and starts the thread that
 * records them; starts the progress clock. Exits 1 when it cannot.
 */
void orch_start(const char *prog);

/* The stop signal received, or 0. */
int orch_stopped(void);

/*
 * "compare: [I/TOTAL] NAME round R (elapsed Xs, ~Ys left)" on the progress
 * descriptor, I counting from orch_progress.done; k is the point's rank in
 * this process (1-based). A failed write only stops the progress lines.
 */
void orch_progress_line(unsigned k, const char *name, unsigned round);

#endif /* ORCHESTRATOR_H */
