/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_providers: model -> provider, defaults, and where the key goes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include "model/config.h"
#include "route/providers.h"
#include "app/session.h"
#include "util/buf.h"

#define SENTINEL "sk-SENTINEL-0123456789abcdef"

/* The environment a test sees: NAME=value pairs, NULL-terminated. */
static const char *const *env_table;

static const char *fake_env(const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; env_table != NULL && env_table[i] != NULL; i++)
		if (strncmp(env_table[i], name, n) == 0 && env_table[i][n] == '=')
			return env_table[i] + n + 1;
	return NULL;
}

static struct providers *with_env(const char *const *table)
{
	env_table = table;
	return providers_new(fake_env);
}

#define ENV(...) ((const char *const[]){__VA_ARGS__, NULL})

static void assert_resolves(struct providers *ps, const char *spec, const char *provider,
                            const char *model)
{
	struct provider *p = NULL;
	const char *m = NULL;
	char err[256] = "";
	if (providers_resolve(ps, spec, &p, &m, err, sizeof(err)) != 0) {
		print_error("'%s' did not resolve: %s\n", spec, err);
		fail();
	}
	assert_string_equal(p->name, provider);
	assert_string_equal(m, model);
}

static void test_default_model_is_mock_without_keys(void **state)
{
	(void)state;
	struct providers *ps = with_env(ENV("HOME=/root"));
	assert_string_equal(providers_default_model(ps), "mock:mock");
	assert_resolves(ps, providers_default_model(ps), "mock", "mock");
	providers_free(ps);
}

static void test_default_model_is_the_first_provider_with_a_key(void **state)
{
	(void)state;
	struct providers *ps = with_env(ENV("ANTHROPIC_API_KEY=a-key", "GEMINI_API_KEY=g-key"));
	assert_string_equal(providers_default_model(ps), "anthropic:claude-sonnet-4-5");
	providers_free(ps);
	ps = with_env(ENV("ANTHROPIC_API_KEY=a-key", "OPENAI_API_KEY=o-key"));
	assert_string_equal(providers_default_model(ps), "openai:gpt-4o-mini");
	providers_free(ps);
	/* An empty variable is no key. */
	ps = with_env(ENV("OPENAI_API_KEY="));
	assert_string_equal(providers_default_model(ps), "mock:mock");
	providers_free(ps);
}

static void test_model_names_resolve_by_prefix(void **state)
{
	(void)state;
	struct providers *ps = with_env(ENV("OPENAI_API_KEY=o", "ANTHROPIC_API_KEY=a",
	                                    "GEMINI_API_KEY=g"));
	assert_resolves(ps, "gpt-4o", "openai", "gpt-4o");
	assert_resolves(ps, "o3-mini", "openai", "o3-mini");
	assert_resolves(ps, "chatgpt-4o-latest", "openai", "chatgpt-4o-latest");
	assert_resolves(ps, "claude-sonnet-4-5", "anthropic", "claude-sonnet-4-5");
	assert_resolves(ps, "gemini-2.5-flash", "google", "gemini-2.5-flash");
	assert_resolves(ps, "mock-slow", "mock", "mock-slow");
	providers_free(ps);
}

static void test_provider_prefix_always_wins(void **state)
{
	(void)state;
	struct providers *ps = with_env(ENV("OPENAI_API_KEY=o", "GEMINI_API_KEY=g"));
	/* An OpenAI-compatible server serving a model named like Claude. */
	assert_resolves(ps, "openai:claude-3-haiku", "openai", "claude-3-haiku");
	/* Ollama tags hold colons of their own. */
	assert_resolves(ps, "ollama:llama3.2:3b", "ollama", "llama3.2:3b");
	assert_resolves(ps, "gemini:gemini-2.5-pro", "google", "gemini-2.5-pro");
	assert_resolves(ps, "openai:", "openai", "gpt-4o-mini");
	assert_resolves(ps, "mock:mock-fast", "mock", "mock-fast");
	providers_free(ps);
}

