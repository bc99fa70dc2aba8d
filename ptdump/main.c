/* main.c - ptdump's command line: options, then shell, batch or one shot. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "args.h"
#include "cmd.h"
#include "session.h"
#include "shell.h"
#include "sig.h"
#include "symbols.h"

static void
usage(FILE *f)
{
	fprintf(f,
"usage: ptdump [options] [COMMAND [ARG...]]\n"
"\n"
"See the x86 page tables of a guest under QEMU, through its gdbstub.\n"
"With no command on a terminal, ptdump opens an interactive shell; on\n"
"other input it reads commands from it, one per line.\n"
"\n"
"options:\n"
"  -t, --target HOST:PORT|unix:PATH  gdbstub to talk to (default %s,\n"
"                                 what `qemu -s` opens; env PTDUMP_TARGET)\n"
"  -c CMD                         run CMD (repeatable, in order)\n"
"  -x FILE                        run the commands in FILE ('-' for stdin)\n"
"  -o, --output FILE              write output to FILE\n"
"      --format text|json         output format (default text)\n"
"      --color auto|always|never  colour text output (default auto; NO_COLOR)\n"
"      --timeout SECONDS          connect and reply timeout (default %d)\n"
"      --max-entries N            stop a walk after N leaves\n"
"      --max-tables N             stop a walk after N table visits\n"
"      --trace                    print every RSP packet on stderr\n"
"      --symbols FILE             load symbols (ELF or System.map)\n"
"      --cpu N                    read vCPU N (from 0)\n"
"      --ram-access auto|direct|rsp  read guest RAM straight from a local\n"
"                                 QEMU's memory, or with gdbstub packets\n"
"                                 (default auto: direct when it works)\n"
"      --guest-ram FILE           QEMU's shared memory-backend file\n"
"      --core FILE                read a QEMU core (dump-guest-memory), no\n"
"                                 live guest\n"
"      --image FILE               read raw physical memory (pmemsave); needs\n"
"                                 --cr3\n"
"      --cr3 V, --cr4 V, --efer V  registers of --image (or instead of a\n"
"                                 core's)\n"
"  -h, --help                     this text\n"
"  -V, --version                  version\n"
"\n"
"commands (`ptdump help` lists them all):\n"
"  regs, dump [RANGE], walk VA, decode VALUE --level N, fault, continue,\n"
"  stepi, break, watch, watch-pte VA, catch pagefault, info, monitor CMD\n"
"\n"
"exit status: 0 ok, 1 findings, 2 usage error, 3 target, protocol or output\n"
"error\n",
	    SESSION_DEFAULT_TARGET, SESSION_DEFAULT_TIMEOUT_MS / 1000);
}

enum {
	OPT_FORMAT = 256,
	OPT_COLOR,
	OPT_TIMEOUT,
	OPT_MAX_ENTRIES,
	OPT_MAX_TABLES,
	OPT_TRACE,
	OPT_SYMBOLS,
	OPT_CPU,
	OPT_RAM_ACCESS,
	OPT_GUEST_RAM,
	OPT_CORE,
	OPT_IMAGE,
	OPT_CR3,
	OPT_CR4,
	OPT_EFER,
};

/* One -c or -x, kept in command-line order. */
struct job {
	char kind;	/* 'c' or 'x' */
	const char *arg;
};

/* --trace: every packet, one line each, on stderr. */
static void
trace_packet(void *ctx, enum rsp_trace_kind kind, const char *text, size_t len)
{
	static const char *const dir[] = { "->", "<-", "--", "stats:" };

	(void)ctx;
	fprintf(stderr, "rsp %s %.*s\n", dir[kind], (int)(len > 200 ? 200 : len),
	    text);
}

static int
fail(const char *msg, int status)
{
	fprintf(stderr, "ptdump: %s\n", msg);
	return status;
}

static int
run_job(struct session *s, const struct job *j, struct pt_err *err)
{
	FILE *in;
	int rc;

	if (j->kind == 'c')
		return cmd_exec_line(s, j->arg, err);
	if (strcmp(j->arg, "-") == 0)
		return cmd_exec_file(s, stdin, "<stdin>", err);
	in = fopen(j->arg, "r");
	if (in == NULL)
		return pt_err_set(err, PT_EXIT_USAGE, "cannot open %s: %s",
		    j->arg, strerror(errno));
	rc = cmd_exec_file(s, in, j->arg, err);
	fclose(in);
	return rc;
}

/* What the command line asked for, besides session options. */
struct cli {
	struct job *jobs;
	size_t njobs;
	const char *color;
	const char *outpath;
	bool done;		/* --help or --version answered */
};

/* --core, --image and the registers that go with them; -1 to go on. */
static int
check_offline(struct session *s)
{
	const struct offline_opts *o = &s->opt.offline;
	bool regs = o->have_cr3 || o->have_cr4 || o->have_efer;

	if (o->core != NULL && o->image != NULL)
		return fail("--core and --image: give one", PT_EXIT_USAGE);
	if (o->core == NULL && o->image == NULL) {
		if (regs)
			return fail("--cr3, --cr4 and --efer go with --core or "
			    "--image (dump --cr3 walks other tables of a live "
			    "guest)", PT_EXIT_USAGE);
		return -1;
	}
	if (o->image != NULL && !o->have_cr3)
		return fail("--image needs --cr3: a raw image holds no "
		    "registers", PT_EXIT_USAGE);
	if (s->opt.target_given)
		return fail("--core and --image read a file, not a gdbstub: "
		    "drop --target", PT_EXIT_USAGE);
	return -1;
}

