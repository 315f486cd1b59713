/* SPDX-License-Identifier: GPL-3.0-or-later */
/* width: terminal display width of UTF-8 text (wcwidth), cut by columns. */
#include "util/width.h"

#include <stdbool.h>
#include <stdint.h>
#include <wchar.h>

/* Not a code point: what decode() returns for an invalid byte. */
#define INVALID UINT32_C(0xFFFFFFFF)
#define ZWJ     UINT32_C(0x200D)

/* The code point at s[0..n), n > 0, strict UTF-8 (no overlongs, no
 * surrogates, nothing past U+10FFFF); sets *len. INVALID with *len = 1 for a
 * byte that does not start a complete, valid character. */
static uint32_t decode(const unsigned char *s, size_t n, size_t *len)
{
	unsigned char c = s[0];
	*len = 1;
	if (c < 0x80)
		return c;
	size_t need;
	uint32_t cp;
	unsigned char lo = 0x80, hi = 0xBF;
	if (c >= 0xC2 && c <= 0xDF) {
		need = 1;
		cp = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		need = 2;
		cp = c & 0x0F;
		if (c == 0xE0)
			lo = 0xA0; /* overlong */
		if (c == 0xED)
			hi = 0x9F; /* surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		need = 3;
		cp = c & 0x07;
		if (c == 0xF0)
			lo = 0x90; /* overlong */
		if (c == 0xF4)
			hi = 0x8F; /* past U+10FFFF */
	} else {
		return INVALID;
	}
	if (n < need + 1)
		return INVALID;
	for (size_t i = 1; i <= need; i++) {
		unsigned char b = s[i];
		if (b < lo || b > hi)
			return INVALID;
		lo = 0x80;
		hi = 0xBF;
		cp = (cp << 6) | (b & 0x3F);
	}
	*len = need + 1;
	return cp;
}

/* C0, DEL and C1: clusters of their own, width 1 (wcwidth says -1). */
static bool is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp < 0xA0);
}

static unsigned cp_width(uint32_t cp)
{
	if (cp < 0xA0 || cp == INVALID)
		return 1;
	/* glibc (and every libc we build on) defines __STDC_ISO_10646__:
	 * wchar_t values are Unicode code points. */
	int w = wcwidth((wchar_t)cp);
	return w < 0 ? 1 : (unsigned)w;
}

/* Extended_Pictographic, roughly (UAX #29 joins these across a ZWJ): the
 * older symbols that emoji sequences use (© ♀ ♂ ❤ ⬛), as ranges sorted
 * and apart, first to last code point. The emoji blocks from U+1F000 are
 * tested on their own. */
static const struct {
	uint32_t first, last;
} pictographic[] = {
    {0x00A9, 0x00A9}, {0x00AE, 0x00AE}, {0x203C, 0x203C}, {0x2049, 0x2049}, {0x2122, 0x2122},
    {0x2139, 0x2139}, {0x2194, 0x21AA}, {0x231A, 0x23FF}, {0x24C2, 0x24C2}, {0x25AA, 0x25FE},
    {0x2600, 0x27BF}, {0x2934, 0x2935}, {0x2B05, 0x2B55}, {0x3030, 0x3030}, {0x303D, 0x303D},
    {0x3297, 0x3297}, {0x3299, 0x3299},
};
#define NPICTOGRAPHIC (sizeof pictographic / sizeof *pictographic)

/* cp in the table, cp <= the last range's end (so the walk stops inside
 * it): the ranges in order, up to the first that does not end before cp.
 * Fewer steps than a binary search for what is common here (Latin,
 * Cyrillic, general punctuation: three). */
static bool in_pictographic_table(uint32_t cp)
{
	size_t i = 0;
	while (cp > pictographic[i].last)
		i++;
	return cp >= pictographic[i].first;
}

/* Called for every cluster drawn, so the common answers come first and
 * inline: ASCII, CJK and most scripts are outside the table's bounds. */
static bool is_pictographic(uint32_t cp)
{
	if (cp < pictographic[0].first)
		return false;
	if (cp >= 0x1F000 && cp <= 0x1FFFD)
		return true;
	return cp <= pictographic[NPICTOGRAPHIC - 1].last && in_pictographic_table(cp);
}

static bool is_regional(uint32_t cp)
{
	return cp >= 0x1F1E6 && cp <= 0x1F1FF;
}

static bool is_modifier(uint32_t cp)
{
	return cp >= 0x1F3FB && cp <= 0x1F3FF;
}

int width_char(const char *s, size_t n, size_t *len)
{
	if (n == 0) {
		*len = 0;
		return 0;
	}
	unsigned char c = (unsigned char)s[0];
	*len = 1;
	if (c < 0x80)
		return 1;
	return (int)cp_width(decode((const unsigned char *)s, n, len));
}

size_t width_cluster(const char *s, size_t n, unsigned *cols)
{
	const unsigned char *u = (const unsigned char *)s;
	*cols = 0;
	if (n == 0)
		return 0;
	size_t len;
	uint32_t cp = decode(u, n, &len);
	unsigned w = cp_width(cp);
	size_t i = len;
	*cols = w;
	if (is_control(cp))
		return i;
	/* What the last character lets the next one do. */
	bool lone_ri = is_regional(cp);              /* a flag's first half, unpaired */
	bool pict = is_pictographic(cp) && !lone_ri; /* the base is an emoji */
	bool zwj = false;                            /* the last character was a ZWJ */
	bool toned = false;                          /* the emoji base has its modifier */
	while (i < n) {
		/* ASCII never extends anything: the common case stops at once. */
		if (u[i] < 0x80)
			break;
		uint32_t next = decode(u + i, n - i, &len);
		if (next == INVALID || is_control(next))
			break;
		unsigned nw = cp_width(next);
		if (nw == 0) {
			zwj = next == ZWJ;
			lone_ri = false;
		} else if (zwj && pict && is_pictographic(next) && w + nw <= WIDTH_CLUSTER_MAX) {
			w += nw;
			zwj = false;
			toned = false;
		} else if (lone_ri && is_regional(next)) {
			w += nw;
			lone_ri = false;
			pict = false;
		} else if (pict && !toned && is_modifier(next) && w + nw <= WIDTH_CLUSTER_MAX) {
			w += nw;
			toned = true;
			zwj = false;
		} else {
			break;
		}
		i += len;
	}
	*cols = w;
	return i;
}

size_t width_str(const char *s, size_t n)
{
	size_t col = 0, i = 0;
	while (i < n) {
		size_t len;
		if (s[i] == '\t') {
			col = (col / 8 + 1) * 8;
			i++;
			continue;
		}
		col += (size_t)width_char(s + i, n - i, &len);
		i += len;
	}
	return col;
}

size_t width_cut(const char *s, size_t n, size_t cols, size_t *used)
{
	size_t col = 0, i = 0;
	while (i < n) {
		unsigned w;
		size_t len = width_cluster(s + i, n - i, &w);
		if (s[i] == '\t')
			w = (unsigned)(8 - col % 8);
		if (col + w > cols)
			break;
		col += w;
		i += len;
	}
	if (used != NULL)
		*used = col;
	return i;
}
