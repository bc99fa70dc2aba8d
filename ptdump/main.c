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

static void
usage(FILE *f)
{
	fprintf(f,
"usage: ptdump [options] [COMMAND [ARG...]]\n"
"\n"
"See x86-64 page tables of a guest under QEMU, through its gdbstub.\n"
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
"      --trace                    print every RSP packet on stderr\n"
"  -h, --help                     this text\n"
"  -V, --version                  version\n"
"\n"
"commands (`ptdump help` lists them all):\n"
"  regs, dump [RANGE], walk VA, decode VALUE --level N, monitor CMD, help\n"
"\n"
"exit status: 0 ok, 1 findings, 2 usage error, 3 target or protocol error\n",
	    SESSION_DEFAULT_TARGET, SESSION_DEFAULT_TIMEOUT_MS / 1000);
}

enum {
	OPT_FORMAT = 256,
	OPT_COLOR,
	OPT_TIMEOUT,
	OPT_MAX_ENTRIES,
	OPT_TRACE,
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
	static const char *const dir[] = { "->", "<-", "--" };

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

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "target", required_argument, NULL, 't' },
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "color", required_argument, NULL, OPT_COLOR },
		{ "colour", required_argument, NULL, OPT_COLOR },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "max-entries", required_argument, NULL, OPT_MAX_ENTRIES },
		{ "trace", no_argument, NULL, OPT_TRACE },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct session s;
	struct pt_err err;
	struct job *jobs;
	const char *color = "auto", *outpath = NULL, *env;
	FILE *out = stdout;
	size_t njobs = 0, i;
	uint64_t v;
	int c, status = PT_EXIT_OK, rc;

	jobs = calloc((size_t)argc + 1, sizeof *jobs);
	if (jobs == NULL)
		return fail("out of memory", PT_EXIT_TARGET);
	session_init(&s, stdout);
	env = getenv("PTDUMP_TARGET");
	if (env != NULL && *env != '\0')
		s.opt.target = env;

	/* '+': options end at the command, which may have options of its own. */
	while ((c = getopt_long(argc, argv, "+t:c:x:o:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			s.opt.target = optarg;
			break;
		case 'c':
		case 'x':
			jobs[njobs].kind = (char)c;
			jobs[njobs++].arg = optarg;
			break;
		case 'o':
			outpath = optarg;
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "text") == 0)
				s.opt.format = OUT_TEXT;
			else if (strcmp(optarg, "json") == 0)
				s.opt.format = OUT_JSON;
			else
				{
				status = fail("--format takes text or json", PT_EXIT_USAGE);
				goto done;
			}
			break;
		case OPT_COLOR:
			if (strcmp(optarg, "auto") != 0 &&
			    strcmp(optarg, "always") != 0 &&
			    strcmp(optarg, "never") != 0)
				{
				status = fail("--color takes auto, always or never",
				    PT_EXIT_USAGE);
				goto done;
			}
			color = optarg;
			break;
		case OPT_TIMEOUT:
			if (args_u64(optarg, &v, &err) < 0 || v == 0 || v > 3600)
				{
				status = fail("--timeout takes seconds, 1 to 3600",
				    PT_EXIT_USAGE);
				goto done;
			}
			s.opt.timeout_ms = (int)v * 1000;
			break;
		case OPT_MAX_ENTRIES:
			if (args_u64(optarg, &v, &err) < 0 || v == 0)
				{
				status = fail("--max-entries takes a positive number",
				    PT_EXIT_USAGE);
				goto done;
			}
			s.opt.max_entries = v;
			break;
		case OPT_TRACE:
			s.opt.trace = trace_packet;
			break;
		case 'h':
			usage(stdout);
			goto done;
		case 'V':
			printf("ptdump %s\n", PTDUMP_VERSION);
			goto done;
		default:
			usage(stderr);
			status = PT_EXIT_USAGE;
			goto done;
		}
	}

	if (outpath != NULL) {
		out = fopen(outpath, "w");
		if (out == NULL) {
			fprintf(stderr, "ptdump: cannot write %s: %s\n", outpath,
			    strerror(errno));
			status = PT_EXIT_USAGE;
			goto done;
		}
		s.out = out;
	}
	if (strcmp(color, "always") == 0)
		s.opt.color = true;
	else if (strcmp(color, "auto") == 0) {
		const char *no = getenv("NO_COLOR");

		s.opt.color = isatty(fileno(s.out)) && (no == NULL || *no == '\0');
	}

	for (i = 0; i < njobs && !s.quit; i++) {
		rc = run_job(&s, &jobs[i], &err);
		if (rc < 0) {
			status = fail(err.msg, err.kind);
			goto out;
		}
		if (rc > status)
			status = rc;
	}
	if (optind < argc && !s.quit) {
		rc = cmd_exec_argv(&s, argc - optind, argv + optind, &err);
		if (rc < 0) {
			status = fail(err.msg, err.kind);
			goto out;
		}
		if (rc > status)
			status = rc;
	} else if (njobs == 0) {
		if (isatty(STDIN_FILENO))
			rc = shell_run(&s, &err);
		else
			rc = cmd_exec_file(&s, stdin, "<stdin>", &err);
		if (rc < 0)
			status = fail(err.msg, err.kind);
		else
			status = rc;
	}
out:
	if (session_close(&s, &err) < 0) {
		fprintf(stderr, "ptdump: warning: %s\n", err.msg);
		if (status == PT_EXIT_OK)
			status = err.kind;
	}
	if (out != stdout && fclose(out) != 0 && status == PT_EXIT_OK)
		status = fail("error writing the output file", PT_EXIT_USAGE);
	if (fflush(stdout) != 0 && status == PT_EXIT_OK)
		status = fail("error writing standard output", PT_EXIT_USAGE);
done:
	free(jobs);
	return status;
}
