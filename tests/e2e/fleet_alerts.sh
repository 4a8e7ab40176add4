#!/usr/bin/env bash
# Scenario: alerts, end to end.  A real agent ships WARNING reports (a
# kmsg file, one step at a time) to a real collector whose alerts go to an
# exec hook and to a webhook: a small HTTP receiver (python3 http.server)
# on 127.0.0.1 that keeps every JSON body it is POSTed.
#  1. a new signature                           -> new_signature
#  2. the same signature on a new kernel        -> new_release
#  3. marked fixed in 6.1.0-23 (a triage row written with the sqlite3
#     CLI, as oopsctl triage would), seen again on 6.1.0-22 (older): none;
#     on 6.1.0-24-amd64                        -> regression
#  4. the collector restarts: nothing is sent again
#  5. the receiver is down when another new signature comes: the delivery
#     fails and is counted; once the receiver is back, it is retried and
#     arrives.
# At the end the receiver holds exactly these 4 alerts, once each, in
# order, each linking to alert_base_url/sig/SIGNATURE; the hook saw the
# same alerts (at least once: it runs before the webhook on each try).
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/agent.sh"
. "$(dirname "$0")/lib/collector.sh"
e2e_init fleet_alerts
e2e_need_cmd python3
e2e_need_cmd sqlite3
coll_need
agent_setup

# The receiver: appends each POSTed body as a line to $E2E_TMP/hook.jsonl.
cat >"$E2E_TMP/receiver.py" <<'EOF'
import http.server, json, sys

class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        json.loads(body)
        assert self.headers.get("Content-Type") == "application/json"
        with open(sys.argv[2], "ab") as f:
            f.write(body + b"\n")
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass

srv = http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
print("ready", flush=True)
srv.serve_forever()
EOF
HTTP_PORT=$(e2e_free_port tcp)
HOOK=$E2E_TMP/hook.jsonl
EXEC=$E2E_TMP/exec.jsonl
: >"$HOOK"
: >"$EXEC"
recv_start() {
	e2e_bg "$E2E_TMP/receiver.log" python3 "$E2E_TMP/receiver.py" "$HTTP_PORT" "$HOOK"
	RECV_PID=$E2E_LAST_PID
	e2e_wait_for 10 grep -q ready "$E2E_TMP/receiver.log" || e2e_fail "receiver did not start"
}
recv_start

collector() {
	coll_start alert_webhook="http://127.0.0.1:$HTTP_PORT/hooks/oopsd" \
		alert_exec="{ cat; echo; } >>$EXEC" \
		alert_base_url=http://dash.example:8514/ \
		alert_retry_min=1s alert_retry_max=2s alert_timeout=2s
}
collector

# step RELEASE FUNC: one more report, WARNING in FUNC on kernel RELEASE,
# appended to the kmsg file the agent reads (from the start: the reports
# it sent before come back as duplicates and raise nothing).
SEQ=100
step() {
	agent_kmsg_gen 1 "$2" "$SEQ" | sed "s/6\.1\.0-21-amd64/$1/" >>"$E2E_TMP/kmsg"
	SEQ=$((SEQ + 100))
	local want=$(( $(coll_records) + 1 ))
	agent_conf collector="$COLL_URL" kmsg=yes kmsg_path="$E2E_TMP/kmsg" pstore_dir= \
		heartbeat_interval=0
	agent_start
	e2e_wait_for 20 records_ge "$want" || e2e_fail "record on $1 not stored"
	e2e_wait_for 10 spool_empty || e2e_fail "agent spool not empty"
	agent_stop
}
records_ge() { [ "$(coll_records)" -ge "$1" ]; }
alerts() { grep -c . "$HOOK"; }
alerts_ge() { [ "$(alerts)" -ge "$1" ]; }
sig_of() {
	"$OOPSD_BIN/oopsctl" top --json --store "$COLL_STORE" |
		python3 -c 'import json,sys
for l in sys.stdin:
    s = json.loads(l)
    if s["title"] == sys.argv[1]: print(s["signature"])' "$1"
}

# 1. New signature.
step 6.1.0-21-amd64 1
e2e_wait_for 10 alerts_ge 1 || e2e_fail "no alert for a new signature"
SIG1=$(sig_of "WARNING in foo_tx1")
[ -n "$SIG1" ] || e2e_fail "no signature for foo_tx1"
e2e_log "1. new signature $SIG1: $(alerts) alert(s)"

# 2. New release.
step 6.1.0-22-amd64 1
e2e_wait_for 10 alerts_ge 2 || e2e_fail "no alert for a new release"
e2e_log "2. new release: $(alerts) alert(s)"

