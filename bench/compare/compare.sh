#!/bin/bash
# compare.sh - the main job (`./bazelw run //:compare`): measures every
# strategy of the registry on this machine, one benchmark point at a time, and
# writes a results folder with the Google Benchmark JSON (its context extended
# by the suite), the raw SUMMARY lines, the plots and summary.md.
#
# Why one process per point: each point's JSON is complete the moment its
# process exits, so an interrupted run keeps every finished point (issue 7),
# and progress is per point. The points come from compare_bench itself
# (--benchmark_list_tests), so the matrix follows the registry.
#
# Results never overwrite anything: the folder is created with mkdir (atomic;
# a suffix -2, -3, ... when the name is taken), every file is written to a
# temporary name in that folder and renamed into place. A file INCOMPLETE
# exists from the start and is removed only when every point ran; on SIGINT or
# SIGTERM the running point is stopped, the merged JSON keeps the finished
# points with "incomplete": true in its context, summary and plots are made
# from them, and the exit status is 130 (INT) or 143 (TERM).
set -u

prog=compare
usage() {
	cat <<'EOF'
Usage: ./bazelw run //:compare -- [options]

Measures every strategy on every scenario and writes
results/<UTC date-time>-<host>-<commit>/ in the source tree:
  benchmarks.json  Google Benchmark JSON, context extended by the suite
  summary.txt      the raw SUMMARY lines of every run (with updates and baselines)
  summary.md       strategy x scenario table, best per column marked
  plots/           PNG and SVG figures (re-render: ./bazelw run //plots:render -- DIR)
  bench.log        every point's stderr (progress, warnings)
  INCOMPLETE       present only when the run did not finish (interrupted)

Options:
  --quick               reduced matrix, well under 60 s of benchmark time
  --strategies=A,B      only these strategies (default: all of the registry)
  --scenarios=A,B       only these scenarios (idle, saturated, mixed, bursty)
  --threads=N,M         only these thread counts (of the registered ones; default:
                        all, except 128 and 256 for saturated and mixed)
  --updaters=U,V        loop and/or outside, for the thread sweep (default: loop,
                        plus outside at threads = CPUs)
  --no-rw               no readers/writers points
  --no-rates            no update-rate sweep
  --duration=S          seconds per measured run (default 0.2; --quick 0.04)
  --repetitions=N       runs per point, 1..20 (default 1): gives noise estimates
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

if [ -n "${RUNFILES_DIR:-}" ] && [ -d "$RUNFILES_DIR/syncbench" ]; then
	R=$RUNFILES_DIR/syncbench
elif [ -d "$0.runfiles/syncbench" ]; then
	R=$0.runfiles/syncbench
elif [ -n "${TEST_SRCDIR:-}" ] && [ -d "$TEST_SRCDIR/syncbench" ]; then
	R=$TEST_SRCDIR/syncbench
else
	R=$(cd "$(dirname "$0")/../.." && pwd)
fi
BIN=${COMPARE_BENCH:-$R/bench/compare/compare_bench}
MERGE_JQ=$R/bench/compare/merge.jq
SUMMARY_SH=$R/bench/compare/summary.sh
RENDER_SH=$R/plots/render.sh

# ---- options ------------------------------------------------------------------

quick=0 strategies="" scenarios="" threads="" updaters="" no_rw=0 no_rates=0
duration="" repetitions=1 placement=none root=${COMPARE_RESULTS_ROOT:-} plots=1 list=0
for a in "$@"; do
	case $a in
	--quick) quick=1 ;;
	--strategies=*) strategies=${a#*=}; [ -n "$strategies" ] || die_usage --strategies "" "a non-empty comma-separated list (see --help)" ;;
	--scenarios=*) scenarios=${a#*=}; [ -n "$scenarios" ] || die_usage --scenarios "" "a non-empty comma-separated list (see --help)" ;;
	--threads=*) threads=${a#*=}; [ -n "$threads" ] || die_usage --threads "" "a non-empty comma-separated list (see --help)" ;;
	--updaters=*) updaters=${a#*=}; [ -n "$updaters" ] || die_usage --updaters "" "a non-empty comma-separated list (see --help)" ;;
	--no-rw) no_rw=1 ;;
	--no-rates) no_rates=1 ;;
	--duration=*) duration=${a#*=} ;;
	--repetitions=*) repetitions=${a#*=} ;;
	--placement=*) placement=${a#*=} ;;
	--results-root=*) root=${a#*=} ;;
	--no-plots) plots=0 ;;
	--list) list=1 ;;
	--help | -h) usage; exit 0 ;;
	*) printf '%s: %s: unknown option (see --help)\n' "$prog" "'$a'" >&2; exit 2 ;;
	esac
