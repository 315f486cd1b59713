/* SPDX-License-Identifier: GPL-3.0-or-later */
/* jsonesc: write JSON string literals in one canonical form. */
#include "util/jsonesc.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

static const char hex[] = "0123456789abcdef";

/* The code point a terminal or a JavaScript reader would act on at p[i]
 * (C1 U+0080..U+009F, U+2028/U+2029, bidi U+202A..U+202E and
 * U+2066..U+2069) and its length; 0 if none is there. */
static size_t hazard_at(const unsigned char *p, size_t i, size_t n, unsigned *cp)
{
	if (p[i] == 0xC2 && i + 1 < n && p[i + 1] >= 0x80 && p[i + 1] <= 0x9F) {
		*cp = p[i + 1];
		return 2;
	}
	if (p[i] != 0xE2 || i + 2 >= n)
		return 0;
	unsigned v = 0x2000u | (unsigned)(p[i + 1] & 0x3F) << 6 | (p[i + 2] & 0x3F);
	bool bad = (p[i + 1] == 0x80 && p[i + 2] >= 0xA8 && p[i + 2] <= 0xAE) ||
	           (p[i + 1] == 0x81 && p[i + 2] >= 0xA6 && p[i + 2] <= 0xA9);
	if (!bad)
		return 0;
	*cp = v;
	return 3;
}

static int escape_cp(struct buf *out, unsigned cp)
{
	char esc[6] = {'\\', 'u', hex[cp >> 12 & 15], hex[cp >> 8 & 15], hex[cp >> 4 & 15],
	               hex[cp & 15]};
	return buf_append(out, esc, 6);
}

static int escape_byte(struct buf *out, unsigned char c)
{
	char esc[2] = {'\\', 0};
	switch (c) {
	case '"': esc[1] = '"'; break;
	case '\\': esc[1] = '\\'; break;
	case '\n': esc[1] = 'n'; break;
	case '\r': esc[1] = 'r'; break;
	case '\t': esc[1] = 't'; break;
	case '\b': esc[1] = 'b'; break;
	case '\f': esc[1] = 'f'; break;
	default: return escape_cp(out, c);
	}
	return buf_append(out, esc, 2);
}

int jsonesc_body(struct buf *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = p[i];
		unsigned cp = 0;
		size_t len = 1;
		if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7F) {
			if (c < 0xC2 || (len = hazard_at(p, i, n, &cp)) == 0)
				continue;
		}
		if (i > run && buf_append(out, p + run, i - run) < 0)
			return -1;
		if ((cp != 0 ? escape_cp(out, cp) : escape_byte(out, c)) < 0)
			return -1;
		i += len - 1;
		run = i + 1;
	}
	return n > run ? buf_append(out, p + run, n - run) : 0;
}

int jsonesc_append(struct buf *out, const char *s, size_t n)
{
	if (buf_append_char(out, '"') < 0 || jsonesc_body(out, s, n) < 0)
		return -1;
	return buf_append_char(out, '"');
}

int jsonesc_harden(struct buf *out, const char *json, size_t n)
{
	const unsigned char *p = (const unsigned char *)json;
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned cp = p[i];
		size_t len = 1;
		if (p[i] != 0x7F && (p[i] < 0xC2 || (len = hazard_at(p, i, n, &cp)) == 0))
			continue;
		if ((i > run && buf_append(out, p + run, i - run) < 0) || escape_cp(out, cp) < 0)
			return -1;
		i += len - 1;
		run = i + 1;
	}
	return n > run ? buf_append(out, p + run, n - run) : 0;
}

int jsonesc_number(struct buf *out, double v)
{
	if (!isfinite(v) || v < 0)
		return buf_append_str(out, "null");
	char s[40];
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(s, sizeof(s), "%.*g", prec, v);
		if (strtod(s, NULL) == v)
			break;
	}
	return buf_append_str(out, s);
}
