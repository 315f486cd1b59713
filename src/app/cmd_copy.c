/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_copy: /copy and /copy code [N]: the last reply of the thread in view
 * (in a compare, the focused column's) to the clipboard (app/clipboard). */
#include "app/cmd.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "app/clipboard.h"
#include "model/config.h"
#include "util/units.h"

/* The last reply of the thread in view, or NULL. */
static const struct message *last_reply(struct screen *sc)
{
	const struct conversation *c = screen_view_conv(sc);
	for (size_t i = c->n; i > 0; i--)
		if (c->v[i - 1]->kind == MSG_ASSISTANT)
			return c->v[i - 1];
	return NULL;
}

/* "code", "code 2": 0 and *want (0: the last); "": 0 and *code false;
 * anything else -1. */
static int parse_args(const char *args, bool *code, size_t *want)
{
	*code = false;
	*want = 0;
	if (*args == '\0')
		return 0;
	if (strncmp(args, "code", 4) != 0 || (args[4] != '\0' && args[4] != ' '))
		return -1;
	*code = true;
	const char *p = args + 4 + strspn(args + 4, " ");
	if (*p == '\0')
		return 0;
	size_t v = 0;
	for (; *p >= '0' && *p <= '9' && v < 100000; p++)
		v = v * 10 + (size_t)(*p - '0');
	if (*p != '\0' || v == 0)
		return -1;
	*want = v;
	return 0;
}

/* Lines of n bytes of text (a last line without its newline counts). */
static size_t count_lines(const char *p, size_t n)
{
	size_t lines = 0;
	for (size_t i = 0; i < n; i++)
		lines += p[i] == '\n';
	return lines + (n > 0 && p[n - 1] != '\n');
}

/* Copies text and says what and how: what is "the last reply's Markdown",
 * "code block 2 of 3". */
static void copy_and_say(struct screen *sc, const char *what, const char *text, size_t n,
                         const char *detail)
{
	int how = sc->s.cfg != NULL ? sc->s.cfg->clipboard : CONFIG_CLIPBOARD_OSC52;
	struct clip_result r;
	(void)fflush(stdout); /* curses' bytes first: the escape never splits one of them */
	if (clip_copy(how, STDOUT_FILENO, text, n, &r) < 0) {
		screen_sayf(sc, MSG_ERROR, "could not copy %s: %s", what, r.err);
		return;
	}
	sc->relayout = true; /* a terminal that shows the escape: draw it whole again */
	screen_sayf(sc, MSG_NOTICE, "copied %s (%s) with %s", what, detail, r.how);
}

int cmd_copy(struct screen *sc, const char *args)
{
	bool code;
	size_t want;
	if (parse_args(args, &code, &want) < 0) {
		screen_say(sc, MSG_ERROR, "/copy takes nothing, or code and a block's number: /copy, "
		           "/copy code, /copy code 2");
		return REACT_NONE;
	}
	if (sc->s.cfg != NULL && sc->s.cfg->clipboard == CONFIG_CLIPBOARD_OFF) {
		screen_say(sc, MSG_ERROR, "/copy is off in the config (clipboard = off): set "
		           "clipboard = osc52 or command to use it");
		return REACT_NONE;
	}
	const struct message *m = last_reply(sc);
	if (m == NULL || m->text.len == 0) {
		screen_say(sc, MSG_ERROR, "no reply to copy yet");
		return REACT_NONE;
	}
	char size[UNITS_MAX], lines[UNITS_MAX], detail[96], what[64];
	const char *so_far = m->streaming ? ", so far" : "";
	if (!code) {
		/* The Markdown as the model sent it; raw empty: it is the text. */
		const struct buf *src = m->raw.len > 0 ? &m->raw : &m->text;
		units_bytes(src->len, size, sizeof size);
		snprintf(detail, sizeof detail, "%s%s", size, so_far);
		copy_and_say(sc, "the last reply's Markdown", buf_str(src), src->len, detail);
		return REACT_NONE;
	}
	struct buf block;
	buf_init(&block, 0);
	size_t count = 0;
	size_t got = clip_code_block(buf_str(&m->text), m->text.len, want, &block, &count);
	if (got == 0 && count == 0) {
		screen_say(sc, MSG_ERROR, "no code block in the last reply");
	} else if (got == 0) {
		screen_sayf(sc, MSG_ERROR, "no code block %zu in the last reply: it has %zu", want,
		            count);
	} else {
		units_plural((long long)count_lines(block.data, block.len), "line", lines,
		             sizeof lines);
		char lang[24];
		clip_code_lang(buf_str(&m->text), m->text.len, got, lang, sizeof lang);
		snprintf(what, sizeof what, "code block %zu of %zu", got, count);
		snprintf(detail, sizeof detail, "%s%s%s%s", lang, *lang ? ", " : "", lines, so_far);
		copy_and_say(sc, what, buf_str(&block), block.len, detail);
	}
	buf_done(&block);
	return REACT_NONE;
}
