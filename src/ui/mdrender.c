/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mdrender: Markdown (md4c's callbacks) to styled lines at a width.
 *
 * Blocks nest in a stack of containers (quotes, lists, items) that give each
 * line its prefix: "│ " per quote, a list item's marker on its first line
 * and as many spaces on the rest. Prefixes stop growing at half the width,
 * so 1 000 nested lists still leave room for text. Inline text collects in
 * one styled line and is wrapped (ui/wrap) when its block ends. */
#include "ui/mdrender.h"

#include <md4c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/mdtable.h"
#include "ui/wrap.h"
#include "util/mem.h"
#include "util/utf8.h"
#include "util/width.h"

#define BAR "\xe2\x94\x82"  /* │ */
#define HBAR "\xe2\x94\x80" /* ─ */
#define BULLET "\xe2\x80\xa2" /* • */
#define TAB_STOP 4

enum { C_QUOTE, C_UL, C_OL, C_LI };

struct cont {
	int type;
	char mark[48];
	unsigned mw;        /* the marker's columns (C_LI), 2 for a quote */
	bool first;         /* C_LI: its first line is still to come */
	bool started;       /* a line of it was written */
	unsigned long next; /* C_OL: the next item's number */
};

struct rctx {
	struct md_out *o;
	unsigned width;
	struct cont *st;
	size_t depth, cap;
	struct md_line in; /* inline text being collected */
	int strong, em, del, icode, img;
	size_t link, link_start;
	unsigned hlevel;
	bool gap, in_code, in_table, th;
	struct buf code, info;
	struct mdtable table;
};

/* ---- styled lines ---------------------------------------------------- */

void mdl_push(struct md_line *l, const char *p, size_t n, const struct md_run *style)
{
	if (n == 0)
		return;
	size_t off = l->text.len;
	if (buf_append(&l->text, p, n) < 0)
		return;
	struct md_run *last = l->nruns > 0 ? &l->runs[l->nruns - 1] : NULL;
	if (last != NULL && last->flags == style->flags && last->token == style->token &&
	    last->level == style->level && last->link == style->link && last->off + last->len == off) {
		last->len += n;
		return;
	}
	if (l->nruns == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 4;
		l->runs = xrealloc(l->runs, l->cap * sizeof *l->runs);
	}
	struct md_run r = *style;
	r.off = off;
	r.len = n;
	l->runs[l->nruns++] = r;
}

void mdl_push_flags(struct md_line *l, const char *p, size_t n, unsigned flags)
{
	struct md_run s = {0, 0, flags, HL_NONE, 0, 0};
	mdl_push(l, p, n, &s);
}

void mdl_done(struct md_line *l)
{
	buf_done(&l->text);
	free(l->runs);
	memset(l, 0, sizeof *l);
}

struct md_line *mdo_line(struct md_out *o)
{
	if (o->n == o->cap) {
		o->cap = o->cap ? o->cap * 2 : 16;
		o->lines = xrealloc(o->lines, o->cap * sizeof *o->lines);
	}
	struct md_line *l = &o->lines[o->n++];
	memset(l, 0, sizeof *l);
	buf_init(&l->text, 0);
	return l;
}

void mdo_truncate(struct md_out *o, size_t nlines, size_t nurls, size_t ncodes)
{
	while (o->n > nlines)
		mdl_done(&o->lines[--o->n]);
	while (o->nurls > nurls)
		free(o->urls[--o->nurls]);
	while (o->ncodes > ncodes) {
		buf_done(&o->codes[--o->ncodes]);
		free(o->langs[o->ncodes]);
	}
}

void mdo_free(struct md_out *o)
{
	mdo_truncate(o, 0, 0, 0);
	free(o->lines);
	free(o->urls);
	free(o->codes);
	free(o->langs);
	memset(o, 0, sizeof *o);
}

void mdr_info_word(const char *info, size_t n, size_t *a, size_t *b)
{
	size_t i = 0;
	while (i < n && (info[i] == ' ' || info[i] == '\t'))
		i++;
	size_t j = i;
	while (j < n && info[j] != ' ' && info[j] != '\t')
		j++;
	*a = i;
	*b = j;
}

struct buf *mdo_code_new(struct md_out *o, const char *info, size_t n)
{
	if (o->ncodes == o->codecap) {
		o->codecap = o->codecap ? o->codecap * 2 : 4;
		o->codes = xrealloc(o->codes, o->codecap * sizeof *o->codes);
		o->langs = xrealloc(o->langs, o->codecap * sizeof *o->langs);
	}
	size_t a, b;
	mdr_info_word(info, n, &a, &b);
	o->langs[o->ncodes] = xstrndup(info + a, b - a);
	struct buf *buf = &o->codes[o->ncodes++];
	buf_init(buf, 0);
	return buf;
}

/* p[0..n) without control bytes: each becomes a space (tabs too). */
static void push_clean(struct md_line *l, const char *p, size_t n, const struct md_run *style)
{
	size_t i = 0;
	while (i < n) {
		size_t j = i;
		while (j < n && (unsigned char)p[j] >= 0x20 && p[j] != 0x7f)
			j++;
		mdl_push(l, p + i, j - i, style);
		if (j < n)
			mdl_push(l, " ", 1, style);
		i = j + 1;
	}
}

/* ---- prefixes ---------------------------------------------------------- */

static bool in_quote(const struct rctx *r)
{
	for (size_t i = 0; i < r->depth; i++)
		if (r->st[i].type == C_QUOTE)
			return true;
	return false;
}

/* Writes the containers' prefix into l (when not NULL) and returns its
 * columns; blank: a separator line, only the bars of the quotes that have
 * lines already (markers are kept for the text). */
static unsigned prefix(struct rctx *r, struct md_line *l, bool blank)
{
	unsigned used = 0, budget = r->width / 2;
	for (size_t i = 0; i < r->depth; i++) {
		struct cont *c = &r->st[i];
		if (c->type != C_QUOTE && c->type != C_LI)
			continue;
		if (used + c->mw > budget) {
			if (l != NULL && !blank && c->type == C_LI)
				c->first = false;
			if (l != NULL && !blank)
				c->started = true;
			continue;
		}
		used += c->mw;
		if (l == NULL)
			continue;
		if (blank) {
			if (c->type == C_QUOTE && c->started)
				mdl_push_flags(l, BAR, sizeof BAR - 1, MD_QUOTE);
			continue;
		}
		c->started = true;
		if (c->type == C_QUOTE) {
			mdl_push_flags(l, BAR " ", sizeof BAR, MD_QUOTE);
		} else if (c->first) {
			mdl_push_flags(l, c->mark, strlen(c->mark), MD_MARKER);
			for (unsigned k = width_str(c->mark, strlen(c->mark)); k < c->mw; k++)
				mdl_push_flags(l, " ", 1, 0);
			c->first = false;
		} else {
			for (unsigned k = 0; k < c->mw; k++)
				mdl_push_flags(l, " ", 1, 0);
		}
	}
	return used;
}

/* Columns left for text after the prefix (at least 1). */
static unsigned content_width(struct rctx *r)
{
	unsigned p = prefix(r, NULL, false);
	return p < r->width ? r->width - p : 1;
}

/* Before a block's first line: the empty line that separates it from the
 * block before, when one is due. */
static void begin_block(struct rctx *r)
{
	if (r->gap && r->o->n > 0)
		prefix(r, mdo_line(r->o), true);
	r->gap = false;
}

/* ---- inline text -------------------------------------------------------- */

static unsigned inline_flags(const struct rctx *r)
{
	unsigned f = 0;
	if (r->strong)
		f |= MD_STRONG;
	if (r->em)
		f |= MD_EMPH;
	if (r->del)
		f |= MD_STRIKE;
	if (r->icode)
		f |= MD_CODE;
	if (r->link)
		f |= MD_LINK;
	if (r->hlevel)
		f |= MD_HEADING;
	if (r->th)
		f |= MD_TH;
	return f;
}

static void push_inline(struct rctx *r, const char *p, size_t n, unsigned extra)
{
	struct md_run s = {0, 0, inline_flags(r) | extra, HL_NONE, (unsigned char)r->hlevel, r->link};
	if (extra & MD_URL)
		s.flags &= ~(unsigned)MD_LINK;
	push_clean(&r->in, p, n, &s);
}

/* Lays the styled text of src out in lines of at most cw columns, each
 * after the prefix; extra flags are added to every run. */
void mdr_wrap(struct md_out *o, const struct md_line *src, unsigned cw, unsigned extra,
              void (*pre)(void *, struct md_line *), void *arg)
{
	struct wrap_line *wl = NULL;
	size_t nwl = 0, cap = 0, k = 0;
	wrap_text(src->text.data ? src->text.data : "", src->text.len, cw, &wl, &nwl, &cap);
	for (size_t i = 0; i < nwl; i++) {
		struct md_line *l = mdo_line(o);
		if (pre != NULL)
			pre(arg, l);
		size_t a = wl[i].off, b = wl[i].off + wl[i].len;
		while (k < src->nruns && src->runs[k].off + src->runs[k].len <= a)
			k++;
		for (size_t j = k; j < src->nruns && src->runs[j].off < b; j++) {
			struct md_run s = src->runs[j];
			size_t s0 = s.off > a ? s.off : a, s1 = s.off + s.len < b ? s.off + s.len : b;
			s.flags |= extra;
			mdl_push(l, src->text.data + s0, s1 - s0, &s);
		}
	}
	free(wl);
}

static void pre_prefix(void *arg, struct md_line *l)
{
	prefix(arg, l, false);
}

/* Emits the collected inline text (always, when force: an empty paragraph
 * is still a line). */
static void flush_inline(struct rctx *r, bool force)
{
	if (r->in.text.len == 0 && !force)
		return;
	begin_block(r);
	mdr_wrap(r->o, &r->in, content_width(r), in_quote(r) ? MD_QUOTE : 0, pre_prefix, r);
	mdl_done(&r->in);
	buf_init(&r->in.text, 0);
}

/* ---- code --------------------------------------------------------------- */

/* One code line: tabs to the next multiple of TAB_STOP, controls to spaces,
 * coloured by lang, cut into pieces of cw columns after the prefix. */
static void code_line(struct rctx *r, const struct hl_lang *lang, struct hl_state *st,
                      const char *line, size_t n)
{
	struct hl_span *sp = xmalloc((n + 1) * sizeof *sp);
	size_t ns = 0;
	if (lang != NULL)
		ns = hl_line(lang, st, line, n, sp, n + 1);
	struct md_line x = {0};
	buf_init(&x.text, 0);
	size_t col = 0, si = 0;
	for (size_t i = 0; i < n;) {
		while (si < ns && sp[si].off + sp[si].len <= i)
			si++;
		struct md_run s = {0, 0, MD_BLOCK, HL_NONE, 0, 0};
		if (si < ns && sp[si].off <= i)
			s.token = sp[si].token;
		size_t len = 1;
		if (line[i] == '\t') {
			size_t to = (col / TAB_STOP + 1) * TAB_STOP;
			mdl_push(&x, "    ", to - col, &s);
			col = to;
		} else if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f) {
			mdl_push(&x, " ", 1, &s);
			col++;
		} else {
			col += (size_t)width_char(line + i, n - i, &len);
			mdl_push(&x, line + i, len, &s);
		}
		i += len;
	}
	free(sp);
	unsigned extra = in_quote(r) ? MD_QUOTE : 0;
	unsigned cw = content_width(r);
	cw = cw > 3 ? cw - 2 : 1;
	const char *xt = x.text.data != NULL ? x.text.data : "";
	size_t off = 0, k = 0;
	do {
		size_t take = width_cut(xt + off, x.text.len - off, cw, NULL);
		if (take == 0 && off < x.text.len) {
			unsigned c;
			take = width_cluster(xt + off, x.text.len - off, &c);
		}
		struct md_line *l = mdo_line(r->o);
		prefix(r, l, false);
		mdl_push_flags(l, "  ", 2, extra);
		while (k < x.nruns && x.runs[k].off + x.runs[k].len <= off)
			k++;
		for (size_t j = k; j < x.nruns && x.runs[j].off < off + take; j++) {
			struct md_run s = x.runs[j];
			size_t s0 = s.off > off ? s.off : off;
			size_t s1 = s.off + s.len < off + take ? s.off + s.len : off + take;
			s.flags |= extra;
			mdl_push(l, xt + s0, s1 - s0, &s);
		}
		off += take;
	} while (off < x.text.len);
	mdl_done(&x);
}

