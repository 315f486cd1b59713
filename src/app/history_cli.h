/* SPDX-License-Identifier: GPL-3.0-or-later */
/* history_cli: the history from the command line (circuit --search, --export,
 * --sessions, --last). */
#ifndef CIRCUIT_APP_HISTORY_CLI_H
#define CIRCUIT_APP_HISTORY_CLI_H

#include <stdbool.h>

/* Prints the messages containing every word of query (as prefixes),
 * newest first, one per line: "ID\tDATE\tLABEL: …snippet…". path NULL: the
 * default file. Returns the exit status, as grep's: 0 found, 1 nothing
 * found or the history cannot be read. */
int history_cli_search(const char *path, const char *query);

/* Prints conversation id (0: the newest) as "md" or "json" on stdout.
 * Returns 0, 1 (no such conversation, an empty or unreadable history) or
 * 2 (a bad format). */
int history_cli_export(const char *path, long long id, const char *format);

/* Lists the conversations, newest first: id, date (local), title, turns,
 * models. tty: aligned columns under a header, cut to the terminal's
 * width; else one tab-separated line each; json: one array of objects
 * {"id","date","created","updated","title","turns","models":[...]}. An
 * empty (or absent) history lists nothing and says "no conversations
 * yet" on stderr. Returns 0, or 1 (an unreadable history, a failed
 * write). */
int history_cli_sessions(const char *path, bool json, bool tty);

/* Prints the text of the newest conversation's last reply as it was
 * received (raw; sanitised when tty: a terminal does not run a model's
 * escape sequences), with a newline at the end if it has none. Returns 0,
 * or 1 after one line on stderr (no reply yet, an unreadable history, a
 * failed write). */
int history_cli_last(const char *path, bool tty);

#endif
