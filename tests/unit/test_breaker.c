/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_breaker: the per-provider circuit breaker, time injected. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <math.h>

#include "route/breaker.h"

#define SEEDS 1000

/* The defaults without jitter, so periods are exact. */
static struct breaker_config exact(void)
{
	struct breaker_config c;
	breaker_config_init(&c);
	c.jitter = 0.0;
	return c;
}

/* A request that must be allowed; returns its generation. */
static unsigned go(struct breaker *b, long long now)
{
	unsigned gen = 0xdeadbeef;
	assert_true(breaker_allow(b, now, &gen));
	return gen;
}

static void fail_one(struct breaker *b, long long now)
{
	breaker_failure(b, go(b, now), now);
}

static void succeed_one(struct breaker *b, long long now)
{
	breaker_success(b, go(b, now), now);
}

/* Feeds outcomes ('S' or 'F') one request each, at t = 1000, 1001, ...
 * Returns the index of the outcome that opened the breaker, or -1 if it
 * stayed closed throughout. */
static int feed(struct breaker *b, const char *seq)
{
	for (int i = 0; seq[i] != '\0'; i++) {
		long long now = 1000 + i;
		assert_int_equal(breaker_state(b, now), BREAKER_CLOSED);
		if (seq[i] == 'F')
			fail_one(b, now);
		else
			succeed_one(b, now);
		if (breaker_state(b, now) == BREAKER_OPEN)
			return i;
	}
	return -1;
}

/* Opens a closed breaker at now with three failures in a row. */
static void open_at(struct breaker *b, long long now)
{
	for (int i = 0; i < 3; i++)
		fail_one(b, now);
	assert_int_equal(breaker_state(b, now), BREAKER_OPEN);
}

/* ---- config and start --------------------------------------------------- */

static void test_breaker_config_defaults(void **state)
{
	(void)state;
	struct breaker_config c;
	breaker_config_init(&c);
	assert_int_equal(c.consecutive, 3);
	assert_int_equal(c.window, 10);
	assert_int_equal(c.window_min_failures, 3);
	assert_int_equal(c.open_ms, 30000);
	assert_int_equal(c.open_max_ms, 300000);
	assert_true(c.jitter == 0.2);
	assert_int_equal(breaker_config_check(&c, NULL, 0), 0);

	struct breaker b;
	breaker_init(&b, NULL, 0);
	assert_int_equal(b.cfg.consecutive, c.consecutive);
	assert_int_equal(b.cfg.window, c.window);
	assert_int_equal(b.cfg.window_min_failures, c.window_min_failures);
	assert_int_equal(b.cfg.open_ms, c.open_ms);
	assert_int_equal(b.cfg.open_max_ms, c.open_max_ms);
	assert_true(b.cfg.jitter == c.jitter);
}

static void test_breaker_starts_closed_with_empty_counters(void **state)
{
	(void)state;
	struct breaker b;
	breaker_init(&b, NULL, 7);
	assert_int_equal(breaker_state(&b, 0), BREAKER_CLOSED);
	assert_int_equal(breaker_consecutive_failures(&b), 0);
	assert_int_equal(breaker_trips(&b), 0);
	assert_int_equal(breaker_last_failure(&b), -1);
	assert_int_equal(breaker_last_success(&b), -1);
	assert_int_equal(breaker_open_until(&b), 0);
	assert_int_equal(breaker_remaining_ms(&b, 0), 0);
}

static void test_breaker_config_check_names_the_bad_field(void **state)
{
	(void)state;
	char err[128];
	struct breaker_config c;

	breaker_config_init(&c);
	c.consecutive = 0;
	assert_int_equal(breaker_config_check(&c, err, sizeof err), -1);
	assert_non_null(strstr(err, "consecutive"));

	breaker_config_init(&c);
	c.window = BREAKER_WINDOW_MAX + 1;
	assert_int_equal(breaker_config_check(&c, err, sizeof err), -1);
	assert_string_equal(err, "breaker window must be 1 to 64");

	breaker_config_init(&c);
	c.window_min_failures = 0;
	assert_int_equal(breaker_config_check(&c, err, sizeof err), -1);
	assert_non_null(strstr(err, "window_min_failures"));

	breaker_config_init(&c);
	c.open_ms = 0;
	assert_int_equal(breaker_config_check(&c, err, sizeof err), -1);
	assert_non_null(strstr(err, "open_ms"));

	breaker_config_init(&c);
	c.open_max_ms = 29999;
	assert_int_equal(breaker_config_check(&c, err, sizeof err), -1);
	assert_non_null(strstr(err, "open_max_ms"));

	breaker_config_init(&c);
	c.jitter = -0.1;
	assert_int_equal(breaker_config_check(&c, err, sizeof err), -1);
	assert_non_null(strstr(err, "jitter"));
	c.jitter = NAN;
	assert_int_equal(breaker_config_check(&c, NULL, 0), -1);
	c.jitter = 0.9;
	assert_int_equal(breaker_config_check(&c, err, sizeof err), 0);
}

