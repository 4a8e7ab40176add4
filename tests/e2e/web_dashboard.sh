#!/bin/bash
# web_dashboard - what a person sees in oops-web, checked in a real browser.
#
# Six real agents (each its own process, hostname, machine id and pstore
# folder of real ramoops dumps: tests/e2e/lib/gen_hosts.py, as in
# many_hosts) ship to a collector, whose netconsole receiver also gets a
# kernel BUG and a panic whose message holds "<script>".  Host i runs
# kernel i % 3 and has bug i % 4 (and a panic of its own, with no kernel
# in its text); its dumps are dated by its kernel, the oldest kernel three
# days ago, the newest one day ago (pstore file times).  So the newest
# kernel has two bugs: g2, seen on no other kernel (new in it), and g1,
# seen a day earlier on the middle one (not new).
#
# oops-web then serves the store on loopback, and headless Chromium loads
# every page (--dump-dom) and checks what a person looks for: titles,
# counts, the new-in-release list, a link followed from the crash list,
# the script title shown as text; a triage change made through the web
# (HTTP Basic, users file) and one made with oopsctl both show up.  The
# JSON API is compared with `oopsctl --json` on the same store, /metrics
# with promtool and with the store's totals.  Screenshots are kept in
# $O/e2e/web_dashboard/.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/oopsd.sh"
e2e_init web_dashboard
e2e_need_root
e2e_need_cmd unshare mount curl chromium promtool openssl /usr/bin/python3
e2e_need_bin oops-agent oops-collector oopsctl oops-web
[ -f /etc/machine-id ] || e2e_skip "no /etc/machine-id to bind-mount over"
unshare -u -m true 2>/dev/null || e2e_skip "cannot make UTS/mount namespaces"

