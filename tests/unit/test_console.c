/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_console: what a shell sees of issue 19's traces (stdout the model's
 * text only; a provider's tool, a marker, a refusal in one line, the
 * sources after the reply, on stderr), and an image saved to a private
 * file (app/images). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/console.h"
#include "app/images.h"
#include "app/traces.h"
#include "util/glyphs.h"

struct shell {
	FILE *out, *err;
	char *o, *e;
	size_t olen, elen;
	struct console c;
};

static void shell_open(struct shell *s, bool dim)
{
	memset(s, 0, sizeof(*s));
	s->out = open_memstream(&s->o, &s->olen);
	s->err = open_memstream(&s->e, &s->elen);
	assert_non_null(s->out);
	assert_non_null(s->err);
	console_init(&s->c, s->out, s->err, false, dim);
}

static void shell_flush(struct shell *s)
{
	fflush(s->out);
	fflush(s->err);
}

static void shell_close(struct shell *s)
{
	console_done(&s->c);
	fclose(s->out);
	fclose(s->err);
	free(s->o);
	free(s->e);
}

static void test_traces_go_to_stderr_between_the_text(void **state)
{
	(void)state;
	glyphs_use(true);
	struct shell s;
	shell_open(&s, false);
	console_thinking(&s.c, "let me look", 11);
	console_server_tool(&s.c, "web_search", "rust async runtimes", false, "", 0);
	console_server_tool(&s.c, "web_search", "", true, "5 results", 9);
	console_server_tool(&s.c, "code_execution", "print(6*7)", false, "", 0);
	console_server_tool(&s.c, "code_execution", "", true, "exit 0: 42\n", 11);
	console_marker(&s.c, "redacted thinking", 17);
	console_text(&s.c, "Tokio is ", 9);
	console_citation(&s.c, "https://tokio.rs/", "Tokio");
	console_text(&s.c, "the usual one.", 14);
	console_citation(&s.c, "https://docs.rs/smol", "");
	console_citation(&s.c, "https://tokio.rs/", "Tokio again");
	console_end(&s.c);
	console_end(&s.c); /* --replay's error path ends twice: one list */
	shell_flush(&s);
	assert_string_equal(s.o, "Tokio is the usual one.\n");
	assert_string_equal(s.e, "let me look\n"
	                         "\xe2\x9a\x99 web_search: rust async runtimes\n"
	                         "\xe2\x9a\x99 web_search \xe2\x86\x92 5 results\n"
	                         "\xe2\x9a\x99 code_execution: print(6*7)\n"
	                         "\xe2\x9a\x99 code_execution \xe2\x86\x92 exit 0: 42\n"
	                         "[redacted thinking]\n"
	                         "Sources:\n"
	                         "1. Tokio \xe2\x80\x94 https://tokio.rs/\n"
	                         "2. https://docs.rs/smol\n");
	shell_close(&s);
}

static void test_ascii_and_dim(void **state)
{
	(void)state;
	glyphs_use(false);
	struct shell s;
	shell_open(&s, true);
	console_server_tool(&s.c, "mcp srv/echo", "{\"x\":1}", false, "", 0);
	console_server_tool(&s.c, "mcp srv/echo", "", true, "", 0);
	console_marker(&s.c, "paused: send again to go on", 27);
	shell_flush(&s);
	assert_string_equal(s.e, "\x1b[2m* mcp srv/echo: {\"x\":1}\n\x1b[22m"
	                         "\x1b[2m* mcp srv/echo -> done\n\x1b[22m"
	                         "\x1b[2m[paused: send again to go on]\n\x1b[22m");
	assert_int_equal(s.olen, 0);
	shell_close(&s);
	glyphs_use(true);
}

/* A refusal streamed in pieces is one line, when it is whole. */
static void test_a_refusal_in_pieces_is_one_line(void **state)
{
	(void)state;
	struct shell s;
	shell_open(&s, false);
	console_refusal(&s.c, "I'm sorry, ", 11);
	console_refusal(&s.c, "I can't\nhelp ", 13);
	shell_flush(&s);
	assert_int_equal(s.elen, 0); /* nothing until it is whole */
	console_refusal(&s.c, "with that.", 10);
	console_end(&s.c);
	shell_flush(&s);
	assert_string_equal(s.e, "[refusal] I'm sorry, I can't help with that.\n");
	assert_int_equal(s.olen, 0);
	shell_close(&s);
	/* Something else after it lets it out first. */
	shell_open(&s, false);
	console_refusal(&s.c, "no", 2);
	console_notice(&s.c, "a notice");
	shell_flush(&s);
	assert_string_equal(s.e, "[refusal] no\ncircuit: a notice\n");
	shell_close(&s);
}