static void test_breaker_init_clamps_out_of_range_config(void **state)
{
	(void)state;
	struct breaker_config c = {
		.consecutive = -5,
		.window = 1000,
		.window_min_failures = 0,
		.open_ms = -1,
		.open_max_ms = -10,
		.jitter = NAN,
	};
	struct breaker b;
	breaker_init(&b, &c, 1);
	assert_int_equal(b.cfg.consecutive, 1);
	assert_int_equal(b.cfg.window, BREAKER_WINDOW_MAX);
	assert_int_equal(b.cfg.window_min_failures, 1);
	assert_int_equal(b.cfg.open_ms, 1);
	assert_int_equal(b.cfg.open_max_ms, 1);
	assert_true(b.cfg.jitter == 0.0);
	assert_int_equal(breaker_config_check(&b.cfg, NULL, 0), 0);
	c.window = 0;
	c.jitter = 3.0;
	breaker_init(&b, &c, 1);
	assert_int_equal(b.cfg.window, 1);
	assert_true(b.cfg.jitter == 0.9);
	/* Still a working breaker: one failure opens it, for 1 ms. */
	fail_one(&b, 100);
	assert_int_equal(breaker_state(&b, 100), BREAKER_OPEN);
	assert_int_equal(breaker_state(&b, 101), BREAKER_HALF_OPEN);
}

/* ---- CLOSED ------------------------------------------------------------- */

static void test_breaker_closed_allows_every_request_with_one_generation(void **state)
{
	(void)state;
	struct breaker b;
	breaker_init(&b, NULL, 0);
	unsigned g = go(&b, 0);
	for (int i = 1; i < 50; i++)
		assert_int_equal(go(&b, i), g);
	assert_int_equal(breaker_generation(&b), g);
	assert_true(breaker_allow(&b, 50, NULL)); /* gen may be NULL */
}

static void test_breaker_opens_after_three_consecutive_failures(void **state)
{
	(void)state;
	struct breaker_config c = exact();
	struct breaker b;
	breaker_init(&b, &c, 0);
	unsigned g = breaker_generation(&b);
	fail_one(&b, 1000);
	fail_one(&b, 2000);
	assert_int_equal(breaker_state(&b, 2000), BREAKER_CLOSED);
	assert_int_equal(breaker_consecutive_failures(&b), 2);
	fail_one(&b, 3000);
	assert_int_equal(breaker_state(&b, 3000), BREAKER_OPEN);
	assert_int_not_equal(breaker_generation(&b), g);
	assert_int_equal(breaker_consecutive_failures(&b), 3);
	assert_int_equal(breaker_trips(&b), 1);
	assert_int_equal(breaker_last_failure(&b), 3000);
	assert_int_equal(breaker_open_until(&b), 33000);

	unsigned untouched = 77;
	assert_false(breaker_allow(&b, 3000, &untouched));
	assert_false(breaker_allow(&b, 32999, &untouched));
	assert_int_equal(untouched, 77);
}

static void test_breaker_success_in_closed_resets_consecutive_count(void **state)
{
	(void)state;
	struct breaker_config c = exact();
	c.window_min_failures = 100; /* window rule off: only the run counts */
	struct breaker b;
	breaker_init(&b, &c, 0);
	assert_int_equal(feed(&b, "FFSFFSFFSFF"), -1);
	assert_int_equal(breaker_consecutive_failures(&b), 2);
	assert_int_equal(breaker_last_success(&b), 1008);
	assert_int_equal(breaker_last_failure(&b), 1010);
	fail_one(&b, 5000);
	assert_int_equal(breaker_state(&b, 5000), BREAKER_OPEN);
}

