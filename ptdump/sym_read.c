/*
 * sym_read.c - filling a symbol table from a file: ELF (with libelf), or
 * System.map / /proc/kallsyms text.  See symbols.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <limits.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "symbols_int.h"

#define SYM_LINE_MAX (SYM_NAME_MAX + 256)
#define SYM_READ_CHUNK (64u << 10)

/* ---- ELF ------------------------------------------------------------ */

struct elf_bounds {
	uint64_t addr, size;
};

/* Bytes an unsized symbol at V in section B covers: to the section's end. */
static uint64_t
sec_span(const struct elf_bounds *b, uint64_t v)
{
	if (v >= b->addr && v - b->addr < b->size)
		return b->size - (v - b->addr);
	return 1;	/* an end marker such as _etext: only itself */
}

static int
elf_syms(struct sym_table *t, Elf *e, Elf_Scn *symscn, Elf_Scn *xscn,
    const struct elf_bounds *bounds, size_t shnum, uint64_t offset,
    struct pt_err *err)
{
	Elf_Data *d = elf_getdata(symscn, NULL), *xd = NULL;
	Elf_Scn *strscn;
	GElf_Shdr sh, strsh;
	size_t i, nsyms, entsz = gelf_fsize(e, ELF_T_SYM, 1, EV_CURRENT);

	if (gelf_getshdr(symscn, &sh) == NULL || d == NULL || entsz == 0)
		return pt_err_set(err, PT_EXIT_USAGE, "bad symbol table: %s",
		    elf_errmsg(-1));
	if (xscn != NULL && (xd = elf_getdata(xscn, NULL)) == NULL)
		return pt_err_set(err, PT_EXIT_USAGE,
		    "bad extended section indexes: %s", elf_errmsg(-1));
	nsyms = d->d_size / entsz;
	if (nsyms > (size_t)INT_MAX)	/* gelf indexes with an int */
		nsyms = (size_t)INT_MAX;
	strscn = elf_getscn(e, sh.sh_link);
	sym_reserve(t, nsyms, strscn && gelf_getshdr(strscn, &strsh) ?
	    strsh.sh_size : 0);
	for (i = 1; i < nsyms; i++) {	/* 0 is the null symbol */
		GElf_Sym s;
		Elf32_Word xndx = 0;
		const char *name;
		size_t shndx, len;
		unsigned type, bind, flags = 0;
		uint64_t span;

		if ((xd ? gelf_getsymshndx(d, xd, (int)i, &s, &xndx) :
		    gelf_getsym(d, (int)i, &s)) == NULL)
			return pt_err_set(err, PT_EXIT_USAGE,
			    "bad symbol %zu: %s", i, elf_errmsg(-1));
		type = GELF_ST_TYPE(s.st_info);
		bind = GELF_ST_BIND(s.st_info);
		if (type != STT_NOTYPE && type != STT_OBJECT && type != STT_FUNC)
			continue;
		shndx = s.st_shndx == SHN_XINDEX ? xndx : s.st_shndx;
		/* Undefined and common symbols have no address yet. */
		if (shndx == SHN_UNDEF || (s.st_shndx != SHN_XINDEX &&
		    s.st_shndx >= SHN_LORESERVE && s.st_shndx != SHN_ABS))
			continue;
		name = elf_strptr(e, sh.sh_link, s.st_name);
		if (name == NULL || name[0] == '\0' || name[0] == '$' ||
		    (len = strnlen(name, SYM_NAME_MAX)) == SYM_NAME_MAX)
			continue;
		if (bind != STB_LOCAL)
			flags |= SYM_F_GLOBAL;
		if (type == STT_FUNC)
			flags |= SYM_F_FUNC;
		if (s.st_size != 0) {
			flags |= SYM_F_SIZED;
			span = s.st_size;
		} else if (s.st_shndx == SHN_ABS || shndx >= shnum) {
			span = 1;	/* a value, not a place */
		} else {
			span = sec_span(&bounds[shndx], s.st_value);
		}
		if (sym_add_ent(t, name, len, s.st_value + offset, span,
		    flags, err) < 0)
			return -1;
	}
	return 0;
}

