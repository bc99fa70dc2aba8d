/*
 * Unit tests for the dump sink in fmt.c: coalescing leaves into ranges,
 * the text and JSON printers it drives, and the shared helpers.  Every
 * expected string is written out by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fmt.h"

#define K4 0x1000ull
#define M2 0x200000ull
#define G1 0x40000000ull

/* Flags of an ordinary kernel data page. */
#define F_DATA (X86PT_F_P | X86PT_F_RW | X86PT_F_A | X86PT_F_D | X86PT_F_NX)

/* The dumps here are of vCPU 1, but for one of a vCPU nobody named. */
#define HDR "# cpu 1, cr3 0x200000, 4-level paging\n" \
	"# start            end                    size page rwx priv  G mem ad physical\n"
#define HDR_NOCPU "# cr3 0x200000, 4-level paging\n" \
	"# start            end                    size page rwx priv  G mem ad physical\n"

static struct walk_leaf
leaf(uint64_t va, uint64_t pa, uint64_t size, uint32_t flags, bool w,
    bool u, bool x)
{
	struct walk_leaf l;

	memset(&l, 0, sizeof l);
	l.va = va;
	l.pa = pa;
	l.page_size = size;
	l.level = size == G1 ? X86PT_L3 : size == M2 ? X86PT_L2 : X86PT_L1;
	l.flags = flags;
	l.memtype = 0;
	l.memtype_name = "WB";
	l.eff.write = w;
	l.eff.sup_write = w;
	l.eff.user = u;
	l.eff.exec = x;
	return l;
}

/* The output of a whole dump of `n` leaves with CR0 = `cr0`, as a
 * malloc'ed string. */
static char *
dump_cr0(uint64_t cr0, enum out_format format, bool pages,
    const struct walk_leaf *l, size_t n, const struct walk_stats *st)
{
	static const struct walk_stats none;
	struct fmt_regs r;
	struct fmt_dump d;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	memset(&r, 0, sizeof r);
	r.cpu = 1;
	r.cr0 = cr0;
	r.cr3 = 0x200000;
	r.mode = X86PT_MODE_4LEVEL;
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	fmt_dump_begin(&d, f, format, pages, false, &r, 0x200000);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(fmt_dump_leaf(&d, &l[i]), 0);
	assert_int_equal(fmt_dump_end(&d, st != NULL ? st : &none), 0);
	fclose(f);
	return buf;
}

/* A dump with CR0 clear: no paging notes in the header. */
static char *
dump(enum out_format format, bool pages, const struct walk_leaf *l,
    size_t n, const struct walk_stats *st)
{
	return dump_cr0(0, format, pages, l, n, st);
}

static void
expect(char *got, const char *want)
{
	assert_string_equal(got, want);
	free(got);
}

/* ---- coalescing ------------------------------------------------------ */

/* The hand-made hex against printf's, at every digit count and edge. */
static void
test_put_hex_matches_printf(void **state)
{
	(void)state;
	for (int bits = 0; bits <= 64; bits++) {
		uint64_t top = bits == 64 ? UINT64_MAX : (1ull << bits) - 1;
		uint64_t v[] = { top, top + 1, top / 3, top ^ 0x5a5a5a5a5a5a5a5aull };

		for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
			char want[40], got[40], *end;

			snprintf(want, sizeof want, "%" PRIx64, v[i]);
			end = fmt_put_hex(got, v[i]);
			*end = '\0';
			assert_string_equal(got, want);
			snprintf(want, sizeof want, "%016" PRIx64, v[i]);
			end = fmt_put_hex16(got, v[i]);
			*end = '\0';
			assert_string_equal(got, want);
		}
	}
}

static void
test_contiguous_leaves_coalesce(void **state)
{
	struct walk_leaf l[] = {
		leaf(0x1000, 0x5000, K4, F_DATA, true, false, false),
		leaf(0x2000, 0x6000, K4, F_DATA, true, false, false),
		leaf(0x3000, 0x7000, K4, F_DATA, true, false, false),
	};

	(void)state;
	expect(dump(OUT_TEXT, false, l, 3, NULL), HDR
	    "0x0000000000001000 0x0000000000004000      12K   4K rw- super - WB  AD 0x0000000000005000\n");
}

