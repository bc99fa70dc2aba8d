#!/bin/sh
# tests/run.sh TEST... - run unit-test binaries and test scripts, print one
# line per test and a summary; exit 1 if any failed.  Logs go to
# build/tests/log/NAME.log and failing logs are printed.
TOP=$(cd "$(dirname "$0")/.." && pwd)
LOGDIR=$TOP/build/tests/log
mkdir -p "$LOGDIR"
pass=0 fail=0 skip=0 failed=""
for t in "$@"; do
	name=$(echo "$t" | sed "s|^$TOP/||; s|^build/tests/||; s|^tests/||; s|\.sh\$||; s|/|-|g")
	log=$LOGDIR/$name.log
	start=$(date +%s)
	TOP=$TOP "$t" >"$log" 2>&1
	rc=$?
	secs=$(( $(date +%s) - start ))
	if [ "$rc" -eq 0 ]; then
		pass=$((pass + 1)); printf 'PASS  %-40s %3ss\n' "$name" "$secs"
	elif [ "$rc" -eq 77 ]; then
		skip=$((skip + 1)); printf 'SKIP  %-40s %s\n' "$name" "$(tail -n1 "$log")"
	else
		fail=$((fail + 1)); failed="$failed $name"
		printf 'FAIL  %-40s %3ss (exit %s)\n' "$name" "$secs" "$rc"
		sed 's/^/    | /' "$log" | tail -n 60
	fi
done
echo "check: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ] || { echo "check: failed:$failed"; exit 1; }
