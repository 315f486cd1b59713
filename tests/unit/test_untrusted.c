/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_untrusted: the one door for server-controlled strings (util/untrusted)
 * and the redaction behind it (util/redact): keys quoted back in any JSON
 * spelling, URL passwords, controls, C1 and bidi. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/redact.h"
#include "util/untrusted.h"
#include "util/utf8.h"
#include "wire/event.h"

#define KEY "sk-proj/AbC-123_xyz"

static int reset(void **state)
{
	(void)state;
	redact_clear();
	return 0;
}

static void expect(void (*fn)(struct buf *, const char *, size_t), const char *in, size_t n,
                   const char *want)
{
	struct buf out;
	buf_init(&out, 0);
	fn(&out, in, n);
	assert_bytes_equal(buf_str(&out), out.len, want);
	buf_done(&out);
}

#define REDACT(in, want) expect(redact_append, in, strlen(in), want)
#define FIELD(in, want) expect(untrusted_field, in, strlen(in), want)
#define ESCAPE(in, want) expect(untrusted_escape, in, strlen(in), want)

static void test_redact_key_in_every_json_spelling(void **state)
{
	(void)state;
	redact_add_secret(KEY);
	REDACT("key " KEY " end", "key [redacted] end");
	REDACT("\"sk-proj\\/AbC-123_xyz\"", "\"[redacted]\"");
	REDACT("sk\\u002dproj/AbC\\u002D123_xyz", "[redacted]");
	REDACT("\\u0073\\u006b-proj\\/AbC-123\\u005fxyz!", "[redacted]!");
	/* A near miss stays: one wrong escape, one wrong letter. */
	REDACT("sk\\u002eproj/AbC-123_xyz", "sk\\u002eproj/AbC-123_xyz");
	REDACT("sk-proj/AbC-123_xyZ", "sk-proj/AbC-123_xyZ");
	/* A lone backslash or a short \u is ordinary text. */
	REDACT("a\\", "a\\");
	REDACT("\\u00", "\\u00");
}

static void test_redact_url_userinfo(void **state)
{
	(void)state;
	REDACT("GET http://user:PASSWORD@host/v1 failed",
	       "GET http://[redacted]@host/v1 failed");
	REDACT("https://tok@h.example", "https://[redacted]@h.example");
	/* An @ after the host is not userinfo. */
	REDACT("http://host/a@b", "http://host/a@b");
	REDACT("mailto:me@example.com http://", "mailto:me@example.com http://");
	REDACT("x://@h", "x://@h");
	redact_add_url("http://alice:hunter2-pw@127.0.0.1:8080/v1");
	REDACT("quoted hunter2-pw back", "quoted [redacted] back");
	redact_add_url("http://no-password@h/");
	redact_add_url("not a url");
	redact_add_url(NULL);
	REDACT("no-password", "no-password");
}

static void test_field_neutralises_controls_c1_del_and_bidi(void **state)
{
	(void)state;
	FIELD("stop", "stop");
	FIELD("\x1b]52;c;SGk=\x07", "\xe2\x90\x9b]52;c;SGk=\xe2\x90\x87");
	FIELD("a\x7f" "b", "a\xe2\x90\xa1" "b");
	FIELD("\xc2\x9b" "2J", "\xe2\x90\xa6" "2J");
	FIELD("x\xe2\x80\xaey", "x\xef\xbf\xbdy");
	FIELD("\xe2\x81\xa6\xe2\x81\xa9", "\xef\xbf\xbd\xef\xbf\xbd");
	FIELD("two\nlines\tand\rcr", "two lines and\xe2\x90\x8d" "cr");
	FIELD("bad \xff utf8 \xe6\x97", "bad \xef\xbf\xbd utf8 \xef\xbf\xbd");
	FIELD("\xe6\x9d\xb1\xe4\xba\xac \xf0\x9f\x99\x82", "\xe6\x9d\xb1\xe4\xba\xac \xf0\x9f\x99\x82");
	expect(untrusted_field, "a\0b", 3, "a\xe2\x90\x80" "b");
}

