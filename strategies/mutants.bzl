"""The mutation check's list: for every strategy, the lines its correctness rests on.

Each mutant is one deliberate break, `#ifdef <STRATEGY>_BREAK_<WHAT>` (or `#ifndef`) in the strategy's file,
and one permanent must-fail target, <strategy>_broken_<what>_test: the strategy's validation run against the
broken build, which passes only when the validation FAILS (it is "killed"). strategies/mutation.sh builds
and runs them all (or the `ci` subset) a number of times and prints the table.

Fields: strategy, what (the macro is STRATEGY_BREAK_WHAT), harness ("grace": grace_test.c and its files; "family":
haproxy_family_test.c; "script": tgroups_script_test.c), args (the harness's arguments before its
expect-failure flag), ci (in the CI subset), and for a second target on a mutant already listed, name
(such targets are must-fail tests too, but not rows of the table). A mutant's library gets the strategy's
headers and deps from strategies.bzl.
"""

load(":grace_test.bzl", "GRACE_TEST_SRCS")
load(":strategies.bzl", "strategy_deps", "strategy_hdrs")

MUTANTS = [
    # rwlock: the read side takes the lock.
    {"strategy": "rwlock", "what": "NOLOCK", "harness": "grace", "args": ["sync", "--phase=stress"], "ci": True},
    # qsbr: the wait, offline while asleep, which grace period a caller may share, the online fence,
    # and what barrier() frees.
    {"strategy": "qsbr", "what": "NOWAIT", "harness": "grace", "args": ["sync", "--phase=stress"], "ci": True},
    {"strategy": "qsbr", "what": "NOWAIT", "name": "qsbr_broken_defer_nowait_test", "harness": "grace", "args": ["defer", "--phase=stress"]},
    {"strategy": "qsbr", "what": "OFFLINE", "harness": "grace", "args": ["sync", "--phase=offline"]},
    {"strategy": "qsbr", "what": "BATCH", "harness": "grace", "args": ["sync", "--phase=piggyback"], "ci": True},
    {"strategy": "qsbr", "what": "NOBATCH", "harness": "grace", "args": ["sync", "--phase=batch"]},
    {"strategy": "qsbr", "what": "ONLINE_FENCE", "harness": "grace", "args": ["sync", "--phase=litmus"], "ci": True},
    {"strategy": "qsbr", "what": "BARRIER_ALL", "harness": "grace", "args": ["defer", "--phase=orphan"]},
    # ebr: the scan of active readers, the grace of two epochs, the read-side fence.
    {"strategy": "ebr", "what": "ACTIVE", "harness": "grace", "args": ["sync", "--phase=stress"]},
    {"strategy": "ebr", "what": "ACTIVE", "name": "ebr_broken_defer_active_test", "harness": "grace", "args": ["defer", "--phase=stress"]},
    {"strategy": "ebr", "what": "ONE_EPOCH", "harness": "grace", "args": ["sync", "--phase=stress"], "ci": True},
    {"strategy": "ebr", "what": "READ_FENCE", "harness": "grace", "args": ["sync", "--phase=litmus"], "ci": True},
    {"strategy": "ebr", "what": "BARRIER_LOCAL", "harness": "grace", "args": ["defer", "--phase=barrier"]},
    # The library wrappers: each section announced to the library, the grace period waited for.
    {"strategy": "urcu_qsbr", "what": "NO_SYNC", "harness": "grace", "args": ["sync", "--phase=stress"], "deps": ["//system:urcu_qsbr"]},
    {"strategy": "urcu_memb", "what": "NO_SECTION", "harness": "grace", "args": ["sync", "--phase=stress"], "deps": ["//system:urcu_memb"]},
    {"strategy": "ck_epoch", "what": "NO_SECTION", "harness": "grace", "args": ["sync", "--phase=stress"], "deps": ["//system:ck"]},
    {"strategy": "ck_epoch", "what": "BARRIER_LOCAL", "harness": "grace", "args": ["defer", "--phase=barrier"], "deps": ["//system:ck"]},
    # wake_all: one write per round, both barriers, the requesters' lock.
    {"strategy": "wake_all", "what": "WAKE_EVERY_REQUEST", "harness": "family", "args": ["--only=stress"]},
    {"strategy": "wake_all", "what": "NO_EXIT_BARRIER", "harness": "family", "args": ["--only=two_requesters"], "ci": True},
    {"strategy": "wake_all", "what": "NO_ENTRY_BARRIER", "harness": "family", "args": ["--only=stress"]},
    {"strategy": "wake_all", "what": "NO_LOCK", "harness": "family", "args": ["--only=two_requesters"]},
    # harmless_mask: the re-park of harmless_end, the CAS that checks and claims, the request bit.
    {"strategy": "harmless_mask", "what": "HARMLESS_END", "harness": "family", "args": ["--only=stress"], "ci": True},
    {"strategy": "harmless_mask", "what": "CAS", "harness": "family", "args": ["--only=stress"]},
    {"strategy": "harmless_mask", "what": "NO_WANT_RDV", "harness": "family", "args": ["--only=stress"]},
    # isolate_full: the re-park, the idle condition.
    {"strategy": "isolate_full", "what": "HARMLESS_END", "harness": "family", "args": ["--only=stress"]},
    {"strategy": "isolate_full", "what": "NO_IDLE", "harness": "family", "args": ["--only=task_harmless"], "ci": True},
    # tgroups: the re-park, the claim, its re-verification.
    {"strategy": "tgroups", "what": "HARMLESS_END", "harness": "family", "args": ["--only=stress"]},
    {"strategy": "tgroups", "what": "CLAIM", "harness": "script", "args": []},
    {"strategy": "tgroups", "what": "REVERIFY", "harness": "script", "args": [], "ci": True},
    # harmless_membarrier: the re-park, the owner claim, the flag scan, the membarrier.
    {"strategy": "harmless_membarrier", "what": "HARMLESS_END", "harness": "family", "args": ["--only=stress"]},
    {"strategy": "harmless_membarrier", "what": "CLAIM", "harness": "family", "args": ["--only=stress"]},
    {"strategy": "harmless_membarrier", "what": "NO_SCAN", "harness": "family", "args": ["--only=stress"]},
    {"strategy": "harmless_membarrier", "what": "NO_MEMBARRIER", "harness": "family", "args": ["--only=litmus"], "ci": True},
]

