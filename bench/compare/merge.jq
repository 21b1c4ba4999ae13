# merge.jq - one Google Benchmark JSON out of the run's finished points
# (bench/compare/compare.sh runs it as points finish, so the file is always
# valid).
#
# Inputs (jq -n ... -f merge.jq points/empty.json points/NNNNN.rR.json ...):
#   inputs     every finished run's Google Benchmark JSON, in run order; R in
#              the file name is the run's repetition (its round)
#   $pts       the matrix: one object per point (compare_bench --list-points)
#   $gbc[0]    Google Benchmark's own context (from the first finished run)
#   $suite[0]  the suite's context (CPU model, kernel, compiler, commit, ...)
#   $incomplete, $finished, $done, $interrupted
#
# Each entry gets "params": its point's parameters from the matrix (scenario,
# strategy, family, reclaim, threads, updater, rate, readers, writers,
# participants, oversubscribed, ...) plus its repetition, so that nothing
# downstream reads a parameter out of a benchmark name. No figure is derived
# here: the statistics are analyze's (stats.json).

($pts | map({key: .name, value: del(.est_s)}) | from_entries) as $p
| [inputs
   | ((input_filename // "") | capture("\\.r(?<r>[0-9]+)\\.json$") | .r | tonumber) as $rep
   | .benchmarks[]
   # Google Benchmark appends /iterations:1/manual_time to the point's name
   | . + {params: (($p[(.run_name // .name) | sub("/iterations:1/manual_time$"; "")] // {})
		   + {repetition: $rep})}] as $b
| {
	context: ($gbc[0] + $suite[0] + {
		incomplete: $incomplete,
		finished: $finished,
		runs_finished: $done,
		interrupted_by: (if $interrupted == "" then null else "SIG" + $interrupted end)
	}),
	benchmarks: $b
}
