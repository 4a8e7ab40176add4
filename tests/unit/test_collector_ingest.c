// SPDX-License-Identifier: MIT
/*
 * Tests for collector/ingest.c: what the wire brings in, valid or hostile,
 * and what goes back.
 */
#include "testutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <malloc.h>
#include <netinet/in.h>

#include <sqlite3.h>

#include "../../collector/ingest.h"
#include "base/log.h"
#include "record/record.h"
#include "store/store.h"
#include "wire/wire.h"

#define NOW_US (1767225600LL * 1000000)

struct acks {
	int n;
	size_t ids, rejected;
	uint64_t last_seq;
	const struct wire_key *key;
};

struct fixture {
	char *dir;
	struct store *st;
	struct ingest *in;
	struct acks acks;
	struct wire_key key;
	struct ingest_config cfg;
};

static int capture_ack(void *arg, const struct ingest_peer *peer,
		       const uint8_t *buf, size_t len)
{
	struct acks *a = arg;
	struct wire_msg m;
	const char *reason;

	assert_int_equal(wire_unpack(buf, len, a->key, NULL, &m, &reason), 0);
	assert_int_equal(m.type, WIRE_BODY_ACK);
	a->n++;
	a->ids += m.ack->n_ids;
	a->rejected += m.ack->n_rejected_ids;
	a->last_seq = m.seq;
	wire_msg_release(&m);
	return 0;
}

/*
 * A fixture's SQLite store (store_flags) and the ingest settings the cases
 * share: 8 KB datagrams, 16 senders, batches of 64, acks captured.  The
 * caller changes what its case needs, then fixture_start().
 */
static struct fixture *fixture_store(unsigned store_flags)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char spec[1100];

	f->dir = test_tmpdir();
	snprintf(spec, sizeof(spec), "sqlite:%s/s.db", f->dir);
	if (store_flags & STORE_READONLY) {
		/* Create it, then reopen read-only so every put fails. */
		assert_int_equal(store_open(spec, 0, &f->st), 0);
		store_close(f->st);
	}
	assert_int_equal(store_open(spec, store_flags, &f->st), 0);
	f->cfg.max_datagram = 8192;
	f->cfg.max_senders = 16;
	f->cfg.batch_max = 64;
	f->cfg.reply = capture_ack;
	f->cfg.reply_arg = &f->acks;
	return f;
}

static struct fixture *fixture_start(struct fixture *f)
{
	f->in = ingest_new(f->st, &f->cfg);
	assert_non_null(f->in);
	return f;
}

static struct fixture *fixture_new(uint64_t rate, uint64_t burst,
				   bool with_key, unsigned store_flags)
{
	struct fixture *f = fixture_store(store_flags);

	if (with_key) {
		assert_int_equal(wire_key_set(&f->key, "0123456789abcdef0123",
					      20),
				 0);
		f->acks.key = &f->key;
		f->cfg.key = &f->key;
	}
	f->cfg.rate_limit = rate;
	f->cfg.rate_burst = burst;
	return fixture_start(f);
}

static void fixture_free(struct fixture *f)
{
	ingest_free(f->in);
	store_close(f->st);
	test_rmtree(f->dir);
	free(f);
}

static struct ingest_peer peer_v4(const char *addr, uint16_t port)
{
	struct ingest_peer p = { .kind = INGEST_PEER_UDP, .fd = -1 };
	struct sockaddr_in *a = (struct sockaddr_in *)&p.ss;

	a->sin_family = AF_INET;
	a->sin_port = htons(port);
	inet_pton(AF_INET, addr, &a->sin_addr);
	p.sslen = sizeof(*a);
	return p;
}

/* A packed record with a 16-byte id (i), or a bad id length. */
static size_t make_record(uint8_t *buf, unsigned i, size_t id_len)
{
	Oopsd__CrashRecord r = OOPSD__CRASH_RECORD__INIT;
	Oopsd__Crash c = OOPSD__CRASH__INIT;
	Oopsd__Host h = OOPSD__HOST__INIT;
	uint8_t id[32] = { 0 };

	memcpy(id, &i, sizeof(i));
	r.has_id = 1;
	r.id.data = id;
	r.id.len = id_len;
	h.hostname = (char *)"board1";
	r.host = &h;
	c.title = (char *)"WARNING in foo";
	c.has_title_signature = 1;
	c.title_signature = 0x1234 + (i % 3);
	c.has_kind = 1;
	c.kind = OOPSD__CRASH_KIND__KIND_WARNING;
	r.crash = &c;
	return oopsd__crash_record__pack(&r, buf);
}

/* An envelope of n records first..first+n-1 into out; returns length. */
static size_t make_envelope(uint8_t *out, size_t cap, unsigned first,
			    unsigned n, uint64_t seq,
			    const struct wire_key *key)
{
	static uint8_t recs[64][256];
	struct wire_iov iov[64];
	struct wire_iov sender = { "test-agent", 10 };
	int len;

	assert_true(n <= 64);
	for (unsigned i = 0; i < n; i++) {
		size_t l = make_record(recs[i], first + i, 16);

		iov[i] = (struct wire_iov){ recs[i], l };
	}
	len = wire_pack_envelope(&sender, seq, iov, n, key, out, cap);
	assert_true(len > 0);
	return (size_t)len;
}

static uint64_t reject_count(const struct ingest_counters *c,
			     const char *reason)
{
	for (size_t i = 0; i < INGEST_MAX_REASONS && c->rejected[i].reason; i++)
		if (strcmp(c->rejected[i].reason, reason) == 0)
			return c->rejected[i].count;
	return 0;
}

static void test_ack_only_after_commit(void **state)
{
	struct fixture *f = fixture_new(6000, 1000, false, 0);
	struct ingest_peer p = peer_v4("127.0.0.1", 4000);
	uint8_t buf[8192];
	size_t len = make_envelope(buf, sizeof(buf), 1, 5, 7, NULL);
	const struct ingest_counters *c = ingest_counters(f->in);
	struct store_stats ss;

	ingest_datagram(f->in, &p, buf, len, false, 0, NOW_US);
	assert_int_equal(ingest_pending(f->in), 5);
	/* Nothing acknowledged before the batch is committed. */
	assert_int_equal(f->acks.n, 0);
	assert_int_equal(ingest_flush(f->in), 5);
	assert_int_equal(f->acks.n, 1);
	assert_int_equal(f->acks.ids, 5);
	assert_int_equal(f->acks.last_seq, 7);
	assert_int_equal(c->stored, 5);
	assert_int_equal(store_stats(f->st, &ss), 0);
	assert_int_equal(ss.records, 5);
	fixture_free(f);
}

