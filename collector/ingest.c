// SPDX-License-Identifier: MIT
/*
 * ingest.c - validate, rate-limit, queue, commit, acknowledge.
 *
 * A batch is a list of items (one per record, pointing into a decoded
 * envelope or owning a local record) and a list of envelopes waiting for
 * their ack.  ingest_flush() hands the items to the store in one
 * transaction; when it returns, each envelope's ack lists the ids stored
 * or already there (duplicates: an agent that retransmits because an ack
 * was lost gets it again) and the ids refused.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest.h"
#include "base/log.h"
#include "ratelimit.h"
#include "record/pbutil.h"
#include "record/record.h"
#include "wire/replay.h"
#include "base/util.h"

/* Local (netconsole) records kept across failed transactions, at most. */
#define INGEST_MAX_LOCAL_BACKLOG 4096
/* Longest title a record may carry. */
#define INGEST_MAX_TITLE 1024
#define INGEST_SENDER_MAX 64

struct ing_item {
	struct store_put put;
	uint8_t *packed;	    /* malloc'd */
	Oopsd__CrashRecord *local;  /* owned (local records only) */
	char sender[INGEST_SENDER_MAX];
};

struct ing_env {
	struct ingest_peer peer;
	struct wire_msg msg; /* owned: the items point into it */
	size_t first, n;     /* its items */
	struct wire_iov *rejected; /* point into rejected_ids */
	uint8_t *rejected_ids;	   /* copies: refused records are freed */
	size_t nrejected;
};

struct ingest {
	struct store *st;
	struct ingest_config cfg;
	struct wire_limits lim;
	struct ratelimit *rl;
	struct replay *rp; /* with a key: envelope numbers seen per sender */
	struct ingest_counters c;
	struct ing_item *items;
	size_t nitems, items_cap;
	size_t nlocal; /* items that own a local record */
	size_t batch_bytes; /* memory the batch holds, at its bound */
	struct ing_env *envs;
	size_t nenvs, envs_cap;
	uint8_t *ackbuf;
	size_t ackbuf_cap;
	struct wire_iov *ids; /* scratch for one ack */
	size_t ids_cap;
};

void ingest_count_reject(struct ingest_counters *c, const char *reason)
{
	size_t i;

	for (i = 0; i < INGEST_MAX_REASONS && c->rejected[i].reason; i++)
		if (c->rejected[i].reason == reason ||
		    strcmp(c->rejected[i].reason, reason) == 0)
			break;
	if (i == INGEST_MAX_REASONS)
		i = INGEST_MAX_REASONS - 1; /* the last slot takes the rest */
	else if (c->rejected[i].reason == NULL)
		c->rejected[i].reason = reason;
	c->rejected[i].count++;
}

struct ingest *ingest_new(struct store *st, const struct ingest_config *cfg)
{
	struct ingest *in = calloc(1, sizeof(*in));
	struct wire_limits lim = WIRE_LIMITS_INIT;

	if (in == NULL)
		return NULL;
	in->st = st;
	in->cfg = *cfg;
	if (in->cfg.batch_max == 0)
		in->cfg.batch_max = 256;
	if (in->cfg.batch_bytes == 0)
		in->cfg.batch_bytes = INGEST_BATCH_BYTES;
	if (in->cfg.max_datagram == 0 || in->cfg.max_datagram > WIRE_UDP_MAX)
		in->cfg.max_datagram = WIRE_UDP_MAX;
	lim.max_datagram = in->cfg.max_datagram;
	/* An ack sent here is refused undecoded ("unexpected_body_type"). */
	lim.want = WIRE_WANT(WIRE_BODY_ENVELOPE) | WIRE_WANT(WIRE_BODY_HEARTBEAT);
	in->lim = lim;
	in->rl = ratelimit_new(cfg->rate_limit, cfg->rate_burst,
			       cfg->max_senders ? cfg->max_senders : 65536);
	if (cfg->key != NULL && cfg->key->len > 0) {
		in->rp = replay_new(cfg->max_senders ? cfg->max_senders : 65536);
		if (in->rp == NULL) {
			ingest_free(in);
			return NULL;
		}
	}
	in->ackbuf_cap = WIRE_UDP_MAX;
	in->ackbuf = malloc(in->ackbuf_cap);
	if (in->rl == NULL || in->ackbuf == NULL) {
		ingest_free(in);
		return NULL;
	}
	return in;
}

