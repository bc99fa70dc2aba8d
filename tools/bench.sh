#!/bin/sh
# tools/bench.sh - how long ptdump takes, as a whole process, side by side
# with what QEMU does for itself (`info tlb`, `info mem` over its monitor
# socket), with gdb -batch doing the least it can (attach, print $cr3),
# and with ptdump as it was at BENCH_BASE; and whether it meets its
# targets.  `make bench` builds the helpers and runs it.
#
# Two guests, one after the other: the stock Debian Linux guest of
# tests/ptdump/linux.sh (build/linux-guest/vmlinuz, stopped in its
# root-mount panic; skipped, saying so, when absent), and our kernel
# with `scenario=scale halt scale=4` (4 GiB of 4 KiB pages; BENCH_SCALE
# changes the 4).  On each, every command runs once untimed (it must
# succeed; this also warms the caches for all alike), then BENCH_RUNS
# (default 9) timed rounds, interleaved A B C A B C ..., so machine noise
# hits all of them alike.
# Each run is timed by build/tools/benchrun (fork, exec, wait4: wall time
# and peak RSS) with its output on /dev/null, under `timeout`.
#
# Round trips come from one untimed `ptdump --trace --ram-access rsp`
# run of `regs` (the handshake) and of `dump`, through the "rsp stats:"
# line ptdump prints with --trace, and are set against the least a walk
# can take: two 2 KiB `m` reads (QEMU 7.2's limit) per table page, plus
# the handshake.
#
# BENCH_GDB_SCRIPTS=1 also times gdb-scripts/ptdump.gdb's pt-dump beside
# `ptdump dump`, on scenario=boot (BENCH_RUNS rounds) and on the Linux
# guest (BENCH_LINUX_RUNS rounds, 3 by default: GDB's interpreter is slow
# there).
#
# Environment: BENCH_RUNS, BENCH_TIMEOUT (seconds per run, default 60),
# BENCH_BASE (git revision of the baseline, default d17a19c),
# BENCH_MAX_ENTRIES (passed to every dump, default 16777216, so that no
# walk stops early: scale=4 has more leaves than the default limit),
# BENCH_SCALE, BENCH_GDB_SCRIPTS, BENCH_LINUX_RUNS, BENCH_LINUX_TIMEOUT
# (per pt-dump run on Linux, default 600), GDB, QEMU.
#
# Exit status: 0 when every target is met, 1 when one is not (a target
# whose guest or baseline is missing is not met), 2 when something
# failed to run.
#
# Every connection stops the guest and every detach resumes it; our
# kernel sits in a cli;hlt loop, so that changes nothing it shows.  The
# Linux guest is stopped through its monitor once it has panicked (its
# panic loop busy-waits and would keep a host CPU from the runs): every
# command finds it stopped; ptdump leaves it so, and after gdb, whose
# exit resumes it, the monitor stops it again before the next run.
TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/tests/lib.sh"
PTDUMP=$B/ptdump
HMP=$B/tools/hmp
BENCHRUN=$B/tools/benchrun
GDB=${GDB:-gdb}
RUNS=${BENCH_RUNS:-9}
RUN_TIMEOUT=${BENCH_TIMEOUT:-60}
BASE_REV=${BENCH_BASE:-d17a19c}
MAX_ENTRIES=${BENCH_MAX_ENTRIES:-16777216}
L_KERNEL=$B/linux-guest/vmlinuz
SCALE_GIB=${BENCH_SCALE:-4}

die() {
	echo "bench: $*" >&2
	exit 2
}

