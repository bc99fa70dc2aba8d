/*
 * Unit tests for run control (run.c) and its commands (cmd_run.c):
 * points and their numbers, what continue and stepi ask the target, how
 * stops are told apart and printed, a guest running in the background,
 * and watch-pte.  Catchpoints and `fault` are in test_catch.c.  The
 * session's target is the fake of fake_session.h; every address, line
 * and call sequence below is worked out by hand from the layout
 * pictured there.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cmd.h"
#include "run.h"

#include "fake_session.c"

#define HDR "num  type            disp   hits  address            what\n"
#define RUNNING "the guest is running; 'interrupt' stops it"

/* ---- points: numbers, listing, errors -------------------------------- */

static void
test_points_numbered_and_listed(void **state)
{
	static const struct {
		const char *cmd, *out, *calls;
	} k[] = {
		{ "break 0x9000", "breakpoint 1 at 0x0000000000009000\n",
		  "+sw 0x9000" },
		{ "tbreak 0x9100", "temporary breakpoint 2 at "
		  "0x0000000000009100\n", "+sw 0x9100" },
		{ "hbreak 0xffffffff81234560", "hardware breakpoint 3 at "
		  "0xffffffff81234560\n", "+hw 0xffffffff81234560" },
		{ "watch 0x6000", "watchpoint 4: writes of 8 bytes at "
		  "0x0000000000006000\n", "+write 0x6000/8" },
		{ "rwatch 0x6008 4", "watchpoint 5: reads of 4 bytes at "
		  "0x0000000000006008\n", "+read 0x6008/4" },
		{ "awatch 0x600c 1", "watchpoint 6: accesses of 1 byte at "
		  "0x000000000000600c\n", "+access 0x600c/1" },
		{ "delete 2", "", "-sw 0x9100" },
		/* Numbers are not reused; `b` is break. */
		{ "b 0x9200", "breakpoint 7 at 0x0000000000009200\n",
		  "+sw 0x9200" },
		{ "tbreak 0x9300", "temporary breakpoint 8 at "
		  "0x0000000000009300\n", "+sw 0x9300" },
		{ "info breakpoints", HDR
		  "1    breakpoint      keep   0     0x0000000000009000 "
		  "0x9000\n"
		  "3    hw-breakpoint   keep   0     0xffffffff81234560 "
		  "0xffffffff81234560\n"
		  "4    watchpoint      keep   0     0x0000000000006000 "
		  "8 bytes at 0x6000\n"
		  "5    read-watchpoint keep   0     0x0000000000006008 "
		  "4 bytes at 0x6008\n"
		  "6    acc-watchpoint  keep   0     0x000000000000600c "
		  "1 byte at 0x600c\n"
		  "7    breakpoint      keep   0     0x0000000000009200 "
		  "0x9200\n"
		  "8    breakpoint      del    0     0x0000000000009300 "
		  "0x9300\n",
		  "" },
		/* Everything, the last first. */
		{ "delete", "", "-sw 0x9300 -sw 0x9200 -access 0x600c/1 "
		  "-read 0x6008/4 -write 0x6000/8 -hw 0xffffffff81234560 "
		  "-sw 0x9000" },
		{ "info b", "no break-, watch- or catchpoints\n", "" },
		{ "break 0x9000", "breakpoint 9 at 0x0000000000009000\n",
		  "+sw 0x9000" },
	};
	struct fake_session *fs = *state;

	for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
		fs_expect(fs, k[i].cmd, 0, k[i].out);
		fs_expect_log(fs, k[i].calls);
	}
	assert_int_equal(fs->ft.npt, 1);
	assert_true(fake_has_point(&fs->ft, TARGET_BREAK_SW, 0x9000));
}

