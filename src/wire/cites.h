/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cites: the sources one stream has cited, so that each URL is emitted once
 * (OpenAI sends a url_citation as it is added, again in the finished part
 * and again in the finished message). Internal to src/wire. */
#ifndef CIRCUIT_WIRE_CITES_H
#define CIRCUIT_WIRE_CITES_H

#include <stddef.h>

#include "wire/adapter.h"

/* Distinct URLs remembered per stream; a new URL past them is dropped (a
 * stream citing more than this is not one a reader follows). */
#define WIRE_CITES_MAX 512
/* A URL longer than this is not a source anyone opens: dropped. */
#define WIRE_CITE_URL_MAX 8192

/* Zeroed, it is empty. Owns copies of the URLs. */
struct wire_cites {
	char **v;
	size_t n;
};

/* Emits a CITATION (url, title) unless url is NULL, "", longer than
 * WIRE_CITE_URL_MAX, already cited in this stream, or past WIRE_CITES_MAX.
 * title may be NULL. Returns true when it emitted. */
bool wire_cite(struct wire_cites *c, struct wire_sink *s, const char *url, const char *title);
/* Frees the copies; c is empty again. */
void wire_cites_free(struct wire_cites *c);

#endif
