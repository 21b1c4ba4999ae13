#!/usr/bin/env bash
# mutation.sh - the mutation check: builds every mutant of strategies/mutants.bzl
# (one deliberate break each, <STRATEGY>_BREAK_<WHAT>), runs each one's
# must-fail validation --runs times, and prints one row per mutant:
#   mutant  killed (runs that failed the validation / runs)  by (target: first failed check)  seconds (slowest run)
# Exits 1 unless every mutant was killed in every run.
#
#   ./bazelw run //strategies:mutation -- [--runs=3] [--subset=all|ci]
#   strategies/mutation.sh [--runs=3] [--subset=all|ci]
# The ci subset (tag mutant_ci) is one mutant per strategy family's key line
# (each fence, claim and wait the litmus and scripted tests exist for).
# Tests run one at a time: the litmus tests need both CPUs at once.
set -uo pipefail

runs=3
subset=all
for a in "$@"; do
	case "$a" in
	--runs=[1-9]|--runs=[1-9][0-9]) runs=${a#--runs=} ;;
	--subset=all|--subset=ci) subset=${a#--subset=} ;;
	*)
		echo "mutation: unknown argument '$a', allowed: --runs=1..99, --subset=all|ci" >&2
		exit 2
		;;
	esac
done

cd "${BUILD_WORKSPACE_DIRECTORY:-$(dirname "$0")/..}" || exit 2
tag=mutant
[ "$subset" = ci ] && tag=mutant_ci
bazel=./bazelw
logdir=$(mktemp -d)
trap 'rm -rf "$logdir"' EXIT

targets=$($bazel query --noshow_progress "attr(tags, '\\b$tag\\b', tests(//strategies:all))" 2>"$logdir/query.err") || {
	cat "$logdir/query.err" >&2
	exit 2
}
[ -n "$targets" ] || { echo "mutation: no target tagged $tag" >&2; exit 2; }
n=$(echo "$targets" | wc -l)
echo "mutation: $n mutants ($subset), $runs run(s) each" >&2
if ! $bazel build --noshow_progress $targets >"$logdir/build.log" 2>&1; then
	tail -30 "$logdir/build.log" >&2
	echo "mutation: a mutant does not build" >&2
	exit 2
fi

declare -A killed secs by
for t in $targets; do
	killed[$t]=0
	secs[$t]=0
	by[$t]=""
done
for ((r = 1; r <= runs; r++)); do
	$bazel test --noshow_progress --nocache_test_results --local_test_jobs=1 --test_output=summary \
		$targets >"$logdir/run$r.log" 2>&1
	for t in $targets; do
		line=$(grep -E "^$t +(\(cached\) )?(PASSED|FAILED|TIMEOUT)" "$logdir/run$r.log" | head -1)
		s=$(echo "$line" | sed -nE 's/.* in ([0-9.]+)s.*/\1/p')
		[ -n "$s" ] && secs[$t]=$(awk -v a="${secs[$t]}" -v b="$s" 'BEGIN { print (b > a) ? b : a }')
		case "$line" in
		*PASSED*)
			killed[$t]=$((killed[$t] + 1))
			if [ -z "${by[$t]}" ]; then
				log="bazel-testlogs/strategies/${t#//strategies:}/test.log"
				by[$t]=$(grep -m1 -E '^FAIL' "$log" 2>/dev/null | cut -c1-90)
			fi
			;;
		esac
	done
done

status=0
printf '%-44s %-7s %8s  %s\n' mutant killed seconds "by (test: first failed check)"
for t in $targets; do
	name=${t#//strategies:}
	strat=${name%%_broken_*}
	what=${name#*_broken_}
	what=${what%_test}
	macro=$(echo "${strat}_BREAK_${what}" | tr a-z A-Z)
	printf '%-44s %-7s %8s  %s: %s\n' "$macro" "${killed[$t]}/$runs" "${secs[$t]}" "$name" "${by[$t]:-(not killed)}"
	[ "${killed[$t]}" -eq "$runs" ] || status=1
done
[ $status -eq 0 ] && echo "mutation: every mutant killed in every run" >&2 || echo "mutation: SURVIVORS above" >&2
exit $status
