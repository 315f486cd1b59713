/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_width: display width of UTF-8 (wcwidth), clusters, cutting by columns. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <locale.h>
#include <stdbool.h>

#include "util/width.h"

#define E_ACUTE  "e\xcc\x81"                            /* e + U+0301 */
#define NIHONGO  "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e" /* 日本語 */
#define SMILE    "\xf0\x9f\x99\x82"                     /* 🙂 */
#define ZWJ      "\xe2\x80\x8d"
#define MAN      "\xf0\x9f\x91\xa8"
#define WOMAN    "\xf0\x9f\x91\xa9"
#define GIRL     "\xf0\x9f\x91\xa7"
#define FAMILY   MAN ZWJ WOMAN ZWJ GIRL             /* 👨‍👩‍👧 */
#define FLAG_CH  "\xf0\x9f\x87\xa8\xf0\x9f\x87\xad" /* 🇨🇭 */
#define FLAG_DE  "\xf0\x9f\x87\xa9\xf0\x9f\x87\xaa" /* 🇩🇪 */
#define THUMB    "\xf0\x9f\x91\x8d"                 /* 👍 */
#define TONE     "\xf0\x9f\x8f\xbd"                 /* U+1F3FD */
#define HEART_VS "\xe2\x9d\xa4\xef\xb8\x8f"         /* ❤️ */
#define KEYCAP_1 "1\xef\xb8\x8f\xe2\x83\xa3"        /* 1️⃣ */

/* A copy in a block of exactly n bytes, so ASan sees any read past the end. */
static char *exact_copy(const char *p, size_t n)
{
	char *q = malloc(n > 0 ? n : 1);
	assert_non_null(q);
	memcpy(q, p, n);
	return q;
}

static int char_width(const char *s, size_t *len)
{
	size_t n = strlen(s);
	char *q = exact_copy(s, n);
	int w = width_char(q, n, len);
	free(q);
	return w;
}

static size_t str_width(const char *s)
{
	size_t n = strlen(s);
	char *q = exact_copy(s, n);
	size_t w = width_str(q, n);
	free(q);
	return w;
}

/* Byte length of the cluster at the start of s; *cols its width. */
static size_t cluster(const char *s, unsigned *cols)
{
	size_t n = strlen(s);
	char *q = exact_copy(s, n);
	size_t len = width_cluster(q, n, cols);
	free(q);
	return len;
}

static size_t cut(const char *s, size_t cols, size_t *used)
{
	size_t n = strlen(s);
	char *q = exact_copy(s, n);
	size_t len = width_cut(q, n, cols, used);
	free(q);
	return len;
}

static void test_width_ascii_is_one_column_per_byte(void **state)
{
	(void)state;
	size_t len = 9;
	assert_int_equal(char_width("a", &len), 1);
	assert_int_equal(len, 1);
	assert_int_equal(char_width(" ", &len), 1);
	assert_int_equal(str_width("hello, world"), 12);
	assert_int_equal(str_width(""), 0);
	unsigned cols;
	assert_int_equal(cluster("ab", &cols), 1);
	assert_int_equal(cols, 1);
}

static void test_width_empty_input(void **state)
{
	(void)state;
	size_t len = 9;
	unsigned cols = 9;
	size_t used = 9;
	assert_int_equal(width_char("x", 0, &len), 0);
	assert_int_equal(len, 0);
	assert_int_equal(width_cluster("x", 0, &cols), 0);
	assert_int_equal(cols, 0);
	assert_int_equal(width_str("x", 0), 0);
	assert_int_equal(width_cut("x", 0, 10, &used), 0);
	assert_int_equal(used, 0);
}

static void test_width_cjk_is_two_columns(void **state)
{
	(void)state;
	size_t len;
	assert_int_equal(char_width(NIHONGO, &len), 2);
	assert_int_equal(len, 3);
	assert_int_equal(str_width(NIHONGO), 6);
	assert_int_equal(str_width("a" NIHONGO "b"), 8);
}

static void test_width_emoji_is_two_columns(void **state)
{
	(void)state;
	size_t len;
	assert_int_equal(char_width(SMILE, &len), 2);
	assert_int_equal(len, 4);
	assert_int_equal(str_width(SMILE SMILE), 4);
}

