/* SPDX-License-Identifier: GPL-3.0-or-later */
/* describe: one line for a failed request: what happened, what to do. */
#ifndef CIRCUIT_DESCRIBE_H
#define CIRCUIT_DESCRIBE_H

#include "route/providers.h"
#include "util/buf.h"
#include "wire/event.h"

/* Appends one line (no newline) saying what went wrong with the request to
 * provider p for model at url, and what the user can do ("Check
 * OPENAI_API_KEY.", "Try again in 7.0 s."). Server text is sanitised and
 * every registered key (util/log) redacted. */
void describe_failure(const struct provider *p, const char *model, const char *url,
                      const struct wire_error *e, struct buf *out);

#endif
