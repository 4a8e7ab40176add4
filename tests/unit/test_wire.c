// SPDX-License-Identifier: MIT
/* Tests for lib/wire.c and lib/pbutil.c: the datagram codec. */
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "record/pbutil.h"
#include "wire/wire.h"

static const uint8_t sender[] = "0123456789abcdef0123456789abcdef";

/* A packed CrashRecord with a given id byte and title, as the spool has. */
static size_t make_record(uint8_t idbyte, const char *title, uint8_t *buf,
			  size_t cap)
{
	Oopsd__CrashRecord r = OOPSD__CRASH_RECORD__INIT;
	Oopsd__Crash c = OOPSD__CRASH__INIT;
	uint8_t id[16];
	size_t n;

	memset(id, idbyte, sizeof(id));
	r.has_id = 1;
	r.id.data = id;
	r.id.len = sizeof(id);
	c.title = (char *)title;
	c.has_kind = 1;
	c.kind = OOPSD__CRASH_KIND__KIND_WARNING;
	r.crash = &c;
	n = oopsd__crash_record__get_packed_size(&r);
	assert_true(n <= cap);
	return oopsd__crash_record__pack(&r, buf);
}

static struct wire_key test_key(uint8_t fill)
{
	struct wire_key k;
	uint8_t raw[32];

	memset(raw, fill, sizeof(raw));
	assert_int_equal(wire_key_set(&k, raw, sizeof(raw)), 0);
	return k;
}

static void test_envelope_round_trip(void **state)
{
	uint8_t r1[256], r2[256], dg[1024];
	struct wire_iov sid = { sender, 32 };
	struct wire_iov recs[2];
	struct wire_msg m;
	const char *reason = NULL;
	int n;

	recs[0] = (struct wire_iov){ r1, make_record(1, "WARNING in a", r1,
						     sizeof(r1)) };
	recs[1] = (struct wire_iov){ r2, make_record(2, "BUG in b", r2,
						     sizeof(r2)) };
	n = wire_pack_envelope(&sid, 42, recs, 2, NULL, dg, sizeof(dg));
	assert_true(n > 0);
	assert_true((size_t)n <= wire_envelope_size(&sid, recs, 2, NULL));
	assert_int_equal(wire_unpack(dg, n, NULL, NULL, &m, &reason), 0);
	assert_int_equal(m.type, WIRE_BODY_ENVELOPE);
	assert_false(m.authenticated);
	assert_int_equal(m.seq, 42);
	assert_int_equal(m.sender_id_len, 32);
	assert_memory_equal(m.sender_id, sender, 32);
	assert_int_equal(m.env->n_records, 2);
	assert_string_equal(m.env->records[0]->crash->title, "WARNING in a");
	assert_string_equal(m.env->records[1]->crash->title, "BUG in b");
	assert_int_equal(m.env->records[1]->id.data[0], 2);
	wire_msg_release(&m);
	assert_null(m.env);
}

/* What we write by hand is what protobuf-c writes and reads. */
static void test_hand_packing_matches_protobuf_c(void **state)
{
	uint8_t dg[512], body[256];
	struct wire_iov ids[2] = { { "aaaaaaaaaaaaaaaa", 16 },
				   { "bbbbbbbbbbbbbbbb", 16 } };
	struct wire_iov rej = { "cccccccccccccccc", 16 };
	Oopsd__Datagram *d;
	Oopsd__Ack *a;
	int n;

	n = wire_pack_ack(7, ids, 2, &rej, 1, "full", NULL, dg, sizeof(dg));
	assert_true(n > 0);
	d = oopsd__datagram__unpack(NULL, n, dg);
	assert_non_null(d);
	assert_int_equal(d->version, WIRE_VERSION);
	assert_int_equal(d->body_type, WIRE_BODY_ACK);
	assert_false(d->has_auth_tag);
	a = oopsd__ack__unpack(NULL, d->body.len, d->body.data);
	assert_non_null(a);
	assert_int_equal(a->seq, 7);
	assert_int_equal(a->n_ids, 2);
	assert_memory_equal(a->ids[1].data, "bbbbbbbbbbbbbbbb", 16);
	assert_int_equal(a->n_rejected_ids, 1);
	assert_string_equal(a->error, "full");

	/* Re-pack with protobuf-c and read it back with wire_unpack(). */
	size_t bl = oopsd__ack__pack(a, body);
	Oopsd__Datagram d2 = OOPSD__DATAGRAM__INIT;
	uint8_t dg2[512];
	struct wire_msg m;
	const char *reason;

	d2.has_version = d2.has_body = d2.has_body_type = 1;
	d2.version = WIRE_VERSION;
	d2.body_type = WIRE_BODY_ACK;
	d2.body.data = body;
	d2.body.len = bl;
	n = (int)oopsd__datagram__pack(&d2, dg2);
	assert_int_equal(wire_unpack(dg2, n, NULL, NULL, &m, &reason), 0);
	assert_int_equal(m.type, WIRE_BODY_ACK);
	assert_int_equal(m.seq, 7);
	assert_int_equal(m.ack->n_ids, 2);
	wire_msg_release(&m);
	oopsd__ack__free_unpacked(a, NULL);
	oopsd__datagram__free_unpacked(d, NULL);
}