def mutant_name(m):
    return m.get("name", m["strategy"] + "_broken_" + m["what"].lower() + "_test")

def strategy_mutants():
    """One broken library and one must-fail test per entry of MUTANTS."""
    for m in MUTANTS:
        s = m["strategy"]
        name = mutant_name(m)
        macro = s.upper() + "_BREAK_" + m["what"]
        copts = ["-D" + macro]
        hdrs = strategy_hdrs(s)
        if m["harness"] == "script":
            copts = copts + ["-DTGROUPS_TEST_HOOKS"]
            hdrs = hdrs + ["tgroups_test_hooks.h"]
        native.cc_library(
            name = name + "_lib",
            testonly = True,
            srcs = [s + ".c"],
            hdrs = hdrs,
            copts = copts,
            deps = [":sync"] + strategy_deps(s) + [d for d in m.get("deps", []) if d not in strategy_deps(s)],
            alwayslink = True,
        )

        # no_tsan: the races these builds contain are the point; the
        # harness's own checks must catch them, TSAN would stop first.
        tags = ["no_tsan", "mutant" if not m.get("name") else "mutant_extra"]
        if m.get("ci"):
            tags.append("mutant_ci")
        if m["harness"] == "grace":
            srcs = GRACE_TEST_SRCS
            copts_t = ["-DTEST_OPS=sync_" + s]
            args = m["args"] + ["--expect-fail"]
            deps = [":sync", ":" + name + "_lib"]
        elif m["harness"] == "family":
            srcs = ["haproxy_family_test.c", "harmless_mask.h", "harmless_membarrier.h"]
            copts_t = []
            args = [s, "--expect-failure"] + m["args"]
            deps = [":stress", ":" + name + "_lib"]
        else:
            srcs = ["tgroups_script_test.c"]
            copts_t = []
            args = ["--expect-failure"]
            deps = [":sync", ":" + name + "_lib"]
        native.cc_test(
            name = name,
            size = "medium",
            srcs = srcs,
            copts = copts_t,
            args = args,
            tags = tags,
            deps = deps,
        )
