/* SPDX-License-Identifier: GPL-3.0-or-later */
/* headless: one prompt, the reply streamed to stdout (circuit -p). */
#ifndef CIRCUIT_HEADLESS_H
#define CIRCUIT_HEADLESS_H

#include <stdbool.h>

#include "model/config.h"
#include "route/breaker.h"

struct headless_opts {
	const char *prompt;     /* NULL: read standard input */
	const char *model;      /* NULL: the default model */
	const char *system;     /* NULL: none */
	const char *compare;    /* "M1,M2,...": every model at once; NULL: just one */
	bool json;              /* one JSON object instead of text */
	bool raw;               /* model text unsanitised */
	bool no_color;          /* --no-color or NO_COLOR: thinking not dimmed */
	const char *record_dir; /* save raw response bodies there */
	const char *debug_file; /* debug log, secrets redacted */
	const char *fallback;   /* "M1,M2": tried after the model, before the first token */
	int max_retries;        /* per provider; -1: the default (2) */
	long connect_timeout_ms, first_byte_timeout_ms, idle_timeout_ms; /* 0: defaults */
	const struct breaker_config *breaker; /* NULL: defaults */
	const struct config *config; /* extra providers; NULL: none */
	bool history;                /* keep the run in the history file */
};

/* Runs the request(s) to the end; returns the exit status (0 done, 1 a
 * request failed, 2 bad usage), messages on stderr. */
int headless_run(const struct headless_opts *o);

#endif
