/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_transcript: a transcript that redraws only the rows that changed
 * shows, after every step, exactly what a new transcript draws in full.
 *
 * A real curses screen (newterm on /dev/null, terminfo "xterm"), two windows
 * of one size: one kept by a transcript across a random run of steps
 * (tokens, new messages, thinking, a reset thinking, scrolling, Ctrl-T,
 * /clear, another view drawn over it), the other drawn by a fresh transcript
 * each time. Every cell (characters and attributes) must match. */
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

#include "model/conversation.h"
#include "ui/theme.h"
#include "ui/transcript.h"
#include "util/glyphs.h"

/* Row y of w as plain text. */
static void text_of(WINDOW *w, int y, char *out, size_t cap)
{
	int rows, cols;
	getmaxyx(w, rows, cols);
	(void)rows;
	size_t n = 0;
	out[0] = '\0';
	for (int x = 0; x < cols; x++) {
		cchar_t cc;
		wchar_t wch[CCHARW_MAX + 1] = {0};
		attr_t attr = 0;
		short pair = 0;
		if (mvwin_wch(w, y, x, &cc) == ERR || getcchar(&cc, wch, &attr, &pair, NULL) == ERR)
			break;
		int k = snprintf(out + n, cap - n, "%ls", wch);
		if (k < 0 || (size_t)k >= cap - n)
			break;
		n += (size_t)k;
	}
	while (n > 0 && out[n - 1] == ' ')
		out[--n] = '\0';
}

static bool shows_marker(WINDOW *w)
{
	int rows, cols;
	getmaxyx(w, rows, cols);
	(void)cols;
	char t[4096];
	text_of(w, rows - 1, t, sizeof(t));
	/* (cut to narrow windows: "── new o") */
	return strncmp(t, "── n", strlen("── n")) == 0;
}

/* Every row alike, but the last when `last` is false (a marker lies over
 * it in a). */
static void assert_same_windows(WINDOW *a, WINDOW *b, int step, bool last)
{
	int rows, cols;
	getmaxyx(a, rows, cols);
	static char ra[1 << 16], rb[1 << 16];
	for (int y = 0; y < rows - (last ? 0 : 1); y++) {
		tc_cells(a, y, cols, ra, sizeof(ra));
		tc_cells(b, y, cols, rb, sizeof(rb));
		if (strcmp(ra, rb) != 0)
			fail_msg("step %d, row %d differs:\nkept:  %.300s\nfresh: %.300s", step, y, ra,
			         rb);
	}
}

static const char *const TOKENS[] = {
    " word", " streaming", "\n", "\n\n", "\t", " 日本語", "é", "e\xcc\x81", " ", "   ",
    " supercalifragilisticexpialidocious", "😀", ", ", "x",
    "# ", "**", "`", "\n```c\n", "int x = 1;", "\n```\n", "\n- ", "| a | b |\n|---|---|\n",
    "[l](http://x)", "> ",
};
#define NTOKENS (sizeof(TOKENS) / sizeof(TOKENS[0]))

