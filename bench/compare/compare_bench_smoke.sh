#!/bin/sh
# compare_bench_smoke.sh - every benchmark of //bench:compare_bench once, with
# a tiny duration (Google Benchmark's habit of smoke-testing benchmarks).
#
# Which points (a representative subset, about 30 per strategy and reclaim
# mode, to stay under a minute with a dozen strategies on 2 cores): every
# strategy x reclaim mode x scenario with the updater in a loop at the thread
# counts up to twice the online CPUs (the update-rate points are among them),
# the outside updater at 1 thread in every scenario, every readers/writers
# point, and every 64/128/256-thread point of the idle scenario with the
# updater in a loop (big thread counts where they are cheap; the thread-limit
# skips show up there). Left out: the outside updater above 1 thread and the
# saturated/mixed/bursty points at 64..256 threads, which cost seconds apiece
# here even at 10 ms (starting 256 busy threads on 2 cores); //:compare runs
# them. Checks: the process exits 0; every selected point is in the
# JSON; every entry either has its figures or is a skip with a reason.
set -eu
bin=$1
out=${TEST_TMPDIR:-$(mktemp -d)}/smoke.json
cpus=$(getconf _NPROCESSORS_ONLN)
small=$(awk -v c="$cpus" 'BEGIN { for (t = 1; t <= 2 * c; t *= 2) printf "%s%d", (t > 1 ? "|" : ""), t; if (t / 2 != 2 * c) printf "|%d", 2 * c }')
filter="^((idle|saturated|mixed|bursty)/[^/]+/threads:($small)/updater:loop/|[a-z]+/[^/]+/threads:1/updater:outside/|rw/|idle/[^/]+/threads:[0-9]+/updater:loop/)"
want=$("$bin" --benchmark_list_tests=true --benchmark_filter="$filter" | wc -l)
echo "smoke: $want points, filter $filter"
[ "$want" -gt 0 ] || { echo "FAIL: the filter selects nothing" >&2; exit 1; }
"$bin" --duration=0.01 --baseline-duration=0.005 --floors-budget=0.002 --benchmark_filter="$filter" \
	--benchmark_out="$out" --benchmark_out_format=json >/dev/null
jq -e --argjson want "$want" '
	(.benchmarks | length) as $n
	| if $n != $want then error("\($n) entries for \($want) points") else . end
	| [.benchmarks[] | select(.error_occurred == true and ((.error_message // "") | length) == 0)] as $mute
	| if ($mute | length) > 0 then error("skipped without a reason: \($mute[0].name)") else . end
	| [.benchmarks[] | select(.error_occurred != true and .updates == null and .reads_per_s == null)] as $empty
	| if ($empty | length) > 0 then error("no figures: \($empty[0].name)") else . end
	| true' "$out" >/dev/null || { echo "FAIL: the JSON does not hold every point with its figures or reason" >&2; exit 1; }
jq -r '"smoke: \(.benchmarks | length) points, \([.benchmarks[] | select(.error_occurred == true)] | length) skipped with a reason:",
	([.benchmarks[] | select(.error_occurred == true) | .error_message] | group_by(.) | map("  \(length) x \(.[0])")[])' "$out"
echo PASS
