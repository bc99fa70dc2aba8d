#!/bin/sh
# ptdump against the real kernel in real QEMU: how the guest is left, and
# errors a user can make.  (golden.sh has the regression dumps and the
# comparison with QEMU's own walker.)
. "$(dirname "$0")/../lib.sh"
tl_init

tl_boot_halted boot boot 2>&1 || { tl_fail "kernel did not boot"; tl_done; }
PT="$PTDUMP -t 127.0.0.1:$GDBPORT"

# 1. The guest runs again after ptdump leaves: the next connection finds
#    it running, so QEMU stops it and reports T02 before anything else.
$PTDUMP -t "127.0.0.1:$GDBPORT" --trace regs >/dev/null 2>"$T/trace" ||
	tl_fail "trace run failed"
if grep -q '^rsp <- T02' "$T/trace"; then
	tl_ok "guest resumed after the previous session"
else
	tl_fail "guest was not running when the next session attached"
	tl_show "$T/trace"
fi

# 1b. A short conversation: `regs` costs at most 6 round trips in all
#     (qSupported; the stop state, vCPUs and target description asked
#     together; its include; the registers; the detach), and a `dump`
#     keeps table reads in flight once QEMU has shown it answers them in
#     order.
$PT --trace --ram-access rsp regs >/dev/null 2>"$T/regs.trace"
rt=$(sed -n 's/^rsp stats: .*round trips \([0-9]*\),.*/\1/p' "$T/regs.trace")
if [ -n "$rt" ] && [ "$rt" -le 6 ]; then
	tl_ok "regs: $rt round trips"
else
	tl_fail "regs: '$rt' round trips, want at most 6"
	grep -v '^rsp <- ' "$T/regs.trace" | tl_show /dev/stdin
