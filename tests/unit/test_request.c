/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_request: request bodies per provider, HTTP error bodies, retry hints
 * and format names. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <jansson.h>

#include "wire/decoder.h"

#define R "\xEF\xBF\xBD" /* U+FFFD */

/* ---- request bodies ---------------------------------------------------- */

static const struct wire_message CONVO[] = {
    {WIRE_ROLE_USER, "What is 2+2?", NULL, 0},
    {WIRE_ROLE_ASSISTANT, "4.", NULL, 0},
    {WIRE_ROLE_USER, "And in \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e?", NULL, 0},
};

static struct wire_request convo_request(void)
{
	struct wire_request req = {
	    .model = "m-1",
	    .system = "Be brief.",
	    .messages = CONVO,
	    .nmessages = 3,
	};
	return req;
}

/* The body for req, parsed; also checks that *len matches. */
static json_t *build(enum wire_format f, const struct wire_request *req)
{
	size_t len = 0;
	char *text = wire_build_request(f, req, &len);
	assert_non_null(text);
	assert_int_equal(len, strlen(text));
	json_error_t jerr;
	json_t *root = json_loadb(text, len, 0, &jerr);
	if (root == NULL) {
		print_error("%s body is not JSON (%s): %s\n", wire_format_name(f), jerr.text, text);
		fail();
	}
	free(text);
	assert_true(json_is_object(root));
	return root;
}

static const char *str_at(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	if (!json_is_string(v)) {
		print_error("no string \"%s\"\n", key);
		fail();
	}
	return json_string_value(v);
}

/* messages[i] is {role, content}. */
static void assert_message(json_t *msgs, size_t i, const char *role, const char *content)
{
	json_t *m = json_array_get(msgs, i);
	assert_non_null(m);
	assert_string_equal(str_at(m, "role"), role);
	assert_string_equal(str_at(m, "content"), content);
}

static void test_openai_request_puts_system_first_and_asks_for_usage(void **state)
{
	(void)state;
	struct wire_request req = convo_request();
	json_t *root = build(WIRE_OPENAI, &req);
	assert_string_equal(str_at(root, "model"), "m-1");
	json_t *msgs = json_object_get(root, "messages");
	assert_int_equal(json_array_size(msgs), 4);
	assert_message(msgs, 0, "system", "Be brief.");
	assert_message(msgs, 1, "user", "What is 2+2?");
	assert_message(msgs, 2, "assistant", "4.");
	assert_message(msgs, 3, "user", CONVO[2].text);
	assert_true(json_is_true(json_object_get(root, "stream")));
	assert_true(json_is_true(
	    json_object_get(json_object_get(root, "stream_options"), "include_usage")));
	assert_null(json_object_get(root, "max_tokens"));
	json_decref(root);

	req.max_tokens = 500;
	req.system = "";
	root = build(WIRE_OPENAI, &req);
	assert_int_equal(json_integer_value(json_object_get(root, "max_tokens")), 500);
	msgs = json_object_get(root, "messages");
	assert_int_equal(json_array_size(msgs), 3);
	assert_message(msgs, 0, "user", "What is 2+2?");
	json_decref(root);
}

static void test_responses_request_uses_instructions_and_input(void **state)
{
	(void)state;
	struct wire_request req = convo_request();
	json_t *root = build(WIRE_OPENAI_RESPONSES, &req);
	assert_string_equal(str_at(root, "instructions"), "Be brief.");
	assert_null(json_object_get(root, "messages"));
	json_t *input = json_object_get(root, "input");
	assert_int_equal(json_array_size(input), 3);
	assert_message(input, 0, "user", "What is 2+2?");
	assert_message(input, 1, "assistant", "4.");
	assert_message(input, 2, "user", CONVO[2].text);
	assert_true(json_is_true(json_object_get(root, "stream")));
	json_decref(root);
}

