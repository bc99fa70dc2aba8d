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
	rm -f "$L/kallsyms"
	echo "$pkg" >"$L/package"
}

# initramfs: $T/init.cpio holds one static program as /init, which says
# so on the console and then reads the unmapped address 0xdead0000.
initramfs() {
	mkdir -p "$T/root"
	${CC:-cc} -static -O2 -o "$T/root/init" "$TOP/tests/ptdump/linux-init.c" ||
		{ tl_fail "cannot build the guest's init"; return 1; }
	(cd "$T/root" && echo init | cpio -o -H newc --quiet) >"$T/init.cpio" ||
		{ tl_fail "cpio failed"; return 1; }
}

# kallsyms: the guest's own symbol table in $L/kallsyms.  Debian's
# linux-image holds only a stub System.map (the real one is in the 280 MB
# -dbg package), so one boot of the init copies /proc/kallsyms out
# through a second serial port; nokaslr keeps it valid for later boots.
kallsyms() {
	[ -s "$L/kallsyms" ] && return 0
	"$QEMU" -accel tcg -cpu max -m 512M -nic none -display none -no-reboot \
	    -serial "file:$T/k.serial" -serial "file:$T/kallsyms" \
	    -kernel "$L/vmlinuz" -initrd "$T/init.cpio" \
	    -append "console=ttyS0 nokaslr panic=0 -- kallsyms" 2>"$T/k.qemu-err" &
	QPID=$!
	tl_pids="$tl_pids $QPID"
	tl_wait_exit "$QPID" 240
	if ! grep -q 'ptdump-init: kallsyms copied' "$T/k.serial" ||
	    ! grep -q ' [Tt] kernel_init$' "$T/kallsyms"; then
		tl_fail "linux: could not read the guest's /proc/kallsyms"
		tail -n 20 "$T/k.serial" | tl_show /dev/stdin
		return 1
	fi
	cp "$T/kallsyms" "$L/kallsyms"
}

