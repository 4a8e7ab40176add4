// SPDX-License-Identifier: MIT
/*
 * wire.c - pack and unpack datagrams (Envelope / Ack).  See wire.h.
 *
 * Packing is written by hand on purpose: an envelope embeds records that
 * are already packed (the spool holds them), and a protobuf field is just
 * (number << 3 | type, length, bytes), so concatenating them needs no
 * decode/re-encode and no allocation.  Unpacking goes through protobuf-c
 * under pb_unpack()'s budget and limits.  The tests decode what we pack
 * with protobuf-c and pack with protobuf-c what we decode.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "record/pbutil.h"
#include "base/util.h"
#include "wire/wire.h"

enum {
	PB_VARINT = 0,
	PB_LEN = 2,
};

/* Datagram, Envelope and Ack field numbers (proto/oopsd.proto). */
enum {
	DG_VERSION = 1,
	DG_BODY = 2,
	DG_BODY_TYPE = 3,
	DG_AUTH_TAG = 4,
	DG_KEY_ID = 5,
	DG_KEY_IDENTITY = 6,
	ENV_VERSION = 1,
	ENV_SENDER_ID = 2,
	ENV_SEQ = 3,
	ENV_RECORDS = 4,
	ENV_NONCE = 5,
	ACK_VERSION = 1,
	ACK_SEQ = 2,
	ACK_IDS = 3,
	ACK_REJECTED_IDS = 4,
	ACK_ERROR = 5,
	ACK_NONCE = 6,
};

/*
 * A protobuf writer into a fixed buffer.  With buf == NULL it only counts,
 * so the same code computes sizes and writes.
 */
struct pbw {
	uint8_t *buf;
	size_t cap, len;
	bool overflow;
};

static void pbw_raw(struct pbw *w, const void *data, size_t len)
{
	if (w->buf) {
		if (len > w->cap - w->len) {
			w->overflow = true;
			return;
		}
		if (len)
			memcpy(w->buf + w->len, data, len);
	}
	w->len += len;
}

static void pbw_varint(struct pbw *w, uint64_t v)
{
	uint8_t tmp[PB_VARINT_MAX];

	pbw_raw(w, tmp, pb_varint_put(tmp, v));
}

static void pbw_uint(struct pbw *w, unsigned int field, uint64_t v)
{
	pbw_varint(w, (uint64_t)field << 3 | PB_VARINT);
	pbw_varint(w, v);
}

static void pbw_bytes(struct pbw *w, unsigned int field, const void *data,
		      size_t len)
{
	pbw_varint(w, (uint64_t)field << 3 | PB_LEN);
	pbw_varint(w, len);
	pbw_raw(w, data, len);
}

static bool wire_has_key(const struct wire_key *key)
{
	return key != NULL && key->len > 0;
}

static void wire_envelope_body(struct pbw *w, const struct wire_iov *sender,
			       uint64_t seq, uint64_t nonce,
			       const struct wire_iov *records, size_t n)
{
	pbw_uint(w, ENV_VERSION, WIRE_VERSION);
	pbw_bytes(w, ENV_SENDER_ID, sender->data, sender->len);
	pbw_uint(w, ENV_SEQ, seq);
	if (nonce != 0)
		pbw_uint(w, ENV_NONCE, nonce);
	for (size_t i = 0; i < n; i++)
		pbw_bytes(w, ENV_RECORDS, records[i].data, records[i].len);
}

static void wire_ack_body(struct pbw *w, uint64_t seq, uint64_t nonce,
			  const struct wire_iov *ids, size_t nids,
			  const struct wire_iov *rejected, size_t nrejected,
			  const char *error)
{
	pbw_uint(w, ACK_VERSION, WIRE_VERSION);
	pbw_uint(w, ACK_SEQ, seq);
	if (nonce != 0)
		pbw_uint(w, ACK_NONCE, nonce);
	for (size_t i = 0; i < nids; i++)
		pbw_bytes(w, ACK_IDS, ids[i].data, ids[i].len);
	for (size_t i = 0; i < nrejected; i++)
		pbw_bytes(w, ACK_REJECTED_IDS, rejected[i].data,
			  rejected[i].len);
	if (error)
		pbw_bytes(w, ACK_ERROR, error, strlen(error));
}

/*
 * The datagram header up to and including the body's length prefix; the
 * tag is written as zeros and filled in by wire_seal().  Returns the
 * offset of the tag in the buffer (or 0 without a key).
 */