/* With CR0.WP clear, ring 0 may write read-only pages: the header says
 * so, and only then. */
static void
test_wp_clear_note(void **state)
{
	struct walk_leaf l[] = {
		leaf(0x1000, 0x5000, K4, X86PT_F_P | X86PT_F_A | X86PT_F_NX,
		    false, false, false),
	};
	const char *line = "0x0000000000001000 0x0000000000002000       4K   4K "
	    "r-- super - WB  A- 0x0000000000005000\n";
	char want[512];

	(void)state;
	l[0].eff.sup_write = true;
	snprintf(want, sizeof want, "# cpu 1, cr3 0x200000, 4-level paging\n"
	    "# CR0.WP=0: ring 0 ignores RW and may write the read-only pages too\n"
	    "# start            end                    size page rwx priv  G mem ad physical\n"
	    "%s", line);
	expect(dump_cr0(X86PT_CR0_PG, OUT_TEXT, false, l, 1, NULL), want);
	l[0].eff.sup_write = false;
	snprintf(want, sizeof want, HDR "%s", line);
	expect(dump_cr0(X86PT_CR0_PG | X86PT_CR0_WP, OUT_TEXT, false, l, 1,
	    NULL), want);
}

static void
test_pa_gap_breaks(void **state)
{
	struct walk_leaf l[] = {
		leaf(0x1000, 0x5000, K4, F_DATA, true, false, false),
		leaf(0x2000, 0x7000, K4, F_DATA, true, false, false),
	};

	(void)state;
	expect(dump(OUT_TEXT, false, l, 2, NULL), HDR
	    "0x0000000000001000 0x0000000000002000       4K   4K rw- super - WB  AD 0x0000000000005000\n"
	    "0x0000000000002000 0x0000000000003000       4K   4K rw- super - WB  AD 0x0000000000007000\n");
}

static void
test_va_gap_breaks(void **state)
{
	struct walk_leaf l[] = {
		leaf(0x1000, 0x5000, K4, F_DATA, true, false, false),
		leaf(0x3000, 0x6000, K4, F_DATA, true, false, false),
	};

	(void)state;
	expect(dump(OUT_TEXT, false, l, 2, NULL), HDR
	    "0x0000000000001000 0x0000000000002000       4K   4K rw- super - WB  AD 0x0000000000005000\n"
	    "0x0000000000003000 0x0000000000004000       4K   4K rw- super - WB  AD 0x0000000000006000\n");
}

static void
test_flag_change_breaks(void **state)
{
	/* The second page was never written: D clear. */
	struct walk_leaf l[] = {
		leaf(0x1000, 0x5000, K4, F_DATA, true, false, false),
		leaf(0x2000, 0x6000, K4, F_DATA & ~X86PT_F_D, true, false, false),
		leaf(0x3000, 0x7000, K4, (F_DATA & ~X86PT_F_D) | X86PT_F_G, true, false, false),
	};

	(void)state;
	expect(dump(OUT_TEXT, false, l, 3, NULL), HDR
	    "0x0000000000001000 0x0000000000002000       4K   4K rw- super - WB  AD 0x0000000000005000\n"
	    "0x0000000000002000 0x0000000000003000       4K   4K rw- super - WB  A- 0x0000000000006000\n"
	    "0x0000000000003000 0x0000000000004000       4K   4K rw- super G WB  A- 0x0000000000007000\n");
}

static void
test_page_size_change_breaks(void **state)
{
	/* A 2M page then a 4K page right after it, contiguous in VA and PA. */
	struct walk_leaf l[] = {
		leaf(0x200000, 0x200000, M2, F_DATA | X86PT_F_PS, true, false, false),
		leaf(0x400000, 0x400000, K4, F_DATA | X86PT_F_PS, true, false, false),
		leaf(0x401000, 0x401000, K4, F_DATA | X86PT_F_PS, true, false, false),
	};

	(void)state;
	expect(dump(OUT_TEXT, false, l, 3, NULL), HDR
	    "0x0000000000200000 0x0000000000400000       2M   2M rw- super - WB  AD 0x0000000000200000\n"
	    "0x0000000000400000 0x0000000000402000       8K   4K rw- super - WB  AD 0x0000000000400000\n");
}

