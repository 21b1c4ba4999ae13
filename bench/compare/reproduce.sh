#!/bin/bash
# reproduce.sh - does a comparison survive a second run? (`./bazelw run
# //bench:reproduce [-- compare options]`). Runs the quick matrix twice (or
# the matrix the options choose) and prints, for every headline comparison
# (each strategy against none, each headline figure, each point not
# oversubscribed), whether the two runs reach the same verdict (better,
# worse, or no winner: a difference below 25% or none measurable), the share
# that agree (goal: >= 95%; also by the interval alone, without the margin), and
# the share of strategy/none ratios that stay within 1.25x (goal: >= 90%).
# The verdicts are analyze's (bench/compare/analyze.c), the same as in
# summary.md. Both runs stay in the results root.
set -u
prog=reproduce
# The runfiles root (bazel run, bazel test), else the source tree (run by hand).
for R in ${RUNFILES_DIR:+"$RUNFILES_DIR/syncbench"} "$0.runfiles/syncbench" ${TEST_SRCDIR:+"$TEST_SRCDIR/syncbench"} \
	"$(cd "$(dirname "$0")/../.." && pwd)"; do [ -d "$R" ] && break; done
COMPARE=${REPRODUCE_COMPARE:-$R/bench/compare/compare}
ANALYZE=${COMPARE_ANALYZE:-$R/bench/compare/analyze}
args=("$@")
case " $* " in *" --full "* | *" --quick "*) ;; *) args=(--quick "${args[@]}") ;; esac
case " $* " in *" --help "* | *" -h "*)
	sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac
"$COMPARE" "${args[@]}" --list >/dev/null || exit $? # a bad option: compare's one line, exit 2
runs=()
for k in 1 2; do
	echo "$prog: run $k of 2: compare ${args[*]}" >&2
	out=$("$COMPARE" "${args[@]}" --no-plots) || { st=$?; echo "$prog: run $k failed (exit $st)" >&2; exit $st; }
	runs+=("$(printf '%s\n' "$out" | sed -n 's/^results: //p')")
done
echo "run A: ${runs[0]}"
echo "run B: ${runs[1]}"
exec "$ANALYZE" reproduce "${runs[0]}" "${runs[1]}"
