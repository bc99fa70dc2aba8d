/* x86fault.c - exceptions and page faults in words: see x86fault.h. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "walk.h"
#include "x86fault.h"
#include "x86pt.h"

/* ---- exception vectors --------------------------------------------- */

/*
 * SDM vol. 3A table 6-1, with AMD's #HV, #VC and #SX (APM vol. 2, 8.2).
 * #DF, #AC and #CP push an error code too, though #DF's and #AC's is 0.
 */
static const struct x86fault_vector vectors[X86FAULT_NVECTORS] = {
	[0] = { "DE", "divide error", false },
	[1] = { "DB", "debug", false },
	[2] = { "NMI", "non-maskable interrupt", false },
	[3] = { "BP", "breakpoint", false },
	[4] = { "OF", "overflow", false },
	[5] = { "BR", "bound range exceeded", false },
	[6] = { "UD", "invalid opcode", false },
	[7] = { "NM", "device not available", false },
	[8] = { "DF", "double fault", true },
	[9] = { "", "coprocessor segment overrun", false },
	[10] = { "TS", "invalid TSS", true },
	[11] = { "NP", "segment not present", true },
	[12] = { "SS", "stack-segment fault", true },
	[13] = { "GP", "general protection", true },
	[14] = { "PF", "page fault", true },
	[15] = { "", "reserved", false },
	[16] = { "MF", "x87 floating-point error", false },
	[17] = { "AC", "alignment check", true },
	[18] = { "MC", "machine check", false },
	[19] = { "XM", "SIMD floating-point", false },
	[20] = { "VE", "virtualization", false },
	[21] = { "CP", "control protection", true },
	[22] = { "", "reserved", false },
	[23] = { "", "reserved", false },
	[24] = { "", "reserved", false },
	[25] = { "", "reserved", false },
	[26] = { "", "reserved", false },
	[27] = { "", "reserved", false },
	[28] = { "HV", "hypervisor injection", false },
	[29] = { "VC", "VMM communication", true },
	[30] = { "SX", "security", true },
	[31] = { "", "reserved", false },
};

const struct x86fault_vector *
x86fault_vector(unsigned vec)
{
	return vec < X86FAULT_NVECTORS ? &vectors[vec] : NULL;
}

static char
lower(char ch)
{
	return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
}

static bool
squashed(char ch)
{
	return ch == ' ' || ch == '-' || ch == '_';
}

/* Equal ignoring case, blanks, dashes and underscores. */
static bool
word_eq(const char *w, const char *name)
{
	for (;;) {
		while (squashed(*w))
			w++;
		while (squashed(*name))
			name++;
		if (*w == '\0' || *name == '\0')
			return *w == *name;
		if (lower(*w++) != lower(*name++))
			return false;
	}
}

static int
digit(char ch, unsigned base)
{
	int d = -1;

	ch = lower(ch);
	if (ch >= '0' && ch <= '9')
		d = ch - '0';
	else if (ch >= 'a' && ch <= 'f')
		d = ch - 'a' + 10;
	return d >= 0 && (unsigned)d < base ? d : -1;
}

/* A whole-word number below X86FAULT_NVECTORS, decimal or 0x hex. */
static bool
vector_number(const char *w, unsigned *vec)
{
	unsigned base = 10, n = 0;

	if (w[0] == '0' && lower(w[1]) == 'x') {
		base = 16;
		w += 2;
	}
	if (*w == '\0')
		return false;
	for (; *w != '\0'; w++) {
		int d = digit(*w, base);

		if (d < 0)
			return false;
		n = n * base + (unsigned)d;
		if (n >= X86FAULT_NVECTORS)
			return false;
	}
	*vec = n;
	return true;
}

int
x86fault_vector_by_word(const char *w, unsigned *vec)
{
	if (w == NULL)
		return -1;
	if (*w == '#')
		w++;
	if (*w == '\0')
		return -1;
	if (*w >= '0' && *w <= '9')
		return vector_number(w, vec) ? 0 : -1;
	for (unsigned i = 0; i < X86FAULT_NVECTORS; i++) {
		const struct x86fault_vector *x = &vectors[i];

		if (strcmp(x->name, "reserved") == 0)
			continue;
		if ((x->mnemonic[0] != '\0' && word_eq(w, x->mnemonic)) ||
		    word_eq(w, x->name)) {
			*vec = i;
			return 0;
		}
	}
	return -1;
}

