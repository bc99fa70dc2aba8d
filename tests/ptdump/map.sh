#!/bin/sh
# `map`: the picture of an address space, rendered by a real browser
# (headless Chromium) on the `boot` and `wx` scenarios: the HTML page
# loads with no console error and renders to PNG; it has one range box
# per line of `dump`, each with its dump line as tooltip and the walk of
# its start; the W+X range of `wx` (taken from its reviewed golden dump)
# is drawn with the W+X class, which the page's style fills with the W+X
# colour; the SVG form is one well-formed document.  (tl_map in lib.sh
# does the checks on the HTML; linux.sh draws the Linux guest's map.)
. "$(dirname "$0")/../lib.sh"
tl_init
G=$TOP/tests/golden

tl_boot_halted boot boot || { tl_fail "boot did not boot"; tl_done; }
PT="$PTDUMP -t 127.0.0.1:$GDBPORT"
tl_map boot || tl_done
# The SVG form: one document, the same boxes.
$PT map >"$T/boot.svg"
if head -n 1 "$T/boot.svg" | grep -q '^<?xml' && tail -n 1 "$T/boot.svg" | grep -q '^</svg>$' &&
    [ "$(grep -o '<rect class="range [a-z ]*"' "$T/boot.svg" | grep -vc legend)" = "$(grep -c '^0x' "$T/boot.dump")" ]; then
	tl_ok "boot: map's SVG is one document with the same boxes"
else
	tl_fail "boot: SVG"
fi
tl_browser --dump-dom "file://$T/boot.svg" >"$T/svg.dom" 2>"$T/svg.log" &&
	grep -q '<svg' "$T/svg.dom" && tl_ok "boot: chromium opens the SVG" ||
	{ tl_fail "boot: chromium cannot open the SVG"; tl_show "$T/svg.log"; }
tl_stop "$QPID"

tl_boot_halted wx wx || { tl_fail "wx did not boot"; tl_done; }
PT="$PTDUMP -t 127.0.0.1:$GDBPORT"
tl_map wx || tl_done
# The W+X range of the reviewed golden dump, at or above the scenario's
# own GiB.
va=$(awk '$5 == "rwx" && $1 >= "0x0000000040000000" && $1 < "0xffff" { print $1; exit }' "$G/wx.txt")
short=0x$(echo "$va" | sed 's/^0x0*//')
if [ -n "$va" ] && grep -q "<rect class=\"range wx\"[^>]* data-va=\"$short\"" "$T/wx.dom" &&
    grep -q '\.wx { fill: #d62728; }' "$T/wx.dom"; then
	tl_ok "wx: the W+X range at $va is drawn W+X (#d62728)"
else
	tl_fail "wx: the W+X range at '$va' is not drawn W+X"
fi
tl_stop "$QPID"
tl_done
