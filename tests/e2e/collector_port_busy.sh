#!/usr/bin/env bash
# Scenario: nobody shares the collector's port (issue 17, defect 7).  The
# records socket used SO_REUSEADDR: a second collector on the same port
# started without error and took the traffic, and a local process that
# bound the port (SO_REUSEADDR too) acknowledged records, which their
# agents then deleted.  Now a second collector stops at start-up with a
# clear error, another process cannot bind the port, and -n checks that
# the address can be bound and is well formed, and that the store spec is.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/collector.sh"
e2e_init collector_port_busy
coll_need
coll_start
# A second collector on the same port.
sed "s|$E2E_TMP/store.db|$E2E_TMP/other.db|" "$E2E_TMP/collector.conf" > "$E2E_TMP/second.conf"
timeout 10 "$OOPSD_BIN/oops-collector" -f -c "$E2E_TMP/second.conf" > "$E2E_TMP/second.log" 2>&1 &&
	e2e_fail "a second collector started on a port in use"
grep -q "address in use" "$E2E_TMP/second.log" ||
	e2e_fail "no clear error: $(cat "$E2E_TMP/second.log")"
# Any other process, as another user when we can, with SO_REUSEADDR.
as_other=()
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	as_other=(setpriv --reuid=65534 --regid=65534 --clear-groups)
fi
"${as_other[@]}" /usr/bin/python3 - "$COLL_PORT" <<'PY' || e2e_fail "another process bound the collector's port"
import errno, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError as e:
    sys.exit(0 if e.errno == errno.EADDRINUSE else 1)
sys.exit(1)
PY
# -n: the busy port, a bad port, an empty store path.
"$OOPSD_BIN/oops-collector" -n -c "$E2E_TMP/second.conf" > "$E2E_TMP/n.log" 2>&1 &&
	e2e_fail "-n accepts an address that cannot be bound"
grep -q "cannot bind" "$E2E_TMP/n.log" || e2e_fail "-n: $(cat "$E2E_TMP/n.log")"
printf 'store = sqlite:%s/x.db\nlisten = udp://[::1]:99999\nuser =\n' "$E2E_TMP" > "$E2E_TMP/bad1.conf"
"$OOPSD_BIN/oops-collector" -n -c "$E2E_TMP/bad1.conf" > "$E2E_TMP/n1.log" 2>&1 &&
	e2e_fail "-n accepts udp://[::1]:99999"
grep -q "bad port" "$E2E_TMP/n1.log" || e2e_fail "-n: $(cat "$E2E_TMP/n1.log")"
printf 'store = sqlite:\nlisten = udp://127.0.0.1:%s\nuser =\n' "$(e2e_free_port udp)" > "$E2E_TMP/bad2.conf"
"$OOPSD_BIN/oops-collector" -n -c "$E2E_TMP/bad2.conf" > "$E2E_TMP/n2.log" 2>&1 &&
	e2e_fail "-n accepts store = sqlite:"
grep -q "SCHEME:PATH" "$E2E_TMP/n2.log" || e2e_fail "-n: $(cat "$E2E_TMP/n2.log")"
# The first collector still has its port and takes records.
coll_running || e2e_fail "the first collector is gone"
e2e_log "ok: second collector refused, port not shareable, -n checks the address and store"
