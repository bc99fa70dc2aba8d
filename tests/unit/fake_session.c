/* fake_session.c - a session over the fake target: see fake_session.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cmd.h"
#include "fake_session.h"
#include "walk.h"

#include "fake_target.c"

static void
fs_layout(struct fake_target *f)
{
	unsigned i;

	fake_put(f, FS_PML4, 0, FS_PDPT | 0x7);
	fake_put(f, FS_PDPT, 0, FS_PD | 0x7);
	fake_put(f, FS_PD, 0, FS_PT | 0x7);
	fake_put(f, FS_PD, 1, FS_PT2 | 0x7);
	for (i = 1; i < 16; i++)
		fake_put(f, FS_PT, i, (uint64_t)i << 12 | 0x3);
	fake_put(f, FS_PT, 8, 0x8000 | 0x1);
	fake_put(f, FS_PT, 0x104, FS_PT | 0x3);
	fake_put(f, FS_PT, 0x105, FS_IDT_PA | 0x3);
	fake_put(f, FS_PT2, 1, 0x21000 | 0x3);
	/*
	 * Gate 14 is qwords 28 and 29.  Offset 15:0 0x4560 in bits 0-15,
	 * selector 0x10 in 16-31, P DPL=0 type 0xe (0x8e) in 40-47, offset
	 * 31:16 0x8123 in 48-63; offset 63:32 in the next qword.
	 */
	fake_put(f, FS_IDT_PA, 28, 0x81238e0000104560ull);
	fake_put(f, FS_IDT_PA, 29, 0xffffffffull);
	f->idt_base = FS_IDT;
	f->idt_limit = 0xff;
	/* The #PF frame at RSP. */
	fake_put(f, FS_RSP, 0, 0x2);
	fake_put(f, FS_RSP, 1, 0x9010);
	fake_put(f, FS_RSP, 2, 0x10);
	fake_put(f, FS_RSP, 3, 0x202);
	fake_put(f, FS_RSP, 4, 0x8000);
	fake_put(f, FS_RSP, 5, 0x18);
	fake_long_mode(f, FS_PML4);
	fake_set_reg(f, "rip", FS_RIP);
	fake_set_reg(f, "rsp", FS_RSP);
	fake_set_reg(f, "eflags", 0x202);
	fake_set_reg(f, "cr2", 0x50000);
}

int
fs_setup(void **state)
{
	struct fake_session *fs = calloc(1, sizeof *fs);

	if (fs == NULL || fake_init(&fs->ft, FS_MEM) < 0)
		return -1;
	fs_layout(&fs->ft);
	fs->out = open_memstream(&fs->buf, &fs->len);
	if (fs->out == NULL)
		return -1;
	session_init(&fs->s, fs->out);
	/* Should anything try to connect, it fails at once, rather than
	 * find a QEMU someone else runs on the default port. */
	fs->s.opt.target = "unix:/nonexistent/ptdump-unit-test";
	fake_bind(&fs->ft, &fs->s.tgt);
	fs->s.connected = true;
	if ((fs->s.cache = walk_cache_new(0, &fs->err)) == NULL)
		return -1;
	*state = fs;
	return 0;
}

int
fs_teardown(void **state)
{
	struct fake_session *fs = *state;
	struct pt_err err;

	session_close(&fs->s, &err);
	fclose(fs->out);
	free(fs->buf);
	free(fs->last);
	fake_free(&fs->ft);
	while (fs->nfiles > 0)
		unlink(fs->files[--fs->nfiles]);
	if (fs->dir[0] != '\0')
		rmdir(fs->dir);
	free(fs);
	return 0;
}

int
fs_run(struct fake_session *fs, const char *line)
{
	int rc;

	pt_err_clear(&fs->err);
	rc = cmd_exec_line(&fs->s, line, &fs->err);
	fflush(fs->out);
	free(fs->last);
	fs->last = strdup(fs->buf != NULL ? fs->buf + fs->seen : "");
	assert_non_null(fs->last);
	fs->seen = fs->len;
	return rc;
}

void
fs_expect(struct fake_session *fs, const char *line, int rc,
    const char *want)
{
	int got = fs_run(fs, line);
	const char *text = got < 0 ? fs->err.msg : fs->last;

	if (got != rc || strcmp(text, want) != 0)
		fail_msg("'%s':\n  got  %d \"%s\"\n  want %d \"%s\"", line, got,
		    text, rc, want);
}

void
fs_expect_log(struct fake_session *fs, const char *want)
{
	assert_false(fs->ft.log_full);
	if (strcmp(fs->ft.log, want) != 0)
		fail_msg("calls:\n  got  \"%s\"\n  want \"%s\"", fs->ft.log,
		    want);
	fake_clear_log(&fs->ft);
}

const char *
fs_file(struct fake_session *fs, const char *name, const char *text)
{
	static char path[128];
	FILE *f;

	if (fs->dir[0] == '\0') {
		const char *tmp = getenv("TMPDIR");

		snprintf(fs->dir, sizeof fs->dir, "%s/ptdump-unit-XXXXXX",
		    tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
		assert_non_null(mkdtemp(fs->dir));
	}
	assert_true(fs->nfiles < FS_MAX_FILES);
	snprintf(path, sizeof path, "%s/%s", fs->dir, name);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	snprintf(fs->files[fs->nfiles++], sizeof fs->files[0], "%s", path);
	return path;
}

void
fs_symbols(struct fake_session *fs)
{
	char line[200];
	const char *path = fs_file(fs, "System.map",
	    "0000000000006000 D jiffies\n"
	    "0000000000009000 T start_kernel\n"
	    "0000000000009100 T do_work\n"
	    "ffffffff81234560 T asm_exc_page_fault\n");

	snprintf(line, sizeof line, "symbols %s", path);
	if (fs_run(fs, line) != 0)
		fail_msg("%s: %s", line, fs->err.msg);
}

bool
fs_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

void
fs_gate(struct fake_session *fs, unsigned vec, uint64_t handler)
{
	fake_put(&fs->ft, FS_IDT_PA, 2 * vec, (handler & 0xffff) |
	    0x10u << 16 | 0x8eull << 40 | (handler >> 16 & 0xffff) << 48);
	fake_put(&fs->ft, FS_IDT_PA, 2 * vec + 1, handler >> 32);
}
