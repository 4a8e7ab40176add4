#!/usr/bin/env bash
# Scenario: the netconsole relay source.  oops-agent listens for
# netconsole on loopback; a "machine" streams a WARNING as legacy
# netconsole lines; the agent parses it and ships it to oops-collector as
# a netconsole record naming the sender.  Then extended-format senders:
# one with msgid sysdata whose sequence numbers jump before its report
# (messages below the console loglevel are never sent, the msgids run on)
# must arrive complete; one that loses a message inside its report, and
# one without msgid whose sequence jumps just before its report (lost or
# filtered cannot be told apart: the header may be what was lost), must
# arrive incomplete.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/agent.sh"
e2e_init agent_netconsole_relay
e2e_need_bin oops-agent oops-collector oopsctl
e2e_need_config AGENT_NETCONSOLE
agent_setup

port=$(e2e_free_port udp)
ncport=$(e2e_free_port udp)
col_start "$port"
agent_conf collector="udp://127.0.0.1:$port" pstore_dir= netconsole_listen="127.0.0.1:$ncport"
agent_start
e2e_wait_for 10 grep -q "source netconsole started" "$AG_LOG" || e2e_fail "relay did not start"
/usr/bin/python3 - "$ncport" "$E2E_ROOT/tests/data/agent/warning.log" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
lines = open(sys.argv[2]).read().splitlines()
lines.append("a normal line after the report")
for i, l in enumerate(lines):
    s.sendto(("[  321.%06d] %s\n" % (i, l)).encode(), ("127.0.0.1", int(sys.argv[1])))
    time.sleep(0.002)
PY
e2e_wait_for 30 col_has 1 || e2e_fail "relayed crash not stored (agent: $(agent_status netconsole_reports) reports)"
col_export | /usr/bin/python3 -c '
import json, sys
r = json.loads(sys.stdin.readline())
assert r["title"] == "WARNING in foo_tx", r["title"]
assert r["source"] == "netconsole", r["source"]
assert r["sender"].startswith("127.0.0.1:"), r
' || e2e_fail "stored record: $(col_export | head -c 400)"

/usr/bin/python3 - "$ncport" "$E2E_ROOT/tests/data/agent/warning.log" <<'PY'
import socket, sys, time
lines = open(sys.argv[2]).read().splitlines()
def send(func, first_seq, drop_inside, msgid=False):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    dst = ("127.0.0.1", int(sys.argv[1]))
    seq = first_seq
    sent = [0]
    def out(text):
        sent[0] += 1
        sysdata = "\n msgid=%d" % sent[0] if msgid else ""
        s.sendto(("6,%d,%d,-;%s%s" % (seq, 5000000 + seq * 10, text, sysdata)).encode(), dst)
        time.sleep(0.002)
    # Ordinary lines first: a report starting right where the receiver
    # first hears a sender is not known to be whole.
    for k in range(10):
        out("before the gap %d" % k)
        seq += 1
    seq += 39 # filtered by the console loglevel: never sent
    for i, l in enumerate(lines):
        if not (drop_inside and i == 12):
            out(l.replace("foo_tx", func))
        seq += 1
    for k in range(3):
        out("a normal line after the report %d" % k)
        seq += 1
send("gap_before", 1, False, msgid=True)
send("gap_inside", 1, True)
send("gap_unknown", 1, False)
PY
e2e_wait_for 60 col_has 4 || e2e_fail "extended-format crashes not stored: $(col_stored)/4"
col_export | /usr/bin/python3 -c '
import json, sys
recs = {}
for l in sys.stdin:
    if l.strip():
        r = json.loads(l)
        recs[r["title"]] = r
before = recs["WARNING in gap_before"]
assert before["origin"]["complete"] if "origin" in before else before["complete"], before
inside = recs["WARNING in gap_inside"]
o = inside.get("origin", inside)
assert not o["complete"] and o["lost_messages"] >= 1, o
unknown = recs["WARNING in gap_unknown"]
o = unknown.get("origin", unknown)
assert not o["complete"] and o["lost_messages"] == 39, o
' || e2e_fail "gap accounting wrong: $(col_export | grep -o '"title":"[^"]*"\|"complete":[a-z]*\|"lost_messages":[0-9]*' | tr '\n' ' ')"
e2e_wait_for 10 spool_empty || e2e_fail "spool not empty"
agent_stop
col_stop
e2e_log "pass"
