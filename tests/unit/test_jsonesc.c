/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_jsonesc: JSON string literals in the one canonical form. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/jsonesc.h"

static void check(const char *in, size_t n, const char *want)
{
	struct buf out;
	buf_init(&out, 0);
	assert_int_equal(jsonesc_append(&out, in, n), 0);
	assert_bytes_equal(buf_str(&out), out.len, want);
	buf_done(&out);
}

#define CHECK(in, want) check((in), sizeof(in) - 1, (want))

static void test_jsonesc_plain_text_is_only_quoted(void **state)
{
	(void)state;
	CHECK("hello, world", "\"hello, world\"");
	CHECK("a/b <tag> 'q' {x:1}", "\"a/b <tag> 'q' {x:1}\"");
}

static void test_jsonesc_empty_string_is_two_quotes(void **state)
{
	(void)state;
	CHECK("", "\"\"");
}

static void test_jsonesc_quote_and_backslash_are_escaped(void **state)
{
	(void)state;
	CHECK("say \"hi\"", "\"say \\\"hi\\\"\"");
	CHECK("C:\\dir\\", "\"C:\\\\dir\\\\\"");
	CHECK("\\\"", "\"\\\\\\\"\"");
}

static void test_jsonesc_named_controls_use_their_names(void **state)
{
	(void)state;
	CHECK("\n", "\"\\n\"");
	CHECK("\r", "\"\\r\"");
	CHECK("\t", "\"\\t\"");
	CHECK("\b", "\"\\b\"");
	CHECK("\f", "\"\\f\"");
	CHECK("a\r\nb\tc", "\"a\\r\\nb\\tc\"");
}

static void test_jsonesc_other_controls_are_lowercase_u00xx(void **state)
{
	(void)state;
	check("\0", 1, "\"\\u0000\"");
	CHECK("\x01", "\"\\u0001\"");
	CHECK("\x0b", "\"\\u000b\""); /* VT has no short name in JSON */
	CHECK("\x0e", "\"\\u000e\"");
	CHECK("\x1b[31m", "\"\\u001b[31m\"");
	CHECK("\x1f", "\"\\u001f\"");
	CHECK("\x7", "\"\\u0007\"");
}

