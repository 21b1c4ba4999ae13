/*
 * gbench_overhead_ref.cc - the C++ reference loops of gbench_overhead_bench.
 *
 * The same loops as gbench_overhead_bench.c, written directly against
 * benchmark::State, so that one run shows the C API's cost beside them. It is
 * C++ only because the reference has to be; nothing else uses it.
 * Registered by gb_overhead_register_cxx() so that the order of the output
 * is chosen by the C file.
 */
#include <benchmark/benchmark.h>

namespace {

/* Empty: the compiler may reduce the whole loop to its counter. */
void cxx_keep_running(benchmark::State &state)
{
	while (state.KeepRunning()) {
	}
}

void cxx_range_for(benchmark::State &state)
{
	for (auto _ : state) {
	}
}

/*
 * An empty asm volatile per iteration: the loop must run each iteration, but
 * memory is not clobbered, so counters may stay in registers.
 */
void cxx_keep_running_asm(benchmark::State &state)
{
	while (state.KeepRunning())
		__asm__ volatile("");
}

void cxx_range_for_asm(benchmark::State &state)
{
	for (auto _ : state)
		__asm__ volatile("");
}

/* Memory clobbered per iteration: counters must go through memory. */
void cxx_keep_running_clobber(benchmark::State &state)
{
	while (state.KeepRunning())
		benchmark::ClobberMemory();
}

void cxx_range_for_clobber(benchmark::State &state)
{
	for (auto _ : state)
		benchmark::ClobberMemory();
}

} /* namespace */

extern "C" void gb_overhead_register_cxx(const char *variant)
{
	static const struct {
		const char *variant;
		const char *name;
		void (*fn)(benchmark::State &);
	} refs[] = {
		{ "empty", "overhead/empty/cxx_keep_running", cxx_keep_running },
		{ "empty", "overhead/empty/cxx_range_for", cxx_range_for },
		{ "asm", "overhead/asm/cxx_keep_running", cxx_keep_running_asm },
		{ "asm", "overhead/asm/cxx_range_for", cxx_range_for_asm },
		{ "clobber", "overhead/clobber/cxx_keep_running",
		  cxx_keep_running_clobber },
		{ "clobber", "overhead/clobber/cxx_range_for",
		  cxx_range_for_clobber },
	};

	for (const auto &r : refs)
		if (!__builtin_strcmp(r.variant, variant))
			benchmark::RegisterBenchmark(r.name, r.fn);
}
