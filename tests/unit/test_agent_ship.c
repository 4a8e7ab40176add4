// SPDX-License-Identifier: MIT
/*
 * Tests for agent/ship.c and agent/fit.c: spooled records travel to an
 * in-process receiver (UDP on 127.0.0.1, or netlink) that acknowledges,
 * drops, rejects or answers with the wrong key; every record must be
 * acknowledged exactly once, datagrams must respect max_datagram, and
 * nothing leaves the spool without an acknowledgement.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <sys/socket.h>

#include <fcntl.h>

#include "testutil.h"

#include "base/evloop.h"
#include "../../agent/fit.h"
#include "parse/oops.h"
#include "record/record.h"
#include "../../agent/ship.h"
#include "wire/spool.h"
#include "wire/transport.h"
#include "wire/wire.h"

#define NREC_MAX 400

struct rx {
	int fd;			/* UDP receiver */
	struct transport_nl *nl; /* netlink receiver */
	struct wire_key key;	/* what the receiver checks and signs with */
	size_t max_seen;	/* largest datagram */
	unsigned datagrams, multi; /* datagrams, those with > 1 record */
	unsigned drop_first;	/* datagrams ignored at first */
	bool reject_odd;	/* refuse records whose id's first byte is odd */
	bool check_truncated;
	int forge;		/* 1: acks echo no nonce; 2: a wrong one;
				 * 3: the datagram itself comes back */
	unsigned truncated_seen; /* distinct records: retransmissions count once */
	bool truncated_flag[NREC_MAX];
	unsigned truncated_copies; /* every copy received */
	unsigned records_seen;
	uint64_t min_seq, max_seq; /* envelope sequence numbers seen */
};

struct ctx {
	char *dir;
	struct evloop *loop;
	struct spool *spool;
	struct ship *ship;
	struct rx rx;
	struct wire_key key; /* the agent's */
	uint8_t ids[NREC_MAX][RECORD_ID_LEN];
	int acked[NREC_MAX];
	int rejected[NREC_MAX];
	int n;
	char *state_dir; /* for the sequence mark, or NULL */
	int state_dirfd;
};

static int find_id(struct ctx *c, const uint8_t *id, size_t len)
{
	for (int i = 0; i < c->n; i++)
		if (len == RECORD_ID_LEN && memcmp(c->ids[i], id, len) == 0)
			return i;
	return -1;
}

static void on_acked(void *arg, const struct spool_item *it, bool rejected)
{
	struct ctx *c = arg;
	int i = find_id(c, it->id, it->id_len);

	assert_true(i >= 0);
	assert_int_equal(it->meta_len, 2);
	assert_memory_equal(it->meta, "Xm", 2);
	if (rejected)
		c->rejected[i]++;
	else
		c->acked[i]++;
}

/* A synthetic report: distinct text per i, about `textlen` bytes. */
static int make_record(int i, size_t textlen, uint8_t *buf, size_t cap,
		       uint8_t id[RECORD_ID_LEN])
{
	struct oops_report r;
	struct record_origin o = RECORD_ORIGIN_INIT;
	char title[64], *text = malloc(textlen + 1);
	int n;

	assert_non_null(text);
	memset(&r, 0, sizeof(r));
	snprintf(title, sizeof(title), "WARNING in test_fn_%d", i);
	/* Pseudo-random printable text: it barely compresses, so record
	 * sizes follow textlen.  The first byte is always '!'. */
	{
		uint32_t x = 2463534242u + (uint32_t)i * 7919u;

		for (size_t k = 0; k < textlen; k++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			text[k] = k ? (char)('!' + x % 90) : '!';
		}
	}
	text[textlen] = '\0';
	r.kind = OOPS_KIND_WARNING;
	r.title = title;
	r.text = text;
	r.text_len = textlen;
	r.cpu = r.pid = -1;
	r.time_us = 1000000 + i;
	o.source = RECORD_SOURCE_KMSG;
	o.hostname = "testhost";
	o.machine_id = "0123456789abcdef0123456789abcdef";
	o.boot_id = "fedcba9876543210fedcba9876543210";
	o.boot_id_is_crashed_boot = true;
	n = record_pack(&r, &o, SIZE_MAX, buf, cap);
	assert_true(n > 0);
	record_make_id(&r, &o, id);
	free(text);
	return n;
}

