/* SPDX-License-Identifier: GPL-3.0-or-later */
/* highlight: the lines of a code block coloured by kind of token, from a
 * maintained set of language definitions (not hand-written keyword lists).
 *
 * A line is highlighted once, when it is complete (a fenced block's lines
 * arrive one by one as the reply streams); a multi-line construct (a block
 * comment, a triple-quoted string) carries over in struct hl_state. */
#ifndef CIRCUIT_UI_HIGHLIGHT_H
#define CIRCUIT_UI_HIGHLIGHT_H

#include <stdbool.h>
#include <stddef.h>

/* What a span of code is; the themes give each a colour. */
enum hl_token {
	HL_NONE,     /* plain code */
	HL_KEYWORD,  /* if, def, return, fn */
	HL_TYPE,     /* int, String, struct names */
	HL_STRING,   /* literals, characters */
	HL_NUMBER,   /* numbers, constants */
	HL_COMMENT,  /* comments */
	HL_FUNCTION, /* names of functions being defined or called */
	HL_PREPROC,  /* #include, decorators, attributes, shebangs */
	HL_ADDED,    /* a diff's + lines */
	HL_REMOVED,  /* a diff's - lines */
	HL_COUNT
};

/* One coloured span of a line: bytes [off, off + len). */
struct hl_span {
	size_t off, len;
	enum hl_token token;
};

/* One language's compiled rules; owned by the module, never freed by a
 * caller (hl_reset frees them all). */
struct hl_lang;

/* The language a fence's info string names ("python", "py", "C++", "sh",
 * "bash", "ts", "diff", "yml"...: case and common aliases accepted; the
 * first word of the info string only), compiled on first use; NULL when
 * none is known (the block is shown plain). */
const struct hl_lang *hl_find(const char *name, size_t len);
/* The language's own name ("python"), for the block's label. */
const char *hl_name(const struct hl_lang *lang);

/* What carries from one line to the next (an open block comment). */
struct hl_state {
	int open;  /* the multi-line rule still open, -1 none */
};
void hl_state_init(struct hl_state *s);

/* The spans of one complete line (no newline; UTF-8, may be invalid) in
 * out[0..max), sorted, non-overlapping, gaps plain; returns how many. Time
 * is bounded per byte of the line (a 1 MiB line, a pathological pattern:
 * no blow-up). Updates s for the next line. */
size_t hl_line(const struct hl_lang *lang, struct hl_state *s, const char *line, size_t len,
               struct hl_span *out, size_t max);

/* Frees every compiled language (tests; end of run). A struct hl_lang found
 * before stays valid but highlights nothing until found again. */
void hl_reset(void);

/* Where the syntax files are read from (nano's, default /usr/share/nano);
 * NULL restores the default. Copies dir; calls hl_reset. For tests: an
 * empty directory makes every language unknown (hl_find returns NULL). */
void hl_set_dir(const char *dir);

#endif
