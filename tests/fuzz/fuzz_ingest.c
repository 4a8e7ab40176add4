// SPDX-License-Identifier: MIT
/*
 * fuzz_ingest.c - libFuzzer harness for the collector's ingest as a whole
 * (collector/ingest.c): one datagram in, records to a store and acks out.
 *
 * The store is an in-memory one written here (the ops of store.h): it
 * dedupes by id and counts the bytes a real store would keep for each
 * record (its packed bytes and the columns read from it).  Every
 * allocation made while the datagram is taken in is tracked through the
 * sanitizer's malloc hooks, so the harness checks a budget, not just the
 * absence of crashes:
 *
 *   peak memory while taking the datagram in  <= MEM_PER_BYTE * size + MEM_FLOOR
 *   bytes stored for it                       <= STORE_PER_BYTE * size + STORE_FLOOR
 *
 * (issue 17: a 2,998-byte datagram once became a 2.16 MB row; 8 KB ones
 * held 555 KB each until the flush).  Each ack must decode and name no
 * more records than the datagram held.  abort() when a property fails.
 * The same datagram is then taken in again, as an agent retransmits: it
 * must be acknowledged as a duplicate, never stored twice.
 *
 * An input that starts with 'K' is an envelope body the harness signs with
 * the shared key of a collector holding a master key, so the fuzzer also
 * reaches what only an authenticated datagram does (the replay window,
 * acks signed with the peer's key).
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sanitizer/allocator_interface.h>

#include "../../collector/ingest.h"
#include "base/log.h"
#include "record/record.h"
#include "store/store.h"
#include "wire/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MEM_PER_BYTE 80
#define MEM_FLOOR (1u << 20)
#define STORE_PER_BYTE 40
#define STORE_FLOOR (256u << 10)
#define MAX_IDS 512

/* ------------------------------------------------- the memory budget -- */

static int tracking;
static size_t cur, peak;

static void on_malloc(const volatile void *p, size_t n)
{
	if (!tracking)
		return;
	cur += n;
	if (cur > peak)
		peak = cur;
}

static void on_free(const volatile void *p)
{
	size_t n;

	if (!tracking || p == NULL)
		return;
	n = __sanitizer_get_allocated_size((const void *)p);
	cur = n > cur ? 0 : cur - n;
}

/* ------------------------------------------------ an in-memory store -- */

struct mem_store {
	struct store base;
	uint8_t ids[MAX_IDS][STORE_MAX_ID_BYTES];
	size_t idlen[MAX_IDS], nids;
	size_t bytes; /* what a real store would keep */
	size_t stored;
};

static size_t slen(const char *s)
{
	return s ? strlen(s) : 0;
}

static int mem_put_batch(struct store *st, struct store_put *items, size_t n)
{
	struct mem_store *m = (struct mem_store *)st;
	int stored = 0;

	for (size_t i = 0; i < n; i++) {
		const Oopsd__CrashRecord *r = items[i].rec;
		bool dup = false;

		if (!r->has_id || r->id.len == 0 ||
		    r->id.len > STORE_MAX_ID_BYTES || r->crash == NULL ||
		    !r->crash->has_title_signature) {
			items[i].result = STORE_PUT_INVALID;
			continue;
		}
		for (size_t k = 0; k < m->nids && !dup; k++)
			dup = m->idlen[k] == r->id.len &&
			      memcmp(m->ids[k], r->id.data, r->id.len) == 0;
		if (dup) {
			items[i].result = STORE_PUT_DUPLICATE;
			continue;
		}
		if (m->nids == MAX_IDS)
			abort(); /* more records than a datagram can hold */
		memcpy(m->ids[m->nids], r->id.data, r->id.len);
		m->idlen[m->nids++] = r->id.len;
		/* The columns the SQLite store fills from a record. */
		m->bytes += items[i].packed_len + r->id.len + 64 +
			    slen(r->crash->title) + slen(items[i].sender) +
			    (r->host ? slen(r->host->hostname) +
					       slen(r->host->machine_id)
				     : 0) +
			    (r->kernel ? slen(r->kernel->release) : 0);
		items[i].result = STORE_PUT_STORED;
		stored++;
	}
	m->stored += (size_t)stored;
	return stored;
}

static void mem_close(struct store *st)
{
}

static const struct store_ops mem_ops = {
	.scheme = "fuzzmem",
	.close = mem_close,
	.put_batch = mem_put_batch,
};

/* ------------------------------------------------- signed datagrams -- */

