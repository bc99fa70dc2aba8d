/*
 * fake_session.h - a ptdump session whose target is the fake (see
 * fake_target.h), over one small address space, for tests of the
 * commands and of run control.  Output is captured per command.
 *
 * The guest (every number below is what the tests' expectations are
 * worked out from):
 *
 *   guest-physical memory 0x40000 bytes; 4-level paging, CR3 0x1000,
 *   CR0.WP=1, EFER.NXE=1 (fake_long_mode); MAXPHYADDR 52.
 *
 *   PML4 0x1000 [0] -> PDPT 0x2000 [0] -> PD 0x3000      P RW US (0x7)
 *   PD[0]  -> PT  0x4000    va 0x000000 .. 0x1fffff      P RW US
 *   PD[1]  -> PT2 0x20000   va 0x200000 .. 0x3fffff      P RW US
 *   PD[2..] not present     (e.g. va 0x400000)
 *   PT[1..15]  va = pa, 0x1000 .. 0xffff                 P RW (0x3)
 *     except PT[8]  va 0x8000 -> 0x8000 read-only        P    (0x1)
 *   PT[0x104]  va 0x104000 -> 0x4000: the PT page again  P RW
 *   PT[0x105]  va 0x105000 -> 0x5000: the IDT            P RW
 *   PT[0], PT[16..0x103], PT[0x106..] not present (e.g. va 0x50000)
 *   PT2[1]     va 0x201000 -> 0x21000                     P RW
 *   No PTE maps PT2 (0x20000) itself.
 *
 *   IDT at va 0x105000 (pa 0x5000), limit 0xff (gates 0..15).  Gate 14
 *   (#PF): present, handler 0xffffffff81234560; every other gate zero.
 *   vCPU 0: RIP 0x9000, RSP 0x7f00, EFLAGS 0x202, CR2 0x50000.  At RSP,
 *   a #PF frame: error code 0x2, RIP 0x9010, CS 0x10, RFLAGS 0x202,
 *   RSP 0x8000, SS 0x18.
 *
 *   Symbols (fs_symbols, a System.map):  0x6000 D jiffies,
 *   0x9000 T start_kernel, 0x9100 T do_work,
 *   0xffffffff81234560 T asm_exc_page_fault.
 */
#ifndef PTDUMP_TESTS_FAKE_SESSION_H
#define PTDUMP_TESTS_FAKE_SESSION_H

#include <stdio.h>

#include "fake_target.h"
#include "session.h"

#define FS_MEM		0x40000u
#define FS_PML4		0x1000u
#define FS_PDPT		0x2000u
#define FS_PD		0x3000u
#define FS_PT		0x4000u
#define FS_IDT_PA	0x5000u
#define FS_PT2		0x20000u
#define FS_IDT		0x105000u	/* its virtual address */
#define FS_HANDLER	0xffffffff81234560ull
#define FS_RIP		0x9000u
#define FS_RSP		0x7f00u
#define FS_MAX_FILES	8

/*
 * What `walk VA` prints first, down to the PD (FS_WALK_PD) or the PT
 * (FS_WALK_PT, for VAs below 0x200000); VA as 16 hex digits.
 */
#define FS_WALK_PD(va) "walk 0x" va " (cr3 table 0x1000, 4-level)\n" \
	"  PML4E   0 at 0x000000001000 = 0x0000000000002007  P RW US" \
	"  -> table 0x2000\n" \
	"  PDPTE   0 at 0x000000002000 = 0x0000000000003007  P RW US" \
	"  -> table 0x3000\n"
#define FS_WALK_PT(va) FS_WALK_PD(va) \
	"  PDE     0 at 0x000000003000 = 0x0000000000004007  P RW US" \
	"  -> table 0x4000\n"

struct fake_session {
	struct fake_target ft;
	struct session s;
	FILE *out;		/* s.out: an open_memstream */
	char *buf;
	size_t len;
	size_t seen;		/* output before this was another command's */
	char *last;		/* the output of the last fs_run */
	struct pt_err err;	/* its error, when it failed */
	char dir[64];		/* scratch (the symbol map), or "" */
	char files[FS_MAX_FILES][128];	/* in dir, removed at teardown */
	unsigned nfiles;
};

/* cmocka setup and teardown: *state becomes a struct fake_session. */
int fs_setup(void **state);
int fs_teardown(void **state);

/* Run one command line; fs->last is its output, fs->err its error. */
int fs_run(struct fake_session *fs, const char *line);

/* Run a command and check its status and its output (or error, when it
 * fails), failing the test with both texts when they differ. */
void fs_expect(struct fake_session *fs, const char *line, int rc,
    const char *want);

/* Check the run-control calls logged since the last check, and forget
 * them. */
void fs_expect_log(struct fake_session *fs, const char *want);

/* Write the System.map above into the scratch directory and load it. */
void fs_symbols(struct fake_session *fs);

/* Write a file into the scratch directory; returns its path (static). */
const char *fs_file(struct fake_session *fs, const char *name,
    const char *text);

/* Does s start with prefix? */
bool fs_has_prefix(const char *s, const char *prefix);

/* The text of a stop of vCPU 0 at RIP a (16 hex digits), and the stop at
 * the #PF handler with the layout's frame, caught by catchpoint 1. */
#define FS_AT(a)	"cpu 0 stopped at 0x" a
#define FS_PF_STOP	FS_AT("ffffffff81234560 <asm_exc_page_fault>: " \
	"catchpoint 1, #PF page fault from 0x9010 <start_kernel+0x10>, cr2 " \
	"0x50000, error 0x2 (not present, write, supervisor)\n")

/* Store the 16-byte IDT gate `vec` for a 64-bit handler (P=1, type
 * 0xe, selector 0x10). */
void fs_gate(struct fake_session *fs, unsigned vec, uint64_t handler);

#endif
