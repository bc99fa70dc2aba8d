#!/bin/sh
# Whatever ends ptdump, the guest is left as found: a closed pipe
# (`| head -1`), SIGTERM, SIGINT and SIGHUP in the middle of a long dump,
# `monitor cont`, and a gdbstub held by another debugger.  Afterwards the
# guest must run (a new connection finds it running: QEMU stops it and
# says T02 before anything else) and QEMU's PhyMemMode must read 0 through
# a second client, gdb.
. "$(dirname "$0")/../lib.sh"
tl_init
command -v gdb >/dev/null 2>&1 || { echo "gdb is not installed: skipped"; exit 77; }

# scale=2: 2 GiB of 4 KiB pages, a dump that takes long enough to kill.
tl_boot_halted sc scale "scale=2" 2>&1 || { tl_fail "kernel did not boot"; tl_done; }
PT="$PTDUMP -t 127.0.0.1:$GDBPORT"

# left_as_found WHAT: the guest runs and PhyMemMode is 0.
left_as_found() {
	gdb -nx -batch -ex "target remote 127.0.0.1:$GDBPORT" \
	    -ex 'maint packet qqemu.PhyMemMode' -ex detach >"$T/gdb.out" 2>&1
	$PT --trace regs >/dev/null 2>"$T/trace"
	if ! grep -q 'received: "0"' "$T/gdb.out"; then
		tl_fail "$1: PhyMemMode is not 0 afterwards"; tl_show "$T/gdb.out"
	elif ! grep -q '^rsp <- T02' "$T/trace"; then
		tl_fail "$1: the guest was not running afterwards"
		head -n 5 "$T/trace" | tl_show /dev/stdin
	else
		tl_ok "$1: guest running, PhyMemMode 0"
	fi
}

# 1. A reader that goes away: status 0, nothing on stderr.
{ $PT dump 2>"$T/pipe.err"; echo $? >"$T/pipe.rc"; } | head -n 1 >"$T/pipe.out"
if [ "$(cat "$T/pipe.rc")" = 0 ] && [ ! -s "$T/pipe.err" ] &&
    grep -q '^# cpu 0, cr3' "$T/pipe.out"; then
	tl_ok "dump | head -1: exit 0, quietly"
else
	tl_fail "dump | head -1: exit $(cat "$T/pipe.rc")"; tl_show "$T/pipe.err"
fi
left_as_found "dump | head -1"

# 2. Signals in the middle of a dump: the dump says where it stopped,
#    status 128+N.  The dump writes into a pipe nobody reads for a
#    while: it fills the pipe and waits there, mid-walk, whatever the
#    speed of the machine, until the signal has come.
mkfifo "$T/fifo"
for sig in TERM INT HUP; do
	case $sig in TERM) want=143 ;; INT) want=130 ;; HUP) want=129 ;; esac
	{ sleep 2; cat; } <"$T/fifo" >"$T/$sig.out" &
	reader=$!
	$PT dump >"$T/fifo" 2>"$T/$sig.err" &
	pid=$!
	sleep 1
	kill -s "$sig" "$pid"
	wait "$pid"
	rc=$?
	wait "$reader"
	if [ "$rc" = "$want" ] && tail -n 1 "$T/$sig.out" |
	    grep -q '^\.\.\. interrupted after [0-9]* entries: the rest, from 0x[0-9a-f]*, is not shown$'; then
		tl_ok "SIG$sig mid-dump: exit $rc, $(tail -n 1 "$T/$sig.out" | cut -c1-40)..."
	else
		tl_fail "SIG$sig mid-dump: exit $rc (want $want)"
		tail -n 2 "$T/$sig.out" | tl_show /dev/stdin; tl_show "$T/$sig.err"
	fi
	left_as_found "SIG$sig mid-dump"
done

# JSON stays well formed and says where to resume.
{ sleep 2; cat; } <"$T/fifo" >"$T/j.out" &
reader=$!
$PT dump --format json >"$T/fifo" 2>/dev/null &
pid=$!
sleep 1
kill -INT "$pid"; wait "$pid"; wait "$reader"
if tail -c 100 "$T/j.out" | grep -q '"truncated":true,"resume_va":"0x[0-9a-f]*","notes":\[.*\]}$'; then
	tl_ok "SIGINT mid-dump, JSON: truncated with resume_va"
else
	tl_fail "SIGINT mid-dump, JSON: no truncated/resume_va"; tail -c 200 "$T/j.out"
fi
left_as_found "SIGINT mid-dump, JSON"

# 3. `monitor cont` on a running guest (it used to time out on D;1).
if $PT -c 'monitor stop' -c 'monitor cont' >"$T/mc.out" 2>&1; then
	tl_ok "monitor stop, monitor cont: exit 0"
else
	tl_fail "monitor stop, monitor cont: failed"; tl_show "$T/mc.out"
fi
left_as_found "monitor cont"

# 4. Another debugger holds the gdbstub: one line that says what QEMU
#    will do when it leaves.
gdb -nx -batch -ex "target remote 127.0.0.1:$GDBPORT" -ex 'shell sleep 4' \
    -ex detach >/dev/null 2>&1 &
gpid=$!
sleep 1
$PT --timeout 1 regs >/dev/null 2>"$T/busy.err"
rc=$?
wait "$gpid"
if [ "$rc" = 3 ] && [ "$(wc -l <"$T/busy.err")" = 1 ] &&
    grep -q "another debugger seems to hold the gdbstub.*When it leaves, QEMU takes up this abandoned connection, which pauses the guest" "$T/busy.err"; then
	tl_ok "gdbstub held by gdb: exit 3, says what happens next"
else
	tl_fail "gdbstub held by gdb: exit $rc"; tl_show "$T/busy.err"
fi

tl_stop "$QPID"
tl_done