static void test_width_combining_mark_is_zero_and_stays_with_its_base(void **state)
{
	(void)state;
	size_t len;
	assert_int_equal(char_width("\xcc\x81", &len), 0);
	assert_int_equal(len, 2);
	assert_int_equal(str_width(E_ACUTE), 1);
	unsigned cols;
	assert_int_equal(cluster(E_ACUTE "x", &cols), 3);
	assert_int_equal(cols, 1);
	/* Several marks on one base. */
	assert_int_equal(cluster("a\xcc\x81\xcc\xa7\xcd\x9c"
	                         "b",
	                         &cols),
	                 7);
	assert_int_equal(cols, 1);
	/* A mark with no base is a zero-width cluster of its own. */
	assert_int_equal(cluster("\xcc\x81x", &cols), 2);
	assert_int_equal(cols, 0);
	size_t used;
	assert_int_equal(cut(E_ACUTE E_ACUTE, 1, &used), 3);
	assert_int_equal(used, 1);
	assert_int_equal(cut(E_ACUTE, 0, &used), 0);
	assert_int_equal(used, 0);
}

static void test_width_variation_selector_and_keycap_stay_together(void **state)
{
	(void)state;
	size_t len;
	assert_int_equal(char_width("\xef\xb8\x8f", &len), 0);
	assert_int_equal(len, 3);
	unsigned cols;
	assert_int_equal(cluster(HEART_VS "x", &cols), 6);
	assert_int_equal(cluster(KEYCAP_1 "x", &cols), 7);
	assert_int_equal(cols, 1);
}

static void test_width_zwj_family_is_one_cluster(void **state)
{
	(void)state;
	size_t len;
	assert_int_equal(char_width(ZWJ, &len), 0);
	assert_int_equal(len, 3);
	unsigned cols;
	/* Width as wcwidth gives per code point: 2 + 0 + 2 + 0 + 2. */
	assert_int_equal(cluster(FAMILY " x", &cols), strlen(FAMILY));
	assert_int_equal(cols, 6);
	assert_int_equal(str_width(FAMILY), 6);
	/* Never cut inside: below its full width nothing of it fits. */
	size_t used;
	for (size_t c = 0; c < 6; c++) {
		assert_int_equal(cut(FAMILY "x", c, &used), 0);
		assert_int_equal(used, 0);
	}
	assert_int_equal(cut(FAMILY "x", 6, &used), strlen(FAMILY));
	assert_int_equal(used, 6);
	/* A ZWJ between letters joins nothing (UAX #29: emoji only). */
	assert_int_equal(cluster("a" ZWJ "b", &cols), 4);
	assert_int_equal(cols, 1);
}

