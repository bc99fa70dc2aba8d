/* cmd.c - the command table and the generic commands (help, set, ...). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cmd.h"
#include "cmd_impl.h"
#include "x86pt.h"

static int cmd_help(struct session *, int, char **, struct pt_err *);
static int cmd_quit(struct session *, int, char **, struct pt_err *);
static int cmd_source(struct session *, int, char **, struct pt_err *);
static int cmd_set(struct session *, int, char **, struct pt_err *);

const struct cmd cmd_table[] = {
	{ "regs", NULL, cmd_regs, "[--format text|json]",
	  "control registers, EFER and the paging mode" },
	{ "dump", NULL, cmd_dump,
	  "[RANGE] [--pages] [--cr3 ADDR] [--format text|json]",
	  "the mapped ranges of an address space" },
	{ "walk", "vtop", cmd_walk, "VA [--cr3 ADDR] [--format text|json]",
	  "translate VA level by level" },
	{ "decode", NULL, cmd_decode, "VALUE --level N",
	  "decode a raw entry of level N (1 PTE .. 5 PML5E); no target needed" },
	{ "monitor", NULL, cmd_monitor, "CMD...",
	  "run a QEMU monitor command" },
	{ "set", NULL, cmd_set, "[maxphyaddr N | pat VALUE | max-entries N | format text|json]",
	  "show or change a setting" },
	{ "source", NULL, cmd_source, "FILE", "run the commands in FILE" },
	{ "help", NULL, cmd_help, "[COMMAND]", "list commands, or explain one" },
	{ "quit", "exit", cmd_quit, "", "leave ptdump" },
	{ NULL, NULL, NULL, NULL, NULL },
};

const struct cmd *
cmd_find(const char *name)
{
	const struct cmd *c;

	for (c = cmd_table; c->name != NULL; c++)
		if (strcmp(c->name, name) == 0 ||
		    (c->alias != NULL && strcmp(c->alias, name) == 0))
			return c;
	return NULL;
}

int
cmd_usage(const struct cmd *c, struct pt_err *err)
{
	return pt_err_set(err, PT_EXIT_USAGE, "usage: %s %s", c->name,
	    c->usage);
}

int
cmd_exec_argv(struct session *s, int argc, char **argv, struct pt_err *err)
{
	const struct cmd *c;

	if (argc == 0)
		return PT_EXIT_OK;
	c = cmd_find(argv[0]);
	if (c == NULL)
		return pt_err_set(err, PT_EXIT_USAGE,
		    "unknown command '%s' (try 'help')", argv[0]);
	return c->fn(s, argc, argv, err);
}

int
cmd_exec_line(struct session *s, const char *line, struct pt_err *err)
{
	char *copy, *argv[ARGS_MAX];
	int argc, rc;

	copy = strdup(line);
	if (copy == NULL)
		return pt_err_set(err, PT_EXIT_TARGET, "out of memory");
	argc = args_split(copy, argv, ARGS_MAX, err);
	rc = argc < 0 ? -1 : cmd_exec_argv(s, argc, argv, err);
	free(copy);
	return rc;
}

int
cmd_exec_file(struct session *s, FILE *in, const char *name,
    struct pt_err *err)
{
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0;
	int status = PT_EXIT_OK, rc = 0;

	while (!s->quit && getline(&line, &cap, in) != -1) {
		lineno++;
		rc = cmd_exec_line(s, line, err);
		if (rc < 0) {
			pt_err_wrap(err, "%s:%u", name, lineno);
			break;
		}
		if (rc > status)
			status = rc;
	}
	free(line);
	return rc < 0 ? -1 : status;
}

/* ---- generic commands ------------------------------------------------ */