static void test_auth(void **state)
{
	struct wire_key k1, k2;
	struct wire_iov sid = { sender, 32 };
	uint8_t r1[256], dg[1024];
	struct wire_iov rec;
	struct wire_msg m;
	const char *reason = NULL;
	int n;

	if (!ENABLE_AUTH_HMAC)
		skip();
	k1 = test_key(1);
	k2 = test_key(2);
	rec = (struct wire_iov){ r1, make_record(1, "t", r1, sizeof(r1)) };
	assert_int_not_equal(k1.id, k2.id);
	n = wire_pack_envelope(&sid, 1, &rec, 1, &k1, dg, sizeof(dg));
	assert_true(n > 0);
	assert_int_equal(wire_unpack(dg, n, &k1, NULL, &m, &reason), 0);
	assert_true(m.authenticated);
	wire_msg_release(&m);

	/* No key on the receiver: the tag is not checked. */
	assert_int_equal(wire_unpack(dg, n, NULL, NULL, &m, &reason), 0);
	assert_false(m.authenticated);
	wire_msg_release(&m);

	/* Another key. */
	assert_int_equal(wire_unpack(dg, n, &k2, NULL, &m, &reason), -EACCES);
	assert_string_equal(reason, "key_mismatch");
	assert_null(m.env);

	/* A flipped bit in the body (the last byte is record data). */
	dg[n - 1] ^= 1;
	assert_int_equal(wire_unpack(dg, n, &k1, NULL, &m, &reason), -EACCES);
	assert_string_equal(reason, "bad_tag");
	dg[n - 1] ^= 1;

	/* No tag at all while the receiver has a key. */
	n = wire_pack_envelope(&sid, 1, &rec, 1, NULL, dg, sizeof(dg));
	assert_int_equal(wire_unpack(dg, n, &k1, NULL, &m, &reason), -EACCES);
	assert_string_equal(reason, "no_tag");
	wire_key_clear(&k1);
	assert_int_equal(k1.len, 0);
}

/* body_type is under the MAC: an Ack body cannot pass as an Envelope. */
static void test_auth_covers_body_type(void **state)
{
	struct wire_key k;
	uint8_t dg[256];
	struct wire_msg m;
	const char *reason = NULL;
	int n;

	if (!ENABLE_AUTH_HMAC)
		skip();
	k = test_key(3);
	n = wire_pack_ack(5, NULL, 0, NULL, 0, NULL, &k, dg, sizeof(dg));
	assert_true(n > 0);
	/* Datagram starts 08 01 18 02: version 1, body_type 2. */
	assert_int_equal(dg[2], 0x18);
	assert_int_equal(dg[3], WIRE_BODY_ACK);
	dg[3] = WIRE_BODY_ENVELOPE;
	assert_int_equal(wire_unpack(dg, n, &k, NULL, &m, &reason), -EACCES);
	assert_string_equal(reason, "bad_tag");
}

/*
 * Known answer: HMAC-SHA256(key, be32(body_type) || body) computed
 * independently with Python's hmac module:
 *   hmac.new(b"0123456789abcdef", b"\0\0\0\x01hello", sha256)
 */