static void test_drawing_only_changed_rows_shows_what_a_full_draw_shows(void **state)
{
	(void)state;
	static const int sizes[][2] = {{12, 30}, {7, 9}, {20, 61}, {12, 30}, {7, 9}, {20, 61}};
	for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
		int rows = sizes[si][0], cols = sizes[si][1];
		bool md = si < 3; /* rendered Markdown, then the raw view */
		tu_rnd_state = 7 + (uint32_t)si;
		WINDOW *kept_w = newwin(rows, cols, 0, 0);
		WINDOW *fresh_w = newwin(rows, cols, 0, 0);
		assert_non_null(kept_w);
		assert_non_null(fresh_w);
		struct conversation conv = {0};
		struct transcript *kept = transcript_new();
		transcript_set_render(kept, md);
		struct message *live = NULL;
		bool thinking = false, top = false;
		for (int step = 0; step < 3000; step++) {
			unsigned op = tu_rnd() % 100;
			if (op < 55 && live != NULL) {
				const char *tok = TOKENS[tu_rnd() % NTOKENS];
				msg_append_text(live, tok, strlen(tok));
			} else if (op < 62 && live != NULL) {
				const char *tok = TOKENS[tu_rnd() % NTOKENS];
				msg_append_thinking(live, tok, strlen(tok));
			} else if (op < 64 && live != NULL) {
				/* a fallback before the first token drops the thinking */
				msg_reset_thinking(live);
				/* and, at times, new thinking as long before a frame */
				if (tu_rnd() % 2)
					msg_append_thinking(live, "same length?", 12);
			} else if (op < 70) {
				if (live != NULL)
					msg_finish(live, tu_rnd() % 4 == 0,
					           tu_rnd() % 2 ? "1.2 s · 40 tok" : "");
				conv_add(&conv, MSG_USER, "you",
				         tu_rnd() % 2 ? "a question" : "q\nwith\tlines");
				live = conv_add(&conv, MSG_ASSISTANT, "mock", NULL);
				live->streaming = true;
			} else if (op < 74 && live != NULL) {
				msg_finish(live, tu_rnd() % 2 == 0, "done");
				live = NULL;
			} else if (op < 80) {
				transcript_scroll(kept, (int)(tu_rnd() % 7) - 3);
			} else if (op < 82) {
				transcript_follow(kept);
			} else if (op < 84) {
				thinking = !thinking;
				transcript_set_thinking(kept, thinking);
			} else if (op < 85) {
				conv_clear(&conv);
				live = NULL;
			} else if (op < 87) {
				/* another view (/stats) drew over the window */
				werase(kept_w);
				mvwaddstr(kept_w, 0, 0, "stats");
				wnoutrefresh(kept_w);
				touchwin(kept_w);
			} else if (op < 88) {
				conv_add(&conv, MSG_NOTICE, "circuit", "a notice\nof two lines");
			} else if (op < 89 && tu_rnd() % 4 == 0) {
				top = !top;
				transcript_set_top(kept, top);
			} else if (op < 89) {
				/* a resize: one way or the other, rows and columns */
				int r2, c2;
				getmaxyx(kept_w, r2, c2);
				r2 += (int)(tu_rnd() % 3) - 1;
				c2 += (int)(tu_rnd() % 5) - 2;
				r2 = r2 < 3 ? 3 : r2;
				c2 = c2 < 5 ? 5 : c2;
				wresize(kept_w, r2, c2);
				wresize(fresh_w, r2, c2);
			}
			transcript_draw(kept, &conv, kept_w);
			/* Scrolled where the kept one ended (it clamps to the
			 * thread, and keeps its view as output arrives). */
			struct transcript *fresh = transcript_new();
			transcript_set_render(fresh, md);
			transcript_set_thinking(fresh, thinking);
			transcript_set_top(fresh, top);
			transcript_scroll(fresh, transcript_scrolled(kept));
			transcript_draw(fresh, &conv, fresh_w);
			assert_int_equal(transcript_scrolled(fresh), transcript_scrolled(kept));
			transcript_free(fresh);
			/* The fresh one has seen nothing arrive: no marker. The kept
			 * one's lies over its last row and moves no line. */
			assert_false(shows_marker(fresh_w));
			bool marker = shows_marker(kept_w);
			if (marker)
				assert_true(transcript_scrolled(kept) > 0);
			assert_same_windows(kept_w, fresh_w, step, !marker);
		}
		transcript_free(kept);
		conv_done(&conv);
		delwin(kept_w);
		delwin(fresh_w);
	}
}

/* Scrolled up, the view stays on the same lines while output arrives
 * below; after a resize (everything wrapped again) it stays as far from the
 * bottom, rather than jumping to the top of the thread. */
static void test_a_scrolled_view_stays_put(void **state)
{
	(void)state;
	WINDOW *w = newwin(10, 40, 0, 0);
	assert_non_null(w);
	struct conversation conv = {0};
	for (int i = 0; i < 20; i++)
		conv_add(&conv, MSG_USER, "you", "a line\nand another");
	struct message *live = conv_add(&conv, MSG_ASSISTANT, "mock", NULL);
	live->streaming = true;
	struct transcript *t = transcript_new();
	transcript_set_render(t, false); /* the raw text's lines, counted */
	transcript_draw(t, &conv, w);
	transcript_scroll(t, 5);
	transcript_draw(t, &conv, w);
	assert_int_equal(transcript_scrolled(t), 5);
	msg_append_text(live, "one\ntwo\nthree", 13);
	transcript_draw(t, &conv, w);
	assert_int_equal(transcript_scrolled(t), 5 + 2); /* two more rows below */
	wresize(w, 10, 30);
	transcript_draw(t, &conv, w);
	assert_int_equal(transcript_scrolled(t), 7);
	/* Thinking shown in full, then dropped by a fallback: the rows it took
	 * go from below the view, and the view stays on its lines. */
	transcript_set_thinking(t, true);
	transcript_draw(t, &conv, w);
	int before = transcript_scrolled(t);
	msg_append_thinking(live, "a\nb\nc\nd", 7);
	transcript_draw(t, &conv, w);
	assert_int_equal(transcript_scrolled(t), before + 4);
	msg_reset_thinking(live);
	transcript_draw(t, &conv, w);
	assert_int_equal(transcript_scrolled(t), before);
	transcript_free(t);
	conv_done(&conv);
	delwin(w);
}