/* The label line: the language's name, or the info string's first word. */
static const struct hl_lang *code_label(struct rctx *r, const char *info, size_t n)
{
	size_t a, b;
	mdr_info_word(info, n, &a, &b);
	if (b == a)
		return NULL;
	const struct hl_lang *lang = hl_find(info + a, b - a);
	struct md_line *l = mdo_line(r->o);
	prefix(r, l, false);
	struct md_run s = {0, 0, MD_LANG | (in_quote(r) ? MD_QUOTE : 0), HL_NONE, 0, 0};
	/* The label is the language as the reply names it ("ts", not the
	 * "javascript" whose rules stand in for it). A label longer than the
	 * line is cut (an info string can be anything). */
	const char *name = info + a;
	push_clean(l, name, width_cut(name, b - a, content_width(r), NULL), &s);
	return lang;
}

/* A code block md4c parsed (inside a list or quote, or indented). */
static void code_block_done(struct rctx *r)
{
	begin_block(r);
	const struct hl_lang *lang = code_label(r, r->info.data ? r->info.data : "", r->info.len);
	struct hl_state st;
	hl_state_init(&st);
	const char *p = r->code.data ? r->code.data : "";
	size_t n = r->code.len;
	if (n > 0 && p[n - 1] == '\n')
		n--;
	struct buf *src = mdo_code_new(r->o, r->info.data ? r->info.data : "", r->info.len);
	buf_append(src, p, r->code.len);
	if (r->code.len > 0) {
		for (size_t a = 0; a <= n;) {
			const char *nl = memchr(p + a, '\n', n - a);
			size_t e = nl != NULL ? (size_t)(nl - p) : n;
			code_line(r, lang, &st, p + a, e - a);
			a = e + 1;
		}
	}
	buf_reset(&r->code);
	buf_reset(&r->info);
	r->gap = true;
}

