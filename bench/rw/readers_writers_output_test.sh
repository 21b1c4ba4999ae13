#!/usr/bin/env bash
# readers_writers_output_test.sh - //bench/rw:readers_writers never loses its
# output with exit 0, and refuses bad input with one line:
#  - stdout on a full device (/dev/full) for a run, --list and --help: exit 1
#    and one stderr line saying stdout could not be written;
#  - abbreviated, unknown or valueless flags and bad values: exit 2 and one
#    stderr line naming the flag;
#  - a run without writers: every write and wait figure "n/a", never 0.
# With EXPECT_BROKEN=1 (the *_catches_* target, a binary built with a
# deliberate break) it passes only if a check failed.
set -uo pipefail

bin=$1
fail=0

check() { # what expected_rc expected_word -- args...
	local what=$1 want=$2 word=$3 err rc lines
	shift 4
	err=$("$bin" "$@" 2>&1 >/dev/full)
	rc=$?
	lines=$(printf '%s' "$err" | grep -c '')
	if [ "$rc" -ne "$want" ] || [ "$lines" -ne 1 ] || ! grep -q -- "$word" <<<"$err"; then
		echo "FAIL $what: exit $rc (want $want), $lines stderr line(s) (want 1, naming '$word'): $err"
		fail=1
	else
		echo "ok   $what: exit $rc: $err"
	fi
}

check "run, stdout full" 1 "stdout" -- --strategy=none --readers=1 --writers=0 --duration=0.01 --quiet
check "--list, stdout full" 1 "stdout" -- --list
check "--help, stdout full" 1 "stdout" -- --help
check "abbreviation --thr" 2 "--thr" -- --strategy=none --thr=3
check "abbreviation --read" 2 "--read" -- --strategy=none --read=1
check "abbreviation --dur" 2 "--dur" -- --strategy=none --dur=1
check "flag without value" 2 "--quiet" -- --strategy=none --quiet=1
check "missing value" 2 "--readers" -- --strategy=none --readers
check "bad value" 2 "--defer-bound" -- --strategy=qsbr --reclaim=defer --defer-bound=0
check "bad value" 2 "--readers" -- --strategy=none --readers=3x

# no writer, no write: the write and wait figures are absent, never 0
out=$("$bin" --strategy=qsbr --readers=1 --writers=0 --duration=0.01 --quiet 2>/dev/null)
bad=""
for k in write_p50_ns write_p90_ns write_p99_ns write_max_ns write_mean_ns wait_p50_ns wait_p99_ns wait_max_ns wait_mean_ns; do
	grep -q " $k n/a\( \|\$\)" <<<"$out" || bad="$bad $k"
done
if [ -n "$bad" ]; then
	echo "FAIL no writer: not n/a:$bad: $out"
	fail=1
else
	echo "ok   no writer: every write and wait figure n/a"
fi

if [ "${EXPECT_BROKEN:-0}" = 1 ]; then
	if [ "$fail" -eq 0 ]; then
		echo "FAIL: the break was not caught"
		exit 1
	fi
	echo "ok: the break was caught"
	exit 0
fi
exit $fail