/* A thread of 20 messages (3 rows each: label, text, blank), longer than a
 * window of 10 rows. */
static void long_thread(struct conversation *conv)
{
	for (int i = 0; i < 20; i++) {
		char text[32];
		snprintf(text, sizeof(text), "line %d", i);
		conv_add(conv, MSG_USER, i == 0 ? "first" : "you", text);
	}
}

/* Home (a scroll far past the top) and PgUp after PgUp end with the
 * thread's first line on the top row, marker or not. */
static void test_home_and_pgup_reach_the_first_line(void **state)
{
	(void)state;
	WINDOW *w = newwin(10, 40, 0, 0);
	assert_non_null(w);
	struct conversation conv = {0};
	long_thread(&conv);
	struct message *live = conv_add(&conv, MSG_ASSISTANT, "mock", NULL);
	live->streaming = true;
	struct transcript *t = transcript_new();
	char row[256];
	transcript_draw(t, &conv, w);
	transcript_scroll(t, 1 << 28); /* Home */
	transcript_draw(t, &conv, w);
	text_of(w, 0, row, sizeof(row));
	assert_string_equal(row, "first");
	text_of(w, 1, row, sizeof(row));
	assert_string_equal(row, "line 0");
	/* Output arrives: the marker shows, the top stays. */
	msg_append_text(live, "a\nb", 3);
	transcript_draw(t, &conv, w);
	assert_true(shows_marker(w));
	text_of(w, 0, row, sizeof(row));
	assert_string_equal(row, "first");
	/* PgUp from the tail, a page (rows - 2) at a time, as the app does. */
	transcript_follow(t);
	transcript_draw(t, &conv, w);
	for (int i = 0; i < 40; i++) {
		transcript_scroll(t, 8);
		transcript_draw(t, &conv, w);
	}
	text_of(w, 0, row, sizeof(row));
	assert_string_equal(row, "first");
	transcript_free(t);
	conv_done(&conv);
	delwin(w);
}

/* The marker says output arrived below: not merely that the view is
 * scrolled up. It goes when the view is back at the tail. */
static void test_the_marker_shows_only_after_output_arrives(void **state)
{
	(void)state;
	WINDOW *w = newwin(10, 40, 0, 0);
	assert_non_null(w);
	struct conversation conv = {0};
	long_thread(&conv);
	struct message *live = conv_add(&conv, MSG_ASSISTANT, "mock", NULL);
	live->streaming = true;
	struct transcript *t = transcript_new();
	transcript_draw(t, &conv, w);
	transcript_scroll(t, 4);
	transcript_draw(t, &conv, w);
	assert_false(shows_marker(w));
	char before[256], after[256];
	text_of(w, 8, before, sizeof(before));
	/* A token that adds no row is output too. */
	msg_append_text(live, "x", 1);
	transcript_draw(t, &conv, w);
	assert_true(shows_marker(w));
	text_of(w, 8, after, sizeof(after));
	assert_string_equal(before, after); /* no line moved */
	/* Down to the tail by scrolling: gone, and scrolled up again, not
	 * back until more output comes. */
	transcript_scroll(t, -100);
	transcript_draw(t, &conv, w);
	assert_false(shows_marker(w));
	transcript_scroll(t, 3);
	transcript_draw(t, &conv, w);
	assert_false(shows_marker(w));
	msg_append_text(live, "y\nz", 3);
	transcript_draw(t, &conv, w);
	assert_true(shows_marker(w));
	transcript_follow(t);
	transcript_draw(t, &conv, w);
	assert_false(shows_marker(w));
	/* A resize keeps it; /clear (another thread) drops it. */
	transcript_scroll(t, 3);
	transcript_draw(t, &conv, w);
	msg_append_text(live, "!", 1);
	transcript_draw(t, &conv, w);
	wresize(w, 9, 30);
	transcript_draw(t, &conv, w);
	assert_true(shows_marker(w));
	conv_clear(&conv);
	long_thread(&conv);
	transcript_scroll(t, 3);
	transcript_draw(t, &conv, w);
	assert_false(shows_marker(w));
	transcript_free(t);
	conv_done(&conv);
	delwin(w);
}

/* Top-aligned (compare columns), a short thread starts on the top row;
 * by default it ends on the bottom row. */
