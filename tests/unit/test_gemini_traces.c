/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_gemini_traces: what Gemini and Vertex send beside the text (issue
 * 19): code the provider ran, cited sources, images (one multi-megabyte
 * frame), a thought signature beside the stop, function-call arguments
 * streamed in pieces; and the frame cap that lets an image through but not
 * a hostile line. The fixtures' expected.json keys are those ours_gemini.py
 * documents; test_decoder checks the rest of each fixture. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <jansson.h>

#include "util/buf.h"
#include "wire/decoder.h"

#define STREAMS FIXTURES "/streams"

/* What one decode produced, in the shapes of expected.json. */
struct got {
	struct buf text, thinking;
	json_t *server_tools, *citations, *images, *tools, *order;
	long long usage_thinking;
	char *stop;
	size_t nerrors;
	enum wire_error_kind err_kind;
	char err_message[256];
	size_t image_len; /* the last image's base64 length */
};

static void got_init(struct got *g)
{
	memset(g, 0, sizeof(*g));
	buf_init(&g->text, 0);
	buf_init(&g->thinking, 0);
	g->server_tools = json_array();
	g->citations = json_array();
	g->images = json_array();
	g->tools = json_array();
	g->order = json_array();
	g->usage_thinking = -1;
}

static void got_done(struct got *g)
{
	buf_done(&g->text);
	buf_done(&g->thinking);
	json_decref(g->server_tools);
	json_decref(g->citations);
	json_decref(g->images);
	json_decref(g->tools);
	json_decref(g->order);
	free(g->stop);
}

/* A run of one kind is one entry; usage is left out. */
static void note_kind(struct got *g, const char *kind)
{
	size_t n = json_array_size(g->order);
	json_t *last = n ? json_array_get(g->order, n - 1) : NULL;
	if (last == NULL || strcmp(json_string_value(last), kind) != 0)
		json_array_append_new(g->order, json_string(kind));
}

static void collect(void *ctx, const struct wire_event *ev)
{
	struct got *g = ctx;
	switch (ev->type) {
	case WIRE_EV_TEXT: buf_append(&g->text, ev->text, ev->len); break;
	case WIRE_EV_THINKING: buf_append(&g->thinking, ev->text, ev->len); break;
	case WIRE_EV_SERVER_TOOL:
		json_array_append_new(g->server_tools,
		                      json_pack("{s:s, s:s, s:b, s:s#}", "name", ev->tool_name,
		                                "argument", ev->tool_args, "result", ev->result,
		                                "summary", ev->text, (int)ev->len));
		break;
	case WIRE_EV_CITATION:
		json_array_append_new(g->citations,
		                      json_pack("{s:s, s:s}", "url", ev->url, "title", ev->title));
		break;
	case WIRE_EV_IMAGE:
		g->image_len = ev->len;
		/* Big images are compared by the test itself. */
		if (ev->len < 4096)
			json_array_append_new(g->images, json_pack("{s:s, s:s#}", "mime", ev->mime,
			                                           "data", ev->text, (int)ev->len));
		break;
	case WIRE_EV_TOOL_CALL:
		json_array_append_new(g->tools, json_pack("{s:s, s:s, s:s}", "id", ev->tool_id, "name",
		                                          ev->tool_name, "arguments", ev->tool_args));
		break;
	case WIRE_EV_USAGE: g->usage_thinking = ev->usage.thinking; break;
	case WIRE_EV_STOP:
		free(g->stop);
		g->stop = strdup(ev->reason);
		break;
	case WIRE_EV_ERROR:
		g->nerrors++;
		g->err_kind = ev->error->kind;
		snprintf(g->err_message, sizeof(g->err_message), "%s", ev->error->message);
		break;
	default: break;
	}
	if (ev->type != WIRE_EV_USAGE)
		note_kind(g, wire_event_type_name(ev->type));
}

/* Decodes body fed in pieces of step bytes (0: whole). Returns finish's rc. */
static int decode(enum wire_format f, const struct wire_limits *lim, const char *body,
                  size_t len, size_t step, struct got *g)
{
	got_init(g);
	struct wire_decoder *d = wire_decoder_new(f, lim, collect, g);
	assert_non_null(d);
	if (step == 0)
		step = len ? len : 1;
	for (size_t at = 0; at < len; at += step)
		wire_decoder_feed(d, body + at, len - at < step ? len - at : step);
	int rc = wire_decoder_finish(d);
	wire_decoder_free(d);
	return rc;
}

