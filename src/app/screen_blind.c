/* SPDX-License-Identifier: GPL-3.0-or-later */
/* screen_blind: a blind compare on the screen and the votes. While blind,
 * columns, their replies' labels, notices and errors say A, B, C...; the
 * cost waits (strict: the times and rates too) and the status bar shows
 * no provider. A vote (/vote, Alt-v) is stored in the history and brings
 * the names back: the replies' labels and figures, the headers, and a
 * notice of who was who. */
#include "app/screen_core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/blind.h"
#include "app/reply_figures.h"
#include "model/votes.h"
#include "util/clock.h"
#include "util/glyphs.h"
#include "util/mem.h"

bool screen_blind(const struct screen *sc)
{
	return sc->ncol > 0 && sc->blind != BLIND_OFF;
}

const char *screen_blind_label(const struct screen *sc, int col, const char *label, char *buf)
{
	if (col < 0 || !screen_blind(sc))
		return label;
	blind_letter(col, buf);
	return buf;
}

void screen_blind_say(const struct screen *sc, const struct reply *rp, const char *text,
                      struct buf *out)
{
	if (rp->col < 0 || !screen_blind(sc)) {
		buf_append_str(out, text);
		return;
	}
	char letter[4], full[128];
	blind_letter(rp->col, letter);
	const char *prov = routed_provider(rp->rr)->name, *model = routed_model(rp->rr);
	snprintf(full, sizeof(full), "%s:%s", prov, model);
	const char *names[] = {full, rp->spec, prov, model, rp->provider, rp->model};
	blind_redact(text, names, 6, letter, out);
}

void screen_figures_line(const struct screen *sc, const struct reply_metrics *f, char *line,
                         size_t size)
{
	struct reply_metrics shown = *f;
	blind_mask(&shown, screen_blind(sc) ? (enum blind_mode)sc->blind : BLIND_OFF);
	reply_figures_line(&shown, line, size);
	size_t n = strlen(line);
	if (reply_figures_cut_by_length(f))
		snprintf(line + n, size - n, "%s%s%scut by the token limit: /continue goes on",
		         n ? " " : "", n ? glyph->dot : "", n ? " " : "");
}

/* Every reply of column i labelled by its letter gets its name and its
 * whole figures back (in the history too). */
static void reveal_column(struct screen *sc, int i)
{
	struct column *c = &sc->col[i];
	char letter[4];
	blind_letter(i, letter);
	for (size_t k = 0; k < c->conv.n; k++) {
		struct message *m = c->conv.v[k];
		if (m->kind != MSG_ASSISTANT || strcmp(m->label, letter) != 0)
			continue;
		free(m->label);
		m->label = xstrdup(session_label(c->model));
		if (m->has_metrics && !m->streaming)
			screen_figures_line(sc, &m->metrics, m->meta, sizeof(m->meta));
		m->version++;
		screen_history_rewrite(sc, m);
	}
}

/* The names back, and who was who said. */
static void reveal(struct screen *sc, const char *vote_word)
{
	bool was_blind = screen_blind(sc);
	sc->blind = BLIND_OFF;
	const char *names[COMPARE_MAX];
	for (int i = 0; i < sc->ncol; i++) {
		if (was_blind)
			reveal_column(sc, i);
		names[i] = sc->col[i].answered[0] ? sc->col[i].answered : sc->col[i].model;
	}
	struct buf b;
	buf_init(&b, 0);
	buf_printf(&b, "voted %s %s ", vote_word, glyph->dot);
	blind_reveal_line(names, sc->ncol, &b);
	screen_say(sc, MSG_NOTICE, buf_str(&b));
	buf_done(&b);
	screen_note(sc, "voted %s: /leaderboard ranks the models", vote_word);
}

/* The vote as a history row; false (said) when it could not be kept. */
static bool store(struct screen *sc, int winner, enum blind_mode mode)
{
	if (sc->hist == NULL || sc->hist_conv <= 0) {
		screen_say(sc, MSG_ERROR, "the vote is not kept: the history is off");
		return false;
	}
	struct history_vote v = {.conv = sc->hist_conv, .prompt = sc->last_prompt,
	                         .ncol = sc->ncol, .winner = winner,
	                         .blind = (enum vote_blind)mode};
	for (int i = 0; i < sc->ncol; i++) {
		snprintf(v.models[i], VOTE_NAME, "%s",
		         sc->col[i].answered[0] ? sc->col[i].answered : sc->col[i].model);
		v.replies[i] = sc->col[i].reply_id;
	}
	if (history_vote_add(sc->hist, &v, clock_unix()) < 0) {
		screen_history_failed(sc);
		return false;
	}
	return true;
}

int screen_vote(struct screen *sc, int winner)
{
	if (sc->ncol == 0) {
		screen_say(sc, MSG_ERROR, "/vote judges a compare: /compare --blind M1 M2 first");
		return REACT_NONE;
	}
	bool answered = sc->last_prompt != NULL;
	for (int i = 0; i < sc->ncol; i++)
		answered = answered && sc->col[i].has_last;
	if (screen_streaming(sc) || !answered) {
		screen_note(sc, "%s", screen_streaming(sc) ? "a vote waits for every column to end"
		                                           : "nothing to vote on yet: send a prompt");
		return REACT_NONE;
	}
	if (sc->voted) {
		screen_note(sc, "this prompt has its vote: send another to vote again");
		return REACT_NONE;
	}
	char word[16];
	blind_vote_name(winner, word, sizeof(word));
	store(sc, winner, (enum blind_mode)sc->blind);
	sc->voted = true;
	reveal(sc, word);
	return REACT_LAYOUT;
}

void screen_vote_key(struct screen *sc, unsigned char k)
{
	sc->vote_key = false;
	char word[2] = {(char)k, '\0'};
	int winner = k == 't' ? VOTE_TIE : k == 'n' ? VOTE_NONE : blind_vote_of(word, sc->ncol);
	if (winner == BLIND_BAD_VOTE) {
		screen_note(sc, "no vote");
		return;
	}
	screen_react(sc, screen_vote(sc, winner));
}
