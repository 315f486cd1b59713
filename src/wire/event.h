/* SPDX-License-Identifier: GPL-3.0-or-later */
/* event: the normalised event every wire adapter emits. */
#ifndef CIRCUIT_WIRE_EVENT_H
#define CIRCUIT_WIRE_EVENT_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"
#include "util/redact.h"

enum wire_event_type {
	WIRE_EV_TEXT,      /* visible reply text */
	WIRE_EV_THINKING,  /* reasoning / thinking text, never the answer */
	WIRE_EV_REFUSAL,   /* a refusal message (OpenAI), shown as a notice */
	WIRE_EV_TOOL_CALL, /* one complete tool call, shown as a notice */
	WIRE_EV_USAGE,     /* token counts so far (replace, never add) */
	WIRE_EV_STOP,      /* the model finished, with its reason */
	WIRE_EV_ERROR,     /* the stream failed; partial text stays valid */
	/* Issue 19: what the provider did beside the text. Never the reply's
	 * text: headless and --replay write them to stderr, the screen as dim
	 * lines (collapsed like thinking). */
	WIRE_EV_SERVER_TOOL, /* a tool the provider ran itself (web search,
	                      * code execution, MCP...): its call or its result */
	WIRE_EV_CITATION,    /* a source the reply cites: a URL and its title */
	WIRE_EV_IMAGE,       /* an image the model made, whole */
	WIRE_EV_MARKER,      /* a plain-words trace: redacted thinking, a
	                      * content filter's verdict, a paused turn */
};

/* Why the model stopped, normalised; the provider's own word is kept too. */
enum wire_stop {
	WIRE_STOP_END,    /* natural end, stop sequence */
	WIRE_STOP_LENGTH, /* max tokens */
	WIRE_STOP_TOOL,   /* wants a tool */
	WIRE_STOP_FILTER, /* content filter, safety, refusal, recitation */
	WIRE_STOP_OTHER,
};

/* What went wrong, as the router will need to know it. */
enum wire_error_kind {
	WIRE_ERR_UNKNOWN,
	WIRE_ERR_AUTH,        /* 401, 403: fix the key; never retried */
	WIRE_ERR_BILLING,     /* 402, quota gone */
	WIRE_ERR_RATE_LIMIT,  /* 429 */
	WIRE_ERR_OVERLOADED,  /* 529, 503, overloaded_error */
	WIRE_ERR_SERVER,      /* other 5xx, server_error */
	WIRE_ERR_TIMEOUT,     /* 408, 504, timeout_error */
	WIRE_ERR_BAD_REQUEST, /* 400, 422: the request's fault */
	WIRE_ERR_NOT_FOUND,   /* 404: model or path */
	WIRE_ERR_TOO_LARGE,   /* 413 */
	WIRE_ERR_BLOCKED,     /* prompt blocked (Gemini promptFeedback) */
	WIRE_ERR_TRUNCATED,   /* the stream ended without its terminal marker */
	WIRE_ERR_TOO_BIG,     /* a line, event or reply passed its cap */
	WIRE_ERR_STREAM,      /* any other error reported inside the stream */
	WIRE_ERR_CONNECT,     /* DNS, connect, TLS: no response at all */
	WIRE_ERR_NETWORK,     /* the connection failed mid-response */
	WIRE_ERR_REDIRECT,    /* 3xx: never followed nor retried; the message
	                       * says where it points */
};

/* Token counts; -1 where the provider did not say. */
struct wire_usage {
	long long input;
	long long output; /* includes thinking tokens where reported apart */
	long long thinking;
};

/* One error. code is the provider's own word (error.code, error.type,
 * error.status); message its text; either may be "". */
struct wire_error {
	enum wire_error_kind kind;
	int http_status;         /* 0 when it came inside a 200 stream */
	char *code;              /* owned */
	char *message;           /* owned */
	long long retry_after_ms; /* server's hint, -1 if none */
};

