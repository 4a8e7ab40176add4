#!/usr/bin/env bash
# Scenario: every configs/*_defconfig is consistent with the Kconfig tree,
# the tiny agent configuration builds an agent without the collector
# and without the disabled features (their code is absent from the binary),
# collector_defconfig builds, and the int and string values a .config
# leaves out come from their Kconfig default (scripts/mkautoconf), since C
# code keeps no #ifndef CONFIG_X fallback of its own.
set -u
O=${O:-build}
out=$O/e2e-tiny
fail=0
trap 'rm -rf "$out" "$out.cfg" "$O/e2e-collector"' EXIT

if /usr/bin/python3 -c 'import kconfiglib' 2>/dev/null; then
	for c in configs/*defconfig; do
		cp "$c" "$out.cfg"
		KCONFIG_CONFIG="$out.cfg" /usr/bin/python3 \
			/usr/lib/python3/dist-packages/olddefconfig.py Kconfig >/dev/null
		if ! diff -q <(grep -v '^#' "$c" | grep .) <(grep -v '^#' "$out.cfg" | grep .) >/dev/null; then
			echo "FAIL: $c is not what olddefconfig makes of it"; fail=1
		else
			echo "ok: $c consistent with Kconfig"
		fi
	done
fi

# A .config without any int or string line (as an older or hand-written one
# may be): every valued symbol is still defined, with its Kconfig default.
hdr=$(grep -v '^CONFIG_[A-Z0-9_]*=[^yn]' configs/tiny_agent_defconfig |
	scripts/mkautoconf Kconfig lib/Kconfig agent/Kconfig collector/Kconfig tools/Kconfig)
for sym in MAX_SENDERS:65536 MAX_DATAGRAM_BYTES:8192 DEFAULT_NETCONSOLE_PORT:6666 \
	DEFAULT_USER:'"oopsd"' DEFAULT_STORE:'"sqlite:/var/lib/oopsd/oopsd.db"'; do
	if grep -qxF "#define CONFIG_${sym%%:*} ${sym#*:}" <<<"$hdr"; then
		echo "ok: CONFIG_${sym%%:*} defaults to ${sym#*:}"
	else
		echo "FAIL: mkautoconf gives no Kconfig default for CONFIG_${sym%%:*}"; fail=1
	fi
done
# A value .config sets wins over the default.
grep -qxF '#define CONFIG_MAX_SENDERS 16' < <(scripts/mkautoconf Kconfig \
	lib/Kconfig agent/Kconfig collector/Kconfig tools/Kconfig < configs/tiny_agent_defconfig) ||
	{ echo "FAIL: .config's CONFIG_MAX_SENDERS=16 not kept"; fail=1; }
# No C fallback repeats a Kconfig default.
if grep -rn '#ifndef CONFIG_' lib agent collector tools; then
	echo "FAIL: C fallbacks for Kconfig symbols (the default belongs in Kconfig)"; fail=1
fi

make --no-print-directory -j2 O="$O/e2e-collector" CONFIG_FILE=configs/collector_defconfig all >/dev/null || {
	echo "FAIL: collector_defconfig does not build"; exit 1; }
for p in oops-collector oopsctl; do
	[ -x "$O/e2e-collector/bin/$p" ] || { echo "FAIL: no $p in collector_defconfig"; fail=1; }
done
[ -e "$O/e2e-collector/bin/oops-agent" ] && { echo "FAIL: agent built in collector_defconfig"; fail=1; }
echo "ok: collector_defconfig builds"

# Programs a previous configuration built in the same O= (here stand-ins)
# are removed: $O/bin holds what this configuration builds, nothing stale.
mkdir -p "$out/bin"
for p in oops-collector oopsctl; do
	printf '#!/bin/sh\n' > "$out/bin/$p"; chmod +x "$out/bin/$p"
done
echo keep > "$out/bin/notes.txt"
make --no-print-directory -j2 O="$out" CONFIG_FILE=configs/tiny_agent_defconfig all >/dev/null || {
	echo "FAIL: tiny_agent_defconfig does not build"; exit 1; }
[ -x "$out/bin/oops-agent" ] || { echo "FAIL: no agent"; fail=1; }
for p in oops-collector oopsctl oops-web; do
	[ -e "$out/bin/$p" ] && { echo "FAIL: $p (stale or built) in the tiny configuration's bin/"; fail=1; }
done
[ -f "$out/bin/notes.txt" ] || { echo "FAIL: a file that is not a program was removed"; fail=1; }
# The size options of tiny_agent_defconfig apply with no flag on the
# command line (the size itself is a figure: bench/agent.sh).
for f in -Os -flto -ffunction-sections -fno-pie; do
	make --no-print-directory -s O="$out" CONFIG_FILE=configs/tiny_agent_defconfig \
		print-ALL_CFLAGS | grep -q -- "$f" ||
		{ echo "FAIL: tiny_agent_defconfig does not compile with $f"; fail=1; }
done
strip -o "$out/agent.stripped" "$out/bin/oops-agent"
echo "tiny agent: $(stat -c %s "$out/agent.stripped") bytes stripped (target <= 153600)"
# Disabled features leave no code behind: no netlink, netconsole, kmsg,
# sqlite, HMAC, seccomp or systemd-pstore archive symbols, and no such
# libraries linked.
syms=$(nm "$out/bin/oops-agent" 2>/dev/null; nm -D "$out/bin/oops-agent")
for pat in 'nl_socket' 'ncon_' 'kmsg_' 'sqlite3_' 'HMAC' 'seccomp_' ' store_' \
	'pstore_scan_archive' 'pstore_archive_'; do
	if grep -q "$pat" <<<"$syms"; then
		echo "FAIL: tiny agent contains $pat symbols"; fail=1
	fi
done
libs=$(ldd "$out/bin/oops-agent")
for lib in libnl libsqlite libcrypto libseccomp libsystemd liblz4 libzstd; do
	if grep -q "$lib" <<<"$libs"; then
		echo "FAIL: tiny agent links $lib"; fail=1
	fi
done
# A key of a feature left out is refused by -n, not silently ignored; by
# default it is off (empty), so a stock configuration passes.
mkdir -p "$out/k/spool" "$out/k/state" "$out/k/pstore"; : > "$out/k/a.conf"
kargs=(-n -c "$out/k/a.conf" -o spool_dir="$out/k/spool" -o state_dir="$out/k/state"
	-o pstore_dir="$out/k/pstore")
"$out/bin/oops-agent" "${kargs[@]}" >/dev/null 2>&1 ||
	{ echo "FAIL: tiny agent -n refuses its own defaults"; fail=1; }
if "$out/bin/oops-agent" "${kargs[@]}" -o pstore_archive="$out/k" 2>&1 |
	grep -q "built without CONFIG_AGENT_PSTORE_ARCHIVE"; then
	echo "ok: tiny agent -n refuses pstore_archive"
else
	echo "FAIL: tiny agent -n accepts pstore_archive without the archive reader"; fail=1
fi
size=$(stat -c %s "$out/bin/oops-agent")
echo "tiny agent: $size bytes unstripped; libraries: $(awk '{print $1}' <<<"$libs" | tr '\n' ' ')"
# The unit tests of what the tiny configuration builds must pass in it too
# (a test that needs a feature the configuration leaves out skips).
if ! make --no-print-directory -j2 O="$out" \
	CONFIG_FILE=configs/tiny_agent_defconfig unit > "$out/unit.log" 2>&1; then
	echo "FAIL: unit tests fail in the tiny configuration:"
	grep -E "FAILED|\[  FAILED" "$out/unit.log" | head -n 20
	fail=1
else
	tail -n 1 "$out/unit.log"
fi
exit $fail