static void test_anthropic_request_has_top_level_system_and_default_max_tokens(void **state)
{
	(void)state;
	struct wire_request req = convo_request();
	json_t *root = build(WIRE_ANTHROPIC, &req);
	assert_string_equal(str_at(root, "system"), "Be brief.");
	assert_int_equal(json_integer_value(json_object_get(root, "max_tokens")),
	                 WIRE_ANTHROPIC_DEFAULT_MAX_TOKENS);
	assert_int_equal(WIRE_ANTHROPIC_DEFAULT_MAX_TOKENS, 8192);
	assert_true(json_is_true(json_object_get(root, "stream")));
	assert_null(json_object_get(root, "thinking"));
	json_t *msgs = json_object_get(root, "messages");
	assert_int_equal(json_array_size(msgs), 3);
	assert_message(msgs, 0, "user", "What is 2+2?");
	assert_message(msgs, 1, "assistant", "4.");
	assert_message(msgs, 2, "user", CONVO[2].text);
	json_decref(root);

	req.max_tokens = 1000;
	root = build(WIRE_ANTHROPIC, &req);
	assert_int_equal(json_integer_value(json_object_get(root, "max_tokens")), 1000);
	json_decref(root);
}

static void test_anthropic_request_joins_same_role_turns_and_drops_leading_assistant(void **state)
{
	(void)state;
	static const struct wire_message msgs_in[] = {
	    {WIRE_ROLE_ASSISTANT, "Welcome!", NULL, 0}, {WIRE_ROLE_USER, "one", NULL, 0},
	    {WIRE_ROLE_USER, "two", NULL, 0},           {WIRE_ROLE_ASSISTANT, "a", NULL, 0},
	    {WIRE_ROLE_ASSISTANT, "b", NULL, 0},        {WIRE_ROLE_USER, "three", NULL, 0},
	};
	struct wire_request req = {.model = "c", .messages = msgs_in, .nmessages = 6};
	json_t *root = build(WIRE_ANTHROPIC, &req);
	assert_null(json_object_get(root, "system"));
	json_t *msgs = json_object_get(root, "messages");
	assert_int_equal(json_array_size(msgs), 3);
	assert_message(msgs, 0, "user", "one\n\ntwo");
	assert_message(msgs, 1, "assistant", "a\n\nb");
	assert_message(msgs, 2, "user", "three");
	json_decref(root);
}

static void test_anthropic_prefill_ends_without_white_space(void **state)
{
	(void)state;
	/* /continue after a reply cut right after a newline: the API answers
	 * 400 to a final assistant turn ending in white space. */
	static const struct wire_message cut[] = {
	    {WIRE_ROLE_USER, "list three", NULL, 0},
	    {WIRE_ROLE_ASSISTANT, "1. one\n2. two \n", NULL, 0}};
	struct wire_request req = {.model = "c", .messages = cut, .nmessages = 2};
	json_t *root = build(WIRE_ANTHROPIC, &req);
	json_t *msgs = json_object_get(root, "messages");
	assert_int_equal(json_array_size(msgs), 2);
	assert_message(msgs, 1, "assistant", "1. one\n2. two");
	json_decref(root);
	/* Only white space: no prefill at all. */
	static const struct wire_message blank[] = {{WIRE_ROLE_USER, "hi", NULL, 0},
	                                            {WIRE_ROLE_ASSISTANT, " \n\t", NULL, 0}};
	req.messages = blank;
	root = build(WIRE_ANTHROPIC, &req);
	msgs = json_object_get(root, "messages");
	assert_int_equal(json_array_size(msgs), 1);
	assert_message(msgs, 0, "user", "hi");
	json_decref(root);
	/* An assistant turn in the middle keeps its white space. */
	static const struct wire_message mid[] = {{WIRE_ROLE_USER, "a", NULL, 0},
	                                          {WIRE_ROLE_ASSISTANT, "b\n", NULL, 0},
	                                          {WIRE_ROLE_USER, "c", NULL, 0}};
	req.messages = mid;
	req.nmessages = 3;
	root = build(WIRE_ANTHROPIC, &req);
	assert_message(json_object_get(root, "messages"), 1, "assistant", "b\n");
	json_decref(root);
}

