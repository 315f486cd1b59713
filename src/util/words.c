/* SPDX-License-Identifier: GPL-3.0-or-later */
/* words: a list the user typed cut into words. */
#include "util/words.h"

#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

int words_split(const char *list, const char *seps, char **out, size_t max)
{
	size_t n = 0;
	const char *p = list;
	while (*p) {
		size_t len = strcspn(p, seps);
		const char *w = p;
		size_t wl = len;
		while (wl > 0 && (*w == ' ' || *w == '\t')) {
			w++;
			wl--;
		}
		while (wl > 0 && (w[wl - 1] == ' ' || w[wl - 1] == '\t'))
			wl--;
		if (wl > 0) {
			if (n == max) {
				words_free(out, n);
				return -1;
			}
			out[n++] = xstrndup(w, wl);
		}
		p += len + (p[len] != '\0');
	}
	return (int)n;
}

void words_free(char **out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(out[i]);
		out[i] = NULL;
	}
}
