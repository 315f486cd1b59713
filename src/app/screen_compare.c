/* SPDX-License-Identifier: GPL-3.0-or-later */
/* screen_compare: compare mode. Each model gets a column with its own
 * thread, copied from the thread as it stands; /adopt N goes on with one
 * column's thread, /compare off goes back to the thread as it was. */
#include "app/screen_core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/blind.h"
#include "ui/transcript.h"
#include "util/mem.h"
#include "util/words.h"

void screen_compare_end(struct screen *sc)
{
	for (int i = 0; i < sc->ncol; i++) {
		free(sc->col[i].model);
		conv_done(&sc->col[i].conv);
	}
	memset(sc->col, 0, sizeof(sc->col));
	sc->ncol = 0;
	columns_free(sc->cv);
	sc->cv = NULL;
	sc->relayout = true;
}

/* Each model must resolve (a model without its key cannot be a column:
 * a column has no fallback). 0, or -1 said on the screen. */
static int check_models(struct screen *sc, char **models, int n)
{
	if (n < 2 || n > COMPARE_MAX) {
		screen_sayf(sc, MSG_ERROR, "/compare takes 2 to %d models: /compare M1 M2 [M3 ...]",
		            COMPARE_MAX);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char err[320];
		if (session_check_model(&sc->s, models[i], false, err, sizeof(err)) < 0) {
			screen_say(sc, MSG_ERROR, err);
			return -1;
		}
	}
	if (screen_streaming(sc)) {
		screen_say(sc, MSG_ERROR, "still streaming: Ctrl-C cancels, then /compare");
		return -1;
	}
	return 0;
}

/* "--blind" or "--blind=strict" before the models: the mode, args moved
 * past it; BLIND_OFF without; -1 another option (said). */
static int blind_word(struct screen *sc, const char **args)
{
	if (strncmp(*args, "--blind", 7) != 0)
		return BLIND_OFF;
	size_t len = strcspn(*args, " \t");
	char value[16] = "";
	if ((*args)[7] == '=' && len - 8 < sizeof(value))
		memcpy(value, *args + 8, len - 8);
	int mode = (*args)[7] == '=' || len == 7 ? blind_mode_of(value) : -1;
	if (mode < 0 || ((*args)[7] == '=' && *value == '\0')) {
		screen_say(sc, MSG_ERROR, "/compare --blind (or --blind=strict) M1 M2 [M3 ...]");
		return -1;
	}
	*args += len;
	return mode;
}

int screen_compare_start(struct screen *sc, const char *args)
{
	int blind = blind_word(sc, &args);
	if (blind < 0)
		return REACT_NONE;
	char *models[COMPARE_MAX + 1];
	int n = words_split(args, ", \t", models, COMPARE_MAX + 1);
	if (check_models(sc, models, n) < 0) {
		words_free(models, n > 0 ? (size_t)n : 0);
		return REACT_NONE;
	}
	if (sc->ncol > 0)
		screen_compare_end(sc);
	if (blind != BLIND_OFF) /* a fair order: nobody knows which column is whose */
		blind_shuffle(models, n, blind_seed());
	sc->blind = blind;
	sc->voted = false;
	sc->hist_group = 0; /* a new group at its first prompt */
	sc->cv = columns_new();
	columns_set_thinking(sc->cv, transcript_thinking(sc->tr));
	columns_set_render(sc->cv, transcript_render(sc->tr));
	sc->ncol = n;
	for (int i = 0; i < n; i++) {
		struct column *c = &sc->col[i];
		c->model = models[i];
		conv_init(&c->conv);
		for (size_t k = sc->context_start; k < sc->conv.n; k++) {
			const struct message *m = sc->conv.v[k];
			if ((m->kind == MSG_USER || m->kind == MSG_ASSISTANT) && !m->streaming &&
			    !m->queued)
				conv_add_copy(&c->conv, m);
		}
		c->base = c->conv.n;
	}
	if (blind != BLIND_OFF)
		screen_note(sc, "blind compare: %d models as A-%c · /vote A (or Alt-v A) reveals them",
		            n, 'A' + n - 1);
	else
		screen_note(sc, "compare: %d models · Alt-1..%d focus · Alt-z zoom", n, n);
	return REACT_LAYOUT;
}

int screen_compare_off(struct screen *sc, int adopt)
{
	if (screen_streaming(sc)) {
		screen_say(sc, MSG_ERROR, "still streaming: Ctrl-C cancels (twice: all), then try again");
		return REACT_NONE;
	}
	char msg[200];
	if (adopt >= 0) {
		struct column *c = &sc->col[adopt];
		/* The compare's turns of that column continue the thread; a /new
		 * typed during the compare still counts. */
		size_t before = sc->conv.n;
		if (c->context_start > c->base)
			sc->context_start = before + (c->context_start - c->base);
		conv_move(&sc->conv, &c->conv, c->base);
		if (sc->hist != NULL && sc->hist_group > 0 &&
		    history_adopt(sc->hist, sc->hist_group, adopt + 1) < 0)
			screen_history_failed(sc);
		free(sc->model);
		sc->model = xstrdup(c->model);
		snprintf(msg, sizeof(msg), "── going on with %s (column %d) ──", c->model, adopt + 1);
	} else {
		snprintf(msg, sizeof(msg), "── compare off: back to one thread with %s ──", sc->model);
	}
	screen_compare_end(sc);
	sc->hist_group = 0;
	screen_say_in(&sc->conv, MSG_NOTICE, msg);
	return REACT_LAYOUT | REACT_FOLLOW;
}
