/* SPDX-License-Identifier: GPL-3.0-or-later */
/* reply_figures: a routed reply's metrics (model/metrics) from what its
 * stream measured, priced from the config; and the one line that sums
 * them up under a reply. The screen, headless and the history share it. */
#ifndef CIRCUIT_APP_REPLY_FIGURES_H
#define CIRCUIT_APP_REPLY_FIGURES_H

#include <stdbool.h>
#include <stddef.h>

#include "model/config.h"
#include "model/metrics.h"
#include "route/router.h"

/* Fills f from rr's current stream, derived: live while the stream runs
 * (ended false), else its outcome. prompt_bytes: the request's text, for
 * the input estimate. cfg may be NULL (no prices). */
void reply_figures_of(const struct routed *rr, bool ended, size_t prompt_bytes,
                      const struct config *cfg, struct reply_metrics *f);

/* "331ms · 32.8 tok/s · 104 tokens · $0.0021": the figures there are,
 * through util/units. */
void reply_figures_line(const struct reply_metrics *f, char *line, size_t size);

/* True when the reply ended because it reached the token limit. */
bool reply_figures_cut_by_length(const struct reply_metrics *f);

#endif
