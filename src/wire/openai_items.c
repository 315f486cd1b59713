/* SPDX-License-Identifier: GPL-3.0-or-later */
/* openai_items: OpenAI's provider-run tools, images and citations. */
#include "wire/openai_items.h"

#include <stdio.h>
#include <string.h>

/* Appends the strings in arr joined by sep (other values skipped). */
static void join_strings(struct buf *out, json_t *arr, const char *sep)
{
	size_t i;
	json_t *v;
	bool first = true;
	json_array_foreach(arr, i, v) {
		if (!json_is_string(v))
			continue;
		if (!first)
			buf_append(out, sep, strlen(sep));
		buf_append(out, json_string_value(v), json_string_length(v));
		first = false;
	}
}

/* "N things" (one thing) for an array's size; false when arr is not one. */
static bool count_of(struct buf *out, json_t *arr, const char *one, const char *many)
{
	if (!json_is_array(arr))
		return false;
	size_t n = json_array_size(arr);
	buf_printf(out, "%zu %s", n, n == 1 ? one : many);
	return true;
}

/* What each kind of item shows. arg fills the main argument, result the
 * outcome's summary (returning false when the item carries none). */
struct item_kind {
	const char *type; /* item.type */
	const char *name; /* the tool as the provider names it */
	void (*arg)(json_t *item, struct buf *out);
	bool (*result)(json_t *item, struct buf *out);
};

/* web_search_call: action.query (or queries), or the page it opened. */
static void web_search_arg(json_t *item, struct buf *out)
{
	json_t *action = json_object_get(item, "action");
	const char *q = wj_str(action, "query");
	json_t *qs = json_object_get(action, "queries");
	if (q != NULL && *q)
		buf_append(out, q, strlen(q));
	else if (json_is_array(qs) && json_array_size(qs) > 0)
		join_strings(out, qs, "; ");
	else if ((q = wj_str(action, "url")) != NULL)
		buf_append(out, q, strlen(q));
}

static bool web_search_result(json_t *item, struct buf *out)
{
	return count_of(out, json_object_get(json_object_get(item, "action"), "sources"), "source",
	                "sources");
}

static void file_search_arg(json_t *item, struct buf *out)
{
	join_strings(out, json_object_get(item, "queries"), "; ");
}

static bool file_search_result(json_t *item, struct buf *out)
{
	return count_of(out, json_object_get(item, "results"), "result", "results");
}

static void code_arg(json_t *item, struct buf *out)
{
	const char *code = wj_str(item, "code");
	if (code != NULL)
		buf_append(out, code, strlen(code));
}

/* outputs: the logs, joined; else how many images it drew. */
static bool code_result(json_t *item, struct buf *out)
{
	json_t *outputs = json_object_get(item, "outputs");
	size_t i, images = 0;
	json_t *o;
	bool any = false;
	json_array_foreach(outputs, i, o) {
		const char *logs = wj_str(o, "logs");
		const char *type = wj_str(o, "type");
		if (logs != NULL) {
			if (any)
				buf_append(out, "\n", 1);
			buf_append(out, logs, strlen(logs));
			any = true;
		} else if (type != NULL && strcmp(type, "image") == 0) {
			images++;
		}
	}
	if (!any && images > 0)
		buf_printf(out, "%zu image%s", images, images == 1 ? "" : "s");
	return any || images > 0;
}

/* mcp_call: its error, else its output. */
static bool mcp_result(json_t *item, struct buf *out)
{
	json_t *err = json_object_get(item, "error");
	const char *msg = json_is_string(err) ? json_string_value(err) : wj_str(err, "message");
	const char *output = wj_str(item, "output");
	if (msg != NULL && *msg)
		buf_printf(out, "error: %s", msg);
	else if (output != NULL)
		buf_append(out, output, strlen(output));
	return (msg != NULL && *msg) || output != NULL;
}

static void mcp_arg(json_t *item, struct buf *out)
{
	const char *args = wj_str(item, "arguments");
	if (args != NULL)
		buf_append(out, args, strlen(args));
}

static void custom_arg(json_t *item, struct buf *out)
{
	const char *input = wj_str(item, "input");
	if (input != NULL)
		buf_append(out, input, strlen(input));
}

/* shell_call: action.commands, one after the other. */
static void shell_arg(json_t *item, struct buf *out)
{
	join_strings(out, json_object_get(json_object_get(item, "action"), "commands"), "; ");
}

/* local_shell_call: action.command, an argv. */
static void local_shell_arg(json_t *item, struct buf *out)
{
	join_strings(out, json_object_get(json_object_get(item, "action"), "command"), " ");
}

static void image_arg(json_t *item, struct buf *out)
{
	const char *prompt = wj_str(item, "revised_prompt");
	if (prompt != NULL)
		buf_append(out, prompt, strlen(prompt));
}

