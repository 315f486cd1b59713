/* SPDX-License-Identifier: GPL-3.0-or-later */
/* event: the normalised event every wire adapter emits. */
#include "wire/event.h"

#include <stdlib.h>
#include <string.h>

#include "util/jsonesc.h"
#include "util/mem.h"
#include "util/untrusted.h"

void wire_error_init(struct wire_error *e)
{
	e->kind = WIRE_ERR_UNKNOWN;
	e->http_status = 0;
	e->code = xstrdup("");
	e->message = xstrdup("");
	e->retry_after_ms = -1;
}

void wire_error_done(struct wire_error *e)
{
	free(e->code);
	free(e->message);
	e->code = NULL;
	e->message = NULL;
}

void wire_error_set(struct wire_error *e, enum wire_error_kind kind, const char *code,
                    const char *message)
{
	e->kind = kind;
	free(e->code);
	free(e->message);
	e->code = xstrdup(code ? code : "");
	e->message = xstrdup(message ? message : "");
}

void wire_clean_init(struct wire_clean *c)
{
	wire_error_init(&c->err);
	buf_init(&c->reason, 0);
	buf_init(&c->tool_id, 0);
	buf_init(&c->tool_name, 0);
	buf_init(&c->tool_args, 0);
	buf_init(&c->scratch, 0);
	buf_init(&c->text, 0);
	buf_init(&c->url, 0);
	buf_init(&c->title, 0);
	buf_init(&c->mime, 0);
	buf_init(&c->note, 0);
	for (size_t i = 0; i < 3; i++)
		redactor_init(&c->held[i]);
}

void wire_clean_done(struct wire_clean *c)
{
	wire_error_done(&c->err);
	buf_done(&c->reason);
	buf_done(&c->tool_id);
	buf_done(&c->tool_name);
	buf_done(&c->tool_args);
	buf_done(&c->scratch);
	buf_done(&c->text);
	buf_done(&c->url);
	buf_done(&c->title);
	buf_done(&c->mime);
	buf_done(&c->note);
	for (size_t i = 0; i < 3; i++)
		redactor_done(&c->held[i]);
}

/* s (NULL: "") through untrusted_field into b; returns b's text. */
static const char *clean(struct buf *b, const char *s)
{
	buf_reset(b);
	if (s != NULL)
		untrusted_field(b, s, strlen(s));
	return buf_str(b);
}

/* A server tool's summary or a marker's words: one clean line. */
static void clean_note(struct wire_clean *c, const struct wire_event *ev)
{
	buf_reset(&c->note);
	if (ev->text != NULL)
		untrusted_field(&c->note, ev->text, ev->len);
	c->ev.text = buf_str(&c->note);
	c->ev.len = c->note.len;
}

/* An image's base64: its alphabet only (line breaks dropped); anything else
 * and the image is empty, which its sinks report as unreadable. */
static void clean_base64(struct wire_clean *c, const struct wire_event *ev)
{
	buf_reset(&c->text);
	size_t run = 0; /* the start of the run of alphabet being copied */
	for (size_t i = 0; i <= ev->len; i++) {
		unsigned char ch = i < ev->len ? (unsigned char)ev->text[i] : '\n';
		bool ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		          (ch >= '0' && ch <= '9') || ch == '+' || ch == '/' || ch == '=';
		if (ok)
			continue;
		if (ch != '\n' && ch != '\r') {
			buf_reset(&c->text);
			break;
		}
		buf_append(&c->text, ev->text + run, i - run); /* a megabyte image: runs, not bytes */
		run = i + 1;
	}
	c->ev.text = buf_str(&c->text);
	c->ev.len = c->text.len;
}

/* Which redactor holds back a kind of streamed text; -1 for other events. */
static int held_index(enum wire_event_type t)
{
	return t == WIRE_EV_TEXT ? 0 : t == WIRE_EV_THINKING ? 1 : t == WIRE_EV_REFUSAL ? 2 : -1;
}

/* A streamed delta with its secrets redacted: what the redactor releases. */
static const struct wire_event *clean_text(struct wire_clean *c, const struct wire_event *ev,
                                           int k)
{
	struct redactor *r = &c->held[k];
	if (!redactor_holds(r) && (!redact_active() || !redact_may_hold(ev->text, ev->len)))
		return ev; /* nothing a key could be part of: the per-token path makes no copy */
	buf_reset(&c->text);
	redactor_feed_eager(r, ev->text, ev->len, &c->text);
	c->ev = *ev;
	c->ev.text = buf_str(&c->text);
	c->ev.len = c->text.len;
	return &c->ev;
}

