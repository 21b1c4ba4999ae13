#!/bin/bash
# analyze_test.sh - analyze on hand-made records whose answers are known:
#  - a strategy at twice none's update p50 in every one of 6 rounds: ratio 2
#    [2, 2], "worse"; equal to none in every round: "no measurable difference";
#  - 1.1x none's update p50 in every round, and 20 ns more CPU/update than none
#    where none's whole CPU/update is 400 ns (5%): separated but below the 25%
#    margin, "difference below 25%", never "worse"; 100 ns more (25%): "worse";
#  - a CPU/update whose interval reaches below 0: "below noise", never a
#    negative cost; a figure absent from every record: "-", never 0;
#  - 300 pooled latency samples: p99 "n/a (n=300)" (1000 needed);
#  - reproduce of a run against itself: every verdict agrees; compare-runs
#    of a run against itself: no change beyond the intervals; reproduce of
#    that run against one where "near" equals none: the margin's verdicts
#    agree (no winner in both), the interval alone's do not;
#  - settled: every headline interval of the group within +-1% (the widest,
#    "same", is +-0.65%): "settled"; within +-0.5%: "unsettled" naming
#    "same"'s update p50;
#  - bad input (no records, a malformed line, more goal rounds than fit): one
#    line, exit 2.
# Usage: analyze_test.sh <analyze binary> [--expect-broken]
set -u
analyze=$1
tmp=${TEST_TMPDIR:-$(mktemp -d)}
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
d=$tmp/run
mkdir -p "$d"
# 50 samples at 1000 ns: histogram bucket of 1000 (exact values below 128,
# then 64 per octave: 1000 = 2^9 + 488 -> bucket 128 + 3*64 + 488/8 = 381).
h="h.update_latency 50,1000,1000,50000;381:50"
for r in 1 2 3 4 5 6; do
	for s in none slow same neg near; do
		case $s in
		none) p50=$((1000 + r)) cpu=$((100 + r)) fam=baseline ;;
		slow) p50=$((2 * (1000 + r))) cpu=$((200 + r)) fam=exclusive ;;
		same) p50=$((1000 + r + (r % 2 ? 5 : -5))) cpu=$((100 + r)) fam=exclusive ;;
		neg) p50=$((1000 + r)) cpu=$((r % 2 ? -300 : 50)) fam=grace ;;
		near) p50=$((11 * (1000 + r) / 10)) cpu=$((120 + r)) fam=grace ;;
		esac
		echo "RECORD name idle/$s/threads:2/updater:loop/reclaim:sync/rate:200 group idle/threads:2/updater:loop/rate:200 kind poll strategy $s family $fam reclaim sync scenario idle threads 2 updater loop rate 200 participants 2 oversubscribed 0 duration_s 0.1 repetition $r online_cpus 2 updates 50 update_p50_ns $p50 cpu_ns_per_update $cpu cpu_ns_per_update_raw 400 sync_wakeups_per_update 0 $h"
	done
done >"$d/records.txt"
# The same run, but "near" equal to none in every round.
d2=$tmp/run2
mkdir -p "$d2"
awk '/ strategy near / { for (i = 1; i < NF; i++) if ($i == "update_p50_ns" || $i == "cpu_ns_per_update") $(i + 1) = "x" } 1' "$d/records.txt" |
	awk '/ strategy near / { split($0, a, " repetition "); r = a[2] + 0; gsub(/update_p50_ns x/, "update_p50_ns " 1000 + r); gsub(/cpu_ns_per_update x/, "cpu_ns_per_update " 100 + r) } 1' >"$d2/records.txt"

"$analyze" summarize "$d" 2>"$tmp/err" || fail "summarize exited $?: $(cat "$tmp/err")"
md=$d/summary.md
row() { grep "^| $1 " "$md" | head -n 1; }
grep -q '^| idle/threads:2/updater:loop/rate:200 | slow | update p50 | 2 \[2, 2\] | worse |' "$md" &&
	ok "twice none's p50 in every round: ratio 2 [2, 2], worse" || fail "slow's verdict: $(grep '| slow | update p50' "$md")"
grep -q '| same | update p50 | .* | no measurable difference |' "$md" &&
	ok "equal to none: no measurable difference" || fail "same's verdict: $(grep '| same | update p50' "$md")"
grep -q '| near | update p50 | 1.1 \[1.1, 1.1\] | difference below 25% |' "$md" &&
	ok "1.1x none's p50 in every round: difference below 25%, not worse" || fail "near's p50 verdict: $(grep '| near | update p50' "$md")"
grep -q '| near | CPU/update | .* | difference below 25% |' "$md" &&
	ok "20 ns more CPU/update of none's 400: difference below 25%" || fail "near's CPU verdict: $(grep '| near | CPU/update' "$md")"
