/* err.h - errors as values: a short message plus the exit class. */
#ifndef PTDUMP_ERR_H
#define PTDUMP_ERR_H

#include <stdarg.h>

/* Exit statuses (the contract in ptdump(1)). */
enum pt_exit {
	PT_EXIT_OK = 0,
	PT_EXIT_FINDINGS = 1,
	PT_EXIT_USAGE = 2,
	PT_EXIT_TARGET = 3,
};

/*
 * Lower layers fill one of these and return -1; only main.c and shell.c
 * print it.  `kind` is the exit class the failure maps to.
 */
struct pt_err {
	enum pt_exit kind;
	char msg[512];
};

/* Set the message (printf-style) and the kind; always returns -1. */
int pt_err_set(struct pt_err *e, enum pt_exit kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prepend "WHERE: " context to an existing message; returns -1. */
int pt_err_wrap(struct pt_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Clear to "no error". */
void pt_err_clear(struct pt_err *e);

#endif
