// SPDX-License-Identifier: MIT
/*
 * Tests for lib/ncon_rx.c: the netconsole receiver (decoder -> parser per
 * sender -> reports), fed by hand and through a real socket.
 */
#include <errno.h>
#include <inttypes.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "testutil.h"

#include "base/evloop.h"
#include "base/log.h"
#include "netconsole/ncon_rx.h"
#include "record/record.h"

struct got {
	char *title[64];
	uint64_t lost[64];
	bool corrupted[64];
	bool loss_unknown[64];
	bool start_unseen[64];
	char sender[64][80];
	int64_t time_us[64];
	int n;
};

static void on_report(void *arg, const struct ncon_rx_from *from,
		      struct oops_report *r, uint64_t lost)
{
	struct got *g = arg;

	assert_true(g->n < 64);
	g->title[g->n] = strdup(r->title ? r->title : "");
	g->lost[g->n] = lost;
	g->corrupted[g->n] = r->corrupted;
	g->loss_unknown[g->n] = from->loss_unknown;
	g->start_unseen[g->n] = from->start_unseen;
	g->time_us[g->n] = r->time_us;
	snprintf(g->sender[g->n], sizeof(g->sender[0]), "%s", from->sender);
	g->n++;
	oops_report_free(r);
}

static void got_free(struct got *g)
{
	for (int i = 0; i < g->n; i++)
		free(g->title[i]);
	g->n = 0;
}

struct dgrams {
	char *buf;
	size_t n;
	const char *d[1024];
	size_t len[1024];
	uint64_t ms[1024]; /* printk time of each (extended), for `now` */
};

static void load_dgrams(struct dgrams *g, const char *name)
{
	size_t len, i = 0;

	memset(g, 0, sizeof(*g));
	g->buf = test_fixture(name, &len);
	while (i < len) {
		char *end;
		unsigned long n = strtoul(g->buf + i, &end, 10);
		unsigned long long usec = 0;

		assert_true(*end == '\n' && g->n < 1024);
		i = (size_t)(end - g->buf) + 1;
		g->d[g->n] = g->buf + i;
		g->len[g->n] = n;
		if (sscanf(g->d[g->n], "%*u,%*u,%llu,", &usec) == 1)
			g->ms[g->n] = usec / 1000;
		g->n++;
		i += n + 1;
	}
}

/* The titles the parser finds in the whole console text. */
static int64_t want_time[64];

static int console_titles(char ***out)
{
	struct oops_report **reps = NULL;
	size_t len;
	char *buf = test_fixture("qemu/console-netconsole-run.log", &len);
	int n = oops_parse_buffer(buf, len, NULL, &reps);

	assert_true(n > 0);
	*out = calloc((size_t)n, sizeof(char *));
	for (int i = 0; i < n; i++) {
		(*out)[i] = strdup(reps[i]->title ? reps[i]->title : "");
		if (i < 64)
			want_time[i] = reps[i]->time_us;
		oops_report_free(reps[i]);
	}
	free(reps);
	free(buf);
	return n;
}

static struct ncon_key key_of(const char *a, int port)
{
	struct sockaddr_in in = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)port) };
	struct ncon_key k;

	inet_pton(AF_INET, a, &in.sin_addr);
	ncon_key_from_sockaddr(&k, (void *)&in);
	return k;
}

/* Feed a capture at its own pace (skip = index to drop, or -1). */
static void replay(struct ncon_rx *rx, const struct dgrams *g, long skip)
{
	struct ncon_key k = key_of("10.0.2.15", 6665);
	uint64_t now = 1000;

	for (size_t i = 0; i < g->n; i++) {
		if (g->ms[i] + 1000 > now)
			now = g->ms[i] + 1000;
		ncon_rx_tick(rx, now);
		if ((long)i == skip)
			continue;
		ncon_rx_input(rx, &k, g->d[i], g->len[i], now);
	}
	ncon_rx_flush(rx, now + 1);
}

