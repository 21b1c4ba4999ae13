#!/usr/bin/env bash
# flags_table_test.sh - every binary of the project, every kind
# of bad value, one table.
#
# Arguments: NAME=PATH for each binary under test (the BUILD rule passes every
# binary that exists: readers_writers, pollsim, compare, compare_bench,
# compare_runs, render, gbench_demo, gbench_overhead_bench), and fixture=PATH:
# a results folder's benchmarks.json (testdata/flags_table_run, made by
# `compare --strategies=none,rwlock --scenarios=idle,saturated --duration=0.02`)
# for the valid render / compare_runs rows. Rows for a binary that was not
# passed are skipped, and the test says so.
#
# Each "bad" row: the binary, the text its one-line error must hold (the flag;
# for a positional argument, the argument), and the arguments. The arguments
# are otherwise valid and ask for a tiny or listing-only run, so that a binary
# which wrongly ACCEPTS the bad value ends quickly with status 0 (and fails the
# row) instead of running for long; every call is also bounded by `timeout`.
# A bad row passes when:
#   - the exit status is exactly 2,
#   - stderr is exactly one line,
#   - that line names the flag.
# Each "good" row must exit 0.
# "xbad" rows are known failures, reported to the binary's owner: they print
# XFAIL and do not fail the test; a row that starts passing prints XPASS and
# fails the test, so that it is moved back to "bad" (a strict xfail).
set -uo pipefail

