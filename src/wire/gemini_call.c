/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gemini_call: Vertex's streamed function-call arguments, joined. */
#include "wire/gemini_call.h"

#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

#define PATH_DEPTH 32  /* segments in one jsonPath */
#define INDEX_GAP 1024 /* how far past an array's end an index may point */

/* One step of a path: a member (key, klen) or an array index (idx >= 0). */
struct seg {
	const char *key;
	size_t klen;
	long idx;
};

void gemini_call_init(struct gemini_call *c)
{
	memset(c, 0, sizeof(*c));
}

static void reset(struct gemini_call *c)
{
	json_decref(c->args);
	free(c->cont_path);
	wire_tools_free(&c->t);
	gemini_call_init(c);
}

void gemini_call_done(struct gemini_call *c)
{
	reset(c);
}

/* An index "[123]" at p; returns the bytes read, 0 if it is not one. */
static size_t parse_index(const char *p, long *idx)
{
	size_t i = 1;
	long v = 0;
	while (p[i] >= '0' && p[i] <= '9' && v < 100000000)
		v = v * 10 + (p[i++] - '0');
	if (i == 1 || p[i] != ']')
		return 0;
	*idx = v;
	return i + 1;
}

/* A quoted member "['name']" or "[\"name\"]" at p (no escapes); returns the
 * bytes read, 0 if it is not one. */
static size_t parse_quoted(const char *p, struct seg *sg)
{
	char q = p[1];
	if (q != '\'' && q != '"')
		return 0;
	const char *end = strchr(p + 2, q);
	if (end == NULL || end[1] != ']' || memchr(p + 2, '\\', (size_t)(end - p - 2)) != NULL)
		return 0;
	sg->key = p + 2;
	sg->klen = (size_t)(end - p - 2);
	sg->idx = -1;
	return (size_t)(end - p) + 2;
}

/* The RFC 9535 paths Vertex sends: "$" then ".name", "['name']" or "[N]".
 * Returns the number of segments (at least one), or -1. */
static int parse_path(const char *p, struct seg *segs)
{
	if (p == NULL || *p++ != '$')
		return -1;
	int n = 0;
	while (*p != '\0') {
		if (n == PATH_DEPTH)
			return -1;
		struct seg *sg = &segs[n++];
		size_t used = 0;
		if (*p == '.') {
			size_t len = strcspn(p + 1, ".[");
			sg->key = p + 1;
			sg->klen = len;
			sg->idx = -1;
			used = len > 0 ? len + 1 : 0;
		} else if (*p == '[') {
			used = parse_index(p, &sg->idx);
			if (used == 0)
				used = parse_quoted(p, sg);
		}
		if (used == 0)
			return -1;
		p += used;
	}
	return n > 0 ? n : -1;
}

/* Sets v (taken) at one step of cur. Returns 0, or -1 (v released). */
static int put(json_t *cur, const struct seg *at, json_t *v)
{
	if (at->idx < 0) {
		if (json_is_object(cur))
			return json_object_setn_new(cur, at->key, at->klen, v);
		json_decref(v);
		return -1;
	}
	size_t i = (size_t)at->idx;
	if (!json_is_array(cur) || i > json_array_size(cur) + INDEX_GAP) {
		json_decref(v);
		return -1;
	}
	while (json_array_size(cur) < i)
		json_array_append_new(cur, json_null());
	if (i == json_array_size(cur))
		return json_array_append_new(cur, v);
	return json_array_set_new(cur, i, v);
}

/* Sets v (taken) at path in c->args, making the objects and arrays on the
 * way. Returns 0, or -1 for a path we do not read. */