static void
test_points_json(void **state)
{
	struct fake_session *fs = *state;

	fs_symbols(fs);
	fs_expect(fs, "break do_work", 0, "breakpoint 1 at 0x0000000000009100 "
	    "<do_work>\n");
	fs_expect(fs, "tbreak start_kernel+4", 0, "temporary breakpoint 2 at "
	    "0x0000000000009004 <start_kernel+0x4>\n");
	fs_expect(fs, "watch jiffies 2", 0, "watchpoint 3: writes of 2 bytes "
	    "at 0x0000000000006000\n");
	fs_expect(fs, "catch pf", 0, "catchpoint 4: #PF page fault (vector 14),"
	    " handler at 0xffffffff81234560 <asm_exc_page_fault>\n");
	fs_expect(fs, "watch-pte 0x3000", 0, "watchpoint 5: writes to the PTE "
	    "of 0x3000 at physical 0x4018, watched at 0x4018, 0x104018\n");
	fs_expect(fs, "set format json", 0, "");
	fs_expect(fs, "info breakpoints", 0, "{\"points\":["
	    "{\"number\":1,\"type\":\"breakpoint\",\"temporary\":false,"
	    "\"hits\":0,\"addresses\":[\"0x9100\"],\"what\":\"do_work\","
	    "\"symbol\":\"do_work\"},"
	    "{\"number\":2,\"type\":\"breakpoint\",\"temporary\":true,"
	    "\"hits\":0,\"addresses\":[\"0x9004\"],\"what\":\"start_kernel+4\","
	    "\"symbol\":\"start_kernel+0x4\"},"
	    "{\"number\":3,\"type\":\"watchpoint\",\"temporary\":false,"
	    "\"hits\":0,\"addresses\":[\"0x6000\"],\"what\":\"jiffies\","
	    "\"symbol\":\"jiffies\",\"length\":2},"
	    "{\"number\":4,\"type\":\"catchpoint\",\"temporary\":false,"
	    "\"hits\":0,\"addresses\":[\"0xffffffff81234560\"],"
	    "\"what\":\"#PF page fault\",\"symbol\":\"asm_exc_page_fault\","
	    "\"vector\":14},"
	    /* No symbol lies at or below 0x4018. */
	    "{\"number\":5,\"type\":\"watch-pte\",\"temporary\":false,"
	    "\"hits\":0,\"addresses\":[\"0x4018\",\"0x104018\"],"
	    "\"what\":\"0x3000\",\"length\":8,\"pte_pa\":\"0x4018\","
	    "\"level\":1}]}\n");
}

static void
test_point_errors(void **state)
{
	static const struct {
		const char *cmd, *err;
	} k[] = {
		{ "delete 9", "no break-, watch- or catchpoint 9" },
		{ "delete 0", "delete: a point number" },
		{ "delete x", "delete: a point number" },
		{ "delete 1 2", "usage: delete [N]" },
		{ "break", "usage: break LOCATION" },
		{ "tbreak 1 2", "usage: tbreak LOCATION" },
		{ "break nosuch", "break: no symbol 'nosuch' (no symbols "
		  "loaded: try 'symbols FILE')" },
		{ "watch 0x6001 4", "watch: a watchpoint covers 1, 2, 4 or 8 "
		  "bytes at an address aligned to its length" },
		{ "watch 0x6000 3", "watch: a watchpoint covers 1, 2, 4 or 8 "
		  "bytes at an address aligned to its length" },
		{ "awatch 0x6000 0", "awatch: a watchpoint covers 1, 2, 4 or 8 "
		  "bytes at an address aligned to its length" },
		{ "rwatch 0x6000 16", "rwatch: a watchpoint covers 1, 2, 4 or "
		  "8 bytes" },
		{ "catch nosuch", "catch: 'nosuch' is not an exception "
		  "(pagefault, gp, df, a mnemonic such as ud, or a vector 0 "
		  "to 31)" },
		{ "catch 32", "catch: '32' is not an exception (pagefault, gp, "
		  "df, a mnemonic such as ud, or a vector 0 to 31)" },
		/* Gate 13 is zero; the limit 0xff ends after gate 15. */
		{ "catch gp", "catch: IDT gate 13 is not present" },
		{ "catch 16", "catch: the IDT (limit 0xff) has no gate 16 yet; "
		  "stop the guest later, once it has set up its IDT" },
		{ "stepi 0", "stepi: a count from 1 to 1000000" },
		{ "stepi 1000001", "stepi: a count from 1 to 1000000" },
		{ "continue 1", "usage: continue [&]" },
		{ "continue &", "continue &: only in the shell (a batch waits "
		  "for each stop)" },
		{ "interrupt", "the guest is not running" },
		{ "watch-pte", "usage: watch-pte VA" },
	};
	struct fake_session *fs = *state;

	for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
		fs_expect(fs, k[i].cmd, -1, k[i].err);
	/* Nothing reached the target but the gates' reads. */
	fs_expect_log(fs, "");
	assert_int_equal(fs->s.run.npt, 0);
	assert_int_equal(fs->s.run.next_num, 1);
}

