// SPDX-License-Identifier: MIT
/* Tests for lib/ncon.c: the netconsole decoder and reassembler. */
#include <errno.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "testutil.h"

#include "netconsole/ncon.h"

#define MAXL 256

struct got_line {
	char text[512];
	int64_t usec;
	uint64_t seq, lost;
	int prio;
	char caller[16];
	unsigned flags;
	int sender; /* last byte of the address */
};

struct rx {
	struct got_line l[MAXL];
	int n;
	int released;
	int timers;
};

static void on_line(void *arg, struct ncon_sender *s,
		    const struct ncon_line *l, uint64_t now)
{
	struct rx *rx = arg;
	struct got_line *g;
	size_t n;

	if (rx->n >= MAXL) /* many-sender tests only count */
		return;
	g = &rx->l[rx->n++];
	n = l->len < sizeof(g->text) - 1 ? l->len : sizeof(g->text) - 1;
	memcpy(g->text, l->text, n);
	g->text[n] = 0;
	g->usec = l->usec;
	g->seq = l->seq;
	g->lost = l->lost;
	g->prio = l->prio;
	g->flags = l->flags;
	snprintf(g->caller, sizeof(g->caller), "%s", l->caller ? l->caller : "");
	g->sender = ncon_sender_key(s)->addr[15];
}

static void on_timer(void *arg, struct ncon_sender *s, uint64_t now)
{
	((struct rx *)arg)->timers++;
}

static void on_release(void *arg, struct ncon_sender *s, uint64_t now)
{
	((struct rx *)arg)->released++;
	ncon_sender_set_user(s, NULL);
}

static const struct ncon_ops ops = {
	.line = on_line, .timer = on_timer, .release = on_release,
};

static struct ncon_key key4(int last)
{
	struct ncon_key k;
	struct sockaddr_in in = { .sin_family = AF_INET,
				  .sin_port = htons(6665) };

	in.sin_addr.s_addr = htonl(0x0a000000u | (unsigned)last);
	assert_int_equal(ncon_key_from_sockaddr(&k, (void *)&in), 0);
	return k;
}

static int feed(struct ncon *nc, int host, uint64_t now, const char *s)
{
	struct ncon_key k = key4(host);

	return ncon_process(nc, &k, s, strlen(s), now);
}

/* Release everything pending by running the clock far ahead. */
static void settle(struct ncon *nc, uint64_t now)
{
	uint64_t d;
	int guard = 0;

	while ((d = ncon_next_deadline(nc)) != UINT64_MAX && d <= now &&
	       guard++ < 1000)
		ncon_tick(nc, d);
	assert_true(guard < 1000);
}

static struct ncon *mk(struct rx *rx, const struct ncon_config *cfg)
{
	struct ncon *nc;

	memset(rx, 0, sizeof(*rx));
	nc = ncon_new(cfg, &ops, rx);
	assert_non_null(nc);
	return nc;
}

static void test_extended_basic(void **state)
{
	struct rx rx;
	struct ncon *nc = mk(&rx, NULL);
	struct ncon_stats st;

	assert_int_equal(feed(nc, 1, 0, "6,100,5000123,-;hello world\n"
					 " SUBSYSTEM=net\n DEVICE=+net:eth0"),
			 0);
	/* Held: a continuation could still follow. */
	assert_int_equal(rx.n, 0);
	assert_int_equal(ncon_next_deadline(nc), 1000);
	ncon_tick(nc, 999);
	assert_int_equal(rx.n, 0);
	ncon_tick(nc, 1000);
	assert_int_equal(rx.n, 1);
	assert_string_equal(rx.l[0].text, "hello world");
	assert_int_equal(rx.l[0].seq, 100);
	assert_int_equal(rx.l[0].usec, 5000123);
	assert_int_equal(rx.l[0].prio, 6);
	assert_int_equal(rx.l[0].lost, 0);
	assert_int_equal(rx.l[0].flags & NCON_LINE_LEGACY, 0);
	/* Nothing due but forgetting the sender once quiet for 10 min. */
	assert_int_equal(ncon_next_deadline(nc), 600000);
	ncon_get_stats(nc, &st);
	assert_int_equal(st.records, 1);
	assert_int_equal(st.senders, 1);
	/* Idle: nothing buffered any more. */
	assert_int_equal(st.buffered_bytes, 0);
	ncon_tick(nc, 599999);
	ncon_get_stats(nc, &st);
	assert_int_equal(st.senders, 1);
	ncon_tick(nc, 600000);
	ncon_get_stats(nc, &st);
	assert_int_equal(st.senders, 0);
	assert_int_equal(st.expired, 1);
	assert_int_equal(ncon_next_deadline(nc), UINT64_MAX);
	ncon_free(nc);
}

