/* SPDX-License-Identifier: GPL-3.0-or-later */
/* columns: the compare view: one thread per model, side by side, each under
 * a header of live figures. */
#ifndef CIRCUIT_UI_COLUMNS_H
#define CIRCUIT_UI_COLUMNS_H

#include <curses.h>
#include <stdbool.h>

#include "model/conversation.h"
#include "model/metrics.h"
#include "util/buf.h"

#define COLUMNS_MAX 6
/* Narrower than this, columns stack one above the other instead. */
#define COLUMN_MIN_WIDTH 28

/* What a column's header says; filled by the app each frame. */
struct column_head {
	const char *label;              /* the model as the user named it */
	const char *state;              /* idle, waiting, streaming, done, error, cancelled */
	const struct reply_metrics *m;  /* the live or last reply's figures; NULL: none */
	bool win_ttft, win_tps;         /* marked ★ */
};

/* Where each column goes in an area of rows x cols (relative to it). */
struct column_rect {
	int y, x, h, w; /* the whole column, header row included */
	bool shown;     /* false: hidden (zoom, or no room) */
};

enum columns_mode { COLUMNS_SIDE, COLUMNS_STACKED, COLUMNS_ONE };

/* Side by side when every column gets COLUMN_MIN_WIDTH cells (one cell
 * between neighbours for the rule), else stacked when each gets a header
 * and a row of text, else only the focused one (COLUMNS_ONE, as zoom).
 * Widths and heights share the area exactly; the first columns take the
 * remainder. Pure. */
enum columns_mode columns_layout(int rows, int cols, int n, int focus, bool zoom,
                                 struct column_rect *out);

/* The header text of column num (1-based):
 * "[2] mock done · ttft 102ms★ · 81.3 t/s · 124 tok · $0.0012"
 * ("[N]" focused, " N" not; "≈" marks an estimate, "★" a winner); when
 * that is wider than width, the compact "[2] mock done 102ms★ 81.3t/s
 * 124tok $0.0012"; still too wide, cut with "…". Pure. */
void columns_format_head(const struct column_head *h, int num, bool focused, int width,
                         struct buf *out);

struct columns;

struct columns *columns_new(void);
void columns_free(struct columns *c);

/* Draws n columns (1..COLUMNS_MAX) over the area that w covers (w itself is
 * left alone): headers, the rule between columns, each thread through its
 * own transcript (wrap cache, scrolling), so a token costs one column's open
 * paragraph. */
void columns_draw(struct columns *c, WINDOW *area, const struct column_head *heads,
                  const struct conversation *const *convs, int n);
/* The windows go (leaving compare mode); the next draw makes new ones. */
void columns_release(struct columns *c);

void columns_focus(struct columns *c, int i); /* 0-based */
int columns_focused(const struct columns *c);
bool columns_toggle_zoom(struct columns *c); /* returns the new state */
bool columns_toggle_sync(struct columns *c);
/* Scrolls the focused column, or all of them when synced (positive: back). */
void columns_scroll(struct columns *c, int lines);
void columns_follow(struct columns *c);
void columns_set_thinking(struct columns *c, bool show);
/* Rows of text in the focused column (a page for PgUp/PgDn). */
int columns_page(const struct columns *c);

#endif