/* ---- the #PF error code -------------------------------------------- */

void
x86fault_errcode_decode(uint64_t ec, struct x86fault_errcode *out)
{
	out->present = (ec & X86FAULT_PF_P) != 0;
	out->write = (ec & X86FAULT_PF_W) != 0;
	out->user = (ec & X86FAULT_PF_U) != 0;
	out->rsvd = (ec & X86FAULT_PF_RSVD) != 0;
	out->fetch = (ec & X86FAULT_PF_ID) != 0;
	out->pkey = (ec & X86FAULT_PF_PK) != 0;
	out->shstk = (ec & X86FAULT_PF_SS) != 0;
	out->hlat = (ec & X86FAULT_PF_HLAT) != 0;
	out->sgx = (ec & X86FAULT_PF_SGX) != 0;
	out->other = ec & ~(X86FAULT_PF_P | X86FAULT_PF_W | X86FAULT_PF_U |
	    X86FAULT_PF_RSVD | X86FAULT_PF_ID | X86FAULT_PF_PK |
	    X86FAULT_PF_SS | X86FAULT_PF_HLAT | X86FAULT_PF_SGX);
}

/* Append ", s" (or s first) at buf[*n]; *n counts the full length. */
static void
add_word(char *buf, size_t len, size_t *n, const char *s)
{
	for (const char *p = *n > 0 ? ", " : ""; *p != '\0'; p++, (*n)++)
		if (*n + 1 < len)
			buf[*n] = *p;
	for (; *s != '\0'; s++, (*n)++)
		if (*n + 1 < len)
			buf[*n] = *s;
}

size_t
x86fault_errcode_words(uint64_t ec, char *buf, size_t len)
{
	static const struct {
		uint64_t bit;
		const char *word;
	} rest[] = {
		{ X86FAULT_PF_RSVD, "reserved bit" },
		{ X86FAULT_PF_ID, "instruction fetch" },
		{ X86FAULT_PF_PK, "protection key" },
		{ X86FAULT_PF_SS, "shadow stack" },
		{ X86FAULT_PF_HLAT, "HLAT" },
		{ X86FAULT_PF_SGX, "SGX" },
	};
	struct x86fault_errcode d;
	size_t n = 0;

	x86fault_errcode_decode(ec, &d);
	add_word(buf, len, &n, d.present ? "protection violation" :
	    "not present");
	add_word(buf, len, &n, d.write ? "write" : "read");
	add_word(buf, len, &n, d.user ? "user" : "supervisor");
	for (size_t i = 0; i < sizeof rest / sizeof rest[0]; i++)
		if (ec & rest[i].bit)
			add_word(buf, len, &n, rest[i].word);
	for (unsigned b = 0; b < 64; b++) {
		char word[16];

		if (!(d.other & (1ull << b)))
			continue;
		snprintf(word, sizeof word, "bit %u", b);
		add_word(buf, len, &n, word);
	}
	if (len > 0)
		buf[n < len ? n : len - 1] = '\0';
	return n;
}

/* ---- why an access faults ------------------------------------------ */

void
x86fault_access_from_errcode(uint64_t ec, uint64_t cr2, uint64_t rflags,
    struct x86fault_access *a)
{
	a->va = cr2;
	if (ec & X86FAULT_PF_ID)
		a->kind = X86FAULT_EXEC;
	else if (ec & X86FAULT_PF_W)
		a->kind = X86FAULT_WRITE;
	else
		a->kind = X86FAULT_READ;
	a->user = (ec & X86FAULT_PF_U) != 0;
	a->ac = (rflags & X86FAULT_RFLAGS_AC) != 0;
	a->ac_known = true;
}

