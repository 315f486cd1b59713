/* SPDX-License-Identifier: GPL-3.0-or-later */
/* theme: semantic screen elements, their colours and attributes, theme files. */
#ifndef CIRCUIT_UI_THEME_H
#define CIRCUIT_UI_THEME_H

#include <curses.h>
#include <stddef.h>

#include "util/buf.h"

/* Every element the UI draws with, in one table: UI code asks for an element
 * (theme_attr(THEME_ERROR)), never for a literal colour. To add one, add a
 * line here: the enum, the name theme files use, the built-in default theme
 * and the monochrome theme all come from it. The two styles are written in
 * the theme-file syntax (the part after '='), so this table reads like
 * themes/default.theme and themes/mono.theme; keep those files in step
 * (tests/unit/test_theme.c checks that they agree).
 *
 *  id                    file name               default theme               mono */
#define THEME_ELEMENTS(X)                                                                          \
	X(TRANSCRIPT_USER, "transcript.user", "cyan default bold", "default bold")                \
	X(TRANSCRIPT_ASSISTANT, "transcript.assistant", "green default bold", "default bold")     \
	X(TRANSCRIPT_TEXT, "transcript.text", "default", "default")                               \
	X(TRANSCRIPT_THINKING, "transcript.thinking", "default default dim", "default dim")       \
	X(NOTICE, "notice", "yellow", "default bold")                                             \
	X(ERROR, "error", "red default bold", "default bold underline")                           \
	X(STATUS, "status", "default default reverse", "default reverse")                         \
	X(STATUS_OK, "status.ok", "black green", "default reverse")                               \
	X(STATUS_OPEN, "status.open", "brightwhite red bold", "default bold")                     \
	X(STATUS_HALFOPEN, "status.halfopen", "black yellow", "default reverse underline")        \
	X(STATUS_STALL, "status.stall", "black magenta", "default reverse bold")                  \
	X(INPUT, "input", "default", "default")                                                   \
	X(PROMPT, "prompt", "cyan default bold", "default bold")                                  \
	X(BORDER, "border", "blue", "default")                                                    \
	X(MARKER, "marker", "black yellow bold", "default reverse bold")                          \
	X(PLACEHOLDER, "placeholder", "magenta", "default underline")                             \
	X(MD_HEADING, "md.heading", "blue default bold", "default bold underline")                \
	X(MD_STRONG, "md.strong", "default default bold", "default bold")                         \
	X(MD_EMPH, "md.emphasis", "default default italic", "default italic")                     \
	X(MD_STRIKE, "md.strike", "default default dim", "default dim")                           \
	X(MD_CODE, "md.code", "cyan", "default bold")                                             \
	X(MD_BLOCK, "md.block", "default", "default")                                             \
	X(MD_KEYWORD, "md.keyword", "magenta", "default bold")                                    \
	X(MD_TYPE, "md.type", "cyan", "default")                                                  \
	X(MD_STRING, "md.string", "green", "default")                                             \
	X(MD_NUMBER, "md.number", "yellow", "default")                                            \
	X(MD_COMMENT, "md.comment", "brightblack default italic", "default dim italic")           \
	X(MD_FUNCTION, "md.function", "blue", "default")                                          \
	X(MD_PREPROC, "md.preproc", "magenta", "default bold")                                    \
	X(MD_ADDED, "md.added", "green", "default bold")                                          \
	X(MD_REMOVED, "md.removed", "red", "default dim")                                         \
	X(MD_LABEL, "md.label", "default default dim", "default dim")                             \
	X(MD_QUOTE, "md.quote", "default default dim", "default dim")                             \
	X(MD_LINK, "md.link", "blue default underline", "default underline")                      \
	X(MD_URL, "md.url", "default default dim", "default dim")                                 \
	X(MD_RULE, "md.rule", "default default dim", "default dim")                               \
	X(MD_MARKER, "md.marker", "yellow default bold", "default bold")

enum theme_element {
#define THEME_X_ENUM(id, name, def, mono) THEME_##id,
	THEME_ELEMENTS(THEME_X_ENUM)
#undef THEME_X_ENUM
	THEME_COUNT
};

/* Colours: THEME_COLOR_DEFAULT is the terminal's own foreground/background;
 * 0-7 the basic colours (black red green yellow blue magenta cyan white),
 * 8-15 their bright variants, 16-255 the xterm 256-colour cube and greys. */
