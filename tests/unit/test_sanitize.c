/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_sanitize: model text never reaches the terminal as control. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include "util/sanitize.h"

#define R UTF8_REPLACEMENT
#define NUL_PIC "\xe2\x90\x80" /* U+2400 */
#define BEL_PIC "\xe2\x90\x87" /* U+2407 */
#define CR_PIC "\xe2\x90\x8d"  /* U+240D */
#define ESC_PIC "\xe2\x90\x9b" /* U+241B */
#define DEL_PIC "\xe2\x90\xa1" /* U+2421 */
#define C1_PIC "\xe2\x90\xa6"  /* U+2426 */

/* CJK, a ZWJ family and a flag. */
#define CJK_EMOJI                                                                                  \
	"\xe4\xb8\xad\xe6\x96\x87 "                                                                \
	"\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7 "                \
	"\xf0\x9f\x87\xaf\xf0\x9f\x87\xb5"

/* Everything at once: escapes, C1 as UTF-8, raw 8-bit, CRs in all roles,
 * invalid and split-able multibyte characters. */
static const char NASTY[] = "ok \x1b[31mred\x1b[0m \x1b]52;c;aGVsbG8=\x07 \x1b]2;pwned\x1b\\ "
                            "\x1bP1$r0m\x1b\\ \xc2\x9b"
                            "2J \x9b"
                            "2J line\r\nnext\rover\r\r\n\t"
                            "\xe4\xb8\xad\xc0\xaf\xe4\xb8\n\x7f\x01\x00 " CJK_EMOJI " \xc2\xa0\xc2\x85"
                            "end\r";

/* sanitize_append of an exact-size copy of the n bytes into a fresh buffer. */
static void san(const char *p, size_t n, struct buf *out)
{
	char *q = malloc(n > 0 ? n : 1);
	assert_non_null(q);
	if (n > 0)
		memcpy(q, p, n);
	buf_init(out, 0);
	assert_int_equal(sanitize_append(out, q, n), 0);
	free(q);
}

/* The promise in sanitize.h: valid UTF-8, no ESC/BEL or any byte below 0x20
 * other than \n and \t, no DEL, no C1 control (C2 80..C2 9F). */
static void assert_terminal_safe(const char *s, size_t n)
{
	if (!utf8_valid(s, n)) {
		print_error("output is not valid UTF-8\n");
		fail();
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) {
			print_error("control byte %02x at %zu\n", c, i);
			fail();
		}
		if (c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] < 0xa0) {
			print_error("C1 control c2 %02x at %zu\n", (unsigned char)s[i + 1], i);
			fail();
		}
	}
}

static void check(const char *in, size_t n, const char *want)
{
	struct buf out;
	san(in, n, &out);
	assert_bytes_equal(buf_str(&out), out.len, want);
	assert_terminal_safe(buf_str(&out), out.len);
	buf_done(&out);
}

#define CHECK(in, want) check((in), sizeof(in) - 1, (want))

static void test_sanitize_csi_colour_shows_escape_picture(void **state)
{
	(void)state;
	CHECK("\x1b[31mred\x1b[0m", ESC_PIC "[31mred" ESC_PIC "[0m");
}

static void test_sanitize_osc52_clipboard_write_is_inert(void **state)
{
	(void)state;
	CHECK("\x1b]52;c;aGVsbG8=\x07", ESC_PIC "]52;c;aGVsbG8=" BEL_PIC);
}

static void test_sanitize_osc2_title_with_string_terminator_is_inert(void **state)
{
	(void)state;
	CHECK("\x1b]2;pwned\x1b\\", ESC_PIC "]2;pwned" ESC_PIC "\\");
}

static void test_sanitize_dcs_is_inert(void **state)
{
	(void)state;
	CHECK("\x1bP1$r0m\x1b\\", ESC_PIC "P1$r0m" ESC_PIC "\\");
}

static void test_sanitize_c0_controls_become_control_pictures(void **state)
{
	(void)state;
	for (unsigned c = 0; c < 0x20; c++) {
		if (c == '\n' || c == '\t' || c == '\r')
			continue;
		char in[3] = {'a', (char)c, 'b'};
		char pic[4];
		assert_int_equal(utf8_encode(0x2400 + c, pic), 3);
		char want[6] = {'a', pic[0], pic[1], pic[2], 'b', '\0'};
		check(in, 3, want);
	}
	CHECK("\x00", NUL_PIC);
	CHECK("\x07", BEL_PIC);
	CHECK("\x1b", ESC_PIC);
}

