/* SPDX-License-Identifier: GPL-3.0-or-later */
/* nanorc: one of nano's syntax files (/usr/share/nano/NAME.nanorc) read into
 * compiled POSIX regular expressions, each tagged with a kind of token.
 *
 * nano's rules say colours, not kinds; the kind comes from the comment
 * above a rule ("# Strings.", "# Types and related keywords.") through a
 * table of words, a few per-file overrides, and, where a file has no such
 * comment, from the shape of the regex (see nanorc.c). */
#ifndef CIRCUIT_UI_NANORC_H
#define CIRCUIT_UI_NANORC_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

#include "ui/highlight.h"

/* One rule: a single-line pattern, or a span from start to end that may
 * cross lines (multi). Later rules paint over earlier ones, as in nano. */
struct nanorc_rule {
	regex_t start; /* the pattern, or where a span starts */
	regex_t end;   /* where a span ends (multi only) */
	bool multi;
	enum hl_token token; /* HL_NONE paints plain ("color normal") */
};

struct nanorc_syntax {
	struct nanorc_rule *rules; /* owned; nanorc_free frees */
	size_t n, cap;
};

/* Reads the syntax file at path (only its first "syntax" section) into *out
 * (zeroed first). Rules whose regex does not compile or whose kind is not
 * a token (trailing whitespace, TODO markers) are left out. Returns 0, or
 * -1 when the file cannot be opened (out is then empty). */
int nanorc_load(const char *path, struct nanorc_syntax *out);

/* The kind of token for a rule of file (its base name, "c.nanorc"), under
 * the comment section (the comment lines above it, joined; may be ""),
 * with colour (nano's colour spec) and regex; -1 when the rule is left
 * out. Exposed for the tests. */
int nanorc_classify(const char *file, const char *section, const char *colour, const char *regex);

/* Frees the rules; s is empty afterwards. NULL-safe. */
void nanorc_free(struct nanorc_syntax *s);

#endif
