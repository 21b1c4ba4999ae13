/*
 * floors.h - the machine's floors, measured at the start of each run, so that
 * latencies can also be given as ratios to what the hardware and the OS
 * cannot go below on this machine, in this run:
 *  - cache-line round trip: two threads bounce one atomic, alone in its cache
 *    line, back and forth (the cost of any handshake through shared memory);
 *  - sleep->wake round trip: two threads each blocked in epoll_wait on their
 *    own eventfd wake each other in turn (the cost of waking a sleeping poll
 *    loop, which strategies that wake sleepers pay).
 * Each figure is the median over batches of the mean ns per round trip in a
 * batch (a VM's noise hits single batches, the median ignores them). Two fresh
 * threads do the work, pinned to two distinct CPUs when the process may run
 * on at least two (pinned says whether that worked); the caller's affinity is
 * untouched. CLOCK_MONOTONIC throughout.
 */
#ifndef FLOORS_H
#define FLOORS_H

#include <stddef.h>
#include <stdint.h>

#define FLOORS_DEFAULT_BUDGET_S 0.08      /* total, split evenly between the two floors */
#define FLOORS_MAX_BUDGET_S 60.0

struct floors {
	double cacheline_rtt_ns;          /* median of batches, ns per round trip */
	double wake_rtt_ns;               /* median of batches, ns per round trip */
	unsigned cacheline_batches, wake_batches;
	uint64_t cacheline_rounds, wake_rounds; /* round trips measured in all */
	int pinned;                       /* 1: the two threads ran pinned to distinct CPUs */
	unsigned cpus;                    /* CPUs the process may run on */
};

/*
 * Measures both floors in about budget_s seconds (0: FLOORS_DEFAULT_BUDGET_S;
 * otherwise (0, FLOORS_MAX_BUDGET_S]). Returns 0 and fills out; -1 with a
 * one-line reason in err (bad budget, thread/eventfd/epoll creation failed, a
 * partner thread silent for over a second). Never takes much more than
 * 2 * budget_s plus thread start-up, except for that one-second stall bound.
 * Blocking; call it before the run's own threads start.
 */
int floors_measure(struct floors *out, double budget_s, char *err, size_t errlen);

#endif /* FLOORS_H */