/* ---- entities and attributes -------------------------------------------- */

/* An entity md4c recognised ("&amp;", "&#x41;") as text: the common named
 * ones and numeric ones decoded, other names kept as written. */
static void entity(struct buf *out, const char *p, size_t n)
{
	static const char *const names[][2] = {
	    {"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&apos;", "'"},
	    {"&nbsp;", " "}, {"&copy;", "\xc2\xa9"}, {"&mdash;", "\xe2\x80\x94"},
	    {"&ndash;", "\xe2\x80\x93"}, {"&hellip;", "\xe2\x80\xa6"}};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (strlen(names[i][0]) == n && memcmp(names[i][0], p, n) == 0) {
			buf_append_str(out, names[i][1]);
			return;
		}
	}
	if (n >= 4 && p[1] == '#') {
		bool hex = p[2] == 'x' || p[2] == 'X';
		unsigned long cp = 0;
		for (size_t i = hex ? 3 : 2; i + 1 < n && cp <= 0x10FFFF; i++) {
			unsigned d = (unsigned char)p[i];
			d = d <= '9' ? d - '0' : (d | 0x20) - 'a' + 10;
			cp = cp * (hex ? 16 : 10) + d;
		}
		if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || (cp >= 0xd800 && cp < 0xe000) || cp > 0x10FFFF)
			cp = 0xFFFD;
		char u[4];
		buf_append(out, u, utf8_encode(cp, u));
		return;
	}
	buf_append(out, p, n);
}

