/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_jsonl: --jsonl's event lines: one valid JSON object per line
 * whatever bytes a delta holds, sanitised text joined across deltas as
 * --json has it, raw text escaped but intact, nothing for what has no line. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <jansson.h>

#include "app/jsonl.h"

struct sink {
	FILE *f;
	char *data;
	size_t len;
	struct jsonl j;
};

static void sink_open(struct sink *s, const char *label, bool raw)
{
	memset(s, 0, sizeof(*s));
	s->f = open_memstream(&s->data, &s->len);
	assert_non_null(s->f);
	jsonl_init(&s->j, s->f, label, raw);
	s->j.provider = "prov";
	s->j.model = "m1";
}

static void sink_close(struct sink *s)
{
	jsonl_done(&s->j);
	fclose(s->f);
	free(s->data);
}

static void text_event(struct jsonl *j, enum wire_event_type type, long long t, const char *p,
                       size_t n)
{
	struct wire_event ev = {.type = type, .text = p, .len = n};
	jsonl_event(j, t, &ev);
}

/* The lines written so far, each parsed: every one must be an object, and
 * no line may hold a raw byte below 0x20 or DEL. Returns how many (at most
 * max), objects in out (the caller decrefs). */
static size_t lines_of(struct sink *s, json_t **out, size_t max)
{
	fflush(s->f);
	size_t n = 0;
	const char *p = s->data;
	const char *end = s->data + s->len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		assert_non_null(nl);
		for (const char *q = p; q < nl; q++)
			assert_true((unsigned char)*q >= 0x20 && *q != 0x7f);
		json_error_t e;
		json_t *o = json_loadb(p, (size_t)(nl - p), 0, &e);
		if (o == NULL)
			print_error("line does not parse: %.*s (%s)\n", (int)(nl - p), p, e.text);
		assert_non_null(o);
		assert_true(json_is_object(o));
		assert_true(n < max);
		out[n++] = o;
		p = nl + 1;
	}
	return n;
}

static const char *str_of(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));
	assert_non_null(v);
	return v;
}

static void free_lines(json_t **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		json_decref(v[i]);
}

static void test_jsonl_text_lines_carry_the_head_and_the_delta(void **state)
{
	(void)state;
	struct sink s;
	sink_open(&s, "fast:m1", false);
	text_event(&s.j, WIRE_EV_TEXT, 12, "Hello", 5);
	text_event(&s.j, WIRE_EV_TEXT, 15, " world", 6);
	json_t *v[8];
	size_t n = lines_of(&s, v, 8);
	assert_int_equal(n, 2);
	assert_string_equal(str_of(v[0], "label"), "fast:m1");
	assert_string_equal(str_of(v[0], "model"), "m1");
	assert_string_equal(str_of(v[0], "provider"), "prov");
	assert_string_equal(str_of(v[0], "kind"), "text");
	assert_int_equal(json_integer_value(json_object_get(v[0], "t_ms")), 12);
	assert_string_equal(str_of(v[0], "text"), "Hello");
	assert_int_equal(json_integer_value(json_object_get(v[1], "t_ms")), 15);
	assert_string_equal(str_of(v[1], "text"), " world");
	free_lines(v, n);
	sink_close(&s);
}

/* Every C0 control, DEL, a C1 CSI, U+2028/U+2029, bidi, quotes and a line
 * that looks like JSON: one line each, each valid, none raw. */
static const char hostile[] = "a\x1b[31mred\x07\"q\"\\\x01\x02\x7f\xc2\x9b"
                              "2J\xe2\x80\xa8x\xe2\x80\xa9y\xe2\x80\xaez\xe2\x81\xa6\n"
                              "{\"kind\":\"done\"}\t\x1f";

