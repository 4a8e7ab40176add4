#!/usr/bin/env bash
# Scenario: `make demo` installs only what building the configuration
# needs; `make check` everything.  The demo list is a subset of the check
# list, holds the library of every feature the configuration enables
# (each pkgs-y of a Build.mk has its -dev package), and none of the test
# tools (QEMU, clang, cmocka, valgrind, a PostgreSQL server, packaging).
. "$(dirname "$0")/lib/common.sh"
e2e_init install_deps
cd "$E2E_ROOT" || e2e_fail "no tree"
for cfg in configs/defconfig configs/tiny_agent_defconfig configs/collector_defconfig; do
	[ -f "$cfg" ] || continue
	demo=" $(INSTALL_DEPS_LIST=1 scripts/install-deps --for demo "$cfg") "
	check=" $(INSTALL_DEPS_LIST=1 scripts/install-deps --for check "$cfg") "
	for p in $demo; do
		case $check in *" $p "*) ;; *) e2e_fail "$cfg: $p in demo, not in check";; esac
	done
	for p in qemu-system-x86 clang libcmocka-dev valgrind postgresql lintian mmdebstrap; do
		case $demo in *" $p "*) e2e_fail "$cfg: demo installs $p";; esac
	done
	for p in libcmocka-dev qemu-system-x86 debhelper; do
		case $check in *" $p "*) ;; *) e2e_fail "$cfg: check lacks $p";; esac
	done
	# Every library the configuration links (pkg-config names) is there.
	for pc in $(make --no-print-directory -s CONFIG_FILE="$cfg" O="$E2E_TMP/o" print-PKGS 2>/dev/null); do
		case $pc in
		libprotobuf-c) want=libprotobuf-c-dev;;
		zlib) want=zlib1g-dev;;
		liblz4) want=liblz4-dev;;
		libzstd) want=libzstd-dev;;
		libnl-3.0) want=libnl-3-dev;;
		libcrypto|openssl|libssl) want=libssl-dev;;
		libsystemd) want=libsystemd-dev;;
		libseccomp) want=libseccomp-dev;;
		sqlite3) want=libsqlite3-dev;;
		libpq) want=libpq-dev;;
		libmicrohttpd) want=libmicrohttpd-dev;;
		libcrypt) want=libcrypt-dev;;
		*) e2e_fail "$cfg: no package known for pkg-config '$pc'";;
		esac
		case $demo in *" $want "*) ;; *) e2e_fail "$cfg: demo lacks $want ($pc)";; esac
	done
	e2e_log "$cfg: demo $(wc -w <<<"$demo") packages, check $(wc -w <<<"$check")"
done
e2e_log "pass"