SHOTS=$E2E_ROOT/${O:-build}/e2e/web_dashboard
rm -rf "$SHOTS"
mkdir -p "$SHOTS"
LIB=$E2E_ROOT/tests/e2e/lib
HOSTS=6
hosts=$E2E_TMP/hosts
/usr/bin/python3 "$LIB/gen_hosts.py" "$hosts" "$HOSTS" 4 >/dev/null || e2e_fail "gen_hosts"
# gen_hosts gives host i the kernel RELEASES[i % 3]: date each host's
# dumps by its kernel, oldest kernel first.
OLD=6.1.0-56-amd64
NEW=6.12.9-amd64
for ((i = 0; i < HOSTS; i++)); do
	touch -d "$((3 - i % 3)) days ago" "$hosts"/host00$i/pstore/*
done

ncport=$(e2e_free_port udp)
E2E_COLLECTOR_EXTRA="netconsole_listen = 127.0.0.1:$ncport"
e2e_collector_start

for ((i = 0; i < HOSTS; i++)); do
	d=$hosts/host00$i
	e2e_agent_conf "$d/agent.conf" "udp://127.0.0.1:$E2E_COLLECTOR_PORT" "$d"
	e2e_bg "$d/agent.log" unshare -u -m /bin/sh "$E2E_ROOT/tests/e2e/lib/as-host.sh" "$d" \
		"$OOPSD_BIN/oops-agent" -f -c "$d/agent.conf"
done

# A machine without an agent: its console over netconsole.  The panic's
# message is attacker-controlled text, markup included.
cat > "$E2E_TMP/xss.log" <<'EOF'
[   12.345678] Kernel panic - not syncing: <script>alert(1)</script><img src=x onerror=alert(2)>
[   12.345679] CPU: 0 PID: 1 Comm: init Not tainted 6.1.0-56-amd64 #1 Debian 6.1.90-1
[   12.345680] Call Trace:
[   12.345681]  <TASK>
[   12.345682]  dump_stack_lvl+0x44/0x5c
[   12.345683]  panic+0x118/0x2ed
[   12.345684]  </TASK>
[   12.345690] ---[ end Kernel panic - not syncing: x ]---
EOF
for f in "$E2E_ROOT/tests/data/netconsole/kernel-bug.log" "$E2E_TMP/xss.log"; do
	exec 3>/dev/udp/127.0.0.1/"$ncport"
	while IFS= read -r line; do
		printf '%s\n' "$line" >&3
	done <"$f"
	exec 3>&-
done
expected=$((2 * HOSTS + 2))
e2e_wait_for 60 e2e_count_at_least "$expected" ||
	e2e_fail "only $(e2e_stored_count) of $expected records stored"
e2e_log "$expected records stored"
STORE=sqlite:$E2E_STORE
ctl() { "$OOPSD_BIN/oopsctl" "$@" --store "$STORE"; }

# oops-web on loopback, with one user who may write.
PASS=correct-horse-battery
echo "alice:$(openssl passwd -6 "$PASS")" > "$E2E_TMP/users"
WPORT=$(e2e_free_port tcp)
URL=http://127.0.0.1:$WPORT
cat > "$E2E_TMP/web.conf" <<EOF
listen = 127.0.0.1:$WPORT
store = $STORE
users_file = $E2E_TMP/users
user =
seccomp = kill
EOF
"$OOPSD_BIN/oops-web" -n -c "$E2E_TMP/web.conf" >/dev/null || e2e_fail "web.conf refused"
e2e_bg "$E2E_TMP/web.log" "$OOPSD_BIN/oops-web" -f -c "$E2E_TMP/web.conf"
WEB_PID=$E2E_LAST_PID
web_up() { curl -sf -o /dev/null "$URL/style.css"; }
e2e_wait_for 10 web_up || { cat "$E2E_TMP/web.log"; e2e_fail "oops-web did not start"; }

PROFILE=$(mktemp -d "$E2E_TMP/chromium.XXXXXX")
browse() { # browse PATH NAME: the DOM Chromium built, and a screenshot
	local path=$1 name=$2
	timeout 60 chromium --headless --no-sandbox --disable-gpu \
		--disable-background-networking --disable-component-update \
		--disable-sync --no-first-run --user-data-dir="$PROFILE" \
		--dump-dom "$URL$path" >"$E2E_TMP/$name.html" 2>"$E2E_TMP/$name.err" ||
		e2e_fail "chromium could not load $path"
	timeout 60 chromium --headless --no-sandbox --disable-gpu \
		--disable-background-networking --disable-component-update \
		--disable-sync --no-first-run --user-data-dir="$PROFILE" \
		--hide-scrollbars --window-size=1280,1024 \
		--screenshot="$SHOTS/$name.png" "$URL$path" >/dev/null 2>&1 ||
		e2e_fail "chromium could not screenshot $path"
	[ -s "$SHOTS/$name.png" ] || e2e_fail "no screenshot of $path"
	kill -0 "$WEB_PID" 2>/dev/null || { cat "$E2E_TMP/web.log"; e2e_fail "oops-web died on $path"; }
}
dom_has() { grep -qF -- "$2" "$E2E_TMP/$1.html" || e2e_fail "$1: no '$2' on the page"; }
dom_lacks() { ! grep -qF -- "$2" "$E2E_TMP/$1.html" || e2e_fail "$1: '$2' on the page"; }
# dom_id NAME ID: the text of the element with that id (no nested tags).
dom_id() { sed -n "s/.*id=\"$2\"[^>]*>\([^<]*\)<.*/\1/p" "$E2E_TMP/$1.html" | head -n 1; }
json_get() { /usr/bin/python3 -c 'import json,sys
v = json.load(sys.stdin)
for k in sys.argv[1:]:
    v = v[int(k)] if isinstance(v, list) else v[k]
print(v)' "$@"; }

ctl top --json --all --limit 1000 > "$E2E_TMP/top.jsonl" || e2e_fail "oopsctl top"
nsigs=$(grep -c . "$E2E_TMP/top.jsonl")
bug_sig=$(grep '"title":"kernel BUG in crashmod_do_bug_g0"' "$E2E_TMP/top.jsonl" |
	json_get signature)
xss_sig=$(grep 'alert' "$E2E_TMP/top.jsonl" | json_get signature)
[ -n "$bug_sig" ] && [ -n "$xss_sig" ] || e2e_fail "the expected signatures are not in the store"

# The crash list: every signature, the count a person reads, and the
# hostile title as text.
browse / list
[ "$(dom_id list total)" = "$nsigs" ] || e2e_fail "list shows $(dom_id list total) signatures, store has $nsigs"
while IFS= read -r line; do
	t=$(echo "$line" | json_get title | sed 's/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g')
	dom_has list "$t"
done < "$E2E_TMP/top.jsonl"
dom_has list '&lt;script&gt;alert('
dom_lacks list '<script'
dom_lacks list '<img src="x"'
dom_has list 'kernel BUG in ext4_writepages'

# Follow the list's first link to a signature, as a person would.
first=$(grep -o 'href="/sig/[0-9a-f]*"' "$E2E_TMP/list.html" | head -n 1 | sed 's/href="//; s/"//')
[ -n "$first" ] || e2e_fail "no signature link on the list"
browse "$first" followed
[ -n "$(dom_id followed title)" ] || e2e_fail "the followed link shows no title"

# A signature: the count and hosts oopsctl show has.
ctl show "$bug_sig" --json > "$E2E_TMP/show.json" || e2e_fail "oopsctl show"
browse "/sig/$bug_sig" sig
[ "$(dom_id sig title)" = "kernel BUG in crashmod_do_bug_g0" ] || e2e_fail "sig page title '$(dom_id sig title)'"
[ "$(dom_id sig count)" = "$(json_get count < "$E2E_TMP/show.json")" ] || e2e_fail "sig page count"
dom_has sig "$OLD"
dom_has sig e2e-host-0
dom_has sig 'crashmod_do_bug_g0'

# The hostile record's page, and its signature page.
browse "/sig/$xss_sig" xss
dom_lacks xss '<script'
dom_has xss '&lt;script&gt;alert('
dom_has xss '&lt;img src=x onerror=alert('

# The newest kernel: g2 is new in it, g1 (seen a day before on another
# kernel) is not.
browse "/release/$NEW" release
sed -n '/id="new"/,/<\/table>/p' "$E2E_TMP/release.html" > "$E2E_TMP/new.html"
new_rows=$(grep -o 'href="/sig/[0-9a-f]*"' "$E2E_TMP/new.html" | sort -u | wc -l)
[ "$new_rows" -eq 1 ] || e2e_fail "$new_rows signatures new in $NEW, want 1"
grep -q 'kernel BUG in crashmod_do_bug_g2' "$E2E_TMP/new.html" ||
	e2e_fail "the new-in-release list lacks g2"
! grep -q 'crashmod_do_bug_g1' "$E2E_TMP/new.html" ||
	e2e_fail "g1, first seen on another kernel, is listed as new in $NEW"
[ "$(dom_id release count)" = 2 ] || e2e_fail "release page: $(dom_id release count) signatures on $NEW, want 2"
dom_has release 'kernel BUG in crashmod_do_bug_g1'
browse "/release/$OLD" release-old
sed -n '/id="new"/,/<\/table>/p' "$E2E_TMP/release-old.html" > "$E2E_TMP/new-old.html"
for g in g0 g3; do
	grep -q "kernel BUG in crashmod_do_bug_$g" "$E2E_TMP/new-old.html" ||
		e2e_fail "$g is not new in $OLD"
done

# A host, and a record reached from it.
host0=$(printf '%032x' $((0xe2e0000)))
browse "/host/$host0" host
dom_has host 'Host e2e-host-0'
[ "$(dom_id host count)" = 2 ] || e2e_fail "host page: $(dom_id host count) crashes, want 2"
rec=$(grep -o 'href="/record/[0-9a-f]*"' "$E2E_TMP/host.html" | head -n 1 | sed 's/href="//; s/"//')
[ -n "$rec" ] || e2e_fail "no record link on the host page"
browse "$rec" record
dom_has record 'id="report"'
dom_has record 'e2e-host-0'
# The agents' heartbeats: every host reporting, the netconsole sender
# without an agent.
browse /hosts hosts
dom_has hosts e2e-host-5
[ "$(dom_id hosts reporting)" = "$HOSTS" ] || e2e_fail "hosts page: $(dom_id hosts reporting) reporting, want $HOSTS"
[ "$(dom_id hosts no_agent)" = 1 ] || e2e_fail "hosts page: $(dom_id hosts no_agent) without an agent, want 1"
grep -q 'id="checkin">[^<]*<span class="st st-fixed">reporting' "$E2E_TMP/host.html" ||
	e2e_fail "the host page does not show its agent reporting"
# The collector's counters, as it writes them to the store.
browse /collectors collectors
dom_has collectors '>stored<'
dom_has collectors 'st-fixed">up<'
browse '/?kind=BUG&since=30d' filtered
[ "$(dom_id filtered total)" = "$(grep -c '"kind":"BUG"' "$E2E_TMP/top.jsonl")" ] ||
	e2e_fail "kind filter: $(dom_id filtered total) signatures"

# Every answer forbids scripts.
curl -s -D - -o /dev/null "$URL/" | grep -qi "^Content-Security-Policy: default-src 'none'" ||
	e2e_fail "no Content-Security-Policy header"

# Writes: never anonymous, never cross-site, never over the size bound.
post() { curl -s -o "$E2E_TMP/post.out" -w '%{http_code}' -X POST "$@"; }
[ "$(post --data 'state=fixed' "$URL/sig/$bug_sig/triage")" = 401 ] ||
	e2e_fail "anonymous triage was not refused"
[ "$(post -u alice:wrong --data 'state=fixed' "$URL/sig/$bug_sig/triage")" = 401 ] ||
	e2e_fail "a wrong password was accepted"
[ "$(post -u "alice:$PASS" -H 'Origin: http://evil.example' --data 'state=fixed' \
	"$URL/sig/$bug_sig/triage")" = 403 ] || e2e_fail "a cross-site write was accepted"
# A sandboxed frame or a data: page of another site sends "Origin: null".
[ "$(post -u "alice:$PASS" -H 'Origin: null' --data 'state=fixed' \
	"$URL/sig/$bug_sig/triage")" = 403 ] || e2e_fail "a write from an opaque origin was accepted"
head -c 20000 /dev/zero | tr '\0' a > "$E2E_TMP/big"
[ "$(post -u "alice:$PASS" --data-binary @"$E2E_TMP/big" "$URL/sig/$bug_sig/triage")" = 413 ] ||
	e2e_fail "a 20 KB body was not refused"
[ "$(post -u "alice:$PASS" --data "state=fixed&note=$(head -c 2000 /dev/zero | tr '\0' a)" \
	"$URL/sig/$bug_sig/triage")" = 400 ] || e2e_fail "a 2000-byte note was not refused"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/?q=$(head -c 5000 /dev/zero | tr '\0' a)")" = 414 ] ||
	e2e_fail "a 5 KB URL was not refused"
