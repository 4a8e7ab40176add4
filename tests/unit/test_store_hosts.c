// SPDX-License-Identifier: MIT
/*
 * Tests for lib/store/store_hosts.c, the fleet view `oopsctl hosts` and
 * oops-web's /hosts share: the merge of crash hosts and heartbeats, its
 * order and states, its errors and its JSON.  The store's two questions
 * (store_hosts(), store_heartbeats()) are wrapped (-Wl,--wrap=) and
 * answer from the tables below, so no store is opened.
 */
#include "testutil.h"

#include <errno.h>

#include "store/store_hosts.h"

#define NOW (1767225600LL * 1000000) /* 2026-01-01T00:00:00Z */
#define SEC 1000000LL

/* What the wrapped store answers: rows, or an error. */
static const struct store_host *crash_hosts;
static size_t n_crash_hosts;
static int hosts_rc;
static const struct store_heartbeat *heartbeats;
static size_t n_heartbeats;
static int heartbeats_rc;

int __wrap_store_hosts(struct store *st, store_host_fn fn, void *arg);
int __wrap_store_heartbeats(struct store *st, store_heartbeat_fn fn,
			    void *arg);

int __wrap_store_hosts(struct store *st, store_host_fn fn, void *arg)
{
	size_t i;

	(void)st;
	if (hosts_rc < 0)
		return hosts_rc;
	for (i = 0; i < n_crash_hosts; i++)
		if (fn(&crash_hosts[i], arg) != 0)
			break;
	return (int)i;
}

int __wrap_store_heartbeats(struct store *st, store_heartbeat_fn fn,
			    void *arg)
{
	char key[64], name[64];
	size_t i;

	(void)st;
	if (heartbeats_rc < 0)
		return heartbeats_rc;
	for (i = 0; i < n_heartbeats; i++) {
		/* The store's strings live only during the call: hand out
		 * a copy that is wiped afterwards, so a kept pointer shows. */
		struct store_heartbeat hb = heartbeats[i];

		str_lcpy(key, hb.host_key ? hb.host_key : "", sizeof(key));
		str_lcpy(name, hb.hostname ? hb.hostname : "", sizeof(name));
		hb.host_key = key;
		hb.hostname = hb.hostname ? name : NULL;
		if (fn(&hb, arg) != 0)
			break;
		memset(key, 'x', sizeof(key) - 1);
		memset(name, 'x', sizeof(name) - 1);
	}
	return (int)i;
}

/* Crash hosts, newest crash first, as store_hosts() gives them. */
static const struct store_host fleet_hosts[] = {
	{ .host_key = "bb", .hostname = "b-crash", .count = 3,
	  .last_seen_us = NOW - 10 * SEC },
	{ .host_key = "xx", .hostname = "x", .count = 1,
	  .last_seen_us = NOW - 20 * SEC },
	{ .host_key = "aa", .count = 2, .last_seen_us = NOW - 30 * SEC },
};

/* Heartbeats, in no particular order: aa reporting, bb silent, cc and dd
 * with no crash (dd the newer). */
static const struct store_heartbeat fleet_hbs[] = {
	{ .host_key = "dd", .hostname = "d", .interval_s = 10,
	  .received_us = NOW - 2 * SEC },
	{ .host_key = "bb", .hostname = "b-hb", .interval_s = 10,
	  .received_us = NOW - 600 * SEC },
	{ .host_key = "cc", .hostname = "c", .interval_s = 10,
	  .received_us = NOW - 5 * SEC },
	{ .host_key = "aa", .hostname = "a", .interval_s = 10,
	  .agent_version = "1.2", .received_us = NOW - 1 * SEC },
};

static int setup(void **state)
{
	(void)state;
	crash_hosts = fleet_hosts;
	n_crash_hosts = ARRAY_SIZE(fleet_hosts);
	heartbeats = fleet_hbs;
	n_heartbeats = ARRAY_SIZE(fleet_hbs);
	hosts_rc = heartbeats_rc = 0;
	return 0;
}

