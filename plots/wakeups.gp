# wakeups.gp - sync wakeups per update (poller returns caused by the
# strategy, not by an event or a timeout) vs loop threads, one panel per
# scenario. Linear y: the interesting values are 0 and N-1 (wake_all).
JSON = ARG1; OUTDIR = ARG2; PD = ARG3
load PD . "/style.gp"
FIG = "wakeups"
METRIC = "sync_wakeups_per_update"
YLABEL = "sync wakeups per update"
TITLE = "Sync wakeups per update (poller returns caused by the strategy)"
LOGY = 0
load PD . "/panels.gp"