static void test_jsonesc_every_control_has_exactly_one_form(void **state)
{
	(void)state;
	static const char hex[] = "0123456789abcdef";
	for (unsigned c = 0; c < 0x20; c++) {
		char in[1] = {(char)c};
		char want[9] = {'"', '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], '"', '\0'};
		switch (c) {
		case '\n': memcpy(want, "\"\\n\"", 5); break;
		case '\r': memcpy(want, "\"\\r\"", 5); break;
		case '\t': memcpy(want, "\"\\t\"", 5); break;
		case '\b': memcpy(want, "\"\\b\"", 5); break;
		case '\f': memcpy(want, "\"\\f\"", 5); break;
		default: break;
		}
		check(in, 1, want);
	}
}

static void test_jsonesc_non_ascii_is_raw(void **state)
{
	(void)state;
	CHECK("caf\xc3\xa9", "\"caf\xc3\xa9\"");
	CHECK("\xe4\xb8\xad\xe6\x96\x87", "\"\xe4\xb8\xad\xe6\x96\x87\"");
	CHECK("\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"");
	CHECK("\xc2\xa0\xe2\x80\xa7\xe2\x81\xa5", "\"\xc2\xa0\xe2\x80\xa7\xe2\x81\xa5\"");
}

/* What a terminal (or a JavaScript reader) would act on if a reader of the
 * JSON printed a value raw: DEL, C1, line separators, bidi controls. */
static void test_jsonesc_del_c1_and_bidi_are_escaped(void **state)
{
	(void)state;
	CHECK("\x7f", "\"\\u007f\"");
	CHECK("\xc2\x85", "\"\\u0085\"");
	CHECK("a\xc2\x9b" "2J", "\"a\\u009b2J\"");
	CHECK("\xc2\x80\xc2\x9f", "\"\\u0080\\u009f\"");
	CHECK("\xe2\x80\xa8\xe2\x80\xa9", "\"\\u2028\\u2029\"");
	CHECK("x\xe2\x80\xaey", "\"x\\u202ey\"");
	CHECK("\xe2\x80\xaa\xe2\x81\xa6\xe2\x81\xa9", "\"\\u202a\\u2066\\u2069\"");
	/* A cut sequence at the end is left as it is (the caller repairs). */
	CHECK("\xe2\x80", "\"\xe2\x80\"");
	CHECK("\xc2", "\"\xc2\"");
}

static void test_jsonesc_embedded_nul_is_escaped_not_an_end(void **state)
{
	(void)state;
	check("a\0b", 3, "\"a\\u0000b\"");
	check("\0\0", 2, "\"\\u0000\\u0000\"");
	/* Length, not the NUL, decides where the input ends. */
	check("abcdef", 3, "\"abc\"");
}

static void test_jsonesc_appends_after_existing_content(void **state)
{
	(void)state;
	struct buf out;
	buf_init(&out, 0);
	assert_int_equal(buf_append_str(&out, "{\"k\":"), 0);
	assert_int_equal(jsonesc_append(&out, "v\n", 2), 0);
	assert_int_equal(buf_append_char(&out, '}'), 0);
	assert_bytes_equal(buf_str(&out), out.len, "{\"k\":\"v\\n\"}");
	buf_done(&out);
}

static void test_jsonesc_reports_full_output_buffer(void **state)
{
	(void)state;
	struct buf out;
	buf_init(&out, 5);
	assert_int_equal(jsonesc_append(&out, "abc", 3), 0); /* exactly 5 */
	assert_bytes_equal(buf_str(&out), out.len, "\"abc\"");
	buf_done(&out);
	buf_init(&out, 5);
	assert_int_equal(jsonesc_append(&out, "abcd", 4), -1);
	buf_done(&out);
	buf_init(&out, 5);
	assert_int_equal(jsonesc_append(&out, "\x01", 1), -1); /* "\u0001" is 8 */
	buf_done(&out);
}

/* A JSON parser (jansson) reads back exactly the n bytes that went in. */
static void check_round_trip(const char *in, size_t n)
{
	struct buf out;
	buf_init(&out, 0);
	assert_int_equal(jsonesc_append(&out, in, n), 0);
	json_error_t err;
	json_t *j = json_loadb(buf_str(&out), out.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
	if (j == NULL) {
		print_error("n=%zu: %s\n", n, err.text);
		fail();
	}
	assert_true(json_is_string(j));
	assert_int_equal(json_string_length(j), n);
	assert_memory_equal(json_string_value(j), in, n);
	json_decref(j);
	buf_done(&out);
}

static void test_jsonesc_output_parses_back_to_the_input(void **state)
{
	(void)state;
	static const char tail[] = " \xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80 \"\\/\x7f\xef\xbf\xbd\xf4\x8f\xbf\xbf end";
	char all[128 + sizeof(tail) - 1];
	for (unsigned c = 0; c < 128; c++)
		all[c] = (char)c;
	memcpy(all + 128, tail, sizeof(tail) - 1);
	/* Every ASCII prefix, then everything; a cut inside a character would
	 * not be valid UTF-8, which jsonesc asks for. */
	for (size_t n = 0; n <= 128; n++)
		check_round_trip(all, n);
	check_round_trip(all, sizeof(all));
}

/* The shortest text that reads back as the same double; unknown (< 0) and
 * not-finite figures are null. */
static void test_jsonesc_number_round_trips_and_nulls(void **state)
{
	(void)state;
	const double v[] = {0, 0.1, 1.0 / 3, 2.5e-7, 123456789.125, 1e300};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct buf b;
		buf_init(&b, 0);
		assert_int_equal(jsonesc_number(&b, v[i]), 0);
		assert_true(strtod(buf_str(&b), NULL) == v[i]);
		assert_true(b.len <= 24);
		buf_done(&b);
	}
	struct buf b;
	buf_init(&b, 0);
	jsonesc_number(&b, 0.1);
	assert_string_equal(buf_str(&b), "0.1");
	const double nulls[] = {-1, NAN, INFINITY};
	for (size_t i = 0; i < 3; i++) {
		buf_reset(&b);
		jsonesc_number(&b, nulls[i]);
		assert_string_equal(buf_str(&b), "null");
	}
	buf_done(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jsonesc_plain_text_is_only_quoted),
		cmocka_unit_test(test_jsonesc_empty_string_is_two_quotes),
		cmocka_unit_test(test_jsonesc_quote_and_backslash_are_escaped),
		cmocka_unit_test(test_jsonesc_named_controls_use_their_names),
		cmocka_unit_test(test_jsonesc_other_controls_are_lowercase_u00xx),
		cmocka_unit_test(test_jsonesc_every_control_has_exactly_one_form),
		cmocka_unit_test(test_jsonesc_non_ascii_is_raw),
		cmocka_unit_test(test_jsonesc_del_c1_and_bidi_are_escaped),
		cmocka_unit_test(test_jsonesc_embedded_nul_is_escaped_not_an_end),
		cmocka_unit_test(test_jsonesc_appends_after_existing_content),
		cmocka_unit_test(test_jsonesc_reports_full_output_buffer),
		cmocka_unit_test(test_jsonesc_output_parses_back_to_the_input),
		cmocka_unit_test(test_jsonesc_number_round_trips_and_nulls),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
