#!/bin/sh
# A guest whose tables no walker can list: scenario=hostile-fanout, one
# table that names itself in every entry (512^3 pages under one top
# entry).  Every command must end in bounded time and memory with a
# line that names the budget that stopped it and the option that raises
# it.  (The other hostile tables, scenario=hostile, are a golden dump
# checked against QEMU's own walker: tests/golden/hostile.ptdump.)
. "$(dirname "$0")/../lib.sh"
tl_init
# The plain build: time and memory are what is measured here.
PLAIN=$B/ptdump
LIMIT_S=20
# Address space for the whole process, in KiB.
VMEM_KIB=$((512 * 1024))

# bounded WANT WHAT ARGS...: ptdump ARGS under a memory cap ends with
# status WANT within LIMIT_S seconds; output in $T/out, $T/err.
bounded() {
	want=$1 what=$2
	shift 2
	t0=$(date +%s)
	(ulimit -v "$VMEM_KIB" && exec timeout "$LIMIT_S" "$PLAIN" \
	    -t "127.0.0.1:$GDBPORT" "$@") >"$T/out" 2>"$T/err"
	rc=$?
	secs=$(( $(date +%s) - t0 ))
	if [ "$rc" -eq "$want" ]; then
		tl_ok "$what: exit $rc in ${secs}s under a ${VMEM_KIB} KiB cap"
		return 0
	fi
	tl_fail "$what: exit $rc, want $want (124: over ${LIMIT_S}s)"
	tail -n 3 "$T/out" | tl_show /dev/stdin
	tl_show "$T/err"
	return 1
}

tl_boot_halted fanout hostile-fanout ||
	{ tl_fail "hostile-fanout did not reach its checkpoint"; tl_done; }

# dump: a million leaves, then the last line says where it stopped.
if bounded 0 "dump" dump; then
	if tail -n 1 "$T/out" | grep -q '^\.\.\. stopped after 1048576 entries: the rest, from 0x00007f8[0-9a-f]*, is not shown (raise --max-entries or narrow the range)$'; then
		tl_ok "dump: stopped by --max-entries, and says so"
	else
		tl_fail "dump: the last line does not name --max-entries:"
		tail -n 1 "$T/out" | tl_show /dev/stdin
	fi
fi

# The table budget stops a walk that visits tables and finds few
# leaves (here: only their first entries asked for).
if bounded 0 "dump --max-tables 300" --max-tables 300 --max-entries 100000000 \
    dump 0x7f8000000000-0x800000000000; then
	if tail -n 1 "$T/out" | grep -q 'raise --max-tables or narrow the range)$'; then
		tl_ok "dump --max-tables: stopped by the table budget, and says so"
	else
		tl_fail "dump --max-tables: the last line does not name --max-tables:"
		tail -n 1 "$T/out" | tl_show /dev/stdin
	fi
fi

# JSON: one object, truncated, with where to resume.
if bounded 0 "dump --format json" --format json --max-entries 5000 dump; then
	if grep -q '"truncated":true,"resume_va":"0x7f80' "$T/out" &&
	    head -c 1 "$T/out" | grep -q '{' &&
	    tail -c 3 "$T/out" | grep -q '}'; then
		tl_ok "dump --format json: truncated, with resume_va"
	else
		tl_fail "dump --format json: no truncated/resume_va"
		tail -c 300 "$T/out" | tl_show /dev/stdin
	fi
fi

# check claims nothing about an address space seen in part.
if bounded 3 "check" check; then
	grep -q '^ptdump: check: the walk stopped at 0x[0-9a-f]* (raise --max-entries): nothing is claimed about an address space seen in part$' "$T/err" &&
		tl_ok "check: says why it claims nothing, and what to raise" ||
		{ tl_fail "check: message"; tl_show "$T/err"; }
fi

# One translation is four steps, whatever the tables do.
bounded 0 "walk" walk 0x7f8000000000 &&
	grep -q '^  PTE     0 at .* -> page 0x' "$T/out" &&
	tl_ok "walk: four steps to a 4 KiB page" ||
	{ tl_fail "walk: no PTE step"; tl_show "$T/out"; }
tl_stop "$QPID"
tl_done
