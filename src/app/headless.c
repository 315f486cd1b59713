/* SPDX-License-Identifier: GPL-3.0-or-later */
/* headless: one prompt, the reply streamed to stdout (circuit -p).
 *
 * The screen's loop without a terminal: wait in the transport (one poll()
 * on curl's sockets and the signal pipe) with the nearest timer as
 * timeout, run the transport; events arrive through the router's
 * callbacks and go out through the console writer. */
#include "app/headless.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/console.h"
#include "app/mdterm.h"
#include "app/failure.h"
#include "app/headless_prompt.h"
#include "app/headless_thread.h"
#include "app/images.h"
#include "app/headless_vote.h"
#include "app/jsonl.h"
#include "app/output.h"
#include "app/reply_figures.h"
#include "app/report.h"
#include "model/conversation.h"
#include "model/history.h"
#include "net/stream.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/words.h"

#define MAX_MODELS SESSION_CHAIN_MAX

/* One model's request. */
struct run {
	const struct headless_opts *o;
	struct session *s;
	char *spec; /* the model as the user named it */
	struct routed *rr;
	bool live; /* printed as it arrives (one model, text mode) */
	bool keep; /* text and thinking kept: for --json, the history, a kept block */
	bool done;
	struct metrics *metrics; /* the run's aggregates */
	char begun_provider[24], begun_model[METRICS_NAME];
	size_t prompt_bytes;
	struct reply_metrics f; /* its figures, once done */
	struct buf text, thinking; /* as received: --json, the history */
	struct sources sources;    /* cited: --json, the history */
	/* Live: stdout and stderr. Else the reply's text and its notices are
	 * kept (in memory files) and printed as a labelled block at the end. */
	struct console con;
	char *mem_out, *mem_err;
	size_t mem_out_len, mem_err_len;
	/* A compare's block goes out as its reply ends, fastest first. */
	bool printed;     /* its block is out */
	bool interrupted; /* Ctrl-C or SIGTERM cancelled it before its end */
	int nruns;        /* how many models run */
	long long t0;     /* when its request was sent (--jsonl's t_ms) */
	struct jsonl jl;  /* --jsonl's writer */
	char label[4];    /* --blind: its letter; "" not blind */
	long long hist_id; /* its reply's row once kept, 0 none */
	struct reply_metrics shown; /* blind: the figures the table may show */
};

/* ---- the router's callbacks ----------------------------------------------- */

static void ended(struct run *r, struct routed *rr);

/* --jsonl: ms since r's request was sent (the transport's now: the time
 * of this turn); the writer told who answers now (a fallback changes it). */
static long long jsonl_now(struct run *r, struct routed *rr)
{
	r->jl.provider = routed_provider(rr)->name;
	r->jl.model = routed_model(rr);
	long long t = transport_now(r->s->t) - r->t0;
	return t > 0 ? t : 0;
}

/* An image: saved (--save-images DIR, else the default folder), its line
 * on stderr, or --jsonl's "image" line with the path. */
static void on_image(struct run *r, struct routed *rr, const struct wire_event *ev, bool con)
{
	char path[1200], line[2600];
	long long size = image_keep(r->o->save_images, ev->mime, ev->text, ev->len, path,
	                            sizeof(path), line, sizeof(line));
	if (con)
		console_line(&r->con, line);
	else
		jsonl_image(&r->jl, jsonl_now(r, rr), ev->mime, size, path, line);
}

