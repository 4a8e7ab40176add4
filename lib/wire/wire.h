/* SPDX-License-Identifier: MIT */
/*
 * wire.h - the datagram codec: what travels between agent and collector
 * in one UDP datagram or netlink message (proto/oopsd.proto, Datagram).
 *
 * A datagram carries one body, a serialized Envelope (agent -> collector:
 * a batch of already packed CrashRecords, a sender id and a sequence
 * number) or Ack (collector -> agent), and, when a shared key is
 * configured, an HMAC-SHA256 tag:
 *
 *	tag = HMAC-SHA256(key, be32(body_type) || body)
 *
 * body_type is inside the MAC so an Ack can never be replayed as an
 * Envelope or the reverse.  With no key configured on the receiver, tags
 * are neither required nor checked; with a key, a datagram with a missing,
 * short or wrong tag is refused.  The tag does not stop replays of a whole
 * datagram: the receiver does that with (sender_id, seq), which
 * wire_unpack() hands back.  Record ids make a replayed record a duplicate
 * anyway.
 *
 * Packing writes into a caller-sized buffer and never allocates: records
 * are embedded as the bytes record_pack() produced (the agent's spool
 * holds exactly those), so a record is never decoded to be resent.
 * Unpacking is strict: datagram size, repeated counts, string and bytes
 * lengths and the decoder's memory are bounded by struct wire_limits.
 */
#ifndef OOPSD_WIRE_H
#define OOPSD_WIRE_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "oopsd.pb-c.h"

/*
 * Bumped only for an incompatible change; additive schema changes keep
 * it, so old and new agents and collectors keep talking.  A receiver
 * refuses a version it does not know.
 */
#define WIRE_VERSION 1

enum wire_body {
	WIRE_BODY_ENVELOPE = 1,
	WIRE_BODY_ACK = 2,
	WIRE_BODY_HEARTBEAT = 3,
};

#define WIRE_TAG_LEN 32		/* HMAC-SHA256 */
#define WIRE_KEY_MIN 16		/* bytes of key material, at least */
#define WIRE_KEY_MAX 256
#define WIRE_SENDER_ID_MAX 64	/* bytes */
#define WIRE_UDP_MAX 65507	/* largest UDP payload over IPv4 */

/*
 * Worst-case bytes a datagram adds around its body (version, body type,
 * key id, tag, the body's own tag and length) and an envelope adds around
 * its records (version, sender id, seq), and per record (field tag and
 * length, the key identity and the nonce).  An agent fitting records into a datagram of size S may use
 * S - WIRE_OVERHEAD - sum(record + WIRE_RECORD_OVERHEAD).
 */
#define WIRE_OVERHEAD (6 + 6 + 6 + 2 + WIRE_TAG_LEN + 6 + \
		       6 + 2 + WIRE_SENDER_ID_MAX + 11 + \
		       2 + WIRE_SENDER_ID_MAX + 11)
#define WIRE_RECORD_OVERHEAD 6

/*
 * A key.  len == 0 means no key: no tags written or checked.
 *
 * Three kinds (proto/oopsd.proto, Datagram): a shared key (the older
 * scheme: every agent and the collector hold the same bytes); a master
 * key (the collector's: it derives each agent's key from the identity a
 * datagram names, and still checks shared-key datagrams with itself); an
 * agent key (identity_len > 0: derived from the master for that identity
 * by wire_key_derive() / `oopsctl key`, sent with its identity).
 */
struct wire_key {
	uint8_t bytes[WIRE_KEY_MAX];
	size_t len;
	/*
	 * First 4 bytes of SHA-256(key), big-endian: sent along so that a
	 * receiver with another key says "key_mismatch" rather than
	 * "bad_tag".  It reveals nothing usable about the key.
	 */
	uint32_t id;
	bool master;	/* derive per-agent keys from this one */
	uint8_t identity[WIRE_SENDER_ID_MAX]; /* an agent key's identity */
	size_t identity_len;
};

#define WIRE_AGENT_KEY_LEN 32
#define WIRE_AGENT_KEY_SALT "oopsd agent key v1"

/*
 * The key of the agent named identity (len bytes, 1..WIRE_SENDER_ID_MAX):
 * HKDF-SHA256 of the master's bytes, salt WIRE_AGENT_KEY_SALT, info the
 * identity, 32 bytes; *out is an agent key (identity set).  0, -EINVAL,
 * -EOPNOTSUPP (no CONFIG_AUTH_HMAC) or -EIO.
 */
int wire_key_derive(const struct wire_key *master, const void *identity,
		    size_t len, struct wire_key *out);

/*
 * Write the key file of an agent key (`oopsctl key`): comment lines, then
 * "identity HEX" and "key HEX".  wire_key_load() reads it back.
 */
int wire_key_write_agent(FILE *f, const struct wire_key *key);

