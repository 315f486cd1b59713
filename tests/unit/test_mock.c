/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_mock: the offline provider's plans decode, through the real decoder,
 * to the reply, timing and failures that mock.h promises. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <jansson.h>
#include <stdbool.h>

#include "net/mock.h"
#include "util/buf.h"
#include "util/utf8.h"
#include "wire/decoder.h"

/* The ranges mock.h states, per variant. */
static const struct {
	const char *name;
	long long first_lo, first_hi; /* ms */
	double rate_lo, rate_hi;      /* tokens per second */
} variants[] = {
    {"mock", 150, 400, 30, 80},
    {"mock-fast", 20, 60, 200, 400},
    {"mock-slow", 800, 1500, 8, 15},
    {"mock-flaky", 150, 400, 30, 80},
};
#define NVARIANTS (sizeof(variants) / sizeof(*variants))

static const char *const prompts[] = {
    "hello",
    "Explain the difference between TCP and UDP, with an example of when to use each one.",
    "東京の今日の天気は？晴れですか、それとも雨ですか。明日の予報も教えてください。週末はどうでしょ"
    "う。",
    "quote \" backslash \\ slash / tab\tend",
    "",
    "x",
};
#define NPROMPTS (sizeof(prompts) / sizeof(*prompts))

/* ------------------------------------------------------------------------ */
/* Decoding a plan                                                            */

/* What the real decoder made of a plan's chunks. */
struct decoded {
	struct buf text;
	size_t ntext; /* non-empty TEXT events */
	char *stop;   /* reason of the last STOP, NULL if none */
	bool has_usage;
	long long input, output;
	size_t nerrors;
	enum wire_error_kind err_kind;
	enum wire_event_type last_type;
	size_t nevents;
	bool feed_failed; /* some feed returned -1 */
	int finish_rc;
};

static void on_event(void *ctx, const struct wire_event *ev)
{
	struct decoded *d = ctx;
	d->nevents++;
	d->last_type = ev->type;
	switch (ev->type) {
	case WIRE_EV_TEXT:
		assert_true(ev->len > 0);
		d->ntext++;
		assert_int_equal(buf_append(&d->text, ev->text, ev->len), 0);
		break;
	case WIRE_EV_USAGE:
		d->has_usage = true;
		d->input = ev->usage.input;
		d->output = ev->usage.output;
		break;
	case WIRE_EV_STOP:
		free(d->stop);
		d->stop = strdup(ev->reason);
		assert_non_null(d->stop);
		break;
	case WIRE_EV_ERROR:
		d->nerrors++;
		d->err_kind = ev->error->kind;
		break;
	default: break;
	}
}

/* True when chunk c is exactly s. (Tests never rely on a NUL after the
 * bytes: the header does not promise one.) */
static bool chunk_is(const struct mock_chunk *c, const char *s)
{
	return c->len == strlen(s) && memcmp(c->bytes, s, c->len) == 0;
}

/* True when chunk c contains s. */
static bool chunk_has(const struct mock_chunk *c, const char *s)
{
	size_t n = strlen(s);
	for (size_t i = 0; i + n <= c->len; i++)
		if (memcmp(c->bytes + i, s, n) == 0)
			return true;
	return false;
}

/* A plan that ends with [DONE]: a whole reply. */
static bool plan_complete(const struct mock_plan *p)
{
	return p->status == 200 && p->nchunks > 0 &&
	       chunk_is(&p->chunks[p->nchunks - 1], "data: [DONE]\n\n");
}

/* Feeds each chunk of a 200 plan to a WIRE_OPENAI decoder, then finishes. */
static void decode_plan(const struct mock_plan *p, struct decoded *d)
{
	memset(d, 0, sizeof(*d));
	buf_init(&d->text, 0);
	struct wire_decoder *dec = wire_decoder_new(WIRE_OPENAI, NULL, on_event, d);
	assert_non_null(dec);
	for (size_t i = 0; i < p->nchunks; i++)
		if (wire_decoder_feed(dec, p->chunks[i].bytes, p->chunks[i].len) < 0)
			d->feed_failed = true;
	d->finish_rc = wire_decoder_finish(dec);
	wire_decoder_free(dec);
}

static void decoded_done(struct decoded *d)
{
	buf_done(&d->text);
	free(d->stop);
}

