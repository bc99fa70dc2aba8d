#!/bin/sh
# The interactive shell as a user meets it: the real readline front end on
# a terminal (a private tmux server), against the real kernel in QEMU.
# Banner, commands, an unknown command that leaves the shell alive, tab
# completion of a command name, and `quit` with exit status 0.
. "$(dirname "$0")/../lib.sh"

command -v tmux >/dev/null 2>&1 || { echo "tmux is not installed: skipped"; exit 77; }

tl_init
# History and init files go to the scratch directory, never the user's
# home (the private XDG tree of shell2 below is another one).
export HOME="$T/home" XDG_STATE_HOME="$T/home/state" XDG_CONFIG_HOME="$T/home/config"
mkdir -p "$HOME"
# A private server whose socket lives (and dies) in the scratch directory.
SOCK=$T/tmux-$$
TM() { tmux -S "$SOCK" -f /dev/null "$@"; }
trap 'TM kill-server >/dev/null 2>&1; tl_cleanup' EXIT

tl_boot_halted boot boot 2>&1 || { tl_fail "kernel did not boot"; tl_done; }

# The pane keeps ptdump's exit status on screen after it leaves.
PANE=pt
TM new-session -d -s pt -x 200 -y 50 \
    "$PTDUMP -t 127.0.0.1:$GDBPORT; echo shell-exit=\$?; sleep 30" ||
	{ tl_fail "tmux could not start a session"; tl_done; }