static void test_field_redacts_before_it_neutralises(void **state)
{
	(void)state;
	redact_add_secret(KEY);
	FIELD("Incorrect API key provided: " KEY ".", "Incorrect API key provided: [redacted].");
	FIELD("bad_key:sk\\u002dproj\\/AbC-123_xyz", "bad_key:[redacted]");
	FIELD("\x1b[2J" KEY, "\xe2\x90\x9b[2J[redacted]");
}

static void test_escape_keeps_the_log_inert_and_readable(void **state)
{
	(void)state;
	redact_add_secret(KEY);
	ESCAPE("plain \xe6\x9d\xb1 text", "plain \xe6\x9d\xb1 text");
	ESCAPE("\x1b]2;t\x07", "\\x1b]2;t\\x07");
	ESCAPE("a\nb\rc\td\\e", "a\\nb\\rc\\td\\\\e");
	ESCAPE("\x7f\xc2\x85\xe2\x80\xae", "\\x7f\\u0085\\u202e");
	ESCAPE("\xff\xe6\x97", "\\xff\\xe6\\x97");
	ESCAPE("< authorization: Bearer " KEY, "< authorization: [redacted]");
	ESCAPE("body " KEY, "body [redacted]");
}

static void test_cut_never_splits_a_character(void **state)
{
	(void)state;
	const char *s = "ab\xe6\x9d\xb1\xf0\x9f\x99\x82";
	assert_int_equal(utf8_cut(s, strlen(s), 100), strlen(s));
	assert_int_equal(utf8_cut(s, strlen(s), 2), 2);
	assert_int_equal(utf8_cut(s, strlen(s), 3), 2);
	assert_int_equal(utf8_cut(s, strlen(s), 4), 2);
	assert_int_equal(utf8_cut(s, strlen(s), 5), 5);
	assert_int_equal(utf8_cut(s, strlen(s), 8), 5);
	assert_int_equal(utf8_cut(s, strlen(s), 0), 0);
	char out[6];
	utf8_copy(out, sizeof out, s); /* 5 bytes fit: "ab" and the CJK one */
	assert_string_equal(out, "ab\xe6\x9d\xb1");
	utf8_copy(out, 4, s); /* 3 fit: not half of the CJK one */
	assert_string_equal(out, "ab");
	utf8_copy(out, sizeof out, "ok");
	assert_string_equal(out, "ok");
}

/* The streaming redactor (record files) catches an escaped key split at
 * every offset. */
static void test_redactor_escaped_key_split_anywhere(void **state)
{
	(void)state;
	redact_add_secret(KEY);
	const char *in = "{\"error\":\"Incorrect key sk\\u002dproj\\/AbC-123_xyz\"}";
	const char *want = "{\"error\":\"Incorrect key [redacted]\"}";
	for (size_t cut = 0; cut <= strlen(in); cut++) {
		struct redactor r;
		struct buf out;
		redactor_init(&r);
		buf_init(&out, 0);
		redactor_feed(&r, in, cut, &out);
		redactor_feed(&r, in + cut, strlen(in) - cut, &out);
		redactor_finish(&r, &out);
		assert_bytes_equal(buf_str(&out), out.len, want);
		buf_done(&out);
		redactor_done(&r);
	}
}

/* wire_clean: the fields of stop, error and tool events pass the door;
 * text passes untouched and uncopied (the per-token path). */
