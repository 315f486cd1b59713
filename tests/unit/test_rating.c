/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rating: the Bradley-Terry fit against records worked out by hand, the
 * prior that keeps a one-sided record finite, and the bootstrap. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <math.h>

#include "model/rating.h"

#define A 0
#define B 1
#define C 2

/* n votes of a two-column compare a vs b won by winner (a column, or RATING_TIE). */
static size_t pair(struct rating_vote *v, size_t at, int n, int a, int b, int winner)
{
	for (int k = 0; k < n; k++)
		v[at++] = (struct rating_vote){.ncol = 2, .model = {a, b}, .winner = winner};
	return at;
}

static void assert_near(double got, double want, double tol)
{
	if (fabs(got - want) > tol) {
		print_error("got %.9f, want %.9f (tol %g)\n", got, want, tol);
		fail();
	}
}

/* 3-1: the strengths' ratio is 3 (3 / (3 + 1) = 0.75 = p_A / (p_A + p_B)),
 * so the ratings differ by 400 log10 3 = 190.85, around 1000. */
static void test_rating_three_to_one_is_a_ratio_of_three(void **state)
{
	(void)state;
	struct rating_vote v[4];
	size_t n = pair(v, 0, 3, A, B, 0);
	n = pair(v, n, 1, A, B, 1);
	struct rating_row r[2];
	assert_true(rating_fit(v, n, 2, 0, r) > 0);
	assert_near(r[A].strength / r[B].strength, 3.0, 1e-9);
	assert_near(r[A].rating, 1000 + 200 * log10(3.0), 1e-6);
	assert_near(r[B].rating, 1000 - 200 * log10(3.0), 1e-6);
	assert_int_equal(r[A].votes, 4);
	assert_near(r[A].wins, 3, 0);
	assert_near(r[B].wins, 1, 0);
	/* The columns the other way round say the same. */
	n = pair(v, 0, 3, B, A, 1);
	n = pair(v, n, 1, B, A, 0);
	assert_true(rating_fit(v, n, 2, 0, r) > 0);
	assert_near(r[A].strength / r[B].strength, 3.0, 1e-9);
	/* The default prior pulls toward the middle, not past it. */
	assert_true(rating_fit(v, n, 2, RATING_PRIOR, r) > 0);
	double ratio = r[A].strength / r[B].strength;
	assert_true(ratio > 1.5 && ratio < 3.0);
}

static void test_rating_ties_only_rate_alike(void **state)
{
	(void)state;
	struct rating_vote v[3];
	size_t n = pair(v, 0, 3, A, B, RATING_TIE);
	struct rating_row r[2];
	for (int prior = 0; prior <= 1; prior++) {
		assert_true(rating_fit(v, n, 2, prior, r) > 0);
		assert_near(r[A].rating, 1000, 1e-9);
		assert_near(r[B].rating, 1000, 1e-9);
		assert_near(r[A].wins, 1.5, 0);
		assert_near(r[B].wins, 1.5, 0);
		assert_int_equal(r[B].votes, 3);
	}
}

/* p_A for k-0 with the prior: by symmetry p_B = 1 / p_A, and A's MM
 * equation W_A = sum n p_A / (p_A + p_j) reads
 *   k + prior / 2 = k x^2 / (x^2 + 1) + prior x / (x + 1);
 * solved here by bisection (the right side grows with x). */
static double one_sided_strength(int k, double prior)
{
	double lo = 1, hi = 1e6;
	for (int i = 0; i < 200; i++) {
		double x = (lo + hi) / 2;
		double rhs = k * x * x / (x * x + 1) + prior * x / (x + 1);
		if (rhs < k + prior / 2)
			lo = x;
		else
			hi = x;
	}
	return (lo + hi) / 2;
}

static void test_rating_one_sided_record_stays_finite(void **state)
{
	(void)state;
	struct rating_vote v[50];
	struct rating_row r[2];
	double last_gap = 0;
	static const int ks[] = {1, 5, 50};
	for (size_t t = 0; t < sizeof(ks) / sizeof(*ks); t++) {
		int k = ks[t];
		size_t n = pair(v, 0, k, A, B, 0);
		assert_true(rating_fit(v, n, 2, RATING_PRIOR, r) > 0);
		assert_true(isfinite(r[A].rating) && isfinite(r[B].rating));
		double x = one_sided_strength(k, RATING_PRIOR);
		assert_near(r[A].strength, x, 1e-6 * x);
		assert_near(r[B].strength, 1 / x, 1e-6 / x);
		double gap = r[A].rating - r[B].rating;
		assert_near(gap, 800 * log10(x), 1e-6);
		assert_true(gap > last_gap); /* more wins, more apart */
		last_gap = gap;
		assert_near((r[A].rating + r[B].rating) / 2, 1000, 1e-9);
	}
	/* 1-0: x solves 1.5 = x^2/(x^2+1) + x/(x+1); 1-0 is not a landslide. */
	size_t n = pair(v, 0, 1, A, B, 0);
	rating_fit(v, n, 2, RATING_PRIOR, r);
	assert_true(r[A].rating - r[B].rating < 400);
}

