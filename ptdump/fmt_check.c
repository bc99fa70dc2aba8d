/* fmt_check.c - check's findings and summary, in text and JSON. */
#include <inttypes.h>

#include "fmt.h"
#include "fmt_check.h"

static void
text_check(FILE *f, const struct audit *a)
{
	const struct audit_finding *fi;
	const struct walk_note *n;
	struct audit_summary s;
	char end[24];
	size_t nf, i;
	unsigned k, sep = 0;

	fi = audit_findings(a, &nf);
	for (i = 0; i < nf; i++) {
		fmt_end(end, sizeof end, fi[i].last, true);
		fprintf(f, "%-15s 0x%016" PRIx64 "-%s pa 0x%" PRIx64 ": %s\n",
		    audit_kind_name(fi[i].kind), fi[i].va, end, fi[i].pa,
		    fi[i].detail);
	}
	for (k = 0; (n = audit_recursive(a, k)) != NULL; k++)
		fprintf(f, "# recursive slot: %s at 0x%" PRIx64 " points back to "
		    "table 0x%" PRIx64 ": 0x%016" PRIx64 "+0x%" PRIx64 " maps "
		    "tables\n", x86pt_level_name(n->level), n->entry_pa,
		    n->table_pa, n->va, n->size);
	audit_summary(a, &s);
	fprintf(f, "checked %" PRIu64 " ranges and %" PRIu64 " table pages:",
	    s.ranges, s.tables);
	for (k = 0; k < AUDIT_NKINDS; k++)
		if (audit_wanted(a, (enum audit_kind)k))
			fprintf(f, "%s %" PRIu64 " %s", sep++ ? "," : "",
			    s.count[k], audit_kind_name((enum audit_kind)k));
	if (s.ignored)
		fprintf(f, "; %" PRIu64 " ignored", s.ignored);
	if (s.capped)
		fprintf(f, "; only the first %d listed", AUDIT_MAX_FINDINGS);
	fputc('\n', f);
}

static void
json_check(FILE *f, const struct audit *a)
{
	const struct audit_finding *fi;
	const struct walk_note *n;
	struct audit_summary s;
	char end[24];
	size_t nf, i;
	unsigned k;

	fi = audit_findings(a, &nf);
	fprintf(f, "{\"findings\":[");
	for (i = 0; i < nf; i++) {
		fmt_end(end, sizeof end, fi[i].last, false);
		fprintf(f, "%s\n{\"kind\":\"%s\",\"va\":\"0x%" PRIx64 "\","
		    "\"end\":\"%s\",\"pa\":\"0x%" PRIx64 "\",\"detail\":",
		    i ? "," : "", audit_kind_name(fi[i].kind), fi[i].va, end,
		    fi[i].pa);
		fmt_json_str(f, fi[i].detail);
		fputc('}', f);
	}
	fprintf(f, "],\"recursive\":[");
	for (k = 0; (n = audit_recursive(a, k)) != NULL; k++)
		fprintf(f, "%s{\"level\":%d,\"entry_pa\":\"0x%" PRIx64 "\","
		    "\"table\":\"0x%" PRIx64 "\",\"va\":\"0x%" PRIx64 "\","
		    "\"size\":\"0x%" PRIx64 "\"}", k ? "," : "", (int)n->level,
		    n->entry_pa, n->table_pa, n->va, n->size);
	audit_summary(a, &s);
	fprintf(f, "],\"summary\":{\"ranges\":%" PRIu64 ",\"tables\":%" PRIu64,
	    s.ranges, s.tables);
	for (k = 0; k < AUDIT_NKINDS; k++)
		if (audit_wanted(a, (enum audit_kind)k))
			fprintf(f, ",\"%s\":%" PRIu64,
			    audit_kind_name((enum audit_kind)k), s.count[k]);
	fprintf(f, ",\"ignored\":%" PRIu64 ",\"capped\":%s", s.ignored,
	    s.capped ? "true" : "false");
	if (audit_ram_limit(a) != 0)
		fprintf(f, ",\"ram_end\":\"0x%" PRIx64 "\"", audit_ram_limit(a));
	fprintf(f, "}}\n");
}

void
fmt_check(FILE *f, enum out_format format, const struct audit *a)
{
	if (format == OUT_JSON)
		json_check(f, a);
	else
		text_check(f, a);
}
