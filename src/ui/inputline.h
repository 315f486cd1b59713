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
/* What Tab completes after a command's name. */
enum complete_kind {
	COMPLETE_NONE,
	COMPLETE_MODEL,
	COMPLETE_THEME,
	COMPLETE_PATH,
	COMPLETE_WORDS, /* the command's own words ("code" after /copy) */
};
struct inputline_command {
	const char *name; /* without the slash: "model" */
	enum complete_kind complete;
	const char *const *words; /* COMPLETE_WORDS: NULL-ended, borrowed (static) */
};
/* The commands Tab completes after "/", and what their argument completes
 * to (borrowed: a static table). After "/NAME " (or a prefix of one name
 * only, "/m "), every word completes to: COMPLETE_MODEL the models,
 * COMPLETE_THEME the themes, COMPLETE_WORDS the command's words, COMPLETE_PATH a file name (readline's, "~/"
 * expanded, a directory ending in "/"), COMPLETE_NONE nothing. */
void inputline_set_commands(const struct inputline_command *cmds, size_t n);
/* The words COMPLETE_MODEL completes to (copied). */
void inputline_set_models(const char *const *models, size_t n);
/* The words COMPLETE_THEME completes to (copied). */
void inputline_set_themes(const char *const *names, size_t n);
/* A lone Esc: readline's vi mode gets it (command mode); in emacs mode it
 * is dropped, so it never becomes a meta prefix that eats the next key. */
void inputline_escape(void);
void inputline_set_screen_size(int rows, int cols);

/* The choices of an ambiguous Tab ("/stats /system"), all of them, once;
 * "" if none. Bounded (4 KiB): a longer list ends in " …". Borrowed until
 * the next call. */
const char *inputline_take_hint(void);
/* True once since the line or the prompt changed. */
bool inputline_take_dirty(void);
bool inputline_empty(void);
/* The line being edited (borrowed until the next key or set). */
const char *inputline_text(void);
/* Replaces the line being edited with text (copied; newlines stay, as
 * Ctrl-J makes them), the cursor at its end; one undo (Ctrl-_) brings the
 * old line back. Not sent: Enter sends it. */
void inputline_set_text(const char *text);
/* True once after the key bound to edit-in-editor was typed (Ctrl-X
 * Ctrl-E; ~/.inputrc may bind "edit-in-editor" to another): the app then
 * runs the editor on inputline_text(). */
bool inputline_take_edit(void);
/* Rows the pane needs at cols columns, between 1 and max. */
int inputline_height(int cols, int max);
/* Draws prompt and line into w; the cursor goes where readline's point is
 * (by display width). Call inputline_place_cursor last in a frame. */
void inputline_draw(WINDOW *w, attr_t prompt, attr_t text);
void inputline_place_cursor(WINDOW *w);

#endif
