#!/bin/sh
# Run control against the real kernel in QEMU: temporary and ordinary
# breakpoints, stepping over a breakpoint on continue, stepi, the points
# table, JSON stops, watch-pte catching the PTE write of tlb-stale, and
# two vCPUs.  The kernel's serial log is the oracle for where it was.
. "$(dirname "$0")/../lib.sh"
tl_init

# expect FILE REGEX WHAT: FILE has a line matching REGEX (grep -E).
expect() {
	if grep -Eq -- "$2" "$1"; then
		tl_ok "$3"
	else
		tl_fail "$3: no line /$2/"; tl_show "$1"
	fi
}

# 1. scenario=all, paused at reset: every scenario calls checkpoint().
TL_GDB=1 tl_qemu all kernel "scenario=all" -S
PT="$PTDUMP -t 127.0.0.1:$GDBPORT --symbols $KERNEL"
$PT -c 'tbreak kmain' -c continue -c 'info breakpoints' \
    -c 'break checkpoint' -c 'rwatch 0x160000 4' -c 'awatch 0x160008' \
    -c 'info breakpoints' -c 'delete 3' -c 'delete 4' \
    -c continue -c continue -c 'stepi 3' -c 'set format json' -c stepi \
    -c 'info breakpoints' >"$T/all.out" 2>"$T/all.err"
rc=$?
[ "$rc" = 0 ] || { tl_fail "scenario=all batch: exit $rc"; tl_show "$T/all.err"; }
expect "$T/all.out" '^temporary breakpoint 1 at 0x[0-9a-f]{16} <kmain>$' "tbreak kmain set"
expect "$T/all.out" '^cpu 0 stopped at 0x[0-9a-f]{16} <kmain>: breakpoint 1 \(temporary: deleted\)$' "tbreak hit and deleted"
expect "$T/all.out" '^no break-, watch- or catchpoints$' "info breakpoints: empty after the tbreak"
expect "$T/all.out" '^3 +read-watchpoint +keep +0 +0x0000000000160000 4 bytes at 0x160000' "rwatch listed"
expect "$T/all.out" '^4 +acc-watchpoint +keep +0 +0x0000000000160008 8 bytes at 0x160008' "awatch listed"
n=$(grep -c '^cpu 0 stopped at 0x[0-9a-f]* <checkpoint>: breakpoint 2$' "$T/all.out")
[ "$n" = 2 ] && tl_ok "two continues: two stops at checkpoint" ||
	{ tl_fail "want 2 stops at checkpoint, got $n"; tl_show "$T/all.out"; }
# Without stepping over the breakpoint the second continue would stop
# where it stood: the kernel must have gone on to its second scenario
# (whose checkpoint line is printed by checkpoint(), after the stop).
k=$(grep -c '^scenario ' "$T/all.serial")
[ "$k" = 2 ] && tl_ok "the second stop is in the kernel's second scenario (serial log)" ||
	{ tl_fail "serial log shows $k scenarios begun, want 2"; tl_show "$T/all.serial"; }
expect "$T/all.out" '^cpu 0 stopped at 0x[0-9a-f]{16} <checkpoint\+0x[0-9a-f]+>: step$' "stepi 3 stops inside checkpoint"
expect "$T/all.out" '^\{"stop":\{"reason":"step","cpu":0,"rip":"0x[0-9a-f]+","symbol":"[a-z_0-9.+x]+"\}\}$' "JSON stop"
expect "$T/all.out" '^\{"points":\[\{"number":2,"type":"breakpoint","temporary":false,"hits":2,' "JSON points: hits counted"
tl_stop "$QPID"

# 1b. Data watchpoints on a kernel variable: kmain writes
#     halt_at_checkpoint when it reads "halt" on its command line, and
#     checkpoint() reads it.
TL_GDB=1 tl_qemu wv kernel "scenario=boot halt" -S
PT="$PTDUMP -t 127.0.0.1:$GDBPORT --symbols $KERNEL"
$PT -c 'watch halt_at_checkpoint 1' -c continue -c delete \
    -c 'rwatch halt_at_checkpoint 1' -c continue >"$T/wv.out" 2>"$T/wv.err" ||
	{ tl_fail "watch batch failed"; tl_show "$T/wv.err"; }
expect "$T/wv.out" '^cpu 0 stopped at 0x[0-9a-f]{16} <kmain\+0x[0-9a-f]+>: watchpoint 1, write to 0x[0-9a-f]+ <halt_at_checkpoint>$' "watch: kmain's write is caught"
expect "$T/wv.out" '^cpu 0 stopped at 0x[0-9a-f]{16} <checkpoint\+0x[0-9a-f]+>: watchpoint 2, read of 0x[0-9a-f]+ <halt_at_checkpoint>$' "rwatch: checkpoint's read is caught"
tl_stop "$QPID"

