/* SPDX-License-Identifier: GPL-3.0-or-later */
/* screen_history: the chat screen and its history file. A prompt is a row
 * when it is sent; a reply is a row from its start, checkpointed while it
 * streams and written once more at its end, before the screen shows it
 * done. A file that cannot be used is said once; chatting goes on. */
#include "app/screen_core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/transcript.h"
#include "util/clock.h"
#include "util/mem.h"

/* A live reply is written to the history at most this often (kill -9
 * loses at most this much of it). */
#define CHECKPOINT_MS 2000

void screen_history_failed(struct screen *sc)
{
	screen_sayf(sc, MSG_ERROR, "history: %s; history is off for the rest of this run",
	            history_error(sc->hist));
	history_close(sc->hist);
	sc->hist = NULL;
}

bool screen_history_ready(struct screen *sc)
{
	if (sc->hist == NULL)
		screen_say(sc, MSG_ERROR, sc->o->history
		                              ? "history is off for this run (see the error at startup)"
		                              : "history is off (--no-history or history = off in the "
		                                "config)");
	return sc->hist != NULL;
}

/* The thread's conversation in the history, begun at its first prompt. */
static long long conv_id(struct screen *sc)
{
	if (sc->hist == NULL)
		return 0;
	if (sc->hist_conv == 0) {
		sc->hist_conv = history_begin(sc->hist, sc->system, clock_unix());
		if (sc->hist_conv < 0) {
			sc->hist_conv = 0;
			screen_history_failed(sc);
		}
	}
	return sc->hist_conv;
}

/* The compare's group, begun at its first prompt; 0 when it fails. */
static long long group_id(struct screen *sc, long long conv)
{
	if (sc->hist_group != 0)
		return sc->hist_group;
	struct buf models;
	buf_init(&models, 0);
	for (int i = 0; i < sc->ncol; i++)
		buf_printf(&models, "%s%s", i ? "," : "", sc->col[i].model);
	sc->hist_group = history_begin_compare(sc->hist, conv, buf_str(&models), clock_unix());
	buf_done(&models);
	if (sc->hist_group < 0) {
		sc->hist_group = 0;
		screen_history_failed(sc);
	}
	return sc->hist_group;
}

long long screen_history_add(struct screen *sc, int col, struct message *m)
{
	long long conv = conv_id(sc);
	if (conv <= 0)
		return 0;
	long long group = col >= 0 ? group_id(sc, conv) : 0;
	if (col >= 0 && group <= 0)
		return 0;
	long long id = history_add(sc->hist, conv, group, col + 1, m, clock_unix());
	if (id < 0) {
		screen_history_failed(sc);
		return 0;
	}
	m->hist_id = id;
	return id;
}

void screen_history_rewrite(struct screen *sc, const struct message *m)
{
	if (sc->hist != NULL && m->hist_id > 0 && !m->streaming &&
	    history_update(sc->hist, m->hist_id, m, true, clock_unix()) < 0)
		screen_history_failed(sc);
}

void screen_history_write(struct screen *sc, struct reply *rp, bool final, long long now)
{
	if (sc->hist == NULL || rp->hist_id <= 0 || rp->msg == NULL)
		return;
	if (history_update(sc->hist, rp->hist_id, rp->msg, final, clock_unix()) < 0) {
		screen_history_failed(sc);
		return;
	}
	rp->checkpointed = now;
	rp->hist_version = rp->msg->version;
}

void screen_history_checkpoint(struct screen *sc, struct reply *rp, long long now)
{
	if (rp == NULL || rp->done || rp->msg == NULL || rp->msg->version == rp->hist_version ||
	    now - rp->checkpointed < CHECKPOINT_MS)
		return;
	/* The row carries its figures so far (who answers, TTFT, ...), so a
	 * conversation resumed after a crash knows them. */
	screen_reply_figures(rp, &rp->msg->metrics);
	rp->msg->has_metrics = true;
	screen_history_write(sc, rp, false, now);
}

/* Go on with the model that answered last in the thread, if it still
 * resolves. */
