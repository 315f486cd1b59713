/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_log: the debug log never holds a secret. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>

#include "testutil.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/log.h"
#include "util/redact.h"

#define SENTINEL "sk-SENTINEL-0123456789"

/* Each test starts with no secrets and no open log. */
static int reset_log(void **state)
{
	(void)state;
	redact_clear();
	log_close();
	return 0;
}

static void check(const char *in, const char *want)
{
	struct buf out;
	buf_init(&out, 0);
	redact_append(&out, in, strlen(in));
	assert_bytes_equal(buf_str(&out), out.len, want);
	buf_done(&out);
}

static void test_log_redact_without_secrets_keeps_ordinary_text(void **state)
{
	(void)state;
	check("", "");
	check("plain text, nothing to hide\n", "plain text, nothing to hide\n");
	check("monkey=banana&turkey=1 the key is here", "monkey=banana&turkey=1 the key is here");
	check("Host: api.example.com\r\nAccept: */*\r\n", "Host: api.example.com\r\nAccept: */*\r\n");
	check("my cookie: is not a header here", "my cookie: is not a header here");
}

static void test_log_redact_registered_secret_anywhere_in_text(void **state)
{
	(void)state;
	redact_add_secret(SENTINEL);
	check(SENTINEL, "[redacted]");
	check("key " SENTINEL " end", "key [redacted] end");
	check("xx" SENTINEL "yy", "xx[redacted]yy");
	check("{\"api_key\":\"" SENTINEL "\"}", "{\"api_key\":\"[redacted]\"}");
	check("line one\n" SENTINEL "\n", "line one\n[redacted]\n");
}

static void test_log_redact_every_occurrence_of_a_secret(void **state)
{
	(void)state;
	redact_add_secret(SENTINEL);
	check("a " SENTINEL " b " SENTINEL " c " SENTINEL, "a [redacted] b [redacted] c [redacted]");
	check(SENTINEL SENTINEL, "[redacted][redacted]");
}

static void test_log_redact_several_registered_secrets(void **state)
{
	(void)state;
	redact_add_secret(SENTINEL);
	redact_add_secret("AIzaSECOND-key-value");
	check("one=" SENTINEL " two=AIzaSECOND-key-value", "one=[redacted] two=[redacted]");
}

static void test_log_redact_near_miss_of_secret_is_kept(void **state)
{
	(void)state;
	redact_add_secret(SENTINEL);
	check("sk-SENTINEL-012345678", "sk-SENTINEL-012345678");
}

static void test_log_redact_secret_that_extends_another_leaves_no_tail(void **state)
{
	(void)state;
	/* Registered in this order, the shorter one matches first. */
	redact_add_secret("sk-SHORT");
	redact_add_secret("sk-SHORT-AND-THEN-SOME");
	check("k=sk-SHORT-AND-THEN-SOME.", "k=[redacted].");
	check("k=sk-SHORT.", "k=[redacted].");
}

static void test_log_redact_overlapping_secrets_leave_no_tail(void **state)
{
	(void)state;
	redact_add_secret("aaaaBBBB");
	redact_add_secret("BBBBcccc");
	check("<aaaaBBBBcccc>", "<[redacted]>");
}

static void test_log_redact_authorization_header_value(void **state)
{
	(void)state;
	check("Authorization: Bearer X", "Authorization: [redacted]");
	check("authorization: Basic dXNlcjpwYXNz", "authorization: [redacted]");
	check("AUTHORIZATION:Bearer abc def", "AUTHORIZATION:[redacted]");
	check("Proxy-Authorization: Basic abc", "Proxy-Authorization: [redacted]");
}

static void test_log_redact_api_key_header_values_in_any_case(void **state)
{
	(void)state;
	check("x-api-key: X", "x-api-key: [redacted]");
	check("X-API-KEY: sk-ant-abc", "X-API-KEY: [redacted]");
	check("X-Goog-Api-Key: X", "X-Goog-Api-Key: [redacted]");
	check("x-goog-api-key: AIza123", "x-goog-api-key: [redacted]");
}

static void test_log_redact_cookie_header_values(void **state)
{
	(void)state;
	check("cookie: a=b", "cookie: [redacted]");
	check("Cookie: a=b; c=d", "Cookie: [redacted]");
	check("Set-Cookie: sid=xyz; Path=/; HttpOnly", "Set-Cookie: [redacted]");
}

