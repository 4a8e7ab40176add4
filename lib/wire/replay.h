/* SPDX-License-Identifier: MIT */
/*
 * replay.h - a replay window per sender for authenticated datagrams.
 *
 * An HMAC tag proves who made a datagram, not that it is new: a captured
 * datagram replayed later still carries a good tag.  Each agent numbers
 * its envelopes (a fresh, increasing sequence number for every
 * transmission, retransmissions included), so the receiver remembers, per
 * sender id, the highest number seen and which of the REPLAY_WINDOW
 * numbers below it were seen (the sliding bitmap of IPsec, RFC 4303
 * section 3.4.3).  A number seen before is a replay; one below the window
 * is stale; both are refused and counted.
 *
 * Use it only on datagrams whose tag was verified: without a key anyone
 * could send a huge sequence number in another agent's name and lock it
 * out.  Record ids make a replayed record a duplicate anyway; the window
 * turns replays away before they cost a store transaction and an ack.
 *
 * A sender's numbers must therefore keep increasing across its restarts
 * (oops-agent starts them at the real-time clock in microseconds).  An
 * agent whose clock was set back far enough is refused as stale, counted,
 * until the collector forgets its window (restart, or eviction).  There is
 * no automatic "the sender restarted" rule on purpose: any such rule is
 * one an attacker replaying captured datagrams in order can trigger, and
 * it would reopen the window to every recent datagram.  A collector that
 * restarts forgets every window: old datagrams replayed then are accepted
 * once, and their records are counted duplicates in the store.
 *
 * Memory is bounded: at most max_senders windows (about 200 bytes each);
 * the least recently heard is forgotten first, and counted.
 */
#ifndef OOPSD_REPLAY_H
#define OOPSD_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#define REPLAY_WINDOW 1024	/* sequence numbers remembered per sender */
#define REPLAY_MAX_ID 65	/* bytes of sender id (WIRE_SENDER_ID_MAX)
				 * and the kind of key it came with */

enum replay_verdict {
	REPLAY_OK = 0,	      /* new: accepted and remembered */
	REPLAY_DUPLICATE = 1, /* this number was seen: a replay */
	REPLAY_STALE = 2,     /* below the window: too old to tell */
};

struct replay_stats {
	uint64_t accepted, duplicates, stale;
	uint64_t evictions;	/* windows forgotten for max_senders */
	uint64_t senders;	/* windows held now */
};

struct replay;

/* max_senders 0 means 65536.  NULL when out of memory. */
struct replay *replay_new(size_t max_senders);
void replay_free(struct replay *r);

/*
 * Check datagram number seq of sender id (idlen bytes, at most
 * REPLAY_MAX_ID; a longer id is compared on its first REPLAY_MAX_ID bytes)
 * and remember it when it is new.  Returns a verdict; REPLAY_OK also for
 * the first datagram of a sender not seen before.
 */
enum replay_verdict replay_check(struct replay *r, const void *id,
				 size_t idlen, uint64_t seq);

/* A short token for counters and logs: "ok", "replayed", "stale". */
const char *replay_verdict_name(enum replay_verdict v);

void replay_get_stats(const struct replay *r, struct replay_stats *st);

#endif /* OOPSD_REPLAY_H */