static void on_event(void *ctx, struct routed *rr, const struct wire_event *ev)
{
	struct run *r = ctx;
	/* --jsonl writes the event as a line; the console is not used. */
	bool con = !r->o->jsonl;
	if (!con)
		jsonl_event(&r->jl, jsonl_now(r, rr), ev);
	switch (ev->type) {
	case WIRE_EV_TEXT:
		if (con)
			console_text(&r->con, ev->text, ev->len);
		if (r->keep)
			buf_append(&r->text, ev->text, ev->len);
		break;
	case WIRE_EV_THINKING:
		if (con)
			console_thinking(&r->con, ev->text, ev->len);
		if (r->keep)
			buf_append(&r->thinking, ev->text, ev->len);
		break;
	case WIRE_EV_REFUSAL:
		if (con)
			console_refusal(&r->con, ev->text, ev->len);
		break;
	case WIRE_EV_TOOL_CALL:
		if (con)
			console_tool_call(&r->con, ev->tool_name, ev->tool_args);
		break;
	case WIRE_EV_SERVER_TOOL:
		if (con)
			console_server_tool(&r->con, ev->tool_name, ev->tool_args, ev->result, ev->text,
			                    ev->len);
		break;
	case WIRE_EV_CITATION:
		if (con)
			console_citation(&r->con, ev->url, ev->title);
		sources_add(&r->sources, ev->url, ev->title);
		break;
	case WIRE_EV_IMAGE:
		on_image(r, rr, ev, con);
		break;
	case WIRE_EV_MARKER:
		if (con)
			console_marker(&r->con, ev->text, ev->len);
		break;
	case WIRE_EV_USAGE:
	case WIRE_EV_STOP:
	case WIRE_EV_ERROR:
		break;
	}
}

static void on_notice(void *ctx, struct routed *rr, const char *text)
{
	struct run *r = ctx;
	(void)rr;
	if (r->live) {
		console_notice(&r->con, text);
		return;
	}
	/* Kept replies print at the end; their notices go to stderr at once
	 * (a compare's named by their model), as they happen. */
	struct buf line;
	buf_init(&line, 0);
	if (r->o->compare != NULL)
		buf_printf(&line, "%s: ", r->label[0] ? r->label : r->spec);
	headless_vote_say(r->rr, r->spec, r->label, text, &line); /* blind: nobody named */
	output_flush(stdout);
	struct console now;
	console_init(&now, stdout, stderr, false, false);
	console_notice(&now, buf_str(&line));
	console_done(&now);
	buf_done(&line);
	if (r->o->jsonl)
		jsonl_note(&r->jl, "notice", jsonl_now(r, rr), text);
}

static void on_reset(void *ctx, struct routed *rr)
{
	struct run *r = ctx;
	if (r->o->jsonl)
		jsonl_note(&r->jl, "reset", jsonl_now(r, rr), NULL);
	/* The failed attempt's thinking is dropped: the next provider thinks
	 * again from nothing. Live, it is already on stderr, followed by the
	 * notice that says why it starts over; what the history keeps and what
	 * --json carries is the new attempt's alone. */
	buf_reset(&r->thinking);
}

static void on_done(void *ctx, struct routed *rr)
{
	struct run *r = ctx;
	r->done = true;
	reply_figures_of(rr, true, r->prompt_bytes, r->s->cfg, &r->f);
	metrics_end(r->metrics, r->begun_provider, r->begun_model, &r->f);
	console_end(&r->con);
	const struct stream_metrics *m = stream_metrics(routed_stream(rr));
	const struct wire_error *e = routed_error(rr);
	log_msg("done %s:%s status=%ld ttfb=%lld ttft=%lld ttfo=%lld total=%lld deltas=%zu "
	        "attempts=%d error=%s",
	        routed_provider(rr)->name, routed_model(rr), m->status, m->ttfb, m->ttft, m->ttfo,
	        m->total, m->deltas, routed_attempts(rr), e ? wire_error_kind_name(e->kind) : "none");
	if (r->o->jsonl)
		jsonl_finish(&r->jl, jsonl_now(r, rr));
	ended(r, rr);
}

/* ---- one run -------------------------------------------------------------- */

