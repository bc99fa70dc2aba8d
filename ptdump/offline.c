/* offline.c - a QEMU core or a raw memory image as a target: see offline.h. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hostmem.h"
#include "offline.h"
#include "walk.h"
#include "x86pt.h"

/* The registers a core or an image can give, by read_reg name. */
enum { R_CR0, R_CR2, R_CR3, R_CR4, R_EFER, R_RIP, R_RSP, R_EFLAGS, R_N };
static const char *const reg_name[R_N] = {
	"cr0", "cr2", "cr3", "cr4", "efer", "rip", "rsp", "eflags",
};

#define OFFLINE_MAX_CPUS 1024

/*
 * QEMU's "QEMU" note (type 0) on x86-64, version 1: version and size
 * (u32 each), the 16 general registers, RIP and RFLAGS, ten segments of
 * 24 bytes (selector, limit, flags, pad: u32; base: u64) from CS, then
 * CR0 to CR4.  Offsets into it:
 */
#define QN_RSP 56
#define QN_RIP 136
#define QN_RFLAGS 144
#define QN_CR0 392
#define QN_CR2 408
#define QN_CR3 416
#define QN_CR4 424
#define QN_MIN 432		/* through CR4 */

/* RAM ranges closer than this are one block (the VGA and ROM holes). */
#define RAM_GAP (16ull << 20)

struct offline {
	struct target self;	/* for the walker behind read_virt */
	struct hostmem mem;
	struct memmap map;
	uint64_t (*regs)[R_N];
	unsigned ncpus, cur;
	unsigned known;		/* registers it has: 1 << R_... */
	struct walk_cache *vcache;
	const char *kind;	/* "a core" or "an image", for messages */
	bool long_mode;		/* an x86-64 core: QEMU writes one when the
				   first vCPU is in long mode */
};

static const struct target_ops offline_ops;

static uint64_t
le(const unsigned char *p, unsigned bytes)
{
	uint64_t v = 0;

	while (bytes-- > 0)
		v = v << 8 | p[bytes];
	return v;
}

/* One vCPU's registers from a QEMU note's descriptor. */
static int
note_regs(struct offline *o, const unsigned char *d, size_t n,
    struct pt_err *err)
{
	uint64_t *r, (*grown)[R_N], cr0, cr4, efer = 0;

	if (n < 8 || le(d + 4, 4) < QN_MIN || n < QN_MIN)
		return pt_err_set(err, PT_EXIT_TARGET, "a QEMU note of %zu "
		    "bytes: too short for the control registers", n);
	if (o->ncpus == OFFLINE_MAX_CPUS)
		return pt_err_set(err, PT_EXIT_TARGET, "more than %d vCPUs",
		    OFFLINE_MAX_CPUS);
	if ((grown = realloc(o->regs, (o->ncpus + 1) * sizeof *o->regs)) ==
	    NULL)
		return pt_err_set(err, PT_EXIT_TARGET, "out of memory");
	o->regs = grown;
	r = o->regs[o->ncpus++];
	cr0 = le(d + QN_CR0, 8);
	cr4 = le(d + QN_CR4, 8);
	/* The note has no EFER.  Long mode shows in the core's machine
	 * (QEMU writes EM_X86_64 exactly when it is on), whatever the code
	 * segment: 32-bit user code under a 64-bit kernel still has 4-level
	 * tables.  NX is taken to be on wherever it can be (PAE entries), as
	 * kernels of both kinds turn it on where the CPU has it. */
	if ((cr0 & X86PT_CR0_PG) && (cr4 & X86PT_CR4_PAE)) {
		efer = X86PT_EFER_NXE;
		if (o->long_mode)
			efer |= X86PT_EFER_LME | X86PT_EFER_LMA;
	}
	r[R_CR0] = cr0;
	r[R_CR2] = le(d + QN_CR2, 8);
	r[R_CR3] = le(d + QN_CR3, 8);
	r[R_CR4] = cr4;
	r[R_EFER] = efer;
	r[R_RIP] = le(d + QN_RIP, 8);
	r[R_RSP] = le(d + QN_RSP, 8);
	r[R_EFLAGS] = le(d + QN_RFLAGS, 8);
	return 0;
}

