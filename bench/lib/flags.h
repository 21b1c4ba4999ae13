/*
 * flags.h - strict parsing of command-line values, shared by the binaries
 * (pollsim, readers_writers, compare).
 *
 * Every bad value ends the program the same way: ONE line on stderr,
 * "prog: --flag 'value': what is allowed", and exit status 2. The parsers
 * below only say yes or no; the caller knows what is allowed and says it
 * through flags_die().
 *
 * Strict means: no leading or trailing blanks, no sign on integers, no
 * trailing garbage ("10x", "1.5.2"), no NaN, no infinity unless asked for, no
 * hexadecimal, no overflow (a value strtod/strtoull would clamp is refused),
 * and the range is checked after parsing.
 */
#ifndef FLAGS_H
#define FLAGS_H

#include <stddef.h>
#include <stdint.h>

/*
 * One flag of a binary's table, for flags_next(): its name without the
 * leading "--", whether it takes a value, and what the value may be (shown
 * when it is missing).
 */
struct flags_spec {
	const char *name;
	int takes_value;
	const char *allowed;
};

/*
 * Steps through argv from *i (start at 1): returns the index in specs[n] of
 * the next flag, its value in *val (NULL for a flag without one), and -1 after
 * the last argument. Names match exactly ("--thr" is not "--threads"); a value
 * comes as --name=value or --name value. Misuse ends the program with one
 * line and exit 2 (flags_die_usage): an unknown flag, a missing value, a value
 * given to a flag that takes none, an argument that is not a flag.
 */
int flags_next(const char *prog, int argc, char **argv, int *i, const struct flags_spec *specs, size_t n,
	       const char **val);

/* Options of flags_parse_double. */
#define FLAGS_MIN_EXCLUSIVE 0x1u  /* value > min (else value >= min) */
#define FLAGS_ALLOW_INF     0x2u  /* "inf" / "infinity" (any case) gives +INFINITY */

/* A decimal integer in [min, max]. 0, or -1 when s is not one. */
int flags_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
int flags_parse_unsigned(const char *s, unsigned min, unsigned max, unsigned *out);

/*
 * A finite decimal number in [min, max] (or (min, max] with
 * FLAGS_MIN_EXCLUSIVE); with FLAGS_ALLOW_INF, "inf" too. 0, or -1.
 */
int flags_parse_double(const char *s, double min, double max, unsigned opts, double *out);

/* s is one of names[] (NULL-terminated, exact match): its index; else -1. */
int flags_parse_choice(const char *s, const char *const *names, int *out);

/* "a|b|c" from a NULL-terminated list, into buf. Returns buf. */
const char *flags_choices(const char *const *names, char *buf, size_t len);

/*
 * Splits "A:B" at the first ':' into a and b (copies, NUL-terminated).
 * -1 when there is no ':' or a part is empty or too long.
 */
int flags_split_pair(const char *s, char *a, size_t alen, char *b, size_t blen);

/*
 * Prints "prog: flag 'value': <allowed>" as one line on stderr and exits 2.
 * Control characters in value are shown as '?' and a long value is cut, so the
 * message stays one line whatever the user typed.
 */
_Noreturn void flags_die(const char *prog, const char *flag, const char *value,
			 const char *allowed_fmt, ...) __attribute__((format(printf, 4, 5)));

/* "prog: <message>" as one line on stderr, exit 2 (unknown option, stray argument). */
_Noreturn void flags_die_usage(const char *prog, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif /* FLAGS_H */
