/*
 * Unit tests for catchpoints (run.c's catch, the IDT read through the
 * guest's tables, filters) and `fault` (cmd_fault.c): the caught #PF
 * explained from its frame, CR2 and the walk, and accesses that have not
 * happened.  The session's target is the fake of fake_session.h; every
 * address and line below is worked out by hand from the layout pictured
 * there (the IDT, gate 14 and the #PF frame at RSP).
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

/* ---- catch ---------------------------------------------------------- */

static void
test_catch_reads_the_idt(void **state)
{
	struct fake_session *fs = *state;

	fs_symbols(fs);
	fs_expect(fs, "catch pagefault", 0, "catchpoint 1: #PF page fault "
	    "(vector 14), handler at 0xffffffff81234560 "
	    "<asm_exc_page_fault>\n");
	fs_expect_log(fs, "+hw 0xffffffff81234560");
	assert_string_equal(fs->ft.monitor_last, "info registers");

	/* Another gate, written the same way. */
	fs_gate(fs, 13, 0x9100);
	/* Quoted: a word that starts with '#' is a comment. */
	fs_expect(fs, "catch #GP", -1, "usage: catch pagefault|gp|df|VECTOR "
	    "[--user] [--cr2 RANGE]");
	fs_expect(fs, "catch '#GP'", 0, "catchpoint 2: #GP general protection "
	    "(vector 13), handler at 0x0000000000009100 <do_work>\n");
	fs_expect_log(fs, "+hw 0x9100");

	/* A task gate (type 5) at vector 3: qword 6. */
	fake_put(&fs->ft, FS_IDT_PA, 6, 0x0000850000100000ull);
	fs_expect(fs, "catch bp", -1, "catch: IDT gate 3 (0x0000000000000000"
	    "0000850000100000) is not an interrupt or trap gate");
	/* What a real-mode IVT reads as (the check allows 57-bit addresses,
	 * so the handler must be non-canonical in 5-level paging too). */
	fs_gate(fs, 6, 0xf000ff53f000ff53ull);
	fs_expect(fs, "catch ud", -1, "catch: IDT gate 6 points to "
	    "0xf000ff53f000ff53, not a canonical address: the IDT (base "
	    "0x105000) is not set up yet; stop the guest later");
	fs_expect(fs, "catch gp --cr2 0x1000", -1, "catch: --cr2 is for page "
	    "faults");
	fs_expect(fs, "catch pf --bogus", -1, "usage: catch pagefault|gp|df|"
	    "VECTOR [--user] [--cr2 RANGE]");
	fs->ft.no_idt = true;
	fs_expect(fs, "catch df", -1, "cannot read IDTR: no 'IDT=' in the "
	    "monitor's 'info registers'");
	fs->ft.no_idt = false;
	/* An IDT base nothing maps: gate 14 at 0x500e0. */
	fs->ft.idt_base = 0x50000;
	fs_expect(fs, "catch 14", -1, "catch: reading IDT gate 14: fake: "
	    "cannot read 0x500e0: not present");
	/* The fake's identity map: va 0x5000 is the IDT's page. */
	fs->ft.identity = true;
	fs->ft.idt_base = FS_IDT_PA;
	fs_expect(fs, "catch 14", 0, "catchpoint 3: #PF page fault (vector "
	    "14), handler at 0xffffffff81234560 <asm_exc_page_fault>\n");
	fs_expect_log(fs, "+hw 0xffffffff81234560");
	fake_set_reg(&fs->ft, "efer", 0);
	fs_expect(fs, "catch 14", -1, "catch: the guest is not in long mode "
	    "yet (EFER.LMA=0), so it has no 64-bit IDT; stop it later, once it "
	    "has set one up");
	fs_expect_log(fs, "");
}

/*
 * A second #PF frame at 0x7e00, from ring 3 (CS 0x33): a user read of
 * 0x201000, not present (error code 0x4).  The layout's frame at 0x7f00
 * is from ring 0 with CR2 0x50000.
 */
static void
user_frame(struct fake_session *fs)
{
	static const uint64_t frame[] = { 0x4, 0x401000, 0x33, 0x202,
	    0x7ffff000, 0x2b };

	for (unsigned i = 0; i < 6; i++)
		fake_put(&fs->ft, 0x7e00, i, frame[i]);
}

