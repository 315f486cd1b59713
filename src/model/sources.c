/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sources: a reply's cited sources, each URL once. */
#include "model/sources.h"

#include <stdlib.h>
#include <string.h>

#include "util/glyphs.h"
#include "util/mem.h"

void sources_init(struct sources *s)
{
	memset(s, 0, sizeof(*s));
}

void sources_done(struct sources *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].url);
		free(s->v[i].title);
	}
	free(s->v);
	sources_init(s);
}

size_t sources_add(struct sources *s, const char *url, const char *title)
{
	if (url == NULL || *url == '\0')
		return 0;
	if (title == NULL)
		title = "";
	for (size_t i = 0; i < s->n; i++) {
		if (strcmp(s->v[i].url, url) != 0)
			continue;
		if (*s->v[i].title == '\0' && *title != '\0') {
			free(s->v[i].title);
			s->v[i].title = xstrdup(title);
		}
		return i + 1;
	}
	if (s->n == SOURCES_MAX)
		return 0;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 8;
		s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
	}
	s->v[s->n].url = xstrdup(url);
	s->v[s->n].title = xstrdup(title);
	return ++s->n;
}

void sources_copy(struct sources *dst, const struct sources *src)
{
	for (size_t i = 0; i < src->n; i++)
		sources_add(dst, src->v[i].url, src->v[i].title);
}

/* s with the characters that would end a Markdown link's text escaped. */
static void md_text(struct buf *out, const char *s)
{
	for (; *s; s++) {
		if (strchr("[]\\`*_<>", *s) != NULL)
			buf_append_char(out, '\\');
		buf_append_char(out, *s);
	}
}

/* A URL as a Markdown link destination: the characters that would end or
 * split it percent-encoded. */
static void md_url(struct buf *out, const char *s)
{
	for (; *s; s++) {
		if (*s == ' ' || *s == '(' || *s == ')' || *s == '<' || *s == '>')
			buf_printf(out, "%%%02X", (unsigned char)*s);
		else
			buf_append_char(out, *s);
	}
}

void sources_format(const struct sources *s, enum sources_style style, struct buf *out)
{
	if (s->n == 0)
		return;
	buf_append_str(out, "Sources:\n");
	for (size_t i = 0; i < s->n; i++) {
		const struct source *src = &s->v[i];
		buf_printf(out, "%zu. ", i + 1);
		if (style == SOURCES_MARKDOWN) {
			buf_append_char(out, '[');
			md_text(out, *src->title ? src->title : src->url);
			buf_append_str(out, "](");
			md_url(out, src->url);
			buf_append_char(out, ')');
		} else if (*src->title) {
			buf_printf(out, "%s %s %s", src->title, glyphs_utf8() ? "\xe2\x80\x94" : "-",
			           src->url);
		} else {
			buf_append_str(out, src->url);
		}
		buf_append_char(out, '\n');
	}
}
