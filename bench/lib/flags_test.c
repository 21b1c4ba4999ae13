/*
 * flags_test.c - flags_next() reads a table of flags by exact name: --name=value
 * and --name value both give the value, a flag without a value gives NULL, and
 * every misuse (an abbreviation such as --thr for --threads, an unknown name, a
 * missing value, a value for a flag that takes none, a stray argument) ends the
 * process with status 2 and one line on stderr naming what was wrong.
 */
#include "bench/lib/flags.h"
#include "bench/lib/check.h"

#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

static const struct flags_spec specs[] = {
	{ "threads", 1, "loop threads" },
	{ "threads-max", 1, "loop threads" },
	{ "quiet", 0, NULL },
};
#define NSPECS (sizeof(specs) / sizeof(specs[0]))

/* Parses argv to the end in a child; its exit status (2: misuse). */
static int child_status(char **argv, int argc)
{
	pid_t pid = fork();
	int st, i = 1;
	const char *v;

	if (pid == 0) {
		int null = open("/dev/null", 1);

		dup2(null, 2);
		while (flags_next("flags_test", argc, argv, &i, specs, NSPECS, &v) >= 0)
			;
		_exit(0);
	}
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int main(void)
{
	char *good[] = { "prog", "--threads=3", "--quiet", "--threads-max", "7", NULL };
	int i = 1, k;
	const char *v;

	k = flags_next("flags_test", 5, good, &i, specs, NSPECS, &v);
	CHECK(k == 0 && v && strcmp(v, "3") == 0, "--threads=3: got flag %d value %s", k, v ? v : "NULL");
	k = flags_next("flags_test", 5, good, &i, specs, NSPECS, &v);
	CHECK(k == 2 && !v, "--quiet: got flag %d", k);
	k = flags_next("flags_test", 5, good, &i, specs, NSPECS, &v);
	CHECK(k == 1 && v && strcmp(v, "7") == 0, "--threads-max 7: got flag %d value %s", k, v ? v : "NULL");
	k = flags_next("flags_test", 5, good, &i, specs, NSPECS, &v);
	CHECK(k == -1, "end: got flag %d", k);

	{
		char *abbrev[] = { "prog", "--thr=3", NULL };
		char *unknown[] = { "prog", "--bogus", NULL };
		char *missing[] = { "prog", "--threads", NULL };
		char *novalue[] = { "prog", "--quiet=1", NULL };
		char *stray[] = { "prog", "stray", NULL };
		char *dashes[] = { "prog", "--", NULL };

		CHECK(child_status(abbrev, 2) == 2, "--thr=3 accepted (abbreviation)");
		CHECK(child_status(unknown, 2) == 2, "--bogus accepted");
		CHECK(child_status(missing, 2) == 2, "--threads without a value accepted");
		CHECK(child_status(novalue, 2) == 2, "--quiet=1 accepted");
		CHECK(child_status(stray, 2) == 2, "a stray argument accepted");
		CHECK(child_status(dashes, 2) == 2, "a bare -- accepted");
	}
	return check_exit("flags_test");
}
