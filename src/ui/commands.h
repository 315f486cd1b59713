/* SPDX-License-Identifier: GPL-3.0-or-later */
/* commands: the slash commands, one table entry each (after tmux's cmd_entry). */
#ifndef CIRCUIT_UI_COMMANDS_H
#define CIRCUIT_UI_COMMANDS_H

#include <stddef.h>

enum cmd_id {
	CMD_MODEL,
	CMD_SYSTEM,
	CMD_CLEAR,
	CMD_NEW,
	CMD_RETRY,
	CMD_CONTINUE,
	CMD_FALLBACK,
	CMD_COMPARE,
	CMD_ADOPT,
	CMD_SESSIONS,
	CMD_LOAD,
	CMD_SEARCH,
	CMD_EXPORT,
	CMD_DELETE,
	CMD_THEME,
	CMD_STATS,
	CMD_HELP,
	CMD_QUIT,
};

/* The ui knows the commands' names and words; the app performs them (it
 * owns the network and the conversation), keyed by id. */
struct cmd_entry {
	const char *name; /* without the slash */
	const char *args; /* usage of the arguments, "" for none */
	const char *help; /* one line */
	enum cmd_id id;
};

extern const struct cmd_entry cmd_table[];
extern const size_t cmd_count;

/* line starts with '/': the entry it names (a unique prefix is enough) and
 * its arguments, trimmed (*args points into line). NULL for an unknown or
 * ambiguous command. */
const struct cmd_entry *cmd_parse(const char *line, const char **args);
/* For completion: the next command name (with its slash) that starts with
 * prefix ("/mo"), from *state (start at 0); NULL when there are no more. */
const char *cmd_complete(const char *prefix, size_t *state);

#endif
