/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_anthropic_traces: issue 19's traces in Anthropic streams (the tools
 * the provider ran, cited sources, markers), as exact event sequences: the
 * fixtures' "traces" and "stop_kind" (expected.json, written from
 * Anthropic's documents), then the shapes the fixtures do not show. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <jansson.h>
#include <string.h>

#include "wire/anthropic_trace.h"
#include "util/buf.h"
#include "wire/decoder.h"

#define STREAMS FIXTURES "/streams"

/* Every event of one decode, as its --events JSON object. */
static void collect(void *ctx, const struct wire_event *ev)
{
	json_t *all = ctx;
	struct buf b;
	buf_init(&b, 0);
	assert_int_equal(wire_event_to_json(ev, &b), 0);
	json_error_t err;
	json_t *v = json_loadb(b.data, b.len, 0, &err);
	assert_non_null(v);
	json_array_append_new(all, v);
	buf_done(&b);
}

/* Decodes body whole (fast path on or off): the events, new. */
static json_t *decode(const char *body, size_t len, bool fast)
{
	json_t *all = json_array();
	struct wire_decoder *d = wire_decoder_new(WIRE_ANTHROPIC, NULL, collect, all);
	assert_non_null(d);
	wire_decoder_set_fast(d, fast);
	wire_decoder_feed(d, body, len);
	assert_int_equal(wire_decoder_finish(d), 0);
	wire_decoder_free(d);
	return all;
}

static bool is_trace(json_t *ev)
{
	const char *t = json_string_value(json_object_get(ev, "type"));
	return strcmp(t, "server_tool") == 0 || strcmp(t, "citation") == 0 ||
	       strcmp(t, "image") == 0 || strcmp(t, "marker") == 0;
}

/* The trace events of all, in order, new. */
static json_t *traces_of(json_t *all)
{
	json_t *out = json_array();
	size_t i;
	json_t *ev;
	json_array_foreach(all, i, ev)
	{
		if (is_trace(ev))
			json_array_append(out, ev);
	}
	return out;
}

static void assert_json_equal(const char *what, json_t *got, json_t *want)
{
	if (!json_equal(got, want)) {
		char *g = json_dumps(got, JSON_COMPACT);
		char *w = json_dumps(want, JSON_COMPACT);
		print_error("%s\n  got  %s\n  want %s\n", what, g, w);
		free(g);
		free(w);
		fail();
	}
}

/* The normalised stop of the last STOP event ("end", "filter", ...). */
static const char *stop_kind(json_t *all)
{
	const char *kind = NULL;
	size_t i;
	json_t *ev;
	json_array_foreach(all, i, ev)
	{
		if (strcmp(json_string_value(json_object_get(ev, "type")), "stop") == 0)
			kind = json_string_value(json_object_get(ev, "stop"));
	}
	return kind;
}

static const char *const fixtures[] = {
	"anthropic_web_search",     "anthropic_code_execution",     "anthropic_web_fetch",
	"anthropic_mcp",            "anthropic_tool_search",        "anthropic_document_citations",
	"anthropic_redacted_thinking", "anthropic_pause_turn",      "anthropic_refusal",
	"anthropic_context_exceeded",
};

/* Each fixture, fast path on and off: its traces exactly as expected.json
 * lists them, and its normalised stop. */
static void test_fixture_traces_are_exactly_the_expected_ones(void **state)
{
	(void)state;
	for (size_t k = 0; k < sizeof(fixtures) / sizeof(*fixtures); k++) {
		char path[256];
		snprintf(path, sizeof(path), "%s/%s.sse", STREAMS, fixtures[k]);
		size_t len;
		char *body = tu_read_file(path, &len);
		snprintf(path, sizeof(path), "%s/%s.expected.json", STREAMS, fixtures[k]);
		json_error_t err;
		json_t *exp = json_load_file(path, 0, &err);
		assert_non_null(exp);
		for (int fast = 0; fast <= 1; fast++) {
			json_t *all = decode(body, len, fast);
			json_t *traces = traces_of(all);
			char what[300];
			snprintf(what, sizeof(what), "%s traces (fast path %s)", fixtures[k],
			         fast ? "on" : "off");
			assert_json_equal(what, traces, json_object_get(exp, "traces"));
			assert_string_equal(stop_kind(all),
			                    json_string_value(json_object_get(exp, "stop_kind")));
			json_decref(traces);
			json_decref(all);
		}
		json_decref(exp);
		free(body);
	}
}