static void test_next_record_releases(void **state)
{
	struct rx rx;
	struct ncon *nc = mk(&rx, NULL);

	feed(nc, 1, 0, "4,1,10,-;one");
	feed(nc, 1, 5, "4,2,20,-;two");
	assert_int_equal(rx.n, 1);
	assert_string_equal(rx.l[0].text, "one");
	ncon_flush(nc, 6);
	assert_int_equal(rx.n, 2);
	assert_string_equal(rx.l[1].text, "two");
	ncon_free(nc);
}

static void test_release_prefix_and_caller(void **state)
{
	struct rx rx;
	struct ncon *nc = mk(&rx, NULL);

	assert_int_equal(
		feed(nc, 1, 0,
		     "6.1.0-13-amd64,6,7,8,-,caller=T42,foo=bar;with release"),
		0);
	ncon_flush(nc, 0);
	assert_int_equal(rx.n, 1);
	assert_string_equal(rx.l[0].text, "with release");
	assert_string_equal(rx.l[0].caller, "T42");
	assert_int_equal(rx.l[0].seq, 7);
	assert_int_equal(rx.l[0].usec, 8);
	ncon_free(nc);
}

static void test_unescape(void **state)
{
	struct rx rx;
	struct ncon *nc = mk(&rx, NULL);

	feed(nc, 1, 0, "6,1,1,-;a\\x09b\\x5cc\\xzz\\x0asecond\\x0a");
	ncon_flush(nc, 0);
	/* "\x0a" splits the record into lines; no empty trailing line. */
	assert_int_equal(rx.n, 2);
	assert_string_equal(rx.l[0].text, "a\tb\\c\\xzz");
	assert_string_equal(rx.l[1].text, "second");
	assert_int_equal(rx.l[1].seq, 1);
	ncon_free(nc);
}

static void test_empty_record(void **state)
{
	struct rx rx;
	struct ncon *nc = mk(&rx, NULL);

	/* Found by fuzzing: an empty first record has no buffer at all. */
	feed(nc, 1, 0, "6,1,1,-;");
	feed(nc, 1, 0, "6,2,2,-;\n SUBSYSTEM=x");
	ncon_flush(nc, 1);
	assert_int_equal(rx.n, 2);
	assert_string_equal(rx.l[0].text, "");
	assert_string_equal(rx.l[1].text, "");
	ncon_free(nc);
}

static void test_continuation_merge(void **state)
{
	struct rx rx;
	struct ncon *nc = mk(&rx, NULL);
	struct ncon_stats st;

	feed(nc, 1, 0, "6,1,1,-,caller=T1;Modules linked in: a");
	feed(nc, 1, 1, "6,2,2,c,caller=T1; b");
	feed(nc, 1, 2, "6,3,3,+,caller=T1; c");
	/* Another caller's continuation is not merged. */
	feed(nc, 1, 3, "6,4,4,c,caller=T2;other");
	feed(nc, 1, 4, "6,5,5,-,caller=T1;next");
	ncon_flush(nc, 5);
	assert_int_equal(rx.n, 3);
	assert_string_equal(rx.l[0].text, "Modules linked in: a b c");
	assert_int_equal(rx.l[0].seq, 1);
	assert_string_equal(rx.l[1].text, "other");
	assert_string_equal(rx.l[2].text, "next");
	ncon_get_stats(nc, &st);
	assert_int_equal(st.merged, 2);
	ncon_free(nc);
}

static void test_reorder(void **state)
{
	struct rx rx;
	struct ncon *nc = mk(&rx, NULL);
	struct ncon_stats st;

	feed(nc, 1, 0, "6,10,1,-;ten");
	feed(nc, 1, 1, "6,12,3,-;twelve");
	feed(nc, 1, 2, "6,13,4,-;thirteen");
	feed(nc, 1, 3, "6,11,2,-;eleven");
	feed(nc, 1, 4, "6,11,2,-;eleven");  /* duplicate */
	ncon_flush(nc, 5);
	assert_int_equal(rx.n, 4);
	assert_string_equal(rx.l[0].text, "ten");
	assert_string_equal(rx.l[1].text, "eleven");
	assert_string_equal(rx.l[2].text, "twelve");
	assert_string_equal(rx.l[3].text, "thirteen");
	for (int i = 0; i < 4; i++)
		assert_int_equal(rx.l[i].lost, 0);
	ncon_get_stats(nc, &st);
	assert_int_equal(st.reordered, 2);
	assert_int_equal(st.duplicates, 1);
	assert_int_equal(st.lost, 0);
	ncon_free(nc);
}

