/* SPDX-License-Identifier: GPL-3.0-or-later */
/* app: the interactive client (circuit on a terminal).
 *
 * One thread, one loop: wait in curl_multi_poll on the network plus the
 * terminal and a signal pipe, with the nearest timer as timeout; then move
 * bytes, apply events to the conversation, read keys, and draw what changed
 * once. Nothing streaming and no key pressed: no wakeups at all. */
#include "app.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "describe.h"
#include "setup.h"
#include "model/conversation.h"
#include "model/status.h"
#include "net/stream.h"
#include "net/transport.h"
#include "route/providers.h"
#include "route/router.h"
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

#ifndef CIRCUIT_SHAREDIR
#define CIRCUIT_SHAREDIR "/usr/local/share/circuit"
#endif

#define STALL_TICK_MS 1000

/* Per provider, what the status bar shows. */
struct pstat {
	struct provider *p;
	enum provider_health health;
	long long ttft;
	double tps;
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
	/* the live reply, carried by the router across retries and fallbacks */
	struct router *rt;
	struct routed *live;
	struct message *live_msg;
	bool live_done;
	char *fallback; /* "M1,M2": tried after the model */
	unsigned long breaker_tick; /* redraws the countdown while a breaker is open */
	unsigned long tick;
	struct pstat stats[8];
	int nstats;
	char notice[96];
	bool quit;
	bool redraw_all;
	int sigpipe[2];
	/* bracketed paste in progress */
	bool pasting;
	struct buf paste;
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

static const char *getenv_fn(const char *name)
{
	return getenv(name);
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

static void notice(struct app *a, enum msg_kind kind, const char *text)
{
	conv_add(&a->conv, kind, kind == MSG_ERROR ? "error" : "circuit", text);
}

/* ---- streaming ---------------------------------------------------------- */

static void on_event(void *ctx, struct routed *rr, const struct wire_event *ev)
{
	struct app *a = ctx;
	(void)rr;
	struct message *m = a->live_msg;
	if (m == NULL)
		return; /* /clear took the thread away; the request is cancelled */
	switch (ev->type) {
	case WIRE_EV_TEXT:
	case WIRE_EV_REFUSAL:
		msg_append_text(m, ev->text, ev->len);
		break;
	case WIRE_EV_THINKING:
		msg_append_thinking(m, ev->text, ev->len);
		break;
	case WIRE_EV_TOOL_CALL: {
		struct buf b;
		buf_init(&b, 0);
		buf_printf(&b, "[tool call] %s %s", ev->tool_name, ev->tool_args);
		notice(a, MSG_NOTICE, buf_str(&b));
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
	struct app *a = ctx;
	(void)rr;
	if (a->live_msg == NULL)
		return;
	buf_reset(&a->live_msg->thinking);
	a->live_msg->version++;
}

static void on_notice(void *ctx, struct routed *rr, const char *text)
{
	struct app *a = ctx;
	(void)rr;
	notice(a, MSG_NOTICE, text);
}

static void on_done(void *ctx, struct routed *rr)
{
	struct app *a = ctx;
	struct stream *s = routed_stream(rr);
	struct provider *p = routed_provider(rr);
	const struct stream_metrics *m = stream_metrics(s);
	const struct wire_error *e = routed_error(rr);
	struct pstat *ps = stat_for(a, p);
	double tps = stream_tokens_per_second(s);
	bool est;
	long long toks = stream_output_tokens(s, &est);
	/* "331 ms · 32.8 tok/s · 104 tokens": only the figures there are. */
	char meta[128] = "";
	int n = 0;
	if (m->ttft >= 0)
		n += snprintf(meta + n, sizeof(meta) - (size_t)n, "%lld ms", m->ttft);
	if (tps >= 0)
		n += snprintf(meta + n, sizeof(meta) - (size_t)n, "%s%.1f tok/s", n ? " · " : "", tps);
	if (toks > 0 || !est)
		snprintf(meta + n, sizeof(meta) - (size_t)n, "%s%s%lld tokens", n ? " · " : "",
		         est ? "≈" : "", toks);
	bool cut = routed_cancelled(rr) || e != NULL;
	struct message *msg = a->live_msg; /* NULL: /clear took the thread away */
	/* After a fallback the label names who answered, not who was asked. */
	if (msg != NULL && routed_fell_back(rr)) {
		char label[96];
		snprintf(label, sizeof(label), "%s:%s (fallback)", p->name, routed_model(rr));
		free(msg->label);
		msg->label = xstrdup(label);
	}
	if (msg != NULL)
		msg_finish(msg, cut && msg->text.len > 0, meta);
	if (m->ttft >= 0)
		ps->ttft = m->ttft;
	if (tps >= 0)
		ps->tps = tps;
	ps->health = e != NULL ? HEALTH_ERROR : HEALTH_OK;
	if (e != NULL && msg != NULL) {
		struct buf line;
		buf_init(&line, 0);
		describe_failure(p, routed_model(rr), p->base_url, e, &line);
		notice(a, MSG_ERROR, buf_str(&line));
		buf_done(&line);
	} else if (routed_cancelled(rr)) {
		snprintf(a->notice, sizeof(a->notice), "cancelled");
	}
	a->live_done = true; /* freed by the loop, not from inside its callback */
}

static void stall_tick(void *ctx, long long now)
{
	struct app *a = ctx;
	a->tick = 0;
	if (a->live != NULL && !a->live_done)
		a->tick = timer_add(a->t, now + STALL_TICK_MS, stall_tick, a);
}

/* The thread as the provider should see it: user and assistant turns since
 * the last /new, the reply being started excluded. */
static void build_request(struct app *a, struct wire_request *req, struct wire_message **msgs)
{
	size_t n = 0;
	*msgs = xcalloc(a->conv.n + 1, sizeof(**msgs));
	for (size_t i = a->context_start; i < a->conv.n; i++) {
		const struct message *m = a->conv.v[i];
		if (m->kind == MSG_USER)
			(*msgs)[n++] = (struct wire_message){WIRE_ROLE_USER, buf_str(&m->raw)};
		else if (m->kind == MSG_ASSISTANT && !m->streaming && m->raw.len > 0)
			(*msgs)[n++] = (struct wire_message){WIRE_ROLE_ASSISTANT, buf_str(&m->raw)};
	}
	memset(req, 0, sizeof(*req));
	req->system = a->system;
	req->messages = *msgs;
	req->nmessages = n;
}

/* Starts a reply to the thread as it stands, on model (then the fallback
 * chain). add_user: the prompt becomes a user message first; without it the
 * thread ends with an interrupted reply and this is a /continue. */
static void ask(struct app *a, const char *model, const char *prompt, bool add_user)
{
	if (a->live != NULL) {
		snprintf(a->notice, sizeof(a->notice), "still streaming: Ctrl-C cancels");
		return;
	}
	if (add_user) {
		free(a->last_prompt);
		a->last_prompt = xstrdup(prompt);
		conv_add(&a->conv, MSG_USER, "you", prompt);
	}
	const char *chain[17];
	char *fb[16];
	size_t n = 0;
	chain[n++] = model;
	int nfb = a->fallback ? split_list(a->fallback, fb, 16) : 0;
	for (int i = 0; i < nfb; i++)
		if (strcmp(fb[i], model) != 0)
			chain[n++] = fb[i];
	struct wire_request req;
	struct wire_message *msgs;
	build_request(a, &req, &msgs);
	/* The offline mock's label is its variant: "mock", not "mock:mock". */
	a->live_msg = conv_add(&a->conv, MSG_ASSISTANT,
	                       strncmp(model, "mock:", 5) == 0 ? model + 5 : model, NULL);
	a->live_msg->streaming = true;
	a->live_done = false;
	static const struct routed_callbacks cb = {on_event, on_reset, on_notice, on_done};
	char err[256];
	long long now = clock_ms();
	router_set_wall_clock(a->rt, clock_unix());
	a->live = router_start(a->rt, a->t, chain, n, &req, prompt, &cb, a, now, err, sizeof(err));
	free(msgs);
	for (int i = 0; i < nfb; i++)
		free(fb[i]);
	if (a->live == NULL) {
		msg_finish(a->live_msg, false, "");
		notice(a, MSG_ERROR, err);
		a->live_msg = NULL;
		return;
	}
	struct pstat *ps = stat_for(a, routed_provider(a->live));
	if (ps->health == HEALTH_IDLE)
		ps->health = HEALTH_OK; /* streaming now */
	a->notice[0] = '\0';
	a->tick = timer_add(a->t, now + STALL_TICK_MS, stall_tick, a);
	transcript_follow(a->tr);
}

static void send_prompt(struct app *a, const char *prompt)
{
	ask(a, a->model, prompt, true);
}

static void reap_live(struct app *a)
{
	if (a->live == NULL || !a->live_done)
		return;
	routed_free(a->live);
	a->live = NULL;
	a->live_msg = NULL;
	if (a->tick != 0)
		timer_cancel(a->t, a->tick);
	a->tick = 0;
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
	                   "Ctrl-R searches history · Tab completes · Ctrl-D on an empty line quits");
	notice(a, MSG_NOTICE, buf_str(&b));
	buf_done(&b);
}

static void stats(struct app *a)
{
	struct buf b;
	buf_init(&b, 0);
	long long now = clock_ms();
	buf_append_str(&b, "provider   streams  TTFT     tok/s  breaker    fails  next probe  retries  fallbacks\n");
	for (int i = 0; i < a->nstats; i++) {
		struct pstat *s = &a->stats[i];
		char ttft[24] = "-", tps[24] = "-", probe[24] = "-", state[24] = "-";
		if (s->ttft >= 0)
			snprintf(ttft, sizeof(ttft), "%lld ms", s->ttft);
		if (s->tps >= 0)
			snprintf(tps, sizeof(tps), "%.1f", s->tps);
		const struct breaker *br = router_breaker(a->rt, s->p);
		const struct router_counts *rc = router_counts(a->rt, s->p);
		int fails = 0;
		if (br != NULL) {
			enum breaker_state st = breaker_state(br, now);
			snprintf(state, sizeof(state), "%s", breaker_state_name(st));
			fails = breaker_consecutive_failures(br);
			if (st == BREAKER_OPEN)
				snprintf(probe, sizeof(probe), "in %lld s", (breaker_remaining_ms(br, now) + 999) / 1000);
		}
		buf_printf(&b, "%-10s %3u/%-3u  %-7s  %5s  %-9s  %5d  %-10s  %7u  %9u\n", s->p->name,
		           s->p->active, s->p->total, ttft, tps, rc && rc->disabled ? "disabled" : state,
		           fails, probe, rc ? rc->retries : 0, rc ? rc->fallbacks : 0);
		if (rc && rc->last_error[0])
			buf_printf(&b, "           last error: %s\n", rc->last_error);
	}
	if (a->nstats == 0)
		buf_append_str(&b, "(nothing sent yet)");
	notice(a, MSG_NOTICE, buf_str(&b));
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
	if (a->o->no_color || getenv("NO_COLOR") != NULL)
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
		snprintf(a->notice, sizeof(a->notice), "system prompt set");
		break;
	case CMD_CLEAR:
		if (a->live != NULL)
			routed_cancel(a->live);
		conv_clear(&a->conv);
		a->context_start = 0;
		a->live_msg = NULL;
		a->redraw_all = true;
		break;
	case CMD_NEW:
		notice(a, MSG_NOTICE, "── new thread ──");
		a->context_start = a->conv.n;
		break;
	case CMD_RETRY: {
		if (a->last_prompt == NULL) {
			notice(a, MSG_ERROR, "nothing to retry yet");
			break;
		}
		char *p2 = xstrdup(a->last_prompt);
		char *model = xstrdup(*args ? args : a->model);
		ask(a, model, p2, true);
		free(model);
		free(p2);
		break;
	}
	case CMD_CONTINUE: {
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
	case CMD_STATS:
		stats(a);
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
	int rows, cols;
	getmaxyx(a->tui.transcript, rows, cols);
	(void)cols;
	return rows > 2 ? rows - 2 : 1;
}

static void keys(struct app *a, const unsigned char *s, size_t n)
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
		if (c == 0x03) { /* Ctrl-C: cancel the reply; never quit */
			if (a->live != NULL)
				routed_cancel(a->live);
			i++;
			continue;
		}
		if (c == 0x14) { /* Ctrl-T */
			transcript_toggle_thinking(a->tr);
			i++;
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
					transcript_scroll(a->tr, 3);
				else if (strncmp(q, "\x1b[<65;", 6) == 0)
					transcript_scroll(a->tr, -3);
			} else if (len == 4 && memcmp(q, "\x1b[5~", 4) == 0) {
				transcript_scroll(a->tr, page(a));
			} else if (len == 4 && memcmp(q, "\x1b[6~", 4) == 0) {
				transcript_scroll(a->tr, -page(a));
			} else if (inputline_empty() && ((len == 3 && q[2] == 'F') ||
			                                 (len == 4 && memcmp(q, "\x1b[4~", 4) == 0))) {
				transcript_follow(a->tr); /* End, with nothing typed */
			} else if (inputline_empty() && ((len == 3 && q[2] == 'H') ||
			                                 (len == 4 && memcmp(q, "\x1b[1~", 4) == 0))) {
				transcript_scroll(a->tr, 1 << 28); /* Home: the top */
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
		struct stream *ls = a->live != NULL && !a->live_done ? routed_stream(a->live) : NULL;
		if (ls != NULL && routed_provider(a->live) == s->p) {
			const struct stream_metrics *m = stream_metrics(ls);
			long long since = m->t0 + (m->last >= 0 ? m->last : 0);
			p->stall_ms = now - since;
			if (m->last >= 0 && m->ttft >= 0) {
				p->ttft_ms = m->ttft;
				double live = stream_tokens_per_second(ls);
				if (live >= 0)
					p->tps = live;
			}
		}
	}
	/* The countdown of an open breaker needs a redraw each second; the
	 * timer exists only while one is open. */
	if (any_open && a->breaker_tick == 0)
		a->breaker_tick = timer_add(a->t, now + 1000, breaker_tick_fn, a);
	snprintf(st->model, sizeof(st->model), "%s", a->model);
	snprintf(st->notice, sizeof(st->notice), "%s", a->notice);
}

static void breaker_tick_fn(void *ctx, long long now)
{
	struct app *a = ctx;
	(void)now;
	a->breaker_tick = 0; /* fill_status re-arms it if still needed */
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
	transcript_draw(a->tr, &a->conv, a->tui.transcript);
	tui_draw_rule(&a->tui);
	struct status st;
	fill_status(a, &st, now);
	statusbar_draw(&st, a->tui.status);
	inputline_take_dirty();
	inputline_draw(a->tui.input, theme_attr(THEME_PROMPT), theme_attr(THEME_INPUT));
	inputline_place_cursor(a->tui.input);
	doupdate();
}

/* ---- setup -------------------------------------------------------------- */

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
	a->ps = providers_new(getenv_fn);
	struct buf setup_warnings;
	buf_init(&setup_warnings, 0);
	if (o->config != NULL)
		setup_providers(a->ps, o->config, &setup_warnings);
	for (size_t i = 0; i < providers_count(a->ps); i++)
		log_add_secret(providers_at(a->ps, i)->key);
	a->model = xstrdup(o->model ? o->model : providers_default_model(a->ps));
	a->system = o->system ? xstrdup(o->system) : NULL;
	struct provider *p;
	const char *m;
	char err[256];
	if (providers_resolve(a->ps, a->model, &p, &m, err, sizeof(err)) == -1) {
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
					if (a->live != NULL)
						routed_cancel(a->live);
				} else {
					a->quit = true;
				}
			}
		}
		if (ready[0]) {
			unsigned char buf[4096];
			ssize_t k = read(STDIN_FILENO, buf, sizeof(buf));
			if (k == 0)
				a->quit = true; /* the terminal went away */
			else if (k > 0)
				keys(a, buf, (size_t)k);
		}
		draw(a, now);
	}

	if (a->live != NULL) {
		routed_cancel(a->live);
		transport_run(a->t, clock_ms());
		if (!a->live_done)
			transport_run(a->t, clock_ms());
		a->live_done = true;
		reap_live(a);
	}
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
	return 0;
}