static void
test_too_many_points(void **state)
{
	struct fake_session *fs = *state;
	char cmd[64];

	for (unsigned i = 0; i < RUN_MAX_POINTS; i++) {
		snprintf(cmd, sizeof cmd, "break 0x%x", 0x10000 + i);
		assert_int_equal(fs_run(fs, cmd), 0);
	}
	assert_string_equal(fs->last, "breakpoint 64 at 0x000000000001003f\n");
	fake_clear_log(&fs->ft);
	fs_expect(fs, "watch 0x6000", -1, "watch: too many break-, watch- and "
	    "catchpoints (64)");
	fs_expect_log(fs, "");
	assert_int_equal(fs->ft.npt, RUN_MAX_POINTS);
	fs_expect(fs, "delete 64", 0, "");
	fs_expect(fs, "break 0x9000", 0, "breakpoint 65 at "
	    "0x0000000000009000\n");
}

static void
test_insert_failure_is_undone(void **state)
{
	struct fake_session *fs = *state;

	fs->ft.fail_insert = 0x9000;
	fs_expect(fs, "break 0x9000", -1, "break: fake: E22");
	fs_expect_log(fs, "+sw 0x9000!");
	/* watch-pte 0x3000 watches 0x4018 and then 0x104018: the second
	 * fails, the first is taken back. */
	fs->ft.fail_insert = 0x104018;
	fs_expect(fs, "watch-pte 0x3000", -1, "fake: E22");
	fs_expect_log(fs, "+write 0x4018/8 +write 0x104018/8! -write 0x4018/8");
	assert_int_equal(fs->ft.npt, 0);
	fs->ft.fail_insert = 0;
	/* A failed point takes no number. */
	fs_expect(fs, "break 0x9000", 0, "breakpoint 1 at "
	    "0x0000000000009000\n");
}

/* ---- continue and stepi --------------------------------------------- */

struct run_case {
	const char *name;
	struct fake_stop script[4];	/* ends at an all-zero stop */
	const char *before[4];		/* run first; must succeed */
	const char *cmd;
	const char *calls;		/* what cmd asked the target */
	const char *out;
	unsigned npt;			/* points inserted afterwards */
	const char *then, *then_out;	/* a second look, or NULL */
};