/* The QEMU notes of a PT_NOTE segment. */
static int
read_notes(struct offline *o, Elf *e, const GElf_Phdr *ph, struct pt_err *err)
{
	Elf_Data *d = elf_getdata_rawchunk(e, (int64_t)ph->p_offset,
	    ph->p_filesz, ELF_T_NHDR);
	size_t off = 0, next, name, desc;
	GElf_Nhdr nh;

	if (d == NULL)
		return pt_err_set(err, PT_EXIT_TARGET, "a note segment past "
		    "the end of the file");
	while (off < d->d_size &&
	    (next = gelf_getnote(d, off, &nh, &name, &desc)) > 0) {
		if (nh.n_type == 0 && nh.n_namesz == 5 &&
		    memcmp((char *)d->d_buf + name, "QEMU", 5) == 0 &&
		    note_regs(o, (unsigned char *)d->d_buf + desc,
		    nh.n_descsz, err) < 0)
			return -1;
		off = next;
	}
	return 0;
}

/* Add a region of the memory map; `ram` says whose block it is. */
static int
map_add(struct memmap *m, uint64_t start, uint64_t last, bool ram,
    struct pt_err *err)
{
	struct memmap_region *r = realloc(m->r, (m->n + 1) * sizeof *r);

	if (r == NULL)
		return pt_err_set(err, PT_EXIT_TARGET, "out of memory");
	m->r = r;
	r = &m->r[m->n];
	memset(r, 0, sizeof *r);
	r->start = start;
	r->last = last;
	snprintf(r->block, sizeof r->block, "%s", ram ? "ram" : "other");
	if (ram && m->guest < 0)
		m->guest = (int)m->n;
	m->n++;
	return 0;
}

/*
 * The core's RAM ranges.  A core names no RAM blocks, so guest RAM is
 * the ranges from address 0 on, each within RAM_GAP of the last, and
 * those from 4 GiB on (where a PC puts the RAM above its PCI hole);
 * device memory (video RAM, the BIOS at the top of 4 GiB) is not.
 */
static int
read_loads(struct offline *o, Elf *e, size_t nph, uint64_t fsize,
    struct pt_err *err)
{
	uint64_t ram_top = 0;
	bool ram;

	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(e, (int)i, &ph) == NULL)
			return pt_err_set(err, PT_EXIT_TARGET, "program header "
			    "%zu: %s", i, elf_errmsg(-1));
		if (ph.p_type == PT_NOTE && read_notes(o, e, &ph, err) < 0)
			return -1;
		if (ph.p_type != PT_LOAD || ph.p_filesz == 0)
			continue;
		if (ph.p_offset > fsize || ph.p_filesz > fsize - ph.p_offset)
			return pt_err_set(err, PT_EXIT_TARGET, "a RAM range "
			    "(0x%" PRIx64 ") past the end of the file: "
			    "truncated?", ph.p_paddr);
		if (ph.p_paddr + (ph.p_filesz - 1) < ph.p_paddr)
			return pt_err_set(err, PT_EXIT_TARGET, "a RAM range "
			    "past the top of the address space");
		ram = ph.p_paddr == 0 || ph.p_paddr == 1ull << 32 ||
		    (ram_top != 0 && ph.p_paddr >= ram_top &&
		    ph.p_paddr - ram_top < RAM_GAP);
		if (ram)
			ram_top = ph.p_paddr + ph.p_filesz;
		if (hostmem_add(&o->mem, ph.p_paddr, ph.p_paddr +
		    (ph.p_filesz - 1), ph.p_offset, err) < 0 ||
		    map_add(&o->map, ph.p_paddr, ph.p_paddr +
		    (ph.p_filesz - 1), ram, err) < 0)
			return -1;
	}
	return 0;
}