static void test_unknown_model_or_provider_says_what_to_do(void **state)
{
	(void)state;
	struct providers *ps = with_env(ENV("OPENAI_API_KEY=o"));
	struct provider *p;
	const char *m;
	char err[256];
	assert_int_equal(providers_resolve(ps, "llama3", &p, &m, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "ollama:llama3"));
	assert_int_equal(providers_resolve(ps, "acme:model", &p, &m, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown provider 'acme'"));
	assert_non_null(strstr(err, "use openai, anthropic, google, ollama or mock"));
	const char *models[] = {"m"};
	assert_non_null(providers_add(ps, "groq", WIRE_OPENAI, "http://127.0.0.1:9", "k", "K",
	                              models, 1));
	assert_int_equal(providers_resolve(ps, "acme:model", &p, &m, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "use openai, anthropic, google, ollama, mock or groq"));
	assert_int_equal(providers_resolve(ps, "mock:gpt-4o", &p, &m, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "mock-flaky"));
	providers_free(ps);
}

static void test_missing_key_names_the_variable(void **state)
{
	(void)state;
	struct providers *ps = with_env(ENV("HOME=/root"));
	struct provider *p;
	const char *m;
	char err[256];
	assert_int_equal(providers_resolve(ps, "gpt-4o", &p, &m, err, sizeof(err)), -2);
	assert_non_null(strstr(err, "OPENAI_API_KEY"));
	assert_int_equal(providers_resolve(ps, "claude-opus-4", &p, &m, err, sizeof(err)), -2);
	assert_non_null(strstr(err, "ANTHROPIC_API_KEY"));
	assert_int_equal(providers_resolve(ps, "gemini-2.5-pro", &p, &m, err, sizeof(err)), -2);
	assert_non_null(strstr(err, "GEMINI_API_KEY or GOOGLE_API_KEY"));
	/* Ollama and mock need none. */
	assert_string_equal(providers_key_names(ps, providers_get(ps, "ollama")), "");
	assert_string_equal(providers_key_names(ps, providers_get(ps, "mock")), "");
	assert_resolves(ps, "ollama:qwen3", "ollama", "qwen3");
	assert_resolves(ps, "mock", "mock", "mock");
	providers_free(ps);
}

/* A missing key hands back the provider that needs it, so a caller (the
 * router's [skip] line) can name its variable; the model is left alone. */
static void test_missing_key_hands_back_its_provider(void **state)
{
	(void)state;
	struct providers *ps = with_env(ENV("HOME=/root"));
	struct provider *p = NULL;
	const char *m = "untouched";
	char err[256];
	assert_int_equal(providers_resolve(ps, "claude-opus-4", &p, &m, err, sizeof(err)), -2);
	assert_ptr_equal(p, providers_get(ps, "anthropic"));
	assert_string_equal(m, "untouched");
	assert_string_equal(providers_key_names(ps, p), "ANTHROPIC_API_KEY");
	assert_int_equal(providers_resolve(ps, "gemini-2.5-pro", &p, &m, err, sizeof(err)), -2);
	assert_ptr_equal(p, providers_get(ps, "google"));
	assert_string_equal(providers_key_names(ps, p), "GEMINI_API_KEY or GOOGLE_API_KEY");
	/* An unknown model leaves both alone. */
	p = NULL;
	assert_int_equal(providers_resolve(ps, "nosuch", &p, &m, err, sizeof(err)), -1);
	assert_null(p);
	assert_string_equal(m, "untouched");
	providers_free(ps);
	/* With a key, the variable it came from. */
	ps = with_env(ENV("GOOGLE_API_KEY=gk"));
	assert_string_equal(providers_key_names(ps, providers_get(ps, "google")), "GOOGLE_API_KEY");
	providers_free(ps);
}

static void test_google_api_key_is_the_fallback_variable(void **state)
{
	(void)state;
	struct providers *ps = with_env(ENV("GOOGLE_API_KEY=gk"));
	struct provider *g = providers_get(ps, "google");
	assert_string_equal(g->key, "gk");
	assert_string_equal(g->key_env, "GOOGLE_API_KEY");
	providers_free(ps);
}

/* The key is in exactly one header, and nowhere in the URL. */
static void assert_key_only_in(const struct provider_request *r, const char *header)
{
	assert_null(strstr(r->url, SENTINEL));
	assert_null(strstr(r->body, SENTINEL));
	size_t found = 0;
	for (size_t i = 0; i < r->nheaders; i++) {
		if (strstr(r->headers[i], SENTINEL) != NULL) {
			assert_string_equal(r->headers[i], header);
			found++;
		}
	}
	assert_int_equal(found, 1);
}

static const struct wire_message hello = {.role = WIRE_ROLE_USER, .text = "hello"};
static const struct wire_request conv = {.messages = &hello, .nmessages = 1};

static void test_requests_per_provider(void **state)
{
	(void)state;
	struct providers *ps = with_env(ENV("OPENAI_API_KEY=" SENTINEL, "ANTHROPIC_API_KEY=" SENTINEL,
	                                    "GEMINI_API_KEY=" SENTINEL));
	struct provider_request r;

	provider_request_build(providers_get(ps, "openai"), "gpt-4o", &conv, &r);
	assert_string_equal(r.url, "https://api.openai.com/v1/chat/completions");
	assert_key_only_in(&r, "Authorization: Bearer " SENTINEL);
	assert_non_null(strstr(r.body, "\"model\":\"gpt-4o\""));
	provider_request_done(&r);

	provider_request_build(providers_get(ps, "anthropic"), "claude-x", &conv, &r);
	assert_string_equal(r.url, "https://api.anthropic.com/v1/messages");
	assert_key_only_in(&r, "x-api-key: " SENTINEL);
	bool version = false;
	for (size_t i = 0; i < r.nheaders; i++)
		version |= strcmp(r.headers[i], "anthropic-version: 2023-06-01") == 0;
	assert_true(version);
	provider_request_done(&r);

	provider_request_build(providers_get(ps, "google"), "gemini-2.5-flash", &conv, &r);
	assert_string_equal(r.url, "https://generativelanguage.googleapis.com/v1beta/models/"
	                           "gemini-2.5-flash:streamGenerateContent?alt=sse");
	assert_key_only_in(&r, "x-goog-api-key: " SENTINEL);
	assert_null(strstr(r.url, "key="));
	provider_request_done(&r);

	provider_request_build(providers_get(ps, "mock"), "mock", &conv, &r);
	assert_null(r.url);
	assert_int_equal(r.nheaders, 0);
	assert_non_null(r.body);
	provider_request_done(&r);
	providers_free(ps);
}

static void test_base_urls_from_the_environment(void **state)
{
	(void)state;
	struct providers *ps = with_env(ENV("OPENAI_API_KEY=k", "OPENAI_BASE_URL=http://127.0.0.1:9/v1/",
	                                    "ANTHROPIC_API_KEY=k", "ANTHROPIC_BASE_URL=http://h:1",
	                                    "GEMINI_API_KEY=k", "GEMINI_BASE_URL=http://g:2//",
	                                    "OLLAMA_HOST=localhost:1234"));
	struct provider_request r;
	provider_request_build(providers_get(ps, "openai"), "m", &conv, &r);
	assert_string_equal(r.url, "http://127.0.0.1:9/v1/chat/completions");
	provider_request_done(&r);
	provider_request_build(providers_get(ps, "anthropic"), "m", &conv, &r);
	assert_string_equal(r.url, "http://h:1/v1/messages");
	provider_request_done(&r);
	/* A model name is one path segment: anything unusual is encoded. */
	provider_request_build(providers_get(ps, "google"), "my model/x", &conv, &r);
	assert_string_equal(r.url, "http://g:2/v1beta/models/my%20model%2Fx:streamGenerateContent?alt=sse");
	provider_request_done(&r);
	provider_request_build(providers_get(ps, "ollama"), "qwen3", &conv, &r);
	assert_string_equal(r.url, "http://localhost:1234/api/chat");
	for (size_t i = 0; i < r.nheaders; i++)
		assert_null(strstr(r.headers[i], "uthorization"));
	provider_request_done(&r);
	providers_free(ps);

	ps = with_env(ENV("OLLAMA_HOST=https://ollama.example:443"));
	provider_request_build(providers_get(ps, "ollama"), "qwen3", &conv, &r);
	assert_string_equal(r.url, "https://ollama.example:443/api/chat");
	provider_request_done(&r);
	providers_free(ps);
}

/* A [provider.NAME] without base_url talks to its kind's usual address
 * (docs/config.example says so); "" is the same as leaving it out. */
static void test_added_provider_without_base_url(void **state)
{
	(void)state;
	struct providers *ps = with_env(ENV("OPENAI_BASE_URL=http://127.0.0.1:9/v1"));
	static const struct {
		const char *name;
		enum wire_format format;
		const char *base;
		const char *url;
	} cases[] = {
	    {"o", WIRE_OPENAI, NULL, "https://api.openai.com/v1/chat/completions"},
	    {"r", WIRE_OPENAI_RESPONSES, "", "https://api.openai.com/v1/responses"},
	    {"a", WIRE_ANTHROPIC, NULL, "https://api.anthropic.com/v1/messages"},
	    {"g", WIRE_GEMINI, "",
	     "https://generativelanguage.googleapis.com/v1beta/models/m:streamGenerateContent?alt=sse"},
	    {"l", WIRE_OLLAMA, NULL, "http://127.0.0.1:11434/api/chat"},
	    {"own", WIRE_OPENAI, "http://h:1/v1/", "http://h:1/v1/chat/completions"},
	};
	const char *models[] = {"m"};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct provider *p = providers_add(ps, cases[i].name, cases[i].format, cases[i].base,
		                                   "k", "K", models, 1);
		assert_non_null(p);
		struct provider_request r;
		provider_request_build(p, "m", &conv, &r);
		assert_string_equal(r.url, cases[i].url);
		provider_request_done(&r);
	}
	providers_free(ps);
}

/* An Azure-style base URL carries a query: every kind keeps it at the end
 * of its request URL (Gemini's alt=sse first, then '&'); a fragment is
 * dropped (issue 16, item 5). */
static void test_base_url_with_a_query_keeps_it_at_the_end(void **state)
{
	(void)state;
	struct providers *ps = with_env(ENV("OPENAI_API_KEY=k",
	                                    "OPENAI_BASE_URL=http://host/openai/deployments/x?api-version=2024-10-21",
	                                    "GEMINI_API_KEY=k", "GEMINI_BASE_URL=http://g:2/gw/?t=1#f",
	                                    "OLLAMA_HOST=localhost:1234/?a=b"));
	static const struct {
		const char *name;
		enum wire_format format;
		const char *url;
	} cases[] = {
	    {"o", WIRE_OPENAI, "http://q/d/x/chat/completions?api-version=1"},
	    {"r", WIRE_OPENAI_RESPONSES, "http://q/d/x/responses?api-version=1"},
	    {"a", WIRE_ANTHROPIC, "http://q/d/x/v1/messages?api-version=1"},
	    {"g", WIRE_GEMINI, "http://q/d/x/v1beta/models/m:streamGenerateContent?alt=sse&api-version=1"},
	    {"j", WIRE_GEMINI_JSON, "http://q/d/x/v1beta/models/m:streamGenerateContent?api-version=1"},
	    {"l", WIRE_OLLAMA, "http://q/d/x/api/chat?api-version=1"},
	};
	const char *models[] = {"m"};
	struct provider_request r;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct provider *p = providers_add(ps, cases[i].name, cases[i].format,
		                                   "http://q/d/x/?api-version=1#frag", "k", "K", models, 1);
		assert_non_null(p);
		provider_request_build(p, "m", &conv, &r);
		assert_string_equal(r.url, cases[i].url);
		provider_request_done(&r);
	}
	provider_request_build(providers_get(ps, "openai"), "m", &conv, &r);
	assert_string_equal(r.url,
	                    "http://host/openai/deployments/x/chat/completions?api-version=2024-10-21");
	provider_request_done(&r);
	provider_request_build(providers_get(ps, "google"), "gemini-x", &conv, &r);
	assert_string_equal(r.url, "http://g:2/gw/v1beta/models/gemini-x:streamGenerateContent?alt=sse&t=1");
	provider_request_done(&r);
	provider_request_build(providers_get(ps, "ollama"), "m", &conv, &r);
	assert_string_equal(r.url, "http://localhost:1234/api/chat?a=b");
	provider_request_done(&r);
	/* The base URL itself (shown in messages) keeps its query. */
	assert_string_equal(providers_get(ps, "openai")->base_url,
	                    "http://host/openai/deployments/x?api-version=2024-10-21");
	providers_free(ps);
}

