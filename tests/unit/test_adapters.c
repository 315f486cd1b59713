/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_adapters: each provider's rules, on small inline streams. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <jansson.h>

#include "util/buf.h"
#include "wire/decoder.h"

#define R "\xEF\xBF\xBD" /* U+FFFD */

/* ---- harness ----------------------------------------------------------- */

/* Every event of one decode, serialised (one line each) and parsed back. */
struct run {
	struct buf events;
	json_t *evs;
	struct buf joined;
	int finish_rc;
	size_t malformed;
};

static void run_init(struct run *r)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->events, 0);
	buf_init(&r->joined, 0);
	r->evs = json_array();
}

static void run_done(struct run *r)
{
	buf_done(&r->events);
	buf_done(&r->joined);
	json_decref(r->evs);
}

static void collect(void *ctx, const struct wire_event *ev)
{
	struct run *r = ctx;
	struct buf one;
	buf_init(&one, 0);
	assert_int_equal(wire_event_to_json(ev, &one), 0);
	json_error_t jerr;
	json_t *v = json_loadb(one.data, one.len, JSON_ALLOW_NUL, &jerr);
	if (v == NULL) {
		print_error("wire_event_to_json gave invalid JSON: %s\n", buf_str(&one));
		fail();
	}
	json_array_append_new(r->evs, v);
	buf_append(&r->events, one.data, one.len);
	buf_append_char(&r->events, '\n');
	buf_done(&one);
}

/* Decodes body with the pieces the cuts make; the feed results must be 0
 * until an ERROR event, -1 after. */
static void decode_cuts(enum wire_format f, const struct wire_limits *lim, const char *body,
                        size_t len, const size_t *cuts, size_t ncuts, size_t step, struct run *r)
{
	run_init(r);
	struct wire_decoder *d = wire_decoder_new(f, lim, collect, r);
	assert_non_null(d);
	size_t at = 0;
	size_t ci = 0;
	while (at < len || (ci == 0 && len == 0)) {
		size_t end = step         ? (at + step < len ? at + step : len)
		             : ci < ncuts ? cuts[ci]
		                          : len;
		ci++;
		int rc = wire_decoder_feed(d, body + at, end - at);
		json_t *lastev = json_array_get(r->evs, json_array_size(r->evs) - 1);
		const char *type = json_string_value(json_object_get(lastev, "type"));
		bool failed = type != NULL && strcmp(type, "error") == 0;
		assert_int_equal(rc, failed ? -1 : 0);
		at = end;
		if (len == 0)
			break;
	}
	r->finish_rc = wire_decoder_finish(d);
	r->malformed = wire_decoder_malformed(d);
	wire_decoder_free(d);
}

