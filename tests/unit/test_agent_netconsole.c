// SPDX-License-Identifier: MIT
/*
 * Tests for agent/source_netconsole.c through the agent core: extended
 * netconsole sent over loopback to the relay becomes a spooled record
 * with origin netconsole and the sender's address; a sequence gap before
 * the report (messages below the console loglevel are never sent) leaves
 * it complete, a message lost inside it flags it incomplete.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <sys/socket.h>

#include "testutil.h"

#include "../../agent/core.h"
#include "base/log.h"
#include "record/record.h"

struct ctx {
	char *dir;
	struct agent_config cfg;
};

static void set(struct agent_config *cfg, const char *key, const char *val)
{
	char kv[1024], err[CONF_ERR_MAX];

	snprintf(kv, sizeof(kv), "%s=%s", key, val);
	if (conf_set(agent_conf_table, cfg, kv, err, sizeof(err)) < 0)
		fail_msg("%s: %s", kv, err);
}

static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));
	char err[CONF_ERR_MAX], sub[600];

	c->dir = test_tmpdir();
	assert_int_equal(conf_defaults(agent_conf_table, &c->cfg, err,
				       sizeof(err)),
			 0);
	/* Port 9 (discard) on loopback: nobody acknowledges. */
	set(&c->cfg, "collector", "udp://127.0.0.1:9");
	snprintf(sub, sizeof(sub), "%s/spool", c->dir);
	set(&c->cfg, "spool_dir", sub);
	snprintf(sub, sizeof(sub), "%s/state", c->dir);
	set(&c->cfg, "state_dir", sub);
	set(&c->cfg, "pstore_dir", "");
	set(&c->cfg, "kmsg", "no");
	set(&c->cfg, "netconsole_listen", "127.0.0.1:0");
	set(&c->cfg, "user", "");
	log_set_level(LOG_LEVEL_WARN);
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;

	conf_free(agent_conf_table, &c->cfg);
	test_rmtree(c->dir);
	free(c);
	return 0;
}

/* The relay's port, from the status file. */
static int relay_port(struct ctx *c, struct agent *a)
{
	char path[700], *buf = NULL, *p;
	size_t len;
	int port = 0;

	agent_status(a, false);
	snprintf(path, sizeof(path), "%s/state/agent.status", c->dir);
	assert_int_equal(read_file_bounded(path, 1 << 20, 0, &buf, &len), 0);
	p = strstr(buf, "\nnetconsole_port ");
	assert_non_null(p);
	port = atoi(p + 17);
	free(buf);
	assert_true(port > 0);
	return port;
}

/*
 * One sender: a line, a jump of 40 sequence numbers, the report (with
 * message `drop` of it never sent when drop >= 0), then enough normal
 * lines to end the report's tail without waiting for its idle deadline.
 */
/*
 * A WARNING from an extended sender whose sequence jumps by 40 just before
 * the report (messages its console loglevel kept back); with msgid, the
 * sysdata counter of messages actually sent runs on without a gap.
 */
static void send_report(int port, const char *func, int drop, bool msgid)
{
	static const char *const lines[] = {
		"------------[ cut here ]------------",
		"WARNING: CPU: 2 PID: 1234 at drivers/net/foo/foo_main.c:123 "
		"%s+0x45/0x120 [foo]",
		"Modules linked in: foo bar",
		"CPU: 2 PID: 1234 Comm: kworker/2:1 Not tainted 6.1.0-21-amd64 "
		"#1 Debian 6.1.90-1",
		"RIP: 0010:%s+0x45/0x120 [foo]",
		"Call Trace:",
		" <TASK>",
		" dev_hard_start_xmit+0x63/0x1d0",
		" sch_direct_xmit+0xa0/0x370",
		" process_one_work+0x1c4/0x380",
		" worker_thread+0x4d/0x380",
		" kthread+0xd7/0x100",
		" </TASK>",
		"---[ end trace 0000000000000000 ]---",
	};
	struct sockaddr_in dst = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	unsigned seq = 1, id = 1;
	char text[512], msg[640], sys[32] = "";

	assert_true(fd >= 0);
	dst.sin_port = htons((uint16_t)port);
	dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/*
	 * Some ordinary lines first: a report starting right where the
	 * receiver first hears a sender is not known to be whole.
	 */
	for (int i = 0; i < 10; i++, seq++) {
		if (msgid)
			snprintf(sys, sizeof(sys), "\n msgid=%u", id);
		id++;
		snprintf(msg, sizeof(msg), "6,%u,%u,-;before the gap%s", seq,
			 1000 + seq, sys);
		assert_true(sendto(fd, msg, strlen(msg), 0,
				   (struct sockaddr *)&dst, sizeof(dst)) > 0);
	}
	seq += 39;
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++, seq++) {
		int n;

		if ((int)i == drop) {
			id++;
			continue;
		}
		if (msgid)
			snprintf(sys, sizeof(sys), "\n msgid=%u", id);
		id++;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		snprintf(text, sizeof(text), lines[i], func);
#pragma GCC diagnostic pop
		n = snprintf(msg, sizeof(msg), "4,%u,%u,-;%s%s", seq,
			     5000000 + seq * 10, text, sys);
		assert_true(sendto(fd, msg, (size_t)n, 0,
				   (struct sockaddr *)&dst, sizeof(dst)) == n);
	}
	for (int i = 0; i < 20; i++, seq++) {
		int n;

		if (msgid)
			snprintf(sys, sizeof(sys), "\n msgid=%u", id);
		id++;
		n = snprintf(msg, sizeof(msg), "6,%u,%u,-;normal line %d%s",
			     seq, 5000000 + seq * 10, i, sys);

		assert_true(sendto(fd, msg, (size_t)n, 0,
				   (struct sockaddr *)&dst, sizeof(dst)) == n);
	}
	close(fd);
}

