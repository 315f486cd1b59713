/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_metrics: the maths of one reply's figures and of the run's aggregates. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <math.h>

#include "model/metrics.h"
#include "util/glyphs.h"
#include "util/units.h"

/* cmocka 1.1's assert_float_equal compares floats: too coarse here. */
#define assert_near(got, want, eps)                                                                \
	do {                                                                                       \
		double g_ = (got), w_ = (want);                                                    \
		if (!(g_ - w_ <= (eps) && w_ - g_ <= (eps))) {                                     \
			print_error("got %.17g, want %.17g\n", g_, w_);                            \
			fail();                                                                    \
		}                                                                                  \
	} while (0)

/* Exact comparison of doubles (values that are exact by construction). */
#define assert_dbl(got, want) assert_near(got, want, 0.0)

/* A reply that streamed 40 tokens' worth of text between 300 and 1275 ms:
 * 150 + 10 bytes -> ceil(160 / 4) = 40 tokens, more than its 30 deltas. */
static void streamed(struct reply_metrics *r)
{
	reply_metrics_init(r);
	snprintf(r->provider, sizeof(r->provider), "alpha");
	snprintf(r->model, sizeof(r->model), "m1");
	r->ttfb = 120;
	r->ttft = 300;
	r->ttfo = 310;
	r->last = 1275;
	r->last_byte = 1280;
	r->deltas = 30;
	r->text_bytes = 150;
	r->thinking_bytes = 10;
	r->prompt_bytes = 401; /* ceil(401 / 4) = 101 */
}

/* A finished reply for the aggregates, derived without a price. */
static struct reply_metrics done_reply(const char *prov, const char *model,
                                       enum reply_outcome outcome, long long ttft, long long last)
{
	struct reply_metrics r;
	reply_metrics_init(&r);
	snprintf(r.provider, sizeof(r.provider), "%s", prov);
	snprintf(r.model, sizeof(r.model), "%s", model);
	r.outcome = outcome;
	r.ttft = ttft;
	r.last = last;
	r.usage_in = 10;
	r.usage_out = 20;
	r.usage_thinking = 0;
	metrics_derive(&r, NULL);
	return r;
}

/* begin + end on the same names. */
static void run_reply(struct metrics *m, const struct reply_metrics *r)
{
	metrics_begin(m, r->provider, r->model);
	metrics_end(m, r->provider, r->model, r);
}

/* ---- one reply ------------------------------------------------------------ */

static void test_metrics_init_is_all_unknown(void **state)
{
	(void)state;
	struct reply_metrics r;
	memset(&r, 0x5a, sizeof(r));
	reply_metrics_init(&r);
	assert_string_equal(r.provider, "");
	assert_string_equal(r.model, "");
	assert_int_equal(r.outcome, REPLY_LIVE);
	long long times[] = {r.ttfb,           r.ttft,           r.ttfo,      r.last,
	                     r.total,          r.last_byte,      r.max_gap,   r.usage_in,
	                     r.usage_out,      r.usage_thinking, r.tokens_in, r.tokens_out,
	                     r.tokens_thinking};
	for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++)
		assert_int_equal(times[i], -1);
	assert_int_equal(r.deltas, 0);
	assert_int_equal(r.text_bytes, 0);
	assert_int_equal(r.thinking_bytes, 0);
	assert_int_equal(r.prompt_bytes, 0);
	assert_dbl(r.tps, -1);
	assert_dbl(r.cost, -1);
	assert_false(r.in_estimated);
	assert_false(r.out_estimated);
	assert_false(r.thinking_estimated);
	assert_false(r.tps_estimated);
	assert_false(r.cost_estimated);
}

static void test_metrics_derive_estimates_without_usage(void **state)
{
	(void)state;
	struct reply_metrics r;
	streamed(&r);
	metrics_derive(&r, NULL);
	assert_int_equal(r.tokens_in, 101);
	assert_true(r.in_estimated);
	assert_int_equal(r.tokens_out, 40);
	assert_true(r.out_estimated);
	assert_int_equal(r.tokens_thinking, 3); /* ceil(10 / 4) */
	assert_true(r.thinking_estimated);
	assert_true(r.tps_estimated);
}

static void test_metrics_estimate_rounds_up_at_byte_boundaries(void **state)
{
	(void)state;
	struct reply_metrics r;
	reply_metrics_init(&r);
	size_t bytes[] = {0, 1, 3, 4, 5, 8, 9};
	long long want[] = {0, 1, 1, 1, 2, 2, 3};
	for (size_t i = 0; i < sizeof(bytes) / sizeof(bytes[0]); i++) {
		r.prompt_bytes = bytes[i];
		r.text_bytes = bytes[i];
		r.thinking_bytes = 0;
		metrics_derive(&r, NULL);
		assert_int_equal(r.tokens_in, want[i]);
		assert_int_equal(r.tokens_out, want[i]);
		assert_true(r.in_estimated);
	}
	/* Text and thinking bytes are summed before rounding: 3 + 2 -> 2, not 1 + 1. */
	r.text_bytes = 3;
	r.thinking_bytes = 2;
	metrics_derive(&r, NULL);
	assert_int_equal(r.tokens_out, 2);
	assert_int_equal(r.tokens_thinking, 1);
}

static void test_metrics_empty_reply_estimates_zero(void **state)
{
	(void)state;
	struct reply_metrics r;
	reply_metrics_init(&r);
	metrics_derive(&r, NULL);
	assert_int_equal(r.tokens_in, 0);
	assert_true(r.in_estimated);
	assert_int_equal(r.tokens_out, 0);
	assert_true(r.out_estimated);
	/* No thinking text and no count: none for sure, not an estimate. */
	assert_int_equal(r.tokens_thinking, 0);
	assert_false(r.thinking_estimated);
	assert_dbl(r.tps, -1);
	assert_dbl(r.cost, -1);
	assert_false(r.cost_estimated);
}

static void test_metrics_fmt_ms_as_every_view_writes_it(void **state)
{
	(void)state;
	char b[32];
	metrics_fmt_ms(-1, b, sizeof(b));
	assert_string_equal(b, "-");
	metrics_fmt_ms(0, b, sizeof(b));
	assert_string_equal(b, "0ms");
	metrics_fmt_ms(9999, b, sizeof(b));
	assert_string_equal(b, "9999ms");
	metrics_fmt_ms(10000, b, sizeof(b));
	assert_string_equal(b, "10.0s");
	metrics_fmt_ms(12345, b, sizeof(b));
	assert_string_equal(b, "12.3s");
	/* The same text as units_ms everywhere, past 100 s too (whole
	 * seconds there, where this once wrote "125.4s"). */
	for (long long ms = -1; ms < 200000; ms += 97) {
		char u[UNITS_MAX];
		metrics_fmt_ms(ms, b, sizeof(b));
		units_ms(ms, u, sizeof(u));
		assert_string_equal(b, u);
	}
	metrics_fmt_ms(125400, b, sizeof(b));
	assert_string_equal(b, "125s");
}