/* An attribute (a link's href) as text, NUL-terminated in out. */
static void attr_text(struct buf *out, const MD_ATTRIBUTE *a)
{
	buf_reset(out);
	for (size_t i = 0; a->text != NULL && a->substr_offsets[i] < a->size; i++) {
		const char *p = a->text + a->substr_offsets[i];
		size_t n = a->substr_offsets[i + 1] - a->substr_offsets[i];
		if (a->substr_types[i] == MD_TEXT_ENTITY)
			entity(out, p, n);
		else if (a->substr_types[i] == MD_TEXT_NULLCHAR)
			buf_append_str(out, "\xef\xbf\xbd");
		else
			buf_append(out, p, n);
	}
	for (size_t i = 0; i < out->len; i++)
		if ((unsigned char)out->data[i] < 0x20 || out->data[i] == 0x7f)
			out->data[i] = ' ';
}

static size_t add_url(struct rctx *r, const MD_ATTRIBUTE *a)
{
	struct md_out *o = r->o;
	struct buf b;
	buf_init(&b, 0);
	attr_text(&b, a);
	if (o->nurls == o->urlcap) {
		o->urlcap = o->urlcap ? o->urlcap * 2 : 4;
		o->urls = xrealloc(o->urls, o->urlcap * sizeof *o->urls);
	}
	o->urls[o->nurls++] = xstrndup(buf_str(&b), b.len);
	buf_done(&b);
	return o->nurls;
}

