// SPDX-License-Identifier: MIT
/*
 * ncon_senders.c - the netconsole decoder's sender table (see ncon.h).
 *
 * Layout: senders live in an open-addressing hash table keyed by address
 * and port, on an LRU list (eviction) and, when something is due later, in
 * a binary min-heap keyed by their earliest deadline.  The heap key is
 * allowed to be early: a sender whose deadline moves later is left where
 * it is and simply re-keyed when it surfaces, so the hot path (one record
 * in order) touches the heap only when a sender first gets a deadline.
 *
 * Everything a sender buffers (the held line, a partial legacy line,
 * out-of-order records, partial fragments) lives in a separately
 * allocated struct ncon_active that is freed as soon as nothing is
 * pending, which is what keeps idle senders small.  What is buffered is
 * the protocol's business (ncon.c); this file accounts for it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "netconsole/ncon.h"
#include "netconsole/ncon_int.h"
#include "base/util.h"

#define NCON_NO_HEAP UINT32_MAX


/* ------------------------------------------------------------ keys --- */

int ncon_key_from_sockaddr(struct ncon_key *key, const struct sockaddr *sa)
{
	memset(key, 0, sizeof(*key));
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;

		key->addr[10] = 0xff;
		key->addr[11] = 0xff;
		memcpy(key->addr + 12, &in->sin_addr, 4);
		key->port = ntohs(in->sin_port);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		memcpy(key->addr, &in6->sin6_addr, 16);
		key->port = ntohs(in6->sin6_port);
		return 0;
	}
	return -EAFNOSUPPORT;
}

void ncon_key_format(const struct ncon_key *key, char *buf, size_t len)
{
	static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0,
					      0, 0, 0, 0, 0xff, 0xff };
	char a[INET6_ADDRSTRLEN];

	if (memcmp(key->addr, v4mapped, 12) == 0) {
		inet_ntop(AF_INET, key->addr + 12, a, sizeof(a));
		snprintf(buf, len, "%s:%u", a, key->port);
	} else {
		inet_ntop(AF_INET6, key->addr, a, sizeof(a));
		snprintf(buf, len, "[%s]:%u", a, key->port);
	}
}

static uint32_t key_hash(const struct ncon_key *key)
{
	uint64_t a, b, h;

	memcpy(&a, key->addr, 8);
	memcpy(&b, key->addr + 8, 8);
	h = a * 0x9e3779b97f4a7c15ull ^ (b + key->port) * 0xc2b2ae3d27d4eb4full;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 32;
	return (uint32_t)h;
}

/* ------------------------------------------------------------ heap --- */

static void heap_swap(struct ncon *nc, size_t i, size_t j)
{
	struct ncon_sender *t = nc->heap[i];

	nc->heap[i] = nc->heap[j];
	nc->heap[j] = t;
	nc->heap[i]->heap_idx = (uint32_t)i;
	nc->heap[j]->heap_idx = (uint32_t)j;
}

static void heap_up(struct ncon *nc, size_t i)
{
	while (i > 0) {
		size_t p = (i - 1) / 2;

		if (nc->heap[p]->heap_key <= nc->heap[i]->heap_key)
			break;
		heap_swap(nc, i, p);
		i = p;
	}
}

static void heap_down(struct ncon *nc, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < nc->nheap &&
		    nc->heap[l]->heap_key < nc->heap[m]->heap_key)
			m = l;
		if (r < nc->nheap &&
		    nc->heap[r]->heap_key < nc->heap[m]->heap_key)
			m = r;
		if (m == i)
			break;
		heap_swap(nc, i, m);
		i = m;
	}
}

static void heap_remove(struct ncon *nc, struct ncon_sender *s)
{
	size_t i = s->heap_idx;

	if (i == NCON_NO_HEAP)
		return;
	s->heap_idx = NCON_NO_HEAP;
	nc->nheap--;
	if (i == nc->nheap)
		return;
	nc->heap[i] = nc->heap[nc->nheap];
	nc->heap[i]->heap_idx = (uint32_t)i;
	heap_up(nc, i);
	heap_down(nc, nc->heap[i]->heap_idx);
}

