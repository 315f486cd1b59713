/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_columns: the compare view's layout and header text, and what a
 * compare does to threads (copy in, move out). No terminal needed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <locale.h>

#include "model/conversation.h"
#include "util/words.h"
#include "ui/columns.h"
#include "util/width.h"

/* Every shown column inside the area, none overlapping, and together with
 * the rules between them they cover it exactly. */
static void assert_tiles(const struct column_rect *r, int n, int rows, int cols, bool side)
{
	long cells = 0;
	for (int i = 0; i < n; i++) {
		if (!r[i].shown)
			continue;
		assert_true(r[i].y >= 0 && r[i].x >= 0 && r[i].h >= 1 && r[i].w >= 1);
		assert_true(r[i].y + r[i].h <= rows && r[i].x + r[i].w <= cols);
		cells += (long)r[i].h * r[i].w;
		for (int j = 0; j < i; j++) {
			if (!r[j].shown)
				continue;
			bool apart = r[i].x >= r[j].x + r[j].w || r[j].x >= r[i].x + r[i].w ||
			             r[i].y >= r[j].y + r[j].h || r[j].y >= r[i].y + r[i].h;
			assert_true(apart);
		}
	}
	int shown = 0;
	for (int i = 0; i < n; i++)
		shown += r[i].shown;
	long rules = side ? (long)(shown - 1) * rows : 0;
	assert_int_equal(cells + rules, (long)rows * cols);
}

static void test_side_by_side_shares_the_width(void **state)
{
	(void)state;
	struct column_rect r[COLUMNS_MAX];
	/* 150 cells, 3 columns, 2 rules: 148 = 50 + 49 + 49. */
	assert_int_equal(columns_layout(30, 150, 3, 0, false, r), COLUMNS_SIDE);
	assert_int_equal(r[0].w, 50);
	assert_int_equal(r[1].w, 49);
	assert_int_equal(r[2].w, 49);
	assert_int_equal(r[0].x, 0);
	assert_int_equal(r[1].x, 51);
	assert_int_equal(r[2].x, 101);
	for (int i = 0; i < 3; i++)
		assert_true(r[i].shown && r[i].h == 30 && r[i].y == 0);
	assert_tiles(r, 3, 30, 150, true);
	/* Exactly the minimum width still goes side by side. */
	int cols = 6 * COLUMN_MIN_WIDTH + 5;
	assert_int_equal(columns_layout(20, cols, 6, 0, false, r), COLUMNS_SIDE);
	assert_tiles(r, 6, 20, cols, true);
	for (int i = 0; i < 6; i++)
		assert_int_equal(r[i].w, COLUMN_MIN_WIDTH);
}

static void test_narrow_stacks_then_shows_one(void **state)
{
	(void)state;
	struct column_rect r[COLUMNS_MAX];
	/* One cell short of side by side: stacked, full width. */
	int cols = 3 * COLUMN_MIN_WIDTH + 2 - 1;
	assert_int_equal(columns_layout(31, cols, 3, 1, false, r), COLUMNS_STACKED);
	assert_int_equal(r[0].h, 11);
	assert_int_equal(r[1].h, 10);
	assert_int_equal(r[2].h, 10);
	assert_int_equal(r[1].y, 11);
	assert_int_equal(r[2].y, 21);
	for (int i = 0; i < 3; i++)
		assert_true(r[i].shown && r[i].w == cols && r[i].x == 0);
	assert_tiles(r, 3, 31, cols, false);
	/* Too few rows for a header and a line each: the focused one alone. */
	assert_int_equal(columns_layout(5, 40, 3, 2, false, r), COLUMNS_ONE);
	assert_false(r[0].shown);
	assert_false(r[1].shown);
	assert_true(r[2].shown && r[2].h == 5 && r[2].w == 40);
}

static void test_zoom_shows_the_focused_column_whole(void **state)
{
	(void)state;
	struct column_rect r[COLUMNS_MAX];
	assert_int_equal(columns_layout(30, 200, 4, 3, true, r), COLUMNS_ONE);
	for (int i = 0; i < 3; i++)
		assert_false(r[i].shown);
	assert_true(r[3].shown && r[3].w == 200 && r[3].h == 30 && r[3].x == 0 && r[3].y == 0);
	/* A focus out of range falls back to the first column. */
	assert_int_equal(columns_layout(30, 200, 2, 9, true, r), COLUMNS_ONE);
	assert_true(r[0].shown && !r[1].shown);
}

static void head(const struct column_head *h, int num, bool focused, int width, char *out,
                 size_t size)
{
	struct buf b;
	buf_init(&b, 0);
	columns_format_head(h, num, focused, width, &b);
	snprintf(out, size, "%s", buf_str(&b));
	buf_done(&b);
}