static void test_wire_clean_cleans_fields(void **state)
{
	(void)state;
	struct wire_clean c;
	wire_clean_init(&c);
	struct wire_event text = {.type = WIRE_EV_TEXT, .text = "\x1b[1m", .len = 4};
	assert_ptr_equal(wire_clean(&c, &text), &text); /* no key: no copy */
	redact_add_secret(KEY);
	const struct wire_event *t = wire_clean(&c, &text);
	assert_int_equal(t->len, 4); /* controls are the sinks' (sanitize) */
	assert_memory_equal(t->text, "\x1b[1m", 4);
	struct wire_event stop = {.type = WIRE_EV_STOP, .stop = WIRE_STOP_OTHER,
	                          .reason = "\x1b]2;title\x07"};
	const struct wire_event *o = wire_clean(&c, &stop);
	assert_string_equal(o->reason, "\xe2\x90\x9b]2;title\xe2\x90\x87");
	assert_int_equal(o->stop, WIRE_STOP_OTHER);
	struct wire_error e;
	wire_error_init(&e);
	wire_error_set(&e, WIRE_ERR_AUTH, "bad_key:" KEY, "key " KEY "\xe2\x80\xae");
	e.http_status = 401;
	e.retry_after_ms = 7;
	struct wire_event err = {.type = WIRE_EV_ERROR, .error = &e};
	o = wire_clean(&c, &err);
	assert_string_equal(o->error->code, "bad_key:[redacted]");
	assert_string_equal(o->error->message, "key [redacted]\xef\xbf\xbd");
	assert_int_equal(o->error->kind, WIRE_ERR_AUTH);
	assert_int_equal(o->error->http_status, 401);
	assert_int_equal(o->error->retry_after_ms, 7);
	struct wire_event tool = {.type = WIRE_EV_TOOL_CALL, .tool_id = "id\x1b",
	                          .tool_name = "\xc2\x9bname", .tool_args = "{\"k\":\"" KEY "\"}"};
	o = wire_clean(&c, &tool);
	assert_string_equal(o->tool_id, "id\xe2\x90\x9b");
	assert_string_equal(o->tool_name, "\xe2\x90\xa6name");
	assert_string_equal(o->tool_args, "{\"k\":\"[redacted]\"}");
	wire_error_done(&e);
	wire_clean_done(&c);
}

/* Collects flushed deltas. */
static void collect(void *ctx, const struct wire_event *ev)
{
	buf_append(ctx, ev->text, ev->len);
}

/* Text deltas: a key split across them is held back and redacted; text
 * that cannot become a key is released at once; the tail at the end. */
static void test_wire_clean_redacts_keys_in_streamed_text(void **state)
{
	(void)state;
	redact_add_secret(KEY);
	struct wire_clean c;
	struct buf shown;
	wire_clean_init(&c);
	buf_init(&shown, 0);
	const char *deltas[] = {"your key is sk", "-proj/AbC", "-123_xyz, and more", " text s"};
	const char *released[] = {"your key is ", "", "[redacted], and more", " text "};
	for (size_t i = 0; i < 4; i++) {
		struct wire_event ev = {.type = WIRE_EV_TEXT, .text = deltas[i], .len = strlen(deltas[i])};
		const struct wire_event *o = wire_clean(&c, &ev);
		assert_int_equal(o->type, WIRE_EV_TEXT);
		assert_bytes_equal(o->text, o->len, released[i]);
		buf_append(&shown, o->text, o->len);
	}
	/* Another event comes: the held "s" first. */
	wire_clean_flush(&c, collect, &shown);
	assert_bytes_equal(buf_str(&shown), shown.len, "your key is [redacted], and more text s");
	/* Thinking is held apart from text. */
	struct wire_event th = {.type = WIRE_EV_THINKING, .text = "sk\\u002dproj", .len = 12};
	assert_int_equal(wire_clean(&c, &th)->len, 0);
	buf_reset(&shown);
	wire_clean_flush(&c, collect, &shown);
	assert_bytes_equal(buf_str(&shown), shown.len, "sk\\u002dproj");
	buf_done(&shown);
	wire_clean_done(&c);
}

/* wire_clean, issue 19's events: a provider tool's fields and summary and
 * a citation's URL pass util/untrusted (one line, controls shown); an
 * image's base64 keeps its alphabet across line breaks, and anything else
 * in it empties the image (its sinks say it is unreadable). */