/* ---- images ------------------------------------------------------------ */

/* "hi" (base64 "aGk=") as a png and "abc" ("YWJj") as a jpeg. */
static const struct wire_image IMAGES[] = {
    {"image/png", (const unsigned char *)"hi", 2},
    {"image/jpeg", (const unsigned char *)"abc", 3},
};
static const struct wire_message WITH_IMAGES[] = {
    {WIRE_ROLE_USER, "what is this?", IMAGES, 2},
    {WIRE_ROLE_ASSISTANT, "a cat", NULL, 0},
    {WIRE_ROLE_USER, "sure?", NULL, 0},
};

/* The body built for format f from req: the JSON at its [key][i], compact
 * with sorted keys, against want. */
static void assert_json_at(enum wire_format f, const struct wire_request *req, const char *key,
                           size_t i, const char *want)
{
	json_t *root = build(f, req);
	json_t *v = json_array_get(json_object_get(root, key), i);
	assert_non_null(v);
	char *got = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
	if (strcmp(got, want) != 0)
		print_error("%s: got  %s\nwant %s\n", wire_format_name(f), got, want);
	assert_string_equal(got, want);
	free(got);
	json_decref(root);
}

static void test_images_in_each_providers_own_parts(void **state)
{
	(void)state;
	struct wire_request req = {.model = "m", .messages = WITH_IMAGES, .nmessages = 3};
	assert_json_at(WIRE_OPENAI, &req, "messages", 0,
	               "{\"content\":[{\"text\":\"what is this?\",\"type\":\"text\"},"
	               "{\"image_url\":{\"url\":\"data:image/png;base64,aGk=\"},\"type\":\"image_url\"},"
	               "{\"image_url\":{\"url\":\"data:image/jpeg;base64,YWJj\"},\"type\":\"image_url\"}],"
	               "\"role\":\"user\"}");
	assert_json_at(WIRE_OPENAI, &req, "messages", 2,
	               "{\"content\":\"sure?\",\"role\":\"user\"}");
	assert_json_at(WIRE_OPENAI_RESPONSES, &req, "input", 0,
	               "{\"content\":[{\"text\":\"what is this?\",\"type\":\"input_text\"},"
	               "{\"image_url\":\"data:image/png;base64,aGk=\",\"type\":\"input_image\"},"
	               "{\"image_url\":\"data:image/jpeg;base64,YWJj\",\"type\":\"input_image\"}],"
	               "\"role\":\"user\"}");
	assert_json_at(WIRE_ANTHROPIC, &req, "messages", 0,
	               "{\"content\":[{\"source\":{\"data\":\"aGk=\",\"media_type\":\"image/png\","
	               "\"type\":\"base64\"},\"type\":\"image\"},{\"source\":{\"data\":\"YWJj\","
	               "\"media_type\":\"image/jpeg\",\"type\":\"base64\"},\"type\":\"image\"},"
	               "{\"text\":\"what is this?\",\"type\":\"text\"}],\"role\":\"user\"}");
	assert_json_at(WIRE_GEMINI, &req, "contents", 0,
	               "{\"parts\":[{\"inlineData\":{\"data\":\"aGk=\",\"mimeType\":\"image/png\"}},"
	               "{\"inlineData\":{\"data\":\"YWJj\",\"mimeType\":\"image/jpeg\"}},"
	               "{\"text\":\"what is this?\"}],\"role\":\"user\"}");
	assert_json_at(WIRE_OLLAMA, &req, "messages", 0,
	               "{\"content\":\"what is this?\",\"images\":[\"aGk=\",\"YWJj\"],"
	               "\"role\":\"user\"}");
	assert_json_at(WIRE_OLLAMA, &req, "messages", 2,
	               "{\"content\":\"sure?\",\"role\":\"user\"}");
}

