/* SPDX-License-Identifier: GPL-3.0-or-later */
/* figures: a routed reply's metrics (model/metrics) from what its stream
 * measured, priced from the config. The screen and headless share it. */
#ifndef CIRCUIT_FIGURES_H
#define CIRCUIT_FIGURES_H

#include <stdbool.h>
#include <stddef.h>

#include "model/config.h"
#include "model/metrics.h"
#include "route/router.h"

/* Fills f from rr's current stream, derived: live while the stream runs
 * (ended false), else its outcome. prompt_bytes: the request's text, for
 * the input estimate. cfg may be NULL (no prices). */
void figures_of(const struct routed *rr, bool ended, size_t prompt_bytes,
                const struct config *cfg, struct reply_metrics *f);

/* "331 ms · 32.8 tok/s · 104 tokens · $0.0021": the figures there are. */
void figures_meta(const struct reply_metrics *f, char *meta, size_t size);

#endif
