################################################################################
#
# oopsd
#
################################################################################

# A release tarball made by `make dist` (oopsd-VERSION.tar.gz); put its
# SHA-256 (oopsd-VERSION.tar.gz.sha256) in oopsd.hash.  For a tree of your
# own instead: OOPSD_OVERRIDE_SRCDIR = /path/to/oopsd in local.mk.
OOPSD_VERSION = 0.1.0
OOPSD_SITE = https://downloads.example.org/oopsd
OOPSD_LICENSE = MIT
# protoc-c generates the record code at build time; pkg-config finds the
# target's protobuf-c and zlib (TARGET_CONFIGURE_OPTS passes PKG_CONFIG).
OOPSD_DEPENDENCIES = host-protobuf-c host-pkgconf protobuf-c zlib \
	$(if $(BR2_PACKAGE_OOPSD_HMAC),openssl) \
	$(if $(BR2_PACKAGE_OOPSD_NETLINK),libnl) \
	$(if $(BR2_PACKAGE_OOPSD_SECCOMP),libseccomp) \
	$(if $(BR2_PACKAGE_SYSTEMD),systemd)

# The menuconfig choices onto oopsd's own Kconfig symbols, on top of
# configs/tiny_agent_defconfig (scripts/config needs no Kconfig frontend).
OOPSD_KCONFIG_OPTS = \
	$(if $(BR2_PACKAGE_OOPSD_KMSG),-e,-d) AGENT_KMSG \
	$(if $(BR2_PACKAGE_OOPSD_NETCONSOLE),-e,-d) NETCONSOLE \
	$(if $(BR2_PACKAGE_OOPSD_NETCONSOLE),-e,-d) AGENT_NETCONSOLE \
	$(if $(BR2_PACKAGE_OOPSD_REDACT),-e,-d) REDACT \
	$(if $(BR2_PACKAGE_OOPSD_DEBUG_LOG),-e,-d) LOG_DEBUG \
	$(if $(BR2_PACKAGE_OOPSD_HMAC),-e,-d) AUTH_HMAC \
	$(if $(BR2_PACKAGE_OOPSD_NETLINK),-e,-d) TRANSPORT_NETLINK \
	$(if $(BR2_PACKAGE_OOPSD_SECCOMP),-e,-d) SECCOMP \
	$(if $(BR2_PACKAGE_SYSTEMD),-e,-d) SYSTEMD \
	$(if $(BR2_PACKAGE_SYSTEMD_PSTORE),-e,-d) AGENT_PSTORE_ARCHIVE \
	$(if $(BR2_STATIC_LIBS),-e,-d) STATIC \
	$(if $(BR2_PACKAGE_OOPSD_BUILD_DEFAULT), \
		-d NO_PIE -d NO_UNWIND_TABLES -d LD_DEAD_CODE_DATA_ELIMINATION \
		-d LTO -d LD_NO_SEPARATE_CODE -d NO_PLT -d PROTO_NDEBUG)

define OOPSD_CONFIGURE_CMDS
	$(TARGET_MAKE_ENV) $(MAKE) -C $(@D) tiny_agent_defconfig
	$(@D)/scripts/config --file $(@D)/.config $(OOPSD_KCONFIG_OPTS)
endef

# TARGET_CONFIGURE_OPTS: the SDK's CC, AR, CFLAGS, LDFLAGS and PKG_CONFIG;
# Buildroot's CFLAGS replace the configuration's -Os, the other size
# options stay.
define OOPSD_BUILD_CMDS
	$(TARGET_MAKE_ENV) $(MAKE) $(TARGET_CONFIGURE_OPTS) -C $(@D) all
endef

define OOPSD_INSTALL_TARGET_CMDS
	$(INSTALL) -D -m 0755 $(@D)/build/bin/oops-agent \
		$(TARGET_DIR)/usr/sbin/oops-agent
	$(INSTALL) -D -m 0644 $(@D)/configs/agent.conf \
		$(TARGET_DIR)/etc/oopsd/agent.conf
endef

define OOPSD_INSTALL_INIT_SYSV
	$(INSTALL) -D -m 0755 $(OOPSD_PKGDIR)/S50oops-agent \
		$(TARGET_DIR)/etc/init.d/S50oops-agent
endef

define OOPSD_INSTALL_INIT_SYSTEMD
	$(INSTALL) -d $(TARGET_DIR)/usr/lib/systemd/system
	sed -e 's|@SBINDIR@|/usr/sbin|g' -e 's|@SYSCONFDIR@|/etc|g' \
		$(@D)/systemd/oops-agent.service \
		> $(TARGET_DIR)/usr/lib/systemd/system/oops-agent.service
endef

# The agent drops to this user once its sockets and spool are open.
define OOPSD_USERS
	oopsd -1 oopsd -1 * /var/lib/oopsd - - oopsd crash agent
endef

$(eval $(generic-package))