static void run_init(struct run *r, const struct headless_opts *o, struct session *s, char *spec,
                     bool live, struct metrics *metrics)
{
	memset(r, 0, sizeof(*r));
	r->o = o;
	r->s = s;
	r->spec = spec;
	r->live = live;
	/* Only --json and the history read the text afterwards (a kept block
	 * prints from its console's memory file): without them a long reply is
	 * not held twice. */
	r->keep = o->json || o->history;
	r->metrics = metrics;
	buf_init(&r->text, 0);
	buf_init(&r->thinking, 0);
	sources_init(&r->sources);
	jsonl_init(&r->jl, stdout, spec, o->raw);
	bool dim = !o->no_color && isatty(STDERR_FILENO);
	bool md = mdterm_wanted(o->raw, o->render, o->json || o->jsonl, STDOUT_FILENO);
	if (live) {
		console_init(&r->con, stdout, stderr, o->raw, dim);
		if (md)
			console_render(&r->con, mdterm_for(stdout, o->no_color));
		return;
	}
	FILE *out = open_memstream(&r->mem_out, &r->mem_out_len);
	FILE *err = open_memstream(&r->mem_err, &r->mem_err_len);
	if (out == NULL || err == NULL) {
		fputs("circuit: out of memory\n", stderr);
		abort();
	}
	console_init(&r->con, out, err, o->raw, false);
	if (md)
		console_render(&r->con, mdterm_for(out, o->no_color));
}

static void run_free(struct run *r)
{
	routed_free(r->rr);
	if (!r->live) {
		fclose(r->con.out);
		fclose(r->con.err);
		free(r->mem_out);
		free(r->mem_err);
	}
	console_done(&r->con);
	jsonl_done(&r->jl);
	free(r->spec);
	buf_done(&r->text);
	buf_done(&r->thinking);
	sources_done(&r->sources);
}

/* th: the conversation going on (its turns go first), NULL: a new one. */
static int run_start(struct run *r, const char *prompt, struct headless_thread *th,
                     long long now)
{
	const struct headless_opts *o = r->o;
	/* -f: text files folded into the prompt, images beside it. */
	static const struct attachments none = {NULL, 0};
	const struct attachments *files = o->files != NULL ? o->files : &none;
	struct buf text;
	buf_init(&text, 0);
	attachments_fold(&text, prompt, files);
	struct wire_image images[ATTACH_MAX];
	struct wire_message msg = {.role = WIRE_ROLE_USER, .text = buf_str(&text), .images = images,
	                           .nimages = attachments_images(files, images, ATTACH_MAX)};
	struct wire_request req = {.system = o->system, .messages = &msg, .nmessages = 1};
	if (th != NULL)
		headless_thread_request(th, o->system, &msg, &req);
	static const struct routed_callbacks cb = {on_event, on_reset, on_notice, on_done};
	char err[320];
	/* In a compare each model is its own column: no fallback. */
	r->rr = session_start(r->s, r->spec, o->compare == NULL, &req, prompt, &cb, r, now, err,
	                      sizeof(err));
	r->prompt_bytes = text.len + (req.system ? strlen(req.system) : 0) +
	                  (th != NULL ? th->turns.bytes : 0);
	buf_done(&text);
	if (r->rr == NULL) {
		fprintf(stderr, "circuit: %s\n", err);
		return -1;
	}
	r->t0 = now;
	snprintf(r->begun_provider, sizeof(r->begun_provider), "%s", routed_provider(r->rr)->name);
	snprintf(r->begun_model, sizeof(r->begun_model), "%s", routed_model(r->rr));
	metrics_begin(r->metrics, r->begun_provider, r->begun_model);
	return 0;
}

/* ---- the end -------------------------------------------------------------- */

/* A failed request's line, for stderr and --json. */
static void error_line(const struct run *r, struct buf *out)
{
	const struct wire_error *e = routed_error(r->rr);
	struct failure f = {
		.p = routed_provider(r->rr),
		.model = routed_model(r->rr),
		.e = e,
		.after_text = stream_metrics(routed_stream(r->rr))->text_bytes > 0,
		.attempts = routed_attempts(r->rr),
	};
	failure_describe(&f, out);
}

