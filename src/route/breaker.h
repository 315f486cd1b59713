/* SPDX-License-Identifier: GPL-3.0-or-later */
/* breaker: one circuit breaker per provider, a pure state machine. */
#ifndef CIRCUIT_ROUTE_BREAKER_H
#define CIRCUIT_ROUTE_BREAKER_H

/*
 * Sized for one person (DESIGN.md, "Resilience"). No clock and no I/O: every
 * call that needs the time takes `now` (monotonic milliseconds, from the
 * loop); the jitter comes from a seed given to breaker_init.
 *
 *   CLOSED     requests pass. A failure opens the breaker when it is the
 *              `consecutive`th in a row, or when, among the last `window`
 *              outcomes (all of them while fewer have been recorded), at
 *              least half failed and at least `window_min_failures` did.
 *              With the defaults, F S F S F opens at its third F (3 of 5);
 *              F S S F S S F does not (3 of 7); after ten successes it takes
 *              five failures among the last ten outcomes.
 *   OPEN       requests are refused until open_until. The period is
 *              open_ms * 2^k, capped at open_max_ms, times a jitter factor in
 *              [1 - jitter, 1 + jitter], capped again at open_max_ms; k is
 *              the number of times the breaker opened since the last success
 *              in CLOSED (30 s, 60 s, 120 s, 240 s, 300 s, 300 s, ...).
 *   HALF_OPEN  once open_until has passed: exactly one request (the probe)
 *              is let through. Its success closes the breaker (window and
 *              consecutive count cleared); its failure opens it again, with
 *              the period doubled.
 *
 * When the period goes back to 30 s: on the first success of a request
 * started in CLOSED. The probe's own success closes the breaker but keeps
 * the doubling, so a provider that answers one probe and then fails three
 * times in a row is opened for twice as long as before, not for 30 s again.
 *
 * Generations: the breaker's generation changes on every state change and
 * whenever a probe is let through. breaker_allow hands the current one to
 * the request; an outcome reported with another generation is ignored
 * altogether (counters included): it belongs to a stream started before the
 * breaker changed its mind.
 *
 * Every allowed request reports exactly one of breaker_success,
 * breaker_failure (errors for which retry_counts_for_breaker is true) or
 * breaker_release (cancelled, or an error that says nothing about the
 * provider's health); a probe that reported nothing would hold the
 * half-open breaker shut.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest window breaker_init accepts. */
#define BREAKER_WINDOW_MAX 64

/* Settable from the config file; breaker_config_init gives the defaults. */
struct breaker_config {
	int consecutive;         /* failures in a row that open it (3) */
	int window;              /* outcomes remembered, 1..BREAKER_WINDOW_MAX (10) */
	int window_min_failures; /* failures the window needs besides half (3);
	                          * more than window turns the window rule off */
	long long open_ms;       /* first open period (30000) */
	long long open_max_ms;   /* longest open period, jitter included (300000) */
	double jitter;           /* each period times [1 - jitter, 1 + jitter], 0..0.9 (0.2) */
};

enum breaker_state {
	BREAKER_CLOSED,
	BREAKER_OPEN,
	BREAKER_HALF_OPEN,
};

/* Embedded by value in the provider's state; read it through the functions
 * below, the fields are the module's. */
struct breaker {
	struct breaker_config cfg;
	enum breaker_state state; /* OPEN stays OPEN here until a request comes */
	unsigned gen;
	bool probe_out; /* HALF_OPEN: the probe is in flight */
	int consecutive;
	unsigned char ring[BREAKER_WINDOW_MAX]; /* 1 = failure, oldest at head */
	int head, count, fails;
	int streak; /* opens since the last success in CLOSED */
	long long open_until;
	long long last_failure; /* -1: never */
	long long last_success; /* -1: never */
	unsigned long trips;
	uint64_t rng;
};

/* Fills cfg with the defaults above. */
void breaker_config_init(struct breaker_config *cfg);

/* 0 if every field of cfg is in range; otherwise -1 and a one-line message
 * in err (if err is not NULL) naming the first field that is not. */
int breaker_config_check(const struct breaker_config *cfg, char *err, size_t errlen);

/* A closed breaker. cfg is copied (NULL: the defaults); a field out of range
 * is clamped into it. seed starts the jitter sequence: any value. */
void breaker_init(struct breaker *b, const struct breaker_config *cfg, uint64_t seed);

/* Whether a request may go to this provider now. CLOSED: yes. OPEN: no
 * until open_until; from then on the breaker is HALF_OPEN and the first
 * request through is its probe. HALF_OPEN with the probe in flight: no. On
 * true, *gen (if not NULL) is the generation to report the outcome with;
 * on false *gen is left alone. */
bool breaker_allow(struct breaker *b, long long now, unsigned *gen);

/* The router's last resort when every provider of a chain is open ("try the
 * one that failed longest ago rather than refuse"): like breaker_allow, but
 * an OPEN breaker lets the request through at once, before open_until, as
 * its probe (the breaker becomes HALF_OPEN). Still one probe at a time:
 * false when a probe is already in flight. */
bool breaker_force(struct breaker *b, long long now, unsigned *gen);

/* The request allowed with gen succeeded (its stream finished). CLOSED:
 * clears the consecutive count and the doubling. HALF_OPEN (the probe):
 * closes the breaker. Ignored if gen is stale. */
void breaker_success(struct breaker *b, unsigned gen, long long now);

/* The request allowed with gen failed in a way that counts (see
 * retry_counts_for_breaker). CLOSED: may open the breaker. HALF_OPEN (the
 * probe): opens it again for a doubled period. Ignored if gen is stale. */
void breaker_failure(struct breaker *b, unsigned gen, long long now);

/* The request allowed with gen ended without a verdict on the provider's
 * health (cancelled by the user, a request fault, a rate limit). A probe
 * frees its slot: the next request becomes the probe. Otherwise nothing. */
void breaker_release(struct breaker *b, unsigned gen);

/* Opens the breaker now, whatever its state, for at least at_least_ms
 * (itself capped at open_max_ms; 0: the usual period): for a provider whose
 * quota is gone (retry_trips_breaker). An already open breaker whose period
 * has not passed stays open, its end moved later if at_least_ms asks for
 * it. Counts as a failure for breaker_last_failure. */
void breaker_trip(struct breaker *b, long long now, long long at_least_ms);

/* The state as of now: an OPEN breaker whose period has passed reads
 * HALF_OPEN. */
enum breaker_state breaker_state(const struct breaker *b, long long now);

/* The generation breaker_allow would hand out now (for tests and logs). */
unsigned breaker_generation(const struct breaker *b);

/* When the current (or last) open period ends; 0 if it never opened. */
long long breaker_open_until(const struct breaker *b);

/* Milliseconds until an OPEN breaker lets a probe through (the status bar's
 * countdown); 0 in any other state or once the period has passed. */
long long breaker_remaining_ms(const struct breaker *b, long long now);

/* For /stats: failures in a row that counted (reset by a success or a
 * close), times the breaker opened, and the times of the last failure (a
 * trip included) and the last success (-1: never). To pick, when every
 * provider of a chain is open, the one that failed longest ago: the
 * smallest breaker_last_failure. */
int breaker_consecutive_failures(const struct breaker *b);
unsigned long breaker_trips(const struct breaker *b);
long long breaker_last_failure(const struct breaker *b);
long long breaker_last_success(const struct breaker *b);

/* "closed", "open", "half-open"; "?" outside the enum. */
const char *breaker_state_name(enum breaker_state s);

#endif
