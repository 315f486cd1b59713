/* SPDX-License-Identifier: GPL-3.0-or-later */
/* framecap: a larger cap for the one kind of big frame that is valid. */
#include "wire/framecap.h"

#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

/* The field names, quoted as JSON writes a key or a type word. */
static const char *const image_fields[] = {
	"\"inlineData\"",            /* Gemini: {"inlineData":{"mimeType","data"}} */
	"\"inline_data\"",           /* the same, as the REST docs also spell it */
	"\"image_generation_call\"", /* Responses: the item with "result" */
	"\"b64_json\"",              /* Images API and compatible servers */
};

/* True when s (a quote at s[0], n bytes available) starts a marker. */
static bool marker_at(const char *s, size_t n)
{
	for (size_t k = 0; k < sizeof(image_fields) / sizeof(*image_fields); k++) {
		size_t m = strlen(image_fields[k]);
		if (m <= n && memcmp(s, image_fields[k], m) == 0)
			return true;
	}
	return false;
}

bool framecap_image(const char *a, size_t an, const char *b, size_t bn, size_t max)
{
	size_t look = max < FRAMECAP_LOOK ? max : FRAMECAP_LOOK;
	if (an > look)
		an = look;
	if (bn > look - an)
		bn = look - an;
	/* The window, joined when it straddles a and b (rare: this runs once
	 * per frame that passes max). */
	char *joined = NULL;
	const char *w = an > 0 ? a : b;
	if (an > 0 && bn > 0) {
		joined = xmalloc(an + bn);
		memcpy(joined, a, an);
		memcpy(joined + an, b, bn);
		w = joined;
	}
	size_t n = an + bn;
	bool found = false;
	for (const char *q = w; !found && n > 0 && (q = memchr(q, '"', n - (size_t)(q - w))) != NULL;
	     q++)
		found = marker_at(q, n - (size_t)(q - w));
	free(joined);
	return found;
}

void framecap_grow(struct buf *b, size_t big, const char *p, size_t n)
{
	if (framecap_image(b->data, b->len, p, n, b->max))
		b->max = big;
}

void framecap_reset(struct buf *b, size_t max)
{
	if (b->max == max)
		return;
	buf_done(b);
	b->max = max;
}