fi
$PT --trace --ram-access rsp dump >/dev/null 2>"$T/dump.trace"
inflight=$(awk '/^rsp -> m[0-9a-f]*,800$/ { if (prev) n++; prev = 1; next }
	{ prev = 0 } END { print n + 0 }' "$T/dump.trace")
if [ "$inflight" -ge 2 ] &&
    grep -q 'pipelined reads: the stub answers them in order' "$T/dump.trace"; then
	tl_ok "dump: QEMU answers m packets in order; $inflight sent while others were in flight"
else
	tl_fail "dump: table reads were not kept in flight"
	grep -v '^rsp <- ' "$T/dump.trace" | tl_show /dev/stdin
fi
# Reading QEMU's memory directly costs one monitor round trip: the memory
# map (`info mtree -f`) is asked together with `gpa2hva` and the `xp`
# check, not alone before them.
$PT --trace --ram-access direct dump >/dev/null 2>"$T/direct.trace"
mtree=$(printf 'info mtree -f' | od -An -tx1 | tr -d ' \n')
gpa2hva=$(printf 'gpa2hva ' | od -An -tx1 | tr -d ' \n')
if awk -v m="rsp -> qRcmd,$mtree" -v h="rsp -> qRcmd,$gpa2hva" '
	$0 == m { at = NR } at && NR == at + 1 && index($0, h) == 1 { ok = 1 }
	END { exit !ok }' "$T/direct.trace" &&
    [ "$(grep -c "^rsp -> qRcmd,$mtree\$" "$T/direct.trace")" = 1 ]; then
	tl_ok "dump --ram-access direct: the memory map is asked once, with gpa2hva"
else
	tl_fail "dump --ram-access direct: the memory map took a round trip of its own"
	grep '^rsp -> q' "$T/direct.trace" | tl_show /dev/stdin
fi

# 2. Usage and target errors: one line, documented status.
expect_status() { # WANT DESCRIPTION CMD...
	want=$1 what=$2
	shift 2
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" != "$want" ]; then
		tl_fail "$what: exit $rc, want $want"; tl_show "$T/err"
	elif [ "$(wc -l <"$T/err")" -ne 1 ]; then
		tl_fail "$what: want one line on stderr"; tl_show "$T/err"
	else
		tl_ok "$what: exit $rc: $(cat "$T/err")"
	fi
}
dead=$(tl_free_port)
expect_status 3 "refused port" $PTDUMP -t "127.0.0.1:$dead" regs
expect_status 2 "bad target" $PTDUMP -t "nonsense" regs
expect_status 2 "unknown command" $PT frobnicate
expect_status 2 "walk without an address" $PT walk
expect_status 2 "bad number" $PT walk 0xzz
expect_status 2 "bad option" $PTDUMP --format yaml regs
expect_status 2 "decode without level" $PTDUMP decode 0x1
expect_status 2 "bad --ram-access" $PT --ram-access fast dump
expect_status 2 "--guest-ram with --ram-access rsp" \
    $PT --guest-ram /dev/null --ram-access rsp dump
expect_status 3 "--guest-ram that is no file" \
    $PT --guest-ram "$T/none" --ram-access direct dump
# Output that cannot be written is an error (a reader that went away is
# not: signals.sh), and the guest is still put back.
expect_status 3 "output to a full device" $PT -o /dev/full dump
expect_status 3 "stdout to a full device" sh -c "$PT dump >/dev/full"
# A CR3 past the end of RAM (128 MiB here) is walked no further: exit 3,
# and what was printed says it is cut short, not "nothing mapped".
expect_status 3 "--cr3 past RAM" $PT dump --cr3 0x40000000
if tail -n 1 "$T/out" | grep -q '^# truncated: CR3 0x40000000 points past the end of RAM (0x8000000): the rest, from 0x0000000000000000, is not shown$' &&
    ! grep -q 'nothing mapped' "$T/out"; then
	tl_ok "--cr3 past RAM: the dump says it is cut short, and why"
else
	tl_fail "--cr3 past RAM: output"; tl_show "$T/out"
fi
# A batch stops at the first error and names the line.
printf 'regs\nwalk 0x1000 0x2000\nregs\n' >"$T/bad.ptdump"
expect_status 2 "batch error" $PT -x "$T/bad.ptdump"
grep -q "bad.ptdump:2:" "$T/err" || tl_fail "batch error does not name line 2"

tl_stop "$QPID"

# 3. A monitor command may change everything: after system_reset, regs
#    must show the reset state, as QEMU's own `info registers` does
#    (CR0 0x60000010: CD, NW and ET; CR3 0), not what was read before.
TL_REBOOT=1 tl_boot_halted reset boot 2>&1 || { tl_fail "kernel did not boot"; tl_done; }
$PTDUMP -t "127.0.0.1:$GDBPORT" -c regs -c 'monitor system_reset' -c regs \
    -c 'monitor info registers' >"$T/reset.out" 2>"$T/reset.err" ||
	{ tl_fail "system_reset batch failed"; tl_show "$T/reset.err"; }
if [ "$(grep -c '^cr0 ' "$T/reset.out")" = 2 ] &&
    [ "$(grep '^cr0 ' "$T/reset.out" | tail -n 1 | cut -c6-23)" = 0x0000000060000010 ] &&
    [ "$(grep '^cr3 ' "$T/reset.out" | tail -n 1 | cut -c6-23)" = 0x0000000000000000 ] &&
    grep -Eq 'CR0=60000010 .*CR3=0+ ' "$T/reset.out"; then
	tl_ok "monitor system_reset, then regs: CR0 0x60000010 and CR3 0, as QEMU says"
else
	tl_fail "regs after system_reset shows stale registers"; tl_show "$T/reset.out"
fi
tl_stop "$QPID"

# 4. Guest RAM in a shared memory-backend file (--guest-ram): the same
#    dump as through the gdbstub, and --trace says the file was used.
TL_GDB=1 tl_qemu ramfile kernel "scenario=boot halt" \
    -object "memory-backend-file,id=gram,size=128M,mem-path=$T/guest.ram,share=on" \
    -machine memory-backend=gram
if ! tl_wait_line "$T/ramfile.serial" '^checkpoint boot$' 60; then
	tl_fail "kernel with a memory-backend file did not boot"
	tl_show "$T/ramfile.qemu-err"
else
	PT="$PTDUMP -t 127.0.0.1:$GDBPORT"
	$PT --ram-access rsp dump >"$T/rsp.txt" 2>"$T/err" || tl_fail "rsp dump failed"
	$PT --trace --guest-ram "$T/guest.ram" --ram-access direct dump \
	    >"$T/file.txt" 2>"$T/file.trace" || tl_fail "--guest-ram dump failed"
	if ! grep -q "direct RAM access on: $T/guest.ram" "$T/file.trace"; then
		tl_fail "--guest-ram: the trace does not name the file"
		grep -v '^rsp [<-]' "$T/file.trace" | tl_show /dev/stdin
	elif [ "$(wc -l <"$T/rsp.txt")" -lt 10 ] || ! cmp -s "$T/rsp.txt" "$T/file.txt"; then
		tl_fail "--guest-ram: the dump differs from one over the gdbstub"
		diff -u "$T/rsp.txt" "$T/file.txt" | head -n 20 | tl_show /dev/stdin
	else
		tl_ok "--guest-ram FILE: $(wc -l <"$T/file.txt") lines, as over the gdbstub"
	fi
fi
tl_stop "$QPID"
tl_done
