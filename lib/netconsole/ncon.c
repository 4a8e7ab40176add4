// SPDX-License-Identifier: MIT
/*
 * ncon.c - the netconsole decoder and reassembler (see ncon.h).
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
 * pending, which is what keeps idle senders small.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "netconsole/ncon.h"
#include "base/util.h"

#define NCON_MAX_FRAGS 4	    /* partial messages per sender */
#define NCON_MAX_FRAG_TOTAL 65536   /* largest ncfrag total accepted */
#define NCON_CALLER_LEN 16
#define NCON_MAX_HEADER 256	    /* the ';' must come within this */
#define NCON_MAX_RELEASE 64
#define NCON_DONE_SEQS 4	    /* reassembled seqs remembered */
#define NCON_USEC_SLACK 10000	    /* printk clocks differ per CPU */
#define NCON_NO_HEAP UINT32_MAX
#define NCON_HOLD_MIN 128

/* What an extended header says about a record, minus the body. */
struct ncon_meta {
	uint64_t seq, usec;
	int prio;
	char flag; /* '-', 'c' or '+' */
	char caller[NCON_CALLER_LEN];
};

struct ncon_hdr {
	struct ncon_meta m;
	bool frag;
	uint32_t frag_off, frag_total;
	const char *body;
	size_t body_len;
};

/* A record that arrived ahead of its predecessor; text still escaped. */
struct ncon_rec {
	uint64_t order;
	uint64_t arrived; /* since then its predecessors are known missing */
	struct ncon_meta m;
	size_t text_len;
	char text[];
};

/* A message being reassembled from ncfrag fragments. */
struct ncon_frag {
	struct ncon_meta m;
	uint64_t since;
	uint32_t total, have;
	size_t size;  /* bytes allocated, for the accounting */
	uint8_t *map; /* one bit per byte received, after buf */
	char buf[];
};

struct ncon_active {
	struct ncon_sender *owner;
	struct ncon_active *prev, *next; /* nc->act list, oldest first */
	size_t bytes;			 /* everything below, for the limits */

	/* The last line, held in case a continuation record follows. */
	char *hold;
	size_t hold_len, hold_cap;
	bool holding, hold_cut;
	struct ncon_meta hold_m;
	uint64_t hold_lost, hold_since;
	unsigned hold_flags;

	/* A legacy line still waiting for its newline. */
	char *part;
	size_t part_len, part_cap;
	uint64_t part_since;

	/* Out-of-order records, sorted by order. */
	struct ncon_rec **recs;
	uint32_t nrecs, recs_cap;
	uint64_t gap_since;

	struct ncon_frag *frags[NCON_MAX_FRAGS];
	unsigned nfrags;
	uint64_t done_seq[NCON_DONE_SEQS];
	unsigned ndone;
};

struct ncon_sender {
	struct ncon_key key;
	uint32_t hash;
	uint32_t heap_idx;
	struct ncon_sender *lru_prev, *lru_next; /* head = most recent */
	uint64_t heap_key;
	uint64_t user_deadline;
	uint64_t next_order; /* next msgid or seq expected */
	uint64_t hi_seq, hi_usec;
	uint64_t lost, pending_lost;
	struct ncon_active *act;
	void *user;
	bool have_order, have_seq, use_msgid, reboot_pending;
};

struct ncon {
	struct ncon_config cfg;
	const struct ncon_ops *ops;
	void *arg;

	struct ncon_sender **tab;
	size_t tab_mask;
	struct ncon_sender *lru_head, *lru_tail;
	struct ncon_sender **heap;
	size_t nheap, heap_cap;
	struct ncon_active *act_head, *act_tail;
	size_t bytes;
	struct ncon_stats st;
};

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

static void acct(struct ncon *nc, struct ncon_active *a, size_t add,
		 size_t sub)
{
	a->bytes += add;
	a->bytes -= sub;
	nc->bytes += add;
	nc->bytes -= sub;
	if (nc->bytes > nc->st.buffered_peak)
		nc->st.buffered_peak = nc->bytes;
}

static struct ncon_active *active_get(struct ncon *nc, struct ncon_sender *s)
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
	acct(nc, a, sizeof(*a), 0);
	return a;
}

static bool active_busy(const struct ncon_active *a)
{
	return a->holding || a->part_len || a->nrecs || a->nfrags;
}

/* Free s's buffers when nothing is pending any more. */
static void active_maybe_free(struct ncon *nc, struct ncon_sender *s)
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

