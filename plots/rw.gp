# rw.gp - readers/writers throughput (reads/s, writes/s; medians with 95%
# intervals) vs reader threads with 1 writer, one panel per family.
JSON = ARG1; OUTDIR = ARG2; PD = ARG3
load PD . "/style.gp"
FIG = "rw"
TITLE = "Readers/writers throughput, 1 writer"
YLABEL = "per second"
LOGY = 1
MODE = "rw"
ROWSC = "- -"
ROWM = "reads_per_s writes_per_s"
load PD . "/panels.gp"
