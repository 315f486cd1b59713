/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_url: request URLs joined onto a base with a query, and URLs shown
 * without their userinfo (issue 16, items 5 and 13). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include "util/url.h"

static void assert_join(const char *base, const char *path, const char *query, const char *want)
{
	struct buf b;
	buf_init(&b, 0);
	assert_int_equal(url_join(&b, base, path, query), 0);
	if (strcmp(buf_str(&b), want) != 0) {
		print_error("url_join(%s, %s, %s) = %s, want %s\n", base, path, query ? query : "NULL",
		            buf_str(&b), want);
		fail();
	}
	buf_done(&b);
}

static void test_url_join_without_a_query_appends_the_path(void **state)
{
	(void)state;
	assert_join("http://h/v1", "/chat/completions", NULL, "http://h/v1/chat/completions");
	assert_join("http://h/v1/", "/chat/completions", "", "http://h/v1/chat/completions");
	assert_join("http://h", "/x", "alt=sse", "http://h/x?alt=sse");
	assert_join("", "/x", NULL, "/x");
}

static void test_url_join_keeps_the_base_query_at_the_end(void **state)
{
	(void)state;
	assert_join("http://host/openai/deployments/x?api-version=2024-10-21", "/chat/completions",
	            NULL, "http://host/openai/deployments/x/chat/completions?api-version=2024-10-21");
	/* Gemini's own query first, the base URL's after an '&'. */
	assert_join("http://g/?key=v&b=1", "/v1beta/models/m:streamGenerateContent", "alt=sse",
	            "http://g/v1beta/models/m:streamGenerateContent?alt=sse&key=v&b=1");
	/* A '?' with nothing after it adds nothing. */
	assert_join("http://h/v1?", "/responses", NULL, "http://h/v1/responses");
	assert_join("http://h/v1?", "/m", "alt=sse", "http://h/v1/m?alt=sse");
	/* Slashes inside the query are the query's. */
	assert_join("http://h/v1//?p=a/b/", "/x", NULL, "http://h/v1/x?p=a/b/");
}

static void test_url_join_drops_the_fragment(void **state)
{
	(void)state;
	assert_join("http://h/v1#top", "/x", NULL, "http://h/v1/x");
	assert_join("http://h/v1?a=1#top", "/x", "alt=sse", "http://h/v1/x?alt=sse&a=1");
	assert_join("http://h/v1#frag?not=query", "/x", NULL, "http://h/v1/x");
}

static void test_url_join_fails_at_the_cap_and_says_so(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 10);
	assert_int_equal(url_join(&b, "http://host/v1", "/chat/completions", NULL), -1);
	buf_done(&b);
}

static void test_url_trim_slashes_only_in_the_path(void **state)
{
	(void)state;
	static const char *const cases[][2] = {
	    {"http://h/v1/", "http://h/v1"},       {"http://h/v1//?q=a/", "http://h/v1?q=a/"},
	    {"http://h/v1?q=/", "http://h/v1?q=/"}, {"http://h/#x/", "http://h#x/"},
	    {"", ""},                               {"///", ""},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf b;
		buf_init(&b, 0);
		buf_append_str(&b, cases[i][0]);
		url_trim_slashes(&b);
		assert_string_equal(buf_str(&b), cases[i][1]);
		assert_int_equal(b.len, strlen(cases[i][1]));
		buf_done(&b);
	}
	struct buf empty;
	buf_init(&empty, 0);
	url_trim_slashes(&empty); /* nothing appended yet: no data at all */
	assert_string_equal(buf_str(&empty), "");
}

static void assert_without_userinfo(const char *url, const char *want)
{
	struct buf b;
	buf_init(&b, 0);
	assert_int_equal(url_append_without_userinfo(&b, url, strlen(url)), 0);
	if (strcmp(buf_str(&b), want) != 0) {
		print_error("without userinfo(%s) = %s, want %s\n", url, buf_str(&b), want);
		fail();
	}
	buf_done(&b);
}

static void test_url_without_userinfo(void **state)
{
	(void)state;
	assert_without_userinfo("https://user:pw@h:1/v1?x=@y", "https://h:1/v1?x=@y");
	assert_without_userinfo("https://user@h/v1", "https://h/v1");
	assert_without_userinfo("http://u:p@ss@h", "http://h");
	assert_without_userinfo("//u:p@h/x", "//h/x");
	assert_without_userinfo("https://h/path@x", "https://h/path@x");
	assert_without_userinfo("https://h?q=u:p@h", "https://h?q=u:p@h");
	assert_without_userinfo("/relative/u:p@x", "/relative/u:p@x");
	assert_without_userinfo("a/b://u:p@h", "a/b://u:p@h"); /* no scheme before "://" */
	assert_without_userinfo("mailto:u@h", "mailto:u@h");
	assert_without_userinfo("", "");
}

static void test_url_without_userinfo_reads_only_len_bytes(void **state)
{
	(void)state;
	const char *url = "https://u:pw@h/v1 and more";
	struct buf b;
	buf_init(&b, 0);
	assert_int_equal(url_append_without_userinfo(&b, url, 17), 0);
	assert_string_equal(buf_str(&b), "https://h/v1");
	buf_reset(&b);
	assert_int_equal(url_append_without_userinfo(&b, url, 10), 0); /* cut in the userinfo */
	assert_string_equal(buf_str(&b), "https://u:");
	buf_done(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_url_join_without_a_query_appends_the_path),
		cmocka_unit_test(test_url_join_keeps_the_base_query_at_the_end),
		cmocka_unit_test(test_url_join_drops_the_fragment),
		cmocka_unit_test(test_url_join_fails_at_the_cap_and_says_so),
		cmocka_unit_test(test_url_trim_slashes_only_in_the_path),
		cmocka_unit_test(test_url_without_userinfo),
		cmocka_unit_test(test_url_without_userinfo_reads_only_len_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
