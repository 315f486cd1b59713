/* SPDX-License-Identifier: GPL-3.0-or-later */
/* paths: where circuit's files are, decided in one place. The user's
 * files follow the XDG base directory rules; the files circuit ships
 * (themes) are found next to the executable, then under the install
 * prefix, so ./circuit works from any folder as well as an installed one. */
#ifndef CIRCUIT_UTIL_PATHS_H
#define CIRCUIT_UTIL_PATHS_H

#include <stdbool.h>
#include <stddef.h>

enum paths_kind {
	PATHS_CONFIG, /* $XDG_CONFIG_HOME, else ~/.config */
	PATHS_DATA,   /* $XDG_DATA_HOME, else ~/.local/share */
	PATHS_STATE,  /* $XDG_STATE_HOME, else ~/.local/state */
};

/* The user's file or folder rel ("config", "history.db", "themes") under
 * kind's base and "circuit/", into buf (n bytes). An XDG variable counts
 * only when it is an absolute path (the spec says to ignore a relative
 * one), HOME too. With create, the folders above rel are made (mode 0700). Returns
 * buf, or NULL when neither the variable nor HOME helps, or it does not
 * fit. */
const char *paths_user(enum paths_kind kind, const char *rel, bool create, char *buf, size_t n);

/* A path as the user typed it: "~" or "~/..." is under $HOME; anything else
 * is copied. Into buf (n bytes); NULL when it needs HOME and HOME is not
 * an absolute path, or the result does not fit. */
const char *paths_expand(const char *path, char *buf, size_t n);

/* A temporary file's path: $TMPDIR when it is an absolute path, else
 * /tmp, then "/" and name (a mkstemp template: "circuit-edit-XXXXXX").
 * Into buf (n bytes); NULL when it does not fit. */
const char *paths_temp(const char *name, char *buf, size_t n);

#define PATHS_SHIPPED_MAX 3

/* The folders that may hold circuit's shipped sub ("themes"), best first:
 * the source tree next to the executable (build/circuit -> themes/, or
 * build/asan/circuit two folders up), the prefix next to it
 * (bin/circuit -> share/circuit/themes), and the compiled-in install
 * prefix. Writes up to PATHS_SHIPPED_MAX paths of
 * size bytes each into dirs; returns how many. */
size_t paths_shipped(const char *sub, char (*dirs)[512], size_t max);

/* Where a file of circuit's kind sub ("themes") is looked for, best first:
 * the user's folder (paths_user(PATHS_CONFIG, sub)), then the shipped ones
 * (paths_shipped). Writes up to 1 + PATHS_SHIPPED_MAX paths into dirs;
 * returns how many. */
#define PATHS_SEARCH_MAX (1 + PATHS_SHIPPED_MAX)
size_t paths_search(const char *sub, char (*dirs)[512], size_t max);

#endif
