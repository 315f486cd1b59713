/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_stats: the history's report (app/stats.c): figures from rows stored
 * through the model's API, checked against values worked out by hand. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"
#include "testhistory.h"

#include <jansson.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "app/stats.h"
#include "model/conversation.h"
#include "util/clock.h"
#include "util/glyphs.h"

#define assert_contains(hay, needle)                                                               \
	do {                                                                                       \
		if (strstr((hay), (needle)) == NULL) {                                             \
			print_error("\"%s\"\ndoes not contain \"%s\"\n", (hay), (needle));         \
			fail();                                                                    \
		}                                                                                  \
	} while (0)

/* ---- fixtures ------------------------------------------------------------ */

struct fx {
	char dir[64];
	char path[256];
	struct history *h;
	long long conv;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	th_make(f->dir, sizeof(f->dir), f->path, sizeof(f->path), "circuit-stats");
	f->h = th_open(f->path);
	f->conv = history_begin(f->h, NULL, 1);
	assert_true(f->conv > 0);
	glyphs_use(true);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	th_remove(f->h, f->dir);
	free(f);
	return 0;
}

struct fig {
	const char *provider, *model;
	enum reply_outcome outcome;
	const char *error;
	long long ttft, ttfo;
	double tps;
	long long in, out;
	double cost;
	long long created;
};

/* A prompt and a reply with these figures, stored as the app stores them
 * (history_add of an ended message). */
static void store(struct fx *f, const struct fig *g)
{
	struct conversation c;
	conv_init(&c);
	struct message *p = conv_add(&c, MSG_USER, "you", "a question");
	struct message *m = conv_add(&c, MSG_ASSISTANT, g->model, NULL);
	msg_append_text(m, "an answer", 9);
	msg_finish(m, g->outcome != REPLY_OK, "");
	struct reply_metrics *r = &m->metrics;
	reply_metrics_init(r);
	snprintf(r->provider, sizeof(r->provider), "%s", g->provider);
	snprintf(r->model, sizeof(r->model), "%s", g->model);
	r->outcome = g->outcome;
	snprintf(r->error, sizeof(r->error), "%s", g->error ? g->error : "");
	r->ttft = g->ttft;
	r->ttfo = g->ttfo;
	r->tps = g->tps;
	r->tokens_in = g->in;
	r->tokens_out = g->out;
	r->cost = g->cost;
	m->has_metrics = true;
	assert_true(history_add(f->h, f->conv, 0, 0, p, g->created) > 0);
	assert_true(history_add(f->h, f->conv, 0, 0, m, g->created) > 0);
	conv_done(&c);
}

/* Model "p:a": ten replies whose TTFTs, sorted, are 40 60 70 80 90 120
 * 250 300 1500 3000: nearest rank p50 is the 5th (90), p95 the 10th
 * (ceil(9.5)); two failed (server: counts toward a breaker; rate_limit:
 * does not), one cancelled. Model "q:b": three fast replies. */
static const struct fig rows_a[] = {
    {"p", "a", REPLY_OK, NULL, 120, 130, 50.0, 10, 100, 0.001, 100},
    {"p", "a", REPLY_OK, NULL, 40, 45, 70.0, 10, 100, 0.002, 100},
    {"p", "a", REPLY_OK, NULL, 300, 310, 30.0, 10, 100, -1, 100},
    {"p", "a", REPLY_ERROR, "server", 80, 85, -1, 10, 5, 0, 200},
    {"p", "a", REPLY_OK, NULL, 1500, 1600, 10.0, 10, 100, 0.004, 200},
    {"p", "a", REPLY_OK, NULL, 60, 65, 90.0, 10, 100, -1, 200},
    {"p", "a", REPLY_CANCELLED, NULL, 250, 255, 40.0, 10, 20, -1, 300},
    {"p", "a", REPLY_OK, NULL, 90, 95, 60.0, 10, 100, -1, 300},
    {"p", "a", REPLY_ERROR, "rate_limit", 70, -1, -1, 10, -1, -1, 300},
    {"p", "a", REPLY_OK, NULL, 3000, 3100, 20.0, 10, 100, -1, 300},
};
static const struct fig rows_b[] = {
    {"q", "b", REPLY_OK, NULL, 30, 30, 300.0, 5, 50, 0.5, 300},
    {"q", "b", REPLY_OK, NULL, 20, 20, 400.0, 5, 50, 0.25, 300},
    {"q", "b", REPLY_OK, NULL, 45, 45, 350.0, 5, 50, 0.25, 300},
};

