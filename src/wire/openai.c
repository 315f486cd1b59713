/* SPDX-License-Identifier: GPL-3.0-or-later */
/* openai: Chat Completions streaming (and every OpenAI-compatible server). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"
#include "wire/adapter.h"
#include "wire/fastjson.h"
#include "wire/openai_items.h"

struct openai {
	struct wire_tools tools;
	struct wire_cites cites; /* annotations' URLs, each once */
	bool done; /* [DONE] seen: later events are ignored */
	struct buf scratch; /* the fast path's unescaped strings */
};

static void *openai_create(void)
{
	return xcalloc(1, sizeof(struct openai));
}

static void openai_destroy(void *st)
{
	struct openai *o = st;
	wire_tools_free(&o->tools);
	wire_cites_free(&o->cites);
	buf_done(&o->scratch);
	free(o);
}

static enum wire_stop openai_stop(const char *reason)
{
	if (strcmp(reason, "stop") == 0)
		return WIRE_STOP_END;
	if (strcmp(reason, "length") == 0)
		return WIRE_STOP_LENGTH;
	if (strcmp(reason, "tool_calls") == 0 || strcmp(reason, "function_call") == 0)
		return WIRE_STOP_TOOL;
	if (strcmp(reason, "content_filter") == 0)
		return WIRE_STOP_FILTER;
	return WIRE_STOP_OTHER;
}

/* {"error":{"message","type","param","code"}}: code is a string (OpenAI),
 * an int (OpenRouter) or null. Also vLLM's older flat {"object":"error",...}. */
static int openai_error(json_t *root, struct wire_error *e)
{
	json_t *err = json_object_get(root, "error");
	if (!json_is_object(err)) {
		const char *object = wj_str(root, "object");
		if (object == NULL || strcmp(object, "error") != 0)
			return -1;
		err = root;
	}
	if (wj_google_error(err))
		return -1;
	const char *code = wj_str(err, "code");
	const char *type = wj_str(err, "type");
	long long icode = wj_int(err, "code");
	char num[32] = "";
	if (icode >= 0)
		snprintf(num, sizeof(num), "%lld", icode);
	const char *word = code && *code ? code : type && *type ? type : num;
	const char *message = wj_str(err, "message");
	wire_error_set(e, WIRE_ERR_UNKNOWN, word,
	               message && *message ? message : "An error occurred during streaming");
	e->kind = wire_error_kind_for_code(code);
	if (e->kind == WIRE_ERR_UNKNOWN)
		e->kind = wire_error_kind_for_code(type);
	if (e->kind == WIRE_ERR_UNKNOWN && icode >= 400)
		e->kind = wire_error_kind_for_status((int)icode);
	e->retry_after_ms = wire_retry_hint_in_message(e->message);
	return 0;
}

static void tool_fragments(struct openai *o, struct wire_sink *s, json_t *calls)
{
	size_t i;
	json_t *call;
	json_array_foreach(calls, i, call) {
		long long index = wj_int(call, "index");
		struct wire_tool *tool = wire_tools_get(&o->tools, index < 0 ? (int)i : (int)index);
		json_t *fn = json_object_get(call, "function");
		wire_tool_name(tool, wj_str(call, "id"), wj_str(fn, "name"));
		size_t n;
		const char *args = wj_strn(fn, "arguments", &n);
		if (args != NULL)
			sink_tool_args(s, tool, args, n);
	}
}

/* delta.content as a typed array (Mistral's Magistral): {"type":"text",
 * "text"} parts are text, {"type":"thinking","thinking":[{"type":"text",
 * "text"}]} parts (or a plain string) are thinking, in their order. */
static void content_parts(struct wire_sink *s, json_t *content)
{
	size_t i, j, n;
	json_t *part, *t;
	const char *p;
	json_array_foreach(content, i, part) {
		const char *type = wj_str(part, "type");
		json_t *thinking = json_object_get(part, "thinking");
		if (type == NULL)
			continue;
		if (strcmp(type, "text") == 0 && (p = wj_strn(part, "text", &n)) != NULL)
			sink_text(s, WIRE_EV_TEXT, p, n);
		else if (strcmp(type, "thinking") == 0 && json_is_string(thinking))
			sink_text(s, WIRE_EV_THINKING, json_string_value(thinking),
			          json_string_length(thinking));
		else if (strcmp(type, "thinking") == 0) {
			json_array_foreach(thinking, j, t) {
				if ((p = wj_strn(t, "text", &n)) != NULL)
					sink_text(s, WIRE_EV_THINKING, p, n);
			}
		}
	}
}

/* A content_filter stop, in plain words, naming the categories the chunk
 * marks filtered (Azure's content_filter_results: {"violence":{"filtered":
 * true,...}}). */