static void spool_records(struct ctx *c, int n, size_t textlen)
{
	static uint8_t buf[70000];

	for (int i = 0; i < n; i++) {
		int len = make_record(c->n, textlen, buf, sizeof(buf),
				      c->ids[c->n]);

		assert_int_equal(spool_put(c->spool, c->ids[c->n],
					   RECORD_ID_LEN, "Xm", 2, buf,
					   (size_t)len, NULL),
				 1);
		c->n++;
	}
}

static void rx_handle(struct ctx *c, const uint8_t *buf, size_t len,
		      uint32_t nl_src, const struct sockaddr_storage *from,
		      socklen_t fromlen)
{
	struct wire_limits lim = WIRE_LIMITS_INIT;
	struct wire_msg m;
	struct wire_iov ids[SHIP_MAX_BATCH], rej[SHIP_MAX_BATCH];
	size_t nids = 0, nrej = 0;
	const char *reason = "";
	uint8_t out[65536];
	int olen;

	if (len > c->rx.max_seen)
		c->rx.max_seen = len;
	c->rx.datagrams++;
	if (c->rx.drop_first > 0) {
		c->rx.drop_first--;
		return;
	}
	/* The receiver has no key: it cannot check tags, but acks with its
	 * own key when it has one (the wrong-key case). */
	assert_int_equal(wire_unpack(buf, len, NULL, &lim, &m, &reason), 0);
	assert_int_equal(m.type, WIRE_BODY_ENVELOPE);
	if (c->rx.min_seq == 0 || m.seq < c->rx.min_seq)
		c->rx.min_seq = m.seq;
	if (m.seq > c->rx.max_seq)
		c->rx.max_seq = m.seq;
	if (m.env->n_records > 1)
		c->rx.multi++;
	for (size_t i = 0; i < m.env->n_records; i++) {
		Oopsd__CrashRecord *r = m.env->records[i];

		c->rx.records_seen++;
		if (c->rx.check_truncated && r->crash && r->crash->truncated) {
			int j = find_id(c, r->id.data, r->id.len);

			c->rx.truncated_copies++;
			/* A retransmission (the ack was late) is the same record. */
			if (j >= 0 && !c->rx.truncated_flag[j]) {
				c->rx.truncated_flag[j] = true;
				c->rx.truncated_seen++;
			}
		}
		if (c->rx.reject_odd && (r->id.data[0] & 1)) {
			rej[nrej].data = r->id.data;
			rej[nrej++].len = r->id.len;
		} else {
			ids[nids].data = r->id.data;
			ids[nids++].len = r->id.len;
		}
	}
	/* A collector echoes the nonce; a spoofer who did not see the
	 * datagram cannot (forge). */
	olen = wire_pack_ack_nonce(m.seq,
				   c->rx.forge == 1   ? 0
				   : c->rx.forge == 2 ? m.nonce ^ 1
						      : m.nonce,
				   ids, nids, rej, nrej, NULL, &c->rx.key, out,
				   sizeof(out));
	assert_true(olen > 0);
	/* Reflected: an envelope names its own nonce and records, but an
	 * agent decodes acks only. */
	if (c->rx.forge == 3) {
		memcpy(out, buf, len);
		olen = (int)len;
	}
	if (c->rx.nl != NULL)
		assert_int_equal(transport_nl_send(c->rx.nl, nl_src, out,
						   (size_t)olen),
				 0);
	else
		assert_int_equal(sendto(c->rx.fd, out, (size_t)olen, 0,
					(const struct sockaddr *)from, fromlen),
				 olen);
	wire_msg_release(&m);
}

