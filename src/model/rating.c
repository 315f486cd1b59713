/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rating: Bradley-Terry strengths from votes, by the MM algorithm, and a
 * bootstrap interval around them. */
#include "model/rating.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/mathlog.h"
#include "util/mem.h"

#define MODELS_MAX 256       /* a games matrix of 256 x 256 doubles: 512 KiB */
#define FIT_TOL 1e-10        /* stop when no log-strength moves more than this */
#define FIT_ITER_MAX 20000
#define BOOT_TOL 1e-7        /* a resample needs less precision than its spread */
#define BOOT_ITER_MAX 2000

/* The votes as games: wins[i * n + j] is what i won against j (a tie
 * half each). */
struct games {
	int n;
	double *wins;
	double *won;   /* per model, its games won in all (the fit's W) */
	double *score; /* per model, the votes it won, a tie half */
	int *votes;    /* per model, the votes it took part in */
};

static void games_init(struct games *g, int n)
{
	g->n = n;
	g->wins = xcalloc((size_t)n * (size_t)n, sizeof(*g->wins));
	g->won = xcalloc((size_t)n, sizeof(*g->won));
	g->score = xcalloc((size_t)n, sizeof(*g->score));
	g->votes = xcalloc((size_t)n, sizeof(*g->votes));
}

static void games_clear(struct games *g)
{
	memset(g->wins, 0, (size_t)g->n * (size_t)g->n * sizeof(*g->wins));
	memset(g->won, 0, (size_t)g->n * sizeof(*g->won));
	memset(g->score, 0, (size_t)g->n * sizeof(*g->score));
	memset(g->votes, 0, (size_t)g->n * sizeof(*g->votes));
}

static void games_done(struct games *g)
{
	free(g->wins);
	free(g->won);
	free(g->score);
	free(g->votes);
}

static void win(struct games *g, int a, int b, double w)
{
	if (a == b)
		return; /* a model against itself tells nothing */
	g->wins[a * g->n + b] += w;
	g->won[a] += w;
}

/* One vote into g: the winner beat each other column; a tie is half a
 * win to each of every pair. Columns naming a model out of range are
 * skipped. */
static void games_add(struct games *g, const struct rating_vote *v)
{
	int nc = v->ncol < RATING_COLS ? v->ncol : RATING_COLS;
	for (int i = 0; i < nc; i++) {
		int a = v->model[i];
		if (a < 0 || a >= g->n)
			return;
	}
	for (int i = 0; i < nc; i++) {
		g->votes[v->model[i]]++;
		if (v->winner == RATING_TIE)
			g->score[v->model[i]] += 0.5;
		else if (v->winner == i)
			g->score[v->model[i]] += 1.0;
	}
	for (int i = 0; i < nc; i++)
		for (int j = 0; j < nc; j++) {
			if (i == j)
				continue;
			if (v->winner == RATING_TIE && i < j) {
				win(g, v->model[i], v->model[j], 0.5);
				win(g, v->model[j], v->model[i], 0.5);
			} else if (v->winner == i) {
				win(g, v->model[i], v->model[j], 1.0);
			}
		}
}

/* MM, cyclic (each strength updated in place from the others' newest):
 * p_i = W_i / (sum_j n_ij / (p_i + p_j) + prior / (p_i + 1)), W_i its
 * wins plus prior / 2. Without a prior the scale is free: the geometric
 * mean of the strengths is held at 1. Returns the iterations. */
static int fit(const struct games *g, double prior, double tol, int iter_max, double *p)
{
	int n = g->n;
	for (int i = 0; i < n; i++)
		p[i] = 1.0;
	int it = 0;
	for (double moved = INFINITY; moved > tol && it < iter_max; it++) {
		moved = 0;
		for (int i = 0; i < n; i++) {
			if (g->votes[i] == 0)
				continue;
			double den = prior / (p[i] + 1.0);
			for (int j = 0; j < n; j++) {
				double nij = g->wins[i * n + j] + g->wins[j * n + i];
				if (j != i && nij > 0)
					den += nij / (p[i] + p[j]);
			}
			double next = den > 0 ? (g->won[i] + prior / 2) / den : p[i];
			if (next <= 0)
				next = 1e-300; /* a model that never won, with no prior */
			double d = fabs(math_ln(next / p[i]));
			moved = d > moved ? d : moved;
			p[i] = next;
		}
		if (prior > 0)
			continue;
		double s = 0;
		int k = 0;
		for (int i = 0; i < n; i++)
			if (g->votes[i] > 0) {
				s += math_ln(p[i]);
				k++;
			}
		for (int i = 0; i < n && k > 0; i++)
			p[i] /= math_exp(s / k);
	}
	return it;
}

