// SPDX-License-Identifier: MIT
/*
 * ship.c - see ship.h.
 */
#include "ship.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/evloop.h"
#include "fit.h"
#include "base/log.h"
#include "base/util.h"

/*
 * One record of a datagram in flight.  Ids are 16 bytes (RECORD_ID_LEN);
 * a longer one (another producer) is matched on its first SHIP_ID_MAX
 * bytes and its length, which is still exact for any sane id scheme.
 */
#define SHIP_ID_MAX 32
struct ship_rec {
	uint64_t spool_seq;
	uint8_t id_len;
	bool done; /* acknowledged or rejected */
	uint8_t id[SHIP_ID_MAX];
};

struct ship_flight {
	bool used;
	unsigned tries;
	uint64_t wire_seq; /* of the latest copy */
	uint64_t nonce;	   /* random; an ack must echo it (never 0) */
	uint64_t deadline;
	size_t n, left;
	struct ship_rec recs[SHIP_MAX_BATCH];
	struct ev_timer timer;
	struct ship *ship;
};

struct ship {
	struct evloop *loop;
	struct spool *spool;
	struct ship_config cfg;
	struct transport_link *link; /* to the collector */
	uint64_t next_wire_seq;
	uint64_t seq_lease;	  /* persisted: no sequence at or above is used */
	uint64_t cursor;	  /* highest spool seq handed to a flight */
	uint64_t rng;
	uint8_t *buf;		  /* one datagram */
	size_t bufcap;
	struct ship_flight flights[SHIP_WINDOW];
	struct ship_stats st;
	struct ev_timer resolve_timer;
	uint64_t last_resolve_ms;
};

static const char *ship_name(const struct ship *s)
{
	return s->cfg.collector_name ? s->cfg.collector_name : "collector";
}

/*
 * Resolve the collector's host name again (a DNS change, a name that did
 * not resolve at start-up).  A new address of the same family replaces
 * the peer: the socket connects to it on the next send.  At most once a
 * second, however often sends fail.
 */
static void ship_resolve(struct ship *s)
{
	struct transport_addr a;
	char err[TRANSPORT_ERR_MAX], was[128], now[128];
	uint64_t t = evloop_now_ms();

	if (s->cfg.resolve_spec == NULL ||
	    s->cfg.peer.kind != TRANSPORT_UDP ||
	    (s->last_resolve_ms && t - s->last_resolve_ms < 1000))
		return;
	s->last_resolve_ms = t;
	s->st.resolves++;
	if (transport_parse(s->cfg.resolve_spec, &a, err, sizeof(err)) < 0) {
		log_debug("ship: %s", err);
		return;
	}
	if (a.sslen == s->cfg.peer.sslen &&
	    memcmp(&a.ss, &s->cfg.peer.ss, a.sslen) == 0)
		return;
	if (s->cfg.peer.sslen != 0 && a.ss.ss_family != s->cfg.peer.ss.ss_family) {
		log_warnx("collector %s now resolves to another address "
			  "family: restart the agent to use it", ship_name(s));
		return;
	}
	if (s->cfg.peer.sslen != 0)
		transport_format(&s->cfg.peer, was, sizeof(was));
	else
		str_lcpy(was, "unresolved", sizeof(was));
	s->cfg.peer = a;
	transport_link_set_peer(s->link, &a);
	transport_format(&a, now, sizeof(now));
	log_info("collector %s resolves to %s (was %s)", ship_name(s), now,
		 was);
}

static void ship_resolve_tick(struct evloop *loop, void *arg)
{
	struct ship *s = arg;

	ship_resolve(s);
	evloop_timer_arm(loop, &s->resolve_timer,
			 evloop_now_ms() + SHIP_RESOLVE_EVERY_MS);
}

static int ship_seq_lease(struct ship *s);

static uint64_t ship_rand(struct ship *s)
{
	/* xorshift64*: jitter only, no secrecy needed. */
	s->rng ^= s->rng >> 12;
	s->rng ^= s->rng << 25;
	s->rng ^= s->rng >> 27;
	return s->rng * 2685821657736338717ULL;
}

