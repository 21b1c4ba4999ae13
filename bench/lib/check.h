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
#include <string.h>

static int failures;

#define CHECK(cond, ...)                                        \
	do {                                                    \
		if (!(cond)) {                                  \
			printf("FAIL: " __VA_ARGS__);           \
			printf("\n");                           \
			failures++;                             \
		}                                               \
	} while (0)

#ifdef EXPECT_BROKEN
#define CHECK_EXPECT_BROKEN 1
#else
#define CHECK_EXPECT_BROKEN 0
#endif

/* The exit status of the test called name, with one line saying why. */
static inline int check_exit(const char *name)
{
	if (failures)
		printf("%s: %d checks failed%s\n", name, failures,
		       CHECK_EXPECT_BROKEN ? ": the deliberate break was caught, as expected" : "");
	else
		printf("%s: all checks passed%s\n", name,
		       CHECK_EXPECT_BROKEN ? ": FAIL, the deliberate break was not caught" : "");
	return (failures > 0) != CHECK_EXPECT_BROKEN;
}

/*
 * Whether ThreadSanitizer (this build) cannot check strategy name: liburcu's,
 * Concurrency Kit's (ck_epoch, seqlock's ck_sequence, hazard_pointers' ck_hp)
 * and DPDK's hand-written atomics and fences are invisible to it, so it
 * reports races that are not there.
 */
static inline int check_tsan_blind(const char *name)
{
#if defined(__SANITIZE_THREAD__)
	return strncmp(name, "urcu_", 5) == 0 || strncmp(name, "ck_", 3) == 0 ||
	       strncmp(name, "dpdk_", 5) == 0 || strcmp(name, "seqlock") == 0 ||
	       strcmp(name, "hazard_pointers") == 0;
#else
	(void)name;
	return 0;
#endif
}

#endif /* CHECK_H */
