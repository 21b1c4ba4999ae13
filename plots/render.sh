#!/bin/sh
# render.sh - renders every figure of a run: `./bazelw run //plots:render --
# <results dir>` (a relative path is taken from where the command was typed).
# Each plots/*.gp (style.gp and panels.gp aside) writes PNG and SVG into
# <dir>/plots/ from the run's stats.json (analyze's medians and intervals),
# through a temporary folder renamed into place only when every figure was
# written completely, so a half-rendered set never replaces a good one (a full
# disk leaves the old set and exit status 1).
set -u
prog=render
[ $# -eq 1 ] || { echo "$prog: usage: render <results dir> (the folder holding benchmarks.json)" >&2; exit 2; }
dir=$1
case $dir in /*) ;; *) dir=${BUILD_WORKING_DIRECTORY:-$PWD}/$dir ;; esac
[ -f "$dir/stats.json" ] || { echo "$prog: '$1': no stats.json in that folder (a results folder of //:compare)" >&2; exit 2; }
jq -e '.points | type == "array"' "$dir/stats.json" >/dev/null 2>&1 || { echo "$prog: '$1': stats.json is not analyze's (no points array)" >&2; exit 2; }

# The scripts in the runfiles (bazel run, bazel test), else beside this one (run by hand).
for pd in ${RUNFILES_DIR:+"$RUNFILES_DIR/syncbench/plots"} "$0.runfiles/syncbench/plots" \
	${TEST_SRCDIR:+"$TEST_SRCDIR/syncbench/plots"} "$(cd "$(dirname "$0")" && pwd)"; do [ -d "$pd" ] && break; done

# The run-wide values every figure needs, in one jq run (style.gp computes
# them itself when a script is run by hand).
pre=$(jq -r -f "$pd/data.jq" --arg what pre "$dir/stats.json") || { echo "$prog: cannot read $dir/stats.json" >&2; exit 1; }
run=$(jq -r '.context | "\(.host_short // .host_name // "") \(.commit // "") \(.cpu_model // "") \(.online_cpus // "") CPUs, \(.repetitions // "?") repetitions" + (if .incomplete then " INCOMPLETE" else "" end)' "$dir/benchmarks.json" 2>/dev/null | tr -d '"')
pre="$pre; RUN = \"$run\""

tmp=$(mktemp -d "$dir/.plots.XXXXXX") || { echo "$prog: cannot write into $dir (full disk?)" >&2; exit 1; }
status=0
for gp in "$pd"/*.gp; do
	case $gp in */style.gp | */panels.gp) continue ;; esac # shared, not figures
	if ! gnuplot -e "$pre" -c "$gp" "$dir/stats.json" "$tmp" "$pd" 2>"$tmp/.err"; then
		fig=$(basename "$gp" .gp)
		why=$(grep -v 'warning: Skipping data file' "$tmp/.err" | grep -v '^$' | tail -n 1 | sed 's/^"[^"]*" line [0-9]*: //')
		if grep -qE 'all points y value undefined|x range is invalid|y range is invalid' "$tmp/.err"; then
			# The run holds no point this figure can draw (e.g. a narrowed
			# matrix, or no update completed): say so in a placeholder
			# figure rather than leaving a hole, and on stderr in one line.
			echo "$prog: $fig: nothing to draw in this run ($why); placeholder figure written" >&2
			# Files the script wrote before it failed are incomplete.
			rm -f "$tmp/$fig".* "$tmp/$fig"-*
			for fmt in png svg; do
				case $fmt in png) term="pngcairo size 800,200" ;; svg) term="svg size 800,200" ;; esac
				gnuplot -e "set terminal $term; set output '$tmp/$fig.$fmt'; unset border; unset tics; unset key; \
					set label 1 \"$fig: nothing to draw in this run\\n($why)\" at graph 0.5, 0.5 center; \
					set xrange [0:1]; set yrange [0:1]; plot 2 notitle" 2>/dev/null || status=1
			done
		else
			echo "$prog: $(basename "$gp") failed:" >&2
			cat "$tmp/.err" >&2
			status=1
		fi
	elif grep -v '^$' "$tmp/.err" | grep -qv 'warning: Skipping data file with no valid points'; then
		# gnuplot warnings other than an absent series are worth seeing
		sed "s|^|$prog: $(basename "$gp"): |" "$tmp/.err" >&2
	fi
done
# gnuplot says nothing when a write fails (a full disk): check every file.
for f in "$tmp"/*.png "$tmp"/*.svg; do
	case $f in
	*.png) [ "$(head -c 8 "$f" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ;;
	*.svg) tail -c 16 "$f" 2>/dev/null | grep -q '</svg>' ;;
	esac || { echo "$prog: $(basename "$f") incomplete (full disk?): the old plots are kept" >&2; rm -rf "$tmp"; exit 1; }
done
[ $status -eq 0 ] || [ -n "$(ls "$tmp"/*.png 2>/dev/null)" ] || { rm -rf "$tmp"; exit 1; }
rm -f "$tmp/.err" "$tmp"/.*.dat
# Publish: the new set replaces the old one in one rename.
if [ -d "$dir/plots" ]; then
	old=$(mktemp -d "$dir/.plots-old.XXXXXX") && mv "$dir/plots" "$old/" && mv "$tmp" "$dir/plots" && rm -rf "$old"
else
	mv "$tmp" "$dir/plots"
fi
chmod 755 "$dir/plots"
echo "$prog: $(ls "$dir/plots" | grep -c '\.png$') PNG and $(ls "$dir/plots" | grep -c '\.svg$') SVG figures in $dir/plots" >&2
exit $status