# fault: Linux paused at reset with that init, two vCPUs.  Break on a
# System.map symbol, catch the init's page fault at 0xdead0000 (run
# through the ordinary faults of a starting process) and explain it;
# then let Linux go on and hold its own report ("segfault at ... ip ...
# error N") against what ptdump read.
fault() {
	initramfs && kallsyms || return
	GDBPORT=$(tl_free_port)
	: >"$T/f.serial"
	"$QEMU" -accel tcg -cpu max -smp 2 -m 512M -nic none -display none \
	    -no-reboot -serial "file:$T/f.serial" -gdb "tcp:127.0.0.1:$GDBPORT" \
	    -S -kernel "$L/vmlinuz" -initrd "$T/init.cpio" \
	    -append "console=ttyS0 nokaslr panic=0" 2>"$T/f.qemu-err" &
	QPID=$!
	tl_pids="$tl_pids $QPID"
	sleep 0.3
	PT="$PTDUMP -t 127.0.0.1:$GDBPORT --timeout 30"
	$PT --symbols "$L/kallsyms" -c 'break kernel_init' -c continue \
	    -c delete -c 'catch pagefault --user --cr2 0xdead0000+4' \
	    -c continue -c fault -c 'info breakpoints' -c 'info cpus' \
	    -c 'check --only wx' >"$T/f.out" 2>"$T/f.err"
	rc=$?
	if [ "$rc" != 0 ]; then
		tl_fail "linux fault: ptdump exit $rc"; tl_show "$T/f.err"
		tl_show "$T/f.out"; tl_stop "$QPID"; return
	fi
	grep -Eq '^cpu [01] stopped at 0xffffffff[0-9a-f]{8} <kernel_init>: breakpoint 1$' "$T/f.out" &&
		tl_ok "linux: break on the System.map symbol kernel_init" ||
		{ tl_fail "linux: no stop at kernel_init"; tl_show "$T/f.out"; }
	grep -Eq '^cause: user read from 0xdead0000 faulted: the level-[1-5] entry \((PML5E|PML4E|PDPTE|PDE|PTE)\) at index [0-9]+ is not present$' "$T/f.out" &&
		tl_ok "linux: init's read of 0xdead0000 explained: $(grep '^cause:' "$T/f.out" | cut -d: -f3-)" ||
		{ tl_fail "linux: no cause for the init's fault"; tl_show "$T/f.out"; }
	grep -Eq '^[*] [01] .* (4|5)-level' "$T/f.out" &&
		grep -Eq '^  [01] .* (4|5)-level' "$T/f.out" &&
		tl_ok "linux -smp 2: info cpus lists both vCPUs in long mode" ||
		{ tl_fail "linux -smp 2: info cpus"; tl_show "$T/f.out"; }

	# Linux's own W+X check ran before init: it found none, nor may we.
	# (At the root-mount panic of the boots above, before Linux write-
	# protects its text, check does find the kernel image W+X.)
	if grep -q '^checked [0-9]* ranges and [0-9]* table pages: 0 wx$' "$T/f.out" &&
	    grep -q 'x86/mm: Checked W+X mappings: passed, no W+X pages found' "$T/f.serial"; then
		tl_ok "linux: check finds no W+X, as Linux's own W+X check says"
	else
		tl_fail "linux: check --only wx disagrees with Linux's W+X check"
		tl_show "$T/f.out"; grep 'W+X' "$T/f.serial" | tl_show /dev/stdin
	fi

	# Linux's own report, once it runs on: the same RIP, CR2 and error.
	$PTDUMP -t "127.0.0.1:$GDBPORT" -c 'monitor cont' >/dev/null 2>&1
	if ! tl_wait_line "$T/f.serial" 'segfault at dead0000 ip [0-9a-f]+ .* error [0-9a-f]+' 120; then
		tl_fail "linux: no segfault report from the kernel"
		tail -n 20 "$T/f.serial" | tl_show /dev/stdin
	else
		kl=$(grep -Eo 'segfault at dead0000 ip [0-9a-f]+ .* error [0-9a-f]+' "$T/f.serial" | head -n 1)
		kip=$(echo "$kl" | sed 's/.* ip 0*\([0-9a-f]*\) .*/\1/')
		kerr=$(echo "$kl" | sed 's/.* error \([0-9a-f]*\)$/\1/')
		if grep -Eq "catchpoint 2, #PF page fault from 0x$kip( <[^>]*>)?, cr2 0xdead0000, error 0x$kerr " "$T/f.out"; then
			tl_ok "linux: ptdump's stop matches the kernel's report (ip $kip, error $kerr)"
		else
			tl_fail "linux: ptdump's stop differs from '$kl'"; tl_show "$T/f.out"
		fi
	fi
	tl_stop "$QPID"
}

# check NAME CPU MODE DIRECT_MAP
check() {
	tl_boot_linux "$1" "$QEMU" "$L/vmlinuz" "$2" || return
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
	# gdb-scripts/ptdump.gdb prints the same dump, in gdb and in the
	# python-free gdb-minimal.
	for g in gdb $GDBMIN; do
		"$g" -nx -batch -x "$TOP/gdb-scripts/ptdump.gdb" \
		    -ex "target remote 127.0.0.1:$GDBPORT" -ex 'echo @@begin\n' \
		    -ex pt-dump -ex 'echo @@end\n' -ex detach </dev/null 2>&1 |
			sed -n '/^@@begin$/,/^@@end$/p' | sed '1d;$d' >"$T/$1.gdb"
		if cmp -s "$T/$1.dump" "$T/$1.gdb"; then
			tl_ok "$1: pt-dump in $g equals ptdump dump ($(wc -l <"$T/$1.gdb") lines)"
		else
			tl_fail "$1: pt-dump in $g differs from ptdump dump"
			diff -u "$T/$1.dump" "$T/$1.gdb" | head -n 30 | tl_show /dev/stdin
		fi
	done
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
	# Its picture, in a real browser.
	tl_map "$1"
	tl_stop "$QPID"
}

fetch
echo "guest: $(cat "$L/package")"
GDBMIN=$(tl_gdb_minimal) || tl_fail "gdb-minimal is not available"
check linux-5level max 5-level 0xff11000000000000
check linux-4level max,la57=off 4-level 0xffff888000000000
fault
tl_done