/* Set s's heap key to `when` (UINT64_MAX removes it).  0 or -ENOMEM. */
static int heap_set(struct ncon *nc, struct ncon_sender *s, uint64_t when)
{
	if (when == UINT64_MAX) {
		heap_remove(nc, s);
		return 0;
	}
	if (s->heap_idx == NCON_NO_HEAP) {
		if (array_grow((void **)&nc->heap, &nc->heap_cap,
			       nc->nheap + 1, sizeof(*nc->heap)) < 0)
			return -ENOMEM;
		s->heap_idx = (uint32_t)nc->nheap;
		nc->heap[nc->nheap++] = s;
		s->heap_key = when;
		heap_up(nc, s->heap_idx);
		return 0;
	}
	if (when < s->heap_key) {
		s->heap_key = when;
		heap_up(nc, s->heap_idx);
	} else if (when > s->heap_key) {
		s->heap_key = when;
		heap_down(nc, s->heap_idx);
	}
	return 0;
}

/* ---------------------------------------------------------- memory --- */

void ncon_acct(struct ncon *nc, struct ncon_active *a, size_t add,
	       size_t sub)
{
	a->bytes += add;
	a->bytes -= sub;
	nc->bytes += add;
	nc->bytes -= sub;
	if (nc->bytes > nc->st.buffered_peak)
		nc->st.buffered_peak = nc->bytes;
}

struct ncon_active *ncon_active_get(struct ncon *nc, struct ncon_sender *s)
{
	struct ncon_active *a = s->act;

	if (a != NULL)
		return a;
	a = calloc(1, sizeof(*a));
	if (a == NULL)
		return NULL;
	a->owner = s;
	a->prev = nc->act_tail;
	if (nc->act_tail)
		nc->act_tail->next = a;
	else
		nc->act_head = a;
	nc->act_tail = a;
	s->act = a;
	ncon_acct(nc, a, sizeof(*a), 0);
	return a;
}

static bool active_busy(const struct ncon_active *a)
{
	return a->holding || a->part_len || a->nrecs || a->nfrags;
}

/* Free s's buffers when nothing is pending any more. */
void ncon_active_maybe_free(struct ncon *nc, struct ncon_sender *s)
{
	struct ncon_active *a = s->act;

	if (a == NULL || active_busy(a))
		return;
	if (a->prev)
		a->prev->next = a->next;
	else
		nc->act_head = a->next;
	if (a->next)
		a->next->prev = a->prev;
	else
		nc->act_tail = a->prev;
	nc->bytes -= a->bytes;
	free(a->hold);
	free(a->part);
	free(a->recs);
	free(a);
	s->act = NULL;
}

/* ------------------------------------------------------ per sender --- */

/* Keep the heap key at or before s's deadline (lazily, see the top). */
void ncon_sched(struct ncon *nc, struct ncon_sender *s)
{
	uint64_t d = ncon_sender_deadline(nc, s);

	if (d == UINT64_MAX)
		return;
	if (s->heap_idx == NCON_NO_HEAP || d < s->heap_key)
		heap_set(nc, s, d);
}

static void lru_unlink(struct ncon *nc, struct ncon_sender *s)
{
	if (s->lru_prev)
		s->lru_prev->lru_next = s->lru_next;
	else
		nc->lru_head = s->lru_next;
	if (s->lru_next)
		s->lru_next->lru_prev = s->lru_prev;
	else
		nc->lru_tail = s->lru_prev;
	s->lru_prev = s->lru_next = NULL;
}

static void lru_push(struct ncon *nc, struct ncon_sender *s)
{
	s->lru_prev = NULL;
	s->lru_next = nc->lru_head;
	if (nc->lru_head)
		nc->lru_head->lru_prev = s;
	else
		nc->lru_tail = s;
	nc->lru_head = s;
}

static size_t tab_find(const struct ncon *nc, const struct ncon_key *key,
		       uint32_t hash)
{
	size_t i = hash & nc->tab_mask;

	while (nc->tab[i] != NULL) {
		if (nc->tab[i]->hash == hash &&
		    memcmp(&nc->tab[i]->key, key, sizeof(*key)) == 0)
			return i;
		i = (i + 1) & nc->tab_mask;
	}
	return i;
}

