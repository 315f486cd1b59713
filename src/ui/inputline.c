/* SPDX-License-Identifier: GPL-3.0-or-later */
/* inputline: GNU readline's callback interface, inside ncurses. */
#include "ui/inputline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "util/buf.h"
#include "util/glyphs.h"
#include "util/mem.h"
#include "util/width.h"

#define PROMPT "> "
#define QUEUE 4096
#define HISTORY_MAX 1000

static unsigned char queue[QUEUE];
static size_t qhead, qtail;
static bool dirty = true;
static bool edit_asked; /* edit-in-editor typed: the app's to take */
static inputline_fn line_fn;
static void *line_ctx;
static char *history_file;
static const struct inputline_command *commands; /* borrowed: the app's table */
static size_t ncommands;
/* Copies of the words Tab completes after a command. */
struct words {
	char **v;
	size_t n;
};
static struct words models, themes;
static FILE *devnull;
static int cur_y, cur_x;
/* The matches of an ambiguous Tab, all of them up to a bound (the app shows
 * what fits where it has room). */
static char hint[4096];

/* readline reads keys from here: the bytes the loop handed over. */
static int getc_fn(FILE *f)
{
	(void)f;
	if (qhead == qtail)
		return EOF;
	int c = queue[qhead];
	qhead = (qhead + 1) % QUEUE;
	return c;
}

static int input_available(void)
{
	return qhead != qtail;
}

static void redisplay(void)
{
	dirty = true;
}

static void prep_term(int meta)
{
	(void)meta;
}

static void deprep_term(void)
{
}

static void on_line(char *line)
{
	if (line != NULL && *line != '\0' && history_file != NULL) {
		add_history(line);
		append_history(1, history_file);
		history_truncate_file(history_file, HISTORY_MAX);
	}
	dirty = true;
	line_fn(line_ctx, line);
}

/* Ctrl-J and Alt-Enter put a newline in the line instead of sending it. */
static int insert_newline(int count, int key)
{
	(void)count;
	(void)key;
	rl_insert_text("\n");
	return 0;
}

/* Ctrl-X Ctrl-E: readline only notes it; the app runs the editor once
 * readline is done with the key (it owns the terminal). */
static int edit_in_editor(int count, int key)
{
	(void)count;
	(void)key;
	edit_asked = true;
	return 0;
}

/* The next command ("/model") whose name starts with text after its slash. */
static char *command_gen(const char *text, int state)
{
	static size_t at;
	if (state == 0)
		at = 0;
	size_t len = strlen(text + 1);
	while (at < ncommands) {
		const char *name = commands[at++].name;
		if (strncmp(name, text + 1, len) == 0) {
			size_t n = strlen(name) + 2;
			char *m = xmalloc(n);
			snprintf(m, n, "/%s", name);
			return m;
		}
	}
	return NULL;
}

/* The word list command_gen's sibling completes from (models or themes). */
static struct words *gen_words;

static char *words_gen(const char *text, int state)
{
	static size_t at;
	if (state == 0)
		at = 0;
	size_t len = strlen(text);
	while (gen_words != NULL && at < gen_words->n) {
		const char *w = gen_words->v[at++];
		if (strncmp(w, text, len) == 0)
			return xstrdup(w);
	}
	return NULL;
}

/* The command's own words fixed_gen completes from (COMPLETE_WORDS). */
static const char *const *gen_fixed;

static char *fixed_gen(const char *text, int state)
{
	static size_t at;
	if (state == 0)
		at = 0;
	size_t len = strlen(text);
	while (gen_fixed != NULL && gen_fixed[at] != NULL) {
		const char *w = gen_fixed[at++];
		if (strncmp(w, text, len) == 0)
			return xstrdup(w);
	}
	return NULL;
}

/* The command the line starts with: its name exactly, else a prefix of
 * one name only ("/m gpt" is /model's), as the app parses it; NULL for
 * none or several. */
static const struct inputline_command *line_command(const char *line)
{
	if (line == NULL || line[0] != '/')
		return NULL;
	size_t len = strcspn(line + 1, " \t");
	const struct inputline_command *found = NULL;
	int prefixed = 0;
	for (size_t i = 0; i < ncommands; i++) {
		const char *name = commands[i].name;
		if (strncmp(name, line + 1, len) != 0)
			continue;
		if (strlen(name) == len)
			return &commands[i];
		found = &commands[i];
		prefixed++;
	}
	return prefixed == 1 ? found : NULL;
}

