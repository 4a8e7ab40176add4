# lib/: code both daemons and oopsctl share.  One line per feature.

# The daemon core.
lib-y += log.o evloop.o conf.o json.o util.o daemon.o
# Least privilege: the seccomp allow-list (a stub without CONFIG_SECCOMP).
lib-y += sandbox.o
# Authentication: the per-sender replay window for authenticated datagrams.
lib-y += replay.o
# Keyed hashing for tables whose keys a peer picks (rate limits, replay).
lib-y += siphash.o

# The agent's durable spool.
lib-$(CONFIG_AGENT) += spool.o

# The crash parser (always built: every source needs it).
lib-y += oops.o oops_line.o oops_header.o oops_frame.o oops_title.o oops_json.o

# Records, signatures and the wire codec (always built).
lib-y += pbutil.o wire.o signature.o record.o record_dict.o
lib-$(CONFIG_AUTH_HMAC) += wire_hmac.o
# Addresses out of report text before it leaves the device (redact = yes).
lib-$(CONFIG_REDACT) += redact.o

# Sources.
lib-$(CONFIG_PSTORE) += pstore.o pstore_core.o pstore_decode.o pstore_record.o
pkgs-$(CONFIG_PSTORE_LZ4) += liblz4
pkgs-$(CONFIG_PSTORE_ZSTD) += libzstd
lib-$(CONFIG_NETCONSOLE) += ncon.o ncon_rx.o

# Transports and authentication.
lib-y += transport.o
lib-$(CONFIG_TRANSPORT_UDP) += transport_udp.o
lib-$(CONFIG_TRANSPORT_NETLINK) += transport_netlink.o
pkgs-$(CONFIG_TRANSPORT_NETLINK) += libnl-3.0
pkgs-$(CONFIG_AUTH_HMAC) += libcrypto
pkgs-$(CONFIG_SYSTEMD) += libsystemd
pkgs-$(CONFIG_SECCOMP) += libseccomp

# Stores.
lib-y += store.o
lib-$(CONFIG_STORE_SQLITE) += store_sqlite.o
pkgs-$(CONFIG_STORE_SQLITE) += sqlite3
lib-$(CONFIG_STORE_POSTGRES) += store_pg.o
pkgs-$(CONFIG_STORE_POSTGRES) += libpq