static void test_breaker_consecutive_setting_is_honoured(void **state)
{
	(void)state;
	struct breaker_config c = exact();
	c.consecutive = 5;
	c.window_min_failures = 100;
	struct breaker b;
	breaker_init(&b, &c, 0);
	assert_int_equal(feed(&b, "FFFFSFFFFF"), 9);

	c.consecutive = 1;
	breaker_init(&b, &c, 0);
	assert_int_equal(feed(&b, "SSF"), 2);
}

/* ---- the half-of-the-last-10 rule -------------------------------------- */

static void test_breaker_window_opens_when_half_failed_with_three(void **state)
{
	(void)state;
	struct breaker b;
	/* Fewer than ten outcomes: half of those recorded. */
	breaker_init(&b, NULL, 0);
	assert_int_equal(feed(&b, "FSFSF"), 4); /* 3 of 5 */
	breaker_init(&b, NULL, 0);
	assert_int_equal(feed(&b, "SFSFSF"), 5); /* 3 of 6: exactly half */
	breaker_init(&b, NULL, 0);
	assert_int_equal(feed(&b, "FFSF"), 3); /* 3 of 4, only 1 in a row */
	breaker_init(&b, NULL, 0);
	assert_int_equal(feed(&b, "FSSFSSFSFF"), 9); /* 5 of 10, 2 in a row */
}

static void test_breaker_window_stays_closed_below_half_or_three(void **state)
{
	(void)state;
	struct breaker b;
	breaker_init(&b, NULL, 0);
	assert_int_equal(feed(&b, "FSSFSSF"), -1); /* 3 of 7 */
	breaker_init(&b, NULL, 0);
	assert_int_equal(feed(&b, "FSF"), -1); /* 2 of 3: half, but only two */
	breaker_init(&b, NULL, 0);
	assert_int_equal(feed(&b, "SSSFSFSF"), -1); /* 3 of 8 */
	breaker_init(&b, NULL, 0);
	assert_int_equal(feed(&b, "FSSFSSFSSFSSF"), -1); /* never half of the last 10 */
}

static void test_breaker_window_after_ten_successes_needs_five_of_ten(void **state)
{
	(void)state;
	struct breaker b;
	breaker_init(&b, NULL, 0);
	/* The 4th F leaves S S S F S F S F S F: 4 of 10; the 5th makes 5. */
	assert_int_equal(feed(&b, "SSSSSSSSSSFSFSFSF"), -1);
	assert_int_equal(feed(&b, "SF"), 1);
}

static void test_breaker_window_forgets_outcomes_older_than_window(void **state)
{
	(void)state;
	struct breaker_config c = exact();
	c.consecutive = 100; /* only the window */
	c.window = 5;
	struct breaker b;
	breaker_init(&b, &c, 0);
	/* All-time this is 4 of 8, but the last 5 hold two failures at most. */
	assert_int_equal(feed(&b, "FFSSSFSF"), -1);
	/* Whereas with both early failures still inside: 3 of 5. */
	breaker_init(&b, &c, 0);
	assert_int_equal(feed(&b, "FFSSF"), 4);
}

/* ---- OPEN -> HALF_OPEN -> CLOSED / OPEN --------------------------------- */

static void test_breaker_open_reads_half_open_when_period_passes(void **state)
{
	(void)state;
	struct breaker_config c = exact();
	struct breaker b;
	breaker_init(&b, &c, 0);
	open_at(&b, 1000);
	assert_int_equal(breaker_state(&b, 30999), BREAKER_OPEN);
	assert_int_equal(breaker_state(&b, 31000), BREAKER_HALF_OPEN);
	/* Reading is not acting: the stored state waits for a request. */
	assert_int_equal(b.state, BREAKER_OPEN);
	assert_int_equal(breaker_state(&b, 30999), BREAKER_OPEN);
}