static void plan_ok(const char *model, const char *prompt, unsigned attempt, struct mock_plan *p)
{
	assert_int_equal(mock_plan(model, prompt, attempt, p), 0);
	assert_true(p->nchunks > 0);
}

/* The chunk's JSON: its bytes are exactly "data: " JSON "\n\n". New
 * reference; NULL for "data: [DONE]\n\n". */
static json_t *chunk_json(const struct mock_chunk *c)
{
	assert_true(c->len > 8);
	assert_memory_equal(c->bytes, "data: ", 6);
	assert_memory_equal(c->bytes + c->len - 2, "\n\n", 2);
	const char *body = c->bytes + 6;
	size_t n = c->len - 8;
	assert_null(memchr(body, '\n', n));
	if (n == 6 && memcmp(body, "[DONE]", 6) == 0)
		return NULL;
	json_error_t err;
	json_t *root = json_loadb(body, n, 0, &err);
	if (root == NULL) {
		print_error("chunk is not JSON (%s): %.*s\n", err.text, (int)n, body);
		fail();
	}
	return root;
}

/* The reply text read from the chunks with jansson, independently of the
 * decoder: every delta.content in order. Also returns the number of chunks
 * that carry content (the role chunk's "" not counted). */
static size_t contents_of(const struct mock_plan *p, struct buf *out)
{
	size_t n = 0;
	for (size_t i = 0; i < p->nchunks; i++) {
		json_t *root = chunk_json(&p->chunks[i]);
		json_t *choice = json_array_get(json_object_get(root, "choices"), 0);
		json_t *content = json_object_get(json_object_get(choice, "delta"), "content");
		if (json_is_string(content) && json_string_length(content) > 0) {
			buf_append(out, json_string_value(content), json_string_length(content));
			n++;
		}
		json_decref(root);
	}
	return n;
}

/* Index of the first chunk whose delta has non-empty content. */
static size_t first_content(const struct mock_plan *p)
{
	for (size_t i = 0; i < p->nchunks; i++)
		if (chunk_has(&p->chunks[i], "\"delta\":{\"content\":"))
			return i;
	fail_msg("no content chunk");
	return 0;
}

static size_t last_content(const struct mock_plan *p)
{
	size_t last = first_content(p);
	for (size_t i = last; i < p->nchunks; i++)
		if (chunk_has(&p->chunks[i], "\"delta\":{\"content\":"))
			last = i;
	return last;
}

/* A plan that does not fail: the non-flaky variants always, mock-flaky on
 * an attempt that succeeds. */
static void plan_success(const char *model, const char *prompt, struct mock_plan *p)
{
	for (unsigned attempt = 0; attempt < 50; attempt++) {
		plan_ok(model, prompt, attempt, p);
		if (plan_complete(p))
			return;
		assert_string_equal(model, "mock-flaky");
		mock_plan_done(p);
	}
	fail_msg("mock-flaky never succeeded in 50 attempts");
}

/* The text between the reply's “ and ”, or "" if it has none. */
static char *echo_of(const char *text)
{
	const char *open = strstr(text, "“");
	const char *close = open ? strstr(open, "”.\n\n") : NULL;
	if (open == NULL || close == NULL)
		return strdup("");
	open += strlen("“");
	return strndup(open, (size_t)(close - open));
}

static size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* ------------------------------------------------------------------------ */
/* Variants                                                                   */

static void test_mock_is_variant_for_the_four_names_only(void **state)
{
	(void)state;
	for (size_t i = 0; i < NVARIANTS; i++)
		assert_true(mock_is_variant(variants[i].name));
	assert_false(mock_is_variant("mock-x"));
	assert_false(mock_is_variant("gpt-4o"));
	assert_false(mock_is_variant("Mock"));
	assert_false(mock_is_variant("mock "));
	assert_false(mock_is_variant("mock-fast-er"));
	assert_false(mock_is_variant(""));
}

static void test_mock_plan_unknown_variant_fails_and_leaves_nothing(void **state)
{
	(void)state;
	const char *const bad[] = {"mock-x", "gpt-4o", "", "mock-flaky2"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct mock_plan p;
		memset(&p, 0xAB, sizeof(p));
		assert_int_equal(mock_plan(bad[i], "hello", 0, &p), -1);
		assert_int_equal(p.nchunks, 0);
		assert_null(p.chunks);
		mock_plan_done(&p);
	}
}

/* ------------------------------------------------------------------------ */
/* The reply                                                                  */

