/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mock: the offline provider, as a plan of timed wire-format bytes. */
#ifndef CIRCUIT_NET_MOCK_H
#define CIRCUIT_NET_MOCK_H

#include <stdbool.h>
#include <stddef.h>

/* The mock answers without sockets: mock_plan() writes the body an
 * OpenAI-compatible server would send (Chat Completions SSE: role chunk,
 * content deltas, finish_reason, usage chunk, [DONE]) as a list of byte
 * runs, each with the time after the request at which it "arrives". The
 * stream feeds each run through the real decoder when its time comes, so
 * the offline path exercises the real parsers.
 *
 * Deterministic: the same variant, prompt and attempt give the same plan.
 * Variants: "mock" (first token 150-400 ms, 30-80 tok/s with jitter),
 * "mock-fast" (20-60 ms, 200-400 tok/s), "mock-slow" (0.8-1.5 s, 8-15
 * tok/s), "mock-flaky" (like mock, with outages: in every cycle of 9
 * attempts, counted by the caller over the session, one burst of 3 failures
 * in a row, each before the first token with HTTP 503 or mid-stream with an
 * in-stream error: enough to open a breaker and watch it recover). The reply is useful: it says it is the offline mock,
 * echoes the start of the prompt, and explains how to set up a real
 * provider (the key variables, -m, Ollama). */

struct mock_chunk {
	long long at_ms; /* after the request started; non-decreasing */
	char *bytes;     /* owned */
	size_t len;
};

struct mock_plan {
	int status; /* 200, or an HTTP error status (then body is its error body) */
	struct mock_chunk *chunks;
	size_t nchunks;
};

/* True for the variant names above. */
bool mock_is_variant(const char *model);
/* Fills plan for model (a variant name), the last user prompt and attempt
 * (0 for a first try; retries pass 1, 2, ...). Returns 0, or -1 for an
 * unknown variant; on -1 the plan is empty and mock_plan_done on it is a
 * no-op. Chunk bytes are also NUL-terminated. */
int mock_plan(const char *model, const char *prompt, unsigned attempt, struct mock_plan *plan);
void mock_plan_done(struct mock_plan *plan);

#endif
