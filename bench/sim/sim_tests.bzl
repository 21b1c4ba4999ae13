"""The simulator's tests: each one's target and the must-fail targets of its deliberate breaks."""

load("//tools/bazel:tests.bzl", "c_test")

# The simulator's sources, one file per concern (sim_internal.h says what each
# offers the others).
SIM_SRCS = [
    "calibrate.c",
    "config.c",
    "events.c",
    "loop.c",
    "placement.c",
    "resources.c",
    "run.c",
    "sim_internal.h",
    "summary.c",
    "workload.c",
]

SIM_DEPS = [
    "//bench/lib:floors",
    "//bench/lib:histogram",
    "//bench/lib:lifecycle",
    "//bench/lib:strategy_thread",
    "//bench/placement",
    "//strategies:sync",
    "//system:hwloc",
    "//system:pthread",
]

# The break variants compile the simulator and its watchdog again with a
# deliberate break (see //tools/bazel:tests.bzl).
SIM_BREAK_SRCS = SIM_SRCS + [
    "pollsim.h",
    "//bench/lib:watchdog.c",
    "//bench/lib:watchdog.h",
]

_TEST_DEPS = [
    "//bench/lib:check",
    "//bench/lib:test_strategy",
    "//strategies:registry",
]

def sim_test(name, size, breaks = [], break_size = None):
    """<name>.c (and sim_test.h) against the simulator library, and one <name>_catches_<what> per break.

    Args:
      name: the test; its source is <name>.c.
      size: the test's size.
      breaks: the simulator's or watchdog's break macros the test must catch.
      break_size: the size of the break targets (default: size).
    """
    c_test(
        name = name,
        size = size,
        srcs = [
            name + ".c",
            "sim_test.h",
        ],
        linkopts = ["-lm"],
        deps = [":pollsim_lib"] + _TEST_DEPS,
        breaks = breaks,
        break_size = break_size,
        broken_srcs = SIM_BREAK_SRCS,
        broken_deps = SIM_DEPS + _TEST_DEPS,
    )
