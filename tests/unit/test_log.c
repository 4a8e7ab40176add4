// SPDX-License-Identifier: MIT
/* Tests for lib/log.c. */
#include <errno.h>
#include <stdio.h>

#include "testutil.h"

#include "base/log.h"

static char last[1024];
static int last_level = -1;
static int calls;

static void hook(enum log_level level, const char *line)
{
	snprintf(last, sizeof(last), "%s", line);
	last_level = level;
	calls++;
}

static int setup(void **state)
{
	log_init("test", 0, LOG_LEVEL_INFO);
	log_set_hook(hook);
	calls = 0;
	last[0] = '\0';
	return 0;
}

static int teardown(void **state)
{
	log_set_hook(NULL);
	return 0;
}

static void test_warn_appends_strerror(void **state)
{
	errno = ENOENT;
	log_warn("open %s", "x");
	assert_string_equal(last, "open x: No such file or directory");
	assert_int_equal(last_level, LOG_LEVEL_WARN);
	assert_int_equal(errno, ENOENT); /* preserved */
}

static void test_warnx_plain(void **state)
{
	errno = EIO;
	log_warnx("bad %d", 3);
	assert_string_equal(last, "bad 3");
}

static void test_levels_filter(void **state)
{
	log_debug("hidden");
	assert_int_equal(calls, 0);
	log_info("shown");
	assert_int_equal(calls, 1);
	log_set_level(LOG_LEVEL_DEBUG);
	log_debug("now shown");
	/* Without CONFIG_LOG_DEBUG the call is not even built. */
	assert_int_equal(calls, ENABLE_LOG_DEBUG ? 2 : 1);
	if (!ENABLE_LOG_DEBUG)
		log_info("now shown");
	assert_int_equal(calls, 2);
	assert_string_equal(last, "now shown");
	log_set_level(LOG_LEVEL_WARN);
	log_info("hidden again");
	assert_int_equal(calls, 2);
}

static void test_level_parse(void **state)
{
	assert_int_equal(log_level_parse("debug"), LOG_LEVEL_DEBUG);
	assert_int_equal(log_level_parse("WARN"), LOG_LEVEL_WARN);
	assert_int_equal(log_level_parse("error"), LOG_LEVEL_ERR);
	assert_int_equal(log_level_parse("loud"), -1);
}

static void test_long_message_truncated(void **state)
{
	char big[3000];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_warnx("%s", big);
	assert_int_equal(strlen(last), 1023);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_warn_appends_strerror, setup, teardown),
		cmocka_unit_test_setup_teardown(test_warnx_plain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_levels_filter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_level_parse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_message_truncated, setup, teardown),
	};

	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
