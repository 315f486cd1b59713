/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mdtable: a table's cells in aligned columns, box rules, fitted to a width.
 *
 * Each column gets its widest cell's columns; when the table is wider than
 * the width, the widest columns are capped at one width (the largest that
 * fits) and their cells wrap at words. When not even two columns per cell
 * fit (a 10 000-column table), each row is one wrapped line of its cells
 * separated by " │ ", and a rule follows the header. */
#include "ui/mdtable.h"

#include <stdlib.h>
#include <string.h>

#include "ui/mdrender.h"
#include "ui/wrap.h"
#include "util/mem.h"
#include "util/width.h"

#define V "\xe2\x94\x82"
#define H "\xe2\x94\x80"

void mdtable_begin(struct mdtable *t)
{
	for (size_t i = 0; i < t->ncells; i++)
		mdl_done(&t->cells[i]);
	t->ncells = 0;
	t->nrows = 0;
}

void mdtable_row(struct mdtable *t)
{
	if (t->nrows == t->rowcap) {
		t->rowcap = t->rowcap ? t->rowcap * 2 : 8;
		t->rows = xrealloc(t->rows, t->rowcap * sizeof *t->rows);
	}
	t->rows[t->nrows++] = t->ncells;
}

void mdtable_cell(struct mdtable *t, struct md_line *cell, int align)
{
	if (t->nrows == 0)
		mdtable_row(t);
	if (t->ncells == t->cellcap) {
		t->cellcap = t->cellcap ? t->cellcap * 2 : 16;
		t->cells = xrealloc(t->cells, t->cellcap * sizeof *t->cells);
		t->align = xrealloc(t->align, t->cellcap);
	}
	t->align[t->ncells] = (unsigned char)align;
	t->cells[t->ncells++] = *cell;
	memset(cell, 0, sizeof *cell);
}

void mdtable_done(struct mdtable *t)
{
	mdtable_begin(t);
	free(t->cells);
	free(t->align);
	free(t->rows);
	memset(t, 0, sizeof *t);
}

static size_t row_end(const struct mdtable *t, size_t r)
{
	return r + 1 < t->nrows ? t->rows[r + 1] : t->ncells;
}

/* One rule line: left, the bars of each column joined by mid, right. */
static void rule(struct md_out *o, const size_t *w, size_t ncols, const char *const ch[3],
                 unsigned extra, void (*pre)(void *, struct md_line *), void *arg)
{
	struct md_line *l = mdo_line(o);
	if (pre != NULL)
		pre(arg, l);
	unsigned f = MD_RULE | extra;
	mdl_push_flags(l, ch[0], strlen(ch[0]), f);
	for (size_t c = 0; c < ncols; c++) {
		for (size_t k = 0; k < w[c] + 2; k++)
			mdl_push_flags(l, H, sizeof H - 1, f);
		const char *j = c + 1 < ncols ? ch[1] : ch[2];
		mdl_push_flags(l, j, strlen(j), f);
	}
}

static void spaces(struct md_line *l, size_t n, unsigned extra)
{
	for (size_t i = 0; i < n; i++)
		mdl_push_flags(l, " ", 1, extra);
}

/* The runs of cell within [a, b) onto l. */
static void piece(struct md_line *l, const struct md_line *cell, size_t a, size_t b, unsigned extra)
{
	for (size_t j = 0; j < cell->nruns; j++) {
		struct md_run s = cell->runs[j];
		if (s.off + s.len <= a || s.off >= b)
			continue;
		size_t s0 = s.off > a ? s.off : a, s1 = s.off + s.len < b ? s.off + s.len : b;
		s.flags |= extra;
		mdl_push(l, cell->text.data + s0, s1 - s0, &s);
	}
}

