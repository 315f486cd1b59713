/* SPDX-License-Identifier: GPL-3.0-or-later */
/* screen_reply: a reply on its way. It is started on a model and its
 * fallback chain, its events fill its message, its attempts' notices stand
 * in one block above it, and its end writes its figures and its row in the
 * history before the screen shows it done. A prompt sent while a reply
 * streams waits in a queue, marked, and goes when the reply ends. */
#include "app/screen_core.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/failure.h"
#include "app/images.h"
#include "app/traces.h"
#include "app/reply_figures.h"
#include "app/turns.h"
#include "net/stream.h"
#include "net/transport.h"
#include "ui/inputline.h"
#include "util/clock.h"
#include "util/mem.h"
#include "util/glyphs.h"
#include "util/units.h"

#define STALL_TICK_MS 1000
#define CTRL_C_TWICE_MS 2000
#define QUEUED_LABEL "you (queued)"
#define QUEUED_NOTE "queued (%zu): sent when the reply ends · Ctrl-C on an empty line drops it"

bool screen_streaming(const struct screen *sc)
{
	if (sc->single != NULL)
		return true;
	for (int i = 0; i < sc->ncol; i++)
		if (sc->col[i].live != NULL)
			return true;
	return false;
}

void screen_reply_figures(const struct reply *rp, struct reply_metrics *f)
{
	reply_figures_of(rp->rr, rp->done, rp->prompt_bytes, rp->sc->s.cfg, f);
}

/* ---- the router's callbacks ------------------------------------------------ */

/* A trace (a provider's tool, a marker) folded into the thinking block
 * on a line of its own: dim, collapsed with it (Ctrl-T), kept with it. */
static void trace_line(struct message *m, const struct buf *line)
{
	if (m->thinking.len > 0 && m->thinking.data[m->thinking.len - 1] != '\n')
		msg_append_thinking(m, "\n", 1);
	msg_append_thinking(m, buf_str(line), line->len);
	msg_append_thinking(m, "\n", 1);
}

/* Issue 19's events: the traces into the thinking block, a source kept
 * for the list at the end, an image saved and named in the reply (in its
 * text, not in what is sent back to the model). */
static void on_trace(struct reply *rp, struct message *m, const struct wire_event *ev)
{
	struct buf line;
	buf_init(&line, 0);
	if (ev->type == WIRE_EV_SERVER_TOOL) {
		trace_server_tool(&line, ev->tool_name, ev->tool_args, ev->result, ev->text, ev->len);
		trace_line(m, &line);
	} else if (ev->type == WIRE_EV_MARKER) {
		trace_marker(&line, ev->text, ev->len);
		trace_line(m, &line);
	} else if (ev->type == WIRE_EV_CITATION) {
		sources_add(&m->sources, ev->url, ev->title);
	} else {
		char path[1200], text[2600];
		image_keep(rp->sc->o->save_images, ev->mime, ev->text, ev->len, path, sizeof(path),
		           text, sizeof(text));
		msg_append_note(m, text);
	}
	buf_done(&line);
	rp->sc->text_turn = true;
}

/* A refusal's pieces: one notice under the reply, the whole refusal so
 * far, replaced as it grows. */
static void on_refusal(struct reply *rp, const char *p, size_t n)
{
	struct conversation *c = rp->conv;
	buf_append(&rp->refusal, p, n);
	struct buf b;
	buf_init(&b, 0);
	buf_append_str(&b, "[refusal] ");
	buf_append(&b, rp->refusal.data, rp->refusal.len);
	size_t at = conv_index(c, rp->msg) + 1;
	if (rp->refusal_note != NULL) {
		at = conv_index(c, rp->refusal_note);
		conv_remove(c, rp->refusal_note);
	}
	rp->refusal_note = conv_insert(c, at, MSG_NOTICE, "circuit", buf_str(&b));
	buf_done(&b);
	rp->sc->text_turn = true;
}

static void on_event(void *ctx, struct routed *rr, const struct wire_event *ev)
{
	struct reply *rp = ctx;
	(void)rr;
	struct message *m = rp->msg;
	if (m == NULL)
		return; /* /clear took the thread away; the request is cancelled */
	switch (ev->type) {
	case WIRE_EV_TEXT:
		msg_append_text(m, ev->text, ev->len);
		rp->sc->text_turn = true;
		break;
	case WIRE_EV_REFUSAL:
		on_refusal(rp, ev->text, ev->len);
		break;
	case WIRE_EV_THINKING:
		msg_append_thinking(m, ev->text, ev->len);
		rp->sc->text_turn = true;
		break;
	case WIRE_EV_TOOL_CALL: {
		struct buf b;
		buf_init(&b, 0);
		buf_printf(&b, "[tool call] %s %s", ev->tool_name, ev->tool_args);
		conv_add(rp->conv, MSG_NOTICE, "circuit", buf_str(&b));
		buf_done(&b);
		break;
	}
	case WIRE_EV_SERVER_TOOL:
	case WIRE_EV_CITATION:
	case WIRE_EV_IMAGE:
	case WIRE_EV_MARKER:
		on_trace(rp, m, ev);
		break;
	case WIRE_EV_USAGE:
	case WIRE_EV_STOP:
	case WIRE_EV_ERROR:
		break;
	}
}

