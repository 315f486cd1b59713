/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_columns: the compare view's layout, header text and drawing, and
 * what a compare does to threads (copy in, move out). Drawing goes to a
 * curses screen on /dev/null. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <curses.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "model/conversation.h"
#include "util/words.h"
#include "ui/columns.h"
#include "util/glyphs.h"
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

/* The headers of n columns of one width each; out[i] gets column i's. */
static void heads(const struct column_head *h, int n, int focus, int width, char out[][256])
{
	struct buf b[COLUMNS_MAX];
	int w[COLUMNS_MAX];
	for (int i = 0; i < n; i++) {
		buf_init(&b[i], 0);
		w[i] = width;
	}
	columns_format_heads(h, n, focus, w, b);
	for (int i = 0; i < n; i++) {
		snprintf(out[i], 256, "%s", buf_str(&b[i]));
		buf_done(&b[i]);
	}
}

/* One column's header, alone: column num of num, the others not shown. */
static void head(const struct column_head *h, int num, bool focused, int width, char *out,
                 size_t size)
{
	struct column_head hs[COLUMNS_MAX] = {0};
	int w[COLUMNS_MAX] = {0};
	struct buf b[COLUMNS_MAX];
	for (int i = 0; i < COLUMNS_MAX; i++)
		buf_init(&b[i], 0);
	hs[num - 1] = *h;
	w[num - 1] = width;
	columns_format_heads(hs, num, focused ? num - 1 : -1, w, b);
	snprintf(out, size, "%s", buf_str(&b[num - 1]));
	for (int i = 0; i < COLUMNS_MAX; i++)
		buf_done(&b[i]);
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
	assert_string_equal(s, "[2] gpt-4o streaming · ttft 102ms · ≈82.3 tok/s · ≈41 tokens");
	/* Ended, reported, priced, and the winner on both: every figure as
	 * util/units writes it (12 s is "12.0s", as in the status bar). */
	m.tokens_out = 40;
	m.out_estimated = m.tps_estimated = false;
	m.tps = 80.0;
	m.cost = 0.00123;
	m.ttft = 12000;
	h.state = "done";
	h.win_ttft = h.win_tps = true;
	head(&h, 1, false, 200, s, sizeof(s));
	assert_string_equal(s, " 1 gpt-4o done · ttft 12.0s★ · 80.0 tok/s★ · 40 tokens · $0.0012");
	/* No figures at all. */
	struct column_head idle = {"mock", "idle", NULL, false, false};
	head(&idle, 3, false, 200, s, sizeof(s));
	assert_string_equal(s, " 3 mock idle");
	/* LANG=C: the same in ASCII. */
	glyphs_use(false);
	head(&h, 1, true, 200, s, sizeof(s));
	assert_string_equal(s, "[1] gpt-4o done | ttft 12.0s* | 80.0 tok/s* | 40 tokens | $0.0012");
	glyphs_use(true);
}

/* A compare of a finished column and one still waiting: the same fields in
 * the same order in both, "-" where one does not know a figure; and when
 * one header needs the compact form, every header takes it. */
static void test_headers_share_one_form_and_the_same_fields(void **state)
{
	(void)state;
	struct reply_metrics done;
	reply_metrics_init(&done);
	done.ttft = 300;
	done.tps = 40.0;
	done.tokens_out = 60;
	done.cost = 0.0021;
	struct column_head h[2] = {{"mock-fast", "done", &done, true, true},
	                           {"mock", "waiting", NULL, false, false}};
	char o[2][256];
	heads(h, 2, 0, 80, o);
	assert_string_equal(o[0], "[1] mock-fast done · ttft 300ms★ · 40.0 tok/s★ · 60 tokens · $0.0021");
	assert_string_equal(o[1], " 2 mock waiting · ttft - · - · - · -");
	/* 66 cells: the first needs the compact form, so both take it. */
	heads(h, 2, 0, 66, o);
	assert_string_equal(o[0], "[1] mock-fast done 300ms★ 40.0 tok/s★ 60 tokens $0.0021");
	assert_string_equal(o[1], " 2 mock waiting - - - -");
	/* Narrower: whole fields go from the right, in both, marked. */
	heads(h, 2, 0, 50, o);
	assert_string_equal(o[0], "[1] mock-fast done 300ms★ 40.0 tok/s★ 60 tokens …");
	assert_string_equal(o[1], " 2 mock waiting - - - …");
	heads(h, 2, 0, 40, o);
	assert_string_equal(o[0], "[1] mock-fast done 300ms★ 40.0 tok/s★ …");
	assert_string_equal(o[1], " 2 mock waiting - - …");
	/* A figure known only to a column not shown is left out of all. */
	int w[2] = {0, 80};
	struct buf b[2];
	buf_init(&b[0], 0);
	buf_init(&b[1], 0);
	columns_format_heads(h, 2, 1, w, b);
	assert_int_equal(b[0].len, 0);
	assert_string_equal(buf_str(&b[1]), "[2] mock waiting");
	buf_done(&b[0]);
	buf_done(&b[1]);
}

