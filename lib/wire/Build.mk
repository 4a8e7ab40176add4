# lib/wire: the datagram envelope, its authentication and the transports.
wire-y += wire.o wire_heartbeat.o replay.o transport.o
wire-$(CONFIG_AUTH_HMAC) += wire_hmac.o
pkgs-$(CONFIG_AUTH_HMAC) += libcrypto
wire-$(CONFIG_TRANSPORT_UDP) += transport_udp.o
wire-$(CONFIG_TRANSPORT_NETLINK) += transport_netlink.o
pkgs-$(CONFIG_TRANSPORT_NETLINK) += libnl-3.0
# The agent's durable spool.
wire-$(CONFIG_AGENT) += spool.o