/* A kept (not live) reply: its label, its text, then its notices. */
static void print_block(struct run *r)
{
	fflush(r->con.out);
	fflush(r->con.err);
	if (r->label[0] != '\0')
		printf("── %s ──\n", r->label);
	else
		printf("── %s:%s ──\n", routed_provider(r->rr)->name, routed_model(r->rr));
	output_note(stdout);
	fwrite(r->mem_out ? r->mem_out : "", 1, r->mem_out_len, stdout);
	output_note(stdout);
	if (r->mem_out_len == 0 || r->mem_out[r->mem_out_len - 1] != '\n')
		fputc('\n', stdout);
	output_flush(stdout);
	fwrite(r->mem_err ? r->mem_err : "", 1, r->mem_err_len, stderr);
}

/* What else stderr should say about a reply: its error, its malformed
 * chunks, a cut by the token limit. n: how many models ran. */
static void print_after(struct run *r, int n)
{
	struct buf line;
	buf_init(&line, 0);
	const struct stream_metrics *m = stream_metrics(routed_stream(r->rr));
	if (routed_error(r->rr) != NULL)
		error_line(r, &line);
	else if (r->interrupted && n > 1)
		buf_printf(&line, "interrupted; its text so far is above");
	else if (reply_figures_cut_by_length(&r->f))
		buf_printf(&line, "the reply was cut by the token limit (stop: %s)", r->f.stop);
	if (m->malformed > 0)
		buf_printf(&line, "%s%zu malformed chunk%s skipped", line.len ? "; " : "", m->malformed,
		           m->malformed == 1 ? " was" : "s were");
	if (line.len > 0) {
		output_flush(stdout);
		if (r->label[0] != '\0') /* blind: its letter, nobody named */
			headless_vote_line(r->rr, r->spec, r->label, buf_str(&line));
		else if (n > 1)
			fprintf(stderr, "circuit: %s:%s: %s\n", routed_provider(r->rr)->name,
			        routed_model(r->rr), buf_str(&line));
		else
			fprintf(stderr, "circuit: %s\n", buf_str(&line));
	}
	buf_done(&line);
}

/* A started run's row; line (initialised) holds its error line. */
static void row_of(struct run *r, struct report_row *row, struct buf *line)
{
	const struct stream_metrics *m = stream_metrics(routed_stream(r->rr));
	*row = (struct report_row){
		.label = r->spec,
		.provider = routed_provider(r->rr)->name,
		.model = routed_model(r->rr),
		.text = &r->text,
		.thinking = &r->thinking,
		.sources = &r->sources,
		.f = &r->f,
		.usage = m->have_usage ? &m->usage : NULL,
		.error = routed_error(r->rr),
		.raw = r->o->raw,
	};
	if (row->error != NULL)
		error_line(r, line);
	row->error_line = buf_str(line);
	if (r->label[0] != '\0') { /* blind: the letter, no name, no price */
		r->shown = r->f;
		blind_mask(&r->shown, r->o->blind);
		row->label = r->label;
		row->provider = row->model = NULL;
		row->f = &r->shown;
	}
}

/* r's reply has ended (on_done): --jsonl's last lines; a compare's block
 * and what stderr says about it, at once, so the fastest model's reply is
 * out while the others still run. A live reply is out already; --json
 * waits for the end. */
static void ended(struct run *r, struct routed *rr)
{
	if (r->o->jsonl) {
		struct report_row row;
		struct buf line;
		buf_init(&line, 0);
		row_of(r, &row, &line);
		report_jsonl_end(&row, jsonl_now(r, rr), stdout);
		buf_done(&line);
	} else if (!r->live && !r->o->json) {
		print_block(r);
		print_after(r, r->nruns);
		r->printed = true;
	}
}

/* The rows of the runs that started (a run whose chain could not be used
 * at all has nothing to report); returns how many. */
static size_t report_rows(struct run *runs, int n, struct report_row *rows, struct buf *lines)
{
	size_t k = 0;
	for (int i = 0; i < n; i++) {
		struct run *r = &runs[i];
		if (r->rr == NULL)
			continue;
		row_of(r, &rows[k], &lines[k]);
		k++;
	}
	return k;
}