static void test_gap_is_lost_after_timeout(void **state)
{
	struct rx rx;
	struct ncon_config cfg = { .missing_ms = 500, .cont_ms = 100 };
	struct ncon *nc = mk(&rx, &cfg);
	struct ncon_stats st;

	feed(nc, 1, 0, "6,10,1,-;ten");
	feed(nc, 1, 10, "6,13,4,-;thirteen");
	ncon_tick(nc, 200);
	assert_int_equal(rx.n, 1); /* "ten" released, 13 waits for 11, 12 */
	assert_true(ncon_next_deadline(nc) <= 510);
	settle(nc, 509);
	assert_int_equal(rx.n, 1);
	settle(nc, 10000);
	assert_int_equal(rx.n, 2);
	assert_string_equal(rx.l[1].text, "thirteen");
	assert_int_equal(rx.l[1].lost, 2);
	ncon_get_stats(nc, &st);
	assert_int_equal(st.lost, 2);
	ncon_free(nc);
}

static void test_many_gaps_bounded_delay(void **state)
{
	struct rx rx;
	struct ncon_config cfg = { .missing_ms = 500, .cont_ms = 100 };
	struct ncon *nc = mk(&rx, &cfg);
	struct ncon_stats st;
	char buf[64];
	int fed = 0;

	/*
	 * A message every 100 ms and every third seq never sent (filtered
	 * by the sender's loglevel): each gap waits missing_ms from when it
	 * became known, so delivery keeps pace instead of falling behind.
	 */
	for (int seq = 1; seq <= 90; seq++) {
		uint64_t now = (uint64_t)seq * 100;

		if (seq % 3 == 0)
			continue;
		snprintf(buf, sizeof(buf), "6,%d,%d,-;m%d", seq, seq * 1000,
			 seq);
		feed(nc, 1, now, buf);
		fed++;
		settle(nc, now);
		/* Everything that arrived 700 ms ago or more is out. */
		if (now > 1000)
			assert_true(rx.n >= fed - 8);
	}
	ncon_get_stats(nc, &st);
	assert_int_equal(st.overflows, 0);
	settle(nc, 100000);
	assert_int_equal(rx.n, fed);
	ncon_get_stats(nc, &st);
	assert_int_equal(st.lost, 29); /* 3, 6, ... 87 */
	ncon_free(nc);
}

static void test_reboot(void **state)
{
	struct rx rx;
	struct ncon *nc = mk(&rx, NULL);
	struct ncon_stats st;

	feed(nc, 1, 0, "6,5000,900000000,-;old boot");
	feed(nc, 1, 1, "6,5001,900000001,-;old boot 2");
	/* The sequence restarts: a new boot, not 4000 duplicates. */
	feed(nc, 1, 2, "6,3,5000000,-;Linux version 6.1");
	feed(nc, 1, 3, "6,4,5000001,-;new boot 2");
	/* Forward in seq while time goes back: another reboot. */
	feed(nc, 1, 4, "6,20,500,-;third boot");
	ncon_flush(nc, 5);
	assert_int_equal(rx.n, 5);
	assert_int_equal(rx.l[1].flags & NCON_LINE_REBOOT, 0);
	assert_string_equal(rx.l[2].text, "Linux version 6.1");
	assert_true(rx.l[2].flags & NCON_LINE_REBOOT);
	assert_int_equal(rx.l[2].lost, 0);
	assert_int_equal(rx.l[3].flags & NCON_LINE_REBOOT, 0);
	assert_true(rx.l[4].flags & NCON_LINE_REBOOT);
	ncon_get_stats(nc, &st);
	assert_int_equal(st.reboots, 2);
	assert_int_equal(st.lost, 0);
	ncon_free(nc);
}

static void test_msgid(void **state)
{
	struct rx rx;
	struct ncon_config cfg = { .missing_ms = 100 };
	struct ncon *nc = mk(&rx, &cfg);
	struct ncon_stats st;

	/* seq gaps are filtered messages: msgid is consecutive, no loss. */
	feed(nc, 1, 0, "6,10,1,-;a\n msgid=4294967294");
	feed(nc, 1, 1, "6,15,2,-;b\n msgid=4294967295");
	/* msgid wraps around. */
	feed(nc, 1, 2, "6,16,3,-;c\n cpu=1\n msgid=0");
	/* msgid 1 is lost in transport. */
	feed(nc, 1, 3, "6,30,4,-;d\n msgid=2");
	settle(nc, 10000);
	assert_int_equal(rx.n, 4);
	assert_string_equal(rx.l[2].text, "c");
	assert_int_equal(rx.l[2].lost, 0);
	assert_string_equal(rx.l[3].text, "d");
	assert_int_equal(rx.l[3].lost, 1);
	ncon_get_stats(nc, &st);
	assert_int_equal(st.lost, 1);
	ncon_free(nc);
}