static void test_tag_known_answer(void **state)
{
	static const char want_hex[] = "0e1f4b20b9c400ed5cf34458795c692f"
				       "844978257db9ea21fbb13f283dee9cb5";
	struct wire_key k;
	uint8_t t[WIRE_TAG_LEN], want[WIRE_TAG_LEN];

	if (!ENABLE_AUTH_HMAC)
		skip();
	assert_int_equal(hex_decode(want_hex, want, sizeof(want)), 32);
	assert_int_equal(wire_key_set(&k, "0123456789abcdef", 16), 0);
	assert_int_equal(wire_tag(&k, 1, (const uint8_t *)"hello", 5, t), 0);
	assert_memory_equal(t, want, WIRE_TAG_LEN);
	assert_int_equal(wire_tag_verify(&k, 1, (const uint8_t *)"hello", 5, t,
					 WIRE_TAG_LEN),
			 0);
	assert_int_equal(wire_tag_verify(&k, 1, (const uint8_t *)"hello", 5, t,
					 31),
			 -EACCES);
	t[31] ^= 0x80;
	assert_int_equal(wire_tag_verify(&k, 1, (const uint8_t *)"hello", 5, t,
					 WIRE_TAG_LEN),
			 -EACCES);
	/* Too short a key is refused. */
	assert_int_equal(wire_key_set(&k, "short", 5), -EINVAL);
}

static void test_limits(void **state)
{
	struct wire_limits lim = WIRE_LIMITS_INIT;
	struct wire_iov sid = { sender, 32 };
	uint8_t r1[256], dg[8192];
	struct wire_iov recs[10];
	struct wire_msg m;
	const char *reason = NULL;
	int n;

	size_t rl = make_record(1, "WARNING in a", r1, sizeof(r1));

	for (int i = 0; i < 10; i++)
		recs[i] = (struct wire_iov){ r1, rl };
	n = wire_pack_envelope(&sid, 1, recs, 10, NULL, dg, sizeof(dg));
	assert_true(n > 0);

	lim.max_records = 9;
	assert_int_equal(wire_unpack(dg, n, NULL, &lim, &m, &reason), -E2BIG);
	assert_string_equal(reason, "too_many_records");

	lim = (struct wire_limits)WIRE_LIMITS_INIT;
	lim.max_datagram = n - 1;
	assert_int_equal(wire_unpack(dg, n, NULL, &lim, &m, &reason),
			 -EMSGSIZE);
	assert_string_equal(reason, "too_large");

	lim = (struct wire_limits)WIRE_LIMITS_INIT;
	lim.max_string = 11; /* "WARNING in a" is 12 */
	assert_int_equal(wire_unpack(dg, n, NULL, &lim, &m, &reason), -E2BIG);
	assert_string_equal(reason, "string_length");

	lim = (struct wire_limits)WIRE_LIMITS_INIT;
	lim.max_alloc = 1024;
	assert_int_equal(wire_unpack(dg, n, NULL, &lim, &m, &reason), -E2BIG);
	assert_string_equal(reason, "alloc_budget");

	lim = (struct wire_limits)WIRE_LIMITS_INIT;
	lim.max_bytes = 15; /* the ids are 16 */
	assert_int_equal(wire_unpack(dg, n, NULL, &lim, &m, &reason), -E2BIG);
	assert_string_equal(reason, "bytes_length");

	/* A buffer too small to pack into. */
	assert_int_equal(wire_pack_envelope(&sid, 1, recs, 10, NULL, dg, n - 1),
			 -EMSGSIZE);
	assert_int_equal(wire_pack_envelope(&sid, 1, recs, 10, NULL, dg, n), n);
	sid.len = WIRE_SENDER_ID_MAX + 1;
	assert_int_equal(wire_pack_envelope(&sid, 1, recs, 1, NULL, dg,
					    sizeof(dg)),
			 -EINVAL);
}

/*
 * Many empty sub-messages: 2 bytes of input each, ~100 bytes of decoder
 * memory each.  The budget must stop it.
 */
