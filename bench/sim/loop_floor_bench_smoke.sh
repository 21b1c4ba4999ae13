#!/usr/bin/env bash
# loop_floor_bench_smoke.sh - three short rounds (0.05 s a side: a 0.01 s window
# could see no event at all on a loaded machine): exit 0, one "ROUND r bare_ns B
# sim_ns S timed_ns T" line per round with every figure positive; bad input is
# exit 2 with one line naming the flag.
set -uo pipefail

bin=$1
out=$("$bin" --rounds=3 --rep=0.05 2>&1) || { echo "FAIL: exit $?: $out"; exit 1; }
rows=$(awk '$1 == "ROUND" && $3 == "bare_ns" && $4 > 0 && $5 == "sim_ns" && $6 > 0 && $7 == "timed_ns" && $8 > 0' <<<"$out" | wc -l)
[ "$rows" -eq 3 ] || { echo "FAIL: $rows valid rows, not 3: $out"; exit 1; }
for bad in --rounds=0 --rounds=51 --rep=0 --rep=abc --bogus=1; do
	err=$("$bin" "$bad" 2>&1 >/dev/null)
	rc=$?
	if [ "$rc" -ne 2 ] || [ "$(wc -l <<<"$err")" -ne 1 ] || ! grep -q -- "${bad%%=*}" <<<"$err"; then
		echo "FAIL: $bad: exit $rc: $err"
		exit 1
	fi
done
echo "ok"
