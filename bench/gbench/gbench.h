/*
 * gbench.h - a C interface to Google Benchmark (libbenchmark 1.7.1).
 *
 * Why: the project is C11, Google Benchmark is C++. bench/gbench/gbench.cc is the
 * only C++ file of the project; everything else registers and writes its
 * benchmarks in C through this header. IREE's iree/testing/benchmark.h is a
 * public precedent for the idea; this interface is our own.
 *
 * Design:
 *  - A benchmark is registered with gb_register(name, fn, user) and configured
 *    through the handle it returns (gb_bench_*(), each returning the handle so
 *    that calls chain). Registration is done before gb_main() runs.
 *  - The benchmark function receives a struct gb_state * and runs the state
 *    loop:
 *
 *	static void bm_foo(struct gb_state *st, void *user)
 *	{
 *		...set-up...
 *		while (gb_keep_running(st)) {
 *			...one iteration...
 *		}
 *		gb_counter(st, "ops", n, GB_COUNTER_RATE);
 *	}
 *
 *  - Wrapper cost. gb_keep_running() is a static inline fast path over an
 *    iteration counter kept in struct gb_state: a decrement and a test per
 *    iteration, no call. Only the first call (start the timer) and the last
 *    one (stop it) go to gbench.cc, which then drives benchmark::State in
 *    batches. //bench:gbench_overhead_bench measures it against the same empty
 *    loop written in C++ (state.KeepRunning() and the range-for form).
 *    gb_for_each_iteration(st) is a second loop form, the C twin of C++'s
 *    `for (auto _ : state)`: its counter is a local variable, which the
 *    compiler keeps in a register even when the body clobbers memory.
 *    There is no KeepRunningBatch form: the counting loop already is one.
 *  - gb_skip_with_error() ends the loop at the end of the current iteration,
 *    like state.SkipWithError() with state.KeepRunning().
 *  - Counter flags are C bit flags, each mapped 1:1 by gbench.cc onto one
 *    benchmark::Counter flag (the bit values are ours, not the library's).
 *  - gb_main() hands argv to benchmark::Initialize(), so every --benchmark_*
 *    flag of the library works unchanged.
 *
 * Misuse: a call given a bad value (NULL or empty name, NULL function, NULL
 * handle or state, thread count < 1, repetitions < 1, min time <= 0, unknown
 * counter flags, an argument list whose arity differs from the benchmark's
 * earlier ones, ...) prints ONE line on stderr naming the call and the bad
 * value, and exits the process IMMEDIATELY with status 2. No call returns an
 * error code: there is nothing a benchmark binary could do with one but exit.
 *
 * Threads: each thread of a multi-threaded benchmark has its own struct
 * gb_state; gb_* state calls are made only by the thread that owns the state.
 * Registration calls and gb_add_custom_context() are made from one thread,
 * before gb_main().
 */
#ifndef GBENCH_H
#define GBENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The state of one thread of one run of a benchmark. The fields are the
 * inline fast path's; they are private to this header and gbench.cc.
 * Written and read only by the thread running the benchmark function.
 */
struct gb_state {
	int64_t gb_left_;  /* iterations still allowed before the slow path */
	int64_t gb_max_;   /* iterations of this run (State::max_iterations) */
	int gb_phase_;     /* 0 before the loop, 1 in it, 2 after it,
			    * 3 in gb_for_each_iteration() */
	int gb_nargs_;     /* arity of the run's argument list */
	void *gb_cxx_;     /* the benchmark::State */
};

/* A registered benchmark (opaque; lives until the process exits). */
struct gb_bench;

/*
 * Counter flags for gb_counter(). Combine with |. Each bit maps to one
 * benchmark::Counter flag; the reported value is, in this order:
 *   value * iterations          if GB_COUNTER_ITERATION_INVARIANT
 *   / seconds of the run        if GB_COUNTER_RATE
 *   / number of threads         if GB_COUNTER_AVG_THREADS
 *   / iterations                if GB_COUNTER_AVG_ITERATIONS
 *   1 / result                  if GB_COUNTER_INVERT (always last)
 * (the value is first summed over the threads of the run). GB_COUNTER_IS_1024
 * makes the console show k/M/G as powers of 1024 instead of 1000.
 */