static void test_mock_every_variant_decodes_to_a_complete_reply(void **state)
{
	(void)state;
	for (size_t v = 0; v < NVARIANTS; v++) {
		for (size_t k = 0; k < NPROMPTS; k++) {
			struct mock_plan p;
			plan_success(variants[v].name, prompts[k], &p);
			assert_int_equal(p.status, 200);

			struct decoded d;
			decode_plan(&p, &d);
			assert_false(d.feed_failed);
			assert_int_equal(d.finish_rc, 0);
			assert_int_equal(d.nerrors, 0);
			assert_non_null(d.stop);
			assert_string_equal(d.stop, "stop");
			assert_true(d.has_usage);
			assert_int_equal(d.output, (long long)d.ntext);
			assert_int_equal(d.input, (long long)((strlen(prompts[k]) + 3) / 4));

			/* The decoder saw exactly the text the chunks carry. */
			struct buf want;
			buf_init(&want, 0);
			assert_int_equal(contents_of(&p, &want), d.ntext);
			assert_int_equal(d.text.len, want.len);
			assert_memory_equal(d.text.data, want.data, want.len);
			buf_done(&want);

			/* "Tokens": about 60-120 of them (a CJK echo costs more). */
			assert_in_range(d.ntext, 60, 130);
			decoded_done(&d);
			mock_plan_done(&p);
		}
	}
}

/* What the reply is for: it says what it is and how to get a real one. */
static void test_mock_reply_says_it_is_offline_and_how_to_set_up(void **state)
{
	(void)state;
	static const char *const facts[] = {
	    "mock",
	    "offline",
	    "OPENAI_API_KEY",
	    "ANTHROPIC_API_KEY",
	    "GEMINI_API_KEY",
	    "GOOGLE_API_KEY",
	    "Ollama",
	    "`-m ollama:llama3.2`",
	    "-m",
	    "`-m gpt-4o-mini`",
	    "`-m claude-sonnet-4-5`",
	    "provider:model",
	    "→",
	};
	for (size_t v = 0; v < NVARIANTS; v++) {
		for (unsigned attempt = 0; attempt < 12; attempt++) {
			struct mock_plan p;
			plan_ok(variants[v].name, "hello", attempt, &p);
			if (!plan_complete(&p)) {
				mock_plan_done(&p); /* a flaky failure: tested below */
				continue;
			}
			struct decoded d;
			decode_plan(&p, &d);
			const char *text = buf_str(&d.text);
			assert_true(utf8_valid(d.text.data, d.text.len));
			for (size_t i = 0; i < sizeof(facts) / sizeof(*facts); i++) {
				if (strstr(text, facts[i]) == NULL) {
					print_error("no \"%s\" in: %s\n", facts[i], text);
					fail();
				}
			}
			/* Names itself and lists the three others. */
			char self[64];
			snprintf(self, sizeof(self), " %s,", variants[v].name);
			assert_non_null(strstr(text, self));
			for (size_t o = 0; o < NVARIANTS; o++) {
				char other[64];
				snprintf(other, sizeof(other), " %s%s", variants[o].name,
				         o == NVARIANTS - 1 ? " (" : "");
				const char *list = strstr(text, "Other mocks:");
				assert_non_null(list);
				if (o != v)
					assert_non_null(strstr(list, other));
			}
			assert_non_null(strstr(text, "“hello”"));
			decoded_done(&d);
			mock_plan_done(&p);
		}
	}
}

/* One reply in full, as documentation of what the user sees. */
static void test_mock_reply_for_hello(void **state)
{
	(void)state;
	struct mock_plan p;
	plan_ok("mock", "hello", 0, &p);
	struct decoded d;
	decode_plan(&p, &d);
	assert_bytes_equal(
	    d.text.data, d.text.len,
	    "Hi! I'm mock, circuit's offline mock model: no network, no API key. You wrote: "
	    "“hello”.\n\n"
	    "For real answers, set OPENAI_API_KEY, ANTHROPIC_API_KEY or GEMINI_API_KEY (or "
	    "GOOGLE_API_KEY), or run Ollama → `-m ollama:llama3.2`. Choose one with -m, like `-m "
	    "gpt-4o-mini` or `-m claude-sonnet-4-5`; provider:model always works.\n\n"
	    "Other mocks: mock-fast, mock-slow and mock-flaky (has outages: 3 failures in a row in every 9 tries).");
	decoded_done(&d);
	mock_plan_done(&p);
}

