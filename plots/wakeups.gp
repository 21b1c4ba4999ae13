# wakeups.gp - sync wakeups per update vs loop threads, per scenario and family.
JSON = ARG1; OUTDIR = ARG2; PD = ARG3
load PD . "/style.gp"
FIG = "wakeups"
TITLE = sprintf("Sync wakeups per update (poller returns caused by the strategy), %s updates/s from a loop thread", SWEEP)
YLABEL = "sync wakeups per update"
LOGY = 0
MODE = "sweep"
ROWSC = (SWEEPSCENS ne "" ? SWEEPSCENS : SCENS)
ROWM = ""; do for [w in ROWSC] { ROWM = ROWM . " sync_wakeups_per_update" }
load PD . "/panels.gp"
