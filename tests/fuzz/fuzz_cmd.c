/*
 * fuzz_cmd.c - batch scripts: lines of commands as a user types them,
 * run by the command layer against a fake target (tables, registers,
 * run control).  Commands that touch the host (files, other targets) or
 * would run the fake guest for ever are left out.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cmd.h"
#include "session.h"
#include "walk.h"
#include "../unit/fake_target.c"

#define MEM (64u * 1024)
#define MAX_LINES 32
#define MAX_LINE 512

/* Files, other targets, a guest running with nothing to stop it. */
static const char *const left_out[] = {
	"snapshot", "symbols", "target", "source", "continue", "quit",
	"stepi",
};

static int
allowed(const char *line)
{
	char copy[MAX_LINE + 1], *argv[ARGS_MAX];
	const struct cmd *c;
	struct pt_err e;

	snprintf(copy, sizeof copy, "%s", line);
	if (args_split(copy, argv, ARGS_MAX, &e) < 1)
		return 1;	/* empty, a comment, or its own error */
	/* As cmd_exec_line finds it: a unique prefix names it too. */
	if ((c = cmd_lookup(argv[0], &e)) == NULL)
		return 1;
	for (size_t i = 0; i < sizeof left_out / sizeof *left_out; i++)
		if (strcmp(c->name, left_out[i]) == 0)
			return 0;
	return 1;
}

static void
layout(struct fake_target *f)
{
	fake_put(f, 0x1000, 0, 0x2000 | 0x7);
	fake_put(f, 0x1000, 511, 0x1000 | 0x3);
	fake_put(f, 0x2000, 0, 0x3000 | 0x7);
	fake_put(f, 0x2000, 1, 0x40000000 | 0x87);
	fake_put(f, 0x3000, 0, 0x4000 | 0x7);
	fake_put(f, 0x3000, 1, 0x200000 | 0x83);
	for (unsigned i = 1; i < 16; i++)
		fake_put(f, 0x4000, i, (uint64_t)i << 12 | 0x3);
	fake_put(f, 0x4000, 16, 0x8000000000010001ull);
	fake_long_mode(f, 0x1000);
	fake_set_reg(f, "rip", 0x9000);
	fake_set_reg(f, "rsp", 0x8000);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	static struct walk_cache *cache;
	/* One fake for every input too, reset for each. */
	static struct fake_target ft;
	static bool have_fake;
	struct session s;
	struct pt_err e;
	char line[MAX_LINE + 1];
	size_t at = 0;
	int lines = 0;

	if (null == NULL && (null = fopen("/dev/null", "w")) == NULL)
		abort();
	if (!have_fake && fake_init(&ft, MEM) < 0)
		abort();
	have_fake = true;
	fake_reset(&ft);
	layout(&ft);
	session_init(&s, null);
	s.opt.target = "unix:/nonexistent/ptdump-fuzz";
	fake_bind(&ft, &s.tgt);
	s.connected = true;
	/* One cache for every input (setting one up is most of the cost),
	 * emptied for each. */
	if (cache == NULL && (cache = walk_cache_new(0, &e)) == NULL)
		abort();
	walk_cache_flush(cache);
	s.cache = cache;
	while (at < size && lines++ < MAX_LINES) {
		const uint8_t *nl = memchr(data + at, '\n', size - at);
		size_t n = nl != NULL ? (size_t)(nl - (data + at)) : size - at;

		if (n > MAX_LINE)
			n = MAX_LINE;
		memcpy(line, data + at, n);
		line[n] = '\0';
		at += n + 1;
		if (strlen(line) == n && allowed(line))
			cmd_exec_line(&s, line, &e);
	}
	s.cache = NULL;		/* kept for the next input */
	session_close(&s, &e);
	return 0;
}