grep -q '| slow | CPU/update | .* | worse |' "$md" &&
	ok "100 ns more CPU/update of none's 400: worse" || fail "slow's CPU verdict: $(grep '| slow | CPU/update' "$md")"
row neg | grep -q 'below noise' && ok "a CPU/update reaching below 0: below noise" || fail "neg's row: $(row neg)"
row neg | grep -q -- '| -[0-9]' && fail "a negative figure printed: $(row neg)"
row slow | grep -q 'n/a (n=300)' && ok "300 pooled samples: p99 n/a (n=300)" || fail "p99 with 300 samples: $(row slow)"
row slow | grep -q '| - |' && ok "an unmeasured figure is '-'" || fail "no '-' for the unmeasured time to safe: $(row slow)"
jq -e '.points | length == 5 and all(.[]; .figures.update_p50_ns.n == 6)' "$d/stats.json" >/dev/null &&
	ok "stats.json: 5 points, 6 repetitions each" || fail "stats.json: $(head -c 300 "$d/stats.json")"

"$analyze" reproduce "$d" "$d" >"$tmp/rep" 2>&1 || fail "reproduce exited $?"
grep -q 'agree: 100.0%' "$tmp/rep" && ok "reproduce against itself: 100% agree" || fail "reproduce: $(tail -n 2 "$tmp/rep")"
"$analyze" reproduce "$d" "$d2" >"$tmp/rep2" 2>&1 || fail "reproduce against run2 exited $?"
grep -q '^verdicts: 12 of 12 headline comparisons agree' "$tmp/rep2" &&
	grep -q 'the interval alone.*: 10 of 12 agree' "$tmp/rep2" &&
	ok "near below the margin in one run, equal in the other: 12 of 12 agree, 10 of 12 by the interval alone" ||
	fail "reproduce against run2: $(grep -E '^verdicts|DIFFERS' "$tmp/rep2")"
"$analyze" compare-runs "$d" "$d" >"$tmp/cmp" 2>&1 || fail "compare-runs exited $?"
grep -q '0 figures changed' "$tmp/cmp" && ok "compare-runs against itself: nothing changed" || fail "compare-runs: $(tail -n 2 "$tmp/cmp")"

g=idle/threads:2/updater:loop/rate:200
[ "$("$analyze" settled "$d" $g 1 2>&1)" = settled ] && ok "settled at +-1%" ||
	fail "settled at +-1%: $("$analyze" settled "$d" $g 1 2>&1)"
case $("$analyze" settled "$d" $g 0.5 2>&1) in
"unsettled idle/same/threads:2/updater:loop/reclaim:sync/rate:200 update_p50_ns +-0.648%") ok "unsettled at +-0.5%: same's update p50" ;;
*) fail "settled at +-0.5%: $("$analyze" settled "$d" $g 0.5 2>&1)" ;;
esac
"$analyze" settled "$d" nosuch/group 5 2>"$tmp/err"
[ $? -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && ok "settled, unknown group: one line, exit 2" ||
	fail "settled, unknown group: $(cat "$tmp/err")"

# goal: 64 rounds are taken whole; a 65th is an error, never left out unsaid
seq 64 | awk '{ print $1, 2 }' | "$analyze" goal '<=' 100 >"$tmp/goal" 2>&1
grep -q "(64 rounds): MET" "$tmp/goal" && ok "goal: 64 rounds, all used" || fail "goal, 64 rounds: $(cat "$tmp/goal")"
seq 65 | awk '{ print $1, 2 }' | "$analyze" goal '<=' 100 >"$tmp/goal" 2>"$tmp/err"
st=$?
[ $st -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && [ ! -s "$tmp/goal" ] && ok "goal: 65 rounds: one line, exit 2" ||
	fail "goal, 65 rounds: exit $st: $(cat "$tmp/goal" "$tmp/err")"

mkdir -p "$tmp/empty" "$tmp/bad"
echo "RECORD name x" >"$tmp/bad/records.txt"
for bad in "$tmp/empty" "$tmp/bad"; do
	"$analyze" summarize "$bad" 2>"$tmp/err"
	st=$?
	[ $st -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && ok "bad input $(basename "$bad"): one line, exit 2" ||
		fail "bad input $(basename "$bad"): exit $st: $(cat "$tmp/err")"
done

if [ "${2:-}" = --expect-broken ]; then
	[ $fails -gt 0 ] && { echo "PASS: the deliberately broken analyze was caught ($fails checks failed)"; exit 0; }
	echo "FAIL: the deliberately broken analyze passed every check" >&2
	exit 1
fi
[ $fails -eq 0 ] || exit 1
echo PASS
