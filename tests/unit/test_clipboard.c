/* SPDX-License-Identifier: GPL-3.0-or-later */
/* clipboard: base64, the OSC 52 escape, which command a given environment
 * picks, running one with a bound, and which code block /copy code N means. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/clipboard.h"
#include "util/base64.h"
#include "util/units.h"

static void b64(const char *in, size_t n, const char *want)
{
	struct buf b;
	buf_init(&b, 0);
	assert_int_equal(base64_append(&b, in, n), 0); /* what OSC 52 carries */
	assert_int_equal(b.len, strlen(want));
	assert_memory_equal(b.data, want, b.len);
	buf_done(&b);
}

static void test_base64_rfc4648_vectors(void **state)
{
	(void)state;
	b64("", 0, "");
	b64("f", 1, "Zg==");
	b64("fo", 2, "Zm8=");
	b64("foo", 3, "Zm9v");
	b64("foob", 4, "Zm9vYg==");
	b64("fooba", 5, "Zm9vYmE=");
	b64("foobar", 6, "Zm9vYmFy");
	b64("\xff\xfe\x00\x80", 4, "//4AgA==");
	b64("\x1b]52;c;\x07", 8, "G101MjtjOwc=");
}

static void test_osc52_is_the_escape_around_base64_only(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 0);
	const char text[] = "a\x1b]2;PWNED\x07 b\n";
	clip_osc52(text, sizeof text - 1, &b);
	assert_memory_equal(b.data, "\033]52;c;", 7);
	assert_int_equal(b.data[b.len - 1], '\a');
	/* Between the two, only base64's alphabet: the model's bytes are inert. */
	for (size_t i = 7; i + 1 < b.len; i++)
		assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=",
		                       b.data[i]));
	buf_done(&b);
}

static char dir_a[64], dir_b[64];

static void make_exe(const char *dir, const char *name, int mode)
{
	char p[128];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "#!/bin/sh\n", 10), 10);
	close(fd);
	assert_int_equal(chmod(p, (mode_t)mode), 0);
}

static int setup_dirs(void **state)
{
	(void)state;
	snprintf(dir_a, sizeof dir_a, "/tmp/circuit-clip-a-XXXXXX");
	snprintf(dir_b, sizeof dir_b, "/tmp/circuit-clip-b-XXXXXX");
	if (mkdtemp(dir_a) == NULL || mkdtemp(dir_b) == NULL)
		return -1;
	make_exe(dir_a, "xsel", 0755);
	make_exe(dir_a, "wl-copy", 0644); /* not executable: never chosen */
	make_exe(dir_b, "wl-copy", 0755);
	make_exe(dir_b, "xclip", 0755);
	return 0;
}

static int teardown_dirs(void **state)
{
	(void)state;
	char p[160];
	const char *files[] = {"a/xsel", "a/wl-copy", "b/wl-copy", "b/xclip"};
	for (size_t i = 0; i < 4; i++) {
		snprintf(p, sizeof p, "%s/%s", files[i][0] == 'a' ? dir_a : dir_b, files[i] + 2);
		unlink(p);
	}
	rmdir(dir_a);
	rmdir(dir_b);
	return 0;
}

static const char *choose(const char *wayland, const char *display, const char *path, char *prog)
{
	const struct clip_command *c = clip_choose(wayland, display, path, prog, 256);
	return c ? c->name : NULL;
}

static void test_choose_follows_the_display_and_path(void **state)
{
	(void)state;
	char path[160], prog[256], want[160];
	snprintf(path, sizeof path, "%s:%s", dir_a, dir_b);
	/* Wayland: wl-copy, the first executable one on PATH (dir_a's is not). */
	assert_string_equal(choose("wayland-0", NULL, path, prog), "wl-copy");
	snprintf(want, sizeof want, "%s/wl-copy", dir_b);
	assert_string_equal(prog, want);
	/* X: xclip comes before xsel, wherever they are on PATH. */
	assert_string_equal(choose(NULL, ":0", path, prog), "xclip");
	snprintf(want, sizeof want, "%s/xclip", dir_b);
	assert_string_equal(prog, want);
	assert_string_equal(choose("", ":0", dir_a, prog), "xsel");
	/* Wayland without wl-copy, and no DISPLAY: nothing. */
	assert_null(choose("wayland-0", NULL, dir_a, prog));
	assert_string_equal(prog, "");
	/* No display at all, or no PATH: nothing, whatever is installed. */
	assert_null(choose(NULL, NULL, path, prog));
	assert_null(choose("", "", path, prog));
	assert_null(choose("wayland-0", ":0", NULL, prog));
	/* A path too long for prog is no match. */
	assert_null(clip_choose(NULL, ":0", path, prog, 8));
}


