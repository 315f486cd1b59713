/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ollama: the native /api/chat NDJSON stream. */
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"
#include "wire/adapter.h"

struct ollama {
	int tools; /* tool calls seen, their index */
};

static void *ollama_create(void)
{
	return xcalloc(1, sizeof(struct ollama));
}

static void ollama_destroy(void *st)
{
	free(st);
}

/* {"error":"message"}: a string, not an object. */
static int ollama_error(json_t *root, struct wire_error *e)
{
	const char *msg = wj_str(root, "error");
	if (msg == NULL)
		return -1;
	wire_error_set(e, WIRE_ERR_UNKNOWN, "", *msg ? msg : "the provider reported an error");
	return 0;
}

static void ollama_frame(void *st, struct wire_sink *s, const char *type, json_t *root)
{
	struct ollama *o = st;
	(void)type;
	if (wj_has_error(root)) {
		sink_stream_error(s, root, ollama_error);
		return;
	}
	json_t *msg = json_object_get(root, "message");
	size_t n;
	const char *p;
	if ((p = wj_strn(msg, "thinking", &n)) != NULL)
		sink_text(s, WIRE_EV_THINKING, p, n);
	if ((p = wj_strn(msg, "content", &n)) != NULL)
		sink_text(s, WIRE_EV_TEXT, p, n);
	size_t i;
	json_t *call;
	json_array_foreach(json_object_get(msg, "tool_calls"), i, call) {
		json_t *fn = json_object_get(call, "function");
		/* arguments is a JSON object here, unlike OpenAI's string. */
		char *args = json_dumps(json_object_get(fn, "arguments"), JSON_COMPACT | JSON_ENCODE_ANY);
		sink_tool(s, o->tools++, wj_str(call, "id"), wj_str(fn, "name"), args ? args : "{}");
		free(args);
	}
	if (json_is_true(json_object_get(root, "done"))) {
		/* Missing counts are omitted zeros (Go omitempty). */
		long long in = wj_int(root, "prompt_eval_count");
		long long out = wj_int(root, "eval_count");
		sink_usage(s, in < 0 ? 0 : in, out < 0 ? 0 : out, -1);
		const char *reason = wj_str(root, "done_reason");
		if (reason == NULL)
			reason = "";
		enum wire_stop stop = strcmp(reason, "length") == 0 ? WIRE_STOP_LENGTH
		                      : o->tools > 0                ? WIRE_STOP_TOOL
		                      : strcmp(reason, "stop") == 0 || *reason == '\0' ? WIRE_STOP_END
		                                                                      : WIRE_STOP_OTHER;
		sink_stop(s, stop, reason);
		s->terminal = true;
	}
}

/* {"model","messages":[system?, ...],"stream":true,"think"?,"options"?};
 * a user turn with images has "images":["<base64>", ...] beside its content. */
static json_t *ollama_build(const struct wire_request *req)
{
	json_t *root = json_object();
	wj_set_str(root, "model", req->model ? req->model : "");
	json_t *msgs = wj_chat_messages(req);
	size_t off = req->system != NULL && *req->system ? 1 : 0;
	for (size_t i = 0; i < req->nmessages; i++) {
		const struct wire_message *m = &req->messages[i];
		if (m->nimages == 0)
			continue;
		json_t *images = json_array();
		for (size_t k = 0; k < m->nimages; k++)
			json_array_append_new(images, wj_image_base64(&m->images[k]));
		json_object_set_new(json_array_get(msgs, off + i), "images", images);
	}
	json_object_set_new(root, "messages", msgs);
	json_object_set_new(root, "stream", json_true());
	if (req->thinking_budget > 0)
		json_object_set_new(root, "think", json_true());
	if (req->max_tokens > 0) {
		json_t *opts = json_object();
		json_object_set_new(opts, "num_predict", json_integer(req->max_tokens));
		json_object_set_new(root, "options", opts);
	}
	return root;
}

const struct wire_adapter wire_ollama_adapter = {
	.name = "ollama",
	.framing = FRAMING_NDJSON,
	.create = ollama_create,
	.destroy = ollama_destroy,
	.frame = ollama_frame,
	.error = ollama_error,
	.build = ollama_build,
};
