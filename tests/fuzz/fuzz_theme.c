/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_theme: the theme file parser on any bytes.
 *
 * Beyond not crashing: every error is whole lines of inert text (no
 * control byte or ESC from the file may reach a terminal), the count of
 * bad lines matches the messages, the same text gives the same theme and
 * messages twice, and every style it leaves is one a terminal can take
 * (colours -1..255, only known attributes). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ui/theme.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct theme a, b;
	struct buf ea, eb;
	buf_init(&ea, 0);
	buf_init(&eb, 0);
	theme_default(&a);
	theme_default(&b);
	int na = theme_parse(&a, (const char *)data, size, "fuzz.theme", &ea);
	int nb = theme_parse(&b, (const char *)data, size, "fuzz.theme", &eb);
	if (na != nb || na < 0 || ea.len != eb.len ||
	    (ea.len > 0 && memcmp(ea.data, eb.data, ea.len) != 0) || memcmp(&a, &b, sizeof(a)) != 0)
		abort();
	size_t lines = 0;
	for (size_t i = 0; i < ea.len; i++) {
		unsigned char c = (unsigned char)ea.data[i];
		if ((c < 0x20 && c != '\n') || c == 0x7f)
			abort();
		lines += c == '\n';
	}
	if (lines != (size_t)na || (ea.len > 0 && ea.data[ea.len - 1] != '\n'))
		abort();
	unsigned known = THEME_BOLD | THEME_DIM | THEME_UNDERLINE | THEME_REVERSE | THEME_ITALIC;
	for (int e = 0; e < THEME_COUNT; e++) {
		const struct theme_style *s = &a.style[e];
		if (s->fg < -1 || s->fg > 255 || s->bg < -1 || s->bg > 255 || (s->attrs & ~known))
			abort();
	}
	buf_done(&ea);
	buf_done(&eb);
	return 0;
}