static void test_mock_empty_prompt_says_so(void **state)
{
	(void)state;
	const char *const empty[] = {"", "   ", "\n\t\r", "\x1b\x07"};
	for (size_t i = 0; i < sizeof(empty) / sizeof(*empty); i++) {
		struct mock_plan p;
		plan_ok("mock", empty[i], 0, &p);
		struct decoded d;
		decode_plan(&p, &d);
		assert_non_null(strstr(buf_str(&d.text), "Your message was empty."));
		assert_null(strstr(buf_str(&d.text), "“"));
		decoded_done(&d);
		mock_plan_done(&p);
	}
}

/* The chunks have the shape of OpenAI's: one id, object, created and model
 * throughout; a role chunk; content deltas; finish "stop" with an empty
 * delta; a usage chunk with no choices; [DONE]. */
static void test_mock_chunks_have_the_chat_completions_shape(void **state)
{
	(void)state;
	for (size_t v = 0; v < NVARIANTS; v++) {
		struct mock_plan p;
		plan_success(variants[v].name, prompts[1], &p);
		assert_true(p.nchunks >= 5);
		char *id = NULL;
		long long created = 0;
		size_t ncontent = 0;
		for (size_t i = 0; i + 1 < p.nchunks; i++) {
			json_t *root = chunk_json(&p.chunks[i]);
			assert_non_null(root);
			const char *cid = json_string_value(json_object_get(root, "id"));
			assert_non_null(cid);
			assert_memory_equal(cid, "chatcmpl-", 9);
			if (id == NULL) {
				id = strdup(cid);
				created = json_integer_value(json_object_get(root, "created"));
				assert_true(created > 1700000000);
			}
			assert_string_equal(cid, id);
			assert_int_equal(json_integer_value(json_object_get(root, "created")),
			                 created);
			assert_string_equal(json_string_value(json_object_get(root, "object")),
			                    "chat.completion.chunk");
			assert_string_equal(json_string_value(json_object_get(root, "model")),
			                    variants[v].name);
			json_t *choices = json_object_get(root, "choices");
			assert_true(json_is_array(choices));
			json_t *c = json_array_get(choices, 0);
			json_t *delta = json_object_get(c, "delta");
			if (i == 0) {
				assert_string_equal(
				    json_string_value(json_object_get(delta, "role")), "assistant");
				assert_string_equal(
				    json_string_value(json_object_get(delta, "content")), "");
				assert_true(json_is_null(json_object_get(c, "finish_reason")));
			} else if (i == p.nchunks - 3) {
				assert_int_equal(json_object_size(delta), 0);
				assert_string_equal(
				    json_string_value(json_object_get(c, "finish_reason")), "stop");
			} else if (i == p.nchunks - 2) {
				assert_int_equal(json_array_size(choices), 0);
				json_t *u = json_object_get(root, "usage");
				long long in =
				    json_integer_value(json_object_get(u, "prompt_tokens"));
				long long out =
				    json_integer_value(json_object_get(u, "completion_tokens"));
				assert_int_equal(out, (long long)ncontent);
				assert_int_equal(
				    json_integer_value(json_object_get(u, "total_tokens")),
				    in + out);
			} else {
				assert_int_equal(json_object_size(delta), 1);
				assert_true(json_string_length(json_object_get(delta, "content")) >
				            0);
				assert_int_equal(json_integer_value(json_object_get(c, "index")),
				                 0);
				assert_true(json_is_null(json_object_get(c, "logprobs")));
				assert_true(json_is_null(json_object_get(c, "finish_reason")));
				ncontent++;
			}
			json_decref(root);
		}
		assert_null(chunk_json(&p.chunks[p.nchunks - 1]));
		assert_int_equal(ncontent, p.nchunks - 4);
		free(id);
		mock_plan_done(&p);
	}
}

