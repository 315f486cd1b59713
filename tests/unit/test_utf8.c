/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_utf8: WHATWG decoding with maximal-subpart U+FFFD, validation, encoding. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include "util/utf8.h"

#define R UTF8_REPLACEMENT

/* A text with 1-, 2-, 3- and 4-byte characters, a ZWJ family and a flag. */
static const char MIXED[] = "a\xc3\xa9 \xe4\xb8\xad\xe6\x96\x87 "
                            "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7"
                            " \xf0\x9f\x87\xaf\xf0\x9f\x87\xb5 \xdf\xbf\xef\xbf\xbf\xf4\x8f\xbf\xbf!\n";

/* Valid characters mixed with every kind of invalid subpart. */
static const char BROKEN[] = "x\xc0\xaf"
                             "y\xe0\x80\xaf"
                             "\xed\xa0\x80"
                             "\xf4\x90\x80\x80"
                             "\xe4\xb8\n"
                             "\xe4\xb8\xad"
                             "\x80\xbf\xff\xfe"
                             "\xf0\x9f\x98"
                             "\xf0\x9f\x98\x80"
                             "z\xc3";

/* A copy in a block of exactly n bytes, so ASan sees any read past the end. */
static char *exact_copy(const char *p, size_t n)
{
	char *q = malloc(n > 0 ? n : 1);
	assert_non_null(q);
	if (n > 0)
		memcpy(q, p, n);
	return q;
}

/* utf8_repair of n bytes (from an exact-size copy) into a fresh buffer. */
static void repair(const char *p, size_t n, struct buf *out)
{
	char *q = exact_copy(p, n);
	buf_init(out, 0);
	assert_int_equal(utf8_repair(q, n, out), 0);
	free(q);
}

/* The decoder fed p in pieces ending at cuts[0..ncuts), then the rest. */
static void decode_pieces(const char *p, size_t n, const size_t *cuts, size_t ncuts, struct buf *out)
{
	struct utf8_decoder d;
	utf8_decoder_init(&d);
	buf_init(out, 0);
	size_t at = 0;
	for (size_t k = 0; k <= ncuts; k++) {
		size_t end = k < ncuts ? cuts[k] : n;
		char *piece = exact_copy(p + at, end - at);
		assert_int_equal(utf8_decode(&d, piece, end - at, out), 0);
		free(piece);
		at = end;
	}
	assert_int_equal(utf8_decode_finish(&d, out), 0);
}

static void check_repair(const char *in, size_t n, const char *want)
{
	struct buf out;
	repair(in, n, &out);
	assert_bytes_equal(buf_str(&out), out.len, want);
	assert_true(utf8_valid(buf_str(&out), out.len));
	buf_done(&out);
}

#define CHECK(in, want) check_repair((in), sizeof(in) - 1, (want))

static void test_utf8_overlong_c0_af_is_two_replacements(void **state)
{
	(void)state;
	CHECK("\xc0\xaf", R R);
	CHECK("\xc1\xbf", R R);
}

static void test_utf8_overlong_e0_80_af_is_three_replacements(void **state)
{
	(void)state;
	CHECK("\xe0\x80\xaf", R R R);
	CHECK("\xe0\x9f\xbf", R R R);
	CHECK("\xf0\x8f\xbf\xbf", R R R R);
}

static void test_utf8_surrogate_ed_a0_80_is_three_replacements(void **state)
{
	(void)state;
	CHECK("\xed\xa0\x80", R R R);
	CHECK("\xed\xbf\xbf", R R R);
}

static void test_utf8_above_max_f4_90_80_80_is_four_replacements(void **state)
{
	(void)state;
	CHECK("\xf4\x90\x80\x80", R R R R);
	CHECK("\xf5\x80\x80\x80", R R R R);
}

static void test_utf8_truncated_sequence_before_lf_is_one_replacement(void **state)
{
	(void)state;
	CHECK("\xe4\xb8\n", R "\n");
	CHECK("\xe4\xb8\nnext", R "\nnext");
}

static void test_utf8_truncated_sequence_never_swallows_following_ascii(void **state)
{
	(void)state;
	CHECK("a\xf0\x9f\x98z", "a" R "z");
	CHECK("\xc3"
	      "A",
	      R "A");
	CHECK("\xe4"
	      "\"}",
	      R "\"}");
}

