/* SPDX-License-Identifier: MIT */
/*
 * transport.h - the socket side of the agent -> collector transports,
 * shared by both daemons: address parsing, UDP sockets, and netlink
 * (NETLINK_USERSOCK) sockets through libnl.  What travels is opaque here:
 * one serialized Datagram (lib/wire.h) per UDP datagram or netlink message.
 *
 * Addresses:
 *	udp://HOST:PORT		IPv4 address or host name
 *	udp://[V6ADDR]:PORT	IPv6 (also udp://[::]:PORT to listen)
 *	netlink:PORTID		a netlink port id on this host (1..2^31-1)
 *
 * Netlink messages carry the Datagram as the payload of one nlmsghdr of
 * type TRANSPORT_NL_TYPE; a reply goes back to the sender's port id, which
 * the kernel fills in and nobody can forge.
 */
#ifndef OOPSD_TRANSPORT_H
#define OOPSD_TRANSPORT_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

enum transport_kind {
	TRANSPORT_NONE = 0,
	TRANSPORT_UDP = 1,
	TRANSPORT_NETLINK = 2,
};

/* nlmsg_type of our messages (above NLMSG_MIN_TYPE = 0x10). */
#define TRANSPORT_NL_TYPE 0x4f50
#define TRANSPORT_ERR_MAX 256

struct transport_addr {
	enum transport_kind kind;
	struct sockaddr_storage ss; /* TRANSPORT_UDP */
	socklen_t sslen;
	uint32_t portid; /* TRANSPORT_NETLINK */
};

/*
 * Parse an address (above).  Host names are resolved here (call it again
 * to resolve again).  A scheme whose transport is not built in is an
 * error.  0, -EINVAL with a reason in err, or -EAGAIN when the address is
 * well-formed but its host name does not resolve now: then *out is
 * TRANSPORT_UDP with sslen 0 (no address yet).
 */
int transport_parse(const char *spec, struct transport_addr *out, char *err,
		    size_t errlen);
/*
 * HOST:PORT, the one parser every address option shares (udp:// above, the
 * netconsole listen addresses).  Accepted: "HOST:PORT" and
 * "[V6ADDR]:PORT"; an IPv6 address without brackets is refused (its last
 * group would read as the port).  TRANSPORT_HP_LISTEN, for addresses to
 * listen on, also takes ":PORT", "PORT", "HOST" and "[V6ADDR]" (the port is
 * then default_port) and port 0 (any free port).  A port is decimal digits
 * only, 1..65535 (0..65535 with TRANSPORT_HP_LISTEN).
 */
#define TRANSPORT_HP_LISTEN 1u
#define TRANSPORT_HOST_MAX 256

struct transport_hostport {
	char host[TRANSPORT_HOST_MAX]; /* brackets removed; "" when absent */
	uint16_t port;
};

/* 0, or -EINVAL with a reason in err (err may be NULL). */
int transport_parse_hostport(const char *spec, unsigned flags,
			     uint16_t default_port,
			     struct transport_hostport *out, char *err,
			     size_t errlen);

/*
 * A numeric IPv4 or IPv6 host and a port into *ss (no resolver runs).
 * 0, or -EINVAL when host is not a numeric address.
 */
int transport_numeric_addr(const char *host, uint16_t port,
			   struct sockaddr_storage *ss, socklen_t *sslen);

/* "udp://1.2.3.4:5514", "udp://[::1]:5514", "netlink:7514". */
void transport_format(const struct transport_addr *a, char *buf, size_t len);

/*
 * UDP: a non-blocking socket connected to `peer` (client: only the peer's
 * datagrams are received) or bound to `local` (server).  rcvbuf/sndbuf 0
 * keeps the system default.  Return the fd or -errno.  A server socket is
 * never shared (no SO_REUSEADDR/SO_REUSEPORT): a port already bound by
 * anyone is -EADDRINUSE.
 */
#if ENABLE_TRANSPORT_UDP
int transport_udp_connect(const struct transport_addr *peer);
int transport_udp_bind(const struct transport_addr *local, int rcvbuf);
#else
static inline int transport_udp_connect(const struct transport_addr *peer)
{
	return -EPROTONOSUPPORT;
}

static inline int transport_udp_bind(const struct transport_addr *local,
				     int rcvbuf)
{
	return -EPROTONOSUPPORT;
}
#endif

struct transport_nl;

#if ENABLE_TRANSPORT_NETLINK
/*
 * Netlink: open a non-blocking NETLINK_USERSOCK socket bound to
 * local_portid (0: let the kernel choose, as a client does).  max_msg is
 * the largest payload to receive.  Returns NULL with *err = -errno
 * (-EADDRINUSE when the port id is taken).
 */
