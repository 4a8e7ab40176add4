// SPDX-License-Identifier: MIT
/*
 * transport_udp.c - UDP sockets for the transports (see transport.h).
 */
#include "wire/transport.h"

#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

int transport_udp_connect(const struct transport_addr *peer)
{
	int fd;

	if (peer->kind != TRANSPORT_UDP)
		return -EINVAL;
	fd = socket(peer->ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0)
		return -errno;
	/* Connected: the kernel drops datagrams from anyone but the peer,
	 * and an ICMP port unreachable comes back as ECONNREFUSED. */
	if (connect(fd, (const struct sockaddr *)&peer->ss, peer->sslen) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

int transport_udp_bind(const struct transport_addr *local, int rcvbuf)
{
	int fd;

	if (local->kind != TRANSPORT_UDP)
		return -EINVAL;
	fd = socket(local->ss.ss_family,
		    SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/*
	 * No SO_REUSEADDR (nor SO_REUSEPORT): on Linux it lets a second
	 * socket, of another collector or of any local user, bind the same
	 * UDP port and take its datagrams (and answer them: an agent deletes
	 * what an ack names).  A busy port is an error, -EADDRINUSE.
	 */
	if (rcvbuf > 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (bind(fd, (const struct sockaddr *)&local->ss, local->sslen) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

/* ---------------------------------------------------------- the link -- */

static int udp_link_open(struct transport_link *l, size_t max_msg)
{
	/* A name that did not resolve yet has no address (sslen 0). */
	int rc = l->peer.sslen ? transport_udp_connect(&l->peer) :
				 -EDESTADDRREQ;

	if (rc == -ENETUNREACH || rc == -EHOSTUNREACH ||
	    rc == -EADDRNOTAVAIL || rc == -ENETDOWN || rc == -EDESTADDRREQ) {
		/* No route yet: keep an unconnected socket, connect later. */
		rc = socket(l->peer.ss.ss_family,
			    SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (rc < 0)
			return -errno;
		l->fd = rc;
		return 0;
	}
	if (rc < 0)
		return rc;
	l->fd = rc;
	l->connected = true;
	return 0;
}

static void udp_link_close(struct transport_link *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
}

static int udp_link_fd(const struct transport_link *l)
{
	return l->fd;
}

static int udp_link_send(struct transport_link *l, const void *buf,
			 size_t len)
{
	/* Not connected yet: try again now; until it works every send
	 * fails and the caller counts it. */
	if (!l->connected) {
		if (l->peer.sslen == 0)
			return -EDESTADDRREQ;
		if (connect(l->fd, (const struct sockaddr *)&l->peer.ss,
			    l->peer.sslen) < 0)
			return -errno;
		l->connected = true;
	}
	for (;;) {
		if (send(l->fd, buf, len, 0) >= 0)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

static int udp_link_recv(struct transport_link *l, void *buf, size_t cap)
{
	ssize_t n = recv(l->fd, buf, cap, MSG_TRUNC);

	if (n < 0)
		return -errno;
	/* Connected: only the peer's datagrams arrive; a longer one than
	 * we take is not one of its acks. */
	if ((size_t)n > cap)
		return -EBADMSG;
	return (int)n;
}

const struct transport_link_ops transport_udp_link_ops = {
	.name = "udp",
	.open = udp_link_open,
	.close = udp_link_close,
	.fd = udp_link_fd,
	.send = udp_link_send,
	.recv = udp_link_recv,
};