static int
cmd_help(struct session *s, int argc, char **argv, struct pt_err *err)
{
	const struct cmd *c;

	if (argc > 2)
		return cmd_usage(cmd_find("help"), err);
	if (argc == 2) {
		c = cmd_find(argv[1]);
		if (c == NULL)
			return pt_err_set(err, PT_EXIT_USAGE,
			    "unknown command '%s'", argv[1]);
		fprintf(s->out, "%s %s\n    %s\n", c->name, c->usage, c->summary);
		if (c->alias != NULL)
			fprintf(s->out, "    (alias: %s)\n", c->alias);
		return PT_EXIT_OK;
	}
	for (c = cmd_table; c->name != NULL; c++)
		fprintf(s->out, "  %-8s %s\n", c->name, c->summary);
	fprintf(s->out, "Addresses are hex (0x...) or decimal; '_' may group "
	    "digits.  RANGE is START-END (END exclusive) or START+LEN.\n");
	return PT_EXIT_OK;
}

static int
cmd_quit(struct session *s, int argc, char **argv, struct pt_err *err)
{
	(void)argv;
	if (argc != 1)
		return cmd_usage(cmd_find("quit"), err);
	s->quit = true;
	return PT_EXIT_OK;
}

static int
cmd_source(struct session *s, int argc, char **argv, struct pt_err *err)
{
	FILE *in;
	int rc;

	if (argc != 2)
		return cmd_usage(cmd_find("source"), err);
	if (s->source_depth >= 8)
		return pt_err_set(err, PT_EXIT_USAGE,
		    "source: nested too deeply (a file sources itself?)");
	in = fopen(argv[1], "r");
	if (in == NULL)
		return pt_err_set(err, PT_EXIT_USAGE, "cannot open %s: %s",
		    argv[1], strerror(errno));
	s->source_depth++;
	rc = cmd_exec_file(s, in, argv[1], err);
	s->source_depth--;
	fclose(in);
	return rc;
}

static int
cmd_set(struct session *s, int argc, char **argv, struct pt_err *err)
{
	uint64_t v;

	if (argc == 1) {
		fprintf(s->out, "target       %s\n", s->opt.target);
		fprintf(s->out, "format       %s\n",
		    s->opt.format == OUT_JSON ? "json" : "text");
		fprintf(s->out, "maxphyaddr   %u\n", s->opt.maxphyaddr);
		fprintf(s->out, "pat          0x%016llx\n",
		    (unsigned long long)s->opt.pat);
		fprintf(s->out, "max-entries  %llu\n",
		    (unsigned long long)s->opt.max_entries);
		return PT_EXIT_OK;
	}
	if (argc != 3)
		return cmd_usage(cmd_find("set"), err);
	if (strcmp(argv[1], "format") == 0) {
		if (strcmp(argv[2], "text") == 0)
			s->opt.format = OUT_TEXT;
		else if (strcmp(argv[2], "json") == 0)
			s->opt.format = OUT_JSON;
		else
			return pt_err_set(err, PT_EXIT_USAGE,
			    "set format: text or json");
		return PT_EXIT_OK;
	}
	if (args_u64(argv[2], &v, err) < 0)
		return pt_err_wrap(err, "set %s", argv[1]);
	if (strcmp(argv[1], "maxphyaddr") == 0) {
		if (v < 32 || v > 52)
			return pt_err_set(err, PT_EXIT_USAGE,
			    "set maxphyaddr: 32 to 52 bits");
		s->opt.maxphyaddr = (unsigned)v;
	} else if (strcmp(argv[1], "pat") == 0) {
		if (!x86pt_pat_valid(v))
			return pt_err_set(err, PT_EXIT_USAGE, "set pat: an entry "
			    "holds a reserved type (valid: 0, 1, 4, 5, 6, 7)");
		s->opt.pat = v;
	} else if (strcmp(argv[1], "max-entries") == 0) {
		if (v == 0)
			return pt_err_set(err, PT_EXIT_USAGE,
			    "set max-entries: a positive number");
		s->opt.max_entries = v;
	} else {
		return pt_err_set(err, PT_EXIT_USAGE,
		    "set: unknown setting '%s' (maxphyaddr, pat, max-entries, format)",
		    argv[1]);
	}
	return PT_EXIT_OK;
}
