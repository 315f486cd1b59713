/* SPDX-License-Identifier: GPL-3.0-or-later */
/* history_read: the sessions list, a conversation loaded for the screen,
 * and deleting one.
 *
 * A compare is stored as rows of its group: each column has its own copy
 * of every prompt, then its replies; /adopt moves one column's rows to
 * column 0 (the thread). Loaded, a compare reads as it happened: each
 * prompt once, then each column's reply under its model's label; only
 * the thread's rows (an adopted column's among them) go into the next
 * requests, the others are loaded dropped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/history.h"
#include "model/history_db.h"
#include "util/mem.h"

/* ---- a live reply's parts ----------------------------------------------------- */

/* Only a checkpointed row (stored interrupted) can have parts: the final
 * write drops them. */
int hdb_read_parts(struct history *h, long long id, struct message *m)
{
	sqlite3_stmt *st = h->st[ST_PARTS];
	if (st == NULL || !m->interrupted)
		return SQLITE_DONE; /* a file of schema 2 read as it is: no parts */
	sqlite3_bind_int64(st, 1, id);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		hdb_raw_is_text(m); /* the row's part of raw, before the parts' */
		size_t n;
		const char *p = hdb_col_bytes(st, 0, &n);
		(void)buf_append(&m->text, p, n); /* past the message cap: cut, as live */
		p = hdb_col_bytes(st, 1, &n);
		(void)buf_append(&m->thinking, p, n);
		p = hdb_col_bytes(st, 2, &n);
		(void)buf_append(&m->raw, p, n);
	}
	hdb_done(st);
	return rc;
}

/* ---- a prompt's files --------------------------------------------------------- */

int hdb_read_attachments(struct history *h, long long id, struct message *m)
{
	sqlite3_stmt *st = h->st[ST_ATTACHED];
	if (st == NULL || m->kind != MSG_USER)
		return SQLITE_DONE; /* a file of schema 4 or older read as it is: none */
	sqlite3_bind_int64(st, 1, id);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		size_t n;
		const char *p = hdb_col_bytes(st, 3, &n);
		struct attachment a;
		attachment_set(&a, hdb_col_str(st, 0), hdb_col_str(st, 1), p, n, hdb_col_str(st, 2));
		attachments_take(&m->att, &a);
	}
	hdb_done(st);
	return rc;
}

int hdb_read_sources(struct history *h, long long id, struct message *m)
{
	sqlite3_stmt *st = h->st[ST_SOURCES];
	if (st == NULL)
		return SQLITE_DONE; /* a file older than the sources step, read as it is */
	sqlite3_bind_int64(st, 1, id);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		sources_add(&m->sources, hdb_col_str(st, 0), hdb_col_str(st, 1));
	hdb_done(st);
	return rc;
}

/* ---- small reads ----------------------------------------------------------- */

int hdb_title(struct history *h, long long conv, char *out, size_t cap)
{
	sqlite3_stmt *st = h->st[ST_TITLE];
	sqlite3_bind_int64(st, 1, conv);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		hdb_set_err(h, "cannot read a title", rc);
		hdb_done(st);
		return -1;
	}
	size_t n;
	const char *t = hdb_col_bytes(st, 0, &n);
	/* The first line that is not blank: a prompt followed by a pasted
	 * or piped file is titled by the prompt, not by the file. */
	size_t at = 0;
	while (at < n && (t[at] == '\n' || t[at] == '\r' || t[at] == ' ' || t[at] == '\t'))
		at++;
	const char *nl = at < n ? memchr(t + at, '\n', n - at) : NULL;
	hdb_oneline(out, cap, t + at, nl != NULL ? (size_t)(nl - (t + at)) : n - at);
	hdb_done(st);
	return 0;
}