ctl show "$bug_sig" --json | grep -q '"state":"open"' || e2e_fail "a refused write changed the triage"

# A triage change through the web shows in the browser and in oopsctl
# (sent as a browser behind the TLS proxy of doc/web.md sends it).
[ "$(post -u "alice:$PASS" -H "Origin: https://${URL#http://}" --data "state=fixed&fixed_in=$NEW&bug=https%3A%2F%2Fbugs.example%2F1&note=%3Cb%3Enote%3C%2Fb%3E" \
	"$URL/sig/$bug_sig/triage")" = 303 ] || e2e_fail "the triage POST failed: $(cat "$E2E_TMP/post.out")"
browse "/sig/$bug_sig" sig-fixed
dom_has sig-fixed "in $NEW"
grep -q 'id="triage"><span class="st st-fixed">fixed' "$E2E_TMP/sig-fixed.html" ||
	e2e_fail "the signature page does not show it fixed"
dom_has sig-fixed '&lt;b&gt;note&lt;/b&gt;'
ctl show "$bug_sig" --json > "$E2E_TMP/show-fixed.json"
[ "$(json_get triage state < "$E2E_TMP/show-fixed.json")" = fixed ] &&
	[ "$(json_get triage fixed_in < "$E2E_TMP/show-fixed.json")" = "$NEW" ] ||
	e2e_fail "oopsctl show does not see the web's triage"

