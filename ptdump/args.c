/* args.c - command-line words: see args.h. */
#include <string.h>

#include "args.h"

int
args_split(char *line, char **argv, int max, struct pt_err *err)
{
	char *r = line, *w = line;
	int argc = 0;

	for (;;) {
		char quote = 0;

		while (*r == ' ' || *r == '\t' || *r == '\n' || *r == '\r')
			r++;
		if (*r == '\0' || *r == '#')
			break;
		if (argc == max)
			return pt_err_set(err, PT_EXIT_USAGE,
			    "too many words (at most %d)", max);
		argv[argc++] = w;
		for (; *r != '\0'; r++) {
			if (quote) {
				if (*r == quote)
					quote = 0;
				else if (*r == '\\' && quote == '"' && r[1] != '\0')
					*w++ = *++r;
				else
					*w++ = *r;
			} else if (*r == '\'' || *r == '"') {
				quote = *r;
			} else if (*r == '\\' && r[1] != '\0') {
				*w++ = *++r;
			} else if (*r == ' ' || *r == '\t' || *r == '\n' ||
			    *r == '\r') {
				break;
			} else {
				*w++ = *r;
			}
		}
		if (quote)
			return pt_err_set(err, PT_EXIT_USAGE,
			    "unterminated %c quote", quote);
		/* w never passes r, so ending the word cannot eat input. */
		if (*r != '\0')
			r++;
		*w++ = '\0';
	}
	return argc;
}

static int
digit_value(char c, unsigned base)
{
	unsigned v;

	if (c >= '0' && c <= '9')
		v = (unsigned)(c - '0');
	else if (c >= 'a' && c <= 'f')
		v = (unsigned)(c - 'a') + 10;
	else if (c >= 'A' && c <= 'F')
		v = (unsigned)(c - 'A') + 10;
	else
		return -1;
	return v < base ? (int)v : -1;
}

int
args_u64(const char *s, uint64_t *out, struct pt_err *err)
{
	const char *p = s;
	unsigned base = 10;
	uint64_t v = 0;
	int ndigits = 0;

	if (s == NULL || *s == '\0')
		return pt_err_set(err, PT_EXIT_USAGE, "missing number");
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	} else if (p[0] == '0' && (p[1] == 'b' || p[1] == 'B')) {
		base = 2;
		p += 2;
	}
	for (; *p != '\0'; p++) {
		int d;

		if ((*p == '_' || *p == '`') && ndigits > 0)
			continue;
		d = digit_value(*p, base);
		if (d < 0)
			return pt_err_set(err, PT_EXIT_USAGE,
			    "'%s' is not a number", s);
		if (v > (UINT64_MAX - (uint64_t)d) / base)
			return pt_err_set(err, PT_EXIT_USAGE,
			    "'%s' does not fit in 64 bits", s);
		v = v * base + (uint64_t)d;
		ndigits++;
	}
	if (ndigits == 0)
		return pt_err_set(err, PT_EXIT_USAGE, "'%s' is not a number", s);
	*out = v;
	return 0;
}

int
args_range(const char *s, struct args_range *out, struct pt_err *err)
{
	char first[128];
	const char *sep;
	uint64_t a, b;
	size_t n;

	/* '-' cannot start a number here, so the first one splits. */
	sep = strpbrk(s, "-+");
	if (sep == NULL) {
		if (args_u64(s, &a, err) < 0)
			return -1;
		out->start = out->last = a;
		return 0;
	}
	n = (size_t)(sep - s);
	if (n == 0 || n >= sizeof first)
		return pt_err_set(err, PT_EXIT_USAGE,
		    "bad range '%s': expected START-END or START+LEN", s);
	memcpy(first, s, n);
	first[n] = '\0';
	if (args_u64(first, &a, err) < 0 || args_u64(sep + 1, &b, err) < 0)
		return pt_err_wrap(err, "bad range '%s'", s);
	return args_make_range(s, *sep, a, b, out, err);
}

int
args_make_range(const char *text, char op, uint64_t a, uint64_t b,
    struct args_range *out, struct pt_err *err)
{
	if (op == '+') {
		if (b == 0)
			return pt_err_set(err, PT_EXIT_USAGE,
			    "bad range '%s': empty", text);
		if (b - 1 > UINT64_MAX - a)
			return pt_err_set(err, PT_EXIT_USAGE, "bad range '%s': "
			    "runs past the top of the address space", text);
		out->start = a;
		out->last = a + (b - 1);
		return 0;
	}
	/* START-END with END exclusive; END 0 means "to the top". */
	if (b != 0 && b <= a)
		return pt_err_set(err, PT_EXIT_USAGE,
		    "bad range '%s': end is not above start", text);
	out->start = a;
	out->last = b - 1;
	return 0;
}
