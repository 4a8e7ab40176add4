// SPDX-License-Identifier: MIT
/*
 * replay.c - see replay.h.
 *
 * Windows live in a chained hash table sized for max_senders (a power of
 * two, at least twice as many buckets as windows) and on an LRU list, so
 * a lookup is O(1) and eviction takes the least recently heard.
 */
#include "wire/replay.h"

#include <stdlib.h>
#include <string.h>

#include "base/siphash.h"

#define REPLAY_WORDS (REPLAY_WINDOW / 64)

struct replay_win {
	struct replay_win *hnext;	  /* hash chain */
	struct replay_win *prev, *next; /* LRU, most recent first */
	uint64_t highest;
	uint64_t bits[REPLAY_WORDS];	  /* bit d: highest - d was seen */
	uint32_t hash;
	uint8_t idlen;
	uint8_t id[REPLAY_MAX_ID];
};

struct replay {
	struct replay_win **tab;
	size_t mask;
	size_t max, n;
	struct replay_win *head, *tail;
	struct replay_stats st;
	struct siphash_key secret;
};

/*
 * Sender ids are chosen by whoever holds the fleet's shared key, which is
 * every agent: a keyed hash keeps one compromised machine from piling ids
 * into one chain and making each lookup a walk of max_senders windows.
 */
static uint32_t replay_hash(const struct replay *r, const uint8_t *id,
			    size_t len)
{
	uint64_t h = siphash24(&r->secret, id, len);

	return (uint32_t)(h ^ (h >> 32));
}

struct replay *replay_new(size_t max_senders)
{
	struct replay *r = calloc(1, sizeof(*r));
	size_t buckets = 16;

	if (r == NULL)
		return NULL;
	r->max = max_senders ? max_senders : 65536;
	while (buckets < 2 * r->max && buckets < ((size_t)1 << 30))
		buckets <<= 1;
	r->tab = calloc(buckets, sizeof(*r->tab));
	if (r->tab == NULL) {
		free(r);
		return NULL;
	}
	r->mask = buckets - 1;
	siphash_key_random(&r->secret);
	return r;
}

void replay_free(struct replay *r)
{
	struct replay_win *w, *next;

	if (r == NULL)
		return;
	for (w = r->head; w != NULL; w = next) {
		next = w->next;
		free(w);
	}
	free(r->tab);
	free(r);
}

static void lru_unlink(struct replay *r, struct replay_win *w)
{
	if (w->prev)
		w->prev->next = w->next;
	else
		r->head = w->next;
	if (w->next)
		w->next->prev = w->prev;
	else
		r->tail = w->prev;
	w->prev = w->next = NULL;
}

static void lru_push(struct replay *r, struct replay_win *w)
{
	w->prev = NULL;
	w->next = r->head;
	if (r->head)
		r->head->prev = w;
	r->head = w;
	if (r->tail == NULL)
		r->tail = w;
}

static void replay_forget(struct replay *r, struct replay_win *w)
{
	struct replay_win **pp = &r->tab[w->hash & r->mask];

	while (*pp != w)
		pp = &(*pp)->hnext;
	*pp = w->hnext;
	lru_unlink(r, w);
	free(w);
	r->n--;
}

/* Slide the window up by shift numbers. */
static void window_shift(struct replay_win *w, uint64_t shift)
{
	size_t words = (size_t)(shift / 64);
	unsigned bits = (unsigned)(shift % 64);

	if (shift >= REPLAY_WINDOW) {
		memset(w->bits, 0, sizeof(w->bits));
		return;
	}
	for (size_t i = REPLAY_WORDS; i-- > 0;) {
		uint64_t v = 0;

		if (i >= words) {
			v = w->bits[i - words] << bits;
			if (bits && i > words)
				v |= w->bits[i - words - 1] >> (64 - bits);
		}
		w->bits[i] = v;
	}
}

static void window_start(struct replay_win *w, uint64_t seq)
{
	memset(w->bits, 0, sizeof(w->bits));
	w->highest = seq;
	w->bits[0] = 1;
}

enum replay_verdict replay_check(struct replay *r, const void *id,
				 size_t idlen, uint64_t seq)
{
	const uint8_t *key = id;
	struct replay_win *w;
	uint32_t h;
	uint64_t d;

	if (idlen > REPLAY_MAX_ID)
		idlen = REPLAY_MAX_ID;
	h = replay_hash(r, key, idlen);
	for (w = r->tab[h & r->mask]; w != NULL; w = w->hnext)
		if (w->hash == h && w->idlen == idlen &&
		    memcmp(w->id, key, idlen) == 0)
			break;
	if (w == NULL) {
		if (r->n >= r->max && r->tail != NULL) {
			replay_forget(r, r->tail);
			r->st.evictions++;
		}
		w = calloc(1, sizeof(*w));
		if (w == NULL) {
			/* Cannot remember: accepting is what no window does. */
			r->st.accepted++;
			return REPLAY_OK;
		}
		w->hash = h;
		w->idlen = (uint8_t)idlen;
		memcpy(w->id, key, idlen);
		w->hnext = r->tab[h & r->mask];
		r->tab[h & r->mask] = w;
		lru_push(r, w);
		r->n++;
		window_start(w, seq);
		r->st.accepted++;
		return REPLAY_OK;
	}
	if (r->head != w) {
		lru_unlink(r, w);
		lru_push(r, w);
	}
	if (seq > w->highest) {
		window_shift(w, seq - w->highest);
		w->highest = seq;
		w->bits[0] |= 1;
		r->st.accepted++;
		return REPLAY_OK;
	}
	d = w->highest - seq;
	if (d < REPLAY_WINDOW) {
		uint64_t bit = 1ULL << (d % 64);

		if (w->bits[d / 64] & bit) {
			r->st.duplicates++;
			return REPLAY_DUPLICATE;
		}
		w->bits[d / 64] |= bit;
		r->st.accepted++;
		return REPLAY_OK;
	}
	/* Below the window: too old to tell, so refused (see replay.h). */
	r->st.stale++;
	return REPLAY_STALE;
}

const char *replay_verdict_name(enum replay_verdict v)
{
	switch (v) {
	case REPLAY_OK:
		return "ok";
	case REPLAY_DUPLICATE:
		return "replayed";
	case REPLAY_STALE:
		return "stale";
	}
	return "unknown";
}

void replay_get_stats(const struct replay *r, struct replay_stats *st)
{
	*st = r->st;
	st->senders = r->n;
}
