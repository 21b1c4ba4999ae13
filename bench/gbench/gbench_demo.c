/*
 * gbench_demo.c - a C-only benchmark binary, registered only through the C
 * API of bench/gbench/gbench.h, that gbench_test.sh runs and checks.
 *
 * Each benchmark sets up values the test can predict from the JSON alone:
 *  - counters/...: one counter per flag, fixed iteration count and manual
 *    iteration time, so every flag's effect is a known function of value,
 *    iterations, seconds and threads;
 *  - threads: per-thread values that must be summed / averaged;
 *  - args_*: arguments read back with gb_range() into counters, so names and
 *    values can be compared;
 *  - skip_*: gb_skip_with_error() before and inside the loop;
 *  - timing/...: real time, process CPU time, time unit, pause/resume;
 *  - agg: repetitions reported as aggregates only.
 *
 * --misuse=<case> (first argument, handled before gb_main) makes one wrong
 * call instead, so the test can see it exit with status 2 and one line on
 * stderr.
 */
#include "bench/gbench/gbench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The value every counter of counters/flags is set to. */
#define K 6.0
/* Manual time of one iteration, in seconds. */
#define ITER_TIME 0.002
#define ITERS 100

static void bm_counters(struct gb_state *st, void *user)
{
	int64_t seen = 0;

	(void)user;
	while (gb_keep_running(st)) {
		seen++;
		gb_set_iteration_time(st, ITER_TIME);
	}
	gb_counter(st, "plain", K, GB_COUNTER_DEFAULT);
	gb_counter(st, "rate", K, GB_COUNTER_RATE);
	gb_counter(st, "avg_threads", K, GB_COUNTER_AVG_THREADS);
	gb_counter(st, "avg_threads_rate", K, GB_COUNTER_AVG_THREADS_RATE);
	gb_counter(st, "invariant", K, GB_COUNTER_ITERATION_INVARIANT);
	gb_counter(st, "invariant_rate", K,
		   GB_COUNTER_ITERATION_INVARIANT_RATE);
	gb_counter(st, "avg_iterations", K, GB_COUNTER_AVG_ITERATIONS);
	gb_counter(st, "avg_iterations_rate", K,
		   GB_COUNTER_AVG_ITERATIONS_RATE);
	gb_counter(st, "invert", K, GB_COUNTER_INVERT);
	gb_counter(st, "rate_invert", K, GB_COUNTER_RATE | GB_COUNTER_INVERT);
	gb_counter(st, "k1000", 2048, GB_COUNTER_IS_1000);
	gb_counter(st, "k1024", 2048, GB_COUNTER_IS_1024);
	/* What the loop saw vs what the API says, for the test to compare. */
	gb_counter(st, "seen", (double)seen, GB_COUNTER_DEFAULT);
	gb_counter(st, "iterations_after", (double)gb_iterations(st),
		   GB_COUNTER_DEFAULT);
	gb_set_items_processed(st, 10 * gb_iterations(st));
	gb_set_bytes_processed(st, 4096 * gb_iterations(st));
	gb_set_label(st, "counters-label");
}

static void bm_threads(struct gb_state *st, void *user)
{
	int64_t in_loop = 0;

	(void)user;
	while (gb_keep_running(st))
		in_loop = gb_iterations(st);
	/* Summed over threads: 1 + 2 + ... + threads. */
	gb_counter(st, "index_plus_one", gb_thread_index(st) + 1,
		   GB_COUNTER_DEFAULT);
	/* Every thread reports its thread count: the average is that count. */
	gb_counter(st, "threads_avg", gb_threads(st), GB_COUNTER_AVG_THREADS);
	/* The last gb_iterations() inside the loop is this thread's count. */
	gb_counter(st, "in_loop_iterations", (double)in_loop,
		   GB_COUNTER_DEFAULT);
}

static void bm_args(struct gb_state *st, void *user)
{
	(void)user;
	while (gb_keep_running(st))
		;
	gb_counter(st, "arg0", (double)gb_range(st, 0), GB_COUNTER_DEFAULT);
	if (*(const int *)user == 2)
		gb_counter(st, "arg1", (double)gb_range(st, 1),
			   GB_COUNTER_DEFAULT);
}

/* The other loop form: same counts, and break after a skip. */
static void bm_for_each(struct gb_state *st, void *user)
{
	int64_t seen = 0;

	(void)user;
	gb_for_each_iteration(st) {
		if (gb_iterations(st) != 0)
			abort();  /* documented: 0 inside this form */
		seen++;
	}
	gb_counter(st, "seen", (double)seen, GB_COUNTER_DEFAULT);
	gb_counter(st, "iterations_after", (double)gb_iterations(st),
		   GB_COUNTER_DEFAULT);
}

static void bm_for_each_skip(struct gb_state *st, void *user)
{
	int64_t n = 0;

	(void)user;
	gb_for_each_iteration(st) {
		if (++n == 3) {
			gb_skip_with_error(st, "deliberate skip in for_each");
			break;
		}
	}
	if (n != 3)
		abort();
}

static void bm_skip_before(struct gb_state *st, void *user)
{
	(void)user;
	gb_skip_with_error(st, "deliberate skip before the loop");
	while (gb_keep_running(st))
		abort();  /* must not run */
}

static void bm_skip_inside(struct gb_state *st, void *user)
{
	int64_t n = 0;

	(void)user;
	while (gb_keep_running(st)) {
		/* The loop must end at the end of this iteration. */
		if (++n == 3)
			gb_skip_with_error(st, "deliberate skip inside the loop");
		if (n > 3)
			abort();
	}
	if (!gb_error_occurred(st))
		abort();
}

