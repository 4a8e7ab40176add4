// SPDX-License-Identifier: MIT
/* Tests for lib/base/termesc.c: control bytes never reach a terminal. */
#include "testutil.h"

#include <stdlib.h>

#include "base/termesc.h"

static void check(const char *in, size_t len, unsigned flags,
		  const char *want)
{
	char out[256];

	assert_string_equal(termesc(in, len, flags, out, sizeof(out)), want);
}

static void test_controls_escaped(void **state)
{
	/* OSC set-title, CSI clear screen, BEL, DEL, NUL. */
	check("a\x1b]0;T\x07z", 8, 0, "a\\x1b]0;T\\x07z");
	check("\x1b[2J", 4, 0, "\\x1b[2J");
	check("x\x7fy", 3, 0, "x\\x7fy");
	check("a\0b", 3, 0, "a\\x00b");
	/* A field cannot forge a line; a text keeps its lines and tabs. */
	check("a\nb\tc\r", 6, 0, "a\\x0ab\\x09c\\x0d");
	check("a\nb\tc\r", 6, TERMESC_TEXT, "a\nb\tc\\x0d");
}

static void test_c1_and_utf8(void **state)
{
	/* UTF-8 passes; C1 controls in UTF-8 (U+009B CSI) and raw C1
	 * bytes (8-bit terminals) do not; nor does broken UTF-8. */
	check("caf\xc3\xa9 \xe2\x9c\x93", 9, 0, "caf\xc3\xa9 \xe2\x9c\x93");
	check("\xc2\x9b" "31m", 5, 0, "\\xc2\\x9b31m");
	check("\x9b" "31m", 4, 0, "\\x9b31m");
	check("\xc3", 1, 0, "\\xc3");
	check("\xc0\xaf", 2, 0, "\\xc0\\xaf"); /* overlong */
	check("\xed\xa0\x80", 3, 0, "\\xed\\xa0\\x80"); /* surrogate */
}

static void test_bounds(void **state)
{
	char out[8];

	/* Cut at an escape boundary, always terminated. */
	assert_string_equal(termesc("ab\x1b\x1b", 4, 0, out, sizeof(out)),
			    "ab\\x1b");
	assert_string_equal(termesc_str(NULL, out, sizeof(out)), "(null)");
	assert_string_equal(TERMESC(out, "ok"), "ok");
}

static void test_write(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	char big[3000];

	/* More than the internal buffer: every byte escaped, none lost. */
	memset(big, 0x1b, sizeof(big));
	assert_int_equal(termesc_write(f, big, sizeof(big), 0), 0);
	assert_int_equal(termesc_write(f, "\nok\n", 4, TERMESC_TEXT), 0);
	fclose(f);
	assert_int_equal(len, 4 * sizeof(big) + 4);
	assert_memory_equal(buf, "\\x1b", 4);
	assert_string_equal(buf + 4 * sizeof(big), "\nok\n");
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_controls_escaped),
		cmocka_unit_test(test_c1_and_utf8),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_write),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