/* cp as UTF-8 into out (5 bytes), NUL-terminated. */
static void utf8_of(uint32_t cp, char out[5])
{
	unsigned char *u = (unsigned char *)out;
	if (cp < 0x80) {
		u[0] = (unsigned char)cp;
		u[1] = 0;
	} else if (cp < 0x800) {
		u[0] = (unsigned char)(0xC0 | cp >> 6);
		u[1] = (unsigned char)(0x80 | (cp & 0x3F));
		u[2] = 0;
	} else if (cp < 0x10000) {
		u[0] = (unsigned char)(0xE0 | cp >> 12);
		u[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
		u[2] = (unsigned char)(0x80 | (cp & 0x3F));
		u[3] = 0;
	} else {
		u[0] = (unsigned char)(0xF0 | cp >> 18);
		u[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
		u[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
		u[3] = (unsigned char)(0x80 | (cp & 0x3F));
		u[4] = 0;
	}
}

/* Only a pictograph joins the next one across a ZWJ: each edge of each
 * range of width.c's Extended_Pictographic table, inside and just outside. */
static void test_width_zwj_joins_after_a_pictograph_at_every_range_edge(void **state)
{
	(void)state;
	static const uint32_t inside[] = {
	    0x00A9, 0x00AE, 0x203C, 0x2049, 0x2122, 0x2139,  0x2194,  0x21AA,  0x231A,
	    0x23FF, 0x24C2, 0x25AA, 0x25FE, 0x2600, 0x27BF,  0x2934,  0x2935,  0x2B05,
	    0x2B55, 0x3030, 0x303D, 0x3297, 0x3299, 0x1F000, 0x1F642, 0x1FFFD,
	};
	static const uint32_t outside[] = {
	    0x00A0, 0x00A8, 0x00AA, 0x00AD, 0x00AF,  0x203B,  0x203D,   0x2048, 0x204A, 0x2121,
	    0x2123, 0x2138, 0x213A, 0x2193, 0x21AB,  0x2319,  0x2400,   0x24C1, 0x24C3, 0x25A9,
	    0x25FF, 0x27C0, 0x2933, 0x2936, 0x2B04,  0x2B56,  0x302F,   0x3031, 0x303C, 0x303E,
	    0x3296, 0x3298, 0x329A, 0x4E00, 0x1EFFF, 0x1FFFE, 0x10FFFF,
	};
	char s[5 + 3 + 4 + 1], base[5];
	unsigned cols;
	for (size_t i = 0; i < sizeof inside / sizeof *inside; i++) {
		utf8_of(inside[i], base);
		snprintf(s, sizeof s, "%s" ZWJ SMILE, base);
		if (cluster(s, &cols) != strlen(s)) {
			print_error("U+%04X ZWJ U+1F642 should be one cluster\n",
			            (unsigned)inside[i]);
			fail();
		}
	}
	for (size_t i = 0; i < sizeof outside / sizeof *outside; i++) {
		utf8_of(outside[i], base);
		snprintf(s, sizeof s, "%s" ZWJ SMILE, base);
		if (cluster(s, &cols) != strlen(base) + 3) {
			print_error("U+%04X ZWJ U+1F642 should be two clusters\n",
			            (unsigned)outside[i]);
			fail();
		}
	}
}

static void test_width_flag_is_one_cluster_of_two_indicators(void **state)
{
	(void)state;
	unsigned cols;
	assert_int_equal(cluster(FLAG_CH, &cols), 8);
	assert_int_equal(cols, 2);
	assert_int_equal(str_width(FLAG_CH), 2);
	/* Two flags are two clusters, not one run of four indicators. */
	assert_int_equal(cluster(FLAG_CH FLAG_DE, &cols), 8);
	size_t used;
	assert_int_equal(cut(FLAG_CH FLAG_DE, 3, &used), 8);
	assert_int_equal(used, 2);
	assert_int_equal(cut(FLAG_CH FLAG_DE, 1, &used), 0);
}

static void test_width_skin_tone_joins_its_emoji_once(void **state)
{
	(void)state;
	unsigned cols;
	assert_int_equal(cluster(THUMB TONE "x", &cols), 8);
	assert_int_equal(cols, 4);
	/* A second modifier is a cluster of its own. */
	assert_int_equal(cluster(THUMB TONE TONE, &cols), 8);
	/* After a letter a modifier does not join. */
	assert_int_equal(cluster("a" TONE, &cols), 1);
}

static void test_width_joined_cluster_width_is_capped(void **state)
{
	(void)state;
	/* 🙂 followed by 40 × (ZWJ 🙂): every cluster stays at most
	 * WIDTH_CLUSTER_MAX wide, and all of it is still covered. */
	char s[4 + 40 * 7 + 1];
	size_t n = 0;
	memcpy(s, SMILE, 4);
	n += 4;
	for (int i = 0; i < 40; i++) {
		memcpy(s + n, ZWJ SMILE, 7);
		n += 7;
	}
	s[n] = '\0';
	size_t at = 0, total = 0, clusters = 0;
	while (at < n) {
		unsigned cols;
		size_t len = width_cluster(s + at, n - at, &cols);
		assert_true(len > 0);
		assert_true(cols <= WIDTH_CLUSTER_MAX);
		total += cols;
		at += len;
		clusters++;
	}
	assert_int_equal(at, n);
	assert_int_equal(total, 82);
	assert_true(clusters > 1);
	assert_int_equal(str_width(s), 82);
}

static void test_width_invalid_bytes_are_one_column_each(void **state)
{
	(void)state;
	size_t len;
	assert_int_equal(char_width("\xff", &len), 1);
	assert_int_equal(len, 1);
	assert_int_equal(char_width("\x80", &len), 1);
	assert_int_equal(len, 1);
	/* Overlong and surrogate: every byte on its own. */
	assert_int_equal(char_width("\xc0\xaf", &len), 1);
	assert_int_equal(len, 1);
	assert_int_equal(char_width("\xed\xa0\x80", &len), 1);
	assert_int_equal(len, 1);
	assert_int_equal(str_width("\xed\xa0\x80"), 3);
	/* Past U+10FFFF. */
	assert_int_equal(char_width("\xf4\x90\x80\x80", &len), 1);
	assert_int_equal(len, 1);
	/* Truncated by n: never read past it (exact-size copy under ASan). */
	assert_int_equal(char_width("\xe6\x97", &len), 1);
	assert_int_equal(len, 1);
	assert_int_equal(str_width("\xe6\x97"), 2);
	assert_int_equal(width_char(NIHONGO, 2, &len), 1);
	assert_int_equal(len, 1);
	unsigned cols;
	assert_int_equal(cluster("a\xcc", &cols), 1);
}

static void test_width_controls_count_one(void **state)
{
	(void)state;
	size_t len;
	assert_int_equal(char_width("\x01", &len), 1);
	assert_int_equal(char_width("\x7f", &len), 1);
	assert_int_equal(char_width("\xc2\x85", &len), 1); /* C1 NEL */
	assert_int_equal(len, 2);
	assert_int_equal(char_width("\t", &len), 1);
	assert_int_equal(width_char("\0", 1, &len), 1);
	/* A control never carries marks. */
	unsigned cols;
	assert_int_equal(cluster("\x01\xcc\x81", &cols), 1);
	assert_int_equal(cols, 1);
}

static void test_width_tabs_advance_to_multiples_of_eight(void **state)
{
	(void)state;
	assert_int_equal(str_width("\t"), 8);
	assert_int_equal(str_width("ab\t"), 8);
	assert_int_equal(str_width("abcdefg\t"), 8);
	assert_int_equal(str_width("abcdefgh\t"), 16);
	assert_int_equal(str_width("a\tb"), 9);
	assert_int_equal(str_width(NIHONGO "\t"), 8);
	assert_int_equal(str_width("\t\t"), 16);
	size_t used;
	assert_int_equal(cut("ab\tc", 8, &used), 3);
	assert_int_equal(used, 8);
	assert_int_equal(cut("ab\tc", 7, &used), 2);
	assert_int_equal(used, 2);
	assert_int_equal(cut("ab\tc", 9, &used), 4);
	assert_int_equal(used, 9);
}

static void test_width_cut_exact_fit_and_wide_char_at_the_edge(void **state)
{
	(void)state;
	size_t used;
	assert_int_equal(cut("hello", 5, &used), 5);
	assert_int_equal(used, 5);
	assert_int_equal(cut("hello", 4, &used), 4);
	assert_int_equal(cut("hello", 100, &used), 5);
	assert_int_equal(cut(NIHONGO, 6, &used), 9);
	assert_int_equal(used, 6);
	/* The third character would need columns 5-6: it does not fit. */
	assert_int_equal(cut(NIHONGO, 5, &used), 6);
	assert_int_equal(used, 4);
	assert_int_equal(cut(NIHONGO, 1, &used), 0);
	assert_int_equal(used, 0);
	assert_int_equal(cut("a" SMILE, 2, &used), 1);
	assert_int_equal(used, 1);
	/* Marks after the last character that fits come with it. */
	assert_int_equal(cut("ab\xcc\x81"
	                     "c",
	                     2, &used),
	                 4);
	assert_int_equal(used, 2);
	assert_int_equal(cut("x", 0, NULL), 0);
}

/* On a text of every kind of cluster, at every width: the cut ends on a
 * cluster boundary, *used is the prefix's width, and the next cluster would
 * not have fit. */
static void test_width_cut_is_the_longest_fitting_cluster_prefix(void **state)
{
	(void)state;
	static const char text[] = "a " NIHONGO " " E_ACUTE SMILE FAMILY "\t" FLAG_CH THUMB TONE
	                           " x" HEART_VS KEYCAP_1 "\xff"
	                           "z";
	size_t n = strlen(text);
	char *q = exact_copy(text, n);
	/* The cluster boundaries. */
	bool at[sizeof(text)] = {false};
	for (size_t i = 0; i < n;) {
		at[i] = true;
		unsigned cols;
		i += width_cluster(q + i, n - i, &cols);
	}
	at[n] = true;
	size_t total = width_str(q, n);
	for (size_t cols = 0; cols <= total + 2; cols++) {
		size_t used;
		size_t len = width_cut(q, n, cols, &used);
		assert_true(at[len]);
		assert_true(used <= cols);
		assert_int_equal(used, width_str(q, len));
		if (len < n) {
			unsigned w;
			size_t next = width_cluster(q + len, n - len, &w);
			assert_true(width_str(q, len + next) > cols);
		}
	}
	free(q);
}

int main(void)
{
	if (setlocale(LC_ALL, "C.UTF-8") == NULL) {
		printf("skip: test_width needs the C.UTF-8 locale (setlocale failed)\n");
		return 0;
	}
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_width_ascii_is_one_column_per_byte),
	    cmocka_unit_test(test_width_empty_input),
	    cmocka_unit_test(test_width_cjk_is_two_columns),
	    cmocka_unit_test(test_width_emoji_is_two_columns),
	    cmocka_unit_test(test_width_combining_mark_is_zero_and_stays_with_its_base),
	    cmocka_unit_test(test_width_variation_selector_and_keycap_stay_together),
	    cmocka_unit_test(test_width_zwj_family_is_one_cluster),
	    cmocka_unit_test(test_width_zwj_joins_after_a_pictograph_at_every_range_edge),
	    cmocka_unit_test(test_width_flag_is_one_cluster_of_two_indicators),
	    cmocka_unit_test(test_width_skin_tone_joins_its_emoji_once),
	    cmocka_unit_test(test_width_joined_cluster_width_is_capped),
	    cmocka_unit_test(test_width_invalid_bytes_are_one_column_each),
	    cmocka_unit_test(test_width_controls_count_one),
	    cmocka_unit_test(test_width_tabs_advance_to_multiples_of_eight),
	    cmocka_unit_test(test_width_cut_exact_fit_and_wide_char_at_the_edge),
	    cmocka_unit_test(test_width_cut_is_the_longest_fitting_cluster_prefix),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
