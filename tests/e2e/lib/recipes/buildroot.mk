# buildroot.mk - run contrib/buildroot/package/oopsd/oopsd.mk the way
# Buildroot's generic-package runs it, without a Buildroot tree: the
# package's own CONFIGURE, BUILD, INSTALL_TARGET and INSTALL_INIT_* command
# blocks, unchanged, with $(@D) the unpacked `make dist` tarball and the
# variables Buildroot gives them set from an SDK (musl-gcc, a cross gcc).
#
#   make -f buildroot.mk PKGDIR=contrib/buildroot/package/oopsd SRC=DIR \
#        TARGET_DIR=DIR SDK_CC=CC SDK_CROSS=PREFIX SDK_PKG_CONFIG=CMD \
#        [BR2_PACKAGE_OOPSD_...=y] [BR2_INIT_SYSTEMD=y]
#
# Used by tests/e2e/recipes_build.sh and qemu_busybox_init.sh.

# Buildroot does not hand its own command-line variables to a package's
# make; neither does this (SRC=, TARGET_DIR= are not oopsd's business).
MAKEOVERRIDES :=

SDK_CROSS ?=
SDK_AR ?= $(SDK_CROSS)ar
# What Buildroot's TARGET_CFLAGS look like (BR2_OPTIMIZE_S, no debug).
SDK_CFLAGS ?= -D_LARGEFILE_SOURCE -D_LARGEFILE64_SOURCE -D_FILE_OFFSET_BITS=64 -Os -g0
SDK_LDFLAGS ?=

INSTALL := install
OOPSD_PKGDIR := $(PKGDIR)/
TARGET_MAKE_ENV := PATH="$(PATH)"
TARGET_CONFIGURE_OPTS := PATH="$(PATH)" AR="$(SDK_AR)" \
	AS="$(SDK_CROSS)as" LD="$(SDK_CROSS)ld" NM="$(SDK_CROSS)nm" \
	CC="$(SDK_CC)" GCC="$(SDK_CC)" CPP="$(SDK_CC) -E" \
	RANLIB="$(SDK_CROSS)ranlib" READELF="$(SDK_CROSS)readelf" \
	STRIP="$(SDK_CROSS)strip" OBJCOPY="$(SDK_CROSS)objcopy" \
	CPPFLAGS="-D_LARGEFILE_SOURCE -D_LARGEFILE64_SOURCE -D_FILE_OFFSET_BITS=64" \
	CFLAGS="$(SDK_CFLAGS)" LDFLAGS="$(SDK_LDFLAGS)" \
	PKG_CONFIG="$(SDK_PKG_CONFIG)" STAGING_DIR="$(SRC)/staging"

# The package infrastructure itself is what this file replaces.
generic-package :=

include $(PKGDIR)/oopsd.mk

.PHONY: all
all: $(SRC)/.stamp_installed

# $(@D) in the package's blocks is $(SRC), as in Buildroot's
# $(BUILD_DIR)/oopsd-VERSION/.stamp_* rules.
$(SRC)/.stamp_installed:
	@echo ">>> oopsd $(OOPSD_VERSION) Configuring"
	$(OOPSD_CONFIGURE_CMDS)
	@echo ">>> oopsd $(OOPSD_VERSION) Building"
	$(OOPSD_BUILD_CMDS)
	@echo ">>> oopsd $(OOPSD_VERSION) Installing to target"
	$(OOPSD_INSTALL_TARGET_CMDS)
	$(if $(BR2_INIT_SYSTEMD),$(OOPSD_INSTALL_INIT_SYSTEMD),$(OOPSD_INSTALL_INIT_SYSV))
	@echo 'users: $(strip $(OOPSD_USERS))'
	@echo 'dependencies: $(strip $(OOPSD_DEPENDENCIES))'
	touch $@