struct wire_event {
	enum wire_event_type type;
	/* TEXT, THINKING, REFUSAL: a delta, valid UTF-8 (may hold NUL). */
	const char *text;
	size_t len;
	/* TOOL_CALL */
	int tool_index;
	const char *tool_id;   /* "" if none */
	const char *tool_name; /* "" if none */
	const char *tool_args; /* the joined argument JSON text, maybe invalid */
	/* USAGE */
	struct wire_usage usage;
	/* STOP */
	enum wire_stop stop;
	const char *reason; /* the provider's word: "stop", "end_turn", "STOP" */
	/* ERROR */
	const struct wire_error *error;
	/* SERVER_TOOL: tool_id, tool_name as the provider names it ("web_search",
	 * "code_execution", "mcp server/tool": never ""), tool_args its main
	 * argument as text (the query, the URL, the code; "" if none); result
	 * false for the call, true for its outcome, whose summary is text/len
	 * (the code's output, "5 results", an error; may be empty). */
	bool result;
	/* CITATION: url (never ""), title ("" if none). */
	const char *url;
	const char *title;
	/* IMAGE: mime ("image/png"), its bytes base64-encoded in text/len (may
	 * be megabytes; only [A-Za-z0-9+/=] pass wire_clean). */
	const char *mime;
	/* MARKER: text/len, one line of plain words ("redacted thinking",
	 * "paused: the server's tool took too long; send again to go on"). */
};

/* Every pointer in ev is borrowed for the duration of the call. */
typedef void (*wire_event_fn)(void *ctx, const struct wire_event *ev);

void wire_error_init(struct wire_error *e);
void wire_error_done(struct wire_error *e);
/* Sets kind, code and message (copies; NULL means ""). */
void wire_error_set(struct wire_error *e, enum wire_error_kind kind, const char *code,
                    const char *message);

/* The choke point for what a server sends, event by event, before any
 * sink sees it:
 *   - a stop reason, error code and message, and a tool call's id, name
 *     and arguments pass util/untrusted (secrets redacted, controls and
 *     bidi neutralised, one line);
 *   - text, thinking and refusals have registered secrets redacted as they
 *     stream (util/redact's eager redactor: only a tail that could still
 *     become a key is held back, so the returned text may be shorter, even
 *     empty); their controls are left to util/sanitize at the sinks (--raw
 *     may keep them).
 * Before any other event, wire_clean_flush hands over what is held back
 * (and at the end of a stream). The copy lives in c until the next call. */
struct wire_clean {
	struct wire_event ev;
	struct wire_error err;
	struct buf reason, tool_id, tool_name, tool_args, scratch, text;
	struct buf url, title, mime, note;
	struct redactor held[3]; /* text, thinking, refusal */
};
void wire_clean_init(struct wire_clean *c);
void wire_clean_done(struct wire_clean *c);
const struct wire_event *wire_clean(struct wire_clean *c, const struct wire_event *ev);
/* Emits, through fn, a text/thinking/refusal event for each kind with bytes
 * held back (all of them: the stream goes on with another event or ends). */
void wire_clean_flush(struct wire_clean *c, wire_event_fn fn, void *ctx);
/* The door as a stream uses it: raw through wire_clean to fn, what was held
 * back first when raw is not a delta, and a delta held back whole not at
 * all. Every consumer of decoded events (net/stream, --replay) calls this. */
void wire_clean_pass(struct wire_clean *c, const struct wire_event *raw, wire_event_fn fn,
                     void *ctx);

const char *wire_event_type_name(enum wire_event_type t);
const char *wire_stop_name(enum wire_stop s);
const char *wire_error_kind_name(enum wire_error_kind k);
/* The error kind an HTTP status implies (0: WIRE_ERR_UNKNOWN). */
enum wire_error_kind wire_error_kind_for_status(int status);

/* Appends ev as one JSON object (no newline), in the --events format that
 * docs/replay.md describes. Returns -1 past out's cap. */
int wire_event_to_json(const struct wire_event *ev, struct buf *out);

#endif