const struct wire_event *wire_clean(struct wire_clean *c, const struct wire_event *ev)
{
	int k = held_index(ev->type);
	if (k >= 0)
		return clean_text(c, ev, k);
	if (ev->type == WIRE_EV_USAGE)
		return ev;
	c->ev = *ev;
	if (ev->type == WIRE_EV_STOP) {
		c->ev.reason = clean(&c->reason, ev->reason);
	} else if (ev->type == WIRE_EV_TOOL_CALL || ev->type == WIRE_EV_SERVER_TOOL) {
		c->ev.tool_id = clean(&c->tool_id, ev->tool_id);
		c->ev.tool_name = clean(&c->tool_name, ev->tool_name);
		c->ev.tool_args = clean(&c->tool_args, ev->tool_args);
		if (ev->type == WIRE_EV_SERVER_TOOL)
			clean_note(c, ev);
	} else if (ev->type == WIRE_EV_CITATION) {
		c->ev.url = clean(&c->url, ev->url);
		c->ev.title = clean(&c->title, ev->title);
	} else if (ev->type == WIRE_EV_MARKER) {
		clean_note(c, ev);
	} else if (ev->type == WIRE_EV_IMAGE) {
		c->ev.mime = clean(&c->mime, ev->mime);
		clean_base64(c, ev);
	} else {
		const struct wire_error *e = ev->error;
		wire_error_set(&c->err, e->kind, clean(&c->scratch, e->code), "");
		free(c->err.message);
		c->err.message = xstrdup(clean(&c->scratch, e->message));
		c->err.http_status = e->http_status;
		c->err.retry_after_ms = e->retry_after_ms;
		c->ev.error = &c->err;
	}
	return &c->ev;
}

void wire_clean_flush(struct wire_clean *c, wire_event_fn fn, void *ctx)
{
	static const enum wire_event_type kinds[] = {WIRE_EV_TEXT, WIRE_EV_THINKING,
	                                             WIRE_EV_REFUSAL};
	for (size_t k = 0; k < 3; k++) {
		if (!redactor_holds(&c->held[k]))
			continue;
		struct buf out;
		buf_init(&out, 0);
		redactor_finish(&c->held[k], &out);
		struct wire_event ev = {.type = kinds[k], .text = buf_str(&out), .len = out.len};
		if (out.len > 0)
			fn(ctx, &ev);
		buf_done(&out);
	}
}

void wire_clean_pass(struct wire_clean *c, const struct wire_event *raw, wire_event_fn fn,
                     void *ctx)
{
	bool delta = held_index(raw->type) >= 0;
	if (!delta)
		wire_clean_flush(c, fn, ctx); /* held text comes first */
	const struct wire_event *ev = wire_clean(c, raw);
	if (delta && ev->len == 0 && raw->len > 0)
		return; /* all held back: it may be the start of a key */
	fn(ctx, ev);
}

const char *wire_event_type_name(enum wire_event_type t)
{
	static const char *const names[] = {
		[WIRE_EV_TEXT] = "text",         [WIRE_EV_THINKING] = "thinking",
		[WIRE_EV_REFUSAL] = "refusal",   [WIRE_EV_TOOL_CALL] = "tool_call",
		[WIRE_EV_USAGE] = "usage",       [WIRE_EV_STOP] = "stop",
		[WIRE_EV_ERROR] = "error",       [WIRE_EV_SERVER_TOOL] = "server_tool",
		[WIRE_EV_CITATION] = "citation", [WIRE_EV_IMAGE] = "image",
		[WIRE_EV_MARKER] = "marker",
	};
	return (size_t)t < sizeof(names) / sizeof(*names) ? names[t] : "?";
}

const char *wire_stop_name(enum wire_stop s)
{
	static const char *const names[] = {
		[WIRE_STOP_END] = "end",       [WIRE_STOP_LENGTH] = "length",
		[WIRE_STOP_TOOL] = "tool",     [WIRE_STOP_FILTER] = "filter",
		[WIRE_STOP_OTHER] = "other",
	};
	return (size_t)s < sizeof(names) / sizeof(*names) ? names[s] : "?";
}

const char *wire_error_kind_name(enum wire_error_kind k)
{
	static const char *const names[] = {
		[WIRE_ERR_UNKNOWN] = "unknown",       [WIRE_ERR_AUTH] = "auth",
		[WIRE_ERR_BILLING] = "billing",       [WIRE_ERR_RATE_LIMIT] = "rate_limit",
		[WIRE_ERR_OVERLOADED] = "overloaded", [WIRE_ERR_SERVER] = "server",
		[WIRE_ERR_TIMEOUT] = "timeout",       [WIRE_ERR_BAD_REQUEST] = "bad_request",
		[WIRE_ERR_NOT_FOUND] = "not_found",   [WIRE_ERR_TOO_LARGE] = "too_large",
		[WIRE_ERR_BLOCKED] = "blocked",       [WIRE_ERR_TRUNCATED] = "truncated",
		[WIRE_ERR_TOO_BIG] = "too_big",       [WIRE_ERR_STREAM] = "stream",
		[WIRE_ERR_CONNECT] = "connect",       [WIRE_ERR_NETWORK] = "network",
		[WIRE_ERR_REDIRECT] = "redirect",
	};
	return (size_t)k < sizeof(names) / sizeof(*names) ? names[k] : "?";
}

