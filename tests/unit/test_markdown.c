/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_markdown: Markdown as styled lines, and streaming it in any pieces
 * gives exactly the lines of rendering it whole, final lines never change. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <locale.h>
#include <stdbool.h>

#include "ui/markdown.h"
#include "util/buf.h"
#include "util/width.h"

/* ---- helpers ------------------------------------------------------------- */

static struct md_doc *whole(const char *s, size_t n, int width, bool finish)
{
	struct md_doc *d = md_new(width);
	md_append(d, s, n);
	if (finish)
		md_finish(d);
	return d;
}

static const char *text_of(const struct md_doc *d, size_t i)
{
	return buf_str(&md_line_at(d, i)->text);
}

/* Line i as one string: its text, then each run's offsets and style. */
static void serial(const struct md_doc *d, size_t i, struct buf *out)
{
	const struct md_line *l = md_line_at(d, i);
	buf_reset(out);
	buf_append(out, l->text.data ? l->text.data : "", l->text.len);
	for (size_t k = 0; k < l->nruns; k++) {
		const struct md_run *r = &l->runs[k];
		buf_printf(out, "|%zu+%zu:%x:%d:%u:%zu", r->off, r->len, r->flags, (int)r->token, r->level,
		           r->link);
	}
}

/* Same lines, texts and runs; same URLs and code blocks. */
static void assert_same(const struct md_doc *a, const struct md_doc *b)
{
	struct buf x, y;
	buf_init(&x, 0);
	buf_init(&y, 0);
	assert_int_equal(md_count(a), md_count(b));
	for (size_t i = 0; i < md_count(a); i++) {
		serial(a, i, &x);
		serial(b, i, &y);
		if (strcmp(buf_str(&x), buf_str(&y)) != 0)
			print_error("line %zu:\n  %s\n  %s\n", i, buf_str(&x), buf_str(&y));
		assert_string_equal(buf_str(&x), buf_str(&y));
	}
	for (size_t i = 0; md_url(a, i) != NULL || md_url(b, i) != NULL; i++) {
		assert_non_null(md_url(a, i));
		assert_non_null(md_url(b, i));
		assert_string_equal(md_url(a, i), md_url(b, i));
	}
	for (size_t i = 0;; i++) {
		size_t la = 0, lb = 0;
		const char *ca = md_code_block(a, i, &la), *cb = md_code_block(b, i, &lb);
		assert_true((ca == NULL) == (cb == NULL));
		if (ca == NULL)
			break;
		assert_int_equal(la, lb);
		assert_memory_equal(ca, cb, la);
	}
	buf_done(&x);
	buf_done(&y);
}

/* Every line: no control byte, at most width columns, runs sorted,
 * non-empty and covering the text. */
static void assert_sound(const struct md_doc *d, int width)
{
	for (size_t i = 0; i < md_count(d); i++) {
		const struct md_line *l = md_line_at(d, i);
		for (size_t k = 0; k < l->text.len; k++)
			assert_true((unsigned char)l->text.data[k] >= 0x20);
		assert_true(width_str(l->text.data ? l->text.data : "", l->text.len) <= (size_t)width);
		size_t at = 0;
		for (size_t k = 0; k < l->nruns; k++) {
			assert_int_equal(l->runs[k].off, at);
			assert_true(l->runs[k].len > 0);
			at += l->runs[k].len;
		}
		assert_int_equal(at, l->text.len);
	}
}

/* The run that covers byte off of line i. */
static const struct md_run *run_at(const struct md_doc *d, size_t i, size_t off)
{
	const struct md_line *l = md_line_at(d, i);
	for (size_t k = 0; k < l->nruns; k++)
		if (off >= l->runs[k].off && off < l->runs[k].off + l->runs[k].len)
			return &l->runs[k];
	fail_msg("no run at %zu of line %zu", off, i);
	return NULL;
}

/* The first line whose text is s, or fails. */
static size_t find_line(const struct md_doc *d, const char *s)
{
	for (size_t i = 0; i < md_count(d); i++)
		if (strcmp(text_of(d, i), s) == 0)
			return i;
	fail_msg("no line \"%s\"", s);
	return 0;
}

static unsigned flags_of(const struct md_doc *d, size_t i, const char *word)
{
	const char *t = text_of(d, i), *w = strstr(t, word);
	assert_non_null(w);
	return run_at(d, i, (size_t)(w - t))->flags;
}

#define RENDER(s, w) whole((s), strlen(s), (w), true)

/* ---- constructs ------------------------------------------------------------ */

