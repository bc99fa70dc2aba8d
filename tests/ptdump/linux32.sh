#!/bin/sh
# ptdump on a stock 32-bit Linux guest: Debian's linux-image-686-pae for
# i386 under qemu-system-i386, booted without a root disk to its
# "unable to mount root" panic.  It runs PAE paging; every leaf must
# equal QEMU's `info tlb`, and the layout must be Linux's for x86-32
# with the default 3G/1G split and KASLR off: the direct map of low
# memory at PAGE_OFFSET 0xc0000000, the kernel image at 0xc1000000 (its
# physical start, 16 MiB, plus PAGE_OFFSET).  QEMU's core of the guest
# (an i386 core) must dump as the live guest does.
#
# The package comes from Debian's archive for i386 without touching the
# machine's package set: apt-get runs with its own architecture, lists
# and cache under build/linux-guest-i386/apt (the machine's sources,
# another architecture's indexes); the kernel is unpacked with dpkg-deb,
# never installed.  Without the archive the test is skipped, saying why.
. "$(dirname "$0")/../lib.sh"
tl_init
L=$B/linux-guest-i386
QEMU32=${QEMU32:-qemu-system-i386}

# fetch: put a vmlinuz in $L, or say why not and skip.
fetch() {
	[ -f "$L/vmlinuz" ] && return 0
	mkdir -p "$L/apt/lists/partial" "$L/apt/cache/archives/partial"
	set -- -o APT::Architecture=i386 -o APT::Architectures::=i386 \
	    -o "Dir::State::Lists=$L/apt/lists" -o "Dir::Cache=$L/apt/cache" \
	    -o Dir::State::Status=/dev/null -o Debug::NoLocking=1
	if ! apt-get -q "$@" update >"$T/apt.log" 2>&1; then
		tl_show "$T/apt.log"
		echo "SKIP: could not read Debian's i386 package lists"
		exit 77
	fi
	pkg=$(apt-cache "$@" depends linux-image-686-pae 2>/dev/null |
		awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
	if [ -z "$pkg" ]; then
		echo "SKIP: Debian's i386 lists have no linux-image-686-pae"
		exit 77
	fi
	mkdir -p "$T/deb"
	if ! (cd "$T/deb" && apt-get -q "$@" download "$pkg") >"$T/apt.log" 2>&1; then
		tl_show "$T/apt.log"
		echo "SKIP: could not download $pkg from the Debian archive"
		exit 77
	fi
	dpkg-deb -x "$T"/deb/*.deb "$T/x" || { tl_fail "dpkg-deb -x failed"; tl_done; }
	cp "$T"/x/boot/vmlinuz-* "$L/vmlinuz.new" && mv "$L/vmlinuz.new" "$L/vmlinuz"
	echo "$pkg" >"$L/package"
	rm -rf "$L/apt"
}

fetch
echo "guest: $(cat "$L/package")"
tl_boot_linux linux32 "$QEMU32" "$L/vmlinuz" max || tl_done
PT="$PTDUMP -t 127.0.0.1:$GDBPORT"

if ! $PT regs >"$T/regs" 2>"$T/err"; then
	tl_fail "linux32: ptdump regs failed"; tl_show "$T/err"
elif ! grep -qx 'mode pae' "$T/regs" ||
    ! grep -q '^efer .* LMA=0 NXE=1$' "$T/regs"; then
	tl_fail "linux32: not PAE paging with NX outside long mode"
	tl_show "$T/regs"
else
	tl_ok "linux32: Linux runs PAE paging with EFER.NXE, outside long mode"
fi

# Every leaf, against QEMU's own walker, over one connection.
tl_tlb_oracle linux32 1000 $PT

# The direct map, and the kernel image: three steps, the PDPTE caveat.
if ! $PT dump >"$T/dump" 2>"$T/err"; then
	tl_fail "linux32: ptdump dump failed"; tl_show "$T/err"
elif ! grep -q '^0x00000000c0000000 .* 0x0000000000000000$' "$T/dump"; then
	tl_fail "linux32: no range maps PAGE_OFFSET 0xc0000000 to physical 0"
	head -n 20 "$T/dump" | tl_show /dev/stdin
else
	tl_ok "linux32: the direct map starts at 0xc0000000, physical 0"
fi
if ! $PT walk 0xc1000000 >"$T/walk" 2>"$T/err"; then
	tl_fail "linux32: walk of the kernel image failed"; tl_show "$T/err"
elif ! sed -n 2p "$T/walk" | grep -q '^  PDPTE   3 ' ||
    ! sed -n 3p "$T/walk" | grep -q '^  # the four PDPTEs are read from memory' ||
    ! sed -n 4p "$T/walk" | grep -q '^  PDE     8 ' ||
    ! grep -q '^  => 0x0000000001000000 ' "$T/walk"; then
	tl_fail "linux32: 0xc1000000 is not the kernel image at physical 0x1000000"
	tl_show "$T/walk"
else
	tl_ok "linux32: 0xc1000000 translates to 0x1000000 through PDPTE 3 and PDE 8"
fi

# QEMU's core of a guest outside long mode is an i386 core (EM_386; ELF64
# here, as the BIOS ends at 4 GiB).
if ! $PT monitor dump-guest-memory "$T/core" >/dev/null 2>"$T/err"; then
	tl_fail "linux32: dump-guest-memory failed"; tl_show "$T/err"
elif [ "$(od -An -tx1 -j18 -N2 "$T/core" | tr -d ' ')" != 0300 ]; then
	tl_fail "linux32: QEMU's core is not an i386 core (EM_386)"
elif ! $PTDUMP --core "$T/core" dump >"$T/core.dump" 2>"$T/err"; then
	tl_fail "linux32: ptdump --core failed"; tl_show "$T/err"
elif ! diff -u "$T/dump" "$T/core.dump" >"$T/core.diff"; then
	tl_fail "linux32: the i386 core dumps otherwise than the live guest"
	head -n 30 "$T/core.diff" | tl_show /dev/stdin
else
	tl_ok "linux32: its i386 core dumps as the live guest ($(wc -l <"$T/dump") lines)"
fi
rm -f "$T/core"
tl_stop "$QPID"
tl_done
