// SPDX-License-Identifier: MIT
/* Tests for collector/retention.c: clock jumps and the per-pass bound. */
#include "testutil.h"

#include "../../collector/retention.h"

#define S 1000000LL /* us */

static void test_clock_step(void **state)
{
	struct retention_clock c = { 0 };
	int64_t t = 1767225600 * S;

	/* First reading: nothing to compare with. */
	assert_int_equal(retention_clock_step(&c, t, 1000), 0);
	/* A minute on both clocks; a few seconds of drift is no jump. */
	assert_int_equal(retention_clock_step(&c, t + 63 * S, 61000), 0);
	/* +60 days in one minute: a jump ahead, by 60 days. */
	assert_int_equal(retention_clock_step(&c, t + 63 * S + 60 * 86400 * S +
						       60 * S,
					      121000),
			 60 * 86400 * S);
	/* Back to the right time: a jump back. */
	assert_true(retention_clock_step(&c, t + 183 * S, 181000) <
		    -59 * 86400 * S);
	/* Then quiet again. */
	assert_int_equal(retention_clock_step(&c, t + 243 * S, 241000), 0);
}

static void test_max_deletes(void **state)
{
	assert_int_equal(retention_max_deletes(1000, 10), 100);
	assert_int_equal(retention_max_deletes(5, 10), 1); /* at least one */
	assert_int_equal(retention_max_deletes(0, 10), 1);
	assert_int_equal(retention_max_deletes(1000, 100), 0); /* unbounded */
	/* No overflow near the top. */
	assert_int_equal(retention_max_deletes(UINT64_MAX, 50),
			 UINT64_MAX / 100 * 50 + UINT64_MAX % 100 * 50 / 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clock_step),
		cmocka_unit_test(test_max_deletes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