static void test_markdown_heading_and_emphasis(void **state)
{
	(void)state;
	struct md_doc *d = RENDER("## Title **b**\n\nplain **bold** *it* ~~gone~~ `x = 1`\n", 40);
	assert_string_equal(text_of(d, 0), "Title b");
	const struct md_run *r = run_at(d, 0, 0);
	assert_true(r->flags & MD_HEADING);
	assert_int_equal(r->level, 2);
	assert_true(run_at(d, 0, 6)->flags & MD_STRONG);
	assert_string_equal(text_of(d, 1), "");
	assert_string_equal(text_of(d, 2), "plain bold it gone x = 1");
	assert_int_equal(flags_of(d, 2, "plain"), 0);
	assert_int_equal(flags_of(d, 2, "bold"), MD_STRONG);
	assert_int_equal(flags_of(d, 2, "it"), MD_EMPH);
	assert_int_equal(flags_of(d, 2, "gone"), MD_STRIKE);
	assert_int_equal(flags_of(d, 2, "x = 1"), MD_CODE);
	assert_int_equal(md_count(d), 3);
	md_free(d);
}

static void test_markdown_paragraph_wraps_at_words(void **state)
{
	(void)state;
	struct md_doc *d = RENDER("aaaa bbbb cccc dddd eeee ffff gggg hhhh\n", 20);
	assert_string_equal(text_of(d, 0), "aaaa bbbb cccc dddd");
	assert_string_equal(text_of(d, 1), "eeee ffff gggg hhhh");
	md_free(d);
	/* 日本 are two columns each: ten of them fill a 20-column line. */
	d = RENDER("日本日本日本日本日本日本\n", 20);
	assert_string_equal(text_of(d, 0), "日本日本日本日本日本");
	assert_string_equal(text_of(d, 1), "日本");
	md_free(d);
}

static void test_markdown_links_and_images(void **state)
{
	(void)state;
	struct md_doc *d = RENDER("see [the docs](https://x.org/d) or <https://a.b/> and ![a cat](c.png)\n", 80);
	assert_string_equal(text_of(d, 0),
	                    "see the docs (https://x.org/d) or https://a.b/ and [image: a cat] (c.png)");
	const struct md_run *r = run_at(d, 0, 4);
	assert_int_equal(r->flags, MD_LINK);
	assert_string_equal(md_url(d, r->link - 1), "https://x.org/d");
	assert_int_equal(flags_of(d, 0, "(https://x.org"), MD_URL);
	assert_int_equal(run_at(d, 0, 15)->link, r->link);
	assert_int_equal(flags_of(d, 0, "https://a.b/"), MD_LINK);
	assert_string_equal(md_url(d, flags_of(d, 0, "(c.png)") == MD_URL ? 2 : 99), "c.png");
	assert_null(md_url(d, 3));
	md_free(d);
}

static void test_markdown_lists(void **state)
{
	(void)state;
	struct md_doc *d = RENDER("- one\n- two\n  - deep\n\n3. three\n4. four\n\n- [ ] todo\n- [x] done\n", 40);
	assert_string_equal(text_of(d, 0), "• one");
	assert_int_equal(flags_of(d, 0, "•"), MD_MARKER);
	assert_int_equal(flags_of(d, 0, "one"), 0);
	assert_string_equal(text_of(d, 1), "• two");
	assert_string_equal(text_of(d, 2), "  ◦ deep");
	size_t i = find_line(d, "3. three");
	assert_string_equal(text_of(d, i + 1), "4. four");
	assert_int_equal(flags_of(d, i, "3."), MD_MARKER);
	i = find_line(d, "[ ] todo");
	assert_string_equal(text_of(d, i + 1), "[x] done");
	md_free(d);
	/* A long item wraps under its text, not under its bullet. */
	d = RENDER("- aaaa bbbb cccc dddd eeee\n", 20);
	assert_string_equal(text_of(d, 0), "• aaaa bbbb cccc");
	assert_string_equal(text_of(d, 1), "  dddd eeee");
	md_free(d);
}

static void test_markdown_quote_has_a_bar_per_line(void **state)
{
	(void)state;
	struct md_doc *d = RENDER("> aaaa bbbb cccc dddd eeee\n>\n> next\n", 20);
	assert_string_equal(text_of(d, 0), "│ aaaa bbbb cccc");
	assert_string_equal(text_of(d, 1), "│ dddd eeee");
	assert_string_equal(text_of(d, 2), "│");
	assert_string_equal(text_of(d, 3), "│ next");
	assert_true(flags_of(d, 3, "│") & MD_QUOTE);
	assert_true(flags_of(d, 3, "next") & MD_QUOTE);
	md_free(d);
}

