/* SPDX-License-Identifier: GPL-3.0-or-later */
/* router: one request across retries and fallbacks, with breakers.
 *
 * The commit point is the first visible token. Before it, a failed attempt
 * may be retried (after the server's hint or a backoff) or the request may
 * move to the next model of the chain; each step is announced. After it,
 * a failure ends the request: the partial text stays, nothing is spliced.
 * Streams are started and freed from timers, never inside a stream's own
 * callback. */
#include "route/router.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/mock.h"
#include "route/retry.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/mem.h"

#define MAX_PROVIDERS PROVIDERS_MAX

struct router {
	struct providers *ps;
	struct router_config cfg;
	struct breaker br[MAX_PROVIDERS];
	struct router_counts counts[MAX_PROVIDERS];
	uint64_t rng;
	unsigned mock_attempts; /* over the session: mock-flaky's outages span requests */
	long long now_unix;
	unsigned requests; /* for record file names */
};

struct routed {
	struct router *rt;
	struct transport *t;
	char **chain;
	size_t n, at;
	struct wire_message *msgs;
	size_t nmsgs;
	char *system;
	int max_tokens, thinking_budget;
	char *mock_prompt;
	struct routed_callbacks cb;
	void *ctx;
	struct provider *p;
	const char *model;
	struct provider_request preq;
	struct stream *s;
	struct stream *old; /* a finished attempt, freed from the next timer */
	unsigned gen;
	bool gen_valid;
	int retries; /* on the current model */
	int attempts;
	bool committed, finished, cancelled, fallback;
	struct wire_error err;
	bool have_err;
	unsigned long timer;
	char why[160]; /* the last failure, for the next notice */
	unsigned number; /* of this request, for record file names */
	char *record_path;
};

static const struct router_config defaults = {.max_retries = 2};

struct router *router_new(struct providers *ps, const struct router_config *cfg, uint64_t seed)
{
	struct router *rt = xcalloc(1, sizeof(*rt));
	rt->ps = ps;
	rt->cfg = cfg ? *cfg : defaults;
	rt->rng = seed ? seed : 0x9E3779B97F4A7C15ULL;
	for (int i = 0; i < MAX_PROVIDERS; i++)
		breaker_init(&rt->br[i], cfg ? &rt->cfg.breaker : NULL, seed + (uint64_t)i * 7919);
	return rt;
}

void router_set_wall_clock(struct router *rt, long long now_unix)
{
	rt->now_unix = now_unix;
}

void router_free(struct router *rt)
{
	free(rt);
}

static int pindex(const struct router *rt, const struct provider *p)
{
	size_t n = providers_count(rt->ps);
	for (size_t i = 0; i < n && i < MAX_PROVIDERS; i++)
		if (providers_at(rt->ps, i) == p)
			return (int)i;
	return -1;
}

const struct breaker *router_breaker(const struct router *rt, const struct provider *p)
{
	int i = pindex(rt, p);
	return i >= 0 ? &rt->br[i] : NULL;
}

const struct router_counts *router_counts(const struct router *rt, const struct provider *p)
{
	int i = pindex(rt, p);
	return i >= 0 ? &rt->counts[i] : NULL;
}

static void say(struct routed *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct routed *r, const char *fmt, ...)
{
	char line[320];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	r->cb.notice(r->ctx, r, line);
}

static void finish(struct routed *r)
{
	if (r->finished)
		return;
	r->finished = true;
	if (r->timer != 0)
		timer_cancel(r->t, r->timer);
	r->timer = 0;
	r->cb.done(r->ctx, r);
}

static void fail_with(struct routed *r, const struct wire_error *e)
{
	r->have_err = true;
	wire_error_set(&r->err, e->kind, e->code, e->message);
	r->err.http_status = e->http_status;
	r->err.retry_after_ms = e->retry_after_ms;
}

static void on_event(void *ctx, struct stream *s, const struct wire_event *ev)
{
	struct routed *r = ctx;
	(void)s;
	/* The reply has begun once the user has seen any of it: text, a
	 * refusal, a tool call. Thinking is the model's working, dropped when
	 * an attempt fails before that (on_reset). */
	if (ev->type == WIRE_EV_TEXT || ev->type == WIRE_EV_REFUSAL || ev->type == WIRE_EV_TOOL_CALL)
		r->committed = true;
	if (ev->type == WIRE_EV_ERROR)
		return; /* the router decides what the user hears */
	r->cb.event(r->ctx, r, ev);
}

