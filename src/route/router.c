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
#include "util/units.h"
#include "util/utf8.h"
#include "util/buf.h"
#include "util/glyphs.h"
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

/* The last outcome of a request's attempts on one provider. */
enum outcome {
	OUT_NONE,    /* no attempt ended yet: no verdict */
	OUT_SUCCESS,
	OUT_FAILURE, /* an error that counts (retry_counts_for_breaker) */
	OUT_RELEASE, /* cancelled, or an error that says nothing about the provider */
};

/* A request's admission by one provider's breaker. It is held across the
 * request's attempts there (retries, other models of the same provider)
 * and settled once, with the last outcome: a message that took three
 * tries is one failure, not three. */
struct admission {
	bool held;
	unsigned gen;
	enum outcome last;
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
	struct admission adm[MAX_PROVIDERS];
	int retries; /* on the current model */
	int attempts;
	bool committed, finished, cancelled, fallback;
	struct wire_error err;
	bool have_err;
	unsigned long timer;
	long long wait_until; /* the next attempt's start, -1 none */
	const char *wait_reason;
	char why[160]; /* the last failure, for the next notice */
	unsigned number; /* of this request, for record file names */
	char *record_path;
	bool starting;      /* inside router_start: notices wait in held */
	struct buf held;    /* those notices, each ending in '\n' */
};

void router_config_init(struct router_config *c)
{
	memset(c, 0, sizeof(*c));
	c->max_retries = ROUTER_DEFAULT_RETRIES;
	breaker_config_init(&c->breaker);
}

