// SPDX-License-Identifier: MIT
/*
 * oopsblast - an agent stand-in that sends synthetic records to a
 * collector over UDP as fast as its acks allow, retransmitting what is not
 * acknowledged, and reports how many were acknowledged.  Used by
 * bench/collector.sh (sustained ingest) and the tests/e2e/collector_*.sh
 * scenarios (retransmission, restarts, floods, bad keys).
 *
 *	oopsblast [options] udp://HOST:PORT
 *	  -n N        records to send (default 10000)
 *	  -k K        records per datagram (default 16)
 *	  -w W        datagrams in flight (default 64)
 *	  -s SEED     record ids are (SEED, index): same seed, same records
 *	  -S SIGS     distinct signatures (default 200)
 *	  -H HOSTS    distinct hosts (default 100)
 *	  -K FILE     authentication key file
 *	  -d          send every datagram twice (duplicates)
 *	  -r MS       retransmit after MS without an ack (default 200)
 *	  -t SECONDS  give up after this long (default 60)
 *	  -f          fire and forget: send everything once, wait for no ack
 *	  -b BIND     source address (e.g. 127.0.0.2) to look like another host
 *
 * Prints one line: records acked, datagrams, retransmissions, seconds,
 * records/s.  Exit status 0 when every record was acknowledged (or -f),
 * 1 otherwise, 2 on usage errors.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "recgen.h"
#include "wire/transport.h"
#include "base/util.h"
#include "wire/wire.h"
#include "benchutil.h"

struct slot {
	uint64_t first, n; /* records [first, first + n) */
	uint64_t seq;
	uint64_t sent_ms;
	unsigned tries;
	bool busy;
};

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct blast {
	int fd;
	uint64_t n, k, w;
	struct recgen_params rp;
	struct wire_key key;
	bool use_key, dup, fire;
	uint64_t rexmit_ms;
	uint8_t *acked; /* per record */
	uint64_t nacked;
	struct slot *slots;
	uint64_t next; /* next record not yet in a slot */
	uint64_t seq;
	uint64_t datagrams, retransmits, acks, bad_acks;
	uint8_t *dbuf;
	size_t dcap;
	uint8_t *recbuf; /* k packed records */
	size_t *reclen;
};

static int send_slot(struct blast *b, struct slot *s)
{
	struct wire_iov sender = { "oopsblast-sender", 16 };
	struct wire_iov iov[256];
	size_t off = 0;
	struct recgen g;
	int len;

	for (uint64_t i = 0; i < s->n; i++) {
		size_t l;

		recgen_make(&g, &b->rp, s->first + i);
		l = oopsd__crash_record__pack(&g.rec, b->recbuf + off);
		iov[i] = (struct wire_iov){ b->recbuf + off, l };
		off += l;
	}
	/* A fresh number for every transmission, as the agent does: the
	 * collector's replay window refuses a number it has seen. */
	s->seq = ++b->seq;
	len = wire_pack_envelope(&sender, s->seq, iov, s->n,
				 b->use_key ? &b->key : NULL, b->dbuf, b->dcap);
	if (len < 0) {
		fprintf(stderr, "oopsblast: pack: %s\n", strerror(-len));
		return len;
	}
	for (int copy = 0; copy < (b->dup ? 2 : 1); copy++) {
		if (send(b->fd, b->dbuf, (size_t)len, 0) < 0 &&
		    errno != ECONNREFUSED && errno != EAGAIN &&
		    errno != ENOBUFS) {
			perror("oopsblast: send");
			return -errno;
		}
		b->datagrams++;
	}
	s->sent_ms = mono_ms();
	s->tries++;
	return 0;
}

/* Fill free slots with new records. */
static int fill(struct blast *b)
{
	for (uint64_t i = 0; i < b->w && b->next < b->n; i++) {
		struct slot *s = &b->slots[i];

		if (s->busy)
			continue;
		s->first = b->next;
		s->n = b->n - b->next < b->k ? b->n - b->next : b->k;
		s->seq = ++b->seq;
		s->tries = 0;
		s->busy = true;
		b->next += s->n;
		if (send_slot(b, s) < 0)
			return -1;
	}
	return 0;
}

static void on_ack(struct blast *b, const uint8_t *buf, size_t len)
{
	struct wire_limits lim = WIRE_LIMITS_INIT;
	struct wire_msg m;
	const char *reason;

	if (wire_unpack(buf, len, b->use_key ? &b->key : NULL, &lim, &m,
			&reason) < 0 ||
	    m.type != WIRE_BODY_ACK) {
		b->bad_acks++;
		return;
	}
	b->acks++;
	for (size_t i = 0; i < m.ack->n_ids + m.ack->n_rejected_ids; i++) {
		ProtobufCBinaryData *id = i < m.ack->n_ids ?
			&m.ack->ids[i] : &m.ack->rejected_ids[i - m.ack->n_ids];
		uint64_t seed, idx;

		if (id->len != 16)
			continue;
		memcpy(&seed, id->data, 8);
		memcpy(&idx, id->data + 8, 8);
		if (seed != b->rp.seed || idx >= b->n || b->acked[idx])
			continue;
		b->acked[idx] = 1;
		b->nacked++;
	}
	wire_msg_release(&m);
	/* Free the slots whose records are all acknowledged. */
	for (uint64_t i = 0; i < b->w; i++) {
		struct slot *s = &b->slots[i];
		bool done = s->busy;

		for (uint64_t r = 0; done && r < s->n; r++)
			done = b->acked[s->first + r];
		if (done)
			s->busy = false;
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: oopsblast [-n N] [-k K] [-w W] [-s SEED] "
			"[-S SIGS] [-H HOSTS] [-K KEYFILE] [-d] [-r MS] "
			"[-t SECONDS] [-f] [-b BINDADDR] udp://HOST:PORT\n");
}

