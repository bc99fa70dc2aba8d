/* shell.h - the interactive readline shell. */
#ifndef PTDUMP_SHELL_H
#define PTDUMP_SHELL_H

#include "err.h"
#include "session.h"

/*
 * Read commands with readline until `quit` or end of input.  A failed
 * command prints one line and the shell goes on.  Returns the status of
 * the last command (0 or 1), or -1 only if the shell itself failed.
 */
int shell_run(struct session *s, struct pt_err *err);

#endif
