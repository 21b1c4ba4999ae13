/*
 * check.h - what every test of bench/ shares: CHECK() counts a failed check
 * and says which on stdout; check_exit() turns the count into the test's exit
 * status. Under EXPECT_BROKEN (a test built against a deliberate break, see
 * tools/bazel/tests.bzl) the verdict is the other way round: the test passes
 * only if it caught the break. One test per program: the counter is static.
 */
#ifndef CHECK_H
#define CHECK_H

#include <stdio.h>

static int failures;

#define CHECK(cond, ...)                                        \
	do {                                                    \
		if (!(cond)) {                                  \
			printf("FAIL: " __VA_ARGS__);           \
			printf("\n");                           \
			failures++;                             \
		}                                               \
	} while (0)

/* The exit status of the test called name, with one line saying why. */
static inline int check_exit(const char *name)
{
#ifdef EXPECT_BROKEN
	if (failures) {
		printf("%s: the deliberate break was caught (%d failed checks, as expected)\n", name, failures);
		return 0;
	}
	printf("%s: FAIL: the deliberate break was not caught: every check passed\n", name);
	return 1;
#else
	if (failures) {
		printf("%s: %d checks failed\n", name, failures);
		return 1;
	}
	printf("%s: all checks passed\n", name);
	return 0;
#endif
}

#endif /* CHECK_H */