static int
open_core(struct offline *o, const char *path, struct pt_err *err)
{
	struct stat st;
	GElf_Ehdr eh;
	size_t nph;
	Elf *e;
	int rc = -1;

	if (hostmem_open(&o->mem, path, err) < 0)
		return -1;
	if (fstat(o->mem.fd, &st) < 0 || !S_ISREG(st.st_mode))
		return pt_err_set(err, PT_EXIT_TARGET, "%s: not a regular "
		    "file", path);
	elf_version(EV_CURRENT);
	if ((e = elf_begin(o->mem.fd, ELF_C_READ_MMAP, NULL)) == NULL)
		return pt_err_set(err, PT_EXIT_TARGET, "%s: %s", path,
		    elf_errmsg(-1));
	/* QEMU writes an i386 core (ELF32 unless RAM reaches past 4 GiB)
	 * when the guest is not in long mode; its notes are the same. */
	if (elf_kind(e) != ELF_K_ELF || gelf_getclass(e) == ELFCLASSNONE ||
	    gelf_getehdr(e, &eh) == NULL || eh.e_type != ET_CORE ||
	    (eh.e_machine != EM_X86_64 && eh.e_machine != EM_386)) {
		pt_err_set(err, PT_EXIT_TARGET, "%s: not an x86 ELF core "
		    "(QEMU's dump-guest-memory writes one)", path);
		elf_end(e);
		return -1;
	}
	o->long_mode = eh.e_machine == EM_X86_64;
	if (elf_getphdrnum(e, &nph) != 0) {
		pt_err_set(err, PT_EXIT_TARGET, "%s: %s", path, elf_errmsg(-1));
	} else if (read_loads(o, e, nph, (uint64_t)st.st_size, err) < 0) {
		pt_err_wrap(err, "%s", path);
	} else if (o->mem.n == 0) {
		pt_err_set(err, PT_EXIT_TARGET, "%s: no RAM in the core", path);
	} else if (o->ncpus == 0) {
		pt_err_set(err, PT_EXIT_TARGET, "%s: no QEMU note with the "
		    "vCPUs' registers (was it written by dump-guest-memory "
		    "without -z/-l/-s?)", path);
	} else {
		rc = 0;
	}
	elf_end(e);
	return rc;
}

static int
open_image(struct offline *o, const struct offline_opts *opt,
    struct pt_err *err)
{
	struct stat st;

	if (!opt->have_cr3)
		return pt_err_set(err, PT_EXIT_USAGE, "--image needs --cr3: "
		    "a raw image holds no registers");
	if (hostmem_open(&o->mem, opt->image, err) < 0)
		return -1;
	if (fstat(o->mem.fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size == 0)
		return pt_err_set(err, PT_EXIT_TARGET, "%s: not a regular "
		    "file with memory in it", opt->image);
	if ((o->regs = calloc(1, sizeof *o->regs)) == NULL)
		return pt_err_set(err, PT_EXIT_TARGET, "out of memory");
	o->ncpus = 1;
	/* No instruction pointer, stack or flags; CR2 reads 0.  Long mode
	 * with 4-level paging, unless the options say else. */
	o->known = 1u << R_CR0 | 1u << R_CR2 | 1u << R_CR3 | 1u << R_CR4 |
	    1u << R_EFER;
	o->regs[0][R_CR0] = X86PT_CR0_PG | X86PT_CR0_WP | 0x11;
	o->regs[0][R_CR4] = X86PT_CR4_PAE;
	o->regs[0][R_EFER] = X86PT_EFER_LME | X86PT_EFER_LMA |
	    X86PT_EFER_NXE;
	if (hostmem_add(&o->mem, 0, (uint64_t)st.st_size - 1, 0, err) < 0)
		return -1;
	return map_add(&o->map, 0, (uint64_t)st.st_size - 1, true, err);
}

int
offline_open(const struct offline_opts *opt, struct target *out,
    struct pt_err *err)
{
	struct offline *o;
	int rc;

	if ((opt->core == NULL) == (opt->image == NULL))
		return pt_err_set(err, PT_EXIT_USAGE, "give one of --core and "
		    "--image");
	if ((o = calloc(1, sizeof *o)) == NULL)
		return pt_err_set(err, PT_EXIT_TARGET, "out of memory");
	o->mem.fd = -1;
	o->map.guest = -1;
	o->kind = opt->core != NULL ? "a core" : "an image";
	o->known = (1u << R_N) - 1;
	rc = opt->core != NULL ? open_core(o, opt->core, err) :
	    open_image(o, opt, err);
	if (rc == 0 && (o->vcache = walk_cache_new(64, err)) == NULL)
		rc = -1;
	if (rc < 0) {
		offline_ops.close(o);
		return -1;
	}
	for (unsigned i = 0; i < o->ncpus; i++) {
		if (opt->have_cr3)
			o->regs[i][R_CR3] = opt->cr3;
		if (opt->have_cr4)
			o->regs[i][R_CR4] = opt->cr4;
		if (opt->have_efer)
			o->regs[i][R_EFER] = opt->efer;
	}
	o->self = (struct target){ &offline_ops, o, 1 };
	*out = o->self;
	return 0;
}

bool
offline_is(const struct target *t)
{
	return t->ops == &offline_ops;
}

/* ---- target operations ------------------------------------------ */

static int
off_read_phys(void *ctx, uint64_t pa, void *buf, size_t len,
    struct pt_err *err)
{
	struct offline *o = ctx;

