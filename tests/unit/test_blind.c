/* SPDX-License-Identifier: GPL-3.0-or-later */
/* blind: a vote's words, names kept out of a line, the shuffle, the
 * figures that wait for the vote. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include "app/blind.h"
#include "util/glyphs.h"

static void test_blind_vote_words(void **state)
{
	(void)state;
	assert_int_equal(blind_vote_of("A", 3), 0);
	assert_int_equal(blind_vote_of("c", 3), 2);
	assert_int_equal(blind_vote_of("2", 3), 1);
	assert_int_equal(blind_vote_of("TIE", 3), VOTE_TIE);
	assert_int_equal(blind_vote_of("none", 2), VOTE_NONE);
	assert_int_equal(blind_vote_of("d", 3), BLIND_BAD_VOTE);
	assert_int_equal(blind_vote_of("4", 3), BLIND_BAD_VOTE);
	assert_int_equal(blind_vote_of("0", 3), BLIND_BAD_VOTE);
	assert_int_equal(blind_vote_of("", 3), BLIND_BAD_VOTE);
	assert_int_equal(blind_vote_of("ab", 3), BLIND_BAD_VOTE);
	assert_int_equal(blind_vote_of(NULL, 3), BLIND_BAD_VOTE);
	assert_int_equal(blind_mode_of(NULL), BLIND_ON);
	assert_int_equal(blind_mode_of("strict"), BLIND_STRICT);
	assert_int_equal(blind_mode_of("loose"), -1);
}

static void test_blind_redact_longest_name_any_case(void **state)
{
	(void)state;
	const char *names[] = {"openai:gpt-4o", "openai", "gpt-4o", "x"};
	struct buf b;
	buf_init(&b, 0);
	blind_redact("rate_limit from openai:gpt-4o; check OPENAI_API_KEY (GPT-4O busy) x", names, 4,
	             "B", &b);
	assert_string_equal(buf_str(&b), "rate_limit from B; check B_API_KEY (B busy) x");
	buf_reset(&b);
	blind_redact("", names, 4, "B", &b);
	assert_string_equal(buf_str(&b), "");
	buf_done(&b);
}

static void test_blind_shuffle_is_a_seeded_permutation(void **state)
{
	(void)state;
	int first[4] = {0};
	for (uint64_t seed = 0; seed < 400; seed++) {
		char a[] = "a", b[] = "b", c[] = "c", d[] = "d";
		char *v[] = {a, b, c, d}, *w[] = {a, b, c, d};
		blind_shuffle(v, 4, seed);
		blind_shuffle(w, 4, seed);
		int seen = 0;
		for (int i = 0; i < 4; i++) {
			assert_ptr_equal(v[i], w[i]);
			seen |= 1 << (v[i][0] - 'a');
		}
		assert_int_equal(seen, 0xf);
		first[v[0][0] - 'a']++;
	}
	/* Each model comes first about a quarter of the time (100 of 400). */
	for (int i = 0; i < 4; i++)
		assert_true(first[i] > 60 && first[i] < 140);
}

static void test_blind_mask_and_reveal(void **state)
{
	(void)state;
	struct reply_metrics f = {.ttfb = 5, .ttft = 10, .ttfo = 11, .total = 90, .tps = 40,
	                          .cost = 0.5, .tokens_out = 20};
	struct reply_metrics g = f;
	blind_mask(&g, BLIND_OFF);
	assert_true(g.cost == 0.5);
	blind_mask(&g, BLIND_ON);
	assert_true(g.cost < 0 && g.ttft == 10 && g.tps == 40);
	g = f;
	blind_mask(&g, BLIND_STRICT);
	assert_true(g.cost < 0 && g.ttft < 0 && g.tps < 0 && g.total < 0 && g.tokens_out == 20);
	glyphs_use(true);
	const char *names[] = {"openai:gpt-4o", "mock:mock"};
	struct buf b;
	buf_init(&b, 0);
	blind_reveal_line(names, 2, &b);
	assert_string_equal(buf_str(&b), "A was openai:gpt-4o · B was mock:mock");
	buf_done(&b);
	char w[16];
	blind_vote_name(VOTE_TIE, w, sizeof(w));
	assert_string_equal(w, "a tie");
	blind_vote_name(1, w, sizeof(w));
	assert_string_equal(w, "B");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blind_vote_words),
		cmocka_unit_test(test_blind_redact_longest_name_any_case),
		cmocka_unit_test(test_blind_shuffle_is_a_seeded_permutation),
		cmocka_unit_test(test_blind_mask_and_reveal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