static void bm_timing(struct gb_state *st, void *user)
{
	volatile int sink = 0;

	(void)user;
	while (gb_keep_running(st)) {
		gb_pause_timing(st);
		sink++;
		gb_resume_timing(st);
		sink++;
	}
}

static void bm_empty(struct gb_state *st, void *user)
{
	(void)user;
	while (gb_keep_running(st))
		gb_clobber_memory();
}

static void bm_break(struct gb_state *st, void *user)
{
	/* volatile: an unconditional break is no loop, and GCC says so. */
	volatile int stop = 1;

	(void)user;
	gb_for_each_iteration(st)
		if (stop)
			break;  /* misuse: no gb_skip_with_error() */
}

/* One wrong call per case; each must exit with status 2. */
static int misuse(const char *c)
{
	struct gb_bench *b = gb_register("misuse", bm_empty, NULL);

	if (!strcmp(c, "break_without_skip")) {
		char *args[] = { "gbench_demo",
				 "--benchmark_filter=^misuse_break/", NULL };

		gb_bench_iterations(gb_register("misuse_break", bm_break,
						NULL), 5);
		gb_main(2, args);
	} else if (!strcmp(c, "null_fn"))
		gb_register("x", NULL, NULL);
	else if (!strcmp(c, "null_name"))
		gb_register(NULL, bm_empty, NULL);
	else if (!strcmp(c, "empty_name"))
		gb_register("", bm_empty, NULL);
	else if (!strcmp(c, "threads_zero"))
		gb_bench_threads(b, 0);
	else if (!strcmp(c, "threads_negative"))
		gb_bench_threads(b, -3);
	else if (!strcmp(c, "thread_range_zero"))
		gb_bench_thread_range(b, 0, 4);
	else if (!strcmp(c, "repetitions_negative"))
		gb_bench_repetitions(b, -1);
	else if (!strcmp(c, "min_time_zero"))
		gb_bench_min_time(b, 0);
	else if (!strcmp(c, "min_time_negative"))
		gb_bench_min_time(b, -0.5);
	else if (!strcmp(c, "iterations_zero"))
		gb_bench_iterations(b, 0);
	else if (!strcmp(c, "null_handle"))
		gb_bench_arg(NULL, 1);
	else if (!strcmp(c, "arity"))
		gb_bench_arg_pair(gb_bench_arg(b, 1), 1, 2);
	else if (!strcmp(c, "range_reversed"))
		gb_bench_range(b, 10, 1);
	else if (!strcmp(c, "context_empty_key"))
		gb_add_custom_context("", "v");
	else {
		fprintf(stderr, "gbench_demo: --misuse=%s: unknown case\n", c);
		return 1;
	}
	/* Reaching here means the wrong call was accepted. */
	fprintf(stderr, "gbench_demo: --misuse=%s was accepted\n", c);
	return 0;
}

static const int one = 1, two = 2;

int main(int argc, char **argv)
{
	static const char *const ab[] = { "a", "b" };
	static const int64_t l0[] = { 1, 2 }, l1[] = { 10, 20, 30 };
	static const int64_t *const lists[] = { l0, l1 };
	static const size_t lens[] = { 2, 3 };
	static const int64_t lo_hi[] = { 1, 8, 100, 100 };
	static const int64_t args3[] = { 5 };
	struct gb_bench *b;

	if (argc > 1 && !strncmp(argv[1], "--misuse=", 9))
		return misuse(argv[1] + 9);

	b = gb_register("counters/flags", bm_counters, NULL);
	gb_bench_use_manual_time(gb_bench_iterations(b, ITERS));
	gb_bench_unit(b, GB_MILLISECOND);

	gb_bench_iterations(gb_bench_threads(gb_register("threads", bm_threads,
							 NULL), 2), 50);

	/* Names: args_pair/a:3/b:7 etc. */
	b = gb_register("args_pair", bm_args, (void *)&two);
	gb_bench_arg_names(gb_bench_arg_pair(b, 3, 7), ab, 2);
	gb_bench_min_time(gb_bench_args(gb_register("args_list", bm_args,
						    (void *)&one), args3, 1),
			  0.01);
	gb_bench_arg_name(gb_bench_range(gb_bench_range_multiplier(
		gb_register("args_range", bm_args, (void *)&one), 4), 1, 64),
		"n");
	gb_bench_dense_range(gb_register("args_dense", bm_args, (void *)&one),
			     0, 6, 3);
	gb_bench_args_product(gb_register("args_product", bm_args,
					  (void *)&two), lists, lens, 2);
	gb_bench_ranges(gb_register("args_ranges", bm_args, (void *)&two),
			lo_hi, 2);

	gb_bench_iterations(gb_register("for_each", bm_for_each, NULL), 77);
	gb_bench_iterations(gb_register("for_each_skip", bm_for_each_skip,
					NULL), 10);
	gb_register("skip_before", bm_skip_before, NULL);
	/* 10 iterations: the skip at the 3rd always happens. */
	gb_bench_iterations(gb_register("skip_inside", bm_skip_inside, NULL), 10);

	gb_bench_unit(gb_bench_use_real_time(gb_register("timing/real",
							 bm_timing, NULL)),
		      GB_MICROSECOND);
	gb_bench_measure_process_cpu_time(gb_register("timing/process",
						      bm_timing, NULL));
	gb_bench_dense_thread_range(gb_bench_thread_range(
		gb_register("thread_ranges", bm_empty, NULL), 1, 2), 3, 3, 1);

	gb_bench_report_aggregates_only(gb_bench_repetitions(
		gb_register("agg", bm_empty, NULL), 3), true);
	gb_bench_display_aggregates_only(gb_bench_min_warmup_time(
		gb_register("warmup", bm_empty, NULL), 0.001), true);

	gb_add_custom_context("gbench_demo", "custom-context-value");
	return gb_main(argc, argv);
}
