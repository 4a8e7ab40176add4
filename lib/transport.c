// SPDX-License-Identifier: MIT
/*
 * transport.c - address parsing and formatting (see transport.h).
 */
#include "transport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_port(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v == 0 || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_udp(const char *hp, struct transport_addr *out, char *err,
		     size_t errlen)
{
	char host[256];
	const char *port;
	struct addrinfo hints, *res = NULL;
	unsigned long p;
	int rc;

	if (hp[0] == '[') {
		const char *close = strchr(hp, ']');

		if (close == NULL || close[1] != ':') {
			snprintf(err, errlen, "expected udp://[ADDR]:PORT");
			return -EINVAL;
		}
		if ((size_t)(close - hp - 1) >= sizeof(host)) {
			snprintf(err, errlen, "address too long");
			return -EINVAL;
		}
		memcpy(host, hp + 1, (size_t)(close - hp - 1));
		host[close - hp - 1] = '\0';
		port = close + 2;
	} else {
		const char *colon = strrchr(hp, ':');

		if (colon == NULL || colon == hp) {
			snprintf(err, errlen, "expected udp://HOST:PORT");
			return -EINVAL;
		}
		if ((size_t)(colon - hp) >= sizeof(host)) {
			snprintf(err, errlen, "host name too long");
			return -EINVAL;
		}
		memcpy(host, hp, (size_t)(colon - hp));
		host[colon - hp] = '\0';
		if (strchr(host, ':') != NULL) {
			snprintf(err, errlen,
				 "IPv6 addresses go in brackets: udp://[%s]:PORT",
				 host);
			return -EINVAL;
		}
		port = colon + 1;
	}
	if (parse_port(port, 65535, &p) < 0) {
		snprintf(err, errlen, "bad port '%s'", port);
		return -EINVAL;
	}
	memset(out, 0, sizeof(*out));
	out->kind = TRANSPORT_UDP;
	/* Numeric addresses first: no resolver code runs (and is paged in)
	 * for the common case. */
	{
		struct sockaddr_in *s4 = (struct sockaddr_in *)&out->ss;
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&out->ss;

		if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
			s4->sin_family = AF_INET;
			s4->sin_port = htons((uint16_t)p);
			out->sslen = sizeof(*s4);
			return 0;
		}
		if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
			s6->sin6_family = AF_INET6;
			s6->sin6_port = htons((uint16_t)p);
			out->sslen = sizeof(*s6);
			return 0;
		}
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICSERV;
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0 || res == NULL) {
		snprintf(err, errlen, "cannot resolve '%s': %s", host,
			 gai_strerror(rc));
		return -EINVAL;
	}
	memset(out, 0, sizeof(*out));
	out->kind = TRANSPORT_UDP;
	memcpy(&out->ss, res->ai_addr, res->ai_addrlen);
	out->sslen = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

int transport_parse(const char *spec, struct transport_addr *out, char *err,
		    size_t errlen)
{
	unsigned long v;

	if (strncmp(spec, "udp://", 6) == 0) {
		if (!ENABLE_TRANSPORT_UDP) {
			snprintf(err, errlen,
				 "UDP transport not built in (CONFIG_TRANSPORT_UDP)");
			return -EINVAL;
		}
		return parse_udp(spec + 6, out, err, errlen);
	}
	if (strncmp(spec, "netlink:", 8) == 0) {
		if (!ENABLE_TRANSPORT_NETLINK) {
			snprintf(err, errlen,
				 "netlink transport not built in (CONFIG_TRANSPORT_NETLINK)");
			return -EINVAL;
		}
		if (parse_port(spec + 8, 0x7fffffffUL, &v) < 0) {
			snprintf(err, errlen, "bad netlink port id '%s'",
				 spec + 8);
			return -EINVAL;
		}
		memset(out, 0, sizeof(*out));
		out->kind = TRANSPORT_NETLINK;
		out->portid = (uint32_t)v;
		return 0;
	}
	snprintf(err, errlen, "'%s': expected udp://HOST:PORT or netlink:PORTID",
		 spec);
	return -EINVAL;
}

void transport_format(const struct transport_addr *a, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	if (a->kind == TRANSPORT_NETLINK) {
		snprintf(buf, len, "netlink:%u", a->portid);
	} else if (a->kind == TRANSPORT_UDP && a->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)&a->ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		snprintf(buf, len, "udp://[%s]:%u", host, ntohs(s6->sin6_port));
	} else if (a->kind == TRANSPORT_UDP && a->ss.ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)&a->ss;

		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		snprintf(buf, len, "udp://%s:%u", host, ntohs(s4->sin_port));
	} else {
		snprintf(buf, len, "(none)");
	}
}
