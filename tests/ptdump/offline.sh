#!/bin/sh
# A guest that is gone: QEMU's core (monitor `dump-guest-memory`) and a
# raw image of its RAM (`pmemsave`) read with --core and --image must
# print what the live guest printed, command for command; what needs a
# live guest says so; a core cut short or not a core is one line and
# exit 3.  (golden.sh reads a core of every golden scenario too.)
. "$(dirname "$0")/../lib.sh"
tl_init
tl_boot_halted alias alias || { tl_fail "alias did not boot"; tl_done; }
PT="$PTDUMP -t 127.0.0.1:$GDBPORT"

cat >"$T/batch" <<'BATCH'
regs
dump
dump --format json --pages
walk 0x580000000
ptov 0x202000 0x1000
check
tlb
snapshot save before
diff before
fault 0x580000000 --access write
cpu
BATCH
# Status 1 is a finding (check, fault): the same for all three.
$PT -x "$T/batch" >"$T/live" 2>"$T/live.err"
live_rc=$?
$PT monitor dump-guest-memory "$T/core" >/dev/null 2>&1 &&
	$PT monitor pmemsave 0 0x8000000 "\"$T/image\"" >/dev/null 2>&1 ||
	{ tl_fail "QEMU wrote no core or image"; tl_done; }
cr3=$(sed -n 's/^cr3  \(0x[0-9a-f]*\) .*/\1/p' "$T/live")
tl_stop "$QPID"

# An image holds no RIP: its batch ends before `cpu` (which lists it).
grep -vx cpu "$T/batch" >"$T/batch.image"
grep -v '^cpu 0: rip' "$T/live" >"$T/live.image"
for how in "--core $T/core" "--image $T/image --cr3 $cr3"; do
	what=${how%% *} batch=$T/batch want=$T/live
	[ "$what" = --image ] && batch=$T/batch.image want=$T/live.image
	# shellcheck disable=SC2086
	$PTDUMP $how -x "$batch" >"$T/off" 2>"$T/off.err"
	rc=$?
	if [ "$rc" = "$live_rc" ] && cmp -s "$want" "$T/off"; then
		tl_ok "$what: $(wc -l <"$T/off") lines as the live guest printed them, exit $rc"
	else
		tl_fail "$what: exit $rc (live $live_rc), output differs (- live, + $what)"
		diff -u "$want" "$T/off" | head -n 30 | tl_show /dev/stdin
		tl_show "$T/off.err"
	fi
done

# expect WANT TEXT ARGS...: ptdump ARGS exits WANT with one line holding TEXT.
expect() {
	want=$1 text=$2
	shift 2
	"$PTDUMP" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" = "$want" ] && [ "$(wc -l <"$T/err")" -eq 1 ] &&
	    grep -qF -- "$text" "$T/err"; then
		tl_ok "$*: exit $rc: $(cat "$T/err")"
	else
		tl_fail "$*: exit $rc, want $want and one line with '$text'"
		tl_show "$T/err"
	fi
}
expect 2 "this target cannot run" --core "$T/core" continue
expect 3 "has no QEMU monitor" --core "$T/core" monitor info status
expect 3 "an image holds no register 'rip'" --image "$T/image" --cr3 "$cr3" cpu
expect 2 "--image needs --cr3" --image "$T/image" dump
expect 2 "give one" --core "$T/core" --image "$T/image" dump
expect 2 "drop --target" -t 127.0.0.1:1 --core "$T/core" dump
expect 2 "go with --core or --image" --cr3 0x1000 dump
head -c 1000000 "$T/core" >"$T/short"
expect 3 "past the end of the file: truncated?" --core "$T/short" dump
head -c 100 "$T/core" >"$T/stub"
expect 3 "$T/stub" --core "$T/stub" dump
printf 'not a core at all\n' >"$T/text"
expect 3 "not an x86 ELF core" --core "$T/text" dump
expect 3 "No such file" --core "$T/none" dump

# An ELF32 i386 core, as QEMU writes for a guest outside long mode whose
# memory ends below 4 GiB (its PC machines map the BIOS up to 4 GiB, so
# they write ELF64): tests/fuzz/core/i386-elf32 holds one QEMU note
# (CR0 PG WP PE, CR3 0x1000, CR4 PSE PGE) and 12 KiB of memory with a
# page directory at 0x1000 and a page table at 0x2000.  Worked out from
# its entries: PT[1] 0x100023, PD[1] 0x400083, PD[768] 0x2183 (PSE-36:
# 0x100000000, global), PD[1023] recursive.
cat >"$T/elf32.want" <<'WANT'
# cpu 0, cr3 0x1000, 32-bit paging
# start            end                    size page rwx priv  G mem ad physical
0x0000000000001000 0x0000000000002000       4K   4K rwx super - WB  A- 0x0000000000100000
0x0000000000400000 0x0000000000800000       4M   4M rwx super - WB  -- 0x0000000000400000
0x00000000c0000000 0x00000000c0400000       4M   4M rwx super G WB  -- 0x0000000100000000
# PDE at 0x1ffc points back to table 0x1000 (recursive): 0x00000000ffc00000+0x400000 maps tables
0x00000000ffc00000 0x00000000ffc01000       4K   4K rwx super - WB  -- 0x0000000000002000
0x00000000ffc01000 0x00000000ffc02000       4K   4K rwx super - WB  -- 0x0000000000400000
0x00000000fff00000 0x00000000fff01000       4K   4K rwx super G WB  -- 0x0000000000002000
0x00000000fffff000 0x0000000100000000       4K   4K rwx super - WB  -- 0x0000000000001000
WANT
if $PTDUMP --core "$TOP/tests/fuzz/core/i386-elf32" dump >"$T/elf32.got" 2>"$T/err" &&
    diff -u "$T/elf32.want" "$T/elf32.got" >"$T/elf32.diff"; then
	tl_ok "an ELF32 i386 core dumps its 32-bit paging"
else
	tl_fail "the ELF32 i386 core"; tl_show "$T/err"; tl_show "$T/elf32.diff"
fi
tl_done
