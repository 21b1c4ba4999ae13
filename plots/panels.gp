# panels.gp - shared body of the per-scenario 2x2 figures (wakeups, cpu):
# METRIC vs loop threads, one panel per scenario, at the sweep's update rate
# with the updater in a loop thread. Set FIG, METRIC, YLABEL, TITLE and LOGY
# (1: log y, non-positive values counted in the panel title) before loading.


NS = words(SCENS)
ROWS = (NS + 1) / 2
do for [fmt in "png svg"] {
	eval (fmt eq "png" ? term_png(1400, 150 + 380 * ROWS) : term_svg(1400, 150 + 380 * ROWS))
	set output sprintf("%s/%s.%s", OUTDIR, FIG, fmt)
	set multiplot title sprintf("%s, %s updates/s from a loop thread  [%s]", TITLE, SWEEP, RUN)
	if (LOGY) { set logscale y 10; set format y "%.0s%c" } else { unset logscale y; set format y "%g"; set yrange [0:1<*] }
	set logscale x 2
	set xtics (1, 2, 4, 8, 16, 32, 64, 128, 256)
	set xrange [0.8:XMAX]
	set xlabel "loop threads"
	set ylabel YLABEL
	set object 1 rect from shade_from(CPUS), graph 0 to graph 1, graph 1 behind fc rgb "#f2e6e6" fs solid 1.0 noborder
	set label 1 sprintf("oversubscribed (> %d CPUs)", CPUS) at shade_from(CPUS), graph 0.97 offset 0.5, 0 font ",9" tc rgb "#993333"
	do for [k = 1:words(SCENS)] {
		sc = word(SCENS, k)
		col = (k - 1) % 2
		row = (k - 1) / 2
		set lmargin at screen (col == 0 ? 0.07 : 0.49)
		set rmargin at screen (col == 0 ? 0.43 : 0.85)
		# rows of RH pixels under a 70-pixel title band; in each, 28 px
		# for the panel title above and 60 px for the x axis below
		H = 150.0 + 380 * ROWS
		RH = (H - 90) / ROWS
		set tmargin at screen 1 - (70 + row * RH + 28) / H
		set bmargin at screen 1 - (70 + (row + 1) * RH - 60) / H
		if (LOGY) {
			np = int(system(sprintf("jq -r '[.benchmarks[] | select(.error_occurred != true and .%s != null and .%s <= 0) | (.run_name // .name) | split(\"/\") | select(.[0] == \"%s\" and .[3] == \"updater:loop\" and .[5] == \"rate:%s\")] | length' '%s'", METRIC, METRIC, sc, SWEEP, JSON)))
			npos = int(system(sprintf("jq -r '[.benchmarks[] | select(.error_occurred != true and .%s != null and .%s > 0) | (.run_name // .name) | split(\"/\") | select(.[0] == \"%s\" and .[3] == \"updater:loop\" and .[5] == \"rate:%s\")] | length' '%s'", METRIC, METRIC, sc, SWEEP, JSON)))
			set title (np > 0 ? sprintf("%s (%d points <= 0 not drawn)", sc, np) : sc)
			# No point can be drawn on the log axis: an empty panel with a
			# fixed range (autoscaling nothing is an error in gnuplot).
			if (npos == 0) { set yrange [1:10]; set title sprintf("%s (no point > 0 to draw: %d points <= 0)", sc, np) } else { set autoscale y }
		} else {
			set title sc
		}
		if (k == 1) { set key at screen 0.995, 1 - 98 / H top right } else { unset key }
		DAT = OUTDIR . "/." . FIG . ".dat"
		_ = fetch(DAT, sprintf("--arg what sweep --arg scen %s --arg metric %s", sc, METRIC))
		plot for [i = 1:words(SERIES)] DAT index (i - 1) \
			using 1:($2 > 0 || !LOGY ? $2 : NaN) with linespoints lt i dt 1 + (strstrt(word(SERIES, i), ":defer") > 0) title title(word(SERIES, i))
	}
	unset multiplot
	unset object 1
	unset label 1
	set output
}
