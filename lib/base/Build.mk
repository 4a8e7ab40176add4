# lib/base: the daemon core every program shares.
base-y += log.o evloop.o conf.o json.o util.o daemon.o termesc.o
# Constant text carried deflated (parser lists), inflated at first use.
base-y += zconst.o
# Least privilege: the seccomp allow-list (a stub without CONFIG_SECCOMP).
base-y += sandbox.o
# Keyed hashing for tables whose keys a peer picks (rate limits, replay).
base-y += siphash.o
pkgs-$(CONFIG_SYSTEMD) += libsystemd
pkgs-$(CONFIG_SECCOMP) += libseccomp
