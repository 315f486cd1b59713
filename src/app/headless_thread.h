/* SPDX-License-Identifier: GPL-3.0-or-later */
/* headless_thread: the conversation a headless run goes on with (circuit -c,
 * --resume ID -p): its turns go before the prompt, and the reply joins it
 * in the history. */
#ifndef CIRCUIT_APP_HEADLESS_THREAD_H
#define CIRCUIT_APP_HEADLESS_THREAD_H

#include <stddef.h>

#include "app/session.h"
#include "app/turns.h"
#include "model/conversation.h"
#include "model/history.h"
#include "wire/request.h"

/* The line for a conversation id the history does not hold. */
#define NO_SUCH_CONVERSATION                                                                      \
	"circuit: there is no conversation %lld in the history; circuit --sessions lists them\n"

struct headless_thread {
	struct history *h;         /* the history, open to write; owned */
	long long conv;            /* the conversation going on (> 0) */
	struct conversation c;     /* its messages, as loaded */
	char *system;              /* its system prompt (malloc'd; NULL: none) */
	char *model;               /* who answered last, when it still resolves (malloc'd) */
	struct turns turns;        /* the thread's turns (app/turns), then the new prompt */
};

/* Opens the history (path NULL: the default file) and loads conversation
 * id (-1: the most recent) into t, its turns ready to send, and the model
 * that answered last when s still knows it. Returns 0; else, after one
 * line on stderr, 1 (the history cannot be used) or 2 (no such
 * conversation, or none yet); t needs headless_thread_close either way. */
int headless_thread_open(struct headless_thread *t, const char *path, long long id,
                         struct session *s);

/* Fills req with the thread: the system prompt given (NULL: the thread's
 * own), its turns, then *prompt (copied into t's last slot: any field the
 * caller set goes with it). req borrows from t and the system prompt until
 * t is closed. */
void headless_thread_request(struct headless_thread *t, const char *system,
                             const struct wire_message *prompt, struct wire_request *req);

/* Closes the history and frees what t holds (t zeroed is fine). */
void headless_thread_close(struct headless_thread *t);

#endif
