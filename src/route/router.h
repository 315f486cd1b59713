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

struct router_config {
	int max_retries; /* per provider, before falling back (default 2) */
	/* --record: each attempt's raw body goes to
	 * record_dir/record_prefix-N-ATTEMPT-PROVIDER.EXT (NULL: none). */
	const char *record_dir;
	const char *record_prefix;
	long connect_timeout_ms, first_byte_timeout_ms, idle_timeout_ms; /* 0: defaults */
	struct breaker_config breaker;
};

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

/* A router for the providers in ps (borrowed; outlives the router). cfg may
 * be NULL for the defaults; seed feeds the jitter. */
struct router *router_new(struct providers *ps, const struct router_config *cfg, uint64_t seed);
void router_free(struct router *rt);

/* Sends req to chain[0] (models as the user names them: "gpt-4o",
 * "anthropic:claude-sonnet-4-5"), and along the chain as the rules of
 * DESIGN.md "Resilience" say: retries with backoff or the server's hint,
 * fallback only before the first visible token, a 401/403 disabling the
 * provider for the run, an open breaker skipped (if every one is open, the
 * one that failed longest ago is tried). The commit point is the first
 * visible token: after it a failure ends the request, the text kept.
 * mock_prompt is what the offline mock answers. Returns NULL with a
 * message in err when no model of the chain can be used at all. */
struct routed *router_start(struct router *rt, struct transport *t, const char *const *chain,
                            size_t n, const struct wire_request *req, const char *mock_prompt,
                            const struct routed_callbacks *cb, void *ctx, long long now,
                            char *err, size_t errlen);
/* The user's Ctrl-C: the attempt in progress ends, text kept, no error. */
void routed_cancel(struct routed *r);
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

/* The breaker of provider p (NULL for mock, which has none). */
const struct breaker *router_breaker(const struct router *rt, const struct provider *p);
/* Per provider counters for /stats. */
struct router_counts {
	unsigned retries, fallbacks;
	bool disabled;
	char last_error[96];
};
const struct router_counts *router_counts(const struct router *rt, const struct provider *p);

#endif
