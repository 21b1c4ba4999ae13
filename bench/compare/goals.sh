#!/bin/bash
# goals.sh - measures the speed goals the issues state, each as a ratio of two
# figures taken side by side in one run on this machine (never absolute times
# across runs). `./bazelw run //bench:goals [-- --rounds=N --duration=S]`.
#
# Every comparison alternates its two sides (A B A B ...) for --rounds rounds
# and takes the median of each side, so that a slow spell of this noisy VM
# hits both. Each line printed is: goal, the figures, the ratio, and MET or
# MISSED against the goal's bound. Progress goes to stderr.
#
# Goals (issues 4 and 5):
#  G1 harmless_mask, idle peers: p50 time to isolate <= 2 x cache-line round trip
#     (the floor measured by the same pollsim run).
#  G2 wake_all, idle peers: sync wakeups per update = N loop threads (the
#     outside updater is the requester) and CPU per update grows with N:
#     reported as CPU per update per woken thread, against the wake floor.
#  G3 harmless_mask, busy peers: p50 time to isolate <= event cost + 2 x
#     cache-line round trip.
#  G4 harmless_membarrier vs harmless_mask, saturated, 2 x cores threads, no
#     updates: loop iterations (events) per second, membarrier/mask > 1.
#  G5 qsbr vs urcu_qsbr (readers_writers): synchronize p50 ratio <= 1.0 (1
#     reader, 1 writer) and read-side cost ratio (ns per read, 1 reader, no
#     writer) <= 1.05.
set -u

prog=goals
rounds=5
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

if [ -n "${RUNFILES_DIR:-}" ] && [ -d "$RUNFILES_DIR/syncbench" ]; then
	R=$RUNFILES_DIR/syncbench
elif [ -d "$0.runfiles/syncbench" ]; then
	R=$0.runfiles/syncbench
else
	R=$(cd "$(dirname "$0")/../.." && pwd)
fi
POLLSIM=${POLLSIM:-$R/bench/pollsim}
RW=${RW:-$R/bench/readers_writers}

# key SUMMARY-line -> value
val() { awk -v k="$1" '{ for (i = 2; i < NF; i += 2) if ($i == k) { print $(i + 1); exit } }' <<<"$2"; }
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "inf"; else printf "%.3f\n", a / b }'; }
verdict() { awk -v r="$1" -v op="$2" -v b="$3" 'BEGIN { ok = (op == "<=") ? (r <= b) : (r > b); print ok ? "MET" : "MISSED" }'; }

run_pollsim() {
	local out
	out=$("$POLLSIM" --quiet --duration="$duration" "$@" 2>/dev/null | tail -n 1)
	case $out in
	SUMMARY*) printf '%s\n' "$out" ;;
	*) echo "$prog: pollsim $* failed" >&2; exit 1 ;;
	esac
}
run_rw() {
	local out
	out=$("$RW" --quiet --duration="$duration" "$@" 2>/dev/null | tail -n 1)
	case $out in
	SUMMARY*) printf '%s\n' "$out" ;;
	*) echo "$prog: readers_writers $* failed" >&2; exit 1 ;;
	esac
}

cpus=$(getconf _NPROCESSORS_ONLN)
echo "# goals: $rounds rounds of ${duration}s per side, medians; $cpus online CPUs; $(date -u +%FT%TZ)"

# G1 and G3: isolate time against the floors of the same run.
for scen in idle saturated; do
	tts="" cl="" cost=2
	for ((i = 1; i <= rounds; i++)); do
		echo "$prog: G1/G3 $scen round $i/$rounds" >&2
		s=$(run_pollsim --strategy=harmless_mask --scenario="$scen" --threads=1 --updater=outside \
			--update-rate=1000 --event-cost-us=$cost --baseline=off)
		tts="$tts $(val time_to_safe_p50_ns "$s")"
		cl="$cl $(val floor_cacheline_rtt_ns "$s")"
	done
	t=$(median <<<"$tts")
	c=$(median <<<"$cl")
	if [ "$scen" = idle ]; then
		r=$(ratio "$t" "$c")
		echo "G1 harmless_mask idle peers: isolate p50 ${t} ns, cache-line rtt ${c} ns, ratio $r (goal <= 2): $(verdict "$r" '<=' 2)"
	else
		bound=$(awk -v c="$c" -v e="$cost" 'BEGIN { print e * 1000 + 2 * c }')
		r=$(ratio "$t" "$bound")
		echo "G3 harmless_mask busy peer (1 saturated thread + outside updater): isolate p50 ${t} ns, event cost ${cost}000 ns + 2 x ${c} ns = ${bound} ns, ratio $r (goal <= 1): $(verdict "$r" '<=' 1)"
	fi