static void test_sanitize_del_becomes_u2421(void **state)
{
	(void)state;
	CHECK("a\x7f"
	      "b",
	      "a" DEL_PIC "b");
	CHECK("\x7f\x7f", DEL_PIC DEL_PIC);
}

static void test_sanitize_c1_controls_in_utf8_become_u2426(void **state)
{
	(void)state;
	for (unsigned c = 0x80; c <= 0x9f; c++) {
		char in[4] = {'<', '\xc2', (char)c, '>'};
		check(in, 4, "<" C1_PIC ">");
	}
	CHECK("\xc2\x9b"
	      "31m",
	      C1_PIC "31m");
	CHECK("\xc2\x9d"
	      "52;c;eA==\xc2\x9c",
	      C1_PIC "52;c;eA==" C1_PIC);
}

static void test_sanitize_latin1_supplement_after_c1_range_passes(void **state)
{
	(void)state;
	CHECK("\xc2\xa0\xc2\xa9\xc2\xbf\xc3\xa9", "\xc2\xa0\xc2\xa9\xc2\xbf\xc3\xa9");
}

static void test_sanitize_raw_8bit_csi_byte_becomes_replacement(void **state)
{
	(void)state;
	CHECK("\x9b"
	      "31m",
	      R "31m");
	CHECK("\x9d\x9c", R R);
}

static void test_sanitize_invalid_utf8_becomes_replacement(void **state)
{
	(void)state;
	CHECK("\xc0\xaf", R R);
	CHECK("\xe4\xb8\n", R "\n");
	CHECK("\xff", R);
	CHECK("x\xf0\x9f\x98", "x" R);
}

static void test_sanitize_crlf_becomes_lf(void **state)
{
	(void)state;
	CHECK("a\r\nb", "a\nb");
	CHECK("\r\n\r\n", "\n\n");
	CHECK("a\r\r\nb", "a" CR_PIC "\nb");
}

static void test_sanitize_lone_cr_becomes_u240d(void **state)
{
	(void)state;
	CHECK("a\rb", "a" CR_PIC "b");
	CHECK("\r\r", CR_PIC CR_PIC);
	CHECK("\r\x1b", CR_PIC ESC_PIC);
	CHECK("\r\xe4\xb8\xad", CR_PIC "\xe4\xb8\xad");
}

static void test_sanitize_cr_at_end_of_text_is_flushed_by_finish(void **state)
{
	(void)state;
	struct sanitizer s;
	struct buf out;
	sanitizer_init(&s);
	buf_init(&out, 0);
	assert_int_equal(sanitizer_feed(&s, "abc\r", 4, &out), 0);
	assert_bytes_equal(buf_str(&out), out.len, "abc");
	assert_int_equal(sanitizer_finish(&s, &out), 0);
	assert_bytes_equal(buf_str(&out), out.len, "abc" CR_PIC);
	sanitizer_done(&s);
	buf_done(&out);
	CHECK("end\r", "end" CR_PIC);
}

static void test_sanitize_crlf_split_across_feeds_becomes_one_lf(void **state)
{
	(void)state;
	struct sanitizer s;
	struct buf out;
	sanitizer_init(&s);
	buf_init(&out, 0);
	assert_int_equal(sanitizer_feed(&s, "one\r", 4, &out), 0);
	assert_int_equal(sanitizer_feed(&s, "", 0, &out), 0);
	assert_int_equal(sanitizer_feed(&s, "\ntwo", 4, &out), 0);
	assert_int_equal(sanitizer_finish(&s, &out), 0);
	assert_bytes_equal(buf_str(&out), out.len, "one\ntwo");
	sanitizer_done(&s);
	buf_done(&out);
}

static void test_sanitize_cr_ending_a_feed_before_clean_text_is_a_picture(void **state)
{
	(void)state;
	struct sanitizer s;
	struct buf out;
	sanitizer_init(&s);
	buf_init(&out, 0);
	assert_int_equal(sanitizer_feed(&s, "a\r", 2, &out), 0);
	assert_int_equal(sanitizer_feed(&s, "clean", 5, &out), 0);
	assert_int_equal(sanitizer_finish(&s, &out), 0);
	assert_bytes_equal(buf_str(&out), out.len, "a" CR_PIC "clean");
	sanitizer_done(&s);
	buf_done(&out);
}

