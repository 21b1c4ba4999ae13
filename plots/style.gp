# style.gp - the one style every figure shares (loaded first by each script).
#
# Each figure script is run as
#   gnuplot -c plots/<figure>.gp <benchmarks.json> <output dir> <plots dir>
# and writes <output dir>/<figure>[-<part>].png and .svg. Data come from the
# JSON through data.jq (jq only); series are "<strategy>:<reclaim>", titled
# with the strategy's name ("qsbr (defer)" for deferred reclamation).



# render.sh computes the run-wide values below (SERIES, RWSERIES, CPUS,
# SWEEP, RUN, XMAX, SCENS) once with one jq and hands them over with -e;
# a script run by hand computes them here.
# JSON, OUTDIR and PD (ARG1..3) are set by the caller before loading this file:
# `load` does not pass ARGn on.

# jq over the run, with the named arguments given as "--arg k v ...".
data(args) = sprintf("< jq -r -f '%s/data.jq' %s '%s'", PD, args, JSON)
# Every series of a panel in one jq run, written to file: one data block per
# series, in SERIES (or RWSERIES) order; plot them with `index (i - 1)`.
fetch(file, args) = system(sprintf("jq -r -f '%s/data.jq' %s --arg series '*' '%s' > '%s'", PD, args, JSON, file))
jqs(expr) = system(sprintf("jq -r '%s' '%s'", expr, JSON))
if (!exists("SERIES")) SERIES = system(sprintf("jq -r -f '%s/data.jq' --arg what series '%s' | tr '\\n' ' '", PD, JSON))
if (!exists("RWSERIES")) RWSERIES = system(sprintf("jq -r -f '%s/data.jq' --arg what series --arg fam rw '%s' | tr '\\n' ' '", PD, JSON))
title(s) = (strstrt(s, ":defer") > 0) ? s[1:strstrt(s, ":") - 1] . " (defer)" : s[1:strstrt(s, ":") - 1]
if (!exists("CPUS")) CPUS = int(jqs('.context.online_cpus'))
if (!exists("SWEEP")) SWEEP = jqs('.context.sweep_rate // 200')
if (!exists("RUN")) RUN = jqs('"\(.context.host_short // .context.host_name) \(.context.commit // "") \(.context.cpu_model // "") \(.context.online_cpus) CPUs" + (if .context.incomplete then " INCOMPLETE" else "" end)')

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

# The thread axis: 1 to a bit beyond the largest thread count measured.
if (!exists("XMAX")) XMAX = 1.25 * real(jqs('[.benchmarks[] | (.run_name // .name) | split("/") | select(.[0] != "rw") | .[2] | ltrimstr("threads:") | tonumber] | max // 4'))

# Shading of the oversubscribed region of a thread axis: more threads than
# online CPUs (x is logarithmic: the edge sits halfway, geometrically, between
# the last CPU-sized count and the next one).
shade_from(cpus) = cpus * sqrt(2.0)

# Terminal for a format; the caller sets the output name.
term_png(w, h) = sprintf("set terminal pngcairo size %d,%d font 'DejaVu Sans,10' noenhanced", w, h)
term_svg(w, h) = sprintf("set terminal svg size %d,%d font 'DejaVu Sans,10' noenhanced background '#ffffff'", w, h)

# The scenarios present among the poll-loop points, in run (registry) order.
if (!exists("SCENS")) SCENS = jqs('reduce (.benchmarks[] | select(.error_occurred != true) | (.run_name // .name) | split("/") | select(.[0] != "rw") | .[0]) as $s ([]; if index([$s]) then . else . + [$s] end) | join(" ")')
