/* SPDX-License-Identifier: GPL-3.0-or-later */
/* blind: what a blind compare shares between the screen and the shell:
 * the shuffle, the column letters, a vote's word, the names kept out of
 * notices and errors, the figures that wait for the vote. */
#ifndef CIRCUIT_APP_BLIND_H
#define CIRCUIT_APP_BLIND_H

#include <stdint.h>

#include "model/metrics.h"
#include "model/votes.h"
#include "util/buf.h"

/* The modes, as the votes table stores them. */
enum blind_mode { BLIND_OFF = VOTE_SEEN, BLIND_ON = VOTE_BLIND, BLIND_STRICT = VOTE_STRICT };

/* --blind's value: NULL or "" (plain --blind) BLIND_ON, "strict"
 * BLIND_STRICT; -1 anything else. */
int blind_mode_of(const char *value);

/* A seed from /dev/urandom, else the clock and the pid. */
uint64_t blind_seed(void);

/* items[0..n-1] in a uniformly random order (Fisher-Yates on a
 * splitmix64 stream from seed; the modulo bias of n <= 6 out of 2^64 is
 * nil). */
void blind_shuffle(char **items, int n, uint64_t seed);

/* Column col's letter: "A", "B"... into out (2 bytes at least). */
void blind_letter(int col, char *out);

/* A vote's word for ncol columns: a letter (either case) or a column
 * number (1-based) gives the column (0-based); "tie" VOTE_TIE, "none"
 * VOTE_NONE. -9 when it is none of these. */
#define BLIND_BAD_VOTE (-9)
int blind_vote_of(const char *word, int ncol);

/* What a vote's word means, for messages: "A", "a tie", "none". */
void blind_vote_name(int winner, char *out, size_t size);

/* text with every occurrence of the n names (case ignored; the longest
 * first where two start at the same place; names under 2 bytes are
 * ignored) replaced by letter, appended to out: a notice or an error of a
 * blind column says nothing of who answers. */
void blind_redact(const char *text, const char *const *names, int n, const char *letter,
                  struct buf *out);

/* The figures a blind column shows: no cost; strict, no times or rate. */
void blind_mask(struct reply_metrics *f, enum blind_mode mode);

/* "A was openai:gpt-4o · B was mock:mock": names[i] column i's. */
void blind_reveal_line(const char *const *names, int n, struct buf *out);

#endif
