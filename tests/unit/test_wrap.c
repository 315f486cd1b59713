/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_wrap: word wrap by display width, and re-wrapping only the open tail. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <locale.h>
#include <stdbool.h>

#include "ui/wrap.h"
#include "util/width.h"

#define E_ACUTE "e\xcc\x81"        /* e + U+0301 */
#define NI      "\xe6\x97\xa5"     /* 日 */
#define HON     "\xe6\x9c\xac"     /* 本 */
#define GO      "\xe8\xaa\x9e"     /* 語 */
#define SMILE   "\xf0\x9f\x99\x82" /* 🙂 */
#define ZWJ     "\xe2\x80\x8d"
#define FAMILY                                                                                     \
	"\xf0\x9f\x91\xa8" ZWJ "\xf0\x9f\x91\xa9" ZWJ "\xf0\x9f\x91\xa7" /* 👨‍👩‍👧 */
#define FLAG_CH "\xf0\x9f\x87\xa8\xf0\x9f\x87\xad"                       /* 🇨🇭 */
#define FLAG_DE "\xf0\x9f\x87\xa9\xf0\x9f\x87\xaa"                       /* 🇩🇪 */

struct lines {
	struct wrap_line *v;
	size_t n, cap;
};

static void lines_free(struct lines *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* A copy in a block of exactly n bytes, so ASan sees any read past the end. */
static char *exact_copy(const char *p, size_t n)
{
	char *q = malloc(n > 0 ? n : 1);
	assert_non_null(q);
	memcpy(q, p, n);
	return q;
}

/* Wraps text at width and checks the lines against want (NULL-terminated). */
static void check_wrap(const char *text, unsigned width, const char *const *want)
{
	size_t n = strlen(text);
	char *q = exact_copy(text, n);
	struct lines l = {0};
	size_t got = wrap_text(q, n, width, &l.v, &l.n, &l.cap);
	assert_int_equal(got, l.n);
	size_t k = 0;
	for (; want[k] != NULL; k++) {
		if (k >= l.n) {
			print_error("width %u: only %zu lines, want more: \"%s\"\n", width, l.n,
			            want[k]);
			fail();
		}
		assert_bytes_equal(q + l.v[k].off, l.v[k].len, want[k]);
	}
	if (l.n != k) {
		print_error("width %u: %zu lines, want %zu; extra \"%.*s\"\n", width, l.n, k,
		            (int)l.v[k].len, q + l.v[k].off);
		fail();
	}
	free(q);
	lines_free(&l);
}

#define WRAP(text, width, ...)                                                                     \
	do {                                                                                       \
		static const char *const want_[] = {__VA_ARGS__, NULL};                            \
		check_wrap((text), (width), want_);                                                \
	} while (0)

/* The width of line k of text at width w. */
static unsigned line_width(const char *text, unsigned w, size_t k)
{
	struct lines l = {0};
	wrap_text(text, strlen(text), w, &l.v, &l.n, &l.cap);
	assert_true(k < l.n);
	unsigned width = l.v[k].width;
	lines_free(&l);
	return width;
}

static void test_wrap_breaks_at_the_last_space_that_fits(void **state)
{
	(void)state;
	WRAP("the quick brown fox", 10, "the quick", "brown fox");
	WRAP("the quick brown fox", 19, "the quick brown fox");
	WRAP("the quick brown fox", 18, "the quick brown", "fox");
	WRAP("a b c d", 3, "a b", "c d");
	assert_int_equal(line_width("the quick brown fox", 10, 0), 9);
}

static void test_wrap_exact_fit_stays_on_the_line(void **state)
{
	(void)state;
	WRAP("abcd efgh", 4, "abcd", "efgh");
	WRAP("abcd efgh", 9, "abcd efgh");
	WRAP("abcd efgh", 8, "abcd", "efgh");
	WRAP("abcd", 4, "abcd");
	assert_int_equal(line_width("abcd efgh", 4, 1), 4);
}

static void test_wrap_drops_the_spaces_at_a_break(void **state)
{
	(void)state;
	WRAP("aaa   bbb", 5, "aaa", "bbb");
	WRAP("aaa   bbb", 7, "aaa", "bbb");
	WRAP("aaa   bbb", 9, "aaa   bbb");
	WRAP("aaaa    bbbb", 4, "aaaa", "bbbb");
	/* Spaces that fit are kept: indentation, and at the open end. */
	WRAP("  indented text", 40, "  indented text");
	WRAP("abc  ", 10, "abc  ");
	/* Spaces past the end of a wrapped line vanish, no empty line. */
	WRAP("abcd    ", 4, "abcd");
	WRAP("ab cd   ", 5, "ab cd");
	/* Only spaces, wider than the line: one line of them. */
	WRAP("      ", 3, "   ");
}

static void test_wrap_splits_a_word_longer_than_the_line(void **state)
{
	(void)state;
	WRAP("abcdefghij", 4, "abcd", "efgh", "ij");
	WRAP("a abcdefgh", 4, "a", "abcd", "efgh");
	WRAP("abcdefgh ij", 4, "abcd", "efgh", "ij");
}

static void test_wrap_newlines_end_paragraphs(void **state)
{
	(void)state;
	WRAP("", 10, "");
	WRAP("\n", 10, "", "");
	WRAP("a", 10, "a");
	WRAP("a\n", 10, "a", "");
	WRAP("a\n\nb", 10, "a", "", "b");
	WRAP("one two\nthree", 3, "one", "two", "thr", "ee");
	WRAP("ab  \ncd", 3, "ab", "cd");
}

static void test_wrap_cjk_wraps_between_characters(void **state)
{
	(void)state;
	WRAP(NI HON GO NI HON GO NI, 5, NI HON, GO NI, HON GO, NI);
	WRAP(NI HON GO, 6, NI HON GO);
	/* A 2-column character does not fit in the last column. */
	WRAP("a" NI HON, 4, "a" NI, HON);
	WRAP("a" NI HON, 2, "a", NI, HON);
	assert_int_equal(line_width("a" NI HON, 4, 0), 3);
	/* Width 1: each on its own line, wider than the line. */
	WRAP(NI HON, 1, NI, HON);
	assert_int_equal(line_width(NI HON, 1, 0), 2);
}

static void test_wrap_emoji_flags_and_families_stay_whole(void **state)
{
	(void)state;
	WRAP(SMILE SMILE SMILE, 3, SMILE, SMILE, SMILE);
	WRAP(SMILE SMILE SMILE, 4, SMILE SMILE, SMILE);
	WRAP(FLAG_CH FLAG_DE, 3, FLAG_CH, FLAG_DE);
	WRAP("ab " FAMILY " cd", 4, "ab", FAMILY, "cd");
	WRAP("ab" FAMILY "cd", 4, "ab", FAMILY, "cd");
	WRAP("ab" FAMILY "cd", 8, "ab" FAMILY, "cd");
	WRAP(FAMILY, 1, FAMILY);
	assert_int_equal(line_width(FAMILY, 1, 0), 6);
}

static void test_wrap_combining_marks_stay_with_their_base(void **state)
{
	(void)state;
	WRAP(E_ACUTE E_ACUTE E_ACUTE, 1, E_ACUTE, E_ACUTE, E_ACUTE);
	WRAP(E_ACUTE E_ACUTE E_ACUTE, 2, E_ACUTE E_ACUTE, E_ACUTE);
	assert_int_equal(line_width(E_ACUTE E_ACUTE E_ACUTE, 2, 0), 2);
	/* A space carrying a mark is not a break: the mark keeps its base. */
	WRAP("ab \xcc\x81"
	     "cd",
	     3, "ab \xcc\x81", "cd");
}

static void test_wrap_tabs_advance_from_the_line_start(void **state)
{
	(void)state;
	WRAP("a\tb", 20, "a\tb");
	assert_int_equal(line_width("a\tb", 20, 0), 9);
	/* On the second line the tab stop is counted from that line. */
	WRAP("aaa bbbbbbb\tc", 10, "aaa", "bbbbbbb\tc");
	assert_int_equal(line_width("aaa bbbbbbb\tc", 10, 1), 9);
	/* A tab stops at the right margin... */
	WRAP("abcdefg\tx", 8, "abcdefg\t", "x");
	assert_int_equal(line_width("abcdefg\tx", 8, 0), 8);
	WRAP("\tx", 4, "\t", "x");
	assert_int_equal(line_width("\tx", 4, 0), 4);
	/* ...and at a full line goes to the next one. */
	WRAP("abcd\tefg", 4, "abcd", "\t", "efg");
	assert_int_equal(wrap_tab_width(0, 80), 8);
	assert_int_equal(wrap_tab_width(5, 80), 3);
	assert_int_equal(wrap_tab_width(8, 80), 8);
	assert_int_equal(wrap_tab_width(78, 80), 2);
	assert_int_equal(wrap_tab_width(80, 80), 8);
}

static void test_wrap_width_zero_and_one_still_end(void **state)
{
	(void)state;
	WRAP("abc", 0, "a", "b", "c");
	WRAP("abc", 1, "a", "b", "c");
	WRAP("a b", 1, "a", "b");
	WRAP("a\tb", 1, "a", "\t", "b");
	WRAP(NI "a", 0, NI, "a");
}

static void test_wrap_appends_to_the_array(void **state)
{
	(void)state;
	struct lines l = {0};
	const char *a = "one two three";
	assert_int_equal(wrap_text(a, strlen(a), 5, &l.v, &l.n, &l.cap), 3);
	assert_int_equal(wrap_text(a, strlen(a), 80, &l.v, &l.n, &l.cap), 1);
	assert_int_equal(l.n, 4);
	assert_int_equal(l.v[3].off, 0);
	assert_int_equal(l.v[3].len, 13);
	/* Offsets count from the text handed in. */
	assert_int_equal(l.v[2].off, 8);
	assert_int_equal(l.v[2].len, 5);
	lines_free(&l);
}

static void test_wrap_paragraph_start_is_after_the_last_newline(void **state)
{
	(void)state;
	assert_int_equal(wrap_paragraph_start("", 0), 0);
	assert_int_equal(wrap_paragraph_start("abc", 3), 0);
	assert_int_equal(wrap_paragraph_start("a\nb", 3), 2);
	assert_int_equal(wrap_paragraph_start("a\n", 2), 2);
	assert_int_equal(wrap_paragraph_start("a\nb\ncd", 6), 4);
	assert_int_equal(wrap_paragraph_start("a\nb\ncd", 3), 2);
}

/* ---- properties over a large mixed text, every width 1..80 ---------------- */

/* Deterministic pseudo-random numbers (the tests must repeat). */
static uint32_t rnd_state = 12345;
static uint32_t rnd(void)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (rnd_state >> 8) & 0xFFFFFF;
}

