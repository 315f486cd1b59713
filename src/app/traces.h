/* SPDX-License-Identifier: GPL-3.0-or-later */
/* traces: the words for what a provider did beside the reply's text
 * (issue 19): a tool it ran itself, a plain-words marker. One form for the
 * console (stderr), the screen (dim lines) and the history. */
#ifndef CIRCUIT_APP_TRACES_H
#define CIRCUIT_APP_TRACES_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

/* An argument or a summary is cut to this many columns (an ellipsis says
 * so): a line is a trace, not the code or the page. */
#define TRACE_COLS 160

/* A provider's tool, one line (no newline) appended to out, in the glyph
 * set in use: the call "⚙ web_search: rust async runtimes" ("⚙ NAME"
 * without an argument), its result "⚙ code_execution → exit 0: 42"
 * ("→ done" without a summary). name is never "" by the event's contract
 * ("tool" if it is). The fields come clean (wire_clean) and are sanitised
 * again here. */
void trace_server_tool(struct buf *out, const char *name, const char *arg, bool result,
                       const char *summary, size_t n);

/* A marker's words in brackets, "[redacted thinking]", appended to out. */
void trace_marker(struct buf *out, const char *words, size_t n);

#endif
