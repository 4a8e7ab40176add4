// SPDX-License-Identifier: MIT
/*
 * Tests for agent/source_kmsg.c through the agent core: kmsg records from
 * a file become spooled records; the position is saved per boot and a
 * restart resumes after it; a lost position replays into the same record
 * ids (spool duplicates, no new files); dictionary and malformed lines;
 * the status file; a spool that cannot take records (a full disk, made by
 * wrapping spool_put() at link time: see Build.mk) never lets the saved
 * position pass an unspooled report, and every report arrives exactly
 * once when space returns or after a restart.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sys/stat.h>

#include "testutil.h"

#include "../../agent/core.h"
#include "base/log.h"
#include "parse/oops.h"
#include "record/record.h"

/*
 * spool_put() is wrapped (-Wl,--wrap=spool_put): put_budget more records
 * fit on the "disk", then -ENOSPC; -1 is a disk that never fills.
 */
static int put_budget = -1;
static unsigned put_failures;

int __real_spool_put(struct spool *s, const void *id, size_t id_len,
		     const void *meta, size_t meta_len, const void *rec,
		     size_t rec_len, uint64_t *seq);
int __wrap_spool_put(struct spool *s, const void *id, size_t id_len,
		     const void *meta, size_t meta_len, const void *rec,
		     size_t rec_len, uint64_t *seq);

int __wrap_spool_put(struct spool *s, const void *id, size_t id_len,
		     const void *meta, size_t meta_len, const void *rec,
		     size_t rec_len, uint64_t *seq)
{
	int rc;

	if (put_budget == 0) {
		put_failures++;
		return -ENOSPC;
	}
	rc = __real_spool_put(s, id, id_len, meta, meta_len, rec, rec_len,
			      seq);
	if (rc == 1 && put_budget > 0)
		put_budget--;
	return rc;
}

struct ctx {
	char *dir;
	char path[512];
	struct agent_config cfg;
};

static void set(struct agent_config *cfg, const char *key, const char *val)
{
	char kv[1024], err[CONF_ERR_MAX];

	snprintf(kv, sizeof(kv), "%s=%s", key, val);
	if (conf_set(agent_conf_table, cfg, kv, err, sizeof(err)) < 0)
		fail_msg("%s: %s", kv, err);
}

/* n reports (functions foo_txFIRST..), each followed by a normal line,
 * plus a dictionary line and a malformed line after the first. */
static void write_kmsg(const char *path, int first, int n)
{
	size_t len;
	char *fx = test_fixture("agent/warning.log", &len);
	FILE *f = fopen(path, "w");
	unsigned seq = 100;

	assert_non_null(f);
	for (int i = first; i < first + n; i++) {
		char *save = NULL, *copy = strdup(fx), *line;

		for (line = strtok_r(copy, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			char *at = strstr(line, "foo_tx");

			if (at != NULL)
				fprintf(f, "4,%u,%u,-;%.*sfoo_tx%d%s\n", seq,
					5000000 + seq * 10, (int)(at - line),
					line, i, at + 6);
			else
				fprintf(f, "4,%u,%u,-;%s\n", seq,
					5000000 + seq * 10, line);
			seq++;
		}
		fprintf(f, "6,%u,%u,-;normal line %d\n", seq, 5000000 + seq * 10,
			i);
		seq++;
		if (i == first) {
			fprintf(f, " SUBSYSTEM=net\n");
			fprintf(f, "this line is not kmsg\n");
		}
		free(copy);
	}
	fclose(f);
	free(fx);
}

static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));
	char err[CONF_ERR_MAX], sub[600];

	c->dir = test_tmpdir();
	assert_int_equal(conf_defaults(agent_conf_table, &c->cfg, err,
				       sizeof(err)),
			 0);
	snprintf(c->path, sizeof(c->path), "%s/kmsg", c->dir);
	/* Port 9 (discard) on loopback: nobody acknowledges. */
	set(&c->cfg, "collector", "udp://127.0.0.1:9");
	snprintf(sub, sizeof(sub), "%s/spool", c->dir);
	set(&c->cfg, "spool_dir", sub);
	snprintf(sub, sizeof(sub), "%s/state", c->dir);
	set(&c->cfg, "state_dir", sub);
	set(&c->cfg, "pstore_dir", "");
	set(&c->cfg, "kmsg", "yes");
	set(&c->cfg, "kmsg_path", c->path);
	set(&c->cfg, "user", "");
	log_set_level(LOG_LEVEL_WARN);
	put_budget = -1;
	put_failures = 0;
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

/* Run the agent over the kmsg file: open, start (a regular file is read
 * to the end at start), stop.  Returns the spool statistics. */
static void run_agent(struct ctx *c, struct spool_stats *sp,
		      struct agent_counters *cnt)
{
	struct evloop *loop = evloop_new();
	struct agent a;