static void test_utf8_truncated_sequence_before_new_lead_is_one_replacement(void **state)
{
	(void)state;
	/* The byte that breaks a character is looked at again as a lead. */
	CHECK("\xe4\xe4\xb8\xad", R "\xe4\xb8\xad");
	CHECK("\xf0\x9f\xc3\xa9", R "\xc3\xa9");
}

static void test_utf8_lone_continuation_bytes_are_one_replacement_each(void **state)
{
	(void)state;
	CHECK("\x80", R);
	CHECK("\xbf", R);
	CHECK("a\x80\xbf"
	      "b",
	      "a" R R "b");
	CHECK("\xe4\xb8\xad\xad", "\xe4\xb8\xad" R);
}

static void test_utf8_bytes_that_never_start_a_char_are_replaced(void **state)
{
	(void)state;
	CHECK("\xff", R);
	CHECK("\xfe", R);
	CHECK("\xfe\xff", R R);
	CHECK("\xf8\x88\x80\x80\x80", R R R R R);
	CHECK("\xc0", R);
	CHECK("\xc1", R);
	CHECK("\xf5", R);
}

static void test_utf8_valid_multibyte_chars_pass_unchanged(void **state)
{
	(void)state;
	static const char *const cases[] = {
		"\xc2\x80",                      /* U+0080, smallest 2-byte */
		"\xc3\xa9",                      /* é */
		"\xdf\xbf",                      /* U+07FF */
		"\xe0\xa0\x80",                  /* U+0800, smallest 3-byte */
		"\xe4\xb8\xad\xe6\x96\x87",      /* 中文 */
		"\xed\x9f\xbf",                  /* U+D7FF, below the surrogates */
		"\xee\x80\x80",                  /* U+E000, above them */
		"\xef\xbf\xbd",                  /* U+FFFD itself */
		"\xef\xbf\xbf",                  /* U+FFFF */
		"\xf0\x90\x80\x80",              /* U+10000, smallest 4-byte */
		"\xf0\x9f\x98\x80",              /* 😀 */
		"\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7", /* ZWJ family */
		"\xf0\x9f\x87\xaf\xf0\x9f\x87\xb5", /* flag: regional indicators J P */
		"\xf4\x8f\xbf\xbf",              /* U+10FFFF */
		MIXED,
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		check_repair(cases[i], strlen(cases[i]), cases[i]);
		assert_true(utf8_valid(cases[i], strlen(cases[i])));
	}
}

static void test_utf8_broken_text_gets_one_replacement_per_maximal_subpart(void **state)
{
	(void)state;
	check_repair(BROKEN, sizeof(BROKEN) - 1,
	             "x" R R "y" R R R R R R R R R R R "\n"
	             "\xe4\xb8\xad" R R R R R "\xf0\x9f\x98\x80"
	             "z" R);
}

static void test_utf8_nul_and_ascii_controls_pass_unchanged(void **state)
{
	(void)state;
	struct buf out;
	repair("a\0\x1b[0m\x7f", 7, &out);
	assert_int_equal(out.len, 7);
	assert_memory_equal(buf_str(&out), "a\0\x1b[0m\x7f", 7);
	buf_done(&out);
}

static void test_utf8_char_split_across_calls_is_joined(void **state)
{
	(void)state;
	struct utf8_decoder d;
	struct buf out;
	utf8_decoder_init(&d);
	buf_init(&out, 0);
	assert_int_equal(utf8_decode(&d, "<\xf0", 2, &out), 0);
	assert_bytes_equal(buf_str(&out), out.len, "<");
	assert_int_equal(utf8_decode(&d, "\x9f", 1, &out), 0);
	assert_int_equal(utf8_decode(&d, "\x98", 1, &out), 0);
	assert_bytes_equal(buf_str(&out), out.len, "<");
	assert_int_equal(utf8_decode(&d, "\x80>", 2, &out), 0);
	assert_bytes_equal(buf_str(&out), out.len, "<\xf0\x9f\x98\x80>");
	assert_int_equal(utf8_decode_finish(&d, &out), 0);
	assert_bytes_equal(buf_str(&out), out.len, "<\xf0\x9f\x98\x80>");
	buf_done(&out);
}