static void test_jsonl_hostile_delta_stays_one_valid_line(void **state)
{
	(void)state;
	for (int raw = 0; raw <= 1; raw++) {
		struct sink s;
		sink_open(&s, "evil", raw);
		text_event(&s.j, WIRE_EV_TEXT, 1, hostile, sizeof(hostile) - 1);
		text_event(&s.j, WIRE_EV_THINKING, 2, hostile, sizeof(hostile) - 1);
		text_event(&s.j, WIRE_EV_REFUSAL, 3, hostile, sizeof(hostile) - 1);
		jsonl_note(&s.j, "notice", 4, hostile);
		jsonl_finish(&s.j, 5);
		fflush(s.f);
		/* U+2028, U+2029 and the bidi controls never leave raw either. */
		for (size_t i = 0; i + 2 < s.len; i++) {
			const unsigned char *u = (const unsigned char *)s.data + i;
			assert_false(u[0] == 0xe2 && u[1] == 0x80 && (u[2] == 0xa8 || u[2] == 0xae));
			assert_false(u[0] == 0xe2 && u[1] == 0x81 && u[2] == 0xa6);
		}
		json_t *v[8];
		size_t n = lines_of(&s, v, 8);
		assert_int_equal(n, 4);
		const char *text = str_of(v[0], "text");
		if (raw) {
			assert_string_equal(text, hostile);
		} else {
			assert_null(strchr(text, '\x1b'));
			assert_non_null(strstr(text, "\xe2\x90\x9b[31mred")); /* ␛[31mred */
			assert_non_null(strstr(text, "z\xe2\x81\xa6\n{\"kind\":\"done\"}\t"));
		}
		/* Thinking is sanitised even raw, as --json has it. */
		assert_null(strchr(str_of(v[1], "text"), '\x1b'));
		assert_string_equal(str_of(v[3], "kind"), "notice");
		free_lines(v, n);
		sink_close(&s);
	}
}

static void test_jsonl_crlf_split_across_deltas_is_one_newline(void **state)
{
	(void)state;
	struct sink s;
	sink_open(&s, "m", false);
	text_event(&s.j, WIRE_EV_TEXT, 1, "one\r", 4);
	text_event(&s.j, WIRE_EV_TEXT, 2, "\ntwo\r", 5);
	jsonl_finish(&s.j, 3);
	json_t *v[8];
	size_t n = lines_of(&s, v, 8);
	char joined[64] = "";
	for (size_t i = 0; i < n; i++)
		snprintf(joined + strlen(joined), sizeof(joined) - strlen(joined), "%s",
		         str_of(v[i], "text"));
	/* The CR before the LF folds in; the last, alone, shows as ␍. */
	assert_string_equal(joined, "one\ntwo\xe2\x90\x8d");
	free_lines(v, n);
	sink_close(&s);
}

static void test_jsonl_bad_utf8_names_are_repaired(void **state)
{
	(void)state;
	struct sink s;
	sink_open(&s, "bad\xff" "label", false);
	s.j.provider = "p\xc3";
	s.j.model = NULL;
	text_event(&s.j, WIRE_EV_TEXT, 1, "x", 1);
	json_t *v[2];
	size_t n = lines_of(&s, v, 2);
	assert_int_equal(n, 1);
	assert_string_equal(str_of(v[0], "label"), "bad\xef\xbf\xbdlabel");
	assert_string_equal(str_of(v[0], "model"), "");
	free_lines(v, n);
	sink_close(&s);
}

static void test_jsonl_tool_stop_and_silent_events(void **state)
{
	(void)state;
	struct sink s;
	sink_open(&s, "m", false);
	text_event(&s.j, WIRE_EV_TEXT, 1, "", 0); /* nothing to say: no line */
	struct wire_event tool = {.type = WIRE_EV_TOOL_CALL, .tool_id = "", .tool_name = "get",
	                          .tool_args = "{\"a\":1}"};
	jsonl_event(&s.j, 2, &tool);
	struct wire_event usage = {.type = WIRE_EV_USAGE, .usage = {1, 2, 0}};
	jsonl_event(&s.j, 3, &usage);
	struct wire_event stop = {.type = WIRE_EV_STOP, .reason = "end_turn"};
	jsonl_event(&s.j, 4, &stop);
	jsonl_note(&s.j, "reset", 5, NULL);
	json_t *v[8];
	size_t n = lines_of(&s, v, 8);
	assert_int_equal(n, 3);
	assert_string_equal(str_of(v[0], "kind"), "tool");
	assert_string_equal(str_of(v[0], "name"), "get");
	assert_string_equal(str_of(v[0], "arguments"), "{\"a\":1}");
	assert_string_equal(str_of(v[1], "kind"), "stop");
	assert_string_equal(str_of(v[1], "stop"), "end_turn");
	assert_string_equal(str_of(v[2], "kind"), "reset");
	assert_null(json_object_get(v[2], "text"));
	free_lines(v, n);
	sink_close(&s);
}

