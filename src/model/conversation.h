/* SPDX-License-Identifier: GPL-3.0-or-later */
/* conversation: the messages of one thread, as the user sees them. */
#ifndef CIRCUIT_MODEL_CONVERSATION_H
#define CIRCUIT_MODEL_CONVERSATION_H

#include <stdbool.h>
#include <stddef.h>

#include "model/attachment.h"
#include "model/metrics.h"
#include "model/sources.h"
#include "util/buf.h"
#include "util/sanitize.h"

enum msg_kind {
	MSG_USER,
	MSG_ASSISTANT,
	MSG_NOTICE, /* circuit's own words: fallback, help, stats */
	MSG_ERROR,
};

/* One message. Text and thinking are stored sanitised (util/sanitize): the
 * UI only ever draws inert text. version grows with every change, so a view
 * re-wraps only what changed. */
struct message {
	enum msg_kind kind;
	char *label; /* "you", the model ("mock", "openai:gpt-4o"), or "" */
	struct buf text;
	struct buf thinking;
	struct buf raw; /* the assistant's text as sent, for the next request */
	char meta[128]; /* "331 ms · 32.8 tok/s · 104 tokens" once done */
	struct reply_metrics metrics; /* an assistant reply's figures, once done */
	bool has_metrics;
	bool streaming;
	bool interrupted; /* cut short: cancelled or failed after some text */
	bool dropped;     /* left out of the next requests: /retry asked again instead */
	bool queued;      /* a prompt waiting for the live reply to end: not sent yet */
	long long hist_id; /* its row in the history, 0: none (kept there by the app) */
	struct attachments att; /* a prompt's files (-f, /file), owned; sent with it */
	unsigned long version;
	unsigned long thinking_resets; /* grows when the thinking is dropped */
	struct sanitizer san_text, san_think;
	struct sources sources; /* what a reply cites (issue 19), each URL once */
};

struct conversation {
	struct message **v;
	size_t n, cap;
	unsigned long version; /* grows when messages are added or removed */
	unsigned long removals; /* grows when messages go (clear, move out): a view's
	                         * pointers to them are stale */
};

void conv_init(struct conversation *c);
void conv_done(struct conversation *c);
/* Removes every message. */
void conv_clear(struct conversation *c);
/* Appends a message with a copy of text (sanitised); returns it (owned by c,
 * valid until conv_clear/conv_done). */
struct message *conv_add(struct conversation *c, enum msg_kind kind, const char *label,
                         const char *text);
/* Appends a copy of m (text, thinking, raw, meta, metrics, attachments;
 * not its streaming state) to c; returns the copy. */
struct message *conv_add_copy(struct conversation *c, const struct message *m);
/* Inserts a message (as conv_add) at index at (<= n), before what was
 * there; the messages after it move down one. Returns it. */
struct message *conv_insert(struct conversation *c, size_t at, enum msg_kind kind,
                            const char *label, const char *text);
/* Removes m from c and frees it (nothing when m is not in c). */
void conv_remove(struct conversation *c, struct message *m);
/* The index of m in c (looked for from the end), or c->n when absent. */
size_t conv_index(const struct conversation *c, const struct message *m);
/* Moves the messages of src from index `from` on to the end of dst. */
void conv_move(struct conversation *dst, struct conversation *src, size_t from);
/* Streaming deltas, sanitised incrementally (a CR LF or a character split
 * across deltas is joined). */
void msg_append_text(struct message *m, const char *p, size_t n);
void msg_append_thinking(struct message *m, const char *p, size_t n);
/* A line of circuit's own in a reply's text, on a line of its own ("[image
 * saved: PATH]"): shown and kept with the text, not in raw, so it is never
 * sent back to a model. */
void msg_append_note(struct message *m, const char *line);
/* A whole text for a message that has none yet (a reply kept for the
 * history at the end of a headless run): moved into m without a copy when
 * it needs no sanitising, with raw left empty (it is the text, as the
 * history stores it: model/history_row.c b_raw), else appended as
 * msg_append_text does. text is left empty either way. */
void msg_take_text(struct message *m, struct buf *text);
/* Drops the thinking so far (a fallback before the first token: the next
 * provider thinks again from nothing). Text only ever grows; thinking
 * grows but for this, which thinking_resets counts. */
void msg_reset_thinking(struct message *m);
/* The stream ended: flush the sanitizers; interrupted marks a partial reply. */
void msg_finish(struct message *m, bool interrupted, const char *meta);

#endif