/* A base_url given but unusable (a typo) leaves the provider out rather
 * than sending its key to the kind's default address; the config says so. */
static void test_bad_base_url_leaves_the_provider_out(void **state)
{
	(void)state;
	const char *text = "[provider.typo]\n"
	                   "kind = anthropic\n"
	                   "base_url = htps://llm.internal.example\n"
	                   "key_env = TYPO_KEY\n"
	                   "models = m\n"
	                   "[provider.ok]\n"
	                   "kind = anthropic\n"
	                   "base_url = http://127.0.0.1:9\n"
	                   "key_env = TYPO_KEY\n"
	                   "models = n\n";
	struct config c;
	config_init(&c);
	struct buf w;
	buf_init(&w, 0);
	assert_int_equal(config_parse(&c, text, strlen(text), "t.conf", &w), 1);
	assert_non_null(strstr(buf_str(&w), "t.conf:3: base_url wants"));
	assert_non_null(strstr(buf_str(&w), "[provider.typo] is left out until it is fixed"));
	struct session se;
	struct buf warnings;
	buf_init(&warnings, 0);
	env_table = ENV("TYPO_KEY=" SENTINEL);
	struct session_opts so = {.config = &c, .env = fake_env};
	assert_int_equal(session_open(&se, &so, &warnings), 0);
	struct providers *ps = se.ps;
	assert_null(providers_get(ps, "typo"));
	struct provider *p = NULL;
	const char *m = NULL;
	char err[256];
	assert_int_not_equal(providers_resolve(ps, "typo:m", &p, &m, err, sizeof(err)), 0);
	assert_resolves(ps, "ok:n", "ok", "n");
	assert_string_equal(providers_get(ps, "ok")->key, SENTINEL); /* key_env, through env */
	session_close(&se);
	buf_done(&warnings);
	buf_done(&w);
	config_done(&c);
}

