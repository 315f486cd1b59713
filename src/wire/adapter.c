/* SPDX-License-Identifier: GPL-3.0-or-later */
/* adapter: the sink adapters emit into, and helpers they share. */
#include "wire/adapter.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/base64.h"
#include "util/mem.h"
#include "util/utf8.h"

static void too_big(struct wire_sink *s)
{
	struct wire_error e;
	wire_error_init(&e);
	wire_error_set(&e, WIRE_ERR_TOO_BIG, "reply_too_big",
	               "the reply passed the size limit (reply_max); it was cut there");
	sink_error(s, &e);
	wire_error_done(&e);
}

/* Counts n more reply bytes against the cap: false (and the stream failed
 * with TOO_BIG) past it, or when nothing is to be done. */
static bool charge(struct wire_sink *s, size_t n)
{
	if (n == 0 || s->failed)
		return false;
	if (n > s->reply_max - s->reply_bytes) {
		too_big(s);
		return false;
	}
	s->reply_bytes += n;
	return true;
}

void sink_text(struct wire_sink *s, enum wire_event_type type, const char *p, size_t n)
{
	if (!charge(s, n))
		return;
	struct wire_event ev = {.type = type, .text = p, .len = n};
	s->fn(s->ctx, &ev);
}

void sink_usage(struct wire_sink *s, long long input, long long output, long long thinking)
{
	if (s->failed)
		return;
	struct wire_event ev = {.type = WIRE_EV_USAGE,
	                        .usage = {.input = input, .output = output, .thinking = thinking}};
	s->fn(s->ctx, &ev);
}

void sink_stop(struct wire_sink *s, enum wire_stop stop, const char *reason)
{
	if (s->failed)
		return;
	struct wire_event ev = {.type = WIRE_EV_STOP, .stop = stop, .reason = reason ? reason : ""};
	s->fn(s->ctx, &ev);
}

void sink_tool(struct wire_sink *s, int index, const char *id, const char *name, const char *args)
{
	if (s->failed)
		return;
	struct wire_event ev = {.type = WIRE_EV_TOOL_CALL,
	                        .tool_index = index,
	                        .tool_id = id ? id : "",
	                        .tool_name = name ? name : "",
	                        .tool_args = args ? args : ""};
	s->fn(s->ctx, &ev);
}

void sink_server_tool(struct wire_sink *s, const char *id, const char *name, const char *arg,
                      bool result, const char *summary, size_t summary_len)
{
	if (s->failed)
		return;
	struct wire_event ev = {.type = WIRE_EV_SERVER_TOOL,
	                        .tool_id = id ? id : "",
	                        .tool_name = name,
	                        .tool_args = arg ? arg : "",
	                        .result = result,
	                        .text = summary ? summary : "",
	                        .len = summary ? summary_len : 0};
	s->fn(s->ctx, &ev);
}

void sink_citation(struct wire_sink *s, const char *url, const char *title)
{
	if (s->failed)
		return;
	struct wire_event ev = {.type = WIRE_EV_CITATION, .url = url, .title = title ? title : ""};
	s->fn(s->ctx, &ev);
}

void sink_image(struct wire_sink *s, const char *mime, const char *base64, size_t len)
{
	/* An image counts toward the reply cap like text: a frame may carry
	 * 32 MiB of it (wire/framecap.h), a reply no more than reply_max. An
	 * empty one passes, for the sinks to say so. */
	if (s->failed || (len > 0 && !charge(s, len)))
		return;
	struct wire_event ev = {
	    .type = WIRE_EV_IMAGE, .mime = mime ? mime : "", .text = base64, .len = len};
	s->fn(s->ctx, &ev);
}

void sink_marker(struct wire_sink *s, const char *words)
{
	if (s->failed)
		return;
	struct wire_event ev = {.type = WIRE_EV_MARKER, .text = words, .len = strlen(words)};
	s->fn(s->ctx, &ev);
}

void sink_error(struct wire_sink *s, const struct wire_error *e)
{
	if (s->failed)
		return;
	s->failed = true;
	struct wire_event ev = {.type = WIRE_EV_ERROR, .error = e};
	s->fn(s->ctx, &ev);
}

struct wire_tool *wire_tools_get(struct wire_tools *t, int key)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].key == key)
			return &t->v[i];
	t->v = xrealloc(t->v, (t->n + 1) * sizeof(*t->v));
	struct wire_tool *tool = &t->v[t->n++];
	memset(tool, 0, sizeof(*tool));
	tool->key = key;
	buf_init(&tool->args, 0); /* bounded by the reply cap: sink_tool_args */
	return tool;
}

