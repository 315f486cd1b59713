/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gemini: streamGenerateContent, with alt=sse or as a streamed JSON array. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"
#include "wire/adapter.h"
#include "wire/cites.h"
#include "wire/gemini_call.h"

struct gemini {
	int tools;               /* function calls emitted, their index */
	struct gemini_call call; /* one Vertex streams in pieces */
	struct wire_cites cited; /* each source URL once per stream */
};

static void *gemini_create(void)
{
	struct gemini *g = xcalloc(1, sizeof(struct gemini));
	gemini_call_init(&g->call);
	return g;
}

static void gemini_destroy(void *st)
{
	struct gemini *g = st;
	gemini_call_done(&g->call);
	wire_cites_free(&g->cited);
	free(g);
}

static enum wire_stop gemini_stop(const char *reason, bool tools)
{
	static const char *const filter[] = {
		"SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII",
		"IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION",
	};
	if (strcmp(reason, "STOP") == 0)
		return tools ? WIRE_STOP_TOOL : WIRE_STOP_END;
	if (strcmp(reason, "MAX_TOKENS") == 0)
		return WIRE_STOP_LENGTH;
	for (size_t i = 0; i < sizeof(filter) / sizeof(*filter); i++)
		if (strcmp(reason, filter[i]) == 0)
			return WIRE_STOP_FILTER;
	return WIRE_STOP_OTHER;
}

/* "37s", "0.5s" (a protobuf Duration in JSON) into ms, or -1. */
static long long duration_ms(const char *s)
{
	if (s == NULL)
		return -1;
	char *end;
	double v = strtod(s, &end);
	/* !(v >= 0 && v < 1e9): negative, NaN, or too big to convert. */
	if (end == s || *end != 's' || !(v >= 0 && v < 1e9))
		return -1;
	return (long long)(v * 1000.0);
}

/* {"error":{"code":<http>,"message","status","details":[...]}}: the status
 * word is the code; ErrorInfo API_KEY_INVALID means the key, whatever the
 * HTTP status; RetryInfo carries the retry delay. */
static int gemini_error(json_t *root, struct wire_error *e)
{
	json_t *err = json_object_get(root, "error");
	if (!json_is_object(err))
		return -1;
	/* Google's shape has a status word or an integer code, never a type
	 * (that is OpenAI's): decline it so the right parser reads it. */
	if (json_object_get(err, "type") != NULL ||
	    (wj_str(err, "status") == NULL && !json_is_integer(json_object_get(err, "code"))))
		return -1;
	const char *status = wj_str(err, "status");
	const char *message = wj_str(err, "message");
	wire_error_set(e, wire_error_kind_for_code(status), status,
	               message && *message ? message : "the provider reported an error");
	long long code = wj_int(err, "code");
	if (e->kind == WIRE_ERR_UNKNOWN && code >= 400)
		e->kind = wire_error_kind_for_status((int)code);
	size_t i;
	json_t *d;
	json_array_foreach(json_object_get(err, "details"), i, d) {
		const char *reason = wj_str(d, "reason");
		if (reason != NULL && wire_error_kind_for_code(reason) == WIRE_ERR_AUTH)
			e->kind = WIRE_ERR_AUTH;
		long long delay = duration_ms(wj_str(d, "retryDelay"));
		if (delay >= 0)
			e->retry_after_ms = delay;
	}
	return 0;
}

/* A functionCall part: whole (as the Gemini API sends it), or one piece of
 * a call Vertex streams (partialArgs, willContinue: true until the last). */
static void function_call(struct gemini *g, struct wire_sink *s, json_t *fc)
{
	bool more = json_is_true(json_object_get(fc, "willContinue"));
	if (!g->call.open && !more && json_object_get(fc, "partialArgs") == NULL) {
		char *args = json_dumps(json_object_get(fc, "args"), JSON_COMPACT | JSON_ENCODE_ANY);
		sink_tool(s, g->tools++, wj_str(fc, "id"), wj_str(fc, "name"), args ? args : "{}");
		free(args);
		return;
	}
	if (gemini_call_other(&g->call, wj_str(fc, "name")))
		gemini_call_emit(&g->call, s, g->tools++); /* a new call began */
	gemini_call_add(&g->call, s, fc);
	if (!more)
		gemini_call_emit(&g->call, s, g->tools++);
}

/* codeExecutionResult {outcome, output}: "ok", "failed", "deadline
 * exceeded" (or the provider's word), then ": " and the output's first
 * line. */
