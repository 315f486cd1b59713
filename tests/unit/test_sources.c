/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sources: each URL once in the order first cited, a late title kept, the
 * cap, and the two ways a list is written. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include "model/conversation.h"
#include "model/sources.h"
#include "util/glyphs.h"

static void test_each_url_once_in_order(void **state)
{
	(void)state;
	struct sources s;
	sources_init(&s);
	assert_int_equal(sources_add(&s, "https://a.example/", "A"), 1);
	assert_int_equal(sources_add(&s, "https://b.example/", ""), 2);
	assert_int_equal(sources_add(&s, "https://a.example/", "A again"), 1);
	assert_int_equal(sources_add(&s, "https://b.example/", "B"), 2); /* fills the title */
	assert_int_equal(sources_add(&s, "", "nothing"), 0);
	assert_int_equal(sources_add(&s, NULL, "nothing"), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.v[0].title, "A");
	assert_string_equal(s.v[1].title, "B");
	sources_done(&s);
	assert_int_equal(s.n, 0);
}

static void test_the_cap(void **state)
{
	(void)state;
	struct sources s;
	sources_init(&s);
	char url[64];
	for (int i = 0; i < SOURCES_MAX; i++) {
		snprintf(url, sizeof(url), "https://x.example/%d", i);
		assert_int_equal(sources_add(&s, url, NULL), (size_t)i + 1);
	}
	assert_int_equal(sources_add(&s, "https://one.more/", "x"), 0);
	assert_int_equal(sources_add(&s, "https://x.example/7", "seven"), 8); /* known: found */
	assert_int_equal(s.n, SOURCES_MAX);
	sources_done(&s);
}

static void test_plain_and_markdown(void **state)
{
	(void)state;
	struct sources s;
	sources_init(&s);
	struct buf b;
	buf_init(&b, 0);
	sources_format(&s, SOURCES_PLAIN, &b);
	assert_string_equal(buf_str(&b), ""); /* none: no heading either */
	sources_add(&s, "https://docs.rs/tokio", "Tokio [docs]");
	sources_add(&s, "https://en.wikipedia.org/wiki/Rust_(language)", "");
	glyphs_use(true);
	sources_format(&s, SOURCES_PLAIN, &b);
	assert_string_equal(buf_str(&b), "Sources:\n"
	                                 "1. Tokio [docs] \xe2\x80\x94 https://docs.rs/tokio\n"
	                                 "2. https://en.wikipedia.org/wiki/Rust_(language)\n");
	buf_reset(&b);
	glyphs_use(false);
	sources_format(&s, SOURCES_PLAIN, &b);
	assert_non_null(strstr(buf_str(&b), "1. Tokio [docs] - https://docs.rs/tokio\n"));
	glyphs_use(true);
	buf_reset(&b);
	sources_format(&s, SOURCES_MARKDOWN, &b);
	assert_string_equal(buf_str(&b),
	                    "Sources:\n"
	                    "1. [Tokio \\[docs\\]](https://docs.rs/tokio)\n"
	                    "2. [https://en.wikipedia.org/wiki/Rust\\_(language)]"
	                    "(https://en.wikipedia.org/wiki/Rust_%28language%29)\n");
	buf_done(&b);
	sources_done(&s);
}

/* A message owns its sources: a copy has its own, freed with it. */
static void test_a_message_copy_keeps_them(void **state)
{
	(void)state;
	struct conversation a, b;
	conv_init(&a);
	conv_init(&b);
	struct message *m = conv_add(&a, MSG_ASSISTANT, "mock", "text");
	sources_add(&m->sources, "https://a.example/", "A");
	struct message *d = conv_add_copy(&b, m);
	conv_done(&a);
	assert_int_equal(d->sources.n, 1);
	assert_string_equal(d->sources.v[0].url, "https://a.example/");
	conv_done(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_url_once_in_order),
		cmocka_unit_test(test_the_cap),
		cmocka_unit_test(test_plain_and_markdown),
		cmocka_unit_test(test_a_message_copy_keeps_them),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