/* Load FD (an ELF file) into T; the symbols added, or -1. */
static long
load_elf(struct sym_table *t, int fd, uint64_t offset, struct pt_err *err)
{
	Elf *e;
	Elf_Scn *scn = NULL, *symtab = NULL, *dynsym = NULL, *xscn = NULL;
	size_t shnum, shstrndx, symndx = 0;
	struct elf_bounds *bounds = NULL;
	GElf_Ehdr eh;
	size_t n0 = t->n;
	int rc = -1;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return pt_err_set(err, PT_EXIT_USAGE, "libelf: %s",
		    elf_errmsg(-1));
	if ((e = elf_begin(fd, ELF_C_READ_MMAP, NULL)) == NULL)
		return pt_err_set(err, PT_EXIT_USAGE, "bad ELF file: %s",
		    elf_errmsg(-1));
	if (elf_kind(e) != ELF_K_ELF || gelf_getehdr(e, &eh) == NULL ||
	    elf_getshdrnum(e, &shnum) != 0 ||
	    elf_getshdrstrndx(e, &shstrndx) != 0) {
		pt_err_set(err, PT_EXIT_USAGE, "bad ELF file: %s",
		    elf_errmsg(-1));
		goto out;
	}
	if (shnum > SYM_MAX) {
		pt_err_set(err, PT_EXIT_USAGE, "too many sections (%zu)", shnum);
		goto out;
	}
	if ((bounds = calloc(shnum ? shnum : 1, sizeof *bounds)) == NULL) {
		pt_err_set(err, PT_EXIT_TARGET, "out of memory");
		goto out;
	}
	while ((scn = elf_nextscn(e, scn)) != NULL) {
		size_t i = elf_ndxscn(scn);
		const char *name;
		GElf_Shdr sh;

		if (gelf_getshdr(scn, &sh) == NULL || i >= shnum) {
			pt_err_set(err, PT_EXIT_USAGE, "bad section %zu: %s",
			    i, elf_errmsg(-1));
			goto out;
		}
		bounds[i] = (struct elf_bounds){ sh.sh_addr, sh.sh_size };
		if (sh.sh_type == SHT_SYMTAB)
			symtab = scn;
		else if (sh.sh_type == SHT_DYNSYM)
			dynsym = scn;
		/*
		 * Relocatable files have no addresses yet, and .tbss takes
		 * no address space (it overlaps what follows it).
		 */
		if (!(sh.sh_flags & SHF_ALLOC) || sh.sh_size == 0 ||
		    eh.e_type == ET_REL || ((sh.sh_flags & SHF_TLS) &&
		    sh.sh_type == SHT_NOBITS))
			continue;
		name = elf_strptr(e, shstrndx, sh.sh_name);
		if (sym_add_sec(t, name ? name : "?", sh.sh_addr + offset,
		    sh.sh_size, err) < 0)
			goto out;
	}
	if (symtab == NULL)
		symtab = dynsym;
	if (symtab == NULL) {
		pt_err_set(err, PT_EXIT_USAGE, "no symbol table (stripped?)");
		goto out;
	}
	symndx = elf_ndxscn(symtab);
	while ((scn = elf_nextscn(e, scn)) != NULL) {
		GElf_Shdr sh;

		if (gelf_getshdr(scn, &sh) != NULL &&
		    sh.sh_type == SHT_SYMTAB_SHNDX && sh.sh_link == symndx)
			xscn = scn;
	}
	if (elf_syms(t, e, symtab, xscn, bounds, shnum, offset, err) == 0)
		rc = 0;
out:
	free(bounds);
	elf_end(e);
	return rc < 0 ? -1 : (long)(t->n - n0);
}

/* ---- System.map and /proc/kallsyms -------------------------------- */

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Next blank-separated word of *P (advanced); its length, 0 at the end. */
static size_t
word(const char **p, const char **w)
{
	const char *s = *p;
	size_t n = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	*w = s;
	while (s[n] != '\0' && s[n] != ' ' && s[n] != '\t')
		n++;
	*p = s + n;
	return n;
}

/*
 * One line "HEXADDR TYPE NAME [module]": 1 if it parses (and is added
 * unless undefined), 0 if not, -1 on error.  *ADDR0 tells whether its
 * address was 0, as every one is in kallsyms read without privilege.
 */
static int
map_line(struct sym_table *t, const char *line, uint64_t offset,
    bool *addr0, struct pt_err *err)
{
	const char *p = line, *w[5];
	size_t len[5], i;
	uint64_t addr = 0, span = SYM_MAP_SPAN;
	unsigned flags = 0;
	char type;

	for (i = 0; i < 5; i++)
		len[i] = word(&p, &w[i]);
	if (len[0] == 0 || len[0] > 16 || len[1] != 1 || len[2] == 0 ||
	    len[4] != 0 || (len[3] != 0 && (w[3][0] != '[' ||
	    w[3][len[3] - 1] != ']')))
		return 0;
	for (i = 0; i < len[0]; i++) {
		int d = hexval(w[0][i]);

		if (d < 0)
			return 0;
		addr = addr << 4 | (uint64_t)d;
	}
	type = w[1][0];
	if (!((type >= 'a' && type <= 'z') || (type >= 'A' && type <= 'Z')))
		return 0;
	*addr0 = addr == 0;
	if (type == 'U' || w[2][0] == '$' || len[2] >= SYM_NAME_MAX)
		return 1;
	if (type >= 'A' && type <= 'Z')
		flags |= SYM_F_GLOBAL;
	if (type == 'T' || type == 't')
		flags |= SYM_F_FUNC;
	/*
	 * No size and no section: without SYM_MAP_SPAN all of user space
	 * would be named after the last per-cpu symbol (near 0x2c000).
	 */
	if (type == 'A' || type == 'a')
		span = 1;	/* a value, not a place */
	if (sym_add_ent(t, w[2], len[2], addr + offset, span, flags,
	    err) < 0)
		return -1;
	return 1;
}

