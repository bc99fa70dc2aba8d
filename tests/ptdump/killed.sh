#!/bin/sh
# QEMU killed (SIGKILL) in the middle of a dump: ptdump exits 3 with one
# line, and what it printed says it is cut short, where and why.
#
# scenario=scale scale=8 has 4105 table pages, more than ptdump's table
# cache holds (4096), so tables are read as the walk gets to them: a
# page table at a time straight from QEMU's memory (text, --ram-access
# auto), a GiB's page tables at a time with m packets (JSON, rsp).  ptdump writes into a FIFO nobody reads yet, so it
# stops, mid-walk, once the FIFO is full; QEMU is killed then, and the
# FIFO drained: ptdump goes on from its cache until it needs the next
# GiB's tables, which cannot be read.
. "$(dirname "$0")/../lib.sh"
tl_init
PLAIN=$B/ptdump

tl_boot_halted scale scale "scale=8" ||
	{ tl_fail "scale=8 did not reach its checkpoint"; tl_done; }

for fmt in text json; do
	access=auto
	[ "$fmt" = json ] && access=rsp
	if [ "$fmt" = json ]; then
		tl_boot_halted scale2 scale "scale=8" ||
			{ tl_fail "scale=8 did not boot again"; break; }
	fi
	mkfifo "$T/fifo.$fmt"
	# Held open both ways, so ptdump's open does not wait for a reader.
	exec 3<>"$T/fifo.$fmt"
	"$PLAIN" -t "127.0.0.1:$GDBPORT" --format "$fmt" --max-entries 4000000 \
	    --ram-access "$access" \
	    -o "$T/fifo.$fmt" dump 0x8000000000-0x8200000000 2>"$T/err.$fmt" &
	dpid=$!
	tl_pids="$tl_pids $dpid"
	# Until its output blocks: 2 s is plenty for 64 KiB.
	sleep 2
	kill -9 "$QPID"
	wait "$QPID" 2>/dev/null
	tl_forget "$QPID"
	# A reader of our own, then the read-write end goes: ptdump's exit
	# is the end of the FIFO.
	exec 4<"$T/fifo.$fmt" 3>&-
	cat <&4 >"$T/out.$fmt"
	exec 4<&-
	tl_wait_exit "$dpid" 30
	err=$(cat "$T/err.$fmt")
	if [ "$TL_RC" != 3 ] || [ "$(wc -l <"$T/err.$fmt")" -ne 1 ]; then
		tl_fail "$fmt: exit $TL_RC, want 3 and one line:"
		tl_show "$T/err.$fmt"
		continue
	fi
	tl_ok "$fmt: exit 3: $err"
	if [ "$fmt" = text ]; then
		last=$(tail -n 1 "$T/out.text")
		case $last in
		"# truncated: "*"QEMU has exited: the rest, from 0x00000080"*", is not shown")
			tl_ok "text: ends '$last'" ;;
		*)	tl_fail "text: the last line does not say it is cut short: $last" ;;
		esac
	elif tail -c 300 "$T/out.json" | grep -q '"truncated":true,"resume_va":"0x80[0-9a-f]*","error":"[^"]*connection closed by target"' &&
	    tail -c 3 "$T/out.json" | grep -q '}'; then
		tl_ok "json: one object, truncated, with resume_va and the error"
	else
		tl_fail "json: not marked truncated:"
		tail -c 300 "$T/out.json" | tl_show /dev/stdin
	fi
	# It stopped mid-walk: not before the first leaf, not at the end.
	n=$(grep -c '^0x\|"va"' "$T/out.$fmt")
	if [ "$n" -ge 1 ] && [ "$n" -lt 2097152 ]; then
		tl_ok "$fmt: $n leaves before the cut"
	else
		tl_fail "$fmt: $n leaves before the cut: not mid-walk"
	fi
done
tl_done
