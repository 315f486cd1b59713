/* SPDX-License-Identifier: GPL-3.0-or-later */
/* leaderboard: the models ranked from the votes in the history
 * (model/rating: Bradley-Terry, a bootstrap interval), as text or JSON,
 * for `circuit --leaderboard` and /leaderboard. docs/leaderboard.md. */
#ifndef CIRCUIT_APP_LEADERBOARD_H
#define CIRCUIT_APP_LEADERBOARD_H

#include <stdbool.h>
#include <stdint.h>

#include "model/history.h"
#include "util/buf.h"

struct leaderboard_opts {
	long long since;  /* unix s: votes cast from then on; 0 all */
	const char *grep; /* a word the prompt must hold (case ignored); NULL any */
	bool json;
	int resamples; /* 0: RATING_RESAMPLES */
	uint64_t seed; /* the bootstrap's */
};


/* The bootstrap's seed: CIRCUIT_BOOTSTRAP_SEED when it is a number (the
 * same intervals every run, for tests), else a random one. */
uint64_t leaderboard_seed(void);

/* Appends the leaderboard of h's votes to out: a table (rank, model,
 * rating, 95% interval, votes, win rate; then a line of totals), or JSON
 * ({"votes", "ties", "none", "resamples", "prior", "models": [{"model",
 * "rating", "ci_low", "ci_high", "votes", "wins", "win_rate"}]}), with a
 * newline. No votes: a line saying how to make some (JSON: an empty
 * list). 0, or -1 (the history could not be read: history_error says). */
int leaderboard_build(struct history *h, const struct leaderboard_opts *o, struct buf *out);

/* `circuit --leaderboard`: the history opened read-only, the board on
 * stdout. since_word and grep may be NULL. Returns the exit status (0;
 * 1 no history or it cannot be read; 2 a bad --since), messages on
 * stderr. */
int leaderboard_cli(const char *since_word, const char *grep, bool json);

#endif
