// SPDX-License-Identifier: MIT
/*
 * Tests for agent/source_kmsg.c through the agent core: kmsg records from
 * a file become spooled records; the position is saved per boot and a
 * restart resumes after it; a lost position replays into the same record
 * ids (spool duplicates, no new files); dictionary and malformed lines;
 * the status file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sys/stat.h>

#include "testutil.h"

#include "../../agent/core.h"
#include "log.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_kmsg_to_spool_and_resume,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_boot_position_ignored,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_boot_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_collector_refused,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
