/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_config: the INI config file: keys, defaults, FILE:LINE warnings, key files. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include "model/config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"

/* ---- helpers ----------------------------------------------------------------- */

/* Parses text as "t.conf" into a fresh config; returns the warning count. */
static int parse(struct config *c, struct buf *w, const char *text)
{
	config_init(c);
	buf_init(w, 0);
	return config_parse(c, text, strlen(text), "t.conf", w);
}

static void done(struct config *c, struct buf *w)
{
	config_done(c);
	buf_done(w);
}

/* Every general setting equals the default. */
static void assert_general_defaults(const struct config *c)
{
	assert_null(c->model);
	assert_int_equal(c->nfallback, 0);
	assert_true(c->history);
	assert_null(c->theme);
	assert_int_equal(c->connect_timeout_ms, 10000);
	assert_int_equal(c->first_byte_timeout_ms, 60000);
	assert_int_equal(c->idle_timeout_ms, 60000);
	assert_int_equal(c->breaker_failures, 3);
	assert_int_equal(c->breaker_open_ms, 30000);
	assert_int_equal(c->breaker_open_max_ms, 300000);
	assert_int_equal(c->max_retries, 2);
}

/* A temporary folder under $TMPDIR or /tmp, removed by tmp_done. */
struct tmp {
	char dir[512];
	char files[8][600];
	int nfiles;
};

static void tmp_init(struct tmp *t)
{
	const char *base = getenv("TMPDIR");
	if (base == NULL || base[0] == '\0')
		base = "/tmp";
	snprintf(t->dir, sizeof t->dir, "%s/circuit-config-XXXXXX", base);
	assert_non_null(mkdtemp(t->dir));
	t->nfiles = 0;
}

/* Writes DIR/name with mode; returns its path (owned by t). */
static const char *tmp_file(struct tmp *t, const char *name, const char *text, mode_t mode)
{
	assert_true(t->nfiles < 8);
	char *path = t->files[t->nfiles++];
	char full[sizeof t->files[0]]; /* not straight into t: GCC sees t->dir overlap */
	snprintf(full, sizeof full, "%s/%s", t->dir, name);
	memcpy(path, full, sizeof full);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	size_t n = strlen(text);
	assert_int_equal(write(fd, text, n), (ssize_t)n);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
	return path;
}

static void tmp_done(struct tmp *t)
{
	for (int i = 0; i < t->nfiles; i++)
		unlink(t->files[i]);
	assert_int_equal(rmdir(t->dir), 0);
}

/* ---- defaults and every key ---------------------------------------------------- */

static void test_config_init_sets_the_defaults(void **state)
{
	(void)state;
	struct config c;
	config_init(&c);
	assert_general_defaults(&c);
	assert_null(c.path);
	assert_int_equal(c.nproviders, 0);
	assert_int_equal(c.nprices, 0);
	assert_null(config_provider(&c, "openai"));
	assert_false(config_price(&c, "gpt-4o", NULL, NULL));
	config_done(&c);
}

static void test_config_empty_and_comment_only_text_keeps_the_defaults(void **state)
{
	(void)state;
	struct config c;
	struct buf w;
	assert_int_equal(parse(&c, &w, ""), 0);
	assert_general_defaults(&c);
	done(&c, &w);
	assert_int_equal(parse(&c, &w, "# a comment\n; another\n\n   \n"), 0);
	assert_general_defaults(&c);
	assert_string_equal(buf_str(&w), "");
	done(&c, &w);
}

static void test_config_reads_every_general_key(void **state)
{
	(void)state;
	struct config c;
	struct buf w;
	const char *text = "model = anthropic:claude-sonnet-4-5\n"
	                   "fallback = openai:gpt-4o-mini, google:gemini-2.5-flash\n"
	                   "history = off\n"
	                   "theme = solarized-dark\n"
	                   "connect_timeout = 2.5\n"
	                   "first_byte_timeout = 90\n"
	                   "idle_timeout = 0.25\n"
	                   "breaker_failures = 5\n"
	                   "breaker_open = 1.5\n"
	                   "breaker_open_max = 600\n"
	                   "max_retries = 0\n";
	assert_int_equal(parse(&c, &w, text), 0);
	assert_string_equal(buf_str(&w), "");
	assert_string_equal(c.model, "anthropic:claude-sonnet-4-5");
	assert_int_equal(c.nfallback, 2);
	assert_string_equal(c.fallback[0], "openai:gpt-4o-mini");
	assert_string_equal(c.fallback[1], "google:gemini-2.5-flash");
	assert_false(c.history);
	assert_string_equal(c.theme, "solarized-dark");
	assert_int_equal(c.connect_timeout_ms, 2500);
	assert_int_equal(c.first_byte_timeout_ms, 90000);
	assert_int_equal(c.idle_timeout_ms, 250);
	assert_int_equal(c.breaker_failures, 5);
	assert_int_equal(c.breaker_open_ms, 1500);
	assert_int_equal(c.breaker_open_max_ms, 600000);
	assert_int_equal(c.max_retries, 0);
	done(&c, &w);
}

static void test_config_history_takes_on_off_and_their_synonyms(void **state)
{
	(void)state;
	static const struct {
		const char *v;
		bool want;
	} cases[] = {{"on", true},  {"off", false}, {"ON", true},     {"Off", false}, {"yes", true},
	             {"no", false}, {"true", true}, {"false", false}, {"1", true},    {"0", false}};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct config c;
		struct buf w;
		char text[64];
		snprintf(text, sizeof text, "history = %s\n", cases[i].v);
		assert_int_equal(parse(&c, &w, text), 0);
		assert_int_equal(c.history, cases[i].want);
		done(&c, &w);
	}
}

static void test_config_later_key_wins_and_empty_string_means_none(void **state)
{
	(void)state;
	struct config c;
	struct buf w;
	assert_int_equal(parse(&c, &w,
	                       "model = gpt-4o\nmodel = claude-haiku-4-5\ntheme = light\ntheme =\n"
	                       "fallback = a, b\nfallback = c\n"),
	                 0);
	assert_string_equal(c.model, "claude-haiku-4-5");
	assert_null(c.theme);
	assert_int_equal(c.nfallback, 1);
	assert_string_equal(c.fallback[0], "c");
	done(&c, &w);
}

static void test_config_strings_are_kept_as_utf8(void **state)
{
	(void)state;
	struct config c;
	struct buf w;
	assert_int_equal(parse(&c, &w, "theme = th\xC3\xA8me-\xE2\x98\x85\n"), 0);
	assert_string_equal(c.theme, "th\xC3\xA8me-\xE2\x98\x85");
	done(&c, &w);
}

static void test_config_clipboard_takes_its_words_and_warns_on_others(void **state)
{
	(void)state;
	struct config c;
	struct buf w;
	assert_int_equal(parse(&c, &w, ""), 0);
	assert_int_equal(c.clipboard, CONFIG_CLIPBOARD_OSC52);
	done(&c, &w);
	assert_int_equal(parse(&c, &w, "clipboard = command\n"), 0);
	assert_int_equal(c.clipboard, CONFIG_CLIPBOARD_COMMAND);
	done(&c, &w);
	assert_int_equal(parse(&c, &w, "clipboard = OFF\n"), 0);
	assert_int_equal(c.clipboard, CONFIG_CLIPBOARD_OFF);
	done(&c, &w);
	assert_int_equal(parse(&c, &w, "clipboard = auto\n"), 0);
	assert_int_equal(c.clipboard, CONFIG_CLIPBOARD_AUTO);
	done(&c, &w);
	assert_int_equal(parse(&c, &w, "clipboard = off\nclipboard = pbcopy\n"), 1);
	assert_int_equal(c.clipboard, CONFIG_CLIPBOARD_OSC52);
	assert_string_equal(buf_str(&w), "t.conf:2: clipboard wants osc52, command, auto or off, "
	                                 "got 'pbcopy'; using osc52\n");
	done(&c, &w);
}