static void store_all(struct fx *f)
{
	for (size_t i = 0; i < sizeof(rows_a) / sizeof(*rows_a); i++)
		store(f, &rows_a[i]);
	for (size_t i = 0; i < sizeof(rows_b) / sizeof(*rows_b); i++)
		store(f, &rows_b[i]);
}

/* The report of every reply stored, by replies, of the models that match
 * model (NULL: all of them); fails the test when it cannot be collected. */
static void collect(struct fx *f, const char *model, struct stats_report *r)
{
	struct stats_query q = {0, model, STATS_BY_REPLIES};
	assert_int_equal(stats_collect(f->h, &q, r), 0);
}

static const struct stats_row *row_named(const struct stats_report *r, const char *name)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->v[i].name, name) == 0)
			return &r->v[i];
	return NULL;
}

static unsigned kind_count(const struct stats_row *w, const char *kind)
{
	for (int i = 0; i < w->nkinds; i++)
		if (strcmp(w->kinds[i].name, kind) == 0)
			return w->kinds[i].n;
	return 0;
}

/* ---- figures ---------------------------------------------------------------- */

static void test_stats_figures_match_the_hand_computed_ones(void **state)
{
	struct fx *f = *state;
	store_all(f);
	struct stats_report r;
	collect(f, NULL, &r);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.replies, 13);
	assert_int_equal(r.errors, 2);
	const struct stats_row *a = &r.v[0]; /* the most replies first */
	assert_string_equal(a->name, "p:a");
	assert_int_equal(a->replies, 10);
	assert_int_equal(a->ok, 7);
	assert_int_equal(a->errors, 2);
	assert_int_equal(a->cancelled, 1);
	assert_int_equal(kind_count(a, "server"), 1);
	assert_int_equal(kind_count(a, "rate_limit"), 1);
	assert_int_equal(a->breaker_failures, 1);
	assert_int_equal(a->nttft, 10);
	assert_int_equal(a->ttft_p50, 90);
	assert_int_equal(a->ttft_p95, 3000);
	/* TTFO: nine known, sorted 45 65 85 95 130 255 310 1600 3100: the 5th */
	assert_int_equal(a->nttfo, 9);
	assert_int_equal(a->ttfo_p50, 130);
	/* tok/s of the ok replies only: 10 20 30 50 60 70 90: the 4th */
	assert_int_equal(a->ntps, 7);
	assert_true(a->tps_p50 == 50.0);
	assert_int_equal(a->tokens_in, 100);
	assert_int_equal(a->tokens_out, 100 * 7 + 5 + 20);
	assert_int_equal(a->priced, 4);
	assert_true(a->cost > 0.007 - 1e-12 && a->cost < 0.007 + 1e-12);
	unsigned buckets[STATS_BUCKETS] = {1, 4, 1, 2, 0, 1, 1, 0};
	for (int i = 0; i < STATS_BUCKETS; i++)
		assert_int_equal(a->buckets[i], buckets[i]);
	const struct stats_row *b = &r.v[1];
	assert_string_equal(b->name, "q:b");
	assert_int_equal(b->ttft_p50, 30);
	assert_int_equal(b->ttft_p95, 45);
	assert_true(b->tps_p50 == 350.0);
	assert_true(b->cost == 1.0);
	stats_report_done(&r);
}

static void test_stats_sorts_by_ttft_tps_and_cost(void **state)
{
	struct fx *f = *state;
	store_all(f);
	const struct {
		enum stats_sort sort;
		const char *first;
	} cases[] = {
	    {STATS_BY_REPLIES, "p:a"}, /* 10 replies against 3 */
	    {STATS_BY_TTFT, "q:b"},    /* p50 30 ms against 90 */
	    {STATS_BY_TPS, "q:b"},     /* 350 tok/s against 50 */
	    {STATS_BY_COST, "p:a"},    /* $0.00175 a priced reply against $0.33 */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct stats_query q = {0, NULL, cases[i].sort};
		struct stats_report r;
		assert_int_equal(stats_collect(f->h, &q, &r), 0);
		assert_int_equal(r.n, 2);
		assert_string_equal(r.v[0].name, cases[i].first);
		stats_report_done(&r);
	}
}