const char *
x86fault_cause_name(enum x86fault_cause cause)
{
	switch (cause) {
	case X86FAULT_CAUSE_NONE:		return "none";
	case X86FAULT_CAUSE_NONCANONICAL:	return "non-canonical";
	case X86FAULT_CAUSE_NOT_PRESENT:	return "not present";
	case X86FAULT_CAUSE_RESERVED:		return "reserved bit";
	case X86FAULT_CAUSE_USER_SUPERVISOR:	return "supervisor page";
	case X86FAULT_CAUSE_READ_ONLY:		return "read-only";
	case X86FAULT_CAUSE_NX:			return "NX";
	case X86FAULT_CAUSE_SMEP:		return "SMEP";
	case X86FAULT_CAUSE_SMAP:		return "SMAP";
	case X86FAULT_CAUSE_SMAP_AC_UNKNOWN:	return "SMAP, AC unknown";
	case X86FAULT_CAUSE_PKEY_UNKNOWN:	return "protection key unknown";
	case X86FAULT_CAUSE_PAST_RAM:		return "table past RAM";
	}
	return "?";
}

/* "supervisor write to 0x2000" */
static void
access_words(const struct x86fault_access *a, char *buf, size_t len)
{
	static const char *const kind[] = {
		[X86FAULT_READ] = "read from",
		[X86FAULT_WRITE] = "write to",
		[X86FAULT_EXEC] = "instruction fetch from",
	};

	snprintf(buf, len, "%s %s 0x%llx", a->user ? "user" : "supervisor",
	    (unsigned)a->kind <= X86FAULT_EXEC ? kind[a->kind] : "access to",
	    (unsigned long long)a->va);
}

/* "the level-1 entry (PTE) at index 2", as the walk output names it. */
static void
entry_words(const struct walk_step *s, char *buf, size_t len)
{
	snprintf(buf, len, "the level-%u entry (%s) at index %u",
	    (unsigned)s->level, x86pt_level_name(s->level), s->index);
}

/* Why reserved bit `b` of entry `s` is reserved, or "". */
static void
rsvd_hint(const struct x86pt_ctx *c, const struct walk_step *s, unsigned b,
    char *buf, size_t len)
{
	buf[0] = '\0';
	if (c->mode == X86PT_MODE_PAE && s->level == X86PT_L3) {
		/* SDM 4.4.1: checked when CR3 loads the PDPTEs, with #GP; so
		 * memory changed since, or the MMU is QEMU's, which faults. */
		snprintf(buf, len, " (a CPU checks a PDPTE as CR3 loads it: "
		    "#GP then)");
	} else if (c->mode == X86PT_MODE_32 && s->e.is_leaf &&
	    s->level == X86PT_L2) {
		snprintf(buf, len, " (reserved in a 4 MiB PDE, above its "
		    "PSE-36 address bits)");
	} else if (c->mode == X86PT_MODE_PAE && b >= 52 && b <= 62) {
		snprintf(buf, len, " (reserved with PAE paging)");
	} else if (b == 63 && !c->nxe) {
		snprintf(buf, len, " (NX while EFER.NXE=0)");
	} else if (b == 7 && s->level >= X86PT_L4) {
		snprintf(buf, len, " (PS is reserved in a %s)",
		    x86pt_level_name(s->level));
	} else if (b >= c->maxphyaddr && b <= 51) {
		snprintf(buf, len, " (MAXPHYADDR is %u)", c->maxphyaddr);
	} else if (s->e.is_leaf && s->e.page_size > X86PT_PAGE_SIZE &&
	    b >= 13 && (1ull << b) < s->e.page_size) {
		snprintf(buf, len, " (the %s page address is not aligned)",
		    s->e.page_size == X86PT_SPAN(X86PT_L3) ? "1 GiB" :
		    s->e.page_size == (4ull << 20) ? "4 MiB" : "2 MiB");
	}
}

static unsigned
popcount64(uint64_t v)
{
	unsigned n = 0;

	for (; v != 0; v &= v - 1)
		n++;
	return n;
}

static unsigned
lowest_bit(uint64_t v)
{
	unsigned b = 0;

	while (b < 63 && !(v & (1ull << b)))
		b++;
	return b;
}

/* The first (highest) step whose entry has `flag` set (`has`) or clear
 * (!`has`); the leaf if none does.  PAE's PDPTEs hold no rights. */
static const struct walk_step *
deciding_step(const struct walk_trace *t, uint32_t flag, bool has)
{
	for (unsigned i = 0; i < t->nsteps; i++)
		if (x86pt_level_has_rights(t->mode, t->step[i].level) &&
		    ((t->step[i].e.flags & flag) != 0) == has)
			return &t->step[i];
	return &t->step[t->nsteps - 1];
}