static void test_retransmission_is_acked_again(void **state)
{
	struct fixture *f = fixture_new(6000, 1000, false, 0);
	struct ingest_peer p = peer_v4("127.0.0.1", 4000);
	uint8_t buf[8192];
	size_t len = make_envelope(buf, sizeof(buf), 1, 4, 1, NULL);
	const struct ingest_counters *c = ingest_counters(f->in);
	struct store_stats ss;

	/* Sent twice in one batch, then again after the commit (the ack was
	 * lost): stored once, acknowledged every time. */
	ingest_datagram(f->in, &p, buf, len, false, 0, NOW_US);
	ingest_datagram(f->in, &p, buf, len, false, 0, NOW_US);
	assert_int_equal(ingest_flush(f->in), 4);
	ingest_datagram(f->in, &p, buf, len, false, 10, NOW_US);
	assert_int_equal(ingest_flush(f->in), 0);
	assert_int_equal(f->acks.n, 3);
	assert_int_equal(f->acks.ids, 12);
	assert_int_equal(c->stored, 4);
	assert_int_equal(c->duplicates, 8);
	assert_int_equal(store_stats(f->st, &ss), 0);
	assert_int_equal(ss.records, 4);
	fixture_free(f);
}

static void test_hostile_datagrams(void **state)
{
	struct fixture *f = fixture_new(6000, 1000, false, 0);
	struct ingest_peer p = peer_v4("10.0.0.1", 4000);
	const struct ingest_counters *c = ingest_counters(f->in);
	uint8_t buf[8192], big[9000];
	uint64_t rng = 42, before;
	size_t len;

	/* Fuzzed bytes: random lengths and contents. */
	for (int i = 0; i < 3000; i++) {
		size_t n;

		rng = rng * 6364136223846793005ull + 1442695040888963407ull;
		n = (size_t)(rng >> 33) % 600;
		for (size_t k = 0; k < n; k++) {
			rng = rng * 6364136223846793005ull + 1;
			buf[k] = (uint8_t)(rng >> 56);
		}
		ingest_datagram(f->in, &p, buf, n, false, 0, NOW_US);
	}
	/* Mutations of a valid envelope: every byte flipped in turn. */
	len = make_envelope(buf, sizeof(buf), 1, 3, 1, NULL);
	for (size_t k = 0; k < len; k++) {
		uint8_t m[8192];

		memcpy(m, buf, len);
		m[k] ^= 0xff;
		ingest_datagram(f->in, &p, m, len, false, 0, NOW_US);
	}
	ingest_flush(f->in);
	/* A huge claimed length: field 2 (body), length varint 2^62. */
	{
		const uint8_t lie[] = { 0x08, 0x01, 0x12, 0xff, 0xff, 0xff,
					0xff, 0xff, 0xff, 0xff, 0xff, 0x3f,
					0x00 };

		before = c->rejected_datagrams;
		ingest_datagram(f->in, &p, lie, sizeof(lie), false, 0, NOW_US);
		assert_int_equal(c->rejected_datagrams, before + 1);
	}
	/* An ack (the agent's side of the protocol) is refused undecoded. */
	{
		struct wire_iov id = { (const uint8_t *)"x", 1 };
		int n = wire_pack_ack_nonce(5, 77, &id, 1, NULL, 0, NULL, NULL,
					    buf, sizeof(buf));

		assert_true(n > 0);
		before = c->rejected_datagrams;
		ingest_datagram(f->in, &p, buf, (size_t)n, false, 0, NOW_US);
		assert_int_equal(c->rejected_datagrams, before + 1);
		assert_int_equal(reject_count(c, "unexpected_body_type"), 1);
		assert_int_equal(ingest_pending(f->in), 0);
	}
	/* Larger than max_datagram, and truncated by the socket. */
	memset(big, 0, sizeof(big));
	ingest_datagram(f->in, &p, big, sizeof(big), false, 0, NOW_US);
	ingest_datagram(f->in, &p, buf, 100, true, 0, NOW_US);
	assert_int_equal(reject_count(c, "too_large"), 2);
	ingest_flush(f->in);
	/* Every reject is counted under some reason. */
	{
		uint64_t sum = 0;

		for (size_t i = 0; i < INGEST_MAX_REASONS; i++)
			sum += c->rejected[i].count;
		assert_int_equal(sum,
				 c->rejected_datagrams + c->rejected_records);
	}
	assert_true(c->rejected_datagrams > 2900);
	/* The collector still works afterwards. */
	len = make_envelope(buf, sizeof(buf), 100, 2, 9, NULL);
	f->acks.ids = 0;
	ingest_datagram(f->in, &p, buf, len, false, 0, NOW_US);
	ingest_flush(f->in);
	assert_int_equal(f->acks.ids, 2);
	fixture_free(f);
}

static void test_authentication(void **state)
{
	struct fixture *f = fixture_new(6000, 1000, true, 0);
	struct ingest_peer p = peer_v4("127.0.0.1", 4000);
	const struct ingest_counters *c = ingest_counters(f->in);
	struct wire_key other;
	uint8_t buf[8192];
	size_t len;

	/* No tag at all. */
	len = make_envelope(buf, sizeof(buf), 1, 2, 1, NULL);
	ingest_datagram(f->in, &p, buf, len, false, 0, NOW_US);
	/* Another key. */
	assert_int_equal(wire_key_set(&other, "another key, 20 bytes", 20), 0);
	len = make_envelope(buf, sizeof(buf), 1, 2, 2, &other);
	ingest_datagram(f->in, &p, buf, len, false, 0, NOW_US);
	/* The right key, then a flipped bit of the tag's datagram. */
	len = make_envelope(buf, sizeof(buf), 1, 2, 3, &f->key);
	ingest_datagram(f->in, &p, buf, len, false, 0, NOW_US);
	buf[len - 1] ^= 1;
	ingest_datagram(f->in, &p, buf, len, false, 0, NOW_US);
	ingest_flush(f->in);
	assert_int_equal(c->rejected_datagrams, 3);
	assert_int_equal(reject_count(c, "no_tag"), 1);
	assert_int_equal(c->stored, 2);
	assert_int_equal(f->acks.n, 1);
	fixture_free(f);
}

/*
 * With a key, an authenticated datagram replayed as it is, or one whose
 * number is far below what the sender already used, is refused and
 * counted, without an ack.  The agent's retransmissions carry fresh
 * numbers and pass (their records are duplicates, acknowledged again).
 */
static void test_replayed_datagrams(void **state)
{
	struct fixture *f = fixture_new(6000, 1000, true, 0);
	struct ingest_peer p = peer_v4("127.0.0.1", 4000);
	const struct ingest_counters *c = ingest_counters(f->in);
	uint8_t buf[8192], old[8192];
	size_t len, oldlen;

	oldlen = make_envelope(old, sizeof(old), 1, 2, 5000, &f->key);
	ingest_datagram(f->in, &p, old, oldlen, false, 0, NOW_US);
	ingest_flush(f->in);
	assert_int_equal(c->stored, 2);
	assert_int_equal(f->acks.n, 1);
	/* The same bytes again, in the next batch and in the same one. */
	ingest_datagram(f->in, &p, old, oldlen, false, 1, NOW_US);
	ingest_datagram(f->in, &p, old, oldlen, false, 1, NOW_US);
	ingest_flush(f->in);
	assert_int_equal(reject_count(c, "replayed"), 2);
	assert_int_equal(f->acks.n, 1);
	/* A retransmission: same records, a new number. */
	len = make_envelope(buf, sizeof(buf), 1, 2, 5001, &f->key);
	ingest_datagram(f->in, &p, buf, len, false, 2, NOW_US);
	ingest_flush(f->in);
	assert_int_equal(f->acks.n, 2);
	assert_int_equal(c->stored, 2);
	/* The sender moved far ahead: its old datagram is now stale. */
	len = make_envelope(buf, sizeof(buf), 3, 1, 900000, &f->key);
	ingest_datagram(f->in, &p, buf, len, false, 3, NOW_US);
	ingest_datagram(f->in, &p, old, oldlen, false, 3, NOW_US);
	ingest_flush(f->in);
	assert_int_equal(reject_count(c, "stale"), 1);
	assert_int_equal(c->stored, 3);
	assert_int_equal(c->rejected_datagrams, 3);
	fixture_free(f);
}