static void test_breaker_half_open_lets_exactly_one_probe_through(void **state)
{
	(void)state;
	struct breaker_config c = exact();
	struct breaker b;
	breaker_init(&b, &c, 0);
	open_at(&b, 1000);
	unsigned g_open = breaker_generation(&b);
	assert_false(breaker_allow(&b, 30999, NULL));
	unsigned probe = go(&b, 31000);
	assert_int_not_equal(probe, g_open);
	assert_int_equal(breaker_state(&b, 31000), BREAKER_HALF_OPEN);
	for (long long t = 31000; t < 400000; t += 1000)
		assert_false(breaker_allow(&b, t, NULL));
	assert_int_equal(breaker_state(&b, 400000), BREAKER_HALF_OPEN);
	assert_int_equal(breaker_generation(&b), probe);
}

static void test_breaker_probe_success_closes_and_clears_window(void **state)
{
	(void)state;
	struct breaker_config c = exact();
	struct breaker b;
	breaker_init(&b, &c, 0);
	assert_int_equal(feed(&b, "FSFSF"), 4);
	unsigned probe = go(&b, 40000);
	breaker_success(&b, probe, 41000);
	assert_int_equal(breaker_state(&b, 41000), BREAKER_CLOSED);
	assert_int_not_equal(breaker_generation(&b), probe);
	assert_int_equal(breaker_consecutive_failures(&b), 0);
	assert_int_equal(breaker_last_success(&b), 41000);
	assert_int_equal(breaker_remaining_ms(&b, 41000), 0);
	/* With the old five still remembered, F S F would make 5 of 8. */
	assert_int_equal(feed(&b, "FSF"), -1);
	assert_int_equal(breaker_trips(&b), 1);
}

static void test_breaker_probe_failure_reopens_doubled_up_to_cap(void **state)
{
	(void)state;
	struct breaker_config c = exact();
	struct breaker b;
	breaker_init(&b, &c, 0);
	open_at(&b, 0);
	static const long long want[] = {30000, 60000, 120000, 240000, 300000, 300000, 300000};
	long long now = 0;
	assert_int_equal(breaker_open_until(&b) - now, want[0]);
	for (size_t i = 1; i < sizeof want / sizeof want[0]; i++) {
		now = breaker_open_until(&b);
		unsigned probe = go(&b, now);
		now += 500; /* the probe takes a while to fail */
		breaker_failure(&b, probe, now);
		assert_int_equal(breaker_state(&b, now), BREAKER_OPEN);
		assert_int_equal(breaker_open_until(&b) - now, want[i]);
		assert_int_equal(breaker_trips(&b), i + 1);
		assert_int_equal(breaker_last_failure(&b), now);
	}
	assert_int_equal(breaker_consecutive_failures(&b), 3 + 6);
}

static void test_breaker_doubling_survives_probe_success_until_closed_success(void **state)
{
	(void)state;
	struct breaker_config c = exact();
	struct breaker b;
	breaker_init(&b, &c, 0);
	open_at(&b, 0); /* 30 s */
	breaker_failure(&b, go(&b, 30000), 30000); /* 60 s */
	breaker_success(&b, go(&b, 90000), 90000); /* closed, doubling kept */
	assert_int_equal(breaker_state(&b, 90000), BREAKER_CLOSED);
	open_at(&b, 100000);
	assert_int_equal(breaker_open_until(&b), 100000 + 120000);

	/* One success after the close: back to 30 s. */
	breaker_success(&b, go(&b, 220000), 220000);
	succeed_one(&b, 221000);
	open_at(&b, 230000);
	assert_int_equal(breaker_open_until(&b), 230000 + 30000);
}

static void test_breaker_custom_periods_double_to_their_cap(void **state)
{
	(void)state;
	struct breaker_config c = exact();
	c.open_ms = 1000;
	c.open_max_ms = 5000;
	struct breaker b;
	breaker_init(&b, &c, 0);
	open_at(&b, 0);
	static const long long want[] = {1000, 2000, 4000, 5000, 5000};
	assert_int_equal(breaker_open_until(&b), want[0]);
	for (size_t i = 1; i < sizeof want / sizeof want[0]; i++) {
		long long now = breaker_open_until(&b);
		breaker_failure(&b, go(&b, now), now);
		assert_int_equal(breaker_open_until(&b) - now, want[i]);
	}
}

