/* SPDX-License-Identifier: MIT */
/*
 * ncon.h - the netconsole decoder and reassembler: datagrams in, kernel log
 * lines out, one state per sender.
 *
 * Like netconsd's ncrx it does no I/O, reads no clock and keeps no globals:
 * the caller passes each datagram with its sender's address and the current
 * time (milliseconds on any monotonic scale), and lines come out through
 * the callbacks given to ncon_new().  Anything held back (a line that a
 * `c` record may still continue, a message waiting for a lost predecessor,
 * a partly received ncfrag message, a legacy line without its newline) is
 * released by ncon_tick() at or after ncon_next_deadline(), never only
 * when the same sender happens to send again.
 *
 * Formats (see crash-anchors.md §2.6):
 *  - legacy: plain console text, lines split across datagrams without any
 *    marker; a partial line is completed by the next datagram or released
 *    after legacy_ms.  Loss cannot be detected.
 *  - extended: "[release,]prio,seq,usec,flags[,key=value...];text" then
 *    dictionary / userdata lines each starting with a space.  Fragments
 *    carry "ncfrag=off/total" and are reassembled per (sender, seq);
 *    records flagged 'c' (or '+', 4.4-era) continue the previous line of
 *    the same caller and are merged into it; "\xNN" escapes are decoded;
 *    records are put back in order (by the sysdata msgid when present,
 *    else by seq) within a bounded window, and gaps are counted as lost
 *    messages and reported on the next line; a sequence that jumps back
 *    (or forward while the time goes back) is a reboot of the sender.
 *
 * Memory is bounded: at most max_senders senders (the least recently heard
 * is evicted, counted; one quiet for sender_idle_ms is forgotten and the
 * table shrinks), at most max_sender_bytes buffered per sender and
 * max_total_bytes in all.  A sender with nothing pending holds no buffer
 * at all: an idle sender costs sizeof(struct ncon_sender) plus a hash slot
 * (about 200 bytes) plus whatever the caller hangs on it.
 */
#ifndef OOPSD_NCON_H
#define OOPSD_NCON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A sender: IPv4 (as ::ffff:a.b.c.d) or IPv6 address and UDP port. */
struct ncon_key {
	uint8_t addr[16];
	uint16_t port; /* host byte order */
};

/* Fill a key from a struct sockaddr_in / sockaddr_in6; -EAFNOSUPPORT else. */
struct sockaddr;
int ncon_key_from_sockaddr(struct ncon_key *key, const struct sockaddr *sa);
/* "192.0.2.1:6665" or "[2001:db8::1]:6665" into buf (>= 64 bytes best). */
void ncon_key_format(const struct ncon_key *key, char *buf, size_t len);

/* Line flags. */
#define NCON_LINE_LEGACY 0x1u	 /* from a legacy (non-extended) sender */
#define NCON_LINE_REBOOT 0x2u	 /* first line after the sender rebooted */
#define NCON_LINE_TRUNCATED 0x4u /* cut at max_line_bytes */
/*
 * The first line from a sender not tracked before (new, or forgotten after
 * eviction or expiry): what it sent before is unknown, lost or not.
 */
#define NCON_LINE_FIRST 0x8u

/* One kernel log line; valid only during the callback. */
struct ncon_line {
	const char *text;    /* unescaped, no '\n', not NUL-terminated */
	size_t len;
	int64_t usec;	     /* printk time since boot (extended), or -1 */
	uint64_t seq;	     /* printk sequence (extended), else 0 */
	int prio;	     /* facility * 8 + level (extended), or -1 */
	const char *caller;  /* "T123", "C3" ... NUL-terminated, or NULL */
	uint64_t lost;	     /* messages known lost just before this line */
	unsigned flags;	     /* NCON_LINE_* */
};

struct ncon;
struct ncon_sender;

/*
 * Callbacks.  They may call the ncon_sender_*() accessors but must not
 * call ncon_process(), ncon_tick() or ncon_free().
 */
struct ncon_ops {
	/* A complete line from s. */
	void (*line)(void *arg, struct ncon_sender *s,
		     const struct ncon_line *l, uint64_t now_ms);
	/* The deadline set with ncon_sender_set_deadline() passed. */
	void (*timer)(void *arg, struct ncon_sender *s, uint64_t now_ms);
	/*
	 * s is about to be forgotten (evicted, idle and released by the
	 * caller, or ncon_free()); its lines have all been delivered except
	 * when called from ncon_free().  Free what hangs on the user pointer.
	 */
	void (*release)(void *arg, struct ncon_sender *s, uint64_t now_ms);
};