number() { # NAME VALUE: VALUE must be a positive number
	case $2 in
	"" | *[!0-9]*) die "$1 must be a positive number, not '$2'" ;;
	esac
	[ "$2" -gt 0 ] || die "$1 must be a positive number"
}
number BENCH_RUNS "$RUNS"
number BENCH_TIMEOUT "$RUN_TIMEOUT"
number BENCH_MAX_ENTRIES "$MAX_ENTRIES"
number BENCH_LINUX_RUNS "${BENCH_LINUX_RUNS:-3}"
number BENCH_SCALE "$SCALE_GIB"
# Each GiB takes 513 table pages (about 2 MiB) of the guest's 128 MiB.
[ "$SCALE_GIB" -le 60 ] ||
	die "BENCH_SCALE must be 1 to 60 GiB (the guest has 128 MiB for tables)"
for f in "$PTDUMP" "$HMP" "$BENCHRUN"; do
	[ -x "$f" ] || die "$f is missing: run 'make bench'"
done
[ -f "$KERNEL" ] || die "$KERNEL is missing: run 'make' first"
command -v "$GDB" >/dev/null 2>&1 || die "$GDB is not installed"
command -v "$QEMU" >/dev/null 2>&1 || die "$QEMU is not installed"
command -v timeout >/dev/null 2>&1 || die "timeout (coreutils) is not installed"

tl_init
# Others may rebuild build/ptdump while the bench runs: every run uses
# this copy, made once.
cp "$PTDUMP" "$T/ptdump" || die "cannot copy $PTDUMP"
PTDUMP=$T/ptdump

# ---- header -------------------------------------------------------------
cpu_model=$(sed -n 's/^model name[[:space:]]*: *//p' /proc/cpuinfo | head -n 1)
rev=$(git -C "$TOP" describe --always --dirty 2>/dev/null || echo unknown)
echo "bench: $(date -u +%Y-%m-%d), ptdump $rev"
echo "  qemu: $("$QEMU" --version | head -n 1)"
echo "  host: $(nproc) CPUs, ${cpu_model:-unknown CPU model}"
echo "  runs: $RUNS timed runs of each command, interleaved; median and minimum wall time of the whole process; peak RSS: the largest of its runs"
[ "$RUNS" -ge 7 ] || echo "  note: fewer than 7 runs: a quick look, not a measurement"

# --ram-access is new: without it every dump runs in ptdump's default
# mode, and the labels say so.
if "$PTDUMP" --help 2>&1 | grep -q -- --ram-access; then
	HAVE_RA=1
else
	HAVE_RA=
	echo "  note: $B/ptdump has no --ram-access yet: its dumps run without it"
fi

# ---- the baseline: ptdump as it was at BASE_REV, built in $T ------------
BASE_PTDUMP=
if ! git -C "$TOP" rev-parse -q --verify "$BASE_REV^{commit}" >/dev/null 2>&1; then
	echo "  baseline: no git revision $BASE_REV here: no baseline (its target is not met)"
else
	mkdir "$T/base" || die "cannot make $T/base"
	if ! git -C "$TOP" archive "$BASE_REV" | tar -x -C "$T/base"; then
		die "cannot unpack $BASE_REV"
	fi
	if ! (cd "$T/base" && ./configure && make -j2 ptdump) >"$T/base.log" 2>&1; then
		tail -n 20 "$T/base.log" >&2
		die "the baseline ($BASE_REV) does not build"
	fi
	BASE_PTDUMP=$T/base/build/ptdump
	echo "  baseline: ptdump $BASE_REV, built from git in a scratch directory"
fi

# ---- the commands, by key -------------------------------------------------
# Dumps in each access mode (text, and every page as JSON), the baseline,
# regs, QEMU's own walkers over the monitor socket, gdb.  pdump and ptgdb
# are the optional GDB-script part.
KEYS="rsp auto jrsp jauto base regs tlb mem gdb"

ra_label() { # MODE COMMAND
	if [ -n "$HAVE_RA" ]; then
		echo "ptdump --ram-access $1 $2"
	else
		echo "ptdump [$1] $2 (no --ram-access yet)"
	fi
}