/*
 * Grow *buf to hold need bytes (the callers keep need within
 * max_line_bytes) and account for it.  false when impossible.
 */
static bool buf_reserve(struct ncon *nc, struct ncon_active *a, char **buf,
			size_t *cap, size_t need)
{
	size_t old = *cap;

	if (array_grow_bounded((void **)buf, cap, need, 1, NCON_HOLD_MIN,
			       SIZE_MAX) < 0)
		return false;
	acct(nc, a, *cap, old);
	return true;
}

/* --------------------------------------------------------- emitting --- */

static void emit(struct ncon *nc, struct ncon_sender *s, struct ncon_line *l,
		 uint64_t now)
{
	nc->st.lines++;
	if (l->flags & NCON_LINE_TRUNCATED)
		nc->st.truncated++;
	if (nc->ops && nc->ops->line)
		nc->ops->line(nc->arg, s, l, now);
}

/* Deliver the held line, one callback per '\n'-separated piece. */
static void emit_hold(struct ncon *nc, struct ncon_sender *s, uint64_t now)
{
	struct ncon_active *a = s->act;
	struct ncon_line l;
	const char *p, *end, *nl;

	if (a == NULL || !a->holding)
		return;
	a->holding = false;
	l.usec = (int64_t)(a->hold_m.usec & INT64_MAX);
	l.seq = a->hold_m.seq;
	l.prio = a->hold_m.prio;
	l.caller = a->hold_m.caller[0] ? a->hold_m.caller : NULL;
	l.lost = a->hold_lost;
	l.flags = a->hold_flags;
	/* An empty record has no buffer yet: it is still one (empty) line. */
	p = a->hold ? a->hold : "";
	end = p + a->hold_len;
	for (;;) {
		nl = memchr(p, '\n', (size_t)(end - p));
		l.text = p;
		l.len = (size_t)((nl ? nl : end) - p);
		if (nl == NULL && a->hold_cut)
			l.flags |= NCON_LINE_TRUNCATED;
		/* A record ending in "\n" has no empty line after it. */
		if (l.len || nl || p == (a->hold ? a->hold : end))
			emit(nc, s, &l, now);
		if (nl == NULL)
			break;
		p = nl + 1;
		l.lost = 0;
		l.flags &= ~NCON_LINE_REBOOT;
	}
	a->hold_len = 0;
	a->hold_cut = false;
}

/* Append text to the held line, decoding "\xNN", up to max_line_bytes. */
static void hold_append(struct ncon *nc, struct ncon_active *a,
			const char *text, size_t len)
{
	size_t max = nc->cfg.max_line_bytes, i;
	char *d;

	if (a->hold_len + len > max) {
		a->hold_cut = true;
		len = max - a->hold_len;
	}
	if (len == 0)
		return;
	if (!buf_reserve(nc, a, &a->hold, &a->hold_cap, a->hold_len + len)) {
		a->hold_cut = true;
		return;
	}
	d = a->hold + a->hold_len;
	if (memchr(text, '\\', len) == NULL) {
		memcpy(d, text, len);
		a->hold_len += len;
		return;
	}
	for (i = 0; i < len; i++) {
		int hi, lo;

		if (text[i] == '\\' && i + 3 < len && text[i + 1] == 'x' &&
		    (hi = hex_digit_value(text[i + 2])) >= 0 &&
		    (lo = hex_digit_value(text[i + 3])) >= 0) {
			*d++ = (char)(hi << 4 | lo);
			i += 3;
		} else {
			*d++ = text[i];
		}
	}
	a->hold_len = (size_t)(d - a->hold);
}

static bool caller_match(const struct ncon_meta *a, const struct ncon_meta *b)
{
	return a->caller[0] == 0 || b->caller[0] == 0 ||
	       strcmp(a->caller, b->caller) == 0;
}

/*
 * A record in order: merge it into the held line when it continues it,
 * else deliver the held line and hold this one.
 */
static void deliver(struct ncon *nc, struct ncon_sender *s,
		    const struct ncon_meta *m, const char *text, size_t len,
		    uint64_t now)
{
	struct ncon_active *a = active_get(nc, s);

	if (a == NULL) {
		s->lost++;
		s->pending_lost++;
		nc->st.lost++;
		return;
	}
	if (a->holding && (m->flag == 'c' || m->flag == '+') &&
	    caller_match(&a->hold_m, m)) {
		hold_append(nc, a, text, len);
		a->hold_since = now;
		nc->st.merged++;
		return;
	}
	emit_hold(nc, s, now);
	a->holding = true;
	a->hold_m = *m;
	a->hold_lost = s->pending_lost;
	a->hold_flags = s->reboot_pending ? NCON_LINE_REBOOT : 0;
	a->hold_since = now;
	s->pending_lost = 0;
	s->reboot_pending = false;
	hold_append(nc, a, text, len);
}