static void test_capture_titles(void **state)
{
	struct dgrams *e = malloc(sizeof(*e));
	struct got g = { 0 };
	struct ncon_rx *rx;
	char **want;
	int err, n = console_titles(&want);

	load_dgrams(e, "qemu/netconsole-extended.dgrams");
	rx = ncon_rx_new(NULL, NULL, on_report, NULL, &g, &err);
	assert_non_null(rx);
	replay(rx, e, -1);
	/* The same reports, with the same titles, as the serial console. */
	assert_int_equal(g.n, n);
	for (int i = 0; i < n; i++) {
		assert_string_equal(g.title[i], want[i]);
		assert_string_equal(g.sender[i], "10.0.2.15:6665");
		/* The console prefix rebuilt from usec gives the same time. */
		assert_true(want_time[i] > 0);
		assert_int_equal(g.time_us[i], want_time[i]);
		free(want[i]);
	}
	free(want);
	ncon_rx_free(rx);
	got_free(&g);
	free(e->buf);
	free(e);
}

static void test_capture_loss_marks_report(void **state)
{
	struct dgrams *e = malloc(sizeof(*e));
	struct got g = { 0 }, h = { 0 };
	struct ncon_rx *rx;
	long drop = -1;
	int err, marked = 0;

	load_dgrams(e, "qemu/netconsole-extended.dgrams");
	/* Drop the datagram right after the first "Call Trace:". */
	for (size_t i = 0; i < e->n && drop < 0; i++)
		if (memmem(e->d[i], e->len[i], "Call Trace:", 11))
			drop = (long)i + 2;
	assert_true(drop > 0);
	rx = ncon_rx_new(NULL, NULL, on_report, NULL, &g, &err);
	replay(rx, e, -1);
	ncon_rx_free(rx);
	rx = ncon_rx_new(NULL, NULL, on_report, NULL, &h, &err);
	replay(rx, e, drop);
	ncon_rx_free(rx);
	assert_int_equal(g.n, h.n);
	for (int i = 0; i < g.n; i++) {
		if (h.lost[i] > g.lost[i]) {
			marked++;
			assert_true(h.corrupted[i]);
		}
	}
	/* Exactly the report that lost a line says so. */
	assert_int_equal(marked, 1);
	got_free(&g);
	got_free(&h);
	free(e->buf);
	free(e);
}

static void test_eviction_completes_report(void **state)
{
	struct dgrams *e = malloc(sizeof(*e));
	struct got g = { 0 };
	struct ncon_rx_config cfg = { .ncon.max_senders = 1 };
	struct ncon_rx *rx;
	struct ncon_key k = key_of("10.0.2.15", 6665);
	struct ncon_key other = key_of("10.0.2.16", 6665);
	struct ncon_rx_counters c;
	size_t i;
	int err;

	load_dgrams(e, "qemu/netconsole-extended.dgrams");
	rx = ncon_rx_new(NULL, &cfg, on_report, NULL, &g, &err);
	/* Up to the middle of the first report's call trace. */
	for (i = 0; i < e->n; i++) {
		ncon_rx_input(rx, &k, e->d[i], e->len[i], 1000);
		if (memmem(e->d[i], e->len[i], "Call Trace:", 11))
			break;
	}
	assert_int_equal(g.n, 0);
	/* Another sender pushes this one out: its report is not lost. */
	ncon_rx_input(rx, &other, "6,1,1,-;hello", 13, 1001);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.sender[0], "10.0.2.15:6665");
	ncon_rx_get_counters(rx, &c);
	assert_int_equal(c.ncon.evictions, 1);
	assert_int_equal(c.parsers, 0); /* its parser went with it */
	ncon_rx_free(rx);
	got_free(&g);
	free(e->buf);
	free(e);
}

static void test_idle_parser_given_back(void **state)
{
	struct got g = { 0 };
	struct ncon_rx_config cfg = { .parser_idle_ms = 500 };
	int err;
	struct ncon_rx *rx = ncon_rx_new(NULL, &cfg, on_report, NULL, &g, &err);
	struct ncon_key k = key_of("10.0.0.1", 6665);
	struct ncon_rx_counters c;
	uint64_t d;
	int guard = 0;

	ncon_rx_input(rx, &k, "6,1,1,-;hello", 13, 0);
	ncon_rx_input(rx, &k, "6,2,2,-;world", 13, 0);
	ncon_rx_get_counters(rx, &c);
	assert_int_equal(c.parsers, 1);
	while ((d = ncon_rx_deadline(rx)) != UINT64_MAX && guard++ < 100)
		ncon_rx_tick(rx, d);
	ncon_rx_get_counters(rx, &c);
	assert_int_equal(c.parsers, 0);
	assert_int_equal(c.ncon.buffered_bytes, 0);
	/* Then the sender itself is forgotten (sender_idle_ms). */
	assert_int_equal(c.ncon.senders, 0);
	assert_int_equal(c.ncon.expired, 1);
	ncon_rx_free(rx);
}

