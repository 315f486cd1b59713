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
	bool win_ttft, win_tps;         /* marked glyph->star */
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

/* The headers of columns 0..n-1, appended to out[i] (n bufs); width[i]
 * is column i's width, <= 0 for a column not shown (it gets nothing and
 * takes no part). Column focus (0-based) reads "[N]", the others " N".
 * Each reads "[2] mock done · ttft 102ms★ · 81.3 tok/s · 124 tokens ·
 * $0.0012": label, then state, TTFT, tok/s, tokens, cost, in that order,
 * through util/units ("≈" an estimate) and util/glyphs ("★" a winner).
 * Every header has the same fields: those some shown column knows, "-"
 * where a column does not. Every header takes the same form: when one is
 * wider than its column, all go compact ("[2] mock done 102ms★ 81.3 tok/s
 * 124 tokens $0.0012"); still too wide, whole fields go from the right
 * (cost first, state last) in all of them, and a trailing ellipsis says
 * so. A figure is never cut; a label wider than its column alone is, with
 * an ellipsis. Pure. */
void columns_format_heads(const struct column_head *heads, int n, int focus, const int *width,
                          struct buf *out);

struct columns;

struct columns *columns_new(void);
void columns_free(struct columns *c);

/* Draws n columns (1..COLUMNS_MAX) over the area that w covers (w itself is
 * left alone): headers (columns_format_heads), the rule between columns,
 * each thread through its own transcript (wrap cache, scrolling), so a
 * token costs one column's open paragraph. A thread shorter than its column
 * starts on the row under the header, so the answers start level. */
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
/* Every column back to following its tail, focused, synced or not (a new
 * prompt; End). */
void columns_follow(struct columns *c);
void columns_set_thinking(struct columns *c, bool show);
/* Every column's replies rendered as Markdown (md) or raw (transcript_set_render). */
void columns_set_render(struct columns *c, bool md);
/* Rows of text in the focused column (a page for PgUp/PgDn). */
int columns_page(const struct columns *c);

#endif