#define USER_STOP FS_AT("ffffffff81234560 <asm_exc_page_fault>: " \
	"catchpoint 1, #PF page fault from 0x401000, cr2 0x201000, error " \
	"0x4 (not present, read, user)\n")

static void
test_catch_filters(void **state)
{
	static const struct {
		const char *cmd, *out, *what;
	} k[] = {
		{ "catch pf --user", "catchpoint 1: #PF page fault (vector 14) "
		  "from ring 3, handler at 0xffffffff81234560 "
		  "<asm_exc_page_fault>\n", "#PF page fault, ring 3" },
		{ "catch pf --cr2 0x201000+0x1000", "catchpoint 1: #PF page "
		  "fault (vector 14) with cr2 in 0x201000-0x201fff, handler at "
		  "0xffffffff81234560 <asm_exc_page_fault>\n",
		  "#PF page fault, cr2 0x201000-0x201fff" },
		{ "catch --user --cr2 0x200000-0x400000 pf",
		  "catchpoint 1: #PF page fault (vector 14) from ring 3 with "
		  "cr2 in 0x200000-0x3fffff, handler at 0xffffffff81234560 "
		  "<asm_exc_page_fault>\n",
		  "#PF page fault, ring 3, cr2 0x200000-0x3fffff" },
	};
	/* The kernel's own fault first (run through), then the user's. */
	static const struct fake_stop script[] = {
		FAKE_TRAP(FS_HANDLER), FAKE_TRAP(FS_HANDLER + 4),
		{ .signal = 5, .rip = FS_HANDLER, .rsp = 0x7e00,
		  .cr2 = 0x201000 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
		struct fake_session *fs;
		void *st;

		assert_int_equal(fs_setup(&st), 0);
		fs = st;
		fs_symbols(fs);
		user_frame(fs);
		for (size_t j = 0; j < 3; j++)
			fake_script(&fs->ft, &script[j]);
		fs_expect(fs, k[i].cmd, 0, k[i].out);
		assert_string_equal(fs->s.run.pt[0].where, k[i].what);
		fake_clear_log(&fs->ft);
		fs_expect(fs, "continue", 0, USER_STOP);
		fs_expect_log(fs, "cont -hw 0xffffffff81234560 step "
		    "+hw 0xffffffff81234560 cont");
		assert_int_equal(fs->s.run.pt[0].hits, 1);
		assert_int_equal(fs->s.run.pt[0].skipped, 1);
		fs_teardown(&st);
	}
}

/* A step onto the handler ends there, whether the filter matches or not. */
static void
test_step_onto_filtered_catch(void **state)
{
	struct fake_session *fs = *state;

	fs_symbols(fs);
	fake_set_reg(&fs->ft, "rip", FS_HANDLER - 1);
	assert_int_equal(fs_run(fs, "catch pf --user"), 0);
	fake_clear_log(&fs->ft);
	/* The frame at RSP is from ring 0: no match, one step all the same. */
	fs_expect(fs, "stepi", 0, FS_AT("ffffffff81234560 "
	    "<asm_exc_page_fault>: step\n"));
	fs_expect_log(fs, "step");
	assert_int_equal(fs->s.run.pt[0].hits, 0);
	assert_int_equal(fs->s.run.pt[0].skipped, 1);
	assert_int_equal(fs->s.run.last.reason, RUN_STOP_STEP);
	assert_int_equal(fs_run(fs, "fault"), -1);

	/* From ring 3 it matches. */
	fake_set_reg(&fs->ft, "rip", FS_HANDLER - 1);
	fake_set_reg(&fs->ft, "rsp", 0x7e00);
	fake_set_reg(&fs->ft, "cr2", 0x201000);
	user_frame(fs);
	fs_expect(fs, "stepi", 0, USER_STOP);
	fs_expect_log(fs, "step");
	assert_int_equal(fs->s.run.pt[0].hits, 1);
}

/* In the background, a poll runs through a fault that does not match. */
static void
test_catch_filter_polled(void **state)
{
	static const struct fake_stop script[] = {
		FAKE_TRAP(FS_HANDLER), FAKE_TRAP(FS_HANDLER + 4),
		{ .signal = 5, .rip = FS_HANDLER, .rsp = 0x7e00,
		  .cr2 = 0x201000 },
	};
	struct fake_session *fs = *state;
	struct run_stop st;

	fs->s.interactive = true;
	user_frame(fs);
	for (size_t j = 0; j < 3; j++)
		fake_script(&fs->ft, &script[j]);
	assert_int_equal(fs_run(fs, "catch pf --user"), 0);
	assert_int_equal(fs_run(fs, "continue &"), 0);
	assert_int_equal(run_poll(&fs->s, 0, &st, &fs->err), 0);
	assert_true(run_running(&fs->s));
	assert_int_equal(run_poll(&fs->s, 0, &st, &fs->err), 1);
	assert_int_equal(st.reason, RUN_STOP_CATCH);
	assert_false(st.skip);
	assert_int_equal(st.cr2, 0x201000);
	assert_int_equal(st.frame.cs, 0x33);
	assert_int_equal(st.frame.errcode, 0x4);
	fs_expect_log(fs, "+hw 0xffffffff81234560 cont -hw 0xffffffff81234560 "
	    "step +hw 0xffffffff81234560 cont");
}

/* ---- fault ---------------------------------------------------------- */

static const char pf_walk[] = FS_WALK_PT("0000000000050000")
	/* 0x50000 is PT index 0x50 = 80, at 0x4000 + 80 * 8. */
	"  PTE    80 at 0x000000004280 = 0x0000000000000000  not present\n"
	"  => no translation: not present at PTE\n";

static void
test_fault_after_catch(void **state)
{
	static const struct fake_stop at_handler = FAKE_TRAP(FS_HANDLER);
	struct fake_session *fs = *state;
	char want[2048];

	fs_symbols(fs);
	assert_int_equal(fs_run(fs, "catch pagefault"), 0);
	fs_expect(fs, "fault", -1, "fault: the guest is not stopped at a "
	    "caught exception ('catch pagefault', then 'continue'); 'fault "
	    "VA --access read|write|exec' explains an access that has not "
	    "happened");
	fake_script(&fs->ft, &at_handler);
	fs_expect(fs, "continue", 0, FS_PF_STOP);
	snprintf(want, sizeof want, "#PF page fault (vector 14) caught on "
	    "cpu 0\n"
	    "  cr2    0x0000000000050000\n"
	    "  error  0x0000000000000002  not present, write, supervisor\n"
	    "  rip    0x0000000000009010 <start_kernel+0x10>\n"
	    "%s"
	    "cause: supervisor write to 0x50000 faulted: the level-1 entry "
	    "(PTE) at index 80 is not present\n", pf_walk);
	/* Caught, so no finding: status 0. */
	fs_expect(fs, "fault", 0, want);
	/* A monitor command may change the guest: the stop is stale. */
	assert_int_equal(fs_run(fs, "monitor info registers"), 0);
	assert_int_equal(fs_run(fs, "fault"), -1);
	assert_non_null(strstr(fs->err.msg, "not stopped at a caught"));
}

/* One caught #PF per case: the frame's error code and CR2 differ. */
static void
test_fault_causes(void **state)
{
	static const struct {
		uint64_t ec, cr2;
		const char *tail;	/* how the output ends */
	} k[] = {
		{ 0x2, 0x50000, "\ncause: supervisor write to 0x50000 faulted: "
		  "the level-1 entry (PTE) at index 80 is not present\n" },
		{ 0x3, 0x8000, "\ncause: supervisor write to 0x8000 faulted: "
		  "the level-1 entry (PTE) at index 8 has RW=0 and "
		  "CR0.WP=1\n" },
		{ 0x0, 0x400000, "\ncause: supervisor read from 0x400000 "
		  "faulted: the level-2 entry (PDE) at index 2 is not "
		  "present\n" },
		/* P=1 in the error code, not present in the tables. */
		{ 0x3, 0x50000, "\ncause: supervisor write to 0x50000 faulted: "
		  "the level-1 entry (PTE) at index 80 is not present\n"
		  "note: the error code says P=1 (a translation existed) but "
		  "the walk finds the level-1 entry (PTE) not present: the "
		  "tables changed after the fault\n" },
		/* The tables allow a supervisor write to 0x1000. */
		{ 0x3, 0x1000, "\ncause: the tables allow this access\n"
		  "note: the tables allow this access now: they changed after "
		  "the fault, or the TLB held a stale translation\n" },
	};
	static const struct fake_stop at_handler = FAKE_TRAP(FS_HANDLER);

	(void)state;
	for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
		struct fake_session *fs;
		void *st;
		size_t n, m;

		assert_int_equal(fs_setup(&st), 0);
		fs = st;
		fake_put(&fs->ft, FS_RSP, 0, k[i].ec);
		fake_set_reg(&fs->ft, "cr2", k[i].cr2);
		fake_script(&fs->ft, &at_handler);
		assert_int_equal(fs_run(fs, "catch pf"), 0);
		assert_int_equal(fs_run(fs, "continue"), 0);
		assert_int_equal(fs_run(fs, "fault"), 0);
		n = strlen(fs->last);
		m = strlen(k[i].tail);
		if (n < m || strcmp(fs->last + n - m, k[i].tail) != 0)
			fail_msg("#%zu: got\n%s\nwant it to end with%s", i,
			    fs->last, k[i].tail);
		fs_teardown(&st);
	}
}