/* An attempt failed before its first visible token and another follows:
 * what it showed (thinking) goes. */
static void on_reset(void *ctx, struct routed *rr)
{
	struct reply *rp = ctx;
	(void)rr;
	if (rp->msg != NULL)
		msg_reset_thinking(rp->msg);
}

/* The reply's notices block, as it stands, above the reply (or where it
 * was, kind MSG_ERROR when the reply failed). */
static void put_notes(struct reply *rp, enum msg_kind kind, const char *text)
{
	struct conversation *c = rp->conv;
	size_t at = rp->msg != NULL ? conv_index(c, rp->msg) : c->n;
	if (rp->notes != NULL) {
		at = conv_index(c, rp->notes);
		conv_remove(c, rp->notes);
	}
	rp->notes = conv_insert(c, at, kind, kind == MSG_ERROR ? "error" : "circuit", text);
}

static void on_notice(void *ctx, struct routed *rr, const char *text)
{
	struct reply *rp = ctx;
	(void)rr;
	if (rp->msg == NULL)
		return;
	if (rp->notes_text.len > 0)
		buf_append_char(&rp->notes_text, '\n');
	screen_blind_say(rp->sc, rp, text, &rp->notes_text); /* blind: by its letter */
	put_notes(rp, MSG_NOTICE, buf_str(&rp->notes_text));
}

/* A failed reply's one block: what went wrong, then its attempts. With no
 * text the empty reply goes: nothing answered. */
static void show_failure(struct reply *rp, const struct wire_error *e)
{
	struct message *msg = rp->msg;
	struct failure f = {
		.p = routed_provider(rp->rr),
		.model = routed_model(rp->rr),
		.e = e,
		.screen = true,
		.after_text = msg->text.len > 0,
		.attempts = routed_attempts(rp->rr),
	};
	struct buf line, said;
	buf_init(&line, 0);
	buf_init(&said, 0);
	failure_describe(&f, &said);
	if (screen_blind(rp->sc)) /* "B failed: ...", nobody named */
		buf_printf(&line, "%c failed: ", 'A' + rp->col);
	screen_blind_say(rp->sc, rp, buf_str(&said), &line);
	buf_done(&said);
	if (msg->text.len > 0) {
		conv_add(rp->conv, MSG_ERROR, "error", buf_str(&line));
	} else {
		if (rp->notes_text.len > 0)
			buf_printf(&line, "\n%s", buf_str(&rp->notes_text));
		put_notes(rp, MSG_ERROR, buf_str(&line));
		if (msg->thinking.len == 0) {
			/* Its row stays in the file (its figures count), out of every
			 * request, as the screen leaves it out. */
			msg->dropped = true;
			screen_history_rewrite(rp->sc, msg);
			conv_remove(rp->conv, msg);
			rp->msg = NULL;
		}
	}
	buf_done(&line);
}

static void status_after(struct screen *sc, struct provider *p, const struct reply_metrics *f,
                         bool failed)
{
	struct pstat *ps = screen_pstat(sc, p);
	if (f->ttft >= 0)
		ps->ttft = f->ttft;
	if (f->tps >= 0) {
		ps->tps = f->tps;
		ps->tps_estimated = f->tps_estimated;
	}
	ps->health = failed ? HEALTH_ERROR : HEALTH_OK;
}

/* The reply's message, finished: who answered, its figures, its mark. */
static void finish_message(struct reply *rp, const struct reply_metrics *f, bool cut)
{
	struct message *msg = rp->msg;
	char label[96], letter[4];
	session_reply_label(rp->rr, rp->spec, label, sizeof(label));
	free(msg->label);
	msg->label = xstrdup(screen_blind_label(rp->sc, rp->col, label, letter));
	char line[200];
	screen_figures_line(rp->sc, f, line, sizeof(line));
	msg->metrics = *f;
	msg->has_metrics = true;
	msg_finish(msg, cut && msg->text.len > 0, line);
}

