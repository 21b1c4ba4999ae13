# latency.gp - update latency (p50 and p99, scheduled -> done) vs loop threads,
# one figure per scenario (latency-<scenario>.png/.svg), updater in a loop
# thread, the sweep's update rate. Log-log: latencies span ns to ms.
JSON = ARG1; OUTDIR = ARG2; PD = ARG3
load PD . "/style.gp"


do for [sc in SCENS] {
do for [fmt in "png svg"] {
	eval (fmt eq "png" ? term_png(1400, 600) : term_svg(1400, 600))
	set output sprintf("%s/latency-%s.%s", OUTDIR, sc, fmt)
	set multiplot title sprintf("Update latency, scenario %s, %s updates/s from a loop thread  [%s]", sc, SWEEP, RUN)
	set logscale xy 2
	set logscale y 10
	set format y "10^{%L}"
	set format y "%.0s%c"
	set xlabel "loop threads"
	set ylabel "update latency (ns)"
	set xtics (1, 2, 4, 8, 16, 32, 64, 128, 256)
	set xrange [0.8:XMAX]
	set object 1 rect from shade_from(CPUS), graph 0 to graph 1, graph 1 behind fc rgb "#f2e6e6" fs solid 1.0 noborder
	set label 1 sprintf("oversubscribed (> %d CPUs)", CPUS) at shade_from(CPUS), graph 0.97 offset 0.5, 0 font ",9" tc rgb "#993333"
	do for [q = 1:2] {
		M = (q == 1 ? "update_p50_ns" : "update_p99_ns")
		set lmargin at screen (q == 1 ? 0.06 : 0.48)
		set rmargin at screen (q == 1 ? 0.43 : 0.85)
		set tmargin at screen 0.88
		set bmargin at screen 0.12
		set title (q == 1 ? "p50" : "p99")
		if (q == 2) { set key at screen 0.995, 0.88 top right } else { unset key }
		DAT = OUTDIR . "/.latency.dat"
		_ = fetch(DAT, sprintf("--arg what sweep --arg scen %s --arg metric %s", sc, M))
		plot for [i = 1:words(SERIES)] DAT index (i - 1) using 1:2 with linespoints lt i dt 1 + (strstrt(word(SERIES, i), ":defer") > 0) title title(word(SERIES, i))
	}
	unset multiplot
	unset object 1
	unset label 1
	set output
}
}
