# tests/lib.sh - shared helpers for the functional tests (POSIX sh).
#
# Source it, then:  tl_init   (scratch dir in $T, cleanup on exit)
# Every QEMU started here is remembered by PID and ended on exit; nothing
# else is ever killed.

TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
B=${B:-$TOP/build}
QEMU=${QEMU:-qemu-system-x86_64}
KERNEL=${KERNEL:-$B/kernel/kernel.elf}
ISO=${ISO:-$B/kernel/kernel.iso}
PTDUMP=${PTDUMP:-$B/tests/ptdump-san}
# Sanitizer reports must fail the test, not scroll by.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

tl_pids=""
tl_failed=0

tl_cleanup() {
	for p in $tl_pids; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	[ -n "${T:-}" ] && rm -rf "$T"
}

# tl_forget PID: PID was reaped; its number may be reused by a process
# that is none of ours, so cleanup must not signal it.
tl_forget() {
	tl_pids=$(echo " $tl_pids " | sed "s/ $1 / /; s/^ *//; s/ *\$//")
}

tl_init() {
	T=$(mktemp -d "${TMPDIR:-/tmp}/ptdump-test.XXXXXX") || exit 1
	trap 'tl_cleanup' EXIT
	trap 'exit 130' INT TERM
}

# tl_fail MSG: record a failure and say why; the test goes on.
tl_fail() {
	echo "FAIL: $*"
	tl_failed=$((tl_failed + 1))
}

tl_ok() {
	echo "ok: $*"
}

# tl_done: exit status of the test script.
tl_done() {
	[ "$tl_failed" -eq 0 ] || { echo "$tl_failed check(s) failed"; exit 1; }
	exit 0
}

# tl_free_port: print a TCP port nobody listens on (checked in /proc);
# callers retry if a race takes it before QEMU binds.
tl_free_port() {
	while :; do
		p=$(( ( $(od -An -N2 -tu2 /dev/urandom) % 30000 ) + 20000 ))
		hex=$(printf '%04X' "$p")
		if ! cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
		    awk '{print $2}' | grep -qi ":$hex\$"; then
			echo "$p"; return 0
		fi
	done
}

# tl_qemu NAME kernel|iso "APPEND" [extra qemu args...]
# Boot in the background with serial to $T/NAME.serial and set QPID.
# With TL_GDB=1 the gdbstub listens on a free port, in GDBPORT.  A reset
# ends QEMU (-no-reboot) unless TL_REBOOT=1.
tl_qemu() {
	name=$1 how=$2 append=$3
	shift 3
	if [ "$how" = iso ]; then
		set -- -cdrom "$ISO" -boot d "$@"
	else
		set -- -kernel "$KERNEL" -append "$append" "$@"
	fi
	tries=0
	while :; do
		gdbargs=""
		if [ "${TL_GDB:-0}" = 1 ]; then
			GDBPORT=$(tl_free_port)
			gdbargs="-gdb tcp:127.0.0.1:$GDBPORT"
		fi
		: >"$T/$name.serial"
		# shellcheck disable=SC2086
		noreboot=-no-reboot
		[ "${TL_REBOOT:-0}" = 1 ] && noreboot=
		"$QEMU" -accel tcg -cpu ${TL_CPU:-max} -m 128M -nic none -display none \
		    $noreboot -serial "file:$T/$name.serial" \
		    -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		    $gdbargs "$@" 2>"$T/$name.qemu-err" &
		QPID=$!
		tl_pids="$tl_pids $QPID"
		[ -z "$gdbargs" ] && return 0
		# A port lost to a race shows up as an early exit with a bind error.
		sleep 0.2
		if ! kill -0 "$QPID" 2>/dev/null && [ "$tries" -lt 5 ] &&
		    grep -q "Address already in use\|Failed to bind" "$T/$name.qemu-err"; then
			tries=$((tries + 1))
			continue
		fi
		return 0
	done
}

