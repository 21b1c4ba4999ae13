#!/bin/bash
# goals.sh - measures the project's speed goals, each as a ratio of two
# figures taken side by side in the same rounds on this machine (never
# absolute times across runs). `./bazelw run //bench:goals [-- --rounds=N
# --duration=S]`.
#
# Every comparison alternates its two sides (A B A B ...) for --rounds rounds
# (default 6: the fewest that give a distribution-free 95% interval), takes
# the ratio in each round, and hands the rounds to `analyze goal`, which
# prints each side's median and interval, the ratio's median and interval,
# and MET (the whole interval meets the bound), MISSED (the whole interval
# misses it) or "not separable from noise". Progress goes to stderr.
#
# Goals:
#  G1 harmless_mask, idle peers: p50 time to isolate <= 2 x cache-line round
#     trip (the floor measured by the same pollsim run).
#  G2 wake_all, idle peers: sync wakeups per update = N loop threads (the
#     outside updater is the requester), within 5%; CPU per update per woken
#     thread shown against the wake floor.
#  G3 harmless_mask, busy peer: p50 time to isolate <= event cost + 2 x
#     cache-line round trip.
#  G4 harmless_membarrier vs harmless_mask, saturated, 2 x cores threads, no
#     updates: loop iterations (events) per second, membarrier/mask > 1.
#  G5 qsbr vs urcu_qsbr (readers_writers): synchronize p50 ratio <= 1.0 (1
#     reader, 1 writer) and read-side cost ratio (ns per read, 1 reader, no
#     writer) <= 1.05.
#  G6 harness floor (harness_floor_bench): qsbr read through the
#     readers/writers harness vs a bare inlined QSBR reader loop <= 1.10;
#     none through the harness vs the bare read body shown.
#  G7 poll-loop bookkeeping (loop_floor_bench): a saturated simulator
#     iteration (strategy none, 0 us events) minus a bare epoll_wait(0),
#     against the smallest event cost of the matrix (0.2 us): <= 5%; and the
#     same beyond the event's own timing (minus a poll loop that times each
#     event: two clock reads and a histogram record). The same three sides
#     again with a stub for the poll (loop_floor_stub_bench: simulator and
#     references built with a call that reports the event ready without the
#     syscall, whose drift is larger than the differences): the same goal,
#     resolved to a few ns.
set -u

prog=goals
rounds=6
duration=1
for arg in "$@"; do
	case $arg in
	--rounds=*)
		rounds=${arg#*=}
		case $rounds in
		'' | *[!0-9]* | 0*) echo "$prog: --rounds '$rounds': a whole number from 1 to 50" >&2; exit 2 ;;
		esac
		[ "$rounds" -le 50 ] || { echo "$prog: --rounds '$rounds': a whole number from 1 to 50" >&2; exit 2; }
		;;
	--duration=*)
		duration=${arg#*=}
		awk -v d="$duration" 'BEGIN { exit !(d ~ /^[0-9]+(\.[0-9]+)?$/ && d > 0 && d <= 60) }' ||
			{ echo "$prog: --duration '$duration': seconds, a number in (0, 60]" >&2; exit 2; }
		;;
	--help)
		sed -n '2,/^set -u/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
		exit 0
		;;
	*)
		echo "$prog: unknown argument '$arg': allowed --rounds=N, --duration=S, --help" >&2
		exit 2
		;;
	esac
done

# The runfiles root (bazel run, bazel test), else the source tree (run by hand).
for R in ${RUNFILES_DIR:+"$RUNFILES_DIR/syncbench"} "$0.runfiles/syncbench" ${TEST_SRCDIR:+"$TEST_SRCDIR/syncbench"} \
	"$(cd "$(dirname "$0")/../.." && pwd)"; do [ -d "$R" ] && break; done
POLLSIM=${POLLSIM:-$R/bench/sim/pollsim}
RW=${RW:-$R/bench/rw/readers_writers}
HARNESS_FLOOR=${HARNESS_FLOOR:-$R/bench/rw/harness_floor_bench}
LOOP_FLOOR=${LOOP_FLOOR:-$R/bench/sim/loop_floor_bench}
LOOP_FLOOR_STUB=${LOOP_FLOOR_STUB:-$R/bench/sim/loop_floor_stub_bench}
ANALYZE=${COMPARE_ANALYZE:-$R/bench/compare/analyze}

