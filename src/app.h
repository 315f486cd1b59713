/* SPDX-License-Identifier: GPL-3.0-or-later */
/* app: the interactive client (circuit on a terminal). */
#ifndef CIRCUIT_APP_H
#define CIRCUIT_APP_H

#include <stdbool.h>

#include "model/config.h"
#include "route/breaker.h"

struct app_opts {
	const char *model;  /* NULL: the default model */
	bool model_given;   /* by -m: --resume keeps it rather than the conversation's */
	const char *system; /* NULL: none */
	const char *theme;  /* NULL: "default" */
	bool no_color;      /* --no-color or NO_COLOR: the mono theme */
	const char *debug_file;
	const char *fallback; /* "M1,M2" tried after the model; NULL: none */
	const char *compare;  /* "M1,M2,...": start comparing them; NULL: one thread */
	int max_retries;
	const struct breaker_config *breaker;
	const struct config *config; /* extra providers; NULL: none */
	long connect_timeout_ms, first_byte_timeout_ms, idle_timeout_ms;
	bool history;             /* keep conversations in the history file */
	const char *history_path; /* NULL: history_default_path() */
	long long resume;         /* 0: a new thread; -1: the last conversation; else its id */
};

/* Runs the terminal UI until the user quits; returns the exit status. */
int app_run(const struct app_opts *o);

#endif