static void test_metrics_failed_before_any_token_costs_nothing(void **state)
{
	(void)state;
	struct metrics_price price = {3.0, 15.0, true};
	struct reply_metrics r;
	reply_metrics_init(&r);
	r.prompt_bytes = 400; /* would be an estimated 100 input tokens */
	r.outcome = REPLY_ERROR;
	metrics_derive(&r, &price);
	assert_dbl(r.cost, 0);
	assert_false(r.cost_estimated);
	/* The same request still waiting is priced on its estimate... */
	r.outcome = REPLY_LIVE;
	metrics_derive(&r, &price);
	assert_dbl(r.cost, 100 * 3.0 / 1e6);
	assert_true(r.cost_estimated);
	/* ...and one that failed after a token was billed for what it got. */
	r.outcome = REPLY_ERROR;
	r.deltas = 1;
	r.text_bytes = 4;
	metrics_derive(&r, &price);
	assert_dbl(r.cost, 100 * 3.0 / 1e6 + 1 * 15.0 / 1e6);
}

static void test_metrics_deltas_floor_the_output_estimate(void **state)
{
	(void)state;
	struct reply_metrics r;
	reply_metrics_init(&r);
	/* 50 one-byte deltas: ceil(50 / 4) = 13, but at least 50 tokens came. */
	r.deltas = 50;
	r.text_bytes = 50;
	metrics_derive(&r, NULL);
	assert_int_equal(r.tokens_out, 50);
	assert_true(r.out_estimated);
	/* Bytes win when they say more. */
	r.text_bytes = 400;
	metrics_derive(&r, NULL);
	assert_int_equal(r.tokens_out, 100);
}

static void test_metrics_usage_replaces_estimate_mid_stream_then_at_end(void **state)
{
	(void)state;
	struct reply_metrics r;
	streamed(&r);
	metrics_derive(&r, NULL);
	assert_int_equal(r.tokens_in, 101);
	assert_int_equal(r.tokens_out, 40);

	/* Mid-stream: the provider reports the input (message_start). */
	r.usage_in = 120;
	metrics_derive(&r, NULL);
	assert_int_equal(r.tokens_in, 120);
	assert_false(r.in_estimated);
	assert_int_equal(r.tokens_out, 40);
	assert_true(r.out_estimated);
	assert_int_equal(r.tokens_thinking, 3);
	assert_true(r.thinking_estimated);

	/* More text streams: the estimate follows it. */
	r.text_bytes = 190; /* (190 + 10) / 4 = 50 */
	r.deltas = 38;
	metrics_derive(&r, NULL);
	assert_int_equal(r.tokens_out, 50);
	assert_true(r.out_estimated);

	/* The end: output and thinking reported. */
	r.usage_out = 52;
	r.usage_thinking = 7;
	metrics_derive(&r, NULL);
	assert_int_equal(r.tokens_in, 120);
	assert_int_equal(r.tokens_out, 52);
	assert_int_equal(r.tokens_thinking, 7);
	assert_false(r.in_estimated);
	assert_false(r.out_estimated);
	assert_false(r.thinking_estimated);
	assert_false(r.tps_estimated);

	/* Idempotent: deriving again changes nothing. */
	metrics_derive(&r, NULL);
	assert_int_equal(r.tokens_in, 120);
	assert_int_equal(r.tokens_out, 52);
	assert_int_equal(r.tokens_thinking, 7);
	assert_near(r.tps, 52000.0 / 975.0, 1e-12);
	assert_false(r.out_estimated);
}

static void test_metrics_usage_zero_is_reported_not_unknown(void **state)
{
	(void)state;
	struct reply_metrics r;
	streamed(&r);
	r.usage_in = 0;
	r.usage_out = 0;
	r.usage_thinking = 0;
	metrics_derive(&r, NULL);
	assert_int_equal(r.tokens_in, 0);
	assert_int_equal(r.tokens_out, 0);
	assert_int_equal(r.tokens_thinking, 0);
	assert_false(r.in_estimated);
	assert_false(r.out_estimated);
	assert_false(r.thinking_estimated);
	assert_dbl(r.tps, 0); /* a window, no tokens: 0 tok/s, not unknown */
}

static void test_metrics_tps_over_first_to_last_token(void **state)
{
	(void)state;
	struct reply_metrics r;
	streamed(&r);
	metrics_derive(&r, NULL);
	/* 40 tokens over 1275 - 300 = 975 ms: 40000 / 975 = 41.0256... */
	assert_near(r.tps, 40000.0 / 975.0, 1e-12);
	assert_near(r.tps, 41.025641025641, 1e-9);
	assert_true(r.tps_estimated);
}

static void test_metrics_tps_unknown_without_a_window(void **state)
{
	(void)state;
	struct reply_metrics r;
	streamed(&r);
	r.last = r.ttft; /* one delta: a zero window */
	metrics_derive(&r, NULL);
	assert_dbl(r.tps, -1);

	r.last = 200; /* before the first token: never a negative rate */
	metrics_derive(&r, NULL);
	assert_dbl(r.tps, -1);

	r.ttft = -1; /* no token yet */
	r.last = -1;
	metrics_derive(&r, NULL);
	assert_dbl(r.tps, -1);

	r.ttft = -1;
	r.last = 500;
	metrics_derive(&r, NULL);
	assert_dbl(r.tps, -1);

	r.ttft = 0; /* a first token at t0 itself is a real time */
	r.last = 1000;
	metrics_derive(&r, NULL);
	assert_near(r.tps, 40.0, 1e-12);
}

static void test_metrics_usage_replacing_estimate_changes_tps(void **state)
{
	(void)state;
	struct reply_metrics r;
	streamed(&r);
	metrics_derive(&r, NULL);
	assert_near(r.tps, 40000.0 / 975.0, 1e-12);
	assert_true(r.tps_estimated);

	r.usage_out = 78; /* 78000 / 975 = 80 exactly */
	metrics_derive(&r, NULL);
	assert_near(r.tps, 80.0, 1e-12);
	assert_false(r.tps_estimated);
}

static void test_metrics_cost_with_a_known_price(void **state)
{
	(void)state;
	struct metrics_price price = {.input = 3.0, .output = 15.0, .known = true};
	struct reply_metrics r;
	streamed(&r);
	r.usage_in = 120;
	r.usage_out = 52;
	metrics_derive(&r, &price);
	/* 120 * 3 / 1e6 + 52 * 15 / 1e6 = 0.00036 + 0.00078 */
	assert_near(r.cost, 0.00114, 1e-15);
	assert_false(r.cost_estimated);

	/* A million each way costs the two prices. */
	r.usage_in = 1000000;
	r.usage_out = 1000000;
	metrics_derive(&r, &price);
	assert_near(r.cost, 18.0, 1e-12);
}

static void test_metrics_cost_unknown_without_a_price(void **state)
{
	(void)state;
	struct reply_metrics r;
	streamed(&r);
	metrics_derive(&r, NULL);
	assert_dbl(r.cost, -1);
	assert_false(r.cost_estimated);

	struct metrics_price unknown = {.input = 3.0, .output = 15.0, .known = false};
	metrics_derive(&r, &unknown);
	assert_dbl(r.cost, -1);
	assert_false(r.cost_estimated);

	/* A free model is known and costs 0, not -1. */
	struct metrics_price free_model = {.input = 0, .output = 0, .known = true};
	metrics_derive(&r, &free_model);
	assert_dbl(r.cost, 0);
	assert_true(r.cost_estimated);
}