static void
test_two_huge_pages_coalesce(void **state)
{
	struct walk_leaf l[] = {
		leaf(0, 0, G1, F_DATA | X86PT_F_PS, true, false, false),
		leaf(G1, G1, G1, F_DATA | X86PT_F_PS, true, false, false),
		leaf(2 * G1, 2 * G1, G1, F_DATA | X86PT_F_PS, true, false, false),
	};

	(void)state;
	expect(dump(OUT_TEXT, false, l, 3, NULL), HDR
	    "0x0000000000000000 0x00000000c0000000       3G   1G rw- super - WB  AD 0x0000000000000000\n");
}

static void
test_eff_change_breaks(void **state)
{
	/* Equal leaf flags, but an upper level takes away write, then
	 * user access is granted: three ranges. */
	struct walk_leaf l[] = {
		leaf(0x1000, 0x5000, K4, F_DATA, true, false, false),
		leaf(0x2000, 0x6000, K4, F_DATA, false, false, false),
		leaf(0x3000, 0x7000, K4, F_DATA, false, true, false),
	};

	(void)state;
	expect(dump(OUT_TEXT, false, l, 3, NULL), HDR
	    "0x0000000000001000 0x0000000000002000       4K   4K rw- super - WB  AD 0x0000000000005000\n"
	    "0x0000000000002000 0x0000000000003000       4K   4K r-- super - WB  AD 0x0000000000006000\n"
	    "0x0000000000003000 0x0000000000004000       4K   4K r-- user  - WB  AD 0x0000000000007000\n");
}

static void
test_memtype_and_rsvd_break(void **state)
{
	struct walk_leaf l[] = {
		leaf(0x1000, 0x5000, K4, F_DATA, true, false, false),
		leaf(0x2000, 0x6000, K4, F_DATA, true, false, false),
		leaf(0x3000, 0x7000, K4, F_DATA, true, false, false),
	};

	(void)state;
	l[1].memtype_name = "UC";
	l[2].memtype_name = "UC";
	l[2].rsvd = 1ull << 51;
	expect(dump(OUT_TEXT, false, l, 3, NULL), HDR
	    "0x0000000000001000 0x0000000000002000       4K   4K rw- super - WB  AD 0x0000000000005000\n"
	    "0x0000000000002000 0x0000000000003000       4K   4K rw- super - UC  AD 0x0000000000006000\n"
	    "0x0000000000003000 0x0000000000004000       4K   4K rw- super - UC  AD 0x0000000000007000 RSVD=0x8000000000000\n");
}

static void
test_pages_never_coalesce(void **state)
{
	struct walk_leaf l[] = {
		leaf(0x1000, 0x5000, K4, F_DATA, true, false, false),
		leaf(0x2000, 0x6000, K4, F_DATA, true, false, false),
	};

	(void)state;
	expect(dump(OUT_TEXT, true, l, 2, NULL), HDR
	    "0x0000000000001000 0x0000000000002000       4K   4K rw- super - WB  AD 0x0000000000005000\n"
	    "0x0000000000002000 0x0000000000003000       4K   4K rw- super - WB  AD 0x0000000000006000\n");
	expect(dump(OUT_JSON, true, l, 2, NULL),
	    "{\"cpu\":1,\"cr3\":\"0x200000\",\"mode\":\"4-level\",\"ranges\":[\n"
	    "{\"va\":\"0x1000\",\"end\":\"0x2000\",\"pa\":\"0x5000\",\"page_size\":4096,\"level\":1,"
	    "\"flags\":[\"P\",\"RW\",\"A\",\"D\",\"NX\"],"
	    "\"eff\":{\"write\":true,\"user\":false,\"exec\":false},\"memtype\":\"WB\"},\n"
	    "{\"va\":\"0x2000\",\"end\":\"0x3000\",\"pa\":\"0x6000\",\"page_size\":4096,\"level\":1,"
	    "\"flags\":[\"P\",\"RW\",\"A\",\"D\",\"NX\"],"
	    "\"eff\":{\"write\":true,\"user\":false,\"exec\":false},\"memtype\":\"WB\"}"
	    "],\"truncated\":false,\"notes\":[]}\n");
}

