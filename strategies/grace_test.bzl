"""grace_test(): the shared correctness harness (GRACE_TEST_SRCS) built against one strategy library.

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

def grace_test(strategy, lib, modes = ["sync", "defer"], tags = [], size = "medium"):
    for mode in modes:
        native.cc_test(
            name = strategy + ("_grace_test" if mode == "sync" else "_defer_grace_test"),
            srcs = GRACE_TEST_SRCS,
            copts = ["-DTEST_OPS=sync_" + strategy],
            args = [mode],
            deps = [":sync", lib],
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
        # An opt-in strategy's broken build is opt-in too.
        tags = [t for t in tags if t == "manual"],
    )
    native.cc_test(
        name = name,
        srcs = GRACE_TEST_SRCS,
        copts = ["-DTEST_OPS=sync_" + strategy],
        args = [mode, "--phase=" + phase, "--expect-fail"],
        deps = [":sync", ":" + name + "_lib"],
        tags = tags,
        size = "medium",
    )
