/* SPDX-License-Identifier: GPL-3.0-or-later */
/* history_find: full-text search, and text made one line for a list
 * (titles, labels, search snippets). */
#include <stdlib.h>
#include <string.h>

#include "model/history.h"
#include "model/history_db.h"
#include "util/sanitize.h"
#include "util/utf8.h"
#include "util/width.h"

#define ELLIPSIS "\xE2\x80\xA6" /* … */

static bool blank(char c)
{
	return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* ---- one line ----------------------------------------------------------------- */

/* The longest prefix of the n bytes at s that fits in limit, cut only
 * between clusters (a hostile cluster longer than the room: between
 * characters). */
static size_t fit(const char *s, size_t n, size_t limit)
{
	size_t used = 0;
	while (used < n) {
		unsigned cols;
		size_t k = width_cluster(s + used, n - used, &cols);
		if (k == 0 || used + k > limit)
			break;
		used += k;
	}
	while (used == 0 && used < n) {
		size_t k;
		width_char(s + used, n - used, &k);
		if (k == 0 || used + k > limit)
			break;
		used += k;
	}
	return used;
}

void hdb_oneline(char *out, size_t cap, const char *s, size_t n)
{
	struct buf b;
	buf_init(&b, 0);
	sanitize_append(&b, s != NULL ? s : "", s != NULL ? n : 0);
	size_t w = 0;
	bool space = true; /* drops leading blanks */
	for (size_t i = 0; i < b.len; i++) {
		char c = b.data[i];
		if (blank(c)) {
			if (!space)
				b.data[w++] = ' ';
			space = true;
		} else {
			b.data[w++] = c;
			space = false;
		}
	}
	if (w > 0 && b.data[w - 1] == ' ')
		w--;
	if (w < cap) {
		memcpy(out, b.len > 0 ? b.data : "", w);
		out[w] = '\0';
		buf_done(&b);
		return;
	}
	size_t used = fit(b.data, w, cap - 1 - strlen(ELLIPSIS));
	while (used > 0 && b.data[used - 1] == ' ')
		used--;
	memcpy(out, b.data, used);
	memcpy(out + used, ELLIPSIS, strlen(ELLIPSIS) + 1);
	buf_done(&b);
}

/* ---- the query ---------------------------------------------------------------- */

/* Every blank-separated word of query as an FTS5 string ("..." with "
 * doubled) followed by *, joined by spaces: an implicit AND of words each
 * matched as a prefix (the string's last token is), so AND, NEAR, -, ^
 * and col: are words like any other. Returns how many. */
static size_t match_expr(const char *query, struct buf *out)
{
	size_t words = 0;
	const char *p = query;
	for (;;) {
		while (blank(*p))
			p++;
		if (*p == '\0')
			break;
		if (words++ > 0)
			buf_append_char(out, ' ');
		buf_append_char(out, '"');
		for (; *p != '\0' && !blank(*p); p++) {
			if (*p == '"')
				buf_append_char(out, '"');
			buf_append_char(out, *p);
		}
		buf_append_str(out, "\"*");
	}
	return words;
}

/* ---- the search --------------------------------------------------------------- */

/* The current row of ST_SEARCH into hit. 0, or -1 with the error set. */
static int read_hit(struct history *h, sqlite3_stmt *st, struct history_hit *hit)
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
	hdb_oneline(hit->snippet, sizeof(hit->snippet), t, len);
	return hdb_title(h, hit->conv, hit->title, sizeof(hit->title));
}

int history_find(struct history *h, const char *query, struct history_hit *out, int max)
{
	if (max <= 0 || query == NULL)
		return 0;
	/* Invalid UTF-8 in the query would only fail to match: repair it so
	 * SQLite is never handed malformed text. */
	struct buf q, expr;
	buf_init(&q, 0);
	buf_init(&expr, 0);
	utf8_repair(query, strlen(query), &q);
	if (match_expr(buf_str(&q), &expr) == 0) {
		buf_done(&q);
		buf_done(&expr);
		return 0;
	}
	sqlite3_stmt *st = h->st[ST_SEARCH];
	struct hdb_binder b = {st, 0, SQLITE_OK};
	hdb_str(&b, buf_str(&expr));
	hdb_int(&b, max);
	int n = 0, rc = b.rc;
	bool failed = false;
	while (rc == SQLITE_OK && n < max && !failed) {
		rc = sqlite3_step(st);
		if (rc != SQLITE_ROW)
			break;
		rc = SQLITE_OK;
		failed = read_hit(h, st, &out[n++]) < 0; /* its error is set */
	}
	if (!failed && rc != SQLITE_OK && rc != SQLITE_DONE) {
		hdb_set_err(h, "search failed", rc);
		failed = true;
	}
	hdb_done(st);
	buf_done(&q);
	buf_done(&expr);
	return failed ? -1 : n;
}