static const struct run_case run_cases[] = {
	{ "continue from a breakpoint at RIP: lift it, step, put it back",
	  { FAKE_TRAP(0x9001), FAKE_TRAP(0x9100) },
	  { "break 0x9000", "break do_work" }, "continue",
	  "-sw 0x9000 step +sw 0x9000 cont",
	  FS_AT("0000000000009100 <do_work>: breakpoint 2\n"), 2,
	  "info breakpoints", HDR
	  "1    breakpoint      keep   0     0x0000000000009000 0x9000 "
	  "<start_kernel>\n"
	  "2    breakpoint      keep   1     0x0000000000009100 do_work "
	  "<do_work>\n" },
	{ "continue with no point at RIP", { FAKE_TRAP(0x9100) },
	  { "break do_work" }, "c", "cont",
	  FS_AT("0000000000009100 <do_work>: breakpoint 1\n"), 1, NULL, NULL },
	{ "a tbreak is deleted when hit", { FAKE_TRAP(0x9100) },
	  { "tbreak do_work" }, "continue", "cont -sw 0x9100",
	  FS_AT("0000000000009100 <do_work>: breakpoint 1 (temporary: "
	  "deleted)\n"), 0,
	  "info breakpoints", "no break-, watch- or catchpoints\n" },
	{ "a tbreak not hit stays", { FAKE_TRAP(0x9100) },
	  { "tbreak 0x9200", "break do_work" }, "continue", "cont",
	  FS_AT("0000000000009100 <do_work>: breakpoint 2\n"), 2, NULL, NULL },
	/* Unscripted steps advance RIP by 1. */
	{ "stepi 3 steps three times", { { 0 } }, { NULL }, "stepi 3",
	  "step step step",
	  FS_AT("0000000000009003 <start_kernel+0x3>: step\n"), 0, NULL, NULL },
	{ "stepi 3 from a breakpoint: the step over it counts", { { 0 } },
	  { "break 0x9000" }, "stepi 3", "-sw 0x9000 step +sw 0x9000 step step",
	  FS_AT("0000000000009003 <start_kernel+0x3>: step\n"), 1, NULL, NULL },
	{ "si from a breakpoint", { { 0 } }, { "break 0x9000" }, "si",
	  "-sw 0x9000 step +sw 0x9000",
	  FS_AT("0000000000009001 <start_kernel+0x1>: step\n"), 1, NULL, NULL },
	{ "a step that lands on a breakpoint reports it", { { 0 } },
	  { "break 0x9001" }, "stepi", "step",
	  FS_AT("0000000000009001 <start_kernel+0x1>: breakpoint 1\n"), 1,
	  NULL, NULL },
	{ "stepi ends early at a watchpoint",
	  { FAKE_TRAP(0x9001),
	    FAKE_WATCH(0x9002, TARGET_WATCH_WRITE, 0x6004) },
	  { "watch jiffies" }, "stepi 5", "step step",
	  FS_AT("0000000000009002 <start_kernel+0x2>: watchpoint 1, write to "
	  "0x6004 <jiffies+0x4>\n"), 1, NULL, NULL },
	{ "a write watchpoint", { FAKE_WATCH(0x9020, TARGET_WATCH_WRITE,
	  0x6000) }, { "watch jiffies" }, "continue", "cont",
	  FS_AT("0000000000009020 <start_kernel+0x20>: watchpoint 1, write to "
	  "0x6000 <jiffies>\n"), 1,
	  "info breakpoints", HDR
	  "1    watchpoint      keep   1     0x0000000000006000 8 bytes at "
	  "jiffies <jiffies>\n" },
	{ "a read watchpoint, hit inside its bytes",
	  { FAKE_WATCH(0x9020, TARGET_WATCH_READ, 0x600a) },
	  { "rwatch 0x6008 4" }, "continue", "cont",
	  FS_AT("0000000000009020 <start_kernel+0x20>: watchpoint 1, read of "
	  "0x600a <jiffies+0xa>\n"), 1, NULL, NULL },
	{ "the step over a breakpoint hits a watchpoint: no continue",
	  { FAKE_WATCH(0x9001, TARGET_WATCH_WRITE, 0x6000) },
	  { "break 0x9000", "watch jiffies" }, "continue",
	  "-sw 0x9000 step +sw 0x9000",
	  FS_AT("0000000000009001 <start_kernel+0x1>: watchpoint 2, write to "
	  "0x6000 <jiffies>\n"), 2, NULL, NULL },
	{ "a trap at no point is a signal", { FAKE_TRAP(0x9050) }, { NULL },
	  "continue", "cont",
	  FS_AT("0000000000009050 <start_kernel+0x50>: signal 5\n"), 0,
	  NULL, NULL },
	{ "watch-pte: the alias is written",
	  { FAKE_WATCH(0x9030, TARGET_WATCH_WRITE, 0x104018) },
	  { "watch-pte 0x3000" }, "continue", "cont",
	  FS_AT("0000000000009030 <start_kernel+0x30>: watchpoint 1, write to "
	  "the PTE of 0x3000 (at 0x104018, physical 0x4018)\n"), 2, NULL,
	  NULL },
	{ "catch pagefault stops at the handler, frame read at RSP",
	  { FAKE_TRAP(FS_HANDLER) }, { "catch pagefault" }, "continue", "cont",
	  FS_PF_STOP, 1, NULL, NULL },
	{ "continue from the handler steps over the catchpoint",
	  { FAKE_TRAP(FS_HANDLER), FAKE_TRAP(FS_HANDLER + 4),
	    FAKE_TRAP(FS_HANDLER) }, { "catch pagefault", "continue" },
	  "continue", "-hw 0xffffffff81234560 step +hw 0xffffffff81234560 cont",
	  FS_PF_STOP, 1, "info breakpoints", HDR
	  "1    catchpoint      keep   2     0xffffffff81234560 #PF page "
	  "fault <asm_exc_page_fault>\n" },
	{ "the guest exits", { FAKE_EXIT(0) }, { "break do_work" },
	  "continue", "cont", "the guest exited (status 0)\n", 1, NULL, NULL },
	{ "the guest exits in the step over a breakpoint",
	  { FAKE_EXIT(3) }, { "break 0x9000" }, "continue", "-sw 0x9000 step",
	  "the guest exited (status 3)\n", 0, NULL, NULL },
	{ "JSON: a breakpoint", { FAKE_TRAP(0x9100) },
	  { "break do_work", "set format json" }, "continue", "cont",
	  "{\"stop\":{\"reason\":\"breakpoint\",\"cpu\":0,\"rip\":\"0x9100\","
	  "\"symbol\":\"do_work\",\"number\":1}}\n", 1, NULL, NULL },
	{ "JSON: a caught #PF", { FAKE_TRAP(FS_HANDLER) },
	  { "catch 14", "set format json" }, "continue", "cont",
	  "{\"stop\":{\"reason\":\"catchpoint\",\"cpu\":0,"
	  "\"rip\":\"0xffffffff81234560\",\"symbol\":\"asm_exc_page_fault\","
	  "\"number\":1,\"vector\":14,\"fault_rip\":\"0x9010\","
	  "\"fault_symbol\":\"start_kernel+0x10\",\"error_code\":\"0x2\","
	  "\"cr2\":\"0x50000\"}}\n", 1, NULL, NULL },
	{ "JSON: watch-pte", { FAKE_WATCH(0x9030, TARGET_WATCH_WRITE,
	  0x4018) }, { "watch-pte 0x3000", "set format json" }, "continue",
	  "cont", "{\"stop\":{\"reason\":\"watchpoint\",\"cpu\":0,"
	  "\"rip\":\"0x9030\",\"symbol\":\"start_kernel+0x30\",\"number\":1,"
	  "\"data\":\"0x4018\",\"pte_of\":\"0x3000\",\"pte_pa\":\"0x4018\"}}\n",
	  2, NULL, NULL },
	{ "JSON: a step", { { 0 } }, { "set format json" }, "stepi", "step",
	  "{\"stop\":{\"reason\":\"step\",\"cpu\":0,\"rip\":\"0x9001\","
	  "\"symbol\":\"start_kernel+0x1\"}}\n", 0, NULL, NULL },
};