enum gb_counter_flags {
	GB_COUNTER_DEFAULT = 0,
	GB_COUNTER_RATE = 1 << 0,                 /* kIsRate */
	GB_COUNTER_AVG_THREADS = 1 << 1,          /* kAvgThreads */
	GB_COUNTER_ITERATION_INVARIANT = 1 << 2,  /* kIsIterationInvariant */
	GB_COUNTER_AVG_ITERATIONS = 1 << 3,       /* kAvgIterations */
	GB_COUNTER_INVERT = 1 << 4,               /* kInvert */
	GB_COUNTER_IS_1024 = 1 << 5,              /* Counter::kIs1024 */
	/* The library's named combinations. */
	GB_COUNTER_AVG_THREADS_RATE = GB_COUNTER_AVG_THREADS | GB_COUNTER_RATE,
	GB_COUNTER_ITERATION_INVARIANT_RATE =
		GB_COUNTER_ITERATION_INVARIANT | GB_COUNTER_RATE,
	GB_COUNTER_AVG_ITERATIONS_RATE =
		GB_COUNTER_AVG_ITERATIONS | GB_COUNTER_RATE,
	GB_COUNTER_IS_1000 = 0,                   /* Counter::kIs1000 (default) */
};

/* Time unit of the reported times (benchmark::TimeUnit). */
enum gb_time_unit {
	GB_NANOSECOND,
	GB_MICROSECOND,
	GB_MILLISECOND,
	GB_SECOND,
};

/* ---- Registration ------------------------------------------------------ */

/*
 * Registers the benchmark `name` running fn(state, user), and returns its
 * handle. The name is copied. fn is called once per run per thread, from the
 * library's threads; `user` is passed through untouched (shared by all the
 * threads of a run: fn must synchronize what it writes there).
 * Misuse: NULL/empty name, NULL fn.
 */
struct gb_bench *gb_register(const char *name,
			     void (*fn)(struct gb_state *st, void *user),
			     void *user);

/*
 * Argument lists. Each call adds runs; every argument list of one benchmark
 * must have the same arity (misuse otherwise). Read them with gb_range().
 */
/* One run with the single argument x (Arg). */
struct gb_bench *gb_bench_arg(struct gb_bench *b, int64_t x);
/* One run with the n arguments args[0..n-1] (Args). Misuse: n == 0, NULL. */
struct gb_bench *gb_bench_args(struct gb_bench *b, const int64_t *args,
			       size_t n);
/* One run with the two arguments x, y (ArgPair). */
struct gb_bench *gb_bench_arg_pair(struct gb_bench *b, int64_t x, int64_t y);
/*
 * Runs with one argument from lo to hi: lo, then the powers of the range
 * multiplier (default 8) strictly between, then hi (Range). Misuse: lo > hi.
 */
struct gb_bench *gb_bench_range(struct gb_bench *b, int64_t lo, int64_t hi);
/* Multiplier of later gb_bench_range(s) calls (RangeMultiplier). Misuse: < 2. */
struct gb_bench *gb_bench_range_multiplier(struct gb_bench *b, int mult);
/* Runs with one argument lo, lo+step, ... <= hi (DenseRange). Misuse: step < 1, lo > hi. */
struct gb_bench *gb_bench_dense_range(struct gb_bench *b, int64_t lo,
				      int64_t hi, int step);
/*
 * Runs over the product of n ranges, range i going from lo_hi[2*i] to
 * lo_hi[2*i+1] as in gb_bench_range() (Ranges). Misuse: n == 0, NULL, lo > hi.
 */
struct gb_bench *gb_bench_ranges(struct gb_bench *b, const int64_t *lo_hi,
				 size_t n);
/*
 * Runs over the cartesian product of n explicit lists: list i is
 * lists[i][0..lens[i]-1] (ArgsProduct). Misuse: n == 0, NULL, empty list.
 */
struct gb_bench *gb_bench_args_product(struct gb_bench *b,
				       const int64_t *const *lists,
				       const size_t *lens, size_t n);
/* Names the single argument in the benchmark's name ("name:value") (ArgName). */
struct gb_bench *gb_bench_arg_name(struct gb_bench *b, const char *name);
/* Names the n arguments (ArgNames). Misuse: NULL names, NULL entries. */
struct gb_bench *gb_bench_arg_names(struct gb_bench *b,
				    const char *const *names, size_t n);