static void test_sanitize_truncated_char_before_clean_feed_is_replaced_in_place(void **state)
{
	(void)state;
	struct sanitizer s;
	struct buf out;
	sanitizer_init(&s);
	buf_init(&out, 0);
	assert_int_equal(sanitizer_feed(&s, "x\xc3", 2, &out), 0);
	assert_int_equal(sanitizer_feed(&s, "abc", 3, &out), 0);
	assert_int_equal(sanitizer_finish(&s, &out), 0);
	assert_bytes_equal(buf_str(&out), out.len, "x" R "abc");
	sanitizer_done(&s);
	buf_done(&out);
}

static void test_sanitize_c1_split_across_feeds_is_still_caught(void **state)
{
	(void)state;
	struct sanitizer s;
	struct buf out;
	sanitizer_init(&s);
	buf_init(&out, 0);
	assert_int_equal(sanitizer_feed(&s, "a\xc2", 2, &out), 0);
	assert_int_equal(sanitizer_feed(&s, "\x9b"
	                                    "2J",
	                                 3, &out),
	                 0);
	assert_int_equal(sanitizer_finish(&s, &out), 0);
	assert_bytes_equal(buf_str(&out), out.len, "a" C1_PIC "2J");
	sanitizer_done(&s);
	buf_done(&out);
}

static void test_sanitize_finish_turns_incomplete_char_into_replacement(void **state)
{
	(void)state;
	struct sanitizer s;
	struct buf out;
	sanitizer_init(&s);
	buf_init(&out, 0);
	assert_int_equal(sanitizer_feed(&s, "a\xf0\x9f", 3, &out), 0);
	assert_bytes_equal(buf_str(&out), out.len, "a");
	assert_int_equal(sanitizer_finish(&s, &out), 0);
	assert_bytes_equal(buf_str(&out), out.len, "a" R);
	sanitizer_done(&s);
	buf_done(&out);
	CHECK("\r\xe4", CR_PIC R);
}

static void test_sanitize_newline_and_tab_pass(void **state)
{
	(void)state;
	CHECK("a\tb\nc\n\n\t", "a\tb\nc\n\n\t");
}

static void test_sanitize_cjk_and_emoji_pass_unchanged(void **state)
{
	(void)state;
	CHECK(CJK_EMOJI, CJK_EMOJI);
	CHECK("\xef\xbf\xbd\xf4\x8f\xbf\xbf", "\xef\xbf\xbd\xf4\x8f\xbf\xbf");
}

/* Feeds text in pieces ending at cuts[0..ncuts), then the rest, then finish. */
static void feed_pieces(const char *p, size_t n, const size_t *cuts, size_t ncuts, struct buf *out)
{
	struct sanitizer s;
	sanitizer_init(&s);
	buf_init(out, 0);
	size_t at = 0;
	for (size_t k = 0; k <= ncuts; k++) {
		size_t end = k < ncuts ? cuts[k] : n;
		char *piece = malloc(end > at ? end - at : 1); /* exact size */
		assert_non_null(piece);
		memcpy(piece, p + at, end - at);
		assert_int_equal(sanitizer_feed(&s, piece, end - at, out), 0);
		free(piece);
		at = end;
	}
	assert_int_equal(sanitizer_finish(&s, out), 0);
	sanitizer_done(&s);
}

static void test_sanitize_text_split_at_every_offset_matches_one_shot(void **state)
{
	(void)state;
	const size_t n = sizeof(NASTY) - 1;
	struct buf whole;
	san(NASTY, n, &whole);
	assert_terminal_safe(buf_str(&whole), whole.len);
	for (size_t a = 0; a <= n; a++) {
		for (size_t b = a; b <= n; b++) {
			size_t cuts[2] = {a, b};
			struct buf got;
			feed_pieces(NASTY, n, cuts, 2, &got);
			if (got.len != whole.len || memcmp(buf_str(&got), buf_str(&whole), got.len) != 0) {
				print_error("split at %zu and %zu:\n", a, b);
				assert_bytes_equal(buf_str(&got), got.len, buf_str(&whole));
			}
			buf_done(&got);
		}
	}
	buf_done(&whole);
}

