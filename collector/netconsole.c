// SPDX-License-Identifier: MIT
/*
 * netconsole.c - raw netconsole ingest: machines with no agent stream
 * their console to the collector, the netconsole receiver (lib/ncon_rx.h)
 * turns each sender's stream into crash reports, and each report becomes
 * a record (origin netconsole, the sender) queued for the store like the
 * agents' records.
 *
 * Such a record has no host identity but its sender, so its host is the
 * sender's address; its crash time is when it arrived (the console is
 * live).  Its id is derived from the sender and the report text
 * (record_make_id), so a report that arrives twice is stored once.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "collector.h"
#include "base/log.h"
#include "netconsole/ncon_rx.h"
#include "record/record.h"
#include "base/util.h"

struct collector_ncon {
	struct collector *co;
	struct ncon_rx *rx;
	uint8_t *buf;
	size_t cap;
	uint64_t reports, pack_errors;
};

/*
 * The sender as ingest's peer, straight from the receiver's key (an IPv4
 * sender is v4-mapped there; ingest keys it as IPv4), never from the
 * printed name: nothing is formatted and parsed back per report.
 */
static void ncon_peer(const struct ncon_key *k, struct ingest_peer *p)
{
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&p->ss;

	memset(p, 0, sizeof(*p));
	p->kind = INGEST_PEER_UDP;
	p->fd = -1;
	s6->sin6_family = AF_INET6;
	memcpy(&s6->sin6_addr, k->addr, sizeof(k->addr));
	s6->sin6_port = htons(k->port);
	p->sslen = sizeof(*s6);
}

/* Records from netconsole are packed within this size, like an agent's. */
#define NCON_RECORD_MAX (60u << 10)

static void on_report(void *arg, const struct ncon_rx_from *from,
		      struct oops_report *r, uint64_t lost)
{
	struct collector_ncon *nc = arg;
	struct record_origin o = RECORD_ORIGIN_INIT;
	struct ingest_peer peer;
	Oopsd__CrashRecord *rec = NULL;
	const char *reason = NULL;
	int64_t now = now_realtime_us();
	int len;

	/* Charged like an agent's records, before any work is spent on it:
	 * one sender's 20,000 reports a second are not 20,000 records. */
	ncon_peer(from->key, &peer);
	if (!ingest_charge_local(nc->co->in, &peer, evloop_now_ms())) {
		oops_report_free(r);
		return;
	}
	ncon_rx_record_origin(from, lost, &o);
	o.crash_time_us = now;
	o.collected_time_us = now;
	nc->reports++;
	len = record_pack_fit(r, &o, nc->buf, nc->cap);
	if (len < 0 ||
	    record_unpack(nc->buf, (size_t)len, NULL, &rec, &reason) < 0) {
		nc->pack_errors++;
		log_warnx("netconsole report from %s (%s) not recorded: %s",
			  from->sender, r->title ? r->title : "?",
			  len < 0 ? strerror(-len) : reason);
		oops_report_free(r);
		return;
	}
	log_info("netconsole: %s from %s", r->title ? r->title : "(untitled)",
		 from->sender);
	oops_report_free(r);
	/* Stored as packed (compact), not packed again from the expanded
	 * record. */
	ingest_add_local_packed(nc->co->in, rec, nc->buf, (size_t)len,
				from->sender, now);
	if (ingest_pending(nc->co->in) >= (size_t)nc->co->cfg->batch_max)
		ingest_flush(nc->co->in);
}

static size_t ncon_status(struct collector *co, char *buf, size_t len)
{
	struct collector_ncon *nc = co->ncon;
	struct ncon_rx_counters c;
	int n;

	if (nc == NULL)
		return 0;
	ncon_rx_get_counters(nc->rx, &c);
	n = snprintf(buf, len,
		     "netconsole_datagrams %" PRIu64 "\n"
		     "netconsole_bytes %" PRIu64 "\n"
		     "netconsole_malformed %" PRIu64 "\n"
		     "netconsole_truncated %" PRIu64 "\n"
		     "netconsole_kernel_drops %" PRIu64 "\n"
		     "netconsole_rcvbuf %" PRIu64 "\n"
		     "netconsole_headers_lost %" PRIu64 "\n"
		     "netconsole_lost_messages %" PRIu64 "\n"
		     "netconsole_senders %" PRIu64 "\n"
		     "netconsole_parsed_reports %" PRIu64 "\n"
		     "netconsole_record_errors %" PRIu64 "\n",
		     c.datagrams, c.bytes, c.malformed, c.truncated,
		     c.kernel_drops, c.rcvbuf, c.headers_lost, c.lost,
		     c.ncon.senders, nc->reports,
		     nc->pack_errors);
	return n > 0 && (size_t)n < len ? (size_t)n : 0;
}

int collector_netconsole_open(struct collector *co)
{
	struct ncon_rx_config cfg = { 0 };
	struct collector_ncon *nc = calloc(1, sizeof(*nc));
	int err = -ENOMEM;

	if (nc == NULL)
		return -ENOMEM;
	nc->co = co;
	nc->cap = NCON_RECORD_MAX;
	nc->buf = malloc(nc->cap);
	if (nc->buf == NULL)
		goto fail;
	cfg.listen = co->cfg->netconsole_listen;
	cfg.rcvbuf = 8 << 20;
	nc->rx = ncon_rx_new(co->loop, &cfg, on_report, NULL, nc, &err);
	if (nc->rx == NULL) {
		log_warnx("netconsole_listen %s: %s", cfg.listen,
			  strerror(-err));
		goto fail;
	}
	co->ncon = nc;
	co->ncon_status = ncon_status;
	log_info("netconsole on %s", cfg.listen);
	return 0;
fail:
	free(nc->buf);
	free(nc);
	return err;
}

void collector_netconsole_flush(struct collector *co)
{
	if (co->ncon != NULL)
		ncon_rx_flush(co->ncon->rx, evloop_now_ms());
}

void collector_netconsole_close(struct collector *co)
{
	struct collector_ncon *nc = co->ncon;

	if (nc == NULL)
		return;
	/* Open reports are completed and queued; the caller flushes. */
	ncon_rx_free(nc->rx);
	co->ncon = NULL;
	co->ncon_status = NULL;
	free(nc->buf);
	free(nc);
}
