/* SPDX-License-Identifier: GPL-3.0-or-later */
/* history_export: a conversation, every row, as Markdown or JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model/history.h"
#include "model/history_db.h"
#include "util/jsonesc.h"
#include "util/sanitize.h"
#include "util/units.h"
#include "util/utf8.h"

/* A row as the export reads it: the message, and where it stood. */
struct exported {
	const struct message *m;
	long long id, grp, col, created;
	bool first; /* the first message (JSON: no comma before it) */
	const struct buf *att; /* its files, in the export's form ("": none) */
};

/* Where the rows go: the sink, through a buffer that is handed over once
 * a row is built, and whenever it passes SPILL bytes on the way (a long
 * reply is written in pieces, never whole a second time). */
struct stream {
	history_sink sink;
	void *ctx;
	bool stopped; /* the sink said stop */
};

#define SPILL 65536

/* b to the sink, emptied; false once the sink has said stop. */
static bool flush(struct stream *s, struct buf *b)
{
	if (!s->stopped && b->len > 0 && s->sink(s->ctx, b->data, b->len) < 0)
		s->stopped = true;
	buf_reset(b);
	return !s->stopped;
}

/* b to the sink once it holds SPILL bytes (s NULL: kept). */
static void spill(struct stream *s, struct buf *b)
{
	if (s != NULL && b->len >= SPILL)
		flush(s, b);
}

/* ---- JSON --------------------------------------------------------------------- */

/* The n bytes at p as a JSON string, invalid UTF-8 repaired, written in
 * pieces through s (NULL: into out whole). */
static void json_text(struct stream *s, struct buf *out, const char *p, size_t n)
{
	struct buf r;
	buf_init(&r, 0);
	if (!utf8_valid(p, n)) {
		utf8_repair(p, n, &r);
		p = buf_str(&r);
		n = r.len;
	}
	buf_append_char(out, '"');
	while (n > 0) {
		size_t k = utf8_cut(p, n, SPILL);
		if (k == 0)
			k = n; /* cannot happen on valid UTF-8 */
		jsonesc_body(out, p, k);
		spill(s, out);
		p += k;
		n -= k;
	}
	buf_append_char(out, '"');
	buf_done(&r);
}

static void json_str(struct buf *out, const char *p, size_t n)
{
	json_text(NULL, out, p, n);
}

static void json_cstr(struct buf *out, const char *s)
{
	json_str(out, s, strlen(s));
}

static void json_row(struct stream *s, struct buf *out, const struct exported *e)
{
	const struct message *m = e->m;
	/* The raw text is what was sent or received; a row that never had one
	 * (raw empty, text not) falls back on the text. */
	const struct buf *raw = m->raw.len == 0 && m->text.len > 0 ? &m->text : &m->raw;
	buf_printf(out, "%s{\"id\":%lld,\"role\":\"%s\",\"label\":", e->first ? "" : ",", e->id,
	           m->kind == MSG_USER ? "user" : "assistant");
	json_cstr(out, m->label);
	buf_append_str(out, ",\"provider\":");
	json_cstr(out, m->metrics.provider);
	buf_append_str(out, ",\"model\":");
	json_cstr(out, m->metrics.model);
	buf_append_str(out, ",\"text\":");
	json_text(s, out, buf_str(raw), raw->len);
	buf_append_str(out, ",\"thinking\":");
	json_text(s, out, buf_str(&m->thinking), m->thinking.len);
	buf_append_str(out, ",\"sources\":[");
	for (size_t i = 0; i < m->sources.n; i++) {
		buf_append_str(out, i > 0 ? ",{\"url\":" : "{\"url\":");
		json_cstr(out, m->sources.v[i].url);
		buf_append_str(out, ",\"title\":");
		json_cstr(out, m->sources.v[i].title);
		buf_append_char(out, '}');
	}
	buf_append_char(out, ']');
	buf_printf(out, ",\"interrupted\":%s,\"stop\":", m->interrupted ? "true" : "false");
	json_cstr(out, m->metrics.stop);
	buf_printf(out, ",\"created\":%lld,\"group\":%lld,\"column\":%lld,\"metrics\":", e->created,
	           e->grp, e->col);
	hdb_json_metrics(out, m);
	if (e->att->len > 0) {
		buf_append_str(out, ",\"attachments\":");
		buf_append(out, e->att->data, e->att->len);
	}
	buf_append_char(out, '}');
}