static size_t wire_header(struct pbw *w, uint32_t body_type, size_t body_len,
			  const struct wire_key *key)
{
	static const uint8_t zero[WIRE_TAG_LEN];
	size_t tag_at = 0;

	pbw_uint(w, DG_VERSION, WIRE_VERSION);
	pbw_uint(w, DG_BODY_TYPE, body_type);
	if (wire_has_key(key)) {
		pbw_uint(w, DG_KEY_ID, key->id);
		/* An agent key names whose it is: the collector derives it. */
		if (key->identity_len > 0)
			pbw_bytes(w, DG_KEY_IDENTITY, key->identity,
				  key->identity_len);
		pbw_varint(w, DG_AUTH_TAG << 3 | PB_LEN);
		pbw_varint(w, WIRE_TAG_LEN);
		tag_at = w->len;
		pbw_raw(w, zero, WIRE_TAG_LEN);
	}
	pbw_varint(w, DG_BODY << 3 | PB_LEN);
	pbw_varint(w, body_len);
	return tag_at;
}

static int wire_seal(struct pbw *w, uint32_t body_type, size_t tag_at,
		     size_t body_at, const struct wire_key *key)
{
	if (w->overflow)
		return -EMSGSIZE;
	if (wire_has_key(key)) {
		int err = wire_tag(key, body_type, w->buf + body_at,
				   w->len - body_at, w->buf + tag_at);
		if (err)
			return err;
	}
	return w->len > (size_t)INT32_MAX ? -EMSGSIZE : (int)w->len;
}

size_t wire_envelope_size(const struct wire_iov *sender_id,
			  const struct wire_iov *records, size_t n,
			  const struct wire_key *key)
{
	struct pbw body = { 0 }, dg = { 0 };

	wire_envelope_body(&body, sender_id, 0, 0, records, n);
	/* seq 0 counted as 1 byte; the worst case is 10; and a nonce. */
	body.len += PB_VARINT_MAX - 1 + 1 + PB_VARINT_MAX;
	wire_header(&dg, WIRE_BODY_ENVELOPE, body.len, key);
	return dg.len + body.len;
}

int wire_pack_envelope(const struct wire_iov *sender_id, uint64_t seq,
		       const struct wire_iov *records, size_t n,
		       const struct wire_key *key, uint8_t *buf, size_t cap)
{
	return wire_pack_envelope_nonce(sender_id, seq, 0, records, n, key,
					buf, cap);
}

int wire_pack_envelope_nonce(const struct wire_iov *sender_id, uint64_t seq,
			     uint64_t nonce, const struct wire_iov *records,
			     size_t n, const struct wire_key *key,
			     uint8_t *buf, size_t cap)
{
	struct pbw body = { 0 }, w = { .buf = buf, .cap = cap };
	size_t tag_at, body_at;

	if (sender_id == NULL || sender_id->len == 0 ||
	    sender_id->len > WIRE_SENDER_ID_MAX)
		return -EINVAL;
	wire_envelope_body(&body, sender_id, seq, nonce, records, n);
	tag_at = wire_header(&w, WIRE_BODY_ENVELOPE, body.len, key);
	body_at = w.len;
	wire_envelope_body(&w, sender_id, seq, nonce, records, n);
	return wire_seal(&w, WIRE_BODY_ENVELOPE, tag_at, body_at, key);
}

int wire_pack_ack(uint64_t seq, const struct wire_iov *ids, size_t nids,
		  const struct wire_iov *rejected, size_t nrejected,
		  const char *error, const struct wire_key *key, uint8_t *buf,
		  size_t cap)
{
	return wire_pack_ack_nonce(seq, 0, ids, nids, rejected, nrejected,
				   error, key, buf, cap);
}

int wire_pack_ack_nonce(uint64_t seq, uint64_t nonce,
			const struct wire_iov *ids, size_t nids,
			const struct wire_iov *rejected, size_t nrejected,
			const char *error, const struct wire_key *key,
			uint8_t *buf, size_t cap)
{
	struct pbw body = { 0 }, w = { .buf = buf, .cap = cap };
	size_t tag_at, body_at;

	wire_ack_body(&body, seq, nonce, ids, nids, rejected, nrejected,
		      error);
	tag_at = wire_header(&w, WIRE_BODY_ACK, body.len, key);
	body_at = w.len;
	wire_ack_body(&w, seq, nonce, ids, nids, rejected, nrejected, error);
	return wire_seal(&w, WIRE_BODY_ACK, tag_at, body_at, key);
}