/* ----------------------------------------------------------- legacy --- */

static void emit_legacy(struct ncon *nc, struct ncon_sender *s,
			const char *text, size_t len, unsigned flags,
			uint64_t now)
{
	struct ncon_line l = {
		.text = text, .len = len, .usec = -1, .prio = -1,
		.flags = NCON_LINE_LEGACY | flags,
	};

	if (len && text[len - 1] == '\r')
		l.len--;
	l.lost = s->pending_lost;
	s->pending_lost = 0;
	emit(nc, s, &l, now);
}

static void emit_part(struct ncon *nc, struct ncon_sender *s, unsigned flags,
		      uint64_t now)
{
	struct ncon_active *a = s->act;

	if (a == NULL || a->part_len == 0)
		return;
	emit_legacy(nc, s, a->part, a->part_len, flags, now);
	a->part_len = 0;
}

/* Add bytes to the partial legacy line; a full line is delivered cut. */
static void part_append(struct ncon *nc, struct ncon_sender *s,
			const char *p, size_t len, uint64_t now)
{
	size_t max = nc->cfg.max_line_bytes;

	while (len) {
		struct ncon_active *a = active_get(nc, s);
		size_t n;

		if (a == NULL)
			return;
		if (a->part_len == 0)
			a->part_since = now;
		n = max - a->part_len;
		if (n > len)
			n = len;
		if (!buf_reserve(nc, a, &a->part, &a->part_cap,
				 a->part_len + n))
			return;
		if (n > 0) /* a->part may still be NULL */
			memcpy(a->part + a->part_len, p, n);
		a->part_len += n;
		p += n;
		len -= n;
		if (a->part_len >= max)
			emit_part(nc, s, NCON_LINE_TRUNCATED, now);
	}
}

static void process_legacy(struct ncon *nc, struct ncon_sender *s,
			   const char *p, size_t len, uint64_t now)
{
	const char *end = p + len;

	nc->st.legacy++;
	emit_hold(nc, s, now);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if (nl == NULL) {
			part_append(nc, s, p, (size_t)(end - p), now);
			break;
		}
		if (s->act && s->act->part_len) {
			part_append(nc, s, p, (size_t)(nl - p), now);
			emit_part(nc, s, 0, now);
		} else if ((size_t)(nl - p) > nc->cfg.max_line_bytes) {
			emit_legacy(nc, s, p, nc->cfg.max_line_bytes,
				    NCON_LINE_TRUNCATED, now);
		} else {
			emit_legacy(nc, s, p, (size_t)(nl - p), 0, now);
		}
		p = nl + 1;
	}
}

/* --------------------------------------------------------- headers --- */

static bool parse_u64(const char **pp, const char *end, uint64_t *out)
{
	const char *p = *pp;
	uint64_t v = 0;

	if (p >= end || *p < '0' || *p > '9')
		return false;
	while (p < end && *p >= '0' && *p <= '9') {
		unsigned d = (unsigned)(*p - '0');

		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
		p++;
	}
	*pp = p;
	*out = v;
	return true;
}

/*
 * Parse "[release,]prio,seq,usec,flag[,k=v...];" at the start of a
 * datagram.  false when it is not an extended header (legacy text) or
 * when a known field is malformed (*bad set).
 */