static void test_fragments_out_of_order(void **state)
{
	struct rx rx;
	struct ncon *nc = mk(&rx, NULL);
	struct ncon_stats st;

	/* "0123456789ABCDEFGHIJ\n release=6.9" is 33 bytes. */
	assert_int_equal(feed(nc, 1, 0, "6,7,9,-,ncfrag=20/33;\n release=6.9"), 0);
	assert_int_equal(feed(nc, 1, 1, "6,7,9,-,ncfrag=5/33;56789AB"), 0);
	assert_int_equal(rx.n, 0);
	/* Duplicate and consistent overlap are fine. */
	assert_int_equal(feed(nc, 1, 2, "6,7,9,-,ncfrag=5/33;56789AB"), 0);
	assert_int_equal(feed(nc, 1, 3, "6,7,9,-,ncfrag=10/33;ABCDEFGHIJ"), 0);
	assert_int_equal(feed(nc, 1, 4, "6,7,9,-,ncfrag=0/33;01234"), 0);
	ncon_flush(nc, 5);
	assert_int_equal(rx.n, 1);
	assert_string_equal(rx.l[0].text, "0123456789ABCDEFGHIJ");
	assert_int_equal(rx.l[0].seq, 7);
	ncon_get_stats(nc, &st);
	assert_int_equal(st.malformed, 0);
	assert_int_equal(st.records, 1);
	assert_int_equal(st.buffered_bytes, 0);
	/* A fragment of the finished message again is a duplicate. */
	assert_int_equal(feed(nc, 1, 6, "6,7,9,-,ncfrag=0/33;01234"), 0);
	ncon_flush(nc, 7);
	assert_int_equal(rx.n, 1);
	ncon_free(nc);
}

static void test_fragment_lies(void **state)
{
	struct rx rx;
	struct ncon *nc = mk(&rx, NULL);
	struct ncon_stats st;

	/* Past the total, offset at the total, zero total, huge total. */
	assert_int_equal(feed(nc, 1, 0, "6,7,9,-,ncfrag=8/10;abc"), -EINVAL);
	assert_int_equal(feed(nc, 1, 0, "6,7,9,-,ncfrag=10/10;a"), -EINVAL);
	assert_int_equal(feed(nc, 1, 0, "6,7,9,-,ncfrag=0/0;a"), -EINVAL);
	assert_int_equal(feed(nc, 1, 0, "6,7,9,-,ncfrag=0/99999999;a"),
			 -EINVAL);
	assert_int_equal(feed(nc, 1, 0, "6,7,9,-,ncfrag=x/10;a"), -EINVAL);
	/* A total that changes, an overlap that disagrees. */
	assert_int_equal(feed(nc, 1, 0, "6,7,9,-,ncfrag=0/10;abcde"), 0);
	assert_int_equal(feed(nc, 1, 0, "6,7,9,-,ncfrag=5/12;fghij"), -EINVAL);
	assert_int_equal(feed(nc, 1, 0, "6,7,9,-,ncfrag=3/10;XXfgh"), -EINVAL);
	/* Different header for the same seq. */
	assert_int_equal(feed(nc, 1, 0, "3,7,9,-,ncfrag=5/10;fghij"), -EINVAL);
	assert_int_equal(feed(nc, 1, 0, "6,7,9,-,ncfrag=5/10;fghij"), 0);
	ncon_flush(nc, 1);
	assert_int_equal(rx.n, 1);
	assert_string_equal(rx.l[0].text, "abcdefghij");
	ncon_get_stats(nc, &st);
	assert_int_equal(st.malformed, 8);
	ncon_free(nc);
}

static void test_fragment_timeout(void **state)
{
	struct rx rx;
	struct ncon_config cfg = { .frag_ms = 300 };
	struct ncon *nc = mk(&rx, &cfg);
	struct ncon_stats st;

	feed(nc, 1, 0, "6,7,9,-,ncfrag=0/10;abcde");
	assert_int_equal(ncon_next_deadline(nc), 300);
	ncon_tick(nc, 300);
	ncon_get_stats(nc, &st);
	assert_int_equal(st.frag_timeouts, 1);
	assert_int_equal(st.lost, 1);
	assert_int_equal(st.buffered_bytes, 0);
	/* The loss shows on the next line. */
	feed(nc, 1, 400, "6,8,10,-;after");
	ncon_flush(nc, 401);
	assert_int_equal(rx.n, 1);
	assert_int_equal(rx.l[0].lost, 1);
	ncon_free(nc);
}

