/* SPDX-License-Identifier: GPL-3.0-or-later */
/* leaderboard: the votes read from the history, filtered, fitted
 * (model/rating) and written as a table or JSON. */
#include "app/leaderboard.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app/blind.h"
#include "app/output.h"
#include "model/rating.h"
#include "model/votes.h"
#include "util/clock.h"
#include "util/glyphs.h"
#include "util/jsonesc.h"
#include "util/mem.h"
#include "util/width.h"

#define MODELS_MAX 256

/* ---- the words of the command line ------------------------------------------ */

uint64_t leaderboard_seed(void)
{
	const char *s = getenv("CIRCUIT_BOOTSTRAP_SEED");
	if (s != NULL && *s != '\0') {
		char *end;
		unsigned long long v = strtoull(s, &end, 10);
		if (*end == '\0')
			return (uint64_t)v;
	}
	return blind_seed();
}

/* ---- the votes, gathered ------------------------------------------------------ */

struct board {
	const struct leaderboard_opts *o;
	char (*names)[VOTE_NAME];
	int nnames;
	struct rating_vote *v;
	size_t nv, cap;
	int ties, none, skipped;
};

/* word in text as a word of its own (the bytes either side not letters
 * or digits), case ignored. */
static bool has_word(const char *text, const char *word)
{
	size_t n = strlen(word);
	if (n == 0)
		return true;
	for (const char *p = text; *p != '\0'; p++) {
		if (strncasecmp(p, word, n) != 0)
			continue;
		bool before = p == text || !isalnum((unsigned char)p[-1]);
		bool after = !isalnum((unsigned char)p[n]);
		if (before && after)
			return true;
	}
	return false;
}

static int name_index(struct board *b, const char *name)
{
	for (int i = 0; i < b->nnames; i++)
		if (strcmp(b->names[i], name) == 0)
			return i;
	if (b->nnames == MODELS_MAX)
		return -1;
	snprintf(b->names[b->nnames], VOTE_NAME, "%s", name);
	return b->nnames++;
}

static int gather(void *ctx, const struct history_vote *hv)
{
	struct board *b = ctx;
	if (b->o->grep != NULL && !has_word(hv->prompt, b->o->grep))
		return 0;
	if (hv->winner == VOTE_NONE) {
		b->none++;
		return 0;
	}
	struct rating_vote rv = {.ncol = hv->ncol, .winner = hv->winner};
	for (int i = 0; i < hv->ncol; i++)
		rv.model[i] = name_index(b, hv->models[i]);
	for (int i = 0; i < hv->ncol; i++)
		if (rv.model[i] < 0 || hv->ncol < 2) {
			b->skipped++; /* past MODELS_MAX names, or no compare at all */
			return 0;
		}
	if (hv->winner == VOTE_TIE)
		b->ties++;
	if (b->nv == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 64;
		b->v = xrealloc(b->v, b->cap * sizeof(*b->v));
	}
	b->v[b->nv++] = rv;
	return 0;
}

/* ---- writing ------------------------------------------------------------------ */

struct ranked {
	int model;
	struct rating_row r;
};

static int by_rating(const void *pa, const void *pb)
{
	const struct ranked *a = pa, *b = pb;
	if (a->r.rating != b->r.rating)
		return a->r.rating > b->r.rating ? -1 : 1;
	return a->model - b->model;
}

static void table(const struct board *b, const struct ranked *rk, int n, int resamples,
                  struct buf *out)
{
	size_t w = 5;
	for (int i = 0; i < n; i++) {
		const char *s = b->names[rk[i].model];
		size_t sw = width_str(s, strlen(s));
		w = sw > w ? sw : w;
	}
	buf_printf(out, "%-4s  %-*s  %6s  %-11s  %5s  %s\n", "rank", (int)w, "model", "rating",
	           "95% CI", "votes", "win rate");
	for (int i = 0; i < n; i++) {
		const struct rating_row *r = &rk[i].r;
		const char *s = b->names[rk[i].model];
		char ci[32];
		snprintf(ci, sizeof(ci), "%.0f-%.0f", r->lo, r->hi);
		buf_printf(out, "%-4d  %s%*s  %6.0f  %-11s  %5d  %5.1f%%\n", i + 1, s,
		           (int)(w - width_str(s, strlen(s))), "", r->rating, ci, r->votes,
		           100.0 * r->wins / r->votes);
	}
	buf_printf(out, "%zu vote%s (%d tie%s)", b->nv, b->nv == 1 ? "" : "s", b->ties,
	           b->ties == 1 ? "" : "s");
	if (b->none > 0)
		buf_printf(out, " %s %d \"none\" left out", glyph->dot, b->none);
	buf_printf(out, " %s Bradley-Terry, %d bootstrap resamples (docs/leaderboard.md)\n",
	           glyph->dot, resamples);
}

