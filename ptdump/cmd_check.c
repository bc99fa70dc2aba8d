/*
 * cmd_check.c - `check`: audit the tables (audit.h); exit 1 when
 * something is found, so that a CI job can gate on it.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "cmd_impl.h"
#include "fmt_check.h"
#include "symbols.h"
#include "walk.h"

/* --only wx,alias,... into a mask; 0 or -1 with err. */
static int
parse_only(const char *list, uint32_t *mask, struct pt_err *err)
{
	char buf[256], *w, *save = NULL;
	enum audit_kind k;

	if (strlen(list) >= sizeof buf)
		return pt_err_set(err, PT_EXIT_USAGE, "check --only: too long");
	memcpy(buf, list, strlen(list) + 1);
	*mask = 0;
	for (w = strtok_r(buf, ",", &save); w != NULL;
	    w = strtok_r(NULL, ",", &save)) {
		if (audit_kind_by_name(w, &k) < 0)
			return pt_err_set(err, PT_EXIT_USAGE, "check --only: no "
			    "check '%s' (wx, user-tables, writable-tables, "
			    "user-high, user-exec, rsvd, past-ram, alias, "
			    "alias-memtype)", w);
		*mask |= 1u << k;
	}
	return 0;
}

static int
parse_check(struct session *s, int argc, char **argv, struct audit_opts *o,
    enum out_format *format, struct pt_err *err)
{
	int i;

	*format = s->opt.format;
	for (i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(argv[i], "--strict") == 0) {
			o->strict = true;
			continue;
		}
		if (v == NULL)
			return cmd_usage(cmd_find("check"), err);
		if (strcmp(argv[i], "--only") == 0) {
			if (parse_only(v, &o->only, err) < 0)
				return -1;
		} else if (strcmp(argv[i], "--ignore") == 0) {
			if (o->nignore == AUDIT_MAX_IGNORE)
				return pt_err_set(err, PT_EXIT_USAGE, "check: at "
				    "most %d --ignore ranges", AUDIT_MAX_IGNORE);
			if (sym_eval_range(s->syms, v, &o->ignore[o->nignore],
			    err) < 0)
				return pt_err_wrap(err, "check --ignore");
			o->nignore++;
		} else if (strcmp(argv[i], "--format") == 0 &&
		    (strcmp(v, "text") == 0 || strcmp(v, "json") == 0)) {
			*format = v[0] == 'j' ? OUT_JSON : OUT_TEXT;
		} else {
			return cmd_usage(cmd_find("check"), err);
		}
		i++;
	}
	return 0;
}

int
cmd_check(struct session *s, int argc, char **argv, struct pt_err *err)
{
	struct audit_opts o = { 0 };
	struct audit_summary sum;
	enum out_format format;
	struct walk_ctx w;
	struct audit *a;
	uint64_t total = 0;
	unsigned k;

	if (parse_check(s, argc, argv, &o, &format, err) < 0)
		return -1;
	if (session_walk_ctx(s, &w, err) < 0)
		return -1;
	o.smep = (w.pt.cr4 & X86PT_CR4_SMEP) != 0;
	o.la57 = w.pt.la57;
	o.ram_limit = w.ram_limit;
	if ((a = audit_new(&o, err)) == NULL)
		return -1;
	w.tables = true;
	w.note = audit_note;
	if (walk_range(&w, 0, UINT64_MAX, audit_leaf, a, err) < 0 ||
	    audit_finish(a, err) < 0) {
		audit_free(a);
		return pt_err_wrap(err, "check");
	}
	if (w.stats.truncated) {
		audit_free(a);
		return pt_err_set(err, PT_EXIT_TARGET, "check: the walk stopped "
		    "at 0x%" PRIx64 " (%s): nothing is claimed about an address "
		    "space seen in part", w.stats.resume_va, walk_cut_why(&w.stats));
	}
	fmt_check(s->out, format, a);
	audit_summary(a, &sum);
	for (k = 0; k < AUDIT_NKINDS; k++)
		total += sum.count[k];
	audit_free(a);
	return total > 0 ? PT_EXIT_FINDINGS : PT_EXIT_OK;
}
