/* SPDX-License-Identifier: GPL-3.0-or-later */
/* histcli: the history from the command line (circuit --search, --export). */
#ifndef CIRCUIT_HISTCLI_H
#define CIRCUIT_HISTCLI_H

#include <stddef.h>

/* Prints the messages containing every word of query, newest first, one
 * per line: "ID  DATE  LABEL: …snippet…". path NULL: the default file.
 * Returns the exit status (0; 1 when the history cannot be read). */
int histcli_search(const char *path, const char *query);

/* Prints conversation id as "md" or "json" on stdout. Returns 0, 1 (no
 * such conversation, unreadable history) or 2 (a bad format). */
int histcli_export(const char *path, long long id, const char *format);

/* A history time (unix seconds) as the lists show it, local time:
 * "2026-11-24 10:34" (the number itself if it cannot be converted). */
void histcli_date(long long t, char *out, size_t size);

#endif
