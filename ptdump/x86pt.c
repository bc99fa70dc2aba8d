/* x86pt.c - x86-64 paging-structure decoding: see x86pt.h. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "x86pt.h"

/* Bits lo..hi inclusive. */
#define BITS(lo, hi)	((~0ull >> (63 - (hi))) & (~0ull << (lo)))
#define LEAF_LEVELS	(X86PT_LV(1) | X86PT_LV(2) | X86PT_LV(3))
#define LARGE_LEVELS	(X86PT_LV(2) | X86PT_LV(3))
#define ROOT_LEVELS	(X86PT_LV(4) | X86PT_LV(5))

/*
 * Every bit the CPU looks at, outside the address and reserved bits.
 * Rows naming the same flag are alternatives (PAT moves with the page
 * size); rows are in printing order.
 */
const struct x86pt_flag_desc x86pt_flag_table[] = {
	{ X86PT_E_P, X86PT_FIELD_FLAG, X86PT_F_P, "P",
	  X86PT_LV_ALL, X86PT_WHEN_ALWAYS },
	{ X86PT_E_RW, X86PT_FIELD_FLAG, X86PT_F_RW, "RW",
	  X86PT_LV_ALL, X86PT_WHEN_ALWAYS },
	{ X86PT_E_US, X86PT_FIELD_FLAG, X86PT_F_US, "US",
	  X86PT_LV_ALL, X86PT_WHEN_ALWAYS },
	{ X86PT_E_PWT, X86PT_FIELD_FLAG, X86PT_F_PWT, "PWT",
	  X86PT_LV_ALL, X86PT_WHEN_ALWAYS },
	{ X86PT_E_PCD, X86PT_FIELD_FLAG, X86PT_F_PCD, "PCD",
	  X86PT_LV_ALL, X86PT_WHEN_ALWAYS },
	{ X86PT_E_A, X86PT_FIELD_FLAG, X86PT_F_A, "A",
	  X86PT_LV_ALL, X86PT_WHEN_ALWAYS },
	{ X86PT_E_D, X86PT_FIELD_FLAG, X86PT_F_D, "D",
	  LEAF_LEVELS, X86PT_WHEN_LEAF },
	/* In a PML4E/PML5E bit 7 is reserved, not PS. */
	{ X86PT_E_PS, X86PT_FIELD_FLAG, X86PT_F_PS, "PS",
	  LARGE_LEVELS, X86PT_WHEN_ALWAYS },
	{ X86PT_E_G, X86PT_FIELD_FLAG, X86PT_F_G, "G",
	  LEAF_LEVELS, X86PT_WHEN_LEAF },
	{ X86PT_E_PAT4K, X86PT_FIELD_FLAG, X86PT_F_PAT, "PAT",
	  X86PT_LV(1), X86PT_WHEN_ALWAYS },
	{ X86PT_E_PATLG, X86PT_FIELD_FLAG, X86PT_F_PAT, "PAT",
	  LARGE_LEVELS, X86PT_WHEN_LARGE },
	{ X86PT_E_NX, X86PT_FIELD_FLAG, X86PT_F_NX, "NX",
	  X86PT_LV_ALL, X86PT_WHEN_NXE },
	{ X86PT_E_PK, X86PT_FIELD_PKEY, 0, "PK",
	  LEAF_LEVELS, X86PT_WHEN_PK },
	{ X86PT_E_AVL_LO | X86PT_E_AVL_HI, X86PT_FIELD_AVL, 0, "AVL",
	  X86PT_LV_ALL, X86PT_WHEN_ALWAYS },
	{ X86PT_E_PK, X86PT_FIELD_AVL, 0, "AVL",
	  X86PT_LV_ALL, X86PT_WHEN_NOT_PK },
	/* D and G mean nothing in an entry that points to a table. */
	{ X86PT_E_D | X86PT_E_G, X86PT_FIELD_AVL, 0, "AVL",
	  LARGE_LEVELS, X86PT_WHEN_TABLE },
	{ X86PT_E_D | X86PT_E_G, X86PT_FIELD_AVL, 0, "AVL",
	  ROOT_LEVELS, X86PT_WHEN_ALWAYS },
};

const size_t x86pt_flag_table_len =
    sizeof x86pt_flag_table / sizeof x86pt_flag_table[0];