static void item_release(struct ing_item *it)
{
	free(it->packed);
	if (it->local != NULL)
		record_free(it->local);
	memset(it, 0, sizeof(*it));
}

static void env_release(struct ing_env *e)
{
	wire_msg_release(&e->msg);
	free(e->rejected);
	free(e->rejected_ids);
	memset(e, 0, sizeof(*e));
}

/* Free record i of e now (refused or held back): a datagram keeps only
 * the records it queued until the flush. */
static void env_drop_record(struct ing_env *e, size_t i)
{
	pb_free(&e->msg.env->records[i]->base);
	/* protobuf-c frees a NULL element as a no-op. */
	e->msg.env->records[i] = NULL;
}

void ingest_free(struct ingest *in)
{
	if (in == NULL)
		return;
	for (size_t i = 0; i < in->nitems; i++)
		item_release(&in->items[i]);
	for (size_t i = 0; i < in->nenvs; i++)
		env_release(&in->envs[i]);
	free(in->items);
	free(in->envs);
	free(in->ids);
	free(in->ackbuf);
	ratelimit_free(in->rl);
	replay_free(in->rp);
	free(in);
}

/*
 * The rate-limit key: the address without the port, or the port id; and
 * in *prefix the bytes of it that name the sender's network (/24, /64),
 * charged as a whole (0: none).
 */
static size_t peer_key(const struct ingest_peer *p, uint8_t *key,
		       size_t *prefix)
{
	*prefix = 0;
	if (p->kind == INGEST_PEER_UDP && p->ss.ss_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)&p->ss;

		key[0] = 4;
		memcpy(key + 1, &a->sin_addr, 4);
		*prefix = 1 + 3;
		return 5;
	}
	if (p->kind == INGEST_PEER_UDP && p->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const void *)&p->ss;

		/* An IPv4 client of a dual-stack socket is the same sender
		 * as over a plain IPv4 socket. */
		if (IN6_IS_ADDR_V4MAPPED(&a->sin6_addr)) {
			key[0] = 4;
			memcpy(key + 1, &a->sin6_addr.s6_addr[12], 4);
			*prefix = 1 + 3;
			return 5;
		}
		key[0] = 6;
		memcpy(key + 1, &a->sin6_addr, 16);
		*prefix = 1 + 8;
		return 17;
	}
	key[0] = 'n';
	memcpy(key + 1, &p->portid, 4);
	return 5;
}

static void peer_name(const struct ingest_peer *p, char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN];

	if (p->kind == INGEST_PEER_UDP && p->ss.ss_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)&p->ss;

		inet_ntop(AF_INET, &a->sin_addr, addr, sizeof(addr));
		snprintf(buf, len, "%s:%u", addr, ntohs(a->sin_port));
	} else if (p->kind == INGEST_PEER_UDP && p->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const void *)&p->ss;

		if (IN6_IS_ADDR_V4MAPPED(&a->sin6_addr)) {
			inet_ntop(AF_INET, &a->sin6_addr.s6_addr[12], addr,
				  sizeof(addr));
			snprintf(buf, len, "%s:%u", addr, ntohs(a->sin6_port));
		} else {
			inet_ntop(AF_INET6, &a->sin6_addr, addr, sizeof(addr));
			snprintf(buf, len, "[%s]:%u", addr,
				 ntohs(a->sin6_port));
		}
	} else if (p->kind == INGEST_PEER_NETLINK) {
		snprintf(buf, len, "netlink:%u", p->portid);
	} else {
		snprintf(buf, len, "local");
	}
}