static void test_header_drops_whole_fields_never_cuts_a_figure(void **state)
{
	(void)state;
	struct reply_metrics m;
	reply_metrics_init(&m);
	m.ttft = 300;
	m.tps = 40.0;
	m.tokens_out = 60;
	m.cost = 0.0123;
	char s[256];
	struct column_head h = {"anthropic:claude-sonnet-4-5", "done", &m, true, false};
	static const char *const whole[] = {
	    "[1]", "anthropic:claude-sonnet-4-5", "done", "·", "ttft", "300ms★", "300ms",
	    "40.0", "tok/s", "60", "tokens", "$0.0123", "…",
	};
	for (int w = 1; w < 100; w++) {
		head(&h, 1, true, w, s, sizeof(s));
		size_t cells = width_str(s, strlen(s));
		assert_true(cells <= (size_t)w);
		if (w < 33)
			continue; /* the label alone is cut (below) */
		char copy[256];
		snprintf(copy, sizeof(copy), "%s", s);
		char *save = NULL;
		for (char *wd = strtok_r(copy, " ", &save); wd; wd = strtok_r(NULL, " ", &save)) {
			bool ok = false;
			for (size_t i = 0; i < sizeof(whole) / sizeof(whole[0]) && !ok; i++)
				ok = strcmp(wd, whole[i]) == 0;
			if (!ok)
				fail_msg("%d cells: \"%s\" cuts \"%s\"", w, s, wd);
		}
		/* Every field there, or an ellipsis says some went. */
		assert_true((strstr(s, "$0.0123") != NULL) == (strstr(s, "…") == NULL));
	}
	/* The order they go in: cost, tokens, tok/s, TTFT, state. */
	head(&h, 1, true, 70, s, sizeof(s));
	assert_string_equal(s, "[1] anthropic:claude-sonnet-4-5 done 300ms★ 40.0 tok/s 60 tokens …");
	head(&h, 1, true, 60, s, sizeof(s));
	assert_string_equal(s, "[1] anthropic:claude-sonnet-4-5 done 300ms★ 40.0 tok/s …");
	head(&h, 1, true, 45, s, sizeof(s));
	assert_string_equal(s, "[1] anthropic:claude-sonnet-4-5 done 300ms★ …");
	head(&h, 1, true, 38, s, sizeof(s));
	assert_string_equal(s, "[1] anthropic:claude-sonnet-4-5 done …");
	head(&h, 1, true, 33, s, sizeof(s));
	assert_string_equal(s, "[1] anthropic:claude-sonnet-4-5 …");
	/* Narrower than the label: the label is cut, and says so. */
	head(&h, 1, true, 18, s, sizeof(s));
	assert_string_equal(s, "[1] anthropic:cla…");
	head(&h, 1, true, 1, s, sizeof(s));
	assert_string_equal(s, "…");
}

/* ---- drawing: a real curses screen on /dev/null ------------------------ */

/* Row y of the screen as last updated, from column x, n cells, trailing
 * blanks dropped. */
static void screen_text(int y, int x, int n, char *out, size_t cap)
{
	size_t len = 0;
	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		cchar_t cc;
		wchar_t wch[CCHARW_MAX + 1] = {0};
		attr_t attr;
		short pair;
		if (mvwin_wch(curscr, y, x + i, &cc) == ERR ||
		    getcchar(&cc, wch, &attr, &pair, NULL) == ERR)
			break;
		int k = snprintf(out + len, cap - len, "%ls", wch);
		if (k < 0 || (size_t)k >= cap - len)
			break;
		len += (size_t)k;
	}
	while (len > 0 && out[len - 1] == ' ')
		out[--len] = '\0';
}

struct drawn {
	SCREEN *screen;
	FILE *sink;
	WINDOW *area;
	struct columns *c;
	struct conversation conv[2];
	struct column_head h[2];
};

