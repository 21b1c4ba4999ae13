#!/bin/bash
# compare.sh - the main job (`./bazelw run //:compare`): measures every
# strategy of the registry on this machine and writes a results folder.
# This file only orchestrates: the matrix and the run order come from
# compare_bench (--list-points, --plan), the statistics and summary.md from
# analyze, the figures from plots/render.sh.
#
# Why one process per round of a group: repetitions are independent
# processes (the variance between processes is what the intervals must
# cover), and the plan interleaves them: in each group of points (one
# setting, every strategy), round 1 runs every strategy once in one process,
# then round 2 in another, ... Starting a process per point cost about 0.4 s
# a run on a 2-CPU VM, more than the run itself. A finished point is kept
# even when its process is interrupted (compare_bench finishes the running
# point, reports the others as not run, and they are dropped); a process that
# dies keeps the point it was running as an error entry, and the rest of its
# round runs again in a new process (their JSON died with it).
#
# Results never overwrite anything: the folder is created with mkdir (atomic;
# a suffix -2, -3, ... when the name is taken), every file is written to a
# temporary name in that folder and renamed into place. A file INCOMPLETE
# exists from the start (with room reserved, so that its text can be updated
# in place on a full disk) and is removed only when every point ran and every
# file was written. A signal (INT, TERM, HUP) ends the run once the running
# point finished (at most about a second); a failed write (a full disk) ends
# the run with exit status 1.
set -u

prog=compare
usage() {
	cat <<'EOF'
Usage: ./bazelw run //:compare -- [options]

Measures every strategy on every scenario and writes
results/<UTC date-time>-<host>-<commit>/ in the source tree:
  benchmarks.json  Google Benchmark JSON (one entry per point and repetition,
                   each with its parameters in "params"), context extended
  records.txt      the same runs as one line each, histograms included
  stats.json       medians with 95% intervals, ratios to none, verdicts
  summary.md       the tables (also summary of every interval and verdict)
  summary.txt      the raw SUMMARY lines of every run (with the baselines)
  plots/           PNG and SVG figures (re-render: ./bazelw run //plots:render -- DIR)
  bench.log        every point's stderr (progress, warnings)
  INCOMPLETE       present only when the run did not finish

Options:
  --quick               reduced matrix: idle and saturated at threads = CPUs
                        (<= 60 s on 2 cores)
  --full                every thread count (64..256 too), scenario, updater,
                        rate and readers/writers count (long)
  --strategies=A,B      only these strategies (default: all of the registry)
  --scenarios=A,B       only these scenarios (idle, saturated, mixed, bursty, slowcall)
  --threads=N,M         only these thread counts (1, 2, 4, ... 2 x CPUs, 64, 128, 256)
  --updaters=U,V        loop and/or outside, for the thread sweep
  --no-rw               no readers/writers points
  --no-rates            no update-rate sweep
  --duration=S          seconds per measured run (default: quick 0.04, 0.1, full 0.2)
  --repetitions=N       independent runs per point, 1..50 (default 6, the fewest
                        that give a distribution-free 95% interval of a median;
                        --quick: 7)
  --until-ci=PCT        after its repetitions, a group gets more rounds until
                        every headline figure with a ratio (update and event
                        delay p50, events/s; ns per read, reads/s, writes/s)
                        of each of its points has a 95% interval within
                        +-PCT% of its median (analyze settled), or the cap
  --max-repetitions=N   the cap of --until-ci, 1..50 (default 20)
  --placement=P         none, compact or scatter (hwloc)
  --results-root=DIR    parent of the run folder (default: <source tree>/results;
                        env COMPARE_RESULTS_ROOT does the same)
  --no-plots            skip rendering (summary.md is still written)
  --list                print the selected points and exit
  --help                this text
Bad values: one line on stderr, exit status 2.
EOF
}

die_usage() { # flag value allowed
	printf '%s: %s %s: %s\n' "$prog" "$1" "'$2'" "$3" >&2
	exit 2
}

# ---- where things are -------------------------------------------------------

# The runfiles root (bazel run, bazel test), else the source tree (run by hand).
for R in ${RUNFILES_DIR:+"$RUNFILES_DIR/syncbench"} "$0.runfiles/syncbench" ${TEST_SRCDIR:+"$TEST_SRCDIR/syncbench"} \
	"$(cd "$(dirname "$0")/../.." && pwd)"; do [ -d "$R" ] && break; done
BIN=${COMPARE_BENCH:-$R/bench/compare/compare_bench}
ANALYZE=${COMPARE_ANALYZE:-$R/bench/compare/analyze}
MERGE_JQ=$R/bench/compare/merge.jq
RENDER_SH=$R/plots/render.sh

# ---- options ------------------------------------------------------------------

matrix=default sel=() duration="" repetitions="" until="" maxrep="" placement=none root=${COMPARE_RESULTS_ROOT:-} plots=1 list=0
for a in "$@"; do
	case $a in
	--quick | --full)
		[ $matrix = default ] || die_usage "$a" "" "--quick and --full exclude each other"
		matrix=${a#--} ;;
	--strategies=* | --scenarios=* | --threads=* | --updaters=*)
		[ -n "${a#*=}" ] || die_usage "${a%%=*}" "" "a non-empty comma-separated list (see --help)"
		sel+=("$a") ;;
	--no-rw | --no-rates) sel+=("$a") ;;
	--duration=*) duration=${a#*=}
		[ -n "$duration" ] || die_usage --duration "" "seconds, a decimal number in [0.001, 3600]" ;;
	--repetitions=*) repetitions=${a#*=}
		[ -n "$repetitions" ] || die_usage --repetitions "" "an integer in [1, 50]" ;;
	--until-ci=*) until=${a#*=}
		[ -n "$until" ] || die_usage --until-ci "" "a percentage, a decimal number in (0, 100]" ;;
	--max-repetitions=*) maxrep=${a#*=}
		[ -n "$maxrep" ] || die_usage --max-repetitions "" "an integer in [1, 50]" ;;
	--placement=*) placement=${a#*=} ;;
	--results-root=*) root=${a#*=}
		[ -n "$root" ] || die_usage --results-root "" "a folder path" ;;
	--no-plots) plots=0 ;;
	--list) list=1 ;;
	--help | -h) usage; exit 0 ;;
	*) printf '%s: %s: unknown option (see --help)\n' "$prog" "'$a'" >&2; exit 2 ;;
	esac
