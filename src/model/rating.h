/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rating: models ranked from the user's votes (the leaderboard). A vote
 * is a compare of 2 to RATING_COLS models and its winner; it counts as a
 * game between the winner and each other model (a tie: half a win to
 * each of every pair). Strengths come from a Bradley-Terry fit by the
 * MM algorithm (Hunter 2004), with a small prior: each model also plays
 * `prior` games against a virtual average model (strength 1), half won,
 * half lost, so a model that won every vote gets a finite rating (prior
 * 0: the plain maximum likelihood, which then has none). Ratings are on an
 * Elo-like scale: 400 log10 of the strength, shifted so their mean is
 * 1000. Uncertainty: a bootstrap over the votes. Pure: no clock, no I/O,
 * the random numbers from a seed. docs/leaderboard.md says it in words. */
#ifndef CIRCUIT_MODEL_RATING_H
#define CIRCUIT_MODEL_RATING_H

#include <stddef.h>
#include <stdint.h>

#define RATING_COLS 16
#define RATING_PRIOR 1.0      /* the default: one virtual game, a draw */
#define RATING_RESAMPLES 1000 /* the default bootstrap */
#define RATING_TIE (-1)

/* One vote: model[i] the index (0..nmodels-1) of column i's model;
 * winner a column, or RATING_TIE. */
struct rating_vote {
	int ncol;
	int model[RATING_COLS];
	int winner;
};

/* Per model, what the votes say; filled by rating_fit. */
struct rating_row {
	int votes;      /* votes it took part in */
	double wins;    /* votes it won, a tie counting half */
	double rating;  /* Elo-like; the mean of the rated models is 1000 */
	double lo, hi;  /* the 95% interval (rating_bootstrap); rating itself before */
	double strength; /* Bradley-Terry strength, as fitted (scale: the virtual model is 1) */
};

/* Fits nmodels models from nv votes (borrowed) with prior (>= 0) virtual
 * games each, into rows[nmodels] (zeroed first). A model in no vote gets
 * votes 0 and rating 0 and takes no part in the mean. With prior 0 and a
 * model that won or lost everything there is no answer (its strength
 * runs off toward infinity or 0): the fit stops at its iteration cap and
 * that rating means nothing; the app always passes a prior. Returns the
 * iterations used, or -1 when nmodels is out of range (1..256). */
int rating_fit(const struct rating_vote *v, size_t nv, int nmodels, double prior,
               struct rating_row *rows);

/* The 2.5 and 97.5 percentiles (nearest rank) of each model's rating
 * over `resamples` refits of nv votes drawn with replacement (a
 * splitmix64 stream from seed), into rows[i].lo and .hi; a resample in
 * which a model took no part does not count for it (none did: lo = hi =
 * its rating). Call after rating_fit with the same votes. */
void rating_bootstrap(const struct rating_vote *v, size_t nv, int nmodels, double prior,
                      int resamples, uint64_t seed, struct rating_row *rows);

#endif