static void model_of_thread(struct screen *sc)
{
	for (size_t i = sc->conv.n; i-- > 0;) {
		const struct message *m = sc->conv.v[i];
		if (m->kind != MSG_ASSISTANT || m->dropped || !m->has_metrics || !m->metrics.provider[0])
			continue;
		char name[128], err[256];
		snprintf(name, sizeof(name), "%s:%s", m->metrics.provider, m->metrics.model);
		if (session_check_model(&sc->s, name, true, err, sizeof(err)) == 0) {
			free(sc->model);
			sc->model = xstrdup(strcmp(m->metrics.provider, "mock") == 0 ? m->metrics.model
			                                                             : name);
		}
		return;
	}
}

static void last_prompt_of_thread(struct screen *sc)
{
	free(sc->last_prompt);
	sc->last_prompt = NULL;
	for (size_t i = sc->conv.n; i-- > 0;)
		if (sc->conv.v[i]->kind == MSG_USER && !sc->conv.v[i]->dropped) {
			sc->last_prompt = xstrdup(buf_str(&sc->conv.v[i]->raw));
			return;
		}
}

/* A reply that failed before its first token is kept in the file (its
 * figures count), but the screen showed no label for it: nor does a
 * resumed thread. */
static void drop_empty_failures(struct conversation *c)
{
	for (size_t i = c->n; i-- > 0;) {
		struct message *m = c->v[i];
		if (m->kind == MSG_ASSISTANT && m->text.len == 0 && m->thinking.len == 0 &&
		    m->has_metrics && m->metrics.outcome == REPLY_ERROR)
			conv_remove(c, m);
	}
}

struct message *screen_sources_note(struct conversation *c, struct message *m)
{
	if (m->sources.n == 0)
		return NULL;
	struct buf b;
	buf_init(&b, 0);
	sources_format(&m->sources, SOURCES_PLAIN, &b);
	if (b.len > 0 && b.data[b.len - 1] == '\n')
		b.data[--b.len] = '\0';
	struct message *n = conv_insert(c, conv_index(c, m) + 1, MSG_NOTICE, "sources", buf_str(&b));
	buf_done(&b);
	return n;
}

/* Each reply's sources under it, as they were shown when it ended. */
static void sources_notes(struct conversation *c)
{
	for (size_t i = c->n; i-- > 0;)
		if (c->v[i]->kind == MSG_ASSISTANT)
			screen_sources_note(c, c->v[i]);
}

int screen_history_load(struct screen *sc, long long id, bool keep_model)
{
	struct conversation c;
	conv_init(&c);
	char *system = NULL;
	if (history_load(sc->hist, id, &c, &system) < 0) {
		screen_sayf(sc, MSG_ERROR, "cannot load conversation %lld: %s", id,
		            history_error(sc->hist));
		conv_done(&c);
		return -1;
	}
	drop_empty_failures(&c);
	sources_notes(&c);
	conv_clear(&sc->conv);
	conv_move(&sc->conv, &c, 0);
	conv_done(&c);
	size_t shown = sc->conv.n;
	sc->context_start = 0;
	sc->hist_conv = id;
	sc->hist_group = 0;
	free(sc->system);
	sc->system = system;
	if (!keep_model)
		model_of_thread(sc);
	last_prompt_of_thread(sc);
	screen_sayf(sc, MSG_NOTICE, "── conversation %lld, %zu message%s · model %s ──", id, shown,
	            shown == 1 ? "" : "s", sc->model);
	screen_react(sc, REACT_LAYOUT | REACT_FOLLOW);
	return 0;
}

void screen_history_open(struct screen *sc)
{
	if (!sc->o->history)
		return;
	char path[1024], err[512];
	const char *p = sc->o->history_path ? sc->o->history_path
	                                    : history_default_path(path, sizeof(path));
	if (p == NULL) {
		screen_say(sc, MSG_ERROR, "history is off for this run: neither XDG_DATA_HOME nor HOME "
		                          "says where to keep it");
		return;
	}
	sc->hist = history_open(p, err, sizeof(err));
	if (sc->hist == NULL) {
		screen_say(sc, MSG_ERROR, err);
		return;
	}
	if (sc->o->resume == 0)
		return;
	long long id = sc->o->resume > 0 ? sc->o->resume : history_last(sc->hist);
	if (id == 0)
		screen_say(sc, MSG_NOTICE, "nothing to resume: the history has no conversation yet");
	else if (id < 0)
		screen_history_failed(sc);
	else
		screen_history_load(sc, id, sc->o->model_given);
}
