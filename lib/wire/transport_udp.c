// SPDX-License-Identifier: MIT
/*
 * transport_udp.c - UDP sockets for the transports (see transport.h).
 */
#include "wire/transport.h"

#include <errno.h>
#include <netinet/in.h>
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
	int fd, one = 1;

	if (local->kind != TRANSPORT_UDP)
		return -EINVAL;
	fd = socket(local->ss.ss_family,
		    SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (rcvbuf > 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (bind(fd, (const struct sockaddr *)&local->ss, local->sslen) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}