static bool
scripted(const struct fake_stop *st)
{
	return st->signal != 0 || st->exited || st->runs;
}

static void
run_case(const struct run_case *k)
{
	struct fake_session *fs;
	void *state;
	size_t i;
	int rc;

	assert_int_equal(fs_setup(&state), 0);
	fs = state;
	fs_symbols(fs);
	for (i = 0; i < 4 && scripted(&k->script[i]); i++)
		fake_script(&fs->ft, &k->script[i]);
	for (i = 0; i < 4 && k->before[i] != NULL; i++)
		if (fs_run(fs, k->before[i]) != 0)
			fail_msg("%s: %s: %s", k->name, k->before[i],
			    fs->err.msg);
	fake_clear_log(&fs->ft);
	rc = fs_run(fs, k->cmd);
	if (rc != 0 || strcmp(fs->last, k->out) != 0 ||
	    strcmp(fs->ft.log, k->calls) != 0 || fs->ft.npt != k->npt)
		fail_msg("%s:\n  got  %d \"%s\" %s\n       [%s] %u points\n"
		    "  want 0 \"%s\"\n       [%s] %u points", k->name, rc,
		    fs->last, fs->err.msg, fs->ft.log, fs->ft.npt, k->out,
		    k->calls, k->npt);
	if (k->then != NULL && (fs_run(fs, k->then) != 0 ||
	    strcmp(fs->last, k->then_out) != 0))
		fail_msg("%s: %s:\n  got  \"%s\"\n  want \"%s\"", k->name,
		    k->then, fs->last, k->then_out);
	assert_int_equal(fs->ft.nscript, 0);	/* every stop was made */
	fs_teardown(&state);
}

static void
test_run_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof run_cases / sizeof run_cases[0]; i++)
		run_case(&run_cases[i]);
}