static void filter_marker(struct wire_sink *s, json_t *choice)
{
	struct buf words;
	buf_init(&words, 1024);
	buf_append_str(&words, "stopped by the provider's content filter");
	const char *key;
	json_t *v;
	bool first = true;
	json_object_foreach(json_object_get(choice, "content_filter_results"), key, v) {
		if (!json_is_true(json_object_get(v, "filtered")))
			continue;
		buf_printf(&words, "%s%s", first ? " (" : ", ", key);
		first = false;
	}
	if (!first)
		buf_append_char(&words, ')');
	sink_marker(s, buf_str(&words));
	buf_done(&words);
}

static void choice_delta(struct openai *o, struct wire_sink *s, json_t *delta)
{
	size_t n;
	const char *p;
	if ((p = wj_strn(delta, "reasoning_content", &n)) != NULL ||
	    (p = wj_strn(delta, "reasoning", &n)) != NULL)
		sink_text(s, WIRE_EV_THINKING, p, n);
	json_t *content = json_object_get(delta, "content");
	if (json_is_array(content))
		content_parts(s, content);
	else if ((p = wj_strn(delta, "content", &n)) != NULL)
		sink_text(s, WIRE_EV_TEXT, p, n);
	if ((p = wj_strn(delta, "refusal", &n)) != NULL)
		sink_text(s, WIRE_EV_REFUSAL, p, n);
	json_t *calls = json_object_get(delta, "tool_calls");
	if (json_is_array(calls))
		tool_fragments(o, s, calls);
	openai_annotations(s, &o->cites, json_object_get(delta, "annotations"));
}

/* usage, or Groq's x_groq.usage. */
static void chunk_usage(struct wire_sink *s, json_t *root)
{
	json_t *usage = json_object_get(root, "usage");
	if (!json_is_object(usage))
		usage = json_object_get(json_object_get(root, "x_groq"), "usage");
	if (json_is_object(usage)) {
		json_t *details = json_object_get(usage, "completion_tokens_details");
		sink_usage(s, wj_int(usage, "prompt_tokens"), wj_int(usage, "completion_tokens"),
		           wj_int(details, "reasoning_tokens"));
	}
}

static void openai_frame(void *st, struct wire_sink *s, const char *type, json_t *root)
{
	struct openai *o = st;
	(void)type;
	if (o->done)
		return;
	const char *object = wj_str(root, "object");
	if (wj_has_error(root) || (object != NULL && strcmp(object, "error") == 0)) {
		/* Checked before choices: OpenRouter sends both in one chunk,
		 * and the usage so far with them (kept, before the error). */
		chunk_usage(s, root);
		sink_stream_error(s, root, openai_error);
		return;
	}
	/* Azure's first chunk has no choices, only prompt_filter_results. */
	json_t *choices = json_object_get(root, "choices");
	size_t i;
	json_t *choice;
	json_array_foreach(choices, i, choice) {
		long long index = wj_int(choice, "index");
		if (index > 0 || (index < 0 && i > 0))
			continue; /* n > 1: only the first choice is shown */
		choice_delta(o, s, json_object_get(choice, "delta"));
		const char *reason = wj_str(choice, "finish_reason");
		if (reason != NULL) {
			wire_tools_flush(&o->tools, s);
			if (strcmp(reason, "content_filter") == 0)
				filter_marker(s, choice);
			sink_stop(s, openai_stop(reason), reason);
			s->terminal = true;
		}
	}
	chunk_usage(s, root);
}

/* ---- the fast path ---------------------------------------------------------
 *
 * A chunk of one choice with a text, thinking or refusal delta and maybe a
 * finish_reason, read without building a tree; exactly what openai_frame
 * does with it. Anything else (tool calls, usage, an error, several
 * choices, a key twice, a value fastjson is unsure of) returns false before
 * any event, and the frame takes the jansson way. */

#define FAST_REASON_MAX 64

struct fast_chunk {
	struct fj_str content, reasoning_content, reasoning, refusal, reason;
	bool has_content, has_rc, has_reasoning, has_refusal, has_reason;
	long long index;
	unsigned seen;
};

enum {
	SEEN_CHOICES = 1u << 0, SEEN_OBJECT = 1u << 1, SEEN_USAGE = 1u << 2, SEEN_INDEX = 1u << 3,
	SEEN_DELTA = 1u << 4, SEEN_REASON = 1u << 5, SEEN_CONTENT = 1u << 6, SEEN_RC = 1u << 7,
	SEEN_REASONING = 1u << 8, SEEN_REFUSAL = 1u << 9, SEEN_TOOLS = 1u << 10,
};

