"""Test targets generated from short lists.

A deliberate break is a macro <COMPONENT>_BREAK_<WHAT> in the code under test
that makes it wrong in one known way; a correctness test is only trusted once
it has been seen failing on each. EXPECT_BROKEN is the one switch that turns a
test's verdict around: built with it, the test passes only if a check failed.
"""

def must_fail_tests(test, breaks, srcs, copts = [], tags = [], break_tags = {}, **kwargs):
    """One cc_test per deliberate break of the code under test.

    For each <COMPONENT>_BREAK_<WHAT> in breaks: <test>_catches_<what> (what in
    lower case), built from srcs (the code under test and the test itself)
    with -D<COMPONENT>_BREAK_<WHAT> and -DEXPECT_BROKEN.

    Args:
      test: the name of the test being proved (the targets' prefix).
      breaks: the break macros, spelled <COMPONENT>_BREAK_<WHAT>.
      srcs: the sources, compiled again for each break.
      copts: more compiler options for every target (after the two above).
      tags: tags of every target.
      break_tags: break -> extra tags of its target (e.g. no_tsan for a
        break that is a data race, which TSAN would report first).
      **kwargs: passed to every cc_test (deps, args, data, size, ...).
    """
    for brk in breaks:
        parts = brk.split("_BREAK_")
        if len(parts) != 2 or not parts[0] or not parts[1]:
            fail("%s: a deliberate break is spelled <COMPONENT>_BREAK_<WHAT>" % brk)
        native.cc_test(
            name = "%s_catches_%s" % (test, parts[1].lower()),
            srcs = srcs,
            copts = ["-D" + brk, "-DEXPECT_BROKEN"] + copts,
            tags = tags + break_tags.get(brk, []),
            **kwargs
        )

def c_test(name, size = "small", srcs = None, deps = [], tool = None, breaks = [], broken_srcs = [], broken_deps = None, broken_copts = [], broken_linkopts = [], broken_tool = None, break_size = None, break_tags = {}, **kwargs):
    """A C test, <name>.c unless srcs says otherwise, and its must-fail targets.

    With breaks, must_fail_tests() compiles broken_srcs (the code under test,
    again) with the test's srcs, against broken_deps instead of deps; or, for a
    test of a binary (tool), runs it on broken_tool.

    Args:
      name: the test.
      size: the test's size.
      srcs: the test's sources (default: <name>.c).
      deps: the test's deps.
      tool: a binary the test runs (its path: the first argument), or None.
      breaks: the break macros the test must catch (see must_fail_tests).
      broken_srcs: the code under test, compiled again for each break.
      broken_deps: the deps of the break targets (default: deps).
      broken_copts: more compiler options of the break targets.
      broken_linkopts: more linker options of the break targets.
      broken_tool: the broken build of tool the break targets run.
      break_size: the size of the break targets (default: size).
      break_tags: break -> extra tags of its target.
      **kwargs: passed to every target (linkopts, tags, args, data, copts, ...).
    """
    srcs = srcs or [name + ".c"]
    native.cc_test(
        name = name,
        size = size,
        srcs = srcs,
        deps = deps,
        **_tool_args(tool, kwargs)
    )
    if breaks:
        linkopts = kwargs.pop("linkopts", [])
        copts = kwargs.pop("copts", [])
        must_fail_tests(
            test = name,
            breaks = breaks,
            srcs = broken_srcs + srcs,
            copts = copts + broken_copts,
            deps = deps if broken_deps == None else broken_deps,
            size = break_size or size,
            break_tags = break_tags,
            linkopts = linkopts + broken_linkopts,
            **_tool_args(broken_tool or tool, kwargs)
        )

def _tool_args(tool, kwargs):
    """kwargs with tool's path first in args and tool in data (none: kwargs)."""
    if not tool:
        return kwargs
    return dict(kwargs, args = ["$(location %s)" % tool] + kwargs.get("args", []), data = [tool] + kwargs.get("data", []))