static void rx_readable(struct evloop *loop, int fd, unsigned ev, void *arg)
{
	struct ctx *c = arg;
	static uint8_t buf[65536];

	for (;;) {
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		uint32_t src = 0;
		ssize_t n;

		if (c->rx.nl != NULL)
			n = transport_nl_recv(c->rx.nl, buf, sizeof(buf), &src);
		else
			n = recvfrom(fd, buf, sizeof(buf), 0,
				     (struct sockaddr *)&from, &fl);
		if (n < 0)
			return;
		rx_handle(c, buf, (size_t)n, src, &from, fl);
	}
}

static void start(struct ctx *c, bool netlink, size_t max_datagram)
{
	struct ship_config sc;
	char err[TRANSPORT_ERR_MAX];
	int rc = 0;

	memset(&sc, 0, sizeof(sc));
	c->rx.fd = -1;
	if (netlink) {
		uint32_t port = 0x3e000000u + (uint32_t)getpid();

		c->rx.nl = transport_nl_open(port, 65536, &rc);
		assert_non_null(c->rx.nl);
		sc.peer.kind = TRANSPORT_NETLINK;
		sc.peer.portid = port;
		assert_int_equal(evloop_add_fd(c->loop,
					       transport_nl_fd(c->rx.nl),
					       EV_READ, rx_readable, c),
				 0);
	} else {
		struct sockaddr_in *s4;
		socklen_t sl = sizeof(sc.peer.ss);

		assert_int_equal(transport_parse("udp://127.0.0.1:1", &sc.peer,
						 err, sizeof(err)),
				 0);
		s4 = (struct sockaddr_in *)&sc.peer.ss;
		s4->sin_port = 0;
		c->rx.fd = transport_udp_bind(&sc.peer, 1 << 20);
		assert_true(c->rx.fd >= 0);
		assert_int_equal(getsockname(c->rx.fd,
					     (struct sockaddr *)&sc.peer.ss,
					     &sl),
				 0);
		assert_int_equal(evloop_add_fd(c->loop, c->rx.fd, EV_READ,
					       rx_readable, c),
				 0);
	}
	sc.max_datagram = max_datagram;
	sc.key = &c->key;
	memcpy(sc.sender_id, "test-sender", 11);
	sc.sender_id_len = 11;
	sc.rto_min_ms = 20;
	sc.rto_max_ms = 80;
	sc.on_acked = on_acked;
	sc.arg = c;
	sc.state_dir = c->state_dir;
	if (c->state_dir != NULL) {
		c->state_dirfd = open(c->state_dir, O_RDONLY | O_DIRECTORY);
		assert_true(c->state_dirfd >= 0);
		sc.state_dirfd = c->state_dirfd;
	}
	c->ship = ship_new(c->loop, c->spool, &sc, &rc);
	assert_non_null(c->ship);
}

/* Run the loop until the spool is empty or `ms` of loop time passed. */
static void run_until_empty(struct ctx *c, uint64_t ms)
{
	uint64_t end = evloop_now_ms() + ms;
	struct spool_stats st;

	ship_kick(c->ship);
	for (;;) {
		spool_get_stats(c->spool, &st);
		if (st.pending == 0 || evloop_now_ms() >= end)
			return;
		evloop_run_once(c->loop, 10);
	}
}

static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));
	int err = 0;

	c->dir = test_tmpdir();
	c->loop = evloop_new();
	c->spool = spool_open(c->dir, 0, 0, &err);
	assert_non_null(c->spool);
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;

	ship_free(c->ship);
	if (c->rx.nl != NULL) {
		evloop_del_fd(c->loop, transport_nl_fd(c->rx.nl));
		transport_nl_free(c->rx.nl);
	}
	if (c->rx.fd >= 0) {
		evloop_del_fd(c->loop, c->rx.fd);
		close(c->rx.fd);
	}
	spool_free(c->spool);
	evloop_free(c->loop);
	test_rmtree(c->dir);
	if (c->state_dir != NULL)
		close(c->state_dirfd);
	test_rmtree(c->state_dir);
	free(c);
	return 0;
}