/* Fed as one body, whole or byte by byte, the plan decodes the same. */
static void test_mock_plan_body_decodes_the_same_however_split(void **state)
{
	(void)state;
	struct mock_plan p;
	plan_ok("mock-fast", prompts[3], 0, &p);
	struct buf body;
	buf_init(&body, 0);
	for (size_t i = 0; i < p.nchunks; i++)
		buf_append(&body, p.chunks[i].bytes, p.chunks[i].len);
	struct decoded by_chunk;
	decode_plan(&p, &by_chunk);
	for (int bytewise = 0; bytewise < 2; bytewise++) {
		struct decoded d;
		memset(&d, 0, sizeof(d));
		buf_init(&d.text, 0);
		struct wire_decoder *dec = wire_decoder_new(WIRE_OPENAI, NULL, on_event, &d);
		if (bytewise)
			for (size_t i = 0; i < body.len; i++)
				wire_decoder_feed(dec, body.data + i, 1);
		else
			wire_decoder_feed(dec, body.data, body.len);
		assert_int_equal(wire_decoder_finish(dec), 0);
		wire_decoder_free(dec);
		assert_int_equal(d.nevents, by_chunk.nevents);
		assert_int_equal(d.text.len, by_chunk.text.len);
		assert_memory_equal(d.text.data, by_chunk.text.data, d.text.len);
		decoded_done(&d);
	}
	decoded_done(&by_chunk);
	buf_done(&body);
	mock_plan_done(&p);
}

/* ------------------------------------------------------------------------ */
/* Determinism                                                                */

static bool plans_equal(const struct mock_plan *a, const struct mock_plan *b)
{
	if (a->status != b->status || a->nchunks != b->nchunks)
		return false;
	for (size_t i = 0; i < a->nchunks; i++)
		if (a->chunks[i].at_ms != b->chunks[i].at_ms ||
		    a->chunks[i].len != b->chunks[i].len ||
		    memcmp(a->chunks[i].bytes, b->chunks[i].bytes, a->chunks[i].len) != 0)
			return false;
	return true;
}

static void test_mock_same_inputs_give_identical_plans(void **state)
{
	(void)state;
	for (size_t v = 0; v < NVARIANTS; v++) {
		for (size_t k = 0; k < NPROMPTS; k++) {
			for (unsigned attempt = 0; attempt < 6; attempt++) {
				struct mock_plan a, b;
				plan_ok(variants[v].name, prompts[k], attempt, &a);
				plan_ok(variants[v].name, prompts[k], attempt, &b);
				assert_true(plans_equal(&a, &b));
				mock_plan_done(&a);
				mock_plan_done(&b);
			}
		}
	}
}

static void test_mock_different_prompt_gives_different_text(void **state)
{
	(void)state;
	for (size_t v = 0; v < NVARIANTS; v++) {
		for (size_t k = 0; k + 1 < NPROMPTS; k++) {
			struct mock_plan a, b;
			plan_success(variants[v].name, prompts[k], &a);
			plan_success(variants[v].name, prompts[k + 1], &b);
			struct buf ta, tb;
			buf_init(&ta, 0);
			buf_init(&tb, 0);
			contents_of(&a, &ta);
			contents_of(&b, &tb);
			assert_false(ta.len == tb.len && memcmp(ta.data, tb.data, ta.len) == 0);
			buf_done(&ta);
			buf_done(&tb);
			mock_plan_done(&a);
			mock_plan_done(&b);
		}
	}
}

/* Retries are new draws: the plans of attempts 0 and 1 differ. */
static void test_mock_attempt_changes_the_plan(void **state)
{
	(void)state;
	for (size_t v = 0; v < NVARIANTS; v++) {
		struct mock_plan a, b;
		plan_ok(variants[v].name, "hello", 0, &a);
		plan_ok(variants[v].name, "hello", 1, &b);
		assert_false(plans_equal(&a, &b));
		mock_plan_done(&a);
		mock_plan_done(&b);
	}
}

/* ------------------------------------------------------------------------ */
/* Timing                                                                     */

static void test_mock_times_are_non_decreasing(void **state)
{
	(void)state;
	for (size_t v = 0; v < NVARIANTS; v++) {
		for (size_t k = 0; k < NPROMPTS; k++) {
			for (unsigned attempt = 0; attempt < 10; attempt++) {
				struct mock_plan p;
				plan_ok(variants[v].name, prompts[k], attempt, &p);
				assert_true(p.chunks[0].at_ms >= 0);
				for (size_t i = 1; i < p.nchunks; i++)
					assert_true(p.chunks[i - 1].at_ms <= p.chunks[i].at_ms);
				mock_plan_done(&p);
			}
		}
	}
}

/* First-token time and mean rate (from the first content chunk to the
 * last) inside the variant's range, for many prompts; the role chunk
 * ("headers") comes first, and the end right after the last token. */
