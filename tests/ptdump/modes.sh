#!/bin/sh
# 32-bit and PAE paging on our kernel's 32-bit stage (scenarios paging32
# and pae): every translation ptdump's walk gives equals QEMU's own MMU
# (monitor gva2gpa), the PSE-36 page above 4 GiB among them, which `info
# tlb` cannot show (golden.sh compares every leaf with that); JSON and
# `regs` name the mode.
. "$(dirname "$0")/../lib.sh"
tl_init

# same_pa LABEL VA: ptdump's walk of VA and QEMU's gva2gpa agree.
same_pa() {
	mine=$($PT --format json walk "$2" 2>"$T/err" |
		sed -n 's/.*"pa":"\(0x[0-9a-f]*\)".*/\1/p')
	# QEMU prints %#x: plain "0" for zero.
	qemu=$($PT monitor gva2gpa "$2" 2>>"$T/err" |
		sed -n 's/^gpa: 0$/gpa: 0x0/; s/^gpa: //p')
	if [ -z "$mine" ] || [ -z "$qemu" ]; then
		tl_fail "$1: $2: no translation (ptdump '$mine', QEMU '$qemu')"
		tl_show "$T/err"
	elif [ "$mine" != "$qemu" ]; then
		tl_fail "$1: $2: ptdump says $mine, QEMU's MMU $qemu"
	else
		tl_ok "$1: $2 -> $mine, as QEMU's MMU translates it"
	fi
}

# mode_is LABEL MODE: JSON and regs name the paging mode.
mode_is() {
	$PT --format json dump >"$T/dump.json" 2>"$T/err"
	$PT regs >"$T/regs.txt" 2>>"$T/err"
	if ! grep -q "\"mode\":\"$2\"" "$T/dump.json"; then
		tl_fail "$1: the JSON dump does not say \"mode\":\"$2\""
		head -c 300 "$T/dump.json" | tl_show /dev/stdin
	elif ! grep -qx "mode $2" "$T/regs.txt"; then
		tl_fail "$1: regs does not say 'mode $2'"
		tl_show "$T/regs.txt"
	else
		tl_ok "$1: JSON and regs say $2"
	fi
}

if tl_boot_halted paging32 paging32 ""; then
	PT="$PTDUMP -t 127.0.0.1:$GDBPORT"
	mode_is paging32 32-bit
	for va in 0x101234 0xb8010 0x400123 0x800000 0xc0123456 0xc03fffff \
	    0xc0400008 0xc0401000 0xffc00000 0xfffff000; do
		same_pa paging32 $va
	done
	# Past the 4 GiB of linear addresses: said so, not "non-canonical".
	$PT --format json walk 0x100000000 >"$T/past.json" 2>"$T/err"
	if [ $? = 1 ] && grep -q '"result":"past 4 GiB"' "$T/past.json" &&
	    $PT walk 0x100000000 2>&1 | grep -q 'past the 4 GiB of linear addresses'; then
		tl_ok "paging32: a walk past 4 GiB says so, in JSON and text"
	else
		tl_fail "paging32: a walk past 4 GiB"
		tl_show "$T/past.json"
	fi
	# A snapshot of it (4 MiB pages and all) written, read back, diffed.
	$PT snapshot save a "$T/a.json" >/dev/null 2>"$T/err"
	if $PT -c "snapshot load $T/a.json b" -c 'diff b' >"$T/diff" 2>>"$T/err" &&
	    grep -qx '# 0 pages differ' "$T/diff"; then
		tl_ok "paging32: a snapshot file reads back and equals the guest"
	else
		tl_fail "paging32: snapshot save, load and diff"
		tl_show "$T/err"; tl_show "$T/diff"
	fi
	# Raw memory (pmemsave) with 32-bit paging's registers given.
	$PT dump >"$T/live.dump" 2>"$T/err"
	if $PT monitor pmemsave 0 0x8000000 "\"$T/ram.img\"" >/dev/null 2>>"$T/err" &&
	    $PTDUMP --image "$T/ram.img" --cr3 0x1f8000 --cr4 0x90 --efer 0 \
	    dump >"$T/img.dump" 2>>"$T/err" &&
	    diff -u "$T/live.dump" "$T/img.dump" >"$T/img.diff"; then
		tl_ok "paging32: --image with --cr4 0x90 --efer 0 dumps as the live guest"
	else
		tl_fail "paging32: --image of 32-bit paging"
		tl_show "$T/err"; head -n 20 "$T/img.diff" | tl_show /dev/stdin
	fi
	rm -f "$T/ram.img"
	# The GDB commands print the registers as regs does, and say in one
	# line that they leave the walk to ptdump.
	gdb -nx -batch -x "$TOP/gdb-scripts/ptdump.gdb" \
	    -ex "target remote 127.0.0.1:$GDBPORT" -ex 'echo @@begin\n' \
	    -ex pt-regs -ex 'pt-walk 0x1000' -ex 'echo @@end\n' -ex detach \
	    </dev/null 2>&1 | sed -n '/^@@begin$/,/^@@end$/p' | sed '1d;$d' >"$T/gdb.out"
	$PT regs >"$T/regs.txt" 2>&1
	if head -n 7 "$T/gdb.out" | cmp -s - "$T/regs.txt" &&
	    sed -n 8p "$T/gdb.out" | grep -qx 'pt-walk: 32-bit paging is walked by ptdump(1), not by these commands (long mode only)'; then
		tl_ok "paging32: pt-regs prints what regs does; pt-walk says it leaves 32-bit paging to ptdump"
	else
		tl_fail "paging32: the GDB commands on 32-bit paging"
		tl_show "$T/gdb.out"
	fi
else
	tl_fail "paging32: the kernel did not reach its checkpoint"
fi
tl_stop "$QPID"

if tl_boot_halted pae pae ""; then
	PT="$PTDUMP -t 127.0.0.1:$GDBPORT"
	mode_is pae pae
	for va in 0x101234 0xb8010 0x200000 0x5fffff 0xc0100000 0xc01fffff \
	    0xc0200000 0xc0201000 0xffc00000 0xffdfe000; do
		same_pa pae $va
	done
	# The PDPTE caveat comes with the dump and with each walk.
	if $PT dump | grep -q '^# the four PDPTEs are read from memory' &&
	    $PT walk 0x1000 | grep -q '^  # the four PDPTEs are read from memory'; then
		tl_ok "pae: dump and walk say the PDPTEs came from memory"
	else
		tl_fail "pae: no PDPTE caveat in dump or walk"
	fi
else
	tl_fail "pae: the kernel did not reach its checkpoint"
fi
tl_stop "$QPID"
tl_done