static void test_log_redact_header_value_stops_at_end_of_line(void **state)
{
	(void)state;
	check("Host: a\r\nx-api-key: sk-abc\r\nAccept: */*\r\n",
	      "Host: a\r\nx-api-key: [redacted]\r\nAccept: */*\r\n");
	check("x-api-key: one\nx-goog-api-key: two\nok",
	      "x-api-key: [redacted]\nx-goog-api-key: [redacted]\nok");
}

static void test_log_redact_headers_after_curl_debug_prefix(void **state)
{
	(void)state;
	check("> Authorization: Bearer X", "> Authorization: [redacted]");
	check("> x-api-key: X\n", "> x-api-key: [redacted]\n");
	check("> X-Goog-Api-Key: X", "> X-Goog-Api-Key: [redacted]");
	check("< set-cookie: sid=1", "< set-cookie: [redacted]");
	check("> POST /v1/messages HTTP/2\r\n> Host: h\r\n> x-api-key: sk-ant\r\n> content-type: json\r\n",
	      "> POST /v1/messages HTTP/2\r\n> Host: h\r\n> x-api-key: [redacted]\r\n"
	      "> content-type: json\r\n");
}

static void test_log_redact_bearer_token_anywhere(void **state)
{
	(void)state;
	check("sent Bearer abc123 to host", "sent Bearer [redacted] to host");
	check("{\"auth\":\"Bearer abc123\",\"x\":1}", "{\"auth\":\"Bearer [redacted]\",\"x\":1}");
	check("bearer tok", "bearer [redacted]");
}

static void test_log_redact_url_key_parameter_keeps_the_rest(void **state)
{
	(void)state;
	check("GET /v1beta/models/g:streamGenerateContent?key=SECRET&alt=sse HTTP/1.1",
	      "GET /v1beta/models/g:streamGenerateContent?key=[redacted]&alt=sse HTTP/1.1");
	check("https://h/p?alt=sse&key=SECRET", "https://h/p?alt=sse&key=[redacted]");
	check("https://h/p?api_key=SECRET&x=1", "https://h/p?api_key=[redacted]&x=1");
	check("\"url\":\"https://h/p?key=SECRET\"", "\"url\":\"https://h/p?key=[redacted]\"");
	check("https://h/p?monkey=1&key=S", "https://h/p?monkey=1&key=[redacted]");
}

static void test_log_short_secret_is_not_registered(void **state)
{
	(void)state;
	redact_add_secret("abc");
	redact_add_secret("");
	check("abc cab abcabc", "abc cab abcabc");
	redact_add_secret("abcd"); /* 4 bytes is enough */
	check("x abcd y", "x [redacted] y");
}

static void test_log_secret_is_copied_on_registration(void **state)
{
	(void)state;
	char key[] = SENTINEL;
	redact_add_secret(key);
	memset(key, 'z', sizeof(key) - 1);
	check("k=" SENTINEL, "k=[redacted]");
}

static void test_log_clear_secrets_forgets_them(void **state)
{
	(void)state;
	redact_add_secret(SENTINEL);
	check(SENTINEL, "[redacted]");
	redact_clear();
	check(SENTINEL, SENTINEL);
	redact_add_secret(SENTINEL);
	check(SENTINEL, "[redacted]");
}

static void test_log_redact_appends_to_existing_content(void **state)
{
	(void)state;
	redact_add_secret(SENTINEL);
	struct buf out;
	buf_init(&out, 0);
	assert_int_equal(buf_append_str(&out, "prefix|"), 0);
	redact_append(&out, "v=" SENTINEL, strlen("v=" SENTINEL));
	assert_bytes_equal(buf_str(&out), out.len, "prefix|v=[redacted]");
	buf_done(&out);
}

/* A fresh directory, so the log file does not exist before log_open (a
 * mkstemp file would already be 0600 and prove nothing about log_open). */
static char *temp_dir(void)
{
	const char *tmp = getenv("TMPDIR");
	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	struct buf b;
	buf_init(&b, 0);
	assert_int_equal(buf_printf(&b, "%s/circuit-test-log-XXXXXX", tmp), 0);
	if (mkdtemp(b.data) == NULL) {
		print_error("mkdtemp %s: %s\n", b.data, strerror(errno));
		fail();
	}
	return b.data;
}