done

for f in "$BIN" "$ANALYZE" "$MERGE_JQ" "$RENDER_SH"; do
	[ -e "$f" ] || { echo "$prog: missing $f (run through ./bazelw run //:compare)" >&2; exit 1; }
done

case $duration in
'') ;;
*[!0-9.]* | *.*.* | .* | *.) die_usage --duration "$duration" "seconds, a decimal number in [0.001, 3600]" ;;
*) awk -v d="$duration" 'BEGIN { exit !(d >= 0.001 && d <= 3600) }' ||
	die_usage --duration "$duration" "seconds, a decimal number in [0.001, 3600]" ;;
esac
# Repetitions: at least 6, the fewest with a 95% interval of a median;
# quick's short points get 7 ([x(1), x(7)] covers 98.4%), so that two runs
# of a strategy that does not differ from none agree on that about 97% of
# the time (two 96.9% intervals agree only about 94% of the time).
if [ -z "$repetitions" ]; then
	[ $matrix = quick ] && repetitions=7 || repetitions=6
fi
case $repetitions in
'' | *[!0-9]* | 0*) die_usage --repetitions "$repetitions" "an integer in [1, 50]" ;;
*) [ ${#repetitions} -le 2 ] && [ "$repetitions" -le 50 ] ||
	die_usage --repetitions "$repetitions" "an integer in [1, 50]" ;;
esac
case $until in
'') [ -z "$maxrep" ] || die_usage --max-repetitions "$maxrep" "goes with --until-ci=PCT" ;;
*[!0-9.]* | *.*.* | .* | *.) die_usage --until-ci "$until" "a percentage, a decimal number in (0, 100]" ;;
*) awk -v d="$until" 'BEGIN { exit !(d > 0 && d <= 100) }' ||
	die_usage --until-ci "$until" "a percentage, a decimal number in (0, 100]" ;;
esac
if [ -n "$until" ]; then
	case ${maxrep:=20} in
	'' | *[!0-9]* | 0*) die_usage --max-repetitions "$maxrep" "an integer in [1, 50]" ;;
	*) [ ${#maxrep} -le 2 ] && [ "$maxrep" -le 50 ] ||
		die_usage --max-repetitions "$maxrep" "an integer in [1, 50]" ;;
	esac
	[ "$maxrep" -ge "$repetitions" ] ||
		die_usage --max-repetitions "$maxrep" "at least --repetitions ($repetitions)"
fi
case $placement in
none | compact | scatter) ;;
*) die_usage --placement "$placement" "one of none, compact, scatter" ;;
esac

