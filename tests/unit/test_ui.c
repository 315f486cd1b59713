/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_ui: the status bar's text, and messages as the
 * screen receives them. No terminal needed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <locale.h>

#include "model/conversation.h"
#include "ui/statusbar.h"
#include "util/width.h"

static struct status two_providers(void)
{
	struct status s;
	memset(&s, 0, sizeof(s));
	s.np = 2;
	s.p[0] = (struct provider_status){"anthropic", HEALTH_OK, 412, 61.2, 1, 4, -1, -1};
	s.p[1] = (struct provider_status){"openai", HEALTH_ERROR, 288, -1, 0, 2, -1, -1};
	snprintf(s.model, sizeof(s.model), "claude-sonnet-4-5");
	return s;
}

static void test_statusbar_shows_every_figure(void **state)
{
	(void)state;
	struct status s = two_providers();
	struct buf b;
	buf_init(&b, 0);
	statusbar_format(&s, 100, &b);
	const char *t = buf_str(&b);
	assert_non_null(strstr(t, "anthropic ● 412ms 61t/s 1/4"));
	assert_non_null(strstr(t, "openai ✖ 288ms 0/2"));
	assert_non_null(strstr(t, "claude-sonnet-4-5"));
	assert_true(width_str(t, b.len) <= 99); /* the last cell stays empty */
	buf_done(&b);
}

static void test_statusbar_stall_and_truncation(void **state)
{
	(void)state;
	struct status s = two_providers();
	s.p[0].stall_ms = 12500;
	struct buf b;
	buf_init(&b, 0);
	statusbar_format(&s, 120, &b);
	assert_non_null(strstr(buf_str(&b), "stalled 12s"));
	/* Narrow: nothing past the width, segments dropped with an ellipsis. */
	for (int cols = 1; cols <= 80; cols++) {
		buf_reset(&b);
		statusbar_format(&s, cols, &b);
		if (width_str(buf_str(&b), b.len) > (size_t)cols) {
			print_error("%d columns: \"%s\"\n", cols, buf_str(&b));
			fail();
		}
	}
	buf_reset(&b);
	statusbar_format(&s, 45, &b);
	assert_non_null(strstr(buf_str(&b), "…"));
	buf_done(&b);
}

static void test_statusbar_open_breaker_counts_down(void **state)
{
	(void)state;
	struct status s = two_providers();
	s.p[1].health = HEALTH_OPEN;
	s.p[1].open_ms = 26100;
	struct buf b;
	buf_init(&b, 0);
	statusbar_format(&s, 100, &b);
	assert_non_null(strstr(buf_str(&b), "openai ◌ open 27s"));
	s.p[1].health = HEALTH_HALFOPEN;
	buf_reset(&b);
	statusbar_format(&s, 100, &b);
	assert_non_null(strstr(buf_str(&b), "openai ◐ probing"));
	buf_done(&b);
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
		cmocka_unit_test(test_statusbar_shows_every_figure),
		cmocka_unit_test(test_statusbar_stall_and_truncation),
		cmocka_unit_test(test_statusbar_open_breaker_counts_down),
		cmocka_unit_test(test_messages_are_sanitised_as_they_stream),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
