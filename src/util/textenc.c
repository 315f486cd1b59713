/* SPDX-License-Identifier: GPL-3.0-or-later */
/* textenc: UTF-16 with a BOM to UTF-8; NULs and invalid UTF-8 found. */
#include "util/textenc.h"

#include <stdbool.h>
#include <string.h>

#include "util/utf8.h"

static int fail(struct textenc_error *err, enum textenc_problem problem,
                enum textenc_found found, size_t offset, unsigned char byte)
{
	err->problem = problem;
	err->found = found;
	err->offset = offset;
	err->byte = byte;
	return -1;
}

/* UTF-8 from base on: the first NUL or invalid byte, whichever comes first. */
static int check_utf8(const char *p, size_t n, size_t base, enum textenc_found found,
                      struct textenc_error *err)
{
	const char *nul = memchr(p, '\0', n);
	size_t upto = nul != NULL ? (size_t)(nul - p) : n;
	size_t ok = utf8_valid_prefix(p, upto);
	if (ok < upto)
		return fail(err, TEXTENC_BAD_UTF8, found, base + ok, (unsigned char)p[ok]);
	if (nul != NULL)
		return fail(err, TEXTENC_NUL, found, base + upto, 0);
	return 0;
}

int textenc_check_utf8(const char *p, size_t n, struct textenc_error *err)
{
	return check_utf8(p, n, 0, TEXTENC_UTF8, err);
}

static unsigned unit_at(const unsigned char *s, bool le)
{
	return le ? (unsigned)s[0] | (unsigned)s[1] << 8 : (unsigned)s[0] << 8 | (unsigned)s[1];
}

/* The UTF-16 code units after the 2-byte BOM. */
static int from_utf16(const char *p, size_t n, enum textenc_found found, struct buf *out,
                      struct textenc_error *err)
{
	const unsigned char *s = (const unsigned char *)p;
	bool le = found == TEXTENC_UTF16LE;
	size_t i = 2;
	while (i + 1 < n) {
		unsigned long cp = unit_at(s + i, le);
		size_t at = i;
		i += 2;
		if (cp >= 0xDC00 && cp <= 0xDFFF)
			return fail(err, TEXTENC_LONE_SURROGATE, found, at, 0);
		if (cp >= 0xD800 && cp <= 0xDBFF) {
			unsigned lo = i + 1 < n ? unit_at(s + i, le) : 0;
			if (lo < 0xDC00 || lo > 0xDFFF)
				return fail(err, TEXTENC_LONE_SURROGATE, found, at, 0);
			cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			i += 2;
		}
		if (cp == 0)
			return fail(err, TEXTENC_NUL, found, at, 0);
		char enc[4];
		if (buf_append(out, enc, utf8_encode(cp, enc)) < 0)
			return fail(err, TEXTENC_TOO_LONG, found, at, 0);
	}
	if (i < n)
		return fail(err, TEXTENC_ODD_LENGTH, found, i, 0);
	return (int)found;
}

int textenc_to_utf8(const char *p, size_t n, struct buf *out, struct textenc_error *err)
{
	const unsigned char *s = (const unsigned char *)p;
	if (n >= 2 && s[0] == 0xFF && s[1] == 0xFE)
		return from_utf16(p, n, TEXTENC_UTF16LE, out, err);
	if (n >= 2 && s[0] == 0xFE && s[1] == 0xFF)
		return from_utf16(p, n, TEXTENC_UTF16BE, out, err);
	enum textenc_found found = TEXTENC_UTF8;
	size_t skip = 0;
	if (n >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF) {
		found = TEXTENC_UTF8_BOM;
		skip = 3;
	}
	if (check_utf8(p + skip, n - skip, skip, found, err) < 0)
		return -1;
	if (buf_append(out, p + skip, n - skip) < 0)
		return fail(err, TEXTENC_TOO_LONG, found, 0, 0);
	return (int)found;
}

const char *textenc_name(enum textenc_found f)
{
	switch (f) {
	case TEXTENC_UTF16LE: return "UTF-16LE";
	case TEXTENC_UTF16BE: return "UTF-16BE";
	case TEXTENC_UTF8:
	case TEXTENC_UTF8_BOM: break;
	}
	return "UTF-8";
}