# key SUMMARY-line -> value
val() { awk -v k="$1" '{ for (i = 2; i < NF; i += 2) if ($i == k) { print $(i + 1); exit } }' <<<"$2"; }
# "a b" per round on stdin -> one verdict line (analyze goal OP BOUND)
goal() { "$ANALYZE" goal "$1" "$2" || { echo "$prog: analyze goal failed" >&2; exit 1; }; }

# summary NAME BINARY ARGS...: the SUMMARY line of one quiet run of BINARY, or exit 1 naming NAME
summary() {
	local name=$1 bin=$2 out
	shift 2
	out=$("$bin" --quiet --duration="$duration" "$@" 2>/dev/null | tail -n 1)
	case $out in
	SUMMARY*) printf '%s\n' "$out" ;;
	*) echo "$prog: $name $* failed" >&2; exit 1 ;;
	esac
}
run_pollsim() { summary pollsim "$POLLSIM" "$@"; }
run_rw() { summary readers_writers "$RW" "$@"; }

cpus=$(getconf _NPROCESSORS_ONLN)
echo "# goals: $rounds rounds of ${duration}s per side; per round ratio, median [95% interval]; $cpus online CPUs; $(date -u +%FT%TZ)"

# G1 and G3: isolate time against the floors of the same run.
for scen in idle saturated; do
	pairs="" cost=2
	for ((i = 1; i <= rounds; i++)); do
		echo "$prog: G1/G3 $scen round $i/$rounds" >&2
		s=$(run_pollsim --strategy=harmless_mask --scenario="$scen" --threads=1 --updater=outside \
			--update-rate=1000 --event-cost-us=$cost --baseline=off)
		t=$(val time_to_safe_p50_ns "$s")
		c=$(val floor_cacheline_rtt_ns "$s")
		if [ "$scen" = idle ]; then
			pairs="$pairs$t $c"$'\n'
		else
			pairs="$pairs$t $(awk -v c="$c" -v e="$cost" 'BEGIN { print e * 1000 + 2 * c }')"$'\n'
		fi
	done
	if [ "$scen" = idle ]; then
		echo "G1 harmless_mask idle peers: isolate p50 (ns) vs cache-line rtt (ns): $(printf '%s' "$pairs" | goal '<=' 2) (goal: ratio <= 2)"
	else
		echo "G3 harmless_mask busy peer (1 saturated thread + outside updater): isolate p50 (ns) vs ${cost} us event + 2 cache-line rtt (ns): $(printf '%s' "$pairs" | goal '<=' 1) (goal: ratio <= 1)"
	fi
done

# G2: wake_all wakes every sleeping loop thread once per update.
for n in 1 2 4 8; do
	pairs="" cpu=""
	for ((i = 1; i <= rounds; i++)); do
		echo "$prog: G2 wake_all threads $n round $i/$rounds" >&2
		s=$(run_pollsim --strategy=wake_all --scenario=idle --no-events --threads="$n" --updater=outside \
			--update-rate=200)
		pairs="$pairs$(val sync_wakeups_per_update "$s") $n"$'\n'
		cpu="$cpu$(val cpu_ns_per_update "$s") $(awk -v w="$(val floor_wake_rtt_ns "$s")" -v n="$n" 'BEGIN { print w * n }')"$'\n'
	done
	over=$((n + 1 > cpus))
	echo "G2 wake_all idle, $n loop threads$([ $over = 1 ] && echo ' (oversubscribed)'): sync wakeups/update vs $n: $(printf '%s' "$pairs" | goal '==' 1) (goal: = $n within 5%)"
	echo "G2 wake_all idle, $n loop threads: CPU/update (ns) vs $n x wake rtt (ns): $(printf '%s' "$cpu" | goal - 1) (shown: the CPU an update costs against $n wakeups at the wake floor)"
done

# G4: per-iteration loop cost, saturated, 2 x cores threads, no updates.
pairs=""
for ((i = 1; i <= rounds; i++)); do
	echo "$prog: G4 round $i/$rounds" >&2
	a=$(val events_per_s "$(run_pollsim --strategy=harmless_mask --scenario=saturated --threads=$((2 * cpus)) --update-rate=0 --event-cost-us=0.2)")
	b=$(val events_per_s "$(run_pollsim --strategy=harmless_membarrier --scenario=saturated --threads=$((2 * cpus)) --update-rate=0 --event-cost-us=0.2)")
	pairs="$pairs$b $a"$'\n'
