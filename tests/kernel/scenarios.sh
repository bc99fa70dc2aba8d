#!/bin/sh
# Boot each scenario with QEMU's -kernel loader and check its serial log
# and its isa-debug-exit status (33 = pass, 35 = fail).
. "$(dirname "$0")/../lib.sh"
tl_init

# expect NAME "APPEND" STATUS REGEX...: tl_expect with QEMU's -kernel.
expect() {
	tl_e_id=$1
	shift
	tl_expect "$tl_e_id" kernel "$@"
}

# same_order LABEL SERIAL: the checkpoints in SERIAL are the scenarios the
# kernel lists ($known), in the table's order.
same_order() {
	ran=$(sed -n 's/^checkpoint //p' "$2")
	if [ -n "$known" ] && [ "$known" = "$ran" ]; then
		tl_ok "$1: ran the $(echo "$known" | wc -l) known scenarios in order"
	else
		tl_fail "$1: the checkpoints differ from the scenario list"
		printf 'known:\n%s\nran:\n%s\n' "$known" "$ran"
	fi
}

expect default "" 33 '^checkpoint boot$' '^PASS'
expect boot "scenario=boot" 33 '^checkpoint boot$' '^PASS'
expect pages-4k "scenario=pages-4k" 33 \
	'pages-4k: read 0x40000000-0x40004000: each 4 KiB page gave its own frame' '^PASS'
expect pages-2m "scenario=pages-2m" 33 \
	'pages-2m: 0x80000000 maps 2 MiB at 0x200000; PML4\[511\] read through it is 0x8000000000200023' '^PASS'
expect pages-1g "scenario=pages-1g" 33 \
	'pages-1g: 0x100000000 maps 1 GiB at physical 0; the constant .* reads 0x5ca1ab1e00001971' '^PASS'
# Without 1 GiB pages (qemu64 has none) the scenario says so and skips.
TL_CPU=qemu64
expect pages-1g-absent "scenario=pages-1g" 33 \
	'pages-1g: skipped: this CPU does not offer pdpe1gb' '^PASS'
unset TL_CPU
expect ro "scenario=ro" 33 'ro: read 0x5ca1ab1e00000020 from the read-only page 0x140000000' '^PASS'
expect nx "scenario=nx" 33 'nx: read and wrote data on the no-execute page 0x180000000' '^PASS'
expect user "scenario=user" 33 '#UD at rip=0x1c0003003' \
	'user: ring 3 read both user pages .*ring 0 read the supervisor page 0x1c0001000' '^PASS'
expect wp "scenario=wp" 33 \
	'wp: with CR0.WP=0 the write to read-only 0x200000000 went through' \
	'#PF .*cr2=0x200000000 err=0x3 \(present, write, supervisor\)' \
	'wp: got the expected fault' '^PASS'
expect cache "scenario=cache" 33 \
	'cache: wrote and read back pages typed WT \(PWT\), UC- \(PCD\) and UC' '^PASS'
expect pat "scenario=pat" 33 'pat: IA32_PAT = 0x407050600070106' \
	'pat: read the WC and WP 4 KiB pages and the WT 2 MiB page' '^PASS'
expect alias "scenario=alias" 33 \
	'alias: frame 0x[0-9a-f]+: written at 0x2c0000000, the same value read at 0x2c0010000' \
	'#PF .*cr2=0x2c0010000 err=0x3 \(present, write' '^PASS'
expect recursive "scenario=recursive" 33 \
	'recursive: PML4\[511\] at 0xfffffffffffffff8 reads 0x8000000000200023; the PTE of 0x100000 at 0xffffff8000000800 reads 0x100021' \
	'^PASS'
expect global "scenario=global" 33 'global: CR4.PGE on; read the global pages' '^PASS'
# QEMU 7.2's TCG has no PCID: the scenario must say so and pass.
expect pcid "scenario=pcid" 33 \
	'pcid: space A cr3=0x200000, space B cr3=0x[0-9a-f]+' \
	'pcid: (skipped: this CPU does not offer PCID|each space read its own frame)' '^PASS'
expect tlb-stale "scenario=tlb-stale" 33 \
	'tlb-stale: 0x340091000 still reads the old frame: the TLB kept the stale translation' \
	'tlb-stale: after INVLPG it reads the new frame' \
	'tlb-stale: a CR3 write flushed the plain page 0x340093000' \
	'tlb-stale: the global page 0x340092000 (survived|was flushed by) the CR3 write' '^PASS'
expect demand "scenario=demand" 33 \
	'#PF .*cr2=0x380001008 err=0x0 \(not-present, read, supervisor\)' \
	'demand: mapped frame 0x[0-9a-f]+ at 0x380001000' \
	'demand: the read of 0x380001008 faulted once, was mapped, and resumed with 0x5ca1ab1e000000de' '^PASS'
expect wx "scenario=wx" 33 'wx: .*0x3c0000000 and ran it: it returned 42' '^PASS'
expect pf-unmapped "scenario=pf-unmapped" 33 \
	'^checkpoint pf-unmapped$' \
	'#PF .*cr2=0xdeadbeaf err=0x0 \(not-present, read, supervisor\)' '^PASS'
expect pf-write-ro "scenario=pf-write-ro" 33 \
	'#PF .*cr2=0x400000000 err=0x3 \(present, write, supervisor\)' '^PASS'