static void test_amplification_refused(void **state)
{
	static uint8_t body[60000], dg[60100];
	Oopsd__Datagram d = OOPSD__DATAGRAM__INIT;
	struct wire_limits lim = WIRE_LIMITS_INIT;
	struct wire_msg m;
	const char *reason;
	size_t bl = 0;
	int n;

	body[bl++] = 0x08; /* version 1 */
	body[bl++] = 1;
	body[bl++] = 0x12; /* sender id */
	body[bl++] = 1;
	body[bl++] = 'x';
	body[bl++] = 0x18; /* seq 1 */
	body[bl++] = 1;
	while (bl + 2 <= sizeof(body)) {
		body[bl++] = 0x22; /* an empty CrashRecord */
		body[bl++] = 0;
	}
	d.has_version = d.has_body = d.has_body_type = 1;
	d.version = 1;
	d.body_type = WIRE_BODY_ENVELOPE;
	d.body.data = body;
	d.body.len = bl;
	n = (int)oopsd__datagram__pack(&d, dg);
	lim.max_records = 100000;
	lim.max_repeated = 100000;
	lim.max_alloc = 1u << 20;
	assert_int_equal(wire_unpack(dg, n, NULL, &lim, &m, &reason), -E2BIG);
	assert_string_equal(reason, "alloc_budget");
	/* The default limits refuse it too, for the record count. */
	assert_true(wire_unpack(dg, n, NULL, NULL, &m, &reason) < 0);
}

static int pack_raw_datagram(uint32_t version, int body_type,
			     const uint8_t *body, size_t bl, uint8_t *out)
{
	Oopsd__Datagram d = OOPSD__DATAGRAM__INIT;

	d.has_version = 1;
	d.version = version;
	if (body) {
		d.has_body = 1;
		d.body.data = (uint8_t *)body;
		d.body.len = bl;
	}
	if (body_type >= 0) {
		d.has_body_type = 1;
		d.body_type = (uint32_t)body_type;
	}
	return (int)oopsd__datagram__pack(&d, out);
}