/* ---- md4c's callbacks ------------------------------------------------------ */

static struct cont *push_cont(struct rctx *r, int type)
{
	if (r->depth == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 8;
		r->st = xrealloc(r->st, r->cap * sizeof *r->st);
	}
	struct cont *c = &r->st[r->depth++];
	memset(c, 0, sizeof *c);
	c->type = type;
	c->mw = type == C_QUOTE ? 2 : 0;
	return c;
}

/* A list item: its marker from the list around it. */
static void li_enter(struct rctx *r, const MD_BLOCK_LI_DETAIL *det)
{
	struct cont *list = r->depth > 0 ? &r->st[r->depth - 1] : NULL;
	size_t lists = 0;
	for (size_t i = 0; i < r->depth; i++)
		lists += r->st[i].type == C_UL || r->st[i].type == C_OL;
	char mark[48];
	const char *task = !det->is_task ? "" : det->task_mark == ' ' ? "[ ]" : "[x]";
	if (list != NULL && list->type == C_OL) {
		snprintf(mark, sizeof mark, "%lu%c%s%s", list->next++, list->mark[0],
		         task[0] ? " " : "", task);
	} else if (task[0] != '\0') {
		snprintf(mark, sizeof mark, "%s", task);
	} else {
		snprintf(mark, sizeof mark, "%s", lists % 2 == 1 ? BULLET : "\xe2\x97\xa6");
	}
	struct cont *c = push_cont(r, C_LI);
	memcpy(c->mark, mark, sizeof mark);
	c->mw = (unsigned)width_str(mark, strlen(mark)) + 1;
	c->first = true;
}

static void rule_line(struct rctx *r)
{
	begin_block(r);
	struct md_line *l = mdo_line(r->o);
	prefix(r, l, false);
	unsigned cw = content_width(r), extra = in_quote(r) ? MD_QUOTE : 0;
	for (unsigned i = 0; i < cw; i++)
		mdl_push_flags(l, HBAR, sizeof HBAR - 1, MD_RULE | extra);
	r->gap = true;
}

static int enter_block(MD_BLOCKTYPE type, void *detail, void *arg)
{
	struct rctx *r = arg;
	if (type != MD_BLOCK_TH && type != MD_BLOCK_TD && type != MD_BLOCK_TR &&
	    type != MD_BLOCK_THEAD && type != MD_BLOCK_TBODY)
		flush_inline(r, false);
	switch (type) {
	case MD_BLOCK_QUOTE:
		push_cont(r, C_QUOTE);
		break;
	case MD_BLOCK_UL:
		push_cont(r, C_UL);
		break;
	case MD_BLOCK_OL: {
		const MD_BLOCK_OL_DETAIL *d = detail;
		struct cont *c = push_cont(r, C_OL);
		c->next = d->start;
		c->mark[0] = d->mark_delimiter;
		break;
	}
	case MD_BLOCK_LI:
		li_enter(r, detail);
		break;
	case MD_BLOCK_HR:
		rule_line(r);
		break;
	case MD_BLOCK_H:
		r->hlevel = ((const MD_BLOCK_H_DETAIL *)detail)->level;
		break;
	case MD_BLOCK_CODE:
		r->in_code = true;
		attr_text(&r->info, &((const MD_BLOCK_CODE_DETAIL *)detail)->info);
		break;
	case MD_BLOCK_TABLE:
		r->in_table = true;
		mdtable_begin(&r->table);
		break;
	case MD_BLOCK_TR:
		mdtable_row(&r->table);
		break;
	case MD_BLOCK_TH:
	case MD_BLOCK_TD:
		r->th = type == MD_BLOCK_TH;
		break;
	default:
		break;
	}
	return 0;
}

