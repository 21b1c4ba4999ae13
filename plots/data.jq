# data.jq - every figure's columns, pulled from a run's stats.json (written by
# bench/compare/analyze: one entry per point, its parameters as fields, each
# figure's median and 95% interval over the repetitions) with jq; gnuplot
# reads them through `plot "< jq ..."` or a fetched file. No statistic is
# computed here. Run as:
#   jq -r -f data.jq --arg what W [--arg scen S] [--arg series K]
#                    [--arg metric M] [--arg upd U] stats.json
# A series is "<strategy>:<reclaim>"; its panel (small multiples by family,
# at most six series each besides `none`, the reference, drawn in every
# panel) is "excl<k>" (baseline and exclusive), "gsync<k>" (grace periods,
# synchronous reclamation) or "gdefer<k>" (deferred), k = 1, 2, ... when a
# family has more than six series. Points that did not run are not drawn.
# Every data line is "x median lo hi" (lo = hi = median where the point has
# no interval: fewer than 6 repetitions, or a pooled percentile).
#
#   what=pre       gnuplot assignments of the run-wide values
#   what=series    the series present (fam=rw: of the readers/writers points)
#   what=sweep     "threads ..." of a series at scenario, updater, sweep rate
#   what=rate      "rate ..." at scenario, threads = online CPUs, updater loop
#   what=bar       "index median lo hi title colour": metric at scenario,
#                  threads = online CPUs, updater loop, sweep rate
#   what=rw        "readers ..." of a series with writers = $w
#   what=rwbar     "index median lo hi title colour": readers 1, writers 0
# For sweep, rate and rw, --arg series '*' gives every series at once, one
# gnuplot data block each, in what=series order.