static void test_header_figures_marks_and_estimates(void **state)
{
	(void)state;
	struct reply_metrics m;
	reply_metrics_init(&m);
	char s[256];
	struct column_head h = {"gpt-4o", "waiting", &m, false, false};
	head(&h, 2, false, 200, s, sizeof(s));
	assert_string_equal(s, " 2 gpt-4o waiting");
	/* Live: the rate and count are estimates until usage arrives. */
	m.ttft = 102;
	m.last = 600;
	m.deltas = 40;
	m.tokens_out = 41;
	m.out_estimated = m.tps_estimated = true;
	m.tps = 82.3;
	h.state = "streaming";
	head(&h, 2, true, 200, s, sizeof(s));
	assert_string_equal(s, "[2] gpt-4o streaming · ttft 102ms · ≈82.3 t/s · ≈41 tok");
	/* Ended, reported, priced, and the winner on both. */
	m.tokens_out = 40;
	m.out_estimated = m.tps_estimated = false;
	m.tps = 80.0;
	m.cost = 0.00123;
	m.ttft = 12345;
	h.state = "done";
	h.win_ttft = h.win_tps = true;
	head(&h, 1, false, 200, s, sizeof(s));
	assert_string_equal(s, " 1 gpt-4o done · ttft 12.3s★ · 80.0 t/s★ · 40 tok · $0.0012");
	/* No figures at all. */
	struct column_head idle = {"mock", "idle", NULL, false, false};
	head(&idle, 3, false, 200, s, sizeof(s));
	assert_string_equal(s, " 3 mock idle");
}

static void test_header_is_cut_to_the_column(void **state)
{
	(void)state;
	struct reply_metrics m;
	reply_metrics_init(&m);
	m.ttft = 300;
	m.tps = 40.0;
	m.tokens_out = 60;
	char s[256];
	struct column_head h = {"anthropic:claude-sonnet-4-5", "done", &m, true, false};
	for (int w = 1; w < 80; w++) {
		head(&h, 1, true, w, s, sizeof(s));
		size_t cells = width_str(s, strlen(s));
		assert_true(cells <= (size_t)w);
		if (w < 57) /* even the compact header is longer: cut, with the mark */
			assert_true(strlen(s) >= 3 && strcmp(s + strlen(s) - 3, "…") == 0);
	}
	head(&h, 1, true, 18, s, sizeof(s));
	assert_string_equal(s, "[1] anthropic:cla…");
	/* Too wide in full, the compact form fits: every figure stays. */
	head(&h, 1, true, 80, s, sizeof(s));
	assert_string_equal(s, "[1] anthropic:claude-sonnet-4-5 done · ttft 300ms★ · 40.0 t/s · 60 tok");
	head(&h, 1, true, 69, s, sizeof(s));
	assert_string_equal(s, "[1] anthropic:claude-sonnet-4-5 done 300ms★ 40.0t/s 60tok");
	head(&h, 1, true, 57, s, sizeof(s));
	assert_string_equal(s, "[1] anthropic:claude-sonnet-4-5 done 300ms★ 40.0t/s 60tok");
	m.tps = 286.8;
	h.label = "mock-fast";
	head(&h, 1, false, 40, s, sizeof(s));
	assert_string_equal(s, " 1 mock-fast done 300ms★ 287t/s 60tok");
}

static void test_compare_threads_copy_in_and_move_out(void **state)
{
	(void)state;
	struct conversation main, col;
	conv_init(&main);
	conv_init(&col);
	conv_add(&main, MSG_USER, "you", "first question");
	struct message *a = conv_add(&main, MSG_ASSISTANT, "mock", "first \x1b[2Janswer");
	a->has_metrics = true;
	a->metrics.ttft = 42;
	/* A column starts from copies: same text, raw kept, figures kept. */
	for (size_t i = 0; i < main.n; i++)
		conv_add_copy(&col, main.v[i]);
	assert_int_equal(col.n, 2);
	assert_ptr_not_equal(col.v[1], main.v[1]);
	assert_string_equal(buf_str(&col.v[1]->text), buf_str(&main.v[1]->text));
	assert_string_equal(buf_str(&col.v[1]->raw), "first \x1b[2Janswer");
	assert_true(col.v[1]->has_metrics && col.v[1]->metrics.ttft == 42);
	size_t base = col.n;
	conv_add(&col, MSG_USER, "you", "second");
	conv_add(&col, MSG_ASSISTANT, "mock-fast", "second answer");
	/* /adopt: the compare's turns move to the thread, the copies stay. */
	unsigned long mv = main.version, cv = col.version;
	conv_move(&main, &col, base);
	assert_int_equal(main.n, 4);
	assert_int_equal(col.n, 2);
	assert_true(main.version > mv && col.version > cv);
	assert_string_equal(buf_str(&main.v[3]->text), "second answer");
	assert_string_equal(main.v[3]->label, "mock-fast");
	conv_done(&col); /* frees only what it still holds */
	conv_done(&main);
}

static void test_words_split_takes_at_most_max(void **state)
{
	(void)state;
	char *out[3];
	assert_int_equal(words_split(" a, b ,,c ", ",", out, 3), 3);
	assert_string_equal(out[0], "a");
	assert_string_equal(out[1], "b");
	assert_string_equal(out[2], "c");
	for (int i = 0; i < 3; i++)
		free(out[i]);
	/* Too many: -1 and nothing left to free (ASan's leak check sees it). */
	assert_int_equal(words_split("a,b,c,d", ",", out, 3), -1);
	assert_int_equal(words_split("", ",", out, 3), 0);
}

int main(void)
{
	if (setlocale(LC_ALL, "C.UTF-8") == NULL)
		setlocale(LC_ALL, "");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_side_by_side_shares_the_width),
		cmocka_unit_test(test_narrow_stacks_then_shows_one),
		cmocka_unit_test(test_zoom_shows_the_focused_column_whole),
		cmocka_unit_test(test_header_figures_marks_and_estimates),
		cmocka_unit_test(test_header_is_cut_to_the_column),
		cmocka_unit_test(test_compare_threads_copy_in_and_move_out),
		cmocka_unit_test(test_words_split_takes_at_most_max),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