/* Two user turns in a row, the second with an image: Anthropic's turn
 * becomes blocks (the first text a block of its own), Gemini's gets more
 * parts. */
static void test_images_join_a_turn_of_the_same_role(void **state)
{
	(void)state;
	static const struct wire_message two[] = {
	    {WIRE_ROLE_USER, "first", NULL, 0},
	    {WIRE_ROLE_USER, "second", IMAGES, 1},
	};
	struct wire_request req = {.model = "m", .messages = two, .nmessages = 2};
	assert_json_at(WIRE_ANTHROPIC, &req, "messages", 0,
	               "{\"content\":[{\"text\":\"first\",\"type\":\"text\"},{\"source\":{\"data\":"
	               "\"aGk=\",\"media_type\":\"image/png\",\"type\":\"base64\"},\"type\":\"image\"},"
	               "{\"text\":\"second\",\"type\":\"text\"}],\"role\":\"user\"}");
	assert_json_at(WIRE_GEMINI, &req, "contents", 0,
	               "{\"parts\":[{\"text\":\"first\"},{\"inlineData\":{\"data\":\"aGk=\","
	               "\"mimeType\":\"image/png\"}},{\"text\":\"second\"}],\"role\":\"user\"}");
}

/* A message copied for the router's retries owns its text and images. */
static void test_wire_message_copy_is_deep(void **state)
{
	(void)state;
	struct wire_message c;
	wire_message_copy(&c, &WITH_IMAGES[0]);
	assert_string_equal(c.text, "what is this?");
	assert_int_equal(c.nimages, 2);
	assert_ptr_not_equal(c.images[1].data, IMAGES[1].data);
	assert_memory_equal(c.images[1].data, "abc", 3);
	assert_string_equal(c.images[1].mime, "image/jpeg");
	wire_message_free(&c);
	assert_null(c.text);
	assert_int_equal(c.nimages, 0);
}

static void test_anthropic_request_thinking_budget_stays_below_max_tokens(void **state)
{
	(void)state;
	struct wire_request req = convo_request();
	static const int budgets[] = {1024, 8192, 20000};
	static const int maxes[] = {0, 4000, 30000};
	for (size_t b = 0; b < 3; b++) {
		for (size_t m = 0; m < 3; m++) {
			req.thinking_budget = budgets[b];
			req.max_tokens = maxes[m];
			json_t *root = build(WIRE_ANTHROPIC, &req);
			json_t *t = json_object_get(root, "thinking");
			assert_string_equal(str_at(t, "type"), "enabled");
			assert_int_equal(json_integer_value(json_object_get(t, "budget_tokens")),
			                 budgets[b]);
			json_int_t max = json_integer_value(json_object_get(root, "max_tokens"));
			if (max <= budgets[b]) {
				print_error("budget %d, max_tokens %d: body max_tokens %lld\n",
				            budgets[b], maxes[m], (long long)max);
				fail();
			}
			/* A max the caller set that already fits is kept. */
			if (maxes[m] > budgets[b])
				assert_int_equal(max, maxes[m]);
			json_decref(root);
		}
	}
}