int wire_pack_body(uint32_t body_type, const void *body, size_t len,
		   const struct wire_key *key, uint8_t *buf, size_t cap)
{
	struct pbw w = { .buf = buf, .cap = cap };
	size_t tag_at, body_at;

	tag_at = wire_header(&w, body_type, len, key);
	body_at = w.len;
	pbw_raw(&w, body, len);
	return wire_seal(&w, body_type, tag_at, body_at, key);
}

static void wire_pb_limits(const struct wire_limits *lim,
			   struct pb_limits *pl)
{
	size_t rep = lim->max_repeated;

	if (lim->max_records > rep)
		rep = lim->max_records;
	if (lim->max_ids > rep)
		rep = lim->max_ids;
	*pl = (struct pb_limits){
		.max_alloc = lim->max_alloc,
		.max_string = lim->max_string,
		.max_bytes = lim->max_bytes,
		.max_repeated = rep,
		.max_depth = 8,
	};
}

void wire_msg_release(struct wire_msg *m)
{
	if (m == NULL)
		return;
	if (m->env)
		pb_free(&m->env->base);
	if (m->ack)
		pb_free(&m->ack->base);
	if (m->hb)
		pb_free(&m->hb->base);
	explicit_bzero(m, sizeof(*m)); /* peer_key is key material */
}

static int wire_check_envelope(const Oopsd__Envelope *env,
			       const struct wire_limits *lim,
			       const char **reason)
{
	if (!env->has_version || env->version != WIRE_VERSION) {
		*reason = "bad_version";
		return -EPROTONOSUPPORT;
	}
	if (!env->has_sender_id || env->sender_id.len == 0 ||
	    env->sender_id.len > WIRE_SENDER_ID_MAX) {
		*reason = "bad_sender_id";
		return -EBADMSG;
	}
	if (!env->has_seq) {
		*reason = "no_seq";
		return -EBADMSG;
	}
	if (env->n_records > lim->max_records) {
		*reason = "too_many_records";
		return -E2BIG;
	}
	return 0;
}

static int wire_check_ack(const Oopsd__Ack *ack, const struct wire_limits *lim,
			  const char **reason)
{
	if (!ack->has_version || ack->version != WIRE_VERSION) {
		*reason = "bad_version";
		return -EPROTONOSUPPORT;
	}
	if (!ack->has_seq) {
		*reason = "no_seq";
		return -EBADMSG;
	}
	if (ack->n_ids > lim->max_ids || ack->n_rejected_ids > lim->max_ids) {
		*reason = "too_many_ids";
		return -E2BIG;
	}
	return 0;
}

/*
 * Check the tag.  With a master key, the key is the agent key derived for
 * the identity the datagram names (kept in out->peer_key), or, when it
 * names none, the master itself (a shared-key datagram: out->legacy).
 */
static int wire_check_auth(const Oopsd__Datagram *dg,
			   const struct wire_key *key, struct wire_msg *out,
			   const char **reason)
{
	const struct wire_key *use = key;
	int err;

	if (!dg->has_auth_tag) {
		*reason = "no_tag";
		return -EACCES;
	}
	if (key->master && dg->has_key_identity) {
		if (dg->key_identity.len == 0 ||
		    dg->key_identity.len > WIRE_SENDER_ID_MAX) {
			*reason = "bad_key_identity";
			return -EACCES;
		}
		err = wire_key_derive(key, dg->key_identity.data,
				      dg->key_identity.len, &out->peer_key);
		if (err) {
			*reason = "auth_error";
			return err;
		}
		use = &out->peer_key;
	} else {
		/* The key itself: shared by both ends (legacy when it is a
		 * master used as the shared key of the older scheme). */
		out->legacy = key->master;
		out->peer_key = *key;
	}
	if (dg->has_key_id && dg->key_id != use->id) {
		*reason = "key_mismatch";
		return -EACCES;
	}
	err = wire_tag_verify(use, dg->body_type, dg->body.data, dg->body.len,
			      dg->auth_tag.data, dg->auth_tag.len);
	if (err == -EACCES)
		*reason = "bad_tag";
	else if (err)
		*reason = "auth_error";
	return err;
}

/* Inline, so that a caller's constant lim->want folds the branches away. */
static inline bool wire_wants(const struct wire_limits *lim, uint32_t body)
{
	return lim->want == 0 || (body < 32 && (lim->want & WIRE_WANT(body)));
}

