/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_editor: which editor, and a text through it: scripted editors in a
 * temporary folder stand in for vi (one that appends a line, one that
 * fails, one that records what it was given), TMPDIR pointed there. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/editor.h"
#include "util/paths.h"

static char dir[64];

/* An executable script in dir named name, body after "#!/bin/sh". */
static void script(const char *name, const char *body)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\n%s", body);
	fclose(f);
	chmod(path, 0700);
}

/* How many circuit-edit-* files dir holds. */
static int temp_files(void)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		n += strncmp(e->d_name, "circuit-edit-", 13) == 0;
	closedir(d);
	return n;
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/circuit-test-editor-XXXXXX");
	assert_non_null(mkdtemp(dir));
	setenv("TMPDIR", dir, 1);
	script("append", "printf 'added line\\n' >> \"$1\"\n");
	script("fail", "printf 'changed' > \"$1\"\nexit 3\n");
	script("record", "for f; do :; done\n" /* the last argument: the file */
	                 "{ stat -c %a \"$f\"; echo \"$f\"; echo \"$#\"; cat \"$f\"; } > \"$(dirname "
	                 "\"$0\")/recorded\"\n");
	script("crlf", "printf 'one\\r\\ntwo\\r\\n' > \"$1\"\n");
	script("twonl", "printf 'text\\n\\n' > \"$1\"\n");
	script("nul", "printf 'a\\000b' > \"$1\"\n");
	script("killed", "kill -TERM $$\n");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d != NULL && (e = readdir(d)) != NULL) {
		char p[512];
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		if (e->d_name[0] != '.')
			unlink(p);
	}
	if (d != NULL)
		closedir(d);
	rmdir(dir);
	unsetenv("TMPDIR");
	return 0;
}

/* The command in dir: "DIR/name" plus extra words. */
static const char *cmd(const char *name, const char *extra)
{
	static char c[512];
	snprintf(c, sizeof(c), "%s/%s%s", dir, name, extra);
	return c;
}

static void test_visual_then_editor_then_vi(void **state)
{
	(void)state;
	assert_string_equal(editor_command("nano", "emacs"), "nano");
	assert_string_equal(editor_command(NULL, "emacs"), "emacs");
	assert_string_equal(editor_command("", "emacs"), "emacs");
	assert_string_equal(editor_command(" \t", "code --wait"), "code --wait");
	assert_string_equal(editor_command(NULL, NULL), "vi");
	assert_string_equal(editor_command("", " "), "vi");
}

static void test_the_temporary_file_is_in_tmpdir(void **state)
{
	(void)state;
	char buf[256];
	setenv("TMPDIR", "/var/tmp/", 1);
	assert_string_equal(paths_temp("x-XXXXXX", buf, sizeof(buf)), "/var/tmp/x-XXXXXX");
	setenv("TMPDIR", "relative", 1);
	assert_string_equal(paths_temp("x-XXXXXX", buf, sizeof(buf)), "/tmp/x-XXXXXX");
	unsetenv("TMPDIR");
	assert_string_equal(paths_temp("x-XXXXXX", buf, sizeof(buf)), "/tmp/x-XXXXXX");
	assert_null(paths_temp("x-XXXXXX", buf, 8));
	setenv("TMPDIR", dir, 1);
}

/* The editor appends a line: the text comes back with it, without the
 * newline the editor ended the file with; the file is gone. */
static void test_the_edited_text_comes_back(void **state)
{
	(void)state;
	struct buf out;
	buf_init(&out, 0);
	char err[256] = "";
	assert_int_equal(editor_run(cmd("append", ""), "first\nsecond", &out, err, sizeof(err)), 0);
	assert_string_equal(buf_str(&out), "first\nsecondadded line");
	assert_int_equal(temp_files(), 0);
	/* An empty text too. */
	assert_int_equal(editor_run(cmd("append", ""), "", &out, err, sizeof(err)), 0);
	assert_string_equal(buf_str(&out), "added line");
	buf_done(&out);
}

/* Words after the program are its arguments (no shell: a quote is a
 * character), the file's path last; the file is private, in TMPDIR, and
 * holds the text as it was given. */
