/* SPDX-License-Identifier: MIT */
/*
 * ncon_int.h - private to lib/netconsole: what the protocol (ncon.c) and
 * the sender table (ncon_senders.c) of the decoder share.  Nothing outside
 * this folder includes it.
 */
#ifndef OOPSD_NCON_INT_H
#define OOPSD_NCON_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netconsole/ncon.h"

#define NCON_MAX_FRAGS 4	    /* partial messages per sender */
#define NCON_CALLER_LEN 16
#define NCON_DONE_SEQS 4	    /* reassembled seqs remembered */

/* What an extended header says about a record, minus the body. */
struct ncon_meta {
	uint64_t seq, usec;
	int prio;
	char flag; /* '-', 'c' or '+' */
	char caller[NCON_CALLER_LEN];
};

/* A record that arrived ahead of its predecessor; text still escaped. */
struct ncon_rec {
	struct ncon_meta m;
	size_t text_len;
	char text[];
};

/*
 * Its place among the held ones: order and arrival kept in the sorted
 * array itself, so that searching it touches no record.
 */
struct ncon_slot {
	uint64_t order;
	uint64_t arrived; /* since then its predecessors are known missing */
	struct ncon_rec *r;
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
	struct ncon_slot *recs;
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
	uint64_t last_heard; /* for expiry (sender_idle_ms) */
	struct ncon_active *act;
	void *user;
	bool have_order, have_seq, use_msgid, reboot_pending;
	bool heard; /* a line came out: the next one is not NCON_LINE_FIRST */
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

/* ncon_senders.c: the table, the deadline heap, buffer accounting. */
struct ncon_sender *ncon_sender_get(struct ncon *nc,
				    const struct ncon_key *key, uint64_t now);
/* Keep s's heap key at or before its deadline. */
void ncon_sched(struct ncon *nc, struct ncon_sender *s);
/* Count add - sub bytes buffered by a (s's buffers). */
void ncon_acct(struct ncon *nc, struct ncon_active *a, size_t add,
	       size_t sub);
/* s's buffers, allocated on first use; NULL when out of memory. */
struct ncon_active *ncon_active_get(struct ncon *nc, struct ncon_sender *s);
/* Free s's buffers when nothing is pending any more. */
void ncon_active_maybe_free(struct ncon *nc, struct ncon_sender *s);

/* ncon.c: the protocol's side of a sender. */
/* Deliver everything s holds, counting gaps and partial messages lost. */
void ncon_sender_flush(struct ncon *nc, struct ncon_sender *s, uint64_t now);
/* Drop everything s buffers without delivering it. */
void ncon_sender_discard(struct ncon *nc, struct ncon_sender *s);
/* The earliest time something of s is due, or UINT64_MAX. */
uint64_t ncon_sender_deadline(const struct ncon *nc,
			      const struct ncon_sender *s);
/* Run whatever of s is due at now. */
void ncon_sender_due(struct ncon *nc, struct ncon_sender *s, uint64_t now);

#endif /* OOPSD_NCON_INT_H */
