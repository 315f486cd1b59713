/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_ui: messages as the screen receives them (the status bar:
 * test_statusbar; commands: test_commands). No terminal needed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <locale.h>

#include "model/conversation.h"

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
		cmocka_unit_test(test_messages_are_sanitised_as_they_stream),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
