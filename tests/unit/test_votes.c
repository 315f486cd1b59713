/* SPDX-License-Identifier: GPL-3.0-or-later */
/* votes: the history's votes table: a round trip, waiting votes cast
 * later, the time filter, a conversation deleted with its votes, a file
 * of schema 4 migrated, and a row edited by hand read safely. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"
#include "testhistory.h"

#include <unistd.h>

#include "model/votes.h"

struct seen {
	int n;
	struct history_vote v[8];
	char prompt[8][64];
};

static int collect(void *ctx, const struct history_vote *v)
{
	struct seen *s = ctx;
	if (s->n == 8)
		return 1;
	s->v[s->n] = *v;
	snprintf(s->prompt[s->n], sizeof(s->prompt[0]), "%s", v->prompt);
	s->v[s->n].prompt = s->prompt[s->n];
	s->n++;
	return 0;
}

static struct history_vote vote(long long conv, const char *prompt, int winner)
{
	struct history_vote v = {.conv = conv, .prompt = prompt, .ncol = 3, .winner = winner,
	                         .blind = VOTE_BLIND};
	snprintf(v.models[0], VOTE_NAME, "openai:gpt-4o");
	snprintf(v.models[1], VOTE_NAME, "mock:mock \"quoted\"");
	snprintf(v.models[2], VOTE_NAME, "anthropic:claude-sonnet-4-5");
	for (int i = 0; i < 3; i++)
		v.replies[i] = 100 + i;
	return v;
}

static void test_votes_round_trip_in_order_and_since(void **state)
{
	struct th_fx *f = *state;
	long long conv = history_begin(f->h, NULL, 1000);
	assert_true(conv > 0);
	struct history_vote a = vote(conv, "first prompt", 1);
	struct history_vote b = vote(conv, "second", VOTE_TIE);
	struct history_vote c = vote(conv, "third", VOTE_NONE);
	c.blind = VOTE_STRICT;
	assert_true(history_vote_add(f->h, &a, 1000) > 0);
	assert_true(history_vote_add(f->h, &b, 2000) > 0);
	assert_true(history_vote_add(f->h, &c, 3000) > 0);
	struct seen s = {0};
	assert_int_equal(history_votes(f->h, 0, collect, &s), 3);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.v[0].prompt, "first prompt");
	assert_int_equal(s.v[0].ncol, 3);
	assert_string_equal(s.v[0].models[1], "mock:mock \"quoted\"");
	assert_string_equal(s.v[0].models[2], "anthropic:claude-sonnet-4-5");
	assert_int_equal(s.v[0].replies[2], 102);
	assert_int_equal(s.v[0].winner, 1);
	assert_int_equal(s.v[0].blind, VOTE_BLIND);
	assert_int_equal(s.v[0].created, 1000);
	assert_int_equal(s.v[1].winner, VOTE_TIE);
	assert_int_equal(s.v[2].winner, VOTE_NONE);
	assert_int_equal(s.v[2].blind, VOTE_STRICT);
	memset(&s, 0, sizeof(s));
	assert_int_equal(history_votes(f->h, 2000, collect, &s), 2);
	assert_string_equal(s.v[0].prompt, "second");
}

static void test_votes_pending_is_cast_later(void **state)
{
	struct th_fx *f = *state;
	long long conv = history_begin(f->h, NULL, 1000);
	struct history_vote p = vote(conv, "waiting", VOTE_PENDING);
	long long id = history_vote_add(f->h, &p, 1000);
	assert_true(id > 0);
	struct seen s = {0};
	assert_int_equal(history_votes(f->h, 0, collect, &s), 0); /* not cast: not counted */
	struct history_vote w;
	struct buf prompt;
	buf_init(&prompt, 0);
	assert_int_equal(history_vote_pending(f->h, &w, &prompt), 1);
	assert_int_equal(w.id, id);
	assert_string_equal(w.prompt, "waiting");
	assert_string_equal(w.models[0], "openai:gpt-4o");
	assert_int_equal(history_vote_cast(f->h, id, 2, 5000), 0);
	assert_int_equal(history_vote_pending(f->h, &w, &prompt), 0);
	/* Cast once: a second time is refused. */
	assert_int_equal(history_vote_cast(f->h, id, 0, 6000), -1);
	assert_non_null(strstr(history_error(f->h), "no vote"));
	assert_int_equal(history_votes(f->h, 0, collect, &s), 1);
	assert_int_equal(s.v[0].winner, 2);
	assert_int_equal(s.v[0].created, 5000);
	buf_done(&prompt);
}