# And one made with oopsctl shows on the dashboard: ignored is hidden.
ctl triage "$xss_sig" --state ignored --note spam >/dev/null || e2e_fail "oopsctl triage"
browse / list-ignored
dom_lacks list-ignored '&lt;script&gt;alert('
[ "$(dom_id list-ignored total)" = $((nsigs - 1)) ] || e2e_fail "the ignored signature is still counted"
browse '/?all=1' list-all
dom_has list-all '&lt;script&gt;alert('
dom_has list-all 'st-ignored'
dom_has list-all 'st-fixed'

# The JSON API has what oopsctl --json has, field for field.
ctl top --json --all --limit 1000 > "$E2E_TMP/top2.jsonl"
curl -sf "$URL/api/v1/?all=1&per=200" > "$E2E_TMP/api-list.json" || e2e_fail "GET /api/v1/"
curl -sf "$URL/api/v1/sig/$bug_sig" > "$E2E_TMP/api-sig.json" || e2e_fail "GET /api/v1/sig"
ctl show "$bug_sig" --json > "$E2E_TMP/show2.json"
curl -sf "$URL/api/v1/hosts" > "$E2E_TMP/api-hosts.json" || e2e_fail "GET /api/v1/hosts"
ctl hosts --json > "$E2E_TMP/hosts.jsonl"
curl -sf "$URL/api/v1/release/$NEW" > "$E2E_TMP/api-release.json" || e2e_fail "GET /api/v1/release"
curl -sf "$URL/api/v1/host/$host0" > "$E2E_TMP/api-host.json" || e2e_fail "GET /api/v1/host"
curl -sf "$URL/api/v1${rec}" > "$E2E_TMP/api-record.json" || e2e_fail "GET /api/v1/record"
ctl export --json > "$E2E_TMP/export.jsonl"
curl -sf "$URL/api/v1/collectors" > "$E2E_TMP/api-collectors.json" || e2e_fail "GET /api/v1/collectors"
/usr/bin/python3 - "$E2E_TMP" "${rec#/record/}" "$NEW" <<'EOF' || e2e_fail "the JSON API and oopsctl --json disagree"
import json, sys
d, rec_id, new = sys.argv[1], sys.argv[2], sys.argv[3]
def lines(n): return [json.loads(l) for l in open(f"{d}/{n}") if l.strip()]
def load(n): return json.load(open(f"{d}/{n}"))
top = {s["signature"]: s for s in lines("top2.jsonl")}
api = load("api-list.json")
assert api["total"] == len(top), (api["total"], len(top))
got = {s["signature"]: s for s in api["crashes"]}
assert set(got) == set(top), set(got) ^ set(top)
for sig, t in top.items():
    for k in t:
        assert got[sig][k] == t[k], (sig, k, got[sig][k], t[k])
    assert len(got[sig]["trend"]) == 14 and sum(got[sig]["trend"]) <= t["count"]