static void on_done(void *ctx, struct stream *s);

/* Starts an attempt on r->p / r->model. */
static int start_attempt(struct routed *r, long long now, char *err, size_t errlen)
{
	struct wire_request req = {
		.system = r->system,
		.messages = r->msgs,
		.nmessages = r->nmsgs,
		.max_tokens = r->max_tokens,
		.thinking_budget = r->thinking_budget,
	};
	provider_request_done(&r->preq);
	provider_request_build(r->p, r->model, &req, &r->preq);
	const struct router_config *c = &r->rt->cfg;
	struct stream_spec spec = {
		.format = r->p->format,
		.url = r->preq.url,
		.headers = (const char *const *)r->preq.headers,
		.nheaders = r->preq.nheaders,
		.body = r->preq.body,
		.body_len = r->preq.body_len,
		.connect_timeout_ms = c->connect_timeout_ms,
		.first_byte_timeout_ms = c->first_byte_timeout_ms,
		.idle_timeout_ms = c->idle_timeout_ms,
	};
	if (r->preq.url == NULL) {
		spec.mock = r->model;
		spec.mock_prompt = r->mock_prompt;
		spec.mock_attempt = r->rt->mock_attempts++;
	}
	spec.now_unix = r->rt->now_unix;
	free(r->record_path);
	r->record_path = NULL;
	if (c->record_dir != NULL) {
		struct buf path;
		buf_init(&path, 0);
		enum wire_format f = r->p->format;
		buf_printf(&path, "%s/%s-%u-%d-%s.%s", c->record_dir,
		           c->record_prefix ? c->record_prefix : "circuit", r->number, r->attempts,
		           r->p->name, f == WIRE_OLLAMA ? "ndjson" : f == WIRE_GEMINI_JSON ? "json" : "sse");
		r->record_path = path.data;
		spec.record_path = r->record_path;
	}
	static const struct stream_callbacks cb = {on_event, on_done};
	const char *serr = "";
	r->committed = false;
	r->have_err = false; /* an attempt's failure is only final if nothing follows */
	r->s = stream_start(r->t, &spec, &cb, r, now, &serr);
	if (r->s == NULL) {
		snprintf(err, errlen, "%s: cannot start the request: %s", r->p->name, serr);
		return -1;
	}
	r->attempts++;
	r->p->active++;
	r->p->total++;
	log_msg("request %s:%s %s (attempt %d)", r->p->name, r->model,
	        r->preq.url ? r->preq.url : "(offline mock)", r->attempts);
	return 0;
}

/* Picks the first usable model of the chain from r->at on and starts it.
 * Unusable ones are announced as skipped. */
static int advance(struct routed *r, long long now, char *err, size_t errlen)
{
	struct router *rt = r->rt;
	size_t best = r->n;
	long long best_fail = 0;
	for (; r->at < r->n; r->at++) {
		struct provider *p;
		const char *model;
		char why[256];
		if (providers_resolve(rt->ps, r->chain[r->at], &p, &model, why, sizeof(why)) < 0) {
			if (r->at == 0 && r->n == 1) {
				snprintf(err, errlen, "%s", why);
				return -1;
			}
			say(r, "[skip] %s", why);
			continue;
		}
		int i = pindex(rt, p);
		if (i >= 0 && rt->counts[i].disabled) {
			say(r, "[skip] %s is disabled for this run (its key was refused)", p->name);
			continue;
		}
		r->gen_valid = false;
		if (i >= 0) {
			if (!breaker_allow(&rt->br[i], now, &r->gen)) {
				long long last = breaker_last_failure(&rt->br[i]);
				if (best == r->n || last < best_fail) {
					best = r->at;
					best_fail = last;
				}
				say(r, "[skip] %s: circuit breaker open, next probe in %lld s", p->name,
				    (breaker_remaining_ms(&rt->br[i], now) + 999) / 1000);
				continue;
			}
			r->gen_valid = true;
		}
		r->p = p;
		r->model = model;
		return start_attempt(r, now, err, errlen);
	}
	if (best < r->n) {
		/* Every breaker is open: try the one that failed longest ago rather
		 * than refuse. Its outcome is not counted (it was not allowed). */
		r->at = best;
		char why[256];
		providers_resolve(rt->ps, r->chain[best], &r->p, &r->model, why, sizeof(why));
		say(r, "[try] every provider's breaker is open; trying %s, which failed longest ago",
		    r->p->name);
		int i = pindex(rt, r->p);
		r->gen_valid = i >= 0 && breaker_force(&rt->br[i], now, &r->gen);
		return start_attempt(r, now, err, errlen);
	}
	snprintf(err, errlen, "no model of the chain could be used");
	return -1;
}