/* A note ends the range being built: the leaves around it do not join. */
static void
test_note_splits_range(void **state)
{
	static const struct walk_stats none;
	struct walk_leaf a = leaf(0x1000, 0x5000, K4, F_DATA, true, false, false);
	struct walk_leaf b = leaf(0x2000, 0x6000, K4, F_DATA, true, false, false);
	struct walk_note n;
	struct fmt_regs r;
	struct fmt_dump d;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	memset(&r, 0, sizeof r);
	r.cpu = -1;
	r.mode = X86PT_MODE_4LEVEL;
	memset(&n, 0, sizeof n);
	n.kind = WALK_NOTE_RSVD;
	n.level = X86PT_L1;
	n.va = 0x2000;
	n.size = 0x1000;
	n.entry_pa = 0x203010;
	n.raw = 0x0008000000006063ull;
	n.rsvd = 1ull << 51;
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	fmt_dump_begin(&d, f, OUT_TEXT, false, false, &r, 0x200000);
	assert_int_equal(fmt_dump_leaf(&d, &a), 0);
	assert_int_equal(fmt_dump_note(&d, &n), 0);
	assert_int_equal(fmt_dump_leaf(&d, &b), 0);
	assert_int_equal(fmt_dump_end(&d, &none), 0);
	fclose(f);
	expect(buf, HDR_NOCPU
	    "0x0000000000001000 0x0000000000002000       4K   4K rw- super - WB  AD 0x0000000000005000\n"
	    "! PTE at 0x203010 = 0x0008000000006063 has reserved bits 0x8000000000000: "
	    "accesses to 0x0000000000002000+0x1000 fault\n"
	    "0x0000000000002000 0x0000000000003000       4K   4K rw- super - WB  AD 0x0000000000006000\n");
	assert_int_equal(d.nranges, 2);
	assert_int_equal(d.nnotes, 1);
}

/* ---- the top of the address space ------------------------------------ */

static void
test_top_page_ends_at_2_64(void **state)
{
	struct walk_leaf l[] = {
		leaf(0xffffffffffffe000ull, 0x8000, K4, F_DATA, true, false, false),
		leaf(0xfffffffffffff000ull, 0x9000, K4, F_DATA, true, false, false),
	};

	(void)state;
	expect(dump(OUT_TEXT, false, l, 2, NULL), HDR
	    "0xffffffffffffe000 0x0000000000000000       8K   4K rw- super - WB  AD 0x0000000000008000\n");
	expect(dump(OUT_TEXT, true, &l[1], 1, NULL), HDR
	    "0xfffffffffffff000 0x0000000000000000       4K   4K rw- super - WB  AD 0x0000000000009000\n");
	expect(dump(OUT_JSON, false, l, 2, NULL),
	    "{\"cpu\":1,\"cr3\":\"0x200000\",\"mode\":\"4-level\",\"ranges\":[\n"
	    "{\"va\":\"0xffffffffffffe000\",\"end\":\"0x10000000000000000\",\"pa\":\"0x8000\","
	    "\"page_size\":4096,\"level\":1,\"flags\":[\"P\",\"RW\",\"A\",\"D\",\"NX\"],"
	    "\"eff\":{\"write\":true,\"user\":false,\"exec\":false},\"memtype\":\"WB\"}"
	    "],\"truncated\":false,\"notes\":[]}\n");
}

/* ---- JSON ------------------------------------------------------------ */

static void
test_json_one_range_exact(void **state)
{
	struct walk_leaf l[] = {
		leaf(0x1000, 0x5000, K4, X86PT_F_P | X86PT_F_RW | X86PT_F_NX, true, false, false),
		leaf(0x2000, 0x6000, K4, X86PT_F_P | X86PT_F_RW | X86PT_F_NX, true, false, false),
	};

	(void)state;
	expect(dump(OUT_JSON, false, l, 2, NULL),
	    "{\"cpu\":1,\"cr3\":\"0x200000\",\"mode\":\"4-level\",\"ranges\":[\n"
	    "{\"va\":\"0x1000\",\"end\":\"0x3000\",\"pa\":\"0x5000\",\"page_size\":4096,"
	    "\"level\":1,\"flags\":[\"P\",\"RW\",\"NX\"],"
	    "\"eff\":{\"write\":true,\"user\":false,\"exec\":false},\"memtype\":\"WB\"}"
	    "],\"truncated\":false,\"notes\":[]}\n");
}

