/* SPDX-License-Identifier: GPL-3.0-or-later */
/* app: the interactive client (circuit on a terminal). */
#ifndef CIRCUIT_APP_H
#define CIRCUIT_APP_H

#include <stdbool.h>

struct app_opts {
	const char *model;  /* NULL: the default model */
	const char *system; /* NULL: none */
	const char *theme;  /* NULL: "default" */
	bool no_color;      /* or NO_COLOR set: the mono theme */
	const char *debug_file;
};

/* Runs the terminal UI until the user quits; returns the exit status. */
int app_run(const struct app_opts *o);

#endif