static void test_stats_since_keeps_the_replies_stored_from_then(void **state)
{
	struct fx *f = *state;
	store_all(f);
	struct stats_query q = {200, NULL, STATS_BY_REPLIES};
	struct stats_report r;
	assert_int_equal(stats_collect(f->h, &q, &r), 0);
	/* p:a stored 3 at 100, 3 at 200, 4 at 300 */
	const struct stats_row *a = row_named(&r, "p:a");
	assert_non_null(a);
	assert_int_equal(a->replies, 7);
	assert_int_equal(r.replies, 10);
	stats_report_done(&r);
	q.since = 301;
	assert_int_equal(stats_collect(f->h, &q, &r), 0);
	assert_int_equal(r.n, 0);
	stats_report_done(&r);
}

static void test_stats_model_matches_the_name_the_model_or_the_provider(void **state)
{
	struct fx *f = *state;
	store_all(f);
	const char *const names[] = {"q:b", "b", "q"};
	for (size_t i = 0; i < 3; i++) {
		struct stats_report r;
		collect(f, names[i], &r);
		assert_int_equal(r.n, 1);
		assert_string_equal(r.v[0].name, "q:b");
		assert_int_equal(r.replies, 3);
		stats_report_done(&r);
	}
	struct stats_report r;
	collect(f, "nothing", &r);
	assert_int_equal(r.n, 0);
	stats_report_done(&r);
}

/* ---- output ----------------------------------------------------------------- */

static void test_stats_json_has_the_exact_figures(void **state)
{
	struct fx *f = *state;
	store_all(f);
	struct stats_report r;
	collect(f, NULL, &r);
	struct buf b;
	buf_init(&b, 0);
	stats_json(&r, &b);
	stats_report_done(&r);
	json_error_t err;
	json_t *root = json_loads(buf_str(&b), 0, &err);
	assert_non_null(root);
	assert_int_equal(json_integer_value(json_object_get(root, "replies")), 13);
	assert_true(json_is_null(json_object_get(root, "since")));
	json_t *a = json_array_get(json_object_get(root, "models"), 0);
	assert_string_equal(json_string_value(json_object_get(a, "name")), "p:a");
	json_t *ttft = json_object_get(a, "ttft_ms");
	assert_int_equal(json_integer_value(json_object_get(ttft, "p50")), 90);
	assert_int_equal(json_integer_value(json_object_get(ttft, "p95")), 3000);
	assert_int_equal(json_integer_value(json_object_get(ttft, "n")), 10);
	json_t *kinds = json_object_get(a, "error_kinds");
	assert_int_equal(json_integer_value(json_object_get(kinds, "server")), 1);
	assert_int_equal(json_integer_value(json_object_get(a, "breaker_failures")), 1);
	assert_true(json_number_value(json_object_get(a, "cost_usd")) == 0.001 + 0.002 + 0 + 0.004);
	json_t *bk = json_object_get(a, "ttft_buckets");
	assert_int_equal(json_array_size(bk), STATS_BUCKETS);
	assert_int_equal(json_integer_value(json_array_get(bk, 1)), 4);
	json_t *b1 = json_array_get(json_object_get(root, "models"), 1);
	assert_true(json_number_value(json_object_get(json_object_get(b1, "tokens_per_second"), "p50")) ==
	            350.0);
	json_decref(root);
	buf_done(&b);
}

