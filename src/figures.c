/* SPDX-License-Identifier: GPL-3.0-or-later */
/* figures: a routed reply's metrics from what its stream measured. */
#include "figures.h"

#include <stdio.h>

#include "net/stream.h"
#include "route/providers.h"

void figures_of(const struct routed *rr, bool ended, size_t prompt_bytes,
                const struct config *cfg, struct reply_metrics *f)
{
	const struct stream *s = routed_stream(rr);
	const struct stream_metrics *m = stream_metrics(s);
	const struct provider *p = routed_provider(rr);
	reply_metrics_init(f);
	snprintf(f->provider, sizeof(f->provider), "%s", p->name);
	snprintf(f->model, sizeof(f->model), "%s", routed_model(rr));
	snprintf(f->stop, sizeof(f->stop), "%s", m->stop_reason);
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
	else if (routed_error(rr) != NULL)
		f->outcome = REPLY_ERROR;
	else
		f->outcome = REPLY_OK;
	/* [price.provider:model], else [price.model] (config_price). */
	struct metrics_price price = {0, 0, false};
	char name[128];
	snprintf(name, sizeof(name), "%s:%s", f->provider, f->model);
	price.known = cfg != NULL && config_price(cfg, name, &price.input, &price.output);
	metrics_derive(f, &price);
}

void figures_meta(const struct reply_metrics *f, char *meta, size_t size)
{
	int n = 0;
	meta[0] = '\0';
	if (f->ttft >= 0)
		n += snprintf(meta + n, size - (size_t)n, "%lld ms", f->ttft);
	if (f->tps >= 0 && (size_t)n < size)
		n += snprintf(meta + n, size - (size_t)n, "%s%.1f tok/s", n ? " · " : "", f->tps);
	if ((f->tokens_out > 0 || !f->out_estimated) && (size_t)n < size)
		n += snprintf(meta + n, size - (size_t)n, "%s%s%lld tokens", n ? " · " : "",
		              f->out_estimated ? "≈" : "", f->tokens_out);
	if (f->cost >= 0 && (size_t)n < size)
		snprintf(meta + n, size - (size_t)n, "%s%s$%.4f", n ? " · " : "",
		         f->cost_estimated ? "≈" : "", f->cost);
}