/*
 * Load a key file.  An agent key file (wire_key_write_agent(): lines
 * "identity HEX" and "key HEX", '#' comments) gives an agent key.
 * Otherwise the format is either hex (the whole file is an even number
 * of hex digits, optionally followed by whitespace/newline, e.g. the
 * output of `openssl rand -hex 32`) or, if it is not, raw bytes (the file
 * as is, e.g. `head -c 32 /dev/urandom > key`).  At least WIRE_KEY_MIN bytes of key
 * material, at most WIRE_KEY_MAX.  A file that users other than its owner
 * may read or write is refused, -EKEYREJECTED, as ssh refuses such private
 * keys (wire_key_strerror() says so).  Returns 0, -EINVAL (too short), -E2BIG
 * (too long), -EOPNOTSUPP (built without CONFIG_AUTH_HMAC) or -errno from
 * reading the file.
 */
int wire_key_load(const char *path, struct wire_key *key);
/* The words for an error of wire_key_load(), for the caller's message. */
const char *wire_key_strerror(int err);
/* Same from memory (raw bytes). */
int wire_key_set(struct wire_key *key, const void *bytes, size_t len);
/* Forget the key material (explicit_bzero). */
void wire_key_clear(struct wire_key *key);

/*
 * The tag of a body, and its constant-time check (0 or -EACCES), in
 * lib/wire_hmac.c (libcrypto).  Used by the codec; public for tests.
 * wire_key_id() computes struct wire_key.id.  Without CONFIG_AUTH_HMAC
 * (the tiny agent has no libcrypto) they fail with -EOPNOTSUPP, and no key
 * can be loaded.
 */
#if ENABLE_AUTH_HMAC
int wire_tag(const struct wire_key *key, uint32_t body_type,
	     const uint8_t *body, size_t len, uint8_t tag[WIRE_TAG_LEN]);
int wire_tag_verify(const struct wire_key *key, uint32_t body_type,
		    const uint8_t *body, size_t len, const uint8_t *tag,
		    size_t tag_len);
int wire_key_id(const uint8_t *key, size_t len, uint32_t *id);
#else
static inline int wire_tag(const struct wire_key *key, uint32_t body_type,
			   const uint8_t *body, size_t len,
			   uint8_t tag[WIRE_TAG_LEN])
{
	return -EOPNOTSUPP;
}

static inline int wire_tag_verify(const struct wire_key *key,
				  uint32_t body_type, const uint8_t *body,
				  size_t len, const uint8_t *tag,
				  size_t tag_len)
{
	return -EOPNOTSUPP;
}

static inline int wire_key_id(const uint8_t *key, size_t len, uint32_t *id)
{
	return -EOPNOTSUPP;
}
#endif

/* A byte string the caller owns: a packed record, a record id. */
struct wire_iov {
	const void *data;
	size_t len;
};

/*
 * Pack an Envelope datagram: sender_id (1..WIRE_SENDER_ID_MAX bytes,
 * stable per agent), seq (per sender, increasing), n packed CrashRecords.
 * key may be NULL or empty for no tag.  Writes into buf (cap bytes).
 * Returns the datagram length, -EMSGSIZE when it does not fit (nothing
 * useful in buf), -EINVAL for a bad sender id, or the error of wire_tag().
 */
int wire_pack_envelope(const struct wire_iov *sender_id, uint64_t seq,
		       const struct wire_iov *records, size_t n,
		       const struct wire_key *key, uint8_t *buf, size_t cap);
/*
 * The same with a nonce (0: none), the random number the ack must echo
 * (proto/oopsd.proto, Envelope.nonce).
 */
int wire_pack_envelope_nonce(const struct wire_iov *sender_id, uint64_t seq,
			     uint64_t nonce, const struct wire_iov *records,
			     size_t n, const struct wire_key *key,
			     uint8_t *buf, size_t cap);
/* At least the length wire_pack_envelope_nonce() would return (the seq
 * and nonce counted at their largest). */
size_t wire_envelope_size(const struct wire_iov *sender_id,
			  const struct wire_iov *records, size_t n,
			  const struct wire_key *key);

/*
 * Pack an Ack datagram for envelope seq: ids stored (or duplicates),
 * rejected ids refused for good, and an optional error text (NULL for
 * none).  Returns the length, -EMSGSIZE, or the error of wire_tag().
 */
int wire_pack_ack(uint64_t seq, const struct wire_iov *ids, size_t nids,
		  const struct wire_iov *rejected, size_t nrejected,
		  const char *error, const struct wire_key *key, uint8_t *buf,
		  size_t cap);
/* The same, echoing the envelope's nonce (0: it had none). */
int wire_pack_ack_nonce(uint64_t seq, uint64_t nonce,
			const struct wire_iov *ids, size_t nids,
			const struct wire_iov *rejected, size_t nrejected,
			const char *error, const struct wire_key *key,
			uint8_t *buf, size_t cap);