/*
 * Field sanity beyond the codec's generic limits: what the store and the
 * queries rely on.  Returns NULL when the record is acceptable, else the
 * reason token.
 */
static const char *record_sanity(const Oopsd__CrashRecord *r)
{
	static const struct record_limits lim = RECORD_LIMITS_INIT;
	const char *reason = "malformed";

	if (record_check(r, &lim, &reason) < 0)
		return reason;
	if (r->crash == NULL || !r->crash->has_title_signature)
		return "no_signature";
	if (r->crash->title != NULL &&
	    strlen(r->crash->title) > INGEST_MAX_TITLE)
		return "bad_title";
	return NULL;
}

/*
 * The record's bytes as they came, to store: packed before it is expanded,
 * so the stored row is the compact record the agent sent (protobuf-c keeps
 * the fields it does not know and packs them back, so a newer agent's
 * fields survive in the store), never the larger plain form.  NULL on
 * ENOMEM.
 */
static uint8_t *pack_received(const Oopsd__CrashRecord *r, size_t *len)
{
	uint8_t *p;

	*len = oopsd__crash_record__get_packed_size(r);
	p = malloc(*len ? *len : 1);
	if (p != NULL)
		oopsd__crash_record__pack(r, p);
	return p;
}

/* Append an item for record r with its packed bytes (taken over). */
static int add_item(struct ingest *in, const Oopsd__CrashRecord *r,
		    uint8_t *packed, size_t len, const char *sender,
		    int64_t now_us)
{
	struct ing_item *it;

	if (array_grow((void **)&in->items, &in->items_cap, in->nitems + 1,
		 sizeof(*in->items)) < 0) {
		free(packed);
		return -ENOMEM;
	}
	it = &in->items[in->nitems];
	memset(it, 0, sizeof(*it));
	it->packed = packed;
	snprintf(it->sender, sizeof(it->sender), "%s", sender);
	it->put = (struct store_put){ .rec = r,
				      .packed = it->packed,
				      .packed_len = len,
				      .received_us = now_us };
	/* put.sender is set at flush time: items[] moves when it grows. */
	in->nitems++;
	in->batch_bytes += len;
	return 0;
}

/*
 * Whether an authenticated datagram (envelope or heartbeat) may be taken:
 * not signed with the shared key when that is refused, and new.  A good
 * tag does not make a datagram new: an envelope number this sender used
 * before, or one too old to tell, is refused (wire/replay.h).  The window
 * is per (key, sender), so a holder of the shared key cannot use up the
 * numbers of an agent that has its own key; unauthenticated datagrams
 * have none, or anyone could use up another agent's numbers.  A refusal
 * is counted here.
 */
static bool ingest_fresh(struct ingest *in, const struct wire_msg *m)
{
	uint8_t rid[1 + WIRE_SENDER_ID_MAX];
	enum replay_verdict v;

	if (!m->authenticated)
		return true;
	if (m->legacy && in->cfg.refuse_shared_key) {
		in->c.rejected_datagrams++;
		ingest_count_reject(&in->c, "shared_key");
		return false;
	}
	if (in->rp == NULL)
		return true;
	rid[0] = m->legacy ? 'S' : 'A';
	memcpy(rid + 1, m->sender_id, m->sender_id_len);
	v = replay_check(in->rp, rid, 1 + m->sender_id_len, m->seq);
	if (v == REPLAY_OK)
		return true;
	in->c.rejected_datagrams++;
	ingest_count_reject(&in->c, replay_verdict_name(v));
	return false;
}

/*
 * A heartbeat (body type 3): checked like an envelope (replay window when
 * authenticated, the sender's rate limit for one record), then handed to
 * the daemon.  Never acknowledged: the agent does not wait for one.
 */