static int set_path(struct gemini_call *c, const char *path, json_t *v)
{
	struct seg segs[PATH_DEPTH];
	int n = parse_path(path, segs);
	if (n <= 0) {
		json_decref(v);
		return -1;
	}
	json_t *cur = c->args;
	for (int i = 0; i + 1 < n; i++) {
		bool array = segs[i + 1].idx >= 0;
		json_t *next = segs[i].idx < 0 ? json_object_getn(cur, segs[i].key, segs[i].klen)
		                               : json_array_get(cur, (size_t)segs[i].idx);
		if (array ? !json_is_array(next) : !json_is_object(next)) {
			next = array ? json_array() : json_object();
			if (put(cur, &segs[i], next) < 0) {
				json_decref(v);
				return -1;
			}
		}
		cur = next;
	}
	return put(cur, &segs[n - 1], v);
}

/* The string going on (in t[0]'s args) set at its path. */
static void end_string(struct gemini_call *c)
{
	if (c->cont_path == NULL)
		return;
	struct wire_tool *acc = wire_tools_get(&c->t, 0);
	set_path(c, c->cont_path, json_stringn(acc->args.data ? acc->args.data : "", acc->args.len));
	buf_reset(&acc->args);
	free(c->cont_path);
	c->cont_path = NULL;
}

/* The value of a piece as new JSON, or NULL (a string is not one here). */
static json_t *scalar(json_t *piece)
{
	json_t *v;
	if ((v = json_object_get(piece, "numberValue")) != NULL && json_is_number(v))
		return json_copy(v);
	if ((v = json_object_get(piece, "boolValue")) != NULL && json_is_boolean(v))
		return json_copy(v);
	if (json_object_get(piece, "nullValue") != NULL)
		return json_null();
	return NULL;
}

static void piece(struct gemini_call *c, struct wire_sink *s, json_t *pc)
{
	const char *path = wj_str(pc, "jsonPath");
	if (path == NULL)
		return;
	if (c->cont_path != NULL && strcmp(c->cont_path, path) != 0)
		end_string(c);
	struct wire_tool *meter = wire_tools_get(&c->t, 1);
	sink_tool_args(s, meter, path, strlen(path) + 1);
	bool counted = meter->args.len > 0;
	buf_reset(&meter->args);
	if (!counted)
		return;
	size_t n;
	const char *str = wj_strn(pc, "stringValue", &n);
	if (str == NULL) {
		json_t *v = scalar(pc);
		if (v != NULL)
			set_path(c, path, v);
		return;
	}
	struct wire_tool *acc = wire_tools_get(&c->t, 0);
	if (c->cont_path == NULL)
		c->cont_path = xstrdup(path);
	sink_tool_args(s, acc, str, n);
	if (!json_is_true(json_object_get(pc, "willContinue")))
		end_string(c);
}

void gemini_call_add(struct gemini_call *c, struct wire_sink *s, json_t *fc)
{
	if (!c->open) {
		c->open = true;
		c->args = json_object();
	}
	wire_tool_name(wire_tools_get(&c->t, 0), wj_str(fc, "id"), wj_str(fc, "name"));
	json_t *args = json_object_get(fc, "args");
	if (json_is_object(args)) {
		char *text = json_dumps(args, JSON_COMPACT);
		struct wire_tool *meter = wire_tools_get(&c->t, 1);
		sink_tool_args(s, meter, text ? text : "", text ? strlen(text) : 0);
		if (meter->args.len > 0)
			json_object_update(c->args, args);
		buf_reset(&meter->args);
		free(text);
	}
	size_t i;
	json_t *pc;
	json_array_foreach(json_object_get(fc, "partialArgs"), i, pc) {
		if (s->failed)
			return;
		piece(c, s, pc);
	}
}

bool gemini_call_other(const struct gemini_call *c, const char *name)
{
	if (!c->open || name == NULL || c->t.n == 0)
		return false;
	const char *mine = c->t.v[0].name;
	return mine != NULL && strcmp(mine, name) != 0;
}

void gemini_call_emit(struct gemini_call *c, struct wire_sink *s, int index)
{
	if (!c->open)
		return;
	end_string(c);
	struct wire_tool *acc = wire_tools_get(&c->t, 0);
	char *text = json_dumps(c->args, JSON_COMPACT);
	sink_tool(s, index, acc->id, acc->name, text ? text : "{}");
	free(text);
	reset(c);
}