/* Pieces text is made of: words, spaces, paragraphs, tabs and every kind of
 * cluster, some split in two so that appending joins them. */
static const char *const PIECES[] = {
    "a",         "word",
    "streaming", "supercalifragilisticexpialidocious",
    " ",         " ",
    " ",         "   ",
    "\n",        "\n\n",
    "\t",        NI HON GO,
    NI,          SMILE,
    FAMILY,      FLAG_CH,
    FLAG_DE,     E_ACUTE,
    "e",         "\xcc\x81",
    ZWJ,         "\xf0\x9f\x91\xa9",
    "\xe6\x97",  "\xa5",
    "x",         ". ",
    ", ",
};
#define NPIECES (sizeof(PIECES) / sizeof(PIECES[0]))

/* n bytes of random pieces (at least n, the last piece is whole). */
static char *random_text(size_t want, size_t *n)
{
	size_t cap = want + 64, len = 0;
	char *s = malloc(cap);
	assert_non_null(s);
	while (len < want) {
		const char *p = PIECES[rnd() % NPIECES];
		size_t pl = strlen(p);
		assert_true(len + pl < cap);
		memcpy(s + len, p, pl);
		len += pl;
	}
	*n = len;
	return s;
}

/* Checks every property of the wrap of t[0..n) at width w:
 * - lines come in order and cover the text: what lies between them (and
 *   before the first, after the last) is only spaces and newlines, and every
 *   newline lies there, so the lines with what was dropped give the text back;
 * - a paragraph's lines are separated by spaces only, a continuation line
 *   never starts with a plain space, and a line broken at spaces does not
 *   end in one;
 * - lines start and end on cluster boundaries;
 * - a line's width is its layout width and at most w, unless the line is a
 *   single cluster;
 * - a line split inside a word ends because the next cluster did not fit. */