static void test_breaker_generation_changes_on_every_state_change(void **state)
{
	(void)state;
	struct breaker_config c = exact();
	struct breaker b;
	breaker_init(&b, &c, 0);
	unsigned seen[4];
	seen[0] = breaker_generation(&b); /* closed */
	open_at(&b, 0);
	seen[1] = breaker_generation(&b); /* open */
	unsigned probe = go(&b, 30000);
	seen[2] = probe; /* half-open */
	breaker_success(&b, probe, 30000);
	seen[3] = breaker_generation(&b); /* closed again */
	for (int i = 0; i < 4; i++)
		for (int j = i + 1; j < 4; j++)
			assert_int_not_equal(seen[i], seen[j]);
}

/* ---- jitter ------------------------------------------------------------- */

static void test_breaker_jitter_bounds_over_many_seeds(void **state)
{
	(void)state;
	static const long long base[] = {30000, 60000, 120000, 240000, 300000, 300000};
	long long lo[6], hi[6];
	for (int i = 0; i < 6; i++) {
		lo[i] = 300000;
		hi[i] = 0;
	}
	int at_cap = 0;
	for (uint64_t seed = 0; seed < SEEDS; seed++) {
		struct breaker b;
		breaker_init(&b, NULL, seed);
		open_at(&b, 0);
		long long now = 0;
		for (int i = 0; i < 6; i++) {
			if (i > 0) {
				now = breaker_open_until(&b);
				breaker_failure(&b, go(&b, now), now);
			}
			long long p = breaker_open_until(&b) - now;
			long long want_lo = base[i] * 8 / 10;
			long long want_hi = base[i] * 12 / 10;
			if (want_hi > 300000)
				want_hi = 300000;
			assert_in_range(p, want_lo, want_hi);
			lo[i] = p < lo[i] ? p : lo[i];
			hi[i] = p > hi[i] ? p : hi[i];
			at_cap += p == 300000;
		}
	}
	/* The jitter covers its band on both sides of the base period. */
	for (int i = 0; i < 4; i++) {
		assert_true(lo[i] < base[i] * 81 / 100);
		assert_true(hi[i] > base[i] * 119 / 100);
	}
	assert_true(lo[4] < 300000 * 81 / 100);
	assert_int_equal(hi[4], 300000);
	assert_true(at_cap > SEEDS / 2); /* half of the 300 s draws hit the cap */
}

static void test_breaker_same_seed_same_periods_other_seed_others(void **state)
{
	(void)state;
	struct breaker a, b, c;
	breaker_init(&a, NULL, 99);
	breaker_init(&b, NULL, 99);
	breaker_init(&c, NULL, 100);
	open_at(&a, 0);
	open_at(&b, 0);
	open_at(&c, 0);
	assert_int_equal(breaker_open_until(&a), breaker_open_until(&b));
	assert_int_not_equal(breaker_open_until(&a), breaker_open_until(&c));
}

/* ---- stale generations -------------------------------------------------- */

static void test_breaker_stale_outcomes_after_open_are_ignored(void **state)
{
	(void)state;
	struct breaker_config c = exact();
	struct breaker b;
	breaker_init(&b, &c, 0);
	unsigned slow = go(&b, 0); /* a long stream, started while closed */
	open_at(&b, 1000);
	struct breaker before;
	memcpy(&before, &b, sizeof b); /* padding included */
	breaker_failure(&b, slow, 2000);
	breaker_success(&b, slow, 2000);
	breaker_release(&b, slow);
	assert_memory_equal(&b, &before, sizeof b);
	assert_int_equal(breaker_state(&b, 2000), BREAKER_OPEN);
	assert_int_equal(breaker_last_failure(&b), 1000);
	assert_int_equal(breaker_trips(&b), 1);
}

static void test_breaker_stale_failure_after_close_changes_nothing(void **state)
{
	(void)state;
	struct breaker_config c = exact();
	struct breaker b;
	breaker_init(&b, &c, 0);
	unsigned old = go(&b, 0);
	open_at(&b, 1000);
	breaker_success(&b, go(&b, 31000), 31000);
	assert_int_equal(breaker_state(&b, 31000), BREAKER_CLOSED);
	struct breaker before;
	memcpy(&before, &b, sizeof b); /* padding included */
	for (int i = 0; i < 5; i++)
		breaker_failure(&b, old, 32000 + i);
	assert_memory_equal(&b, &before, sizeof b);
	assert_int_equal(breaker_state(&b, 40000), BREAKER_CLOSED);
	assert_int_equal(breaker_consecutive_failures(&b), 0);
	assert_int_equal(breaker_last_failure(&b), 1000);
}