static void assert_all_acked_once(struct ctx *c)
{
	struct spool_stats st;
	struct ship_stats sh;

	spool_get_stats(c->spool, &st);
	assert_int_equal(st.pending, 0);
	for (int i = 0; i < c->n; i++) {
		assert_int_equal(c->acked[i], 1);
		assert_int_equal(c->rejected[i], 0);
	}
	ship_get_stats(c->ship, &sh);
	assert_int_equal(sh.acked, (uint64_t)c->n);
	assert_true(sh.last_ack_us > 0);
	assert_int_equal(sh.in_flight, 0);
}

static void test_udp_all_acked_once(void **state)
{
	struct ctx *c = *state;

	spool_records(c, 300, 200);
	start(c, false, 1400);
	run_until_empty(c, 20000);
	assert_all_acked_once(c);
	assert_true(c->rx.max_seen <= 1400);
	assert_true(c->rx.multi > 0); /* several records per datagram */
	assert_true(c->rx.datagrams < 300);
}

static void test_netlink_all_acked_once(void **state)
{
	struct ctx *c = *state;

	if (!ENABLE_TRANSPORT_NETLINK)
		skip();
	spool_records(c, 100, 300);
	start(c, true, 8192);
	run_until_empty(c, 20000);
	assert_all_acked_once(c);
	assert_true(c->rx.max_seen <= 8192);
}

/* Lost datagrams are sent again, and still acknowledged once each. */
static void test_retransmit_after_loss(void **state)
{
	struct ctx *c = *state;
	struct ship_stats sh;

	spool_records(c, 50, 100);
	c->rx.drop_first = 12;
	start(c, false, 1000);
	run_until_empty(c, 20000);
	assert_all_acked_once(c);
	ship_get_stats(c->ship, &sh);
	assert_true(sh.retransmits >= 1);
	/* The dropped datagrams came again. */
	assert_true(c->rx.datagrams > 12);
}

/* An ack signed with another key frees nothing; the right key does. */
static void test_wrong_key_ack_refused(void **state)
{
	struct ctx *c = *state;
	struct ship_stats sh;
	struct spool_stats st;

	if (!ENABLE_AUTH_HMAC)
		skip();
	assert_int_equal(wire_key_set(&c->key, "agent-key-0123456789", 20), 0);
	assert_int_equal(wire_key_set(&c->rx.key, "other-key-0123456789", 20),
			 0);
	spool_records(c, 20, 100);
	start(c, false, 1400);
	run_until_empty(c, 400);
	ship_get_stats(c->ship, &sh);
	spool_get_stats(c->spool, &st);
	assert_int_equal(st.pending, 20);
	assert_true(sh.bad_acks > 0);
	assert_int_equal(sh.acked, 0);
	for (int i = 0; i < c->n; i++)
		assert_int_equal(c->acked[i], 0);
	/* The operator fixes the key: everything goes, once. */
	c->rx.key = c->key;
	ship_retry_now(c->ship);
	run_until_empty(c, 20000);
	assert_all_acked_once(c);
}

/*
 * Issue 17, defect 9: without a key, an ack naming the right ids deleted
 * spooled records, so an off-path spoofer who guessed or replayed ids
 * could make an agent drop them.  An ack must echo the datagram's random
 * nonce: one with none, or with another, deletes nothing.
 */
