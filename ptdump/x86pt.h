/*
 * x86pt.h - x86-64 paging, decoded: paging modes, entry formats per level,
 * flags, frame masks, reserved bits, memory types, effective rights and
 * canonical addresses.
 *
 * Pure functions over values: no I/O, no allocation, no state beyond the
 * caller's structs, so `decode VALUE --level N` needs nothing else.
 */
#ifndef PTDUMP_X86PT_H
#define PTDUMP_X86PT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Control-register and EFER bits that shape paging. */
#define X86PT_CR0_WP	(1ull << 16)
#define X86PT_CR0_PG	(1ull << 31)
#define X86PT_CR4_PSE	(1ull << 4)
#define X86PT_CR4_PAE	(1ull << 5)
#define X86PT_CR4_PGE	(1ull << 7)
#define X86PT_CR4_LA57	(1ull << 12)
#define X86PT_CR4_PCIDE	(1ull << 17)
#define X86PT_CR4_SMEP	(1ull << 20)
#define X86PT_CR4_SMAP	(1ull << 21)
#define X86PT_CR4_PKE	(1ull << 22)
#define X86PT_CR4_PKS	(1ull << 24)
#define X86PT_EFER_LME	(1ull << 8)
#define X86PT_EFER_LMA	(1ull << 10)
#define X86PT_EFER_NXE	(1ull << 11)

/*
 * Bits of a 64-bit paging-structure entry (4-level and 5-level paging).
 *
 *   63  62..59  58..52  51..M  M-1..12   11..9  8  7      6  5  4   3   2  1  0
 *   NX  PK      AVL     rsvd   address   AVL    G  PS/PAT D  A  PCD PWT US RW P
 *
 * Bit 7 is PS in a PDPTE/PDE (set: the entry maps a 1 GiB/2 MiB page) but
 * PAT in a PTE; a large page moves PAT to bit 12, and the address bits
 * below its alignment (13..20 or 13..29) are reserved.
 */
#define X86PT_E_P	(1ull << 0)
#define X86PT_E_RW	(1ull << 1)
#define X86PT_E_US	(1ull << 2)
#define X86PT_E_PWT	(1ull << 3)
#define X86PT_E_PCD	(1ull << 4)
#define X86PT_E_A	(1ull << 5)
#define X86PT_E_D	(1ull << 6)
#define X86PT_E_PS	(1ull << 7)
#define X86PT_E_PAT4K	(1ull << 7)
#define X86PT_E_G	(1ull << 8)
#define X86PT_E_PATLG	(1ull << 12)
#define X86PT_E_AVL_LO	(7ull << 9)
#define X86PT_E_AVL_HI	(0x7full << 52)
#define X86PT_E_PK	(0xfull << 59)
#define X86PT_E_NX	(1ull << 63)

#define X86PT_PAGE_SIZE	4096u
#define X86PT_ENTRIES	512u
/* IA32_PAT at power-on: WB, WT, UC-, UC, repeated. */
#define X86PT_PAT_DEFAULT 0x0007040600070406ull
#define X86PT_MAXPHYADDR_DEFAULT 52u

enum x86pt_mode {
	X86PT_MODE_NONE,	/* CR0.PG clear */
	X86PT_MODE_32,		/* CR4.PAE clear */
	X86PT_MODE_PAE,		/* EFER.LMA clear */
	X86PT_MODE_4LEVEL,
	X86PT_MODE_5LEVEL,	/* CR4.LA57 */
};

/* Levels count up from the leaf; the value is the `--level N` number. */
enum x86pt_level {
	X86PT_L1 = 1,		/* PTE: maps 4 KiB */
	X86PT_L2 = 2,		/* PDE: a PT, or 2 MiB with PS */
	X86PT_L3 = 3,		/* PDPTE: a PD, or 1 GiB with PS */
	X86PT_L4 = 4,		/* PML4E: a PDPT */
	X86PT_L5 = 5,		/* PML5E: a PML4 (5-level paging) */
};

/* Decoded one-bit flags, in the order they are printed. */
#define X86PT_F_P	(1u << 0)
#define X86PT_F_RW	(1u << 1)
#define X86PT_F_US	(1u << 2)
#define X86PT_F_PWT	(1u << 3)
#define X86PT_F_PCD	(1u << 4)
#define X86PT_F_A	(1u << 5)
#define X86PT_F_D	(1u << 6)
#define X86PT_F_PS	(1u << 7)
#define X86PT_F_G	(1u << 8)
#define X86PT_F_PAT	(1u << 9)
#define X86PT_F_NX	(1u << 10)
#define X86PT_F_COUNT	11

/* Memory types, as IA32_PAT encodes them. */
enum x86pt_memtype {
	X86PT_MT_UC = 0,
	X86PT_MT_WC = 1,
	X86PT_MT_WT = 4,
	X86PT_MT_WP = 5,
	X86PT_MT_WB = 6,
	X86PT_MT_UCM = 7,	/* UC- */
};

