/* SPDX-License-Identifier: GPL-3.0-or-later */
/* history: every conversation and message, with its figures, in SQLite.
 *
 * One file ($XDG_DATA_HOME/circuit/history.db), mode 0600, WAL, schema
 * versioned by PRAGMA user_version with migrations. A message is a row: the
 * app adds it when it starts (a prompt: when sent), checkpoints a live reply
 * every few seconds and writes it once more when it ends, before the screen
 * shows it done. Each write is its own transaction, so kill -9 loses at
 * most the seconds since a live reply's last checkpoint; a reply caught
 * live is stored interrupted (a checkpoint writes interrupted = 1, the
 * final write the truth). An FTS5 index over text and thinking serves
 * search. Compare replies are rows too, tagged with their compare group
 * and column; the thread itself is column 0. No clock: times are passed
 * in (unix seconds). No key ever reaches it: only messages are stored. */
#ifndef CIRCUIT_MODEL_HISTORY_H
#define CIRCUIT_MODEL_HISTORY_H

#include <stdbool.h>
#include <stddef.h>

#include "model/conversation.h"
#include "util/buf.h"

#define HISTORY_SCHEMA_VERSION 8

struct history;

/* Opens (creating it and its schema, or migrating an older one) the file
 * at path, mode 0600; the folder must exist. Returns NULL with a one-line
 * reason in err ("history.db is not a database (corrupt?): history is off
 * for this run; move it away to start a new one") when the file cannot be
 * used: unreadable, read-only, corrupt, or newer than this circuit. */
struct history *history_open(const char *path, char *err, size_t errlen);
/* Opens the existing file at path for reading only (SQLITE_OPEN_READONLY:
 * never created, migrated, chmod'ed or written; a read-only file or
 * folder is fine): what --search and --export need. An older schema is
 * read as it is. NULL with a one-line reason in err ("no history yet at
 * PATH: ..." when there is none, unreadable, corrupt, newer). The
 * writing functions fail on it (-1, "read-only"). */
struct history *history_open_readonly(const char *path, char *err, size_t errlen);
void history_close(struct history *h);

/* $XDG_DATA_HOME/circuit/history.db (an absolute XDG_DATA_HOME), else
 * $HOME/.local/share/circuit/history.db, into buf (n bytes); the folders
 * are created (0700). NULL when neither variable helps or it does not fit. */
const char *history_default_path(char *buf, size_t n);

/* The last error of a call that returned -1 or 0 for failure, one line. */
const char *history_error(const struct history *h);

/* ---- writing ------------------------------------------------------------ */

/* A new conversation; returns its id (> 0), or -1. It may be begun late,
 * once a reply has something to keep: then history_add the prompt and
 * the reply (ended) one after the other, as if they had been live. */
long long history_begin(struct history *h, const char *system, long long now);
/* The thread's system prompt changed (NULL: none). 0 or -1. */
int history_set_system(struct history *h, long long conv, const char *system);
/* A compare starts in conv with these models ("M1,M2,M3"): returns its
 * group id (> 0), or -1. */
long long history_begin_compare(struct history *h, long long conv, const char *models,
                                long long now);

/* Adds message m (MSG_USER or MSG_ASSISTANT; others are not stored) to
 * conv: column 0 for the thread, 1..6 for a compare column of group (0:
 * none). Text, thinking, raw, label, meta, interrupted, and for a reply its
 * metrics (provider, model, stop, usage, every figure) as m has them now.
 * A reply added while it streams is stored interrupted until its final
 * write. Returns the row id (> 0), or -1. */
long long history_add(struct history *h, long long conv, long long group, int column,
                      const struct message *m, long long now);
/* Writes m again into row id: a checkpoint of a live reply (final false:
 * stored interrupted), or its end (final true: as m says). A checkpoint
 * writes the figures and only what the text grew by since the row's last
 * write (a part: a reply's checkpoints cost its length, not its length
 * squared); the end writes the whole text into the row, indexed for
 * search then, once. 0 or -1. */
int history_update(struct history *h, long long id, const struct message *m, bool final,
                   long long now);
/* /adopt: the rows of that compare group and column join the thread
 * (column 0). 0 or -1. */
int history_adopt(struct history *h, long long group, int column);

/* ---- reading ------------------------------------------------------------ */

struct history_session {
	long long id;
	char title[80];   /* the first prompt's first line, cut at a character */
	long long created, updated;
	char models[128]; /* the reply labels, distinct, in order of first use, ", " */
	int turns;        /* the thread's prompts; only a compare: the compare's */
};

/* The most recently updated conversations, newest first, at most max,
 * after skipping the offset newest (a page: offset 0, max, 2 * max...).
 * Returns how many were filled (0..max; 0 past the last), or -1. */
int history_sessions(struct history *h, struct history_session *out, int max, int offset);
/* How many conversations the file holds, or -1. */
long long history_count(struct history *h);
/* The most recently updated conversation, 0 when there is none, -1. */
long long history_last(struct history *h);
/* 1 when conversation conv is in the file, 0 when it is not (history_error
 * says "no conversation N"), -1 when it cannot be read. */
