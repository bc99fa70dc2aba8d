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
# one golden batch per scenario lists them (but those of the 32-bit stage,
# which `all` does not run).
started=$(sed -n 's/^scenario \([a-z0-9-]*\): .*/\1/p' "$T/iso.serial")
reached=$(sed -n 's/^checkpoint //p' "$T/iso.serial")
want=$(ls "$TOP/tests/golden" | sed -n 's/\.ptdump$//p' |
	grep -vx 'paging32\|pae' | sort)
[ "$started" = "$reached" ] ||
	tl_fail "ISO boot: a scenario started but did not reach its checkpoint"
[ "$(echo "$reached" | sort)" = "$want" ] ||
	tl_fail "ISO boot: scenario=all ran $(echo "$reached" | wc -l) scenarios, golden batches exist for $(echo "$want" | wc -l)"
[ "$tl_failed" -eq 0 ] && tl_ok "ISO boots to every scenario's checkpoint and passes"

# one_entry_iso NAME "WORDS": an ISO whose only menu entry boots the
# kernel with WORDS; ISO names it.
GRUB_MKRESCUE=$(sed -n 's/^GRUB_MKRESCUE = //p' "$TOP/config.mk")
mkdir -p "$T/isodir/boot/grub"
cp "$KERNEL" "$T/isodir/boot/kernel.elf"
one_entry_iso() {
	printf 'set timeout=0\nmenuentry "%s" {\n\tmultiboot2 /boot/kernel.elf %s\n\tboot\n}\n' \
	    "$1" "$2" >"$T/isodir/boot/grub/grub.cfg"
	if ! "${GRUB_MKRESCUE:-grub-mkrescue}" -o "$T/$1.iso" "$T/isodir" \
	    >"$T/mkrescue.log" 2>&1; then
		tl_fail "grub-mkrescue failed for the $1 ISO"; tl_show "$T/mkrescue.log"
		tl_done
	fi
	ISO=$T/$1.iso
}

# 5-level paging through GRUB: boot.S must find `la57` in the Multiboot2
# command-line tag.
one_entry_iso la57 "scenario=recursive la57"
tl_expect la57 iso "" 33 'loaded by a multiboot2 loader' '^paging: 5-level' \
	'^recursive: PML5\[511\] at 0xfffffffffffffff8' '^PASS'

# The 32-bit stage reads GRUB's Multiboot2 tag too (the last scenario=
# word wins).
one_entry_iso pae "scenario=boot scenario=pae"
tl_expect pae iso "" 33 '^checkpoint pae$' '^PASS'
tl_done
