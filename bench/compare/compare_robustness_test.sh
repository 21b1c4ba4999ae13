#!/bin/bash
# compare_robustness_test.sh - no lost result is ever reported as a success:
#  1. a results root where writes fail (a file-size limit, so that it works in
#     any sandbox; and a real 800 KB tmpfs when this test may mount one):
#     exit status 1, INCOMPLETE present and saying a write failed, no
#     "summary:" line claiming a file that is not there, no truncated file
#     published under a final name (every JSON present parses);
#  2. render on a run where writes fail: exit status 1, the previous plots
#     kept intact;
#  3. SIGHUP once a point finished: exit status 129, INCOMPLETE current
#     ("interrupted by SIGHUP", the finished count of benchmarks.json), no
#     compare_bench left running.
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

# ---- 1b. a real small tmpfs, where this test may mount one ----
mkdir -p "$tmp/tmpfs"
if mount -t tmpfs -o size=800k tmpfs "$tmp/tmpfs" 2>/dev/null; then
	full_disk "800 KB tmpfs" "$tmp/tmpfs"
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
for _ in $(seq 1 600); do
	grep -q '^compare: \[3/' "$tmp/hup.err" 2>/dev/null && break
	kill -0 $pid 2>/dev/null || break
	sleep 0.1
done
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

if [ $expect_broken = 1 ]; then
	[ $fails -gt 0 ] && { echo "PASS: the deliberately broken compare.sh was caught ($fails checks failed)"; exit 0; }
	echo "FAIL: the deliberately broken compare.sh passed every check" >&2
	exit 1
fi
[ $fails -eq 0 ] || { echo "$fails check(s) failed" >&2; exit 1; }
echo PASS