static void test_sanitize_text_fed_one_byte_at_a_time_matches_one_shot(void **state)
{
	(void)state;
	const size_t n = sizeof(NASTY) - 1;
	struct buf whole, got;
	san(NASTY, n, &whole);
	size_t cuts[sizeof(NASTY)];
	for (size_t i = 0; i < n; i++)
		cuts[i] = i + 1;
	feed_pieces(NASTY, n, cuts, n, &got);
	assert_bytes_equal(buf_str(&got), got.len, buf_str(&whole));
	buf_done(&got);
	buf_done(&whole);
}

static void test_sanitize_nasty_text_has_the_expected_one_shot_form(void **state)
{
	(void)state;
	CHECK(NASTY, "ok " ESC_PIC "[31mred" ESC_PIC "[0m " ESC_PIC "]52;c;aGVsbG8=" BEL_PIC " " ESC_PIC
	             "]2;pwned" ESC_PIC "\\ " ESC_PIC "P1$r0m" ESC_PIC "\\ " C1_PIC "2J " R "2J line\nnext" CR_PIC
	             "over" CR_PIC "\n\t\xe4\xb8\xad" R R R "\n" DEL_PIC "\xe2\x90\x81" NUL_PIC " " CJK_EMOJI
	             " \xc2\xa0" C1_PIC "end" CR_PIC);
}

static void test_sanitize_is_clean_accepts_text_that_needs_no_change(void **state)
{
	(void)state;
	assert_true(sanitize_is_clean("", 0));
	assert_true(sanitize_is_clean("hello, world", 12));
	assert_true(sanitize_is_clean("a\tb\nc", 5));
	assert_true(sanitize_is_clean(CJK_EMOJI, sizeof(CJK_EMOJI) - 1));
	assert_true(sanitize_is_clean("caf\xc3\xa9 ~", 7));
	/* C2 also leads printable Latin-1: NBSP and the copyright sign. */
	assert_true(sanitize_is_clean("a\xc2\xa0" "b \xc2\xa9", 7));
}

static void test_sanitize_is_clean_rejects_text_that_would_change(void **state)
{
	(void)state;
	static const char *const dirty[] = {
		"\x1b[31m", "bell\x07", "a\rb", "a\r\nb", "end\r", "\x7f", "\xc2\x9b", "\xc2\x80",
		"\x9b",     "\xff",     "\xc3", "\xe4\xb8", "\xc0\xaf", "\xed\xa0\x80", "x\x01",
	};
	for (size_t i = 0; i < sizeof(dirty) / sizeof(*dirty); i++) {
		if (sanitize_is_clean(dirty[i], strlen(dirty[i]))) {
			print_error("case %zu called clean\n", i);
			fail();
		}
	}
	assert_false(sanitize_is_clean("a\0b", 3));
}

/* Whatever is_clean accepts must come out of the sanitizer byte for byte. */
static void test_sanitize_is_clean_never_accepts_text_that_changes(void **state)
{
	(void)state;
	for (unsigned v = 0; v < 0x10000; v++) {
		for (size_t len = 1; len <= 2; len++) {
			if (len == 1 && (v & 0xff) != 0)
				continue;
			char in[2] = {(char)(v >> 8), (char)(v & 0xff)};
			if (!sanitize_is_clean(in, len))
				continue;
			struct buf out;
			san(in, len, &out);
			if (out.len != len || memcmp(buf_str(&out), in, len) != 0) {
				print_error("clean input %02x %02x (len %zu) changed\n", v >> 8, v & 0xff, len);
				fail();
			}
			buf_done(&out);
		}
	}
}

static void test_sanitize_every_single_byte_gives_safe_output(void **state)
{
	(void)state;
	for (unsigned c = 0; c < 256; c++) {
		char in[1] = {(char)c};
		struct buf out;
		san(in, 1, &out);
		assert_true(out.len > 0); /* every byte stays visible */
		assert_terminal_safe(buf_str(&out), out.len);
		buf_done(&out);
	}
}

static void test_sanitize_every_two_byte_input_gives_safe_output(void **state)
{
	(void)state;
	for (unsigned v = 0; v < 0x10000; v++) {
		char in[2] = {(char)(v >> 8), (char)(v & 0xff)};
		struct buf out;
		san(in, 2, &out);
		assert_terminal_safe(buf_str(&out), out.len);
		buf_done(&out);
	}
}

