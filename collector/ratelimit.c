// SPDX-License-Identifier: MIT
/*
 * ratelimit.c - per-sender token buckets in a chained hash table.
 *
 * Tokens are kept in thousandths so refills at low rates (600 a minute is
 * one every 100 ms) lose nothing to rounding.
 *
 * The table has at least as many slots as senders (up to 2^20), so with a
 * keyed hash a chain holds one or two buckets; RL_CHAIN_MAX is far above
 * what chance produces (a chain of 17 at load 1 has odds near 1e-14), so
 * the cap only ever bites on keys someone managed to make collide.
 *
 * A full table (or chain) makes room rather than refuse: the bucket that
 * has the most tokens among the new key's chain and the next few slots is
 * evicted.  A bucket with full tokens is the same as no bucket, so the
 * eviction of an idle sender loses nothing; one that is still draining
 * gives that sender its burst back, the price of never locking a new
 * agent out (issue 17: 66,000 spoofed sources filled the table and no
 * new agent delivered for 25 s).
 *
 * Senders are also charged as a prefix (/24 IPv4, /64 IPv6: what one
 * attacker holds), in a bucket RL_PREFIX_FACTOR times larger: once a
 * prefix has spent it, its senders get nothing and no new bucket is made
 * for them, so a flood from one prefix takes one bucket and leaves the
 * table to everyone else.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ratelimit.h"

#define MILLI 1000u
#define RL_CHAIN_MAX 16
/* Slots beyond the new key's own searched for a bucket to evict. */
#define RL_EVICT_SCAN 8

struct rl_bucket {
	struct rl_bucket *next;
	uint64_t tokens; /* thousandths */
	uint64_t last_ms;
	uint8_t keylen;
	uint8_t scale;	 /* 1, or RL_PREFIX_FACTOR for a prefix */
	uint8_t key[RATELIMIT_KEY_MAX];
};

struct ratelimit {
	uint64_t per_minute, burst;
	size_t max_senders, n;
	size_t nslots; /* power of two */
	size_t chain_max;
	uint64_t table_full, evicted;
	struct siphash_key secret;
	struct rl_bucket **slots;
};

