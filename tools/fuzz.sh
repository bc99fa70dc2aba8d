#!/bin/sh
# tools/fuzz.sh SECONDS FUZZER... - run each libFuzzer target for
# SECONDS on its seed corpus (tests/fuzz/NAME/) and on what earlier runs
# found (build/fuzz/corpus/NAME/, which new inputs join), one after the
# other, and print the executions each made.  A crash leaves its input
# as build/fuzz/crash-NAME-* and fails the run: make it a seed and a
# regression test.
TOP=$(cd "$(dirname "$0")/.." && pwd)
secs=$1
shift
fail=0
for bin in "$@"; do
	name=$(basename "$bin" | sed 's/^fuzz_//')
	corpus=$TOP/build/fuzz/corpus/$name
	mkdir -p "$corpus"
	log=$TOP/build/fuzz/$name.log
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 \
	    -print_final_stats=1 -artifact_prefix="$TOP/build/fuzz/crash-$name-" \
	    "$corpus" "$TOP/tests/fuzz/$name" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	if [ "$rc" -eq 0 ]; then
		echo "fuzz: $name: ${runs:-?} executions in ${secs} s, no crash"
	else
		echo "fuzz: $name: FAILED after ${runs:-?} executions (exit $rc):"
		grep -E "ERROR|runtime error|SUMMARY|Test unit written" "$log" | head -n 8
		fail=1
	fi
done
exit $fail