static void check_properties(const char *t, size_t n, unsigned w, const struct lines *l)
{
	unsigned limit = w > 0 ? w : 1;
	bool *boundary = calloc(n + 1, 1);
	assert_non_null(boundary);
	/* Cluster boundaries, paragraph by paragraph. */
	for (size_t a = 0; a <= n;) {
		size_t e = a;
		while (e < n && t[e] != '\n')
			e++;
		for (size_t i = a; i < e;) {
			boundary[i] = true;
			unsigned c;
			i += width_cluster(t + i, e - i, &c);
		}
		boundary[e] = true;
		a = e + 1;
	}
	size_t prev_end = 0;
	for (size_t k = 0; k < l->n; k++) {
		const struct wrap_line *ln = &l->v[k];
		assert_true(ln->off >= prev_end);
		assert_true(ln->off + ln->len <= n);
		/* The gap before it. */
		size_t newlines = 0;
		for (size_t i = prev_end; i < ln->off; i++) {
			assert_true(t[i] == ' ' || t[i] == '\n');
			newlines += t[i] == '\n';
		}
		if (k > 0)
			assert_true(newlines <= 1);
		if (k > 0 && newlines == 0 && ln->off > prev_end) {
			/* A wrap at spaces. */
			assert_true(ln->len > 0);
			/* (unless the space carries a combining mark) */
			unsigned c;
			assert_true(t[ln->off] != ' ' ||
			            width_cluster(t + ln->off, ln->len, &c) > 1);
			/* The previous line does not end in a space, unless it is
			 * all spaces (indentation wider than the line). */
			const struct wrap_line *pl = &l->v[k - 1];
			assert_true(pl->len > 0);
			if (t[prev_end - 1] == ' ') {
				for (size_t i = pl->off; i < prev_end; i++)
					assert_true(t[i] == ' ');
			}
		}
		assert_true(boundary[ln->off]);
		assert_true(boundary[ln->off + ln->len]);
		/* Layout width, clusters. */
		unsigned col = 0, clusters = 0;
		for (size_t i = ln->off; i < ln->off + ln->len;) {
			assert_true(t[i] != '\n');
			unsigned c;
			size_t len = width_cluster(t + i, ln->off + ln->len - i, &c);
			if (t[i] == '\t')
				c = wrap_tab_width(col, limit);
			col += c;
			i += len;
			clusters++;
		}
		assert_int_equal(ln->width, col);
		if (clusters > 1)
			assert_true(ln->width <= limit);
		/* A split inside a word: the next cluster did not fit. */
		size_t end = ln->off + ln->len;
		if (k + 1 < l->n && l->v[k + 1].off == end && end < n && t[end] != '\n') {
			unsigned c;
			width_cluster(t + end, n - end, &c);
			if (t[end] == '\t')
				c = wrap_tab_width(col, limit);
			assert_true(col + c > limit);
		}
		prev_end = end;
	}
	for (size_t i = prev_end; i < n; i++)
		assert_true(t[i] == ' ');
	free(boundary);
}