static void test_metrics_cost_estimated_when_either_count_is(void **state)
{
	(void)state;
	struct metrics_price price = {.input = 1.0, .output = 2.0, .known = true};
	struct reply_metrics r;
	streamed(&r);

	/* Both estimated: 101 * 1 / 1e6 + 40 * 2 / 1e6 */
	metrics_derive(&r, &price);
	assert_near(r.cost, 0.000181, 1e-15);
	assert_true(r.cost_estimated);

	/* Input reported, output estimated: 120 + 80 */
	r.usage_in = 120;
	metrics_derive(&r, &price);
	assert_near(r.cost, 0.0002, 1e-15);
	assert_true(r.cost_estimated);

	/* Output reported, input estimated: 101 + 104 */
	r.usage_in = -1;
	r.usage_out = 52;
	metrics_derive(&r, &price);
	assert_near(r.cost, 0.000205, 1e-15);
	assert_true(r.cost_estimated);

	/* Thinking alone estimated does not make the cost an estimate: it is
	 * part of the output count, which was reported. */
	r.usage_in = 120;
	r.usage_thinking = -1;
	metrics_derive(&r, &price);
	assert_true(r.thinking_estimated);
	assert_false(r.cost_estimated);
	assert_near(r.cost, 0.000224, 1e-15);
}

static void test_metrics_stall_since_last_byte_or_t0(void **state)
{
	(void)state;
	struct reply_metrics r;
	reply_metrics_init(&r);
	assert_int_equal(metrics_stall(&r, 500), 500); /* no byte yet: since t0 */
	assert_int_equal(metrics_stall(&r, 0), 0);
	assert_int_equal(metrics_stall(&r, -20), 0); /* clamped */

	r.last_byte = 400;
	assert_int_equal(metrics_stall(&r, 1000), 600);
	assert_int_equal(metrics_stall(&r, 400), 0);
	assert_int_equal(metrics_stall(&r, 399), 0); /* clock behind: clamped */

	r.last_byte = 0; /* a byte at t0 counts as a byte */
	assert_int_equal(metrics_stall(&r, 250), 250);
}

/* ---- winners -------------------------------------------------------------- */

static struct reply_metrics rated(enum reply_outcome outcome, long long ttft, double tps)
{
	struct reply_metrics r;
	reply_metrics_init(&r);
	r.outcome = outcome;
	r.ttft = ttft;
	r.tps = tps;
	return r;
}

static void test_metrics_best_ttft_lowest_ok_ties_to_first(void **state)
{
	(void)state;
	struct reply_metrics err = rated(REPLY_ERROR, 50, 999);
	struct reply_metrics live = rated(REPLY_LIVE, 60, 999);
	struct reply_metrics cancel = rated(REPLY_CANCELLED, 70, 999);
	struct reply_metrics none = rated(REPLY_OK, -1, 10);
	struct reply_metrics a = rated(REPLY_OK, 300, 40);
	struct reply_metrics b = rated(REPLY_OK, 200, 40);
	struct reply_metrics c = rated(REPLY_OK, 200, 30);
	const struct reply_metrics *v[] = {&err, NULL, &live, &cancel, &none, &a, &b, &c};
	assert_int_equal(metrics_best_ttft(v, 8), 6);
	assert_int_equal(metrics_best_ttft(v, 6), 5);
	assert_int_equal(metrics_best_ttft(v, 5), -1);
	assert_int_equal(metrics_best_ttft(v, 0), -1);
	assert_int_equal(metrics_best_ttft(NULL, 0), -1);

	/* A TTFT of 0 is the best there is, not "none". */
	struct reply_metrics zero = rated(REPLY_OK, 0, 1);
	const struct reply_metrics *w[] = {&a, &zero};
	assert_int_equal(metrics_best_ttft(w, 2), 1);
}

static void test_metrics_best_tps_highest_ok_ties_to_first(void **state)
{
	(void)state;
	struct reply_metrics err = rated(REPLY_ERROR, 10, 999);
	struct reply_metrics cancel = rated(REPLY_CANCELLED, 10, 500);
	struct reply_metrics none = rated(REPLY_OK, 100, -1);
	struct reply_metrics a = rated(REPLY_OK, 300, 40.5);
	struct reply_metrics b = rated(REPLY_OK, 200, 80.25);
	struct reply_metrics c = rated(REPLY_OK, 100, 80.25);
	const struct reply_metrics *v[] = {NULL, &err, &cancel, &none, &a, &b, &c};
	assert_int_equal(metrics_best_tps(v, 7), 5);
	assert_int_equal(metrics_best_tps(v, 5), 4);
	assert_int_equal(metrics_best_tps(v, 4), -1);
	assert_int_equal(metrics_best_tps(NULL, 0), -1);

	/* 0 tok/s is a rate and can win alone. */
	struct reply_metrics zero = rated(REPLY_OK, 100, 0);
	const struct reply_metrics *w[] = {&none, &zero};
	assert_int_equal(metrics_best_tps(w, 2), 1);
}

/* ---- percentiles ------------------------------------------------------------ */

static void test_metrics_percentile_nearest_rank_of_1_to_20(void **state)
{
	(void)state;
	long long v[20];
	for (int i = 0; i < 20; i++)
		v[i] = i + 1;
	assert_int_equal(metrics_percentile(v, 20, 50), 10);
	assert_int_equal(metrics_percentile(v, 20, 95), 19);
	assert_int_equal(metrics_percentile(v, 20, 100), 20);
	assert_int_equal(metrics_percentile(v, 20, 5), 1);    /* rank 1 */
	assert_int_equal(metrics_percentile(v, 20, 5.01), 2); /* rank ceil(1.002) */
	assert_int_equal(metrics_percentile(v, 20, 51), 11);  /* rank ceil(10.2) */
	assert_int_equal(metrics_percentile(v, 20, 99), 20);  /* rank ceil(19.8) */
	assert_int_equal(metrics_percentile(v, 20, 0), 1);    /* the minimum */
	assert_int_equal(metrics_percentile(v, 20, -30), 1);
	assert_int_equal(metrics_percentile(v, 20, 0.001), 1);
	assert_int_equal(metrics_percentile(v, 20, 250), 20); /* clamped */
}

static void test_metrics_percentile_exact_ranks_survive_rounding(void **state)
{
	(void)state;
	/* 7 / 100 * 100 is 7.000000000000001 in doubles; the rank is 7. */
	long long v[100];
	for (int i = 0; i < 100; i++)
		v[i] = i + 1;
	for (int p = 1; p <= 100; p++)
		assert_int_equal(metrics_percentile(v, 100, p), p);
	/* 28 / 100 * 25 is 7.000000000000001 too; p * n / 100 is right there. */
	assert_int_equal(metrics_percentile(v, 25, 28), 7);
	assert_int_equal(metrics_percentile(v, 50, 14), 7);
	/* 10% of 30 is rank 3, 90% rank 27. */
	assert_int_equal(metrics_percentile(v, 30, 10), 3);
	assert_int_equal(metrics_percentile(v, 30, 90), 27);
	assert_int_equal(metrics_percentile(v, 30, 95), 29); /* ceil(28.5) */
}