enum x86pt_mode
x86pt_mode(uint64_t cr0, uint64_t cr4, uint64_t efer)
{
	if (!(cr0 & X86PT_CR0_PG))
		return X86PT_MODE_NONE;
	if (!(cr4 & X86PT_CR4_PAE))
		return X86PT_MODE_32;
	if (!(efer & X86PT_EFER_LMA))
		return X86PT_MODE_PAE;
	return (cr4 & X86PT_CR4_LA57) ? X86PT_MODE_5LEVEL : X86PT_MODE_4LEVEL;
}

const char *
x86pt_mode_name(enum x86pt_mode mode)
{
	switch (mode) {
	case X86PT_MODE_NONE:	return "none";
	case X86PT_MODE_32:	return "32-bit";
	case X86PT_MODE_PAE:	return "pae";
	case X86PT_MODE_4LEVEL:	return "4-level";
	case X86PT_MODE_5LEVEL:	return "5-level";
	}
	return "?";
}

unsigned
x86pt_mode_levels(enum x86pt_mode mode)
{
	switch (mode) {
	case X86PT_MODE_NONE:	return 0;
	case X86PT_MODE_32:	return 2;
	case X86PT_MODE_PAE:	return 3;
	case X86PT_MODE_4LEVEL:	return 4;
	case X86PT_MODE_5LEVEL:	return 5;
	}
	return 0;
}

const char *
x86pt_level_name(enum x86pt_level level)
{
	switch (level) {
	case X86PT_L1:	return "PTE";
	case X86PT_L2:	return "PDE";
	case X86PT_L3:	return "PDPTE";
	case X86PT_L4:	return "PML4E";
	case X86PT_L5:	return "PML5E";
	}
	return "?";
}

void
x86pt_ctx_init(struct x86pt_ctx *c, uint64_t cr0, uint64_t cr4,
    uint64_t efer)
{
	c->cr0 = cr0;
	c->cr4 = cr4;
	c->efer = efer;
	c->mode = x86pt_mode(cr0, cr4, efer);
	c->maxphyaddr = X86PT_MAXPHYADDR_DEFAULT;
	c->pat = X86PT_PAT_DEFAULT;
	c->wp = (cr0 & X86PT_CR0_WP) != 0;
	c->nxe = (efer & X86PT_EFER_NXE) != 0;
	c->pk = (cr4 & (X86PT_CR4_PKE | X86PT_CR4_PKS)) != 0;
	c->la57 = (cr4 & X86PT_CR4_LA57) != 0;
}

void
x86pt_ctx_init_default(struct x86pt_ctx *c)
{
	x86pt_ctx_init(c, X86PT_CR0_PG | X86PT_CR0_WP, X86PT_CR4_PAE,
	    X86PT_EFER_LME | X86PT_EFER_LMA | X86PT_EFER_NXE);
}

bool
x86pt_ctx_set_maxphyaddr(struct x86pt_ctx *c, unsigned bits)
{
	if (bits < 32 || bits > 52)
		return false;
	c->maxphyaddr = bits;
	return true;
}

bool
x86pt_pat_valid(uint64_t pat)
{
	for (unsigned i = 0; i < 8; i++) {
		unsigned t = (unsigned)(pat >> (8 * i)) & 0xff;

		if (t > 7 || t == 2 || t == 3)
			return false;
	}
	return true;
}

bool
x86pt_ctx_set_pat(struct x86pt_ctx *c, uint64_t pat)
{
	if (!x86pt_pat_valid(pat))
		return false;
	c->pat = pat;
	return true;
}

const char *
x86pt_memtype_name(unsigned type)
{
	switch (type) {
	case X86PT_MT_UC:	return "UC";
	case X86PT_MT_WC:	return "WC";
	case X86PT_MT_WT:	return "WT";
	case X86PT_MT_WP:	return "WP";
	case X86PT_MT_WB:	return "WB";
	case X86PT_MT_UCM:	return "UC-";
	}
	return "rsvd";
}

/* Does table row `d` describe bits of this entry? */
static bool
row_applies(const struct x86pt_flag_desc *d, const struct x86pt_ctx *c,
    enum x86pt_level level, bool leaf)
{
	if (!(d->levels & X86PT_LV(level)))
		return false;
	switch (d->when) {
	case X86PT_WHEN_ALWAYS:	return true;
	case X86PT_WHEN_LEAF:	return leaf;
	case X86PT_WHEN_TABLE:	return !leaf;
	case X86PT_WHEN_LARGE:	return leaf && level != X86PT_L1;
	case X86PT_WHEN_NXE:	return c->nxe;
	case X86PT_WHEN_PK:	return leaf && c->pk;
	case X86PT_WHEN_NOT_PK:	return !(leaf && c->pk);
	}
	return false;
}

