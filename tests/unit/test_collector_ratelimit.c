// SPDX-License-Identifier: MIT
/* Tests for collector/ratelimit.c on an invented clock. */
#include "testutil.h"

#include "../../collector/ratelimit.h"
#include "base/hash.h"
#include "testlimits.h"

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
	/* The table is full: a fifth sender evicts one and gets in. */
	assert_int_equal(ratelimit_take(rl, "new", 3, 1, 0), 1);
	assert_int_equal(ratelimit_senders(rl), 4);
	assert_int_equal(ratelimit_evicted(rl), 1);
	/* Nobody is full yet at 500 ms (half a token back). */
	assert_int_equal(ratelimit_sweep(rl, 500), 4);
	/* After a second every bucket is full again: all freed. */
	assert_int_equal(ratelimit_sweep(rl, 1000), 0);
	assert_int_equal(ratelimit_take(rl, "new", 3, 5, 1000), 2);
	ratelimit_free(rl);
}

/*
 * The refill clamp (c6c9329): at the configured maxima (1e8 a minute, bursts
 * of 1e8) a silence of 184467440738 ms makes per_minute * dt wrap past
 * 2^64 to about 9e7, which refilled ~1,500 tokens instead of the burst.
 */
static void test_refill_long_idle_no_overflow(void **state)
{
	const uint64_t max = 100000000;
	struct ratelimit *rl = ratelimit_new(max, max, 8);

	assert_non_null(rl);
	assert_int_equal(ratelimit_take(rl, "a", 1, SIZE_MAX, 0), max);
	assert_int_equal(ratelimit_take(rl, "a", 1, SIZE_MAX,
					UINT64_C(184467440738)), max);
	/* The end of the clock: still exactly the burst. */
	assert_int_equal(ratelimit_take(rl, "a", 1, SIZE_MAX, UINT64_MAX),
			 max);
	ratelimit_free(rl);
}

/* Values beyond RATELIMIT_MAX are clamped: burst * 1000 would wrap. */
static void test_huge_rates_clamped(void **state)
{
	struct ratelimit *rl = ratelimit_new(UINT64_MAX, UINT64_MAX, 8);

	assert_non_null(rl);
	assert_int_equal(ratelimit_take(rl, "a", 1, SIZE_MAX, 0),
			 RATELIMIT_MAX);
	assert_int_equal(ratelimit_take(rl, "a", 1, SIZE_MAX, 0), 0);
	assert_int_equal(ratelimit_take(rl, "a", 1, SIZE_MAX, 1000000),
			 RATELIMIT_MAX);
	ratelimit_free(rl);
}

/*
 * 100,000 senders at a table of 1,024: memory stays put, and every new
 * sender gets in by evicting the most idle bucket (a full table used to
 * lock every newcomer out until a sweep).
 */
static void test_many_senders_bounded(void **state)
{
	const size_t cap = 1024, senders = 100000;
	struct ratelimit *rl = ratelimit_new(60, 2, cap);
	size_t base, granted = 0, peak = 0;
	uint8_t key[5] = { 4 };

	assert_non_null(rl);
	base = heap_in_use();
	for (uint32_t i = 0; i < senders; i++) {
		memcpy(key + 1, &i, 4);
		granted += ratelimit_take(rl, key, sizeof(key), 1, 0);
		if (i % 256 == 0 && heap_growth(base) > peak)
			peak = heap_growth(base);
	}
	assert_int_equal(granted, senders);
	assert_int_equal(ratelimit_senders(rl), cap);
	assert_int_equal(ratelimit_table_full(rl), 0);
	assert_int_equal(ratelimit_evicted(rl), senders - cap);
	/* A bucket is under 64 bytes; 1,024 of them and malloc's headers. */
	assert_true(peak <= cap * 128);
	/* Once full again the buckets go, and newcomers get in. */
	assert_int_equal(ratelimit_sweep(rl, 60000), 0);
	memcpy(key + 1, &(uint32_t){ senders }, 4);
	assert_int_equal(ratelimit_take(rl, key, sizeof(key), 5, 60000), 2);
	ratelimit_free(rl);
}

/* The chain the unkeyed FNV-1a table put a key in (before the fix). */
static size_t fnv_slot(const void *key, size_t len, size_t nslots)
{
	uint64_t h = fnv1a64(FNV1A64_INIT, key, len);

	return (size_t)(h ^ (h >> 32)) & (nslots - 1);
}

/*
 * Spoofed sources chosen to share one FNV-1a chain (what an attacker who
 * knows an unkeyed hash does) spread over the keyed table.
 */
static void test_chosen_collisions_spread(void **state)
{
	struct ratelimit *rl = ratelimit_new(60, 2, 64);
	uint8_t key[17] = { 6 };
	size_t found = 0;

	assert_non_null(rl);
	for (uint32_t i = 0; found < 48; i++) {
		memcpy(key + 13, &i, 4);
		if (fnv_slot(key, sizeof(key), 64) != 0)
			continue;
		assert_int_equal(ratelimit_take(rl, key, sizeof(key), 1, 0), 1);
		found++;
	}
	assert_int_equal(ratelimit_senders(rl), 48);
	assert_int_equal(ratelimit_table_full(rl), 0);
	/* 48 random keys in 64 chains: 16 or more in one has odds near
	 * 1e-15, so this only fails when the hash can be aimed. */
	assert_true(ratelimit_max_chain(rl) < 16);
	ratelimit_free(rl);
}

/*
 * Keys that do share a chain (found with the secret known, as an attacker
 * would need it) fill it up to the cap; each one more evicts the most idle
 * bucket of that chain, so the chain never passes the cap.
 */
static void test_chain_capped(void **state)
{
	static const uint8_t secret[SIPHASH_KEY_LEN] = "0123456789abcdef";
	struct ratelimit *rl = ratelimit_new(60, 2, 64);
	struct siphash_key k;
	uint8_t keys[24][5];
	size_t found = 0, admitted = 0;

	assert_non_null(rl);
	siphash_key_set(&k, secret);
	ratelimit_set_secret(rl, &k);
	for (uint32_t i = 0; found < ARRAY_SIZE(keys); i++) {
		keys[found][0] = 4;
		memcpy(keys[found] + 1, &i, 4);
		if (ratelimit_slot(rl, keys[found], 5) == 7)
			found++;
	}
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		admitted += ratelimit_take(rl, keys[i], 5, 1, 0);
	assert_int_equal(admitted, ARRAY_SIZE(keys));
	assert_int_equal(ratelimit_senders(rl), 16);
	assert_int_equal(ratelimit_evicted(rl), ARRAY_SIZE(keys) - 16);
	assert_int_equal(ratelimit_max_chain(rl), 16);
	/* The last 16 are in, with their second token; a key elsewhere
	 * gets in. */
	assert_int_equal(ratelimit_take(rl, keys[8], 5, 5, 0), 1);
	assert_int_equal(ratelimit_take(rl, keys[23], 5, 5, 0), 1);
	keys[0][0] = 6;
	while (ratelimit_slot(rl, keys[0], 5) == 7)
		keys[0][1]++;
	assert_int_equal(ratelimit_take(rl, keys[0], 5, 5, 0), 2);
	ratelimit_free(rl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_then_rate),
		cmocka_unit_test(test_senders_independent),
		cmocka_unit_test(test_bounded_and_sweep),
		cmocka_unit_test(test_refill_long_idle_no_overflow),
		cmocka_unit_test(test_huge_rates_clamped),
		cmocka_unit_test(test_many_senders_bounded),
		cmocka_unit_test(test_chosen_collisions_spread),
		cmocka_unit_test(test_chain_capped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
