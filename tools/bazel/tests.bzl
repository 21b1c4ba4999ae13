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
      copts: more compiler options for every target.
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
            copts = copts + ["-D" + brk, "-DEXPECT_BROKEN"],
            tags = tags + break_tags.get(brk, []),
            **kwargs
        )
