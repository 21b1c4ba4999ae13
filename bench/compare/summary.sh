#!/bin/sh
# summary.sh - summary.md of one run, from its benchmarks.json, with jq (rows)
# and awk (markdown, best per column in bold). Usage: summary.sh benchmarks.json
#
# Headline tables are at threads = online CPUs (the largest count that is not
# oversubscribed with the updater in a loop thread), updater in a loop thread,
# the thread sweep's update rate: the fairest point on this machine. Every
# skipped or failed point is listed with its reason at the end.
set -u
[ $# -eq 1 ] && [ -f "$1" ] || { echo "summary: usage: summary.sh <benchmarks.json>" >&2; exit 2; }
json=$1

# Markdown table from TSV on stdin: line 1 the header, line 2 a spec per
# column ("-": text, "lo"/"hi": lower/higher is best, bold; "lo+": lower is
# best among values >= 0: a figure minus a baseline can come out negative
# when the baseline's noise exceeds the cost, and noise is no winner), then rows. Column 1 is the row name.
# Values: numbers in ns are shown with units when the header ends in "(ns)".
table() {
	awk -F'\t' '
	function fmt(v, h) {
		if (v == "" || v == "-") return "-"
		# Words (e.g. "skipped") are shown as they are, never as numbers.
		if (v !~ /^-?[0-9.]+([eE][-+]?[0-9]+)?$/) return v
		if (h ~ /\(ns\)$/) {
			a = v < 0 ? -v : v
			if (a < 1e3) return sprintf("%.0f ns", v)
			if (a < 1e6) return sprintf("%.1f us", v / 1e3)
			if (a < 1e9) return sprintf("%.2f ms", v / 1e6)
			return sprintf("%.2f s", v / 1e9)
		}
		if (v + 0 == v && v != int(v)) return sprintf("%.2f", v)
		return v
	}
	NR == 1 { n = split($0, H, "\t"); next }
	NR == 2 { split($0, S, "\t"); next }
	{ rows++; for (i = 1; i <= n; i++) V[rows, i] = $i }
	END {
		for (i = 2; i <= n; i++) {
			if (S[i] == "-") continue
			for (r = 1; r <= rows; r++) {
				v = V[r, i]
				# none is the unsafe floor: shown, never "best"
				if (v == "" || v == "-" || v !~ /^-?[0-9.e+]+$/ || V[r, 1] ~ /^none/) continue
				if (S[i] == "lo+" && v + 0 < 0) continue
				if (!(i in best) || (S[i] == "hi" ? v + 0 > best[i] : v + 0 < best[i])) best[i] = v + 0
			}
		}
		line = "|"; sep = "|"
		for (i = 1; i <= n; i++) { line = line " " H[i] " |"; sep = sep (i == 1 ? "---|" : "---:|") }
		print line; print sep
		for (r = 1; r <= rows; r++) {
			line = "|"
			for (i = 1; i <= n; i++) {
				v = V[r, i]; s = (i == 1 ? v : fmt(v, H[i]))
				if (i > 1 && (i in best) && V[r, 1] !~ /^none/ && v ~ /^-?[0-9.e+]+$/ && v + 0 == best[i]) s = "**" s "**"
				line = line " " s " |"
			}
			print line
		}
	}'
}

ctx=$(jq -r '.context | "- machine: \(.cpu_model // "?"), \(.online_cpus // .num_cpus) online CPUs, \(.kernel // "?")
- build: \(.compiler // "?"); flags: `\(.cflags // "?")`; Google Benchmark library_build_type: \(.library_build_type // "?")
- commit: \(.commit // "?")\(if .commit_dirty then " (with uncommitted changes)" else "" end); host: \(.host_short // .host_name); placement: \(.placement // "none")
- started \(.started // .date), finished \(.finished // "?"); \(.duration_s // "?") s per measured run, \(.repetitions // 1) repetition(s)\(if .quick then "; --quick matrix" else "" end)
- cpu_scaling_enabled: \(.cpu_scaling_enabled | tostring); load average at the first point: \(.load_avg // [] | map(. * 100 | round / 100) | join(", "))\(if (.load_avg // [0])[0] > (.online_cpus // .num_cpus) then " (above the CPU count: other work shared the machine, expect noise)" else "" end)"' "$json")
floors=$(jq -r 'def median: sort | if length == 0 then null else .[length / 2 | floor] end;
	[.benchmarks[] | select(.floor_cacheline_rtt_ns != null and .floor_cacheline_rtt_ns > 0)] as $b
	| if ($b | length) == 0 then "- floors: not measured" else
	"- floors measured at each run'"'"'s start (median over the points): cache-line round trip \($b | map(.floor_cacheline_rtt_ns) | median | . / 10 | round / 100) us, sleep->wake round trip \($b | map(.floor_wake_rtt_ns) | median | . / 10 | round / 100) us" end' "$json")
incomplete=$(jq -r '.context | if .incomplete then "**INCOMPLETE**: interrupted (\(.interrupted_by // "unknown")) after \(.points_finished) of \(.points_selected) points; the figures below cover the finished points only." else "" end' "$json")
cpus=$(jq -r '.context.online_cpus // .context.num_cpus' "$json")
rate=$(jq -r '.context.sweep_rate // 200' "$json")

# Rows of the poll-loop points at the headline setting, with the fields parsed.
sel='def parse: (.run_name // .name) | split("/") as $f | {scen: $f[0], strat: $f[1], threads: ($f[2] // "" | ltrimstr("threads:")), upd: ($f[3] // "" | ltrimstr("updater:")), rec: ($f[4] // "" | ltrimstr("reclaim:")), rate: ($f[5] // "" | ltrimstr("rate:"))};
def row: select(if (.repetitions // 1) > 1 then .aggregate_name == "median" else .run_type != "aggregate" end);
def series: if .p.rec == "defer" then "\(.p.strat) (defer)" else .p.strat end;
[.benchmarks[] | row | select((.run_name // .name) | startswith("rw/") | not) | . + {p: parse}]'

cat <<EOF
# Comparison run $(basename "$(dirname "$(readlink -f "$json")")")

$ctx
$floors
${incomplete:+
$incomplete
}
Headline setting: **$cpus loop threads** (= online CPUs: not oversubscribed), updater in a loop
thread, $rate updates/s scheduled (open loop). Latencies run from the scheduled time to done
(isolation released, or grace period over and the old version freed). CPU/update is process CPU
minus the same point's no-update baseline (negative: below the baseline's noise; in saturated and
mixed the busy loops use all their CPU with or without updates, so CPU/update there is mostly
noise: read it in idle and bursty). Reader overhead
is the CPU per event of the point's no-update baseline (read side and per-iteration hooks) minus
\`none\`'s at the same point, in this run. Best per column in **bold** (\`none\` is the unsafe
floor and is not eligible; negative differences are noise and not eligible either).
Figures: plots/latency-<scenario>.png, wakeups.png, cpu.png, event_delay.png, reader_overhead.png,
rw.png. Points marked oversubscribed (more participants than CPUs) are shaded there.

## Update latency p99 per strategy and scenario ($cpus threads)

EOF

scens=$(jq -r "$sel"' | map(.p.scen) | reduce .[] as $s ([]; if index([$s]) then . else . + [$s] end) | join(" ")' "$json")
{
	printf 'strategy'; for s in $scens; do printf '\t%s p99 (ns)' "$s"; done; printf '\n'
	printf -- '-'; for s in $scens; do printf '\tlo'; done; printf '\n'
	jq -r --arg t "$cpus" --arg r "$rate" --arg scens "$scens" "$sel"' | map(select(.p.threads == $t and .p.upd == "loop" and .p.rate == $r))
		| (map(series) | reduce .[] as $s ([]; if index([$s]) then . else . + [$s] end)) as $names
		| . as $all | $names[] as $n
		| [$n] + [($scens | split(" "))[] as $sc | ($all | map(select(series == $n and .p.scen == $sc and .error_occurred != true)) | .[0].update_p99_ns // "-")]
		| map(if . == null then "-" else tostring end) | join("\t")' "$json" | awk -F'\t' -v OFS='\t' '$1 == "none" { $1 = "none (unsafe floor)" } 1'
} | table

for sc in $scens; do
	printf '\n## Scenario %s (%s threads, %s updates/s from a loop thread)\n\n' "$sc" "$cpus" "$rate"
	{
		printf 'strategy\tupdate p50 (ns)\tupdate p99 (ns)\tupdate p999 (ns)\tsync wakeups/update\tvol. ctx switches/update\tCPU/update (ns)\tevents/s\tevent delay p99 (ns)\treader overhead (ns)\n'
		printf -- '-\tlo\tlo\tlo\tlo\tlo+\tlo+\thi\tlo\tlo+\n'
		jq -r --arg t "$cpus" --arg r "$rate" --arg sc "$sc" "$sel"' | map(select(.p.threads == $t and .p.upd == "loop" and .p.rate == $r and .p.scen == $sc))[]
			| if .error_occurred then [series, "skipped: \(.error_message)"]
			  else [series, .update_p50_ns, .update_p99_ns, .update_p999_ns, .sync_wakeups_per_update, .vcsw_per_update,
				.cpu_ns_per_update, (.events_per_s | floor), .event_delay_p99_ns, (.reader_overhead_ns // "-")] end
			| map(if . == null then "-" else tostring end) | join("\t")' "$json"
	} | awk -F'\t' -v OFS='\t' 'NR > 2 && $1 == "none" { $1 = "none (unsafe floor)" } 1' | table
done

# Thread scaling: p99 at every thread count, idle scenario (or the first).
sc1=$(echo "$scens" | awk '{ for (i = 1; i <= NF; i++) if ($i == "idle") { print "idle"; exit } print $1 }')
if [ -n "$sc1" ]; then
	tcs=$(jq -r --arg sc "$sc1" --arg r "$rate" "$sel"' | map(select(.p.scen == $sc and .p.upd == "loop" and .p.rate == $r) | .p.threads | tonumber) | unique | map(tostring) | join(" ")' "$json")
	printf '\n## Update latency p99 vs threads, scenario %s (%s updates/s; threads above %s are oversubscribed here)\n\n' "$sc1" "$rate" "$cpus"
	{
		printf 'strategy'; for t in $tcs; do if [ "$t" -gt "$cpus" ]; then printf '\t%s thr. (oversub.) p99 (ns)' "$t"; else printf '\t%s thr. p99 (ns)' "$t"; fi; done; printf '\n'
		printf -- '-'; for t in $tcs; do printf '\tlo'; done; printf '\n'
		jq -r --arg sc "$sc1" --arg r "$rate" --arg tcs "$tcs" "$sel"' | map(select(.p.scen == $sc and .p.upd == "loop" and .p.rate == $r))
			| (map(series) | reduce .[] as $s ([]; if index([$s]) then . else . + [$s] end)) as $names
			| . as $all | $names[] as $n | select($n != "none")
			| [$n] + [($tcs | split(" "))[] as $t | ($all | map(select(series == $n and .p.threads == $t)) | .[0] | if . == null then "-" elif .error_occurred then "skipped" else .update_p99_ns end)]
			| map(if . == null then "-" else tostring end) | join("\t")' "$json"
	} | table
fi

# Readers/writers.
if jq -e '[.benchmarks[] | select((.run_name // .name) | startswith("rw/"))] | length > 0' "$json" >/dev/null; then
	printf '\n## Readers/writers (liburcu-style workload)\n\n'
	printf 'Read-side cost: 1 reader, no writer. Throughput: %s readers + 1 writer.\n\n' "$cpus"
	{
		printf 'strategy\tns per read, 1 reader alone (ns)\treads/s, %s readers + 1 writer\twrites/s\twrite p99 (ns)\n' "$cpus"
		printf -- '-\tlo\thi\thi\tlo\n'
		jq -r --arg r "$cpus" 'def parse: (.run_name // .name) | split("/") as $f | {strat: $f[1], readers: ($f[2] | ltrimstr("readers:")), writers: ($f[3] | ltrimstr("writers:")), rec: ($f[4] | ltrimstr("reclaim:"))};
			def row: select(if (.repetitions // 1) > 1 then .aggregate_name == "median" else .run_type != "aggregate" end);
			[.benchmarks[] | row | select((.run_name // .name) | startswith("rw/")) | . + {p: parse} | . + {s: (if .p.rec == "defer" then "\(.p.strat) (defer)" else .p.strat end)}]
			| (map(.s) | reduce .[] as $s ([]; if index([$s]) then . else . + [$s] end)) as $names
			| . as $all | $names[] as $n
			| ($all | map(select(.s == $n and .p.readers == "1" and .p.writers == "0" and .error_occurred != true)) | .[0]) as $a
			| ($all | map(select(.s == $n and .p.readers == $r and .p.writers == "1" and .error_occurred != true)) | .[0]) as $b
			| [$n, ($a.ns_per_read // "-"), (($b.reads_per_s // "-") | if type == "number" then floor else . end), (($b.writes_per_s // "-") | if type == "number" then floor else . end), ($b.write_p99_ns // "-")]
			| map(if . == null then "-" else tostring end) | join("\t")' "$json"
	} | table
fi

# Everything that did not run, with its reason.
printf '\n## Skipped or failed points\n\n'
jq -r '[.benchmarks[] | select(.error_occurred == true)] | if length == 0 then "None." else
	(group_by(.error_message) | map("- \(length) point(s): \(.[0].error_message)\n" + (map("  - `\((.run_name // .name) | sub("/iterations:1/manual_time$"; ""))`") | join("\n"))) | join("\n")) end' "$json"
printf '\n'
jq -r '[.benchmarks[] | select(.error_occurred != true and .updates == 0)] | if length == 0 then empty else
	"Points where no update completed (their update figures are absent, not 0):\n" + (map("- `\((.run_name // .name) | sub("/iterations:1/manual_time$"; ""))` (\(.label))") | join("\n")) end' "$json"
printf '\n## Oversubscribed points\n\n'
jq -r '[.benchmarks[] | select(.oversubscribed == 1)] | "\(length) measured points had more participants than online CPUs (label \"oversubscribed\" in the JSON, shaded in the plots); every latency there includes preemption."' "$json"