static void test_wire_clean_cleans_the_traces(void **state)
{
	(void)state;
	struct wire_clean c;
	wire_clean_init(&c);
	struct wire_event tool = {.type = WIRE_EV_SERVER_TOOL, .tool_id = "t1",
	                          .tool_name = "web\x1b[2Jsearch", .tool_args = "rust\nasync",
	                          .result = true, .text = "2 results\x07", .len = 10};
	const struct wire_event *ev = wire_clean(&c, &tool);
	assert_null(strchr(ev->tool_name, 0x1b));
	assert_null(strchr(ev->tool_args, '\n'));
	assert_null(memchr(ev->text, 0x07, ev->len));
	assert_true(ev->result);
	struct wire_event cite = {.type = WIRE_EV_CITATION, .url = "https://x.test/\x1b]52;c;AA\x07",
	                          .title = "T"};
	ev = wire_clean(&c, &cite);
	assert_null(strchr(ev->url, 0x1b));
	assert_string_equal(ev->title, "T");
	const char b64[] = "iVBO\r\nRw0K\nGgo=";
	struct wire_event img = {.type = WIRE_EV_IMAGE, .mime = "image/png", .text = b64,
	                         .len = sizeof(b64) - 1};
	ev = wire_clean(&c, &img);
	assert_int_equal(ev->len, 12);
	assert_memory_equal(ev->text, "iVBORw0KGgo=", 12);
	const char bad[] = "iVBO\x1b[2JRw0K";
	img.text = bad;
	img.len = sizeof(bad) - 1;
	ev = wire_clean(&c, &img);
	assert_int_equal(ev->len, 0);
	wire_clean_done(&c);
}

/* The cheap test before the per-token copy: a secret's start, in any
 * spelling, or its first byte at the end, says maybe; text that holds
 * neither says no, and then the redactor would change nothing. */
static void test_may_hold(void **state)
{
	(void)state;
	redact_add_secret(KEY);
	assert_false(redact_may_hold("this is plain, sure", 19));
	assert_true(redact_may_hold("key sk-x", 8));
	assert_true(redact_may_hold("ends in s", 9));
	assert_true(redact_may_hold("an \\u escape", 13));
	assert_true(redact_may_hold("s\\u006b", 8));
	assert_false(redact_may_hold("", 0));
	/* Whatever may_hold says no to passes the eager redactor unchanged. */
	const char *texts[] = {"plain words here", "is this so", "kiss me", "a-b/c"};
	for (size_t i = 0; i < 4; i++) {
		size_t n = strlen(texts[i]);
		if (redact_may_hold(texts[i], n))
			continue;
		struct redactor r;
		struct buf out;
		redactor_init(&r);
		buf_init(&out, 0);
		redactor_feed_eager(&r, texts[i], n, &out);
		assert_false(redactor_holds(&r));
		assert_bytes_equal(buf_str(&out), out.len, texts[i]);
		buf_done(&out);
		redactor_done(&r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_redact_key_in_every_json_spelling, reset),
		cmocka_unit_test_setup(test_redact_url_userinfo, reset),
		cmocka_unit_test_setup(test_field_neutralises_controls_c1_del_and_bidi, reset),
		cmocka_unit_test_setup(test_field_redacts_before_it_neutralises, reset),
		cmocka_unit_test_setup(test_escape_keeps_the_log_inert_and_readable, reset),
		cmocka_unit_test_setup(test_cut_never_splits_a_character, reset),
		cmocka_unit_test_setup(test_redactor_escaped_key_split_anywhere, reset),
		cmocka_unit_test_setup(test_wire_clean_cleans_fields, reset),
		cmocka_unit_test_setup(test_wire_clean_redacts_keys_in_streamed_text, reset),
		cmocka_unit_test_setup(test_wire_clean_cleans_the_traces, reset),
		cmocka_unit_test_setup(test_may_hold, reset),
	};
	return cmocka_run_group_tests(tests, NULL, reset);
}