/* conv's reply labels, distinct, in order of first use, joined by ", ". */
static int models_of(struct history *h, long long conv, char *out, size_t cap)
{
	sqlite3_stmt *st = h->st[ST_MODELS];
	sqlite3_bind_int64(st, 1, conv);
	struct buf b;
	buf_init(&b, 0);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (b.len > cap)
			continue; /* enough to cut from: drain the rest */
		if (b.len > 0)
			buf_append_str(&b, ", ");
		buf_append_str(&b, hdb_col_str(st, 0));
	}
	if (rc != SQLITE_DONE) {
		hdb_set_err(h, "cannot list the sessions", rc);
		hdb_done(st);
		buf_done(&b);
		return -1;
	}
	hdb_done(st);
	hdb_oneline(out, cap, b.data, b.len);
	buf_done(&b);
	return 0;
}

int history_sessions(struct history *h, struct history_session *out, int max, int offset)
{
	if (max <= 0)
		return 0;
	sqlite3_stmt *st = h->st[ST_SESSIONS];
	sqlite3_bind_int(st, 1, max);
	sqlite3_bind_int(st, 2, offset > 0 ? offset : 0);
	int n = 0, rc = SQLITE_DONE;
	while (n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct history_session *s = &out[n];
		memset(s, 0, sizeof(*s));
		s->id = sqlite3_column_int64(st, 0);
		s->created = sqlite3_column_int64(st, 1);
		s->updated = sqlite3_column_int64(st, 2);
		s->turns = sqlite3_column_int(st, 3);
		if (hdb_title(h, s->id, s->title, sizeof(s->title)) < 0 ||
		    models_of(h, s->id, s->models, sizeof(s->models)) < 0) {
			hdb_done(st);
			return -1;
		}
		n++;
	}
	if (n < max && rc != SQLITE_DONE) {
		hdb_set_err(h, "cannot list the sessions", rc);
		hdb_done(st);
		return -1;
	}
	hdb_done(st);
	return n;
}