static void assert_json_equal(const char *what, json_t *got, json_t *want)
{
	if (json_equal(got, want))
		return;
	char *a = json_dumps(got, JSON_COMPACT | JSON_ENCODE_ANY);
	char *b = json_dumps(want, JSON_COMPACT | JSON_ENCODE_ANY);
	print_error("%s\n  got  %s\n  want %s\n", what, a, b);
	free(a);
	free(b);
	fail();
}

/* Every key of expected.json that this suite owns, against g. */
static void check_traces(const char *name, json_t *exp, struct got *g)
{
	static const char *const keys[] = {"server_tools", "citations", "images", "tool_calls"};
	json_t *mine[] = {g->server_tools, g->citations, g->images, g->tools};
	char what[256];
	json_t *none = json_array(); /* a key the fixture leaves out: nothing expected */
	for (size_t k = 0; k < 4; k++) {
		json_t *want = json_object_get(exp, keys[k]);
		snprintf(what, sizeof(what), "%s: %s", name, keys[k]);
		assert_json_equal(what, mine[k], want ? want : none);
	}
	json_decref(none);
	json_t *order = json_object_get(exp, "order");
	if (order != NULL) {
		snprintf(what, sizeof(what), "%s: order", name);
		assert_json_equal(what, g->order, order);
	}
	json_t *thinking = json_object_get(exp, "usage_thinking");
	if (thinking != NULL)
		assert_int_equal(g->usage_thinking, json_integer_value(thinking));
	assert_int_equal(g->nerrors, 0);
}

static void run_fixture(const char *name, enum wire_format f, const char *ext)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s.expected.json", STREAMS, name);
	json_error_t jerr;
	json_t *exp = json_load_file(path, 0, &jerr);
	assert_non_null(exp);
	snprintf(path, sizeof(path), "%s/%s%s", STREAMS, name, ext);
	size_t len;
	char *body = tu_read_file(path, &len);
	/* Whole, and in pieces that cut every frame somewhere. */
	static const size_t steps[] = {0, 1, 7, 64};
	for (size_t i = 0; i < sizeof(steps) / sizeof(*steps); i++) {
		struct got g;
		assert_int_equal(decode(f, NULL, body, len, steps[i], &g), 0);
		check_traces(name, exp, &g);
		assert_bytes_equal(g.text.data ? g.text.data : "", g.text.len,
		                   json_string_value(json_object_get(exp, "text")));
		got_done(&g);
	}
	free(body);
	json_decref(exp);
}

static void test_code_execution_fixture(void **state)
{
	(void)state;
	run_fixture("gemini_code_execution", WIRE_GEMINI, ".sse");
}

static void test_grounding_fixture_cites_each_url_once(void **state)
{
	(void)state;
	run_fixture("gemini_grounding", WIRE_GEMINI, ".sse");
}

static void test_vertex_retrieval_fixture(void **state)
{
	(void)state;
	run_fixture("gemini_vertex_retrieval", WIRE_GEMINI_JSON, ".json");
}

static void test_image_fixture(void **state)
{
	(void)state;
	run_fixture("gemini_image", WIRE_GEMINI, ".sse");
}

static void test_signature_beside_stop_fixture(void **state)
{
	(void)state;
	run_fixture("gemini_signature_stop", WIRE_GEMINI, ".sse");
}

static void test_vertex_partial_args_fixture(void **state)
{
	(void)state;
	run_fixture("gemini_vertex_partial_args", WIRE_GEMINI, ".sse");
}

/* One SSE event per chunk, as Gemini frames them. */
static void sse_event(struct buf *b, const char *json)
{
	buf_printf(b, "data: %s\r\n\r\n", json);
}

