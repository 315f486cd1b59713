/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_ui: the command table, and messages as the screen receives them
 * (the status bar: test_statusbar). No terminal needed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <locale.h>

#include "model/conversation.h"
#include "ui/commands.h"

static void test_commands_parse_names_prefixes_and_arguments(void **state)
{
	(void)state;
	const char *args = NULL;
	const struct cmd_entry *c = cmd_parse("/model  gpt-4o ", &args);
	assert_non_null(c);
	assert_int_equal(c->id, CMD_MODEL);
	assert_string_equal(args, "gpt-4o ");
	c = cmd_parse("/q", &args); /* unique prefix */
	assert_non_null(c);
	assert_int_equal(c->id, CMD_QUIT);
	assert_string_equal(args, "");
	assert_null(cmd_parse("/s", &args)); /* /stats or /system: ambiguous */
	assert_null(cmd_parse("/nope", &args));
	assert_null(cmd_parse("model", &args)); /* no slash */
	c = cmd_parse("/new", &args);          /* exact beats a longer name */
	assert_int_equal(c->id, CMD_NEW);
	/* Every entry is reachable by its own name and has help. */
	for (size_t i = 0; i < cmd_count; i++) {
		char line[40];
		snprintf(line, sizeof(line), "/%s", cmd_table[i].name);
		assert_ptr_equal(cmd_parse(line, &args), &cmd_table[i]);
		assert_true(strlen(cmd_table[i].help) > 0);
	}
}

static void test_commands_complete_from_a_prefix(void **state)
{
	(void)state;
	size_t st = 0;
	assert_string_equal(cmd_complete("/mo", &st), "/model");
	assert_null(cmd_complete("/mo", &st));
	st = 0;
	size_t n = 0;
	while (cmd_complete("/", &st) != NULL)
		n++;
	assert_int_equal(n, cmd_count);
	st = 0;
	/* In table order: every command starting with /s. */
	assert_string_equal(cmd_complete("/s", &st), "/system");
	assert_string_equal(cmd_complete("/s", &st), "/sessions");
	assert_string_equal(cmd_complete("/s", &st), "/search");
	assert_string_equal(cmd_complete("/s", &st), "/stats");
	assert_null(cmd_complete("/s", &st));
	/* A prefix naming one command is enough; an ambiguous one is not. */
	const char *args;
	assert_null(cmd_parse("/se x", &args));
	assert_int_equal(cmd_parse("/sea x", &args)->id, CMD_SEARCH);
	assert_string_equal(args, "x");
	assert_int_equal(cmd_parse("/ses", &args)->id, CMD_SESSIONS);
	assert_int_equal(cmd_parse("/comp a b", &args)->id, CMD_COMPARE);
}

static void test_messages_are_sanitised_as_they_stream(void **state)
{
	(void)state;
	struct conversation c;
	conv_init(&c);
	struct message *m = conv_add(&c, MSG_ASSISTANT, "mock", NULL);
	unsigned long v = m->version;
	static const char first[] = "title \x1b]2;x\x07 and CR";
	msg_append_text(m, first, sizeof(first) - 1);
	msg_append_text(m, "\r", 1);
	msg_append_text(m, "\nnext", 5);
	msg_finish(m, false, "1 ms");
	assert_true(m->version > v);
	assert_null(memchr(m->text.data, 0x1b, m->text.len));
	assert_null(memchr(m->text.data, '\r', m->text.len));
	assert_non_null(strstr(buf_str(&m->text), "\xe2\x90\x9b]2;x")); /* ␛ */
	assert_non_null(strstr(buf_str(&m->text), "CR\nnext")); /* CR LF across deltas */
	/* What goes back to the provider is what it sent. */
	assert_non_null(memchr(m->raw.data, 0x1b, m->raw.len));
	unsigned long cv = c.version;
	conv_clear(&c);
	assert_int_equal(c.n, 0);
	assert_true(c.version > cv);
	conv_done(&c);
}

int main(void)
{
	if (setlocale(LC_ALL, "C.UTF-8") == NULL)
		setlocale(LC_ALL, "");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_commands_parse_names_prefixes_and_arguments),
		cmocka_unit_test(test_commands_complete_from_a_prefix),
		cmocka_unit_test(test_messages_are_sanitised_as_they_stream),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
