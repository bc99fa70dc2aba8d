/*
 * Unit tests for symbols.c.  The ELF reader is checked against this very
 * binary (the runtime addresses of its own functions are the oracle) and
 * against a small ELF32 laid out by hand; the map reader against small
 * files written into a mktemp directory.
 */
#include <elf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "symbols.h"

#define FIX_FILES 32

/* The group's scratch directory and the files written into it. */
struct fix {
	char dir[64];
	char files[FIX_FILES][128];
	int nfiles;
};

static int
group_setup(void **state)
{
	struct fix *f = calloc(1, sizeof *f);
	const char *tmp = getenv("TMPDIR");

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof f->dir, "%s/test_symbols.XXXXXX",
	    tmp && *tmp && strlen(tmp) < 32 ? tmp : "/tmp");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int
group_teardown(void **state)
{
	struct fix *f = *state;
	int i;

	for (i = 0; i < f->nfiles; i++)
		unlink(f->files[i]);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Write LEN bytes of DATA to NAME in the scratch directory; its path. */
static const char *
put(void **state, const char *name, const void *data, size_t len)
{
	struct fix *f = *state;
	char tmp[sizeof f->files[0]], *path;
	FILE *fp;

	assert_true(f->nfiles < FIX_FILES);
	snprintf(tmp, sizeof tmp, "%s/%s", f->dir, name);
	path = memcpy(f->files[f->nfiles++], tmp, sizeof tmp);
	fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
	return path;
}

static const char *
put_text(void **state, const char *name, const char *text)
{
	return put(state, name, text, strlen(text));
}

static struct sym_table *
table(void)
{
	struct pt_err e;
	struct sym_table *t = sym_new(&e);

	assert_non_null(t);
	return t;
}

static uint64_t
lookup(const struct sym_table *t, const char *name)
{
	uint64_t a = 0xdead;

	assert_int_equal(sym_lookup(t, name, strlen(name), &a), 0);
	return a;
}

/* sym_at and sym_format agree that ADDR is NAME+OFF (NAME NULL: none). */
static void
check_at(const struct sym_table *t, uint64_t addr, const char *name,
    uint64_t off)
{
	char want[256], got[256];
	uint64_t o = 0xdead;
	const char *s = sym_at(t, addr, &o);

	if (name == NULL) {
		assert_null(s);
		assert_false(sym_format(t, addr, got, sizeof got));
		assert_string_equal(got, "");
		return;
	}
	assert_non_null(s);
	assert_string_equal(s, name);
	assert_true(o == off);
	if (off == 0)
		snprintf(want, sizeof want, "%s", name);
	else
		snprintf(want, sizeof want, "%s+0x%llx", name,
		    (unsigned long long)off);
	assert_true(sym_format(t, addr, got, sizeof got));
	assert_string_equal(got, want);
}

/* ---- ELF: this test binary -------------------------------------------- */

int main(void);

/* Oracles: their runtime addresses are what the symbols must give. */
__attribute__((noinline)) static unsigned
oracle_function(unsigned x)
{
	volatile unsigned v = x;

	return v * 2654435761u + (v >> 3);
}

static unsigned oracle_object[16] = { 1, 2, 3 };

static void
test_elf_self(void **state)
{
	struct sym_table *t = table();
	uint64_t main_val, shift, fn = (uintptr_t)&oracle_function;
	struct pt_err e;

	(void)state;
	assert_true(oracle_function(3) != 0 && oracle_object[0] == 1);
	assert_true(sym_add_file(t, "/proc/self/exe", 0, &e) > 20);
	/* The PIE's load shift, from main alone. */
	main_val = lookup(t, "main");
	shift = (uintptr_t)&main - main_val;
	sym_clear(t);
	assert_int_equal(sym_count(t), 0);
	assert_true(sym_add_file(t, "/proc/self/exe", shift, &e) > 20);
	assert_true(lookup(t, "main") == (uintptr_t)&main);
	assert_true(lookup(t, "oracle_function") == fn);
	assert_true(lookup(t, "oracle_object") == (uintptr_t)oracle_object);
	check_at(t, fn, "oracle_function", 0);
	check_at(t, fn + 5, "oracle_function", 5);
	check_at(t, (uintptr_t)&oracle_object[2], "oracle_object", 8);
	assert_string_equal(sym_section_at(t, fn + 5), ".text");
	assert_string_equal(sym_section_at(t, (uintptr_t)oracle_object),
	    ".data");
	assert_string_equal(sym_complete(t, "oracle_", 0), "oracle_function");
	assert_string_equal(sym_complete(t, "oracle_", 1), "oracle_object");
	assert_null(sym_complete(t, "oracle_", 2));
	sym_free(t);
}

/* ---- ELF: an ELF32 laid out by hand ----------------------------------- */

enum { S_TEXT = 1, S_DATA, S_COMMENT, S_SYMTAB, S_STRTAB, S_SHSTRTAB, S_N };

struct esym {
	const char *name;
	uint32_t value, size;
	unsigned char info;
	uint16_t shndx;
};

#define L(t) ELF32_ST_INFO(STB_LOCAL, STT_##t)
#define G(t) ELF32_ST_INFO(STB_GLOBAL, STT_##t)
#define W(t) ELF32_ST_INFO(STB_WEAK, STT_##t)

/* .text is 0x1000..0x10ff, .data 0x2000..0x203f. */
static const struct esym esyms[] = {
	{ "t.c", 0, 0, L(FILE), SHN_ABS },		/* skipped */
	{ "", 0x1000, 0, L(SECTION), S_TEXT },		/* skipped */
	{ "helper", 0x1000, 0x20, L(FUNC), S_TEXT },
	{ "$x", 0x1000, 0, L(NOTYPE), S_TEXT },		/* skipped */
	{ "dup", 0x1030, 0x10, L(FUNC), S_TEXT },
	{ "table", 0x2000, 8, L(OBJECT), S_DATA },
	{ "local_fn", 0x10c0, 8, L(FUNC), S_TEXT },
	{ "tlsvar", 0, 4, L(TLS), S_DATA },		/* skipped */
	{ "entry", 0x1040, 0x30, G(FUNC), S_TEXT },
	{ "entry_alias", 0x1040, 0, G(NOTYPE), S_TEXT },
	{ "dup", 0x1080, 0x10, G(FUNC), S_TEXT },
	{ "_etext", 0x1100, 0, G(NOTYPE), S_TEXT },
	{ "label", 0x10c0, 0, G(NOTYPE), S_TEXT },
	{ "printf", 0, 0, G(FUNC), SHN_UNDEF },		/* skipped */
	{ "weakobj", 0x2010, 4, W(OBJECT), S_DATA },
	{ "obj_alias", 0x2010, 0, G(OBJECT), S_DATA },
	{ "absval", 0x5000, 0, G(NOTYPE), SHN_ABS },
	{ "common", 4, 16, G(OBJECT), SHN_COMMON },	/* skipped */
};
#define ESYMS_KEPT 12
#define ESYMS_LOCAL 8	/* the first 8 are local */

/* An ELF32 file with esyms in a section of type SYMTYPE (0: none). */
static size_t
make_elf32(unsigned char *buf, size_t cap, uint32_t symtype)
{
	static const char shstr[] =
	    "\0.text\0.data\0.comment\0.symtab\0.strtab\0.shstrtab";
	static const uint32_t shname[S_N] = { 0, 1, 7, 13, 22, 30, 38 };
	const size_t nsym = 1 + sizeof esyms / sizeof esyms[0];
	Elf32_Ehdr *eh = (Elf32_Ehdr *)buf;
	Elf32_Shdr sh[S_N];
	Elf32_Sym *sym;
	size_t i, symoff = 0x300, stroff, shstroff, shoff, len = 1;

	memset(buf, 0, cap);
	memset(sh, 0, sizeof sh);
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS32;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_386;
	eh->e_version = EV_CURRENT;
	eh->e_ehsize = sizeof *eh;
	eh->e_shentsize = sizeof sh[0];
	eh->e_shnum = S_N;
	eh->e_shstrndx = S_SHSTRTAB;
	stroff = symoff + nsym * sizeof *sym;
	sym = (Elf32_Sym *)(buf + symoff);
	for (i = 0; i + 1 < nsym; i++) {
		const struct esym *s = &esyms[i];

		sym[i + 1] = (Elf32_Sym){ .st_name = (Elf32_Word)len,
		    .st_value = s->value, .st_size = s->size,
		    .st_info = s->info, .st_shndx = s->shndx };
		memcpy(buf + stroff + len, s->name, strlen(s->name) + 1);
		len += strlen(s->name) + 1;
	}
	shstroff = stroff + len;
	memcpy(buf + shstroff, shstr, sizeof shstr);
	shoff = (shstroff + sizeof shstr + 3) & ~(size_t)3;
	assert_true(shoff + sizeof sh <= cap);
	sh[S_TEXT] = (Elf32_Shdr){ .sh_type = SHT_PROGBITS, .sh_flags =
	    SHF_ALLOC | SHF_EXECINSTR, .sh_addr = 0x1000, .sh_offset = 0x100,
	    .sh_size = 0x100, .sh_addralign = 16 };
	sh[S_DATA] = (Elf32_Shdr){ .sh_type = SHT_PROGBITS, .sh_flags =
	    SHF_ALLOC | SHF_WRITE, .sh_addr = 0x2000, .sh_offset = 0x200,
	    .sh_size = 0x40, .sh_addralign = 4 };
	sh[S_COMMENT] = (Elf32_Shdr){ .sh_type = SHT_PROGBITS,
	    .sh_offset = 0x240, .sh_size = 4, .sh_addralign = 1 };
	sh[S_SYMTAB] = (Elf32_Shdr){ .sh_type = symtype ? symtype :
	    SHT_PROGBITS, .sh_offset = (Elf32_Off)symoff,
	    .sh_size = (Elf32_Word)(nsym * sizeof *sym), .sh_link = S_STRTAB,
	    .sh_info = 1 + ESYMS_LOCAL, .sh_addralign = 4,
	    .sh_entsize = sizeof *sym };
	sh[S_STRTAB] = (Elf32_Shdr){ .sh_type = SHT_STRTAB,
	    .sh_offset = (Elf32_Off)stroff, .sh_size = (Elf32_Word)len,
	    .sh_addralign = 1 };
	sh[S_SHSTRTAB] = (Elf32_Shdr){ .sh_type = SHT_STRTAB,
	    .sh_offset = (Elf32_Off)shstroff, .sh_size = sizeof shstr,
	    .sh_addralign = 1 };
	for (i = 0; i < S_N; i++)
		sh[i].sh_name = shname[i];
	eh->e_shoff = (Elf32_Off)shoff;
	memcpy(buf + shoff, sh, sizeof sh);
	return shoff + sizeof sh;
}

static const struct {
	uint64_t addr;
	const char *name;	/* NULL: no symbol covers addr */
	uint64_t off;
} elf32_at[] = {
	{ 0xfff, NULL, 0 },
	{ 0x1000, "helper", 0 },	/* '$x' is skipped */
	{ 0x101f, "helper", 0x1f },
	{ 0x1020, NULL, 0 },		/* past helper's size */
	{ 0x1035, "dup", 5 },		/* the local one */
	{ 0x1040, "entry", 0 },		/* FUNC beats NOTYPE */
	{ 0x106f, "entry", 0x2f },
	{ 0x1070, "entry_alias", 0x30 },	/* covers to .text's end */
	{ 0x1080, "dup", 0 },
	{ 0x1090, NULL, 0 },
	{ 0x10c0, "label", 0 },		/* global beats FUNC */
	{ 0x10c4, "label", 4 },
	{ 0x10ff, "label", 0x3f },
	{ 0x1100, "_etext", 0 },	/* an end marker names itself */
	{ 0x1101, NULL, 0 },
	{ 0x2004, "table", 4 },
	{ 0x2008, NULL, 0 },
	{ 0x2010, "weakobj", 0 },	/* weak is global; sized wins */
	{ 0x2014, "obj_alias", 4 },
	{ 0x203f, "obj_alias", 0x2f },
	{ 0x2040, NULL, 0 },
	{ 0x5000, "absval", 0 },
	{ 0x5001, NULL, 0 },		/* absolute: only itself */
};

static void
test_elf32_by_hand(void **state)
{
	static unsigned char buf[4096];
	size_t n = make_elf32(buf, sizeof buf, SHT_SYMTAB), i;
	const char *path = put(state, "hand32.elf", buf, n);
	struct sym_table *t = table();
	struct pt_err e;

	assert_int_equal(sym_add_file(t, path, 0, &e), ESYMS_KEPT);
	assert_int_equal(sym_count(t), ESYMS_KEPT);
	for (i = 0; i < sizeof elf32_at / sizeof elf32_at[0]; i++)
		check_at(t, elf32_at[i].addr, elf32_at[i].name,
		    elf32_at[i].off);
	assert_true(lookup(t, "dup") == 0x1080);	/* the global */
	assert_true(lookup(t, "table") == 0x2000);
	assert_int_equal(sym_lookup(t, "printf", 6, &(uint64_t){ 0 }), -1);
	assert_int_equal(sym_lookup(t, "$x", 2, &(uint64_t){ 0 }), -1);
	assert_int_equal(sym_lookup(t, "t.c", 3, &(uint64_t){ 0 }), -1);
	assert_int_equal(sym_lookup(t, "common", 6, &(uint64_t){ 0 }), -1);
	assert_string_equal(sym_section_at(t, 0x1000), ".text");
	assert_string_equal(sym_section_at(t, 0x10ff), ".text");
	assert_null(sym_section_at(t, 0x1100));
	assert_string_equal(sym_section_at(t, 0x203f), ".data");
	assert_null(sym_section_at(t, 0x2040));
	assert_null(sym_section_at(t, 0));	/* .comment is not loaded */
	assert_string_equal(sym_complete(t, "dup", 0), "dup");
	assert_null(sym_complete(t, "dup", 1));
	sym_clear(t);

	/* Shifted; and the same symbols from a .dynsym alone. */
	assert_int_equal(sym_add_file(t, path, 0x10000, &e), ESYMS_KEPT);
	check_at(t, 0x11045, "entry", 5);
	assert_string_equal(sym_section_at(t, 0x11000), ".text");
	assert_null(sym_section_at(t, 0x1000));
	sym_clear(t);
	n = make_elf32(buf, sizeof buf, SHT_DYNSYM);
	path = put(state, "dyn32.elf", buf, n);
	assert_int_equal(sym_add_file(t, path, 0, &e), ESYMS_KEPT);
	assert_true(lookup(t, "dup") == 0x1080);

	/* Stripped, then cut short: errors, and nothing added. */
	n = make_elf32(buf, sizeof buf, 0);
	path = put(state, "stripped.elf", buf, n);
	assert_int_equal(sym_add_file(t, path, 0, &e), -1);
	assert_int_equal(e.kind, PT_EXIT_USAGE);
	assert_non_null(strstr(e.msg, "stripped.elf: no symbol table"));
	path = put(state, "short.elf", buf, 40);
	assert_int_equal(sym_add_file(t, path, 0, &e), -1);
	assert_non_null(strstr(e.msg, "short.elf: bad ELF file"));
	assert_int_equal(sym_count(t), ESYMS_KEPT);
	assert_null(sym_section_at(t, 0x3000));
	sym_free(t);
}

/* ---- System.map / kallsyms -------------------------------------------- */

static const char map_text[] =
    "# a comment line is junk\n"
    "ffffffff81000000 T _text\n"
    "ffffffff81000000 T startup_64\n"
    "ffffffff81000040 t secondary\n"
    "ffffffff81000100 t dup\n"
    "ffffffff81000200 T dup\n"
    "ffffffff81000300 t checkpoint\r\n"
    "ffffffff81000400 D _etext\n"
    "not a symbol line\n"
    "ffffffff8100040g T badhex\n"
    "ffffffff81000500 TT badtype\n"
    "ffffffff81000500 T too many words here\n"
    "                 U undefined_sym\n"
    "ffffffff81000600 U undef_with_addr\n"
    "ffffffff81000700 t $x\n"
    "00000000000001e2 A kexec_size\n"
    "0000000000002000 d percpu_thing\n"
    "ffffffffc0000000 t modfn\t[kvm]\n"
    "ffffffffc0000100 T isr_14 [mod]\n"
    "\n"
    "ffffffffc0000200 b last_one";	/* no final newline */
#define MAP_KEPT 12

static void
test_map_load_and_at(void **state)
{
	const char *path = put_text(state, "System.map", map_text);
	struct sym_table *t = table();
	struct pt_err e;

	assert_int_equal(sym_add_file(t, path, 0, &e), MAP_KEPT);
	assert_int_equal(sym_count(t), MAP_KEPT);
	assert_true(lookup(t, "checkpoint") == 0xffffffff81000300ull);
	assert_true(lookup(t, "dup") == 0xffffffff81000200ull);
	assert_true(lookup(t, "modfn") == 0xffffffffc0000000ull);
	assert_true(lookup(t, "last_one") == 0xffffffffc0000200ull);
	assert_int_equal(sym_lookup(t, "undef_with_addr", 15,
	    &(uint64_t){ 0 }), -1);
	assert_int_equal(sym_lookup(t, "undefined_sym", 13, &(uint64_t){ 0 }),
	    -1);
	assert_int_equal(sym_lookup(t, "badhex", 6, &(uint64_t){ 0 }), -1);
	assert_int_equal(sym_lookup(t, "too", 3, &(uint64_t){ 0 }), -1);
	assert_int_equal(sym_lookup(t, "$x", 2, &(uint64_t){ 0 }), -1);
	/* namelen, not the NUL, bounds the name */
	assert_int_equal(sym_lookup(t, "dupe", 3, &(uint64_t){ 0 }), 0);
	assert_int_equal(sym_lookup(t, "du", 2, &(uint64_t){ 0 }), -1);

	check_at(t, 0, NULL, 0);
	check_at(t, 0x1e2, "kexec_size", 0);
	check_at(t, 0x1e3, NULL, 0);		/* absolute: only itself */
	check_at(t, 0x2000, "percpu_thing", 0);
	check_at(t, 0x2000 + SYM_MAP_SPAN - 1, "percpu_thing",
	    SYM_MAP_SPAN - 1);
	check_at(t, 0x2000 + SYM_MAP_SPAN, NULL, 0);	/* user space */
	check_at(t, 0xffffffff80ffffffull, NULL, 0);
	/* Both global T: the first line wins. */
	check_at(t, 0xffffffff81000000ull, "_text", 0);
	check_at(t, 0xffffffff8100003full, "_text", 0x3f);
	check_at(t, 0xffffffff81000040ull, "secondary", 0);
	check_at(t, 0xffffffff81000101ull, "dup", 1);
	check_at(t, 0xffffffff8100031cull, "checkpoint", 0x1c);
	check_at(t, 0xffffffffc0000100ull, "isr_14", 0);
	check_at(t, 0xffffffffc0000200ull + SYM_MAP_SPAN, NULL, 0);
	assert_null(sym_section_at(t, 0xffffffff81000000ull));
	sym_free(t);
}

static void
test_map_format_and_complete(void **state)
{
	const char *path = put_text(state, "complete.map",
	    "1000 T beta\n1100 T alpha\n1200 t alpha\n1300 T alp\n"
	    "1400 T b\n1500 T alphabet\n");
	struct sym_table *t = table();
	struct pt_err e;
	char small[6];
	size_t i;
	static const char *const al[] = { "alp", "alpha", "alphabet" };

	assert_int_equal(sym_add_file(t, path, 0, &e), 6);
	for (i = 0; i < 3; i++)
		assert_string_equal(sym_complete(t, "al", i), al[i]);
	assert_null(sym_complete(t, "al", 3));
	assert_null(sym_complete(t, "al", SIZE_MAX));
	assert_string_equal(sym_complete(t, "", 0), "alp");
	assert_string_equal(sym_complete(t, "", 4), "beta");
	assert_null(sym_complete(t, "", 5));
	assert_string_equal(sym_complete(t, "b", 0), "b");
	assert_string_equal(sym_complete(t, "b", 1), "beta");
	assert_null(sym_complete(t, "c", 0));
	assert_null(sym_complete(t, "alphabets", 0));
	/* A short buffer truncates; no symbol empties it. */
	assert_true(sym_format(t, 0x1101, small, sizeof small));
	assert_string_equal(small, "alpha");
	assert_false(sym_format(t, 0xfff, small, sizeof small));
	assert_string_equal(small, "");
	assert_true(sym_format(t, 0x1101, small, 0));
	sym_free(t);
}

static void
test_map_offset_and_files(void **state)
{
	const char *a = put_text(state, "a.map",
	    "0000000000001000 t shared\n0000000000002000 T only_a\n");
	const char *b = put_text(state, "b.map",
	    "0000000000003000 t shared\n0000000000000008 T low\n");
	struct sym_table *t = table();
	struct pt_err e;

	assert_int_equal(sym_add_file(t, a, 0xffffffff00000000ull, &e), 2);
	assert_true(lookup(t, "only_a") == 0xffffffff00002000ull);
	/* A negative offset wraps: low-0x10 lands at the top. */
	assert_int_equal(sym_add_file(t, b, (uint64_t)-0x10, &e), 2);
	assert_int_equal(sym_count(t), 4);
	assert_true(lookup(t, "low") == UINT64_MAX - 7);
	/* Equal names, both local: the first file loaded wins. */
	assert_true(lookup(t, "shared") == 0xffffffff00001000ull);
	check_at(t, 0x2ff0 + 4, "shared", 4);
	check_at(t, UINT64_MAX, "low", 7);
	sym_clear(t);
	assert_int_equal(sym_count(t), 0);
	assert_null(sym_at(t, 0x1000, &(uint64_t){ 0 }));
	assert_null(sym_complete(t, "", 0));
	assert_int_equal(sym_add_file(t, b, 0, &e), 2);
	assert_true(lookup(t, "shared") == 0x3000);
	sym_free(t);
}

static void
test_map_errors(void **state)
{
	static const unsigned char binary[] = { 'f', 'f', 0, 1, 2, '\n' };
	struct fix *f = *state;
	const char *good = put_text(state, "good.map", "1000 T keep\n");
	struct sym_table *t = table();
	static const char tail[] = "\n3000 T after\n";
	char missing[192], big[2 * SYM_NAME_MAX];
	struct pt_err e;
	const char *p;
	size_t i;

	assert_int_equal(sym_add_file(t, good, 0, &e), 1);

	snprintf(missing, sizeof missing, "%s/nothere.map", f->dir);
	assert_int_equal(sym_add_file(t, missing, 0, &e), -1);
	assert_int_equal(e.kind, PT_EXIT_USAGE);
	assert_non_null(strstr(e.msg, "nothere.map: No such file"));

	p = put(state, "empty.map", "", 0);
	assert_int_equal(sym_add_file(t, p, 0, &e), -1);
	assert_non_null(strstr(e.msg, "empty.map: empty file"));

	p = put(state, "blob.bin", binary, sizeof binary);
	assert_int_equal(sym_add_file(t, p, 0, &e), -1);
	assert_non_null(strstr(e.msg, "blob.bin: not an ELF file nor a symbol "
	    "map (binary data)"));

	p = put_text(state, "prose.txt", "Hello,\nworld.\n");
	assert_int_equal(sym_add_file(t, p, 0, &e), -1);
	assert_non_null(strstr(e.msg, "prose.txt: not an ELF file nor a "
	    "symbol map (no line reads"));

	p = put_text(state, "kallsyms", "0000000000000000 T a\n"
	    "0000000000000000 t b [mod]\n");
	assert_int_equal(sym_add_file(t, p, 0, &e), -1);
	assert_non_null(strstr(e.msg, "kallsyms: every address is 0"));

	assert_int_equal(sym_add_file(t, f->dir, 0, &e), -1);
	assert_non_null(strstr(e.msg, "Is a directory"));

	/* Failures added nothing. */
	assert_int_equal(sym_count(t), 1);
	assert_true(lookup(t, "keep") == 0x1000);

	/* A line over the limit is junk; the rest still loads. */
	memcpy(big, "2000 T ", 7);
	for (i = 7; i < sizeof big - sizeof tail; i++)
		big[i] = 'x';
	memcpy(big + i, tail, sizeof tail);
	p = put_text(state, "long.map", big);
	assert_int_equal(sym_add_file(t, p, 0, &e), 1);
	assert_true(lookup(t, "after") == 0x3000);
	sym_free(t);
}

/* 150k symbols, as a vmlinux has: every one found both ways. */
static void
test_map_many(void **state)
{
	enum { N = 150000 };
	const size_t cap = (size_t)N * 40;
	char *text = malloc(cap), name[32];
	struct sym_table *t = table();
	struct pt_err e;
	size_t len = 0, i;
	const char *p;

	(void)state;
	assert_non_null(text);
	for (i = 0; i < N; i++)
		len += (size_t)snprintf(text + len, cap - len,
		    "ffffffff%08zx %c sym_%zu\n", 0x1000000 + i * 16,
		    i % 3 ? 't' : 'T', (i * 7919) % N);
	p = put(state, "many.map", text, len);
	free(text);
	assert_int_equal(sym_add_file(t, p, 0, &e), N);
	for (i = 0; i < N; i += 997) {
		uint64_t a = 0xffffffff01000000ull + i * 16;

		snprintf(name, sizeof name, "sym_%zu", (i * 7919) % N);
		assert_true(lookup(t, name) == a);
		check_at(t, a + 15, name, 15);
	}
	assert_string_equal(sym_complete(t, "sym_9999", 0), "sym_9999");
	assert_string_equal(sym_complete(t, "sym_9999", 1), "sym_99990");
	assert_null(sym_complete(t, "sym_9999", 11));
	sym_free(t);
}

/*
 * The sorts against a brute-force oracle: names sharing prefixes, many
 * duplicates, addresses out of order with ties, over two files.
 */
#define ORA_N 3000
#define ORA_NAMES 97

struct ora_line {
	uint64_t addr;
	char type;
	char name[16];
};

static uint32_t
lcg(uint32_t *x)
{
	*x = *x * 1103515245u + 12345u;
	return *x >> 8;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lower is preferred at one address: global, then T/t, then earlier. */
static int
ora_rank(const struct ora_line *l)
{
	return (l->type >= 'a') * 2 + (l->type != 'T' && l->type != 't');
}

static void
test_sort_oracle(void **state)
{
	static const char *const stems[] = { "a", "ab", "abc", "__pfx_ab",
	    "__pfx_abc", "__pfx_b", "z", "\xe9" };
	static const char types[] = "TtDdbR";
	static const uint64_t bases[] = { 0x1000, 0x555500000000ull,
	    0xffff888000000000ull, 0xffffffff81000000ull };
	static struct ora_line l[2 * ORA_N];
	static char text[2][ORA_N * 48];
	static char *sorted[ORA_NAMES];
	struct sym_table *t = table();
	uint32_t x = 12345;
	size_t i, j, len[2] = { 0, 0 }, nsorted = 0;
	struct pt_err e;

	for (i = 0; i < 2 * ORA_N; i++) {
		unsigned nm = lcg(&x) % ORA_NAMES;

		l[i].addr = bases[lcg(&x) % 4] + (lcg(&x) % 512) * 8;
		l[i].type = types[lcg(&x) % 6];
		snprintf(l[i].name, sizeof l[i].name, "%s%.0u",
		    stems[nm % 8], nm / 8);
		len[i / ORA_N] += (size_t)snprintf(text[i / ORA_N] +
		    len[i / ORA_N], sizeof text[0] - len[i / ORA_N],
		    "%016llx %c %s\n", (unsigned long long)l[i].addr,
		    l[i].type, l[i].name);
	}
	assert_int_equal(sym_add_file(t, put(state, "ora1.map", text[0],
	    len[0]), 0, &e), ORA_N);
	assert_int_equal(sym_add_file(t, put(state, "ora2.map", text[1],
	    len[1]), 0, &e), ORA_N);
	for (i = 0; i < 2 * ORA_N; i++) {
		const struct ora_line *want = NULL;
		uint64_t off = 1;

		/* By name: the first global, else the first. */
		for (j = 0; j < 2 * ORA_N; j++)
			if (strcmp(l[j].name, l[i].name) == 0 && (want == NULL ||
			    (want->type >= 'a' && l[j].type < 'a')))
				want = &l[j];
		assert_true(lookup(t, l[i].name) == want->addr);
		/* By address: the best rank, then the first. */
		want = NULL;
		for (j = 0; j < 2 * ORA_N; j++)
			if (l[j].addr == l[i].addr && (want == NULL ||
			    ora_rank(&l[j]) < ora_rank(want)))
				want = &l[j];
		assert_string_equal(sym_at(t, l[i].addr, &off), want->name);
		assert_true(off == 0);
		/* Completion lists each distinct name once, in order. */
		for (j = 0; j < nsorted && strcmp(sorted[j], l[i].name); j++)
			;
		if (j == nsorted) {
			assert_true(nsorted < ORA_NAMES);
			sorted[nsorted++] = l[i].name;
		}
	}
	qsort(sorted, nsorted, sizeof sorted[0], cmp_str);
	for (i = 0; i < nsorted; i++)
		assert_string_equal(sym_complete(t, "", i), sorted[i]);
	assert_null(sym_complete(t, "", nsorted));
	/* A NUL inside the key does not match a shorter name. */
	assert_int_equal(sym_lookup(t, "ab\0c", 4, &(uint64_t){ 0 }), -1);
	sym_free(t);
}

/* ---- expressions ------------------------------------------------------- */

static const char eval_map[] =
    "ffffffff81000000 T _text\n"
    "ffffffff81000000 T startup_64\n"
    "ffffffff81200000 T _etext\n"
    "ffffffff81000300 T checkpoint\n"
    "ffffffff81000400 T isr_14\n"
    "0000000000000010 A small\n"
    "ffffffffffffff00 T top\n"
    "ffffffff81000500 T a-b\n"
    "ffffffff81000600 T a\n";

static const struct {
	const char *expr;
	uint64_t value;
	const char *err;	/* NULL: evaluates to value */
} evals[] = {
	{ "0x1000", 0x1000, NULL },
	{ "4096", 4096, NULL },
	{ "0xffff_8000_0000_0000", 0xffff800000000000ull, NULL },
	{ "checkpoint", 0xffffffff81000300ull, NULL },
	{ "checkpoint+0x40", 0xffffffff81000340ull, NULL },
	{ "checkpoint-16", 0xffffffff810002f0ull, NULL },
	{ "checkpoint+0", 0xffffffff81000300ull, NULL },
	{ "top+0xff", UINT64_MAX, NULL },
	{ "small-0x10", 0, NULL },
	{ "a-b", 0xffffffff81000500ull, NULL },	/* the whole name wins */
	{ "a-b+1", 0xffffffff81000501ull, NULL },
	{ "a-1", 0xffffffff810005ffull, NULL },
	{ "", 0, "missing address" },
	{ "nosuch", 0, "no symbol 'nosuch'" },
	{ "nosuch+4", 0, "no symbol 'nosuch'" },
	{ "checkpoint+0x10zz", 0,
	    "bad address 'checkpoint+0x10zz': '0x10zz' is not a number" },
	{ "checkpoint+", 0, "bad address 'checkpoint+': missing number" },
	{ "checkpoint+isr_14", 0,
	    "bad address 'checkpoint+isr_14': 'isr_14' is not a number" },
	{ "top+0x100", 0, "bad address 'top+0x100': outside 0..2^64-1" },
	{ "small-0x11", 0, "bad address 'small-0x11': outside 0..2^64-1" },
	{ "0x1_0000_0000_0000_0000", 0,
	    "'0x1_0000_0000_0000_0000' does not fit in 64 bits" },
	{ "12z", 0, "'12z' is not a number" },
	{ "0x1000+4", 0, "'0x1000+4' is not a number" },
};

static void
test_eval(void **state)
{
	const char *path = put_text(state, "eval.map", eval_map);
	struct sym_table *t = table(), *none = table();
	struct pt_err e;
	uint64_t v;
	size_t i;

	assert_int_equal(sym_add_file(t, path, 0, &e), 9);
	for (i = 0; i < sizeof evals / sizeof evals[0]; i++) {
		int rc = sym_eval(t, evals[i].expr, &v, &e);

		if (evals[i].err == NULL) {
			assert_int_equal(rc, 0);
			assert_true(v == evals[i].value);
		} else {
			assert_int_equal(rc, -1);
			assert_int_equal(e.kind, PT_EXIT_USAGE);
			assert_string_equal(e.msg, evals[i].err);
		}
	}
	/* Without symbols, numbers still work and names say what to do. */
	assert_int_equal(sym_eval(NULL, "0x2000", &v, &e), 0);
	assert_true(v == 0x2000);
	assert_int_equal(sym_eval(NULL, "checkpoint", &v, &e), -1);
	assert_string_equal(e.msg, "no symbol 'checkpoint' (no symbols "
	    "loaded: try 'symbols FILE')");
	assert_int_equal(sym_eval(none, "x+1", &v, &e), -1);
	assert_string_equal(e.msg,
	    "no symbol 'x' (no symbols loaded: try 'symbols FILE')");
	sym_free(none);
	sym_free(t);
}

static const struct {
	const char *expr;
	uint64_t start, last;
	const char *err;	/* NULL: gives start..last */
} ranges[] = {
	{ "_text-_etext", 0xffffffff81000000ull, 0xffffffff811fffffull, NULL },
	{ "checkpoint+0x40", 0xffffffff81000300ull, 0xffffffff8100033full,
	    NULL },
	{ "isr_14+16", 0xffffffff81000400ull, 0xffffffff8100040full, NULL },
	{ "0x1000-0x2000", 0x1000, 0x1fff, NULL },
	{ "0x1000+0x10", 0x1000, 0x100f, NULL },
	{ "0x1000", 0x1000, 0x1000, NULL },
	{ "checkpoint", 0xffffffff81000300ull, 0xffffffff81000300ull, NULL },
	{ "checkpoint+8-isr_14", 0xffffffff81000308ull,
	    0xffffffff810003ffull, NULL },
	{ "checkpoint+0x10+0x20", 0xffffffff81000310ull,
	    0xffffffff8100032full, NULL },
	{ "checkpoint-16+1", 0xffffffff810002f0ull, 0xffffffff810002f0ull,
	    NULL },
	{ "top-0", 0xffffffffffffff00ull, UINT64_MAX, NULL },
	{ "top+0x100", 0xffffffffffffff00ull, UINT64_MAX, NULL },
	{ "small-0x20", 0x10, 0x1f, NULL },
	{ "a-b-a", 0xffffffff81000500ull, 0xffffffff810005ffull, NULL },
	{ "checkpoint-16", 0, 0,
	    "bad range 'checkpoint-16': end is not above start" },
	{ "_etext-_text", 0, 0,
	    "bad range '_etext-_text': end is not above start" },
	{ "_text-_etxt", 0, 0, "bad range '_text-_etxt': no symbol '_etxt'" },
	{ "_txt-_etext", 0, 0, "bad range '_txt-_etext': no symbol '_txt'" },
	{ "nosuch", 0, 0, "bad range 'nosuch': no symbol 'nosuch'" },
	{ "checkpoint+0x40zz", 0, 0, "bad range 'checkpoint+0x40zz': "
	    "'0x40zz' is not a number" },
	{ "checkpoint+0", 0, 0, "bad range 'checkpoint+0': empty" },
	{ "top+0x101", 0, 0, "bad range 'top+0x101': runs past the top of "
	    "the address space" },
	{ "0xfffffffffffff000+0x1001", 0, 0, "bad range "
	    "'0xfffffffffffff000+0x1001': runs past the top of the address "
	    "space" },
	{ "0x1_0000_0000_0000_0000-0x1", 0, 0, "bad range "
	    "'0x1_0000_0000_0000_0000-0x1': '0x1_0000_0000_0000_0000' does "
	    "not fit in 64 bits" },
	{ "checkpoint-", 0, 0, "bad range 'checkpoint-': missing address" },
	{ "", 0, 0, "bad range '': missing address" },
};

static void
test_eval_range(void **state)
{
	const char *path = put_text(state, "range.map", eval_map);
	struct sym_table *t = table();
	struct args_range r;
	struct pt_err e;
	char longexpr[SYM_EXPR_MAX + 2];
	size_t i;

	assert_int_equal(sym_add_file(t, path, 0, &e), 9);
	for (i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
		int rc = sym_eval_range(t, ranges[i].expr, &r, &e);

		if (ranges[i].err == NULL) {
			assert_int_equal(rc, 0);
			assert_true(r.start == ranges[i].start);
			assert_true(r.last == ranges[i].last);
		} else {
			assert_int_equal(rc, -1);
			assert_int_equal(e.kind, PT_EXIT_USAGE);
			assert_string_equal(e.msg, ranges[i].err);
		}
	}
	/* Numbers alone read as args_range reads them. */
	assert_int_equal(sym_eval_range(NULL, "0x1000-0", &r, &e), 0);
	assert_true(r.start == 0x1000 && r.last == UINT64_MAX);
	assert_int_equal(sym_eval_range(NULL, "x-y", &r, &e), -1);
	assert_string_equal(e.msg, "bad range 'x-y': no symbol 'x' (no "
	    "symbols loaded: try 'symbols FILE')");
	memset(longexpr, 'a', sizeof longexpr - 1);
	longexpr[sizeof longexpr - 1] = '\0';
	assert_int_equal(sym_eval_range(t, longexpr, &r, &e), -1);
	assert_int_equal(sym_eval(t, longexpr, &r.start, &e), -1);
	assert_non_null(strstr(e.msg, "longer than"));
	sym_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_elf_self),
		cmocka_unit_test(test_elf32_by_hand),
		cmocka_unit_test(test_map_load_and_at),
		cmocka_unit_test(test_map_format_and_complete),
		cmocka_unit_test(test_map_offset_and_files),
		cmocka_unit_test(test_map_errors),
		cmocka_unit_test(test_map_many),
		cmocka_unit_test(test_sort_oracle),
		cmocka_unit_test(test_eval),
		cmocka_unit_test(test_eval_range),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