static void leave_container(struct rctx *r, int type)
{
	flush_inline(r, false);
	if (type == MD_BLOCK_LI && r->depth > 0 && r->st[r->depth - 1].first) {
		begin_block(r);
		prefix(r, mdo_line(r->o), false);
	}
	if (r->depth > 0)
		r->depth--;
	bool in_item = false;
	for (size_t i = 0; i < r->depth; i++)
		in_item |= r->st[i].type == C_LI;
	if (type == MD_BLOCK_QUOTE || (type != MD_BLOCK_LI && !in_item))
		r->gap = true;
}

static int leave_block(MD_BLOCKTYPE type, void *detail, void *arg)
{
	struct rctx *r = arg;
	switch (type) {
	case MD_BLOCK_QUOTE:
	case MD_BLOCK_UL:
	case MD_BLOCK_OL:
	case MD_BLOCK_LI:
		leave_container(r, type);
		break;
	case MD_BLOCK_H:
	case MD_BLOCK_P:
		flush_inline(r, true);
		r->hlevel = 0;
		r->gap = true;
		break;
	case MD_BLOCK_CODE:
		r->in_code = false;
		code_block_done(r);
		break;
	case MD_BLOCK_TH:
	case MD_BLOCK_TD: {
		MD_ALIGN a = ((const MD_BLOCK_TD_DETAIL *)detail)->align;
		mdtable_cell(&r->table, &r->in, a == MD_ALIGN_CENTER ? 1 : a == MD_ALIGN_RIGHT ? 2 : 0);
		buf_init(&r->in.text, 0);
		r->th = false;
		break;
	}
	case MD_BLOCK_TABLE:
		r->in_table = false;
		begin_block(r);
		mdtable_emit(&r->table, r->o, content_width(r), in_quote(r) ? MD_QUOTE : 0, pre_prefix, r);
		r->gap = true;
		break;
	default:
		break;
	}
	return 0;
}

/* After a link's text: its URL dimmed, unless the text is the URL. */
static void link_done(struct rctx *r)
{
	const char *url = r->o->urls[r->link - 1];
	size_t ul = strlen(url), tl = r->in.text.len - r->link_start;
	const char *t = r->in.text.data ? r->in.text.data + r->link_start : "";
	bool same = (tl == ul && memcmp(t, url, ul) == 0) ||
	            (ul == tl + 7 && memcmp(url, "mailto:", 7) == 0 && memcmp(url + 7, t, tl) == 0) ||
	            (ul == tl + 7 && memcmp(url, "http://", 7) == 0 && memcmp(url + 7, t, tl) == 0);
	if (!same && ul > 0) {
		push_inline(r, " (", 2, MD_URL);
		push_inline(r, url, ul, MD_URL);
		push_inline(r, ")", 1, MD_URL);
	}
}

static int span(MD_SPANTYPE type, void *detail, void *arg, int d)
{
	struct rctx *r = arg;
	switch (type) {
	case MD_SPAN_EM:
		r->em += d;
		break;
	case MD_SPAN_STRONG:
		r->strong += d;
		break;
	case MD_SPAN_DEL:
		r->del += d;
		break;
	case MD_SPAN_CODE:
		r->icode += d;
		break;
	case MD_SPAN_A:
		if (d > 0) {
			r->link = add_url(r, &((const MD_SPAN_A_DETAIL *)detail)->href);
			r->link_start = r->in.text.len;
		} else if (r->link > 0) {
			link_done(r);
			r->link = 0;
		}
		break;
	case MD_SPAN_IMG:
		if (d > 0 && r->img++ == 0) {
			push_inline(r, "[image: ", 8, 0);
		} else if (d < 0 && --r->img == 0) {
			size_t saved = r->link;
			push_inline(r, "]", 1, 0);
			r->link = add_url(r, &((const MD_SPAN_IMG_DETAIL *)detail)->src);
			if (r->o->urls[r->link - 1][0] != '\0') {
				push_inline(r, " (", 2, MD_URL);
				push_inline(r, r->o->urls[r->link - 1], strlen(r->o->urls[r->link - 1]), MD_URL);
				push_inline(r, ")", 1, MD_URL);
			}
			r->link = saved;
		}
		break;
	default:
		break;
	}
	return 0;
}