static void print_results(struct run *runs, int n, struct metrics *metrics)
{
	const struct headless_opts *o = runs[0].o;
	struct report_row rows[MAX_MODELS];
	struct buf lines[MAX_MODELS];
	for (int i = 0; i < n; i++)
		buf_init(&lines[i], 0);
	size_t k = report_rows(runs, n, rows, lines);
	if (o->json) {
		report_json(rows, k, metrics, stdout);
		output_note(stdout);
	}
	for (int i = 0; i < n && !o->json && !o->jsonl; i++) {
		if (runs[i].rr == NULL || runs[i].printed)
			continue;
		if (!runs[i].live)
			print_block(&runs[i]);
		print_after(&runs[i], n);
	}
	output_flush(stdout);
	if (n > 1 && !o->json && !o->jsonl)
		report_table(rows, k, stderr);
	for (int i = 0; i < n; i++)
		buf_done(&lines[i]);
}

/* ---- the history ---------------------------------------------------------- */

/* A reply worth keeping: it has text, or it ended well. A request that
 * failed before its first token leaves nothing in the history. */
static bool worth_keeping(const struct run *r)
{
	return r->rr != NULL && (r->text.len > 0 || r->f.outcome == REPLY_OK);
}

/* The run's text moves into the message (r->text is emptied: the run's
 * output is done by now), so a long reply is held twice (the text and the
 * row SQLite builds), not four times, while it is written. */
static int keep_run(struct history *h, long long conv, long long group, int column,
                    struct run *r, const char *prompt)
{
	struct conversation c;
	conv_init(&c);
	struct message *u = conv_add(&c, MSG_USER, "you", prompt);
	if (r->o->files != NULL)
		attachments_copy(&u->att, r->o->files); /* resumed, they are sent again */
	char label[96];
	session_reply_label(r->rr, r->spec, label, sizeof(label));
	struct message *m = conv_add(&c, MSG_ASSISTANT, label, NULL);
	bool cut = r->f.outcome != REPLY_OK && r->text.len > 0;
	msg_take_text(m, &r->text);
	msg_append_thinking(m, buf_str(&r->thinking), r->thinking.len);
	sources_copy(&m->sources, &r->sources);
	char line[160];
	reply_figures_line(&r->f, line, sizeof(line));
	m->metrics = r->f;
	m->has_metrics = true;
	msg_finish(m, cut, line);
	int rc = 0;
	for (size_t i = 0; i < c.n && rc == 0; i++)
		if ((c.v[i]->hist_id = history_add(h, conv, group, column, c.v[i], clock_unix())) < 0)
			rc = -1;
	r->hist_id = rc == 0 ? m->hist_id : 0;
	conv_done(&c);
	return rc;
}

/* The history to keep a new conversation in; NULL (said on stderr when
 * there is a file that cannot be used) to keep nothing. */
static struct history *keep_open(void)
{
	char path[1024], err[512];
	if (history_default_path(path, sizeof(path)) == NULL)
		return NULL;
	struct history *h = history_open(path, err, sizeof(err));
	if (h == NULL)
		fprintf(stderr, "circuit: %s\n", err);
	return h;
}

/* The conversation the run joins: th's (-s given: its system prompt
 * now), else a new one. Its id, or -1. */
static long long keep_conv(struct history *h, const struct headless_opts *o,
                           const struct headless_thread *th)
{
	if (th == NULL)
		return history_begin(h, o->system, clock_unix());
	if (o->system != NULL && (th->system == NULL || strcmp(th->system, o->system) != 0) &&
	    history_set_system(h, th->conv, o->system) < 0)
		return -1;
	return th->conv;
}

/* The compare's vote (--vote's, or a blind one waiting), once its runs
 * are kept in conv of h (NULL: they could not be). 0, or 1. */
static int vote(struct run *runs, int n, const char *prompt, struct history *h, long long conv)
{
	struct routed *rr[MAX_MODELS];
	const char *specs[MAX_MODELS];
	long long replies[MAX_MODELS];
	for (int i = 0; i < n; i++) {
		rr[i] = runs[i].rr;
		specs[i] = runs[i].spec;
		replies[i] = runs[i].hist_id;
	}
	return headless_vote_end(h, conv, prompt, rr, specs, replies, n, runs[0].o->blind,
	                         runs[0].o->vote);
}

