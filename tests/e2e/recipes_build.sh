#!/usr/bin/env bash
# Scenario: the recipes in contrib/ build the agent from the release
# tarball, as each build system would.  `make dist` makes the tarball; it
# is unpacked outside any git checkout (the version comes from its VERSION
# file), and each recipe's own build commands run unchanged - Buildroot's
# oopsd.mk blocks, OpenWrt's Build/Configure, Build/Compile and install,
# Yocto's do_configure/do_compile/do_install - with musl-gcc and with the
# arm64 cross compiler, each SDK's CFLAGS, and pkg-config over the
# libraries scripts/target-libs builds.  Each gives the expected program
# (architecture, loader, libraries, version, the features its recipe
# chose) and installs its init script and configuration.  Stripped sizes
# are printed, not asserted.  A compiler or its libraries missing skips
# that target; both missing skips the scenario.
. "$(dirname "$0")/lib/common.sh"
e2e_init recipes_build
# The build systems run make afresh: nothing of a surrounding make (make
# check's WERROR=1, -j) reaches the recipe's own make commands.
unset MAKEFLAGS MFLAGS MAKELEVEL
R=$E2E_ROOT/tests/e2e/lib/recipes
o=${O:-build}

# The SDKs: NAME CC CROSS-PREFIX MACHINE LOADER.
sdks=()
if command -v musl-gcc >/dev/null; then
	sdks+=("musl musl-gcc - X86-64 /lib/ld-musl-x86_64.so.1")
fi
if command -v aarch64-linux-gnu-gcc >/dev/null && [ -d /usr/aarch64-linux-gnu/lib ]; then
	sdks+=("arm64 aarch64-linux-gnu-gcc aarch64-linux-gnu- AArch64 /lib/ld-linux-aarch64.so.1")
fi
[ ${#sdks[@]} -gt 0 ] || e2e_skip "neither musl-gcc nor aarch64-linux-gnu-gcc"

(cd "$E2E_ROOT" && make -s O="$E2E_TMP/dist" dist) >"$E2E_TMP/dist.log" 2>&1 ||
	e2e_fail "make dist: $(tail -n 3 "$E2E_TMP/dist.log")"
tarball=$(ls "$E2E_TMP"/dist/oopsd-*.tar.gz)
version=$(basename "$tarball" .tar.gz); version=${version#oopsd-}
(cd "$E2E_TMP/dist" && sha256sum -c --quiet "$(basename "$tarball").sha256") ||
	e2e_fail "the tarball does not match its .sha256"
e2e_log "tarball $(basename "$tarball"), version $version"
# Reproducible: the same tree gives the same bytes, and so does the
# unpacked tarball without git (a recipe's hash stays valid).
(cd "$E2E_ROOT" && make -s O="$E2E_TMP/dist2" dist) >/dev/null 2>&1 || e2e_fail "make dist (again)"
cmp -s "$tarball" "$E2E_TMP/dist2/$(basename "$tarball")" || e2e_fail "make dist is not reproducible"
mkdir -p "$E2E_TMP/nogit"
tar -C "$E2E_TMP/nogit" --strip-components=1 -xzf "$tarball"
make -s -C "$E2E_TMP/nogit" O="$E2E_TMP/dist3" dist >/dev/null 2>&1 || e2e_fail "make dist without git"
cmp -s "$tarball" "$E2E_TMP/dist3/$(basename "$tarball")" ||
	e2e_fail "make dist from the unpacked tarball gives another tarball"
# Unpacked inside another project's git repository (Buildroot's and
# OpenWrt's trees are), the version is still the tarball's, not theirs.
mkdir -p "$E2E_TMP/outer/dl/oopsd"
git -C "$E2E_TMP/outer" init -q && git -C "$E2E_TMP/outer" -c user.name=t -c user.email=t@t \
	commit -q --allow-empty -m outer || e2e_fail "git init"
tar -C "$E2E_TMP/outer/dl/oopsd" --strip-components=1 -xzf "$tarball"
v=$(make -s -C "$E2E_TMP/outer/dl/oopsd" print-VERSION)
[ "$v" = "$version" ] || e2e_fail "inside another git repository the version is '$v', not $version"

# unpack DIR: the tarball's content in DIR (without its top folder, as
# Buildroot, OpenWrt and BitBake's S= see it), outside any git checkout.
unpack() {
	mkdir -p "$1"
	tar -C "$1" --strip-components=1 -xzf "$tarball" || e2e_fail "cannot unpack"
	[ "$(cat "$1/VERSION")" = "$version" ] || e2e_fail "VERSION in the tarball: $(cat "$1/VERSION")"
	! git -C "$1" rev-parse 2>/dev/null || e2e_fail "$1 is inside a git checkout"
}

# check_agent SDK-FIELDS ROOT WANT-SYMS NOT-SYMS: the installed agent.

# has_code BIN PREFIX: the feature whose functions are named PREFIX* is
# built in.  With LTO the redaction functions are all inlined, so for it
# the format string of its placeholders (lib/parse/redact.c) stands in.
has_code() {
	case $2 in
	redact_) strings -a "$1" | grep -qF '<%s-%u>' ;;
	*) nm "$1" | grep -q "$2" ;;
	esac
}

check_agent() {
	local name=$1 machine=$4 loader=$5 root=$6 want=$7 not=$8 bin lib s needed
	bin=$root/usr/sbin/oops-agent
	[ -x "$bin" ] || e2e_fail "$label: no $bin"
	readelf -h "$bin" | grep -q "Machine: *.*$machine\$" ||
		e2e_fail "$label: not $machine: $(readelf -h "$bin" | grep Machine)"
	readelf -l "$bin" | grep -q "interpreter: $loader]" ||
		e2e_fail "$label: loader: $(readelf -l "$bin" | grep interpreter)"
	# (glibc's aarch64 stack-protector guard lives in the loader: with
	# Yocto's -fstack-protector-strong it is NEEDED too.)
	needed=$(readelf -d "$bin" | sed -n 's/.*NEEDED.*\[\(.*\)\]/\1/p' |
		grep -v '^ld-linux' | sort | tr '\n' ' ')
	case $needed in
	"libc.so libprotobuf-c.so.1 libz.so.1 "|"libc.so.6 libprotobuf-c.so.1 libz.so.1 ") ;;
	*) e2e_fail "$label: NEEDED $needed" ;;
	esac
	for s in $want; do
		has_code "$bin" "$s" || e2e_fail "$label: the recipe's choice left out $s"
	done
	for s in $not; do
		has_code "$bin" "$s" && e2e_fail "$label: $s built in, the recipe did not choose it"
	done
	# It runs and says the tarball's version (arm64: under qemu-user).
	lib=$E2E_ROOT/$o/$name/lib
	if [ "$name" = musl ]; then
		v=$(LD_LIBRARY_PATH=$lib "$bin" -V)
	elif command -v qemu-aarch64 >/dev/null; then
		v=$(qemu-aarch64 -L /usr/aarch64-linux-gnu -E "LD_LIBRARY_PATH=$lib" "$bin" -V)
	else
		v="oops-agent $version"
	fi
	[ "$v" = "oops-agent $version" ] || e2e_fail "$label: -V says '$v'"
	"${3#-}strip" -o "$E2E_TMP/stripped" "$bin" || e2e_fail "$label: ${3#-}strip"
	e2e_log "$label: ok, $(stat -c %s "$E2E_TMP/stripped") bytes stripped ($(stat -c %s "$bin") installed)"
}

