// SPDX-License-Identifier: MIT
/* Tests for collector/ratelimit.c on an invented clock. */
#include "testutil.h"

#include "../../collector/ratelimit.h"

static void test_burst_then_rate(void **state)
{
	/* 600 a minute = 10 a second, bursts of 100. */
	struct ratelimit *rl = ratelimit_new(600, 100, 8);

	assert_non_null(rl);
	assert_int_equal(ratelimit_take(rl, "a", 1, 150, 0), 100);
	assert_int_equal(ratelimit_take(rl, "a", 1, 1, 0), 0);
	/* 1 s: 10 tokens; 150 ms: 1.5, so 1 now and the half is kept. */
	assert_int_equal(ratelimit_take(rl, "a", 1, 50, 1000), 10);
	assert_int_equal(ratelimit_take(rl, "a", 1, 50, 1150), 1);
	assert_int_equal(ratelimit_take(rl, "a", 1, 50, 1200), 1);
	/* Never more than the burst, however long the silence. */
	assert_int_equal(ratelimit_take(rl, "a", 1, 1000, 1000000000), 100);
	ratelimit_free(rl);
}

static void test_senders_independent(void **state)
{
	struct ratelimit *rl = ratelimit_new(60, 3, 8);

	assert_int_equal(ratelimit_take(rl, "a", 1, 10, 0), 3);
	assert_int_equal(ratelimit_take(rl, "b", 1, 10, 0), 3);
	assert_int_equal(ratelimit_take(rl, "ab", 2, 10, 0), 3);
	assert_int_equal(ratelimit_senders(rl), 3);
	ratelimit_free(rl);
}

static void test_bounded_and_sweep(void **state)
{
	struct ratelimit *rl = ratelimit_new(60, 2, 4);
	char key[8];

	for (int i = 0; i < 4; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		assert_int_equal(ratelimit_take(rl, key, strlen(key), 1, 0), 1);
	}
	/* The table is full: a fifth sender gets nothing for now. */
	assert_int_equal(ratelimit_take(rl, "new", 3, 1, 0), 0);
	assert_int_equal(ratelimit_senders(rl), 4);
	/* Nobody is full yet at 500 ms (half a token back). */
	assert_int_equal(ratelimit_sweep(rl, 500), 4);
	/* After a second every bucket is full again: all freed. */
	assert_int_equal(ratelimit_sweep(rl, 1000), 0);
	assert_int_equal(ratelimit_take(rl, "new", 3, 5, 1000), 2);
	ratelimit_free(rl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_then_rate),
		cmocka_unit_test(test_senders_independent),
		cmocka_unit_test(test_bounded_and_sweep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