/* A row's lines: each cell wrapped to its column, padded by its alignment. */
static void row_lines(const struct mdtable *t, size_t r, struct md_out *o, const size_t *w,
                      size_t ncols, unsigned extra, void (*pre)(void *, struct md_line *), void *arg)
{
	struct wrap_line **wl = xcalloc(ncols, sizeof *wl);
	size_t *nwl = xcalloc(ncols, sizeof *nwl), h = 1;
	size_t first = t->rows[r], n = row_end(t, r) - first;
	for (size_t c = 0; c < ncols && c < n; c++) {
		const struct md_line *cell = &t->cells[first + c];
		size_t cap = 0;
		wrap_text(cell->text.data ? cell->text.data : "", cell->text.len, (unsigned)w[c], &wl[c],
		          &nwl[c], &cap);
		h = nwl[c] > h ? nwl[c] : h;
	}
	for (size_t k = 0; k < h; k++) {
		struct md_line *l = mdo_line(o);
		if (pre != NULL)
			pre(arg, l);
		mdl_push_flags(l, V, sizeof V - 1, MD_RULE | extra);
		for (size_t c = 0; c < ncols; c++) {
			size_t used = 0, pad, left = 0;
			mdl_push_flags(l, " ", 1, extra);
			if (c < n && k < nwl[c]) {
				used = wl[c][k].width;
				pad = w[c] > used ? w[c] - used : 0;
				left = t->align[first + c] == 2 ? pad : t->align[first + c] == 1 ? pad / 2 : 0;
				spaces(l, left, extra);
				piece(l, &t->cells[first + c], wl[c][k].off, wl[c][k].off + wl[c][k].len, extra);
			}
			pad = w[c] > used ? w[c] - used : 0;
			spaces(l, pad - left + 1, extra);
			mdl_push_flags(l, V, sizeof V - 1, MD_RULE | extra);
		}
	}
	for (size_t c = 0; c < ncols; c++)
		free(wl[c]);
	free(wl);
	free(nwl);
}

/* Too many columns for boxes: a row per wrapped line, cells between bars. */
static void rows_as_lines(const struct mdtable *t, struct md_out *o, unsigned cw, unsigned extra,
                          void (*pre)(void *, struct md_line *), void *arg)
{
	for (size_t r = 0; r < t->nrows; r++) {
		struct md_line row = {0};
		buf_init(&row.text, 0);
		for (size_t c = t->rows[r]; c < row_end(t, r); c++) {
			if (c > t->rows[r])
				mdl_push_flags(&row, " " V " ", sizeof V + 1, MD_RULE);
			piece(&row, &t->cells[c], 0, t->cells[c].text.len, 0);
		}
		mdr_wrap(o, &row, cw, extra, pre, arg);
		mdl_done(&row);
		if (r == 0) {
			struct md_line *l = mdo_line(o);
			if (pre != NULL)
				pre(arg, l);
			for (unsigned k = 0; k < cw; k++)
				mdl_push_flags(l, H, sizeof H - 1, MD_RULE | extra);
		}
	}
}

/* The largest cap on column widths that fits avail columns. */
static size_t fit_cap(const size_t *nat, size_t ncols, size_t avail, size_t max)
{
	size_t lo = 1, hi = max > 0 ? max : 1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo + 1) / 2, sum = 0;
		for (size_t c = 0; c < ncols; c++)
			sum += nat[c] < mid ? nat[c] : mid;
		if (sum <= avail)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

void mdtable_emit(const struct mdtable *t, struct md_out *o, unsigned cw, unsigned extra,
                  void (*pre)(void *, struct md_line *), void *arg)
{
	size_t ncols = 0;
	for (size_t r = 0; r < t->nrows; r++)
		ncols = row_end(t, r) - t->rows[r] > ncols ? row_end(t, r) - t->rows[r] : ncols;
	if (ncols == 0)
		return;
	if ((size_t)cw < 3 * ncols + 1 + 2 * ncols) {
		rows_as_lines(t, o, cw, extra, pre, arg);
		return;
	}
	size_t avail = cw - (3 * ncols + 1), max = 0;
	size_t *w = xcalloc(ncols, sizeof *w);
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t c = t->rows[r]; c < row_end(t, r); c++) {
			const struct md_line *cell = &t->cells[c];
			size_t cols = width_str(cell->text.data ? cell->text.data : "", cell->text.len);
			size_t k = c - t->rows[r];
			w[k] = cols > w[k] ? cols : w[k];
			max = w[k] > max ? w[k] : max;
		}
	}
	/* An empty column still takes one column: count it before capping. */
	for (size_t c = 0; c < ncols; c++)
		w[c] = w[c] < 1 ? 1 : w[c];
	size_t cap = fit_cap(w, ncols, avail, max);
	for (size_t c = 0; c < ncols; c++)
		w[c] = w[c] > cap ? cap : w[c];
	static const char *const top[3] = {"\xe2\x94\x8c", "\xe2\x94\xac", "\xe2\x94\x90"};
	static const char *const mid[3] = {"\xe2\x94\x9c", "\xe2\x94\xbc", "\xe2\x94\xa4"};
	static const char *const bot[3] = {"\xe2\x94\x94", "\xe2\x94\xb4", "\xe2\x94\x98"};
	rule(o, w, ncols, top, extra, pre, arg);
	for (size_t r = 0; r < t->nrows; r++) {
		row_lines(t, r, o, w, ncols, extra, pre, arg);
		if (r == 0 && t->nrows > 1)
			rule(o, w, ncols, mid, extra, pre, arg);
	}
	rule(o, w, ncols, bot, extra, pre, arg);
	free(w);
}