static void code_result(struct wire_sink *s, json_t *res)
{
	const char *outcome = wj_str(res, "outcome");
	const char *word = outcome == NULL                                    ? "done"
	                   : strcmp(outcome, "OUTCOME_OK") == 0                ? "ok"
	                   : strcmp(outcome, "OUTCOME_FAILED") == 0            ? "failed"
	                   : strcmp(outcome, "OUTCOME_DEADLINE_EXCEEDED") == 0 ? "deadline exceeded"
	                                                                       : outcome;
	size_t n = 0;
	const char *out = wj_strn(res, "output", &n);
	while (n > 0 && (*out == '\n' || *out == '\r')) {
		out++;
		n--;
	}
	size_t line = 0;
	while (line < n && out[line] != '\n' && out[line] != '\r')
		line++;
	struct buf sum;
	buf_init(&sum, 0);
	buf_append_str(&sum, word);
	if (line > 0) {
		buf_append_str(&sum, ": ");
		buf_append(&sum, out, line);
	}
	sink_server_tool(s, wj_str(res, "id"), "code_execution", NULL, true, buf_str(&sum), sum.len);
	buf_done(&sum);
}

static void parts(struct gemini *g, struct wire_sink *s, json_t *list)
{
	size_t i;
	json_t *part;
	json_array_foreach(list, i, part) {
		bool thought = json_is_true(json_object_get(part, "thought"));
		size_t n;
		const char *text = wj_strn(part, "text", &n);
		if (text != NULL)
			sink_text(s, thought ? WIRE_EV_THINKING : WIRE_EV_TEXT, text, n);
		json_t *o;
		if (json_is_object(o = json_object_get(part, "functionCall")))
			function_call(g, s, o);
		if (json_is_object(o = json_object_get(part, "executableCode")))
			sink_server_tool(s, wj_str(o, "id"), "code_execution", wj_str(o, "code"), false,
			                 NULL, 0);
		if (json_is_object(o = json_object_get(part, "codeExecutionResult")))
			code_result(s, o);
		/* An image; a draft the model made while thinking is not one. */
		if (json_is_object(o = json_object_get(part, "inlineData")) && !thought) {
			const char *data = wj_strn(o, "data", &n);
			sink_image(s, wj_str(o, "mimeType"), data, data ? n : 0);
		}
	}
}

/* groundingMetadata.groundingChunks[]: {web | retrievedContext | maps:
 * {uri, title}}, repeated across chunks. */
static void grounding(struct gemini *g, struct wire_sink *s, json_t *meta)
{
	static const char *const kinds[] = {"web", "retrievedContext", "maps"};
	size_t i;
	json_t *chunk;
	json_array_foreach(json_object_get(meta, "groundingChunks"), i, chunk) {
		for (size_t k = 0; k < sizeof(kinds) / sizeof(*kinds); k++) {
			json_t *src = json_object_get(chunk, kinds[k]);
			const char *uri = wj_str(src, "uri");
			if (uri != NULL && *uri != '\0')
				wire_cite(&g->cited, s, uri, wj_str(src, "title"));
		}
	}
}

static void gemini_frame(void *st, struct wire_sink *s, const char *type, json_t *root)
{
	struct gemini *g = st;
	(void)type;
	if (wj_has_error(root)) {
		sink_stream_error(s, root, gemini_error);
		return;
	}
	json_t *cands = json_object_get(root, "candidates");
	json_t *cand = json_array_get(cands, 0);
	if (cand != NULL) {
		parts(g, s, json_object_get(json_object_get(cand, "content"), "parts"));
		grounding(g, s, json_object_get(cand, "groundingMetadata"));
	}
	json_t *usage = json_object_get(root, "usageMetadata");
	if (json_is_object(usage)) {
		/* Cumulative: replace. Output counts thinking, as billing does. */
		long long out = wj_int(usage, "candidatesTokenCount");
		long long thoughts = wj_int(usage, "thoughtsTokenCount");
		sink_usage(s, wj_int(usage, "promptTokenCount"),
		           (out < 0 ? 0 : out) + (thoughts < 0 ? 0 : thoughts), thoughts);
	}
	const char *blocked = wj_str(json_object_get(root, "promptFeedback"), "blockReason");
	if (blocked != NULL && json_array_size(cands) == 0) {
		struct wire_error e;
		wire_error_init(&e);
		/* Not a fixed array: cutting a long reason would split a UTF-8
		 * character. The reason is bounded by the frame cap. */
		struct buf msg;
		buf_init(&msg, 0);
		buf_printf(&msg, "the prompt was blocked by the provider (%s)", blocked);
		wire_error_set(&e, WIRE_ERR_BLOCKED, blocked, buf_str(&msg));
		buf_done(&msg);
		sink_error(s, &e);
		wire_error_done(&e);
		return;
	}
	const char *reason = wj_str(cand, "finishReason");
	if (reason != NULL) {
		if (g->call.open) /* a call still open ends with the reply */
			gemini_call_emit(&g->call, s, g->tools++);
		sink_stop(s, gemini_stop(reason, g->tools > 0), reason);
		s->terminal = true;
	}
}

