#!/bin/sh
# render_test.sh - render never fails a run for lack of data: a run whose
# figures have nothing to draw (every CPU-per-update at or below its baseline;
# no update figure at all) still gets every figure, placeholders saying why,
# exit status 0; a run with data gets real figures, a latency figure for each
# scenario with the loop updater even when another one (slowcall) has only
# the outside updater.
# Usage: render_test.sh <render> <a stats.json with data>
set -u
render=$1
src=$2
fail=0
t=${TEST_TMPDIR:-$(mktemp -d)}

check() { # name dir expect-placeholder
	name=$1 d=$2 want=$3
	if ! "$render" "$d" 2>"$d/err"; then
		echo "FAIL: $name: render exited non-zero:"; cat "$d/err"; fail=1; return
	fi
	for f in cpu wakeups rw reader_overhead event_delay; do
		for fmt in png svg; do
			[ -s "$d/plots/$f.$fmt" ] || { echo "FAIL: $name: plots/$f.$fmt missing or empty"; fail=1; }
		done
	done
	ls "$d/plots"/latency*.png >/dev/null 2>&1 || { echo "FAIL: $name: no latency figure"; fail=1; }
	n=$(grep -c 'nothing to draw' "$d/err")
	if [ "$want" = yes ] && [ "$n" -eq 0 ]; then
		echo "FAIL: $name: no 'nothing to draw' line on stderr"; fail=1
	fi
	if [ "$want" = no ] && [ "$n" -ne 0 ]; then
		echo "FAIL: $name: placeholders for a run with data:"; cat "$d/err"; fail=1
	fi
	[ $fail -eq 0 ] && echo "ok: $name"
}

mkdir -p "$t/data" "$t/cpu_le0" "$t/no_updates" "$t/outside_only"
cp "$src" "$t/data/stats.json"
jq '(.points[].figures | select(.cpu_ns_per_update != null) | .cpu_ns_per_update) |= {n: 6, median: -1, lo: -2, hi: -0.5}' "$src" >"$t/cpu_le0/stats.json"
jq '.points[] |= (.figures |= del(.update_p50_ns, .reads_per_s, .writes_per_s, .ns_per_read, .reader_overhead_ns) | .pooled |= del(.update_p99_ns, .event_delay_p99_ns))' "$src" >"$t/no_updates/stats.json"
check "a run with data" "$t/data" no
check "every CPU/update <= 0" "$t/cpu_le0" any
check "no update figures" "$t/no_updates" yes
jq '.points += [.points[] | select(.scenario == "idle") | .scenario = "slowcall" | .updater = "outside"
	| .name |= sub("^idle"; "slowcall") | .group |= sub("^idle"; "slowcall")]' "$src" >"$t/outside_only/stats.json"
check "a scenario with only the outside updater" "$t/outside_only" no
for scn in idle saturated; do
	[ -s "$t/outside_only/plots/latency-$scn.png" ] ||
		{ echo "FAIL: a scenario with only the outside updater: latency-$scn.png missing"; fail=1; }
done
[ $fail -eq 0 ] && echo "render_test: all passed"
exit $fail
