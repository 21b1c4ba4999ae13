# rw.gp - readers/writers throughput (liburcu's workload: readers in a tight
# read loop, one writer replacing the object the strategy's way) vs readers.
# Left: reads per second (all readers); right: writes per second. Log y.
JSON = ARG1; OUTDIR = ARG2; PD = ARG3
load PD . "/style.gp"

RWMAX = 1.25 * real(jqs('[.benchmarks[] | (.run_name // .name) | split("/") | select(.[0] == "rw") | .[2] | ltrimstr("readers:") | tonumber] | max // 4'))

do for [fmt in "png svg"] {
	eval (fmt eq "png" ? term_png(1400, 600) : term_svg(1400, 600))
	set output sprintf("%s/rw.%s", OUTDIR, fmt)
	set multiplot title sprintf("Readers/writers throughput, 1 writer  [%s]", RUN)
	set logscale x 2
	set logscale y 10
	set format y "%.0s%c"
	set xrange [0.8:RWMAX]
	set xtics (1, 2, 4, 8, 16, 32, 64)
	set xlabel "reader threads (+ 1 writer)"
	# readers + 1 writer > CPUs from readers = CPUs on
	set object 1 rect from (CPUS - 1) * sqrt(2.0) > 1 ? (CPUS - 1) * sqrt(2.0) : 1.41, graph 0 to graph 1, graph 1 behind fc rgb "#f2e6e6" fs solid 1.0 noborder
	set label 1 sprintf("oversubscribed (> %d CPUs)", CPUS) at ((CPUS - 1) * sqrt(2.0) > 1 ? (CPUS - 1) * sqrt(2.0) : 1.41), graph 0.97 offset 0.5, 0 font ",9" tc rgb "#993333"
	do for [q = 1:2] {
		M = (q == 1 ? "reads_per_s" : "writes_per_s")
		set lmargin at screen (q == 1 ? 0.06 : 0.48)
		set rmargin at screen (q == 1 ? 0.43 : 0.85)
		set tmargin at screen 0.88
		set bmargin at screen 0.12
		set title (q == 1 ? "reads per second (all readers)" : "writes per second")
		set ylabel (q == 1 ? "reads/s" : "writes/s")
		if (q == 2) { set key at screen 0.995, 0.88 top right } else { unset key }
		DAT = OUTDIR . "/.rw.dat"
		_ = fetch(DAT, sprintf("--arg what rw --arg w 1 --arg metric %s", M))
		plot for [i = 1:words(RWSERIES)] DAT index (i - 1) using 1:($2 > 0 ? $2 : NaN) with linespoints lt i dt 1 + (strstrt(word(RWSERIES, i), ":defer") > 0) title title(word(RWSERIES, i))
	}
	unset multiplot
	unset object 1
	unset label 1
	set output
}
