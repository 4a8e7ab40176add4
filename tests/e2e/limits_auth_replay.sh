#!/usr/bin/env bash
# Scenario: authentication end to end against an attacker on the path.
# Agents' datagrams (oopsblast with the key) pass through a recording relay;
# afterwards the attacker sends every recorded datagram again (replays),
# truncated copies of each (cut at a random length) and copies with one
# flipped bit.  Every one is refused, counted by reason (replayed, stale,
# malformed/bad_tag) and never acknowledged; the store holds each record
# exactly once.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/collector.sh"
e2e_init limits_auth_replay
coll_need
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$E2E_TMP/key"
chmod 600 "$E2E_TMP/key"
coll_start auth_key_file="$E2E_TMP/key" rate_limit=100000000 rate_burst=1000000
rport=$(e2e_free_port udp)
cat >"$E2E_TMP/relay.py" <<'PY'
# A relay that records every client datagram (length-prefixed) to a file.
import selectors, signal, socket, struct, sys
lp, tp, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
out = open(path, "wb")
stop = []
signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
ls = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
ls.bind(("127.0.0.1", lp))
up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
up.connect(("127.0.0.1", tp))
sel = selectors.DefaultSelector()
sel.register(ls, selectors.EVENT_READ, "in")
sel.register(up, selectors.EVENT_READ, "up")
client = None
print("ready", flush=True)
while not stop:
    for key, _ in sel.select(0.2):
        if key.data == "in":
            data, client = ls.recvfrom(65536)
            out.write(struct.pack(">I", len(data)) + data)
            out.flush()
            up.send(data)
        else:
            data = up.recv(65536)
            if client:
                ls.sendto(data, client)
PY
e2e_bg "$E2E_TMP/relay.log" /usr/bin/python3 "$E2E_TMP/relay.py" "$rport" \
	"$COLL_PORT" "$E2E_TMP/dgrams"
RELAY_PID=$E2E_LAST_PID
e2e_wait_for 5 grep -q ready "$E2E_TMP/relay.log" || e2e_fail "relay did not start"
n=400
"$BLAST" -n $n -k 4 -w 16 -t 60 -s 21 -K "$E2E_TMP/key" "udp://127.0.0.1:$rport" ||
	e2e_fail "records with the key through the relay not acknowledged"
e2e_stop "$RELAY_PID"
coll_wait_stat stored $n 30 || e2e_fail "stored $(coll_stat stored), want $n"
before_rej=$(coll_stat rejected_datagrams)

# The attack: replay all, truncate all, flip a bit in all; count acks.
/usr/bin/python3 - "$COLL_PORT" "$E2E_TMP/dgrams" >"$E2E_TMP/attack.log" <<'PY'
import random, socket, struct, sys, time
port, path = int(sys.argv[1]), sys.argv[2]
data = open(path, "rb").read()
dgrams, off = [], 0
while off < len(data):
    (n,) = struct.unpack(">I", data[off:off + 4])
    dgrams.append(data[off + 4:off + 4 + n])
    off += 4 + n
rnd = random.Random(7)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect(("127.0.0.1", port))
s.setblocking(False)
sent = {"replay": 0, "truncated": 0, "flipped": 0}
for d in dgrams:
    s.send(d); sent["replay"] += 1
    s.send(d[:rnd.randrange(1, len(d))]); sent["truncated"] += 1
    b = bytearray(d); i = rnd.randrange(len(b)); b[i] ^= 1 << rnd.randrange(8)
    s.send(bytes(b)); sent["flipped"] += 1
    time.sleep(0.0005)
time.sleep(2)
acks = 0
while True:
    try:
        s.recv(65536); acks += 1
    except BlockingIOError:
        break
print("sent", len(dgrams), sent["replay"], sent["truncated"], sent["flipped"], "acks", acks)
PY
read -r _ nd nrep ntr nfl _ acks <"$E2E_TMP/attack.log"
e2e_log "attack: $nd recorded datagrams: $nrep replays, $ntr truncated, $nfl flipped; $acks acks"
[ "$acks" -eq 0 ] || e2e_fail "$acks attack datagrams were acknowledged"
total=$((nrep + ntr + nfl))
coll_wait_stat rejected_datagrams $((before_rej + total)) 30 ||
	e2e_fail "rejected $(( $(coll_stat rejected_datagrams) - before_rej )) of $total"
replayed=$(( $(coll_stat rejected_replayed) + $(coll_stat rejected_stale) ))
[ "$replayed" -ge "$nrep" ] || e2e_fail "only $replayed of $nrep replays refused as replayed/stale"
e2e_log "rejected: replayed $(coll_stat rejected_replayed), stale $(coll_stat rejected_stale)," \
	"malformed $(coll_stat rejected_malformed), bad_tag $(coll_stat rejected_bad_tag)," \
	"no_tag $(coll_stat rejected_no_tag)"
[ "$(coll_records)" -eq $n ] || e2e_fail "store has $(coll_records) records, want $n"
[ "$(coll_stat stored)" -eq $n ] || e2e_fail "stored $(coll_stat stored), want $n"
coll_running || e2e_fail "the collector died"
e2e_log "pass"