static char **complete(const char *text, int start, int end)
{
	(void)end;
	rl_attempted_completion_over = 1; /* no fallback to file names unless asked */
	if (start == 0 && text[0] == '/')
		return rl_completion_matches(text, command_gen);
	const struct inputline_command *c = start > 0 ? line_command(rl_line_buffer) : NULL;
	if (c == NULL)
		return NULL;
	/* Every word after the command's: /compare takes several models. */
	switch (c->complete) {
	case COMPLETE_MODEL:
		gen_words = &models;
		return rl_completion_matches(text, words_gen);
	case COMPLETE_THEME:
		gen_words = &themes;
		return rl_completion_matches(text, words_gen);
	case COMPLETE_WORDS:
		gen_fixed = c->words;
		return rl_completion_matches(text, fixed_gen);
	case COMPLETE_PATH:
		/* readline's own: "~/" expanded, a directory ends in "/". */
		return rl_completion_matches(text, rl_filename_completion_function);
	case COMPLETE_NONE:
		break;
	}
	return NULL;
}

/* Several completions: readline would list them on its output (which goes
 * nowhere here); keep them for the status bar instead. matches[0] is the
 * common prefix. */
static void show_matches(char **matches, int num, int max)
{
	(void)max;
	size_t used = 0;
	/* Room kept for " …" when the list is longer than the bound. */
	size_t cap = sizeof(hint) - strlen(glyph->ellipsis) - 1;
	hint[0] = '\0';
	for (int i = 1; i <= num; i++) {
		int w = snprintf(hint + used, cap - used, "%s%s", i > 1 ? " " : "", matches[i]);
		if (w < 0 || (size_t)w >= cap - used) {
			snprintf(hint + used, sizeof(hint) - used, " %s", glyph->ellipsis);
			break;
		}
		used += (size_t)w;
	}
	dirty = true;
}

const char *inputline_take_hint(void)
{
	static char out[sizeof(hint)];
	memcpy(out, hint, sizeof(hint));
	hint[0] = '\0';
	return out;
}

/* w holds copies of list[0..n) (none: n 0), what it held freed. */
static void words_set(struct words *w, const char *const *list, size_t n)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->v[i]);
	free(w->v);
	w->v = n > 0 ? xcalloc(n, sizeof(*w->v)) : NULL;
	for (size_t i = 0; i < n; i++)
		w->v[i] = xstrdup(list[i]);
	w->n = n;
}

void inputline_init(const char *history_path, inputline_fn fn, void *ctx)
{
	line_fn = fn;
	line_ctx = ctx;
	devnull = fopen("/dev/null", "w");
	rl_readline_name = "circuit";
	rl_catch_signals = 0;
	rl_catch_sigwinch = 0;
	rl_change_environment = 0;
	rl_getc_function = getc_fn;
	rl_input_available_hook = input_available;
	rl_redisplay_function = redisplay;
	rl_prep_term_function = prep_term;
	rl_deprep_term_function = deprep_term;
	rl_outstream = devnull;
	rl_attempted_completion_function = complete;
	rl_completion_display_matches_hook = show_matches;
	rl_variable_bind("enable-bracketed-paste", "off"); /* the loop handles pastes */
	rl_variable_bind("bell-style", "none");
	rl_variable_bind("show-all-if-ambiguous", "on"); /* one Tab lists the choices */
	using_history();
	if (history_path != NULL) {
		history_file = xstrdup(history_path);
		/* append_history never creates the file: a first run makes it. */
		if (read_history(history_file) != 0)
			write_history(history_file);
	}
	/* Named, and bound before the install reads ~/.inputrc, so a binding
	 * there ("\C-xe": edit-in-editor) wins. Ctrl-X stays readline's prefix:
	 * its other bindings (Ctrl-X Ctrl-U undo...) are untouched. */
	rl_add_defun("edit-in-editor", edit_in_editor, -1);
	rl_bind_keyseq_in_map("\\C-x\\C-e", edit_in_editor, emacs_standard_keymap);
	rl_bind_keyseq_in_map("\\C-x\\C-e", edit_in_editor, vi_insertion_keymap);
	rl_bind_keyseq_in_map("\\C-x\\C-e", edit_in_editor, vi_movement_keymap);
	rl_callback_handler_install(PROMPT, on_line);
	/* The list in memory keeps what the file keeps: the newest HISTORY_MAX
	 * lines, however long the session or the file it started from. After
	 * the install, which reads ~/.inputrc: a "set history-size" there
	 * would undo it. */
	stifle_history(HISTORY_MAX);
	rl_bind_key('\n', insert_newline);
	rl_bind_keyseq("\\e\\r", insert_newline);
	rl_bind_keyseq("\\e\\n", insert_newline);
	dirty = true;
}

void inputline_done(void)
{
	rl_callback_handler_remove();
	free(history_file);
	history_file = NULL;
	words_set(&models, NULL, 0);
	words_set(&themes, NULL, 0);
	commands = NULL;
	ncommands = 0;
	if (devnull != NULL)
		fclose(devnull);
	devnull = NULL;
}

void inputline_key(unsigned char c)
{
	size_t next = (qtail + 1) % QUEUE;
	if (next == qhead)
		return; /* a full queue drops keys rather than grow */
	queue[qtail] = c;
	qtail = next;
	while (qhead != qtail)
		rl_callback_read_char();
}

