#!/bin/sh
# tools/soak.sh - ptdump, many times over, on one running guest; `make
# soak` builds the helpers and runs it.
#
# Our kernel boots with `scenario=boot halt` (QEMU runs; the vCPU idles
# in cli;hlt), and then:
#   1. SOAK_CYCLES (default 1000) ptdump processes, one after another,
#      each attaching, dumping and detaching; each must exit 0.  Their
#      peak RSS (wait4) is reported: the first runs against the last.
#   2. One ptdump process running a batch of SOAK_COMMANDS (default
#      100000) commands (regs, walk, break, dump of a range, delete,
#      info cpus, in turn) over one connection; its resident memory and open
#      descriptors are sampled from /proc as it runs: the first sample
#      against the largest and the last.
# Guest RAM is read with `m` packets (--ram-access rsp), the path that
# sets QEMU's physical-memory mode and must put it back.  After each
# part, QEMU must say the guest is running, and GDB (not ptdump) asks
# the gdbstub for its physical-memory mode: it must be 0.
#
# Exit status: 0 when every check holds, 1 when one does not, 2 when
# something could not run.
TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/tests/lib.sh"
PT=$B/ptdump
HMP=$B/tools/hmp
BENCHRUN=$B/tools/benchrun
GDB=${GDB:-gdb}
CYCLES=${SOAK_CYCLES:-1000}
COMMANDS=${SOAK_COMMANDS:-100000}

die() {
	echo "soak: $*" >&2
	exit 2
}

for f in "$PT" "$HMP" "$BENCHRUN"; do
	[ -x "$f" ] || die "$f is missing: run 'make soak'"
done
case $CYCLES$COMMANDS in *[!0-9]*) die "SOAK_CYCLES and SOAK_COMMANDS are counts" ;; esac
tl_init
TL_GDB=1 tl_qemu soak kernel "scenario=boot halt" \
    -monitor "unix:$T/mon,server,nowait"
tl_wait_line "$T/soak.serial" '^checkpoint boot$' 60 ||
	die "the kernel did not reach its checkpoint"
TGT=127.0.0.1:$GDBPORT

# guest_as_found WHAT: the guest runs and PhyMemMode is 0.
guest_as_found() {
	st=$("$HMP" "$T/mon" info status | tr -d '\r')
	case $st in
	*"VM status: running"*) tl_ok "$1: QEMU says the guest is running" ;;
	*) tl_fail "$1: QEMU says: $st" ;;
	esac
	pm=$("$GDB" -nx -batch -ex "target remote $TGT" \
	    -ex 'maint packet qqemu.PhyMemMode' 2>&1 | sed -n 's/^received: "\(.*\)"$/\1/p')
	[ "$pm" = 0 ] && tl_ok "$1: PhyMemMode is 0 (asked by GDB)" ||
		tl_fail "$1: PhyMemMode is '$pm', not 0"
}

# 1. Many processes.
echo "soak: $CYCLES attach/dump/detach cycles"
: >"$T/cycles"
i=0 bad=0 t0=$(date +%s)
while [ "$i" -lt "$CYCLES" ]; do
	set -- $("$BENCHRUN" /dev/null -- "$PT" --ram-access rsp -t "$TGT" dump)
	[ "${3:-1}" = 0 ] || bad=$((bad + 1))
	echo "$2" >>"$T/cycles"
	i=$((i + 1))
done
secs=$(( $(date +%s) - t0 ))
[ "$bad" -eq 0 ] && tl_ok "$CYCLES cycles in ${secs}s, every one exit 0" ||
	tl_fail "$bad of $CYCLES cycles did not exit 0"
first=$(head -n 10 "$T/cycles" | sort -n | tail -n 1)
last=$(tail -n 10 "$T/cycles" | sort -n | tail -n 1)
most=$(sort -n "$T/cycles" | tail -n 1)
echo "soak: peak RSS per process: first 10 runs ${first} KiB, last 10 ${last} KiB, largest ${most} KiB"
[ "$last" -le $((first + 64)) ] && tl_ok "the last runs use no more memory than the first" ||
	tl_fail "peak RSS grew from $first to $last KiB"
guest_as_found "after $CYCLES cycles"

# 2. One long batch.
echo "soak: a batch of $COMMANDS commands on one connection"
awk -v n="$COMMANDS" 'BEGIN {
	k = split("regs|walk 0x100000|break 0x100000|dump 0x100000+0x4000|" \
	    "delete|info cpus", c, "|")
	for (i = 0; i < n; i++) print c[i % k + 1]
}' >"$T/batch"
t0=$(date +%s)
"$PT" --ram-access rsp -t "$TGT" -o /dev/null -x "$T/batch" \
    2>"$T/batch.err" &
pid=$!
: >"$T/samples"
while kill -0 "$pid" 2>/dev/null; do
	rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
	fds=$(ls "/proc/$pid/fd" 2>/dev/null | wc -l)
	[ -n "$rss" ] && echo "$rss $fds" >>"$T/samples"
	sleep 0.5
done
wait "$pid"
rc=$?
secs=$(( $(date +%s) - t0 ))
[ "$rc" -eq 0 ] && tl_ok "$COMMANDS commands in ${secs}s, exit 0" ||
	{ tl_fail "the batch exited $rc"; tl_show "$T/batch.err"; }
n=$(wc -l <"$T/samples")
if [ "$n" -ge 3 ]; then
	# The first sample may come before the connection: use the second.
	set -- $(sed -n 2p "$T/samples")
	r0=$1 f0=$2
	rmax=$(awk '{ print $1 }' "$T/samples" | sort -n | tail -n 1)
	fmax=$(awk '{ print $2 }' "$T/samples" | sort -n | tail -n 1)
	set -- $(tail -n 1 "$T/samples")
	echo "soak: resident memory $r0 KiB at the start, $1 KiB at the end, $rmax KiB at most; descriptors $f0, $2, $fmax ($n samples)"
	[ "$rmax" -le $((r0 + 256)) ] && tl_ok "memory stays flat over the batch" ||
		tl_fail "memory grew from $r0 to $rmax KiB"
	[ "$fmax" -eq "$f0" ] && tl_ok "descriptors stay flat over the batch" ||
		tl_fail "descriptors went from $f0 to $fmax"
else
	tl_fail "the batch ended before 3 samples ($n): raise SOAK_COMMANDS"
fi
guest_as_found "after the batch"
tl_stop "$QPID"
tl_done