static void test_breaker_stale_success_cannot_close_half_open(void **state)
{
	(void)state;
	struct breaker_config c = exact();
	struct breaker b;
	breaker_init(&b, &c, 0);
	unsigned old = go(&b, 0);
	open_at(&b, 1000);
	unsigned probe = go(&b, 31000);
	breaker_success(&b, old, 31500);
	assert_int_equal(breaker_state(&b, 31500), BREAKER_HALF_OPEN);
	/* Nor can the open breaker's own generation pass for the probe. */
	breaker_success(&b, probe - 1, 31500);
	assert_int_equal(breaker_state(&b, 31500), BREAKER_HALF_OPEN);
	breaker_failure(&b, probe, 32000);
	assert_int_equal(breaker_state(&b, 32000), BREAKER_OPEN);
	/* The probe's second word, after the fact, is stale too. */
	breaker_success(&b, probe, 32001);
	assert_int_equal(breaker_state(&b, 32001), BREAKER_OPEN);
}

/* ---- release, force, trip ----------------------------------------------- */

static void test_breaker_release_frees_the_probe_slot(void **state)
{
	(void)state;
	struct breaker_config c = exact();
	struct breaker b;
	breaker_init(&b, &c, 0);
	open_at(&b, 0);
	unsigned first = go(&b, 30000);
	assert_false(breaker_allow(&b, 30001, NULL));
	breaker_release(&b, first); /* the user cancelled it */
	assert_int_equal(breaker_state(&b, 30002), BREAKER_HALF_OPEN);
	unsigned second = go(&b, 30002);
	assert_int_not_equal(second, first);
	assert_false(breaker_allow(&b, 30003, NULL));
	/* The first probe's late failure is not the second's. */
	breaker_failure(&b, first, 30004);
	assert_int_equal(breaker_state(&b, 30004), BREAKER_HALF_OPEN);
	breaker_success(&b, second, 30005);
	assert_int_equal(breaker_state(&b, 30005), BREAKER_CLOSED);
}

static void test_breaker_release_in_closed_changes_nothing(void **state)
{
	(void)state;
	struct breaker b;
	breaker_init(&b, NULL, 0);
	fail_one(&b, 0);
	unsigned g = go(&b, 1);
	struct breaker before;
	memcpy(&before, &b, sizeof b); /* padding included */
	breaker_release(&b, g);
	assert_memory_equal(&b, &before, sizeof b);
}

static void test_breaker_force_probes_open_breaker_early(void **state)
{
	(void)state;
	struct breaker_config c = exact();
	struct breaker b;
	breaker_init(&b, &c, 0);
	open_at(&b, 0);
	assert_false(breaker_allow(&b, 1000, NULL));
	unsigned probe;
	assert_true(breaker_force(&b, 1000, &probe));
	assert_int_equal(breaker_state(&b, 1000), BREAKER_HALF_OPEN);
	assert_int_equal(breaker_remaining_ms(&b, 1000), 0);
	assert_false(breaker_force(&b, 1001, NULL)); /* one probe at a time */
	assert_false(breaker_allow(&b, 1001, NULL));
	breaker_success(&b, probe, 2000);
	assert_int_equal(breaker_state(&b, 2000), BREAKER_CLOSED);

	/* In CLOSED, force is allow. */
	unsigned g;
	assert_true(breaker_force(&b, 3000, &g));
	assert_int_equal(g, breaker_generation(&b));
}

static void test_breaker_forced_probe_failure_reopens_doubled(void **state)
{
	(void)state;
	struct breaker_config c = exact();
	struct breaker b;
	breaker_init(&b, &c, 0);
	open_at(&b, 0);
	unsigned probe;
	assert_true(breaker_force(&b, 5000, &probe));
	breaker_failure(&b, probe, 6000);
	assert_int_equal(breaker_state(&b, 6000), BREAKER_OPEN);
	assert_int_equal(breaker_open_until(&b), 6000 + 60000);
}

