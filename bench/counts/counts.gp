# counts.gp - counts per update against loop threads, from the TSV of
# //bench/counts:table: small multiples, one row per family (exclusive,
# grace, baseline), one column per count (contended writes, own-line writes,
# lines scanned, system calls and signals, sync wakeups). Log2 thread axis,
# linear counts (0 is a result worth seeing). A count a strategy does not make
# visible (n/a: inside liburcu or Concurrency Kit, or glibc's locks) is not
# drawn; a line at the foot of the panel names those strategies. Deferred-
# reclamation series are dashed.
#
#   gnuplot -c bench/counts/counts.gp <table.tsv> <output dir> <plots dir>
# writes <output dir>/counts.png and counts.svg.
TSV = ARG1; OUTDIR = ARG2; PD = ARG3

# plots/style.gp asks the run's JSON for these unless they exist: this
# figure has no JSON, and needs none of them.
SERIES = ""; RWSERIES = ""; CPUS = 0; SWEEP = ""; RUN = ""; XMAX = 320; SCENS = ""
load PD . "/style.gp"

# The rows of the counts block: a mode in column 3 (the other blocks have a
# number there).
ROWS = "$3 ~ /^(isolate|sync|defer)$/"
series(fam) = system(sprintf("awk -F'\\t' '%s && $2 == \"%s\" { print $1 \":\" $3 }' '%s' | uniq | tr '\\n' ' '", ROWS, fam, TSV))
rows(s) = sprintf("< awk -F'\\t' -v s=%s -v m=%s '%s && $1 == s && $3 == m' '%s'", s[1:strstrt(s, ":") - 1], s[strstrt(s, ":") + 1:], ROWS, TSV)
name(s) = s[strstrt(s, ":") + 1:] eq "defer" ? s[1:strstrt(s, ":") - 1] . " (defer)" : s[1:strstrt(s, ":") - 1]
dashed(s) = s[strstrt(s, ":") + 1:] eq "defer" ? 2 : 1
# A strategy's n/a for the panel's count (column c), from its first row.
na(s, c) = system(sprintf("awk -F'\\t' -v s=%s -v m=%s '%s && $1 == s && $3 == m { print ($%d == \"n/a\"); exit }' '%s'", s[1:strstrt(s, ":") - 1], s[strstrt(s, ":") + 1:], ROWS, c, TSV)) eq "1"

FAMS = "exclusive grace baseline"
# Columns of the TSV: update_contended_writes 14, update_own_writes 15,
# update_futex_waits..update_signals 16..20, update_threads_scanned 21,
# sync_wakeups_per_update 22.
array METRIC[5] = ["contended writes / update", "own-line writes / update", "lines scanned / update", \
	"futex + eventfd + membarrier + signals / update", "sync wakeups / update"]
array COLS[5] = [14, 15, 21, 16, 22]
syscalls = "(column(16) + column(17) + column(18) + column(19) + column(20))"

set datafile separator "\t"
set datafile missing "n/a"
set datafile commentschars "#"

do for [fmt in "png svg"] {
	eval (fmt eq "png" ? term_png(2000, 1150) : term_svg(2000, 1150))
	set output sprintf("%s/counts.%s", OUTDIR, fmt)
	set multiplot title "Counts per update vs loop threads (machine-independent; strategies/count.h)  [" . TSV . "]"
	set logscale x 2
	set xtics (1, 2, 4, 8, 16, 32, 64, 128, 256)
	set xrange [0.8:320]
	set yrange [0:*]
	do for [f = 1:3] {
		fam = word(FAMS, f)
		S = series(fam)
		do for [m = 1:5] {
			set lmargin at screen (0.04 + (m - 1) * 0.192)
			set rmargin at screen (0.04 + m * 0.192 - 0.035)
			set tmargin at screen (0.93 - (f - 1) * 0.31)
			set bmargin at screen (0.93 - f * 0.31 + 0.06)
			set title fam . ": " . METRIC[m] font ",10"
			set xlabel (f == 3 ? "loop threads (+ 1 outside updater)" : "")
			set key top left font ",8"
			# Headroom above the data for the legend.
			set offsets 0, 0, graph 0.7, 0
			NA = ""
			do for [i = 1:words(S)] {
				base = word(S, i)[1:strstrt(word(S, i), ":") - 1]
				if (na(word(S, i), COLS[m]) && strstrt(NA, base) == 0) { NA = NA . (NA eq "" ? "" : ", ") . base }
			}
			unset label 2
			if (NA ne "") { set label 2 "n/a (not counted): " . NA at graph 0.02, graph 0.04 font ",7" tc rgb "#993333" }
			if (words(S) == 0) {
				plot NaN notitle
				continue
			}
			plot for [i = 1:words(S)] rows(word(S, i)) \
				using 4:(m == 4 ? @syscalls : column(COLS[m])) with linespoints lt i dt dashed(word(S, i)) \
				title name(word(S, i))
		}
	}
	unset multiplot
	set output
}