/* Parse options into `s` and `cli`; returns an exit status, or -1 to go on. */
static int
parse_args(int argc, char **argv, struct session *s, struct cli *cli)
{
	static const struct option longopts[] = {
		{ "target", required_argument, NULL, 't' },
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "color", required_argument, NULL, OPT_COLOR },
		{ "colour", required_argument, NULL, OPT_COLOR },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "max-entries", required_argument, NULL, OPT_MAX_ENTRIES },
		{ "max-tables", required_argument, NULL, OPT_MAX_TABLES },
		{ "trace", no_argument, NULL, OPT_TRACE },
		{ "symbols", required_argument, NULL, OPT_SYMBOLS },
		{ "cpu", required_argument, NULL, OPT_CPU },
		{ "ram-access", required_argument, NULL, OPT_RAM_ACCESS },
		{ "guest-ram", required_argument, NULL, OPT_GUEST_RAM },
		{ "core", required_argument, NULL, OPT_CORE },
		{ "image", required_argument, NULL, OPT_IMAGE },
		{ "cr3", required_argument, NULL, OPT_CR3 },
		{ "cr4", required_argument, NULL, OPT_CR4 },
		{ "efer", required_argument, NULL, OPT_EFER },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct pt_err err;
	uint64_t v;
	int c;

	/* '+': options end at the command, which may have options of its own. */
	while ((c = getopt_long(argc, argv, "+t:c:x:o:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			s->opt.target = optarg;
			s->opt.target_given = true;
			break;
		case 'c':
		case 'x':
			cli->jobs[cli->njobs].kind = (char)c;
			cli->jobs[cli->njobs++].arg = optarg;
			break;
		case 'o':
			cli->outpath = optarg;
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "text") == 0)
				s->opt.format = OUT_TEXT;
			else if (strcmp(optarg, "json") == 0)
				s->opt.format = OUT_JSON;
			else
				return fail("--format takes text or json",
				    PT_EXIT_USAGE);
			break;
		case OPT_COLOR:
			if (strcmp(optarg, "auto") != 0 &&
			    strcmp(optarg, "always") != 0 &&
			    strcmp(optarg, "never") != 0)
				return fail("--color takes auto, always or never",
				    PT_EXIT_USAGE);
			cli->color = optarg;
			break;
		case OPT_TIMEOUT:
			if (args_u64(optarg, &v, &err) < 0 || v == 0 || v > 3600)
				return fail("--timeout takes seconds, 1 to 3600",
				    PT_EXIT_USAGE);
			s->opt.timeout_ms = (int)v * 1000;
			break;
		case OPT_MAX_ENTRIES:
			if (args_u64(optarg, &v, &err) < 0 || v == 0)
				return fail("--max-entries takes a positive number",
				    PT_EXIT_USAGE);
			s->opt.max_entries = v;
			break;
		case OPT_MAX_TABLES:
			if (args_u64(optarg, &v, &err) < 0 || v == 0)
				return fail("--max-tables takes a positive number",
				    PT_EXIT_USAGE);
			s->opt.max_tables = v;
			break;
		case OPT_TRACE:
			s->opt.trace = trace_packet;
			break;
		case OPT_SYMBOLS:
			if ((s->syms == NULL && (s->syms = sym_new(&err)) == NULL) ||
			    sym_add_file(s->syms, optarg, 0, &err) < 0)
				return fail(err.msg, err.kind);
			break;
		case OPT_CPU:
			if (args_u64(optarg, &v, &err) < 0 || v > 4095)
				return fail("--cpu takes a vCPU number, from 0",
				    PT_EXIT_USAGE);
			s->opt.cpu = (int)v;
			break;
		case OPT_RAM_ACCESS:
			if (strcmp(optarg, "auto") == 0)
				s->opt.ram_access = GDBREMOTE_RAM_AUTO;
			else if (strcmp(optarg, "direct") == 0)
				s->opt.ram_access = GDBREMOTE_RAM_DIRECT;
			else if (strcmp(optarg, "rsp") == 0)
				s->opt.ram_access = GDBREMOTE_RAM_RSP;
			else
				return fail("--ram-access takes auto, direct or "
				    "rsp", PT_EXIT_USAGE);
			break;
		case OPT_GUEST_RAM:
			s->opt.guest_ram = optarg;
			break;
		case OPT_CORE:
			s->opt.offline.core = optarg;
			break;
		case OPT_IMAGE:
			s->opt.offline.image = optarg;
			break;
		case OPT_CR3:
		case OPT_CR4:
		case OPT_EFER:
			if (args_u64(optarg, &v, &err) < 0)
				return fail(c == OPT_CR3 ? "--cr3 takes a number" :
				    c == OPT_CR4 ? "--cr4 takes a number" :
				    "--efer takes a number", PT_EXIT_USAGE);
			if (c == OPT_CR3) {
				s->opt.offline.cr3 = v;
				s->opt.offline.have_cr3 = true;
			} else if (c == OPT_CR4) {
				s->opt.offline.cr4 = v;
				s->opt.offline.have_cr4 = true;
			} else {
				s->opt.offline.efer = v;
				s->opt.offline.have_efer = true;
			}
			break;
		case 'h':
			usage(stdout);
			cli->done = true;
			return PT_EXIT_OK;
		case 'V':
			printf("ptdump %s\n", PTDUMP_VERSION);
			cli->done = true;
			return PT_EXIT_OK;
		default:
			usage(stderr);
			return PT_EXIT_USAGE;
		}
	}
	if (s->opt.guest_ram != NULL && s->opt.ram_access == GDBREMOTE_RAM_RSP)
		return fail("--guest-ram reads RAM directly; it cannot go with "
		    "--ram-access rsp", PT_EXIT_USAGE);
	return check_offline(s);
}

