/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sources: the distinct sources a reply cites (issue 19's citations), in
 * the order first cited, each URL once; shown after the reply, kept with
 * it in the history and in exports. */
#ifndef CIRCUIT_MODEL_SOURCES_H
#define CIRCUIT_MODEL_SOURCES_H

#include <stddef.h>

#include "util/buf.h"

/* A reply keeps at most this many (a server decides how many it sends). */
#define SOURCES_MAX 256

struct source {
	char *url;   /* never "" */
	char *title; /* "" if none */
};

struct sources {
	struct source *v; /* owned */
	size_t n, cap;
};

void sources_init(struct sources *s);
/* Frees every source; s is empty and reusable. */
void sources_done(struct sources *s);

/* Adds url with its title (copied) unless url is there already; then a
 * title given when the first had none fills it in. Returns the source's
 * number (1 for the first), or 0 when url is "" or NULL or s is full. */
size_t sources_add(struct sources *s, const char *url, const char *title);

/* dst gets a copy of every source of src, after its own. */
void sources_copy(struct sources *dst, const struct sources *src);

enum sources_style {
	SOURCES_PLAIN,    /* "1. Title — https://…" (a URL alone without a title) */
	SOURCES_MARKDOWN, /* "1. [Title](https://…)" ("[https://…](https://…)" without) */
};
/* "Sources:" and one numbered line per source, each ending in "\n",
 * appended to out; nothing when s is empty. */
void sources_format(const struct sources *s, enum sources_style style, struct buf *out);

#endif