/* What a stop leaves in the session, and an exit. */
static void
test_stop_state(void **state)
{
	static const struct fake_stop trap = FAKE_TRAP(0x9100);
	static const struct fake_stop gone = FAKE_EXIT(0);
	struct fake_session *fs = *state;
	const struct run_stop *st = &fs->s.run.last;

	assert_false(fs->s.run.have_stop);
	fake_script(&fs->ft, &trap);
	assert_int_equal(fs_run(fs, "break 0x9100"), 0);
	assert_int_equal(fs_run(fs, "continue"), 0);
	assert_true(fs->s.run.have_stop);
	assert_int_equal(st->reason, RUN_STOP_BREAK);
	assert_int_equal(st->num, 1);
	assert_int_equal(st->rip, 0x9100);
	assert_int_equal(st->signal, 5);
	/* The fake bumps stop_gen at the resume and at the stop. */
	assert_int_equal(st->gen, 3);
	assert_int_equal(fs->s.tgt.stop_gen, 3);
	assert_int_equal(run_find(&fs->s.run, 1)->hits, 1);
	assert_null(run_find(&fs->s.run, 2));

	fake_script(&fs->ft, &gone);
	fs_expect(fs, "continue", 0, "the guest exited (status 0)\n");
	/* Let go of: closed once, points forgotten. */
	assert_false(fs->s.connected);
	assert_int_equal(fs->ft.closed, 1);
	assert_int_equal(fs->s.run.npt, 0);
	assert_false(fs->s.run.have_stop);
}

/* ---- a guest running in the background ------------------------------- */

static void
test_running_guest(void **state)
{
	static const struct {
		const char *cmd, *err;
	} k[] = {
		{ "walk 0x1000", RUNNING },
		{ "regs", RUNNING },
		{ "dump", RUNNING },
		{ "monitor info registers", RUNNING },
		{ "fault 0x8000 --access write", "reading cr0: " RUNNING },
		{ "break 0x9000", "break: " RUNNING },
		{ "watch 0x6000", "watch: " RUNNING },
		{ "watch-pte 0x3000", RUNNING },
		{ "catch pagefault", RUNNING },
		{ "delete", RUNNING },
		{ "continue", RUNNING },
		{ "stepi", RUNNING },
		{ "cpu", "cpu 0: " RUNNING },
		{ "info cpus", RUNNING },
	};
	struct fake_session *fs = *state;

	fs_symbols(fs);
	fs->s.interactive = true;	/* `continue &` is for the shell */
	fs_expect(fs, "continue &", 0, "the guest runs; 'interrupt' (or "
	    "Ctrl-C) stops it\n");
	fs_expect_log(fs, "cont");
	assert_true(run_running(&fs->s));
	for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
		fs_expect(fs, k[i].cmd, -1, k[i].err);
	fs_expect_log(fs, "");
	/* Offline commands still work. */
	fs_expect(fs, "decode 0x3 --level 1", 0, "PTE 0x0000000000000003  "
	    "P RW\n  maps a 4K page at 0x0, memory type WB (PAT index 0)\n");
	fs_expect(fs, "interrupt", 0, FS_AT("0000000000009000 <start_kernel>: "
	    "interrupted\n"));
	fs_expect_log(fs, "intr");
	assert_false(run_running(&fs->s));
	fs_expect(fs, "interrupt", -1, "the guest is not running");
	fs_expect(fs, "walk 0x1000", 0, FS_WALK_PT("0000000000001000")
	    "  PTE     1 at 0x000000004008 = 0x0000000000001003  P RW  -> "
	    "page 0x1000\n"
	    "  => 0x0000000000001000  4K page, rwx super, WB\n");
}