static void test_utf8_decode_finish_turns_truncated_char_into_one_replacement(void **state)
{
	(void)state;
	static const char *const tails[] = {"\xc3", "\xe4", "\xe4\xb8", "\xf0", "\xf0\x9f", "\xf0\x9f\x98"};
	for (size_t i = 0; i < sizeof(tails) / sizeof(*tails); i++) {
		struct utf8_decoder d;
		struct buf out;
		utf8_decoder_init(&d);
		buf_init(&out, 0);
		assert_int_equal(utf8_decode(&d, "ok", 2, &out), 0);
		assert_int_equal(utf8_decode(&d, tails[i], strlen(tails[i]), &out), 0);
		assert_bytes_equal(buf_str(&out), out.len, "ok");
		assert_int_equal(utf8_decode_finish(&d, &out), 0);
		assert_bytes_equal(buf_str(&out), out.len, "ok" R);
		/* The decoder starts over: a second finish adds nothing. */
		assert_int_equal(utf8_decode_finish(&d, &out), 0);
		assert_int_equal(utf8_decode(&d, "\xc3\xa9", 2, &out), 0);
		assert_bytes_equal(buf_str(&out), out.len, "ok" R "\xc3\xa9");
		buf_done(&out);
	}
}

static void test_utf8_decode_finish_with_nothing_pending_adds_nothing(void **state)
{
	(void)state;
	struct utf8_decoder d;
	struct buf out;
	utf8_decoder_init(&d);
	buf_init(&out, 0);
	assert_int_equal(utf8_decode(&d, "\xe4\xb8\xad", 3, &out), 0);
	assert_int_equal(utf8_decode_finish(&d, &out), 0);
	assert_bytes_equal(buf_str(&out), out.len, "\xe4\xb8\xad");
	buf_done(&out);
}

/* Incremental decoding of text split at every offset (and in three pieces at
 * every pair of offsets) gives exactly the one-shot result. */
static void check_every_split(const char *text, size_t n)
{
	struct buf whole;
	repair(text, n, &whole);
	for (size_t a = 0; a <= n; a++) {
		for (size_t b = a; b <= n; b++) {
			size_t cuts[2] = {a, b};
			struct buf got;
			decode_pieces(text, n, cuts, 2, &got);
			if (got.len != whole.len || memcmp(buf_str(&got), buf_str(&whole), got.len) != 0) {
				print_error("split at %zu and %zu differs from one-shot\n", a, b);
				fail();
			}
			buf_done(&got);
		}
	}
	buf_done(&whole);
}

static void check_byte_at_a_time(const char *text, size_t n)
{
	struct buf whole, got;
	repair(text, n, &whole);
	size_t *cuts = malloc(n * sizeof(*cuts));
	assert_non_null(cuts);
	for (size_t i = 0; i < n; i++)
		cuts[i] = i + 1;
	decode_pieces(text, n, cuts, n, &got);
	assert_int_equal(got.len, whole.len);
	assert_memory_equal(buf_str(&got), buf_str(&whole), whole.len);
	free(cuts);
	buf_done(&got);
	buf_done(&whole);
}

static void test_utf8_valid_text_split_at_every_offset_matches_one_shot(void **state)
{
	(void)state;
	check_every_split(MIXED, sizeof(MIXED) - 1);
	/* And the one-shot result of valid text is the text. */
	struct buf whole;
	repair(MIXED, sizeof(MIXED) - 1, &whole);
	assert_bytes_equal(buf_str(&whole), whole.len, MIXED);
	buf_done(&whole);
}

static void test_utf8_valid_text_fed_one_byte_at_a_time_matches_one_shot(void **state)
{
	(void)state;
	check_byte_at_a_time(MIXED, sizeof(MIXED) - 1);
}

static void test_utf8_broken_text_split_at_every_offset_matches_one_shot(void **state)
{
	(void)state;
	check_every_split(BROKEN, sizeof(BROKEN) - 1);
	check_byte_at_a_time(BROKEN, sizeof(BROKEN) - 1);
}

/* Every input of up to 4 bytes over an alphabet of boundary bytes: the fast
 * one-shot path and the byte-at-a-time path agree, and the output is valid. */
