/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_traces: what a stream says beside the text (issue 19): the tools the
 * provider ran, the sources it cited, the images it made, plain-words
 * markers, and refusals. Every fixture whose expected.json has "traces"
 * (the SERVER_TOOL, CITATION, IMAGE and MARKER events in order, as --events
 * prints them) or "refusal" (the REFUSAL deltas joined) gives exactly
 * those, with the fast path on and off; and the OpenAI adapters' edges:
 * a future provider tool, a missing image format, the citation cap. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <dirent.h>
#include <jansson.h>

#include "util/buf.h"
#include "wire/cites.h"
#include "wire/decoder.h"

#define STREAMS FIXTURES "/streams"

struct seen {
	json_t *traces;      /* [{--events object}] of the four trace kinds */
	struct buf refusal;  /* REFUSAL deltas joined */
	size_t refusals;     /* how many REFUSAL deltas */
	struct buf thinking;
	size_t errors;
};

static void collect(void *ctx, const struct wire_event *ev)
{
	struct seen *r = ctx;
	if (ev->type == WIRE_EV_REFUSAL) {
		buf_append(&r->refusal, ev->text, ev->len);
		r->refusals++;
	} else if (ev->type == WIRE_EV_THINKING) {
		buf_append(&r->thinking, ev->text, ev->len);
	} else if (ev->type == WIRE_EV_ERROR) {
		r->errors++;
	}
	if (ev->type != WIRE_EV_SERVER_TOOL && ev->type != WIRE_EV_CITATION &&
	    ev->type != WIRE_EV_IMAGE && ev->type != WIRE_EV_MARKER)
		return;
	struct buf line;
	buf_init(&line, 0);
	assert_int_equal(wire_event_to_json(ev, &line), 0);
	json_error_t jerr;
	json_t *obj = json_loads(buf_str(&line), 0, &jerr);
	assert_non_null(obj);
	json_array_append_new(r->traces, obj);
	buf_done(&line);
}

static void seen_init(struct seen *r)
{
	memset(r, 0, sizeof(*r));
	r->traces = json_array();
	buf_init(&r->refusal, 0);
	buf_init(&r->thinking, 0);
}

static void seen_done(struct seen *r)
{
	json_decref(r->traces);
	buf_done(&r->refusal);
	buf_done(&r->thinking);
}

