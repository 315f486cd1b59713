/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_inputline: the input history is bounded in memory as on disk; Tab
 * completes from the tables the app gives; a lone Esc. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <readline/history.h>
#include <readline/readline.h>
#include <sys/stat.h>
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

/* ---- completion ------------------------------------------------------------ */

static const char *const COPY_WORDS[] = {"code", NULL};

static const struct inputline_command COMMANDS[] = {
    {"model", COMPLETE_MODEL, NULL},   {"system", COMPLETE_NONE, NULL},
    {"stats", COMPLETE_NONE, NULL},    {"compare", COMPLETE_MODEL, NULL},
    {"theme", COMPLETE_THEME, NULL},   {"export", COMPLETE_PATH, NULL},
    {"copy", COMPLETE_WORDS, COPY_WORDS},
};

static const char *const MODELS[] = {
    "mock", "mock-fast", "mock-slow", "mock-flaky", "gpt-4o", "gpt-4o-mini", "o4-mini",
    "claude-sonnet-4-5", "claude-haiku-4-5", "claude-opus-4-1", "gemini-2.5-flash",
    "gemini-2.5-pro", "ollama:llama3.2", "ollama:qwen3",
};

static struct sent sent;

static int completion_setup(void **state)
{
	(void)state;
	memset(&sent, 0, sizeof(sent));
	inputline_init(NULL, on_line, &sent);
	inputline_set_commands(COMMANDS, sizeof(COMMANDS) / sizeof(COMMANDS[0]));
	inputline_set_models(MODELS, sizeof(MODELS) / sizeof(MODELS[0]));
	static const char *const themes[] = {"default", "light", "solarized-dark", "mono"};
	inputline_set_themes(themes, 4);
	return 0;
}

static int completion_teardown(void **state)
{
	(void)state;
	inputline_done();
	return 0;
}

static void type(const char *text)
{
	for (const char *p = text; *p; p++)
		inputline_key((unsigned char)*p);
}

/* Types text, then Tab: the line as it then stands. */
static const char *tab(const char *text)
{
	type(text);
	inputline_key('\t');
	return rl_line_buffer;
}

/* Sends the line and returns what was sent. */
static const char *enter(void)
{
	inputline_key('\r');
	return sent.last;
}

static void test_tab_completes_commands_from_the_table(void **state)
{
	(void)state;
	assert_string_equal(tab("/mo"), "/model ");
	assert_string_equal(enter(), "/model ");
	/* Ambiguous: the line stays, the choices go to the hint. */
	assert_string_equal(tab("/s"), "/s");
	assert_string_equal(inputline_take_hint(), "/stats /system"); /* readline sorts them */
	assert_string_equal(inputline_take_hint(), ""); /* once */
	enter();
	/* A name not in the table: nothing. */
	assert_string_equal(tab("/he"), "/he");
	enter();
}

static void test_tab_completes_each_commands_argument(void **state)
{
	(void)state;
	assert_string_equal(tab("/model gpt-4o-m"), "/model gpt-4o-mini ");
	enter();
	/* Every word of /compare, and a prefix naming one command. */
	assert_string_equal(tab("/compare mock gemini-2.5-p"), "/compare mock gemini-2.5-pro ");
	enter();
	assert_string_equal(tab("/mod claude-o"), "/mod claude-opus-4-1 ");
	enter();
	assert_string_equal(tab("/theme so"), "/theme solarized-dark ");
	enter();
	/* COMPLETE_NONE: nothing, not even file names. */
	assert_string_equal(tab("/system mo"), "/system mo");
	enter();
	/* A theme is not a model, nor the other way round. */
	assert_string_equal(tab("/theme gpt"), "/theme gpt");
	enter();
	/* COMPLETE_WORDS: the command's own words, and only them. */
	assert_string_equal(tab("/copy c"), "/copy code ");
	enter();
	assert_string_equal(tab("/copy mo"), "/copy mo");
	enter();
}

/* Tab-Tab after "/model ": every model, the mocks and Ollama too, not a
 * list cut to the status bar's notice. */
static void test_the_hint_holds_the_whole_list(void **state)
{
	(void)state;
	assert_string_equal(tab("/model "), "/model ");
	const char *h = inputline_take_hint();
	assert_true(strlen(h) > 96);
	size_t used = 0;
	for (size_t i = 0; i < sizeof(MODELS) / sizeof(MODELS[0]); i++) {
		const char *m = MODELS[i];
		char padded[64];
		snprintf(padded, sizeof(padded), " %s ", m);
		char hp[1100];
		snprintf(hp, sizeof(hp), " %s ", h);
		if (strstr(hp, padded) == NULL)
			fail_msg("\"%s\" missing from \"%s\"", m, h);
		used += strlen(m) + 1;
	}
	assert_int_equal(strlen(h), used - 1);
	enter();
	/* Bounded: a thousand names give 4 KiB at most, ending in an ellipsis. */
	static char names[1000][24];
	const char *list[1000];
	for (int i = 0; i < 1000; i++) {
		snprintf(names[i], sizeof(names[i]), "model-number-%04d", i);
		list[i] = names[i];
	}
	inputline_set_models(list, 1000);
	tab("/model mo");
	h = inputline_take_hint();
	assert_true(strlen(h) < 4096);
	assert_true(strlen(h) > 4000);
	assert_true(strncmp(h, "model-number-0000 model-number-0001 ", 36) == 0);
	assert_string_equal(h + strlen(h) - 4, " …");
	enter();
	inputline_set_models(MODELS, sizeof(MODELS) / sizeof(MODELS[0]));
}