static void test_a_short_thread_top_or_bottom(void **state)
{
	(void)state;
	WINDOW *w = newwin(10, 40, 0, 0);
	assert_non_null(w);
	struct conversation conv = {0};
	conv_add(&conv, MSG_USER, "you", "question");
	struct transcript *t = transcript_new();
	char row[256];
	transcript_draw(t, &conv, w);
	text_of(w, 7, row, sizeof(row));
	assert_string_equal(row, "you");
	text_of(w, 0, row, sizeof(row));
	assert_string_equal(row, "");
	transcript_set_top(t, true);
	transcript_draw(t, &conv, w);
	text_of(w, 0, row, sizeof(row));
	assert_string_equal(row, "you");
	text_of(w, 1, row, sizeof(row));
	assert_string_equal(row, "question");
	text_of(w, 7, row, sizeof(row));
	assert_string_equal(row, "");
	/* Longer than the window: the tail, as before. */
	long_thread(&conv);
	transcript_draw(t, &conv, w);
	text_of(w, 7, row, sizeof(row));
	assert_string_equal(row, "you");
	text_of(w, 8, row, sizeof(row));
	assert_string_equal(row, "line 19");
	transcript_free(t);
	conv_done(&conv);
	delwin(w);
}

/* The collapsed thinking says its lines in words ("1 line"), and the marks
 * (the streaming label's ellipsis, the cursor, the "more" mark) follow the
 * locale's set. */
static void test_collapsed_thinking_and_marks(void **state)
{
	(void)state;
	WINDOW *w = newwin(6, 40, 0, 0);
	assert_non_null(w);
	struct conversation conv = {0};
	struct message *live = conv_add(&conv, MSG_ASSISTANT, "mock", NULL);
	live->streaming = true;
	msg_append_thinking(live, "hmm", 3);
	msg_append_text(live, "hi", 2);
	struct transcript *t = transcript_new();
	transcript_set_render(t, false); /* "hmm\nmore": two raw lines */
	transcript_set_top(t, true);
	char row[256];
	transcript_draw(t, &conv, w);
	text_of(w, 0, row, sizeof(row));
	assert_string_equal(row, "mock  streaming…");
	text_of(w, 1, row, sizeof(row));
	assert_string_equal(row, "▸ thinking (1 line, Ctrl-T shows)");
	text_of(w, 2, row, sizeof(row));
	assert_string_equal(row, "hi▌");
	msg_append_thinking(live, "\nmore", 5);
	glyphs_use(false);
	transcript_draw(t, &conv, w);
	text_of(w, 0, row, sizeof(row));
	assert_string_equal(row, "mock  streaming...");
	text_of(w, 1, row, sizeof(row));
	assert_string_equal(row, "> thinking (2 lines, Ctrl-T shows)");
	text_of(w, 2, row, sizeof(row));
	assert_string_equal(row, "hi_");
	glyphs_use(true);
	transcript_free(t);
	conv_done(&conv);
	delwin(w);
}

static const char MD_REPLY[] = "# Title\n\nSome **bold** text.\n\n```c\nint x = 1;\n```\n\n"
                               "- one\n- two\n\nThe end.\n";

/* Rendered: the heading without '#', the code block without fences under
 * its label; streamed a byte at a time it shows, cell for cell, what the
 * whole reply shows (as when resumed from the history); /render raw shows
 * the source again, and back. */
static void test_a_rendered_reply_streams_as_it_shows_whole(void **state)
{
	(void)state;
	WINDOW *a = newwin(16, 40, 0, 0), *b = newwin(16, 40, 0, 0);
	struct theme th;
	theme_default(&th);
	theme_apply(&th); /* md.strong's bold */
	struct conversation streamed = {0}, whole = {0};
	struct message *live = conv_add(&streamed, MSG_ASSISTANT, "mock", NULL);
	live->streaming = true;
	struct transcript *ta = transcript_new(), *tb = transcript_new();
	assert_true(transcript_render(ta)); /* the default */
	transcript_set_top(ta, true);
	transcript_set_top(tb, true);
	for (size_t i = 0; MD_REPLY[i] != '\0'; i++) {
		msg_append_text(live, MD_REPLY + i, 1);
		transcript_draw(ta, &streamed, a);
	}
	msg_finish(live, false, "");
	transcript_draw(ta, &streamed, a);
	conv_add(&whole, MSG_ASSISTANT, "mock", MD_REPLY);
	transcript_draw(tb, &whole, b);
	assert_same_windows(a, b, 0, true);
	char row[256];
	text_of(a, 1, row, sizeof(row));
	assert_string_equal(row, "Title");
	text_of(a, 3, row, sizeof(row));
	assert_string_equal(row, "Some bold text.");
	text_of(a, 5, row, sizeof(row));
	assert_string_equal(row, "c");
	text_of(a, 6, row, sizeof(row));
	assert_string_equal(row, "  int x = 1;");
	/* The bold word is drawn bold, the words around it are not. */
	cchar_t cc;
	attr_t at = 0;
	short pair = 0;
	wchar_t wch[CCHARW_MAX + 1];
	mvwin_wch(a, 3, 5, &cc);
	getcchar(&cc, wch, &at, &pair, NULL);
	assert_true(at & A_BOLD);
	mvwin_wch(a, 3, 0, &cc);
	getcchar(&cc, wch, &at, &pair, NULL);
	assert_false(at & A_BOLD);
	transcript_set_render(ta, false);
	transcript_draw(ta, &streamed, a);
	text_of(a, 1, row, sizeof(row));
	assert_string_equal(row, "# Title");
	assert_false(transcript_render(ta));
	transcript_set_render(ta, true);
	transcript_draw(ta, &streamed, a);
	assert_same_windows(a, b, 1, true);
	transcript_free(ta);
	transcript_free(tb);
	conv_done(&streamed);
	conv_done(&whole);
	delwin(a);
	delwin(b);
}

