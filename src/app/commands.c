/* SPDX-License-Identifier: GPL-3.0-or-later */
/* commands: the slash commands, one table entry each (after tmux's
 * cmd_entry): name, usage, one line of help, what Tab completes after it,
 * and its handler. Adding a command is one entry here and its handler.
 * Also how a line the user entered is read: a command, or a message. */
#include "app/cmd.h"
#include "app/commands.h"

#include <stdlib.h>
#include <string.h>

#include "ui/inputline.h"

struct command {
	const char *name;  /* without the slash */
	const char *usage; /* the arguments, "" for none */
	const char *help;  /* one line */
	enum complete_kind complete;
	int (*exec)(struct screen *sc, const char *args);
	const char *const *words; /* COMPLETE_WORDS: what Tab offers, NULL-ended */
};

static const char *const copy_words[] = {"code", NULL};
static const char *const render_words[] = {"md", "raw", NULL};
static const char *const stats_words[] = {"history", NULL};

static const struct command commands[] = {
	{"model", "[PROVIDER:]MODEL", "show or switch the model (Tab completes)", COMPLETE_MODEL,
	 cmd_model, NULL},
	{"system", "[TEXT | none]", "show, set or clear (none) the system prompt of this thread",
	 COMPLETE_NONE, cmd_system, NULL},
	{"clear", "", "clear the screen and start a new thread", COMPLETE_NONE, cmd_clear, NULL},
	{"new", "", "start a new thread (the screen keeps the old one above)", COMPLETE_NONE,
	 cmd_new, NULL},
	{"retry", "[MODEL]", "send the last prompt again (to MODEL if given)", COMPLETE_MODEL,
	 cmd_retry, NULL},
	{"continue", "", "ask the model to go on from a reply cut short (a new reply)",
	 COMPLETE_NONE, cmd_continue, NULL},
	{"fallback", "[M1,M2,... | none]",
	 "show or set the models tried when one fails before its first token", COMPLETE_MODEL,
	 cmd_fallback, NULL},
	{"compare", "M1 M2 [M3 ...] | off", "send each prompt to 2 to 6 models at once, side by side",
	 COMPLETE_MODEL, cmd_compare, NULL},
	{"adopt", "N", "leave compare mode, going on with column N's thread and model",
	 COMPLETE_NONE, cmd_adopt, NULL},
	{"vote", "A|N|tie|none", "judge the compare's last replies (a column's letter or number); "
	 "a blind compare's names show then (Alt-v A too)", COMPLETE_NONE, cmd_vote, NULL},
	{"leaderboard", "[--since 7d] [--grep WORD]", "the models ranked from your votes",
	 COMPLETE_NONE, cmd_leaderboard, NULL},
	{"sessions", "[more]", "list the conversations in the history, newest first (more: the next "
	 "page)", COMPLETE_NONE, cmd_sessions, NULL},
	{"load", "ID", "open conversation ID from the history and go on with it", COMPLETE_NONE,
	 cmd_load, NULL},
	{"search", "TEXT", "find messages in the history with every word of TEXT (as prefixes)",
	 COMPLETE_NONE, cmd_search, NULL},
	{"export", "md|json FILE", "write this conversation to FILE as Markdown or JSON",
	 COMPLETE_PATH, cmd_export, NULL},
	{"file", "[--force] PATH | clear",
	 "attach a file (text, or a png/jpeg/webp/gif image) to your next message; alone: list "
	 "them", COMPLETE_PATH, cmd_file, NULL},
	{"delete", "ID", "delete conversation ID from the history", COMPLETE_NONE, cmd_delete, NULL},
	{"copy", "[code [N]]",
	 "copy the last reply's Markdown, or its code block N (default: the last) to the clipboard",
	 COMPLETE_WORDS, cmd_copy, copy_words},
	{"edit", "[TEXT]",
	 "write the next message in $VISUAL or $EDITOR (from TEXT); also Ctrl-X Ctrl-E on the line",
	 COMPLETE_NONE, cmd_edit, NULL},
	{"theme", "[NAME]", "show or switch the theme", COMPLETE_THEME, cmd_theme, NULL},
	{"render", "[md | raw]",
	 "show replies as rendered Markdown (md, the default) or their raw text (also Alt-r)",
	 COMPLETE_WORDS, cmd_render, render_words},
	{"stats", "[history [7d|24h|DATE]]",
	 "the figures of this session per provider and model; history: of the whole history "
	 "(Esc closes)", COMPLETE_WORDS, cmd_stats, stats_words},
	{"help", "", "commands and keys", COMPLETE_NONE, cmd_help, NULL},
	{"quit", "", "leave circuit (also Ctrl-D on an empty line)", COMPLETE_NONE, cmd_quit, NULL},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

void commands_register(void)
{
	static struct inputline_command names[NCOMMANDS];
	for (size_t i = 0; i < NCOMMANDS; i++)
		names[i] = (struct inputline_command){commands[i].name, commands[i].complete,
		                                      commands[i].words};
	inputline_set_commands(names, NCOMMANDS);
}

void commands_help(struct buf *b)
{
	buf_append_str(b, "Commands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		buf_printf(b, "  /%s %s — %s\n", commands[i].name, commands[i].usage, commands[i].help);
	buf_append_str(b, "  //TEXT sends \"/TEXT\" as a message; a line that does not begin with "
	                  "a command word (/var/log: ...) is a message too\n");
}

/* The command named by the word at name (len bytes): an exact name, else
 * the one name it begins. NULL: none; *ambiguous says whether several. */
static const struct command *find(const char *name, size_t len, bool *ambiguous)
{
	const struct command *found = NULL;
	*ambiguous = false;
	for (size_t i = 0; i < NCOMMANDS; i++) {
		if (strncmp(commands[i].name, name, len) != 0)
			continue;
		if (strlen(commands[i].name) == len)
			return &commands[i]; /* exact beats any prefix */
		if (found != NULL)
			*ambiguous = true;
		found = &commands[i];
	}
	return *ambiguous ? NULL : found;
}

/* A command word: letters only ("/var/log: ..." and "/etc/hosts" are not). */
static bool command_word(const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] < 'a' || p[i] > 'z')
			return false;
	return true;
}

