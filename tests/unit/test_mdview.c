/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_mdview: how a rendered line's runs map to the theme's elements, and
 * that a row carries its runs' styles, not only its text (so a row drawn
 * from its first difference redraws a word that turns bold). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <string.h>

#include "ui/mdview.h"

static struct md_run run(unsigned flags, enum hl_token token)
{
	struct md_run r = {0};
	r.flags = flags;
	r.token = token;
	return r;
}

static void test_runs_map_to_their_elements(void **state)
{
	(void)state;
	struct md_run r = run(0, HL_NONE);
	assert_int_equal(mdview_element(&r), THEME_TRANSCRIPT_TEXT);
	r = run(MD_BLOCK, HL_KEYWORD);
	assert_int_equal(mdview_element(&r), THEME_MD_KEYWORD);
	r = run(MD_BLOCK, HL_COMMENT);
	assert_int_equal(mdview_element(&r), THEME_MD_COMMENT);
	r = run(MD_BLOCK, HL_REMOVED);
	assert_int_equal(mdview_element(&r), THEME_MD_REMOVED);
	r = run(MD_BLOCK, HL_NONE);
	assert_int_equal(mdview_element(&r), THEME_MD_BLOCK);
	r = run(MD_BLOCK | MD_LANG, HL_NONE);
	assert_int_equal(mdview_element(&r), THEME_MD_LABEL);
	r = run(MD_HEADING | MD_STRONG, HL_NONE);
	assert_int_equal(mdview_element(&r), THEME_MD_HEADING);
	/* code in a quote is code; a link's text in a heading is a link */
	r = run(MD_CODE | MD_QUOTE, HL_NONE);
	assert_int_equal(mdview_element(&r), THEME_MD_CODE);
	r = run(MD_LINK | MD_HEADING, HL_NONE);
	assert_int_equal(mdview_element(&r), THEME_MD_LINK);
	r = run(MD_URL, HL_NONE);
	assert_int_equal(mdview_element(&r), THEME_MD_URL);
	r = run(MD_RULE, HL_NONE);
	assert_int_equal(mdview_element(&r), THEME_MD_RULE);
	r = run(MD_MARKER, HL_NONE);
	assert_int_equal(mdview_element(&r), THEME_MD_MARKER);
	r = run(MD_QUOTE, HL_NONE);
	assert_int_equal(mdview_element(&r), THEME_MD_QUOTE);
}

static void test_strong_emphasis_and_quotes_add_their_attributes(void **state)
{
	(void)state;
	enum theme_element x[4];
	struct md_run r = run(MD_STRONG | MD_EMPH, HL_NONE);
	assert_int_equal(mdview_extras(&r, x), 2);
	assert_int_equal(x[0], THEME_MD_STRONG);
	assert_int_equal(x[1], THEME_MD_EMPH);
	r = run(MD_TH, HL_NONE);
	assert_int_equal(mdview_extras(&r, x), 1);
	assert_int_equal(x[0], THEME_MD_STRONG);
	r = run(MD_CODE | MD_QUOTE | MD_STRIKE, HL_NONE);
	assert_int_equal(mdview_extras(&r, x), 2);
	assert_int_equal(x[0], THEME_MD_STRIKE);
	assert_int_equal(x[1], THEME_MD_QUOTE);
	r = run(MD_QUOTE, HL_NONE); /* its own element already */
	assert_int_equal(mdview_extras(&r, x), 0);
}

static void test_a_row_carries_its_runs_attributes(void **state)
{
	(void)state;
	struct md_doc *a = md_new(40), *b = md_new(40);
	md_append(a, "some bold words\n", 16);
	md_append(b, "some **bold** words\n", 20);
	md_finish(a);
	md_finish(b);
	const struct md_line *la = md_line_at(a, 0), *lb = md_line_at(b, 0);
	struct theme th;
	theme_default(&th);
	theme_apply(&th); /* md.strong's bold (no colours: no curses here) */
	struct rowdraw ra = {0}, rb = {0};
	mdview_row(&ra, 40, true, la, 0);
	mdview_row(&rb, 40, true, lb, 0);
	/* the same text, the bold word in strong's attribute */
	assert_int_equal(ra.n, rb.n);
	assert_memory_equal(ra.s, rb.s, ra.n);
	struct md_run plain = run(0, HL_NONE), strong = run(MD_STRONG, HL_NONE);
	assert_true(mdview_attr(&plain, 0) != mdview_attr(&strong, 0));
	for (size_t i = 0; i < rb.n; i++) {
		bool bold = i >= 5 && i < 9;
		assert_int_equal(ra.a[i], mdview_attr(&plain, 0));
		assert_int_equal(rb.a[i], mdview_attr(bold ? &strong : &plain, 0));
	}
	/* cut to the width, never inside a word's character */
	rowdraw_clear(&rb);
	mdview_row(&rb, 7, false, lb, 0);
	assert_int_equal(rb.n, 7);
	rowdraw_free(&ra);
	rowdraw_free(&rb);
	md_free(a);
	md_free(b);
}

static void test_feed_gives_only_new_bytes_and_restarts_on_reset(void **state)
{
	(void)state;
	struct mdview v = {0};
	struct buf b;
	buf_init(&b, 0);
	assert_int_equal(mdview_count(&v), 0);
	buf_append_str(&b, "# Head\n\npara");
	assert_true(mdview_feed(&v, &b, 0, 40, true));
	assert_int_equal(v.fed, b.len);
	assert_false(mdview_feed(&v, &b, 0, 40, true)); /* nothing new */
	buf_append_str(&b, "graph\n");
	assert_true(mdview_feed(&v, &b, 0, 40, true));
	assert_true(mdview_feed(&v, &b, 0, 40, false)); /* finished */
	assert_true(v.done);
	size_t n = mdview_count(&v);
	assert_int_equal(n, 3); /* heading, blank, paragraph */
	assert_string_equal(buf_str(&mdview_line(&v, 2)->text), "paragraph");
	/* thinking dropped by a fallback: rendered again from its start */
	buf_reset(&b);
	buf_append_str(&b, "new");
	assert_true(mdview_feed(&v, &b, 1, 40, true));
	assert_false(v.done);
	assert_int_equal(mdview_count(&v), 1);
	mdview_done(&v);
	assert_null(v.doc);
	buf_done(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_runs_map_to_their_elements),
	    cmocka_unit_test(test_strong_emphasis_and_quotes_add_their_attributes),
	    cmocka_unit_test(test_a_row_carries_its_runs_attributes),
	    cmocka_unit_test(test_feed_gives_only_new_bytes_and_restarts_on_reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
