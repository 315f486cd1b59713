/* SPDX-License-Identifier: GPL-3.0-or-later */
/* history_find: full-text search, and text made one line for a list
 * (titles, labels, search snippets with their matches marked). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/history.h"
#include "model/history_db.h"
#include "util/glyphs.h"
#include "util/mem.h"
#include "util/sanitize.h"
#include "util/utf8.h"
#include "util/width.h"

/* What snippet() puts around a match and where it cut the text (see
 * ST_SEARCH): bytes sanitised text never holds. */
#define MARK_OPEN  '\x01'
#define MARK_CLOSE '\x02'
#define MARK_CUT   '\x03'

/* A match in a snippet: bytes [start, end) of its text. */
struct span {
	size_t start, end;
};

/* Text on one line with its matches: what hdb_oneline and a snippet share. */
struct marked {
	struct buf text;
	struct span *spans;
	size_t n;
};

static bool blank(char c)
{
	return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* ---- one line ----------------------------------------------------------------- */

/* Each run of blanks in t one space, trimmed, the spans moved with their
 * text (a span never starts or ends inside a run: it holds a word). */
static void squeeze(struct marked *t)
{
	size_t w = 0, s = 0, e = 0;
	bool space = true; /* drops leading blanks */
	for (size_t i = 0; i <= t->text.len; i++) {
		for (; s < t->n && t->spans[s].start == i; s++)
			t->spans[s].start = w;
		for (; e < t->n && t->spans[e].end == i; e++)
			t->spans[e].end = w;
		if (i == t->text.len)
			break;
		char c = t->text.data[i];
		if (blank(c)) {
			if (!space)
				t->text.data[w++] = ' ';
			space = true;
		} else {
			t->text.data[w++] = c;
			space = false;
		}
	}
	if (w > 0 && t->text.data[w - 1] == ' ')
		w--;
	for (size_t k = 0; k < t->n; k++) {
		if (t->spans[k].start > w)
			t->spans[k].start = w;
		if (t->spans[k].end > w)
			t->spans[k].end = w;
	}
	t->text.len = w;
}

/* A line with its marks: at[] the places of the "[" "]" pairs, in order. */
struct line {
	const char *s;
	size_t len;
	const size_t *at;
	size_t nm;
};

/* True when a cut at byte p of the line falls inside a match: after its
 * "[", up to its "]". */
static bool inside(const struct line *l, size_t p)
{
	for (size_t j = 0; j + 1 < l->nm; j += 2)
		if (p > l->at[j] && p <= l->at[j + 1])
			return true;
	return false;
}

/* Where to cut the line to fit in limit bytes: between clusters (chars:
 * between characters, for a hostile cluster longer than the room), never
 * inside a match, unless the line starts with a match that does not fit:
 * then inside it after a character of it, *close set (it needs its "]").
 * 0: nowhere. */
static size_t cut_at(const struct line *l, size_t limit, bool chars, bool *close)
{
	size_t p = 0, best = 0, inner = 0;
	while (p < l->len) {
		unsigned cols;
		size_t k;
		if (chars)
			width_char(l->s + p, l->len - p, &k);
		else
			k = width_cluster(l->s + p, l->len - p, &cols);
		if (k == 0 || p + k > limit)
			break;
		p += k;
		if (!inside(l, p))
			best = p;
		else if (best == 0 && p > 1 && p < limit)
			inner = p;
	}
	*close = best == 0 && inner > 0;
	return *close ? inner : best;
}

/* Where the line should start so that its first match shows in room
 * bytes: 0, or (the match is too far in) the word before it, or the
 * match itself. */
static size_t first_shown(const struct line *l, size_t room)
{
	if (l->nm < 2 || l->len <= room || l->at[1] < room * 2 / 3)
		return 0;
	size_t k = l->at[0];
	while (k > 0 && l->s[k - 1] == ' ')
		k--;
	for (; k > 0 && l->at[0] - k < room / 3; k--)
		if (l->s[k - 1] == ' ')
			return k;
	return l->at[0];
}

/* The line into out (cap bytes), cut with an ellipsis when it does not
 * fit (at the front too, when its first match would not show). */
static void fit_line(struct line *l, char *out, size_t cap)
{
	const char *dots = glyph->ellipsis;
	size_t nd = strlen(dots), w = 0, room = cap - 1;
	size_t from = first_shown(l, room);
	size_t *at = xcalloc(l->nm + 1, sizeof(*at));
	for (size_t j = 0; j < l->nm; j++)
		at[j] = l->at[j] - from;
	struct line rest = {l->s + from, l->len - from, at, l->nm};
	if (from > 0) {
		memcpy(out, dots, nd);
		w = nd;
		room -= nd;
	}
	size_t n = rest.len;
	bool close = false, cut = n > room;
	if (cut) {
		n = cut_at(&rest, room - nd, false, &close);
		if (n == 0)
			n = cut_at(&rest, room - nd, true, &close);
		while (!close && n > 0 && rest.s[n - 1] == ' ')
			n--;
	}
	memcpy(out + w, n > 0 ? rest.s : "", n);
	w += n;
	if (close)
		out[w++] = ']';
	if (cut) {
		memcpy(out + w, dots, nd);
		w += nd;
	}
	out[w] = '\0';
	free(at);
}

/* t as one line into out (cap bytes), "[" and "]" around each match, cut
 * with an ellipsis when it does not fit. */
static void emit(const struct marked *t, char *out, size_t cap)
{
	struct buf b;
	buf_init(&b, 0);
	size_t *at = xcalloc(2 * t->n + 1, sizeof(*at));
	size_t nm = 0, s = 0;
	for (size_t i = 0; i <= t->text.len; i++) {
		if (nm % 2 == 1 && t->spans[s].end == i) {
			at[nm++] = b.len;
			buf_append_char(&b, ']');
			s++;
		}
		while (nm % 2 == 0 && s < t->n && t->spans[s].end <= i)
			s++; /* empty */
		if (nm % 2 == 0 && s < t->n && t->spans[s].start == i) {
			at[nm++] = b.len;
			buf_append_char(&b, '[');
		}
		if (i < t->text.len)
			buf_append_char(&b, t->text.data[i]);
	}
	struct line l = {b.len > 0 ? b.data : "", b.len, at, nm};
	fit_line(&l, out, cap);
	free(at);
	buf_done(&b);
}

void hdb_oneline(char *out, size_t cap, const char *s, size_t n)
{
	struct marked t = {.spans = NULL, .n = 0};
	buf_init(&t.text, 0);
	sanitize_append(&t.text, s != NULL ? s : "", s != NULL ? n : 0);
	squeeze(&t);
	emit(&t, out, cap);
	buf_done(&t.text);
}

/* ---- the query ---------------------------------------------------------------- */

/* True when words a and b (na, nb bytes) are the same word for the
 * index: equal but for ASCII case (the tokenizer folds the rest too, but
 * a repeat is what costs, and a repeat is byte for byte). */
static bool same_word(const char *a, size_t na, const char *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
		if (x >= 'A' && x <= 'Z')
			x = (unsigned char)(x | 0x20);
		if (y >= 'A' && y <= 'Z')
			y = (unsigned char)(y | 0x20);
		if (x != y)
			return false;
	}
	return true;
}

