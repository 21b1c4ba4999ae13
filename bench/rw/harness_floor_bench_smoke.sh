#!/usr/bin/env bash
# harness_floor_bench_smoke.sh - two tiny rounds: exit 0, one row per round,
# one SUMMARY line holding every figure; bad input is exit 2 with one line.
set -uo pipefail

bin=$1
out=$("$bin" --rounds=2 --rep=0.01 2>&1) || { echo "FAIL: exit $?: $out"; exit 1; }
rows=$(grep -cE '^[0-9]+ ' <<<"$out")
[ "$rows" -eq 2 ] || { echo "FAIL: $rows rows, not 2: $out"; exit 1; }
sum=$(grep '^SUMMARY harness_floor ' <<<"$out") || { echo "FAIL: no SUMMARY: $out"; exit 1; }
for k in floor_ns ref_qsbr_ns none_ns qsbr_ns ratio_qsbr ratio_qsbr_lo ratio_none; do
	grep -qE " $k [^ ]+" <<<"$sum" || { echo "FAIL: SUMMARY lacks $k: $sum"; exit 1; }
done
err=$("$bin" --rounds=0 2>&1 >/dev/null)
rc=$?
if [ "$rc" -ne 2 ] || [ "$(wc -l <<<"$err")" -ne 1 ] || ! grep -q -- '--rounds' <<<"$err"; then
	echo "FAIL: --rounds=0: exit $rc: $err"
	exit 1
fi
echo "ok"