label() { # KEY
	# shellcheck disable=SC2016 # $cr3 is gdb's, not the shell's
	case $1 in
	rsp) ra_label rsp dump ;;
	auto) ra_label auto dump ;;
	jrsp) ra_label rsp "dump --pages --format json" ;;
	jauto) ra_label auto "dump --pages --format json" ;;
	base) echo "ptdump $BASE_REV dump" ;;
	regs) echo "ptdump regs" ;;
	tlb) echo "info tlb (monitor socket)" ;;
	mem) echo "info mem (monitor socket)" ;;
	gdb) echo "gdb -batch 'p \$cr3'" ;;
	pdump) echo "ptdump dump" ;;
	ptgdb) echo "gdb -batch -x ptdump.gdb pt-dump" ;;
	esac
}

# run_once KEY OUTFILE: run that command once under benchrun and
# timeout, stdout to OUTFILE; sets RUN_NS, RUN_KB and returns 0, or
# shows what went wrong and exits 2.
run_once() {
	k=$1 out=$2
	# shellcheck disable=SC2016 # $cr3 is gdb's, not the shell's
	case $k in
	rsp | auto | jrsp | jauto)
		case $k in
		*rsp) mode=rsp ;;
		*) mode=auto ;;
		esac
		case $k in
		j*) set -- dump --pages --format json ;;
		*) set -- dump ;;
		esac
		set -- "$PTDUMP" -t "$TGT" ${HAVE_RA:+--ram-access} ${HAVE_RA:+"$mode"} \
		    --max-entries "$MAX_ENTRIES" "$@"
		;;
	base) set -- "$BASE_PTDUMP" -t "$TGT" --max-entries "$MAX_ENTRIES" dump ;;
	regs) set -- "$PTDUMP" -t "$TGT" regs ;;
	tlb) set -- "$HMP" -t "$RUN_TIMEOUT" "$MON" info tlb ;;
	mem) set -- "$HMP" -t "$RUN_TIMEOUT" "$MON" info mem ;;
	gdb) set -- "$GDB" -nx -batch -ex "target remote $TGT" -ex 'p $cr3' ;;
	pdump) set -- "$PTDUMP" -t "$TGT" --max-entries "$MAX_ENTRIES" dump ;;
	ptgdb) set -- "$GDB" -nx -batch -x "$TOP/gdb-scripts/ptdump.gdb" \
		    -ex "target remote $TGT" -ex pt-dump -ex detach ;;
	*) die "no command '$k'" ;;
	esac
	timeout -k 5 "$RUN_TIMEOUT" "$BENCHRUN" "$out" -- "$@" \
	    </dev/null >"$T/run.stat" 2>"$T/run.err"
	rc=$?
	# gdb detaches at exit, which resumes the guest: where it must stay
	# stopped (RESTOP: the Linux guest's panic loop busy-waits, and would
	# share the two host CPUs with every later run), stop it again,
	# untimed.
	case $k in
	gdb | ptgdb)
		if [ -n "${RESTOP:-}" ] && ! "$HMP" "$MON" stop >/dev/null; then
			die "cannot stop the guest again after gdb"
		fi
		;;
	esac
	RUN_NS='' RUN_KB='' run_exit=''
	read -r RUN_NS RUN_KB run_exit <"$T/run.stat"
	if [ "$rc" -ne 0 ] || [ "$run_exit" != 0 ]; then
		if [ "$rc" -eq 124 ]; then
			why="timed out after $RUN_TIMEOUT s"
		elif [ "$rc" -ne 0 ]; then
			why="benchrun exit $rc"
		else
			why="exit $run_exit"
		fi
		echo "bench: '$(label "$k")' failed ($why)" >&2
		echo "  command: $*" >&2
		[ "$out" = /dev/null ] || sed 's/^/  | /' "$out" | head -n 20 >&2
		sed 's/^/  | /' "$T/run.err" | head -n 20 >&2
		exit 2
	fi
}