/* Load FD (not ELF) as a symbol map; the symbols added, or -1. */
static long
load_map(struct sym_table *t, int fd, off_t size, uint64_t offset,
    struct pt_err *err)
{
	char *buf = malloc(SYM_READ_CHUNK), line[SYM_LINE_MAX];
	size_t ll = 0, total = 0, parsed = 0, nonzero = 0, n0 = t->n;
	bool overlong = false, eof = false;
	long rc = -1;

	if (buf == NULL)
		return pt_err_set(err, PT_EXIT_TARGET, "out of memory");
	/* A line of a 64-bit map takes at least 21 bytes. */
	if (size > 0 && size <= (off_t)SYM_TEXT_MAX)
		sym_reserve(t, (size_t)size / 20, (size_t)size / 2);
	while (!eof) {
		ssize_t got = read(fd, buf, SYM_READ_CHUNK);
		size_t i = 0;

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			pt_err_set(err, PT_EXIT_USAGE, "%s", strerror(errno));
			goto out;
		}
		if (got == 0) {
			eof = true;
			buf[0] = '\n';	/* ends a last line without one */
			got = ll > 0 ? 1 : 0;
		} else if (memchr(buf, '\0', (size_t)got) != NULL) {
			pt_err_set(err, PT_EXIT_USAGE, "not an ELF file nor a "
			    "symbol map (binary data)");
			goto out;
		} else if ((total += (size_t)got) > SYM_TEXT_MAX) {
			pt_err_set(err, PT_EXIT_USAGE, "longer than %u MiB",
			    SYM_TEXT_MAX >> 20);
			goto out;
		}
		while (i < (size_t)got) {
			char *nl = memchr(buf + i, '\n', (size_t)got - i);
			size_t seg = (nl ? (size_t)(nl - buf) : (size_t)got) - i;
			bool z = false;
			int r;

			if (ll + seg >= sizeof line) {
				overlong = true;	/* skipped as junk */
			} else {
				memcpy(line + ll, buf + i, seg);
				ll += seg;
			}
			i += seg;
			if (nl == NULL)
				break;
			i++;
			if (ll > 0 && line[ll - 1] == '\r')
				ll--;
			line[ll] = '\0';
			r = overlong ? 0 : map_line(t, line, offset, &z, err);
			if (r < 0)
				goto out;
			parsed += (size_t)r;
			nonzero += r > 0 && !z;
			ll = 0;
			overlong = false;
		}
	}
	if (total == 0)
		pt_err_set(err, PT_EXIT_USAGE, "empty file");
	else if (parsed == 0)
		pt_err_set(err, PT_EXIT_USAGE, "not an ELF file nor a symbol "
		    "map (no line reads 'ADDRESS TYPE NAME')");
	else if (nonzero == 0 && parsed > 1)
		pt_err_set(err, PT_EXIT_USAGE, "every address is 0 (kallsyms "
		    "read without privilege? see kernel.kptr_restrict)");
	else
		rc = (long)(t->n - n0);
out:
	free(buf);
	return rc;
}

long
sym_add_file(struct sym_table *t, const char *path, uint64_t offset,
    struct pt_err *err)
{
	size_t n0 = t->n, nlen0 = t->nlen, nsec0 = t->nsec;
	unsigned char magic[4] = { 0 };
	struct stat st;
	off_t size = 0;
	ssize_t got;
	long added;
	int fd;

	do {
		fd = open(path, O_RDONLY | O_CLOEXEC);
	} while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return pt_err_set(err, PT_EXIT_USAGE, "%s: %s", path,
		    strerror(errno));
	if (fstat(fd, &st) < 0)
		memset(&st, 0, sizeof st);	/* then read what comes */
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return pt_err_set(err, PT_EXIT_USAGE, "%s: %s", path,
		    strerror(EISDIR));
	}
	/* A size to reserve room for; /proc files say 0. */
	if (S_ISREG(st.st_mode))
		size = st.st_size;
	/* pread leaves the offset at 0 for libelf or the text reader. */
	do {
		got = pread(fd, magic, sizeof magic, 0);
	} while (got < 0 && errno == EINTR);
	if (got < 0)
		added = pt_err_set(err, PT_EXIT_USAGE, "%s", strerror(errno));
	else if (got == 4 && memcmp(magic, ELFMAG, SELFMAG) == 0)
		added = load_elf(t, fd, offset, err);
	else
		added = load_map(t, fd, size, offset, err);
	close(fd);
	if (added < 0 || sym_commit(t, n0, err) < 0) {
		t->n = n0;
		t->nlen = nlen0;
		t->nsec = nsec0;
		return pt_err_wrap(err, "%s", path);
	}
	return added;
}