static int
reject(struct x86fault_verdict *v, const char *why)
{
	snprintf(v->why, sizeof v->why, "%s", why);
	return -1;
}

/* Fill the verdict's outcome; `s` is the deciding step (NULL: none). */
static int
verdict(struct x86fault_verdict *v, bool faults, enum x86fault_cause cause,
    const struct walk_step *s)
{
	v->faults = faults;
	v->cause = cause;
	v->level = s != NULL ? s->level : (enum x86pt_level)0;
	return 0;
}

/* The rights checks of SDM 4.6.1 on a complete translation. */
static int
explain_rights(const struct x86pt_ctx *c, const struct walk_trace *t,
    const struct x86fault_access *a, struct x86fault_verdict *v,
    const char *acc)
{
	const struct walk_step *leaf = &t->step[t->nsteps - 1];
	const struct walk_step *s;
	char ent[48], note[128] = "";
	bool pk_applies;

	if (a->user && !t->eff.user) {
		s = deciding_step(t, X86PT_F_US, false);
		entry_words(s, ent, sizeof ent);
		snprintf(v->why, sizeof v->why, "%s faulted: %s has US=0", acc,
		    ent);
		return verdict(v, true, X86FAULT_CAUSE_USER_SUPERVISOR, s);
	}
	if (a->kind == X86FAULT_WRITE && !t->eff.write && (a->user || c->wp)) {
		s = deciding_step(t, X86PT_F_RW, false);
		entry_words(s, ent, sizeof ent);
		snprintf(v->why, sizeof v->why, "%s faulted: %s has RW=0%s",
		    acc, ent, a->user ? "" : " and CR0.WP=1");
		return verdict(v, true, X86FAULT_CAUSE_READ_ONLY, s);
	}
	/* X86PT_F_NX is only decoded with EFER.NXE set. */
	if (a->kind == X86FAULT_EXEC && !t->eff.exec) {
		s = deciding_step(t, X86PT_F_NX, true);
		entry_words(s, ent, sizeof ent);
		snprintf(v->why, sizeof v->why, "%s faulted: %s has NX=1 and "
		    "EFER.NXE=1", acc, ent);
		return verdict(v, true, X86FAULT_CAUSE_NX, s);
	}
	if (!a->user && a->kind == X86FAULT_EXEC && t->eff.user &&
	    (c->cr4 & X86PT_CR4_SMEP)) {
		snprintf(v->why, sizeof v->why, "%s faulted: the page is a user "
		    "page (US=1 at every level) and CR4.SMEP=1", acc);
		return verdict(v, true, X86FAULT_CAUSE_SMEP, leaf);
	}
	if (!a->user && a->kind != X86FAULT_EXEC && t->eff.user &&
	    (c->cr4 & X86PT_CR4_SMAP)) {
		if (!a->ac_known) {
			snprintf(v->why, sizeof v->why, "%s touches a user page "
			    "with CR4.SMAP=1: EFLAGS.AC decides (0: it faults, "
			    "1: it is allowed)", acc);
			return verdict(v, false,
			    X86FAULT_CAUSE_SMAP_AC_UNKNOWN, leaf);
		}
		if (!a->ac) {
			snprintf(v->why, sizeof v->why, "%s faulted: the page "
			    "is a user page (US=1 at every level), CR4.SMAP=1 "
			    "and EFLAGS.AC=0", acc);
			return verdict(v, true, X86FAULT_CAUSE_SMAP, leaf);
		}
	}

	/* SDM 4.6.2: keys guard data accesses, PKE user and PKS supervisor
	 * pages; their rights live in PKRU/IA32_PKRS, out of our sight. */
	pk_applies = a->kind != X86FAULT_EXEC && (t->eff.user ?
	    (c->cr4 & X86PT_CR4_PKE) != 0 : (c->cr4 & X86PT_CR4_PKS) != 0);
	if (pk_applies && leaf->e.pkey != 0) {
		snprintf(v->why, sizeof v->why, "%s is allowed by the tables, "
		    "but the page has protection key %u and %s: %s decides, "
		    "and the gdbstub does not expose it", acc, leaf->e.pkey,
		    t->eff.user ? "CR4.PKE=1" : "CR4.PKS=1",
		    t->eff.user ? "PKRU" : "IA32_PKRS");
		return verdict(v, false, X86FAULT_CAUSE_PKEY_UNKNOWN, leaf);
	}

	if (a->kind == X86FAULT_WRITE && !a->user && !t->eff.write)
		snprintf(note, sizeof note, "CR0.WP=0 lets a supervisor write "
		    "ignore RW=0");
	if (pk_applies)
		snprintf(note + strlen(note), sizeof note - strlen(note),
		    "%sprotection key 0, assumed open in %s",
		    note[0] != '\0' ? "; " : "",
		    t->eff.user ? "PKRU" : "IA32_PKRS");
	snprintf(v->why, sizeof v->why, "the tables allow this access%s%s%s",
	    note[0] != '\0' ? " (" : "", note, note[0] != '\0' ? ")" : "");
	return verdict(v, false, X86FAULT_CAUSE_NONE, leaf);
}

