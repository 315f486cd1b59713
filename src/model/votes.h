/* SPDX-License-Identifier: GPL-3.0-or-later */
/* votes: the user's judgements of compares, kept in the history file (its
 * votes table, schema 5: model/history_db.h HDB_VOTES_TABLE). A vote holds
 * the prompt, the models in column order, each column's reply row, the
 * winner and whether the compare was blind. A blind compare run from a
 * shell without --vote leaves a vote waiting (winner VOTE_PENDING) that
 * `circuit --vote X` casts later. No clock: times are passed in. */
#ifndef CIRCUIT_MODEL_VOTES_H
#define CIRCUIT_MODEL_VOTES_H

#include <stdbool.h>

#include "model/history.h"

#define VOTE_COLS 16 /* a compare from the shell takes up to 16 models */
#define VOTE_NAME 96
#define VOTE_TIE (-1)
#define VOTE_NONE (-2)    /* neither: left out of the ratings */
#define VOTE_PENDING (-3) /* not cast yet (NULL in the file) */

enum vote_blind { VOTE_SEEN = 0, VOTE_BLIND = 1, VOTE_STRICT = 2 };

struct history_vote {
	long long id, conv, created;
	const char *prompt; /* borrowed: the caller's when adding; the row's while read */
	int ncol;
	char models[VOTE_COLS][VOTE_NAME]; /* "provider:model", column order */
	long long replies[VOTE_COLS];       /* each column's reply row, 0: none */
	int winner; /* a column (0..ncol-1), VOTE_TIE, VOTE_NONE or VOTE_PENDING */
	enum vote_blind blind;
};

/* Adds v (its id and created are ignored) to conversation v->conv at now
 * (unix s). Returns the vote's id (> 0), or -1 (history_error says). */
long long history_vote_add(struct history *h, const struct history_vote *v, long long now);

/* Casts pending vote id: its winner, and its time now. 0, or -1 (no such
 * vote waiting, or the write failed: history_error says). */
int history_vote_cast(struct history *h, long long id, int winner, long long now);

/* The newest vote still waiting, into v; its prompt copied into prompt
 * (v->prompt points there). 1 found, 0 none, -1 (history_error says). */
int history_vote_pending(struct history *h, struct history_vote *v, struct buf *prompt);

/* Called per vote read: v and its strings are valid during the call.
 * Returns 0 to go on, else the walk stops. */
typedef int (*history_vote_fn)(void *ctx, const struct history_vote *v);

/* Every cast vote (VOTE_PENDING ones left out) with created >= since,
 * oldest first, to fn. A file older than schema 5 has none. Returns how
 * many were read, or -1 (history_error says). */
int history_votes(struct history *h, long long since, history_vote_fn fn, void *ctx);

#endif