struct transport_nl *transport_nl_open(uint32_t local_portid, size_t max_msg,
				       int *err);
void transport_nl_free(struct transport_nl *t);
int transport_nl_fd(const struct transport_nl *t);
uint32_t transport_nl_portid(const struct transport_nl *t);
/* Send one payload to dst_portid.  0, -EAGAIN, -ECONNREFUSED (nobody
 * bound there), -EMSGSIZE or -errno. */
int transport_nl_send(struct transport_nl *t, uint32_t dst_portid,
		      const void *buf, size_t len);
/*
 * Receive one message: its payload is copied to buf (at most cap bytes)
 * and the sender's port id to *src.  Returns the payload length, -EAGAIN
 * when nothing is queued, -EBADMSG for a message that is not ours
 * (malformed, wrong type, too long; it is consumed), or -errno.
 */
int transport_nl_recv(struct transport_nl *t, void *buf, size_t cap,
		      uint32_t *src);
#else
/* Not built in: callers stay type-checked, and opening fails. */
static inline struct transport_nl *
transport_nl_open(uint32_t local_portid, size_t max_msg, int *err)
{
	*err = -EPROTONOSUPPORT;
	return NULL;
}

static inline void transport_nl_free(struct transport_nl *t)
{
}

static inline int transport_nl_fd(const struct transport_nl *t)
{
	return -1;
}

static inline uint32_t transport_nl_portid(const struct transport_nl *t)
{
	return 0;
}

static inline int transport_nl_send(struct transport_nl *t,
				    uint32_t dst_portid, const void *buf,
				    size_t len)
{
	return -EPROTONOSUPPORT;
}

static inline int transport_nl_recv(struct transport_nl *t, void *buf,
				    size_t cap, uint32_t *src)
{
	return -EPROTONOSUPPORT;
}
#endif

/*
 * A link: the agent's end of a transport, one per collector, whatever the
 * kind.  Each transport exports one `const struct transport_link_ops`
 * (transport_udp.c, transport_netlink.c) and transport_link_open() picks it
 * by the address kind, so the shipping code never asks which it has.
 */
struct transport_link;

struct transport_link_ops {
	const char *name;
	/* Open towards peer; max_msg bounds one message.  0 or -errno. */
	int (*open)(struct transport_link *l, size_t max_msg);
	void (*close)(struct transport_link *l);
	int (*fd)(const struct transport_link *l);
	/* Send one message: 0, -EAGAIN, -ECONNREFUSED, -EMSGSIZE, -errno. */
	int (*send)(struct transport_link *l, const void *buf, size_t len);
	/*
	 * Receive one message from the peer into buf: its length, -EAGAIN
	 * when nothing is queued, -EBADMSG for a message that is not the
	 * peer's or does not fit (consumed, to be counted), or -errno.
	 */
	int (*recv)(struct transport_link *l, void *buf, size_t cap);
};

struct transport_link {
	const struct transport_link_ops *ops;
	struct transport_addr peer;
	int fd;			 /* UDP */
	bool connected;		 /* UDP: connect() succeeded */
	struct transport_nl *nl; /* netlink */
};

#if ENABLE_TRANSPORT_UDP
extern const struct transport_link_ops transport_udp_link_ops;
#endif
#if ENABLE_TRANSPORT_NETLINK
extern const struct transport_link_ops transport_nl_link_ops;
#endif

/*
 * Open a link to peer.  A UDP peer without a route yet (a daemon started
 * early in the boot) still gives a link: it connects on a later send and
 * transport_link_connected() says false until then.  NULL with *err =
 * -errno (-EPROTONOSUPPORT when the kind is not built in).
 */
struct transport_link *transport_link_open(const struct transport_addr *peer,
					   size_t max_msg, int *err);
void transport_link_free(struct transport_link *l);
/*
 * A UDP peer's name resolved to a new address a (same family): sends go
 * there from now on (the socket connects again on the next send).  Other
 * transports ignore it.
 */
void transport_link_set_peer(struct transport_link *l,
			     const struct transport_addr *a);

static inline int transport_link_fd(const struct transport_link *l)
{
	return l->ops->fd(l);
}

static inline int transport_link_send(struct transport_link *l,
				      const void *buf, size_t len)
{
	return l->ops->send(l, buf, len);
}

static inline int transport_link_recv(struct transport_link *l, void *buf,
				      size_t cap)
{
	return l->ops->recv(l, buf, cap);
}

static inline bool transport_link_connected(const struct transport_link *l)
{
	return l->connected;
}

#endif /* OOPSD_TRANSPORT_H */
