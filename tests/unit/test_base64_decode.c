/* SPDX-License-Identifier: GPL-3.0-or-later */
/* base64_decode: RFC 4648's vectors back, every byte round trip, and what
 * is not base64 refused with the output left as it was. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include "util/base64.h"
#include "util/buf.h"

static void check_dec(const char *in, const char *want)
{
	struct buf b;
	buf_init(&b, 0);
	assert_int_equal(base64_decode(in, strlen(in), &b), 0);
	assert_int_equal(b.len, strlen(want));
	assert_memory_equal(buf_str(&b), want, strlen(want));
	buf_done(&b);
}

/* RFC 4648, section 10, decoded; and the same without padding. */
static void test_rfc4648_vectors_back(void **state)
{
	(void)state;
	check_dec("", "");
	check_dec("Zg==", "f");
	check_dec("Zm8=", "fo");
	check_dec("Zm9v", "foo");
	check_dec("Zm9vYg==", "foob");
	check_dec("Zm9vYmE=", "fooba");
	check_dec("Zm9vYmFy", "foobar");
	check_dec("Zg", "f");
	check_dec("Zm9vYmE", "fooba");
}

/* n bytes at p encoded, then decoded: the same n bytes back. */
static void round_trip(const unsigned char *p, size_t n)
{
	size_t len;
	char *s = base64_encode(p, n, &len);
	struct buf b;
	buf_init(&b, 0);
	assert_int_equal(base64_decode(s, len, &b), 0);
	assert_int_equal(b.len, n);
	assert_memory_equal(b.data, p, n);
	buf_done(&b);
	free(s);
}

static void test_every_byte_round_trips(void **state)
{
	(void)state;
	unsigned char all[256 * 3 + 2];
	for (size_t i = 0; i < sizeof(all); i++)
		all[i] = (unsigned char)(i * 7 + i / 256);
	for (size_t n = sizeof(all) - 3; n <= sizeof(all); n++)
		round_trip(all, n);
}

static void refused(const char *in)
{
	struct buf b;
	buf_init(&b, 0);
	buf_append_str(&b, "kept");
	assert_int_equal(base64_decode(in, strlen(in), &b), -1);
	assert_string_equal(buf_str(&b), "kept");
	assert_int_equal(b.len, 4);
	buf_done(&b);
}

static void test_what_is_not_base64_is_refused(void **state)
{
	(void)state;
	refused("Zm9v!mFy");  /* a character outside the alphabet */
	refused("Zm9v YmFy"); /* a space */
	refused("Z");         /* a lone character */
	refused("Zm9vY");     /* five: one left over */
	refused("Zg=a");      /* '=' before the end */
	refused("Zm=9");
	refused("Zg=");       /* padding that does not make a quantum */
	refused("Zg===");
	refused("====");
	refused("Zh==");      /* bits set past the last byte */
	refused("Zm9=");
	refused("Zm9vYmFy" "Zm9vYmFy" "Z-==");
}

static void test_the_cap_leaves_out_unchanged(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 8);
	buf_append_str(&b, "ab");
	assert_int_equal(base64_decode("Zm9vYmFy", 8, &b), 0); /* 6 more: exactly 8 */
	assert_string_equal(buf_str(&b), "abfoobar");
	buf_reset(&b);
	buf_append_str(&b, "ab");
	assert_int_equal(base64_decode("Zm9vYmFyYg==", 12, &b), -1); /* 7 more would not fit */
	assert_string_equal(buf_str(&b), "ab");
	buf_done(&b);
}

/* A megabyte image is decoded in chunks: the chunk edges lose nothing. */
static void test_a_large_image_decodes_whole(void **state)
{
	(void)state;
	size_t n = 1 << 20;
	unsigned char *p = malloc(n);
	assert_non_null(p);
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 2654435761u >> 13);
	round_trip(p, n);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc4648_vectors_back),
		cmocka_unit_test(test_every_byte_round_trips),
		cmocka_unit_test(test_what_is_not_base64_is_refused),
		cmocka_unit_test(test_the_cap_leaves_out_unchanged),
		cmocka_unit_test(test_a_large_image_decodes_whole),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
