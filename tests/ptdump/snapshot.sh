#!/bin/sh
# Snapshots and diffs on tlb-stale: a snapshot taken before the kernel
# repoints three PTEs without INVLPG, and the state at its checkpoint,
# must differ in exactly those three pages (the kernel names them and
# the frames on serial), each flagged as possibly still cached, the
# global one as surviving CR3 writes.  A snapshot file read back equals
# the one kept; files of another format or version are refused.
. "$(dirname "$0")/../lib.sh"
tl_init

TL_GDB=1 tl_qemu stale kernel "scenario=tlb-stale" -S
PT="$PTDUMP -t 127.0.0.1:$GDBPORT --symbols $KERNEL"
$PT -c 'break sc_load' -c continue -c "snapshot save before $T/before.json" \
    -c delete -c 'break checkpoint' -c continue -c 'diff before' \
    -c "snapshot load $T/before.json again" -c 'diff before again' \
    -c 'snapshot list' >"$T/out" 2>"$T/err"
rc=$?
# diff found changes: the batch ends with status 1.
[ "$rc" = 1 ] || { tl_fail "batch: exit $rc, want 1 (changes found)"; tl_show "$T/err"; }
line=$(grep 'now point at frame' "$T/stale.serial")
old=$(echo "$line" | sed 's/.*instead of \(0x[0-9a-f]*\).*/\1/')
new=$(echo "$line" | sed 's/.*at frame \(0x[0-9a-f]*\) instead.*/\1/')
vas=$(echo "$line" | grep -o '0x3[0-9a-f]*' | head -n 3)
n=0
for va in $vas; do
	n=$((n + 1))
	hz="may still be cached until INVLPG or a CR3 write"
	echo "$line" | grep -q "$va (global)" &&
		hz="may still be cached until INVLPG: a global translation survives CR3 writes"
	if grep -q "^~ 0x0000000${va#0x}   4K pa $old -> $new: $hz\$" "$T/out"; then
		tl_ok "diff: $va moved $old -> $new, '$hz'"
	else
		tl_fail "diff: no line for $va ($old -> $new)"; tl_show "$T/out"
	fi
done
[ "$n" = 3 ] || tl_fail "the kernel's line names $n pages, want 3: $line"
grep -q '^# 3 pages differ$' "$T/out" && tl_ok "diff: exactly those 3 pages differ" ||
	{ tl_fail "diff: not exactly 3 pages"; tl_show "$T/out"; }
grep -q '^# 0 pages differ$' "$T/out" &&
	tl_ok "a snapshot written and read back equals the one kept" ||
	{ tl_fail "round trip: differences"; tl_show "$T/out"; }
grep -q '^again  *cpu 0, cr3 0x200000, 4-level, [0-9]* pages$' "$T/out" &&
	tl_ok "snapshot list" || { tl_fail "snapshot list"; tl_show "$T/out"; }
tl_stop "$QPID"

# Coalescing, offline (no target): four contiguous pages removed, or all
# moved by one offset, are one line each, as dump would show them.
snap() { # FILE NAME PA-OF-FIRST-PAGE|none
	{
		printf '{"format":"ptdump-snapshot","version":1,"name":"%s",' "$2"
		printf '"cpu":0,"mode":"4-level","cr0":"0x80010011","cr3":"0x1000",'
		printf '"cr4":"0x20","efer":"0xd00","leaves":['
		if [ "$3" != none ]; then
			for i in 0 1 2 3; do
				[ "$i" = 0 ] || printf ','
				printf '{"va":"0x%x","pa":"0x%x","size":4096,"level":1,' \
				    $((0x10000 + i * 4096)) $(($3 + i * 4096))
				printf '"raw":"0x%x","w":true,"u":false,"x":false,' \
				    $((($3 + i * 4096) | 0x63))
				printf '"memtype":6,"a":true}'
			done
		fi
		printf ']}\n'
	} >"$1"
}
snap "$T/a.json" a 0x5000
snap "$T/b.json" b none
snap "$T/c.json" c 0x25000
$PTDUMP -c "snapshot load $T/a.json" -c "snapshot load $T/b.json" \
    -c "snapshot load $T/c.json" -c 'diff a b' -c 'diff a c' >"$T/co" 2>&1
grep -q '^- 0x0000000000010000  16K pa 0x5000 rw- super WB: may still be cached until INVLPG or a CR3 write$' "$T/co" &&
	grep -q '^~ 0x0000000000010000  16K pa 0x5000 -> 0x25000: may still be cached until INVLPG or a CR3 write$' "$T/co" &&
	[ "$(grep -c '^# 4 pages differ$' "$T/co")" = 2 ] &&
	tl_ok "diff coalesces runs of pages that differ alike" ||
	{ tl_fail "diff: coalescing"; tl_show "$T/co"; }

# Bad files: one clear line, exit 2.
bad() { # WHAT REGEX FILE-CONTENT
	printf '%s\n' "$3" >"$T/bad.json"
	$PTDUMP snapshot load "$T/bad.json" >/dev/null 2>"$T/err"
	rc=$?
	if [ "$rc" = 2 ] && [ "$(wc -l <"$T/err")" = 1 ] && grep -q "$2" "$T/err"; then
		tl_ok "$1: exit 2: $(cat "$T/err")"
	else
		tl_fail "$1: exit $rc"; tl_show "$T/err"
	fi
}
bad "not JSON" "not a snapshot" 'hello'
bad "another format" 'not a ptdump snapshot' '{"format":"other","version":1}'
bad "another version" 'snapshot version other than 1; this ptdump reads version 1' \
    '{"format":"ptdump-snapshot","version":2}'
bad "a page of 4097 bytes" 'a ptdump snapshot, but malformed' \
    '{"format":"ptdump-snapshot","version":1,"name":"x","cpu":0,"mode":"4-level","cr0":"0x80000011","cr3":"0x1000","cr4":"0x20","efer":"0xd00","leaves":[{"va":"0x1000","pa":"0x2000","size":4097,"level":1,"raw":"0x2003","w":true,"u":false,"x":false,"memtype":6,"a":true}]}'
tl_done
