/* SPDX-License-Identifier: GPL-3.0-or-later */
/* jsonesc: write JSON string literals in one canonical form. */
#include "util/jsonesc.h"

int jsonesc_append(struct buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t run = 0;
	if (buf_append_char(out, '"') < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = p[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		if (i > run && buf_append(out, p + run, i - run) < 0)
			return -1;
		run = i + 1;
		char esc[6] = {'\\', 0, 0, 0, 0, 0};
		size_t len = 2;
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		default:
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			len = 6;
		}
		if (buf_append(out, esc, len) < 0)
			return -1;
	}
	if (n > run && buf_append(out, p + run, n - run) < 0)
		return -1;
	return buf_append_char(out, '"');
}
