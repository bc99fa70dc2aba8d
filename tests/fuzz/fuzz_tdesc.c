/*
 * fuzz_tdesc.c - the target-description reader (XML from the stub).
 * The input holds the files NUL-separated: target.xml first, then the
 * files it includes, handed out in order whatever name is asked for.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tdesc.h"

struct files {
	const uint8_t *p;
	size_t n, pos;
};

static int
fetch(void *ctx, const char *annex, char **text, size_t *len,
    struct pt_err *err)
{
	struct files *f = ctx;
	const uint8_t *end;
	size_t k;

	(void)annex;
	if (f->pos >= f->n)
		return pt_err_set(err, PT_EXIT_TARGET, "no such file");
	end = memchr(f->p + f->pos, 0, f->n - f->pos);
	k = end != NULL ? (size_t)(end - (f->p + f->pos)) : f->n - f->pos;
	if ((*text = malloc(k + 1)) == NULL)
		return pt_err_set(err, PT_EXIT_TARGET, "out of memory");
	memcpy(*text, f->p + f->pos, k);
	(*text)[k] = '\0';
	*len = k;
	f->pos += k + 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct files f = { data, size, 0 };
	struct tdesc d;
	struct pt_err e;

	memset(&d, 0, sizeof d);
	if (tdesc_load(&d, "target.xml", fetch, &f, &e) == 0) {
		tdesc_find(&d, "cr3");
		tdesc_find(&d, "rip");
	}
	tdesc_free(&d);
	return 0;
}