int wire_unpack(const uint8_t *buf, size_t len, const struct wire_key *key,
		const struct wire_limits *lim, struct wire_msg *out,
		const char **reason)
{
	static const struct wire_limits defaults = WIRE_LIMITS_INIT;
	ProtobufCMessage *m = NULL, *body = NULL;
	Oopsd__Datagram *dg;
	struct pb_limits pl;
	int err;

	memset(out, 0, sizeof(*out));
	if (lim == NULL)
		lim = &defaults;
	if (len > lim->max_datagram) {
		*reason = "too_large";
		return -EMSGSIZE;
	}
	wire_pb_limits(lim, &pl);
	err = pb_unpack(&oopsd__datagram__descriptor, buf, len, &pl, &m,
			reason);
	if (err)
		return err;
	dg = (Oopsd__Datagram *)m;
	if (!dg->has_version || dg->version != WIRE_VERSION) {
		*reason = "bad_version";
		err = -EPROTONOSUPPORT;
		goto out;
	}
	if (!dg->has_body) {
		*reason = "no_body";
		err = -EBADMSG;
		goto out;
	}
	if (!dg->has_body_type || (dg->body_type != WIRE_BODY_ENVELOPE &&
				   dg->body_type != WIRE_BODY_ACK &&
				   dg->body_type != WIRE_BODY_HEARTBEAT)) {
		*reason = "unknown_body_type";
		err = -EOPNOTSUPP;
		goto out;
	}
	if (!wire_wants(lim, dg->body_type)) {
		*reason = "unexpected_body_type";
		err = -EOPNOTSUPP;
		goto out;
	}
	/* Authenticate before decoding the body: forged input costs little. */
	if (wire_has_key(key)) {
		err = wire_check_auth(dg, key, out, reason);
		if (err)
			goto out;
		out->authenticated = true;
	}
	if (dg->body_type == WIRE_BODY_ENVELOPE &&
	    wire_wants(lim, WIRE_BODY_ENVELOPE)) {
		err = pb_unpack(&oopsd__envelope__descriptor, dg->body.data,
				dg->body.len, &pl, &body, reason);
		if (err)
			goto out;
		out->env = (Oopsd__Envelope *)body;
		err = wire_check_envelope(out->env, lim, reason);
		if (err)
			goto out;
		out->type = WIRE_BODY_ENVELOPE;
		out->seq = out->env->seq;
		out->nonce = out->env->has_nonce ? out->env->nonce : 0;
		out->sender_id = out->env->sender_id.data;
		out->sender_id_len = out->env->sender_id.len;
	} else if (dg->body_type == WIRE_BODY_HEARTBEAT &&
		   wire_wants(lim, WIRE_BODY_HEARTBEAT)) {
		err = pb_unpack(&oopsd__heartbeat__descriptor, dg->body.data,
				dg->body.len, &pl, &body, reason);
		if (err)
			goto out;
		out->hb = (Oopsd__Heartbeat *)body;
		err = wire_check_heartbeat(out->hb, reason);
		if (err)
			goto out;
		out->type = WIRE_BODY_HEARTBEAT;
		out->seq = out->hb->seq;
		out->sender_id = out->hb->sender_id.data;
		out->sender_id_len = out->hb->sender_id.len;
	} else {
		err = pb_unpack(&oopsd__ack__descriptor, dg->body.data,
				dg->body.len, &pl, &body, reason);
		if (err)
			goto out;
		out->ack = (Oopsd__Ack *)body;
		err = wire_check_ack(out->ack, lim, reason);
		if (err)
			goto out;
		out->type = WIRE_BODY_ACK;
		out->seq = out->ack->seq;
		out->nonce = out->ack->has_nonce ? out->ack->nonce : 0;
	}
	/*
	 * An agent key speaks for its identity only, in every body that
	 * names a sender (envelope, heartbeat: they share the replay
	 * window): a board whose key was stolen cannot speak as, nor use up
	 * the numbers of, another.
	 */
	if (out->sender_id != NULL && out->authenticated && !out->legacy &&
	    key->master &&
	    (out->sender_id_len != dg->key_identity.len ||
	     memcmp(out->sender_id, dg->key_identity.data,
		    dg->key_identity.len) != 0)) {
		*reason = "identity_mismatch";
		err = -EACCES;
	}
out:
	pb_free(m);
	if (err)
		wire_msg_release(out);
	return err;
}

int wire_key_set(struct wire_key *key, const void *bytes, size_t len)
{
	int err;

	memset(key, 0, sizeof(*key));
	if (!ENABLE_AUTH_HMAC)
		return -EOPNOTSUPP;
	if (len < WIRE_KEY_MIN)
		return -EINVAL;
	if (len > WIRE_KEY_MAX)
		return -E2BIG;
	err = wire_key_id(bytes, len, &key->id);
	if (err)
		return err;
	memcpy(key->bytes, bytes, len);
	key->len = len;
	return 0;
}