expect pf-write-code "scenario=pf-write-code" 33 \
	'^checkpoint pf-write-code$' \
	'#PF .*cr2=0x100000 err=0x3 \(present, write, supervisor\)' '^PASS'
expect pf-exec-nx "scenario=pf-exec-nx" 33 \
	'#PF .*cr2=0x440000000 err=0x11 \(present, instruction-fetch, supervisor\)' '^PASS'
expect pf-user-super "scenario=pf-user-super" 33 \
	'#PF at rip=0x480000000 cr2=0x160000 err=0x5 \(present, read, user\)' '^PASS'
expect pf-rsvd "scenario=pf-rsvd" 33 \
	'pf-rsvd: MAXPHYADDR is [0-9]+; PTE of 0x4c0000000 has bit' \
	'#PF .*cr2=0x4c0000000 err=0x[89] \(.*reserved-bit\)' '^PASS'
expect gp-noncanonical "scenario=gp-noncanonical" 33 \
	'#GP .*err=0x0 \(no selector: e.g. a non-canonical address' \
	'gp-noncanonical: got the expected fault' '^PASS'
expect smep "scenario=smep" 33 \
	'#PF at rip=0x500000000 cr2=0x500000000 err=0x11 \(present, instruction-fetch, supervisor\)' \
	'smep: with SMEP off the same call ran the user code up to its UD2' '^PASS'
expect smap "scenario=smap" 33 \
	'#PF .*cr2=0x540000000 err=0x1 \(present, read, supervisor\)' \
	'smap: after STAC the read of 0x540000000 returned 0x5ca1ab1e00000081' '^PASS'
expect stack-overflow "scenario=stack-overflow" 33 \
	'^checkpoint stack-overflow$' \
	'#DF at .*cr2=0x170[0-9a-f]{3} \(on the IST1 stack\)' \
	'cr2 is in the kernel stack guard page 0x170000-0x171000' '^PASS'
expect scale "scenario=scale" 33 \
	'scale: mapped 1 GiB at 0x8000000000 with 262144 4 KiB pages over 4 frames' \
	'scale: the first, sixth and last pages read' '^PASS'
expect scale-3 "scenario=scale scale=3" 33 \
	'scale: mapped 3 GiB at 0x8000000000 with 786432 4 KiB pages' '^PASS'
expect scale-bad "scenario=scale scale=0" 35 'scale=0 is out of range' '^FAIL'

# The scenarios of the 32-bit stage (legacy.S): the kernel checks its own
# aliases before it passes; the last scenario= word wins, as in main.c.
expect paging32 "scenario=paging32" 33 '^checkpoint paging32$' '^PASS'
expect pae "scenario=pae" 33 '^checkpoint pae$' '^PASS'
expect legacy-last "scenario=pae scenario=paging32" 33 \
	'^checkpoint paging32$' '^PASS'
expect legacy-not-last "scenario=pae scenario=boot" 33 '^checkpoint boot$' '^PASS'
expect legacy-near-miss "scenario=paex" 35 'unknown scenario "paex"' \
	'^  paging32: 32-bit paging' '^FAIL'

# `all` runs every scenario: each one's checkpoint, in the table's order.
expect all "scenario=all" 33 '^PASS'
expect unknown "scenario=no-such-thing" 35 'unknown scenario' 'pf-unmapped' '^FAIL'
known=$(sed -n 's/^  \([a-z0-9-]*\) .*/\1/p' "$T/unknown.serial" | grep -vx all)
same_order all "$T/all.serial"

# `la57`: 5-level paging, every scenario again.  boot.S finds the word
# itself (paging starts before C runs); near misses must not count.
expect all-la57 "scenario=all la57" 33 \
	'^paging: 5-level, cr3=0x200000' \
	'recursive: PML5\[511\] at 0xfffffffffffffff8 reads 0x8000000000200023; the PTE of 0x100000 at 0xffff000000000800 reads 0x100021' \
	'pcid: space A cr3=0x200000, space B cr3=0x[0-9a-f]+; 0x2000000000000 maps' \
	'gp-noncanonical: got the expected fault' '^PASS'
same_order "all la57" "$T/all-la57.serial"
expect la57-near-miss "scenario=boot xla57 la57x" 33 '^paging: 4-level' \
	'ignoring unknown word "xla57"' 'ignoring unknown word "la57x"' '^PASS'
TL_CPU=qemu64
expect la57-absent "la57 scenario=boot" 35 \
	'^FAIL: la57 asks for 5-level paging, but this CPU has no LA57'
unset TL_CPU

# `halt`: the kernel stops after the checkpoint and stays up.
tl_qemu halt kernel "scenario=pf-unmapped halt"
if tl_wait_line "$T/halt.serial" '^checkpoint pf-unmapped$' 60; then
	sleep 1
	if ! kill -0 "$QPID" 2>/dev/null; then
		tl_fail "halt: QEMU exited instead of halting"
	elif grep -q '#PF' "$T/halt.serial"; then
		tl_fail "halt: the fault ran despite halt"
	else
		tl_ok "halt: stopped at the checkpoint"
	fi
else
	tl_fail "halt: no checkpoint line"
	tl_show "$T/halt.serial"
fi
tl_stop "$QPID"

tl_done