static void test_utf8_short_inputs_decode_the_same_whole_and_bytewise(void **state)
{
	(void)state;
	static const unsigned char alpha[] = {0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0,
	                                      0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff};
	const size_t na = sizeof(alpha);
	for (size_t len = 1; len <= 4; len++) {
		size_t total = 1;
		for (size_t k = 0; k < len; k++)
			total *= na;
		for (size_t code = 0; code < total; code++) {
			char in[4];
			size_t c = code;
			for (size_t k = 0; k < len; k++) {
				in[k] = (char)alpha[c % na];
				c /= na;
			}
			struct buf whole, bytewise;
			repair(in, len, &whole);
			size_t cuts[3] = {1, 2, 3};
			decode_pieces(in, len, cuts, len - 1, &bytewise);
			if (whole.len != bytewise.len || memcmp(buf_str(&whole), buf_str(&bytewise), whole.len) != 0 ||
			    !utf8_valid(buf_str(&whole), whole.len)) {
				print_error("input %02x %02x %02x %02x (len %zu)\n", (unsigned char)in[0],
				            len > 1 ? (unsigned char)in[1] : 0, len > 2 ? (unsigned char)in[2] : 0,
				            len > 3 ? (unsigned char)in[3] : 0, len);
				fail();
			}
			buf_done(&whole);
			buf_done(&bytewise);
		}
	}
}

static void test_utf8_decode_reports_full_output_buffer(void **state)
{
	(void)state;
	struct utf8_decoder d;
	struct buf out;
	utf8_decoder_init(&d);
	buf_init(&out, 2);
	assert_int_equal(utf8_decode(&d, "abc", 3, &out), -1);
	buf_done(&out);

	utf8_decoder_init(&d);
	buf_init(&out, 2);
	assert_int_equal(utf8_decode(&d, "\xff", 1, &out), -1); /* U+FFFD is 3 bytes */
	buf_done(&out);

	utf8_decoder_init(&d);
	buf_init(&out, 2);
	assert_int_equal(utf8_decode(&d, "\xe4\xb8", 2, &out), 0);
	assert_int_equal(utf8_decode_finish(&d, &out), -1);
	buf_done(&out);
}

struct valid_case {
	const char *bytes;
	size_t len;
	bool valid;
};

#define VC(s, v) {(s), sizeof(s) - 1, (v)}

/* utf8_valid(x) is exactly "utf8_repair(x) == x", and each verdict is the
 * expected one. Inputs live in exact-size heap blocks so a character that
 * runs past the end would be an over-read ASan reports. */
static void test_utf8_valid_agrees_with_repair_leaving_input_unchanged(void **state)
{
	(void)state;
	static const struct valid_case cases[] = {
		VC("", true),
		VC("a", true),
		VC("plain ascii text", true),
		VC("0123456\xc3\xa9", true), /* char straddling the 8-byte word */
		VC("01234567\xc3\xa9", true),
		VC("\xe4\xb8\xad", true),
		VC("\xf0\x9f\x98\x80", true),
		VC("\xf4\x8f\xbf\xbf", true),
		VC("\xef\xbb\xbf", true), /* BOM is a character */
		VC("\x00\x01", true),
		VC("\xc3", false),
		VC("\xe4", false),
		VC("\xe4\xb8", false),
		VC("\xf0", false),
		VC("\xf0\x9f", false),
		VC("\xf0\x9f\x98", false),
		VC("abcdefg\xf0\x9f\x98", false),
		VC("abcdefgh\xf0\x9f\x98", false),
		VC("abcdefghijklmno\xe4", false),
		VC("\xe4\xb8\xad\xe4\xb8", false),
		VC("\xc0\xaf", false),
		VC("\xe0\x80\xaf", false),
		VC("\xed\xa0\x80", false),
		VC("\xf4\x90\x80\x80", false),
		VC("\x80", false),
		VC("\xff", false),
		VC("\xfe", false),
		VC("\xe4\xb8\n", false),
		VC("\xc3\xa9\xc3", false),
		VC("01234567890123\xc3\xc3", false),
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const struct valid_case *c = &cases[i];
		char *q = exact_copy(c->bytes, c->len);
		bool valid = utf8_valid(q, c->len);
		struct buf out;
		repair(q, c->len, &out);
		bool unchanged = out.len == c->len && memcmp(buf_str(&out), q, c->len) == 0;
		if (valid != c->valid || valid != unchanged) {
			print_error("case %zu: utf8_valid %d, expected %d, repair unchanged %d\n", i, valid,
			            c->valid, unchanged);
			fail();
		}
		buf_done(&out);
		free(q);
	}
}

