#!/bin/sh
# Protocol tests: gdbremote.c and net.c against the fake gdbstub, in each
# of its fault-injection modes.  Needs no QEMU.
. "$(dirname "$0")/../lib.sh"
for p in "$B/tests/test_gdbremote" "$B/tests/fakestub"; do
	[ -x "$p" ] || { echo "missing $p (make test-progs)"; exit 1; }
done
exec "$B/tests/test_gdbremote" "$B/tests/fakestub"
