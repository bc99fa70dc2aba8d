#!/bin/sh
# The manual pages are well formed, and ptdump(1) documents every command
# that `ptdump help` lists.
. "$(dirname "$0")/../lib.sh"
tl_init

for m in "$TOP"/man/*.[17]; do
	if mandoc -Tlint -Wwarning "$m" >"$T/lint" 2>&1; then
		tl_ok "mandoc -Tlint $(basename "$m")"
	else
		tl_fail "mandoc -Tlint $(basename "$m")"; tl_show "$T/lint"
	fi
done

# An argument placeholder glued to punctuation renders as "file ...:port".
for m in "$TOP"/man/*.[17]; do
	if mandoc -Tascii "$m" | col -b | grep -n 'file \.\.\.:' >"$T/render"; then
		tl_fail "$(basename "$m") renders an empty argument as 'file ...'"
		tl_show "$T/render"
	fi
done

"$PTDUMP" help >"$T/help" || tl_fail "ptdump help failed"
n=0
for c in $(awk '/^  [a-z]/ {print $1}' "$T/help"); do
	n=$((n + 1))
	grep -q "^\.It Ic $c\b" "$TOP/man/ptdump.1" ||
		tl_fail "ptdump(1) does not document the command '$c'"
done
[ "$n" -ge 5 ] || tl_fail "ptdump help listed only $n commands"
tl_ok "ptdump(1) documents the $n commands of 'ptdump help'"

# Every long option in --help is in the man page too.
"$PTDUMP" --help | grep -o -- '--[a-z-]*' | sort -u | while read -r o; do
	grep -q -- "Fl -${o#--}" "$TOP/man/ptdump.1" ||
		echo "ptdump(1) does not document $o"
done >"$T/opts"
[ -s "$T/opts" ] && { tl_fail "options missing from ptdump(1)"; tl_show "$T/opts"; }
# Every command of gdb-scripts/ptdump.gdb has `document` help and is in
# ptdump-gdb(7).
n=0
for c in $(sed -n 's/^define \(pt-[a-z]*\)$/\1/p' "$TOP/gdb-scripts/ptdump.gdb"); do
	n=$((n + 1))
	grep -q "^document $c\$" "$TOP/gdb-scripts/ptdump.gdb" ||
		tl_fail "ptdump.gdb: no 'document $c'"
	grep -q "^\.Ic $c\b\|^\.It Ic $c\b" "$TOP/man/ptdump-gdb.7" ||
		tl_fail "ptdump-gdb(7) does not document '$c'"
done
[ "$n" -ge 6 ] && tl_ok "ptdump-gdb(7) and 'document' cover the $n pt- commands" ||
	tl_fail "ptdump.gdb defines only $n pt- commands"

# Every scenario (one golden batch each) is in ptdump-kernel(7), in the
# README's table and in the GRUB menu.
n=0
for b in "$TOP"/tests/golden/*.ptdump; do
	sc=$(basename "$b" .ptdump)
	n=$((n + 1))
	grep -q "^\.It Cm $sc\$" "$TOP/man/ptdump-kernel.7" ||
		tl_fail "ptdump-kernel(7) does not list the scenario '$sc'"
	grep -q "^| \`$sc\` |" "$TOP/README.md" ||
		tl_fail "README.md does not list the scenario '$sc'"
	grep -q "scenario=$sc\$" "$TOP/kernel/grub.cfg" ||
		tl_fail "kernel/grub.cfg has no menu entry for the scenario '$sc'"
done
[ "$n" -ge 28 ] || tl_fail "only $n golden batches: one per scenario is expected"
tl_ok "ptdump-kernel(7), README.md and the GRUB menu list the $n scenarios"
tl_done
