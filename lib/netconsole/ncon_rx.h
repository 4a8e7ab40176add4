/* SPDX-License-Identifier: MIT */
/*
 * ncon_rx.h - the netconsole receiver: a UDP socket (IPv4 and IPv6,
 * recvmmsg batches) feeding the decoder (ncon.h), whose lines go through
 * one crash parser (oops.h) per sender; complete reports come out through
 * a callback together with the sender and the messages lost around them.
 * Used by oops-collector, oops-agent (a rack's relay) and `oopsctl
 * netconsole`.
 *
 * It runs inside a lib/evloop.h loop: one fd callback and one timer armed
 * at the decoder's next deadline, so held lines, gaps and open reports are
 * released on time even when a sender goes quiet.
 *
 * Memory: the decoder's bounds (ncon_config) plus one parser per sender
 * with recent traffic or an open report; a sender quiet for parser_idle_ms
 * with no open report gives its parser back, one quiet for
 * ncon.sender_idle_ms is forgotten, and once many were freed and the
 * socket is quiet the heap is trimmed (malloc_trim) so that RSS falls
 * back after a burst from many hosts.
 */
#ifndef OOPSD_NCON_RX_H
#define OOPSD_NCON_RX_H

#include <stdbool.h>
#include <stdint.h>

#include "netconsole/ncon.h"
#include "parse/oops.h"

struct evloop;

#define NCON_RX_DEFAULT_RCVBUF (4 << 20)
/* Kernel drops are logged at most this often. */
#define NCON_RX_DROP_LOG_MS 10000

struct ncon_rx_config {
	/*
	 * "ADDR:PORT", "[V6ADDR]:PORT" or ":PORT" / "PORT" (dual-stack on
	 * every address).  NULL: ":CONFIG_DEFAULT_NETCONSOLE_PORT".
	 */
	const char *listen;
	/*
	 * SO_RCVBUF bytes asked (SO_RCVBUFFORCE first, which passes
	 * net.core.rmem_max when privileged); 0: NCON_RX_DEFAULT_RCVBUF,
	 * < 0 keeps the kernel's default (rmem_default, often 208 KiB,
	 * which a burst of a few hundred hosts overflows).  What the
	 * kernel granted is logged at start and kept in the counters.
	 */
	int rcvbuf;
	unsigned batch;		 /* datagrams per recvmmsg; default 64 */
	bool no_parse;		 /* lines only (line_fn), no crash parser */
	uint64_t parser_idle_ms; /* default 30 s */
	/*
	 * Live parsers; default CONFIG_MAX_SENDERS.  An idle parser is a
	 * few hundred bytes, one with an open report up to max_report_bytes;
	 * past the limit one without an open report is freed, else the
	 * least recent one is completed early (parser_evictions).
	 */
	size_t max_parsers;
	/*
	 * Reports open at once (each up to max_report_bytes); default 1024.
	 * Past it the least recently fed one is completed early
	 * (report_evictions): memory stays bounded, nothing is dropped.
	 */
	size_t max_open_reports;
	struct ncon_config ncon;
	struct oops_parser_config parser; /* 0 fields: parser defaults */
};

struct ncon_rx_counters {
	uint64_t datagrams, bytes;
	uint64_t malformed;	/* refused by the decoder */
	uint64_t truncated;	/* larger than the receive buffer */
	uint64_t kernel_drops;	/* dropped by the socket (SO_MEMINFO, or SO_RXQ_OVFL) */
	uint64_t rcvbuf;	/* SO_RCVBUF as read back (the kernel doubles it) */
	uint64_t recv_errors;
	uint64_t reports;
	uint64_t lost;		/* messages lost (decoder) */
	uint64_t parsers;	/* live now */
	uint64_t parser_evictions; /* parsers finished early (max_parsers) */
	uint64_t open_reports;	   /* now */
	uint64_t report_evictions; /* completed early (max_open_reports) */
	uint64_t headers_lost;	   /* report bodies whose header was lost */
	uint64_t trims;		   /* heap given back after a burst */
	struct ncon_stats ncon;
};

/* One sender as the report callback sees it. */
struct ncon_rx_from {
	const struct ncon_key *key;
	const char *sender; /* "192.0.2.1:6665" / "[2001:db8::1]:6665" */
	/*
	 * Legacy netconsole (no sequence numbers): a lost message cannot be
	 * seen, so lost_messages == 0 does not mean the report is whole.
	 */
	bool loss_unknown;
	/*
	 * The report began within a few lines of the first one heard from
	 * this sender (new to the receiver): its start, header included, may
	 * have come before, so it is not known to be complete.
	 */
	bool start_unseen;
};

/*
 * A complete report; ownership of r passes to the callee (free it with
 * oops_report_free()).  lost_messages counts messages missing from the
 * stream within the report (r->corrupted is set when it is not 0).
 */
typedef void (*ncon_rx_report_fn)(void *arg, const struct ncon_rx_from *from,
				  struct oops_report *r,
				  uint64_t lost_messages);
/* Every line (optional; benchmarks and tools that want the raw stream). */
typedef void (*ncon_rx_line_fn)(void *arg, const struct ncon_rx_from *from,
				const struct ncon_line *l);

struct ncon_rx;

/*
 * Create a receiver; with a loop it opens and binds the socket and
 * watches it; with loop == NULL nothing is opened and input comes only
 * through ncon_rx_input() (tests, replays).  cfg is copied (listen is
 * borrowed until this returns).  Returns NULL with *err = -errno.
 */
struct ncon_rx *ncon_rx_new(struct evloop *loop,
			    const struct ncon_rx_config *cfg,
			    ncon_rx_report_fn report, ncon_rx_line_fn line,
			    void *arg, int *err);
/*
 * Stop watching the socket, complete every open report (delivered
 * through the callback) and free everything.
 */
void ncon_rx_free(struct ncon_rx *rx);

/* The bound socket (or -1), and its local port (for ":0" listeners). */
int ncon_rx_fd(const struct ncon_rx *rx);
int ncon_rx_port(const struct ncon_rx *rx);

/* Feed one datagram as if received from key at now_ms.  0 or -errno. */
int ncon_rx_input(struct ncon_rx *rx, const struct ncon_key *key,
		  const void *data, size_t len, uint64_t now_ms);
/* Run what is due at now_ms (called by the timer; tests call it). */
void ncon_rx_tick(struct ncon_rx *rx, uint64_t now_ms);
/* When ncon_rx_tick() must run next, or UINT64_MAX. */
uint64_t ncon_rx_deadline(const struct ncon_rx *rx);
/* Deliver every held line and complete every open report now. */
void ncon_rx_flush(struct ncon_rx *rx, uint64_t now_ms);

void ncon_rx_get_counters(const struct ncon_rx *rx,
			  struct ncon_rx_counters *c);

struct record_origin;
/*
 * Fill the netconsole part of a record's origin (lib/record.h; start from
 * RECORD_ORIGIN_INIT): source netconsole, the sender (borrowed from
 * `from`, valid during the report callback), lost_messages, complete
 * (false too when start_unseen), loss_unknown (legacy senders, or the
 * start unseen).
 */
void ncon_rx_record_origin(const struct ncon_rx_from *from, uint64_t lost,
			   struct record_origin *o);

/*
 * Parse "ADDR:PORT" / "[V6]:PORT" / ":PORT" / "PORT" into a sockaddr.
 * 0 or -EINVAL.
 */
struct sockaddr_storage;
int ncon_rx_parse_addr(const char *spec, int default_port,
		       struct sockaddr_storage *ss, unsigned *sslen);

#endif /* OOPSD_NCON_RX_H */
