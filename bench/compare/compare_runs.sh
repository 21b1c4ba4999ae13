#!/bin/bash
# compare_runs.sh - two comparison runs side by side (`./bazelw run
# //bench:compare_runs -- OLD NEW [--metric=NAME]`): for every point present
# in both, each headline figure's median and 95% interval in each run, and
# "higher"/"lower" only where the two intervals do not overlap (the same
# intervals as summary.md; the arithmetic is analyze's, see bench/compare/
# COMPARING.md). OLD and NEW are results folders (or their benchmarks.json);
# relative paths are taken from where the command was typed.
set -u
prog=compare_runs
# The runfiles root (bazel run, bazel test), else the source tree (run by hand).
for R in ${RUNFILES_DIR:+"$RUNFILES_DIR/syncbench"} "$0.runfiles/syncbench" ${TEST_SRCDIR:+"$TEST_SRCDIR/syncbench"} \
	"$(cd "$(dirname "$0")/../.." && pwd)"; do [ -d "$R" ] && break; done
ANALYZE=${COMPARE_ANALYZE:-$R/bench/compare/analyze}
usage="usage: compare_runs OLD NEW [--metric=NAME] (two results folders of //:compare)"
metric=()
files=()
for a in "$@"; do
	case $a in
	--metric=*) metric=("$a") ;;
	--help | -h) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "$prog: '$a': unknown option ($usage)" >&2; exit 2 ;;
	*) files+=("$a") ;;
	esac
done
[ ${#files[@]} -eq 2 ] || { echo "$prog: $usage" >&2; exit 2; }
for i in 0 1; do
	case ${files[$i]} in /*) ;; *) files[$i]=${BUILD_WORKING_DIRECTORY:-$PWD}/${files[$i]} ;; esac
	[ -e "${files[$i]}" ] || { echo "$prog: '${files[$i]}': no such results folder" >&2; exit 2; }
done
exec "$ANALYZE" compare-runs "${files[0]}" "${files[1]}" "${metric[@]}"
