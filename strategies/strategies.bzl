"""The one list of strategies: strategies/BUILD makes each one's library and the registry's deps from it,
bench/counts/BUILD compiles its counting copy of the same files, the mutants take their headers and deps
from it.

Adding a strategy: its .c file, its line in registry.c, one line in STRATEGIES (and its validation target
in strategies/BUILD).

Fields of strategy(): name (the file stem, the library, sync_<name> in registry.c), deps (beyond :sync),
hdrs (headers of its own, for its tests), copts, tags (of its library), registry (listed by registry.c;
False for a strategy its own harness validates, not yet reachable from the simulator).
"""

# DPDK's headers and the instruction set its inline functions are written for.
DPDK_COPTS = [
    "-I/usr/include/dpdk",
    "-I/usr/include/x86_64-linux-gnu/dpdk",
    "-include",
    "rte_config.h",
    "-march=corei7",
]

def strategy(name, deps = [], hdrs = [], copts = [], tags = [], registry = True):
    return struct(name = name, deps = deps, hdrs = hdrs, copts = copts, tags = tags, registry = registry)

# Libraries shared by strategies (beyond :sync): label -> (srcs, hdrs, deps).
SHARED = {
    "urcu_flavor": ([], ["urcu_flavor.h"], []),
    "replicas": (["replicas.c"], ["replicas.h"], ["//system:pthread"]),
}

# In the registry's order (registry.c lists the same).
STRATEGIES = [
    strategy("none"),
    strategy("rwlock"),
    strategy("wake_all"),
    strategy("harmless_mask", hdrs = ["harmless_mask.h"]),
    strategy("isolate_full"),
    strategy("tgroups"),
    strategy("harmless_membarrier", hdrs = ["harmless_membarrier.h"]),
    strategy("qsbr"),
    strategy("ebr"),
    strategy("urcu_qsbr", deps = [":urcu_flavor", "//system:urcu_qsbr"]),
    strategy("urcu_memb", deps = [":urcu_flavor", "//system:urcu_memb"]),
    strategy("ck_epoch", deps = ["//system:ck"]),
    strategy("urcu_mb", deps = [":urcu_flavor", "//system:urcu_mb"]),
    # liburcu 0.13.2 allocates bp reader records without the alignment their type declares (fixed upstream in
    # 0.13.4, "Fix: urcu-bp: misaligned reader accesses"); the inlined read side then trips UBSan's alignment
    # check under --config=asan. Harmless on x86; the check is off for this one file.
    strategy("urcu_bp", deps = [":urcu_flavor", "//system:urcu_bp"], copts = ["-fno-sanitize=alignment"]),
    strategy("urcu_signal", deps = [":urcu_flavor", "//system:urcu_signal"]),
    strategy("brlock", deps = ["//system:ck", "//system:pthread"]),
    strategy("replicas_lazy", deps = [":replicas"]),
    strategy("replicas_eager", deps = [":replicas"]),
    strategy("seqlock", deps = ["//system:ck", "//system:pthread"]),
    strategy("hazard_pointers", deps = ["//system:ck"]),
    strategy("dpdk_qsbr", deps = ["//system:dpdk_rcu"], copts = DPDK_COPTS),
]

_BY_NAME = {s.name: s for s in STRATEGIES}

def strategy_deps(name):
    """A strategy's deps beyond :sync (none for a name not in the list)."""
    s = _BY_NAME.get(name)
    return s.deps if s else []

def strategy_copts(name):
    """A strategy's copts (none for a name not in the list)."""
    s = _BY_NAME.get(name)
    return s.copts if s else []

def strategy_hdrs(name):
    """A strategy's own headers (none for a name not in the list)."""
    s = _BY_NAME.get(name)
    return s.hdrs if s else []

def strategy_libraries():
    """The shared libraries, one alwayslink library per strategy, and the registry."""
    for lib, (srcs, hdrs, deps) in SHARED.items():
        native.cc_library(
            name = lib,
            srcs = srcs,
            hdrs = hdrs,
            deps = [":sync"] + deps,
        )
    for s in STRATEGIES:
        native.cc_library(
            name = s.name,
            srcs = [s.name + ".c"],
            hdrs = s.hdrs,
            copts = s.copts,
            tags = s.tags,
            deps = [":sync"] + s.deps,
            alwayslink = True,
        )
    deps = [":sync"] + [":" + s.name for s in STRATEGIES if s.registry]
    native.cc_library(
        name = "registry",
        srcs = ["registry.c"],
        deps = deps,
    )

def counting_sources(package = "//strategies"):
    """What the count harness compiles again with SYNC_COUNTING: every strategy of the registry, the files
    of what they share, their outside deps and the union of their copts (one library, so each strategy's
    copts apply to all of its files)."""
    chosen = [s for s in STRATEGIES if s.registry]
    files = ["sync.c", "registry.c", "count.h", "loop.h", "masks.h", "sync.h"]
    deps = []
    copts = []
    for s in chosen:
        files = files + [s.name + ".c"] + s.hdrs
        copts = copts + s.copts
        for d in s.deps:
            if d.startswith(":"):
                shared = SHARED[d[1:]]
                files = files + [f for f in shared[0] + shared[1] if f not in files]
                deps = deps + [x for x in shared[2] if x not in deps]
            elif d not in deps:
                deps.append(d)
    return [package + ":" + f for f in files], sorted(deps), copts