static void test_gemini_request_uses_model_role_and_system_instruction(void **state)
{
	(void)state;
	struct wire_request req = convo_request();
	json_t *root = build(WIRE_GEMINI, &req);
	assert_null(json_object_get(root, "model"));
	json_t *si = json_object_get(root, "systemInstruction");
	assert_string_equal(str_at(json_array_get(json_object_get(si, "parts"), 0), "text"),
	                    "Be brief.");
	json_t *contents = json_object_get(root, "contents");
	assert_int_equal(json_array_size(contents), 3);
	static const char *const roles[] = {"user", "model", "user"};
	for (size_t i = 0; i < 3; i++) {
		json_t *c = json_array_get(contents, i);
		assert_string_equal(str_at(c, "role"), roles[i]);
		assert_string_equal(str_at(json_array_get(json_object_get(c, "parts"), 0), "text"),
		                    CONVO[i].text);
	}
	assert_null(json_object_get(json_object_get(root, "generationConfig"), "thinkingConfig"));
	json_decref(root);

	req.thinking_budget = 2048;
	req.max_tokens = 4096;
	root = build(WIRE_GEMINI, &req);
	json_t *gc = json_object_get(root, "generationConfig");
	json_t *tc = json_object_get(gc, "thinkingConfig");
	assert_true(json_is_true(json_object_get(tc, "includeThoughts")));
	assert_int_equal(json_integer_value(json_object_get(tc, "thinkingBudget")), 2048);
	assert_int_equal(json_integer_value(json_object_get(gc, "maxOutputTokens")), 4096);
	json_decref(root);

	/* The JSON-array endpoint takes the same body. */
	char *a = wire_build_request(WIRE_GEMINI, &req, NULL);
	char *b = wire_build_request(WIRE_GEMINI_JSON, &req, NULL);
	assert_string_equal(a, b);
	free(a);
	free(b);
}

static void test_ollama_request_has_system_message_stream_and_num_predict(void **state)
{
	(void)state;
	struct wire_request req = convo_request();
	req.max_tokens = 256;
	json_t *root = build(WIRE_OLLAMA, &req);
	assert_string_equal(str_at(root, "model"), "m-1");
	json_t *msgs = json_object_get(root, "messages");
	assert_int_equal(json_array_size(msgs), 4);
	assert_message(msgs, 0, "system", "Be brief.");
	assert_message(msgs, 1, "user", "What is 2+2?");
	assert_message(msgs, 2, "assistant", "4.");
	assert_true(json_is_true(json_object_get(root, "stream")));
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(root, "options"), "num_predict")),
	    256);
	json_decref(root);
}

static void test_invalid_utf8_in_a_message_becomes_replacement_in_every_body(void **state)
{
	(void)state;
	static const struct wire_message bad[] = {{WIRE_ROLE_USER, "caf\xe9 \xff ok", NULL, 0}};
	struct wire_request req = {
	    .model = "m\xc0", .system = "sys\xed\xa0\x80", .messages = bad, .nmessages = 1};
	for (int f = 0; f < WIRE_FORMAT_COUNT; f++) {
		size_t len;
		char *text = wire_build_request((enum wire_format)f, &req, &len);
		assert_non_null(text);
		json_error_t jerr;
		json_t *root = json_loadb(text, len, 0, &jerr); /* jansson checks UTF-8 */
		if (root == NULL) {
			print_error("%s: %s in %s\n", wire_format_name((enum wire_format)f),
			            jerr.text, text);
			fail();
		}
		if (strstr(text, "caf" R " " R " ok") == NULL) {
			print_error("%s: %s\n", wire_format_name((enum wire_format)f), text);
			fail();
		}
		assert_non_null(strstr(text, "sys" R R R));
		json_decref(root);
		free(text);
	}
}

/* ---- HTTP error bodies ------------------------------------------------- */

static void parse_fixture(enum wire_format f, int status, const char *name, struct wire_error *e)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/streams/%s", FIXTURES, name);
	size_t len;
	char *body = tu_read_file(path, &len);
	wire_error_init(e);
	wire_parse_error_body(f, status, body, len, e);
	free(body);
	assert_int_equal(e->http_status, status);
}

static void test_error_body_openai_401_is_auth(void **state)
{
	(void)state;
	struct wire_error e;
	parse_fixture(WIRE_OPENAI, 401, "openai_401.json", &e);
	assert_int_equal(e.kind, WIRE_ERR_AUTH);
	assert_string_equal(e.code, "invalid_api_key");
	assert_non_null(strstr(e.message, "Incorrect API key provided"));
	wire_error_done(&e);
}

