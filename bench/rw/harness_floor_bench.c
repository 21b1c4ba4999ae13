/*
 * harness_floor_bench.c - //bench/rw:harness_floor_bench: does the
 * readers/writers harness dominate a cheap read side? qsbr through the
 * harness (1 reader, no writer) against a bare, inlined QSBR reader loop,
 * and none against the bare read body, in interleaved rounds (rw_floor_run);
 * plottable rows and one SUMMARY line on stdout, the goal's verdict in a
 * comment line. Goal: the harness adds at most 10% to a bare QSBR read.
 *
 *   harness_floor_bench [--rounds=N] [--rep=S] [--quiesce-every=N]
 * Exit status: 0 ok (whatever the verdict), 1 run failed, 2 bad input.
 */
#include "bench/rw/rw.h"

#include "bench/lib/flags.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *prog = "harness_floor_bench";

enum flag_id { F_ROUNDS, F_REP, F_QUIESCE, F_HELP };

static const struct flags_spec flags[] = {
	[F_ROUNDS] = { "rounds", 1, "a whole number of rounds" },
	[F_REP] = { "rep", 1, "seconds per variant and round" },
	[F_QUIESCE] = { "quiesce-every", 1, "a whole number of reads >= 1" },
	[F_HELP] = { "help", 0, NULL },
};

int main(int argc, char **argv)
{
	struct rw_floor_config cfg = { .reps = 10, .rep_s = 0.2, .quiesce_every = 1024 };
	struct rw_floor_result *res;
	char err[512];
	const char *v;

	for (int i = 1, k; (k = flags_next(prog, argc, argv, &i, flags, sizeof(flags) / sizeof(flags[0]), &v)) >= 0;) {
		switch ((enum flag_id)k) {
		case F_ROUNDS:
			if (flags_parse_unsigned(v, 1, RW_FLOOR_MAX_REPS, &cfg.reps))
				flags_die(prog, "--rounds", v, "a whole number 1..%d", RW_FLOOR_MAX_REPS);
			break;
		case F_REP:
			if (flags_parse_double(v, 0, 60, FLAGS_MIN_EXCLUSIVE, &cfg.rep_s))
				flags_die(prog, "--rep", v, "seconds, a decimal number > 0 and <= 60");
			break;
		case F_QUIESCE:
			if (flags_parse_unsigned(v, 1, 1u << 24, &cfg.quiesce_every))
				flags_die(prog, "--quiesce-every", v, "a whole number 1..%u", 1u << 24);
			break;
		case F_HELP:
			printf("usage: %s [--rounds=N (1..%d, default 10)] [--rep=S (default 0.2)] [--quiesce-every=N (default 1024)]\n",
			       prog, RW_FLOOR_MAX_REPS);
			return fflush(stdout) || ferror(stdout) ? 1 : 0;
		}
	}
	cfg.none = sync_find("none");
	cfg.qsbr = sync_find("qsbr");
	res = malloc(sizeof(*res));
	if (!res) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return 1;
	}
	if (rw_floor_run(&cfg, res, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", prog, err);
		free(res);
		return 1;
	}
	rw_floor_print(stdout, &cfg, res);
	free(res);
	if (fflush(stdout) || ferror(stdout) || fclose(stdout)) {
		fprintf(stderr, "%s: cannot write the results to stdout: %s\n", prog, strerror(errno));
		return 1;
	}
	return 0;
}