static void on_done(void *ctx, struct routed *rr)
{
	struct reply *rp = ctx;
	struct screen *sc = rp->sc;
	const struct wire_error *e = routed_error(rr);
	rp->done = true;
	struct reply_metrics f;
	screen_reply_figures(rp, &f);
	metrics_end(&sc->metrics, rp->provider, rp->model, &f);
	status_after(sc, routed_provider(rr), &f, e != NULL);
	if (rp->col >= 0 && rp->msg != NULL) { /* a cleared column shows nothing */
		struct column *c = &sc->col[rp->col];
		c->last = f;
		c->has_last = true;
		c->reply_id = rp->hist_id; /* what a vote names */
		snprintf(c->answered, sizeof(c->answered), "%s:%s", rp->provider, rp->model);
	}
	if (rp->msg == NULL)
		return; /* /clear took the thread away */
	finish_message(rp, &f, routed_cancelled(rr) || e != NULL);
	/* Stored before the screen shows it done (the next draw). */
	screen_history_write(sc, rp, true, clock_ms());
	screen_sources_note(rp->conv, rp->msg); /* the numbered list, under it */
	if (e != NULL)
		show_failure(rp, e);
	else if (routed_cancelled(rr))
		screen_note(sc, "cancelled");
}

/* ---- waiting and checkpoints ------------------------------------------------ */

/* A reply waiting for its next attempt says so on its label, and for how
 * long; else its label says it streams. */
static void waiting_label(struct reply *rp, long long now)
{
	struct message *m = rp->msg;
	if (m == NULL || rp->done)
		return;
	char meta[sizeof(m->meta)] = "";
	long long until = routed_wait_until(rp->rr);
	if (until > now) {
		char t[UNITS_MAX];
		units_seconds(until - now, t, sizeof(t));
		const char *why = routed_wait_reason(rp->rr);
		snprintf(meta, sizeof(meta), "waiting %s%s%s%s", t, *why ? " (" : "", why,
		         *why ? ")" : "");
	}
	if (strcmp(meta, m->meta) != 0) {
		snprintf(m->meta, sizeof(m->meta), "%s", meta);
		m->version++;
	}
}

static void tick(void *ctx, long long now)
{
	struct screen *sc = ctx;
	sc->tick = 0;
	struct reply *live[1 + COMPARE_MAX];
	int n = 0;
	live[n++] = sc->single;
	for (int i = 0; i < sc->ncol; i++)
		live[n++] = sc->col[i].live;
	long long next = now + STALL_TICK_MS;
	for (int i = 0; i < n; i++) {
		if (live[i] == NULL)
			continue;
		screen_history_checkpoint(sc, live[i], now);
		waiting_label(live[i], now);
		long long until = live[i]->done ? -1 : routed_wait_until(live[i]->rr);
		/* A wait under a second is counted down in tenths. */
		if (until > now && until - now < STALL_TICK_MS && now + 100 < next)
			next = now + 100;
	}
	if (screen_streaming(sc))
		sc->tick = timer_add(sc->s.t, next, tick, sc);
}

/* ---- starting ---------------------------------------------------------------- */

/* The thread as the provider should see it (app/turns), from `from` on
 * (the last /new), the reply being started excluded. */
struct thread_request {
	struct wire_request req;
	struct turns turns;
	size_t bytes; /* the text sent, system prompt included, for the input estimate */
};

static void thread_request(const struct screen *sc, const struct conversation *conv, size_t from,
                           struct thread_request *tr)
{
	memset(tr, 0, sizeof(*tr));
	turns_build(&tr->turns, conv, from);
	tr->bytes = tr->turns.bytes + (sc->system ? strlen(sc->system) : 0);
	tr->req.system = sc->system;
	tr->req.messages = tr->turns.msgs;
	tr->req.nmessages = tr->turns.n;
}

static void thread_request_done(struct thread_request *tr)
{
	turns_free(&tr->turns);
}

static void reply_free(struct reply *rp)
{
	routed_free(rp->rr);
	buf_done(&rp->notes_text);
	buf_done(&rp->refusal);
	free(rp->spec);
	free(rp);
}

/* After a start: its row, its figures, the status bar, the tick. */
static void started(struct screen *sc, struct reply *rp, long long now)
{
	screen_reply_figures(rp, &rp->msg->metrics);
	rp->msg->has_metrics = true;
	rp->hist_id = screen_history_add(sc, rp->col, rp->msg);
	rp->checkpointed = now;
	struct provider *p = routed_provider(rp->rr);
	snprintf(rp->provider, sizeof(rp->provider), "%s", p->name);
	snprintf(rp->model, sizeof(rp->model), "%s", routed_model(rp->rr));
	metrics_begin(&sc->metrics, rp->provider, rp->model);
	struct pstat *ps = screen_pstat(sc, p);
	if (ps->health == HEALTH_IDLE)
		ps->health = HEALTH_OK; /* streaming now */
	if (sc->tick == 0)
		sc->tick = timer_add(sc->s.t, now + STALL_TICK_MS, tick, sc);
}