static void test_code_result_outcomes_in_words(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 0);
	sse_event(&b, "{\"candidates\":[{\"content\":{\"parts\":[{\"codeExecutionResult\":{\"outcome\":"
	              "\"OUTCOME_FAILED\",\"output\":\"\\nTraceback (most recent call last):\\n  "
	              "File x\\nZeroDivisionError\"}}]}}]}");
	sse_event(&b, "{\"candidates\":[{\"content\":{\"parts\":[{\"codeExecutionResult\":{\"outcome\":"
	              "\"OUTCOME_DEADLINE_EXCEEDED\"}}]}}]}");
	sse_event(&b, "{\"candidates\":[{\"content\":{\"parts\":[{\"codeExecutionResult\":{\"outcome\":"
	              "\"OUTCOME_SOMETHING_NEW\",\"output\":\"fine\\r\\nmore\"}}]},"
	              "\"finishReason\":\"STOP\"}]}");
	struct got g;
	assert_int_equal(decode(WIRE_GEMINI, NULL, b.data, b.len, 0, &g), 0);
	json_t *want = json_loads(
	    "[{\"name\":\"code_execution\",\"argument\":\"\",\"result\":true,"
	    "\"summary\":\"failed: Traceback (most recent call last):\"},"
	    "{\"name\":\"code_execution\",\"argument\":\"\",\"result\":true,"
	    "\"summary\":\"deadline exceeded\"},"
	    "{\"name\":\"code_execution\",\"argument\":\"\",\"result\":true,"
	    "\"summary\":\"OUTCOME_SOMETHING_NEW: fine\"}]",
	    0, NULL);
	assert_json_equal("outcomes", g.server_tools, want);
	json_decref(want);
	got_done(&g);
	buf_done(&b);
}

/* Paths beyond the fixture's: nested members and indexes, a quoted member,
 * one we do not read (dropped), a second call begun while the first was
 * open, and a call still open when the reply stops. */
static void test_partial_args_paths_and_calls(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 0);
	const char *pre = "{\"candidates\":[{\"content\":{\"parts\":[{\"functionCall\":";
	buf_printf(&b, "data: %s{\"name\":\"save\",\"id\":\"c1\",\"willContinue\":true}}]}}]}\n\n", pre);
	buf_printf(&b, "data: %s{\"partialArgs\":[{\"jsonPath\":\"$.recipe.items[0].name\","
	               "\"stringValue\":\"San \",\"willContinue\":true}],\"willContinue\":true}}]}}]}\n\n",
	           pre);
	buf_printf(&b, "data: %s{\"partialArgs\":[{\"jsonPath\":\"$.recipe.items[0].name\","
	               "\"stringValue\":\"Marzano\"},{\"jsonPath\":\"$.recipe.items[1]\",\"nullValue\":"
	               "\"NULL_VALUE\"},{\"jsonPath\":\"$['odd key']\",\"numberValue\":2.5},"
	               "{\"jsonPath\":\"$..bad\",\"stringValue\":\"x\"},{\"jsonPath\":\"nope\","
	               "\"boolValue\":false}],\"willContinue\":true}}]}}]}\n\n",
	           pre);
	/* A different name: the first call is complete. */
	buf_printf(&b, "data: %s{\"name\":\"load\",\"args\":{\"k\":1},\"willContinue\":true}}]}}]}\n\n",
	           pre);
	buf_printf(&b, "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"\"}]},"
	               "\"finishReason\":\"STOP\"}]}\n\n");
	struct got g;
	assert_int_equal(decode(WIRE_GEMINI, NULL, b.data, b.len, 0, &g), 0);
	json_t *want = json_loads(
	    "[{\"id\":\"c1\",\"name\":\"save\",\"arguments\":"
	    "\"{\\\"recipe\\\":{\\\"items\\\":[{\\\"name\\\":\\\"San Marzano\\\"},null]},"
	    "\\\"odd key\\\":2.5}\"},"
	    "{\"id\":\"\",\"name\":\"load\",\"arguments\":\"{\\\"k\\\":1}\"}]",
	    0, NULL);
	assert_non_null(want);
	assert_json_equal("calls", g.tools, want);
	assert_string_equal(g.stop, "STOP");
	json_t *order = json_loads("[\"tool_call\",\"stop\"]", 0, NULL);
	assert_json_equal("order", g.order, order);
	json_decref(order);
	json_decref(want);
	got_done(&g);
	buf_done(&b);
}

