/* SPDX-License-Identifier: GPL-3.0-or-later */
/* console: a reply written to a shell, as headless (-p) and --replay show
 * it. The model's text goes to stdout, sanitised unless raw; everything
 * else goes to stderr: thinking (dimmed on a terminal), a refusal, tool
 * calls, circuit's notices. Each stream's line is tracked, so a notice
 * never lands in the middle of a line of thinking, and stdout is flushed
 * before stderr is written, so a terminal shows them in order. */
#ifndef CIRCUIT_APP_CONSOLE_H
#define CIRCUIT_APP_CONSOLE_H

#include <stdbool.h>
#include <stdio.h>

#include "app/mdterm.h"
#include "model/sources.h"
#include "util/buf.h"
#include "util/sanitize.h"

struct console {
	FILE *out, *err; /* stdout and stderr (tests give files) */
	bool raw;        /* model text unsanitised */
	bool dim;        /* thinking in SGR 2 (stderr is a terminal, colour allowed) */
	struct sanitizer text, thinking;
	struct buf line;
	bool any_text;
	bool text_ends_nl;  /* the text so far ends a line */
	bool err_open;      /* a line of thinking or a refusal is open on err */
	struct buf refusal; /* a refusal's pieces so far: one line once it ends */
	struct mdterm *md;  /* the text rendered as Markdown (console_render), or NULL */
	struct sources sources; /* cited so far: listed on stderr after the reply */
	bool sources_out;       /* the list is out (console_end may come twice) */
};

/* dim is decided by the caller (isatty, --no-color). */
void console_init(struct console *c, FILE *out, FILE *err, bool raw, bool dim);
void console_done(struct console *c);

/* From now on the answer is rendered as Markdown through md (owned by c
 * from here; freed by console_done), not written as it comes. */
void console_render(struct console *c, struct mdterm *md);

/* A piece of the model's answer. */
void console_text(struct console *c, const char *p, size_t n);
/* A piece of its thinking (stderr, dimmed). */
void console_thinking(struct console *c, const char *p, size_t n);
/* A piece of a refusal. The pieces are joined, and the whole refusal goes
 * to stderr as one line "[refusal] TEXT" when something else comes (or the
 * reply ends): one notice, not one per piece. */
void console_refusal(struct console *c, const char *p, size_t n);
/* A tool call: "[tool call] NAME ARGS", one line on stderr. */
void console_tool_call(struct console *c, const char *name, const char *args);
/* A tool the provider ran (issue 19): one line on stderr, dimmed like
 * thinking, in app/traces' words ("⚙ web_search: QUERY", "⚙ NAME → SUMMARY"). */
void console_server_tool(struct console *c, const char *name, const char *arg, bool result,
                         const char *summary, size_t n);
/* A marker ("redacted thinking"): "[WORDS]", one dimmed line on stderr. */
void console_marker(struct console *c, const char *words, size_t n);
/* A cited source: kept (each URL once) for the list console_end writes. */
void console_citation(struct console *c, const char *url, const char *title);
/* One line of circuit's own on stderr as it is (an image's "[image saved:
 * PATH …]"), sanitised, not dimmed. */
void console_line(struct console *c, const char *text);
/* One line of circuit's own on stderr ("circuit: " + text + newline); text
 * from a server passes sanitize. */
void console_notice(struct console *c, const char *text);
/* The reply ended: what the sanitizer held comes out, and the text gets
 * its last newline; then, once, the numbered "Sources:" list on stderr
 * (model/sources' plain form) when anything was cited. */
void console_end(struct console *c);

#endif
