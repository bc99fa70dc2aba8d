#!/bin/sh
# gdb-scripts/ptdump.gdb in real GDB against the real kernel: for every
# scenario with a golden batch, the text commands of that batch (regs,
# dump, walk, set pat/maxphyaddr) become pt-regs, pt-dump, pt-walk and
# $pt_pat/$pt_maxphyaddr, and their output must equal ptdump's for the
# same batch in the same boot (and so, through golden.sh, the golden).
# It runs in the distribution's gdb and in Debian's gdb-minimal, which
# has no Python: the proof that the macros need none.  After the
# commands, and after ones that fail, QEMU's PhyMemMode must read 0.
#
# Known differences, left out of the translated batch:
# - `--format json` and `--pages`: pt-dump prints the text form only;
# - scenario=scale: 262144 leaves are beyond GDB's interpreter in a test
#   (make bench BENCH_GDB_SCRIPTS=1 times pt-dump instead);
# - scenario=hostile and hostile-fanout: the macros cannot learn where
#   RAM ends (that takes parsing `monitor info mtree -f`), so they read
#   tables past it (QEMU answers zeros) where ptdump prints a '!' line,
#   and they have no budget to stop a walk of 512^3 pages;
# - scenario=paging32 and pae: the macros walk long mode only (see
#   ptdump-gdb(7)); tests/ptdump/modes.sh checks what they say there.
. "$(dirname "$0")/../lib.sh"
tl_init
G=$TOP/tests/golden
SCRIPT=$TOP/gdb-scripts/ptdump.gdb

command -v gdb >/dev/null 2>&1 || { echo "gdb is not installed: skipped"; exit 77; }
GDBS=gdb
if min=$(tl_gdb_minimal); then
	GDBS="gdb $min"
else
	tl_fail "gdb-minimal is not available: the python-free claim is untested"
fi

# translate BATCH: the gdb commands, one per line, for the text commands
# of BATCH; the ptdump batch they mirror goes to $T/mirror.ptdump.
translate() {
	: >"$T/mirror.ptdump"
	grep -v '^#' "$1" | while read -r cmd a b c; do
		case "$cmd $a $b $c" in
		*--format*|*--pages*) continue ;;
		esac
		case $cmd in
		regs) echo pt-regs ;;
		walk)
			if [ "$b" = --cr3 ]; then
				echo "pt-walk $a $c"
			else
				echo "pt-walk $a"
			fi ;;
		dump)
			if [ -z "$a" ]; then
				echo pt-dump
			else
				start=${a%%[-+]*} rest=${a#*[-+]}
				case $a in
				*+*) echo "pt-dump $start $start+$rest" ;;
				*) echo "pt-dump $start $rest" ;;
				esac
			fi ;;
		set)
			case $a in
			pat|maxphyaddr) echo "set \$pt_$a = $b" ;;
			*) continue ;;
			esac ;;
		*) continue ;;
		esac
		echo "$cmd${a:+ $a}${b:+ $b}${c:+ $c}" >>"$T/mirror.ptdump"
	done
}

# run_gdb GDB CMDFILE OUT: the commands of CMDFILE between two markers,
# then PhyMemMode; OUT gets what came between the markers.
run_gdb() {
	"$1" -nx -batch -x "$SCRIPT" -ex "target remote 127.0.0.1:$GDBPORT" \
	    -ex 'echo @@begin\n' -x "$2" -ex 'echo @@end\n' \
	    -ex 'maint packet qqemu.PhyMemMode' -ex detach \
	    </dev/null >"$T/gdb.raw" 2>&1
	sed -n '/^@@begin$/,/^@@end$/p' "$T/gdb.raw" | sed '1d;$d' >"$3"
	grep -q '^received: "0"$' "$T/gdb.raw"
}

set -- $(cd "$G" && ls -- *.ptdump */*.ptdump | sed 's/\.ptdump$//' |
	grep -vx 'scale\|hostile\|hostile-fanout\|paging32\|pae')
for batch in "$@"; do
	words=$(sed -n 's/^# kernel: //p' "$G/$batch.ptdump" | head -n 1)
	case $batch in */*) words="${batch%%/*}${words:+ $words}" ;; esac
	sc=${batch##*/}
	id=$(echo "$batch" | tr / _)
	tl_boot_halted "$id" "$sc" "$words" >/dev/null 2>&1 ||
		{ tl_fail "$batch: kernel did not boot"; continue; }
	translate "$G/$batch.ptdump" >"$T/$id.gdb"
	$PTDUMP -t "127.0.0.1:$GDBPORT" -x "$T/mirror.ptdump" >"$T/$id.want" 2>&1
	for g in $GDBS; do
		name=gdb-minimal
		[ "$g" = gdb ] && name=gdb
		if ! run_gdb "$g" "$T/$id.gdb" "$T/$id.got"; then
			tl_fail "$batch ($name): PhyMemMode is not 0 afterwards"
			tl_show "$T/gdb.raw"
		fi
		if diff -u "$T/$id.want" "$T/$id.got" >"$T/$id.diff"; then
			tl_ok "$batch ($name): $(wc -l <"$T/$id.got") lines equal ptdump's"
		else
			tl_fail "$batch ($name): differs from ptdump (- ptdump, + gdb)"
			head -n 40 "$T/$id.diff" | tl_show /dev/stdin
		fi
	done
	tl_stop "$QPID"
done

# Errors: a usage line, and PhyMemMode still 0 after a failing command
# and after one interrupted half-way.
tl_boot_halted err boot >/dev/null 2>&1 || { tl_fail "kernel did not boot"; tl_done; }
printf 'pt-walk\npt-decode 0x1\npt-dump 0x2000 0x1000\n' >"$T/bad.gdb"
for g in $GDBS; do
	run_gdb "$g" "$T/bad.gdb" "$T/bad.out" &&
		[ "$(grep -c '^usage: ' "$T/bad.out")" -ge 2 ] &&
		tl_ok "$g: usage lines, PhyMemMode 0 after failing commands" ||
		{ tl_fail "$g: failing commands"; tl_show "$T/gdb.raw"; }
done
tl_stop "$QPID"

# Interrupted half-way: Ctrl-C (SIGINT) during a long pt-dump of
# scenario=scale aborts it.  GDB has no `finally`: a Ctrl-C that lands
# during a table read (GDB defers it to the end of the packet and quits
# right after) leaves PhyMemMode 1, and every pt- command first puts it
# back.  So after the next pt- command the mode must be 0.  Three
# different moments, with each GDB.
tl_boot_halted scale scale "scale=1" >/dev/null 2>&1 ||
	{ tl_fail "scale did not boot"; tl_done; }
for g in $GDBS; do
	for t in 1.1 1.9 2.7; do
		"$g" -nx -batch -x "$SCRIPT" -ex "target remote 127.0.0.1:$GDBPORT" \
		    -ex pt-dump -ex pt-regs -ex 'maint packet qqemu.PhyMemMode' \
		    -ex detach \
		    </dev/null >"$T/int.out" 2>&1 &
		gpid=$!
		sleep "$t"
		kill -INT "$gpid"
		wait "$gpid"
		if grep -q '^Quit' "$T/int.out" &&
		    grep -q '^received: "0"$' "$T/int.out"; then
			tl_ok "$(basename "$g") pt-dump interrupted after ${t}s, then pt-regs: PhyMemMode 0"
		else
			tl_fail "$g: pt-dump interrupted after ${t}s"
			tail -n 5 "$T/int.out" | tl_show /dev/stdin
		fi
	done
done
tl_stop "$QPID"
tl_done
