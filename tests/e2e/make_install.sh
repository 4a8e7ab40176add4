#!/usr/bin/env bash
# Scenario: `make install` into a DESTDIR puts binaries, configs, units,
# sysusers.d/tmpfiles.d files and man pages in place; a second install
# keeps a config the admin edited (the shipped one goes to NAME.dist);
# `make uninstall` removes what was installed and keeps the edited config.
. "$(dirname "$0")/lib/common.sh"
e2e_init make_install
e2e_need_bin oops-agent oops-collector oopsctl
D=$E2E_TMP/root
cd "$E2E_ROOT" || e2e_fail "no tree"
mk() { make --no-print-directory -s O="${O:-build}" DESTDIR="$D" PREFIX=/usr "$@"; }

mk install >/dev/null || e2e_fail "make install"
for f in usr/sbin/oops-agent usr/sbin/oops-collector usr/bin/oopsctl \
	etc/oopsd/agent.conf etc/oopsd/collector.conf \
	usr/lib/systemd/system/oops-agent.service \
	usr/lib/systemd/system/oops-collector.service \
	usr/lib/sysusers.d/oopsd.conf usr/lib/tmpfiles.d/oopsd.conf \
	usr/share/man/man8/oops-agent.8 usr/share/man/man1/oopsctl.1; do
	[ -e "$D/$f" ] || e2e_fail "not installed: $f"
done
grep -q "^ExecStart=/usr/sbin/oops-agent -f -c /etc/oopsd/agent.conf" \
	"$D/usr/lib/systemd/system/oops-agent.service" || e2e_fail "unit paths"

echo 'collector = udp://192.0.2.1:5514' >> "$D/etc/oopsd/agent.conf"
out=$(mk install) || e2e_fail "second make install"
grep -q 'agent.conf was edited' <<<"$out" || e2e_fail "no notice: $out"
grep -q '192.0.2.1' "$D/etc/oopsd/agent.conf" || e2e_fail "edited config overwritten"
cmp -s configs/agent.conf "$D/etc/oopsd/agent.conf.dist" || e2e_fail "no agent.conf.dist"
[ -e "$D/etc/oopsd/collector.conf.dist" ] && e2e_fail "unedited config got a .dist"
e2e_log "edited config kept, shipped one as .dist"

mk uninstall >/dev/null || e2e_fail "make uninstall"
left=$(cd "$D" && find . -type f | sort)
[ "$left" = "./etc/oopsd/agent.conf" ] || e2e_fail "after uninstall: $left"
e2e_log "uninstall removed everything but the edited config"
e2e_log "pass"
