/* SPDX-License-Identifier: GPL-3.0-or-later */
/* base64: RFC 4648 section 4, the standard alphabet with padding. */
#include "util/base64.h"

#include <stdint.h>
#include <stdlib.h>

#include "util/mem.h"

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t base64_len(size_t n)
{
	return (n + 2) / 3 * 4;
}

/* Encodes n bytes into out, which has room for base64_len(n) characters. */
static void encode(char *out, const unsigned char *in, size_t n)
{
	size_t i = 0;
	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		*out++ = alphabet[v >> 18 & 63];
		*out++ = alphabet[v >> 12 & 63];
		*out++ = alphabet[v >> 6 & 63];
		*out++ = alphabet[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)in[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)in[i + 1] << 8;
		*out++ = alphabet[v >> 18 & 63];
		*out++ = alphabet[v >> 12 & 63];
		*out++ = i + 1 < n ? alphabet[v >> 6 & 63] : '=';
		*out = '=';
	}
}

char *base64_encode(const void *p, size_t n, size_t *len)
{
	size_t k = base64_len(n);
	char *s = xmalloc(k + 1);
	encode(s, p, n);
	s[k] = '\0';
	if (len != NULL)
		*len = k;
	return s;
}

int base64_append(struct buf *out, const void *p, size_t n)
{
	size_t len;
	char *s = base64_encode(p, n, &len);
	int rc = buf_append(out, s, len);
	free(s);
	return rc;
}

/* The value of base64 character ch, or -1. */
static int value(unsigned char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+')
		return 62;
	return ch == '/' ? 63 : -1;
}

/* The characters of s before its padding (at most two '='), or -1 when
 * the padding is not where it may be. */
static long long unpadded(const char *s, size_t n)
{
	size_t k = n;
	while (k > 0 && n - k < 2 && s[k - 1] == '=')
		k--;
	if (k < n && n % 4 != 0)
		return -1; /* padding makes a whole quantum, or is left out */
	return k % 4 == 1 ? -1 : (long long)k;
}

int base64_decode(const char *s, size_t n, struct buf *out)
{
	long long k = unpadded(s, n);
	if (k < 0)
		return -1;
	size_t start = out->len;
	unsigned char q[3072]; /* decoded bytes, appended a chunk at a time */
	uint32_t v = 0;
	int bits = 0;
	size_t nq = 0;
	for (long long i = 0; i < k; i++) {
		int d = value((unsigned char)s[i]);
		if (d < 0)
			goto bad;
		v = v << 6 | (uint32_t)d;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			q[nq++] = (unsigned char)(v >> bits & 0xff);
		}
		if (nq == sizeof(q)) {
			if (buf_append(out, q, nq) < 0)
				goto bad;
			nq = 0;
		}
	}
	if ((v & ((1u << bits) - 1)) != 0 || (nq > 0 && buf_append(out, q, nq) < 0))
		goto bad;
	return 0;
bad:
	out->len = start;
	if (out->data != NULL)
		out->data[start] = '\0';
	return -1;
}