/* Same bytes in a and b (either may be empty, its data NULL). */
static bool same_buf(const struct buf *a, const struct buf *b)
{
	return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

/* A body written one event a line: S(OAI_TEXT("a"), OAI_DONE). */
#define S(...) ((const char *const[]){__VA_ARGS__, NULL})

/* Decodes the joined parts whole, then checks that byte-by-byte and every
 * split in two give the very same events and verdict. */
static void decode_lim(enum wire_format f, const struct wire_limits *lim, const char *const *parts,
                       struct run *r)
{
	struct buf joined;
	buf_init(&joined, 0);
	for (size_t i = 0; parts[i] != NULL; i++)
		buf_append_str(&joined, parts[i]);
	const char *body = buf_str(&joined);
	size_t len = joined.len;
	decode_cuts(f, lim, body, len, NULL, 0, 0, r);
	struct run other;
	for (size_t cut = 0; cut <= len + 1; cut++) {
		if (cut <= len)
			decode_cuts(f, lim, body, len, &cut, 1, 0, &other);
		else
			decode_cuts(f, lim, body, len, NULL, 0, 1, &other);
		if (!same_buf(&other.events, &r->events) || other.finish_rc != r->finish_rc ||
		    other.malformed != r->malformed) {
			if (cut <= len)
				print_error("split at %zu of %zu differs\n", cut, len);
			else
				print_error("byte-by-byte differs\n");
			print_error("--- got (rc %d)\n%s--- whole (rc %d)\n%s", other.finish_rc,
			            buf_str(&other.events), r->finish_rc, buf_str(&r->events));
			fail();
		}
		run_done(&other);
	}
	buf_done(&joined);
}

static void decode(enum wire_format f, const char *const *parts, struct run *r)
{
	decode_lim(f, NULL, parts, r);
}

static const char *ev_type(json_t *ev)
{
	return json_string_value(json_object_get(ev, "type"));
}

static size_t count(struct run *r, const char *type)
{
	size_t n = 0, i;
	json_t *ev;
	json_array_foreach(r->evs, i, ev) n += strcmp(ev_type(ev), type) == 0;
	return n;
}

/* The n-th event of a type (from 0), failing the test if there is none. */
static json_t *nth(struct run *r, const char *type, size_t n)
{
	size_t i;
	json_t *ev;
	json_array_foreach(r->evs, i, ev)
	{
		if (strcmp(ev_type(ev), type) == 0 && n-- == 0)
			return ev;
	}
	print_error("no %s event #%zu in\n%s", type, n, buf_str(&r->events));
	fail();
	return NULL;
}

static json_t *last(struct run *r, const char *type)
{
	size_t n = count(r, type);
	if (n == 0) {
		print_error("no %s event in\n%s", type, buf_str(&r->events));
		fail();
	}
	return nth(r, type, n - 1);
}

/* Position of the n-th event of a type in the whole sequence. */
static size_t pos(struct run *r, const char *type, size_t n)
{
	size_t i;
	json_t *ev;
	json_array_foreach(r->evs, i, ev)
	{
		if (strcmp(ev_type(ev), type) == 0 && n-- == 0)
			return i;
	}
	fail();
	return 0;
}

/* The text of every event of a type, joined. */
static const char *joined(struct run *r, const char *type)
{
	buf_reset(&r->joined);
	size_t i;
	json_t *ev;
	json_array_foreach(r->evs, i, ev)
	{
		if (strcmp(ev_type(ev), type) == 0) {
			json_t *t = json_object_get(ev, "text");
			buf_append(&r->joined, json_string_value(t), json_string_length(t));
		}
	}
	return buf_str(&r->joined);
}

static const char *sfield(json_t *ev, const char *key)
{
	json_t *v = json_object_get(ev, key);
	if (!json_is_string(v)) {
		print_error("event has no string \"%s\"\n", key);
		fail();
	}
	return json_string_value(v);
}

static long long ifield(json_t *ev, const char *key)
{
	json_t *v = json_object_get(ev, key);
	return json_is_integer(v) ? json_integer_value(v) : -1;
}

#define assert_kind(ev, k) assert_string_equal(sfield((ev), "kind"), wire_error_kind_name(k))
#define assert_stop(ev, s) assert_string_equal(sfield((ev), "stop"), wire_stop_name(s))

/* The run succeeded with exactly this reply text and stop reason. */
static void assert_complete(struct run *r, const char *text, const char *reason)
{
	if (r->finish_rc != 0 || count(r, "error") != 0) {
		print_error("stream did not complete:\n%s", buf_str(&r->events));
		fail();
	}
	assert_string_equal(joined(r, "text"), text);
	assert_int_equal(count(r, "stop"), 1);
	assert_string_equal(sfield(last(r, "stop"), "reason"), reason);
}

/* The run failed with one error, the last event, after this text. */
static json_t *assert_failed(struct run *r, const char *text)
{
	assert_int_equal(r->finish_rc, -1);
	assert_int_equal(count(r, "error"), 1);
	assert_int_equal(pos(r, "error", 0), json_array_size(r->evs) - 1);
	assert_string_equal(joined(r, "text"), text);
	return last(r, "error");
}

/* ---- OpenAI Chat Completions ------------------------------------------- */

#define OAI(json) "data: " json "\n\n"
#define OAI_TEXT(s)                                                                                \
	OAI("{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" s                               \
	    "\"},\"finish_reason\":null}]}")
#define OAI_STOP(r) OAI("{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"" r "\"}]}")
#define OAI_DONE    "data: [DONE]\n\n"

static void test_openai_done_ends_the_stream_and_later_events_are_ignored(void **state)
{
	(void)state;
	struct run r;
	decode(WIRE_OPENAI,
	       S(OAI_TEXT("Hel"), OAI_TEXT("lo"), OAI_STOP("stop"), OAI_DONE, OAI_TEXT(" more"),
	         OAI_STOP("length"), OAI_DONE),
	       &r);
	assert_complete(&r, "Hello", "stop");
	assert_stop(last(&r, "stop"), WIRE_STOP_END);
	assert_int_equal(r.malformed, 0);
	run_done(&r);
}

static void test_openai_done_without_finish_reason_completes(void **state)
{
	(void)state;
	struct run r;
	decode(WIRE_OPENAI, S(OAI_TEXT("Hi"), OAI_DONE), &r);
	assert_int_equal(r.finish_rc, 0);
	assert_int_equal(count(&r, "error"), 0);
	assert_string_equal(joined(&r, "text"), "Hi");
	run_done(&r);
}

static void test_openai_finish_reason_without_done_counts_as_complete(void **state)
{
	(void)state;
	struct run r;
	decode(WIRE_OPENAI, S(OAI_TEXT("All"), OAI_TEXT(" done"), OAI_STOP("length")), &r);
	assert_complete(&r, "All done", "length");
	assert_stop(last(&r, "stop"), WIRE_STOP_LENGTH);
	run_done(&r);
}

static void test_openai_stream_cut_before_finish_is_truncated_with_text_kept(void **state)
{
	(void)state;
	struct run r;
	decode(WIRE_OPENAI,
	       S(OAI_TEXT("The answer"), OAI_TEXT(" is"),
	         "data: {\"choices\":[{\"index\":0,\"delta\":{\"con"),
	       &r);
	json_t *e = assert_failed(&r, "The answer is");
	assert_kind(e, WIRE_ERR_TRUNCATED);
	assert_int_equal(count(&r, "stop"), 0);
	run_done(&r);

	/* Cut right after a complete event: still no end marker. */
	decode(WIRE_OPENAI, S(OAI_TEXT("The answer")), &r);
	assert_kind(assert_failed(&r, "The answer"), WIRE_ERR_TRUNCATED);
	run_done(&r);
}

static void test_openai_in_stream_error_with_python_spacing(void **state)
{
	(void)state;
	struct run r;
	decode(
	    WIRE_OPENAI,
	    S(OAI_TEXT("Partial"), OAI("{\"error\": {\"message\": \"The server had an error while "
	                               "processing your request. Sorry about that!\", \"type\": "
	                               "\"server_error\", \"param\": null, \"code\": null}}")),
	    &r);
	json_t *e = assert_failed(&r, "Partial");
	assert_kind(e, WIRE_ERR_SERVER);
	assert_string_equal(sfield(e, "code"), "server_error");
	assert_string_equal(
	    sfield(e, "message"),
	    "The server had an error while processing your request. Sorry about that!");
	assert_int_equal(ifield(e, "http_status"), -1);
	assert_int_equal(count(&r, "stop"), 0);
	run_done(&r);
}

static void test_openai_error_is_checked_before_choices_in_openrouter_chunk(void **state)
{
	(void)state;
	struct run r;
	decode(WIRE_OPENAI,
	       S(": OPENROUTER PROCESSING\n\n", OAI_TEXT("Bonjour"),
	         OAI("{\"id\":\"gen-1\",\"object\":\"chat.completion.chunk\",\"error\":{\"code\":"
	             "\"server_error\",\"message\":\"Provider disconnected unexpectedly\"},"
	             "\"choices\":[{\"index\":0,\"delta\":{\"content\":\" X\"},\"finish_reason\":"
	             "\"error\"}]}")),
	       &r);
	json_t *e = assert_failed(&r, "Bonjour");
	assert_string_equal(sfield(e, "code"), "server_error");
	assert_string_equal(sfield(e, "message"), "Provider disconnected unexpectedly");
	assert_kind(e, WIRE_ERR_SERVER);
	assert_int_equal(count(&r, "stop"), 0);
	run_done(&r);
}

static void test_openai_integer_error_code_becomes_a_string(void **state)
{
	(void)state;
	struct run r;
	decode(WIRE_OPENAI,
	       S(OAI("{\"error\":{\"code\":502,\"message\":\"Provider returned error\"},"
	             "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"error\"}]}")),
	       &r);
	json_t *e = assert_failed(&r, "");
	assert_string_equal(sfield(e, "code"), "502");
	assert_string_equal(sfield(e, "message"), "Provider returned error");
	assert_kind(e, WIRE_ERR_SERVER);
	run_done(&r);

	decode(WIRE_OPENAI,
	       S(OAI("{\"error\":{\"code\":402,\"message\":\"Insufficient credits\"}}")), &r);
	e = assert_failed(&r, "");
	assert_string_equal(sfield(e, "code"), "402");
	assert_kind(e, WIRE_ERR_BILLING);
	run_done(&r);
}

static void test_openai_usage_chunk_with_empty_choices(void **state)
{
	(void)state;
	struct run r;
	decode(
	    WIRE_OPENAI,
	    S(OAI("{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"ok\"},\"finish_reason\":"
	          "null}],"
	          "\"usage\":null}"),
	      OAI_STOP("stop"),
	      OAI("{\"choices\":[],\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":7,"
	          "\"total_tokens\":18,\"completion_tokens_details\":{\"reasoning_tokens\":3}}}"),
	      OAI_DONE),
	    &r);
	assert_complete(&r, "ok", "stop");
	assert_int_equal(count(&r, "usage"), 1);
	json_t *u = last(&r, "usage");
	assert_int_equal(ifield(u, "input"), 11);
	assert_int_equal(ifield(u, "output"), 7);
	assert_int_equal(ifield(u, "thinking"), 3);
	run_done(&r);
}

static void test_openai_null_content_and_refusal_are_ignored(void **state)
{
	(void)state;
	struct run r;
	decode(
	    WIRE_OPENAI,
	    S(OAI("{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":null,"
	          "\"refusal\":null},\"finish_reason\":null}]}"),
	      OAI_TEXT(""), OAI_TEXT("fine"), OAI_STOP("stop"), OAI_DONE),
	    &r);
	assert_complete(&r, "fine", "stop");
	assert_int_equal(count(&r, "text"), 1);
	assert_int_equal(count(&r, "refusal"), 0);
	assert_int_equal(r.malformed, 0);
	run_done(&r);
}

static void test_openai_refusal_deltas_are_refusal_events_not_text(void **state)
{
	(void)state;
	struct run r;
	decode(
	    WIRE_OPENAI,
	    S(OAI("{\"choices\":[{\"index\":0,\"delta\":{\"content\":null,\"refusal\":\"I can't\"},"
	          "\"finish_reason\":null}]}"),
	      OAI("{\"choices\":[{\"index\":0,\"delta\":{\"refusal\":\" help with that.\"},"
	          "\"finish_reason\":null}]}"),
	      OAI_STOP("stop"), OAI_DONE),
	    &r);
	assert_complete(&r, "", "stop");
	assert_int_equal(count(&r, "text"), 0);
	assert_int_equal(count(&r, "refusal"), 2);
	assert_string_equal(joined(&r, "refusal"), "I can't help with that.");
	run_done(&r);
}

#define OAI_TOOL(frag)                                                                             \
	OAI("{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[" frag                          \
	    "]},\"finish_reason\":null}]}")

static void test_openai_interleaved_tool_call_fragments_join_by_index(void **state)
{
	(void)state;
	struct run r;
	/* Index 1 starts first; fragments alternate; content is null. */
	decode(
	    WIRE_OPENAI,
	    S(OAI("{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":null},"
	          "\"finish_reason\":null}]}"),
	      OAI_TOOL("{\"index\":1,\"id\":\"call_B\",\"type\":\"function\",\"function\":"
	               "{\"name\":\"get_time\",\"arguments\":\"\"}}"),
	      OAI_TOOL("{\"index\":0,\"id\":\"call_A\",\"type\":\"function\",\"function\":"
	               "{\"name\":\"get_weather\",\"arguments\":\"\"}}"),
	      OAI_TOOL("{\"index\":0,\"function\":{\"arguments\":\"{\\\"city\\\":\"}}"),
	      OAI_TOOL("{\"index\":1,\"function\":{\"arguments\":\"{\\\"tz\\\":\"}}"),
	      OAI_TOOL("{\"index\":0,\"function\":{\"arguments\":\" \\\"Z\xc3\xbcrich\\\"}\"}}"),
	      OAI_TOOL("{\"index\":1,\"function\":{\"arguments\":\" \\\"UTC\\\"}\"}}"),
	      OAI_STOP("tool_calls"), OAI_DONE),
	    &r);
	assert_complete(&r, "", "tool_calls");
	assert_stop(last(&r, "stop"), WIRE_STOP_TOOL);
	assert_int_equal(count(&r, "text"), 0);
	assert_int_equal(count(&r, "tool_call"), 2);
	json_t *a = nth(&r, "tool_call", 0), *b = nth(&r, "tool_call", 1);
	assert_int_equal(ifield(a, "index"), 0);
	assert_string_equal(sfield(a, "id"), "call_A");
	assert_string_equal(sfield(a, "name"), "get_weather");
	assert_string_equal(sfield(a, "arguments"), "{\"city\": \"Z\xc3\xbcrich\"}");
	assert_int_equal(ifield(b, "index"), 1);
	assert_string_equal(sfield(b, "id"), "call_B");
	assert_string_equal(sfield(b, "name"), "get_time");
	assert_string_equal(sfield(b, "arguments"), "{\"tz\": \"UTC\"}");
	/* The calls come before the stop that asks for them. */
	assert_true(pos(&r, "tool_call", 1) < pos(&r, "stop", 0));
	run_done(&r);
}

