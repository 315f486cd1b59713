/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_thread: the commands about the thread and its model: /model,
 * /system, /clear, /new, /retry, /continue, /fallback. */
#include "app/cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/reply_figures.h"
#include "ui/transcript.h"
#include "util/mem.h"

int cmd_model(struct screen *sc, const char *args)
{
	if (*args == '\0') {
		screen_sayf(sc, MSG_NOTICE, "model: %s (/model NAME switches; Tab completes)", sc->model);
		return REACT_NONE;
	}
	char err[320];
	if (session_check_model(&sc->s, args, true, err, sizeof(err)) < 0) {
		screen_say(sc, MSG_ERROR, err);
		return REACT_NONE;
	}
	free(sc->model);
	sc->model = xstrdup(args);
	screen_note(sc, "model %s", sc->model);
	return REACT_NONE;
}

int cmd_system(struct screen *sc, const char *args)
{
	if (*args == '\0') {
		if (sc->system != NULL)
			screen_sayf(sc, MSG_NOTICE, "system prompt: %s (/system none clears it)", sc->system);
		else
			screen_say(sc, MSG_NOTICE, "no system prompt (/system TEXT sets one)");
		return REACT_NONE;
	}
	free(sc->system);
	sc->system = strcmp(args, "none") == 0 ? NULL : xstrdup(args);
	if (sc->hist != NULL && sc->hist_conv > 0 &&
	    history_set_system(sc->hist, sc->hist_conv, sc->system) < 0)
		screen_history_failed(sc);
	screen_note(sc, "%s", sc->system ? "system prompt set (/system shows it)"
	                                 : "system prompt cleared");
	return REACT_NONE;
}

int cmd_clear(struct screen *sc, const char *args)
{
	(void)args;
	screen_cancel_all(sc);
	screen_queue_clear(sc);
	/* The screen lets the replies go now, the history keeps them as they
	 * stand: cancelled, with the text so far. */
	screen_release(sc, sc->single);
	conv_clear(&sc->conv);
	sc->context_start = 0;
	sc->hist_conv = sc->hist_group = 0; /* the next prompt begins a new conversation */
	for (int i = 0; i < sc->ncol; i++) {
		struct column *col = &sc->col[i];
		screen_release(sc, col->live);
		conv_clear(&col->conv);
		col->base = col->context_start = 0;
		col->has_last = false;
	}
	return REACT_LAYOUT | REACT_FOLLOW;
}

int cmd_new(struct screen *sc, const char *args)
{
	(void)args;
	if (sc->ncol == 0) {
		screen_say(sc, MSG_NOTICE, "── new thread ──");
		sc->context_start = sc->conv.n;
		sc->hist_conv = sc->hist_group = 0;
	}
	/* In a compare only the columns start afresh; the thread under them
	 * stays as it was until /adopt. */
	for (int i = 0; i < sc->ncol; i++) {
		screen_say_in(&sc->col[i].conv, MSG_NOTICE, "── new thread ──");
		sc->col[i].context_start = sc->col[i].conv.n;
	}
	return REACT_FOLLOW;
}

/* /retry asks the last prompt again: that prompt and what answered it stay
 * on screen but leave the requests, so the thread does not carry the
 * prompt twice (or a failed attempt's prompt at all). Its files are
 * copied into files (when it is still empty), to go with it again. */
static void drop_last_exchange(struct screen *sc, struct conversation *conv, size_t from,
                               struct attachments *files)
{
	size_t u = conv->n;
	for (size_t i = conv->n; i-- > from;)
		if (conv->v[i]->kind == MSG_USER && !conv->v[i]->dropped) {
			u = i;
			break;
		}
	if (u < conv->n && files->n == 0)
		attachments_copy(files, &conv->v[u]->att);
	for (size_t i = u; i < conv->n; i++)
		if (conv->v[i]->kind == MSG_USER || conv->v[i]->kind == MSG_ASSISTANT) {
			conv->v[i]->dropped = true;
			screen_history_rewrite(sc, conv->v[i]);
		}
}

