// SPDX-License-Identifier: MIT
/*
 * Tests for lib/transport*.c: address parsing and formatting, UDP
 * exchange on loopback (IPv4 and IPv6), netlink exchange between two
 * NETLINK_USERSOCK sockets, port id conflicts and size limits.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>

#include "testutil.h"

#include "wire/transport.h"

static void parse_ok(const char *spec, const char *formatted)
{
	struct transport_addr a;
	char err[TRANSPORT_ERR_MAX], buf[128];

	assert_int_equal(transport_parse(spec, &a, err, sizeof(err)), 0);
	transport_format(&a, buf, sizeof(buf));
	assert_string_equal(buf, formatted);
}

static void parse_bad(const char *spec, const char *reason)
{
	struct transport_addr a;
	char err[TRANSPORT_ERR_MAX] = "";

	assert_int_equal(transport_parse(spec, &a, err, sizeof(err)), -EINVAL);
	if (strstr(err, reason) == NULL)
		fail_msg("'%s': error '%s' lacks '%s'", spec, err, reason);
}

static void test_parse(void **state)
{
	if (ENABLE_TRANSPORT_UDP) {
		parse_ok("udp://127.0.0.1:5514", "udp://127.0.0.1:5514");
		parse_ok("udp://[::1]:9", "udp://[::1]:9");
		parse_ok("udp://[::]:65535", "udp://[::]:65535");
		parse_bad("udp://127.0.0.1", "HOST:PORT");
		parse_bad("udp://127.0.0.1:0", "bad port");
		parse_bad("udp://127.0.0.1:65536", "bad port");
		parse_bad("udp://127.0.0.1:12x", "bad port");
		parse_bad("udp://::1:5514", "brackets");
		parse_bad("udp://[::1]5514", "[ADDR]:PORT");
	}
	if (ENABLE_TRANSPORT_UDP) {
		/* Well-formed but not resolvable now: the caller may retry. */
		struct transport_addr a;
		char err[TRANSPORT_ERR_MAX] = "";

		assert_int_equal(transport_parse("udp://no.such.host.invalid:1",
						 &a, err, sizeof(err)),
				 -EAGAIN);
		assert_non_null(strstr(err, "cannot resolve"));
		assert_int_equal(a.kind, TRANSPORT_UDP);
		assert_int_equal(a.sslen, 0);
	}
	if (ENABLE_TRANSPORT_NETLINK) {
		parse_ok("netlink:7514", "netlink:7514");
		parse_bad("netlink:0", "bad netlink port id");
		parse_bad("netlink:-1", "bad netlink port id");
		parse_bad("netlink:2147483648", "bad netlink port id");
	}
	parse_bad("tcp://1.2.3.4:5", "expected udp://");
	parse_bad("", "expected udp://");
}

static void hp_ok(const char *spec, unsigned flags, const char *host,
		  uint16_t port)
{
	struct transport_hostport hp;
	char err[TRANSPORT_ERR_MAX] = "";

	if (transport_parse_hostport(spec, flags, 6666, &hp, err,
				     sizeof(err)) < 0)
		fail_msg("'%s' refused: %s", spec, err);
	assert_string_equal(hp.host, host);
	assert_int_equal(hp.port, port);
}

static void hp_bad(const char *spec, unsigned flags, const char *reason)
{
	struct transport_hostport hp;
	char err[TRANSPORT_ERR_MAX] = "";

	assert_int_equal(transport_parse_hostport(spec, flags, 6666, &hp, err,
						  sizeof(err)),
			 -EINVAL);
	if (strstr(err, reason) == NULL)
		fail_msg("'%s': error '%s' lacks '%s'", spec, err, reason);
}