done

for f in "$BIN" "$MERGE_JQ" "$SUMMARY_SH" "$RENDER_SH"; do
	[ -e "$f" ] || { echo "$prog: missing $f (run through ./bazelw run //:compare)" >&2; exit 1; }
done

# A plain decimal number in (0, 3600].
case $duration in
'') [ $quick = 1 ] && duration=0.04 || duration=0.2 ;;
*[!0-9.]* | *.*.* | .* | *.) die_usage --duration "$duration" "seconds, a decimal number in [0.001, 3600]" ;;
*) awk -v d="$duration" 'BEGIN { exit !(d >= 0.001 && d <= 3600) }' ||
	die_usage --duration "$duration" "seconds, a decimal number in [0.001, 3600]" ;;
esac
case $repetitions in
'' | *[!0-9]* | 0*) die_usage --repetitions "$repetitions" "an integer in [1, 20]" ;;
*) [ ${#repetitions} -le 2 ] && [ "$repetitions" -le 20 ] ||
	die_usage --repetitions "$repetitions" "an integer in [1, 20]" ;;
esac
case $placement in
none | compact | scatter) ;;
*) die_usage --placement "$placement" "one of none, compact, scatter" ;;
esac
default_updaters=0
if [ -z "$updaters" ]; then
	updaters=loop
	default_updaters=1
fi

# ---- the matrix ---------------------------------------------------------------

# The thread sweep's update rate and the update-rate sweep's rates: passed to
# every compare_bench call, so that names are the same in the list and the runs.
sweep_rate=200
sweep_rates=20,200,2000,20000
all=$("$BIN" --rate=$sweep_rate --rates=$sweep_rates --benchmark_list_tests=true 2>/dev/null) || { echo "$prog: $BIN --benchmark_list_tests failed" >&2; exit 1; }
# Known values, from the registered names themselves.
known() { # field-number-of-poll-names [prefix-to-strip]
	printf '%s\n' "$all" | awk -F/ -v f="$1" -v p="$2" '$1 != "rw" { v = $f; sub("^" p, "", v); if (!(v in s)) { s[v]; print v } }'
}
known_strategies=$(printf '%s\n' "$all" | awk -F/ '!($2 in s) { s[$2]; print $2 }')
known_scenarios=$(known 1 "")
known_threads=$(known 3 "threads:" | sort -n)
check_list() { # flag value known-values
	local v
	[ -n "$2" ] || die_usage "$1" "$2" "a comma-separated list of: $(echo $3 | tr ' ' ,)"
	case $2 in ,* | *, | *,,*) die_usage "$1" "$2" "a comma-separated list of: $(echo $3 | tr ' ' ,)" ;; esac
	for v in $(echo "$2" | tr , ' '); do
		printf '%s\n' $3 | grep -qxF -- "$v" ||
			die_usage "$1" "$2" "a comma-separated list of: $(echo $3 | tr ' ' ,)"
	done
}
[ -z "$strategies" ] || check_list --strategies "$strategies" "$known_strategies"
[ -z "$scenarios" ] || check_list --scenarios "$scenarios" "$known_scenarios"
[ -z "$threads" ] || check_list --threads "$threads" "$known_threads"
check_list --updaters "$updaters" "loop outside"

cpus=$(getconf _NPROCESSORS_ONLN)
# The default matrix (meant to fit 10 minutes on 2 cores at 0.2 s per point: every
# scenario, every thread count except 128/256 busy threads, the updater in a
# loop plus outside at threads = CPUs, the rate sweep, readers/writers) and the
# quick one (meant to fit 60 s at 0.04 s): quick keeps 2 scenarios (idle,
# saturated), 2 thread counts (= CPUs, and twice that: oversubscribed), the
# rates 200 and 20000 at threads = CPUs, and readers/writers with as many
# readers as CPUs (and 1): 8 points per strategy and reclaim mode.
if [ $quick = 1 ]; then
	[ -n "$scenarios" ] || scenarios=idle,saturated
	[ -n "$threads" ] || threads=$(printf '%s\n' $known_threads | awk -v c="$cpus" '$1 == c || $1 == 2 * c' | paste -sd,)
	rates="20000"
	rw_readers="1,$cpus"
	# a shorter floor measurement at each run's start (default 0.08 s)
	floors="--floors-budget=0.02"