static void test_open_reports_bounded(void **state)
{
	struct got g = { 0 };
	struct ncon_rx_config cfg = { .max_open_reports = 2 };
	struct ncon_rx_counters c;
	const char *msgs[] = {
		"4,1,1000000,-;BUG: kernel NULL pointer dereference, address: 0000000000000000",
		"4,2,1000001,-;#PF: supervisor read access in kernel mode",
		"4,3,1000002,-;RIP: 0010:crashmod_do_null+0x15/0x20 [crashmod]",
		"4,4,1000003,-;Call Trace:",
	};
	struct ncon_rx *rx;
	int err;
	char host[32];

	rx = ncon_rx_new(NULL, &cfg, on_report, NULL, &g, &err);
	assert_non_null(rx);
	for (int h = 1; h <= 3; h++) {
		struct ncon_key k;

		snprintf(host, sizeof(host), "10.0.0.%d", h);
		k = key_of(host, 6665);
		for (size_t i = 0; i < ARRAY_SIZE(msgs); i++)
			ncon_rx_input(rx, &k, msgs[i], strlen(msgs[i]),
				      (uint64_t)h);
	}
	/* The third open report completed the least recent one early. */
	ncon_rx_get_counters(rx, &c);
	assert_int_equal(c.report_evictions, 1);
	assert_int_equal(c.open_reports, 2);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.sender[0], "10.0.0.1:6665");
	assert_non_null(strstr(g.title[0], "crashmod_do_null"));
	ncon_rx_free(rx);
	/* Nothing is lost: the others complete at the end. */
	assert_int_equal(g.n, 3);
	got_free(&g);
}

static void test_caller_shapes(void **state)
{
	const char *callers[] = { "T42", "C3", "T1@C2", "X" };
	struct got g = { 0 };
	struct ncon_rx *rx;
	char buf[256];
	int err;

	rx = ncon_rx_new(NULL, NULL, on_report, NULL, &g, &err);
	for (int h = 0; h < 4; h++) {
		const char *lines[] = {
			"BUG: kernel NULL pointer dereference, address: 0000000000000000",
			"RIP: 0010:crashmod_do_null+0x15/0x20 [crashmod]",
			"Call Trace:", " kthread+0xe9/0x110",
			"---[ end trace 0000000000000000 ]---",
		};
		struct ncon_key k = key_of("10.0.0.9", 1000 + h);

		for (int i = 0; i < 5; i++) {
			snprintf(buf, sizeof(buf), "4,%d,%d,-,caller=%s;%s",
				 i + 1, 1000000 + i, callers[h], lines[i]);
			ncon_rx_input(rx, &k, buf, strlen(buf), 0);
		}
	}
	ncon_rx_free(rx);
	/* Mainline and vendor caller shapes alike leave the title intact. */
	assert_int_equal(g.n, 4);
	for (int i = 0; i < 4; i++)
		assert_string_equal(g.title[i], "BUG: unable to handle kernel "
						"NULL pointer dereference in "
						"crashmod_do_null");
	got_free(&g);
}

/*
 * The hand-written reports of tests/data/netconsole/ sent as a kernel
 * would: one extended record per line, the long "Modules linked in:" line
 * as ncfrag fragments of at most 1000 bytes delivered last-first, every
 * other pair of records swapped.  Each must come out with the title the
 * parser gives for the file read whole.
 */
