# reader_overhead.gp - what the read side costs, per strategy, two ways:
#  left:  in the poll loop: CPU ns per event without updates (read side and
#         per-iteration hooks) minus `none`'s at the
#         same point (scenario saturated, threads = online CPUs, sweep rate),
#         per round of the same run (reader_overhead_ns, from analyze);
#  right: in the readers/writers microbenchmark, 1 reader and no writer: the
#         reader's ns per read (liburcu's read-side workload).
JSON = ARG1; OUTDIR = ARG2; PD = ARG3
load PD . "/style.gp"

BSC = (strstrt(SCENS, "saturated") > 0 ? "saturated" : word(SCENS, 1))
NRW = int(system(sprintf("jq -r -f '%s/data.jq' --arg what rwbar --arg metric ns_per_read '%s' | wc -l", PD, JSON)))
NPB = int(system(sprintf("jq -r -f '%s/data.jq' --arg what bar --arg scen %s --arg metric reader_overhead_ns '%s' | wc -l", PD, BSC, JSON)))
set style fill solid 0.8 border rgb "#333333"
set boxwidth 0.7
set grid noxtics ytics

do for [fmt in "png svg"] {
	eval (fmt eq "png" ? term_png(1400, 600) : term_svg(1400, 600))
	set output sprintf("%s/reader_overhead.%s", OUTDIR, fmt)
	set multiplot layout 1, 2 title sprintf("Read-side cost per strategy  [%s]", RUN)
	set xtics rotate by -40 left font ",9"
	unset key
	set title sprintf("poll loop: CPU per event minus none's, per round (%s, %d threads; median, 95%% interval)", BSC, CPUS)
	set ylabel "CPU ns per event, minus none's"
	set xzeroaxis lt -1 lw 1
	if (NPB > 0) {
		plot data(sprintf("--arg what bar --arg scen %s --arg metric reader_overhead_ns", BSC)) \
			using 1:2:6:xtic(5) with boxes lc variable, \
			'' using 1:2:3:4 with yerrorbars lc rgb "#000000" pt 0
	} else {
		set label 2 "no reader overhead in this run (no none point at this setting)" at graph 0.5, 0.5 center
		unset xtics
		set yrange [-1:1]
		plot NaN notitle
		unset label 2
		set autoscale y
		set xtics
	}
	set title "readers/writers: 1 reader, no writer"
	set ylabel "ns per read"
	set logscale y 10
	set format y "%.0s%c"
	if (NRW > 0) {
		plot data("--arg what rwbar --arg metric ns_per_read") using 1:2:6:xtic(5) with boxes lc variable, \
			'' using 1:2:3:4 with yerrorbars lc rgb "#000000" pt 0
	} else {
		set label 2 "no readers/writers point with 1 reader and no writer in this run" at graph 0.5, 0.5 center
		unset xtics
		set yrange [1:10]
		plot NaN notitle
		unset label 2
		set autoscale y
	}
	unset logscale y
	set format y "%g"
	unset multiplot
	set output
}
