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
 * frees those; when the table is still full, a new sender gets no tokens
 * until a sweep makes room (counted by the caller as rate limited).
 */
#ifndef OOPSD_RATELIMIT_H
#define OOPSD_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

#define RATELIMIT_KEY_MAX 20

struct ratelimit;

/* NULL on ENOMEM.  per_minute and burst >= 1. */
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

/* Free the buckets that are full again.  Returns the senders left. */
size_t ratelimit_sweep(struct ratelimit *rl, uint64_t now_ms);
size_t ratelimit_senders(const struct ratelimit *rl);

#endif /* OOPSD_RATELIMIT_H */
