/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tui: the screen and its layout. */
#include "ui/tui.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "ui/theme.h"
#include "util/glyphs.h"

/* What circuit asks of the terminal beyond curses: bracketed paste (a
 * paste never sends) and SGR mouse reports for the wheel (hold Shift to
 * select text with the mouse, as in most TUIs); and a terminal read without
 * blocking, since the loop reads its bytes itself. Undone whenever the
 * terminal goes back to the shell: the shell shares the O_NONBLOCK flag. */
static void terminal_modes(bool on)
{
	fputs(on ? "\x1b[?2004h\x1b[?1000h\x1b[?1006h" : "\x1b[?1006l\x1b[?1000l\x1b[?2004l",
	      stdout);
	fflush(stdout);
	int fl = fcntl(STDIN_FILENO, F_GETFL);
	if (fl >= 0)
		fcntl(STDIN_FILENO, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK);
}

int tui_init(struct tui *t, char *err, size_t errlen)
{
	memset(t, 0, sizeof(*t));
	/* The app set the locale: circuit's own marks follow it (ASCII under
	 * LANG=C, where UTF-8 rules would show as "~T~@"). */
	glyphs_init();
	if (newterm(NULL, stdout, stdin) == NULL) {
		snprintf(err, errlen, "cannot use this terminal (TERM=%s)",
		         getenv("TERM") ? getenv("TERM") : "unset");
		return -1;
	}
	raw();    /* Ctrl-C is a key here, not a signal: it cancels, never kills */
	noecho();
	nonl();
	typeahead(-1);
	/* The loop reads the terminal's bytes itself; curses only draws. */
	keypad(stdscr, FALSE);
	if (has_colors()) {
		start_color();
		use_default_colors();
	}
	/* ncurses flushes after every cursor move until the screen has been
	 * through endwin() and back (its _endwin stays "initial" after newterm),
	 * which turns one frame into a write per changed row. One round trip
	 * here, before anything is drawn, makes a frame one write. */
	endwin();
	doupdate();
	terminal_modes(true);
	t->input_rows = 1;
	tui_layout(t, 1);
	return 0;
}

void tui_suspend(struct tui *t)
{
	(void)t;
	terminal_modes(false);
	endwin();
}

void tui_resume(struct tui *t)
{
	terminal_modes(true);
	tui_resize(t); /* it may have changed size while stopped */
}

void tui_done(struct tui *t)
{
	if (t->transcript != NULL) {
		delwin(t->transcript);
		delwin(t->rule);
		delwin(t->input);
		delwin(t->status);
	}
	terminal_modes(false);
	endwin();
	memset(t, 0, sizeof(*t));
}

int tui_input_max(const struct tui *t)
{
	int max = t->rows / 3;
	return max < 1 ? 1 : max;
}

void tui_layout(struct tui *t, int input_rows)
{
	getmaxyx(stdscr, t->rows, t->cols);
	if (input_rows > tui_input_max(t))
		input_rows = tui_input_max(t);
	if (input_rows < 1)
		input_rows = 1;
	t->input_rows = input_rows;
	int trows = t->rows - input_rows - 2;
	if (trows < 1)
		trows = 1;
	if (t->transcript != NULL) {
		delwin(t->transcript);
		delwin(t->rule);
		delwin(t->input);
		delwin(t->status);
	}
	t->transcript = newwin(trows, t->cols, 0, 0);
	t->rule = newwin(1, t->cols, trows, 0);
	t->input = newwin(input_rows, t->cols, trows + 1, 0);
	t->status = newwin(1, t->cols, trows + 1 + input_rows, 0);
	leaveok(t->transcript, TRUE);
	idlok(t->transcript, TRUE);
	leaveok(t->rule, TRUE);
	leaveok(t->status, TRUE);
}

void tui_resize(struct tui *t)
{
	struct winsize ws;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	tui_layout(t, t->input_rows);
	clearok(curscr, TRUE); /* once per resize, never per frame */
}

void tui_draw_rule(struct tui *t)
{
	if (!is_wintouched(t->rule))
		return; /* drawn, and nothing has changed it since */
	werase(t->rule);
	wattrset(t->rule, theme_attr(THEME_BORDER));
	for (int i = 0; i < t->cols; i++)
		waddstr(t->rule, glyph->hrule);
	wattrset(t->rule, 0);
	wnoutrefresh(t->rule);
}