void wire_tool_name(struct wire_tool *tool, const char *id, const char *name)
{
	if (id != NULL && tool->id == NULL)
		tool->id = xstrdup(id);
	if (name != NULL && tool->name == NULL)
		tool->name = xstrdup(name);
}

static void emit_tool(struct wire_tool *tool, struct wire_sink *s)
{
	if (tool->emitted)
		return;
	tool->emitted = true;
	sink_tool(s, tool->key, tool->id, tool->name, buf_str(&tool->args));
}

void wire_tools_flush(struct wire_tools *t, struct wire_sink *s)
{
	for (;;) {
		struct wire_tool *next = NULL;
		for (size_t i = 0; i < t->n; i++)
			if (!t->v[i].emitted && (next == NULL || t->v[i].key < next->key))
				next = &t->v[i];
		if (next == NULL)
			return;
		emit_tool(next, s);
	}
}

void wire_tools_flush_one(struct wire_tools *t, struct wire_sink *s, int key)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].key == key)
			emit_tool(&t->v[i], s);
}

void sink_tool_args(struct wire_sink *s, struct wire_tool *tool, const char *p, size_t n)
{
	if (charge(s, n))
		buf_append(&tool->args, p, n);
}

void wire_tools_free(struct wire_tools *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].id);
		free(t->v[i].name);
		buf_done(&t->v[i].args);
	}
	free(t->v);
	t->v = NULL;
	t->n = 0;
}

bool wj_google_error(json_t *err)
{
	return wj_str(err, "status") != NULL && json_object_get(err, "type") == NULL;
}

bool wj_has_error(json_t *root)
{
	json_t *err = json_is_object(root) ? json_object_get(root, "error") : NULL;
	if (json_is_object(err))
		return true;
	return json_is_string(err) && json_string_length(err) > 0;
}

void sink_stream_error(struct wire_sink *s, json_t *root, int (*parse)(json_t *, struct wire_error *))
{
	struct wire_error e;
	wire_error_init(&e);
	if (parse(root, &e) < 0) {
		const char *msg = wj_str(root, "error");
		wire_error_set(&e, WIRE_ERR_STREAM, "",
		               msg && *msg ? msg : "the provider reported an error in the stream");
	}
	if (e.kind == WIRE_ERR_UNKNOWN)
		e.kind = WIRE_ERR_STREAM;
	sink_error(s, &e);
	wire_error_done(&e);
}

const char *wj_str(json_t *obj, const char *key)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
	return json_is_string(v) ? json_string_value(v) : NULL;
}

const char *wj_strn(json_t *obj, const char *key, size_t *len)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
	if (!json_is_string(v))
		return NULL;
	*len = json_string_length(v);
	return json_string_value(v);
}

long long wj_int(json_t *obj, const char *key)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_real(v)) {
		/* Out of range, the conversion would be undefined: as if absent. */
		double r = json_real_value(v);
		return r > -9.2e18 && r < 9.2e18 ? (long long)r : -1;
	}
	return -1;
}

json_t *wj_string(const char *s)
{
	size_t n = strlen(s);
	if (utf8_valid(s, n))
		return json_stringn_nocheck(s, n);
	struct buf b;
	buf_init(&b, 0);
	utf8_repair(s, n, &b);
	json_t *v = json_stringn_nocheck(buf_str(&b), b.len);
	buf_done(&b);
	return v;
}

void wj_set_str(json_t *obj, const char *key, const char *s)
{
	json_object_set_new(obj, key, wj_string(s));
}

json_t *wj_image_base64(const struct wire_image *img)
{
	size_t n;
	char *b64 = base64_encode(img->data, img->len, &n);
	json_t *v = json_stringn_nocheck(b64, n);
	free(b64);
	return v;
}

json_t *wj_image_data_url(const struct wire_image *img)
{
	struct buf b;
	buf_init(&b, 0);
	buf_printf(&b, "data:%s;base64,", img->mime ? img->mime : "");
	base64_append(&b, img->data, img->len);
	json_t *v = json_stringn_nocheck(buf_str(&b), b.len);
	buf_done(&b);
	return v;
}

