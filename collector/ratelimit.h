/* SPDX-License-Identifier: MIT */
/*
 * ratelimit.h - per-sender token buckets, so that one crash-looping
 * machine cannot drown the others.
 *
 * Each sender (a key of at most RATELIMIT_KEY_MAX bytes: an address
 * without the port, a netlink port id) has a bucket of `burst` tokens that
 * refills at `per_minute` tokens a minute; a record costs one token.  The
 * clock is passed in (milliseconds, any monotonic scale), so tests run the
 * limiter on an invented clock.
 *
 * Memory is bounded: at most max_senders buckets.  A bucket that has
 * refilled to full is the same as no bucket at all, so ratelimit_sweep()
 * frees those; when the table (or a chain) is full, a new sender makes
 * room by evicting the most idle bucket nearby (ratelimit_evicted()), so
 * a flood of new addresses never locks a new agent out.
 *
 * ratelimit_take_prefix() also charges the sender's prefix (/24, /64:
 * the first prefixlen bytes of its key) in a bucket RL_PREFIX_FACTOR times
 * a sender's: a prefix that spent it gets nothing, and its new senders no
 * bucket, so one flooding network takes one bucket, not the table.
 *
 * The table is hashed with SipHash under a per-process random secret, so
 * a flood of spoofed sources cannot be chosen to share one chain; chains
 * are also capped (a new sender whose chain is full is refused like one
 * arriving at a full table), so no lookup walks more than a few buckets
 * whatever the keys.
 */
#ifndef OOPSD_RATELIMIT_H
#define OOPSD_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

#include "base/siphash.h"

#define RATELIMIT_KEY_MAX 20
/* per_minute and burst are clamped to this, so token arithmetic (in
 * thousandths, over a refill interval) cannot overflow 64 bits. */
#define RATELIMIT_MAX UINT64_C(1000000000)
/* A prefix's bucket holds and refills this many senders' worth. */
#define RL_PREFIX_FACTOR 64

struct ratelimit;

/* NULL on ENOMEM.  per_minute and burst in 1..RATELIMIT_MAX (clamped). */
struct ratelimit *ratelimit_new(uint64_t per_minute, uint64_t burst,
				size_t max_senders);
void ratelimit_free(struct ratelimit *rl);

/*
 * Take up to n tokens from key's bucket at time now_ms.  Returns the
 * number granted (0..n): the caller accepts that many records and holds
 * back the rest.
 */
size_t ratelimit_take(struct ratelimit *rl, const void *key, size_t keylen,
		      size_t n, uint64_t now_ms);

/*
 * Like ratelimit_take(), charging the key's first prefixlen bytes as a
 * prefix too (0: no prefix).  A key's first byte names its family; the
 * prefix's is kept apart from every sender key.
 */
size_t ratelimit_take_prefix(struct ratelimit *rl, const void *key,
			     size_t keylen, size_t prefixlen, size_t n,
			     uint64_t now_ms);

/* Free the buckets that are full again.  Returns the senders left. */
size_t ratelimit_sweep(struct ratelimit *rl, uint64_t now_ms);
size_t ratelimit_senders(const struct ratelimit *rl);

/* Takes refused because a new sender found no room (nothing to evict). */
uint64_t ratelimit_table_full(const struct ratelimit *rl);
/* Buckets evicted to make room for a new sender. */
uint64_t ratelimit_evicted(const struct ratelimit *rl);

/*
 * Replace the random hash secret (tests, to place keys in chosen chains).
 * Only while the table is empty: buckets already in are not rehashed.
 */
void ratelimit_set_secret(struct ratelimit *rl, const struct siphash_key *k);

/* The longest chain now (tests and benchmarks; walks the whole table). */
size_t ratelimit_max_chain(const struct ratelimit *rl);

/* The chain key lands in (tests, to find keys that share one). */
size_t ratelimit_slot(const struct ratelimit *rl, const void *key,
		      size_t keylen);

#endif /* OOPSD_RATELIMIT_H */
