/*
 * gbench.cc - the C API of bench/gbench/gbench.h over Google Benchmark 1.7.1.
 *
 * The project's only C++ file. It does three things:
 *  1. Registration: a struct gb_bench wraps the library's Benchmark* and
 *     remembers what the library would otherwise only CHECK (and abort on)
 *     deep inside a run: the arity of the argument lists, and the exclusive
 *     choices (min time vs iterations, real vs manual time). Bad values are
 *     rejected at the call, with one line on stderr and exit status 2.
 *  2. The state loop. The library runs a C trampoline that builds a struct
 *     gb_state on its stack around the thread's benchmark::State. The inline
 *     gb_keep_running() counts iterations down in gb_state; it calls
 *     gb_keep_running_slow_() only twice per run:
 *       phase 0 -> 1: State::KeepRunningBatch(max_iterations) starts the
 *                     timer and takes the whole run as one batch (the library
 *                     left with 0 iterations, so no overshoot is recorded);
 *                     the C counter gets max_iterations - 1 (this call is
 *                     the first iteration);
 *       phase 1 -> 2: the counter reached 0 (or gb_skip_with_error() zeroed
 *                     it); KeepRunningBatch() again finds 0 left, stops the
 *                     timer, waits for the other threads, returns false.
 *     So the library sees exactly max_iterations iterations, as with its own
 *     range-for loop. gb_for_each_iteration() does the same two calls
 *     (gb_loop_start_/gb_loop_stop_, phase 3 in between) around a counter
 *     in the caller's local variable.
 *  3. gb_main(): Initialize with argv, reject leftovers, run, shut down.
 */
#include "bench/gbench/gbench.h"

#include <benchmark/benchmark.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

struct gb_bench {
	benchmark::internal::Benchmark *b;
	std::string name;
	void (*fn)(struct gb_state *, void *);
	void *user;
	int nargs;          /* arity of the argument lists; -1: none yet */
	bool min_time_set;  /* MinTime() and Iterations() exclude each other */
	bool iterations_set;
	bool real_time;     /* UseRealTime() and UseManualTime() too */
	bool manual_time;
};

namespace {

/*
 * Set by gb_main() before the runs: the library's banner ends with a line it
 * does not terminate, so a misuse found while running starts a new line.
 * Written before the library starts its threads, read after: no race.
 */
bool running;

[[noreturn]] __attribute__((format(printf, 2, 3)))
void misuse(const char *call, const char *fmt, ...)
{
	va_list ap;

	std::fprintf(stderr, "%s%s: ", running ? "\n" : "", call);
	va_start(ap, fmt);
	std::vfprintf(stderr, fmt, ap);
	va_end(ap);
	std::fputc('\n', stderr);
	std::exit(2);
}

/*
 * Owns every handle until exit, so that they are freed (LeakSanitizer) after
 * the library's own registry, which refers to them, stops being used.
 */
std::vector<std::unique_ptr<gb_bench>> &handles()
{
	static std::vector<std::unique_ptr<gb_bench>> all;

	return all;
}

gb_bench *check(gb_bench *b, const char *call)
{
	if (!b)
		misuse(call, "NULL benchmark handle");
	return b;
}

benchmark::State &cxx(const gb_state *st, const char *call)
{
	if (!st || !st->gb_cxx_)
		misuse(call, "NULL state");
	return *static_cast<benchmark::State *>(st->gb_cxx_);
}

/* Every argument list of a benchmark must have the arity of the first one. */
void arity(gb_bench *b, const char *call, long n)
{
	if (b->nargs >= 0 && b->nargs != n)
		misuse(call, "%ld argument(s) for benchmark \"%s\", whose earlier "
		       "argument lists have %d", n, b->name.c_str(), b->nargs);
	b->nargs = (int)n;
}

/* Settings that exclude each other: misuse when the other one (what) is set. */
void one_or_other(const gb_bench *b, const char *call, bool other_set,
		  const char *what)
{
	if (other_set)
		misuse(call, "benchmark \"%s\" already %s (use one or the other)",
		       b->name.c_str(), what);
}

void trampoline(benchmark::State &s, gb_bench *b)
{
	gb_state st;

	st.gb_left_ = 0;
	st.gb_max_ = s.max_iterations;
	st.gb_phase_ = 0;
	st.gb_nargs_ = b->nargs < 0 ? 0 : b->nargs;
	st.gb_cxx_ = &s;
	b->fn(&st, b->user);
	/*
	 * The library would abort here with a CHECK ("returned before
	 * KeepRunning() returned false"): say it in our words instead.
	 */
	if (st.gb_phase_ != 2 && !s.error_occurred())
		misuse("gb_keep_running", "benchmark \"%s\" returned before "
		       "gb_keep_running() returned false", b->name.c_str());
}

} /* namespace */