# tl_expect NAME kernel|iso "APPEND" STATUS REGEX...: boot (tl_qemu),
# wait for QEMU to exit (60 s, 180 s for the ISO), and check that its
# status is STATUS and that every REGEX (grep -E) is in the serial log;
# on a failure show the log.
tl_expect() {
	tl_e_name=$1 tl_e_how=$2 tl_e_append=$3 tl_e_want=$4
	shift 4
	tl_e_fails=$tl_failed
	tl_qemu "$tl_e_name" "$tl_e_how" "$tl_e_append"
	if [ "$tl_e_how" = iso ]; then tl_e_wait=180; else tl_e_wait=60; fi
	tl_wait_exit "$QPID" "$tl_e_wait"
	[ "$TL_RC" = "$tl_e_want" ] ||
		tl_fail "$tl_e_name: QEMU exit status $TL_RC, want $tl_e_want"
	for tl_e_re in "$@"; do
		grep -Eq -- "$tl_e_re" "$T/$tl_e_name.serial" ||
			tl_fail "$tl_e_name: serial log lacks /$tl_e_re/"
	done
	if [ "$tl_failed" -eq "$tl_e_fails" ]; then
		tl_ok "$tl_e_name${tl_e_append:+ ($tl_e_append)}: exit $TL_RC"
	else
		tl_show "$T/$tl_e_name.serial"
		tl_show "$T/$tl_e_name.qemu-err"
	fi
}

# tl_boot_halted NAME SCENARIO [WORDS]: boot `scenario=SCENARIO halt
# WORDS` with the gdbstub on a free port (GDBPORT) and wait for its
# checkpoint; on failure print the serial log and QEMU's errors on stderr
# and return 1.
tl_boot_halted() {
	TL_GDB=1 tl_qemu "$1" kernel "scenario=$2 halt${3:+ $3}"
	tl_wait_line "$T/$1.serial" "^checkpoint $2\$" 60 && return 0
	echo "the kernel did not reach 'checkpoint $2'; serial log:" >&2
	cat "$T/$1.serial" "$T/$1.qemu-err" >&2
	return 1
}

# tl_boot_linux NAME QEMU VMLINUZ CPU: boot a stock Linux kernel without
# a root disk, with the gdbstub on a free port (GDBPORT), and wait for
# the end of its root-mount panic; sets QPID.  On failure fails the test
# NAME, shows the serial log and QEMU's errors, and returns 1.
tl_boot_linux() {
	GDBPORT=$(tl_free_port)
	: >"$T/$1.serial"
	"$2" -accel tcg -cpu "$4" -m 512M -nic none -display none -no-reboot \
	    -serial "file:$T/$1.serial" -gdb "tcp:127.0.0.1:$GDBPORT" \
	    -kernel "$3" -append "console=ttyS0 nokaslr panic=0" \
	    2>"$T/$1.qemu-err" &
	QPID=$!
	tl_pids="$tl_pids $QPID"
	tl_wait_line "$T/$1.serial" 'end Kernel panic' 240 && return 0
	tl_fail "$1: Linux did not reach its root-mount panic"
	tail -n 20 "$T/$1.serial" "$T/$1.qemu-err" | tl_show /dev/stdin
	return 1
}

# tl_wait_line FILE REGEX SECONDS: wait until FILE has a line matching
# REGEX (grep -E); fails after SECONDS.
tl_wait_line() {
	n=$(( $3 * 10 ))
	while [ "$n" -gt 0 ]; do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# tl_wait_exit PID SECONDS: wait for PID (started by this shell) to end
# and set TL_RC to its exit status; after SECONDS kill it and set
# TL_RC=timeout.  Call it directly, not in $(...): a subshell cannot
# reap its parent's children.
tl_wait_exit() {
	n=$(( $2 * 10 ))
	while [ "$n" -gt 0 ]; do
		# A zombie still answers kill -0; its state in /proc tells.
		st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null)
		case "$st" in ""|Z*) break ;; esac
		sleep 0.1
		n=$((n - 1))
	done
	if [ "$n" -eq 0 ]; then
		kill "$1" 2>/dev/null
		wait "$1" 2>/dev/null
		tl_forget "$1"
		TL_RC=timeout
		return 1
	fi
	wait "$1"
	TL_RC=$?
	tl_forget "$1"
}