/* ---- shapes the fixtures do not show ------------------------------------ */

#define EV(name, json) "event: " name "\ndata: " json "\n\n"
#define START EV("message_start", "{\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":5}}}")
#define BLOCK(i, b) EV("content_block_start", "{\"type\":\"content_block_start\",\"index\":" i ",\"content_block\":" b "}")
#define DELTA(i, d) EV("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":" i ",\"delta\":" d "}")
#define BSTOP(i) EV("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":" i "}")
#define MDELTA(reason) EV("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":" reason "},\"usage\":{\"output_tokens\":7}}")
#define MSTOP EV("message_stop", "{\"type\":\"message_stop\"}")

/* Decodes body with the fast path on and off (the same events both ways)
 * and checks them against want, a JSON array of every event. */
static void assert_events(const char *body, const char *want)
{
	json_error_t err;
	json_t *w = json_loads(want, 0, &err);
	if (w == NULL) {
		print_error("bad want: %s\n", err.text);
		fail();
	}
	for (int fast = 0; fast <= 1; fast++) {
		json_t *all = decode(body, strlen(body), fast);
		assert_json_equal(fast ? "events (fast path on)" : "events (fast path off)", all, w);
		json_decref(all);
	}
	json_decref(w);
}

#define USAGE "{\"type\":\"usage\",\"input\":5,\"output\":7,\"thinking\":null}"

/* The fast path reads text deltas; a citations_delta must go to the full
 * parse, or the source is lost. */
static void test_citation_between_text_deltas_survives_the_fast_path(void **state)
{
	(void)state;
	assert_events(START BLOCK("0", "{\"citations\":[],\"type\":\"text\",\"text\":\"\"}")
	                  DELTA("0", "{\"type\":\"text_delta\",\"text\":\"a\"}")
	                      DELTA("0", "{\"type\":\"citations_delta\",\"citation\":{\"type\":"
	                                 "\"web_search_result_location\",\"url\":\"https://x.test/a\","
	                                 "\"title\":\"A\",\"cited_text\":\"a\"}}")
	                          DELTA("0", "{\"type\":\"text_delta\",\"text\":\"b\"}") BSTOP("0")
	                              MDELTA("\"end_turn\"") MSTOP,
	              "[{\"type\":\"text\",\"text\":\"a\"},"
	              "{\"type\":\"citation\",\"url\":\"https://x.test/a\",\"title\":\"A\"},"
	              "{\"type\":\"text\",\"text\":\"b\"}," USAGE ","
	              "{\"type\":\"stop\",\"reason\":\"end_turn\",\"stop\":\"end\"}]");
}

/* A citation with no URL, no search source and no document (an older or
 * unknown shape) names nothing: no event. A block's own citations array
 * (content_block_start) counts like deltas. */
static void test_citation_without_a_target_emits_nothing(void **state)
{
	(void)state;
	assert_events(START BLOCK("0", "{\"type\":\"text\",\"text\":\"\",\"citations\":[{\"type\":"
	                               "\"char_location\",\"document_index\":3}]}")
	                  DELTA("0", "{\"type\":\"citations_delta\",\"citation\":{\"cited_text\":\"no\"}}")
	                      DELTA("0", "{\"type\":\"citations_delta\",\"citation\":{\"type\":"
	                                 "\"search_result_location\",\"source\":\"\",\"title\":\"T\"}}")
	                          BSTOP("0") MDELTA("\"end_turn\"") MSTOP,
	              "[{\"type\":\"citation\",\"url\":\"document:3\",\"title\":\"\"}," USAGE ","
	              "{\"type\":\"stop\",\"reason\":\"end_turn\",\"stop\":\"end\"}]");
}