static void test_legacy(void **state)
{
	struct rx rx;
	struct ncon_config cfg = { .legacy_ms = 200, .max_line_bytes = 32 };
	struct ncon *nc = mk(&rx, &cfg);

	feed(nc, 2, 0, "[    1.000000] first line\n[    1.0000");
	assert_int_equal(rx.n, 1);
	assert_string_equal(rx.l[0].text, "[    1.000000] first line");
	assert_true(rx.l[0].flags & NCON_LINE_LEGACY);
	assert_int_equal(rx.l[0].usec, -1);
	feed(nc, 2, 10, "01] x\r\nno newline");
	assert_int_equal(rx.n, 2);
	assert_string_equal(rx.l[1].text, "[    1.000001] x");
	/* A line without its newline is released at the deadline. */
	assert_true(ncon_next_deadline(nc) <= 210);
	settle(nc, 209);
	assert_int_equal(rx.n, 2);
	settle(nc, 210);
	assert_int_equal(rx.n, 3);
	assert_string_equal(rx.l[2].text, "no newline");
	/* Too long: cut at max_line_bytes and flagged. */
	feed(nc, 2, 300, "0123456789abcdef0123456789ABCDEFXYZ\n");
	assert_int_equal(rx.n, 4);
	assert_string_equal(rx.l[3].text, "0123456789abcdef0123456789ABCDEF");
	assert_true(rx.l[3].flags & NCON_LINE_TRUNCATED);
	ncon_free(nc);
}

static void test_malformed(void **state)
{
	struct rx rx;
	struct ncon *nc = mk(&rx, NULL);
	struct ncon_stats st;

	assert_int_equal(ncon_process(nc, &(struct ncon_key){ 0 }, "", 0, 0),
			 -EINVAL);
	ncon_get_stats(nc, &st);
	assert_int_equal(st.malformed, 1);
	/* Things that only look like headers are legacy text. */
	feed(nc, 1, 0, "6,1,x,-;not a header\n");
	feed(nc, 1, 0, "a b,1,2,3,-;not either\n");
	assert_int_equal(rx.n, 2);
	assert_true(rx.l[0].flags & NCON_LINE_LEGACY);
	ncon_free(nc);
}

static void test_eviction(void **state)
{
	struct rx rx;
	struct ncon_config cfg = { .max_senders = 4 };
	struct ncon *nc = mk(&rx, &cfg);
	struct ncon_stats st;

	for (int h = 1; h <= 6; h++)
		feed(nc, h, (uint64_t)h, "6,1,1,-;hi");
	/* Host 3 is heard again: host 4 is now the least recent. */
	feed(nc, 3, 7, "6,2,2,-;again");
	feed(nc, 7, 8, "6,1,1,-;hi");
	ncon_get_stats(nc, &st);
	assert_int_equal(st.senders, 4);
	assert_int_equal(st.evictions, 3);
	/* Evicted senders had their held lines delivered first. */
	assert_int_equal(rx.n, 4);
	assert_int_equal(rx.l[0].sender, 1);
	assert_int_equal(rx.l[1].sender, 2);
	assert_int_equal(rx.l[2].sender, 3); /* released by "again" */
	assert_int_equal(rx.l[3].sender, 4);
	ncon_free(nc);
}

/* Hang a user pointer and a deadline on every sender from its first line. */
struct urx {
	struct rx rx;
	struct ncon *nc;
	int token;
	uint64_t when;
};

static void u_line(void *arg, struct ncon_sender *s,
		   const struct ncon_line *l, uint64_t now)
{
	struct urx *u = arg;

	on_line(&u->rx, s, l, now);
	if (ncon_sender_user(s) == NULL) {
		ncon_sender_set_user(s, &u->token);
		ncon_sender_set_deadline(u->nc, s, now + u->when);
	}
}

static void u_timer(void *arg, struct ncon_sender *s, uint64_t now)
{
	struct urx *u = arg;

	assert_ptr_equal(ncon_sender_user(s), &u->token);
	u->rx.timers++;
}

static void u_release(void *arg, struct ncon_sender *s, uint64_t now)
{
	struct urx *u = arg;

	assert_ptr_equal(ncon_sender_user(s), &u->token);
	u->rx.released++;
}

static const struct ncon_ops uops = {
	.line = u_line, .timer = u_timer, .release = u_release,
};

static void test_user_pointer_and_deadline(void **state)
{
	struct urx u = { .when = 5000 };
	struct ncon_config cfg = { .max_senders = 2 };
	struct ncon_key k = key4(1);

	u.nc = ncon_new(&cfg, &uops, &u);
	assert_non_null(u.nc);
	ncon_process(u.nc, &k, "legacy\n", 7, 100);
	assert_int_equal(u.rx.n, 1);
	/* The caller's deadline is part of ncon_next_deadline(). */
	assert_int_equal(ncon_next_deadline(u.nc), 5100);
	ncon_tick(u.nc, 5099);
	assert_int_equal(u.rx.timers, 0);
	ncon_tick(u.nc, 5100);
	assert_int_equal(u.rx.timers, 1);
	/* Left: forgetting it after sender_idle_ms (10 min) of quiet. */
	assert_int_equal(ncon_next_deadline(u.nc), 100 + 600000);
	/* Eviction tells the caller; senders without a pointer are silent. */
	k = key4(2);
	ncon_process(u.nc, &k, "6,1,1,-;x", 9, 6000); /* held, no user yet */
	k = key4(3);
	ncon_process(u.nc, &k, "b\n", 2, 6001);
	assert_int_equal(u.rx.released, 1); /* host 1 */
	k = key4(4);
	ncon_process(u.nc, &k, "c\n", 2, 6002);
	/* host 2 got its pointer when its held line came out on eviction */
	assert_int_equal(u.rx.released, 2);
	ncon_free(u.nc);
	/* ncon_free() releases the two left. */
	assert_int_equal(u.rx.released, 4);
}

