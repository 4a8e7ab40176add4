# lib/: code both daemons and oopsctl share.  One line per feature.

# The daemon core.
lib-y += log.o evloop.o conf.o json.o util.o daemon.o

# The agent's durable spool.
lib-$(CONFIG_AGENT) += spool.o

# The crash parser (always built: every source needs it).
lib-y +=

# Sources.
lib-$(CONFIG_PSTORE) +=
pkgs-$(CONFIG_PSTORE_LZ4) += liblz4
pkgs-$(CONFIG_PSTORE_ZSTD) += libzstd
lib-$(CONFIG_NETCONSOLE) +=

# Transports and authentication.
lib-y += transport.o
lib-$(CONFIG_TRANSPORT_UDP) += transport_udp.o
lib-$(CONFIG_TRANSPORT_NETLINK) += transport_netlink.o
pkgs-$(CONFIG_TRANSPORT_NETLINK) += libnl-3.0
pkgs-$(CONFIG_AUTH_HMAC) += libcrypto
pkgs-$(CONFIG_SYSTEMD) += libsystemd
pkgs-$(CONFIG_SECCOMP) += libseccomp

# Stores.
pkgs-$(CONFIG_STORE_SQLITE) += sqlite3