static void test_wrap_properties_hold_at_every_width(void **state)
{
	(void)state;
	rnd_state = 1;
	size_t n;
	char *text = random_text(20000, &n);
	char *t = exact_copy(text, n);
	free(text);
	for (unsigned w = 0; w <= 80; w++) {
		struct lines l = {0};
		size_t got = wrap_text(t, n, w, &l.v, &l.n, &l.cap);
		assert_int_equal(got, l.n);
		check_properties(t, n, w, &l);
		lines_free(&l);
	}
	free(t);
}

/* A text whose first line wraps more narrowly than its last. */
static void test_wrap_properties_on_a_fixed_mixed_text(void **state)
{
	(void)state;
	static const char text[] =
	    "Hello, " NI HON GO "! The family " FAMILY " lives in " FLAG_CH " with " SMILE
	    " and caf" E_ACUTE ".\n\tIndented\twith tabs, and a "
	    "veryveryveryveryverylongwordthatmustbesplit.\n\n" NI HON GO NI HON GO NI HON GO
	    "\n  two  spaces   three   spaces  \n";
	size_t n = strlen(text);
	char *t = exact_copy(text, n);
	for (unsigned w = 1; w <= 80; w++) {
		struct lines l = {0};
		wrap_text(t, n, w, &l.v, &l.n, &l.cap);
		check_properties(t, n, w, &l);
		/* The text ends in '\n': the last line is the empty open one. */
		assert_int_equal(l.v[l.n - 1].off, n);
		assert_int_equal(l.v[l.n - 1].len, 0);
		lines_free(&l);
	}
	free(t);
}

