# style.gp - the one style every figure shares (loaded first by each script).
#
# Each figure script is run as
#   gnuplot -c plots/<figure>.gp <stats.json> <output dir> <plots dir>
# and writes <output dir>/<figure>[-<part>].png and .svg. Data come from the
# run's stats.json through data.jq (jq only; medians with their 95%
# intervals, drawn as error bars); series are "<strategy>:<reclaim>", titled
# with the strategy's name ("qsbr (defer)" for deferred reclamation).



# render.sh computes the run-wide values (SERIES, PANELS, RWSERIES, RWPANELS,
# CPUS, SWEEP, XMAX, RWMAX, SCENS, LATSCENS, SWEEPSCENS, RSCENS: data.jq's what=pre;
# RUN from benchmarks.json's context) once and hands them over with -e; a
# script run by hand computes them here.
# JSON, OUTDIR and PD (ARG1..3) are set by the caller before loading this file:
# `load` does not pass ARGn on.

# jq over the run's stats.json, with the named arguments given as "--arg k v ...".
data(args) = sprintf("< jq -r -f '%s/data.jq' %s '%s'", PD, args, JSON)
# Every series of a panel in one jq run, written to file: one data block per
# series, in SERIES (or RWSERIES) order; plot them with `index (i - 1)`.
fetch(file, args) = system(sprintf("jq -r -f '%s/data.jq' %s --arg series '*' '%s' > '%s'", PD, args, JSON, file))
# The run-wide values (render.sh hands them over with -e; by hand: here).
if (!exists("SERIES")) eval system(sprintf("jq -r -f '%s/data.jq' --arg what pre '%s'", PD, JSON))
if (!exists("RUN")) RUN = ""
title(s) = (strstrt(s, ":defer") > 0) ? s[1:strstrt(s, ":") - 1] . " (defer)" : s[1:strstrt(s, ":") - 1]

# Small multiples by family, at most six series a panel besides `none` (the
# reference, in every panel): baseline and exclusive strategies, grace
# periods with synchronous reclamation, and with deferred reclamation.
# data.jq names the panels (PANELNAMES, RWPANELNAMES: excl1, gsync1, gsync2,
# ...; at most six series each besides none).
panel_base(p) = p[1:strlen(p) - 1]
panel_title(p) = (panel_base(p) eq "excl" ? "baseline and exclusive" : panel_base(p) eq "gsync" ? "grace, sync reclaim" : "grace, deferred reclaim") . (strstrt(PANELNAMES . " " . RWPANELNAMES, panel_base(p) . "2") > 0 ? sprintf(" (%s)", p[strlen(p):]) : "")
inpanel(i, p) = (word(PANELS, i) eq p || word(SERIES, i) eq "none:sync")
inrwpanel(i, p) = (word(RWPANELS, i) eq p || word(RWSERIES, i) eq "none:sync")

# 20 series: distinct colours (Okabe-Ito, then darker/lighter variants) and
# point types, so that the legend is readable in print too; the scripts draw
# deferred-reclamation series dashed, synchronous ones solid.
array COL[20] = ["#000000", "#E69F00", "#56B4E9", "#009E73", "#D55E00", "#0072B2", "#CC79A7", \
	"#999933", "#882255", "#44AA99", "#332288", "#AA4499", "#117733", "#DDCC77", "#88CCEE", \
	"#661100", "#6699CC", "#AA4466", "#4477AA", "#777777"]
do for [i = 1:20] {
	set linetype i lc rgb COL[i] lw 1.6 pt (i % 13 + 1) ps 0.9
}

set grid lc rgb "#dddddd"
set border lc rgb "#444444"
set tics nomirror
set key box opaque samplen 2 spacing 1.0 font ",9"

# Shading of the oversubscribed region of a thread axis: more threads than
# online CPUs (x is logarithmic: the edge sits halfway, geometrically, between
# the last CPU-sized count and the next one).
shade_from(cpus) = cpus * sqrt(2.0)

# Terminal for a format; the caller sets the output name.
term_png(w, h) = sprintf("set terminal pngcairo size %d,%d font 'DejaVu Sans,10' noenhanced", w, h)
term_svg(w, h) = sprintf("set terminal svg size %d,%d font 'DejaVu Sans,10' noenhanced background '#ffffff'", w, h)

