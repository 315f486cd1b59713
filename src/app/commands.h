/* SPDX-License-Identifier: GPL-3.0-or-later */
/* commands: how a line the user entered is read: a slash command (from
 * the table in commands.c) or a message. Pure, for the tests; the screen
 * runs what it finds (screen_line). */
#ifndef CIRCUIT_APP_COMMANDS_H
#define CIRCUIT_APP_COMMANDS_H

#include <stddef.h>

struct command;

enum line_kind {
	LINE_NOTHING,   /* blank */
	LINE_MESSAGE,   /* text to send: no slash, "//..." (sent without the first
	                 * slash), a first word that is not a command word
	                 * ("/var/log: ..."), or several lines (a paste) */
	LINE_COMMAND,   /* cmd, its arguments in text (trimmed at the start) */
	LINE_UNKNOWN,   /* "/word": no command is or begins with word */
	LINE_AMBIGUOUS, /* "/word": several commands begin with word */
	LINE_NO_NAME,   /* "/" alone, or "/ text" */
};

struct line_read {
	enum line_kind kind;
	const struct command *cmd; /* LINE_COMMAND */
	const char *text;          /* the message, or the command's arguments */
	const char *name;          /* the command word after "/" (not NUL-ended) */
	size_t name_len;
};

/* Reads line (no trailing blanks) into out; pointers go into line. */
void commands_read(const char *line, struct line_read *out);
/* A command's name, without the slash. */
const char *command_name(const struct command *c);

#endif
