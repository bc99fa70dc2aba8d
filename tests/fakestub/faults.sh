#!/bin/sh
# Fault injection through the command line: ptdump against the fake
# gdbstub in each of its hostile modes.  Every fault must end in exit
# status 3 with one line on standard error, within --timeout + 1 s, and,
# run again under valgrind, with no leak and no memory error.  Output
# already printed must say that it is cut short.  Needs no QEMU.
. "$(dirname "$0")/../lib.sh"
STUB=$B/tests/fakestub
# The plain objects are timed (the sanitized build is slower) and are
# what valgrind runs (it cannot run a sanitized binary), linked
# dynamically: valgrind sees malloc only in a shared libc.
PT=$B/tests/ptdump-dyn
for p in "$STUB" "$PT"; do
	[ -x "$p" ] || { echo "missing $p (make test-progs)"; exit 1; }
done
tl_init
TIMEOUT_S=1
LIMIT_MS=$(( (TIMEOUT_S + 1) * 1000 ))

now_ms() {
	echo $(( $(date +%s%N) / 1000000 ))
}

# stub MODE: start the fake stub in MODE on $T/sock, stopped, as SPID.
stub() {
	rm -f "$T/sock" "$T/stub.out"
	"$STUB" -S ${1:+-m "$1"} "unix:$T/sock" >"$T/stub.out" 2>&1 &
	SPID=$!
	tl_pids="$tl_pids $SPID"
	tl_wait_line "$T/stub.out" '^ready$' 10 ||
		{ echo "the fake stub did not start"; cat "$T/stub.out"; exit 1; }
}

stub_end() {
	kill "$SPID" 2>/dev/null
	wait "$SPID" 2>/dev/null
	tl_forget "$SPID"
}

# run MODE PROGRAM ARGS...: ptdump's status in RC, time in MS.
run() {
	m=$1
	shift
	stub "$m"
	t0=$(now_ms)
	"$@" --ram-access rsp --timeout "$TIMEOUT_S" -t "unix:$T/sock" \
	    dump >"$T/out" 2>"$T/err"
	RC=$?
	MS=$(( $(now_ms) - t0 ))
	stub_end
}

# fault MODE TEXT: MODE ends the dump with status 3, one line saying TEXT.
fault() {
	m=$1 want=$2
	run "$m" "$PT"
	lines=$(wc -l <"$T/err")
	if [ "$RC" -ne 3 ]; then
		tl_fail "$m: exit $RC, not 3"; sed 's/^/    /' "$T/err"
	elif [ "$lines" -ne 1 ] || ! grep -q "^ptdump: .*$want" "$T/err"; then
		tl_fail "$m: wanted one line with '$want', got:"
		sed 's/^/    /' "$T/err"
	elif [ "$MS" -gt "$LIMIT_MS" ]; then
		tl_fail "$m: took $MS ms, more than --timeout + 1 s"
	elif [ -s "$T/out" ] && ! tail -n 1 "$T/out" | grep -q '^# truncated: '; then
		tl_fail "$m: the output does not end saying it is truncated:"
		tail -n 3 "$T/out" | sed 's/^/    /'
	else
		tl_ok "$m: exit 3 in $MS ms: $(cat "$T/err")"
	fi
	run "$m" valgrind -q --error-exitcode=99 --leak-check=full \
	    --errors-for-leak-kinds=definite,indirect "$PT"
	if [ "$RC" -ne 3 ]; then
		tl_fail "$m: under valgrind, exit $RC (99: valgrind found errors)"
		sed 's/^/    /' "$T/err"
	else
		tl_ok "$m: valgrind clean"
	fi
}

fault trickle "timed out waiting for reply (1000 ms)"
fault stop-flood "packets nobody asked for"
fault console-flood "packets nobody asked for"
fault close-mid "connection closed by target"
fault stall-ack "timed out waiting for reply (1000 ms)"
fault ereply "target replied E14"
fault empty-supported "no register 'cr0'"
fault bad-xml "target description: target.xml line 1: mismatched tag"
fault huge "packet too long"
fault dollar "bad checksum (retries exhausted)"
fault close-walk "connection closed by target"
fault nak-always "rejected by target 3 times"

# Replies out of order are no fault: ptdump goes one request at a time
# and prints what it prints with a stub that behaves.
run "" "$PT"
cp "$T/out" "$T/want"
run pipe-reorder "$PT"
if [ "$RC" -eq 0 ] && cmp -s "$T/out" "$T/want" && [ -s "$T/want" ]; then
	tl_ok "pipe-reorder: same dump, exit 0"
else
	tl_fail "pipe-reorder: exit $RC, or a dump unlike the plain stub's"
fi

# Disconnected half-way, JSON stays one object that says so and why.
stub close-walk
"$PT" --ram-access rsp --format json --timeout "$TIMEOUT_S" \
    -t "unix:$T/sock" dump >"$T/out" 2>"$T/err"
RC=$?
stub_end
if [ "$RC" -eq 3 ] && grep -q '"truncated":true,"resume_va":"0x[0-9a-f]*","error":"connection closed by target"' "$T/out" &&
    [ "$(wc -l <"$T/out")" -eq 1 ]; then
	tl_ok "close-walk, JSON: truncated, with resume_va and the error"
else
	tl_fail "close-walk, JSON: exit $RC:"; cat "$T/out"
fi
tl_done