static void test_error_body_openai_429_is_rate_limit_with_hint_from_message(void **state)
{
	(void)state;
	struct wire_error e;
	parse_fixture(WIRE_OPENAI, 429, "openai_429.json", &e);
	assert_int_equal(e.kind, WIRE_ERR_RATE_LIMIT);
	assert_string_equal(e.code, "rate_limit_exceeded");
	assert_int_equal(e.retry_after_ms, 186);
	wire_error_done(&e);
}

static void test_error_body_anthropic_529_is_overloaded(void **state)
{
	(void)state;
	struct wire_error e;
	parse_fixture(WIRE_ANTHROPIC, 529, "anthropic_529.json", &e);
	assert_int_equal(e.kind, WIRE_ERR_OVERLOADED);
	assert_string_equal(e.code, "overloaded_error");
	assert_string_equal(e.message, "Overloaded");
	wire_error_done(&e);
}

static void test_error_body_gemini_400_api_key_invalid_is_auth(void **state)
{
	(void)state;
	struct wire_error e;
	parse_fixture(WIRE_GEMINI, 400, "gemini_400.json", &e);
	assert_int_equal(e.kind, WIRE_ERR_AUTH);
	assert_string_equal(e.code, "INVALID_ARGUMENT");
	assert_string_equal(e.message, "API key not valid. Please pass a valid API key.");
	wire_error_done(&e);

	/* Wrapped in an array, as the JSON-array endpoint sends it. */
	char path[256];
	snprintf(path, sizeof(path), "%s/streams/gemini_400.json", FIXTURES);
	size_t len;
	char *body = tu_read_file(path, &len);
	char *wrapped = malloc(len + 3);
	assert_non_null(wrapped);
	wrapped[0] = '[';
	memcpy(wrapped + 1, body, len);
	memcpy(wrapped + 1 + len, "]", 2);
	wire_error_init(&e);
	wire_parse_error_body(WIRE_GEMINI_JSON, 400, wrapped, len + 2, &e);
	assert_int_equal(e.kind, WIRE_ERR_AUTH);
	assert_string_equal(e.code, "INVALID_ARGUMENT");
	wire_error_done(&e);
	free(wrapped);
	free(body);
}

static void test_error_body_413_html_is_too_large_with_first_line(void **state)
{
	(void)state;
	static const char body[] =
	    "<html><head><title>413 Request Entity Too Large</title></head>\r\n"
	    "<body><center><h1>413 Request Entity Too Large</h1></center>\r\n"
	    "<hr><center>cloudflare</center></body></html>\r\n";
	struct wire_error e;
	wire_error_init(&e);
	wire_parse_error_body(WIRE_ANTHROPIC, 413, body, sizeof(body) - 1, &e);
	assert_int_equal(e.kind, WIRE_ERR_TOO_LARGE);
	assert_int_equal(e.http_status, 413);
	assert_string_equal(e.message,
	                    "<html><head><title>413 Request Entity Too Large</title></head>");
	wire_error_done(&e);
}

static void test_error_body_long_first_line_is_shortened_and_sanitised(void **state)
{
	(void)state;
	char body[1200];
	memset(body, 'x', sizeof(body));
	memcpy(body, "\x1b[31mred", 8);
	struct wire_error e;
	wire_error_init(&e);
	wire_parse_error_body(WIRE_OPENAI, 502, body, sizeof(body), &e);
	assert_int_equal(e.kind, WIRE_ERR_SERVER);
	assert_null(strchr(e.message, '\x1b'));
	assert_true(strlen(e.message) < 400);
	assert_true(strlen(e.message) > 100);
	wire_error_done(&e);
}

static void test_error_body_empty_mentions_the_status(void **state)
{
	(void)state;
	struct wire_error e;
	wire_error_init(&e);
	wire_parse_error_body(WIRE_OPENAI, 502, "", 0, &e);
	assert_int_equal(e.kind, WIRE_ERR_SERVER);
	assert_int_equal(e.http_status, 502);
	assert_non_null(strstr(e.message, "502"));
	wire_error_done(&e);

	wire_error_init(&e);
	wire_parse_error_body(WIRE_OLLAMA, 404, NULL, 0, &e);
	assert_int_equal(e.kind, WIRE_ERR_NOT_FOUND);
	assert_non_null(strstr(e.message, "404"));
	wire_error_done(&e);
}