static void test_bad_headers(void **state)
{
	/* version 1, sender "x", seq 9, then unknown field 15 (varint 3)
	 * and unknown field 16 (bytes "zz"): ignored, forward compatible. */
	static const uint8_t env[] = { 0x08, 1, 0x12, 1, 'x', 0x18, 9,
				       0x78, 3, 0x82, 0x01, 2, 'z', 'z' };
	static const uint8_t env_v2[] = { 0x08, 2, 0x12, 1, 'x', 0x18, 9 };
	static const uint8_t env_noseq[] = { 0x08, 1, 0x12, 1, 'x' };
	static const uint8_t env_nosid[] = { 0x08, 1, 0x18, 9 };
	uint8_t dg[128];
	struct wire_msg m;
	const char *reason;
	int n;

	n = pack_raw_datagram(1, 1, env, sizeof(env), dg);
	assert_int_equal(wire_unpack(dg, n, NULL, NULL, &m, &reason), 0);
	assert_int_equal(m.seq, 9);
	assert_int_equal(m.env->n_records, 0);
	wire_msg_release(&m);

	n = pack_raw_datagram(2, 1, env, sizeof(env), dg);
	assert_int_equal(wire_unpack(dg, n, NULL, NULL, &m, &reason),
			 -EPROTONOSUPPORT);
	assert_string_equal(reason, "bad_version");
	n = pack_raw_datagram(1, 1, env_v2, sizeof(env_v2), dg);
	assert_int_equal(wire_unpack(dg, n, NULL, NULL, &m, &reason),
			 -EPROTONOSUPPORT);
	n = pack_raw_datagram(1, 4, env, sizeof(env), dg);
	assert_int_equal(wire_unpack(dg, n, NULL, NULL, &m, &reason),
			 -EOPNOTSUPP);
	assert_string_equal(reason, "unknown_body_type");
	/* A body the receiver does not want is refused undecoded. */
	{
		struct wire_limits lim = WIRE_LIMITS_INIT;

		lim.want = WIRE_WANT(WIRE_BODY_ACK);
		n = pack_raw_datagram(1, 1, env, sizeof(env), dg);
		assert_int_equal(wire_unpack(dg, n, NULL, &lim, &m, &reason),
				 -EOPNOTSUPP);
		assert_string_equal(reason, "unexpected_body_type");
		lim.want |= WIRE_WANT(WIRE_BODY_ENVELOPE);
		assert_int_equal(wire_unpack(dg, n, NULL, &lim, &m, &reason),
				 0);
		assert_int_equal(m.type, WIRE_BODY_ENVELOPE);
		wire_msg_release(&m);
		lim.want = WIRE_WANT(WIRE_BODY_ACK);
		n = pack_raw_datagram(1, 4, env, sizeof(env), dg);
		assert_int_equal(wire_unpack(dg, n, NULL, &lim, &m, &reason),
				 -EOPNOTSUPP);
		assert_string_equal(reason, "unknown_body_type");
	}
	n = pack_raw_datagram(1, -1, env, sizeof(env), dg);
	assert_int_equal(wire_unpack(dg, n, NULL, NULL, &m, &reason),
			 -EOPNOTSUPP);
	n = pack_raw_datagram(1, 1, NULL, 0, dg);
	assert_int_equal(wire_unpack(dg, n, NULL, NULL, &m, &reason),
			 -EBADMSG);
	assert_string_equal(reason, "no_body");
	n = pack_raw_datagram(1, 1, env_noseq, sizeof(env_noseq), dg);
	assert_int_equal(wire_unpack(dg, n, NULL, NULL, &m, &reason),
			 -EBADMSG);
	assert_string_equal(reason, "no_seq");
	n = pack_raw_datagram(1, 1, env_nosid, sizeof(env_nosid), dg);
	assert_int_equal(wire_unpack(dg, n, NULL, NULL, &m, &reason),
			 -EBADMSG);
	assert_string_equal(reason, "bad_sender_id");
	/* An envelope body declared as an ack: wire types disagree. */
	n = pack_raw_datagram(1, 2, env, sizeof(env), dg);
	assert_true(wire_unpack(dg, n, NULL, NULL, &m, &reason) < 0);
	/* Garbage. */
	assert_int_equal(wire_unpack((const uint8_t *)"\xff\xff\xff", 3, NULL,
				     NULL, &m, &reason),
			 -EBADMSG);
	assert_string_equal(reason, "malformed");
	assert_int_equal(wire_unpack(dg, 0, NULL, NULL, &m, &reason),
			 -EPROTONOSUPPORT);
}