static bool parse_header(const char *d, size_t len, struct ncon_hdr *h,
			 bool *bad)
{
	const char *end = d + (len < NCON_MAX_HEADER ? len : NCON_MAX_HEADER);
	const char *semi = memchr(d, ';', (size_t)(end - d));
	const char *p = d, *q;
	uint64_t v;

	*bad = false;
	memset(h, 0, sizeof(*h));
	if (semi == NULL)
		return false;
	/* The optional release: a first field that is not a number. */
	for (q = p; q < semi && *q != ','; q++)
		if (*q <= ' ' || *q > '~')
			return false;
	if (q == semi || q == p)
		return false;
	for (const char *r = p; r < q; r++) {
		if (*r < '0' || *r > '9') {
			if (q - p > NCON_MAX_RELEASE)
				return false;
			p = q + 1;
			break;
		}
	}
	if (!parse_u64(&p, semi, &v) || v > INT32_MAX || p >= semi ||
	    *p++ != ',')
		return false;
	h->m.prio = (int)v;
	if (!parse_u64(&p, semi, &h->m.seq) || p >= semi || *p++ != ',')
		return false;
	if (!parse_u64(&p, semi, &h->m.usec) || p >= semi || *p++ != ',')
		return false;
	if (p >= semi || *p == ',')
		return false;
	h->m.flag = *p++;
	if (p < semi && *p != ',')
		return false;
	/* From here on it is an extended record: bad fields refuse it. */
	while (p < semi) {
		const char *f = ++p;

		while (p < semi && *p != ',')
			p++;
		if (p - f > 7 && memcmp(f, "caller=", 7) == 0) {
			size_t n = (size_t)(p - f - 7);

			if (n >= NCON_CALLER_LEN)
				n = NCON_CALLER_LEN - 1;
			memcpy(h->m.caller, f + 7, n);
			h->m.caller[n] = 0;
		} else if (p - f > 7 && memcmp(f, "ncfrag=", 7) == 0) {
			const char *x = f + 7;
			uint64_t off, total;

			if (!parse_u64(&x, p, &off) || x >= p || *x++ != '/' ||
			    !parse_u64(&x, p, &total) || x != p ||
			    total > NCON_MAX_FRAG_TOTAL || total == 0 ||
			    off >= total) {
				*bad = true;
				return false;
			}
			h->frag = true;
			h->frag_off = (uint32_t)off;
			h->frag_total = (uint32_t)total;
		}
	}
	h->body = semi + 1;
	h->body_len = len - (size_t)(semi + 1 - d);
	return true;
}

/* Find " msgid=N" among the dictionary lines after the text. */
static bool find_msgid(const char *dict, size_t len, uint32_t *out)
{
	const char *p = dict, *end = dict + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;

		if (le - p > 7 && memcmp(p, " msgid=", 7) == 0) {
			const char *x = p + 7;
			uint64_t v;

			if (parse_u64(&x, le, &v) && x == le &&
			    v <= UINT32_MAX) {
				*out = (uint32_t)v;
				return true;
			}
		}
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return false;
}

/* --------------------------------------------------------- ordering --- */

static void rec_free(struct ncon *nc, struct ncon_sender *s,
		     struct ncon_rec *r)
{
	acct(nc, s->act, 0, sizeof(*r) + r->text_len);
	free(r);
}

static void count_lost(struct ncon *nc, struct ncon_sender *s, uint64_t n)
{
	s->lost += n;
	s->pending_lost += n;
	nc->st.lost += n;
}

/* Deliver held records that are next in order; a new gap restarts the clock. */
static void drain(struct ncon *nc, struct ncon_sender *s, uint64_t now)
{
	struct ncon_active *a = s->act;
	uint32_t i = 0;

	if (a == NULL)
		return;
	while (i < a->nrecs && a->recs[i]->order <= s->next_order) {
		struct ncon_rec *r = a->recs[i++];

		if (r->order == s->next_order) {
			deliver(nc, s, &r->m, r->text, r->text_len, now);
			s->next_order++;
		} else {
			nc->st.duplicates++;
		}
		rec_free(nc, s, r);
	}
	if (i) {
		memmove(a->recs, a->recs + i, (a->nrecs - i) * sizeof(*a->recs));
		a->nrecs -= i;
		/*
		 * The next gap has been known since the earliest arrival of
		 * the records behind it: wait from then, not from now, so
		 * that a stream with many gaps (messages filtered by the
		 * sender's console_loglevel) is delayed missing_ms at most.
		 */
		a->gap_since = UINT64_MAX;
		for (uint32_t k = 0; k < a->nrecs; k++)
			if (a->recs[k]->arrived < a->gap_since)
				a->gap_since = a->recs[k]->arrived;
	}
}

/* Give up waiting for the first gap: count it lost, deliver what follows. */
static void skip_gap(struct ncon *nc, struct ncon_sender *s, uint64_t now)
{
	struct ncon_active *a = s->act;

	if (a == NULL || a->nrecs == 0)
		return;
	if (a->recs[0]->order > s->next_order) {
		count_lost(nc, s, a->recs[0]->order - s->next_order);
		s->next_order = a->recs[0]->order;
	}
	drain(nc, s, now);
}