/* The distinct blank-separated words of query (a repeat is dropped: it
 * matches nothing more), joined by one space, into out. Returns how many
 * (it stops counting past HISTORY_FIND_WORDS + 1: the caller refuses). */
static size_t distinct_words(const char *query, struct buf *out)
{
	size_t words = 0;
	const char *p = query;
	for (;;) {
		while (blank(*p))
			p++;
		if (*p == '\0' || words > HISTORY_FIND_WORDS)
			break;
		const char *w = p;
		while (*p != '\0' && !blank(*p))
			p++;
		size_t n = (size_t)(p - w);
		bool seen = false;
		for (size_t at = 0; at < out->len && !seen;) {
			size_t k = strcspn(out->data + at, " ");
			seen = same_word(out->data + at, k, w, n);
			at += k + 1;
		}
		if (seen)
			continue;
		if (words++ > 0)
			buf_append_char(out, ' ');
		buf_append(out, w, n);
	}
	return words;
}

/* Every word of words (distinct_words': one space between) as an FTS5
 * string ("..." with " doubled) followed by *, joined by spaces: an
 * implicit AND of words each matched as a prefix (the string's last token
 * is), so AND, NEAR, -, ^ and col: are words like any other. */
static void match_expr(const char *words, struct buf *out)
{
	const char *p = words;
	while (*p != '\0') {
		if (p != words)
			buf_append_char(out, ' ');
		buf_append_char(out, '"');
		for (; *p != '\0' && *p != ' '; p++) {
			if (*p == '"')
				buf_append_char(out, '"');
			buf_append_char(out, *p);
		}
		buf_append_str(out, "\"*");
		if (*p == ' ')
			p++;
	}
}

