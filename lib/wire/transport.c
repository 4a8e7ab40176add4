// SPDX-License-Identifier: MIT
/*
 * transport.c - address parsing and formatting (see transport.h).
 */
#include "wire/transport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdbool.h>
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

/* Decimal digits only (no sign, blank or base), min..65535. */
static int parse_port16(const char *s, unsigned long min, uint16_t *out)
{
	unsigned long v;

	if (parse_port(s, 65535, &v) == 0 && v >= min) {
		*out = (uint16_t)v;
		return 0;
	}
	/* parse_port() refuses 0 (no netlink port id is 0): a listener may
	 * ask for any free port. */
	if (min == 0 && strcmp(s, "0") == 0) {
		*out = 0;
		return 0;
	}
	return -EINVAL;
}

int transport_parse_hostport(const char *spec, unsigned flags,
			     uint16_t default_port,
			     struct transport_hostport *out, char *err,
			     size_t errlen)
{
	bool listen = flags & TRANSPORT_HP_LISTEN;
	const char *port = NULL, *hend, *colon;
	size_t hlen;

	memset(out, 0, sizeof(*out));
	if (spec[0] == '[') {
		hend = strchr(spec, ']');
		if (hend == NULL || (hend[1] != ':' && !(listen && !hend[1]))) {
			snprintf(err, errlen, "'%s': expected [ADDR]:PORT",
				 spec);
			return -EINVAL;
		}
		hlen = (size_t)(hend - spec - 1);
		spec++;
		if (hend[1] == ':')
			port = hend + 2;
	} else if ((colon = strrchr(spec, ':')) != NULL) {
		hlen = (size_t)(colon - spec);
		port = colon + 1;
		if (memchr(spec, ':', hlen) != NULL) {
			snprintf(err, errlen,
				 "'%s': IPv6 addresses go in brackets: "
				 "[ADDR]:PORT", spec);
			return -EINVAL;
		}
		if (hlen == 0 && !listen) {
			snprintf(err, errlen, "'%s': expected HOST:PORT",
				 spec);
			return -EINVAL;
		}
	} else if (!listen) {
		snprintf(err, errlen, "'%s': expected HOST:PORT", spec);
		return -EINVAL;
	} else if (spec[0] >= '0' && spec[0] <= '9' &&
		   strspn(spec, "0123456789") == strlen(spec)) {
		hlen = 0;
		port = spec;
	} else {
		hlen = strlen(spec);
	}
	if (hlen >= sizeof(out->host)) {
		snprintf(err, errlen, "host name too long");
		return -EINVAL;
	}
	memcpy(out->host, spec, hlen);
	out->host[hlen] = '\0';
	out->port = default_port;
	if (port != NULL && parse_port16(port, listen ? 0 : 1, &out->port)) {
		snprintf(err, errlen, "bad port '%s'", port);
		return -EINVAL;
	}
	return 0;
}

int transport_numeric_addr(const char *host, uint16_t port,
			   struct sockaddr_storage *ss, socklen_t *sslen)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		*sslen = sizeof(*s4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		*sslen = sizeof(*s6);
		return 0;
	}
	return -EINVAL;
}

static int parse_udp(const char *spec, struct transport_addr *out, char *err,
		     size_t errlen)
{
	struct transport_hostport hp;
	struct addrinfo hints, *res = NULL;
	char port[8];
	int rc;

	if (transport_parse_hostport(spec, 0, 0, &hp, err, errlen) < 0)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->kind = TRANSPORT_UDP;
	/* Numeric addresses first: no resolver code runs (and is paged in)
	 * for the common case. */
	if (transport_numeric_addr(hp.host, hp.port, &out->ss, &out->sslen) ==
	    0)
		return 0;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%u", hp.port);
	rc = getaddrinfo(hp.host, port, &hints, &res);
	if (rc != 0 || res == NULL) {
		snprintf(err, errlen, "cannot resolve '%s': %s", hp.host,
			 gai_strerror(rc));
		/* Well-formed, only not resolvable now: out says UDP with
		 * no address (sslen 0) and the caller may try again. */
		out->ss.ss_family = AF_INET;
		return -EAGAIN;
	}
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

struct transport_link *transport_link_open(const struct transport_addr *peer,
					   size_t max_msg, int *err)
{
	const struct transport_link_ops *ops = NULL;
	struct transport_link *l;
	int rc;

#if ENABLE_TRANSPORT_UDP
	if (peer->kind == TRANSPORT_UDP)
		ops = &transport_udp_link_ops;
#endif
#if ENABLE_TRANSPORT_NETLINK
	if (peer->kind == TRANSPORT_NETLINK)
		ops = &transport_nl_link_ops;
#endif
	if (ops == NULL) {
		*err = -EPROTONOSUPPORT;
		return NULL;
	}
	l = calloc(1, sizeof(*l));
	if (l == NULL) {
		*err = -ENOMEM;
		return NULL;
	}
	l->ops = ops;
	l->peer = *peer;
	l->fd = -1;
	rc = ops->open(l, max_msg);
	if (rc < 0) {
		free(l);
		*err = rc;
		return NULL;
	}
	return l;
}

void transport_link_free(struct transport_link *l)
{
	if (l == NULL)
		return;
	l->ops->close(l);
	free(l);
}

void transport_link_set_peer(struct transport_link *l,
			     const struct transport_addr *a)
{
	if (l == NULL || l->peer.kind != TRANSPORT_UDP ||
	    a->kind != TRANSPORT_UDP)
		return;
	l->peer = *a;
	l->connected = false;
}
