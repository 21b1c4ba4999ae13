#!/usr/bin/env bash
# readers_writers_smoke.sh - runs //bench:readers_writers briefly for every
# strategy it lists and every reclaim mode each one offers, and checks the
# output contract: exit 0, exactly one line on stdout, starting "SUMMARY ",
# made of "key value" pairs, holding every key the comparison job relies on,
# with the strategy, mode and thread counts echoed back.
set -uo pipefail

bin=$1
required="strategy readers writers duration_s reads writes reads_per_s writes_per_s ns_per_read
write_p50_ns write_p99_ns torn_reads poisoned_reads reclaim update wait_p50_ns wait_p99_ns
ns_per_read_floor ns_per_read_net read_retries wall_s defer_bound defer_throttles defer_peak_objects"
fail=0
runs=0

# "name family reclaim:sync,defer max_threads:N [unsafe]"
while read -r name _family modes _rest; do
	IFS=, read -r -a list <<<"${modes#reclaim:}"
	for mode in "${list[@]}"; do
		runs=$((runs + 1))
		out=$("$bin" --strategy="$name" --reclaim="$mode" --readers=1 --writers=1 --duration=0.05 --quiet 2>&1)
		rc=$?
		if [ "$rc" -ne 0 ]; then
			echo "FAIL $name $mode: exit $rc: $out"
			fail=1
			continue
		fi
		if [ "$(printf '%s\n' "$out" | wc -l)" -ne 1 ] || [ "${out#SUMMARY }" = "$out" ]; then
			echo "FAIL $name $mode: not one SUMMARY line: $out"
			fail=1
			continue
		fi
		# shellcheck disable=SC2086
		set -- ${out#SUMMARY }
		if [ $(($# % 2)) -ne 0 ]; then
			echo "FAIL $name $mode: odd number of words (not key value pairs): $out"
			fail=1
			continue
		fi
		declare -A kv=()
		while [ $# -gt 0 ]; do
			kv[$1]=$2
			shift 2
		done
		bad=0
		for k in $required; do
			if [ -z "${kv[$k]+x}" ]; then
				echo "FAIL $name $mode: SUMMARY lacks '$k': $out"
				bad=1
			fi
		done
		if [ "${kv[strategy]:-}" != "$name" ] || [ "${kv[reclaim]:-}" != "$mode" ] ||
			[ "${kv[readers]:-}" != 1 ] || [ "${kv[writers]:-}" != 1 ]; then
			echo "FAIL $name $mode: settings not echoed back: $out"
			bad=1
		fi
		if [ "$bad" -eq 0 ]; then
			echo "ok   $name $mode: reads ${kv[reads]:-?} writes ${kv[writes]:-?}"
		fi
		[ "$bad" -eq 0 ] || fail=1
		unset kv
	done
done < <("$bin" --list)

if [ "$runs" -eq 0 ]; then
	echo "FAIL: --list gave no strategy"
	exit 1
fi
echo "$runs runs"
exit $fail
