/* SPDX-License-Identifier: GPL-3.0-or-later */
/* breaker: one circuit breaker per provider, a pure state machine. */
#include "route/breaker.h"

#include <stdio.h>
#include <string.h>

#include "route/retry.h"

#define JITTER_MAX 0.9

void breaker_config_init(struct breaker_config *cfg)
{
	cfg->consecutive = 3;
	cfg->window = 10;
	cfg->window_min_failures = 3;
	cfg->open_ms = 30000;
	cfg->open_max_ms = 300000;
	cfg->jitter = 0.2;
}

/* Writes the message if there is somewhere to write it; returns -1. */
static int bad(char *err, size_t errlen, const char *msg)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", msg);
	return -1;
}

int breaker_config_check(const struct breaker_config *cfg, char *err, size_t errlen)
{
	if (cfg->consecutive < 1)
		return bad(err, errlen, "breaker consecutive must be at least 1");
	if (cfg->window < 1 || cfg->window > BREAKER_WINDOW_MAX) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "breaker window must be 1 to %d", BREAKER_WINDOW_MAX);
		return -1;
	}
	if (cfg->window_min_failures < 1)
		return bad(err, errlen, "breaker window_min_failures must be at least 1");
	if (cfg->open_ms < 1)
		return bad(err, errlen, "breaker open_ms must be at least 1");
	if (cfg->open_max_ms < cfg->open_ms)
		return bad(err, errlen, "breaker open_max_ms must be at least open_ms");
	/* Written so that NaN fails too. */
	if (!(cfg->jitter >= 0.0 && cfg->jitter <= JITTER_MAX))
		return bad(err, errlen, "breaker jitter must be 0 to 0.9");
	return 0;
}

static void window_clear(struct breaker *b)
{
	memset(b->ring, 0, sizeof b->ring);
	b->head = 0;
	b->count = 0;
	b->fails = 0;
}

/* Records one outcome, dropping the oldest once the window is full. */
static void window_push(struct breaker *b, bool failed)
{
	int w = b->cfg.window;
	if (b->count == w) {
		b->fails -= b->ring[b->head];
		b->ring[b->head] = failed;
		b->head = (b->head + 1) % w;
	} else {
		b->ring[(b->head + b->count) % w] = failed;
		b->count++;
	}
	b->fails += failed;
}

void breaker_init(struct breaker *b, const struct breaker_config *cfg, uint64_t seed)
{
	memset(b, 0, sizeof *b);
	if (cfg != NULL)
		b->cfg = *cfg;
	else
		breaker_config_init(&b->cfg);
	struct breaker_config *c = &b->cfg;
	if (c->consecutive < 1)
		c->consecutive = 1;
	if (c->window < 1)
		c->window = 1;
	if (c->window > BREAKER_WINDOW_MAX)
		c->window = BREAKER_WINDOW_MAX;
	if (c->window_min_failures < 1)
		c->window_min_failures = 1;
	if (c->open_ms < 1)
		c->open_ms = 1;
	if (c->open_max_ms < c->open_ms)
		c->open_max_ms = c->open_ms;
	if (!(c->jitter >= 0.0))
		c->jitter = 0.0;
	if (c->jitter > JITTER_MAX)
		c->jitter = JITTER_MAX;
	b->state = BREAKER_CLOSED;
	b->last_failure = -1;
	b->last_success = -1;
	b->rng = seed;
	window_clear(b);
}

/* The next open period: doubled per open since the last success in CLOSED,
 * capped, jittered, capped again, and never shorter than floor_ms (itself
 * capped). */
static long long open_period(struct breaker *b, long long floor_ms)
{
	long long max = b->cfg.open_max_ms;
	long long base = b->cfg.open_ms;
	for (int i = 0; i < b->streak && base < max; i++)
		base *= 2;
	if (base > max)
		base = max;
	double j = b->cfg.jitter;
	double factor = 1.0 - j + 2.0 * j * retry_uniform(&b->rng);
	long long period = (long long)((double)base * factor);
	if (period > max)
		period = max;
	if (period < 1)
		period = 1;
	if (floor_ms > max)
		floor_ms = max;
	if (period < floor_ms)
		period = floor_ms;
	return period;
}

static void open_now(struct breaker *b, long long now, long long floor_ms)
{
	b->open_until = now + open_period(b, floor_ms);
	if (b->streak < 62) /* enough to reach any cap; no overflow */
		b->streak++;
	b->state = BREAKER_OPEN;
	b->probe_out = false;
	b->gen++;
	b->trips++;
}