/*
 * A flight's nonce: 64 random bits from the kernel, which an off-path
 * spoofer cannot guess, so it cannot forge the ack that makes us delete
 * records.  Should the pool not be ready (very early boot), the jitter
 * generator mixed with the clock stands in rather than stop shipping.
 */
static uint64_t ship_nonce(struct ship *s)
{
	uint64_t v = 0;

	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != (ssize_t)sizeof(v))
		v = ship_rand(s) ^ (uint64_t)now_realtime_us();
	return v != 0 ? v : 1;
}

/* Backoff for a datagram sent `tries` times: min * 2^(tries-1), capped,
 * then +-25% jitter so a fleet that lost its collector does not come back
 * in lockstep. */
static uint64_t ship_rto(struct ship *s, unsigned tries)
{
	uint64_t rto = s->cfg.rto_min_ms;

	for (unsigned i = 1; i < tries && rto < s->cfg.rto_max_ms; i++)
		rto *= 2;
	if (rto > s->cfg.rto_max_ms)
		rto = s->cfg.rto_max_ms;
	s->st.rto_ms = rto;
	return rto - rto / 4 + ship_rand(s) % (rto / 2 + 1);
}

static int ship_send_raw(struct ship *s, const uint8_t *buf, size_t len)
{
	bool was;
	int rc;

	/* A name that has not resolved yet: try now. */
	if (s->cfg.peer.kind == TRANSPORT_UDP && s->cfg.peer.sslen == 0) {
		ship_resolve(s);
		if (s->cfg.peer.sslen == 0)
			return -EDESTADDRREQ;
	}
	was = transport_link_connected(s->link);
	rc = transport_link_send(s->link, buf, len);
	if (!was && transport_link_connected(s->link))
		log_info("ship: collector reachable again");
	return rc;
}

static void ship_flight_release(struct ship *s, struct ship_flight *f)
{
	evloop_timer_disarm(s->loop, &f->timer);
	f->used = false;
	s->st.in_flight--;
}

/*
 * Build the datagram of flight f from the spool and send it.  Records that
 * vanished from the spool meanwhile (dropped by its limits) are skipped.
 */
static void ship_transmit(struct ship *s, struct ship_flight *f)
{
	struct wire_iov sender = { s->cfg.sender_id, s->cfg.sender_id_len };
	struct wire_iov iov[SHIP_MAX_BATCH];
	struct spool_item items[SHIP_MAX_BATCH];
	size_t n = 0;
	int len, rc;

	memset(items, 0, sizeof(items));
	for (size_t i = 0; i < f->n; i++) {
		struct ship_rec *r = &f->recs[i];

		if (r->done)
			continue;
		if (spool_load(s->spool, r->spool_seq, &items[n]) < 0) {
			r->done = true;
			f->left--;
			s->st.unreadable++;
			continue;
		}
		iov[n].data = items[n].rec;
		iov[n].len = items[n].rec_len;
		n++;
	}
	if (n == 0) {
		ship_flight_release(s, f);
		return;
	}
	if (s->next_wire_seq >= s->seq_lease && ship_seq_lease(s) < 0) {
		/* Cannot persist the mark: send nothing rather than risk
		 * reusing numbers after a restart; the flight is retried. */
		for (size_t i = 0; i < n; i++)
			spool_item_clear(&items[i]);
		ship_flight_release(s, f);
		return;
	}
	f->wire_seq = s->next_wire_seq++;
	/* Never above max_datagram, whatever the fill step decided. */
	len = wire_pack_envelope_nonce(&sender, f->wire_seq, f->nonce, iov, n,
				       s->cfg.key, s->buf, s->cfg.max_datagram);
	for (size_t i = 0; i < n; i++)
		spool_item_clear(&items[i]);
	if (len < 0) {
		/* Cannot happen for records chosen to fit; say so loudly and
		 * retry later rather than lose them. */
		log_warnx("ship: cannot pack %zu records: %s", n,
			  strerror(-len));
		s->st.send_errors++;
	} else {
		rc = ship_send_raw(s, s->buf, (size_t)len);
		if (f->tries == 0)
			s->st.datagrams++;
		else
			s->st.retransmits++;
		if (rc < 0) {
			s->st.send_errors++;
			log_debug("ship: send: %s", strerror(-rc));
		}
		s->st.last_send_us = now_realtime_us();
	}
	f->tries++;
	evloop_timer_arm(s->loop, &f->timer,
			 evloop_now_ms() + ship_rto(s, f->tries));
}

