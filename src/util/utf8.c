/* SPDX-License-Identifier: GPL-3.0-or-later */
/* utf8: validation and incremental decoding with U+FFFD replacement. */
#include "util/utf8.h"

#include <stdint.h>
#include <string.h>

void utf8_decoder_init(struct utf8_decoder *d)
{
	memset(d, 0, sizeof(*d));
	d->lower = 0x80;
	d->upper = 0xBF;
}

/* Start of a multibyte character: how many continuation bytes it needs and
 * the bounds of the first one (WHATWG: E0 A0.., ED ..9F, F0 90.., F4 ..8F).
 * Returns 0 for a byte that cannot start a character. */
static int lead(unsigned char c, unsigned char *lower, unsigned char *upper)
{
	*lower = 0x80;
	*upper = 0xBF;
	if (c >= 0xC2 && c <= 0xDF)
		return 1;
	if (c >= 0xE0 && c <= 0xEF) {
		if (c == 0xE0)
			*lower = 0xA0;
		if (c == 0xED)
			*upper = 0x9F;
		return 2;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		if (c == 0xF0)
			*lower = 0x90;
		if (c == 0xF4)
			*upper = 0x8F;
		return 3;
	}
	return 0;
}

/* Length of the leading run of ASCII bytes, eight at a time. */
static size_t ascii_run(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i + 8 <= n) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		if (w & 0x8080808080808080ULL)
			break;
		i += 8;
	}
	while (i < n && s[i] < 0x80)
		i++;
	return i;
}

int utf8_decode(struct utf8_decoder *d, const char *p, size_t n, struct buf *out)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t i = 0;
	while (i < n) {
		if (d->need == 0) {
			/* Copy runs of complete, valid characters straight through. */
			size_t start = i;
			for (;;) {
				i += ascii_run(s + i, n - i);
				if (i >= n)
					break;
				unsigned char lo, hi;
				int k = lead(s[i], &lo, &hi);
				if (k == 0 || i + (size_t)k >= n || s[i + 1] < lo || s[i + 1] > hi)
					break;
				int ok = 1;
				for (int j = 2; j <= k; j++)
					if (s[i + j] < 0x80 || s[i + j] > 0xBF)
						ok = 0;
				if (!ok)
					break;
				i += (size_t)k + 1;
			}
			if (i > start && buf_append(out, s + start, i - start) < 0)
				return -1;
			if (i >= n)
				break;
			unsigned char c = s[i++];
			int k = lead(c, &d->lower, &d->upper);
			if (k == 0) {
				if (buf_append(out, UTF8_REPLACEMENT, 3) < 0)
					return -1;
				continue;
			}
			d->need = (unsigned char)k;
			d->pend[0] = c;
			d->npend = 1;
			continue;
		}
		unsigned char c = s[i];
		if (c < d->lower || c > d->upper) {
			/* Invalid continuation: one U+FFFD for what we held, and the
			 * byte is looked at again as the start of something new. */
			utf8_decoder_init(d);
			if (buf_append(out, UTF8_REPLACEMENT, 3) < 0)
				return -1;
			continue;
		}
		i++;
		d->lower = 0x80;
		d->upper = 0xBF;
		d->pend[d->npend++] = c;
		if (--d->need == 0) {
			if (buf_append(out, d->pend, d->npend) < 0)
				return -1;
			utf8_decoder_init(d);
		}
	}
	return 0;
}

int utf8_decode_finish(struct utf8_decoder *d, struct buf *out)
{
	int held = d->need != 0;
	utf8_decoder_init(d);
	if (held)
		return buf_append(out, UTF8_REPLACEMENT, 3);
	return 0;
}

int utf8_repair(const char *p, size_t n, struct buf *out)
{
	struct utf8_decoder d;
	utf8_decoder_init(&d);
	if (utf8_decode(&d, p, n, out) < 0)
		return -1;
	return utf8_decode_finish(&d, out);
}

size_t utf8_valid_prefix(const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t i = 0;
	for (;;) {
		i += ascii_run(s + i, n - i);
		if (i >= n)
			return n;
		unsigned char lo, hi;
		int k = lead(s[i], &lo, &hi);
		if (k == 0 || i + (size_t)k >= n)
			return i;
		if (s[i + 1] < lo || s[i + 1] > hi)
			return i;
		for (int j = 2; j <= k; j++)
			if (s[i + j] < 0x80 || s[i + j] > 0xBF)
				return i;
		i += (size_t)k + 1;
	}
}

bool utf8_valid(const char *p, size_t n)
{
	return utf8_valid_prefix(p, n) == n;
}

size_t utf8_encode(unsigned long cp, char out[4])
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

size_t utf8_cut(const char *p, size_t n, size_t max)
{
	if (n <= max)
		return n;
	size_t k = max;
	/* Back over continuation bytes to the start of the character at max. */
	while (k > 0 && ((unsigned char)p[k] & 0xC0) == 0x80)
		k--;
	return k;
}

void utf8_copy(char *dst, size_t size, const char *src)
{
	size_t n = utf8_cut(src, strlen(src), size - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
}
