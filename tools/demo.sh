#!/bin/sh
# tools/demo.sh - boot the demo kernel (scenario=boot, halted at its
# checkpoint) and open ptdump on it.  On a terminal this is the ptdump
# shell; otherwise it prints `regs` and `dump` and exits.
TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/tests/lib.sh"
PTDUMP=$B/ptdump
SCENARIO=${SCENARIO:-boot}
tl_init
tl_boot_halted demo "$SCENARIO" || exit 1
echo "demo: kernel serial log:"
sed 's/^/  | /' "$T/demo.serial"
echo "demo: QEMU pid $QPID, gdbstub on 127.0.0.1:$GDBPORT"
if [ -x "$PTDUMP" ]; then
	if [ -t 0 ] && [ -t 1 ]; then
		echo "demo: try 'regs', 'dump', 'walk 0xfffffffffffff000', 'help'; 'quit' ends the demo"
		"$PTDUMP" -t "127.0.0.1:$GDBPORT"
	else
		"$PTDUMP" -t "127.0.0.1:$GDBPORT" -c regs -c dump
	fi
	rc=$?
else
	echo "demo: $PTDUMP is missing: run 'make' first" >&2
	rc=1
fi
echo "demo: stopping QEMU"
exit $rc
