#!/bin/sh
# A host name whose name server never answers: ptdump gives up within
# --timeout, saying so, instead of waiting out the resolver's own
# retries (getaddrinfo has no deadline).  Needs root, for a mount
# namespace in which /etc/resolv.conf names a server on 127.0.0.1:53
# that drops every query; skipped (77) without.
. "$(dirname "$0")/../lib.sh"
PT=$B/ptdump
HOLE=$B/tests/udphole
for p in "$PT" "$HOLE"; do
	[ -x "$p" ] || { echo "missing $p (make test-progs)"; exit 1; }
done
if [ "$(id -u)" -ne 0 ] || ! unshare -m true 2>/dev/null; then
	echo "skipped: needs root and mount namespaces (unshare -m)"
	exit 77
fi
tl_init
"$HOLE" 127.0.0.1 53 >"$T/hole.out" 2>&1 &
hpid=$!
tl_pids="$tl_pids $hpid"
if ! tl_wait_line "$T/hole.out" '^ready$' 5; then
	echo "skipped: cannot listen on 127.0.0.1:53: $(cat "$T/hole.out")"
	exit 77
fi
printf 'nameserver 127.0.0.1\noptions timeout:10 attempts:3\n' >"$T/resolv.conf"
t0=$(date +%s%N)
unshare -m sh -c 'mount --bind "$1" /etc/resolv.conf && shift &&
    exec "$@"' sh "$T/resolv.conf" "$PT" --timeout 1 \
    -t stalled-name-server.invalid:1234 regs >"$T/out" 2>"$T/err"
rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
if [ "$rc" -eq 3 ] && [ "$ms" -le 2000 ] &&
    grep -qx 'ptdump: timed out looking up stalled-name-server.invalid (1000 ms)' "$T/err"; then
	tl_ok "a stalled name server: exit 3 in $ms ms: $(cat "$T/err")"
else
	tl_fail "a stalled name server: exit $rc in $ms ms:"; tl_show "$T/err"
fi
# Addresses never go to the resolver: the same namespace, an address.
dead=$(tl_free_port)
unshare -m sh -c 'mount --bind "$1" /etc/resolv.conf && shift &&
    exec "$@"' sh "$T/resolv.conf" "$PT" --timeout 1 \
    -t "127.0.0.1:$dead" regs >"$T/out" 2>"$T/err"
grep -q 'Connection refused' "$T/err" &&
	tl_ok "an address is not looked up: $(cat "$T/err")" ||
	{ tl_fail "an address: unexpected"; tl_show "$T/err"; }
tl_done
