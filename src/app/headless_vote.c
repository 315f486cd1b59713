/* SPDX-License-Identifier: GPL-3.0-or-later */
/* headless_vote: --vote, with a compare run or alone. */
#include "app/headless_vote.h"

#include <stdio.h>
#include <string.h>

#include "app/output.h"
#include "model/votes.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/glyphs.h"

/* "circuit: voted A · A was X · B was Y" on stderr. */
static void say_names(const char *const *names, int n, int winner)
{
	struct buf b;
	buf_init(&b, 0);
	if (winner != VOTE_PENDING) {
		char w[16];
		blind_vote_name(winner, w, sizeof(w));
		buf_printf(&b, "voted %s %s ", w, glyph->dot);
	}
	blind_reveal_line(names, n, &b);
	output_flush(stdout);
	fprintf(stderr, "circuit: %s\n", buf_str(&b));
	buf_done(&b);
}

static int bad_word(const char *word, int n)
{
	fprintf(stderr, "circuit: --vote takes a column's letter (A-%c), its number (1-%d), tie or "
	                "none, not '%s'\n", 'A' + n - 1, n, word);
	return 2;
}

void headless_vote_say(const struct routed *rr, const char *spec, const char *label,
                       const char *text, struct buf *out)
{
	if (label == NULL || label[0] == '\0' || rr == NULL) {
		buf_append_str(out, text);
		return;
	}
	char full[128];
	const char *prov = routed_provider(rr)->name, *model = routed_model(rr);
	snprintf(full, sizeof(full), "%s:%s", prov, model);
	const char *names[] = {full, spec, prov, model};
	blind_redact(text, names, 4, label, out);
}

void headless_vote_line(const struct routed *rr, const char *spec, const char *label,
                        const char *text)
{
	struct buf said;
	buf_init(&said, 0);
	headless_vote_say(rr, spec, label, text, &said);
	fprintf(stderr, "circuit: %s%s: %s\n", label, routed_error(rr) ? " failed" : "",
	        buf_str(&said));
	buf_done(&said);
}

int headless_vote_end(struct history *h, long long conv, const char *prompt,
                      struct routed *const *rr, const char *const *specs,
                      const long long *replies, int n, enum blind_mode blind, const char *word)
{
	if (word == NULL && blind == BLIND_OFF)
		return 0;
	int winner = word != NULL ? blind_vote_of(word, n) : VOTE_PENDING;
	if (winner == BLIND_BAD_VOTE) {
		bad_word(word, n);
		winner = VOTE_PENDING;
	}
	struct history_vote v = {.conv = conv, .prompt = prompt, .ncol = n, .winner = winner,
	                         .blind = (enum vote_blind)blind};
	const char *names[VOTE_COLS];
	for (int i = 0; i < n && i < VOTE_COLS; i++) {
		if (rr[i] != NULL)
			snprintf(v.models[i], VOTE_NAME, "%s:%s", routed_provider(rr[i])->name,
			         routed_model(rr[i]));
		else
			snprintf(v.models[i], VOTE_NAME, "%s", specs[i]);
		names[i] = v.models[i];
		v.replies[i] = replies[i];
	}
	if (h == NULL) {
		say_names(names, n, winner);
		return 0;
	}
	if (history_vote_add(h, &v, clock_unix()) < 0) {
		fprintf(stderr, "circuit: history: %s; the vote is not kept\n", history_error(h));
		say_names(names, n, winner);
		return 1;
	}
	if (winner == VOTE_PENDING)
		fputs("circuit: blind: vote with circuit --vote A (a letter, a number, tie or none); "
		      "the names show then\n", stderr);
	else
		say_names(names, n, winner);
	return word != NULL && blind_vote_of(word, n) == BLIND_BAD_VOTE ? 1 : 0;
}

int headless_vote_cli(const char *word)
{
	char path[1024], err[512];
	if (history_default_path(path, sizeof(path)) == NULL) {
		fputs("circuit: neither XDG_DATA_HOME nor HOME says where the history is\n", stderr);
		return 1;
	}
	struct history *h = history_open(path, err, sizeof(err));
	if (h == NULL) {
		fprintf(stderr, "circuit: %s\n", err);
		return 1;
	}
	struct history_vote v = {0};
	struct buf prompt;
	buf_init(&prompt, 0);
	int rc = history_vote_pending(h, &v, &prompt);
	int status = 0;
	if (rc < 0) {
		fprintf(stderr, "circuit: cannot read the votes: %s\n", history_error(h));
		status = 1;
	} else if (rc == 0) {
		fputs("circuit: no blind compare waits for a vote: run circuit --compare M1,M2 --blind "
		      "-p PROMPT first\n", stderr);
		status = 1;
	} else if (blind_vote_of(word, v.ncol) == BLIND_BAD_VOTE) {
		status = bad_word(word, v.ncol);
	} else if (history_vote_cast(h, v.id, blind_vote_of(word, v.ncol), clock_unix()) < 0) {
		fprintf(stderr, "circuit: history: %s; the vote is not kept\n", history_error(h));
		status = 1;
	} else {
		const char *names[VOTE_COLS];
		for (int i = 0; i < v.ncol; i++)
			names[i] = v.models[i];
		say_names(names, v.ncol, blind_vote_of(word, v.ncol));
	}
	buf_done(&prompt);
	history_close(h);
	return status;
}
