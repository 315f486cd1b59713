/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_vote: /vote and /leaderboard. */
#include "app/cmd.h"

#include <string.h>

#include "app/blind.h"
#include "app/leaderboard.h"
#include "util/clock.h"
#include "util/words.h"

int cmd_vote(struct screen *sc, const char *args)
{
	int winner = blind_vote_of(args, sc->ncol);
	if (sc->ncol > 0 && winner == BLIND_BAD_VOTE) {
		screen_sayf(sc, MSG_ERROR, "/vote takes a column's letter (A-%c), its number (1-%d), "
		            "tie or none", 'A' + sc->ncol - 1, sc->ncol);
		return REACT_NONE;
	}
	return screen_vote(sc, winner);
}

/* "--since W" and "--grep W" into o. 0, or -1 (said). */
static int board_args(struct screen *sc, const char *args, struct leaderboard_opts *o,
                      char **words, int *n)
{
	*n = words_split(args, " \t", words, 5);
	for (int i = 0; i < *n; i += 2) {
		bool since = strcmp(words[i], "--since") == 0;
		bool grep = strcmp(words[i], "--grep") == 0;
		if (i + 1 >= *n || (!since && !grep) ||
		    (since && clock_since(words[i + 1], clock_unix(), &o->since) < 0)) {
			screen_say(sc, MSG_ERROR, "/leaderboard [--since 7d|24h|2026-12-01] [--grep WORD]");
			return -1;
		}
		if (grep)
			o->grep = words[i + 1];
	}
	return *n < 0 ? -1 : 0;
}

int cmd_leaderboard(struct screen *sc, const char *args)
{
	if (!screen_history_ready(sc))
		return REACT_NONE;
	struct leaderboard_opts o = {.seed = leaderboard_seed()};
	char *words[5];
	int n = 0;
	if (board_args(sc, args, &o, words, &n) == 0) {
		struct buf b;
		buf_init(&b, 0);
		if (leaderboard_build(sc->hist, &o, &b) < 0) {
			screen_history_failed(sc);
		} else {
			while (b.len > 0 && b.data[b.len - 1] == '\n')
				b.data[--b.len] = '\0';
			screen_say(sc, MSG_NOTICE, buf_str(&b));
		}
		buf_done(&b);
	}
	words_free(words, n > 0 ? (size_t)n : 0);
	return REACT_FOLLOW;
}
