/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fastjson: a strict, conservative JSON scanner for the decoders' fast path.
 * Sound, not complete: see fastjson.h. */
#include "wire/fastjson.h"

#include <string.h>

#include "util/jsonesc.h"

/* jansson holds nesting to 2048; the chunks we read are 3 deep. */
#define FJ_DEPTH_MAX 32
#define FJ_DIGITS_MAX 18

void fj_ws(const char **p, const char *end)
{
	const char *q = *p;
	while (q < end && (*q == ' ' || *q == '\n' || *q == '\r' || *q == '\t'))
		q++;
	*p = q;
}

bool fj_eat(const char **p, const char *end, char c)
{
	fj_ws(p, end);
	if (*p >= end || **p != c)
		return false;
	(*p)++;
	return true;
}

/* Four hex digits at q (q + 4 <= end checked by the caller). */
static long hex4(const char *q)
{
	long v = 0;
	for (int i = 0; i < 4; i++) {
		int h = jsonesc_hex(q[i]);
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/* A \uXXXX escape at q (q[0] the backslash, q[1] the 'u'), with the low
 * half after a high surrogate: the byte past it, or NULL for what jansson
 * refuses (bad digits, a lone or unpaired surrogate) or what is cut short. */
static const char *unicode_escape(const char *q, const char *end)
{
	if (end - q < 6)
		return NULL;
	long v = hex4(q + 2);
	if (v < 0 || (v >= 0xDC00 && v <= 0xDFFF))
		return NULL; /* a lone low surrogate: jansson refuses */
	q += 6;
	if (v < 0xD800 || v > 0xDBFF)
		return q;
	/* A high surrogate must be followed by its low half. */
	if (end - q < 6 || q[0] != '\\' || q[1] != 'u')
		return NULL;
	long lo = hex4(q + 2);
	if (lo < 0xDC00 || lo > 0xDFFF)
		return NULL;
	return q + 6;
}

/* The escape at q (q[0] the backslash, q + 1 < end): the byte past it, or
 * NULL when jansson would refuse it. Out of fj_string's loop, which a
 * string without escapes runs alone. */
static const char *escape(const char *q, const char *end)
{
	switch (q[1]) {
	case '"':
	case '\\':
	case '/':
	case 'b':
	case 'f':
	case 'n':
	case 'r':
	case 't': return q + 2;
	case 'u': return unicode_escape(q, end);
	default: return NULL;
	}
}

bool fj_string(const char **p, const char *end, struct fj_str *out)
{
	const char *q = *p;
	if (q >= end || *q != '"')
		return false;
	q++;
	out->p = q;
	out->escaped = false;
	for (;;) {
		/* The plain run first: most strings have no escape at all. */
		while (q < end && *q != '"' && *q != '\\' && (unsigned char)*q >= 0x20)
			q++;
		if (q >= end || (unsigned char)*q < 0x20)
			return false; /* unterminated, or a raw control byte */
		if (*q == '"')
			break;
		out->escaped = true;
		if (q + 1 >= end)
			return false;
		q = escape(q, end);
		if (q == NULL)
			return false;
	}
	out->n = (size_t)(q - out->p);
	*p = q + 1;
	return true;
}

bool fj_peek(const char **p, const char *end, enum fj_kind *kind)
{
	fj_ws(p, end);
	if (*p >= end)
		return false;
	switch (**p) {
	case '"': *kind = FJ_STRING; return true;
	case '{': *kind = FJ_OBJECT; return true;
	case '[': *kind = FJ_ARRAY; return true;
	case 't': *kind = FJ_TRUE; return true;
	case 'f': *kind = FJ_FALSE; return true;
	case 'n': *kind = FJ_NULL; return true;
	default:
		if (**p == '-' || (**p >= '0' && **p <= '9')) {
			*kind = FJ_NUMBER;
			return true;
		}
		return false;
	}
}

bool fj_int(const char **p, const char *end, long long *out)
{
	fj_ws(p, end);
	const char *q = *p;
	bool neg = q < end && *q == '-';
	if (neg)
		q++;
	const char *digits = q;
	long long v = 0;
	while (q < end && *q >= '0' && *q <= '9') {
		if (q - digits == FJ_DIGITS_MAX)
			return false; /* a 19th digit: jansson may not hold it (nor may v) */
		v = v * 10 + (*q - '0');
		q++;
	}
	size_t n = (size_t)(q - digits);
	if (n == 0 || (n > 1 && digits[0] == '0'))
		return false;
	/* A fraction or an exponent makes a real: not ours to read. A letter
	 * right after is jansson's error to report. */
	if (q < end && (*q == '.' || *q == 'e' || *q == 'E' || (*q >= 'a' && *q <= 'z') ||
	                (*q >= 'A' && *q <= 'Z')))
		return false;
	*out = neg ? -v : v;
	*p = q;
	return true;
}

static bool literal(const char **p, const char *end, const char *lit)
{
	size_t n = strlen(lit);
	if ((size_t)(end - *p) < n || memcmp(*p, lit, n) != 0)
		return false;
	*p += n;
	/* "nullx" is one bad token to jansson, not null then junk. */
	if (*p < end && ((**p >= 'a' && **p <= 'z') || (**p >= 'A' && **p <= 'Z') ||
	                 (**p >= '0' && **p <= '9') || **p == '_'))
		return false;
	return true;
}

bool fj_object_begin(const char **p, const char *end)
{
	return fj_eat(p, end, '{');
}

bool fj_member(const char **p, const char *end, bool *first, struct fj_str *key, bool *done)
{
	*done = false;
	fj_ws(p, end);
	if (*p >= end)
		return false;
	if (**p == '}' && *first) {
		(*p)++;
		*done = true;
		return false;
	}
	if (!*first) {
		if (**p == '}') {
			(*p)++;
			*done = true;
			return false;
		}
		if (**p != ',')
			return false;
		(*p)++;
		fj_ws(p, end);
	}
	*first = false;
	if (!fj_string(p, end, key) || key->escaped)
		return false;
	if (!fj_eat(p, end, ':'))
		return false;
	fj_ws(p, end);
	return true;
}

bool fj_array_begin(const char **p, const char *end)
{
	return fj_eat(p, end, '[');
}

bool fj_element(const char **p, const char *end, bool *first, bool *done)
{
	*done = false;
	fj_ws(p, end);
	if (*p >= end)
		return false;
	if (**p == ']' && *first) {
		(*p)++;
		*done = true;
		return false;
	}
	if (!*first) {
		if (**p == ']') {
			(*p)++;
			*done = true;
			return false;
		}
		if (**p != ',')
			return false;
		(*p)++;
	}
	*first = false;
	fj_ws(p, end);
	return true;
}

bool fj_skip(const char **p, const char *end, int depth)
{
	enum fj_kind kind;
	if (depth > FJ_DEPTH_MAX || !fj_peek(p, end, &kind))
		return false;
	struct fj_str s;
	long long v;
	bool first = true, done = false;
	switch (kind) {
	case FJ_STRING:
		return fj_string(p, end, &s);
	case FJ_NUMBER:
		return fj_int(p, end, &v);
	case FJ_TRUE:
		return literal(p, end, "true");
	case FJ_FALSE:
		return literal(p, end, "false");
	case FJ_NULL:
		return literal(p, end, "null");
	case FJ_OBJECT:
		(*p)++;
		while (fj_member(p, end, &first, &s, &done))
			if (!fj_skip(p, end, depth + 1))
				return false;
		return done;
	case FJ_ARRAY:
		(*p)++;
		while (fj_element(p, end, &first, &done))
			if (!fj_skip(p, end, depth + 1))
				return false;
		return done;
	}
	return false;
}

static void put_utf8(struct buf *b, unsigned long c)
{
	char u[4];
	size_t n;
	if (c < 0x80) {
		u[0] = (char)c;
		n = 1;
	} else if (c < 0x800) {
		u[0] = (char)(0xC0 | (c >> 6));
		u[1] = (char)(0x80 | (c & 0x3F));
		n = 2;
	} else if (c < 0x10000) {
		u[0] = (char)(0xE0 | (c >> 12));
		u[1] = (char)(0x80 | ((c >> 6) & 0x3F));
		u[2] = (char)(0x80 | (c & 0x3F));
		n = 3;
	} else {
		u[0] = (char)(0xF0 | (c >> 18));
		u[1] = (char)(0x80 | ((c >> 12) & 0x3F));
		u[2] = (char)(0x80 | ((c >> 6) & 0x3F));
		u[3] = (char)(0x80 | (c & 0x3F));
		n = 4;
	}
	buf_append(b, u, n);
}

const char *fj_decode(const struct fj_str *s, struct buf *scratch, size_t *n)
{
	if (!s->escaped) {
		*n = s->n;
		return s->p;
	}
	buf_reset(scratch);
	const char *q = s->p, *end = s->p + s->n;
	while (q < end) {
		const char *bs = memchr(q, '\\', (size_t)(end - q));
		if (bs == NULL) {
			buf_append(scratch, q, (size_t)(end - q));
			break;
		}
		buf_append(scratch, q, (size_t)(bs - q));
		char e = bs[1];
		q = bs + 2;
		switch (e) {
		case 'b': buf_append_char(scratch, '\b'); break;
		case 'f': buf_append_char(scratch, '\f'); break;
		case 'n': buf_append_char(scratch, '\n'); break;
		case 'r': buf_append_char(scratch, '\r'); break;
		case 't': buf_append_char(scratch, '\t'); break;
		case 'u': {
			/* fj_string checked the digits and the pairs. */
			unsigned long c = (unsigned long)hex4(q);
			q += 4;
			if (c >= 0xD800 && c <= 0xDBFF) {
				unsigned long lo = (unsigned long)hex4(q + 2);
				q += 6;
				c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
			}
			put_utf8(scratch, c);
			break;
		}
		default: buf_append_char(scratch, e); break; /* " \ / */
		}
	}
	*n = scratch->len;
	return scratch->data ? scratch->data : "";
}

bool fj_maybe_string(const char **p, const char *end, struct fj_str *out, bool *has, int depth)
{
	enum fj_kind k;
	if (!fj_peek(p, end, &k))
		return false;
	*has = k == FJ_STRING;
	return *has ? fj_string(p, end, out) : fj_skip(p, end, depth);
}

bool fj_once(unsigned *seen, unsigned bit)
{
	if (*seen & bit)
		return false;
	*seen |= bit;
	return true;
}

bool fj_end(const char **p, const char *end)
{
	fj_ws(p, end);
	return *p == end;
}
