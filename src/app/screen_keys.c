/* SPDX-License-Identifier: GPL-3.0-or-later */
/* screen_keys: what each key does on the chat screen. ui/keys cuts the
 * terminal's bytes into keys; here they become actions: Ctrl-C cancels,
 * PgUp/PgDn and the wheel scroll, Alt-digits focus a column, Esc closes
 * /stats, Ctrl-X Ctrl-E edits the line in $EDITOR (readline's binding,
 * the editor run here); the rest goes to the input line (readline). */
#include "app/screen_core.h"

#include <stdlib.h>

#include "net/transport.h"
#include "ui/inputline.h"
#include "ui/transcript.h"
#include "util/clock.h"

#define KEY_CTRL_C 0x03
#define KEY_CTRL_T 0x14
#define KEY_CTRL_Z 0x1a
#define SCROLL_WHEEL 3

static int page(const struct screen *sc)
{
	if (sc->ncol > 0)
		return columns_page(sc->cv);
	int rows, cols;
	getmaxyx(sc->tui.transcript, rows, cols);
	(void)cols;
	return rows > 2 ? rows - 2 : 1;
}

/* Scrolling goes to the focused column in a compare (all when synced). */
static void scroll_view(struct screen *sc, int lines)
{
	if (sc->stats_view)
		return; /* the view over them is not scrollable */
	if (sc->ncol > 0)
		columns_scroll(sc->cv, lines);
	else
		transcript_scroll(sc->tr, lines);
}

/* Alt-key that the screen takes (focus, zoom, sync in a compare); false:
 * readline gets it (Alt-Enter inserts a newline, Alt-b a word back...). */
static bool alt_key(struct screen *sc, unsigned char k)
{
	if (k == 'r') {
		screen_set_render(sc, !transcript_render(sc->tr));
		return true;
	}
	if (sc->ncol == 0)
		return false;
	if (k >= '1' && k <= '9') {
		if (k - '1' < sc->ncol)
			columns_focus(sc->cv, k - '1');
		return true;
	}
	if (k == 'z') {
		screen_note(sc, "%s", columns_toggle_zoom(sc->cv) ? "zoomed: Alt-z shows every column"
		                                                  : "all columns");
		return true;
	}
	if (k == 's') {
		screen_note(sc, "%s", columns_toggle_sync(sc->cv) ? "scrolling: every column together"
		                                                  : "scrolling: the focused column");
		return true;
	}
	if (k == 'v') { /* the next key votes */
		sc->vote_key = true;
		screen_note(sc, "vote: A-%c (or 1-%d), t a tie, n none; another key: no vote",
		            'A' + sc->ncol - 1, sc->ncol);
		return true;
	}
	return false;
}

void screen_set_render(struct screen *sc, bool md)
{
	transcript_set_render(sc->tr, md);
	if (sc->cv != NULL)
		columns_set_render(sc->cv, md);
	screen_note(sc, "%s", md ? "replies rendered as Markdown (/render raw: the raw text)"
	                         : "replies as raw text (/render md: rendered)");
}

static void toggle_thinking(struct screen *sc)
{
	bool show = !transcript_thinking(sc->tr);
	transcript_set_thinking(sc->tr, show);
	if (sc->cv != NULL)
		columns_set_thinking(sc->cv, show);
}

static void to_readline(const struct key *k)
{
	for (size_t i = 0; i < k->len; i++)
		inputline_key(k->bytes[i]);
}

static void on_byte(struct screen *sc, const struct key *k)
{
	unsigned char c = k->bytes[0];
	if (c == KEY_CTRL_C)
		screen_ctrl_c(sc, clock_ms()); /* cancels the reply; never quits */
	else if (c == KEY_CTRL_T)
		toggle_thinking(sc); /* one setting for every view */
	else if (c == KEY_CTRL_Z)
		screen_suspend(sc);
	else
		inputline_key(c);
}

static void on_key(void *ctx, const struct key *k)
{
	struct screen *sc = ctx;
	if (sc->vote_key) { /* Alt-v then this key: a vote, or none */
		screen_vote_key(sc, k->kind == KEYS_BYTE ? k->bytes[0] : 0);
		return;
	}
	switch (k->kind) {
	case KEYS_BYTE: on_byte(sc, k); break;
	case KEYS_SEQ: to_readline(k); break;
	case KEYS_ALT:
		if (!alt_key(sc, k->alt))
			to_readline(k);
		break;
	case KEYS_ESC:
		if (sc->stats_view)
			sc->stats_view = false;
		else
			inputline_escape();
		break;
	case KEYS_PASTE:
		inputline_paste((const char *)k->bytes, k->len);
		if (k->cut)
			screen_note(sc, "the paste was cut at %zu MiB", k->len >> 20);
		break;
	case KEYS_PAGE_UP: scroll_view(sc, page(sc)); break;
	case KEYS_PAGE_DOWN: scroll_view(sc, -page(sc)); break;
	case KEYS_WHEEL_UP: scroll_view(sc, SCROLL_WHEEL); break;
	case KEYS_WHEEL_DOWN: scroll_view(sc, -SCROLL_WHEEL); break;
	case KEYS_HOME:
		if (inputline_empty())
			scroll_view(sc, 1 << 28); /* the top */
		else
			to_readline(k);
		break;
	case KEYS_END:
		if (inputline_empty())
			screen_react(sc, REACT_FOLLOW);
		else
			to_readline(k);
		break;
	case KEYS_MOUSE: break; /* clicks would be junk in the input line */
	}
	/* Ctrl-X Ctrl-E, or an /edit line: readline is done with the key. */
	if (inputline_take_edit()) {
		screen_edit(sc, NULL);
	} else if (sc->edit != NULL) {
		char *text = sc->edit;
		sc->edit = NULL;
		screen_edit(sc, text);
		free(text);
	}
}

/* Nothing followed a held Esc within the pause: it counts alone. */
static void keys_pause(void *ctx, long long now)
{
	struct screen *sc = ctx;
	(void)now;
	sc->keys_tick = 0;
	keys_flush(&sc->keys, on_key, sc);
}

void screen_keys(struct screen *sc, const unsigned char *s, size_t n)
{
	if (sc->keys_tick != 0) {
		timer_cancel(sc->s.t, sc->keys_tick);
		sc->keys_tick = 0;
	}
	if (keys_feed(&sc->keys, s, n, on_key, sc))
		sc->keys_tick = timer_add(sc->s.t, clock_ms() + KEYS_ESC_MS, keys_pause, sc);
}
