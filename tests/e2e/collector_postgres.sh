#!/usr/bin/env bash
# Scenario: several collectors share one PostgreSQL store.  On a throwaway
# server (its own directory, a Unix socket there, no TCP):
#  a. the store's unit tests run against it (test_store with OOPSD_TEST_PG);
#  b. two collectors (two ports on 127.0.0.1, one store) receive records,
#     some of them the same records sent to both at once: each record is
#     stored exactly once, both collectors acknowledge everything, and
#     `oopsctl top --store postgresql://...` counts every record once;
#  c. the server restarts while agents send to both collectors: the
#     collectors reconnect, the agents retransmit what was not acked, and
#     in the end nothing is lost and nothing is stored twice.
# After b and c, every aggregate equals a recount from the records.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/collector.sh"
. "$(dirname "$0")/lib/postgres.sh"
e2e_init collector_postgres
coll_need
pg_find_bin >/dev/null ||
	e2e_skip "PostgreSQL server binaries not installed (package postgresql; scripts/install-deps)"
"$OOPSD_BIN/oopsctl" top --store "postgresql:///x?host=/nonexistent" 2>&1 |
	grep -q "unknown or disabled store type" &&
	e2e_skip "built without CONFIG_STORE_POSTGRES"
e2e_at_exit pg_destroy
pg_start || e2e_fail "cannot start a PostgreSQL server"
e2e_log "PostgreSQL running in $PG_DIR ($PG_BIN)"

# a. The store's behaviour, on this server.
o=$E2E_ROOT/${O:-build}
(cd "$E2E_ROOT" && make -s O="$o" "$o/tests/bin/test_store") \
	>"$E2E_TMP/test-build.log" 2>&1 ||
	e2e_fail "test_store does not build: $(tail -n 3 "$E2E_TMP/test-build.log")"
OOPSD_TEST_PG=$PG_URI "$o/tests/bin/test_store" >"$E2E_TMP/test_store.log" 2>&1 ||
	e2e_fail "test_store against PostgreSQL: $(grep -E 'FAILED|ERROR|error' "$E2E_TMP/test_store.log" | head -n 10)"
grep -q "SKIPPED" "$E2E_TMP/test_store.log" &&
	e2e_fail "test_store skipped cases with OOPSD_TEST_PG set"
e2e_log "a. test_store: $(grep -c '\[       OK \]' "$E2E_TMP/test_store.log") cases passed (SQLite and PostgreSQL)"

# b. Two collectors, one store.
# pgc_start N: collector N on its own port, status file $E2E_TMP/cN.status.
pgc_start() {
	local n=$1 port
	port=$(e2e_free_port udp)
	eval "PGC${n}_URL=udp://127.0.0.1:$port"
	cat >"$E2E_TMP/c$n.conf" <<EOF
store = $PG_URI
listen = udp://127.0.0.1:$port
status_file = $E2E_TMP/c$n.status
user =
rate_limit = 100000000
rate_burst = 1000000
EOF
	"$OOPSD_BIN/oops-collector" -n -c "$E2E_TMP/c$n.conf" >/dev/null ||
		e2e_fail "collector $n config refused"
	e2e_bg "$E2E_TMP/c$n.log" "$OOPSD_BIN/oops-collector" -f -c "$E2E_TMP/c$n.conf"
	eval "PGC${n}_PID=$E2E_LAST_PID"
	e2e_wait_for 10 test -s "$E2E_TMP/c$n.status" ||
		e2e_fail "collector $n did not start: $(cat "$E2E_TMP/c$n.log")"
}

# stat N NAME: a counter of collector N.
stat() {
	awk -v k="$2" '$1 == k { print $2; f = 1 } END { if (!f) print 0 }' \
		"$E2E_TMP/c$1.status"
}
stored_total() { echo $(( $(stat 1 stored) + $(stat 2 stored) )); }
stored_ge() { [ "$(stored_total)" -ge "$1" ]; }
db_records() { pg_psql "SELECT count(*) FROM records"; }
db_records_ge() { [ "$(db_records)" -ge "$1" ]; }
top_total() {
	"$OOPSD_BIN/oopsctl" top --json --store "$PG_URI" |
		sed -n 's/.*"count":\([0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s + 0 }'
}

# recount: every aggregate equals what the records say; prints what differs.
recount() {
	pg_psql "
	SELECT 'signatures ' || s.sig FROM signatures s LEFT JOIN (SELECT sig,
	  count(*) n, count(DISTINCT host_key) h, min(seen_us) f,
	  max(seen_us) l FROM records GROUP BY sig) r ON r.sig = s.sig
	  WHERE r.n IS DISTINCT FROM s.count OR r.h IS DISTINCT FROM s.hosts
	  OR r.f IS DISTINCT FROM s.first_seen_us
	  OR r.l IS DISTINCT FROM s.last_seen_us
	UNION ALL SELECT 'no signature row ' || sig FROM
	  (SELECT sig FROM records EXCEPT SELECT sig FROM signatures) x
	UNION ALL SELECT 'sig_releases ' || a.sig FROM sig_releases a FULL JOIN
	  (SELECT sig, release, count(*) n FROM records GROUP BY 1, 2) r
	  USING (sig, release) WHERE r.n IS DISTINCT FROM a.count
	UNION ALL SELECT 'sig_hosts ' || a.sig FROM sig_hosts a FULL JOIN
	  (SELECT sig, host_key, count(*) n FROM records GROUP BY 1, 2) r
	  USING (sig, host_key) WHERE r.n IS DISTINCT FROM a.count
	UNION ALL SELECT 'hosts ' || h.host_key FROM hosts h FULL JOIN
	  (SELECT host_key, count(*) n, count(DISTINCT sig) g FROM records
	  GROUP BY 1) r USING (host_key)
	  WHERE r.n IS DISTINCT FROM h.count OR r.g IS DISTINCT FROM h.signatures
	UNION ALL SELECT 'sig_hours ' || a.sig FROM sig_hours a FULL JOIN
	  (SELECT sig, seen_us / 3600000000 AS hour, count(*) n FROM records
	  GROUP BY 1, 2) r USING (sig, hour) WHERE r.n IS DISTINCT FROM a.count"
}