static void test_votes_go_with_their_conversation(void **state)
{
	struct th_fx *f = *state;
	long long c1 = history_begin(f->h, NULL, 1000);
	long long c2 = history_begin(f->h, NULL, 1000);
	struct history_vote a = vote(c1, "secret prompt", 0);
	struct history_vote b = vote(c2, "kept", 0);
	history_vote_add(f->h, &a, 1000);
	history_vote_add(f->h, &b, 1000);
	assert_int_equal(history_delete(f->h, c1), 1);
	struct seen s = {0};
	assert_int_equal(history_votes(f->h, 0, collect, &s), 1);
	assert_string_equal(s.v[0].prompt, "kept");
}

/* A winner past the columns, or arrays that are not arrays: read as no
 * winner and no columns, never past VOTE_COLS; a name's controls inert. */
static void test_votes_hand_edited_rows_read_safely(void **state)
{
	struct th_fx *f = *state;
	long long conv = history_begin(f->h, NULL, 1000);
	struct history_vote a = vote(conv, "x", 0);
	history_vote_add(f->h, &a, 1000);
	history_close(f->h);
	exec_sql(f->path,
	         "INSERT INTO votes (conv, created, models, replies, winner)"
	         " VALUES (1, 2000, '[\"a\\u001b[2J\",\"b\",\"c\",\"d\",\"e\",\"f\","
	         "\"g\",\"h\",\"i\",\"j\",\"k\",\"l\",\"m\",\"n\",\"o\",\"p\","
	         "\"q\",\"r\",\"s\",\"t\"]', 'null', 17);"
	         "INSERT INTO votes (conv, created, models, winner)"
	         " VALUES (1, 3000, '{\"x\":1}', -9);");
	char err[512];
	f->h = history_open(f->path, err, sizeof(err));
	assert_non_null(f->h);
	struct seen s = {0};
	assert_int_equal(history_votes(f->h, 0, collect, &s), 3);
	assert_int_equal(s.v[1].ncol, VOTE_COLS);
	assert_int_equal(s.v[1].winner, VOTE_NONE);
	assert_null(strchr(s.v[1].models[0], 0x1b));
	assert_int_equal(s.v[2].winner, VOTE_NONE);
}

/* A file of schema 4 (no votes table) gets one when opened; read-only,
 * it is read as it is: no votes. */
static void test_votes_schema_4_file(void **state)
{
	struct th_fx *f = *state;
	history_close(f->h);
	f->h = NULL;
	exec_sql(f->path, HISTORY_BACK_TO_4);
	char err[512];
	f->h = history_open_readonly(f->path, err, sizeof(err));
	assert_non_null(f->h);
	struct seen s = {0};
	assert_int_equal(history_votes(f->h, 0, collect, &s), 0);
	history_close(f->h);
	f->h = history_open(f->path, err, sizeof(err));
	assert_non_null(f->h);
	long long conv = history_begin(f->h, NULL, 1);
	struct history_vote a = vote(conv, "after", 0);
	assert_true(history_vote_add(f->h, &a, 1) > 0);
	assert_int_equal(history_votes(f->h, 0, collect, &s), 1);
}

#define T(name) cmocka_unit_test_setup_teardown(name, th_setup, th_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_votes_round_trip_in_order_and_since),
		T(test_votes_pending_is_cast_later),
		T(test_votes_go_with_their_conversation),
		T(test_votes_hand_edited_rows_read_safely),
		T(test_votes_schema_4_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
