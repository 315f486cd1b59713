/* SPDX-License-Identifier: GPL-3.0-or-later */
/* decoder: bytes of one response body in, normalised events out. */
#ifndef CIRCUIT_WIRE_DECODER_H
#define CIRCUIT_WIRE_DECODER_H

#include <stdbool.h>
#include <stddef.h>

#include "wire/event.h"
#include "wire/request.h"

enum wire_format {
	WIRE_OPENAI,           /* Chat Completions, SSE */
	WIRE_OPENAI_RESPONSES, /* Responses API, SSE */
	WIRE_ANTHROPIC,        /* Messages, SSE */
	WIRE_GEMINI,           /* streamGenerateContent?alt=sse */
	WIRE_GEMINI_JSON,      /* streamGenerateContent, streamed JSON array */
	WIRE_OLLAMA,           /* /api/chat, NDJSON */
	WIRE_FORMAT_COUNT,
};

/* "openai", "openai-responses", "anthropic", "gemini", "gemini-json", "ollama". */
const char *wire_format_name(enum wire_format f);
/* Returns 0 and sets *f, or -1 for an unknown name. */
int wire_format_parse(const char *name, enum wire_format *f);

struct wire_limits {
	size_t frame_max; /* one SSE line or event, one JSON value */
	size_t reply_max; /* text + thinking (+ tool arguments, images) of one reply */
	size_t image_frame_max; /* a frame whose first 64 KiB name an image field
	                         * ("inlineData", "image_generation_call",
	                         * "b64_json"): wire/framecap.h; never below
	                         * frame_max */
};
/* 0 in a field means its default. */
#define WIRE_FRAME_MAX_DEFAULT ((size_t)1 << 20)
#define WIRE_REPLY_MAX_DEFAULT ((size_t)64 << 20)
#define WIRE_IMAGE_FRAME_MAX_DEFAULT ((size_t)32 << 20)

struct wire_decoder;

/* A decoder for one response body in format f, calling fn for each event.
 * lim may be NULL for the defaults. */
struct wire_decoder *wire_decoder_new(enum wire_format f, const struct wire_limits *lim,
                                      wire_event_fn fn, void *ctx);
void wire_decoder_free(struct wire_decoder *d);

/* Bytes as they arrive, split anywhere. Returns 0, or -1 once the stream
 * failed (an ERROR event was emitted: a cap passed, or the provider reported
 * an error); later bytes are ignored. Malformed JSON in one frame is counted
 * and skipped: the stream goes on. */
int wire_decoder_feed(struct wire_decoder *d, const char *p, size_t n);

/* End of body. If the provider's terminal marker never came, emits an ERROR
 * of kind WIRE_ERR_TRUNCATED (the text so far stays valid); if the body held
 * no frame at all but is an error object (a JSON error with status 200),
 * emits that error. Returns 0 when the reply is complete, -1 otherwise. */
int wire_decoder_finish(struct wire_decoder *d);

/* Frames that were skipped as malformed. */
size_t wire_decoder_malformed(const struct wire_decoder *d);

/* Parses an HTTP error body (status >= 400) of format f into e (which must be
 * initialised). Works on any body: JSON in the provider's shape, another
 * provider's shape, or not JSON at all (then the message is the body's first
 * line, sanitised and shortened). Never fails. */
void wire_parse_error_body(enum wire_format f, int status, const char *body, size_t len,
                           struct wire_error *e);

/* Sets e (initialised) for a 3xx answer, which circuit never follows:
 * kind WIRE_ERR_REDIRECT, code "redirect", http_status status, and a
 * message saying where it points, "the server redirects to URL", with the
 * location's userinfo ("user:password@") dropped and the URL cut at
 * WIRE_REDIRECT_SHOWN bytes (never inside a character); "the server
 * redirects without a Location header" when location is NULL or empty.
 * location is borrowed. Never fails. */
#define WIRE_REDIRECT_SHOWN 512
void wire_redirect_error(int status, const char *location, struct wire_error *e);

/* The server's retry hint in ms from the retry-after-ms header (float ms),
 * else retry-after (seconds, or an HTTP-date compared to now_unix), else -1.
 * Either argument may be NULL. */
long long wire_retry_after_ms(const char *retry_after_ms, const char *retry_after,
                              long long now_unix);

/* The request body for req in format f: new NUL-terminated JSON text that
 * the caller frees; *len set if len is not NULL. */
/* The fast path (on by default): common chunks read without a JSON tree,
 * to the same events. Off: every frame parsed by jansson. For the
 * differential fuzz target and the benchmark. */
void wire_decoder_set_fast(struct wire_decoder *d, bool on);

char *wire_build_request(enum wire_format f, const struct wire_request *req, size_t *len);

#endif