static bool fast_delta(const char **p, const char *end, struct fast_chunk *c)
{
	struct fj_str key;
	bool first = true, done = false;
	if (!fj_object_begin(p, end))
		return false;
	while (fj_member(p, end, &first, &key, &done)) {
		bool ok;
		enum fj_kind k;
		if (fj_key_is(&key, "content"))
			/* A typed array (Mistral's thinking) is the tree path's. */
			ok = fj_once(&c->seen, SEEN_CONTENT) && fj_peek(p, end, &k) && k != FJ_ARRAY &&
			     fj_maybe_string(p, end, &c->content, &c->has_content, 2);
		else if (fj_key_is(&key, "reasoning_content"))
			ok = fj_once(&c->seen, SEEN_RC) &&
			     fj_maybe_string(p, end, &c->reasoning_content, &c->has_rc, 2);
		else if (fj_key_is(&key, "reasoning"))
			ok = fj_once(&c->seen, SEEN_REASONING) &&
			     fj_maybe_string(p, end, &c->reasoning, &c->has_reasoning, 2);
		else if (fj_key_is(&key, "refusal"))
			ok = fj_once(&c->seen, SEEN_REFUSAL) &&
			     fj_maybe_string(p, end, &c->refusal, &c->has_refusal, 2);
		else if (fj_key_is(&key, "tool_calls"))
			/* Tool call fragments are the tree path's. */
			ok = fj_once(&c->seen, SEEN_TOOLS) && fj_peek(p, end, &k) && k != FJ_ARRAY &&
			     fj_skip(p, end, 3);
		else if (fj_key_is(&key, "annotations"))
			/* Citations (OpenRouter, search models): the tree's. */
			ok = fj_peek(p, end, &k) && k != FJ_ARRAY && fj_skip(p, end, 3);
		else
			ok = fj_skip(p, end, 3);
		if (!ok)
			return false;
	}
	return done;
}

static bool fast_choice(const char **p, const char *end, struct fast_chunk *c)
{
	struct fj_str key;
	bool first = true, done = false;
	enum fj_kind k;
	if (!fj_peek(p, end, &k))
		return false;
	if (k != FJ_OBJECT)
		return fj_skip(p, end, 2); /* not a choice: nothing to read */
	(*p)++;
	while (fj_member(p, end, &first, &key, &done)) {
		bool ok;
		if (fj_key_is(&key, "index")) {
			ok = fj_once(&c->seen, SEEN_INDEX) && fj_peek(p, end, &k);
			if (ok && k == FJ_NUMBER)
				ok = fj_int(p, end, &c->index);
			else if (ok)
				ok = fj_skip(p, end, 3); /* not an integer: wj_int's -1 */
		} else if (fj_key_is(&key, "delta")) {
			ok = fj_once(&c->seen, SEEN_DELTA) && fj_peek(p, end, &k);
			if (ok)
				ok = k == FJ_OBJECT ? fast_delta(p, end, c) : fj_skip(p, end, 3);
		} else if (fj_key_is(&key, "finish_reason")) {
			/* Copied into a C string and compared: plain and short. */
			ok = fj_once(&c->seen, SEEN_REASON) &&
			     fj_maybe_string(p, end, &c->reason, &c->has_reason, 2) &&
			     !(c->has_reason && (c->reason.escaped || c->reason.n >= FAST_REASON_MAX));
		} else {
			ok = fj_skip(p, end, 3);
		}
		if (!ok)
			return false;
	}
	return done;
}

/* choices: an array of one choice (or not an array: nothing to read). */
static bool fast_choices(const char **p, const char *end, struct fast_chunk *c)
{
	enum fj_kind k;
	if (!fj_once(&c->seen, SEEN_CHOICES) || !fj_peek(p, end, &k))
		return false;
	if (k != FJ_ARRAY)
		return fj_skip(p, end, 1);
	bool efirst = true, edone = false, ok = true;
	int n = 0;
	(*p)++;
	while (ok && fj_element(p, end, &efirst, &edone))
		ok = ++n == 1 && fast_choice(p, end, c); /* one choice only */
	return ok && edone;
}

static bool fast_scan(const char *data, size_t len, struct fast_chunk *c)
{
	const char *p = data, *end = data + len;
	struct fj_str key;
	bool first = true, done = false;
	enum fj_kind k;
	memset(c, 0, sizeof(*c));
	c->index = -1;
	if (!fj_object_begin(&p, end))
		return false;
	while (fj_member(&p, end, &first, &key, &done)) {
		bool ok;
		if (fj_key_is(&key, "choices")) {
			ok = fast_choices(&p, end, c);
		} else if (fj_key_is(&key, "error")) {
			ok = false; /* the error paths are the tree's */
		} else if (fj_key_is(&key, "usage")) {
			ok = fj_once(&c->seen, SEEN_USAGE) && fj_peek(&p, end, &k) && k != FJ_OBJECT &&
			     fj_skip(&p, end, 1);
		} else if (fj_key_is(&key, "x_groq")) {
			/* Groq's x_groq {id, usage?}: its usage is the tree's. */
			ok = fj_peek(&p, end, &k) && k != FJ_OBJECT && fj_skip(&p, end, 1);
		} else if (fj_key_is(&key, "object")) {
			struct fj_str v;
			bool has;
			ok = fj_once(&c->seen, SEEN_OBJECT) && fj_maybe_string(&p, end, &v, &has, 2) &&
			     !(has && (v.escaped || fj_str_is(&v, "error")));
		} else {
			ok = fj_skip(&p, end, 1);
		}
		if (!ok)
			return false;
	}
	return done && fj_end(&p, end);
}

