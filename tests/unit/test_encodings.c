/* SPDX-License-Identifier: GPL-3.0-or-later */
/* base64 and sha256: the encodings an attachment travels and is stored in,
 * checked against their standards' own vectors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include "util/base64.h"
#include "util/buf.h"
#include "util/sha256.h"

static void check_b64(const char *in, const char *want)
{
	size_t len;
	char *s = base64_encode(in, strlen(in), &len);
	assert_string_equal(s, want);
	assert_int_equal(len, strlen(want));
	assert_int_equal(base64_len(strlen(in)), strlen(want));
	free(s);
}

/* RFC 4648, section 10. */
static void test_base64_rfc4648_vectors(void **state)
{
	(void)state;
	check_b64("", "");
	check_b64("f", "Zg==");
	check_b64("fo", "Zm8=");
	check_b64("foo", "Zm9v");
	check_b64("foob", "Zm9vYg==");
	check_b64("fooba", "Zm9vYmE=");
	check_b64("foobar", "Zm9vYmFy");
}

static void test_base64_every_byte_and_the_last_two_letters(void **state)
{
	(void)state;
	unsigned char all[256];
	for (int i = 0; i < 256; i++)
		all[i] = (unsigned char)i;
	char *s = base64_encode(all, sizeof(all), NULL);
	assert_int_equal(strlen(s), 344);
	assert_memory_equal(s, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g", 44);
	assert_string_equal(s + 336, "/P3+/w==");
	free(s);
	unsigned char hi[3] = {0xfb, 0xff, 0xbf};
	s = base64_encode(hi, 3, NULL);
	assert_string_equal(s, "+/+/");
	free(s);
}

static void test_base64_append_respects_the_cap(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 6);
	assert_int_equal(base64_append(&b, "ab", 2), 0);
	assert_string_equal(buf_str(&b), "YWI=");
	assert_int_equal(base64_append(&b, "ab", 2), -1);
	assert_string_equal(buf_str(&b), "YWI="); /* unchanged */
	buf_done(&b);
}

static void check_sha(const void *p, size_t n, const char *want)
{
	char hex[SHA256_HEX];
	sha256_hex(p, n, hex);
	assert_string_equal(hex, want);
}

/* FIPS 180-4 examples (NIST CSRC "SHA256.pdf"), and the empty message. */
static void test_sha256_fips_vectors(void **state)
{
	(void)state;
	check_sha("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	check_sha("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	check_sha(two, strlen(two),
	          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	const char *four = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmn"
	                   "opjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
	check_sha(four, strlen(four),
	          "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

/* A million 'a's, fed in pieces that cross every block boundary. */
static void test_sha256_million_a_fed_in_odd_pieces(void **state)
{
	(void)state;
	size_t n = 1000000;
	char *a = malloc(n);
	assert_non_null(a);
	memset(a, 'a', n);
	check_sha(a, n, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	struct sha256 s;
	sha256_init(&s);
	size_t at = 0, step = 1;
	while (at < n) {
		size_t k = step < n - at ? step : n - at;
		sha256_update(&s, a + at, k);
		at += k;
		step = step % 131 + 7;
	}
	unsigned char d[SHA256_BYTES];
	sha256_final(&s, d);
	assert_int_equal(d[0], 0xcd);
	assert_int_equal(d[31], 0xd0);
	free(a);
}

/* Lengths around the padding's edge (55, 56, 63, 64 bytes). */
static void test_sha256_padding_edges(void **state)
{
	(void)state;
	char m[64];
	memset(m, 'a', sizeof(m));
	check_sha(m, 55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
	check_sha(m, 56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
	check_sha(m, 63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34");
	check_sha(m, 64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base64_rfc4648_vectors),
		cmocka_unit_test(test_base64_every_byte_and_the_last_two_letters),
		cmocka_unit_test(test_base64_append_respects_the_cap),
		cmocka_unit_test(test_sha256_fips_vectors),
		cmocka_unit_test(test_sha256_million_a_fed_in_odd_pieces),
		cmocka_unit_test(test_sha256_padding_edges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