/* Starts a reply in conv (a new assistant message there, at the end or
 * right after the message `after`, a prompt that waited in the queue) on
 * model, then (with_fallback) the chain. NULL when it cannot start (the
 * error is in conv). */
static struct reply *start_reply(struct screen *sc, struct conversation *conv, size_t from,
                                 int col, const char *model, bool with_fallback,
                                 const char *prompt, const struct message *after, long long now)
{
	struct thread_request tr;
	char letter[4];
	const char *label = screen_blind_label(sc, col, session_label(model), letter);
	struct reply *rp = xcalloc(1, sizeof(*rp));
	rp->sc = sc;
	rp->conv = conv;
	rp->col = col;
	rp->spec = xstrdup(model);
	buf_init(&rp->notes_text, 0);
	buf_init(&rp->refusal, 0);
	thread_request(sc, conv, from, &tr);
	rp->prompt_bytes = tr.bytes;
	rp->msg = after == NULL ? conv_add(conv, MSG_ASSISTANT, label, NULL)
	                        : conv_insert(conv, conv_index(conv, after) + 1, MSG_ASSISTANT,
	                                      label, NULL);
	rp->msg->streaming = true;
	static const struct routed_callbacks cb = {on_event, on_reset, on_notice, on_done};
	char err[320];
	rp->rr = session_start(&sc->s, model, with_fallback, &tr.req, prompt, &cb, rp, now, err,
	                       sizeof(err));
	thread_request_done(&tr);
	if (rp->rr == NULL) {
		/* Nothing answered: no reply label, the error where it would be. */
		size_t at = conv_index(conv, rp->msg);
		conv_remove(conv, rp->msg);
		conv_insert(conv, at, MSG_ERROR, "error", err);
		reply_free(rp);
		return NULL;
	}
	started(sc, rp, now);
	return rp;
}

void screen_ask(struct screen *sc, const char *model, const char *prompt, bool add_user)
{
	sc->stats_view = false; /* the reply is what to watch now */
	if (add_user) {
		free(sc->last_prompt);
		sc->last_prompt = xstrdup(prompt);
		struct message *u = conv_add(&sc->conv, MSG_USER, "you", prompt);
		attachments_move(&u->att, &sc->pending); /* /file's files go with it */
		screen_history_add(sc, -1, u);
	}
	sc->single = start_reply(sc, &sc->conv, sc->context_start, -1, model, true, prompt, NULL,
	                         clock_ms());
	if (sc->single != NULL)
		sc->notice[0] = '\0';
	screen_react(sc, REACT_FOLLOW);
}

void screen_ask_all(struct screen *sc, const char *prompt)
{
	sc->stats_view = false;
	free(sc->last_prompt);
	sc->last_prompt = xstrdup(prompt);
	long long now = clock_ms();
	for (int i = 0; i < sc->ncol; i++) {
		struct column *c = &sc->col[i];
		struct message *u = conv_add(&c->conv, MSG_USER, "you", prompt);
		attachments_copy(&u->att, &sc->pending); /* each column sends the files */
		screen_history_add(sc, i, u);
		/* Each column is its model: no fallback. */
		c->live =
			start_reply(sc, &c->conv, c->context_start, i, c->model, false, prompt, NULL, now);
		c->has_last = false;
	}
	attachments_done(&sc->pending);
	sc->voted = false; /* a new prompt, a new vote */
	sc->notice[0] = '\0';
	screen_react(sc, REACT_FOLLOW);
}

/* ---- the queue --------------------------------------------------------------- */

static void queue_push(struct screen *sc, const char *prompt)
{
	if (sc->nqueue == QUEUE_MAX) {
		screen_note(sc, "%zu prompts already wait: Ctrl-C on an empty line drops them",
		            sc->nqueue);
		return;
	}
	sc->queue[sc->nqueue++] = xstrdup(prompt);
	if (sc->ncol == 0) {
		struct message *m = conv_add(&sc->conv, MSG_USER, QUEUED_LABEL, prompt);
		m->queued = true;
		attachments_move(&m->att, &sc->pending); /* sent with it when it leaves the queue */
	}
	screen_note(sc, QUEUED_NOTE, sc->nqueue);
}