# pane: the screen and its scroll-back, in $T/pane.
pane() {
	TM capture-pane -p -t "$PANE" -S -200 >"$T/pane" 2>/dev/null
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
	TM send-keys -t "$PANE" -l "$1" && TM send-keys -t "$PANE" Enter
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
# Its first line must not land on a prompt readline drew meanwhile.
check "the first output line is clean" '^cpu  0$'

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
TM send-keys -t "$PANE" -l wal
TM send-keys -t "$PANE" Tab
# Let readline finish the completion before more keys arrive.
wait_pane '^\(ptdump\) walk ?$' 1 10 ||
	{ tl_fail "completion: 'wal' + Tab did not give 'walk '"; show_pane; }
TM send-keys -t "$PANE" -l 0x101000
TM send-keys -t "$PANE" Enter
check "tab completion runs walk" '=> 0x0000000000101000'
check "completed line as typed" '^\(ptdump\) walk 0x101000$'
n=$(grep -c '^error:' "$T/pane")
[ "$n" -eq 1 ] || { tl_fail "completion: $n error lines, want 1"; show_pane; }

send quit
check "quit leaves with status 0" '^shell-exit=0$'

# ---- part 2: signals, running in the background, completion, history,
# the init file.  History and init live in a private XDG tree.
mkdir -p "$T/config/ptdump" "$T/state"
echo "symbols $KERNEL" >"$T/config/ptdump/init"
shell2() { # NAME: a shell in session NAME with the private XDG tree
	PANE=$1
	TM new-session -d -s "$1" -x 200 -y 50 \
	    "XDG_CONFIG_HOME=$T/config XDG_STATE_HOME=$T/state $PTDUMP -t 127.0.0.1:$GDBPORT; echo shell-exit=\$?; sleep 30" ||
		{ tl_fail "tmux could not start $1"; tl_done; }
}
shell2 pt2
check "the init file ran: symbols loaded" '^[0-9]+ symbols from .*kernel\.elf$'

# Ctrl-C at the prompt drops the line and keeps the shell: had the
# half-typed "dump 0xb8" stayed, the next line would be an error.
TM send-keys -t "$PANE" -l "dump 0xb8"
wait_pane '^\(ptdump\) dump 0xb8$' 1 10
TM send-keys -t "$PANE" C-c
send "walk 0xb8000"
check "Ctrl-C at the prompt: line dropped, shell alive" '^\(ptdump\) walk 0xb8000$'
check "Ctrl-C at the prompt: next command runs" '=> 0x00000000000b8000'

# continue, then Ctrl-C: the guest stops, the shell stays.
send continue
sleep 1
TM send-keys -t "$PANE" C-c
# (The terminal echoes ^C in front of the stop line.)
check "continue + Ctrl-C: the guest is interrupted" 'cpu 0 stopped at 0x[0-9a-f]{16} <[a-z_]+(\+0x[0-9a-f]+)?>: interrupted$'

# continue &: the prompt says so; commands that need a stop refuse;
# interrupt stops it; then again with Ctrl-C.
send "continue &"
check "continue &: the guest runs" '^the guest runs; .interrupt. \(or Ctrl-C\) stops it$'
check "continue &: the prompt says running" '^\(ptdump: running\) ?$'
send regs
check "regs while running: refused" '^error: the guest is running; .interrupt. stops it$'
send interrupt
check "interrupt: the stop is reported" 'cpu 0 stopped at .*: interrupted$' 2
send "continue &"
check "continue & again" '^\(ptdump\) continue &$' 2
sleep 1
TM send-keys -t "$PANE" C-c
check "continue & + Ctrl-C: the stop comes to the prompt" 'cpu 0 stopped at .*: interrupted$' 3
check "prompt back to stopped" '^\(ptdump\) ?$'

# Completion of an option and of a symbol.
TM send-keys -t "$PANE" -l "walk 0x101000 --for"
TM send-keys -t "$PANE" Tab
wait_pane '^\(ptdump\) walk 0x101000 --format ?$' 1 10 ||
	{ tl_fail "completion: '--for' + Tab did not give '--format '"; show_pane; }
TM send-keys -t "$PANE" -l "json"
TM send-keys -t "$PANE" Enter
check "option completed and used" '^\{"va":"0x101000"'
TM send-keys -t "$PANE" -l "break checkp"
TM send-keys -t "$PANE" Tab
wait_pane '^\(ptdump\) break checkpoint ?$' 1 10 ||
	{ tl_fail "completion: 'checkp' + Tab did not give 'checkpoint'"; show_pane; }
TM send-keys -t "$PANE" Enter
check "symbol completed and used" '^breakpoint 1 at 0x[0-9a-f]{16} <checkpoint>$'
send "delete"
send quit
check "second shell: quit, status 0" '^shell-exit=0$'

# History across runs: a new shell recalls the last lines with Up.
[ -s "$T/state/ptdump/history" ] && tl_ok "history file written" ||
	tl_fail "no history file in \$XDG_STATE_HOME/ptdump"
shell2 pt3
check "third shell up" '^[0-9]+ symbols from'
TM send-keys -t "$PANE" Up Up Up
check "history: Up recalls a line of the last run" '^\(ptdump\) break checkpoint$'
TM send-keys -t "$PANE" C-c

# The target goes away (QEMU ends): the shell says so and stays; `target`
# connects to another.
send regs
check "third shell: regs" '^cr3  0x0000000000200000' 1
tl_stop "$QPID"
send regs
check "lost target: one error line" '^error: 127\.0\.0\.1:[0-9]+ closed the connection \(did QEMU exit\?\); the next command connects again$'
tl_boot_halted second boot 2>&1 || { tl_fail "second kernel did not boot"; tl_done; }
send "target 127.0.0.1:$GDBPORT"
check "target HOST:PORT connects again" "^connected to 127\\.0\\.0\\.1:$GDBPORT\$"
send "walk 0xb8000"
check "the new target answers" '=> 0x00000000000b8000'
send quit
check "third shell: quit, status 0" '^shell-exit=0$'

# The shells left the guest as they found it: running.
$PTDUMP -t "127.0.0.1:$GDBPORT" --trace regs >/dev/null 2>"$T/trace"
grep -q '^rsp <- T02' "$T/trace" && tl_ok "the guest runs after the shells" ||
	tl_fail "the guest was left stopped"

tl_stop "$QPID"
tl_done