static void test_openai_reasoning_deltas_are_thinking(void **state)
{
	(void)state;
	struct run r;
	decode(WIRE_OPENAI,
	       S(OAI("{\"choices\":[{\"index\":0,\"delta\":{\"reasoning_content\":\"Let me \"},"
	             "\"finish_reason\":null}]}"),
	         OAI("{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\",\"reasoning\":"
	             "\"think.\"},\"finish_reason\":null}]}"),
	         OAI_TEXT("42"), OAI_STOP("stop"), OAI_DONE),
	       &r);
	assert_complete(&r, "42", "stop");
	assert_string_equal(joined(&r, "thinking"), "Let me think.");
	assert_true(pos(&r, "thinking", 1) < pos(&r, "text", 0));
	run_done(&r);
}

static void test_openai_with_several_choices_only_index_0_is_text(void **state)
{
	(void)state;
	struct run r;
	decode(WIRE_OPENAI,
	       S(OAI("{\"choices\":[{\"index\":1,\"delta\":{\"content\":\"B1\"},\"finish_reason\":"
	             "null},"
	             "{\"index\":0,\"delta\":{\"content\":\"A1\"},\"finish_reason\":null}]}"),
	         OAI("{\"choices\":[{\"index\":1,\"delta\":{\"content\":\"B2\"},\"finish_reason\":"
	             "null}]}"),
	         OAI("{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"A2\"},\"finish_reason\":"
	             "null}]}"),
	         OAI("{\"choices\":[{\"index\":1,\"delta\":{},\"finish_reason\":\"length\"}]}"),
	         OAI_STOP("stop"), OAI_DONE),
	       &r);
	assert_complete(&r, "A1A2", "stop");
	run_done(&r);
}

static void test_openai_malformed_event_is_counted_and_skipped(void **state)
{
	(void)state;
	struct run r;
	decode(WIRE_OPENAI,
	       S(OAI_TEXT("one"), "data: {\"choices\":[{\"index\":0,\"delta\":\n\n",
	         OAI("not json"), OAI_TEXT(" two"), OAI_STOP("stop"), OAI_DONE),
	       &r);
	assert_complete(&r, "one two", "stop");
	assert_int_equal(r.malformed, 2);
	run_done(&r);
}

static void test_openai_done_variants_end_the_stream(void **state)
{
	(void)state;
	static const char *const dones[] = {
	    "data: [DONE]\n\n", "data:[DONE]\n\n",   "data: [DONE]\r\n\r\n",
	    "data: [DONE]\r\r", "data: [DONE] \n\n",
	};
	for (size_t i = 0; i < sizeof(dones) / sizeof(*dones); i++) {
		char body[512];
		snprintf(body, sizeof(body), "%s%s%s", OAI_TEXT("x"), dones[i],
		         OAI_TEXT("ignored"));
		struct run r;
		decode(WIRE_OPENAI, S(body), &r);
		if (r.finish_rc != 0 || strcmp(joined(&r, "text"), "x") != 0) {
			print_error("[DONE] variant %zu not understood:\n%s", i,
			            buf_str(&r.events));
			fail();
		}
		assert_int_equal(r.malformed, 0);
		run_done(&r);
	}
}

static void test_openai_json_over_two_crlf_data_lines_is_one_event(void **state)
{
	(void)state;
	struct run r;
	/* The data lines join with LF, which is JSON whitespace. A CRLF split
	 * between reads must not end the event early. */
	decode(
	    WIRE_OPENAI,
	    S("data: {\"choices\":[{\"index\":0,\r\ndata: \"delta\":{\"content\":\"x\"}}]}\r\n\r\n",
	      "data: {\"choices\":[{\"index\":0,\"delta\":{},\r\ndata: "
	      "\"finish_reason\":\"stop\"}]}\r\n\r\n",
	      "data: [DONE]\r\n\r\n"),
	    &r);
	assert_complete(&r, "x", "stop");
	assert_int_equal(r.malformed, 0);
	run_done(&r);
}

static void test_openai_vllm_flat_error_object(void **state)
{
	(void)state;
	struct run r;
	decode(WIRE_OPENAI,
	       S(OAI_TEXT("Partial"),
	         OAI("{\"object\":\"error\",\"message\":\"CUDA out of memory\","
	             "\"type\":\"InternalServerError\",\"param\":null,\"code\":500}"),
	         OAI_DONE),
	       &r);
	json_t *e = assert_failed(&r, "Partial");
	assert_string_equal(sfield(e, "code"), "InternalServerError");
	assert_string_equal(sfield(e, "message"), "CUDA out of memory");
	assert_kind(e, WIRE_ERR_SERVER);
	run_done(&r);
}

static void test_openai_nul_escape_in_text_is_kept_with_its_length(void **state)
{
	(void)state;
	struct run r;
	decode(WIRE_OPENAI, S(OAI_TEXT("a\\u0000b"), OAI_STOP("stop"), OAI_DONE), &r);
	assert_int_equal(r.finish_rc, 0);
	json_t *t = nth(&r, "text", 0);
	assert_int_equal(json_string_length(json_object_get(t, "text")), 3);
	assert_memory_equal(json_string_value(json_object_get(t, "text")), "a\0b", 3);
	run_done(&r);
}

/* ---- OpenAI Responses -------------------------------------------------- */

#define RSP(type, json) "event: " type "\ndata: {\"type\":\"" type "\"" json "}\n\n"

static void test_responses_text_reasoning_and_completed(void **state)
{
	(void)state;
	struct run r;
	decode(WIRE_OPENAI_RESPONSES,
	       S(RSP("response.created", ",\"response\":{\"status\":\"in_progress\"}"),
	         RSP("response.reasoning_summary_text.delta", ",\"delta\":\"Hmm.\""),
	         RSP("response.output_text.delta", ",\"delta\":\"Hi\",\"obfuscation\":\"x\""),
	         RSP("response.future.thing", ",\"delta\":\"no\""),
	         RSP("response.completed", ",\"response\":{\"status\":\"completed\",\"usage\":"
	                                   "{\"input_tokens\":3,\"output_tokens\":9,"
	                                   "\"output_tokens_details\":{\"reasoning_tokens\":4}}}")),
	       &r);
	assert_complete(&r, "Hi", "completed");
	assert_string_equal(joined(&r, "thinking"), "Hmm.");
	assert_int_equal(ifield(last(&r, "usage"), "input"), 3);
	assert_int_equal(ifield(last(&r, "usage"), "output"), 9);
	assert_int_equal(ifield(last(&r, "usage"), "thinking"), 4);
	run_done(&r);
}

static void test_responses_incomplete_for_max_output_tokens_is_length(void **state)
{
	(void)state;
	struct run r;
	decode(WIRE_OPENAI_RESPONSES,
	       S(RSP("response.output_text.delta", ",\"delta\":\"Long\""),
	         RSP("response.incomplete",
	             ",\"response\":{\"status\":\"incomplete\","
	             "\"incomplete_details\":{\"reason\":\"max_output_tokens\"}}")),
	       &r);
	assert_complete(&r, "Long", "incomplete");
	assert_stop(last(&r, "stop"), WIRE_STOP_LENGTH);
	run_done(&r);
}

static void test_responses_failed_response_reports_its_error(void **state)
{
	(void)state;
	struct run r;
	decode(
	    WIRE_OPENAI_RESPONSES,
	    S(RSP("response.output_text.delta", ",\"delta\":\"Par\""),
	      RSP("response.failed", ",\"response\":{\"status\":\"failed\",\"error\":"
	                             "{\"code\":\"rate_limit_exceeded\",\"message\":\"Slow down; "
	                             "try again in 2s.\"}}")),
	    &r);
	json_t *e = assert_failed(&r, "Par");
	assert_string_equal(sfield(e, "code"), "rate_limit_exceeded");
	assert_string_equal(sfield(e, "message"), "Slow down; try again in 2s.");
	assert_kind(e, WIRE_ERR_RATE_LIMIT);
	assert_int_equal(ifield(e, "retry_after_ms"), 2000);
	run_done(&r);
}

