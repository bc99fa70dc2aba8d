/*
 * Unit tests for the command layer (cmd.c: lookup, help, set, source,
 * batches), the paging and session commands (cmd_pt.c, cmd_sess.c) and
 * session.c, run against the fake target of fake_session.h.  Every
 * expected line is worked out by hand from the layout pictured there.
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
#include "sig.h"
#include "walk.h"

#include "fake_session.c"

#define DUMP_HDR "# start            end                    size page rwx " \
	"priv  G mem ad physical\n"

/* ---- finding commands ------------------------------------------------ */

static void
test_lookup(void **state)
{
	static const struct {
		const char *word, *name, *err;
	} k[] = {
		{ "dump", "dump", NULL },
		{ "du", "dump", NULL },
		{ "d", "delete", NULL },	/* an alias beats prefixes */
		{ "c", "continue", NULL },
		{ "si", "stepi", NULL },
		{ "b", "break", NULL },
		{ "vtop", "walk", NULL },
		{ "exit", "quit", NULL },
		{ "watch", "watch", NULL },	/* a name beats prefixes */
		{ "inf", "info", NULL },
		{ "int", "interrupt", NULL },
		{ "co", "continue", NULL },
		{ "cp", "cpu", NULL },
		{ "he", "help", NULL },
		{ "h", NULL, "ambiguous command 'h': hbreak help" },
		{ "watch-", "watch-pte", NULL },
		{ "wa", NULL, "ambiguous command 'wa': walk watch watch-pte" },
		{ "wat", NULL, "ambiguous command 'wat': watch watch-pte" },
		{ "de", NULL, "ambiguous command 'de': decode delete" },
		{ "s", NULL, "ambiguous command 's': snapshot stepi symbols set "
		  "source" },
		{ "i", NULL, "ambiguous command 'i': interrupt info" },
		{ "t", NULL, "ambiguous command 't': tlb tbreak target" },
		{ "r", NULL, "ambiguous command 'r': regs rwatch" },
		{ "m", NULL, "ambiguous command 'm': map monitor" },
		{ "ma", "map", NULL },
		{ "mo", "monitor", NULL },
		{ "xyz", NULL, "unknown command 'xyz' (try 'help')" },
		{ "", NULL, "unknown command '' (try 'help')" },
		{ "dumpster", NULL, "unknown command 'dumpster' (try 'help')" },
		/* Aliases are not prefixes: "ex" is not "exit". */
		{ "ex", NULL, "unknown command 'ex' (try 'help')" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
		struct pt_err err;
		const struct cmd *c;

		pt_err_clear(&err);
		c = cmd_lookup(k[i].word, &err);
		if (k[i].name != NULL) {
			if (c == NULL || strcmp(c->name, k[i].name) != 0)
				fail_msg("'%s': got %s, want %s", k[i].word,
				    c != NULL ? c->name : err.msg, k[i].name);
		} else if (c != NULL || strcmp(err.msg, k[i].err) != 0 ||
		    err.kind != PT_EXIT_USAGE) {
			fail_msg("'%s': got %s \"%s\", want \"%s\"", k[i].word,
			    c != NULL ? c->name : "NULL", err.msg, k[i].err);
		}
	}
	assert_null(cmd_find("du"));		/* exact names only */
	assert_string_equal(cmd_find("vtop")->name, "walk");
}

static void
test_exec_line(void **state)
{
	struct fake_session *fs = *state;

	fs_expect(fs, "", 0, "");
	fs_expect(fs, "   \t ", 0, "");
	fs_expect(fs, "# break 0x9000", 0, "");
	fs_expect(fs, "break 0x9000 # the start", 0, "breakpoint 1 at "
	    "0x0000000000009000\n");
	fs_expect(fs, "'b' \"0x9100\"", 0, "breakpoint 2 at "
	    "0x0000000000009100\n");
	fs_expect(fs, "break \"0x9200", -1, "unterminated \" quote");
	fs_expect(fs, "nosuch 1 2", -1, "unknown command 'nosuch' (try "
	    "'help')");
	fs_expect(fs, "wa 0x1000", -1, "ambiguous command 'wa': walk watch "
	    "watch-pte");
	fs_expect_log(fs, "+sw 0x9000 +sw 0x9100");

	/* cmd_exec_argv looks up argv[0] and hands the handler its name. */
	{
		char w0[] = "tb", w1[] = "0x9300";
		char *argv[] = { w0, w1 };

		assert_int_equal(cmd_exec_argv(&fs->s, 2, argv, &fs->err), 0);
		assert_string_equal(argv[0], "tbreak");
		assert_int_equal(cmd_exec_argv(&fs->s, 0, argv, &fs->err), 0);
	}
	assert_int_equal(fs_run(fs, "quit now"), -1);
	assert_true(fs_has_prefix(fs->err.msg, "usage: quit"));
	assert_false(fs->s.quit);
	fs_expect(fs, "exit", 0, "");
	assert_true(fs->s.quit);
}

static void
test_help(void **state)
{
	struct fake_session *fs = *state;
	const struct cmd *c;
	const char *p;
	size_t n = 0;

	assert_int_equal(fs_run(fs, "help"), 0);
	assert_true(fs_has_prefix(fs->last,
	    "  regs       control registers, EFER and the paging mode\n"
	    "  dump       the mapped ranges of an address space\n"));
	/* One line per command, in table order, then three of advice. */
	for (p = fs->last, c = cmd_table; c->name != NULL; c++, n++) {
		char line[200];

		snprintf(line, sizeof line, "  %-10s %s\n", c->name,
		    c->summary);
		if (!fs_has_prefix(p, line))
			fail_msg("line %zu: want \"%s\" at \"%.60s\"", n, line,
			    p);
		p += strlen(line);
	}
	assert_int_equal(n, 32);	/* the table: 32 commands */
	assert_string_equal(p, "Addresses are hex (0x...) or decimal ('_' "
	    "may group digits), or symbols\n(NAME, NAME+OFF) once loaded.  "
	    "RANGE is START-END (END exclusive) or START+LEN.\nA unique "
	    "prefix of a command is enough: 'du' is 'dump'.\n");

	fs_expect(fs, "help si", 0, "stepi [N]\n    run N instructions (1)\n"
	    "    (alias: si)\n");
	assert_int_equal(fs_run(fs, "help du"), 0);
	assert_true(fs_has_prefix(fs->last, "dump [RANGE] [--pages] [--filter "
	    "TERMS] [--summary] [--symbols] [--cr3 ADDR] [--format text|json]"
	    "\n    the mapped ranges of an address "
	    "space\nText output: a header, then one line per range, with these "
	    "columns:\n"));
	assert_int_equal(fs_run(fs, "help vtop"), 0);
	assert_true(fs_has_prefix(fs->last, "walk VA [--cr3 ADDR] [--format "
	    "text|json]\n    translate VA level by level (status 1: not "
	    "mapped)\n    (alias: vtop)\nOne line per level: "));
	assert_int_equal(fs_run(fs, "help fault"), 0);
	assert_non_null(strstr(fs->last, "(status 1 if\nit would)"));
	fs_expect(fs, "help wa", -1, "ambiguous command 'wa': walk watch "
	    "watch-pte");
	fs_expect(fs, "help a b", -1, "usage: help [COMMAND]");
}

/* ---- settings -------------------------------------------------------- */

static void
test_set(void **state)
{
	static const struct {
		const char *cmd;
		int rc;
		const char *out;
	} k[] = {
		{ "set", 0, "target       unix:/nonexistent/ptdump-unit-test\n"
		  "format       text\nmaxphyaddr   52\n"
		  "pat          0x0007040600070406\nmax-entries  1048576\n"
		  "max-tables   65536\n" },
		{ "set maxphyaddr 40", 0, "" },
		{ "set pat 0x0001050400070106", 0, "" },
		{ "set max-entries 1_000", 0, "" },
		{ "set max-tables 20", 0, "" },
		{ "set format json", 0, "" },
		{ "set", 0, "target       unix:/nonexistent/ptdump-unit-test\n"
		  "format       json\nmaxphyaddr   40\n"
		  "pat          0x0001050400070106\nmax-entries  1000\n"
		  "max-tables   20\n" },
		{ "set maxphyaddr 31", -1, "set maxphyaddr: 32 to 52 bits" },
		{ "set maxphyaddr 53", -1, "set maxphyaddr: 32 to 52 bits" },
		{ "set maxphyaddr x", -1, "set maxphyaddr: 'x' is not a "
		  "number" },
		/* Type 2 in PAT entry 0 is reserved. */
		{ "set pat 0x2", -1, "set pat: an entry holds a reserved type "
		  "(valid: 0, 1, 4, 5, 6, 7)" },
		{ "set max-entries 0", -1, "set max-entries: a positive "
		  "number" },
		{ "set max-tables 0", -1, "set max-tables: a positive "
		  "number" },
		{ "set format yaml", -1, "set format: text or json" },
		{ "set colour 1", -1, "set: unknown setting 'colour' "
		  "(maxphyaddr, pat, max-entries, max-tables, format)" },
		{ "set format", -1, "usage: set [maxphyaddr N | pat VALUE | "
		  "max-entries N | max-tables N | format text|json]" },
	};
	struct fake_session *fs = *state;

	for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
		fs_expect(fs, k[i].cmd, k[i].rc, k[i].out);
	assert_int_equal(fs->s.opt.maxphyaddr, 40);
	assert_int_equal(fs->s.opt.max_entries, 1000);
	assert_int_equal(fs->s.opt.max_tables, 20);
	assert_int_equal(fs->s.opt.format, OUT_JSON);
}

/* ---- source and batches ---------------------------------------------- */

static void
test_source(void **state)
{
	struct fake_session *fs = *state;
	char cmd[300], want[600], path[128];

	snprintf(path, sizeof path, "%s", fs_file(fs, "batch",
	    "break 0x9000\n# a comment\n\nwalk 0x50000\n"));
	snprintf(cmd, sizeof cmd, "source %s", path);
	/* The highest status of its commands: walk found nothing. */
	assert_int_equal(fs_run(fs, cmd), PT_EXIT_FINDINGS);
	assert_true(fs_has_prefix(fs->last, "breakpoint 1 at "
	    "0x0000000000009000\nwalk 0x0000000000050000 "));

	/* The first error ends it, with where it was. */
	snprintf(path, sizeof path, "%s", fs_file(fs, "bad",
	    "info b\nbreak\nbreak 0x9100\n"));
	snprintf(cmd, sizeof cmd, "source %s", path);
	snprintf(want, sizeof want, "%s:2: usage: break LOCATION", path);
	assert_int_equal(fs_run(fs, cmd), -1);
	assert_string_equal(fs->err.msg, want);
	assert_int_equal(fs->s.run.npt, 1);	/* line 3 did not run */

	/* A file that sources itself: eight deep, then refused. */
	snprintf(path, sizeof path, "%s", fs->dir);
	strcat(path, "/self");
	snprintf(cmd, sizeof cmd, "source %s\n", path);
	fs_file(fs, "self", cmd);
	want[0] = '\0';
	for (int i = 0; i < 8; i++)
		snprintf(want + strlen(want), sizeof want - strlen(want),
		    "%s:1: ", path);
	strcat(want, "source: nested too deeply (a file sources itself?)");
	assert_int_equal(fs_run(fs, cmd), -1);
	assert_string_equal(fs->err.msg, want);
	assert_int_equal(fs->s.source_depth, 0);

	fs_expect(fs, "source /nonexistent/batch", -1, "cannot open "
	    "/nonexistent/batch: No such file or directory");
	fs_expect(fs, "source", -1, "usage: source FILE");
}

/* ---- paging commands ------------------------------------------------- */

static void
test_walk(void **state)
{
	static const struct {
		const char *cmd;
		int rc;
		const char *out;
	} k[] = {
		/* 0x105 = 261: the PTE at 0x4000 + 261 * 8. */
		{ "walk 0x105018", PT_EXIT_OK,
		  FS_WALK_PT("0000000000105018")
		  "  PTE   261 at 0x000000004828 = 0x0000000000005003  P RW"
		  "  -> page 0x5000\n"
		  "  => 0x0000000000005018  4K page, rwx super, WB\n" },
		{ "walk 0x8fff", PT_EXIT_OK, FS_WALK_PT("0000000000008fff")
		  "  PTE     8 at 0x000000004040 = 0x0000000000008001  P  -> "
		  "page 0x8000\n"
		  "  => 0x0000000000008fff  4K page, r-x super, WB\n" },
		{ "vtop 0x201234", PT_EXIT_OK, FS_WALK_PD("0000000000201234")
		  "  PDE     1 at 0x000000003008 = 0x0000000000020007  P RW US"
		  "  -> table 0x20000\n"
		  "  PTE     1 at 0x000000020008 = 0x0000000000021003  P RW"
		  "  -> page 0x21000\n"
		  "  => 0x0000000000021234  4K page, rwx super, WB\n" },
		/* Not mapped: a finding, status 1. */
		{ "walk 0x50000", PT_EXIT_FINDINGS,
		  FS_WALK_PT("0000000000050000")
		  "  PTE    80 at 0x000000004280 = 0x0000000000000000  "
		  "not present\n  => no translation: not present at PTE\n" },
		{ "walk 0x400000", PT_EXIT_FINDINGS,
		  FS_WALK_PD("0000000000400000")
		  "  PDE     2 at 0x000000003010 = 0x0000000000000000  not "
		  "present\n  => no translation: not present at PDE\n" },
		{ "walk 0x800000000000", PT_EXIT_FINDINGS, "walk "
		  "0x0000800000000000 (cr3 table 0x1000, 4-level)\n"
		  "  => no translation: non-canonical address (an access "
		  "raises #GP, not #PF)\n" },
		/* PT2 read as a PML4: its entry 0 is empty. */
		{ "walk 0x1000 --cr3 0x20000", PT_EXIT_FINDINGS, "walk "
		  "0x0000000000001000 (cr3 table 0x20000, 4-level)\n"
		  "  PML4E   0 at 0x000000020000 = 0x0000000000000000  not "
		  "present\n  => no translation: not present at PML4E\n" },
		{ "walk", -1, "usage: walk VA [--cr3 ADDR] [--format "
		  "text|json]" },
		{ "walk 1 2", -1, "walk: unexpected argument '2'" },
		{ "walk 0x1000 --bogus", -1, "walk: unknown option '--bogus'" },
		{ "walk 0x1000 --cr3", -1, "walk: --cr3 needs a value" },
		{ "walk 0x1000 --format=xml", -1, "walk: --format takes text "
		  "or json" },
		{ "walk nosuch", -1, "walk: no symbol 'nosuch' (no symbols "
		  "loaded: try 'symbols FILE')" },
	};
	struct fake_session *fs = *state;

	for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
		fs_expect(fs, k[i].cmd, k[i].rc, k[i].out);

	assert_int_equal(fs_run(fs, "walk 0x201000 --format json"), 0);
	assert_true(fs_has_prefix(fs->last, "{\"va\":\"0x201000\",\"cr3\":"
	    "\"0x1000\",\"mode\":\"4-level\",\"steps\":[{\"index\":0,"));
	assert_non_null(strstr(fs->last, "],\"result\":\"translated\","
	    "\"pa\":\"0x21000\",\"page_size\":4096,\"eff\":{\"write\":true,"
	    "\"user\":false,\"exec\":true}}\n"));
	assert_int_equal(fs_run(fs, "walk 0x50000 --format=json"),
	    PT_EXIT_FINDINGS);
	assert_non_null(strstr(fs->last, "],\"result\":\"not present\","
	    "\"stop_level\":1}\n"));
}

static void
test_dump(void **state)
{
	static const struct {
		const char *cmd, *out;
	} k[] = {
		/* Pages 1-7 and 9-15 are RW; 8 is read-only. */
		{ "dump 0x1000-0x10000", "# cpu 0, cr3 0x1000, 4-level paging\n"
		  DUMP_HDR
		  "0x0000000000001000 0x0000000000008000      28K   4K rwx "
		  "super - WB  -- 0x0000000000001000\n"
		  "0x0000000000008000 0x0000000000009000       4K   4K r-x "
		  "super - WB  -- 0x0000000000008000\n"
		  "0x0000000000009000 0x0000000000010000      28K   4K rwx "
		  "super - WB  -- 0x0000000000009000\n" },
		/* PT[0x104] and PT[0x105]: contiguous in VA and in PA (0x4000,
		 * 0x5000), so one range. */
		{ "du 0x100000+0x10000", "# cpu 0, cr3 0x1000, 4-level paging\n"
		  DUMP_HDR
		  "0x0000000000104000 0x0000000000106000       8K   4K rwx "
		  "super - WB  -- 0x0000000000004000\n" },
		{ "dump 0x50000-0x60000",
		  "# cpu 0, cr3 0x1000, 4-level paging\n" DUMP_HDR
		  "# nothing mapped in this range\n" },
		{ "dump --cr3 0x20000", "# cpu 0, cr3 0x20000, 4-level paging\n"
		  DUMP_HDR
		  /* PT2[1] read as a PML4E points to 0x21000, all zeros. */
		  "# nothing mapped in this range\n" },
	};
	struct fake_session *fs = *state;

	for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
		fs_expect(fs, k[i].cmd, 0, k[i].out);

	fs_expect(fs, "set max-entries 2", 0, "");
	fs_expect(fs, "dump 0x1000-0x10000", 0, "# cpu 0, cr3 0x1000, 4-level "
	    "paging\n" DUMP_HDR
	    "0x0000000000001000 0x0000000000003000       8K   4K rwx super - "
	    "WB  -- 0x0000000000001000\n"
	    "... stopped after 2 entries: the rest, from 0x0000000000003000, "
	    "is not shown (raise --max-entries or narrow the range)\n");
	/* One address: the page that holds it, whole. */
	fs_expect(fs, "dump 0x8000 --format json", 0, "{\"cpu\":0,\"cr3\":"
	    "\"0x1000\",\"mode\":\"4-level\",\"ranges\":[\n"
	    "{\"va\":\"0x8000\",\"end\":\"0x9000\",\"pa\":\"0x8000\","
	    "\"page_size\":4096,\"level\":1,\"flags\":[\"P\"],"
	    "\"eff\":{\"write\":false,\"user\":false,\"exec\":true},"
	    "\"memtype\":\"WB\"}],\"truncated\":false,\"notes\":[]}\n");
}

static void
test_regs_decode_monitor(void **state)
{
	struct fake_session *fs = *state;

	fs_expect(fs, "regs", 0, "cpu  0\n"
	    "cr0  0x0000000080010001  PG=1 CD=0 NW=0 WP=1 PE=1\n"
	    "cr2  0x0000000000050000\n"
	    "cr3  0x0000000000001000  table=0x1000 PWT=0 PCD=0\n"
	    "cr4  0x0000000000000020  PAE=1 PSE=0 PGE=0 PCIDE=0 SMEP=0 SMAP=0 "
	    "PKE=0 PKS=0 LA57=0\n"
	    "efer 0x0000000000000d00  LME=1 LMA=1 NXE=1\n"
	    "mode 4-level\n");
	fs_expect(fs, "regs --format yaml", -1, "regs: --format takes text or "
	    "json");
	fs_expect(fs, "regs now", -1, "regs: unexpected argument 'now'");
	/* PWT is CR3 bit 3, PCD bit 4. */
	fake_set_reg(&fs->ft, "cr3", 0x1008);
	assert_int_equal(fs_run(fs, "regs"), 0);
	assert_non_null(strstr(fs->last, "\ncr3  0x0000000000001008  "
	    "table=0x1000 PWT=1 PCD=0\n"));

	fs_expect(fs, "decode 0x8000000000008003 --level 1", 0, "PTE "
	    "0x8000000000008003  P RW NX\n  maps a 4K page at 0x8000, memory "
	    "type WB (PAT index 0)\n");
	fs_expect(fs, "decode 0x3007 --level=2", 0, "PDE 0x0000000000003007  "
	    "P RW US\n  points to a table at 0x3000\n");
	fs_expect(fs, "decode 0 --level 3", 0, "PDPTE 0x0000000000000000  "
	    "not present\n");
	fs_expect(fs, "decode 1", -1, "usage: decode VALUE --level N "
	    "[--mode 32-bit|pae|4-level|5-level]");
	/* Other paging modes' formats (test_x86pt.c has the bits). */
	fs_expect(fs, "decode 0x00c07083 --level 2 --mode 32-bit", 0,
	    "PDE 0x0000000000c07083  P RW PS PAT\n  maps a 4M page at "
	    "0x300c00000, memory type WB (PAT index 4)\n");
	fs_expect(fs, "decode 0x5007 --level 3 --mode pae", 0, "PDPTE "
	    "0x0000000000005007  P RSVD=0x6\n  points to a table at 0x5000\n"
	    "  reserved bits 0x6 are set: an access through this entry faults "
	    "with RSVD\n");
	fs_expect(fs, "decode 1 --level 3 --mode 32-bit", -1, "decode: "
	    "32-bit paging has 2 levels");
	fs_expect(fs, "decode 1 --level 1 --mode 64", -1, "decode: --mode "
	    "takes 32-bit, pae, 4-level or 5-level");
	fs_expect(fs, "decode 1 --level 6", -1, "decode: --level takes 1 "
	    "(PTE), 2 (PDE), 3 (PDPTE), 4 (PML4E) or 5 (PML5E)");

	/* The fake answers with CR LF; ptdump prints LF. */
	fs_expect(fs, "monitor info registers", 0,
	    "RIP=0000000000009000 RFL=00000202\n"
	    "GDT=     0000000000001000 0000002f\n"
	    "IDT=     0000000000105000 000000ff\n"
	    "CR0=80010001 CR2=0000000000050000 CR3=0000000000001008 "
	    "CR4=00000020\nEFER=0000000000000d00\n");
	fs->ft.monitor_reply = "a\r\nb\rc\n";
	fs_expect(fs, "monitor  info   tlb", 0, "a\nb\rc\n");
	assert_string_equal(fs->ft.monitor_last, "info tlb");
	fs->ft.monitor_reply = NULL;
	fs_expect(fs, "monitor x", -1, "fake: unknown monitor command 'x'");
	fs_expect(fs, "monitor", -1, "usage: monitor CMD...");
	assert_int_equal(fs->ft.monitor_calls, 3);
}

/* ---- vCPUs ----------------------------------------------------------- */

static void
test_cpus(void **state)
{
	struct fake_session *fs = *state;

	fs_symbols(fs);
	fs->ft.ncpus = 2;
	fake_set_cpu_reg(&fs->ft, 1, "rip", 0x9100);
	fs_expect(fs, "info cpus", 0,
	    "  cpu  rip                cr3                mode\n"
	    "* 0    0x0000000000009000 0x0000000000001000 4-level\n"
	    "  1    0x0000000000009100 0x0000000000001000 4-level  (same root "
	    "as cpu 0)\n");
	/* Each is chosen to read it, then the current one again. */
	fs_expect_log(fs, "cpu 0 cpu 1 cpu 0");
	fs_expect(fs, "cpu", 0, "cpu 0: rip 0x0000000000009000 <start_kernel>, "
	    "cr3 0x1000, 4-level\n");
	fs_expect(fs, "cpu 1", 0, "cpu 1: rip 0x0000000000009100 <do_work>, "
	    "cr3 0x1000, 4-level\n");
	fs_expect_log(fs, "cpu 1");
	assert_int_equal(fs->s.opt.cpu, 1);
	assert_int_equal(session_cpu(&fs->s), 1);
	fs_expect(fs, "cpu 2", -1, "cpu: no vCPU 2 (the guest has 2: 0 to 1)");
	fs_expect(fs, "cpu x", -1, "cpu: 'x' is not a number");
	fs_expect(fs, "cpu 1 2", -1, "usage: cpu [N]");

	/* Another root on vCPU 0, and JSON. */
	fake_set_cpu_reg(&fs->ft, 0, "cr3", 0x20000);
	fs_expect(fs, "set format json", 0, "");
	fs_expect(fs, "info cpus", 0, "{\"cpus\":["
	    "{\"cpu\":0,\"current\":false,\"rip\":\"0x9000\",\"cr3\":"
	    "\"0x20000\",\"mode\":\"4-level\"},"
	    "{\"cpu\":1,\"current\":true,\"rip\":\"0x9100\",\"cr3\":"
	    "\"0x1000\",\"mode\":\"4-level\"}]}\n");
	fs_expect_log(fs, "cpu 0 cpu 1 cpu 1");
	fs_expect(fs, "info registers", -1, "info: 'breakpoints' or 'cpus'");
	fs_expect(fs, "info", -1, "usage: info breakpoints|cpus");
}

/* ---- symbols --------------------------------------------------------- */

static void
test_symbols(void **state)
{
	struct fake_session *fs = *state;
	char cmd[300];

	fs_expect(fs, "symbols", 0, "0 symbols loaded\n");
	fs_symbols(fs);
	fs_expect(fs, "symbols", 0, "4 symbols loaded\n");
	fs_expect(fs, "break do_work+0x10", 0, "breakpoint 1 at "
	    "0x0000000000009110 <do_work+0x10>\n");
	fs_expect(fs, "symbols --clear", 0, "symbols cleared\n");
	fs_expect(fs, "symbols", 0, "0 symbols loaded\n");
	fs_expect(fs, "break do_work", -1, "break: no symbol 'do_work' (no "
	    "symbols loaded: try 'symbols FILE')");

	/* Shifted, as for KASLR. */
	snprintf(cmd, sizeof cmd, "symbols %s/System.map --offset 0x1000",
	    fs->dir);
	assert_int_equal(fs_run(fs, cmd), 0);
	fs_expect(fs, "break do_work", 0, "breakpoint 2 at 0x000000000000a100 "
	    "<do_work>\n");
	fs_expect(fs, "symbols a b", -1, "usage: symbols [FILE [--offset N] | "
	    "--clear]");
	fs_expect(fs, "symbols --offset", -1, "usage: symbols [FILE "
	    "[--offset N] | --clear]");
	assert_int_equal(fs_run(fs, "symbols /nonexistent/System.map"), -1);
	assert_non_null(strstr(fs->err.msg, "/nonexistent/System.map"));
}

/* ---- the session ----------------------------------------------------- */

static void
test_session_init(void **state)
{
	struct session s;
	struct pt_err err;

	(void)state;
	session_init(&s, stdout);
	assert_ptr_equal(s.out, stdout);
	assert_string_equal(s.opt.target, "127.0.0.1:1234");
	assert_int_equal(s.opt.timeout_ms, 5000);
	assert_int_equal(s.opt.format, OUT_TEXT);
	assert_int_equal(s.opt.max_entries, WALK_DEFAULT_MAX_ENTRIES);
	assert_int_equal(s.opt.maxphyaddr, 52);
	assert_int_equal(s.opt.pat, 0x0007040600070406ull);
	assert_int_equal(s.opt.cpu, -1);
	assert_false(s.connected);
	assert_null(s.cache);
	assert_null(s.syms);
	assert_int_equal(s.run.npt, 0);
	assert_int_equal(s.run.next_num, 1);
	assert_int_equal(session_cpu(&s), -1);
	/* Nothing to let go of. */
	assert_int_equal(session_close(&s, &err), 0);
}

static void
test_session_walk_ctx(void **state)
{
	struct fake_session *fs = *state;
	struct walk_ctx w;

	fs->s.opt.maxphyaddr = 40;
	fs->s.opt.pat = 0x0001050400070106ull;
	fs->s.opt.max_entries = 10;
	assert_int_equal(session_walk_ctx(&fs->s, &w, &fs->err), 0);
	assert_ptr_equal(w.tgt, &fs->s.tgt);
	assert_ptr_equal(w.cache, fs->s.cache);
	assert_int_equal(w.cr3, 0x1000);
	assert_int_equal(w.pt.mode, X86PT_MODE_4LEVEL);
	assert_int_equal(w.pt.maxphyaddr, 40);
	assert_int_equal(w.pt.pat, 0x0001050400070106ull);
	assert_true(w.pt.wp && w.pt.nxe);
	assert_int_equal(w.max_entries, 10);
	assert_true(w.cancel == sig_cancel_cb);

	fake_set_reg(&fs->ft, "cr0", 1);
	assert_int_equal(session_walk_ctx(&fs->s, &w, &fs->err), -1);
	assert_string_equal(fs->err.msg, "paging is off (CR0.PG clear): "
	    "virtual addresses are physical");
	fs_expect(fs, "walk 0x1000", -1, "paging is off (CR0.PG clear): "
	    "virtual addresses are physical");
	/* 32-bit paging: CR0.PG without CR4.PAE. */
	fake_set_reg(&fs->ft, "cr0", X86PT_CR0_PG | 1);
	fake_set_reg(&fs->ft, "cr4", 0);
	fake_set_reg(&fs->ft, "efer", 0);
	assert_int_equal(session_walk_ctx(&fs->s, &w, &fs->err), 0);
	assert_int_equal(w.pt.mode, X86PT_MODE_32);
	fs->ft.fail_reg = "cr4";
	assert_int_equal(session_walk_ctx(&fs->s, &w, &fs->err), -1);
	assert_string_equal(fs->err.msg, "reading cr4: fake: no register cr4");
}

static void
test_session_disconnect(void **state)
{
	struct fake_session *fs = *state;

	assert_int_equal(fs_run(fs, "break 0x9000"), 0);
	fs_expect(fs, "target", 0, "unix:/nonexistent/ptdump-unit-test "
	    "(connected)\n");
	assert_int_equal(session_cpu(&fs->s), 0);
	assert_int_equal(session_disconnect(&fs->s, &fs->err), 0);
	assert_false(fs->s.connected);
	assert_int_equal(fs->ft.closed, 1);
	assert_int_equal(fs->s.run.npt, 0);
	assert_int_equal(fs->s.run.next_num, 1);
	assert_int_equal(session_cpu(&fs->s), -1);
	fs_expect(fs, "target", 0, "unix:/nonexistent/ptdump-unit-test "
	    "(not connected)\n");
	/* Twice is harmless. */
	assert_int_equal(session_disconnect(&fs->s, &fs->err), 0);
	assert_int_equal(fs->ft.closed, 1);
	/* The next command connects again: to a socket that is not there. */
	assert_int_equal(fs_run(fs, "walk 0x1000"), -1);
	assert_false(fs->s.connected);
	assert_string_equal(fs->last, "");
}

static void
test_target_switch(void **state)
{
	struct fake_session *fs = *state;

	/* The old target is let go of even though the new one fails. */
	assert_int_equal(fs_run(fs, "target unix:/nonexistent/other"), -1);
	assert_int_equal(fs->ft.closed, 1);
	assert_false(fs->s.connected);
	assert_string_equal(fs->s.opt.target, "unix:/nonexistent/other");
	fs_expect(fs, "target a b", -1, "usage: target [HOST:PORT|unix:PATH]");
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fs_setup, fs_teardown)
	const struct CMUnitTest tests[] = {
		T(test_lookup),
		T(test_exec_line),
		T(test_help),
		T(test_set),
		T(test_source),
		T(test_walk),
		T(test_dump),
		T(test_regs_decode_monitor),
		T(test_cpus),
		T(test_symbols),
		T(test_session_init),
		T(test_session_walk_ctx),
		T(test_session_disconnect),
		T(test_target_switch),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
