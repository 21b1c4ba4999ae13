# event_delay.gp - event delay p99 (pooled over the repetitions' histograms;
# drawn only where the samples suffice) vs update rate, at threads = CPUs with
# the updater in a loop thread: the stall updates impose on event handling.
JSON = ARG1; OUTDIR = ARG2; PD = ARG3
load PD . "/style.gp"
FIG = "event_delay"
TITLE = sprintf("Event delay p99 (pooled) vs update rate, %d loop threads, updater in a loop thread", CPUS)
YLABEL = "event delay p99 (ns)"
LOGY = 1
MODE = "rate"
ROWSC = (RSCENS ne "" ? RSCENS : word(SCENS, 1))
ROWM = ""; do for [w in ROWSC] { ROWM = ROWM . " event_delay_p99_ns" }
load PD . "/panels.gp"