/* Issue 19's kinds: a provider's tool (call and result), a source, a
 * marker; an image only through jsonl_image, with its path or its error. */
static void test_jsonl_traces_sources_and_images(void **state)
{
	(void)state;
	struct sink s;
	sink_open(&s, "m", false);
	struct wire_event call = {.type = WIRE_EV_SERVER_TOOL, .tool_id = "srvtoolu_1",
	                          .tool_name = "web_search", .tool_args = "rust async runtimes"};
	jsonl_event(&s.j, 1, &call);
	struct wire_event res = {.type = WIRE_EV_SERVER_TOOL, .tool_id = "srvtoolu_1",
	                         .tool_name = "web_search", .tool_args = "", .result = true,
	                         .text = "5 results", .len = 9};
	jsonl_event(&s.j, 2, &res);
	struct wire_event cite = {.type = WIRE_EV_CITATION, .url = "https://tokio.rs/",
	                          .title = "Tokio"};
	jsonl_event(&s.j, 3, &cite);
	struct wire_event mark = {.type = WIRE_EV_MARKER, .text = "redacted thinking", .len = 17};
	jsonl_event(&s.j, 4, &mark);
	struct wire_event img = {.type = WIRE_EV_IMAGE, .mime = "image/png", .text = "iVBO",
	                         .len = 4};
	jsonl_event(&s.j, 5, &img); /* nothing: the sink saves it first */
	jsonl_image(&s.j, 6, "image/png", 3, "/tmp/x/a.png", "[image saved: /tmp/x/a.png]");
	jsonl_image(&s.j, 7, "image/png", -1, "", "an image (image/png) came with no data");
	json_t *v[8];
	size_t n = lines_of(&s, v, 8);
	assert_int_equal(n, 6);
	assert_string_equal(str_of(v[0], "kind"), "server_tool");
	assert_string_equal(str_of(v[0], "name"), "web_search");
	assert_string_equal(str_of(v[0], "argument"), "rust async runtimes");
	assert_string_equal(str_of(v[0], "id"), "srvtoolu_1");
	assert_true(json_is_false(json_object_get(v[0], "result")));
	assert_true(json_is_true(json_object_get(v[1], "result")));
	assert_string_equal(str_of(v[1], "text"), "5 results");
	assert_string_equal(str_of(v[2], "kind"), "citation");
	assert_string_equal(str_of(v[2], "url"), "https://tokio.rs/");
	assert_string_equal(str_of(v[2], "title"), "Tokio");
	assert_string_equal(str_of(v[3], "kind"), "marker");
	assert_string_equal(str_of(v[3], "text"), "redacted thinking");
	assert_string_equal(str_of(v[4], "kind"), "image");
	assert_string_equal(str_of(v[4], "path"), "/tmp/x/a.png");
	assert_int_equal(json_integer_value(json_object_get(v[4], "bytes")), 3);
	assert_null(json_object_get(v[4], "error"));
	assert_string_equal(str_of(v[5], "error"), "an image (image/png) came with no data");
	assert_null(json_object_get(v[5], "path"));
	free_lines(v, n);
	sink_close(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jsonl_text_lines_carry_the_head_and_the_delta),
		cmocka_unit_test(test_jsonl_hostile_delta_stays_one_valid_line),
		cmocka_unit_test(test_jsonl_crlf_split_across_deltas_is_one_newline),
		cmocka_unit_test(test_jsonl_bad_utf8_names_are_repaired),
		cmocka_unit_test(test_jsonl_tool_stop_and_silent_events),
		cmocka_unit_test(test_jsonl_traces_sources_and_images),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
