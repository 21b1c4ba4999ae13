#!/bin/sh
# gbench_test: runs the C-only benchmark binary gbench_demo ($1), registered
# only through bench/gbench/gbench.h, and checks with jq that its JSON output carries
# what the C calls asked for: each counter flag's effect, arguments read back
# with gb_range(), thread index and count, label, manual time, items/bytes,
# skips with their message, the custom context, and that --benchmark_* flags
# reach the library. Then each misuse case must exit 2 with one stderr line.
# Prints every failed check; exits 1 if any failed.
set -u
demo=$1
tmp=${TEST_TMPDIR:-$(mktemp -d)}
jq=$(command -v jq 2>/dev/null || true)
[ -n "$jq" ] || jq=/usr/bin/jq
if [ ! -x "$jq" ]; then
	echo "gbench_test: jq not found (apt-get install jq)" >&2
	exit 1
fi
fails=0
checks=0

fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

# check <what> <jq filter yielding true> <json file>
check() {
	checks=$((checks + 1))
	got=$("$jq" -e "$2" "$3" 2>&1) || fail "$1: jq '$2' gave: $got"
}

out=$tmp/demo.json
if ! "$demo" --benchmark_out="$out" --benchmark_out_format=json \
	--benchmark_min_time=0.01 --benchmark_context=ctx_flag=from-flag \
	>"$tmp/demo.txt" 2>"$tmp/demo.err"; then
	fail "gbench_demo exited non-zero:"
	cat "$tmp/demo.err" >&2
	exit 1
fi

# The counters benchmark: K = 6, 100 iterations of 2 ms manual time each.
# seconds = real_time (ms) * iterations / 1000; close() is relative 1e-9.
C='def close(a; b): ((a - b) | fabs) <= 1e-9 * ((b | fabs) + 1e-12);
   .benchmarks[] | select(.name == "counters/flags/iterations:100/manual_time")
   | (.real_time * .iterations / 1000) as $s | .iterations as $n | 6 as $k'
check "counters run present, 100 iterations" "[$C | \$n] == [100]" "$out"
check "manual time: real_time is the 2 ms set per iteration" "$C | close(.real_time; 2)" "$out"
check "time unit ms" "$C | .time_unit == \"ms\"" "$out"
check "DEFAULT: k" "$C | close(.plain; \$k)" "$out"
check "RATE: k / seconds" "$C | close(.rate; \$k / \$s)" "$out"
check "AVG_THREADS: k / threads" "$C | close(.avg_threads; \$k / .threads)" "$out"
check "AVG_THREADS_RATE: k / threads / seconds" "$C | close(.avg_threads_rate; \$k / .threads / \$s)" "$out"
check "ITERATION_INVARIANT: k * iterations" "$C | close(.invariant; \$k * \$n)" "$out"
check "ITERATION_INVARIANT_RATE: k * iterations / seconds" "$C | close(.invariant_rate; \$k * \$n / \$s)" "$out"
check "AVG_ITERATIONS: k / iterations" "$C | close(.avg_iterations; \$k / \$n)" "$out"
check "AVG_ITERATIONS_RATE: k / iterations / seconds" "$C | close(.avg_iterations_rate; \$k / \$n / \$s)" "$out"
check "INVERT: 1 / k" "$C | close(.invert; 1 / \$k)" "$out"
check "RATE|INVERT: seconds / k" "$C | close(.rate_invert; \$s / \$k)" "$out"
check "items processed: 10 * iterations / seconds" "$C | close(.items_per_second; 10 * \$n / \$s)" "$out"
check "bytes processed: 4096 * iterations / seconds" "$C | close(.bytes_per_second; 4096 * \$n / \$s)" "$out"
check "loop ran exactly the reported iterations" "$C | .seen == \$n and .iterations_after == \$n" "$out"
check "label" "$C | .label == \"counters-label\"" "$out"
# The 1000/1024 unit shows only on the console: 2048 is 2.048k or 2k.
checks=$((checks + 2))
grep -q 'k1000=2\.048k ' "$tmp/demo.txt" || fail "IS_1000: console lacks k1000=2.048k"
grep -q 'k1024=2k ' "$tmp/demo.txt" || fail "IS_1024: console lacks k1024=2k"

