#!/usr/bin/env bash
# Scenario: the shipped systemd units, sysusers.d and tmpfiles.d files are
# valid as installed.  `systemd-analyze verify` passes on both units (with
# the paths `make install` substitutes), the sysusers file makes the oopsd
# user in a scratch root, the tmpfiles file makes every ReadWritePaths=
# directory the agent needs there (a missing one fails the start with
# 226/NAMESPACE), the two daemons do not share a StateDirectory, and the
# hardening does not regress (`systemd-analyze security` exposure, printed).
. "$(dirname "$0")/lib/common.sh"
e2e_init systemd_units
e2e_need_bin oops-agent oops-collector
command -v systemd-analyze >/dev/null || e2e_skip "no systemd-analyze"
U=$E2E_ROOT/systemd
T=$E2E_TMP

mkdir -p "$T/etc/oopsd" "$T/root/etc"
cp "$E2E_ROOT"/configs/agent.conf "$E2E_ROOT"/configs/collector.conf "$T/etc/oopsd/"
# The store's directory is the unit's StateDirectory, absent here.
echo "store = sqlite:$T/oopsd.db" >> "$T/etc/oopsd/collector.conf"
for u in oops-agent oops-collector; do
	sed -e "s|@SBINDIR@|$OOPSD_BIN|g" -e "s|@SYSCONFDIR@|$T/etc|g" \
		"$U/$u.service" > "$T/$u.service"
	grep -q '@[A-Z]*@' "$T/$u.service" && e2e_fail "$u: unsubstituted @VAR@"
done
out=$(systemd-analyze verify --man=no "$T/oops-agent.service" \
	"$T/oops-collector.service" 2>&1) || e2e_fail "verify: $out"
[ -z "$out" ] || e2e_fail "verify warned: $out"
e2e_log "systemd-analyze verify: clean"

# The ExecStartPre= check passes on the shipped configs.
for u in oops-agent oops-collector; do
	pre=$(sed -n 's/^ExecStartPre=//p' "$T/$u.service")
	$pre >/dev/null 2>&1 || e2e_fail "$u: ExecStartPre fails: $pre"
done

for key in Type=notify WatchdogSec= ExecReload= SyslogLevelPrefix=yes \
	StateDirectory= NoNewPrivileges=yes ProtectSystem=strict; do
	for u in oops-agent oops-collector; do
		grep -q "^$key" "$T/$u.service" || e2e_fail "$u: no $key"
	done
done
sa=$(sed -n 's/^StateDirectory=//p' "$T/oops-agent.service")
sc=$(sed -n 's/^StateDirectory=//p' "$T/oops-collector.service")
[ "$sa" != "$sc" ] || e2e_fail "both units use StateDirectory=$sa"
grep -q '^DynamicUser=yes' "$T/oops-collector.service" &&
	e2e_fail "collector: DynamicUser hides the store from oopsctl"
grep -q '^RuntimeDirectory=oopsd' "$T/oops-collector.service" ||
	e2e_fail "collector: no RuntimeDirectory for /run/oopsd"

# sysusers.d and tmpfiles.d in a scratch root.
systemd-sysusers --root="$T/root" "$U/oopsd.sysusers" >/dev/null 2>&1 ||
	e2e_fail "systemd-sysusers failed"
grep -q '^oopsd:' "$T/root/etc/passwd" || e2e_fail "no oopsd user made"
systemd-tmpfiles --root="$T/root" --create "$U/oopsd.tmpfiles" ||
	e2e_fail "systemd-tmpfiles failed"
uid=$(awk -F: '$1 == "oopsd" { print $3 }' "$T/root/etc/passwd")
for p in $(sed -n 's/^ReadWritePaths=//p' "$T/oops-agent.service"); do
	case $p in -*) continue;; esac
	[ -d "$T/root$p" ] || e2e_fail "agent ReadWritePaths $p: not made by tmpfiles.d"
	[ "$(stat -c %u "$T/root$p")" = "$uid" ] || e2e_fail "$p not owned by oopsd"
done
e2e_log "sysusers.d and tmpfiles.d: oopsd user and spool made"

# Hardening: print the figures, fail when they get worse than shipped.
for u in oops-agent:3.0 oops-collector:1.5; do
	name=${u%%:*} max=${u##*:}
	line=$(systemd-analyze security --offline=true "$T/$name.service" 2>&1 |
		grep 'Overall exposure level')
	e2e_log "$line"
	lvl=$(sed -n 's/.*: \([0-9.]*\) .*/\1/p' <<<"$line")
	[ -n "$lvl" ] || { e2e_log "security: no figure (offline mode unsupported?)"; continue; }
	awk -v a="$lvl" -v b="$max" 'BEGIN { exit !(a <= b) }' ||
		e2e_fail "$name: exposure $lvl above $max"
done
e2e_log "pass"