/*
 * Threads. Each call adds a thread count; a benchmark without any runs on one
 * thread. Misuse: a count < 1, lo > hi, stride < 1.
 */
/* Runs with exactly t threads (Threads). */
struct gb_bench *gb_bench_threads(struct gb_bench *b, int t);
/* Runs with lo, 2*lo, 4*lo, ... and hi threads (ThreadRange). */
struct gb_bench *gb_bench_thread_range(struct gb_bench *b, int lo, int hi);
/* Runs with lo, lo+stride, ... and hi threads (DenseThreadRange). */
struct gb_bench *gb_bench_dense_thread_range(struct gb_bench *b, int lo,
					     int hi, int stride);

/*
 * Measurement. These override the matching --benchmark_* flag for this
 * benchmark only.
 */
/* Repeats each run n times and adds mean/median/stddev/cv (Repetitions). Misuse: n < 1. */
struct gb_bench *gb_bench_repetitions(struct gb_bench *b, int n);
/* Runs until at least `seconds` were measured (MinTime). Misuse: seconds <= 0. */
struct gb_bench *gb_bench_min_time(struct gb_bench *b, double seconds);
/* Warms up for `seconds` before measuring (MinWarmUpTime). Misuse: seconds < 0. */
struct gb_bench *gb_bench_min_warmup_time(struct gb_bench *b, double seconds);
/* Runs exactly n iterations instead of sizing the run (Iterations). Misuse: n < 1. */
struct gb_bench *gb_bench_iterations(struct gb_bench *b, int64_t n);
/* Measures wall-clock time instead of the main thread's CPU time (UseRealTime). */
struct gb_bench *gb_bench_use_real_time(struct gb_bench *b);
/* Uses the times given by gb_set_iteration_time() (UseManualTime). */
struct gb_bench *gb_bench_use_manual_time(struct gb_bench *b);
/* Measures the CPU time of the whole process, all threads (MeasureProcessCPUTime). */
struct gb_bench *gb_bench_measure_process_cpu_time(struct gb_bench *b);
/* Reports times in `unit` (Unit). Misuse: not a gb_time_unit. */
struct gb_bench *gb_bench_unit(struct gb_bench *b, enum gb_time_unit unit);
/* With repetitions, reports only the aggregates, console and file (ReportAggregatesOnly). */
struct gb_bench *gb_bench_report_aggregates_only(struct gb_bench *b, bool only);
/* With repetitions, shows only the aggregates on the console (DisplayAggregatesOnly). */
struct gb_bench *gb_bench_display_aggregates_only(struct gb_bench *b,
						  bool only);

/* ---- Inside the benchmark function --------------------------------------- */

/* Slow path of gb_keep_running(); call gb_keep_running() instead. */
bool gb_keep_running_slow_(struct gb_state *st);

/*
 * The state loop: returns true while an iteration must run. The first call
 * starts the timer, the call returning false stops it; afterwards the function
 * may set counters and return. Must be called until it returns false (the
 * other threads of the run wait for this one at the end). Inline so that an
 * iteration costs a decrement and a test.
 */
static inline bool gb_keep_running(struct gb_state *st)
{
	if (__builtin_expect(st->gb_left_ > 0, 1)) {
		st->gb_left_--;
		return true;
	}
	return gb_keep_running_slow_(st);
}

/* Slow paths of gb_for_each_iteration(); use the macro. */
int64_t gb_loop_start_(struct gb_state *st);
void gb_loop_stop_(struct gb_state *st, int64_t left);

/*
 * The other form of the state loop, like C++'s `for (auto _ : state)`:
 *
 *	gb_for_each_iteration(st) {
 *		...one iteration...
 *	}
 *
 * Runs the body the run's number of times with the counter in a local
 * variable (cheapest loop; see gbench_overhead_bench). Differences from
 * gb_keep_running(), as in C++: gb_skip_with_error() does not end it (break
 * out after it; a break without it is misuse: the run would report
 * iterations that did not run), and gb_iterations() reads 0 inside it.
 * Use one loop form per benchmark function, once.
 */
/*
 * Two iterations per taken branch: GCC compiles the C++ range-for loop that
 * way, and on CPUs that take one branch per two cycles that halves an empty
 * loop's cost. Harmless for real bodies.
 */
#if defined(__GNUC__) && !defined(__clang__)
#define GB_UNROLL2_ _Pragma("GCC unroll 2")
#else
#define GB_UNROLL2_
#endif

