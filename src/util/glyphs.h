/* SPDX-License-Identifier: GPL-3.0-or-later */
/* glyphs: the non-ASCII characters circuit draws itself (rules, state
 * marks, ellipsis, ≈, ★), in UTF-8 or, when the locale is not UTF-8
 * (LANG=C in a container), in ASCII, as tmux does. Model text is not
 * touched here: only circuit's own marks. */
#ifndef CIRCUIT_UTIL_GLYPHS_H
#define CIRCUIT_UTIL_GLYPHS_H

#include <stdbool.h>

#include "util/buf.h"

struct glyphs {
	const char *hrule;    /* "─"  / "-"  the rule above the input */
	const char *vrule;    /* "│"  / "|"  between columns and status segments */
	const char *ellipsis; /* "…"  / "..." text cut short */
	const char *approx;   /* "≈"  / "~"  an estimate */
	const char *star;     /* "★"  / "*"  a compare winner */
	const char *cursor;   /* "▌"  / "_"  the streaming cursor */
	const char *arrow;    /* "→"  / "->" fallback notices */
	const char *dot;      /* "·"  / "|"  between the figures of a header or label */
	const char *more;     /* "▸"  / ">"  collapsed thinking */
	const char *ok;       /* "●"  / "o"  provider answering */
	const char *error;    /* "✖"  / "x"  provider's last reply failed */
	const char *open;     /* "◌"  / "-"  breaker open */
	const char *half;     /* "◐"  / "?"  breaker half-open */
	const char *idle;     /* "○"  / "."  not used yet */
	const char *clip;     /* "📎" / "@"  a file attached to a prompt */
	const char *gear;     /* "⚙"  / "*"  a tool the provider ran */
	const char *blocks[8]; /* "▁".."█" / "_.-=+*#@" sparklines, lowest first */
};

/* The set in use: UTF-8 until glyphs_init says otherwise. */
extern const struct glyphs *glyph;

/* Chooses the set from the current locale (call after setlocale): UTF-8
 * when nl_langinfo(CODESET) says so, else ASCII. Returns true for UTF-8. */
bool glyphs_init(void);
/* Forces a set (tests). */
void glyphs_use(bool utf8);
bool glyphs_utf8(void);

/* Text of circuit's own written with the UTF-8 marks (a notice, a note),
 * appended to out as the set in use draws it: unchanged in UTF-8, every
 * mark of the table replaced by its ASCII form otherwise ("──" "-",
 * "·" "|", "…" "..."); other bytes pass as they are. */
void glyphs_text(const char *s, struct buf *out);

#endif