static void test_responses_flat_error_event(void **state)
{
	(void)state;
	struct run r;
	decode(WIRE_OPENAI_RESPONSES,
	       S(RSP("response.output_text.delta", ",\"delta\":\"Hal\""),
	         RSP("error", ",\"code\":\"server_error\",\"message\":\"The server had an error.\","
	                      "\"param\":null")),
	       &r);
	json_t *e = assert_failed(&r, "Hal");
	assert_string_equal(sfield(e, "code"), "server_error");
	assert_kind(e, WIRE_ERR_SERVER);
	run_done(&r);
}

/* ---- Anthropic --------------------------------------------------------- */

#define AN(type, json) "event: " type "\ndata: {\"type\":\"" type "\"" json "}\n\n"
#define AN_PING        AN("ping", "")
#define AN_START(in)                                                                               \
	AN("message_start", ",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":"        \
	                    "\"assistant\",\"content\":[],\"usage\":{\"input_tokens\":" in         \
	                    ",\"output_tokens\":1}}")
#define AN_BLOCK(i, block) AN("content_block_start", ",\"index\":" i ",\"content_block\":" block)
#define AN_DELTA(i, delta) AN("content_block_delta", ",\"index\":" i ",\"delta\":" delta)
#define AN_TEXT(i, s)      AN_DELTA(i, "{\"type\":\"text_delta\",\"text\":\"" s "\"}")
#define AN_BSTOP(i)        AN("content_block_stop", ",\"index\":" i)
#define AN_MDELTA(reason, usage)                                                                   \
	AN("message_delta", ",\"delta\":{\"stop_reason\":\"" reason "\",\"stop_sequence\":null},"  \
	                    "\"usage\":" usage)
#define AN_STOP AN("message_stop", "")

static void test_anthropic_ping_anywhere_is_ignored(void **state)
{
	(void)state;
	struct run r;
	decode(WIRE_ANTHROPIC,
	       S(AN_PING, AN_START("10"), AN_PING,
	         AN_BLOCK("0", "{\"type\":\"text\",\"text\":\"\"}"), AN_PING, AN_TEXT("0", "Hi"),
	         AN_PING, AN_TEXT("0", " there"), AN_PING, AN_BSTOP("0"),
	         AN_MDELTA("end_turn", "{\"output_tokens\":5}"), AN_PING, AN_STOP, AN_PING),
	       &r);
	assert_complete(&r, "Hi there", "end_turn");
	assert_int_equal(json_array_size(r.evs), 4); /* text, text, usage, stop */
	assert_int_equal(r.malformed, 0);
	run_done(&r);
}

static void test_anthropic_thinking_signature_text_and_tool_input(void **state)
{
	(void)state;
	struct run r;
	decode(
	    WIRE_ANTHROPIC,
	    S(AN_START("20"),
	      AN_BLOCK("0", "{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"}"),
	      AN_DELTA("0", "{\"type\":\"thinking_delta\",\"thinking\":\"Weather, \"}"),
	      AN_DELTA("0", "{\"type\":\"thinking_delta\",\"thinking\":\"so a tool.\"}"),
	      AN_DELTA("0",
	               "{\"type\":\"signature_delta\",\"signature\":\"EqQBCgIYAhIM1gbcDa9G\"}"),
	      AN_BSTOP("0"), AN_BLOCK("1", "{\"type\":\"text\",\"text\":\"\"}"),
	      AN_TEXT("1", "Checking."), AN_BSTOP("1"),
	      AN_BLOCK("2", "{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"get_weather\","
	                    "\"input\":{}}"),
	      AN_DELTA("2", "{\"type\":\"input_json_delta\",\"partial_json\":\"\"}"),
	      AN_DELTA("2", "{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"city\\\": \"}"),
	      AN_DELTA("2", "{\"type\":\"input_json_delta\",\"partial_json\":\"\\\"Paris\\\"}\"}"),
	      AN_BSTOP("2"), AN_BLOCK("3", "{\"type\":\"text\",\"text\":\"\"}"),
	      AN_TEXT("3", " More."), AN_BSTOP("3"),
	      AN_MDELTA("tool_use", "{\"output_tokens\":40}"), AN_STOP),
	    &r);
	assert_complete(&r, "Checking. More.", "tool_use");
	assert_stop(last(&r, "stop"), WIRE_STOP_TOOL);
	assert_string_equal(joined(&r, "thinking"), "Weather, so a tool.");
	assert_null(strstr(buf_str(&r.events), "EqQBCgIYAhIM1gbcDa9G"));
	assert_int_equal(count(&r, "tool_call"), 1);
	json_t *t = last(&r, "tool_call");
	assert_string_equal(sfield(t, "id"), "toolu_1");
	assert_string_equal(sfield(t, "name"), "get_weather");
	assert_string_equal(sfield(t, "arguments"), "{\"city\": \"Paris\"}");
	/* Emitted at its content_block_stop: before the text of the next block. */
	assert_true(pos(&r, "tool_call", 0) < pos(&r, "text", 1));
	run_done(&r);
}

static void test_anthropic_usage_input_comes_from_message_start_when_missing(void **state)
{
	(void)state;
	struct run r;
	decode(WIRE_ANTHROPIC,
	       S(AN_START("25"), AN_BLOCK("0", "{\"type\":\"text\",\"text\":\"\"}"),
	         AN_TEXT("0", "x"), AN_BSTOP("0"), AN_MDELTA("max_tokens", "{\"output_tokens\":9}"),
	         AN_STOP),
	       &r);
	assert_complete(&r, "x", "max_tokens");
	assert_stop(last(&r, "stop"), WIRE_STOP_LENGTH);
	assert_int_equal(ifield(last(&r, "usage"), "input"), 25);
	assert_int_equal(ifield(last(&r, "usage"), "output"), 9);
	run_done(&r);

	/* message_delta's own input_tokens wins. */
	decode(WIRE_ANTHROPIC,
	       S(AN_START("25"), AN_MDELTA("end_turn", "{\"input_tokens\":31,\"output_tokens\":2}"),
	         AN_STOP),
	       &r);
	assert_int_equal(ifield(last(&r, "usage"), "input"), 31);
	assert_int_equal(ifield(last(&r, "usage"), "output"), 2);
	run_done(&r);

	/* No message_delta: no usage at all. */
	decode(WIRE_ANTHROPIC, S(AN_START("25"), AN_STOP), &r);
	assert_int_equal(count(&r, "usage"), 0);
	run_done(&r);
}

static void test_anthropic_overloaded_error_event_keeps_partial_text(void **state)
{
	(void)state;
	struct run r;
	decode(WIRE_ANTHROPIC,
	       S(AN_START("8"), AN_BLOCK("0", "{\"type\":\"text\",\"text\":\"\"}"),
	         AN_TEXT("0", "Borrowing lets "), AN_TEXT("0", "you"),
	         AN("error", ",\"error\":{\"details\":null,\"type\":"
	                     "\"overloaded_error\",\"message\":\"Overloaded\"},"
	                     "\"request_id\":\"req_1\"")),
	       &r);
	json_t *e = assert_failed(&r, "Borrowing lets you");
	assert_kind(e, WIRE_ERR_OVERLOADED);
	assert_string_equal(sfield(e, "code"), "overloaded_error");
	assert_string_equal(sfield(e, "message"), "Overloaded");
	assert_int_equal(count(&r, "stop"), 0);
	assert_int_equal(count(&r, "usage"), 0);
	run_done(&r);
}

static void test_anthropic_error_event_without_data_type_keeps_its_error_type(void **state)
{
	(void)state;
	struct run r;
	decode(WIRE_ANTHROPIC,
	       S(AN_START("8"), AN_TEXT("0", "Part"),
	         "event: error\ndata: {\"error\":{\"type\":"
	         "\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n"),
	       &r);
	json_t *e = assert_failed(&r, "Part");
	assert_kind(e, WIRE_ERR_OVERLOADED);
	assert_string_equal(sfield(e, "code"), "overloaded_error");
	assert_string_equal(sfield(e, "message"), "Overloaded");
	run_done(&r);
}

static void test_anthropic_unknown_event_and_delta_types_are_ignored(void **state)
{
	(void)state;
	struct run r;
	decode(
	    WIRE_ANTHROPIC,
	    S(AN_START("1"), AN("message_future", ",\"text\":\"no\""),
	      AN_BLOCK("0", "{\"type\":\"text\",\"text\":\"\"}"),
	      AN_DELTA("0", "{\"type\":\"citations_delta\",\"citation\":{\"cited_text\":\"no\"}}"),
	      AN_DELTA("0", "{\"type\":\"future_delta\",\"text\":\"no\"}"), AN_TEXT("0", "yes"),
	      AN_BSTOP("0"), AN("content_block_future", ",\"index\":0"),
	      AN_MDELTA("end_turn", "{\"output_tokens\":1}"), AN_STOP),
	    &r);
	assert_complete(&r, "yes", "end_turn");
	assert_int_equal(json_array_size(r.evs), 3);
	assert_int_equal(r.malformed, 0);
	run_done(&r);
}

