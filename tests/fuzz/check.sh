#!/bin/sh
# Each libFuzzer target, briefly: every seed under tests/fuzz/NAME/ and
# FUZZ_RUNS (default 3000) inputs made from them, under ASan and UBSan.
# `make fuzz` runs them for longer.
. "$(dirname "$0")/../lib.sh"
RUNS=${FUZZ_RUNS:-3000}
tl_init
for src in "$TOP"/tests/fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	bin=$B/fuzz/$name
	short=${name#fuzz_}
	if [ ! -x "$bin" ]; then
		tl_fail "$bin is missing (make test-progs)"
		continue
	fi
	mkdir -p "$T/$short"
	# The seeds go through as they are first, then -runs new inputs.
	if "$bin" -runs="$RUNS" -seed=1 -timeout=10 -rss_limit_mb=1024 \
	    -artifact_prefix="$T/crash-" "$T/$short" "$TOP/tests/fuzz/$short" \
	    >"$T/$short.log" 2>&1; then
		tl_ok "$short: the seeds and $RUNS inputs, no crash"
	else
		tl_fail "$short: crashed:"
		grep -E "ERROR|runtime error|SUMMARY" "$T/$short.log" | head -n 8
	fi
done
tl_done
