/* SPDX-License-Identifier: GPL-3.0-or-later */
/* commands: the slash commands, one table entry each (after tmux's cmd_entry). */
#include "ui/commands.h"

#include <stdbool.h>
#include <string.h>

const struct cmd_entry cmd_table[] = {
	{"model", "[PROVIDER:]MODEL", "show or switch the model (Tab completes)", CMD_MODEL},
	{"system", "[TEXT]", "show or set the system prompt of this thread", CMD_SYSTEM},
	{"clear", "", "clear the screen and start a new thread", CMD_CLEAR},
	{"new", "", "start a new thread (the screen keeps the old one above)", CMD_NEW},
	{"retry", "[MODEL]", "send the last prompt again (to MODEL if given)", CMD_RETRY},
	{"continue", "", "ask the model to go on from an interrupted reply (a new reply)", CMD_CONTINUE},
	{"fallback", "[M1,M2,...]", "show or set the models tried when one fails before its first token", CMD_FALLBACK},
	{"compare", "M1 M2 [M3 ...] | off", "send each prompt to 2 to 6 models at once, side by side", CMD_COMPARE},
	{"adopt", "N", "leave compare mode, going on with column N's thread and model", CMD_ADOPT},
	{"sessions", "", "list the conversations in the history (id, date, title, models, turns)", CMD_SESSIONS},
	{"load", "ID", "open conversation ID from the history and go on with it", CMD_LOAD},
	{"search", "TEXT", "find messages in the history containing every word of TEXT", CMD_SEARCH},
	{"export", "md|json FILE", "write this conversation to FILE as Markdown or JSON", CMD_EXPORT},
	{"delete", "ID", "delete conversation ID from the history", CMD_DELETE},
	{"theme", "[NAME]", "show or switch the theme (default, light, solarized-dark, mono)", CMD_THEME},
	{"stats", "", "the figures of this session per provider and model (Esc closes)", CMD_STATS},
	{"help", "", "commands and keys", CMD_HELP},
	{"quit", "", "leave circuit (also Ctrl-D on an empty line)", CMD_QUIT},
};

const size_t cmd_count = sizeof(cmd_table) / sizeof(cmd_table[0]);

const struct cmd_entry *cmd_parse(const char *line, const char **args)
{
	if (line[0] != '/')
		return NULL;
	const char *name = line + 1;
	size_t len = strcspn(name, " \t");
	const struct cmd_entry *found = NULL;
	for (size_t i = 0; i < cmd_count; i++) {
		if (strlen(cmd_table[i].name) == len && strncmp(cmd_table[i].name, name, len) == 0) {
			found = &cmd_table[i]; /* exact beats any prefix */
			break;
		}
		if (len > 0 && strncmp(cmd_table[i].name, name, len) == 0) {
			if (found != NULL)
				return NULL; /* ambiguous */
			found = &cmd_table[i];
		}
	}
	if (found == NULL)
		return NULL;
	const char *a = name + len;
	while (*a == ' ' || *a == '\t')
		a++;
	*args = a;
	return found;
}

const char *cmd_complete(const char *prefix, size_t *state)
{
	static char out[32];
	const char *p = prefix[0] == '/' ? prefix + 1 : prefix;
	while (*state < cmd_count) {
		const struct cmd_entry *e = &cmd_table[(*state)++];
		if (strncmp(e->name, p, strlen(p)) == 0) {
			out[0] = '/';
			size_t n = strlen(e->name);
			memcpy(out + 1, e->name, n + 1);
			return out;
		}
	}
	return NULL;
}