static void test_anthropic_crlf_framing(void **state)
{
	(void)state;
	struct run r;
	decode(
	    WIRE_ANTHROPIC,
	    S("event: message_start\r\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":"
	      "{\"input_tokens\":4}}}\r\n\r\n"
	      "event: ping\r\ndata: {\"type\": \"ping\"}\r\n\r\n"
	      "event: content_block_delta\r\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
	      "\"delta\":{\"type\":\"text_delta\",\"text\":\"a\\r\\n\\r\\nb\"}}\r\n\r\n"
	      "event: message_delta\r\ndata: "
	      "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":"
	      "\"end_turn\"},\"usage\":{\"output_tokens\":3}}\r\n\r\n"
	      "event: message_stop\r\ndata: {\"type\":\"message_stop\"}\r\n\r\n"),
	    &r);
	assert_complete(&r, "a\r\n\r\nb", "end_turn");
	assert_int_equal(ifield(last(&r, "usage"), "input"), 4);
	assert_int_equal(r.malformed, 0);
	run_done(&r);
}

static void test_anthropic_stream_without_message_stop_is_truncated(void **state)
{
	(void)state;
	struct run r;
	decode(WIRE_ANTHROPIC, S(AN_START("1"), AN_TEXT("0", "half")), &r);
	assert_kind(assert_failed(&r, "half"), WIRE_ERR_TRUNCATED);
	run_done(&r);
}

/* ---- Gemini ------------------------------------------------------------ */

#define GEM(json) "data: " json "\r\n\r\n"
#define GEM_TEXT(s)                                                                                \
	GEM("{\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"" s                         \
	    "\"}],\"role\": \"model\"},\"index\": 0}]}")

static void test_gemini_thought_parts_are_thinking(void **state)
{
	(void)state;
	struct run r;
	decode(
	    WIRE_GEMINI,
	    S(GEM("{\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"**Plan**\", "
	          "\"thought\": "
	          "true}, {\"text\": \"Use \"}],\"role\": \"model\"}}]}"),
	      GEM("{\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"spaces.\"}, "
	          "{\"text\": "
	          "\"\", \"thoughtSignature\": \"c2ln\"}],\"role\": \"model\"},\"finishReason\": "
	          "\"STOP\"}]}")),
	    &r);
	assert_complete(&r, "Use spaces.", "STOP");
	assert_stop(last(&r, "stop"), WIRE_STOP_END);
	assert_string_equal(joined(&r, "thinking"), "**Plan**");
	run_done(&r);
}

static void test_gemini_safety_finish_without_content_is_a_filter_stop(void **state)
{
	(void)state;
	struct run r;
	decode(WIRE_GEMINI,
	       S(GEM_TEXT("Here is"),
	         GEM("{\"candidates\": [{\"finishReason\": \"SAFETY\",\"index\": 0,"
	             "\"safetyRatings\": [{\"category\": "
	             "\"HARM_CATEGORY_DANGEROUS_CONTENT\",\"probability\": "
	             "\"MEDIUM\",\"blocked\": true}]}]}")),
	       &r);
	assert_complete(&r, "Here is", "SAFETY");
	assert_stop(last(&r, "stop"), WIRE_STOP_FILTER);
	run_done(&r);
}

static void test_gemini_blocked_prompt_without_candidates_is_an_error(void **state)
{
	(void)state;
	struct run r;
	decode(
	    WIRE_GEMINI,
	    S(GEM(
	        "{\"promptFeedback\": {\"blockReason\": \"PROHIBITED_CONTENT\"},\"usageMetadata\": "
	        "{\"promptTokenCount\": 7,\"totalTokenCount\": 7}}")),
	    &r);
	json_t *e = assert_failed(&r, "");
	assert_kind(e, WIRE_ERR_BLOCKED);
	assert_string_equal(sfield(e, "code"), "PROHIBITED_CONTENT");
	assert_int_equal(count(&r, "stop"), 0);
	run_done(&r);
}

static void test_gemini_usage_output_is_candidates_plus_thoughts(void **state)
{
	(void)state;
	struct run r;
	decode(WIRE_GEMINI,
	       S(GEM("{\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"a\"}]}}],"
	             "\"usageMetadata\": {\"promptTokenCount\": 9,\"candidatesTokenCount\": 4}}"),
	         GEM("{\"candidates\": [{\"content\": {\"parts\": [{\"text\": "
	             "\"b\"}]},\"finishReason\": "
	             "\"MAX_TOKENS\"}],\"usageMetadata\": {\"promptTokenCount\": 9,"
	             "\"candidatesTokenCount\": 10,\"thoughtsTokenCount\": 32,\"totalTokenCount\": "
	             "51}}")),
	       &r);
	assert_complete(&r, "ab", "MAX_TOKENS");
	assert_stop(last(&r, "stop"), WIRE_STOP_LENGTH);
	assert_int_equal(count(&r, "usage"), 2);
	assert_int_equal(ifield(nth(&r, "usage", 0), "output"), 4);
	json_t *u = last(&r, "usage");
	assert_int_equal(ifield(u, "input"), 9);
	assert_int_equal(ifield(u, "output"), 42);
	assert_int_equal(ifield(u, "thinking"), 32);
	run_done(&r);
}

static void test_gemini_in_stream_error_object(void **state)
{
	(void)state;
	struct run r;
	decode(WIRE_GEMINI,
	       S(GEM_TEXT("Starting"), GEM("{\"error\": {\"code\": 503,\"message\": \"The model is "
	                                   "overloaded.\",\"status\": \"UNAVAILABLE\"}}")),
	       &r);
	json_t *e = assert_failed(&r, "Starting");
	assert_kind(e, WIRE_ERR_OVERLOADED);
	assert_string_equal(sfield(e, "code"), "UNAVAILABLE");
	assert_string_equal(sfield(e, "message"), "The model is overloaded.");
	run_done(&r);
}

/* Two pretty-printed chunks whose text holds every character that could
 * fool a bracket scanner. SEP joins them. */
#define GEM_ARRAY(SEP)                                                                             \
	"[{\n  \"candidates\": [\n    {\n      \"content\": {\n        \"parts\": [\n          "   \
	"{\n"                                                                                      \
	"            \"text\": \"x]} {[ \\\"q\\\" \\r\\n,\\r\\n ]\\\\\"\n          }\n        "    \
	"],\n"                                                                                     \
	"        \"role\": \"model\"\n      }\n    }\n  ]\n}" SEP                                  \
	"{\n  \"candidates\": [\n    {\n      \"content\": {\n        \"parts\": [\n          {\n" \
	"            \"text\": \"\\\\\\\"}]\\r\\n,\\r\\n{\"\n          }\n        ]\n      },\n"   \
	"      \"finishReason\": \"STOP\"\n    }\n  ],\n  \"usageMetadata\": {\n"                  \
	"    \"promptTokenCount\": 3,\n    \"candidatesTokenCount\": 5\n  }\n}\r\n]"
#define GEM_ARRAY_TEXT "x]} {[ \"q\" \r\n,\r\n ]\\\\\"}]\r\n,\r\n{"

static void test_gemini_json_array_with_lf_comma_crlf_separators(void **state)
{
	(void)state;
	struct run r;
	decode(WIRE_GEMINI_JSON, S(GEM_ARRAY("\n,\r\n")), &r);
	assert_complete(&r, GEM_ARRAY_TEXT, "STOP");
	assert_int_equal(ifield(last(&r, "usage"), "output"), 5);
	assert_int_equal(r.malformed, 0);
	run_done(&r);
}

static void test_gemini_json_array_with_crlf_comma_crlf_separators(void **state)
{
	(void)state;
	struct run r;
	decode(WIRE_GEMINI_JSON, S(GEM_ARRAY("\r\n,\r\n")), &r);
	assert_complete(&r, GEM_ARRAY_TEXT, "STOP");
	assert_int_equal(r.malformed, 0);
	run_done(&r);
}

static void test_gemini_json_array_error_element(void **state)
{
	(void)state;
	struct run r;
	decode(WIRE_GEMINI_JSON,
	       S("[{\n  \"error\": {\n    \"code\": 429,\n    \"message\": \"Quota exceeded.\",\n"
	         "    \"status\": \"RESOURCE_EXHAUSTED\"\n  }\n}\n]"),
	       &r);
	json_t *e = assert_failed(&r, "");
	assert_kind(e, WIRE_ERR_RATE_LIMIT);
	assert_string_equal(sfield(e, "code"), "RESOURCE_EXHAUSTED");
	run_done(&r);
}

