#!/bin/sh
# `check` as a CI gate on the real kernel: clean on boot (exit 0), W+X
# on wx and a writable/read-only alias on alias (exit 1), --only and
# --ignore to pin what a job accepts, JSON, and bad options (exit 2).
# The addresses expected are taken from the reviewed golden dumps of the
# same scenarios, not typed here.
. "$(dirname "$0")/../lib.sh"
tl_init
G=$TOP/tests/golden

# status WANT WHAT CMD...: run CMD (output in $T/out), want exit WANT.
status() {
	want=$1 what=$2
	shift 2
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" = "$want" ]; then
		tl_ok "$what: exit $rc"
	else
		tl_fail "$what: exit $rc, want $want"; tl_show "$T/out"; tl_show "$T/err"
	fi
}

# golden_va NAME RIGHTS: the start of the first range with RIGHTS in
# NAME's golden dump at or above the scenario's own GiB, 0x40000000.
golden_va() {
	awk -v r="$2" '$5 == r && /^0x/ && $1 >= "0x0000000040000000" &&
	    $1 < "0xffff" { print $1; exit }' "$G/$1.txt"
}

tl_boot_halted boot boot || { tl_fail "boot did not boot"; tl_done; }
PT="$PTDUMP -t 127.0.0.1:$GDBPORT"
status 0 "check on boot" $PT check
grep -q '^checked [0-9]* ranges and [0-9]* table pages: 0 wx, 0 user-tables, 0 user-high, 0 user-exec, 0 rsvd, 0 past-ram, 0 alias, 0 alias-memtype$' "$T/out" &&
	tl_ok "boot: the summary counts nothing" || { tl_fail "boot: summary"; tl_show "$T/out"; }
grep -q '^# recursive slot: PML4E at 0x200ff8 points back to table 0x200000' "$T/out" &&
	tl_ok "boot: the recursive slot is named, not flagged" ||
	{ tl_fail "boot: recursive slot not named"; tl_show "$T/out"; }
status 2 "check --only nonsense" $PT check --only nonsense
tl_stop "$QPID"

tl_boot_halted wx wx || { tl_fail "wx did not boot"; tl_done; }
PT="$PTDUMP -t 127.0.0.1:$GDBPORT"
wxva=$(golden_va wx rwx)
status 1 "check on wx" $PT check
grep -q "^wx  *$wxva-0x[0-9a-f]* pa 0x[0-9a-f]*: writable and executable (supervisor)$" "$T/out" &&
	tl_ok "wx: names the W+X page $wxva (the golden's rwx range)" ||
	{ tl_fail "wx: no finding at $wxva"; tl_show "$T/out"; }
status 1 "check --format json on wx" $PT check --only wx --format json
grep -q "{\"kind\":\"wx\",\"va\":\"$(printf '0x%x' "$wxva")\"" "$T/out" &&
	grep -q '"summary":{"ranges":[0-9]*,"tables":[0-9]*,"wx":1,"ignored":0,"capped":false,"ram_end":"0x8000000"}}$' "$T/out" &&
	tl_ok "wx: JSON finding and summary; RAM ends at 128 MiB (-m 128M)" ||
	{ tl_fail "wx: JSON"; tl_show "$T/out"; }
status 0 "check --ignore the W+X page, --only wx" $PT check --only wx --ignore "$wxva+0x1000"
grep -q '1 ignored$' "$T/out" && tl_ok "wx: the ignored finding is counted" ||
	{ tl_fail "wx: ignored count"; tl_show "$T/out"; }
tl_stop "$QPID"

tl_boot_halted alias alias || { tl_fail "alias did not boot"; tl_done; }
PT="$PTDUMP -t 127.0.0.1:$GDBPORT"
ro=$(golden_va alias r--)
ro=$(printf '0x%x' "$ro")
status 1 "check on alias" $PT check
grep -q "^alias .*is writable here and read-only at $ro$" "$T/out" &&
	tl_ok "alias: the frame is writable here and read-only at $ro (the golden's r-- range)" ||
	{ tl_fail "alias: no finding naming $ro"; tl_show "$T/out"; }
status 0 "check --only wx on alias" $PT check --only wx
tl_stop "$QPID"
tl_done
