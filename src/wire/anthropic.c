/* SPDX-License-Identifier: GPL-3.0-or-later */
/* anthropic: the Messages API event stream. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"
#include "wire/adapter.h"
#include "wire/anthropic_trace.h"
#include "wire/fastjson.h"

struct anthropic {
	struct wire_tools tools; /* tool_use blocks, keyed by block index */
	struct an_trace trace;   /* server and MCP tools, citations */
	long long input;         /* from message_start, until message_delta says */
	struct buf scratch;      /* the fast path's unescaped strings */
};

static void *anthropic_create(void)
{
	struct anthropic *a = xcalloc(1, sizeof(*a));
	a->input = -1;
	return a;
}

static void anthropic_destroy(void *st)
{
	struct anthropic *a = st;
	wire_tools_free(&a->tools);
	an_trace_free(&a->trace);
	buf_done(&a->scratch);
	free(a);
}

static enum wire_stop anthropic_stop(const char *reason)
{
	if (strcmp(reason, "end_turn") == 0 || strcmp(reason, "stop_sequence") == 0)
		return WIRE_STOP_END;
	if (strcmp(reason, "max_tokens") == 0)
		return WIRE_STOP_LENGTH;
	if (strcmp(reason, "tool_use") == 0)
		return WIRE_STOP_TOOL;
	if (strcmp(reason, "refusal") == 0)
		return WIRE_STOP_FILTER;
	/* pause_turn, model_context_window_exceeded (not the token limit:
	 * /continue would not help), and reasons added later. */
	return WIRE_STOP_OTHER;
}

/* {"type":"error","error":{"type","message"},"request_id"?} */
static int anthropic_error(json_t *root, struct wire_error *e)
{
	json_t *err = json_object_get(root, "error");
	const char *type = wj_str(root, "type");
	if (!json_is_object(err) || type == NULL || strcmp(type, "error") != 0)
		return -1;
	const char *etype = wj_str(err, "type");
	const char *message = wj_str(err, "message");
	wire_error_set(e, wire_error_kind_for_code(etype), etype,
	               message && *message ? message : "the provider reported an error");
	return 0;
}

static void block_start(struct anthropic *a, struct wire_sink *s, json_t *root)
{
	json_t *block = json_object_get(root, "content_block");
	const char *type = wj_str(block, "type");
	if (type == NULL)
		return;
	size_t n;
	const char *p;
	int index = (int)wj_int(root, "index");
	if (an_trace_block_start(&a->trace, s, index, block))
		return;
	if (strcmp(type, "tool_use") == 0) {
		struct wire_tool *t = wire_tools_get(&a->tools, index);
		wire_tool_name(t, wj_str(block, "id"), wj_str(block, "name"));
	} else if (strcmp(type, "text") == 0 && (p = wj_strn(block, "text", &n)) != NULL) {
		sink_text(s, WIRE_EV_TEXT, p, n);
	} else if (strcmp(type, "thinking") == 0 && (p = wj_strn(block, "thinking", &n)) != NULL) {
		sink_text(s, WIRE_EV_THINKING, p, n);
	}
}

static void block_delta(struct anthropic *a, struct wire_sink *s, json_t *root)
{
	json_t *delta = json_object_get(root, "delta");
	const char *type = wj_str(delta, "type");
	if (type == NULL)
		return;
	size_t n;
	const char *p;
	if (strcmp(type, "text_delta") == 0) {
		if ((p = wj_strn(delta, "text", &n)) != NULL)
			sink_text(s, WIRE_EV_TEXT, p, n);
	} else if (strcmp(type, "thinking_delta") == 0) {
		if ((p = wj_strn(delta, "thinking", &n)) != NULL)
			sink_text(s, WIRE_EV_THINKING, p, n);
	} else if (strcmp(type, "input_json_delta") == 0) {
		int index = (int)wj_int(root, "index");
		struct wire_tool *t = an_trace_call(&a->trace, index);
		if (t == NULL)
			t = wire_tools_get(&a->tools, index);
		if ((p = wj_strn(delta, "partial_json", &n)) != NULL)
			sink_tool_args(s, t, p, n);
	} else if (strcmp(type, "citations_delta") == 0) {
		an_trace_cite(&a->trace, s, json_object_get(delta, "citation"));
	}
	/* signature_delta is not text. */
}