# check WANT: the store holds WANT records, counted once everywhere.
check() {
	local want=$1 got bad
	got=$(db_records)
	[ "$got" -eq "$want" ] || e2e_fail "store has $got records, want $want"
	got=$("$OOPSD_BIN/oopsctl" export --json --store "$PG_URI" | wc -l)
	[ "$got" -eq "$want" ] || e2e_fail "oopsctl export lists $got records, want $want"
	got=$(top_total)
	[ "$got" -eq "$want" ] || e2e_fail "oopsctl top counts $got, want $want"
	bad=$(recount) || e2e_fail "recount query failed"
	[ -z "$bad" ] || e2e_fail "aggregates differ from a recount: $(head -n 5 <<<"$bad")"
	# Both collectors' counters agree with the store once they settle.
	e2e_wait_for 10 stored_ge "$want" ||
		e2e_fail "collectors counted $(stored_total) stored, want $want"
	[ "$(stored_total)" -eq "$want" ] ||
		e2e_fail "collectors counted $(stored_total) stored, want $want"
}

pgc_start 1
pgc_start 2
n=3000
# The same records (seed 21) to both collectors at once, each datagram
# twice; and records only one of them sees (seeds 22, 23).
e2e_bg "$E2E_TMP/b1.log" "$BLAST" -n $n -k 8 -w 32 -r 200 -d -t 90 -s 21 "$PGC1_URL"
b1=$E2E_LAST_PID
e2e_bg "$E2E_TMP/b2.log" "$BLAST" -n $n -k 8 -w 32 -r 200 -d -t 90 -s 21 -b 127.0.0.2 "$PGC2_URL"
b2=$E2E_LAST_PID
e2e_bg "$E2E_TMP/b3.log" "$BLAST" -n $n -k 16 -w 16 -r 200 -t 90 -s 22 "$PGC1_URL"
b3=$E2E_LAST_PID
e2e_bg "$E2E_TMP/b4.log" "$BLAST" -n $n -k 16 -w 16 -r 200 -t 90 -s 23 -b 127.0.0.3 "$PGC2_URL"
b4=$E2E_LAST_PID
for b in $b1 $b2 $b3 $b4; do
	wait "$b" || e2e_fail "an agent did not get every ack: $(cat "$E2E_TMP"/b*.log)"
done
e2e_log "b. $(cat "$E2E_TMP/b1.log")"
e2e_log "b. $(cat "$E2E_TMP/b2.log")"
check $((3 * n))
dups=$(( $(stat 1 duplicates) + $(stat 2 duplicates) ))
[ "$dups" -ge $n ] || e2e_fail "only $dups duplicates acknowledged, want >= $n"
e2e_log "b. ok: $((3 * n)) records stored once by two collectors" \
	"(collector 1 stored $(stat 1 stored), collector 2 $(stat 2 stored);" \
	"$dups duplicates acknowledged)"

# c. The server restarts while agents send to both collectors.  Small
# windows keep them sending for several seconds.
m=20000
base=$((3 * n))
e2e_bg "$E2E_TMP/c1.blast.log" "$BLAST" -n $m -k 8 -w 2 -r 300 -t 180 -s 31 "$PGC1_URL"
c1=$E2E_LAST_PID
e2e_bg "$E2E_TMP/c2.blast.log" "$BLAST" -n $m -k 8 -w 2 -r 300 -t 180 -s 32 -b 127.0.0.2 "$PGC2_URL"
c2=$E2E_LAST_PID
e2e_wait_for 60 db_records_ge $((base + 1000)) || e2e_fail "nothing stored before the restart"
e2e_log "c. restarting PostgreSQL after $(( $(db_records) - base )) new records"
pg_restart || e2e_fail "PostgreSQL did not restart: $(tail -n 5 "$PG_DIR/server.log")"
wait "$c1" || e2e_fail "agent 1 did not get every ack: $(cat "$E2E_TMP/c1.blast.log")"
wait "$c2" || e2e_fail "agent 2 did not get every ack: $(cat "$E2E_TMP/c2.blast.log")"
e2e_log "c. $(cat "$E2E_TMP/c1.blast.log")"
e2e_log "c. $(cat "$E2E_TMP/c2.blast.log")"
for c in 1 2; do
	kill -0 "$(eval echo "\$PGC${c}_PID")" 2>/dev/null ||
		e2e_fail "collector $c died: $(tail -n 5 "$E2E_TMP/c$c.log")"
	grep -q "reconnected" "$E2E_TMP/c$c.log" ||
		e2e_fail "collector $c never lost its connection: the restart came too late"
done
check $((base + 2 * m))
# Both stop cleanly (what a sanitizer build finds at exit is a failure).
for c in 1 2; do
	e2e_stop "$(eval echo "\$PGC${c}_PID")" TERM
	if grep -E "Sanitizer|runtime error" "$E2E_TMP/c$c.log" >/dev/null; then
		e2e_fail "collector $c: $(grep -E -m 3 "Sanitizer|runtime error" "$E2E_TMP/c$c.log")"
	fi
done
e2e_log "c. ok: $((2 * m)) records across a server restart, each stored once;" \
	"store errors (batches not acked, retransmitted): $(stat 1 store_errors) and $(stat 2 store_errors)"
e2e_log "ok"