static void test_stats_text_has_a_row_a_model_and_its_spread(void **state)
{
	struct fx *f = *state;
	store_all(f);
	struct stats_report r;
	collect(f, NULL, &r);
	struct buf b;
	buf_init(&b, 0);
	stats_text(&r, &b);
	/* p:a's buckets 1 4 1 2 0 1 1 0: heights ceil(n * 8 / 4) */
	assert_contains(buf_str(&b), "▂█▂▄ ▂▂ ");
	assert_contains(buf_str(&b), "errors: server 1 rate_limit 1");
	assert_contains(buf_str(&b), "13 replies · 2 errors");
	buf_reset(&b);
	glyphs_use(false);
	stats_text(&r, &b);
	glyphs_use(true);
	assert_contains(buf_str(&b), ".@.= .. ");
	assert_contains(buf_str(&b), "13 replies | 2 errors");
	assert_null(strstr(buf_str(&b), "·"));
	stats_report_done(&r);
	buf_done(&b);
}

static void test_stats_of_an_empty_history_is_empty(void **state)
{
	struct fx *f = *state;
	struct stats_report r;
	collect(f, NULL, &r);
	assert_int_equal(r.n, 0);
	struct buf b;
	buf_init(&b, 0);
	stats_text(&r, &b);
	assert_contains(buf_str(&b), "(no replies)");
	buf_reset(&b);
	stats_json(&r, &b);
	assert_contains(buf_str(&b), "\"replies\":0");
	assert_contains(buf_str(&b), "\"models\":[]}");
	stats_report_done(&r);
	buf_done(&b);
}

/* A file of schema 4 (before reply_errors), read-only as --stats opens
 * it: its errors count, their kinds unrecorded. */
static void test_stats_reads_a_file_of_schema_4_without_error_kinds(void **state)
{
	struct fx *f = *state;
	store_all(f);
	history_close(f->h);
	f->h = NULL;
	exec_sql(f->path, HISTORY_BACK_TO_4);
	char err[512] = "";
	f->h = history_open_readonly(f->path, err, sizeof(err));
	assert_non_null(f->h);
	struct stats_report r;
	collect(f, "a", &r);
	assert_int_equal(r.v[0].errors, 2);
	assert_int_equal(kind_count(&r.v[0], "unrecorded"), 2);
	assert_int_equal(r.v[0].breaker_failures, 0);
	stats_report_done(&r);
}

/* ---- the words ---------------------------------------------------------------- */

static void test_stats_since_takes_spans_and_dates(void **state)
{
	(void)state;
	long long now = 1000000000, s = 0;
	assert_int_equal(clock_since("7d", now, &s), 0);
	assert_true(s == now - 7 * 86400);
	assert_int_equal(clock_since("24h", now, &s), 0);
	assert_true(s == now - 86400);
	assert_int_equal(clock_since("30m", now, &s), 0);
	assert_true(s == now - 1800);
	assert_int_equal(clock_since("2w", now, &s), 0);
	assert_true(s == now - 14 * 86400);
	struct tm tm = {0};
	tm.tm_year = 126;
	tm.tm_mon = 11;
	tm.tm_mday = 1;
	tm.tm_isdst = -1;
	long long midnight = (long long)mktime(&tm);
	assert_int_equal(clock_since("2026-12-01", now, &s), 0);
	assert_true(s == midnight);
	const char *const bad[] = {"", "7", "d", "-7d", "7dd", "7 d", "2026-02-31", "2026-13-01",
	                           "2026-1-1", "99999999999999d", "+7d"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		s = 42;
		assert_int_equal(clock_since(bad[i], now, &s), -1);
		assert_true(s == 42);
	}
	enum stats_sort so;
	assert_int_equal(stats_parse_sort("tps", &so), 0);
	assert_int_equal(so, STATS_BY_TPS);
	assert_int_equal(stats_parse_sort("speed", &so), -1);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_stats_figures_match_the_hand_computed_ones),
	    T(test_stats_sorts_by_ttft_tps_and_cost),
	    T(test_stats_since_keeps_the_replies_stored_from_then),
	    T(test_stats_model_matches_the_name_the_model_or_the_provider),
	    T(test_stats_json_has_the_exact_figures),
	    T(test_stats_text_has_a_row_a_model_and_its_spread),
	    T(test_stats_of_an_empty_history_is_empty),
	    T(test_stats_reads_a_file_of_schema_4_without_error_kinds),
	    T(test_stats_since_takes_spans_and_dates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