static void ship_on_timer(struct evloop *loop, void *arg)
{
	struct ship_flight *f = arg;
	struct ship *s = f->ship;

	log_debug("ship: no ack for envelope %" PRIu64 " (try %u)",
		  f->wire_seq, f->tries);
	if (f->tries >= SHIP_SILENT_TRIES && !s->st.silent) {
		struct spool_stats sp;

		/* Once, until it answers again: the journal shows it with
		 * `journalctl -p warning`, and the backoff goes on quietly. */
		spool_get_stats(s->spool, &sp);
		s->st.silent = true;
		log_warnx("collector %s is not answering (%u sends without an "
			  "ack): %" PRIu64 " record(s) waiting, retrying with "
			  "backoff up to %" PRIu64 " ms", ship_name(s), f->tries,
			  sp.pending, s->cfg.rto_max_ms);
	}
	/* Sending fails: the name may point elsewhere now. */
	if (f->tries >= 2)
		ship_resolve(s);
	ship_transmit(s, f);
}

/* Cut the text of spooled record seq so it fits in room bytes. */
static int ship_refit(struct ship *s, uint64_t seq, size_t room)
{
	struct spool_item it;
	char hex[2 * SPOOL_MAX_ID + 1];
	uint8_t *rec;
	size_t len;
	int rc = spool_load(s->spool, seq, &it);

	if (rc < 0)
		return rc;
	hex_encode(it.id, it.id_len > SPOOL_MAX_ID ? SPOOL_MAX_ID : it.id_len,
		   hex);
	rc = agent_record_fit(it.rec, it.rec_len, room, &rec, &len);
	spool_item_clear(&it);
	/* Records are named by their id in every log line, never by the
	 * spool's sequence number. */
	if (rc < 0) {
		log_warnx("ship: record %s cannot fit in a %zu-byte datagram: "
			  "%s", hex, s->cfg.max_datagram, strerror(-rc));
		return rc;
	}
	rc = spool_replace(s->spool, seq, rec, len);
	free(rec);
	if (rc == 0)
		log_info("ship: record %s cut to %zu bytes for max_datagram",
			 hex, len);
	return rc;
}

/*
 * Fill a new flight with the oldest records not yet in flight.  Returns
 * false when the spool has nothing more to send.
 */
static bool ship_fill(struct ship *s, struct ship_flight *f)
{
	struct wire_iov sender = { s->cfg.sender_id, s->cfg.sender_id_len };
	size_t used = wire_envelope_size(&sender, NULL, 0, s->cfg.key);
	uint64_t seq;
	int rc;

	f->n = f->left = 0;
	f->tries = 0;
	f->nonce = ship_nonce(s);
	while (f->n < SHIP_MAX_BATCH &&
	       spool_next(s->spool, s->cursor, &seq) == 0) {
		struct spool_item it;
		size_t need;

		rc = spool_load(s->spool, seq, &it);
		if (rc < 0) {
			s->st.unreadable++;
			/* Corrupt or gone: out of the index.  Anything else
			 * (EIO, EMFILE): skip it for now. */
			if (rc != -EBADMSG && rc != -ENOENT)
				s->cursor = seq;
			continue;
		}
		need = it.rec_len + WIRE_RECORD_OVERHEAD;
		if (used + need > s->cfg.max_datagram) {
			size_t room = s->cfg.max_datagram - used;

			if (f->n > 0) {
				spool_item_clear(&it);
				break; /* the next datagram takes it */
			}
			/* Alone and still too large: spooled under a larger
			 * max_datagram.  Cut its text now, in the spool. */
			spool_item_clear(&it);
			if (room <= WIRE_RECORD_OVERHEAD ||
			    ship_refit(s, seq, room - WIRE_RECORD_OVERHEAD) < 0) {
				s->st.oversize++;
				s->cursor = seq;
			}
			continue;
		}
		used += need;
		f->recs[f->n].spool_seq = seq;
		f->recs[f->n].id_len = (uint8_t)it.id_len;
		f->recs[f->n].done = false;
		memcpy(f->recs[f->n].id, it.id,
		       it.id_len < SHIP_ID_MAX ? it.id_len : SHIP_ID_MAX);
		f->n++;
		f->left++;
		s->cursor = seq;
		spool_item_clear(&it);
	}
	return f->n > 0;
}