static void test_metrics_percentile_fractional_p_exact_ranks(void **state)
{
	(void)state;
	/* 64.4 * 250 / 100 is 161.00000000000003 in doubles; 8.8% of 375 is
	 * 33.00000000000001: exact ranks 161 and 33 all the same. */
	long long v[375];
	for (int i = 0; i < 375; i++)
		v[i] = i + 1;
	assert_int_equal(metrics_percentile(v, 250, 64.4), 161);
	assert_int_equal(metrics_percentile(v, 375, 8.8), 33);
	assert_int_equal(metrics_percentile(v, 375, 8.9), 34); /* ceil(33.375) */
	double d[250];
	for (int i = 0; i < 250; i++)
		d[i] = i + 1;
	assert_dbl(metrics_percentile_d(d, 250, 64.4), 161);
}

static void test_metrics_percentile_odd_p_min_or_max(void **state)
{
	(void)state;
	long long v[] = {30, 10, 20};
	double d[] = {3.0, 1.0, 2.0};
	double inf = INFINITY, nan = NAN;
	assert_int_equal(metrics_percentile(v, 3, inf), 30);
	assert_int_equal(metrics_percentile(v, 3, -inf), 10);
	assert_int_equal(metrics_percentile(v, 3, nan), 10);
	assert_dbl(metrics_percentile_d(d, 3, inf), 3.0);
	assert_dbl(metrics_percentile_d(d, 3, nan), 1.0);
}

static void test_metrics_percentile_d_nan_sorts_last(void **state)
{
	(void)state;
	/* A NaN among the values must not scramble the numbers' order. */
	double nan = NAN;
	double d[] = {3.0, nan, 1.0, 2.0};
	assert_dbl(metrics_percentile_d(d, 4, 0), 1.0);
	assert_dbl(metrics_percentile_d(d, 4, 50), 2.0);
	assert_dbl(metrics_percentile_d(d, 4, 75), 3.0);
	double top = metrics_percentile_d(d, 4, 100);
	assert_true(top != top);

	/* Many, interleaved, on the heap path: 300 numbers 300..1, a NaN after
	 * every third; the 300 numbers come first in order. */
	enum { N = 400 };
	double *v = malloc(N * sizeof(*v));
	assert_non_null(v);
	int k = 300;
	for (int i = 0; i < N; i++)
		v[i] = i % 4 == 3 ? nan : k--;
	assert_dbl(metrics_percentile_d(v, N, 0), 1.0);
	assert_dbl(metrics_percentile_d(v, N, 25), 100.0);
	assert_dbl(metrics_percentile_d(v, N, 50), 200.0);
	assert_dbl(metrics_percentile_d(v, N, 75), 300.0);
	double past = metrics_percentile_d(v, N, 76);
	assert_true(past != past);
	free(v);
}

static void test_metrics_percentile_of_one_value(void **state)
{
	(void)state;
	long long v[] = {42};
	assert_int_equal(metrics_percentile(v, 1, 0), 42);
	assert_int_equal(metrics_percentile(v, 1, 1), 42);
	assert_int_equal(metrics_percentile(v, 1, 50), 42);
	assert_int_equal(metrics_percentile(v, 1, 100), 42);
	double d[] = {3.5};
	assert_dbl(metrics_percentile_d(d, 1, 50), 3.5);
	assert_dbl(metrics_percentile_d(d, 1, 99), 3.5);
}

static void test_metrics_percentile_unsorted_input_untouched(void **state)
{
	(void)state;
	long long v[] = {500, 100, 400, 200, 300, -5};
	long long copy[6];
	memcpy(copy, v, sizeof(v));
	assert_int_equal(metrics_percentile(v, 6, 50), 200); /* rank 3 */
	assert_int_equal(metrics_percentile(v, 6, 51), 300); /* rank ceil(3.06) */
	assert_int_equal(metrics_percentile(v, 6, 100), 500);
	assert_int_equal(metrics_percentile(v, 6, 0), -5);
	assert_memory_equal(v, copy, sizeof(v));

	double d[] = {9.5, 1.25, 7.0, 3.0};
	double dcopy[4];
	memcpy(dcopy, d, sizeof(d));
	assert_dbl(metrics_percentile_d(d, 4, 50), 3.0); /* rank 2 */
	assert_dbl(metrics_percentile_d(d, 4, 75), 7.0); /* rank 3 */
	assert_dbl(metrics_percentile_d(d, 4, 76), 9.5); /* rank ceil(3.04) */
	assert_dbl(metrics_percentile_d(d, 4, 0), 1.25);
	assert_memory_equal(d, dcopy, sizeof(d));
}

static void test_metrics_percentile_of_nothing(void **state)
{
	(void)state;
	long long v[] = {7};
	double d[] = {7};
	assert_int_equal(metrics_percentile(v, 0, 50), -1);
	assert_int_equal(metrics_percentile(NULL, 0, 50), -1);
	assert_dbl(metrics_percentile_d(d, 0, 50), -1);
	assert_dbl(metrics_percentile_d(NULL, 0, 95), -1);
}

static void test_metrics_percentile_more_than_the_stack_buffer(void **state)
{
	(void)state;
	/* 1000 values, reversed: the copy is on the heap. */
	enum { N = 1000 };
	long long *v = malloc(N * sizeof(*v));
	double *d = malloc(N * sizeof(*d));
	assert_non_null(v);
	assert_non_null(d);
	for (int i = 0; i < N; i++) {
		v[i] = N - i;
		d[i] = (N - i) / 2.0;
	}
	assert_int_equal(metrics_percentile(v, N, 50), 500);
	assert_int_equal(metrics_percentile(v, N, 99.9), 999);
	assert_int_equal(metrics_percentile(v, N, 100), 1000);
	assert_int_equal(metrics_percentile(v, N, 0), 1);
	assert_dbl(metrics_percentile_d(d, N, 50), 250.0);
	assert_dbl(metrics_percentile_d(d, N, 95), 475.0);
	assert_int_equal(v[0], N); /* untouched */
	assert_dbl(d[0], N / 2.0);
	free(v);
	free(d);
}

static void test_metrics_percentile_d_of_1_to_20(void **state)
{
	(void)state;
	double v[20];
	for (int i = 0; i < 20; i++)
		v[19 - i] = (i + 1) * 1.5;
	assert_dbl(metrics_percentile_d(v, 20, 50), 15.0);
	assert_dbl(metrics_percentile_d(v, 20, 95), 28.5);
	assert_dbl(metrics_percentile_d(v, 20, 100), 30.0);
	assert_dbl(metrics_percentile_d(v, 20, -1), 1.5);
}

/* ---- aggregates ------------------------------------------------------------- */

static void test_metrics_init_names_the_total(void **state)
{
	(void)state;
	struct metrics m;
	metrics_init(&m);
	assert_string_equal(m.total.name, "total");
	assert_int_equal(m.total.count, 0);
	assert_int_equal(m.total.active, 0);
	assert_int_equal(m.nprov, 0);
	assert_int_equal(m.nmodel, 0);
	assert_null(metrics_provider(&m, "alpha"));
	assert_null(metrics_model(&m, "m1"));
	assert_int_equal(metrics_agg_ttft(&m.total, 50), -1);
	assert_dbl(metrics_agg_tps(&m.total, 50), -1);
	metrics_done(&m);
	metrics_done(&m); /* done twice is harmless */
}

