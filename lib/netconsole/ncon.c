// SPDX-License-Identifier: MIT
/*
 * ncon.c - the netconsole protocol (see ncon.h): extended headers, escapes,
 * ncfrag reassembly, putting records back in order and counting gaps,
 * continuation merging, legacy lines, and when each of these is due.
 * The sender table these work on (hash, LRU, deadline heap, buffer
 * accounting) is ncon_senders.c; ncon_int.h is what the two share.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "netconsole/ncon.h"
#include "netconsole/ncon_int.h"
#include "base/util.h"

#define NCON_MAX_FRAG_TOTAL 65536   /* largest ncfrag total accepted */
#define NCON_MAX_HEADER 256	    /* the ';' must come within this */
#define NCON_MAX_RELEASE 64
#define NCON_USEC_SLACK 10000	    /* printk clocks differ per CPU */
#define NCON_HOLD_MIN 128
/*
 * Held records looked at for the time the next gap became known: they
 * arrive mostly in order, so the first few hold the earliest; a later one
 * only makes the wait a little longer, never shorter.
 */
#define NCON_GAP_SCAN 16

struct ncon_hdr {
	struct ncon_meta m;
	bool frag;
	uint32_t frag_off, frag_total;
	const char *body;
	size_t body_len;
};

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
	ncon_acct(nc, a, *cap, old);
	return true;
}

/* --------------------------------------------------------- emitting --- */