/* The oldest queued prompt, sent now that nothing streams. */
static void queue_pop(struct screen *sc)
{
	char *prompt = sc->queue[0];
	memmove(sc->queue, sc->queue + 1, --sc->nqueue * sizeof(*sc->queue));
	if (sc->nqueue > 0)
		screen_note(sc, QUEUED_NOTE, sc->nqueue);
	else
		sc->notice[0] = '\0';
	if (sc->ncol > 0) {
		screen_ask_all(sc, prompt);
		free(prompt);
		return;
	}
	struct message *m = NULL;
	for (size_t i = 0; i < sc->conv.n && m == NULL; i++)
		if (sc->conv.v[i]->queued) /* the first queued one is this prompt */
			m = sc->conv.v[i];
	if (m != NULL) {
		m->queued = false;
		free(m->label);
		m->label = xstrdup("you");
		m->version++;
		screen_history_add(sc, -1, m);
	}
	free(sc->last_prompt);
	sc->last_prompt = xstrdup(prompt);
	/* Its reply goes under it, above the prompts still waiting. */
	sc->single = start_reply(sc, &sc->conv, sc->context_start, -1, sc->model, true, prompt, m,
	                         clock_ms());
	screen_react(sc, REACT_FOLLOW);
	free(prompt);
}

void screen_queue_clear(struct screen *sc)
{
	for (size_t i = 0; i < sc->nqueue; i++)
		free(sc->queue[i]);
	sc->nqueue = 0;
	for (size_t i = sc->conv.n; i-- > 0;)
		if (sc->conv.v[i]->queued)
			conv_remove(&sc->conv, sc->conv.v[i]);
}

void screen_send(struct screen *sc, const char *prompt)
{
	if (screen_streaming(sc) || sc->nqueue > 0)
		queue_push(sc, prompt);
	else if (sc->ncol > 0)
		screen_ask_all(sc, prompt);
	else
		screen_ask(sc, sc->model, prompt, true);
}

/* ---- cancelling and reaping ------------------------------------------------- */

void screen_cancel_all(struct screen *sc)
{
	if (sc->single != NULL)
		routed_cancel(sc->single->rr);
	for (int i = 0; i < sc->ncol; i++)
		if (sc->col[i].live != NULL)
			routed_cancel(sc->col[i].live->rr);
}

void screen_ctrl_c(struct screen *sc, long long now)
{
	bool twice = sc->last_ctrl_c > 0 && now - sc->last_ctrl_c < CTRL_C_TWICE_MS;
	sc->last_ctrl_c = now;
	if (sc->nqueue > 0 && inputline_empty()) {
		screen_queue_clear(sc);
		screen_note(sc, "queue dropped");
	}
	if (sc->ncol == 0 || twice) {
		screen_cancel_all(sc);
		return;
	}
	/* The focused column if it streams, else every column that does. */
	int f = columns_focused(sc->cv);
	if (sc->col[f].live != NULL && !sc->col[f].live->done)
		routed_cancel(sc->col[f].live->rr);
	else
		screen_cancel_all(sc);
}

static void reap_one(struct reply **rpp)
{
	struct reply *rp = *rpp;
	if (rp == NULL || !rp->done)
		return;
	reply_free(rp);
	*rpp = NULL;
}

void screen_reap(struct screen *sc)
{
	reap_one(&sc->single);
	for (int i = 0; i < sc->ncol; i++)
		reap_one(&sc->col[i].live);
	if (screen_streaming(sc))
		return;
	if (sc->tick != 0) {
		timer_cancel(sc->s.t, sc->tick);
		sc->tick = 0;
		/* Every reply has ended: give back what their buffers and the
		 * history's statements freed. glibc keeps freed memory otherwise,
		 * and a long session's RSS crept up (make soak: +10 MiB in 10 min
		 * with 5 MiB in use). Once per reply, not per token. */
		malloc_trim(0);
	}
	if (sc->nqueue > 0)
		queue_pop(sc);
}

void screen_release(struct screen *sc, struct reply *rp)
{
	if (rp == NULL || rp->msg == NULL)
		return;
	if (!rp->done && rp->hist_id > 0) {
		struct message *m = rp->msg;
		screen_reply_figures(rp, &m->metrics);
		m->metrics.outcome = REPLY_CANCELLED;
		m->has_metrics = true;
		char line[200];
		reply_figures_line(&m->metrics, line, sizeof(line));
		msg_finish(m, m->text.len > 0, line);
		screen_history_write(sc, rp, true, clock_ms());
	}
	rp->msg = NULL;
	rp->notes = NULL;
	rp->refusal_note = NULL;
}