static void frag_drop(struct ncon *nc, struct ncon_sender *s, unsigned i)
{
	struct ncon_active *a = s->act;
	struct ncon_frag *f = a->frags[i];

	acct(nc, a, 0, f->size);
	free(f);
	a->nfrags--;
	memmove(a->frags + i, a->frags + i + 1,
		(a->nfrags - i) * sizeof(*a->frags));
}

/* Deliver everything s holds, counting gaps and partial messages lost. */
static void sender_flush(struct ncon *nc, struct ncon_sender *s,
			 uint64_t now)
{
	struct ncon_active *a = s->act;

	if (a == NULL)
		return;
	while (a->nfrags) {
		frag_drop(nc, s, 0);
		count_lost(nc, s, 1);
		nc->st.frag_timeouts++;
	}
	while (a->nrecs)
		skip_gap(nc, s, now);
	emit_hold(nc, s, now);
	emit_part(nc, s, 0, now);
	active_maybe_free(nc, s);
}

/*
 * Make room for `need` more buffered bytes for s: first within s's own
 * limit (stop waiting for gaps, give up partial messages), then in total
 * (flush the senders that have been buffering longest).
 */
static bool make_room(struct ncon *nc, struct ncon_sender *s, size_t need,
		      uint64_t now)
{
	struct ncon_active *a = s->act;
	size_t cur = a ? a->bytes : 0;

	if (need > nc->cfg.max_sender_bytes)
		return false;
	while (a && cur + need > nc->cfg.max_sender_bytes &&
	       (a->nrecs || a->nfrags)) {
		nc->st.overflows++;
		if (a->nrecs) {
			skip_gap(nc, s, now);
		} else {
			frag_drop(nc, s, 0);
			count_lost(nc, s, 1);
		}
		cur = a->bytes;
	}
	if (cur + need > nc->cfg.max_sender_bytes)
		return false;
	while (nc->bytes + need > nc->cfg.max_total_bytes) {
		struct ncon_active *o = nc->act_head;
		struct ncon_sender *os;

		while (o && o->owner == s)
			o = o->next;
		if (o == NULL)
			return false;
		os = o->owner;
		nc->st.overflows++;
		/* o is freed by the flush when it empties (it always does). */
		sender_flush(nc, os, now);
		if (os->act != NULL)
			return false;
	}
	return true;
}

static void hold_record(struct ncon *nc, struct ncon_sender *s,
			uint64_t order, const struct ncon_meta *m,
			const char *text, size_t len, uint64_t now)
{
	struct ncon_active *a;
	struct ncon_rec *r;
	uint32_t i;

	if (s->act) {
		a = s->act;
		for (i = 0; i < a->nrecs; i++)
			if (a->recs[i]->order == order) {
				nc->st.duplicates++;
				return;
			}
		while (a->nrecs >= nc->cfg.max_pending) {
			nc->st.overflows++;
			skip_gap(nc, s, now);
		}
		if (order == s->next_order) {
			deliver(nc, s, m, text, len, now);
			s->next_order++;
			drain(nc, s, now);
			return;
		}
		if (order < s->next_order) {
			nc->st.duplicates++;
			return;
		}
	}
	if (!make_room(nc, s, sizeof(*r) + len + 64, now) ||
	    (a = active_get(nc, s)) == NULL) {
		nc->st.overflows++;
		count_lost(nc, s, 1);
		return;
	}
	if (order < s->next_order) {
		nc->st.duplicates++;
		return;
	}
	if (order == s->next_order) {
		/* make_room() may have skipped up to this record. */
		deliver(nc, s, m, text, len, now);
		s->next_order++;
		drain(nc, s, now);
		return;
	}
	if (a->nrecs == a->recs_cap) {
		/* The count is a uint32_t: the capacity stays within it. */
		size_t cap = a->recs_cap;

		if (array_grow_bounded((void **)&a->recs, &cap,
				       (size_t)a->nrecs + 1, sizeof(*a->recs),
				       8, UINT32_MAX) < 0) {
			count_lost(nc, s, 1);
			return;
		}
		acct(nc, a, cap * sizeof(*a->recs),
		     a->recs_cap * sizeof(*a->recs));
		a->recs_cap = (uint32_t)cap;
	}
	r = malloc(sizeof(*r) + len);
	if (r == NULL) {
		count_lost(nc, s, 1);
		return;
	}
	r->order = order;
	r->arrived = now;
	r->m = *m;
	r->text_len = len;
	memcpy(r->text, text, len);
	acct(nc, a, sizeof(*r) + len, 0);
	for (i = a->nrecs; i > 0 && a->recs[i - 1]->order > order; i--)
		a->recs[i] = a->recs[i - 1];
	a->recs[i] = r;
	if (a->nrecs++ == 0)
		a->gap_since = now;
	nc->st.reordered++;
}