show, asig = load("show2.json"), load("api-sig.json")
for k in ("signature", "title", "kind", "count", "hosts", "first_seen_us",
          "last_seen_us", "releases", "kernels", "by_host", "triage"):
    assert asig[k] == show[k], (k, asig[k], show[k])
assert asig["example"]["title"] == show["example"]["title"]
assert [r["id"] for r in asig["recent"]] == [r["id"] for r in show["recent"]]
assert sum(asig["histogram"]["counts"]) == show["count"]
hosts = lines("hosts.jsonl")
ah = load("api-hosts.json")
assert ah["hosts"] == hosts, (ah["hosts"], hosts)
assert ah["reporting"] == 6 and ah["no_agent"] == 1, ah
rel = load("api-release.json")
assert rel["release"] == new and rel["count"] == 2 and rel["new"] == 1, rel
assert [s["title"] for s in rel["signatures"] if s["new"]] == \
    ["kernel BUG in crashmod_do_bug_g2"], rel
exp = {r["id"]: r for r in lines("export.jsonl")}
ar = load("api-record.json")
for k, v in exp[rec_id].items():
    assert ar[k] == v, (k, ar[k], v)
host = load("api-host.json")
assert host["count"] == 2 and len(host["crashes"]) == 2, host
colls = load("api-collectors.json")["collectors"]
assert len(colls) == 1 and not colls[0]["stale"], colls
assert colls[0]["counters"]["stored"] == len(exp), colls
EOF