# check_output KEY FILE: the untimed run's output looks like the job done.
check_output() {
	case $1 in
	gdb)
		# QEMU describes cr3 as flags: gdb prints "$1 = [ PDBR=512 PCID=0 ]".
		# shellcheck disable=SC2016 # $1 is gdb's value history
		grep -Eq '^\$1 = [^<v]' "$2" && return 0
		echo "bench: gdb did not print \$cr3:" >&2
		;;
	# QEMU 7.2's `info mem` prints nothing for 5-level tables.
	mem) return 0 ;;
	*) [ -s "$2" ] && return 0
		echo "bench: '$(label "$1")' printed nothing:" >&2
		;;
	esac
	sed 's/^/  | /' "$2" "$T/run.err" | head -n 20 >&2
	exit 2
}

# measure ROUNDS KEYS...: one untimed round (checked), then ROUNDS timed
# rounds, interleaved, into $T/KEY.ns and $T/KEY.kb.
measure() {
	rounds=$1
	shift
	for k in "$@"; do
		run_once "$k" "$T/check.out"
		check_output "$k" "$T/check.out"
		rm -f "$T/check.out"
		: >"$T/$k.ns"
		: >"$T/$k.kb"
	done
	i=0
	while [ "$i" -lt "$rounds" ]; do
		for k in "$@"; do
			run_once "$k" /dev/null
			echo "$RUN_NS" >>"$T/$k.ns"
			echo "$RUN_KB" >>"$T/$k.kb"
		done
		i=$((i + 1))
	done
}

# median KEY: the median wall time of KEY in ns.
median() {
	sort -n "$T/$1.ns" | awk '{ v[NR] = $1 }
	END {
		if (NR % 2) m = v[(NR + 1) / 2]
		else m = (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.0f\n", m
	}'
}

# table BASE KEYS...: label, median, minimum, peak RSS and each median as
# a multiple of BASE's.
table() {
	base=$1
	shift
	bm=$(median "$base")
	w=7
	for k in "$@"; do
		l=$(label "$k")
		[ "${#l}" -le "$w" ] || w=${#l}
	done
	printf "  %-${w}s %9s %9s %8s  %s\n" command "median ms" "min ms" \
	    "RSS MiB" "x $(label "$base" | sed 's/ (.*//')"
	for k in "$@"; do
		awk -v w="$w" -v l="$(label "$k")" -v m="$(median "$k")" -v b="$bm" \
		    -v n="$(sort -n "$T/$k.ns" | head -n 1)" \
		    -v r="$(sort -n "$T/$k.kb" | tail -n 1)" 'BEGIN {
			printf "  %-" w "s %9.2f %9.2f %8.1f  %.3fx\n",
			    l, m / 1e6, n / 1e6, r / 1024, m / b }'
	done
}

# ---- targets ----------------------------------------------------------------
: >"$T/targets"
unmet=0

# target WHAT VALUE LIMIT UNIT: record VALUE <= LIMIT as met or not;
# VALUE "" means it could not be measured (not met, for SKIP_WHY).
# Fields go to $T/targets, a tab between each, for show_targets.
tab=$(printf '\t')
target() {
	if [ -z "$2" ]; then
		verdict="NOT met (${SKIP_WHY:-not measured})"
		unmet=$((unmet + 1))
		echo "$1 <= $3$4$tab-$tab$verdict" >>"$T/targets"
		return
	fi
	if awk -v v="$2" -v l="$3" 'BEGIN { exit !(v <= l) }'; then
		verdict=met
	else
		verdict="NOT met"
		unmet=$((unmet + 1))
	fi
	echo "$1 <= $3$4$tab$2$4$tab$verdict" >>"$T/targets"
}

show_targets() {
	awk -F "$tab" '{ w[NR] = $1; v[NR] = $2; r[NR] = $3
		if (length($1) > n) n = length($1) }
	END { for (i = 1; i <= NR; i++)
		printf "  %-" n "s %9s  %s\n", w[i], v[i], r[i] }' "$T/targets"
}