/* A key with a CR, LF or blank would put a header line of its own into the
 * request: it is refused, saying where it came from; the provider is left
 * without a key (its messages say why) and the others still work. */
static void test_a_key_with_a_control_byte_is_refused_naming_its_variable(void **state)
{
	(void)state;
	const char *text = "[provider.work]\n"
	                   "key_env = WORK_KEY\n"
	                   "models = w\n";
	struct config c;
	config_init(&c);
	struct buf w;
	buf_init(&w, 0);
	assert_int_equal(config_parse(&c, text, strlen(text), "t.conf", &w), 0);
	struct session se;
	struct buf warnings;
	buf_init(&warnings, 0);
	env_table = ENV("OPENAI_API_KEY=sk-x\r\nX-Injected: yes", "ANTHROPIC_API_KEY=" SENTINEL,
	                "WORK_KEY=sk w");
	struct session_opts so = {.config = &c, .env = fake_env};
	assert_int_equal(session_open(&se, &so, &warnings), 0);
	assert_string_equal(buf_str(&warnings),
	                    "circuit: OPENAI_API_KEY holds a control character (0x0d) at byte 4; "
	                    "openai is left without a key until it is fixed\n"
	                    "circuit: WORK_KEY holds a space at byte 2; work is left without a key "
	                    "until it is fixed\n");
	struct providers *ps = se.ps;
	struct provider *p = NULL;
	const char *m = NULL;
	char err[256];
	assert_null(providers_get(ps, "openai")->key);
	assert_int_equal(providers_resolve(ps, "gpt-4o", &p, &m, err, sizeof(err)), -2);
	assert_string_equal(err, "openai has no usable key: OPENAI_API_KEY holds a control "
	                         "character (0x0d) at byte 4; fix it (or use -m mock to try "
	                         "circuit offline)");
	assert_int_equal(providers_resolve(ps, "w", &p, &m, err, sizeof(err)), -2);
	assert_non_null(strstr(err, "WORK_KEY holds a space at byte 2"));
	/* Not the whole program: the next provider with a key is the default. */
	assert_string_equal(providers_default_model(ps), "anthropic:claude-sonnet-4-5");
	assert_resolves(ps, "claude-x", "anthropic", "claude-x");
	assert_resolves(ps, "mock", "mock", "mock");
	session_close(&se);
	buf_done(&warnings);
	buf_done(&w);
	config_done(&c);
}