/* ---- Markdown ----------------------------------------------------------------- */

/* Unix seconds as "2025-01-31 12:00:00 UTC" (a format, not the clock). */
static void format_time(long long t, char *out, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (gmtime_r(&tt, &tm) == NULL || strftime(out, n, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(out, n, "%lld", t);
}

/* One figure of md_figures: "what value" (what may be "", after: a word
 * after the value), " · " before all but the first. */
static void figure(struct buf *f, const char *what, const char *value, const char *after)
{
	buf_printf(f, "%s%s%s%s%s", f->len > 0 ? " · " : "", what, what[0] != '\0' ? " " : "",
	           value, after);
}

/* A reply's times and rates, each through util/units. */
static void md_times(struct buf *f, const struct reply_metrics *r)
{
	const struct {
		const char *what;
		long long ms;
	} times[] = {
	    {"TTFB", r->ttfb},   {"TTFT", r->ttft},           {"TTFO", r->ttfo},
	    {"total", r->total}, {"longest gap", r->max_gap},
	};
	char v[UNITS_MAX];
	for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		if (times[i].ms >= 0) {
			units_ms(times[i].ms, v, sizeof(v));
			figure(f, times[i].what, v, "");
		}
	}
	if (r->tps >= 0) {
		units_tps(r->tps, r->tps_estimated, v, sizeof(v));
		figure(f, "", v, "");
	}
}

/* A reply's figures on one Markdown line; nothing when it has none. */
static void md_figures(struct buf *out, const struct message *m)
{
	struct buf f;
	buf_init(&f, 0);
	const struct reply_metrics *r = &m->metrics;
	char v[UNITS_MAX];
	if (m->has_metrics) {
		figure(&f, "", hdb_outcome_name(r->outcome), "");
		md_times(&f, r);
		units_tokens(r->tokens_in, r->in_estimated, v, sizeof(v));
		if (r->tokens_in >= 0)
			figure(&f, "", v, " in");
		units_tokens(r->tokens_out, r->out_estimated, v, sizeof(v));
		if (r->tokens_out >= 0)
			figure(&f, "", v, " out");
		units_tokens(r->tokens_thinking, r->thinking_estimated, v, sizeof(v));
		if (r->tokens_thinking > 0)
			figure(&f, "", v, " thinking");
		units_cost(r->cost, r->cost_estimated, v, sizeof(v));
		if (r->cost >= 0)
			figure(&f, "", v, "");
		if (r->stop[0] != '\0')
			figure(&f, "stop", r->stop, "");
	} else if (m->meta[0] != '\0') {
		figure(&f, "", m->meta, "");
	}
	if (f.len > 0) {
		char line[1024];
		hdb_oneline(line, sizeof(line), f.data, f.len);
		buf_printf(out, "*%s*\n\n", line);
	}
	buf_done(&f);
}

/* Text under a heading: the sanitised text, since a Markdown file is
 * often read with cat; ends with one blank line. */
static void md_text(struct stream *st, struct buf *out, const char *s, size_t n,
                    const char *prefix)
{
	size_t start = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '\n')
			continue;
		buf_append_str(out, prefix);
		for (size_t at = start; at < i; at += SPILL) { /* a long line in pieces */
			buf_append(out, s + at, i - at < SPILL ? i - at : SPILL);
			spill(st, out);
		}
		buf_append_char(out, '\n');
		start = i + 1;
	}
	buf_append_char(out, '\n');
}