extern "C" {

/* ---- Registration ------------------------------------------------------ */

struct gb_bench *gb_register(const char *name,
			     void (*fn)(struct gb_state *st, void *user),
			     void *user)
{
	if (!name || !*name)
		misuse("gb_register", "%s benchmark name (must be a non-empty "
		       "string)", name ? "empty" : "NULL");
	if (!fn)
		misuse("gb_register", "NULL function for benchmark \"%s\"", name);

	gb_bench *b = new gb_bench{nullptr, name, fn, user, -1,
				   false, false, false, false};
	handles().emplace_back(b);
	b->b = benchmark::RegisterBenchmark(name,
		[b](benchmark::State &s) { trampoline(s, b); });
	return b;
}

struct gb_bench *gb_bench_arg(struct gb_bench *b, int64_t x)
{
	arity(check(b, "gb_bench_arg"), "gb_bench_arg", 1);
	b->b->Arg(x);
	return b;
}

struct gb_bench *gb_bench_args(struct gb_bench *b, const int64_t *args,
			       size_t n)
{
	check(b, "gb_bench_args");
	if (!args || n == 0)
		misuse("gb_bench_args", "%s for benchmark \"%s\" (need n >= 1 "
		       "arguments)", args ? "n = 0" : "NULL args",
		       b->name.c_str());
	arity(b, "gb_bench_args", (long)n);
	b->b->Args(std::vector<int64_t>(args, args + n));
	return b;
}

struct gb_bench *gb_bench_arg_pair(struct gb_bench *b, int64_t x, int64_t y)
{
	arity(check(b, "gb_bench_arg_pair"), "gb_bench_arg_pair", 2);
	b->b->ArgPair(x, y);
	return b;
}

struct gb_bench *gb_bench_range(struct gb_bench *b, int64_t lo, int64_t hi)
{
	check(b, "gb_bench_range");
	if (lo > hi)
		misuse("gb_bench_range", "lo %lld > hi %lld for benchmark \"%s\"",
		       (long long)lo, (long long)hi, b->name.c_str());
	arity(b, "gb_bench_range", 1);
	b->b->Range(lo, hi);
	return b;
}

struct gb_bench *gb_bench_range_multiplier(struct gb_bench *b, int mult)
{
	check(b, "gb_bench_range_multiplier");
	if (mult < 2)
		misuse("gb_bench_range_multiplier", "multiplier %d for benchmark "
		       "\"%s\" (must be >= 2)", mult, b->name.c_str());
	b->b->RangeMultiplier(mult);
	return b;
}

struct gb_bench *gb_bench_dense_range(struct gb_bench *b, int64_t lo,
				      int64_t hi, int step)
{
	check(b, "gb_bench_dense_range");
	if (step < 1)
		misuse("gb_bench_dense_range", "step %d for benchmark \"%s\" "
		       "(must be >= 1)", step, b->name.c_str());
	if (lo > hi)
		misuse("gb_bench_dense_range", "lo %lld > hi %lld for benchmark "
		       "\"%s\"", (long long)lo, (long long)hi, b->name.c_str());
	arity(b, "gb_bench_dense_range", 1);
	b->b->DenseRange(lo, hi, step);
	return b;
}

struct gb_bench *gb_bench_ranges(struct gb_bench *b, const int64_t *lo_hi,
				 size_t n)
{
	std::vector<std::pair<int64_t, int64_t>> r;

	check(b, "gb_bench_ranges");
	if (!lo_hi || n == 0)
		misuse("gb_bench_ranges", "%s for benchmark \"%s\" (need n >= 1 "
		       "ranges)", lo_hi ? "n = 0" : "NULL lo_hi",
		       b->name.c_str());
	for (size_t i = 0; i < n; i++) {
		if (lo_hi[2 * i] > lo_hi[2 * i + 1])
			misuse("gb_bench_ranges", "range %zu: lo %lld > hi %lld "
			       "for benchmark \"%s\"", i,
			       (long long)lo_hi[2 * i],
			       (long long)lo_hi[2 * i + 1], b->name.c_str());
		r.emplace_back(lo_hi[2 * i], lo_hi[2 * i + 1]);
	}
	arity(b, "gb_bench_ranges", (long)n);
	b->b->Ranges(r);
	return b;
}

struct gb_bench *gb_bench_args_product(struct gb_bench *b,
				       const int64_t *const *lists,
				       const size_t *lens, size_t n)
{
	std::vector<std::vector<int64_t>> p;

	check(b, "gb_bench_args_product");
	if (!lists || !lens || n == 0)
		misuse("gb_bench_args_product", "%s for benchmark \"%s\" (need "
		       "n >= 1 lists)", n == 0 ? "n = 0" : "NULL lists or lens",
		       b->name.c_str());
	for (size_t i = 0; i < n; i++) {
		if (!lists[i] || lens[i] == 0)
			misuse("gb_bench_args_product", "list %zu is %s for "
			       "benchmark \"%s\"", i,
			       lists[i] ? "empty" : "NULL", b->name.c_str());
		p.emplace_back(lists[i], lists[i] + lens[i]);
	}
	arity(b, "gb_bench_args_product", (long)n);
	b->b->ArgsProduct(p);
	return b;
}

struct gb_bench *gb_bench_arg_name(struct gb_bench *b, const char *name)
{
	check(b, "gb_bench_arg_name");
	if (!name)
		misuse("gb_bench_arg_name", "NULL name for benchmark \"%s\"",
		       b->name.c_str());
	b->b->ArgName(name);
	return b;
}

struct gb_bench *gb_bench_arg_names(struct gb_bench *b,
				    const char *const *names, size_t n)
{
	std::vector<std::string> v;

	check(b, "gb_bench_arg_names");
	if (!names && n)
		misuse("gb_bench_arg_names", "NULL names for benchmark \"%s\"",
		       b->name.c_str());
	for (size_t i = 0; i < n; i++) {
		if (!names[i])
			misuse("gb_bench_arg_names", "name %zu is NULL for "
			       "benchmark \"%s\"", i, b->name.c_str());
		v.emplace_back(names[i]);
	}
	b->b->ArgNames(v);
	return b;
}

struct gb_bench *gb_bench_threads(struct gb_bench *b, int t)
{
	check(b, "gb_bench_threads");
	if (t < 1)
		misuse("gb_bench_threads", "thread count %d for benchmark \"%s\" "
		       "(must be >= 1)", t, b->name.c_str());
	b->b->Threads(t);
	return b;
}

struct gb_bench *gb_bench_thread_range(struct gb_bench *b, int lo, int hi)
{
	check(b, "gb_bench_thread_range");
	if (lo < 1 || hi < lo)
		misuse("gb_bench_thread_range", "thread range %d..%d for "
		       "benchmark \"%s\" (need 1 <= lo <= hi)", lo, hi,
		       b->name.c_str());
	b->b->ThreadRange(lo, hi);
	return b;
}

struct gb_bench *gb_bench_dense_thread_range(struct gb_bench *b, int lo,
					     int hi, int stride)
{
	check(b, "gb_bench_dense_thread_range");
	if (lo < 1 || hi < lo || stride < 1)
		misuse("gb_bench_dense_thread_range", "thread range %d..%d step "
		       "%d for benchmark \"%s\" (need 1 <= lo <= hi, step >= 1)",
		       lo, hi, stride, b->name.c_str());
	b->b->DenseThreadRange(lo, hi, stride);
	return b;
}

struct gb_bench *gb_bench_repetitions(struct gb_bench *b, int n)
{
	check(b, "gb_bench_repetitions");
	if (n < 1)
		misuse("gb_bench_repetitions", "repetitions %d for benchmark "
		       "\"%s\" (must be >= 1)", n, b->name.c_str());
	b->b->Repetitions(n);
	return b;
}

struct gb_bench *gb_bench_min_time(struct gb_bench *b, double seconds)
{
	check(b, "gb_bench_min_time");
	/* !(x > 0) also rejects NaN. */
	if (!(seconds > 0))
		misuse("gb_bench_min_time", "min time %g s for benchmark \"%s\" "
		       "(must be > 0)", seconds, b->name.c_str());
	one_or_other(b, "gb_bench_min_time", b->iterations_set,
		     "has a fixed iteration count");
	b->min_time_set = true;
	b->b->MinTime(seconds);
	return b;
}

struct gb_bench *gb_bench_min_warmup_time(struct gb_bench *b, double seconds)
{
	check(b, "gb_bench_min_warmup_time");
	if (!(seconds >= 0))
		misuse("gb_bench_min_warmup_time", "warm-up time %g s for "
		       "benchmark \"%s\" (must be >= 0)", seconds,
		       b->name.c_str());
	b->b->MinWarmUpTime(seconds);
	return b;
}

struct gb_bench *gb_bench_iterations(struct gb_bench *b, int64_t n)
{
	check(b, "gb_bench_iterations");
	if (n < 1)
		misuse("gb_bench_iterations", "iterations %lld for benchmark "
		       "\"%s\" (must be >= 1)", (long long)n, b->name.c_str());
	one_or_other(b, "gb_bench_iterations", b->min_time_set, "has a min time");
	b->iterations_set = true;
	b->b->Iterations(n);
	return b;
}

struct gb_bench *gb_bench_use_real_time(struct gb_bench *b)
{
	check(b, "gb_bench_use_real_time");
	one_or_other(b, "gb_bench_use_real_time", b->manual_time, "uses manual time");
	b->real_time = true;
	b->b->UseRealTime();
	return b;
}

struct gb_bench *gb_bench_use_manual_time(struct gb_bench *b)
{
	check(b, "gb_bench_use_manual_time");
	one_or_other(b, "gb_bench_use_manual_time", b->real_time, "uses real time");
	b->manual_time = true;
	b->b->UseManualTime();
	return b;
}

struct gb_bench *gb_bench_measure_process_cpu_time(struct gb_bench *b)
{
	check(b, "gb_bench_measure_process_cpu_time");
	b->b->MeasureProcessCPUTime();
	return b;
}

struct gb_bench *gb_bench_unit(struct gb_bench *b, enum gb_time_unit unit)
{
	benchmark::TimeUnit u;

	check(b, "gb_bench_unit");
	switch (unit) {
	case GB_NANOSECOND: u = benchmark::kNanosecond; break;
	case GB_MICROSECOND: u = benchmark::kMicrosecond; break;
	case GB_MILLISECOND: u = benchmark::kMillisecond; break;
	case GB_SECOND: u = benchmark::kSecond; break;
	default:
		misuse("gb_bench_unit", "time unit %d for benchmark \"%s\" (must "
		       "be a GB_NANOSECOND..GB_SECOND)", (int)unit,
		       b->name.c_str());
	}
	b->b->Unit(u);
	return b;
}

struct gb_bench *gb_bench_report_aggregates_only(struct gb_bench *b, bool only)
{
	check(b, "gb_bench_report_aggregates_only")->b->ReportAggregatesOnly(only);
	return b;
}

struct gb_bench *gb_bench_display_aggregates_only(struct gb_bench *b, bool only)
{
	check(b, "gb_bench_display_aggregates_only")->b->DisplayAggregatesOnly(only);
	return b;
}

/* ---- Inside the benchmark function --------------------------------------- */

bool gb_keep_running_slow_(struct gb_state *st)
{
	benchmark::State &s = cxx(st, "gb_keep_running");

	switch (st->gb_phase_) {
	case 0:
		st->gb_phase_ = 1;
		if (s.KeepRunningBatch(st->gb_max_)) {
			st->gb_left_ = st->gb_max_ - 1;
			return true;
		}
		/* Skipped with an error before the loop: it never starts. */
		st->gb_phase_ = 2;
		return false;
	case 1:
		st->gb_left_ = 0;
		st->gb_phase_ = 2;
		/* Nothing left in the library's count: this stops the run. */
		if (s.KeepRunningBatch(st->gb_max_))
			misuse("gb_keep_running", "library had iterations left "
			       "at the end of the loop (wrapper bug)");
		return false;
	case 3:
		misuse("gb_keep_running", "called inside gb_for_each_iteration() "
		       "(one loop form per benchmark function)");
	default:
		misuse("gb_keep_running", "called again after it returned false");
	}
}

/*
 * gb_for_each_iteration(): phase 3 is "inside the macro's loop"; the library
 * gets the whole run as one batch, like its own range-for, and the count
 * lives in the caller's local variable.
 */
int64_t gb_loop_start_(struct gb_state *st)
{
	benchmark::State &s = cxx(st, "gb_for_each_iteration");

	if (st->gb_phase_ != 0)
		misuse("gb_for_each_iteration", "the state loop already ran in "
		       "this benchmark function");
	st->gb_phase_ = 3;
	if (s.KeepRunningBatch(st->gb_max_))
		return st->gb_max_;
	/* Skipped with an error before the loop. */
	st->gb_phase_ = 2;
	return 0;
}

void gb_loop_stop_(struct gb_state *st, int64_t left)
{
	benchmark::State &s = cxx(st, "gb_for_each_iteration");

	if (left != 0 && !s.error_occurred())
		misuse("gb_for_each_iteration", "break out of the loop with %lld "
		       "iterations left and no gb_skip_with_error()",
		       (long long)left);
	if (st->gb_phase_ == 3) {
		st->gb_phase_ = 2;
		if (s.KeepRunningBatch(st->gb_max_))
			misuse("gb_for_each_iteration", "library had iterations "
			       "left at the end of the loop (wrapper bug)");
	}
}

void gb_pause_timing(struct gb_state *st)
{
	cxx(st, "gb_pause_timing").PauseTiming();
}

void gb_resume_timing(struct gb_state *st)
{
	cxx(st, "gb_resume_timing").ResumeTiming();
}

void gb_set_iteration_time(struct gb_state *st, double seconds)
{
	benchmark::State &s = cxx(st, "gb_set_iteration_time");

	if (!(seconds >= 0))
		misuse("gb_set_iteration_time", "%g s (must be >= 0)", seconds);
	s.SetIterationTime(seconds);
}

void gb_counter(struct gb_state *st, const char *name, double value,
		unsigned int flags)
{
	/* Each C bit to the one library flag it stands for. */
	static const struct {
		unsigned int c;
		benchmark::Counter::Flags cxx;
	} map[] = {
		{ GB_COUNTER_RATE, benchmark::Counter::kIsRate },
		{ GB_COUNTER_AVG_THREADS, benchmark::Counter::kAvgThreads },
		{ GB_COUNTER_ITERATION_INVARIANT,
		  benchmark::Counter::kIsIterationInvariant },
		{ GB_COUNTER_AVG_ITERATIONS, benchmark::Counter::kAvgIterations },
		{ GB_COUNTER_INVERT, benchmark::Counter::kInvert },
	};
	const unsigned int known = GB_COUNTER_RATE | GB_COUNTER_AVG_THREADS |
		GB_COUNTER_ITERATION_INVARIANT | GB_COUNTER_AVG_ITERATIONS |
		GB_COUNTER_INVERT | GB_COUNTER_IS_1024;
	benchmark::State &s = cxx(st, "gb_counter");
	int f = benchmark::Counter::kDefaults;

	if (!name || !*name)
		misuse("gb_counter", "%s counter name", name ? "empty" : "NULL");
	if (flags & ~known)
		misuse("gb_counter", "unknown flag bits 0x%x for counter \"%s\" "
		       "(allowed: enum gb_counter_flags)", flags & ~known, name);
	for (const auto &m : map)
		if (flags & m.c)
			f |= m.cxx;
	s.counters[name] = benchmark::Counter(value,
		static_cast<benchmark::Counter::Flags>(f),
		(flags & GB_COUNTER_IS_1024) ? benchmark::Counter::kIs1024
					     : benchmark::Counter::kIs1000);
}

void gb_set_items_processed(struct gb_state *st, int64_t items)
{
	cxx(st, "gb_set_items_processed").SetItemsProcessed(items);
}

void gb_set_bytes_processed(struct gb_state *st, int64_t bytes)
{
	cxx(st, "gb_set_bytes_processed").SetBytesProcessed(bytes);
}

void gb_set_label(struct gb_state *st, const char *label)
{
	benchmark::State &s = cxx(st, "gb_set_label");

	if (!label)
		misuse("gb_set_label", "NULL label");
	s.SetLabel(label);
}

void gb_skip_with_error(struct gb_state *st, const char *msg)
{
	benchmark::State &s = cxx(st, "gb_skip_with_error");

	if (!msg)
		misuse("gb_skip_with_error", "NULL message");
	s.SkipWithError(msg);
	/* Make the next gb_keep_running() take the slow path and stop. */
	st->gb_left_ = 0;
}

bool gb_error_occurred(const struct gb_state *st)
{
	return cxx(st, "gb_error_occurred").error_occurred();
}

int64_t gb_range(const struct gb_state *st, size_t i)
{
	const benchmark::State &s = cxx(st, "gb_range");

	if (i >= (size_t)st->gb_nargs_)
		misuse("gb_range", "index %zu, but this run has %d argument(s)",
		       i, st->gb_nargs_);
	return s.range(i);
}

int gb_thread_index(const struct gb_state *st)
{
	return cxx(st, "gb_thread_index").thread_index();
}

int gb_threads(const struct gb_state *st)
{
	return cxx(st, "gb_threads").threads();
}

int64_t gb_iterations(const struct gb_state *st)
{
	const benchmark::State &s = cxx(st, "gb_iterations");

	switch (st->gb_phase_) {
	case 0:
	case 3:
		return 0;
	case 1:
		return st->gb_max_ - st->gb_left_;
	default:
		return s.iterations();
	}
}

/* ---- Main ---------------------------------------------------------------- */

void gb_add_custom_context(const char *key, const char *value)
{
	if (!key || !*key)
		misuse("gb_add_custom_context", "%s key", key ? "empty" : "NULL");
	if (!value)
		misuse("gb_add_custom_context", "NULL value for key \"%s\"", key);
	benchmark::AddCustomContext(key, value);
}

int gb_main(int argc, char **argv)
{
	benchmark::Initialize(&argc, argv);
	/* Prints "unrecognized command-line flag" for each leftover. */
	if (benchmark::ReportUnrecognizedArguments(argc, argv))
		return 2;
	running = true;
	benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();
	return 0;
}

} /* extern "C" */
