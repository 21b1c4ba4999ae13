#!/bin/bash
# compare_pipeline_test.sh - the comparison job end to end on a tiny matrix
# (strategies none and rwlock, --quick, 10 ms per run, into a temporary
# results root through COMPARE_RESULTS_ROOT):
#  1. a run leaves one folder with benchmarks.json (valid, complete, the
#     suite's context, every selected point), summary.txt, summary.md and
#     non-empty PNG figures, and no INCOMPLETE marker;
#  2. a second run makes a second folder and leaves the first untouched;
#  3. compare_runs reads both and says the noise is unknown (1 repetition);
#  4. SIGINT once the first point finished (waited for, not slept for): exit
#     status 130, INCOMPLETE present, benchmarks.json valid with
#     "incomplete": true and every finished point, summary.md written;
#  5. the same with SIGTERM (exit status 143);
#  6. --until-ci, with an analyze whose "settled" answers "unsettled" twice
#     per group and then "settled": every point gets 2 rounds more than
#     --repetitions; answering "unsettled" always: every point stops at
#     --max-repetitions; --max-repetitions below --repetitions: exit 2.
set -u
R=${TEST_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/syncbench
compare=$R/bench/compare/compare
compare_runs=$R/bench/compare/compare_runs
tmp=${TEST_TMPDIR:-$(mktemp -d)}
export COMPARE_RESULTS_ROOT=$tmp/results
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

args="--quick --strategies=none,rwlock --duration=0.01"

# ---- 1. one run ----
"$compare" $args >"$tmp/run1.out" 2>"$tmp/run1.err" || fail "first run exited $?: $(tail -n 3 "$tmp/run1.err")"
runs=$(ls -d "$COMPARE_RESULTS_ROOT"/*/ 2>/dev/null | wc -l)
[ "$runs" -eq 1 ] || fail "expected 1 results folder, found $runs"
d1=$(ls -d "$COMPARE_RESULTS_ROOT"/*/ | head -n 1)
d1=${d1%/}
want=$("$compare" $args --list | wc -l)
jq -e --argjson want "$want" '
	.context.incomplete == false and .context.online_cpus > 0 and (.context.cpu_model | type == "string")
	and (.context.kernel | length > 0) and (.context.commit | length > 0) and (.context.compiler | length > 0)
	and (.context.library_build_type | length > 0) and (.context.placement == "none")
	and ([.benchmarks[] | .run_name] | unique | length) == $want
	and (.benchmarks | length) == $want * .context.repetitions
	and all(.benchmarks[]; .params.strategy != null and .params.kind != null and .params.repetition >= 1)' \
	"$d1/benchmarks.json" >/dev/null &&
	ok "benchmarks.json: complete, context extended, all $want points" ||
	fail "benchmarks.json incomplete or without the suite's context ($want points expected)"
[ ! -e "$d1/INCOMPLETE" ] || fail "INCOMPLETE left after a complete run"
grep -q '^SUMMARY ' "$d1/summary.txt" || fail "summary.txt holds no SUMMARY line"
jq -e '(.points | length) > 0 and all(.points[]; .figures != null)
	and any(.points[]; .figures.update_p50_ns.lo != null)' "$d1/stats.json" >/dev/null &&
	ok "stats.json: figures with intervals" || fail "stats.json missing or without intervals"
grep -q 'rwlock' "$d1/summary.md" && grep -q '^| strategy' "$d1/summary.md" && ok "summary.md has its tables" ||
	fail "summary.md without a strategy table"
[ ! -e "$d1/.tmp" ] || fail "temporary folder left in the run"
npng=0
for f in latency-idle latency-saturated wakeups cpu event_delay reader_overhead rw; do
	p=$d1/plots/$f.png
	if [ -s "$p" ] && [ "$(head -c 8 "$p" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] && [ -s "$d1/plots/$f.svg" ]; then
		npng=$((npng + 1))
	else
		fail "plot $f.png/.svg missing, empty or not a PNG"
	fi
done
[ $npng -eq 7 ] && ok "7 figures, PNG and SVG"
sum1=$(cat "$d1/benchmarks.json" "$d1/summary.md" | cksum)

# ---- 2. a second run never overwrites the first ----
# Same date-time as the first run (COMPARE_STAMP), so that both want the
# same folder name: the second must take another one (suffix -2).
stamp1=$(basename "$d1" | cut -d- -f1)
COMPARE_STAMP=$stamp1 "$compare" $args --no-plots >"$tmp/run2.out" 2>"$tmp/run2.err" || fail "second run exited $?"
runs=$(ls -d "$COMPARE_RESULTS_ROOT"/*/ | wc -l)
[ "$runs" -eq 2 ] && ok "second run, second folder" || fail "expected 2 results folders, found $runs"
[ "$(cat "$d1/benchmarks.json" "$d1/summary.md" | cksum)" = "$sum1" ] || fail "the first run's files changed"
d2=$(ls -d "$COMPARE_RESULTS_ROOT"/*/ | grep -v "^$d1/\$" | head -n 1)
d2=${d2%/}
case $d2 in "$d1"-2) ok "same date-time: suffix -2" ;; *) fail "second folder is $d2, expected $d1-2" ;; esac

# ---- 3. compare_runs ----
"$compare_runs" "$d1" "$d2" >"$tmp/cmp.out" 2>&1 || fail "compare_runs exited $?"
grep -q 'new/old' "$tmp/cmp.out" && grep -q 'points in both runs' "$tmp/cmp.out" &&
	grep -qE 'no measurable difference|higher|lower' "$tmp/cmp.out" && ok "compare_runs: medians, intervals, verdicts" ||
	fail "compare_runs gave no interval verdicts: $(head -n 5 "$tmp/cmp.out")"