static void md_row(struct stream *st, struct buf *out, const struct exported *e)
{
	const struct message *m = e->m;
	char label[64], when[40];
	hdb_oneline(label, sizeof(label), m->label, strlen(m->label));
	if (label[0] == '\0')
		snprintf(label, sizeof(label), "%s", m->kind == MSG_USER ? "you" : "assistant");
	format_time(e->created, when, sizeof(when));
	buf_printf(out, "## %s · %s", label, when);
	if (e->col > 0)
		buf_printf(out, " · compare %lld, column %lld", e->grp, e->col);
	else if (e->grp > 0)
		buf_printf(out, " · from compare %lld", e->grp);
	if (m->interrupted)
		buf_append_str(out, " · interrupted");
	buf_append_str(out, "\n\n");
	md_figures(out, m);
	if (m->thinking.len > 0) {
		buf_append_str(out, "> **thinking**\n>\n");
		md_text(st, out, m->thinking.data, m->thinking.len, "> ");
	}
	md_text(st, out, buf_str(&m->text), m->text.len, "");
	if (e->att->len > 0) {
		buf_append(out, e->att->data, e->att->len);
		buf_append_char(out, '\n');
	}
	if (m->sources.n > 0) { /* "Sources:", then "1. [title](url)" each */
		struct buf src;
		buf_init(&src, 0);
		sources_format(&m->sources, SOURCES_MARKDOWN, &src);
		buf_append(out, src.data, src.len);
		buf_append_char(out, '\n');
		buf_done(&src);
	}
}

/* Row id's files, no content, into out as the export shows them: JSON
 * [{"name","type","size","sha256"}, ...], or a Markdown line each
 * ("- attached: notes.txt (text/plain, 12 bytes)"); nothing when it has
 * none or the file is older than schema 5. SQLITE_DONE, or the code. */
static int attachments_of(struct history *h, long long id, enum history_format fmt,
                          struct buf *out)
{
	buf_reset(out);
	sqlite3_stmt *st = h->st[ST_ATTACH_META];
	if (st == NULL)
		return SQLITE_DONE;
	sqlite3_bind_int64(st, 1, id);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		long long size = sqlite3_column_int64(st, 2);
		if (fmt == HISTORY_MD) {
			char v[UNITS_MAX], name[200];
			const char *n = hdb_col_str(st, 0);
			hdb_oneline(name, sizeof(name), n, strlen(n));
			units_bytes(size < 0 ? 0 : (unsigned long long)size, v, sizeof(v));
			buf_printf(out, "- attached: %s (%s, %s)\n", name, hdb_col_str(st, 1), v);
			continue;
		}
		buf_append_str(out, out->len == 0 ? "[{\"name\":" : ",{\"name\":");
		json_cstr(out, hdb_col_str(st, 0));
		buf_append_str(out, ",\"type\":");
		json_cstr(out, hdb_col_str(st, 1));
		buf_printf(out, ",\"size\":%lld,\"sha256\":", size);
		json_cstr(out, hdb_col_str(st, 3));
		buf_append_char(out, '}');
	}
	if (fmt == HISTORY_JSON && out->len > 0)
		buf_append_char(out, ']');
	hdb_done(st);
	return rc;
}

/* ---- the whole ---------------------------------------------------------------- */

static void head(struct buf *b, long long conv, enum history_format fmt, const char *title,
                 const char *system, long long created, long long updated)
{
	if (fmt == HISTORY_JSON) {
		buf_printf(b, "{\"id\":%lld,\"title\":", conv);
		json_cstr(b, title);
		buf_printf(b, ",\"created\":%lld,\"updated\":%lld,\"system\":", created, updated);
		if (system != NULL)
			json_cstr(b, system);
		else
			buf_append_str(b, "null");
		buf_append_str(b, ",\"messages\":[");
		return;
	}
	char c[40], u[40];
	format_time(created, c, sizeof(c));
	format_time(updated, u, sizeof(u));
	buf_printf(b, "# %s\n\n*conversation %lld · started %s · updated %s*\n\n",
	           title[0] != '\0' ? title : "(untitled)", conv, c, u);
	if (system != NULL && *system != '\0') {
		struct buf s;
		buf_init(&s, 0);
		sanitize_append(&s, system, strlen(system));
		buf_append_str(b, "## system\n\n");
		md_text(NULL, b, buf_str(&s), s.len, "");
		buf_done(&s);
	}
}