static void
test_json_every_flag_in_contract_order(void **state)
{
	/* The contract's order: P RW US PWT PCD A D PS G PAT NX. */
	struct walk_leaf l = leaf(0x40000000, 0x40000000, G1,
	    (1u << X86PT_F_COUNT) - 1, true, true, false);

	(void)state;
	l.memtype_name = "UC";
	expect(dump(OUT_JSON, false, &l, 1, NULL),
	    "{\"cpu\":1,\"cr3\":\"0x200000\",\"mode\":\"4-level\",\"ranges\":[\n"
	    "{\"va\":\"0x40000000\",\"end\":\"0x80000000\",\"pa\":\"0x40000000\","
	    "\"page_size\":1073741824,\"level\":3,"
	    "\"flags\":[\"P\",\"RW\",\"US\",\"PWT\",\"PCD\",\"A\",\"D\",\"PS\",\"G\",\"PAT\",\"NX\"],"
	    "\"eff\":{\"write\":true,\"user\":true,\"exec\":false},\"memtype\":\"UC\"}"
	    "],\"truncated\":false,\"notes\":[]}\n");
}

/* JSON keeps the notes text prints (a reserved-bit note here, and CR0.WP=0)
 * and gives them after the ranges, one per line, without "flags" (so
 * that nothing reads them as leaves). */
static void
test_json_notes(void **state)
{
	static const struct walk_stats none;
	struct walk_leaf a = leaf(0x1000, 0x5000, K4, F_DATA, true, false, false);
	struct walk_note n;
	struct fmt_regs r;
	struct fmt_dump d;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	memset(&r, 0, sizeof r);
	r.cpu = 0;
	r.cr0 = X86PT_CR0_PG;	/* WP clear */
	r.mode = X86PT_MODE_4LEVEL;
	memset(&n, 0, sizeof n);
	n.kind = WALK_NOTE_RSVD;
	n.level = X86PT_L1;
	n.va = 0x2000;
	n.size = 0x1000;
	n.entry_pa = 0x203010;
	n.raw = 0x0008000000006063ull;
	n.rsvd = 1ull << 51;
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	fmt_dump_begin(&d, f, OUT_JSON, false, false, &r, 0x200000);
	assert_int_equal(fmt_dump_leaf(&d, &a), 0);
	assert_int_equal(fmt_dump_note(&d, &n), 0);
	assert_int_equal(fmt_dump_end(&d, &none), 0);
	fclose(f);
	expect(buf, "{\"cpu\":0,\"cr3\":\"0x200000\",\"mode\":\"4-level\",\"ranges\":[\n"
	    "{\"va\":\"0x1000\",\"end\":\"0x2000\",\"pa\":\"0x5000\",\"page_size\":4096,"
	    "\"level\":1,\"flags\":[\"P\",\"RW\",\"A\",\"D\",\"NX\"],\"eff\":{\"write\":true,"
	    "\"user\":false,\"exec\":false},\"memtype\":\"WB\"}],\"truncated\":false,"
	    "\"notes\":[\n{\"kind\":\"cr0_wp0\",\"detail\":\"ring 0 ignores RW and may "
	    "write the read-only pages too\"},\n{\"kind\":\"rsvd\",\"level\":1,"
	    "\"entry_pa\":\"0x203010\",\"raw\":\"0x8000000006063\",\"from\":\"0x2000\","
	    "\"size\":\"0x1000\",\"rsvd\":\"0x8000000000000\"}]}\n");
}

