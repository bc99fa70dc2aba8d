#!/bin/sh
# tools/bench.sh - how long ptdump takes, as a whole process, next to
# gdb -batch doing the least it can: attach and print $cr3; and, on a
# large address space, next to QEMU's own walkers.
#
# Part 1 boots the kernel (scenario=boot, halted at its checkpoint) under
# TCG with a gdbstub, then times BENCH_RUNS (default 15) runs of each
# command interleaved, A B C D A B C D ..., so machine noise hits all of
# them alike.  Prints median and minimum wall time and each median as a
# multiple of gdb's.
#
# Part 2 boots scenario=scale with scale=BENCH_SCALE (default 1: 1 GiB
# of 4 KiB pages, 262144 leaves) and times, the same way, ptdump's own
# walk over the gdbstub against QEMU's walkers run inside QEMU and their
# output relayed over the same connection (`monitor info mem`, `info
# tlb`).
#
# Part 3 times gdb-scripts/ptdump.gdb's pt-dump, in the same GDB, beside
# `ptdump dump`: on scenario=boot (BENCH_RUNS rounds), and on the stock
# Linux guest of tests/ptdump/linux.sh when build/linux-guest/vmlinuz is
# there (BENCH_LINUX_RUNS rounds, 3 by default: GDB's interpreter is
# slow there).
#
# Exit status: 0 when `ptdump dump` has a lower median than gdb in part
# 1, 1 when it does not or when something failed.
#
# Every connection stops the guest and every detach resumes it; the
# kernel sits in a cli;hlt loop, so that changes nothing it shows.
TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/tests/lib.sh"
PTDUMP=$B/ptdump
GDB=${GDB:-gdb}
RUNS=${BENCH_RUNS:-15}
SCALE=${BENCH_SCALE:-1}
# No single run may hang the bench.
RUN_TIMEOUT=${BENCH_TIMEOUT:-30}

die() {
	echo "bench: $*" >&2
	exit 1
}

case "$RUNS" in
"" | *[!0-9]*) die "BENCH_RUNS must be a positive number, not '$RUNS'" ;;
esac
[ "$RUNS" -gt 0 ] || die "BENCH_RUNS must be a positive number"
# Each GiB takes 513 table pages (about 2 MiB) of the guest's 128 MiB.
case "$SCALE" in
"" | *[!0-9]*) die "BENCH_SCALE must be a number of GiB, not '$SCALE'" ;;
esac
[ "$SCALE" -ge 1 ] && [ "$SCALE" -le 60 ] ||
	die "BENCH_SCALE must be 1 to 60 GiB (the guest has 128 MiB for tables)"
[ -x "$PTDUMP" ] || die "$PTDUMP is missing: run 'make' first"
[ -f "$KERNEL" ] || die "$KERNEL is missing: run 'make' first"
command -v "$GDB" >/dev/null 2>&1 || die "$GDB is not installed"
command -v timeout >/dev/null 2>&1 || die "timeout (coreutils) is not installed"
case $(date +%s%N) in
*N | "" | *[!0-9]*) die "date +%s%N does not give nanoseconds here" ;;
esac

tl_init
tl_boot_halted bench boot || exit 1
TGT=127.0.0.1:$GDBPORT

# The commands, by key: a label and an argument list each.
label() { # KEY
	case $1 in
	A) echo "ptdump dump" ;;
	B) echo "gdb -batch 'p \$cr3'" ;;
	C) echo "ptdump dump --pages --format json" ;;
	D) echo "ptdump walk 0xfffffffffffff000" ;;
	E) echo "ptdump dump" ;;
	F) echo "ptdump monitor info mem" ;;
	G) echo "ptdump dump --pages --format json" ;;
	H) echo "ptdump monitor info tlb" ;;
	I | K) echo "ptdump dump" ;;
	J | L) echo "gdb -batch -x ptdump.gdb pt-dump" ;;
	esac
}

run_cmd() { # KEY: run that command once, output to $T/out and $T/err
	# shellcheck disable=SC2016 # $cr3 is gdb's, not the shell's
	case $1 in
	A) timeout "$RUN_TIMEOUT" "$PTDUMP" -t "$TGT" dump ;;
	B) timeout "$RUN_TIMEOUT" "$GDB" -nx -batch \
		-ex "target remote $TGT" -ex 'p $cr3' </dev/null ;;
	C) timeout "$RUN_TIMEOUT" "$PTDUMP" -t "$TGT" dump --pages --format json ;;
	D) timeout "$RUN_TIMEOUT" "$PTDUMP" -t "$TGT" walk 0xfffffffffffff000 ;;
	E) timeout "$RUN_TIMEOUT" "$PTDUMP" -t "$TGT" dump ;;
	F) timeout "$RUN_TIMEOUT" "$PTDUMP" -t "$TGT" monitor info mem ;;
	G) timeout "$RUN_TIMEOUT" "$PTDUMP" -t "$TGT" dump --pages --format json ;;
	H) timeout "$RUN_TIMEOUT" "$PTDUMP" -t "$TGT" monitor info tlb ;;
	I | K) timeout "$RUN_TIMEOUT" "$PTDUMP" -t "$TGT" dump ;;
	J | L) timeout "$RUN_TIMEOUT" "$GDB" -nx -batch -x "$TOP/gdb-scripts/ptdump.gdb" \
		-ex "target remote $TGT" -ex pt-dump -ex detach </dev/null ;;
	esac >"$T/out" 2>"$T/err"
}

fail_run() { # KEY RC
	echo "bench: '$(label "$1")' failed (exit $2)" >&2
	sed 's/^/  | /' "$T/out" "$T/err" >&2
	exit 1
}