/* A server call whose block never stopped is emitted before its result,
 * and one left open when the message stops, before the STOP; a nameless
 * call is still named; a result of an unknown tool is named from its type. */
static void test_server_calls_left_open_are_emitted_in_order(void **state)
{
	(void)state;
	assert_events(
	    START BLOCK("0", "{\"type\":\"server_tool_use\",\"id\":\"s1\",\"name\":\"web_search\"}")
	        DELTA("0", "{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"query\\\":\\\"q\\\"}\"}")
	            BLOCK("1", "{\"type\":\"web_search_tool_result\",\"tool_use_id\":\"s1\",\"content\":[]}")
	                BLOCK("2", "{\"type\":\"future_tool_result\",\"tool_use_id\":\"s9\","
	                           "\"content\":{\"type\":\"future_thing_done\"}}")
	                    BLOCK("3", "{\"type\":\"server_tool_use\",\"id\":\"s2\"}")
	                        DELTA("3", "{\"type\":\"input_json_delta\",\"partial_json\":"
	                                   "\"{\\\"depth\\\":2,\\\"deep\\\":true}\"}")
	                            MDELTA("\"pause_turn\"") MSTOP,
	    "[{\"type\":\"server_tool\",\"id\":\"s1\",\"name\":\"web_search\",\"argument\":\"q\","
	    "\"result\":false,\"text\":\"\"},"
	    "{\"type\":\"server_tool\",\"id\":\"s1\",\"name\":\"web_search\",\"argument\":\"\","
	    "\"result\":true,\"text\":\"0 results\"},"
	    "{\"type\":\"server_tool\",\"id\":\"s9\",\"name\":\"future\",\"argument\":\"\","
	    "\"result\":true,\"text\":\"thing_done\"}," USAGE ","
	    "{\"type\":\"server_tool\",\"id\":\"s2\",\"name\":\"server tool\","
	    "\"argument\":\"{\\\"depth\\\":2,\\\"deep\\\":true}\",\"result\":false,\"text\":\"\"},"
	    "{\"type\":\"marker\",\"text\":\"paused by the provider (a long-running tool); send "
	    "again to go on\"},"
	    "{\"type\":\"stop\",\"reason\":\"pause_turn\",\"stop\":\"other\"}]");
}

/* Client tool_use and a server call side by side: their input fragments
 * stay apart, and only tool_use is a TOOL_CALL. */
static void test_server_and_client_tool_inputs_stay_apart(void **state)
{
	(void)state;
	assert_events(
	    START BLOCK("0", "{\"type\":\"server_tool_use\",\"id\":\"s1\",\"name\":\"bash_code_execution\"}")
	        BLOCK("1", "{\"type\":\"tool_use\",\"id\":\"t1\",\"name\":\"get\"}")
	            DELTA("0", "{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"command\\\":\"}")
	                DELTA("1", "{\"type\":\"input_json_delta\",\"partial_json\":\"{}\"}")
	                    DELTA("0", "{\"type\":\"input_json_delta\",\"partial_json\":\"\\\"ls\\\"}\"}")
	                        BSTOP("1") BSTOP("0") MDELTA("\"tool_use\"") MSTOP,
	    "[{\"type\":\"tool_call\",\"index\":1,\"id\":\"t1\",\"name\":\"get\",\"arguments\":\"{}\"},"
	    "{\"type\":\"server_tool\",\"id\":\"s1\",\"name\":\"bash_code_execution\","
	    "\"argument\":\"ls\",\"result\":false,\"text\":\"\"}," USAGE ","
	    "{\"type\":\"stop\",\"reason\":\"tool_use\",\"stop\":\"tool\"}]");
}