static void test_sanitize_nasty_inputs_give_safe_output(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		size_t n;
	} cases[] = {
#define NC(x) {(x), sizeof(x) - 1}
		NC("\x1b[2J\x1b[H"),
		NC("\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\"),
		NC("\x1b[?1049h\x1b[6n"),
		NC("\x1bP+q544e\x1b\\"),
		NC("\x1b_APC\x1b\\\x1b^PM\x1b\\"),
		NC("\xc2\x9b\xc2\x9d\xc2\x90\xc2\x9c\xc2\x9f\xc2\x80"),
		NC("\x9b\x9d\x90\x9c"),
		NC("\xc0\x9b\xe0\x80\x9b\xf0\x80\x80\x9b"), /* overlong ESC/CSI */
		NC("\r\r\r\n\n\r"),
		NC("\x00\x00\x00"),
		NC("\xe4\xb8\x1b[31m"),
		NC("\xf0\x9f\x98\r\n"),
		NC("\x1b\xc2\x9b\x9b\x07\x7f"),
#undef NC
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct buf out;
		san(cases[i].s, cases[i].n, &out);
		assert_terminal_safe(buf_str(&out), out.len);
		assert_null(memchr(buf_str(&out), 0x1b, out.len));
		assert_null(memchr(buf_str(&out), 0x07, out.len));
		buf_done(&out);
	}
}

static void test_sanitize_reports_full_output_buffer(void **state)
{
	(void)state;
	struct buf out;
	buf_init(&out, 4);
	assert_int_equal(sanitize_append(&out, "hello", 5), -1);
	buf_done(&out);
	buf_init(&out, 4);
	assert_int_equal(sanitize_append(&out, "a\x1b[", 3), -1);
	buf_done(&out);
	buf_init(&out, 4);
	assert_int_equal(sanitize_append(&out, "ab\r", 3), -1);
	buf_done(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sanitize_csi_colour_shows_escape_picture),
		cmocka_unit_test(test_sanitize_osc52_clipboard_write_is_inert),
		cmocka_unit_test(test_sanitize_osc2_title_with_string_terminator_is_inert),
		cmocka_unit_test(test_sanitize_dcs_is_inert),
		cmocka_unit_test(test_sanitize_c0_controls_become_control_pictures),
		cmocka_unit_test(test_sanitize_del_becomes_u2421),
		cmocka_unit_test(test_sanitize_c1_controls_in_utf8_become_u2426),
		cmocka_unit_test(test_sanitize_latin1_supplement_after_c1_range_passes),
		cmocka_unit_test(test_sanitize_raw_8bit_csi_byte_becomes_replacement),
		cmocka_unit_test(test_sanitize_invalid_utf8_becomes_replacement),
		cmocka_unit_test(test_sanitize_crlf_becomes_lf),
		cmocka_unit_test(test_sanitize_lone_cr_becomes_u240d),
		cmocka_unit_test(test_sanitize_cr_at_end_of_text_is_flushed_by_finish),
		cmocka_unit_test(test_sanitize_crlf_split_across_feeds_becomes_one_lf),
		cmocka_unit_test(test_sanitize_cr_ending_a_feed_before_clean_text_is_a_picture),
		cmocka_unit_test(test_sanitize_truncated_char_before_clean_feed_is_replaced_in_place),
		cmocka_unit_test(test_sanitize_c1_split_across_feeds_is_still_caught),
		cmocka_unit_test(test_sanitize_finish_turns_incomplete_char_into_replacement),
		cmocka_unit_test(test_sanitize_newline_and_tab_pass),
		cmocka_unit_test(test_sanitize_cjk_and_emoji_pass_unchanged),
		cmocka_unit_test(test_sanitize_text_split_at_every_offset_matches_one_shot),
		cmocka_unit_test(test_sanitize_text_fed_one_byte_at_a_time_matches_one_shot),
		cmocka_unit_test(test_sanitize_nasty_text_has_the_expected_one_shot_form),
		cmocka_unit_test(test_sanitize_is_clean_accepts_text_that_needs_no_change),
		cmocka_unit_test(test_sanitize_is_clean_rejects_text_that_would_change),
		cmocka_unit_test(test_sanitize_is_clean_never_accepts_text_that_changes),
		cmocka_unit_test(test_sanitize_every_single_byte_gives_safe_output),
		cmocka_unit_test(test_sanitize_every_two_byte_input_gives_safe_output),
		cmocka_unit_test(test_sanitize_nasty_inputs_give_safe_output),
		cmocka_unit_test(test_sanitize_reports_full_output_buffer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