static void test_markdown_code_block_label_indent_tabs_wrap(void **state)
{
	(void)state;
	struct md_doc *d = RENDER("text\n\n```python extra\nif x:\n\ty = 1\n0123456789012345678901234\n```\nafter\n", 20);
	size_t i = find_line(d, "python");
	assert_int_equal(flags_of(d, i, "python"), MD_LANG);
	assert_string_equal(text_of(d, i - 1), "");
	assert_string_equal(text_of(d, i + 1), "  if x:");
	assert_true(flags_of(d, i + 1, "if") & MD_BLOCK);
	assert_string_equal(text_of(d, i + 2), "      y = 1"); /* a tab to column 4 */
	assert_string_equal(text_of(d, i + 3), "  012345678901234567");
	assert_string_equal(text_of(d, i + 4), "  8901234");
	assert_string_equal(text_of(d, i + 5), "");
	assert_string_equal(text_of(d, i + 6), "after");
	size_t len;
	const char *src = md_code_block(d, 0, &len);
	assert_non_null(src);
	assert_int_equal(len, strlen("if x:\n\ty = 1\n0123456789012345678901234\n"));
	assert_memory_equal(src, "if x:\n\ty = 1\n", 13);
	assert_null(md_code_block(d, 1, NULL));
	md_free(d);
}

static void test_markdown_code_in_list_and_unclosed_fence(void **state)
{
	(void)state;
	struct md_doc *d = RENDER("- item\n\n  ```sh\n  ls -l\n  ```\n", 40);
	assert_string_equal(text_of(d, find_line(d, "  sh") + 1), "    ls -l");
	size_t len;
	assert_memory_equal(md_code_block(d, 0, &len), "ls -l\n", 6);
	md_free(d);
	/* A label wider than the line is cut to it (found by fuzz_markdown). */
	d = RENDER("```pythonpythonpythonpythonpythonpython\n\n", 20);
	assert_string_equal(text_of(d, 0), "pythonpythonpythonpy");
	assert_string_equal(text_of(d, 1), "  ");
	assert_sound(d, 20);
	md_free(d);
	d = RENDER("```\nopen\nno end", 40);
	assert_string_equal(text_of(d, 0), "  open");
	assert_string_equal(text_of(d, 1), "  no end");
	assert_int_equal(md_final(d), md_count(d));
	md_free(d);
}

static void test_markdown_table_aligned_in_box(void **state)
{
	(void)state;
	struct md_doc *d = RENDER("| a | bee |\n|:--|--:|\n| 1 | 22 |\n", 40);
	assert_string_equal(text_of(d, 0), "┌───┬─────┐");
	assert_string_equal(text_of(d, 1), "│ a │ bee │");
	assert_string_equal(text_of(d, 2), "├───┼─────┤");
	assert_string_equal(text_of(d, 3), "│ 1 │  22 │");
	assert_string_equal(text_of(d, 4), "└───┴─────┘");
	assert_int_equal(flags_of(d, 1, "a"), MD_TH);
	assert_int_equal(flags_of(d, 1, "│"), MD_RULE);
	md_free(d);
	/* Too wide: the widest column is capped, its cell wraps. */
	d = RENDER("| k | v |\n|---|---|\n| x | aaaa bbbb cccc dddd eeee |\n", 20);
	assert_string_equal(text_of(d, 3), "│ x │ aaaa bbbb    │");
	assert_string_equal(text_of(d, 4), "│   │ cccc dddd    │");
	assert_sound(d, 20);
	md_free(d);
	/* An empty column counts one column when the others are capped (found by
	 * fuzz_markdown: the table was one column too wide). */
	d = RENDER("| aaaa bbbb cccc dddd eeee ffff |\n|:--|--:|\n| x |\n", 20);
	assert_string_equal(text_of(d, 0), "┌──────────────┬───┐");
	assert_sound(d, 20);
	md_free(d);
}

static void test_markdown_rule_math_and_no_html(void **state)
{
	(void)state;
	struct md_doc *d = RENDER("***\n\n$x^2$ <b>raw</b> &amp; &#65;\n", 20);
	assert_string_equal(text_of(d, 0), "────────────────────");
	assert_int_equal(flags_of(d, 0, "─"), MD_RULE);
	assert_string_equal(text_of(d, 2), "$x^2$ <b>raw</b> & A");
	md_free(d);
}