/* A beat B, B beat C, C beat A: nobody is ahead. */
static void test_rating_three_in_a_cycle_rate_alike(void **state)
{
	(void)state;
	struct rating_vote v[3];
	size_t n = pair(v, 0, 1, A, B, 0);
	n = pair(v, n, 1, B, C, 0);
	n = pair(v, n, 1, C, A, 0);
	struct rating_row r[3];
	for (int prior = 0; prior <= 1; prior++) {
		assert_true(rating_fit(v, n, 3, prior, r) > 0);
		for (int i = 0; i < 3; i++) {
			assert_near(r[i].rating, 1000, 1e-6);
			assert_near(r[i].wins, 1, 0);
			assert_int_equal(r[i].votes, 2);
		}
	}
}

/* An uneven record of three: the fit satisfies the likelihood's equations
 * W_i = sum_j n_ij p_i / (p_i + p_j) for every model. */
static void test_rating_fit_solves_the_likelihood_equations(void **state)
{
	(void)state;
	struct rating_vote v[16];
	size_t n = pair(v, 0, 2, A, B, 0);
	n = pair(v, n, 1, A, B, 1);
	n = pair(v, n, 3, B, C, 0);
	n = pair(v, n, 1, B, C, 1);
	n = pair(v, n, 1, A, C, 0);
	n = pair(v, n, 1, A, C, 1);
	n = pair(v, n, 2, A, C, RATING_TIE);
	static const double w[3][3] = {{0, 2, 2}, {1, 0, 3}, {1 + 1, 1, 0}};
	struct rating_row r[3];
	assert_true(rating_fit(v, n, 3, 0, r) > 0);
	for (int i = 0; i < 3; i++) {
		double won = 0, expect = 0;
		for (int j = 0; j < 3; j++) {
			if (i == j)
				continue;
			won += w[i][j];
			expect += (w[i][j] + w[j][i]) * r[i].strength / (r[i].strength + r[j].strength);
		}
		assert_near(expect, won, 1e-8);
	}
	assert_true(r[C].rating < r[A].rating && r[C].rating < r[B].rating);
	assert_near((r[A].rating + r[B].rating + r[C].rating) / 3, 1000, 1e-9);
}

/* A three-column vote: the winner beat both others; the two others did
 * not play each other. A model in no vote is left out of the mean. */
static void test_rating_wide_vote_and_absent_model(void **state)
{
	(void)state;
	struct rating_vote v[2] = {
	    {.ncol = 3, .model = {A, B, C}, .winner = 0},
	    {.ncol = 3, .model = {A, B, C}, .winner = RATING_TIE},
	};
	struct rating_row r[4];
	assert_true(rating_fit(v, 2, 4, RATING_PRIOR, r) > 0);
	assert_near(r[A].wins, 1.5, 0);
	assert_near(r[B].wins, 0.5, 0);
	assert_int_equal(r[C].votes, 2);
	assert_near(r[B].rating, r[C].rating, 1e-6);
	assert_true(r[A].rating > r[B].rating);
	assert_int_equal(r[3].votes, 0);
	assert_near(r[3].rating, 0, 0);
	assert_near((r[A].rating + r[B].rating + r[C].rating) / 3, 1000, 1e-9);
	assert_int_equal(rating_fit(v, 2, 0, 0, r), -1);
}

static void test_rating_bootstrap_is_seeded_and_brackets(void **state)
{
	(void)state;
	struct rating_vote v[20];
	size_t n = pair(v, 0, 12, A, B, 0);
	n = pair(v, n, 6, A, B, 1);
	n = pair(v, n, 2, A, B, RATING_TIE);
	struct rating_row r1[2], r2[2], r3[2];
	rating_fit(v, n, 2, RATING_PRIOR, r1);
	memcpy(r2, r1, sizeof(r1));
	memcpy(r3, r1, sizeof(r1));
	rating_bootstrap(v, n, 2, RATING_PRIOR, 300, 42, r1);
	rating_bootstrap(v, n, 2, RATING_PRIOR, 300, 42, r2);
	rating_bootstrap(v, n, 2, RATING_PRIOR, 300, 43, r3);
	assert_true(r1[A].lo == r2[A].lo && r1[A].hi == r2[A].hi);
	assert_true(r1[A].lo != r3[A].lo || r1[A].hi != r3[A].hi);
	for (int i = 0; i < 2; i++) {
		assert_true(r1[i].lo < r1[i].rating && r1[i].rating < r1[i].hi);
		assert_true(r1[i].hi - r1[i].lo < 400);
	}
	/* Two models around a mean of 1000: mirror images. */
	assert_near(r1[A].lo - 1000, 1000 - r1[B].hi, 1e-6);
	/* Ties only: every resample is the same record. */
	n = pair(v, 0, 5, A, B, RATING_TIE);
	rating_fit(v, n, 2, RATING_PRIOR, r1);
	rating_bootstrap(v, n, 2, RATING_PRIOR, 100, 7, r1);
	assert_near(r1[A].lo, 1000, 1e-6);
	assert_near(r1[A].hi, 1000, 1e-6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rating_three_to_one_is_a_ratio_of_three),
		cmocka_unit_test(test_rating_ties_only_rate_alike),
		cmocka_unit_test(test_rating_one_sided_record_stays_finite),
		cmocka_unit_test(test_rating_three_in_a_cycle_rate_alike),
		cmocka_unit_test(test_rating_fit_solves_the_likelihood_equations),
		cmocka_unit_test(test_rating_wide_vote_and_absent_model),
		cmocka_unit_test(test_rating_bootstrap_is_seeded_and_brackets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
