/* SPDX-License-Identifier: GPL-3.0-or-later */
/* traces: a provider's tool and a marker as one line. */
#include "app/traces.h"

#include <string.h>

#include "util/glyphs.h"
#include "util/sanitize.h"
#include "util/width.h"

/* The n bytes at s sanitised, newlines and tabs as spaces, cut to
 * TRACE_COLS columns (an ellipsis after a cut), appended to out. */
static void field(struct buf *out, const char *s, size_t n)
{
	struct buf t;
	buf_init(&t, 0);
	sanitize_append(&t, s, n);
	for (size_t i = 0; i < t.len; i++)
		if (t.data[i] == '\n' || t.data[i] == '\t')
			t.data[i] = ' ';
	while (t.len > 0 && t.data[t.len - 1] == ' ')
		t.data[--t.len] = '\0';
	size_t keep = width_cut(buf_str(&t), t.len, TRACE_COLS, NULL);
	buf_append(out, buf_str(&t), keep);
	if (keep < t.len)
		buf_append_str(out, glyph->ellipsis);
	buf_done(&t);
}

void trace_server_tool(struct buf *out, const char *name, const char *arg, bool result,
                       const char *summary, size_t n)
{
	buf_append_str(out, glyph->gear);
	buf_append_char(out, ' ');
	if (name == NULL || *name == '\0')
		name = "tool";
	field(out, name, strlen(name));
	if (result) {
		buf_printf(out, " %s ", glyph->arrow);
		if (n > 0)
			field(out, summary, n);
		else
			buf_append_str(out, "done");
		return;
	}
	if (arg != NULL && *arg != '\0') {
		buf_append_str(out, ": ");
		field(out, arg, strlen(arg));
	}
}

void trace_marker(struct buf *out, const char *words, size_t n)
{
	buf_append_char(out, '[');
	field(out, words, n);
	buf_append_char(out, ']');
}