done

# G2: wake_all wakes every sleeping loop thread once per update.
for n in 1 2 4 8; do
	w="" cpu="" wk=""
	for ((i = 1; i <= rounds; i++)); do
		echo "$prog: G2 wake_all threads $n round $i/$rounds" >&2
		s=$(run_pollsim --strategy=wake_all --scenario=idle --no-events --threads="$n" --updater=outside \
			--update-rate=200)
		w="$w $(val sync_wakeups_per_update "$s")"
		cpu="$cpu $(val cpu_ns_per_update "$s")"
		wk="$wk $(val floor_wake_rtt_ns "$s")"
	done
	w=$(median <<<"$w")
	cpu=$(median <<<"$cpu")
	wk=$(median <<<"$wk")
	per=$(awk -v c="$cpu" -v n="$n" 'BEGIN { printf "%.0f", c / n }')
	over=$((n + 1 > cpus))
	echo "G2 wake_all idle, $n loop threads$([ $over = 1 ] && echo ' (oversubscribed)'): sync wakeups/update $w (predicted $n: $(verdict "$(awk -v w="$w" -v n="$n" 'BEGIN { print (w == n) ? 1 : 0 }')" '>' 0)), CPU/update ${cpu} ns = ${per} ns per woken thread, wake rtt floor ${wk} ns"
done

# G4: per-iteration loop cost, saturated, 2 x cores threads, no updates.
a="" b=""
for ((i = 1; i <= rounds; i++)); do
	echo "$prog: G4 round $i/$rounds" >&2
	s=$(run_pollsim --strategy=harmless_mask --scenario=saturated --threads=$((2 * cpus)) --update-rate=0 --event-cost-us=0.2)
	a="$a $(val events_per_s "$s")"
	s=$(run_pollsim --strategy=harmless_membarrier --scenario=saturated --threads=$((2 * cpus)) --update-rate=0 --event-cost-us=0.2)
	b="$b $(val events_per_s "$s")"
done
a=$(median <<<"$a")
b=$(median <<<"$b")
r=$(ratio "$b" "$a")
echo "G4 saturated, $((2 * cpus)) threads (oversubscribed), 0.2 us events: loop iterations/s harmless_membarrier $b, harmless_mask $a, ratio $r (goal > 1: membarrier's loop is cheaper): $(verdict "$r" '>' 1)"

# G5: our qsbr against liburcu's. Synchronize latency with 1 reader and 1
# writer; read-side cost with 1 reader and no writer (a writer's grace periods
# make the reader's quiescent states bounce cache lines, and a faster
# synchronize means more of them: read cost is compared at equal, zero, write
# load). The spread (min..max over the rounds) says how much of a ratio is
# noise on this machine.
qs="" us="" qr="" ur=""
for ((i = 1; i <= rounds; i++)); do
	echo "$prog: G5 round $i/$rounds" >&2
	s=$(run_rw --strategy=qsbr --readers=1 --writers=1)
	qs="$qs $(val wait_p50_ns "$s")"
	s=$(run_rw --strategy=urcu_qsbr --readers=1 --writers=1)
	us="$us $(val wait_p50_ns "$s")"
	s=$(run_rw --strategy=qsbr --readers=1 --writers=0)
	qr="$qr $(val ns_per_read "$s")"
	s=$(run_rw --strategy=urcu_qsbr --readers=1 --writers=0)
	ur="$ur $(val ns_per_read "$s")"
done
spread() { tr ' ' '\n' | grep -v '^$' | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%s..%s", lo, hi }'; }
qsm=$(median <<<"$qs")
usm=$(median <<<"$us")
qrm=$(median <<<"$qr")
urm=$(median <<<"$ur")
r=$(ratio "$qsm" "$usm")
echo "G5a synchronize p50 (1 reader, 1 writer): qsbr ${qsm} ns [$(spread <<<"$qs")], urcu_qsbr ${usm} ns [$(spread <<<"$us")], ratio $r (goal <= 1.0): $(verdict "$r" '<=' 1.0)"
r=$(ratio "$qrm" "$urm")
echo "G5b read-side cost (1 reader, no writer): qsbr ${qrm} ns/read [$(spread <<<"$qr")], urcu_qsbr ${urm} ns/read [$(spread <<<"$ur")], ratio $r (goal <= 1.05): $(verdict "$r" '<=' 1.05)"