/* The run in the history, once it has ended: one conversation (th's when
 * it goes on with one), a compare group when it is a compare (its models
 * in column order), and its vote. A history that cannot be used is one
 * line on stderr; the run's output is not affected. 0, or 1 (a vote that
 * could not be kept). */
static int keep(struct run *runs, int n, const char *prompt, struct headless_thread *th)
{
	const struct headless_opts *o = runs[0].o;
	bool any = false;
	for (int i = 0; i < n; i++)
		any |= worth_keeping(&runs[i]);
	struct history *h = !o->history || !any ? NULL : th != NULL ? th->h : keep_open();
	if (h == NULL)
		return vote(runs, n, prompt, NULL, 0);
	long long conv = keep_conv(h, o, th);
	long long group = 0;
	struct buf models;
	buf_init(&models, 0);
	for (int i = 0; i < n; i++)
		buf_printf(&models, "%s%s", i ? "," : "", runs[i].spec);
	if (conv > 0 && o->compare != NULL)
		group = history_begin_compare(h, conv, buf_str(&models), clock_unix());
	buf_done(&models);
	int rc = conv > 0 && group >= 0 ? 0 : -1;
	for (int i = 0; i < n && rc == 0; i++)
		if (worth_keeping(&runs[i]))
			rc = keep_run(h, conv, group, o->compare ? i + 1 : 0, &runs[i], prompt);
	if (rc < 0)
		fprintf(stderr, "circuit: history: %s; not kept\n", history_error(h));
	int status = o->compare != NULL ? vote(runs, n, prompt, rc == 0 ? h : NULL, conv) : 0;
	if (th == NULL)
		history_close(h);
	return status;
}

/* ---- the loop ------------------------------------------------------------- */

static bool pending(const struct run *runs, int n)
{
	for (int i = 0; i < n; i++)
		if (runs[i].rr != NULL && !runs[i].done)
			return true;
	return false;
}

static void cancel_all(struct run *runs, int n)
{
	for (int i = 0; i < n; i++)
		if (runs[i].rr != NULL && !runs[i].done)
			routed_cancel(runs[i].rr);
}

/* Runs the transport until every request has ended. Ctrl-C (or SIGTERM)
 * ends the streams the way the screen's Ctrl-C does: the text so far is
 * kept, printed and stored. A second one kills at once. Output that
 * cannot be written (the reader of a pipe went away, a full disk) ends
 * them too, in the turn it is found: nobody reads the rest, and a
 * provider would go on generating billed tokens. Returns the signal that
 * interrupted, 0 none. */
static int loop(struct session *s, struct run *runs, int n)
{
	static const int sigs[] = {SIGINT, SIGTERM};
	session_catch(s, sigs, 2, true);
	int interrupted = 0;
	bool out_failed = false;
	while (pending(runs, n)) {
		int fd = session_signal_fd(s);
		bool ready = false;
		transport_wait(s->t, &fd, 1, transport_timeout(s->t, clock_ms()), &ready);
		int sig = ready ? session_signal(s) : 0;
		if (sig != 0 && interrupted == 0) {
			interrupted = sig;
			for (int i = 0; i < n; i++)
				runs[i].interrupted = runs[i].rr != NULL && !runs[i].done;
			cancel_all(runs, n);
		}
		transport_run(s->t, clock_ms());
		/* What this turn decoded, in one write. */
		if (output_flush(stdout) != 0 && !out_failed) {
			out_failed = true;
			cancel_all(runs, n);
		}
	}
	session_uncatch(sigs, 2);
	return interrupted;
}

/* The models of the run: --compare's, else the one (-m's, else the one
 * that answered last in the conversation going on, else the default).
 * Returns how many, or -1 (a message printed). */
