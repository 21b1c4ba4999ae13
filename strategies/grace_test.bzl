"""grace_test(): the shared correctness harness (GRACE_TEST_SRCS) built against one strategy library.

grace_harness_test(): that harness against one library, with the given arguments.
One cc_test per reclaim mode, named <strategy>_grace_test (sync) and <strategy>_defer_grace_test (defer).
broken_grace_test(): the same harness against a deliberately broken build of a strategy, asserting that
the harness FAILS on it (--expect-fail runs the checks in a child process). By default the broken build is
the strategy's own file with its deps and copts from strategies.bzl; srcs and deps name them otherwise.
"""

load(":strategies.bzl", "strategy_copts", "strategy_deps", "strategy_hdrs")

# The harness's files, compiled again for each strategy (-DTEST_OPS=sync_<strategy>).
GRACE_TEST_SRCS = [
    "grace_test.c",
    "grace_test.h",
    "grace_test_litmus.c",
    "grace_test_script.c",
    "grace_test_stress.c",
]

def grace_harness_test(name, strategy, lib, args, copts = [], tags = [], size = "medium"):
    """The grace harness (GRACE_TEST_SRCS, -DTEST_OPS=sync_<strategy>) against lib, with args."""
    native.cc_test(
        name = name,
        srcs = GRACE_TEST_SRCS,
        copts = ["-DTEST_OPS=sync_" + strategy] + copts,
        args = args,
        deps = [":sync", lib],
        tags = tags,
        size = size,
    )

def grace_test(strategy, lib, modes = ["sync", "defer"], tags = [], size = "medium"):
    for mode in modes:
        grace_harness_test(
            name = strategy + ("_grace_test" if mode == "sync" else "_defer_grace_test"),
            strategy = strategy,
            lib = lib,
            args = [mode],
            tags = tags,
            size = size,
        )

def broken_grace_test(name, strategy, defines, srcs = None, mode = "sync", phase = "all", deps = None, tags = ["no_tsan"]):
    # no_tsan by default: the races these builds contain are the point; the
    # harness's own checks (and ASAN) must catch them, TSAN would stop first.
    native.cc_library(
        name = name + "_lib",
        srcs = srcs if srcs != None else [strategy + ".c"] + strategy_hdrs(strategy),
        copts = (strategy_copts(strategy) if srcs == None else []) + ["-D" + d for d in defines],
        deps = [":sync"] + (deps if deps != None else strategy_deps(strategy)),
        testonly = True,
        alwayslink = True,
    )
    grace_harness_test(
        name = name,
        strategy = strategy,
        lib = ":" + name + "_lib",
        args = [mode, "--phase=" + phase, "--expect-fail"],
        tags = tags,
    )

def _mode_suffix(mode):
    return "_test" if mode in [None, "sync"] else "_" + mode + "_test"

def _own_harness_test(strategy, name, mode, lib, expect_fail):
    native.cc_test(
        name = name,
        size = "small",
        srcs = [strategy + "_test.c"],
        args = ([mode] if mode else []) + (["--expect-fail"] if expect_fail else []),
        copts = ["-DTEST_OPS=sync_" + strategy],
        tags = ["no_tsan"],
        deps = [lib],
    )

def own_harness_tests(strategy, modes = [None], breaks = []):
    """A strategy validated by its own harness, <strategy>_test.c, instead of grace_test.c.

    One cc_test per mode (the harness's first argument; None: no argument): <strategy>_test for sync or None,
    <strategy>_<mode>_test otherwise. For each break WHAT, the strategy's file built with
    -D<STRATEGY>_BREAK_<WHAT> (library <strategy>_broken_<what>) and, per mode, the same harness against it,
    <strategy>_broken_<what>_test (<strategy>_broken_<what>_<mode>_test), which passes only when the harness
    FAILS (--expect-fail). All no_tsan: the strategies' readers race by design, which their harness checks.
    """
    for mode in modes:
        _own_harness_test(strategy, strategy + _mode_suffix(mode), mode, ":" + strategy, False)
    for what in breaks:
        lib = strategy + "_broken_" + what.lower()
        native.cc_library(
            name = lib,
            testonly = True,
            srcs = [strategy + ".c"] + strategy_hdrs(strategy),
            copts = strategy_copts(strategy) + ["-D" + strategy.upper() + "_BREAK_" + what],
            deps = [":sync"] + strategy_deps(strategy),
            alwayslink = True,
        )
        for mode in modes:
            _own_harness_test(strategy, lib + _mode_suffix(mode), mode, ":" + lib, True)
