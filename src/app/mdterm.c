/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mdterm: a reply's Markdown written to a shell's terminal as it streams. */
#include "app/mdterm.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "app/output.h"
#include "ui/markdown.h"
#include "util/buf.h"
#include "util/mem.h"

struct mdterm {
	FILE *out;
	struct md_doc *doc;
	int rows;
	bool color, redraw;
	bool hyperlinks; /* OSC 8 around links: on a terminal (redraw) */
	size_t written;   /* final lines written */
	size_t tail_rows; /* provisional lines on the screen below them */
	struct buf b;
};

struct mdterm *mdterm_new(FILE *out, int width, int rows, bool color, bool redraw)
{
	struct mdterm *t = xcalloc(1, sizeof(*t));
	t->out = out;
	/* One column spare: a line that fills the last column leaves some
	 * terminals' cursor waiting to wrap, and the count of rows goes wrong. */
	t->doc = md_new(width > 21 ? width - 1 : 20);
	t->rows = rows;
	t->color = color;
	t->redraw = redraw;
	t->hyperlinks = redraw;
	buf_init(&t->b, 0);
	return t;
}

void mdterm_free(struct mdterm *t)
{
	if (t == NULL)
		return;
	md_free(t->doc);
	buf_done(&t->b);
	free(t);
}

/* The SGR colour of a run, 0 for the terminal's own. */
static int colour_of(const struct md_run *r)
{
	static const int tokens[HL_COUNT] = {
	    [HL_KEYWORD] = 35, [HL_TYPE] = 36,     [HL_STRING] = 32,  [HL_NUMBER] = 33,
	    [HL_COMMENT] = 90, [HL_FUNCTION] = 34, [HL_PREPROC] = 35, [HL_ADDED] = 32,
	    [HL_REMOVED] = 31,
	};
	if (r->flags & MD_BLOCK)
		return (unsigned)r->token < HL_COUNT ? tokens[r->token] : 0;
	if (r->flags & MD_CODE)
		return 36;
	if (r->flags & (MD_HEADING | MD_LINK))
		return 34;
	if (r->flags & MD_MARKER)
		return 33;
	return 0;
}

/* The SGR sequence that shows run r ("\x1b[0;1;34m"), into b. */
static void sgr(struct buf *b, const struct md_run *r, bool color)
{
	unsigned f = r->flags;
	buf_append_str(b, "\x1b[0");
	if (f & (MD_STRONG | MD_HEADING | MD_TH | MD_MARKER))
		buf_append_str(b, ";1");
	if (f & (MD_URL | MD_RULE | MD_LANG | MD_QUOTE))
		buf_append_str(b, ";2");
	if (f & MD_EMPH)
		buf_append_str(b, ";3");
	if ((f & MD_LINK) || ((f & MD_HEADING) && r->level == 1))
		buf_append_str(b, ";4");
	if (f & MD_STRIKE)
		buf_append_str(b, ";9");
	int c = color ? colour_of(r) : 0;
	if (c != 0)
		buf_printf(b, ";%d", c);
	buf_append_char(b, 'm');
}

/* A link's URL as an OSC 8 target: printable, no space, no control, no
 * byte a terminal would end the sequence on, a scheme a terminal opens;
 * NULL otherwise (the text stays, without the hyperlink). */
static const char *link_target(const struct mdterm *t, const struct md_run *r)
{
	if (!t->hyperlinks || !(r->flags & MD_LINK) || r->link == 0)
		return NULL;
	const char *u = md_url(t->doc, r->link - 1);
	if (u == NULL || (strncmp(u, "https://", 8) != 0 && strncmp(u, "http://", 7) != 0 &&
	                  strncmp(u, "mailto:", 7) != 0))
		return NULL;
	for (const unsigned char *p = (const unsigned char *)u; *p; p++)
		if (*p <= 0x20 || *p == 0x7F)
			return NULL;
	return strlen(u) <= 2048 ? u : NULL;
}

/* Line i, styled, ended, into t->b. A link's text is an OSC 8 hyperlink
 * written by circuit (the URL checked above), never bytes of the model. */
static void line(struct mdterm *t, size_t i)
{
	const struct md_line *l = md_line_at(t->doc, i);
	bool styled = false;
	for (size_t k = 0; k < l->nruns; k++) {
		const struct md_run *r = &l->runs[k];
		bool plain = r->flags == 0;
		if (!plain || styled) {
			sgr(&t->b, r, t->color);
			styled = !plain;
		}
		const char *url = link_target(t, r);
		if (url != NULL)
			buf_printf(&t->b, "\x1b]8;;%s\x1b\\", url);
		buf_append(&t->b, l->text.data + r->off, r->len);
		if (url != NULL)
			buf_append_str(&t->b, "\x1b]8;;\x1b\\");
	}
	if (styled)
		buf_append_str(&t->b, "\x1b[0m");
	buf_append_char(&t->b, '\n');
}

/* t->b to the terminal. */
static void put(struct mdterm *t)
{
	if (t->b.len > 0) {
		fwrite(t->b.data, 1, t->b.len, t->out);
		output_note(t->out);
	}
	buf_reset(&t->b);
}

void mdterm_settle(struct mdterm *t)
{
	if (t->tail_rows == 0)
		return;
	buf_printf(&t->b, "\x1b[%zuA\r\x1b[J", t->tail_rows);
	t->tail_rows = 0;
	put(t);
}

/* The lines that became final, then (redraw) the tail again. */
static void show(struct mdterm *t, bool everything)
{
	size_t fin = everything ? md_count(t->doc) : md_final(t->doc), n = md_count(t->doc);
	mdterm_settle(t);
	for (; t->written < fin; t->written++)
		line(t, t->written);
	size_t tail = n - fin;
	if (t->redraw && tail > 0 && tail + 1 < (size_t)t->rows) {
		for (size_t i = fin; i < n; i++)
			line(t, i);
		t->tail_rows = tail;
	}
	put(t);
}

void mdterm_append(struct mdterm *t, const char *p, size_t n)
{
	if (n == 0)
		return;
	md_append(t->doc, p, n);
	show(t, false);
}

void mdterm_finish(struct mdterm *t)
{
	md_finish(t->doc);
	show(t, true);
}

void mdterm_size(int fd, int *width, int *rows)
{
	struct winsize ws;
	*width = 80;
	*rows = 24;
	if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
		*width = ws.ws_col;
		*rows = ws.ws_row > 0 ? ws.ws_row : 24;
		return;
	}
	const char *c = getenv("COLUMNS");
	long v = c != NULL ? strtol(c, NULL, 10) : 0;
	if (v >= 20 && v <= 1000)
		*width = (int)v;
}

bool mdterm_wanted(bool raw, bool render, bool json, int fd)
{
	if (render)
		return true;
	return !raw && !json && isatty(fd);
}

struct mdterm *mdterm_for(FILE *out, bool no_color)
{
	int width, rows;
	mdterm_size(STDOUT_FILENO, &width, &rows);
	bool tty = out == stdout && isatty(STDOUT_FILENO);
	return mdterm_new(out, width, rows, !no_color, tty);
}