"$compare_runs" "$d1" /nonexistent >/dev/null 2>&1
[ $? -eq 2 ] || fail "compare_runs on a missing run: status not 2"

# ---- 4./5. interrupted runs ----
# Job control on, so that the background job does not start with SIGINT
# ignored (a non-interactive shell's default for background jobs).
set -m
interrupt() { # signal expected-status
	local sig=$1 want=$2 before after log d st
	before=$(ls -d "$COMPARE_RESULTS_ROOT"/*/ | sort)
	log=$tmp/int-$sig.err
	"$compare" --strategies=none,rwlock --scenarios=idle,saturated --duration=0.05 --no-plots \
		>"$tmp/int-$sig.out" 2>"$log" &
	pid=$!
	# Wait (bounded) until point 2 started: point 1 finished.
	for _ in $(seq 1 600); do
		grep -q '^compare: \[2/' "$log" 2>/dev/null && break
		kill -0 $pid 2>/dev/null || break
		sleep 0.1
	done
	grep -q '^compare: \[2/' "$log" || { fail "$sig: the first point never finished: $(tail -n 3 "$log")"; return; }
	kill -"$sig" $pid
	wait $pid
	st=$?
	after=$(ls -d "$COMPARE_RESULTS_ROOT"/*/ | sort)
	d=$(printf '%s\n' "$after" | grep -vxF -- "$before" | head -n 1)
	d=${d%/}
	if [ $st -ne "$want" ]; then
		fail "$sig: exit status $st, expected $want; its stderr ends: $(tail -n 4 "$log" | tr '\n' '|')"
		for f in "$d/INCOMPLETE" "$d/.tmp/merge.err" "$d/.tmp/point.err"; do
			[ ! -s "$f" ] || echo "  $f: $(head -c 600 "$f" | tr '\n' '|')" >&2
		done
	fi
	[ -n "$d" ] || { fail "$sig: no results folder"; return; }
	[ -e "$d/INCOMPLETE" ] || fail "$sig: no INCOMPLETE marker"
	jq -e --arg s "SIG$sig" '.context.incomplete == true and .context.interrupted_by == $s
		and (.benchmarks | length) >= 1
		and all(.benchmarks[]; .error_occurred == true or .updates != null or .reads_per_s != null)
		and (.context.runs_finished == (.benchmarks | length))
		and all(.benchmarks[]; .params.strategy != null and .params.repetition >= 1)' \
		"$d/benchmarks.json" >/dev/null &&
		ok "$sig: exit $st, INCOMPLETE, valid JSON with $(jq '.benchmarks | length' "$d/benchmarks.json") finished points" ||
		fail "$sig: benchmarks.json not valid/complete for the finished points: $(head -c 300 "$d/benchmarks.json")"
	[ -s "$d/summary.md" ] && grep -q INCOMPLETE "$d/summary.md" || fail "$sig: summary.md missing or not marked INCOMPLETE"
	[ ! -e "$d/.tmp" ] || fail "$sig: temporary folder left behind"
}
interrupt INT 130
interrupt TERM 143

# ---- 6. --until-ci ----
set +m
fake=$tmp/analyze_fake.sh
cat >"$fake" <<EOF2
#!/bin/bash
# "settled DIR GROUP PCT": "unsettled" the first \$UNSETTLED_TIMES times per group
if [ "\$1" = settled ]; then
	n=\$(cat "$tmp/calls.\$(printf '%s' "\$3" | tr '/:' '__')" 2>/dev/null || echo 0)
	echo \$((n + 1)) >"$tmp/calls.\$(printf '%s' "\$3" | tr '/:' '__')"
	[ "\$n" -ge "\$UNSETTLED_TIMES" ] && echo settled || echo "unsettled fake figure +-50%"
	exit 0
fi
exec "$R/bench/compare/analyze" "\$@"
EOF2
chmod +x "$fake"
until_run() { # times-unsettled expected-reps args...
	local times=$1 want=$2 d
	shift 2
	rm -f "$tmp"/calls.*
	COMPARE_ANALYZE=$fake UNSETTLED_TIMES=$times "$compare" --strategies=none,rwlock --scenarios=idle \
		--threads=2 --updaters=loop --no-rw --no-rates --duration=0.01 --no-plots --results-root="$tmp/until" \
		"$@" >"$tmp/until.out" 2>"$tmp/until.err" || { fail "--until-ci $*: exit $?: $(tail -n 2 "$tmp/until.err")"; return; }
	d=$(sed -n 's/^results: //p' "$tmp/until.out")
	jq -e --argjson want "$want" '.context.until_ci_pct == 5 and (.benchmarks | length) == 2 * $want
		and ([.benchmarks[] | .params.repetition] | max) == $want' "$d/benchmarks.json" >/dev/null &&
		ok "--until-ci $*, unsettled $times times: $want rounds per point" ||
		fail "--until-ci $*, unsettled $times times: $(jq -c '[.benchmarks[] | .params.repetition]' "$d/benchmarks.json" 2>/dev/null)"
}
until_run 2 8 --repetitions=6 --until-ci=5
until_run 99 7 --repetitions=6 --until-ci=5 --max-repetitions=7
"$compare" --until-ci=5 --repetitions=6 --max-repetitions=5 --list >/dev/null 2>"$tmp/until.bad"
[ $? -eq 2 ] && [ "$(wc -l <"$tmp/until.bad")" -eq 1 ] && ok "--max-repetitions below --repetitions: exit 2" ||
	fail "--max-repetitions 5 < --repetitions 6 accepted: $(cat "$tmp/until.bad")"

if [ $fails -ne 0 ]; then
	echo "$fails check(s) failed; first run's stderr tail:" >&2
	tail -n 5 "$tmp/run1.err" >&2
	exit 1
fi
echo PASS
