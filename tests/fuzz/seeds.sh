#!/bin/sh
# seeds.sh - generate the fuzzers' seed corpora from the project's own
# fixtures (tests/data/) into $O/fuzz/corpus/NAME/.  Run by scripts/run-fuzz
# before fuzzing; idempotent (seeds are named by content hash, existing
# corpus files are kept).  Never reads /work/shared: a user's clone has
# only the repository.
set -eu
O=${O:-build}
C=$O/fuzz/corpus
D=tests/data

# add NAME FILE...: copy each file into the corpus of NAME.  libFuzzer's
# default max_len follows the largest seed, so seeds above 64 KiB are cut
# (the harness still sees their start, which is where the structure is).
add() {
	name=$1
	shift
	mkdir -p "$C/$name"
	for f in "$@"; do
		[ -f "$f" ] || continue
		h=$(head -c 65536 "$f" | sha1sum | cut -c1-16)
		[ -f "$C/$name/seed-$h" ] || head -c 65536 "$f" > "$C/$name/seed-$h"
	done
}

# add_text NAME: a seed from standard input.
add_text() {
	t=$(mktemp)
	cat > "$t"
	add "$1" "$t"
	rm -f "$t"
}

fixtures() { # PATTERN...: fixture files under tests/data matching a name
	[ -d $D ] || return 0
	for p in "$@"; do
		find $D -type f -name "$p" ! -name README.md
	done | sort -u
}

# --- config: example configs and hand-written files using every syntax. --
# shellcheck disable=SC2046
add config $(find configs systemd tests/data -name '*.conf' 2>/dev/null)
add_text config <<'EOF'
# every type
name = "quoted \"value\" with\ttab\\ and # hash"
path = /var/lib/oopsd   # trailing comment
flag = off
count = 0x20
any = -9223372036854775808
size = 64KiB
timeout = 1500ms
ports = 1,2,65535
EOF
add_text config <<'EOF'
size = 1G
timeout = 7d
flag = TRUE
count = -5
EOF
printf 'name=a\r\nflag=1\r\n\r\n  # indented comment\n' | add_text config

# --- parser: kernel logs. --------------------------------------------------
# shellcheck disable=SC2046
add parser $(fixtures '*.log' '*.txt' '*.dmesg')

# --- redact: kernel logs, and text with every kind of address. ------------
# shellcheck disable=SC2046
add redact $(fixtures '*.log' | head -n 40)
add_text redact <<'EOF2'
e1000e 0000:00:19.0 eth0: NIC Link is Up, MAC 00:1b:21:3a:4c:5d
IN=eth0 SRC=192.168.1.20 DST=10.0.0.1:5514 peer fe80::1c2b:3aff:fe4d:5e6f%eth0
2001:0db8:0000:0000:0000:ff00:0042:8329 ::ffff:10.1.2.3 ::1
Reported-by: Jane Doe <jane.doe+lkml@example.co.uk>
RIP: 0010:dev_watchdog+0x21/0x30 at 12:34:56 pci 0000:00:1f.2
EOF2

# --- netconsole: captured or synthetic datagram streams. ------------------
# shellcheck disable=SC2046
add ncon $(fixtures '*.ncon' '*.dgram' '*.pcap')

# --- records and wire: encoded records and envelopes. ---------------------
# shellcheck disable=SC2046
add record $(fixtures '*.rec' '*.pb' '*.record')
# shellcheck disable=SC2046
add wire $(fixtures '*.env' '*.wire' '*.dgram')
# shellcheck disable=SC2046
add ingest $(fixtures '*.env' '*.wire' '*.dgram') $(find tests/fuzz/corpus/wire -type f)
if [ -x $O/bin/oopsctl ] && [ -d $D ]; then
	# Records made from our own parser fixtures, one file per log.
	for f in $(fixtures '*.log'); do
		t=$(mktemp)
		if $O/bin/oopsctl encode "$f" > "$t" 2>/dev/null && [ -s "$t" ]; then
			add record "$t"
		fi
		rm -f "$t"
	done
fi

# --- pstore: files of pstore fixture directories. -------------------------
if [ -d $D/pstore ]; then
	# shellcheck disable=SC2046
	add pstore $(find $D/pstore -type f ! -name README.md | head -n 200)
fi
# Whole captured directories as fuzz_pstore images ("@@ NAME" + bytes per
# file); a big file keeps its header line and its newest 12000 bytes (the
# crashes), so an image stays under the 64 KiB cut.
for dir in $D/qemu/pstore-*; do
	[ -d "$dir" ] || continue
	for f in "$dir"/*; do
		printf '@@ %s\n' "$(basename "$f")"
		if [ "$(wc -c < "$f")" -gt 12000 ]; then
			head -n 1 "$f"
			tail -c 12000 "$f" | tail -n +2
		else
			cat "$f"
		fi
		printf '\n'
	done | add_text pstore
done
exit 0
