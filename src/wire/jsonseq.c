/* SPDX-License-Identifier: GPL-3.0-or-later */
/* jsonseq: framing of a streamed JSON array and of NDJSON. */
#include "wire/jsonseq.h"

#include <string.h>

#include "wire/framecap.h"

void jsonseq_init(struct jsonseq *s, enum jsonseq_mode mode, size_t max, jsonseq_frame_fn fn,
                  void *ctx)
{
	memset(s, 0, sizeof(*s));
	s->mode = mode;
	s->fn = fn;
	s->ctx = ctx;
	s->max = max ? max : (1u << 20);
	s->big = s->max;
	buf_init(&s->frame, s->max);
}

void jsonseq_done(struct jsonseq *s)
{
	buf_done(&s->frame);
}

static int fail(struct jsonseq *s)
{
	s->failed = true;
	if (s->failed_cap == 0)
		s->failed_cap = s->frame.max;
	buf_done(&s->frame);
	return -1;
}

/* Appends to the value that spans reads, under its cap (wire/framecap.h). */
static int append(struct jsonseq *s, const char *p, size_t n)
{
	framecap_fit(&s->frame, s->big, p, n);
	return buf_append(&s->frame, p, n);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Hands over one value: from the carried-over bytes plus p[0..n) if a
 * previous read started it, else straight from p. */
static int emit(struct jsonseq *s, const char *p, size_t n)
{
	if (s->frame.len > 0) {
		if (append(s, p, n) < 0)
			return -1;
		p = s->frame.data;
		n = s->frame.len;
	} else if (n > s->max && (n > s->big || !framecap_image(p, n, NULL, 0, s->max))) {
		s->failed_cap = n > s->big && s->big > s->max ? s->big : s->max;
		return -1;
	}
	while (n > 0 && is_space(p[n - 1]))
		n--;
	size_t lead = 0;
	while (lead < n && is_space(p[lead]))
		lead++;
	if (n > lead) {
		s->frames++;
		s->fn(s->ctx, p + lead, n - lead);
	}
	buf_reset(&s->frame);
	framecap_reset(&s->frame, s->max);
	return 0;
}

/* Scans a value from p[0]; returns how many bytes it consumed, and sets
 * *done when the value closed within them. */
static size_t scan_value(struct jsonseq *s, const char *p, size_t n, bool *done)
{
	*done = false;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (s->in_string) {
			if (s->escape)
				s->escape = false;
			else if (c == '\\')
				s->escape = true;
			else if (c == '"')
				s->in_string = false;
			continue;
		}
		if (c == '"') {
			s->in_string = true;
		} else if (c == '{' || c == '[') {
			s->depth++;
		} else if (c == '}' || c == ']') {
			if (--s->depth == 0) {
				*done = true;
				return i + 1;
			}
		}
	}
	return n;
}

static int feed_array(struct jsonseq *s, const char *p, size_t n)
{
	size_t i = 0;
	while (i < n) {
		if (!s->in_value) {
			char c = p[i];
			if (is_space(c) || c == ',') {
				i++;
				continue;
			}
			if (c == '[' && !s->opened && !s->closed) {
				s->opened = true;
				i++;
				continue;
			}
			if (c == ']' && s->opened) {
				s->closed = true;
				s->opened = false;
				i++;
				continue;
			}
			if (c != '{' && c != '[') {
				s->junk++;
				i++;
				continue;
			}
			s->in_value = true;
			s->depth = 0;
		}
		bool done;
		size_t used = scan_value(s, p + i, n - i, &done);
		if (!done) {
			if (append(s, p + i, used) < 0)
				return fail(s);
			return 0;
		}
		s->in_value = false;
		if (emit(s, p + i, used) < 0)
			return fail(s);
		i += used;
	}
	return 0;
}

static int feed_ndjson(struct jsonseq *s, const char *p, size_t n)
{
	size_t i = 0;
	while (i < n) {
		const char *lf = memchr(p + i, '\n', n - i);
		if (lf == NULL) {
			if (append(s, p + i, n - i) < 0)
				return fail(s);
			return 0;
		}
		size_t len = (size_t)(lf - (p + i));
		if (emit(s, p + i, len) < 0)
			return fail(s);
		i += len + 1;
	}
	return 0;
}

int jsonseq_feed(struct jsonseq *s, const char *p, size_t n)
{
	if (s->failed)
		return -1;
	return s->mode == JSONSEQ_ARRAY ? feed_array(s, p, n) : feed_ndjson(s, p, n);
}

void jsonseq_finish(struct jsonseq *s)
{
	if (!s->failed && s->mode == JSONSEQ_NDJSON && s->frame.len > 0)
		emit(s, "", 0);
	buf_reset(&s->frame);
	framecap_reset(&s->frame, s->max);
	s->in_value = false;
	s->in_string = false;
	s->escape = false;
	s->depth = 0;
}
