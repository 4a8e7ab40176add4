#!/usr/bin/env bash
# Scenario: at-least-once delivery becomes exactly-once storage.  An agent
# stand-in sends every datagram twice and retransmits aggressively (50 ms),
# then sends everything again as if its acks had been lost: every record
# is acknowledged, each is stored once, and `oopsctl top` counts each once.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/collector.sh"
e2e_init collector_dedupe
coll_need
coll_start rate_limit=100000000 rate_burst=1000000
n=3000
"$BLAST" -n $n -k 8 -w 32 -r 50 -d -t 60 -s 11 "$COLL_URL" ||
	e2e_fail "first pass: not every record acknowledged"
e2e_log "first pass acknowledged"
"$BLAST" -n $n -k 8 -w 32 -r 50 -t 60 -s 11 "$COLL_URL" ||
	e2e_fail "second pass: duplicates not acknowledged"
# The status file is rewritten every second: wait for the final counts.
coll_wait_stat stored $n 30 || e2e_fail "stored counter $(coll_stat stored), want $n"
coll_wait_stat duplicates $n 30 || e2e_fail "duplicates not counted: $(coll_stat duplicates)"
[ "$(coll_records)" -eq $n ] || e2e_fail "store has $(coll_records) records, want $n"
[ "$(coll_top_total)" -eq $n ] || e2e_fail "top counts $(coll_top_total), want $n"
[ "$(coll_stat stored)" -eq $n ] || e2e_fail "stored counter $(coll_stat stored), want $n"
e2e_log "ok: $n records stored once, $(coll_stat duplicates) duplicates acknowledged"