enum wire_error_kind wire_error_kind_for_status(int status)
{
	switch (status) {
	case 400: case 422: return WIRE_ERR_BAD_REQUEST;
	case 401: case 403: return WIRE_ERR_AUTH;
	case 402: return WIRE_ERR_BILLING;
	case 404: return WIRE_ERR_NOT_FOUND;
	case 408: case 504: return WIRE_ERR_TIMEOUT;
	case 413: return WIRE_ERR_TOO_LARGE;
	case 429: return WIRE_ERR_RATE_LIMIT;
	case 503: case 529: return WIRE_ERR_OVERLOADED;
	default:
		if (status >= 500 && status <= 599)
			return WIRE_ERR_SERVER;
		if (status >= 400 && status <= 499)
			return WIRE_ERR_BAD_REQUEST;
		if (status >= 300 && status <= 399)
			return WIRE_ERR_REDIRECT;
		return WIRE_ERR_UNKNOWN;
	}
}

static int key(struct buf *out, const char *k)
{
	return buf_printf(out, ",\"%s\":", k);
}

static int str(struct buf *out, const char *k, const char *s, size_t n)
{
	if (key(out, k) < 0)
		return -1;
	return jsonesc_append(out, s, n);
}

static int num(struct buf *out, const char *k, long long v)
{
	if (key(out, k) < 0)
		return -1;
	return v < 0 ? buf_append_str(out, "null") : buf_printf(out, "%lld", v);
}

int wire_event_to_json(const struct wire_event *ev, struct buf *out)
{
	int rc = buf_printf(out, "{\"type\":\"%s\"", wire_event_type_name(ev->type));
	switch (ev->type) {
	case WIRE_EV_TEXT:
	case WIRE_EV_THINKING:
	case WIRE_EV_REFUSAL:
		rc |= str(out, "text", ev->text, ev->len);
		break;
	case WIRE_EV_TOOL_CALL:
		rc |= num(out, "index", ev->tool_index);
		rc |= str(out, "id", ev->tool_id, strlen(ev->tool_id));
		rc |= str(out, "name", ev->tool_name, strlen(ev->tool_name));
		rc |= str(out, "arguments", ev->tool_args, strlen(ev->tool_args));
		break;
	case WIRE_EV_SERVER_TOOL:
		rc |= str(out, "id", ev->tool_id, strlen(ev->tool_id));
		rc |= str(out, "name", ev->tool_name, strlen(ev->tool_name));
		rc |= str(out, "argument", ev->tool_args, strlen(ev->tool_args));
		rc |= buf_printf(out, ",\"result\":%s", ev->result ? "true" : "false") < 0 ? -1 : 0;
		rc |= str(out, "text", ev->text, ev->len);
		break;
	case WIRE_EV_CITATION:
		rc |= str(out, "url", ev->url, strlen(ev->url));
		rc |= str(out, "title", ev->title, strlen(ev->title));
		break;
	case WIRE_EV_IMAGE:
		rc |= str(out, "mime", ev->mime, strlen(ev->mime));
		rc |= buf_printf(out, ",\"bytes_base64\":%zu", ev->len) < 0 ? -1 : 0;
		break;
	case WIRE_EV_MARKER:
		rc |= str(out, "text", ev->text, ev->len);
		break;
	case WIRE_EV_USAGE:
		rc |= num(out, "input", ev->usage.input);
		rc |= num(out, "output", ev->usage.output);
		rc |= num(out, "thinking", ev->usage.thinking);
		break;
	case WIRE_EV_STOP:
		rc |= str(out, "reason", ev->reason, strlen(ev->reason));
		rc |= str(out, "stop", wire_stop_name(ev->stop), strlen(wire_stop_name(ev->stop)));
		break;
	case WIRE_EV_ERROR: {
		const struct wire_error *e = ev->error;
		const char *kind = wire_error_kind_name(e->kind);
		rc |= str(out, "kind", kind, strlen(kind));
		rc |= str(out, "code", e->code, strlen(e->code));
		rc |= str(out, "message", e->message, strlen(e->message));
		rc |= num(out, "http_status", e->http_status > 0 ? e->http_status : -1);
		rc |= num(out, "retry_after_ms", e->retry_after_ms);
		break;
	}
	}
	rc |= buf_append_char(out, '}');
	return rc < 0 ? -1 : 0;
}
