#!/usr/bin/env bash
# Scenario: with auth_key_file set, datagrams with the right HMAC tag are
# stored; no tag, another key, and fuzzed bytes are rejected, counted by
# reason, and get no acknowledgement.  The collector keeps serving.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/collector.sh"
e2e_init collector_auth
coll_need
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$E2E_TMP/key"
head -c 32 /dev/urandom >"$E2E_TMP/other.key"
chmod 600 "$E2E_TMP/key" "$E2E_TMP/other.key" # keys others can read are refused
coll_start auth_key_file="$E2E_TMP/key"
"$BLAST" -n 50 -t 20 -s 41 -K "$E2E_TMP/key" "$COLL_URL" ||
	e2e_fail "records with the right key not acknowledged"
! "$BLAST" -n 20 -t 2 -s 42 "$COLL_URL" >/dev/null ||
	e2e_fail "records without a tag were acknowledged"
! "$BLAST" -n 20 -t 2 -s 43 -K "$E2E_TMP/other.key" "$COLL_URL" >/dev/null ||
	e2e_fail "records with another key were acknowledged"
# Hostile bytes: random datagrams of every size.
port=${COLL_URL##*:}
exec 3>/dev/udp/127.0.0.1/"$port"
for i in $(seq 200); do
	head -c $((RANDOM % 3000 + 1)) /dev/urandom >&3
done
exec 3>&-
coll_wait_stat rejected_datagrams 200 30 || e2e_fail "rejects not counted"
[ "$(coll_stat rejected_no_tag)" -gt 0 ] || e2e_fail "no_tag not counted"
[ "$(coll_stat rejected_key_mismatch)" -gt 0 ] || [ "$(coll_stat rejected_bad_tag)" -gt 0 ] ||
	e2e_fail "wrong key not counted"
[ "$(coll_records)" -eq 50 ] || e2e_fail "store has $(coll_records) records, want 50"
"$BLAST" -n 10 -t 20 -s 44 -K "$E2E_TMP/key" "$COLL_URL" ||
	e2e_fail "collector stopped serving after hostile input"
grep ^rejected_ "$E2E_TMP/store.db.status"
e2e_log "ok"
