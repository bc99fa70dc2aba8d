#!/bin/sh
# The interactive shell as a user meets it: the real readline front end on
# a terminal (a private tmux server), against the real kernel in QEMU.
# Banner, commands, an unknown command that leaves the shell alive, tab
# completion of a command name, and `quit` with exit status 0.
. "$(dirname "$0")/../lib.sh"

command -v tmux >/dev/null 2>&1 || { echo "tmux is not installed: skipped"; exit 77; }

tl_init
# A private server whose socket lives (and dies) in the scratch directory.
SOCK=$T/tmux-$$
TM() { tmux -S "$SOCK" -f /dev/null "$@"; }
trap 'TM kill-server >/dev/null 2>&1; tl_cleanup' EXIT

tl_boot_halted boot boot 2>&1 || { tl_fail "kernel did not boot"; tl_done; }

# The pane keeps ptdump's exit status on screen after it leaves.
TM new-session -d -s pt -x 200 -y 50 \
    "$PTDUMP -t 127.0.0.1:$GDBPORT; echo shell-exit=\$?; sleep 30" ||
	{ tl_fail "tmux could not start a session"; tl_done; }

# pane: the screen and its scroll-back, in $T/pane.
pane() {
	TM capture-pane -p -t pt -S -200 >"$T/pane" 2>/dev/null
}

# show_pane: the pane without its empty lines, for failure reports.
show_pane() {
	grep -v '^$' "$T/pane" | sed 's/^/    | /'
}

# wait_pane REGEX [COUNT] [SECONDS]: wait until at least COUNT lines of
# the pane match REGEX (grep -E).
wait_pane() {
	want=${2:-1}
	n=$(( ${3:-20} * 10 ))
	while [ "$n" -gt 0 ]; do
		pane
		[ "$(grep -Ec -- "$1" "$T/pane")" -ge "$want" ] && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# send TEXT: type TEXT literally, then Enter.
send() {
	TM send-keys -t pt -l "$1" && TM send-keys -t pt Enter
}

# check WHAT REGEX [COUNT]: the pane shows REGEX (COUNT times), or fail
# and show the pane.
check() {
	if wait_pane "$2" "${3:-1}"; then
		tl_ok "$1"
	else
		tl_fail "$1: no line matching '$2' on screen"
		show_pane
	fi
}

check "banner" "^ptdump shell on 127\\.0\\.0\\.1:$GDBPORT; 'help' lists commands"
# capture-pane drops trailing blanks: the prompt reads "(ptdump)".
check "prompt" '^\(ptdump\) ?$'

send regs
check "regs shows cr3" '^cr3  0x0000000000200000'

send help
check "help lists dump" '^  dump '
check "help lists walk" '^  walk '

send frobnicate
check "unknown command reported" '^error: unknown command'
send "walk 0x102000"
check "shell answers after an error" '=> 0x0000000000102000'
n=$(grep -c '^error: unknown command' "$T/pane")
if [ "$n" -eq 1 ]; then
	tl_ok "unknown command: one error line"
else
	tl_fail "unknown command: $n error lines, want 1"; show_pane
fi

# Tab completes "wal" to "walk " (with its blank); had it not, the line
# would read "wal0x101000" and be an unknown command.
TM send-keys -t pt -l wal
TM send-keys -t pt Tab
# Let readline finish the completion before more keys arrive.
wait_pane '^\(ptdump\) walk ?$' 1 10 ||
	{ tl_fail "completion: 'wal' + Tab did not give 'walk '"; show_pane; }
TM send-keys -t pt -l 0x101000
TM send-keys -t pt Enter
check "tab completion runs walk" '=> 0x0000000000101000'
check "completed line as typed" '^\(ptdump\) walk 0x101000$'
n=$(grep -c '^error:' "$T/pane")
[ "$n" -eq 1 ] || { tl_fail "completion: $n error lines, want 1"; show_pane; }

send quit
check "quit leaves with status 0" '^shell-exit=0$'

tl_stop "$QPID"
tl_done
