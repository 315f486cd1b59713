/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_decoder: every provider fixture decodes to its expected.json, whole,
 * byte by byte and split in two at every offset. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <dirent.h>
#include <jansson.h>

#include "util/buf.h"
#include "wire/decoder.h"

#define STREAMS FIXTURES "/streams"

/* What one decode produced: every event serialised (one line each), and the
 * summary the fixture README defines. */
struct run {
	struct buf events;
	struct buf text;
	struct buf thinking;
	char *stop;     /* reason of the last STOP, NULL if none */
	bool has_usage; /* a USAGE event came */
	long long input, output;
	bool has_error;
	enum wire_error_kind err_kind;
	int err_status;
	char *err_code;
	char *err_message;
	size_t nerrors;
	json_t *tools; /* [{id, name, arguments}] */
	int finish_rc;
};

static void run_init(struct run *r)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->events, 0);
	buf_init(&r->text, 0);
	buf_init(&r->thinking, 0);
	r->tools = json_array();
}

static void run_done(struct run *r)
{
	buf_done(&r->events);
	buf_done(&r->text);
	buf_done(&r->thinking);
	free(r->stop);
	free(r->err_code);
	free(r->err_message);
	json_decref(r->tools);
}

static char *dup_str(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	assert_non_null(d);
	memcpy(d, s, n);
	return d;
}

static void collect(void *ctx, const struct wire_event *ev)
{
	struct run *r = ctx;
	assert_int_equal(wire_event_to_json(ev, &r->events), 0);
	assert_int_equal(buf_append_char(&r->events, '\n'), 0);
	switch (ev->type) {
	case WIRE_EV_TEXT: buf_append(&r->text, ev->text, ev->len); break;
	case WIRE_EV_THINKING: buf_append(&r->thinking, ev->text, ev->len); break;
	case WIRE_EV_REFUSAL:
	case WIRE_EV_SERVER_TOOL: /* issue 19's traces: checked through r->events */
	case WIRE_EV_CITATION:
	case WIRE_EV_IMAGE:
	case WIRE_EV_MARKER:
		break;
	case WIRE_EV_TOOL_CALL: {
		json_t *t = json_pack("{s:s, s:s, s:s}", "id", ev->tool_id, "name", ev->tool_name,
		                      "arguments", ev->tool_args);
		assert_non_null(t);
		json_array_append_new(r->tools, t);
		break;
	}
	case WIRE_EV_USAGE:
		r->has_usage = true;
		r->input = ev->usage.input;
		r->output = ev->usage.output;
		break;
	case WIRE_EV_STOP:
		free(r->stop);
		r->stop = dup_str(ev->reason);
		break;
	case WIRE_EV_ERROR:
		r->nerrors++;
		r->has_error = true;
		r->err_kind = ev->error->kind;
		r->err_status = ev->error->http_status;
		free(r->err_code);
		free(r->err_message);
		r->err_code = dup_str(ev->error->code);
		r->err_message = dup_str(ev->error->message);
		break;
	}
}

/* Decodes body in format f, fed as the pieces that the cut offsets make
 * (cuts ascending, each in [0, len]). */
/* The decoders' fast path: on, as in the program, unless a test says. */
static bool fast_path = true;

static void decode_cuts(enum wire_format f, const char *body, size_t len, const size_t *cuts,
                        size_t ncuts, struct run *r)
{
	run_init(r);
	struct wire_decoder *d = wire_decoder_new(f, NULL, collect, r);
	assert_non_null(d);
	wire_decoder_set_fast(d, fast_path);
	size_t at = 0;
	for (size_t i = 0; i <= ncuts; i++) {
		size_t end = i < ncuts ? cuts[i] : len;
		wire_decoder_feed(d, body + at, end - at);
		at = end;
	}
	r->finish_rc = wire_decoder_finish(d);
	wire_decoder_free(d);
}

static void decode_whole(enum wire_format f, const char *body, size_t len, struct run *r)
{
	decode_cuts(f, body, len, NULL, 0, r);
}

static void decode_bytewise(enum wire_format f, const char *body, size_t len, struct run *r)
{
	run_init(r);
	struct wire_decoder *d = wire_decoder_new(f, NULL, collect, r);
	assert_non_null(d);
	for (size_t i = 0; i < len; i++)
		wire_decoder_feed(d, body + i, 1);
	r->finish_rc = wire_decoder_finish(d);
	wire_decoder_free(d);
}