	assert_non_null(loop);
	assert_int_equal(agent_open(&a, &c->cfg, loop), 0);
	assert_int_equal(agent_start(&a), 0);
	evloop_run_once(loop, 0);
	spool_get_stats(a.spool, sp);
	*cnt = a.cnt;
	agent_close(&a);
	evloop_free(loop);
}

static char *read_state(struct ctx *c, const char *name)
{
	char path[700], *buf = NULL;
	size_t len;

	snprintf(path, sizeof(path), "%s/state/%s", c->dir, name);
	if (read_file_bounded(path, 1 << 20, 0, &buf, &len) < 0)
		return NULL;
	return buf;
}

static void test_kmsg_to_spool_and_resume(void **state)
{
	struct ctx *c = *state;
	struct spool_stats sp;
	struct agent_counters cnt;
	char boot[64], *st;
	unsigned long long seq = 0;

	write_kmsg(c->path, 1, 3);
	run_agent(c, &sp, &cnt);
	assert_int_equal(cnt.reports, 3);
	assert_int_equal(cnt.spooled, 3);
	assert_int_equal(sp.pending, 3);

	/* The position: this boot, the last record of the file. */
	st = read_state(c, "kmsg.state");
	assert_non_null(st);
	assert_int_equal(sscanf(st, "%63s %llu", boot, &seq), 2);
	free(st);
	assert_int_equal(strlen(boot), 32);
	assert_int_equal(seq, 100 + 3 * 26 - 1);
	st = read_state(c, "agent.status");
	assert_non_null(st);
	assert_non_null(strstr(st, "\nspool_pending 3\n"));
	assert_non_null(strstr(st, "\nkmsg_reports 3\n"));
	assert_non_null(strstr(st, "\nkmsg_malformed 1\n"));
	free(st);

	/* Restart on the same log: nothing new. */
	run_agent(c, &sp, &cnt);
	assert_int_equal(cnt.reports, 0);
	assert_int_equal(sp.pending, 3);
	assert_int_equal(sp.stored, 0);

	/* The log grew (the same boot): only the new report is read. */
	write_kmsg(c->path, 1, 4);
	run_agent(c, &sp, &cnt);
	assert_int_equal(cnt.reports, 1);
	assert_int_equal(sp.pending, 4);

	/* Position lost: the replay gives the same ids, nothing new. */
	st = read_state(c, "kmsg.state");
	free(st);
	{
		char path[700];

		snprintf(path, sizeof(path), "%s/state/kmsg.state", c->dir);
		assert_int_equal(unlink(path), 0);
	}
	run_agent(c, &sp, &cnt);
	assert_int_equal(cnt.reports, 4);
	assert_int_equal(cnt.duplicates, 4);
	assert_int_equal(cnt.spooled, 0);
	assert_int_equal(sp.pending, 4);
}

/* A position saved in another boot does not apply: the log is read. */
static void test_other_boot_position_ignored(void **state)
{
	struct ctx *c = *state;
	struct spool_stats sp;
	struct agent_counters cnt;
	char path[700];
	int fd;

	write_kmsg(c->path, 1, 2);
	snprintf(path, sizeof(path), "%s/state", c->dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/state/kmsg.state", c->dir);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "00000000000000000000000000000000 99999\n",
			       39),
			 39);
	close(fd);
	run_agent(c, &sp, &cnt);
	assert_int_equal(cnt.reports, 2);
	assert_int_equal(sp.pending, 2);
}

/* The previous boot's id is remembered for the pstore source. */
static void test_boot_ids(void **state)
{
	struct ctx *c = *state;
	struct evloop *loop = evloop_new();
	struct agent a;
	char path[700];
	int fd;

	snprintf(path, sizeof(path), "%s/state", c->dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/state/boot_id", c->dir);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "0123456789abcdef0123456789abcdef\n", 33),
			 33);
	close(fd);
	set(&c->cfg, "kmsg", "no");
	assert_int_equal(agent_open(&a, &c->cfg, loop), 0);
	assert_string_equal(agent_identity(&a)->prev_boot_id,
			    "0123456789abcdef0123456789abcdef");
	assert_int_equal(strlen(agent_identity(&a)->boot_id), 32);
	agent_close(&a);
	/* Now the file holds this boot: no previous boot next time. */
	assert_int_equal(agent_open(&a, &c->cfg, loop), 0);
	assert_string_equal(agent_identity(&a)->prev_boot_id, "");
	agent_close(&a);
	evloop_free(loop);
}

/*
 * A boot_id file that is not one (torn, edited, copied from elsewhere) is
 * no previous boot, and is replaced by this boot's id.
 */
