# merge.jq - one Google Benchmark JSON out of the run's finished points
# (bench/compare.sh runs it after every point, so the file is always valid).
#
# Inputs (jq -n ... -f merge.jq .tmp/points/*.json):
#   inputs     every finished point's Google Benchmark JSON, in run order
#   $gbc[0]    Google Benchmark's own context (from the first finished point)
#   $suite[0]  the suite's context (CPU model, kernel, compiler, commit, ...)
#   $incomplete, $finished, $done, $interrupted
#
# Adds reader_overhead_ns to every poll-loop entry: its event_cpu_ns (CPU per
# event of the point's no-update baseline: the loop with the strategy's read
# side and per-iteration hooks) minus that of `none` at the same scenario,
# threads, updater and rate, measured in this same run (the median of none's
# repetitions). Entries whose `none` point
# did not run (filtered out, skipped) get no reader_overhead_ns.

def fields: (.run_name // .name) | split("/");
# The name of the `none` point matching a poll-loop name.
def none_key: fields | .[1] = "none" | .[4] = "reclaim:sync" | join("/");
def median: sort | if length == 0 then null
	elif length % 2 == 1 then .[length / 2 | floor]
	else (.[length / 2 - 1] + .[length / 2]) / 2 end;

[inputs | .benchmarks[]] as $b
| ($b | map(select(.error_occurred != true and .run_type != "aggregate"
		   and (fields | .[0] != "rw" and .[1] == "none") and .event_cpu_ns != null))
      | group_by(.run_name)
      | map({key: .[0].run_name, value: (map(.event_cpu_ns) | median)})
      | from_entries) as $none
| {
	context: ($gbc[0] + $suite[0] + {
		incomplete: $incomplete,
		finished: $finished,
		points_finished: $done,
		interrupted_by: (if $interrupted == "" then null else "SIG" + $interrupted end)
	}),
	benchmarks: [$b[]
		| if .error_occurred != true and .event_cpu_ns != null
		     and (.aggregate_name // "mean" | . == "mean" or . == "median")
		     and $none[none_key] != null
		  then . + {reader_overhead_ns: (.event_cpu_ns - $none[none_key])}
		  else . end]
}
