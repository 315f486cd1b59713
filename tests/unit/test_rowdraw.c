/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_rowdraw: a row drawn from its first difference shows exactly what the
 * same row drawn whole shows, after any run of changes (growing, edited,
 * restyled, shortened, with wide characters, marks and tabs), and leaves
 * the cells before the difference alone.
 *
 * A real curses screen (newterm on /dev/null, terminfo "xterm"), two windows
 * of one size: one kept by rowdraw_put across the run, the other erased and
 * drawn whole each time. Every cell (characters and attributes) must match. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"
#include "testcurses.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "ui/rowdraw.h"
#include "util/width.h"

#define COLS_ 40

static const char *const pieces[] = {"a", "word ", "é", "e\xcc\x81", "日本", "🙂", "\t", "x",
                                     "  ", "│", "ok"};
static const attr_t styles[] = {0, A_BOLD, A_UNDERLINE, A_DIM | A_BOLD};

/* A random row of at most COLS_ columns (tabs reckoned at their stops). */
static void random_row(struct rowdraw *r)
{
	rowdraw_clear(r);
	int k = (int)(tu_rnd() % 12);
	for (int i = 0; i < k; i++) {
		const char *p = pieces[tu_rnd() % (sizeof(pieces) / sizeof(pieces[0]))];
		if (width_str(r->s, r->n) + 8 >= COLS_)
			break;
		rowdraw_add(r, styles[tu_rnd() % 4], p, strlen(p), COLS_);
	}
}

/* The next row from the last one: grown, edited at a random byte, restyled,
 * cut short, or new. */
static void next_row(const struct rowdraw *last, struct rowdraw *r)
{
	uint32_t how = tu_rnd() % 5;
	if (how == 4 || last->n == 0) {
		random_row(r);
		return;
	}
	rowdraw_clear(r);
	size_t keep = how == 0 ? last->n : tu_rnd() % (last->n + 1);
	/* whole characters only: back to a lead byte */
	while (keep > 0 && keep < last->n && ((unsigned char)last->s[keep] & 0xC0) == 0x80)
		keep--;
	for (size_t i = 0; i < keep; i++)
		rowdraw_add(r, how == 2 && i % 3 == 0 ? A_BOLD : last->a[i], last->s + i, 1, COLS_);
	if (how != 3 && width_str(r->s, r->n) + 8 < COLS_) {
		const char *p = pieces[tu_rnd() % (sizeof(pieces) / sizeof(pieces[0]))];
		rowdraw_add(r, styles[tu_rnd() % 4], p, strlen(p), COLS_);
	}
}

static void copy_row(struct rowdraw *to, const struct rowdraw *from)
{
	rowdraw_clear(to);
	for (size_t i = 0, j; i < from->n; i = j) {
		for (j = i + 1; j < from->n && from->a[j] == from->a[i];)
			j++;
		rowdraw_add(to, from->a[i], from->s + i, j - i, COLS_);
	}
}

static void test_drawn_from_the_difference_equals_drawn_whole(void **state)
{
	(void)state;
	WINDOW *kept = newwin(1, COLS_, 0, 0), *whole = newwin(1, COLS_, 1, 0);
	struct rowdraw shown = {0}, want = {0}, last = {0}, fresh = {0};
	char a[4096], b[4096];
	for (uint32_t seed = 1; seed <= 40; seed++) {
		tu_rnd_state = seed;
		rowdraw_clear(&shown);
		rowdraw_clear(&last);
		werase(kept);
		for (int step = 0; step < 60; step++) {
			next_row(&last, &want);
			copy_row(&last, &want);
			copy_row(&fresh, &want);
			rowdraw_put(kept, 0, &shown, &want);
			struct rowdraw blank = {0};
			werase(whole);
			rowdraw_put(whole, 0, &blank, &fresh);
			rowdraw_free(&blank);
			tc_cells(kept, 0, COLS_, a, sizeof(a));
			tc_cells(whole, 0, COLS_, b, sizeof(b));
			if (strcmp(a, b) != 0)
				fail_msg("seed %u step %d:\nkept  %s\nwhole %s", seed, step, a, b);
		}
	}
	rowdraw_free(&shown);
	rowdraw_free(&want);
	rowdraw_free(&last);
	rowdraw_free(&fresh);
	delwin(kept);
	delwin(whole);
}

static wchar_t cell(WINDOW *w, int x)
{
	cchar_t cc;
	wchar_t wch[CCHARW_MAX + 1] = {0};
	attr_t attr;
	short pair;
	mvwin_wch(w, 0, x, &cc);
	getcchar(&cc, wch, &attr, &pair, NULL);
	return wch[0];
}

static void put(WINDOW *w, struct rowdraw *shown, attr_t a, const char *s)
{
	struct rowdraw want = {0};
	rowdraw_add(&want, a, s, strlen(s), COLS_);
	rowdraw_put(w, 0, shown, &want);
	rowdraw_free(&want);
}

static void test_cells_before_the_difference_are_left_alone(void **state)
{
	(void)state;
	WINDOW *w = newwin(1, COLS_, 0, 0);
	struct rowdraw shown = {0};
	put(w, &shown, 0, "hello world");
	mvwaddch(w, 0, 0, 'Z'); /* behind rowdraw's back: a redraw would undo it */
	put(w, &shown, 0, "hello world, and more");
	assert_int_equal(cell(w, 0), L'Z');
	assert_int_equal(cell(w, 20), L'e');
	put(w, &shown, 0, "heLlo");
	assert_int_equal(cell(w, 0), L'Z');
	assert_int_equal(cell(w, 2), L'L');
	assert_int_equal(cell(w, 5), L' '); /* the rest of the old row is gone */
	put(w, &shown, A_BOLD, "heLlo"); /* restyled: drawn again whole */
	assert_int_equal(cell(w, 0), L'h');
	/* a difference right after a mark or a wide character goes back to
	 * the last place between two ASCII characters */
	put(w, &shown, 0, "ab e\xcc\x81x");
	mvwaddch(w, 0, 0, 'Z');
	put(w, &shown, 0, "ab e\xcc\x81y");
	assert_int_equal(cell(w, 0), L'Z');
	assert_int_equal(cell(w, 3), L'e');
	assert_int_equal(cell(w, 4), L'y');
	put(w, &shown, 0, "");
	assert_int_equal(cell(w, 0), L' ');
	rowdraw_free(&shown);
	delwin(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_drawn_from_the_difference_equals_drawn_whole),
	    cmocka_unit_test(test_cells_before_the_difference_are_left_alone),
	};
	return cmocka_run_group_tests(tests, tc_setup, tc_teardown);
}
