// SPDX-License-Identifier: MIT
/* Tests for lib/base/conf.c: the declarative config table, and the
 * enumerated keys of the daemons' own tables. */
#include <stdio.h>

#include "testutil.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/conf.h"
#include "base/log.h"
#include "base/sandbox.h"
#if ENABLE_AGENT
#include "../../agent/agent.h"
#endif
#if ENABLE_COLLECTOR
#include "../../collector/collector.h"
#endif

struct tconf {
	char *name;
	int enabled;
	long long count;
	uint64_t size;
	uint64_t timeout;
	int port;
	int level;
};

static const char *const levels[] = { "low", "high", NULL };

static int parse_port(const char *v, void *field, char *err, size_t errlen)
{
	int p = atoi(v);

	if (p < 1 || p > 65535) {
		snprintf(err, errlen, "'%s' is not a port", v);
		return -1;
	}
	*(int *)field = p;
	return 0;
}

static const struct conf_entry table[] = {
	{ "name", CONF_STRING, "default", offsetof(struct tconf, name), "n" },
	{ "enabled", CONF_BOOL, "no", offsetof(struct tconf, enabled), "e" },
	{ "count", CONF_INT, "3", offsetof(struct tconf, count), "c", 1, 10 },
	{ "size", CONF_SIZE, "1K", offsetof(struct tconf, size), "s" },
	{ "timeout", CONF_DURATION, "30s", offsetof(struct tconf, timeout), "t" },
	{ "port", CONF_CUSTOM, "80", offsetof(struct tconf, port), "p", 0, 0,
	  parse_port, NULL },
	{ "level", CONF_ENUM, "low", offsetof(struct tconf, level), "l",
	  .choices = levels },
	CONF_END,
};

static int load(struct tconf *c, const char *text, char *err)
{
	memset(c, 0, sizeof(*c));
	assert_int_equal(conf_defaults(table, c, err, CONF_ERR_MAX), 0);
	return conf_load_buffer(table, c, "t.conf", text, strlen(text), err,
				CONF_ERR_MAX);
}

static void test_defaults(void **state)
{
	struct tconf c;
	char err[CONF_ERR_MAX];

	assert_int_equal(load(&c, "", err), 0);
	assert_string_equal(c.name, "default");
	assert_int_equal(c.enabled, 0);
	assert_int_equal(c.count, 3);
	assert_int_equal(c.size, 1024);
	assert_int_equal(c.timeout, 30000);
	assert_int_equal(c.port, 80);
	conf_free(table, &c);
	assert_null(c.name);
}

static void test_values_quotes_comments(void **state)
{
	struct tconf c;
	char err[CONF_ERR_MAX];
	const char *text = "# a comment\n"
			   "\n"
			   "name = \"with # hash and \\\"quote\\\"\"  # tail\n"
			   "enabled=yes\n"
			   "  count = 0x7 # hex\n"
			   "size = 16M\r\n"
			   "timeout = 250ms\n"
			   "port = 5514\n";

	assert_int_equal(load(&c, text, err), 0);
	assert_string_equal(c.name, "with # hash and \"quote\"");
	assert_int_equal(c.enabled, 1);
	assert_int_equal(c.count, 7);
	assert_int_equal(c.size, 16u << 20);
	assert_int_equal(c.timeout, 250);
	assert_int_equal(c.port, 5514);
	conf_free(table, &c);
}

static void test_unquoted_hash_in_value(void **state)
{
	struct tconf c;
	char err[CONF_ERR_MAX];

	assert_int_equal(load(&c, "name = a#b # comment\n", err), 0);
	assert_string_equal(c.name, "a#b");
	conf_free(table, &c);
}

struct bad_case {
	const char *text;
	const char *message;
};

