/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_buf: the capped growable buffer. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include "util/buf.h"

static void test_buf_str_of_new_buffer_is_empty_string(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 0);
	const char *s = buf_str(&b);
	assert_non_null(s);
	assert_string_equal(s, "");
	assert_int_equal(b.len, 0);
	buf_done(&b);
}

static void test_buf_str_after_reset_is_empty_string(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 0);
	assert_int_equal(buf_append_str(&b, "hello"), 0);
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(buf_str(&b), "");
	buf_done(&b);
}

static void test_buf_reset_on_never_used_buffer_is_safe(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 0);
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(buf_str(&b), "");
	buf_done(&b);
}

static void test_buf_append_concatenates_and_nul_terminates(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 0);
	assert_int_equal(buf_append(&b, "abcXXX", 3), 0);
	assert_int_equal(buf_append_str(&b, "def"), 0);
	assert_int_equal(buf_append_char(&b, 'g'), 0);
	assert_int_equal(b.len, 7);
	assert_bytes_equal(b.data, b.len, "abcdefg");
	assert_int_equal(b.data[b.len], '\0');
	assert_string_equal(buf_str(&b), "abcdefg");
	buf_done(&b);
}

static void test_buf_append_zero_bytes_gives_empty_nul_terminated_string(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 0);
	assert_int_equal(buf_append(&b, "x", 0), 0);
	assert_int_equal(b.len, 0);
	assert_non_null(b.data);
	assert_int_equal(b.data[0], '\0');
	assert_string_equal(buf_str(&b), "");
	buf_done(&b);
}

static void test_buf_keeps_embedded_nul_bytes(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 0);
	assert_int_equal(buf_append(&b, "a\0b", 3), 0);
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.data, "a\0b\0", 4);
	buf_done(&b);
}

static void test_buf_grows_across_many_appends(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 0);
	for (int i = 0; i < 10000; i++)
		assert_int_equal(buf_append_char(&b, (char)('a' + i % 26)), 0);
	assert_int_equal(b.len, 10000);
	assert_true(b.alloc > b.len);
	for (int i = 0; i < 10000; i++)
		assert_int_equal(b.data[i], 'a' + i % 26);
	assert_int_equal(b.data[10000], '\0');
	buf_done(&b);
}

static void test_buf_printf_appends_formatted_text(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 0);
	assert_int_equal(buf_append_str(&b, "n="), 0);
	assert_int_equal(buf_printf(&b, "%d %s %05.1f", 42, "x", 3.5), 0);
	assert_string_equal(buf_str(&b), "n=42 x 003.5");
	assert_int_equal(b.len, strlen("n=42 x 003.5"));
	buf_done(&b);
}

static void test_buf_printf_longer_than_initial_allocation(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 0);
	char want[1001];
	memset(want, 'q', 1000);
	want[1000] = '\0';
	assert_int_equal(buf_printf(&b, "%s", want), 0);
	assert_int_equal(b.len, 1000);
	assert_string_equal(buf_str(&b), want);
	buf_done(&b);
}

static void test_buf_printf_empty_result_on_new_buffer(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 0);
	assert_int_equal(buf_printf(&b, "%s", ""), 0);
	assert_int_equal(b.len, 0);
	assert_string_equal(buf_str(&b), "");
	buf_done(&b);
}

static void test_buf_consume_moves_rest_to_front(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 0);
	assert_int_equal(buf_append_str(&b, "line1\nline2"), 0);
	buf_consume(&b, 6);
	assert_int_equal(b.len, 5);
	assert_string_equal(buf_str(&b), "line2");
	buf_consume(&b, 0);
	assert_string_equal(buf_str(&b), "line2");
	buf_consume(&b, 5);
	assert_int_equal(b.len, 0);
	assert_string_equal(buf_str(&b), "");
	assert_int_equal(buf_append_str(&b, "z"), 0);
	assert_string_equal(buf_str(&b), "z");
	buf_done(&b);
}

static void test_buf_append_exactly_to_cap_succeeds(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 8);
	assert_int_equal(buf_append_str(&b, "abcd"), 0);
	assert_int_equal(buf_append_str(&b, "efgh"), 0);
	assert_int_equal(b.len, 8);
	assert_string_equal(buf_str(&b), "abcdefgh");
	buf_done(&b);
}

