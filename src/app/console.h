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
	bool refusing;      /* a refusal's "[refusal] " is out, its pieces follow */
	struct mdterm *md;  /* the text rendered as Markdown (console_render), or NULL */
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
/* A piece of a refusal: "[refusal] " once, then the pieces, on stderr. */
void console_refusal(struct console *c, const char *p, size_t n);
/* A tool call: "[tool call] NAME ARGS", one line on stderr. */
void console_tool_call(struct console *c, const char *name, const char *args);
/* One line of circuit's own on stderr ("circuit: " + text + newline); text
 * from a server passes sanitize. */
void console_notice(struct console *c, const char *text);
/* The reply ended: what the sanitizer held comes out, and the text gets
 * its last newline. */
void console_end(struct console *c);

#endif