/*
 * Heavy loss (every other message) and a missing_ms that never passes: the
 * gaps are given up once max_pending records wait behind one, so what is
 * held, and how late a line comes out, stay bounded by max_pending
 * whatever the loss, instead of a second's worth of records per sender.
 */
static void test_heavy_loss_bounded(void **state)
{
	struct rx rx;
	struct ncon_config cfg = { .missing_ms = 100000000 };
	struct ncon *nc = mk(&rx, &cfg);
	struct ncon_stats st;
	char buf[64];
	int fed = 0;

	for (int seq = 1; seq < 400; seq += 2) {
		snprintf(buf, sizeof(buf), "6,%d,%d,-;m%d", seq, seq * 10,
			 seq);
		feed(nc, 1, (uint64_t)seq, buf);
		fed++;
		ncon_get_stats(nc, &st);
		/* 16 held records (default max_pending) and the held line. */
		assert_true(st.buffered_bytes < 16 * 128 + 1024);
		assert_true(rx.n >= fed - 18);
	}
	ncon_get_stats(nc, &st);
	assert_true(st.lost >= (uint64_t)fed - 18);
	ncon_flush(nc, 1000);
	assert_int_equal(rx.n, fed);
	ncon_get_stats(nc, &st);
	assert_int_equal(st.lost, fed - 1);
	assert_int_equal(st.buffered_bytes, 0);
	ncon_free(nc);
}

static void test_sender_limit(void **state)
{
	struct rx rx;
	struct ncon_config cfg = { .max_sender_bytes = 4096,
				   .missing_ms = 100000 };
	struct ncon *nc = mk(&rx, &cfg);
	struct ncon_stats st;
	char buf[300];

	feed(nc, 1, 0, "6,1,1,-;first");
	/* seq 2 never comes; 3.. pile up until the limit forces them out. */
	for (int i = 3; i < 60; i++) {
		snprintf(buf, sizeof(buf), "6,%d,%d,-;%0200d", i, i, i);
		feed(nc, 1, (uint64_t)i, buf);
		ncon_get_stats(nc, &st);
		assert_true(st.buffered_bytes <= 4096 + 2048);
	}
	ncon_get_stats(nc, &st);
	assert_true(st.overflows > 0);
	assert_int_equal(st.lost, 1);
	ncon_flush(nc, 100);
	assert_int_equal(rx.n, 58);
	ncon_get_stats(nc, &st);
	assert_int_equal(st.buffered_bytes, 0);
	ncon_free(nc);
}

static void test_total_limit(void **state)
{
	struct rx rx;
	struct ncon_config cfg = { .max_total_bytes = 16384,
				   .missing_ms = 100000 };
	struct ncon *nc = mk(&rx, &cfg);
	struct ncon_stats st;
	char buf[1200];

	for (int h = 1; h <= 50; h++) {
		feed(nc, h, 0, "6,1,1,-;a");
		snprintf(buf, sizeof(buf), "6,3,3,-;%01000d", h);
		feed(nc, h, 0, buf);
		ncon_get_stats(nc, &st);
		assert_true(st.buffered_bytes <= 16384);
	}
	ncon_get_stats(nc, &st);
	assert_true(st.overflows > 0);
	ncon_free(nc);
}

static void test_many_senders_idle_cost(void **state)
{
	struct rx rx;
	struct ncon *nc = mk(&rx, NULL);
	struct ncon_stats st;
	char buf[64];

	for (int h = 0; h < 3000; h++) {
		struct ncon_key k = key4(h);

		snprintf(buf, sizeof(buf), "6,%d,1,-;line", h);
		assert_int_equal(ncon_process(nc, &k, buf, strlen(buf), 0), 0);
	}
	ncon_get_stats(nc, &st);
	assert_int_equal(st.senders, 3000);
	assert_true(st.buffered_bytes > 0);
	settle(nc, 5000);
	ncon_get_stats(nc, &st);
	assert_int_equal(st.lines, 3000);
	assert_int_equal(st.buffered_bytes, 0);
	assert_true(ncon_idle_sender_bytes() < 512);
	ncon_free(nc);
}