/*
 * A heartbeat (lib/wire/wire_heartbeat.c): what the agent says about
 * itself every heartbeat_interval.  Strings may be NULL; each is at most
 * WIRE_HEARTBEAT_STRING_MAX bytes (longer ones are refused on both ends).
 */
#define WIRE_HEARTBEAT_STRING_MAX 256
struct wire_heartbeat {
	const char *hostname, *machine_id, *agent_version, *release, *boot_id;
	uint64_t backlog;    /* records spooled, not yet acknowledged */
	uint32_t interval_s; /* until the next one */
	int64_t time_us;     /* agent's clock */
};

/*
 * Pack a Heartbeat datagram (sender_id and seq as for an envelope).
 * Returns the length, -EMSGSIZE, -EINVAL (bad sender id, string too
 * long) or the error of wire_tag().
 */
int wire_pack_heartbeat(const struct wire_iov *sender_id, uint64_t seq,
			const struct wire_heartbeat *hb,
			const struct wire_key *key, uint8_t *buf, size_t cap);

/*
 * Wrap an already serialized body of body_type into a datagram (tagged
 * when key is set).  Returns the length, -EMSGSIZE or wire_tag()'s error.
 */
int wire_pack_body(uint32_t body_type, const void *body, size_t len,
		   const struct wire_key *key, uint8_t *buf, size_t cap);

/* Checks of a decoded heartbeat body (wire_unpack()).  0 or -errno with
 * *reason as for wire_unpack(). */
int wire_check_heartbeat(const Oopsd__Heartbeat *hb, const char **reason);

struct wire_limits {
	size_t max_datagram;   /* bytes */
	size_t max_records;    /* records per envelope */
	size_t max_ids;	       /* ids per ack (each list) */
	size_t max_string;     /* any string field */
	size_t max_bytes;      /* any bytes field (report_z) */
	size_t max_repeated;   /* any other repeated field (frames, files) */
	size_t max_alloc;      /* decoder memory per datagram */
	/*
	 * The bodies wanted, WIRE_WANT(WIRE_BODY_X) | ...; 0: all.  Another
	 * body is refused before it is decoded ("unexpected_body_type"): an
	 * agent decodes acks only, and its build leaves the envelope and
	 * heartbeat decoders out.
	 */
	unsigned int want;
};

#define WIRE_WANT(body) (1u << (body))

#define WIRE_LIMITS_INIT                                                      \
	{                                                                     \
		.max_datagram = WIRE_UDP_MAX, .max_records = 256,             \
		.max_ids = 1024, .max_string = 4096,                          \
		.max_bytes = WIRE_UDP_MAX, .max_repeated = 1024,              \
		.max_alloc = 4u << 20,                                        \
	}

/* A decoded datagram. */
struct wire_msg {
	enum wire_body type;
	bool authenticated;	/* a key was given and the tag matched */
	uint64_t seq;		/* envelope: its seq; ack: seq acknowledged */
	uint64_t nonce;		/* envelope: its nonce; ack: echoed; 0: none */
	/*
	 * Authenticated with a master key: the per-agent key it derived for
	 * the datagram's identity (to sign the ack with), or, for a shared-
	 * key datagram (legacy true), the master itself.
	 */
	bool legacy;
	struct wire_key peer_key;
	/* Envelope: the sender id (points into env), else NULL/0. */
	const uint8_t *sender_id;
	size_t sender_id_len;
	Oopsd__Envelope *env;	/* type ENVELOPE: env->records[] */
	Oopsd__Ack *ack;	/* type ACK */
	Oopsd__Heartbeat *hb;	/* type HEARTBEAT (sender id, seq as above) */
};

/*
 * Decode and check one datagram.  key NULL or empty: tags are ignored;
 * otherwise required.  lim NULL means WIRE_LIMITS_INIT.  On success
 * returns 0 and fills *out (release with wire_msg_release()).  Each record
 * of an envelope is only checked against the generic limits: the receiver
 * must still run record_check() on each, so that one bad record is
 * rejected alone (Ack.rejected_ids) rather than the whole datagram.
 *
 * Errors, with *reason set to a short static token for counters and logs:
 *   -EMSGSIZE        "too_large"      datagram above max_datagram
 *   -EBADMSG         "malformed", "no_body", "no_seq", "bad_sender_id"
 *   -E2BIG           "too_many_records", "too_many_ids", "alloc_budget",
 *                    "string_length", "bytes_length", "repeated_count"
 *   -EPROTONOSUPPORT "bad_version"
 *   -EOPNOTSUPP      "unknown_body_type", "unexpected_body_type" (not in
 *                    lim->want)
 *   -EACCES          "no_tag", "bad_tag", "key_mismatch"
 */
int wire_unpack(const uint8_t *buf, size_t len, const struct wire_key *key,
		const struct wire_limits *lim, struct wire_msg *out,
		const char **reason);
void wire_msg_release(struct wire_msg *m);

#endif /* OOPSD_WIRE_H */
