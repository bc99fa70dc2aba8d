/* cmd.c - the command table and the generic commands (help, set, ...). */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cmd.h"
#include "cmd_impl.h"
#include "gdbremote.h"
#include "sig.h"
#include "x86pt.h"

static int cmd_help(struct session *, int, char **, struct pt_err *);
static int cmd_quit(struct session *, int, char **, struct pt_err *);
static int cmd_source(struct session *, int, char **, struct pt_err *);
static int cmd_set(struct session *, int, char **, struct pt_err *);

static const char dump_help[] =
"Text output: a header, then one line per range, with these columns:\n"
"  start end  the virtual range; end is exclusive (the top page's end,\n"
"             2^64, shows as 0x0000000000000000)\n"
"  size       bytes in the range (K, M, G, T, P, E: powers of 1024)\n"
"  page       the page size of its entries: 4K, 2M, 4M or 1G\n"
"  rwx        effective rights over every level: r always; w when RW=1\n"
"             at every level; x unless NX=1 at some level (EFER.NXE=1)\n"
"  priv       user when US=1 at every level, else super\n"
"  G          G: the leaf is global (kept across CR3 writes with PGE)\n"
"  mem        memory type from PAT, PCD and PWT: WB WT UC- UC WC WP\n"
"  ad         the leaf's accessed (A) and dirty (D) bits\n"
"  physical   the physical address of the range's first byte\n"
"A range ends where any column but the addresses changes.  Lines that\n"
"start with '#' are comments (the header, recursive slots); '!' lines\n"
"report reserved bits (accesses fault) and tables past RAM.\n"
"RANGE is START-END, START+LEN or one address; each may be a symbol.\n"
"--pages prints one line per page-table entry; --cr3 walks another root;\n"
"--symbols ends each line with the ELF [.section] and the <symbol+off>\n"
"the range starts in.\n"
"--filter keeps the pages whose terms all hold (comma-separated):\n"
"  w x wx user super global ro nx a d rsvd, a memory type wb wt wc wp uc\n"
"  uc-; '!' negates one (!nx: executable), e.g. --filter w,x,super.\n"
"--summary gives totals per page size, rights and memory type, and the\n"
"page-table pages walked, instead of the ranges.\n";

static const char walk_help[] =
"One line per level: the entry's index in its table, its physical\n"
"address, its value and flags, and the table or page it points to; then\n"
"the translation with its effective rights and memory type, or where\n"
"and why it stops.  The exit status is 1 when VA is not mapped.\n"
"Long mode walks 4 or 5 levels, PAE paging 3 (a PDPTE is followed by a\n"
"line saying that the CPU uses the copies it loaded with CR3, not the\n"
"memory read here), 32-bit paging 2; outside long mode addresses end\n"
"at 4 GiB.\n";

static const char regs_help[] =
"The paging mode is none (CR0.PG=0), 32-bit (CR4.PAE=0), pae (EFER.LMA=0),\n"
"4-level or 5-level (CR4.LA57=1); JSON's \"mode\" names it the same.\n";

static const char check_help[] =
"One line per finding, then a summary; exit status 1 when any remains.\n"
"  wx               writable and executable (effective rights)\n"
"  user-tables      a page-table page reachable through a user mapping\n"
"  writable-tables  ... through a writable one (--strict only: every\n"
"                   kernel maps its own tables writable somewhere)\n"
"  user-high        US=1 in the supervisor half\n"
"  user-exec        a user page ring 0 may execute (CR4.SMEP=0)\n"
"  rsvd             reserved bits on a path: accesses fault\n"
"  past-ram         a table, or a write-back page, past guest RAM\n"
"                   (RAM from the monitor's 'info mtree -f')\n"
"  alias            one frame writable at one address, executable or\n"
"                   read-only at another\n"
"  alias-memtype    one frame with two memory types (SDM: undefined)\n"
"Recursive slots are named, not flagged.  --only KINDS (comma-separated)\n"
"keeps those; --ignore RANGE drops findings inside RANGE (repeatable).\n";