const char *wire_key_strerror(int err)
{
	switch (err) {
	case -EKEYREJECTED:
		return "readable or writable by other users: chmod 600 it "
		       "(a key others can read is no secret)";
	case -EINVAL:
		return "key too short (16 bytes at least), or a broken agent "
		       "key file";
	case -EOPNOTSUPP:
		return "built without CONFIG_AUTH_HMAC";
	default:
		return strerror(-err);
	}
}

void wire_key_clear(struct wire_key *key)
{
	explicit_bzero(key, sizeof(*key));
}

static bool wire_is_hex(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		      (c >= 'A' && c <= 'F')))
			return false;
	}
	return true;
}

/*
 * An agent key file: '#' comments, "identity HEX" and "key HEX".  0, or
 * -ENOENT when buf is not one (another format), -EINVAL when it is one
 * but broken.
 */
static int wire_key_parse_agent(char *buf, struct wire_key *key)
{
	uint8_t raw[WIRE_KEY_MAX], id[WIRE_SENDER_ID_MAX];
	int klen = -1, idlen = -1, err;
	char *line, *save = NULL;

	if (strncmp(buf, "# oopsd agent key", 17) != 0)
		return -ENOENT;
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (strncmp(line, "identity ", 9) == 0)
			idlen = hex_decode(line + 9, id, sizeof(id));
		else if (strncmp(line, "key ", 4) == 0)
			klen = hex_decode(line + 4, raw, sizeof(raw));
		else
			return -EINVAL;
	}
	if (idlen <= 0 || klen <= 0)
		err = -EINVAL;
	else
		err = wire_key_set(key, raw, (size_t)klen);
	if (err == 0) {
		memcpy(key->identity, id, (size_t)idlen);
		key->identity_len = (size_t)idlen;
	}
	explicit_bzero(raw, sizeof(raw));
	return err;
}

int wire_key_write_agent(FILE *f, const struct wire_key *key)
{
	char hex[2 * WIRE_KEY_MAX + 1];

	if (key->identity_len == 0 || key->len == 0)
		return -EINVAL;
	fprintf(f, "# oopsd agent key (oopsctl key): the key of one agent,\n"
		   "# derived from the collector's master key.  Keep it\n"
		   "# readable by root only (chmod 600).\n");
	hex_encode(key->identity, key->identity_len, hex);
	fprintf(f, "identity %s\n", hex);
	hex_encode(key->bytes, key->len, hex);
	fprintf(f, "key %s\n", hex);
	explicit_bzero(hex, sizeof(hex));
	return ferror(f) ? -EIO : 0;
}

int wire_key_load(const char *path, struct wire_key *key)
{
	struct stat st;
	uint8_t raw[WIRE_KEY_MAX];
	char *buf = NULL;
	size_t len = 0, n;
	int err;

	memset(key, 0, sizeof(*key));
	if (!ENABLE_AUTH_HMAC)
		return -EOPNOTSUPP;
	/* As ssh does with its private keys: a key others may read (or
	 * write) is no secret, and using it would say otherwise. */
	if (stat(path, &st) < 0)
		return -errno;
	if (st.st_mode & 077)
		return -EKEYREJECTED;
	/* Hex of the largest key plus a newline, with room to say E2BIG. */
	err = read_file_bounded(path, 2 * WIRE_KEY_MAX + 512, 0, &buf, &len);
	if (err)
		return err;
	err = wire_key_parse_agent(buf, key);
	if (err != -ENOENT)
		goto out;
	n = len;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' ||
			 buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		n--;
	if (n > 0 && n % 2 == 0 && wire_is_hex(buf, n)) {
		if (n / 2 > WIRE_KEY_MAX) {
			err = -E2BIG;
			goto out;
		}
		buf[n] = '\0';
		err = hex_decode(buf, raw, sizeof(raw));
		if (err < 0)
			goto out;
		err = wire_key_set(key, raw, (size_t)err);
	} else {
		err = wire_key_set(key, buf, len);
	}
out:
	explicit_bzero(raw, sizeof(raw));
	explicit_bzero(buf, len);
	free(buf);
	return err;
}

#if !ENABLE_AUTH_HMAC
/* Built without libcrypto (the tiny agent): no key of any kind. */
int wire_key_derive(const struct wire_key *master, const void *identity,
		    size_t len, struct wire_key *out)
{
	memset(out, 0, sizeof(*out));
	return -EOPNOTSUPP;
}
#endif