static void tab_remove(struct ncon *nc, struct ncon_sender *s)
{
	size_t i = tab_find(nc, &s->key, s->hash), j = i;

	if (nc->tab[i] != s)
		return;
	nc->tab[i] = NULL;
	/* Backward-shift deletion keeps every probe chain unbroken. */
	for (;;) {
		size_t k;

		j = (j + 1) & nc->tab_mask;
		if (nc->tab[j] == NULL)
			break;
		k = nc->tab[j]->hash & nc->tab_mask;
		if ((j > i && (k <= i || k > j)) ||
		    (j < i && k <= i && k > j)) {
			nc->tab[i] = nc->tab[j];
			nc->tab[j] = NULL;
			i = j;
		}
	}
}

/* Rehash into a table of cap slots (a power of two above 2 * senders). */
static int tab_resize(struct ncon *nc, size_t cap)
{
	size_t i;
	struct ncon_sender **t = calloc(cap, sizeof(*t));
	struct ncon_sender **old = nc->tab;
	size_t oldcap = nc->tab_mask + 1;

	if (t == NULL)
		return -ENOMEM;
	nc->tab = t;
	nc->tab_mask = cap - 1;
	for (i = 0; i < oldcap; i++)
		if (old[i])
			nc->tab[tab_find(nc, &old[i]->key, old[i]->hash)] =
				old[i];
	free(old);
	return 0;
}

/* Forget s: deliver what it holds (when emit), tell the caller, free. */
static void sender_drop(struct ncon *nc, struct ncon_sender *s, uint64_t now,
			bool emit_pending)
{
	if (emit_pending)
		ncon_sender_flush(nc, s, now);
	if (s->user && nc->ops && nc->ops->release)
		nc->ops->release(nc->arg, s, now);
	ncon_sender_discard(nc, s);
	heap_remove(nc, s);
	lru_unlink(nc, s);
	tab_remove(nc, s);
	nc->st.senders--;
	free(s);
}

struct ncon_sender *ncon_sender_get(struct ncon *nc,
				    const struct ncon_key *key, uint64_t now)
{
	uint32_t hash = key_hash(key);
	size_t i = tab_find(nc, key, hash);
	struct ncon_sender *s = nc->tab[i];

	if (s != NULL) {
		s->last_heard = now;
		if (nc->lru_head != s) {
			lru_unlink(nc, s);
			lru_push(nc, s);
		}
		return s;
	}
	if (nc->st.senders >= nc->cfg.max_senders && nc->lru_tail) {
		nc->st.evictions++;
		sender_drop(nc, nc->lru_tail, now, true);
	}
	if ((nc->st.senders + 1) * 2 > nc->tab_mask + 1 &&
	    tab_resize(nc, (nc->tab_mask + 1) * 2) < 0)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->key = *key;
	s->hash = hash;
	s->heap_idx = NCON_NO_HEAP;
	s->user_deadline = UINT64_MAX;
	s->last_heard = now;
	nc->tab[tab_find(nc, key, hash)] = s;
	lru_push(nc, s);
	nc->st.senders++;
	nc->st.senders_total++;
	return s;
}

/* ------------------------------------------------------------- API --- */

struct ncon *ncon_new(const struct ncon_config *cfg,
		      const struct ncon_ops *ops, void *arg)
{
	struct ncon *nc = calloc(1, sizeof(*nc));

	if (nc == NULL)
		return NULL;
	if (cfg)
		nc->cfg = *cfg;
#define DEF(f, v) do { if (nc->cfg.f == 0) nc->cfg.f = (v); } while (0)
	DEF(max_senders, CONFIG_MAX_SENDERS);
	DEF(max_sender_bytes, 256 * 1024);
	DEF(max_total_bytes, 64u << 20);
	DEF(max_line_bytes, 4096);
	DEF(reorder_window, 1024);
	DEF(max_pending, 16);
	DEF(missing_ms, 1000);
	DEF(frag_ms, 2000);
	DEF(cont_ms, 1000);
	DEF(legacy_ms, 1000);
	DEF(sender_idle_ms, 600000);
#undef DEF
	nc->ops = ops;
	nc->arg = arg;
	nc->tab = calloc(64, sizeof(*nc->tab));
	if (nc->tab == NULL) {
		free(nc);
		return NULL;
	}
	nc->tab_mask = 63;
	return nc;
}