static size_t put_varint(uint8_t *p, uint64_t v)
{
	size_t n = 0;

	do {
		p[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
	return n;
}

/* A Datagram around body, tagged with key; its length, 0 when it does not
 * fit or cannot be signed. */
static size_t sign_body(const struct wire_key *key, const uint8_t *body,
			size_t len, uint8_t *out, size_t cap)
{
	uint8_t tag[WIRE_TAG_LEN];
	size_t n = 0;

	if (len + 64 + WIRE_TAG_LEN > cap ||
	    wire_tag(key, WIRE_BODY_ENVELOPE, body, len, tag) != 0)
		return 0;
	out[n++] = 1 << 3; /* version */
	out[n++] = 1;
	out[n++] = 3 << 3; /* body_type */
	out[n++] = WIRE_BODY_ENVELOPE;
	out[n++] = 5 << 3; /* key_id */
	n += put_varint(out + n, key->id);
	out[n++] = 4 << 3 | 2; /* auth_tag */
	out[n++] = WIRE_TAG_LEN;
	memcpy(out + n, tag, WIRE_TAG_LEN);
	n += WIRE_TAG_LEN;
	out[n++] = 2 << 3 | 2; /* body */
	n += put_varint(out + n, len);
	memcpy(out + n, body, len);
	return n + len;
}

/* ------------------------------------------------------------ acks -- */

struct acks {
	size_t n, ids, rejected;
};

static int on_ack(void *arg, const struct ingest_peer *peer,
		  const uint8_t *buf, size_t len)
{
	struct acks *a = arg;
	struct wire_msg m;
	const char *reason;

	if (wire_unpack(buf, len, NULL, NULL, &m, &reason) != 0 ||
	    m.type != WIRE_BODY_ACK)
		abort();
	a->n++;
	a->ids += m.ack->n_ids;
	a->rejected += m.ack->n_rejected_ids;
	wire_msg_release(&m);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mem_store st = { .base.ops = &mem_ops };
	struct ingest_peer peer = { .kind = INGEST_PEER_UDP, .fd = -1 };
	struct sockaddr_in *a = (struct sockaddr_in *)&peer.ss;
	struct acks acks = { 0 };
	struct ingest_config cfg = {
		.max_datagram = WIRE_UDP_MAX,
		.rate_limit = 100000,
		.rate_burst = 100000,
		.max_senders = 16,
		.batch_max = 256,
		.reply = on_ack,
		.reply_arg = &acks,
	};
	static uint8_t signed_dg[WIRE_UDP_MAX];
	static struct wire_key master;
	static int hooked;
	const struct ingest_counters *c;
	struct ingest *in;
	size_t stored_first, bytes_first;

	if (!hooked) {
		/* Hostile input is expected to be refused: no line each. */
		log_set_level(LOG_LEVEL_ERR);
		__sanitizer_install_malloc_and_free_hooks(on_malloc, on_free);
		if (wire_key_set(&master, "fuzz-master-key-0123456789", 26) ==
		    0)
			master.master = true;
		hooked = 1;
	}
	if (size > 0 && data[0] == 'K') {
		if (master.len == 0)
			return 0; /* built without HMAC */
		size = sign_body(&master, data + 1, size - 1, signed_dg,
				 sizeof(signed_dg));
		if (size == 0)
			return 0;
		data = signed_dg;
		cfg.key = &master;
	}
	memset(&st, 0, sizeof(st));
	st.base.ops = &mem_ops;
	a->sin_family = AF_INET;
	a->sin_port = htons(4000);
	a->sin_addr.s_addr = htonl(0x7f000001);
	peer.sslen = sizeof(*a);
	in = ingest_new(&st.base, &cfg);
	if (in == NULL)
		abort();
	c = ingest_counters(in);

	/* Taking the datagram in, up to and including its acks. */
	cur = peak = 0;
	tracking = 1;
	ingest_datagram(in, &peer, data, size, false, 1, 1767225600000000LL);
	ingest_flush(in);
	tracking = 0;
	if (peak > MEM_PER_BYTE * size + MEM_FLOOR) {
		fprintf(stderr, "fuzz_ingest: %zu bytes in cost %zu bytes of "
				"memory\n", size, peak);
		abort();
	}
	if (st.bytes > STORE_PER_BYTE * size + STORE_FLOOR) {
		fprintf(stderr, "fuzz_ingest: %zu bytes in stored %zu\n", size,
			st.bytes);
		abort();
	}
	if (acks.ids + acks.rejected > c->records || st.stored > c->records)
		abort();
	stored_first = st.stored;
	bytes_first = st.bytes;

	/* Sent again (the ack was lost): acknowledged, not stored again. */
	ingest_datagram(in, &peer, data, size, false, 2, 1767225600000001LL);
	ingest_flush(in);
	if (st.stored != stored_first || st.bytes != bytes_first)
		abort();
	ingest_free(in);
	return 0;
}
