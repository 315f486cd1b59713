/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_commands: how a line the user entered is read: a command (by name
 * or unique prefix), an ambiguous or unknown one, or a message, which may
 * begin with "/" too. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include "app/commands.h"

static struct line_read rd(const char *line)
{
	struct line_read r;
	commands_read(line, &r);
	return r;
}

static void test_commands_names_prefixes_and_arguments(void **state)
{
	(void)state;
	struct line_read r = rd("/model  gpt-4o");
	assert_int_equal(r.kind, LINE_COMMAND);
	assert_string_equal(command_name(r.cmd), "model");
	assert_string_equal(r.text, "gpt-4o");
	r = rd("/q"); /* a unique prefix */
	assert_int_equal(r.kind, LINE_COMMAND);
	assert_string_equal(command_name(r.cmd), "quit");
	assert_string_equal(r.text, "");
	r = rd("/new"); /* exact beats a longer name */
	assert_string_equal(command_name(r.cmd), "new");
	r = rd("/sea x");
	assert_string_equal(command_name(r.cmd), "search");
	assert_string_equal(r.text, "x");
	r = rd("/ses");
	assert_string_equal(command_name(r.cmd), "sessions");
	r = rd("/cop code 2");
	assert_string_equal(command_name(r.cmd), "copy");
	assert_string_equal(r.text, "code 2");
}

static void test_commands_ambiguous_and_unknown_are_told_apart(void **state)
{
	(void)state;
	struct line_read r = rd("/co"); /* /compare, /continue and /copy */
	assert_int_equal(r.kind, LINE_AMBIGUOUS);
	assert_int_equal(r.name_len, 2);
	assert_int_equal(rd("/s").kind, LINE_AMBIGUOUS);
	assert_int_equal(rd("/se x").kind, LINE_AMBIGUOUS);
	assert_int_equal(rd("/nope").kind, LINE_UNKNOWN);
	assert_int_equal(rd("/").kind, LINE_NO_NAME);
	assert_int_equal(rd("/ hello").kind, LINE_NO_NAME);
}

static void test_commands_a_path_or_a_double_slash_is_a_message(void **state)
{
	(void)state;
	struct line_read r = rd("/var/log/syslog: error at line 3");
	assert_int_equal(r.kind, LINE_MESSAGE);
	assert_string_equal(r.text, "/var/log/syslog: error at line 3");
	r = rd("/etc/hosts");
	assert_int_equal(r.kind, LINE_MESSAGE);
	r = rd("//help me");
	assert_int_equal(r.kind, LINE_MESSAGE);
	assert_string_equal(r.text, "/help me");
	r = rd("/Model x"); /* not a command word: capitals */
	assert_int_equal(r.kind, LINE_MESSAGE);
	r = rd("model gpt-4o"); /* no slash */
	assert_int_equal(r.kind, LINE_MESSAGE);
}

static void test_commands_a_paste_of_lines_is_never_a_command(void **state)
{
	(void)state;
	struct line_read r = rd("/quit\nand more");
	assert_int_equal(r.kind, LINE_MESSAGE);
	assert_string_equal(r.text, "/quit\nand more");
	r = rd("/clear\n");
	assert_int_equal(r.kind, LINE_MESSAGE);
}

static void test_commands_blank_is_nothing(void **state)
{
	(void)state;
	assert_int_equal(rd("").kind, LINE_NOTHING);
	assert_int_equal(rd("  \t\n ").kind, LINE_NOTHING);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_commands_names_prefixes_and_arguments),
		cmocka_unit_test(test_commands_ambiguous_and_unknown_are_told_apart),
		cmocka_unit_test(test_commands_a_path_or_a_double_slash_is_a_message),
		cmocka_unit_test(test_commands_a_paste_of_lines_is_never_a_command),
		cmocka_unit_test(test_commands_blank_is_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
