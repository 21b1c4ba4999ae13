# cpu.gp - CPU per update (process CPU minus the point's no-update baseline)
# vs loop threads, per scenario and family.
JSON = ARG1; OUTDIR = ARG2; PD = ARG3
load PD . "/style.gp"
FIG = "cpu"
TITLE = sprintf("CPU time per update (process CPU minus the no-update baseline of the same point), %s updates/s", SWEEP)
YLABEL = "CPU ns per update"
LOGY = 1
MODE = "sweep"
ROWSC = (SWEEPSCENS ne "" ? SWEEPSCENS : SCENS)
ROWM = ""; do for [w in ROWSC] { ROWM = ROWM . " cpu_ns_per_update" }
load PD . "/panels.gp"
