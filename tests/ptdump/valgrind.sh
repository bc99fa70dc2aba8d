#!/bin/sh
# ptdump under valgrind against the real kernel in real QEMU: the
# commands most used, both ways of reading guest RAM, a batch, a
# hostile guest, and PAE and 32-bit paging.  Any memory error or leak
# fails.  It runs build/ptdump's objects linked dynamically: valgrind
# cannot run a sanitized build, nor see malloc in a static one.
. "$(dirname "$0")/../lib.sh"
tl_init
VG="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect"
PLAIN=$B/tests/ptdump-dyn
command -v valgrind >/dev/null || { tl_fail "valgrind is missing (tools/deps.sh)"; tl_done; }

# vg WANT WHAT ARGS...: ptdump ARGS under valgrind exits WANT (99: valgrind
# found something).
vg() {
	want=$1 what=$2
	shift 2
	$VG "$PLAIN" -t "127.0.0.1:$GDBPORT" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" = "$want" ]; then
		tl_ok "$what: exit $rc, valgrind clean"
	else
		tl_fail "$what: exit $rc, want $want (99: valgrind's errors)"
		tail -n 30 "$T/err" | tl_show /dev/stdin
	fi
}

tl_boot_halted boot boot || { tl_fail "boot did not boot"; tl_done; }
for access in direct rsp; do
	vg 0 "$access: regs" --ram-access "$access" regs
	vg 0 "$access: dump" --ram-access "$access" dump
	vg 0 "$access: dump --format json --pages" --ram-access "$access" \
	    --format json dump --pages
	vg 0 "$access: walk" --ram-access "$access" walk 0x100000
	vg 0 "$access: check" --ram-access "$access" check
done
printf 'regs\ndump\nwalk 0x100000\ntlb\ninfo cpus\nsnapshot save a\ndiff a\ncheck\n' >"$T/batch"
vg 0 "a batch" -x "$T/batch"
vg 3 "--cr3 past RAM" dump --cr3 0x40000000
tl_stop "$QPID"

tl_boot_halted hostile hostile || { tl_fail "hostile did not boot"; tl_done; }
vg 1 "hostile: check" check
vg 0 "hostile: dump" --max-entries 1000 dump
tl_stop "$QPID"

# Outside long mode: PAE (its PDPTEs inside their page) and 32-bit paging.
printf 'regs\ndump\ndump --summary\nwalk 0xc0201000\nfault 0x101000 --access read\nptov 0x100000\ntlb\nsnapshot save a\ndiff a\n' >"$T/legacy"
for sc in pae paging32; do
	tl_boot_halted "$sc" "$sc" || { tl_fail "$sc did not boot"; continue; }
	vg 0 "$sc: a batch" -x "$T/legacy"
	vg 1 "$sc: check" check
	tl_stop "$QPID"
done
tl_done
