/* SPDX-License-Identifier: MIT */
/*
 * ship.h - the agent's sender: spooled records -> datagrams -> collector,
 * until acknowledged.
 *
 * Records leave the spool oldest first, as many per datagram as fit in
 * max_datagram (lib/wire.h envelope).  Up to SHIP_WINDOW datagrams are in
 * flight at once; each is sent again with exponential backoff and jitter
 * until an acknowledgement names its records.  Acks are matched by record
 * id, not by datagram: a retransmission carries a new envelope sequence
 * number (so replay protection at the collector never stalls it), and an
 * ack of any copy frees the records.  A record leaves the spool (and the
 * caller's on_acked hook runs, e.g. to delete pstore entries) only after
 * its id came back in an authenticated-if-keyed Ack: never before.
 */
#ifndef OOPSD_SHIP_H
#define OOPSD_SHIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/spool.h"
#include "wire/transport.h"
#include "wire/wire.h"

struct evloop;
struct ship;

#define SHIP_WINDOW 8		/* datagrams in flight */
#define SHIP_MAX_BATCH 64	/* records per datagram */
/* A datagram sent this many times without any ack: the collector is
 * silent (logged once, as a warning). */
#define SHIP_SILENT_TRIES 4
#define SHIP_RESOLVE_EVERY_MS (10 * 60 * 1000)

struct ship_config {
	struct transport_addr peer;
	const char *collector_name; /* for log lines; may be NULL */
	/*
	 * The address as configured (udp://HOST:PORT), when HOST is a name:
	 * it is resolved again when the collector stops answering and every
	 * SHIP_RESOLVE_EVERY_MS, and peer may start unresolved (sslen 0).
	 * NULL: peer is numeric, never resolved again.
	 */
	const char *resolve_spec;
	size_t max_datagram;	  /* bytes, >= 512 */
	const struct wire_key *key; /* NULL or empty: no tags */
	uint8_t sender_id[WIRE_SENDER_ID_MAX];
	size_t sender_id_len;
	uint64_t rto_min_ms;	  /* first retransmission; default 500 */
	uint64_t rto_max_ms;	  /* backoff cap; default 60000 */
	/*
	 * Directory where the envelope sequence high-water mark is kept
	 * (state_dirfd, opened by the caller before dropping privileges; the
	 * path is for messages), or NULL.  With it, sequence numbers keep growing across restarts
	 * even when the clock goes back (a board without an RTC), so the
	 * collector's replay window never refuses a restarted agent.
	 */
	const char *state_dir;
	int state_dirfd;	  /* used only when state_dir is set */
	/*
	 * Called once a record is acknowledged (or refused for good, with
	 * rejected set), just before it leaves the spool; item holds the
	 * record and its meta.  May be NULL.
	 */
	void (*on_acked)(void *arg, const struct spool_item *item,
			 bool rejected);
	void *arg;
};

struct ship_stats {
	uint64_t datagrams;	/* envelopes sent, first copies */
	uint64_t retransmits;	/* envelopes sent again */
	uint64_t send_errors;	/* send() failures (refused, no buffer) */
	uint64_t acks;		/* valid acks received */
	uint64_t bad_acks;	/* refused: malformed, bad tag, stranger */
	uint64_t acked;		/* records acknowledged */
	uint64_t rejected;	/* records the collector refused for good */
	uint64_t unreadable;	/* spool records that could not be read */
	uint64_t oversize;	/* records too large for a datagram */
	int64_t last_ack_us;	/* unix time of the last valid ack, 0: none */
	int64_t last_send_us;
	unsigned in_flight;	/* datagrams */
	uint64_t rto_ms;	/* current backoff */
	uint64_t heartbeats;	/* heartbeats sent */
	bool silent;		/* the collector stopped answering */
	uint64_t resolves;	/* host name resolutions done again */
};

/*
 * Open the transport to cfg->peer (the socket is created now, so call it
 * before dropping privileges) and register it with loop.  The spool and
 * key are borrowed.  Returns NULL with *err = -errno.
 */
struct ship *ship_new(struct evloop *loop, struct spool *spool,
		      const struct ship_config *cfg, int *err);
void ship_free(struct ship *s);

/* New records are in the spool: send what the window allows. */
void ship_kick(struct ship *s);
/* Retransmit everything in flight now (e.g. SIGHUP: collector is back). */
void ship_retry_now(struct ship *s);

void ship_get_stats(const struct ship *s, struct ship_stats *st);

/*
 * Send a heartbeat now (lib/wire/wire.h), numbered like the envelopes so
 * that the collector's replay window covers it.  Fire and forget: nothing
 * is spooled or retransmitted (the next one replaces a lost one).
 * Returns 0 or -errno (not sent).
 */
int ship_heartbeat(struct ship *s, const struct wire_heartbeat *hb);

#endif /* OOPSD_SHIP_H */