static void test_breaker_trip_opens_closed_breaker_at_once(void **state)
{
	(void)state;
	struct breaker_config c = exact();
	struct breaker b;
	breaker_init(&b, &c, 0);
	unsigned inflight = go(&b, 0);
	breaker_trip(&b, 1000, 0);
	assert_int_equal(breaker_state(&b, 1000), BREAKER_OPEN);
	assert_int_equal(breaker_open_until(&b), 31000);
	assert_int_equal(breaker_trips(&b), 1);
	assert_int_equal(breaker_last_failure(&b), 1000);
	assert_int_equal(breaker_consecutive_failures(&b), 0);
	breaker_success(&b, inflight, 1500); /* started before: ignored */
	assert_int_equal(breaker_state(&b, 1500), BREAKER_OPEN);
}

static void test_breaker_trip_holds_at_least_the_hint_capped(void **state)
{
	(void)state;
	struct breaker_config c = exact();
	struct breaker b;
	breaker_init(&b, &c, 0);
	breaker_trip(&b, 0, 90000);
	assert_int_equal(breaker_open_until(&b), 90000);
	breaker_init(&b, &c, 0);
	breaker_trip(&b, 0, 86400000); /* "retry tomorrow": the cap still holds */
	assert_int_equal(breaker_open_until(&b), 300000);
	breaker_init(&b, &c, 0);
	breaker_trip(&b, 0, 1000); /* shorter than the period: the period */
	assert_int_equal(breaker_open_until(&b), 30000);
}

static void test_breaker_trip_while_open_extends_without_doubling(void **state)
{
	(void)state;
	struct breaker_config c = exact();
	struct breaker b;
	breaker_init(&b, &c, 0);
	open_at(&b, 0);
	unsigned g = breaker_generation(&b);
	breaker_trip(&b, 10000, 0);
	assert_int_equal(breaker_open_until(&b), 30000);
	breaker_trip(&b, 10000, 5000); /* would end sooner: kept */
	assert_int_equal(breaker_open_until(&b), 30000);
	breaker_trip(&b, 10000, 90000);
	assert_int_equal(breaker_open_until(&b), 100000);
	assert_int_equal(breaker_trips(&b), 1);
	assert_int_equal(breaker_generation(&b), g);
	assert_int_equal(breaker_last_failure(&b), 10000);
	/* The next real open still doubles once: 60 s. */
	breaker_failure(&b, go(&b, 100000), 100000);
	assert_int_equal(breaker_open_until(&b), 160000);
}

static void test_breaker_trip_in_half_open_reopens_doubled(void **state)
{
	(void)state;
	struct breaker_config c = exact();
	struct breaker b;
	breaker_init(&b, &c, 0);
	open_at(&b, 0);
	unsigned probe = go(&b, 30000);
	breaker_trip(&b, 31000, 0); /* the probe hit a 402 */
	assert_int_equal(breaker_state(&b, 31000), BREAKER_OPEN);
	assert_int_equal(breaker_open_until(&b), 31000 + 60000);
	assert_int_equal(breaker_trips(&b), 2);
	breaker_release(&b, probe); /* stale */
	assert_false(breaker_allow(&b, 31001, NULL));

	/* An open breaker whose time has come reopens doubled too. */
	breaker_trip(&b, 91000, 0);
	assert_int_equal(breaker_open_until(&b), 91000 + 120000);
}

/* ---- status bar and /stats ---------------------------------------------- */

static void test_breaker_remaining_ms_counts_down(void **state)
{
	(void)state;
	struct breaker_config c = exact();
	struct breaker b;
	breaker_init(&b, &c, 0);
	assert_int_equal(breaker_remaining_ms(&b, 0), 0);
	open_at(&b, 0);
	assert_int_equal(breaker_remaining_ms(&b, 0), 30000);
	assert_int_equal(breaker_remaining_ms(&b, 10000), 20000);
	assert_int_equal(breaker_remaining_ms(&b, 29999), 1);
	assert_int_equal(breaker_remaining_ms(&b, 30000), 0);
	assert_int_equal(breaker_remaining_ms(&b, 45000), 0);
	unsigned probe = go(&b, 45000);
	assert_int_equal(breaker_remaining_ms(&b, 45000), 0);
	breaker_failure(&b, probe, 46000);
	assert_int_equal(breaker_remaining_ms(&b, 46000), 60000);
	assert_int_equal(breaker_remaining_ms(&b, 100000), 6000);
}