ratio() { # KEY BASEKEY: median(KEY) / median(BASEKEY), 3 decimals
	awk -v a="$(median "$1")" -v b="$(median "$2")" 'BEGIN { printf "%.3f\n", a / b }'
}

# ---- round trips ------------------------------------------------------------
# stats_field FILE N: the Nth number of the "rsp stats:" line in FILE
# (sent, received, round trips, direct reads), or nothing.
stats_field() {
	sed -n 's/^rsp stats: sent \([0-9]*\), received \([0-9]*\), round trips \([0-9]*\), direct reads \([0-9]*\).*/\1 \2 \3 \4/p' "$1" |
		tail -n 1 | cut -d' ' -f"$2"
}

# trace_run NAME MODE COMMAND: run ptdump --trace --ram-access MODE
# COMMAND once; its stderr into $T/NAME.trace.
trace_run() {
	if ! timeout "$RUN_TIMEOUT" "$PTDUMP" -t "$TGT" --trace \
	    ${HAVE_RA:+--ram-access} ${HAVE_RA:+"$2"} \
	    --max-entries "$MAX_ENTRIES" "$3" >/dev/null 2>"$T/$1.trace"; then
		grep -v '^rsp ' "$T/$1.trace" | head -n 20 >&2
		die "ptdump --trace --ram-access $2 $3 failed"
	fi
}

# roundtrips: print the round trips of a handshake and of a dump,
# against the least a dump needs; sets HANDSHAKE.
roundtrips() {
	if ! timeout "$RUN_TIMEOUT" "$PTDUMP" -t "$TGT" --max-entries "$MAX_ENTRIES" \
	    dump --summary >"$T/summary.out" 2>&1; then
		sed 's/^/  | /' "$T/summary.out" >&2
		die "ptdump dump --summary failed"
	fi
	trace_run regs rsp regs
	trace_run dump rsp dump
	trace_run auto auto dump
	pages=$(sed -n 's/^table pages \([0-9]*\).*/\1/p' "$T/summary.out")
	# What --trace shows: requests sent, `m` reads, the distinct 4 KiB
	# pages they touch, the requests before the first `m`.
	# shellcheck disable=SC2016,SC2046 # awk's fields; four numbers
	set -- $(awk '
	function hex(s,   i, v) {
		v = 0
		for (i = 1; i <= length(s); i++)
			v = v * 16 + index("0123456789abcdef", tolower(substr(s, i, 1))) - 1
		return v
	}
	$1 == "rsp" && $2 == "->" {
		n++
		if ($3 ~ /^m[0-9a-fA-F]+,[0-9a-fA-F]+$/) {
			if (!m++) before = n - 1
			split(substr($3, 2), a, ",")
			lo = int(hex(a[1]) / 4096)
			hi = int((hex(a[1]) + hex(a[2]) - 1) / 4096)
			for (p = lo; p <= hi; p++)
				if (!(p in seen)) { seen[p] = 1; np++ }
		}
	}
	END { printf "%d %d %d %d\n", n, m, np, (m ? before : n) }' "$T/dump.trace")
	t_req=$1 t_m=$2 t_pages=$3 t_before=$4
	t_regs=$(grep -c '^rsp -> ' "$T/regs.trace")
	hs=$(stats_field "$T/regs.trace" 3)
	rt=$(stats_field "$T/dump.trace" 3)
	if [ -n "$hs" ]; then
		HANDSHAKE=$hs
		hs_how="rsp stats"
	else
		HANDSHAKE=$t_regs
		hs_how="requests in --trace: no 'rsp stats' line yet"
	fi
	mode=${HAVE_RA:+--ram-access rsp}
	echo "  round trips, ptdump --trace ${mode:-(no --ram-access yet)}:"
	echo "    handshake (regs)  $HANDSHAKE ($hs_how)"
	if [ -n "$rt" ]; then
		echo "    dump              $rt; sent $(stats_field "$T/dump.trace" 1), received $(stats_field "$T/dump.trace" 2), direct reads $(stats_field "$T/dump.trace" 4)"
	else
		echo "    dump              n/a (no 'rsp stats' line yet)"
	fi
	if [ -n "$pages" ]; then
		min=$((pages * 2 + HANDSHAKE))
		printf '    minimum           %s = %s table pages x 2 reads of 2 KiB + %s handshake' \
		    "$min" "$pages" "$HANDSHAKE"
		if [ -n "$rt" ]; then
			awk -v a="$rt" -v b="$min" 'BEGIN { printf "; dump = %.2fx%s",
			    a / b, a < b ? " (fewer: requests are pipelined)" : "" }'
		fi
		echo
	else
		echo "    minimum           n/a: dump --summary gave no table pages"
	fi
	echo "    dump's --trace    $t_req requests, $t_before before the first m; $t_m m reads over $t_pages 4 KiB pages"
	a_rt=$(stats_field "$T/auto.trace" 3)
	if [ -n "$a_rt" ]; then
		echo "    auto dump         $a_rt round trips, direct reads $(stats_field "$T/auto.trace" 4)"
	fi
	sed -n 's/^rsp -- \(direct RAM access.*\)/    auto: \1/p' "$T/auto.trace" | head -n 1
}

