/* SPDX-License-Identifier: MIT */
/*
 * ingest.h - the collector's datagram path, without sockets: validate a
 * datagram, rate-limit its sender, queue its records, commit the queue to
 * the store in one transaction and only then acknowledge.
 *
 * The daemon feeds every datagram it reads (UDP, netlink) to
 * ingest_datagram() and calls ingest_flush() when its sockets are drained
 * or ingest_pending() reaches the batch size.  Acks leave through the
 * reply callback, after the store said the batch is durable, never before:
 * an agent that got an ack may delete its copy.
 *
 * Everything from the wire is hostile: a datagram that fails decoding or
 * authentication is counted under its reason and dropped without a reply;
 * a record that fails the field checks is refused for good (its id is in
 * the ack's rejected_ids, so the agent stops sending it); a record over
 * its sender's rate is held back (neither acked nor refused: the agent
 * retransmits it later).  Nothing here blocks or grows without bound.
 */
#ifndef OOPSD_INGEST_H
#define OOPSD_INGEST_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "store/store.h"
#include "wire/wire.h"

struct ingest;

enum ingest_peer_kind {
	INGEST_PEER_UDP = 1,
	INGEST_PEER_NETLINK = 2,
	INGEST_PEER_LOCAL = 3, /* netconsole: no replies */
};

/* Where a datagram came from, and so where its ack goes. */
struct ingest_peer {
	enum ingest_peer_kind kind;
	int fd; /* the socket it arrived on */
	struct sockaddr_storage ss;
	socklen_t sslen;
	uint32_t portid; /* netlink */
};

/* Send an ack; returns 0 or -errno (counted, never retried). */
typedef int (*ingest_reply_fn)(void *arg, const struct ingest_peer *peer,
			       const uint8_t *buf, size_t len);

struct ingest_config {
	const struct wire_key *key; /* NULL or empty: no authentication; a
				     * master key (key->master) derives each
				     * agent's key (wire_key_derive()) */
	bool refuse_shared_key;	    /* refuse datagrams signed with the
				     * master itself (the older scheme) */
	size_t max_datagram;
	uint64_t rate_limit; /* records per sender per minute */
	uint64_t rate_burst;
	size_t max_senders;  /* rate-limit buckets */
	size_t batch_max;    /* records per transaction (soft) */
	size_t batch_bytes;  /* memory a batch may hold before it is flushed
			      * (0: INGEST_BATCH_BYTES) */
	ingest_reply_fn reply;
	void *reply_arg;
	/*
	 * A heartbeat that passed the checks, the replay window and its
	 * sender's rate limit (one record's worth): the daemon keeps it.
	 * sender as in store_put.sender.  May be NULL (heartbeats counted
	 * and dropped).
	 */
	void (*heartbeat)(void *arg, const Oopsd__Heartbeat *hb,
			  const char *sender, int64_t now_us);
	void *heartbeat_arg;
};

/*
 * What one datagram may cost, in bytes of memory or of inflating: a fixed
 * multiple of its size plus a floor.  Decoding (the protobuf allocator) and
 * expanding its records (record_expand_cost()) each get that budget; a
 * record that would pass it is refused ("cost_budget") before any of it is
 * inflated.  An agent's datagram costs a few times its size, far below.
 */
#define INGEST_COST_PER_BYTE 32
#define INGEST_COST_FLOOR (64u << 10)
#define INGEST_BATCH_BYTES (64u << 20)

/* Reasons a datagram or record is refused, each a counter. */
#define INGEST_MAX_REASONS 32

struct ingest_counters {
	uint64_t datagrams;	/* read from the sockets */
	uint64_t bytes;
	uint64_t records;	/* in valid envelopes */
	uint64_t stored;
	uint64_t duplicates;
	uint64_t rejected_datagrams;
	uint64_t rejected_records;
	uint64_t rate_limited;	/* records held back */
	uint64_t rate_table_full; /* of those, from senders with no bucket */
	uint64_t acks_sent;
	uint64_t ack_errors;
	uint64_t store_errors;	/* failed transactions */
	uint64_t store_refused;	/* records that failed alone after their
				 * batch failed (not acknowledged) */
	uint64_t local_records; /* netconsole reports queued */
	uint64_t batches;
	struct {
		const char *reason; /* static token */
		uint64_t count;
	} rejected[INGEST_MAX_REASONS];
};

/* st is borrowed.  NULL on ENOMEM. */
struct ingest *ingest_new(struct store *st, const struct ingest_config *cfg);
void ingest_free(struct ingest *in);

/*
 * Take one datagram (len bytes; truncated: it was larger than the read
 * buffer) from peer at now_ms (monotonic, for rate limits) and now_us
 * (wall clock, stored as the time received).  Never fails: what is bad is
 * counted.  Queued records wait for ingest_flush().
 */
void ingest_datagram(struct ingest *in, const struct ingest_peer *peer,
		     const uint8_t *buf, size_t len, bool truncated,
		     uint64_t now_ms, int64_t now_us);

/*
 * Queue a record the collector made itself (raw netconsole): rec is taken
 * over (a record from record_unpack(), freed with record_free() after the
 * flush); sender names the origin.  0, or -EINVAL (counted and freed) when
 * it fails the checks, -ENOMEM.
 */
int ingest_add_local(struct ingest *in, Oopsd__CrashRecord *rec,
		     const char *sender, int64_t now_us);
/*
 * The same with the record's compact bytes as it was packed (len bytes,
 * copied), stored as they are rather than packed again from rec, which
 * record_unpack() expanded into the larger plain form.
 */
int ingest_add_local_packed(struct ingest *in, Oopsd__CrashRecord *rec,
			    const uint8_t *packed, size_t len,
			    const char *sender, int64_t now_us);

/*
 * Charge one report of a raw netconsole sender (peer: its UDP address) to
 * the rate limit its address shares with agents, before the report is
 * made into a record: a netconsole flood costs what an agent's does.
 * true when it may be queued; false when it is over the rate (counted as
 * rate_limited: drop it, netconsole has no retransmit).
 */
bool ingest_charge_local(struct ingest *in, const struct ingest_peer *peer,
			 uint64_t now_ms);

/* Records waiting for ingest_flush(). */
size_t ingest_pending(const struct ingest *in);
/* Bytes the waiting batch holds (charged at each datagram's bound). */
size_t ingest_pending_bytes(const struct ingest *in);

/*
 * Store everything queued in one transaction, then send the acks.
 * Returns records newly stored, or -errno from the store (nothing is
 * acked; the agents retransmit; local records are kept for the next
 * flush, up to a bound).
 */
int ingest_flush(struct ingest *in);

/* Periodic upkeep (rate-limit buckets).  Call every few seconds. */
void ingest_tick(struct ingest *in, uint64_t now_ms);

const struct ingest_counters *ingest_counters(const struct ingest *in);
size_t ingest_senders(const struct ingest *in);
/* Rate-limit buckets evicted to make room for new senders. */
uint64_t ingest_senders_evicted(const struct ingest *in);

/* Count a refusal under `reason` (a static string). */
void ingest_count_reject(struct ingest_counters *c, const char *reason);

#endif /* OOPSD_INGEST_H */
