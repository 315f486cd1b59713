/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_highlight: whatever a model puts in a code block, the highlighter's
 * spans are valid and its time per line bounded.
 *
 * The first byte picks a language (by one of the names a fence may give),
 * the rest is the block, cut into lines at LF and highlighted in order with
 * the state carried. Each line's spans must be sorted, non-overlapping,
 * non-empty, inside the line, of a real token kind and never start or end
 * on a UTF-8 continuation byte; highlighting the same line again from the
 * same state must give the same spans and the same state.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ui/highlight.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXSPANS 512

static const char *const names[] = {
    "python", "js",   "ts",  "c",    "c++",  "go",  "rust", "java", "bash",
    "json",   "yaml", "toml", "sql", "html", "xml", "css",  "diff", "ruby",
    "php",    "kotlin", "swift", "markdown", "lua", "perl", "makefile",
};

static void check(const char *line, size_t len, const struct hl_span *sp, size_t n)
{
	size_t end = 0;
	for (size_t i = 0; i < n; i++) {
		if (sp[i].len == 0 || sp[i].off < end || sp[i].off + sp[i].len > len)
			abort();
		if (sp[i].token <= HL_NONE || sp[i].token >= HL_COUNT)
			abort();
		if (sp[i].off > 0 && ((unsigned char)line[sp[i].off] & 0xC0) == 0x80)
			abort();
		end = sp[i].off + sp[i].len;
		if (end < len && ((unsigned char)line[end] & 0xC0) == 0x80)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hl_span a[MAXSPANS], b[MAXSPANS];
	if (size == 0)
		return 0;
	const char *name = names[data[0] % (sizeof names / sizeof names[0])];
	const struct hl_lang *lang = hl_find(name, strlen(name));
	if (lang == NULL)
		return 0; /* nano's files are missing: nothing to check */
	char *text = malloc(size);
	if (text == NULL)
		abort();
	memcpy(text, data + 1, size - 1);
	struct hl_state s;
	hl_state_init(&s);
	for (size_t pos = 0; pos < size - 1;) {
		const char *nl = memchr(text + pos, '\n', size - 1 - pos);
		size_t len = nl != NULL ? (size_t)(nl - (text + pos)) : size - 1 - pos;
		struct hl_state again = s;
		size_t n = hl_line(lang, &s, text + pos, len, a, MAXSPANS);
		check(text + pos, len, a, n);
		size_t m = hl_line(lang, &again, text + pos, len, b, MAXSPANS);
		if (m != n || again.open != s.open || (n > 0 && memcmp(a, b, n * sizeof *a) != 0))
			abort();
		pos += len + 1;
	}
	free(text);
	return 0;
}
