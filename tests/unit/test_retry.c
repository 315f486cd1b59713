/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_retry: the retry policy (DESIGN.md, "Resilience") and its jitter. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <limits.h>

#include "route/retry.h"

#define SEEDS 2000

static const enum wire_error_kind all_kinds[] = {
	WIRE_ERR_UNKNOWN,    WIRE_ERR_AUTH,      WIRE_ERR_BILLING,     WIRE_ERR_RATE_LIMIT,
	WIRE_ERR_OVERLOADED, WIRE_ERR_SERVER,    WIRE_ERR_TIMEOUT,     WIRE_ERR_BAD_REQUEST,
	WIRE_ERR_NOT_FOUND,  WIRE_ERR_TOO_LARGE, WIRE_ERR_BLOCKED,     WIRE_ERR_TRUNCATED,
	WIRE_ERR_TOO_BIG,    WIRE_ERR_STREAM,    WIRE_ERR_CONNECT,     WIRE_ERR_NETWORK,
	WIRE_ERR_REDIRECT,
};
#define NKINDS (sizeof all_kinds / sizeof all_kinds[0])

/* ---- retry_uniform ------------------------------------------------------ */

static void test_retry_uniform_stays_in_unit_interval_and_spreads(void **state)
{
	(void)state;
	uint64_t rng = 0; /* zero is a fine seed for splitmix64 */
	double lo = 1.0, hi = 0.0, sum = 0.0;
	int buckets[10] = {0};
	for (int i = 0; i < 100000; i++) {
		double u = retry_uniform(&rng);
		assert_true(u >= 0.0);
		assert_true(u < 1.0);
		lo = u < lo ? u : lo;
		hi = u > hi ? u : hi;
		sum += u;
		buckets[(int)(u * 10)]++;
	}
	assert_true(lo < 0.001);
	assert_true(hi > 0.999);
	assert_true(sum / 100000 > 0.49 && sum / 100000 < 0.51);
	for (int b = 0; b < 10; b++)
		assert_true(buckets[b] > 9000 && buckets[b] < 11000);
}

static void test_retry_uniform_same_seed_same_sequence(void **state)
{
	(void)state;
	uint64_t a = 42, b = 42, c = 43;
	int differ = 0;
	for (int i = 0; i < 100; i++) {
		double x = retry_uniform(&a);
		assert_true(x == retry_uniform(&b));
		if (x != retry_uniform(&c))
			differ++;
	}
	assert_int_equal(a, b);
	assert_true(differ > 90);
}

/* ---- retry_delay_ms ----------------------------------------------------- */

static void test_retry_delay_backoff_bounds_for_retries_0_to_6(void **state)
{
	(void)state;
	/* min(0.5 s * 2^retry, 8 s) times [0.75, 1). */
	static const long long base[] = {500, 1000, 2000, 4000, 8000, 8000, 8000};
	for (int retry = 0; retry <= 6; retry++) {
		long long want_lo = base[retry] * 3 / 4, want_hi = base[retry];
		long long lo = LLONG_MAX, hi = 0;
		for (uint64_t seed = 0; seed < SEEDS; seed++) {
			uint64_t rng = seed * 7919;
			long long d = retry_delay_ms(retry, -1, &rng);
			assert_in_range(d, want_lo, want_hi);
			lo = d < lo ? d : lo;
			hi = d > hi ? d : hi;
		}
		/* The jitter really spreads over the whole band. */
		assert_true(lo <= want_lo + want_lo / 50);
		assert_true(hi >= want_hi - want_hi / 50);
	}
}

static void test_retry_delay_named_bands(void **state)
{
	(void)state;
	for (uint64_t seed = 0; seed < SEEDS; seed++) {
		uint64_t rng = seed;
		assert_in_range(retry_delay_ms(0, -1, &rng), 375, 500);
		assert_in_range(retry_delay_ms(1, -1, &rng), 750, 1000);
		assert_in_range(retry_delay_ms(2, -1, &rng), 1500, 2000);
		assert_in_range(retry_delay_ms(3, -1, &rng), 3000, 4000);
		assert_in_range(retry_delay_ms(4, -1, &rng), 6000, 8000);
		assert_in_range(retry_delay_ms(6, -1, &rng), 6000, 8000);
	}
}

