/* SPDX-License-Identifier: GPL-3.0-or-later */
/* openai_responses: the Responses API event stream (POST /v1/responses). */
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"
#include "wire/adapter.h"
#include "wire/openai_items.h"

struct responses {
	struct wire_tools tools; /* keyed by output_index */
	struct wire_cites cites; /* each cited URL once */
	struct buf scratch;      /* a provider tool's argument */
};

static void *responses_create(void)
{
	return xcalloc(1, sizeof(struct responses));
}

static void responses_destroy(void *st)
{
	struct responses *r = st;
	wire_tools_free(&r->tools);
	wire_cites_free(&r->cites);
	buf_done(&r->scratch);
	free(r);
}

/* The flat error event {"type":"error","code","message","param"}, or an
 * HTTP body {"error":{...}}. (A failed response's {"code","message"} is
 * read in finished().) */
static int responses_error(json_t *root, struct wire_error *e)
{
	const char *type = wj_str(root, "type");
	json_t *err = NULL;
	if (type != NULL && strcmp(type, "error") == 0 && wj_str(root, "message") != NULL)
		err = root;
	else if (json_is_object(json_object_get(root, "error")))
		err = json_object_get(root, "error");
	if (err == NULL || wj_google_error(err))
		return -1;
	const char *code = wj_str(err, "code");
	const char *etype = wj_str(err, "type");
	const char *word = code && *code ? code : etype && *etype ? etype : "";
	const char *message = wj_str(err, "message");
	wire_error_set(e, wire_error_kind_for_code(word), word,
	               message && *message ? message : "the response failed");
	if (e->kind == WIRE_ERR_UNKNOWN)
		e->kind = wire_error_kind_for_code(etype);
	e->retry_after_ms = wire_retry_hint_in_message(e->message);
	return 0;
}

static void finished(struct responses *r, struct wire_sink *s, const char *type, json_t *resp)
{
	wire_tools_flush(&r->tools, s);
	json_t *usage = json_object_get(resp, "usage");
	if (json_is_object(usage)) {
		json_t *details = json_object_get(usage, "output_tokens_details");
		sink_usage(s, wj_int(usage, "input_tokens"), wj_int(usage, "output_tokens"),
		           wj_int(details, "reasoning_tokens"));
	}
	const char *status = wj_str(resp, "status");
	s->terminal = true;
	if (strcmp(type, "response.failed") == 0) {
		json_t *err = json_object_get(resp, "error");
		struct wire_error e;
		wire_error_init(&e);
		const char *code = wj_str(err, "code");
		const char *message = wj_str(err, "message");
		/* response.error is {code, message}: neither shape responses_error
		 * knows (no "type", no "error" wrapper). */
		if (message != NULL && *message) {
			wire_error_set(&e, wire_error_kind_for_code(code), code, message);
			e.retry_after_ms = wire_retry_hint_in_message(e.message);
		} else {
			wire_error_set(&e, WIRE_ERR_STREAM, code, "the response failed");
		}
		if (e.kind == WIRE_ERR_UNKNOWN)
			e.kind = WIRE_ERR_STREAM;
		sink_error(s, &e);
		wire_error_done(&e);
		return;
	}
	enum wire_stop stop = r->tools.n > 0 ? WIRE_STOP_TOOL : WIRE_STOP_END;
	if (strcmp(type, "response.incomplete") == 0) {
		const char *why = wj_str(json_object_get(resp, "incomplete_details"), "reason");
		stop = why && strcmp(why, "max_output_tokens") == 0 ? WIRE_STOP_LENGTH
		       : why && strcmp(why, "content_filter") == 0 ? WIRE_STOP_FILTER
		                                                   : WIRE_STOP_OTHER;
	}
	sink_stop(s, stop, status ? status : type + strlen("response."));
}

/* What a Responses stream says beside the text: items finished (the tools
 * the provider ran, an image, a message's citations) and annotations as
 * they are added. Returns false when type is none of these. */
static bool side_event(struct responses *r, struct wire_sink *s, const char *type, json_t *root)
{
	if (strcmp(type, "response.output_item.done") == 0)
		openai_item_done(s, &r->cites, &r->scratch, json_object_get(root, "item"));
	else if (strcmp(type, "response.output_text.annotation.added") == 0)
		openai_annotation(s, &r->cites, json_object_get(root, "annotation"));
	else if (strcmp(type, "response.content_part.done") == 0)
		openai_annotations(s, &r->cites,
		                   json_object_get(json_object_get(root, "part"), "annotations"));
	else
		return false;
	return true;
}

