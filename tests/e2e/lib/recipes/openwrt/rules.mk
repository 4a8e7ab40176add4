# rules.mk - the part of OpenWrt's include/rules.mk (TOPDIR) that an
# OpenWrt package Makefile sees, set from an SDK given on the command line
# (SDK_CC, SDK_CROSS, SDK_STAGING, SDK_CFLAGS), so that
# contrib/openwrt/oopsd/Makefile runs unchanged without an OpenWrt tree.
# Used by tests/e2e/recipes_build.sh (with package.mk next to it).

# OpenWrt does not pass its own command-line variables to a package's make.
MAKEOVERRIDES :=

INCLUDE_DIR := $(TOPDIR)
BUILD_DIR ?= $(SDK_BUILD_DIR)
STAGING_DIR := $(SDK_STAGING)
# pkg-config lives here in OpenWrt's host staging directory.
STAGING_DIR_HOST := $(TOPDIR)/host
TARGET_CROSS := $(SDK_CROSS)
TARGET_CC := $(SDK_CC)
TARGET_AR := $(if $(SDK_CROSS),$(SDK_CROSS)gcc-ar,gcc-ar)
# OpenWrt's TARGET_CFLAGS for a typical target (-fhonour-copts is only
# known to OpenWrt's gcc).
TARGET_CFLAGS := $(or $(SDK_CFLAGS),-Os -pipe -fno-caller-saves -fno-plt)
TARGET_CPPFLAGS := -I$(STAGING_DIR)/usr/include
TARGET_LDFLAGS := -L$(STAGING_DIR)/usr/lib -znow -zrelro
ARCH := $(shell $(SDK_CC) -dumpmachine | cut -d- -f1)

TARGET_CONFIGURE_OPTS = \
	AR="$(TARGET_AR)" \
	AS="$(TARGET_CC) -c" \
	LD=$(TARGET_CROSS)ld \
	NM="$(TARGET_CROSS)nm" \
	CC="$(TARGET_CC)" \
	GCC="$(TARGET_CC)" \
	RANLIB="$(TARGET_CROSS)ranlib" \
	STRIP=$(TARGET_CROSS)strip \
	OBJCOPY=$(TARGET_CROSS)objcopy \
	OBJDUMP=$(TARGET_CROSS)objdump \
	SIZE=$(TARGET_CROSS)size

INSTALL_DIR := install -d -m0755
INSTALL_BIN := install -m0755
INSTALL_DATA := install -m0644
INSTALL_CONF := install -m0600
