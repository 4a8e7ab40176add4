#!/usr/bin/env bash
# Scenario: peer text cannot drive the operator's terminal (issue 17,
# defect 4).  A record arrives whose title carries an OSC sequence (sets
# the terminal title), whose host name clears the screen, whose release
# and comm carry CSI and C1 bytes and whose report text hides an ESC;
# `oopsctl top`, `hosts`, `show` and `parse` print none of those bytes
# (each escaped as \xHH), the collector's log neither, and the JSON forms
# keep the exact text (JSON-escaped).
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/collector.sh"
e2e_init terminal_escapes
coll_need
coll_start
ESC=$'\x1b' BEL=$'\x07'
/usr/bin/python3 - "$E2E_TMP/spec" <<'PY'
import json, sys
spec = {"id": "00112233445566778899aabbccddeeff", "sig": 0xfeed,
        "title": "kernel BUG in \x1b]0;PWNED\x07evil",
        "hostname": "board\x1b[2J\x1b[H1", "release": "6.1.0-\x1b[31mred\u009b",
        "comm": "sh\x1b]52;c;cHduZWQ=\x07",
        "text": "line one\n\x1b]0;OWNED\x07line two\n"}
open(sys.argv[1], "w").write(json.dumps(spec) + "\n")
PY
/usr/bin/python3 "$E2E_ROOT/tests/e2e/lib/send_records.py" 127.0.0.1 "$COLL_PORT" \
	< "$E2E_TMP/spec" > "$E2E_TMP/sent" || e2e_fail "record not acknowledged"
grep -q '^acked' "$E2E_TMP/sent" || e2e_fail "record refused: $(cat "$E2E_TMP/sent")"
ctl() { "$OOPSD_BIN/oopsctl" "$@" --store "$COLL_STORE"; }
# Control bytes (C0 but \n and \t, DEL) and C1 (raw or UTF-8 encoded).
has_controls() {
	LC_ALL=C grep -qP '[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]' "$1"
}
ctl top > "$E2E_TMP/top"
ctl hosts > "$E2E_TMP/hosts"
ctl show 000000000000feed > "$E2E_TMP/show"
for f in top hosts show; do
	[ -s "$E2E_TMP/$f" ] || e2e_fail "oopsctl $f printed nothing"
	has_controls "$E2E_TMP/$f" && e2e_fail "oopsctl $f printed control bytes: $(cat -v "$E2E_TMP/$f")"
done
grep -qF 'kernel BUG in \x1b]0;PWNED\x07evil' "$E2E_TMP/top" ||
	e2e_fail "top: the title is not shown escaped: $(cat -v "$E2E_TMP/top")"
grep -qF 'board\x1b[2J\x1b[H1' "$E2E_TMP/hosts" ||
	e2e_fail "hosts: the host name is not shown escaped: $(cat -v "$E2E_TMP/hosts")"
grep -qF '\x1b]0;OWNED\x07line two' "$E2E_TMP/show" ||
	e2e_fail "show: the report text is not shown escaped: $(cat -v "$E2E_TMP/show")"
grep -qF '6.1.0-\x1b[31mred\xc2\x9b' "$E2E_TMP/show" ||
	e2e_fail "show: the release (with a C1 CSI) is not shown escaped"
# JSON stays exact.
ctl top --json | grep -qF '"title":"kernel BUG in \u001b]0;PWNED\u0007evil"' ||
	e2e_fail "top --json does not keep the exact title"
# The parser's text output, on a log with the same tricks.
printf '%s\n' '------------[ cut here ]------------' \
	'kernel BUG at fs/ext4/inode.c:12!' 'invalid opcode: 0000 [#1] SMP' \
	"CPU: 1 PID: 42 Comm: ev${ESC}[2Jil Not tainted 6.1.0-${ESC}]0;T${BEL} #1" \
	'RIP: 0010:ext4_evil+0x10/0x20' 'Call Trace:' ' <TASK>' ' foo_bar+0x1/0x2' \
	' </TASK>' '---[ end trace 0000000000000000 ]---' > "$E2E_TMP/esc.log"
"$OOPSD_BIN/oopsctl" parse "$E2E_TMP/esc.log" > "$E2E_TMP/parse"
has_controls "$E2E_TMP/parse" && e2e_fail "oopsctl parse printed control bytes"
grep -qF 'comm ev\x1b[2Jil' "$E2E_TMP/parse" || e2e_fail "parse: comm not escaped"
# The daemon's own log: a sender name is ours, but no line may carry
# a control byte whatever it quotes.
for l in "$E2E_TMP"/collector.*.log; do
	has_controls "$l" && e2e_fail "collector log carries control bytes"
done
# In a real terminal (tmux), when there is one: the pane's title stays
# ours and the lines printed before the command are still on the screen.
if command -v tmux >/dev/null; then
	sock=$E2E_TMP/tmux.sock
	e2e_at_exit "tmux -S '$sock' kill-server 2>/dev/null"
	tmux -S "$sock" -f /dev/null new-session -d -x 200 -y 50 -s esc \
		"printf 'BEFORE-MARK\\n'; printf '\\033]2;clean-title\\007'; \
		 '$OOPSD_BIN/oopsctl' top --store '$COLL_STORE'; \
		 '$OOPSD_BIN/oopsctl' show 000000000000feed --store '$COLL_STORE'; \
		 echo AFTER-MARK; sleep 30"
	e2e_wait_for 10 sh -c "tmux -S '$sock' capture-pane -p -t esc | grep -q AFTER-MARK" ||
		e2e_fail "tmux: the commands did not finish"
	tmux -S "$sock" capture-pane -p -t esc > "$E2E_TMP/pane"
	title=$(tmux -S "$sock" display-message -p -t esc '#{pane_title}')
	[ "$title" = clean-title ] || e2e_fail "the terminal title was set to '$title'"
	grep -q BEFORE-MARK "$E2E_TMP/pane" || e2e_fail "the screen was cleared: $(cat "$E2E_TMP/pane")"
	e2e_log "tmux: title '$title' kept, screen not cleared"
fi
e2e_log "ok: top, hosts, show, parse and the log escape control bytes; JSON exact"
