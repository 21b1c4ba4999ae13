#!/bin/sh
# compare_runs.sh - two comparison runs side by side (`./bazelw run
# //bench:compare_runs -- OLD NEW [--metric=NAME]`): for every benchmark
# present in both, the ratio new/old of its headline figure and whether that
# ratio exceeds the noise seen across repetitions.
#
# OLD and NEW are results folders (holding benchmarks.json) or JSON files;
# relative paths are taken from where the command was typed. The figure is
# --metric when given, else update_p50_ns for poll-loop points and
# reads_per_s for readers/writers points. Noise: with repetitions
# (--repetitions=N in //:compare) each side's coefficient of variation
# (stddev/mean of its repetitions); a ratio "exceeds noise" when
# |ratio - 1| > 2 x the larger of the two. With one repetition the noise is
# unknown and the line says so: a single run's ratio is not evidence.
# Points skipped in either run are listed as such, never dropped.
# All the arithmetic is jq's; this file only finds the files.
set -u
prog=compare_runs
metric=""
files=""
for a in "$@"; do
	case $a in
	--metric=*) metric=${a#*=}
		case $metric in '' | *[!a-z0-9_]*) echo "$prog: --metric '$metric': a counter name ([a-z0-9_]+), e.g. update_p99_ns" >&2; exit 2 ;; esac ;;
	--help | -h) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "$prog: '$a': unknown option (usage: compare_runs OLD NEW [--metric=NAME])" >&2; exit 2 ;;
	*) files="$files
$a" ;;
	esac
done
set -- $(printf '%s\n' "$files" | sed '/^$/d' | tr '\n' ' ')
[ $# -eq 2 ] || { echo "$prog: usage: compare_runs OLD NEW [--metric=NAME] (two results folders or JSON files)" >&2; exit 2; }

resolve() {
	p=$1
	case $p in /*) ;; *) p=${BUILD_WORKING_DIRECTORY:-$PWD}/$p ;; esac
	[ -d "$p" ] && p=$p/benchmarks.json
	[ -f "$p" ] || { echo "$prog: '$1': neither a results folder with benchmarks.json nor a file" >&2; exit 2; }
	jq -e '.benchmarks | type == "array"' "$p" >/dev/null 2>&1 ||
		{ echo "$prog: '$1': not a Google Benchmark JSON (no benchmarks array)" >&2; exit 2; }
	printf '%s\n' "$p"
}
old=$(resolve "$1") || exit 2
new=$(resolve "$2") || exit 2

jq -rn --slurpfile o "$old" --slurpfile n "$new" --arg metric "$metric" '
	def figure: if $metric != "" then $metric
		elif ((.run_name // .name) | startswith("rw/")) then "reads_per_s" else "update_p50_ns" end;
	# Per benchmark: its iterations (repetitions), or its error.
	def runs: [.benchmarks[] | select(.run_type != "aggregate")] | group_by(.run_name // .name)
		| map({key: (.[0].run_name // .[0].name), value: .}) | from_entries;
	def stats($f): map(.[$f] | select(. != null)) as $v | ($v | length) as $k
		| if $k == 0 then null else ($v | add / $k) as $m
		| {mean: $m, k: $k, cv: (if $k > 1 and $m != 0 then ((($v | map((. - $m) * (. - $m)) | add) / ($k - 1)) | sqrt) / ($m | fabs) else null end)} end;
	def pct: . * 1000 | round / 10 | tostring + "%";
	($o[0] | runs) as $a | ($n[0] | runs) as $b
	| ([$a | keys[] | select($b[.] != null)]) as $common
	| "# old: \($o[0].context.commit // "?") \($o[0].context.started // $o[0].context.date // "")   new: \($n[0].context.commit // "?") \($n[0].context.started // $n[0].context.date // "")",
	  "# \($common | length) benchmarks in both; \([$a | keys[] | select($b[.] == null)] | length) only in old, \([$b | keys[] | select($a[.] == null)] | length) only in new",
	  "# benchmark\tfigure\told\tnew\tnew/old\tverdict",
	  ($common[] as $k | ($a[$k][0] | figure) as $f
	   | if any($a[$k][]; .error_occurred == true) or any($b[$k][]; .error_occurred == true) then
		"\($k)\t\($f)\t-\t-\t-\tskipped in \(if any($a[$k][]; .error_occurred == true) then "old" else "" end)\(if any($a[$k][]; .error_occurred == true) and any($b[$k][]; .error_occurred == true) then " and " else "" end)\(if any($b[$k][]; .error_occurred == true) then "new" else "" end): \(([$a[$k][], $b[$k][]] | map(select(.error_occurred == true)) | .[0].error_message) // "")"
	     else ($a[$k] | stats($f)) as $x | ($b[$k] | stats($f)) as $y
		| if $x == null or $y == null then "\($k)\t\($f)\t-\t-\t-\tno such counter"
		  elif $x.mean == 0 then "\($k)\t\($f)\t\($x.mean)\t\($y.mean)\t-\told is 0: no ratio"
		  else ($y.mean / $x.mean) as $r
		  | ([$x.cv, $y.cv] | map(select(. != null)) | max) as $noise
		  | "\($k)\t\($f)\t\($x.mean)\t\($y.mean)\t\($r * 1000 | round / 1000)\t" +
		    (if $noise == null then "noise unknown (1 repetition)"
		     elif (($r - 1) | fabs) > 2 * $noise then "EXCEEDS noise (cv \($noise | pct), \($x.k)+\($y.k) repetitions)"
		     else "within noise (cv \($noise | pct))" end)
		  end
	     end)' | awk -F'\t' '/^#/ { print; next } { o = $3; n = $4; if (o ~ /^-?[0-9.e+]+$/) o = sprintf("%.6g", o); if (n ~ /^-?[0-9.e+]+$/) n = sprintf("%.6g", n); printf "%-78s %-15s %14s %14s %8s  %s\n", $1, $2, o, n, $5, $6 }'