int history_has(struct history *h, long long conv);
/* Loads conv into c (appended, as the screen shows them: each message
 * with its meta, metrics, interrupted and dropped flags, and hist_id its
 * row; has_metrics set) and its system prompt into *system, malloc'd
 * (NULL: none). Every row, in order; a compare turn as it happened: its
 * prompt once (each column stored its own copy), then each column's reply
 * under its model's label, columns in the order they began. Only the
 * thread goes into the next requests: a compare's rows outside it (every
 * column of a compare not adopted, the other columns of one adopted) are
 * loaded dropped; an adopted column's rows are the thread's. Returns the
 * number of messages appended, or -1 (no such conversation:
 * history_error says; c is as it was). */
int history_load(struct history *h, long long conv, struct conversation *c, char **system);
/* Deletes conv and all its rows (index included), leaving no trace of
 * their text in the file or its WAL: the pages zeroed, the search index
 * rewritten without them, the WAL checkpointed and cut (which a reader in
 * another program may hold back until the next checkpoint). Costs a
 * rewrite of the index: a user's command, not a loop's. 1 deleted, 0 no
 * such, -1. */
int history_delete(struct history *h, long long conv);

struct history_hit {
	long long conv, message;
	long long when;    /* the message's time */
	char label[64];    /* "you" or the model */
	char title[80];    /* its conversation's */
	char snippet[200]; /* the match in context, marked with [ ], one line */
};

/* (Not "history_search": readline exports one of its own, and calls it
 * from inside; a function of ours by that name would replace it at link
 * time and crash readline.)
 * Full-text search for messages holding every word of query, each as the
 * start of a word ("Head" finds "Heading"; case and accents do not
 * matter) and taken literally (no FTS syntax reaches SQLite: "*", "-",
 * "NEAR", quotes are text), newest first, at most max hits. A hit's
 * snippet marks each matched word of the text [like this], the query's
 * own punctuation included ("f(x)" shows "[f(x)]"). A word repeated
 * counts once; more than HISTORY_FIND_WORDS different words are refused
 * (-1, history_error says so): each costs a walk of the index. Returns
 * how many (0..max), or -1 (the error says what failed, without a
 * "search failed" of its own: the caller's). */
int history_find(struct history *h, const char *query, struct history_hit *out, int max);

/* The most different words a search takes. */
#define HISTORY_FIND_WORDS 32

enum history_format { HISTORY_MD, HISTORY_JSON };

/* conv, every row (compare columns too, marked), appended to out as
 * Markdown (a heading per message with its figures) or JSON:
 *   {"id":…, "title":"…", "created":…, "updated":…, "system":"…"|null,
 *    "messages":[{"id":…, "role":"user"|"assistant", "label":"…",
 *      "provider":"…", "model":"…", "text":"…", "thinking":"…",
 *      "interrupted":false, "stop":"…", "created":…, "group":0, "column":0,
 *      "metrics":{"ttfb_ms":…, "ttft_ms":…, "ttfo_ms":…, "total_ms":…,
 *        "tokens_in":…, "tokens_out":…, "tokens_thinking":…,
 *        "tokens_per_second":…, "cost_usd":…, …}|null}, …]}
 * Text is the raw text as sent or received (valid UTF-8 repaired).
 * Returns 0, or -1 (no such conversation). Built whole: out's cap takes
 * all of it or none (history_export_to streams instead). */
int history_export(struct history *h, long long conv, enum history_format fmt, struct buf *out);

/* Where history_export_to sends the export, a piece at a time (borrowed
 * for the call): 0 to go on, -1 to stop. */
typedef int (*history_sink)(void *ctx, const char *p, size_t n);
/* conv exported as history_export does, streamed: the head, then each
 * row as it is read, so memory holds one row at a time, never the whole
 * conversation. Returns 0, or -1 (no such conversation, a read failed,
 * or sink stopped: history_error says "cannot write the export" then;
 * what was sent before stays sent). */
int history_export_to(struct history *h, long long conv, enum history_format fmt,
                      history_sink sink, void *ctx);

/* ---- figures (history_stats.c) ------------------------------------------ */

/* One stored reply's figures, as --stats reads them. */
struct history_figure {
	long long created; /* when the reply was stored (unix s) */
	char provider[24];
	char model[64];
	enum reply_outcome outcome; /* REPLY_LIVE: its writer was killed while it streamed */
	char error[24];    /* a failed reply's error kind ("rate_limit"); "" none, or not
	                    * recorded (a reply stored before schema 5) */
	long long ttft, ttfo;            /* ms, -1 unknown */
	double tps;                      /* -1 unknown */
	long long tokens_in, tokens_out; /* -1 unknown */
	bool tokens_estimated;           /* either count is an estimate */
	double cost;                     /* USD, -1 unknown (no price) */
	bool cost_estimated;
};

/* Takes one reply's figures (borrowed for the call): 0 to go on, 1 to
 * stop, -1 to stop with a failure. */
typedef int (*history_figure_fn)(void *ctx, const struct history_figure *f);
/* Calls fn for every reply stored with figures (each compare column's
 * too; never a prompt) created at or after since (unix s; 0: all), in
 * the order they were stored. Reads no text. Returns 0 (fn stopping
 * with 1 included), or -1 (a read failed: history_error says; or fn
 * returned -1). */
int history_figures(struct history *h, long long since, history_figure_fn fn, void *ctx);

#endif