static void ingest_heartbeat(struct ingest *in, const struct wire_msg *m,
			     const struct ingest_peer *peer, uint64_t now_ms,
			     int64_t now_us)
{
	uint8_t key[RATELIMIT_KEY_MAX];
	char sender[INGEST_SENDER_MAX];
	size_t prefix, keylen;

	if (!ingest_fresh(in, m))
		return;
	keylen = peer_key(peer, key, &prefix);
	if (ratelimit_take_prefix(in->rl, key, keylen, prefix, 1, now_ms) < 1) {
		ingest_count_reject(&in->c, "heartbeat_rate_limited");
		return;
	}
	peer_name(peer, sender, sizeof(sender));
	if (in->cfg.heartbeat != NULL)
		in->cfg.heartbeat(in->cfg.heartbeat_arg, m->hb, sender, now_us);
}

/* Refuse record i of e for good: keep a copy of its id for the ack (when
 * it has a usable one) and free it now, not at the flush. */
static void env_refuse(struct ingest *in, struct ing_env *e, size_t i,
		       const char *why)
{
	Oopsd__CrashRecord *r = e->msg.env->records[i];

	in->c.rejected_records++;
	ingest_count_reject(&in->c, why);
	if (r->has_id && r->id.len > 0 && r->id.len <= STORE_MAX_ID_BYTES) {
		uint8_t *copy = e->rejected_ids + i * STORE_MAX_ID_BYTES;

		memcpy(copy, r->id.data, r->id.len);
		e->rejected[e->nrejected++] =
			(struct wire_iov){ copy, r->id.len };
	}
	env_drop_record(e, i);
}

/* What a datagram of len bytes may cost to decode, and then to expand. */
static size_t datagram_budget(size_t len)
{
	return INGEST_COST_FLOOR + INGEST_COST_PER_BYTE * len;
}

static void send_ack(struct ingest *in, struct ing_env *e);