/*
 * One row of the flag table: which raw bits, which decoded flag (or
 * field), at which levels and under which condition.  The same rows
 * drive x86pt_decode() and x86pt_format_flags().
 */
enum x86pt_field {
	X86PT_FIELD_FLAG,	/* a one-bit flag: `flag` says which */
	X86PT_FIELD_AVL,	/* ignored by the CPU: free for software */
	X86PT_FIELD_PKEY,	/* protection key */
};

enum x86pt_when {
	X86PT_WHEN_ALWAYS,
	X86PT_WHEN_LEAF,	/* the entry maps a page */
	X86PT_WHEN_TABLE,	/* the entry points to a table */
	X86PT_WHEN_LARGE,	/* a PDE/PDPTE that maps a page */
	X86PT_WHEN_NXE,		/* EFER.NXE set (else bit 63 is reserved) */
	X86PT_WHEN_PK,		/* a leaf with CR4.PKE or CR4.PKS set */
	X86PT_WHEN_NOT_PK,	/* not the above: bits 59..62 are ignored */
};

#define X86PT_LV(l)	(1u << (l))
#define X86PT_LV_ALL	(X86PT_LV(1) | X86PT_LV(2) | X86PT_LV(3) | \
			 X86PT_LV(4) | X86PT_LV(5))

struct x86pt_flag_desc {
	uint64_t mask;		/* raw bits */
	enum x86pt_field field;
	uint32_t flag;		/* X86PT_F_* for X86PT_FIELD_FLAG */
	const char *name;
	unsigned levels;	/* X86PT_LV() bits */
	enum x86pt_when when;
};

extern const struct x86pt_flag_desc x86pt_flag_table[];
extern const size_t x86pt_flag_table_len;

/* What decoding needs to know about the CPU. */
struct x86pt_ctx {
	uint64_t cr0, cr4, efer;
	enum x86pt_mode mode;
	unsigned maxphyaddr;	/* physical address bits, 32..52 */
	uint64_t pat;		/* IA32_PAT */
	bool wp;		/* CR0.WP: supervisor writes obey RW */
	bool nxe;		/* EFER.NXE: bit 63 is NX, not reserved */
	bool pk;		/* CR4.PKE or CR4.PKS: bits 59..62 are a key */
	bool la57;		/* 57-bit virtual addresses */
};

/* The paging mode that CR0, CR4 and EFER select. */
enum x86pt_mode x86pt_mode(uint64_t cr0, uint64_t cr4, uint64_t efer);

/* "none", "32-bit", "pae", "4-level", "5-level"; "?" when out of range. */
const char *x86pt_mode_name(enum x86pt_mode mode);

/* Number of levels the mode walks (0 for none). */
unsigned x86pt_mode_levels(enum x86pt_mode mode);

/* "PTE", "PDE", "PDPTE", "PML4E", "PML5E"; "?" when out of range. */
const char *x86pt_level_name(enum x86pt_level level);

/* Fill `c` from the registers, with default MAXPHYADDR and PAT. */
void x86pt_ctx_init(struct x86pt_ctx *c, uint64_t cr0, uint64_t cr4,
    uint64_t efer);

/*
 * A context for decoding entries without a target: 4-level paging,
 * CR0.WP and EFER.NXE set, no protection keys.
 */
void x86pt_ctx_init_default(struct x86pt_ctx *c);

/* Set the physical address width; false (unchanged) unless 32..52. */
bool x86pt_ctx_set_maxphyaddr(struct x86pt_ctx *c, unsigned bits);

/* Set IA32_PAT; false (unchanged) if an entry holds a reserved type. */
bool x86pt_ctx_set_pat(struct x86pt_ctx *c, uint64_t pat);

/*
 * The top table's physical address in CR3: bits 12 up to MAXPHYADDR-1
 * (the low bits are PCID, or PWT/PCD; the high ones LAM and reserved).
 */
uint64_t x86pt_cr3_root(uint64_t cr3, unsigned maxphyaddr);

/* True if every entry of `pat` is a defined memory type. */
bool x86pt_pat_valid(uint64_t pat);

/* "UC", "WC", "WT", "WP", "WB", "UC-"; "rsvd" for anything else. */
const char *x86pt_memtype_name(unsigned type);

/* A decoded paging-structure entry. */
struct x86pt_entry {
	uint64_t raw;
	enum x86pt_level level;
	bool present;		/* when false, nothing below is set */
	bool is_leaf;		/* maps a page (PTE, or PS in a PDE/PDPTE) */
	uint64_t page_size;	/* bytes a leaf maps; 0 for a table pointer */
	uint64_t addr;		/* page frame (leaf) or next table */
	uint64_t rsvd;		/* reserved bits that are set: a fault */
	uint32_t flags;		/* X86PT_F_* */
	uint64_t avl;		/* ignored bits that are set, in place */
	unsigned pkey;		/* protection key, 0 unless ctx->pk */
	unsigned pat_index;	/* PAT<<2 | PCD<<1 | PWT */
	unsigned memtype;	/* IA32_PAT entry `pat_index` */
	const char *memtype_name; /* "WB", ...; for a table pointer, the
				   type its next table is read with */
};

