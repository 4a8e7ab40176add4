// SPDX-License-Identifier: MIT
/*
 * Tests for web/out.c (what reaches a page: escaping, URL encoding, the
 * answer's bound) and web/counters.c (a collector's counters as other
 * programs wrote them to the store).
 */
#include "testutil.h"

#include <errno.h>

#include "web.h"

static void test_html_escape(void **state)
{
	struct out o = { 0 };

	(void)state;
	out_html(&o, "<script>alert('x')</script> & \"q\"");
	assert_string_equal(o.p, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"
				 " &amp; &quot;q&quot;");
	out_free(&o);
	/* Terminal escapes and NULs are not passed on. */
	out_htmln(&o, "a\x1b[31mb\0c\td\n", 12);
	assert_string_equal(o.p, "a\xef\xbf\xbd[31mb\xef\xbf\xbd" "c\td\n");
	out_free(&o);
	out_html(&o, NULL);
	assert_null(o.p);
}

static void test_url_encode(void **state)
{
	struct out o = { 0 };

	(void)state;
	out_url(&o, "6.1.0-21-amd64 x/\"<>&?#%");
	assert_string_equal(o.p, "6.1.0-21-amd64%20x%2F%22%3C%3E%26%3F%23%25");
	out_free(&o);
}

static void test_out_bound(void **state)
{
	struct out o = { 0 };
	char *big = malloc(1 << 20);

	(void)state;
	assert_non_null(big);
	memset(big, 'a', 1 << 20);
	for (int i = 0; i < 9; i++)
		out_addn(&o, big, 1 << 20);
	assert_true(o.full);
	assert_true(o.len <= WEB_MAX_PAGE);
	out_free(&o);
	free(big);
}

struct ctr {
	char text[1024];
	size_t len;
};

static void ctr_fn(enum web_ctr_event ev, const char *name, const char *key,
		   int64_t v, void *arg)
{
	struct ctr *c = arg;

	c->len += (size_t)snprintf(c->text + c->len, sizeof(c->text) - c->len,
				   "%d:%s:%s:%lld;", (int)ev, name,
				   key ? key : "-", (long long)v);
}

static void test_counters(void **state)
{
	struct ctr c = { 0 };

	(void)state;
	assert_int_equal(web_counters_parse(
				 "{\"received\": 12, \"version\": \"0.1 \\\"x\\\"\","
				 " \"rejected\": {\"bad_tag\": 3}, \"lat\": 1.5}",
				 ctr_fn, &c),
			 3);
	assert_string_equal(c.text, "0:received:-:12;1:rejected:-:0;"
				    "0:rejected:bad_tag:3;2:rejected:-:0;"
				    "0:lat:-:1;");
	assert_int_equal(web_counters_parse("{}", NULL, NULL), 0);
	assert_int_equal(web_counters_parse(NULL, NULL, NULL), 0);
	/* Not what a collector writes: refused. */
	assert_int_equal(web_counters_parse("{\"a\": [1]}", NULL, NULL), -EINVAL);
	assert_int_equal(web_counters_parse("{\"a b\": 1}", NULL, NULL), -EINVAL);
	assert_int_equal(web_counters_parse("{\"a\": {\"b\": {\"c\": 1}}}", NULL,
					    NULL), -EINVAL);
	assert_int_equal(web_counters_parse("{\"a\": 1} x", NULL, NULL), -EINVAL);
	assert_int_equal(web_counters_parse("{\"a\": 1", NULL, NULL), -EINVAL);
	assert_int_equal(web_counters_parse("{\"a\": \"unterminated", NULL,
					    NULL), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_html_escape),
		cmocka_unit_test(test_url_encode),
		cmocka_unit_test(test_out_bound),
		cmocka_unit_test(test_counters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