void ship_kick(struct ship *s)
{
	/* With nothing in flight every pending record is eligible again,
	 * including one skipped after a transient read error. */
	if (s->st.in_flight == 0)
		s->cursor = 0;
	for (size_t i = 0; i < SHIP_WINDOW; i++) {
		struct ship_flight *f = &s->flights[i];

		if (f->used)
			continue;
		if (!ship_fill(s, f))
			return;
		f->used = true;
		s->st.in_flight++;
		ship_transmit(s, f);
	}
}

void ship_retry_now(struct ship *s)
{
	uint64_t now = evloop_now_ms();

	for (size_t i = 0; i < SHIP_WINDOW; i++) {
		struct ship_flight *f = &s->flights[i];

		if (f->used) {
			f->tries = 1;
			evloop_timer_arm(s->loop, &f->timer, now);
		}
	}
	ship_kick(s);
}

/* A record id of flight f came back: hand it over, unspool it. */
static void ship_record_done(struct ship *s, struct ship_flight *f,
			     const uint8_t *id, size_t len, bool rejected)
{
	for (size_t k = 0; k < f->n; k++) {
		struct ship_rec *r = &f->recs[k];
		struct spool_item it;

		if (r->done || r->id_len != len ||
		    memcmp(r->id, id, len < SHIP_ID_MAX ? len : SHIP_ID_MAX) != 0)
			continue;
		r->done = true;
		f->left--;
		if (rejected)
			s->st.rejected++;
		else
			s->st.acked++;
		if (s->cfg.on_acked != NULL &&
		    spool_load(s->spool, r->spool_seq, &it) == 0) {
			s->cfg.on_acked(s->cfg.arg, &it, rejected);
			spool_item_clear(&it);
		}
		spool_remove(s->spool, r->spool_seq);
		if (f->left == 0)
			ship_flight_release(s, f);
		return;
	}
}