static void test_mock_first_token_and_rate_in_range(void **state)
{
	(void)state;
	for (size_t v = 0; v < NVARIANTS; v++) {
		double rate_min = 1e9, rate_max = 0;
		for (int k = 0; k < 40; k++) {
			char prompt[64];
			snprintf(prompt, sizeof(prompt), "prompt number %d", k);
			struct mock_plan p;
			plan_success(variants[v].name, prompt, &p);
			size_t first = first_content(&p), last = last_content(&p);
			long long t0 = p.chunks[first].at_ms, t1 = p.chunks[last].at_ms;
			assert_int_equal(first, 1);
			assert_in_range(p.chunks[0].at_ms, 1, 30);
			assert_true(p.chunks[0].at_ms < t0);
			assert_in_range(t0, variants[v].first_lo, variants[v].first_hi);
			assert_true(t1 > t0);
			double rate = (double)(last - first) * 1000.0 / (double)(t1 - t0);
			if (rate < variants[v].rate_lo || rate > variants[v].rate_hi) {
				print_error("%s: %.1f tok/s outside %.0f-%.0f\n", variants[v].name,
				            rate, variants[v].rate_lo, variants[v].rate_hi);
				fail();
			}
			rate_min = rate < rate_min ? rate : rate_min;
			rate_max = rate > rate_max ? rate : rate_max;
			/* Finish, usage and [DONE] within a few ms of the last token. */
			for (size_t i = last + 1; i < p.nchunks; i++)
				assert_in_range(p.chunks[i].at_ms, t1, t1 + 5);
			/* Jitter: the gaps are not all equal. */
			long long g0 = p.chunks[first + 1].at_ms - t0;
			bool varied = false;
			for (size_t i = first + 2; i <= last; i++)
				varied |= p.chunks[i].at_ms - p.chunks[i - 1].at_ms != g0;
			assert_true(varied);
			mock_plan_done(&p);
		}
		/* The rate is drawn across the range, not stuck at one value. */
		double span = variants[v].rate_hi - variants[v].rate_lo;
		assert_true(rate_max - rate_min > span / 3);
	}
}

/* ------------------------------------------------------------------------ */
/* The prompt echo                                                            */

/* Long prompts of 1- to 4-byte characters, with ASCII in front so the cut
 * falls at every byte offset of a character: the echo is exactly 60
 * characters, valid UTF-8, a prefix of the prompt, then "…". */
static void test_mock_echo_is_cut_on_a_character_boundary(void **state)
{
	(void)state;
	static const char *const wide[] = {"é", "€", "日", "😀"};
	for (size_t w = 0; w < sizeof(wide) / sizeof(*wide); w++) {
		for (int lead = 0; lead < 5; lead++) {
			char prompt[512] = "";
			size_t n = 0;
			for (int i = 0; i < lead; i++)
				prompt[n++] = 'a';
			for (int i = 0; i < 80; i++) {
				size_t wl = strlen(wide[w]);
				memcpy(prompt + n, wide[w], wl);
				n += wl;
			}
			prompt[n] = '\0';
			struct mock_plan p;
			plan_ok("mock", prompt, 0, &p);
			struct decoded d;
			decode_plan(&p, &d);
			assert_true(utf8_valid(d.text.data, d.text.len));
			char *echo = echo_of(buf_str(&d.text));
			size_t el = strlen(echo);
			assert_true(el > strlen("…"));
			assert_string_equal(echo + el - strlen("…"), "…");
			size_t kept = el - strlen("…");
			assert_memory_equal(echo, prompt, kept);
			echo[kept] = '\0';
			assert_int_equal(utf8_chars(echo), 60);
			free(echo);
			decoded_done(&d);
			mock_plan_done(&p);
		}
	}
}

static void test_mock_short_prompt_is_echoed_whole(void **state)
{
	(void)state;
	/* 60 characters exactly: no cut. */
	const char *sixty = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ01234567";
	assert_int_equal(strlen(sixty), 60);
	const char *const whole[] = {"hello", sixty, "日本語のテキスト", "ends with a space   "};
	const char *const want[] = {"hello", sixty, "日本語のテキスト", "ends with a space"};
	for (size_t i = 0; i < sizeof(whole) / sizeof(*whole); i++) {
		struct mock_plan p;
		plan_ok("mock", whole[i], 0, &p);
		struct decoded d;
		decode_plan(&p, &d);
		char *echo = echo_of(buf_str(&d.text));
		assert_string_equal(echo, want[i]);
		free(echo);
		decoded_done(&d);
		mock_plan_done(&p);
	}
}

