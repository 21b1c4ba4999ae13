# panels.gp - shared body of the small-multiple figures: one row per scenario
# (or per metric), one column per family panel (style.gp: baseline and
# exclusive, grace sync, grace defer; `none` in each), each point the median
# with its 95% interval as an error bar. The caller sets FIG, TITLE, YLABEL,
# LOGY (1: log y; points <= 0 are not drawn and counted in the row title),
# MODE ("sweep": x = loop threads at the sweep rate, updater in a loop;
# "rate": x = updates/s at threads = CPUs; "rw": x = readers, 1 writer),
# ROWSC (a scenario per row; "-" for rw) and ROWM (a metric per row).

NR = words(ROWM)
ISRW = (MODE eq "rw")
S = (ISRW ? RWSERIES : SERIES)
H = 120.0 + 330 * NR
# Every row's data first: a figure with no point at all to draw fails
# (gnuplot: "all points y value undefined"), and render.sh writes a
# placeholder saying so instead.
TOTAL = 0
do for [k = 1:NR] {
	DATK = sprintf("%s/.%s.%d.dat", OUTDIR, FIG, k)
	if (MODE eq "sweep") { _ = fetch(DATK, sprintf("--arg what sweep --arg scen %s --arg metric %s", word(ROWSC, k), word(ROWM, k))) }
	if (MODE eq "rate") { _ = fetch(DATK, sprintf("--arg what rate --arg scen %s --arg metric %s", word(ROWSC, k), word(ROWM, k))) }
	if (MODE eq "rw") { _ = fetch(DATK, sprintf("--arg what rw --arg w 1 --arg metric %s", word(ROWM, k))) }
	TOTAL = TOTAL + int(system(sprintf("awk 'NF == 4 && $2 ~ /^[-0-9.eE+]+$/ && (%d == 0 || $2 > 0) { n++ } END { print n + 0 }' '%s'", LOGY, DATK)))
}
if (TOTAL == 0) {
	set terminal unknown
	set autoscale
	plot sprintf("%s/.%s.1.dat", OUTDIR, FIG) using 1:(NaN) notitle
}
do for [fmt in "png svg"] {
	eval (fmt eq "png" ? term_png(1500, H) : term_svg(1500, H))
	set output sprintf("%s/%s.%s", OUTDIR, FIG, fmt)
	set multiplot title sprintf("%s  [%s]", TITLE, RUN)
	if (LOGY) { set logscale y 10; set format y "%.0s%c" } else { unset logscale y; set format y "%g"; set yrange [0:*] }
	if (MODE eq "rate") {
		set logscale x 10; set format x "%.0s%c"; unset xrange; set autoscale x; set xtics autofreq
		set xlabel "updates per second (scheduled, open loop)"
		unset object 1; unset label 1
	} else {
		set logscale x 2; set format x "%g"
		XM = (ISRW ? RWMAX : XMAX)
		set xrange [0.8:(XM > 2.5 ? XM : 2.5)]
		set xtics (1, 2, 4, 8, 16, 32, 64, 128, 256)
		set xlabel (ISRW ? "reader threads (+ 1 writer)" : "loop threads")
		SH = (ISRW ? ((CPUS - 1) * sqrt(2.0) > 1 ? (CPUS - 1) * sqrt(2.0) : 1.41) : shade_from(CPUS))
		set object 1 rect from SH, graph 0 to graph 1, graph 1 behind fc rgb "#f2e6e6" fs solid 1.0 noborder
		set label 1 sprintf("oversubscribed (> %d CPUs)", CPUS) at SH, graph 0.97 offset 0.5, 0 font ",8" tc rgb "#993333"
	}
	do for [k = 1:NR] {
		sc = word(ROWSC, k)
		M = word(ROWM, k)
		DAT = sprintf("%s/.%s.%d.dat", OUTDIR, FIG, k)
		# a log axis with nothing > 0 to draw: an empty panel with a fixed range
		npos = int(system(sprintf("awk 'NF == 4 && $2 ~ /^[-0-9.eE+]+$/ && $2 > 0 { n++ } END { print n + 0 }' '%s'", DAT)))
		if (MODE eq "rate") { if (npos == 0) { set xrange [10:100000] } else { set autoscale x } }
		nle = int(system(sprintf("awk 'NF == 4 && $2 ~ /^[-0-9.eE+]+$/ && $2 <= 0 { n++ } END { print n + 0 }' '%s'", DAT)))
		do for [c = 1:3] {
			P = word(PANELNAMES, c)
			set lmargin at screen 0.06 + (c - 1) * 0.28
			set rmargin at screen 0.06 + c * 0.28 - 0.05
			set tmargin at screen 1 - (60 + (k - 1) * 330 + 28) / H
			set bmargin at screen 1 - (60 + k * 330 - 55) / H
			set ylabel (c == 1 ? YLABEL : "")
			set title sprintf("%s%s: %s%s", (ISRW ? M : sc), (ISRW ? "" : ""), panel_title(P), \
				(LOGY && nle > 0 ? sprintf(" (%d points <= 0 not drawn)", nle) : ""))
			if (LOGY && npos == 0) { set yrange [1:10] } else { if (LOGY) { set autoscale y } }
			set key top left font ",8"
			if (ISRW) {
				plot for [i = 1:words(S)] DAT index (i - 1) \
					using 1:(inrwpanel(i, P) && (!LOGY || $2 > 0) ? $2 : NaN):3:4 with yerrorlines lt i \
					dt 1 + (strstrt(word(S, i), ":defer") > 0) title (inrwpanel(i, P) ? title(word(S, i)) : "")
			} else {
				plot for [i = 1:words(S)] DAT index (i - 1) \
					using 1:(inpanel(i, P) && (!LOGY || $2 > 0) ? $2 : NaN):3:4 with yerrorlines lt i \
					dt 1 + (strstrt(word(S, i), ":defer") > 0) title (inpanel(i, P) ? title(word(S, i)) : "")
			}
		}
	}
	unset multiplot
	unset object 1
	unset label 1
	set output
}