/* ---- incremental ------------------------------------------------------------ */

static void assert_same_lines(const struct lines *a, const struct lines *b)
{
	assert_int_equal(a->n, b->n);
	for (size_t k = 0; k < a->n; k++) {
		assert_int_equal(a->v[k].off, b->v[k].off);
		assert_int_equal(a->v[k].len, b->v[k].len);
		assert_int_equal(a->v[k].width, b->v[k].width);
		assert_int_equal(a->v[k].open, b->v[k].open);
	}
}

/* wrap(whole) == the lines of wrap(text up to the last paragraph start) but
 * its final empty one, then wrap(last paragraph) moved by its start. */
static void check_split_at_last_paragraph(const char *t, size_t n, unsigned w)
{
	struct lines whole = {0}, parts = {0};
	wrap_text(t, n, w, &whole.v, &whole.n, &whole.cap);
	size_t ps = wrap_paragraph_start(t, n);
	wrap_text(t, ps, w, &parts.v, &parts.n, &parts.cap);
	if (ps > 0) {
		/* The prefix ends in '\n': its last line is the empty open one. */
		assert_int_equal(parts.v[parts.n - 1].off, ps);
		assert_int_equal(parts.v[parts.n - 1].len, 0);
	}
	parts.n--;
	size_t first = parts.n;
	wrap_text(t + ps, n - ps, w, &parts.v, &parts.n, &parts.cap);
	for (size_t k = first; k < parts.n; k++)
		parts.v[k].off += ps;
	assert_same_lines(&whole, &parts);
	lines_free(&whole);
	lines_free(&parts);
}

static void test_wrap_last_paragraph_wraps_on_its_own(void **state)
{
	(void)state;
	static const unsigned widths[] = {1, 2, 3, 7, 8, 13, 40, 80};
	rnd_state = 7;
	for (int round = 0; round < 40; round++) {
		size_t n;
		char *text = random_text(1 + rnd() % 600, &n);
		char *t = exact_copy(text, n);
		free(text);
		for (size_t i = 0; i < sizeof(widths) / sizeof(widths[0]); i++)
			check_split_at_last_paragraph(t, n, widths[i]);
		free(t);
	}
}

