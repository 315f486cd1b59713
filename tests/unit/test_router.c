/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_router: whole requests through router_start, on a real transport
 * and the offline mock provider (no network), the clock turned by hand. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include "net/mock.h"
#include "route/router.h"
#include "util/buf.h"
#include "util/glyphs.h"

/* No variable is set: no provider has a key; mock needs none. */
static const char *no_env(const char *name)
{
	(void)name;
	return NULL;
}

/* What one request did, in the order the app would have seen it. */
struct seen {
	char log[16][320]; /* "notice: …", "event: text", "reset", "done" */
	size_t nlog;
	size_t notices, events, resets, dones;
	struct buf text;
	/* The first wait between attempts seen by the loop, and its reason. */
	long long wait_until;
	char wait_reason[32];
	long long wait_seen_at;
};

static void logline(struct seen *w, const char *kind, const char *text)
{
	if (w->nlog < sizeof(w->log) / sizeof(w->log[0]))
		snprintf(w->log[w->nlog++], sizeof(w->log[0]), "%s%s", kind, text);
}

static void on_event(void *ctx, struct routed *r, const struct wire_event *ev)
{
	struct seen *w = ctx;
	(void)r;
	assert_int_equal(w->dones, 0);
	if (w->events == 0)
		logline(w, "event: ", wire_event_type_name(ev->type));
	w->events++;
	if (ev->type == WIRE_EV_TEXT)
		buf_append(&w->text, ev->text, ev->len);
}

static void on_reset(void *ctx, struct routed *r)
{
	struct seen *w = ctx;
	(void)r;
	w->resets++;
}

static void on_notice(void *ctx, struct routed *r, const char *text)
{
	struct seen *w = ctx;
	(void)r;
	w->notices++;
	logline(w, "notice: ", text);
}

static void on_done(void *ctx, struct routed *r)
{
	struct seen *w = ctx;
	(void)r;
	w->dones++;
	logline(w, "done", "");
}

static const struct routed_callbacks cb = {on_event, on_reset, on_notice, on_done};

struct fixture {
	struct providers *ps;
	struct transport *t;
	struct router *rt;
	long long now;
};

static void fixture_init(struct fixture *f, const struct router_config *cfg)
{
	glyphs_use(true);
	f->ps = providers_new(no_env);
	f->t = transport_new();
	f->rt = router_new(f->ps, cfg, 42);
	f->now = 1000000;
}

static void fixture_done(struct fixture *f)
{
	router_free(f->rt);
	transport_free(f->t);
	providers_free(f->ps);
}

static void seen_init(struct seen *w)
{
	memset(w, 0, sizeof(*w));
	buf_init(&w->text, 0);
	w->wait_until = -1;
}

/* Starts prompt on chain; NULL (with err) when the router refuses. */
static struct routed *send(struct fixture *f, const char *const *chain, size_t n,
                           const char *prompt, struct seen *w, char *err, size_t errlen)
{
	seen_init(w);
	struct wire_message msg = {WIRE_ROLE_USER, prompt, NULL, 0};
	struct wire_request req = {.messages = &msg, .nmessages = 1};
	return router_start(f->rt, f->t, chain, n, &req, prompt, &cb, w, f->now, err, errlen);
}

/* Turns the loop until r is done: the clock jumps to each deadline the
 * transport names (the mock's chunks, the router's back-off timers). */
static void run(struct fixture *f, struct routed *r, struct seen *w)
{
	for (int turns = 0; turns < 100000 && !routed_done(r); turns++) {
		if (routed_wait_until(r) >= 0 && w->wait_until < 0) {
			w->wait_until = routed_wait_until(r);
			w->wait_seen_at = f->now;
			snprintf(w->wait_reason, sizeof(w->wait_reason), "%s", routed_wait_reason(r));
		}
		long wait = transport_timeout(f->t, f->now);
		assert_true(wait >= 0); /* something is always pending until done */
		f->now += wait;
		transport_run(f->t, f->now);
	}
	assert_true(routed_done(r));
	assert_int_equal(w->dones, 1);
}