void ingest_datagram(struct ingest *in, const struct ingest_peer *peer,
		     const uint8_t *buf, size_t len, bool truncated,
		     uint64_t now_ms, int64_t now_us)
{
	const char *reason = NULL;
	uint8_t key[RATELIMIT_KEY_MAX];
	char sender[INGEST_SENDER_MAX];
	struct wire_limits lim = in->lim;
	struct ing_env *e;
	size_t nrec, granted, keylen, prefix, budget;
	uint64_t full;
	int rc;

	in->c.datagrams++;
	in->c.bytes += len;
	if (truncated || len > in->cfg.max_datagram) {
		in->c.rejected_datagrams++;
		ingest_count_reject(&in->c, "too_large");
		return;
	}
	if (array_grow((void **)&in->envs, &in->envs_cap, in->nenvs + 1,
		 sizeof(*in->envs)) < 0) {
		in->c.rejected_datagrams++;
		ingest_count_reject(&in->c, "no_memory");
		return;
	}
	e = &in->envs[in->nenvs];
	memset(e, 0, sizeof(*e));
	/* Decoding may cost a multiple of the datagram, not a fixed 4 MiB:
	 * an 8 KB datagram of empty sub-messages is refused at its budget. */
	budget = datagram_budget(len);
	if (lim.max_alloc > budget)
		lim.max_alloc = budget;
	rc = wire_unpack(buf, len, in->cfg.key, &lim, &e->msg, &reason);
	if (rc < 0) {
		in->c.rejected_datagrams++;
		ingest_count_reject(&in->c, reason ? reason : "malformed");
		return;
	}
	/* lim.want: an envelope or a heartbeat, decoded. */
	if (e->msg.type == WIRE_BODY_HEARTBEAT) {
		ingest_heartbeat(in, &e->msg, peer, now_ms, now_us);
		wire_msg_release(&e->msg);
		return;
	}
	if (!ingest_fresh(in, &e->msg)) {
		wire_msg_release(&e->msg);
		return;
	}
	e->peer = *peer;
	nrec = e->msg.env->n_records;
	in->c.records += nrec;
	e->rejected = calloc(nrec ? nrec : 1, sizeof(*e->rejected));
	e->rejected_ids = malloc((nrec ? nrec : 1) * STORE_MAX_ID_BYTES);
	if (e->rejected == NULL || e->rejected_ids == NULL) {
		in->c.rejected_datagrams++;
		ingest_count_reject(&in->c, "no_memory");
		env_release(e);
		return;
	}
	peer_name(peer, sender, sizeof(sender));
	keylen = peer_key(peer, key, &prefix);
	full = ratelimit_table_full(in->rl);
	granted = ratelimit_take_prefix(in->rl, key, keylen, prefix, nrec,
					now_ms);
	if (granted < nrec) {
		in->c.rate_limited += nrec - granted;
		/* A flood of new (spoofed?) senders is not one loud one. */
		if (ratelimit_table_full(in->rl) != full)
			in->c.rate_table_full += nrec;
		log_debug("%s: %zu record(s) over the rate limit held back",
			  sender, nrec - granted);
		/* Held back, neither acked nor kept: freed now. */
		for (size_t i = granted; i < nrec; i++)
			env_drop_record(e, i);
	}
	e->first = in->nitems;
	for (size_t i = 0; i < granted; i++) {
		Oopsd__CrashRecord *r = e->msg.env->records[i];
		const char *why = record_sanity(r);
		size_t plen = 0, cost;
		uint8_t *packed = NULL;

		/* What expanding will inflate is known before it starts:
		 * a record past the datagram's budget is refused unread. */
		if (why == NULL) {
			cost = record_expand_cost(r);
			if (cost > budget)
				why = "cost_budget";
			else
				budget -= cost;
		}
		if (why == NULL) {
			packed = pack_received(r, &plen);
			if (packed == NULL) {
				/* Not acked: the agent sends it again. */
				ingest_count_reject(&in->c, "no_memory");
				env_drop_record(e, i);
				continue;
			}
			if (plen > len)
				why = "repacked_larger"; /* cannot happen */
		}
		/* The store and the queries read the plain fields. */
		if (why == NULL && record_expand(r, NULL, &why) == 0)
			why = NULL;
		if (why != NULL) {
			free(packed);
			/* A record with a usable id is refused for good, so
			 * the agent stops sending it. */
			env_refuse(in, e, i, why);
			continue;
		}
		if (add_item(in, r, packed, plen, sender, now_us) < 0) {
			/* Not acked: the agent sends it again. */
			ingest_count_reject(&in->c, "no_memory");
			for (size_t k = i; k < granted; k++)
				env_drop_record(e, k);
			break;
		}
	}
	e->n = in->nitems - e->first;
	if (e->n == 0) {
		/* Nothing to store: say what was refused now and free the
		 * datagram, rather than hold it until the next flush. */
		send_ack(in, e);
		env_release(e);
		return;
	}
	in->nenvs++;
	/* The datagram's decoded form and expanded records, at their
	 * bound: a batch holds at most batch_bytes, then it is stored. */
	in->batch_bytes += 2 * datagram_budget(len);
	if (in->batch_bytes >= in->cfg.batch_bytes)
		ingest_flush(in);
}

int ingest_add_local(struct ingest *in, Oopsd__CrashRecord *rec,
		     const char *sender, int64_t now_us)
{
	return ingest_add_local_packed(in, rec, NULL, 0, sender, now_us);
}