static void test_buf_append_past_cap_fails_and_changes_nothing(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 8);
	assert_int_equal(buf_append_str(&b, "abcdef"), 0);
	assert_int_equal(buf_append_str(&b, "ghi"), -1);
	assert_int_equal(b.len, 6);
	assert_string_equal(buf_str(&b), "abcdef");
	assert_int_equal(buf_append_char(&b, 'g'), 0);
	assert_int_equal(buf_append_char(&b, 'h'), 0);
	assert_int_equal(buf_append_char(&b, 'i'), -1);
	assert_int_equal(b.len, 8);
	assert_string_equal(buf_str(&b), "abcdefgh");
	buf_done(&b);
}

static void test_buf_single_append_larger_than_cap_fails_on_empty_buffer(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 4);
	assert_int_equal(buf_append(&b, "12345", 5), -1);
	assert_int_equal(b.len, 0);
	assert_string_equal(buf_str(&b), "");
	/* A size that would wrap len + n must fail too, not pass the check. */
	assert_int_equal(buf_append(&b, "x", SIZE_MAX), -1);
	assert_int_equal(b.len, 0);
	buf_done(&b);
}

static void test_buf_printf_past_cap_fails_and_changes_nothing(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 10);
	assert_int_equal(buf_printf(&b, "%d", 12345), 0);
	assert_int_equal(buf_printf(&b, "%s", "678901"), -1);
	assert_int_equal(b.len, 5);
	assert_string_equal(buf_str(&b), "12345");
	assert_int_equal(buf_printf(&b, "%s", "67890"), 0);
	assert_string_equal(buf_str(&b), "1234567890");
	buf_done(&b);
}

static void test_buf_consume_frees_room_under_cap(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 4);
	assert_int_equal(buf_append_str(&b, "abcd"), 0);
	assert_int_equal(buf_append_char(&b, 'e'), -1);
	buf_consume(&b, 2);
	assert_int_equal(buf_append_str(&b, "ef"), 0);
	assert_string_equal(buf_str(&b), "cdef");
	buf_done(&b);
}

static void test_buf_max_zero_means_uncapped(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 0);
	size_t n = 1 << 20;
	char *big = malloc(n);
	assert_non_null(big);
	memset(big, 'x', n);
	assert_int_equal(buf_append(&b, big, n), 0);
	assert_int_equal(buf_append(&b, big, n), 0);
	assert_int_equal(b.len, 2 * n);
	assert_int_equal(b.data[2 * n - 1], 'x');
	assert_int_equal(b.data[2 * n], '\0');
	free(big);
	buf_done(&b);
}

static void test_buf_done_leaves_reusable_empty_buffer_with_same_cap(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 3);
	assert_int_equal(buf_append_str(&b, "abc"), 0);
	buf_done(&b);
	assert_int_equal(b.len, 0);
	assert_null(b.data);
	assert_string_equal(buf_str(&b), "");
	assert_int_equal(buf_append_str(&b, "abcd"), -1);
	assert_int_equal(buf_append_str(&b, "xyz"), 0);
	assert_string_equal(buf_str(&b), "xyz");
	buf_done(&b);
	buf_done(&b); /* twice is harmless */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_str_of_new_buffer_is_empty_string),
		cmocka_unit_test(test_buf_str_after_reset_is_empty_string),
		cmocka_unit_test(test_buf_reset_on_never_used_buffer_is_safe),
		cmocka_unit_test(test_buf_append_concatenates_and_nul_terminates),
		cmocka_unit_test(test_buf_append_zero_bytes_gives_empty_nul_terminated_string),
		cmocka_unit_test(test_buf_keeps_embedded_nul_bytes),
		cmocka_unit_test(test_buf_grows_across_many_appends),
		cmocka_unit_test(test_buf_printf_appends_formatted_text),
		cmocka_unit_test(test_buf_printf_longer_than_initial_allocation),
		cmocka_unit_test(test_buf_printf_empty_result_on_new_buffer),
		cmocka_unit_test(test_buf_consume_moves_rest_to_front),
		cmocka_unit_test(test_buf_append_exactly_to_cap_succeeds),
		cmocka_unit_test(test_buf_append_past_cap_fails_and_changes_nothing),
		cmocka_unit_test(test_buf_single_append_larger_than_cap_fails_on_empty_buffer),
		cmocka_unit_test(test_buf_printf_past_cap_fails_and_changes_nothing),
		cmocka_unit_test(test_buf_consume_frees_room_under_cap),
		cmocka_unit_test(test_buf_max_zero_means_uncapped),
		cmocka_unit_test(test_buf_done_leaves_reusable_empty_buffer_with_same_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