static void drawn_open(struct drawn *d, int rows, int cols)
{
	memset(d, 0, sizeof(*d));
	d->sink = fopen("/dev/null", "w");
	assert_non_null(d->sink);
	d->screen = newterm("xterm", d->sink, stdin);
	assert_non_null(d->screen);
	d->area = newwin(rows, cols, 0, 0);
	d->c = columns_new();
	for (int i = 0; i < 2; i++) {
		conv_init(&d->conv[i]);
		d->h[i] = (struct column_head){i ? "mock" : "mock-fast", "done", NULL, false, false};
	}
}

static void drawn_draw(struct drawn *d)
{
	const struct conversation *convs[2] = {&d->conv[0], &d->conv[1]};
	columns_draw(d->c, d->area, d->h, convs, 2);
	doupdate();
}

static void drawn_close(struct drawn *d)
{
	columns_free(d->c);
	for (int i = 0; i < 2; i++)
		conv_done(&d->conv[i]);
	delwin(d->area);
	endwin();
	delscreen(d->screen);
	fclose(d->sink);
}

/* Answers of different lengths start level: each column's first message on
 * the row under its header, not pushed to the bottom. */
static void test_columns_are_top_aligned(void **state)
{
	(void)state;
	struct drawn d;
	drawn_open(&d, 20, 81); /* two columns of 40 and the rule */
	for (int i = 0; i < 2; i++) {
		conv_add(&d.conv[i], MSG_USER, "you", "question");
		conv_add(&d.conv[i], MSG_ASSISTANT, d.h[i].label, i ? "one\n\ntwo\n\nthree\n\nfour" : "short");
	}
	drawn_draw(&d);
	char t[256];
	screen_text(0, 0, 40, t, sizeof(t));
	assert_string_equal(t, "[1] mock-fast done");
	screen_text(0, 41, 40, t, sizeof(t));
	assert_string_equal(t, " 2 mock done");
	for (int x = 0; x <= 41; x += 41) {
		screen_text(1, x, 40, t, sizeof(t));
		assert_string_equal(t, "you");
		screen_text(2, x, 40, t, sizeof(t));
		assert_string_equal(t, "question");
		screen_text(4, x, 40, t, sizeof(t));
		assert_string_equal(t, x ? "mock" : "mock-fast");
	}
	screen_text(5, 0, 40, t, sizeof(t));
	assert_string_equal(t, "short");
	screen_text(11, 41, 40, t, sizeof(t)); /* four paragraphs, rendered */
	assert_string_equal(t, "four");
	screen_text(19, 0, 40, t, sizeof(t));
	assert_string_equal(t, "");
	drawn_close(&d);
}

/* A new prompt: every column follows its tail again, the focused one and
 * one scrolled up while it had the focus. */
static void test_follow_brings_every_column_to_its_tail(void **state)
{
	(void)state;
	struct drawn d;
	drawn_open(&d, 12, 81);
	for (int i = 0; i < 2; i++)
		for (int k = 0; k < 30; k++) {
			char text[32];
			snprintf(text, sizeof(text), "col %d line %d", i, k);
			conv_add(&d.conv[i], MSG_USER, "you", text);
		}
	drawn_draw(&d);
	char t[256];
	screen_text(10, 41, 40, t, sizeof(t));
	assert_string_equal(t, "col 1 line 29");
	columns_focus(d.c, 1);
	columns_scroll(d.c, 12);
	drawn_draw(&d);
	screen_text(10, 41, 40, t, sizeof(t));
	assert_string_equal(t, "col 1 line 25");
	columns_focus(d.c, 0);
	columns_scroll(d.c, 6);
	drawn_draw(&d);
	screen_text(10, 0, 40, t, sizeof(t));
	assert_string_equal(t, "col 0 line 27");
	columns_follow(d.c);
	drawn_draw(&d);
	screen_text(10, 0, 40, t, sizeof(t));
	assert_string_equal(t, "col 0 line 29");
	screen_text(10, 41, 40, t, sizeof(t));
	assert_string_equal(t, "col 1 line 29");
	drawn_close(&d);
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
		cmocka_unit_test(test_headers_share_one_form_and_the_same_fields),
		cmocka_unit_test(test_header_drops_whole_fields_never_cuts_a_figure),
		cmocka_unit_test(test_columns_are_top_aligned),
		cmocka_unit_test(test_follow_brings_every_column_to_its_tail),
		cmocka_unit_test(test_compare_threads_copy_in_and_move_out),
		cmocka_unit_test(test_words_split_takes_at_most_max),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
