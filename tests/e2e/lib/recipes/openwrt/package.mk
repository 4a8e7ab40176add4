# package.mk - the part of OpenWrt's include/package.mk and
# package-defaults.mk a package Makefile uses (see rules.mk here).
# BuildPackage makes the rule `all`: Build/Configure, Build/Compile, then
# Package/NAME/install into $(PKG_INSTALL_ROOT), each block as the
# package wrote it.

PKG_BUILD_DIR ?= $(BUILD_DIR)/$(PKG_NAME)-$(PKG_VERSION)
PKG_JOBS ?= -j2
PKG_INSTALL_ROOT ?= $(BUILD_DIR)/ipkg-$(PKG_NAME)

MAKE_VARS = \
	CFLAGS="$(TARGET_CFLAGS) $(EXTRA_CFLAGS) $(TARGET_CPPFLAGS) $(EXTRA_CPPFLAGS)" \
	CXXFLAGS="$(TARGET_CFLAGS) $(EXTRA_CFLAGS) $(TARGET_CPPFLAGS) $(EXTRA_CPPFLAGS)" \
	LDFLAGS="$(TARGET_LDFLAGS) $(EXTRA_LDFLAGS)"

MAKE_FLAGS = \
	$(TARGET_CONFIGURE_OPTS) \
	CROSS="$(TARGET_CROSS)" \
	ARCH="$(ARCH)"

define BuildPackage
.PHONY: all
all:
	@echo "package $(1): $$(strip $$(Package/$(1)/conffiles))"
	$$(Build/Configure)
	$$(Build/Compile)
	$$(call Package/$(1)/install,$(PKG_INSTALL_ROOT))
endef
