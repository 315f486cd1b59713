/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd: the handlers of the slash commands (commands.c holds the table).
 * Each takes the screen and the command's arguments (trimmed, "" for
 * none) and returns what the next frame must do (enum reaction). */
#ifndef CIRCUIT_APP_CMD_H
#define CIRCUIT_APP_CMD_H

#include "app/screen_core.h"

/* cmd_thread.c: the thread and its model */
int cmd_model(struct screen *sc, const char *args);
int cmd_system(struct screen *sc, const char *args);
int cmd_clear(struct screen *sc, const char *args);
int cmd_new(struct screen *sc, const char *args);
int cmd_retry(struct screen *sc, const char *args);
int cmd_continue(struct screen *sc, const char *args);
int cmd_fallback(struct screen *sc, const char *args);
/* cmd_compare.c */
int cmd_compare(struct screen *sc, const char *args);
int cmd_adopt(struct screen *sc, const char *args);
/* cmd_vote.c: /vote WORD, /leaderboard [--since W] [--grep W] */
int cmd_vote(struct screen *sc, const char *args);
int cmd_leaderboard(struct screen *sc, const char *args);
/* cmd_history.c */
int cmd_sessions(struct screen *sc, const char *args);
int cmd_load(struct screen *sc, const char *args);
int cmd_search(struct screen *sc, const char *args);
int cmd_export(struct screen *sc, const char *args);
int cmd_delete(struct screen *sc, const char *args);
/* cmd_copy.c: /copy, /copy code [N] */
int cmd_copy(struct screen *sc, const char *args);
/* cmd_edit.c: /edit [TEXT], the next message written in $EDITOR */
int cmd_edit(struct screen *sc, const char *args);
/* files.c: /file PATH, /file, /file clear */
int cmd_file(struct screen *sc, const char *args);
/* cmd_view.c: how the screen looks, and leaving it */
int cmd_theme(struct screen *sc, const char *args);
int cmd_stats(struct screen *sc, const char *args);
int cmd_render(struct screen *sc, const char *args);
int cmd_help(struct screen *sc, const char *args);
int cmd_quit(struct screen *sc, const char *args);

#endif