/* ---- the fallback list -------------------------------------------------------- */

static void test_config_fallback_trims_skips_empty_items_keeps_duplicates(void **state)
{
	(void)state;
	struct config c;
	struct buf w;
	assert_int_equal(parse(&c, &w, "fallback = ,  a ,b,, \t c,a , ,b\n"), 0);
	assert_int_equal(c.nfallback, 5);
	assert_string_equal(c.fallback[0], "a");
	assert_string_equal(c.fallback[1], "b");
	assert_string_equal(c.fallback[2], "c");
	assert_string_equal(c.fallback[3], "a");
	assert_string_equal(c.fallback[4], "b");
	done(&c, &w);
}

static void test_config_fallback_of_only_commas_is_empty(void **state)
{
	(void)state;
	struct config c;
	struct buf w;
	assert_int_equal(parse(&c, &w, "fallback = x\nfallback = , ,\n"), 0);
	assert_int_equal(c.nfallback, 0);
	assert_null(c.fallback);
	done(&c, &w);
}

static void test_config_fallback_single_item_without_commas(void **state)
{
	(void)state;
	struct config c;
	struct buf w;
	assert_int_equal(parse(&c, &w, "fallback = ollama:llama3.2\n"), 0);
	assert_int_equal(c.nfallback, 1);
	assert_string_equal(c.fallback[0], "ollama:llama3.2");
	done(&c, &w);
}

/* ---- providers and prices ----------------------------------------------------------- */

static void test_config_provider_section_reads_every_key(void **state)
{
	(void)state;
	struct config c;
	struct buf w;
	const char *text = "[provider.openrouter]\n"
	                   "kind = openai\n"
	                   "base_url = https://openrouter.ai/api/v1\n"
	                   "key_env = OPENROUTER_API_KEY\n"
	                   "key_cmd = pass show openrouter\n"
	                   "models = deepseek/deepseek-chat, qwen/qwen-2.5-72b-instruct\n"
	                   "[provider.box]\n"
	                   "kind = ollama\n"
	                   "base_url = http://192.168.1.20:11434\n"
	                   "models = llama3.2\n"
	                   "[provider.a-b_c.d]\n"
	                   "kind = anthropic\n"
	                   "[provider.g]\n"
	                   "kind = gemini\n"
	                   "[provider.g2]\n"
	                   "kind = google\n"
	                   "[provider.r]\n"
	                   "kind = openai-responses\n";
	assert_int_equal(parse(&c, &w, text), 0);
	assert_string_equal(buf_str(&w), "");
	assert_int_equal(c.nproviders, 6);

	const struct config_provider *p = config_provider(&c, "openrouter");
	assert_non_null(p);
	assert_string_equal(p->name, "openrouter");
	assert_int_equal(p->kind, CONFIG_KIND_OPENAI);
	assert_string_equal(p->base_url, "https://openrouter.ai/api/v1");
	assert_string_equal(p->key_env, "OPENROUTER_API_KEY");
	assert_null(p->key_file);
	assert_null(p->key);
	assert_string_equal(p->key_cmd, "pass show openrouter");
	assert_int_equal(p->nmodels, 2);
	assert_string_equal(p->models[0], "deepseek/deepseek-chat");
	assert_string_equal(p->models[1], "qwen/qwen-2.5-72b-instruct");
	assert_int_equal(p->line, 1);

	p = config_provider(&c, "box");
	assert_non_null(p);
	assert_int_equal(p->kind, CONFIG_KIND_OLLAMA);
	assert_string_equal(p->base_url, "http://192.168.1.20:11434");
	assert_null(p->key_env);
	assert_null(p->key_cmd);
	assert_int_equal(p->nmodels, 1);
	assert_int_equal(p->line, 7);

	assert_int_equal(config_provider(&c, "a-b_c.d")->kind, CONFIG_KIND_ANTHROPIC);
	assert_int_equal(config_provider(&c, "g")->kind, CONFIG_KIND_GEMINI);
	assert_int_equal(config_provider(&c, "g2")->kind, CONFIG_KIND_GEMINI);
	assert_int_equal(config_provider(&c, "r")->kind, CONFIG_KIND_OPENAI_RESPONSES);
	assert_null(config_provider(&c, "nope"));
	assert_null(config_provider(&c, "OPENROUTER"));
	done(&c, &w);
}

static void test_config_provider_kind_defaults_to_openai(void **state)
{
	(void)state;
	struct config c;
	struct buf w;
	assert_int_equal(parse(&c, &w, "[provider.empty]\n[provider.local]\nmodels = m\n"), 0);
	assert_int_equal(c.nproviders, 2);
	assert_int_equal(config_provider(&c, "empty")->kind, CONFIG_KIND_OPENAI);
	assert_int_equal(config_provider(&c, "local")->kind, CONFIG_KIND_OPENAI);
	assert_null(config_provider(&c, "local")->base_url);
	done(&c, &w);
}

static void test_config_kind_names(void **state)
{
	(void)state;
	assert_string_equal(config_kind_name(CONFIG_KIND_OPENAI), "openai");
	assert_string_equal(config_kind_name(CONFIG_KIND_ANTHROPIC), "anthropic");
	assert_string_equal(config_kind_name(CONFIG_KIND_GEMINI), "gemini");
	assert_string_equal(config_kind_name(CONFIG_KIND_OLLAMA), "ollama");
	assert_string_equal(config_kind_name(CONFIG_KIND_OPENAI_RESPONSES), "openai-responses");
}

static void test_config_repeated_provider_section_merges(void **state)
{
	(void)state;
	struct config c;
	struct buf w;
	assert_int_equal(parse(&c, &w,
	                       "[provider.x]\nkind = anthropic\nmodels = a\n"
	                       "[price.m]\ninput = 1\n"
	                       "[provider.x]\nmodels = b, c\n"),
	                 0);
	assert_int_equal(c.nproviders, 1);
	const struct config_provider *p = config_provider(&c, "x");
	assert_int_equal(p->kind, CONFIG_KIND_ANTHROPIC);
	assert_int_equal(p->nmodels, 2);
	assert_string_equal(p->models[0], "b");
	assert_int_equal(p->line, 1);
	done(&c, &w);
}

static void test_config_price_sections_with_colons_and_dots(void **state)
{
	(void)state;
	struct config c;
	struct buf w;
	const char *text = "[price.anthropic:claude-sonnet-4-5]\n"
	                   "input = 3\n"
	                   "output = 15\n"
	                   "[price.gpt-4o-mini]\n"
	                   "input = 0.15\n"
	                   "output = 0.60\n"
	                   "[price.google:gemini-2.5-flash]\n"
	                   "input = .30\n"
	                   "output = 2.50\n"
	                   "[price.only-input]\n"
	                   "input = 1.25\n"
	                   "[price.nothing]\n";
	assert_int_equal(parse(&c, &w, text), 0);
	assert_string_equal(buf_str(&w), "");
	assert_int_equal(c.nprices, 5);
	double in = -1, out = -1;
	assert_true(config_price(&c, "anthropic:claude-sonnet-4-5", &in, &out));
	assert_true(in == 3.0 && out == 15.0);
	assert_true(config_price(&c, "gpt-4o-mini", &in, &out));
	assert_true(in == 0.15 && out == 0.60);
	assert_true(config_price(&c, "google:gemini-2.5-flash", &in, &out));
	assert_true(in == 0.30 && out == 2.50);
	assert_true(config_price(&c, "only-input", &in, &out));
	assert_true(in == 1.25 && out == 0.0);
	/* Either out parameter may be NULL. */
	assert_true(config_price(&c, "gpt-4o-mini", NULL, &out));
	assert_true(config_price(&c, "gpt-4o-mini", &in, NULL));
	/* A section with no price does not count. */
	assert_false(config_price(&c, "nothing", &in, &out));
	assert_false(config_price(&c, "gpt-4o", &in, &out));
	done(&c, &w);
}