/* Would (seq, usec) contradict the boot we know?  Then the sender rebooted. */
static bool is_reboot(const struct ncon *nc, const struct ncon_sender *s,
		      const struct ncon_meta *m)
{
	if (!s->have_seq)
		return false;
	if (m->seq < s->hi_seq)
		return s->hi_seq - m->seq > nc->cfg.reorder_window ||
		       m->usec > s->hi_usec + NCON_USEC_SLACK;
	if (m->seq > s->hi_seq)
		return m->usec + NCON_USEC_SLACK < s->hi_usec;
	return false;
}

/* A complete extended record (body = text, then dictionary lines). */
static void accept_record(struct ncon *nc, struct ncon_sender *s,
			  const struct ncon_meta *m, const char *body,
			  size_t len, uint64_t now)
{
	const char *nl = memchr(body, '\n', len);
	size_t tlen = nl ? (size_t)(nl - body) : len;
	uint32_t msgid = 0;
	bool has_msgid = nl && find_msgid(nl + 1, len - tlen - 1, &msgid);
	uint64_t order;

	nc->st.records++;
	if (is_reboot(nc, s, m)) {
		nc->st.reboots++;
		sender_flush(nc, s, now);
		s->have_seq = false;
		s->have_order = false;
		s->reboot_pending = true;
	}
	if (!s->have_seq || m->seq > s->hi_seq) {
		s->hi_seq = m->seq;
		s->hi_usec = m->usec;
		s->have_seq = true;
	}
	if (s->have_order && s->use_msgid != has_msgid) {
		/* The sender changed its sysdata: restart the ordering. */
		while (s->act && s->act->nrecs)
			skip_gap(nc, s, now);
		s->have_order = false;
	}
	s->use_msgid = has_msgid;
	if (!s->have_order) {
		order = has_msgid ? msgid : m->seq;
		s->next_order = order;
		s->have_order = true;
	} else if (has_msgid) {
		int32_t d = (int32_t)(msgid - (uint32_t)s->next_order);

		if (d < 0) {
			nc->st.duplicates++;
			return;
		}
		order = s->next_order + (uint64_t)d;
	} else {
		order = m->seq;
	}
	if (order < s->next_order) {
		nc->st.duplicates++;
		return;
	}
	if (order == s->next_order) {
		deliver(nc, s, m, body, tlen, now);
		s->next_order++;
		if (s->act && s->act->nrecs)
			drain(nc, s, now);
		return;
	}
	if (order - s->next_order >= nc->cfg.reorder_window) {
		/* Too far ahead to wait for: the gap is lost. */
		while (s->act && s->act->nrecs)
			skip_gap(nc, s, now);
		if (order > s->next_order) {
			count_lost(nc, s, order - s->next_order);
			s->next_order = order;
		}
		deliver(nc, s, m, body, tlen, now);
		s->next_order++;
		return;
	}
	hold_record(nc, s, order, m, body, tlen, now);
}

/* -------------------------------------------------------- fragments --- */

static bool meta_same(const struct ncon_meta *a, const struct ncon_meta *b)
{
	return a->prio == b->prio && a->usec == b->usec &&
	       a->flag == b->flag && strcmp(a->caller, b->caller) == 0;
}

/*
 * Add one fragment.  Returns the completed message (caller frees it with
 * frag_done()), NULL while incomplete or when the fragment was refused.
 */