/* ---- the streaming property ------------------------------------------------ */

static const char *const texts[] = {
    "# Title\n\nSome **bold** and *em* text that goes on for a while, wrapping.\n\n- a\n- b\n  - c\n- d\n\nend\n",
    "para one\nstill one\n\npara two\n# heading\nafter heading\n",
    "```c\nint main(void)\n{\n\treturn 0;\n}\n```\ntext\n```\nsecond\n",
    "1. one\n2. two\n\n   inner para\n3. three\n\n> quote\n> more\n>\n> - q list\n\nfin",
    "| h1 | h2 | h3 |\n|:---|:--:|---:|\n| a | b | c |\n| long cell text here | x | 日本語 |\n\nafter\n",
    "Setext\n======\n\nalso\n---\n\n***\n\n* * *\n- - -\n",
    "- [ ] task\n- [x] done\n* other\n+ plus\n10) ten\n11) eleven\n",
    "> ```py\n> def f():\n>     pass\n> ```\n\n    indented code\n\n    more\nnot code\n",
    "[ref]: http://x.org\n\nsee [ref] and [inline](http://y.org \"t\") www.z.org a@b.cd\n",
    "~~~\n~~~~ not end\n```\n~~~\n``` not a fence ``` x\n````\n````\n",
    "line with\ttab and trailing  \nhard break\\\nand more\n\n\n\n   \n\tindented\n",
    "# a\n## b\n### c\n#### d\n##### e\n###### f\n####### g\n",
    "- a\n\n- b\n\n\n- c\n  continued\nlazy\n- e\n",
    "![img](u.png) `code` **bold *nested em* bold** ~~x~~ <span>h</span> &copy; &#x1F600; \xe2\x80\x8d\n",
    "emoji 🙂👨\u200d👩\u200d👧 🇨🇭 e\xcc\x81 日本語日本語日本語日本語日本語日本語日本語日本語\n\n|a|\n|-|\n|🙂|\n",
    "```\nunclosed fence\nwith lines",
    "\n\n\n```\n\n```\n\n",
    "> > > deep\n> > still\n> back\n\nout\n",
    "text\n```js\nlet x = `a`;\n```\n- item\n```\ncode\n```\n",
    "1. a\n1. b\n1. c\n\n- x\n+ y\n- z\n",
};

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

struct snap {
	struct buf *v;
	size_t n, cap;
};

/* Streams s in random pieces at width, checking after every append that
 * md_final never decreases, final lines never change, lines are sound, and
 * (every `every` appends) the lines equal rendering the prefix whole; at
 * the end, that they equal rendering the whole text. */
static void stream_check(const char *s, size_t n, int width, uint64_t seed, size_t maxpiece,
                         size_t every)
{
	struct md_doc *d = md_new(width);
	struct snap sn = {0};
	struct buf cur;
	buf_init(&cur, 0);
	size_t at = 0, appends = 0;
	while (at < n) {
		size_t k = 1 + (size_t)(rng_next(&seed) % maxpiece);
		k = k > n - at ? n - at : k;
		md_append(d, s + at, k);
		at += k;
		assert_true(md_final(d) >= sn.n);
		assert_true(md_final(d) <= md_count(d));
		for (size_t i = 0; i < sn.n; i++) {
			serial(d, i, &cur);
			assert_string_equal(buf_str(&cur), buf_str(&sn.v[i]));
		}
		while (sn.n < md_final(d)) {
			if (sn.n == sn.cap) {
				sn.cap = sn.cap ? sn.cap * 2 : 16;
				sn.v = realloc(sn.v, sn.cap * sizeof *sn.v);
				assert_non_null(sn.v);
			}
			buf_init(&sn.v[sn.n], 0);
			serial(d, sn.n, &sn.v[sn.n]);
			sn.n++;
		}
		assert_sound(d, width);
		if (every > 0 && ++appends % every == 0) {
			struct md_doc *w = whole(s, at, width, false);
			assert_same(d, w);
			md_free(w);
		}
	}
	md_finish(d);
	assert_int_equal(md_final(d), md_count(d));
	struct md_doc *w = whole(s, n, width, true);
	assert_same(d, w);
	assert_sound(d, width);
	md_free(w);
	md_free(d);
	for (size_t i = 0; i < sn.n; i++)
		buf_done(&sn.v[i]);
	free(sn.v);
	buf_done(&cur);
}

