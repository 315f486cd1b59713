/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_apikey: which keys may go into a header, and a key file's line. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include "util/apikey.h"

static void test_apikey_printable_ascii_passes(void **state)
{
	(void)state;
	char why[96] = "untouched";
	assert_int_equal(apikey_check("sk-proj-AbC_123.xyz~!/+=", why, sizeof why), 0);
	assert_int_equal(apikey_check("", why, sizeof why), 0);
	assert_string_equal(why, "untouched");
}

static void test_apikey_names_the_first_bad_byte_and_where(void **state)
{
	(void)state;
	static const struct {
		const char *key, *why;
	} cases[] = {
	    {"sk-x\r\nX-Injected: yes", "a control character (0x0d) at byte 4"},
	    {"sk-x\nX", "a control character (0x0a) at byte 4"},
	    {"\tsk", "a control character (0x09) at byte 0"},
	    {"sk\x7f", "a control character (0x7f) at byte 2"},
	    {"sk\x1b[31m", "a control character (0x1b) at byte 2"},
	    {"sk x", "a space at byte 2"},
	    {"sk-x ", "a space at byte 4"},
	    {"\xe2\x80\x9csk", "a byte outside ASCII (0xe2) at byte 0"},
	    {"sk\xc2\x85", "a byte outside ASCII (0xc2) at byte 2"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char why[96];
		assert_int_equal(apikey_check(cases[i].key, why, sizeof why), -1);
		assert_string_equal(why, cases[i].why);
	}
	/* A short buffer is cut, never overrun. */
	char small[8];
	assert_int_equal(apikey_check("a b", small, sizeof small), -1);
	assert_string_equal(small, "a space");
}

static void test_apikey_line_drops_one_lf_or_crlf_only(void **state)
{
	(void)state;
	assert_int_equal(apikey_line("sk\n", 3), 2);
	assert_int_equal(apikey_line("sk\r\n", 4), 2);
	assert_int_equal(apikey_line("sk", 2), 2);
	assert_int_equal(apikey_line("sk\r\r\n", 5), 3);  /* one CR goes with the LF */
	assert_int_equal(apikey_line("sk \n", 4), 3);     /* blanks stay, to be refused */
	assert_int_equal(apikey_line("sk\nmore\n", 8), 2); /* the first line */
	assert_int_equal(apikey_line("\r\n", 2), 0);
	assert_int_equal(apikey_line("sk\r", 3), 3); /* no LF: a CR is not a newline */
	assert_int_equal(apikey_line("", 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_apikey_printable_ascii_passes),
	    cmocka_unit_test(test_apikey_names_the_first_bad_byte_and_where),
	    cmocka_unit_test(test_apikey_line_drops_one_lf_or_crlf_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
