/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_inputline: the input history is bounded in memory as on disk. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <readline/history.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ui/inputline.h"

/* What inputline.c keeps (HISTORY_MAX there). */
#define KEPT 1000

struct sent {
	int n;
	char last[64];
};

static void on_line(void *ctx, char *line)
{
	struct sent *s = ctx;
	s->n++;
	snprintf(s->last, sizeof(s->last), "%s", line ? line : "(eof)");
	free(line);
}

static void type_line(const char *text)
{
	for (const char *p = text; *p; p++)
		inputline_key((unsigned char)*p);
	inputline_key('\r');
}

static size_t count_lines(const char *path)
{
	char *s = tu_read_file(path, NULL);
	size_t n = 0;
	for (char *p = s; *p; p++)
		n += *p == '\n';
	free(s);
	return n;
}

/* A history file longer than the bound (an older version's, or edited by
 * hand), an inputrc that lifts readline's bound, and a long session: readline's list in memory stays at the bound
 * and keeps the newest lines, and so does the file. */
static void history_stays_bounded(void **state)
{
	(void)state;
	char dir[] = "/tmp/circuit-inputline-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[128];
	snprintf(path, sizeof(path), "%s/input_history", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	for (int i = 1; i <= 3 * KEPT; i++)
		fprintf(f, "old %d\n", i);
	fclose(f);
	/* A user's inputrc that asks for no bound at all (readline reads it
	 * when the handler is installed): the file's bound still holds. */
	char inputrc[128];
	snprintf(inputrc, sizeof(inputrc), "%s/inputrc", dir);
	f = fopen(inputrc, "w");
	assert_non_null(f);
	fputs("set history-size -1\n", f);
	fclose(f);
	setenv("INPUTRC", inputrc, 1);

	struct sent s = {0};
	inputline_init(path, on_line, &s);
	assert_true(history_length <= KEPT);
	HIST_ENTRY *e = history_get(history_base + history_length - 1);
	assert_non_null(e);
	assert_string_equal(e->line, "old 3000");

	char text[32];
	for (int i = 1; i <= KEPT + 200; i++) {
		snprintf(text, sizeof(text), "new %d", i);
		type_line(text);
	}
	assert_int_equal(s.n, KEPT + 200);
	assert_string_equal(s.last, "new 1200");
	assert_int_equal(history_length, KEPT);
	e = history_get(history_base + history_length - 1);
	assert_non_null(e);
	assert_string_equal(e->line, "new 1200");
	e = history_get(history_base);
	assert_non_null(e);
	assert_string_equal(e->line, "new 201");
	assert_true(count_lines(path) <= KEPT);
	inputline_done();
	clear_history();

	unlink(path);
	unlink(inputrc);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(history_stays_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
