#!/bin/bash
# web_postgres - oops-web over a PostgreSQL store: the same answers as
# oopsctl on the same database.  A throwaway server (Unix socket only)
# gets 20,000 records (bench/storegen.c through the store API); oops-web
# serves it with a users file; the crash list and a signature in JSON are
# compared with `oopsctl top/show --json`, a triage set through the web is
# what oopsctl reads back, an ignored signature leaves the list, /metrics
# passes promtool and counts every record.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/postgres.sh"
e2e_init web_postgres
e2e_need_cmd curl promtool openssl /usr/bin/python3
e2e_need_bin oops-web oopsctl
o=$E2E_ROOT/${O:-build}
(cd "$E2E_ROOT" && make -s O="$o" "$o/bench/bin/storegen") >"$E2E_TMP/build.log" 2>&1 ||
	e2e_skip "storegen does not build"
pg_start 2>"$E2E_TMP/pg.err" || e2e_skip "no PostgreSQL server: $(cat "$E2E_TMP/pg.err")"
e2e_at_exit pg_destroy
N=20000
"$o/bench/bin/storegen" "$PG_URI" "$N" 300 50 2000 >/dev/null || e2e_fail "storegen into PostgreSQL"
ctl() { "$OOPSD_BIN/oopsctl" "$@" --store "$PG_URI"; }

PASS=pg-web-pass
echo "bob:$(openssl passwd -6 "$PASS")" > "$E2E_TMP/users"
WPORT=$(e2e_free_port tcp)
URL=http://127.0.0.1:$WPORT
printf 'listen = 127.0.0.1:%s\nstore = %s\nusers_file = %s\nuser =\nseccomp = kill\n' \
	"$WPORT" "$PG_URI" "$E2E_TMP/users" > "$E2E_TMP/web.conf"
e2e_bg "$E2E_TMP/web.log" "$OOPSD_BIN/oops-web" -f -c "$E2E_TMP/web.conf"
web_up() { curl -sf -o /dev/null "$URL/style.css"; }
e2e_wait_for 10 web_up || { cat "$E2E_TMP/web.log"; e2e_fail "oops-web did not start"; }

ctl top --json --limit 1000 > "$E2E_TMP/top.jsonl" || e2e_fail "oopsctl top"
sig=$(head -n 1 "$E2E_TMP/top.jsonl" | sed -n 's/.*"signature":"\([0-9a-f]*\)".*/\1/p')
other=$(sed -n '2s/.*"signature":"\([0-9a-f]*\)".*/\1/p' "$E2E_TMP/top.jsonl")
[ "$(curl -s -o "$E2E_TMP/post.out" -w '%{http_code}' -u "bob:$PASS" \
	--data "state=fixed&fixed_in=6.9&bug=https%3A%2F%2Fb%2F2" "$URL/api/v1/sig/$sig/triage")" = 200 ] ||
	e2e_fail "triage through the web: $(cat "$E2E_TMP/post.out")"
ctl triage "$other" --state ignored >/dev/null || e2e_fail "oopsctl triage"
ctl top --json --limit 1000 > "$E2E_TMP/top.jsonl"
ctl show "$sig" --json > "$E2E_TMP/show.json" || e2e_fail "oopsctl show"
curl -sf "$URL/api/v1/?per=200" > "$E2E_TMP/p1.json" || e2e_fail "GET /api/v1/"
curl -sf "$URL/api/v1/?per=200&page=2" > "$E2E_TMP/p2.json" || e2e_fail "GET /api/v1/?page=2"
curl -sf "$URL/api/v1/sig/$sig" > "$E2E_TMP/sig.json" || e2e_fail "GET /api/v1/sig"
/usr/bin/python3 - "$E2E_TMP" "$other" <<'EOF' || e2e_fail "the API and oopsctl --json disagree"
import json, sys
d, other = sys.argv[1], sys.argv[2]
top = [json.loads(l) for l in open(f"{d}/top.jsonl") if l.strip()]
p1, p2 = json.load(open(f"{d}/p1.json")), json.load(open(f"{d}/p2.json"))
api = p1["crashes"] + p2["crashes"]
assert p1["total"] == len(top) == 299, (p1["total"], len(top))
assert other not in [s["signature"] for s in api]
assert len(api) == len(top)
for a, t in zip(api, top):
    for k in t:
        assert a[k] == t[k], (k, a[k], t[k])
show, sig = json.load(open(f"{d}/show.json")), json.load(open(f"{d}/sig.json"))
for k in ("signature", "title", "count", "hosts", "kernels", "by_host", "triage"):
    assert sig[k] == show[k], k
assert show["triage"]["state"] == "fixed" and show["triage"]["fixed_in"] == "6.9"
EOF
curl -sf "$URL/metrics" > "$E2E_TMP/metrics" || e2e_fail "GET /metrics"
promtool check metrics < "$E2E_TMP/metrics" || e2e_fail "promtool rejects /metrics"
m=$(awk '/^oopsd_records\{/ { s += $2 } END { print s + 0 }' "$E2E_TMP/metrics")
[ "$m" -eq "$N" ] || e2e_fail "metrics count $m records, want $N"
e2e_log "ok"