static void test_breaker_last_failure_picks_the_longest_ago(void **state)
{
	(void)state;
	struct breaker a, b, never;
	breaker_init(&a, NULL, 1);
	breaker_init(&b, NULL, 2);
	breaker_init(&never, NULL, 3);
	open_at(&a, 5000);
	open_at(&b, 9000);
	assert_true(breaker_last_failure(&a) < breaker_last_failure(&b));
	assert_true(breaker_last_failure(&never) < breaker_last_failure(&a));
	/* A probe failure counts as the latest failure. */
	breaker_failure(&a, go(&a, 60000), 60000);
	assert_int_equal(breaker_last_failure(&a), 60000);
	assert_true(breaker_last_failure(&b) < breaker_last_failure(&a));
}

static void test_breaker_state_names(void **state)
{
	(void)state;
	assert_string_equal(breaker_state_name(BREAKER_CLOSED), "closed");
	assert_string_equal(breaker_state_name(BREAKER_OPEN), "open");
	assert_string_equal(breaker_state_name(BREAKER_HALF_OPEN), "half-open");
	assert_string_equal(breaker_state_name((enum breaker_state)9), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_breaker_config_defaults),
		cmocka_unit_test(test_breaker_starts_closed_with_empty_counters),
		cmocka_unit_test(test_breaker_config_check_names_the_bad_field),
		cmocka_unit_test(test_breaker_init_clamps_out_of_range_config),
		cmocka_unit_test(test_breaker_closed_allows_every_request_with_one_generation),
		cmocka_unit_test(test_breaker_opens_after_three_consecutive_failures),
		cmocka_unit_test(test_breaker_success_in_closed_resets_consecutive_count),
		cmocka_unit_test(test_breaker_consecutive_setting_is_honoured),
		cmocka_unit_test(test_breaker_window_opens_when_half_failed_with_three),
		cmocka_unit_test(test_breaker_window_stays_closed_below_half_or_three),
		cmocka_unit_test(test_breaker_window_after_ten_successes_needs_five_of_ten),
		cmocka_unit_test(test_breaker_window_forgets_outcomes_older_than_window),
		cmocka_unit_test(test_breaker_open_reads_half_open_when_period_passes),
		cmocka_unit_test(test_breaker_half_open_lets_exactly_one_probe_through),
		cmocka_unit_test(test_breaker_probe_success_closes_and_clears_window),
		cmocka_unit_test(test_breaker_probe_failure_reopens_doubled_up_to_cap),
		cmocka_unit_test(test_breaker_doubling_survives_probe_success_until_closed_success),
		cmocka_unit_test(test_breaker_custom_periods_double_to_their_cap),
		cmocka_unit_test(test_breaker_generation_changes_on_every_state_change),
		cmocka_unit_test(test_breaker_jitter_bounds_over_many_seeds),
		cmocka_unit_test(test_breaker_same_seed_same_periods_other_seed_others),
		cmocka_unit_test(test_breaker_stale_outcomes_after_open_are_ignored),
		cmocka_unit_test(test_breaker_stale_failure_after_close_changes_nothing),
		cmocka_unit_test(test_breaker_stale_success_cannot_close_half_open),
		cmocka_unit_test(test_breaker_release_frees_the_probe_slot),
		cmocka_unit_test(test_breaker_release_in_closed_changes_nothing),
		cmocka_unit_test(test_breaker_force_probes_open_breaker_early),
		cmocka_unit_test(test_breaker_forced_probe_failure_reopens_doubled),
		cmocka_unit_test(test_breaker_trip_opens_closed_breaker_at_once),
		cmocka_unit_test(test_breaker_trip_holds_at_least_the_hint_capped),
		cmocka_unit_test(test_breaker_trip_while_open_extends_without_doubling),
		cmocka_unit_test(test_breaker_trip_in_half_open_reopens_doubled),
		cmocka_unit_test(test_breaker_remaining_ms_counts_down),
		cmocka_unit_test(test_breaker_last_failure_picks_the_longest_ago),
		cmocka_unit_test(test_breaker_state_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
