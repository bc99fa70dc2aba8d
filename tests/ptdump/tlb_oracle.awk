# tlb_oracle.awk - turn `ptdump dump --pages --format json` records and
# QEMU `info tlb` lines into one canonical form, "VA PA XGPDACTUW", so two
# walkers that share no code can be compared with sort and diff.  Set
# `mode` (-v mode=pae) to the paging mode of the dump.
#
# The letters are QEMU's: X = NX, G, P = PS, D, A, C = PCD, T = PWT,
# U = US, W = RW; '-' when clear.  QEMU clears bit 7 of a 4 KiB PTE before
# printing it (there it is PAT, not PS), so a PTE's PAT bit is not
# compared here; the unit tests cover it.

function pad16(h) {
	sub(/^0x/, "", h)
	h = tolower(h)
	while (length(h) < 16)
		h = "0" h
	return h
}

# What QEMU's line holds of a physical address, by paging mode: with
# PAE it prints the entry's bits 52-63 too (NX, reserved), and for a
# 4 MiB page of 32-bit paging only bits 21-31 (no PSE-36 bits above
# 4 GiB): compare what both can show.
function qemu_pa(h) {
	if (mode == "pae")
		return "000" substr(h, 4)
	return h
}
function mine_pa(h) {
	if (mode == "32-bit")
		return "00000000" substr(h, 9)
	return h
}

function has(flags, name) {
	return index(flags, "\"" name "\"") > 0
}

# A JSON leaf record: one per line, as ptdump prints them (notes, which
# follow the ranges, have no "flags").  A leaf whose path has reserved
# bits maps nothing (the CPU faults); `info tlb` still prints it, with
# an address masked its own way, so its address reads "reserved" here
# and tl_tlb_oracle gives QEMU's line for that VA the same.
/"va":"0x.*"flags":/ {
	match($0, /"va":"0x[0-9a-f]+"/);	va = substr($0, RSTART + 6, RLENGTH - 7)
	match($0, /"pa":"0x[0-9a-f]+"/);	pa = substr($0, RSTART + 6, RLENGTH - 7)
	match($0, /"flags":\[[^]]*\]/);		fl = substr($0, RSTART, RLENGTH)
	f = (has(fl, "NX") ? "X" : "-") (has(fl, "G") ? "G" : "-")
	f = f (has(fl, "PS") ? "P" : "-")
	f = f (has(fl, "D") ? "D" : "-") (has(fl, "A") ? "A" : "-")
	f = f (has(fl, "PCD") ? "C" : "-") (has(fl, "PWT") ? "T" : "-")
	f = f (has(fl, "US") ? "U" : "-") (has(fl, "RW") ? "W" : "-")
	print pad16(va), ($0 ~ /"rsvd":/ ? "reserved" : mine_pa(pad16(pa))), f
	next
}

# An `info tlb` line: "VA: PA FLAGS".
/^[0-9a-f]+: [0-9a-f]+ [-XGPDACTUW]+$/ {
	va = $1
	sub(/:$/, "", va)
	print pad16(va), qemu_pa(pad16($2)), $3
}