#define GEM_429                                                                                    \
	"{\n  \"error\": {\n    \"code\": 429,\n    \"message\": \"You exceeded your current "     \
	"quota.\",\n    \"status\": \"RESOURCE_EXHAUSTED\",\n    \"details\": [\n      {\n"        \
	"        \"@type\": \"type.googleapis.com/google.rpc.QuotaFailure\",\n"                    \
	"        \"violations\": [{\"quotaId\": \"GenerateRequestsPerMinute\"}]\n      },\n"       \
	"      {\n        \"@type\": \"type.googleapis.com/google.rpc.RetryInfo\",\n"              \
	"        \"retryDelay\": \"37s\"\n      }\n    ]\n  }\n}\n"

static void test_gemini_retry_info_delay_gives_retry_after_ms(void **state)
{
	(void)state;
	struct wire_error e;
	wire_error_init(&e);
	wire_parse_error_body(WIRE_GEMINI, 429, GEM_429, strlen(GEM_429), &e);
	assert_int_equal(e.kind, WIRE_ERR_RATE_LIMIT);
	assert_string_equal(e.code, "RESOURCE_EXHAUSTED");
	assert_int_equal(e.retry_after_ms, 37000);
	assert_int_equal(e.http_status, 429);
	wire_error_done(&e);

	/* The same object inside the stream. */
	struct run r;
	decode(WIRE_GEMINI,
	       S(GEM_TEXT("a"), "data: {\"error\": {\"code\": 429, \"status\": "
	                        "\"RESOURCE_EXHAUSTED\", \"message\": \"q\", \"details\": "
	                        "[{\"@type\": \"type.googleapis.com/google.rpc.RetryInfo\", "
	                        "\"retryDelay\": \"37s\"}]}}\n\n"),
	       &r);
	assert_int_equal(ifield(assert_failed(&r, "a"), "retry_after_ms"), 37000);
	run_done(&r);
}

#define GEM_BAD_KEY                                                                                \
	"{\"error\": {\"code\": 400, \"message\": \"API key not valid. Please pass a valid API "   \
	"key.\", \"status\": \"INVALID_ARGUMENT\", \"details\": [{\"@type\": "                     \
	"\"type.googleapis.com/google.rpc.ErrorInfo\", \"reason\": \"API_KEY_INVALID\", "          \
	"\"domain\": \"googleapis.com\"}]}}"

static void test_gemini_400_with_api_key_invalid_is_auth(void **state)
{
	(void)state;
	struct wire_error e;
	wire_error_init(&e);
	wire_parse_error_body(WIRE_GEMINI, 400, GEM_BAD_KEY, strlen(GEM_BAD_KEY), &e);
	assert_int_equal(e.kind, WIRE_ERR_AUTH);
	assert_string_equal(e.code, "INVALID_ARGUMENT");
	wire_error_done(&e);

	/* Sent with status 200 and no framing: the decoder still sees it. */
	struct run r;
	decode(WIRE_GEMINI, S(GEM_BAD_KEY), &r);
	assert_kind(assert_failed(&r, ""), WIRE_ERR_AUTH);
	run_done(&r);
}

static void test_gemini_stream_without_finish_reason_is_truncated(void **state)
{
	(void)state;
	struct run r;
	decode(WIRE_GEMINI, S(GEM_TEXT("so far")), &r);
	assert_kind(assert_failed(&r, "so far"), WIRE_ERR_TRUNCATED);
	run_done(&r);
}

/* ---- Ollama ------------------------------------------------------------ */

#define OLL(json) json "\n"
#define OLL_MSG(k, s)                                                                              \
	OLL("{\"model\":\"qwen3\",\"message\":{\"role\":\"assistant\",\"content\":\"\",\"" k       \
	    "\":\"" s "\"},\"done\":false}")
#define OLL_TEXT(s)                                                                                \
	OLL("{\"model\":\"qwen3\",\"message\":{\"role\":\"assistant\",\"content\":\"" s            \
	    "\"},\"done\":false}")
#define OLL_DONE(reason)                                                                           \
	"{\"model\":\"qwen3\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done\":"     \
	"true,"                                                                                    \
	"\"done_reason\":\"" reason "\",\"total_duration\":2318419208,\"prompt_eval_count\":24,"   \
	"\"eval_count\":56,\"eval_duration\":2104577917}"

static void test_ollama_thinking_then_content(void **state)
{
	(void)state;
	struct run r;
	decode(WIRE_OLLAMA,
	       S(OLL_MSG("thinking", "Okay, "), OLL_MSG("thinking", "a haiku."),
	         OLL_TEXT("\xe7\xa7\x8b"), OLL_TEXT("\xe3\x81\xae\xe5\xa4\x9c"),
	         OLL(OLL_DONE("stop"))),
	       &r);
	assert_complete(&r, "\xe7\xa7\x8b\xe3\x81\xae\xe5\xa4\x9c", "stop");
	assert_string_equal(joined(&r, "thinking"), "Okay, a haiku.");
	assert_true(pos(&r, "thinking", 1) < pos(&r, "text", 0));
	run_done(&r);
}

static void test_ollama_done_line_gives_stop_and_usage(void **state)
{
	(void)state;
	struct run r;
	decode(WIRE_OLLAMA, S(OLL_TEXT("cut"), OLL(OLL_DONE("length"))), &r);
	assert_complete(&r, "cut", "length");
	assert_stop(last(&r, "stop"), WIRE_STOP_LENGTH);
	json_t *u = last(&r, "usage");
	assert_int_equal(ifield(u, "input"), 24);
	assert_int_equal(ifield(u, "output"), 56);
	run_done(&r);
}

static void test_ollama_error_line_mid_stream_keeps_partial_text(void **state)
{
	(void)state;
	struct run r;
	decode(WIRE_OLLAMA,
	       S(OLL_TEXT("\xc3\x89"
	                  "coute"),
	         OLL_TEXT(" : la"),
	         OLL("{\"error\":\"an error was encountered while running the model\"}")),
	       &r);
	json_t *e = assert_failed(&r, "\xc3\x89"
	                              "coute : la");
	assert_kind(e, WIRE_ERR_STREAM);
	assert_string_equal(sfield(e, "message"),
	                    "an error was encountered while running the model");
	assert_int_equal(count(&r, "stop"), 0);
	run_done(&r);
}

static void test_ollama_last_line_without_newline_is_parsed(void **state)
{
	(void)state;
	struct run r;
	decode(WIRE_OLLAMA, S(OLL_TEXT("No trailing newline"), OLL_DONE("stop")), &r);
	assert_complete(&r, "No trailing newline", "stop");
	assert_int_equal(ifield(last(&r, "usage"), "output"), 56);
	run_done(&r);

	decode(WIRE_OLLAMA,
	       S("{\"message\":{\"content\":\"crlf\"},\"done\":false}\r\n", OLL_DONE("stop")), &r);
	assert_complete(&r, "crlf", "stop");
	run_done(&r);
}

static void test_ollama_pretty_printed_error_body_without_status_is_recognised(void **state)
{
	(void)state;
	struct run r;
	/* An OpenAI-shaped error from a proxy, one JSON value over many lines:
	 * no line is a frame of its own, the whole body is the error. */
	decode(WIRE_OLLAMA,
	       S("{\n  \"error\": {\n    \"message\": \"bad key\",\n    \"type\": "
	         "\"invalid_request_error\",\n    \"code\": \"invalid_api_key\"\n  }\n}\n"),
	       &r);
	json_t *e = assert_failed(&r, "");
	assert_kind(e, WIRE_ERR_AUTH);
	assert_string_equal(sfield(e, "code"), "invalid_api_key");
	assert_string_equal(sfield(e, "message"), "bad key");
	run_done(&r);
}

static void test_ollama_stream_without_done_is_truncated(void **state)
{
	(void)state;
	struct run r;
	decode(WIRE_OLLAMA, S(OLL_TEXT("half")), &r);
	assert_kind(assert_failed(&r, "half"), WIRE_ERR_TRUNCATED);
	run_done(&r);
}

/* ---- caps -------------------------------------------------------------- */

