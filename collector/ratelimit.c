// SPDX-License-Identifier: MIT
/*
 * ratelimit.c - per-sender token buckets in a chained hash table.
 *
 * Tokens are kept in thousandths so refills at low rates (600 a minute is
 * one every 100 ms) lose nothing to rounding.
 */
#include <stdlib.h>
#include <string.h>

#include "ratelimit.h"
#include "signature.h"

#define MILLI 1000u

struct rl_bucket {
	struct rl_bucket *next;
	uint64_t tokens; /* thousandths */
	uint64_t last_ms;
	uint8_t keylen;
	uint8_t key[RATELIMIT_KEY_MAX];
};

struct ratelimit {
	uint64_t per_minute, burst;
	size_t max_senders, n;
	size_t nslots; /* power of two */
	struct rl_bucket **slots;
};

struct ratelimit *ratelimit_new(uint64_t per_minute, uint64_t burst,
				size_t max_senders)
{
	struct ratelimit *rl = calloc(1, sizeof(*rl));

	if (rl == NULL)
		return NULL;
	rl->per_minute = per_minute ? per_minute : 1;
	rl->burst = burst ? burst : 1;
	rl->max_senders = max_senders ? max_senders : 1;
	rl->nslots = 64;
	while (rl->nslots < rl->max_senders && rl->nslots < (1u << 20))
		rl->nslots <<= 1;
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

static size_t rl_hash(const struct ratelimit *rl, const void *key, size_t len)
{
	uint64_t h = sig_fnv1a64(SIG_FNV_INIT, key, len);

	return (size_t)(h ^ (h >> 32)) & (rl->nslots - 1);
}

/* Bring a bucket's tokens up to now_ms. */
static void rl_refill(const struct ratelimit *rl, struct rl_bucket *b,
		      uint64_t now_ms)
{
	uint64_t cap = rl->burst * MILLI, dt;

	if (now_ms <= b->last_ms)
		return;
	dt = now_ms - b->last_ms;
	/* per_minute tokens per 60000 ms, in thousandths: per_minute * dt /
	 * 60.  Clamp dt first to a little more than an empty bucket takes to
	 * fill, so the product cannot overflow (per_minute * dt stays near
	 * 60000 * burst, whatever per_minute is). */
	if (dt > 60000ull * rl->burst / rl->per_minute + 60)
		dt = 60000ull * rl->burst / rl->per_minute + 60;
	b->tokens += rl->per_minute * dt / 60;
	if (b->tokens > cap)
		b->tokens = cap;
	b->last_ms = now_ms;
}

size_t ratelimit_take(struct ratelimit *rl, const void *key, size_t keylen,
		      size_t n, uint64_t now_ms)
{
	struct rl_bucket *b;
	size_t slot, granted;

	if (keylen > RATELIMIT_KEY_MAX)
		keylen = RATELIMIT_KEY_MAX;
	slot = rl_hash(rl, key, keylen);
	for (b = rl->slots[slot]; b != NULL; b = b->next)
		if (b->keylen == keylen && memcmp(b->key, key, keylen) == 0)
			break;
	if (b == NULL) {
		if (rl->n >= rl->max_senders)
			return 0;
		b = calloc(1, sizeof(*b));
		if (b == NULL)
			return 0;
		b->keylen = (uint8_t)keylen;
		memcpy(b->key, key, keylen);
		b->tokens = rl->burst * MILLI;
		b->last_ms = now_ms;
		b->next = rl->slots[slot];
		rl->slots[slot] = b;
		rl->n++;
	}
	rl_refill(rl, b, now_ms);
	granted = (size_t)(b->tokens / MILLI);
	if (granted > n)
		granted = n;
	b->tokens -= (uint64_t)granted * MILLI;
	return granted;
}

size_t ratelimit_sweep(struct ratelimit *rl, uint64_t now_ms)
{
	for (size_t i = 0; i < rl->nslots; i++) {
		struct rl_bucket **pp = &rl->slots[i];

		while (*pp != NULL) {
			struct rl_bucket *b = *pp;

			rl_refill(rl, b, now_ms);
			if (b->tokens >= rl->burst * MILLI) {
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