/* ---- the snippet -------------------------------------------------------------- */

/* What a word of the query has around its first and last letters or
 * digits: "(" and ")" of "(f(x))". FTS5 marks a match from its first
 * token to its last, so these are outside its marks. Only ASCII
 * punctuation counts: every other byte belongs to a token. */
static size_t edge(const char *w, size_t n, bool tail)
{
	size_t k = 0;
	while (k < n) {
		unsigned char c = (unsigned char)w[tail ? n - 1 - k : k];
		bool alnum = (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
		if (c >= 0x80 || alnum)
			break;
		k++;
	}
	return k;
}

/* Widens a match to the whole word of the query it is: the punctuation
 * the word has before or after it, where the text has the same. */
static void widen(struct span *sp, const struct buf *text, const char *query)
{
	const char *p = query;
	size_t head = 0, tail = 0;
	while (*p != '\0') {
		while (blank(*p))
			p++;
		const char *w = p;
		while (*p != '\0' && !blank(*p))
			p++;
		size_t n = (size_t)(p - w), h = edge(w, n, false), t = edge(w, n, true);
		if (h == n)
			continue; /* no letter at all: matches nothing */
		if (h > head && h <= sp->start && memcmp(text->data + sp->start - h, w, h) == 0)
			head = h;
		if (t > tail && sp->end + t <= text->len &&
		    memcmp(text->data + sp->end, w + n - t, t) == 0)
			tail = t;
	}
	sp->start -= head;
	sp->end += tail;
}

/* snippet() output into t: each piece between marks sanitised on its
 * own (so the marks are not made visible), a match's bytes recorded as a
 * span, a cut shown as an ellipsis. */
static void parse_snippet(struct marked *t, const char *s, size_t n)
{
	size_t cap = 0, piece = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != MARK_OPEN && s[i] != MARK_CLOSE && s[i] != MARK_CUT)
			continue;
		sanitize_append(&t->text, s + piece, i - piece);
		piece = i + 1;
		if (i == n)
			break;
		if (s[i] == MARK_CUT) {
			buf_append_str(&t->text, glyph->ellipsis);
		} else if (s[i] == MARK_OPEN) {
			if (t->n == cap) {
				cap = cap ? cap * 2 : 4;
				t->spans = xrealloc(t->spans, cap * sizeof(*t->spans));
			}
			t->spans[t->n++] = (struct span){t->text.len, t->text.len};
		} else if (t->n > 0) {
			t->spans[t->n - 1].end = t->text.len;
		}
	}
}