static void test_forged_ack_refused(void **state)
{
	struct ctx *c = *state;
	struct ship_stats sh;
	struct spool_stats st;

	spool_records(c, 20, 100);
	for (int forge = 1; forge <= 3; forge++) {
		c->rx.forge = forge;
		if (c->ship == NULL)
			start(c, false, 1400);
		else
			ship_retry_now(c->ship);
		run_until_empty(c, 400);
		ship_get_stats(c->ship, &sh);
		spool_get_stats(c->spool, &st);
		assert_int_equal(st.pending, 20);
		assert_true(sh.bad_acks > 0);
		assert_int_equal(sh.acked, 0);
	}
	/* The real collector's acks echo it: everything goes, once. */
	c->rx.forge = 0;
	ship_retry_now(c->ship);
	run_until_empty(c, 20000);
	assert_all_acked_once(c);
}

static void test_rejected_leave_spool(void **state)
{
	struct ctx *c = *state;
	struct ship_stats sh;
	struct spool_stats st;
	int odd = 0;

	spool_records(c, 60, 100);
	for (int i = 0; i < c->n; i++)
		odd += c->ids[i][0] & 1;
	c->rx.reject_odd = true;
	start(c, false, 1400);
	run_until_empty(c, 20000);
	spool_get_stats(c->spool, &st);
	assert_int_equal(st.pending, 0);
	ship_get_stats(c->ship, &sh);
	assert_int_equal(sh.rejected, (uint64_t)odd);
	assert_int_equal(sh.acked, (uint64_t)(60 - odd));
	for (int i = 0; i < c->n; i++) {
		bool is_odd = c->ids[i][0] & 1;

		assert_int_equal(c->rejected[i], is_odd ? 1 : 0);
		assert_int_equal(c->acked[i], is_odd ? 0 : 1);
	}
}

/* A record spooled under a larger max_datagram is cut to fit, flagged. */
static void test_oversize_record_is_cut(void **state)
{
	struct ctx *c = *state;

	spool_records(c, 3, 5000);
	c->rx.check_truncated = true;
	start(c, false, 1200);
	run_until_empty(c, 20000);
	assert_all_acked_once(c);
	assert_true(c->rx.max_seen <= 1200);
	/* Each record was cut, and so was every copy received
	 * (retransmissions included). */
	assert_int_equal(c->rx.truncated_seen, 3);
	assert_int_equal(c->rx.truncated_copies, c->rx.records_seen);
}