# 3. Fixed in 6.1.0-23; seen on 6.1.0-22 again (no alert), then on -24.
sqlite3 "$E2E_TMP/store.db" "PRAGMA busy_timeout = 5000; INSERT INTO triage(sig, state, fixed_in, updated_us)
	VALUES('$SIG1', 'fixed', '6.1.0-23', $(date +%s)000000)" >/dev/null ||
	e2e_fail "cannot write the triage row"
step 6.1.0-22-amd64 1
step 6.1.0-24-amd64 1
e2e_wait_for 10 alerts_ge 3 || e2e_fail "no regression alert"
e2e_log "3. regression: $(alerts) alert(s)"

# 4. A restart sends nothing again (checked with the final list).
e2e_stop "$COLL_PID" TERM
collector

# 5. Receiver down: the delivery fails, then is retried.
e2e_stop "$RECV_PID" TERM
step 6.1.0-24-amd64 2
e2e_wait_for 15 coll_stat_ge alerts_failed 1 || e2e_fail "failed delivery not counted"
[ "$(alerts)" -eq 3 ] || e2e_fail "$(alerts) alerts while the receiver was down"
# The operator sees why it waits.
"$OOPSD_BIN/oopsctl" alerts --pending --json --store "$COLL_STORE" >"$E2E_TMP/pending.json" ||
	e2e_fail "oopsctl alerts --pending: nothing pending"
python3 -c 'import json, sys
a = [json.loads(l) for l in open(sys.argv[1])]
assert len(a) == 1 and a[0]["kind"] == "new_signature", a
assert a[0]["state"] == "retrying" and "connect" in a[0]["last_error"], a' \
	"$E2E_TMP/pending.json" || e2e_fail "pending alerts: $(cat "$E2E_TMP/pending.json")"
recv_start
e2e_wait_for 15 alerts_ge 4 || e2e_fail "alert not retried after the receiver came back"
e2e_wait_for 5 coll_stat_ge alerts_delivered 1 || e2e_fail "delivery not counted"
SIG2=$(sig_of "WARNING in foo_tx2")
e2e_log "5. retried after $(coll_stat alerts_failed) failure(s)"

# Exactly the expected alerts, once each, in order.  A last step (a
# known signature on a known release: no alert) flushes anything pending.
step 6.1.0-24-amd64 2
e2e_wait_for 5 coll_stat_ge alerts_delivered 1
python3 - "$HOOK" "$SIG1" "$SIG2" <<'EOF' || e2e_fail "webhook alerts: $(cat "$HOOK")"
import json, sys
got = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
s1, s2 = sys.argv[2], sys.argv[3]
want = [("new_signature", s1, "6.1.0-21-amd64"),
        ("new_release", s1, "6.1.0-22-amd64"),
        ("regression", s1, "6.1.0-24-amd64"),
        ("new_signature", s2, "6.1.0-24-amd64")]
have = [(a["kind"], a["signature"], a["release"]) for a in got]
if have != want:
    sys.exit("got %s\nwant %s" % (have, want))
for a in got:
    assert a["url"] == "http://dash.example:8514/sig/" + a["signature"], a["url"]
    assert a["title"].startswith("WARNING in foo_tx"), a["title"]
    assert a["count"] >= 1 and a["seen_us"] > 0 and a["host"], a
assert got[3]["attempt"] >= 2, got[3]
print("ok")
EOF
"$OOPSD_BIN/oopsctl" alerts --store "$COLL_STORE" >"$E2E_TMP/alerts.txt"
[ "$(grep -c ' delivered ' "$E2E_TMP/alerts.txt")" -eq 4 ] ||
	e2e_fail "oopsctl alerts: $(cat "$E2E_TMP/alerts.txt")"
"$OOPSD_BIN/oopsctl" alerts --pending --store "$COLL_STORE" >/dev/null &&
	e2e_fail "alerts still pending"
# The hook: the same alerts (duplicates allowed for the retried one).
python3 - "$EXEC" "$HOOK" <<'EOF' || e2e_fail "exec hook alerts: $(cat "$EXEC")"
import json, sys
hook = [json.loads(l)["key"] for l in open(sys.argv[2]) if l.strip()]
ex = [json.loads(l)["key"] for l in open(sys.argv[1]) if l.strip()]
if sorted(set(ex)) != sorted(hook) or len(ex) < len(hook):
    sys.exit("exec %s, webhook %s" % (ex, hook))
EOF
e2e_stop "$COLL_PID" TERM
e2e_log "ok: 4 alerts, each once, across a restart and a receiver outage"