static const char fault_help[] =
"With no arguments, at a stop of 'catch pagefault' (or any 'catch'):\n"
"the vector, CR2, the error code in words, the faulting instruction,\n"
"the walk of CR2 and one sentence naming the cause.  With VA and\n"
"--access: whether that access would fault now, and why (status 1 if\n"
"it would).  --user makes it a CPL 3 access.\n";

#define W CMD_COMPLETE_WORDS
#define F CMD_COMPLETE_FILE
#define S CMD_COMPLETE_SYMBOL
static const char map_help[] =
    "    One box per range of `dump` and per hole between ranges: a\n"
    "    range's width grows with the logarithm of its size, a hole's is\n"
    "    fixed, so small pages stay visible.  Red: writable and\n"
    "    executable; blue: executable; green: writable; grey: read-only;\n"
    "    dashed: user pages; a dark strip: 2 MiB or 1 GiB pages; a white\n"
    "    dot: global.  Each box's tooltip is its dump line; in the HTML\n"
    "    page a click shows the walk of its first address.  The page\n"
    "    needs no network and no other file.\n";

const struct cmd cmd_table[] = {
	{ "regs", NULL, cmd_regs, "[--format text|json]",
	  "control registers, EFER and the paging mode", W, "--format",
	  regs_help },
	{ "dump", NULL, cmd_dump,
	  "[RANGE] [--pages] [--filter TERMS] [--summary] [--symbols] "
	  "[--cr3 ADDR] [--format text|json]",
	  "the mapped ranges of an address space", S,
	  "--pages --filter --summary --symbols --cr3 --format", dump_help },
	{ "snapshot", NULL, cmd_snapshot,
	  "save NAME [FILE] | load FILE [NAME] | list",
	  "keep the address space (and write it as JSON), or read one back", F,
	  "save load list", NULL },
	{ "diff", NULL, cmd_diff, "A [B] [--format text|json]",
	  "what changed from snapshot A to B (or now), and what the TLB may "
	  "still hold (status 1: changes)", W, "--format", NULL },
	{ "map", NULL, cmd_map, "[--format svg|html] [-o FILE]",
	  "the address space as a picture: SVG, or HTML whose ranges show "
	  "their walk", W, "--format -o svg html", map_help },
	{ "tlb", NULL, cmd_tlb, "[--format text|json]",
	  "what the CPU may have cached: A bits, global pages, PCID", W,
	  "--format", NULL },
	{ "ptov", NULL, cmd_ptov, "PA [LEN] [--cr3 ADDR] [--format text|json]",
	  "the pages that map physical PA..PA+LEN (status 1: none)", W,
	  "--cr3 --format", NULL },
	{ "walk", "vtop", cmd_walk, "VA [--cr3 ADDR] [--format text|json]",
	  "translate VA level by level (status 1: not mapped)", S,
	  "--cr3 --format", walk_help },
	{ "decode", NULL, cmd_decode,
	  "VALUE --level N [--mode 32-bit|pae|4-level|5-level]",
	  "decode a raw entry of level N (1 PTE .. 5 PML5E); no target needed",
	  W, "--level --mode --format 32-bit pae 4-level 5-level", NULL },
	{ "check", NULL, cmd_check,
	  "[--only KINDS] [--ignore RANGE]... [--strict] [--format text|json]",
	  "audit the tables: W+X, aliases, exposed tables... (status 1: found)",
	  S, "--only --ignore --strict --format wx user-tables writable-tables "
	  "user-high user-exec rsvd past-ram alias alias-memtype", check_help },
	{ "fault", NULL, cmd_fault,
	  "[VA --access read|write|exec [--user]]",
	  "explain the caught exception, or whether an access would fault", S,
	  "--access --user read write exec", fault_help },
	{ "continue", "c", cmd_continue, "[&]",
	  "run the guest until it stops (& in the shell: in the background)",
	  W, "&", NULL },
	{ "stepi", "si", cmd_stepi, "[N]", "run N instructions (1)", W, "",
	  NULL },
	{ "interrupt", NULL, cmd_interrupt, "", "stop a running guest", W, "",
	  NULL },
	{ "break", "b", cmd_break, "LOCATION", "set a breakpoint", S, "", NULL },
	{ "tbreak", NULL, cmd_break, "LOCATION",
	  "set a breakpoint deleted when hit", S, "", NULL },
	{ "hbreak", NULL, cmd_break, "LOCATION", "set a hardware breakpoint", S,
	  "", NULL },
	{ "watch", NULL, cmd_watch, "ADDR [LEN]",
	  "stop when LEN bytes (8) at ADDR are written", S, "", NULL },
	{ "rwatch", NULL, cmd_watch, "ADDR [LEN]", "stop when they are read", S,
	  "", NULL },
	{ "awatch", NULL, cmd_watch, "ADDR [LEN]",
	  "stop when they are read or written", S, "", NULL },
	{ "watch-pte", NULL, cmd_watch_pte, "VA",
	  "stop when the page-table entry that maps VA is written", S, "",
	  NULL },
	{ "catch", NULL, cmd_catch,
	  "pagefault|gp|df|VECTOR [--user] [--cr2 RANGE]",
	  "stop when the guest takes that exception, before its handler", W,
	  "pagefault gp df ud de db bp nmi --user --cr2", NULL },
	{ "delete", "d", cmd_delete, "[N]",
	  "delete point N, or every break-, watch- and catchpoint", W, "",
	  NULL },
	{ "info", NULL, cmd_info, "breakpoints|cpus",
	  "list the points, or the vCPUs", W, "breakpoints cpus", NULL },
	{ "cpu", NULL, cmd_cpu, "[N]", "show or choose the vCPU commands read",
	  W, "", NULL },
	{ "symbols", NULL, cmd_symbols, "[FILE [--offset N] | --clear]",
	  "load symbols from an ELF file or a System.map", F,
	  "--offset --clear", NULL },
	{ "target", NULL, cmd_target, "[HOST:PORT|unix:PATH]",
	  "show the target, or connect to another", W, "", NULL },
	{ "monitor", NULL, cmd_monitor, "CMD...",
	  "run a QEMU monitor command", W, "info", NULL },
	{ "set", NULL, cmd_set,
	  "[maxphyaddr N | pat VALUE | max-entries N | max-tables N | "
	  "format text|json]",
	  "show or change a setting", W,
	  "maxphyaddr pat max-entries max-tables format text json", NULL },
	{ "source", NULL, cmd_source, "FILE", "run the commands in FILE", F, "",
	  NULL },
	{ "help", NULL, cmd_help, "[COMMAND]", "list commands, or explain one",
	  W, "", NULL },
	{ "quit", "exit", cmd_quit, "", "leave ptdump", W, "", NULL },
	{ NULL, NULL, NULL, NULL, NULL, W, NULL, NULL },
};
#undef W
#undef F
#undef S

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