/* End of body: a call still open is emitted as it stands. */
static void gemini_end(void *st, struct wire_sink *s)
{
	struct gemini *g = st;
	if (g->call.open)
		gemini_call_emit(&g->call, s, g->tools++);
}

static json_t *text_parts(const char *text)
{
	json_t *parts_ = json_array();
	json_t *p = json_object();
	wj_set_str(p, "text", text);
	json_array_append_new(parts_, p);
	return parts_;
}

/* m's parts appended to parts: its images as {"inlineData":{"mimeType",
 * "data"}} first (Google's advice for an image and its question), then
 * its text (left out only when empty beside images). */
static void add_parts(json_t *parts_, const struct wire_message *m, const char *text)
{
	for (size_t k = 0; k < m->nimages; k++) {
		json_t *p = json_object();
		json_t *d = json_object();
		wj_set_str(d, "mimeType", m->images[k].mime ? m->images[k].mime : "");
		json_object_set_new(d, "data", wj_image_base64(&m->images[k]));
		json_object_set_new(p, "inlineData", d);
		json_array_append_new(parts_, p);
	}
	if (m->nimages > 0 && *text == '\0')
		return;
	json_t *p = json_object();
	wj_set_str(p, "text", text);
	json_array_append_new(parts_, p);
}

/* {"contents":[{"role":"user"|"model","parts":[{"text"}]}],
 *  "systemInstruction"?, "generationConfig"?}; the model is in the URL. */
static json_t *gemini_build(const struct wire_request *req)
{
	json_t *root = json_object();
	json_t *contents = json_array();
	json_t *last = NULL;
	enum wire_role last_role = WIRE_ROLE_USER;
	for (size_t i = 0; i < req->nmessages; i++) {
		const struct wire_message *m = &req->messages[i];
		const char *text = m->text ? m->text : "";
		if (last != NULL && m->role == last_role) {
			/* One role twice in a row: another part of the same turn. */
			add_parts(json_object_get(last, "parts"), m, text);
			continue;
		}
		last = json_object();
		wj_set_str(last, "role", m->role == WIRE_ROLE_USER ? "user" : "model");
		json_t *parts_ = json_array();
		add_parts(parts_, m, text);
		json_object_set_new(last, "parts", parts_);
		json_array_append_new(contents, last);
		last_role = m->role;
	}
	json_object_set_new(root, "contents", contents);
	if (req->system != NULL && *req->system) {
		json_t *si = json_object();
		json_object_set_new(si, "parts", text_parts(req->system));
		json_object_set_new(root, "systemInstruction", si);
	}
	if (req->max_tokens > 0 || req->thinking_budget > 0) {
		json_t *gc = json_object();
		if (req->max_tokens > 0)
			json_object_set_new(gc, "maxOutputTokens", json_integer(req->max_tokens));
		if (req->thinking_budget > 0) {
			json_t *tc = json_object();
			json_object_set_new(tc, "includeThoughts", json_true());
			json_object_set_new(tc, "thinkingBudget", json_integer(req->thinking_budget));
			json_object_set_new(gc, "thinkingConfig", tc);
		}
		json_object_set_new(root, "generationConfig", gc);
	}
	return root;
}

const struct wire_adapter wire_gemini_adapter = {
	.name = "gemini",
	.framing = FRAMING_SSE,
	.create = gemini_create,
	.destroy = gemini_destroy,
	.frame = gemini_frame,
	.end = gemini_end,
	.error = gemini_error,
	.build = gemini_build,
};

const struct wire_adapter wire_gemini_json_adapter = {
	.name = "gemini-json",
	.framing = FRAMING_JSON_ARRAY,
	.create = gemini_create,
	.destroy = gemini_destroy,
	.frame = gemini_frame,
	.end = gemini_end,
	.error = gemini_error,
	.build = gemini_build,
};