/* Timer: the next attempt (same model or the next one), outside any
 * stream callback. */
static void next_attempt(void *ctx, long long now)
{
	struct routed *r = ctx;
	r->timer = 0;
	r->cb.reset(r->ctx, r);
	char err[256];
	int rc;
	if (r->fallback) {
		r->fallback = false;
		r->at++;
		r->retries = 0;
		const char *from = r->why;
		rc = advance(r, now, err, sizeof(err));
		if (rc == 0)
			say(r, "[fallback] %s → %s", from, r->chain[r->at]);
	} else {
		rc = start_attempt(r, now, err, sizeof(err));
	}
	/* The failed attempt's stream goes only once another has started:
	 * when none can, it is the one routed_stream() answers with. */
	if (rc == 0) {
		stream_free(r->old);
		r->old = NULL;
	}
	if (rc < 0) {
		/* Nothing left to try: the last failure stands. */
		if (!r->have_err) {
			struct wire_error e;
			wire_error_init(&e);
			wire_error_set(&e, WIRE_ERR_UNKNOWN, "", err);
			fail_with(r, &e);
			wire_error_done(&e);
		}
		finish(r);
	}
}

static void describe(const struct routed *r, const struct wire_error *e, char *out, size_t n)
{
	if (e->http_status > 0)
		snprintf(out, n, "%s %d %s", r->p->name, e->http_status, wire_error_kind_name(e->kind));
	else
		snprintf(out, n, "%s %s", r->p->name, wire_error_kind_name(e->kind));
}

static void on_done(void *ctx, struct stream *s)
{
	struct routed *r = ctx;
	struct router *rt = r->rt;
	long long now = transport_now(r->t);
	if (r->p->active > 0)
		r->p->active--;
	int i = pindex(rt, r->p);
	struct breaker *b = i >= 0 ? &rt->br[i] : NULL;
	const struct wire_error *e = stream_error(s);
	if (stream_cancelled(s) || r->cancelled) {
		r->cancelled = true;
		if (b != NULL && r->gen_valid)
			breaker_release(b, r->gen); /* no verdict on the provider */
		finish(r);
		return;
	}
	if (e == NULL) {
		if (b != NULL && r->gen_valid)
			breaker_success(b, r->gen, now);
		finish(r);
		return;
	}
	fail_with(r, e);
	if (i >= 0)
		snprintf(rt->counts[i].last_error, sizeof(rt->counts[i].last_error), "%s: %s",
		         wire_error_kind_name(e->kind), e->message);
	if (b != NULL && r->gen_valid) {
		if (retry_counts_for_breaker(e->kind))
			breaker_failure(b, r->gen, now);
		else
			breaker_release(b, r->gen);
	}
	/* The policy says what kind of failure this is; the budget is ours
	 * (max_retries from the config, not the policy's default of 2). */
	enum retry_action act =
	    retry_decide(e->kind, r->retries < rt->cfg.max_retries ? 0 : RETRY_MAX_PER_PROVIDER,
	                 e->retry_after_ms, r->committed);
	/* A failure that just opened the breaker is not retried on the same
	 * provider: no request goes to an open breaker. */
	if (act == RETRY_SAME && b != NULL && breaker_state(b, now) != BREAKER_CLOSED)
		act = RETRY_FALLBACK;
	if (b != NULL && retry_trips_breaker(e->kind, e->retry_after_ms))
		breaker_trip(b, now, e->retry_after_ms > 0 ? e->retry_after_ms : 0); /* quota gone */
	describe(r, e, r->why, sizeof(r->why));
	switch (act) {
	case RETRY_SAME: {
		long long delay = retry_delay_ms(r->retries, e->retry_after_ms, &rt->rng);
		r->retries++;
		if (i >= 0)
			rt->counts[i].retries++;
		say(r, "[retry] %s; retrying in %.1f s (%d of %d)", r->why, (double)delay / 1000.0,
		    r->retries, rt->cfg.max_retries);
		r->old = s;
		r->s = NULL;
		r->timer = timer_add(r->t, now + delay, next_attempt, r);
		return;
	}
	case RETRY_FALLBACK:
		if (r->at + 1 < r->n) {
			if (i >= 0)
				rt->counts[i].fallbacks++;
			r->fallback = true;
			r->old = s;
			r->s = NULL;
			r->timer = timer_add(r->t, now, next_attempt, r);
			return;
		}
		finish(r); /* the end of the chain: the error stands */
		return;
	case RETRY_DISABLE:
		if (i >= 0)
			rt->counts[i].disabled = true;
		finish(r);
		return;
	case RETRY_FAIL:
		finish(r);
		return;
	}
}

