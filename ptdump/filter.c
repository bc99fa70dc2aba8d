/* filter.c - dump --filter terms: see filter.h. */
#include <string.h>

#include "filter.h"

enum {
	FILTER_W = 1 << 0,
	FILTER_X = 1 << 1,
	FILTER_USER = 1 << 2,
	FILTER_GLOBAL = 1 << 3,
	FILTER_A = 1 << 4,
	FILTER_D = 1 << 5,
	FILTER_RSVD = 1 << 6,
};

static const struct {
	const char *name;
	uint32_t bits;		/* must be set (or clear, for `clear`) */
	bool clear;
} terms[] = {
	{ "w", FILTER_W, false },
	{ "x", FILTER_X, false },
	{ "wx", FILTER_W | FILTER_X, false },
	{ "user", FILTER_USER, false },
	{ "global", FILTER_GLOBAL, false },
	{ "a", FILTER_A, false },
	{ "d", FILTER_D, false },
	{ "rsvd", FILTER_RSVD, false },
	{ "ro", FILTER_W, true },
	{ "nx", FILTER_X, true },
	{ "super", FILTER_USER, true },
};

static const struct {
	const char *name;
	unsigned type;
} memtypes[] = {
	{ "uc", X86PT_MT_UC }, { "wc", X86PT_MT_WC }, { "wt", X86PT_MT_WT },
	{ "wp", X86PT_MT_WP }, { "wb", X86PT_MT_WB }, { "uc-", X86PT_MT_UCM },
};

/* One term, maybe negated, into f; false if it is no term. */
static bool
term(const char *w, size_t n, struct filter *f)
{
	bool neg = n > 0 && w[0] == '!';
	size_t i;

	if (neg) {
		w++;
		n--;
	}
	for (i = 0; i < sizeof terms / sizeof terms[0]; i++) {
		if (strlen(terms[i].name) != n ||
		    strncmp(terms[i].name, w, n) != 0)
			continue;
		/* `!wx`: not both; the other terms negate bit by bit. */
		if (neg && terms[i].bits == (FILTER_W | FILTER_X))
			return false;
		if (neg != terms[i].clear)
			f->deny |= terms[i].bits;
		else
			f->want |= terms[i].bits;
		return true;
	}
	for (i = 0; i < sizeof memtypes / sizeof memtypes[0]; i++) {
		if (strlen(memtypes[i].name) != n ||
		    strncmp(memtypes[i].name, w, n) != 0)
			continue;
		if (neg)
			f->mt_deny |= 1u << memtypes[i].type;
		else
			f->mt_want |= 1u << memtypes[i].type;
		return true;
	}
	return false;
}

int
filter_parse(const char *expr, struct filter *f, struct pt_err *err)
{
	const char *p = expr;

	memset(f, 0, sizeof *f);
	for (;;) {
		size_t n = strcspn(p, ",");

		if (n == 0 || !term(p, n, f))
			return pt_err_set(err, PT_EXIT_USAGE, "--filter: '%.*s' "
			    "is not a term (w x wx user super global ro nx a d "
			    "rsvd wb wt wc wp uc uc-, each may be negated with "
			    "'!', except wx)", (int)n, p);
		p += n;
		if (*p == '\0')
			break;
		p++;
	}
	if (f->want & f->deny)
		return pt_err_set(err, PT_EXIT_USAGE, "--filter '%s' can match "
		    "nothing", expr);
	return 0;
}

bool
filter_match(const struct filter *f, const struct walk_leaf *l)
{
	uint32_t have = 0;

	if (l->eff.write)
		have |= FILTER_W;
	if (l->eff.exec)
		have |= FILTER_X;
	if (l->eff.user)
		have |= FILTER_USER;
	if (l->flags & X86PT_F_G)
		have |= FILTER_GLOBAL;
	if (l->flags & X86PT_F_A)
		have |= FILTER_A;
	if (l->flags & X86PT_F_D)
		have |= FILTER_D;
	if (l->rsvd != 0)
		have |= FILTER_RSVD;
	if ((have & f->want) != f->want || (have & f->deny) != 0)
		return false;
	if (f->mt_want != 0 && !((f->mt_want >> (l->memtype & 7)) & 1))
		return false;
	return !((f->mt_deny >> (l->memtype & 7)) & 1);
}
