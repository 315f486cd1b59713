/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fastjson: fj_string takes exactly the strings jansson takes, escapes and
 * surrogate pairs included, and gives up on the rest. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <string.h>

#include "util/buf.h"
#include "wire/fastjson.h"

/* fj_string over json (a literal); true when it reads a string that ends
 * exactly at the end of json. */
static bool takes(const char *json, struct fj_str *s)
{
	const char *p = json, *end = json + strlen(json);
	if (!fj_string(&p, end, s))
		return false;
	assert_ptr_equal(p, end);
	return true;
}

/* json is taken, and decodes to want (want_n bytes). */
static void expect(const char *json, const char *want, size_t want_n)
{
	struct fj_str s;
	if (!takes(json, &s)) {
		print_error("fj_string refused %s\n", json);
		fail();
	}
	struct buf scratch;
	buf_init(&scratch, 0);
	size_t n;
	const char *v = fj_decode(&s, &scratch, &n);
	assert_int_equal(n, want_n);
	assert_memory_equal(v, want, want_n);
	buf_done(&scratch);
}

static void refuse(const char *json)
{
	struct fj_str s;
	if (takes(json, &s)) {
		print_error("fj_string took %s\n", json);
		fail();
	}
}

static void test_fastjson_plain_strings(void **state)
{
	(void)state;
	expect("\"\"", "", 0);
	expect("\"hello, world\"", "hello, world", 12);
	expect("\"caf\xC3\xA9\"", "caf\xC3\xA9", 5);
}

static void test_fastjson_every_simple_escape(void **state)
{
	(void)state;
	expect("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\/\b\f\n\r\t", 8);
	expect("\"a\\nb\"", "a\nb", 3);
}

static void test_fastjson_other_escapes_are_refused(void **state)
{
	(void)state;
	refuse("\"\\a\"");
	refuse("\"\\x41\"");
	refuse("\"\\U0041\"");
	refuse("\"\\'\"");
	refuse("\"\\0\"");
}

static void test_fastjson_unicode_escapes(void **state)
{
	(void)state;
	expect("\"\\u0041\"", "A", 1);
	expect("\"\\u00e9\\u00E9\"", "\xC3\xA9\xC3\xA9", 4);
	expect("\"\\u0000\"", "\0", 1);
	expect("\"\\u20AC\"", "\xE2\x82\xAC", 3);
	expect("\"\\ud83d\\ude00\"", "\xF0\x9F\x98\x80", 4); /* a pair: U+1F600 */
	refuse("\"\\u00G1\"");
	refuse("\"\\u 041\"");
}

static void test_fastjson_surrogates_must_pair(void **state)
{
	(void)state;
	refuse("\"\\udc00\"");        /* a low half alone */
	refuse("\"\\ud83d\"");        /* a high half alone */
	refuse("\"\\ud83dx\"");       /* a high half, then a letter */
	refuse("\"\\ud83d\\n\"");     /* a high half, then another escape */
	refuse("\"\\ud83d\\u0041\""); /* a high half, then no low half */
	refuse("\"\\ud83d\\ud83d\""); /* two high halves */
}

static void test_fastjson_cut_short_is_refused(void **state)
{
	(void)state;
	refuse("\"abc");
	refuse("\"abc\\");
	refuse("\"abc\\\"");
	refuse("\"\\u004");
	refuse("\"\\u0041");
	refuse("\"\\ud83d\\ude0");
	refuse("");
	refuse("abc\"");
}

static void test_fastjson_raw_control_bytes_are_refused(void **state)
{
	(void)state;
	refuse("\"a\nb\"");
	refuse("\"a\tb\"");
	refuse("\"\x1F\"");
	expect("\"\x7F\"", "\x7F", 1); /* DEL is not a control byte to JSON */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fastjson_plain_strings),
	    cmocka_unit_test(test_fastjson_every_simple_escape),
	    cmocka_unit_test(test_fastjson_other_escapes_are_refused),
	    cmocka_unit_test(test_fastjson_unicode_escapes),
	    cmocka_unit_test(test_fastjson_surrogates_must_pair),
	    cmocka_unit_test(test_fastjson_cut_short_is_refused),
	    cmocka_unit_test(test_fastjson_raw_control_bytes_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
