/* SPDX-License-Identifier: GPL-3.0-or-later */
/* stream: one streaming request, from start to its last event. */
#ifndef CIRCUIT_NET_STREAM_H
#define CIRCUIT_NET_STREAM_H

#include <stdbool.h>
#include <stddef.h>

#include "net/transport.h"
#include "wire/decoder.h"
#include "wire/event.h"

/* What to send and how to read it. Strings are copied by stream_start. */
struct stream_spec {
	enum wire_format format;
	const char *url;             /* NULL with mock */
	const char *const *headers;  /* "Name: value"; may hold the key */
	size_t nheaders;
	const char *body;            /* the request body (JSON) */
	size_t body_len;
	/* Offline: the mock variant ("mock", "mock-fast", ...), the prompt it
	 * answers and the attempt number. NULL: a real request. */
	const char *mock;
	const char *mock_prompt;
	unsigned mock_attempt;
	struct wire_limits limits;   /* zeros: defaults */
	long connect_timeout_ms;     /* 0: 10 s */
	long first_byte_timeout_ms;  /* 0: 60 s */
	long idle_timeout_ms;        /* 0: 60 s, between any two bytes */
	const char *record_path;     /* save the raw body there (0600); NULL: no */
	long long now_unix;          /* wall clock at start, for Retry-After dates */
};

/* Timings in ms after t0 (the request handed to curl), -1 until known
 * (DESIGN.md "Streaming metrics"). */
struct stream_metrics {
	long long t0;     /* absolute, the loop's clock */
	long long ttfb;   /* first response byte */
	long long ttft;   /* first text or thinking delta */
	long long ttfo;   /* first visible text delta */
	long long last;   /* last text or thinking delta */
	long long total;  /* the end */
	long long last_byte; /* the last byte of any kind (comments, pings too) */
	long long max_gap;   /* longest wait between two bytes after the first, -1 none */
	long status;      /* HTTP status, 0 before it is known (200 for mock) */
	size_t text_bytes, thinking_bytes;
	size_t deltas;    /* text + thinking events: the live token estimate */
	struct wire_usage usage; /* -1s until the provider reports */
	bool have_usage;
	/* Why the model stopped, from the STOP event: WIRE_STOP_LENGTH when the
	 * token limit cut the reply (OpenAI "length", Responses "incomplete"
	 * for max_output_tokens, Anthropic "max_tokens", Gemini "MAX_TOKENS",
	 * Ollama "length"); WIRE_STOP_OTHER until a STOP event. */
	enum wire_stop stop_kind;
	char stop_reason[48]; /* the provider's own word; "" until a STOP event */
	size_t malformed;
};

struct stream;

struct stream_callbacks {
	/* Each event as it is decoded, in order; an ERROR is the last event. */
	void (*event)(void *ctx, struct stream *s, const struct wire_event *ev);
	/* Once, at the end (complete, failed or cancelled). The stream stays
	 * valid until stream_free, which the owner calls later, not from here. */
	void (*done)(void *ctx, struct stream *s);
};

/* Starts the request at now_ms. Returns NULL only if curl refuses to start
 * it; then *err says why. */
struct stream *stream_start(struct transport *t, const struct stream_spec *spec,
                            const struct stream_callbacks *cb, void *ctx, long long now_ms,
                            const char **err);
/* Ends the stream early (the user's Ctrl-C): text so far stays, done runs
 * from the loop with stream_cancelled() true and no error. */
void stream_cancel(struct stream *s);
void stream_free(struct stream *s);

bool stream_finished(const struct stream *s);
bool stream_cancelled(const struct stream *s);
/* The error that ended the stream, or NULL if it completed or was cancelled. */
const struct wire_error *stream_error(const struct stream *s);
/* Its timings and counts so far; tokens, tok/s and cost are derived from
 * them in model/metrics. */
const struct stream_metrics *stream_metrics(const struct stream *s);

#endif