static void test_error_body_openai_429_insufficient_quota_is_billing(void **state)
{
	(void)state;
	static const char body[] =
	    "{\n    \"error\": {\n        \"message\": \"You exceeded your current quota, please "
	    "check your plan and billing details.\",\n        \"type\": \"insufficient_quota\",\n"
	    "        \"param\": null,\n        \"code\": \"insufficient_quota\"\n    }\n}\n";
	struct wire_error e;
	wire_error_init(&e);
	wire_parse_error_body(WIRE_OPENAI, 429, body, sizeof(body) - 1, &e);
	assert_int_equal(e.kind, WIRE_ERR_BILLING);
	assert_string_equal(e.code, "insufficient_quota");
	wire_error_done(&e);
}

static void test_error_body_ollama_string_error_takes_kind_from_status(void **state)
{
	(void)state;
	static const char body[] =
	    "{\"error\":\"model \\\"llama9\\\" not found, try pulling it first\"}";
	struct wire_error e;
	wire_error_init(&e);
	wire_parse_error_body(WIRE_OLLAMA, 404, body, sizeof(body) - 1, &e);
	assert_int_equal(e.kind, WIRE_ERR_NOT_FOUND);
	assert_string_equal(e.message, "model \"llama9\" not found, try pulling it first");
	wire_error_done(&e);
}

static void test_error_body_in_another_providers_shape_is_still_read(void **state)
{
	(void)state;
	/* An OpenAI-shaped body from a proxy in front of Anthropic. */
	static const char body[] = "{\"error\":{\"message\":\"No auth credentials found\","
	                           "\"type\":\"authentication_error\",\"code\":null}}";
	struct wire_error e;
	wire_error_init(&e);
	wire_parse_error_body(WIRE_ANTHROPIC, 401, body, sizeof(body) - 1, &e);
	assert_int_equal(e.kind, WIRE_ERR_AUTH);
	assert_string_equal(e.code, "authentication_error");
	assert_string_equal(e.message, "No auth credentials found");
	wire_error_done(&e);
}

/* ---- retry hints ------------------------------------------------------- */

static void test_retry_after_ms_header_is_float_milliseconds(void **state)
{
	(void)state;
	long long v = wire_retry_after_ms("1500.5", NULL, 0);
	assert_in_range(v, 1500, 1501);
	/* retry-after-ms is read before retry-after. */
	assert_int_equal(wire_retry_after_ms("250", "12", 0), 250);
}

static void test_retry_after_seconds(void **state)
{
	(void)state;
	assert_int_equal(wire_retry_after_ms(NULL, "12", 0), 12000);
	assert_int_equal(wire_retry_after_ms(NULL, "0", 0), 0);
	/* An unreadable ms header falls back to retry-after. */
	assert_int_equal(wire_retry_after_ms("soon", "3", 0), 3000);
}

static void test_retry_after_http_date_is_relative_to_now(void **state)
{
	(void)state;
	/* Wed, 21 Oct 2015 07:28:00 GMT is 1445412480. */
	assert_int_equal(wire_retry_after_ms(NULL, "Wed, 21 Oct 2015 07:28:00 GMT", 1445412450),
	                 30000);
	/* A date already past: retry now. */
	assert_int_equal(wire_retry_after_ms(NULL, "Wed, 21 Oct 2015 07:28:00 GMT", 1445412490), 0);
}