/* The memory type of an entry from its PAT, PCD and PWT flags. */
static void
set_memtype(const struct x86pt_ctx *c, struct x86pt_entry *e)
{
	e->pat_index = (e->flags & X86PT_F_PAT ? 4u : 0) |
	    (e->flags & X86PT_F_PCD ? 2u : 0) | (e->flags & X86PT_F_PWT ? 1u : 0);
	e->memtype = (unsigned)(c->pat >> (8 * e->pat_index)) & 0xff;
	e->memtype_name = x86pt_memtype_name(e->memtype);
}

/*
 * 32-bit paging: 4-byte entries, a PDE (level 2) and a PTE (level 1).
 * With CR4.PSE a PDE with PS maps 4 MiB: its bits 13 and up carry
 * physical address bits 32 and up (PSE-36, at most 40 bits), bit 12 is
 * PAT, and the bits between them and bit 22 are reserved.  No NX, no
 * reserved bits elsewhere.
 */
static struct x86pt_entry
decode32(const struct x86pt_ctx *c, enum x86pt_level level, uint64_t raw)
{
	struct x86pt_entry e = { .raw = raw & 0xffffffffull, .level = level };
	static const struct {
		uint32_t bit, flag;
	} low[] = {
		{ 0, X86PT_F_P }, { 1, X86PT_F_RW }, { 2, X86PT_F_US },
		{ 3, X86PT_F_PWT }, { 4, X86PT_F_PCD }, { 5, X86PT_F_A },
	};

	raw = e.raw;
	if ((level != X86PT_L1 && level != X86PT_L2) || !(raw & X86PT_E_P))
		return e;
	e.present = true;
	e.is_leaf = level == X86PT_L1 ||
	    ((c->cr4 & X86PT_CR4_PSE) && (raw & X86PT_E_PS));
	for (size_t i = 0; i < sizeof low / sizeof *low; i++)
		if (raw & (1ull << low[i].bit))
			e.flags |= low[i].flag;
	e.avl = raw & X86PT_E_AVL_LO;
	if (!e.is_leaf) {
		e.addr = raw & BITS(12, 31);
	} else {
		e.flags |= (raw & X86PT_E_D ? X86PT_F_D : 0) |
		    (raw & X86PT_E_G ? X86PT_F_G : 0);
		if (level == X86PT_L1) {
			e.page_size = X86PT_PAGE_SIZE;
			e.addr = raw & BITS(12, 31);
			e.flags |= raw & X86PT_E_PAT4K ? X86PT_F_PAT : 0;
		} else {
			unsigned high = (c->maxphyaddr < 40 ?
			    c->maxphyaddr : 40) - 32;

			e.page_size = 4u << 20;
			e.flags |= X86PT_F_PS |
			    (raw & X86PT_E_PATLG ? X86PT_F_PAT : 0);
			e.addr = raw & BITS(22, 31);
			if (high > 0)
				e.addr |= ((raw >> 13) & BITS(0, high - 1)) << 32;
			e.rsvd = raw & BITS(13 + high, 21);
		}
	}
	set_memtype(c, &e);
	return e;
}

/*
 * PAE paging: a PDPTE (level 3, one of four, loaded with CR3) holds only
 * P, PWT and PCD, its other low flags being reserved; PDEs and PTEs are
 * the 64-bit format, without protection keys: bits 62 down to
 * MAXPHYADDR are reserved.  Bit 5 of a PDPTE is shown as A, not as
 * reserved: the SDM reserves it, but QEMU's software MMU sets it on
 * every walk, as in long mode, so memory under QEMU has it in every
 * PDPTE used; and a real CPU never writes a PDPTE at all.
 */
static struct x86pt_entry
decode_pae(const struct x86pt_ctx *c, enum x86pt_level level, uint64_t raw)
{
	struct x86pt_ctx lm = *c;
	struct x86pt_entry e = { .raw = raw, .level = level };

	if (level == X86PT_L3) {
		if (!(raw & X86PT_E_P))
			return e;
		e.present = true;
		e.flags = X86PT_F_P | (raw & X86PT_E_PWT ? X86PT_F_PWT : 0) |
		    (raw & X86PT_E_PCD ? X86PT_F_PCD : 0) |
		    (raw & X86PT_E_A ? X86PT_F_A : 0);
		e.addr = raw & BITS(12, c->maxphyaddr - 1);
		e.rsvd = raw & (BITS(1, 2) | BITS(6, 8) |
		    BITS(c->maxphyaddr, 63));
		e.avl = raw & X86PT_E_AVL_LO;
		set_memtype(c, &e);
		return e;
	}
	if (level != X86PT_L1 && level != X86PT_L2)
		return e;
	lm.mode = X86PT_MODE_4LEVEL;
	lm.pk = false;
	e = x86pt_decode(&lm, level, raw);
	e.rsvd |= raw & BITS(c->maxphyaddr, 62);
	e.avl &= ~BITS(52, 62);	/* reserved here, not ignored */
	return e;
}

