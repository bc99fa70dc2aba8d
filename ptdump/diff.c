/* diff.c - snapshots compared page by page: see diff.h. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "diff.h"

/* What the CPU may still hold of leaf l of snapshot a. */
static void
hazard(const struct snapshot *a, const struct snap_leaf *l, char *buf,
    size_t len)
{
	char pcid[32] = "";

	buf[0] = '\0';
	if (!l->accessed)
		return;
	if (a->cr4 & X86PT_CR4_PCIDE)
		snprintf(pcid, sizeof pcid, " under PCID %u",
		    (unsigned)(a->cr3 & 0xfff));
	if ((l->raw & X86PT_E_G) && (a->cr4 & X86PT_CR4_PGE))
		snprintf(buf, len, "may still be cached%s until INVLPG: a "
		    "global translation survives CR3 writes", pcid);
	else
		snprintf(buf, len, "may still be cached%s until INVLPG or a "
		    "CR3 write", pcid);
}

/* What differs between two leaves at one address, or "" if nothing. */
static void
changes(const struct snap_leaf *a, const struct snap_leaf *b, char *buf,
    size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	if (a->pa != b->pa)
		n += (size_t)snprintf(buf + n, len - n, "pa 0x%" PRIx64 " -> 0x%"
		    PRIx64 "; ", a->pa, b->pa);
	if (n < len && (a->w != b->w || a->x != b->x || a->u != b->u))
		n += (size_t)snprintf(buf + n, len - n, "r%c%c %s -> r%c%c %s; ",
		    a->w ? 'w' : '-', a->x ? 'x' : '-', a->u ? "user" : "super",
		    b->w ? 'w' : '-', b->x ? 'x' : '-', b->u ? "user" : "super");
	if (n < len && a->memtype != b->memtype)
		n += (size_t)snprintf(buf + n, len - n, "%s -> %s; ",
		    x86pt_memtype_name(a->memtype),
		    x86pt_memtype_name(b->memtype));
	/* Other bits of the entry (G, A, D, PAT, software bits...). */
	if (n < len && n == 0 && a->raw != b->raw)
		n += (size_t)snprintf(buf + n, len - n, "entry 0x%016" PRIx64
		    " -> 0x%016" PRIx64 "; ", a->raw, b->raw);
	if (n >= 2 && n < len)
		buf[n - 2] = '\0';	/* the last "; " */
}

long
diff_run(const struct snapshot *a, const struct snapshot *b, diff_fn fn,
    void *cookie)
{
	size_t i = 0, j = 0;
	long count = 0;
	int rc;

	while (i < a->n || j < b->n) {
		const struct snap_leaf *x = i < a->n ? &a->leaves[i] : NULL;
		const struct snap_leaf *y = j < b->n ? &b->leaves[j] : NULL;
		struct diff_rec r;

		memset(&r, 0, sizeof r);
		if (x != NULL && y != NULL && x->va == y->va &&
		    x->size == y->size) {
			i++;
			j++;
			changes(x, y, r.what, sizeof r.what);
			if (r.what[0] == '\0')
				continue;
			r.kind = DIFF_CHANGED;
			r.a = x;
			r.b = y;
		} else if (y == NULL || (x != NULL && x->va < y->va) ||
		    (x != NULL && x->va == y->va && x->size > y->size)) {
			/* In A only (or a larger page A had here). */
			i++;
			r.kind = DIFF_REMOVED;
			r.a = x;
		} else {
			j++;
			r.kind = DIFF_ADDED;
			r.b = y;
		}
		if (r.a != NULL)
			hazard(a, r.a, r.hazard, sizeof r.hazard);
		count++;
		if ((rc = fn(cookie, &r)) != 0)
			return rc < 0 ? rc : -rc;
	}
	return count;
}
