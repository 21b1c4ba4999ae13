#!/bin/sh
# compare_bench_smoke.sh - every benchmark of the full matrix of
# //bench:compare_bench once, with a tiny duration (Google Benchmark's habit
# of smoke-testing benchmarks), chosen by the points' parameters
# (--list-points), never by parsing names.
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
# here even at 10 ms; //:compare -- --full runs them. Checks: the process
# exits 0; every selected point is in the JSON with its figures or as a skip
# with a reason; every point wrote one record with its parameters.
set -eu
bin=$1
tmp=${TEST_TMPDIR:-$(mktemp -d)}
out=$tmp/smoke.json
cpus=$(getconf _NPROCESSORS_ONLN)
"$bin" --matrix=full --list-points >"$tmp/points.jsonl"
# The selected names, as one anchored alternation (names hold only [a-z0-9_/:.]).
filter=$(jq -r --argjson c "$cpus" 'select(.kind == "rw"
	or (.updater == "loop" and .threads <= 2 * $c)
	or (.updater == "outside" and .threads == 1)
	or (.scenario == "idle" and .updater == "loop")) | .name' "$tmp/points.jsonl" |
	sed 's/[.]/\\./g' | paste -sd'|' | sed 's/^/^(/; s/$/)\//')
want=$("$bin" --matrix=full --benchmark_list_tests=true --benchmark_filter="$filter" | wc -l)
echo "smoke: $want points"
[ "$want" -gt 0 ] || { echo "FAIL: the selection is empty" >&2; exit 1; }
"$bin" --matrix=full --duration=0.01 --baseline-duration=0.005 --floors-budget=0.002 --benchmark_filter="$filter" \
	--benchmark_out="$out" --benchmark_out_format=json --records="$tmp/records.txt" >/dev/null
jq -e --argjson want "$want" '
	(.benchmarks | length) as $n
	| if $n != $want then error("\($n) entries for \($want) points") else . end
	| [.benchmarks[] | select(.error_occurred == true and ((.error_message // "") | length) == 0)] as $mute
	| if ($mute | length) > 0 then error("skipped without a reason: \($mute[0].name)") else . end
	| [.benchmarks[] | select(.error_occurred != true and .updates == null and .reads_per_s == null and .ns_per_read == null)] as $empty
	| if ($empty | length) > 0 then error("no figures: \($empty[0].name)") else . end
	| true' "$out" >/dev/null || { echo "FAIL: the JSON does not hold every point with its figures or reason" >&2; exit 1; }
nrec=$(grep -c '^RECORD .* strategy [a-z_]* family [a-z]* reclaim [a-z]* ' "$tmp/records.txt" || true)
[ "$nrec" -eq "$want" ] || { echo "FAIL: $nrec records with their parameters for $want points" >&2; exit 1; }
jq -r '"smoke: \(.benchmarks | length) points, \([.benchmarks[] | select(.error_occurred == true)] | length) skipped with a reason:",
	([.benchmarks[] | select(.error_occurred == true) | .error_message] | group_by(.) | map("  \(length) x \(.[0])")[])' "$out"
echo PASS