static size_t count_prefix(const struct seen *w, const char *prefix)
{
	size_t n = 0;
	for (size_t i = 0; i < w->nlog; i++)
		n += strncmp(w->log[i], prefix, strlen(prefix)) == 0;
	return n;
}

/* ---- item: a member that cannot be used is skipped ----------------------- */

static void test_member_without_key_is_skipped_then_the_next_answers(void **state)
{
	(void)state;
	struct fixture f;
	fixture_init(&f, NULL);
	const char *chain[] = {"claude-sonnet-4-5", "mock-fast"};
	struct seen w;
	char err[256] = "";
	struct routed *r = send(&f, chain, 2, "hi", &w, err, sizeof(err));
	assert_non_null(r);
	/* One notice, delivered before router_start returned: before any event
	 * of the attempt that answers. */
	assert_int_equal(w.nlog, 1);
	assert_string_equal(w.log[0],
	                    "notice: [skip] claude-sonnet-4-5: no ANTHROPIC_API_KEY set → mock-fast");
	run(&f, r, &w);
	assert_null(routed_error(r));
	assert_string_equal(routed_model(r), "mock-fast");
	assert_string_equal(routed_provider(r)->name, "mock");
	assert_true(routed_fell_back(r));
	assert_true(w.text.len > 0);
	assert_int_equal(w.notices, 1);
	assert_string_equal(w.log[1], "event: text");
	routed_free(r);
	buf_done(&w.text);
	fixture_done(&f);
}

static void test_unknown_and_keyless_members_each_get_one_notice(void **state)
{
	(void)state;
	struct fixture f;
	fixture_init(&f, NULL);
	const char *chain[] = {"nosuch-model", "gemini-2.5-flash", "mock-fast"};
	struct seen w;
	char err[256] = "";
	struct routed *r = send(&f, chain, 3, "hi", &w, err, sizeof(err));
	assert_non_null(r);
	assert_int_equal(w.notices, 2);
	assert_string_equal(w.log[0], "notice: [skip] nosuch-model: not a model or provider circuit "
	                              "knows → gemini-2.5-flash");
	assert_string_equal(w.log[1], "notice: [skip] gemini-2.5-flash: no GEMINI_API_KEY or "
	                              "GOOGLE_API_KEY set → mock-fast");
	run(&f, r, &w);
	assert_null(routed_error(r));
	assert_string_equal(routed_model(r), "mock-fast");
	routed_free(r);
	buf_done(&w.text);
	fixture_done(&f);
}

static void test_no_usable_member_is_refused_without_notices(void **state)
{
	(void)state;
	struct fixture f;
	fixture_init(&f, NULL);
	const char *chain[] = {"claude-sonnet-4-5", "gpt-4o"};
	struct seen w;
	char err[256] = "";
	assert_null(send(&f, chain, 2, "hi", &w, err, sizeof(err)));
	assert_int_equal(w.nlog, 0); /* the error says it all */
	assert_non_null(strstr(err, "claude-sonnet-4-5: no ANTHROPIC_API_KEY set"));
	assert_non_null(strstr(err, "gpt-4o: no OPENAI_API_KEY set"));
	/* A chain of one: the resolver's own message, naming the variable. */
	assert_null(send(&f, chain, 1, "hi", &w, err, sizeof(err)));
	assert_int_equal(w.nlog, 0);
	assert_non_null(strstr(err, "anthropic needs an API key: set ANTHROPIC_API_KEY"));
	fixture_done(&f);
}

/* ---- item: a message's retries count once toward the breaker ------------- */

/* mock-flaky fails 3 attempts in a row in each cycle of 9 (counted over the
 * router's session), each either before the first token (503) or
 * mid-stream. Finds the cycle's burst and a prompt for which all three fail
 * before the first token, so they are retried. Returns the burst's first
 * attempt number. */