static void test_boot_id_garbage(void **state)
{
	static const struct {
		const char *text;
		size_t len;
	} bad[] = {
		{ "not a boot id at all, but 32+ chars long\n", 41 },
		{ "0123456789ABCDEF0123456789ABCDEF\n", 33 },
		{ "0123456789abcdef0123456789abcdef0\n", 34 },
		{ "0123456789abcdef0123456789abcdef junk\n", 38 },
		{ "0123456789abcdef\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\n", 33 },
		{ "0123456789abcdef0123456789abcdef\0\n", 34 },
		{ "01234567-89ab-cdef-0123-456789abcdef\n", 37 },
		{ "0123456789abcdef", 16 },
	};
	struct ctx *c = *state;
	struct evloop *loop = evloop_new();
	struct agent a;
	char path[700], *now;
	int fd;

	snprintf(path, sizeof(path), "%s/state", c->dir);
	assert_int_equal(mkdir(path, 0700), 0);
	set(&c->cfg, "kmsg", "no");
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(path, sizeof(path), "%s/state/boot_id", c->dir);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, bad[i].text, bad[i].len),
				 (ssize_t)bad[i].len);
		close(fd);
		assert_int_equal(agent_open(&a, &c->cfg, loop), 0);
		if (agent_identity(&a)->prev_boot_id[0] != '\0')
			fail_msg("boot_id file %zu taken as '%s'", i,
				 agent_identity(&a)->prev_boot_id);
		agent_close(&a);
		now = read_state(c, "boot_id");
		assert_int_equal(strlen(now), 33);
		assert_true(hex_is_lower(now, 32));
		free(now);
	}
	evloop_free(loop);
}

static void test_bad_collector_refused(void **state)
{
	struct ctx *c = *state;
	struct evloop *loop = evloop_new();
	struct agent a;

	set(&c->cfg, "collector", "tcp://1.2.3.4:5");
	assert_int_equal(agent_open(&a, &c->cfg, loop), -EINVAL);
	agent_close(&a);
	evloop_free(loop);
}

/* The saved position, or 0 when there is none. */
static unsigned long long saved_seq(struct ctx *c)
{
	char boot[64], *st = read_state(c, "kmsg.state");
	unsigned long long seq = 0;

	if (st == NULL)
		return 0;
	assert_int_equal(sscanf(st, "%63s %llu", boot, &seq), 2);
	free(st);
	return seq;
}

/* Report i (from 0) of write_kmsg(path, 1, n) starts at this sequence. */
#define REPORT_SEQ(i) (100 + 26 * (i))
#define NREPORTS 100

/*
 * The disk fills after 10 records while 100 reports arrive: reading
 * pauses with one report in memory and none dropped, the saved position
 * stays before the first unspooled report, and when space returns the
 * rest is read: all 100 spooled exactly once.
 */
static void test_full_spool_space_returns(void **state)
{
	struct ctx *c = *state;
	struct evloop *loop = evloop_new();
	struct spool_stats sp;
	struct agent a;
	char *st;

	write_kmsg(c->path, 1, NREPORTS);
	put_budget = 10;
	assert_non_null(loop);
	assert_int_equal(agent_open(&a, &c->cfg, loop), 0);
	assert_int_equal(agent_start(&a), 0);
	evloop_run_once(loop, 0);
	spool_get_stats(a.spool, &sp);
	assert_int_equal(sp.pending, 10);
	assert_int_equal(a.memq_n, 1);
	assert_int_equal(a.cnt.memq_dropped, 0);
	assert_int_equal(a.cnt.reports, 11);
	assert_false(agent_all_spooled(&a));
	/* Saved, but not past report 11 (index 10), which is in memory. */
	assert_true(saved_seq(c) < REPORT_SEQ(10));
	agent_status(&a, false);
	st = read_state(c, "agent.status");
	assert_non_null(st);
	assert_non_null(strstr(st, "\nkmsg_paused 1\n"));
	assert_non_null(strstr(st, "\nkmsg_unspooled 1\n"));
	free(st);

	/* Still full: the retry fails, nothing moves. */
	agent_rescan(&a);
	assert_int_equal(a.memq_n, 1);
	assert_true(saved_seq(c) < REPORT_SEQ(10));

	/* Space returns: the waiting report is stored and reading goes on
	 * to the end of the file. */
	put_budget = -1;
	agent_rescan(&a);
	evloop_run_once(loop, 0);
	spool_get_stats(a.spool, &sp);
	assert_int_equal(a.memq_n, 0);
	assert_int_equal(sp.pending, NREPORTS);
	assert_int_equal(a.cnt.spooled, NREPORTS);
	assert_int_equal(a.cnt.duplicates, 0);
	assert_int_equal(a.cnt.memq_dropped, 0);
	agent_close(&a);
	evloop_free(loop);
	assert_int_equal(saved_seq(c), REPORT_SEQ(NREPORTS) - 1);
	assert_true(put_failures > 0);
}