static int models_of(const struct headless_opts *o, struct session *s, const char *thread_model,
                     char **specs)
{
	if (o->compare == NULL) {
		specs[0] = xstrdup(o->model          ? o->model
		                   : thread_model != NULL ? thread_model
		                                          : session_default_model(s));
		return 1;
	}
	int n = words_split(o->compare, ",", specs, MAX_MODELS);
	if (n <= 0)
		fprintf(stderr, "circuit: --compare takes 1 to %d models separated by commas\n",
		        MAX_MODELS);
	return n <= 0 ? -1 : n;
}

/* Every model is known and can be asked; returns 0 or an exit status. */
static int check_models(struct session *s, char **specs, int n, bool with_fallback)
{
	int status = 0;
	for (int i = 0; i < n; i++) {
		char err[320];
		int rc = session_check_model(s, specs[i], with_fallback, err, sizeof(err));
		if (rc < 0) {
			fprintf(stderr, "circuit: %s\n", err);
			if (status != 2)
				status = rc == -2 ? 1 : 2;
		}
	}
	return status;
}

static int run_all(const struct headless_opts *o, struct session *s, char **specs, int n,
                   const char *prompt, struct headless_thread *th)
{
	struct run runs[MAX_MODELS];
	struct metrics metrics;
	metrics_init(&metrics);
	int status = 0;
	long long now = clock_ms();
	for (int i = 0; i < n; i++)
		run_init(&runs[i], o, s, specs[i], n == 1 && !o->json && !o->jsonl && !o->compare,
		         &metrics);
	for (int i = 0; i < n; i++) {
		runs[i].nruns = n;
		if (o->blind != BLIND_OFF)
			blind_letter(i, runs[i].label);
	}
	for (int i = 0; i < n && status == 0; i++)
		if (run_start(&runs[i], prompt, th, now) < 0)
			status = 1;
	int sig = loop(s, runs, n);
	for (int i = 0; i < n; i++)
		if (runs[i].rr != NULL && routed_error(runs[i].rr) != NULL)
			status = 1;
	print_results(runs, n, &metrics);
	if (keep(runs, n, prompt, th) != 0 && status == 0)
		status = 1;
	for (int i = 0; i < n; i++)
		run_free(&runs[i]);
	metrics_done(&metrics);
	if (sig != 0) {
		fputs(sig == SIGINT ? "circuit: interrupted; the text so far is kept\n"
		                    : "circuit: terminated; the text so far is kept\n",
		      stderr);
		return 128 + sig;
	}
	int out = output_status();
	return out != 0 ? out : status;
}

int headless_run(const struct headless_opts *o)
{
	char *prompt = headless_prompt(o->prompt);
	if (prompt == NULL)
		return 2;
	struct session s;
	struct buf warnings;
	buf_init(&warnings, 0);
	int status = session_open(&s, &o->session, &warnings) < 0 ? 1 : 0;
	fputs(buf_str(&warnings), stderr);
	buf_done(&warnings);
	if (status == 0 && o->session.record_dir != NULL && mkdir(o->session.record_dir, 0700) < 0 &&
	    errno != EEXIST) {
		fprintf(stderr, "circuit: cannot create %s: %s\n", o->session.record_dir,
		        strerror(errno));
		status = 1;
	}
	struct headless_thread th = {0};
	if (status == 0 && o->resume != 0)
		status = headless_thread_open(&th, NULL, o->resume, &s);
	char *specs[MAX_MODELS];
	int n = status == 0 ? models_of(o, &s, th.model, specs) : 0;
	if (n < 0)
		status = 2;
	if (status == 0)
		status = check_models(&s, specs, n, o->compare == NULL);
	if (status == 0 && o->blind != BLIND_OFF)
		blind_shuffle(specs, n, blind_seed());
	if (status == 0)
		status = run_all(o, &s, specs, n, prompt, o->resume != 0 ? &th : NULL);
	else if (n > 0)
		words_free(specs, (size_t)n);
	headless_thread_close(&th);
	session_close(&s);
	free(prompt);
	return status;
}
