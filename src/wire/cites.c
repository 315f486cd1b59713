/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cites: each cited URL once per stream. */
#include "wire/cites.h"

#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

bool wire_cite(struct wire_cites *c, struct wire_sink *s, const char *url, const char *title)
{
	if (url == NULL || *url == '\0' || strlen(url) > WIRE_CITE_URL_MAX ||
	    c->n >= WIRE_CITES_MAX)
		return false;
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->v[i], url) == 0)
			return false;
	c->v = xrealloc(c->v, (c->n + 1) * sizeof(*c->v));
	c->v[c->n++] = xstrdup(url);
	sink_citation(s, url, title);
	return true;
}

void wire_cites_free(struct wire_cites *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i]);
	free(c->v);
	c->v = NULL;
	c->n = 0;
}