# Metrics: valid for Prometheus, and the store's own totals.
curl -sf "$URL/metrics" > "$E2E_TMP/metrics" || e2e_fail "GET /metrics"
promtool check metrics < "$E2E_TMP/metrics" || e2e_fail "promtool rejects /metrics"
m_records=$(awk '/^oopsd_records\{/ { s += $2 } END { print s + 0 }' "$E2E_TMP/metrics")
m_sigs=$(awk '/^oopsd_signatures\{/ { s += $2 } END { print s + 0 }' "$E2E_TMP/metrics")
top_total=$(sed -n 's/.*"count":\([0-9]*\),"total".*/\1/p' "$E2E_TMP/top2.jsonl" | awk '{ s += $1 } END { print s + 0 }')
[ "$m_records" -eq "$top_total" ] && [ "$m_records" -eq "$expected" ] ||
	e2e_fail "metrics count $m_records records, oopsctl top $top_total, stored $expected"
[ "$m_sigs" -eq "$nsigs" ] || e2e_fail "metrics count $m_sigs signatures, oopsctl top $nsigs"
grep -q "^oopsd_web_auth_denied_total [1-9]" "$E2E_TMP/metrics" || e2e_fail "refused writes not counted"
grep -q "^oopsd_agents{state=\"reporting\"} $HOSTS\$" "$E2E_TMP/metrics" ||
	e2e_fail "metrics: not $HOSTS agents reporting"
grep -q "^oopsd_collector_stored{collector=\"[^\"]*\"} $expected\$" "$E2E_TMP/metrics" ||
	e2e_fail "metrics: the collector's stored counter is not $expected"

e2e_stop "$WEB_PID" TERM
grep -q 'stopping' "$E2E_TMP/web.log" || e2e_fail "oops-web did not stop cleanly"

# Without users_file: read-only, whoever asks; and on IPv6 loopback.
if ip -6 addr show dev lo 2>/dev/null | grep -q '::1'; then
	WPORT6=$(e2e_free_port tcp)
	printf 'listen = [::1]:%s\nstore = %s\nuser =\n' "$WPORT6" "$STORE" > "$E2E_TMP/web6.conf"
	e2e_bg "$E2E_TMP/web6.log" "$OOPSD_BIN/oops-web" -f -c "$E2E_TMP/web6.conf"
	web6_up() { curl -sf -o /dev/null "http://[::1]:$WPORT6/style.css"; }
	e2e_wait_for 10 web6_up || { cat "$E2E_TMP/web6.log"; e2e_fail "oops-web on [::1] did not start"; }
	curl -sf "http://[::1]:$WPORT6/" | grep -q "id=\"total\">$((nsigs - 1))<" ||
		e2e_fail "oops-web on [::1] does not list the crashes"
	curl -sf "http://[::1]:$WPORT6/sig/$bug_sig" | grep -q 'Read-only dashboard' ||
		e2e_fail "a read-only dashboard offers the triage form"
	[ "$(curl -s -o /dev/null -w '%{http_code}' -u "alice:$PASS" --data state=open \
		"http://[::1]:$WPORT6/sig/$bug_sig/triage")" = 403 ] ||
		e2e_fail "a dashboard without users_file accepted a write"
	ctl show "$bug_sig" --json | grep -q '"state":"fixed"' || e2e_fail "the read-only dashboard wrote"
fi
e2e_log "ok: $(ls "$SHOTS" | wc -l) screenshots in $SHOTS"
