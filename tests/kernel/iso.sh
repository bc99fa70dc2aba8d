#!/bin/sh
# Boot the GRUB2 ISO: its default entry must reach the checkpoints and
# exit with the pass status.
. "$(dirname "$0")/../lib.sh"
tl_init

[ -f "$ISO" ] || { tl_fail "no ISO at $ISO"; tl_done; }
tl_qemu iso iso ""
tl_wait_exit "$QPID" 180; got=$TL_RC
[ "$got" = 33 ] || tl_fail "ISO boot: QEMU exit status $got, want 33"
for re in '^checkpoint boot$' '^checkpoint pf-unmapped$' '^checkpoint scale$' '^PASS'; do
	grep -Eq -- "$re" "$T/iso.serial" || tl_fail "ISO boot: serial log lacks /$re/"
done
# Every scenario that started reached its checkpoint, and all of them ran:
# one golden batch per scenario lists them.
started=$(sed -n 's/^scenario \([a-z0-9-]*\): .*/\1/p' "$T/iso.serial")
reached=$(sed -n 's/^checkpoint //p' "$T/iso.serial")
want=$(ls "$TOP/tests/golden" | sed -n 's/\.ptdump$//p' | sort)
[ "$started" = "$reached" ] ||
	tl_fail "ISO boot: a scenario started but did not reach its checkpoint"
[ "$(echo "$reached" | sort)" = "$want" ] ||
	tl_fail "ISO boot: scenario=all ran $(echo "$reached" | wc -l) scenarios, golden batches exist for $(echo "$want" | wc -l)"
# GRUB itself must have handed over a Multiboot2 command line.
grep -q 'loaded by a multiboot2 loader' "$T/iso.serial" ||
	tl_fail "ISO boot: kernel did not report how it was booted"
[ "$tl_failed" -eq 0 ] && tl_ok "ISO boots to its checkpoints and passes" ||
	tl_show "$T/iso.serial"
tl_done
