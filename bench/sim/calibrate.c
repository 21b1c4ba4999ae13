/*
 * calibrate.c - the CPU an event costs is a loop of spin_iters(); this measures
 * once per process how many iterations make a microsecond of thread CPU, so
 * that --event-cost-us means the same on every machine.
 */
#include "bench/sim/sim_internal.h"

static uint64_t calibrated_x1000;
static pthread_once_t calibrate_once = PTHREAD_ONCE_INIT;

/* Iterations per microsecond of thread CPU (x1000), best of a few tries. */
static void calibrate(void)
{
	double best = 0;

	for (int k = 0; k < 5; k++) {
		uint64_t n = 1u << 16, c0, c1;

		for (;;) {
			c0 = thread_cpu_ns();
			spin_iters(n);
			c1 = thread_cpu_ns();
			if (c1 - c0 >= 2000000 || n >= (1ull << 34))
				break;
			n *= 2;
		}
		double per_us = (double)n * 1000.0 / (double)(c1 - c0 ? c1 - c0 : 1);

		if (per_us > best)
			best = per_us;
	}
	calibrated_x1000 = (uint64_t)(best * 1000.0);
	if (!calibrated_x1000)
		calibrated_x1000 = 1;
}

uint64_t sim_calibrated_x1000(void)
{
	pthread_once(&calibrate_once, calibrate);
	return calibrated_x1000;
}