declare -A bin=()
for a in "$@"; do
	bin[${a%%=*}]=${a#*=}
done

rows=0
skipped=()
tmp=${TEST_TMPDIR:-$(mktemp -d)}
# Rows run in parallel (sanitizer builds start slowly); results print in order.
jobs_max=4
# Bazel sharding (shard_count in BUILD): row n runs in shard (n - 1) % total.
shards=${TEST_TOTAL_SHARDS:-1}
shard=${TEST_SHARD_INDEX:-0}
[ -n "${TEST_SHARD_STATUS_FILE:-}" ] && touch "$TEST_SHARD_STATUS_FILE"
mine() {
	[ $(((rows - 1) % shards)) -eq "$shard" ]
}

# check_bad N XFAIL NAME FLAG ARGS... : exit 2, one stderr line naming FLAG.
check_bad() {
	local n=$1 xfail=$2 name=$3 flag=$4
	shift 4
	local out=$tmp/$n.out err=$tmp/$n.err why="" lines shown
	timeout 60 "${bin[$name]}" "$@" >"$out" 2>"$err" </dev/null
	local rc=$?
	lines=$(wc -l <"$err")
	if [ "$rc" -ne 2 ]; then
		why="exit status $rc, not 2"
	elif [ "$lines" -ne 1 ] || [ "$(wc -c <"$err")" -eq "$lines" ]; then
		why="stderr has $lines lines, not exactly one"
	elif ! grep -qF -- "$flag" "$err"; then
		why="stderr does not name $flag"
	fi
	shown=$(printf '%q ' "$@")
	if [ -n "$why" ] && [ "$xfail" = 1 ]; then
		echo "XFAIL $name $shown: $why (known; owner told); stderr: $(head -c 300 "$err" | tr '\n' '|')"
	elif [ -n "$why" ]; then
		echo "FAIL $name $shown: $why; stderr: $(head -c 600 "$err" | tr '\n' '|')"
	elif [ "$xfail" = 1 ]; then
		echo "FAIL (XPASS) $name $shown: passes now: move this row from xbad to bad"
	else
		echo "ok   $name $shown: $(cat "$err")"
	fi >"$tmp/$n.res"
}

# check_good N NAME ARGS... : exit 0.
check_good() {
	local n=$1 name=$2
	shift 2
	local err=$tmp/$n.err shown
	timeout 120 "${bin[$name]}" "$@" >"$tmp/$n.out" 2>"$err" </dev/null
	local rc=$?
	shown=$(printf '%q ' "$@")
	if [ "$rc" -ne 0 ]; then
		echo "FAIL $name $shown: valid invocation exited $rc; stderr: $(head -c 600 "$err" | tr '\n' '|')"
	else
		echo "ok   $name $shown: exit 0"
	fi >"$tmp/$n.res"
}

spawn() {
	while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do
		wait -n
	done
	"$@" &
}

# queue NAME CHECK ARGS... : one more row, `CHECK <row> ARGS...` in the
# background; skipped when NAME's binary is absent, left to another shard when
# the row is not this one's.
queue() {
	if [ -z "${bin[$1]:-}" ]; then
		skipped+=("$1")
		return
	fi
	rows=$((rows + 1))
	mine || return 0
	local check=$2
	shift 2
	spawn "$check" "$rows" "$@"
}

# bad NAME FLAG ARGS... / xbad NAME FLAG ARGS... / good NAME ARGS... : queue a row.
bad() { queue "$1" check_bad 0 "$@"; }
xbad() { queue "$1" check_bad 1 "$@"; }
good() { queue "$1" check_good "$@"; }

# Values every numeric flag must refuse, with a label for the report.
# (zero is listed per flag: it is valid for some, e.g. --writers=0.)
numeric_bad=(-1 abc nan inf 1e999 99999999999999999999 2x 0.1s "" " 1" 0x10)

# numeric NAME "ARGS" FLAG... : a bad row for each FLAG and each of those
# values, after the valid ARGS.
numeric() {
	local name=$1 base=$2 f v
	shift 2
	for f; do
		for v in "${numeric_bad[@]}"; do
			# shellcheck disable=SC2086
			bad "$name" "--$f" $base "--$f=$v"
		done
	done
}

# A strategy with a thread limit, when one is registered: wake_all (64).
has_strategy() {
	[ -n "${bin[readers_writers]:-}" ] && "${bin[readers_writers]}" --list | awk '{print $1}' | grep -qx "$1"
}

# ---- //bench:readers_writers ----
rw="--strategy=none --readers=1 --writers=1 --duration=0.01 --quiet"
good readers_writers $rw
good readers_writers --help
good readers_writers --list
numeric readers_writers "$rw" readers writers duration read-delay write-hold write-delay quiesce-every watchdog
bad readers_writers --readers $rw --readers=0
bad readers_writers --duration $rw --duration=0
bad readers_writers --duration $rw --duration=0.0
bad readers_writers --quiesce-every $rw --quiesce-every=0
bad readers_writers --watchdog $rw --watchdog=0
bad readers_writers --readers $rw --readers=1000000
bad readers_writers --writers $rw --writers=1000000
bad readers_writers --duration $rw --duration=1e9
bad readers_writers --read-delay $rw --read-delay=99999999999999
bad readers_writers --writers $rw --readers=1000 --writers=1000
bad readers_writers --strategy --strategy=nosuch --duration=0.01
bad readers_writers --strategy --strategy= --duration=0.01
bad readers_writers --strategy --duration=0.01
bad readers_writers --reclaim $rw --reclaim=bogus
bad readers_writers --reclaim $rw --reclaim=defer
bad readers_writers --bogus $rw --bogus=1
bad readers_writers --bogus $rw --bogus
bad readers_writers stray $rw stray
bad readers_writers --readers --strategy=none --duration=0.01 --readers
bad readers_writers --duration --strategy=none --readers=1 --duration
bad readers_writers --quiet $rw --quiet=1
bad readers_writers --duration $rw $'--duration=1\n2'
if has_strategy wake_all; then
	bad readers_writers --readers --strategy=wake_all --readers=64 --writers=1 --duration=0.01
fi
if has_strategy harmless_mask; then
	bad readers_writers --readers --strategy=harmless_mask --readers=65 --writers=0 --duration=0.01
fi

# ---- //bench:pollsim ----
ps="--strategy=none --threads=1 --duration=0.01 --baseline=off --quiet"
good pollsim $ps
good pollsim --help
good pollsim --list
numeric pollsim "$ps" threads duration update-rate event-cost-us event-rate table-size watchdog seed
bad pollsim --threads $ps --threads=0
bad pollsim --threads $ps --threads=1000000
bad pollsim --duration $ps --duration=0
bad pollsim --duration $ps --duration=1e9
bad pollsim --watchdog $ps --watchdog=0
bad pollsim --event-rate $ps --event-rate=0
bad pollsim --table-size $ps --table-size=0
bad pollsim --update-rate $ps --update-rate=1e12
bad pollsim --strategy --strategy=nosuch --threads=1 --duration=0.01 --baseline=off
bad pollsim --strategy --strategy= --threads=1 --duration=0.01 --baseline=off
bad pollsim --scenario $ps --scenario=nosuch
bad pollsim --scenario $ps --scenario=
bad pollsim --updater $ps --updater=nosuch
bad pollsim --placement $ps --placement=nosuch
bad pollsim --arrival $ps --arrival=nosuch
bad pollsim --reclaim $ps --reclaim=nosuch
bad pollsim --reclaim $ps --reclaim=defer
bad pollsim --baseline $ps --baseline=nosuch
bad pollsim --stall $ps --stall=abc
bad pollsim --stall $ps --stall=0:nan
bad pollsim --stall $ps --stall=0:-5
bad pollsim --stall $ps --stall=0:
bad pollsim --stall $ps --stall=:5
bad pollsim --stall $ps --stall=5:10
bad pollsim --stall $ps --stall=0:1e999
bad pollsim --fail $ps --fail=abc
bad pollsim --fail $ps --fail=deinit:0
bad pollsim --fail $ps --fail=alloc:-1
bad pollsim --fail $ps --fail=alloc:99
bad pollsim --fail $ps --fail=spawn:99
bad pollsim --fail $ps --fail=spawn:
bad pollsim --bogus $ps --bogus=1
bad pollsim --bogus $ps --bogus
bad pollsim stray $ps stray
bad pollsim --threads --strategy=none --duration=0.01 --baseline=off --threads
bad pollsim --duration --strategy=none --threads=1 --baseline=off --duration
bad pollsim --quiet $ps --quiet=1
bad pollsim --duration $ps $'--duration=1\n2'
if has_strategy wake_all; then
	bad pollsim --threads --strategy=wake_all --threads=64 --duration=0.01 --baseline=off
fi
if has_strategy harmless_mask; then
	bad pollsim --threads --strategy=harmless_mask --threads=65 --duration=0.01 --baseline=off
fi

# ---- the results fixture, copied: render writes plots/ next to it ----
run_dir=""
if [ -n "${bin[fixture]:-}" ]; then
	run_dir=$tmp/run
	mkdir -p "$run_dir" "$tmp/empty_dir" "$tmp/not_json"
	cp "${bin[fixture]}" "$run_dir/benchmarks.json"
	cp "$(dirname "${bin[fixture]}")/records.txt" "$(dirname "${bin[fixture]}")/stats.json" "$run_dir/"
	chmod u+w "$run_dir/benchmarks.json" "$run_dir/records.txt" "$run_dir/stats.json"
	echo "not json" >"$tmp/not_json/stats.json"
	echo "not json" >"$tmp/not_json/benchmarks.json"
	echo "not a record" >"$tmp/not_json/records.txt"
	mkdir -p "$tmp/empty_json" "$tmp/with space"
	: >"$tmp/empty_json/benchmarks.json"
	: >"$tmp/empty_json/records.txt"
	cp "$run_dir/benchmarks.json" "$run_dir/records.txt" "$tmp/with space/"
fi

# ---- //:compare (bench/compare.sh) ----
# --list: validates everything, then prints the points instead of running them.
cl="--list"
good compare --list
good compare --help
# one point, no plots, into the test's temporary folder
good compare --quick --strategies=none --scenarios=idle --threads=2 --no-rw --no-rates \
	--duration=0.005 --no-plots --results-root="$tmp/results"
for v in -1 abc nan inf 1e999 99999999999999999999 2x 0.1s " 1" 0x10 0 0.0 0.0001 1e9 3601 "" -n; do
	bad compare --duration $cl "--duration=$v"
done
for v in -1 abc nan 0 51 99999999999999999999 2x " 1" 1.5 ""; do
	bad compare --repetitions $cl "--repetitions=$v"
done
bad compare --placement $cl --placement=bogus
bad compare --placement $cl --placement=
bad compare --strategies $cl --strategies=nosuch
bad compare --strategies $cl --strategies=none,
bad compare --strategies $cl --strategies=,none
bad compare --scenarios $cl --scenarios=nosuch
bad compare --threads $cl --threads=3
bad compare --threads $cl --threads=0
bad compare --threads $cl --threads=-1
bad compare --threads $cl --threads=abc
bad compare --threads $cl --threads=99999999999999999999
bad compare --updaters $cl --updaters=bogus
bad compare --bogus $cl --bogus
bad compare --bogus $cl --bogus=1
bad compare stray $cl stray
bad compare --duration $cl --duration
bad compare --quick $cl --quick=1
# empty values: a missing value, not "the default"
bad compare --strategies $cl --strategies=
bad compare --scenarios $cl --scenarios=
bad compare --threads $cl --threads=
bad compare --updaters $cl --updaters=
bad compare --results-root $cl --results-root=
# values that look like flags
bad compare --threads $cl --threads=-n
bad compare --scenarios $cl --scenarios=-n
bad compare --updaters $cl --updaters=-n
bad compare --strategies $cl --strategies=-n
bad compare --quick $cl --quick --full
for v in 0 -1 abc 101 "" 1.2.3 .5 5.; do
	bad compare --until-ci $cl "--until-ci=$v"
done
for v in 0 -1 abc 51 ""; do
	bad compare --max-repetitions $cl --until-ci=5 "--max-repetitions=$v"
done
bad compare --max-repetitions $cl --max-repetitions=10
bad compare --max-repetitions $cl --until-ci=5 --repetitions=8 --max-repetitions=7

# ---- //bench:compare_bench (its own flags; Google Benchmark's --benchmark_*) ----
cb="--benchmark_list_tests=true"
good compare_bench $cb
good compare_bench '--benchmark_filter=^idle/none/threads:1/updater:loop/reclaim:sync/rate:200/' \
	--duration=0.01 --floors-budget=0
for f in duration baseline-duration rate; do
	for v in -1 abc nan inf 1e999 99999999999999999999 2x "" 0x10 0; do
		bad compare_bench "--$f" $cb "--$f=$v"
	done
done
for v in -1 abc nan 1e999 11 ""; do
	bad compare_bench --floors-budget $cb "--floors-budget=$v"
done
bad compare_bench --rates $cb --rates=
bad compare_bench --rates $cb --rates=abc
bad compare_bench --rates $cb --rates=1,-1
bad compare_bench --rates $cb --rates=,1
bad compare_bench --rates $cb --rates=1,
bad compare_bench --rates $cb --rates=1,,2
bad compare_bench --placement $cb --placement=bogus
bad compare_bench --summary $cb --summary=
bad compare_bench --bogus $cb --bogus=1
bad compare_bench --bogus $cb --bogus
bad compare_bench stray $cb stray
bad compare_bench --duration $cb --duration
# Google Benchmark's own flags that the library would abort on, checked first
bad compare_bench --benchmark_min_time $cb --benchmark_min_time=abc
for v in abc -1 0 "" 1e3 99999999999999999999; do
	bad compare_bench --benchmark_repetitions $cb "--benchmark_repetitions=$v"
done
bad compare_bench --benchmark_filter $cb '--benchmark_filter=('
bad compare_bench --benchmark_filter $cb '--benchmark_filter=a[b'
# the matrix and its selections
bad compare_bench --matrix $cb --matrix=bogus
bad compare_bench --matrix $cb --matrix=
for f in strategies scenarios threads updaters; do
	for v in -n "" nosuch, ,x; do
		bad compare_bench "--$f" $cb "--$f=$v"
	done
done
bad compare_bench --threads $cb --threads=3
for f in repetition plan; do
	for v in 0 -1 abc 1001 ""; do
		bad compare_bench "--$f" $cb "--$f=$v"
	done
done
bad compare_bench --records $cb --records=
# the orchestrator's progress descriptor: open, >= 3, and with its total
for v in 1 2 abc -1 "" 999; do
	bad compare_bench --progress-fd $cb "--progress-fd=$v"
done
bad compare_bench --progress-fd $cb --progress-fd=0 --progress-total=3
for v in 0 -1 abc ""; do
	bad compare_bench --progress-total $cb "--progress-total=$v"
done
for v in -1 abc ""; do
	bad compare_bench --progress-done $cb "--progress-done=$v"
done
for v in -1 abc nan ""; do
	bad compare_bench --progress-elapsed $cb "--progress-elapsed=$v"
done
good compare_bench --list-points --matrix=quick
good compare_bench --plan=3 --matrix=full

# ---- //bench:compare_runs ----
if [ -n "$run_dir" ]; then
	good compare_runs "$run_dir" "$run_dir"
	good compare_runs "$run_dir" "$run_dir" --metric=reads_per_s
	bad compare_runs usage
	bad compare_runs usage "$run_dir"
	bad compare_runs usage "$run_dir" "$run_dir" "$run_dir"
	bad compare_runs --metric "$run_dir" "$run_dir" --metric=
	bad compare_runs --metric "$run_dir" "$run_dir" '--metric=Bad!'
	bad compare_runs --bogus "$run_dir" "$run_dir" --bogus
	bad compare_runs /nonexistent "$run_dir" /nonexistent
	bad compare_runs "$tmp/empty_dir" "$run_dir" "$tmp/empty_dir"
	bad compare_runs "$tmp/not_json" "$run_dir" "$tmp/not_json"
	bad compare_runs "$tmp/empty_json" "$run_dir" "$tmp/empty_json"
	bad compare_runs "$tmp/empty_json" "$tmp/empty_json" "$run_dir"
	bad compare_runs "$tmp/not_json" "$tmp/not_json/benchmarks.json" "$run_dir"
	good compare_runs "$tmp/with space" "$run_dir"
	good compare_runs "$tmp/with space/benchmarks.json" "$run_dir/benchmarks.json"
fi

# ---- //plots:render ----
if [ -n "$run_dir" ]; then
	good render "$run_dir"
	bad render usage
	bad render usage "$run_dir" "$run_dir"
	bad render /nonexistent /nonexistent
	bad render "$tmp/empty_dir" "$tmp/empty_dir"
	bad render "$tmp/not_json" "$tmp/not_json"
	bad render --bogus --bogus
fi

# ---- //bench:gbench_demo, //bench:gbench_overhead_bench (Google Benchmark's flags) ----
for g in gbench_demo gbench_overhead_bench; do
	good "$g" --benchmark_list_tests=true
	bad "$g" --bogus --benchmark_list_tests=true --bogus
	bad "$g" stray --benchmark_list_tests=true stray
	xbad "$g" --benchmark_min_time --benchmark_list_tests=true --benchmark_min_time=abc
	xbad "$g" --benchmark_repetitions --benchmark_list_tests=true --benchmark_repetitions=abc
done

# ---- summary ----
wait
failed=0
xfailed=0
for n in $(seq $((shard + 1)) "$shards" "$rows"); do
	if [ ! -s "$tmp/$n.res" ]; then
		echo "FAIL row $n: no result"
		failed=$((failed + 1))
		continue
	fi
	cat "$tmp/$n.res"
	grep -q '^FAIL' "$tmp/$n.res" && failed=$((failed + 1))
	grep -q '^XFAIL' "$tmp/$n.res" && xfailed=$((xfailed + 1))
done
if [ "${#skipped[@]}" -gt 0 ]; then
	echo "skipped rows of binaries not given: $(printf '%s\n' "${skipped[@]}" | sort -u | tr '\n' ' ')"
fi
echo "$rows rows ($(seq $((shard + 1)) "$shards" "$rows" | wc -l) in shard $shard of $shards), $failed failed, $xfailed known failures (XFAIL)"
grep -h '^FAIL' "$tmp"/*.res 2>/dev/null | sed 's/^FAIL/  failed:/'
[ "$failed" -eq 0 ]