static void
test_json_empty_and_truncated(void **state)
{
	struct walk_stats st;
	struct walk_leaf l = leaf(0x1000, 0x5000, K4, X86PT_F_P, false, false, true);

	(void)state;
	expect(dump(OUT_JSON, false, NULL, 0, NULL),
	    "{\"cpu\":1,\"cr3\":\"0x200000\",\"mode\":\"4-level\",\"ranges\":["
	    "],\"truncated\":false,\"notes\":[]}\n");
	memset(&st, 0, sizeof st);
	st.truncated = true;
	st.leaves = 1;
	st.resume_va = 0x2000;
	expect(dump(OUT_JSON, false, &l, 1, &st),
	    "{\"cpu\":1,\"cr3\":\"0x200000\",\"mode\":\"4-level\",\"ranges\":[\n"
	    "{\"va\":\"0x1000\",\"end\":\"0x2000\",\"pa\":\"0x5000\",\"page_size\":4096,"
	    "\"level\":1,\"flags\":[\"P\"],"
	    "\"eff\":{\"write\":false,\"user\":false,\"exec\":true},\"memtype\":\"WB\"}"
	    "],\"truncated\":true,\"resume_va\":\"0x2000\",\"notes\":[]}\n");
}

/* ---- text endings ---------------------------------------------------- */

static void
test_text_truncated_and_empty(void **state)
{
	struct walk_stats st;
	struct walk_leaf l[] = {
		leaf(0x100000, 0x100000, K4, X86PT_F_P | X86PT_F_A, false, false, true),
		leaf(0x101000, 0x101000, K4, X86PT_F_P | X86PT_F_A, false, false, true),
		leaf(0x102000, 0x102000, K4, X86PT_F_P | X86PT_F_A, false, false, true),
	};

	(void)state;
	memset(&st, 0, sizeof st);
	st.truncated = true;
	st.leaves = 3;
	st.resume_va = 0x103000;
	expect(dump(OUT_TEXT, false, l, 3, &st), HDR
	    "0x0000000000100000 0x0000000000103000      12K   4K r-x super - WB  A- 0x0000000000100000\n"
	    "... stopped after 3 entries: the rest, from 0x0000000000103000, is not shown "
	    "(raise --max-entries or narrow the range)\n");
	expect(dump(OUT_TEXT, false, NULL, 0, NULL), HDR
	    "# nothing mapped in this range\n");
}

/* ---- helpers --------------------------------------------------------- */

static void
check_size(uint64_t bytes, const char *want)
{
	char buf[32];

	fmt_size(buf, sizeof buf, bytes);
	assert_string_equal(buf, want);
}

static void
test_fmt_size(void **state)
{
	(void)state;
	check_size(4096, "4K");
	check_size(2 * 1024 * 1024, "2M");
	check_size(1024 * 1024 * 1024, "1G");
	check_size(12288, "12K");
	check_size(3ull << 30, "3G");
	check_size(0, "0");
	check_size(1, "1");
	check_size(1000, "1000");
	check_size(1025, "1025");
	check_size(1536, "1536");
	check_size(1024, "1K");
	check_size(1536 * 1024, "1536K");		/* 1.5M: never rounded */
	check_size(0x203000, "2060K");		/* 2M + 12K */
	check_size(1ull << 40, "1T");
	check_size(512ull << 40, "512T");
	check_size(1ull << 50, "1P");
	check_size(3ull << 60, "3E");
	check_size(1ull << 63, "8E");		/* no unit past E */
	check_size(UINT64_MAX, "18446744073709551615");
}

static void
check_end(uint64_t last, bool pad, const char *want)
{
	char buf[24];

	fmt_end(buf, sizeof buf, last, pad);
	assert_string_equal(buf, want);
}

static void
test_fmt_end(void **state)
{
	(void)state;
	check_end(0x2fff, false, "0x3000");
	check_end(0x2fff, true, "0x0000000000003000");
	check_end(0, false, "0x1");
	check_end(0, true, "0x0000000000000001");
	check_end(0xfffffffffffffffeull, false, "0xffffffffffffffff");
	check_end(0xfffffffffffffffeull, true, "0xffffffffffffffff");
	check_end(UINT64_MAX, false, "0x10000000000000000");
	check_end(UINT64_MAX, true, "0x0000000000000000");
}

/*
 * fmt_text_range builds its line by hand for speed; the printf format it
 * replaced is the oracle, over ranges that take every branch: colour on
 * and off, user, W+X, global, A/D, every memory type name, sizes from
 * 4K to 16E and the top page, reserved bits.
 */
