/* sym_expr.c - address expressions over a symbol table: see symbols.h. */
#include <string.h>

#include "symbols.h"

/* ---- address expressions ------------------------------------------ */

static int
no_symbol(const struct sym_table *t, const char *s, size_t n,
    struct pt_err *err)
{
	if (sym_count(t) == 0)
		return pt_err_set(err, PT_EXIT_USAGE, "no symbol '%.*s' (no "
		    "symbols loaded: try 'symbols FILE')", (int)n, s);
	return pt_err_set(err, PT_EXIT_USAGE, "no symbol '%.*s'", (int)n, s);
}

/* args_u64 of the N bytes at S. */
static int
number(const char *s, size_t n, uint64_t *out, struct pt_err *err)
{
	char buf[200];

	if (n >= sizeof buf)
		return pt_err_set(err, PT_EXIT_USAGE, "'%.*s' is not a number",
		    (int)n, s);
	memcpy(buf, s, n);
	buf[n] = '\0';
	return args_u64(buf, out, err);
}

/* NUMBER | NAME | NAME+NUMBER | NAME-NUMBER in the N bytes at S. */
static int
eval(const struct sym_table *t, const char *s, size_t n, uint64_t *out,
    struct pt_err *err)
{
	uint64_t base, d;
	size_t p;

	if (n == 0)
		return pt_err_set(err, PT_EXIT_USAGE, "missing address");
	if (s[0] >= '0' && s[0] <= '9')
		return number(s, n, out, err);
	if (sym_lookup(t, s, n, out) == 0)
		return 0;
	for (p = n - 1; p > 0 && s[p] != '+' && s[p] != '-'; p--)
		;
	if (p == 0)
		return no_symbol(t, s, n, err);
	if (sym_lookup(t, s, p, &base) < 0)
		return no_symbol(t, s, p, err);
	if (number(s + p + 1, n - p - 1, &d, err) < 0)
		return pt_err_wrap(err, "bad address '%.*s'", (int)n, s);
	if (s[p] == '+' ? d > UINT64_MAX - base : d > base)
		return pt_err_set(err, PT_EXIT_USAGE, "bad address '%.*s': "
		    "outside 0..2^64-1", (int)n, s);
	*out = s[p] == '+' ? base + d : base - d;
	return 0;
}

int
sym_eval(const struct sym_table *t, const char *expr, uint64_t *out,
    struct pt_err *err)
{
	size_t n = strnlen(expr, SYM_EXPR_MAX + 1);

	if (n > SYM_EXPR_MAX)
		return pt_err_set(err, PT_EXIT_USAGE,
		    "address expression longer than %d bytes", SYM_EXPR_MAX);
	return eval(t, expr, n, out, err);
}

int
sym_eval_range(const struct sym_table *t, const char *expr,
    struct args_range *out, struct pt_err *err)
{
	size_t n = strnlen(expr, SYM_EXPR_MAX + 1), p;
	struct pt_err first = { 0 }, e;
	bool tried = false;
	uint64_t a, b;

	if (n > SYM_EXPR_MAX)
		return pt_err_set(err, PT_EXIT_USAGE,
		    "address expression longer than %d bytes", SYM_EXPR_MAX);
	for (p = n; p-- > 1;) {
		if (expr[p] != '+' && expr[p] != '-')
			continue;
		if (eval(t, expr, p, &a, &e) == 0 &&
		    eval(t, expr + p + 1, n - p - 1, &b, &e) == 0)
			return args_make_range(expr, expr[p], a, b, out, err);
		if (!tried)
			first = e;
		tried = true;
	}
	if (eval(t, expr, n, &a, &e) == 0) {
		out->start = out->last = a;
		return 0;
	}
	/* The rightmost split names the part the user most likely meant. */
	if (err != NULL)
		*err = tried ? first : e;
	return pt_err_wrap(err, "bad range '%s'", expr);
}
