// SPDX-License-Identifier: MIT
/* Tests for lib/util.c helpers that need more than a glance. */
#include "testutil.h"

#include <errno.h>
#include <string.h>
#include <zlib.h>

#include "base/zconst.h"

static void test_array_grow(void **state)
{
	uint64_t *arr = NULL;
	size_t cap = 0;

	assert_int_equal(array_grow((void **)&arr, &cap, 1, sizeof(*arr)), 0);
	assert_int_equal(cap, 64);
	assert_int_equal(array_grow((void **)&arr, &cap, 64, sizeof(*arr)), 0);
	assert_int_equal(cap, 64);
	assert_int_equal(array_grow((void **)&arr, &cap, 65, sizeof(*arr)), 0);
	assert_int_equal(cap, 128);
	arr[127] = 7;
	assert_int_equal(array_grow((void **)&arr, &cap, 1000, sizeof(*arr)),
			 0);
	assert_int_equal(cap, 1024);
	assert_int_equal(arr[127], 7);
	free(arr);
}

/*
 * Sizes whose byte count does not fit: refused before realloc() sees a
 * wrapped size (realloc(p, 0) would free the array under the caller),
 * and the array is left as it was.
 */
static void test_array_grow_overflow(void **state)
{
	uint64_t *arr = NULL, *before;
	size_t cap = 0;

	assert_int_equal(array_grow((void **)&arr, &cap, 10, sizeof(*arr)), 0);
	before = arr;
	/* Doubling from 64 reaches 2^61 elements of 8 bytes: 2^64 bytes,
	 * which wraps to 0. */
	assert_int_equal(array_grow((void **)&arr, &cap, SIZE_MAX / 8,
				    sizeof(*arr)),
			 -ENOMEM);
	assert_ptr_equal(arr, before);
	assert_int_equal(cap, 64);
	/* need * size itself overflows. */
	assert_int_equal(array_grow((void **)&arr, &cap, SIZE_MAX / 4,
				    sizeof(*arr)),
			 -ENOMEM);
	/* Past half the address space the doubling itself would wrap. */
	assert_int_equal(array_grow((void **)&arr, &cap, SIZE_MAX / 2 + 2, 1),
			 -ENOMEM);
	assert_int_equal(array_grow((void **)&arr, &cap, 1, 0), 0);
	assert_ptr_equal(arr, before);
	assert_int_equal(cap, 64);
	arr[63] = 1; /* still ours */
	free(arr);
}

/*
 * The bounded form: a first capacity of the caller's choosing and a limit
 * the capacity is clamped to; a need past the limit is refused and leaves
 * the array as it was.
 */
static void test_array_grow_bounded(void **state)
{
	uint32_t *arr = NULL, *before;
	size_t cap = 0;

	assert_int_equal(array_grow_bounded((void **)&arr, &cap, 1,
					    sizeof(*arr), 4, 100),
			 0);
	assert_int_equal(cap, 4);
	assert_int_equal(array_grow_bounded((void **)&arr, &cap, 5,
					    sizeof(*arr), 4, 100),
			 0);
	assert_int_equal(cap, 8);
	arr[7] = 7;
	/* Doubling would give 128: clamped to the limit. */
	assert_int_equal(array_grow_bounded((void **)&arr, &cap, 65,
					    sizeof(*arr), 4, 100),
			 0);
	assert_int_equal(cap, 100);
	assert_int_equal(arr[7], 7);
	arr[99] = 1;
	before = arr;
	assert_int_equal(array_grow_bounded((void **)&arr, &cap, 101,
					    sizeof(*arr), 4, 100),
			 -ENOMEM);
	assert_ptr_equal(arr, before);
	assert_int_equal(cap, 100);
	free(arr);

	/* A first capacity past the limit is clamped too; 0 means 1. */
	arr = NULL;
	cap = 0;
	assert_int_equal(array_grow_bounded((void **)&arr, &cap, 2,
					    sizeof(*arr), 1000, 10),
			 0);
	assert_int_equal(cap, 10);
	free(arr);
	arr = NULL;
	cap = 0;
	assert_int_equal(array_grow_bounded((void **)&arr, &cap, 1,
					    sizeof(*arr), 0, SIZE_MAX),
			 0);
	assert_int_equal(cap, 1);
	/* No limit of its own: still refused when the bytes would wrap. */
	assert_int_equal(array_grow_bounded((void **)&arr, &cap, SIZE_MAX / 2,
					    sizeof(*arr), 0, SIZE_MAX),
			 -ENOMEM);
	assert_int_equal(cap, 1);
	free(arr);
}

static void test_hex_is_lower(void **state)
{
	assert_true(hex_is_lower("0123456789abcdef", 16));
	assert_true(hex_is_lower("0123456789abcdefXYZ", 16));
	assert_false(hex_is_lower("0123456789abcdeF", 16));
	assert_false(hex_is_lower("0123456789abcdeg", 16));
	assert_false(hex_is_lower("01234567\0", 9));
	assert_false(hex_is_lower("", 0));
}

/* Raw deflate of text into out (cap bytes); its length. */
static size_t deflate_raw(const char *text, size_t len, unsigned char *out,
			  size_t cap)
{
	z_stream zs = {0};

	assert_int_equal(deflateInit2(&zs, 9, Z_DEFLATED, -15, 9,
				      Z_DEFAULT_STRATEGY), Z_OK);
	zs.next_in = (Bytef *)text;
	zs.avail_in = (uInt)len;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	deflateEnd(&zs);
	return zs.total_out;
}

/* Deflated constant text: inflated once, checked by length and Adler-32. */
static void test_zconst(void **state)
{
	static const char text[] = "dump_stack\0dump_stack_lvl\0__warn\0"
				   "dump_stack\0dump_stack_lvl\0panic\0";
	unsigned char z[256];
	char out[sizeof(text)], small[sizeof(text) - 2];
	size_t zlen = deflate_raw(text, sizeof(text), z, sizeof(z));
	unsigned long adler = adler32(1, (const Bytef *)text, sizeof(text));
	int st[4] = { 0, 0, 0, 0 };
	struct zconst ok = { z, zlen, out, sizeof(out), adler, &st[0] };
	struct zconst bad_sum = { z, zlen, out, sizeof(out), adler ^ 1, &st[1] };
	struct zconst cut = { z, zlen / 2, out, sizeof(out), adler, &st[2] };
	struct zconst too_long = { z, zlen, small, sizeof(small), adler,
				   &st[3] };
	const char *p;

	p = zconst_text(&ok);
	assert_ptr_equal(p, out);
	assert_memory_equal(p, text, sizeof(text));
	assert_ptr_equal(zconst_text(&ok), p); /* once */
	/* Whatever went wrong, no text, and for good. */
	assert_null(zconst_text(&bad_sum));
	assert_int_equal(*bad_sum.state, -1);
	assert_null(zconst_text(&bad_sum));
	assert_null(zconst_text(&cut));
	assert_int_equal(*cut.state, -1);
	assert_null(zconst_text(&too_long));
	assert_int_equal(*too_long.state, -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_array_grow),
		cmocka_unit_test(test_array_grow_overflow),
		cmocka_unit_test(test_array_grow_bounded),
		cmocka_unit_test(test_hex_is_lower),
		cmocka_unit_test(test_zconst),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