else
	floors=""
	rates=""
	rw_readers=""
fi

# Selected names, in registry order. rw points: only with --threads absent or
# covering their readers (they are not a thread sweep).
selected=$(printf '%s\n' "$all" | awk -F/ \
	-v strat="$strategies" -v scen="$scenarios" -v thr="$threads" -v upd="$updaters" \
	-v rates="$rates" -v rwr="$rw_readers" -v norw="$no_rw" -v norates="$no_rates" -v base="$sweep_rate" \
	-v defupd="$default_updaters" -v cpus="$cpus" -v quick="$quick" '
	function set(list, arr,   n, i, p) { n = split(list, p, ","); for (i = 1; i <= n; i++) arr[p[i]] = 1; return n }
	BEGIN { ns = set(strat, S); nc = set(scen, C); nt = set(thr, T); set(upd, U); nr = set(rates, RA); nw = set(rwr, RW) }
	function val(f,   v) { v = f; sub(/^[a-z]+:/, "", v); return v }
	{
		if (ns && !($2 in S)) next
		if ($1 == "rw") {
			if (norw) next
			# the read side alone (1 reader, no writer) is always kept
			if (nw && !(val($3) in RW) && !(val($3) == "1" && val($4) == "0")) next
			print; next
		}
		if (nc && !($1 in C)) next
		rate = val($6)
		# The rate sweep: the points at another rate than the thread sweep
		# (they are at threads = CPUs, updater loop).
		if (rate != base) { if (norates) next; if (nr && !(rate in RA)) next; print; next }
		# The default matrix adds the outside updater at threads = CPUs.
		if (!(val($4) in U) && !(defupd && !quick && val($4) == "outside" && val($3) == cpus)) next
		if (nt && !(val($3) in T)) next
		# The default matrix leaves out 128 and 256 busy threads
		# (saturated, mixed): seconds per point on a small machine.
		if (!nt && !quick && val($3) + 0 > 64 && ($1 == "saturated" || $1 == "mixed")) next
		print
	}')
[ -n "$selected" ] || { echo "$prog: the options select no benchmark point" >&2; exit 2; }
total=$(printf '%s\n' "$selected" | wc -l)
if [ $list = 1 ]; then
	printf '%s\n' "$selected"
	exit 0
fi

# ---- the results folder -------------------------------------------------------

ws=${BUILD_WORKSPACE_DIRECTORY:-}
if [ -z "$root" ]; then
	[ -n "$ws" ] || { echo "$prog: not run through bazel run: give --results-root=DIR" >&2; exit 2; }
	root=$ws/results
fi
case $root in /*) ;; *) root=${BUILD_WORKING_DIRECTORY:-$PWD}/$root ;; esac
mkdir -p "$root" || exit 1
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
mkdir "$tmp" || exit 1
echo "started $(date -u +%FT%TZ); points finished: 0 of $total" >"$tmp/INCOMPLETE" && mv "$tmp/INCOMPLETE" "$out/INCOMPLETE"

# Atomic write: the content of $2 (a file in $tmp) becomes $out/$1.
publish() { mv -f "$2" "$out/$1"; }

# ---- the suite's context --------------------------------------------------------

cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null)
compiler=$(gcc --version 2>/dev/null | head -n1)
# The flags the benchmark was really compiled with: DWARF's producer string of
# its compile units (gcc -g records the command-line options there).
cflags=$(readelf --debug-dump=info "$BIN" 2>/dev/null | awk -F': ' '/DW_AT_producer/ && /GNU C1/ { sub(/^.*\(indirect string, offset: 0x[0-9a-f]+\): /, ""); print; exit }')
kernel=$(uname -sr)
started=$(date -u +%FT%TZ)
jq -n --arg cpu_model "$cpu_model" --argjson online_cpus "$cpus" --arg kernel "$kernel" \
	--arg compiler "$compiler" --arg cflags "$cflags" --arg commit "$commit" --argjson dirty $dirty \
	--arg host "$host" --arg placement "$placement" --argjson duration "$duration" \
	--argjson repetitions "$repetitions" --argjson quick $([ $quick = 1 ] && echo true || echo false) \
	--arg started "$started" --arg args "$*" --argjson points "$total" --argjson sweep_rate "$sweep_rate" --arg rates "$sweep_rates" '{
	suite: "syncbench compare", cpu_model: $cpu_model, online_cpus: $online_cpus,
	kernel: $kernel, compiler: $compiler, cflags: $cflags, commit: $commit,
	commit_dirty: $dirty, host_short: $host, placement: $placement,
	oversubscribed_when: "participants (loop threads + outside updater) > online_cpus",
	duration_s: $duration, repetitions: $repetitions, quick: $quick,
	compare_args: $args, started: $started, points_selected: $points,
	sweep_rate: $sweep_rate, rate_sweep: $rates
	}' >"$tmp/suite.json" || exit 1

# ---- running ----------------------------------------------------------------------

interrupted=""
child=""
on_signal() {
	interrupted=$1
	[ -z "$child" ] || kill -TERM "$child" 2>/dev/null
}
trap 'on_signal INT' INT
trap 'on_signal TERM' TERM

: >"$tmp/summary.txt"
echo '{}' >"$tmp/gb_context.json"
have_ctx=0
: >"$tmp/bench.log"
# Every finished point's JSON, renamed into points/ (numbered in run order)
# the moment it is complete; 00000.json is an empty start.
mkdir "$tmp/points" && echo '{"benchmarks": []}' >"$tmp/points/00000.json"
t_start=$(date +%s.%N)
done_n=0
last_merge=0
skipped_n=0
failed_n=0

# Rewrites benchmarks.json (and summary.txt, bench.log) from what finished so far.
merge() { # incomplete(true|false)
	jq -n --slurpfile suite "$tmp/suite.json" --slurpfile gbc "$tmp/gb_context.json" \
		--argjson incomplete "$1" --arg finished "$(date -u +%FT%TZ)" --argjson done "$done_n" \
		--arg interrupted "$interrupted" -f "$MERGE_JQ" "$tmp"/points/*.json >"$tmp/benchmarks.json" &&
		publish benchmarks.json "$tmp/benchmarks.json"
	cp "$tmp/summary.txt" "$tmp/summary.txt.pub" && publish summary.txt "$tmp/summary.txt.pub"
	cp "$tmp/bench.log" "$tmp/bench.log.pub" && publish bench.log "$tmp/bench.log.pub"
}

re_escape() { printf '%s' "$1" | sed 's/[].[^$*+?(){}|\\]/\\&/g'; }

echo "$prog: $total points, ${duration}s each (+ a no-update baseline of half that), into $out" >&2
i=0
while IFS= read -r name; do
	[ -z "$interrupted" ] || break
	i=$((i + 1))
	now=$(date +%s.%N)
	eta=$(awk -v s="$t_start" -v n="$now" -v i="$i" -v t="$total" 'BEGIN { e = n - s; printf "elapsed %ds", e; if (i > 1) printf ", ~%ds left", e / (i - 1) * (t - i + 1) }')
	printf '%s: [%d/%d] %s (%s)\n' "$prog" "$i" "$total" "$name" "$eta" >&2
	rm -f "$tmp/point.json" "$tmp/point.sum"
	"$BIN" --benchmark_filter="^$(re_escape "$name")\$" --benchmark_out="$tmp/point.json" \
		--benchmark_out_format=json --benchmark_repetitions="$repetitions" \
		--duration="$duration" --placement="$placement" --summary="$tmp/point.sum" \
		--rate=$sweep_rate --rates=$sweep_rates $floors \
		>"$tmp/point.out" 2>"$tmp/point.err" </dev/null &
	child=$!
	wait "$child"
	status=$?
	# A signal interrupts wait before the child is gone: wait again.
	while kill -0 "$child" 2>/dev/null; do
		wait "$child"
		status=$?
	done
	child=""
	{ printf '== %s (exit %d)\n' "$name" "$status"; cat "$tmp/point.err"; } >>"$tmp/bench.log"
	if [ -n "$interrupted" ]; then
		break # the point did not finish: nothing of it is kept
	fi
	# The point's result line(s) on stderr from its JSON, which also
	# proves the JSON complete; the last line says whether a run of it was
	# skipped (1) or not (0).
	if [ $status -eq 0 ] && jq -r 'if (.benchmarks | length) == 0 then error("no benchmarks") else . end
		| [.benchmarks[] | select(.run_type != "aggregate")] as $r
		| ($r[] | if .error_occurred then "    skipped: \(.error_message)"
		  elif .updates == 0 then "    no update completed (\(.label // ""))"
		  elif .update_p50_ns != null then "    update p50 \(.update_p50_ns | floor) ns, p99 \(.update_p99_ns | floor) ns, \(.sync_wakeups_per_update * 100 | round / 100) sync wakeups/update\(if .oversubscribed == 1 then " (oversubscribed)" else "" end)"
		  elif .reads_per_s != null then "    \(.reads_per_s | floor) reads/s, \(.writes_per_s | floor) writes/s"
		  else "    done" end),
		  (if any($r[]; .error_occurred == true) then 1 else 0 end)' "$tmp/point.json" >"$tmp/point.line" 2>/dev/null; then
		# The first finished point gives Google Benchmark's own context.
		if [ $have_ctx = 0 ]; then
			jq '.context' "$tmp/point.json" >"$tmp/gb_context.json" && have_ctx=1
		fi
	else
		# The process failed (the watchdog exits 3, a crash): the point is
		# kept as an error entry. The first diagnostic line says why (the
		# watchdog's verdict), the last how it ended; both, cut to stay one
		# readable line.
		failed_n=$((failed_n + 1))
		first=$(grep -v '^compare_bench: \[' "$tmp/point.err" | grep -m 1 -i 'watchdog\|error\|fail\|abort\|sanitizer' | cut -c 1-240)
		last=$(grep -v '^compare_bench: \[' "$tmp/point.err" | tail -n 1 | cut -c 1-240)
		why="compare_bench exited with status $status${first:+: $first}"
		[ -z "$last" ] || [ "$last" = "$first" ] || why="$why; $last"
		jq -n --arg n "$name" --arg why "$why" \
			'{benchmarks: [{name: $n, run_name: $n, run_type: "iteration", repetitions: 1,
			   repetition_index: 0, iterations: 0, error_occurred: true, error_message: $why}]}' \
			>"$tmp/point.json"
		printf '    skipped: %s\n1\n' "$why" >"$tmp/point.line"
	fi
	mv -f "$tmp/point.json" "$tmp/points/$(printf '%05d' "$i").json"
	[ ! -s "$tmp/point.sum" ] || cat "$tmp/point.sum" >>"$tmp/summary.txt"
	done_n=$((done_n + 1))
	sed '$d' "$tmp/point.line" >&2
	[ "$(tail -n 1 "$tmp/point.line")" = 0 ] || skipped_n=$((skipped_n + 1))
	# benchmarks.json is rewritten (valid, "incomplete": true) at most every
	# few seconds: each rewrite reads everything so far. An interrupt merges
	# at once below; .tmp/points/ always has every finished point.
	now_s=$(date +%s)
	if [ $((now_s - last_merge)) -ge 5 ]; then
		merge true
		last_merge=$now_s
	fi
done <<EOF
$selected
EOF

elapsed=$(awk -v s="$t_start" -v n="$(date +%s.%N)" 'BEGIN { printf "%.0f", n - s }')
if [ -n "$interrupted" ] || [ $done_n -lt "$total" ]; then
	merge true
	echo "interrupted by SIG$interrupted after ${elapsed}s; points finished: $done_n of $total" >"$tmp/INCOMPLETE"
	publish INCOMPLETE "$tmp/INCOMPLETE"
else
	merge false
	rm -f "$out/INCOMPLETE"
fi
trap - INT TERM

# ---- summary and plots (also for an interrupted run) ---------------------------

"$SUMMARY_SH" "$out/benchmarks.json" >"$tmp/summary.md" && publish summary.md "$tmp/summary.md" ||
	echo "$prog: summary.md could not be written" >&2
if [ $plots = 1 ]; then
	"$RENDER_SH" "$out" >&2 || echo "$prog: some plots could not be rendered" >&2
fi
rm -rf "$tmp"

echo "$prog: $done_n of $total points in ${elapsed}s ($skipped_n with a skipped or failed run, $failed_n process failures)" >&2
if [ -n "$interrupted" ]; then
	echo "$prog: INCOMPLETE (interrupted by SIG$interrupted): finished points are in $out" >&2
fi
echo "results: $out"
echo "summary: $out/summary.md"
[ $plots = 0 ] || echo "plots:   $out/plots/"
case $interrupted in
INT) exit 130 ;;
TERM) exit 143 ;;
esac
exit 0