/* A whole functionCall (the Gemini API's) is still one call at once. */
static void test_whole_function_call_unchanged(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 0);
	sse_event(&b, "{\"candidates\":[{\"content\":{\"parts\":[{\"functionCall\":{\"name\":\"f\","
	              "\"args\":{\"a\":[1,2]}}},{\"functionCall\":{\"name\":\"g\",\"args\":{}}}]},"
	              "\"finishReason\":\"STOP\"}]}");
	struct got g;
	assert_int_equal(decode(WIRE_GEMINI, NULL, b.data, b.len, 0, &g), 0);
	assert_int_equal(json_array_size(g.tools), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(g.tools, 0), "arguments")),
	                    "{\"a\":[1,2]}");
	got_done(&g);
	buf_done(&b);
}

/* base64 of n pseudo-random bytes' worth: n*4/3 characters of the alphabet. */
static void fill_base64(struct buf *b, size_t chars)
{
	static const char alpha[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	uint32_t x = 2463534242u;
	for (size_t i = 0; i < chars; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf_append_char(b, alpha[x & 63]);
	}
}

#define BIG_IMAGE ((size_t)5 << 20)

/* A 5 MiB base64 image in one event, fed in 16 KiB pieces, through the SSE
 * and the JSON-array framings: the text before and after, the image whole,
 * the stop. */
static void test_five_mib_image_frame_passes(void **state)
{
	(void)state;
	struct buf img;
	buf_init(&img, 0);
	fill_base64(&img, BIG_IMAGE);
	const char *before = "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Here it is: \"}]}}]}";
	const char *after = "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\" Enjoy.\"}]},"
	                    "\"finishReason\":\"STOP\"}]}";
	for (int array = 0; array < 2; array++) {
		struct buf b;
		buf_init(&b, 0);
		buf_append_str(&b, array ? "[" : "data: ");
		buf_append_str(&b, before);
		buf_append_str(&b, array ? ",\r\n" : "\r\n\r\ndata: ");
		buf_append_str(&b, "{\"candidates\":[{\"content\":{\"parts\":[{\"inlineData\":"
		                   "{\"mimeType\":\"image/png\",\"data\":\"");
		buf_append(&b, img.data, img.len);
		buf_append_str(&b, "\"}}]}}]}");
		buf_append_str(&b, array ? ",\r\n" : "\r\n\r\ndata: ");
		buf_append_str(&b, after);
		buf_append_str(&b, array ? "]" : "\r\n\r\n");

		struct got g;
		got_init(&g);
		struct wire_decoder *d =
		    wire_decoder_new(array ? WIRE_GEMINI_JSON : WIRE_GEMINI, NULL, collect, &g);
		for (size_t at = 0; at < b.len; at += 16384)
			assert_int_equal(wire_decoder_feed(d, b.data + at,
			                                   b.len - at < 16384 ? b.len - at : 16384), 0);
		assert_int_equal(wire_decoder_finish(d), 0);
		wire_decoder_free(d);
		assert_int_equal(g.nerrors, 0);
		assert_int_equal(g.image_len, BIG_IMAGE);
		assert_bytes_equal(g.text.data, g.text.len, "Here it is:  Enjoy.");
		assert_string_equal(g.stop, "STOP");
		json_t *order = json_loads("[\"text\",\"image\",\"text\",\"stop\"]", 0, NULL);
		assert_json_equal("order", g.order, order);
		json_decref(order);
		got_done(&g);
		buf_done(&b);
	}
	buf_done(&img);
}

/* Feeds a line of total bytes (head, then filler, never held whole) in 16
 * KiB pieces; returns the bytes fed when the decoder refused (0: never). */
static size_t feed_hostile(enum wire_format f, const char *head, size_t total, struct got *g)
{
	char piece[16384];
	memset(piece, 'A', sizeof(piece));
	got_init(g);
	struct wire_decoder *d = wire_decoder_new(f, NULL, collect, g);
	size_t fed = 0, refused = 0;
	size_t hl = strlen(head);
	assert_int_equal(wire_decoder_feed(d, head, hl), 0);
	fed = hl;
	while (fed < total && refused == 0) {
		size_t n = total - fed < sizeof(piece) ? total - fed : sizeof(piece);
		fed += n;
		if (wire_decoder_feed(d, piece, n) < 0)
			refused = fed;
	}
	wire_decoder_finish(d);
	wire_decoder_free(d);
	return refused;
}

/* A 40 MiB line naming an image: refused once it passes 32 MiB (it was
 * never held whole: memory stays bounded by the cap), one too_big error. A
 * line that names none is refused at 1 MiB, as before; so is one whose
 * image field comes after its first 64 KiB. */
static void test_hostile_lines_refused_at_their_caps(void **state)
{
	(void)state;
	const size_t forty = (size_t)40 << 20, piece = 16384;
	struct got g;
	size_t at = feed_hostile(WIRE_GEMINI, "data: {\"candidates\":[{\"content\":{\"parts\":"
	                                      "[{\"inlineData\":{\"data\":\"", forty, &g);
	assert_true(at > WIRE_IMAGE_FRAME_MAX_DEFAULT && at <= WIRE_IMAGE_FRAME_MAX_DEFAULT + piece);
	assert_int_equal(g.nerrors, 1);
	assert_int_equal(g.err_kind, WIRE_ERR_TOO_BIG);
	assert_non_null(strstr(g.err_message, "32768 KiB limit for an image"));
	got_done(&g);

	at = feed_hostile(WIRE_GEMINI_JSON, "[{\"b64_json\":\"", forty, &g);
	assert_true(at > WIRE_IMAGE_FRAME_MAX_DEFAULT && at <= WIRE_IMAGE_FRAME_MAX_DEFAULT + piece);
	assert_int_equal(g.nerrors, 1);
	got_done(&g);

	at = feed_hostile(WIRE_OLLAMA, "{\"message\":{\"content\":\"", forty, &g);
	assert_true(at > WIRE_FRAME_MAX_DEFAULT && at <= WIRE_FRAME_MAX_DEFAULT + piece);
	assert_non_null(strstr(g.err_message, "the 1024 KiB limit;"));
	got_done(&g);

	/* The marker past the first 64 KiB does not count. */
	struct buf head;
	buf_init(&head, 0);
	buf_append_str(&head, "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"");
	for (size_t i = 0; i < 70000; i++)
		buf_append_char(&head, 'x');
	buf_append_str(&head, "\"},{\"inlineData\":{\"data\":\"");
	at = feed_hostile(WIRE_GEMINI, head.data, forty, &g);
	assert_true(at > WIRE_FRAME_MAX_DEFAULT && at <= WIRE_FRAME_MAX_DEFAULT + piece);
	got_done(&g);
	buf_done(&head);
}

/* An image counts toward the reply cap: past it, TOO_BIG and no image. */
static void test_image_counts_toward_reply_cap(void **state)
{
	(void)state;
	struct buf img, b;
	buf_init(&img, 0);
	buf_init(&b, 0);
	fill_base64(&img, 4096);
	buf_append_str(&b, "data: {\"candidates\":[{\"content\":{\"parts\":[{\"inlineData\":"
	                   "{\"mimeType\":\"image/png\",\"data\":\"");
	buf_append(&b, img.data, img.len);
	buf_append_str(&b, "\"}}]},\"finishReason\":\"STOP\"}]}\n\n");
	struct wire_limits lim = {.reply_max = 4000};
	struct got g;
	assert_int_equal(decode(WIRE_GEMINI, &lim, b.data, b.len, 0, &g), -1);
	assert_int_equal(g.nerrors, 1);
	assert_int_equal(g.err_kind, WIRE_ERR_TOO_BIG);
	assert_int_equal(g.image_len, 0);
	got_done(&g);
	lim.reply_max = 4096;
	assert_int_equal(decode(WIRE_GEMINI, &lim, b.data, b.len, 0, &g), 0);
	assert_int_equal(g.image_len, 4096);
	got_done(&g);
	buf_done(&img);
	buf_done(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_code_execution_fixture),
		cmocka_unit_test(test_grounding_fixture_cites_each_url_once),
		cmocka_unit_test(test_vertex_retrieval_fixture),
		cmocka_unit_test(test_image_fixture),
		cmocka_unit_test(test_signature_beside_stop_fixture),
		cmocka_unit_test(test_vertex_partial_args_fixture),
		cmocka_unit_test(test_code_result_outcomes_in_words),
		cmocka_unit_test(test_partial_args_paths_and_calls),
		cmocka_unit_test(test_whole_function_call_unchanged),
		cmocka_unit_test(test_five_mib_image_frame_passes),
		cmocka_unit_test(test_hostile_lines_refused_at_their_caps),
		cmocka_unit_test(test_image_counts_toward_reply_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