static void test_sse_line_past_frame_max_fails_with_too_big(void **state)
{
	(void)state;
	static const enum wire_format fs[] = {WIRE_OPENAI, WIRE_ANTHROPIC, WIRE_OLLAMA,
	                                      WIRE_GEMINI_JSON};
	for (size_t k = 0; k < sizeof(fs) / sizeof(*fs); k++) {
		char *body = malloc(4096);
		assert_non_null(body);
		const char *head = fs[k] == WIRE_OLLAMA || fs[k] == WIRE_GEMINI_JSON
		                       ? "{\"message\":{\"content\":\""
		                       : "data: {\"choices\":[{\"delta\":{\"content\":\"";
		size_t hl = strlen(head);
		memcpy(body, head, hl);
		memset(body + hl, 'a', 4096 - hl);

		struct wire_limits lim = {.frame_max = 1024};
		struct run r;
		run_init(&r);
		struct wire_decoder *d = wire_decoder_new(fs[k], &lim, collect, &r);
		assert_int_equal(wire_decoder_feed(d, body, 4096), -1);
		assert_int_equal(json_array_size(r.evs), 1);
		json_t *e = last(&r, "error");
		assert_kind(e, WIRE_ERR_TOO_BIG);
		assert_non_null(strstr(sfield(e, "message"), "the 1 KiB limit"));
		/* Failed for good: later bytes and the end add nothing. */
		assert_int_equal(wire_decoder_feed(d, "\n\n", 2), -1);
		assert_int_equal(wire_decoder_finish(d), -1);
		assert_int_equal(json_array_size(r.evs), 1);
		wire_decoder_free(d);
		run_done(&r);

		/* Byte by byte: the same verdict. */
		run_init(&r);
		d = wire_decoder_new(fs[k], &lim, collect, &r);
		int rc = 0;
		for (size_t i = 0; i < 4096; i++)
			rc = wire_decoder_feed(d, body + i, 1);
		assert_int_equal(rc, -1);
		assert_int_equal(wire_decoder_finish(d), -1);
		assert_int_equal(count(&r, "error"), 1);
		assert_kind(last(&r, "error"), WIRE_ERR_TOO_BIG);
		wire_decoder_free(d);
		run_done(&r);
		free(body);
	}
}

static void test_small_frame_cap_is_named_in_bytes(void **state)
{
	(void)state;
	struct wire_limits lim = {.frame_max = 100};
	struct run r;
	run_init(&r);
	struct wire_decoder *d = wire_decoder_new(WIRE_OPENAI, &lim, collect, &r);
	char body[300];
	memset(body, 'x', sizeof(body));
	assert_int_equal(wire_decoder_feed(d, body, sizeof(body)), -1);
	assert_non_null(strstr(sfield(last(&r, "error"), "message"), "the 100-byte limit"));
	wire_decoder_free(d);
	run_done(&r);
}

static void test_frame_under_frame_max_passes(void **state)
{
	(void)state;
	struct wire_limits lim = {.frame_max = 1024};
	struct run r;
	decode_lim(WIRE_OPENAI, &lim, S(OAI_TEXT("small"), OAI_STOP("stop"), OAI_DONE), &r);
	assert_complete(&r, "small", "stop");
	run_done(&r);
}

static void test_reply_past_reply_max_fails_with_too_big_and_keeps_earlier_text(void **state)
{
	(void)state;
	struct wire_limits lim = {.reply_max = 10};
	struct run r;
	decode_lim(WIRE_OPENAI, &lim,
	           S(OAI_TEXT("hello"), OAI_TEXT("world"), OAI_TEXT("!"), OAI_TEXT("more"),
	             OAI_STOP("stop"), OAI_DONE),
	           &r);
	json_t *e = assert_failed(&r, "helloworld");
	assert_kind(e, WIRE_ERR_TOO_BIG);
	assert_int_equal(count(&r, "stop"), 0);
	run_done(&r);

	/* Thinking counts toward the same cap. */
	decode_lim(WIRE_ANTHROPIC, &lim,
	           S(AN_START("1"),
	             AN_DELTA("0", "{\"type\":\"thinking_delta\",\"thinking\":\"123456\"}"),
	             AN_TEXT("0", "7890"), AN_TEXT("0", "X"), AN_STOP),
	           &r);
	assert_kind(assert_failed(&r, "7890"), WIRE_ERR_TOO_BIG);
	assert_string_equal(joined(&r, "thinking"), "123456");
	run_done(&r);
}

/* ---- UTF-8 and bodies that are not streams ----------------------------- */

static void test_invalid_utf8_in_sse_json_string_becomes_replacement(void **state)
{
	(void)state;
	struct run r;
	decode(WIRE_OPENAI,
	       S(OAI_TEXT("a\xff"
	                  "b\xe4\xb8"
	                  "c"),
	         OAI_STOP("stop"), OAI_DONE),
	       &r);
	assert_complete(&r, "a" R "b" R "c", "stop");
	assert_int_equal(r.malformed, 0);
	run_done(&r);

	decode(WIRE_OLLAMA, S(OLL_TEXT("x\xc0\xafy"), OLL(OLL_DONE("stop"))), &r);
	assert_complete(&r, "x" R R "y", "stop");
	run_done(&r);

	decode(WIRE_GEMINI_JSON,
	       S("[{\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"p\xed\xa0\x80q\"}]},"
	         "\"finishReason\": \"STOP\"}]}]"),
	       &r);
	assert_complete(&r, "p" R R R "q", "STOP");
	run_done(&r);
}

#define OPENAI_401                                                                                 \
	"{\n    \"error\": {\n        \"message\": \"Incorrect API key provided: "                 \
	"sk-proj-****S6ln.\",\n"                                                                   \
	"        \"type\": \"invalid_request_error\",\n        \"param\": null,\n"                 \
	"        \"code\": \"invalid_api_key\"\n    }\n}\n"

static void test_bare_openai_error_body_without_status_is_reported_on_finish(void **state)
{
	(void)state;
	struct run r;
	decode(WIRE_OPENAI, S(OPENAI_401), &r);
	json_t *e = assert_failed(&r, "");
	assert_kind(e, WIRE_ERR_AUTH);
	assert_string_equal(sfield(e, "code"), "invalid_api_key");
	assert_string_equal(sfield(e, "message"), "Incorrect API key provided: sk-proj-****S6ln.");
	assert_int_equal(ifield(e, "http_status"), -1);
	run_done(&r);

	/* An Anthropic error body to an Anthropic decoder, on one line. */
	decode(WIRE_ANTHROPIC,
	       S("{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":"
	         "\"Overloaded\"},\"request_id\":\"req_1\"}"),
	       &r);
	assert_kind(assert_failed(&r, ""), WIRE_ERR_OVERLOADED);
	run_done(&r);
}

static void test_body_that_is_neither_json_nor_a_stream_is_a_stream_error(void **state)
{
	(void)state;
	static const enum wire_format fs[] = {WIRE_OPENAI, WIRE_OPENAI_RESPONSES, WIRE_ANTHROPIC,
	                                      WIRE_GEMINI, WIRE_GEMINI_JSON,      WIRE_OLLAMA};
	for (size_t k = 0; k < sizeof(fs) / sizeof(*fs); k++) {
		struct run r;
		decode(fs[k], S("<html>bad gateway</html>\n"), &r);
		json_t *e = assert_failed(&r, "");
		assert_kind(e, WIRE_ERR_STREAM);
		const char *msg = sfield(e, "message");
		if (strncmp(msg, "the response is not a", strlen("the response is not a")) != 0 ||
		    strstr(msg, "<html>bad gateway</html>") == NULL) {
			print_error("%s: message \"%s\"\n", wire_format_name(fs[k]), msg);
			fail();
		}
		run_done(&r);
	}
}

static void test_empty_body_is_truncated(void **state)
{
	(void)state;
	for (int f = 0; f < WIRE_FORMAT_COUNT; f++) {
		struct run r;
		decode((enum wire_format)f, S(""), &r);
		assert_kind(assert_failed(&r, ""), WIRE_ERR_TRUNCATED);
		run_done(&r);
	}
}

/* ---- findings of the first review --------------------------------------- */

static void test_lone_surrogate_escape_becomes_replacement_not_a_lost_chunk(void **state)
{
	(void)state;
	struct run r;
	/* jansson rejects a lone \ud83d: the chunk, its text and its
	 * finish_reason would be lost. A paired one and an escaped backslash
	 * before "ud83d" stay as they are. */
	decode(WIRE_OPENAI,
	       S(OAI("{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\\ud83d b\\udc00c"
	             "\\ud83d\\ude00 \\\\ud83d\"},\"finish_reason\":\"stop\"}]}"),
	         OAI_DONE),
	       &r);
	assert_complete(&r, "a" R " b" R "c\xf0\x9f\x98\x80 \\ud83d", "stop");
	assert_int_equal(r.malformed, 0);
	run_done(&r);
}

