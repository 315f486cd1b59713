/* SPDX-License-Identifier: GPL-3.0-or-later */
/* failure: one line for a failed request: what happened, what to do. */
#ifndef CIRCUIT_APP_FAILURE_H
#define CIRCUIT_APP_FAILURE_H

#include <stdbool.h>

#include "route/providers.h"
#include "util/buf.h"
#include "wire/event.h"

/* What the line is about. */
struct failure {
	const struct provider *p;
	const char *model;
	const struct wire_error *e;
	bool screen;     /* the advice names /model (the screen), not -m (the shell) */
	bool after_text; /* the reply had begun: it was cut short, its text kept */
	int attempts;    /* tries made (retries, fallbacks); > 1 is said */
};

/* Appends one line (no newline) saying what went wrong and what the user
 * can do ("Check OPENAI_API_KEY.", "Try again in 7.0 s."). Server text is
 * sanitised and every registered key (util/log) and URL password redacted. */
void failure_describe(const struct failure *f, struct buf *out);

#endif