static void
test_background_stop_polled(void **state)
{
	static const struct fake_stop stops[] = {
		FAKE_TRAP(0x9001), FAKE_TRAP(0x9100), FAKE_TRAP(0x9101),
		FAKE_RUNS,
	};
	struct fake_session *fs = *state;
	struct run_stop st;

	fs->s.interactive = true;
	for (size_t i = 0; i < sizeof stops / sizeof stops[0]; i++)
		fake_script(&fs->ft, &stops[i]);
	assert_int_equal(fs_run(fs, "break 0x9000"), 0);
	assert_int_equal(fs_run(fs, "break 0x9100"), 0);
	fake_clear_log(&fs->ft);
	/* The step over the breakpoint is waited for; the continue not. */
	assert_int_equal(fs_run(fs, "continue &"), 0);
	fs_expect_log(fs, "-sw 0x9000 step +sw 0x9000 cont");
	assert_int_equal(run_poll(&fs->s, 0, &st, &fs->err), 1);
	assert_int_equal(st.reason, RUN_STOP_BREAK);
	assert_int_equal(st.num, 2);
	assert_int_equal(st.rip, 0x9100);
	assert_int_equal(run_poll(&fs->s, 0, &st, &fs->err), -1);
	assert_string_equal(fs->err.msg, "the guest is not running");

	/* After the step off 0x9100 it runs on: a poll finds it running. */
	assert_int_equal(fs_run(fs, "continue &"), 0);
	assert_int_equal(run_poll(&fs->s, 0, &st, &fs->err), 0);
	assert_true(run_running(&fs->s));
	assert_int_equal(fs_run(fs, "interrupt"), 0);
	fs_expect_log(fs, "-sw 0x9100 step +sw 0x9100 cont intr");
}

static void
test_resume_failure(void **state)
{
	struct fake_session *fs = *state;

	assert_int_equal(fs_run(fs, "break 0x9000"), 0);
	fake_clear_log(&fs->ft);
	fs->ft.fail_resume = true;
	fs_expect(fs, "continue", -1, "fake: resume refused");
	/* The breakpoint lifted for the step is put back. */
	fs_expect_log(fs, "-sw 0x9000 step! +sw 0x9000");
	assert_true(fake_has_point(&fs->ft, TARGET_BREAK_SW, 0x9000));
	assert_false(run_running(&fs->s));
}

/* ---- watch-pte ------------------------------------------------------- */

static void
test_watch_pte(void **state)
{
	static const struct {
		const char *cmd;
		int rc;
		const char *out, *calls;
	} k[] = {
		/* PT[3] is at 0x4018; the PT page is mapped at 0x4000 (PT[4])
		 * and at 0x104000 (PT[0x104]). */
		{ "watch-pte 0x3000", 0, "watchpoint 1: writes to the PTE of "
		  "0x3000 at physical 0x4018, watched at 0x4018, 0x104018\n",
		  "+write 0x4018/8 +write 0x104018/8" },
		/* The walk ends at PD[2] (not present), at 0x3010; the PD
		 * page is mapped at 0x3000. */
		{ "watch-pte 0x400000", 0, "watchpoint 2: writes to the PDE of "
		  "0x400000 at physical 0x3010, watched at 0x3010\n",
		  "+write 0x3010/8" },
		/* PT2[1] is at 0x20008, and no PTE maps PT2. */
		{ "watch-pte 0x201000", -1, "watch-pte: no virtual address "
		  "maps the PTE of 0x201000 (at physical 0x20008) in this "
		  "address space, and the gdbstub watches only virtual "
		  "addresses", "" },
		{ "watch-pte 0x800000000000", -1, "watch-pte: 0x800000000000 "
		  "is not a linear address (non-canonical, or past 4 GiB "
		  "outside long mode): no entry maps it", "" },
		{ "info breakpoints", 0, HDR
		  "1    watch-pte       keep   0     0x0000000000004018 "
		  "the PTE of 0x3000, physical 0x4018, also at 0x104018\n"
		  "2    watch-pte       keep   0     0x0000000000003010 "
		  "the PDE of 0x400000, physical 0x3010\n", "" },
	};
	struct fake_session *fs = *state;

	for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
		fs_expect(fs, k[i].cmd, k[i].rc, k[i].out);
		fs_expect_log(fs, k[i].calls);
	}
	assert_int_equal(fs->s.run.pt[0].pte_level, X86PT_L1);
	assert_int_equal(fs->s.run.pt[1].pte_level, X86PT_L2);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fs_setup, fs_teardown)
	const struct CMUnitTest tests[] = {
		T(test_points_numbered_and_listed),
		T(test_points_json),
		T(test_point_errors),
		T(test_too_many_points),
		T(test_insert_failure_is_undone),
		T(test_run_cases),
		T(test_stop_state),
		T(test_running_guest),
		T(test_background_stop_polled),
		T(test_resume_failure),
		T(test_watch_pte),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