static void test_run_gives_the_text_on_stdin(void **state)
{
	(void)state;
	char out[96], err[160] = "";
	snprintf(out, sizeof out, "%s/got", dir_a);
	const char *argv[] = {"sh", "-c", "cat > \"$0\"", out, NULL};
	/* Bigger than a pipe's buffer: the runner writes it all. */
	size_t n = 300 * 1024;
	char *text = malloc(n);
	for (size_t i = 0; i < n; i++)
		text[i] = (char)('a' + i % 26);
	assert_int_equal(clip_run("/bin/sh", argv, text, n, 10000, err, sizeof err), 0);
	FILE *f = fopen(out, "rb");
	assert_non_null(f);
	char *got = malloc(n + 1);
	assert_int_equal(fread(got, 1, n + 1, f), n);
	assert_memory_equal(got, text, n);
	fclose(f);
	unlink(out);
	free(got);
	free(text);
}

static void test_run_reports_status_and_a_missing_program(void **state)
{
	(void)state;
	char err[160] = "";
	const char *argv[] = {"xclip", "-c", "exit 3", NULL};
	assert_int_equal(clip_run("/bin/sh", argv, "x", 1, 10000, err, sizeof err), -1);
	assert_string_equal(err, "xclip exited with status 3");
	const char *none[] = {"xsel", NULL};
	assert_int_equal(clip_run("/nonexistent/xsel", none, "x", 1, 10000, err, sizeof err), -1);
	assert_string_equal(err, "xsel could not be run");
}

static void test_run_stops_a_command_past_its_bound(void **state)
{
	(void)state;
	char err[160] = "";
	const char *argv[] = {"wl-copy", "-c", "exec sleep 30", NULL};
	assert_int_equal(clip_run("/bin/sh", argv, "x", 1, 200, err, sizeof err), -1);
	assert_string_equal(err, "wl-copy took over 200 ms and was stopped");
}

static const char reply[] = "Two blocks.\n\n```python\ndef f():\n    return 1\n```\n\ntext\n\n"
                            "```\nplain ``` inside\n```\n";

static void block(size_t want, size_t want_got, const char *want_text)
{
	struct buf b;
	buf_init(&b, 0);
	size_t count = 99;
	size_t got = clip_code_block(reply, sizeof reply - 1, want, &b, &count);
	assert_int_equal(count, 2);
	assert_int_equal(got, want_got);
	assert_int_equal(b.len, strlen(want_text));
	assert_memory_equal(buf_str(&b), want_text, b.len);
	buf_done(&b);
}

static void test_code_block_numbering(void **state)
{
	(void)state;
	block(1, 1, "def f():\n    return 1\n");
	block(2, 2, "plain ``` inside\n");
	block(0, 2, "plain ``` inside\n"); /* default: the last */
	block(3, 0, "");
	struct buf b;
	buf_init(&b, 0);
	size_t count = 99;
	char lang[16];
	clip_code_lang(reply, sizeof reply - 1, 1, lang, sizeof lang);
	assert_string_equal(lang, "python");
	clip_code_lang(reply, sizeof reply - 1, 9, lang, sizeof lang);
	assert_string_equal(lang, "");
	assert_int_equal(clip_code_block("no code\n", 8, 0, &b, &count), 0);
	assert_int_equal(count, 0);
	assert_int_equal(b.len, 0);
	buf_done(&b);
}

static void test_units_bytes(void **state)
{
	(void)state;
	char out[UNITS_MAX];
	units_bytes(1, out, sizeof out);
	assert_string_equal(out, "1 byte");
	units_bytes(1023, out, sizeof out);
	assert_string_equal(out, "1023 bytes");
	units_bytes(1229, out, sizeof out);
	assert_string_equal(out, "1.2 KiB");
	units_bytes(1024 * 1024 - 53, out, sizeof out);
	assert_string_equal(out, "1023.9 KiB");
	units_bytes(1024 * 1024 - 52, out, sizeof out);
	assert_string_equal(out, "1.0 MiB");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base64_rfc4648_vectors),
		cmocka_unit_test(test_osc52_is_the_escape_around_base64_only),
		cmocka_unit_test(test_choose_follows_the_display_and_path),
		cmocka_unit_test(test_run_gives_the_text_on_stdin),
		cmocka_unit_test(test_run_reports_status_and_a_missing_program),
		cmocka_unit_test(test_run_stops_a_command_past_its_bound),
		cmocka_unit_test(test_code_block_numbering),
		cmocka_unit_test(test_units_bytes),
	};
	return cmocka_run_group_tests(tests, setup_dirs, teardown_dirs);
}
