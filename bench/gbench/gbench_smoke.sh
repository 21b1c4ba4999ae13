#!/bin/sh
# Smoke test of a benchmark binary: runs it ($1) with the remaining arguments
# (a tiny --benchmark_min_time) and JSON output, and fails if it exits non-zero
# or writes no benchmark result. Speed is not checked: this only proves it runs.
set -eu
bin=$1
shift
out=${TEST_TMPDIR:-/tmp}/smoke.$$.json
"$bin" "$@" --benchmark_out="$out" --benchmark_out_format=json >/dev/null
jq=$(command -v jq || echo /usr/bin/jq)
n=$("$jq" '.benchmarks | length' "$out")
if [ "$n" -lt 1 ]; then
	echo "gbench_smoke: $bin wrote no benchmark results" >&2
	exit 1
fi
echo "gbench_smoke: $bin: $n results"