int main(int argc, char **argv)
{
	struct blast b = { .n = 10000, .k = 16, .w = 64, .rexmit_ms = 200 };
	struct transport_addr peer;
	char err[TRANSPORT_ERR_MAX];
	const char *keyfile = NULL, *bindaddr = NULL;
	double t0, t1, limit_s = 60;
	uint8_t rbuf[65536];
	int c;

	b.rp = (struct recgen_params){ .seed = 1, .sigs = 200, .hosts = 100,
				       .now_us = now_realtime_us(),
				       .spread_us = 7ull * 86400 * 1000000 };
	while ((c = getopt(argc, argv, "n:k:w:s:S:H:K:dr:t:fb:")) != -1) {
		switch (c) {
		case 'n': b.n = strtoull(optarg, NULL, 10); break;
		case 'k': b.k = strtoull(optarg, NULL, 10); break;
		case 'w': b.w = strtoull(optarg, NULL, 10); break;
		case 's': b.rp.seed = strtoull(optarg, NULL, 10); break;
		case 'S': b.rp.sigs = strtoull(optarg, NULL, 10); break;
		case 'H': b.rp.hosts = strtoull(optarg, NULL, 10); break;
		case 'K': keyfile = optarg; break;
		case 'd': b.dup = true; break;
		case 'r': b.rexmit_ms = strtoull(optarg, NULL, 10); break;
		case 't': limit_s = strtod(optarg, NULL); break;
		case 'f': b.fire = true; break;
		case 'b': bindaddr = optarg; break;
		default: usage(); return 2;
		}
	}
	if (optind + 1 != argc || b.k == 0 || b.k > 256 || b.w == 0 ||
	    b.rp.sigs == 0 || b.rp.hosts == 0) {
		usage();
		return 2;
	}
	if (transport_parse(argv[optind], &peer, err, sizeof(err)) < 0 ||
	    peer.kind != TRANSPORT_UDP) {
		fprintf(stderr, "oopsblast: %s: %s\n", argv[optind], err);
		return 2;
	}
	if (keyfile != NULL) {
		int rc = wire_key_load(keyfile, &b.key);

		if (rc < 0) {
			fprintf(stderr, "oopsblast: key %s: %s\n", keyfile,
				wire_key_strerror(rc));
			return 2;
		}
		b.use_key = true;
	}
	b.fd = socket(peer.ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (b.fd < 0)
		return 2;
	if (bindaddr != NULL) {
		struct sockaddr_in a = { .sin_family = AF_INET };

		if (inet_pton(AF_INET, bindaddr, &a.sin_addr) != 1 ||
		    bind(b.fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
			perror("oopsblast: bind");
			return 2;
		}
	}
	{
		int sz = 8 << 20;

		setsockopt(b.fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
		setsockopt(b.fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	}
	if (connect(b.fd, (struct sockaddr *)&peer.ss, peer.sslen) < 0) {
		perror("oopsblast: connect");
		return 2;
	}
	b.acked = calloc(b.n ? b.n : 1, 1);
	b.slots = calloc(b.w, sizeof(*b.slots));
	b.dcap = WIRE_UDP_MAX;
	b.dbuf = malloc(b.dcap);
	b.recbuf = malloc(b.k * 2048);
	if (b.acked == NULL || b.slots == NULL || b.dbuf == NULL ||
	    b.recbuf == NULL)
		return 2;

	/* Numbers continue above those of earlier runs (one sender id). */
	b.seq = (uint64_t)now_realtime_us();
	t0 = bench_now_s();
	if (b.fire) {
		while (b.next < b.n) {
			struct slot s = { .first = b.next,
					  .n = b.n - b.next < b.k ?
						       b.n - b.next : b.k,
					  .seq = ++b.seq };

			b.next += s.n;
			if (send_slot(&b, &s) < 0)
				return 1;
		}
	}
	while (!b.fire && b.nacked < b.n) {
		struct pollfd pfd = { .fd = b.fd, .events = POLLIN };
		uint64_t now;

		if (bench_now_s() - t0 > limit_s)
			break;
		if (fill(&b) < 0)
			return 1;
		now = mono_ms();
		/* Retransmit what waited too long. */
		for (uint64_t i = 0; i < b.w; i++) {
			struct slot *s = &b.slots[i];

			if (s->busy && now >= s->sent_ms + b.rexmit_ms) {
				b.retransmits++;
				if (send_slot(&b, s) < 0)
					return 1;
			}
		}
		if (poll(&pfd, 1, (int)(b.rexmit_ms / 4 + 1)) > 0) {
			for (;;) {
				ssize_t n = recv(b.fd, rbuf, sizeof(rbuf),
						 MSG_DONTWAIT);

				if (n <= 0)
					break;
				on_ack(&b, rbuf, (size_t)n);
			}
		}
	}
	t1 = bench_now_s();
	printf("oopsblast: %" PRIu64 "/%" PRIu64 " records acked, %" PRIu64
	       " datagrams, %" PRIu64 " retransmissions, %" PRIu64
	       " acks (%" PRIu64 " bad), %.2f s, %.0f records/s\n",
	       b.nacked, b.n, b.datagrams, b.retransmits, b.acks, b.bad_acks,
	       t1 - t0, (double)b.nacked / (t1 - t0));
	return b.fire || b.nacked == b.n ? 0 : 1;
}