static void close_now(struct breaker *b)
{
	b->state = BREAKER_CLOSED;
	b->probe_out = false;
	b->consecutive = 0;
	window_clear(b);
	b->gen++;
}

/* The one request of a half-open breaker. A new generation each time, so
 * the late outcome of a released probe cannot pass for the next one's. */
static void admit_probe(struct breaker *b, unsigned *gen)
{
	b->state = BREAKER_HALF_OPEN;
	b->probe_out = true;
	b->gen++;
	if (gen != NULL)
		*gen = b->gen;
}

bool breaker_allow(struct breaker *b, long long now, unsigned *gen)
{
	switch (b->state) {
	case BREAKER_CLOSED:
		if (gen != NULL)
			*gen = b->gen;
		return true;
	case BREAKER_OPEN:
		if (now < b->open_until)
			return false;
		admit_probe(b, gen);
		return true;
	case BREAKER_HALF_OPEN:
		if (b->probe_out)
			return false;
		admit_probe(b, gen);
		return true;
	}
	return false;
}

bool breaker_force(struct breaker *b, long long now, unsigned *gen)
{
	if (b->state == BREAKER_OPEN) {
		admit_probe(b, gen);
		return true;
	}
	return breaker_allow(b, now, gen);
}

void breaker_success(struct breaker *b, unsigned gen, long long now)
{
	if (gen != b->gen)
		return;
	switch (b->state) {
	case BREAKER_CLOSED:
		b->last_success = now;
		b->consecutive = 0;
		b->streak = 0;
		window_push(b, false);
		break;
	case BREAKER_HALF_OPEN:
		if (!b->probe_out)
			return;
		b->last_success = now;
		close_now(b);
		break;
	case BREAKER_OPEN:
		/* No request holds an open breaker's generation. */
		break;
	}
}

void breaker_failure(struct breaker *b, unsigned gen, long long now)
{
	if (gen != b->gen)
		return;
	switch (b->state) {
	case BREAKER_CLOSED:
		b->last_failure = now;
		b->consecutive++;
		window_push(b, true);
		if (b->consecutive >= b->cfg.consecutive ||
		    (b->fails >= b->cfg.window_min_failures && 2 * b->fails >= b->count))
			open_now(b, now, 0);
		break;
	case BREAKER_HALF_OPEN:
		if (!b->probe_out)
			return;
		b->last_failure = now;
		b->consecutive++;
		open_now(b, now, 0);
		break;
	case BREAKER_OPEN:
		break;
	}
}

void breaker_release(struct breaker *b, unsigned gen)
{
	if (gen == b->gen && b->state == BREAKER_HALF_OPEN)
		b->probe_out = false;
}

void breaker_trip(struct breaker *b, long long now, long long at_least_ms)
{
	b->last_failure = now;
	if (b->state == BREAKER_OPEN && now < b->open_until) {
		long long floor_ms =
		    at_least_ms < b->cfg.open_max_ms ? at_least_ms : b->cfg.open_max_ms;
		if (now + floor_ms > b->open_until)
			b->open_until = now + floor_ms;
		return;
	}
	open_now(b, now, at_least_ms);
}

enum breaker_state breaker_state(const struct breaker *b, long long now)
{
	if (b->state == BREAKER_OPEN && now >= b->open_until)
		return BREAKER_HALF_OPEN;
	return b->state;
}

unsigned breaker_generation(const struct breaker *b)
{
	return b->gen;
}

long long breaker_open_until(const struct breaker *b)
{
	return b->open_until;
}

long long breaker_remaining_ms(const struct breaker *b, long long now)
{
	if (b->state != BREAKER_OPEN || now >= b->open_until)
		return 0;
	return b->open_until - now;
}

int breaker_consecutive_failures(const struct breaker *b)
{
	return b->consecutive;
}

unsigned long breaker_trips(const struct breaker *b)
{
	return b->trips;
}

long long breaker_last_failure(const struct breaker *b)
{
	return b->last_failure;
}

long long breaker_last_success(const struct breaker *b)
{
	return b->last_success;
}

const char *breaker_state_name(enum breaker_state s)
{
	switch (s) {
	case BREAKER_CLOSED: return "closed";
	case BREAKER_OPEN: return "open";
	case BREAKER_HALF_OPEN: return "half-open";
	}
	return "?";
}