	return hostmem_read_sparse(&o->mem, pa, buf, len, err);
}

/* Through the current vCPU's tables, as the CPU would translate. */
static int
off_read_virt(void *ctx, uint64_t va, void *buf, size_t len,
    struct pt_err *err)
{
	struct offline *o = ctx;
	const uint64_t *r = o->regs[o->cur];
	struct x86pt_ctx pt;
	struct walk_ctx w;
	struct walk_trace t;
	unsigned char *p = buf;

	x86pt_ctx_init(&pt, r[R_CR0], r[R_CR4], r[R_EFER]);
	walk_ctx_init(&w, &o->self, o->vcache, &pt, r[R_CR3]);
	while (len > 0) {
		uint64_t in_page = 0x1000 - (va & 0xfff);
		size_t n = len < in_page ? len : (size_t)in_page;

		if (walk_va(&w, va, &t, err) < 0)
			return -1;
		if (t.stop != WALK_OK)
			return pt_err_set(err, PT_EXIT_TARGET, "0x%" PRIx64
			    " is not mapped (%s)", va, walk_trace_result(&t));
		if (off_read_phys(o, t.pa, p, n, err) < 0)
			return -1;
		p += n;
		va += n;
		len -= n;
	}
	return 0;
}

static int
off_read_reg(void *ctx, const char *name, uint64_t *val, struct pt_err *err)
{
	struct offline *o = ctx;

	for (unsigned i = 0; i < R_N; i++)
		if (strcmp(name, reg_name[i]) == 0 && (o->known & 1u << i)) {
			*val = o->regs[o->cur][i];
			return 0;
		}
	return pt_err_set(err, PT_EXIT_TARGET, "%s holds no register '%s'",
	    o->kind, name);
}

static int
off_monitor(void *ctx, const char *cmd, char **out, struct pt_err *err)
{
	struct offline *o = ctx;

	(void)cmd;
	(void)out;
	return pt_err_set(err, PT_EXIT_TARGET, "%s has no QEMU monitor: "
	    "this needs a live guest", o->kind);
}

static void
off_close(void *ctx)
{
	struct offline *o = ctx;

	hostmem_close(&o->mem);
	memmap_free(&o->map);
	walk_cache_free(o->vcache);
	free(o->regs);
	free(o);
}

static int
off_cpu_count(void *ctx, unsigned *n, struct pt_err *err)
{
	(void)err;
	*n = ((struct offline *)ctx)->ncpus;
	return 0;
}

static int
off_cpu_current(void *ctx)
{
	return (int)((struct offline *)ctx)->cur;
}

static int
off_select_cpu(void *ctx, unsigned cpu, struct pt_err *err)
{
	struct offline *o = ctx;

	if (cpu >= o->ncpus)
		return pt_err_set(err, PT_EXIT_USAGE, "no vCPU %u: %s of %u",
		    cpu, o->kind, o->ncpus);
	o->cur = cpu;
	return 0;
}

static int
off_memmap(void *ctx, const struct memmap **map, struct pt_err *err)
{
	(void)err;
	*map = &((struct offline *)ctx)->map;
	return 0;
}

static const struct target_ops offline_ops = {
	.read_phys = off_read_phys,
	.read_virt = off_read_virt,
	.read_reg = off_read_reg,
	.monitor = off_monitor,
	.close = off_close,
	.cpu_count = off_cpu_count,
	.cpu_current = off_cpu_current,
	.select_cpu = off_select_cpu,
	.memmap = off_memmap,
};