/* Same bytes in a and b (either may be empty, its data NULL). */
static bool same_buf(const struct buf *a, const struct buf *b)
{
	return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

/* Two runs gave the same events and the same verdict. */
static void assert_same_run(const struct run *got, const struct run *want, const char *how)
{
	if (!same_buf(&got->events, &want->events)) {
		print_error("%s: events differ from the whole-body decode\n--- got\n%s--- want\n%s",
		            how, buf_str(&got->events), buf_str(&want->events));
		fail();
	}
	if (got->finish_rc != want->finish_rc) {
		print_error("%s: finish returned %d, whole-body decode %d\n", how, got->finish_rc,
		            want->finish_rc);
		fail();
	}
}

/* The fixtures found in the folder at run time. */
struct fixture {
	char name[128];   /* "openai_chat_basic" */
	char body[512];   /* path of the body */
	char expect[512]; /* path of NAME.expected.json */
};

static json_t *load_expected(const struct fixture *fx)
{
	json_error_t jerr;
	json_t *root = json_load_file(fx->expect, 0, &jerr);
	if (root == NULL) {
		print_error("%s: %s (line %d)\n", fx->expect, jerr.text, jerr.line);
		fail();
	}
	return root;
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

/* The wire format a fixture name implies (the README's naming). */
static enum wire_format format_of(const struct fixture *fx, bool http_error)
{
	const char *n = fx->name;
	if (starts_with(n, "openai_responses_"))
		return WIRE_OPENAI_RESPONSES;
	if (starts_with(n, "openai_"))
		return WIRE_OPENAI;
	if (starts_with(n, "anthropic_"))
		return WIRE_ANTHROPIC;
	if (starts_with(n, "gemini_"))
		return ends_with(fx->body, ".json") && !http_error ? WIRE_GEMINI_JSON : WIRE_GEMINI;
	if (starts_with(n, "ollama_"))
		return WIRE_OLLAMA;
	print_error("%s: no wire format for this name\n", n);
	fail();
	return WIRE_OPENAI;
}

static void assert_text_equal(const char *what, const char *name, const struct buf *got,
                              json_t *want)
{
	assert_true(json_is_string(want));
	size_t wl = json_string_length(want);
	if (got->len != wl || (wl > 0 && memcmp(got->data, json_string_value(want), wl) != 0)) {
		print_error("%s: %s\n  got  \"%s\"\n  want \"%s\"\n", name, what, buf_str(got),
		            json_string_value(want));
		fail();
	}
}

static void assert_nullable_str(const char *what, const char *name, const char *got, json_t *want)
{
	if (json_is_null(want)) {
		if (got != NULL) {
			print_error("%s: %s is \"%s\", want null\n", name, what, got);
			fail();
		}
		return;
	}
	assert_true(json_is_string(want));
	if (got == NULL || strcmp(got, json_string_value(want)) != 0) {
		print_error("%s: %s is %s%s%s, want \"%s\"\n", name, what, got ? "\"" : "",
		            got ? got : "null", got ? "\"" : "", json_string_value(want));
		fail();
	}
}

/* The summary of r against expected.json, by the README's rules. */
static void assert_matches_expected(const struct fixture *fx, const struct run *r, json_t *exp)
{
	assert_text_equal("text", fx->name, &r->text, json_object_get(exp, "text"));
	assert_text_equal("thinking", fx->name, &r->thinking, json_object_get(exp, "thinking"));
	assert_nullable_str("stop", fx->name, r->stop, json_object_get(exp, "stop"));

	json_t *usage = json_object_get(exp, "usage");
	if (json_is_null(usage)) {
		if (r->has_usage) {
			print_error("%s: usage {%lld, %lld}, want null\n", fx->name, r->input,
			            r->output);
			fail();
		}
	} else {
		if (!r->has_usage) {
			print_error("%s: no USAGE event\n", fx->name);
			fail();
		}
		assert_int_equal(r->input, json_integer_value(json_object_get(usage, "input")));
		assert_int_equal(r->output, json_integer_value(json_object_get(usage, "output")));
	}

	json_t *err = json_object_get(exp, "error");
	if (json_is_null(err)) {
		if (r->has_error) {
			print_error("%s: unexpected error %s: %s\n", fx->name, r->err_code,
			            r->err_message);
			fail();
		}
		assert_int_equal(r->finish_rc, 0);
	} else {
		if (!r->has_error) {
			print_error("%s: no ERROR event\n", fx->name);
			fail();
		}
		assert_int_equal(r->nerrors, 1);
		assert_nullable_str("error.type", fx->name, r->err_code,
		                    json_object_get(err, "type"));
		assert_nullable_str("error.message", fx->name, r->err_message,
		                    json_object_get(err, "message"));
		assert_int_not_equal(r->err_kind, WIRE_ERR_UNKNOWN);
		assert_int_equal(r->finish_rc, -1);
	}

	json_t *tools = json_object_get(exp, "tool_calls");
	if (tools != NULL && !json_equal(tools, r->tools)) {
		char *got = json_dumps(r->tools, JSON_COMPACT);
		char *want = json_dumps(tools, JSON_COMPACT);
		print_error("%s: tool_calls\n  got  %s\n  want %s\n", fx->name, got, want);
		free(got);
		free(want);
		fail();
	}
}

static int expected_http_status(json_t *exp)
{
	json_t *s = json_object_get(exp, "http_status");
	return json_is_integer(s) ? (int)json_integer_value(s) : 0;
}

/* Whole body: the expected summary. For an HTTP error body: through
 * wire_parse_error_body with its status, and through the decoder with no
 * status (an error object without framing). */
static void test_fixture_decodes_to_expected(void **state)
{
	const struct fixture *fx = *state;
	json_t *exp = load_expected(fx);
	int status = expected_http_status(exp);
	size_t len;
	char *body = tu_read_file(fx->body, &len);

	struct run r;
	if (status > 0) {
		enum wire_format f = format_of(fx, true);
		struct wire_error e;
		wire_error_init(&e);
		wire_parse_error_body(f, status, body, len, &e);
		json_t *err = json_object_get(exp, "error");
		assert_string_equal(e.code, json_string_value(json_object_get(err, "type")));
		assert_string_equal(e.message, json_string_value(json_object_get(err, "message")));
		assert_int_equal(e.http_status, status);
		assert_int_not_equal(e.kind, WIRE_ERR_UNKNOWN);
		wire_error_done(&e);

		/* The Gemini body also arrives from the JSON-array endpoint. */
		enum wire_format fs[2] = {f, WIRE_GEMINI_JSON};
		for (int i = 0; i < (f == WIRE_GEMINI ? 2 : 1); i++) {
			decode_whole(fs[i], body, len, &r);
			assert_matches_expected(fx, &r, exp);
			assert_int_equal(r.err_status, 0); /* no status was given */
			run_done(&r);
		}
	} else {
		decode_whole(format_of(fx, false), body, len, &r);
		assert_matches_expected(fx, &r, exp);
		run_done(&r);
	}
	free(body);
	json_decref(exp);
}

static void test_fixture_fed_byte_by_byte_gives_same_events(void **state)
{
	const struct fixture *fx = *state;
	json_t *exp = load_expected(fx);
	enum wire_format f = format_of(fx, expected_http_status(exp) > 0);
	size_t len;
	char *body = tu_read_file(fx->body, &len);
	struct run whole, bytes;
	decode_whole(f, body, len, &whole);
	decode_bytewise(f, body, len, &bytes);
	assert_same_run(&bytes, &whole, "byte by byte");
	assert_matches_expected(fx, &bytes, exp);
	run_done(&whole);
	run_done(&bytes);
	free(body);
	json_decref(exp);
}

static void test_fixture_split_at_every_offset_gives_same_events(void **state)
{
	const struct fixture *fx = *state;
	json_t *exp = load_expected(fx);
	enum wire_format f = format_of(fx, expected_http_status(exp) > 0);
	size_t len;
	char *body = tu_read_file(fx->body, &len);
	struct run whole;
	decode_whole(f, body, len, &whole);
	for (size_t cut = 0; cut <= len; cut++) {
		struct run r;
		decode_cuts(f, body, len, &cut, 1, &r);
		if (!same_buf(&r.events, &whole.events) || r.finish_rc != whole.finish_rc) {
			print_error("%s: split at offset %zu of %zu\n", fx->name, cut, len);
			assert_same_run(&r, &whole, "split in two");
		}
		run_done(&r);
	}
	run_done(&whole);
	free(body);
	json_decref(exp);
}

/* Every recorded stream gives the same events with the fast path (the
 * default) and without it (every frame through jansson). */
static void test_fixture_fast_path_gives_same_events(void **state)
{
	const struct fixture *fx = *state;
	json_t *exp = load_expected(fx);
	enum wire_format f = format_of(fx, expected_http_status(exp) > 0);
	size_t len;
	char *body = tu_read_file(fx->body, &len);
	struct run fast, tree;
	decode_whole(f, body, len, &fast);
	fast_path = false;
	decode_whole(f, body, len, &tree);
	fast_path = true;
	assert_same_run(&fast, &tree, "fast path vs jansson");
	run_done(&fast);
	run_done(&tree);
	free(body);
	json_decref(exp);
}

static struct fixture *fixtures;
static size_t nfixtures;

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct fixture *)a)->name, ((const struct fixture *)b)->name);
}