bool
x86pt_table_below(const struct x86pt_ctx *c, enum x86pt_level level,
    uint64_t raw, uint64_t *table)
{
	bool ps = (raw & X86PT_E_PS) != 0;

	if (!(raw & X86PT_E_P))
		return false;
	switch (c->mode) {
	case X86PT_MODE_32:
		if (level != X86PT_L2 || ((c->cr4 & X86PT_CR4_PSE) && ps))
			return false;
		*table = raw & BITS(12, 31);
		return true;
	case X86PT_MODE_PAE:
		if (level != X86PT_L3 && (level != X86PT_L2 || ps))
			return false;
		break;
	case X86PT_MODE_4LEVEL:
	case X86PT_MODE_5LEVEL:
		if (level < X86PT_L2 || level > X86PT_L5 ||
		    ((level == X86PT_L2 || level == X86PT_L3) && ps))
			return false;
		break;
	default:
		return false;
	}
	*table = raw & BITS(12, c->maxphyaddr - 1);
	return true;
}

struct x86pt_entry
x86pt_decode(const struct x86pt_ctx *c, enum x86pt_level level, uint64_t raw)
{
	struct x86pt_entry e = { .raw = raw, .level = level };
	uint64_t phys = BITS(12, c->maxphyaddr - 1);
	unsigned pat = 0;

	if (c->mode == X86PT_MODE_32)
		return decode32(c, level, raw);
	if (c->mode == X86PT_MODE_PAE)
		return decode_pae(c, level, raw);
	if (level < X86PT_L1 || level > X86PT_L5 || !(raw & X86PT_E_P))
		return e;
	e.present = true;
	e.is_leaf = level == X86PT_L1 ||
	    ((level == X86PT_L2 || level == X86PT_L3) && (raw & X86PT_E_PS));

	for (size_t i = 0; i < x86pt_flag_table_len; i++) {
		const struct x86pt_flag_desc *d = &x86pt_flag_table[i];
		uint64_t bits = raw & d->mask;

		if (bits == 0 || !row_applies(d, c, level, e.is_leaf))
			continue;
		switch (d->field) {
		case X86PT_FIELD_FLAG:
			e.flags |= d->flag;
			break;
		case X86PT_FIELD_AVL:
			e.avl |= bits;
			break;
		case X86PT_FIELD_PKEY:
			e.pkey = (unsigned)(bits >> 59);
			break;
		}
	}

	/* Address bits from MAXPHYADDR up to 51 must be zero. */
	e.rsvd = raw & BITS(c->maxphyaddr, 51);
	if (!c->nxe)
		e.rsvd |= raw & X86PT_E_NX;
	if (level >= X86PT_L4)
		e.rsvd |= raw & X86PT_E_PS;

	if (!e.is_leaf) {
		e.addr = raw & phys;
	} else if (level == X86PT_L1) {
		e.page_size = X86PT_SPAN(X86PT_L1);
		e.addr = raw & phys;
	} else {
		/* Below a large page's alignment sit PAT and reserved bits. */
		e.page_size = X86PT_SPAN(level);
		e.addr = raw & phys & ~(e.page_size - 1);
		e.rsvd |= raw & BITS(13, X86PT_SHIFT(level) - 1);
	}

	if (e.flags & X86PT_F_PAT)
		pat |= 4;
	if (e.flags & X86PT_F_PCD)
		pat |= 2;
	if (e.flags & X86PT_F_PWT)
		pat |= 1;
	e.pat_index = pat;
	e.memtype = (unsigned)(c->pat >> (8 * pat)) & 0xff;
	e.memtype_name = x86pt_memtype_name(e.memtype);
	return e;
}

/* The table's row for one flag bit, or NULL. */
static const char *
find_flag_name(uint32_t flag)
{
	for (size_t i = 0; i < x86pt_flag_table_len; i++)
		if (x86pt_flag_table[i].field == X86PT_FIELD_FLAG &&
		    x86pt_flag_table[i].flag == flag)
			return x86pt_flag_table[i].name;
	return NULL;
}