static void message_delta(struct anthropic *a, struct wire_sink *s, json_t *root)
{
	json_t *usage = json_object_get(root, "usage");
	long long input = wj_int(usage, "input_tokens");
	if (input < 0)
		input = a->input;
	/* Counts are cumulative: they replace, never add. */
	sink_usage(s, input, wj_int(usage, "output_tokens"), -1);
	const char *reason = wj_str(json_object_get(root, "delta"), "stop_reason");
	if (reason != NULL) {
		wire_tools_flush(&a->tools, s);
		an_trace_flush(&a->trace, s);
		char words[160];
		if (an_trace_stop_words(reason, json_object_get(root, "delta"), words,
		                        sizeof(words)))
			sink_marker(s, words);
		sink_stop(s, anthropic_stop(reason), reason);
	}
}

/* ---- the fast path ---------------------------------------------------------
 *
 * content_block_delta with a text_delta or thinking_delta, read without a
 * tree: exactly what block_delta does with it. Other events, any other
 * delta type (tool input, citations, types added later), a key twice, an
 * escaped type word, or a value fastjson is unsure of return false before
 * any event: the tree's. */

struct fast_delta {
	struct fj_str root_type, dtype, text, thinking;
	bool has_root_type, has_dtype, has_text, has_thinking;
	unsigned seen;
};

enum { SEEN_TYPE = 1, SEEN_DELTA = 2, SEEN_DTYPE = 4, SEEN_TEXT = 8, SEEN_THINKING = 16 };

static bool fast_inner(const char **p, const char *end, struct fast_delta *f)
{
	struct fj_str key;
	bool first = true, done = false;
	(*p)++; /* { */
	while (fj_member(p, end, &first, &key, &done)) {
		bool ok;
		if (fj_key_is(&key, "type"))
			ok = fj_once(&f->seen, SEEN_DTYPE) &&
			     fj_maybe_string(p, end, &f->dtype, &f->has_dtype, 2);
		else if (fj_key_is(&key, "text"))
			ok = fj_once(&f->seen, SEEN_TEXT) &&
			     fj_maybe_string(p, end, &f->text, &f->has_text, 2);
		else if (fj_key_is(&key, "thinking"))
			ok = fj_once(&f->seen, SEEN_THINKING) &&
			     fj_maybe_string(p, end, &f->thinking, &f->has_thinking, 2);
		else
			ok = fj_skip(p, end, 2);
		if (!ok)
			return false;
	}
	return done;
}

static bool fast_scan(const char *data, size_t len, struct fast_delta *f)
{
	const char *p = data, *end = data + len;
	struct fj_str key;
	bool first = true, done = false;
	enum fj_kind k;
	memset(f, 0, sizeof(*f));
	if (!fj_object_begin(&p, end))
		return false;
	while (fj_member(&p, end, &first, &key, &done)) {
		bool ok;
		if (fj_key_is(&key, "type")) {
			ok = fj_once(&f->seen, SEEN_TYPE) &&
			     fj_maybe_string(&p, end, &f->root_type, &f->has_root_type, 2);
		} else if (fj_key_is(&key, "delta")) {
			ok = fj_once(&f->seen, SEEN_DELTA) && fj_peek(&p, end, &k);
			if (ok)
				ok = k == FJ_OBJECT ? fast_inner(&p, end, f) : fj_skip(&p, end, 1);
		} else {
			ok = fj_skip(&p, end, 1);
		}
		if (!ok)
			return false;
	}
	return done && fj_end(&p, end);
}

