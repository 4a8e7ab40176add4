// SPDX-License-Identifier: MIT
/*
 * Resource limits of the crash parser and of the record and wire decoders
 * under hostile input: a report of endless lines, a line without end,
 * protobuf with huge claimed lengths, floods of tiny fields and deep group
 * nesting.  Each must end in a bounded result or a clear error, with the
 * heap back where it started.
 */
#include "testutil.h"

#include <errno.h>

#include "testlimits.h"
#include "parse/oops.h"
#include "record/record.h"
#include "wire/wire.h"

/* A report that never ends: one header, then 1,000,000 stack lines. */
static void test_parser_endless_report(void **state)
{
	struct oops_parser_config cfg = OOPS_PARSER_CONFIG_INIT;
	struct oops_parser *p;
	struct oops_report *r;
	size_t base = heap_in_use(), peak = 0, nreports = 0;
	char line[128];
	bool cut = false;

	p = oops_parser_new(&cfg);
	assert_non_null(p);
	static const char head[] =
		"[   12.345678] BUG: kernel NULL pointer dereference, "
		"address: 0000000000000008\n"
		"[   12.345679] #PF: supervisor read access in kernel mode\n"
		"[   12.345680] CPU: 0 PID: 1 Comm: init Not tainted 6.1.0 #1\n"
		"[   12.345681] RIP: 0010:endless+0x1/0x2\n"
		"[   12.345682] Call Trace:\n"
		"[   12.345683]  <TASK>\n";

	assert_int_equal(oops_parser_feed(p, head, sizeof(head) - 1, 0), 0);
	for (int i = 0; i < 1000000; i++) {
		int n = snprintf(line, sizeof(line),
				 "[   12.%06d]  endless_fn_%d+0x1a/0x30 [mod]\n",
				 i % 1000000, i);

		assert_int_equal(oops_parser_feed(p, line, (size_t)n, 0), 0);
		if (i % 50000 == 0 && heap_growth(base) > peak)
			peak = heap_growth(base);
		/* A caller drains completed reports as they come. */
		while ((r = oops_parser_next(p)) != NULL) {
			assert_true(r->text_len <= cfg.max_report_bytes);
			assert_true(r->nframes <= cfg.max_frames);
			cut |= r->truncated;
			nreports++;
			oops_report_free(r);
		}
	}
	oops_parser_finish(p, 0);
	while ((r = oops_parser_next(p)) != NULL) {
		assert_true(r->text_len <= cfg.max_report_bytes);
		assert_true(r->nframes <= cfg.max_frames);
		cut |= r->truncated;
		nreports++;
		oops_report_free(r);
	}
	print_message("endless report: %zu report(s), peak heap %zu bytes\n",
		      nreports, peak);
	assert_true(nreports >= 1);
	assert_true(cut); /* the report says it was cut */
	/* Bounded by the report limits, not by the 50 MB of input. */
	assert_true(peak <= 8 * cfg.max_report_bytes + (1 << 20));
	oops_parser_free(p);
	assert_true(heap_growth(base) < 64 << 10);
}

/* 32 MiB without a newline, fed in 64 KiB chunks, inside a report. */
static void test_parser_endless_line(void **state)
{
	struct oops_parser_config cfg = OOPS_PARSER_CONFIG_INIT;
	static const char hdr[] = "WARNING: CPU: 0 PID: 1 at kernel/x.c:1 f+0x1/0x2\n";
	struct oops_parser *p;
	struct oops_report *r;
	size_t base = heap_in_use(), peak = 0, nreports = 0;
	char *chunk = malloc(64 << 10);

	assert_non_null(chunk);
	memset(chunk, 'z', 64 << 10);
	p = oops_parser_new(&cfg);
	assert_non_null(p);
	assert_int_equal(oops_parser_feed(p, hdr, sizeof(hdr) - 1, 0), 0);
	for (int i = 0; i < 512; i++) {
		assert_int_equal(oops_parser_feed(p, chunk, 64 << 10, 0), 0);
		if (heap_growth(base) > peak)
			peak = heap_growth(base);
	}
	oops_parser_finish(p, 0);
	while ((r = oops_parser_next(p)) != NULL) {
		assert_true(r->text_len <= cfg.max_report_bytes);
		nreports++;
		oops_report_free(r);
	}
	print_message("endless line: %zu report(s), peak heap %zu bytes\n",
		      nreports, peak);
	/* The WARNING is still reported, not lost with the long line. */
	assert_int_equal(nreports, 1);
	assert_true(peak <= (64 << 10) + 8 * cfg.max_report_bytes +
				    (1 << 20));
	oops_parser_free(p);
	free(chunk);
	assert_true(heap_growth(base) < 64 << 10);
}

