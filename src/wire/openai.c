/* SPDX-License-Identifier: GPL-3.0-or-later */
/* openai: Chat Completions streaming (and every OpenAI-compatible server). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"
#include "wire/adapter.h"

struct openai {
	struct wire_tools tools;
	bool done; /* [DONE] seen: later events are ignored */
};

static void *openai_create(void)
{
	return xcalloc(1, sizeof(struct openai));
}

static void openai_destroy(void *st)
{
	struct openai *o = st;
	wire_tools_free(&o->tools);
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

static void openai_frame(void *st, struct wire_sink *s, const char *type, json_t *root)
{
	struct openai *o = st;
	(void)type;
	if (o->done)
		return;
	const char *object = wj_str(root, "object");
	if (wj_has_error(root) || (object != NULL && strcmp(object, "error") == 0)) {
		/* Checked before choices: OpenRouter sends both in one chunk. */
		sink_stream_error(s, root, openai_error);
		return;
	}
	json_t *choices = json_object_get(root, "choices");
	size_t i;
	json_t *choice;
	json_array_foreach(choices, i, choice) {
		long long index = wj_int(choice, "index");
		if (index > 0 || (index < 0 && i > 0))
			continue; /* n > 1: only the first choice is shown */
		json_t *delta = json_object_get(choice, "delta");
		size_t n;
		const char *p;
		if ((p = wj_strn(delta, "reasoning_content", &n)) != NULL ||
		    (p = wj_strn(delta, "reasoning", &n)) != NULL)
			sink_text(s, WIRE_EV_THINKING, p, n);
		if ((p = wj_strn(delta, "content", &n)) != NULL)
			sink_text(s, WIRE_EV_TEXT, p, n);
		if ((p = wj_strn(delta, "refusal", &n)) != NULL)
			sink_text(s, WIRE_EV_REFUSAL, p, n);
		json_t *calls = json_object_get(delta, "tool_calls");
		if (json_is_array(calls))
			tool_fragments(o, s, calls);
		const char *reason = wj_str(choice, "finish_reason");
		if (reason != NULL) {
			wire_tools_flush(&o->tools, s);
			sink_stop(s, openai_stop(reason), reason);
			s->terminal = true;
		}
	}
	json_t *usage = json_object_get(root, "usage");
	if (json_is_object(usage)) {
		json_t *details = json_object_get(usage, "completion_tokens_details");
		sink_usage(s, wj_int(usage, "prompt_tokens"), wj_int(usage, "completion_tokens"),
		           wj_int(details, "reasoning_tokens"));
	}
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

/* {"model","messages":[system?, user, assistant, ...],"stream":true,
 *  "stream_options":{"include_usage":true},"max_tokens"?} */
static json_t *openai_build(const struct wire_request *req)
{
	json_t *root = json_object();
	wj_set_str(root, "model", req->model ? req->model : "");
	json_object_set_new(root, "messages", wj_chat_messages(req));
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
	.raw = openai_raw,
	.error = openai_error,
	.build = openai_build,
};
