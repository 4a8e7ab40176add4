// SPDX-License-Identifier: MIT
/*
 * ackrecv - a minimal receiver for agent benchmarks and tests: it decodes
 * every envelope (lib/wire.h), acknowledges all its records at once, and
 * counts distinct record ids.  It stores nothing, so it measures the
 * agent, not a database.
 *
 *   ackrecv ADDR [--key FILE] [--ack-key FILE] [--ids FILE] [--out FILE]
 *           [--drop N]
 *
 * ADDR is udp://HOST:PORT or netlink:PORTID.  --drop ignores the first N
 * datagrams (loss).  --key checks tags and signs acks; --ack-key signs
 * acks with another key (a receiver that is not the agent's collector).
 * --out appends each new record, length-delimited (`oopsctl decode`).  --ids appends each newly seen record id (hex) to FILE.
 * On SIGTERM/SIGINT it prints "datagrams N records N distinct N bad N".
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/evloop.h"
#include "record/record.h"
#include "wire/transport.h"
#include "base/util.h"
#include "wire/wire.h"

#define SEEN_MAX (1u << 20)

struct rx {
	int fd;
	struct transport_nl *nl;
	struct wire_key key, ack_key;
	unsigned long drop;
	FILE *ids, *out;
	uint8_t (*seen)[RECORD_ID_LEN]; /* open addressing on the id */
	unsigned long datagrams, records, distinct, bad;
};

static bool seen_add(struct rx *r, const uint8_t *id)
{
	uint64_t h = 0;

	memcpy(&h, id, sizeof(h));
	for (uint64_t i = 0; i < SEEN_MAX; i++) {
		uint8_t *slot = r->seen[(h + i) % SEEN_MAX];
		static const uint8_t zero[RECORD_ID_LEN];

		if (memcmp(slot, id, RECORD_ID_LEN) == 0)
			return false;
		if (memcmp(slot, zero, RECORD_ID_LEN) == 0) {
			memcpy(slot, id, RECORD_ID_LEN);
			return true;
		}
	}
	return false;
}