done
echo "G4 saturated, $((2 * cpus)) threads (oversubscribed), 0.2 us events: loop iterations/s harmless_membarrier vs harmless_mask: $(printf '%s' "$pairs" | goal '>' 1) (goal: ratio > 1)"

# G5: our qsbr against liburcu's. Synchronize latency with 1 reader and 1
# writer; read-side cost with 1 reader and no writer (a writer's grace periods
# make the reader's quiescent states bounce cache lines, and a faster
# synchronize means more of them: read cost is compared at equal, zero, write
# load).
ps="" pr=""
for ((i = 1; i <= rounds; i++)); do
	echo "$prog: G5 round $i/$rounds" >&2
	a=$(val wait_p50_ns "$(run_rw --strategy=qsbr --readers=1 --writers=1)")
	b=$(val wait_p50_ns "$(run_rw --strategy=urcu_qsbr --readers=1 --writers=1)")
	ps="$ps$a $b"$'\n'
	a=$(val ns_per_read "$(run_rw --strategy=qsbr --readers=1 --writers=0)")
	b=$(val ns_per_read "$(run_rw --strategy=urcu_qsbr --readers=1 --writers=0)")
	pr="$pr$a $b"$'\n'
done
echo "G5a synchronize p50 (1 reader, 1 writer), qsbr vs urcu_qsbr (ns): $(printf '%s' "$ps" | goal '<=' 1.0) (goal: ratio <= 1.0)"
echo "G5b read-side cost (1 reader, no writer), qsbr vs urcu_qsbr (ns/read): $(printf '%s' "$pr" | goal '<=' 1.05) (goal: ratio <= 1.05)"

# G6 and G7: the harnesses' own cost, each side by side with its bare
# reference in alternating rounds of one process.
echo "$prog: G6 harness floor, $rounds rounds" >&2
hf=$("$HARNESS_FLOOR" --rounds="$rounds" --rep="$(awk -v d="$duration" 'BEGIN { print d / 4 }')") ||
	{ echo "$prog: harness_floor_bench failed" >&2; exit 1; }
echo "G6 harness floor (1 reader, no writer): qsbr through readers/writers vs a bare QSBR loop (ns/read): $(awk '/^[0-9]/ { print $5, $3 }' <<<"$hf" | goal '<=' 1.10) (goal: ratio <= 1.10)"
echo "G6 harness floor: none through readers/writers vs the bare read body (ns/read): $(awk '/^[0-9]/ { print $4, $2 }' <<<"$hf" | goal - 1) (shown)"
# g7 BINARY TAG POLL: the G7 lines from BINARY's rounds (TAG after "G7", POLL the reference poll's name)
g7() {
	local lf t=${2:+ ($2)}
	echo "$prog: G7 poll-loop bookkeeping$t, $rounds rounds" >&2
	lf=$("$1" --rounds="$rounds" --rep="$(awk -v d="$duration" 'BEGIN { print d / 4 }')") ||
		{ echo "$prog: $(basename "$1") failed" >&2; exit 1; }
	echo "G7$t poll-loop bookkeeping: saturated iteration minus bare $3 (ns) vs the 0.2 us smallest event: $(awk '$1 == "ROUND" { print $6 - $4, 200 }' <<<"$lf" | goal '<=' 0.05) (goal: ratio <= 0.05)"
	echo "G7$t poll-loop bookkeeping beyond the event's timing: saturated iteration minus a timed $3 loop (ns) vs the 0.2 us smallest event: $(awk '$1 == "ROUND" { print $6 - $8, 200 }' <<<"$lf" | goal '<=' 0.05) (goal: ratio <= 0.05)"
	echo "G7$t the event's timing: timed minus bare $3 loop (ns) vs 0.2 us: $(awk '$1 == "ROUND" { print $8 - $4, 200 }' <<<"$lf" | goal - 1) (shown)"
	echo "G7$t poll-loop iteration vs bare $3 (ns): $(awk '$1 == "ROUND" { print $6, $4 }' <<<"$lf" | goal - 1) (shown)"
}
g7 "$LOOP_FLOOR" "" "epoll_wait(0)"
g7 "$LOOP_FLOOR_STUB" "stub poll, no syscall" "stub-poll"