long long history_count(struct history *h)
{
	sqlite3_stmt *st = h->st[ST_COUNT_CONVS];
	int rc = sqlite3_step(st);
	long long n = -1;
	if (rc == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	else
		hdb_set_err(h, "cannot count the conversations", rc);
	hdb_done(st);
	return n;
}

long long history_last(struct history *h)
{
	sqlite3_stmt *st = h->st[ST_LAST];
	int rc = sqlite3_step(st);
	long long id = 0;
	if (rc == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		hdb_set_err(h, "cannot find the last conversation", rc);
	hdb_done(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? id : -1;
}

int history_has(struct history *h, long long conv)
{
	return hdb_conv_row(h, conv, NULL, NULL, NULL);
}

int hdb_conv_row(struct history *h, long long conv, char **system, long long *created,
                 long long *updated)
{
	sqlite3_stmt *st = h->st[ST_CONV];
	sqlite3_bind_int64(st, 1, conv);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		snprintf(h->err, sizeof(h->err), "no conversation %lld", conv);
		hdb_done(st);
		return 0;
	}
	if (rc != SQLITE_ROW) {
		hdb_set_err(h, "cannot read a conversation", rc);
		hdb_done(st);
		return -1;
	}
	if (created != NULL)
		*created = sqlite3_column_int64(st, 0);
	if (updated != NULL)
		*updated = sqlite3_column_int64(st, 1);
	if (system != NULL) {
		size_t n;
		const char *s = hdb_col_bytes(st, 2, &n);
		*system = sqlite3_column_type(st, 2) == SQLITE_NULL ? NULL : xstrndup(s, n);
	}
	hdb_done(st);
	return 1;
}

/* After a delete, no trace of its text is left in the files: the rows'
 * pages are zeroed as they are freed (secure_delete, set at open), the
 * index's entries removed (the trigger's 'delete' with the old values),
 * but FTS5 keeps a deleted word in its old segment under a tombstone
 * until the segment is merged: 'optimize' merges them all, rewriting the
 * index without it (the old segments' pages freed, so zeroed). Then the
 * WAL, which still holds the pages as they were before, is copied into
 * the database and cut to nothing. Best effort: another program reading
 * the file holds the WAL back (it goes at the next checkpoint). */
static void scrub(struct history *h)
{
	if (sqlite3_exec(h->db, "INSERT INTO messages_fts(messages_fts) VALUES ('optimize')", NULL,
	                 NULL, NULL) != SQLITE_OK)
		return;
	(void)sqlite3_wal_checkpoint_v2(h->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
}

int history_delete(struct history *h, long long conv)
{
	sqlite3_stmt *st = h->st[ST_DELETE];
	sqlite3_bind_int64(st, 1, conv);
	if (hdb_run(h, st, "cannot delete a conversation") < 0)
		return -1;
	if (sqlite3_changes(h->db) == 0)
		return 0;
	scrub(h);
	return 1;
}

/* ---- loading ---------------------------------------------------------------- */

/* The rows of a conversation as read, in id order: rows[i] is c->v[first + i]. */
struct row {
	long long grp;
	int col;
	bool done; /* laid out (shown or left out) */
	bool shown;
};

struct loading {
	struct conversation *c;
	size_t first; /* the first message of this load in c */
	struct row *rows;
	size_t n;
	struct message **order; /* the shown messages, in order, then the rest */
	size_t kept;            /* how many are shown */
};

static struct message *msg_at(const struct loading *l, size_t i)
{
	return l->c->v[l->first + i];
}

static void show(struct loading *l, size_t i, bool dropped)
{
	struct message *m = msg_at(l, i);
	m->dropped = m->dropped || dropped;
	l->rows[i].shown = true;
	l->order[l->kept++] = m;
}

/* A row of a compare group, placed: its turn (in its column, a prompt
 * starts the next one; its replies share it), its rank in the turn (the
 * thread's prompt, another column's prompt, a reply), its column's order
 * (the columns as they began, by their first row). */
struct slot {
	int turn, rank, order;
	size_t i;
};

static int slot_cmp(const void *pa, const void *pb)
{
	const struct slot *a = pa, *b = pb;
	if (a->turn != b->turn)
		return a->turn < b->turn ? -1 : 1;
	if (a->rank != b->rank)
		return a->rank < b->rank ? -1 : 1;
	if (a->order != b->order)
		return a->order < b->order ? -1 : 1;
	return a->i < b->i ? -1 : a->i > b->i;
}

static bool same_text(const struct message *a, const struct message *b)
{
	return a->raw.len == b->raw.len &&
	       (a->raw.len == 0 || memcmp(a->raw.data, b->raw.data, a->raw.len) == 0);
}

/* Places group g's rows (from index from on) into slots (room for all of
 * them); returns how many. */
static size_t place_group(struct loading *l, size_t from, long long g, struct slot *slots)
{
	int *cols = xcalloc(l->n - from, sizeof(int));    /* the columns, as they began */
	int *prompts = xcalloc(l->n - from, sizeof(int)); /* each one's prompts so far */
	int ncols = 0;
	size_t k = 0;
	for (size_t i = from; i < l->n; i++) {
		if (l->rows[i].grp != g)
			continue;
		int col = l->rows[i].col, c = 0;
		while (c < ncols && cols[c] != col)
			c++;
		if (c == ncols)
			cols[ncols++] = col;
		bool user = msg_at(l, i)->kind == MSG_USER;
		int turn = user ? prompts[c]++ : (prompts[c] > 0 ? prompts[c] - 1 : 0);
		int rank = user ? (col == 0 ? 0 : 1) : 2;
		slots[k++] = (struct slot){turn, rank, c, i};
		l->rows[i].done = true;
	}
	free(cols);
	free(prompts);
	return k;
}

/* Group g turn by turn: its prompt once (the thread's copy when a column
 * was adopted, else the first column's; a column whose prompt differs
 * shows its own too), then every column's replies. Rows outside the
 * thread (column > 0) are dropped. */
static void show_group(struct loading *l, size_t from, long long g)
{
	struct slot *slots = xcalloc(l->n - from, sizeof(*slots));
	size_t k = place_group(l, from, g, slots);
	qsort(slots, k, sizeof(*slots), slot_cmp);
	size_t prompt = l->n;
	for (size_t s = 0; s < k; s++) {
		size_t i = slots[s].i;
		if (s == 0 || slots[s].turn != slots[s - 1].turn)
			prompt = l->n;
		if (slots[s].rank < 2 && prompt < l->n &&
		    same_text(msg_at(l, i), msg_at(l, prompt)))
			continue; /* another column's copy */
		if (slots[s].rank < 2 && prompt == l->n)
			prompt = i;
		show(l, i, l->rows[i].col != 0);
	}
	free(slots);
}

/* Lays out the rows read: the thread's as they are, each compare group
 * where it began. */
static void arrange(struct loading *l)
{
	for (size_t i = 0; i < l->n; i++) {
		if (l->rows[i].done)
			continue;
		if (l->rows[i].grp == 0) {
			l->rows[i].done = true;
			show(l, i, false);
		} else {
			show_group(l, i, l->rows[i].grp);
		}
	}
}

/* c's messages from l->first on, in the order arranged; the ones not
 * kept are freed. */
static void reorder(struct loading *l)
{
	size_t k = l->kept;
	for (size_t i = 0; i < l->n; i++)
		if (!l->rows[i].shown)
			l->order[k++] = msg_at(l, i);
	if (l->n > 0) /* an empty conversation has no array to copy into */
		memcpy(l->c->v + l->first, l->order, l->n * sizeof(*l->order));
	struct conversation gone;
	conv_init(&gone);
	conv_move(&gone, l->c, l->first + l->kept);
	conv_done(&gone);
}

/* Reads every row of conv into l->c (appended) and l->rows. SQLITE_DONE,
 * or the failing code. */
static int read_rows(struct history *h, long long conv, struct loading *l)
{
	sqlite3_stmt *st = h->st[ST_ROWS];
	sqlite3_bind_int64(st, 1, conv);
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		bool user = strcmp(hdb_col_str(st, R_ROLE), "user") == 0;
		struct message *m = conv_add(l->c, user ? MSG_USER : MSG_ASSISTANT, "", NULL);
		hdb_read_message(st, m);
		hdb_raw_is_text(m);
		m->hist_id = sqlite3_column_int64(st, R_ID);
		m->streaming = false;
		int prc = hdb_read_parts(h, m->hist_id, m);
		if (prc == SQLITE_DONE)
			prc = hdb_read_attachments(h, m->hist_id, m);
		if (prc == SQLITE_DONE)
			prc = hdb_read_sources(h, m->hist_id, m);
		if (prc != SQLITE_DONE) {
			rc = prc;
			break;
		}
		if (l->n == cap) {
			cap = cap ? cap * 2 : 64;
			l->rows = xrealloc(l->rows, cap * sizeof(*l->rows));
		}
		l->rows[l->n++] = (struct row){sqlite3_column_int64(st, R_GRP),
		                               sqlite3_column_int(st, R_COL), false, false};
	}
	hdb_done(st);
	return rc;
}

int history_load(struct history *h, long long conv, struct conversation *c, char **system)
{
	char *sys = NULL;
	if (hdb_conv_row(h, conv, &sys, NULL, NULL) <= 0)
		return -1;
	struct loading l = {c, c->n, NULL, 0, NULL, 0};
	int rc = read_rows(h, conv, &l);
	if (rc != SQLITE_DONE) {
		hdb_set_err(h, "cannot load a conversation", rc);
		/* Half a thread would pass for the whole one: take it back. */
		struct conversation tail;
		conv_init(&tail);
		conv_move(&tail, c, l.first);
		conv_done(&tail);
		free(l.rows);
		free(sys);
		return -1;
	}
	l.order = xcalloc(l.n + 1, sizeof(*l.order));
	arrange(&l);
	reorder(&l);
	free(l.order);
	free(l.rows);
	if (system != NULL)
		*system = sys;
	else
		free(sys);
	return (int)l.kept;
}