void inputline_paste(const char *p, size_t n)
{
	char *text = xstrndup(p, n);
	/* A paste from a terminal ends lines in CR: make them newlines. */
	for (char *q = text; *q; q++)
		if (*q == '\r')
			*q = '\n';
	rl_insert_text(text);
	free(text);
	dirty = true;
}

void inputline_set_models(const char *const *list, size_t n)
{
	words_set(&models, list, n);
}

void inputline_set_themes(const char *const *names, size_t n)
{
	words_set(&themes, names, n);
}

void inputline_set_commands(const struct inputline_command *cmds, size_t n)
{
	commands = cmds;
	ncommands = n;
}

void inputline_escape(void)
{
	/* rl_editing_mode: 0 vi, 1 emacs (readline's private vi_mode and
	 * emacs_mode). In vi insert mode Esc goes to command mode at once:
	 * with nothing queued behind it, readline does not wait for a
	 * sequence. */
	if (rl_editing_mode == 0)
		inputline_key(0x1b);
}

void inputline_set_screen_size(int rows, int cols)
{
	rl_set_screen_size(rows, cols);
}

const char *inputline_text(void)
{
	return rl_line_buffer ? rl_line_buffer : "";
}

void inputline_set_text(const char *text)
{
	rl_begin_undo_group();
	rl_delete_text(0, rl_end);
	rl_point = 0;
	rl_insert_text(text);
	rl_end_undo_group();
	rl_point = rl_end;
	dirty = true;
}

bool inputline_take_edit(void)
{
	bool e = edit_asked;
	edit_asked = false;
	return e;
}

bool inputline_take_dirty(void)
{
	bool d = dirty;
	dirty = false;
	return d;
}

bool inputline_empty(void)
{
	return rl_line_buffer == NULL || rl_line_buffer[0] == '\0';
}

/* Lays out prompt + line as the pane shows them (a break at '\n' and at the
 * width) and, when w is given, draws the rows below max_rows. out gets the
 * rows used and the screen position of byte `point` of the line. */
struct layout {
	int rows;
	int cy, cx;
};

static void walk(const char *prompt, const char *line, size_t point, int cols, WINDOW *w,
                 attr_t pa, attr_t ta, int max_rows, struct layout *out)
{
	int y = 0, x = 0;
	out->cy = out->cx = 0;
	for (int part = 0; part < 2; part++) {
		const char *s = part == 0 ? prompt : line;
		size_t n = strlen(s);
		if (w != NULL)
			wattrset(w, part == 0 ? pa : ta);
		for (size_t i = 0; i <= n;) {
			if (part == 1 && i == point) {
				if (x >= cols) {
					y++;
					x = 0;
				}
				out->cy = y;
				out->cx = x;
			}
			if (i == n)
				break;
			if (s[i] == '\n') {
				y++;
				x = 0;
				i++;
				continue;
			}
			size_t len;
			int cw = width_char(s + i, n - i, &len);
			if (x + cw > cols) {
				y++;
				x = 0;
			}
			if (w != NULL && y < max_rows) {
				wmove(w, y, x);
				waddnstr(w, s + i, (int)len);
			}
			x += cw;
			i += len;
		}
	}
	out->rows = y + 1;
}

int inputline_height(int cols, int max)
{
	struct layout l;
	const char *prompt = rl_display_prompt ? rl_display_prompt : PROMPT;
	walk(prompt, rl_line_buffer ? rl_line_buffer : "", (size_t)rl_point, cols, NULL, 0, 0, 0, &l);
	int rows = l.rows;
	return rows < 1 ? 1 : rows > max ? max : rows;
}

void inputline_draw(WINDOW *w, attr_t prompt, attr_t text)
{
	int rows, cols;
	getmaxyx(w, rows, cols);
	werase(w);
	struct layout l;
	const char *p = rl_display_prompt ? rl_display_prompt : PROMPT;
	const char *line = rl_line_buffer ? rl_line_buffer : "";
	/* Keep the cursor's row visible: lay out once to find it, then draw
	 * scrolled so that row is on screen. */
	walk(p, line, (size_t)rl_point, cols, NULL, 0, 0, 0, &l);
	int top = l.cy >= rows ? l.cy - rows + 1 : 0;
	if (top == 0) {
		walk(p, line, (size_t)rl_point, cols, w, prompt, text, rows, &l);
	} else {
		/* Rare (a line taller than the pane): draw into a pad-like
		 * offset by skipping rows above top. */
		WINDOW *tmp = newwin(l.rows, cols, 0, 0);
		if (tmp != NULL) {
			walk(p, line, (size_t)rl_point, cols, tmp, prompt, text, l.rows, &l);
			copywin(tmp, w, top, 0, 0, 0, rows - 1, cols - 1, FALSE);
			delwin(tmp);
		}
	}
	wattrset(w, 0);
	cur_y = l.cy - top;
	cur_x = l.cx >= cols ? cols - 1 : l.cx;
}

void inputline_place_cursor(WINDOW *w)
{
	wmove(w, cur_y, cur_x);
	wnoutrefresh(w);
}