/* Many [price] sections (they are looked up through an index while the
 * file is read): each found, a repeated section is the same one, the
 * index survives the array growing, and a second file adds to the first. */
static void test_config_many_price_sections_each_found_repeats_merged(void **state)
{
	(void)state;
	struct buf text;
	buf_init(&text, 0);
	for (int i = 0; i < 3000; i++)
		buf_printf(&text, "[price.m%d]\ninput = %d\n", i, i);
	buf_printf(&text, "[price.m7]\noutput = 9\n[price.m2999]\noutput = 1\n");
	struct config c;
	struct buf w;
	config_init(&c);
	buf_init(&w, 0);
	assert_int_equal(config_parse(&c, text.data, text.len, "t.conf", &w), 0);
	assert_int_equal(c.nprices, 3000);
	for (int i = 0; i < 3000; i += 7) {
		char name[16];
		double in = -1, out = -1;
		snprintf(name, sizeof name, "m%d", i);
		assert_true(config_price(&c, name, &in, &out));
		assert_true(in == (double)i);
	}
	double in, out;
	assert_true(config_price(&c, "m7", &in, &out));
	assert_true(in == 7 && out == 9);
	assert_true(config_price(&c, "prov:m2999", &in, &out));
	assert_true(in == 2999 && out == 1);
	/* A second file on the same config: its sections join the first's. */
	const char *more = "[price.m1]\noutput = 4\n[price.new]\ninput = 2\n";
	assert_int_equal(config_parse(&c, more, strlen(more), "u.conf", &w), 0);
	assert_int_equal(c.nprices, 3001);
	assert_true(config_price(&c, "m1", &in, &out));
	assert_true(in == 1 && out == 4);
	assert_true(config_price(&c, "new", &in, &out));
	assert_true(in == 2 && out == 0);
	done(&c, &w);
	buf_done(&text);
}

static void test_config_price_of_provider_model_falls_back_to_bare_name(void **state)
{
	(void)state;
	struct config c;
	struct buf w;
	assert_int_equal(parse(&c, &w,
	                       "[price.gpt-4o]\ninput = 2.5\noutput = 10\n"
	                       "[price.work:gpt-4o]\ninput = 1\noutput = 4\n"),
	                 0);
	double in = 0, out = 0;
	assert_true(config_price(&c, "openai:gpt-4o", &in, &out));
	assert_true(in == 2.5 && out == 10.0);
	assert_true(config_price(&c, "work:gpt-4o", &in, &out));
	assert_true(in == 1.0 && out == 4.0);
	/* A bare name does not pick one provider's price. */
	assert_false(config_price(&c, "claude-x", &in, &out));
	done(&c, &w);
}

/* ---- one warning per mistake, with FILE:LINE, and the default -------------------- */

struct bad_case {
	const char *line;
	const char *warning;
};

/* Line 1 is a comment, the bad line is line 2, line 3 a good key. */
static void check_bad_general(const struct bad_case *bc)
{
	struct config c;
	struct buf w;
	char text[512], want[512];
	snprintf(text, sizeof text, "# first\n%s\nmodel = m\n", bc->line);
	snprintf(want, sizeof want, "t.conf:2: %s\n", bc->warning);
	int n = parse(&c, &w, text);
	if (n != 1 || strcmp(buf_str(&w), want) != 0)
		print_error("line   '%s'\ngot  %d '%s'\nwant 1 '%s'\n", bc->line, n, buf_str(&w),
		            want);
	assert_int_equal(n, 1);
	assert_string_equal(buf_str(&w), want);
	assert_string_equal(c.model, "m");
	free(c.model);
	c.model = NULL;
	assert_general_defaults(&c);
	done(&c, &w);
}

