/* SPDX-License-Identifier: GPL-3.0-or-later */
/* headless: one prompt, the reply streamed to stdout (circuit -p).
 *
 * The TUI's loop without a terminal: wait in the transport (one poll() on
 * curl's sockets) with the nearest timer as timeout, read the clock, run
 * the transport; events arrive through stream callbacks. */
#include "headless.h"

#include "describe.h"
#include "figures.h"
#include "setup.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model/conversation.h"
#include "model/history.h"
#include "net/stream.h"
#include "net/transport.h"
#include "route/providers.h"
#include "route/router.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/sanitize.h"
#include "util/utf8.h"
#include "util/width.h"

#define PROMPT_MAX ((size_t)1 << 20)
#define MAX_MODELS 16

struct run {
	const struct headless_opts *o;
	char *spec; /* the model as the user named it */
	struct provider *p;
	const char *model;
	char **fallback; /* borrowed from the run's list */
	size_t nfallback;
	struct routed *rr;
	bool live; /* print as it arrives (one model, text mode) */
	bool done;
	struct metrics *metrics; /* the run's aggregates */
	char begun_provider[24], begun_model[METRICS_NAME];
	size_t prompt_bytes;
	struct reply_metrics f; /* its figures, once done */
	/* the history: the run's conversation, its compare group, the column */
	struct history *hist;
	long long hist_conv, hist_group;
	int column;
	struct buf text, thinking, notices, out;
	struct sanitizer san_text, san_think;
	bool thinking_open; /* a line of thinking or refusal is open on stderr */
	bool refusing;      /* a refusal's "[refusal] " is out, its pieces follow */
	bool text_ends_nl;
	bool dim;
};

