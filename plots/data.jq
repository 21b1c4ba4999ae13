# data.jq - every figure's columns, pulled from a run's benchmarks.json with jq
# (gnuplot reads them through `plot "< jq ..."`; no JSON parser is written
# here). Run as:
#   jq -r -f data.jq --arg what W [--arg scen S] [--arg series K]
#                    [--arg metric M] [--arg upd U] benchmarks.json
# Names are <scenario>/<strategy>/threads:N/updater:U/reclaim:R/rate:X/...
# and rw/<strategy>/readers:R/writers:W/reclaim:R/...; a series is
# "<strategy>:<reclaim>". With repetitions, the median aggregate is plotted;
# skipped (error) points are never plotted (summary.md lists them).
#
#   what=series    the series present among the poll-loop points (or rw with
#                  fam=rw), in run (= registry) order, one per line
# For sweep, rate and rw, --arg series '*' gives every series at once, one
# gnuplot data block each, in what=series order (one jq run per panel).
#   what=sweep     "threads value" of series at scenario, updater, sweep rate
#   what=rate      "rate value" of series at scenario, threads = online CPUs,
#                  updater loop
#   what=bar       "index value title colour" per series: metric at scenario,
#                  threads = online CPUs, updater loop, sweep rate
#   what=rw        "readers value" of series with writers = $w
#   what=rwbar     "index value title colour" per series: metric at readers 1, writers 0
# (colour: the series' place in the poll-loop series, as in the line plots)

def arg($n): $ARGS.named[$n] // "";
def kv: split(":") | {(.[0]): .[1]};
def parse: (.run_name // .name) | split("/") as $f
	| if $f[0] == "rw" then
		{fam: "rw", strategy: $f[1]} + ($f[2:5] | map(kv) | add)
		| .readers |= tonumber | .writers |= tonumber
	  else
		{fam: "poll", scenario: $f[0], strategy: $f[1]} + ($f[2:6] | map(kv) | add)
		| .threads |= tonumber | .rate |= tonumber
	  end
	| . + {series: "\(.strategy):\(.reclaim)"};
def title($s): $s | split(":") | if .[1] == "defer" then "\(.[0]) (defer)" else .[0] end;

.context as $ctx
| ($ctx.sweep_rate // 200) as $sweep
| $ctx.online_cpus as $cpus
| [.benchmarks[]
   | select(.error_occurred != true)
   | select(if (.repetitions // 1) > 1 then .aggregate_name == "median" else .run_type != "aggregate" end)
   | . + {p: parse}] as $rows
| arg("metric") as $m
# The series present, in run (= registry) order.
| def series_of($fam): [$rows[] | select(.p.fam == $fam) | .p.series]
	| reduce .[] as $s ([]; if index([$s]) then . else . + [$s] end);
# With --arg series '*': one block per series (in series_of order), blocks
# separated by two blank lines (gnuplot's `index`), an empty series as one
# "NaN NaN" line so that block numbers stay aligned with the series.
  def blocks($fam; f): if arg("series") == "*" then
	[series_of($fam)[] as $s | [$s | f] | if length == 0 then "NaN NaN" else join("\n") end] | join("\n\n\n")
	else (arg("series") | f) end;
  def gpstr: tostring | gsub("\""; "'") | "\"\(.)\"";
  if arg("what") == "pre" then
	# gnuplot assignments of the run-wide values (render.sh, gnuplot -e)
	"SERIES = \(series_of("poll") | join(" ") | gpstr); " +
	"RWSERIES = \(series_of("rw") | join(" ") | gpstr); " +
	"CPUS = \($cpus // 1); SWEEP = \($sweep | gpstr); " +
	"RUN = \("\($ctx.host_short // $ctx.host_name) \($ctx.commit // "") \($ctx.cpu_model // "") \($ctx.online_cpus) CPUs" + (if $ctx.incomplete then " INCOMPLETE" else "" end) | gpstr); " +
	"XMAX = \(1.25 * ([$rows[] | select(.p.fam == "poll") | .p.threads] | max // 4)); " +
	"SCENS = \([$rows[] | select(.p.fam == "poll") | .p.scenario] | reduce .[] as $s ([]; if index([$s]) then . else . + [$s] end) | join(" ") | gpstr)"
  elif arg("what") == "series" then
	series_of(arg("fam") | if . == "" then "poll" else . end)[]
  elif arg("what") == "title" then title(arg("series"))
  elif arg("what") == "sweep" then
	blocks("poll"; . as $s | $rows[] | select(.p.fam == "poll" and .p.scenario == arg("scen") and .p.series == $s
			 and .p.updater == (arg("upd") | if . == "" then "loop" else . end)
			 and .p.rate == $sweep and .[$m] != null)
		| "\(.p.threads) \(.[$m])")
  elif arg("what") == "rate" then
	blocks("poll"; . as $s | [$rows[] | select(.p.fam == "poll" and .p.scenario == arg("scen") and .p.series == $s
			  and .p.updater == "loop" and .p.threads == $cpus and .[$m] != null)]
		| sort_by(.p.rate)[] | "\(.p.rate) \(.[$m])")
  elif arg("what") == "bar" then
	[$rows[] | select(.p.fam == "poll" and .p.scenario == arg("scen") and .p.updater == "loop"
			  and .p.threads == $cpus and .p.rate == $sweep and .[$m] != null)]
	| series_of("poll") as $all
	| to_entries[] | . as $e | "\(.key) \(.value[$m]) \"\(title(.value.p.series))\" \(($all | index([$e.value.p.series]) // $e.key) + 1)"
  elif arg("what") == "rw" then
	blocks("rw"; . as $s | [$rows[] | select(.p.fam == "rw" and .p.series == $s and .p.writers == (arg("w") | tonumber)
			  and .[$m] != null)]
		| sort_by(.p.readers)[] | "\(.p.readers) \(.[$m])")
  elif arg("what") == "rwbar" then
	[$rows[] | select(.p.fam == "rw" and .p.readers == 1 and .p.writers == 0 and .[$m] != null)]
	| (series_of("poll") | if length == 0 then series_of("rw") else . end) as $all
	| to_entries[] | . as $e | "\(.key) \(.value[$m]) \"\(title(.value.p.series))\" \(($all | index([$e.value.p.series]) // $e.key) + 1)"
  else error("data.jq: unknown --arg what \(arg("what"))") end