def tested_library(name, deps = [], linkopts = [], test_deps = [], test_linkopts = [], breaks = [], break_tags = {}, tags = []):
    """The library <name> (<name>.c, <name>.h), its test <name>_test (<name>_test.c) and must-fail targets.

    Each break target compiles the library's files and the test again, against
    the library's deps and the test's other deps, with both's linkopts.

    Args:
      name: the library.
      deps: the library's deps.
      linkopts: the library's linkopts.
      test_deps: the test's deps beyond the library.
      test_linkopts: the test's linkopts.
      breaks: the library's break macros the test must catch.
      break_tags: break -> extra tags of its target.
      tags: tags of the test and its break targets.
    """
    hdrs = [name + ".h"]
    native.cc_library(
        name = name,
        srcs = [name + ".c"],
        hdrs = hdrs,
        linkopts = linkopts,
        deps = deps,
    )
    c_test(
        name = name + "_test",
        deps = [":" + name] + test_deps,
        linkopts = test_linkopts,
        tags = tags,
        breaks = breaks,
        break_tags = break_tags,
        broken_srcs = [name + ".c"] + hdrs,
        broken_deps = test_deps + deps,
        broken_linkopts = [o for o in linkopts if o not in test_linkopts],
    )

def script_test(name, tool = None, srcs = None, args = [], data = [], size = "small", catches = None, broken_tool = None, broken_args = [], broken_env = {}, **kwargs):
    """A sh_test of <name>.sh (unless srcs says otherwise), given tool's path as its first argument.

    With catches, its must-fail twin <name>_catches_<catches>: the same script
    run on broken_tool (default: tool) with broken_args after args and
    broken_env, which tell the script a broken build is expected.

    Args:
      name: the test.
      tool: a label the script runs (its path: the first argument), or None.
      srcs: the script (default: <name>.sh).
      args: the script's arguments after the tool's path.
      data: what it reads beyond the tool.
      size: the test's size (None: Bazel's default).
      catches: the must-fail twin's suffix (None: no twin), or a dict suffix -> broken build: one twin each.
      broken_tool: the broken build the twin runs instead of tool.
      broken_args: the twin's arguments after args.
      broken_env: the twin's environment.
      **kwargs: passed to every sh_test (tags, shard_count, ...).
    """
    tests = [(name, tool, [], {})]
    if type(catches) == "dict":
        tests += [(name + "_catches_" + what, bt, broken_args, broken_env) for what, bt in catches.items()]
    elif catches:
        tests.append((name + "_catches_" + catches, broken_tool or tool, broken_args, broken_env))
    for test, t, more_args, env in tests:
        native.sh_test(
            name = test,
            size = size,
            srcs = srcs or [name + ".sh"],
            env = env,
            **_tool_args(t, dict(kwargs, args = args + more_args, data = data))
        )

def smoke_test(binary, srcs = None, **kwargs):
    """<binary>_smoke: <binary>_smoke.sh (unless srcs says otherwise) runs the benchmark briefly (benchmark_smoke)."""
    script_test(
        name = binary + "_smoke",
        tool = ":" + binary,
        srcs = srcs,
        tags = ["benchmark_smoke"],
        **kwargs
    )

def benchmark(name, smoke_size = "small", smoke_srcs = None, smoke_args = [], **kwargs):
    """A benchmark binary (cc_binary) and its smoke test <name>_smoke (see smoke_test).

    Args:
      name: the binary.
      smoke_size: the smoke test's size (None: Bazel's default).
      smoke_srcs: the smoke test's script (default: <name>_smoke.sh).
      smoke_args: the script's arguments after the binary's path.
      **kwargs: passed to the cc_binary (srcs, deps, copts, ...).
    """
    native.cc_binary(name = name, **kwargs)
    smoke_test(name, srcs = smoke_srcs, size = smoke_size, args = smoke_args)

def binary_and_break(name, brk, **kwargs):
    """A cc_binary and, for brk (one <COMPONENT>_BREAK_<WHAT> or a list of them), each testonly twin
    <name>_break_<what> built with -D<brk>."""
    native.cc_binary(name = name, **kwargs)
    for b in (brk if type(brk) == "list" else [brk]):
        native.cc_binary(
            name = name + "_break_" + b.split("_BREAK_")[1].lower(),
            testonly = True,
            copts = ["-D" + b],
            **kwargs
        )
