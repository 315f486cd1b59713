/* SPDX-License-Identifier: GPL-3.0-or-later */
/* router: one request across retries and fallbacks, with breakers. */
#ifndef CIRCUIT_ROUTE_ROUTER_H
#define CIRCUIT_ROUTE_ROUTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/stream.h"
#include "net/transport.h"
#include "route/breaker.h"
#include "route/providers.h"
#include "wire/request.h"

/* Retries of one request on one provider before falling back, when the
 * config says nothing (docs/resilience.md, "Settings"). */
#define ROUTER_DEFAULT_RETRIES 2

struct router_config {
	int max_retries; /* per provider, before falling back (ROUTER_DEFAULT_RETRIES) */
	/* --record: each attempt's raw body goes to
	 * record_dir/record_prefix-N-ATTEMPT-PROVIDER.EXT (NULL: none). */
	const char *record_dir;
	const char *record_prefix;
	long connect_timeout_ms, first_byte_timeout_ms, idle_timeout_ms; /* 0: defaults */
	struct breaker_config breaker;
};

/* Fills c with the defaults: ROUTER_DEFAULT_RETRIES, no recording, the
 * stream's own timeouts (0: connect 10 s, first byte 60 s, idle 60 s) and
 * the breaker of breaker_config_init. */
void router_config_init(struct router_config *c);

struct router;
struct routed;

struct routed_callbacks {
	/* Events of the attempt in progress, in order. */
	void (*event)(void *ctx, struct routed *r, const struct wire_event *ev);
	/* The attempt failed before its first visible token and another
	 * follows: drop what it showed (thinking). */
	void (*reset)(void *ctx, struct routed *r);
	/* A line for the user: "[retry] …", "[fallback] … → …", "[skip] …". */
	void (*notice)(void *ctx, struct routed *r, const char *text);
	/* Once, at the very end. Free the routed later, not from here. */
	void (*done)(void *ctx, struct routed *r);
};

/* The wall clock (seconds), for Retry-After dates; the loop sets it before
 * each router_start (the route layer never reads the clock). */
void router_set_wall_clock(struct router *rt, long long now_unix);

/* A router for the providers in ps (borrowed; outlives the router). cfg is
 * copied; NULL means router_config_init's defaults. seed feeds the jitter. */
struct router *router_new(struct providers *ps, const struct router_config *cfg, uint64_t seed);
void router_free(struct router *rt);

/* Sends req to chain[0] (models as the user names them: "gpt-4o",
 * "anthropic:claude-sonnet-4-5"), and along the chain as the rules of
 * DESIGN.md "Resilience" say: retries with backoff or the server's hint,
 * fallback only before the first visible token, a 401/403 disabling the
 * provider for the run, an open breaker skipped (if every one is open, the
 * one that failed longest ago is tried). The commit point is the first
 * visible token: after it a failure ends the request, the text kept.
 *
 * A member that cannot be used (unknown model, no key, its provider
 * disabled for the run, its breaker open) is skipped with one notice,
 * "[skip] claude-sonnet-4-5: no ANTHROPIC_API_KEY set → mock-fast", and
 * the next one is tried. Notices of the members skipped here are delivered
 * from inside this call, after the attempt that follows them has started
 * and before any of its events.
 *
 * Breakers hear one verdict per provider for the whole request, however
 * many attempts it made there (retries, several models of one provider):
 * the last attempt's outcome on that provider decides.
 *
 * mock_prompt is what the offline mock answers. Returns NULL, with no
 * notice delivered, when no model of the chain can be used at all: err
 * then says why (for a chain of one, what providers_resolve says). */
struct routed *router_start(struct router *rt, struct transport *t, const char *const *chain,
                            size_t n, const struct wire_request *req, const char *mock_prompt,
                            const struct routed_callbacks *cb, void *ctx, long long now,
                            char *err, size_t errlen);
/* The user's Ctrl-C: the attempt in progress ends, text kept, no error. */
void routed_cancel(struct routed *r);
/* Frees r (NULL: nothing), before its router and transport are freed. A
 * request freed before its end gives its breakers no verdict. */
void routed_free(struct routed *r);

bool routed_done(const struct routed *r);
bool routed_cancelled(const struct routed *r);
/* The error that ended it, or NULL. */
const struct wire_error *routed_error(const struct routed *r);
/* The attempt in progress, or the last one (for metrics and labels). */
struct stream *routed_stream(const struct routed *r);
struct provider *routed_provider(const struct routed *r);
const char *routed_model(const struct routed *r);
/* True when the answer came from a later model of the chain. */
bool routed_fell_back(const struct routed *r);
/* How many attempts were made, retries and fallbacks. */
int routed_attempts(const struct routed *r);
/* Between attempts (a retry's back-off, a rate limit's hint, a fallback
 * about to start): the loop time in ms at which the next attempt starts;
 * -1 while an attempt is under way or once the request is done. */
long long routed_wait_until(const struct routed *r);
/* Why it waits (retry_wait_reason), for the status line: "rate limited",
 * "overloaded", "server error", "timeout", "unreachable", "connection
 * lost", "cut off", "stream error", "quota", "failed"; "" when
 * routed_wait_until is -1. Static. */
const char *routed_wait_reason(const struct routed *r);

/* The breaker of provider p (the mock has one too); NULL for a provider
 * that is not in the router's providers. */
const struct breaker *router_breaker(const struct router *rt, const struct provider *p);
/* Per provider counters for /stats. */
struct router_counts {
	unsigned retries, fallbacks;
	bool disabled;
	char last_error[96];
};
const struct router_counts *router_counts(const struct router *rt, const struct provider *p);

#endif
