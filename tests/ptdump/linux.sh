#!/bin/sh
# ptdump on a stock Linux guest: Debian's cloud kernel, booted without a
# root disk so that it stops in its "unable to mount root" panic with
# paging fully set up.  Under -cpu max Linux turns on 5-level paging;
# with la57=off it keeps 4 levels.  Each time ptdump's leaves must equal
# QEMU's `info tlb`, and the layout must match what Linux documents for
# x86-64 (Documentation/arch/x86/x86_64/mm.rst) with KASLR off: the
# direct map of all RAM at 0xffff888000000000 (4-level) or
# 0xff11000000000000 (5-level), the kernel image at 0xffffffff81000000.
#
# The kernel comes from Debian's archive (apt-get download, unpacked
# with dpkg-deb, never installed) and is kept in build/linux-guest/.
# Without the archive the test is skipped, saying why.
. "$(dirname "$0")/../lib.sh"
tl_init
L=$B/linux-guest

# fetch: put a vmlinuz in $L, or say why not and skip.
fetch() {
	[ -f "$L/vmlinuz" ] && return 0
	pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
		awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
	if [ -z "$pkg" ]; then
		echo "SKIP: apt-cache knows no linux-image-cloud-amd64 (run apt-get update)"
		exit 77
	fi
	mkdir -p "$T/deb"
	if ! (cd "$T/deb" && apt-get download -q "$pkg") >"$T/apt.log" 2>&1; then
		tl_show "$T/apt.log"
		echo "SKIP: could not download $pkg from the Debian archive"
		exit 77
	fi
	dpkg-deb -x "$T"/deb/*.deb "$T/x" || { tl_fail "dpkg-deb -x failed"; tl_done; }
	mkdir -p "$L"
	cp "$T"/x/boot/vmlinuz-* "$L/vmlinuz.new" && mv "$L/vmlinuz.new" "$L/vmlinuz"
	echo "$pkg" >"$L/package"
}

# boot NAME CPU: start Linux with the gdbstub on a free port (GDBPORT),
# wait for the end of its panic; sets QPID.
boot() {
	GDBPORT=$(tl_free_port)
	: >"$T/$1.serial"
	"$QEMU" -accel tcg -cpu "$2" -m 512M -nic none -display none -no-reboot \
	    -serial "file:$T/$1.serial" -gdb "tcp:127.0.0.1:$GDBPORT" \
	    -kernel "$L/vmlinuz" -append "console=ttyS0 nokaslr panic=0" \
	    2>"$T/$1.qemu-err" &
	QPID=$!
	tl_pids="$tl_pids $QPID"
	if ! tl_wait_line "$T/$1.serial" 'end Kernel panic' 240; then
		tl_fail "$1: Linux did not reach its root-mount panic"
		tail -n 20 "$T/$1.serial" "$T/$1.qemu-err" | tl_show /dev/stdin
		return 1
	fi
}

# check NAME CPU MODE DIRECT_MAP
check() {
	boot "$1" "$2" || return
	PT="$PTDUMP -t 127.0.0.1:$GDBPORT"
	if ! $PT regs >"$T/$1.regs" 2>"$T/$1.err"; then
		tl_fail "$1: ptdump regs failed"; tl_show "$T/$1.err"
	elif ! grep -qx "mode $3" "$T/$1.regs"; then
		tl_fail "$1: paging mode is not $3"; tl_show "$T/$1.regs"
	else
		tl_ok "$1: Linux runs $3 paging"
	fi

	# Every leaf, against QEMU's own walker, over one connection.
	tl_tlb_oracle "$1" 1000 $PT

	# Linux's documented layout, seen in the coalesced dump and a walk.
	if ! $PT dump >"$T/$1.dump" 2>"$T/$1.err"; then
		tl_fail "$1: ptdump dump failed"; tl_show "$T/$1.err"
	elif ! grep -q "^$4 " "$T/$1.dump"; then
		tl_fail "$1: no range starts at the direct map $4"
		head -n 20 "$T/$1.dump" | tl_show /dev/stdin
	else
		tl_ok "$1: the direct map starts at $4"
	fi
	# The top 2 GiB: index 511 at the top level, then PML4E 511, and the
	# PML5E step only under 5-level paging.
	top=PML4E
	[ "$3" = 5-level ] && top=PML5E
	if ! $PT walk 0xffffffff81000000 >"$T/$1.walk" 2>"$T/$1.err"; then
		tl_fail "$1: walk of the kernel image failed"; tl_show "$T/$1.err"
	elif ! sed -n 2p "$T/$1.walk" | grep -q "^  $top 511 " ||
	    ! grep -q '^  PML4E 511 ' "$T/$1.walk" ||
	    ! grep -q '^  => 0x0000000001000000 ' "$T/$1.walk"; then
		tl_fail "$1: the kernel image at 0xffffffff81000000 is not at physical 0x1000000"
		tl_show "$T/$1.walk"
	else
		tl_ok "$1: 0xffffffff81000000 translates to 0x1000000 ($3)"
	fi
	tl_stop "$QPID"
}

fetch
echo "guest: $(cat "$L/package")"
check linux-5level max 5-level 0xff11000000000000
check linux-4level max,la57=off 4-level 0xffff888000000000
tl_done