/* Streaming: after every appended piece, wrap_tail on the kept lines gives
 * exactly the wrap of the whole text so far, and leaves the lines before the
 * index it returns as they were. */
static void test_wrap_tail_equals_wrapping_the_whole_text(void **state)
{
	(void)state;
	/* Every width, and steps of 1 to 40 bytes, then 1 to 4 (a cluster or a
	 * word arriving in pieces). */
	static const unsigned widths[] = {1, 2, 3, 7, 13, 20, 40, 80};
	for (size_t wi = 0; wi < 2 * sizeof(widths) / sizeof(widths[0]); wi++) {
		unsigned w = widths[wi % (sizeof(widths) / sizeof(widths[0]))];
		size_t max_step = wi < sizeof(widths) / sizeof(widths[0]) ? 40 : 4;
		rnd_state = 99 + w + (unsigned)max_step;
		size_t n;
		char *text = random_text(3000, &n);
		struct lines inc = {0}, before = {0};
		size_t at = 0;
		while (at < n) {
			size_t step = 1 + rnd() % max_step;
			if (step > n - at)
				step = n - at;
			at += step;
			char *t = exact_copy(text, at);
			before.n = 0;
			for (size_t k = 0; k < inc.n; k++) {
				if (before.n == before.cap) {
					before.cap = before.cap ? before.cap * 2 : 64;
					before.v =
					    realloc(before.v, before.cap * sizeof(*before.v));
					assert_non_null(before.v);
				}
				before.v[before.n++] = inc.v[k];
			}
			size_t first = wrap_tail(t, at, w, &inc.v, &inc.n, &inc.cap);
			assert_true(first <= before.n);
			for (size_t k = 0; k < first; k++) {
				assert_int_equal(inc.v[k].off, before.v[k].off);
				assert_int_equal(inc.v[k].len, before.v[k].len);
			}
			struct lines whole = {0};
			wrap_text(t, at, w, &whole.v, &whole.n, &whole.cap);
			assert_same_lines(&whole, &inc);
			check_split_at_last_paragraph(t, at, w);
			lines_free(&whole);
			free(t);
		}
		lines_free(&inc);
		lines_free(&before);
		free(text);
	}
}

static void test_wrap_tail_rewraps_only_the_open_lines(void **state)
{
	(void)state;
	struct lines l = {0};
	const char *t = "hello world\nsecond line goes on";
	assert_int_equal(wrap_tail(t, 18, 6, &l.v, &l.n, &l.cap), 0);
	/* "hello", "world", "second" */
	assert_int_equal(l.n, 3);
	assert_true(l.v[2].open);
	assert_false(l.v[1].open);
	assert_int_equal(wrap_tail(t, strlen(t), 6, &l.v, &l.n, &l.cap), 2);
	/* "second", "line", "goes", "on": "goes" ended at the 'n' of "on",
	 * within a character's bytes of the end, so it is open too */
	assert_int_equal(l.n, 6);
	assert_int_equal(l.v[5].off, 29);
	assert_false(l.v[3].open);
	assert_true(l.v[4].open);
	assert_true(l.v[5].open);
	/* A newline at the end: the open line is the new empty one. */
	const char *u = "hello world\nsecond line goes on\n";
	assert_int_equal(wrap_tail(u, strlen(u), 6, &l.v, &l.n, &l.cap), 4);
	assert_int_equal(l.n, 7);
	assert_int_equal(l.v[6].off, strlen(u));
	assert_int_equal(l.v[6].len, 0);
	assert_false(l.v[5].open);
	assert_true(l.v[6].open);
	const char *v = "hello world\nsecond line goes on\nx";
	assert_int_equal(wrap_tail(v, strlen(v), 6, &l.v, &l.n, &l.cap), 6);
	assert_int_equal(l.n, 7);
	assert_int_equal(l.v[6].len, 1);
	lines_free(&l);
}

/* A token appended to a long paragraph rewrites its last line or two, not
 * the paragraph: what keeps a token's cost flat while a reply streams. */