static void test_retry_delay_without_rng_is_full_backoff(void **state)
{
	(void)state;
	assert_int_equal(retry_delay_ms(0, -1, NULL), 500);
	assert_int_equal(retry_delay_ms(1, -1, NULL), 1000);
	assert_int_equal(retry_delay_ms(3, -1, NULL), 4000);
	assert_int_equal(retry_delay_ms(4, -1, NULL), 8000);
	assert_int_equal(retry_delay_ms(9, -1, NULL), 8000);
}

static void test_retry_delay_extreme_retry_counts(void **state)
{
	(void)state;
	assert_int_equal(retry_delay_ms(-1, -1, NULL), 500);
	assert_int_equal(retry_delay_ms(INT_MIN, -1, NULL), 500);
	assert_int_equal(retry_delay_ms(63, -1, NULL), 8000);
	assert_int_equal(retry_delay_ms(INT_MAX, -1, NULL), 8000);
	uint64_t rng = 1;
	assert_in_range(retry_delay_ms(INT_MAX, -1, &rng), 6000, 8000);
}

static void test_retry_delay_honours_hint_up_to_60_s(void **state)
{
	(void)state;
	uint64_t rng = 5, before = rng;
	assert_int_equal(retry_delay_ms(0, 0, &rng), 0);
	assert_int_equal(retry_delay_ms(0, 1000, &rng), 1000);
	assert_int_equal(retry_delay_ms(5, 1000, &rng), 1000);
	assert_int_equal(retry_delay_ms(1, 60000, &rng), 60000);
	assert_int_equal(retry_delay_ms(0, 60000, NULL), 60000);
	/* A hint is exact: no jitter was drawn. */
	assert_int_equal(rng, before);
}

static void test_retry_delay_ignores_hint_over_60_s_or_negative(void **state)
{
	(void)state;
	for (uint64_t seed = 0; seed < SEEDS; seed++) {
		uint64_t rng = seed;
		assert_in_range(retry_delay_ms(0, 60001, &rng), 375, 500);
		assert_in_range(retry_delay_ms(0, -1, &rng), 375, 500);
		assert_in_range(retry_delay_ms(2, 60001, &rng), 1500, 2000);
		assert_in_range(retry_delay_ms(2, -1, &rng), 1500, 2000);
		assert_in_range(retry_delay_ms(1, LLONG_MAX, &rng), 750, 1000);
		assert_in_range(retry_delay_ms(1, LLONG_MIN, &rng), 750, 1000);
	}
	assert_int_equal(retry_delay_ms(0, 60001, NULL), 500);
	assert_int_equal(retry_delay_ms(0, -1, NULL), 500);
}

/* ---- retry_decide ------------------------------------------------------- */

/* What an uncommitted request gets after 0, 1, 2 and 3 retries, with no
 * hint (or any hint: only the rate limit looks at it). */
static const struct {
	enum wire_error_kind kind;
	enum retry_action after[4];
} table[] = {
	{WIRE_ERR_UNKNOWN, {RETRY_SAME, RETRY_SAME, RETRY_FALLBACK, RETRY_FALLBACK}},
	{WIRE_ERR_AUTH, {RETRY_DISABLE, RETRY_DISABLE, RETRY_DISABLE, RETRY_DISABLE}},
	{WIRE_ERR_BILLING, {RETRY_FALLBACK, RETRY_FALLBACK, RETRY_FALLBACK, RETRY_FALLBACK}},
	{WIRE_ERR_RATE_LIMIT, {RETRY_SAME, RETRY_SAME, RETRY_FALLBACK, RETRY_FALLBACK}},
	{WIRE_ERR_OVERLOADED, {RETRY_SAME, RETRY_SAME, RETRY_FALLBACK, RETRY_FALLBACK}},
	{WIRE_ERR_SERVER, {RETRY_SAME, RETRY_SAME, RETRY_FALLBACK, RETRY_FALLBACK}},
	{WIRE_ERR_TIMEOUT, {RETRY_SAME, RETRY_SAME, RETRY_FALLBACK, RETRY_FALLBACK}},
	{WIRE_ERR_BAD_REQUEST, {RETRY_FAIL, RETRY_FAIL, RETRY_FAIL, RETRY_FAIL}},
	{WIRE_ERR_NOT_FOUND, {RETRY_FAIL, RETRY_FAIL, RETRY_FAIL, RETRY_FAIL}},
	{WIRE_ERR_TOO_LARGE, {RETRY_FAIL, RETRY_FAIL, RETRY_FAIL, RETRY_FAIL}},
	{WIRE_ERR_BLOCKED, {RETRY_FAIL, RETRY_FAIL, RETRY_FAIL, RETRY_FAIL}},
	{WIRE_ERR_TRUNCATED, {RETRY_SAME, RETRY_SAME, RETRY_FALLBACK, RETRY_FALLBACK}},
	{WIRE_ERR_TOO_BIG, {RETRY_FAIL, RETRY_FAIL, RETRY_FAIL, RETRY_FAIL}},
	{WIRE_ERR_STREAM, {RETRY_SAME, RETRY_SAME, RETRY_FALLBACK, RETRY_FALLBACK}},
	{WIRE_ERR_CONNECT, {RETRY_SAME, RETRY_SAME, RETRY_FALLBACK, RETRY_FALLBACK}},
	{WIRE_ERR_NETWORK, {RETRY_SAME, RETRY_SAME, RETRY_FALLBACK, RETRY_FALLBACK}},
	/* A 3xx is never retried nor followed (issue 16, item 13). */
	{WIRE_ERR_REDIRECT, {RETRY_FAIL, RETRY_FAIL, RETRY_FAIL, RETRY_FAIL}},
};
#define NTABLE (sizeof table / sizeof table[0])