static void function_call(struct responses *r, struct wire_sink *s, const char *type,
                          json_t *root)
{
	size_t n;
	const char *p;
	int key = (int)wj_int(root, "output_index");
	if (strcmp(type, "response.output_item.added") == 0) {
		json_t *item = json_object_get(root, "item");
		const char *itype = wj_str(item, "type");
		if (itype != NULL && strcmp(itype, "function_call") == 0) {
			struct wire_tool *t = wire_tools_get(&r->tools, key);
			const char *id = wj_str(item, "call_id");
			wire_tool_name(t, id ? id : wj_str(item, "id"), wj_str(item, "name"));
		}
	} else if (strcmp(type, "response.function_call_arguments.delta") == 0) {
		struct wire_tool *t = wire_tools_get(&r->tools, key);
		if ((p = wj_strn(root, "delta", &n)) != NULL)
			sink_tool_args(s, t, p, n);
	} else if (strcmp(type, "response.function_call_arguments.done") == 0) {
		struct wire_tool *t = wire_tools_get(&r->tools, key);
		/* The whole arguments again: needed only if no delta came. */
		if (t->args.len == 0 && (p = wj_strn(root, "arguments", &n)) != NULL)
			sink_tool_args(s, t, p, n);
		wire_tools_flush_one(&r->tools, s, key);
	}
}

static void responses_frame(void *st, struct wire_sink *s, const char *event, json_t *root)
{
	struct responses *r = st;
	const char *type = wj_str(root, "type");
	if (type == NULL)
		type = event ? event : "";
	size_t n;
	const char *p;
	if (strcmp(type, "response.output_text.delta") == 0) {
		if ((p = wj_strn(root, "delta", &n)) != NULL)
			sink_text(s, WIRE_EV_TEXT, p, n);
	} else if (strcmp(type, "response.reasoning_summary_text.delta") == 0 ||
	           strcmp(type, "response.reasoning_text.delta") == 0) {
		if ((p = wj_strn(root, "delta", &n)) != NULL)
			sink_text(s, WIRE_EV_THINKING, p, n);
	} else if (strcmp(type, "response.refusal.delta") == 0) {
		if ((p = wj_strn(root, "delta", &n)) != NULL)
			sink_text(s, WIRE_EV_REFUSAL, p, n);
	} else if (strcmp(type, "response.output_item.added") == 0 ||
	           strncmp(type, "response.function_call_arguments.", 33) == 0) {
		function_call(r, s, type, root);
	} else if (strcmp(type, "response.completed") == 0 || strcmp(type, "response.incomplete") == 0 ||
	           strcmp(type, "response.failed") == 0) {
		finished(r, s, type, json_object_get(root, "response"));
	} else if (strcmp(type, "error") == 0) {
		/* The first error wins: a response.failed after it adds nothing. */
		sink_stream_error(s, root, responses_error);
	} else {
		side_event(r, s, type, root);
	}
	/* Everything else (created, in_progress, a tool's progress, the
	 * deltas of a tool's code or arguments whose item.done repeats them
	 * whole, partial images, and types added later) carries nothing we
	 * show. */
}

/* A user turn with images: [{"type":"input_text","text"},
 * {"type":"input_image","image_url":"data:..."}...]. */
static json_t *responses_parts(const struct wire_message *m)
{
	json_t *parts = json_array();
	json_t *t = json_object();
	wj_set_str(t, "type", "input_text");
	wj_set_str(t, "text", m->text ? m->text : "");
	json_array_append_new(parts, t);
	for (size_t k = 0; k < m->nimages; k++) {
		json_t *p = json_object();
		wj_set_str(p, "type", "input_image");
		json_object_set_new(p, "image_url", wj_image_data_url(&m->images[k]));
		json_array_append_new(parts, p);
	}
	return parts;
}

/* {"model","instructions"?,"input":[{"role","content"}],"stream":true,
 *  "store":false,"max_output_tokens"?} */
static json_t *responses_build(const struct wire_request *req)
{
	json_t *root = json_object();
	wj_set_str(root, "model", req->model ? req->model : "");
	if (req->system != NULL && *req->system)
		wj_set_str(root, "instructions", req->system);
	json_t *input = json_array();
	for (size_t i = 0; i < req->nmessages; i++) {
		json_t *m = json_object();
		wj_set_str(m, "role", req->messages[i].role == WIRE_ROLE_USER ? "user" : "assistant");
		if (req->messages[i].nimages > 0)
			json_object_set_new(m, "content", responses_parts(&req->messages[i]));
		else
			wj_set_str(m, "content", req->messages[i].text ? req->messages[i].text : "");
		json_array_append_new(input, m);
	}
	json_object_set_new(root, "input", input);
	json_object_set_new(root, "stream", json_true());
	json_object_set_new(root, "store", json_false());
	if (req->max_tokens > 0)
		json_object_set_new(root, "max_output_tokens", json_integer(req->max_tokens));
	return root;
}

const struct wire_adapter wire_openai_responses_adapter = {
	.name = "openai-responses",
	.framing = FRAMING_SSE,
	.create = responses_create,
	.destroy = responses_destroy,
	.frame = responses_frame,
	.error = responses_error,
	.build = responses_build,
};
