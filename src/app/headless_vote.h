/* SPDX-License-Identifier: GPL-3.0-or-later */
/* headless_vote: votes from the shell. A compare run with -p keeps its
 * vote in the history as it is kept: --vote's, or, blind without one, a
 * vote waiting for `circuit --vote X`; then the names are said on stderr
 * (a blind run's only once voted). */
#ifndef CIRCUIT_APP_HEADLESS_VOTE_H
#define CIRCUIT_APP_HEADLESS_VOTE_H

#include "app/blind.h"
#include "model/history.h"
#include "route/router.h"
#include "util/buf.h"

/* text as a compare's run says it (a notice, an error): in a blind one
 * (label its letter, "" not blind), the provider and model of rr (NULL:
 * not started) and spec replaced by the letter (blind_redact). Appended
 * to out. */
void headless_vote_say(const struct routed *rr, const char *spec, const char *label,
                       const char *text, struct buf *out);

/* A blind run's error line on stderr: "circuit: B failed: TEXT" (or
 * "circuit: B: TEXT" when rr has no error), redacted as
 * headless_vote_say does. */
void headless_vote_line(const struct routed *rr, const char *spec, const char *label,
                        const char *text);

/* A compare run has ended and was kept in conv of h (h NULL: it was not:
 * no history, or nothing worth keeping). Per column, in column order, its
 * request rr[i] (NULL: it never started; specs[i] names it then) and
 * reply row replies[i] (0 none); word: --vote's (NULL none). With a word
 * the vote is stored and the names said on stderr; blind without one, a
 * vote is stored waiting and stderr says how to cast it; with no history
 * the names are said at once. Not blind and no word: nothing. Returns 0,
 * or 1 after a line on stderr (a word that names no column, a write that
 * failed). */
int headless_vote_end(struct history *h, long long conv, const char *prompt,
                      struct routed *const *rr, const char *const *specs,
                      const long long *replies, int n, enum blind_mode blind, const char *word);

/* `circuit --vote WORD` alone: casts the newest waiting vote of the
 * history and says the names on stderr. Returns the exit status: 0; 1 no
 * vote waits or the history cannot be used; 2 a word that names no
 * column. */
int headless_vote_cli(const char *word);

#endif