static void test_retry_after_garbage_and_nulls_are_minus_one(void **state)
{
	(void)state;
	assert_int_equal(wire_retry_after_ms(NULL, NULL, 0), -1);
	assert_int_equal(wire_retry_after_ms("abc", NULL, 0), -1);
	assert_int_equal(wire_retry_after_ms(NULL, "soon", 0), -1);
	assert_int_equal(wire_retry_after_ms("", "", 0), -1);
	assert_int_equal(wire_retry_after_ms(NULL, "Someday, 99 Foo 20x5", 0), -1);
}

/* ---- format names ------------------------------------------------------ */

static void test_format_parse_knows_every_name_and_refuses_others(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		enum wire_format f;
	} names[] = {
	    {"openai", WIRE_OPENAI},           {"openai-responses", WIRE_OPENAI_RESPONSES},
	    {"anthropic", WIRE_ANTHROPIC},     {"gemini", WIRE_GEMINI},
	    {"gemini-json", WIRE_GEMINI_JSON}, {"ollama", WIRE_OLLAMA},
	};
	assert_int_equal(sizeof(names) / sizeof(*names), WIRE_FORMAT_COUNT);
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
		enum wire_format f = WIRE_FORMAT_COUNT;
		assert_int_equal(wire_format_parse(names[i].name, &f), 0);
		assert_int_equal(f, names[i].f);
		assert_string_equal(wire_format_name(f), names[i].name);
	}
	enum wire_format f = WIRE_OLLAMA;
	assert_int_equal(wire_format_parse("claude", &f), -1);
	assert_int_equal(wire_format_parse("", &f), -1);
	assert_int_equal(wire_format_parse("OpenAI", &f), -1);
	assert_int_equal(f, WIRE_OLLAMA); /* untouched on failure */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_openai_request_puts_system_first_and_asks_for_usage),
	    cmocka_unit_test(test_responses_request_uses_instructions_and_input),
	    cmocka_unit_test(test_anthropic_request_has_top_level_system_and_default_max_tokens),
	    cmocka_unit_test(
	        test_anthropic_request_joins_same_role_turns_and_drops_leading_assistant),
	    cmocka_unit_test(test_anthropic_prefill_ends_without_white_space),
	    cmocka_unit_test(test_anthropic_request_thinking_budget_stays_below_max_tokens),
	    cmocka_unit_test(test_gemini_request_uses_model_role_and_system_instruction),
	    cmocka_unit_test(test_ollama_request_has_system_message_stream_and_num_predict),
	    cmocka_unit_test(test_invalid_utf8_in_a_message_becomes_replacement_in_every_body),
	    cmocka_unit_test(test_error_body_openai_401_is_auth),
	    cmocka_unit_test(test_error_body_openai_429_is_rate_limit_with_hint_from_message),
	    cmocka_unit_test(test_error_body_anthropic_529_is_overloaded),
	    cmocka_unit_test(test_error_body_gemini_400_api_key_invalid_is_auth),
	    cmocka_unit_test(test_error_body_413_html_is_too_large_with_first_line),
	    cmocka_unit_test(test_error_body_long_first_line_is_shortened_and_sanitised),
	    cmocka_unit_test(test_error_body_empty_mentions_the_status),
	    cmocka_unit_test(test_error_body_openai_429_insufficient_quota_is_billing),
	    cmocka_unit_test(test_error_body_ollama_string_error_takes_kind_from_status),
	    cmocka_unit_test(test_error_body_in_another_providers_shape_is_still_read),
	    cmocka_unit_test(test_retry_after_ms_header_is_float_milliseconds),
	    cmocka_unit_test(test_retry_after_seconds),
	    cmocka_unit_test(test_retry_after_http_date_is_relative_to_now),
	    cmocka_unit_test(test_retry_after_garbage_and_nulls_are_minus_one),
	    cmocka_unit_test(test_format_parse_knows_every_name_and_refuses_others),
	    cmocka_unit_test(test_images_in_each_providers_own_parts),
	    cmocka_unit_test(test_images_join_a_turn_of_the_same_role),
	    cmocka_unit_test(test_wire_message_copy_is_deep),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