static int decode(enum wire_format f, const char *body, size_t len, bool fast, struct seen *r)
{
	seen_init(r);
	struct wire_decoder *d = wire_decoder_new(f, NULL, collect, r);
	assert_non_null(d);
	wire_decoder_set_fast(d, fast);
	wire_decoder_feed(d, body, len);
	int rc = wire_decoder_finish(d);
	wire_decoder_free(d);
	return rc;
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* The format a fixture's name implies (as test_decoder reads it). */
static enum wire_format format_of(const char *name)
{
	if (starts_with(name, "openai_responses_"))
		return WIRE_OPENAI_RESPONSES;
	if (starts_with(name, "openai_"))
		return WIRE_OPENAI;
	if (starts_with(name, "anthropic_"))
		return WIRE_ANTHROPIC;
	if (starts_with(name, "gemini_"))
		return ends_with(name, ".json") ? WIRE_GEMINI_JSON : WIRE_GEMINI;
	return WIRE_OLLAMA;
}

static void assert_traces(const char *name, const char *how, json_t *want, json_t *got)
{
	if (json_equal(want, got))
		return;
	char *g = json_dumps(got, JSON_COMPACT);
	char *w = json_dumps(want, JSON_COMPACT);
	print_error("%s (%s): traces\n  got  %s\n  want %s\n", name, how, g, w);
	free(g);
	free(w);
	fail();
}

/* One fixture: its traces and refusal, fast path on and off. */
static void check_fixture(const char *dir, const char *file, json_t *exp, size_t *checked)
{
	json_t *want = json_object_get(exp, "traces");
	json_t *refusal = json_object_get(exp, "refusal");
	if (want == NULL && refusal == NULL)
		return;
	char path[600];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	size_t len;
	char *body = tu_read_file(path, &len);
	for (int fast = 0; fast < 2; fast++) {
		struct seen r;
		decode(format_of(file), body, len, fast, &r);
		const char *how = fast ? "fast path on" : "fast path off";
		if (want != NULL)
			assert_traces(file, how, want, r.traces);
		if (refusal != NULL)
			assert_bytes_equal(r.refusal.data, r.refusal.len, json_string_value(refusal));
		seen_done(&r);
	}
	free(body);
	(*checked)++;
}

/* Every fixture with "traces" or "refusal" in its expected.json. */
static void test_fixture_traces(void **state)
{
	(void)state;
	DIR *d = opendir(STREAMS);
	assert_non_null(d);
	struct dirent *de;
	size_t checked = 0;
	while ((de = readdir(d)) != NULL) {
		const char *n = de->d_name;
		if (!ends_with(n, ".sse") && !ends_with(n, ".ndjson") &&
		    !(ends_with(n, ".json") && !ends_with(n, ".expected.json")))
			continue;
		char exp_path[600];
		const char *dot = strrchr(n, '.');
		snprintf(exp_path, sizeof(exp_path), "%s/%.*s.expected.json", STREAMS, (int)(dot - n), n);
		json_error_t jerr;
		json_t *exp = json_load_file(exp_path, 0, &jerr);
		if (exp == NULL)
			continue;
		check_fixture(STREAMS, n, exp, &checked);
		json_decref(exp);
	}
	closedir(d);
	assert_true(checked >= 14); /* the OpenAI ones of issue 19, at least */
}

static const char *ITEM_FUTURE =
    "event: response.output_item.done\n"
    "data: {\"type\":\"response.output_item.done\",\"output_index\":0,\"item\":{\"id\":\"ts_1\","
    "\"type\":\"tool_search_call\",\"status\":\"failed\"}}\n\n"
    "event: response.output_item.done\n"
    "data: {\"type\":\"response.output_item.done\",\"output_index\":1,\"item\":{\"id\":\"fc_1\","
    "\"type\":\"function_call\",\"call_id\":\"call_1\",\"name\":\"f\",\"arguments\":\"{}\"}}\n\n"
    "event: response.output_item.done\n"
    "data: {\"type\":\"response.output_item.done\",\"output_index\":2,\"item\":{\"id\":\"ig_1\","
    "\"type\":\"image_generation_call\",\"status\":\"completed\",\"result\":\"iVBORw0KGgo=\"}}\n\n"
    "event: response.output_item.done\n"
    "data: {\"type\":\"response.output_item.done\",\"output_index\":3,\"item\":{\"id\":\"mcp_1\","
    "\"type\":\"mcp_call\",\"status\":\"completed\",\"server_label\":\"\",\"name\":\"\"}}\n\n"
    "event: response.completed\n"
    "data: {\"type\":\"response.completed\",\"response\":{\"status\":\"completed\"}}\n\n";

/* A "*_call" item not known today shows under its own name (never ""),
 * failed; a function call is no trace; an image without output_format is a
 * PNG; an MCP call naming neither server nor tool is "mcp". */
static void test_responses_item_edges(void **state)
{
	(void)state;
	struct seen r;
	assert_int_equal(decode(WIRE_OPENAI_RESPONSES, ITEM_FUTURE, strlen(ITEM_FUTURE), true, &r), 0);
	json_error_t jerr;
	json_t *want = json_loads(
	    "[{\"type\":\"server_tool\",\"id\":\"ts_1\",\"name\":\"tool_search\",\"argument\":\"\","
	    "\"result\":false,\"text\":\"\"},"
	    "{\"type\":\"server_tool\",\"id\":\"ts_1\",\"name\":\"tool_search\",\"argument\":\"\","
	    "\"result\":true,\"text\":\"failed\"},"
	    "{\"type\":\"server_tool\",\"id\":\"ig_1\",\"name\":\"image_generation\",\"argument\":\"\","
	    "\"result\":false,\"text\":\"\"},"
	    "{\"type\":\"image\",\"mime\":\"image/png\",\"bytes_base64\":12},"
	    "{\"type\":\"server_tool\",\"id\":\"mcp_1\",\"name\":\"mcp\",\"argument\":\"\","
	    "\"result\":false,\"text\":\"\"}]",
	    0, &jerr);
	assert_non_null(want);
	assert_traces("item edges", "fast path on", want, r.traces);
	json_decref(want);
	seen_done(&r);
}

/* One chunk citing URL number i (a Chat Completions annotation). */
static void cite_chunk(struct buf *body, size_t i)
{
	buf_printf(body,
	           "data: {\"choices\":[{\"index\":0,\"delta\":{\"annotations\":[{\"type\":"
	           "\"url_citation\",\"url_citation\":{\"url\":\"https://example.com/%zu\","
	           "\"title\":\"t\"}}]}}]}\n\n",
	           i);
}

/* A stream citing more distinct URLs than WIRE_CITES_MAX gives the first
 * WIRE_CITES_MAX, each once however often repeated. */
static void test_citations_capped_and_once(void **state)
{
	(void)state;
	struct buf body;
	buf_init(&body, 0);
	for (size_t i = 0; i < WIRE_CITES_MAX + 50; i++) {
		cite_chunk(&body, i);
		cite_chunk(&body, 0);
	}
	buf_printf(&body, "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}"
	                  "\n\ndata: [DONE]\n\n");
	for (int fast = 0; fast < 2; fast++) {
		struct seen r;
		assert_int_equal(decode(WIRE_OPENAI, body.data, body.len, fast, &r), 0);
		assert_int_equal(json_array_size(r.traces), WIRE_CITES_MAX);
		json_t *last = json_array_get(r.traces, WIRE_CITES_MAX - 1);
		char want[64];
		snprintf(want, sizeof(want), "https://example.com/%d", WIRE_CITES_MAX - 1);
		assert_string_equal(json_string_value(json_object_get(last, "url")), want);
		seen_done(&r);
	}
	buf_done(&body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fixture_traces),
	    cmocka_unit_test(test_responses_item_edges),
	    cmocka_unit_test(test_citations_capped_and_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