/* Reads the prompt from standard input; trailing newlines are not part of it. */
static char *read_stdin(void)
{
	struct buf b;
	buf_init(&b, PROMPT_MAX);
	char chunk[65536];
	for (;;) {
		ssize_t n = read(STDIN_FILENO, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (buf_append(&b, chunk, (size_t)n) < 0) {
			buf_done(&b);
			return NULL;
		}
	}
	while (b.len > 0 && (b.data[b.len - 1] == '\n' || b.data[b.len - 1] == '\r'))
		b.data[--b.len] = '\0';
	if (b.data == NULL)
		return xstrdup("");
	return b.data;
}

/* Writes r->out (one delta, ready) to f, minding where each stream's line stands. */
static void emit(struct run *r, FILE *f)
{
	if (r->out.len == 0)
		return;
	/* stdout is flushed once per turn of the loop, not per delta (a
	 * write(2) per token was a fifth of the CPU); whatever goes to stderr
	 * first lets out the text before it, so the two keep their order. */
	if (f != stdout)
		fflush(stdout);
	fwrite(r->out.data, 1, r->out.len, f);
	bool nl = r->out.data[r->out.len - 1] == '\n';
	if (f == stdout)
		r->text_ends_nl = nl;
	else
		r->thinking_open = !nl;
}

static void print_text(struct run *r, struct sanitizer *san, FILE *f, const char *p, size_t n)
{
	buf_reset(&r->out);
	if (r->o->raw)
		buf_append(&r->out, p, n);
	else
		sanitizer_feed(san, p, n, &r->out);
	emit(r, f);
}

static void close_thinking(struct run *r)
{
	if (r->thinking_open)
		fputc('\n', stderr);
	r->thinking_open = false;
	r->refusing = false;
}

static void on_event(void *ctx, struct routed *rr, const struct wire_event *ev)
{
	struct run *r = ctx;
	(void)rr;
	switch (ev->type) {
	case WIRE_EV_TEXT:
		if (r->live) {
			close_thinking(r);
			print_text(r, &r->san_text, stdout, ev->text, ev->len);
		}
		if (!r->live || r->hist != NULL)
			buf_append(&r->text, ev->text, ev->len);
		break;
	case WIRE_EV_THINKING:
		if (r->live) {
			if (r->dim)
				fputs("\x1b[2m", stderr);
			print_text(r, &r->san_think, stderr, ev->text, ev->len);
			if (r->dim)
				fputs("\x1b[22m", stderr);
		}
		if (!r->live || r->hist != NULL)
			buf_append(&r->thinking, ev->text, ev->len);
		break;
	case WIRE_EV_REFUSAL: {
		/* A refusal streams in pieces, like text: "[refusal] " once, then
		 * the pieces, the line ended by whatever comes next. Live it goes
		 * to stderr at once, else with the notices after the reply. */
		struct buf *line = &r->notices;
		if (r->live) {
			if (!r->refusing)
				close_thinking(r);
			buf_reset(&r->out);
			line = &r->out;
		}
		if (!r->refusing)
			buf_append_str(line, "[refusal] ");
		r->refusing = true;
		sanitize_append(line, ev->text, ev->len);
		if (r->live)
			emit(r, stderr);
		break;
	}
	case WIRE_EV_TOOL_CALL: {
		struct buf line;
		buf_init(&line, 0);
		buf_append_str(&line, "[tool call] ");
		sanitize_append(&line, ev->tool_name, strlen(ev->tool_name));
		buf_append_char(&line, ' ');
		sanitize_append(&line, ev->tool_args, strlen(ev->tool_args));
		buf_append_char(&line, '\n');
		if (r->live) {
			close_thinking(r);
			fflush(stdout);
			fputs(buf_str(&line), stderr);
		} else {
			if (r->refusing)
				buf_append_char(&r->notices, '\n');
			r->refusing = false;
			buf_append(&r->notices, line.data, line.len);
		}
		buf_done(&line);
		break;
	}
	case WIRE_EV_USAGE:
	case WIRE_EV_STOP:
	case WIRE_EV_ERROR:
		break;
	}
}

/* One line: what happened and what to do (describe.h), keys redacted. */
static void describe_error(const struct run *r, const struct wire_error *e, struct buf *b)
{
	describe_failure(r->p, r->model, r->p->base_url, e, b);
}

static void on_notice(void *ctx, struct routed *rr, const char *text)
{
	struct run *r = ctx;
	(void)rr;
	struct buf line;
	buf_init(&line, 0);
	sanitize_append(&line, text, strlen(text));
	if (r->live)
		close_thinking(r);
	fflush(stdout);
	if (r->o->compare != NULL)
		fprintf(stderr, "circuit: %s: %s\n", r->spec, buf_str(&line));
	else
		fprintf(stderr, "circuit: %s\n", buf_str(&line));
	buf_done(&line);
}

static void on_reset(void *ctx, struct routed *rr)
{
	struct run *r = ctx;
	(void)rr;
	/* The failed attempt's thinking is dropped: the next provider thinks
	 * again from nothing. Live, it is already on stderr, followed by the
	 * notice that says why it starts over; what the history keeps and what
	 * --json carries is the new attempt's alone. */
	buf_reset(&r->thinking);
}

/* Writes a message (the prompt, or the reply at its end) to the run's
 * conversation; a failure turns history off with one line on stderr. */
static void store(struct run *r, struct message *m)
{
	if (r->hist == NULL || r->hist_conv <= 0)
		return;
	if (history_add(r->hist, r->hist_conv, r->hist_group, r->column, m, clock_unix()) < 0) {
		fprintf(stderr, "circuit: history: %s; not kept\n", history_error(r->hist));
		r->hist_conv = -1;
	}
}

static void store_reply(struct run *r, const struct routed *rr)
{
	if (r->hist == NULL || r->hist_conv <= 0)
		return;
	struct conversation c;
	conv_init(&c);
	char label[96];
	if (routed_fell_back(rr))
		snprintf(label, sizeof(label), "%s:%s (fallback)", r->p->name, r->model);
	else
		snprintf(label, sizeof(label), "%s", strncmp(r->spec, "mock:", 5) == 0 ? r->spec + 5 : r->spec);
	struct message *m = conv_add(&c, MSG_ASSISTANT, label, NULL);
	msg_append_text(m, r->text.data ? r->text.data : "", r->text.len);
	msg_append_thinking(m, r->thinking.data ? r->thinking.data : "", r->thinking.len);
	char meta[128];
	figures_meta(&r->f, meta, sizeof(meta));
	m->metrics = r->f;
	m->has_metrics = true;
	msg_finish(m, r->f.outcome != REPLY_OK && r->text.len > 0, meta);
	store(r, m);
	conv_done(&c);
}

static void on_done(void *ctx, struct routed *rr)
{
	struct run *r = ctx;
	r->done = true;
	r->p = routed_provider(rr);
	r->model = routed_model(rr);
	const struct stream_metrics *m = stream_metrics(routed_stream(rr));
	figures_of(rr, true, r->prompt_bytes, r->o->config, &r->f);
	metrics_end(r->metrics, r->begun_provider, r->begun_model, &r->f);
	store_reply(r, rr);
	if (r->live) {
		buf_reset(&r->out);
		if (!r->o->raw)
			sanitizer_finish(&r->san_text, &r->out);
		fwrite(r->out.data ? r->out.data : "", 1, r->out.len, stdout);
		if (r->out.len > 0)
			r->text_ends_nl = r->out.data[r->out.len - 1] == '\n';
		if (m->text_bytes > 0 && !r->text_ends_nl)
			fputc('\n', stdout);
		fflush(stdout);
		close_thinking(r);
	}
	const struct wire_error *e = routed_error(rr);
	log_msg("done %s:%s status=%ld ttfb=%lld ttft=%lld ttfo=%lld total=%lld deltas=%zu "
	        "attempts=%d error=%s",
	        r->p->name, r->model, m->status, m->ttfb, m->ttft, m->ttfo, m->total, m->deltas,
	        routed_attempts(rr), e ? wire_error_kind_name(e->kind) : "none");
}

static int start(struct run *r, struct router *rt, struct transport *t,
                 const struct headless_opts *o, const char *prompt, long long now)
{
	struct wire_message msg = {.role = WIRE_ROLE_USER, .text = prompt};
	struct wire_request req = {.system = o->system, .messages = &msg, .nmessages = 1};
	/* The chain: the model, then the fallbacks (not in a compare, where
	 * each column is its own model). */
	const char *chain[1 + MAX_MODELS];
	size_t n = 0;
	chain[n++] = r->spec;
	for (size_t i = 0; o->compare == NULL && i < r->nfallback && n < 1 + MAX_MODELS; i++)
		if (strcmp(r->fallback[i], r->spec) != 0)
			chain[n++] = r->fallback[i];
	static const struct routed_callbacks cb = {on_event, on_reset, on_notice, on_done};
	char err[256];
	router_set_wall_clock(rt, clock_unix());
	r->rr = router_start(rt, t, chain, n, &req, prompt, &cb, r, now, err, sizeof(err));
	if (r->rr == NULL) {
		fprintf(stderr, "circuit: %s\n", err);
		return -1;
	}
	r->prompt_bytes = strlen(prompt) + (o->system ? strlen(o->system) : 0);
	snprintf(r->begun_provider, sizeof(r->begun_provider), "%s", routed_provider(r->rr)->name);
	snprintf(r->begun_model, sizeof(r->begun_model), "%s", routed_model(r->rr));
	metrics_begin(r->metrics, r->begun_provider, r->begun_model);
	return 0;
}

static void run_free(struct run *r)
{
	routed_free(r->rr);
	free(r->spec);
	buf_done(&r->text);
	buf_done(&r->thinking);
	buf_done(&r->notices);
	buf_done(&r->out);
	sanitizer_done(&r->san_text);
	sanitizer_done(&r->san_think);
}

/* A JSON string of arbitrary bytes (invalid UTF-8 repaired). */
static json_t *wj_safe(const char *s)
{
	struct buf b;
	buf_init(&b, 0);
	utf8_repair(s, strlen(s), &b);
	json_t *v = json_stringn(buf_str(&b), b.len);
	buf_done(&b);
	return v;
}

static json_t *ms_or_null(long long v)
{
	return v >= 0 ? json_integer(v) : json_null();
}

/* The metrics of one reply, as --json and the table show them. */
static json_t *run_json(const struct run *r, bool win_ttft, bool win_tps)
{
	const struct stream_metrics *m = stream_metrics(routed_stream(r->rr));
	json_t *o = json_object();
	json_object_set_new(o, "model", wj_safe(r->model));
	json_object_set_new(o, "label", wj_safe(r->spec));
	json_object_set_new(o, "provider", json_string(r->p->name));
	struct buf clean;
	buf_init(&clean, 0);
	if (r->o->raw)
		utf8_repair(r->text.data ? r->text.data : "", r->text.len, &clean);
	else
		sanitize_append(&clean, r->text.data ? r->text.data : "", r->text.len);
	json_object_set_new(o, "text", json_stringn(buf_str(&clean), clean.len));
	buf_reset(&clean);
	sanitize_append(&clean, r->thinking.data ? r->thinking.data : "", r->thinking.len);
	json_object_set_new(o, "thinking", json_stringn(buf_str(&clean), clean.len));
	buf_done(&clean);
	json_object_set_new(o, "stop", m->stop_reason[0] ? json_string(m->stop_reason) : json_null());
	if (m->have_usage) {
		json_t *u = json_object();
		json_object_set_new(u, "input", ms_or_null(m->usage.input));
		json_object_set_new(u, "output", ms_or_null(m->usage.output));
		json_object_set_new(o, "usage", u);
	} else {
		json_object_set_new(o, "usage", json_null());
	}
	const struct reply_metrics *f = &r->f;
	static const char *const outcomes[] = {"live", "ok", "error", "cancelled"};
	json_object_set_new(o, "outcome", json_string(outcomes[f->outcome]));
	json_object_set_new(o, "output_tokens", json_integer(f->tokens_out));
	json_object_set_new(o, "output_tokens_estimated", json_boolean(f->out_estimated));
	json_object_set_new(o, "tokens_in", json_integer(f->tokens_in));
	json_object_set_new(o, "tokens_in_estimated", json_boolean(f->in_estimated));
	json_object_set_new(o, "tokens_out", json_integer(f->tokens_out));
	json_object_set_new(o, "tokens_out_estimated", json_boolean(f->out_estimated));
	json_object_set_new(o, "tokens_thinking", json_integer(f->tokens_thinking));
	json_object_set_new(o, "tokens_thinking_estimated", json_boolean(f->thinking_estimated));
	json_object_set_new(o, "ttfb_ms", ms_or_null(f->ttfb));
	json_object_set_new(o, "ttft_ms", ms_or_null(f->ttft));
	json_object_set_new(o, "ttfo_ms", ms_or_null(f->ttfo));
	json_object_set_new(o, "total_ms", ms_or_null(f->total));
	json_object_set_new(o, "max_gap_ms", ms_or_null(f->max_gap));
	json_object_set_new(o, "tokens_per_second", f->tps >= 0 ? json_real(f->tps) : json_null());
	json_object_set_new(o, "tokens_per_second_estimated", json_boolean(f->tps_estimated));
	json_object_set_new(o, "cost_usd", f->cost >= 0 ? json_real(f->cost) : json_null());
	json_object_set_new(o, "cost_estimated", json_boolean(f->cost_estimated));
	json_object_set_new(o, "winner_ttft", json_boolean(win_ttft));
	json_object_set_new(o, "winner_tokens_per_second", json_boolean(win_tps));
	const struct wire_error *e = routed_error(r->rr);
	if (e != NULL) {
		json_t *je = json_object();
		struct buf line;
		buf_init(&line, 0);
		describe_error(r, e, &line);
		json_object_set_new(je, "kind", json_string(wire_error_kind_name(e->kind)));
		json_object_set_new(je, "code", wj_safe(e->code));
		json_object_set_new(je, "message", json_string(buf_str(&line)));
		json_object_set_new(je, "http_status", e->http_status > 0 ? json_integer(e->http_status)
		                                                          : json_null());
		json_object_set_new(o, "error", je);
		buf_done(&line);
	} else {
		json_object_set_new(o, "error", json_null());
	}
	return o;
}

/* One aggregate (model/metrics) as --json shows it. */
static json_t *agg_json(const struct metrics_agg *g)
{
	json_t *o = json_object();
	json_object_set_new(o, "name", wj_safe(g->name));
	json_object_set_new(o, "count", json_integer(g->count));
	json_object_set_new(o, "active", json_integer(g->active));
	json_object_set_new(o, "errors", json_integer(g->errors));
	json_object_set_new(o, "cancelled", json_integer(g->cancelled));
	json_object_set_new(o, "ttft_p50_ms", ms_or_null(metrics_agg_ttft(g, 50)));
	json_object_set_new(o, "ttft_p95_ms", ms_or_null(metrics_agg_ttft(g, 95)));
	double tps = metrics_agg_tps(g, 50);
	json_object_set_new(o, "tokens_per_second_p50", tps >= 0 ? json_real(tps) : json_null());
	json_object_set_new(o, "breaker_trips", json_integer((json_int_t)g->breaker_trips));
	json_object_set_new(o, "tokens_in", json_integer(g->tokens_in));
	json_object_set_new(o, "tokens_out", json_integer(g->tokens_out));
	json_object_set_new(o, "tokens_thinking", json_integer(g->tokens_thinking));
	json_object_set_new(o, "tokens_estimated", json_boolean(g->tokens_estimated));
	json_object_set_new(o, "cost_usd", g->priced > 0 ? json_real(g->cost) : json_null());
	json_object_set_new(o, "cost_estimated", json_boolean(g->cost_estimated));
	return o;
}

/* printf pads by bytes: the field width that pads s to cols cells. */
static int pad(const char *s, int cols)
{
	size_t n = strlen(s);
	return cols + (int)(n - width_str(s, n));
}

/* The compare table on stderr, one row per model; ★ after the best TTFT
 * and the best rate. */
static void print_table(struct run *runs, size_t n, int best_ttft, int best_tps)
{
	fprintf(stderr, "%-28s %8s %9s %8s %9s %7s %7s %9s  %s\n", "model", "ttfb", "ttft", "total",
	        "tok/s", "in", "out", "cost", "stop");
	for (size_t i = 0; i < n; i++) {
		struct run *r = &runs[i];
		if (r->rr == NULL)
			continue;
		const struct reply_metrics *f = &r->f;
		const struct stream_metrics *m = stream_metrics(routed_stream(r->rr));
		char name[64], ttfb[24], ttft[24], total[24], tps[24], in[32], out[32], cost[32];
		snprintf(name, sizeof(name), "%s:%s", r->p->name, r->model);
		metrics_fmt_ms(f->ttfb, ttfb, sizeof(ttfb));
		metrics_fmt_ms(f->ttft, ttft, sizeof(ttft) - 4);
		if ((int)i == best_ttft)
			memcpy(ttft + strlen(ttft), "★", sizeof("★")); /* room kept above */
		metrics_fmt_ms(f->total, total, sizeof(total));
		if (f->tps >= 0)
			snprintf(tps, sizeof(tps), "%s%.1f%s", f->tps_estimated ? "≈" : "", f->tps,
			         (int)i == best_tps ? "★" : "");
		else
			snprintf(tps, sizeof(tps), "-");
		snprintf(in, sizeof(in), "%s%lld", f->in_estimated ? "≈" : "", f->tokens_in);
		snprintf(out, sizeof(out), "%s%lld", f->out_estimated ? "≈" : "", f->tokens_out);
		if (f->cost >= 0)
			snprintf(cost, sizeof(cost), "%s$%.4f", f->cost_estimated ? "≈" : "", f->cost);
		else
			snprintf(cost, sizeof(cost), "-");
		const struct wire_error *e = routed_error(r->rr);
		fprintf(stderr, "%-28s %8s %*s %8s %*s %*s %*s %*s  %s\n", name, ttfb, pad(ttft, 9),
		        ttft, total, pad(tps, 9), tps, pad(in, 7), in, pad(out, 7), out, pad(cost, 9),
		        cost, e ? wire_error_kind_name(e->kind) : m->stop_reason[0] ? m->stop_reason : "-");
	}
}

/* The signal pipe: a handler only writes the signal's number. */
static int sig_pipe[2] = {-1, -1};

static void on_signal(int sig)
{
	int saved = errno;
	unsigned char b = (unsigned char)sig;
	if (write(sig_pipe[1], &b, 1) < 0) {
		/* a full pipe already holds a wakeup */
	}
	errno = saved;
}

/* The history of this run: one conversation, a compare group when it is a
 * compare. h NULL: off, or unusable (one line on stderr says why; the run
 * goes on without it). */
struct run_history {
	struct history *h;
	long long conv, group;
};

static void open_history(const struct headless_opts *o, struct run_history *rh)
{
	memset(rh, 0, sizeof(*rh));
	char path[1024], err[512];
	const char *p = history_default_path(path, sizeof(path));
	if (p == NULL)
		return;
	rh->h = history_open(p, err, sizeof(err));
	if (rh->h == NULL) {
		fprintf(stderr, "circuit: %s\n", err);
		return;
	}
	rh->conv = history_begin(rh->h, o->system, clock_unix());
	if (rh->conv > 0 && o->compare != NULL)
		rh->group = history_begin_compare(rh->h, rh->conv, o->compare, clock_unix());
	if (rh->conv < 0 || rh->group < 0) {
		fprintf(stderr, "circuit: history: %s; not kept\n", history_error(rh->h));
		rh->conv = -1;
	}
}

/* Run i's place in that history; its prompt is stored now. */
static void begin_history(struct run *r, const struct run_history *rh, int i, const char *prompt)
{
	r->hist = rh->h;
	r->hist_conv = rh->conv;
	r->hist_group = rh->group;
	r->column = r->o->compare != NULL ? i + 1 : 0;
	struct conversation c;
	conv_init(&c);
	store(r, conv_add(&c, MSG_USER, "you", prompt));
	conv_done(&c);
}

int headless_run(const struct headless_opts *o)
{
	char *prompt = o->prompt ? xstrdup(o->prompt) : read_stdin();
	if (prompt == NULL) {
		fprintf(stderr, "circuit: the prompt on standard input is over %zu KiB\n", PROMPT_MAX / 1024);
		return 2;
	}
	if (*prompt == '\0') {
		free(prompt);
		fputs("circuit: the prompt is empty: give one with -p or on standard input\n", stderr);
		return 2;
	}
	struct providers *ps = providers_new(env_process);
	if (o->config != NULL) {
		struct buf w;
		buf_init(&w, 0);
		setup_providers(ps, o->config, env_process, &w);
		fputs(buf_str(&w), stderr);
		buf_done(&w);
	}
	char *specs[MAX_MODELS];
	int n;
	if (o->compare != NULL) {
		n = split_list(o->compare, specs, MAX_MODELS);
		if (n <= 0) {
			fprintf(stderr, "circuit: --compare takes 1 to %d models separated by commas\n",
			        MAX_MODELS);
			providers_free(ps);
			free(prompt);
			return 2;
		}
	} else {
		specs[0] = xstrdup(o->model ? o->model : providers_default_model(ps));
		n = 1;
	}
	struct run runs[MAX_MODELS];
	memset(runs, 0, sizeof(runs));
	int status = 0;
	for (int i = 0; i < n; i++) {
		struct run *r = &runs[i];
		r->o = o;
		r->spec = specs[i];
		buf_init(&r->text, 0);
		buf_init(&r->thinking, 0);
		buf_init(&r->notices, 0);
		buf_init(&r->out, 0);
		sanitizer_init(&r->san_text);
		sanitizer_init(&r->san_think);
		r->live = n == 1 && !o->json && o->compare == NULL;
		r->dim = !o->no_color && isatty(STDERR_FILENO);
		char err[256];
		int rc = providers_resolve(ps, r->spec, &r->p, &r->model, err, sizeof(err));
		if (rc < 0) {
			fprintf(stderr, "circuit: %s\n", err);
			status = rc == -2 ? 1 : 2;
		}
	}
	if (status != 0) {
		for (int i = 0; i < n; i++)
			run_free(&runs[i]);
		providers_free(ps);
		free(prompt);
		return status;
	}
	if (o->record_dir != NULL && mkdir(o->record_dir, 0700) < 0 && errno != EEXIST) {
		fprintf(stderr, "circuit: cannot create %s: %s\n", o->record_dir, strerror(errno));
		status = 1;
	}
	/* Keys are registered whether or not there is a debug log: error lines,
	 * --json and --record files pass through the same redaction. */
	for (size_t i = 0; i < providers_count(ps); i++)
		log_add_secret(providers_at(ps, i)->key);
	struct transport *t = transport_new();
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "%lld-%ld", clock_unix(), (long)getpid());
	struct router_config rc = {
		.max_retries = o->max_retries >= 0 ? o->max_retries : 2,
		.record_dir = o->record_dir,
		.record_prefix = prefix,
		.connect_timeout_ms = o->connect_timeout_ms,
		.first_byte_timeout_ms = o->first_byte_timeout_ms,
		.idle_timeout_ms = o->idle_timeout_ms,
	};
	if (o->breaker != NULL)
		rc.breaker = *o->breaker;
	else
		breaker_config_init(&rc.breaker);
	struct router *rt = router_new(ps, &rc, (uint64_t)clock_ms() ^ (uint64_t)getpid());
	char *fallbacks[MAX_MODELS];
	int nfb = o->fallback != NULL ? split_list(o->fallback, fallbacks, MAX_MODELS) : 0;
	if (nfb < 0)
		nfb = 0;
	if (o->debug_file != NULL) {
		if (log_open(o->debug_file) < 0) {
			fprintf(stderr, "circuit: cannot open the debug log %s: %s\n", o->debug_file,
			        strerror(errno));
			status = 1;
		}
		transport_set_debug(t, true);
	}
	struct metrics metrics;
	metrics_init(&metrics);
	struct run_history rh = {NULL, 0, 0};
	if (status == 0 && o->history)
		open_history(o, &rh);
	long long now = clock_ms();
	for (int i = 0; i < n && status == 0; i++) {
		runs[i].metrics = &metrics;
		if (rh.h != NULL)
			begin_history(&runs[i], &rh, i, prompt);
		runs[i].fallback = fallbacks;
		runs[i].nfallback = (size_t)nfb;
		if (start(&runs[i], rt, t, o, prompt, now) < 0)
			status = 1;
	}
	/* Ctrl-C (or SIGTERM) ends the streams the way the screen's Ctrl-C
	 * does: the text so far is kept, printed and stored, then the exit
	 * status says a signal ended it. A second one kills at once. */
	int interrupted = 0;
	bool sig_ok = pipe(sig_pipe) == 0;
	struct sigaction sa, old_int, old_term;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = (int)SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	if (sig_ok) {
		fcntl(sig_pipe[0], F_SETFL, O_NONBLOCK);
		fcntl(sig_pipe[1], F_SETFL, O_NONBLOCK);
		sigaction(SIGINT, &sa, &old_int);
		sigaction(SIGTERM, &sa, &old_term);
	}
	for (;;) {
		bool pending = false;
		for (int i = 0; i < n; i++)
			pending |= runs[i].rr != NULL && !runs[i].done;
		if (!pending)
			break;
		bool ready = false;
		transport_wait(t, sig_ok ? sig_pipe : NULL, sig_ok ? 1 : 0,
		               transport_timeout(t, clock_ms()), sig_ok ? &ready : NULL);
		unsigned char sig;
		if (ready && read(sig_pipe[0], &sig, 1) == 1 && interrupted == 0) {
			interrupted = sig;
			for (int i = 0; i < n; i++)
				if (runs[i].rr != NULL && !runs[i].done)
					routed_cancel(runs[i].rr);
		}
		transport_run(t, clock_ms());
		fflush(stdout); /* what this turn decoded, in one write */
	}
	if (sig_ok) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
		close(sig_pipe[0]);
		close(sig_pipe[1]);
	}

	bool failed = status != 0;
	/* The winners, once every reply has ended (metrics_best_*). */
	const struct reply_metrics *fin[MAX_MODELS];
	for (int i = 0; i < n; i++)
		fin[i] = runs[i].rr != NULL ? &runs[i].f : NULL;
	int best_ttft = n > 1 ? metrics_best_ttft(fin, (size_t)n) : -1;
	int best_tps = n > 1 ? metrics_best_tps(fin, (size_t)n) : -1;
	for (size_t i = 0; i < providers_count(ps); i++) {
		const struct breaker *br = router_breaker(rt, providers_at(ps, i));
		if (br != NULL && breaker_trips(br) > 0)
			metrics_set_trips(&metrics, providers_at(ps, i)->name, breaker_trips(br));
	}
	if (o->json) {
		json_t *root = json_object();
		json_t *arr = json_array();
		for (int i = 0; i < n; i++)
			if (runs[i].rr != NULL)
				json_array_append_new(arr, run_json(&runs[i], i == best_ttft, i == best_tps));
		json_object_set_new(root, "models", arr);
		json_t *agg = json_array();
		for (size_t i = 0; i < metrics.nprov; i++)
			json_array_append_new(agg, agg_json(&metrics.prov[i]));
		json_object_set_new(root, "providers", agg);
		agg = json_array();
		for (size_t i = 0; i < metrics.nmodel; i++)
			json_array_append_new(agg, agg_json(&metrics.model[i]));
		json_object_set_new(root, "models_summary", agg);
		json_object_set_new(root, "totals", agg_json(&metrics.total));
		json_t *win = json_object();
		json_object_set_new(win, "ttft", best_ttft >= 0 ? wj_safe(runs[best_ttft].spec) : json_null());
		json_object_set_new(win, "tokens_per_second",
		                    best_tps >= 0 ? wj_safe(runs[best_tps].spec) : json_null());
		json_object_set_new(root, "winners", win);
		json_dumpf(root, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(root);
	}
	for (int i = 0; i < n; i++) {
		struct run *r = &runs[i];
		if (r->rr == NULL)
			continue;
		const struct wire_error *e = routed_error(r->rr);
		failed |= e != NULL;
		if (!r->live && !o->json) {
			printf("── %s:%s ──\n", r->p->name, r->model);
			buf_reset(&r->out);
			if (o->raw)
				buf_append(&r->out, r->text.data ? r->text.data : "", r->text.len);
			else
				sanitize_append(&r->out, r->text.data ? r->text.data : "", r->text.len);
			fwrite(r->out.data ? r->out.data : "", 1, r->out.len, stdout);
			if (r->out.len == 0 || r->out.data[r->out.len - 1] != '\n')
				fputc('\n', stdout);
			fputs(buf_str(&r->notices), stderr);
			if (r->notices.len > 0 && r->notices.data[r->notices.len - 1] != '\n')
				fputc('\n', stderr); /* a refusal's line */
		}
		if (e != NULL && !o->json) {
			struct buf line;
			buf_init(&line, 0);
			describe_error(r, e, &line);
			if (n > 1)
				fprintf(stderr, "circuit: %s:%s: %s\n", r->p->name, r->model, buf_str(&line));
			else
				fprintf(stderr, "circuit: %s\n", buf_str(&line));
			buf_done(&line);
		}
	}
	fflush(stdout);
	if (n > 1 && !o->json)
		print_table(runs, (size_t)n, best_ttft, best_tps);
	for (int i = 0; i < n; i++)
		run_free(&runs[i]);
	metrics_done(&metrics);
	history_close(rh.h);
	transport_free(t);
	if (interrupted != 0) {
		fputs(interrupted == SIGINT ? "circuit: interrupted; the text so far is kept\n"
		                            : "circuit: terminated; the text so far is kept\n",
		      stderr);
	}
	router_free(rt);
	for (int i = 0; i < nfb; i++)
		free(fallbacks[i]);
	providers_free(ps);
	log_close();
	log_clear_secrets();
	free(prompt);
	if (interrupted != 0)
		return 128 + interrupted;
	return failed ? 1 : 0;
}