/* Fails with the case spelled out, so a broken rule names itself. */
static void check_decide(enum wire_error_kind kind, int retries, long long hint, bool committed,
                         enum retry_action want)
{
	enum retry_action got = retry_decide(kind, retries, hint, committed);
	if (got != want) {
		print_error("retry_decide(%s, retries %d, hint %lld, %s) = %s, want %s\n",
		            wire_error_kind_name(kind), retries, hint,
		            committed ? "committed" : "uncommitted", retry_action_name(got),
		            retry_action_name(want));
		fail();
	}
}

static void test_retry_decide_table_covers_every_kind(void **state)
{
	(void)state;
	assert_int_equal(NTABLE, NKINDS);
	for (size_t k = 0; k < NKINDS; k++) {
		bool found = false;
		for (size_t t = 0; t < NTABLE; t++)
			found = found || table[t].kind == all_kinds[k];
		assert_true(found);
	}
}

static void test_retry_decide_every_kind_uncommitted_no_hint(void **state)
{
	(void)state;
	for (size_t t = 0; t < NTABLE; t++)
		for (int r = 0; r <= 3; r++)
			check_decide(table[t].kind, r, -1, false, table[t].after[r]);
}

static void test_retry_decide_hint_matters_only_for_rate_limit(void **state)
{
	(void)state;
	static const long long hints[] = {-1, 0, 1000, 60000, 60001, 3600000};
	for (size_t t = 0; t < NTABLE; t++) {
		if (table[t].kind == WIRE_ERR_RATE_LIMIT)
			continue;
		for (size_t h = 0; h < sizeof hints / sizeof hints[0]; h++)
			for (int r = 0; r <= 3; r++)
				check_decide(table[t].kind, r, hints[h], false, table[t].after[r]);
	}
}

static void test_retry_decide_rate_limit_with_short_hint_retries_twice(void **state)
{
	(void)state;
	static const long long hints[] = {-1, 0, 1000, 60000};
	for (size_t h = 0; h < sizeof hints / sizeof hints[0]; h++) {
		check_decide(WIRE_ERR_RATE_LIMIT, 0, hints[h], false, RETRY_SAME);
		check_decide(WIRE_ERR_RATE_LIMIT, 1, hints[h], false, RETRY_SAME);
		check_decide(WIRE_ERR_RATE_LIMIT, 2, hints[h], false, RETRY_FALLBACK);
		check_decide(WIRE_ERR_RATE_LIMIT, 3, hints[h], false, RETRY_FALLBACK);
	}
}

static void test_retry_decide_rate_limit_with_hint_over_60_s_falls_back_now(void **state)
{
	(void)state;
	for (int r = 0; r <= 3; r++) {
		check_decide(WIRE_ERR_RATE_LIMIT, r, 60001, false, RETRY_FALLBACK);
		check_decide(WIRE_ERR_RATE_LIMIT, r, 86400000, false, RETRY_FALLBACK);
	}
}