static void test_markdown_streamed_equals_whole(void **state)
{
	(void)state;
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	for (size_t t = 0; t < sizeof texts / sizeof texts[0]; t++) {
		for (int it = 0; it < 25; it++) {
			int width = 20 + (int)(rng_next(&seed) % 60);
			size_t maxpiece = 1 + (size_t)(rng_next(&seed) % 12);
			stream_check(texts[t], strlen(texts[t]), width, rng_next(&seed) | 1, maxpiece, 1);
		}
	}
}

/* Random documents made of the pieces Markdown is made of. */
static void test_markdown_streamed_equals_whole_random_docs(void **state)
{
	(void)state;
	static const char *const bits[] = {
	    "# ", "## ", "- ", "* ", "1. ", "2) ", "> ", "```", "~~~", "\n", "\n\n", "    ", "\t",
	    "|", "|---|", ":-", "**", "*", "_", "`", "~~", "[", "](", ")", "<", ">", "http://a.b ",
	    "word ", "longerword ", "日本 ", "🙂", "\\", "---", "===", "- [ ] ", "&amp;", "!", " ",
	    "py\n", "x = 1\n", "\xff\xfe", "e\xcc\x81"};
	uint64_t seed = 12345;
	struct buf doc;
	buf_init(&doc, 0);
	for (int it = 0; it < 400; it++) {
		buf_reset(&doc);
		size_t nb = 1 + (size_t)(rng_next(&seed) % 80);
		for (size_t i = 0; i < nb; i++)
			buf_append_str(&doc, bits[rng_next(&seed) % (sizeof bits / sizeof bits[0])]);
		int width = 20 + (int)(rng_next(&seed) % 50);
		stream_check(doc.data, doc.len, width, rng_next(&seed) | 1, 1 + (size_t)(rng_next(&seed) % 9),
		             3);
	}
	buf_done(&doc);
}

/* Long one-line paragraphs (cut inside their line past 1 KiB): with words
 * of every kind, emphasis, code, a blank line now and then, a table and a
 * list among them, streamed in random pieces, equal to the whole. */
static void test_markdown_long_paragraphs_streamed_equal_whole(void **state)
{
	(void)state;
	static const char *const words[] = {
	    "alpha ", "beta ", "**bold** ", "*it* ", "`code` ", "日本語 ", "🙂 ", "- ", "1. ",
	    "# ", "|", "x|y ", "\n\n", "\n\nNext ", "\n", "word", "[a](b) ", "___ ", "Zeta "};
	uint64_t seed = 777;
	struct buf doc;
	buf_init(&doc, 0);
	for (int it = 0; it < 6; it++) {
		buf_reset(&doc);
		buf_append_str(&doc, it % 2 ? "Start " : "Some text\n\nLong ");
		while (doc.len < 9000 + (size_t)it * 1000) {
			unsigned r = (unsigned)(rng_next(&seed) % 100);
			/* Mostly plain words: a long paragraph is what this is about. */
			const char *w = r < 80 ? (r % 2 ? "lorem " : "ipsum ")
			                       : words[rng_next(&seed) % (sizeof words / sizeof words[0])];
			buf_append_str(&doc, w);
		}
		int width = 20 + (int)(rng_next(&seed) % 80);
		stream_check(doc.data, doc.len, width, rng_next(&seed) | 1,
		             1 + (size_t)(rng_next(&seed) % 40), 101);
	}
	buf_done(&doc);
}

/* A 60 000-byte one-line paragraph: each append costs what the first did
 * (a cut every 1 KiB), so it completes at once; and it is cut. */
static void test_markdown_long_line_is_cut(void **state)
{
	(void)state;
	struct md_doc *d = md_new(80);
	for (int i = 0; i < 10000; i++)
		md_append(d, i % 2 ? "lorem " : "ipsum ", 6);
	assert_true(md_final(d) > 0); /* lines before the last cut are final */
	assert_true(md_count(d) - md_final(d) < 80); /* the tail is about 1 KiB */
	md_finish(d);
	md_free(d);
}

static void test_markdown_set_width_equals_fresh_render(void **state)
{
	(void)state;
	for (size_t t = 0; t < sizeof texts / sizeof texts[0]; t++) {
		const char *s = texts[t];
		size_t n = strlen(s);
		for (int fin = 0; fin < 2; fin++) {
			struct md_doc *d = md_new(30);
			md_append(d, s, n / 2);
			md_append(d, s + n / 2, n - n / 2);
			if (fin)
				md_finish(d);
			md_set_width(d, 57);
			struct md_doc *w = whole(s, n, 57, fin);
			assert_same(d, w);
			md_free(w);
			md_set_width(d, 20);
			w = whole(s, n, 20, fin);
			assert_same(d, w);
			assert_sound(d, 20);
			md_free(w);
			md_free(d);
		}
	}
}