static void
test_fault_hypothetical(void **state)
{
	static const char ro_walk[] = FS_WALK_PT("0000000000008000")
	    "  PTE     8 at 0x000000004040 = 0x0000000000008001  P  -> page "
	    "0x8000\n"
	    "  => 0x0000000000008000  4K page, r-x super, WB\n";
	struct fake_session *fs = *state;
	char want[2048];

	snprintf(want, sizeof want, "%sverdict: supervisor write to 0x8000 "
	    "would fault: the level-1 entry (PTE) at index 8 has RW=0 and "
	    "CR0.WP=1\n", ro_walk);
	fs_expect(fs, "fault 0x8000 --access write", PT_EXIT_FINDINGS, want);
	snprintf(want, sizeof want, "%sverdict: the tables allow this "
	    "access\n", ro_walk);
	fs_expect(fs, "fault 0x8000 --access=read", PT_EXIT_OK, want);
	/* PT[9] has US=0; the levels above have US=1. */
	assert_int_equal(fs_run(fs, "fault --access exec --user 0x9000"),
	    PT_EXIT_FINDINGS);
	assert_non_null(strstr(fs->last, "\nverdict: user instruction fetch "
	    "from 0x9000 would fault: the level-1 entry (PTE) at index 9 has "
	    "US=0\n"));
	/* Not mapped at all. */
	snprintf(want, sizeof want, "%sverdict: supervisor read from 0x50000 "
	    "would fault: the level-1 entry (PTE) at index 80 is not "
	    "present\n", pf_walk);
	fs_expect(fs, "fault 0x50000 --access read", PT_EXIT_FINDINGS, want);

	fs_expect(fs, "fault 0x8000", -1, "usage: fault [VA --access "
	    "read|write|exec [--user]]");
	fs_expect(fs, "fault --access write", -1, "usage: fault [VA --access "
	    "read|write|exec [--user]]");
	fs_expect(fs, "fault 0x8000 --access run", -1, "fault: --access takes "
	    "read, write or exec");
	fs_expect(fs, "fault 0x8000 --access write --bogus", -1, "usage: fault "
	    "[VA --access read|write|exec [--user]]");

	/* JSON: the verdict's fields (the walk inside is fmt_json_walk's). */
	assert_int_equal(fs_run(fs, "set format json"), 0);
	assert_int_equal(fs_run(fs, "fault 0x8000 --access write"),
	    PT_EXIT_FINDINGS);
	assert_true(fs_has_prefix(fs->last, "{\"vector\":14,\"name\":\"page "
	    "fault\",\"caught\":false,\"walk\":{\"va\":\"0x8000\","));
	assert_non_null(strstr(fs->last, ",\"faults\":true,\"cause\":"
	    "\"read-only\",\"level\":1,\"why\":\"supervisor write to 0x8000 "
	    "would fault: the level-1 entry (PTE) at index 8 has RW=0 and "
	    "CR0.WP=1\"}\n"));
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fs_setup, fs_teardown)
	const struct CMUnitTest tests[] = {
		T(test_catch_reads_the_idt),
		T(test_catch_filters),
		T(test_catch_filter_polled),
		T(test_step_onto_filtered_catch),
		T(test_fault_after_catch),
		T(test_fault_causes),
		T(test_fault_hypothetical),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