/* A [provider.NAME] the session cannot add says which of the two reasons
 * it is: a built-in's name, or the limit (said once, for all the rest). */
static void test_ignored_config_providers_say_why(void **state)
{
	(void)state;
	struct buf text;
	buf_init(&text, 0);
	buf_printf(&text, "[provider.openai]\nmodels = x\n[provider.gemini]\nmodels = y\n");
	for (int i = 0; i < 14; i++)
		buf_printf(&text, "[provider.p%d]\nmodels = m%d\n", i, i);
	struct config c;
	config_init(&c);
	struct buf w;
	buf_init(&w, 0);
	assert_int_equal(config_parse(&c, text.data, text.len, "t.conf", &w), 0);
	struct session se;
	struct buf warnings;
	buf_init(&warnings, 0);
	env_table = ENV("HOME=/root");
	struct session_opts so = {.config = &c, .env = fake_env};
	assert_int_equal(session_open(&se, &so, &warnings), 0);
	assert_string_equal(buf_str(&warnings),
	                    "config:1: [provider.openai]: that name is a built-in provider's; "
	                    "ignored (give it another name)\n"
	                    "config:3: [provider.gemini]: that name is a built-in provider's; "
	                    "ignored (give it another name)\n"
	                    "config:27: [provider.p11]: too many providers (at most 16 with the 5 "
	                    "built-in ones); it and the 2 after it are ignored\n");
	assert_int_equal(providers_count(se.ps), PROVIDERS_MAX);
	assert_non_null(providers_get(se.ps, "p10"));
	assert_null(providers_get(se.ps, "p11"));
	session_close(&se);
	buf_done(&warnings);
	buf_done(&w);
	buf_done(&text);
	config_done(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_model_is_mock_without_keys),
		cmocka_unit_test(test_default_model_is_the_first_provider_with_a_key),
		cmocka_unit_test(test_model_names_resolve_by_prefix),
		cmocka_unit_test(test_provider_prefix_always_wins),
		cmocka_unit_test(test_unknown_model_or_provider_says_what_to_do),
		cmocka_unit_test(test_missing_key_names_the_variable),
		cmocka_unit_test(test_missing_key_hands_back_its_provider),
		cmocka_unit_test(test_google_api_key_is_the_fallback_variable),
		cmocka_unit_test(test_requests_per_provider),
		cmocka_unit_test(test_base_urls_from_the_environment),
		cmocka_unit_test(test_added_provider_without_base_url),
		cmocka_unit_test(test_base_url_with_a_query_keeps_it_at_the_end),
		cmocka_unit_test(test_bad_base_url_leaves_the_provider_out),
		cmocka_unit_test(test_a_key_with_a_control_byte_is_refused_naming_its_variable),
		cmocka_unit_test(test_ignored_config_providers_say_why),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