/* The snippet as shown: one line, the query's words marked [ ]. */
static void snippet(char *out, size_t cap, const char *s, size_t n, const char *query)
{
	struct marked t = {.spans = NULL, .n = 0};
	buf_init(&t.text, 0);
	parse_snippet(&t, s, n);
	for (size_t k = 0; k < t.n; k++)
		widen(&t.spans[k], &t.text, query);
	/* Widened, two matches may touch or overlap: one mark around both. */
	size_t w = 0;
	for (size_t k = 0; k < t.n; k++) {
		if (w > 0 && t.spans[k].start <= t.spans[w - 1].end) {
			if (t.spans[k].end > t.spans[w - 1].end)
				t.spans[w - 1].end = t.spans[k].end;
		} else {
			t.spans[w++] = t.spans[k];
		}
	}
	t.n = w;
	squeeze(&t);
	emit(&t, out, cap);
	free(t.spans);
	buf_done(&t.text);
}

/* ---- the search --------------------------------------------------------------- */

/* The current row of ST_SEARCH into hit. 0, or -1 with the error set. */
static int read_hit(struct history *h, sqlite3_stmt *st, const char *query, struct history_hit *hit)
{
	memset(hit, 0, sizeof(*hit));
	hit->message = sqlite3_column_int64(st, 0);
	hit->conv = sqlite3_column_int64(st, 1);
	hit->when = sqlite3_column_int64(st, 2);
	bool user = strcmp(hdb_col_str(st, 3), "user") == 0;
	const char *label = hdb_col_str(st, 4);
	if (*label == '\0')
		label = user ? "you" : hdb_col_str(st, 5);
	hdb_oneline(hit->label, sizeof(hit->label), label, strlen(label));
	size_t len;
	const char *t = hdb_col_bytes(st, 6, &len);
	snippet(hit->snippet, sizeof(hit->snippet), t, len, query);
	return hdb_title(h, hit->conv, hit->title, sizeof(hit->title));
}

/* The query as searched: valid UTF-8 (invalid bytes would only fail to
 * match: repaired so SQLite is never handed malformed text), each word
 * once, into words; its FTS5 expression into expr. How many words. */
static size_t prepare_query(const char *query, struct buf *words, struct buf *expr)
{
	struct buf q;
	buf_init(&q, 0);
	utf8_repair(query, strlen(query), &q);
	size_t n = distinct_words(buf_str(&q), words);
	buf_done(&q);
	if (n > 0 && n <= HISTORY_FIND_WORDS)
		match_expr(buf_str(words), expr);
	return n;
}

int history_find(struct history *h, const char *query, struct history_hit *out, int max)
{
	if (max <= 0 || query == NULL)
		return 0;
	struct buf q, expr;
	buf_init(&q, 0);
	buf_init(&expr, 0);
	size_t words = prepare_query(query, &q, &expr);
	if (words == 0 || words > HISTORY_FIND_WORDS) {
		if (words > 0)
			snprintf(h->err, sizeof(h->err),
			         "a search takes at most %d different words; leave some out",
			         HISTORY_FIND_WORDS);
		buf_done(&q);
		buf_done(&expr);
		return words == 0 ? 0 : -1;
	}
	sqlite3_stmt *st = h->st[ST_SEARCH];
	struct hdb_binder b = {st, 0, SQLITE_OK, false};
	hdb_str(&b, buf_str(&expr));
	hdb_int(&b, max);
	int n = 0, rc = b.rc;
	bool failed = false;
	while (rc == SQLITE_OK && n < max && !failed) {
		rc = sqlite3_step(st);
		if (rc != SQLITE_ROW)
			break;
		rc = SQLITE_OK;
		failed = read_hit(h, st, buf_str(&q), &out[n++]) < 0; /* its error is set */
	}
	if (!failed && rc != SQLITE_OK && rc != SQLITE_DONE) {
		/* The caller says "search failed"; this says what did. */
		hdb_set_err(h, "cannot read the search index", rc);
		failed = true;
	}
	hdb_done(st);
	buf_done(&q);
	buf_done(&expr);
	return failed ? -1 : n;
}