# measure KEYS...: one untimed round first, which checks that every
# command does its job and warms the page cache for all of them alike;
# then RUNS interleaved timed rounds into $T/KEY.ns.
measure() {
	for k in "$@"; do
		run_cmd "$k"
		rc=$?
		[ "$rc" -eq 0 ] || fail_run "$k" "$rc"
		# QEMU describes cr3 as flags: gdb prints "$1 = [ PDBR=512 PCID=0 ]".
		# shellcheck disable=SC2016 # $1 is gdb's value history, not the shell's
		if [ "$k" = B ] && ! grep -Eq '^\$1 = [^<v]' "$T/out"; then
			echo "bench: gdb did not print \$cr3:" >&2
			fail_run B 0
		fi
		: >"$T/$k.ns"
	done
	i=0
	while [ "$i" -lt "$RUNS" ]; do
		for k in "$@"; do
			t0=$(date +%s%N)
			run_cmd "$k"
			rc=$?
			t1=$(date +%s%N)
			[ "$rc" -eq 0 ] || fail_run "$k" "$rc"
			echo $((t1 - t0)) >>"$T/$k.ns"
		done
		i=$((i + 1))
	done
}

# stats FILE: print "median min" in ns.
stats() {
	sort -n "$1" | awk '{ v[NR] = $1 }
	END {
		if (NR % 2) m = v[(NR + 1) / 2]
		else m = (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.0f %.0f\n", m, v[1]
	}'
}

# table BASE TITLE KEYS...: median and minimum of each, and each median
# as a multiple of BASE's.
table() {
	base=$1 title=$2
	shift 2
	base_med=$(stats "$T/$base.ns" | cut -d' ' -f1)
	printf '%-36s %10s %10s %8s\n' "command" "median ms" "min ms" "$title"
	for k in "$@"; do
		st=$(stats "$T/$k.ns")
		awk -v l="$(label "$k")" -v m="${st%% *}" -v n="${st#* }" \
		    -v g="$base_med" 'BEGIN {
			printf "%-36s %10.2f %10.2f %7.2fx\n", l, m / 1e6, n / 1e6, m / g }'
	done
}

measure A B C D
echo "bench: $RUNS runs each, interleaved; QEMU TCG, scenario=boot; wall time per whole process"
table B "vs gdb" A B C D
gdb_med=$(stats "$T/B.ns" | cut -d' ' -f1)
dump_med=$(stats "$T/A.ns" | cut -d' ' -f1)
echo
for k in A C D; do
	st=$(stats "$T/$k.ns")
	awk -v l="$(label "$k")" -v m="${st%% *}" -v g="$gdb_med" 'BEGIN {
		printf "%s: %.2fx the time of gdb'"'"'s '"'"'p $cr3'"'"'\n", l, m / g }'
done
tl_stop "$QPID"

echo
tl_boot_halted bench-scale scale "scale=$SCALE" || exit 1
TGT=127.0.0.1:$GDBPORT
measure E F G H
echo "bench: $RUNS runs each, interleaved; scenario=scale scale=$SCALE ($((SCALE * 262144)) 4 KiB leaves)"
table F "vs mem" E F
table H "vs tlb" G H
for p in "E F info mem" "G H info tlb"; do
	set -- $p
	awk -v l="$(label "$1")" -v a="$(stats "$T/$1.ns" | cut -d' ' -f1)" \
	    -v b="$(stats "$T/$2.ns" | cut -d' ' -f1)" -v q="$3 $4" 'BEGIN {
		printf "%s: %.2fx the time of QEMU'"'"'s own %s, relayed\n", l, a / b, q }'
done
tl_stop "$QPID"

# Part 3: the GDB macros beside ptdump.
echo
tl_boot_halted bench-gdb boot || exit 1
TGT=127.0.0.1:$GDBPORT
measure I J
echo "bench: $RUNS runs each, interleaved; scenario=boot; pt-dump in $GDB"
table I "vs ptdump" I J
tl_stop "$QPID"
L_KERNEL=$B/linux-guest/vmlinuz
if [ -f "$L_KERNEL" ]; then
	echo
	GDBPORT=$(tl_free_port)
	"$QEMU" -accel tcg -cpu max -m 512M -nic none -display none -no-reboot \
	    -serial "file:$T/linux.serial" -gdb "tcp:127.0.0.1:$GDBPORT" \
	    -kernel "$L_KERNEL" -append "console=ttyS0 nokaslr panic=0" \
	    2>/dev/null &
	QPID=$!
	tl_pids="$tl_pids $QPID"
	tl_wait_line "$T/linux.serial" 'end Kernel panic' 240 ||
		die "the Linux guest did not reach its root-mount panic"
	TGT=127.0.0.1:$GDBPORT
	RUNS=${BENCH_LINUX_RUNS:-3} RUN_TIMEOUT=${BENCH_LINUX_TIMEOUT:-600}
	measure K L
	echo "bench: $RUNS runs each, interleaved; the Linux guest ($(cat "$B/linux-guest/package" 2>/dev/null)); pt-dump in $GDB"
	table K "vs ptdump" K L
	tl_stop "$QPID"
else
	echo "bench: no Linux guest in build/linux-guest (tests/ptdump/linux.sh fetches it): its part is skipped"
fi

if [ "$dump_med" -lt "$gdb_med" ]; then
	echo "bench: ok: ptdump dump takes less wall time than gdb -batch target remote + p \$cr3"
	exit 0
fi
echo "bench: FAIL: ptdump dump is not faster than gdb -batch target remote + p \$cr3"
exit 1