static void test_config_bad_general_values_warn_once_and_use_the_default(void **state)
{
	(void)state;
	static const struct bad_case cases[] = {
	    {"history = maybe", "history wants on or off, got 'maybe'; using on"},
	    {"history =", "history wants on or off, got ''; using on"},
	    {"connect_timeout = 0",
	     "connect_timeout wants a number of seconds from 0.1 to 3600, got '0'; using 10"},
	    {"connect_timeout = 0.05",
	     "connect_timeout wants a number of seconds from 0.1 to 3600, got '0.05'; using 10"},
	    {"connect_timeout = 10,5",
	     "connect_timeout wants a number of seconds from 0.1 to 3600, got '10,5'; using 10"},
	    {"connect_timeout = ten",
	     "connect_timeout wants a number of seconds from 0.1 to 3600, got 'ten'; using 10"},
	    {"first_byte_timeout = -5",
	     "first_byte_timeout wants a number of seconds from 0.1 to 3600, got '-5'; using 60"},
	    {"first_byte_timeout = 1e3",
	     "first_byte_timeout wants a number of seconds from 0.1 to 3600, got '1e3'; using 60"},
	    {"idle_timeout = 3600.5",
	     "idle_timeout wants a number of seconds from 0.1 to 3600, got '3600.5'; using 60"},
	    {"idle_timeout = 1.2.3",
	     "idle_timeout wants a number of seconds from 0.1 to 3600, got '1.2.3'; using 60"},
	    {"idle_timeout = .",
	     "idle_timeout wants a number of seconds from 0.1 to 3600, got '.'; using 60"},
	    {"idle_timeout = 99999999999999999999999",
	     "idle_timeout wants a number of seconds from 0.1 to 3600, got "
	     "'99999999999999999999999'; using 60"},
	    {"breaker_failures = x",
	     "breaker_failures wants a whole number from 1 to 100, got 'x'; using 3"},
	    {"breaker_failures = 0",
	     "breaker_failures wants a whole number from 1 to 100, got '0'; using 3"},
	    {"breaker_failures = 101",
	     "breaker_failures wants a whole number from 1 to 100, got '101'; using 3"},
	    {"breaker_failures = 2.5",
	     "breaker_failures wants a whole number from 1 to 100, got '2.5'; using 3"},
	    {"breaker_failures = +4",
	     "breaker_failures wants a whole number from 1 to 100, got '+4'; using 3"},
	    {"breaker_open = 0.5",
	     "breaker_open wants a number of seconds from 1 to 3600, got '0.5'; using 30"},
	    {"breaker_open_max = 100000",
	     "breaker_open_max wants a number of seconds from 1 to 86400, got '100000'; using 300"},
	    {"max_retries = 11",
	     "max_retries wants a whole number from 0 to 10, got '11'; using 2"},
	    {"max_retries = -1",
	     "max_retries wants a whole number from 0 to 10, got '-1'; using 2"},
	    {"max_retries =", "max_retries wants a whole number from 0 to 10, got ''; using 2"},
	    {"colour = blue", "unknown key 'colour'"},
	    {"Model = x", "unknown key 'Model'"},
	    {"= value", "unknown key ''"},
	    {"kind = openai", "unknown key 'kind' (it belongs in a [provider.NAME] section)"},
	    {"input = 3", "unknown key 'input' (it belongs in a [price.MODEL] section)"},
	    {"just words", "expected 'key = value', a [section] or a comment; line ignored"},
	    {"a ;b = c", "expected 'key = value', a [section] or a comment; line ignored"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		check_bad_general(&cases[i]);
}

/* The section is at line 2, the bad line at line 3; a good key follows. */
static void check_bad_provider(const char *line, const char *warning)
{
	struct config c;
	struct buf w;
	char text[512], want[512];
	snprintf(text, sizeof text, "# first\n[provider.p]\n%s\nkey_cmd = k\n", line);
	snprintf(want, sizeof want, "t.conf:3: %s\n", warning);
	int n = parse(&c, &w, text);
	if (n != 1 || strcmp(buf_str(&w), want) != 0)
		print_error("line   '%s'\ngot  %d '%s'\nwant 1 '%s'\n", line, n, buf_str(&w), want);
	assert_int_equal(n, 1);
	assert_string_equal(buf_str(&w), want);
	const struct config_provider *p = config_provider(&c, "p");
	assert_non_null(p);
	assert_int_equal(p->kind, CONFIG_KIND_OPENAI);
	assert_null(p->base_url);
	assert_null(p->key_env);
	assert_null(p->key_file);
	assert_null(p->key);
	assert_string_equal(p->key_cmd, "k");
	assert_int_equal(p->nmodels, 0);
	done(&c, &w);
}

static void test_config_bad_provider_values_warn_once_and_use_the_default(void **state)
{
	(void)state;
	check_bad_provider(
	    "kind = grpc",
	    "kind wants openai, openai-responses, anthropic, gemini or ollama, got 'grpc'; using "
	    "openai");
	check_bad_provider("kind =", "kind wants openai, openai-responses, anthropic, gemini or "
	                             "ollama, got ''; using openai");
	check_bad_provider("base_url = ftp://example.com",
	                   "base_url wants a URL starting with http:// or https://, got "
	                   "'ftp://example.com'; [provider.p] is left out until it is fixed");
	check_bad_provider("base_url = https://",
	                   "base_url wants a URL starting with http:// or https://, got "
	                   "'https://'; [provider.p] is left out until it is fixed");
	check_bad_provider("base_url = http://a b",
	                   "base_url wants a URL starting with http:// or https://, got "
	                   "'http://a b'; [provider.p] is left out until it is fixed");
	check_bad_provider("key_env = 1KEY", "key_env wants the name of an environment variable "
	                                     "(letters, digits, '_'), got '1KEY'; ignored");
	check_bad_provider("key_env = MY-KEY", "key_env wants the name of an environment variable "
	                                       "(letters, digits, '_'), got 'MY-KEY'; ignored");
	check_bad_provider("token = x", "unknown key 'token' in [provider.p]");
	check_bad_provider("model = x", "unknown key 'model' in [provider.p] (top-level keys go "
	                                "before the first section)");
}

static void test_config_bad_prices_warn_once_and_are_ignored(void **state)
{
	(void)state;
	static const struct bad_case cases[] = {
	    {"input = cheap",
	     "input wants USD per million tokens, a number from 0 to 10000, got 'cheap'; ignored"},
	    {"input = -1",
	     "input wants USD per million tokens, a number from 0 to 10000, got '-1'; ignored"},
	    {"input = $3", "input wants USD per million tokens, a number from 0 to 10000, got "
	                   "'$3'; ignored"},
	    {"input = 10001", "input wants USD per million tokens, a number from 0 to 10000, got "
	                      "'10001'; ignored"},
	    {"currency = usd",
	     "unknown key 'currency' in [price.m:x.y] (it takes input and output)"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct config c;
		struct buf w;
		char text[256], want[256];
		snprintf(text, sizeof text, "[price.m:x.y]\noutput = 4\n%s\n", cases[i].line);
		snprintf(want, sizeof want, "t.conf:3: %s\n", cases[i].warning);
		assert_int_equal(parse(&c, &w, text), 1);
		assert_string_equal(buf_str(&w), want);
		double in = -1, out = -1;
		assert_true(config_price(&c, "m:x.y", &in, &out));
		assert_true(in == 0.0 && out == 4.0);
		assert_false(c.prices[0].has_input);
		done(&c, &w);
	}
}

static void test_config_unknown_section_warns_once_and_skips_its_keys(void **state)
{
	(void)state;
	struct config c;
	struct buf w;
	const char *text = "[general]\n"
	                   "model = x\n"
	                   "whatever = y\n"
	                   "\n"
	                   "[provider.ok]\n"
	                   "kind = ollama\n";
	assert_int_equal(parse(&c, &w, text), 1);
	assert_string_equal(buf_str(&w),
	                    "t.conf:1: unknown section [general] (there are "
	                    "[provider.NAME] and [price.MODEL]); its keys are ignored\n");
	assert_null(c.model);
	assert_int_equal(config_provider(&c, "ok")->kind, CONFIG_KIND_OLLAMA);
	done(&c, &w);
}

static void test_config_bad_section_names_warn_once(void **state)
{
	(void)state;
	static const struct bad_case cases[] = {
	    {"[provider.]", "[provider.]: a provider's name is letters, digits, '-', '_' and '.'; "
	                    "its keys are ignored"},
	    {"[provider.a:b]", "[provider.a:b]: a provider's name is letters, digits, '-', '_' "
	                       "and '.'; its keys are ignored"},
	    {"[provider.a b]", "[provider.a b]: a provider's name is letters, digits, '-', '_' "
	                       "and '.'; its keys are ignored"},
	    {"[price.]", "[price.]: a model name without blanks must follow 'price.'; its keys "
	                 "are ignored"},
	    {"[price.a b]", "[price.a b]: a model name without blanks must follow 'price.'; its "
	                    "keys are ignored"},
	    {"[]", "unknown section [] (there are [provider.NAME] and [price.MODEL]); its keys "
	           "are ignored"},
	    {"[Provider.x]", "unknown section [Provider.x] (there are [provider.NAME] and "
	                     "[price.MODEL]); its keys are ignored"},
	    {"[provider.x", "section header without ']'; its keys are ignored"},
	    {"[provider.x ;]", "section header without ']'; its keys are ignored"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct config c;
		struct buf w;
		char text[256], want[256];
		snprintf(text, sizeof text, "model = m\n%s\nkind = ollama\ninput = 3\n",
		         cases[i].line);
		snprintf(want, sizeof want, "t.conf:2: %s\n", cases[i].warning);
		int n = parse(&c, &w, text);
		if (n != 1 || strcmp(buf_str(&w), want) != 0)
			print_error("got %d '%s'\n", n, buf_str(&w));
		assert_int_equal(n, 1);
		assert_string_equal(buf_str(&w), want);
		assert_int_equal(c.nproviders, 0);
		assert_int_equal(c.nprices, 0);
		assert_string_equal(c.model, "m");
		done(&c, &w);
	}
}

static void test_config_section_names_are_trimmed(void **state)
{
	(void)state;
	struct config c;
	struct buf w;
	assert_int_equal(parse(&c, &w, "[ provider.x ]  ; comment\nkind = gemini\n"), 0);
	assert_non_null(config_provider(&c, "x"));
	assert_int_equal(config_provider(&c, "x")->kind, CONFIG_KIND_GEMINI);
	done(&c, &w);
}

/* inih keeps only 50 bytes of a section name; ours are read whole. */
static void test_config_long_section_names_are_kept_whole(void **state)
{
	(void)state;
	struct config c;
	struct buf w;
	const char *model = "openrouter:some-vendor/a-rather-long-model-name-that-goes-on-2.5-preview";
	char text[512];
	snprintf(text, sizeof text, "[price.%s]\ninput = 7\n", model);
	assert_true(strlen(model) > 60);
	assert_int_equal(parse(&c, &w, text), 0);
	double in = 0;
	assert_true(config_price(&c, model, &in, NULL));
	assert_true(in == 7.0);
	done(&c, &w);
}

static void test_config_several_mistakes_give_one_line_each_in_order(void **state)
{
	(void)state;
	struct config c;
	struct buf w;
	const char *text = "model = m\n"          /* 1 */
	                   "max_retries = lots\n" /* 2 */
	                   "\n"                   /* 3 */
	                   "colour = red\n"       /* 4 */
	                   "[provider.x]\n"       /* 5 */
	                   "kind = soap\n"        /* 6 */
	                   "[nope]\n"             /* 7 */
	                   "kind = soap\n"        /* 8: skipped */
	                   "[price.m]\n"          /* 9 */
	                   "output = free\n";     /* 10 */
	assert_int_equal(parse(&c, &w, text), 5);
	assert_string_equal(
	    buf_str(&w),
	    "t.conf:2: max_retries wants a whole number from 0 to 10, got 'lots'; using 2\n"
	    "t.conf:4: unknown key 'colour'\n"
	    "t.conf:6: kind wants openai, openai-responses, anthropic, gemini or ollama, got "
	    "'soap'; using openai\n"
	    "t.conf:7: unknown section [nope] (there are [provider.NAME] and [price.MODEL]); its "
	    "keys are ignored\n"
	    "t.conf:10: output wants USD per million tokens, a number from 0 to 10000, got "
	    "'free'; ignored\n");
	done(&c, &w);
}

static void test_config_warnings_may_be_null(void **state)
{
	(void)state;
	struct config c;
	config_init(&c);
	const char *text = "max_retries = x\ncolour = y\n";
	assert_int_equal(config_parse(&c, text, strlen(text), NULL, NULL), 2);
	assert_int_equal(c.max_retries, 2);
	config_done(&c);
}

static void test_config_null_filename_is_called_config(void **state)
{
	(void)state;
	struct config c;
	struct buf w;
	config_init(&c);
	buf_init(&w, 0);
	assert_int_equal(config_parse(&c, "x = 1\n", 6, NULL, &w), 1);
	assert_string_equal(buf_str(&w), "config:1: unknown key 'x'\n");
	done(&c, &w);
}

/* ---- lines: numbering, comments, line ends ------------------------------------------ */

static void test_config_line_numbers_count_crlf_bom_and_blank_lines(void **state)
{
	(void)state;
	struct config c;
	struct buf w;
	const char *text = "\xEF\xBB\xBFmodel = m\r\n"
	                   "\r\n"
	                   "# comment\r\n"
	                   "bad = 1\r\n"
	                   "theme = light\r\n"
	                   "also_bad = 2";
	assert_int_equal(parse(&c, &w, text), 2);
	assert_string_equal(buf_str(&w), "t.conf:4: unknown key 'bad'\n"
	                                 "t.conf:6: unknown key 'also_bad'\n");
	assert_string_equal(c.model, "m");
	assert_string_equal(c.theme, "light");
	done(&c, &w);
}

static void test_config_indented_line_is_its_own_key_not_a_continuation(void **state)
{
	(void)state;
	struct config c;
	struct buf w;
	assert_int_equal(parse(&c, &w,
	                       "model = m\n    history = off\n\ttheme = t\n  [provider.x]\n"
	                       "  kind = ollama\n"),
	                 0);
	assert_string_equal(c.model, "m");
	assert_false(c.history);
	assert_string_equal(c.theme, "t");
	assert_int_equal(config_provider(&c, "x")->kind, CONFIG_KIND_OLLAMA);
	done(&c, &w);
}

static void test_config_inline_comment_needs_a_blank_before_semicolon(void **state)
{
	(void)state;
	struct config c;
	struct buf w;
	assert_int_equal(parse(&c, &w,
	                       "model = gpt-4o ; the usual\n"
	                       "[provider.x]\n"
	                       "key_cmd = printf 'a;b'\n"
	                       "models = a, b # not a comment\n"),
	                 0);
	assert_string_equal(c.model, "gpt-4o");
	const struct config_provider *p = config_provider(&c, "x");
	assert_string_equal(p->key_cmd, "printf 'a;b'");
	assert_int_equal(p->nmodels, 2);
	assert_string_equal(p->models[1], "b # not a comment");
	done(&c, &w);
}

static void test_config_colon_separates_like_equals(void **state)
{
	(void)state;
	struct config c;
	struct buf w;
	assert_int_equal(parse(&c, &w, "model: anthropic:claude-x\nmodel2 = a:b\n"), 1);
	assert_string_equal(c.model, "anthropic:claude-x");
	assert_string_equal(buf_str(&w), "t.conf:2: unknown key 'model2'\n");
	done(&c, &w);
}

static void test_config_too_long_line_warns_and_is_skipped(void **state)
{
	(void)state;
	struct config c;
	struct buf w;
	char text[1024];
	char val[300];
	memset(val, 'a', sizeof val - 1);
	val[sizeof val - 1] = '\0';
	snprintf(text, sizeof text, "model = m\ntheme = %s\nhistory = off\n", val);
	assert_int_equal(parse(&c, &w, text), 1);
	assert_string_equal(buf_str(&w), "t.conf:2: line longer than 198 bytes; ignored\n");
	assert_null(c.theme);
	assert_false(c.history);
	done(&c, &w);

	/* Exactly at the limit is fine. */
	memset(val, 'b', sizeof val);
	val[198 - strlen("theme = ")] = '\0';
	snprintf(text, sizeof text, "theme = %s\n", val);
	assert_int_equal(strlen(text), 199);
	assert_int_equal(parse(&c, &w, text), 0);
	assert_int_equal(strlen(c.theme), 198 - strlen("theme = "));
	done(&c, &w);
}

static void test_config_too_long_section_header_skips_its_keys(void **state)
{
	(void)state;
	struct config c;
	struct buf w;
	char text[1024], name[250];
	memset(name, 'n', sizeof name - 1);
	name[sizeof name - 1] = '\0';
	snprintf(text, sizeof text, "[provider.%s]\nkind = soap\n", name);
	assert_int_equal(parse(&c, &w, text), 1);
	assert_string_equal(buf_str(&w), "t.conf:1: line longer than 198 bytes; ignored\n");
	assert_int_equal(c.nproviders, 0);
	done(&c, &w);
}

static void test_config_nul_byte_in_a_line_warns(void **state)
{
	(void)state;
	struct config c;
	struct buf w;
	static const char text[] = "model = m\ntheme = a\0b\nhistory = off\n";
	config_init(&c);
	buf_init(&w, 0);
	assert_int_equal(config_parse(&c, text, sizeof text - 1, "t.conf", &w), 1);
	assert_string_equal(buf_str(&w), "t.conf:2: a NUL byte; line ignored\n");
	assert_null(c.theme);
	assert_false(c.history);
	done(&c, &w);
}

static void test_config_text_need_not_end_in_nul(void **state)
{
	(void)state;
	struct config c;
	struct buf w;
	const char text[] = {'m', 'o', 'd', 'e', 'l', '=', 'x', 'y', 'z'};
	config_init(&c);
	buf_init(&w, 0);
	assert_int_equal(config_parse(&c, text, 7, "t.conf", &w), 0);
	assert_string_equal(c.model, "x");
	done(&c, &w);
}

static void test_config_warnings_never_carry_control_bytes(void **state)
{
	(void)state;
	struct config c;
	struct buf w;
	assert_int_equal(parse(&c, &w, "history = \x1b]52;c;aGk=\x07\x1b[2J\tx\n\x1b[31m = 1\n"),
	                 2);
	const char *s = buf_str(&w);
	for (const char *p = s; *p != '\0'; p++) {
		unsigned char ch = (unsigned char)*p;
		assert_true(ch >= 0x20 || ch == '\n');
		assert_true(ch != 0x7F);
	}
	/* One line per warning: two newlines. */
	assert_int_equal(strchr(strchr(s, '\n') + 1, '\n')[1], '\0');
	assert_non_null(strstr(s, "\xE2\x90\x9B]52")); /* ESC as its Control Picture */
	assert_non_null(strstr(s, "\xE2\x90\x89x"));   /* the tab too */
	done(&c, &w);

	/* A file name with a newline stays one line. */
	config_init(&c);
	buf_init(&w, 0);
	assert_int_equal(config_parse(&c, "x = 1\n", 6, "a\nb\x1b", &w), 1);
	assert_string_equal(buf_str(&w), "a\xE2\x90\xA4"
	                                 "b\xE2\x90\x9B:1: unknown key 'x'\n");
	done(&c, &w);
}

static void test_config_breaker_open_longer_than_max_warns_at_the_later_line(void **state)
{
	(void)state;
	struct config c;
	struct buf w;
	assert_int_equal(parse(&c, &w, "breaker_open = 60\nmodel = m\nbreaker_open_max = 45.5\n"),
	                 1);
	assert_string_equal(buf_str(&w), "t.conf:3: breaker_open_max (45.5 s) is shorter than "
	                                 "breaker_open (60 s); using 60 for both\n");
	assert_int_equal(c.breaker_open_ms, 60000);
	assert_int_equal(c.breaker_open_max_ms, 60000);
	done(&c, &w);

	assert_int_equal(parse(&c, &w, "breaker_open = 400\n"), 1);
	assert_string_equal(buf_str(&w), "t.conf:1: breaker_open_max (300 s) is shorter than "
	                                 "breaker_open (400 s); using 400 for both\n");
	assert_int_equal(c.breaker_open_max_ms, 400000);
	done(&c, &w);
}

/* ---- key_file --------------------------------------------------------------------- */

static void test_config_key_file_is_its_first_line_less_lf_or_crlf(void **state)
{
	(void)state;
	struct tmp t;
	tmp_init(&t);
	/* LF, CRLF and no newline at all: the same key, exactly. */
	static const char *const texts[] = {"sk-test-123\nsecond line\n", "sk-test-123\r\nmore\r\n",
	                                    "sk-test-123"};
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		char name[16];
		snprintf(name, sizeof name, "key%zu", i);
		const char *key = tmp_file(&t, name, texts[i], 0600);
		struct config c;
		struct buf w;
		char text[1024];
		snprintf(text, sizeof text, "[provider.k]\nkey_file = %s\n", key);
		assert_int_equal(parse(&c, &w, text), 0);
		assert_string_equal(buf_str(&w), "");
		const struct config_provider *p = config_provider(&c, "k");
		assert_string_equal(p->key_file, key);
		assert_string_equal(p->key, "sk-test-123");
		assert_null(p->key_problem);
		done(&c, &w);
	}

	/* 0400 is stricter than 0600: no warning either. */
	const char *ro = tmp_file(&t, "ro", "sk-ro", 0400);
	struct config c;
	struct buf w;
	char text[1024];
	snprintf(text, sizeof text, "[provider.k]\nkey_file = %s\n", ro);
	assert_int_equal(parse(&c, &w, text), 0);
	assert_string_equal(config_provider(&c, "k")->key, "sk-ro");
	done(&c, &w);
	tmp_done(&t);
}

/* A CR, a blank or a control byte in the line would reach an HTTP header
 * (a CR LF starts a header of its own): the key is refused, the file named. */
static void test_config_key_file_with_a_control_byte_or_blank_is_refused(void **state)
{
	(void)state;
	struct tmp t;
	tmp_init(&t);
	static const struct {
		const char *text, *what;
	} cases[] = {
	    {"sk-x\rX-Injected: yes\n", "a control character (0x0d) at byte 4"},
	    {"sk-x\r\r\n", "a control character (0x0d) at byte 4"},
	    {"  sk-test-123\n", "a space at byte 0"},
	    {"sk-test-123 \t\n", "a space at byte 11"},
	    {"sk-\tx\n", "a control character (0x09) at byte 3"},
	    {"sk-\x7fx\n", "a control character (0x7f) at byte 3"},
	    {"\xe2\x80\x9csk-x\n", "a byte outside ASCII (0xe2) at byte 0"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char name[16];
		snprintf(name, sizeof name, "bad%zu", i);
		const char *key = tmp_file(&t, name, cases[i].text, 0600);
		struct config c;
		struct buf w;
		char text[1024], want[2048], problem[1024];
		snprintf(text, sizeof text, "[provider.k]\nkey_file = %s\n", key);
		snprintf(problem, sizeof problem, "key_file %s holds %s", key, cases[i].what);
		snprintf(want, sizeof want, "t.conf:2: %s; a key is one line of printable ASCII\n",
		         problem);
		assert_int_equal(parse(&c, &w, text), 1);
		assert_string_equal(buf_str(&w), want);
		assert_null(config_provider(&c, "k")->key);
		assert_string_equal(config_provider(&c, "k")->key_problem, problem);
		done(&c, &w);
	}
	/* A NUL inside the line. */
	const char *nul = tmp_file(&t, "nul", "sk-x", 0600);
	FILE *f = fopen(nul, "ab");
	assert_non_null(f);
	fwrite("\0y\n", 1, 3, f);
	fclose(f);
	struct config c;
	struct buf w;
	char text[1024];
	snprintf(text, sizeof text, "[provider.k]\nkey_file = %s\n", nul);
	assert_int_equal(parse(&c, &w, text), 1);
	assert_non_null(strstr(buf_str(&w), "holds a NUL byte"));
	assert_null(config_provider(&c, "k")->key);
	done(&c, &w);
	tmp_done(&t);
}

/* As ssh refuses a loose private key: group or others may read it, no key. */
static void test_config_key_file_readable_by_others_is_refused(void **state)
{
	(void)state;
	struct tmp t;
	tmp_init(&t);
	static const mode_t modes[] = {0644, 0640, 0604, 0620, 0601};
	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		char name[16];
		snprintf(name, sizeof name, "key%zu", i);
		const char *key = tmp_file(&t, name, "sk-open\n", modes[i]);
		struct config c;
		struct buf w;
		char text[1024], want[2048], problem[1024];
		snprintf(text, sizeof text, "# keys\n[provider.k]\nkey_file = %s\n", key);
		snprintf(problem, sizeof problem, "key_file %s is readable by others (mode %04o)", key,
		         (unsigned)modes[i]);
		snprintf(want, sizeof want, "t.conf:3: %s; chmod 600 %s\n", problem, key);
		assert_int_equal(parse(&c, &w, text), 1);
		assert_string_equal(buf_str(&w), want);
		assert_null(config_provider(&c, "k")->key);
		assert_string_equal(config_provider(&c, "k")->key_problem, problem);
		done(&c, &w);
	}
	tmp_done(&t);
}

static void test_config_key_file_missing_or_empty_warns_and_gives_no_key(void **state)
{
	(void)state;
	struct tmp t;
	tmp_init(&t);
	struct config c;
	struct buf w;
	char text[1024], want[1024];

	snprintf(text, sizeof text, "[provider.k]\nkey_file = %s/absent\n", t.dir);
	snprintf(want, sizeof want, "t.conf:2: key_file %s/absent: %s\n", t.dir, strerror(ENOENT));
	assert_int_equal(parse(&c, &w, text), 1);
	assert_string_equal(buf_str(&w), want);
	assert_non_null(config_provider(&c, "k")->key_file);
	assert_null(config_provider(&c, "k")->key);
	done(&c, &w);

	const char *empty = tmp_file(&t, "empty", "\r\nsk-second-line\n", 0600);
	snprintf(text, sizeof text, "[provider.k]\nkey_file = %s\n", empty);
	snprintf(want, sizeof want, "t.conf:2: key_file %s: the first line is empty\n", empty);
	assert_int_equal(parse(&c, &w, text), 1);
	assert_string_equal(buf_str(&w), want);
	assert_null(config_provider(&c, "k")->key);
	done(&c, &w);

	/* A folder is not a key file. */
	snprintf(text, sizeof text, "[provider.k]\nkey_file = %s\n", t.dir);
	snprintf(want, sizeof want, "t.conf:2: key_file %s is not a regular file\n", t.dir);
	assert_int_equal(parse(&c, &w, text), 1);
	assert_string_equal(buf_str(&w), want);
	assert_null(config_provider(&c, "k")->key);
	done(&c, &w);
	tmp_done(&t);
}

static void test_config_key_file_tilde_is_home(void **state)
{
	(void)state;
	struct tmp t;
	tmp_init(&t);
	tmp_file(&t, "k", "sk-home\n", 0600);
	char *old = getenv("HOME") != NULL ? strdup(getenv("HOME")) : NULL;
	assert_int_equal(setenv("HOME", t.dir, 1), 0);

	struct config c;
	struct buf w;
	char want[1024];
	assert_int_equal(parse(&c, &w, "[provider.h]\nkey_file = ~/k\n"), 0);
	snprintf(want, sizeof want, "%s/k", t.dir);
	assert_string_equal(config_provider(&c, "h")->key_file, want);
	assert_string_equal(config_provider(&c, "h")->key, "sk-home");
	done(&c, &w);

	assert_int_equal(unsetenv("HOME"), 0);
	assert_int_equal(parse(&c, &w, "[provider.h]\nkey_file = ~/k\n"), 1);
	assert_string_equal(buf_str(&w), "t.conf:2: key_file ~/k: HOME is not set; ignored\n");
	assert_null(config_provider(&c, "h")->key_file);
	done(&c, &w);

	if (old != NULL) {
		setenv("HOME", old, 1);
		free(old);
	}
	tmp_done(&t);
}

static void test_config_key_file_relative_is_next_to_the_config(void **state)
{
	(void)state;
	struct tmp t;
	tmp_init(&t);
	tmp_file(&t, "k", "sk-rel\n", 0600);
	const char *conf = tmp_file(&t, "config", "[provider.r]\nkey_file = k\n", 0600);
	struct config c;
	struct buf w;
	config_init(&c);
	buf_init(&w, 0);
	assert_int_equal(config_load(&c, conf, true, &w), 0);
	assert_string_equal(buf_str(&w), "");
	char want[1024];
	snprintf(want, sizeof want, "%s/k", t.dir);
	assert_string_equal(config_provider(&c, "r")->key_file, want);
	assert_string_equal(config_provider(&c, "r")->key, "sk-rel");
	done(&c, &w);
	tmp_done(&t);
}

static void test_config_empty_key_file_clears_it(void **state)
{
	(void)state;
	struct tmp t;
	tmp_init(&t);
	const char *key = tmp_file(&t, "k", "sk-x\n", 0600);
	struct config c;
	struct buf w;
	char text[1024];
	snprintf(text, sizeof text, "[provider.k]\nkey_file = %s\nkey_file =\n", key);
	assert_int_equal(parse(&c, &w, text), 0);
	assert_null(config_provider(&c, "k")->key_file);
	assert_null(config_provider(&c, "k")->key);
	done(&c, &w);
	tmp_done(&t);
}

/* ---- config_load and the default path ------------------------------------------------- */

static void test_config_missing_file_is_silent_unless_explicit(void **state)
{
	(void)state;
	struct tmp t;
	tmp_init(&t);
	char path[1024], want[1100];
	snprintf(path, sizeof path, "%s/absent", t.dir);
	struct config c;
	struct buf w;

	config_init(&c);
	buf_init(&w, 0);
	assert_int_equal(config_load(&c, path, false, &w), 0);
	assert_string_equal(buf_str(&w), "");
	assert_null(c.path);
	assert_general_defaults(&c);
	done(&c, &w);

	config_init(&c);
	buf_init(&w, 0);
	assert_int_equal(config_load(&c, path, true, &w), 1);
	snprintf(want, sizeof want, "%s: no such file\n", path);
	assert_string_equal(buf_str(&w), want);
	assert_null(c.path);
	assert_general_defaults(&c);
	done(&c, &w);

	/* A missing folder on the way is missing too. */
	const char *file = tmp_file(&t, "f", "", 0600);
	snprintf(path, sizeof path, "%s/sub/config", file);
	config_init(&c);
	buf_init(&w, 0);
	assert_int_equal(config_load(&c, path, false, &w), 0);
	assert_string_equal(buf_str(&w), "");
	done(&c, &w);
	tmp_done(&t);
}

static void test_config_load_reads_the_file_and_names_it_in_warnings(void **state)
{
	(void)state;
	struct tmp t;
	tmp_init(&t);
	const char *conf = tmp_file(&t, "config", "model = gpt-4o\nmax_retries = 99\n", 0644);
	struct config c;
	struct buf w;
	char want[1200];
	config_init(&c);
	buf_init(&w, 0);
	assert_int_equal(config_load(&c, conf, false, &w), 1);
	snprintf(want, sizeof want,
	         "%s:2: max_retries wants a whole number from 0 to 10, got '99'; using 2\n", conf);
	assert_string_equal(buf_str(&w), want);
	assert_string_equal(c.model, "gpt-4o");
	assert_string_equal(c.path, conf);
	done(&c, &w);

	/* A folder is not a config file. */
	config_init(&c);
	buf_init(&w, 0);
	assert_int_equal(config_load(&c, t.dir, true, &w), 1);
	snprintf(want, sizeof want, "%s: not a regular file; not read\n", t.dir);
	assert_string_equal(buf_str(&w), want);
	done(&c, &w);
	tmp_done(&t);
}

static void test_config_load_refuses_a_file_past_1_mib(void **state)
{
	(void)state;
	struct tmp t;
	tmp_init(&t);
	size_t n = ((size_t)1 << 20) + 10;
	char *big = malloc(n + 1);
	assert_non_null(big);
	memset(big, '#', n);
	big[0] = 'x'; /* would be a warning if it were read */
	big[n] = '\0';
	const char *conf = tmp_file(&t, "big", big, 0600);
	free(big);
	struct config c;
	struct buf w;
	char want[1200];
	config_init(&c);
	buf_init(&w, 0);
	assert_int_equal(config_load(&c, conf, false, &w), 1);
	snprintf(want, sizeof want, "%s: larger than 1024 KiB; not read\n", conf);
	assert_string_equal(buf_str(&w), want);
	assert_null(c.path);
	done(&c, &w);
	tmp_done(&t);
}

static void test_config_load_with_null_path_reads_the_default_path(void **state)
{
	(void)state;
	struct tmp t;
	tmp_init(&t);
	char sub[700];
	snprintf(sub, sizeof sub, "%s/circuit", t.dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	const char *conf = tmp_file(&t, "circuit/config", "theme = mono\n", 0600);
	char *old = getenv("XDG_CONFIG_HOME") != NULL ? strdup(getenv("XDG_CONFIG_HOME")) : NULL;
	assert_int_equal(setenv("XDG_CONFIG_HOME", t.dir, 1), 0);

	struct config c;
	struct buf w;
	config_init(&c);
	buf_init(&w, 0);
	assert_int_equal(config_load(&c, NULL, false, &w), 0);
	assert_string_equal(c.theme, "mono");
	assert_string_equal(c.path, conf);
	done(&c, &w);

	if (old != NULL) {
		setenv("XDG_CONFIG_HOME", old, 1);
		free(old);
	} else {
		unsetenv("XDG_CONFIG_HOME");
	}
	assert_int_equal(unlink(conf), 0);
	assert_int_equal(rmdir(sub), 0);
	t.nfiles = 0;
	tmp_done(&t);
}

static void test_config_default_path_uses_xdg_then_home(void **state)
{
	(void)state;
	char *old_xdg = getenv("XDG_CONFIG_HOME") ? strdup(getenv("XDG_CONFIG_HOME")) : NULL;
	char *old_home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
	char buf[256];

	setenv("XDG_CONFIG_HOME", "/x/cfg", 1);
	setenv("HOME", "/home/u", 1);
	assert_string_equal(config_default_path(buf, sizeof buf), "/x/cfg/circuit/config");
	/* A relative XDG_CONFIG_HOME is ignored, as the spec says. */
	setenv("XDG_CONFIG_HOME", "rel", 1);
	assert_string_equal(config_default_path(buf, sizeof buf), "/home/u/.config/circuit/config");
	setenv("XDG_CONFIG_HOME", "", 1);
	assert_string_equal(config_default_path(buf, sizeof buf), "/home/u/.config/circuit/config");
	unsetenv("XDG_CONFIG_HOME");
	assert_string_equal(config_default_path(buf, sizeof buf), "/home/u/.config/circuit/config");
	/* Too small a buffer, or no HOME at all. */
	assert_null(config_default_path(buf, 10));
	unsetenv("HOME");
	assert_null(config_default_path(buf, sizeof buf));

	if (old_xdg != NULL)
		setenv("XDG_CONFIG_HOME", old_xdg, 1);
	if (old_home != NULL)
		setenv("HOME", old_home, 1);
	free(old_xdg);
	free(old_home);
}

/* ---- the shipped example -------------------------------------------------------------- */

static void test_config_example_parses_without_warnings(void **state)
{
	(void)state;
	size_t n;
	char *text = tu_read_file("docs/config.example", &n);
	struct config c;
	struct buf w;
	config_init(&c);
	buf_init(&w, 0);
	int warnings = config_parse(&c, text, n, "docs/config.example", &w);
	if (warnings != 0)
		print_error("%s", buf_str(&w));
	assert_int_equal(warnings, 0);
	free(text);

	/* Every general key is in it, each set to something. */
	assert_non_null(c.model);
	assert_true(c.nfallback >= 2);
	assert_non_null(c.theme);
	assert_int_equal(c.idle_timeout_ms, 45500);
	assert_true(c.nproviders >= 3);
	const struct config_provider *p = config_provider(&c, "openrouter");
	assert_non_null(p);
	assert_non_null(p->base_url);
	assert_non_null(p->key_env);
	assert_true(p->nmodels > 0);
	assert_non_null(config_provider(&c, "work")->key_cmd);
	assert_int_equal(config_provider(&c, "work")->kind, CONFIG_KIND_ANTHROPIC);
	double in, out;
	assert_true(config_price(&c, "openai:gpt-4o-mini", &in, &out));
	assert_true(in == 0.15 && out == 0.60);
	done(&c, &w);
}

static void test_config_example_mentions_every_key(void **state)
{
	(void)state;
	static const char *const keys[] = {
	    "model",           "fallback",
	    "history",         "theme",
	    "connect_timeout", "first_byte_timeout",
	    "idle_timeout",    "breaker_failures",
	    "breaker_open",    "breaker_open_max",
	    "max_retries",     "kind",
	    "base_url",        "key_env",
	    "key_file",        "key_cmd",
	    "models",          "input",
	    "output",
	};
	char *text = tu_read_file("docs/config.example", NULL);
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		char line[64];
		snprintf(line, sizeof line, "\n%s = ", keys[i]);
		char commented[64];
		snprintf(commented, sizeof commented, "\n# %s = ", keys[i]);
		if (strstr(text, line) == NULL && strstr(text, commented) == NULL)
			print_error("docs/config.example has no '%s = ' line\n", keys[i]);
		assert_true(strstr(text, line) != NULL || strstr(text, commented) != NULL);
	}
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_config_init_sets_the_defaults),
	    cmocka_unit_test(test_config_empty_and_comment_only_text_keeps_the_defaults),
	    cmocka_unit_test(test_config_reads_every_general_key),
	    cmocka_unit_test(test_config_history_takes_on_off_and_their_synonyms),
	    cmocka_unit_test(test_config_clipboard_takes_its_words_and_warns_on_others),
	    cmocka_unit_test(test_config_later_key_wins_and_empty_string_means_none),
	    cmocka_unit_test(test_config_strings_are_kept_as_utf8),
	    cmocka_unit_test(test_config_fallback_trims_skips_empty_items_keeps_duplicates),
	    cmocka_unit_test(test_config_fallback_of_only_commas_is_empty),
	    cmocka_unit_test(test_config_fallback_single_item_without_commas),
	    cmocka_unit_test(test_config_provider_section_reads_every_key),
	    cmocka_unit_test(test_config_provider_kind_defaults_to_openai),
	    cmocka_unit_test(test_config_kind_names),
	    cmocka_unit_test(test_config_repeated_provider_section_merges),
	    cmocka_unit_test(test_config_price_sections_with_colons_and_dots),
	    cmocka_unit_test(test_config_price_of_provider_model_falls_back_to_bare_name),
	    cmocka_unit_test(test_config_many_price_sections_each_found_repeats_merged),
	    cmocka_unit_test(test_config_bad_general_values_warn_once_and_use_the_default),
	    cmocka_unit_test(test_config_bad_provider_values_warn_once_and_use_the_default),
	    cmocka_unit_test(test_config_bad_prices_warn_once_and_are_ignored),
	    cmocka_unit_test(test_config_unknown_section_warns_once_and_skips_its_keys),
	    cmocka_unit_test(test_config_bad_section_names_warn_once),
	    cmocka_unit_test(test_config_section_names_are_trimmed),
	    cmocka_unit_test(test_config_long_section_names_are_kept_whole),
	    cmocka_unit_test(test_config_several_mistakes_give_one_line_each_in_order),
	    cmocka_unit_test(test_config_warnings_may_be_null),
	    cmocka_unit_test(test_config_null_filename_is_called_config),
	    cmocka_unit_test(test_config_line_numbers_count_crlf_bom_and_blank_lines),
	    cmocka_unit_test(test_config_indented_line_is_its_own_key_not_a_continuation),
	    cmocka_unit_test(test_config_inline_comment_needs_a_blank_before_semicolon),
	    cmocka_unit_test(test_config_colon_separates_like_equals),
	    cmocka_unit_test(test_config_too_long_line_warns_and_is_skipped),
	    cmocka_unit_test(test_config_too_long_section_header_skips_its_keys),
	    cmocka_unit_test(test_config_nul_byte_in_a_line_warns),
	    cmocka_unit_test(test_config_text_need_not_end_in_nul),
	    cmocka_unit_test(test_config_warnings_never_carry_control_bytes),
	    cmocka_unit_test(test_config_breaker_open_longer_than_max_warns_at_the_later_line),
	    cmocka_unit_test(test_config_key_file_is_its_first_line_less_lf_or_crlf),
	    cmocka_unit_test(test_config_key_file_with_a_control_byte_or_blank_is_refused),
	    cmocka_unit_test(test_config_key_file_readable_by_others_is_refused),
	    cmocka_unit_test(test_config_key_file_missing_or_empty_warns_and_gives_no_key),
	    cmocka_unit_test(test_config_key_file_tilde_is_home),
	    cmocka_unit_test(test_config_key_file_relative_is_next_to_the_config),
	    cmocka_unit_test(test_config_empty_key_file_clears_it),
	    cmocka_unit_test(test_config_missing_file_is_silent_unless_explicit),
	    cmocka_unit_test(test_config_load_reads_the_file_and_names_it_in_warnings),
	    cmocka_unit_test(test_config_load_refuses_a_file_past_1_mib),
	    cmocka_unit_test(test_config_load_with_null_path_reads_the_default_path),
	    cmocka_unit_test(test_config_default_path_uses_xdg_then_home),
	    cmocka_unit_test(test_config_example_parses_without_warnings),
	    cmocka_unit_test(test_config_example_mentions_every_key),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