const struct cmd *
cmd_lookup(const char *word, struct pt_err *err)
{
	const struct cmd *c, *found = NULL;
	size_t n = strlen(word);
	int hits = 0;

	if ((c = cmd_find(word)) != NULL)
		return c;
	for (c = cmd_table; c->name != NULL && n > 0; c++)
		if (strncmp(c->name, word, n) == 0) {
			found = c;
			hits++;
		}
	if (hits == 1)
		return found;
	if (hits == 0) {
		pt_err_set(err, PT_EXIT_USAGE, "unknown command '%s' (try "
		    "'help')", word);
		return NULL;
	}
	pt_err_set(err, PT_EXIT_USAGE, "ambiguous command '%s':", word);
	for (c = cmd_table; c->name != NULL; c++)
		if (strncmp(c->name, word, n) == 0 &&
		    strlen(err->msg) + strlen(c->name) + 3 < sizeof err->msg) {
			strcat(err->msg, " ");
			strcat(err->msg, c->name);
		}
	return NULL;
}

int
cmd_usage(const struct cmd *c, struct pt_err *err)
{
	return pt_err_set(err, PT_EXIT_USAGE, "usage: %s%s%s", c->name,
	    c->usage[0] != '\0' ? " " : "", c->usage);
}

/*
 * Has the reader of `f` gone away (a pipe or socket with its other end
 * closed)?  errno is no witness by the time a command ends: the write
 * that failed may lie many system calls back.
 */
