/* SPDX-License-Identifier: GPL-3.0-or-later */
/* glyphs: circuit's own marks in UTF-8, or in ASCII outside a UTF-8 locale. */
#include "util/glyphs.h"

#include <langinfo.h>
#include <string.h>

static const struct glyphs utf8_set = {
	.hrule = "─", .vrule = "│", .ellipsis = "…", .approx = "≈", .star = "★",
	.cursor = "▌", .arrow = "→", .dot = "·", .more = "▸", .ok = "●", .error = "✖", .open = "◌",
	.half = "◐", .idle = "○",
	.blocks = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"},
};

static const struct glyphs ascii_set = {
	.hrule = "-", .vrule = "|", .ellipsis = "...", .approx = "~", .star = "*",
	.cursor = "_", .arrow = "->", .dot = "|", .more = ">", .ok = "o", .error = "x", .open = "-",
	.half = "?", .idle = ".",
	.blocks = {"_", ".", "-", "=", "+", "*", "#", "@"},
};

const struct glyphs *glyph = &utf8_set;

void glyphs_use(bool utf8)
{
	glyph = utf8 ? &utf8_set : &ascii_set;
}

bool glyphs_utf8(void)
{
	return glyph == &utf8_set;
}

bool glyphs_init(void)
{
	const char *cs = nl_langinfo(CODESET);
	bool utf8 = cs != NULL && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
	glyphs_use(utf8);
	return utf8;
}