static void test_key_format(void **state)
{
	struct ncon_key k = key4(7);
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6,
				    .sin6_port = htons(6666) };
	char buf[80];

	ncon_key_format(&k, buf, sizeof(buf));
	assert_string_equal(buf, "10.0.0.7:6665");
	inet_pton(AF_INET6, "2001:db8::1", &in6.sin6_addr);
	assert_int_equal(ncon_key_from_sockaddr(&k, (void *)&in6), 0);
	ncon_key_format(&k, buf, sizeof(buf));
	assert_string_equal(buf, "[2001:db8::1]:6666");
}


/* ------------------------------------------------ real QEMU captures --- */

/* Datagrams of a tests/data/qemu .dgrams file: "N\n", N bytes, "\n". */
struct dgrams {
	char *buf;
	size_t n;
	const char *d[1024];
	size_t len[1024];
};

static void load_dgrams(struct dgrams *g, const char *name)
{
	size_t len, i = 0;

	memset(g, 0, sizeof(*g));
	g->buf = test_fixture(name, &len);
	while (i < len) {
		char *end;
		unsigned long n = strtoul(g->buf + i, &end, 10);

		assert_true(*end == '\n');
		assert_true(g->n < 1024);
		i = (size_t)(end - g->buf) + 1;
		assert_true(i + n < len + 1);
		g->d[g->n] = g->buf + i;
		g->len[g->n++] = n;
		i += n + 1;
	}
}

struct lines {
	char **l;
	uint64_t *lost;
	size_t n, cap;
};

static void lines_line(void *arg, struct ncon_sender *s,
		       const struct ncon_line *l, uint64_t now)
{
	struct lines *ls = arg;
	char *t;

	if (ls->n == ls->cap) {
		ls->cap = ls->cap ? ls->cap * 2 : 256;
		ls->l = realloc(ls->l, ls->cap * sizeof(*ls->l));
		ls->lost = realloc(ls->lost, ls->cap * sizeof(*ls->lost));
	}
	t = malloc(l->len + 32);
	if (l->usec >= 0)
		sprintf(t, "[%5llu.%06llu] ",
			(unsigned long long)(l->usec / 1000000),
			(unsigned long long)(l->usec % 1000000));
	else
		t[0] = 0;
	strncat(t, l->text, l->len);
	ls->lost[ls->n] = l->lost;
	ls->l[ls->n++] = t;
}

static void lines_free(struct lines *ls)
{
	for (size_t i = 0; i < ls->n; i++)
		free(ls->l[i]);
	free(ls->l);
	free(ls->lost);
}

static const struct ncon_ops lines_ops = { .line = lines_line };

/* Feed datagrams in the order given by idx (NULL: as captured). */
static void run_capture(struct lines *ls, const struct dgrams *g,
			const size_t *idx, size_t n, struct ncon_stats *st)
{
	struct ncon *nc = ncon_new(NULL, &lines_ops, ls);
	struct ncon_key k = key4(15);
	uint64_t now = 0;

	memset(ls, 0, sizeof(*ls));
	for (size_t i = 0; i < n; i++) {
		size_t j = idx ? idx[i] : i;

		assert_int_equal(ncon_process(nc, &k, g->d[j], g->len[j], now),
				 0);
		now += 1;
		ncon_tick(nc, now);
	}
	ncon_flush(nc, now);
	ncon_get_stats(nc, st);
	ncon_free(nc);
}

/* Sum of the seq gaps of a capture (it arrived in order). */
static uint64_t seq_gaps(const struct dgrams *g)
{
	unsigned long long seq, prev = 0;
	uint64_t gaps = 0;

	for (size_t i = 0; i < g->n; i++) {
		assert_int_equal(sscanf(g->d[i], "%*u,%llu,", &seq), 1);
		if (i && seq > prev + 1)
			gaps += seq - prev - 1;
		prev = seq;
	}
	return gaps;
}