static void test_fit(void **state)
{
	uint8_t id[RECORD_ID_LEN], *out = NULL;
	static uint8_t buf[70000];
	Oopsd__CrashRecord *r;
	char *text = NULL;
	size_t outlen = 0, tlen = 0;
	int n = make_record(7, 20000, buf, sizeof(buf), id);

	/* Already fits: same bytes. */
	assert_int_equal(agent_record_fit(buf, (size_t)n, (size_t)n, &out,
					  &outlen),
			 0);
	assert_int_equal(outlen, (size_t)n);
	assert_memory_equal(out, buf, outlen);
	free(out);
	/* Cut: fits, flagged, keeps the head of the text and the id. */
	assert_int_equal(agent_record_fit(buf, (size_t)n, 2000, &out, &outlen),
			 0);
	assert_true(outlen <= 2000);
	r = oopsd__crash_record__unpack(NULL, outlen, out);
	assert_non_null(r);
	assert_true(r->crash->truncated);
	assert_memory_equal(r->id.data, id, RECORD_ID_LEN);
	assert_int_equal(record_text(r, 1 << 20, &text, &tlen), 0);
	assert_true(tlen > 0 && tlen < 20000);
	assert_int_equal(text[0], '!'); /* the first byte of the original */
	free(text);
	oopsd__crash_record__free_unpacked(r, NULL);
	free(out);
	/* Impossible: smaller than the record without any text. */
	assert_int_equal(agent_record_fit(buf, (size_t)n, 20, &out, &outlen),
			 -EMSGSIZE);

	/* A compact record (frames and pc in details_z after the text):
	 * cut, the details survive whole. */
	{
		static struct oops_frame fr[] = {
			{ "fn_a", "mod", 0x10, 0x20, true, false },
			{ "fn_b", NULL, 0, 0, false, true },
		};
		struct oops_report rep;
		struct record_origin o = RECORD_ORIGIN_INIT;
		const char *reason;
		char *big = malloc(20001);

		assert_non_null(big);
		uint32_t x = 2463534242u;

		for (size_t k = 0; k < 20000; k++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			big[k] = (char)('!' + x % 90);
		}
		big[20000] = '\0';
		memset(&rep, 0, sizeof(rep));
		rep.kind = OOPS_KIND_BUG;
		rep.title = "kernel BUG in fn_a";
		rep.pc = "RIP: 0010:fn_a+0x10/0x20 [mod]";
		rep.frames = fr;
		rep.nframes = 2;
		rep.text = big;
		rep.text_len = 20000;
		rep.cpu = rep.pid = -1;
		rep.time_us = -1;
		o.source = RECORD_SOURCE_KMSG;
		n = record_pack(&rep, &o, SIZE_MAX, buf, sizeof(buf));
		assert_true(n > 2000);
		assert_int_equal(agent_record_fit(buf, (size_t)n, 2000, &out,
						  &outlen),
				 0);
		assert_true(outlen <= 2000);
		assert_int_equal(record_unpack(out, outlen, NULL, &r, &reason),
				 0);
		assert_true(r->crash->truncated);
		assert_int_equal(r->crash->n_frames, 2);
		assert_string_equal(r->crash->frames[1]->function, "fn_b");
		assert_false(r->crash->frames[1]->reliable);
		assert_string_equal(r->crash->pc, rep.pc);
		assert_int_equal(record_text(r, 1 << 20, &text, &tlen), 0);
		assert_true(tlen > 0 && tlen < 20000);
		assert_memory_equal(text, big, tlen);
		free(text);
		record_free(r);
		free(out);
		/* Room for little or no text: the details stay whole. */
		assert_int_equal(agent_record_fit(buf, (size_t)n, 200, &out,
						  &outlen),
				 0);
		assert_true(outlen <= 200);
		assert_int_equal(record_unpack(out, outlen, NULL, &r, &reason),
				 0);
		assert_int_equal(r->crash->n_frames, 2);
		record_free(r);
		free(out);
		free(big);
	}
	assert_int_equal(agent_record_fit((const uint8_t *)"\xff\xff\xff", 3, 2,
					  &out, &outlen),
			 -EBADMSG);
}

/*
 * A restarted agent whose clock went back (a board without an RTC) must
 * still send envelope numbers above everything it used before, or the
 * collector's replay window refuses it: the saved mark wins over the
 * clock, and a new mark is saved before numbers above the old one are
 * used.
 */
static void test_sequence_survives_clock_going_back(void **state)
{
	struct ctx *c = *state;
	uint64_t saved = (uint64_t)now_realtime_us() + 1000000000000ULL;
	char path[1200], line[32], *text;
	size_t len;
	FILE *f;

	c->state_dir = test_tmpdir();
	snprintf(path, sizeof(path), "%s/wire_seq", c->state_dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "%llu\n", (unsigned long long)saved);
	fclose(f);
	spool_records(c, 20, 200);
	start(c, false, 1400);
	run_until_empty(c, 20000);
	assert_all_acked_once(c);
	assert_true(c->rx.min_seq >= saved);
	assert_int_equal(read_file_bounded(path, 64, 1, &text, &len), 0);
	snprintf(line, sizeof(line), "%s", text);
	free(text);
	assert_true(strtoull(line, NULL, 10) > c->rx.max_seq);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_udp_all_acked_once, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_netlink_all_acked_once,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_retransmit_after_loss,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_key_ack_refused,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_rejected_leave_spool,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_forged_ack_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sequence_survives_clock_going_back,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversize_record_is_cut,
						setup, teardown),
		cmocka_unit_test(test_fit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
