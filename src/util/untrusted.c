/* SPDX-License-Identifier: GPL-3.0-or-later */
/* untrusted: the one door for every string a server controls. */
#include "util/untrusted.h"

#include <stdbool.h>

#include "util/redact.h"
#include "util/utf8.h"

#define C1_PLACEHOLDER "\xE2\x90\xA6" /* U+2426 */

/* Length of the valid UTF-8 character at p[0..n) and its code point; 0
 * when the bytes there are not one (cut, overlong, surrogate, too big). */
static size_t char_at(const unsigned char *p, size_t n, unsigned long *cp)
{
	unsigned char c = p[0];
	size_t len = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3
	           : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
	if (len == 0 || len > n)
		return 0;
	unsigned long v = len == 1 ? c : len == 2 ? c & 0x1Fu : len == 3 ? c & 0x0Fu : c & 0x07u;
	for (size_t k = 1; k < len; k++) {
		if ((p[k] & 0xC0) != 0x80)
			return 0;
		v = v << 6 | (p[k] & 0x3Fu);
	}
	static const unsigned long least[] = {0, 0, 0x80, 0x800, 0x10000};
	if (v < least[len] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	*cp = v;
	return len;
}

static bool is_bidi(unsigned long cp)
{
	return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

/* p[0..n) is valid UTF-8: each character as untrusted_field says. */
static void neutralise(struct buf *out, const unsigned char *p, size_t n)
{
	size_t i = 0, run = 0;
	while (i < n) {
		unsigned long cp = 0;
		size_t len = char_at(p + i, n - i, &cp);
		if (len == 0)
			len = 1; /* cannot happen after utf8_repair; stay safe */
		bool ctl = cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) || is_bidi(cp);
		if (!ctl) {
			i += len;
			continue;
		}
		buf_append(out, p + run, i - run);
		if (cp == '\n' || cp == '\t') {
			buf_append_char(out, ' ');
		} else if (cp < 0x20 || cp == 0x7F) {
			char u[3] = {'\xE2', '\x90', (char)(cp == 0x7F ? 0xA1 : 0x80 + cp)};
			buf_append(out, u, 3);
		} else if (cp <= 0x9F) {
			buf_append_str(out, C1_PLACEHOLDER);
		} else {
			buf_append_str(out, UTF8_REPLACEMENT);
		}
		i += len;
		run = i;
	}
	buf_append(out, p + run, n - run);
}

void untrusted_field(struct buf *out, const char *p, size_t n)
{
	struct buf red, valid;
	buf_init(&red, 0);
	buf_init(&valid, 0);
	redact_append(&red, p, n);
	utf8_repair(red.data != NULL ? red.data : "", red.len, &valid);
	neutralise(out, (const unsigned char *)buf_str(&valid), valid.len);
	buf_done(&valid);
	buf_done(&red);
}

/* One character (or one bad byte) of untrusted_escape. */
static void escape_one(struct buf *out, const unsigned char *p, size_t len, unsigned long cp)
{
	if (len == 0) {
		buf_printf(out, "\\x%02x", p[0]);
	} else if (cp == '\\') {
		buf_append_str(out, "\\\\");
	} else if (cp == '\n' || cp == '\r' || cp == '\t') {
		buf_append_str(out, cp == '\n' ? "\\n" : cp == '\r' ? "\\r" : "\\t");
	} else if (cp < 0x20 || cp == 0x7F) {
		buf_printf(out, "\\x%02lx", cp);
	} else if ((cp >= 0x80 && cp <= 0x9F) || is_bidi(cp)) {
		buf_printf(out, "\\u%04lx", cp);
	} else {
		buf_append(out, p, len);
	}
}

void untrusted_escape(struct buf *out, const char *p, size_t n)
{
	struct buf red;
	buf_init(&red, 0);
	redact_append(&red, p, n);
	const unsigned char *u = (const unsigned char *)buf_str(&red);
	for (size_t i = 0; i < red.len;) {
		unsigned long cp = 0;
		size_t len = char_at(u + i, red.len - i, &cp);
		escape_one(out, u + i, len, cp);
		i += len > 0 ? len : 1;
	}
	buf_done(&red);
}