# tl_stop PID: end a QEMU this test started.
tl_stop() {
	kill "$1" 2>/dev/null && wait "$1" 2>/dev/null
	tl_forget "$1"
	return 0
}

# tl_tlb_oracle LABEL MIN PTDUMP [ARGS...]: run `dump --pages --format
# json` and `monitor info tlb` with PTDUMP ARGS over one connection; the
# leaves of ptdump and of QEMU's own walker, in one canonical form
# (tests/ptdump/tlb_oracle.awk), must be the same set of at least MIN
# pages.  Records ok or a failure with the diff under LABEL.
tl_tlb_oracle() {
	tl_o_label=$1 tl_o_min=$2
	shift 2
	if ! "$@" -c 'dump --pages --format json' -c 'monitor info tlb' \
	    >"$T/oracle.both" 2>"$T/oracle.err"; then
		tl_fail "$tl_o_label: oracle: ptdump failed"
		tl_show "$T/oracle.err"
		return
	fi
	tl_o_mode=$(sed -n 's/.*"mode":"\([^"]*\)".*/\1/p' "$T/oracle.both" | head -n 1)
	awk '/"ranges"/,/"truncated"/' "$T/oracle.both" |
		awk -v mode="$tl_o_mode" -f "$TOP/tests/ptdump/tlb_oracle.awk" |
		sort >"$T/oracle.mine"
	grep -v '"' "$T/oracle.both" |
	    awk -v mode="$tl_o_mode" -f "$TOP/tests/ptdump/tlb_oracle.awk" |
		awk 'NR == FNR { if ($2 == "reserved") r[$1] = 1; next }
		    $1 in r { $2 = "reserved" } { print }' \
		    "$T/oracle.mine" - | sort >"$T/oracle.qemu"
	tl_o_n=$(wc -l <"$T/oracle.qemu")
	if [ "$tl_o_n" -lt "$tl_o_min" ]; then
		tl_fail "$tl_o_label: oracle: QEMU listed only $tl_o_n pages"
		head -n 40 "$T/oracle.both" | tl_show /dev/stdin
	elif ! diff -u "$T/oracle.qemu" "$T/oracle.mine" >"$T/oracle.diff"; then
		tl_fail "$tl_o_label: oracle: ptdump's leaves differ from QEMU's info tlb (- qemu, + ptdump)"
		head -n 60 "$T/oracle.diff" | tl_show /dev/stdin
	else
		tl_ok "$tl_o_label: oracle: $tl_o_n leaves equal to QEMU's info tlb"
	fi
}

# tl_show FILE: print a log indented, for failure reports.
tl_show() {
	sed 's/^/    | /' "$1" 2>/dev/null
}

# tl_gdb_minimal: print the path of Debian's gdb-minimal (GDB built
# without Python), unpacked under $B/gdb-minimal; it conflicts with gdb,
# so it is fetched with `apt-get download` and `dpkg-deb -x`, never
# installed.  Fails, saying why on stderr, when the archive has none.
tl_gdb_minimal() {
	tl_m_dir=$B/gdb-minimal
	tl_m_bin=$tl_m_dir/root/usr/bin/gdb
	if [ ! -x "$tl_m_bin" ]; then
		rm -rf "$tl_m_dir.tmp" && mkdir -p "$tl_m_dir.tmp" || return 1
		if ! (cd "$tl_m_dir.tmp" && apt-get download -q gdb-minimal) \
		    >"$tl_m_dir.tmp/apt.log" 2>&1; then
			echo "cannot download gdb-minimal from the Debian archive" >&2
			tail -n 3 "$tl_m_dir.tmp/apt.log" >&2
			return 1
		fi
		dpkg-deb -x "$tl_m_dir.tmp"/gdb-minimal_*.deb "$tl_m_dir.tmp/root" ||
			return 1
		rm -rf "$tl_m_dir" && mv "$tl_m_dir.tmp" "$tl_m_dir" || return 1
	fi
	# It must really be without Python: that is what it is for.
	if "$tl_m_bin" -nx -batch -ex 'python print(1)' >/dev/null 2>&1; then
		echo "$tl_m_bin runs Python: not gdb-minimal" >&2
		return 1
	fi
	echo "$tl_m_bin"
}

