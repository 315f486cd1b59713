/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rowdraw: a screen row drawn from its first difference. */
#include "ui/rowdraw.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ui/wrap.h"
#include "util/mem.h"
#include "util/width.h"

void rowdraw_free(struct rowdraw *r)
{
	free(r->s);
	free(r->a);
	memset(r, 0, sizeof(*r));
}

void rowdraw_clear(struct rowdraw *r)
{
	r->n = 0;
}

static void push(struct rowdraw *r, attr_t a, const char *s, size_t n)
{
	if (n == 0)
		return; /* an empty row has no buffer yet: memcpy to NULL is undefined */
	if (r->n + n > r->cap) {
		size_t cap = r->cap ? r->cap : 128;
		while (cap < r->n + n)
			cap *= 2;
		r->s = xrealloc(r->s, cap);
		r->a = xrealloc(r->a, cap * sizeof(*r->a));
		r->cap = cap;
	}
	memcpy(r->s + r->n, s, n);
	for (size_t i = 0; i < n; i++)
		r->a[r->n + i] = a;
	r->n += n;
}

void rowdraw_add(struct rowdraw *r, attr_t a, const char *s, size_t n, int cols)
{
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\t')
			continue;
		push(r, a, s + run, i - run);
		unsigned col = (unsigned)width_str(r->s, r->n); /* tabs are rare */
		for (unsigned k = wrap_tab_width(col, (unsigned)cols); k > 0; k--)
			push(r, a, " ", 1);
		run = i + 1;
	}
	push(r, a, s + run, n - run);
}

static bool ascii_at(const struct rowdraw *r, size_t i)
{
	return i >= r->n || (unsigned char)r->s[i] < 0x80;
}

/* The first byte where a and b differ in text or attribute, moved back so
 * that the bytes on both sides of it are ASCII in both rows: a cut there
 * splits no character, and no mark or joiner from the base it follows. */
static size_t first_difference(const struct rowdraw *a, const struct rowdraw *b)
{
	size_t n = a->n < b->n ? a->n : b->n, d = 0;
	while (d < n && a->s[d] == b->s[d] && a->a[d] == b->a[d])
		d++;
	while (d > 0 && !((unsigned char)a->s[d - 1] < 0x80 && ascii_at(a, d) && ascii_at(b, d)))
		d--;
	return d;
}

void rowdraw_put(WINDOW *w, int y, struct rowdraw *shown, struct rowdraw *want)
{
	if (shown->n == want->n &&
	    (want->n == 0 || (memcmp(shown->s, want->s, want->n) == 0 &&
	                      memcmp(shown->a, want->a, want->n * sizeof(*want->a)) == 0)))
		return;
	size_t d = first_difference(shown, want);
	wmove(w, y, (int)width_str(want->s, d));
	wclrtoeol(w);
	while (d < want->n) {
		size_t e = d + 1;
		while (e < want->n && want->a[e] == want->a[d])
			e++;
		wattrset(w, want->a[d]);
		waddnstr(w, want->s + d, (int)(e - d));
		d = e;
	}
	wattrset(w, 0);
	struct rowdraw t = *shown;
	*shown = *want;
	*want = t;
}
