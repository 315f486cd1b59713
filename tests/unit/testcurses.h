/* SPDX-License-Identifier: GPL-3.0-or-later */
/* testcurses: what the suites that draw on a real curses screen share (a
 * screen from newterm on /dev/null, terminfo "xterm", in a UTF-8 locale;
 * a window's row read back cell by cell). Include after <cmocka.h>. */
#ifndef CIRCUIT_TESTCURSES_H
#define CIRCUIT_TESTCURSES_H

#include <curses.h>
#include <locale.h>
#include <stdio.h>
#include <wchar.h>

static SCREEN *tc_screen;
static FILE *tc_sink;

/* The group's set-up: the locale and the screen (-1 when there is none). */
static inline int tc_setup(void **state)
{
	(void)state;
	setlocale(LC_ALL, "C.UTF-8");
	tc_sink = fopen("/dev/null", "w");
	if (tc_sink == NULL)
		return -1;
	tc_screen = newterm("xterm", tc_sink, stdin);
	return tc_screen != NULL ? 0 : -1;
}

static inline int tc_teardown(void **state)
{
	(void)state;
	endwin();
	delscreen(tc_screen);
	fclose(tc_sink);
	return 0;
}

/* Row y of w, its first cols cells, as text: each cell's characters, its
 * attributes and its colour pair ("ch|attr|pair;"), so two rows drawn
 * alike give the same string. Fails the test on a cell it cannot read. */
static inline void tc_cells(WINDOW *w, int y, int cols, char *out, size_t cap)
{
	size_t n = 0;
	for (int x = 0; x < cols; x++) {
		cchar_t cc;
		wchar_t wch[CCHARW_MAX + 1] = {0};
		attr_t attr = 0;
		short pair = 0;
		if (mvwin_wch(w, y, x, &cc) == ERR || getcchar(&cc, wch, &attr, &pair, NULL) == ERR)
			fail_msg("cell %d,%d unreadable", y, x);
		int k = snprintf(out + n, cap - n, "%ls|%lx|%d;", wch, (unsigned long)attr, pair);
		assert_true(k > 0 && (size_t)k < cap - n);
		n += (size_t)k;
	}
}

#endif
