/* tdesc.c - target descriptions with expat: see tdesc.h. */
#include <errno.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <expat.h>

#include "tdesc.h"

struct xml_ctx {
	struct tdesc *d;
	tdesc_fetch_fn fetch;
	void *fetch_ctx;
	XML_Parser parser;
	struct pt_err *err;
	const char *annex;
	int depth;
	bool failed;
	bool in_arch;
};

static int load(struct tdesc *d, const char *annex, int depth,
    tdesc_fetch_fn fetch, void *ctx, struct pt_err *err);

static const char *
attr(const XML_Char **atts, const char *name)
{
	for (; atts[0] != NULL; atts += 2)
		if (strcmp(atts[0], name) == 0)
			return atts[1];
	return NULL;
}

static void
xml_fail(struct xml_ctx *x)
{
	x->failed = true;
	XML_StopParser(x->parser, XML_FALSE);
}

static int
parse_uint(const char *s, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* A <reg>: numbered by regnum= or one past the previous (as gdb does). */
static void
xml_reg(struct xml_ctx *x, const XML_Char **atts)
{
	struct tdesc *d = x->d;
	const char *name = attr(atts, "name");
	const char *num = attr(atts, "regnum");
	unsigned regnum = d->next_regnum, bits;
	struct tdesc_reg *r;

	if (name == NULL || strlen(name) >= sizeof r->name ||
	    parse_uint(attr(atts, "bitsize"), 4096, &bits) < 0 ||
	    (num != NULL && parse_uint(num, 65535, &regnum) < 0)) {
		pt_err_set(x->err, PT_EXIT_TARGET, "%s line %lu: bad <reg>",
		    x->annex, (unsigned long)XML_GetCurrentLineNumber(x->parser));
		xml_fail(x);
		return;
	}
	if (d->nregs == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 64;

		if (cap > TDESC_MAX_REGS ||
		    (r = realloc(d->regs, cap * sizeof *r)) == NULL) {
			pt_err_set(x->err, PT_EXIT_TARGET, "too many registers");
			xml_fail(x);
			return;
		}
		d->regs = r;
		d->cap = cap;
	}
	r = &d->regs[d->nregs++];
	memcpy(r->name, name, strlen(name) + 1);
	r->regnum = regnum;
	r->bits = bits;
	d->next_regnum = regnum + 1;
}

/* Only plain file names: the annex goes into a `:`-separated packet. */
static bool
good_href(const char *h)
{
	size_t n = strspn(h, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-");

	return n > 0 && n < 64 && h[n] == '\0';
}

static void XMLCALL
xml_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	struct xml_ctx *x = ud;
	const char *href;

	if (x->failed)
		return;
	if (strcmp(name, "reg") == 0) {
		xml_reg(x, atts);
	} else if (strcmp(name, "xi:include") == 0) {
		/* Included files count in place, like gdb's xinclude. */
		href = attr(atts, "href");
		if (href == NULL || !good_href(href)) {
			pt_err_set(x->err, PT_EXIT_TARGET,
			    "%s: bad xi:include href", x->annex);
			xml_fail(x);
		} else if (load(x->d, href, x->depth + 1, x->fetch,
		    x->fetch_ctx, x->err) < 0) {
			xml_fail(x);
		}
	} else if (strcmp(name, "architecture") == 0) {
		x->in_arch = true;
		x->d->arch[0] = '\0';
	}
}

static void XMLCALL
xml_end(void *ud, const XML_Char *name)
{
	struct xml_ctx *x = ud;

	if (strcmp(name, "architecture") == 0)
		x->in_arch = false;
}

static void XMLCALL
xml_text(void *ud, const XML_Char *s, int len)
{
	struct xml_ctx *x = ud;
	size_t have;

	if (!x->in_arch)
		return;
	have = strlen(x->d->arch);
	if (len > 0 && have + (size_t)len < sizeof x->d->arch) {
		memcpy(x->d->arch + have, s, (size_t)len);
		x->d->arch[have + (size_t)len] = '\0';
	}
}

static int
load(struct tdesc *d, const char *annex, int depth, tdesc_fetch_fn fetch,
    void *ctx, struct pt_err *err)
{
	struct xml_ctx x;
	char *text = NULL;
	size_t len = 0;
	int ok;

	if (depth > TDESC_MAX_DEPTH || ++d->files > TDESC_MAX_FILES)
		return pt_err_set(err, PT_EXIT_TARGET, "%s: too many nested "
		    "xi:include files", annex);
	if (fetch(ctx, annex, &text, &len, err) < 0)
		return -1;
	if (len > TDESC_MAX_BYTES || len > (size_t)INT32_MAX) {
		free(text);
		return pt_err_set(err, PT_EXIT_TARGET, "%s: larger than %u "
		    "bytes", annex, TDESC_MAX_BYTES);
	}
	memset(&x, 0, sizeof x);
	x.d = d;
	x.fetch = fetch;
	x.fetch_ctx = ctx;
	x.err = err;
	x.annex = annex;
	x.depth = depth;
	if ((x.parser = XML_ParserCreate(NULL)) == NULL) {
		free(text);
		return pt_err_set(err, PT_EXIT_TARGET, "out of memory");
	}
	XML_SetUserData(x.parser, &x);
	XML_SetElementHandler(x.parser, xml_start, xml_end);
	XML_SetCharacterDataHandler(x.parser, xml_text);
	ok = XML_Parse(x.parser, text, (int)len, XML_TRUE) == XML_STATUS_OK;
	if (!ok && !x.failed)
		pt_err_set(err, PT_EXIT_TARGET, "%s line %lu: %s", annex,
		    (unsigned long)XML_GetCurrentLineNumber(x.parser),
		    XML_ErrorString(XML_GetErrorCode(x.parser)));
	XML_ParserFree(x.parser);
	free(text);
	if (!ok || x.failed)
		return depth == 0 ? pt_err_wrap(err, "target description") :
		    -1;
	return 0;
}

int
tdesc_load(struct tdesc *d, const char *annex, tdesc_fetch_fn fetch,
    void *ctx, struct pt_err *err)
{
	return load(d, annex, 0, fetch, ctx, err);
}

void
tdesc_free(struct tdesc *d)
{
	free(d->regs);
	memset(d, 0, sizeof *d);
}

long
tdesc_find(const struct tdesc *d, const char *name)
{
	size_t i;

	for (i = 0; i < d->nregs; i++)
		if (strcasecmp(d->regs[i].name, name) == 0)
			return (long)i;
	return -1;
}