static struct ncon_frag *frag_add(struct ncon *nc, struct ncon_sender *s,
				  const struct ncon_hdr *h, uint64_t now,
				  int *err)
{
	struct ncon_active *a = s->act;
	struct ncon_frag *f = NULL;
	uint32_t off = h->frag_off, n, i;
	unsigned k;

	*err = 0;
	if (h->body_len == 0 || h->body_len > h->frag_total - off) {
		*err = -EINVAL;
		return NULL;
	}
	n = (uint32_t)h->body_len;
	if (a) {
		for (k = 0; k < a->ndone && k < NCON_DONE_SEQS; k++)
			if (a->done_seq[k] == h->m.seq) {
				nc->st.duplicates++;
				return NULL;
			}
		for (k = 0; k < a->nfrags; k++)
			if (a->frags[k]->m.seq == h->m.seq) {
				f = a->frags[k];
				break;
			}
	}
	if (f != NULL) {
		uint32_t fresh = 0;

		if (f->total != h->frag_total || !meta_same(&f->m, &h->m)) {
			*err = -EINVAL;
			return NULL;
		}
		/* Overlapping bytes must agree, or the sender lies. */
		for (i = 0; i < n; i++) {
			uint32_t b = off + i;

			if (f->map[b / 8] & (1u << (b % 8))) {
				if (f->buf[b] != h->body[i]) {
					*err = -EINVAL;
					return NULL;
				}
			} else {
				fresh++;
			}
		}
		if (fresh == 0) {
			nc->st.duplicates++;
			return NULL;
		}
	} else {
		size_t size = sizeof(*f) + h->frag_total +
			      (h->frag_total + 7) / 8;

		if (!make_room(nc, s, size, now) ||
		    (a = active_get(nc, s)) == NULL) {
			nc->st.overflows++;
			count_lost(nc, s, 1);
			*err = -ENOMEM;
			return NULL;
		}
		if (a->nfrags == NCON_MAX_FRAGS) {
			frag_drop(nc, s, 0);
			count_lost(nc, s, 1);
			nc->st.frag_timeouts++;
		}
		f = calloc(1, size);
		if (f == NULL) {
			*err = -ENOMEM;
			return NULL;
		}
		f->m = h->m;
		f->since = now;
		f->total = h->frag_total;
		f->size = size;
		f->map = (uint8_t *)f->buf + f->total;
		acct(nc, a, size, 0);
		a->frags[a->nfrags++] = f;
	}
	nc->st.fragments++;
	for (i = 0; i < n; i++) {
		uint32_t b = off + i;

		if (!(f->map[b / 8] & (1u << (b % 8)))) {
			f->map[b / 8] |= (uint8_t)(1u << (b % 8));
			f->buf[b] = h->body[i];
			f->have++;
		}
	}
	if (f->have < f->total)
		return NULL;
	for (k = 0; k < a->nfrags; k++)
		if (a->frags[k] == f)
			break;
	a->nfrags--;
	memmove(a->frags + k, a->frags + k + 1,
		(a->nfrags - k) * sizeof(*a->frags));
	/* Unaccounted from here: the caller frees it right after use. */
	acct(nc, a, 0, f->size);
	a->done_seq[a->ndone++ % NCON_DONE_SEQS] = f->m.seq;
	if (a->ndone >= 2 * NCON_DONE_SEQS)
		a->ndone -= NCON_DONE_SEQS;
	return f;
}

/* ------------------------------------------------------ per sender --- */

static uint64_t sender_deadline(const struct ncon *nc,
				const struct ncon_sender *s)
{
	const struct ncon_active *a = s->act;
	uint64_t d = s->user_deadline;
	unsigned k;

#define MIN_AT(t) do { if ((t) < d) d = (t); } while (0)
	if (a == NULL)
		return d;
	if (a->holding)
		MIN_AT(a->hold_since + nc->cfg.cont_ms);
	if (a->part_len)
		MIN_AT(a->part_since + nc->cfg.legacy_ms);
	if (a->nrecs)
		MIN_AT(a->gap_since + nc->cfg.missing_ms);
	for (k = 0; k < a->nfrags; k++)
		MIN_AT(a->frags[k]->since + nc->cfg.frag_ms);
#undef MIN_AT
	return d;
}

/* Keep the heap key at or before s's deadline (lazily, see the top). */
static void sched(struct ncon *nc, struct ncon_sender *s)
{
	uint64_t d = sender_deadline(nc, s);

	if (d == UINT64_MAX)
		return;
	if (s->heap_idx == NCON_NO_HEAP || d < s->heap_key)
		heap_set(nc, s, d);
}