# tl_browser ARGS...: headless Chromium, logging the page's console on
# stderr.
tl_browser() {
	tl_b_bin=$(command -v chromium || command -v chromium-browser)
	[ -n "$tl_b_bin" ] || { echo "chromium is missing (tools/deps.sh installs it)" >&2; return 127; }
	timeout 120 "$tl_b_bin" --headless --no-sandbox --disable-gpu \
	    --disable-dev-shm-usage --no-first-run --user-data-dir="$T/chromium" \
	    --enable-logging=stderr --v=0 "$@"
}

# tl_map NAME: `$PT map --format html` of the guest, loaded by Chromium
# (its DOM after the page's script in $T/NAME.dom) and rendered to
# $T/NAME.png: no console error, one range box with its walk per line
# of `$PT dump` (in $T/NAME.dump), every dump line a tooltip.  Fails
# (1) when the page cannot be made or loaded.
tl_map() {
	$PT map --format html -o "$T/$1.html" || { tl_fail "$1: map failed"; return 1; }
	$PT dump >"$T/$1.dump" || { tl_fail "$1: dump failed"; return 1; }
	tl_browser --dump-dom "file://$T/$1.html" >"$T/$1.dom" 2>"$T/$1.log" ||
		{ tl_fail "$1: chromium could not load the map"; tl_show "$T/$1.log"; return 1; }
	tl_browser --screenshot="$T/$1.png" --window-size=1280,1000 \
	    "file://$T/$1.html" >/dev/null 2>>"$T/$1.log"
	if grep -qi 'uncaught\|CONSOLE.*error' "$T/$1.log"; then
		tl_fail "$1: map: console errors"
		grep -i 'uncaught\|console' "$T/$1.log" | tl_show /dev/stdin
	else
		tl_ok "$1: map: the page loads with no console error"
	fi
	if [ -s "$T/$1.png" ] && [ "$(head -c 4 "$T/$1.png" | od -An -c | tr -d ' \n')" = '211PNG' ]; then
		tl_ok "$1: map: rendered to a PNG of $(wc -c <"$T/$1.png") bytes"
	else
		tl_fail "$1: map: no screenshot"; tl_show "$T/$1.log"
	fi
	tl_m_ranges=$(grep -c '^0x' "$T/$1.dump")
	tl_m_boxes=$(grep -o '<rect class="range [a-z ]*"' "$T/$1.dom" | grep -vc legend)
	tl_m_walks=$(grep -c 'data-walk="walk 0x' "$T/$1.dom")
	if [ "$tl_m_ranges" -gt 0 ] && [ "$tl_m_boxes" = "$tl_m_ranges" ] &&
	    [ "$tl_m_walks" = "$tl_m_ranges" ]; then
		tl_ok "$1: map: $tl_m_boxes range boxes, each with its walk, for $tl_m_ranges dump lines"
	else
		tl_fail "$1: map: $tl_m_boxes boxes and $tl_m_walks walks for $tl_m_ranges dump lines"
	fi
	tl_m_missing=0
	while read -r tl_m_line; do
		tl_m_esc=$(printf '%s' "$tl_m_line" | sed 's/&/\&amp;/g')
		grep -qF "<title>$tl_m_esc</title>" "$T/$1.dom" ||
			tl_m_missing=$((tl_m_missing + 1))
	done <<TL_TOOLTIPS
$(grep '^0x' "$T/$1.dump")
TL_TOOLTIPS
	[ "$tl_m_missing" -eq 0 ] && tl_ok "$1: map: every dump line is a tooltip" ||
		tl_fail "$1: map: $tl_m_missing dump lines are no box's tooltip"
	return 0
}