static void test_tab_completes_paths_with_tilde(void **state)
{
	(void)state;
	char dir[] = "/tmp/circuit-complete-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[128];
	snprintf(path, sizeof(path), "%s/notes-unique.md", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/subdir", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	const char *home = getenv("HOME");
	char *saved = home ? strdup(home) : NULL;
	setenv("HOME", dir, 1);
	assert_string_equal(tab("/export md ~/notes-u"), "/export md ~/notes-unique.md ");
	enter();
	assert_string_equal(tab("/export md ~/sub"), "/export md ~/subdir/");
	enter();
	char line[256];
	snprintf(line, sizeof(line), "/export json %s/no", dir);
	char want[256];
	snprintf(want, sizeof(want), "/export json %s/notes-unique.md ", dir);
	assert_string_equal(tab(line), want);
	enter();
	if (saved != NULL) {
		setenv("HOME", saved, 1);
		free(saved);
	}
	rmdir(path);
	snprintf(path, sizeof(path), "%s/notes-unique.md", dir);
	unlink(path);
	rmdir(dir);
}

/* Emacs mode (the default): a lone Esc is dropped. Handed to readline it
 * would be a meta prefix: Esc then "f" is M-f, and the "f" never lands. */
static void test_a_lone_escape_in_emacs_mode_eats_no_key(void **state)
{
	(void)state;
	type("ab");
	inputline_escape();
	type("f");
	assert_string_equal(enter(), "abf");
	/* What the app did before: the Esc to readline, the "f" lost. */
	type("ab");
	inputline_key(0x1b);
	type("f");
	assert_string_equal(enter(), "ab");
}

/* Vi mode: Esc is the way to command mode; "0x" then deletes the first
 * character, "i" inserts again. */
static void test_a_lone_escape_in_vi_mode_enters_command_mode(void **state)
{
	(void)state;
	rl_variable_bind("editing-mode", "vi");
	type("abc");
	inputline_escape();
	type("0xiz");
	assert_string_equal(enter(), "zbc");
	rl_variable_bind("editing-mode", "emacs");
	type("ab");
	inputline_escape();
	type("f");
	assert_string_equal(enter(), "abf");
}

/* Ctrl-X Ctrl-E asks for the editor once and leaves the line alone;
 * Ctrl-X stays readline's prefix: Ctrl-X Ctrl-U still undoes. */
static void test_ctrl_x_ctrl_e_asks_for_the_editor(void **state)
{
	(void)state;
	assert_false(inputline_take_edit());
	type("abc");
	inputline_key(0x18);
	inputline_key(0x05);
	assert_true(inputline_take_edit());
	assert_false(inputline_take_edit());
	assert_string_equal(inputline_text(), "abc");
	inputline_key(0x18);
	inputline_key(0x15); /* Ctrl-X Ctrl-U: undo the last typing */
	assert_false(inputline_take_edit());
	assert_string_not_equal(inputline_text(), "abc");
	inputline_key(0x15); /* Ctrl-U: kill the rest */
	type("x");
	inputline_key(0x05); /* Ctrl-E alone: end of line, no editor */
	assert_false(inputline_take_edit());
	assert_int_equal(sent.n, 0); /* nothing was sent */
	/* vi insert mode has it too. */
	rl_variable_bind("editing-mode", "vi");
	inputline_key(0x18);
	inputline_key(0x05);
	assert_true(inputline_take_edit());
	rl_variable_bind("editing-mode", "emacs");
}

/* The editor's text replaces the line, newlines kept, cursor at its end,
 * unsent; one undo brings the old line back. */
static void test_set_text_replaces_the_line_unsent(void **state)
{
	(void)state;
	type("old line");
	inputline_set_text("new\nlines");
	assert_string_equal(inputline_text(), "new\nlines");
	assert_int_equal(rl_point, rl_end);
	assert_true(inputline_take_dirty());
	assert_int_equal(sent.n, 0);
	type("!");
	assert_string_equal(inputline_text(), "new\nlines!");
	inputline_key(0x1f); /* Ctrl-_: undo the "!" */
	inputline_key(0x1f); /* and the editor's text */
	assert_string_equal(inputline_text(), "old line");
	inputline_set_text("sent as is");
	assert_string_equal(enter(), "sent as is");
	assert_int_equal(sent.n, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(history_stays_bounded),
		cmocka_unit_test_setup_teardown(test_tab_completes_commands_from_the_table,
		                                completion_setup, completion_teardown),
		cmocka_unit_test_setup_teardown(test_tab_completes_each_commands_argument,
		                                completion_setup, completion_teardown),
		cmocka_unit_test_setup_teardown(test_the_hint_holds_the_whole_list, completion_setup,
		                                completion_teardown),
		cmocka_unit_test_setup_teardown(test_tab_completes_paths_with_tilde, completion_setup,
		                                completion_teardown),
		cmocka_unit_test_setup_teardown(test_a_lone_escape_in_emacs_mode_eats_no_key,
		                                completion_setup, completion_teardown),
		cmocka_unit_test_setup_teardown(test_a_lone_escape_in_vi_mode_enters_command_mode,
		                                completion_setup, completion_teardown),
		cmocka_unit_test_setup_teardown(test_ctrl_x_ctrl_e_asks_for_the_editor,
		                                completion_setup, completion_teardown),
		cmocka_unit_test_setup_teardown(test_set_text_replaces_the_line_unsent,
		                                completion_setup, completion_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
