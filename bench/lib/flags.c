/*
 * flags.c - strict command-line value parsing (see flags.h).
 *
 * strtoull and strtod are permissive: they skip leading blanks, accept a sign
 * (strtoull even negates "-1" into a huge value), hexadecimal, "nan" and
 * "inf", and clamp on overflow. Each parser here first checks the characters
 * it allows, then lets the C library convert, then checks errno, the end
 * pointer and the range.
 */
#include "bench/lib/flags.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int flags_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -1;
	for (const char *p = s; *p; p++)
		if (*p < '0' || *p > '9')
			return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end != '\0')
		return -1;
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int flags_parse_unsigned(const char *s, unsigned min, unsigned max, unsigned *out)
{
	uint64_t v;

	if (flags_parse_u64(s, min, max, &v))
		return -1;
	*out = (unsigned)v;
	return 0;
}

int flags_parse_double(const char *s, double min, double max, unsigned opts, double *out)
{
	double v;
	char *end;
	int digits = 0;

	if (!s || !*s)
		return -1;
	if ((opts & FLAGS_ALLOW_INF) &&
	    (strcasecmp(s, "inf") == 0 || strcasecmp(s, "infinity") == 0)) {
		*out = INFINITY;
		return 0;
	}
	/* digits, one optional '.', an optional exponent: nothing else */
	for (const char *p = s; *p; p++) {
		if (*p >= '0' && *p <= '9') {
			digits = 1;
			continue;
		}
		if (*p == '.' || *p == 'e' || *p == 'E')
			continue;
		if ((*p == '-' || *p == '+') && p > s && (p[-1] == 'e' || p[-1] == 'E'))
			continue;
		return -1;
	}
	if (!digits || !((*s >= '0' && *s <= '9') || *s == '.'))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end != '\0' || !isfinite(v))
		return -1;
	if ((opts & FLAGS_MIN_EXCLUSIVE) ? !(v > min) : !(v >= min))
		return -1;
	if (!(v <= max))
		return -1;
	*out = v;
	return 0;
}

int flags_parse_choice(const char *s, const char *const *names, int *out)
{
	if (!s)
		return -1;
	for (int i = 0; names[i]; i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	return -1;
}

const char *flags_choices(const char *const *names, char *buf, size_t len)
{
	size_t used = 0;

	if (!len)
		return buf;
	buf[0] = '\0';
	for (int i = 0; names[i]; i++) {
		int n = snprintf(buf + used, len - used, "%s%s", i ? "|" : "", names[i]);

		if (n < 0 || (size_t)n >= len - used)
			break;
		used += (size_t)n;
	}
	return buf;
}

int flags_split_pair(const char *s, char *a, size_t alen, char *b, size_t blen)
{
	const char *colon = s ? strchr(s, ':') : NULL;
	size_t la, lb;

	if (!colon)
		return -1;
	la = (size_t)(colon - s);
	lb = strlen(colon + 1);
	if (la == 0 || lb == 0 || la >= alen || lb >= blen)
		return -1;
	memcpy(a, s, la);
	a[la] = '\0';
	memcpy(b, colon + 1, lb + 1);
	return 0;
}

/* The value as the user typed it, made safe for one line. */
static void printable(const char *value, char *buf, size_t len)
{
	size_t i, n = value ? strlen(value) : 0;
	const size_t cut = 80;

	for (i = 0; i < n && i < cut && i + 4 < len; i++) {
		unsigned char c = (unsigned char)value[i];

		buf[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	buf[i] = '\0';
	if (n > cut && i + 4 < len)
		strcat(buf, "...");
}

void flags_die(const char *prog, const char *flag, const char *value, const char *allowed_fmt, ...)
{
	char shown[96], allowed[512];
	va_list ap;

	printable(value, shown, sizeof(shown));
	va_start(ap, allowed_fmt);
	vsnprintf(allowed, sizeof(allowed), allowed_fmt, ap);
	va_end(ap);
	/* allowed comes from the program, but keep it one line all the same */
	for (char *p = allowed; *p; p++)
		if (*p == '\n')
			*p = ' ';
	fprintf(stderr, "%s: %s '%s': %s\n", prog, flag, shown, allowed);
	exit(2);
}

void flags_die_usage(const char *prog, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (char *p = msg; *p; p++)
		if (*p == '\n' || (unsigned char)*p < 0x20)
			*p = '?';
	fprintf(stderr, "%s: %s\n", prog, msg);
	exit(2);
}

int flags_next(const char *prog, int argc, char **argv, int *i, const struct flags_spec *specs, size_t n,
	       const char **val)
{
	const char *arg, *name, *eq;
	size_t nlen, k;

	*val = NULL;
	if (*i >= argc)
		return -1;
	arg = argv[(*i)++];
	if (strncmp(arg, "--", 2) != 0 || !arg[2])
		flags_die_usage(prog, "'%s': unexpected argument (flags are --name=value; see --help)", arg);
	name = arg + 2;
	eq = strchr(name, '=');
	nlen = eq ? (size_t)(eq - name) : strlen(name);
	for (k = 0; k < n; k++)
		if (strlen(specs[k].name) == nlen && strncmp(specs[k].name, name, nlen) == 0)
			break;
	if (k == n)
		flags_die_usage(prog, "--%.*s: unknown flag (see --help)", (int)nlen, name);
	if (specs[k].takes_value) {
		if (eq)
			*val = eq + 1;
		else if (*i < argc)
			*val = argv[(*i)++];
		else
			flags_die_usage(prog, "--%s: needs a value (%s)", specs[k].name, specs[k].allowed);
	} else if (eq) {
		flags_die_usage(prog, "--%s takes no value ('%s' given)", specs[k].name, eq + 1);
	}
	return (int)k;
}