void ncon_free(struct ncon *nc)
{
	if (nc == NULL)
		return;
	/* sender_drop() unlinks the tail: the loop ends. */
	while (nc->lru_tail)
		// NOLINTNEXTLINE(clang-analyzer-unix.Malloc)
		sender_drop(nc, nc->lru_tail, 0, false);
	free(nc->tab);
	free(nc->heap);
	free(nc);
}

/*
 * The least recently heard sender may be forgotten once quiet for
 * sender_idle_ms if nothing of it is pending and nothing is due (no
 * buffers, no deadline: a caller with a deadline still has a use for it).
 * One that is not expirable yet has a deadline, after which it becomes
 * so or moves up the LRU list.
 */
static bool tail_expirable(const struct ncon *nc)
{
	const struct ncon_sender *s = nc->lru_tail;

	return s && s->act == NULL && s->heap_idx == NCON_NO_HEAP;
}

/* When the LRU tail may be forgotten (saturating: UINT64_MAX never). */
static uint64_t tail_expiry(const struct ncon *nc)
{
	uint64_t h = nc->lru_tail->last_heard, idle = nc->cfg.sender_idle_ms;

	return h > UINT64_MAX - idle ? UINT64_MAX : h + idle;
}

/* Forget senders quiet for sender_idle_ms; shrink what they leave empty. */
static void expire_senders(struct ncon *nc, uint64_t now)
{
	size_t cap = nc->tab_mask + 1, n = 0;

	while (tail_expirable(nc) && tail_expiry(nc) <= now) {
		sender_drop(nc, nc->lru_tail, now, false);
		nc->st.expired++;
		n++;
	}
	if (n == 0)
		return;
	/* A table sized for a burst of hosts goes once they have gone. */
	while (cap > 64 && nc->st.senders * 8 < cap)
		cap /= 2;
	if (cap < nc->tab_mask + 1)
		(void)tab_resize(nc, cap); /* on failure the old one stays */
	if (nc->nheap == 0 && nc->heap_cap > 64) {
		free(nc->heap);
		nc->heap = NULL;
		nc->heap_cap = 0;
	}
}

void ncon_tick(struct ncon *nc, uint64_t now_ms)
{
	while (nc->nheap && nc->heap[0]->heap_key <= now_ms) {
		struct ncon_sender *s = nc->heap[0];
		uint64_t d;

		ncon_sender_due(nc, s, now_ms);
		d = ncon_sender_deadline(nc, s);
		if (d <= now_ms)
			d = now_ms + 1; /* never spin on one sender */
		heap_set(nc, s, d);
	}
	expire_senders(nc, now_ms);
}

uint64_t ncon_next_deadline(const struct ncon *nc)
{
	uint64_t d = nc->nheap ? nc->heap[0]->heap_key : UINT64_MAX;

	if (tail_expirable(nc) && tail_expiry(nc) < d)
		d = tail_expiry(nc);
	return d;
}

void ncon_flush(struct ncon *nc, uint64_t now_ms)
{
	while (nc->act_head) {
		struct ncon_sender *s = nc->act_head->owner;

		ncon_sender_flush(nc, s, now_ms);
		if (s->act) /* only if a buffer could not be freed */
			break;
	}
}

void ncon_get_stats(const struct ncon *nc, struct ncon_stats *st)
{
	*st = nc->st;
	st->buffered_bytes = nc->bytes;
}

const struct ncon_key *ncon_sender_key(const struct ncon_sender *s)
{
	return &s->key;
}

void *ncon_sender_user(const struct ncon_sender *s)
{
	return s->user;
}

void ncon_sender_set_user(struct ncon_sender *s, void *user)
{
	s->user = user;
}

uint64_t ncon_sender_lost(const struct ncon_sender *s)
{
	return s->lost;
}

void ncon_sender_set_deadline(struct ncon *nc, struct ncon_sender *s,
			      uint64_t when)
{
	s->user_deadline = when;
	ncon_sched(nc, s);
}

size_t ncon_idle_sender_bytes(void)
{
	/* The struct and its share of a hash table at most half full. */
	return sizeof(struct ncon_sender) + 2 * sizeof(struct ncon_sender *);
}