static void emit(struct ncon *nc, struct ncon_sender *s, struct ncon_line *l,
		 uint64_t now)
{
	nc->st.lines++;
	if (!s->heard) {
		l->flags |= NCON_LINE_FIRST;
		s->heard = true;
	}
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
		l.flags &= ~(NCON_LINE_REBOOT | NCON_LINE_FIRST);
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
	struct ncon_active *a = ncon_active_get(nc, s);

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
		struct ncon_active *a = ncon_active_get(nc, s);
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
	ncon_acct(nc, s->act, 0, sizeof(*r) + r->text_len);
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
	while (i < a->nrecs && a->recs[i].order <= s->next_order) {
		struct ncon_rec *r = a->recs[i].r;

		if (a->recs[i++].order == s->next_order) {
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
		for (uint32_t k = 0; k < a->nrecs && k < NCON_GAP_SCAN; k++)
			if (a->recs[k].arrived < a->gap_since)
				a->gap_since = a->recs[k].arrived;
	}
}

/*
 * A record that has caught up with next_order: the one due is delivered,
 * with the held records it lets through; one behind it is a duplicate.
 * False when it is still ahead (a gap before it): the caller holds it.
 */
static bool take_if_due(struct ncon *nc, struct ncon_sender *s,
			uint64_t order, const struct ncon_meta *m,
			const char *text, size_t len, uint64_t now)
{
	if (order > s->next_order)
		return false;
	if (order < s->next_order) {
		nc->st.duplicates++;
		return true;
	}
	deliver(nc, s, m, text, len, now);
	s->next_order++;
	drain(nc, s, now);
	return true;
}

/* The index of the first held record with an order >= `order`. */
static uint32_t recs_lower_bound(const struct ncon_active *a, uint64_t order)
{
	uint32_t lo = 0, hi = a->nrecs;

	/* Most records behind a gap arrive in order: try the end first. */
	if (hi == 0 || a->recs[hi - 1].order < order)
		return hi;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (a->recs[mid].order < order)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Give up waiting for the first gap: count it lost, deliver what follows. */
static void skip_gap(struct ncon *nc, struct ncon_sender *s, uint64_t now)
{
	struct ncon_active *a = s->act;

	if (a == NULL || a->nrecs == 0)
		return;
	if (a->recs[0].order > s->next_order) {
		count_lost(nc, s, a->recs[0].order - s->next_order);
		s->next_order = a->recs[0].order;
	}
	drain(nc, s, now);
}

static void frag_drop(struct ncon *nc, struct ncon_sender *s, unsigned i)
{
	struct ncon_active *a = s->act;
	struct ncon_frag *f = a->frags[i];

	ncon_acct(nc, a, 0, f->size);
	free(f);
	a->nfrags--;
	memmove(a->frags + i, a->frags + i + 1,
		(a->nfrags - i) * sizeof(*a->frags));
}

/* Deliver everything s holds, counting gaps and partial messages lost. */
void ncon_sender_flush(struct ncon *nc, struct ncon_sender *s, uint64_t now)
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
	ncon_active_maybe_free(nc, s);
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
		ncon_sender_flush(nc, os, now);
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
		i = recs_lower_bound(a, order);
		if (i < a->nrecs && a->recs[i].order == order) {
			nc->st.duplicates++;
			return;
		}
		/*
		 * Enough records wait behind the first gap: a reordering that
		 * deep does not happen, the gap is lost.  Giving it up now
		 * rather than after missing_ms is what keeps a lossy sender
		 * as cheap as a clean one (a few records held, not a second's
		 * worth).
		 */
		while (a->nrecs >= nc->cfg.max_pending)
			skip_gap(nc, s, now);
		if (take_if_due(nc, s, order, m, text, len, now))
			return;
	}
	if (!make_room(nc, s, sizeof(*r) + len + 64, now) ||
	    (a = ncon_active_get(nc, s)) == NULL) {
		nc->st.overflows++;
		count_lost(nc, s, 1);
		return;
	}
	/* make_room() may have skipped up to this record. */
	if (take_if_due(nc, s, order, m, text, len, now))
		return;
	if (a->nrecs == a->recs_cap) {
		/* The count is a uint32_t: the capacity stays within it. */
		size_t cap = a->recs_cap;

		if (array_grow_bounded((void **)&a->recs, &cap,
				       (size_t)a->nrecs + 1, sizeof(*a->recs),
				       8, UINT32_MAX) < 0) {
			count_lost(nc, s, 1);
			return;
		}
		ncon_acct(nc, a, cap * sizeof(*a->recs),
		     a->recs_cap * sizeof(*a->recs));
		a->recs_cap = (uint32_t)cap;
	}
	r = malloc(sizeof(*r) + len);
	if (r == NULL) {
		count_lost(nc, s, 1);
		return;
	}
	r->m = *m;
	r->text_len = len;
	memcpy(r->text, text, len);
	ncon_acct(nc, a, sizeof(*r) + len, 0);
	i = recs_lower_bound(a, order);
	memmove(a->recs + i + 1, a->recs + i,
		(a->nrecs - i) * sizeof(*a->recs));
	a->recs[i].order = order;
	a->recs[i].arrived = now;
	a->recs[i].r = r;
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
		ncon_sender_flush(nc, s, now);
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
	if (take_if_due(nc, s, order, m, body, tlen, now))
		return;
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
		    (a = ncon_active_get(nc, s)) == NULL) {
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
		ncon_acct(nc, a, size, 0);
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
	ncon_acct(nc, a, 0, f->size);
	a->done_seq[a->ndone++ % NCON_DONE_SEQS] = f->m.seq;
	if (a->ndone >= 2 * NCON_DONE_SEQS)
		a->ndone -= NCON_DONE_SEQS;
	return f;
}

/* ------------------------------------------------------- timeouts --- */

uint64_t ncon_sender_deadline(const struct ncon *nc,
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

/* Run whatever of s is due at now. */
void ncon_sender_due(struct ncon *nc, struct ncon_sender *s, uint64_t now)
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
		ncon_active_maybe_free(nc, s);
	}
	if (s->user_deadline <= now) {
		s->user_deadline = UINT64_MAX;
		if (nc->ops && nc->ops->timer)
			nc->ops->timer(nc->arg, s, now);
	}
}

/* Drop everything s buffers without delivering it (s is being forgotten). */
void ncon_sender_discard(struct ncon *nc, struct ncon_sender *s)
{
	struct ncon_active *a = s->act;

	if (a == NULL)
		return;
	while (a->nrecs)
		rec_free(nc, s, a->recs[--a->nrecs].r);
	while (a->nfrags)
		frag_drop(nc, s, 0);
	a->holding = false;
	a->part_len = 0;
	ncon_active_maybe_free(nc, s);
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
	s = ncon_sender_get(nc, key, now_ms);
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
	ncon_active_maybe_free(nc, s);
	ncon_sched(nc, s);
	return err;
}