int
x86fault_explain(const struct x86pt_ctx *c, const struct walk_trace *t,
    const struct x86fault_access *a, struct x86fault_verdict *v)
{
	const struct walk_step *last;
	char acc[56], ent[48], hint[80];
	unsigned n;

	memset(v, 0, sizeof *v);
	if (x86pt_mode_levels(t->mode) == 0)
		return reject(v, "paging is off: there is nothing to explain");
	if (c->mode != t->mode)
		return reject(v, "the walk was made in another paging mode");
	if (t->va != a->va)
		return reject(v, "the walk is of another address");
	if (t->nsteps > sizeof t->step / sizeof t->step[0])
		return reject(v, "the walk has too many steps");

	/* SDM 6.15 (#GP, #SS) and 4.5: no walk for a non-canonical address;
	 * outside long mode none past 4 GiB. */
	if (a->va > x86pt_va_max(t->mode)) {
		snprintf(v->why, sizeof v->why, "not a linear address: %s "
		    "paging has 4 GiB of them", x86pt_mode_name(t->mode));
		return verdict(v, true, X86FAULT_CAUSE_NONCANONICAL, NULL);
	}
	if (t->stop == WALK_NONCANONICAL || !x86pt_is_canonical(a->va, c->la57)) {
		snprintf(v->why, sizeof v->why, "not a page fault: a "
		    "non-canonical address raises #GP (#SS for a stack access)");
		return verdict(v, true, X86FAULT_CAUSE_NONCANONICAL, NULL);
	}
	if (t->nsteps == 0)
		return reject(v, "the walk took no step");
	last = &t->step[t->nsteps - 1];
	access_words(a, acc, sizeof acc);
	entry_words(last, ent, sizeof ent);

	/* The walk stops at the first entry, from the top, with P=0 or a
	 * reserved bit, as the CPU does (SDM 4.7: reserved bits are not
	 * checked in an entry whose P is 0). */
	switch (t->stop) {
	case WALK_NOT_PRESENT:
		snprintf(v->why, sizeof v->why, "%s faulted: %s is not present",
		    acc, ent);
		return verdict(v, true, X86FAULT_CAUSE_NOT_PRESENT, last);
	case WALK_RESERVED:
		v->bit = lowest_bit(last->e.rsvd);
		n = popcount64(last->e.rsvd);
		rsvd_hint(c, last, v->bit, hint, sizeof hint);
		if (n == 1)
			snprintf(v->why, sizeof v->why, "%s faulted: reserved "
			    "bit %u is set in %s%s", acc, v->bit, ent, hint);
		else
			snprintf(v->why, sizeof v->why, "%s faulted: %u "
			    "reserved bits are set in %s, the lowest bit %u%s",
			    acc, n, ent, v->bit, hint);
		return verdict(v, true, X86FAULT_CAUSE_RESERVED, last);
	case WALK_PAST_RAM:
		snprintf(v->why, sizeof v->why, "cannot tell: %s points to a "
		    "table at 0x%llx, past the end of RAM", ent,
		    (unsigned long long)last->e.addr);
		return verdict(v, false, X86FAULT_CAUSE_PAST_RAM, last);
	case WALK_OK:
		return explain_rights(c, t, a, v, acc);
	case WALK_NONCANONICAL:
		break;
	}
	return reject(v, "the walk ended in an unknown way");
}