struct hb_seen {
	int n;
	char hostname[32], sender[64];
	uint64_t backlog;
	int64_t now_us;
};

static void capture_hb(void *arg, const Oopsd__Heartbeat *hb,
		       const char *sender, int64_t now_us)
{
	struct hb_seen *h = arg;

	h->n++;
	str_lcpy(h->hostname, hb->hostname ? hb->hostname : "", 32);
	str_lcpy(h->sender, sender, 64);
	h->backlog = hb->backlog;
	h->now_us = now_us;
}

static size_t make_heartbeat(uint8_t *out, size_t cap, uint64_t seq,
			     const struct wire_key *key)
{
	struct wire_iov sender = { "test-agent", 10 };
	struct wire_heartbeat hb = { .hostname = "board1", .backlog = 4,
				     .interval_s = 60 };
	int len = wire_pack_heartbeat(&sender, seq, &hb, key, out, cap);

	assert_true(len > 0);
	return (size_t)len;
}

/* Heartbeats: authenticated, replay-checked and rate-limited like
 * envelopes, handed to the daemon, never acknowledged nor stored as
 * records. */
static void test_heartbeats(void **state)
{
	struct fixture *f = fixture_new(60, 2, true, 0);
	struct ingest_peer p = peer_v4("10.1.2.3", 4000);
	const struct ingest_counters *c = ingest_counters(f->in);
	struct hb_seen h = { 0 };
	uint8_t buf[2048];
	size_t len;

	/* The fixture's ingest has no heartbeat callback: rebuild it. */
	ingest_free(f->in);
	f->cfg.heartbeat = capture_hb;
	f->cfg.heartbeat_arg = &h;
	f->in = ingest_new(f->st, &f->cfg);
	c = ingest_counters(f->in);

	len = make_heartbeat(buf, sizeof(buf), 100, &f->key);
	ingest_datagram(f->in, &p, buf, len, false, 0, NOW_US);
	assert_int_equal(h.n, 1);
	assert_string_equal(h.hostname, "board1");
	assert_string_equal(h.sender, "10.1.2.3:4000");
	assert_int_equal(h.backlog, 4);
	assert_int_equal(h.now_us, NOW_US);
	assert_int_equal(ingest_pending(f->in), 0);
	ingest_flush(f->in);
	assert_int_equal(f->acks.n, 0);
	assert_int_equal(c->records, 0);
	/* Replayed: refused. */
	ingest_datagram(f->in, &p, buf, len, false, 0, NOW_US);
	assert_int_equal(h.n, 1);
	assert_int_equal(reject_count(c, "replayed"), 1);
	/* Without a tag: refused. */
	len = make_heartbeat(buf, sizeof(buf), 101, NULL);
	ingest_datagram(f->in, &p, buf, len, false, 0, NOW_US);
	assert_int_equal(h.n, 1);
	assert_int_equal(reject_count(c, "no_tag"), 1);
	/* Over the sender's rate (a burst of 2, one used): refused. */
	len = make_heartbeat(buf, sizeof(buf), 102, &f->key);
	ingest_datagram(f->in, &p, buf, len, false, 0, NOW_US);
	len = make_heartbeat(buf, sizeof(buf), 103, &f->key);
	ingest_datagram(f->in, &p, buf, len, false, 0, NOW_US);
	assert_int_equal(h.n, 2);
	assert_int_equal(reject_count(c, "heartbeat_rate_limited"), 1);
	fixture_free(f);
}

static void test_bad_record_refused_alone(void **state)
{
	struct fixture *f = fixture_new(6000, 1000, false, 0);
	struct ingest_peer p = peer_v4("127.0.0.1", 4000);
	const struct ingest_counters *c = ingest_counters(f->in);
	uint8_t recs[3][256], buf[8192];
	struct wire_iov iov[3];
	struct wire_iov sender = { "a", 1 };
	int len;

	iov[0] = (struct wire_iov){ recs[0], make_record(recs[0], 1, 16) };
	/* A 20-byte id: refused for good (its id goes back as rejected). */
	iov[1] = (struct wire_iov){ recs[1], make_record(recs[1], 2, 20) };
	iov[2] = (struct wire_iov){ recs[2], make_record(recs[2], 3, 16) };
	len = wire_pack_envelope(&sender, 5, iov, 3, NULL, buf, sizeof(buf));
	assert_true(len > 0);
	ingest_datagram(f->in, &p, buf, (size_t)len, false, 0, NOW_US);
	assert_int_equal(ingest_flush(f->in), 2);
	assert_int_equal(f->acks.ids, 2);
	assert_int_equal(f->acks.rejected, 1);
	assert_int_equal(c->rejected_records, 1);
	fixture_free(f);
}

/*
 * A raw netconsole sender is charged to the bucket of its address, the one
 * an agent at that address uses: the receiver's v4-mapped address is the
 * IPv4 sender, whatever the port.
 */
static void test_netconsole_charge_shares_agent_bucket(void **state)
{
	struct fixture *f = fixture_new(60, 5, false, 0);
	struct ingest_peer agent = peer_v4("10.0.0.1", 4000);
	struct ingest_peer ncon = { .kind = INGEST_PEER_UDP, .fd = -1 };
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ncon.ss;
	const struct ingest_counters *c = ingest_counters(f->in);
	uint8_t buf[8192];
	size_t len = make_envelope(buf, sizeof(buf), 1, 3, 1, NULL);

	a6->sin6_family = AF_INET6;
	a6->sin6_port = htons(6666);
	assert_int_equal(inet_pton(AF_INET6, "::ffff:10.0.0.1",
				   &a6->sin6_addr), 1);
	ncon.sslen = sizeof(*a6);
	/* A burst of 5: three reports, then an agent's 3 records. */
	for (int i = 0; i < 3; i++)
		assert_true(ingest_charge_local(f->in, &ncon, 1000));
	ingest_datagram(f->in, &agent, buf, len, false, 1000, NOW_US);
	assert_int_equal(ingest_flush(f->in), 2);
	assert_int_equal(c->rate_limited, 1);
	assert_false(ingest_charge_local(f->in, &ncon, 1000));
	assert_int_equal(c->rate_limited, 2);
	assert_int_equal(reject_count(c, "netconsole_rate"), 1);
	fixture_free(f);
}

