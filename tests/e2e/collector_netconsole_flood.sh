#!/usr/bin/env bash
# Scenario: raw netconsole is charged like an agent (issue 17, defect 6).
# One source streams the same oops 200 times in a burst; with a rate of 60
# a minute and a burst of 10, about ten are stored and the rest counted as
# rate limited (before, every one was stored: 19,999 of 20,000).
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/collector.sh"
e2e_init collector_netconsole_flood
coll_need
ncport=$(e2e_free_port udp)
coll_start netconsole_listen=127.0.0.1:$ncport rate_limit=60 rate_burst=10
/usr/bin/python3 - "$ncport" "$E2E_ROOT/tests/data/netconsole/kernel-bug.log" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
lines = open(sys.argv[2], "rb").read().splitlines()
for i in range(200):
    for l in lines:
        # A different PID each time: 200 different crashes, not copies.
        l = l.replace(b"PID: 5678", b"PID: %d" % (1000 + i))
        s.sendto(l + b"\n", ("127.0.0.1", int(sys.argv[1])))
    if i % 20 == 19:
        time.sleep(0.01)  # the socket buffer, not the limit, is under test
PY
coll_wait_stat rate_limited 100 20 ||
	e2e_fail "netconsole reports not rate limited ($(coll_stat rate_limited))"
sleep 1.5 # the status file is rewritten every second
stored=
for _ in 1 2 3 4 5; do
	stored=$(coll_stat stored 2>/dev/null)
	[ -n "$stored" ] && break
	sleep 0.5
done
# Burst 10, plus what 60 a minute refills while the flood lasts.
[ "$stored" -le 15 ] || e2e_fail "$stored netconsole records stored, want <= 15"
[ "$stored" -ge 5 ] || e2e_fail "only $stored stored: the burst should pass"
e2e_log "ok: $stored stored, $(coll_stat rate_limited) rate limited"