static void test_metrics_begin_counts_active_everywhere(void **state)
{
	(void)state;
	struct metrics m;
	metrics_init(&m);
	metrics_begin(&m, "alpha", "m1");
	metrics_begin(&m, "alpha", "m2");
	metrics_begin(&m, "beta", "m1");
	assert_int_equal(metrics_provider(&m, "alpha")->active, 2);
	assert_int_equal(metrics_provider(&m, "beta")->active, 1);
	/* A model's row is per provider:model: m1 on alpha and on beta are
	 * two rows, not one (/stats merged them once). */
	assert_int_equal(metrics_model(&m, "alpha:m1")->active, 1);
	assert_int_equal(metrics_model(&m, "beta:m1")->active, 1);
	assert_int_equal(metrics_model(&m, "alpha:m2")->active, 1);
	assert_null(metrics_model(&m, "m1"));
	assert_int_equal(m.total.active, 3);
	assert_int_equal(m.nprov, 2);
	assert_int_equal(m.nmodel, 3);
	assert_int_equal(m.total.count, 0);
	assert_int_equal(metrics_provider(&m, "alpha")->count, 0);
	metrics_done(&m);
}

static void test_metrics_end_counts_and_sums(void **state)
{
	(void)state;
	struct metrics_price price = {.input = 3.0, .output = 15.0, .known = true};
	struct metrics m;
	metrics_init(&m);

	struct reply_metrics r;
	streamed(&r);
	r.outcome = REPLY_OK;
	r.usage_in = 120;
	r.usage_out = 52;
	r.usage_thinking = 7;
	metrics_derive(&r, &price);

	metrics_begin(&m, "alpha", "m1");
	metrics_end(&m, "alpha", "m1", &r);

	const struct metrics_agg *aggs[] = {metrics_provider(&m, "alpha"),
	                                    metrics_model(&m, "alpha:m1"), &m.total};
	for (size_t i = 0; i < 3; i++) {
		const struct metrics_agg *a = aggs[i];
		assert_non_null(a);
		assert_int_equal(a->count, 1);
		assert_int_equal(a->active, 0);
		assert_int_equal(a->errors, 0);
		assert_int_equal(a->cancelled, 0);
		assert_int_equal(a->tokens_in, 120);
		assert_int_equal(a->tokens_out, 52);
		assert_int_equal(a->tokens_thinking, 7);
		assert_false(a->tokens_estimated);
		assert_near(a->cost, 0.00114, 1e-15);
		assert_int_equal(a->priced, 1);
		assert_false(a->cost_estimated);
		assert_int_equal(a->nttft, 1);
		assert_int_equal(a->ttft[0], 300);
		assert_int_equal(a->ntps, 1);
		assert_near(a->tps[0], 52000.0 / 975.0, 1e-12);
	}
	assert_string_equal(aggs[0]->name, "alpha");
	assert_string_equal(aggs[1]->name, "alpha:m1");
	metrics_done(&m);
}

static void test_metrics_end_after_fallback_counts_under_the_new_names(void **state)
{
	(void)state;
	struct metrics m;
	metrics_init(&m);
	/* Begun on A/m1; the router fell back and B/m2 answered. */
	metrics_begin(&m, "A", "m1");
	struct reply_metrics r = done_reply("B", "m2", REPLY_OK, 250, 1250);
	metrics_end(&m, "A", "m1", &r);

	const struct metrics_agg *a = metrics_provider(&m, "A");
	const struct metrics_agg *b = metrics_provider(&m, "B");
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(a->active, 0);
	assert_int_equal(a->count, 0);
	assert_int_equal(a->nttft, 0);
	assert_int_equal(a->tokens_out, 0);
	assert_int_equal(b->active, 0);
	assert_int_equal(b->count, 1);
	assert_int_equal(b->tokens_out, 20);
	assert_int_equal(b->nttft, 1);

	assert_int_equal(metrics_model(&m, "A:m1")->active, 0);
	assert_int_equal(metrics_model(&m, "A:m1")->count, 0);
	assert_int_equal(metrics_model(&m, "B:m2")->active, 0);
	assert_int_equal(metrics_model(&m, "B:m2")->count, 1);

	assert_int_equal(m.total.active, 0);
	assert_int_equal(m.total.count, 1);
	assert_int_equal(m.total.tokens_out, 20);
	metrics_done(&m);
}

static void test_metrics_end_with_empty_names_uses_the_begun_ones(void **state)
{
	(void)state;
	struct metrics m;
	metrics_init(&m);
	metrics_begin(&m, "alpha", "m1");
	struct reply_metrics r = done_reply("", "", REPLY_ERROR, -1, -1);
	metrics_end(&m, "alpha", "m1", &r);
	assert_int_equal(m.nprov, 1);
	assert_int_equal(m.nmodel, 1);
	assert_int_equal(metrics_provider(&m, "alpha")->count, 1);
	assert_int_equal(metrics_provider(&m, "alpha")->errors, 1);
	assert_int_equal(metrics_model(&m, "alpha:m1")->count, 1);
	assert_null(metrics_provider(&m, ""));

	/* Only the provider known: the model still comes from the begin. */
	metrics_begin(&m, "alpha", "m1");
	r = done_reply("beta", "", REPLY_OK, 100, 600);
	metrics_end(&m, "alpha", "m1", &r);
	assert_int_equal(metrics_provider(&m, "beta")->count, 1);
	assert_int_equal(metrics_model(&m, "beta:m1")->count, 1);
	assert_int_equal(metrics_model(&m, "alpha:m1")->count, 1);
	assert_int_equal(metrics_model(&m, "alpha:m1")->active, 0);
	metrics_done(&m);
}

static void test_metrics_end_never_takes_active_below_zero(void **state)
{
	(void)state;
	struct metrics m;
	metrics_init(&m);
	struct reply_metrics r = done_reply("alpha", "m1", REPLY_OK, 100, 600);
	/* Ended without a begin: counted, but nothing goes negative. */
	metrics_end(&m, "alpha", "m1", &r);
	assert_int_equal(m.total.active, 0);
	assert_int_equal(metrics_provider(&m, "alpha")->active, 0);
	assert_int_equal(metrics_provider(&m, "alpha")->count, 1);

	metrics_begin(&m, "alpha", "m1");
	metrics_end(&m, "alpha", "m1", &r);
	metrics_end(&m, "alpha", "m1", &r);
	assert_int_equal(m.total.active, 0);
	assert_int_equal(metrics_provider(&m, "alpha")->active, 0);
	assert_int_equal(metrics_model(&m, "alpha:m1")->active, 0);
	assert_int_equal(m.total.count, 3);

	/* An end for a name never begun does not create it to decrement. */
	metrics_end(&m, "ghost", "phantom", &r);
	assert_null(metrics_provider(&m, "ghost"));
	assert_null(metrics_model(&m, "ghost:phantom"));
	metrics_done(&m);
}

static void test_metrics_errors_and_cancelled_counted(void **state)
{
	(void)state;
	struct metrics m;
	metrics_init(&m);
	enum reply_outcome seq[] = {REPLY_OK, REPLY_ERROR, REPLY_CANCELLED, REPLY_ERROR, REPLY_OK};
	for (size_t i = 0; i < 5; i++) {
		struct reply_metrics r = done_reply("alpha", "m1", seq[i], 100, 600);
		run_reply(&m, &r);
	}
	const struct metrics_agg *a = metrics_provider(&m, "alpha");
	assert_int_equal(a->count, 5);
	assert_int_equal(a->errors, 2);
	assert_int_equal(a->cancelled, 1);
	assert_int_equal(m.total.count, 5);
	assert_int_equal(m.total.errors, 2);
	assert_int_equal(m.total.cancelled, 1);
	assert_int_equal(metrics_model(&m, "alpha:m1")->errors, 2);
	metrics_done(&m);
}