/* Escape sequences, CR, BEL, DEL, C1 controls and broken UTF-8 in the
 * prompt: none reaches the reply; whitespace runs become one space. */
static void test_mock_control_bytes_never_reach_the_text(void **state)
{
	(void)state;
	static const struct {
		const char *prompt, *echo;
	} cases[] = {
	    {"a\x1b[31mred\x07\r\nline\ttab", "a [31mred line tab"},
	    {"\x1b]52;c;ZXZpbA==\x07paste", "]52;c;ZXZpbA== paste"},
	    {"del\x7f c1\xc2\x9b"
	     "2J end",
	     "del c1 2J end"},
	    {"bad \xff\xfe utf8 \xe2\x82", "bad \xEF\xBF\xBD\xEF\xBF\xBD utf8 \xEF\xBF\xBD"},
	    {"\n\n  leading and trailing \n\n", "leading and trailing"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		for (size_t v = 0; v < NVARIANTS; v++) {
			struct mock_plan p;
			plan_success(variants[v].name, cases[i].prompt, &p);
			struct decoded d;
			decode_plan(&p, &d);
			assert_true(utf8_valid(d.text.data, d.text.len));
			for (size_t b = 0; b < d.text.len; b++) {
				unsigned char c = (unsigned char)d.text.data[b];
				assert_true(c >= 0x20 || c == '\n');
				assert_true(c != 0x7F);
				/* No C1 control (U+0080..U+009F is C2 80..C2 9F). */
				if (c == 0xC2 && b + 1 < d.text.len)
					assert_true((unsigned char)d.text.data[b + 1] >= 0xA0);
			}
			char *echo = echo_of(buf_str(&d.text));
			assert_string_equal(echo, cases[i].echo);
			free(echo);
			decoded_done(&d);
			mock_plan_done(&p);
		}
	}
}

/* ------------------------------------------------------------------------ */
/* mock-flaky                                                                 */

static void test_mock_flaky_fails_about_one_attempt_in_three(void **state)
{
	(void)state;
	const char *const flaky_prompts[] = {"hello", prompts[1], prompts[2], "", "retry me"};
	size_t before = 0, midstream = 0, total = 0;
	for (size_t k = 0; k < sizeof(flaky_prompts) / sizeof(*flaky_prompts); k++) {
		size_t failed = 0, in_a_row = 0;
		bool fails[27] = {false};
		for (unsigned attempt = 0; attempt < 27; attempt++) {
			size_t failed_before = failed;
			struct mock_plan p;
			plan_ok("mock-flaky", flaky_prompts[k], attempt, &p);
			if (p.status != 200) {
				/* Overloaded before the first token: one chunk, the body. */
				assert_int_equal(p.status, 503);
				assert_int_equal(p.nchunks, 1);
				assert_in_range(p.chunks[0].at_ms, 100, 300);
				struct wire_error e;
				wire_error_init(&e);
				wire_parse_error_body(WIRE_OPENAI, p.status, p.chunks[0].bytes,
				                      p.chunks[0].len, &e);
				assert_int_equal(e.kind, WIRE_ERR_OVERLOADED);
				assert_int_equal(e.http_status, 503);
				assert_string_equal(
				    e.message, "The mock is overloaded (mock-flaky). Try again.");
				wire_error_done(&e);
				failed++;
				before++;
				in_a_row++;
				fails[attempt] = true;
				mock_plan_done(&p);
				continue;
			}
			struct decoded d;
			decode_plan(&p, &d);
			if (d.finish_rc != 0) {
				/* Dropped mid-reply: some text, then an in-stream error,
				 * and nothing after it. */
				assert_true(d.feed_failed);
				assert_true(d.ntext > 0);
				assert_int_equal(d.nerrors, 1);
				assert_int_equal(d.last_type, WIRE_EV_ERROR);
				assert_null(d.stop);
				assert_false(d.has_usage);
				assert_true(chunk_has(&p.chunks[p.nchunks - 1],
				                      "mock-flaky dropped the stream mid-reply"));
				assert_int_equal(p.nchunks, d.ntext + 2);
				failed++;
				midstream++;
			} else {
				assert_int_equal(d.nerrors, 0);
				assert_string_equal(d.stop, "stop");
			}
			in_a_row = failed > failed_before ? in_a_row + 1 : 0;
			fails[attempt] = failed > failed_before;
			decoded_done(&d);
			mock_plan_done(&p);
		}
		(void)in_a_row;
		/* An outage, not noise: in each cycle of 9 attempts exactly one
		 * burst of 3 failures in a row (enough to open a breaker), the
		 * same burst whatever the prompt. */
		assert_int_equal(failed, 9);
		for (unsigned c = 0; c < 3; c++) {
			unsigned n = 0, first = 9;
			for (unsigned i = 0; i < 9; i++) {
				if (fails[c * 9 + i]) {
					n++;
					if (first == 9)
						first = i;
				}
			}
			assert_int_equal(n, 3);
			assert_true(fails[c * 9 + first + 1] && fails[c * 9 + first + 2]);
		}
		total += failed;
	}
	assert_true(before > 0);
	assert_true(midstream > 0);
	assert_int_equal(total, 5 * 9);
}

/* The other variants never fail. */
static void test_mock_steady_variants_never_fail(void **state)
{
	(void)state;
	for (size_t v = 0; v < NVARIANTS; v++) {
		if (strcmp(variants[v].name, "mock-flaky") == 0)
			continue;
		for (unsigned attempt = 0; attempt < 30; attempt++) {
			struct mock_plan p;
			plan_ok(variants[v].name, "hello", attempt, &p);
			assert_int_equal(p.status, 200);
			assert_true(plan_complete(&p));
			mock_plan_done(&p);
		}
	}
}

/* ------------------------------------------------------------------------ */
/* Ownership                                                                  */

static void test_mock_plan_done_frees_and_resets(void **state)
{
	(void)state;
	for (size_t v = 0; v < NVARIANTS; v++) {
		for (unsigned attempt = 0; attempt < 10; attempt++) {
			struct mock_plan p;
			plan_ok(variants[v].name, prompts[1], attempt, &p);
			mock_plan_done(&p);
			assert_null(p.chunks);
			assert_int_equal(p.nchunks, 0);
			mock_plan_done(&p); /* twice is harmless */
		}
	}
	mock_plan_done(NULL);
}

/* A huge prompt costs nothing extra: the echo reads only its start. */
static void test_mock_huge_prompt(void **state)
{
	(void)state;
	size_t n = (size_t)4 << 20;
	char *prompt = malloc(n + 1);
	assert_non_null(prompt);
	memset(prompt, 'z', n);
	prompt[n] = '\0';
	struct mock_plan p;
	plan_success("mock-fast", prompt, &p);
	struct decoded d;
	decode_plan(&p, &d);
	assert_int_equal(d.finish_rc, 0);
	assert_int_equal(d.input, (long long)((n + 3) / 4));
	decoded_done(&d);
	mock_plan_done(&p);
	free(prompt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mock_is_variant_for_the_four_names_only),
	    cmocka_unit_test(test_mock_plan_unknown_variant_fails_and_leaves_nothing),
	    cmocka_unit_test(test_mock_every_variant_decodes_to_a_complete_reply),
	    cmocka_unit_test(test_mock_reply_says_it_is_offline_and_how_to_set_up),
	    cmocka_unit_test(test_mock_reply_for_hello),
	    cmocka_unit_test(test_mock_empty_prompt_says_so),
	    cmocka_unit_test(test_mock_chunks_have_the_chat_completions_shape),
	    cmocka_unit_test(test_mock_plan_body_decodes_the_same_however_split),
	    cmocka_unit_test(test_mock_same_inputs_give_identical_plans),
	    cmocka_unit_test(test_mock_different_prompt_gives_different_text),
	    cmocka_unit_test(test_mock_attempt_changes_the_plan),
	    cmocka_unit_test(test_mock_times_are_non_decreasing),
	    cmocka_unit_test(test_mock_first_token_and_rate_in_range),
	    cmocka_unit_test(test_mock_echo_is_cut_on_a_character_boundary),
	    cmocka_unit_test(test_mock_short_prompt_is_echoed_whole),
	    cmocka_unit_test(test_mock_control_bytes_never_reach_the_text),
	    cmocka_unit_test(test_mock_flaky_fails_about_one_attempt_in_three),
	    cmocka_unit_test(test_mock_steady_variants_never_fail),
	    cmocka_unit_test(test_mock_plan_done_frees_and_resets),
	    cmocka_unit_test(test_mock_huge_prompt),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