int ingest_add_local_packed(struct ingest *in, Oopsd__CrashRecord *rec,
			    const uint8_t *bytes, size_t len,
			    const char *sender, int64_t now_us)
{
	const char *why = record_sanity(rec);
	uint8_t *packed;
	size_t plen;

	in->c.local_records++;
	if (why != NULL) {
		in->c.rejected_records++;
		ingest_count_reject(&in->c, why);
		record_free(rec);
		return -EINVAL;
	}
	if (in->nlocal >= INGEST_MAX_LOCAL_BACKLOG) {
		log_warnx("netconsole backlog full (store failing?): "
			  "report from %s dropped", sender);
		ingest_count_reject(&in->c, "local_backlog_full");
		record_free(rec);
		return -ENOBUFS;
	}
	if (bytes != NULL) {
		plen = len;
		packed = malloc(len ? len : 1);
		if (packed != NULL)
			memcpy(packed, bytes, len);
	} else {
		packed = pack_received(rec, &plen);
	}
	if (packed == NULL || add_item(in, rec, packed, plen, sender,
				       now_us) < 0) {
		record_free(rec);
		return -ENOMEM;
	}
	in->items[in->nitems - 1].local = rec;
	in->nlocal++;
	return 0;
}

bool ingest_charge_local(struct ingest *in, const struct ingest_peer *peer,
			 uint64_t now_ms)
{
	uint8_t key[RATELIMIT_KEY_MAX];
	size_t keylen, prefix;

	keylen = peer_key(peer, key, &prefix);
	if (ratelimit_take_prefix(in->rl, key, keylen, prefix, 1, now_ms) ==
	    1)
		return true;
	in->c.rate_limited++;
	ingest_count_reject(&in->c, "netconsole_rate");
	return false;
}

size_t ingest_pending(const struct ingest *in)
{
	return in->nitems;
}

size_t ingest_pending_bytes(const struct ingest *in)
{
	return in->batch_bytes;
}

static void send_ack(struct ingest *in, struct ing_env *e)
{
	size_t nids = 0;
	int len, rc;

	if (e->peer.kind == INGEST_PEER_LOCAL || in->cfg.reply == NULL)
		return;
	if (array_grow((void **)&in->ids, &in->ids_cap, e->n + 1,
		 sizeof(*in->ids)) < 0) {
		in->c.ack_errors++;
		return;
	}
	for (size_t i = 0; i < e->n; i++) {
		const struct store_put *p = &in->items[e->first + i].put;

		if (p->result == STORE_PUT_STORED ||
		    p->result == STORE_PUT_DUPLICATE)
			in->ids[nids++] = (struct wire_iov){ p->rec->id.data,
							     p->rec->id.len };
	}
	if (nids == 0 && e->nrejected == 0)
		return; /* everything held back: nothing to say yet */
	/* The envelope's nonce, echoed: the proof, for an agent, that this
	 * ack answers what it sent. */
	len = wire_pack_ack_nonce(e->msg.seq, e->msg.nonce, in->ids, nids,
				  e->rejected, e->nrejected, NULL,
				  /* signed with the key the agent has */
				  e->msg.authenticated ? &e->msg.peer_key
						       : in->cfg.key,
				  in->ackbuf, in->ackbuf_cap);
	if (len < 0) {
		in->c.ack_errors++;
		return;
	}
	rc = in->cfg.reply(in->cfg.reply_arg, &e->peer, in->ackbuf,
			   (size_t)len);
	if (rc < 0)
		in->c.ack_errors++;
	else
		in->c.acks_sent++;
}

/*
 * The words of the store's failure for the one line this layer logs (the
 * store itself logs nothing: store_errmsg()).
 */
static const char *ingest_store_why(struct ingest *in, int rc)
{
	const char *m = store_errmsg(in->st);

	return m[0] != '\0' ? m : strerror(-rc);
}

/*
 * The batch failed as a whole.  Unless the store is unusable for every
 * record (full, read-only, unreachable, out of memory), try each record
 * alone, so that one record the store always refuses does not hold back
 * every record that shares its batch, on every retransmission, forever.
 * What is stored is acknowledged; what fails alone is marked
 * STORE_PUT_FAILED, not acknowledged (its agent sends it again) and
 * counted.  Returns the records newly stored, or the batch's error when
 * none could be.
 */