# ---- one guest ----------------------------------------------------------------
# guest TITLE: measure every command on the guest at $TGT / $MON,
# print the table and the round trips, and record the targets.
guest() {
	# shellcheck disable=SC2086 # a list of keys
	measure "$RUNS" $KEYS_NOW
	echo
	echo "bench: $1"
	# shellcheck disable=SC2086
	table tlb $KEYS_NOW
	roundtrips
}

KEYS_NOW=$KEYS
[ -n "$BASE_PTDUMP" ] || KEYS_NOW=$(echo "$KEYS" | sed 's/ base / /')

# ---- the Linux guest --------------------------------------------------------
if [ ! -f "$L_KERNEL" ]; then
	echo
	echo "bench: no Linux guest: $L_KERNEL is absent (sh tests/ptdump/linux.sh fetches it); its part is skipped"
	SKIP_WHY="no Linux guest"
	target "Linux: --ram-access auto dump / info tlb" "" 0.3 x
	target "Linux: --ram-access rsp dump / ptdump $BASE_REV dump" "" 0.6 x
	target "Linux: handshake round trips (regs)" "" 6 ""
	target "Linux: ptdump regs / gdb -batch p \$cr3" "" 0.1 x
	SKIP_WHY=
else
	tries=0
	while :; do
		GDBPORT=$(tl_free_port)
		: >"$T/linux.serial"
		"$QEMU" -accel tcg -cpu max -m 512M -nic none -display none -no-reboot \
		    -serial "file:$T/linux.serial" -gdb "tcp:127.0.0.1:$GDBPORT" \
		    -monitor "unix:$T/linux.mon,server,nowait" \
		    -kernel "$L_KERNEL" -append "console=ttyS0 nokaslr panic=0" \
		    2>"$T/linux.qemu-err" &
		QPID=$!
		tl_pids="$tl_pids $QPID"
		sleep 0.2
		# A port lost to a race shows up as an early exit with a bind error.
		if ! kill -0 "$QPID" 2>/dev/null && [ "$tries" -lt 5 ] &&
		    grep -q "Address already in use\|Failed to bind" "$T/linux.qemu-err"; then
			wait "$QPID"
			tl_forget "$QPID"
			tries=$((tries + 1))
			continue
		fi
		break
	done
	if ! tl_wait_line "$T/linux.serial" 'end Kernel panic' 240; then
		tail -n 20 "$T/linux.serial" "$T/linux.qemu-err" >&2
		die "the Linux guest did not reach its root-mount panic"
	fi
	# Its panic loop busy-waits: stopped, it leaves both host CPUs to
	# the runs (every command then finds it stopped and leaves it so).
	"$HMP" "$T/linux.mon" stop >/dev/null ||
		die "cannot stop the Linux guest through its monitor"
	TGT=127.0.0.1:$GDBPORT MON=$T/linux.mon RESTOP=1
	# No `info mem` here: QEMU 7.2 prints nothing for 5-level tables,
	# after 15 s of walking them, and no target uses it.
	keys_all=$KEYS_NOW
	KEYS_NOW=$(echo "$KEYS_NOW" | sed 's/ mem / /')
	guest "the Linux guest ($(cat "$B/linux-guest/package" 2>/dev/null || echo vmlinuz)), -m 512M"
	KEYS_NOW=$keys_all
	target "Linux: --ram-access auto dump / info tlb" "$(ratio auto tlb)" 0.3 x
	SKIP_WHY="no baseline"
	target "Linux: --ram-access rsp dump / ptdump $BASE_REV dump" \
	    "${BASE_PTDUMP:+$(ratio rsp base)}" 0.6 x
	SKIP_WHY=
	target "Linux: handshake round trips (regs)" "$HANDSHAKE" 6 ""
	target "Linux: ptdump regs / gdb -batch p \$cr3" "$(ratio regs gdb)" 0.1 x
	if [ "${BENCH_GDB_SCRIPTS:-0}" = 1 ]; then
		RUN_TIMEOUT=${BENCH_LINUX_TIMEOUT:-600}
		measure "${BENCH_LINUX_RUNS:-3}" pdump ptgdb
		echo
		echo "bench: the Linux guest: pt-dump in $GDB, ${BENCH_LINUX_RUNS:-3} runs each, interleaved"
		table pdump pdump ptgdb
		RUN_TIMEOUT=${BENCH_TIMEOUT:-60}
	fi
	RESTOP=
	tl_stop "$QPID"