static void test_metrics_tps_sample_only_for_ok_ttft_for_any(void **state)
{
	(void)state;
	struct metrics m;
	metrics_init(&m);
	/* Each has a TTFT and a rate; only the OK ones' rates count. */
	struct reply_metrics ok1 = done_reply("alpha", "m1", REPLY_OK, 100, 1100);   /* 20 t/s */
	struct reply_metrics err = done_reply("alpha", "m1", REPLY_ERROR, 200, 400); /* 100 */
	struct reply_metrics can = done_reply("alpha", "m1", REPLY_CANCELLED, 300, 500);
	struct reply_metrics ok2 = done_reply("alpha", "m1", REPLY_OK, 400, 900);   /* 40 */
	struct reply_metrics none = done_reply("alpha", "m1", REPLY_ERROR, -1, -1); /* no TTFT */
	struct reply_metrics flat = done_reply("alpha", "m1", REPLY_OK, 500, 500);  /* no rate */
	assert_near(err.tps, 100.0, 1e-12);
	assert_dbl(flat.tps, -1);
	const struct reply_metrics *all[] = {&ok1, &err, &can, &ok2, &none, &flat};
	for (size_t i = 0; i < 6; i++)
		run_reply(&m, all[i]);

	const struct metrics_agg *a = metrics_provider(&m, "alpha");
	assert_int_equal(a->nttft, 5);
	long long want_ttft[] = {100, 200, 300, 400, 500};
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(a->ttft[i], want_ttft[i]);
	assert_int_equal(a->ntps, 2);
	assert_near(a->tps[0], 20.0, 1e-12);
	assert_near(a->tps[1], 40.0, 1e-12);
	assert_int_equal(metrics_agg_ttft(a, 50), 300);
	assert_near(metrics_agg_tps(a, 100), 40.0, 1e-12);

	/* A first token at t0 is a sample of 0 ms, not a missing one. */
	struct reply_metrics instant = done_reply("alpha", "m1", REPLY_OK, 0, 1000);
	run_reply(&m, &instant);
	a = metrics_provider(&m, "alpha"); /* recording may move the array */
	assert_int_equal(a->nttft, 6);
	assert_int_equal(a->ttft[5], 0);
	assert_int_equal(metrics_agg_ttft(a, 0), 0);
	assert_near(metrics_agg_tps(&m.total, 50), 20.0, 1e-12);
	metrics_done(&m);
}

static void test_metrics_token_and_cost_flags_accumulate(void **state)
{
	(void)state;
	struct metrics_price price = {.input = 1.0, .output = 2.0, .known = true};
	struct metrics m;
	metrics_init(&m);

	/* Reported and priced: 10 * 1 + 20 * 2 = 50 per million. */
	struct reply_metrics r1 = done_reply("alpha", "m1", REPLY_OK, 100, 600);
	metrics_derive(&r1, &price);
	run_reply(&m, &r1);
	/* Reported, no price: tokens add, cost does not. */
	struct reply_metrics r2 = done_reply("alpha", "m1", REPLY_OK, 100, 600);
	run_reply(&m, &r2);
	const struct metrics_agg *a = metrics_provider(&m, "alpha");
	assert_int_equal(a->tokens_in, 20);
	assert_int_equal(a->tokens_out, 40);
	assert_int_equal(a->tokens_thinking, 0);
	assert_false(a->tokens_estimated);
	assert_near(a->cost, 0.00005, 1e-15);
	assert_int_equal(a->priced, 1);
	assert_false(a->cost_estimated);

	/* Estimated and priced: 4 bytes in -> 1, 8 bytes out -> 2, 4 of them
	 * thinking -> 1; 1 * 1 + 2 * 2 = 5 per million. */
	struct reply_metrics r3;
	reply_metrics_init(&r3);
	r3.outcome = REPLY_OK;
	r3.prompt_bytes = 4;
	r3.text_bytes = 4;
	r3.thinking_bytes = 4;
	metrics_derive(&r3, &price);
	metrics_begin(&m, "alpha", "m1");
	metrics_end(&m, "alpha", "m1", &r3);
	a = metrics_provider(&m, "alpha");
	assert_int_equal(a->tokens_in, 21);
	assert_int_equal(a->tokens_out, 42);
	assert_int_equal(a->tokens_thinking, 1);
	assert_true(a->tokens_estimated);
	assert_near(a->cost, 0.000055, 1e-15);
	assert_int_equal(a->priced, 2);
	assert_true(a->cost_estimated);
	assert_true(m.total.tokens_estimated);
	assert_true(m.total.cost_estimated);

	struct metrics m2;
	metrics_init(&m2);
	/* A reply never derived adds no tokens and no flag. */
	struct reply_metrics raw;
	reply_metrics_init(&raw);
	raw.in_estimated = true; /* a flag with no count: ignored */
	run_reply(&m2, &raw);
	assert_int_equal(m2.total.count, 1);
	assert_int_equal(m2.total.tokens_in, 0);
	assert_false(m2.total.tokens_estimated);

	/* Only the thinking count estimated still marks the tokens. */
	struct reply_metrics r4 = done_reply("beta", "m9", REPLY_OK, 100, 600);
	r4.usage_thinking = -1;
	r4.thinking_bytes = 9;
	metrics_derive(&r4, NULL);
	run_reply(&m2, &r4);
	assert_true(metrics_provider(&m2, "beta")->tokens_estimated);
	assert_int_equal(metrics_provider(&m2, "beta")->tokens_thinking, 3);
	assert_int_equal(m2.total.count, 2);
	assert_int_equal(m2.total.tokens_in, 10);
	metrics_done(&m2);
	metrics_done(&m);
}

static void test_metrics_ring_keeps_only_the_last_256(void **state)
{
	(void)state;
	struct metrics m;
	metrics_init(&m);
	/* 300 replies: TTFT i, and i tokens... a rate of i tok/s over 20 s
	 * with 20 * i tokens. Samples 1..44 drop out; 45..300 remain. */
	for (long long i = 1; i <= 300; i++) {
		struct reply_metrics r = done_reply("alpha", "m1", REPLY_OK, i, i + 20000);
		r.usage_out = 20 * i;
		metrics_derive(&r, NULL);
		run_reply(&m, &r);
	}
	const struct metrics_agg *a = metrics_provider(&m, "alpha");
	assert_int_equal(a->nttft, 300);
	assert_int_equal(a->ntps, 300);
	assert_int_equal(a->count, 300);
	assert_int_equal(metrics_agg_ttft(a, 0), 45);
	assert_int_equal(metrics_agg_ttft(a, 100), 300);
	assert_int_equal(metrics_agg_ttft(a, 50), 172); /* rank 128 of 45..300 */
	assert_int_equal(metrics_agg_ttft(a, 95), 288); /* rank ceil(243.2) = 244 */
	assert_near(metrics_agg_tps(a, 0), 45.0, 1e-9);
	assert_near(metrics_agg_tps(a, 50), 172.0, 1e-9);
	assert_near(metrics_agg_tps(a, 100), 300.0, 1e-9);
	/* The slots written last: 300 went to 299 % 256 = 43. */
	assert_int_equal(a->ttft[43], 300);
	assert_int_equal(a->ttft[44], 45);
	assert_int_equal(metrics_agg_ttft(&m.total, 0), 45);
	metrics_done(&m);
}