static void test_json_after_extra_spaces_is_parsed(void **state)
{
	(void)state;
	struct run r;
	/* "data:  {" keeps one space of the two: still JSON. */
	decode(WIRE_OPENAI,
	       S("data:  {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"ok\"},"
	         "\"finish_reason\":\"stop\"}]}\n\n",
	         OAI_DONE),
	       &r);
	assert_complete(&r, "ok", "stop");
	assert_int_equal(r.malformed, 0);
	run_done(&r);
}

static void test_tool_call_arguments_count_toward_reply_max(void **state)
{
	(void)state;
	struct wire_limits lim = {.reply_max = 10};
	struct run r;
	decode_lim(WIRE_OPENAI, &lim,
	           S(OAI_TOOL("{\"index\":0,\"id\":\"c1\",\"function\":{\"name\":\"f\",\"arguments\":"
	                      "\"{\\\"aaaa\\\":\"}}"),
	             OAI_TOOL("{\"index\":0,\"function\":{\"arguments\":\"\\\"bbbbbbbbbbbbbbbb\\\"}\"}}"),
	             OAI_STOP("tool_calls"), OAI_DONE),
	           &r);
	assert_kind(assert_failed(&r, ""), WIRE_ERR_TOO_BIG);
	assert_int_equal(count(&r, "tool_call"), 0);
	run_done(&r);

	decode_lim(WIRE_ANTHROPIC, &lim,
	           S(AN_START("1"),
	             AN_BLOCK("0", "{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"f\",\"input\":{}}"),
	             AN_DELTA("0", "{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"k\\\": \"}"),
	             AN_DELTA("0", "{\"type\":\"input_json_delta\",\"partial_json\":\"12345678\"}"),
	             AN_BSTOP("0"), AN_STOP),
	           &r);
	assert_kind(assert_failed(&r, ""), WIRE_ERR_TOO_BIG);
	assert_int_equal(count(&r, "tool_call"), 0);
	run_done(&r);
}

static void test_openai_tool_call_cut_short_is_not_emitted(void **state)
{
	(void)state;
	struct run r;
	decode(WIRE_OPENAI,
	       S(OAI_TOOL("{\"index\":0,\"id\":\"c1\",\"function\":{\"name\":\"f\",\"arguments\":"
	                  "\"{\\\"a\\\":\"}}")),
	       &r);
	assert_kind(assert_failed(&r, ""), WIRE_ERR_TRUNCATED);
	assert_int_equal(count(&r, "tool_call"), 0);
	run_done(&r);
}

static void test_error_bodies_are_read_by_their_own_shape(void **state)
{
	(void)state;
	struct run r;
	/* OpenAI's shape to a Gemini decoder: still its code word. */
	decode(WIRE_GEMINI, S(OPENAI_401), &r);
	json_t *e = assert_failed(&r, "");
	assert_string_equal(sfield(e, "code"), "invalid_api_key");
	assert_kind(e, WIRE_ERR_AUTH);
	run_done(&r);

	/* Google's shape to an OpenAI decoder: its status word, not "400". */
	struct wire_error err;
	wire_error_init(&err);
	static const char google[] = "{\"error\":{\"code\":400,\"message\":\"API key not valid.\","
	                             "\"status\":\"INVALID_ARGUMENT\",\"details\":[{\"reason\":"
	                             "\"API_KEY_INVALID\"}]}}";
	wire_parse_error_body(WIRE_OPENAI, 400, google, sizeof(google) - 1, &err);
	assert_string_equal(err.code, "INVALID_ARGUMENT");
	assert_int_equal(err.kind, WIRE_ERR_AUTH);
	wire_error_done(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_openai_done_ends_the_stream_and_later_events_are_ignored),
	    cmocka_unit_test(test_openai_done_without_finish_reason_completes),
	    cmocka_unit_test(test_openai_finish_reason_without_done_counts_as_complete),
	    cmocka_unit_test(test_openai_stream_cut_before_finish_is_truncated_with_text_kept),
	    cmocka_unit_test(test_openai_in_stream_error_with_python_spacing),
	    cmocka_unit_test(test_openai_error_is_checked_before_choices_in_openrouter_chunk),
	    cmocka_unit_test(test_openai_integer_error_code_becomes_a_string),
	    cmocka_unit_test(test_openai_usage_chunk_with_empty_choices),
	    cmocka_unit_test(test_openai_null_content_and_refusal_are_ignored),
	    cmocka_unit_test(test_openai_refusal_deltas_are_refusal_events_not_text),
	    cmocka_unit_test(test_openai_interleaved_tool_call_fragments_join_by_index),
	    cmocka_unit_test(test_lone_surrogate_escape_becomes_replacement_not_a_lost_chunk),
	    cmocka_unit_test(test_json_after_extra_spaces_is_parsed),
	    cmocka_unit_test(test_tool_call_arguments_count_toward_reply_max),
	    cmocka_unit_test(test_openai_tool_call_cut_short_is_not_emitted),
	    cmocka_unit_test(test_error_bodies_are_read_by_their_own_shape),
	    cmocka_unit_test(test_openai_reasoning_deltas_are_thinking),
	    cmocka_unit_test(test_openai_with_several_choices_only_index_0_is_text),
	    cmocka_unit_test(test_openai_malformed_event_is_counted_and_skipped),
	    cmocka_unit_test(test_openai_done_variants_end_the_stream),
	    cmocka_unit_test(test_openai_json_over_two_crlf_data_lines_is_one_event),
	    cmocka_unit_test(test_openai_vllm_flat_error_object),
	    cmocka_unit_test(test_openai_nul_escape_in_text_is_kept_with_its_length),
	    cmocka_unit_test(test_responses_text_reasoning_and_completed),
	    cmocka_unit_test(test_responses_incomplete_for_max_output_tokens_is_length),
	    cmocka_unit_test(test_responses_failed_response_reports_its_error),
	    cmocka_unit_test(test_responses_flat_error_event),
	    cmocka_unit_test(test_anthropic_ping_anywhere_is_ignored),
	    cmocka_unit_test(test_anthropic_thinking_signature_text_and_tool_input),
	    cmocka_unit_test(test_anthropic_usage_input_comes_from_message_start_when_missing),
	    cmocka_unit_test(test_anthropic_overloaded_error_event_keeps_partial_text),
	    cmocka_unit_test(test_anthropic_error_event_without_data_type_keeps_its_error_type),
	    cmocka_unit_test(test_anthropic_unknown_event_and_delta_types_are_ignored),
	    cmocka_unit_test(test_anthropic_crlf_framing),
	    cmocka_unit_test(test_anthropic_stream_without_message_stop_is_truncated),
	    cmocka_unit_test(test_gemini_thought_parts_are_thinking),
	    cmocka_unit_test(test_gemini_safety_finish_without_content_is_a_filter_stop),
	    cmocka_unit_test(test_gemini_blocked_prompt_without_candidates_is_an_error),
	    cmocka_unit_test(test_gemini_usage_output_is_candidates_plus_thoughts),
	    cmocka_unit_test(test_gemini_in_stream_error_object),
	    cmocka_unit_test(test_gemini_json_array_with_lf_comma_crlf_separators),
	    cmocka_unit_test(test_gemini_json_array_with_crlf_comma_crlf_separators),
	    cmocka_unit_test(test_gemini_json_array_error_element),
	    cmocka_unit_test(test_gemini_retry_info_delay_gives_retry_after_ms),
	    cmocka_unit_test(test_gemini_400_with_api_key_invalid_is_auth),
	    cmocka_unit_test(test_gemini_stream_without_finish_reason_is_truncated),
	    cmocka_unit_test(test_ollama_thinking_then_content),
	    cmocka_unit_test(test_ollama_done_line_gives_stop_and_usage),
	    cmocka_unit_test(test_ollama_error_line_mid_stream_keeps_partial_text),
	    cmocka_unit_test(test_ollama_last_line_without_newline_is_parsed),
	    cmocka_unit_test(test_ollama_pretty_printed_error_body_without_status_is_recognised),
	    cmocka_unit_test(test_ollama_stream_without_done_is_truncated),
	    cmocka_unit_test(test_sse_line_past_frame_max_fails_with_too_big),
	    cmocka_unit_test(test_frame_under_frame_max_passes),
	    cmocka_unit_test(test_small_frame_cap_is_named_in_bytes),
	    cmocka_unit_test(test_reply_past_reply_max_fails_with_too_big_and_keeps_earlier_text),
	    cmocka_unit_test(test_invalid_utf8_in_sse_json_string_becomes_replacement),
	    cmocka_unit_test(test_bare_openai_error_body_without_status_is_reported_on_finish),
	    cmocka_unit_test(test_body_that_is_neither_json_nor_a_stream_is_a_stream_error),
	    cmocka_unit_test(test_empty_body_is_truncated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
