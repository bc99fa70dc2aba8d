/*
 * cmd.h - the command table, shared by the shell, batch scripts (-x, -c,
 * `source`) and one-shot use.
 */
#ifndef PTDUMP_CMD_H
#define PTDUMP_CMD_H

#include <stdbool.h>
#include <stdio.h>

#include "err.h"
#include "session.h"

/*
 * A handler returns PT_EXIT_OK, PT_EXIT_FINDINGS (e.g. `check` found
 * something), or -1 with `err` set.
 */
typedef int (*cmd_fn)(struct session *s, int argc, char **argv,
    struct pt_err *err);

/* What the shell completes after the command name. */
enum cmd_complete {
	CMD_COMPLETE_WORDS,	/* only `words` */
	CMD_COMPLETE_FILE,	/* file names, and `words` */
	CMD_COMPLETE_SYMBOL,	/* symbol names, and `words` */
};

struct cmd {
	const char *name;
	const char *alias;	/* or NULL */
	cmd_fn fn;
	const char *usage;	/* arguments, after the name */
	const char *summary;	/* one line */
	enum cmd_complete complete;
	const char *words;	/* options and keywords, blank-separated */
	const char *help;	/* more lines for `help NAME`, or NULL */
};

/* The table, ending with a zeroed entry. */
extern const struct cmd cmd_table[];

/* Look a command up by name or alias; NULL when unknown. */
const struct cmd *cmd_find(const char *name);

/*
 * Look a command up as the user typed it: its name, an alias, or a
 * prefix of exactly one name, as GDB allows (`du` is `dump`).  NULL
 * with err set when unknown or ambiguous.
 */
const struct cmd *cmd_lookup(const char *word, struct pt_err *err);

/* Run one command given as words.  Returns as a handler does. */
int cmd_exec_argv(struct session *s, int argc, char **argv,
    struct pt_err *err);

/* Split one line into words and run it; blank lines and comments are 0. */
int cmd_exec_line(struct session *s, const char *line, struct pt_err *err);

/*
 * Run every line of `in` (named `name` in messages).  Stops at the first
 * error, which is reported as "NAME:LINE: message".  Returns the highest
 * status seen, or -1.
 */
int cmd_exec_file(struct session *s, FILE *in, const char *name,
    struct pt_err *err);

/* Print the usage line of `c` into `err` as a usage error; returns -1. */
int cmd_usage(const struct cmd *c, struct pt_err *err);

#endif
