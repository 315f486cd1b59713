/* SPDX-License-Identifier: GPL-3.0-or-later */
/* retry: what the router does after a failed request, and how long it waits. */
#ifndef CIRCUIT_ROUTE_RETRY_H
#define CIRCUIT_ROUTE_RETRY_H

/*
 * The rules of DESIGN.md, "Resilience", as pure functions: no clock, no I/O;
 * randomness comes from a state the caller owns (one uint64_t, any seed).
 *
 *   committed (first visible token shown)  -> FAIL: the partial is kept
 *   auth (401, 403)                         -> DISABLE the provider for the run
 *   bad request, not found, too large,
 *   blocked, too big                        -> FAIL: the request's fault
 *   redirect (3xx)                          -> FAIL: the base URL's fault
 *   billing (402, quota gone)               -> FALLBACK (caller trips the breaker)
 *   rate limit with a hint over 60 s        -> FALLBACK (caller trips the breaker)
 *   rate limit, overloaded, server, timeout,
 *   connect, network, truncated, stream,
 *   unknown                                 -> SAME while fewer than 2 retries
 *                                              were done, then FALLBACK
 */

#include <stdbool.h>
#include <stdint.h>

#include "wire/event.h"

/* At most this many retries of one request on one provider. */
#define RETRY_MAX_PER_PROVIDER 2
/* A server hint up to this is waited out; above it the quota is gone. */
#define RETRY_HINT_MAX_MS 60000LL
/* The backoff without a hint: min(RETRY_BASE_MS * 2^retry, RETRY_CAP_MS). */
#define RETRY_BASE_MS 500LL
#define RETRY_CAP_MS  8000LL

enum retry_action {
	RETRY_SAME,     /* wait retry_delay_ms(), then the same provider again */
	RETRY_FALLBACK, /* the next model of the chain, now */
	RETRY_FAIL,     /* give up: show the error (a partial reply is kept) */
	RETRY_DISABLE,  /* bad key: disable the provider for the run, give up */
};

/* A uniform double in [0, 1) from splitmix64; advances *state. Any seed,
 * zero included, gives a good sequence. */
double retry_uniform(uint64_t *state);

/* Milliseconds to wait before retry number `retry` (0 for the first retry).
 * The server's hint when 0 <= hint_ms <= RETRY_HINT_MAX_MS (0 means at
 * once); otherwise min(0.5 s * 2^retry, 8 s) times a jitter factor in
 * [0.75, 1), drawn from *rng (NULL: no jitter, the full backoff). A
 * negative retry counts as 0. */
long long retry_delay_ms(int retry, long long hint_ms, uint64_t *rng);

/* The action after an error of `kind` on a provider that has already been
 * retried `retries_done` times for this request. hint_ms is the server's
 * retry hint (-1 if none); committed is true once the first visible token
 * was shown. A kind outside the enum is treated as WIRE_ERR_UNKNOWN. */
enum retry_action retry_decide(enum wire_error_kind kind, int retries_done, long long hint_ms,
                               bool committed);

/* Whether the error means the provider is gone for a while, so the caller
 * trips its breaker at once (breaker_trip): billing, and a rate limit whose
 * hint is over RETRY_HINT_MAX_MS. */
bool retry_trips_breaker(enum wire_error_kind kind, long long hint_ms);

/* Whether an error of this kind counts as a failure toward the provider's
 * breaker (breaker_failure). Counts: connect/TLS, network (mid-response),
 * timeouts, 5xx, 529/503 overloaded, in-stream errors, truncated streams,
 * and unknown errors (4xx statuses map to a request fault, so an
 * unclassified error is the provider's: a redirect, a proxy's page, an
 * error body nobody recognises). Does not count: auth (the key, not the
 * provider's health), billing and rate limit (quota: handled by
 * retry_trips_breaker), bad request, not found, too large, blocked (the
 * request's fault), too big (our own cap). A request that ends with an
 * error that does not count reports breaker_release(). A kind outside the
 * enum counts, as unknown. */
bool retry_counts_for_breaker(enum wire_error_kind kind);

/* Why the router waits before its next attempt after an error of this
 * kind, a few words for the status line ("waiting 7.0 s (rate limited)"):
 * "rate limited", "overloaded", "server error", "timeout", "unreachable",
 * "connection lost", "cut off", "stream error", "quota"; "failed" for any
 * other kind. Static. */
const char *retry_wait_reason(enum wire_error_kind kind);

/* "same", "fallback", "fail", "disable"; "?" outside the enum. */
const char *retry_action_name(enum retry_action a);

#endif
