/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rowdraw: one screen row as styled text, drawn again only from where it
 * first differs from what the row shows. A streaming reply grows its last
 * row a few characters at a time: redrawing only those keeps a token's
 * cost flat in the row's length. */
#ifndef CIRCUIT_UI_ROWDRAW_H
#define CIRCUIT_UI_ROWDRAW_H

#include <curses.h>
#include <stddef.h>

/* The row's bytes and, for each byte, its attribute. */
struct rowdraw {
	char *s;
	attr_t *a;
	size_t n, cap;
};

void rowdraw_free(struct rowdraw *r);
/* Empties r (what a blank row holds). */
void rowdraw_clear(struct rowdraw *r);
/* Appends n bytes of s in attribute a. Tabs become spaces to the next
 * stop (wrap_tab_width), as the wrapping measured them for a row cols wide. */
void rowdraw_add(struct rowdraw *r, attr_t a, const char *s, size_t n, int cols);
/* Row y of w shows *shown; makes it show *want, drawing only from the
 * first difference (moved back to a place between two ASCII characters,
 * so that no character or cluster is split), then swaps the two. */
void rowdraw_put(WINDOW *w, int y, struct rowdraw *shown, struct rowdraw *want);

#endif
