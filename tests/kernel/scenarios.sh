#!/bin/sh
# Boot each scenario with QEMU's -kernel loader and check its serial log
# and its isa-debug-exit status (33 = pass, 35 = fail).
. "$(dirname "$0")/../lib.sh"
tl_init

# expect NAME "APPEND" STATUS REGEX...: boot, wait, check every REGEX
# (grep -Ei) appears in the serial log and the exit status is STATUS.
expect() {
	name=$1 append=$2 want=$3
	shift 3
	tl_qemu "$name" kernel "$append"
	tl_wait_exit "$QPID" 60; got=$TL_RC
	ok=1
	if [ "$got" != "$want" ]; then
		tl_fail "$name: QEMU exit status $got, want $want"
		ok=0
	fi
	for re in "$@"; do
		if ! grep -Eiq -- "$re" "$T/$name.serial"; then
			tl_fail "$name: serial log lacks /$re/"
			ok=0
		fi
	done
	if [ "$ok" = 1 ]; then
		tl_ok "$name ($append): exit $got"
	else
		tl_show "$T/$name.serial"
		tl_show "$T/$name.qemu-err"
	fi
}

expect default "" 33 '^checkpoint boot$' '^PASS'
expect boot "scenario=boot" 33 '^checkpoint boot$' '^PASS'
expect pf-unmapped "scenario=pf-unmapped" 33 \
	'^checkpoint pf-unmapped$' \
	'#PF.*cr2=0x0*deadbeaf' \
	'not-present' 'read' 'supervisor' '^PASS'
expect pf-write-code "scenario=pf-write-code" 33 \
	'^checkpoint pf-write-code$' '#PF.*err=0x0*3\b' \
	'protection|present' 'write' '^PASS'
expect stack-overflow "scenario=stack-overflow" 33 \
	'^checkpoint stack-overflow$' '#DF' 'guard' '^PASS'
expect all "scenario=all" 33 \
	'^checkpoint boot$' '^checkpoint pf-unmapped$' \
	'^checkpoint pf-write-code$' '^PASS'
expect unknown "scenario=no-such-thing" 35 'unknown scenario' 'pf-unmapped' '^FAIL'

# `halt`: the kernel stops after the checkpoint and stays up.
tl_qemu halt kernel "scenario=pf-unmapped halt"
if tl_wait_line "$T/halt.serial" '^checkpoint pf-unmapped$' 60; then
	sleep 1
	if ! kill -0 "$QPID" 2>/dev/null; then
		tl_fail "halt: QEMU exited instead of halting"
	elif grep -q '#PF' "$T/halt.serial"; then
		tl_fail "halt: the fault ran despite halt"
	else
		tl_ok "halt: stopped at the checkpoint"
	fi
else
	tl_fail "halt: no checkpoint line"
	tl_show "$T/halt.serial"
fi
tl_stop "$QPID"

tl_done