void commands_read(const char *line, struct line_read *out)
{
	memset(out, 0, sizeof(*out));
	out->text = line;
	size_t word = line[0] == '/' ? strcspn(line + 1, " \t\n") : 0;
	if (line[strspn(line, " \t\n")] == '\0') {
		out->kind = LINE_NOTHING;
	} else if (line[0] != '/' || strchr(line, '\n') != NULL) {
		out->kind = LINE_MESSAGE; /* a paste of several lines is never a command */
	} else if (line[1] == '/') {
		out->kind = LINE_MESSAGE; /* "//text" sends "/text", as in IRC */
		out->text = line + 1;
	} else if (!command_word(line + 1, word)) {
		out->kind = LINE_MESSAGE; /* "/var/log/syslog: error at line 3" */
	} else {
		bool ambiguous;
		out->name = line + 1;
		out->name_len = word;
		out->cmd = word > 0 ? find(line + 1, word, &ambiguous) : NULL;
		out->kind = word == 0 ? LINE_NO_NAME
		            : out->cmd ? LINE_COMMAND
		            : ambiguous ? LINE_AMBIGUOUS
		                        : LINE_UNKNOWN;
		out->text = line + 1 + word + strspn(line + 1 + word, " \t");
	}
}

const char *command_name(const struct command *c)
{
	return c->name;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The commands the word at name begins, in alphabetical order:
 * "/compare, /continue". */
static void candidates(const char *name, size_t len, struct buf *b)
{
	const char *found[NCOMMANDS] = {NULL};
	size_t n = 0;
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strncmp(commands[i].name, name, len) == 0)
			found[n++] = commands[i].name;
	qsort(found, n, sizeof(found[0]), by_name);
	for (size_t i = 0; i < n; i++)
		buf_printf(b, "%s/%s", i ? ", " : "", found[i]);
}

static void not_a_command(struct screen *sc, const struct line_read *r)
{
	struct buf b;
	buf_init(&b, 0);
	int n = (int)(r->name_len < 60 ? r->name_len : 60);
	if (r->kind == LINE_NO_NAME) {
		screen_say(sc, MSG_ERROR, "a command name follows the /: /help lists them");
	} else if (r->kind == LINE_AMBIGUOUS) {
		candidates(r->name, r->name_len, &b);
		screen_sayf(sc, MSG_ERROR, "/%.*s is ambiguous: %s", n, r->name, buf_str(&b));
	} else {
		screen_sayf(sc, MSG_ERROR, "unknown command '/%.*s': /help lists them (//%.*s sends it "
		            "as a message)", n, r->name, n, r->name);
	}
	buf_done(&b);
}

void screen_line(struct screen *sc, char *line)
{
	if (line == NULL) {
		sc->quit = true; /* Ctrl-D on an empty line */
		return;
	}
	sc->notice[0] = '\0'; /* a note lasts until the next line */
	/* Completion leaves a space after a word: "/model mock-fast ". */
	size_t n = strlen(line);
	while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t' || line[n - 1] == '\n'))
		line[--n] = '\0';
	struct line_read r;
	commands_read(line, &r);
	if (r.kind == LINE_MESSAGE)
		screen_send(sc, r.text);
	else if (r.kind == LINE_COMMAND)
		screen_react(sc, r.cmd->exec(sc, r.text));
	else if (r.kind != LINE_NOTHING)
		not_a_command(sc, &r);
	free(line);
}