static void test_fixture_reports_fragmented(void **state)
{
	static const char *const files[] = {
		"netconsole/null-deref.log", "netconsole/warning.log",
		"netconsole/kernel-bug.log",
	};

	for (size_t f = 0; f < ARRAY_SIZE(files); f++) {
		struct oops_report **reps = NULL;
		struct got g = { 0 };
		struct ncon_rx *rx;
		struct ncon_key k = key_of("192.0.2.7", 6665);
		struct ncon_rx_counters c;
		char *dg[256], *text, *line, *save = NULL;
		size_t len, ndg = 0, frags = 0;
		int err, n, seq = 100;

		text = test_fixture(files[f], &len);
		n = oops_parse_buffer(text, len, NULL, &reps);
		assert_int_equal(n, 1);
		for (line = strtok_r(text, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			size_t ll = strlen(line), nf = (ll + 999) / 1000;

			seq++;
			if (ll <= 1000) {
				assert_true(asprintf(&dg[ndg++], "4,%d,%d,-;%s",
						     seq, seq * 10, line) > 0);
				continue;
			}
			for (size_t i = nf; i-- > 0;) {
				size_t off = i * 1000;
				size_t m = ll - off < 1000 ? ll - off : 1000;

				assert_true(asprintf(&dg[ndg++],
						     "4,%d,%d,-,ncfrag=%zu/%zu;%.*s",
						     seq, seq * 10, off, ll,
						     (int)m, line + off) > 0);
				frags++;
			}
		}
		assert_true(frags >= 2);
		for (size_t i = 1; i + 1 < ndg; i += 4) {
			char *t = dg[i];

			dg[i] = dg[i + 1];
			dg[i + 1] = t;
		}
		rx = ncon_rx_new(NULL, NULL, on_report, NULL, &g, &err);
		for (size_t i = 0; i < ndg; i++) {
			assert_int_equal(ncon_rx_input(rx, &k, dg[i],
						       strlen(dg[i]), 5),
					 0);
			free(dg[i]);
		}
		ncon_rx_flush(rx, 6);
		ncon_rx_get_counters(rx, &c);
		assert_int_equal(c.ncon.fragments, frags);
		assert_int_equal(c.lost, 0);
		assert_int_equal(g.n, 1);
		assert_string_equal(g.title[0], reps[0]->title);
		assert_int_equal(g.lost[0], 0);
		/* The report is the first thing heard from this sender. */
		assert_true(g.start_unseen[0]);
		ncon_rx_free(rx);
		got_free(&g);
		oops_report_free(reps[0]);
		free(reps);
		free(text);
	}
}

/*
 * Lose one message of a report (each in turn, the header first) on its way
 * from a sender with sequence numbers, between ordinary lines.  Every
 * report that comes out is either the right one and complete, or says it
 * lost messages (lost_messages > 0, corrupted): never another title while
 * looking complete.  A report whose header message is lost still comes out
 * (its body arrived), flagged.  With msgid (sysdata) the same holds.
 */
static void send_lossy(struct ncon_rx *rx, char *const *lines, size_t n,
		       size_t drop, size_t drop_to, bool msgid)
{
	struct ncon_key k = key_of("192.0.2.9", 6665);
	uint64_t seq = 500;

	for (size_t i = 0; i < n; i++, seq++) {
		char *d;
		int len;

		if (i >= drop && i <= drop_to)
			continue;
		len = msgid ? asprintf(&d, "4,%" PRIu64 ",%" PRIu64 ",-;%s\n"
				       " msgid=%" PRIu64, seq, seq * 10,
				       lines[i], seq - 400) :
			      asprintf(&d, "4,%" PRIu64 ",%" PRIu64 ",-;%s",
				       seq, seq * 10, lines[i]);
		assert_true(len > 0);
		assert_int_equal(ncon_rx_input(rx, &k, d, (size_t)len, 5), 0);
		free(d);
	}
	ncon_rx_flush(rx, 20000);
}

static void test_lost_header_marks_report(void **state)
{
	static const char *const files[] = {
		"netconsole/null-deref.log", "netconsole/warning.log",
		"netconsole/kernel-bug.log",
	};

	for (size_t f = 0; f < ARRAY_SIZE(files); f++) {
		struct oops_report **reps = NULL;
		char *lines[256], *text, *line, *save = NULL;
		size_t len, n = 0, first = 0, hdr = SIZE_MAX;
		int nr;

		text = test_fixture(files[f], &len);
		nr = oops_parse_buffer(text, len, NULL, &reps);
		assert_int_equal(nr, 1);
		for (int i = 0; i < 3; i++)
			lines[n++] = "systemd[1]: Started session 4 of user root.";
		first = n;
		for (line = strtok_r(text, "\n", &save); line && n < 250;
		     line = strtok_r(NULL, "\n", &save)) {
			/* The line that gives the title: the header. */
			if (hdr == SIZE_MAX &&
			    (strstr(line, "BUG") || strstr(line, "WARNING:")))
				hdr = n;
			lines[n++] = line;
		}
		for (int i = 0; i < 3; i++)
			lines[n++] = "systemd[1]: Stopped session 4 of user root.";
		assert_true(hdr != SIZE_MAX);
		for (size_t drop = first; drop < n - 3; drop++) {
			for (int msgid = 0; msgid < 2; msgid++) {
				struct got g = { 0 };
				struct ncon_rx *rx;
				int err, flagged = 0;

				rx = ncon_rx_new(NULL, NULL, on_report, NULL,
						 &g, &err);
				assert_non_null(rx);
				send_lossy(rx, lines, n, drop, drop, msgid);
				for (int i = 0; i < g.n; i++) {
					bool right = strcmp(g.title[i],
							    reps[0]->title) == 0;

					if (g.lost[i] > 0) {
						assert_true(g.corrupted[i]);
						flagged++;
					} else if (!right || g.corrupted[i]) {
						fail_msg("%s: message %zu lost: "
							 "report \"%s\" looks "
							 "complete",
							 files[f], drop,
							 g.title[i]);
					}
				}
				for (int i = 0; i < g.n; i++)
					assert_false(g.loss_unknown[i]);
				/* 3 lines first are not enough to know. */
				for (int i = 0; i < g.n; i++)
					if (!g.lost[i] && !g.corrupted[i])
						assert_true(g.start_unseen[i]);
				/* Its body arrived: the report is not lost. */
				if (drop == hdr) {
					assert_true(g.n >= 1);
					assert_true(flagged >= 1);
				}
				ncon_rx_free(rx);
				got_free(&g);
			}
		}
		/*
		 * A burst of loss from the header to the "Call Trace:" line:
		 * only frames arrive, and still make a flagged report.
		 */
		{
			struct got g = { 0 };
			struct ncon_rx *rx;
			size_t ct = hdr;
			int err;

			while (ct < n && strcmp(lines[ct], "Call Trace:") != 0)
				ct++;
			/* Every fixture has one: the case is never skipped. */
			assert_true(ct < n);
			rx = ncon_rx_new(NULL, NULL, on_report, NULL, &g, &err);
			assert_non_null(rx);
			send_lossy(rx, lines, n, hdr, ct, false);
			assert_int_equal(g.n, 1);
			assert_true(g.lost[0] > 0 && g.corrupted[0]);
			ncon_rx_free(rx);
			got_free(&g);
		}
		oops_report_free(reps[0]);
		free(reps);
		free(text);
	}
}

/*
 * A report whose header was the first message sent but lost comes out
 * titled by a later line with no gap seen; it is flagged start_unseen
 * (complete false in the record) because nothing before it was heard.
 * After enough ordinary lines the same report is known complete.
 */
static void test_start_unseen(void **state)
{
	static const char *const rep_lines[] = {
		"BUG: kernel NULL pointer dereference, address: 0000000000000008",
		"#PF: supervisor read access in kernel mode",
		"#PF: error_code(0x0000) - not-present page",
		"PGD 0 P4D 0",
		"Oops: 0000 [#1] PREEMPT SMP NOPTI",
		"CPU: 3 PID: 1234 Comm: kworker/3:1 Not tainted 6.1.0-13-amd64 #1",
		"RIP: 0010:ncblast_deref+0x15/0x30 [ncblast_mod]",
		"Call Trace:",
		" <TASK>",
		" ncblast_work_fn+0x2a/0x50 [ncblast_mod]",
		" process_one_work+0x1c7/0x380",
		" </TASK>",
		"---[ end trace 0000000000000000 ]---",
	};

	for (int before = 0; before <= 12; before += 12) {
		struct ncon_key k = key_of("192.0.2.11", 6665);
		struct record_origin o = RECORD_ORIGIN_INIT;
		struct ncon_rx_from from = { 0 };
		struct got g = { 0 };
		struct ncon_rx *rx;
		int err, seq = 1;
		char d[256];

		rx = ncon_rx_new(NULL, NULL, on_report, NULL, &g, &err);
		for (int i = 0; i < before; i++, seq++) {
			int n = snprintf(d, sizeof(d), "6,%d,%d,-;line %d", seq,
					 seq * 10, i);

			ncon_rx_input(rx, &k, d, (size_t)n, 5);
		}
		for (size_t i = 0; i < ARRAY_SIZE(rep_lines); i++, seq++) {
			int n;

			if (i == 0 && before == 0)
				continue; /* the header, lost */
			n = snprintf(d, sizeof(d), "4,%d,%d,-;%s", seq,
				     seq * 10, rep_lines[i]);
			ncon_rx_input(rx, &k, d, (size_t)n, 5);
		}
		ncon_rx_flush(rx, 20000);
		assert_int_equal(g.n, 1);
		assert_int_equal(g.lost[0], 0);
		assert_int_equal(g.start_unseen[0], before == 0);
		from.start_unseen = g.start_unseen[0];
		ncon_rx_record_origin(&from, 0, &o);
		assert_int_equal(o.complete, before != 0);
		assert_int_equal(o.loss_unknown, before == 0);
		ncon_rx_free(rx);
		got_free(&g);
	}
}

/* Legacy netconsole has no sequence numbers: the report says loss is unknown. */
static void test_legacy_loss_unknown(void **state)
{
	struct ncon_key k = key_of("192.0.2.10", 6665);
	struct record_origin o = RECORD_ORIGIN_INIT;
	struct ncon_rx_from from = { .loss_unknown = true };
	struct got g = { 0 };
	struct ncon_rx *rx;
	size_t len;
	char *text = test_fixture("netconsole/null-deref.log", &len);
	int err;

	rx = ncon_rx_new(NULL, NULL, on_report, NULL, &g, &err);
	assert_non_null(rx);
	for (size_t off = 0; off < len; off += 200)
		assert_int_equal(ncon_rx_input(rx, &k, text + off,
					       len - off < 200 ? len - off : 200,
					       5),
				 0);
	ncon_rx_flush(rx, 20000);
	assert_int_equal(g.n, 1);
	assert_true(g.loss_unknown[0]);
	assert_int_equal(g.lost[0], 0);
	ncon_rx_record_origin(&from, 0, &o);
	assert_true(o.loss_unknown);
	ncon_rx_free(rx);
	got_free(&g);
	free(text);
}

/*
 * A burst from many hosts, then quiet: their parsers and then the senders
 * themselves are freed, and the heap is trimmed once (not per sender).
 */
static void test_burst_memory_given_back(void **state)
{
	struct ncon_rx_config cfg = { .parser_idle_ms = 500,
				      .ncon.sender_idle_ms = 2000 };
	struct ncon_rx_counters c;
	struct ncon_rx *rx;
	uint64_t d;
	int err, guard = 0;

	rx = ncon_rx_new(NULL, &cfg, NULL, NULL, NULL, &err);
	assert_non_null(rx);
	for (int h = 0; h < 3000; h++) {
		char a[32];
		struct ncon_key k;

		snprintf(a, sizeof(a), "10.1.%d.%d", h / 250, h % 250 + 1);
		k = key_of(a, 6665);
		ncon_rx_input(rx, &k, "6,1,1,-;hello", 13, 10);
	}
	ncon_rx_get_counters(rx, &c);
	assert_int_equal(c.ncon.senders, 3000);
	/* Still busy (input 0 ms ago): no trim while traffic flows. */
	ncon_rx_tick(rx, 10);
	ncon_rx_get_counters(rx, &c);
	assert_int_equal(c.trims, 0);
	while ((d = ncon_rx_deadline(rx)) != UINT64_MAX && guard++ < 10000)
		ncon_rx_tick(rx, d);
	ncon_rx_get_counters(rx, &c);
	assert_int_equal(c.parsers, 0);
	assert_int_equal(c.ncon.senders, 0);
	assert_int_equal(c.ncon.expired, 3000);
	/* Once when the parsers went (500 ms), once for the senders (2 s). */
	assert_int_equal(c.trims, 2);
	ncon_rx_free(rx);
}

static void test_parse_addr(void **state)
{
	struct sockaddr_storage ss;
	unsigned len;

	assert_int_equal(ncon_rx_parse_addr("127.0.0.1:6666", 1, &ss, &len),
			 0);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(ncon_rx_parse_addr("[::1]:7", 1, &ss, &len), 0);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(ncon_rx_parse_addr(":6666", 1, &ss, &len), 0);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(ncon_rx_parse_addr("6666", 1, &ss, &len), 0);
	assert_int_equal(ncon_rx_parse_addr("1.2.3.4:99999", 1, &ss, &len),
			 -EINVAL);
	assert_int_equal(ncon_rx_parse_addr("[::1", 1, &ss, &len), -EINVAL);
	assert_int_equal(ncon_rx_parse_addr("nohost:1", 1, &ss, &len),
			 -EINVAL);
	/* The rest is transport_parse_hostport()'s (test_transport.c): an
	 * unbracketed IPv6 address is refused as it is for udp://, where it
	 * used to bind to a port read from its last group. */
	assert_int_equal(ncon_rx_parse_addr("::1:6666", 1, &ss, &len),
			 -EINVAL);
	assert_int_equal(ncon_rx_parse_addr("*:6666", 1, &ss, &len), 0);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(ncon_rx_parse_addr(NULL, 6666, &ss, &len), 0);
	assert_int_equal(ntohs(((struct sockaddr_in6 *)&ss)->sin6_port), 6666);
}

struct sock_ctx {
	struct got g;
	struct ncon_rx *rx;
};

static void stop_on_report(void *arg, const struct ncon_rx_from *from,
			   struct oops_report *r, uint64_t lost)
{
	on_report(arg, from, r, lost);
}

static void test_socket_dual_stack(void **state)
{
	struct evloop *loop = evloop_new();
	struct got g = { 0 };
	struct ncon_rx_config cfg = { .listen = "[::]:0", .rcvbuf = 1 << 20 };
	struct ncon_rx *rx;
	struct ncon_rx_counters c;
	struct sockaddr_in6 d6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in d4 = { .sin_family = AF_INET };
	const char *msgs[] = {
		"4,1,1000000,-;BUG: kernel NULL pointer dereference, address: 0000000000000000",
		"4,2,1000001,-;#PF: supervisor read access in kernel mode",
		"4,3,1000002,-;RIP: 0010:crashmod_do_null+0x15/0x20 [crashmod]",
		"4,4,1000003,-;Call Trace:",
		"4,5,1000004,-; <TASK>",
		"4,6,1000005,-; kthread+0xe9/0x110",
		"4,7,1000006,-; </TASK>",
		"4,8,1000007,-;---[ end trace 0000000000000000 ]---",
	};
	int err, s4, s6, port;

	assert_non_null(loop);
	rx = ncon_rx_new(loop, &cfg, stop_on_report, NULL, &g, &err);
	if (rx == NULL && err == -EAFNOSUPPORT) {
		evloop_free(loop);
		skip();
	}
	assert_non_null(rx);
	port = ncon_rx_port(rx);
	assert_true(port > 0);
	s4 = socket(AF_INET, SOCK_DGRAM, 0);
	s6 = socket(AF_INET6, SOCK_DGRAM, 0);
	d4.sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, "127.0.0.1", &d4.sin_addr);
	d6.sin6_port = htons((uint16_t)port);
	inet_pton(AF_INET6, "::1", &d6.sin6_addr);
	for (size_t i = 0; i < ARRAY_SIZE(msgs); i++) {
		assert_true(sendto(s4, msgs[i], strlen(msgs[i]), 0,
				   (void *)&d4, sizeof(d4)) > 0);
		assert_true(sendto(s6, msgs[i], strlen(msgs[i]), 0,
				   (void *)&d6, sizeof(d6)) > 0);
	}
	/* Loopback delivers at once; a few iterations read everything. */
	for (int i = 0; i < 20; i++) {
		ncon_rx_get_counters(rx, &c);
		if (c.datagrams == 2 * ARRAY_SIZE(msgs))
			break;
		evloop_run_once(loop, 100);
	}
	ncon_rx_get_counters(rx, &c);
	assert_int_equal(c.datagrams, 2 * ARRAY_SIZE(msgs));
	assert_int_equal(c.ncon.senders, 2);
	assert_int_equal(c.kernel_drops, 0);
	/* Completing at exit is the caller's flush. */
	ncon_rx_flush(rx, evloop_now_ms());
	assert_int_equal(g.n, 2);
	for (int i = 0; i < 2; i++)
		assert_non_null(strstr(g.title[i], "crashmod_do_null"));
	assert_true((strncmp(g.sender[0], "127.0.0.1:", 10) == 0 &&
		     strncmp(g.sender[1], "[::1]:", 6) == 0) ||
		    (strncmp(g.sender[1], "127.0.0.1:", 10) == 0 &&
		     strncmp(g.sender[0], "[::1]:", 6) == 0));
	close(s4);
	close(s6);
	ncon_rx_free(rx);
	evloop_free(loop);
	got_free(&g);
}

