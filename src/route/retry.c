/* SPDX-License-Identifier: GPL-3.0-or-later */
/* retry: what the router does after a failed request, and how long it waits. */
#include "route/retry.h"

double retry_uniform(uint64_t *state)
{
	/* splitmix64 (Steele, Lea, Flood): one add and a mix; fine for jitter. */
	uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	z ^= z >> 31;
	/* The top 53 bits fill a double's mantissa exactly: [0, 1). */
	return (double)(z >> 11) * (1.0 / 9007199254740992.0);
}

long long retry_delay_ms(int retry, long long hint_ms, uint64_t *rng)
{
	if (hint_ms >= 0 && hint_ms <= RETRY_HINT_MAX_MS)
		return hint_ms;
	/* Doubling stops at the cap, so a large retry never overflows. */
	long long base = RETRY_BASE_MS;
	for (int i = 0; i < retry && base < RETRY_CAP_MS; i++)
		base *= 2;
	if (base > RETRY_CAP_MS)
		base = RETRY_CAP_MS;
	if (rng == NULL)
		return base;
	/* Jitter downward only: [0.75, 1) keeps every delay within the cap. */
	double factor = 0.75 + 0.25 * retry_uniform(rng);
	return (long long)((double)base * factor);
}

/* A transient failure: try the same provider again, twice at most. */
static enum retry_action transient(int retries_done)
{
	return retries_done < RETRY_MAX_PER_PROVIDER ? RETRY_SAME : RETRY_FALLBACK;
}

enum retry_action retry_decide(enum wire_error_kind kind, int retries_done, long long hint_ms,
                               bool committed)
{
	/* After the first visible token nothing is spliced, whatever the error. */
	if (committed)
		return RETRY_FAIL;
	switch (kind) {
	case WIRE_ERR_AUTH:
		/* Never fall back silently on a bad key. */
		return RETRY_DISABLE;
	case WIRE_ERR_BAD_REQUEST:
	case WIRE_ERR_NOT_FOUND:
	case WIRE_ERR_TOO_LARGE:
	case WIRE_ERR_BLOCKED:
	case WIRE_ERR_TOO_BIG:
		/* The request's fault: another provider would refuse it too, or
		 * it names a model only this one has. */
		return RETRY_FAIL;
	case WIRE_ERR_REDIRECT:
		/* The base URL's fault: asking again gets the same redirect, and
		 * falling back would hide the mistake to fix. */
		return RETRY_FAIL;
	case WIRE_ERR_BILLING:
		return RETRY_FALLBACK;
	case WIRE_ERR_RATE_LIMIT:
		if (hint_ms > RETRY_HINT_MAX_MS)
			return RETRY_FALLBACK;
		return transient(retries_done);
	case WIRE_ERR_UNKNOWN:
	case WIRE_ERR_OVERLOADED:
	case WIRE_ERR_SERVER:
	case WIRE_ERR_TIMEOUT:
	case WIRE_ERR_TRUNCATED:
	case WIRE_ERR_STREAM:
	case WIRE_ERR_CONNECT:
	case WIRE_ERR_NETWORK:
		return transient(retries_done);
	}
	/* Outside the enum: as unknown. */
	return transient(retries_done);
}

bool retry_trips_breaker(enum wire_error_kind kind, long long hint_ms)
{
	if (kind == WIRE_ERR_BILLING)
		return true;
	return kind == WIRE_ERR_RATE_LIMIT && hint_ms > RETRY_HINT_MAX_MS;
}

bool retry_counts_for_breaker(enum wire_error_kind kind)
{
	switch (kind) {
	case WIRE_ERR_CONNECT:    /* DNS, connect, TLS: no response at all */
	case WIRE_ERR_NETWORK:    /* the connection broke mid-response */
	case WIRE_ERR_TIMEOUT:    /* connect, first byte, idle; 408, 504 */
	case WIRE_ERR_SERVER:     /* 5xx */
	case WIRE_ERR_OVERLOADED: /* 529, 503 */
	case WIRE_ERR_STREAM:     /* an error inside a 200 stream */
	case WIRE_ERR_TRUNCATED:  /* no terminal marker */
	case WIRE_ERR_UNKNOWN:    /* unclassified: the provider's, not the request's */
		return true;
	case WIRE_ERR_AUTH:        /* the key is wrong, the provider may be fine */
	case WIRE_ERR_BILLING:     /* quota: retry_trips_breaker */
	case WIRE_ERR_RATE_LIMIT:  /* cooling down, not broken */
	case WIRE_ERR_BAD_REQUEST: /* 400, 422 */
	case WIRE_ERR_NOT_FOUND:   /* 404 */
	case WIRE_ERR_TOO_LARGE:   /* 413 */
	case WIRE_ERR_BLOCKED:     /* the prompt was refused */
	case WIRE_ERR_TOO_BIG:     /* our own cap */
	case WIRE_ERR_REDIRECT:    /* 3xx: the base URL, not an outage */
		return false;
	}
	/* Outside the enum: as unknown. */
	return true;
}

const char *retry_wait_reason(enum wire_error_kind kind)
{
	switch (kind) {
	case WIRE_ERR_RATE_LIMIT: return "rate limited";
	case WIRE_ERR_OVERLOADED: return "overloaded";
	case WIRE_ERR_SERVER: return "server error";
	case WIRE_ERR_TIMEOUT: return "timeout";
	case WIRE_ERR_CONNECT: return "unreachable";
	case WIRE_ERR_NETWORK: return "connection lost";
	case WIRE_ERR_TRUNCATED: return "cut off";
	case WIRE_ERR_STREAM: return "stream error";
	case WIRE_ERR_BILLING: return "quota";
	default: return "failed";
	}
}

const char *retry_action_name(enum retry_action a)
{
	switch (a) {
	case RETRY_SAME: return "same";
	case RETRY_FALLBACK: return "fallback";
	case RETRY_FAIL: return "fail";
	case RETRY_DISABLE: return "disable";
	}
	return "?";
}