static int enter_span(MD_SPANTYPE type, void *detail, void *arg)
{
	return span(type, detail, arg, 1);
}

static int leave_span(MD_SPANTYPE type, void *detail, void *arg)
{
	return span(type, detail, arg, -1);
}

static int text(MD_TEXTTYPE type, const MD_CHAR *p, MD_SIZE n, void *arg)
{
	struct rctx *r = arg;
	if (r->in_code) {
		buf_append(&r->code, p, n);
		return 0;
	}
	if (type == MD_TEXT_NULLCHAR) {
		push_inline(r, "\xef\xbf\xbd", 3, 0);
	} else if (type == MD_TEXT_BR && !r->in_table) {
		struct md_run s = {0, 0, inline_flags(r), HL_NONE, (unsigned char)r->hlevel, r->link};
		mdl_push(&r->in, "\n", 1, &s);
	} else if (type == MD_TEXT_BR || type == MD_TEXT_SOFTBR) {
		push_inline(r, " ", 1, 0);
	} else if (type == MD_TEXT_ENTITY) {
		struct buf b;
		buf_init(&b, 0);
		entity(&b, p, n);
		push_inline(r, buf_str(&b), b.len, 0);
		buf_done(&b);
	} else {
		push_inline(r, p, n, 0);
	}
	return 0;
}

/* ---- entry points ------------------------------------------------------------ */

#define MD_PARSE_FLAGS                                                                        \
	(MD_FLAG_TABLES | MD_FLAG_STRIKETHROUGH | MD_FLAG_TASKLISTS | MD_FLAG_PERMISSIVEURLAUTOLINKS | \
	 MD_FLAG_PERMISSIVEWWWAUTOLINKS | MD_FLAG_NOHTML)

static void rctx_init(struct rctx *r, struct md_out *o, unsigned width, bool gap)
{
	memset(r, 0, sizeof *r);
	r->o = o;
	r->width = width;
	r->gap = gap;
	buf_init(&r->in.text, 0);
	buf_init(&r->code, 0);
	buf_init(&r->info, 0);
}

static void rctx_done(struct rctx *r)
{
	mdl_done(&r->in);
	buf_done(&r->code);
	buf_done(&r->info);
	mdtable_done(&r->table);
	free(r->st);
}

void mdr_segment(struct md_out *o, unsigned width, const char *p, size_t n, bool gap)
{
	struct rctx r;
	rctx_init(&r, o, width, gap);
	MD_PARSER parser = {0};
	parser.flags = MD_PARSE_FLAGS;
	parser.enter_block = enter_block;
	parser.leave_block = leave_block;
	parser.enter_span = enter_span;
	parser.leave_span = leave_span;
	parser.text = text;
	md_parse(p, (MD_SIZE)n, &parser, &r);
	flush_inline(&r, false);
	rctx_done(&r);
}

const struct hl_lang *mdr_fence_open(struct md_out *o, unsigned width, bool gap, const char *info,
                                     size_t n)
{
	struct rctx r;
	rctx_init(&r, o, width, gap);
	begin_block(&r);
	const struct hl_lang *lang = code_label(&r, info, n);
	rctx_done(&r);
	return lang;
}

void mdr_fence_line(struct md_out *o, unsigned width, const struct hl_lang *lang,
                    struct hl_state *st, const char *line, size_t n)
{
	struct rctx r;
	rctx_init(&r, o, width, false);
	code_line(&r, lang, st, line, n);
	rctx_done(&r);
}