static int ingest_store_each(struct ingest *in, struct store_put *puts,
			     size_t n, int rc)
{
	int stored = 0, r;
	size_t ok = 0;

	if (n < 2 || rc == -ENOSPC || rc == -EROFS || rc == -ENOMEM ||
	    rc == -ENOTCONN || rc == -EUCLEAN)
		return rc;
	for (size_t i = 0; i < n; i++) {
		r = store_put_batch(in->st, &puts[i], 1);
		if (r < 0) {
			puts[i].result = STORE_PUT_FAILED;
			if (in->c.store_refused++ % 100 == 0)
				log_warnx("store: record from %s refused alone "
					  "(%s; %" PRIu64 " so far): not "
					  "acknowledged",
					  puts[i].sender ? puts[i].sender : "?",
					  ingest_store_why(in, r),
					  in->c.store_refused);
			continue;
		}
		ok++;
		stored += r;
	}
	return ok > 0 ? stored : rc;
}

int ingest_flush(struct ingest *in)
{
	struct store_put *puts;
	size_t kept = 0;
	int rc;

	if (in->nitems == 0 && in->nenvs == 0)
		return 0;
	rc = 0;
	if (in->nitems > 0) {
		puts = malloc(in->nitems * sizeof(*puts));
		if (puts == NULL) {
			rc = -ENOMEM;
		} else {
			for (size_t i = 0; i < in->nitems; i++) {
				puts[i] = in->items[i].put;
				puts[i].sender = in->items[i].sender;
			}
			rc = store_put_batch(in->st, puts, in->nitems);
			if (rc < 0)
				rc = ingest_store_each(in, puts, in->nitems, rc);
			for (size_t i = 0; i < in->nitems; i++)
				in->items[i].put.result = puts[i].result;
			free(puts);
		}
		in->c.batches++;
	}
	if (rc < 0) {
		/* A full disk fails every batch: say so on the first failure
		 * and then once every 100, not thousands of times. */
		if (in->c.store_errors++ % 100 == 0)
			log_warnx("store: batch of %zu record(s) not stored "
				  "(%s; %" PRIu64 " failed batches so far); "
				  "agents will retransmit",
				  in->nitems, ingest_store_why(in, rc),
				  in->c.store_errors);
	} else {
		for (size_t i = 0; i < in->nitems; i++) {
			enum store_put_result r = in->items[i].put.result;

			if (r == STORE_PUT_STORED)
				in->c.stored++;
			else if (r == STORE_PUT_DUPLICATE)
				in->c.duplicates++;
		}
		/* Durable: now, and only now, acknowledge. */
		for (size_t i = 0; i < in->nenvs; i++)
			send_ack(in, &in->envs[i]);
	}
	for (size_t i = 0; i < in->nenvs; i++)
		env_release(&in->envs[i]);
	in->nenvs = 0;
	/* Network records are dropped after a failure (their agents keep
	 * them until acked); local ones have no other copy and are kept. */
	for (size_t i = 0; i < in->nitems; i++) {
		struct ing_item *it = &in->items[i];

		if ((rc < 0 || it->put.result == STORE_PUT_FAILED) &&
		    it->local != NULL) {
			it->put.rec = it->local;
			in->items[kept++] = *it;
		} else {
			item_release(it);
		}
	}
	in->nitems = kept;
	/* What is kept is exactly the local records. */
	in->nlocal = kept;
	in->batch_bytes = 0;
	for (size_t i = 0; i < kept; i++)
		in->batch_bytes += in->items[i].put.packed_len;
	return rc;
}

void ingest_tick(struct ingest *in, uint64_t now_ms)
{
	ratelimit_sweep(in->rl, now_ms);
}

const struct ingest_counters *ingest_counters(const struct ingest *in)
{
	return &in->c;
}

size_t ingest_senders(const struct ingest *in)
{
	return ratelimit_senders(in->rl);
}

uint64_t ingest_senders_evicted(const struct ingest *in)
{
	return ratelimit_evicted(in->rl);
}
