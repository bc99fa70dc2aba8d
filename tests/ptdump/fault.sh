#!/bin/sh
# Faults caught and explained: for every fault scenario, boot it paused
# (-S, without `halt`), stop at its checkpoint, `catch` the exception,
# continue to it and run `fault`.  The output must equal the golden
# tests/golden/fault/NAME.txt, and the frame ptdump read (RIP, CR2, the
# error code) must equal what the kernel's own handler reports on serial
# once the guest runs on: an oracle that shares no code with ptdump.
#
#   tests/ptdump/fault.sh [NAME...]        check (all by default)
#   GOLDEN_UPDATE=1 tests/ptdump/fault.sh  rewrite the goldens: read them
. "$(dirname "$0")/../lib.sh"
tl_init
G=$TOP/tests/golden/fault

# scenario:exception caught
CASES="pf-unmapped:pagefault pf-write-ro:pagefault pf-write-code:pagefault
pf-exec-nx:pagefault pf-user-super:pagefault pf-rsvd:pagefault
smep:pagefault smap:pagefault gp-noncanonical:gp stack-overflow:df"
[ $# -gt 0 ] && CASES=$(for n in "$@"; do echo "$CASES" | tr ' ' '\n' | grep "^$n:"; done)

for c in $CASES; do
	sc=${c%%:*} what=${c#*:}
	TL_GDB=1 tl_qemu "$sc" kernel "scenario=$sc" -S
	PT="$PTDUMP -t 127.0.0.1:$GDBPORT --symbols $KERNEL"
	# pf-rsvd sets a physical address bit: reserved only below the CPU's
	# width (40 under -cpu max), which no packet tells.  Explained once
	# with ptdump's default of 52 (a hint), once with the right width.
	more=""
	[ "$sc" = pf-rsvd ] && more="set maxphyaddr 40"
	$PT -c 'break checkpoint' -c continue -c delete -c "catch $what" \
	    -c continue -c fault ${more:+-c "$more" -c fault} \
	    >"$T/$sc.out" 2>"$T/$sc.err"
	rc=$?
	# The fault's own lines: from the header `fault` prints on.
	sed -n '/caught on cpu/,$p' "$T/$sc.out" >"$T/$sc.fault"
	if [ "$rc" -ne 0 ] || [ ! -s "$T/$sc.fault" ]; then
		tl_fail "$sc: ptdump exit $rc"
		tl_show "$T/$sc.out"; tl_show "$T/$sc.err"
		tl_stop "$QPID"
		continue
	fi
	if [ "${GOLDEN_UPDATE:-0}" = 1 ]; then
		cp "$T/$sc.fault" "$G/$sc.txt"
		tl_ok "$sc: golden written: read it before committing"
	elif diff -u "$G/$sc.txt" "$T/$sc.fault" >"$T/$sc.diff"; then
		tl_ok "$sc: catch $what + fault equals tests/golden/fault/$sc.txt"
	else
		tl_fail "$sc: fault output differs from the golden (- golden, + now)"
		tl_show "$T/$sc.diff"
	fi

	# Let the guest run on (a second session starts it and leaves it
	# running), and hold the kernel's report against ptdump's stop line.
	# (The guest may finish, and QEMU exit, before that session ends.)
	$PTDUMP -t "127.0.0.1:$GDBPORT" -c 'monitor cont' >"$T/$sc.out2" 2>&1 ||
		{ tl_fail "$sc: could not resume the guest"; tl_show "$T/$sc.out2"; }
	tl_wait_exit "$QPID" 60
	[ "$TL_RC" = 33 ] || tl_fail "$sc: the kernel's scenario did not pass (QEMU status $TL_RC)"
	kline=$(grep -E '^#(PF|GP|DF) at rip=' "$T/$sc.serial" | head -n 1)
	stop=$(grep 'stopped at .*catchpoint' "$T/$sc.out")
	krip=$(echo "$kline" | sed -n 's/.*rip=\(0x[0-9a-f]*\).*/\1/p')
	kerr=$(echo "$kline" | sed -n 's/.*err=\(0x[0-9a-f]*\).*/\1/p')
	kcr2=$(echo "$kline" | sed -n 's/.*cr2=\(0x[0-9a-f]*\).*/\1/p')
	ok=1
	echo "$stop" | grep -Eq "from $krip[ ,]" || ok=0
	[ "$what" != pagefault ] || echo "$stop" | grep -q "cr2 $kcr2\\b" || ok=0
	# The stop line prints the error code only where it has one.
	echo "$stop" | grep -q "error $kerr\\b" || ok=0
	if [ -z "$kline" ] || [ "$ok" = 0 ]; then
		tl_fail "$sc: ptdump's stop disagrees with the kernel's handler"
		echo "    kernel: $kline"; echo "    ptdump: $stop"
	else
		tl_ok "$sc: rip $krip${kcr2:+, cr2 $kcr2}, error $kerr as the kernel's handler saw them"
	fi
done

# No caught exception: `fault` says what to do; an access that has not
# happened is judged from the tables (status 1: it would fault).
tl_boot_halted ro pf-write-ro || { tl_fail "pf-write-ro did not boot"; tl_done; }
PT="$PTDUMP -t 127.0.0.1:$GDBPORT"
$PT fault >"$T/nf.out" 2>"$T/nf.err"
rc=$?
if [ "$rc" = 2 ] && grep -q "not stopped at a caught exception" "$T/nf.err"; then
	tl_ok "fault with nothing caught: exit 2, says how to catch one"
else
	tl_fail "fault with nothing caught: exit $rc"; tl_show "$T/nf.err"
fi
$PT fault 0x400000000 --access write >"$T/w.out" 2>&1
rc=$?
if [ "$rc" = 1 ] && grep -q "^verdict: supervisor write to 0x400000000 would fault: the level-1 entry (PTE) at index 0 has RW=0 and CR0.WP=1$" "$T/w.out"; then
	tl_ok "fault VA --access write: would fault, RW=0 at the PTE (exit 1)"
else
	tl_fail "fault VA --access write: exit $rc"; tl_show "$T/w.out"
fi
$PT fault 0x400000000 --access read >"$T/r.out" 2>&1
rc=$?
if [ "$rc" = 0 ] && grep -q "^verdict: " "$T/r.out" && ! grep -q "would fault" "$T/r.out"; then
	tl_ok "fault VA --access read: allowed (exit 0)"
else
	tl_fail "fault VA --access read: exit $rc"; tl_show "$T/r.out"
fi
tl_stop "$QPID"
tl_done
