/* SPDX-License-Identifier: GPL-3.0-or-later */
/* app: the interactive client (circuit on a terminal).
 *
 * One thread, one loop: wait in transport_wait on the network plus the
 * terminal and a signal pipe, with the nearest timer as timeout; then move
 * bytes, apply events to the conversation, read keys, and draw what changed
 * once. Nothing streaming and no key pressed: no wakeups at all. */
#include "app.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "describe.h"
#include "figures.h"
#include "histcli.h"
#include "setup.h"
#include "model/conversation.h"
#include "model/history.h"
#include "model/metrics.h"
#include "model/status.h"
#include "net/stream.h"
#include "net/transport.h"
#include "route/providers.h"
#include "route/router.h"
#include "ui/columns.h"
#include "ui/commands.h"
#include "ui/inputline.h"
#include "ui/statusbar.h"
#include "ui/theme.h"
#include "ui/transcript.h"
#include "ui/tui.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/width.h"

#ifndef CIRCUIT_SHAREDIR
#define CIRCUIT_SHAREDIR "/usr/local/share/circuit"
#endif

#define STALL_TICK_MS 1000
/* While text streams in, the status bar's figures are drawn again at most
 * this often (a frame per token would spend more on them than on the
 * token); a timer brings the last figures in, so they are never staler. */
#define STATUS_MS 50
/* How long a read that ends inside an escape sequence waits for the rest
 * (terminals and tmux may write a mouse report a byte at a time). */
#define KEY_ESC_MS 100
#define KEY_PEND_MAX 32 /* csi_len looks no further */
#define COMPARE_MAX COLUMNS_MAX
#define CTRL_C_TWICE_MS 2000
/* A live reply is written to the history at most this often (kill -9
 * loses at most this much of it). */
#define CHECKPOINT_MS 2000
#define SESSIONS_SHOWN 20
#define HITS_SHOWN 20

/* Per provider, what the status bar shows. */
struct pstat {
	struct provider *p;
	enum provider_health health;
	long long ttft;
	double tps;
};

struct app;

/* One request on its way: the thread it answers and how it is measured. */
struct reply {
	struct app *a;
	struct routed *rr;
	struct conversation *conv;
	struct message *msg; /* its message in conv; NULL once /clear took it */
	int col;             /* its compare column, -1: the single thread */
	char provider[24];   /* where it began, for the metrics' active counts */
	char model[METRICS_NAME];
	size_t prompt_bytes;
	long long hist_id;      /* its history row, 0: none */
	long long checkpointed; /* when it was last written there */
	unsigned long hist_version; /* the message's version then */
	bool done; /* freed by the loop, not from inside its callback */
};

/* One model of a compare: its own thread, so each sees its own replies. */
struct column {
	char *model; /* as the user named it */
	struct conversation conv;
	size_t base;          /* messages copied from the thread at /compare */
	size_t context_start; /* /new */
	struct reply *live;
	struct reply_metrics last; /* its latest reply's figures */
	bool has_last;
};

struct app {
	const struct app_opts *o;
	struct tui tui;
	struct transcript *tr;
	struct conversation conv;
	size_t context_start; /* /new: earlier messages are not sent */
	struct providers *ps;
	struct transport *t;
	char *model;  /* as the user named it */
	char *system;
	char *last_prompt;
	struct theme theme;
	struct router *rt;
	struct reply *single; /* the single thread's live reply */
	/* compare mode: ncol > 0 */
	struct column col[COMPARE_MAX];
	int ncol;
	struct columns *cv;
	long long last_ctrl_c;
	bool stats_view;
	struct metrics metrics;
	/* history: NULL when off (--no-history, history = off, or unusable) */
	struct history *hist;
	long long hist_conv;  /* the thread's conversation, 0 until its first prompt */
	long long hist_group; /* the compare's group, 0 none */
	char *fallback; /* "M1,M2": tried after the model */
	unsigned long breaker_tick; /* redraws the countdown while a breaker is open */
	unsigned long tick;
	struct pstat stats[PROVIDERS_MAX];
	int nstats;
	char notice[96];
	bool quit;
	bool gone; /* the terminal hung up or we were told to end (SIGHUP, SIGTERM) */
	bool redraw_all;
	/* what the transcript's area showed last frame: the thread, /stats or
	 * the columns (they take turns there; each draws only what changed) */
	enum { VIEW_THREAD, VIEW_STATS, VIEW_COLUMNS } drawn_view;
	bool text_turn;          /* text arrived since the last frame */
	long long status_at;     /* when the status bar was last drawn */
	unsigned long status_tick; /* the timer that draws it when a frame skipped it */
	int sigpipe[2];
	/* bracketed paste in progress */
	bool pasting;
	struct buf paste;
	/* The start of an escape sequence (or of the paste's end marker) that
	 * a read cut off: kept for the next read, which usually follows at
	 * once; if none comes within KEY_ESC_MS, taken as it is (a lone Esc). */
	unsigned char pend[KEY_PEND_MAX];
	size_t npend;
	unsigned long pend_tick;
};

static struct app *the_app; /* for the signal handler's pipe only */

static void on_signal(int sig)
{
	int saved = errno;
	unsigned char b = (unsigned char)sig;
	if (the_app != NULL && write(the_app->sigpipe[1], &b, 1) < 0) {
		/* a full pipe already holds a wakeup */
	}
	errno = saved;
}

static struct pstat *stat_for(struct app *a, struct provider *p)
{
	for (int i = 0; i < a->nstats; i++)
		if (a->stats[i].p == p)
			return &a->stats[i];
	if (a->nstats == (int)(sizeof(a->stats) / sizeof(a->stats[0])))
		return &a->stats[a->nstats - 1];
	struct pstat *s = &a->stats[a->nstats++];
	s->p = p;
	s->health = HEALTH_IDLE;
	s->ttft = -1;
	s->tps = -1;
	return s;
}

/* The thread the user is looking at: the single one, or in a compare the
 * focused column's. Command output and notices go there. */
static struct conversation *view_conv(struct app *a)
{
	return a->ncol > 0 ? &a->col[columns_focused(a->cv)].conv : &a->conv;
}

static void notice(struct app *a, enum msg_kind kind, const char *text)
{
	conv_add(view_conv(a), kind, kind == MSG_ERROR ? "error" : "circuit", text);
}

static bool any_live(const struct app *a)
{
	if (a->single != NULL)
		return true;
	for (int i = 0; i < a->ncol; i++)
		if (a->col[i].live != NULL)
			return true;
	return false;
}

/* ---- history ------------------------------------------------------------ */

/* A write failed: say so once and carry on without it; chatting matters
 * more than the record. */
static void history_failed(struct app *a)
{
	char msg[400];
	snprintf(msg, sizeof(msg), "history: %s; history is off for the rest of this run",
	         history_error(a->hist));
	history_close(a->hist);
	a->hist = NULL;
	conv_add(view_conv(a), MSG_ERROR, "error", msg);
}

/* The thread's conversation in the history, begun at its first prompt. */
static long long hist_conv(struct app *a)
{
	if (a->hist == NULL)
		return 0;
	if (a->hist_conv == 0) {
		a->hist_conv = history_begin(a->hist, a->system, clock_unix());
		if (a->hist_conv < 0) {
			a->hist_conv = 0;
			history_failed(a);
		}
	}
	return a->hist_conv;
}

/* Adds m (a prompt or a reply just begun) to the thread or a compare
 * column; returns its row, 0 when history is off. */
static long long hist_add(struct app *a, int col, struct message *m)
{
	long long conv = hist_conv(a);
	if (conv <= 0)
		return 0;
	long long group = 0;
	if (col >= 0) {
		if (a->hist_group == 0) {
			struct buf models;
			buf_init(&models, 0);
			for (int i = 0; i < a->ncol; i++)
				buf_printf(&models, "%s%s", i ? "," : "", a->col[i].model);
			a->hist_group = history_begin_compare(a->hist, conv, buf_str(&models), clock_unix());
			buf_done(&models);
			if (a->hist_group < 0) {
				a->hist_group = 0;
				history_failed(a);
				return 0;
			}
		}
		group = a->hist_group;
	}
	long long id = history_add(a->hist, conv, group, col + 1, m, clock_unix());
	if (id < 0) {
		history_failed(a);
		return 0;
	}
	m->hist_id = id;
	return id;
}

/* A message already stored changed (/retry dropped it): write it again. */
static void hist_rewrite(struct app *a, const struct message *m)
{
	if (a->hist != NULL && m->hist_id > 0 && !m->streaming &&
	    history_update(a->hist, m->hist_id, m, true, clock_unix()) < 0)
		history_failed(a);
}

/* A reply's row: final at its end, else a checkpoint (stored interrupted,
 * so a crash leaves it marked as what it would be). */
static void hist_write(struct app *a, struct reply *rp, bool final, long long now)
{
	if (a->hist == NULL || rp->hist_id <= 0 || rp->msg == NULL)
		return;
	if (history_update(a->hist, rp->hist_id, rp->msg, final, clock_unix()) < 0) {
		history_failed(a);
		return;
	}
	rp->checkpointed = now;
	rp->hist_version = rp->msg->version;
}

static void reply_figures(const struct reply *rp, struct reply_metrics *f);

/* A live reply's row carries its figures so far (who answers, TTFT, ...),
 * so a conversation resumed after a crash knows them. */