/* The HOST:PORT parser udp:// and the netconsole listeners share. */
static void test_parse_hostport(void **state)
{
	const unsigned L = TRANSPORT_HP_LISTEN;
	struct sockaddr_storage ss;
	socklen_t len;
	char longhost[300];

	/* IPv4, names, [IPv6]:port. */
	hp_ok("127.0.0.1:5514", 0, "127.0.0.1", 5514);
	hp_ok("collector.example:1", 0, "collector.example", 1);
	hp_ok("[::1]:65535", 0, "::1", 65535);
	hp_ok("[fe80::1%lo]:9", 0, "fe80::1%lo", 9);
	/* Bad ports: out of range, zero for a peer, not decimal digits. */
	hp_bad("127.0.0.1:65536", 0, "bad port");
	hp_bad("127.0.0.1:0", 0, "bad port");
	hp_bad("127.0.0.1:-1", 0, "bad port");
	hp_bad("127.0.0.1:+1", 0, "bad port");
	hp_bad("127.0.0.1: 1", 0, "bad port");
	hp_bad("127.0.0.1:0x10", 0, "bad port");
	hp_bad("127.0.0.1:", 0, "bad port");
	hp_bad("[::1]:", 0, "bad port");
	hp_bad("[::1]:99999999999999999999", 0, "bad port");
	/* Missing port, host or bracket. */
	hp_bad("127.0.0.1", 0, "HOST:PORT");
	hp_bad(":5514", 0, "HOST:PORT");
	hp_bad("", 0, "HOST:PORT");
	hp_bad("[::1]", 0, "[ADDR]:PORT");
	hp_bad("[::1", 0, "[ADDR]:PORT");
	hp_bad("[::1]5514", 0, "[ADDR]:PORT");
	hp_bad("::1:5514", 0, "brackets");
	hp_bad("::1:5514", L, "brackets");
	memset(longhost, 'a', sizeof(longhost));
	strcpy(longhost + 280, ":1");
	hp_bad(longhost, 0, "too long");
	/* Listening: the port may be missing (default) or 0 (any). */
	hp_ok("127.0.0.1:0", L, "127.0.0.1", 0);
	hp_ok("[::]:0", L, "::", 0);
	hp_ok(":7000", L, "", 7000);
	hp_ok("7000", L, "", 7000);
	hp_ok("127.0.0.1", L, "127.0.0.1", 6666);
	hp_ok("[::1]", L, "::1", 6666);
	hp_ok("", L, "", 6666);
	hp_bad("127.0.0.1:65536", L, "bad port");
	hp_bad("[::1]x", L, "[ADDR]:PORT");
	/* Numeric addresses only, no resolver. */
	assert_int_equal(transport_numeric_addr("10.0.0.1", 9, &ss, &len), 0);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(len, sizeof(struct sockaddr_in));
	assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), 9);
	assert_int_equal(transport_numeric_addr("::1", 9, &ss, &len), 0);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(transport_numeric_addr("localhost", 9, &ss, &len),
			 -EINVAL);
}

static void wait_readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	assert_int_equal(poll(&p, 1, 5000), 1);
}

/* Bind to an ephemeral port: the parser refuses port 0 on purpose. */
static int bind_ephemeral(const char *spec)
{
	struct transport_addr a;
	char err[TRANSPORT_ERR_MAX];

	assert_int_equal(transport_parse(spec, &a, err, sizeof(err)), 0);
	if (a.ss.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&a.ss)->sin6_port = 0;
	else
		((struct sockaddr_in *)&a.ss)->sin_port = 0;
	return transport_udp_bind(&a, 1 << 16);
}

