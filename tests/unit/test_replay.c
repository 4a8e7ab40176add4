// SPDX-License-Identifier: MIT
/* Tests for lib/replay.c: the per-sender replay window. */
#include "testutil.h"

#include <stdbool.h>

#include "wire/replay.h"

static enum replay_verdict chk(struct replay *r, const char *id, uint64_t seq)
{
	return replay_check(r, id, strlen(id), seq);
}

static void test_in_order_and_replays(void **state)
{
	struct replay *r = replay_new(16);
	struct replay_stats st;

	assert_non_null(r);
	for (uint64_t s = 1000; s < 1100; s++)
		assert_int_equal(chk(r, "agent-a", s), REPLAY_OK);
	/* Every one of them again: a replay. */
	for (uint64_t s = 1000; s < 1100; s++)
		assert_int_equal(chk(r, "agent-a", s), REPLAY_DUPLICATE);
	/* Another sender with the same numbers is independent. */
	assert_int_equal(chk(r, "agent-b", 1000), REPLAY_OK);
	replay_get_stats(r, &st);
	assert_int_equal(st.accepted, 101);
	assert_int_equal(st.duplicates, 100);
	assert_int_equal(st.senders, 2);
	replay_free(r);
}

/* Out of order within the window is fine, once. */
static void test_reorder_within_window(void **state)
{
	struct replay *r = replay_new(0);

	assert_int_equal(chk(r, "a", 5000), REPLAY_OK);
	assert_int_equal(chk(r, "a", 5000 + REPLAY_WINDOW - 1), REPLAY_OK);
	/* 5000 is now at distance WINDOW-1: still remembered. */
	assert_int_equal(chk(r, "a", 5000), REPLAY_DUPLICATE);
	/* Numbers skipped in between arrive late: accepted once. */
	for (uint64_t s = 5001; s < 5000 + REPLAY_WINDOW - 1; s += 7) {
		assert_int_equal(chk(r, "a", s), REPLAY_OK);
		assert_int_equal(chk(r, "a", s), REPLAY_DUPLICATE);
	}
	/* One step further: 5000 falls out of the window, it is stale. */
	assert_int_equal(chk(r, "a", 5000 + REPLAY_WINDOW), REPLAY_OK);
	assert_int_equal(chk(r, "a", 5000), REPLAY_STALE);
	replay_free(r);
}

/* Shifts by every amount keep exactly the right bits. */
static void test_shift_bits(void **state)
{
	struct replay *r = replay_new(0);
	uint64_t seen[64], n = 0, s = 1;

	for (unsigned step = 1; step < 200; step += 13) {
		s += step;
		assert_int_equal(chk(r, "x", s), REPLAY_OK);
		seen[n++] = s;
	}
	for (uint64_t i = 0; i < n; i++)
		assert_int_equal(chk(r, "x", seen[i]),
				 s - seen[i] < REPLAY_WINDOW ? REPLAY_DUPLICATE
							     : REPLAY_STALE);
	/* The numbers between were never seen. */
	for (uint64_t v = s - 1; v > s - 100 && v > 1; v--) {
		bool was = false;

		for (uint64_t i = 0; i < n; i++)
			was |= seen[i] == v;
		if (!was)
			assert_int_equal(chk(r, "x", v), REPLAY_OK);
	}
	/* A jump far ahead clears everything below. */
	assert_int_equal(chk(r, "x", s + 1000000), REPLAY_OK);
	assert_int_equal(chk(r, "x", s), REPLAY_STALE);
	replay_free(r);
}

/*
 * Old datagrams replayed in order, as an attacker with a capture would:
 * every one is refused, and so is an agent whose numbers went back.
 */
static void test_no_reset_by_replay(void **state)
{
	struct replay *r = replay_new(0);
	struct replay_stats st;

	for (uint64_t s = 1000; s < 1100; s++)
		assert_int_equal(chk(r, "a", s), REPLAY_OK);
	assert_int_equal(chk(r, "a", 1000000), REPLAY_OK);
	for (uint64_t s = 1000; s < 1100; s++)
		assert_int_equal(chk(r, "a", s), REPLAY_STALE);
	/* ... and recent ones are still remembered afterwards. */
	assert_int_equal(chk(r, "a", 1000000), REPLAY_DUPLICATE);
	replay_get_stats(r, &st);
	assert_int_equal(st.stale, 100);
	assert_int_equal(st.duplicates, 1);
	replay_free(r);
}

/* At most max_senders windows: the least recently heard goes. */
static void test_bounded_senders(void **state)
{
	struct replay *r = replay_new(100);
	struct replay_stats st;
	char id[32];

	for (int i = 0; i < 10000; i++) {
		snprintf(id, sizeof(id), "agent-%d", i);
		assert_int_equal(chk(r, id, 1), REPLAY_OK);
		/* agent-0 keeps talking: it is never the oldest. */
		assert_int_equal(chk(r, "agent-0", 2 + (uint64_t)i), REPLAY_OK);
	}
	replay_get_stats(r, &st);
	assert_int_equal(st.senders, 100);
	assert_int_equal(st.evictions, 10000 - 100);
	assert_int_equal(chk(r, "agent-0", 10001), REPLAY_DUPLICATE);
	/* A forgotten sender starts again (its records dedupe by id). */
	assert_int_equal(chk(r, "agent-1", 1), REPLAY_OK);
	/* Ids longer than REPLAY_MAX_ID compare on their prefix. */
	{
		char longid[200];

		memset(longid, 'q', sizeof(longid));
		assert_int_equal(replay_check(r, longid, 200, 7), REPLAY_OK);
		assert_int_equal(replay_check(r, longid, 150, 7),
				 REPLAY_DUPLICATE);
	}
	assert_string_equal(replay_verdict_name(REPLAY_DUPLICATE), "replayed");
	assert_string_equal(replay_verdict_name(REPLAY_STALE), "stale");
	replay_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_order_and_replays),
		cmocka_unit_test(test_reorder_within_window),
		cmocka_unit_test(test_shift_bits),
		cmocka_unit_test(test_no_reset_by_replay),
		cmocka_unit_test(test_bounded_senders),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