/* Open -o's file and decide on colour; returns an exit status or -1. */
static int
setup_output(struct session *s, const struct cli *cli)
{
	const char *no = getenv("NO_COLOR");

	if (cli->outpath != NULL) {
		if ((s->out = fopen(cli->outpath, "w")) == NULL) {
			fprintf(stderr, "ptdump: cannot write %s: %s\n",
			    cli->outpath, strerror(errno));
			s->out = stdout;
			return PT_EXIT_USAGE;
		}
	}
	/* A dump of a large space runs to megabytes: write in big pieces
	 * (a terminal still sees each line as it comes).  glibc ignores
	 * the size unless it is given the buffer. */
	static char out_buf[1u << 18];

	if (!isatty(fileno(s->out)))
		setvbuf(s->out, out_buf, _IOFBF, sizeof out_buf);
	if (strcmp(cli->color, "always") == 0)
		s->opt.color = true;
	else if (strcmp(cli->color, "auto") == 0)
		s->opt.color = isatty(fileno(s->out)) &&
		    (no == NULL || *no == '\0');
	return -1;
}

/* Fold a command's result into the exit status; false: stop here. */
static bool
account(int rc, const struct pt_err *err, int *status)
{
	if (rc < 0) {
		*status = fail(err->msg, err->kind);
		return false;
	}
	if (rc > *status)
		*status = rc;
	return true;
}

/* The -c/-x jobs, the command after the options, or the shell. */
static int
run_commands(struct session *s, const struct cli *cli, int argc, char **argv)
{
	struct pt_err err;
	int status = PT_EXIT_OK, rc;
	size_t i;

	for (i = 0; i < cli->njobs; i++) {
		if (s->quit || s->out_closed || sig_pending())
			return status;
		if (!account(run_job(s, &cli->jobs[i], &err), &err, &status))
			return status;
	}
	if (s->quit || s->out_closed || sig_pending())
		return status;
	if (argc > 0) {
		account(cmd_exec_argv(s, argc, argv, &err), &err, &status);
	} else if (cli->njobs == 0) {
		if (isatty(STDIN_FILENO))
			rc = shell_run(s, &err);
		else
			rc = cmd_exec_file(s, stdin, "<stdin>", &err);
		if (rc < 0)
			status = fail(err.msg, err.kind);
		else
			status = rc;
	}
	return status;
}

int
main(int argc, char **argv)
{
	struct session s;
	struct pt_err err;
	struct cli cli = { .color = "auto" };
	const char *env;
	int status, sig;

	if (sig_install() < 0)
		return fail("cannot install signal handlers", PT_EXIT_TARGET);
	if ((cli.jobs = calloc((size_t)argc + 1, sizeof *cli.jobs)) == NULL)
		return fail("out of memory", PT_EXIT_TARGET);
	session_init(&s, stdout);
	if ((env = getenv("PTDUMP_TARGET")) != NULL && *env != '\0')
		s.opt.target = env;
	if ((status = parse_args(argc, argv, &s, &cli)) >= 0 || cli.done ||
	    (status = setup_output(&s, &cli)) >= 0) {
		session_close(&s, &err);
		free(cli.jobs);
		return status < 0 ? PT_EXIT_OK : status;
	}

	status = run_commands(&s, &cli, argc - optind, argv + optind);

	/* Every way out goes through here: the guest is put back as found. */
	if (session_close(&s, &err) < 0) {
		fprintf(stderr, "ptdump: warning: %s\n", err.msg);
		if (status == PT_EXIT_OK)
			status = err.kind;
	}
	if (s.out != stdout && fclose(s.out) != 0 && status == PT_EXIT_OK)
		status = fail("error writing the output file", PT_EXIT_USAGE);
	if (fflush(stdout) != 0 && errno != EPIPE && status == PT_EXIT_OK)
		status = fail("error writing standard output", PT_EXIT_USAGE);
	free(cli.jobs);
	/* Asked to stop by a signal: say so in the status, as shells do. */
	if ((sig = sig_which()) != 0)
		status = 128 + sig;
	return status;
}