static void live_figures(struct reply *rp)
{
	reply_figures(rp, &rp->msg->metrics);
	rp->msg->has_metrics = true;
}

static void checkpoint(struct app *a, struct reply *rp, long long now)
{
	if (rp != NULL && !rp->done && rp->msg != NULL && rp->msg->version != rp->hist_version &&
	    now - rp->checkpointed >= CHECKPOINT_MS) {
		live_figures(rp);
		hist_write(a, rp, false, now);
	}
}

/* ---- figures ------------------------------------------------------------ */

/* A reply's figures now: what its stream measured, derived (metrics.h). */
static void reply_figures(const struct reply *rp, struct reply_metrics *f)
{
	figures_of(rp->rr, rp->done, rp->prompt_bytes, rp->a->o->config, f);
}

/* ---- streaming ---------------------------------------------------------- */

static void on_event(void *ctx, struct routed *rr, const struct wire_event *ev)
{
	struct reply *rp = ctx;
	(void)rr;
	struct message *m = rp->msg;
	if (m == NULL)
		return; /* /clear took the thread away; the request is cancelled */
	switch (ev->type) {
	case WIRE_EV_TEXT:
	case WIRE_EV_REFUSAL:
		msg_append_text(m, ev->text, ev->len);
		rp->a->text_turn = true;
		break;
	case WIRE_EV_THINKING:
		msg_append_thinking(m, ev->text, ev->len);
		rp->a->text_turn = true;
		break;
	case WIRE_EV_TOOL_CALL: {
		struct buf b;
		buf_init(&b, 0);
		buf_printf(&b, "[tool call] %s %s", ev->tool_name, ev->tool_args);
		conv_add(rp->conv, MSG_NOTICE, "circuit", buf_str(&b));
		buf_done(&b);
		break;
	}
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
	if (rp->msg == NULL)
		return;
	msg_reset_thinking(rp->msg);
}

static void on_notice(void *ctx, struct routed *rr, const char *text)
{
	struct reply *rp = ctx;
	(void)rr;
	if (rp->msg != NULL)
		conv_add(rp->conv, MSG_NOTICE, "circuit", text);
}

static void on_done(void *ctx, struct routed *rr)
{
	struct reply *rp = ctx;
	struct app *a = rp->a;
	struct provider *p = routed_provider(rr);
	const struct wire_error *e = routed_error(rr);
	struct pstat *ps = stat_for(a, p);
	rp->done = true;
	struct reply_metrics f;
	reply_figures(rp, &f);
	metrics_end(&a->metrics, rp->provider, rp->model, &f);
	char meta[128];
	figures_meta(&f, meta, sizeof(meta));
	bool cut = routed_cancelled(rr) || e != NULL;
	struct message *msg = rp->msg; /* NULL: /clear took the thread away */
	/* After a fallback the label names who answered, not who was asked. */
	if (msg != NULL && routed_fell_back(rr)) {
		char label[96];
		snprintf(label, sizeof(label), "%s:%s (fallback)", p->name, routed_model(rr));
		free(msg->label);
		msg->label = xstrdup(label);
	}
	if (msg != NULL) {
		msg->metrics = f;
		msg->has_metrics = true;
		msg_finish(msg, cut && msg->text.len > 0, meta);
		/* Stored before the screen shows it done (the next draw). */
		hist_write(a, rp, true, clock_ms());
	}
	if (rp->col >= 0 && msg != NULL) { /* a cleared column shows nothing */
		a->col[rp->col].last = f;
		a->col[rp->col].has_last = true;
	}
	if (f.ttft >= 0)
		ps->ttft = f.ttft;
	if (f.tps >= 0)
		ps->tps = f.tps;
	ps->health = e != NULL ? HEALTH_ERROR : HEALTH_OK;
	if (e != NULL && msg != NULL) {
		struct buf line;
		buf_init(&line, 0);
		describe_failure(p, routed_model(rr), p->base_url, e, &line);
		conv_add(rp->conv, MSG_ERROR, "error", buf_str(&line));
		buf_done(&line);
	} else if (routed_cancelled(rr)) {
		snprintf(a->notice, sizeof(a->notice), "cancelled");
	}
}

static void stall_tick(void *ctx, long long now)
{
	struct app *a = ctx;
	a->tick = 0;
	checkpoint(a, a->single, now);
	for (int i = 0; i < a->ncol; i++)
		checkpoint(a, a->col[i].live, now);
	if (any_live(a))
		a->tick = timer_add(a->t, now + STALL_TICK_MS, stall_tick, a);
}

/* The thread as the provider should see it: user and assistant turns from
 * `from` on (the last /new), the reply being started excluded, turns a
 * /retry replaced left out. A /continue's reply follows the interrupted one
 * directly: the two are one turn, joined with nothing between (a blank line
 * would split a word the model continued). */
struct thread_request {
	struct wire_request req;
	struct wire_message *msgs;
	char **joined; /* the joined turns, owned */
	size_t njoined;
	size_t bytes; /* the text sent, for the input estimate */
};

static void thread_request(const struct app *a, const struct conversation *conv, size_t from,
                           struct thread_request *tr)
{
	memset(tr, 0, sizeof(*tr));
	size_t n = 0;
	tr->bytes = a->system ? strlen(a->system) : 0;
	tr->msgs = xcalloc(conv->n + 1, sizeof(*tr->msgs));
	tr->joined = xcalloc(conv->n + 1, sizeof(*tr->joined));
	for (size_t i = from; i < conv->n; i++) {
		const struct message *m = conv->v[i];
		if (m->dropped)
			continue;
		if (m->kind == MSG_USER) {
			tr->msgs[n++] = (struct wire_message){WIRE_ROLE_USER, buf_str(&m->raw)};
		} else if (m->kind == MSG_ASSISTANT && !m->streaming && m->raw.len > 0) {
			struct wire_message *prev = n > 0 ? &tr->msgs[n - 1] : NULL;
			if (prev != NULL && prev->role == WIRE_ROLE_ASSISTANT) {
				size_t len = strlen(prev->text) + m->raw.len + 1;
				char *j = xmalloc(len);
				snprintf(j, len, "%s%s", prev->text, buf_str(&m->raw));
				tr->joined[tr->njoined++] = j;
				prev->text = j;
			} else {
				tr->msgs[n++] = (struct wire_message){WIRE_ROLE_ASSISTANT, buf_str(&m->raw)};
			}
		} else {
			continue;
		}
		tr->bytes += m->raw.len;
	}
	tr->req.system = a->system;
	tr->req.messages = tr->msgs;
	tr->req.nmessages = n;
}

static void thread_request_done(struct thread_request *tr)
{
	for (size_t i = 0; i < tr->njoined; i++)
		free(tr->joined[i]);
	free(tr->joined);
	free(tr->msgs);
}

/* Starts a reply in conv (a new assistant message there) on chain[0], then
 * the rest of the chain. NULL when it cannot start (the error is in conv). */
static struct reply *start_reply(struct app *a, struct conversation *conv, size_t from, int col,
                                 const char *const *chain, size_t n, const char *prompt,
                                 long long now)
{
	struct thread_request tr;
	struct reply *rp = xcalloc(1, sizeof(*rp));
	rp->a = a;
	rp->conv = conv;
	rp->col = col;
	thread_request(a, conv, from, &tr);
	rp->prompt_bytes = tr.bytes;
	/* The offline mock's label is its variant: "mock", not "mock:mock". */
	const char *label = strncmp(chain[0], "mock:", 5) == 0 ? chain[0] + 5 : chain[0];
	rp->msg = conv_add(conv, MSG_ASSISTANT, label, NULL);
	rp->msg->streaming = true;
	static const struct routed_callbacks cb = {on_event, on_reset, on_notice, on_done};
	char err[256];
	router_set_wall_clock(a->rt, clock_unix());
	rp->rr = router_start(a->rt, a->t, chain, n, &tr.req, prompt, &cb, rp, now, err, sizeof(err));
	thread_request_done(&tr);
	if (rp->rr == NULL) {
		msg_finish(rp->msg, false, "");
		conv_add(conv, MSG_ERROR, "error", err);
		free(rp);
		return NULL;
	}
	live_figures(rp);
	rp->hist_id = hist_add(a, col, rp->msg);
	rp->checkpointed = now;
	struct provider *p = routed_provider(rp->rr);
	snprintf(rp->provider, sizeof(rp->provider), "%s", p->name);
	snprintf(rp->model, sizeof(rp->model), "%s", routed_model(rp->rr));
	metrics_begin(&a->metrics, rp->provider, rp->model);
	struct pstat *ps = stat_for(a, p);
	if (ps->health == HEALTH_IDLE)
		ps->health = HEALTH_OK; /* streaming now */
	if (a->tick == 0)
		a->tick = timer_add(a->t, now + STALL_TICK_MS, stall_tick, a);
	return rp;
}

/* Starts a reply to the thread as it stands, on model (then the fallback
 * chain). add_user: the prompt becomes a user message first; without it the
 * thread ends with an interrupted reply and this is a /continue. */
static void ask(struct app *a, const char *model, const char *prompt, bool add_user)
{
	if (any_live(a)) {
		snprintf(a->notice, sizeof(a->notice), "still streaming: Ctrl-C cancels");
		return;
	}
	a->stats_view = false; /* the reply is what to watch now */
	if (add_user) {
		free(a->last_prompt);
		a->last_prompt = xstrdup(prompt);
		hist_add(a, -1, conv_add(&a->conv, MSG_USER, "you", prompt));
	}
	const char *chain[17];
	char *fb[16];
	size_t n = 0;
	chain[n++] = model;
	int nfb = a->fallback ? split_list(a->fallback, fb, 16) : 0;
	for (int i = 0; i < nfb; i++)
		if (strcmp(fb[i], model) != 0)
			chain[n++] = fb[i];
	a->single = start_reply(a, &a->conv, a->context_start, -1, chain, n, prompt, clock_ms());
	for (int i = 0; i < nfb; i++)
		free(fb[i]);
	if (a->single != NULL)
		a->notice[0] = '\0';
	transcript_follow(a->tr);
}

/* A compare: the prompt goes to every column's model at once, each with
 * its own thread and no fallback (each column is its model). */
static void ask_all(struct app *a, const char *prompt)
{
	if (any_live(a)) {
		snprintf(a->notice, sizeof(a->notice), "still streaming: Ctrl-C cancels (twice: all)");
		return;
	}
	a->stats_view = false;
	free(a->last_prompt);
	a->last_prompt = xstrdup(prompt);
	long long now = clock_ms();
	for (int i = 0; i < a->ncol; i++) {
		struct column *c = &a->col[i];
		hist_add(a, i, conv_add(&c->conv, MSG_USER, "you", prompt));
		const char *chain[1] = {c->model};
		c->live = start_reply(a, &c->conv, c->context_start, i, chain, 1, prompt, now);
		c->has_last = false;
	}
	a->notice[0] = '\0';
	columns_follow(a->cv);
}

static void send_prompt(struct app *a, const char *prompt)
{
	if (a->ncol > 0)
		ask_all(a, prompt);
	else
		ask(a, a->model, prompt, true);
}

static void reap(struct reply **rpp)
{
	struct reply *rp = *rpp;
	if (rp == NULL || !rp->done)
		return;
	routed_free(rp->rr);
	free(rp);
	*rpp = NULL;
}

static void reap_live(struct app *a)
{
	reap(&a->single);
	for (int i = 0; i < a->ncol; i++)
		reap(&a->col[i].live);
	if (!any_live(a) && a->tick != 0) {
		timer_cancel(a->t, a->tick);
		a->tick = 0;
		/* Every reply has ended: give back what their buffers and the
		 * history's statements freed. glibc keeps freed memory otherwise,
		 * and a long session's RSS crept up (make soak: +10 MiB in 10 min
		 * with 5 MiB in use). Once per reply, not per token. */
		malloc_trim(0);
	}
}

/* /clear takes a live reply's thread away: its final row is written now
 * (cancelled, the text so far), and it lets go of its message. */
static void release_reply(struct app *a, struct reply *rp)
{
	if (rp == NULL || rp->msg == NULL)
		return;
	if (!rp->done && rp->hist_id > 0) {
		struct message *m = rp->msg;
		reply_figures(rp, &m->metrics);
		m->metrics.outcome = REPLY_CANCELLED;
		m->has_metrics = true;
		char meta[128];
		figures_meta(&m->metrics, meta, sizeof(meta));
		msg_finish(m, m->text.len > 0, meta);
		hist_write(a, rp, true, clock_ms());
	}
	rp->msg = NULL;
}

static void cancel_all(struct app *a)
{
	if (a->single != NULL)
		routed_cancel(a->single->rr);
	for (int i = 0; i < a->ncol; i++)
		if (a->col[i].live != NULL)
			routed_cancel(a->col[i].live->rr);
}

/* Ctrl-C: the focused stream; pressed again within 2 s, every stream. */
static void ctrl_c(struct app *a, long long now)
{
	bool twice = a->last_ctrl_c > 0 && now - a->last_ctrl_c < CTRL_C_TWICE_MS;
	a->last_ctrl_c = now;
	if (a->ncol == 0 || twice) {
		cancel_all(a);
		return;
	}
	int f = columns_focused(a->cv);
	if (a->col[f].live != NULL)
		routed_cancel(a->col[f].live->rr);
	else if (any_live(a))
		snprintf(a->notice, sizeof(a->notice), "column %d is not streaming: Ctrl-C again cancels all",
		         f + 1);
}

/* ---- compare mode ------------------------------------------------------- */

static void compare_end(struct app *a)
{
	for (int i = 0; i < a->ncol; i++) {
		free(a->col[i].model);
		conv_done(&a->col[i].conv);
	}
	memset(a->col, 0, sizeof(a->col));
	a->ncol = 0;
	columns_free(a->cv);
	a->cv = NULL;
	a->redraw_all = true;
}

/* "/compare M1 M2 M3" (commas work too): a column per model, each starting
 * from the thread as it stands. */
static void compare_start(struct app *a, const char *args)
{
	char list[1024];
	snprintf(list, sizeof(list), "%s", args);
	for (char *q = list; *q; q++)
		if (*q == ' ' || *q == '\t')
			*q = ',';
	char *models[COMPARE_MAX + 1];
	int n = split_list(list, models, COMPARE_MAX + 1);
	char msg[320];
	if (n < 2 || n > COMPARE_MAX) {
		snprintf(msg, sizeof(msg), "/compare takes 2 to %d models: /compare M1 M2 [M3 ...]",
		         COMPARE_MAX);
		notice(a, MSG_ERROR, msg);
		for (int i = 0; i < n; i++)
			free(models[i]);
		return;
	}
	int bad = 0;
	for (int i = 0; i < n && !bad; i++) {
		struct provider *p;
		const char *m;
		if (providers_resolve(a->ps, models[i], &p, &m, msg, sizeof(msg)) < 0) {
			notice(a, MSG_ERROR, msg);
			bad = 1;
		}
	}
	if (bad || any_live(a)) {
		if (!bad)
			notice(a, MSG_ERROR, "still streaming: Ctrl-C cancels, then /compare");
		for (int i = 0; i < n; i++)
			free(models[i]);
		return;
	}
	if (a->ncol > 0)
		compare_end(a);
	a->hist_group = 0; /* a new group at its first prompt */
	a->cv = columns_new();
	columns_set_thinking(a->cv, transcript_thinking(a->tr));
	a->ncol = n;
	for (int i = 0; i < n; i++) {
		struct column *c = &a->col[i];
		c->model = models[i];
		conv_init(&c->conv);
		for (size_t k = a->context_start; k < a->conv.n; k++) {
			const struct message *m = a->conv.v[k];
			if ((m->kind == MSG_USER || m->kind == MSG_ASSISTANT) && !m->streaming)
				conv_add_copy(&c->conv, m);
		}
		c->base = c->conv.n;
	}
	a->redraw_all = true;
	snprintf(a->notice, sizeof(a->notice), "compare: %d models · Alt-1..%d focus · Alt-z zoom", n, n);
}

static void compare_off(struct app *a, int adopt)
{
	if (any_live(a)) {
		notice(a, MSG_ERROR, "still streaming: Ctrl-C cancels (twice: all), then try again");
		return;
	}
	char msg[160];
	if (adopt >= 0) {
		struct column *c = &a->col[adopt];
		/* The compare's turns of that column continue the thread; a /new
		 * typed during the compare still counts. */
		size_t before = a->conv.n;
		if (c->context_start > c->base)
			a->context_start = before + (c->context_start - c->base);
		conv_move(&a->conv, &c->conv, c->base);
		if (a->hist != NULL && a->hist_group > 0 &&
		    history_adopt(a->hist, a->hist_group, adopt + 1) < 0)
			history_failed(a);
		free(a->model);
		a->model = xstrdup(c->model);
		snprintf(msg, sizeof(msg), "── going on with %s (column %d) ──", c->model, adopt + 1);
	} else {
		snprintf(msg, sizeof(msg), "── compare off: back to one thread with %s ──", a->model);
	}
	compare_end(a);
	a->hist_group = 0;
	conv_add(&a->conv, MSG_NOTICE, "circuit", msg);
	transcript_follow(a->tr);
}

/* ---- commands ----------------------------------------------------------- */

static void help(struct app *a)
{
	struct buf b;
	buf_init(&b, 0);
	buf_append_str(&b, "Commands:\n");
	for (size_t i = 0; i < cmd_count; i++)
		buf_printf(&b, "  /%s %s — %s\n", cmd_table[i].name, cmd_table[i].args,
		           cmd_table[i].help);
	buf_append_str(&b, "Keys: Enter sends · Ctrl-J or Alt-Enter: new line · Ctrl-C cancels the "
	                   "reply · PgUp/PgDn scroll · End follows · Ctrl-T shows thinking · "
	                   "Ctrl-R searches history · Tab completes · Ctrl-D on an empty line quits\n"
	                   "Compare: Alt-1..6 focuses a column · Alt-z zooms it · Alt-s syncs "
	                   "scrolling · Ctrl-C cancels the focused column (twice: all) · Esc closes "
	                   "/stats");
	notice(a, MSG_NOTICE, buf_str(&b));
	buf_done(&b);
}

static void fmt_count(char *b, size_t n, long long v)
{
	if (v < 10000)
		snprintf(b, n, "%lld", v);
	else if (v < 10000000)
		snprintf(b, n, "%.1fk", (double)v / 1e3);
	else
		snprintf(b, n, "%.1fM", (double)v / 1e6);
}

/* One row of the stats view: an aggregate's figures; breaker NULL for a
 * model's row. */
static void stats_row(struct buf *b, const struct metrics_agg *g, const char *breaker)
{
	char p50[32], p95[32], tps[32], in[32], out[32], cost[32];
	metrics_fmt_ms(metrics_agg_ttft(g, 50), p50, sizeof(p50));
	metrics_fmt_ms(metrics_agg_ttft(g, 95), p95, sizeof(p95));
	double t = metrics_agg_tps(g, 50);
	if (t >= 0)
		snprintf(tps, sizeof(tps), "%.1f", t);
	else
		snprintf(tps, sizeof(tps), "-");
	fmt_count(in, sizeof(in), g->tokens_in);
	fmt_count(out, sizeof(out), g->tokens_out);
	if (g->priced > 0)
		snprintf(cost, sizeof(cost), "%s$%.4f", g->cost_estimated ? "≈" : "", g->cost);
	else
		snprintf(cost, sizeof(cost), "-");
	/* Breakers are per provider: a model's row has no trips or state. */
	char trips[24] = "-";
	if (breaker != NULL)
		snprintf(trips, sizeof(trips), "%lu", g->breaker_trips);
	buf_printf(b, "%-24.24s %3u/%-4u %4u  %7s %7s  %7s  %5s  %-9s %s%7s/%-7s %10s  ", g->name,
	           g->active, g->count + g->active, g->errors, p50, p95, tps, trips,
	           breaker ? breaker : "", g->tokens_estimated ? "≈" : " ", in, out, cost);
	metrics_sparkline(g, 16, b);
	buf_append_char(b, '\n');
}

/* The /stats view: per provider and per model the run's figures, then the
 * session's totals; live while replies stream. */
static void stats_text(struct app *a, long long now, struct buf *b)
{
	static const char head[] = "%-24s %8s %4s  %7s %7s  %7s  %5s  %-9s %16s %10s  %s\n";
	buf_append_str(b, "stats of this session · Esc or /stats closes\n\n");
	buf_printf(b, head, "provider", "streams", "err", "ttft p50", "p95", "tok/s", "trips",
	           "breaker", "tokens in/out", "cost", "recent ttft");
	for (int i = 0; i < a->nstats; i++) {
		struct pstat *s = &a->stats[i];
		const struct breaker *br = router_breaker(a->rt, s->p);
		const struct router_counts *rc = router_counts(a->rt, s->p);
		char state[24] = "-";
		if (br != NULL) {
			enum breaker_state st = breaker_state(br, now);
			if (st == BREAKER_OPEN)
				snprintf(state, sizeof(state), "open %llds",
				         (breaker_remaining_ms(br, now) + 999) / 1000);
			else
				snprintf(state, sizeof(state), "%s", breaker_state_name(st));
			metrics_set_trips(&a->metrics, s->p->name, breaker_trips(br));
		}
		if (rc && rc->disabled)
			snprintf(state, sizeof(state), "disabled");
		const struct metrics_agg *g = metrics_provider(&a->metrics, s->p->name);
		if (g != NULL)
			stats_row(b, g, state);
		if (rc && (rc->retries || rc->fallbacks || br != NULL))
			buf_printf(b, "%-24s retries %u · fallbacks %u · consecutive failures %d\n", "",
			           rc->retries, rc->fallbacks, br ? breaker_consecutive_failures(br) : 0);
		if (rc && rc->last_error[0])
			buf_printf(b, "%-24s last error: %s\n", "", rc->last_error);
	}
	if (a->metrics.nmodel > 0) {
		buf_append_char(b, '\n');
		buf_printf(b, head, "model", "streams", "err", "ttft p50", "p95", "tok/s", "trips", "",
		           "tokens in/out", "cost", "recent ttft");
		for (size_t i = 0; i < a->metrics.nmodel; i++)
			stats_row(b, &a->metrics.model[i], NULL);
	}
	const struct metrics_agg *t = &a->metrics.total;
	char in[32], out[32];
	fmt_count(in, sizeof(in), t->tokens_in);
	fmt_count(out, sizeof(out), t->tokens_out);
	buf_printf(b, "\nsession: %u replies (%u streaming) · %u errors · %u cancelled · tokens in %s%s "
	           "out %s%s", t->count, t->active, t->errors, t->cancelled,
	           t->tokens_estimated ? "≈" : "", in, t->tokens_estimated ? "≈" : "", out);
	if (t->priced > 0)
		buf_printf(b, " · cost %s$%.4f", t->cost_estimated ? "≈" : "", t->cost);
	else
		buf_append_str(b, " · cost - (no [price.MODEL] for these models)");
	if (t->count == 0 && t->active == 0)
		buf_append_str(b, "\n\n(nothing sent yet)");
}

static void draw_stats(struct app *a, long long now, WINDOW *w)
{
	int rows, cols;
	getmaxyx(w, rows, cols);
	struct buf b;
	buf_init(&b, 0);
	stats_text(a, now, &b);
	werase(w);
	const char *p = buf_str(&b);
	for (int y = 0; y < rows && *p; y++) {
		size_t len = strcspn(p, "\n");
		size_t cut = width_cut(p, len, (size_t)cols, NULL);
		wattrset(w, y == 0 ? theme_attr(THEME_NOTICE) : 0);
		mvwaddnstr(w, y, 0, p, (int)cut);
		p += len + (p[len] == '\n');
	}
	wattrset(w, 0);
	wnoutrefresh(w);
	buf_done(&b);
}

static void load_theme(struct app *a, const char *name, bool report)
{
	char user[512] = "", share[512];
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	if (xdg != NULL && *xdg)
		snprintf(user, sizeof(user), "%s/circuit/themes", xdg);
	else if (home != NULL)
		snprintf(user, sizeof(user), "%s/.config/circuit/themes", home);
	snprintf(share, sizeof(share), "%s/themes", CIRCUIT_SHAREDIR);
	const char *dirs[] = {user, share, "themes"};
	struct buf errors;
	buf_init(&errors, 0);
	if (a->o->no_color)
		theme_mono(&a->theme);
	else
		theme_load(&a->theme, name, dirs, 3, &errors);
	theme_apply(&a->theme);
	if (errors.len > 0)
		notice(a, MSG_ERROR, buf_str(&errors));
	else if (report)
		snprintf(a->notice, sizeof(a->notice), "theme %s", name);
	buf_done(&errors);
	a->redraw_all = true;
}

/* /retry asks the last prompt again: that prompt and what answered it
 * stay on screen but leave the requests, so the thread does not carry the
 * prompt twice (or a failed attempt's prompt at all). */
static void drop_last_exchange(struct app *a, struct conversation *conv, size_t from)
{
	size_t u = conv->n;
	for (size_t i = conv->n; i-- > from;)
		if (conv->v[i]->kind == MSG_USER && !conv->v[i]->dropped) {
			u = i;
			break;
		}
	for (size_t i = u; i < conv->n; i++)
		if (conv->v[i]->kind == MSG_USER || conv->v[i]->kind == MSG_ASSISTANT) {
			conv->v[i]->dropped = true;
			hist_rewrite(a, conv->v[i]);
		}
}

static bool history_ready(struct app *a)
{
	if (a->hist == NULL)
		notice(a, MSG_ERROR, a->o->history ? "history is off for this run (see the error at "
		                                       "startup)"
		                                     : "history is off (--no-history or history = off "
		                                       "in the config)");
	return a->hist != NULL;
}

static long long parse_id(const char *args)
{
	char *end = NULL;
	long long id = strtoll(args, &end, 10);
	return *args != '\0' && end != NULL && *end == '\0' && id > 0 ? id : -1;
}

/* Opens conversation id of the history as the thread; unless keep_model,
 * the model that answered last in it becomes the model. */
static int load_conversation(struct app *a, long long id, bool keep_model)
{
	struct conversation c;
	conv_init(&c);
	char *system = NULL;
	if (history_load(a->hist, id, &c, &system) < 0) {
		char msg[300];
		snprintf(msg, sizeof(msg), "cannot load conversation %lld: %s", id, history_error(a->hist));
		notice(a, MSG_ERROR, msg);
		conv_done(&c);
		return -1;
	}
	conv_clear(&a->conv);
	conv_move(&a->conv, &c, 0);
	conv_done(&c);
	a->context_start = 0;
	a->hist_conv = id;
	a->hist_group = 0;
	free(a->system);
	a->system = system;
	/* Go on with the model that answered last, if it still resolves. */
	for (size_t i = a->conv.n; i-- > 0 && !keep_model;) {
		const struct message *m = a->conv.v[i];
		if (m->kind != MSG_ASSISTANT || !m->has_metrics || !m->metrics.provider[0])
			continue;
		char name[128], err[256];
		struct provider *p;
		const char *mm;
		snprintf(name, sizeof(name), "%s:%s", m->metrics.provider, m->metrics.model);
		if (providers_resolve(a->ps, name, &p, &mm, err, sizeof(err)) == 0) {
			free(a->model);
			a->model = xstrdup(strcmp(m->metrics.provider, "mock") == 0 ? m->metrics.model : name);
		}
		break;
	}
	free(a->last_prompt);
	a->last_prompt = NULL;
	for (size_t i = a->conv.n; i-- > 0;)
		if (a->conv.v[i]->kind == MSG_USER) {
			a->last_prompt = xstrdup(buf_str(&a->conv.v[i]->raw));
			break;
		}
	char msg[200];
	snprintf(msg, sizeof(msg), "── conversation %lld, %zu messages · model %s ──", id, a->conv.n,
	         a->model);
	conv_add(&a->conv, MSG_NOTICE, "circuit", msg);
	a->redraw_all = true;
	transcript_follow(a->tr);
	return 0;
}

static void history_command(struct app *a, enum cmd_id id, const char *args)
{
	if (!history_ready(a))
		return;
	char msg[400];
	struct buf b;
	buf_init(&b, 0);
	switch (id) {
	case CMD_SESSIONS: {
		struct history_session ss[SESSIONS_SHOWN];
		int n = history_sessions(a->hist, ss, SESSIONS_SHOWN, 0);
		if (n < 0) {
			history_failed(a);
			break;
		}
		buf_append_str(&b, n ? "conversations, newest first (/load ID opens one):\n"
		                     : "no conversations yet");
		for (int i = 0; i < n; i++) {
			char date[32];
			histcli_date(ss[i].updated, date, sizeof(date));
			buf_printf(&b, "%6lld  %s  %3d turn%s  %s  · %s%s", ss[i].id, date, ss[i].turns,
			           ss[i].turns == 1 ? " " : "s", ss[i].title, ss[i].models,
			           ss[i].id == a->hist_conv ? "  (this one)" : "");
			if (i + 1 < n)
				buf_append_char(&b, '\n');
		}
		notice(a, MSG_NOTICE, buf_str(&b));
		break;
	}
	case CMD_LOAD: {
		long long conv = parse_id(args);
		if (conv < 0)
			notice(a, MSG_ERROR, "/load takes a conversation id (/sessions lists them)");
		else if (any_live(a))
			notice(a, MSG_ERROR, "still streaming: Ctrl-C cancels, then /load");
		else if (a->ncol > 0)
			notice(a, MSG_ERROR, "in a compare: /compare off or /adopt N first, then /load");
		else
			load_conversation(a, conv, false);
		break;
	}
	case CMD_SEARCH: {
		if (*args == '\0') {
			notice(a, MSG_ERROR, "/search takes words to find in the history");
			break;
		}
		struct history_hit hits[HITS_SHOWN];
		int n = history_find(a->hist, args, hits, HITS_SHOWN);
		if (n < 0) {
			snprintf(msg, sizeof(msg), "search failed: %s", history_error(a->hist));
			notice(a, MSG_ERROR, msg);
			break;
		}
		if (n == 0)
			buf_printf(&b, "no message contains every word of “%s”", args);
		else
			buf_printf(&b, "%d match%s, newest first (/load ID opens the conversation):\n", n,
			           n == 1 ? "" : "es");
		for (int i = 0; i < n; i++) {
			char date[32];
			histcli_date(hits[i].when, date, sizeof(date));
			buf_printf(&b, "%6lld  %s  %s: %s", hits[i].conv, date, hits[i].label,
			           hits[i].snippet);
			if (i + 1 < n)
				buf_append_char(&b, '\n');
		}
		notice(a, MSG_NOTICE, buf_str(&b));
		break;
	}
	case CMD_EXPORT: {
		char fmt[8] = "";
		const char *file = args;
		size_t k = strcspn(args, " \t");
		if (k < sizeof(fmt)) {
			memcpy(fmt, args, k);
			fmt[k] = '\0';
		}
		file += k;
		while (*file == ' ' || *file == '\t')
			file++;
		bool md = strcmp(fmt, "md") == 0, json = strcmp(fmt, "json") == 0;
		if ((!md && !json) || *file == '\0') {
			notice(a, MSG_ERROR, "/export md FILE or /export json FILE");
			break;
		}
		if (a->hist_conv == 0) {
			notice(a, MSG_ERROR, "nothing to export yet: this thread has no prompt");
			break;
		}
		if (history_export(a->hist, a->hist_conv, md ? HISTORY_MD : HISTORY_JSON, &b) < 0) {
			snprintf(msg, sizeof(msg), "export failed: %s", history_error(a->hist));
			notice(a, MSG_ERROR, msg);
			break;
		}
		/* As private as the history it comes from. */
		int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
		if (f == NULL && fd >= 0)
			close(fd);
		bool written = f != NULL && fwrite(b.data ? b.data : "", 1, b.len, f) == b.len;
		if (f != NULL && fclose(f) != 0)
			written = false;
		if (!written) {
			snprintf(msg, sizeof(msg), "cannot write %.200s: %s", file, strerror(errno));
			notice(a, MSG_ERROR, msg);
			break;
		}
		snprintf(msg, sizeof(msg), "conversation %lld written to %.200s (%zu bytes)", a->hist_conv,
		         file, b.len);
		notice(a, MSG_NOTICE, msg);
		break;
	}
	case CMD_DELETE: {
		long long conv = parse_id(args);
		if (conv < 0) {
			notice(a, MSG_ERROR, "/delete takes a conversation id (/sessions lists them)");
			break;
		}
		if (conv == a->hist_conv && any_live(a)) {
			notice(a, MSG_ERROR, "this conversation is still streaming: Ctrl-C cancels, then "
			                     "/delete");
			break;
		}
		int r = history_delete(a->hist, conv);
		if (r < 0) {
			history_failed(a);
			break;
		}
		if (r == 0) {
			snprintf(msg, sizeof(msg), "no conversation %lld in the history", conv);
			notice(a, MSG_ERROR, msg);
			break;
		}
		if (conv == a->hist_conv) /* what follows is saved as a new one */
			a->hist_conv = a->hist_group = 0;
		snprintf(msg, sizeof(msg), "conversation %lld deleted", conv);
		notice(a, MSG_NOTICE, msg);
		break;
	}
	default:
		break;
	}
	buf_done(&b);
}

static void command(struct app *a, const char *line)
{
	const char *args = "";
	const struct cmd_entry *c = cmd_parse(line, &args);
	if (c == NULL) {
		char msg[160];
		snprintf(msg, sizeof(msg), "unknown command '%.60s': /help lists them", line);
		notice(a, MSG_ERROR, msg);
		return;
	}
	char msg[320];
	switch (c->id) {
	case CMD_MODEL:
		if (*args == '\0') {
			snprintf(msg, sizeof(msg), "model: %s (/model NAME switches; Tab completes)", a->model);
			notice(a, MSG_NOTICE, msg);
			break;
		}
		struct provider *p;
		const char *m;
		if (providers_resolve(a->ps, args, &p, &m, msg, sizeof(msg)) < 0) {
			notice(a, MSG_ERROR, msg);
			break;
		}
		free(a->model);
		a->model = xstrdup(args);
		snprintf(a->notice, sizeof(a->notice), "model %s", a->model);
		break;
	case CMD_SYSTEM:
		if (*args == '\0') {
			snprintf(msg, sizeof(msg), "system prompt: %s", a->system ? a->system : "(none)");
			notice(a, MSG_NOTICE, msg);
			break;
		}
		free(a->system);
		a->system = xstrdup(args);
		if (a->hist != NULL && a->hist_conv > 0 &&
		    history_set_system(a->hist, a->hist_conv, a->system) < 0)
			history_failed(a);
		snprintf(a->notice, sizeof(a->notice), "system prompt set");
		break;
	case CMD_CLEAR:
		cancel_all(a);
		/* The screen lets the replies go now, the history keeps them as
		 * they stand: cancelled, with the text so far. */
		release_reply(a, a->single);
		conv_clear(&a->conv);
		a->context_start = 0;
		a->hist_conv = a->hist_group = 0; /* the next prompt begins a new conversation */
		for (int i = 0; i < a->ncol; i++) {
			struct column *col = &a->col[i];
			release_reply(a, col->live);
			conv_clear(&col->conv);
			col->base = col->context_start = 0;
			col->has_last = false;
		}
		a->redraw_all = true;
		break;
	case CMD_NEW:
		if (a->ncol == 0) {
			notice(a, MSG_NOTICE, "── new thread ──");
			a->context_start = a->conv.n;
			a->hist_conv = a->hist_group = 0;
		}
		/* In a compare only the columns start afresh; the thread under
		 * them stays as it was until /adopt. */
		for (int i = 0; i < a->ncol; i++) {
			conv_add(&a->col[i].conv, MSG_NOTICE, "circuit", "── new thread ──");
			a->col[i].context_start = a->col[i].conv.n;
		}
		break;
	case CMD_RETRY: {
		if (a->last_prompt == NULL) {
			notice(a, MSG_ERROR, "nothing to retry yet");
			break;
		}
		if (a->ncol > 0) {
			if (*args != '\0') {
				notice(a, MSG_ERROR, "in a compare /retry sends the last prompt to every "
				                     "column: /retry without a model");
				break;
			}
			if (any_live(a)) {
				snprintf(a->notice, sizeof(a->notice), "still streaming: Ctrl-C cancels");
				break;
			}
			for (int i = 0; i < a->ncol; i++)
				drop_last_exchange(a, &a->col[i].conv, a->col[i].context_start);
			char *p2 = xstrdup(a->last_prompt);
			ask_all(a, p2);
			free(p2);
			break;
		}
		if (any_live(a)) {
			snprintf(a->notice, sizeof(a->notice), "still streaming: Ctrl-C cancels");
			break;
		}
		drop_last_exchange(a, &a->conv, a->context_start);
		char *p2 = xstrdup(a->last_prompt);
		char *model = xstrdup(*args ? args : a->model);
		ask(a, model, p2, true);
		free(model);
		free(p2);
		break;
	}
	case CMD_CONTINUE: {
		if (a->ncol > 0) {
			notice(a, MSG_ERROR, "/continue goes on in one thread: /adopt N first");
			break;
		}
		const struct message *last = a->conv.n > 0 ? a->conv.v[a->conv.n - 1] : NULL;
		for (size_t i = a->conv.n; i-- > a->context_start;) {
			if (a->conv.v[i]->kind == MSG_ASSISTANT) {
				last = a->conv.v[i];
				break;
			}
		}
		if (last == NULL || last->kind != MSG_ASSISTANT || !last->interrupted) {
			notice(a, MSG_ERROR, "nothing to continue: /continue follows an interrupted reply");
			break;
		}
		/* Anthropic continues a trailing assistant turn (prefill); the
		 * others get a plain request to go on. Either way a new reply. */
		struct provider *pv;
		const char *m2;
		char e2[256];
		bool prefill = providers_resolve(a->ps, a->model, &pv, &m2, e2, sizeof(e2)) == 0 &&
		               pv->format == WIRE_ANTHROPIC;
		char *model = xstrdup(a->model);
		ask(a, model, "Continue exactly where your previous reply stopped.", !prefill);
		free(model);
		break;
	}
	case CMD_FALLBACK:
		if (*args == '\0') {
			snprintf(msg, sizeof(msg), "fallback: %s (/fallback M1,M2 sets it; /fallback none clears it)",
			         a->fallback ? a->fallback : "none");
			notice(a, MSG_NOTICE, msg);
			break;
		}
		free(a->fallback);
		a->fallback = strcmp(args, "none") == 0 ? NULL : xstrdup(args);
		snprintf(a->notice, sizeof(a->notice), "fallback %s", a->fallback ? a->fallback : "none");
		break;
	case CMD_THEME:
		if (*args == '\0') {
			notice(a, MSG_NOTICE, "themes: default, light, solarized-dark, mono (/theme NAME)");
			break;
		}
		load_theme(a, args, true);
		break;
	case CMD_COMPARE:
		if (*args == '\0') {
			struct buf b;
			buf_init(&b, 0);
			if (a->ncol == 0)
				buf_append_str(&b, "not comparing: /compare M1 M2 [M3 ...] sends each prompt to "
				                   "every model at once");
			for (int i = 0; i < a->ncol; i++)
				buf_printf(&b, "%s%d %s", i ? " · " : "comparing: ", i + 1, a->col[i].model);
			if (a->ncol > 0)
				buf_append_str(&b, " (/compare off · /adopt N)");
			notice(a, MSG_NOTICE, buf_str(&b));
			buf_done(&b);
		} else if (strcmp(args, "off") == 0) {
			if (a->ncol == 0)
				notice(a, MSG_ERROR, "not comparing: nothing to turn off");
			else
				compare_off(a, -1);
		} else {
			compare_start(a, args);
		}
		break;
	case CMD_ADOPT: {
		char *end = NULL;
		long k = strtol(args, &end, 10);
		if (a->ncol == 0) {
			notice(a, MSG_ERROR, "/adopt N follows a /compare: nothing to adopt");
		} else if (*args == '\0' || end == NULL || *end != '\0' || k < 1 || k > a->ncol) {
			snprintf(msg, sizeof(msg), "/adopt takes a column number, 1 to %d", a->ncol);
			notice(a, MSG_ERROR, msg);
		} else {
			compare_off(a, (int)k - 1);
		}
		break;
	}
	case CMD_SESSIONS:
	case CMD_LOAD:
	case CMD_SEARCH:
	case CMD_EXPORT:
	case CMD_DELETE:
		history_command(a, c->id, args);
		break;
	case CMD_STATS:
		a->stats_view = !a->stats_view;
		break;
	case CMD_HELP:
		help(a);
		break;
	case CMD_QUIT:
		a->quit = true;
		break;
	}
}

static void on_line(void *ctx, char *line)
{
	struct app *a = ctx;
	if (line == NULL) {
		a->quit = true; /* Ctrl-D on an empty line */
		return;
	}
	a->notice[0] = '\0'; /* a notice lasts until the next line */
	if (line[0] == '/') {
		/* Completion leaves a space after a word: "/model mock-fast ". */
		size_t n = strlen(line);
		while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t' || line[n - 1] == '\n'))
			line[--n] = '\0';
		command(a, line);
	}
	else if (line[strspn(line, " \t\n")] != '\0')
		send_prompt(a, line);
	free(line);
}

/* ---- keys --------------------------------------------------------------- */

#define PASTE_BEGIN "\x1b[200~"
#define PASTE_END "\x1b[201~"

/* Length of a complete CSI sequence at s (ESC [ params final), 0 if the
 * bytes end first. */
static size_t csi_len(const unsigned char *s, size_t n)
{
	if (n < 3 || s[0] != 0x1b || s[1] != '[')
		return 0;
	for (size_t i = 2; i < n && i < 32; i++)
		if (s[i] >= 0x40 && s[i] <= 0x7e)
			return i + 1;
	return 0;
}

static int page(const struct app *a)
{
	if (a->ncol > 0)
		return columns_page(a->cv);
	int rows, cols;
	getmaxyx(a->tui.transcript, rows, cols);
	(void)cols;
	return rows > 2 ? rows - 2 : 1;
}

/* Scrolling goes to the focused column in a compare (all when synced). */
static void scroll_view(struct app *a, int lines)
{
	if (a->stats_view)
		return; /* the view over them is not scrollable */
	if (a->ncol > 0)
		columns_scroll(a->cv, lines);
	else
		transcript_scroll(a->tr, lines);
}

static void follow_view(struct app *a)
{
	if (a->ncol > 0)
		columns_follow(a->cv);
	else
		transcript_follow(a->tr);
}

/* Alt-key (ESC then a character) that the app takes: focus, zoom, sync.
 * Returns false to pass it to readline. */
static bool alt_key(struct app *a, unsigned char k)
{
	if (a->ncol == 0)
		return false;
	if (k >= '1' && k <= '9') {
		if (k - '1' < a->ncol)
			columns_focus(a->cv, k - '1');
		return true;
	}
	if (k == 'z') {
		snprintf(a->notice, sizeof(a->notice), "%s",
		         columns_toggle_zoom(a->cv) ? "zoomed: Alt-z shows every column" : "all columns");
		return true;
	}
	if (k == 's') {
		snprintf(a->notice, sizeof(a->notice), "%s",
		         columns_toggle_sync(a->cv) ? "scrolling: every column together"
		                                    : "scrolling: the focused column");
		return true;
	}
	return false;
}

/* How many bytes at the end of s[0..n) could begin want[0..wn): the longest
 * suffix of s that is a proper prefix of want. */
static size_t partial_suffix(const unsigned char *s, size_t n, const char *want, size_t wn)
{
	for (size_t k = wn - 1 < n ? wn - 1 : n; k > 0; k--)
		if (memcmp(s + n - k, want, k) == 0)
			return k;
	return 0;
}

/* s[0..n) could still grow into an escape sequence we read: a lone Esc, or
 * ESC [ without its final byte yet. */
static bool escape_unfinished(const unsigned char *s, size_t n)
{
	if (n == 0 || s[0] != 0x1b || n >= KEY_PEND_MAX)
		return false;
	if (n == 1)
		return true;
	if (s[1] != '[')
		return false;
	return csi_len(s, n) == 0;
}

static void keys_run(struct app *a, const unsigned char *s, size_t n, bool final);

static void pend_tick_fn(void *ctx, long long now)
{
	struct app *a = ctx;
	(void)now;
	a->pend_tick = 0;
	unsigned char b[KEY_PEND_MAX];
	size_t n = a->npend;
	memcpy(b, a->pend, n);
	a->npend = 0;
	keys_run(a, b, n, true); /* nothing more came: as it is */
}

/* Bytes read from the terminal. An escape sequence cut by the read is
 * held until the next one (see pend). */
static void keys(struct app *a, const unsigned char *s, size_t n)
{
	if (a->npend == 0) {
		keys_run(a, s, n, false);
		return;
	}
	if (a->pend_tick != 0)
		timer_cancel(a->t, a->pend_tick);
	a->pend_tick = 0;
	unsigned char *b = xmalloc(a->npend + n);
	memcpy(b, a->pend, a->npend);
	memcpy(b + a->npend, s, n);
	size_t bn = a->npend + n;
	a->npend = 0;
	keys_run(a, b, bn, false);
	free(b);
}

/* Keeps s[0..n) for the next read (n fits pend). */
static void keys_hold(struct app *a, const unsigned char *s, size_t n)
{
	memcpy(a->pend, s, n);
	a->npend = n;
	if (a->pend_tick == 0)
		a->pend_tick = timer_add(a->t, clock_ms() + KEY_ESC_MS, pend_tick_fn, a);
}

static void keys_run(struct app *a, const unsigned char *s, size_t n, bool final)
{
	for (size_t i = 0; i < n;) {
		if (a->pasting) {
			const unsigned char *end = NULL;
			for (size_t j = i; j + 6 <= n; j++)
				if (memcmp(s + j, PASTE_END, 6) == 0) {
					end = s + j;
					break;
				}
			size_t take = end ? (size_t)(end - (s + i)) : n - i;
			size_t hold = end || final ? 0 : partial_suffix(s + i, n - i, PASTE_END, 6);
			if (hold > 0) { /* the end marker may be coming in two reads */
				buf_append(&a->paste, s + i, take - hold);
				keys_hold(a, s + n - hold, hold);
				return;
			}
			buf_append(&a->paste, s + i, take);
			i += take;
			if (end != NULL) {
				inputline_paste(buf_str(&a->paste), a->paste.len);
				buf_reset(&a->paste);
				a->pasting = false;
				i += 6;
			}
			continue;
		}
		unsigned char c = s[i];
		if (!final && c == 0x1b && escape_unfinished(s + i, n - i)) {
			keys_hold(a, s + i, n - i);
			return;
		}
		if (c == 0x03) { /* Ctrl-C: cancel the reply; never quit */
			ctrl_c(a, clock_ms());
			i++;
			continue;
		}
		if (c == 0x14) { /* Ctrl-T: one setting for every view */
			bool show = !transcript_thinking(a->tr);
			transcript_set_thinking(a->tr, show);
			if (a->cv != NULL)
				columns_set_thinking(a->cv, show);
			i++;
			continue;
		}
		if (c == 0x1b && i + 1 == n && a->stats_view) { /* a lone Esc */
			a->stats_view = false;
			i++;
			continue;
		}
		if (c == 0x1b && i + 1 < n && s[i + 1] != '[' && s[i + 1] != 'O' &&
		    alt_key(a, s[i + 1])) {
			i += 2;
			continue;
		}
		size_t len = c == 0x1b ? csi_len(s + i, n - i) : 0;
		if (len > 0) {
			const char *q = (const char *)s + i;
			bool mine = true;
			if (len == 6 && memcmp(q, PASTE_BEGIN, 6) == 0) {
				a->pasting = true;
			} else if (q[2] == '<') {
				/* SGR mouse: the wheel scrolls; clicks and the rest are
				 * swallowed (they would be junk in the input line). */
				if (strncmp(q, "\x1b[<64;", 6) == 0)
					scroll_view(a, 3);
				else if (strncmp(q, "\x1b[<65;", 6) == 0)
					scroll_view(a, -3);
			} else if (len == 4 && memcmp(q, "\x1b[5~", 4) == 0) {
				scroll_view(a, page(a));
			} else if (len == 4 && memcmp(q, "\x1b[6~", 4) == 0) {
				scroll_view(a, -page(a));
			} else if (inputline_empty() && ((len == 3 && q[2] == 'F') ||
			                                 (len == 4 && memcmp(q, "\x1b[4~", 4) == 0))) {
				follow_view(a); /* End, with nothing typed */
			} else if (inputline_empty() && ((len == 3 && q[2] == 'H') ||
			                                 (len == 4 && memcmp(q, "\x1b[1~", 4) == 0))) {
				scroll_view(a, 1 << 28); /* Home: the top */
			} else {
				mine = false;
			}
			if (mine) {
				i += len;
				continue;
			}
			for (size_t k = 0; k < len; k++)
				inputline_key(s[i + k]);
			i += len;
			continue;
		}
		inputline_key(c);
		i++;
	}
}

/* ---- drawing ------------------------------------------------------------ */

static void breaker_tick_fn(void *ctx, long long now);

static void fill_status(struct app *a, struct status *st, long long now)
{
	memset(st, 0, sizeof(*st));
	bool any_open = false;
	for (int i = 0; i < a->nstats && i < STATUS_MAX_PROVIDERS; i++) {
		struct pstat *s = &a->stats[i];
		struct provider_status *p = &st->p[st->np++];
		snprintf(p->name, sizeof(p->name), "%s", s->p->name);
		p->health = s->health;
		p->ttft_ms = s->ttft;
		p->tps = s->tps;
		p->active = s->p->active;
		p->total = s->p->total;
		p->stall_ms = -1;
		p->open_ms = -1;
		const struct breaker *br = router_breaker(a->rt, s->p);
		if (br != NULL) {
			enum breaker_state bs = breaker_state(br, now);
			if (bs == BREAKER_OPEN) {
				p->health = HEALTH_OPEN;
				p->open_ms = breaker_remaining_ms(br, now);
				any_open = true;
			} else if (bs == BREAKER_HALF_OPEN) {
				p->health = HEALTH_HALFOPEN;
			}
		}
		/* Its live streams: the newest figures, the shortest stall. */
		for (int k = -1; k < a->ncol; k++) {
			const struct reply *rp = k < 0 ? a->single : a->col[k].live;
			/* Between attempts (a retry waiting) the stream is the failed
			 * one: nothing is stalled then. */
			if (rp == NULL || rp->done || routed_provider(rp->rr) != s->p ||
			    stream_finished(routed_stream(rp->rr)))
				continue;
			struct reply_metrics f;
			reply_figures(rp, &f);
			long long stall = metrics_stall(&f, now - stream_metrics(routed_stream(rp->rr))->t0);
			if (p->stall_ms < 0 || stall < p->stall_ms)
				p->stall_ms = stall;
			if (f.ttft >= 0 && f.tps >= 0) {
				p->ttft_ms = f.ttft;
				p->tps = f.tps;
			}
		}
	}
	/* The countdown of an open breaker needs a redraw each second; the
	 * timer exists only while one is open. */
	if (any_open && a->breaker_tick == 0)
		a->breaker_tick = timer_add(a->t, now + 1000, breaker_tick_fn, a);
	if (a->ncol > 0)
		snprintf(st->model, sizeof(st->model), "compare: %d models", a->ncol);
	else
		snprintf(st->model, sizeof(st->model), "%s", a->model);
	snprintf(st->notice, sizeof(st->notice), "%s", a->notice);
}

static void status_tick_fn(void *ctx, long long now)
{
	struct app *a = ctx;
	(void)now;
	a->status_tick = 0; /* the loop's frame after this draws the status bar */
}

static void breaker_tick_fn(void *ctx, long long now)
{
	struct app *a = ctx;
	(void)now;
	a->breaker_tick = 0; /* fill_status re-arms it if still needed */
}

/* The compare view: each column's header from its live or last reply; the
 * winners marked once every stream has ended. */
static void draw_columns(struct app *a, long long now)
{
	(void)now;
	struct column_head heads[COMPARE_MAX];
	struct reply_metrics live[COMPARE_MAX];
	const struct reply_metrics *fin[COMPARE_MAX];
	const struct conversation *convs[COMPARE_MAX];
	bool all_ended = true;
	for (int i = 0; i < a->ncol; i++) {
		struct column *c = &a->col[i];
		struct column_head *h = &heads[i];
		memset(h, 0, sizeof(*h));
		h->label = c->model;
		fin[i] = NULL;
		convs[i] = &c->conv;
		if (c->live != NULL && !c->live->done) {
			reply_figures(c->live, &live[i]);
			h->m = &live[i];
			h->state = live[i].ttft >= 0 ? "streaming" : "waiting";
			all_ended = false;
		} else if (c->has_last) {
			h->m = fin[i] = &c->last;
			h->state = c->last.outcome == REPLY_OK          ? "done"
			           : c->last.outcome == REPLY_CANCELLED ? "cancelled"
			                                                : "error";
		} else {
			h->state = "idle";
		}
	}
	if (all_ended) {
		int bt = metrics_best_ttft(fin, (size_t)a->ncol);
		int bp = metrics_best_tps(fin, (size_t)a->ncol);
		if (bt >= 0)
			heads[bt].win_ttft = true;
		if (bp >= 0)
			heads[bp].win_tps = true;
	}
	columns_draw(a->cv, a->tui.transcript, heads, convs, a->ncol);
}

static void draw(struct app *a, long long now)
{
	const char *hint = inputline_take_hint();
	if (*hint)
		snprintf(a->notice, sizeof(a->notice), "%s", hint);
	int want = inputline_height(a->tui.cols, tui_input_max(&a->tui));
	if (want != a->tui.input_rows || a->redraw_all) {
		tui_layout(&a->tui, want);
		inputline_set_screen_size(a->tui.rows, a->tui.cols);
		a->redraw_all = false;
	}
	int view = a->stats_view ? VIEW_STATS : a->ncol > 0 ? VIEW_COLUMNS : VIEW_THREAD;
	if (view != (int)a->drawn_view) {
		/* The screen there shows the other view: draw this one whole. */
		touchwin(a->tui.transcript);
		if (a->cv != NULL)
			columns_release(a->cv);
		a->drawn_view = view;
	}
	if (view == VIEW_STATS)
		draw_stats(a, now, a->tui.transcript);
	else if (view == VIEW_COLUMNS)
		draw_columns(a, now);
	else
		transcript_draw(a->tr, &a->conv, a->tui.transcript);
	tui_draw_rule(&a->tui);
	if (!a->text_turn || now - a->status_at >= STATUS_MS || is_wintouched(a->tui.status)) {
		struct status st;
		fill_status(a, &st, now);
		statusbar_draw(&st, a->tui.status);
		a->status_at = now;
	} else if (a->status_tick == 0) {
		a->status_tick = timer_add(a->t, a->status_at + STATUS_MS, status_tick_fn, a);
	}
	a->text_turn = false;
	if (inputline_take_dirty() || is_wintouched(a->tui.input))
		inputline_draw(a->tui.input, theme_attr(THEME_PROMPT), theme_attr(THEME_INPUT));
	inputline_place_cursor(a->tui.input);
	doupdate();
}

/* ---- setup -------------------------------------------------------------- */

/* The history file, and with --resume the conversation to go on with. A
 * file that cannot be used is reported; circuit chats on without it. */
static void open_history(struct app *a)
{
	if (!a->o->history)
		return;
	char path[1024], err[512];
	const char *p = a->o->history_path ? a->o->history_path
	                                   : history_default_path(path, sizeof(path));
	if (p == NULL) {
		notice(a, MSG_ERROR, "history is off for this run: neither XDG_DATA_HOME nor HOME "
		                     "says where to keep it");
		return;
	}
	a->hist = history_open(p, err, sizeof(err));
	if (a->hist == NULL) {
		notice(a, MSG_ERROR, err);
		return;
	}
	if (a->o->resume == 0)
		return;
	long long id = a->o->resume > 0 ? a->o->resume : history_last(a->hist);
	if (id == 0)
		notice(a, MSG_NOTICE, "nothing to resume: the history has no conversation yet");
	else if (id < 0)
		history_failed(a);
	else
		load_conversation(a, id, a->o->model_given);
}

static char *history_path(void)
{
	const char *state = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	struct buf b;
	buf_init(&b, 0);
	if (state != NULL && *state)
		buf_printf(&b, "%s/circuit", state);
	else if (home != NULL && *home)
		buf_printf(&b, "%s/.local/state/circuit", home);
	else
		return NULL;
	/* mkdir -p, private */
	for (size_t i = 1; i <= b.len; i++) {
		if (i == b.len || b.data[i] == '/') {
			char c = b.data[i];
			b.data[i] = '\0';
			mkdir(b.data, 0700);
			b.data[i] = c;
		}
	}
	buf_append_str(&b, "/input_history");
	return b.data;
}

static void set_models(struct app *a)
{
	static const char *const names[] = {
		"mock", "mock-fast", "mock-slow", "mock-flaky", "gpt-4o", "gpt-4o-mini", "o4-mini",
		"claude-sonnet-4-5", "claude-haiku-4-5", "claude-opus-4-1", "gemini-2.5-flash",
		"gemini-2.5-pro", "ollama:llama3.2", "ollama:qwen3",
	};
	(void)a;
	inputline_set_models(names, sizeof(names) / sizeof(names[0]));
}

int app_run(const struct app_opts *o)
{
	struct app app;
	struct app *a = &app;
	memset(a, 0, sizeof(*a));
	a->o = o;
	setlocale(LC_ALL, "");
	a->ps = providers_new(env_process);
	struct buf setup_warnings;
	buf_init(&setup_warnings, 0);
	if (o->config != NULL)
		setup_providers(a->ps, o->config, env_process, &setup_warnings);
	for (size_t i = 0; i < providers_count(a->ps); i++)
		log_add_secret(providers_at(a->ps, i)->key);
	a->model = xstrdup(o->model ? o->model : providers_default_model(a->ps));
	a->system = o->system ? xstrdup(o->system) : NULL;
	struct provider *p;
	const char *m;
	char err[256];
	bool bad = providers_resolve(a->ps, a->model, &p, &m, err, sizeof(err)) == -1;
	char *cmp[COMPARE_MAX + 1];
	int ncmp = o->compare ? split_list(o->compare, cmp, COMPARE_MAX + 1) : 0;
	if (!bad && o->compare != NULL && (ncmp < 2 || ncmp > COMPARE_MAX)) {
		snprintf(err, sizeof(err), "--compare takes 2 to %d models separated by commas",
		         COMPARE_MAX);
		bad = true;
	}
	for (int i = 0; i < ncmp; i++) {
		if (!bad && providers_resolve(a->ps, cmp[i], &p, &m, err, sizeof(err)) == -1)
			bad = true;
		free(cmp[i]);
	}
	if (bad) {
		fprintf(stderr, "circuit: %s\n", err);
		providers_free(a->ps);
		free(a->model);
		free(a->system);
		return 2;
	}
	if (pipe(a->sigpipe) < 0) {
		fprintf(stderr, "circuit: cannot create a pipe: %s\n", strerror(errno));
		return 1;
	}
	fcntl(a->sigpipe[0], F_SETFL, O_NONBLOCK);
	fcntl(a->sigpipe[1], F_SETFL, O_NONBLOCK);
	the_app = a;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGWINCH, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (tui_init(&a->tui, err, sizeof(err)) < 0) {
		fprintf(stderr, "circuit: %s\n", err);
		return 1;
	}
	/* Bracketed paste (a paste never sends) and SGR mouse reports for the
	 * wheel (hold Shift to select text with the mouse, as in most TUIs). */
	fputs("\x1b[?2004h\x1b[?1000h\x1b[?1006h", stdout);
	fflush(stdout);
	a->t = transport_new();
	struct router_config rc = {
		.max_retries = o->max_retries >= 0 ? o->max_retries : 2,
		.connect_timeout_ms = o->connect_timeout_ms,
		.first_byte_timeout_ms = o->first_byte_timeout_ms,
		.idle_timeout_ms = o->idle_timeout_ms,
	};
	if (o->breaker != NULL)
		rc.breaker = *o->breaker;
	else
		breaker_config_init(&rc.breaker);
	a->rt = router_new(a->ps, &rc, (uint64_t)clock_ms() ^ (uint64_t)getpid());
	a->fallback = o->fallback ? xstrdup(o->fallback) : NULL;
	if (o->debug_file != NULL && log_open(o->debug_file) == 0)
		transport_set_debug(a->t, true);
	a->tr = transcript_new();
	conv_init(&a->conv);
	buf_init(&a->paste, (size_t)1 << 24);
	load_theme(a, o->theme ? o->theme : "default", false);
	char *hist = history_path();
	inputline_init(hist, on_line, a);
	free(hist);
	set_models(a);
	inputline_set_screen_size(a->tui.rows, a->tui.cols);
	char hello[256];
	snprintf(hello, sizeof(hello), "circuit %s · model %s · /help for commands and keys%s",
	         CIRCUIT_VERSION, a->model,
	         strncmp(a->model, "mock", 4) == 0 ? " · no API key set: answering offline from mock"
	                                           : "");
	notice(a, MSG_NOTICE, hello);
	if (setup_warnings.len > 0)
		notice(a, MSG_ERROR, buf_str(&setup_warnings));
	buf_done(&setup_warnings);
	metrics_init(&a->metrics);
	open_history(a);
	if (o->compare != NULL)
		compare_start(a, o->compare);
	fcntl(STDIN_FILENO, F_SETFL, fcntl(STDIN_FILENO, F_GETFL) | O_NONBLOCK);

	long long now = clock_ms();
	draw(a, now);
	while (!a->quit) {
		int fds[2] = {STDIN_FILENO, a->sigpipe[0]};
		bool ready[2] = {false, false};
		transport_wait(a->t, fds, 2, transport_timeout(a->t, clock_ms()), ready);
		now = clock_ms();
		transport_run(a->t, now);
		reap_live(a);
		if (ready[1]) {
			unsigned char sigs[16];
			ssize_t k = read(a->sigpipe[0], sigs, sizeof(sigs));
			for (ssize_t i = 0; i < k; i++) {
				if (sigs[i] == SIGWINCH) {
					tui_resize(&a->tui);
					a->redraw_all = true;
				} else if (sigs[i] == SIGINT) {
					ctrl_c(a, now);
				} else {
					a->quit = true; /* SIGTERM, SIGHUP */
					a->gone = true;
				}
			}
		}
		if (ready[0]) {
			unsigned char buf[4096];
			ssize_t k = read(STDIN_FILENO, buf, sizeof(buf));
			if (k == 0 || (k < 0 && errno != EAGAIN && errno != EINTR)) {
				/* The terminal went away (EOF, or EIO from a closed pty):
				 * it stays "readable", so going on would spin. */
				a->quit = true;
				a->gone = true;
			} else if (k > 0) {
				keys(a, buf, (size_t)k);
			}
		}
		draw(a, now);
	}

	if (any_live(a)) {
		/* Cancelled transfers end from the loop: two turns see them out. */
		cancel_all(a);
		for (int k = 0; k < 2 && any_live(a); k++) {
			transport_run(a->t, clock_ms());
			reap_live(a);
		}
		if (a->single != NULL)
			a->single->done = true;
		for (int i = 0; i < a->ncol; i++)
			if (a->col[i].live != NULL)
				a->col[i].live->done = true;
		reap_live(a);
	}
	if (a->ncol > 0)
		compare_end(a);
	metrics_done(&a->metrics);
	history_close(a->hist);
	inputline_done();
	fputs("\x1b[?1006l\x1b[?1000l\x1b[?2004l", stdout);
	fflush(stdout);
	tui_done(&a->tui);
	transcript_free(a->tr);
	conv_done(&a->conv);
	transport_free(a->t);
	router_free(a->rt);
	free(a->fallback);
	providers_free(a->ps);
	buf_done(&a->paste);
	free(a->model);
	free(a->system);
	free(a->last_prompt);
	close(a->sigpipe[0]);
	close(a->sigpipe[1]);
	the_app = NULL;
	log_close();
	log_clear_secrets();
	/* Hung up: everything is stored and closed; leave at once. Exit-time
	 * handlers could block on a terminal that is gone (LeakSanitizer's at
	 * exit was seen spinning forever after its pty vanished). */
	if (a->gone)
		_exit(0);
	return 0;
}