/* Every row of conv to s, through b (one row at a time). SQLITE_DONE, or
 * the failing code (SQLITE_ABORT: the sink stopped). */
static int rows(struct history *h, long long conv, enum history_format fmt, struct buf *b,
                struct stream *s)
{
	struct conversation scratch; /* one message, read again for each row */
	conv_init(&scratch);
	struct message *m = conv_add(&scratch, MSG_USER, "", NULL);
	struct buf att;
	buf_init(&att, 0);
	sqlite3_stmt *st = h->st[ST_ROWS];
	sqlite3_bind_int64(st, 1, conv);
	int rc;
	bool first = true;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		bool user = strcmp(hdb_col_str(st, R_ROLE), "user") == 0;
		m->kind = user ? MSG_USER : MSG_ASSISTANT;
		hdb_read_message(st, m);
		rc = hdb_read_parts(h, sqlite3_column_int64(st, R_ID), m);
		if (rc == SQLITE_DONE)
			rc = attachments_of(h, sqlite3_column_int64(st, R_ID), fmt, &att);
		if (rc == SQLITE_DONE)
			rc = hdb_read_sources(h, sqlite3_column_int64(st, R_ID), m);
		if (rc != SQLITE_DONE)
			break;
		struct exported e = {m,
		                     sqlite3_column_int64(st, R_ID),
		                     sqlite3_column_int64(st, R_GRP),
		                     sqlite3_column_int64(st, R_COL),
		                     sqlite3_column_int64(st, R_CREATED),
		                     first,
		                     &att};
		if (fmt == HISTORY_JSON)
			json_row(s, b, &e);
		else
			md_row(s, b, &e);
		first = false;
		/* The row's copies go before the next row is read. */
		buf_reset(&m->text);
		buf_reset(&m->raw);
		buf_reset(&m->thinking);
		sources_done(&m->sources);
		if (!flush(s, b)) {
			rc = SQLITE_ABORT;
			break;
		}
	}
	hdb_done(st);
	conv_done(&scratch);
	buf_done(&att);
	return rc;
}

int history_export_to(struct history *h, long long conv, enum history_format fmt,
                      history_sink sink, void *ctx)
{
	char *system = NULL, title[80];
	long long created = 0, updated = 0;
	if (hdb_conv_row(h, conv, &system, &created, &updated) <= 0)
		return -1;
	if (hdb_title(h, conv, title, sizeof(title)) < 0) {
		free(system);
		return -1;
	}
	struct stream s = {sink, ctx, false};
	struct buf b;
	buf_init(&b, 0);
	head(&b, conv, fmt, title, system, created, updated);
	free(system);
	int rc = flush(&s, &b) ? rows(h, conv, fmt, &b, &s) : SQLITE_ABORT;
	if (rc == SQLITE_DONE && fmt == HISTORY_JSON) {
		buf_append_str(&b, "]}\n");
		if (!flush(&s, &b))
			rc = SQLITE_ABORT;
	}
	buf_done(&b);
	if (rc == SQLITE_ABORT && s.stopped) {
		hdb_set_msg(h, "cannot write the export");
		return -1;
	}
	if (rc != SQLITE_DONE) {
		hdb_set_err(h, "cannot export a conversation", rc);
		return -1;
	}
	return 0;
}

/* history_export's sink: into a scratch buffer, whole. */
static int to_buf(void *ctx, const char *p, size_t n)
{
	return buf_append(ctx, p, n) < 0 ? -1 : 0;
}

int history_export(struct history *h, long long conv, enum history_format fmt, struct buf *out)
{
	/* Built whole, then appended once: out's cap either takes all or none. */
	struct buf b;
	buf_init(&b, 0);
	int rc = history_export_to(h, conv, fmt, to_buf, &b);
	if (rc == 0 && buf_append(out, buf_str(&b), b.len) < 0) {
		hdb_set_msg(h, "the export does not fit its buffer");
		rc = -1;
	}
	buf_done(&b);
	return rc;
}
