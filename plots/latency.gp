# latency.gp - update latency p50 (scheduled -> done; median over the
# repetitions, 95% interval) vs loop threads, one figure per scenario
# (latency-<scenario>.png/.svg), one panel per family, updater in a loop
# thread, the sweep's update rate (LATSCENS: the scenarios that have such
# points). Log y: latencies span ns to ms.
JSON = ARG1; OUTDIR = ARG2; PD = ARG3
load PD . "/style.gp"
do for [scn in LATSCENS] {
	FIG = "latency-" . scn
	TITLE = sprintf("Update latency p50, scenario %s, %s updates/s from a loop thread", scn, SWEEP)
	YLABEL = "update latency p50 (ns)"
	LOGY = 1
	MODE = "sweep"
	ROWSC = scn
	ROWM = "update_p50_ns"
	load PD . "/panels.gp"
}
