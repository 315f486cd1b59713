/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_markdown: whatever Markdown the model writes, the renderer's lines
 * are inert and streaming changes nothing.
 *
 * The input is reply text (not sanitised: the renderer must be safe anyway).
 * Rendered whole and streamed in four pieces (cut at places from a hash of
 * the input), the lines, their runs and the URLs must be the same; no line
 * may hold a byte below 0x20; every line's runs must cover its text in
 * order; no line is wider than the width. */
#include <locale.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ui/markdown.h"
#include "util/width.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t hash(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h ^ (h >> 29);
}

static void check_line(const struct md_line *l, int width)
{
	const unsigned char *u = (const unsigned char *)l->text.data;
	for (size_t i = 0; i < l->text.len; i++)
		if (u[i] < 0x20)
			abort();
	size_t at = 0;
	for (size_t k = 0; k < l->nruns; k++) {
		if (l->runs[k].off != at || l->runs[k].len == 0)
			abort();
		at += l->runs[k].len;
	}
	if (at != l->text.len)
		abort();
	if (width_str(l->text.data ? l->text.data : "", l->text.len) > (size_t)width)
		abort();
}

static void same_line(const struct md_line *a, const struct md_line *b)
{
	if (a->text.len != b->text.len || a->nruns != b->nruns ||
	    (a->text.len > 0 && memcmp(a->text.data, b->text.data, a->text.len) != 0))
		abort();
	for (size_t k = 0; k < a->nruns; k++) {
		const struct md_run *x = &a->runs[k], *y = &b->runs[k];
		if (x->off != y->off || x->len != y->len || x->flags != y->flags || x->token != y->token ||
		    x->level != y->level || x->link != y->link)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int locale_set;
	if (!locale_set) {
		setlocale(LC_ALL, "C.UTF-8");
		locale_set = 1;
	}
	const char *p = (const char *)data;
	uint64_t h = hash(data, size);
	int width = 20 + (int)(h % 61);
	struct md_doc *whole = md_new(width), *split = md_new(width);
	md_append(whole, p, size);
	md_finish(whole);

	size_t cut[5] = {0, 0, 0, 0, size};
	for (int i = 1; i < 4; i++)
		cut[i] = (size_t)((h >> (i * 16)) % (size + 1));
	for (int i = 1; i < 4; i++)
		for (int j = i + 1; j < 4; j++)
			if (cut[j] < cut[i]) {
				size_t t = cut[i];
				cut[i] = cut[j];
				cut[j] = t;
			}
	size_t final = 0;
	for (int i = 0; i < 4; i++) {
		md_append(split, p + cut[i], cut[i + 1] - cut[i]);
		if (md_final(split) < final || md_final(split) > md_count(split))
			abort();
		final = md_final(split);
	}
	md_finish(split);

	if (md_count(whole) != md_count(split) || md_final(split) != md_count(split))
		abort();
	for (size_t i = 0; i < md_count(whole); i++) {
		check_line(md_line_at(whole, i), width);
		same_line(md_line_at(whole, i), md_line_at(split, i));
	}
	for (size_t i = 0; md_url(whole, i) != NULL || md_url(split, i) != NULL; i++)
		if (md_url(whole, i) == NULL || md_url(split, i) == NULL ||
		    strcmp(md_url(whole, i), md_url(split, i)) != 0)
			abort();
	md_free(whole);
	md_free(split);
	return 0;
}
