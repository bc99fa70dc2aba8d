/* fmt_check.h - printing check's findings (audit.h). */
#ifndef PTDUMP_FMT_CHECK_H
#define PTDUMP_FMT_CHECK_H

#include <stdio.h>

#include "audit.h"
#include "session.h"

/* The findings, the recursive slots named, and the summary line. */
void fmt_check(FILE *f, enum out_format format, const struct audit *a);

#endif