/* A heartbeat: round trip, authentication, and its bounds. */
static void test_heartbeat(void **state)
{
	struct wire_iov sid = { sender, 32 };
	struct wire_heartbeat hb = {
		.hostname = "web1", .machine_id = "0123abcd",
		.agent_version = "0.3", .release = "6.1.0-18-amd64",
		.boot_id = "b00t", .backlog = 7, .interval_s = 3600,
		.time_us = 1767225600000000LL,
	};
	char longer[WIRE_HEARTBEAT_STRING_MAX + 2];
	uint8_t dg[2048];
	struct wire_msg m;
	const char *reason = NULL;
	struct wire_key k;
	int n;

	n = wire_pack_heartbeat(&sid, 77, &hb, NULL, dg, sizeof(dg));
	assert_true(n > 0);
	assert_int_equal(wire_unpack(dg, n, NULL, NULL, &m, &reason), 0);
	assert_int_equal(m.type, WIRE_BODY_HEARTBEAT);
	assert_null(m.env);
	assert_int_equal(m.seq, 77);
	assert_int_equal(m.sender_id_len, 32);
	assert_memory_equal(m.sender_id, sender, 32);
	assert_string_equal(m.hb->hostname, "web1");
	assert_string_equal(m.hb->machine_id, "0123abcd");
	assert_string_equal(m.hb->agent_version, "0.3");
	assert_string_equal(m.hb->release, "6.1.0-18-amd64");
	assert_string_equal(m.hb->boot_id, "b00t");
	assert_int_equal(m.hb->backlog, 7);
	assert_int_equal(m.hb->interval_s, 3600);
	assert_int_equal(m.hb->time_us, 1767225600000000LL);
	wire_msg_release(&m);
	assert_null(m.hb);
	/* Absent strings stay absent. */
	hb.machine_id = NULL;
	n = wire_pack_heartbeat(&sid, 78, &hb, NULL, dg, sizeof(dg));
	assert_int_equal(wire_unpack(dg, n, NULL, NULL, &m, &reason), 0);
	assert_null(m.hb->machine_id);
	wire_msg_release(&m);
	/* Too small a buffer, a bad sender id, a string too long. */
	assert_int_equal(wire_pack_heartbeat(&sid, 1, &hb, NULL, dg, 20),
			 -EMSGSIZE);
	sid.len = 0;
	assert_int_equal(wire_pack_heartbeat(&sid, 1, &hb, NULL, dg,
					     sizeof(dg)), -EINVAL);
	sid.len = 32;
	memset(longer, 'a', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	hb.release = longer;
	assert_int_equal(wire_pack_heartbeat(&sid, 1, &hb, NULL, dg,
					     sizeof(dg)), -EINVAL);
	/* ... and refused when another encoder sends it anyway. */
	{
		Oopsd__Heartbeat raw = OOPSD__HEARTBEAT__INIT;
		uint8_t body[1024];
		size_t len;

		raw.has_version = 1;
		raw.version = WIRE_VERSION;
		raw.has_sender_id = 1;
		raw.sender_id.data = (uint8_t *)sender;
		raw.sender_id.len = 32;
		raw.has_seq = 1;
		raw.seq = 5;
		raw.release = longer;
		len = oopsd__heartbeat__pack(&raw, body);
		n = wire_pack_body(WIRE_BODY_HEARTBEAT, body, len, NULL, dg,
				   sizeof(dg));
		assert_true(n > 0);
		assert_int_equal(wire_unpack(dg, n, NULL, NULL, &m, &reason),
				 -E2BIG);
		assert_string_equal(reason, "string_length");
		raw.release = NULL;
		raw.has_seq = 0;
		len = oopsd__heartbeat__pack(&raw, body);
		n = wire_pack_body(WIRE_BODY_HEARTBEAT, body, len, NULL, dg,
				   sizeof(dg));
		assert_int_equal(wire_unpack(dg, n, NULL, NULL, &m, &reason),
				 -EBADMSG);
		assert_string_equal(reason, "no_seq");
	}
	hb.release = "6.1";
	if (!ENABLE_AUTH_HMAC)
		return;
	/* Authenticated like an envelope; the body type is under the tag. */
	k = test_key(9);
	n = wire_pack_heartbeat(&sid, 79, &hb, &k, dg, sizeof(dg));
	assert_true(n > 0);
	assert_int_equal(wire_unpack(dg, n, &k, NULL, &m, &reason), 0);
	assert_true(m.authenticated);
	wire_msg_release(&m);
	dg[n - 1] ^= 1;
	assert_int_equal(wire_unpack(dg, n, &k, NULL, &m, &reason), -EACCES);
	assert_string_equal(reason, "bad_tag");
	n = wire_pack_heartbeat(&sid, 80, &hb, NULL, dg, sizeof(dg));
	assert_int_equal(wire_unpack(dg, n, &k, NULL, &m, &reason), -EACCES);
	assert_string_equal(reason, "no_tag");
}

/*
 * Every prefix and every single-byte corruption: an error or a valid
 * message, never a crash (ASan runs this too).  Without CONFIG_AUTH_HMAC
 * there is no key: the same datagrams go through unauthenticated.
 */
static void test_truncated_and_corrupt(void **state)
{
	struct wire_key k, *kp = NULL;
	struct wire_iov sid = { sender, 32 };
	uint8_t r1[256], dg[1024], copy[1024];
	struct wire_iov rec;
	struct wire_msg m;
	const char *reason;
	int n, ok = 0;

	if (ENABLE_AUTH_HMAC) {
		k = test_key(9);
		kp = &k;
	}
	rec = (struct wire_iov){ r1, make_record(4, "KASAN: x", r1,
						 sizeof(r1)) };
	n = wire_pack_envelope(&sid, 3, &rec, 1, kp, dg, sizeof(dg));
	assert_true(n > 0);
	for (int len = 0; len < n; len++) {
		int err = wire_unpack(dg, len, kp, NULL, &m, &reason);

		assert_true(err < 0);
		assert_non_null(reason);
	}
	for (int i = 0; i < n; i++) {
		memcpy(copy, dg, n);
		copy[i] ^= 0x5a;
		if (wire_unpack(copy, n, kp, NULL, &m, &reason) == 0) {
			ok++;
			wire_msg_release(&m);
		}
	}
	/* With a key, every corruption of the header, key id, tag or body
	 * is caught: nothing passes. */
	if (kp != NULL)
		assert_int_equal(ok, 0);
}

static void test_key_files(void **state)
{
	char *dir = test_tmpdir(), path[1100];
	struct wire_key k, k2;
	FILE *f;

	if (!ENABLE_AUTH_HMAC)
		skip();
	snprintf(path, sizeof(path), "%s/hex", dir);
	f = fopen(path, "w");
	fputs("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n",
	      f);
	fclose(f);
	/* Readable by others: refused, as ssh refuses such keys (issue 17,
	 * defect 12); by its owner alone: taken. */
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(wire_key_load(path, &k), -EKEYREJECTED);
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(wire_key_load(path, &k), -EKEYREJECTED);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(wire_key_load(path, &k), 0);
	assert_int_equal(k.len, 32);
	assert_int_equal(k.bytes[31], 0x1f);

	uint8_t raw[32];

	for (int i = 0; i < 32; i++)
		raw[i] = (uint8_t)i;
	assert_int_equal(wire_key_set(&k2, raw, 32), 0);
	assert_int_equal(k.id, k2.id);

	snprintf(path, sizeof(path), "%s/raw", dir);
	f = fopen(path, "w");
	fwrite("\x01\x02not hex at all, raw bytes\n", 1, 28, f);
	fclose(f);
	assert_int_equal(chmod(path, 0400), 0);
	assert_int_equal(wire_key_load(path, &k), 0);
	assert_int_equal(k.len, 28);

	snprintf(path, sizeof(path), "%s/short", dir);
	f = fopen(path, "w");
	fputs("00112233445566778899\n", f); /* 10 bytes hex: too short */
	fclose(f);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(wire_key_load(path, &k), -EINVAL);
	assert_int_equal(k.len, 0);

	snprintf(path, sizeof(path), "%s/absent", dir);
	assert_int_equal(wire_key_load(path, &k), -ENOENT);
	test_rmtree(dir);
}

/* The documented worst-case overheads hold, so an agent can plan a batch. */
static void test_overhead_bounds(void **state)
{
	static uint8_t recs[3][40000], dg[WIRE_UDP_MAX + 1000];
	uint8_t sid[WIRE_SENDER_ID_MAX];
	struct wire_key k, *kp = NULL;
	struct wire_iov who = { sid, sizeof(sid) }, iov[3];
	size_t sizes[3] = { 1, 300, 40000 }, payload = 0;

	/* Without CONFIG_AUTH_HMAC the bounds hold for untagged datagrams. */
	if (ENABLE_AUTH_HMAC) {
		k = test_key(7);
		kp = &k;
	}
	memset(sid, 0xee, sizeof(sid));
	for (int i = 0; i < 3; i++) {
		memset(recs[i], 0x42, sizes[i]);
		iov[i] = (struct wire_iov){ recs[i], sizes[i] };
		payload += sizes[i] + WIRE_RECORD_OVERHEAD;
	}
	int n = wire_pack_envelope(&who, UINT64_MAX, iov, 3, kp, dg,
				   sizeof(dg));

	assert_true(n > 0);
	assert_true((size_t)n <= payload + WIRE_OVERHEAD);
	assert_true((size_t)n <= wire_envelope_size(&who, iov, 3, kp));
}

/*
 * Built without CONFIG_AUTH_HMAC (the tiny agent): no key can be set or
 * loaded and nothing can be tagged, each with -EOPNOTSUPP, so a
 * configured key fails loudly instead of shipping unauthenticated.
 */
static void test_no_hmac_refuses_keys(void **state)
{
	char *dir, path[1100];
	struct wire_key k;
	uint8_t raw[32], t[WIRE_TAG_LEN];
	FILE *f;

	if (ENABLE_AUTH_HMAC)
		skip();
	memset(raw, 1, sizeof(raw));
	assert_int_equal(wire_key_set(&k, raw, sizeof(raw)), -EOPNOTSUPP);
	assert_int_equal(k.len, 0);
	dir = test_tmpdir();
	snprintf(path, sizeof(path), "%s/hex", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n",
	      f);
	fclose(f);
	assert_int_equal(wire_key_load(path, &k), -EOPNOTSUPP);
	assert_int_equal(k.len, 0);
	assert_int_equal(wire_tag(&k, 1, (const uint8_t *)"hello", 5, t),
			 -EOPNOTSUPP);
	test_rmtree(dir);
}

/*
 * Per-agent keys: HKDF-SHA256 (RFC 5869) of the master, salt "oopsd agent
 * key v1", info the identity; the expected bytes computed with Python's
 * hmac module.  The key file round-trips with its identity.
 */
static void test_agent_key_derivation(void **state)
{
	static const char want[] = "2be6dc7f60fee455e6451397d348dfb9"
				   "5cc918c8c09286f350e8e96a40ddaba5";
	struct wire_key master, agent, back;
	char hex[65], path[] = "/tmp/oopsd-agentkey-XXXXXX";
	FILE *f;
	int fd;

	if (!ENABLE_AUTH_HMAC)
		skip();
	assert_int_equal(wire_key_set(&master, "0123456789abcdef0123", 20), 0);
	assert_int_equal(wire_key_derive(&master, "board-7", 7, &agent), 0);
	hex_encode(agent.bytes, agent.len, hex);
	assert_string_equal(hex, want);
	assert_memory_equal(agent.identity, "board-7", 7);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w"); /* mkstemp: mode 0600 */
	assert_int_equal(wire_key_write_agent(f, &agent), 0);
	fclose(f);
	assert_int_equal(wire_key_load(path, &back), 0);
	unlink(path);
	assert_int_equal(back.len, 32);
	assert_memory_equal(back.bytes, agent.bytes, 32);
	assert_int_equal(back.identity_len, 7);
	assert_int_equal(back.id, agent.id);
	/* No identity, or one too long: no key. */
	assert_int_equal(wire_key_derive(&master, "", 0, &agent), -EINVAL);
	assert_int_equal(wire_key_derive(&master, hex, 65, &agent), -EINVAL);
}

static void test_varint(void **state)
{
	static const uint64_t vals[] = { 0, 1, 127, 128, 300, 16383, 16384,
					 UINT32_MAX, UINT64_MAX };
	uint8_t b[PB_VARINT_MAX];
	uint64_t v;

	for (size_t i = 0; i < ARRAY_SIZE(vals); i++) {
		size_t n = pb_varint_put(b, vals[i]);

		assert_int_equal(n, pb_varint_size(vals[i]));
		assert_int_equal(pb_varint_get(b, n, &v), (int)n);
		assert_true(v == vals[i]);
		if (n > 1)
			assert_int_equal(pb_varint_get(b, n - 1, &v), 0);
	}
	memset(b, 0xff, sizeof(b));
	assert_int_equal(pb_varint_get(b, sizeof(b), &v), -EBADMSG);
	assert_int_equal(pb_varint_put(b, 300), 2);
	assert_int_equal(b[0], 0xac);
	assert_int_equal(b[1], 0x02);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_envelope_round_trip),
		cmocka_unit_test(test_hand_packing_matches_protobuf_c),
		cmocka_unit_test(test_auth),
		cmocka_unit_test(test_auth_covers_body_type),
		cmocka_unit_test(test_tag_known_answer),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_amplification_refused),
		cmocka_unit_test(test_bad_headers),
		cmocka_unit_test(test_truncated_and_corrupt),
		cmocka_unit_test(test_key_files),
		cmocka_unit_test(test_overhead_bounds),
		cmocka_unit_test(test_no_hmac_refuses_keys),
		cmocka_unit_test(test_varint),
		cmocka_unit_test(test_heartbeat),
		cmocka_unit_test(test_agent_key_derivation),
	};

	return cmocka_run_group_tests_name("wire", tests, NULL, NULL);
}
