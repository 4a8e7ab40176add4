# lib/: code both daemons and oopsctl share.  One line per feature.

# The daemon core.
lib-y += log.o evloop.o conf.o json.o util.o daemon.o
# Least privilege: the seccomp allow-list (a stub without CONFIG_SECCOMP).
lib-y += sandbox.o

# The crash parser (always built: every source needs it).
lib-y +=

# Records, signatures and the wire codec (always built).
lib-y += pbutil.o wire.o
lib-$(CONFIG_AUTH_HMAC) += wire_hmac.o

# Sources.
lib-$(CONFIG_PSTORE) +=
pkgs-$(CONFIG_PSTORE_LZ4) += liblz4
pkgs-$(CONFIG_PSTORE_ZSTD) += libzstd
lib-$(CONFIG_NETCONSOLE) +=

# Transports and authentication.
lib-$(CONFIG_TRANSPORT_UDP) +=
lib-$(CONFIG_TRANSPORT_NETLINK) +=
pkgs-$(CONFIG_TRANSPORT_NETLINK) += libnl-3.0
pkgs-$(CONFIG_AUTH_HMAC) += libcrypto
pkgs-$(CONFIG_SYSTEMD) += libsystemd
pkgs-$(CONFIG_SECCOMP) += libseccomp

# Stores.
pkgs-$(CONFIG_STORE_SQLITE) += sqlite3