static unsigned flaky_burst(char *prompt, size_t n)
{
	for (int k = 0; k < 1000; k++) {
		snprintf(prompt, n, "outage %d", k);
		unsigned first = 0, fails = 0;
		bool before = true;
		for (unsigned a = 0; a < 9; a++) {
			struct mock_plan plan;
			assert_int_equal(mock_plan("mock-flaky", prompt, a, &plan), 0);
			bool ok = plan.status == 200;
			bool midstream = ok && strstr(plan.chunks[plan.nchunks - 1].bytes, "error") != NULL;
			if (!ok || midstream) {
				if (fails++ == 0)
					first = a;
				before = before && !ok;
			}
			mock_plan_done(&plan);
		}
		assert_int_equal(fails, 3);
		if (before)
			return first;
	}
	fail_msg("no prompt makes all three failures happen before the first token");
	return 0;
}

/* Sends n messages that each succeed on their first attempt. */
static void succeed_n(struct fixture *f, unsigned n)
{
	const char *chain[] = {"mock-flaky"};
	for (unsigned i = 0; i < n; i++) {
		struct seen w;
		char err[256];
		struct routed *r = send(f, chain, 1, "fine", &w, err, sizeof(err));
		assert_non_null(r);
		run(f, r, &w);
		assert_null(routed_error(r));
		assert_int_equal(routed_attempts(r), 1);
		routed_free(r);
		buf_done(&w.text);
	}
}

static void test_a_message_retried_twice_counts_once_toward_the_breaker(void **state)
{
	(void)state;
	struct fixture f;
	fixture_init(&f, NULL); /* defaults: 2 retries, 3 failures in a row open */
	char prompt[32];
	succeed_n(&f, flaky_burst(prompt, sizeof(prompt)));
	const char *chain[] = {"mock-flaky"};
	struct seen w;
	char err[256];
	struct routed *r = send(&f, chain, 1, prompt, &w, err, sizeof(err));
	assert_non_null(r);
	run(&f, r, &w);
	assert_int_equal(routed_attempts(r), 3);
	assert_non_null(routed_error(r));
	assert_int_equal(routed_error(r)->kind, WIRE_ERR_OVERLOADED);
	assert_int_equal(count_prefix(&w, "notice: [retry]"), 2);
	const struct breaker *b = router_breaker(f.rt, routed_provider(r));
	assert_int_equal(breaker_state(b, f.now), BREAKER_CLOSED);
	assert_int_equal(breaker_consecutive_failures(b), 1);
	routed_free(r);
	buf_done(&w.text);
	/* The next prompt goes through as usual: no [skip], no [try]. */
	r = send(&f, chain, 1, "after", &w, err, sizeof(err));
	assert_non_null(r);
	run(&f, r, &w);
	assert_null(routed_error(r));
	assert_int_equal(w.notices, 0);
	assert_int_equal(breaker_consecutive_failures(b), 0);
	routed_free(r);
	buf_done(&w.text);
	fixture_done(&f);
}

/* ---- item: the wait between attempts is visible ------------------------- */

static void test_wait_between_attempts_is_visible_with_its_reason(void **state)
{
	(void)state;
	struct fixture f;
	fixture_init(&f, NULL);
	char prompt[32];
	succeed_n(&f, flaky_burst(prompt, sizeof(prompt)));
	const char *chain[] = {"mock-flaky", "mock-fast"};
	struct seen w;
	char err[256];
	struct routed *r = send(&f, chain, 2, prompt, &w, err, sizeof(err));
	assert_non_null(r);
	assert_int_equal(routed_wait_until(r), -1); /* the first attempt is under way */
	assert_string_equal(routed_wait_reason(r), "");
	run(&f, r, &w);
	/* The first back-off: 0.375 s to 0.5 s after the 503, "overloaded". */
	assert_true(w.wait_until - w.wait_seen_at >= 375);
	assert_true(w.wait_until - w.wait_seen_at <= 500);
	assert_string_equal(w.wait_reason, "overloaded");
	/* Done: nothing waits. The fallback answered. */
	assert_null(routed_error(r));
	assert_string_equal(routed_model(r), "mock-fast");
	assert_int_equal(routed_wait_until(r), -1);
	assert_string_equal(routed_wait_reason(r), "");
	routed_free(r);
	buf_done(&w.text);
	fixture_done(&f);
}