/* Protobuf by hand. */
static size_t put_varint(uint8_t *out, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		out[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	out[n++] = (uint8_t)v;
	return n;
}

static size_t put_tag(uint8_t *out, unsigned field, unsigned wt)
{
	return put_varint(out, (uint64_t)field << 3 | wt);
}

static void expect_record_refused(const uint8_t *buf, size_t len,
				  const char *what)
{
	struct record_limits lim = RECORD_LIMITS_INIT;
	Oopsd__CrashRecord *rec = NULL;
	const char *reason = NULL;
	size_t base = heap_in_use();
	int rc = record_unpack(buf, len, &lim, &rec, &reason);

	print_message("%s: %d %s\n", what, rc, reason ? reason : "-");
	assert_true(rc < 0);
	assert_null(rec);
	assert_non_null(reason);
	assert_true(heap_growth(base) < 4096);
}

static void test_protobuf_hostile(void **state)
{
	const size_t cap = 2 << 20;
	uint8_t *b = malloc(cap);
	size_t n;

	assert_non_null(b);

	/* report_z claims 2 GiB and brings 4 bytes. */
	n = put_tag(b, 8, 2);
	n += put_varint(b + n, 1ULL << 31);
	memcpy(b + n, "abcd", 4);
	expect_record_refused(b, n + 4, "2 GiB length");

	/* A length with all 64 bits set. */
	n = put_tag(b, 8, 2);
	n += put_varint(b + n, UINT64_MAX);
	expect_record_refused(b, n, "2^64 length");

	/* An over-long varint (11 bytes). */
	n = put_tag(b, 9, 0);
	memset(b + n, 0xff, 10);
	b[n + 10] = 0x01;
	expect_record_refused(b, n + 11, "over-long varint");

	/* 1 MiB of start-group tags: nesting as deep as the input allows. */
	for (n = 0; n + 1 < (1 << 20);)
		n += put_tag(b + n, 1000, 3);
	expect_record_refused(b, n, "deep groups");

	/*
	 * Length-delimited fields nested 100,000 deep (crash, then frames,
	 * then unknown fields inside each other), written backwards from
	 * the end of the buffer so each length is known.
	 */
	{
		size_t pos = cap, inner = 0;
		uint8_t tmp[16];

		for (int d = 0; d < 100000 && pos > 32; d++) {
			size_t k = put_tag(tmp, d == 99999 ? 4 : d == 99998 ? 6
							       : 7, 2);

			k += put_varint(tmp + k, inner);
			pos -= k;
			memcpy(b + pos, tmp, k);
			inner += k;
		}
		expect_record_refused(b + pos, inner, "deep nesting");
	}

	/* 300,000 unknown fields of 3 bytes: refused by the memory budget
	 * (protobuf-c keeps a copy of every unknown field). */
	b[0] = 0x0a; /* id: 16 bytes */
	b[1] = 16;
	memset(b + 2, 0x11, 16);
	for (n = 18; n + 3 <= 18 + 300000 * 3;) {
		n += put_tag(b + n, 1234, 0);
		b[n++] = 1;
	}
	expect_record_refused(b, n, "unknown field flood");

	/* 500,000 empty frames in crash: refused by count or budget. */
	{
		size_t inner = 500000 * 2, pos = 0;

		pos += put_tag(b + pos, 4, 2);
		pos += put_varint(b + pos, inner);
		for (size_t i = 0; i < 500000; i++) {
			b[pos++] = 0x32; /* frames, length-delimited */
			b[pos++] = 0;
		}
		expect_record_refused(b, pos, "frame flood");
	}

	/* One byte over the record size limit. */
	memset(b, 0, (1 << 20) + 1);
	expect_record_refused(b, (1 << 20) + 1, "too large");
	free(b);
}

static void expect_wire_refused(const uint8_t *buf, size_t len,
				const char *what)
{
	struct wire_msg m;
	const char *reason = NULL;
	size_t base = heap_in_use();
	int rc;

	memset(&m, 0, sizeof(m));
	rc = wire_unpack(buf, len, NULL, NULL, &m, &reason);
	print_message("%s: %d %s\n", what, rc, reason ? reason : "-");
	assert_true(rc < 0);
	assert_non_null(reason);
	assert_true(heap_growth(base) < 4096);
}

static void test_wire_hostile(void **state)
{
	uint8_t *b = malloc(70000);
	size_t n, body;

	assert_non_null(b);
	/* Datagram{version 1, body claiming 1 GiB}. */
	n = put_tag(b, 1, 0);
	b[n++] = 1;
	n += put_tag(b + n, 2, 2);
	n += put_varint(b + n, 1 << 30);
	expect_wire_refused(b, n, "1 GiB body");

	/* Datagram over the UDP maximum. */
	memset(b, 0, 70000);
	expect_wire_refused(b, 65508, "over UDP maximum");

	/* An envelope of 30,000 empty records (2 bytes each). */
	n = put_tag(b, 1, 0);
	b[n++] = 1;
	n += put_tag(b + n, 3, 0);
	b[n++] = 1;
	n += put_tag(b + n, 2, 2);
	body = 2 + 2 + 30000 * 2;
	n += put_varint(b + n, body);
	n += put_tag(b + n, 1, 0); /* version */
	b[n++] = 1;
	n += put_tag(b + n, 3, 0); /* seq */
	b[n++] = 7;
	for (int i = 0; i < 30000; i++) {
		b[n++] = 0x22; /* records, length-delimited */
		b[n++] = 0;
	}
	expect_wire_refused(b, n, "record flood");

	/* Every prefix of that datagram: refused, never a crash. */
	for (size_t cut = 0; cut < 64; cut++) {
		struct wire_msg m;
		const char *reason = NULL;

		memset(&m, 0, sizeof(m));
		if (wire_unpack(b, cut, NULL, NULL, &m, &reason) == 0)
			wire_msg_release(&m);
	}
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parser_endless_report),
		cmocka_unit_test(test_parser_endless_line),
		cmocka_unit_test(test_protobuf_hostile),
		cmocka_unit_test(test_wire_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