static void test_errors_have_file_line(void **state)
{
	static const struct bad_case cases[] = {
		{ "name = x\nbogus = 1\n", "t.conf:2: unknown key 'bogus'" },
		{ "enabled = maybe\n", "t.conf:1: enabled: 'maybe' is not a boolean (yes or no)" },
		{ "\n\ncount = 11\n", "t.conf:3: count: 11 is out of range 1..10" },
		{ "count = 3x\n", "t.conf:1: count: '3x' is not an integer" },
		{ "size = 12Q\n", "t.conf:1: size: '12Q' is not a size (e.g. 512, 64K, 16M, 1G)" },
		{ "timeout = -1\n", "t.conf:1: timeout: '-1' is not a duration (e.g. 500ms, 30s, 5m, 2h, 7d)" },
		{ "port = 99999\n", "t.conf:1: port: '99999' is not a port" },
		{ "just words\n", "t.conf:1: expected 'key = value'" },
		{ "= 3\n", "t.conf:1: missing key before '='" },
		{ "name = \"open\n", "t.conf:1: unterminated quote" },
		{ "name = \"a\" b\n", "t.conf:1: text after closing quote" },
		{ "count = 2\ncount = 3\n", "t.conf:2: 'count' is set twice" },
		{ "na me = 1\n", "t.conf:1: bad character in key 'na me'" },
		{ "\nlevel = mid\n", "t.conf:2: level: 'mid' is not one of low, high" },
		{ "level =\n", "t.conf:1: level: '' is not one of low, high" },
		{ "level = lowest\n", "t.conf:1: level: 'lowest' is not one of low, high" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tconf c;
		char err[CONF_ERR_MAX] = "";

		assert_int_equal(load(&c, cases[i].text, err), -1);
		assert_string_equal(err, cases[i].message);
		conf_free(table, &c);
	}
}

static void test_nul_and_long_lines(void **state)
{
	struct tconf c;
	char err[CONF_ERR_MAX];
	char *big = malloc(10000);

	memset(&c, 0, sizeof(c));
	conf_defaults(table, &c, err, sizeof(err));
	assert_int_equal(conf_load_buffer(table, &c, "t.conf", "name = a\0b\n",
					  11, err, sizeof(err)), -1);
	assert_string_equal(err, "t.conf:1: NUL byte in line");
	memset(big, 'a', 9999);
	big[9999] = '\n';
	assert_int_equal(conf_load_buffer(table, &c, "t.conf", big, 10000, err,
					  sizeof(err)), -1);
	assert_string_equal(err, "t.conf:1: line too long");
	free(big);
	conf_free(table, &c);
}

static void test_overrides(void **state)
{
	struct tconf c;
	char err[CONF_ERR_MAX];

	assert_int_equal(load(&c, "name = file\n", err), 0);
	assert_int_equal(conf_set(table, &c, "name=cli", err, sizeof(err)), 0);
	assert_string_equal(c.name, "cli");
	assert_int_equal(conf_set(table, &c, "nope=1", err, sizeof(err)), -1);
	assert_string_equal(err, "override: unknown key 'nope'");
	assert_int_equal(conf_set(table, &c, "count=99", err, sizeof(err)), -1);
	assert_string_equal(err, "override: count: 99 is out of range 1..10");
	conf_free(table, &c);
}

static void test_file_errors(void **state)
{
	struct tconf c;
	char err[CONF_ERR_MAX];
	char *dir = test_tmpdir();
	char path[512];
	FILE *f;

	memset(&c, 0, sizeof(c));
	conf_defaults(table, &c, err, sizeof(err));
	snprintf(path, sizeof(path), "%s/missing.conf", dir);
	assert_int_equal(conf_load_file(table, &c, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "No such file or directory"));
	snprintf(path, sizeof(path), "%s/a.conf", dir);
	f = fopen(path, "w");
	fputs("count = 4\nenabled = perhaps\n", f);
	fclose(f);
	assert_int_equal(conf_load_file(table, &c, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "a.conf:2: enabled: 'perhaps'"));
	conf_free(table, &c);
	test_rmtree(dir);
}

static void fifo_timeout(int sig)
{
	/* The old open() waited for a writer forever. */
	fail_msg("conf_load_file() blocked on a FIFO");
}

/* Issue 17, defect 12: a config file that is a FIFO is refused at once. */
static void test_fifo_refused(void **state)
{
	struct tconf c;
	char err[CONF_ERR_MAX];
	char *dir = test_tmpdir();
	char path[512];

	memset(&c, 0, sizeof(c));
	conf_defaults(table, &c, err, sizeof(err));
	snprintf(path, sizeof(path), "%s/fifo.conf", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	signal(SIGALRM, fifo_timeout);
	alarm(5);
	assert_int_equal(conf_load_file(table, &c, path, err, sizeof(err)), -1);
	alarm(0);
	assert_non_null(strstr(err, "not a regular file"));
	conf_free(table, &c);
	test_rmtree(dir);
}

static void test_dump_roundtrip(void **state)
{
	struct tconf a, b;
	char err[CONF_ERR_MAX];
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	assert_int_equal(load(&a, "name = \"q\\\"x\"\ncount = 9\nsize = 2G\n"
				  "level = high\n", err), 0);
	f = open_memstream(&text, &len);
	conf_dump(table, &a, f);
	fclose(f);
	assert_int_equal(load(&b, text, err), 0);
	assert_string_equal(b.name, "q\"x");
	assert_int_equal(b.count, 9);
	assert_int_equal(b.size, 2ULL << 30);
	assert_int_equal(b.level, 1);
	assert_non_null(strstr(text, "level = high\n"));
	conf_free(table, &a);
	conf_free(table, &b);
	free(text);
}

static void test_enum(void **state)
{
	struct tconf c;
	char err[CONF_ERR_MAX];

	assert_int_equal(load(&c, "", err), 0);
	assert_int_equal(c.level, 0);
	conf_free(table, &c);
	/* Any case, as log_level always accepted "INFO". */
	assert_int_equal(load(&c, "level = HIGH\n", err), 0);
	assert_int_equal(c.level, 1);
	assert_int_equal(conf_set(table, &c, "level=low", err, sizeof(err)), 0);
	assert_int_equal(c.level, 0);
	assert_int_equal(conf_set(table, &c, "level=loud", err, sizeof(err)), -1);
	assert_string_equal(err, "override: level: 'loud' is not one of low, high");
	assert_int_equal(c.level, 0); /* a refused value changes nothing */
	conf_free(table, &c);
}

/*
 * A reload compares an enumerated key as the int it is: a change in the
 * bytes after it (another field, padding) is not a change of the key.
 */
static void test_enum_differs(void **state)
{
	static const char *const names[] = { "low", "high", NULL };
	struct two {
		int mode;
		int other;
	} a = { 1, 1 }, b = { 1, 2 };
	static const struct conf_entry t[] = {
		{ "mode", CONF_ENUM, "low", offsetof(struct two, mode), "",
		  .choices = names },
		CONF_END,
	};

	assert_int_equal(conf_differs(t, &a, &b, "mode"), 0);
	b.mode = 0;
	assert_int_equal(conf_differs(t, &a, &b, "mode"), 1);
}

/*
 * Each enumerated key of a daemon's table: the names map to the C enum
 * the daemon uses, and a bad value is refused at its line.
 */
static void check_enum_keys(const struct conf_entry *t, size_t size,
			    size_t off_level, size_t off_seccomp)
{
	static const struct {
		const char *text, *message;
	} bad[] = {
		{ "\nlog_level = loud\n",
		  "d.conf:2: log_level: 'loud' is not one of error, warn, info, debug" },
		{ "log_level = 2\n",
		  "d.conf:1: log_level: '2' is not one of error, warn, info, debug" },
		{ "# x\n\n\nseccomp = allow\n",
		  "d.conf:4: seccomp: 'allow' is not one of kill, errno, log, off" },
		{ "seccomp = \"\"\n",
		  "d.conf:1: seccomp: '' is not one of kill, errno, log, off" },
	};
	static const struct {
		const char *text;
		int level, seccomp;
	} good[] = {
		{ "", LOG_LEVEL_INFO, SANDBOX_MODE_KILL },
		{ "log_level = debug\nseccomp = errno\n", LOG_LEVEL_DEBUG,
		  SANDBOX_MODE_ERRNO },
		{ "log_level = error\nseccomp = log\n", LOG_LEVEL_ERR,
		  SANDBOX_MODE_LOG },
		{ "log_level = Warn\nseccomp = off\n", LOG_LEVEL_WARN,
		  SANDBOX_MODE_OFF },
	};
	char err[CONF_ERR_MAX];
	void *cfg = calloc(1, size);

	assert_non_null(cfg);
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		memset(cfg, 0, size);
		assert_int_equal(conf_defaults(t, cfg, err, sizeof(err)), 0);
		assert_int_equal(conf_load_buffer(t, cfg, "d.conf", good[i].text,
						  strlen(good[i].text), err,
						  sizeof(err)), 0);
		assert_int_equal(*(int *)((char *)cfg + off_level), good[i].level);
		assert_int_equal(*(int *)((char *)cfg + off_seccomp),
				 good[i].seccomp);
		conf_free(t, cfg);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(cfg, 0, size);
		assert_int_equal(conf_defaults(t, cfg, err, sizeof(err)), 0);
		assert_int_equal(conf_load_buffer(t, cfg, "d.conf", bad[i].text,
						  strlen(bad[i].text), err,
						  sizeof(err)), -1);
		assert_string_equal(err, bad[i].message);
		conf_free(t, cfg);
	}
	free(cfg);
}

/*
 * A key of a feature left out of the build: its default and "off" load,
 * anything else is refused at its line and names the Kconfig symbol, and
 * --help says it is not built in.
 */
#define ENABLE_X 0 /* features X and Y left out, Z built in */
#define ENABLE_Y 0
#define ENABLE_Z 1
static void test_feature_not_built(void **state)
{
	static const struct conf_entry t[] = {
		{ "dir", CONF_STRING, "/var/crash", offsetof(struct tconf, name),
		  CONF_FEATURE(X, "a directory") },
		{ "on", CONF_BOOL, "no", offsetof(struct tconf, enabled),
		  CONF_FEATURE(Y, "a switch") },
		{ "count", CONF_INT, "3", offsetof(struct tconf, count),
		  CONF_FEATURE(Z, "built in"), .min = 0, .max = 9 },
		CONF_END,
	};
	static const char *const ok[] = { "", "dir = /var/crash\n",
		"dir = \"\"\n", "on = no\n", "on = off\n", "count = 9\n" };
	struct tconf c;
	char err[CONF_ERR_MAX], *help = NULL;
	size_t helplen = 0;
	FILE *f;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		memset(&c, 0, sizeof(c));
		assert_int_equal(conf_defaults(t, &c, err, sizeof(err)), 0);
		assert_int_equal(conf_load_buffer(t, &c, "f.conf", ok[i],
						  strlen(ok[i]), err,
						  sizeof(err)), 0);
		conf_free(t, &c);
	}
	memset(&c, 0, sizeof(c));
	assert_int_equal(conf_defaults(t, &c, err, sizeof(err)), 0);
	assert_int_equal(conf_load_buffer(t, &c, "f.conf", "\ndir = /x\n", 9,
					  err, sizeof(err)), -1);
	assert_string_equal(err, "f.conf:2: dir: built without CONFIG_X");
	assert_int_equal(conf_load_buffer(t, &c, "f.conf", "on = yes\n", 9, err,
					  sizeof(err)), -1);
	assert_string_equal(err, "f.conf:1: on: built without CONFIG_Y");
	assert_int_equal(conf_set(t, &c, "on=1", err, sizeof(err)), -1);
	assert_string_equal(err, "override: on: built without CONFIG_Y");
	assert_string_equal(c.name, "/var/crash");
	assert_int_equal(c.enabled, 0);
	conf_free(t, &c);

	f = open_memstream(&help, &helplen);
	assert_non_null(f);
	conf_print_help(t, f);
	fclose(f);
	assert_non_null(strstr(help, "built without CONFIG_X"));
	assert_non_null(strstr(help, "built without CONFIG_Y"));
	assert_null(strstr(help, "a directory"));
	assert_non_null(strstr(help, "built in"));
	assert_null(strstr(help, "CONFIG_Z"));
	free(help);
}