/* ---- the verdict against the error code ---------------------------- */

static bool
say(char *buf, size_t len, bool disagree, const char *s)
{
	if (len > 0)
		snprintf(buf, len, "%s", s);
	return disagree;
}

/* Does `ec` describe an access that `cause` can deny? */
static bool
access_matches(enum x86fault_cause cause, const struct x86fault_errcode *d)
{
	switch (cause) {
	case X86FAULT_CAUSE_USER_SUPERVISOR:
		return d->user;
	case X86FAULT_CAUSE_READ_ONLY:
		return d->write && !d->fetch;
	case X86FAULT_CAUSE_NX:
		return d->fetch;
	case X86FAULT_CAUSE_SMEP:
		return d->fetch && !d->user;
	case X86FAULT_CAUSE_SMAP:
	case X86FAULT_CAUSE_SMAP_AC_UNKNOWN:
		return !d->fetch && !d->user;
	default:
		return true;
	}
}

bool
x86fault_compare(const struct x86fault_verdict *v, uint64_t ec, char *buf,
    size_t len)
{
	static const char changed[] = "the tables allow this access now: "
	    "they changed after the fault, or the TLB held a stale translation";
	struct x86fault_errcode d;
	char s[256];

	x86fault_errcode_decode(ec, &d);
	switch (v->cause) {
	case X86FAULT_CAUSE_NONCANONICAL:
		return say(buf, len, true, "a non-canonical address raises #GP, "
		    "not #PF: this error code is not for this address");
	case X86FAULT_CAUSE_PAST_RAM:
		return say(buf, len, false, "cannot compare: a table lies past "
		    "the end of RAM");
	case X86FAULT_CAUSE_NOT_PRESENT:
		if (!d.present && !d.rsvd)
			return say(buf, len, false, "the error code agrees: "
			    "not present");
		snprintf(s, sizeof s, "the error code says P=1 (a translation "
		    "existed) but the walk finds the level-%u entry (%s) not "
		    "present: the tables changed after the fault",
		    (unsigned)v->level, x86pt_level_name(v->level));
		return say(buf, len, true, s);
	case X86FAULT_CAUSE_RESERVED:
		/* QEMU TCG sets RSVD without P (0x8); hardware sets both. */
		if (d.rsvd)
			return say(buf, len, false, "the error code agrees: a "
			    "reserved bit");
		return say(buf, len, true, "the error code has no RSVD but the "
		    "walk finds reserved bits: the tables changed after the "
		    "fault");
	default:
		break;
	}

	/* Everything left has a present translation without reserved bits. */
	if (!d.present)
		return say(buf, len, true, "the error code says not present "
		    "(P=0) but the walk finds a translation: the tables changed "
		    "after the fault");
	if (d.rsvd)
		return say(buf, len, true, "the error code says a reserved bit "
		    "but the walk finds none: the tables changed after the "
		    "fault");
	/* SDM 4.7: SGX is set only when paging itself allowed the access. */
	if (d.sgx)
		return say(buf, len, v->faults, v->faults ?
		    "the error code says SGX (paging allowed the access) but "
		    "the tables deny it now: they changed after the fault" :
		    "the error code agrees: the EPCM, not paging, denied the "
		    "access (SGX)");
	if (!access_matches(v->cause, &d))
		return say(buf, len, true, "the error code describes another "
		    "access (read/write, user/supervisor or fetch) than the one "
		    "explained");

	switch (v->cause) {
	case X86FAULT_CAUSE_NONE:
	case X86FAULT_CAUSE_PKEY_UNKNOWN:
		if (d.pkey)
			return say(buf, len, false, "the error code says a "
			    "protection key denied the access: PKRU or "
			    "IA32_PKRS, not the tables");
		if (d.shstk)
			return say(buf, len, false, "the error code marks a "
			    "shadow-stack access, whose page rules are not "
			    "checked here");
		if (d.hlat)
			return say(buf, len, false, "the error code says HLAT "
			    "paging faulted, not these tables");
		return say(buf, len, true, changed);
	case X86FAULT_CAUSE_SMAP_AC_UNKNOWN:
		return say(buf, len, false, "the error code agrees if EFLAGS.AC "
		    "was 0 (SMAP)");
	default:
		return say(buf, len, false, "the error code agrees");
	}
}