T='.benchmarks[] | select(.name == "threads/iterations:50/threads:2")'
check "threads: 2 threads, 2 x 50 iterations" "[$T | .threads == 2 and .iterations == 100] == [true]" "$out"
check "thread index: sum of (index + 1) over threads is 1 + 2" "$T | .index_plus_one == 3" "$out"
check "thread count under AVG_THREADS reads back 2" "$T | .threads_avg == 2" "$out"
check "gb_iterations() in the loop: per-thread counts sum to the total" "$T | .in_loop_iterations == .iterations" "$out"

check "args: names and values read back with gb_range()" \
	'[.benchmarks[] | select(.name | startswith("args_")) | [.name, .arg0, .arg1]]
	 == [["args_pair/a:3/b:7", 3, 7], ["args_list/5/min_time:0.010", 5, null],
	     ["args_range/n:1", 1, null], ["args_range/n:4", 4, null],
	     ["args_range/n:16", 16, null], ["args_range/n:64", 64, null],
	     ["args_dense/0", 0, null], ["args_dense/3", 3, null], ["args_dense/6", 6, null],
	     ["args_product/1/10", 1, 10], ["args_product/2/10", 2, 10],
	     ["args_product/1/20", 1, 20], ["args_product/2/20", 2, 20],
	     ["args_product/1/30", 1, 30], ["args_product/2/30", 2, 30],
	     ["args_ranges/1/100", 1, 100], ["args_ranges/8/100", 8, 100]]' "$out"

check "skip before the loop: error in the JSON" \
	'[.benchmarks[] | select(.name == "skip_before") | .error_occurred == true and .error_message == "deliberate skip before the loop"] == [true]' "$out"
check "skip inside the loop: error in the JSON" \
	'[.benchmarks[] | select(.name == "skip_inside/iterations:10") | .error_occurred == true and .error_message == "deliberate skip inside the loop"] == [true]' "$out"
check "gb_for_each_iteration: 77 iterations seen and reported" \
	'[.benchmarks[] | select(.name == "for_each/iterations:77") | .iterations == 77 and .seen == 77 and .iterations_after == 77] == [true]' "$out"
check "gb_for_each_iteration: skip then break" \
	'[.benchmarks[] | select(.name == "for_each_skip/iterations:10") | .error_occurred == true and .error_message == "deliberate skip in for_each"] == [true]' "$out"
check "no other run has an error" \
	'[.benchmarks[] | select(.error_occurred) | .name] == ["for_each_skip/iterations:10", "skip_before", "skip_inside/iterations:10"]' "$out"

check "real time, time unit us" '[.benchmarks[] | select(.name == "timing/real/real_time") | .time_unit] == ["us"]' "$out"
check "process CPU time" '[.benchmarks[] | select(.name == "timing/process/process_time")] | length == 1' "$out"
check "thread range 1..2 and dense 3..3" \
	'[.benchmarks[] | select(.name | startswith("thread_ranges/")) | .threads] == [1, 2, 3]' "$out"
check "repetitions 3, aggregates only" \
	'[.benchmarks[] | select(.run_name == "agg/repeats:3") | .run_type + ":" + (.aggregate_name // "")]
	 == ["aggregate:mean", "aggregate:median", "aggregate:stddev", "aggregate:cv"]' "$out"
check "min warm-up time" '[.benchmarks[] | select(.name == "warmup/min_warmup_time:0.001")] | length == 1' "$out"
check "gb_add_custom_context" '.context.gbench_demo == "custom-context-value"' "$out"
check "--benchmark_context" '.context.ctx_flag == "from-flag"' "$out"

