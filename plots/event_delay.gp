# event_delay.gp - event delay p99 (how long an event waited beyond its
# schedule: the stall updates impose on every loop) vs update rate, at
# threads = online CPUs (not oversubscribed), updater in a loop thread, one
# panel per scenario of the rate sweep. Log-log.
JSON = ARG1; OUTDIR = ARG2; PD = ARG3
load PD . "/style.gp"

RSCENS = jqs(sprintf('[.benchmarks[] | select(.error_occurred != true) | (.run_name // .name) | split("/") | select(.[0] != "rw" and .[2] == "threads:%d" and .[3] == "updater:loop") | {s: .[0], r: .[5]}] | group_by(.s) | map(select(map(.r) | unique | length > 1) | .[0].s) | join(" ")', CPUS))
NR = words(RSCENS)
if (NR == 0) { RSCENS = "none"; NR = 1 }

do for [fmt in "png svg"] {
	eval (fmt eq "png" ? term_png(1400, 600) : term_svg(1400, 600))
	set output sprintf("%s/event_delay.%s", OUTDIR, fmt)
	set multiplot title sprintf("Event delay p99 vs update rate, %d loop threads, updater in a loop thread  [%s]", CPUS, RUN)
	set logscale xy 10
	set format x "%.0s%c"
	set format y "%.0s%c"
	set xlabel "updates per second (scheduled, open loop)"
	set ylabel "event delay p99 (ns)"
	do for [k = 1:NR] {
		sc = word(RSCENS, k)
		set lmargin at screen (0.06 + (k - 1) * 0.79 / NR + (k > 1 ? 0.03 : 0))
		set rmargin at screen (0.06 + k * 0.79 / NR - 0.02)
		set tmargin at screen 0.88
		set bmargin at screen 0.12
		set title sc
		if (k == NR) { set key at screen 0.995, 0.88 top right } else { unset key }
		DAT = OUTDIR . "/.event_delay.dat"
		_ = fetch(DAT, sprintf("--arg what rate --arg scen %s --arg metric event_delay_p99_ns", sc))
		plot for [i = 1:words(SERIES)] DAT index (i - 1) using 1:2 with linespoints lt i dt 1 + (strstrt(word(SERIES, i), ":defer") > 0) title title(word(SERIES, i))
	}
	unset multiplot
	set output
}
