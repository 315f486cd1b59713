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
