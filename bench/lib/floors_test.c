/*
 * floors_test.c - sanity and behaviour of floors_measure (bench/lib/floors.h),
 * never speed: both floors come back finite and positive, with at least one
 * batch and one round trip each; the call returns within a generous bound
 * (no hang); a second call works; bad budgets (negative, NaN, infinite, too
 * large) are refused with a reason. wake_rtt > cacheline_rtt is NOT asserted:
 * nothing guarantees it on every machine.
 * Built against -DFLOORS_BREAK_NO_STOP the measurement hangs; the alarm turns
 * that into a failure with a message, and with -DEXPECT_BROKEN
 * (floors_test_catches_no_stop) into a pass: the hang was caught.
 */
#include "bench/lib/floors.h"
#include "bench/lib/check.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BOUND_S 15                        /* generous: TSAN and a noisy 2-core VM */

static void on_alarm(int sig)
{
#ifdef EXPECT_BROKEN
	static const char msg[] = "floors_test: the broken floors hung, as expected: caught\n";
	const int status = 0;
#else
	static const char msg[] = "FAIL: floors_measure did not return within the bound (hang)\n";
	const int status = 1;
#endif

	(void)sig;
	(void)!write(1, msg, sizeof(msg) - 1);
	_exit(status);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void check(const char *what, double budget)
{
	struct floors f;
	char err[256] = "";
	double t0 = now_s(), took;
	int rc = floors_measure(&f, budget, err, sizeof(err));

	took = now_s() - t0;
	if (rc != 0) {
		printf("FAIL: %s: floors_measure failed: %s\n", what, err);
		failures++;
		return;
	}
	printf("%s: cacheline_rtt_ns %.1f (%u batches, %llu rounds) wake_rtt_ns %.1f (%u batches, "
	       "%llu rounds) pinned %d cpus %u took %.3f s\n",
	       what, f.cacheline_rtt_ns, f.cacheline_batches, (unsigned long long)f.cacheline_rounds,
	       f.wake_rtt_ns, f.wake_batches, (unsigned long long)f.wake_rounds, f.pinned, f.cpus, took);
	if (!isfinite(f.cacheline_rtt_ns) || !(f.cacheline_rtt_ns > 0))
		printf("FAIL: %s: cacheline_rtt_ns %g is not a finite positive number\n", what,
		       f.cacheline_rtt_ns), failures++;
	if (!isfinite(f.wake_rtt_ns) || !(f.wake_rtt_ns > 0))
		printf("FAIL: %s: wake_rtt_ns %g is not a finite positive number\n", what, f.wake_rtt_ns),
			failures++;
	if (f.cacheline_batches == 0 || f.wake_batches == 0 || f.cacheline_rounds == 0 || f.wake_rounds == 0)
		printf("FAIL: %s: a floor measured no batch or no round trip\n", what), failures++;
	if (f.cpus == 0)
		printf("FAIL: %s: cpus is 0\n", what), failures++;
	if (took > BOUND_S)
		printf("FAIL: %s: took %.1f s, bound %d s\n", what, took, BOUND_S), failures++;
}

static void check_refused(double budget)
{
	struct floors f;
	char err[256] = "";

	if (floors_measure(&f, budget, err, sizeof(err)) != -1 || err[0] == '\0')
		printf("FAIL: budget %g accepted (or refused without a reason)\n", budget), failures++;
	else
		printf("budget %g refused: %s\n", budget, err);
}

int main(void)
{
	signal(SIGALRM, on_alarm);
	alarm(2 * BOUND_S);

	check("default budget", 0.0);
	check("second call, 20 ms", 0.02);
	check_refused(-1.0);
	check_refused(NAN);
	check_refused(INFINITY);
	check_refused(FLOORS_MAX_BUDGET_S * 2);

	return check_exit("floors_test");
}