static const struct item_kind kinds[] = {
    {"web_search_call", "web_search", web_search_arg, web_search_result},
    {"file_search_call", "file_search", file_search_arg, file_search_result},
    {"code_interpreter_call", "code_interpreter", code_arg, code_result},
    {"mcp_call", "mcp", mcp_arg, mcp_result},
    {"custom_tool_call", "custom_tool", custom_arg, NULL},
    {"shell_call", "shell", shell_arg, NULL},
    {"local_shell_call", "local_shell", local_shell_arg, NULL},
    {"image_generation_call", "image_generation", image_arg, NULL},
};

/* The tool's name: "mcp LABEL/NAME" for MCP, a custom tool's own name,
 * else the kind's. Never "". */
static void tool_name(const struct item_kind *k, json_t *item, struct buf *out)
{
	const char *name = wj_str(item, "name");
	const char *label = wj_str(item, "server_label");
	bool has_name = name != NULL && *name, has_label = label != NULL && *label;
	if (strcmp(k->type, "mcp_call") == 0 && (has_name || has_label))
		buf_printf(out, "mcp %s%s%s", has_label ? label : "", has_label && has_name ? "/" : "",
		           has_name ? name : "");
	else if (strcmp(k->type, "custom_tool_call") == 0 && has_name)
		buf_append(out, name, strlen(name));
	else
		buf_append(out, k->name, strlen(k->name));
}

/* The image's type from output_format ("png" when the item does not say,
 * as the API's default). */
static const char *image_mime(json_t *item)
{
	const char *f = wj_str(item, "output_format");
	if (f != NULL && (strcmp(f, "jpeg") == 0 || strcmp(f, "jpg") == 0))
		return "image/jpeg";
	if (f != NULL && strcmp(f, "webp") == 0)
		return "image/webp";
	return "image/png";
}

/* A kind for item.type: the table's, or a generic one for a future
 * "*_call" the provider runs (its name without "_call"); NULL for items
 * that are not tools (message, reasoning, function_call...). */
static const struct item_kind *kind_of(const char *type, struct item_kind *generic,
                                       char *name, size_t cap)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(*kinds); i++)
		if (strcmp(type, kinds[i].type) == 0)
			return &kinds[i];
	size_t n = strlen(type);
	if (n <= 5 || n - 5 >= cap || strcmp(type + n - 5, "_call") != 0 ||
	    strcmp(type, "function_call") == 0)
		return NULL;
	memcpy(name, type, n - 5);
	name[n - 5] = '\0';
	*generic = (struct item_kind){type, name, NULL, NULL};
	return generic;
}

static void tool_item(struct wire_sink *s, struct buf *scratch, const struct item_kind *k,
                      json_t *item)
{
	struct buf name, summary;
	buf_init(&name, 0);
	buf_init(&summary, 0);
	buf_reset(scratch);
	tool_name(k, item, &name);
	if (k->arg != NULL)
		k->arg(item, scratch);
	const char *id = wj_str(item, "id");
	sink_server_tool(s, id, buf_str(&name), buf_str(scratch), false, NULL, 0);
	const char *status = wj_str(item, "status");
	bool failed = status != NULL && strcmp(status, "failed") == 0;
	if (k->result != NULL && k->result(item, &summary))
		sink_server_tool(s, id, buf_str(&name), buf_str(scratch), true, buf_str(&summary),
		                 summary.len);
	else if (failed)
		sink_server_tool(s, id, buf_str(&name), buf_str(scratch), true, "failed", 6);
	const char *image = wj_str(item, "result");
	if (strcmp(k->type, "image_generation_call") == 0 && image != NULL && *image)
		sink_image(s, image_mime(item), image, strlen(image));
	buf_done(&name);
	buf_done(&summary);
}

void openai_annotation(struct wire_sink *s, struct wire_cites *cites, json_t *annotation)
{
	const char *type = wj_str(annotation, "type");
	if (type == NULL || strcmp(type, "url_citation") != 0)
		return;
	json_t *nested = json_object_get(annotation, "url_citation");
	json_t *c = json_is_object(nested) ? nested : annotation;
	wire_cite(cites, s, wj_str(c, "url"), wj_str(c, "title"));
}

void openai_annotations(struct wire_sink *s, struct wire_cites *cites, json_t *annotations)
{
	size_t i;
	json_t *a;
	json_array_foreach(annotations, i, a) {
		openai_annotation(s, cites, a);
	}
}

void openai_item_done(struct wire_sink *s, struct wire_cites *cites, struct buf *scratch,
                      json_t *item)
{
	const char *type = wj_str(item, "type");
	if (type == NULL)
		return;
	if (strcmp(type, "message") == 0) {
		size_t i;
		json_t *part;
		json_array_foreach(json_object_get(item, "content"), i, part) {
			openai_annotations(s, cites, json_object_get(part, "annotations"));
		}
		return;
	}
	struct item_kind generic;
	char name[64];
	const struct item_kind *k = kind_of(type, &generic, name, sizeof(name));
	if (k != NULL)
		tool_item(s, scratch, k, item);
}