static void test_wrap_tail_on_a_long_paragraph_touches_its_end(void **state)
{
	(void)state;
	size_t cap = 64 * 1024, n = 0;
	char *t = malloc(cap);
	assert_non_null(t);
	struct lines l = {0};
	for (unsigned i = 0; n + 16 < cap; i++) {
		n += (size_t)snprintf(t + n, cap - n, i % 7 ? " word%u" : " w%u,", i);
		size_t first = wrap_tail(t, n, 40, &l.v, &l.n, &l.cap);
		assert_true(first + 2 >= l.n);
		for (size_t k = 0; k + 2 < l.n; k++)
			assert_false(l.v[k].open);
	}
	assert_true(l.n > 1000);
	lines_free(&l);
	free(t);
}

/* ---- linear time ---------------------------------------------------------- */

/* Texts that would take quadratic time with a careless rescan: one long
 * word, long space runs, many short words. 1 MiB each, at narrow and wide
 * widths; quadratic would not finish within the suite's time limit. */
static void test_wrap_is_linear_on_hostile_texts(void **state)
{
	(void)state;
	size_t n = (size_t)1 << 20;
	char *t = malloc(n);
	assert_non_null(t);
	static const unsigned widths[] = {1, 3, 80, 1000};
	for (int kind = 0; kind < 4; kind++) {
		for (size_t i = 0; i < n; i++) {
			switch (kind) {
			case 0: t[i] = 'a'; break;
			case 1: t[i] = (i % 100000 == 0) ? 'x' : ' '; break;
			case 2: t[i] = (i % 2) ? ' ' : 'a'; break;
			default: t[i] = (i % 997 == 0) ? ' ' : (char)('a' + i % 26); break;
			}
		}
		for (size_t wi = 0; wi < sizeof(widths) / sizeof(widths[0]); wi++) {
			struct lines l = {0};
			wrap_text(t, n, widths[wi], &l.v, &l.n, &l.cap);
			assert_true(l.n >= 1);
			lines_free(&l);
		}
	}
	free(t);
}

int main(void)
{
	if (setlocale(LC_ALL, "C.UTF-8") == NULL) {
		printf("skip: test_wrap needs the C.UTF-8 locale (setlocale failed)\n");
		return 0;
	}
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_wrap_breaks_at_the_last_space_that_fits),
	    cmocka_unit_test(test_wrap_exact_fit_stays_on_the_line),
	    cmocka_unit_test(test_wrap_drops_the_spaces_at_a_break),
	    cmocka_unit_test(test_wrap_splits_a_word_longer_than_the_line),
	    cmocka_unit_test(test_wrap_newlines_end_paragraphs),
	    cmocka_unit_test(test_wrap_cjk_wraps_between_characters),
	    cmocka_unit_test(test_wrap_emoji_flags_and_families_stay_whole),
	    cmocka_unit_test(test_wrap_combining_marks_stay_with_their_base),
	    cmocka_unit_test(test_wrap_tabs_advance_from_the_line_start),
	    cmocka_unit_test(test_wrap_width_zero_and_one_still_end),
	    cmocka_unit_test(test_wrap_appends_to_the_array),
	    cmocka_unit_test(test_wrap_paragraph_start_is_after_the_last_newline),
	    cmocka_unit_test(test_wrap_properties_hold_at_every_width),
	    cmocka_unit_test(test_wrap_properties_on_a_fixed_mixed_text),
	    cmocka_unit_test(test_wrap_last_paragraph_wraps_on_its_own),
	    cmocka_unit_test(test_wrap_tail_equals_wrapping_the_whole_text),
	    cmocka_unit_test(test_wrap_tail_rewraps_only_the_open_lines),
	    cmocka_unit_test(test_wrap_tail_on_a_long_paragraph_touches_its_end),
	    cmocka_unit_test(test_wrap_is_linear_on_hostile_texts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