static void test_rate_limit_holds_back(void **state)
{
	/* 60 a minute (one a second), bursts of 5, on an invented clock. */
	struct fixture *f = fixture_new(60, 5, false, 0);
	struct ingest_peer loud = peer_v4("10.0.0.1", 4000);
	struct ingest_peer quiet = peer_v4("10.0.0.2", 4000);
	const struct ingest_counters *c = ingest_counters(f->in);
	uint8_t buf[8192], buf2[8192];
	size_t len = make_envelope(buf, sizeof(buf), 1, 10, 1, NULL);
	size_t len2 = make_envelope(buf2, sizeof(buf2), 1000, 3, 1, NULL);

	ingest_datagram(f->in, &loud, buf, len, false, 1000, NOW_US);
	/* The other sender is not affected by the loud one. */
	ingest_datagram(f->in, &quiet, buf2, len2, false, 1000, NOW_US);
	assert_int_equal(ingest_flush(f->in), 8);
	assert_int_equal(c->rate_limited, 5);
	assert_int_equal(f->acks.ids, 8);
	/* A different port of the same address is the same sender. */
	loud = peer_v4("10.0.0.1", 4001);
	ingest_datagram(f->in, &loud, buf, len, false, 1500, NOW_US);
	assert_int_equal(ingest_flush(f->in), 0);
	assert_int_equal(c->rate_limited, 15);
	/* 3 s later: 3 more tokens; the retransmission's first 3 records
	 * are duplicates, so nothing new yet: the agent keeps retrying. */
	ingest_datagram(f->in, &loud, buf, len, false, 4500, NOW_US);
	assert_int_equal(ingest_flush(f->in), 0);
	/* A minute later the bucket is full again (5): records 6-10 of a
	 * retransmission that starts at record 6 get in. */
	len = make_envelope(buf, sizeof(buf), 6, 5, 2, NULL);
	ingest_datagram(f->in, &loud, buf, len, false, 70000, NOW_US);
	assert_int_equal(ingest_flush(f->in), 5);
	assert_int_equal(c->stored, 13);
	fixture_free(f);
}

/*
 * More senders than rate-limit buckets (16 in the fixture): each newcomer
 * evicts the most idle bucket and gets in (issue 17: a full table used to
 * hold every newcomer back), and the table stays at its size.
 */
static void test_rate_table_full(void **state)
{
	struct fixture *f = fixture_new(6000, 1000, false, 0);
	const struct ingest_counters *c = ingest_counters(f->in);
	struct ingest_peer p;
	uint8_t buf[8192];
	size_t len = make_envelope(buf, sizeof(buf), 1, 2, 1, NULL);
	char addr[32];

	for (unsigned i = 0; i < 100; i++) {
		snprintf(addr, sizeof(addr), "10.1.%u.%u", i / 250, i % 250);
		p = peer_v4(addr, 4000);
		ingest_datagram(f->in, &p, buf, len, false, 0, NOW_US);
	}
	assert_int_equal(ingest_senders(f->in), 16);
	assert_int_equal(c->rate_limited, 0);
	assert_int_equal(c->rate_table_full, 0);
	assert_int_equal(ingest_senders_evicted(f->in), 100 + 1 - 16);
	assert_int_equal(ingest_flush(f->in), 2);
	assert_int_equal(f->acks.n, 100);
	/* A sender with a bucket is limited by its rate alone. */
	p = peer_v4("10.1.0.99", 4000);
	len = make_envelope(buf, sizeof(buf), 3, 2, 2, NULL);
	ingest_datagram(f->in, &p, buf, len, false, 0, NOW_US);
	assert_int_equal(ingest_flush(f->in), 2);
	assert_int_equal(c->rate_table_full, 0);
	fixture_free(f);
}

static void test_store_failure_no_ack(void **state)
{
	struct fixture *f = fixture_new(6000, 1000, false, STORE_READONLY);
	struct ingest_peer p = peer_v4("127.0.0.1", 4000);
	const struct ingest_counters *c = ingest_counters(f->in);
	uint8_t buf[8192];
	size_t len = make_envelope(buf, sizeof(buf), 1, 3, 1, NULL);

	ingest_datagram(f->in, &p, buf, len, false, 0, NOW_US);
	assert_true(ingest_flush(f->in) < 0);
	assert_int_equal(f->acks.n, 0);
	assert_int_equal(c->store_errors, 1);
	assert_int_equal(ingest_pending(f->in), 0);
	fixture_free(f);
}

static int log_lines;
static char log_last[1024];

static void count_log(enum log_level level, const char *line)
{
	if (level > LOG_LEVEL_WARN)
		return;
	log_lines++;
	snprintf(log_last, sizeof(log_last), "%s", line);
}

/*
 * A failing store is logged once, by the layer that decides (ingest: the
 * agents will retransmit), with the store's own words, and not again for
 * every following batch: the store itself logs nothing.
 */
