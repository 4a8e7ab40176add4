// SPDX-License-Identifier: MIT
/* Tests for lib/json.c. */
#include "testutil.h"

#include "base/json.h"

static void test_object_and_commas(void **state)
{
	struct json j;

	json_init(&j);
	json_obj_begin(&j);
	json_kstr(&j, "title", "WARNING in kvm_wait");
	json_kint(&j, "cpu", -1);
	json_kbool(&j, "corrupted", false);
	json_key(&j, "frames");
	json_arr_begin(&j);
	json_obj_begin(&j);
	json_kstr(&j, "function", "f");
	json_obj_end(&j);
	json_obj_begin(&j);
	json_kstr(&j, "module", NULL);
	json_obj_end(&j);
	json_arr_end(&j);
	json_obj_end(&j);
	assert_string_equal(j.buf, "{\"title\":\"WARNING in kvm_wait\",\"cpu\":-1,"
				   "\"corrupted\":false,\"frames\":[{\"function\":"
				   "\"f\"},{\"module\":null}]}");
	json_free(&j);
}

static void test_escaping_and_bad_utf8(void **state)
{
	struct json j;

	json_init(&j);
	json_strn(&j, "a\"b\\c\n\x01\xc3\xa9\xff", 10);
	assert_string_equal(j.buf, "\"a\\\"b\\\\c\\n\\u0001\xc3\xa9\xef\xbf\xbd\"");
	json_free(&j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_object_and_commas),
		cmocka_unit_test(test_escaping_and_bad_utf8),
	};

	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
