/* SPDX-License-Identifier: GPL-3.0-or-later */
/* jsonl: a headless run as JSON lines (--jsonl), for scripts that watch a
 * reply or a compare live: one object per event and model, each on its own
 * line, every line valid JSON whatever bytes the model sends
 * (util/jsonesc). The schema is docs/jsonl.md; the "done" line with the
 * figures is report_jsonl_end's (app/report). */
#ifndef CIRCUIT_APP_JSONL_H
#define CIRCUIT_APP_JSONL_H

#include <stdbool.h>
#include <stdio.h>

#include "util/buf.h"
#include "util/sanitize.h"
#include "wire/event.h"

/* One model's writer. The names are borrowed: provider and model change
 * when a fallback takes over, so the caller sets them before each call. */
struct jsonl {
	FILE *out;            /* where the lines go (stdout) */
	bool raw;             /* text unsanitised (--raw): still valid UTF-8 */
	const char *label;    /* the model as the user named it */
	const char *provider; /* who answers now */
	const char *model;
	struct sanitizer text, thinking; /* a CR LF split across deltas */
	struct buf line;                 /* the line being built */
};

/* out and label are borrowed for j's life; provider and model start NULL
 * (written as ""). */
void jsonl_init(struct jsonl *j, FILE *out, const char *label, bool raw);
void jsonl_done(struct jsonl *j);

/* One event of the stream, t_ms after the request was sent: text,
 * thinking and refusal pieces as they come (one line per delta: an empty
 * one, or one the sanitizer holds back whole, writes nothing), a tool
 * call, the stop reason; a provider's tool ("server_tool": id, name,
 * argument, result, text), a cited source ("citation": url, title), a
 * marker ("marker": text). Usage and errors write nothing (the "done"
 * line carries the usage, report_jsonl_end the error), nor an image
 * (jsonl_image writes it once it is saved). */
void jsonl_event(struct jsonl *j, long long t_ms, const struct wire_event *ev);

/* An image's line, kind "image": its mime, and its size in bytes and the
 * file's path when size >= 0 (app/images' image_save), else "error": line,
 * the words that say why it was not saved. */
void jsonl_image(struct jsonl *j, long long t_ms, const char *mime, long long size,
                 const char *path, const char *line);

/* A line of kind "notice" (a retry, a fallback) or "reset" (text NULL: the
 * thinking so far is dropped, another attempt starts). */
void jsonl_note(struct jsonl *j, const char *kind, long long t_ms, const char *text);

/* The reply ended: what the sanitizers held back comes out as a last text
 * or thinking line. */
void jsonl_finish(struct jsonl *j, long long t_ms);

#endif