#define gb_for_each_iteration(st)                                        \
	for (int64_t gb_n_ = gb_loop_start_(st), gb_once_ = 1; gb_once_;   \
	     gb_once_ = 0, gb_loop_stop_((st), gb_n_))                   \
		GB_UNROLL2_ for (; gb_n_ != 0; gb_n_--)

/*
 * Stops / restarts the timer of this thread (PauseTiming / ResumeTiming),
 * inside the loop, around per-iteration work that must not be measured.
 * Costly (two clock reads): not for tight loops.
 */
void gb_pause_timing(struct gb_state *st);
void gb_resume_timing(struct gb_state *st);

/*
 * Sets the time of the current iteration, with gb_bench_use_manual_time();
 * called once per iteration (SetIterationTime). Misuse: seconds < 0.
 */
void gb_set_iteration_time(struct gb_state *st, double seconds);

/*
 * Sets the counter `name` of this thread to `value` with `flags` (a set of
 * enum gb_counter_flags), replacing an earlier value of the same name. The
 * values of all the threads of a run are summed, then the flags apply.
 * Usually called after the loop. Misuse: NULL/empty name, unknown flag bits.
 */
void gb_counter(struct gb_state *st, const char *name, double value,
		unsigned int flags);

/* Sets items_per_second from `items` done in the run (SetItemsProcessed). */
void gb_set_items_processed(struct gb_state *st, int64_t items);
/* Sets bytes_per_second from `bytes` done in the run (SetBytesProcessed). */
void gb_set_bytes_processed(struct gb_state *st, int64_t bytes);

/* Sets the label shown after the results of this run (SetLabel). Misuse: NULL. */
void gb_set_label(struct gb_state *st, const char *label);

/*
 * Marks this run failed with `msg` (the JSON gets error_occurred = true and
 * error_message = msg); the loop ends at the end of the current iteration, or
 * does not start if called before it (SkipWithError). The function must
 * still return normally. Misuse: NULL msg.
 */
void gb_skip_with_error(struct gb_state *st, const char *msg);

/* Whether gb_skip_with_error() was called on this state. */
bool gb_error_occurred(const struct gb_state *st);

/*
 * The i-th argument of this run (range(i)). Misuse: i beyond the arity of
 * the benchmark's argument lists.
 */
int64_t gb_range(const struct gb_state *st, size_t i);

/* Index of this thread in the run, 0 .. gb_threads() - 1 (thread_index). */
int gb_thread_index(const struct gb_state *st);

/* Number of threads of this run (threads). */
int gb_threads(const struct gb_state *st);

/*
 * Iterations done so far by this thread: 0 before the loop, the number of
 * true returns of gb_keep_running() in it (0 in gb_for_each_iteration()),
 * this thread's total after it.
 */
int64_t gb_iterations(const struct gb_state *st);

/*
 * Keep the compiler from deleting work: gb_do_not_optimize(&x) makes x count
 * as read and written; gb_clobber_memory() makes all memory count as read
 * and written (benchmark::DoNotOptimize / ClobberMemory, for C).
 */
static inline void gb_do_not_optimize(void *p)
{
	__asm__ volatile("" : : "r"(p) : "memory");
}

static inline void gb_clobber_memory(void)
{
	__asm__ volatile("" : : : "memory");
}

/* ---- Main ---------------------------------------------------------------- */

/*
 * Adds key: value to the "context" of the JSON output and the console header
 * (AddCustomContext). Call before gb_main(). Misuse: NULL/empty key, NULL
 * value. A key given twice keeps its first value (the library warns).
 */
void gb_add_custom_context(const char *key, const char *value);

/*
 * Runs the registered benchmarks. argv is handed to benchmark::Initialize(),
 * which consumes every --benchmark_* flag (--benchmark_filter, _out,
 * _out_format=json, _repetitions, _min_time (seconds, a plain number in
 * 1.7.1), _context=k=v,...). Any argument left over is reported on stderr and
 * gb_main returns 2. Otherwise runs the benchmarks selected and returns 0
 * (also when the filter matched none, or a benchmark skipped with an error:
 * that is in the output). argv is reordered as Initialize() does.
 */
int gb_main(int argc, char **argv);

#ifdef __cplusplus
}
#endif

#endif /* GBENCH_H */