const char *
x86pt_flag_name(uint32_t flag)
{
	/* Every JSON range names its flags: look each bit up once. */
	static const char *name[X86PT_F_COUNT];
	static bool known;

	if (!known) {
		for (unsigned b = 0; b < X86PT_F_COUNT; b++)
			name[b] = find_flag_name(1u << b);
		known = true;
	}
	if (flag == 0 || (flag & (flag - 1)) != 0 ||
	    flag >= 1u << X86PT_F_COUNT)
		return find_flag_name(flag);
	return name[__builtin_ctz(flag)];
}

/* Append `s` at buf[*n], keeping room for the NUL; *n counts it all. */
static void
append(char *buf, size_t len, size_t *n, const char *s)
{
	for (; *s != '\0'; s++, (*n)++)
		if (*n + 1 < len)
			buf[*n] = *s;
}

size_t
x86pt_format_flags(uint32_t flags, char *buf, size_t len)
{
	uint32_t done = 0;
	size_t n = 0;

	for (size_t i = 0; i < x86pt_flag_table_len; i++) {
		const struct x86pt_flag_desc *d = &x86pt_flag_table[i];

		if (d->field != X86PT_FIELD_FLAG || !(flags & d->flag & ~done))
			continue;
		done |= d->flag;
		if (n > 0)
			append(buf, len, &n, " ");
		append(buf, len, &n, d->name);
	}
	if (len > 0)
		buf[n < len ? n : len - 1] = '\0';
	return n;
}

void
x86pt_eff_init(struct x86pt_eff *e)
{
	e->write = true;
	e->sup_write = true;
	e->user = true;
	e->exec = true;
}

void
x86pt_eff_add(struct x86pt_eff *e, const struct x86pt_ctx *c,
    const struct x86pt_entry *ent)
{
	if (!ent->present || !x86pt_level_has_rights(c->mode, ent->level))
		return;
	e->write = e->write && (ent->flags & X86PT_F_RW);
	e->user = e->user && (ent->flags & X86PT_F_US);
	/* X86PT_F_NX is only ever set with EFER.NXE. */
	e->exec = e->exec && !(ent->flags & X86PT_F_NX);
	e->sup_write = e->write || !c->wp;
}

unsigned
x86pt_shift(enum x86pt_mode mode, enum x86pt_level level)
{
	if (mode == X86PT_MODE_32)
		return level == X86PT_L1 ? 12u : 22u;
	return X86PT_SHIFT(level);
}

unsigned
x86pt_entries(enum x86pt_mode mode, enum x86pt_level level)
{
	if (mode == X86PT_MODE_32)
		return 1024u;
	if (mode == X86PT_MODE_PAE && level == X86PT_L3)
		return 4u;
	return X86PT_ENTRIES;
}

unsigned
x86pt_entry_size(enum x86pt_mode mode)
{
	return mode == X86PT_MODE_32 ? 4u : 8u;
}

unsigned
x86pt_index(enum x86pt_mode mode, uint64_t va, enum x86pt_level level)
{
	return (unsigned)(va >> x86pt_shift(mode, level)) &
	    (x86pt_entries(mode, level) - 1);
}

uint64_t
x86pt_va_max(enum x86pt_mode mode)
{
	return mode == X86PT_MODE_32 || mode == X86PT_MODE_PAE ?
	    0xffffffffull : ~0ull;
}

uint64_t
x86pt_root(enum x86pt_mode mode, uint64_t cr3, unsigned maxphyaddr)
{
	if (mode == X86PT_MODE_32)
		return cr3 & BITS(12, 31);
	if (mode == X86PT_MODE_PAE)
		return cr3 & BITS(5, 31);
	return x86pt_cr3_root(cr3, maxphyaddr);
}

uint64_t
x86pt_canonical(uint64_t va, bool la57)
{
	unsigned top = la57 ? 56 : 47;
	uint64_t high = ~0ull << top;

	return (va & (1ull << top)) ? (va | high) : (va & ~high);
}

bool
x86pt_is_canonical(uint64_t va, bool la57)
{
	return x86pt_canonical(va, la57) == va;
}

uint64_t
x86pt_cr3_root(uint64_t cr3, unsigned maxphyaddr)
{
	if (maxphyaddr < 32 || maxphyaddr > 52)
		maxphyaddr = 52;
	return cr3 & (~0ull >> (64 - maxphyaddr)) & ~0xfffull;
}