/* varint length + the record, as `oopsctl encode` writes them. */
static void write_record(FILE *f, const Oopsd__CrashRecord *rec)
{
	size_t n = oopsd__crash_record__get_packed_size(rec);
	uint8_t *buf = malloc(n + 10);
	size_t k = 0, v = n;

	if (buf == NULL)
		return;
	do {
		buf[k++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
	oopsd__crash_record__pack(rec, buf + k);
	fwrite(buf, 1, k + n, f);
	fflush(f);
	free(buf);
}

static void handle(struct rx *r, const uint8_t *buf, size_t len,
		   const struct sockaddr_storage *from, socklen_t fl,
		   uint32_t src)
{
	static struct wire_iov ids[1024];
	static uint8_t out[65536];
	struct wire_msg m;
	const char *reason;
	size_t n = 0;
	int olen, rc;

	r->datagrams++;
	rc = wire_unpack(buf, len, &r->key, NULL, &m, &reason);
	/* An agent's heartbeats need no ack: neither bad nor dropped. */
	if (rc == 0 && m.type == WIRE_BODY_HEARTBEAT) {
		wire_msg_release(&m);
		return;
	}
	if (r->drop > 0) {
		r->drop--;
		if (rc == 0)
			wire_msg_release(&m);
		return;
	}
	if (rc < 0) {
		r->bad++;
		return;
	}
	if (m.type != WIRE_BODY_ENVELOPE) {
		wire_msg_release(&m);
		r->bad++;
		return;
	}
	for (size_t i = 0; i < m.env->n_records && n < 1024; i++) {
		ProtobufCBinaryData *id = &m.env->records[i]->id;

		r->records++;
		if (id->len != RECORD_ID_LEN)
			continue;
		if (seen_add(r, id->data)) {
			r->distinct++;
			if (r->ids) {
				char hex[2 * RECORD_ID_LEN + 1];

				hex_encode(id->data, RECORD_ID_LEN, hex);
				fprintf(r->ids, "%s\n", hex);
				fflush(r->ids);
			}
			if (r->out)
				write_record(r->out, m.env->records[i]);
		}
		ids[n].data = id->data;
		ids[n++].len = id->len;
	}
	/* Echo the nonce, as a collector does: agents refuse acks without. */
	olen = wire_pack_ack_nonce(m.seq, m.nonce, ids, n, NULL, 0, NULL,
				   r->ack_key.len ? &r->ack_key : &r->key, out,
				   sizeof(out));
	if (olen > 0) {
		if (r->nl)
			transport_nl_send(r->nl, src, out, (size_t)olen);
		else
			sendto(r->fd, out, (size_t)olen, 0,
			       (const struct sockaddr *)from, fl);
	}
	wire_msg_release(&m);
}

static void on_read(struct evloop *loop, int fd, unsigned ev, void *arg)
{
	struct rx *r = arg;
	static uint8_t buf[65536];

	for (int k = 0; k < 256; k++) {
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		uint32_t src = 0;
		ssize_t n;

		if (r->nl)
			n = transport_nl_recv(r->nl, buf, sizeof(buf), &src);
		else
			n = recvfrom(fd, buf, sizeof(buf), 0,
				     (struct sockaddr *)&from, &fl);
		if (n == -EBADMSG) {
			r->bad++;
			continue;
		}
		if (n < 0)
			return;
		handle(r, buf, (size_t)n, &from, fl, src);
	}
}

static void on_stop(struct evloop *loop, int signo, void *arg)
{
	evloop_stop(loop);
}

int main(int argc, char **argv)
{
	struct rx r = { .fd = -1 };
	struct transport_addr addr;
	struct evloop *loop;
	char err[TRANSPORT_ERR_MAX];
	int rc, fd;

	if (argc < 2) {
		fprintf(stderr, "usage: ackrecv ADDR [--key FILE] [--ids FILE] "
				"[--drop N]\n");
		return 2;
	}
	for (int i = 2; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--key") == 0) {
			rc = wire_key_load(argv[i + 1], &r.key);
			if (rc < 0) {
				fprintf(stderr, "ackrecv: key: %s\n",
					strerror(-rc));
				return 2;
			}
		} else if (strcmp(argv[i], "--ack-key") == 0) {
			rc = wire_key_load(argv[i + 1], &r.ack_key);
			if (rc < 0) {
				fprintf(stderr, "ackrecv: ack key: %s\n",
					strerror(-rc));
				return 2;
			}
		} else if (strcmp(argv[i], "--ids") == 0) {
			r.ids = fopen(argv[i + 1], "a");
		} else if (strcmp(argv[i], "--out") == 0) {
			r.out = fopen(argv[i + 1], "ab");
		} else if (strcmp(argv[i], "--drop") == 0) {
			r.drop = strtoul(argv[i + 1], NULL, 10);
		}
	}
	r.seen = calloc(SEEN_MAX, RECORD_ID_LEN);
	if (r.seen == NULL ||
	    transport_parse(argv[1], &addr, err, sizeof(err)) < 0) {
		fprintf(stderr, "ackrecv: %s\n", err);
		return 2;
	}
	if (addr.kind == TRANSPORT_NETLINK) {
		r.nl = transport_nl_open(addr.portid, 65536, &rc);
		if (r.nl == NULL) {
			fprintf(stderr, "ackrecv: netlink: %s\n", strerror(-rc));
			return 2;
		}
		fd = transport_nl_fd(r.nl);
	} else {
		fd = r.fd = transport_udp_bind(&addr, 8 << 20);
		if (fd < 0) {
			fprintf(stderr, "ackrecv: bind: %s\n", strerror(-fd));
			return 2;
		}
	}
	loop = evloop_new();
	evloop_add_fd(loop, fd, EV_READ, on_read, &r);
	evloop_on_signal(loop, SIGTERM, on_stop, NULL);
	evloop_on_signal(loop, SIGINT, on_stop, NULL);
	printf("ready\n");
	fflush(stdout);
	evloop_run(loop);
	printf("datagrams %lu records %lu distinct %lu bad %lu\n", r.datagrams,
	       r.records, r.distinct, r.bad);
	evloop_free(loop);
	transport_nl_free(r.nl);
	if (r.fd >= 0)
		close(r.fd);
	if (r.ids)
		fclose(r.ids);
	if (r.out)
		fclose(r.out);
	free(r.seen);
	return 0;
}