void wire_message_copy(struct wire_message *dst, const struct wire_message *src)
{
	dst->role = src->role;
	dst->text = xstrdup(src->text ? src->text : "");
	dst->images = NULL;
	dst->nimages = src->nimages;
	if (src->nimages == 0)
		return;
	struct wire_image *v = xcalloc(src->nimages, sizeof(*v));
	for (size_t i = 0; i < src->nimages; i++) {
		unsigned char *d = xmalloc(src->images[i].len);
		memcpy(d, src->images[i].data, src->images[i].len);
		v[i] = (struct wire_image){xstrdup(src->images[i].mime ? src->images[i].mime : ""), d,
		                           src->images[i].len};
	}
	dst->images = v;
}

void wire_message_free(struct wire_message *m)
{
	for (size_t i = 0; i < m->nimages; i++) {
		free((char *)m->images[i].mime);
		free((unsigned char *)m->images[i].data);
	}
	free((struct wire_image *)m->images);
	free((char *)m->text);
	m->images = NULL;
	m->nimages = 0;
	m->text = NULL;
}

static void append_message(json_t *msgs, const char *role, const char *text)
{
	json_t *m = json_object();
	wj_set_str(m, "role", role);
	wj_set_str(m, "content", text ? text : "");
	json_array_append_new(msgs, m);
}

json_t *wj_chat_messages(const struct wire_request *req)
{
	json_t *msgs = json_array();
	if (req->system != NULL && *req->system)
		append_message(msgs, "system", req->system);
	for (size_t i = 0; i < req->nmessages; i++)
		append_message(msgs, req->messages[i].role == WIRE_ROLE_USER ? "user" : "assistant",
		               req->messages[i].text);
	return msgs;
}

enum wire_error_kind wire_error_kind_for_code(const char *code)
{
	static const struct {
		const char *code;
		enum wire_error_kind kind;
	} table[] = {
		{"overloaded_error", WIRE_ERR_OVERLOADED},
		{"UNAVAILABLE", WIRE_ERR_OVERLOADED},
		{"rate_limit_error", WIRE_ERR_RATE_LIMIT},
		{"rate_limit_exceeded", WIRE_ERR_RATE_LIMIT},
		{"RESOURCE_EXHAUSTED", WIRE_ERR_RATE_LIMIT},
		{"insufficient_quota", WIRE_ERR_BILLING},
		{"billing_error", WIRE_ERR_BILLING},
		{"authentication_error", WIRE_ERR_AUTH},
		{"permission_error", WIRE_ERR_AUTH},
		{"invalid_api_key", WIRE_ERR_AUTH},
		{"UNAUTHENTICATED", WIRE_ERR_AUTH},
		{"PERMISSION_DENIED", WIRE_ERR_AUTH},
		{"API_KEY_INVALID", WIRE_ERR_AUTH},
		{"server_error", WIRE_ERR_SERVER},
		{"api_error", WIRE_ERR_SERVER},
		{"INTERNAL", WIRE_ERR_SERVER},
		{"timeout_error", WIRE_ERR_TIMEOUT},
		{"DEADLINE_EXCEEDED", WIRE_ERR_TIMEOUT},
		{"invalid_request_error", WIRE_ERR_BAD_REQUEST},
		{"INVALID_ARGUMENT", WIRE_ERR_BAD_REQUEST},
		{"FAILED_PRECONDITION", WIRE_ERR_BAD_REQUEST},
		{"not_found_error", WIRE_ERR_NOT_FOUND},
		{"model_not_found", WIRE_ERR_NOT_FOUND},
		{"NOT_FOUND", WIRE_ERR_NOT_FOUND},
		{"request_too_large", WIRE_ERR_TOO_LARGE},
	};
	if (code == NULL)
		return WIRE_ERR_UNKNOWN;
	for (size_t i = 0; i < sizeof(table) / sizeof(*table); i++)
		if (strcmp(code, table[i].code) == 0)
			return table[i].kind;
	return WIRE_ERR_UNKNOWN;
}

long long wire_retry_hint_in_message(const char *message)
{
	const char *p = message ? strstr(message, "try again in ") : NULL;
	if (p == NULL)
		return -1;
	p += strlen("try again in ");
	char *end;
	double v = strtod(p, &end);
	if (end == p || v < 0)
		return -1;
	double ms;
	if (strncmp(end, "ms", 2) == 0)
		ms = v;
	else if (*end == 's')
		ms = v * 1000.0;
	else if (*end == 'm') /* "6m0s" */
		ms = v * 60000.0 + strtod(end + 1, NULL) * 1000.0;
	else
		return -1;
	/* "1e300s" or "nan ms" would be undefined to convert: no hint. */
	if (!(ms >= 0 && ms < 1e12))
		return -1;
	return (long long)ms;
}