static uint64_t clamp(uint64_t v, uint64_t lo, uint64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

struct ratelimit *ratelimit_new(uint64_t per_minute, uint64_t burst,
				size_t max_senders)
{
	struct ratelimit *rl = calloc(1, sizeof(*rl));

	if (rl == NULL)
		return NULL;
	rl->per_minute = clamp(per_minute, 1, RATELIMIT_MAX);
	rl->burst = clamp(burst, 1, RATELIMIT_MAX);
	rl->max_senders = max_senders ? max_senders : 1;
	rl->nslots = 64;
	while (rl->nslots < rl->max_senders && rl->nslots < (1u << 20))
		rl->nslots <<= 1;
	/* Beyond 2^20 senders the load grows past one: so may the cap. */
	rl->chain_max = RL_CHAIN_MAX *
			((rl->max_senders + rl->nslots - 1) / rl->nslots);
	/* Without entropy yet the fallback secret still differs per run. */
	siphash_key_random(&rl->secret);
	rl->slots = calloc(rl->nslots, sizeof(*rl->slots));
	if (rl->slots == NULL) {
		free(rl);
		return NULL;
	}
	return rl;
}

void ratelimit_free(struct ratelimit *rl)
{
	if (rl == NULL)
		return;
	for (size_t i = 0; i < rl->nslots; i++) {
		struct rl_bucket *b = rl->slots[i], *next;

		for (; b != NULL; b = next) {
			next = b->next;
			free(b);
		}
	}
	free(rl->slots);
	free(rl);
}

size_t ratelimit_slot(const struct ratelimit *rl, const void *key,
		      size_t keylen)
{
	if (keylen > RATELIMIT_KEY_MAX)
		keylen = RATELIMIT_KEY_MAX;
	return (size_t)siphash24(&rl->secret, key, keylen) & (rl->nslots - 1);
}

void ratelimit_set_secret(struct ratelimit *rl, const struct siphash_key *k)
{
	rl->secret = *k;
}

/* Bring a bucket's tokens up to now_ms. */
static void rl_refill(const struct ratelimit *rl, struct rl_bucket *b,
		      uint64_t now_ms)
{
	uint64_t cap = rl->burst * MILLI * b->scale, dt;

	if (now_ms <= b->last_ms)
		return;
	dt = now_ms - b->last_ms;
	/* per_minute tokens per 60000 ms, in thousandths: per_minute * dt /
	 * 60.  Clamp dt first to a little more than an empty bucket takes to
	 * fill, so the product cannot overflow (per_minute * dt stays near
	 * 60000 * burst, whatever per_minute is). */
	if (dt > 60000ull * rl->burst / rl->per_minute + 60)
		dt = 60000ull * rl->burst / rl->per_minute + 60;
	b->tokens += rl->per_minute * dt / 60 * b->scale;
	if (b->tokens > cap)
		b->tokens = cap;
	b->last_ms = now_ms;
}

/*
 * Make room for one bucket: evict the sender bucket (a prefix's only when
 * there is none) with the most tokens (the most idle: a full one is the
 * same as none) from the chain of slot alone
 * when that chain is the one that is full, else from it and the chains of
 * the RL_EVICT_SCAN slots after it.  false when there was nothing to evict.
 */
static bool rl_evict(struct ratelimit *rl, size_t slot, bool chain_only,
		     const struct rl_bucket *keep, uint64_t now_ms)
{
	struct rl_bucket **victim = NULL, *b;
	uint64_t best = 0;
	size_t scan = chain_only ? 0 : RL_EVICT_SCAN;

	/* At least scan slots; on until a candidate is found (a full
	 * table holds at least one bucket per two slots). */
	for (size_t k = 0; k < rl->nslots && (k <= scan || victim == NULL);
	     k++) {
		struct rl_bucket **pp = &rl->slots[(slot + k) &
						   (rl->nslots - 1)];

		if (chain_only && k > 0)
			break;
		for (; *pp != NULL; pp = &(*pp)->next) {
			uint64_t t;

			if (*pp == keep)
				continue;
			rl_refill(rl, *pp, now_ms);
			/* Compare as a share of each bucket's size; senders
			 * go before prefixes, whose buckets are the defence
			 * against one network's flood. */
			t = (*pp)->tokens / (*pp)->scale;
			if ((*pp)->scale == 1)
				t |= UINT64_C(1) << 63;
			if (victim == NULL || t > best) {
				victim = pp;
				best = t;
			}
		}
	}
	if (victim == NULL)
		return false;
	b = *victim;
	*victim = b->next;
	free(b);
	rl->n--;
	rl->evicted++;
	return true;
}

/* The bucket of key, made (full) when it has none.  NULL on ENOMEM or when
 * no room can be made. */
static struct rl_bucket *rl_get(struct ratelimit *rl, const void *key,
				size_t keylen, unsigned scale,
				const struct rl_bucket *keep, uint64_t now_ms)
{
	struct rl_bucket *b;
	size_t slot, depth = 0;

	if (keylen > RATELIMIT_KEY_MAX)
		keylen = RATELIMIT_KEY_MAX;
	slot = ratelimit_slot(rl, key, keylen);
	for (b = rl->slots[slot]; b != NULL; b = b->next, depth++)
		if (b->keylen == keylen && memcmp(b->key, key, keylen) == 0)
			return b;
	/* Chains never grow past chain_max, so the walk above is bounded
	 * too. */
	if (rl->n >= rl->max_senders || depth >= rl->chain_max) {
		if (!rl_evict(rl, slot, depth >= rl->chain_max, keep,
			      now_ms)) {
			rl->table_full++;
			return NULL;
		}
	}
	b = calloc(1, sizeof(*b));
	if (b == NULL)
		return NULL;
	b->keylen = (uint8_t)keylen;
	b->scale = (uint8_t)scale;
	memcpy(b->key, key, keylen);
	b->tokens = rl->burst * MILLI * scale;
	b->last_ms = now_ms;
	b->next = rl->slots[slot];
	rl->slots[slot] = b;
	rl->n++;
	return b;
}

size_t ratelimit_take_prefix(struct ratelimit *rl, const void *key,
			     size_t keylen, size_t prefixlen, size_t n,
			     uint64_t now_ms)
{
	struct rl_bucket *b, *p = NULL;
	uint8_t pkey[RATELIMIT_KEY_MAX];
	size_t granted;

	if (keylen > RATELIMIT_KEY_MAX)
		keylen = RATELIMIT_KEY_MAX;
	if (prefixlen > 0 && prefixlen < keylen) {
		/* Its own name space: a prefix never matches a sender. */
		memcpy(pkey, key, prefixlen);
		pkey[0] |= 0x80;
		p = rl_get(rl, pkey, prefixlen, RL_PREFIX_FACTOR, NULL,
			   now_ms);
		if (p == NULL)
			return 0;
		rl_refill(rl, p, now_ms);
		/* A prefix that spent its bucket: its senders get nothing
		 * and no bucket of their own (the table stays free). */
		if (p->tokens < MILLI)
			return 0;
	}
	/* Making room for the sender must not evict its own prefix. */
	b = rl_get(rl, key, keylen, 1, p, now_ms);
	if (b == NULL)
		return 0;
	rl_refill(rl, b, now_ms);
	granted = (size_t)(b->tokens / MILLI);
	if (p != NULL && granted > p->tokens / MILLI)
		granted = (size_t)(p->tokens / MILLI);
	if (granted > n)
		granted = n;
	b->tokens -= (uint64_t)granted * MILLI;
	if (p != NULL)
		p->tokens -= (uint64_t)granted * MILLI;
	return granted;
}

size_t ratelimit_take(struct ratelimit *rl, const void *key, size_t keylen,
		      size_t n, uint64_t now_ms)
{
	return ratelimit_take_prefix(rl, key, keylen, 0, n, now_ms);
}

size_t ratelimit_sweep(struct ratelimit *rl, uint64_t now_ms)
{
	for (size_t i = 0; i < rl->nslots; i++) {
		struct rl_bucket **pp = &rl->slots[i];

		while (*pp != NULL) {
			struct rl_bucket *b = *pp;

			rl_refill(rl, b, now_ms);
			if (b->tokens >= rl->burst * MILLI * b->scale) {
				*pp = b->next;
				free(b);
				rl->n--;
			} else {
				pp = &b->next;
			}
		}
	}
	return rl->n;
}

size_t ratelimit_senders(const struct ratelimit *rl)
{
	return rl->n;
}

uint64_t ratelimit_table_full(const struct ratelimit *rl)
{
	return rl->table_full;
}

uint64_t ratelimit_evicted(const struct ratelimit *rl)
{
	return rl->evicted;
}

size_t ratelimit_max_chain(const struct ratelimit *rl)
{
	size_t max = 0;

	for (size_t i = 0; i < rl->nslots; i++) {
		size_t len = 0;

		for (const struct rl_bucket *b = rl->slots[i]; b; b = b->next)
			len++;
		if (len > max)
			max = len;
	}
	return max;
}