static void udp_roundtrip(const char *listen, const char *host)
{
	struct transport_addr ca;
	struct sockaddr_storage from;
	socklen_t flen = sizeof(from);
	char err[TRANSPORT_ERR_MAX], spec[128], buf[64];
	int srv, cli;
	unsigned port;
	ssize_t n;

	srv = bind_ephemeral(listen);
	assert_true(srv >= 0);
	assert_int_equal(getsockname(srv, (struct sockaddr *)&from, &flen), 0);
	port = from.ss_family == AF_INET6 ?
		       ntohs(((struct sockaddr_in6 *)&from)->sin6_port) :
		       ntohs(((struct sockaddr_in *)&from)->sin_port);
	snprintf(spec, sizeof(spec), "udp://%s:%u", host, port);
	assert_int_equal(transport_parse(spec, &ca, err, sizeof(err)), 0);
	cli = transport_udp_connect(&ca);
	assert_true(cli >= 0);
	assert_int_equal(send(cli, "ping", 4, 0), 4);
	wait_readable(srv);
	flen = sizeof(from);
	n = recvfrom(srv, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
	assert_int_equal(n, 4);
	assert_int_equal(sendto(srv, "pong", 4, 0, (struct sockaddr *)&from,
				flen),
			 4);
	wait_readable(cli);
	assert_int_equal(recv(cli, buf, sizeof(buf), 0), 4);
	assert_memory_equal(buf, "pong", 4);
	/* Non-blocking: nothing more queued. */
	assert_int_equal(recv(cli, buf, sizeof(buf), 0), -1);
	assert_int_equal(errno, EAGAIN);
	close(cli);
	close(srv);
}

static void test_udp(void **state)
{
	if (!ENABLE_TRANSPORT_UDP)
		skip();
	udp_roundtrip("udp://127.0.0.1:1", "127.0.0.1");
	if (access("/proc/net/if_inet6", F_OK) == 0)
		udp_roundtrip("udp://[::1]:1", "[::1]");
}

static void test_netlink(void **state)
{
	struct transport_nl *srv, *cli, *dup;
	char big[9000], buf[8192];
	uint32_t src = 0, port;
	int err = 0, n;

	if (!ENABLE_TRANSPORT_NETLINK)
		skip();
	/* A port id unlikely to be in use by a running collector. */
	port = 0x3f000000u + (uint32_t)getpid();
	srv = transport_nl_open(port, sizeof(buf), &err);
	assert_non_null(srv);
	assert_int_equal(transport_nl_portid(srv), port);
	dup = transport_nl_open(port, sizeof(buf), &err);
	assert_null(dup);
	assert_int_equal(err, -EADDRINUSE);
	cli = transport_nl_open(0, sizeof(buf), &err);
	assert_non_null(cli);
	assert_int_not_equal(transport_nl_portid(cli), 0);

	assert_int_equal(transport_nl_recv(srv, buf, sizeof(buf), &src),
			 -EAGAIN);
	assert_int_equal(transport_nl_send(cli, port, "hello", 5), 0);
	wait_readable(transport_nl_fd(srv));
	n = transport_nl_recv(srv, buf, sizeof(buf), &src);
	assert_int_equal(n, 5);
	assert_memory_equal(buf, "hello", 5);
	assert_int_equal(src, transport_nl_portid(cli));
	/* The reply goes back to the sender's port id. */
	assert_int_equal(transport_nl_send(srv, src, "ack", 3), 0);
	wait_readable(transport_nl_fd(cli));
	assert_int_equal(transport_nl_recv(cli, buf, sizeof(buf), &src), 3);
	assert_int_equal(src, port);

	/* Too long to send, and too long for a small receiver. */
	memset(big, 'b', sizeof(big));
	assert_int_equal(transport_nl_send(cli, port, big, sizeof(big)),
			 -EMSGSIZE);
	{
		struct transport_nl *small = transport_nl_open(0, 100, &err);

		assert_non_null(small);
		assert_int_equal(transport_nl_send(srv,
						   transport_nl_portid(small),
						   big, 4000),
				 0);
		wait_readable(transport_nl_fd(small));
		assert_int_equal(transport_nl_recv(small, buf, sizeof(buf),
						   &src),
				 -EBADMSG);
		transport_nl_free(small);
	}
	transport_nl_free(srv);
	/* Nobody bound there any more. */
	assert_int_equal(transport_nl_send(cli, port, "x", 1), -ECONNREFUSED);
	transport_nl_free(cli);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_hostport),
		cmocka_unit_test(test_udp),
		cmocka_unit_test(test_netlink),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