/* Input that is not a JSON object is shown as it came; an MCP call with
 * no server name still names its tool; an MCP error with no text says so. */
static void test_odd_inputs_and_mcp_names(void **state)
{
	(void)state;
	assert_events(
	    START BLOCK("0", "{\"type\":\"server_tool_use\",\"id\":\"s1\",\"name\":\"web_fetch\"}")
	        DELTA("0", "{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"url\\\": \\\"htt\"}")
	            BSTOP("0") BLOCK("1", "{\"type\":\"mcp_tool_use\",\"id\":\"m1\",\"name\":\"ping\"}")
	                BSTOP("1")
	                    BLOCK("2", "{\"type\":\"mcp_tool_result\",\"tool_use_id\":\"m1\","
	                               "\"is_error\":true,\"content\":[]}")
	                        MDELTA("\"end_turn\"") MSTOP,
	    "[{\"type\":\"server_tool\",\"id\":\"s1\",\"name\":\"web_fetch\","
	    "\"argument\":\"{\\\"url\\\": \\\"htt\",\"result\":false,\"text\":\"\"},"
	    "{\"type\":\"server_tool\",\"id\":\"m1\",\"name\":\"mcp ping\",\"argument\":\"\","
	    "\"result\":false,\"text\":\"\"},"
	    "{\"type\":\"server_tool\",\"id\":\"m1\",\"name\":\"mcp ping\",\"argument\":\"\","
	    "\"result\":true,\"text\":\"error\"}," USAGE ","
	    "{\"type\":\"stop\",\"reason\":\"end_turn\",\"stop\":\"end\"}]");
}

/* A refusal without stop_details: the brief's words; max_tokens stays the
 * token limit, with no marker. */
static void test_stop_reasons_and_their_words(void **state)
{
	(void)state;
	assert_events(START MDELTA("\"refusal\"") MSTOP,
	              "[" USAGE ",{\"type\":\"marker\",\"text\":\"the model declined to answer "
	              "(refusal)\"},{\"type\":\"stop\",\"reason\":\"refusal\",\"stop\":\"filter\"}]");
	assert_events(START MDELTA("\"max_tokens\"") MSTOP,
	              "[" USAGE ",{\"type\":\"stop\",\"reason\":\"max_tokens\",\"stop\":\"length\"}]");
}

/* A long category in a character of two bytes is cut where a character
 * begins: the marker stays UTF-8 and closes its parenthesis (the fuzzer's
 * find: snprintf cut "é" in half, and the event was not JSON). */
static void test_refusal_category_cut_between_characters(void **state)
{
	(void)state;
	char cat[401];
	for (int i = 0; i < 200; i++)
		memcpy(cat + 2 * i, "\xc3\xa9", 2);
	cat[400] = '\0';
	json_t *d = json_pack("{s:{s:s}}", "stop_details", "category", cat);
	assert_non_null(d);
	char out[160];
	assert_non_null(an_trace_stop_words("refusal", d, out, sizeof(out)));
	json_t *back = json_string(out); /* NULL when out is not UTF-8 */
	assert_non_null(back);
	assert_int_equal(out[strlen(out) - 1], ')');
	json_decref(back);
	json_decref(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture_traces_are_exactly_the_expected_ones),
		cmocka_unit_test(test_refusal_category_cut_between_characters),
		cmocka_unit_test(test_citation_between_text_deltas_survives_the_fast_path),
		cmocka_unit_test(test_citation_without_a_target_emits_nothing),
		cmocka_unit_test(test_server_calls_left_open_are_emitted_in_order),
		cmocka_unit_test(test_server_and_client_tool_inputs_stay_apart),
		cmocka_unit_test(test_odd_inputs_and_mcp_names),
		cmocka_unit_test(test_stop_reasons_and_their_words),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
