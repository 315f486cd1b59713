/* SPDX-License-Identifier: GPL-3.0-or-later */
/* inputline: GNU readline's callback interface, inside ncurses. */
#ifndef CIRCUIT_UI_INPUTLINE_H
#define CIRCUIT_UI_INPUTLINE_H

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>

/* A finished line (the callee frees it), or NULL for Ctrl-D on an empty line. */
typedef void (*inputline_fn)(void *ctx, char *line);

/* ncurses owns the terminal; readline only edits the line (DESIGN.md
 * "Readline inside ncurses"): the loop reads the terminal's bytes and hands
 * them over with inputline_key(); readline never reads, writes, prepares
 * the terminal or catches a signal. ~/.inputrc applies (emacs and vi modes).
 * history_path: where the input history lives (NULL: none). */
void inputline_init(const char *history_path, inputline_fn fn, void *ctx);
void inputline_done(void);

/* One byte typed. */
void inputline_key(unsigned char c);
/* Pasted text (between bracketed-paste markers): inserted as it is,
 * newlines included; a paste never sends. */
void inputline_paste(const char *p, size_t n);
/* Words Tab completes after "/model " (copied). */
void inputline_set_models(const char *const *models, size_t n);
void inputline_set_screen_size(int rows, int cols);

/* The choices of an ambiguous Tab ("/stats /system"), once; "" if none. */
const char *inputline_take_hint(void);
/* True once since the line or the prompt changed. */
bool inputline_take_dirty(void);
bool inputline_empty(void);
/* Rows the pane needs at cols columns, between 1 and max. */
int inputline_height(int cols, int max);
/* Draws prompt and line into w; the cursor goes where readline's point is
 * (by display width). Call inputline_place_cursor last in a frame. */
void inputline_draw(WINDOW *w, attr_t prompt, attr_t text);
void inputline_place_cursor(WINDOW *w);

#endif