struct seen {
	size_t n, stop_at;
	char line[8][64];
};

static int seen_fn(const struct store_host *h, const struct store_heartbeat *hb,
		   enum store_host_state s, void *arg)
{
	struct seen *v = arg;
	const char *name = store_fleet_hostname(h, hb);

	assert_true(h != NULL || hb != NULL);
	assert_true(v->n < 8);
	snprintf(v->line[v->n++], sizeof(v->line[0]), "%s %s %s %s",
		 store_fleet_key(h, hb), name ? name : "-",
		 store_host_state_name(s),
		 hb && hb->agent_version ? hb->agent_version : "-");
	return v->stop_at && v->n >= v->stop_at;
}

/* Crash hosts first (with their heartbeat), then heartbeat-only hosts,
 * newest first; every host counted by its state. */
static void test_walk_order_and_states(void **state)
{
	struct store_fleet f = { .now_us = NOW, .silent_after_us = 60 * SEC };
	struct seen v = { 0 };

	(void)state;
	assert_int_equal(store_fleet_load(NULL, &f), 0);
	assert_int_equal(f.nhbs, 4);
	assert_int_equal(store_fleet_walk(NULL, &f, seen_fn, &v), 0);
	assert_int_equal(v.n, 5);
	assert_string_equal(v.line[0], "bb b-crash silent -");
	assert_string_equal(v.line[1], "xx x no_agent -");
	/* No crash hostname: the heartbeat's, kept past the store's call. */
	assert_string_equal(v.line[2], "aa a reporting 1.2");
	assert_string_equal(v.line[3], "dd d reporting -");
	assert_string_equal(v.line[4], "cc c reporting -");
	assert_int_equal(f.n, 5);
	assert_int_equal(f.by_state[STORE_HOST_REPORTING], 3);
	assert_int_equal(f.by_state[STORE_HOST_SILENT], 1);
	assert_int_equal(f.by_state[STORE_HOST_NO_AGENT], 1);
	store_fleet_free(&f);
}

/* silent_after 0: three of the host's own intervals. */
static void test_silent_by_interval(void **state)
{
	struct store_fleet f = { .now_us = NOW };
	struct seen v = { 0 };

	(void)state;
	heartbeats = &fleet_hbs[2]; /* cc, 5 s ago, every 10 s */
	n_heartbeats = 1;
	n_crash_hosts = 0;
	assert_int_equal(store_fleet_load(NULL, &f), 0);
	assert_int_equal(store_fleet_walk(NULL, &f, seen_fn, &v), 0);
	assert_string_equal(v.line[0], "cc c reporting -");
	store_fleet_free(&f);

	memset(&v, 0, sizeof(v));
	f = (struct store_fleet){ .now_us = NOW + 60 * SEC };
	assert_int_equal(store_fleet_load(NULL, &f), 0);
	assert_int_equal(store_fleet_walk(NULL, &f, seen_fn, &v), 0);
	assert_string_equal(v.line[0], "cc c silent -");
	store_fleet_free(&f);
}

/* A callback that stops: in the crash hosts, the heartbeat-only hosts
 * are still walked (as `oopsctl hosts` always did); in those, the walk
 * ends. */
static void test_walk_stops(void **state)
{
	struct store_fleet f = { .now_us = NOW, .silent_after_us = 60 * SEC };
	struct seen v = { .stop_at = 4 };

	(void)state;
	assert_int_equal(store_fleet_load(NULL, &f), 0);
	assert_int_equal(store_fleet_walk(NULL, &f, seen_fn, &v), 0);
	assert_int_equal(v.n, 4);
	store_fleet_free(&f);

	memset(&v, 0, sizeof(v));
	v.stop_at = 1;
	f = (struct store_fleet){ .now_us = NOW };
	assert_int_equal(store_fleet_load(NULL, &f), 0);
	assert_int_equal(store_fleet_walk(NULL, &f, seen_fn, &v), 0);
	/* bb stopped store_hosts(), before aa was matched: aa then
	 * comes first of the heartbeat-only hosts, and stops them. */
	assert_int_equal(v.n, 2);
	assert_string_equal(v.line[1], "aa a reporting 1.2");
	store_fleet_free(&f);
}

