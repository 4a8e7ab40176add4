#!/usr/bin/env bash
# Scenario: what an operator reads.  `oopsctl collector-status` shows times
# as dates and ages (not raw microseconds), exits 0 while a collector runs
# and 1 once it stopped (saying so); `oopsctl export --signature` takes a
# prefix like `show` does, and says when it finds nothing (exit 1); a
# reload (SIGHUP) re-reads the file: log_level and retention applied,
# a key that needs a restart named.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/collector.sh"
e2e_init oopsctl_status_export
coll_need
coll_start
"$BLAST" -n 20 -k 2 -t 30 -s 3 "$COLL_URL" || e2e_fail "records not acknowledged"
coll_wait_stat stored 20 30 || e2e_fail "not stored"
CTL=$OOPSD_BIN/oopsctl

out=$("$CTL" collector-status --store "$COLL_STORE") || e2e_fail "exit $? while running"
echo "$out" | head -5
grep -Eq 'started_us +20[0-9]{2}-[0-9]{2}-[0-9]{2} [0-9:]{8} UTC \([0-9]+s ago\)' <<<"$out" ||
	e2e_fail "started_us not shown as a date and age"
"$CTL" collector-status --json --store "$COLL_STORE" |
	/usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["running"] and d["started_us"] > 10**15, d' ||
	e2e_fail "--json lost the raw numbers"

# export --signature: full, prefix, nothing.
sig=$("$CTL" top --json --store "$COLL_STORE" | head -n 1 |
	/usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["signature"])')
[ -n "$sig" ] || e2e_fail "no signature from top"
nfull=$("$CTL" export --signature "$sig" --store "$COLL_STORE" | wc -l)
npre=$("$CTL" export --signature "${sig:0:6}" --store "$COLL_STORE" | wc -l)
[ "$nfull" -ge 1 ] && [ "$npre" = "$nfull" ] || e2e_fail "prefix: $npre records, full: $nfull"
nosig=ffff${sig:4}
[ "$nosig" = "$sig" ] && nosig=0000${sig:4}
out=$("$CTL" export --signature "$nosig" --store "$COLL_STORE" 2>&1 >/dev/null); rc=$?
[ $rc = 1 ] && grep -q "no signature $nosig" <<<"$out" || e2e_fail "no match: exit $rc, '$out'"
e2e_log "export: prefix and nothing-found ok"

# Reload: log_level and retention re-read, a restart key named.
cp "$E2E_TMP/collector.conf" "$E2E_TMP/collector.conf.orig"
{ echo "retention_count = 5"; echo "batch_max = 7"; } >>"$E2E_TMP/collector.conf"
kill -HUP "$COLL_PID"
log=$(ls -t "$E2E_TMP"/collector.*.log | head -n 1)
e2e_wait_for 10 grep -q 'reloaded .*retention_count 5' "$log" || e2e_fail "reload did not re-read"
grep -q 'reload: batch_max changed: takes effect after a restart' "$log" ||
	e2e_fail "restart key not named"
# Applied at once (each signature keeps its example record).
e2e_wait_for 10 grep -q 'retention: [0-9]* record(s) deleted' "$log" ||
	e2e_fail "retention not applied on reload"
[ "$(coll_records)" -lt 20 ] || e2e_fail "nothing deleted"
coll_wait_stat reloads 1 10 || e2e_fail "reloads counter"

e2e_stop "$COLL_PID"
out=$("$CTL" collector-status --store "$COLL_STORE"); rc=$?
[ $rc = 1 ] || e2e_fail "exit $rc with no collector running"
grep -q 'NOT RUNNING' <<<"$out" || e2e_fail "not said: $out"
e2e_log "pass"