#define THEME_COLOR_DEFAULT (-1)

/* Attribute bits of a style (independent of curses, so parsing is pure). */
enum {
	THEME_BOLD = 1u << 0,
	THEME_DIM = 1u << 1,
	THEME_UNDERLINE = 1u << 2,
	THEME_REVERSE = 1u << 3,
	THEME_ITALIC = 1u << 4,
};

struct theme_style {
	short fg;       /* THEME_COLOR_DEFAULT or 0-255 */
	short bg;       /* same */
	unsigned attrs; /* THEME_BOLD | ... */
};

/* A whole theme: a plain value, copy it freely. */
struct theme {
	struct theme_style style[THEME_COUNT];
};

/* The name theme files use for e ("status.ok"); NULL when e is out of range. */
const char *theme_element_name(enum theme_element e);
/* The element named by the n bytes at name, or -1 when there is none. */
int theme_element_find(const char *name, size_t n);

/* The built-in themes (compiled in, so circuit needs no theme file):
 * the dark-background default, and mono, attributes only with no colour at
 * all (for NO_COLOR and terminals without colours). */
void theme_default(struct theme *t);
void theme_mono(struct theme *t);

/* Applies theme-file text (n bytes, need not be NUL-terminated) on top of *t.
 * The format, one setting a line:
 *     # comment (also after a setting)
 *     ELEMENT = FG [BG] [ATTR...]
 *     inherit = NAME        (before any ELEMENT line: start from that theme)
 * FG and BG: default, black, red, green, yellow, blue, magenta, cyan, white,
 * brightblack ... brightwhite, or a number 0-255; BG defaults to default.
 * ATTR: bold, dim, underline, reverse, italic. Names are case-insensitive.
 * A line replaces the element's whole style. Here, without directories,
 * inherit knows only the built-in themes (default, mono).
 * A bad line adds one message "FILE:LINE: what is wrong\n" to errors (NULL:
 * none are written), leaves the element as it was and parsing goes on.
 * filename is only used in messages. Returns the number of bad lines. */
int theme_parse(struct theme *t, const char *text, size_t n, const char *filename,
                struct buf *errors);

/* Sets *t to the theme NAME: the built-in default, then the first NAME.theme
 * found in dirs[0..ndirs) (NULL or "" entries are skipped) applied on top; its
 * inherit lines search the same dirs. With no such file, "default" and "mono"
 * are the built-in themes. Never fails hard: an unknown name (the message
 * lists every path searched), an invalid name, an unreadable or oversized
 * file (over 64 KiB) each add one message and leave the default theme; bad
 * lines add theirs as in theme_parse. Returns the number of messages added
 * (0: the theme loaded cleanly). */
int theme_load(struct theme *t, const char *name, const char *const *dirs, size_t ndirs,
               struct buf *errors);

/* The colour to use for c (THEME_COLOR_DEFAULT or 0-255) on a terminal with
 * ncolors colours: unchanged with 256 or more; otherwise the nearest of the
 * 16 basic colours (by xterm's RGB values), or with 8 to 15 colours the
 * nearest of the first 8 (a bright variant becomes its base colour); with
 * fewer than 8, THEME_COLOR_DEFAULT. Pure, so testable without a terminal. */
int theme_fallback_color(int c, int ncolors);

/* Curses side. After initscr() and start_color(): makes one colour pair per
 * element of t that has a colour (with use_default_colors(); fallback colours
 * when COLORS < 256, a bright foreground also bold below 16). When
 * !has_colors(), no colour at all: an element whose style has a colour takes
 * the mono theme's attributes, the others keep their own. Call again to
 * switch themes, then redraw. For NO_COLOR, apply theme_mono(). */
void theme_apply(const struct theme *t);
/* Attributes and colour pair of e as applied last, for wattron/wattrset
 * (COLOR_PAIR(n) | A_BOLD ...); A_NORMAL before any theme_apply. */
attr_t theme_attr(enum theme_element e);
/* The colour pair alone (0: none), for wattr_set(w, theme_attr(e),
 * theme_pair(e), NULL), which takes the pair apart from the attributes. */
short theme_pair(enum theme_element e);

#endif
