#!/usr/bin/env bash
# Scenario: the Debian packages.  scripts/build-deb (make deb) builds
# oopsd-agent, oopsd-collector, oopsd-web and oopsd-tools with dpkg-buildpackage from
# a copy of the tree; lintian finds no error and no warning; each package
# holds its binary, man page, unit (where debhelper enables it),
# sysusers.d and tmpfiles.d files, its config as a conffile; the
# maintainer scripts make the user and the spool, enable and start the
# unit on install, stop it on removal, and purge the state.
# (Installed and booted for real: tests/e2e/qemu_debian_systemd.sh.)
. "$(dirname "$0")/lib/common.sh"
e2e_init deb_packages
for t in dpkg-buildpackage dh lintian; do
	command -v $t >/dev/null || e2e_skip "$t missing (scripts/install-deps)"
done
[ -f /usr/share/perl5/Debian/Debhelper/Sequence/installsysusers.pm ] ||
	e2e_skip "debhelper without the installsysusers sequence"
cd "$E2E_ROOT" || e2e_fail "no tree"
D=$E2E_TMP/deb
scripts/build-deb "$D" >"$E2E_TMP/build.out" 2>&1 || {
	tail -n 30 "$E2E_TMP/build.out"
	e2e_fail "build-deb failed"
}
grep -E '^(E|W): ' "$E2E_TMP/build.out" && e2e_fail "lintian errors or warnings"
v=$(dpkg-parsechangelog -S Version)
a=$D/oopsd-agent_${v}_$(dpkg --print-architecture).deb
c=$D/oopsd-collector_${v}_$(dpkg --print-architecture).deb
t=$D/oopsd-tools_${v}_$(dpkg --print-architecture).deb
w=$D/oopsd-web_${v}_$(dpkg --print-architecture).deb
for f in "$a" "$c" "$t" "$w"; do [ -f "$f" ] || e2e_fail "missing $f"; done

has() { dpkg -c "$1" | awk '{ print $6 }' | grep -qx "./$2" || e2e_fail "$(basename "$1") lacks $2"; }
has "$a" usr/sbin/oops-agent
has "$a" lib/systemd/system/oops-agent.service
has "$a" usr/lib/sysusers.d/oopsd-agent.conf
has "$a" usr/lib/tmpfiles.d/oopsd-agent.conf
has "$a" usr/share/man/man8/oops-agent.8.gz
has "$c" usr/sbin/oops-collector
has "$c" lib/systemd/system/oops-collector.service
has "$c" usr/lib/sysusers.d/oopsd-collector.conf
has "$t" usr/bin/oopsctl
has "$t" usr/share/man/man1/oopsctl.1.gz
has "$w" usr/sbin/oops-web
has "$w" lib/systemd/system/oops-web.service
has "$w" usr/share/man/man8/oops-web.8.gz
dpkg-deb -I "$w" conffiles | grep -qx /etc/oopsd/web.conf || e2e_fail "web.conf not a conffile"
dpkg-deb -f "$w" Depends | grep -q 'oopsd-collector' || e2e_fail "oopsd-web without the collector's user"
dpkg-deb -I "$w" postinst | grep -q "deb-systemd-helper enable 'oops-web.service'" || e2e_fail "web: unit not enabled"
[ "$(dpkg-deb -f "$a" Package)" = oopsd-agent ] || e2e_fail "agent control"
dpkg-deb -I "$a" conffiles | grep -qx /etc/oopsd/agent.conf || e2e_fail "agent.conf not a conffile"
dpkg-deb -I "$c" conffiles | grep -qx /etc/oopsd/collector.conf || e2e_fail "collector.conf not a conffile"
dpkg-deb -f "$a" Depends | grep -q systemd || e2e_fail "no sysusers provider dependency"
dpkg-deb -f "$a" Depends | grep -q libc6 || e2e_fail "no shlibs dependency"

for p in agent collector; do
	deb=$D/oopsd-${p}_${v}_$(dpkg --print-architecture).deb
	dpkg-deb -I "$deb" postinst >"$E2E_TMP/postinst"
	dpkg-deb -I "$deb" prerm >"$E2E_TMP/prerm"
	dpkg-deb -I "$deb" postrm >"$E2E_TMP/postrm"
	grep -q "systemd-sysusers.*oopsd-$p.conf" "$E2E_TMP/postinst" || e2e_fail "$p: no sysusers in postinst"
	grep -q "deb-systemd-helper enable 'oops-$p.service'" "$E2E_TMP/postinst" || e2e_fail "$p: unit not enabled"
	grep -q "deb-systemd-invoke \$_dh_action 'oops-$p.service'" "$E2E_TMP/postinst" || e2e_fail "$p: unit not started"
	grep -q "deb-systemd-invoke stop 'oops-$p.service'" "$E2E_TMP/prerm" || e2e_fail "$p: unit not stopped on removal"
	grep -q 'rm -rf /var/lib/o' "$E2E_TMP/postrm" || e2e_fail "$p: purge keeps the state"
	# The sysusers line is created before tmpfiles needs the user.
	awk '/systemd-sysusers/ { u = NR } /systemd-tmpfiles/ { t = NR } END { exit !(t == 0 || u < t) }' \
		"$E2E_TMP/postinst" || e2e_fail "$p: tmpfiles before sysusers"
done
# The packaged unit runs the packaged paths.
dpkg-deb --fsys-tarfile "$a" | tar -xO ./lib/systemd/system/oops-agent.service |
	grep -q '^ExecStart=/usr/sbin/oops-agent -f -c /etc/oopsd/agent.conf' ||
	e2e_fail "unit paths"
e2e_log "pass ($(ls "$D"/*.deb | wc -l) .debs)"