static void test_retry_decide_committed_always_fails(void **state)
{
	(void)state;
	static const long long hints[] = {-1, 0, 1000, 60000, 60001};
	for (size_t k = 0; k < NKINDS; k++)
		for (size_t h = 0; h < sizeof hints / sizeof hints[0]; h++)
			for (int r = 0; r <= 3; r++)
				check_decide(all_kinds[k], r, hints[h], true, RETRY_FAIL);
}

static void test_retry_decide_at_most_two_retries_per_provider(void **state)
{
	(void)state;
	/* Whatever the kind, a third SAME never comes. */
	for (size_t k = 0; k < NKINDS; k++)
		for (int r = RETRY_MAX_PER_PROVIDER; r < 10; r++)
			assert_int_not_equal(retry_decide(all_kinds[k], r, 1000, false), RETRY_SAME);
	assert_int_equal(RETRY_MAX_PER_PROVIDER, 2);
}

static void test_retry_decide_kind_outside_enum_is_unknown(void **state)
{
	(void)state;
	enum wire_error_kind odd = (enum wire_error_kind)99;
	assert_int_equal(retry_decide(odd, 0, -1, false), RETRY_SAME);
	assert_int_equal(retry_decide(odd, 2, -1, false), RETRY_FALLBACK);
	assert_int_equal(retry_decide(odd, 0, -1, true), RETRY_FAIL);
	assert_true(retry_counts_for_breaker(odd));
}

/* ---- breaker bookkeeping ------------------------------------------------ */

static void test_retry_counts_for_breaker_each_kind(void **state)
{
	(void)state;
	static const struct {
		enum wire_error_kind kind;
		bool counts;
	} want[] = {
		{WIRE_ERR_UNKNOWN, true},      {WIRE_ERR_AUTH, false},
		{WIRE_ERR_BILLING, false},     {WIRE_ERR_RATE_LIMIT, false},
		{WIRE_ERR_OVERLOADED, true},   {WIRE_ERR_SERVER, true},
		{WIRE_ERR_TIMEOUT, true},      {WIRE_ERR_BAD_REQUEST, false},
		{WIRE_ERR_NOT_FOUND, false},   {WIRE_ERR_TOO_LARGE, false},
		{WIRE_ERR_BLOCKED, false},     {WIRE_ERR_TRUNCATED, true},
		{WIRE_ERR_TOO_BIG, false},     {WIRE_ERR_STREAM, true},
		{WIRE_ERR_CONNECT, true},      {WIRE_ERR_NETWORK, true},
		{WIRE_ERR_REDIRECT, false},
	};
	assert_int_equal(sizeof want / sizeof want[0], NKINDS);
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		if (retry_counts_for_breaker(want[i].kind) != want[i].counts) {
			print_error("retry_counts_for_breaker(%s) should be %d\n",
			            wire_error_kind_name(want[i].kind), want[i].counts);
			fail();
		}
	}
}

static void test_retry_counts_for_breaker_follows_http_status(void **state)
{
	(void)state;
	/* The taxonomy by status: 5xx and 529 count, 4xx do not. */
	assert_true(retry_counts_for_breaker(wire_error_kind_for_status(500)));
	assert_true(retry_counts_for_breaker(wire_error_kind_for_status(502)));
	assert_true(retry_counts_for_breaker(wire_error_kind_for_status(503)));
	assert_true(retry_counts_for_breaker(wire_error_kind_for_status(504)));
	assert_true(retry_counts_for_breaker(wire_error_kind_for_status(529)));
	static const int request_faults[] = {400, 401, 402, 403, 404, 409, 413, 422, 429,
	                                     301, 302, 303, 307, 308};
	for (size_t i = 0; i < sizeof request_faults / sizeof request_faults[0]; i++)
		assert_false(retry_counts_for_breaker(wire_error_kind_for_status(request_faults[i])));
}

/* Every 3xx is a redirect, never retried (it was "unknown", retried twice). */
static void test_retry_never_retries_a_redirect_status(void **state)
{
	(void)state;
	for (int status = 300; status <= 399; status++) {
		assert_int_equal(wire_error_kind_for_status(status), WIRE_ERR_REDIRECT);
		assert_int_equal(retry_decide(wire_error_kind_for_status(status), 0, -1, false),
		                 RETRY_FAIL);
	}
	assert_string_equal(wire_error_kind_name(WIRE_ERR_REDIRECT), "redirect");
	assert_int_equal(wire_error_kind_for_status(299), WIRE_ERR_UNKNOWN);
	assert_int_equal(wire_error_kind_for_status(400), WIRE_ERR_BAD_REQUEST);
}