/*
 * The agent stops while the disk is full (twice, at different points),
 * then starts with space: every report is spooled exactly once, and the
 * position saved at each stop is before the first unspooled report.
 */
static void test_full_spool_restart(void **state)
{
	struct ctx *c = *state;
	struct spool_stats sp;
	struct agent_counters cnt;

	write_kmsg(c->path, 1, NREPORTS);
	put_budget = 10;
	run_agent(c, &sp, &cnt);
	assert_int_equal(sp.pending, 10);
	assert_int_equal(cnt.spooled, 10);
	assert_int_equal(cnt.memq_dropped, 0);
	assert_true(saved_seq(c) < REPORT_SEQ(10));

	/*
	 * A little space: 25 more, then full again.  These reports follow
	 * each other closely, so the parser is never idle between them and
	 * the last safe boundary is the start: the first 10 are read again
	 * and recognised by their record ids (no second copy).
	 */
	put_budget = 25;
	run_agent(c, &sp, &cnt);
	assert_int_equal(sp.pending, 35);
	assert_int_equal(cnt.spooled, 25);
	assert_int_equal(cnt.duplicates, 10);
	assert_int_equal(cnt.memq_dropped, 0);
	assert_true(saved_seq(c) < REPORT_SEQ(35));

	put_budget = -1;
	run_agent(c, &sp, &cnt);
	assert_int_equal(sp.pending, NREPORTS);
	assert_int_equal(cnt.spooled, NREPORTS - 35);
	assert_int_equal(cnt.duplicates, 35);
	assert_int_equal(cnt.memq_dropped, 0);
	assert_int_equal(saved_seq(c), REPORT_SEQ(NREPORTS) - 1);
}

static bool fake_wanted(const struct agent_config *cfg)
{
	return false;
}

/* A source that only emits what the test gives it. */
static const struct agent_source_ops fake_source = {
	.name = "fake",
	.tag = 'T',
	.wanted = fake_wanted,
};

/*
 * The memory queue is full (another source's records) when the disk
 * fills: a kmsg report is dropped from memory.  Reading pauses, and when
 * space returns the file is read again from the held position: all 100
 * reports are spooled, once each.
 */
static void test_full_spool_dropped_rewinds(void **state)
{
	struct ctx *c = *state;
	struct evloop *loop = evloop_new();
	struct spool_stats sp;
	struct agent a;
	write_kmsg(c->path, 1, NREPORTS);
	assert_non_null(loop);
	assert_int_equal(agent_open(&a, &c->cfg, loop), 0);
	put_budget = 0;
	for (int i = 0; i < AGENT_MEMQ_MAX; i++) {
		struct oops_parser *p = oops_parser_new(NULL);
		struct record_origin o = RECORD_ORIGIN_INIT;
		struct oops_report *r;
		char *text;
		int n;

		/* Distinct function names: distinct record ids. */
		assert_non_null(p);
		n = asprintf(&text,
			     "WARNING: CPU: 0 PID: 1 at drivers/fill.c:%d "
			     "filler%d+0x1/0x10\nCall Trace:\n <TASK>\n "
			     "filler%d+0x1/0x10\n </TASK>\n---[ end trace "
			     "0000000000000000 ]---\n",
			     i + 1, i, i);
		assert_true(n > 0);
		oops_parser_feed(p, text, (size_t)n, 0);
		free(text);
		oops_parser_finish(p, 0);
		r = oops_parser_next(p);
		assert_non_null(r);
		o.source = RECORD_SOURCE_FILE;
		assert_int_equal(agent_emit(&a, &fake_source, r, &o, NULL, 0),
				 AGENT_EMIT_QUEUED);
		oops_report_free(r);
		oops_parser_free(p);
	}
	assert_int_equal(a.memq_n, AGENT_MEMQ_MAX);
	assert_int_equal(agent_start(&a), 0);
	evloop_run_once(loop, 0);
	/* The first kmsg report found the memory queue full. */
	assert_int_equal(a.cnt.memq_dropped, 1);
	assert_int_equal(a.cnt.reports, AGENT_MEMQ_MAX + 1);
	assert_true(saved_seq(c) < REPORT_SEQ(1));

	put_budget = -1;
	agent_rescan(&a);
	evloop_run_once(loop, 0);
	spool_get_stats(a.spool, &sp);
	assert_int_equal(a.memq_n, 0);
	assert_int_equal(sp.pending, AGENT_MEMQ_MAX + NREPORTS);
	agent_close(&a);
	evloop_free(loop);
	assert_int_equal(saved_seq(c), REPORT_SEQ(NREPORTS) - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_kmsg_to_spool_and_resume,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_boot_position_ignored,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_boot_id_garbage, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_boot_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_collector_refused,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_spool_space_returns,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_spool_restart,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_spool_dropped_rewinds,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