# 2. watch-pte on tlb-stale: the PTE write is caught, and the entry then
#    holds the frame the kernel says it moved the page to.
TL_GDB=1 tl_qemu stale kernel "scenario=tlb-stale" -S
PT="$PTDUMP -t 127.0.0.1:$GDBPORT --symbols $KERNEL"
$PT -c 'break sc_load' -c continue -c delete -c 'watch-pte 0x340091000' \
    -c 'info breakpoints' -c continue -c 'walk 0x340091000' \
    -c delete -c 'monitor cont' >"$T/stale.out" 2>"$T/stale.err"
rc=$?
[ "$rc" = 0 ] || { tl_fail "tlb-stale batch: exit $rc"; tl_show "$T/stale.err"; }
tl_wait_exit "$QPID" 30
expect "$T/stale.out" '^watchpoint 2: writes to the PTE of 0x340091000 at physical 0x[0-9a-f]+, watched at 0x[0-9a-f]+, 0xffffff80[0-9a-f]+$' "watch-pte: the identity and the recursive mapping of the PTE"
expect "$T/stale.out" '^cpu 0 stopped at 0x[0-9a-f]{16} <sc_tlb_stale\+0x[0-9a-f]+>: watchpoint 2, write to the PTE of 0x340091000' "watch-pte: the write in sc_tlb_stale is caught"
new=$(sed -n 's/.*now point at frame \(0x[0-9a-f]*\) instead.*/\1/p' "$T/stale.serial")
if [ -n "$new" ] && grep -q "^  => 0x0000000000${new#0x}  4K page" "$T/stale.out"; then
	tl_ok "after the caught write the PTE maps frame $new, as the kernel reports"
else
	tl_fail "the walk after the write does not show the kernel's new frame '$new'"
	tl_show "$T/stale.out"; tl_show "$T/stale.serial"
fi
[ "$TL_RC" = 33 ] && tl_ok "tlb-stale passes after the watch (exit 33)" ||
	tl_fail "tlb-stale: QEMU exit $TL_RC after the watch"

# 3. Two vCPUs: the kernel starts none, so the second is where the
#    firmware parked it (SeaBIOS: protected mode, paging off).
TL_GDB=1 tl_qemu smp kernel "scenario=boot halt" -smp 2
tl_wait_line "$T/smp.serial" '^checkpoint boot$' 60 || tl_fail "smp: no checkpoint"
PT="$PTDUMP -t 127.0.0.1:$GDBPORT"
$PT -c 'info cpus' -c 'cpu 1' -c regs >"$T/smp.out" 2>"$T/smp.err" ||
	{ tl_fail "smp batch failed"; tl_show "$T/smp.err"; }
expect "$T/smp.out" '^\* 0 +0x[0-9a-f]{16} 0x0000000000200000 4-level$' "info cpus: cpu 0 in 4-level paging on the kernel's root"
expect "$T/smp.out" '^  1 +0x[0-9a-f]{16} 0x0000000000000000 none$' "info cpus: cpu 1 with paging off"
expect "$T/smp.out" '^cpu 1: rip 0x[0-9a-f]{16}, cr3 0x0, none$' "cpu 1 chosen"
expect "$T/smp.out" '^cpu  1$' "regs names cpu 1"
expect "$T/smp.out" '^cr0  0x[0-9a-f]{16}  PG=0 ' "regs of cpu 1: its own CR0, PG=0"
$PT --cpu 0 dump --format json >"$T/smp0.out" 2>&1
expect "$T/smp0.out" '^\{"cpu":0,"cr3":"0x200000"' "--cpu 0: JSON names cpu 0"
$PT --cpu 1 dump >"$T/smp1.out" 2>&1
rc=$?
[ "$rc" = 3 ] && grep -q "paging is off" "$T/smp1.out" &&
	tl_ok "--cpu 1 dump: paging is off there (exit 3)" ||
	{ tl_fail "--cpu 1 dump: exit $rc"; tl_show "$T/smp1.out"; }
# dump --symbols: each range names its ELF section (readelf is the
# oracle for where .text and .rodata start) and the symbol there.
$PT --symbols "$KERNEL" dump 0x100000-0x160000 --symbols >"$T/syms.out" 2>&1
for sec in .text .rodata; do
	addr=$(readelf -SW "$KERNEL" | awk -v s="$sec" '
		{ for (i = 1; i < NF; i++) if ($i == s) print $(i + 2) }')
	expect "$T/syms.out" "^0x$addr .* \[\\$sec\] <[A-Za-z_]+>\$" \
	    "dump --symbols: the range at 0x$addr is in $sec"
done
$PT --cpu 2 regs >"$T/smp2.out" 2>&1
rc=$?
[ "$rc" = 2 ] && grep -q "no vCPU 2 (the guest has 2)" "$T/smp2.out" &&
	tl_ok "--cpu 2: no such vCPU (exit 2)" ||
	{ tl_fail "--cpu 2: exit $rc"; tl_show "$T/smp2.out"; }
tl_stop "$QPID"
tl_done