/* A long argument is cut to TRACE_COLS columns with an ellipsis. */
static void test_a_long_argument_is_cut(void **state)
{
	(void)state;
	char code[400];
	memset(code, 'x', sizeof(code) - 1);
	code[sizeof(code) - 1] = '\0';
	struct buf b;
	buf_init(&b, 0);
	trace_server_tool(&b, "code_execution", code, false, "", 0);
	assert_int_equal(b.len, strlen("\xe2\x9a\x99 code_execution: ") + TRACE_COLS +
	                             strlen("\xe2\x80\xa6"));
	buf_reset(&b);
	trace_server_tool(&b, "", "q", false, "", 0); /* never an empty name */
	assert_string_equal(buf_str(&b), "\xe2\x9a\x99 tool: q");
	buf_reset(&b);
	trace_marker(&b, "a\x1b[2Jb", 6); /* control made inert */
	assert_string_equal(buf_str(&b), "[a\xe2\x90\x9b[2Jb]");
	buf_done(&b);
}

/* ---- images ---------------------------------------------------------------- */

static char tmpdir[256];

static int make_tmp(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/circuit-test-images-XXXXXX");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int rm_tmp(void **state)
{
	(void)state;
	return tu_rmtree(tmpdir);
}

static void test_an_image_is_saved_private(void **state)
{
	(void)state;
	char dir[300], path[1200], err[1200];
	snprintf(dir, sizeof(dir), "%s/made", tmpdir); /* made by the save */
	/* "circuit" as PNG-ish bytes: the content is not checked, only decoded. */
	long long n = image_save(dir, "image/png", "Y2lyY3VpdA==", 12, 1765154201, path,
	                         sizeof(path), err, sizeof(err));
	assert_int_equal(n, 7);
	char want[1300];
	/* sha256("circuit") starts 4666a3f6: the name carries its first 8 digits */
	snprintf(want, sizeof(want), "%s/20251208-003641-4666a3f6.png", dir);
	assert_string_equal(path, want);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, 7);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	size_t len;
	char *bytes = tu_read_file(path, &len);
	assert_memory_equal(bytes, "circuit", 7);
	free(bytes);
	/* The same image in the same second: the same file, saved once. */
	char again[1200];
	assert_int_equal(image_save(dir, "image/png", "Y2lyY3VpdA==", 12, 1765154201, again,
	                            sizeof(again), err, sizeof(err)),
	                 7);
	assert_string_equal(again, path);
	char line[2600];
	image_line(n, path, "image/png", "", line, sizeof(line));
	snprintf(want, sizeof(want), "[image saved: %s (image/png, 7 bytes)]", path);
	assert_string_equal(line, want);
}

static void test_an_image_without_data_is_one_line(void **state)
{
	(void)state;
	char path[1200], err[1200], line[2600];
	long long n = image_save(tmpdir, "image/png", "", 0, 0, path, sizeof(path), err,
	                         sizeof(err));
	assert_int_equal(n, -1);
	assert_string_equal(path, "");
	assert_string_equal(err, "an image (image/png) came with no data; nothing saved");
	n = image_save(tmpdir, "image/jpeg", "abcde", 5, 0, path, sizeof(path), err, sizeof(err));
	assert_int_equal(n, -1);
	assert_string_equal(err, "an image (image/jpeg) came that is not valid base64; "
	                         "nothing saved");
	image_line(n, path, "image/jpeg", err, line, sizeof(line));
	assert_string_equal(line, "[an image (image/jpeg) came that is not valid base64; "
	                          "nothing saved]");
	/* nothing was written */
	DIR *d = opendir(tmpdir);
	assert_non_null(d);
	int files = 0;
	for (struct dirent *e; (e = readdir(d)) != NULL;)
		files += e->d_name[0] != '.' && strcmp(e->d_name, "made") != 0;
	closedir(d);
	assert_int_equal(files, 0);
}

/* No folder given: $XDG_DATA_HOME/circuit/images, made private; an
 * unknown type gets ".img". */
static void test_the_default_folder(void **state)
{
	(void)state;
	char data[300], path[1200], err[1200];
	snprintf(data, sizeof(data), "%s/data", tmpdir);
	setenv("XDG_DATA_HOME", data, 1);
	long long n = image_save(NULL, "image/x-thing", "AAEC", 4, 0, path, sizeof(path), err,
	                         sizeof(err));
	assert_int_equal(n, 3);
	char want[400];
	snprintf(want, sizeof(want), "%s/circuit/images/19700101-000000-", data);
	assert_memory_equal(path, want, strlen(want));
	assert_string_equal(path + strlen(path) - 4, ".img");
	struct stat st;
	snprintf(want, sizeof(want), "%s/circuit/images", data);
	assert_int_equal(stat(want, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	unsetenv("XDG_DATA_HOME");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_traces_go_to_stderr_between_the_text),
		cmocka_unit_test(test_ascii_and_dim),
		cmocka_unit_test(test_a_refusal_in_pieces_is_one_line),
		cmocka_unit_test(test_a_long_argument_is_cut),
		cmocka_unit_test(test_an_image_is_saved_private),
		cmocka_unit_test(test_an_image_without_data_is_one_line),
		cmocka_unit_test(test_the_default_folder),
	};
	return cmocka_run_group_tests(tests, make_tmp, rm_tmp);
}