static void test_store_failure_logged_once(void **state)
{
	struct fixture *f = fixture_new(6000, 1000, false, 0);
	struct ingest_peer p = peer_v4("127.0.0.1", 4000);
	char path[1100];
	uint8_t buf[8192];
	sqlite3 *db;

	/* A store that refuses every record with its own words. */
	snprintf(path, sizeof(path), "%s/s.db", f->dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TRIGGER poison BEFORE INSERT"
				      " ON records BEGIN SELECT RAISE(ABORT,"
				      " 'poisoned'); END", NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	log_lines = 0;
	log_set_hook(count_log);
	for (unsigned i = 0; i < 5; i++) {
		size_t len = make_envelope(buf, sizeof(buf), 1 + i * 3, 3,
					   1 + i, NULL);

		ingest_datagram(f->in, &p, buf, len, false, 0, NOW_US);
		assert_true(ingest_flush(f->in) < 0);
	}
	log_set_hook(NULL);
	/* Five failed batches of three, each record retried alone: one
	 * line for the batches and one for the records, throttled. */
	assert_int_equal(ingest_counters(f->in)->store_errors, 5);
	assert_int_equal(ingest_counters(f->in)->store_refused, 15);
	assert_int_equal(log_lines, 2);
	/* SQLite's reason, not a bare errno. */
	assert_non_null(strstr(log_last, "poisoned"));
	fixture_free(f);
}


/* ------------------------------------------------ amplification (#17) -- */

/*
 * A compact record (details_z) of id i whose details block is det (its
 * stream compressed, then `corrupt_tail` bytes of the zlib trailer
 * flipped), packed into buf; returns its length.
 */
static size_t make_compact(uint8_t *buf, size_t cap, unsigned i,
			   const char *det, size_t dlen, int corrupt_tail)
{
	Oopsd__CrashRecord r = OOPSD__CRASH_RECORD__INIT;
	Oopsd__Crash c = OOPSD__CRASH__INIT;
	Oopsd__Host h = OOPSD__HOST__INIT;
	uint8_t id[16] = { 0 }, *z;
	size_t zlen, len;

	assert_int_equal(record_compress_parts(NULL, 0, det, dlen, &z, &zlen),
			 0);
	for (int k = 1; k <= corrupt_tail && (size_t)k <= zlen; k++)
		z[zlen - (size_t)k] ^= 0x5a;
	memcpy(id, &i, sizeof(i));
	r.has_id = 1;
	r.id.data = id;
	r.id.len = 16;
	h.hostname = (char *)"board1";
	r.host = &h;
	c.title = (char *)"WARNING in foo";
	c.has_title_signature = 1;
	c.title_signature = 0x1234;
	r.crash = &c;
	r.has_details_z = 1;
	r.details_z.data = z;
	r.details_z.len = zlen;
	r.has_details_len = 1;
	r.details_len = (uint32_t)dlen;
	len = oopsd__crash_record__get_packed_size(&r);
	assert_true(len <= cap);
	oopsd__crash_record__pack(&r, buf);
	free(z);
	return len;
}

/* A details block of n frames named by `namelen` repeated letters. */
static char *frames_block(size_t n, size_t namelen, size_t *dlen)
{
	char *d = malloc(n * (namelen + 2) + 1), *p = d;

	for (size_t i = 0; i < n; i++) {
		*p++ = 'F';
		memset(p, 'a' + (char)(i % 3), namelen);
		p += namelen;
		*p++ = '\n';
	}
	*p = '\0';
	*dlen = (size_t)(p - d);
	return d;
}

static size_t envelope_of(uint8_t *out, size_t cap, const uint8_t *rec,
			  size_t rlen, unsigned nrec, uint64_t seq)
{
	struct wire_iov iov[8], sender = { "test-agent", 10 };
	int len;

	for (unsigned i = 0; i < nrec; i++)
		iov[i] = (struct wire_iov){ rec, rlen };
	len = wire_pack_envelope(&sender, seq, iov, nrec, NULL, out, cap);
	assert_true(len > 0);
	return (size_t)len;
}

static int64_t stored_bytes(struct fixture *f)
{
	char path[1100];
	sqlite3 *db;
	sqlite3_stmt *st;
	int64_t n;

	snprintf(path, sizeof(path), "%s/s.db", f->dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT coalesce(sum("
					    "length(record)), 0) FROM records",
					    -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

/*
 * Defect 1: a small datagram whose details stream expands a hundredfold
 * was stored expanded (re-packed with every plain field): the row is now
 * the record as it came, so what is stored is at most what was sent.
 */
static void test_stored_as_received(void **state)
{
	struct fixture *f = fixture_new(6000, 1000, false, 0);
	struct ingest_peer p = peer_v4("127.0.0.1", 4000);
	static uint8_t rec[8192], dg[8192];
	size_t dlen, rlen, len;
	char *det = frames_block(200, 100, &dlen); /* 20 KB of details */

	rlen = make_compact(rec, sizeof(rec), 1, det, dlen, 0);
	len = envelope_of(dg, sizeof(dg), rec, rlen, 1, 1);
	assert_true(len < 1024); /* deflate: 20 KB in a few hundred bytes */
	ingest_datagram(f->in, &p, dg, len, false, 0, NOW_US);
	assert_int_equal(ingest_flush(f->in), 1);
	assert_int_equal(f->acks.ids, 1);
	assert_true(stored_bytes(f) <= (int64_t)len);
	free(det);
	fixture_free(f);
}

/*
 * One record of nframes frames of namelen bytes, its compressed stream
 * corrupt at the end (a decoder that inflated it all would say
 * "bad_details"), is refused for `why` before that, for good (its id in
 * the ack), and nothing is stored.
 */
static void check_refused_unread(size_t nframes, size_t namelen,
				 const char *why)
{
	struct fixture *f = fixture_new(6000, 1000, false, 0);
	struct ingest_peer p = peer_v4("127.0.0.1", 4000);
	const struct ingest_counters *c = ingest_counters(f->in);
	static uint8_t rec[8192], dg[8192];
	size_t dlen, rlen, len;
	char *det = frames_block(nframes, namelen, &dlen);

	rlen = make_compact(rec, sizeof(rec), 1, det, dlen, 2);
	len = envelope_of(dg, sizeof(dg), rec, rlen, 1, 1);
	ingest_datagram(f->in, &p, dg, len, false, 0, NOW_US);
	ingest_flush(f->in);
	assert_int_equal(reject_count(c, why), 1);
	assert_int_equal(reject_count(c, "bad_details"), 0);
	assert_int_equal(f->acks.rejected, 1);
	assert_int_equal(stored_bytes(f), 0);
	free(det);
	fixture_free(f);
}

/*
 * Defect 1/3: a record whose expansion would cost more than its datagram's
 * budget is refused before any of it is inflated.
 */
static void test_cost_budget_refuses_unread(void **state)
{
	check_refused_unread(200, 1000, "cost_budget"); /* 200 KB */
}

/*
 * Defect 3: too many frames are refused at the first one too many, not
 * after inflating the whole stream.
 */
static void test_frames_refused_early(void **state)
{
	/* 60 KB, 20,000 frames */
	check_refused_unread(20000, 1, "too_many_frames");
}

static size_t heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

/*
 * Defect 2: datagrams whose records are all refused (4 records of 1,000
 * empty frames each) or held back by the rate limit were kept decoded
 * until the next flush: 200 of them held some 100 MB.  Now they are freed
 * at once and the heap stays flat.
 */
static void test_refused_freed_at_once(void **state)
{
	struct fixture *f = fixture_new(60, 4, false, 0);
	struct ingest_peer p = peer_v4("127.0.0.1", 4000);
	const struct ingest_counters *c = ingest_counters(f->in);
	Oopsd__CrashRecord r = OOPSD__CRASH_RECORD__INIT;
	Oopsd__Crash cr = OOPSD__CRASH__INIT;
	static Oopsd__Frame fr[1000];
	static Oopsd__Frame *frp[1000];
	static uint8_t rec[8192], dg[65536];
	uint8_t id[16] = { 1 };
	size_t rlen, len, before;

	for (size_t i = 0; i < 1000; i++) {
		oopsd__frame__init(&fr[i]);
		frp[i] = &fr[i];
	}
	r.has_id = 1;
	r.id.data = id;
	r.id.len = 16;
	cr.title = (char *)"WARNING in foo";
	cr.has_title_signature = 1;
	cr.n_frames = 950;
	cr.frames = frp;
	r.crash = &cr;
	rlen = oopsd__crash_record__get_packed_size(&r);
	assert_true(rlen < sizeof(rec));
	oopsd__crash_record__pack(&r, rec);
	len = envelope_of(dg, sizeof(dg), rec, rlen, 4, 1);
	assert_true(len <= 8192);
	before = heap_in_use();
	for (unsigned i = 0; i < 200; i++) {
		envelope_of(dg, sizeof(dg), rec, rlen, 4, 1 + i);
		ingest_datagram(f->in, &p, dg, len, false, i, NOW_US);
	}
	/* Refused (too many frames, or past the decoding budget), or rate
	 * limited: either way nothing is queued and nothing is kept. */
	assert_int_equal(ingest_pending(f->in), 0);
	assert_int_equal(c->stored + ingest_pending(f->in), 0);
	assert_true(heap_in_use() < before + (1u << 20));
	ingest_flush(f->in);
	fixture_free(f);
}


/* ------------------------------------------------ rate table (#17) -- */

static struct ingest_peer peer_v6(const uint8_t addr[16], uint16_t port)
{
	struct ingest_peer p = { .kind = INGEST_PEER_UDP, .fd = -1 };
	struct sockaddr_in6 *a = (struct sockaddr_in6 *)&p.ss;

	a->sin6_family = AF_INET6;
	a->sin6_port = htons(port);
	memcpy(&a->sin6_addr, addr, 16);
	p.sslen = sizeof(*a);
	return p;
}

/* A fixture with the collector's default table: 65,536 buckets. */
static struct fixture *fixture_big_table(void)
{
	struct fixture *f = fixture_store(0);

	f->cfg.rate_limit = 600;
	f->cfg.rate_burst = 100;
	f->cfg.max_senders = 65536;
	return fixture_start(f);
}

/*
 * Flood datagrams: one record whose id is refused (0 bytes), so the flood
 * costs its rate tokens and decoding, not the store.
 */
static size_t flood_datagram(uint8_t *out, size_t cap, uint64_t seq)
{
	static uint8_t rec[256];
	struct wire_iov iov, sender = { "spoofer", 7 };
	int len;

	iov = (struct wire_iov){ rec, make_record(rec, 1, 0) };
	len = wire_pack_envelope(&sender, seq, &iov, 1, NULL, out, cap);
	assert_true(len > 0);
	return (size_t)len;
}

/*
 * Defect 5: 66,000 spoofed IPv4 sources (every one in its own /24) fill
 * the 65,536-bucket table; an agent that comes after them still delivers
 * at its first try and again at its first retransmission (500 ms), as the
 * table evicts the most idle buckets.  Before, it got nothing for as long
 * as the flood lasted (rate_table_full).
 */
static void test_spoofed_flood_new_agent_delivers(void **state)
{
	struct fixture *f = fixture_big_table();
	struct ingest_peer agent = peer_v4("192.0.2.7", 4000);
	uint8_t buf[8192];
	size_t len = flood_datagram(buf, sizeof(buf), 1);

	for (uint32_t i = 0; i < 66000; i++) {
		struct ingest_peer p = peer_v4("0.0.0.0", 9);
		struct sockaddr_in *a = (struct sockaddr_in *)&p.ss;

		a->sin_addr.s_addr = htonl(0x0a000000u + (i << 8) + 1);
		ingest_datagram(f->in, &p, buf, len, false, 1000, NOW_US);
	}
	assert_true(ingest_senders(f->in) <= 65536);
	len = make_envelope(buf, sizeof(buf), 1, 1, 7, NULL);
	ingest_datagram(f->in, &agent, buf, len, false, 1001, NOW_US);
	ingest_flush(f->in);
	assert_int_equal(f->acks.ids, 1);
	/* The flood goes on; the agent's next record, 500 ms later. */
	len = flood_datagram(buf, sizeof(buf), 2);
	for (uint32_t i = 66000; i < 132000; i++) {
		struct ingest_peer p = peer_v4("0.0.0.0", 9);
		struct sockaddr_in *a = (struct sockaddr_in *)&p.ss;

		a->sin_addr.s_addr = htonl(0x0a000000u + (i << 8) + 1);
		ingest_datagram(f->in, &p, buf, len, false, 1200, NOW_US);
	}
	len = make_envelope(buf, sizeof(buf), 2, 1, 8, NULL);
	ingest_datagram(f->in, &agent, buf, len, false, 1501, NOW_US);
	ingest_flush(f->in);
	assert_int_equal(f->acks.ids, 2);
	fixture_free(f);
}

/*
 * Defect 5: 66,000 sources of one IPv6 /64 are limited as a whole: the
 * prefix spends its bucket and its senders get no bucket of their own, so
 * the table stays nearly empty and an agent outside gets its burst.
 */
static void test_prefix_flood_limited_as_whole(void **state)
{
	struct fixture *f = fixture_big_table();
	const struct ingest_counters *c = ingest_counters(f->in);
	uint8_t addr[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1 };
	struct ingest_peer agent = peer_v4("192.0.2.7", 4000);
	uint8_t buf[8192];
	size_t len = flood_datagram(buf, sizeof(buf), 1);

	for (uint32_t i = 0; i < 66000; i++) {
		struct ingest_peer p;

		memcpy(addr + 12, &i, 4);
		p = peer_v6(addr, 9);
		ingest_datagram(f->in, &p, buf, len, false, 1000, NOW_US);
	}
	/* 64 bursts of 100 records for the whole /64, then nothing. */
	assert_true(c->rate_limited >= 66000 - 64 * 100);
	assert_true(ingest_senders(f->in) <= 64 * 100 + 1);
	len = make_envelope(buf, sizeof(buf), 1, 4, 7, NULL);
	ingest_datagram(f->in, &agent, buf, len, false, 1001, NOW_US);
	ingest_flush(f->in);
	assert_int_equal(f->acks.ids, 4);
	fixture_free(f);
}


/* ------------------------------------------------ per-agent keys (#17) -- */

/* make_envelope() with a chosen sender id. */
static size_t envelope_as(uint8_t *out, size_t cap, unsigned first,
			  uint64_t seq, const char *sender,
			  const struct wire_key *key)
{
	static uint8_t rec[256];
	struct wire_iov iov, sid = { sender, strlen(sender) };
	int len;

	iov = (struct wire_iov){ rec, make_record(rec, first, 16) };
	len = wire_pack_envelope(&sid, seq, &iov, 1, key, out, cap);
	assert_true(len > 0);
	return (size_t)len;
}

/* A fixture whose collector holds the master key. */
static struct fixture *fixture_master(bool refuse_shared)
{
	struct fixture *f = fixture_store(0);

	assert_int_equal(wire_key_set(&f->key, "0123456789abcdef0123", 20), 0);
	f->key.master = true;
	f->cfg.key = &f->key;
	f->cfg.refuse_shared_key = refuse_shared;
	f->cfg.rate_limit = 6000;
	f->cfg.rate_burst = 1000;
	f->cfg.batch_max = 0; /* the collector's default */
	return fixture_start(f);
}

/*
 * Defect 8: with the fleet-wide key, a key holder could speak as any
 * agent.  Now each agent has its own key, derived from the master by its
 * identity: the collector, holding only the master, takes an agent's
 * datagrams and signs its acks with that agent's key; the same key used
 * with another sender id, or a datagram claiming another identity, is
 * refused.
 */
static void test_agent_key_speaks_only_as_itself(void **state)
{
	struct fixture *f = fixture_master(true);
	struct ingest_peer p = peer_v4("127.0.0.1", 4000);
	const struct ingest_counters *c = ingest_counters(f->in);
	struct wire_key alice, mallory;
	uint8_t buf[8192];
	size_t len;

	assert_int_equal(wire_key_derive(&f->key, "alice", 5, &alice), 0);
	assert_int_equal(wire_key_derive(&f->key, "mallory", 7, &mallory), 0);
	f->acks.key = &alice; /* acks must verify with alice's key */
	len = envelope_as(buf, sizeof(buf), 1, 1, "alice", &alice);
	ingest_datagram(f->in, &p, buf, len, false, 0, NOW_US);
	ingest_flush(f->in);
	assert_int_equal(f->acks.ids, 1);
	/* Mallory's key, alice's sender id. */
	len = envelope_as(buf, sizeof(buf), 2, 2, "alice", &mallory);
	ingest_datagram(f->in, &p, buf, len, false, 0, NOW_US);
	/* Mallory names alice as the key's identity: the tag fails. */
	memcpy(mallory.identity, "alice", 5);
	mallory.identity_len = 5;
	len = envelope_as(buf, sizeof(buf), 3, 3, "alice", &mallory);
	ingest_datagram(f->in, &p, buf, len, false, 0, NOW_US);
	/* The master itself, as the older scheme: refused here. */
	len = envelope_as(buf, sizeof(buf), 4, 4, "alice", &f->key);
	ingest_datagram(f->in, &p, buf, len, false, 0, NOW_US);
	ingest_flush(f->in);
	assert_int_equal(reject_count(c, "identity_mismatch"), 1);
	assert_int_equal(reject_count(c, "bad_tag") +
				 reject_count(c, "key_mismatch"), 1);
	assert_int_equal(reject_count(c, "shared_key"), 1);
	assert_int_equal(c->stored, 1);
	/* Nor can mallory's key forge an ack alice would take. */
	{
		struct wire_iov id = { "0123456789abcdef", 16 };
		struct wire_msg m;
		const char *reason;
		int n = wire_pack_ack_nonce(1, 7, &id, 1, NULL, 0, NULL,
					    &mallory, buf, sizeof(buf));

		assert_true(n > 0);
		assert_true(wire_unpack(buf, (size_t)n, &alice, NULL, &m,
					&reason) < 0);
	}
	fixture_free(f);
}

/*
 * Defect 8: a holder of the old shared key sent a datagram with a
 * victim's sender id and sequence 2^64-1, and every later datagram of the
 * victim was "stale" until the collector restarted.  The replay window is
 * per (key, sender): the victim, with its own key, is not affected.
 */
static void test_replay_window_per_key(void **state)
{
	struct fixture *f = fixture_master(false);
	struct ingest_peer p = peer_v4("127.0.0.1", 4000);
	const struct ingest_counters *c = ingest_counters(f->in);
	struct wire_key victim;
	uint8_t buf[8192];
	size_t len;

	assert_int_equal(wire_key_derive(&f->key, "victim", 6, &victim), 0);
	/* The shared key (still accepted here), the victim's sender id. */
	len = envelope_as(buf, sizeof(buf), 1, UINT64_MAX, "victim", &f->key);
	f->acks.key = &f->key;
	ingest_datagram(f->in, &p, buf, len, false, 0, NOW_US);
	ingest_flush(f->in);
	f->acks.key = &victim;
	f->acks.ids = 0;
	len = envelope_as(buf, sizeof(buf), 2, 1000, "victim", &victim);
	ingest_datagram(f->in, &p, buf, len, false, 0, NOW_US);
	ingest_flush(f->in);
	assert_int_equal(reject_count(c, "stale"), 0);
	assert_int_equal(f->acks.ids, 1);
	assert_int_equal(c->stored, 2);
	fixture_free(f);
}

/*
 * A heartbeat names a sender id too, and shares the envelopes' replay
 * window: an agent key speaks for its own identity there as well.
 * Mallory's heartbeat as alice, numbered 2^64-1, is refused, so alice's
 * next envelope is not "stale".
 */
static void test_agent_key_heartbeat_only_as_itself(void **state)
{
	struct fixture *f = fixture_master(true);
	struct ingest_peer p = peer_v4("127.0.0.1", 4000);
	const struct ingest_counters *c = ingest_counters(f->in);
	struct wire_iov sid = { "alice", 5 };
	struct wire_heartbeat hb = { .hostname = "board1", .interval_s = 60 };
	struct wire_key alice, mallory;
	uint8_t buf[8192];
	size_t len;
	int n;

	assert_int_equal(wire_key_derive(&f->key, "alice", 5, &alice), 0);
	assert_int_equal(wire_key_derive(&f->key, "mallory", 7, &mallory), 0);
	n = wire_pack_heartbeat(&sid, UINT64_MAX, &hb, &mallory, buf,
				sizeof(buf));
	assert_true(n > 0);
	ingest_datagram(f->in, &p, buf, (size_t)n, false, 0, NOW_US);
	assert_int_equal(reject_count(c, "identity_mismatch"), 1);
	f->acks.key = &alice;
	len = envelope_as(buf, sizeof(buf), 1, 5, "alice", &alice);
	ingest_datagram(f->in, &p, buf, len, false, 0, NOW_US);
	ingest_flush(f->in);
	assert_int_equal(reject_count(c, "stale"), 0);
	assert_int_equal(f->acks.ids, 1);
	assert_int_equal(c->stored, 1);
	fixture_free(f);
}

/* Make the store refuse the record of id i (make_record()), or stop. */
static void poison(struct fixture *f, unsigned i, bool on)
{
	char path[1100], sql[256];
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/s.db", f->dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	if (on)
		snprintf(sql, sizeof(sql),
			 "CREATE TRIGGER poison BEFORE INSERT ON records"
			 " WHEN hex(NEW.id) = '%02X%02X%02X%02X%024d'"
			 " BEGIN SELECT RAISE(ABORT, 'poison'); END",
			 i & 0xff, (i >> 8) & 0xff, (i >> 16) & 0xff, i >> 24, 0);
	else
		snprintf(sql, sizeof(sql), "DROP TRIGGER poison");
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/*
 * One record the store always refuses does not hold back the others of
 * its batch: they are stored and acknowledged, it is not (its agent sends
 * it again), and once the store takes it, it is stored.
 */
static void test_store_refuses_one_record(void **state)
{
	struct fixture *f = fixture_new(6000, 1000, false, 0);
	struct ingest_peer p = peer_v4("127.0.0.1", 4000);
	const struct ingest_counters *c = ingest_counters(f->in);
	struct store_stats ss;
	uint8_t buf[8192];
	size_t len;

	poison(f, 2, true);
	len = make_envelope(buf, sizeof(buf), 1, 4, 1, NULL);
	ingest_datagram(f->in, &p, buf, len, false, 0, NOW_US);
	assert_int_equal(ingest_flush(f->in), 3);
	assert_int_equal(f->acks.n, 1);
	assert_int_equal(f->acks.ids, 3);
	assert_int_equal(c->stored, 3);
	assert_int_equal(c->store_refused, 1);
	assert_int_equal(store_stats(f->st, &ss), 0);
	assert_int_equal(ss.records, 3);

	/* The agent sends the four again: three duplicates acked, one
	 * refused again. */
	len = make_envelope(buf, sizeof(buf), 1, 4, 2, NULL);
	ingest_datagram(f->in, &p, buf, len, false, 0, NOW_US);
	assert_int_equal(ingest_flush(f->in), 0);
	assert_int_equal(f->acks.ids, 6);
	assert_int_equal(c->duplicates, 3);
	assert_int_equal(c->store_refused, 2);

	/* The store takes it now. */
	poison(f, 2, false);
	len = make_envelope(buf, sizeof(buf), 2, 1, 3, NULL);
	ingest_datagram(f->in, &p, buf, len, false, 0, NOW_US);
	assert_int_equal(ingest_flush(f->in), 1);
	assert_int_equal(f->acks.ids, 7);
	assert_int_equal(store_stats(f->st, &ss), 0);
	assert_int_equal(ss.records, 4);
	assert_int_equal(c->store_errors, 0);
	fixture_free(f);
}

/* A record the collector made (netconsole): decoded as record_unpack()
 * gives it, owned by ingest from then on. */
static Oopsd__CrashRecord *local_record(unsigned i)
{
	Oopsd__CrashRecord *rec = NULL;
	const char *reason;
	uint8_t buf[256];
	size_t len = make_record(buf, i, 16);

	assert_int_equal(record_unpack(buf, len, NULL, &rec, &reason), 0);
	return rec;
}

static void test_local_records(void **state)
{
	struct fixture *f = fixture_new(60, 1, false, 0);
	const struct ingest_counters *c = ingest_counters(f->in);
	struct store_stats ss;

	/* Not rate-limited (the netconsole receiver has its own bounds),
	 * never acknowledged (nobody to tell), deduplicated like the rest. */
	for (unsigned i = 0; i < 5; i++)
		assert_int_equal(ingest_add_local(f->in, local_record(i),
						  "192.0.2.7:6665", NOW_US),
				 0);
	assert_int_equal(ingest_add_local(f->in, local_record(0),
					  "192.0.2.7:6665", NOW_US),
			 0);
	assert_int_equal(ingest_flush(f->in), 5);
	assert_int_equal(f->acks.n, 0);
	assert_int_equal(c->local_records, 6);
	assert_int_equal(c->duplicates, 1);
	assert_int_equal(store_stats(f->st, &ss), 0);
	assert_int_equal(ss.records, 5);
	assert_int_equal(ss.hosts, 1);
	fixture_free(f);
}

/* A local record refused alone has no other copy: kept for later. */
static void test_local_record_refused_is_kept(void **state)
{
	struct fixture *f = fixture_new(6000, 1000, false, 0);
	const struct ingest_counters *c = ingest_counters(f->in);
	struct store_stats ss;

	poison(f, 2, true);
	for (unsigned i = 1; i <= 3; i++)
		assert_int_equal(ingest_add_local(f->in, local_record(i),
						  "192.0.2.7:6665", NOW_US),
				 0);
	assert_int_equal(ingest_flush(f->in), 2);
	assert_int_equal(c->store_refused, 1);
	assert_int_equal(ingest_pending(f->in), 1);
	poison(f, 2, false);
	assert_int_equal(ingest_flush(f->in), 1);
	assert_int_equal(ingest_pending(f->in), 0);
	assert_int_equal(store_stats(f->st, &ss), 0);
	assert_int_equal(ss.records, 3);
	fixture_free(f);
}

static void test_local_records_survive_store_failure(void **state)
{
	struct fixture *f = fixture_new(6000, 1000, false, STORE_READONLY);

	/* They have no other copy: kept for the next flush. */
	assert_int_equal(ingest_add_local(f->in, local_record(1), "x:1",
					  NOW_US),
			 0);
	assert_true(ingest_flush(f->in) < 0);
	assert_int_equal(ingest_pending(f->in), 1);
	assert_true(ingest_flush(f->in) < 0);
	assert_int_equal(ingest_pending(f->in), 1);
	fixture_free(f);
}

/*
 * The local backlog is bounded by the local records alone (network
 * records queued beside them do not count), across failed flushes, and
 * frees up once a flush succeeds.
 */
static void test_local_backlog_bounded(void **state)
{
	struct fixture *f = fixture_new(6000, 1000, false, STORE_READONLY);
	const struct ingest_counters *c = ingest_counters(f->in);
	struct ingest_peer p = peer_v4("127.0.0.1", 4000);
	uint8_t buf[8192];
	size_t len = make_envelope(buf, sizeof(buf), 1, 8, 1, NULL);
	const unsigned max = 4096; /* INGEST_MAX_LOCAL_BACKLOG */

	for (unsigned i = 0; i < max; i++) {
		assert_int_equal(ingest_add_local(f->in, local_record(i),
						  "x:1", NOW_US),
				 0);
		if (i == max / 2) {
			ingest_datagram(f->in, &p, buf, len, false, 0, NOW_US);
			assert_true(ingest_flush(f->in) < 0);
		}
	}
	ingest_datagram(f->in, &p, buf, len, false, 0, NOW_US);
	assert_int_equal(ingest_pending(f->in), max + 8);
	assert_int_equal(ingest_add_local(f->in, local_record(max), "x:1",
					  NOW_US),
			 -ENOBUFS);
	assert_int_equal(reject_count(c, "local_backlog_full"), 1);
	assert_true(ingest_flush(f->in) < 0);
	assert_int_equal(ingest_pending(f->in), max);
	assert_int_equal(ingest_add_local(f->in, local_record(max), "x:1",
					  NOW_US),
			 -ENOBUFS);
	assert_int_equal(reject_count(c, "local_backlog_full"), 2);
	fixture_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ack_only_after_commit),
		cmocka_unit_test(test_retransmission_is_acked_again),
		cmocka_unit_test(test_hostile_datagrams),
		cmocka_unit_test(test_authentication),
		cmocka_unit_test(test_replayed_datagrams),
		cmocka_unit_test(test_bad_record_refused_alone),
		cmocka_unit_test(test_heartbeats),
		cmocka_unit_test(test_rate_limit_holds_back),
		cmocka_unit_test(test_netconsole_charge_shares_agent_bucket),
		cmocka_unit_test(test_rate_table_full),
		cmocka_unit_test(test_store_failure_no_ack),
		cmocka_unit_test(test_store_refuses_one_record),
		cmocka_unit_test(test_local_record_refused_is_kept),
		cmocka_unit_test(test_local_records),
		cmocka_unit_test(test_local_records_survive_store_failure),
		cmocka_unit_test(test_local_backlog_bounded),
		cmocka_unit_test(test_store_failure_logged_once),
		cmocka_unit_test(test_stored_as_received),
		cmocka_unit_test(test_cost_budget_refuses_unread),
		cmocka_unit_test(test_frames_refused_early),
		cmocka_unit_test(test_refused_freed_at_once),
		cmocka_unit_test(test_spoofed_flood_new_agent_delivers),
		cmocka_unit_test(test_prefix_flood_limited_as_whole),
		cmocka_unit_test(test_agent_key_speaks_only_as_itself),
		cmocka_unit_test(test_agent_key_heartbeat_only_as_itself),
		cmocka_unit_test(test_replay_window_per_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
