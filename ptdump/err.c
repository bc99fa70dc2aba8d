/* err.c - error values: see err.h. */
#include <stdio.h>
#include <string.h>

#include "err.h"

int
pt_err_set(struct pt_err *e, enum pt_exit kind, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return -1;
	e->kind = kind;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	return -1;
}

int
pt_err_wrap(struct pt_err *e, const char *fmt, ...)
{
	char old[sizeof e->msg];
	size_t n, cap = sizeof e->msg;
	va_list ap;

	if (e == NULL)
		return -1;
	memcpy(old, e->msg, sizeof old);
	va_start(ap, fmt);
	vsnprintf(e->msg, cap, fmt, ap);
	va_end(ap);
	/* Truncation keeps the context, which is the more useful half. */
	n = strlen(e->msg);
	if (n + 2 < cap) {
		memcpy(e->msg + n, ": ", 2);
		n += 2;
		size_t m = strlen(old);

		if (m > cap - n - 1)
			m = cap - n - 1;
		memcpy(e->msg + n, old, m);
		e->msg[n + m] = '\0';
	}
	return -1;
}

void
pt_err_clear(struct pt_err *e)
{
	e->kind = PT_EXIT_OK;
	e->msg[0] = '\0';
}
