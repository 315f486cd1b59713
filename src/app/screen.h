/* SPDX-License-Identifier: GPL-3.0-or-later */
/* screen: the interactive client (circuit on a terminal). */
#ifndef CIRCUIT_APP_SCREEN_H
#define CIRCUIT_APP_SCREEN_H

#include <stdbool.h>

#include "app/session.h"
#include "model/attachment.h"

struct screen_opts {
	const char *model;  /* NULL: the default model */
	bool model_given;   /* by -m: --resume keeps it rather than the conversation's */
	const char *system; /* NULL: none */
	const char *theme;  /* NULL: "default" */
	bool no_color;      /* --no-color or NO_COLOR: the mono theme */
	const char *compare; /* "M1,M2,...": start comparing them; NULL: one thread */
	int blind;           /* with compare: enum blind_mode (app/blind.h), 0 off */
	bool history;             /* keep conversations in the history file */
	const char *history_path; /* NULL: history_default_path() */
	long long resume;         /* 0: a new thread; -1: the last conversation; else its id */
	const char *warnings;     /* the config's, shown on the screen at start ("" none) */
	const struct attachments *files; /* -f: attached to the first message; NULL none */
	const char *save_images;  /* where a model's images go; NULL: app/images' default */
	struct session_opts session;
};

/* Runs the chat screen until the user quits; returns the exit status. */
int screen_run(const struct screen_opts *o);

#endif