static void test_agent_enum_keys(void **state)
{
#if ENABLE_AGENT
	check_enum_keys(agent_conf_table, sizeof(struct agent_config),
			offsetof(struct agent_config, log_level),
			offsetof(struct agent_config, seccomp));
#else
	skip();
#endif
}

static void test_collector_enum_keys(void **state)
{
#if ENABLE_COLLECTOR
	check_enum_keys(collector_conf_table, sizeof(struct collector_config),
			offsetof(struct collector_config, log_level),
			offsetof(struct collector_config, seccomp));
#else
	skip();
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_values_quotes_comments),
		cmocka_unit_test(test_unquoted_hash_in_value),
		cmocka_unit_test(test_errors_have_file_line),
		cmocka_unit_test(test_nul_and_long_lines),
		cmocka_unit_test(test_overrides),
		cmocka_unit_test(test_file_errors),
		cmocka_unit_test(test_fifo_refused),
		cmocka_unit_test(test_dump_roundtrip),
		cmocka_unit_test(test_enum),
		cmocka_unit_test(test_enum_differs),
		cmocka_unit_test(test_feature_not_built),
		cmocka_unit_test(test_agent_enum_keys),
		cmocka_unit_test(test_collector_enum_keys),
	};

	return cmocka_run_group_tests_name("conf", tests, NULL, NULL);
}