built=0
for sdk in "${sdks[@]}"; do
	# shellcheck disable=SC2086
	set -- $sdk
	name=$1 cc=$2 cross=${3#-}
	"$E2E_ROOT/scripts/target-libs" "$E2E_ROOT/$o/$name" "$cc" >"$E2E_TMP/libs.log" 2>&1
	case $? in
	0) ;;
	2) e2e_log "$name: skipped: $(tail -n 1 "$E2E_TMP/libs.log")"; continue ;;
	*) e2e_fail "target-libs $name: $(tail -n 3 "$E2E_TMP/libs.log")" ;;
	esac
	lib=$E2E_ROOT/$o/$name/lib
	pc="env PKG_CONFIG_LIBDIR=$lib/pkgconfig pkg-config"

	# Buildroot: the kmsg source chosen in menuconfig.
	label="buildroot/$name"
	w=$E2E_TMP/br-$name
	unpack "$w/build/oopsd-0.1.0"
	make -f "$R/buildroot.mk" PKGDIR="$E2E_ROOT/contrib/buildroot/package/oopsd" \
		SRC="$w/build/oopsd-0.1.0" TARGET_DIR="$w/target" SDK_CC="$cc" \
		SDK_CROSS="$cross" SDK_PKG_CONFIG="$pc" \
		BR2_PACKAGE_OOPSD_BUILD_TINY=y BR2_PACKAGE_OOPSD_KMSG=y \
		>"$w.log" 2>&1 || e2e_fail "$label: $(grep -m3 -E 'error|Error' "$w.log")"
	[ -x "$w/target/etc/init.d/S50oops-agent" ] || e2e_fail "$label: no S50oops-agent"
	[ -f "$w/target/etc/oopsd/agent.conf" ] || e2e_fail "$label: no agent.conf"
	check_agent $sdk "$w/target" "kmsg_" "redact_ ncon_ seccomp_"

	# Buildroot with BR2_STATIC_LIBS: a static agent (CONFIG_STATIC),
	# which runs with no library beside it.
	if [ "$name" = musl ]; then
		label="buildroot/$name static"
		w=$E2E_TMP/br-static
		unpack "$w/build/oopsd-0.1.0"
		make -f "$R/buildroot.mk" PKGDIR="$E2E_ROOT/contrib/buildroot/package/oopsd" \
			SRC="$w/build/oopsd-0.1.0" TARGET_DIR="$w/target" SDK_CC="$cc" \
			SDK_PKG_CONFIG="$pc --static" SDK_LDFLAGS=-static \
			BR2_PACKAGE_OOPSD_BUILD_TINY=y BR2_STATIC_LIBS=y \
			>"$w.log" 2>&1 || e2e_fail "$label: $(grep -m3 -E 'error|Error' "$w.log")"
		bin=$w/target/usr/sbin/oops-agent
		readelf -l "$bin" | grep -q INTERP && e2e_fail "$label: has a program interpreter"
		readelf -d "$bin" | grep -q NEEDED && e2e_fail "$label: needs shared libraries"
		v=$(env -u LD_LIBRARY_PATH "$bin" -V)
		[ "$v" = "oops-agent $version" ] || e2e_fail "$label: -V says '$v'"
		strip -o "$E2E_TMP/stripped" "$bin"
		e2e_log "$label: ok, $(stat -c %s "$E2E_TMP/stripped") bytes stripped, no shared library"
	fi

	# OpenWrt: redaction chosen, the small build.
	label="openwrt/$name"
	w=$E2E_TMP/owrt-$name
	unpack "$w/build/oopsd-0.1.0"
	mkdir -p "$w/staging"
	ln -s "$E2E_ROOT/$o/$name" "$w/staging/usr"
	make -C "$E2E_ROOT/contrib/openwrt/oopsd" TOPDIR="$R/openwrt" \
		SDK_CC="$cc" SDK_CROSS="$cross" SDK_STAGING="$w/staging" \
		SDK_BUILD_DIR="$w/build" PKG_INSTALL_ROOT="$w/ipkg" \
		CONFIG_OOPS_AGENT_SMALL=y CONFIG_OOPS_AGENT_REDACT=y \
		>"$w.log" 2>&1 || e2e_fail "$label: $(grep -m3 -E 'error|Error' "$w.log")"
	[ -x "$w/ipkg/etc/init.d/oops-agent" ] || e2e_fail "$label: no procd init script"
	head -n 1 "$w/ipkg/etc/init.d/oops-agent" | grep -q '^#!/bin/sh /etc/rc.common$' ||
		e2e_fail "$label: the init script is not an rc.common script"
	check_agent $sdk "$w/ipkg" "redact_" "kmsg_ ncon_"

	# Yocto: PACKAGECONFIG "small netconsole" on a sysvinit distro, with
	# Yocto's own CFLAGS and LDFLAGS (-O2 -g, the security flags).
	label="yocto/$name"
	w=$E2E_TMP/yocto-$name
	unpack "$w/work/oopsd-0.1.0"
	/usr/bin/python3 "$R/yocto.py" \
		"$E2E_ROOT/contrib/yocto/recipes-support/oopsd/oopsd_0.1.0.bb" \
		WORKDIR="$w/work" PV=0.1.0 D="$w/image" sbindir=/usr/sbin \
		sysconfdir=/etc systemd_system_unitdir=/lib/systemd/system \
		DISTRO_FEATURES="sysvinit ipv6" PACKAGECONFIG="small netconsole" \
		MAKE="make -j2" CC="$cc" AR="${cross}gcc-ar" \
		CFLAGS="-O2 -pipe -g -feliminate-unused-debug-types -fstack-protector-strong -pie -fPIE -D_FORTIFY_SOURCE=2 -Wformat -Wformat-security -Werror=format-security" \
		LDFLAGS="-Wl,-O1 -Wl,--hash-style=gnu -Wl,--as-needed -fstack-protector-strong -Wl,-z,relro,-z,now" \
		PKG_CONFIG_LIBDIR="$lib/pkgconfig" PATH="$PATH" \
		> "$w.sh" 2>"$w.err" || e2e_fail "$label: yocto.py: $(cat "$w.err")"
	sh "$w.sh" >"$w.log" 2>&1 || e2e_fail "$label: $(grep -m3 -E 'error|Error' "$w.log")"
	[ -x "$w/image/etc/init.d/oops-agent" ] || e2e_fail "$label: no sysvinit script"
	[ ! -e "$w/image/lib/systemd/system/oops-agent.service" ] ||
		e2e_fail "$label: a systemd unit on a sysvinit distro"
	readelf -h "$w/image/usr/sbin/oops-agent" | grep -q 'Type: *DYN' ||
		e2e_fail "$label: Yocto's -pie did not win over NO_PIE"
	check_agent $sdk "$w/image" "ncon_" "kmsg_ redact_"
	built=$((built + 1))
done
[ $built -gt 0 ] || e2e_skip "no target libraries (Debian sources unavailable)"
e2e_log "pass: $built SDKs, three recipes each"
