#!/bin/sh
# Regression dumps: for every scenario NAME with a batch tests/golden/NAME.ptdump,
# boot `scenario=NAME halt`, run the batch at the checkpoint and diff its
# output with tests/golden/NAME.txt, once reading guest RAM straight from
# QEMU's memory (--ram-access direct), once with gdbstub packets
# (--ram-access rsp) and once from QEMU's core of the guest as it stands
# (dump-guest-memory, then --core); in the same boot, compare the leaves
# of `dump --pages --format json` with QEMU's own walker (`info tlb`).
#
#   tests/ptdump/golden.sh [NAME...]        check (all scenarios by default)
#   GOLDEN_UPDATE=1 tests/ptdump/golden.sh  rewrite the .txt files instead
#                                           (`make golden`): read every
#                                           change before committing it
#
# A batch may carry the comment "# kernel: WORDS" to add kernel
# command-line words (e.g. scale=1), and "# no oracle: WHY" where QEMU's
# walker cannot list the tables.  Batches in a subdirectory, such as
# tests/golden/la57/boot.ptdump, boot their scenario with the directory's
# name as one more word (la57: 5-level paging); NAME is then "la57/boot".
. "$(dirname "$0")/../lib.sh"
tl_init
G=$TOP/tests/golden

if [ $# -eq 0 ]; then
	set -- $(cd "$G" && ls -- *.ptdump */*.ptdump 2>/dev/null |
		sed 's/\.ptdump$//')
fi

# kernel_words NAME: the words of "# kernel: ..." in NAME's batch, if any.
kernel_words() {
	sed -n 's/^# kernel: //p' "$G/$1.ptdump" | head -n 1
}

# golden NAME: the batch's output against NAME.txt (or into it).
# Scratch files are named by $id, NAME with its slash turned into "__".
golden() {
	# Status 1 is a finding (a walk of an unmapped address), not a failure.
	$PT --ram-access direct -x "$G/$1.ptdump" >"$T/$id.txt" 2>"$T/$id.err"
	rc=$?
	if [ "$rc" -gt 1 ]; then
		tl_fail "$1: ptdump -x $1.ptdump failed (exit $rc)"
		tl_show "$T/$id.err"
		return
	fi
	if [ "${GOLDEN_UPDATE:-0}" = 1 ]; then
		if cmp -s "$T/$id.txt" "$G/$1.txt"; then
			tl_ok "$1: golden unchanged"
		else
			cp "$T/$id.txt" "$G/$1.txt"
			tl_ok "$1: golden rewritten: read it before committing"
		fi
	elif [ ! -f "$G/$1.txt" ]; then
		tl_fail "$1: no golden $1.txt (make golden writes it)"
	elif diff -u "$G/$1.txt" "$T/$id.txt" >"$T/$id.gdiff"; then
		tl_ok "$1: golden $1.txt (guest RAM read directly)"
		mutant "$1"
		again "$1" "guest RAM read with m packets" $PT --ram-access rsp
		core_too "$1"
	else
		tl_fail "$1: output differs from tests/golden/$1.txt (- golden, + now)"
		tl_show "$T/$id.gdiff"
	fi
}

# mutant NAME: once per run, the comparison must catch a golden with its
# third line gone, and show that line in the diff.
# again BATCH HOW CMD...: the batch run by CMD (a ptdump reading the
# guest another way, HOW) prints the golden's bytes.
again() {
	b=$1 how=$2
	shift 2
	"$@" -x "$G/$b.ptdump" >"$T/$id.again.txt" 2>"$T/$id.err"
	if [ "$?" -gt 1 ]; then
		tl_fail "$b: ptdump failed ($how)"
		tl_show "$T/$id.err"
	elif ! diff -u "$G/$b.txt" "$T/$id.again.txt" >"$T/$id.gdiff"; then
		tl_fail "$b: the output differs ($how; - golden, + now)"
		tl_show "$T/$id.gdiff"
	else
		tl_ok "$b: golden $b.txt ($how)"
	fi
}

# core_too BATCH: QEMU's core of the guest as it stands (monitor
# dump-guest-memory), read with --core, prints the same bytes.
core_too() {
	rm -f "$T/$id.core"
	if $PT monitor dump-guest-memory "$T/$id.core" >/dev/null 2>"$T/$id.err"; then
		again "$1" "read from QEMU's core, offline" $PTDUMP --core "$T/$id.core"
	else
		tl_fail "$1: dump-guest-memory failed"
		tl_show "$T/$id.err"
	fi
	rm -f "$T/$id.core"
}

mutant() {
	[ -n "${mutant_done:-}" ] && return
	mutant_done=1
	sed 3d "$G/$1.txt" >"$T/mutant.txt"
	line=$(sed -n 3p "$G/$1.txt")
	if diff -u "$T/mutant.txt" "$T/$id.txt" >"$T/mutant.diff"; then
		tl_fail "$1: a golden missing a line still matched"
	elif ! grep -qxF "+$line" "$T/mutant.diff"; then
		tl_fail "$1: the diff for a missing line does not show it"
		tl_show "$T/mutant.diff"
	else
		tl_ok "$1: a golden missing a line fails with a diff naming it"
	fi
}

# (tl_qemu sets $name: the loop's variable is $batch.)
for batch in "$@"; do
	if [ ! -f "$G/$batch.ptdump" ]; then
		tl_fail "$batch: no batch tests/golden/$batch.ptdump"
		continue
	fi
	id=$(echo "$batch" | sed "s|/|__|g")
	words=$(kernel_words "$batch")
	case $batch in */*) words="${batch%%/*}${words:+ $words}" ;; esac
	if ! tl_boot_halted "$id" "${batch##*/}" "$words" 2>&1; then
		tl_fail "$batch: the kernel did not reach its checkpoint"
		tl_stop "$QPID"
		continue
	fi
	PT="$PTDUMP -t 127.0.0.1:$GDBPORT"
	golden "$batch"
	# The oracle's walk knows MAXPHYADDR as the batch says it.  A
	# batch whose comment says "# no oracle: WHY" has none.
	bits=$(sed -n 's/^set maxphyaddr //p' "$G/$batch.ptdump" | head -n 1)
	why=$(sed -n 's/^# no oracle: //p' "$G/$batch.ptdump" | head -n 1)
	if [ -n "$why" ]; then
		tl_ok "$batch: no oracle: $why"
	else
		tl_tlb_oracle "$batch" 20 $PT ${bits:+-c "set maxphyaddr $bits"}
	fi
	tl_stop "$QPID"
done
tl_done