static void fast_text(struct openai *o, struct wire_sink *s, enum wire_event_type type,
                      const struct fj_str *v)
{
	size_t n;
	const char *t = fj_decode(v, &o->scratch, &n);
	sink_text(s, type, t, n);
}

static bool openai_fast(void *st, struct wire_sink *s, const char *type, const char *data,
                        size_t len)
{
	struct openai *o = st;
	(void)type;
	struct fast_chunk c;
	if (!fast_scan(data, len, &c))
		return false;
	if (c.has_reason && fj_str_is(&c.reason, "content_filter"))
		return false; /* its marker names the categories: the tree's */
	if (o->done || c.index > 0)
		return true; /* read, nothing to say: as openai_frame */
	if (c.has_rc)
		fast_text(o, s, WIRE_EV_THINKING, &c.reasoning_content);
	else if (c.has_reasoning)
		fast_text(o, s, WIRE_EV_THINKING, &c.reasoning);
	if (c.has_content)
		fast_text(o, s, WIRE_EV_TEXT, &c.content);
	if (c.has_refusal)
		fast_text(o, s, WIRE_EV_REFUSAL, &c.refusal);
	if (c.has_reason) {
		char reason[FAST_REASON_MAX];
		memcpy(reason, c.reason.p, c.reason.n);
		reason[c.reason.n] = '\0';
		wire_tools_flush(&o->tools, s);
		sink_stop(s, openai_stop(reason), reason);
		s->terminal = true;
	}
	return true;
}

static bool openai_raw(void *st, struct wire_sink *s, const char *data, size_t len)
{
	struct openai *o = st;
	if (len < 6 || memcmp(data, "[DONE]", 6) != 0)
		return false;
	wire_tools_flush(&o->tools, s);
	o->done = true;
	s->terminal = true;
	return true;
}

/* A user turn with images: its content an array of parts, the text first,
 * then each image as a data URL:
 * [{"type":"text","text"},{"type":"image_url","image_url":{"url":"data:..."}}]. */
static void openai_image_parts(json_t *msgs, const struct wire_request *req)
{
	size_t off = req->system != NULL && *req->system ? 1 : 0;
	for (size_t i = 0; i < req->nmessages; i++) {
		const struct wire_message *m = &req->messages[i];
		if (m->nimages == 0)
			continue;
		json_t *msg = json_array_get(msgs, off + i);
		json_t *parts = json_array();
		json_t *t = json_object();
		wj_set_str(t, "type", "text");
		json_object_set(t, "text", json_object_get(msg, "content"));
		json_array_append_new(parts, t);
		for (size_t k = 0; k < m->nimages; k++) {
			json_t *p = json_object();
			json_t *u = json_object();
			wj_set_str(p, "type", "image_url");
			json_object_set_new(u, "url", wj_image_data_url(&m->images[k]));
			json_object_set_new(p, "image_url", u);
			json_array_append_new(parts, p);
		}
		json_object_set_new(msg, "content", parts);
	}
}

/* {"model","messages":[system?, user, assistant, ...],"stream":true,
 *  "stream_options":{"include_usage":true},"max_tokens"?} */
static json_t *openai_build(const struct wire_request *req)
{
	json_t *root = json_object();
	wj_set_str(root, "model", req->model ? req->model : "");
	json_t *msgs = wj_chat_messages(req);
	openai_image_parts(msgs, req);
	json_object_set_new(root, "messages", msgs);
	json_object_set_new(root, "stream", json_true());
	json_t *opts = json_object();
	json_object_set_new(opts, "include_usage", json_true());
	json_object_set_new(root, "stream_options", opts);
	if (req->max_tokens > 0)
		json_object_set_new(root, "max_tokens", json_integer(req->max_tokens));
	return root;
}

const struct wire_adapter wire_openai_adapter = {
	.name = "openai",
	.framing = FRAMING_SSE,
	.create = openai_create,
	.destroy = openai_destroy,
	.frame = openai_frame,
	.fast = openai_fast,
	.raw = openai_raw,
	.error = openai_error,
	.build = openai_build,
};
