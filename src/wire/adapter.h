/* SPDX-License-Identifier: GPL-3.0-or-later */
/* adapter: the contract between the decoder and one provider's wire format.
 * Internal to src/wire: callers use wire/decoder.h. */
#ifndef CIRCUIT_WIRE_ADAPTER_H
#define CIRCUIT_WIRE_ADAPTER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "wire/event.h"
#include "wire/request.h"

/* Where an adapter's events go. The sink enforces the reply cap and keeps
 * the facts the decoder needs at the end. */
struct wire_sink {
	wire_event_fn fn;
	void *ctx;
	size_t malformed;   /* frames that were not the JSON we expect */
	size_t reply_bytes; /* text + thinking so far */
	size_t reply_max;
	bool terminal; /* the format's end marker arrived */
	bool failed;   /* an error event was emitted */
};

/* Text, thinking or refusal delta; n == 0 emits nothing. */
void sink_text(struct wire_sink *s, enum wire_event_type type, const char *p, size_t n);
void sink_usage(struct wire_sink *s, long long input, long long output, long long thinking);
void sink_stop(struct wire_sink *s, enum wire_stop stop, const char *reason);
void sink_tool(struct wire_sink *s, int index, const char *id, const char *name, const char *args);
/* Issue 19's traces (wire/event.h says what each field holds). name and
 * url must not be NULL; the other strings may be (""). */
void sink_server_tool(struct wire_sink *s, const char *id, const char *name, const char *arg,
                      bool result, const char *summary, size_t summary_len);
void sink_citation(struct wire_sink *s, const char *url, const char *title);
/* sink_image charges len to the reply cap (past it: TOO_BIG, no image). */
void sink_image(struct wire_sink *s, const char *mime, const char *base64, size_t len);
void sink_marker(struct wire_sink *s, const char *words);
/* Emits e and marks the stream failed. Only the first error is emitted. */
void sink_error(struct wire_sink *s, const struct wire_error *e);

enum wire_framing { FRAMING_SSE, FRAMING_JSON_ARRAY, FRAMING_NDJSON };

struct wire_adapter {
	const char *name;
	enum wire_framing framing;
	/* Fresh per-stream state, and its release. */
	void *(*create)(void);
	void (*destroy)(void *st);
	/* One parsed frame: root is the JSON value; type is the SSE event type
	 * ("message" when none) or NULL for the JSON framings. */
	void (*frame)(void *st, struct wire_sink *s, const char *type, json_t *root);
	/* The fast path (may be NULL): one frame of JSON text, read without a
	 * tree (wire/fastjson.h). Returns true when it took the frame, having
	 * emitted exactly what frame() would have; false, before any event,
	 * when the frame is not one it reads: frame() gets it parsed. */
	bool (*fast)(void *st, struct wire_sink *s, const char *type, const char *data, size_t len);
	/* A frame that is not JSON; return true if it was understood (OpenAI's
	 * "[DONE]"). NULL: every such frame is malformed. */
	bool (*raw)(void *st, struct wire_sink *s, const char *data, size_t len);
	/* End of body: flush what is pending (tool calls). May be NULL. */
	void (*end)(void *st, struct wire_sink *s);
	/* An error object in this provider's shape (HTTP body or in-stream) into
	 * e. Returns 0 if root held an error, -1 if not. */
	int (*error)(json_t *root, struct wire_error *e);
	/* The request body for req, as new JSON. */
	json_t *(*build)(const struct wire_request *req);
};

extern const struct wire_adapter wire_openai_adapter;
extern const struct wire_adapter wire_openai_responses_adapter;
extern const struct wire_adapter wire_anthropic_adapter;
extern const struct wire_adapter wire_gemini_adapter;
extern const struct wire_adapter wire_gemini_json_adapter;
extern const struct wire_adapter wire_ollama_adapter;

/* Tool calls whose fragments arrive apart, joined by key (an index). */
struct wire_tool {
	int key;
	char *id;
	char *name;
	struct buf args;
	bool emitted;
};
struct wire_tools {
	struct wire_tool *v;
	size_t n;
};
/* The call with this key, created empty on first use. */
struct wire_tool *wire_tools_get(struct wire_tools *t, int key);
/* Sets id / name unless already set (first fragment wins); NULL ignored. */
void wire_tool_name(struct wire_tool *tool, const char *id, const char *name);
/* Emits every call not emitted yet, in key order. */
void wire_tools_flush(struct wire_tools *t, struct wire_sink *s);
/* Emits one call (if not emitted yet). */
void wire_tools_flush_one(struct wire_tools *t, struct wire_sink *s, int key);
void wire_tools_free(struct wire_tools *t);
/* Appends n bytes of a tool call's arguments; they count toward the reply
 * cap like text (past it: a TOO_BIG error, and nothing is appended). */
void sink_tool_args(struct wire_sink *s, struct wire_tool *tool, const char *p, size_t n);

/* Shared helpers for adapters. */

/* True when an "error" object is in Google's shape (a status word and no
 * type): the OpenAI parsers decline it so gemini's reads it. */
bool wj_google_error(json_t *err);
/* True when root carries a truthy "error" member (object or string). */
bool wj_has_error(json_t *root);
/* Emits the in-stream error in root, read by parse; when parse does not
 * recognise it, a string "error" is the message. Unknown kinds become
 * WIRE_ERR_STREAM. */
void sink_stream_error(struct wire_sink *s, json_t *root, int (*parse)(json_t *, struct wire_error *));

/* The string at obj[key], or NULL when absent, null or not a string. */
const char *wj_str(json_t *obj, const char *key);
/* Same with its length (strings may hold NUL). */
const char *wj_strn(json_t *obj, const char *key, size_t *len);
/* The integer at obj[key], or -1. */
long long wj_int(json_t *obj, const char *key);
/* A JSON string of s; invalid UTF-8 becomes U+FFFD (jansson refuses it). */
json_t *wj_string(const char *s);
/* [{"role":"system",...}?, {"role":"user"|"assistant","content"}...]: the
 * message array OpenAI Chat and Ollama share. */
json_t *wj_chat_messages(const struct wire_request *req);
/* An image's bytes as one base64 JSON string (Anthropic's data, Gemini's
 * inlineData data, an Ollama images entry). */
json_t *wj_image_base64(const struct wire_image *img);
/* An image as a data URL string: "data:image/png;base64,..." (OpenAI). */
json_t *wj_image_data_url(const struct wire_image *img);
/* Sets obj[key] to a string of s (as wj_string). */
void wj_set_str(json_t *obj, const char *key, const char *s);
/* The error kind a provider's code word implies (overloaded_error,
 * RESOURCE_EXHAUSTED, ...), or WIRE_ERR_UNKNOWN. */
enum wire_error_kind wire_error_kind_for_code(const char *code);
/* "try again in 186ms" / "in 1.5s" in a message: the delay in ms, or -1. */
long long wire_retry_hint_in_message(const char *message);

#endif