struct routed *router_start(struct router *rt, struct transport *t, const char *const *chain,
                            size_t n, const struct wire_request *req, const char *mock_prompt,
                            const struct routed_callbacks *cb, void *ctx, long long now,
                            char *err, size_t errlen)
{
	struct routed *r = xcalloc(1, sizeof(*r));
	r->rt = rt;
	r->t = t;
	r->n = n;
	r->chain = xcalloc(n ? n : 1, sizeof(*r->chain));
	for (size_t i = 0; i < n; i++)
		r->chain[i] = xstrdup(chain[i]);
	r->nmsgs = req->nmessages;
	r->msgs = xcalloc(r->nmsgs ? r->nmsgs : 1, sizeof(*r->msgs));
	for (size_t i = 0; i < r->nmsgs; i++) {
		r->msgs[i].role = req->messages[i].role;
		r->msgs[i].text = xstrdup(req->messages[i].text ? req->messages[i].text : "");
	}
	r->system = req->system ? xstrdup(req->system) : NULL;
	r->max_tokens = req->max_tokens;
	r->thinking_budget = req->thinking_budget;
	r->mock_prompt = xstrdup(mock_prompt ? mock_prompt : "");
	r->cb = *cb;
	r->ctx = ctx;
	r->number = rt->requests++;
	wire_error_init(&r->err);
	if (advance(r, now, err, errlen) < 0) {
		routed_free(r);
		return NULL;
	}
	return r;
}

static void cancelled_timer(void *ctx, long long now)
{
	(void)now;
	struct routed *r = ctx;
	r->timer = 0;
	finish(r);
}

void routed_cancel(struct routed *r)
{
	if (r->finished || r->cancelled)
		return;
	r->cancelled = true;
	if (r->s != NULL && !stream_finished(r->s)) {
		stream_cancel(r->s);
		return;
	}
	/* Between attempts: end now, from the loop. */
	if (r->timer != 0)
		timer_cancel(r->t, r->timer);
	r->timer = timer_add(r->t, 0, cancelled_timer, r);
}

void routed_free(struct routed *r)
{
	if (r == NULL)
		return;
	if (r->timer != 0)
		timer_cancel(r->t, r->timer);
	stream_free(r->s);
	stream_free(r->old);
	provider_request_done(&r->preq);
	for (size_t i = 0; i < r->n; i++)
		free(r->chain[i]);
	free(r->chain);
	for (size_t i = 0; i < r->nmsgs; i++)
		free((char *)r->msgs[i].text);
	free(r->msgs);
	free(r->system);
	free(r->mock_prompt);
	free(r->record_path);
	wire_error_done(&r->err);
	free(r);
}

bool routed_done(const struct routed *r)
{
	return r->finished;
}

bool routed_cancelled(const struct routed *r)
{
	return r->cancelled;
}

const struct wire_error *routed_error(const struct routed *r)
{
	return r->have_err && !r->cancelled ? &r->err : NULL;
}

struct stream *routed_stream(const struct routed *r)
{
	return r->s != NULL ? r->s : r->old;
}

struct provider *routed_provider(const struct routed *r)
{
	return r->p;
}

const char *routed_model(const struct routed *r)
{
	return r->model;
}

bool routed_fell_back(const struct routed *r)
{
	return r->at > 0;
}

int routed_attempts(const struct routed *r)
{
	return r->attempts;
}