static void
test_text_range_matches_printf(void **state)
{
	static const char *const mts[] = { "WB", "WT", "UC-", "UC", "WC",
	    "WP" };
	static const uint64_t sizes[] = { 0x1000, 0x3000, 0x200000,
	    0x40000000, 0x1234000, 0 };
	unsigned i, c;

	(void)state;
	for (i = 0; i < 48; i++) {
		for (c = 0; c < 2; c++) {
			struct fmt_range r;
			char *buf = NULL, want[400], end[24], size[16], ps[16];
			size_t len = 0;
			FILE *f;
			bool color = c == 1, wx;

			memset(&r, 0, sizeof r);
			r.va = i == 47 ? 0xfffffffffffff000ull :
			    0x1000ull * (i * 977 + 1);
			r.last = sizes[i % 6] == 0 ? UINT64_MAX :
			    r.va + sizes[i % 6] - 1;
			if (i == 46)
				r.va = 0;	/* the whole space: 16E */
			if (i == 47)
				r.last = UINT64_MAX;
			r.pa = 0xabcdef000ull * i;
			r.page_size = i % 3 == 0 ? 0x1000 : i % 3 == 1 ?
			    0x200000 : 0x40000000;
			r.flags = (i & 1 ? X86PT_F_G : 0) |
			    (i & 2 ? X86PT_F_A : 0) | (i & 4 ? X86PT_F_D : 0);
			r.eff.write = i & 8;
			r.eff.exec = i & 16;
			r.eff.user = i & 32;
			r.memtype = mts[i % 6];
			r.rsvd = i % 7 == 0 ? 1ull << 51 : 0;
			f = open_memstream(&buf, &len);
			assert_non_null(f);
			fmt_text_range(f, &r, color);
			fclose(f);
			fmt_end(end, sizeof end, r.last, true);
			fmt_size(size, sizeof size, r.last - r.va + 1);
			if (r.va == 0 && r.last == UINT64_MAX)
				snprintf(size, sizeof size, "16E");
			fmt_size(ps, sizeof ps, r.page_size);
			wx = r.eff.write && r.eff.exec;
			snprintf(want, sizeof want, "0x%016" PRIx64 " %-19s %7s "
			    "%4s %s%c%c%c%s %s%-5s%s %c %-3s %c%c 0x%016" PRIx64
			    "%s%s\n", r.va, end, size, ps,
			    color && wx ? "\033[31m" : "", 'r',
			    r.eff.write ? 'w' : '-', r.eff.exec ? 'x' : '-',
			    color && wx ? "\033[0m" : "",
			    color && r.eff.user ? "\033[33m" : "",
			    r.eff.user ? "user" : "super",
			    color && r.eff.user ? "\033[0m" : "",
			    (r.flags & X86PT_F_G) ? 'G' : '-', r.memtype,
			    (r.flags & X86PT_F_A) ? 'A' : '-',
			    (r.flags & X86PT_F_D) ? 'D' : '-', r.pa,
			    r.rsvd ? " RSVD=0x8000000000000" : "", "");
			if (strcmp(buf, want) != 0)
				fail_msg("range %u colour %u:\n got  %s want %s",
				    i, c, buf, want);
			free(buf);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_hex_matches_printf),
		cmocka_unit_test(test_contiguous_leaves_coalesce),
		cmocka_unit_test(test_wp_clear_note),
		cmocka_unit_test(test_pa_gap_breaks),
		cmocka_unit_test(test_va_gap_breaks),
		cmocka_unit_test(test_flag_change_breaks),
		cmocka_unit_test(test_page_size_change_breaks),
		cmocka_unit_test(test_two_huge_pages_coalesce),
		cmocka_unit_test(test_eff_change_breaks),
		cmocka_unit_test(test_memtype_and_rsvd_break),
		cmocka_unit_test(test_pages_never_coalesce),
		cmocka_unit_test(test_note_splits_range),
		cmocka_unit_test(test_top_page_ends_at_2_64),
		cmocka_unit_test(test_json_one_range_exact),
		cmocka_unit_test(test_json_every_flag_in_contract_order),
		cmocka_unit_test(test_json_empty_and_truncated),
		cmocka_unit_test(test_json_notes),
		cmocka_unit_test(test_text_truncated_and_empty),
		cmocka_unit_test(test_fmt_size),
		cmocka_unit_test(test_fmt_end),
		cmocka_unit_test(test_text_range_matches_printf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
