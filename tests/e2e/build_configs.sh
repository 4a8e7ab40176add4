#!/usr/bin/env bash
# Scenario: every configs/*_defconfig is consistent with the Kconfig tree,
# and the tiny agent configuration builds an agent without the collector
# and without the disabled features (their code is absent from the binary).
set -u
O=${O:-build}
out=$O/e2e-tiny
fail=0
trap 'rm -rf "$out" "$out.cfg"' EXIT

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

make --no-print-directory -j2 O="$out" CONFIG_FILE=configs/tiny_agent_defconfig all >/dev/null || {
	echo "FAIL: tiny_agent_defconfig does not build"; exit 1; }
[ -x "$out/bin/oops-agent" ] || { echo "FAIL: no agent"; fail=1; }
for p in oops-collector oopsctl oops-web; do
	[ -e "$out/bin/$p" ] && { echo "FAIL: $p built in the tiny configuration"; fail=1; }
done
# Disabled features leave no code behind: no netlink, netconsole, kmsg,
# sqlite, HMAC or seccomp symbols, and no such libraries linked.
syms=$(nm "$out/bin/oops-agent" 2>/dev/null; nm -D "$out/bin/oops-agent")
for pat in 'nl_socket' 'ncon_' 'kmsg_' 'sqlite3_' 'HMAC' 'seccomp_' ' store_'; do
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
