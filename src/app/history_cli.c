/* SPDX-License-Identifier: GPL-3.0-or-later */
/* history_cli: the history from the command line (circuit --search, --export,
 * --sessions, --last). */
#include "app/history_cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/output.h"
#include "model/history.h"
#include "util/buf.h"
#include "util/jsonesc.h"
#include "util/mem.h"
#include "util/units.h"
#include "util/width.h"

#define HITS_MAX 50

static struct history *open_or_say(const char *path)
{
	char buf[1024], err[512];
	const char *p = path ? path : history_default_path(buf, sizeof(buf));
	if (p == NULL) {
		fputs("circuit: neither XDG_DATA_HOME nor HOME says where the history is\n", stderr);
		return NULL;
	}
	struct history *h = history_open_readonly(p, err, sizeof(err)); /* reads only */
	if (h == NULL)
		fprintf(stderr, "circuit: %s\n", err);
	return h;
}

int history_cli_search(const char *path, const char *query)
{
	struct history *h = open_or_say(path);
	if (h == NULL)
		return 1;
	struct history_hit hits[HITS_MAX];
	int n = history_find(h, query, hits, HITS_MAX);
	if (n < 0) {
		fprintf(stderr, "circuit: search failed: %s\n", history_error(h));
		history_close(h);
		return 1;
	}
	if (n == 0) /* as grep: nothing found is status 1 */
		fprintf(stderr, "circuit: no message contains every word of \"%s\"\n", query);
	for (int i = 0; i < n; i++) {
		char date[32];
		units_date(hits[i].when, date, sizeof(date));
		printf("%lld\t%s\t%s: %s\n", hits[i].conv, date, hits[i].label, hits[i].snippet);
		output_note(stdout);
	}
	history_close(h);
	int out = output_status();
	return out != 0 ? out : n > 0 ? 0 : 1;
}

/* The export's sink: standard output, as it is built; a write error stops
 * the export (output.c says which at the end). */
static int to_stdout(void *ctx, const char *p, size_t n)
{
	(void)ctx;
	fwrite(p, 1, n, stdout);
	return output_note(stdout) != 0 ? -1 : 0;
}

int history_cli_export(const char *path, long long id, const char *format)
{
	enum history_format f;
	if (strcmp(format, "md") == 0) {
		f = HISTORY_MD;
	} else if (strcmp(format, "json") == 0) {
		f = HISTORY_JSON;
	} else {
		fprintf(stderr, "circuit: --format is md or json, not '%s'\n", format);
		return 2;
	}
	struct history *h = open_or_say(path);
	if (h == NULL)
		return 1;
	if (id == 0)
		id = history_last(h);
	if (id <= 0) {
		fprintf(stderr, "circuit: %s\n", id == 0 ? "the history has no conversation yet; "
		                                           "nothing to export"
		                                         : history_error(h));
		history_close(h);
		return 1;
	}
	int rc = 0;
	if (history_export_to(h, id, f, to_stdout, NULL) < 0 && output_error() == 0) {
		fprintf(stderr, "circuit: cannot export conversation %lld: %s\n", id, history_error(h));
		rc = 1;
	} else {
		output_flush(stdout);
		rc = output_status();
	}
	history_close(h);
	return rc;
}

/* ---- --sessions ------------------------------------------------------------- */

#define SESSIONS_PAGE 100
#define DATE_COLS 16 /* "2026-11-24 10:34" */

/* Every conversation, newest first, into *out (malloc'd); how many, or -1
 * after a line on stderr. An absent file is an empty history. */
static int all_sessions(const char *path, struct history_session **out)
{
	*out = NULL;
	char buf[1024];
	const char *p = path ? path : history_default_path(buf, sizeof(buf));
	struct stat st;
	if (p != NULL && stat(p, &st) < 0 && errno == ENOENT)
		return 0;
	struct history *h = open_or_say(path);
	if (h == NULL)
		return -1;
	int n = 0, got;
	do {
		*out = xrealloc(*out, (size_t)(n + SESSIONS_PAGE) * sizeof(**out));
		got = history_sessions(h, *out + n, SESSIONS_PAGE, n);
		n += got > 0 ? got : 0;
	} while (got == SESSIONS_PAGE);
	if (got < 0) {
		fprintf(stderr, "circuit: cannot list the conversations: %s\n", history_error(h));
		n = -1;
	}
	history_close(h);
	return n;
}

/* s in a cell of cols columns: cut with "…" when wider, padded with
 * blanks unless last. */
static void cell(struct buf *b, const char *s, size_t cols, bool last)
{
	size_t n = strlen(s), w = width_str(s, n);
	if (w > cols) {
		size_t used = 0, k = width_cut(s, n, cols > 0 ? cols - 1 : 0, &used);
		buf_append(b, s, k);
		buf_append_str(b, "…");
		w = used + 1;
	} else {
		buf_append(b, s, n);
	}
	for (; !last && w < cols; w++)
		buf_append(b, " ", 1);
}

static size_t terminal_cols(void)
{
	struct winsize ws;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	const char *c = getenv("COLUMNS");
	long v = c ? strtol(c, NULL, 10) : 0;
	return v > 0 && v < 10000 ? (size_t)v : 80;
}

