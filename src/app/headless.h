/* SPDX-License-Identifier: GPL-3.0-or-later */
/* headless: one prompt, the reply streamed to stdout (circuit -p), or a
 * compare of several models with a table (--compare), or --json. */
#ifndef CIRCUIT_APP_HEADLESS_H
#define CIRCUIT_APP_HEADLESS_H

#include <stdbool.h>

#include "app/blind.h"
#include "app/session.h"
#include "model/attachment.h"

struct headless_opts {
	const char *prompt;  /* NULL: read standard input */
	const char *model;   /* NULL: the default model */
	const char *system;  /* NULL: none */
	const char *compare; /* "M1,M2,...": every model at once; NULL: just one */
	bool json;           /* one JSON object instead of text */
	bool jsonl;          /* JSON lines, one per event and model, as they happen */
	bool raw;            /* model text unsanitised */
	bool render;         /* --render: Markdown rendered, even off a terminal */
	bool no_color;       /* --no-color or NO_COLOR: thinking not dimmed */
	bool history;        /* keep the run in the history file */
	long long resume;    /* -c/--resume: -1 the last conversation, > 0 that one, whose
	                      * turns go before the prompt and which the reply joins;
	                      * 0 a new conversation */
	const struct attachments *files; /* -f: sent with the prompt; NULL none */
	const char *save_images; /* where a model's images go; NULL: app/images' default */
	enum blind_mode blind; /* --blind: the compare's models as A, B... until the vote */
	const char *vote;      /* --vote's word: the compare's vote; NULL none */
	struct session_opts session;
};

/* Runs the request(s) to the end; returns the exit status (0 done, 1 a
 * request failed, 2 bad usage, 128+N a signal ended it), messages on
 * stderr. */
int headless_run(const struct headless_opts *o);

#endif