# Flags reach the library: filter and repetitions.
out2=$tmp/filter.json
"$demo" --benchmark_out="$out2" --benchmark_out_format=json \
	--benchmark_filter='^args_pair' --benchmark_repetitions=2 \
	--benchmark_min_time=0.01 >/dev/null 2>&1 || fail "filtered run exited non-zero"
check "--benchmark_filter and --benchmark_repetitions" \
	'[.benchmarks[] | .name] == ["args_pair/a:3/b:7", "args_pair/a:3/b:7",
	  "args_pair/a:3/b:7_mean", "args_pair/a:3/b:7_median",
	  "args_pair/a:3/b:7_stddev", "args_pair/a:3/b:7_cv"]' "$out2"

# expect_exit2 <what> <call named on stderr> <args...>
expect_exit2() {
	what=$1
	call=$2
	shift 2
	checks=$((checks + 1))
	"$demo" "$@" >/dev/null 2>"$tmp/misuse.err"
	rc=$?
	lines=$(wc -l <"$tmp/misuse.err")
	if [ "$rc" -ne 2 ]; then
		fail "$what: exit status $rc, want 2; stderr: $(head -c 300 "$tmp/misuse.err")"
	elif [ "$lines" -ne 1 ]; then
		fail "$what: $lines lines on stderr, want 1: $(head -c 300 "$tmp/misuse.err")"
	elif ! grep -q -- "$call" "$tmp/misuse.err"; then
		fail "$what: stderr does not name $call: $(cat "$tmp/misuse.err")"
	fi
}

expect_exit2 "NULL function" "gb_register: NULL function" --misuse=null_fn
expect_exit2 "NULL name" "gb_register: NULL benchmark name" --misuse=null_name
expect_exit2 "empty name" "gb_register: empty benchmark name" --misuse=empty_name
expect_exit2 "thread count 0" "gb_bench_threads: thread count 0" --misuse=threads_zero
expect_exit2 "thread count -3" "gb_bench_threads: thread count -3" --misuse=threads_negative
expect_exit2 "thread range 0..4" "gb_bench_thread_range: thread range 0..4" --misuse=thread_range_zero
expect_exit2 "repetitions -1" "gb_bench_repetitions: repetitions -1" --misuse=repetitions_negative
expect_exit2 "min time 0" "gb_bench_min_time: min time 0 s" --misuse=min_time_zero
expect_exit2 "min time -0.5" "gb_bench_min_time: min time -0.5 s" --misuse=min_time_negative
expect_exit2 "iterations 0" "gb_bench_iterations: iterations 0" --misuse=iterations_zero
expect_exit2 "NULL handle" "gb_bench_arg: NULL benchmark handle" --misuse=null_handle
expect_exit2 "mixed arities" "gb_bench_arg_pair: 2 argument(s)" --misuse=arity
expect_exit2 "reversed range" "gb_bench_range: lo 10 > hi 1" --misuse=range_reversed
expect_exit2 "empty context key" "gb_add_custom_context: empty key" --misuse=context_empty_key
expect_exit2 "unrecognized argument" "unrecognized command-line flag: --no_such_flag" --no_such_flag

# A misuse found while running: the library's banner precedes the line.
checks=$((checks + 1))
"$demo" --misuse=break_without_skip >/dev/null 2>"$tmp/misuse.err"
rc=$?
if [ "$rc" -ne 2 ] || ! tail -n 1 "$tmp/misuse.err" |
	grep -q 'gb_for_each_iteration: break out of the loop with 5 iterations left'; then
	fail "break without skip: exit status $rc, want 2; stderr ends: $(tail -n 2 "$tmp/misuse.err")"
fi

if [ "$fails" -ne 0 ]; then
	echo "gbench_test: $fails of $checks checks failed" >&2
	exit 1
fi
echo "gbench_test: all $checks checks passed"
