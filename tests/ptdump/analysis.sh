#!/bin/sh
# ptov, dump --filter and dump --summary on scenario=alias (one frame at
# two addresses, RW and RO), each held against QEMU's own walker: the
# pages `monitor info tlb` lists, one line each with QEMU's flags
# (X = NX, P = a large page, U = US, W = RW).  QEMU shows the leaf's bits
# where ptdump's filters and totals use effective rights; they agree in
# the lower half, whose tables have RW=1, US=0 and NX=0 throughout (the
# recursive slot in the upper half has NX above its leaves), so the
# filter and summary checks look at the lower half.
. "$(dirname "$0")/../lib.sh"
tl_init
tl_boot_halted alias alias || { tl_fail "alias did not boot"; tl_done; }
PT="$PTDUMP -t 127.0.0.1:$GDBPORT"

# QEMU's pages as "VA PA FLAGS", hex without 0x, 16 digits; and those
# of the lower half.
$PT monitor info tlb | tr -d '\r' |
	awk '/^[0-9a-f]+: [0-9a-f]+ [-XGPDACTUW]+$/ { sub(/:$/, "", $1); print }' \
	>"$T/tlb.all"
grep -v '^f' "$T/tlb.all" >"$T/tlb"
LOW=0-0x800000000000
n=$(wc -l <"$T/tlb.all")
[ "$n" -gt 200 ] || { tl_fail "info tlb listed only $n pages"; tl_done; }

# 1. ptov 0x204000: every page QEMU lists on that frame (a 4 KiB page
#    with PA 0x204000, or the 2 MiB page from 0x200000 that holds it).
awk '$2 == "0000000000204000" || ($2 == "0000000000200000" && $3 ~ /P/) {
	print "0x" $1 }' "$T/tlb.all" | sort >"$T/want"
$PT ptov 0x204000 >"$T/ptov" 2>&1 || tl_fail "ptov 0x204000 failed"
awk '/^0x/ { print $1 }' "$T/ptov" | sort >"$T/got"
if [ "$(wc -l <"$T/want")" -ge 3 ] && diff -u "$T/want" "$T/got" >"$T/d"; then
	tl_ok "ptov 0x204000: $(tr '\n' ' ' <"$T/got")as in info tlb"
else
	tl_fail "ptov 0x204000 differs from info tlb (- qemu, + ptov)"; tl_show "$T/d"
fi
$PT ptov 0x7000000 >/dev/null 2>&1
rc=$?
[ "$rc" = 1 ] && tl_ok "ptov of an unmapped frame: exit 1" ||
	tl_fail "ptov of an unmapped frame: exit $rc, want 1"

# 2. dump --pages --filter: one line per page, as many as QEMU's pages
#    with those flags.
filter() { # TERMS AWK-CONDITION-ON-QEMU-FLAGS
	want=$(awk "$2" "$T/tlb" | wc -l)
	got=$($PT dump $LOW --pages --filter "$1" | grep -c '^0x')
	if [ "$want" = "$got" ] && [ "$got" -gt 0 ]; then
		tl_ok "dump --pages --filter $1: $got pages, as info tlb"
	else
		tl_fail "dump --pages --filter $1: $got pages, info tlb has $want"
	fi
}
filter ro '$3 !~ /W/'
filter w,super '$3 ~ /W/ && $3 !~ /U/'
filter '!nx' '$3 !~ /X/'
filter 'x,ro' '$3 !~ /X/ && $3 !~ /W/'
$PT dump --filter 'w,ro' >/dev/null 2>"$T/err"
[ $? = 2 ] && grep -q 'can match nothing' "$T/err" &&
	tl_ok "dump --filter w,ro: refused, it can match nothing" ||
	tl_fail "dump --filter w,ro was not refused"

# 3. dump --summary: entries per rights, as QEMU's pages count them.
$PT dump $LOW --summary >"$T/sum" || tl_fail "dump --summary failed"
n=$(wc -l <"$T/tlb")
summary() { # LABEL AWK-CONDITION
	want=$(awk "$2" "$T/tlb" | wc -l)
	got=$(awk -v l="$1" 'substr($0, 1, 10) == sprintf("%-10s", l) { print $(NF - 1) }' "$T/sum")
	[ "$want" = "$got" ] && tl_ok "dump --summary: $got entries $1, as info tlb" ||
		{ tl_fail "dump --summary: '$1' $got, info tlb $want"; tl_show "$T/sum"; }
}
summary "rw- super" '$3 ~ /W/ && $3 !~ /U/ && $3 ~ /X/'
summary "r-- super" '$3 !~ /W/ && $3 !~ /U/ && $3 ~ /X/'
summary "r-x super" '$3 !~ /W/ && $3 !~ /U/ && $3 !~ /X/'
grep -q "^# $n entries map " "$T/sum" && tl_ok "dump --summary: $n entries in all" ||
	{ tl_fail "dump --summary: not $n entries in all"; tl_show "$T/sum"; }
$PT dump $LOW --summary --format json >"$T/sum.json"
grep -q "^{\"cpu\":0,\"cr3\":\"0x200000\",\"mode\":\"4-level\",\"leaves\":$n," "$T/sum.json" &&
	tl_ok "dump --summary --format json" || { tl_fail "summary JSON"; tl_show "$T/sum.json"; }
tl_stop "$QPID"

# 4. tlb on tlb-stale: the one global page the kernel names, kept across
#    CR3 writes (CR4.PGE=1), and every page with A=1 throughout (the
#    kernel presets A) counted as possibly cached.
tl_boot_halted stale tlb-stale || { tl_fail "tlb-stale did not boot"; tl_done; }
PT="$PTDUMP -t 127.0.0.1:$GDBPORT"
g=$(sed -n 's/.*PTEs of 0x[0-9a-f]*, \(0x[0-9a-f]*\) (global).*/\1/p' "$T/stale.serial")
$PT tlb >"$T/tlb.out" 2>&1 || tl_fail "tlb failed"
if [ -n "$g" ] && grep -q '^global: 1 page, kept across CR3 writes:$' "$T/tlb.out" &&
    [ "$(grep -c '^0x' "$T/tlb.out")" = 1 ] &&
    grep -q "^0x0000000${g#0x} .* super G " "$T/tlb.out"; then
	tl_ok "tlb: the global page $g, as the kernel names it"
else
	tl_fail "tlb: global pages (kernel: '$g')"; tl_show "$T/tlb.out"
fi
all=$($PT dump --pages | grep -c '^0x')
grep -q "^may be cached (A=1 at every level): $all pages, " "$T/tlb.out" &&
	tl_ok "tlb: all $all pages may be cached (A preset)" ||
	{ tl_fail "tlb: cached count is not $all"; tl_show "$T/tlb.out"; }
$PT tlb --format json >"$T/tlb.json"
grep -q '^{"pge":true,"pcide":false,"pcid":null,"cached":{"pages":'"$all"',' "$T/tlb.json" &&
	tl_ok "tlb --format json" || { tl_fail "tlb JSON"; tl_show "$T/tlb.json"; }
tl_stop "$QPID"
tl_done