static void ship_handle_ack(struct ship *s, const uint8_t *buf, size_t len)
{
	struct ship_flight *f = NULL;
	struct wire_limits lim = WIRE_LIMITS_INIT;
	struct wire_msg m;
	const char *reason = "";
	bool was_silent;
	int rc;

	lim.max_datagram = WIRE_UDP_MAX;
	lim.want = WIRE_WANT(WIRE_BODY_ACK);
	rc = wire_unpack(buf, len, s->cfg.key, &lim, &m, &reason);
	if (rc < 0) { /* not an ack (lim.want), or a bad one */
		s->st.bad_acks++;
		log_debug("ship: refused a reply: %s", reason);
		return;
	}
	/* Only the flight whose nonce the ack echoes: ids alone are no proof
	 * (an off-path spoofer can guess or replay them), the nonce is. */
	for (size_t i = 0; i < SHIP_WINDOW && f == NULL; i++)
		if (s->flights[i].used && m.nonce != 0 &&
		    s->flights[i].nonce == m.nonce)
			f = &s->flights[i];
	if (f == NULL) {
		s->st.bad_acks++;
		log_debug("ship: refused an ack for envelope %" PRIu64
			  ": it does not echo a nonce in flight", m.seq);
		wire_msg_release(&m);
		return;
	}
	s->st.acks++;
	s->st.last_ack_us = now_realtime_us();
	was_silent = s->st.silent;
	s->st.silent = false;
	for (size_t i = 0; i < m.ack->n_ids && f->used; i++)
		ship_record_done(s, f, m.ack->ids[i].data, m.ack->ids[i].len,
				 false);
	for (size_t i = 0; i < m.ack->n_rejected_ids && f->used; i++) {
		char hex[2 * SPOOL_MAX_ID + 1];
		size_t n = m.ack->rejected_ids[i].len;

		hex_encode(m.ack->rejected_ids[i].data,
			   n > SPOOL_MAX_ID ? SPOOL_MAX_ID : n, hex);
		log_warnx("ship: collector refused record %s for good%s%s", hex,
			  m.ack->error ? ": " : "",
			  m.ack->error ? m.ack->error : "");
		ship_record_done(s, f, m.ack->rejected_ids[i].data, n, true);
	}
	wire_msg_release(&m);
	/* The collector answers: whatever waits in a backoff may go now,
	 * and the freed window takes new records. */
	for (size_t i = 0; i < SHIP_WINDOW; i++) {
		struct ship_flight *g = &s->flights[i];

		if (g->used && g->tries > 2) {
			g->tries = 1;
			evloop_timer_arm(s->loop, &g->timer,
					 evloop_now_ms() + ship_rto(s, 1));
		}
	}
	s->st.rto_ms = s->cfg.rto_min_ms;
	if (was_silent) {
		struct spool_stats sp;

		spool_get_stats(s->spool, &sp);
		log_info("collector %s answers again: %" PRIu64 " record(s) "
			 "waiting", ship_name(s), sp.pending);
	}
	ship_kick(s);
}

static void ship_on_readable(struct evloop *loop, int fd, unsigned events,
			     void *arg)
{
	struct ship *s = arg;

	/* Drain: several acks may be queued; bounded by the socket. */
	for (int i = 0; i < 64; i++) {
		int n = transport_link_recv(s->link, s->buf, s->bufcap);

		if (n == -EBADMSG) {
			/* Not from the collector, or too long to be an ack. */
			s->st.bad_acks++;
			continue;
		}
		if (n == -EAGAIN || n == -EWOULDBLOCK)
			return;
		if (n == -EINTR)
			continue;
		if (n < 0) {
			/* ECONNREFUSED: ICMP port unreachable, the collector
			 * is down; the backoff takes care of it. */
			if (n != -ECONNREFUSED)
				log_debug("ship: recv: %s", strerror(-n));
			s->st.send_errors++;
			continue;
		}
		ship_handle_ack(s, s->buf, (size_t)n);
	}
}

#define SHIP_SEQ_FILE "wire_seq"
#define SHIP_SEQ_LEASE 65536

/*
 * Persist a new high-water mark for envelope sequence numbers before any
 * of them is used: a restarted agent starts above it, whatever the clock
 * says.  One fsync'd write per SHIP_SEQ_LEASE datagrams.  0 or -errno.
 */
static int ship_seq_lease(struct ship *s)
{
	char line[32];
	uint64_t mark = s->next_wire_seq + SHIP_SEQ_LEASE;
	int n, rc;

	if (s->cfg.state_dir == NULL) {
		s->seq_lease = UINT64_MAX;
		return 0;
	}
	n = snprintf(line, sizeof(line), "%llu\n", (unsigned long long)mark);
	/* By fd: after the privilege drop the path may not be reachable. */
	rc = write_file_atomic(s->cfg.state_dirfd, SHIP_SEQ_FILE, line,
			       (size_t)n);
	if (rc < 0) {
		log_warnx("cannot save the envelope sequence mark in %s: %s",
			  s->cfg.state_dir, strerror(-rc));
		return rc;
	}
	s->seq_lease = mark;
	return 0;
}

/* The first sequence number: above the saved mark and the clock. */
static uint64_t ship_seq_start(const struct ship *s)
{
	uint64_t start = (uint64_t)now_realtime_us();
	char *text;
	size_t len;

	if (s->cfg.state_dir != NULL &&
	    read_fileat_bounded(s->cfg.state_dirfd, SHIP_SEQ_FILE, 32, &text,
				&len) == 0) {
		char *end;
		unsigned long long saved = strtoull(text, &end, 10);

		if (end != text && (*end == '\n' || *end == '\0') &&
		    saved > start)
			start = saved;
		free(text);
	}
	return start;
}

