/* SPDX-License-Identifier: GPL-3.0-or-later */
/* reply_figures: a routed reply's metrics from what its stream measured. */
#include "app/reply_figures.h"

#include <stdio.h>
#include <string.h>

#include "net/stream.h"
#include "route/providers.h"
#include "util/glyphs.h"
#include "util/units.h"

void reply_figures_of(const struct routed *rr, bool ended, size_t prompt_bytes,
                      const struct config *cfg, struct reply_metrics *f)
{
	const struct stream *s = routed_stream(rr);
	const struct stream_metrics *m = stream_metrics(s);
	const struct provider *p = routed_provider(rr);
	reply_metrics_init(f);
	snprintf(f->provider, sizeof(f->provider), "%s", p->name);
	snprintf(f->model, sizeof(f->model), "%s", routed_model(rr));
	snprintf(f->stop, sizeof(f->stop), "%s", m->stop_reason);
	f->stop_length = m->stop_kind == WIRE_STOP_LENGTH;
	f->ttfb = m->ttfb;
	f->ttft = m->ttft;
	f->ttfo = m->ttfo;
	f->last = m->last;
	f->total = m->total;
	f->last_byte = m->last_byte;
	f->max_gap = m->max_gap;
	f->deltas = m->deltas;
	f->text_bytes = m->text_bytes;
	f->thinking_bytes = m->thinking_bytes;
	f->prompt_bytes = prompt_bytes;
	if (m->have_usage) {
		f->usage_in = m->usage.input;
		f->usage_out = m->usage.output;
		f->usage_thinking = m->usage.thinking;
	}
	if (!ended && !stream_finished(s))
		f->outcome = REPLY_LIVE;
	else if (routed_cancelled(rr))
		f->outcome = REPLY_CANCELLED;
	else if (routed_error(rr) != NULL) {
		f->outcome = REPLY_ERROR;
		snprintf(f->error, sizeof(f->error), "%s", wire_error_kind_name(routed_error(rr)->kind));
	}
	else
		f->outcome = REPLY_OK;
	/* [price.provider:model], else [price.model] (config_price). */
	struct metrics_price price = {0, 0, false};
	char name[128];
	snprintf(name, sizeof(name), "%s:%s", f->provider, f->model);
	price.known = cfg != NULL && config_price(cfg, name, &price.input, &price.output);
	metrics_derive(f, &price);
}

void reply_figures_line(const struct reply_metrics *f, char *line, size_t size)
{
	char part[UNITS_MAX];
	size_t n = 0;
	line[0] = '\0';
#define PART(cond, call)                                                                           \
	do {                                                                                           \
		if ((cond) && n < size) {                                                                  \
			call;                                                                                  \
			n += (size_t)snprintf(line + n, size - n, "%s%s%s%s", n ? " " : "", n ? glyph->dot : "", \
			                      n ? " " : "", part);                                         \
		}                                                                                          \
	} while (0)
	PART(f->ttft >= 0, units_ms(f->ttft, part, sizeof(part)));
	PART(f->tps >= 0, units_tps(f->tps, f->tps_estimated, part, sizeof(part)));
	PART(f->tokens_out > 0 || !f->out_estimated,
	     units_tokens(f->tokens_out, f->out_estimated, part, sizeof(part)));
	PART(f->cost >= 0, units_cost(f->cost, f->cost_estimated, part, sizeof(part)));
#undef PART
}

bool reply_figures_cut_by_length(const struct reply_metrics *f)
{
	return f->outcome == REPLY_OK && f->stop_length;
}
