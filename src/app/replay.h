/* SPDX-License-Identifier: GPL-3.0-or-later */
/* replay: decode a recorded response body offline (circuit --replay). */
#ifndef CIRCUIT_APP_REPLAY_H
#define CIRCUIT_APP_REPLAY_H

#include <stdbool.h>

struct replay_opts {
	const char *file; /* "-" is standard input */
	const char *wire; /* a wire format name, or "sse" */
	bool events;      /* JSON lines of events instead of text */
	bool raw;         /* text unsanitised */
	bool render;         /* --render: Markdown rendered, even off a terminal */
	bool no_color;    /* --no-color or NO_COLOR: thinking not dimmed */
	int status;       /* > 0: the body is an HTTP error body of this status */
	const char *save_images; /* where a model's images go; NULL: app/images' default */
};

/* Runs the replay; returns the process exit status (0 complete, 1 the
 * stream failed or the file could not be read, 2 bad usage), having printed
 * any message on stderr. */
int replay_run(const struct replay_opts *o);

#endif