static void test_arguments_and_a_private_file(void **state)
{
	(void)state;
	struct buf out;
	buf_init(&out, 0);
	char err[256] = "";
	assert_int_equal(editor_run(cmd("record", "  --wait\t'x y'"), "the text\n", &out, err,
	                            sizeof(err)),
	                 0);
	char rec[256];
	snprintf(rec, sizeof(rec), "%s/recorded", dir);
	char *r = tu_read_file(rec, NULL);
	char want_prefix[128];
	snprintf(want_prefix, sizeof(want_prefix), "600\n%s/circuit-edit-", dir);
	assert_memory_equal(r, want_prefix, strlen(want_prefix));
	/* $# is 4: --wait, 'x, y', the path. */
	assert_non_null(strstr(r, "\n4\nthe text\n"));
	free(r);
	assert_string_equal(buf_str(&out), "the text");
	assert_int_equal(temp_files(), 0);
	buf_done(&out);
}

/* One trailing newline goes, CR LF too; a second stays. */
static void test_one_trailing_newline_is_dropped(void **state)
{
	(void)state;
	struct buf out;
	buf_init(&out, 0);
	char err[256] = "";
	assert_int_equal(editor_run(cmd("crlf", ""), "", &out, err, sizeof(err)), 0);
	assert_string_equal(buf_str(&out), "one\r\ntwo");
	assert_int_equal(editor_run(cmd("twonl", ""), "", &out, err, sizeof(err)), 0);
	assert_string_equal(buf_str(&out), "text\n");
	buf_done(&out);
}

/* A failing editor: out untouched (what it saved is not taken), the file
 * removed, why in err. */
static void test_a_failing_editor_changes_nothing(void **state)
{
	(void)state;
	struct buf out;
	buf_init(&out, 0);
	buf_append_str(&out, "before");
	char err[256] = "";
	assert_int_equal(editor_run(cmd("fail", ""), "x", &out, err, sizeof(err)), -1);
	assert_string_equal(buf_str(&out), "before");
	assert_non_null(strstr(err, "fail' exited with status 3"));
	assert_int_equal(temp_files(), 0);
	assert_int_equal(editor_run(cmd("killed", ""), "x", &out, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "killed' was ended by signal 15"));
	assert_int_equal(editor_run(cmd("nul", ""), "x", &out, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "NUL byte"));
	assert_string_equal(buf_str(&out), "before");
	assert_int_equal(temp_files(), 0);
	buf_done(&out);
}

static void test_an_editor_that_cannot_start(void **state)
{
	(void)state;
	struct buf out;
	buf_init(&out, 0);
	char err[256] = "";
	assert_int_equal(editor_run("circuit-no-such-editor --flag", "x", &out, err, sizeof(err)),
	                 -1);
	assert_string_equal(err, "the editor 'circuit-no-such-editor' could not be started: No such "
	                         "file or directory (set VISUAL or EDITOR)");
	assert_int_equal(out.len, 0);
	assert_int_equal(temp_files(), 0);
	assert_int_equal(editor_run(" ", "x", &out, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "empty"));
	assert_int_equal(editor_run("a b c d e f g h i j k l m n o p q", "x", &out, err, sizeof(err)),
	                 -1);
	assert_non_null(strstr(err, "over 16 words"));
	buf_done(&out);
}

/* While it waits, circuit ignores SIGINT (the editor's Ctrl-C is not a
 * cancel), and its own handlers are back after; the editor gets SIGINT
 * with its default action (ignored would stay ignored across exec). */
static int got_sigint;
static void on_sigint(int sig)
{
	(void)sig;
	got_sigint++;
}

static void test_sigint_goes_to_the_editor_not_circuit(void **state)
{
	(void)state;
	/* The script signals circuit and itself, as Ctrl-C on the terminal
	 * signals the foreground group (not the group itself here: the test
	 * runner may share it). */
	script("ctrlc", "kill -INT $PPID\nkill -INT $$\nprintf 'survived' > \"$1\"\n");
	struct sigaction sa, old;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old);
	signal(SIGPIPE, SIG_IGN); /* as main does: the child must not inherit it */
	struct buf out;
	buf_init(&out, 0);
	char err[256] = "";
	assert_int_equal(editor_run(cmd("ctrlc", ""), "x", &out, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "ended by signal 2"));
	assert_int_equal(got_sigint, 0);
	struct sigaction now;
	sigaction(SIGINT, NULL, &now);
	assert_true(now.sa_handler == on_sigint);
	raise(SIGINT);
	assert_int_equal(got_sigint, 1);
	sigaction(SIGINT, &old, NULL);
	signal(SIGPIPE, SIG_DFL);
	buf_done(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_visual_then_editor_then_vi),
		cmocka_unit_test_setup_teardown(test_the_temporary_file_is_in_tmpdir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_the_edited_text_comes_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_arguments_and_a_private_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_trailing_newline_is_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_failing_editor_changes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_an_editor_that_cannot_start, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sigint_goes_to_the_editor_not_circuit, setup,
		                                teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