static void json(const struct board *b, const struct ranked *rk, int n, int resamples,
                 struct buf *out)
{
	buf_printf(out, "{\"votes\":%zu,\"ties\":%d,\"none\":%d,\"resamples\":%d,\"prior\":%g,"
	                "\"models\":[",
	           b->nv, b->ties, b->none, resamples, RATING_PRIOR);
	for (int i = 0; i < n; i++) {
		const struct rating_row *r = &rk[i].r;
		buf_printf(out, "%s{\"model\":", i ? "," : "");
		jsonesc_append(out, b->names[rk[i].model], strlen(b->names[rk[i].model]));
		buf_printf(out, ",\"rating\":%.1f,\"ci_low\":%.1f,\"ci_high\":%.1f,\"votes\":%d,"
		                "\"wins\":%g,\"win_rate\":%.4f}",
		           r->rating, r->lo, r->hi, r->votes, r->wins, r->wins / r->votes);
	}
	buf_append_str(out, "]}\n");
}

static void write_board(const struct board *b, struct buf *out)
{
	int resamples = b->o->resamples > 0 ? b->o->resamples : RATING_RESAMPLES;
	struct rating_row *rows = xcalloc((size_t)(b->nnames ? b->nnames : 1), sizeof(*rows));
	struct ranked *rk = xcalloc((size_t)(b->nnames ? b->nnames : 1), sizeof(*rk));
	int n = 0;
	if (b->nv > 0) {
		rating_fit(b->v, b->nv, b->nnames, RATING_PRIOR, rows);
		rating_bootstrap(b->v, b->nv, b->nnames, RATING_PRIOR, resamples, b->o->seed, rows);
		for (int i = 0; i < b->nnames; i++)
			if (rows[i].votes > 0)
				rk[n++] = (struct ranked){i, rows[i]};
		qsort(rk, (size_t)n, sizeof(*rk), by_rating);
	}
	if (b->o->json)
		json(b, rk, n, resamples, out);
	else if (n == 0)
		buf_printf(out, "no votes yet%s: compare models blind (circuit --compare M1,M2 "
		                "--blind), then /vote\n",
		           b->o->grep || b->o->since ? " that match" : "");
	else
		table(b, rk, n, resamples, out);
	free(rk);
	free(rows);
}

int leaderboard_build(struct history *h, const struct leaderboard_opts *o, struct buf *out)
{
	struct board b = {.o = o};
	b.names = xcalloc(MODELS_MAX, sizeof(*b.names));
	int rc = history_votes(h, o->since, gather, &b);
	if (rc >= 0)
		write_board(&b, out);
	free(b.v);
	free(b.names);
	return rc < 0 ? -1 : 0;
}

int leaderboard_cli(const char *since_word, const char *grep, bool as_json)
{
	struct leaderboard_opts o = {.grep = grep, .json = as_json, .seed = leaderboard_seed()};
	if (since_word != NULL && clock_since(since_word, clock_unix(), &o.since) < 0) {
		fprintf(stderr, "circuit: --since takes 7d, 24h, 90m, 2w or a date (2026-12-01), not "
		                "'%s'\n", since_word);
		return 2;
	}
	char path[1024], err[512];
	if (history_default_path(path, sizeof(path)) == NULL) {
		fputs("circuit: neither XDG_DATA_HOME nor HOME says where the history is\n", stderr);
		return 1;
	}
	struct history *h = history_open_readonly(path, err, sizeof(err));
	if (h == NULL) {
		fprintf(stderr, "circuit: %s\n", err);
		return 1;
	}
	struct buf b;
	buf_init(&b, 0);
	int rc = leaderboard_build(h, &o, &b);
	if (rc < 0)
		fprintf(stderr, "circuit: cannot read the votes: %s\n", history_error(h));
	else
		fwrite(buf_str(&b), 1, b.len, stdout);
	output_note(stdout);
	buf_done(&b);
	history_close(h);
	int out = output_status();
	return rc < 0 ? 1 : out;
}