struct ncon_config {
	size_t max_senders;	 /* default CONFIG_MAX_SENDERS */
	size_t max_sender_bytes; /* buffered per sender; default 256 KiB */
	size_t max_total_bytes;	 /* buffered in all; default 64 MiB */
	size_t max_line_bytes;	 /* longer lines are cut; default 4 KiB */
	uint32_t reorder_window; /* messages a record may run ahead; 1024 */
	/*
	 * Records held behind a gap; when this many wait, the gap is given
	 * up as lost without waiting missing_ms.  Default 16.
	 */
	uint32_t max_pending;
	uint64_t missing_ms;	 /* wait for a missing message; 1000 */
	uint64_t frag_ms;	 /* wait for missing fragments; 2000 */
	uint64_t cont_ms;	 /* wait for a 'c' continuation; 1000 */
	uint64_t legacy_ms;	 /* wait for the rest of a legacy line; 1000 */
	/*
	 * Forget a sender heard from this long ago with nothing pending and
	 * no deadline (its sequence starts afresh if it comes back): after a
	 * burst from many hosts the table shrinks back.  Default 10 min.
	 */
	uint64_t sender_idle_ms;
};

struct ncon_stats {
	uint64_t datagrams, bytes;
	uint64_t legacy;	/* legacy datagrams */
	uint64_t records;	/* complete extended records */
	uint64_t fragments;	/* ncfrag datagrams accepted */
	uint64_t malformed;	/* refused: bad header, lying ncfrag, ... */
	uint64_t duplicates;	/* records or fragments seen twice or late */
	uint64_t reordered;	/* records held until a predecessor came */
	uint64_t lost;		/* messages missing (seq/msgid gaps, timeouts) */
	uint64_t frag_timeouts; /* partial messages given up */
	uint64_t merged;	/* continuation records merged into a line */
	uint64_t reboots;
	uint64_t lines;
	uint64_t truncated;	/* lines cut at max_line_bytes */
	uint64_t senders;	/* currently tracked */
	uint64_t senders_total; /* ever created */
	uint64_t evictions;	/* senders dropped for max_senders */
	uint64_t expired;	/* senders forgotten after sender_idle_ms */
	uint64_t overflows;	/* forced releases for the byte limits */
	uint64_t buffered_bytes, buffered_peak;
};

/*
 * Create a decoder.  cfg may be NULL (defaults for every 0 field); ops
 * and arg are borrowed for the decoder's lifetime.  NULL when out of
 * memory.
 */
struct ncon *ncon_new(const struct ncon_config *cfg,
		      const struct ncon_ops *ops, void *arg);
/* Free everything; release() is called for each sender with a user
 * pointer, pending lines are dropped (call ncon_flush() first). */
void ncon_free(struct ncon *nc);

/*
 * Process one datagram from key at now_ms.  Lines that are complete come
 * out through ops->line before it returns.  Returns 0, -EINVAL for a
 * datagram refused as malformed (counted), -ENOMEM.
 */
int ncon_process(struct ncon *nc, const struct ncon_key *key,
		 const void *data, size_t len, uint64_t now_ms);
/* Release whatever is due at now_ms (lines, timers). */
void ncon_tick(struct ncon *nc, uint64_t now_ms);
/*
 * The earliest time ncon_tick() has work, or UINT64_MAX.  It may be
 * earlier than needed (then ncon_tick() does nothing), never later.
 */
uint64_t ncon_next_deadline(const struct ncon *nc);
/* Release every pending line of every sender now (end of input). */
void ncon_flush(struct ncon *nc, uint64_t now_ms);
/* Counters; current values of senders and buffered bytes. */
void ncon_get_stats(const struct ncon *nc, struct ncon_stats *st);

/* Per-sender accessors (valid while the sender exists). */
const struct ncon_key *ncon_sender_key(const struct ncon_sender *s);
void *ncon_sender_user(const struct ncon_sender *s);
void ncon_sender_set_user(struct ncon_sender *s, void *user);
/* Messages lost from this sender so far. */
uint64_t ncon_sender_lost(const struct ncon_sender *s);
/* Ask for ops->timer at `when` (UINT64_MAX cancels). */
void ncon_sender_set_deadline(struct ncon *nc, struct ncon_sender *s,
			      uint64_t when);
/* Number of bytes one tracked sender costs when idle (for benchmarks). */
size_t ncon_idle_sender_bytes(void);

#endif /* OOPSD_NCON_H */