/*
 * Decode `raw` as an entry of `level` in the format of c->mode: the
 * 64-bit format of 4-level and 5-level paging (a PS bit in a PML4E or
 * PML5E is reported as reserved, and the entry treated as a table
 * pointer); PAE's (levels 1 to 3, a PDPTE holding only P, PWT, PCD and
 * the A that QEMU sets);
 * or 32-bit paging's (the low 32 bits of raw, levels 1 and 2, a 4 MiB
 * page with CR4.PSE).  A level the mode lacks yields a non-present entry.
 */
struct x86pt_entry x86pt_decode(const struct x86pt_ctx *c,
    enum x86pt_level level, uint64_t raw);

/*
 * Does `raw`, an entry of a table at `level`, point to a table below?
 * Then *table is its address.  What x86pt_decode says (present, not a
 * leaf, addr) without decoding the rest: for a walker's look ahead.
 */
bool x86pt_table_below(const struct x86pt_ctx *c, enum x86pt_level level,
    uint64_t raw, uint64_t *table);

/*
 * Write the names of `flags` (X86PT_F_*), separated by single blanks,
 * into buf (always NUL-terminated when len > 0).  Returns the length the
 * full text needs, like snprintf.
 */
size_t x86pt_format_flags(uint32_t flags, char *buf, size_t len);

/* The name of one X86PT_F_* bit, or NULL. */
const char *x86pt_flag_name(uint32_t flag);

/*
 * Effective rights of a translation: RW and US ANDed over every level,
 * NX ORed (only with EFER.NXE).  `sup_write` is what a supervisor write
 * may do: CR0.WP clear lets it ignore RW.
 */
struct x86pt_eff {
	bool write;
	bool sup_write;
	bool user;
	bool exec;
};

/* Start with full rights, before any level has been added. */
void x86pt_eff_init(struct x86pt_eff *e);

/* Combine one present entry (table pointer or leaf) into `e`. */
void x86pt_eff_add(struct x86pt_eff *e, const struct x86pt_ctx *c,
    const struct x86pt_entry *ent);

/*
 * Virtual addresses.  The index of level L is bits 12+9(L-1) .. 20+9(L-1):
 *
 *   47    39 38    30 29    21 20    12 11       0
 *   | PML4  | PDPT   | PD     | PT     | offset   |
 */
#define X86PT_SHIFT(l)	(12u + 9u * ((unsigned)(l) - 1u))
#define X86PT_SPAN(l)	(1ull << X86PT_SHIFT(l))

/*
 * The shape of a mode's tables.  4-level, 5-level and PAE paging index
 * 512 8-byte entries a level with 9 bits of the address (PAE's top table
 * has four, indexed by bits 30 and 31); 32-bit paging 1024 4-byte
 * entries with 10 bits: a PDE spans 4 MiB.
 */
#define X86PT_MAX_ENTRIES 1024u	/* the most entries a table has */

/* Bit where the index of `level` starts in an address. */
unsigned x86pt_shift(enum x86pt_mode mode, enum x86pt_level level);

/* Entries in a table of `level`. */
unsigned x86pt_entries(enum x86pt_mode mode, enum x86pt_level level);

/* Bytes per entry: 4 in 32-bit paging, 8 otherwise. */
unsigned x86pt_entry_size(enum x86pt_mode mode);

/* The table index `va` selects at `level`, in `mode`. */
unsigned x86pt_index(enum x86pt_mode mode, uint64_t va,
    enum x86pt_level level);

/* The highest linear address: 0xffffffff without long mode. */
uint64_t x86pt_va_max(enum x86pt_mode mode);

/*
 * The top table's physical address in CR3, as `mode` reads it: PAE's
 * four PDPTEs are 32-byte aligned (CR3 bits 5 to 31), 32-bit paging's
 * table is CR3 bits 12 to 31, long mode's as x86pt_cr3_root().
 */
uint64_t x86pt_root(enum x86pt_mode mode, uint64_t cr3, unsigned maxphyaddr);

/*
 * False for PAE's PDPTEs, which carry no rights and no A bit: they take
 * no part in the effective rights or in whether a path was accessed.
 */
static inline bool
x86pt_level_has_rights(enum x86pt_mode mode, enum x86pt_level level)
{
	return !(mode == X86PT_MODE_PAE && level == X86PT_L3);
}

/* Sign-extend `va` from bit 47 (bit 56 with `la57`). */
uint64_t x86pt_canonical(uint64_t va, bool la57);

/* True if `va` is already in canonical form. */
bool x86pt_is_canonical(uint64_t va, bool la57);

#endif
