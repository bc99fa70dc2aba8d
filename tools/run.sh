#!/bin/sh
# tools/run.sh SCENARIO [PORT] - boot build/kernel/kernel.elf in QEMU (TCG),
# paused before the first instruction, with the gdbstub on PORT (or a free
# one), serial on this terminal.  KARGS overrides the kernel command line.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
scenario=${1:-boot}
port=${2:-}
if [ -z "$port" ]; then
	. "$TOP/tests/lib.sh"
	port=$(tl_free_port)
fi
kargs=${KARGS:-scenario=$scenario}
echo "run: kernel '$kargs', paused; gdbstub on 127.0.0.1:$port" >&2
echo "run: attach with: build/ptdump -t :$port   or   gdb -ex 'target remote :$port'" >&2
echo "run: quit QEMU with Ctrl-A X" >&2
exec "${QEMU:-qemu-system-x86_64}" -accel tcg -cpu max -m 128M -nic none \
	-display none -no-reboot -serial mon:stdio \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
	-gdb "tcp:127.0.0.1:$port" -S \
	-kernel "$TOP/build/kernel/kernel.elf" -append "$kargs"