/* The store's errors come back as they are; no host is walked after a
 * failed store_hosts(). */
static void test_errors(void **state)
{
	struct store_fleet f = { .now_us = NOW };
	struct seen v = { 0 };

	(void)state;
	heartbeats_rc = -EIO;
	assert_int_equal(store_fleet_load(NULL, &f), -EIO);
	store_fleet_free(&f);

	heartbeats_rc = 0;
	hosts_rc = -ENOTCONN;
	assert_int_equal(store_fleet_load(NULL, &f), 0);
	assert_int_equal(store_fleet_walk(NULL, &f, seen_fn, &v), -ENOTCONN);
	assert_int_equal(v.n, 0);
	store_fleet_free(&f);
	assert_null(f.hbs);
	assert_int_equal(f.nhbs, 0);
}

/* No heartbeat at all: every crash host is no_agent, nothing follows. */
static void test_no_heartbeats(void **state)
{
	struct store_fleet f = { .now_us = NOW };
	struct seen v = { 0 };

	(void)state;
	n_heartbeats = 0;
	assert_int_equal(store_fleet_load(NULL, &f), 0);
	assert_int_equal(store_fleet_walk(NULL, &f, seen_fn, &v), 0);
	assert_int_equal(v.n, 3);
	assert_int_equal(f.by_state[STORE_HOST_NO_AGENT], 3);
	store_fleet_free(&f);
}

/* The JSON row: the fields of both sources, backlog only with an agent. */
static void test_json(void **state)
{
	struct json j;

	(void)state;
	json_init(&j);
	store_json_fleet_host(&j, &fleet_hosts[2], &fleet_hbs[3],
			      STORE_HOST_REPORTING);
	assert_false(j.oom);
	assert_non_null(strstr(j.buf, "{\"host\":\"aa\",\"hostname\":\"a\","));
	assert_non_null(strstr(j.buf, "\"state\":\"reporting\""));
	assert_non_null(strstr(j.buf, "\"count\":2,"));
	assert_non_null(strstr(j.buf, "\"agent_version\":\"1.2\""));
	assert_non_null(strstr(j.buf, "\"heartbeat_interval_s\":10}"));
	json_free(&j);

	json_init(&j);
	store_json_fleet_host(&j, &fleet_hosts[1], NULL, STORE_HOST_NO_AGENT);
	assert_non_null(strstr(j.buf, "\"state\":\"no_agent\""));
	assert_non_null(strstr(j.buf, "\"last_heartbeat\":null"));
	assert_null(strstr(j.buf, "backlog"));
	json_free(&j);
}

static void test_hb_copy(void **state)
{
	struct store_heartbeat hb = { .hostname = "h", .backlog = 7 };
	struct store_hb_copy c;

	(void)state;
	assert_int_equal(store_hb_copy_set(&c, &hb), 0);
	assert_string_equal(c.hb.host_key, ""); /* none given */
	assert_string_equal(c.hb.hostname, "h");
	assert_ptr_not_equal(c.hb.hostname, hb.hostname);
	assert_null(c.hb.release);
	assert_int_equal(c.hb.backlog, 7);
	store_hb_copy_free(&c);
	assert_string_equal(store_host_state_name(STORE_HOST_SILENT), "silent");
	assert_string_equal(store_host_state_name((enum store_host_state)9),
			    "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_walk_order_and_states, setup),
		cmocka_unit_test_setup(test_silent_by_interval, setup),
		cmocka_unit_test_setup(test_walk_stops, setup),
		cmocka_unit_test_setup(test_errors, setup),
		cmocka_unit_test_setup(test_no_heartbeats, setup),
		cmocka_unit_test_setup(test_json, setup),
		cmocka_unit_test(test_hb_copy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