def arg($n): $ARGS.named[$n] // "";
def series: "\(.strategy):\(.reclaim)";
def panel_base: if .family == "grace" then (if .reclaim == "defer" then "gdefer" else "gsync" end) else "excl" end;
def title($s): $s | split(":") | if .[1] == "defer" then "\(.[0]) (defer)" else .[0] end;
# The figure of a point as [median, lo, hi], or null when not measured.
def fig($m): (.figures[$m] | if . == null then null
		else [.median, (.lo // .median), (.hi // .median)] end)
	// (.pooled[$m] | if . == null or .value == null then null else [.value, .value, .value] end);
def line($x; $m): fig($m) as $f | if $f == null then empty else "\($x) \($f | map(tostring) | join(" "))" end;

.online_cpus as $cpus
| [.points[] | select(.error == null or (.figures | length) > 0)] as $rows
| ([$rows[] | select(.kind == "poll") | .rate] | group_by(.) | max_by(length) // [200] | .[0]) as $sweep
| arg("metric") as $m
| def series_of($fam): [$rows[] | select(.kind == $fam) | series]
	| reduce .[] as $s ([]; if index([$s]) then . else . + [$s] end);
  # The panel of each series of a kind: its family panel, cut in chunks of
  # at most 6 series (excl1, excl2, ...); none, the reference, is in all.
  def panels_of($fam): series_of($fam) as $ss
	| [$ss[] as $s | [$rows[] | select(.kind == $fam and series == $s)] | .[0] | {s: $s, b: panel_base}]
	| reduce .[] as $e ({n: {}, out: []};
		if $e.s == "none:sync" then .out += ["all"]
		else (.n[$e.b] // 0) as $k | .n[$e.b] = $k + 1 | .out += ["\($e.b)\($k / 6 | floor + 1)"] end)
	| .out;
  def panel_names($fam): [panels_of($fam)[] | select(. != "all")] | unique
	| sort_by((if startswith("excl") then 0 elif startswith("gsync") then 1 else 2 end), .);
  def blocks($fam; f): if arg("series") == "*" then
	[series_of($fam)[] as $s | [$s | f] | if length == 0 then "NaN NaN NaN NaN" else join("\n") end] | join("\n\n\n")
	else (arg("series") | f) end;
  def gpstr: tostring | gsub("\""; "'") | "\"\(.)\"";
  if arg("what") == "pre" then
	"SERIES = \(series_of("poll") | join(" ") | gpstr); " +
	"PANELS = \(panels_of("poll") | join(" ") | gpstr); " +
	"PANELNAMES = \(panel_names("poll") | join(" ") | gpstr); " +
	"RWPANELNAMES = \(panel_names("rw") | join(" ") | gpstr); " +
	"RWSERIES = \(series_of("rw") | join(" ") | gpstr); " +
	"RWPANELS = \(panels_of("rw") | join(" ") | gpstr); " +
	"CPUS = \($cpus // 1); SWEEP = \($sweep | gpstr); " +
	"XMAX = \(1.25 * ([$rows[] | select(.kind == "poll") | .threads] | max // 4)); " +
	"RWMAX = \(1.25 * ([$rows[] | select(.kind == "rw") | .readers] | max // 4)); " +
	"SCENS = \([$rows[] | select(.kind == "poll") | .scenario] | reduce .[] as $s ([]; if index([$s]) then . else . + [$s] end) | join(" ") | gpstr); " +
	# scenarios with points of the loop updater at the sweep's rate (the
	# latency figures' data; slowcall has only the outside updater)
	"LATSCENS = \([$rows[] | select(.kind == "poll" and .rate == $sweep and .updater == "loop") | .scenario] | reduce .[] as $s ([]; if index([$s]) then . else . + [$s] end) | join(" ") | gpstr); " +
	# scenarios with more than one thread count (a sweep worth a line plot)
	"SWEEPSCENS = \([$rows[] | select(.kind == "poll" and .rate == $sweep and .updater == "loop")] | group_by(.scenario) | map(select(map(.threads) | unique | length > 1) | .[0].scenario) | join(" ") | gpstr); " +
	# scenarios with more than one rate at threads = CPUs
	"RSCENS = \([$rows[] | select(.kind == "poll" and .threads == $cpus and .updater == "loop")] | group_by(.scenario) | map(select(map(.rate) | unique | length > 1) | .[0].scenario) | join(" ") | gpstr)"
  elif arg("what") == "series" then
	series_of(arg("fam") | if . == "" then "poll" else . end)[]
  elif arg("what") == "sweep" then
	blocks("poll"; . as $s | [$rows[] | select(.kind == "poll" and .scenario == arg("scen") and series == $s
			 and .updater == (arg("upd") | if . == "" then "loop" else . end) and .rate == $sweep)]
		| sort_by(.threads)[] | line(.threads; $m))
  elif arg("what") == "rate" then
	blocks("poll"; . as $s | [$rows[] | select(.kind == "poll" and .scenario == arg("scen") and series == $s
			  and .updater == "loop" and .threads == $cpus)]
		| sort_by(.rate)[] | line(.rate; $m))
  elif arg("what") == "bar" then
	series_of("poll") as $all
	| [$rows[] | select(.kind == "poll" and .scenario == arg("scen") and .updater == "loop"
			  and .threads == $cpus and .rate == $sweep and fig($m) != null)]
	| to_entries[] | .value as $p | ($p | fig($m)) as $f
	| "\(.key) \($f | map(tostring) | join(" ")) \"\(title($p | series))\" \(($all | index([$p | series]) // .key) + 1)"
  elif arg("what") == "rw" then
	blocks("rw"; . as $s | [$rows[] | select(.kind == "rw" and series == $s and .writers == (arg("w") | tonumber))]
		| sort_by(.readers)[] | line(.readers; $m))
  elif arg("what") == "rwbar" then
	(series_of("poll") | if length == 0 then series_of("rw") else . end) as $all
	| [$rows[] | select(.kind == "rw" and .readers == 1 and .writers == 0 and fig($m) != null)]
	| to_entries[] | .value as $p | ($p | fig($m)) as $f
	| "\(.key) \($f | map(tostring) | join(" ")) \"\(title($p | series))\" \(($all | index([$p | series]) // .key) + 1)"
  else error("data.jq: unknown --arg what \(arg("what"))") end