struct ship *ship_new(struct evloop *loop, struct spool *spool,
		      const struct ship_config *cfg, int *err)
{
	struct ship *s = calloc(1, sizeof(*s));
	int rc, fd;

	if (s == NULL) {
		*err = -ENOMEM;
		return NULL;
	}
	s->loop = loop;
	s->spool = spool;
	s->cfg = *cfg;
	if (s->cfg.rto_min_ms == 0)
		s->cfg.rto_min_ms = 500;
	if (s->cfg.rto_max_ms < s->cfg.rto_min_ms)
		s->cfg.rto_max_ms = 60000;
	if (s->cfg.max_datagram < 512 || s->cfg.max_datagram > WIRE_UDP_MAX) {
		rc = -EINVAL;
		goto fail;
	}
	s->st.rto_ms = s->cfg.rto_min_ms;
	/* Envelope numbers only grow, across restarts too: start from the
	 * clock in microseconds (faster than we can ever send) or above the
	 * mark saved by the previous run, whichever is higher. */
	s->next_wire_seq = ship_seq_start(s);
	s->seq_lease = 0; /* leased on the first send */
	s->rng = s->next_wire_seq ^ ((uint64_t)getpid() << 32) ^ 0x9e3779b97f4a7c15ULL;
	s->bufcap = WIRE_UDP_MAX;
	s->buf = malloc(s->bufcap);
	if (s->buf == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < SHIP_WINDOW; i++) {
		ev_timer_init(&s->flights[i].timer, ship_on_timer,
			      &s->flights[i]);
		s->flights[i].ship = s;
	}
	s->link = transport_link_open(&cfg->peer, s->bufcap, &rc);
	if (s->link == NULL)
		goto fail;
	/* No route yet (a daemon started early in the boot), or a name that
	 * did not resolve yet: the link connects on a later send. */
	if (!transport_link_connected(s->link) && cfg->peer.sslen != 0)
		log_warnx("collector %s: no route yet; will retry",
			  ship_name(s));
	fd = transport_link_fd(s->link);
	rc = evloop_add_fd(loop, fd, EV_READ, ship_on_readable, s);
	if (rc < 0)
		goto fail;
	ev_timer_init(&s->resolve_timer, ship_resolve_tick, s);
	if (s->cfg.resolve_spec != NULL)
		evloop_timer_arm(loop, &s->resolve_timer,
				 evloop_now_ms() + SHIP_RESOLVE_EVERY_MS);
	return s;
fail:
	ship_free(s);
	*err = rc;
	return NULL;
}

void ship_free(struct ship *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < SHIP_WINDOW; i++)
		evloop_timer_disarm(s->loop, &s->flights[i].timer);
	evloop_timer_disarm(s->loop, &s->resolve_timer);
	if (s->link != NULL) {
		evloop_del_fd(s->loop, transport_link_fd(s->link));
		transport_link_free(s->link);
	}
	free(s->buf);
	free(s);
}

int ship_heartbeat(struct ship *s, const struct wire_heartbeat *hb)
{
	struct wire_iov sender = { s->cfg.sender_id, s->cfg.sender_id_len };
	int len, rc;

	if (s->next_wire_seq >= s->seq_lease && (rc = ship_seq_lease(s)) < 0)
		return rc;
	len = wire_pack_heartbeat(&sender, s->next_wire_seq++, hb, s->cfg.key,
				  s->buf, s->cfg.max_datagram);
	if (len < 0)
		return len;
	rc = ship_send_raw(s, s->buf, (size_t)len);
	if (rc < 0) {
		s->st.send_errors++;
		return rc;
	}
	s->st.heartbeats++;
	return 0;
}

void ship_get_stats(const struct ship *s, struct ship_stats *st)
{
	*st = s->st;
}