/* Every body in the folder (.sse, .ndjson, .json other than expected.json). */
static void list_fixtures(void)
{
	DIR *dir = opendir(STREAMS);
	if (dir == NULL) {
		fprintf(stderr, "test_decoder: cannot open %s (run from the repository root)\n",
		        STREAMS);
		exit(1);
	}
	struct dirent *de;
	while ((de = readdir(dir)) != NULL) {
		const char *n = de->d_name;
		const char *ext = NULL;
		if (ends_with(n, ".expected.json"))
			continue;
		if (ends_with(n, ".sse"))
			ext = ".sse";
		else if (ends_with(n, ".ndjson"))
			ext = ".ndjson";
		else if (ends_with(n, ".json"))
			ext = ".json";
		if (ext == NULL)
			continue;
		size_t base = strlen(n) - strlen(ext);
		if (base >= sizeof(fixtures->name))
			continue;
		fixtures = realloc(fixtures, (nfixtures + 1) * sizeof(*fixtures));
		if (fixtures == NULL)
			abort();
		struct fixture *fx = &fixtures[nfixtures++];
		memset(fx, 0, sizeof(*fx));
		memcpy(fx->name, n, base);
		snprintf(fx->body, sizeof(fx->body), "%s/%s", STREAMS, n);
		snprintf(fx->expect, sizeof(fx->expect), "%s/%s.expected.json", STREAMS, fx->name);
	}
	closedir(dir);
	qsort(fixtures, nfixtures, sizeof(*fixtures), by_name);
}