static void test_retry_trips_breaker_for_quota_gone(void **state)
{
	(void)state;
	assert_true(retry_trips_breaker(WIRE_ERR_BILLING, -1));
	assert_true(retry_trips_breaker(WIRE_ERR_BILLING, 1000));
	assert_true(retry_trips_breaker(WIRE_ERR_RATE_LIMIT, 60001));
	assert_false(retry_trips_breaker(WIRE_ERR_RATE_LIMIT, 60000));
	assert_false(retry_trips_breaker(WIRE_ERR_RATE_LIMIT, -1));
	for (size_t k = 0; k < NKINDS; k++) {
		if (all_kinds[k] == WIRE_ERR_BILLING || all_kinds[k] == WIRE_ERR_RATE_LIMIT)
			continue;
		assert_false(retry_trips_breaker(all_kinds[k], 3600000));
	}
}

/* The words the status line shows while the router waits. */
static void test_retry_wait_reason_names_the_wait(void **state)
{
	(void)state;
	assert_string_equal(retry_wait_reason(WIRE_ERR_RATE_LIMIT), "rate limited");
	assert_string_equal(retry_wait_reason(WIRE_ERR_OVERLOADED), "overloaded");
	assert_string_equal(retry_wait_reason(WIRE_ERR_SERVER), "server error");
	assert_string_equal(retry_wait_reason(WIRE_ERR_TIMEOUT), "timeout");
	assert_string_equal(retry_wait_reason(WIRE_ERR_CONNECT), "unreachable");
	assert_string_equal(retry_wait_reason(WIRE_ERR_NETWORK), "connection lost");
	assert_string_equal(retry_wait_reason(WIRE_ERR_TRUNCATED), "cut off");
	assert_string_equal(retry_wait_reason(WIRE_ERR_STREAM), "stream error");
	assert_string_equal(retry_wait_reason(WIRE_ERR_UNKNOWN), "failed");
	/* Every retried kind has a word of its own or "failed", never "". */
	for (size_t k = 0; k < NKINDS; k++)
		assert_true(retry_wait_reason(all_kinds[k])[0] != '\0');
}

static void test_retry_action_names(void **state)
{
	(void)state;
	assert_string_equal(retry_action_name(RETRY_SAME), "same");
	assert_string_equal(retry_action_name(RETRY_FALLBACK), "fallback");
	assert_string_equal(retry_action_name(RETRY_FAIL), "fail");
	assert_string_equal(retry_action_name(RETRY_DISABLE), "disable");
	assert_string_equal(retry_action_name((enum retry_action)42), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_retry_uniform_stays_in_unit_interval_and_spreads),
		cmocka_unit_test(test_retry_uniform_same_seed_same_sequence),
		cmocka_unit_test(test_retry_delay_backoff_bounds_for_retries_0_to_6),
		cmocka_unit_test(test_retry_delay_named_bands),
		cmocka_unit_test(test_retry_delay_without_rng_is_full_backoff),
		cmocka_unit_test(test_retry_delay_extreme_retry_counts),
		cmocka_unit_test(test_retry_delay_honours_hint_up_to_60_s),
		cmocka_unit_test(test_retry_delay_ignores_hint_over_60_s_or_negative),
		cmocka_unit_test(test_retry_decide_table_covers_every_kind),
		cmocka_unit_test(test_retry_decide_every_kind_uncommitted_no_hint),
		cmocka_unit_test(test_retry_decide_hint_matters_only_for_rate_limit),
		cmocka_unit_test(test_retry_decide_rate_limit_with_short_hint_retries_twice),
		cmocka_unit_test(test_retry_decide_rate_limit_with_hint_over_60_s_falls_back_now),
		cmocka_unit_test(test_retry_decide_committed_always_fails),
		cmocka_unit_test(test_retry_decide_at_most_two_retries_per_provider),
		cmocka_unit_test(test_retry_decide_kind_outside_enum_is_unknown),
		cmocka_unit_test(test_retry_counts_for_breaker_each_kind),
		cmocka_unit_test(test_retry_counts_for_breaker_follows_http_status),
		cmocka_unit_test(test_retry_never_retries_a_redirect_status),
		cmocka_unit_test(test_retry_trips_breaker_for_quota_gone),
		cmocka_unit_test(test_retry_wait_reason_names_the_wait),
		cmocka_unit_test(test_retry_action_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
