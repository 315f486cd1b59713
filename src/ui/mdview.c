/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mdview: a message's Markdown on the screen, fed as it streams. */
#include "ui/mdview.h"

#include <string.h>

#include "util/width.h"

bool mdview_feed(struct mdview *v, const struct buf *b, unsigned long resets, int width,
                 bool streaming)
{
	bool changed = false;
	/* Text only grows, but for thinking dropped by a fallback (resets) and
	 * a finished text that grows again: then render it from its start. */
	if (v->doc != NULL && (resets != v->resets || b->len < v->fed || (v->done && b->len > v->fed)))
		mdview_done(v);
	if (v->doc == NULL) {
		v->doc = md_new(width < 20 ? 20 : width);
		v->resets = resets;
		changed = true;
	}
	if (b->len > v->fed) {
		md_append(v->doc, b->data + v->fed, b->len - v->fed);
		v->fed = b->len;
		changed = true;
	}
	if (!streaming && !v->done) {
		md_finish(v->doc);
		v->done = true;
		changed = true;
	}
	return changed;
}

size_t mdview_count(const struct mdview *v)
{
	return v->doc != NULL ? md_count(v->doc) : 0;
}

const struct md_line *mdview_line(const struct mdview *v, size_t i)
{
	return md_line_at(v->doc, i);
}

void mdview_done(struct mdview *v)
{
	md_free(v->doc);
	memset(v, 0, sizeof(*v));
}

static enum theme_element token_element(enum hl_token t)
{
	switch (t) {
	case HL_KEYWORD: return THEME_MD_KEYWORD;
	case HL_TYPE: return THEME_MD_TYPE;
	case HL_STRING: return THEME_MD_STRING;
	case HL_NUMBER: return THEME_MD_NUMBER;
	case HL_COMMENT: return THEME_MD_COMMENT;
	case HL_FUNCTION: return THEME_MD_FUNCTION;
	case HL_PREPROC: return THEME_MD_PREPROC;
	case HL_ADDED: return THEME_MD_ADDED;
	case HL_REMOVED: return THEME_MD_REMOVED;
	default: return THEME_MD_BLOCK;
	}
}

enum theme_element mdview_element(const struct md_run *r)
{
	/* The most specific kind wins the colour: code in a quote is code. */
	static const struct {
		unsigned flag;
		enum theme_element e;
	} order[] = {
	    {MD_LANG, THEME_MD_LABEL},     {MD_CODE, THEME_MD_CODE},
	    {MD_URL, THEME_MD_URL},        {MD_LINK, THEME_MD_LINK},
	    {MD_HEADING, THEME_MD_HEADING}, {MD_MARKER, THEME_MD_MARKER},
	    {MD_RULE, THEME_MD_RULE},      {MD_QUOTE, THEME_MD_QUOTE},
	};
	unsigned f = r->flags;
	if ((f & MD_BLOCK) && !(f & MD_LANG))
		return token_element(r->token);
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (f & order[i].flag)
			return order[i].e;
	return THEME_TRANSCRIPT_TEXT;
}

size_t mdview_extras(const struct md_run *r, enum theme_element out[4])
{
	size_t n = 0;
	unsigned f = r->flags;
	if (f & (MD_STRONG | MD_TH))
		out[n++] = THEME_MD_STRONG;
	if (f & MD_EMPH)
		out[n++] = THEME_MD_EMPH;
	if (f & MD_STRIKE)
		out[n++] = THEME_MD_STRIKE;
	if ((f & MD_QUOTE) && mdview_element(r) != THEME_MD_QUOTE)
		out[n++] = THEME_MD_QUOTE;
	return n;
}

attr_t mdview_attr(const struct md_run *r, attr_t base)
{
	enum theme_element e = mdview_element(r), x[4];
	attr_t a = theme_attr(e);
	bool coloured = theme_pair(e) != 0;
	size_t n = mdview_extras(r, x);
	for (size_t i = 0; i < n; i++) {
		attr_t xa = theme_attr(x[i]);
		if (!coloured && theme_pair(x[i]) != 0) {
			a = (a & ~A_COLOR) | xa; /* a bold word takes strong's colour */
			coloured = true;
		} else {
			a |= xa & ~A_COLOR;
		}
	}
	if (!coloured && (base & A_COLOR) != 0)
		a |= base & A_COLOR;
	return a | (base & ~A_COLOR);
}

bool mdview_fits(const struct mdview *v, int cols)
{
	return v->doc != NULL && md_width(v->doc) <= cols;
}

void mdview_row(struct rowdraw *out, int cols, bool fits, const struct md_line *l, attr_t base)
{
	if (fits) {
		for (size_t k = 0; k < l->nruns; k++)
			rowdraw_add(out, mdview_attr(&l->runs[k], base), l->text.data + l->runs[k].off,
			            l->runs[k].len, cols);
		return;
	}
	size_t room = cols > 0 ? (size_t)cols : 0;
	for (size_t k = 0; k < l->nruns && room > 0; k++) {
		const struct md_run *r = &l->runs[k];
		const char *s = l->text.data + r->off;
		size_t used, n = width_cut(s, r->len, room, &used);
		rowdraw_add(out, mdview_attr(r, base), s, n, cols);
		room -= used;
		if (n < r->len)
			break;
	}
}