static void test_qemu_extended_matches_legacy(void **state)
{
	struct dgrams *e = malloc(sizeof(*e)), *l = malloc(sizeof(*l));
	struct lines le, ll;
	struct ncon_stats se, sl;
	char eacute[401 + 64];
	bool seen = false;

	load_dgrams(e, "qemu/netconsole-extended.dgrams");
	load_dgrams(l, "qemu/netconsole-legacy.dgrams");
	run_capture(&le, e, NULL, e->n, &se);
	run_capture(&ll, l, NULL, l->n, &sl);
	assert_int_equal(se.malformed, 0);
	/*
	 * Without msgid, seq gaps count as lost: here they are the debug
	 * messages the default console loglevel kept from netconsole.
	 */
	assert_int_equal(se.lost, seq_gaps(e));
	assert_int_equal(se.fragments, 2);
	assert_int_equal(se.records, e->n - 1);
	assert_int_equal(sl.legacy, l->n);
	/* The same kernel messages, whichever format carried them. */
	assert_int_equal(le.n, ll.n);
	for (size_t i = 0; i < le.n; i++)
		assert_string_equal(le.l[i], ll.l[i]);
	/* The 1639-byte escaped message came back as 200 UTF-8 e-acutes. */
	for (int i = 0; i < 200; i++)
		memcpy(eacute + 2 * i, "\xc3\xa9", 2);
	eacute[400] = 0;
	for (size_t i = 0; i < le.n; i++)
		if (strstr(le.l[i], "200 times e-acute: ")) {
			assert_string_equal(strstr(le.l[i], ": \xc3") + 2,
					    eacute);
			seen = true;
		}
	assert_true(seen);
	lines_free(&le);
	lines_free(&ll);
	free(e->buf);
	free(l->buf);
	free(e);
	free(l);
}

static void test_qemu_extended_disordered(void **state)
{
	struct dgrams *e = malloc(sizeof(*e));
	struct lines a, b;
	struct ncon_stats sa, sb;
	size_t idx[2048], n = 0;

	load_dgrams(e, "qemu/netconsole-extended.dgrams");
	run_capture(&a, e, NULL, e->n, &sa);
	/*
	 * Swap neighbours, send every 7th datagram twice and the fragments
	 * backwards: the lines must not change and nothing is lost.  The
	 * first datagram stays first (it defines where the stream starts).
	 */
	idx[n++] = 0;
	for (size_t i = 1; i < e->n; i += 2) {
		if (i + 1 < e->n)
			idx[n++] = i + 1;
		idx[n++] = i;
		if (i % 7 == 0)
			idx[n++] = i;
	}
	run_capture(&b, e, idx, n, &sb);
	assert_int_equal(sb.lost, sa.lost);
	assert_true(sb.duplicates > 0);
	assert_true(sb.reordered > 0);
	assert_int_equal(a.n, b.n);
	for (size_t i = 0; i < a.n; i++)
		assert_string_equal(a.l[i], b.l[i]);
	lines_free(&a);
	lines_free(&b);
	free(e->buf);
	free(e);
}

static void test_qemu_extended_loss(void **state)
{
	struct dgrams *e = malloc(sizeof(*e));
	struct lines a, b;
	struct ncon_stats sa, sb;
	size_t idx[1024], n = 0, drop = 300, i;

	load_dgrams(e, "qemu/netconsole-extended.dgrams");
	run_capture(&a, e, NULL, e->n, &sa);
	for (i = 0; i < e->n; i++)
		if (i != drop)
			idx[n++] = i;
	run_capture(&b, e, idx, n, &sb);
	/* One message is lost, and the line after the gap says so. */
	assert_int_equal(b.n, a.n - 1);
	for (i = 0; i < b.n && strcmp(a.l[i], b.l[i]) == 0; i++)
		assert_int_equal(b.lost[i], a.lost[i]);
	assert_true(i < b.n);
	assert_string_equal(b.l[i], a.l[i + 1]);
	/* The dropped message plus the (filtered) gaps around it. */
	assert_int_equal(b.lost[i], a.lost[i] + 1 + a.lost[i + 1]);
	assert_int_equal(sb.lost, sa.lost + 1);
	lines_free(&a);
	lines_free(&b);
	free(e->buf);
	free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_extended_basic),
		cmocka_unit_test(test_next_record_releases),
		cmocka_unit_test(test_release_prefix_and_caller),
		cmocka_unit_test(test_unescape),
		cmocka_unit_test(test_empty_record),
		cmocka_unit_test(test_continuation_merge),
		cmocka_unit_test(test_reorder),
		cmocka_unit_test(test_gap_is_lost_after_timeout),
		cmocka_unit_test(test_many_gaps_bounded_delay),
		cmocka_unit_test(test_reboot),
		cmocka_unit_test(test_msgid),
		cmocka_unit_test(test_fragments_out_of_order),
		cmocka_unit_test(test_fragment_lies),
		cmocka_unit_test(test_fragment_timeout),
		cmocka_unit_test(test_legacy),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_eviction),
		cmocka_unit_test(test_user_pointer_and_deadline),
		cmocka_unit_test(test_heavy_loss_bounded),
		cmocka_unit_test(test_sender_limit),
		cmocka_unit_test(test_total_limit),
		cmocka_unit_test(test_many_senders_idle_cost),
		cmocka_unit_test(test_key_format),
		cmocka_unit_test(test_qemu_extended_matches_legacy),
		cmocka_unit_test(test_qemu_extended_disordered),
		cmocka_unit_test(test_qemu_extended_loss),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