/* The rows as aligned columns, the title as wide as the terminal lets it. */
static void sessions_table(const struct history_session *ss, int n, struct buf *b)
{
	char id[24];
	snprintf(id, sizeof(id), "%lld", ss[0].id); /* the newest is not always the highest */
	size_t idw = 2, tw = 5, mw = 6;
	for (int i = 0; i < n; i++) {
		size_t t = width_str(ss[i].title, strlen(ss[i].title));
		size_t m = width_str(ss[i].models, strlen(ss[i].models));
		snprintf(id, sizeof(id), "%lld", ss[i].id);
		idw = strlen(id) > idw ? strlen(id) : idw;
		tw = t > tw ? t : tw;
		mw = m > mw ? m : mw;
	}
	size_t cols = terminal_cols(), fixed = idw + 2 + DATE_COLS + 2 + 2 + 5 + 2;
	/* The title and the models share the rest; the title first, the
	 * models keep a third of it (12 columns at least). */
	size_t room = cols > fixed + 22 ? cols - fixed : 22;
	size_t mfit = room / 3 > 12 ? room / 3 : 12;
	mfit = mw < mfit ? mw : mfit;
	tw = tw + mfit > room ? room - mfit : tw;
	mw = room - tw;
	buf_printf(b, "%*s  %-*s  ", (int)idw, "ID", DATE_COLS, "DATE");
	cell(b, "TITLE", tw, false);
	buf_printf(b, "  TURNS  MODELS\n");
	for (int i = 0; i < n; i++) {
		char date[32];
		units_date(ss[i].updated, date, sizeof(date));
		buf_printf(b, "%*lld  %-*s  ", (int)idw, ss[i].id, DATE_COLS, date);
		cell(b, ss[i].title, tw, false);
		buf_printf(b, "  %5d  ", ss[i].turns);
		cell(b, ss[i].models, mw, true);
		buf_append(b, "\n", 1);
	}
}

/* A field for a tab-separated line: its tabs blanks. */
static void tsv_field(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++)
		buf_append(b, *s == '\t' ? " " : s, 1);
}

static void sessions_tsv(const struct history_session *ss, int n, struct buf *b)
{
	for (int i = 0; i < n; i++) {
		char date[32];
		units_date(ss[i].updated, date, sizeof(date));
		buf_printf(b, "%lld\t%s\t", ss[i].id, date);
		tsv_field(b, ss[i].title);
		buf_printf(b, "\t%d\t", ss[i].turns);
		tsv_field(b, ss[i].models);
		buf_append(b, "\n", 1);
	}
}

/* The models ("a, b") as a JSON array. */
static void models_json(struct buf *b, const char *models)
{
	buf_append(b, "[", 1);
	const char *p = models;
	while (*p != '\0') {
		const char *end = strstr(p, ", ");
		size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
		if (p != models)
			buf_append(b, ",", 1);
		jsonesc_append(b, p, len);
		p += len + (end != NULL ? 2 : 0);
	}
	buf_append(b, "]", 1);
}

static void sessions_json(const struct history_session *ss, int n, struct buf *b)
{
	buf_append(b, "[", 1);
	for (int i = 0; i < n; i++) {
		char date[32];
		units_date(ss[i].updated, date, sizeof(date));
		buf_printf(b, "%s\n{\"id\":%lld,\"date\":\"%s\",\"created\":%lld,\"updated\":%lld,"
		           "\"title\":", i > 0 ? "," : "", ss[i].id, date, ss[i].created, ss[i].updated);
		jsonesc_append(b, ss[i].title, strlen(ss[i].title));
		buf_printf(b, ",\"turns\":%d,\"models\":", ss[i].turns);
		models_json(b, ss[i].models);
		buf_append(b, "}", 1);
	}
	buf_append_str(b, n > 0 ? "\n]\n" : "]\n");
}

int history_cli_sessions(const char *path, bool json, bool tty)
{
	struct history_session *ss;
	int n = all_sessions(path, &ss);
	if (n < 0) {
		free(ss);
		return 1;
	}
	if (n == 0)
		fputs("circuit: no conversations yet\n", stderr);
	struct buf b;
	buf_init(&b, 0);
	if (json)
		sessions_json(ss, n, &b);
	else if (tty && n > 0)
		sessions_table(ss, n, &b);
	else
		sessions_tsv(ss, n, &b);
	fwrite(buf_str(&b), 1, b.len, stdout);
	output_note(stdout);
	buf_done(&b);
	free(ss);
	return output_status();
}

/* ---- --last ----------------------------------------------------------------- */

int history_cli_last(const char *path, bool tty)
{
	struct history *h = open_or_say(path);
	if (h == NULL)
		return 1;
	long long id = history_last(h);
	struct conversation c;
	conv_init(&c);
	if (id > 0 && history_load(h, id, &c, NULL) < 0)
		id = -1;
	const struct message *last = NULL;
	for (size_t i = c.n; i-- > 0 && last == NULL;)
		if (c.v[i]->kind == MSG_ASSISTANT && c.v[i]->raw.len > 0)
			last = c.v[i];
	int rc = 0;
	if (id < 0) {
		fprintf(stderr, "circuit: cannot read the history: %s\n", history_error(h));
		rc = 1;
	} else if (last == NULL) {
		fputs("circuit: no reply in the history yet\n", stderr);
		rc = 1;
	} else {
		const struct buf *t = tty ? &last->text : &last->raw;
		fwrite(buf_str(t), 1, t->len, stdout);
		if (t->len == 0 || t->data[t->len - 1] != '\n')
			fputc('\n', stdout);
		output_note(stdout);
		rc = output_status();
	}
	conv_done(&c);
	history_close(h);
	return rc;
}