/* Ratings from strengths: 400 log10, the mean of the models that took
 * part made 1000. */
static void ratings(const struct games *g, const double *p, double *r)
{
	double sum = 0;
	int k = 0;
	for (int i = 0; i < g->n; i++) {
		r[i] = 0;
		if (g->votes[i] == 0)
			continue;
		r[i] = 400.0 * math_log10(p[i]);
		sum += r[i];
		k++;
	}
	for (int i = 0; i < g->n && k > 0; i++)
		if (g->votes[i] > 0)
			r[i] += 1000.0 - sum / k;
}

int rating_fit(const struct rating_vote *v, size_t nv, int nmodels, double prior,
               struct rating_row *rows)
{
	if (nmodels < 1 || nmodels > MODELS_MAX)
		return -1;
	memset(rows, 0, (size_t)nmodels * sizeof(*rows));
	struct games g;
	games_init(&g, nmodels);
	for (size_t k = 0; k < nv; k++)
		games_add(&g, &v[k]);
	double *p = xcalloc((size_t)nmodels, sizeof(*p));
	double *r = xcalloc((size_t)nmodels, sizeof(*r));
	int it = fit(&g, prior < 0 ? 0 : prior, FIT_TOL, FIT_ITER_MAX, p);
	ratings(&g, p, r);
	for (int i = 0; i < nmodels; i++) {
		rows[i].votes = g.votes[i];
		rows[i].wins = g.score[i];
		rows[i].strength = g.votes[i] > 0 ? p[i] : 0;
		rows[i].rating = rows[i].lo = rows[i].hi = r[i];
	}
	free(p);
	free(r);
	games_done(&g);
	return it;
}

/* splitmix64: small, fast, the same numbers on every machine. */
static uint64_t next_random(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Nearest rank: the smallest value with at least pct % of them at or
 * below it. */
static double percentile(double *x, int k, double pct)
{
	int rank = (int)ceil(pct / 100.0 * k);
	if (rank < 1)
		rank = 1;
	return x[rank - 1];
}

void rating_bootstrap(const struct rating_vote *v, size_t nv, int nmodels, double prior,
                      int resamples, uint64_t seed, struct rating_row *rows)
{
	if (nmodels < 1 || nmodels > MODELS_MAX || nv == 0 || resamples < 1)
		return;
	struct games g;
	games_init(&g, nmodels);
	double *p = xcalloc((size_t)nmodels, sizeof(*p));
	double *r = xcalloc((size_t)nmodels, sizeof(*r));
	double *samples = xcalloc((size_t)nmodels * (size_t)resamples, sizeof(*samples));
	int *count = xcalloc((size_t)nmodels, sizeof(*count));
	uint64_t state = seed;
	for (int s = 0; s < resamples; s++) {
		games_clear(&g);
		for (size_t k = 0; k < nv; k++)
			games_add(&g, &v[next_random(&state) % nv]);
		fit(&g, prior, BOOT_TOL, BOOT_ITER_MAX, p);
		ratings(&g, p, r);
		for (int i = 0; i < nmodels; i++)
			if (g.votes[i] > 0)
				samples[(size_t)i * (size_t)resamples + (size_t)count[i]++] = r[i];
	}
	for (int i = 0; i < nmodels; i++) {
		double *x = samples + (size_t)i * (size_t)resamples;
		if (count[i] == 0)
			continue;
		qsort(x, (size_t)count[i], sizeof(*x), cmp_double);
		rows[i].lo = percentile(x, count[i], 2.5);
		rows[i].hi = percentile(x, count[i], 97.5);
	}
	free(count);
	free(samples);
	free(r);
	free(p);
	games_done(&g);
}
