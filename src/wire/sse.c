/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sse: incremental parser for the WHATWG "text/event-stream" format. */
#include "wire/sse.h"

#include <string.h>

#include "util/utf8.h"
#include "wire/framecap.h"

static const unsigned char bom_bytes[3] = {0xEF, 0xBB, 0xBF};

void sse_init(struct sse_parser *p, size_t max, sse_event_fn fn, void *ctx)
{
	memset(p, 0, sizeof(*p));
	p->fn = fn;
	p->ctx = ctx;
	p->max = max ? max : SSE_DEFAULT_MAX;
	p->big = p->max;
	buf_init(&p->line, p->max);
	buf_init(&p->data, p->max);
	buf_init(&p->type, 0);
	buf_init(&p->id, 0);
	p->retry = -1;
	p->block_retry = -1;
}

void sse_done(struct sse_parser *p)
{
	buf_done(&p->line);
	buf_done(&p->data);
	buf_done(&p->type);
	buf_done(&p->id);
}

/* Appends a field value, replacing invalid UTF-8. */
static int put_value(struct buf *b, const char *v, size_t n)
{
	if (utf8_valid(v, n))
		return buf_append(b, v, n);
	return utf8_repair(v, n, b);
}

static void dispatch(struct sse_parser *p)
{
	long long retry = p->block_retry;
	p->block_retry = -1;
	if (p->data.len == 0) {
		buf_reset(&p->type);
		return;
	}
	p->data.data[--p->data.len] = '\0'; /* the one final LF */
	struct sse_event ev = {
		.type = p->type.len ? p->type.data : "message",
		.type_len = p->type.len ? p->type.len : 7,
		.data = p->data.data,
		.data_len = p->data.len,
		.id = buf_str(&p->id),
		.id_len = p->id.len,
		.retry = retry,
	};
	p->events++;
	p->fn(p->ctx, &ev);
	buf_reset(&p->data);
	framecap_reset(&p->data, p->max);
	buf_reset(&p->type);
}

static bool all_digits(const char *v, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (v[i] < '0' || v[i] > '9')
			return false;
	return true;
}

/* One complete line, without its terminator. Returns -1 past the cap. */
static int line(struct sse_parser *p, const char *s, size_t n)
{
	if (n == 0) {
		dispatch(p);
		return 0;
	}
	if (s[0] == ':')
		return 0;
	const char *colon = memchr(s, ':', n);
	size_t flen = colon ? (size_t)(colon - s) : n;
	const char *v = colon ? colon + 1 : s + n;
	size_t vlen = colon ? n - flen - 1 : 0;
	if (vlen > 0 && v[0] == ' ') {
		v++;
		vlen--;
	}
	if (flen == 4 && memcmp(s, "data", 4) == 0) {
		framecap_fit(&p->data, p->big, v, vlen + 1);
		if (put_value(&p->data, v, vlen) < 0 || buf_append_char(&p->data, '\n') < 0)
			return -1;
	} else if (flen == 5 && memcmp(s, "event", 5) == 0) {
		buf_reset(&p->type);
		put_value(&p->type, v, vlen);
	} else if (flen == 2 && memcmp(s, "id", 2) == 0) {
		if (memchr(v, '\0', vlen) == NULL) {
			buf_reset(&p->id);
			put_value(&p->id, v, vlen);
		}
	} else if (flen == 5 && memcmp(s, "retry", 5) == 0) {
		if (all_digits(v, vlen)) {
			long long r = 0;
			for (size_t i = 0; i < vlen; i++)
				r = r > (1LL << 50) ? r : r * 10 + (v[i] - '0');
			p->retry = r;
			p->block_retry = r;
		}
	}
	return 0;
}

/* cap: the one the failing line or event passed. */
static int fail(struct sse_parser *p, size_t cap)
{
	p->failed = true;
	p->failed_cap = cap;
	buf_done(&p->line);
	buf_done(&p->data);
	return -1;
}

/* Position of the first CR or LF in s[0..n), or n. */
static size_t line_end(const char *s, size_t n)
{
	const char *lf = memchr(s, '\n', n);
	size_t end = lf ? (size_t)(lf - s) : n;
	const char *cr = memchr(s, '\r', end);
	return cr ? (size_t)(cr - s) : end;
}

int sse_feed(struct sse_parser *p, const char *bytes, size_t n)
{
	if (p->failed)
		return -1;
	size_t i = 0;
	/* A BOM counts only at byte 0 of the whole stream, and may arrive split. */
	while (p->bom < 3 && i < n) {
		if ((unsigned char)bytes[i] == bom_bytes[p->bom]) {
			p->bom++;
			i++;
			continue;
		}
		/* Not a BOM after all: what we held starts the first line. */
		buf_append(&p->line, bom_bytes, p->bom);
		p->bom = 3;
	}
	if (p->skip_lf && i < n) {
		p->skip_lf = false;
		if (bytes[i] == '\n')
			i++;
	}
	while (i < n) {
		size_t len = line_end(bytes + i, n - i);
		if (i + len == n) {
			framecap_fit(&p->line, p->big, bytes + i, len);
			if (buf_append(&p->line, bytes + i, len) < 0)
				return fail(p, p->line.max);
			break;
		}
		int rc;
		if (p->line.len > 0) {
			framecap_fit(&p->line, p->big, bytes + i, len);
			if (buf_append(&p->line, bytes + i, len) < 0)
				return fail(p, p->line.max);
			rc = line(p, p->line.data, p->line.len);
			buf_reset(&p->line);
			framecap_reset(&p->line, p->max);
		} else {
			if (len > p->max && (len > p->big || !framecap_image(bytes + i, len, NULL, 0, p->max)))
				return fail(p, len > p->big && p->big > p->max ? p->big : p->max);
			rc = line(p, bytes + i, len);
		}
		if (rc < 0)
			return fail(p, p->data.max);
		i += len + 1;
		if (bytes[i - 1] == '\r') {
			if (i == n)
				p->skip_lf = true;
			else if (bytes[i] == '\n')
				i++;
		}
	}
	return 0;
}

void sse_finish(struct sse_parser *p)
{
	buf_reset(&p->line);
	buf_reset(&p->data);
	framecap_reset(&p->line, p->max);
	framecap_reset(&p->data, p->max);
	buf_reset(&p->type);
	p->block_retry = -1;
	p->skip_lf = false;
}