# Every compare_bench call gets the same matrix flags: same points, same names.
mflags=(--matrix="$matrix" "${sel[@]}" --placement="$placement")
[ -z "$duration" ] || mflags+=(--duration="$duration")

# ---- the matrix (compare_bench validates the selection: one line, exit 2) ----

plist=$("$BIN" "${mflags[@]}" --list-points 2>&1) || {
	st=$?
	printf '%s\n' "$plist" | tail -n 1 | sed "s/^compare_bench: /$prog: /" >&2
	exit $st
}
if [ $list = 1 ]; then
	printf '%s\n' "$plist" | jq -r '.name'
	exit 0
fi
total_points=$(printf '%s\n' "$plist" | wc -l)
total=$((total_points * repetitions))

# ---- the results folder -------------------------------------------------------

ws=${BUILD_WORKSPACE_DIRECTORY:-}
if [ -z "$root" ]; then
	[ -n "$ws" ] || { echo "$prog: not run through bazel run: give --results-root=DIR" >&2; exit 2; }
	root=$ws/results
fi
case $root in /*) ;; *) root=${BUILD_WORKING_DIRECTORY:-$PWD}/$root ;; esac
mkdir -p "$root" 2>/dev/null || { echo "$prog: --results-root: cannot create '$root'" >&2; exit 1; }
gitdir=${ws:-$R}
commit=$(git -C "$gitdir" rev-parse --short HEAD 2>/dev/null || echo nocommit)
dirty=false
[ -z "$(git -C "$gitdir" status --porcelain --untracked-files=no 2>/dev/null)" ] || dirty=true
host=$(hostname -s 2>/dev/null || hostname)
# COMPARE_STAMP replaces the date-time (tests use it to make two runs want
# the same folder name).
stamp=${COMPARE_STAMP:-$(date -u +%Y%m%dT%H%M%SZ)}
base=$root/$stamp-$host-$commit
out=$base
n=1
# mkdir is atomic: two runs started in the same second get different folders.
until mkdir "$out" 2>/dev/null; do
	n=$((n + 1))
	[ $n -le 1000 ] || { echo "$prog: cannot create a folder next to $base" >&2; exit 1; }
	out=$base-$n
done
tmp=$out/.tmp

# The marker first, with 512 bytes reserved: marker() rewrites its text in
# place (no new block needed), so it stays current on a full disk too.
marker() { # text
	local t
	printf -v t '%-511.511s' "$1"
	printf '%s\n' "$t" 1<>"$out/INCOMPLETE"
}
printf '%-511s\n' "started $(date -u +%FT%TZ); nothing finished yet" >"$out/INCOMPLETE" 2>/dev/null &&
	mkdir "$tmp" 2>/dev/null || {
	echo "$prog: cannot write into $out (full disk?)" >&2
	exit 1
}

write_failed=""
# A write that failed: remembered (the run then ends, INCOMPLETE, exit 1).
wfail() { # what
	# COMPARE_BREAK_IGNORE_WRITES: the deliberate break of this check, for
	# compare_robustness_test_catches_ignore_writes.
	[ -z "${COMPARE_BREAK_IGNORE_WRITES:-}" ] || return 0
	[ -n "$write_failed" ] || write_failed=$1
	echo "$prog: cannot write $1 (full disk?): the run stops here" >&2
}
# Atomic write: the content of $2 (a file in $tmp) becomes $out/$1.
publish() { mv -f "$2" "$out/$1" || wfail "$1"; }

# ---- the suite's context --------------------------------------------------------

cpus=$(getconf _NPROCESSORS_ONLN)
cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null)
compiler=$(gcc --version 2>/dev/null | head -n1)
# The flags the benchmark was really compiled with: DWARF's producer string.
cflags=$(readelf --debug-dump=info "$BIN" 2>/dev/null | awk -F': ' '/DW_AT_producer/ && /GNU C1/ { sub(/^.*\(indirect string, offset: 0x[0-9a-f]+\): /, ""); print; exit }')
kernel=$(uname -sr)
started=$(date -u +%FT%TZ)
printf '%s\n' "$plist" >"$tmp/points.jsonl" || wfail points.jsonl
jq -n --arg cpu_model "$cpu_model" --argjson online_cpus "$cpus" --arg kernel "$kernel" \
	--arg compiler "$compiler" --arg cflags "$cflags" --arg commit "$commit" --argjson dirty $dirty \
	--arg host "$host" --arg placement "$placement" --arg matrix "$matrix" \
	--argjson repetitions "$repetitions" --arg until "$until" --arg maxrep "$maxrep" --slurpfile pts "$tmp/points.jsonl" \
	--arg started "$started" --arg args "$*" --argjson points "$total_points" '{
	suite: "syncbench compare", cpu_model: $cpu_model, online_cpus: $online_cpus,
	kernel: $kernel, compiler: $compiler, cflags: $cflags, commit: $commit,
	commit_dirty: $dirty, host_short: $host, placement: $placement,
	oversubscribed_when: "participants (loop threads + outside updater) > online_cpus",
	matrix: $matrix, quick: ($matrix == "quick"), duration_s: ($pts[0].duration_s),
	sweep_rate: ([$pts[] | select(.kind == "poll") | .rate] | group_by(.) | max_by(length) // [null] | .[0]),
	repetitions: $repetitions,
	until_ci_pct: (if $until == "" then null else ($until | tonumber) end),
	max_repetitions: (if $maxrep == "" then null else ($maxrep | tonumber) end),
	compare_args: $args, started: $started, points_selected: $points
	}' >"$tmp/suite.json" || wfail suite.json
"$BIN" "${mflags[@]}" --plan="$repetitions" >"$tmp/plan.tsv" || wfail plan.tsv
[ -z "$write_failed" ] || { marker "could not write the run's plan (full disk?)"; rm -rf "$tmp"; exit 1; }

# ---- running ----------------------------------------------------------------------

interrupted=""
child=""
on_signal() {
	interrupted=$1
	[ -z "$child" ] || kill -TERM "$child" 2>/dev/null
}
trap 'on_signal INT' INT
trap 'on_signal TERM' TERM
trap 'on_signal HUP' HUP

: >"$tmp/summary.txt" && : >"$tmp/records.txt" && : >"$tmp/bench.log" && echo '{}' >"$tmp/gb_context.json" &&
	mkdir "$tmp/points" || wfail "the run's temporary files"
have_ctx=0
# Seconds since boot with centiseconds: a monotonic clock (never negative
# elapsed times, whatever happens to the wall clock), without a fork.
now_cs() { local up; read -r up _ </proc/uptime; printf '%s' "${up/./}"; }
t_start=$(now_cs)
done_n=0
last_merge=$t_start
skipped_n=0
failed_n=0

# Rewrites benchmarks.json, records.txt, summary.txt and bench.log from what
# finished so far (each through a temporary name).
merge() { # incomplete(true|false)
	# the finished runs' files (none yet: no pattern left for jq to refuse)
	local done_files=()
	shopt -s nullglob
	done_files=("$tmp"/points/*.r*.json)
	shopt -u nullglob
	jq -n --slurpfile suite "$tmp/suite.json" --slurpfile gbc "$tmp/gb_context.json" \
		--slurpfile pts "$tmp/points.jsonl" \
		--argjson incomplete "$1" --arg finished "$(date -u +%FT%TZ)" --argjson done "$done_n" \
		--arg interrupted "$interrupted" -f "$MERGE_JQ" "$tmp/points/empty.json" "${done_files[@]}" \
		>"$tmp/benchmarks.json" 2>"$tmp/merge.err" &&
		# jq does not report a failed write (a full disk): read it back
		jq -e '.benchmarks | length >= 0' "$tmp/benchmarks.json" >/dev/null 2>&1 &&
		publish benchmarks.json "$tmp/benchmarks.json" || wfail benchmarks.json
	for f in records.txt summary.txt bench.log; do
		cp "$tmp/$f" "$tmp/$f.pub" 2>/dev/null && publish "$f" "$tmp/$f.pub" || wfail "$f"
	done
}
echo '{"benchmarks": []}' >"$tmp/points/empty.json" || wfail points

est=$(printf '%s\n' "$plist" | jq -s --argjson r "$repetitions" 'map(.est_s) | add * $r | round')
printf '%s: %s matrix: %d points x %d repetitions = %d runs, %s s each; estimated %d min %02d s; into %s\n' \
	"$prog" "$matrix" "$total_points" "$repetitions" "$total" "$(jq -r '.duration_s' "$tmp/suite.json")" \
	$((est / 60)) $((est % 60)) "$out" >&2

re_escape() { printf '%s' "$1" | sed 's/[].[^$*+?(){}|\\]/\\&/g'; }

# Runs one round of a group (rep, then its point names, in order) in one
# process: its files are $tmp/point.{json,rec,sum,err}; sets $status.
run_batch() {
	local rep=$1 re="" n
	shift
	for n in "$@"; do
		re+="${re:+|}$(re_escape "$n")"
	done
	rm -f "$tmp/point.json" "$tmp/point.sum" "$tmp/point.rec"
	local now
	now=$(now_cs)
	# progress lines ("compare: [i/total] ...") come from the process, on fd 3
	"$BIN" "${mflags[@]}" --benchmark_filter="^($re)/" --benchmark_out="$tmp/point.json" \
		--benchmark_out_format=json --repetition="$rep" --summary="$tmp/point.sum" \
		--records="$tmp/point.rec" --progress-fd=3 --progress-done="$done_n" --progress-total="$total" \
		--progress-elapsed="$(((now - t_start) / 100)).$(printf '%02d' $(((now - t_start) % 100)))" \
		3>&2 >"$tmp/point.out" 2>"$tmp/point.err" </dev/null &
	child=$!
	wait "$child"
	status=$?
	# A signal interrupts wait before the child is gone: wait again.
	while kill -0 "$child" 2>/dev/null; do
		wait "$child"
		status=$?
	done
	child=""
	{ printf '== round %d of %s (exit %d)\n' "$rep" "$*" "$status"; cat "$tmp/point.err"; } >>"$tmp/bench.log" ||
		wfail bench.log
}

# Keeps the finished runs of the last process: its records, its JSON (as
# points/NNNNN.rR.json) and its SUMMARY lines. Interrupted, the points it did
# not run are dropped from the JSON (they have no record).
keep_batch() { # rep
	local nrec nj
	if [ -n "$interrupted" ]; then
		jq --arg m "not run: interrupted" '.benchmarks |= map(select(.error_message != $m))' \
			"$tmp/point.json" >"$tmp/point.kept" 2>/dev/null && mv -f "$tmp/point.kept" "$tmp/point.json" ||
			return 1
	fi
	nrec=$(grep -c '^RECORD ' "$tmp/point.rec")
	nj=$(jq '.benchmarks | length' "$tmp/point.json" 2>/dev/null)
	# every kept entry has its record, or nothing of the process is kept
	[ "$nrec" = "$nj" ] || return 1
	[ "$nrec" -gt 0 ] || return 0
	skipped_n=$((skipped_n + $(grep -c ' error ' "$tmp/point.rec")))
	if [ $have_ctx = 0 ]; then
		jq '.context' "$tmp/point.json" >"$tmp/gb_context.json" 2>/dev/null && have_ctx=1
	fi
	batch_n=$((batch_n + 1))
	cat "$tmp/point.rec" >>"$tmp/records.txt" &&
		mv -f "$tmp/point.json" "$tmp/points/$(printf '%05d' "$batch_n").r$1.json" || { wfail records.txt; return 0; }
	[ ! -s "$tmp/point.sum" ] || cat "$tmp/point.sum" >>"$tmp/summary.txt" || wfail summary.txt
	done_n=$((done_n + nrec))
}

# A process that failed (the watchdog exits 3, a crash, a full disk): the
# point it was running (the first without a "done" or "skipped" line) is kept
# as an error entry; the JSON of the points before it did not survive the
# process, so the others of the round run again in a new process.
fail_point() { # rep name
	local rep=$1 name=$2 first last why
	failed_n=$((failed_n + 1))
	# The first diagnostic line says why, the last how it ended; both cut
	# to stay one readable line.
	first=$(grep -v '^compare_bench: \[' "$tmp/point.err" | grep -m 1 -i 'watchdog\|error\|fail\|abort\|sanitizer\|cannot' | cut -c 1-240)
	last=$(grep -v '^compare_bench: \[' "$tmp/point.err" | tail -n 1 | cut -c 1-240)
	why="compare_bench exited with status $status${first:+: $first}"
	[ -z "$last" ] || [ "$last" = "$first" ] || why="$why; $last"
	case $why in *"No space left"* | *"cannot write"*) wfail "$name's results" ;; esac
	jq -n --arg n "$name" --arg why "$why" \
		'{benchmarks: [{name: $n, run_name: $n, run_type: "iteration", repetitions: 1,
		   repetition_index: 0, iterations: 0, error_occurred: true, error_message: $why}]}' \
		>"$tmp/point.json" || wfail "$name's results"
	printf '%s\n' "$(jq -r --arg n "$name" 'select(.name == $n) | "RECORD" + ([to_entries[] | select(.key != "est_s") | " \(.key) \(.value | if type == "boolean" then (if . then 1 else 0 end) else . end)"] | join(""))' "$tmp/points.jsonl") repetition $rep error $why" \
		>"$tmp/point.rec" || wfail "$name's record"
	: >"$tmp/point.sum"
	[ -n "$write_failed" ] || keep_batch "$rep" || wfail "$name's results"
}

# One round of a group, until every point of it finished or failed.
run_round() { # rep name...
	local rep=$1 left name
	shift
	left=("$@")
	while [ ${#left[@]} -gt 0 ] && [ -z "$interrupted" ] && [ -z "$write_failed" ]; do
		run_batch "$rep" "${left[@]}"
		# Finished means: exit 0, and its records and JSON complete (each
		# record ends in a newline; compare_bench exits 1 when it could not
		# write). Interrupted, the finished points of the process are kept.
		if [ -n "$interrupted" ]; then
			[ ! -s "$tmp/point.json" ] || keep_batch "$rep" || :
			return
		fi
		if [ $status -eq 0 ] && [ -s "$tmp/point.json" ] && [ -s "$tmp/point.rec" ] &&
			[ "$(tail -c 1 "$tmp/point.rec" | od -An -c | tr -d ' ')" = '\n' ] && keep_batch "$rep"; then
			grep '^compare_bench: ' "$tmp/point.err" | grep -v '^compare_bench: \[' >&2
			return
		fi
		local finished=() rest=() failed=""
		mapfile -t finished < <(sed -n 's/^compare_bench: \[[0-9]*\] \(.*\): \(done\|skipped\).*/\1/p' "$tmp/point.err")
		for name in "${left[@]}"; do
			if [ -z "$failed" ] && ! printf '%s\n' "${finished[@]}" | grep -qxF -- "$name"; then
				failed=$name
			else
				rest+=("$name")
			fi
		done
		[ -n "$failed" ] || { failed=${left[${#left[@]}-1]}; unset 'rest[${#rest[@]}-1]'; }
		fail_point "$rep" "$failed"
		left=("${rest[@]}")
	done
}

mapfile -t plan <"$tmp/plan.tsv"
batch_n=0
k=0
while [ $k -lt ${#plan[@]} ] && [ -z "$interrupted" ] && [ -z "$write_failed" ]; do
	IFS=$'\t' read -r rep group _ <<<"${plan[k]}"
	names=()
	while [ $k -lt ${#plan[@]} ]; do
		IFS=$'\t' read -r r g name <<<"${plan[k]}"
		[ "$r" = "$rep" ] && [ "$g" = "$group" ] || break
		names+=("$name")
		k=$((k + 1))
	done
	run_round "$rep" "${names[@]}"
	# --until-ci: after the group's last planned round, more rounds until
	# its headline intervals are narrow enough, or the cap.
	next_group=""
	[ $k -ge ${#plan[@]} ] || IFS=$'\t' read -r _ next_group _ <<<"${plan[k]}"
	if [ -n "$until" ] && [ "$rep" = "$repetitions" ] && [ "$next_group" != "$group" ]; then
		while [ "$rep" -lt "$maxrep" ] && [ -z "$interrupted" ] && [ -z "$write_failed" ]; do
			verdict=$("$ANALYZE" settled "$tmp" "$group" "$until" 2>&1) || {
				echo "$prog: $verdict" >&2
				break
			}
			case $verdict in
			settled) break ;;
			esac
			rep=$((rep + 1))
			total=$((total + ${#names[@]}))
			echo "$prog: $group not settled (${verdict#unsettled }; wanted +-$until%): round $rep" >&2
			run_round "$rep" "${names[@]}"
		done
	fi
	now=$(now_cs)
	# current after every process, even if this shell is killed (-9) next
	marker "running since $started; runs finished: $done_n of $total (every finished run is in .tmp/points)"
	# benchmarks.json is rewritten (valid, "incomplete": true) at most every
	# 20 s: each rewrite reads everything so far.
	if [ $(((now - last_merge) / 100)) -ge 20 ]; then
		merge true
		last_merge=$now
	fi
done

elapsed=$((($(now_cs) - t_start) / 100))
trap '' INT TERM HUP # the results are written now: finish them
complete=0
[ -n "$interrupted" ] || [ -n "$write_failed" ] || [ $done_n -lt "$total" ] || complete=1
merge $([ $complete = 1 ] && echo false || echo true)

# ---- statistics, summary and plots (also for an interrupted run) ---------------

# The context lines of summary.md, from the merged JSON's context.
jq -r '.context | "- machine: \(.cpu_model // "?"), \(.online_cpus // .num_cpus) online CPUs, \(.kernel // "?")
- build: \(.compiler // "?"); flags: `\(.cflags // "?")`; Google Benchmark library_build_type: \(.library_build_type // "?")
- commit: \(.commit // "?")\(if .commit_dirty then " (with uncommitted changes)" else "" end); host: \(.host_short // .host_name); placement: \(.placement // "none")
- started \(.started // .date), finished \(.finished // "?"); \(.matrix) matrix, \(.duration_s // "?") s per measured run, \(.repetitions) repetitions\(if .until_ci_pct then " (then more, up to \(.max_repetitions), until every headline interval is within +-\(.until_ci_pct)%)" else "" end)
- load average at the first point: \(.load_avg // [] | map(. * 100 | round / 100) | join(", "))\(if (.load_avg // [0])[0] > (.online_cpus // .num_cpus) then " (above the CPU count: other work shared the machine, expect wide intervals)" else "" end)"' \
	"$out/benchmarks.json" >"$tmp/context.md" 2>/dev/null || : >"$tmp/context.md"
why=""
[ $complete = 1 ] || why="${interrupted:+interrupted by SIG$interrupted; }${write_failed:+a write failed ($write_failed); }runs finished: $done_n of $total"
if [ $done_n -gt 0 ]; then
	"$ANALYZE" summarize "$out" --context="$tmp/context.md" --incomplete="$why" >&2 || wfail "stats.json or summary.md"
else
	# nothing to summarize: summary.md says so (analyze refuses an empty run)
	{ printf '# Comparison run %s\n\n' "$(basename "$out")"; cat "$tmp/context.md"
	  printf '\n**INCOMPLETE: %s.** No run finished: no figure to show.\n' "${why:-no run finished}"; } >"$tmp/summary.md" &&
		publish summary.md "$tmp/summary.md" || wfail summary.md
fi
if [ $plots = 1 ] && [ -z "$write_failed" ] && [ $done_n -gt 0 ]; then
	"$RENDER_SH" "$out" 2>"$tmp/render.err" || {
		grep -q 'full disk\|cannot write' "$tmp/render.err" && wfail plots
		echo "$prog: some plots could not be rendered" >&2
	}
	cat "$tmp/render.err" >&2
fi
[ -z "$write_failed" ] || complete=0
if [ $complete = 1 ]; then
	rm -f "$out/INCOMPLETE"
elif [ -n "$write_failed" ]; then
	marker "a write failed ($write_failed; full disk?) after ${elapsed}s; runs finished: $done_n of $total (each run's files are kept in .tmp/points)"
elif [ -n "$interrupted" ]; then
	marker "interrupted by SIG$interrupted after ${elapsed}s; runs finished: $done_n of $total"
else
	marker "stopped after ${elapsed}s; runs finished: $done_n of $total"
fi
# After a failed write the published files may lag: the raw files stay.
[ -n "$write_failed" ] || rm -rf "$tmp"

echo "$prog: $done_n of $total runs in ${elapsed}s ($skipped_n skipped by a strategy, $failed_n process failures)" >&2
[ $complete = 1 ] || echo "$prog: INCOMPLETE ($(head -c 200 "$out/INCOMPLETE" | sed 's/ *$//')): finished points are in $out" >&2
echo "results: $out"
[ -n "$write_failed" ] || echo "summary: $out/summary.md"
[ $plots = 0 ] || [ -n "$write_failed" ] || echo "plots:   $out/plots/"
[ -z "$write_failed" ] || exit 1
case $interrupted in
INT) exit 130 ;;
TERM) exit 143 ;;
HUP) exit 129 ;;
esac
exit 0