static void test_utf8_valid_agrees_with_repair_on_every_two_byte_input(void **state)
{
	(void)state;
	for (unsigned v = 0; v < 0x10000; v++) {
		char in[2] = {(char)(v >> 8), (char)(v & 0xff)};
		for (size_t len = 1; len <= 2; len++) {
			if (len == 1 && (v & 0xff) != 0)
				continue;
			char *q = exact_copy(in, len);
			struct buf out;
			repair(q, len, &out);
			bool unchanged = out.len == len && memcmp(buf_str(&out), q, len) == 0;
			if (utf8_valid(q, len) != unchanged || !utf8_valid(buf_str(&out), out.len)) {
				print_error("input %02x %02x (len %zu)\n", v >> 8, v & 0xff, len);
				fail();
			}
			buf_done(&out);
			free(q);
		}
	}
}

static void test_utf8_encode_one_to_four_bytes(void **state)
{
	(void)state;
	static const struct {
		unsigned long cp;
		const char *want;
	} cases[] = {
		{0x41, "A"},
		{0x7f, "\x7f"},
		{0x80, "\xc2\x80"},
		{0xe9, "\xc3\xa9"},
		{0x7ff, "\xdf\xbf"},
		{0x800, "\xe0\xa0\x80"},
		{0x4e2d, "\xe4\xb8\xad"},
		{0x241b, "\xe2\x90\x9b"},
		{0xfffd, "\xef\xbf\xbd"},
		{0xffff, "\xef\xbf\xbf"},
		{0x10000, "\xf0\x90\x80\x80"},
		{0x1f600, "\xf0\x9f\x98\x80"},
		{0x10ffff, "\xf4\x8f\xbf\xbf"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char out[4];
		size_t n = utf8_encode(cases[i].cp, out);
		assert_bytes_equal(out, n, cases[i].want);
	}
	char nul[4] = {'x', 'x', 'x', 'x'};
	assert_int_equal(utf8_encode(0, nul), 1);
	assert_int_equal(nul[0], '\0');
}

static void test_utf8_encode_of_every_scalar_value_is_valid_utf8(void **state)
{
	(void)state;
	for (unsigned long cp = 0; cp <= 0x10ffff; cp++) {
		if (cp >= 0xd800 && cp <= 0xdfff)
			continue;
		char out[4];
		size_t n = utf8_encode(cp, out);
		size_t want = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
		if (n != want || !utf8_valid(out, n)) {
			print_error("U+%04lX: length %zu, want %zu\n", cp, n, want);
			fail();
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_overlong_c0_af_is_two_replacements),
		cmocka_unit_test(test_utf8_overlong_e0_80_af_is_three_replacements),
		cmocka_unit_test(test_utf8_surrogate_ed_a0_80_is_three_replacements),
		cmocka_unit_test(test_utf8_above_max_f4_90_80_80_is_four_replacements),
		cmocka_unit_test(test_utf8_truncated_sequence_before_lf_is_one_replacement),
		cmocka_unit_test(test_utf8_truncated_sequence_never_swallows_following_ascii),
		cmocka_unit_test(test_utf8_truncated_sequence_before_new_lead_is_one_replacement),
		cmocka_unit_test(test_utf8_lone_continuation_bytes_are_one_replacement_each),
		cmocka_unit_test(test_utf8_bytes_that_never_start_a_char_are_replaced),
		cmocka_unit_test(test_utf8_valid_multibyte_chars_pass_unchanged),
		cmocka_unit_test(test_utf8_broken_text_gets_one_replacement_per_maximal_subpart),
		cmocka_unit_test(test_utf8_nul_and_ascii_controls_pass_unchanged),
		cmocka_unit_test(test_utf8_char_split_across_calls_is_joined),
		cmocka_unit_test(test_utf8_decode_finish_turns_truncated_char_into_one_replacement),
		cmocka_unit_test(test_utf8_decode_finish_with_nothing_pending_adds_nothing),
		cmocka_unit_test(test_utf8_valid_text_split_at_every_offset_matches_one_shot),
		cmocka_unit_test(test_utf8_valid_text_fed_one_byte_at_a_time_matches_one_shot),
		cmocka_unit_test(test_utf8_broken_text_split_at_every_offset_matches_one_shot),
		cmocka_unit_test(test_utf8_short_inputs_decode_the_same_whole_and_bytewise),
		cmocka_unit_test(test_utf8_decode_reports_full_output_buffer),
		cmocka_unit_test(test_utf8_valid_agrees_with_repair_leaving_input_unchanged),
		cmocka_unit_test(test_utf8_valid_agrees_with_repair_on_every_two_byte_input),
		cmocka_unit_test(test_utf8_encode_one_to_four_bytes),
		cmocka_unit_test(test_utf8_encode_of_every_scalar_value_is_valid_utf8),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