/* Run whatever of s is due at now. */
static void sender_due(struct ncon *nc, struct ncon_sender *s, uint64_t now)
{
	struct ncon_active *a = s->act;

	if (a) {
		unsigned k = 0;

		while (k < a->nfrags) {
			if (a->frags[k]->since + nc->cfg.frag_ms <= now) {
				frag_drop(nc, s, k);
				count_lost(nc, s, 1);
				nc->st.frag_timeouts++;
			} else {
				k++;
			}
		}
		while (a->nrecs && a->gap_since + nc->cfg.missing_ms <= now)
			skip_gap(nc, s, now);
		if (a->holding && a->hold_since + nc->cfg.cont_ms <= now)
			emit_hold(nc, s, now);
		if (a->part_len && a->part_since + nc->cfg.legacy_ms <= now)
			emit_part(nc, s, 0, now);
		active_maybe_free(nc, s);
	}
	if (s->user_deadline <= now) {
		s->user_deadline = UINT64_MAX;
		if (nc->ops && nc->ops->timer)
			nc->ops->timer(nc->arg, s, now);
	}
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

static int tab_grow(struct ncon *nc)
{
	size_t cap = (nc->tab_mask + 1) * 2, i;
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
		sender_flush(nc, s, now);
	if (s->user && nc->ops && nc->ops->release)
		nc->ops->release(nc->arg, s, now);
	if (s->act) {
		struct ncon_active *a = s->act;

		while (a->nrecs)
			rec_free(nc, s, a->recs[--a->nrecs]);
		while (a->nfrags)
			frag_drop(nc, s, 0);
		a->holding = false;
		a->part_len = 0;
		active_maybe_free(nc, s);
	}
	heap_remove(nc, s);
	lru_unlink(nc, s);
	tab_remove(nc, s);
	nc->st.senders--;
	free(s);
}

static struct ncon_sender *sender_get(struct ncon *nc,
				      const struct ncon_key *key, uint64_t now)
{
	uint32_t hash = key_hash(key);
	size_t i = tab_find(nc, key, hash);
	struct ncon_sender *s = nc->tab[i];

	if (s != NULL) {
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
	if ((nc->st.senders + 1) * 2 > nc->tab_mask + 1 && tab_grow(nc) < 0)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->key = *key;
	s->hash = hash;
	s->heap_idx = NCON_NO_HEAP;
	s->user_deadline = UINT64_MAX;
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
	DEF(max_pending, 256);
	DEF(missing_ms, 1000);
	DEF(frag_ms, 2000);
	DEF(cont_ms, 1000);
	DEF(legacy_ms, 1000);
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

int ncon_process(struct ncon *nc, const struct ncon_key *key,
		 const void *data, size_t len, uint64_t now_ms)
{
	const char *d = data;
	struct ncon_sender *s;
	struct ncon_hdr h;
	bool bad;
	int err = 0;

	nc->st.datagrams++;
	nc->st.bytes += len;
	if (len == 0) {
		nc->st.malformed++;
		return -EINVAL;
	}
	if (!parse_header(d, len, &h, &bad) && bad) {
		nc->st.malformed++;
		return -EINVAL;
	}
	s = sender_get(nc, key, now_ms);
	if (s == NULL)
		return -ENOMEM;
	if (h.body == NULL) {
		process_legacy(nc, s, d, len, now_ms);
	} else if (h.frag) {
		struct ncon_frag *f = frag_add(nc, s, &h, now_ms, &err);

		if (err == -EINVAL)
			nc->st.malformed++;
		if (f != NULL) {
			accept_record(nc, s, &f->m, f->buf, f->total, now_ms);
			free(f);
		}
	} else {
		accept_record(nc, s, &h.m, h.body, h.body_len, now_ms);
	}
	active_maybe_free(nc, s);
	sched(nc, s);
	return err;
}

void ncon_tick(struct ncon *nc, uint64_t now_ms)
{
	while (nc->nheap && nc->heap[0]->heap_key <= now_ms) {
		struct ncon_sender *s = nc->heap[0];
		uint64_t d;

		sender_due(nc, s, now_ms);
		d = sender_deadline(nc, s);
		if (d <= now_ms)
			d = now_ms + 1; /* never spin on one sender */
		heap_set(nc, s, d);
	}
}

uint64_t ncon_next_deadline(const struct ncon *nc)
{
	return nc->nheap ? nc->heap[0]->heap_key : UINT64_MAX;
}

void ncon_flush(struct ncon *nc, uint64_t now_ms)
{
	while (nc->act_head) {
		struct ncon_sender *s = nc->act_head->owner;

		sender_flush(nc, s, now_ms);
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
	sched(nc, s);
}

size_t ncon_idle_sender_bytes(void)
{
	/* The struct and its share of a hash table at most half full. */
	return sizeof(struct ncon_sender) + 2 * sizeof(struct ncon_sender *);
}