static void test_metrics_ring_exactly_full(void **state)
{
	(void)state;
	struct metrics m;
	metrics_init(&m);
	for (long long i = 1; i <= METRICS_SAMPLES; i++) {
		struct reply_metrics r = done_reply("alpha", "m1", REPLY_OK, i * 10, -1);
		run_reply(&m, &r);
	}
	const struct metrics_agg *a = metrics_provider(&m, "alpha");
	assert_int_equal(a->nttft, METRICS_SAMPLES);
	assert_int_equal(a->ntps, 0); /* no window: no rates */
	assert_int_equal(metrics_agg_ttft(a, 0), 10);
	assert_int_equal(metrics_agg_ttft(a, 50), 1280);
	assert_int_equal(metrics_agg_ttft(a, 100), 2560);
	assert_dbl(metrics_agg_tps(a, 50), -1);
	metrics_done(&m);
}

static void test_metrics_trips_sum_over_providers(void **state)
{
	(void)state;
	struct metrics m;
	metrics_init(&m);
	metrics_begin(&m, "A", "m1");
	metrics_set_trips(&m, "A", 2);
	assert_int_equal(m.total.breaker_trips, 2);
	metrics_set_trips(&m, "B", 3); /* created on the way */
	assert_non_null(metrics_provider(&m, "B"));
	assert_int_equal(metrics_provider(&m, "B")->count, 0);
	assert_int_equal(m.total.breaker_trips, 5);
	metrics_set_trips(&m, "A", 1); /* set, not added */
	assert_int_equal(metrics_provider(&m, "A")->breaker_trips, 1);
	assert_int_equal(m.total.breaker_trips, 4);
	metrics_set_trips(&m, "B", 0);
	assert_int_equal(m.total.breaker_trips, 1);
	/* Models have no trips. */
	assert_int_equal(metrics_model(&m, "A:m1")->breaker_trips, 0);
	metrics_done(&m);
}

static void test_metrics_many_names_grow_the_arrays(void **state)
{
	(void)state;
	struct metrics m;
	metrics_init(&m);
	char p[32], md[32];
	for (int i = 0; i < 50; i++) {
		snprintf(p, sizeof(p), "prov%d", i);
		snprintf(md, sizeof(md), "model%d", i);
		for (int k = 0; k <= i % 3; k++)
			metrics_begin(&m, p, md);
	}
	assert_int_equal(m.nprov, 50);
	assert_int_equal(m.nmodel, 50);
	for (int i = 0; i < 50; i++) {
		snprintf(p, sizeof(p), "prov%d", i);
		snprintf(md, sizeof(md), "model%d", i);
		assert_int_equal(metrics_provider(&m, p)->active, (unsigned)(i % 3 + 1));
		assert_non_null(metrics_model_of(&m, p, md));
		assert_string_equal(metrics_model_of(&m, p, md)->name + strlen(p) + 1, md);
	}
	assert_int_equal(m.total.active, 17 * 1 + 17 * 2 + 16 * 3);
	metrics_done(&m);
}

static void test_metrics_long_names_truncate_consistently(void **state)
{
	(void)state;
	struct metrics m;
	metrics_init(&m);
	const char *prov = "a-provider-name-longer-than-twenty-three";
	char model[100];
	memset(model, 'x', 90);
	model[90] = '\0';

	/* The app copies the names into the reply, which cuts them. */
	struct reply_metrics r = done_reply(prov, model, REPLY_OK, 100, 600);
	assert_int_equal(strlen(r.provider), 23);
	assert_int_equal(strlen(r.model), METRICS_NAME - 1);

	metrics_begin(&m, prov, model);
	metrics_end(&m, prov, model, &r);
	assert_int_equal(m.nprov, 1);
	assert_int_equal(m.nmodel, 1);
	const struct metrics_agg *a = metrics_provider(&m, prov);
	assert_non_null(a);
	assert_ptr_equal(a, metrics_provider(&m, r.provider));
	assert_string_equal(a->name, r.provider);
	assert_int_equal(a->count, 1);
	assert_int_equal(a->active, 0);
	const struct metrics_agg *ma = metrics_model_of(&m, prov, model);
	assert_non_null(ma);
	assert_ptr_equal(ma, metrics_model_of(&m, r.provider, r.model));
	assert_int_equal(strlen(ma->name), METRICS_NAME - 1);
	assert_int_equal(ma->count, 1);
	assert_int_equal(ma->active, 0);

	/* Exact match on the stored name: a prefix is another name. */
	assert_null(metrics_provider(&m, "a-provider"));
	metrics_done(&m);
}

/* ---- sparkline -------------------------------------------------------------- */

/* An aggregate holding the TTFT samples v[0..n), oldest first. */
static void fill(struct metrics_agg *a, const long long *v, size_t n)
{
	memset(a, 0, sizeof(*a));
	for (size_t i = 0; i < n; i++)
		a->ttft[a->nttft++ % METRICS_SAMPLES] = v[i];
}

static void spark_is(const struct metrics_agg *a, size_t width, const char *want)
{
	struct buf b;
	buf_init(&b, 0);
	metrics_sparkline(a, width, &b);
	assert_bytes_equal(b.data != NULL ? b.data : "", b.len, want);
	buf_done(&b);
}

static void test_metrics_sparkline_full_scale(void **state)
{
	(void)state;
	struct metrics_agg a;
	long long v[] = {100, 200, 300, 400, 500, 600, 700, 800};
	fill(&a, v, 8);
	spark_is(&a, 8, "▁▂▃▄▅▆▇█");
	spark_is(&a, 20, "▁▂▃▄▅▆▇█"); /* wider than the samples: all of them */
	long long rev[] = {800, 700, 600, 500, 400, 300, 200, 100};
	fill(&a, rev, 8);
	spark_is(&a, 8, "█▇▆▅▄▃▂▁");
}

static void test_metrics_sparkline_all_equal_sits_in_the_middle(void **state)
{
	(void)state;
	struct metrics_agg a;
	long long v[] = {250, 250, 250};
	fill(&a, v, 3);
	spark_is(&a, 3, "▄▄▄");
	long long one[] = {9};
	fill(&a, one, 1);
	spark_is(&a, 5, "▄");
}

static void test_metrics_sparkline_shows_the_last_width_scaled_to_them(void **state)
{
	(void)state;
	struct metrics_agg a;
	long long v[] = {100, 200, 300, 400, 500, 600, 700, 800};
	fill(&a, v, 8);
	/* 600, 700, 800 between their own min and max: 0, 3.5 -> 4, 7. */
	spark_is(&a, 3, "▁▅█");
	spark_is(&a, 1, "▄");
	spark_is(&a, 2, "▁█");
}

static void test_metrics_sparkline_rounds_to_nearest(void **state)
{
	(void)state;
	struct metrics_agg a;
	/* Over 0..30: 10 -> 2.33 -> 2, 20 -> 4.67 -> 5. */
	long long v[] = {0, 10, 20, 30};
	fill(&a, v, 4);
	spark_is(&a, 4, "▁▃▆█");
	/* Over 0..1000: 71 -> 0.497 -> 0, 72 -> 0.504 -> 1, 500 -> 3.5 -> 4. */
	long long w[] = {0, 71, 72, 500, 1000};
	fill(&a, w, 5);
	spark_is(&a, 5, "▁▁▂▅█");
}

