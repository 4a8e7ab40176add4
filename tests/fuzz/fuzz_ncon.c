// SPDX-License-Identifier: MIT
/*
 * fuzz_ncon.c - stateful fuzzing of the netconsole decoder (lib/netconsole/)
 * and, for inputs whose first byte is odd, of the whole receiver path
 * (lib/ncon_rx.c: decoder -> crash parser per sender -> reports).
 *
 * Input: a first byte of flags, then operations, each
 *	u8 op, u8 sender, u8 time step (ms * 16), u8 len_hi, u8 len_lo, data
 * op % 4: 0, 1 a datagram from one of 6 senders, 2 tick, 3 flush.
 * Tiny limits make eviction, byte limits, window overflows and timeouts
 * happen within a few operations.  Checked after every step: buffered
 * bytes within the total bound, lines within max_line_bytes; at the end,
 * after a flush, nothing is buffered.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netconsole/ncon.h"
#include "netconsole/ncon_rx.h"

#define MAX_LINE 512
#define MAX_TOTAL 16384

static void on_line(void *arg, struct ncon_sender *s,
		    const struct ncon_line *l, uint64_t now)
{
	volatile char sink;

	if (l->len > MAX_LINE)
		abort();
	if (l->len)
		sink = l->text[0] ^ l->text[l->len - 1];
	(void)sink;
}

static void on_report(void *arg, const struct ncon_rx_from *from,
		      struct oops_report *r, uint64_t lost)
{
	if (from->sender == NULL || from->sender[0] == 0)
		abort();
	oops_report_free(r);
}

static const struct ncon_ops ops = { .line = on_line };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ncon_config cfg = {
		.max_senders = 4, .max_sender_bytes = 8192,
		.max_total_bytes = MAX_TOTAL, .max_line_bytes = MAX_LINE,
		.reorder_window = 16, .max_pending = 8, .missing_ms = 100,
		.frag_ms = 200, .cont_ms = 50, .legacy_ms = 80,
	};
	struct ncon_rx_config rcfg = { .ncon = cfg, .parser_idle_ms = 300,
				       .max_parsers = 2 };
	struct ncon *nc = NULL;
	struct ncon_rx *rx = NULL;
	struct ncon_stats st;
	struct ncon_rx_counters c;
	uint64_t now = 0;
	size_t i = 1;
	bool full;
	int err;

	if (size < 1)
		return 0;
	full = data[0] & 1;
	if (full) {
		rx = ncon_rx_new(NULL, &rcfg, on_report, NULL, NULL, &err);
		if (rx == NULL)
			return 0;
	} else {
		nc = ncon_new(&cfg, &ops, NULL);
		if (nc == NULL)
			return 0;
	}
	while (i + 5 <= size) {
		unsigned op = data[i] % 4, who = data[i + 1] % 6;
		size_t len = (size_t)data[i + 3] << 8 | data[i + 4];
		struct ncon_key k = { .port = 6665 };

		now += (uint64_t)data[i + 2] * 16;
		i += 5;
		if (len > size - i)
			len = size - i;
		k.addr[10] = k.addr[11] = 0xff;
		k.addr[15] = (uint8_t)who;
		if (op <= 1) {
			if (full)
				ncon_rx_input(rx, &k, data + i, len, now);
			else
				ncon_process(nc, &k, data + i, len, now);
			i += len;
		} else if (op == 2) {
			if (full)
				ncon_rx_tick(rx, now);
			else
				ncon_tick(nc, now);
		} else {
			if (full)
				ncon_rx_flush(rx, now);
			else
				ncon_flush(nc, now);
		}
		if (full) {
			ncon_rx_get_counters(rx, &c);
			st = c.ncon;
		} else {
			ncon_get_stats(nc, &st);
		}
		/* One datagram's fragment buffer may be in flight on top. */
		if (st.buffered_bytes > MAX_TOTAL + 65536 + 8192)
			abort();
		if (st.senders > cfg.max_senders)
			abort();
	}
	if (full) {
		ncon_rx_flush(rx, now);
		ncon_rx_get_counters(rx, &c);
		if (c.ncon.buffered_bytes != 0 || c.parsers != 0)
			abort();
		ncon_rx_free(rx);
	} else {
		uint64_t d;
		int guard = 0;

		/* Time alone must release everything. */
		while ((d = ncon_next_deadline(nc)) != UINT64_MAX &&
		       guard++ < 10000)
			ncon_tick(nc, d);
		ncon_get_stats(nc, &st);
		if (st.buffered_bytes != 0)
			abort();
		ncon_free(nc);
	}
	return 0;
}
