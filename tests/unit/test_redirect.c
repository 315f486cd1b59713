/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_redirect: a 3xx is an error saying where it points, without the
 * location's userinfo, and its line names the base URL to fix (issue 16,
 * item 13). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include "app/failure.h"
#include "wire/decoder.h"

static void test_redirect_error_names_the_location_without_userinfo(void **state)
{
	(void)state;
	struct wire_error e;
	wire_error_init(&e);
	wire_redirect_error(301, "https://user:hunter2@h:1/v1/chat/completions?a=b", &e);
	assert_int_equal(e.kind, WIRE_ERR_REDIRECT);
	assert_int_equal(e.http_status, 301);
	assert_string_equal(e.code, "redirect");
	assert_string_equal(e.message, "the server redirects to https://h:1/v1/chat/completions?a=b");
	wire_redirect_error(302, "/relative/path", &e);
	assert_string_equal(e.message, "the server redirects to /relative/path");
	wire_redirect_error(307, NULL, &e);
	assert_string_equal(e.message, "the server redirects without a Location header");
	wire_redirect_error(308, "", &e);
	assert_string_equal(e.message, "the server redirects without a Location header");
	wire_error_done(&e);
}

static void test_redirect_error_cuts_a_long_location_between_characters(void **state)
{
	(void)state;
	char loc[WIRE_REDIRECT_SHOWN + 64];
	size_t n = 0;
	memcpy(loc, "https://h/", 10);
	n = 10;
	while (n + 2 < sizeof(loc) - 1) {
		memcpy(loc + n, "\xc3\xa9", 2); /* é: two bytes each, so one straddles the cut */
		n += 2;
	}
	loc[n] = '\0';
	for (int shift = 0; shift < 2; shift++) {
		struct wire_error e;
		wire_error_init(&e);
		wire_redirect_error(301, loc + shift, &e); /* shift moves the cut by one byte */
		size_t len = strlen(e.message);
		const char *ell = "\xe2\x80\xa6";
		assert_true(len > 3);
		assert_string_equal(e.message + len - 3, ell);
		/* The byte before the ellipsis ends a whole é. */
		assert_int_equal((unsigned char)e.message[len - 4], 0xa9);
		assert_true(len - 3 - strlen("the server redirects to ") <= WIRE_REDIRECT_SHOWN);
		wire_error_done(&e);
	}
}

/* The line for a failure of p with e. */
static void describe(const struct provider *p, const struct wire_error *e, struct buf *out)
{
	struct failure f = {.p = p, .model = "m", .e = e, .attempts = 1};
	buf_reset(out);
	failure_describe(&f, out);
}

static void test_redirect_line_hints_https_where_http_is_the_mistake(void **state)
{
	(void)state;
	struct provider p = {.name = "openai", .key_env = "OPENAI_API_KEY",
	                     .base_url = "http://h/v1", .base_env = "OPENAI_BASE_URL"};
	struct wire_error e;
	wire_error_init(&e);
	struct buf out;
	buf_init(&out, 0);
	wire_redirect_error(301, "https://h/v1/chat/completions", &e);
	describe(&p, &e, &out);
	assert_string_equal(buf_str(&out),
	                    "openai answered with a redirect (HTTP 301: the server redirects to "
	                    "https://h/v1/chat/completions), which circuit does not follow. The base "
	                    "URL says http:// but the server redirects to https://: use https:// in "
	                    "OPENAI_BASE_URL.");
	/* Elsewhere over http, or a base already on https: no scheme hint. */
	wire_redirect_error(302, "http://other/v1/chat/completions", &e);
	describe(&p, &e, &out);
	assert_null(strstr(buf_str(&out), "use https://"));
	assert_non_null(strstr(buf_str(&out), "Check OPENAI_BASE_URL."));
	p.base_url = "https://h/v1";
	wire_redirect_error(308, "https://h2/v1/chat/completions", &e);
	describe(&p, &e, &out);
	assert_null(strstr(buf_str(&out), "use https://"));
	/* A config provider: the section's base_url is what to fix. */
	p.base_url = "http://h/v1";
	p.name = "work";
	p.base_env = NULL;
	wire_redirect_error(301, "HTTPS://h/v1/chat/completions", &e);
	describe(&p, &e, &out);
	assert_non_null(strstr(buf_str(&out), "use https:// in base_url of [provider.work] in the "
	                                      "config."));
	wire_redirect_error(307, NULL, &e);
	describe(&p, &e, &out);
	assert_non_null(strstr(buf_str(&out), "without a Location header"));
	assert_non_null(strstr(buf_str(&out), "Check base_url of [provider.work] in the config."));
	assert_null(strchr(buf_str(&out), '\n'));
	buf_done(&out);
	wire_error_done(&e);
}

/* A Location holding escape sequences reaches the line as visible text. */
static void test_redirect_line_is_sanitised(void **state)
{
	(void)state;
	struct provider p = {.name = "openai", .key_env = "OPENAI_API_KEY",
	                     .base_url = "http://h/v1", .base_env = "OPENAI_BASE_URL"};
	struct wire_error e;
	wire_error_init(&e);
	struct buf out;
	buf_init(&out, 0);
	wire_redirect_error(301, "https://h/\x1b]52;c;SEVMTE8=\x07x", &e);
	/* As net/stream.c hands it on: through the choke point. */
	struct wire_clean c;
	wire_clean_init(&c);
	struct wire_event ev = {.type = WIRE_EV_ERROR, .error = &e};
	describe(&p, wire_clean(&c, &ev)->error, &out);
	wire_clean_done(&c);
	for (size_t i = 0; i < out.len; i++)
		assert_true((unsigned char)out.data[i] >= 0x20);
	buf_done(&out);
	wire_error_done(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_redirect_error_names_the_location_without_userinfo),
		cmocka_unit_test(test_redirect_error_cuts_a_long_location_between_characters),
		cmocka_unit_test(test_redirect_line_hints_https_where_http_is_the_mistake),
		cmocka_unit_test(test_redirect_line_is_sanitised),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
