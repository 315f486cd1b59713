/* SPDX-License-Identifier: GPL-3.0-or-later */
/* history_cli: the history from the command line (circuit --search, --export). */
#ifndef CIRCUIT_APP_HISTORY_CLI_H
#define CIRCUIT_APP_HISTORY_CLI_H

/* Prints the messages containing every word of query (as prefixes),
 * newest first, one per line: "ID\tDATE\tLABEL: …snippet…". path NULL: the
 * default file. Returns the exit status, as grep's: 0 found, 1 nothing
 * found or the history cannot be read. */
int history_cli_search(const char *path, const char *query);

/* Prints conversation id as "md" or "json" on stdout. Returns 0, 1 (no
 * such conversation, unreadable history) or 2 (a bad format). */
int history_cli_export(const char *path, long long id, const char *format);

#endif
