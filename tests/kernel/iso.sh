#!/bin/sh
# Boot the GRUB2 ISO: its default entry must reach the checkpoints and
# exit with the pass status.
. "$(dirname "$0")/../lib.sh"
tl_init

[ -f "$ISO" ] || { tl_fail "no ISO at $ISO"; tl_done; }
# GRUB itself must have handed over a Multiboot2 command line.
tl_expect iso iso "" 33 '^checkpoint boot$' '^checkpoint pf-unmapped$' \
	'^checkpoint scale$' 'loaded by a multiboot2 loader' '^PASS'
# Every scenario that started reached its checkpoint, and all of them ran:
# one golden batch per scenario lists them.
started=$(sed -n 's/^scenario \([a-z0-9-]*\): .*/\1/p' "$T/iso.serial")
reached=$(sed -n 's/^checkpoint //p' "$T/iso.serial")
want=$(ls "$TOP/tests/golden" | sed -n 's/\.ptdump$//p' | sort)
[ "$started" = "$reached" ] ||
	tl_fail "ISO boot: a scenario started but did not reach its checkpoint"
[ "$(echo "$reached" | sort)" = "$want" ] ||
	tl_fail "ISO boot: scenario=all ran $(echo "$reached" | wc -l) scenarios, golden batches exist for $(echo "$want" | wc -l)"
[ "$tl_failed" -eq 0 ] && tl_ok "ISO boots to every scenario's checkpoint and passes"

# 5-level paging through GRUB: boot.S must find `la57` in the Multiboot2
# command-line tag.  A second ISO whose only entry asks for it.
GRUB_MKRESCUE=$(sed -n 's/^GRUB_MKRESCUE = //p' "$TOP/config.mk")
mkdir -p "$T/isodir/boot/grub"
cp "$KERNEL" "$T/isodir/boot/kernel.elf"
printf 'set timeout=0\nmenuentry "recursive, 5-level" {\n\tmultiboot2 /boot/kernel.elf scenario=recursive la57\n\tboot\n}\n' \
	>"$T/isodir/boot/grub/grub.cfg"
if ! "${GRUB_MKRESCUE:-grub-mkrescue}" -o "$T/la57.iso" "$T/isodir" >"$T/mkrescue.log" 2>&1; then
	tl_fail "grub-mkrescue failed for the la57 ISO"; tl_show "$T/mkrescue.log"
	tl_done
fi
ISO=$T/la57.iso
tl_expect la57 iso "" 33 'loaded by a multiboot2 loader' '^paging: 5-level' \
	'^recursive: PML5\[511\] at 0xfffffffffffffff8' '^PASS'
tl_done
