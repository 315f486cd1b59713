/* SPDX-License-Identifier: GPL-3.0-or-later */
/* conversation: the messages of one thread, as the user sees them. */
#include "model/conversation.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

/* One reply may hold at most this much text (the wire cap is the same). */
#define MESSAGE_MAX ((size_t)64 << 20)

void conv_init(struct conversation *c)
{
	memset(c, 0, sizeof(*c));
}

static void msg_free(struct message *m)
{
	free(m->label);
	buf_done(&m->text);
	buf_done(&m->thinking);
	buf_done(&m->raw);
	attachments_done(&m->att);
	sanitizer_done(&m->san_text);
	sanitizer_done(&m->san_think);
	sources_done(&m->sources);
	free(m);
}

void conv_clear(struct conversation *c)
{
	for (size_t i = 0; i < c->n; i++)
		msg_free(c->v[i]);
	c->n = 0;
	c->version++;
	c->removals++;
}

void conv_done(struct conversation *c)
{
	conv_clear(c);
	free(c->v);
	memset(c, 0, sizeof(*c));
}

static void push(struct conversation *c, struct message *m);

struct message *conv_add(struct conversation *c, enum msg_kind kind, const char *label,
                         const char *text)
{
	struct message *m = xcalloc(1, sizeof(*m));
	m->kind = kind;
	m->label = xstrdup(label ? label : "");
	buf_init(&m->text, MESSAGE_MAX);
	buf_init(&m->thinking, MESSAGE_MAX);
	buf_init(&m->raw, MESSAGE_MAX);
	sanitizer_init(&m->san_text);
	sanitizer_init(&m->san_think);
	if (text != NULL) {
		sanitize_append(&m->text, text, strlen(text));
		buf_append_str(&m->raw, text);
	}
	push(c, m);
	return m;
}

static void push(struct conversation *c, struct message *m)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		c->v = xrealloc(c->v, c->cap * sizeof(*c->v));
	}
	c->v[c->n++] = m;
	c->version++;
}

struct message *conv_add_copy(struct conversation *c, const struct message *m)
{
	struct message *d = conv_add(c, m->kind, m->label, NULL);
	buf_append(&d->text, m->text.data ? m->text.data : "", m->text.len);
	buf_append(&d->thinking, m->thinking.data ? m->thinking.data : "", m->thinking.len);
	buf_append(&d->raw, m->raw.data ? m->raw.data : "", m->raw.len);
	memcpy(d->meta, m->meta, sizeof(d->meta));
	d->metrics = m->metrics;
	d->has_metrics = m->has_metrics;
	d->interrupted = m->interrupted;
	d->dropped = m->dropped;
	attachments_copy(&d->att, &m->att);
	sources_copy(&d->sources, &m->sources);
	return d;
}

void conv_move(struct conversation *dst, struct conversation *src, size_t from)
{
	for (size_t i = from; i < src->n; i++)
		push(dst, src->v[i]);
	if (from < src->n) {
		src->n = from;
		src->version++;
		src->removals++;
	}
}

struct message *conv_insert(struct conversation *c, size_t at, enum msg_kind kind,
                            const char *label, const char *text)
{
	struct message *m = conv_add(c, kind, label, text);
	if (at >= c->n - 1)
		return m;
	memmove(&c->v[at + 1], &c->v[at], (c->n - 1 - at) * sizeof(*c->v));
	c->v[at] = m;
	c->removals++; /* a view's messages moved: its positions are stale */
	return m;
}

size_t conv_index(const struct conversation *c, const struct message *m)
{
	for (size_t i = c->n; i-- > 0;)
		if (c->v[i] == m)
			return i;
	return c->n;
}

void conv_remove(struct conversation *c, struct message *m)
{
	size_t i = conv_index(c, m);
	if (i == c->n)
		return;
	memmove(&c->v[i], &c->v[i + 1], (c->n - 1 - i) * sizeof(*c->v));
	c->n--;
	c->version++;
	c->removals++;
	msg_free(m);
}

void msg_append_text(struct message *m, const char *p, size_t n)
{
	sanitizer_feed(&m->san_text, p, n, &m->text);
	buf_append(&m->raw, p, n);
	m->version++;
}

void msg_append_note(struct message *m, const char *line)
{
	/* raw is the text byte for byte until now: the history stores it once
	 * (model/history_row.c b_raw); from here it is kept apart. */
	bool nl = m->text.len == 0 || m->text.data[m->text.len - 1] == '\n';
	if (!nl)
		sanitizer_feed(&m->san_text, "\n", 1, &m->text);
	sanitizer_feed(&m->san_text, line, strlen(line), &m->text);
	sanitizer_feed(&m->san_text, "\n", 1, &m->text);
	m->version++;
}

void msg_take_text(struct message *m, struct buf *text)
{
	if (m->text.len == 0 && m->raw.len == 0 && text->len <= MESSAGE_MAX &&
	    sanitize_is_clean(buf_str(text), text->len)) {
		buf_done(&m->text);
		m->text = *text; /* the bytes change hands */
		m->text.max = MESSAGE_MAX;
		buf_init(text, 0);
	} else {
		msg_append_text(m, buf_str(text), text->len);
		buf_reset(text);
	}
	m->version++;
}

void msg_append_thinking(struct message *m, const char *p, size_t n)
{
	sanitizer_feed(&m->san_think, p, n, &m->thinking);
	m->version++;
}

void msg_reset_thinking(struct message *m)
{
	buf_reset(&m->thinking);
	sanitizer_done(&m->san_think);
	sanitizer_init(&m->san_think);
	m->thinking_resets++;
	m->version++;
}

void msg_finish(struct message *m, bool interrupted, const char *meta)
{
	sanitizer_finish(&m->san_text, &m->text);
	sanitizer_finish(&m->san_think, &m->thinking);
	m->streaming = false;
	m->interrupted = interrupted;
	snprintf(m->meta, sizeof(m->meta), "%s", meta ? meta : "");
	m->version++;
}
