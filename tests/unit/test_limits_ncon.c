// SPDX-License-Identifier: MIT
/*
 * Resource limits of the netconsole decoder (lib/ncon.c) under hostile
 * load: a flood from 100,000 source addresses, maximum-size and truncated
 * datagrams, fragment sets that never complete.  Memory must stay under
 * the configured bounds (measured on the heap, not only on the decoder's
 * own counters), what is dropped must be counted, and no line may vanish
 * without a counter saying so.
 */
#include "testutil.h"

#include <errno.h>

#include "testlimits.h"
#include "netconsole/ncon.h"

struct sink {
	uint64_t lines, truncated, bytes;
	size_t longest;
};

static void on_line(void *arg, struct ncon_sender *s, const struct ncon_line *l,
		    uint64_t now_ms)
{
	struct sink *k = arg;

	k->lines++;
	k->bytes += l->len;
	if (l->len > k->longest)
		k->longest = l->len;
	if (l->flags & NCON_LINE_TRUNCATED)
		k->truncated++;
}

static const struct ncon_ops sink_ops = { .line = on_line };

/* Sender number i as ::ffff:10.a.b.c port 6666 (i < 2^24). */
static void key_of(struct ncon_key *k, uint32_t i)
{
	memset(k, 0, sizeof(*k));
	k->addr[10] = 0xff;
	k->addr[11] = 0xff;
	k->addr[12] = 10;
	k->addr[13] = (uint8_t)(i >> 16);
	k->addr[14] = (uint8_t)(i >> 8);
	k->addr[15] = (uint8_t)i;
	k->port = 6666;
}

/*
 * 100,000 hosts each send one datagram: half an extended record, half a
 * legacy partial line (held back, waiting for its end).  With 1,024
 * senders and 1 MiB of buffers allowed, the heap must never grow beyond
 * those bounds, 98,976 evictions must be counted, and every line must
 * still come out (an evicted sender's held line is released, not lost).
 */
static void test_flood_100k_sources(void **state)
{
	struct ncon_config cfg = {
		.max_senders = 1024,
		.max_total_bytes = 1 << 20,
		.max_sender_bytes = 64 << 10,
	};
	const uint32_t hosts = 100000;
	struct sink k = { 0 };
	struct ncon_stats st;
	struct ncon *nc;
	size_t base, peak = 0, bound;
	char dg[256];

	base = heap_in_use();
	nc = ncon_new(&cfg, &sink_ops, &k);
	assert_non_null(nc);
	for (uint32_t i = 0; i < hosts; i++) {
		struct ncon_key key;
		int n;

		key_of(&key, i);
		if (i % 2)
			n = snprintf(dg, sizeof(dg),
				     "6,%u,%u,-;host %u says hello\n", i, i, i);
		else
			n = snprintf(dg, sizeof(dg),
				     "[ 1.0] host %u partial line, no newline",
				     i);
		assert_int_equal(ncon_process(nc, &key, dg, (size_t)n, 1000),
				 0);
		if (i % 1000 == 0 && heap_growth(base) > peak)
			peak = heap_growth(base);
	}
	ncon_get_stats(nc, &st);
	assert_true(st.senders <= cfg.max_senders);
	assert_int_equal(st.senders_total, hosts);
	assert_int_equal(st.evictions, hosts - st.senders);
	assert_true(st.buffered_peak <= cfg.max_total_bytes);
	/*
	 * The heap: every tracked sender at its idle cost (the target is
	 * 4 KiB at most), the byte budget, and 1 MiB for the tables.
	 */
	bound = cfg.max_senders * 4096 + cfg.max_total_bytes + (1 << 20);
	print_message("flood: %zu bytes of heap at peak (bound %zu), "
		      "%llu evictions\n", peak, bound,
		      (unsigned long long)st.evictions);
	assert_true(peak <= bound);
	ncon_flush(nc, 1000);
	ncon_get_stats(nc, &st);
	/* Nothing vanished: one line per host. */
	assert_int_equal(k.lines, hosts);
	assert_int_equal(st.lines, hosts);
	ncon_free(nc);
	assert_true(heap_growth(base) < 64 << 10);
}

/*
 * The largest UDP payload (65,507 bytes) carrying one record, and a
 * datagram far larger than UDP allows (a caller bug or a raw socket):
 * lines are cut at max_line_bytes and flagged, nothing grows past it.
 */
static void test_max_size_datagrams(void **state)
{
	struct ncon_config cfg = { .max_line_bytes = 4096 };
	const size_t sizes[] = { 65507, 1 << 20 };
	struct sink k = { 0 };
	struct ncon_stats st;
	struct ncon *nc;
	struct ncon_key key;
	size_t base = heap_in_use();

	nc = ncon_new(&cfg, &sink_ops, &k);
	assert_non_null(nc);
	key_of(&key, 1);
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		char *dg = malloc(sizes[i]);
		int h;

		assert_non_null(dg);
		h = snprintf(dg, 64, "6,%zu,1000,-;", i);
		memset(dg + h, 'A', sizes[i] - (size_t)h - 1);
		dg[sizes[i] - 1] = '\n';
		(void)ncon_process(nc, &key, dg, sizes[i], 1000);
		free(dg);
	}
	/* Legacy: 1 MiB of text without a newline from another host. */
	{
		char *dg = malloc(1 << 20);

		assert_non_null(dg);
		memset(dg, 'B', 1 << 20);
		key_of(&key, 2);
		(void)ncon_process(nc, &key, dg, 1 << 20, 1000);
		free(dg);
	}
	ncon_flush(nc, 1000);
	ncon_get_stats(nc, &st);
	assert_true(k.lines >= 3);
	assert_true(k.longest <= cfg.max_line_bytes);
	assert_true(k.truncated >= 3);
	assert_true(st.truncated >= 3);
	ncon_free(nc);
	assert_true(heap_growth(base) < 64 << 10);
}