static void test_metrics_sparkline_across_the_ring_wrap(void **state)
{
	(void)state;
	struct metrics_agg a;
	memset(&a, 0, sizeof(a));
	/* 258 samples of i * 10: the last four sit in slots 254, 255, 0, 1. */
	for (long long i = 0; i < 258; i++)
		a.ttft[a.nttft++ % METRICS_SAMPLES] = i * 10;
	spark_is(&a, 4, "▁▃▆█");
	/* All of the ring: 256 samples, 20..2570, first and last at the ends. */
	struct buf b;
	buf_init(&b, 0);
	metrics_sparkline(&a, 1000, &b);
	assert_int_equal(b.len, 256 * 3);
	assert_memory_equal(b.data, "▁", 3);
	assert_memory_equal(b.data + 255 * 3, "█", 3);
	buf_done(&b);
}

static void test_metrics_sparkline_appends_nothing_when_empty(void **state)
{
	(void)state;
	struct metrics_agg a;
	memset(&a, 0, sizeof(a));
	struct buf b;
	buf_init(&b, 0);
	buf_append_str(&b, "ttft ");
	metrics_sparkline(&a, 10, &b); /* no samples */
	assert_bytes_equal(b.data, b.len, "ttft ");
	long long v[] = {1, 2};
	fill(&a, v, 2);
	metrics_sparkline(&a, 0, &b); /* no width */
	assert_bytes_equal(b.data, b.len, "ttft ");
	metrics_sparkline(&a, 2, &b); /* appends after what is there */
	assert_bytes_equal(b.data, b.len, "ttft ▁█");
	buf_done(&b);
}

/* Outside a UTF-8 locale the blocks are ASCII, lowest first, so LANG=C
 * never shows a garbled /stats. */
static void test_metrics_sparkline_in_ascii(void **state)
{
	(void)state;
	struct metrics_agg a;
	long long v[] = {100, 200, 300, 400, 500, 600, 700, 800};
	fill(&a, v, 8);
	glyphs_use(false);
	spark_is(&a, 8, "_.-=+*#@");
	long long eq[] = {5, 5};
	fill(&a, eq, 2);
	spark_is(&a, 2, "==");
	glyphs_use(true);
	spark_is(&a, 2, "▄▄");
}

static void test_metrics_sparkline_from_recorded_replies(void **state)
{
	(void)state;
	struct metrics m;
	metrics_init(&m);
	long long t[] = {400, 100, 250, 700};
	for (size_t i = 0; i < 4; i++) {
		struct reply_metrics r = done_reply("alpha", "m1", REPLY_OK, t[i], t[i] + 1000);
		run_reply(&m, &r);
	}
	/* Over 100..700: 300*7/600 = 3.5 -> 4, 0, 150*7/600 = 1.75 -> 2, 7. */
	spark_is(metrics_provider(&m, "alpha"), 10, "▅▁▃█");
	spark_is(&m.total, 10, "▅▁▃█");
	metrics_done(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_metrics_init_is_all_unknown),
	    cmocka_unit_test(test_metrics_derive_estimates_without_usage),
	    cmocka_unit_test(test_metrics_estimate_rounds_up_at_byte_boundaries),
	    cmocka_unit_test(test_metrics_empty_reply_estimates_zero),
	    cmocka_unit_test(test_metrics_fmt_ms_as_every_view_writes_it),
	    cmocka_unit_test(test_metrics_failed_before_any_token_costs_nothing),
	    cmocka_unit_test(test_metrics_deltas_floor_the_output_estimate),
	    cmocka_unit_test(test_metrics_usage_replaces_estimate_mid_stream_then_at_end),
	    cmocka_unit_test(test_metrics_usage_zero_is_reported_not_unknown),
	    cmocka_unit_test(test_metrics_tps_over_first_to_last_token),
	    cmocka_unit_test(test_metrics_tps_unknown_without_a_window),
	    cmocka_unit_test(test_metrics_usage_replacing_estimate_changes_tps),
	    cmocka_unit_test(test_metrics_cost_with_a_known_price),
	    cmocka_unit_test(test_metrics_cost_unknown_without_a_price),
	    cmocka_unit_test(test_metrics_cost_estimated_when_either_count_is),
	    cmocka_unit_test(test_metrics_stall_since_last_byte_or_t0),
	    cmocka_unit_test(test_metrics_best_ttft_lowest_ok_ties_to_first),
	    cmocka_unit_test(test_metrics_best_tps_highest_ok_ties_to_first),
	    cmocka_unit_test(test_metrics_percentile_nearest_rank_of_1_to_20),
	    cmocka_unit_test(test_metrics_percentile_exact_ranks_survive_rounding),
	    cmocka_unit_test(test_metrics_percentile_fractional_p_exact_ranks),
	    cmocka_unit_test(test_metrics_percentile_odd_p_min_or_max),
	    cmocka_unit_test(test_metrics_percentile_d_nan_sorts_last),
	    cmocka_unit_test(test_metrics_percentile_of_one_value),
	    cmocka_unit_test(test_metrics_percentile_unsorted_input_untouched),
	    cmocka_unit_test(test_metrics_percentile_of_nothing),
	    cmocka_unit_test(test_metrics_percentile_more_than_the_stack_buffer),
	    cmocka_unit_test(test_metrics_percentile_d_of_1_to_20),
	    cmocka_unit_test(test_metrics_init_names_the_total),
	    cmocka_unit_test(test_metrics_begin_counts_active_everywhere),
	    cmocka_unit_test(test_metrics_end_counts_and_sums),
	    cmocka_unit_test(test_metrics_end_after_fallback_counts_under_the_new_names),
	    cmocka_unit_test(test_metrics_end_with_empty_names_uses_the_begun_ones),
	    cmocka_unit_test(test_metrics_end_never_takes_active_below_zero),
	    cmocka_unit_test(test_metrics_errors_and_cancelled_counted),
	    cmocka_unit_test(test_metrics_tps_sample_only_for_ok_ttft_for_any),
	    cmocka_unit_test(test_metrics_token_and_cost_flags_accumulate),
	    cmocka_unit_test(test_metrics_ring_keeps_only_the_last_256),
	    cmocka_unit_test(test_metrics_ring_exactly_full),
	    cmocka_unit_test(test_metrics_trips_sum_over_providers),
	    cmocka_unit_test(test_metrics_many_names_grow_the_arrays),
	    cmocka_unit_test(test_metrics_long_names_truncate_consistently),
	    cmocka_unit_test(test_metrics_sparkline_full_scale),
	    cmocka_unit_test(test_metrics_sparkline_all_equal_sits_in_the_middle),
	    cmocka_unit_test(test_metrics_sparkline_shows_the_last_width_scaled_to_them),
	    cmocka_unit_test(test_metrics_sparkline_rounds_to_nearest),
	    cmocka_unit_test(test_metrics_sparkline_across_the_ring_wrap),
	    cmocka_unit_test(test_metrics_sparkline_appends_nothing_when_empty),
	    cmocka_unit_test(test_metrics_sparkline_in_ascii),
	    cmocka_unit_test(test_metrics_sparkline_from_recorded_replies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