struct router *router_new(struct providers *ps, const struct router_config *cfg, uint64_t seed)
{
	struct router *rt = xcalloc(1, sizeof(*rt));
	rt->ps = ps;
	if (cfg != NULL)
		rt->cfg = *cfg;
	else
		router_config_init(&rt->cfg);
	rt->rng = seed ? seed : 0x9E3779B97F4A7C15ULL;
	for (int i = 0; i < MAX_PROVIDERS; i++)
		breaker_init(&rt->br[i], &rt->cfg.breaker, seed + (uint64_t)i * 7919);
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

/* A line for the user. Inside router_start it waits until the attempt it
 * leads to has started (or is dropped if none can). */
static void say(struct routed *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct routed *r, const char *fmt, ...)
{
	char line[320];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (r->starting) {
		buf_printf(&r->held, "%s\n", line);
		return;
	}
	r->cb.notice(r->ctx, r, line);
}

/* Delivers the notices router_start held back, in order. */
static void say_held(struct routed *r)
{
	char *line = r->held.data;
	char *end = line != NULL ? line + r->held.len : NULL;
	while (line != NULL && line < end) {
		char *nl = memchr(line, '\n', (size_t)(end - line));
		*nl = '\0';
		r->cb.notice(r->ctx, r, line);
		line = nl + 1;
	}
	buf_reset(&r->held);
}

/* ---- breakers: one admission and one verdict per provider -------------- */

/* Whether provider i's breaker lets this request's next attempt through:
 * an admission still current is kept; otherwise a new one is asked for
 * (breaker_force: the last resort, when every breaker is open). */
static bool admit(struct routed *r, int i, long long now, bool force)
{
	struct admission *a = &r->adm[i];
	struct breaker *b = &r->rt->br[i];
	if (a->held && a->gen == breaker_generation(b))
		return true;
	/* Stale (the breaker changed state since): its verdict would be
	 * ignored anyway. */
	a->held = false;
	unsigned gen;
	bool ok = force ? breaker_force(b, now, &gen) : breaker_allow(b, now, &gen);
	if (!ok)
		return false;
	a->held = true;
	a->gen = gen;
	a->last = OUT_NONE;
	return true;
}

static void note(struct routed *r, int i, enum outcome o)
{
	if (i >= 0 && r->adm[i].held)
		r->adm[i].last = o;
}

/* Gives provider i's breaker this request's verdict: the last outcome. */
static void settle(struct routed *r, int i, long long now)
{
	struct admission *a = &r->adm[i];
	struct breaker *b = &r->rt->br[i];
	if (!a->held)
		return;
	a->held = false;
	switch (a->last) {
	case OUT_SUCCESS: breaker_success(b, a->gen, now); break;
	case OUT_FAILURE: breaker_failure(b, a->gen, now); break;
	case OUT_NONE:
	case OUT_RELEASE: breaker_release(b, a->gen); break;
	}
}

static void settle_all(struct routed *r, long long now)
{
	for (int i = 0; i < MAX_PROVIDERS; i++)
		settle(r, i, now);
}

/* Whether a member of the chain after the current one is served by p: the
 * verdict on p waits until the request is done with it. */
static bool later_uses(const struct routed *r, const struct provider *p)
{
	for (size_t k = r->at + 1; k < r->n; k++) {
		struct provider *q = NULL;
		const char *model;
		char why[256];
		if (providers_resolve(r->rt->ps, r->chain[k], &q, &model, why, sizeof(why)) == 0 && q == p)
			return true;
	}
	return false;
}

/* ---- the request's end ------------------------------------------------- */

static void finish(struct routed *r)
{
	if (r->finished)
		return;
	r->finished = true;
	if (r->timer != 0)
		timer_cancel(r->t, r->timer);
	r->timer = 0;
	r->wait_until = -1;
	r->wait_reason = "";
	settle_all(r, transport_now(r->t));
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
	 * refusal, a tool call, a tool the provider ran, an image. Thinking
	 * (and a marker such as redacted thinking) is the model's working,
	 * dropped when an attempt fails before that (on_reset). */
	if (ev->type == WIRE_EV_TEXT || ev->type == WIRE_EV_REFUSAL ||
	    ev->type == WIRE_EV_TOOL_CALL || ev->type == WIRE_EV_SERVER_TOOL ||
	    ev->type == WIRE_EV_IMAGE)
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

/* ---- choosing the member to try ---------------------------------------- */

enum usable {
	USE_OK,   /* r->p and r->model are set and its breaker admitted it */
	USE_SKIP, /* unknown, no key, or disabled for the run */
	USE_OPEN, /* its breaker is open (or probing for another request) */
};

/* Whether chain member r->at can be tried now; if not, why (for the
 * [skip] line: "no ANTHROPIC_API_KEY set"). */
static enum usable check_member(struct routed *r, long long now, char *why, size_t n)
{
	struct router *rt = r->rt;
	struct provider *p = NULL;
	const char *model = NULL;
	char msg[256];
	int rc = providers_resolve(rt->ps, r->chain[r->at], &p, &model, msg, sizeof(msg));
	if (rc == -2 && p->key_problem != NULL) {
		snprintf(why, n, "%s", p->key_problem);
		return USE_SKIP;
	}
	if (rc == -2) {
		snprintf(why, n, "no %s set", providers_key_names(rt->ps, p));
		return USE_SKIP;
	}
	if (rc < 0) {
		snprintf(why, n, "not a model or provider circuit knows");
		return USE_SKIP;
	}
	int i = pindex(rt, p);
	if (i >= 0 && rt->counts[i].disabled) {
		snprintf(why, n, "%s refused its key earlier in this run", p->name);
		return USE_SKIP;
	}
	if (i >= 0 && !admit(r, i, now, false)) {
		long long left = breaker_remaining_ms(&rt->br[i], now);
		char t[UNITS_MAX];
		units_seconds(left, t, sizeof(t));
		if (left > 0)
			snprintf(why, n, "%s breaker open, next probe in %s", p->name, t);
		else
			snprintf(why, n, "%s breaker half-open, its probe under way", p->name);
		return USE_OPEN;
	}
	r->p = p;
	r->model = model;
	return USE_OK;
}

/* Among the members skipped for an open breaker: the one whose provider
 * failed longest ago (tried as a last resort) and the provider that lets a
 * probe through first (named in the notice). */
struct last_resort {
	size_t at; /* r->n: none */
	long long failed;
	const struct provider *first;
	long long first_ms;
};

static void consider(struct last_resort *lr, const struct routed *r, long long now)
{
	struct provider *p = NULL;
	const char *model;
	char why[256];
	providers_resolve(r->rt->ps, r->chain[r->at], &p, &model, why, sizeof(why));
	const struct breaker *b = &r->rt->br[pindex(r->rt, p)];
	long long failed = breaker_last_failure(b);
	long long left = breaker_remaining_ms(b, now);
	if (lr->at == r->n || failed < lr->failed) {
		lr->at = r->at;
		lr->failed = failed;
	}
	if (lr->first == NULL || left < lr->first_ms) {
		lr->first = p;
		lr->first_ms = left;
	}
}

/* Every breaker is open: the one that failed longest ago is tried rather
 * than refuse, as its probe. */
static int try_last_resort(struct routed *r, const struct last_resort *lr, long long now,
                           char *err, size_t errlen)
{
	char why[256];
	r->at = lr->at;
	providers_resolve(r->rt->ps, r->chain[r->at], &r->p, &r->model, why, sizeof(why));
	char when[64], t[UNITS_MAX];
	units_seconds(lr->first_ms, t, sizeof(t));
	if (lr->first_ms > 0)
		snprintf(when, sizeof(when), "%s tries again in %s", lr->first->name, t);
	else
		snprintf(when, sizeof(when), "%s is being probed", lr->first->name);
	if (lr->first == r->p)
		say(r, "[try] every provider's breaker is open; %s; trying it now anyway", when);
	else
		say(r, "[try] every provider's breaker is open; %s; trying %s now, which failed "
		       "longest ago", when, r->p->name);
	admit(r, pindex(r->rt, r->p), now, true); /* refused: a probe is out; go anyway */
	return start_attempt(r, now, err, errlen);
}

/* No member of the chain can be used: what the caller tells the user. A
 * chain of one says what providers_resolve says (it names the variable to
 * set); a longer one lists each member's reason. */
static void unusable(struct routed *r, const struct buf *reasons, char *err, size_t errlen)
{
	struct provider *p;
	const char *model;
	if (r->n == 1 && providers_resolve(r->rt->ps, r->chain[0], &p, &model, err, errlen) < 0)
		return;
	if (r->n == 1)
		snprintf(err, errlen, "%s", buf_str(reasons));
	else
		snprintf(err, errlen, "no model of the chain can be used: %s", buf_str(reasons));
}

/* Picks the first usable model of the chain from r->at on and starts it.
 * Each one skipped is announced, pointing at the next. */
static int advance(struct routed *r, long long now, char *err, size_t errlen)
{
	struct last_resort lr = {.at = r->n};
	struct buf reasons;
	buf_init(&reasons, 0);
	for (; r->at < r->n; r->at++) {
		char why[256];
		enum usable u = check_member(r, now, why, sizeof(why));
		if (u == USE_OK) {
			buf_done(&reasons);
			return start_attempt(r, now, err, errlen);
		}
		if (u == USE_OPEN)
			consider(&lr, r, now);
		if (r->at + 1 < r->n)
			say(r, "[skip] %s: %s %s %s", r->chain[r->at], why, glyph->arrow, r->chain[r->at + 1]);
		else
			say(r, "[skip] %s: %s", r->chain[r->at], why);
		buf_printf(&reasons, "%s%s: %s", reasons.len ? "; " : "", r->chain[r->at], why);
	}
	if (lr.at < r->n) {
		buf_done(&reasons);
		return try_last_resort(r, &lr, now, err, errlen);
	}
	unusable(r, &reasons, err, errlen);
	buf_done(&reasons);
	return -1;
}

/* ---- between attempts --------------------------------------------------- */

/* Timer: the next attempt (same model or the next one), outside any
 * stream callback. */
static void next_attempt(void *ctx, long long now)
{
	struct routed *r = ctx;
	r->timer = 0;
	r->wait_until = -1;
	r->wait_reason = "";
	r->cb.reset(r->ctx, r);
	char err[256];
	int rc;
	int i = pindex(r->rt, r->p);
	/* Another request may have opened the breaker during the wait: no
	 * retry goes to an open breaker. */
	if (!r->fallback && i >= 0 && !admit(r, i, now, false))
		r->fallback = true;
	if (r->fallback) {
		r->fallback = false;
		r->at++;
		r->retries = 0;
		rc = advance(r, now, err, sizeof(err));
		if (rc == 0)
			say(r, "[fallback] %s %s %s", r->why, glyph->arrow, r->chain[r->at]);
	} else {
		rc = start_attempt(r, now, err, sizeof(err));
	}
	/* The failed attempt's stream goes only once another has started:
	 * when none can, it is the one routed_stream() answers with. */
	if (rc == 0) {
		stream_free(r->old);
		r->old = NULL;
		return;
	}
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

/* The failed attempt s is set aside; the next one starts at `at`. */
static void wait_then(struct routed *r, struct stream *s, const struct wire_error *e, long long at,
                      bool fallback)
{
	r->fallback = fallback;
	r->old = s;
	r->s = NULL;
	r->wait_until = at;
	r->wait_reason = retry_wait_reason(e->kind);
	r->timer = timer_add(r->t, at, next_attempt, r);
}

static void describe(const struct routed *r, const struct wire_error *e, char *out, size_t n)
{
	if (e->http_status > 0)
		snprintf(out, n, "%s %d %s", r->p->name, e->http_status, wire_error_kind_name(e->kind));
	else
		snprintf(out, n, "%s %s", r->p->name, wire_error_kind_name(e->kind));
}

/* What to do after the failure e on provider i (-1: none, no breaker). */
static enum retry_action decide(struct routed *r, const struct wire_error *e, int i, long long now)
{
	struct router *rt = r->rt;
	/* The policy says what kind of failure this is; the budget is ours
	 * (max_retries from the config, not the policy's default of 2). */
	enum retry_action act =
	    retry_decide(e->kind, r->retries < rt->cfg.max_retries ? 0 : RETRY_MAX_PER_PROVIDER,
	                 e->retry_after_ms, r->committed);
	if (i < 0)
		return act;
	struct breaker *b = &rt->br[i];
	if (retry_trips_breaker(e->kind, e->retry_after_ms))
		breaker_trip(b, now, e->retry_after_ms > 0 ? e->retry_after_ms : 0); /* quota gone */
	/* A breaker that is not closed (this attempt was its probe, or the
	 * trip above or another request opened it) hears this failure now,
	 * and no retry goes to it. */
	if (breaker_state(b, now) != BREAKER_CLOSED) {
		settle(r, i, now);
		if (act == RETRY_SAME)
			act = RETRY_FALLBACK;
	}
	return act;
}

/* "kind: message" into out (size n), cut where a character begins: the
 * message passed util/untrusted as it left the stream, so what is kept is
 * redacted whole before it is cut. */
static void keep_last_error(char *out, size_t n, const struct wire_error *e)
{
	struct buf b;
	buf_init(&b, 0);
	buf_printf(&b, "%s: %s", wire_error_kind_name(e->kind), e->message);
	utf8_copy(out, n, buf_str(&b));
	buf_done(&b);
}

/* The attempt s on provider i failed with e before or after its commit
 * point: retry, fall back or end, as decide() says. */
static void attempt_failed(struct routed *r, struct stream *s, const struct wire_error *e, int i,
                           long long now)
{
	struct router *rt = r->rt;
	fail_with(r, e);
	if (i >= 0)
		keep_last_error(rt->counts[i].last_error, sizeof(rt->counts[i].last_error), e);
	note(r, i, retry_counts_for_breaker(e->kind) ? OUT_FAILURE : OUT_RELEASE);
	enum retry_action act = decide(r, e, i, now);
	describe(r, e, r->why, sizeof(r->why));
	if (act == RETRY_SAME) {
		long long delay = retry_delay_ms(r->retries, e->retry_after_ms, &rt->rng);
		r->retries++;
		if (i >= 0)
			rt->counts[i].retries++;
		char t[UNITS_MAX];
		units_seconds(delay, t, sizeof(t));
		say(r, "[retry] %s; retrying in %s (%d of %d)", r->why, t, r->retries,
		    rt->cfg.max_retries);
		wait_then(r, s, e, now + delay, false);
		return;
	}
	if (act == RETRY_FALLBACK && r->at + 1 < r->n) {
		if (i >= 0) {
			rt->counts[i].fallbacks++;
			if (!later_uses(r, r->p))
				settle(r, i, now); /* done with this provider: its verdict now */
		}
		wait_then(r, s, e, now, true);
		return;
	}
	if (act == RETRY_DISABLE && i >= 0)
		rt->counts[i].disabled = true;
	finish(r); /* the error stands: the end of the chain, a bad key, the request's fault */
}

static void on_done(void *ctx, struct stream *s)
{
	struct routed *r = ctx;
	long long now = transport_now(r->t);
	if (r->p->active > 0)
		r->p->active--;
	int i = pindex(r->rt, r->p);
	const struct wire_error *e = stream_error(s);
	if (stream_cancelled(s) || r->cancelled) {
		r->cancelled = true;
		note(r, i, OUT_RELEASE); /* no verdict on the provider */
		finish(r);
	} else if (e == NULL) {
		note(r, i, OUT_SUCCESS);
		finish(r);
	} else {
		attempt_failed(r, s, e, i, now);
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
	for (size_t i = 0; i < r->nmsgs; i++)
		wire_message_copy(&r->msgs[i], &req->messages[i]); /* images too */
	r->system = req->system ? xstrdup(req->system) : NULL;
	r->max_tokens = req->max_tokens;
	r->thinking_budget = req->thinking_budget;
	r->mock_prompt = xstrdup(mock_prompt ? mock_prompt : "");
	r->cb = *cb;
	r->ctx = ctx;
	r->number = rt->requests++;
	r->wait_until = -1;
	r->wait_reason = "";
	wire_error_init(&r->err);
	buf_init(&r->held, 0);
	r->starting = true;
	if (n == 0) {
		snprintf(err, errlen, "no model to send the request to");
		routed_free(r);
		return NULL;
	}
	if (advance(r, now, err, errlen) < 0) {
		routed_free(r);
		return NULL;
	}
	r->starting = false;
	say_held(r);
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
	/* Between attempts: end now, from the loop. Nothing waits any more. */
	if (r->timer != 0)
		timer_cancel(r->t, r->timer);
	r->wait_until = -1;
	r->wait_reason = "";
	r->timer = timer_add(r->t, 0, cancelled_timer, r);
}

void routed_free(struct routed *r)
{
	if (r == NULL)
		return;
	if (r->timer != 0)
		timer_cancel(r->t, r->timer);
	/* Freed before its end (the app quitting, a start that failed): no
	 * verdict, but a probe's slot is given back. */
	for (int i = 0; i < MAX_PROVIDERS; i++)
		if (r->adm[i].held)
			breaker_release(&r->rt->br[i], r->adm[i].gen);
	stream_free(r->s);
	stream_free(r->old);
	provider_request_done(&r->preq);
	for (size_t i = 0; i < r->n; i++)
		free(r->chain[i]);
	free(r->chain);
	for (size_t i = 0; i < r->nmsgs; i++)
		wire_message_free(&r->msgs[i]);
	free(r->msgs);
	free(r->system);
	free(r->mock_prompt);
	free(r->record_path);
	buf_done(&r->held);
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

long long routed_wait_until(const struct routed *r)
{
	return r->wait_until;
}

const char *routed_wait_reason(const struct routed *r)
{
	return r->wait_until >= 0 ? r->wait_reason : "";
}
