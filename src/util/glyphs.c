/* SPDX-License-Identifier: GPL-3.0-or-later */
/* glyphs: circuit's own marks in UTF-8, or in ASCII outside a UTF-8 locale. */
#include "util/glyphs.h"

#include <langinfo.h>
#include <string.h>

static const struct glyphs utf8_set = {
	.hrule = "─", .vrule = "│", .ellipsis = "…", .approx = "≈", .star = "★",
	.cursor = "▌", .arrow = "→", .dot = "·", .more = "▸", .ok = "●", .error = "✖", .open = "◌",
	.half = "◐", .idle = "○", .clip = "📎", .gear = "\xe2\x9a\x99",
	.blocks = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"},
};

static const struct glyphs ascii_set = {
	.hrule = "-", .vrule = "|", .ellipsis = "...", .approx = "~", .star = "*",
	.cursor = "_", .arrow = "->", .dot = "|", .more = ">", .ok = "o", .error = "x", .open = "-",
	.half = "?", .idle = ".", .clip = "@", .gear = "*",
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

/* The marks of the UTF-8 set with their ASCII forms, by field. */
static const char *field(const struct glyphs *g, size_t i)
{
	const char *const f[] = {g->hrule, g->vrule, g->ellipsis, g->approx, g->star, g->cursor,
	                         g->arrow,  g->dot,   g->more,     g->ok,     g->error, g->open,
	                         g->half,  g->idle,  g->clip, g->gear};
	return i < sizeof(f) / sizeof(f[0]) ? f[i] : NULL;
}

void glyphs_text(const char *s, struct buf *out)
{
	if (glyph == &utf8_set) {
		buf_append_str(out, s);
		return;
	}
	while (*s) {
		const char *m = NULL;
		size_t i;
		for (i = 0; (m = field(&utf8_set, i)) != NULL; i++)
			if ((unsigned char)*s >= 0x80 && strncmp(s, m, strlen(m)) == 0)
				break;
		if (m != NULL) {
			buf_append_str(out, field(&ascii_set, i));
			s += strlen(m);
		} else {
			buf_append_char(out, *s++);
		}
	}
}