/* A code block: each complete line is final as soon as it is complete. */
static void test_markdown_code_lines_final_when_complete(void **state)
{
	(void)state;
	struct md_doc *d = md_new(40);
	md_append(d, "```c\n", 5);
	assert_int_equal(md_final(d), 1); /* the label */
	md_append(d, "int x;\nint y", 12);
	assert_int_equal(md_final(d), 2);
	assert_int_equal(md_count(d), 3);
	assert_string_equal(text_of(d, 2), "  int y");
	md_append(d, ";\n", 2);
	assert_int_equal(md_final(d), 3);
	md_free(d);
}

/* ---- bad input: bounded and no crash ---------------------------------------- */

static void feed_in_pieces(const char *s, size_t n, size_t piece, int width)
{
	struct md_doc *d = md_new(width);
	for (size_t at = 0; at < n; at += piece)
		md_append(d, s + at, piece < n - at ? piece : n - at);
	md_finish(d);
	assert_sound(d, width);
	md_free(d);
}

static void test_markdown_bad_input(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 0);
	/* A 10 000-column table. */
	for (int i = 0; i < 10000; i++)
		buf_append_str(&b, "|x");
	buf_append_str(&b, "|\n");
	for (int i = 0; i < 10000; i++)
		buf_append_str(&b, "|-");
	buf_append_str(&b, "|\n|1|2|\n");
	feed_in_pieces(b.data, b.len, 4096, 80);
	/* 1 000 nested lists and quotes. */
	buf_reset(&b);
	for (int i = 0; i < 1000; i++) {
		for (int k = 0; k < i; k++)
			buf_append_str(&b, "  ");
		buf_append_str(&b, "- item\n");
	}
	feed_in_pieces(b.data, b.len, 512, 40);
	buf_reset(&b);
	for (int i = 0; i < 1000; i++)
		buf_append_str(&b, "> ");
	buf_append_str(&b, "deep\n");
	feed_in_pieces(b.data, b.len, 100, 40);
	/* A 1 MiB line, as a paragraph and in code; invalid UTF-8. */
	buf_reset(&b);
	for (int i = 0; i < (1 << 20) / 8; i++)
		buf_append_str(&b, "abc def ");
	feed_in_pieces(b.data, b.len, 1 << 16, 80);
	buf_reset(&b);
	buf_append_str(&b, "```\n");
	for (int i = 0; i < (1 << 20) / 4; i++)
		buf_append_str(&b, "\xff\xc3x ");
	feed_in_pieces(b.data, b.len, 1 << 15, 80);
	/* Many short lines in one open block (a long table): the tail is cut. */
	buf_reset(&b);
	buf_append_str(&b, "|a|b|\n|-|-|\n");
	for (int i = 0; i < 20000; i++)
		buf_append_str(&b, "|1|2|\n");
	feed_in_pieces(b.data, b.len, 64, 40);
	buf_done(&b);
}

int main(void)
{
	if (setlocale(LC_ALL, "C.UTF-8") == NULL) {
		printf("skip: test_markdown needs the C.UTF-8 locale (setlocale failed)\n");
		return 0;
	}
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_markdown_heading_and_emphasis),
	    cmocka_unit_test(test_markdown_paragraph_wraps_at_words),
	    cmocka_unit_test(test_markdown_links_and_images),
	    cmocka_unit_test(test_markdown_lists),
	    cmocka_unit_test(test_markdown_quote_has_a_bar_per_line),
	    cmocka_unit_test(test_markdown_code_block_label_indent_tabs_wrap),
	    cmocka_unit_test(test_markdown_code_in_list_and_unclosed_fence),
	    cmocka_unit_test(test_markdown_table_aligned_in_box),
	    cmocka_unit_test(test_markdown_rule_math_and_no_html),
	    cmocka_unit_test(test_markdown_streamed_equals_whole),
	    cmocka_unit_test(test_markdown_streamed_equals_whole_random_docs),
	    cmocka_unit_test(test_markdown_long_paragraphs_streamed_equal_whole),
	    cmocka_unit_test(test_markdown_long_line_is_cut),
	    cmocka_unit_test(test_markdown_set_width_equals_fresh_render),
	    cmocka_unit_test(test_markdown_code_lines_final_when_complete),
	    cmocka_unit_test(test_markdown_bad_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