/* ---- every breaker open: the notice says when the first one probes ------- */

static void test_every_breaker_open_names_the_first_to_probe(void **state)
{
	(void)state;
	struct router_config cfg;
	router_config_init(&cfg);
	cfg.breaker.consecutive = 1;
	cfg.breaker.jitter = 0.0;
	struct fixture f;
	fixture_init(&f, &cfg);
	char prompt[32];
	succeed_n(&f, flaky_burst(prompt, sizeof(prompt)));
	const char *chain[] = {"mock-flaky"};
	struct seen w;
	char err[256];
	struct routed *r = send(&f, chain, 1, prompt, &w, err, sizeof(err));
	run(&f, r, &w);
	const struct breaker *b = router_breaker(f.rt, routed_provider(r));
	assert_int_equal(breaker_state(b, f.now), BREAKER_OPEN); /* one failed message, 3 tries */
	assert_int_equal(breaker_trips(b), 1);
	routed_free(r);
	buf_done(&w.text);
	f.now += 2500;
	long long left = breaker_remaining_ms(b, f.now);
	assert_int_equal(left, 27500);
	r = send(&f, chain, 1, "again", &w, err, sizeof(err));
	assert_non_null(r);
	assert_int_equal(w.notices, 2);
	assert_string_equal(w.log[0], "notice: [skip] mock-flaky: mock breaker open, next probe in 28s");
	assert_string_equal(w.log[1], "notice: [try] every provider's breaker is open; mock tries "
	                              "again in 28s; trying it now anyway");
	run(&f, r, &w);
	assert_null(routed_error(r));
	/* It went as the probe: its success closed the breaker. */
	assert_int_equal(breaker_state(b, f.now), BREAKER_CLOSED);
	routed_free(r);
	buf_done(&w.text);
	fixture_done(&f);
}

/* ---- named settings ------------------------------------------------------ */

static void test_config_init_gives_every_default(void **state)
{
	(void)state;
	struct router_config c;
	memset(&c, 0xA5, sizeof(c));
	router_config_init(&c);
	assert_int_equal(c.max_retries, ROUTER_DEFAULT_RETRIES);
	assert_int_equal(ROUTER_DEFAULT_RETRIES, 2);
	assert_null(c.record_dir);
	assert_null(c.record_prefix);
	assert_int_equal(c.connect_timeout_ms, 0);
	assert_int_equal(c.first_byte_timeout_ms, 0);
	assert_int_equal(c.idle_timeout_ms, 0);
	struct breaker_config d;
	breaker_config_init(&d);
	assert_int_equal(c.breaker.consecutive, d.consecutive);
	assert_int_equal(c.breaker.window, d.window);
	assert_int_equal(c.breaker.window_min_failures, d.window_min_failures);
	assert_int_equal(c.breaker.open_ms, d.open_ms);
	assert_int_equal(c.breaker.open_max_ms, d.open_max_ms);
	assert_true(c.breaker.jitter == d.jitter);
	assert_int_equal(breaker_config_check(&c.breaker, NULL, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_member_without_key_is_skipped_then_the_next_answers),
	    cmocka_unit_test(test_unknown_and_keyless_members_each_get_one_notice),
	    cmocka_unit_test(test_no_usable_member_is_refused_without_notices),
	    cmocka_unit_test(test_a_message_retried_twice_counts_once_toward_the_breaker),
	    cmocka_unit_test(test_wait_between_attempts_is_visible_with_its_reason),
	    cmocka_unit_test(test_every_breaker_open_names_the_first_to_probe),
	    cmocka_unit_test(test_config_init_gives_every_default),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