/*
 * Every prefix of valid datagrams (extended header, fragment, dictionary
 * lines): each is refused and counted, or taken as what it now looks
 * like; never a crash, never an error other than -EINVAL.
 */
static void test_truncated_datagrams(void **state)
{
	static const char *const full[] = {
		"6,1234,5678901,-;BUG: kernel NULL pointer dereference\n"
		" SUBSYSTEM=acpi\n DEVICE=+acpi:PNP0A03:00\n",
		"6.9.0,4,1235,5678902,c,caller=T42,ncfrag=0/60;Call Trace:",
		"6,1236,5678903,-,ncfrag=30/60;ABCDEFGHIJKLMNOPQRSTUVWXYZ012",
		"4,1237,5678904,-,msgid=99;WARNING: CPU: 1 PID: 2 at x.c:3\n",
	};
	struct ncon_stats st;
	struct sink k = { 0 };
	struct ncon *nc = ncon_new(NULL, &sink_ops, &k);
	uint32_t host = 0, n = 0;

	assert_non_null(nc);
	for (size_t i = 0; i < ARRAY_SIZE(full); i++) {
		size_t len = strlen(full[i]);

		for (size_t cut = 0; cut <= len; cut++) {
			struct ncon_key key;
			int rc;

			key_of(&key, host++ % 7);
			rc = ncon_process(nc, &key, full[i], cut, 1000 + n);
			assert_true(rc == 0 || rc == -EINVAL);
			n++;
		}
	}
	ncon_flush(nc, 100000);
	ncon_get_stats(nc, &st);
	assert_int_equal(st.datagrams, n);
	assert_true(st.malformed > 0);
	assert_int_equal(st.buffered_bytes, 0);
	ncon_free(nc);
}

/*
 * 5,000 senders each start a 60,000-byte message with one 1,000-byte
 * fragment and never send the rest.  The buffers stay within the byte
 * budget while they wait, the decoder asks to be woken no later than
 * frag_ms after the last fragment (time-driven, not packet-driven), and at
 * that deadline every partial message is given up and counted.
 */
static void test_fragments_never_complete(void **state)
{
	struct ncon_config cfg = {
		.max_total_bytes = 2 << 20,
		.frag_ms = 2000,
	};
	const uint32_t senders = 5000;
	struct sink k = { 0 };
	struct ncon_stats st;
	struct ncon *nc;
	char dg[1100];
	uint64_t deadline, now = 5000;
	size_t base = heap_in_use(), peak = 0;
	int h;

	nc = ncon_new(&cfg, &sink_ops, &k);
	assert_non_null(nc);
	for (uint32_t i = 0; i < senders; i++) {
		struct ncon_key key;

		key_of(&key, i);
		h = snprintf(dg, sizeof(dg), "6,%u,100,-,ncfrag=0/60000;", i);
		memset(dg + h, 'x', 1000);
		assert_int_equal(ncon_process(nc, &key, dg, (size_t)h + 1000,
					      now),
				 0);
		if (i % 500 == 0 && heap_growth(base) > peak)
			peak = heap_growth(base);
	}
	ncon_get_stats(nc, &st);
	assert_true(st.buffered_bytes <= cfg.max_total_bytes);
	assert_true(st.buffered_peak <= cfg.max_total_bytes);
	print_message("fragments: peak heap %zu bytes, %llu overflows\n", peak,
		      (unsigned long long)st.overflows);
	assert_true(peak <= senders * 4096 + cfg.max_total_bytes + (1 << 20));
	deadline = ncon_next_deadline(nc);
	assert_true(deadline <= now + cfg.frag_ms);
	/* Drive time only: no packet arrives any more. */
	while ((deadline = ncon_next_deadline(nc)) != UINT64_MAX &&
	       deadline <= now + 10 * cfg.frag_ms)
		ncon_tick(nc, deadline);
	ncon_get_stats(nc, &st);
	assert_int_equal(st.buffered_bytes, 0);
	/* Each partial message was either timed out or forced out early. */
	assert_true(st.frag_timeouts + st.overflows >= senders);
	assert_true(st.frag_timeouts > 0);
	ncon_free(nc);
	assert_true(heap_growth(base) < 64 << 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flood_100k_sources),
		cmocka_unit_test(test_max_size_datagrams),
		cmocka_unit_test(test_truncated_datagrams),
		cmocka_unit_test(test_fragments_never_complete),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
