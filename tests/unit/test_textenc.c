/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_textenc: a prompt's bytes to UTF-8: UTF-16 with a BOM converted,
 * NULs, invalid UTF-8 and broken UTF-16 refused at the right offset. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include "util/textenc.h"
#include "util/utf8.h"

/* Converts n bytes; expects success with encoding found and text want. */
static void converts(const char *in, size_t n, int found, const char *want)
{
	struct buf out;
	buf_init(&out, 0);
	struct textenc_error e;
	assert_int_equal(textenc_to_utf8(in, n, &out, &e), found);
	assert_int_equal(out.len, strlen(want));
	assert_memory_equal(buf_str(&out), want, out.len);
	buf_done(&out);
}

/* Converts n bytes; expects refusal for problem at offset. */
static struct textenc_error refuses(const char *in, size_t n, enum textenc_problem problem,
                                    size_t offset)
{
	struct buf out;
	buf_init(&out, 0);
	struct textenc_error e;
	assert_int_equal(textenc_to_utf8(in, n, &out, &e), -1);
	assert_int_equal(e.problem, problem);
	assert_int_equal(e.offset, offset);
	buf_done(&out);
	return e;
}

#define S(lit) lit, sizeof(lit) - 1

static void test_textenc_utf8_passes_unchanged(void **state)
{
	(void)state;
	converts(S("h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80"), TEXTENC_UTF8,
	         "h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80");
	converts(S(""), TEXTENC_UTF8, "");
}

static void test_textenc_utf8_bom_is_dropped(void **state)
{
	(void)state;
	converts(S("\xEF\xBB\xBFhi"), TEXTENC_UTF8_BOM, "hi");
}

static void test_textenc_utf16le_with_bom_becomes_utf8(void **state)
{
	(void)state;
	/* "hé€" then LF */
	converts(S("\xFF\xFEh\0\xE9\0\xAC\x20\n\0"), TEXTENC_UTF16LE, "h\xC3\xA9\xE2\x82\xAC\n");
}

static void test_textenc_utf16be_with_bom_becomes_utf8(void **state)
{
	(void)state;
	converts(S("\xFE\xFF\0h\0\xE9\x20\xAC"), TEXTENC_UTF16BE, "h\xC3\xA9\xE2\x82\xAC");
}

static void test_textenc_surrogate_pair_is_one_character(void **state)
{
	(void)state;
	/* U+1F600 is D83D DE00; U+10FFFF is DBFF DFFF. */
	converts(S("\xFF\xFE\x3D\xD8\x00\xDEx\0"), TEXTENC_UTF16LE, "\xF0\x9F\x98\x80x");
	converts(S("\xFE\xFF\xDB\xFF\xDF\xFF"), TEXTENC_UTF16BE, "\xF4\x8F\xBF\xBF");
}

static void test_textenc_bom_alone_is_empty(void **state)
{
	(void)state;
	converts(S("\xFF\xFE"), TEXTENC_UTF16LE, "");
	converts(S("\xFE\xFF"), TEXTENC_UTF16BE, "");
}

static void test_textenc_lone_surrogates_are_refused(void **state)
{
	(void)state;
	/* A low surrogate first, a high one followed by a letter, a high one last. */
	refuses(S("\xFF\xFEh\0\x00\xDCi\0"), TEXTENC_LONE_SURROGATE, 4);
	refuses(S("\xFF\xFE\x3D\xD8h\0"), TEXTENC_LONE_SURROGATE, 2);
	refuses(S("\xFE\xFF\0h\xD8\x3D"), TEXTENC_LONE_SURROGATE, 4);
	/* Two highs in a row: the first is the lone one. */
	refuses(S("\xFE\xFF\xD8\x3D\xD8\x3D\xDE\x00"), TEXTENC_LONE_SURROGATE, 2);
}

static void test_textenc_odd_utf16_length_is_refused(void **state)
{
	(void)state;
	refuses(S("\xFF\xFEh\0i"), TEXTENC_ODD_LENGTH, 4);
	refuses(S("\xFE\xFF\0"), TEXTENC_ODD_LENGTH, 2);
	/* A high surrogate cut in its low half's middle. */
	refuses(S("\xFE\xFF\xD8\x3D\xDE"), TEXTENC_LONE_SURROGATE, 2);
}

