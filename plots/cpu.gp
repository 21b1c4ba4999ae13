# cpu.gp - CPU time per update, all threads of the process, minus the same
# point's no-update baseline (scaled to the run's length), vs loop threads,
# one panel per scenario. Log y. A value at or below 0 (the baseline's noise
# exceeded the updates' cost) cannot be drawn on a log axis: such points are
# counted in the panel's title, never hidden silently.
JSON = ARG1; OUTDIR = ARG2; PD = ARG3
load PD . "/style.gp"
FIG = "cpu"
METRIC = "cpu_ns_per_update"
YLABEL = "CPU ns per update (all threads, minus baseline)"
TITLE = "CPU time per update (process CPU minus the no-update baseline of the same point)"
LOGY = 1
load PD . "/panels.gp"