static void test_log_file_is_created_mode_0600(void **state)
{
	(void)state;
	char *dir = temp_dir();
	struct buf path;
	buf_init(&path, 0);
	assert_int_equal(buf_printf(&path, "%s/debug.log", dir), 0);
	/* With no umask, the mode seen is the one log_open asked for. */
	mode_t old = umask(0);
	int rc = log_open(buf_str(&path));
	umask(old);
	assert_int_equal(rc, 0);
	assert_true(log_enabled());
	struct stat st;
	assert_int_equal(stat(buf_str(&path), &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	log_close();
	assert_false(log_enabled());
	unlink(buf_str(&path));
	rmdir(dir);
	buf_done(&path);
	free(dir);
}

static void test_log_msg_never_writes_a_registered_secret(void **state)
{
	(void)state;
	char *dir = temp_dir();
	struct buf path;
	buf_init(&path, 0);
	assert_int_equal(buf_printf(&path, "%s/debug.log", dir), 0);
	redact_add_secret(SENTINEL);
	assert_int_equal(log_open(buf_str(&path)), 0);
	log_msg("request with key %s done", SENTINEL);
	log_msg("%s%s", "sk-SENTINEL-", "0123456789"); /* assembled by the format */
	log_msg("> x-api-key: %s", "not-registered-but-a-header");
	log_msg("status %d", 200);
	log_close();

	size_t len;
	char *text = tu_read_file(buf_str(&path), &len);
	assert_null(strstr(text, SENTINEL));
	assert_null(strstr(text, "not-registered-but-a-header"));
	assert_non_null(strstr(text, "request with key [redacted] done\n"));
	assert_non_null(strstr(text, "> x-api-key: [redacted]\n"));
	assert_non_null(strstr(text, "status 200\n"));
	/* Four messages, one line each. */
	size_t lines = 0;
	for (size_t i = 0; i < len; i++)
		lines += text[i] == '\n';
	assert_int_equal(lines, 4);
	free(text);
	unlink(buf_str(&path));
	rmdir(dir);
	buf_done(&path);
	free(dir);
}

static void test_log_open_appends_to_an_existing_log(void **state)
{
	(void)state;
	char *dir = temp_dir();
	struct buf path;
	buf_init(&path, 0);
	assert_int_equal(buf_printf(&path, "%s/debug.log", dir), 0);
	assert_int_equal(log_open(buf_str(&path)), 0);
	log_msg("first");
	log_close();
	assert_int_equal(log_open(buf_str(&path)), 0);
	log_msg("second");
	log_close();
	char *text = tu_read_file(buf_str(&path), NULL);
	char *first = strstr(text, "first\n");
	char *second = strstr(text, "second\n");
	assert_non_null(first);
	assert_non_null(second);
	assert_true(first < second);
	free(text);
	unlink(buf_str(&path));
	rmdir(dir);
	buf_done(&path);
	free(dir);
}

/* An existing file is the user's: its mode is not changed (a chmod of
 * /dev/null as root would change it for everyone). Lines are appended. */
static void test_log_open_keeps_an_existing_files_mode(void **state)
{
	(void)state;
	char *dir = temp_dir();
	struct buf path;
	buf_init(&path, 0);
	assert_int_equal(buf_printf(&path, "%s/debug.log", dir), 0);
	int fd = open(buf_str(&path), O_WRONLY | O_CREAT, 0644);
	assert_true(fd >= 0);
	assert_int_equal(fchmod(fd, 0644), 0);
	close(fd);
	assert_int_equal(log_open(buf_str(&path)), 0);
	log_close();
	struct stat st;
	assert_int_equal(stat(buf_str(&path), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	unlink(buf_str(&path));
	rmdir(dir);
	buf_done(&path);
	free(dir);
}

static void test_log_open_refuses_a_symlink(void **state)
{
	(void)state;
	char *dir = temp_dir();
	struct buf path, target;
	buf_init(&path, 0);
	buf_init(&target, 0);
	assert_int_equal(buf_printf(&path, "%s/debug.log", dir), 0);
	assert_int_equal(buf_printf(&target, "%s/elsewhere", dir), 0);
	assert_int_equal(symlink(buf_str(&target), buf_str(&path)), 0);
	assert_int_equal(log_open(buf_str(&path)), -1);
	assert_false(log_enabled());
	assert_int_equal(access(buf_str(&target), F_OK), -1); /* nothing created */
	unlink(buf_str(&path));
	rmdir(dir);
	buf_done(&path);
	buf_done(&target);
	free(dir);
}

static void test_log_redact_many_secrets(void **state)
{
	(void)state;
	char key[40][32];
	for (int i = 0; i < 40; i++) {
		snprintf(key[i], sizeof(key[i]), "secret-key-number-%02d", i);
		redact_add_secret(key[i]);
	}
	struct buf out;
	buf_init(&out, 0);
	for (int i = 0; i < 40; i++) {
		buf_reset(&out);
		redact_append(&out, key[i], strlen(key[i]));
		assert_bytes_equal(buf_str(&out), out.len, "[redacted]");
	}
	buf_done(&out);
	redact_clear();
}

static void test_log_open_failure_returns_minus_one_with_errno(void **state)
{
	(void)state;
	char *dir = temp_dir();
	struct buf path;
	buf_init(&path, 0);
	assert_int_equal(buf_printf(&path, "%s/missing/debug.log", dir), 0);
	errno = 0;
	assert_int_equal(log_open(buf_str(&path)), -1);
	assert_int_equal(errno, ENOENT);
	assert_false(log_enabled());
	log_msg("goes nowhere"); /* must be harmless */
	rmdir(dir);
	buf_done(&path);
	free(dir);
}

static void test_redactor_catches_a_secret_split_at_every_offset(void **state)
{
	(void)state;
	redact_add_secret(SENTINEL);
	redact_add_secret("sk-SENTINEL-0123456789-and-longer");
	static const char text[] = "a " SENTINEL " b sk-SENTINEL-0123456789-and-longer c " SENTINEL;
	static const char want[] = "a [redacted] b [redacted] c [redacted]";
	size_t n = sizeof(text) - 1;
	for (size_t cut = 0; cut <= n; cut++) {
		struct redactor r;
		struct buf out;
		redactor_init(&r);
		buf_init(&out, 0);
		redactor_feed(&r, text, cut, &out);
		redactor_feed(&r, text + cut, n - cut, &out);
		redactor_finish(&r, &out);
		if (out.len != sizeof(want) - 1 || memcmp(out.data, want, out.len) != 0) {
			print_error("cut %zu: %s\n", cut, buf_str(&out));
			fail();
		}
		buf_done(&out);
		redactor_done(&r);
	}
	/* One byte at a time. */
	struct redactor r;
	struct buf out;
	redactor_init(&r);
	buf_init(&out, 0);
	for (size_t i = 0; i < n; i++)
		redactor_feed(&r, text + i, 1, &out);
	redactor_finish(&r, &out);
	assert_bytes_equal(out.data, out.len, want);
	buf_done(&out);
	redactor_done(&r);
}

static void test_redactor_without_secrets_passes_bytes_through(void **state)
{
	(void)state;
	struct redactor r;
	struct buf out;
	redactor_init(&r);
	buf_init(&out, 0);
	redactor_feed(&r, "abc", 3, &out);
	assert_bytes_equal(out.data, out.len, "abc"); /* nothing held back */
	redactor_finish(&r, &out);
	assert_bytes_equal(out.data, out.len, "abc");
	buf_done(&out);
	redactor_done(&r);
}

#define T(f) cmocka_unit_test_setup_teardown(f, reset_log, reset_log)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_log_redact_without_secrets_keeps_ordinary_text),
		T(test_log_redact_registered_secret_anywhere_in_text),
		T(test_log_redact_every_occurrence_of_a_secret),
		T(test_log_redact_several_registered_secrets),
		T(test_log_redact_near_miss_of_secret_is_kept),
		T(test_log_redact_secret_that_extends_another_leaves_no_tail),
		T(test_log_redact_overlapping_secrets_leave_no_tail),
		T(test_log_redact_authorization_header_value),
		T(test_log_redact_api_key_header_values_in_any_case),
		T(test_log_redact_cookie_header_values),
		T(test_log_redact_header_value_stops_at_end_of_line),
		T(test_log_redact_headers_after_curl_debug_prefix),
		T(test_log_redact_bearer_token_anywhere),
		T(test_log_redact_url_key_parameter_keeps_the_rest),
		T(test_log_short_secret_is_not_registered),
		T(test_log_secret_is_copied_on_registration),
		T(test_log_clear_secrets_forgets_them),
		T(test_log_redact_appends_to_existing_content),
		T(test_log_file_is_created_mode_0600),
		T(test_log_msg_never_writes_a_registered_secret),
		T(test_log_open_appends_to_an_existing_log),
		T(test_log_open_keeps_an_existing_files_mode),
		T(test_log_open_refuses_a_symlink),
		T(test_log_redact_many_secrets),
		T(test_redactor_catches_a_secret_split_at_every_offset),
		T(test_redactor_without_secrets_passes_bytes_through),
		T(test_log_open_failure_returns_minus_one_with_errno),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