static bool anthropic_fast(void *st, struct wire_sink *s, const char *event, const char *data,
                           size_t len)
{
	struct anthropic *a = st;
	/* The type as anthropic_frame picks it: the SSE event name, else
	 * data.type. Only content_block_delta is read here. */
	bool by_event = event != NULL && strcmp(event, "message") != 0;
	if (by_event && strcmp(event, "content_block_delta") != 0)
		return false;
	struct fast_delta f;
	if (!fast_scan(data, len, &f))
		return false;
	if (!by_event && !(f.has_root_type && fj_str_is(&f.root_type, "content_block_delta")))
		return false;
	if (!f.has_dtype)
		return true; /* no delta type: block_delta says nothing */
	if (f.dtype.escaped)
		return false; /* the word jansson would compare, unescaped */
	const struct fj_str *v;
	enum wire_event_type type;
	if (fj_str_is(&f.dtype, "text_delta") && f.has_text) {
		v = &f.text;
		type = WIRE_EV_TEXT;
	} else if (fj_str_is(&f.dtype, "thinking_delta") && f.has_thinking) {
		v = &f.thinking;
		type = WIRE_EV_THINKING;
	} else if (fj_str_is(&f.dtype, "text_delta") || fj_str_is(&f.dtype, "thinking_delta") ||
	           fj_str_is(&f.dtype, "signature_delta")) {
		return true; /* no text, or a signature: block_delta says nothing */
	} else {
		return false; /* tool input, citations, a delta type added later: the tree's */
	}
	size_t n;
	const char *t = fj_decode(v, &a->scratch, &n);
	sink_text(s, type, t, n);
	return true;
}

static void anthropic_frame(void *st, struct wire_sink *s, const char *event, json_t *root)
{
	struct anthropic *a = st;
	/* The SDK switches on the SSE event name, falling back to data.type. */
	const char *type = event != NULL && strcmp(event, "message") != 0 ? event : wj_str(root, "type");
	if (type == NULL)
		return;
	if (strcmp(type, "content_block_delta") == 0) {
		block_delta(a, s, root);
	} else if (strcmp(type, "content_block_start") == 0) {
		block_start(a, s, root);
	} else if (strcmp(type, "content_block_stop") == 0) {
		int index = (int)wj_int(root, "index");
		if (!an_trace_block_stop(&a->trace, s, index))
			wire_tools_flush_one(&a->tools, s, index);
	} else if (strcmp(type, "message_start") == 0) {
		json_t *usage = json_object_get(json_object_get(root, "message"), "usage");
		a->input = wj_int(usage, "input_tokens");
	} else if (strcmp(type, "message_delta") == 0) {
		message_delta(a, s, root);
	} else if (strcmp(type, "message_stop") == 0) {
		wire_tools_flush(&a->tools, s);
		an_trace_flush(&a->trace, s);
		s->terminal = true;
	} else if (strcmp(type, "error") == 0) {
		/* As the SDK does, the event name stands in for a missing data.type
		 * (anthropic_error wants "type":"error" to know the shape). */
		if (wj_str(root, "type") == NULL)
			json_object_set_new(root, "type", json_string("error"));
		sink_stream_error(s, root, anthropic_error);
	}
	/* ping, and event types added later, are ignored as the docs ask. */
}

/* An image block: {"type":"image","source":{"type":"base64",
 * "media_type","data"}}. */
static json_t *image_block(const struct wire_image *img)
{
	json_t *b = json_object();
	json_t *src = json_object();
	wj_set_str(b, "type", "image");
	wj_set_str(src, "type", "base64");
	wj_set_str(src, "media_type", img->mime ? img->mime : "");
	json_object_set_new(src, "data", wj_image_base64(img));
	json_object_set_new(b, "source", src);
	return b;
}

/* m's blocks appended to blocks: its images first, as Anthropic
 * recommends, then its text (none when empty: an empty text block is
 * refused). */
static void append_blocks(json_t *blocks, const struct wire_message *m, const char *text)
{
	for (size_t k = 0; k < m->nimages; k++)
		json_array_append_new(blocks, image_block(&m->images[k]));
	if (*text != '\0') {
		json_t *t = json_object();
		wj_set_str(t, "type", "text");
		wj_set_str(t, "text", text);
		json_array_append_new(blocks, t);
	}
}

/* m joins the turn before it, of the same role: text to text with a blank
 * line between; once images are in it, the turn is a list of blocks. */
