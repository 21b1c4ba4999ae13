#!/bin/bash
# compare_robustness_test.sh - no lost result is ever reported as a success:
#  1. a results root where writes fail (a file-size limit, so that it works in
#     any sandbox; and a real 256 KB tmpfs when this test may mount one):
#     exit status 1, INCOMPLETE present and saying a write failed, no
#     "summary:" line claiming a file that is not there, no truncated file
#     published under a final name (every JSON present parses);
#  2. render on a run where writes fail: exit status 1, the previous plots
#     kept intact;
#  3. SIGHUP once a point finished: exit status 129, INCOMPLETE current
#     ("interrupted by SIGHUP", the finished count of benchmarks.json), no
#     compare_bench left running;
#  4. SIGINT to the whole process group (as Ctrl-C sends it) at three
#     moments: exit status 130, every finished run in benchmarks.json and
#     records.txt, none recorded as a failure, INCOMPLETE's count current;
#  5. a process that dies as its second point starts (COMPARE_BENCH_ABORT_AT,
#     once): that point alone is kept as an error entry, every other run of
#     the matrix is in benchmarks.json exactly once, with its record, and the
#     run ends with exit status 0 and "1 process failures".
# With --expect-broken (compare.sh run with COMPARE_BREAK_IGNORE_WRITES=1,
# which ignores failed writes) it passes only if some check failed.
set -u
R=${TEST_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/syncbench
compare=$R/bench/compare/compare
render=$R/plots/render
tmp=${TEST_TMPDIR:-$(mktemp -d)}
expect_broken=0
[ "${1:-}" != --expect-broken ] || { expect_broken=1; export COMPARE_BREAK_IGNORE_WRITES=1; }
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
args="--quick --strategies=none,rwlock --duration=0.01 --repetitions=6"

await_point() { # pid progress-log point pause: until compare says point N started or it ended (bounded: 600 looks)
	for _ in $(seq 1 600); do
		grep -q "^compare: \[$3/" "$2" 2>/dev/null && break
		kill -0 "$1" 2>/dev/null || break
		sleep "$4"
	done
}

full_disk() { # name results-root; the writes fail there
	local name=$1 root=$2 st d
	"$compare" $args --results-root="$root" >"$tmp/$name.out" 2>"$tmp/$name.err"
	st=$?
	d=$(ls -d "$root"/*/ 2>/dev/null | head -n 1)
	d=${d%/}
	[ $st -eq 1 ] && ok "$name: exit status 1" || fail "$name: exit status $st, expected 1: $(tail -n 2 "$tmp/$name.err")"
	if [ -z "$d" ]; then
		# not even the folder could be made: that is exit 1 and one line too
		return
	fi
	grep -q 'write failed\|cannot write\|full disk' "$d/INCOMPLETE" 2>/dev/null &&
		ok "$name: INCOMPLETE says a write failed" || fail "$name: INCOMPLETE missing or stale: $(cat "$d/INCOMPLETE" 2>/dev/null | head -c 200)"
	if grep -q '^summary: ' "$tmp/$name.out"; then
		fail "$name: prints a summary line after a failed write"
	fi
	for j in "$d"/*.json; do
		[ -e "$j" ] || continue
		jq -e . "$j" >/dev/null 2>&1 || fail "$name: $(basename "$j") published truncated"
	done
}

# ---- 1. writes that fail: a file-size limit (SIGXFSZ ignored: EFBIG) ----
(
	trap '' XFSZ
	ulimit -f 40 # 40 KB per file (bash counts KB): benchmarks.json outgrows it
	full_disk "file-size limit" "$tmp/fsize"
	exit $fails
) || fails=$((fails + $?))

# ---- 1b. a real small tmpfs (smaller than this run needs), where this test may mount one ----
mkdir -p "$tmp/tmpfs"
if mount -t tmpfs -o size=256k tmpfs "$tmp/tmpfs" 2>/dev/null; then
	full_disk "256 KB tmpfs" "$tmp/tmpfs"
	umount "$tmp/tmpfs"
else
	echo "note: cannot mount a tmpfs here; the file-size limit stood in for a full disk"
fi

# ---- 2. render where writes fail keeps the old plots ----
"$compare" $args --results-root="$tmp/good" >/dev/null 2>"$tmp/good.err" || fail "a good run failed: $(tail -n 2 "$tmp/good.err")"
d=$(ls -d "$tmp"/good/*/ | head -n 1)
d=${d%/}
before=$(cat "$d"/plots/*.png | cksum)
(
	trap '' XFSZ
	ulimit -f 20 # 20 KB: the PNGs do not fit
	"$render" "$d" >/dev/null 2>"$tmp/render.err"
	exit $?
)
st=$?
[ $st -eq 1 ] && ok "render on a full disk: exit status 1" || fail "render on a full disk: exit status $st, expected 1"
[ "$(cat "$d"/plots/*.png | cksum)" = "$before" ] && ok "render on a full disk: old plots kept" ||
	fail "render on a full disk replaced the plots"

# ---- 3. SIGHUP ----
set -m
"$compare" --strategies=none,rwlock --scenarios=idle --duration=0.05 --no-plots --results-root="$tmp/hup" \
	>"$tmp/hup.out" 2>"$tmp/hup.err" &
pid=$!
await_point $pid "$tmp/hup.err" 3 0.1
kill -HUP $pid
wait $pid
st=$?
[ $st -eq 129 ] && ok "SIGHUP: exit status 129" || fail "SIGHUP: exit status $st, expected 129"
d=$(ls -d "$tmp"/hup/*/ | head -n 1)
d=${d%/}
n=$(jq '.benchmarks | length' "$d/benchmarks.json" 2>/dev/null)
grep -q "interrupted by SIGHUP.*runs finished: $n of" "$d/INCOMPLETE" 2>/dev/null &&
	ok "SIGHUP: INCOMPLETE current ($n runs finished)" || fail "SIGHUP: INCOMPLETE stale: $(head -c 200 "$d/INCOMPLETE" 2>/dev/null)"
sleep 0.5
if pgrep -f "results-root=$tmp/hup" >/dev/null 2>&1 || pgrep -f "$d/.tmp" >/dev/null 2>&1; then
	fail "SIGHUP: a process of the run is still running"
fi

# ---- 4. SIGINT to the whole process group (Ctrl-C), several times ----
# Whatever moment it lands on, every finished run is kept: benchmarks.json,
# records.txt and the INCOMPLETE count agree, and exit status is 130.
for try in 1 2 3; do
	"$compare" --strategies=none --scenarios=idle --duration=0.02 --no-plots --results-root="$tmp/int$try" \
		>"$tmp/int$try.out" 2>"$tmp/int$try.err" &
	pid=$!
	await_point $pid "$tmp/int$try.err" $((try + 1)) 0.05
	sleep 0.0$try
	kill -INT -- -$pid 2>/dev/null
	wait $pid
	st=$?
	d=$(ls -d "$tmp/int$try"/*/ | head -n 1)
	d=${d%/}
	nj=$(jq '.benchmarks | length' "$d/benchmarks.json" 2>/dev/null)
	nr=$(grep -c '^RECORD ' "$d/records.txt" 2>/dev/null)
	if [ $st -eq 130 ] && [ -n "$nj" ] && [ "$nj" = "$nr" ] && grep -q "runs finished: $nj of" "$d/INCOMPLETE" &&
		! grep -q 'exited with status' "$d/benchmarks.json"; then
		ok "group SIGINT $try: exit 130, $nj finished runs kept in JSON, records and INCOMPLETE"
	else
		fail "group SIGINT $try: exit $st, JSON $nj, records $nr, INCOMPLETE: $(head -c 120 "$d/INCOMPLETE" 2>/dev/null)"
	fi
done

# ---- 5. a process that dies in the middle of its round ----
real_bench=$R/bench/compare/compare_bench
wrap=$tmp/abort_once.sh
cat >"$wrap" <<EOF2
#!/bin/bash
# The first process with several points aborts as its second point starts.
case "\$*" in
*--benchmark_filter=*"|"*) mkdir "$tmp/aborted" 2>/dev/null && export COMPARE_BENCH_ABORT_AT=2 ;;
esac
exec "$real_bench" "\$@"
EOF2
chmod +x "$wrap"
five="--scenarios=idle --threads=2 --updaters=loop --strategies=none,rwlock,qsbr,ebr --no-rw --no-rates"
COMPARE_BENCH=$wrap "$compare" $five --duration=0.01 --repetitions=2 --no-plots --results-root="$tmp/abort" \
	>"$tmp/abort.out" 2>"$tmp/abort.err"
st=$?
d=$(ls -d "$tmp"/abort/*/ 2>/dev/null | head -n 1)
d=${d%/}
want=$("$compare" $five --list | wc -l)
victim=$(COMPARE_BENCH=$real_bench "$compare" $five --list | sed -n 2p)
if [ $st -eq 0 ] && [ -d "$tmp/aborted" ] && grep -q '1 process failures' "$tmp/abort.err" &&
	jq -e --argjson want "$want" --arg victim "$victim" '
	(.benchmarks | length) == 2 * $want
	and ([.benchmarks[] | [.run_name, .params.repetition]] | unique | length) == 2 * $want
	and ([.benchmarks[] | select(.error_occurred == true)] | length) == 1
	and ([.benchmarks[] | select(.error_occurred == true)][0]
		| .run_name == $victim and .params.repetition == 1
		  and (.error_message | test("exited with status 134")))' "$d/benchmarks.json" >/dev/null &&
	[ "$(grep -c '^RECORD ' "$d/records.txt")" -eq $((2 * want)) ]; then
	ok "a process dies at its second point: that point is the one error, every other run kept once"
else
	fail "process death mid-round: exit $st, $(jq -c '[.benchmarks[] | [.run_name, .params.repetition, .error_occurred]]' "$d/benchmarks.json" 2>/dev/null | head -c 400)"
fi

if [ $expect_broken = 1 ]; then
	[ $fails -gt 0 ] && { echo "PASS: the deliberately broken compare.sh was caught ($fails checks failed)"; exit 0; }
	echo "FAIL: the deliberately broken compare.sh passed every check" >&2
	exit 1
fi
[ $fails -eq 0 ] || { echo "$fails check(s) failed" >&2; exit 1; }
echo PASS
