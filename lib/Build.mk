# lib/: code both daemons and oopsctl share.  One line per feature.

# The daemon core.
lib-y += log.o evloop.o conf.o json.o util.o daemon.o

# The crash parser (always built: every source needs it).
lib-y += oops.o oops_line.o oops_header.o oops_frame.o oops_title.o oops_json.o

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
