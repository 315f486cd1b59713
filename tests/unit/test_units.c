/* SPDX-License-Identifier: GPL-3.0-or-later */
/* units: each quantity written one way, at every boundary. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <string.h>

#include "util/glyphs.h"
#include "util/units.h"

#define EQ(call, want)                                                                             \
	do {                                                                                           \
		char out[UNITS_MAX];                                                                       \
		call;                                                                                      \
		assert_string_equal(out, want);                                                            \
	} while (0)

static void test_units_ms_boundaries(void **state)
{
	(void)state;
	EQ(units_ms(-1, out, sizeof(out)), "-");
	EQ(units_ms(0, out, sizeof(out)), "0ms");
	EQ(units_ms(9999, out, sizeof(out)), "9999ms");
	EQ(units_ms(10000, out, sizeof(out)), "10.0s");
	EQ(units_ms(12000, out, sizeof(out)), "12.0s");
	EQ(units_ms(99949, out, sizeof(out)), "99.9s");
	EQ(units_ms(99950, out, sizeof(out)), "100s");
	EQ(units_ms(125400, out, sizeof(out)), "125s");
}

static void test_units_seconds_count_down_in_whole_seconds(void **state)
{
	(void)state;
	EQ(units_seconds(0, out, sizeof(out)), "0s");
	EQ(units_seconds(-5, out, sizeof(out)), "0s");
	EQ(units_seconds(1, out, sizeof(out)), "0.1s");
	EQ(units_seconds(400, out, sizeof(out)), "0.4s");
	EQ(units_seconds(999, out, sizeof(out)), "1s");
	EQ(units_seconds(1000, out, sizeof(out)), "1s");
	EQ(units_seconds(2002, out, sizeof(out)), "3s");
	EQ(units_seconds(27000, out, sizeof(out)), "27s");
}

static void test_units_tps_rounds_and_marks_estimates(void **state)
{
	(void)state;
	EQ(units_tps(-1, false, out, sizeof(out)), "-");
	EQ(units_tps(61.24, false, out, sizeof(out)), "61.2 tok/s");
	EQ(units_tps(61.24, true, out, sizeof(out)), "≈61.2 tok/s");
	EQ(units_tps(99.96, false, out, sizeof(out)), "100 tok/s");
	EQ(units_tps(1234.4, false, out, sizeof(out)), "1234 tok/s");
}

static void test_units_count_and_tokens(void **state)
{
	(void)state;
	EQ(units_count(9999, false, out, sizeof(out)), "9999");
	EQ(units_count(10000, false, out, sizeof(out)), "10.0k");
	EQ(units_count(12345678, true, out, sizeof(out)), "≈12.3M");
	EQ(units_tokens(1, false, out, sizeof(out)), "1 token");
	EQ(units_tokens(0, false, out, sizeof(out)), "0 tokens");
	EQ(units_tokens(104, true, out, sizeof(out)), "≈104 tokens");
	EQ(units_tokens(-1, false, out, sizeof(out)), "-");
}

static void test_units_cost_never_prints_zero_decimals(void **state)
{
	(void)state;
	EQ(units_cost(-1, false, out, sizeof(out)), "-");
	EQ(units_cost(0, false, out, sizeof(out)), "$0");
	EQ(units_cost(0.00001, false, out, sizeof(out)), "<$0.0001");
	EQ(units_cost(0.0021, true, out, sizeof(out)), "≈$0.0021");
	EQ(units_cost(0.99996, false, out, sizeof(out)), "$1.00");
	EQ(units_cost(12.345, false, out, sizeof(out)), "$12.35");
}

static void test_units_plural(void **state)
{
	(void)state;
	EQ(units_plural(1, "line", out, sizeof(out)), "1 line");
	EQ(units_plural(2, "line", out, sizeof(out)), "2 lines");
	EQ(units_plural(0, "error", out, sizeof(out)), "0 errors");
}

static void test_units_ascii_locale(void **state)
{
	(void)state;
	glyphs_use(false);
	EQ(units_tps(5, true, out, sizeof(out)), "~5.0 tok/s");
	assert_string_equal(glyph->hrule, "-");
	assert_false(glyphs_utf8());
	glyphs_use(true);
	assert_string_equal(glyph->hrule, "─");
	assert_true(glyphs_utf8());
}

/* Every mark has both forms, and the ASCII set is ASCII through and
 * through: a mark added to one set only would show NULL or garble LANG=C. */
static void test_glyphs_every_mark_in_both_sets(void **state)
{
	(void)state;
	size_t n = sizeof(struct glyphs) / sizeof(const char *);
	for (int utf8 = 0; utf8 <= 1; utf8++) {
		glyphs_use(utf8);
		const char *const *mark = (const char *const *)(const void *)glyph;
		for (size_t i = 0; i < n; i++) {
			assert_non_null(mark[i]);
			assert_true(mark[i][0] != '\0');
			for (const char *p = mark[i]; *p && !utf8; p++)
				assert_true((unsigned char)*p < 0x80);
		}
	}
	glyphs_use(false);
	assert_string_equal(glyph->dot, "|");
	glyphs_use(true);
	assert_string_equal(glyph->dot, "·");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_units_ms_boundaries),
		cmocka_unit_test(test_units_seconds_count_down_in_whole_seconds),
		cmocka_unit_test(test_units_tps_rounds_and_marks_estimates),
		cmocka_unit_test(test_units_count_and_tokens),
		cmocka_unit_test(test_units_cost_never_prints_zero_decimals),
		cmocka_unit_test(test_units_plural),
		cmocka_unit_test(test_units_ascii_locale),
		cmocka_unit_test(test_glyphs_every_mark_in_both_sets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