/* The listing found bodies of every format, each with its expected.json:
 * an empty or misplaced folder must not pass silently. */
static void test_fixture_folder_covers_every_format(void **state)
{
	(void)state;
	bool seen[WIRE_FORMAT_COUNT] = {false};
	size_t http_errors = 0;
	assert_true(nfixtures >= 10);
	for (size_t i = 0; i < nfixtures; i++) {
		FILE *f = fopen(fixtures[i].expect, "rb");
		if (f == NULL) {
			print_error("%s has no %s\n", fixtures[i].body, fixtures[i].expect);
			fail();
		}
		fclose(f);
		json_t *exp = load_expected(&fixtures[i]);
		bool http_error = expected_http_status(exp) > 0;
		http_errors += http_error;
		if (!http_error)
			seen[format_of(&fixtures[i], false)] = true;
		json_decref(exp);
	}
	for (int i = 0; i < WIRE_FORMAT_COUNT; i++) {
		if (!seen[i]) {
			print_error("no stream fixture for %s\n",
			            wire_format_name((enum wire_format)i));
			fail();
		}
	}
	assert_true(http_errors >= 4); /* the four of README.upstream.md */
}

int main(void)
{
	list_fixtures();
	size_t ntests = 1 + 4 * nfixtures;
	struct CMUnitTest *tests = calloc(ntests, sizeof(*tests));
	char(*names)[192] = calloc(ntests, sizeof(*names));
	if (tests == NULL || names == NULL)
		abort();
	tests[0] = (struct CMUnitTest)cmocka_unit_test(test_fixture_folder_covers_every_format);
	static const struct {
		const char *what;
		CMUnitTestFunction fn;
	} kinds[4] = {
	    {"decodes_to_expected", test_fixture_decodes_to_expected},
	    {"fed_byte_by_byte_gives_same_events", test_fixture_fed_byte_by_byte_gives_same_events},
	    {"split_at_every_offset_gives_same_events",
	     test_fixture_split_at_every_offset_gives_same_events},
	    {"fast_path_gives_same_events", test_fixture_fast_path_gives_same_events},
	};
	for (size_t i = 0; i < nfixtures; i++) {
		for (int k = 0; k < 4; k++) {
			size_t at = 1 + 4 * i + (size_t)k;
			snprintf(names[at], sizeof(names[at]), "test_%s_%s", fixtures[i].name,
			         kinds[k].what);
			tests[at].name = names[at];
			tests[at].test_func = kinds[k].fn;
			tests[at].initial_state = &fixtures[i];
		}
	}
	int rc = _cmocka_run_group_tests("decoder_fixtures", tests, ntests, NULL, NULL);
	free(tests);
	free(names);
	free(fixtures);
	return rc;
}
