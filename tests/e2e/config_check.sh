#!/usr/bin/env bash
# Scenario: each daemon's -n checks a config file; a bad file gives
# "file:line: reason" on stderr and a non-zero exit, a good one exits 0.
set -u
B=${OOPSD_BIN:-build/bin}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

expect_error() { # prog expected-message args...
	local prog=$1 want=$2 out rc
	shift 2
	out=$("$B/$prog" -n "$@" 2>&1); rc=$?
	if [ $rc -eq 0 ]; then
		echo "FAIL: $prog -n accepted $*"; fail=1
	elif ! grep -qF -- "$want" <<<"$out"; then
		echo "FAIL: $prog: expected '$want', got: $out"; fail=1
	else
		echo "ok: $prog: $out"
	fi
}

for prog in oops-agent oops-collector; do
	[ -x "$B/$prog" ] || continue
	printf 'log_level = info\nbogus_key = 1\n' > "$tmp/unknown.conf"
	expect_error $prog "$tmp/unknown.conf:2: unknown key 'bogus_key'" -c "$tmp/unknown.conf"
	printf '# comment\n\nmax_datagram = 12Q\n' > "$tmp/badsize.conf"
	expect_error $prog "$tmp/badsize.conf:3: max_datagram: '12Q' is not a size" -c "$tmp/badsize.conf"
	# Enumerations are checked where the file is parsed, at their line.
	printf '# levels\nlog_level = loud\n' > "$tmp/level.conf"
	expect_error $prog "$tmp/level.conf:2: log_level: 'loud' is not one of error, warn, info, debug" -c "$tmp/level.conf"
	printf 'log_level = info\n\nseccomp = allow\n' > "$tmp/seccomp.conf"
	expect_error $prog "$tmp/seccomp.conf:3: seccomp: 'allow' is not one of kill, errno, log, off" -c "$tmp/seccomp.conf"
	printf 'seccomp = off\n' > "$tmp/off.conf"
	expect_error $prog "override: seccomp: 'none' is not one of kill, errno, log, off" -c "$tmp/off.conf" -o seccomp=none
	printf 'log_level = "info\n' > "$tmp/quote.conf"
	expect_error $prog "$tmp/quote.conf:1: unterminated quote" -c "$tmp/quote.conf"
	expect_error $prog "$tmp/missing.conf: No such file or directory" -c "$tmp/missing.conf"
	printf 'log_level = debug  # a comment\n' > "$tmp/good.conf"
	# Paths that exist here: -n checks them.
	case $prog in
	oops-agent) extra="-o spool_dir=$tmp/spool -o state_dir=$tmp/state";;
	*) extra="-o store=sqlite:$tmp/ok.db";;
	esac
	if out=$("$B/$prog" -n -c "$tmp/good.conf" $extra 2>&1); then
		echo "ok: $prog: $out"
	else
		echo "FAIL: $prog rejected a good file: $out"; fail=1
	fi
	expect_error $prog "override: unknown key 'nope'" -c "$tmp/good.conf" -o nope=1
	# The default path: a missing file is an error for -n too.
	def=$("$B/$prog" --help | sed -n 's/.*configuration file (default \(.*\)).*/\1/p')
	if [ -n "$def" ] && [ ! -e "$def" ]; then
		expect_error $prog "$def: No such file or directory"
	fi
	"$B/$prog" --help | grep -q -- '--check' || { echo "FAIL: $prog --help"; fail=1; }
	"$B/$prog" --version | grep -q "$prog" || { echo "FAIL: $prog --version"; fail=1; }
done
# oops-web: the same rules, and its own keys checked by -n.
if [ -x "$B/oops-web" ]; then
	printf 'bogus_key = 1\n' > "$tmp/unknown.conf"
	expect_error oops-web "$tmp/unknown.conf:1: unknown key 'bogus_key'" -c "$tmp/unknown.conf"
	printf 'listen = 127.0.0.1\n' > "$tmp/listen.conf"
	expect_error oops-web "listen: '127.0.0.1'" -c "$tmp/listen.conf"
	printf 'users_file = %s\n' "$tmp/users" > "$tmp/users.conf"
	printf 'alice:plaintext-password\n' > "$tmp/users"
	expect_error oops-web "$tmp/users:1: 'alice' has no crypt(3) hash" -c "$tmp/users.conf"
	printf 'alice:$6$salt$%s\n' "$(head -c 60 /dev/zero | tr '\0' a)" > "$tmp/users"
	printf 'listen = [::1]:8514\n' >> "$tmp/users.conf"
	if out=$("$B/oops-web" -n -c "$tmp/users.conf" 2>&1); then
		echo "ok: oops-web: $out"
	else
		echo "FAIL: oops-web rejected a good file: $out"; fail=1
	fi
fi

# Paths and the store are checked, not only the syntax.
if [ -x "$B/oops-agent" ]; then
	a="-c $tmp/good.conf -o spool_dir=$tmp/spool -o state_dir=$tmp/state -o pstore_archive= -o kdump_dir="
	expect_error oops-agent "pstore_dir: $tmp/nope: No such file" $a -o pstore_dir=$tmp/nope
	expect_error oops-agent "spool_dir: $tmp/good.conf/spool: Not a directory" $a -o pstore_dir= -o spool_dir=$tmp/good.conf/spool
	"$B/oops-agent" -n $a -o pstore_dir= -o spool_dir=$tmp/no/such/spool >/dev/null 2>&1 ||
		{ echo "FAIL: a spool_dir whose parents the agent makes (mkdir -p) refused"; fail=1; }
	expect_error oops-agent "kdump_dir: $tmp/good.conf is not a directory" $a -o pstore_dir= -o kdump_dir=$tmp/good.conf
	out=$("$B/oops-agent" -n $a -o pstore_dir= -o collector=udp://no.such.host.invalid:5514 2>&1) ||
		{ echo "FAIL: an unresolvable name is fatal for -n: $out"; fail=1; }
	grep -q 'will keep trying' <<<"$out" || { echo "FAIL: no resolve note: $out"; fail=1; }
fi
if [ -x "$B/oops-collector" ]; then
	expect_error oops-collector "cannot create it in $tmp/nodir" -c "$tmp/good.conf" -o store=sqlite:$tmp/nodir/x.db
	echo "not a database" > "$tmp/garbage.db"
	expect_error oops-collector "cannot open it" -c "$tmp/good.conf" -o store=sqlite:$tmp/garbage.db
	"$B/oops-collector" -n -c "$tmp/good.conf" -o store=sqlite:$tmp/new.db >/dev/null ||
		{ echo "FAIL: a store that can be created"; fail=1; }
	[ -e "$tmp/new.db" ] && { echo "FAIL: -n created the store"; fail=1; }
fi
exit $fail
