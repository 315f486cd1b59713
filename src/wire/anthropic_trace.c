/* SPDX-License-Identifier: GPL-3.0-or-later */
/* anthropic_trace: server and MCP tools, citations and markers in an
 * Anthropic stream (issue 19). */
#include "wire/anthropic_trace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"
#include "util/utf8.h"

void an_trace_free(struct an_trace *t)
{
	wire_tools_free(&t->calls);
	wire_cites_free(&t->cited);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* The first line of s (without its '\r'), appended to out. */
static void first_line(struct buf *out, const char *s)
{
	size_t n = strcspn(s, "\n");
	if (n > 0 && s[n - 1] == '\r')
		n--;
	buf_append(out, s, n);
}

/* "mcp SERVER/TOOL" for an MCP call; a server tool's own name; never "". */
static void call_name(struct buf *out, const char *type, json_t *block)
{
	const char *name = wj_str(block, "name");
	if (strcmp(type, "mcp_tool_use") == 0) {
		const char *server = wj_str(block, "server_name");
		buf_append_str(out, "mcp");
		if (server != NULL && *server)
			buf_printf(out, " %s", server);
		if (name != NULL && *name)
			buf_printf(out, "%s%s", server != NULL && *server ? "/" : " ", name);
	} else {
		buf_append_str(out, name != NULL && *name ? name : "server tool");
	}
}

struct wire_tool *an_trace_call(struct an_trace *t, int index)
{
	for (size_t i = 0; i < t->calls.n; i++)
		if (t->calls.v[i].key == index)
			return &t->calls.v[i];
	return NULL;
}

/* The call whose id is id, or NULL. */
static struct wire_tool *call_by_id(struct an_trace *t, const char *id)
{
	for (size_t i = 0; id != NULL && i < t->calls.n; i++)
		if (t->calls.v[i].id != NULL && strcmp(t->calls.v[i].id, id) == 0)
			return &t->calls.v[i];
	return NULL;
}

/* A call's main argument: the query, URL, code, command (with its path),
 * search pattern or path, as text; else its input as compact JSON; input
 * that is not a JSON object as it came. */
static void main_argument(struct buf *out, const struct buf *input)
{
	static const char *const keys[] = {"query", "url", "code", "command", "pattern", "path"};
	if (input->len == 0)
		return;
	json_error_t jerr;
	json_t *v = json_loadb(input->data, input->len, 0, &jerr);
	if (!json_is_object(v)) {
		buf_append(out, input->data, input->len);
		json_decref(v);
		return;
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++) {
		const char *arg = wj_str(v, keys[i]);
		if (arg == NULL || *arg == '\0')
			continue;
		buf_append_str(out, arg);
		const char *path = wj_str(v, "path");
		if (strcmp(keys[i], "command") == 0 && path != NULL && *path)
			buf_printf(out, " %s", path);
		json_decref(v);
		return;
	}
	char *compact = json_dumps(v, JSON_COMPACT);
	if (compact != NULL)
		buf_append_str(out, compact);
	free(compact);
	json_decref(v);
}

static void emit_call(struct wire_tool *call, struct wire_sink *s)
{
	if (call->emitted)
		return;
	call->emitted = true;
	struct buf arg;
	buf_init(&arg, 0);
	main_argument(&arg, &call->args);
	sink_server_tool(s, call->id, call->name, buf_str(&arg), false, NULL, 0);
	buf_done(&arg);
}

bool an_trace_block_stop(struct an_trace *t, struct wire_sink *s, int index)
{
	struct wire_tool *call = an_trace_call(t, index);
	if (call == NULL)
		return false;
	emit_call(call, s);
	return true;
}

void an_trace_flush(struct an_trace *t, struct wire_sink *s)
{
	for (size_t i = 0; i < t->calls.n; i++)
		emit_call(&t->calls.v[i], s);
}

/* An MCP result: its first text block's first line, "error: ..." when the
 * server said is_error. */
static void mcp_summary(struct buf *out, json_t *block, json_t *content)
{
	const char *text = json_is_string(content) ? json_string_value(content) : NULL;
	for (size_t i = 0; text == NULL && i < json_array_size(content); i++)
		text = wj_str(json_array_get(content, i), "text");
	bool error = json_is_true(json_object_get(block, "is_error"));
	if (error)
		buf_append_str(out, text != NULL && *text ? "error: " : "error");
	if (text != NULL)
		first_line(out, text);
}

/* "N things" with the plural as English wants it. */
static void count(struct buf *out, size_t n, const char *one, const char *many)
{
	buf_printf(out, "%zu %s", n, n == 1 ? one : many);
}

/* A code run's outcome: "exit N" when it says, then the first line of its
 * stdout (else its stderr). */
static void run_summary(struct buf *out, json_t *content)
{
	if (json_is_integer(json_object_get(content, "return_code")))
		buf_printf(out, "exit %lld", wj_int(content, "return_code"));
	const char *line = wj_str(content, "stdout");
	if (line == NULL || *line == '\0')
		line = wj_str(content, "stderr");
	if (line != NULL && *line) {
		buf_append_str(out, out->len > 0 ? ": " : "");
		first_line(out, line);
	}
}

/* A result object's kind word without the tool's prefix and "_result":
 * "text_editor_code_execution_create_result" -> "create". */
static void kind_word(struct buf *out, const char *kind, const char *tool)
{
	size_t n = strlen(tool);
	if (strncmp(kind, tool, n) == 0 && kind[n] == '_')
		kind += n + 1;
	size_t len = strlen(kind);
	if (ends_with(kind, "_result"))
		len -= strlen("_result");
	buf_append(out, kind, len);
}

/* The one-line summary of a result block's content. */
static void result_summary(struct buf *out, json_t *content, const char *tool)
{
	json_t *inner = json_object_get(content, "content");
	const char *kind = wj_str(content, "type");
	if (json_is_array(content)) {
		count(out, json_array_size(content), "result", "results");
	} else if (json_is_string(content)) {
		first_line(out, json_string_value(content));
	} else if (wj_str(content, "error_code") != NULL) {
		buf_printf(out, "error: %s", wj_str(content, "error_code"));
	} else if (json_is_integer(json_object_get(content, "return_code")) ||
	           wj_str(content, "stdout") != NULL || wj_str(content, "stderr") != NULL) {
		run_summary(out, content);
	} else if (json_is_array(json_object_get(content, "tool_references"))) {
		count(out, json_array_size(json_object_get(content, "tool_references")), "tool",
		      "tools");
	} else if (kind != NULL && strcmp(kind, "web_fetch_result") == 0) {
		const char *title = wj_str(inner, "title");
		const char *url = wj_str(content, "url");
		buf_append_str(out, title != NULL && *title ? title : url != NULL ? url : "");
	} else if (kind != NULL) {
		kind_word(out, kind, tool);
	}
}

/* A *_tool_result or mcp_tool_result block, whole at its start: one
 * SERVER_TOOL result, named as its call was. */
static void emit_result(struct an_trace *t, struct wire_sink *s, const char *type, json_t *block)
{
	const char *id = wj_str(block, "tool_use_id");
	struct wire_tool *call = call_by_id(t, id);
	if (call != NULL)
		emit_call(call, s); /* its block never stopped: the call comes first */
	struct buf name, summary;
	buf_init(&name, 0);
	buf_init(&summary, 0);
	if (call != NULL && call->name != NULL)
		buf_append_str(&name, call->name);
	else if (strcmp(type, "mcp_tool_result") == 0)
		buf_append_str(&name, "mcp");
	else
		buf_append(&name, type, strlen(type) - strlen("_tool_result"));
	json_t *content = json_object_get(block, "content");
	if (strcmp(type, "mcp_tool_result") == 0)
		mcp_summary(&summary, block, content);
	else
		result_summary(&summary, content, buf_str(&name));
	sink_server_tool(s, id, buf_str(&name), "", true, buf_str(&summary), summary.len);
	buf_done(&name);
	buf_done(&summary);
}

bool an_trace_block_start(struct an_trace *t, struct wire_sink *s, int index, json_t *block)
{
	const char *type = wj_str(block, "type");
	if (type == NULL)
		return false;
	if (strcmp(type, "server_tool_use") == 0 || strcmp(type, "mcp_tool_use") == 0) {
		struct buf name;
		buf_init(&name, 0);
		call_name(&name, type, block);
		wire_tool_name(wire_tools_get(&t->calls, index), wj_str(block, "id"),
		               buf_str(&name));
		buf_done(&name);
		return true;
	}
	if (ends_with(type, "_tool_result") && strlen(type) > strlen("_tool_result")) {
		emit_result(t, s, type, block);
		return true;
	}
	if (strcmp(type, "redacted_thinking") == 0) {
		sink_marker(s, "redacted thinking");
		return true;
	}
	json_t *citations = json_object_get(block, "citations");
	for (size_t i = 0; i < json_array_size(citations); i++)
		an_trace_cite(t, s, json_array_get(citations, i));
	return false; /* a text block: its text is the caller's */
}

/* Where a citation points: its URL, a search result's source, or
 * "document:TITLE" / "document:N"; false for none of these. *title is set. */
static bool cite_target(json_t *c, struct buf *url, const char **title)
{
	const char *type = wj_str(c, "type");
	const char *u = wj_str(c, "url");
	*title = wj_str(c, "title");
	if (u == NULL || *u == '\0')
		u = type != NULL && strcmp(type, "search_result_location") == 0
		        ? wj_str(c, "source")
		        : NULL;
	if (u != NULL && *u) {
		buf_append_str(url, u);
		return true;
	}
	if (type == NULL ||
	    (strcmp(type, "char_location") != 0 && strcmp(type, "page_location") != 0 &&
	     strcmp(type, "content_block_location") != 0))
		return false;
	const char *doc = wj_str(c, "document_title");
	*title = doc;
	if (doc != NULL && *doc)
		return buf_printf(url, "document:%s", doc) >= 0;
	long long n = wj_int(c, "document_index");
	return n >= 0 && buf_printf(url, "document:%lld", n) >= 0;
}

void an_trace_cite(struct an_trace *t, struct wire_sink *s, json_t *citation)
{
	struct buf url;
	buf_init(&url, 0);
	const char *title = NULL;
	if (cite_target(citation, &url, &title))
		wire_cite(&t->cited, s, buf_str(&url), title);
	buf_done(&url);
}

const char *an_trace_stop_words(const char *reason, json_t *delta, char *out, size_t size)
{
	if (strcmp(reason, "pause_turn") == 0) {
		snprintf(out, size,
		         "paused by the provider (a long-running tool); send again to go on");
	} else if (strcmp(reason, "model_context_window_exceeded") == 0) {
		snprintf(out, size,
		         "the conversation is longer than the model's context window; "
		         "start a new one (/new) or shorten it");
	} else if (strcmp(reason, "refusal") == 0) {
		/* stop_details names the policy area, when the API says it. */
		const char *category = wj_str(json_object_get(delta, "stop_details"), "category");
		char cat[64]; /* cut where a character begins: the words stay UTF-8 */
		utf8_copy(cat, sizeof(cat), category != NULL ? category : "");
		if (*cat)
			snprintf(out, size, "the model declined to answer (refusal: %s)", cat);
		else
			snprintf(out, size, "the model declined to answer (refusal)");
	} else {
		return NULL;
	}
	return out;
}