int cmd_retry(struct screen *sc, const char *args)
{
	if (sc->last_prompt == NULL) {
		screen_say(sc, MSG_ERROR, "nothing to retry yet");
		return REACT_NONE;
	}
	if (sc->ncol > 0 && *args != '\0') {
		screen_say(sc, MSG_ERROR, "in a compare /retry sends the last prompt to every column: "
		                          "/retry without a model");
		return REACT_NONE;
	}
	if (screen_streaming(sc)) {
		screen_note(sc, "still streaming: Ctrl-C cancels");
		return REACT_NONE;
	}
	char *prompt = xstrdup(sc->last_prompt);
	/* The prompt goes with its own files; /file's wait on for the next one. */
	struct attachments waiting = sc->pending;
	attachments_init(&sc->pending);
	if (sc->ncol > 0) {
		for (int i = 0; i < sc->ncol; i++)
			drop_last_exchange(sc, &sc->col[i].conv, sc->col[i].context_start, &sc->pending);
		screen_ask_all(sc, prompt);
	} else {
		drop_last_exchange(sc, &sc->conv, sc->context_start, &sc->pending);
		char *model = xstrdup(*args ? args : sc->model);
		screen_ask(sc, model, prompt, true);
		free(model);
	}
	attachments_done(&sc->pending);
	sc->pending = waiting;
	free(prompt);
	return REACT_FOLLOW;
}

/* The thread's last reply, when it was cut short (cancelled, failed after
 * its first token, or stopped by the token limit); else NULL. */
static const struct message *cut_reply(const struct screen *sc)
{
	for (size_t i = sc->conv.n; i-- > sc->context_start;) {
		const struct message *m = sc->conv.v[i];
		if (m->kind == MSG_USER && !m->queued)
			return NULL;
		if (m->kind == MSG_ASSISTANT)
			return m->interrupted || (m->has_metrics && reply_figures_cut_by_length(&m->metrics))
			           ? m
			           : NULL;
	}
	return NULL;
}

int cmd_continue(struct screen *sc, const char *args)
{
	(void)args;
	if (sc->ncol > 0) {
		screen_say(sc, MSG_ERROR, "/continue goes on in one thread: /adopt N first");
		return REACT_NONE;
	}
	if (screen_streaming(sc)) {
		screen_note(sc, "still streaming: Ctrl-C cancels");
		return REACT_NONE;
	}
	if (cut_reply(sc) == NULL) {
		screen_say(sc, MSG_ERROR, "nothing to continue: /continue follows a reply that was cut "
		                          "short (cancelled, failed, or stopped by the token limit)");
		return REACT_NONE;
	}
	/* Anthropic continues a trailing assistant turn (prefill); the others
	 * get a plain request to go on. Either way a new reply. */
	struct provider *p;
	const char *m;
	char err[256];
	bool prefill = providers_resolve(sc->s.ps, sc->model, &p, &m, err, sizeof(err)) == 0 &&
	               p->format == WIRE_ANTHROPIC;
	char *model = xstrdup(sc->model);
	screen_ask(sc, model, "Continue exactly where your previous reply stopped.", !prefill);
	free(model);
	return REACT_FOLLOW;
}

int cmd_fallback(struct screen *sc, const char *args)
{
	struct buf b;
	buf_init(&b, 0);
	if (*args != '\0')
		session_set_fallback(&sc->s, args);
	session_fallback_text(&sc->s, &b);
	if (*args == '\0')
		screen_sayf(sc, MSG_NOTICE, "fallback: %s (/fallback M1,M2 sets it; /fallback none "
		            "clears it)", buf_str(&b));
	else
		screen_note(sc, "fallback %s", buf_str(&b));
	buf_done(&b);
	return REACT_NONE;
}