/* User prompts and notices stay raw text whatever the mode. */
static void test_prompts_and_notices_stay_raw(void **state)
{
	(void)state;
	WINDOW *w = newwin(8, 40, 0, 0);
	struct conversation conv = {0};
	conv_add(&conv, MSG_USER, "you", "# not a heading");
	conv_add(&conv, MSG_NOTICE, "circuit", "**kept**");
	struct transcript *t = transcript_new();
	transcript_set_top(t, true);
	transcript_draw(t, &conv, w);
	char row[256];
	text_of(w, 1, row, sizeof(row));
	assert_string_equal(row, "# not a heading");
	text_of(w, 4, row, sizeof(row));
	assert_string_equal(row, "**kept**");
	transcript_free(t);
	conv_done(&conv);
	delwin(w);
}

/* A prompt's files: a line each under its text, the clip mark in UTF-8,
 * "@" in ASCII; the interrupted mark and the next message below them. */
static void test_a_prompts_files_show_a_line_each(void **state)
{
	(void)state;
	WINDOW *w = newwin(10, 60, 0, 0);
	assert_non_null(w);
	struct conversation conv = {0};
	struct message *m = conv_add(&conv, MSG_USER, "you", "look");
	struct attachment a;
	attachment_set(&a, "notes.txt", "text/plain", "hello\n", 6, NULL);
	attachments_take(&m->att, &a);
	attachment_set(&a, "dot.png", "image/png", "\x89PNG\r\n\x1a\n", 8, NULL);
	attachments_take(&m->att, &a);
	conv_add(&conv, MSG_NOTICE, "", "after");
	struct transcript *t = transcript_new();
	transcript_set_top(t, true);
	char row[256];
	for (int utf8 = 1; utf8 >= 0; utf8--) {
		glyphs_use(utf8);
		transcript_free(t);
		t = transcript_new();
		transcript_set_top(t, true);
		transcript_draw(t, &conv, w);
		text_of(w, 1, row, sizeof(row));
		assert_string_equal(row, "look");
		text_of(w, 2, row, sizeof(row));
		/* (a wide mark takes two cells, and text_of reads it from both) */
		assert_string_equal(row, utf8 ? "📎📎 notes.txt (text/plain, 6 bytes)"
		                               : "@ notes.txt (text/plain, 6 bytes)");
		text_of(w, 3, row, sizeof(row));
		assert_string_equal(row, utf8 ? "📎📎 dot.png (image/png, 8 bytes)"
		                               : "@ dot.png (image/png, 8 bytes)");
		text_of(w, 6, row, sizeof(row));
		assert_string_equal(row, "after");
	}
	glyphs_use(true);
	transcript_free(t);
	conv_done(&conv);
	delwin(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_drawing_only_changed_rows_shows_what_a_full_draw_shows),
	    cmocka_unit_test(test_a_scrolled_view_stays_put),
	    cmocka_unit_test(test_home_and_pgup_reach_the_first_line),
	    cmocka_unit_test(test_the_marker_shows_only_after_output_arrives),
	    cmocka_unit_test(test_a_short_thread_top_or_bottom),
	    cmocka_unit_test(test_collapsed_thinking_and_marks),
	    cmocka_unit_test(test_a_rendered_reply_streams_as_it_shows_whole),
	    cmocka_unit_test(test_prompts_and_notices_stay_raw),
	    cmocka_unit_test(test_a_prompts_files_show_a_line_each),
	};
	return cmocka_run_group_tests(tests, tc_setup, tc_teardown);
}