static void test_textenc_nul_is_refused_where_it_is(void **state)
{
	(void)state;
	refuses(S("hi\0there"), TEXTENC_NUL, 2);
	/* UTF-16 without a BOM: its first NUL. */
	refuses(S("h\0i\0"), TEXTENC_NUL, 1);
	refuses(S("\xEF\xBB\xBFok\0"), TEXTENC_NUL, 5);
	refuses(S("\xFF\xFEh\0\0\0"), TEXTENC_NUL, 4);
}

static void test_textenc_invalid_utf8_is_refused_at_its_first_byte(void **state)
{
	(void)state;
	struct textenc_error e = refuses(S("h\xE9llo"), TEXTENC_BAD_UTF8, 1);
	assert_int_equal(e.byte, 0xE9);
	refuses(S("ab\xC0\xAF"), TEXTENC_BAD_UTF8, 2);       /* overlong */
	refuses(S("a\xED\xA0\x80"), TEXTENC_BAD_UTF8, 1);    /* an encoded surrogate */
	refuses(S("caf\xC3"), TEXTENC_BAD_UTF8, 3);          /* cut at the end */
	refuses(S("\xF4\x90\x80\x80"), TEXTENC_BAD_UTF8, 0); /* past U+10FFFF */
	/* Invalid before a NUL: the first problem is the one said. */
	refuses(S("\xFFx\0"), TEXTENC_BAD_UTF8, 0);
	/* A lone FE or FF is not a BOM. */
	refuses(S("\xFFx"), TEXTENC_BAD_UTF8, 0);
}

static void test_textenc_check_utf8_ignores_boms(void **state)
{
	(void)state;
	struct textenc_error e;
	assert_int_equal(textenc_check_utf8(S("caf\xC3\xA9"), &e), 0);
	assert_int_equal(textenc_check_utf8(S("\xFF\xFEh"), &e), -1);
	assert_int_equal(e.problem, TEXTENC_BAD_UTF8);
	assert_int_equal(e.offset, 0);
}

static void test_textenc_output_cap_is_an_error(void **state)
{
	(void)state;
	struct buf out;
	buf_init(&out, 2);
	struct textenc_error e;
	assert_int_equal(textenc_to_utf8(S("\xFF\xFEh\0\xE9\0"), &out, &e), -1);
	assert_int_equal(e.problem, TEXTENC_TOO_LONG);
	buf_done(&out);
}

static void test_utf8_valid_prefix_stops_at_the_first_bad_sequence(void **state)
{
	(void)state;
	assert_int_equal(utf8_valid_prefix(S("abc")), 3);
	assert_int_equal(utf8_valid_prefix(S("a\xC3\xA9\xE2\x82")), 3);
	assert_int_equal(utf8_valid_prefix(S("\x80")), 0);
	assert_true(utf8_valid(S("\xE2\x82\xAC")));
	assert_false(utf8_valid(S("\xE2\x82")));
}

static void test_textenc_names_are_iconvs(void **state)
{
	(void)state;
	assert_string_equal(textenc_name(TEXTENC_UTF16LE), "UTF-16LE");
	assert_string_equal(textenc_name(TEXTENC_UTF16BE), "UTF-16BE");
	assert_string_equal(textenc_name(TEXTENC_UTF8_BOM), "UTF-8");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_textenc_utf8_passes_unchanged),
		cmocka_unit_test(test_textenc_utf8_bom_is_dropped),
		cmocka_unit_test(test_textenc_utf16le_with_bom_becomes_utf8),
		cmocka_unit_test(test_textenc_utf16be_with_bom_becomes_utf8),
		cmocka_unit_test(test_textenc_surrogate_pair_is_one_character),
		cmocka_unit_test(test_textenc_bom_alone_is_empty),
		cmocka_unit_test(test_textenc_lone_surrogates_are_refused),
		cmocka_unit_test(test_textenc_odd_utf16_length_is_refused),
		cmocka_unit_test(test_textenc_nul_is_refused_where_it_is),
		cmocka_unit_test(test_textenc_invalid_utf8_is_refused_at_its_first_byte),
		cmocka_unit_test(test_textenc_check_utf8_ignores_boms),
		cmocka_unit_test(test_textenc_output_cap_is_an_error),
		cmocka_unit_test(test_utf8_valid_prefix_stops_at_the_first_bad_sequence),
		cmocka_unit_test(test_textenc_names_are_iconvs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
