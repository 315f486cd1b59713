/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tui: the screen and its layout. */
#ifndef CIRCUIT_UI_TUI_H
#define CIRCUIT_UI_TUI_H

#include <curses.h>
#include <stdbool.h>

/* From the top: the transcript, a rule, the input pane (1 row, growing up
 * to a third of the screen as the line does), the status bar. */
struct tui {
	WINDOW *transcript, *rule, *input, *status;
	int rows, cols;
	int input_rows;
};

/* Starts curses on the terminal (raw keys read by the loop itself,
 * colours) and picks circuit's marks for the locale (glyphs_init: call
 * setlocale first). Returns 0, or -1 with a message if the terminal cannot
 * be used. */
int tui_init(struct tui *t, char *err, size_t errlen);
void tui_done(struct tui *t);
/* The terminal back to the shell (Ctrl-Z), and back to circuit (fg): the
 * next frame draws the screen whole. */
void tui_suspend(struct tui *t);
void tui_resume(struct tui *t);
/* Lays the windows out for the terminal's current size and input_rows. */
void tui_layout(struct tui *t, int input_rows);
/* The terminal changed size (SIGWINCH): asks it, resizes, lays out again. */
void tui_resize(struct tui *t);
/* Most rows the input pane may take. */
int tui_input_max(const struct tui *t);
void tui_draw_rule(struct tui *t);

#endif