/* Run the loop until n records are spooled (bounded by a deadline that
 * only matters when the test fails). */
static void wait_spooled(struct agent *a, struct evloop *loop, uint64_t n)
{
	struct spool_stats sp;

	for (int i = 0; i < 2000; i++) {
		spool_get_stats(a->spool, &sp);
		if (sp.pending >= n)
			return;
		evloop_run_once(loop, 50);
	}
	fail_msg("only %llu of %llu records spooled",
		 (unsigned long long)sp.pending, (unsigned long long)n);
}

static void check_record(struct agent *a, uint64_t seq, bool *complete,
			 uint64_t *lost, char *sender, size_t sender_len)
{
	struct spool_item it;
	Oopsd__CrashRecord *rec = NULL;
	const char *reason = NULL;

	assert_int_equal(spool_load(a->spool, seq, &it), 0);
	assert_int_equal(record_unpack(it.rec, it.rec_len, NULL, &rec,
				       &reason),
			 0);
	assert_non_null(rec->origin);
	assert_int_equal(rec->origin->source, OOPSD__SOURCE__SOURCE_NETCONSOLE);
	*complete = rec->origin->complete;
	*lost = rec->origin->lost_messages;
	snprintf(sender, sender_len, "%s",
		 rec->origin->sender ? rec->origin->sender : "");
	record_free(rec);
	spool_item_clear(&it);
}

static void test_relay_gaps(void **state)
{
	struct ctx *c = *state;
	struct evloop *loop = evloop_new();
	struct agent a;
	uint64_t seq1 = 0, seq2 = 0, seq3 = 0, lost;
	bool complete;
	char sender[128];
	int port;

	assert_non_null(loop);
	assert_int_equal(agent_open(&a, &c->cfg, loop), 0);
	assert_int_equal(agent_start(&a), 0);
	port = relay_port(c, &a);

	/* Filtered messages before the report, msgid says none lost. */
	send_report(port, "gap_before", -1, true);
	wait_spooled(&a, loop, 1);
	assert_int_equal(spool_next(a.spool, 0, &seq1), 0);
	check_record(&a, seq1, &complete, &lost, sender, sizeof(sender));
	assert_true(complete);
	assert_int_equal(lost, 0);
	assert_true(strncmp(sender, "127.0.0.1:", 10) == 0);

	send_report(port, "gap_inside", 8, true);
	wait_spooled(&a, loop, 2);
	assert_int_equal(spool_next(a.spool, seq1, &seq2), 0);
	check_record(&a, seq2, &complete, &lost, sender, sizeof(sender));
	assert_false(complete);
	assert_int_equal(lost, 1);

	/*
	 * Without msgid the same jump just before the report may be its lost
	 * header: it cannot be told from filtering, so the report is marked.
	 */
	send_report(port, "gap_unknown", -1, false);
	wait_spooled(&a, loop, 3);
	assert_int_equal(spool_next(a.spool, seq2, &seq3), 0);
	check_record(&a, seq3, &complete, &lost, sender, sizeof(sender));
	assert_false(complete);
	assert_int_equal(lost, 39);
	agent_close(&a);
	evloop_free(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_relay_gaps, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