static void join_turn(json_t *last, const struct wire_message *m, const char *text)
{
	json_t *content = json_object_get(last, "content");
	if (json_is_string(content) && m->nimages == 0) {
		size_t n = json_string_length(content) + strlen(text) + 3;
		char *joined = xmalloc(n);
		snprintf(joined, n, "%s\n\n%s", json_string_value(content), text);
		wj_set_str(last, "content", joined);
		free(joined);
		return;
	}
	if (json_is_string(content)) {
		json_t *blocks = json_array();
		json_t *t = json_object();
		wj_set_str(t, "type", "text");
		json_object_set(t, "text", content);
		json_array_append_new(blocks, t);
		json_object_set_new(last, "content", blocks);
		content = blocks;
	}
	append_blocks(content, m, text);
}

/* Anthropic wants user and assistant turns strictly alternating, starting
 * with the user: neighbours of one role are joined, and an assistant turn
 * before the first user turn is dropped. A turn with images is a list of
 * blocks; one without keeps its content a string. */
static json_t *anthropic_messages(const struct wire_request *req)
{
	json_t *msgs = json_array();
	json_t *last = NULL;
	enum wire_role last_role = WIRE_ROLE_ASSISTANT;
	for (size_t i = 0; i < req->nmessages; i++) {
		const struct wire_message *m = &req->messages[i];
		const char *text = m->text ? m->text : "";
		if (last == NULL && m->role != WIRE_ROLE_USER)
			continue;
		if (last != NULL && m->role == last_role) {
			join_turn(last, m, text);
			continue;
		}
		last = json_object();
		wj_set_str(last, "role", m->role == WIRE_ROLE_USER ? "user" : "assistant");
		if (m->nimages > 0) {
			json_t *blocks = json_array();
			append_blocks(blocks, m, text);
			json_object_set_new(last, "content", blocks);
		} else {
			wj_set_str(last, "content", text);
		}
		json_array_append_new(msgs, last);
		last_role = m->role;
	}
	/* A final assistant turn is a prefill (/continue), and the API refuses
	 * one that ends in white space: trim it; nothing left, drop it. */
	if (last != NULL && last_role == WIRE_ROLE_ASSISTANT &&
	    json_is_string(json_object_get(last, "content"))) {
		const char *t = json_string_value(json_object_get(last, "content"));
		size_t n = strlen(t);
		while (n > 0 && (t[n - 1] == ' ' || t[n - 1] == '\n' || t[n - 1] == '\t' ||
		                 t[n - 1] == '\r'))
			n--;
		if (n == 0) {
			json_array_remove(msgs, json_array_size(msgs) - 1);
		} else {
			json_t *trimmed = json_stringn(t, n);
			json_object_set_new(last, "content", trimmed);
		}
	}
	return msgs;
}

/* {"model","max_tokens","system"?,"messages","stream":true,"thinking"?} */
static json_t *anthropic_build(const struct wire_request *req)
{
	json_t *root = json_object();
	wj_set_str(root, "model", req->model ? req->model : "");
	int max = req->max_tokens > 0 ? req->max_tokens : WIRE_ANTHROPIC_DEFAULT_MAX_TOKENS;
	if (req->thinking_budget > 0 && max <= req->thinking_budget)
		max = req->thinking_budget + 4096; /* the budget must be below max_tokens */
	json_object_set_new(root, "max_tokens", json_integer(max));
	if (req->system != NULL && *req->system)
		wj_set_str(root, "system", req->system);
	json_object_set_new(root, "messages", anthropic_messages(req));
	json_object_set_new(root, "stream", json_true());
	if (req->thinking_budget > 0) {
		json_t *t = json_object();
		wj_set_str(t, "type", "enabled");
		json_object_set_new(t, "budget_tokens", json_integer(req->thinking_budget));
		json_object_set_new(root, "thinking", t);
	}
	return root;
}

const struct wire_adapter wire_anthropic_adapter = {
	.name = "anthropic",
	.framing = FRAMING_SSE,
	.create = anthropic_create,
	.destroy = anthropic_destroy,
	.frame = anthropic_frame,
	.fast = anthropic_fast,
	.error = anthropic_error,
	.build = anthropic_build,
};