fi

# ---- scenario=scale -----------------------------------------------------------
TL_GDB=1 tl_qemu scale kernel "scenario=scale halt scale=$SCALE_GIB" \
    -monitor "unix:$T/scale.mon,server,nowait"
if ! tl_wait_line "$T/scale.serial" '^checkpoint scale$' 120; then
	cat "$T/scale.serial" "$T/scale.qemu-err" >&2
	die "the kernel did not reach 'checkpoint scale'"
fi
TGT=127.0.0.1:$GDBPORT MON=$T/scale.mon
guest "scenario=scale scale=$SCALE_GIB ($((SCALE_GIB * 262144)) 4 KiB leaves), -m 128M"
target "scale=$SCALE_GIB: --ram-access auto dump / info mem" "$(ratio auto mem)" 3 x
target "scale=$SCALE_GIB: --ram-access auto dump --pages --format json / info tlb" \
    "$(ratio jauto tlb)" 0.03 x
target "scale=$SCALE_GIB: handshake round trips (regs)" "$HANDSHAKE" 6 ""
target "scale=$SCALE_GIB: ptdump regs / gdb -batch p \$cr3" "$(ratio regs gdb)" 0.1 x
tl_stop "$QPID"

# ---- optional: the GDB macros beside ptdump, on scenario=boot -------------------
if [ "${BENCH_GDB_SCRIPTS:-0}" = 1 ]; then
	tl_boot_halted bench-gdb boot || die "cannot boot scenario=boot"
	TGT=127.0.0.1:$GDBPORT
	measure "$RUNS" pdump ptgdb
	echo
	echo "bench: scenario=boot: pt-dump in $GDB, $RUNS runs each, interleaved"
	table pdump pdump ptgdb
	tl_stop "$QPID"
fi

echo
if [ -n "$HAVE_RA" ]; then
	echo "bench: targets:"
else
	echo "bench: targets (no --ram-access yet: the dumps ran in ptdump's default mode):"
fi
show_targets
if [ "$unmet" -eq 0 ]; then
	echo "bench: every target met"
	exit 0
fi
echo "bench: $unmet target(s) not met"
exit 1