static bool
out_hung_up(FILE *f)
{
	struct pollfd p = { .fd = fileno(f), .events = POLLOUT };

	return p.fd >= 0 && poll(&p, 1, 0) == 1 &&
	    (p.revents & (POLLERR | POLLHUP)) != 0;
}

int
cmd_exec_argv(struct session *s, int argc, char **argv, struct pt_err *err)
{
	const struct cmd *c;
	int rc;

	if (argc == 0)
		return PT_EXIT_OK;
	if ((c = cmd_lookup(argv[0], err)) == NULL)
		return -1;
	/* Handlers look at argv[0] (break/tbreak/hbreak share one). */
	argv[0] = (char *)c->name;
	s->out_errno = 0;
	/* A target gone after a success (monitor quit) is noticed by the
	 * next command; after a failure, say so now. */
	if ((rc = c->fn(s, argc, argv, err)) < 0)
		cmd_target_lost(s, err);
	/* Output nobody reads any more (`| head`) ends ptdump quietly;
	 * other write errors are errors. */
	if (fflush(s->out) == EOF || ferror(s->out)) {
		int e = s->out_errno != 0 ? s->out_errno : errno;

		if (e == EPIPE || out_hung_up(s->out)) {
			s->out_closed = true;
			return rc < 0 ? PT_EXIT_OK : rc;
		}
		if (rc >= 0)
			return pt_err_set(err, PT_EXIT_TARGET, "%s: error writing "
			    "output: %s", argv[0], strerror(e));
	}
	return rc;
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

	while (!s->quit && !s->out_closed && !sig_pending() &&
	    getline(&line, &cap, in) != -1) {
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

int
cmd_target_lost(struct session *s, struct pt_err *err)
{
	struct pt_err ignored;

	if (s->connected && gdbremote_is(&s->tgt) &&
	    !gdbremote_alive(&s->tgt)) {
		session_disconnect(s, &ignored);
		run_reset(&s->run);
		if (strlen(err->msg) + 40 < sizeof err->msg)
			strcat(err->msg, " (disconnected; the next command "
			    "connects again)");
	}
	return -1;
}

/* ---- generic commands ------------------------------------------------ */

static int
cmd_help(struct session *s, int argc, char **argv, struct pt_err *err)
{
	const struct cmd *c;

	if (argc > 2)
		return cmd_usage(cmd_find("help"), err);
	if (argc == 2) {
		if ((c = cmd_lookup(argv[1], err)) == NULL)
			return -1;
		fprintf(s->out, "%s %s\n    %s\n", c->name, c->usage, c->summary);
		if (c->alias != NULL)
			fprintf(s->out, "    (alias: %s)\n", c->alias);
		if (c->help != NULL)
			fprintf(s->out, "%s", c->help);
		return PT_EXIT_OK;
	}
	for (c = cmd_table; c->name != NULL; c++)
		fprintf(s->out, "  %-10s %s\n", c->name, c->summary);
	fprintf(s->out, "Addresses are hex (0x...) or decimal ('_' may group "
	    "digits), or symbols\n(NAME, NAME+OFF) once loaded.  RANGE is "
	    "START-END (END exclusive) or START+LEN.\nA unique prefix of a "
	    "command is enough: 'du' is 'dump'.\n");
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
		fprintf(s->out, "max-tables   %llu\n",
		    (unsigned long long)s->opt.max_tables);
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
	} else if (strcmp(argv[1], "max-tables") == 0) {
		if (v == 0)
			return pt_err_set(err, PT_EXIT_USAGE,
			    "set max-tables: a positive number");
		s->opt.max_tables = v;
	} else {
		return pt_err_set(err, PT_EXIT_USAGE, "set: unknown setting '%s' "
		    "(maxphyaddr, pat, max-entries, max-tables, format)",
		    argv[1]);
	}
	return PT_EXIT_OK;
}