static int log_granted, log_dropped;

static void count_logs(enum log_level level, const char *line)
{
	if (strstr(line, "receive buffer") && strstr(line, "granted"))
		log_granted++;
	if (strstr(line, "the kernel dropped"))
		log_dropped++;
}

static void test_socket_drops_and_truncation(void **state)
{
	struct evloop *loop = evloop_new();
	struct ncon_rx_config cfg = { .listen = "127.0.0.1:0", .rcvbuf = 1 };
	struct ncon_rx *rx;
	struct ncon_rx_counters c;
	struct sockaddr_in d = { .sin_family = AF_INET };
	char big[CONFIG_MAX_DATAGRAM_BYTES + 100];
	int err, s, sent = 0;

	log_set_hook(count_logs);
	rx = ncon_rx_new(loop, &cfg, NULL, NULL, NULL, &err);
	assert_non_null(rx);
	/* What the kernel granted is read back, and said at start. */
	ncon_rx_get_counters(rx, &c);
	assert_true(c.rcvbuf > 0);
	assert_int_equal(log_granted, 0); /* more than the 1 byte asked */
	s = socket(AF_INET, SOCK_DGRAM, 0);
	d.sin_port = htons((uint16_t)ncon_rx_port(rx));
	inet_pton(AF_INET, "127.0.0.1", &d.sin_addr);
	/* Larger than the receive buffers: counted as truncated. */
	memset(big, 'x', sizeof(big));
	assert_true(sendto(s, big, sizeof(big), 0, (void *)&d, sizeof(d)) > 0);
	evloop_run_once(loop, 100);
	ncon_rx_get_counters(rx, &c);
	assert_int_equal(c.truncated, 1);
	/* A tiny socket buffer nobody reads overflows: the kernel drops. */
	for (int i = 0; i < 200; i++)
		if (sendto(s, "6,1,1,-;x", 9, 0, (void *)&d, sizeof(d)) > 0)
			sent++;
	assert_int_equal(sent, 200);
	for (int i = 0; i < 5; i++)
		evloop_run_once(loop, 20);
	ncon_rx_get_counters(rx, &c);
	assert_true(c.kernel_drops > 0);
	assert_int_equal(c.kernel_drops + c.ncon.datagrams, 200);
	/* Drops are logged, once for a burst (rate-limited). */
	assert_int_equal(log_dropped, 1);
	for (int i = 0; i < 200; i++)
		sendto(s, "6,2,2,-;x", 9, 0, (void *)&d, sizeof(d));
	for (int i = 0; i < 5; i++)
		evloop_run_once(loop, 20);
	assert_int_equal(log_dropped, 1);
	log_set_hook(NULL);
	close(s);
	ncon_rx_free(rx);
	evloop_free(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capture_titles),
		cmocka_unit_test(test_capture_loss_marks_report),
		cmocka_unit_test(test_eviction_completes_report),
		cmocka_unit_test(test_idle_parser_given_back),
		cmocka_unit_test(test_open_reports_bounded),
		cmocka_unit_test(test_caller_shapes),
		cmocka_unit_test(test_fixture_reports_fragmented),
		cmocka_unit_test(test_lost_header_marks_report),
		cmocka_unit_test(test_legacy_loss_unknown),
		cmocka_unit_test(test_start_unseen),
		cmocka_unit_test(test_burst_memory_given_back),
		cmocka_unit_test(test_parse_addr),
		cmocka_unit_test(test_socket_dual_stack),
		cmocka_unit_test(test_socket_drops_and_truncation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
