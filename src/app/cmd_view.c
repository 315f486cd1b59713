/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_view: how the screen looks, and leaving it: /theme, /stats, /help,
 * /quit. */
#include "app/cmd.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/stats.h"
#include "ui/transcript.h"
#include "util/clock.h"
#include "util/mem.h"
#include "util/paths.h"

#define THEMES_LISTED 32

static void add_name(char (*names)[64], size_t *n, const char *name, size_t len)
{
	if (*n == THEMES_LISTED || len == 0 || len >= 64)
		return;
	for (size_t i = 0; i < *n; i++)
		if (strlen(names[i]) == len && strncmp(names[i], name, len) == 0)
			return;
	snprintf(names[(*n)++], 64, "%.*s", (int)len, name);
}

/* Every NAME.theme in dir. */
static void names_in(const char *dir, char (*names)[64], size_t *n)
{
	DIR *d = opendir(dir);
	if (d == NULL)
		return;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);
		if (len > 6 && strcmp(e->d_name + len - 6, ".theme") == 0)
			add_name(names, n, e->d_name, len - 6);
	}
	closedir(d);
}

/* The themes there are: the built-ins and every NAME.theme in the folders
 * a theme is looked for in, each name once. */
static void theme_names(struct buf *b)
{
	char names[THEMES_LISTED][64];
	size_t n = 0;
	add_name(names, &n, "default", 7);
	add_name(names, &n, "mono", 4);
	char dirs[PATHS_SEARCH_MAX][512];
	size_t nd = paths_search("themes", dirs, PATHS_SEARCH_MAX);
	for (size_t i = 0; i < nd; i++)
		names_in(dirs[i], names, &n);
	for (size_t i = 0; i < n; i++)
		buf_printf(b, "%s%s", i ? ", " : "", names[i]);
}

int cmd_theme(struct screen *sc, const char *args)
{
	if (*args == '\0') {
		struct buf b;
		buf_init(&b, 0);
		buf_append_str(&b, "themes: ");
		theme_names(&b);
		buf_append_str(&b, " (/theme NAME)");
		screen_say(sc, MSG_NOTICE, buf_str(&b));
		buf_done(&b);
		return REACT_NONE;
	}
	screen_load_theme(sc, args, true);
	return REACT_LAYOUT;
}

int cmd_render(struct screen *sc, const char *args)
{
	bool md;
	if (*args == '\0') {
		md = !transcript_render(sc->tr);
	} else if (strcmp(args, "md") == 0) {
		md = true;
	} else if (strcmp(args, "raw") == 0) {
		md = false;
	} else {
		screen_say(sc, MSG_ERROR, "circuit: /render takes md or raw; try /render md");
		return REACT_NONE;
	}
	screen_set_render(sc, md);
	return REACT_NONE;
}

/* /stats history [SINCE]: the report of the history (app/stats.h) as it
 * is now, in the /stats view until it closes. */
static int stats_history(struct screen *sc, const char *since)
{
	struct stats_query q = {0, NULL, STATS_BY_REPLIES};
	if (*since != '\0' && clock_since(since, clock_unix(), &q.since) < 0) {
		screen_say(sc, MSG_ERROR, "circuit: /stats history takes 30m, 24h, 7d, 2w or a date "
		           "(2026-12-01); try /stats history 7d");
		return REACT_NONE;
	}
	if (sc->hist == NULL) {
		screen_say(sc, MSG_ERROR, "circuit: the history is off for this run; /stats shows "
		           "this session's figures");
		return REACT_NONE;
	}
	struct stats_report r;
	if (stats_collect(sc->hist, &q, &r) < 0) {
		screen_sayf(sc, MSG_ERROR, "circuit: cannot read the history's figures: %s",
		            history_error(sc->hist));
		return REACT_NONE;
	}
	struct buf b;
	buf_init(&b, 0);
	stats_text(&r, &b);
	buf_append_str(&b, "\nEsc or /stats closes; /stats history again reads it anew");
	stats_report_done(&r);
	free(sc->stats_history);
	sc->stats_history = xstrdup(buf_str(&b));
	buf_done(&b);
	sc->stats_view = true;
	return REACT_NONE;
}

int cmd_stats(struct screen *sc, const char *args)
{
	if (strncmp(args, "history", 7) == 0 && (args[7] == '\0' || args[7] == ' ')) {
		const char *since = args + 7;
		while (*since == ' ')
			since++;
		return stats_history(sc, since);
	}
	if (*args != '\0') {
		screen_say(sc, MSG_ERROR, "circuit: /stats takes nothing, or history [7d|24h|DATE]; "
		           "try /stats history 7d");
		return REACT_NONE;
	}
	if (screen_blind(sc) && !sc->stats_view) { /* per provider: it would name them */
		screen_say(sc, MSG_ERROR, "a blind compare: /stats waits for the vote (/vote A)");
		return REACT_NONE;
	}
	/* from the history's report to the live one, else open or close */
	sc->stats_view = sc->stats_history != NULL || !sc->stats_view;
	free(sc->stats_history);
	sc->stats_history = NULL;
	return REACT_NONE;
}

int cmd_help(struct screen *sc, const char *args)
{
	(void)args;
	struct buf b;
	buf_init(&b, 0);
	commands_help(&b);
	buf_append_str(&b, "Keys: Enter sends (while a reply streams: queued, sent when it ends) · "
	                   "Ctrl-J or Alt-Enter: new line · Ctrl-X Ctrl-E or /edit: write it in $EDITOR · Ctrl-C cancels the reply (on an empty "
	                   "line it also drops the queue) · PgUp/PgDn scroll · Home: the top · End "
	                   "follows · Ctrl-T shows thinking · Alt-r: rendered or raw replies · "
	                   "Ctrl-R searches history · Tab completes · Esc closes /stats · Ctrl-Z "
	                   "suspends (fg resumes) · Ctrl-D on an empty line quits\n"
	                   "Compare: Alt-1..6 focuses a column · Alt-z zooms it · Alt-s syncs "
	                   "scrolling · Ctrl-C cancels the focused column, or the streaming ones "
	                   "(twice: all)");
	screen_say(sc, MSG_NOTICE, buf_str(&b));
	buf_done(&b);
	return REACT_NONE;
}

int cmd_quit(struct screen *sc, const char *args)
{
	(void)sc;
	(void)args;
	return REACT_QUIT;
}
